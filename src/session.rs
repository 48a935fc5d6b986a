//! One profile's pieces put together: its vault, its store, and a client logged in from them.
//!
//! This is the glue the commands and the TUI share, so every entry point finds the app key,
//! the tokens and the journal the same way, and none of them prints or logs a secret.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretString;

use crate::clock::Clock;
use crate::config::{Config, VaultConfig};
use crate::schwab::{
    AppCredentials, ClientOptions, SchwabClient, SchwabError, TokenKeeper, Tokens,
};
use crate::store::{DB_FILE, JournalEntry, JournalHead, JournalKind, Store, StoreError, StoreKeys};
use crate::vault::{StoredTokens, Vault, VaultChoice, VaultError, VaultOptions, names};

/// The environment variables that may carry the app key and secret, for scripts and CI.
pub const KEY_VAR: &str = "SCHWAB_API_KEY";
pub const SECRET_VAR: &str = "SCHWAB_API_SECRET";
/// The passphrase of the encrypted vault file, for scripts where no terminal can ask.
pub const PASSPHRASE_VAR: &str = "PALMTREE_VAULT_PASSPHRASE";

/// What went wrong opening a profile, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Schwab(#[from] SchwabError),
    #[error("not logged in to Schwab (profile {0:?}): run `palmtree login`")]
    NotLoggedIn(String),
    #[error("{0}")]
    Config(String),
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The directory of one profile's files (its database and its refresh lock).
pub fn profile_dir(data_dir: &Path, profile: &str) -> PathBuf {
    data_dir.join("profiles").join(profile)
}

/// Opens the profile's vault: a keychain where one answers, else the encrypted file.
///
/// The file's passphrase comes from `PALMTREE_VAULT_PASSPHRASE` or is asked on the terminal
/// with no echo; with neither, opening the file fails with a message saying so.
///
/// What it remembers across commands (the file's derived key, a Secret Service vault's access
/// token) follows `settings`, the config's `[vault]` table.
pub fn open_vault(
    profile: &str,
    choice: VaultChoice,
    data_dir: &Path,
    settings: &VaultConfig,
) -> Result<Vault, VaultError> {
    let exists = crate::vault::vault_file_path(data_dir).exists();
    let passphrase = Box::new(move || ask_passphrase(exists));
    let mut options = VaultOptions::new(profile, choice, data_dir, passphrase);
    options.remember_file_key = settings.key_memory();
    options.remember_access_token = settings.remember_access_token;
    Vault::open(options)
}

/// Opens a vault when first called; see [`remembered_client`].
pub type VaultOpener = Box<dyn FnOnce() -> Result<Vault, VaultError> + Send>;

fn ask_passphrase(file_exists: bool) -> Result<SecretString, VaultError> {
    if let Ok(value) = std::env::var(PASSPHRASE_VAR) {
        return Ok(SecretString::from(value));
    }
    let no_terminal = |e: std::io::Error| VaultError::NoPassphrase {
        reason: format!(
            "no keychain answered, so the vault is an encrypted file, and its passphrase \
             could not be asked ({e}); set {PASSPHRASE_VAR} or run in a terminal"
        ),
    };
    if file_exists {
        let entered = rpassword::prompt_password("Vault passphrase: ").map_err(no_terminal)?;
        return Ok(SecretString::from(entered));
    }
    eprintln!(
        "No OS keychain answered, so palmtree keeps its secrets in an encrypted file. \
         Choose a passphrase for it."
    );
    let first = rpassword::prompt_password("New vault passphrase: ").map_err(no_terminal)?;
    let second = rpassword::prompt_password("Repeat it: ").map_err(no_terminal)?;
    if first != second {
        return Err(VaultError::NoPassphrase {
            reason: "the two passphrases differ; nothing was written".into(),
        });
    }
    Ok(SecretString::from(first))
}

/// The app key and secret: the vault's, else the environment's.
pub fn app_credentials(vault: &Vault) -> Result<Option<AppCredentials>, VaultError> {
    if let Some((key, secret)) = vault.app_credentials()? {
        return Ok(Some(AppCredentials { key, secret }));
    }
    Ok(env_credentials())
}

/// `SCHWAB_API_KEY` and `SCHWAB_API_SECRET`, when both are set.
pub fn env_credentials() -> Option<AppCredentials> {
    let key = std::env::var(KEY_VAR)
        .ok()
        .filter(|k| !k.trim().is_empty())?;
    let secret = std::env::var(SECRET_VAR).ok().filter(|s| !s.is_empty())?;
    Some(AppCredentials::new(key.trim(), secret))
}

/// A client for `config`'s hosts with `app`'s credentials, not yet logged in.
pub fn client(
    config: &Config,
    app: AppCredentials,
    clock: Clock,
) -> Result<SchwabClient, SessionError> {
    client_through(config, Some(app), clock, None)
}

/// A client for `config`; without `app`, it asks its token keeper when it first needs them.
fn client_through(
    config: &Config,
    app: Option<AppCredentials>,
    clock: Clock,
    http: Option<reqwest::Client>,
) -> Result<SchwabClient, SessionError> {
    let urls = config
        .api_urls()
        .map_err(|e| SessionError::Config(e.to_string()))?;
    let mut options = ClientOptions::app_on_demand(urls);
    options.app = app;
    options.timeout = config.timeout();
    options.clock = clock;
    options.orders_per_minute = config.trading.orders_per_minute.clamp(1, 120);
    options.http = http;
    Ok(SchwabClient::new(options)?)
}

/// The HTTP client for `config`'s timeouts, for a command to make while its vault opens.
pub fn http_client(config: &Config) -> Result<reqwest::Client, SessionError> {
    Ok(crate::schwab::client::build_http(
        config.timeout(),
        crate::schwab::client::DEFAULT_CONNECT_TIMEOUT,
    )?)
}

/// A client logged in with the profile's saved tokens, saving every refresh back; through
/// `http` when one was made beforehand (see [`http_client`]).
pub async fn logged_in_client(
    config: &Config,
    vault: &Vault,
    data_dir: &Path,
    clock: Clock,
    http: Option<reqwest::Client>,
) -> Result<SchwabClient, SessionError> {
    // The app key and secret are read only if a refresh needs them (see `VaultKeeper`).
    let stored = vault
        .load_tokens()?
        .ok_or_else(|| SessionError::NotLoggedIn(vault.profile().to_string()))?;
    tracing::debug!("saved login read");
    let client = client_through(config, None, clock, http)?;
    client.set_tokens(from_stored(stored)).await;
    client.set_token_keeper(Arc::new(VaultKeeper::new(vault.clone(), data_dir)?));
    Ok(client)
}

/// A client logged in with an access token remembered by an earlier command (see
/// `vault::AccessSlot`), which opens the vault through `open` only if a refresh needs it: a
/// script's read then never waits for the keychain.
pub async fn remembered_client(
    config: &Config,
    remembered: StoredTokens,
    open: VaultOpener,
    profile: &str,
    data_dir: &Path,
    http: Option<reqwest::Client>,
) -> Result<SchwabClient, SessionError> {
    tracing::debug!("remembered access token used; the vault opens only if a refresh needs it");
    let client = client_through(config, None, Clock::system(), http)?;
    client.set_tokens(from_stored(remembered)).await;
    client.set_token_keeper(Arc::new(VaultKeeper::opening(open, profile, data_dir)?));
    Ok(client)
}

/// Tokens as the vault keeps them.
pub fn to_stored(tokens: &Tokens) -> StoredTokens {
    StoredTokens {
        access_token: tokens.access_token.clone(),
        access_expires_at: tokens.access_expires_at,
        refresh_token: tokens.refresh_token.clone(),
        exchanged_at: tokens.exchanged_at,
        refresh_deadline: tokens.refresh_deadline,
    }
}

/// Tokens as the client uses them.
pub fn from_stored(stored: StoredTokens) -> Tokens {
    Tokens {
        access_token: stored.access_token,
        access_expires_at: stored.access_expires_at,
        refresh_token: stored.refresh_token,
        exchanged_at: stored.exchanged_at,
        refresh_deadline: stored.refresh_deadline,
    }
}

/// Saves tokens to the vault and serialises refreshes across processes with a lock file.
pub struct VaultKeeper {
    vault: std::sync::Mutex<KeeperVault>,
    lock_path: PathBuf,
}

/// The keeper's vault: open, still to be opened, or failed to open (and why).
enum KeeperVault {
    Open(Vault),
    /// `None` only while the opener runs.
    Unopened(Option<VaultOpener>),
    Failed(String),
}

impl VaultKeeper {
    pub fn new(vault: Vault, data_dir: &Path) -> Result<Self, SessionError> {
        let lock_path = Self::lock_path(data_dir, vault.profile())?;
        Ok(VaultKeeper {
            vault: std::sync::Mutex::new(KeeperVault::Open(vault)),
            lock_path,
        })
    }

    /// A keeper that opens its vault through `open` the first time it needs it.
    pub fn opening(
        open: VaultOpener,
        profile: &str,
        data_dir: &Path,
    ) -> Result<Self, SessionError> {
        Ok(VaultKeeper {
            vault: std::sync::Mutex::new(KeeperVault::Unopened(Some(open))),
            lock_path: Self::lock_path(data_dir, profile)?,
        })
    }

    fn lock_path(data_dir: &Path, profile: &str) -> Result<PathBuf, SessionError> {
        let dir = profile_dir(data_dir, profile);
        private_dir(&dir)?;
        Ok(dir.join("refresh.lock"))
    }

    /// The vault, opened now if it was not yet; the reason in words if it cannot be.
    fn vault(&self) -> Result<Vault, String> {
        let mut state = self
            .vault
            .lock()
            .map_err(|_| "the vault could not be opened".to_string())?;
        let open = match &mut *state {
            KeeperVault::Open(vault) => return Ok(vault.clone()),
            KeeperVault::Failed(why) => return Err(why.clone()),
            KeeperVault::Unopened(open) => open.take(),
        };
        let opened = match open {
            Some(open) => open().map_err(|e| format!("cannot open the vault: {e}")),
            None => Err("cannot open the vault: an earlier attempt stopped".to_string()),
        };
        *state = match &opened {
            Ok(vault) => KeeperVault::Open(vault.clone()),
            Err(why) => KeeperVault::Failed(why.clone()),
        };
        opened
    }
}

impl TokenKeeper for VaultKeeper {
    fn load(&self) -> Option<Tokens> {
        let loaded = self
            .vault()
            .and_then(|vault| vault.load_tokens().map_err(|e| e.to_string()));
        match loaded {
            Ok(stored) => stored.map(from_stored),
            Err(e) => {
                tracing::warn!(error = %e, "saved tokens could not be read");
                None
            }
        }
    }

    fn save(&self, tokens: &Tokens) {
        let saved = self.vault().and_then(|vault| {
            vault
                .save_tokens(&to_stored(tokens))
                .map_err(|e| e.to_string())
        });
        if let Err(e) = saved {
            tracing::error!(error = %e, "new tokens could not be saved; the next run must log in");
        }
    }

    fn app_credentials(&self) -> Result<Option<AppCredentials>, String> {
        let vault = self.vault()?;
        app_credentials(&vault).map_err(|e| {
            tracing::warn!(error = %e, "the app key and secret could not be read");
            e.to_string()
        })
    }

    fn lock(&self) -> Option<Box<dyn Send>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&self.lock_path)
            .ok()?;
        file.lock().ok()?;
        Some(Box::new(LockGuard(file)))
    }
}

/// Holds the refresh lock; the OS releases it when the file is closed.
struct LockGuard(#[allow(dead_code)] File);

/// Creates `dir` (and its parents) private to the user.
pub fn private_dir(dir: &Path) -> Result<(), SessionError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| SessionError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// The profile's journal and cache, with the journal's head anchored in the vault.
pub struct Records {
    pub store: Store,
    vault: Vault,
}

impl Records {
    /// Opens the profile's database with its keys from the vault (made on first use).
    pub fn open(vault: &Vault, data_dir: &Path) -> Result<Self, SessionError> {
        let dir = profile_dir(data_dir, vault.profile());
        private_dir(&dir)?;
        let keys = StoreKeys {
            cache: vault.key32(names::CACHE_KEY)?,
            journal: vault.key32(names::JOURNAL_KEY)?,
        };
        let store = Store::open(&dir.join(DB_FILE), keys)?;
        Ok(Records {
            store,
            vault: vault.clone(),
        })
    }

    /// Appends a journal entry and moves the anchor in the vault to it.
    pub fn record(
        &self,
        kind: JournalKind,
        details: &serde_json::Value,
    ) -> Result<JournalEntry, SessionError> {
        let entry = self.store.append(kind, details)?;
        self.anchor()?;
        Ok(entry)
    }

    /// Stores the current chain head in the vault, so dropping the newest entries shows.
    pub fn anchor(&self) -> Result<(), SessionError> {
        if let Some(head) = self.store.head()? {
            let text =
                serde_json::to_string(&head).map_err(|e| SessionError::Config(e.to_string()))?;
            self.vault.save_journal_head(&text)?;
        }
        Ok(())
    }

    /// The anchor last stored in the vault.
    pub fn anchored_head(&self) -> Result<Option<JournalHead>, SessionError> {
        let Some(text) = self.vault.journal_head()? else {
            return Ok(None);
        };
        Ok(serde_json::from_str(&text).ok())
    }
}

/// The audit journal as the broker's order journal: intents are committed before a request
/// leaves, answers name the intent they answer.
impl crate::broker::orders::OrderJournal for Records {
    fn intent(
        &self,
        action: crate::broker::orders::OrderAction,
        details: serde_json::Value,
    ) -> Result<u64, String> {
        use crate::broker::orders::OrderAction;
        let kind = match action {
            OrderAction::Place => JournalKind::OrderSubmitted,
            OrderAction::Replace => JournalKind::OrderReplaced,
            OrderAction::Cancel => JournalKind::OrderCanceled,
        };
        self.record(kind, &details)
            .map(|entry| entry.seq)
            .map_err(|e| e.to_string())
    }

    fn answer(
        &self,
        seq: u64,
        answer: crate::broker::orders::OrderAnswer,
        mut details: serde_json::Value,
    ) -> Result<(), String> {
        use crate::broker::orders::OrderAnswer;
        if let Some(map) = details.as_object_mut() {
            map.insert(crate::store::INTENT_FIELD.into(), seq.into());
        }
        let kind = match answer {
            OrderAnswer::Result => JournalKind::OrderResult,
            OrderAnswer::Unknown => JournalKind::OrderOutcomeUnknown,
        };
        self.record(kind, &details)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn previewed(&self, details: serde_json::Value) -> Result<(), String> {
        self.record(JournalKind::OrderPreviewed, &details)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn watchlist_changed(&self, details: serde_json::Value) -> Result<(), String> {
        self.record(JournalKind::WatchlistChanged, &details)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The scope under which the cache keeps each kind of snapshot.
pub const SNAPSHOT_SCOPE: &str = "all";

/// The sealed store as the broker's snapshot keeper.
impl crate::broker::Snapshots for Records {
    fn accounts(
        &self,
        accounts: &[crate::broker::model::Account],
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let kind = crate::store::CacheKind::Accounts;
        if let Err(e) = self.store.put_cache(kind, SNAPSHOT_SCOPE, accounts, at) {
            tracing::warn!(error = %e, "accounts could not be cached");
        }
    }

    fn quotes(&self, rows: &[crate::broker::model::QuoteRow], at: chrono::DateTime<chrono::Utc>) {
        let kind = crate::store::CacheKind::Quotes;
        if let Err(e) = self.store.put_cache(kind, SNAPSHOT_SCOPE, rows, at) {
            tracing::warn!(error = %e, "quotes could not be cached");
        }
    }

    fn orders(&self, rows: &[crate::broker::orders::OrderRow], at: chrono::DateTime<chrono::Utc>) {
        let kind = crate::store::CacheKind::Orders;
        if let Err(e) = self.store.put_cache(kind, SNAPSHOT_SCOPE, rows, at) {
            tracing::warn!(error = %e, "orders could not be cached");
        }
    }
}

/// The last snapshots kept, with when each was fetched, for showing at start-up.
#[derive(Default)]
pub struct StartupSnapshot {
    pub accounts: Option<crate::store::Cached<Vec<crate::broker::model::Account>>>,
    pub quotes: Option<crate::store::Cached<Vec<crate::broker::model::QuoteRow>>>,
    pub orders: Option<crate::store::Cached<Vec<crate::broker::orders::OrderRow>>>,
    /// Set once when the cache could not be read and was cleared.
    pub notice: Option<String>,
}

impl Records {
    /// Reads whatever the cache holds; an unreadable cache is dropped and said so once.
    pub fn startup_snapshot(&self) -> StartupSnapshot {
        use crate::store::CacheKind;
        let snapshot = StartupSnapshot {
            accounts: self
                .store
                .get_cache(CacheKind::Accounts, SNAPSHOT_SCOPE)
                .ok()
                .flatten(),
            quotes: self
                .store
                .get_cache(CacheKind::Quotes, SNAPSHOT_SCOPE)
                .ok()
                .flatten(),
            orders: self
                .store
                .get_cache(CacheKind::Orders, SNAPSHOT_SCOPE)
                .ok()
                .flatten(),
            notice: None,
        };
        StartupSnapshot {
            notice: self
                .store
                .take_cache_notice()
                .map(|n| n.message().to_string()),
            ..snapshot
        }
    }
}
