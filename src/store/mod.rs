//! SQLite on disk: the sealed cache of the last known state, and the MAC-chained audit journal.
//!
//! One file in the data directory (0600 in a 0700 directory, WAL). Values that say anything
//! about the user's money are sealed; keys come from the vault and never touch the file.
//! Callers store order JSON and results here, never tokens or other credentials.

mod cache;
mod journal;
mod output;
mod perms;
mod schema;
mod seal;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroize;

use crate::clock::Clock;

pub use cache::{CacheDropReason, CacheKind, CacheNotice, Cached};
pub use journal::{
    INTENT_FIELD, JournalEntry, JournalFilter, JournalHead, JournalKind, UnknownKind,
    VerifyFailure, VerifyReport,
};
pub use output::{
    entries_json, export_confirmation, export_jsonl, format_entries_table, format_verify,
    verify_json,
};
pub use schema::SCHEMA_VERSION;

use seal::{DerivedKeys, SealError};

/// The file name inside the data directory.
pub const DB_FILE: &str = "palmtree.db";

/// How long a write waits for another palmtree (say `journal show` beside the TUI) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The two 32-byte keys the vault keeps for the store.
///
/// The cache key can be lost at no cost (the cache is dropped and refilled); the journal key
/// cannot, because without it the journal can no longer be verified. `Debug` never shows
/// either, and both are wiped when dropped.
pub struct StoreKeys {
    pub cache: [u8; 32],
    pub journal: [u8; 32],
}

impl StoreKeys {
    /// Two fresh random keys, for the vault to keep on first run.
    pub fn generate() -> Result<StoreKeys, StoreError> {
        let mut keys = StoreKeys {
            cache: [0; 32],
            journal: [0; 32],
        };
        seal::random(&mut keys.cache)?;
        seal::random(&mut keys.journal)?;
        Ok(keys)
    }
}

impl fmt::Debug for StoreKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKeys { cache: [redacted], journal: [redacted] }")
    }
}

impl Drop for StoreKeys {
    fn drop(&mut self) {
        self.cache.zeroize();
        self.journal.zeroize();
    }
}

/// What can go wrong with the store. Messages name the file and what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not prepare {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to use {} for the store: {reason}", path.display())]
    Insecure { path: PathBuf, reason: &'static str },
    #[error("the store database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the store was written by a newer palmtree (schema {found}, this build knows \
         {supported}); upgrade palmtree, or move the file aside to start afresh"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("SQLite would not switch the store to WAL mode (it stayed in {0} mode)")]
    NotWal(String),
    #[error("the operating system's random number generator failed")]
    Random,
    #[error("a value is too large to seal")]
    TooLarge,
    #[error("could not encode a value for the store: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "the journal key in the vault is not the one this journal was written with, so new \
         entries would not verify; nothing was recorded (restore the vault's journal key, or \
         export and move the database aside to start a new journal)"
    )]
    JournalKeyMismatch,
    #[error("journal entry {seq} could not be read ({why}); run `palmtree journal verify`")]
    JournalUnreadable { seq: u64, why: &'static str },
    #[error("the journal is full")]
    JournalFull,
}

impl From<SealError> for StoreError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Random => StoreError::Random,
            SealError::TooLarge => StoreError::TooLarge,
        }
    }
}

/// The open store. Share it as `Arc<Store>`; calls block, so async code runs them in
/// `spawn_blocking`.
///
/// One connection behind a mutex: SQLite serialises writers anyway, and every call here is a
/// short transaction, so a pool would buy nothing but more file handles.
pub struct Store {
    inner: Mutex<Inner>,
    keys: DerivedKeys,
    path: PathBuf,
    clock: Clock,
    /// False when the journal was written under another key; appends are then refused.
    journal_key_ok: bool,
}

pub(crate) struct Inner {
    pub conn: Connection,
    sync: Sync,
    /// The cache was dropped and the user has not been told yet.
    pub notice: Option<CacheNotice>,
}

/// How hard a commit waits for the disk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sync {
    /// fsync of the WAL on every commit: a journal entry that returned survives power loss.
    Full,
    /// No fsync per commit: a cache write may be lost to power loss, never corrupted.
    Normal,
}

impl Inner {
    /// Switches `synchronous` only when it changes, since journal and cache writes alternate.
    pub(crate) fn set_sync(&mut self, sync: Sync) -> Result<(), StoreError> {
        if self.sync != sync {
            let value = match sync {
                Sync::Full => "FULL",
                Sync::Normal => "NORMAL",
            };
            self.conn.pragma_update(None, "synchronous", value)?;
            self.sync = sync;
        }
        Ok(())
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store at `path` and brings its schema up to date.
    ///
    /// Creates the directory 0700 and the file 0600, tightening either with a warning if it is
    /// looser. WAL with `synchronous=FULL` for journal commits, so an order intent that was
    /// recorded is on disk before the order leaves. When the cache key differs from the one the
    /// cache was sealed with, the cache is dropped here and [`Store::take_cache_notice`] says so.
    ///
    /// A dropped cache is recorded as a `cache-dropped` journal entry, so the journal can grow
    /// here and in [`Store::get_cache`]: refresh the vault's anchor from [`Store::head`] after
    /// either. A stale anchor still verifies (the chain extends it); it only guards less.
    pub fn open(path: &Path, keys: StoreKeys) -> Result<Store, StoreError> {
        perms::prepare(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal(mode));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The file may have been edited by someone else; never run functions its schema names.
        conn.pragma_update(None, "trusted_schema", "OFF")?;
        schema::migrate(&mut conn)?;
        perms::tighten_companions(path)?;

        let derived = DerivedKeys::new(&keys.cache, &keys.journal);
        drop(keys);
        let inner = Inner {
            conn,
            sync: Sync::Full,
            notice: None,
        };
        let cache_key_ok = check_key(&inner.conn, "cache_key_check", &derived.cache_check, true)?;
        let journal_empty = journal::is_empty(&inner.conn)?;
        let journal_key_ok = check_key(
            &inner.conn,
            "journal_key_check",
            &derived.journal_check,
            journal_empty,
        )?;
        if !journal_key_ok {
            tracing::warn!("the journal key does not match this journal; appends are refused");
        }

        let store = Store {
            inner: Mutex::new(inner),
            keys: derived,
            path: path.to_path_buf(),
            clock: Clock::system(),
            journal_key_ok,
        };
        if !cache_key_ok {
            let mut inner = store.lock();
            store.drop_cache_locked(&mut inner, CacheDropReason::KeyChanged)?;
        }
        Ok(store)
    }

    /// Uses `clock` for journal timestamps, so tests can place entries in time.
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the WAL into the database and closes, for a clean exit.
    ///
    /// Dropping the store also closes it; this only makes the `-wal` file small again and
    /// reports errors instead of swallowing them.
    pub fn close(self) -> Result<(), StoreError> {
        let inner = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        inner
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        inner.conn.close().map_err(|(_, e)| StoreError::Sqlite(e))
    }

    /// The connection. A panic while it was held leaves SQLite consistent (an open
    /// transaction rolls back when dropped), so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Compares the stored key check with `expected`, recording it when absent.
///
/// `replace` decides what a mismatch does: the cache's check is replaced (its contents are
/// dropped by the caller), the journal's is kept while entries depend on the old key.
fn check_key(
    conn: &Connection,
    name: &str,
    expected: &[u8; 32],
    replace: bool,
) -> Result<bool, StoreError> {
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()?;
    let matches = match &stored {
        None => true,
        Some(value) => value.as_slice() == expected.as_slice(),
    };
    if stored.is_none() || (!matches && replace) {
        conn.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            rusqlite::params![name, expected.as_slice()],
        )?;
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_debug_is_redacted() {
        let keys = StoreKeys {
            cache: [0xab; 32],
            journal: [0xcd; 32],
        };
        let shown = format!("{keys:?}");
        assert!(!shown.contains("171") && !shown.contains("ab"), "{shown}");
        let fresh = StoreKeys::generate().unwrap();
        assert_ne!(fresh.cache, fresh.journal);
    }

    #[test]
    fn opens_in_wal_mode_with_a_busy_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join(DB_FILE), StoreKeys::generate().unwrap()).unwrap();
        let inner = store.lock();
        let mode: String = inner
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = inner
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
    }
}
