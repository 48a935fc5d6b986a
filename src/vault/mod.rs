//! Where palmtree's secrets live: an OS keychain when one answers, else an encrypted file,
//! or process memory for the demo; all entries under service `palmtree`, user `profile:name`.
//!
//! Owns choosing the store and the typed entries on top of it. It must not log, print or
//! format any secret value; every type here that holds one has a redacting `Debug`.

mod access_memory;
mod error;
mod file;
mod key_memory;
mod keychain;
mod session_keyring;
mod store;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

pub use access_memory::AccessSlot;
pub use error::VaultError;
pub use file::{FILE_NAME, FORMAT_VERSION, FileStore, HEADER_LEN, KdfParams, LOCK_NAME, MAGIC};
pub use key_memory::{KeyMemory, KeySlot};
pub use store::{MemoryStore, SecretStore};
pub use tokens::StoredTokens;

use keychain::KeychainStore;
use tokens::AppCredentials;

/// The service name of every keychain entry.
pub const SERVICE: &str = "palmtree";

/// The profile used when the user names none.
pub const DEFAULT_PROFILE: &str = "default";

/// The demo's profile; it lives only in memory.
pub const DEMO_PROFILE: &str = "demo";

/// How long the start-up probe of one OS keychain may take before it counts as absent.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long any later keychain call may take. Longer than the probe because the store has
/// already answered once; a stall now is worth an error, not a frozen screen.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Asks the user for the vault file's passphrase. Called only when the encrypted file is the
/// store in use, once when it is opened (and again only if another process recreated the
/// file under a different salt).
pub type PassphraseFn = Box<dyn Fn() -> Result<SecretString, VaultError> + Send + Sync>;

/// The names of the entries the app keeps. A name is 1 to 64 of `a-z`, `0-9`, `_`.
pub mod names {
    /// `{"app_key": …, "app_secret": …}` of the Schwab app in use.
    pub const APP_CREDENTIALS: &str = "app_credentials";
    /// A new key/secret waiting for a successful login before it replaces the old one.
    pub const PENDING_APP_CREDENTIALS: &str = "pending_app_credentials";
    /// The [`StoredTokens`](super::StoredTokens) JSON.
    pub const TOKENS: &str = "tokens";
    /// 32 random bytes, base64, that seal the SQLite cache.
    pub const CACHE_KEY: &str = "cache_key";
    /// 32 random bytes, base64, that key the audit journal's MAC chain.
    pub const JOURNAL_KEY: &str = "journal_key";
    /// The journal's latest head, kept apart from the journal so truncation is detectable.
    pub const JOURNAL_HEAD: &str = "journal_head";
}

/// Which store the user asked for (`--vault`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultChoice {
    /// The first OS keychain whose probe works, else the encrypted file.
    Auto,
    /// The encrypted file, even where a keychain answers.
    File,
    /// Process memory only (the demo, tests).
    Memory,
    /// Exactly this store, with no fallback: an error if its probe fails.
    Only(VaultKind),
}

/// The store actually in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VaultKind {
    SecretService,
    KernelKeyutils,
    MacKeychain,
    WindowsCredentialManager,
    EncryptedFile,
    Memory,
}

impl VaultKind {
    /// The store's name in messages and logs.
    pub fn label(self) -> &'static str {
        match self {
            VaultKind::SecretService => "Secret Service",
            VaultKind::KernelKeyutils => "kernel keyutils",
            VaultKind::MacKeychain => "macOS Keychain",
            VaultKind::WindowsCredentialManager => "Windows Credential Manager",
            VaultKind::EncryptedFile => "encrypted file",
            VaultKind::Memory => "memory",
        }
    }

    /// Whether entries survive a reboot. Keyutils keeps them in kernel memory only (and drops
    /// them after about 3 idle days), memory keeps them until the process exits.
    pub fn survives_reboot(self) -> bool {
        !matches!(self, VaultKind::KernelKeyutils | VaultKind::Memory)
    }
}

impl std::fmt::Display for VaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Everything [`Vault::open`] needs.
pub struct VaultOptions {
    /// Entries of other profiles are never read or written.
    pub profile: String,
    pub choice: VaultChoice,
    /// Where `vault.bin` lives if the file is used.
    pub data_dir: PathBuf,
    pub passphrase: PassphraseFn,
    /// Argon2 settings for a vault file created now; an existing file keeps its own.
    pub kdf: KdfParams,
    /// Limit on each OS keychain probe.
    pub probe_timeout: Duration,
    /// Limit on each later keychain call.
    pub call_timeout: Duration,
    /// Whether the file's derived key is remembered across processes; off unless set.
    pub remember_file_key: KeyMemory,
    /// Whether a Secret Service vault remembers the current access token in the session
    /// keyring (see [`AccessSlot`]); off unless set.
    pub remember_access_token: bool,
}

impl VaultOptions {
    /// Options with the default Argon2 settings and time limits.
    pub fn new(
        profile: impl Into<String>,
        choice: VaultChoice,
        data_dir: impl Into<PathBuf>,
        passphrase: PassphraseFn,
    ) -> VaultOptions {
        VaultOptions {
            profile: profile.into(),
            choice,
            data_dir: data_dir.into(),
            passphrase,
            kdf: KdfParams::DEFAULT,
            probe_timeout: PROBE_TIMEOUT,
            call_timeout: CALL_TIMEOUT,
            remember_file_key: KeyMemory::OFF,
            remember_access_token: false,
        }
    }

    /// Other Argon2 settings for a new file; tests pass [`KdfParams::INSECURE_FOR_TESTS`].
    pub fn with_kdf(mut self, kdf: KdfParams) -> VaultOptions {
        self.kdf = kdf;
        self
    }
}

impl std::fmt::Debug for VaultOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultOptions")
            .field("profile", &self.profile)
            .field("choice", &self.choice)
            .field("data_dir", &self.data_dir)
            .field("kdf", &self.kdf)
            .field("remember_file_key", &self.remember_file_key)
            .finish_non_exhaustive()
    }
}

/// The path of the vault file in `data_dir`, so a caller can tell a first use (ask for the
/// new passphrase twice) from an unlock.
pub fn vault_file_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The secrets of one profile in one store.
///
/// Cheap to clone (the store is shared), so it can be moved into `spawn_blocking`.
#[derive(Clone)]
pub struct Vault {
    profile: String,
    kind: VaultKind,
    description: String,
    store: Arc<dyn SecretStore>,
    /// Whether the access token is remembered between commands (see [`AccessSlot`]); only a
    /// Secret Service vault does, since opening any other store costs next to nothing.
    remembers_access: bool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("profile", &self.profile)
            .field("store", &self.description)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Opens the store `options.choice` names.
    ///
    /// `Auto` probes each OS keychain with a real write, read and delete, takes the first that
    /// works and falls back to the encrypted file, logging why each was passed over. The
    /// probes block for up to `probe_timeout` each; call this from `spawn_blocking` in async
    /// code.
    pub fn open(options: VaultOptions) -> Result<Vault, VaultError> {
        check_profile(&options.profile)?;
        let profile = options.profile.clone();

        match options.choice {
            VaultChoice::Memory | VaultChoice::Only(VaultKind::Memory) => {
                Ok(Vault::memory_unchecked(profile))
            }
            VaultChoice::File | VaultChoice::Only(VaultKind::EncryptedFile) => open_file(options),
            VaultChoice::Only(kind) => {
                let store =
                    keychain::probe(kind, &profile, options.probe_timeout, options.call_timeout)?;
                tracing::info!(store = kind.label(), "vault: using the requested keychain");
                Ok(Vault::keychain(profile, kind, store).remembering_access(&options))
            }
            VaultChoice::Auto => open_auto(options),
        }
    }

    /// A fresh in-memory vault for `profile`.
    pub fn memory(profile: &str) -> Result<Vault, VaultError> {
        check_profile(profile)?;
        Ok(Vault::memory_unchecked(profile.to_owned()))
    }

    /// The demo's vault: in memory, profile `demo`, so it cannot reach a real entry.
    pub fn demo() -> Vault {
        Vault::memory_unchecked(DEMO_PROFILE.to_owned())
    }

    /// A vault over a caller's own store, for tests that need a store that fails on cue.
    pub fn with_store(
        profile: &str,
        kind: VaultKind,
        description: impl Into<String>,
        store: Arc<dyn SecretStore>,
    ) -> Result<Vault, VaultError> {
        check_profile(profile)?;
        Ok(Vault {
            profile: profile.to_owned(),
            kind,
            description: description.into(),
            store,
            remembers_access: false,
        })
    }

    fn memory_unchecked(profile: String) -> Vault {
        Vault {
            profile,
            kind: VaultKind::Memory,
            description: "memory (demo)".into(),
            store: Arc::new(MemoryStore::new()),
            remembers_access: false,
        }
    }

    /// This vault, forgetting the remembered keychain choice if a write to it ever fails, so
    /// the next start probes the keychains in full.
    fn forgetting_on_write_failure(self, data_dir: &Path) -> Vault {
        let store = Arc::new(Forgetful {
            inner: self.store,
            remembered: remembered_store_path(data_dir),
        });
        Vault { store, ..self }
    }

    fn keychain(profile: String, kind: VaultKind, store: KeychainStore) -> Vault {
        let description = match kind {
            VaultKind::KernelKeyutils => "kernel keyutils (lost at reboot)".to_owned(),
            other => other.label().to_owned(),
        };
        Vault {
            profile,
            kind,
            description,
            store: Arc::new(store),
            remembers_access: false,
        }
    }

    /// This vault, remembering the access token between commands if `options` ask for it and
    /// the store is the Secret Service (see [`AccessSlot`]).
    fn remembering_access(self, options: &VaultOptions) -> Vault {
        let remembers_access =
            options.remember_access_token && self.kind == VaultKind::SecretService;
        Vault {
            remembers_access,
            ..self
        }
    }

    /// The store in use, for `palmtree status`: "Secret Service", "kernel keyutils (lost at
    /// reboot)", "encrypted file /path/vault.bin", "memory (demo)".
    pub fn describe(&self) -> String {
        self.description.clone()
    }

    pub fn kind(&self) -> VaultKind {
        self.kind
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    fn account(&self, name: &str) -> Result<String, VaultError> {
        check_name(name)?;
        Ok(format!("{}:{name}", self.profile))
    }

    /// The value of entry `name` in this profile.
    pub fn get(&self, name: &str) -> Result<Option<SecretString>, VaultError> {
        self.store.get(&self.account(name)?)
    }

    pub fn set(&self, name: &str, value: &SecretString) -> Result<(), VaultError> {
        self.store.set(&self.account(name)?, value)
    }

    /// Removes entry `name`; a missing entry is not an error.
    pub fn delete(&self, name: &str) -> Result<(), VaultError> {
        self.store.delete(&self.account(name)?)
    }

    /// A 32-byte key stored base64 under `name`, or `None`.
    pub fn get_bytes(&self, name: &str) -> Result<Option<[u8; 32]>, VaultError> {
        match self.get(name)? {
            Some(text) => decode_key(name, &text).map(Some),
            None => Ok(None),
        }
    }

    pub fn set_bytes(&self, name: &str, bytes: &[u8; 32]) -> Result<(), VaultError> {
        let text = SecretString::from(BASE64.encode(bytes));
        self.set(name, &text)
    }

    /// The 32-byte key `name`, created from the OS random source on first use and the same
    /// bytes on every call after.
    ///
    /// An existing entry that does not decode is an error, never replaced: a new journal key
    /// would make every earlier journal record fail verification.
    pub fn key32(&self, name: &str) -> Result<[u8; 32], VaultError> {
        let account = self.account(name)?;
        let fresh = Zeroizing::new(random_bytes::<32>()?);
        let candidate = SecretString::from(BASE64.encode(&fresh[..]));
        let stored = self.store.get_or_insert(&account, &candidate)?;
        decode_key(name, &stored)
    }

    /// The saved token set, if a login has happened in this profile.
    ///
    /// A Secret Service vault also remembers the access token read (see [`AccessSlot`]).
    pub fn load_tokens(&self) -> Result<Option<StoredTokens>, VaultError> {
        let tokens = match self.get(names::TOKENS)? {
            Some(json) => Some(StoredTokens::from_json(json.expose_secret())?),
            None => None,
        };
        self.sync_remembered_access(tokens.as_ref());
        Ok(tokens)
    }

    /// Saves the tokens; the remembered access token, if any, is replaced only once they are
    /// saved, so it never runs ahead of the vault.
    pub fn save_tokens(&self, tokens: &StoredTokens) -> Result<(), VaultError> {
        let saved = self.set(names::TOKENS, &tokens.to_json()?);
        self.sync_remembered_access(saved.is_ok().then_some(tokens));
        saved
    }

    /// Brings the remembered access token in line with the vault, if this vault remembers
    /// one: `Some` tokens are remembered, `None` (none saved, or a save that failed) forgets
    /// the copy.
    fn sync_remembered_access(&self, tokens: Option<&StoredTokens>) {
        if !self.remembers_access {
            return;
        }
        let slot = AccessSlot::new(&self.profile);
        match tokens {
            Some(tokens) => slot.remember(tokens, chrono::Utc::now()),
            None => {
                slot.forget();
            }
        }
    }

    /// Deletes the tokens, and first the remembered access token (whatever the store and the
    /// setting: one may have been remembered under another), so no command can use the login
    /// after this, even if the keychain's delete fails.
    pub fn delete_tokens(&self) -> Result<(), VaultError> {
        AccessSlot::new(&self.profile).forget();
        self.delete(names::TOKENS)
    }

    fn credentials(&self, name: &str) -> Result<Option<(String, SecretString)>, VaultError> {
        match self.get(name)? {
            Some(json) => {
                let creds = AppCredentials::from_json(name, json.expose_secret())?;
                Ok(Some((creds.app_key, creds.app_secret)))
            }
            None => Ok(None),
        }
    }

    /// The app key and secret in use: `(app_key, app_secret)`.
    pub fn app_credentials(&self) -> Result<Option<(String, SecretString)>, VaultError> {
        self.credentials(names::APP_CREDENTIALS)
    }

    pub fn save_app_credentials(
        &self,
        app_key: &str,
        app_secret: &SecretString,
    ) -> Result<(), VaultError> {
        self.set(
            names::APP_CREDENTIALS,
            &AppCredentials::to_json(app_key, app_secret)?,
        )
    }

    pub fn delete_app_credentials(&self) -> Result<(), VaultError> {
        self.delete(names::APP_CREDENTIALS)
    }

    /// A key/secret entered for rotation, not yet proven by a login.
    pub fn pending_app_credentials(&self) -> Result<Option<(String, SecretString)>, VaultError> {
        self.credentials(names::PENDING_APP_CREDENTIALS)
    }

    /// Keeps a new key/secret beside the old pair. The old pair stays in use until
    /// [`promote_pending_app_credentials`](Self::promote_pending_app_credentials), so a typo
    /// in the new secret cannot lock the user out.
    pub fn save_pending_app_credentials(
        &self,
        app_key: &str,
        app_secret: &SecretString,
    ) -> Result<(), VaultError> {
        self.set(
            names::PENDING_APP_CREDENTIALS,
            &AppCredentials::to_json(app_key, app_secret)?,
        )
    }

    /// After a login with the pending pair succeeded: makes it the pair in use and removes
    /// the old one. Returns `false` when nothing was pending.
    ///
    /// The new pair is written before the pending entry is removed, so a crash in between
    /// leaves a harmless duplicate rather than no credentials.
    pub fn promote_pending_app_credentials(&self) -> Result<bool, VaultError> {
        let Some(json) = self.get(names::PENDING_APP_CREDENTIALS)? else {
            return Ok(false);
        };
        AppCredentials::from_json(names::PENDING_APP_CREDENTIALS, json.expose_secret())?;
        self.set(names::APP_CREDENTIALS, &json)?;
        self.delete(names::PENDING_APP_CREDENTIALS)?;
        Ok(true)
    }

    /// After a login with the pending pair failed: forgets it and keeps the old pair.
    pub fn discard_pending_app_credentials(&self) -> Result<(), VaultError> {
        self.delete(names::PENDING_APP_CREDENTIALS)
    }

    /// The journal head anchor last saved, as the journal encoded it.
    pub fn journal_head(&self) -> Result<Option<String>, VaultError> {
        Ok(self
            .get(names::JOURNAL_HEAD)?
            .map(|head| head.expose_secret().to_owned()))
    }

    pub fn save_journal_head(&self, head: &str) -> Result<(), VaultError> {
        self.set(names::JOURNAL_HEAD, &SecretString::from(head))
    }

    /// Whether the access token is remembered in the session keyring right now.
    pub fn access_remembered(&self) -> bool {
        self.remembers_access
            && AccessSlot::new(&self.profile)
                .recall(chrono::Utc::now(), chrono::Duration::zero())
                .is_some()
    }

    /// Forgets what other processes could use without the keychain or the passphrase: the
    /// vault file's key (see [`KeyMemory`]) and the access token (see [`AccessSlot`]).
    pub fn forget_remembered(&self) {
        self.store.forget_remembered_key();
        AccessSlot::new(&self.profile).forget();
    }
}

fn open_file(options: VaultOptions) -> Result<Vault, VaultError> {
    let store = FileStore::open_remembering(
        &options.data_dir,
        options.kdf,
        options.passphrase,
        options.remember_file_key,
    )?;
    let description = format!("encrypted file {}", store.path().display());
    tracing::info!(path = %store.path().display(), "vault: using the encrypted file");
    Ok(Vault {
        profile: options.profile,
        kind: VaultKind::EncryptedFile,
        description,
        store: Arc::new(store),
        remembers_access: false,
    })
}

/// Forgets the remembered key of the vault file at `path` without opening it (no passphrase
/// needed); whether one was remembered.
pub fn forget_remembered_file_key(path: &Path) -> bool {
    FileStore::key_slot(path).is_some_and(|slot| slot.forget())
}

/// The tokens remembered for `profile` (with an empty refresh token: see [`AccessSlot`]), if
/// `choice` leads to the Secret Service and its access token is good `margin` past `now`.
///
/// Reads no keychain: only the file naming the keychain in use and the session keyring.
pub fn remembered_access(
    choice: VaultChoice,
    data_dir: &Path,
    profile: &str,
    now: chrono::DateTime<chrono::Utc>,
    margin: chrono::Duration,
) -> Option<StoredTokens> {
    let secret_service = match choice {
        VaultChoice::Only(kind) => kind == VaultKind::SecretService,
        VaultChoice::Auto => remembered_store(data_dir) == Some(VaultKind::SecretService),
        VaultChoice::File | VaultChoice::Memory => false,
    };
    if !secret_service || check_profile(profile).is_err() {
        return None;
    }
    AccessSlot::new(profile).recall(now, margin)
}

/// Forgets the access token remembered for `profile` without opening the vault; whether one
/// was remembered.
pub fn forget_remembered_access(profile: &str) -> bool {
    AccessSlot::new(profile).forget()
}

/// A store that drops the remembered keychain choice when a write fails.
struct Forgetful {
    inner: Arc<dyn SecretStore>,
    remembered: PathBuf,
}

impl Forgetful {
    fn forget_on_error<T>(&self, result: Result<T, VaultError>) -> Result<T, VaultError> {
        if result.is_err() {
            let _ = std::fs::remove_file(&self.remembered);
        }
        result
    }
}

impl SecretStore for Forgetful {
    fn forget_remembered_key(&self) {
        self.inner.forget_remembered_key();
    }

    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError> {
        self.inner.get(entry)
    }

    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError> {
        self.forget_on_error(self.inner.set(entry, value))
    }

    fn delete(&self, entry: &str) -> Result<(), VaultError> {
        self.forget_on_error(self.inner.delete(entry))
    }
}

/// The file that remembers which keychain passed its probe, so later starts skip the probe's
/// write. It names a store kind only; it holds nothing secret.
pub fn remembered_store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("vault-store")
}

fn store_tag(kind: VaultKind) -> Option<&'static str> {
    match kind {
        VaultKind::SecretService => Some("secret-service"),
        VaultKind::KernelKeyutils => Some("keyutils"),
        VaultKind::MacKeychain => Some("macos-keychain"),
        VaultKind::WindowsCredentialManager => Some("windows-credential-manager"),
        VaultKind::EncryptedFile | VaultKind::Memory => None,
    }
}

fn remembered_store(data_dir: &Path) -> Option<VaultKind> {
    let text = std::fs::read_to_string(remembered_store_path(data_dir)).ok()?;
    keychain::candidates()
        .iter()
        .copied()
        .find(|kind| store_tag(*kind) == Some(text.trim()))
}

fn remember_store(data_dir: &Path, kind: VaultKind) {
    let Some(tag) = store_tag(kind) else { return };
    let path = remembered_store_path(data_dir);
    let written = file::ensure_private_dir(data_dir).and_then(|()| {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&path).map_err(|source| VaultError::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
        out.write_all(tag.as_bytes())
            .map_err(|source| VaultError::Io {
                action: "write",
                path: path.clone(),
                source,
            })
    });
    if let Err(e) = written {
        tracing::debug!(error = %e, "vault: the keychain choice could not be remembered");
    }
}

fn open_auto(options: VaultOptions) -> Result<Vault, VaultError> {
    if let Some(kind) = remembered_store(&options.data_dir) {
        let account = format!("{}:{}", options.profile, names::TOKENS);
        match keychain::reopen(kind, &account, options.probe_timeout, options.call_timeout) {
            Ok(store) => {
                tracing::info!(
                    store = kind.label(),
                    "vault: using the remembered OS keychain"
                );
                return Ok(Vault::keychain(options.profile.clone(), kind, store)
                    .forgetting_on_write_failure(&options.data_dir)
                    .remembering_access(&options));
            }
            Err(err) => {
                tracing::info!(store = kind.label(), reason = %err, "vault: remembered keychain unavailable; probing");
                let _ = std::fs::remove_file(remembered_store_path(&options.data_dir));
            }
        }
    }
    for &kind in keychain::candidates() {
        match keychain::probe(
            kind,
            &options.profile,
            options.probe_timeout,
            options.call_timeout,
        ) {
            Ok(store) => {
                tracing::info!(store = kind.label(), "vault: using the OS keychain");
                remember_store(&options.data_dir, kind);
                let file = vault_file_path(&options.data_dir);
                if file.exists() {
                    tracing::warn!(
                        store = kind.label(),
                        path = %file.display(),
                        "vault: an encrypted vault file exists but a keychain answered, so the \
                         file is not read; run with `--vault file` to use it"
                    );
                }
                return Ok(Vault::keychain(options.profile.clone(), kind, store)
                    .remembering_access(&options));
            }
            Err(err) => {
                let store = kind.label();
                tracing::info!(store, reason = %err, "vault: keychain not available");
            }
        }
    }
    tracing::info!("vault: no OS keychain answered; falling back to the encrypted file");
    open_file(options)
}

/// Profiles appear inside entry names as `profile:name`, so `:` and anything exotic is out.
fn check_profile(profile: &str) -> Result<(), VaultError> {
    let ok = !profile.is_empty()
        && profile.len() <= 64
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(VaultError::InvalidProfile {
            profile: profile.to_owned(),
        })
    }
}

/// Names are `a-z0-9_`, so the probe's `probe-…` entries can never collide with one.
fn check_name(name: &str) -> Result<(), VaultError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(VaultError::InvalidName {
            name: name.to_owned(),
        })
    }
}

fn decode_key(name: &str, text: &SecretString) -> Result<[u8; 32], VaultError> {
    let bad = |reason: String| VaultError::BadValue {
        name: name.to_owned(),
        reason,
        remedy: KEY_REMEDY,
    };
    let bytes = Zeroizing::new(
        BASE64
            .decode(text.expose_secret())
            .map_err(|_| bad("not base64".into()))?,
    );
    let key: [u8; 32] = bytes[..]
        .try_into()
        .map_err(|_| bad(format!("{} bytes where 32 were expected", bytes.len())))?;
    Ok(key)
}

const KEY_REMEDY: &str = "It was left as it is; delete the entry only if losing what it protects \
                          (the cache refills; journal records can no longer be verified) is \
                          acceptable";

/// `N` bytes from the OS random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|err| VaultError::Random {
        reason: err.to_string(),
    })?;
    Ok(out)
}

/// `n` random bytes as lowercase hex, for probe names and temporary file names.
pub(crate) fn random_hex(n: usize) -> Result<String, VaultError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|err| VaultError::Random {
        reason: err.to_string(),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn profile_and_name_rules() {
        assert!(check_profile("default").is_ok());
        assert!(check_profile("paper-2.test_x").is_ok());
        assert!(check_profile("a:b").is_err());
        assert!(check_profile("").is_err());
        assert!(check_profile(&"x".repeat(65)).is_err());
        assert!(check_name("journal_key").is_ok());
        assert!(check_name("probe-1").is_err());
        assert!(check_name("Tokens").is_err());
    }

    #[test]
    fn accounts_are_profile_colon_name() {
        let vault = Vault::memory("paper").unwrap();
        assert_eq!(vault.account("tokens").unwrap(), "paper:tokens");
        assert!(vault.get("no-dashes").is_err());
    }

    #[test]
    fn demo_is_memory_under_its_own_profile() {
        let vault = Vault::demo();
        assert_eq!(vault.kind(), VaultKind::Memory);
        assert_eq!(vault.profile(), DEMO_PROFILE);
        assert_eq!(vault.describe(), "memory (demo)");
    }

    #[test]
    fn a_key_that_does_not_decode_is_reported_and_kept() {
        let vault = Vault::memory("p").unwrap();
        vault
            .set(names::CACHE_KEY, &SecretString::from("c2hvcnQ="))
            .unwrap();
        assert!(matches!(
            vault.key32(names::CACHE_KEY),
            Err(VaultError::BadValue { .. })
        ));
        assert_eq!(
            vault
                .get(names::CACHE_KEY)
                .unwrap()
                .unwrap()
                .expose_secret(),
            "c2hvcnQ="
        );
    }
}
