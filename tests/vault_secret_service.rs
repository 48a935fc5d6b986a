#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Secret Service backend against a real daemon: gnome-keyring inside `dbus-run-session`,
//! as `.ci/run` starts it. Where none answers, each test prints a SKIPPED line and passes,
//! unless `PALMTREE_REQUIRE_SECRET_SERVICE=1` says the run did set one up.
//!
//! The hang guard is tested everywhere: a bus socket that never answers must count as "not
//! available" within the probe limit, not freeze the caller.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use palmtree::vault::{
    PassphraseFn, StoredTokens, Vault, VaultChoice, VaultError, VaultKind, VaultOptions, names,
};
use secrecy::{ExposeSecret, SecretString};

fn no_passphrase(asked: &Arc<AtomicUsize>) -> PassphraseFn {
    let asked = asked.clone();
    Box::new(move || {
        asked.fetch_add(1, Ordering::SeqCst);
        Err(VaultError::NoPassphrase {
            reason: "the Secret Service tests never use the file".into(),
        })
    })
}

fn profile(tag: &str) -> String {
    format!("sstest-{}-{tag}", std::process::id())
}

fn skip(reason: &str) -> Option<Vault> {
    if std::env::var("PALMTREE_REQUIRE_SECRET_SERVICE").as_deref() == Ok("1") {
        panic!("PALMTREE_REQUIRE_SECRET_SERVICE=1 but no Secret Service answered: {reason}");
    }
    println!("SKIPPED: no Secret Service on this machine (run under .ci/run)");
    println!("  reason: {reason}");
    None
}

/// A vault on the Secret Service for `profile`, or `None` (after printing why) when there is
/// no session bus or the probe write fails.
fn secret_service(profile: &str) -> Option<Vault> {
    if std::env::var_os("PALMTREE_HANG_CHILD").is_some() {
        return None;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip("DBUS_SESSION_BUS_ADDRESS is not set");
    }
    let asked = Arc::new(AtomicUsize::new(0));
    let options = VaultOptions::new(
        profile,
        VaultChoice::Only(VaultKind::SecretService),
        std::env::temp_dir().join("palmtree-ss-unused"),
        no_passphrase(&asked),
    );
    match Vault::open(options) {
        Ok(vault) => {
            assert_eq!(asked.load(Ordering::SeqCst), 0);
            Some(vault)
        }
        Err(err) => skip(&err.to_string()),
    }
}

/// The vault `Auto` chooses for `profile`, remembering its choice in `dir`; it must never ask
/// for the file's passphrase.
fn open_auto(profile: &str, dir: &std::path::Path) -> Vault {
    let asked = Arc::new(AtomicUsize::new(0));
    let vault = Vault::open(VaultOptions::new(
        profile,
        VaultChoice::Auto,
        dir,
        no_passphrase(&asked),
    ))
    .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    vault
}

fn tokens() -> StoredTokens {
    StoredTokens {
        access_token: SecretString::from("ss-access-5d1e"),
        access_expires_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 30, 0).unwrap(),
        refresh_token: SecretString::from("ss-refresh-77aa"),
        exchanged_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap(),
        refresh_deadline: Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap(),
    }
}

fn clean(vault: &Vault) {
    for name in [
        names::TOKENS,
        names::APP_CREDENTIALS,
        names::PENDING_APP_CREDENTIALS,
        names::CACHE_KEY,
        names::JOURNAL_KEY,
        names::JOURNAL_HEAD,
    ] {
        vault.delete(name).unwrap();
    }
}

#[test]
fn round_trip_across_two_connections() {
    let profile = profile("round");
    let Some(first) = secret_service(&profile) else {
        return;
    };
    assert_eq!(first.kind(), VaultKind::SecretService);
    assert_eq!(first.describe(), "Secret Service");

    first.save_tokens(&tokens()).unwrap();
    first
        .save_app_credentials("SSAPPKEY", &SecretString::from("SSAPPSECRET"))
        .unwrap();
    let key = first.key32(names::JOURNAL_KEY).unwrap();
    drop(first);

    let second = secret_service(&profile).unwrap();
    let loaded = second.load_tokens().unwrap().unwrap();
    assert_eq!(loaded.access_token.expose_secret(), "ss-access-5d1e");
    assert_eq!(loaded.refresh_token.expose_secret(), "ss-refresh-77aa");
    assert_eq!(loaded.refresh_deadline, tokens().refresh_deadline);
    let (app_key, app_secret) = second.app_credentials().unwrap().unwrap();
    assert_eq!(
        (app_key.as_str(), app_secret.expose_secret()),
        ("SSAPPKEY", "SSAPPSECRET")
    );
    assert_eq!(second.key32(names::JOURNAL_KEY).unwrap(), key);

    second
        .save_pending_app_credentials("SSNEWKEY", &SecretString::from("SSNEWSECRET"))
        .unwrap();
    assert!(second.promote_pending_app_credentials().unwrap());
    assert_eq!(second.app_credentials().unwrap().unwrap().0, "SSNEWKEY");

    clean(&second);
    assert!(second.load_tokens().unwrap().is_none());
    assert!(second.app_credentials().unwrap().is_none());
}

#[test]
fn profiles_are_isolated() {
    let (pa, pb) = (profile("iso-a"), profile("iso-b"));
    let Some(a) = secret_service(&pa) else {
        return;
    };
    let b = secret_service(&pb).unwrap();
    a.save_journal_head("head-a").unwrap();
    assert_eq!(b.journal_head().unwrap(), None);
    b.save_journal_head("head-b").unwrap();
    assert_eq!(a.journal_head().unwrap().as_deref(), Some("head-a"));
    b.delete(names::JOURNAL_HEAD).unwrap();
    assert_eq!(a.journal_head().unwrap().as_deref(), Some("head-a"));
    clean(&a);
    clean(&b);
}

#[test]
fn secret_tool_sees_the_entry_and_no_probe_is_left_behind() {
    let profile = profile("tool");
    let Some(vault) = secret_service(&profile) else {
        return;
    };
    if Command::new("secret-tool")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: secret-tool is not installed (apt-get install libsecret-tools)");
        clean(&vault);
        return;
    }
    vault.save_journal_head("ss-head-123").unwrap();
    let user = format!("{profile}:journal_head");
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", "palmtree", "username", &user])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&lookup.stdout).trim_end(),
        "ss-head-123"
    );

    let search = Command::new("secret-tool")
        .args(["search", "--all", "service", "palmtree"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&search.stdout).into_owned()
        + &String::from_utf8_lossy(&search.stderr);
    assert!(
        listing.contains(&format!("label = palmtree {user}")),
        "{listing}"
    );
    assert!(!listing.contains(&format!("{profile}:probe-")), "{listing}");
    clean(&vault);
}

#[test]
fn auto_picks_the_secret_service_and_asks_no_passphrase() {
    let profile = profile("auto");
    let Some(probe) = secret_service(&profile) else {
        return;
    };
    drop(probe);
    let asked = Arc::new(AtomicUsize::new(0));
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::open(VaultOptions::new(
        profile.as_str(),
        VaultChoice::Auto,
        tmp.path(),
        no_passphrase(&asked),
    ))
    .unwrap();
    assert_eq!(vault.kind(), VaultKind::SecretService);
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    let made: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        made,
        vec!["vault-store"],
        "no vault file, only the keychain choice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_from_spawn_blocking() {
    let profile = profile("tokio");
    let opened = tokio::task::spawn_blocking(move || secret_service(&profile))
        .await
        .unwrap();
    let Some(vault) = opened else {
        return;
    };
    let worker = vault.clone();
    let key = tokio::task::spawn_blocking(move || worker.key32(names::CACHE_KEY))
        .await
        .unwrap()
        .unwrap();
    let again = vault.clone();
    let same = tokio::task::spawn_blocking(move || again.key32(names::CACHE_KEY))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key, same);
    tokio::task::spawn_blocking(move || clean(&vault))
        .await
        .unwrap();
}

/// Runs only as the child of the test below, with the bus address pointing at a socket that
/// never answers.
#[test]
fn hang_child_probe() {
    if std::env::var_os("PALMTREE_HANG_CHILD").is_none() {
        return;
    }
    let mut options = VaultOptions::new(
        "hangtest",
        VaultChoice::Only(VaultKind::SecretService),
        std::env::temp_dir(),
        no_passphrase(&Arc::new(AtomicUsize::new(0))),
    );
    options.probe_timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let err = Vault::open(options).unwrap_err();
    let waited = started.elapsed();
    println!("hang child: {err} after {waited:?}");
    assert!(matches!(err, VaultError::KeychainTimeout { .. }), "{err}");
    assert!(waited < Duration::from_millis(2500), "{waited:?}");
    assert!(err.to_string().contains("--vault file"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_silent_bus_counts_as_unavailable_within_the_limit() {
    if std::env::var_os("PALMTREE_HANG_CHILD").is_some() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let socket = tmp.path().join("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4) {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(10));
    });

    let started = Instant::now();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hang_child_probe",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PALMTREE_HANG_CHILD", "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", socket.display()),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("hang child:"),
        "the child did not run the probe: {text}"
    );
    assert!(started.elapsed() < Duration::from_secs(8), "{text}");
    drop(held);
}

/// `Auto` remembers the keychain that passed its probe and, on the next open, reopens it with
/// one read instead of a write, read and delete; a remembered store that no longer answers
/// is forgotten and the keychains are probed again.
#[test]
fn auto_remembers_the_keychain_and_reopens_it_without_a_probe_write() {
    let name = profile("remember");
    if secret_service(&name).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = || open_auto(&name, dir.path());
    let first = open();
    assert_eq!(first.kind(), VaultKind::SecretService);
    let remembered = palmtree::vault::remembered_store_path(dir.path());
    assert_eq!(
        std::fs::read_to_string(&remembered).unwrap(),
        "secret-service"
    );
    first.save_tokens(&tokens()).unwrap();

    let second = open();
    assert_eq!(second.kind(), VaultKind::SecretService);
    let back = second.load_tokens().unwrap().unwrap();
    assert_eq!(back.refresh_token.expose_secret(), "ss-refresh-77aa");

    // A remembered name this build does not know is ignored, and the probe runs again.
    std::fs::write(&remembered, "a-keychain-from-the-future").unwrap();
    let third = open();
    assert_eq!(third.kind(), VaultKind::SecretService);
    assert_eq!(
        std::fs::read_to_string(&remembered).unwrap(),
        "secret-service"
    );
    clean(&third);
}

/// Reopening a remembered keychain reads the tokens entry to check the store; that read
/// serves the first `load_tokens` that follows (one round trip, not two), but only once: a
/// later read sees what another process wrote meanwhile, and a write from this process drops
/// the kept value at once.
#[test]
fn the_reopen_check_serves_the_first_tokens_read_only() {
    let name = profile("opening-read");
    let Some(other) = secret_service(&name) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let open = || open_auto(&name, dir.path());
    open().save_tokens(&tokens()).unwrap();

    let reopened = open();
    // Another process refreshes between the reopen and the first read: the first read is the
    // one the reopen made, the second is fresh.
    let mut refreshed = tokens();
    refreshed.access_token = SecretString::from("ss-access-after-refresh");
    other.save_tokens(&refreshed).unwrap();
    let first = reopened.load_tokens().unwrap().unwrap();
    assert_eq!(first.access_token.expose_secret(), "ss-access-5d1e");
    let second = reopened.load_tokens().unwrap().unwrap();
    assert_eq!(
        second.access_token.expose_secret(),
        "ss-access-after-refresh"
    );

    // A write by this process drops the kept value before anything reads it.
    let reopened = open();
    let mut saved_here = tokens();
    saved_here.access_token = SecretString::from("ss-access-saved-here");
    reopened.save_tokens(&saved_here).unwrap();
    let read = reopened.load_tokens().unwrap().unwrap();
    assert_eq!(read.access_token.expose_secret(), "ss-access-saved-here");

    // A delete too: logout, then a read, finds nothing.
    let reopened = open();
    reopened.delete_tokens().unwrap();
    assert!(reopened.load_tokens().unwrap().is_none());
    clean(&other);
}
