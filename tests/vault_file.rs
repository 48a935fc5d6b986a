#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The encrypted vault file, on real files in temporary directories: round trips, profiles,
//! refusal of wrong passphrases and damaged files with the bytes left untouched, modes,
//! atomic replacement and the absence of plaintext.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use palmtree::vault::{
    self, FILE_NAME, HEADER_LEN, KdfParams, LOCK_NAME, StoredTokens, Vault, VaultChoice,
    VaultError, VaultKind, VaultOptions, names,
};
use secrecy::{ExposeSecret, SecretString};

const PASS: &str = "correct horse battery staple";
const ACCESS: &str = "I0.b2F1dGgyLmNkYy5zY2h3YWIuY29t.ACCESS-7f3a";
const REFRESH: &str = "REFRESH-9c41-d7e2@b2F1dGgy";
const APP_KEY: &str = "APPKEY0123456789abcdefABCDEF0001";
const APP_SECRET: &str = "APPSECRET-zz81-QqP0";

fn options(
    dir: &Path,
    profile: &str,
    pass: &'static str,
    asked: &Arc<AtomicUsize>,
) -> VaultOptions {
    let asked = asked.clone();
    let ask: vault::PassphraseFn = Box::new(move || {
        asked.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::from(pass))
    });
    VaultOptions::new(profile, VaultChoice::File, dir, ask).with_kdf(KdfParams::INSECURE_FOR_TESTS)
}

fn open(dir: &Path, profile: &str, pass: &'static str) -> Result<Vault, VaultError> {
    Vault::open(options(dir, profile, pass, &Arc::new(AtomicUsize::new(0))))
}

fn tokens() -> StoredTokens {
    StoredTokens {
        access_token: SecretString::from(ACCESS),
        access_expires_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 30, 0).unwrap(),
        refresh_token: SecretString::from(REFRESH),
        exchanged_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap(),
        refresh_deadline: Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap(),
    }
}

/// A data dir with a vault file holding tokens and app credentials for `default`.
fn populated() -> (tempfile::TempDir, PathBuf, Vault) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let vault = open(&dir, "default", PASS).unwrap();
    vault.save_tokens(&tokens()).unwrap();
    vault
        .save_app_credentials(APP_KEY, &SecretString::from(APP_SECRET))
        .unwrap();
    (tmp, dir, vault)
}

fn file_unreadable(result: Result<Vault, VaultError>) -> VaultError {
    match result {
        Ok(_) => panic!("a damaged or mis-keyed vault file was accepted"),
        Err(err) => {
            assert!(err.is_file_unreadable(), "unexpected kind of error: {err}");
            err
        }
    }
}

#[test]
fn round_trip_across_two_instances() {
    let (_tmp, dir, first) = populated();
    let cache_key = first.key32(names::CACHE_KEY).unwrap();
    first.save_journal_head("head-0042").unwrap();
    drop(first);

    let second = open(&dir, "default", PASS).unwrap();
    let loaded = second.load_tokens().unwrap().unwrap();
    assert_eq!(loaded.access_token.expose_secret(), ACCESS);
    assert_eq!(loaded.refresh_token.expose_secret(), REFRESH);
    assert_eq!(loaded.access_expires_at, tokens().access_expires_at);
    assert_eq!(loaded.exchanged_at, tokens().exchanged_at);
    assert_eq!(loaded.refresh_deadline, tokens().refresh_deadline);
    let (key, secret) = second.app_credentials().unwrap().unwrap();
    assert_eq!(key, APP_KEY);
    assert_eq!(secret.expose_secret(), APP_SECRET);
    assert_eq!(second.key32(names::CACHE_KEY).unwrap(), cache_key);
    assert_eq!(second.journal_head().unwrap().as_deref(), Some("head-0042"));
    assert_eq!(second.kind(), VaultKind::EncryptedFile);
    assert_eq!(
        second.describe(),
        format!("encrypted file {}", dir.join("vault.bin").display())
    );
}

#[test]
fn a_second_open_instance_sees_writes_at_once() {
    let (_tmp, dir, first) = populated();
    let second = open(&dir, "default", PASS).unwrap();
    first.save_journal_head("from-first").unwrap();
    assert_eq!(
        second.journal_head().unwrap().as_deref(),
        Some("from-first")
    );
    second.delete_tokens().unwrap();
    assert!(first.load_tokens().unwrap().is_none());
    assert!(first.app_credentials().unwrap().is_some());
}

#[test]
fn profiles_are_isolated_in_one_file() {
    let (_tmp, dir, default) = populated();
    let paper = open(&dir, "paper", PASS).unwrap();
    assert!(paper.load_tokens().unwrap().is_none());
    assert!(paper.app_credentials().unwrap().is_none());

    paper
        .save_app_credentials("PAPERKEY", &SecretString::from("PAPERSECRET"))
        .unwrap();
    let (key, _) = default.app_credentials().unwrap().unwrap();
    assert_eq!(key, APP_KEY);
    assert_ne!(
        paper.key32(names::JOURNAL_KEY).unwrap(),
        default.key32(names::JOURNAL_KEY).unwrap()
    );

    paper.delete_app_credentials().unwrap();
    assert!(paper.app_credentials().unwrap().is_none());
    assert!(default.app_credentials().unwrap().is_some());
    assert_eq!(
        fs::read_dir(&dir).unwrap().count(),
        2,
        "one vault file for all profiles, plus the lock"
    );
}

#[test]
fn wrong_passphrase_is_refused_and_the_file_is_untouched() {
    let (_tmp, dir, _vault) = populated();
    let path = dir.join(FILE_NAME);
    let before = fs::read(&path).unwrap();

    let err = file_unreadable(open(&dir, "default", "Correct horse battery staple"));
    assert!(
        matches!(err, VaultError::WrongPassphraseOrDamaged { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("left untouched") && text.contains("palmtree login"),
        "{text}"
    );
    assert_eq!(fs::read(&path).unwrap(), before);

    let again = open(&dir, "default", PASS).unwrap();
    assert!(again.load_tokens().unwrap().is_some());
    assert_eq!(fs::read(&path).unwrap(), before, "reading never rewrites");
}

#[test]
fn a_flipped_byte_anywhere_is_refused_and_nothing_is_written() {
    let (_tmp, dir, writer) = populated();
    let path = dir.join(FILE_NAME);
    let original = fs::read(&path).unwrap();
    let len = original.len();
    // magic, version (both bytes), kdf id, reserved, memory (low, high), passes, lanes, salt
    // (first, last), nonce (first, last), ciphertext (first, middle, last), tag (first, last)
    let offsets = [
        0,
        7,
        8,
        9,
        10,
        11,
        12,
        15,
        16,
        20,
        24,
        39,
        40,
        63,
        HEADER_LEN,
        (HEADER_LEN + len) / 2,
        len - 17,
        len - 16,
        len - 1,
    ];

    for &at in &offsets {
        for mask in [0x01u8, 0x80] {
            let mut damaged = original.clone();
            damaged[at] ^= mask;
            fs::write(&path, &damaged).unwrap();

            file_unreadable(open(&dir, "default", PASS));
            assert_eq!(
                fs::read(&path).unwrap(),
                damaged,
                "open changed the file (byte {at})"
            );

            let write = writer.save_journal_head("must-not-land");
            assert!(
                write.is_err(),
                "a write went through a damaged file (byte {at})"
            );
            assert!(
                writer.get(names::TOKENS).is_err(),
                "a read passed (byte {at})"
            );
            assert_eq!(
                fs::read(&path).unwrap(),
                damaged,
                "a write changed the file (byte {at})"
            );
        }
    }

    fs::write(&path, &original).unwrap();
    assert!(writer.load_tokens().unwrap().is_some());
}

#[test]
fn a_truncated_file_is_refused_and_left_as_it_is() {
    let (_tmp, dir, writer) = populated();
    let path = dir.join(FILE_NAME);
    let original = fs::read(&path).unwrap();

    for cut in [0, 5, 8, 40, HEADER_LEN, HEADER_LEN + 15, original.len() - 1] {
        let short = original[..cut].to_vec();
        fs::write(&path, &short).unwrap();
        let err = file_unreadable(open(&dir, "default", PASS));
        if cut < HEADER_LEN + 16 {
            assert!(
                matches!(err, VaultError::Damaged { .. }),
                "cut {cut}: {err}"
            );
        } else {
            assert!(
                matches!(err, VaultError::WrongPassphraseOrDamaged { .. }),
                "cut {cut}: {err}"
            );
        }
        assert!(
            writer.delete_tokens().is_err(),
            "cut {cut}: a write went through"
        );
        assert_eq!(
            fs::read(&path).unwrap(),
            short,
            "cut {cut}: the file changed"
        );
    }
}

#[test]
fn not_a_vault_file_and_newer_formats_get_their_own_messages() {
    let (_tmp, dir, _vault) = populated();
    let path = dir.join(FILE_NAME);
    let original = fs::read(&path).unwrap();

    fs::write(
        &path,
        b"{\"entries\": {\"default:tokens\": \"plain\"}} and some more bytes here......",
    )
    .unwrap();
    let err = file_unreadable(open(&dir, "default", PASS));
    assert!(err.to_string().contains("palmtree vault marker"), "{err}");

    let mut newer = original.clone();
    newer[8] = 9;
    fs::write(&path, &newer).unwrap();
    let err = file_unreadable(open(&dir, "default", PASS));
    assert!(
        matches!(err, VaultError::UnsupportedVersion { version: 9, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("Upgrade palmtree"), "{err}");
}

#[test]
fn header_layout_salt_kept_nonce_fresh_on_every_write() {
    let (_tmp, dir, vault) = populated();
    let path = dir.join(FILE_NAME);
    let first = fs::read(&path).unwrap();
    assert_eq!(&first[..8], &vault::MAGIC);
    assert_eq!(
        u16::from_le_bytes([first[8], first[9]]),
        vault::FORMAT_VERSION
    );
    assert_eq!(first[10], 1, "Argon2id v0x13");
    assert_eq!(&first[12..16], &64u32.to_le_bytes());
    assert_eq!(&first[16..20], &1u32.to_le_bytes());
    assert_eq!(&first[20..24], &1u32.to_le_bytes());

    vault.save_journal_head("next").unwrap();
    let second = fs::read(&path).unwrap();
    assert_eq!(
        &first[24..40],
        &second[24..40],
        "salt is fixed for the file's life"
    );
    assert_ne!(
        &first[40..64],
        &second[40..64],
        "nonce is new on every write"
    );
}

#[test]
fn the_file_holds_no_secret_in_plain_text() {
    let (_tmp, dir, vault) = populated();
    let journal_key = vault.key32(names::JOURNAL_KEY).unwrap();
    vault
        .save_pending_app_credentials("PENDINGKEY-77", &SecretString::from("PENDINGSECRET-88"))
        .unwrap();
    let bytes = fs::read(dir.join(FILE_NAME)).unwrap();

    let stored_key = vault.get(names::JOURNAL_KEY).unwrap().unwrap();
    let needles: Vec<&[u8]> = vec![
        ACCESS.as_bytes(),
        REFRESH.as_bytes(),
        APP_KEY.as_bytes(),
        APP_SECRET.as_bytes(),
        b"PENDINGKEY-77",
        b"PENDINGSECRET-88",
        stored_key.expose_secret().as_bytes(),
        &journal_key,
        PASS.as_bytes(),
        b"default:",
        b"refresh_token",
    ];
    for needle in needles {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "plaintext found in the vault file"
        );
    }
    for entry in fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap().path();
        if entry.file_name().unwrap() == LOCK_NAME {
            assert_eq!(
                fs::metadata(&entry).unwrap().len(),
                0,
                "the lock file holds nothing"
            );
        }
    }
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let (_tmp, dir, vault) = populated();
    for i in 0..25 {
        vault.save_journal_head(&format!("head-{i}")).unwrap();
    }
    vault.delete(names::JOURNAL_HEAD).unwrap();
    vault.delete(names::JOURNAL_HEAD).unwrap();
    let names: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([FILE_NAME.to_owned(), LOCK_NAME.to_owned()])
    );
}

#[test]
fn writers_in_parallel_lose_nothing() {
    let (_tmp, dir, _vault) = populated();
    let a = open(&dir, "default", PASS).unwrap();
    let b = open(&dir, "default", PASS).unwrap();
    let spawn = |vault: Vault, tag: &'static str| {
        std::thread::spawn(move || {
            for i in 0..15 {
                vault
                    .set(
                        &format!("{tag}_{i}"),
                        &SecretString::from(format!("{tag}{i}")),
                    )
                    .unwrap();
            }
            vault.key32(names::CACHE_KEY).unwrap()
        })
    };
    let ta = spawn(a.clone(), "a");
    let tb = spawn(b.clone(), "b");
    let key_a = ta.join().unwrap();
    let key_b = tb.join().unwrap();

    assert_eq!(
        key_a, key_b,
        "both instances agree on a key created concurrently"
    );
    for tag in ["a", "b"] {
        for i in 0..15 {
            let value = a
                .get(&format!("{tag}_{i}"))
                .unwrap()
                .expect("an entry was lost");
            assert_eq!(value.expose_secret(), format!("{tag}{i}"));
        }
    }
}

#[test]
fn the_passphrase_is_asked_once_per_open_and_never_for_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let vault = Vault::open(options(tmp.path(), "default", PASS, &asked)).unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(
        !tmp.path().join(FILE_NAME).exists(),
        "nothing is written before the first set"
    );
    vault.save_tokens(&tokens()).unwrap();
    vault.key32(names::CACHE_KEY).unwrap();
    vault.load_tokens().unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    let reopened = Vault::open(options(tmp.path(), "default", PASS, &asked)).unwrap();
    reopened.load_tokens().unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[test]
fn empty_and_unavailable_passphrases_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        open(tmp.path(), "default", ""),
        Err(VaultError::EmptyPassphrase)
    ));

    let refuse: vault::PassphraseFn = Box::new(|| {
        Err(VaultError::NoPassphrase {
            reason: "standard input is not a terminal".into(),
        })
    });
    let options = VaultOptions::new("default", VaultChoice::File, tmp.path(), refuse)
        .with_kdf(KdfParams::INSECURE_FOR_TESTS);
    let err = Vault::open(options).unwrap_err();
    assert!(matches!(err, VaultError::NoPassphrase { .. }), "{err}");
    assert!(err.to_string().contains("not a terminal"), "{err}");
}

#[test]
fn default_kdf_settings_are_written_to_the_header() {
    let tmp = tempfile::tempdir().unwrap();
    let ask: vault::PassphraseFn = Box::new(|| Ok(SecretString::from(PASS)));
    let vault = Vault::open(VaultOptions::new(
        "default",
        VaultChoice::File,
        tmp.path(),
        ask,
    ))
    .unwrap();
    vault.save_journal_head("h").unwrap();
    let bytes = fs::read(tmp.path().join(FILE_NAME)).unwrap();
    assert_eq!(&bytes[12..16], &19_456u32.to_le_bytes());
    assert_eq!(&bytes[16..20], &2u32.to_le_bytes());
    assert_eq!(&bytes[20..24], &1u32.to_le_bytes());
}

#[test]
fn bad_settings_and_profiles_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let zero = KdfParams {
        m_kib: 64,
        t_cost: 0,
        p_cost: 1,
    };
    let err = Vault::open(options(tmp.path(), "default", PASS, &asked).with_kdf(zero)).unwrap_err();
    assert!(matches!(err, VaultError::KdfParams { .. }), "{err}");
    let err = open(tmp.path(), "a:b", PASS).unwrap_err();
    assert!(matches!(err, VaultError::InvalidProfile { .. }), "{err}");
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[cfg(unix)]
mod modes {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_dir_is_0700_and_file_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("palmtree");
        let vault = open(&dir, "default", PASS).unwrap();
        vault.save_tokens(&tokens()).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(FILE_NAME)), 0o600);
        assert_eq!(mode(&dir.join(LOCK_NAME)), 0o600);
    }

    #[test]
    fn loose_dir_and_file_are_tightened_with_a_warning() {
        let (_tmp, dir, vault) = populated();
        let file = dir.join(FILE_NAME);
        let before = fs::read(&file).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();

        let logs = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        let reopened = tracing::subscriber::with_default(subscriber, || {
            let reopened = open(&dir, "default", PASS).unwrap();
            let _ = open(&dir, "default", "wrong passphrase");
            reopened.load_tokens().unwrap();
            reopened
        });

        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(
            fs::read(&file).unwrap(),
            before,
            "tightening changes modes, not bytes"
        );
        let text = logs.text();
        assert!(text.contains("WARN"), "{text}");
        assert!(text.contains("was open to other users"), "{text}");
        assert!(text.contains("644") && text.contains("755"), "{text}");
        for secret in [ACCESS, REFRESH, APP_SECRET, PASS, "wrong passphrase"] {
            assert!(!text.contains(secret), "a secret reached the log");
        }
        drop((vault, reopened));
    }

    /// A `MakeWriter` that collects everything logged.
    #[derive(Clone, Default)]
    struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Capture {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
        type Writer = Capture;

        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }
}

#[test]
fn auto_uses_a_keychain_or_falls_back_to_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let profile = format!("autotest-{}", std::process::id());
    let mut options = options(tmp.path(), &profile, PASS, &asked);
    options.choice = VaultChoice::Auto;
    let vault = Vault::open(options).unwrap();

    match vault.kind() {
        VaultKind::EncryptedFile => {
            assert_eq!(asked.load(Ordering::SeqCst), 1);
            assert!(vault.describe().starts_with("encrypted file "));
            vault.save_journal_head("auto").unwrap();
            assert!(tmp.path().join(FILE_NAME).exists());
        }
        other => {
            println!("Auto chose {other} here");
            assert_eq!(
                asked.load(Ordering::SeqCst),
                0,
                "no passphrase for a keychain"
            );
            vault.save_journal_head("auto").unwrap();
            assert!(!tmp.path().join(FILE_NAME).exists());
        }
    }
    assert_eq!(vault.journal_head().unwrap().as_deref(), Some("auto"));
    vault.delete(names::JOURNAL_HEAD).unwrap();
    assert_eq!(vault.journal_head().unwrap(), None);
}

#[test]
fn debug_output_is_redacted() {
    let (_tmp, dir, vault) = populated();
    let text = format!(
        "{vault:?} {:?} {:?}",
        vault.load_tokens().unwrap(),
        options(&dir, "default", PASS, &Arc::new(AtomicUsize::new(0)))
    );
    for secret in [ACCESS, REFRESH, APP_SECRET, PASS] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains("[redacted]"), "{text}");
}
