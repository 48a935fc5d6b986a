#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The vault file's derived key remembered in the kernel's session keyring: a second open asks
//! no passphrase, logout forgets it, a remembered key that no longer fits is dropped, and the
//! key is readable only by this session for a limited time. Needs a session keyring (an SSH
//! login, or `keyctl session - cargo test`, as `.ci/run` does); elsewhere each test prints a
//! SKIPPED line and passes, unless `PALMTREE_REQUIRE_KEYUTILS=1` says the run set one up.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use linux_keyutils::{KeyRing, KeyRingIdentifier};
use palmtree::vault::{
    self, FILE_NAME, FileStore, KdfParams, KeyMemory, KeySlot, Vault, VaultChoice, VaultError,
    VaultOptions,
};
use secrecy::{ExposeSecret, SecretString};

const PASS: &str = "remembered passphrase";

/// The session keyring, or `None` (after printing why) where this process may keep no keys.
fn session_keyring() -> Option<KeyRing> {
    let ring = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .ok()
        .filter(|ring| {
            // Unique per call: the tests run in parallel, and one probe must not drop another.
            static PROBES: AtomicUsize = AtomicUsize::new(0);
            let n = PROBES.fetch_add(1, Ordering::SeqCst);
            let probe = format!("palmtree:test-probe:{}:{n}", std::process::id());
            match ring.add_key(&probe, b"x") {
                Ok(key) => key.invalidate().is_ok(),
                Err(_) => false,
            }
        });
    if ring.is_none() {
        if std::env::var("PALMTREE_REQUIRE_KEYUTILS").as_deref() == Ok("1") {
            panic!("PALMTREE_REQUIRE_KEYUTILS=1 but this process has no usable session keyring");
        }
        println!("SKIPPED: no usable session keyring here (run under `keyctl session -`)");
    }
    ring
}

fn open(
    dir: &Path,
    pass: &'static str,
    memory: KeyMemory,
    asked: &Arc<AtomicUsize>,
) -> Result<Vault, VaultError> {
    let asked = asked.clone();
    let ask: vault::PassphraseFn = Box::new(move || {
        asked.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::from(pass))
    });
    let mut options = VaultOptions::new("default", VaultChoice::File, dir, ask)
        .with_kdf(KdfParams::INSECURE_FOR_TESTS);
    options.remember_file_key = memory;
    Vault::open(options)
}

/// The slot the file in `dir` is remembered under, from its header.
fn slot(dir: &Path) -> KeySlot {
    FileStore::key_slot(&dir.join(FILE_NAME)).unwrap()
}

const MINUTE: Duration = Duration::from_secs(60);

/// As root, reads key `id` as user `nobody` from this very session (what `sudo -u` without
/// pam_keyinit does) and expects a refusal. Elsewhere it says why it did not try.
fn another_user_cannot_read(id: i32) {
    // SAFETY: geteuid only reads the process's effective user id.
    if unsafe { libc::geteuid() } != 0 {
        println!("not root: the read as another user was not tried");
        return;
    }
    let tried = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "keyctl",
            "pipe",
        ])
        .arg(id.to_string())
        .output();
    match tried {
        Ok(out) => {
            assert!(!out.status.success(), "another user read the key");
            assert!(out.stdout.is_empty(), "another user read key bytes");
        }
        Err(e) => println!("setpriv could not run ({e}): the read as another user was not tried"),
    }
}

#[test]
fn a_second_open_asks_no_passphrase_and_logout_forgets_the_key() {
    let Some(ring) = session_keyring() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let memory = KeyMemory::for_idle(MINUTE);
    let asked = Arc::new(AtomicUsize::new(0));
    let first = open(tmp.path(), PASS, memory, &asked).unwrap();
    first
        .set("tokens", &SecretString::from("remembered-token-1"))
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // Another command: the remembered key opens the file; nothing is asked.
    let second = open(tmp.path(), PASS, memory, &asked).unwrap();
    assert_eq!(
        second.get("tokens").unwrap().unwrap().expose_secret(),
        "remembered-token-1"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // Only this user may read it, by user id: no possessor, group or world bits, so a process
    // of another user that inherited this session keyring gets nothing. It expires.
    let key = ring.search(slot(tmp.path()).description()).unwrap();
    let perms = key.metadata().unwrap().get_perms().bits();
    assert_eq!(perms >> 24, 0, "no possessor bits: {perms:#x}");
    assert_eq!(perms & 0xffff, 0, "no group or world bits: {perms:#x}");
    assert_ne!((perms >> 16) & 0x02, 0, "the user may read it: {perms:#x}");
    another_user_cannot_read(key.get_id().as_raw_id());
    let line = std::fs::read_to_string("/proc/keys")
        .unwrap()
        .lines()
        .find(|l| l.contains(slot(tmp.path()).description()))
        .unwrap()
        .to_owned();
    let timeout = line.split_whitespace().nth(3).unwrap();
    assert_ne!(timeout, "perm", "{line}");

    // Logout forgets it: the next command asks again.
    second.forget_remembered();
    assert!(ring.search(slot(tmp.path()).description()).is_err());
    open(tmp.path(), PASS, memory, &asked).unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    open(tmp.path(), PASS, memory, &asked)
        .unwrap()
        .forget_remembered();
}

#[test]
fn a_remembered_key_that_does_not_open_the_file_is_dropped_and_the_passphrase_decides() {
    let Some(ring) = session_keyring() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let memory = KeyMemory::for_idle(MINUTE);
    let asked = Arc::new(AtomicUsize::new(0));
    let vault = open(tmp.path(), PASS, memory, &asked).unwrap();
    vault
        .set("tokens", &SecretString::from("kept-token"))
        .unwrap();
    let before = std::fs::read(tmp.path().join(FILE_NAME)).unwrap();

    // Something else put a wrong key in the slot.
    let description = slot(tmp.path()).description().to_owned();
    ring.add_key(&description, &[0x42u8; 32]).unwrap();

    // A wrong passphrase is still refused, and the file is untouched.
    let refused = open(tmp.path(), "not the passphrase", memory, &asked).unwrap_err();
    assert!(
        matches!(refused, VaultError::WrongPassphraseOrDamaged { .. }),
        "{refused}"
    );
    assert_eq!(std::fs::read(tmp.path().join(FILE_NAME)).unwrap(), before);

    // The right passphrase opens it and puts the right key back for the next command.
    let asked_before = asked.load(Ordering::SeqCst);
    let reopened = open(tmp.path(), PASS, memory, &asked).unwrap();
    assert_eq!(
        reopened.get("tokens").unwrap().unwrap().expose_secret(),
        "kept-token"
    );
    assert_eq!(asked.load(Ordering::SeqCst), asked_before + 1);
    open(tmp.path(), PASS, memory, &asked).unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), asked_before + 1);
    reopened.forget_remembered();
}

#[test]
fn off_keeps_nothing_in_the_session_keyring() {
    let Some(ring) = session_keyring() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let vault = open(tmp.path(), PASS, KeyMemory::OFF, &asked).unwrap();
    vault.set("tokens", &SecretString::from("t")).unwrap();
    assert!(ring.search(slot(tmp.path()).description()).is_err());
    open(tmp.path(), PASS, KeyMemory::OFF, &asked).unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

/// `palmtree lock` forgets the remembered key without the passphrase and without touching the
/// tokens; run again, it says there was nothing to forget.
#[test]
fn palmtree_lock_forgets_the_key_and_keeps_the_login() {
    let Some(ring) = session_keyring() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data").join("palmtree");
    let asked = Arc::new(AtomicUsize::new(0));
    let vault = open(&data, PASS, KeyMemory::for_idle(MINUTE), &asked).unwrap();
    vault
        .set("tokens", &SecretString::from("still-here"))
        .unwrap();
    assert!(ring.search(slot(&data).description()).is_ok());

    let lock = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_palmtree"))
            .arg("lock")
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env_remove("PALMTREE_VAULT_PASSPHRASE")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(lock().contains("was forgotten"));
    assert!(ring.search(slot(&data).description()).is_err());
    assert!(lock().contains("nothing to forget"));

    let reopened = open(&data, PASS, KeyMemory::OFF, &asked).unwrap();
    assert_eq!(
        reopened.get("tokens").unwrap().unwrap().expose_secret(),
        "still-here"
    );
}
