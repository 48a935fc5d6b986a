#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The kernel keyutils backend, where the process holds a session keyring (an SSH login, or
//! `keyctl session - cargo test …`). Elsewhere the probe is refused and each test prints a
//! SKIPPED line and passes, unless `PALMTREE_REQUIRE_KEYUTILS=1` says the run set one up.

use std::time::Duration;

use palmtree::vault::{
    PassphraseFn, Vault, VaultChoice, VaultError, VaultKind, VaultOptions, names,
};
use secrecy::{ExposeSecret, SecretString};

fn no_passphrase() -> PassphraseFn {
    Box::new(|| {
        Err(VaultError::NoPassphrase {
            reason: "the keyutils tests never use the file".into(),
        })
    })
}

fn keyutils(profile: &str) -> Option<Vault> {
    let options = VaultOptions::new(
        profile,
        VaultChoice::Only(VaultKind::KernelKeyutils),
        std::env::temp_dir().join("palmtree-keyutils-unused"),
        no_passphrase(),
    );
    match Vault::open(options) {
        Ok(vault) => Some(vault),
        Err(err) => {
            if std::env::var("PALMTREE_REQUIRE_KEYUTILS").as_deref() == Ok("1") {
                panic!("PALMTREE_REQUIRE_KEYUTILS=1 but the keyutils probe failed: {err}");
            }
            println!("SKIPPED: kernel keyutils not usable here (no session keyring)");
            println!("  reason: {err}");
            None
        }
    }
}

fn profile(tag: &str) -> String {
    format!("kutest-{}-{tag}", std::process::id())
}

/// Keyutils caches lookups briefly in the deleting process, so absence is polled for.
fn eventually_gone(vault: &Vault, name: &str) -> bool {
    for _ in 0..50 {
        if vault.get(name).unwrap().is_none() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn round_trip_across_two_instances_and_profiles_apart() {
    let profile_a = profile("a");
    let Some(a) = keyutils(&profile_a) else {
        return;
    };
    assert_eq!(a.kind(), VaultKind::KernelKeyutils);
    assert_eq!(a.describe(), "kernel keyutils (lost at reboot)");
    assert!(!a.kind().survives_reboot());

    a.save_app_credentials("KUKEY", &SecretString::from("KUSECRET"))
        .unwrap();
    let key = a.key32(names::CACHE_KEY).unwrap();
    drop(a);

    let again = keyutils(&profile_a).unwrap();
    let (app_key, secret) = again.app_credentials().unwrap().unwrap();
    assert_eq!(
        (app_key.as_str(), secret.expose_secret()),
        ("KUKEY", "KUSECRET")
    );
    assert_eq!(again.key32(names::CACHE_KEY).unwrap(), key);

    let other = keyutils(&profile("b")).unwrap();
    assert!(other.app_credentials().unwrap().is_none());

    again.delete_app_credentials().unwrap();
    again.delete(names::CACHE_KEY).unwrap();
    assert!(eventually_gone(&again, names::APP_CREDENTIALS));
    assert!(eventually_gone(&again, names::CACHE_KEY));
}
