//! Schema migrations, run at open inside one write transaction.
//!
//! `PRAGMA user_version` holds the version. Every version's SQL stays here unchanged once
//! released, so a database from any earlier palmtree upgrades by the same steps it always did.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Version 1: the cache and the journal.
///
/// The cache is keyed by a blind index of its scope, never the scope itself, because a scope
/// can be an account hash. Its values are sealed; `fetched_at_us` is plain so the age of the
/// cache can be read without opening it, and it is bound into the value's associated data.
/// The journal's `seq` is the rowid, so rows come back in the order they were written.
const V1: &str = "
CREATE TABLE cache (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    scope_tag     BLOB    NOT NULL,
    fetched_at_us INTEGER NOT NULL,
    value         BLOB    NOT NULL,
    UNIQUE (kind, scope_tag)
);
CREATE TABLE journal (
    seq     INTEGER PRIMARY KEY,
    at_us   INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    details BLOB    NOT NULL,
    mac     BLOB    NOT NULL
);
";

/// Version 2: key checks, and triggers that make the journal append-only.
///
/// The triggers stop palmtree's own code from ever rewriting history; they do not stop an
/// attacker with the file, which is the MAC chain's job. The `meta` rows hold a MAC of a fixed
/// label under each key, so a key the vault replaced is noticed at open instead of as a
/// mysterious failure later.
const V2: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only');
END;
";

/// Each entry upgrades from version `index` to `index + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2];

/// The version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Upgrades `conn` to [`SCHEMA_VERSION`], returning the version it found.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Upgrades `conn` to `target`, all steps in one transaction so a crash leaves the old version.
///
/// `BEGIN IMMEDIATE` takes the write lock before reading the version, so two palmtrees opening
/// the same old file cannot both run the same step.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found >= target {
        return Ok(found);
    }
    for step in MIGRATIONS.iter().take(target as usize).skip(found as usize) {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    if found > 0 {
        tracing::info!(from = found, to = target, "store schema upgraded");
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::store::{CacheKind, JournalKind, Store, StoreKeys, VerifyReport};

    fn keys() -> StoreKeys {
        StoreKeys {
            cache: [3; 32],
            journal: [4; 32],
        }
    }

    fn version(path: &std::path::Path) -> u32 {
        let conn = Connection::open(path).unwrap();
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn opens_a_missing_file_and_an_empty_one() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("new.db");
        drop(Store::open(&missing, keys()).unwrap());
        assert_eq!(version(&missing), SCHEMA_VERSION);

        let empty = tmp.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        let store = Store::open(&empty, keys()).unwrap();
        assert_eq!(store.head().unwrap(), None);
        drop(store);
        assert_eq!(version(&empty), SCHEMA_VERSION);
    }

    /// Builds a file at every earlier version with that version's own SQL, fills it with rows
    /// in the format palmtree writes (the row formats have not changed between versions), and
    /// checks the current code opens it, keeps the rows, appends and verifies.
    #[test]
    fn upgrades_from_every_earlier_version() {
        let tmp = tempfile::tempdir().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 14, 2, 0).unwrap();
        let reference = tmp.path().join("reference.db");
        let store = Store::open(&reference, keys()).unwrap();
        store
            .put_cache(CacheKind::Quotes, "default", &vec!["AAPL"], at)
            .unwrap();
        store
            .append(JournalKind::Login, &json!({"user": "demo"}))
            .unwrap();
        drop(store);

        for from in 0..SCHEMA_VERSION {
            let path = tmp.path().join(format!("v{from}.db"));
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, from).unwrap();
            if from >= 1 {
                conn.execute(
                    "ATTACH DATABASE ?1 AS reference",
                    [reference.to_str().unwrap()],
                )
                .unwrap();
                conn.execute_batch(
                    "INSERT INTO journal SELECT * FROM reference.journal;
                     INSERT INTO cache SELECT * FROM reference.cache;
                     DETACH DATABASE reference;",
                )
                .unwrap();
            }
            drop(conn);
            assert_eq!(version(&path), from);

            let store = Store::open(&path, keys()).unwrap();
            let kept = u64::from(from >= 1);
            if from >= 1 {
                let cached = store
                    .get_cache::<Vec<String>>(CacheKind::Quotes, "default")
                    .unwrap()
                    .unwrap();
                assert_eq!(cached.value, vec!["AAPL".to_string()]);
                assert_eq!(cached.fetched_at, at);
            }
            let next = store.append(JournalKind::Logout, &json!({})).unwrap();
            assert_eq!(next.seq, kept + 1, "from {from}");
            let report = store.verify(None).unwrap();
            assert!(
                matches!(report, VerifyReport::Verified { count, .. } if count == kept + 1),
                "from {from}: {report:?}"
            );
            drop(store);
            assert_eq!(version(&path), SCHEMA_VERSION, "from {from}");
        }
    }

    #[test]
    fn refuses_a_newer_schema_without_touching_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("future.db");
        drop(Store::open(&path, keys()).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Store::open(&path, keys()).err().unwrap();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
        assert_eq!(version(&path), SCHEMA_VERSION + 1);
    }

    #[test]
    fn each_step_alone_reaches_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        for v in 1..=SCHEMA_VERSION {
            assert_eq!(migrate_to(&mut conn, v).unwrap(), v - 1);
        }
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
    }
}
