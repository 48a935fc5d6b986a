//! OS keychains behind keyring-core: Secret Service and kernel keyutils on Linux, the macOS
//! Keychain and the Windows Credential Manager elsewhere (those two are compiled only there).
//!
//! Every call runs on a thread of its own with a time limit, so a keychain stuck on an unlock
//! prompt costs seconds, not a frozen terminal. No value reaches a log or an error message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use keyring_core::api::CredentialStore;
use keyring_core::{Entry, Error as KeyringError};
use secrecy::{ExposeSecret, SecretString};

use super::error::VaultError;
use super::store::SecretStore;
use super::{SERVICE, VaultKind, random_hex};

/// The OS stores worth probing on this platform, best first.
pub fn candidates() -> &'static [VaultKind] {
    #[cfg(target_os = "linux")]
    {
        &[VaultKind::SecretService, VaultKind::KernelKeyutils]
    }
    #[cfg(target_os = "macos")]
    {
        &[VaultKind::MacKeychain]
    }
    #[cfg(target_os = "windows")]
    {
        &[VaultKind::WindowsCredentialManager]
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        &[]
    }
}

/// Connects to the store behind `kind`. Connecting alone proves little (keyutils "connects"
/// even where every write is refused), which is why [`probe`] also writes.
fn connect(kind: VaultKind) -> Result<Arc<CredentialStore>, VaultError> {
    let result: keyring_core::Result<Arc<CredentialStore>> = match kind {
        #[cfg(target_os = "linux")]
        VaultKind::SecretService => zbus_secret_service_keyring_store::Store::new()
            .map(|store| -> Arc<CredentialStore> { store }),
        #[cfg(target_os = "linux")]
        VaultKind::KernelKeyutils => linux_keyutils_keyring_store::Store::new()
            .map(|store| -> Arc<CredentialStore> { store }),
        #[cfg(target_os = "macos")]
        VaultKind::MacKeychain => apple_native_keyring_store::keychain::Store::new()
            .map(|store| -> Arc<CredentialStore> { store }),
        #[cfg(target_os = "windows")]
        VaultKind::WindowsCredentialManager => windows_native_keyring_store::Store::new()
            .map(|store| -> Arc<CredentialStore> { store }),
        _ => {
            return Err(VaultError::Keychain {
                store: kind.label(),
                reason: "not available on this operating system".into(),
            });
        }
    };
    result.map_err(|err| keychain_error(kind, &err))
}

/// Turns a keyring error into ours without carrying any stored bytes along (two variants of
/// keyring's error hold the raw value).
fn keychain_error(kind: VaultKind, err: &KeyringError) -> VaultError {
    let reason = match err {
        KeyringError::BadEncoding(_) => "the stored value is not text".to_owned(),
        KeyringError::BadDataFormat(_, inner) => format!("the stored value is malformed: {inner}"),
        KeyringError::Ambiguous(items) => format!(
            "{} entries match one name; remove the duplicates with the keychain's own tool",
            items.len()
        ),
        other => other.to_string(),
    };
    VaultError::Keychain {
        store: kind.label(),
        reason,
    }
}

/// Runs `work` on its own thread and waits at most `limit` for it.
///
/// A call that overruns is abandoned, not killed: its thread stays blocked in the keychain
/// until that answers or the process exits. That costs one idle thread and buys a prompt
/// "not available" instead of a hang.
fn with_limit<T: Send + 'static>(
    kind: VaultKind,
    limit: Duration,
    work: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    let (tx, rx) = mpsc::sync_channel(1);
    thread::Builder::new()
        .name("palmtree-keychain".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|err| VaultError::Keychain {
            store: kind.label(),
            reason: format!("could not start a thread for the call: {err}"),
        })?;
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(VaultError::KeychainTimeout {
            store: kind.label(),
            waited: limit,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(VaultError::Keychain {
            store: kind.label(),
            reason: "the call ended without an answer".into(),
        }),
    }
}

/// How long the entry read by [`reopen`] may stand in for a fresh read of it.
///
/// Commands read that entry (the tokens) right after opening, so the reopen's read saves
/// them a keychain round trip. Past this age another process may have refreshed the tokens
/// in between, so the entry is read again.
const OPENING_READ_FRESH: Duration = Duration::from_secs(2);

/// The entry read while reopening a store, kept for the first `get` of it.
struct OpeningRead {
    account: String,
    value: Option<SecretString>,
    at: Instant,
}

/// One OS keychain, with every entry under service `palmtree`.
pub struct KeychainStore {
    kind: VaultKind,
    store: Arc<CredentialStore>,
    limit: Duration,
    /// Used at most once, and dropped by any write or delete of the same entry.
    opening_read: Mutex<Option<OpeningRead>>,
}

impl KeychainStore {
    fn new(kind: VaultKind, store: Arc<CredentialStore>, limit: Duration) -> Self {
        KeychainStore {
            kind,
            store,
            limit,
            opening_read: Mutex::new(None),
        }
    }

    /// The value [`reopen`] read for `account`, if it is still fresh; never the same twice.
    fn take_opening_read(&self, account: &str) -> Option<Option<SecretString>> {
        let mut slot = self.opening_read.lock().ok()?;
        let read = slot.take_if(|read| read.account == account)?;
        (read.at.elapsed() < OPENING_READ_FRESH).then_some(read.value)
    }

    fn forget_opening_read(&self, account: &str) {
        if let Ok(mut slot) = self.opening_read.lock() {
            slot.take_if(|read| read.account == account);
        }
    }
}

impl std::fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainStore")
            .field("kind", &self.kind)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Builds the keyring entry for `account`. Secret Service items get a readable label
/// ("palmtree default:tokens") for tools like Seahorse; other stores take no modifiers.
fn entry(
    kind: VaultKind,
    store: &Arc<CredentialStore>,
    account: &str,
) -> Result<Entry, VaultError> {
    let built = if kind == VaultKind::SecretService {
        let label = format!("{SERVICE} {account}");
        let modifiers = HashMap::from([("label", label.as_str())]);
        Entry::new_in_store_with_modifiers(store, SERVICE, account, &modifiers)
    } else {
        Entry::new_in_store(store, SERVICE, account)
    };
    built.map_err(|err| keychain_error(kind, &err))
}

fn get_now(
    kind: VaultKind,
    store: &Arc<CredentialStore>,
    account: &str,
) -> Result<Option<SecretString>, VaultError> {
    match entry(kind, store, account)?.get_password() {
        Ok(value) => Ok(Some(SecretString::from(value))),
        Err(KeyringError::NoEntry) => Ok(None),
        Err(err) => Err(keychain_error(kind, &err)),
    }
}

fn set_now(
    kind: VaultKind,
    store: &Arc<CredentialStore>,
    account: &str,
    value: &SecretString,
) -> Result<(), VaultError> {
    entry(kind, store, account)?
        .set_password(value.expose_secret())
        .map_err(|err| keychain_error(kind, &err))
}

fn delete_now(
    kind: VaultKind,
    store: &Arc<CredentialStore>,
    account: &str,
) -> Result<(), VaultError> {
    match entry(kind, store, account)?.delete_credential() {
        Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
        Err(err) => Err(keychain_error(kind, &err)),
    }
}

/// Connects to `kind` and writes, reads back and deletes a random probe entry, all within
/// `limit`. Only a store that passes all three is used: keyutils without a session keyring
/// connects fine and then refuses every write, and a locked Secret Service may hang.
///
/// The probe entry is `"{profile}:probe-{random}"`; the `-` keeps it out of the name space of
/// real entries.
pub fn probe(
    kind: VaultKind,
    profile: &str,
    limit: Duration,
    call_limit: Duration,
) -> Result<KeychainStore, VaultError> {
    let account = format!("{profile}:probe-{}", random_hex(8)?);
    let value = SecretString::from(random_hex(16)?);
    let store = with_limit(kind, limit, move || {
        let store = connect(kind)?;
        set_now(kind, &store, &account, &value)?;
        let back = get_now(kind, &store, &account);
        let removed = delete_now(kind, &store, &account);
        match back? {
            Some(read) if read.expose_secret() == value.expose_secret() => {}
            Some(_) => {
                return Err(VaultError::Keychain {
                    store: kind.label(),
                    reason: "a probe entry read back different from what was written".into(),
                });
            }
            None => {
                return Err(VaultError::Keychain {
                    store: kind.label(),
                    reason: "a probe entry was gone right after writing it".into(),
                });
            }
        }
        removed?;
        Ok(store)
    })?;
    Ok(KeychainStore::new(kind, store, call_limit))
}

/// Reopens a store that passed a full probe on an earlier run, checking it with one read of
/// `account` instead of a write, read and delete. The value read is kept for the first
/// [`SecretStore::get`] of `account` within [`OPENING_READ_FRESH`], so the check costs the
/// caller no extra round trip.
///
/// A probe's write is the slow part of a keychain start (the Secret Service saves its
/// keyring to disk), and scripts start palmtree often. A store that answers reads but has
/// since stopped taking writes shows up at the next write, which forgets the remembered
/// choice so the run after probes in full.
pub fn reopen(
    kind: VaultKind,
    account: &str,
    limit: Duration,
    call_limit: Duration,
) -> Result<KeychainStore, VaultError> {
    let checked = account.to_owned();
    let (store, value) = with_limit(kind, limit, move || {
        let store = connect(kind)?;
        let value = get_now(kind, &store, &checked)?;
        Ok((store, value))
    })?;
    let reopened = KeychainStore::new(kind, store, call_limit);
    if let Ok(mut slot) = reopened.opening_read.lock() {
        *slot = Some(OpeningRead {
            account: account.to_owned(),
            value,
            at: Instant::now(),
        });
    }
    Ok(reopened)
}

impl SecretStore for KeychainStore {
    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError> {
        if let Some(value) = self.take_opening_read(entry) {
            return Ok(value);
        }
        let (kind, store, account) = (self.kind, self.store.clone(), entry.to_owned());
        with_limit(kind, self.limit, move || get_now(kind, &store, &account))
    }

    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError> {
        self.forget_opening_read(entry);
        let (kind, store, account) = (self.kind, self.store.clone(), entry.to_owned());
        let value = value.clone();
        with_limit(kind, self.limit, move || {
            set_now(kind, &store, &account, &value)
        })
    }

    fn delete(&self, entry: &str) -> Result<(), VaultError> {
        self.forget_opening_read(entry);
        let (kind, store, account) = (self.kind, self.store.clone(), entry.to_owned());
        with_limit(kind, self.limit, move || delete_now(kind, &store, &account))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_call_that_hangs_is_reported_as_a_timeout() {
        let started = std::time::Instant::now();
        let result: Result<(), VaultError> =
            with_limit(VaultKind::SecretService, Duration::from_millis(100), || {
                thread::sleep(Duration::from_secs(5));
                Ok(())
            });
        assert!(matches!(result, Err(VaultError::KeychainTimeout { .. })));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn keyring_errors_do_not_carry_stored_bytes() {
        let err = KeyringError::BadEncoding(b"hunter2".to_vec());
        let text = keychain_error(VaultKind::KernelKeyutils, &err).to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("kernel keyutils"), "{text}");
    }
}
