//! The audit journal against real SQLite files: every kind of tampering is caught by verify,
//! filters select what `journal show` asks for, and order intents without answers are found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use palmtree::clock::Clock;
use palmtree::store::{
    JournalEntry, JournalFilter, JournalHead, JournalKind, Store, StoreError, StoreKeys,
    VerifyFailure, VerifyReport, format_verify,
};
use rusqlite::Connection;
use serde_json::json;
use tempfile::TempDir;

const CACHE_KEY: [u8; 32] = [0x11; 32];
const JOURNAL_KEY: [u8; 32] = [0x22; 32];

fn keys() -> StoreKeys {
    StoreKeys {
        cache: CACHE_KEY,
        journal: JOURNAL_KEY,
    }
}

/// A store with `n` entries whose details look like what the order path writes.
fn journal_with(n: u64) -> (TempDir, PathBuf, Store, Vec<JournalEntry>) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    let written = (1..=n)
        .map(|i| {
            let details = json!({
                "intent": i,
                "order": {"symbol": "AAPL", "price": "187.25", "quantity": i},
            });
            store.append(JournalKind::OrderResult, &details).unwrap()
        })
        .collect();
    (tmp, path, store, written)
}

/// A second connection, the way an attacker with the file would edit it.
fn tamper(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA synchronous = OFF;
         DROP TRIGGER IF EXISTS journal_no_update;
         DROP TRIGGER IF EXISTS journal_no_delete;",
    )
    .unwrap();
    conn
}

fn failure(report: VerifyReport) -> (u64, VerifyFailure) {
    match report {
        VerifyReport::Failed { seq, reason } => (seq, reason),
        VerifyReport::Verified { count, .. } => unreachable!("verified {count} entries"),
    }
}

#[test]
fn an_intact_journal_verifies_and_reaches_its_anchor() {
    let (_tmp, _path, store, written) = journal_with(5);
    let head = store.head().unwrap().unwrap();
    assert_eq!(head, written[4].head());
    assert_eq!(head.seq, 5);
    let report = store.verify(Some(&head)).unwrap();
    assert_eq!(
        report,
        VerifyReport::Verified {
            count: 5,
            head: Some(head)
        }
    );
    assert_eq!(
        format_verify(&report),
        "verified 5 entries; chain head seq 5"
    );
    // An older anchor is fine too: the chain extends it.
    assert!(store.verify(Some(&written[1].head())).unwrap().is_ok());
    let entries = store.entries(JournalFilter::default()).unwrap();
    assert_eq!(entries, written);
}

#[test]
fn an_empty_journal_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("p.db"), keys()).unwrap();
    let report = store.verify(None).unwrap();
    assert_eq!(
        report,
        VerifyReport::Verified {
            count: 0,
            head: None
        }
    );
    assert_eq!(store.head().unwrap(), None);
}

/// Flips every byte of every column of every row, one at a time, and restores it.
#[test]
fn flipping_any_byte_of_any_row_is_detected() {
    let (_tmp, path, store, written) = journal_with(4);
    let conn = tamper(&path);
    let mut checked = 0;
    for entry in &written {
        let seq = entry.seq as i64;
        let (at_us, kind, details, mac): (i64, String, Vec<u8>, Vec<u8>) = conn
            .query_row(
                "SELECT at_us, kind, details, mac FROM journal WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();

        for i in 0..8 {
            let flipped = at_us ^ (0x01i64 << (8 * i));
            conn.execute(
                "UPDATE journal SET at_us = ?1 WHERE seq = ?2",
                (flipped, seq),
            )
            .unwrap();
            expect_changed(&store, entry.seq, "at_us", i);
            checked += 1;
        }
        conn.execute("UPDATE journal SET at_us = ?1 WHERE seq = ?2", (at_us, seq))
            .unwrap();

        for i in 0..kind.len() {
            for mask in [0x01u8, 0x80] {
                let mut bytes = kind.clone().into_bytes();
                bytes[i] ^= mask;
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        conn.execute("UPDATE journal SET kind = ?1 WHERE seq = ?2", (text, seq))
                    }
                    Err(e) => conn.execute(
                        "UPDATE journal SET kind = CAST(?1 AS TEXT) WHERE seq = ?2",
                        (e.into_bytes(), seq),
                    ),
                }
                .unwrap();
                expect_changed(&store, entry.seq, "kind", i);
                checked += 1;
            }
        }
        conn.execute("UPDATE journal SET kind = ?1 WHERE seq = ?2", (&kind, seq))
            .unwrap();

        for (column, original) in [("details", &details), ("mac", &mac)] {
            let sql = format!("UPDATE journal SET {column} = ?1 WHERE seq = ?2");
            for i in 0..original.len() {
                let mut bytes = original.clone();
                bytes[i] ^= 0x01;
                conn.execute(&sql, (bytes, seq)).unwrap();
                expect_changed(&store, entry.seq, column, i);
                checked += 1;
            }
            conn.execute(&sql, (original, seq)).unwrap();
        }

        for i in 0..8 {
            let moved = seq ^ (0x80i64 << (8 * i));
            conn.execute("UPDATE journal SET seq = ?1 WHERE seq = ?2", (moved, seq))
                .unwrap();
            let (at, _) = failure(store.verify(None).unwrap());
            assert!(at <= entry.seq, "seq byte {i} of entry {}", entry.seq);
            conn.execute("UPDATE journal SET seq = ?1 WHERE seq = ?2", (seq, moved))
                .unwrap();
            checked += 1;
        }
        assert!(
            store.verify(None).unwrap().is_ok(),
            "restored {}",
            entry.seq
        );
    }
    assert!(checked > 400, "{checked} flips");
}

fn expect_changed(store: &Store, seq: u64, column: &str, byte: usize) {
    let report = store.verify(None).unwrap();
    assert_eq!(
        report,
        VerifyReport::Failed {
            seq,
            reason: VerifyFailure::Changed
        },
        "{column} byte {byte} of entry {seq}"
    );
}

#[test]
fn a_deleted_row_is_missing() {
    let (_tmp, path, store, written) = journal_with(10);
    tamper(&path)
        .execute("DELETE FROM journal WHERE seq = 4", [])
        .unwrap();
    let report = store.verify(Some(&written[9].head())).unwrap();
    assert_eq!(failure(report.clone()), (4, VerifyFailure::Missing));
    assert_eq!(
        format_verify(&report),
        "entry 4 fails: it is missing (deleted from the journal)"
    );
}

#[test]
fn a_deleted_first_row_is_missing() {
    let (_tmp, path, store, _) = journal_with(3);
    tamper(&path)
        .execute("DELETE FROM journal WHERE seq = 1", [])
        .unwrap();
    assert_eq!(
        failure(store.verify(None).unwrap()),
        (1, VerifyFailure::Missing)
    );
}

/// Swaps everything but the seq between two rows, as an attacker reordering history would.
fn swap(conn: &Connection, a: i64, b: i64) {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE hold AS SELECT * FROM journal WHERE seq IN ({a}, {b});
         UPDATE journal SET (at_us, kind, details, mac) =
             (SELECT at_us, kind, details, mac FROM hold
              WHERE hold.seq = CASE journal.seq WHEN {a} THEN {b} ELSE {a} END)
         WHERE seq IN ({a}, {b});
         DROP TABLE hold;"
    ))
    .unwrap();
}

#[test]
fn swapped_rows_are_reordered() {
    let (_tmp, path, store, _) = journal_with(10);
    let conn = tamper(&path);
    swap(&conn, 4, 7);
    let report = store.verify(None).unwrap();
    assert_eq!(
        failure(report.clone()),
        (4, VerifyFailure::Reordered { found: 7 })
    );
    assert_eq!(
        format_verify(&report),
        "entry 4 fails: it holds what was written as entry 7 (entries were reordered)"
    );
    swap(&conn, 4, 7);
    assert!(store.verify(None).unwrap().is_ok());

    swap(&conn, 9, 10);
    assert_eq!(
        failure(store.verify(None).unwrap()),
        (9, VerifyFailure::Reordered { found: 10 })
    );
}

#[test]
fn a_deleted_row_with_the_rest_renumbered_is_caught() {
    let (_tmp, path, store, _) = journal_with(6);
    let conn = tamper(&path);
    conn.execute_batch(
        "DELETE FROM journal WHERE seq = 3;
         UPDATE journal SET seq = seq - 1 WHERE seq > 3;",
    )
    .unwrap();
    assert_eq!(
        failure(store.verify(None).unwrap()),
        (3, VerifyFailure::Reordered { found: 4 })
    );
}

#[test]
fn dropping_the_last_rows_is_caught_by_the_anchor() {
    let (_tmp, path, store, written) = journal_with(10);
    let anchor = store.head().unwrap().unwrap();
    tamper(&path)
        .execute("DELETE FROM journal WHERE seq > 8", [])
        .unwrap();

    // Without the anchor a shorter journal looks whole: that is why the vault keeps it.
    assert!(store.verify(None).unwrap().is_ok());
    let report = store.verify(Some(&anchor)).unwrap();
    assert_eq!(
        failure(report.clone()),
        (
            9,
            VerifyFailure::Truncated {
                expected_head: anchor,
                found: Some(written[7].head()),
            }
        )
    );
    assert!(format_verify(&report).contains("ends at entry 8"));

    tamper(&path).execute("DELETE FROM journal", []).unwrap();
    assert_eq!(
        failure(store.verify(Some(&anchor)).unwrap()),
        (
            1,
            VerifyFailure::Truncated {
                expected_head: anchor,
                found: None
            }
        )
    );
}

#[test]
fn a_replaced_journal_does_not_match_the_anchor() {
    let (_tmp, _path, store, _) = journal_with(5);
    let anchor = store.head().unwrap().unwrap();
    let (_tmp2, _path2, other, _) = journal_with(7);
    // The other file's chain is intact on its own, but its entry 5 is not the recorded head.
    assert_eq!(
        failure(other.verify(Some(&anchor)).unwrap()),
        (
            5,
            VerifyFailure::HeadMismatch {
                expected_head: anchor
            }
        )
    );
}

#[test]
fn the_wrong_journal_key_fails_verify_and_refuses_appends() {
    let (_tmp, path, store, _) = journal_with(3);
    drop(store);
    let store = Store::open(
        &path,
        StoreKeys {
            cache: CACHE_KEY,
            journal: [0x99; 32],
        },
    )
    .unwrap();
    assert_eq!(
        failure(store.verify(None).unwrap()),
        (1, VerifyFailure::WrongKey)
    );
    let err = store.append(JournalKind::Login, &json!({})).unwrap_err();
    assert!(matches!(err, StoreError::JournalKeyMismatch), "{err}");
    drop(store);

    // The right key still works: nothing was written under the wrong one.
    let store = Store::open(&path, keys()).unwrap();
    assert!(store.verify(None).unwrap().is_ok());
    assert_eq!(store.append(JournalKind::Login, &json!({})).unwrap().seq, 4);
}

#[test]
fn a_details_blob_moved_to_another_row_does_not_open() {
    let (_tmp, path, store, _) = journal_with(3);
    tamper(&path)
        .execute(
            "UPDATE journal SET details = (SELECT details FROM journal WHERE seq = 1)
             WHERE seq = 2",
            [],
        )
        .unwrap();
    let err = store.entries(JournalFilter::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::JournalUnreadable { seq: 2, .. }),
        "{err}"
    );
    assert_eq!(failure(store.verify(None).unwrap()).0, 2);
}

#[test]
fn the_journal_is_append_only_through_sql() {
    let (_tmp, path, store, _) = journal_with(2);
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let err = conn
        .execute("DELETE FROM journal WHERE seq = 1", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn
        .execute("UPDATE journal SET kind = 'login' WHERE seq = 2", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn filters_select_by_time_and_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = Clock::system();
    let store = Store::open(&tmp.path().join("p.db"), keys())
        .unwrap()
        .with_clock(clock.clone());
    store.append(JournalKind::Login, &json!({})).unwrap();
    store
        .append(JournalKind::WatchlistChanged, &json!({"added": "MSFT"}))
        .unwrap();
    clock.advance(Duration::from_secs(3600));
    let cut = clock.now() - chrono::TimeDelta::minutes(30);
    store
        .append(JournalKind::WatchlistChanged, &json!({"removed": "MSFT"}))
        .unwrap();
    store.append(JournalKind::Logout, &json!({})).unwrap();

    let seqs = |filter: JournalFilter| -> Vec<u64> {
        store
            .entries(filter)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(seqs(JournalFilter::default()), [1, 2, 3, 4]);
    let since = JournalFilter {
        since: Some(cut),
        kind: None,
    };
    assert_eq!(seqs(since), [3, 4]);
    let kind = JournalFilter {
        since: None,
        kind: Some(JournalKind::WatchlistChanged),
    };
    assert_eq!(seqs(kind), [2, 3]);
    assert_eq!(
        seqs(JournalFilter {
            since: Some(cut),
            kind: Some(JournalKind::WatchlistChanged)
        }),
        [3]
    );
    let third = &store.entries(since).unwrap()[0];
    assert_eq!(third.details, json!({"removed": "MSFT"}));
    assert_eq!(third.kind, JournalKind::WatchlistChanged);
}

#[test]
fn an_order_intent_without_an_answer_stays_on_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.db");
    let store = Store::open(&path, keys()).unwrap();
    let order = json!({"orderType": "LIMIT", "price": "187.25", "symbol": "AAPL"});
    let first = store
        .append(JournalKind::OrderSubmitted, &json!({"order": order}))
        .unwrap();
    store
        .append(
            JournalKind::OrderResult,
            &json!({"intent": first.seq, "status": 201, "orderId": 1001}),
        )
        .unwrap();
    let second = store
        .append(JournalKind::OrderSubmitted, &json!({"order": order}))
        .unwrap();
    // The process dies here, before the answer: the intent must survive a reopen.
    drop(store);

    let store = Store::open(&path, keys()).unwrap();
    let open = store.unanswered_orders().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].seq, second.seq);
    assert_eq!(open[0].details["order"]["price"], "187.25");
    store
        .append(
            JournalKind::OrderOutcomeUnknown,
            &json!({"intent": second.seq, "error": "timed out"}),
        )
        .unwrap();
    assert!(store.unanswered_orders().unwrap().is_empty());
}

#[test]
fn the_anchor_round_trips_as_json() {
    let (_tmp, _path, store, _) = journal_with(2);
    let head = store.head().unwrap().unwrap();
    let text = serde_json::to_string(&head).unwrap();
    let back: JournalHead = serde_json::from_str(&text).unwrap();
    assert!(store.verify(Some(&back)).unwrap().is_ok());
}
