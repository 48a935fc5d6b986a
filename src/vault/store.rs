//! The one trait every secret backend implements, and the in-memory backend.
//!
//! Backends see only full entry names (`"{profile}:{name}"`) and string values; profiles,
//! typed values and encodings are the `Vault`'s business, not theirs.

use std::collections::BTreeMap;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use super::error::VaultError;

/// A place that keeps secret strings under names.
///
/// All calls are synchronous and may block (a keychain over D-Bus, an Argon2 derivation), so
/// async callers run them in `tokio::task::spawn_blocking`.
pub trait SecretStore: Send + Sync {
    /// The value stored under `entry`, or `None` when there is none.
    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError>;

    /// Stores `value` under `entry`, replacing any earlier value.
    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError>;

    /// Removes `entry`; removing an entry that does not exist is not an error.
    fn delete(&self, entry: &str) -> Result<(), VaultError>;

    /// Drops any copy of the store's key kept for later processes; most stores keep none.
    fn forget_remembered_key(&self) {}

    /// Stores `value` unless `entry` already has one, and returns whatever is stored after.
    ///
    /// The default is a plain read then write, so two processes creating the same key at once
    /// can race; the file backend overrides it to do both under its lock.
    fn get_or_insert(&self, entry: &str, value: &SecretString) -> Result<SecretString, VaultError> {
        if let Some(existing) = self.get(entry)? {
            return Ok(existing);
        }
        self.set(entry, value)?;
        Ok(value.clone())
    }
}

/// Secrets held in process memory only, forgotten at exit.
///
/// Used by the demo (which must never touch the user's real entries) and by tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<BTreeMap<String, SecretString>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Runs `f` on the map. A poisoned lock is taken over rather than panicking: the map holds
    /// whole values only, so a panic elsewhere cannot leave it half-written.
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<String, SecretString>) -> R) -> R {
        let mut guard = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.with(|map| map.len());
        f.debug_struct("MemoryStore")
            .field("entries", &count)
            .finish_non_exhaustive()
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError> {
        Ok(self.with(|map| map.get(entry).cloned()))
    }

    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError> {
        let copy = SecretString::from(value.expose_secret());
        self.with(|map| map.insert(entry.to_owned(), copy));
        Ok(())
    }

    fn delete(&self, entry: &str) -> Result<(), VaultError> {
        self.with(|map| map.remove(entry));
        Ok(())
    }

    fn get_or_insert(&self, entry: &str, value: &SecretString) -> Result<SecretString, VaultError> {
        Ok(self.with(|map| {
            map.entry(entry.to_owned())
                .or_insert_with(|| value.clone())
                .clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn memory_round_trip_and_idempotent_delete() {
        let store = MemoryStore::new();
        assert!(store.get("p:a").unwrap().is_none());
        store.set("p:a", &SecretString::from("one")).unwrap();
        assert_eq!(store.get("p:a").unwrap().unwrap().expose_secret(), "one");
        store.delete("p:a").unwrap();
        store.delete("p:a").unwrap();
        assert!(store.get("p:a").unwrap().is_none());
    }

    #[test]
    fn get_or_insert_keeps_the_first_value() {
        let store = MemoryStore::new();
        let first = store
            .get_or_insert("p:k", &SecretString::from("first"))
            .unwrap();
        let second = store
            .get_or_insert("p:k", &SecretString::from("second"))
            .unwrap();
        assert_eq!(first.expose_secret(), "first");
        assert_eq!(second.expose_secret(), "first");
    }

    #[test]
    fn debug_shows_a_count_not_values() {
        let store = MemoryStore::new();
        store.set("p:a", &SecretString::from("hunter2")).unwrap();
        let text = format!("{store:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("entries: 1"), "{text}");
    }
}
