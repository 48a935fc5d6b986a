#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The vault's typed entries on the in-memory store: tokens, app credentials and their
//! rotation, 32-byte keys, and errors from a store that fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use palmtree::vault::{
    DEMO_PROFILE, MemoryStore, SecretStore, StoredTokens, Vault, VaultChoice, VaultError,
    VaultKind, VaultOptions, names,
};
use secrecy::{ExposeSecret, SecretString};

fn tokens(access: &str) -> StoredTokens {
    StoredTokens {
        access_token: SecretString::from(access),
        access_expires_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 30, 0).unwrap(),
        refresh_token: SecretString::from("refresh-1"),
        exchanged_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap(),
        refresh_deadline: Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap(),
    }
}

#[test]
fn memory_choice_never_asks_for_a_passphrase() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let options = VaultOptions::new(
        DEMO_PROFILE,
        VaultChoice::Memory,
        "/nonexistent/palmtree",
        Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(SecretString::from("unused"))
        }),
    );
    let vault = Vault::open(options).unwrap();
    vault.save_tokens(&tokens("a1")).unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    assert_eq!(vault.kind(), VaultKind::Memory);
    assert_eq!(vault.describe(), "memory (demo)");
    assert!(!std::path::Path::new("/nonexistent/palmtree").exists());
}

#[test]
fn tokens_save_load_replace_delete() {
    let vault = Vault::demo();
    assert!(vault.load_tokens().unwrap().is_none());
    vault.save_tokens(&tokens("first")).unwrap();
    vault.save_tokens(&tokens("second")).unwrap();
    let loaded = vault.load_tokens().unwrap().unwrap();
    assert_eq!(loaded.access_token.expose_secret(), "second");
    assert_eq!(loaded.refresh_token.expose_secret(), "refresh-1");
    assert_eq!(
        loaded.refresh_deadline,
        Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap()
    );
    vault.delete_tokens().unwrap();
    vault.delete_tokens().unwrap();
    assert!(vault.load_tokens().unwrap().is_none());
}

#[test]
fn key32_is_created_once_and_stable() {
    let vault = Vault::memory("default").unwrap();
    let cache = vault.key32(names::CACHE_KEY).unwrap();
    assert_eq!(cache.len(), 32);
    assert_ne!(cache, [0u8; 32]);
    assert_eq!(vault.key32(names::CACHE_KEY).unwrap(), cache);
    assert_eq!(vault.get_bytes(names::CACHE_KEY).unwrap(), Some(cache));

    let journal = vault.key32(names::JOURNAL_KEY).unwrap();
    assert_ne!(journal, cache, "each name gets its own key");

    let other = Vault::memory("default").unwrap();
    assert_ne!(
        other.key32(names::CACHE_KEY).unwrap(),
        cache,
        "a new store, a new key"
    );
}

#[test]
fn bytes_helpers_round_trip_as_base64() {
    let vault = Vault::memory("default").unwrap();
    let bytes: [u8; 32] = std::array::from_fn(|i| i as u8);
    vault.set_bytes(names::JOURNAL_KEY, &bytes).unwrap();
    assert_eq!(
        vault
            .get(names::JOURNAL_KEY)
            .unwrap()
            .unwrap()
            .expose_secret(),
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    );
    assert_eq!(vault.get_bytes(names::JOURNAL_KEY).unwrap(), Some(bytes));
    assert_eq!(vault.key32(names::JOURNAL_KEY).unwrap(), bytes);
    assert_eq!(vault.get_bytes(names::CACHE_KEY).unwrap(), None);
}

#[test]
fn pending_credentials_replace_the_old_pair_only_when_promoted() {
    let vault = Vault::memory("default").unwrap();
    vault
        .save_app_credentials("OLDKEY", &SecretString::from("OLDSECRET"))
        .unwrap();
    vault
        .save_pending_app_credentials("NEWKEY", &SecretString::from("NEWSECRET"))
        .unwrap();

    let (key, secret) = vault.app_credentials().unwrap().unwrap();
    assert_eq!(
        (key.as_str(), secret.expose_secret()),
        ("OLDKEY", "OLDSECRET")
    );
    let (key, _) = vault.pending_app_credentials().unwrap().unwrap();
    assert_eq!(key, "NEWKEY");

    assert!(vault.promote_pending_app_credentials().unwrap());
    let (key, secret) = vault.app_credentials().unwrap().unwrap();
    assert_eq!(
        (key.as_str(), secret.expose_secret()),
        ("NEWKEY", "NEWSECRET")
    );
    assert!(vault.pending_app_credentials().unwrap().is_none());
    assert!(
        !vault.promote_pending_app_credentials().unwrap(),
        "nothing left to promote"
    );
}

#[test]
fn a_failed_rotation_keeps_the_old_pair() {
    let vault = Vault::memory("default").unwrap();
    vault
        .save_app_credentials("OLDKEY", &SecretString::from("OLDSECRET"))
        .unwrap();
    vault
        .save_pending_app_credentials("TYPO", &SecretString::from("TYPO"))
        .unwrap();
    vault.discard_pending_app_credentials().unwrap();
    assert!(!vault.promote_pending_app_credentials().unwrap());
    let (key, _) = vault.app_credentials().unwrap().unwrap();
    assert_eq!(key, "OLDKEY");
    vault.delete_app_credentials().unwrap();
    assert!(vault.app_credentials().unwrap().is_none());
}

#[test]
fn unreadable_values_are_errors_with_a_remedy_and_no_content() {
    let vault = Vault::memory("default").unwrap();
    vault
        .set(
            names::TOKENS,
            &SecretString::from("{\"access_token\": \"hunter2\"}"),
        )
        .unwrap();
    let err = vault.load_tokens().unwrap_err();
    assert!(matches!(err, VaultError::BadValue { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("palmtree login") && !text.contains("hunter2"),
        "{text}"
    );

    vault
        .set(
            names::PENDING_APP_CREDENTIALS,
            &SecretString::from("not json"),
        )
        .unwrap();
    assert!(vault.promote_pending_app_credentials().is_err());
    assert!(
        vault.get(names::APP_CREDENTIALS).unwrap().is_none(),
        "nothing was promoted"
    );
}

#[test]
fn names_outside_the_alphabet_are_refused() {
    let vault = Vault::memory("default").unwrap();
    let err = vault.set("Bad-Name", &SecretString::from("x")).unwrap_err();
    assert!(matches!(err, VaultError::InvalidName { .. }), "{err}");
    assert!(Vault::memory("has space").is_err());
}

/// A store that refuses everything, as a locked keychain would.
struct Refusing;

impl SecretStore for Refusing {
    fn get(&self, _entry: &str) -> Result<Option<SecretString>, VaultError> {
        Err(locked())
    }

    fn set(&self, _entry: &str, _value: &SecretString) -> Result<(), VaultError> {
        Err(locked())
    }

    fn delete(&self, _entry: &str) -> Result<(), VaultError> {
        Err(locked())
    }
}

fn locked() -> VaultError {
    VaultError::Keychain {
        store: "Secret Service",
        reason: "the collection is locked".into(),
    }
}

#[test]
fn store_errors_reach_the_caller_with_advice() {
    let vault = Vault::with_store(
        "default",
        VaultKind::SecretService,
        "Secret Service",
        Arc::new(Refusing),
    )
    .unwrap();
    let err = vault.key32(names::CACHE_KEY).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("locked") && text.contains("--vault file"),
        "{text}"
    );
    assert!(vault.load_tokens().is_err());
    assert!(vault.promote_pending_app_credentials().is_err());
    assert_eq!(vault.describe(), "Secret Service");
}

#[test]
fn vaults_share_a_store_but_not_profiles() {
    let store = Arc::new(MemoryStore::new());
    let a = Vault::with_store("a", VaultKind::Memory, "memory (demo)", store.clone()).unwrap();
    let b = Vault::with_store("b", VaultKind::Memory, "memory (demo)", store.clone()).unwrap();
    a.save_tokens(&tokens("for-a")).unwrap();
    assert!(b.load_tokens().unwrap().is_none());
    assert!(
        store.get("a:tokens").unwrap().is_some(),
        "entries are named profile:name"
    );
    let clone = a.clone();
    assert_eq!(
        clone
            .load_tokens()
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret(),
        "for-a"
    );
}
