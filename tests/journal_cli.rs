//! `palmtree journal show|verify|export` as a user runs them: on a real vault file and a real
//! database, before and after someone edits the database behind palmtree's back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use palmtree::session::Records;
use palmtree::store::JournalKind;
use palmtree::vault::{Vault, VaultChoice, VaultOptions};
use secrecy::SecretString;
use serde_json::json;

const PASSPHRASE: &str = "journal test passphrase";

struct Home(tempfile::TempDir);

impl Home {
    fn data(&self) -> PathBuf {
        self.0.path().join("data").join("palmtree")
    }

    fn vault(&self) -> Vault {
        let passphrase = Box::new(|| Ok(SecretString::from(PASSPHRASE.to_string())));
        let options = VaultOptions::new("default", VaultChoice::File, self.data(), passphrase);
        Vault::open(options).unwrap()
    }

    fn palmtree(&self, args: &[&str], stdin: &str) -> Output {
        let root = self.0.path();
        let mut child = Command::new(env!("CARGO_BIN_EXE_palmtree"))
            .args(["--vault", "file"])
            .args(args)
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("PALMTREE_VAULT_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn db(&self) -> rusqlite::Connection {
        let path = self
            .data()
            .join("profiles")
            .join("default")
            .join("palmtree.db");
        let conn = rusqlite::Connection::open(path).unwrap();
        // What an attacker with the file would do first: lift the append-only guard.
        conn.execute_batch("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;")
            .unwrap();
        conn
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn home_with_entries() -> Home {
    let home = Home(tempfile::tempdir().unwrap());
    let records = Records::open(&home.vault(), &home.data()).unwrap();
    records
        .record(
            JournalKind::Login,
            &json!({"refresh_deadline": "2026-12-10"}),
        )
        .unwrap();
    let intent = records
        .record(
            JournalKind::OrderSubmitted,
            &json!({"words": "BUY 10 AAPL LIMIT 187.25 DAY"}),
        )
        .unwrap();
    records
        .record(
            JournalKind::OrderResult,
            &json!({"intent": intent.seq, "status": 201}),
        )
        .unwrap();
    records
        .record(JournalKind::WatchlistChanged, &json!({"name": "main"}))
        .unwrap();
    records.record(JournalKind::Logout, &json!({})).unwrap();
    home
}

#[test]
fn an_untouched_journal_verifies_and_shows_by_kind() {
    let home = home_with_entries();
    let verify = home.palmtree(&["journal", "verify"], "");
    assert!(verify.status.success(), "{}", text(&verify));
    assert_eq!(text(&verify).trim(), "verified 5 entries; chain head seq 5");

    let shown = home.palmtree(
        &["journal", "show", "--kind", "order-submitted", "--json"],
        "",
    );
    assert!(shown.status.success(), "{}", text(&shown));
    let entries: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(
        entries[0]["details"]["words"],
        "BUY 10 AAPL LIMIT 187.25 DAY"
    );

    let bad_kind = home.palmtree(&["journal", "show", "--kind", "orders"], "");
    assert!(!bad_kind.status.success());
    assert!(
        text(&bad_kind).contains("order-submitted"),
        "{}",
        text(&bad_kind)
    );
}

#[test]
fn a_changed_entry_fails_verify_with_a_non_zero_exit() {
    let home = home_with_entries();
    home.db()
        .execute("UPDATE journal SET details = substr(details, 1, 10) || x'00' || substr(details, 12) WHERE seq = 3", [])
        .unwrap();
    let verify = home.palmtree(&["journal", "verify"], "");
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    assert!(text(&verify).contains("entry 3 fails"), "{}", text(&verify));
}

#[test]
fn dropping_the_newest_entries_is_caught_by_the_anchor_in_the_vault() {
    let home = home_with_entries();
    home.db()
        .execute("DELETE FROM journal WHERE seq >= 4", [])
        .unwrap();
    let verify = home.palmtree(&["journal", "verify"], "");
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    assert!(
        text(&verify).contains("removed from the end"),
        "{}",
        text(&verify)
    );
}

#[test]
fn export_asks_first_and_writes_json_lines_only_when_told_yes() {
    let home = home_with_entries();
    let target = home.0.path().join("journal.jsonl");
    let target_arg = target.to_str().unwrap();
    let declined = home.palmtree(&["journal", "export", target_arg], "n\n");
    assert_eq!(declined.status.code(), Some(1));
    assert!(text(&declined).contains("not sealed") || text(&declined).contains("unsealed"));
    assert!(!target.exists(), "nothing was written");

    let accepted = home.palmtree(&["journal", "export", target_arg], "y\n");
    assert!(accepted.status.success(), "{}", text(&accepted));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&target)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["kind"], "login");
    let again = home.palmtree(&["journal", "export", target_arg, "--yes"], "");
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
}
