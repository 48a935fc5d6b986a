//! The sealed cache: the last positions, balances, quotes and orders, each with when it was
//! fetched, so start-up can draw something before the network answers.
//!
//! It can be lost at no cost: a value that will not open drops the whole cache, once, loudly.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use zeroize::Zeroizing;

use super::journal::JournalKind;
use super::seal::Place;
use super::{Inner, Store, StoreError, Sync};

/// What a cache row holds. Stored by name, so a new kind needs no schema change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheKind {
    /// Accounts with their balances and positions (`Vec<broker::Account>`).
    Accounts,
    /// A watchlist's quotes (`Vec<broker::QuoteRow>`), scoped by watchlist name.
    Quotes,
    /// Working and recent orders, scoped by account or `"all"`.
    Orders,
}

impl CacheKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheKind::Accounts => "accounts",
            CacheKind::Quotes => "quotes",
            CacheKind::Orders => "orders",
        }
    }
}

/// A cached value and when it was fetched from the API, for the "as of 14:02" label.
#[derive(Clone, Debug, PartialEq)]
pub struct Cached<T> {
    pub value: T,
    pub fetched_at: DateTime<Utc>,
}

/// Why the cache was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheDropReason {
    /// The vault's cache key is not the one the cache was sealed with (it was lost and
    /// replaced, or the file came from another machine).
    KeyChanged,
    /// A value did not open: changed on disk, moved to another row, or damaged.
    Unreadable,
}

impl CacheDropReason {
    fn as_str(self) -> &'static str {
        match self {
            CacheDropReason::KeyChanged => "key-changed",
            CacheDropReason::Unreadable => "unreadable",
        }
    }
}

/// The one-time message owed to the user after the cache was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheNotice {
    pub reason: CacheDropReason,
}

impl CacheNotice {
    /// A line for the status bar; says what happened and that nothing needs doing.
    pub fn message(&self) -> &'static str {
        match self.reason {
            CacheDropReason::KeyChanged => {
                "the saved cache was sealed with another key and has been cleared; \
                 refreshing from Schwab"
            }
            CacheDropReason::Unreadable => {
                "the saved cache was unreadable and has been cleared; refreshing from Schwab"
            }
        }
    }
}

impl Store {
    /// Replaces the cached value for `kind` and `scope`.
    ///
    /// `scope` names the row (a watchlist name, an account hash, `"all"`) and is never written
    /// to the file: rows are keyed by an HMAC of it under the cache key. The value is sealed
    /// to this row and to `fetched_at`, so neither can be changed on disk without it failing
    /// to open. Written without an fsync per commit: a cache lost to power failure refills.
    /// Values are API data (accounts, quotes, orders), never tokens or other credentials.
    pub fn put_cache<T: Serialize + ?Sized>(
        &self,
        kind: CacheKind,
        scope: &str,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tag = self.scope_tag(kind, scope);
        let fetched_us = fetched_at.timestamp_micros();
        let plain = Zeroizing::new(serde_json::to_vec(value)?);
        let row = row_id(kind, &tag, fetched_us);
        let sealed = self.keys.cache_seal.seal(&place(&row), &plain)?;

        let mut inner = self.lock();
        inner.set_sync(Sync::Normal)?;
        inner
            .conn
            .prepare_cached(
                "INSERT INTO cache (kind, scope_tag, fetched_at_us, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, scope_tag) DO UPDATE
                 SET fetched_at_us = excluded.fetched_at_us, value = excluded.value",
            )?
            .execute(params![kind.as_str(), tag.as_slice(), fetched_us, sealed])?;
        Ok(())
    }

    /// The cached value for `kind` and `scope`, or `None` when there is none.
    ///
    /// A value that will not open (wrong key, changed, moved from another row) drops the whole
    /// cache: one warning in the log, one `cache-dropped` journal entry, and a notice for
    /// [`Store::take_cache_notice`]; this call then returns `Ok(None)` like a miss. A value
    /// that opens but no longer fits `T` (its type changed between versions) is deleted
    /// quietly, because it is merely stale.
    pub fn get_cache<T: DeserializeOwned>(
        &self,
        kind: CacheKind,
        scope: &str,
    ) -> Result<Option<Cached<T>>, StoreError> {
        let tag = self.scope_tag(kind, scope);
        let mut inner = self.lock();
        let found: Option<(i64, Vec<u8>)> = inner
            .conn
            .prepare_cached(
                "SELECT fetched_at_us, value FROM cache WHERE kind = ?1 AND scope_tag = ?2",
            )?
            .query_row(params![kind.as_str(), tag.as_slice()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let Some((fetched_us, sealed)) = found else {
            return Ok(None);
        };

        let row = row_id(kind, &tag, fetched_us);
        let opened = self.keys.cache_seal.open(&place(&row), &sealed);
        let fetched_at = DateTime::from_timestamp_micros(fetched_us);
        let (Ok(plain), Some(fetched_at)) = (opened, fetched_at) else {
            self.drop_cache_locked(&mut inner, CacheDropReason::Unreadable)?;
            return Ok(None);
        };
        match serde_json::from_slice::<T>(&plain) {
            Ok(value) => Ok(Some(Cached { value, fetched_at })),
            Err(e) => {
                tracing::debug!(kind = kind.as_str(), error = %e, "stale cache row deleted");
                inner.set_sync(Sync::Normal)?;
                inner.conn.execute(
                    "DELETE FROM cache WHERE kind = ?1 AND scope_tag = ?2",
                    params![kind.as_str(), tag.as_slice()],
                )?;
                Ok(None)
            }
        }
    }

    /// Empties the cache without a notice, e.g. at logout, when the data should not outlive
    /// the session.
    pub fn clear_cache(&self) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.set_sync(Sync::Normal)?;
        inner.conn.execute("DELETE FROM cache", [])?;
        Ok(())
    }

    /// The notice owed to the user since the cache was last dropped, at most once per drop.
    pub fn take_cache_notice(&self) -> Option<CacheNotice> {
        self.lock().notice.take()
    }

    /// Drops every cache row and records why, with the connection already held.
    pub(crate) fn drop_cache_locked(
        &self,
        inner: &mut Inner,
        reason: CacheDropReason,
    ) -> Result<(), StoreError> {
        inner.set_sync(Sync::Normal)?;
        let rows = inner.conn.execute("DELETE FROM cache", [])?;
        tracing::warn!(
            reason = reason.as_str(),
            rows,
            "the cache could not be opened and was dropped; it refills from the API"
        );
        inner.notice = Some(CacheNotice { reason });
        if self.journal_key_ok {
            let details = json!({ "reason": reason.as_str(), "rows": rows });
            self.append_locked(inner, JournalKind::CacheDropped, &details)?;
        }
        Ok(())
    }

    /// The blind index standing in for `scope`: lookups work, the scope never hits the disk.
    fn scope_tag(&self, kind: CacheKind, scope: &str) -> [u8; 32] {
        self.keys
            .cache_index
            .tag(&[kind.as_str().as_bytes(), scope.as_bytes()])
    }
}

/// The row identity a cache value is sealed to: kind, scope tag and fetch time.
///
/// The tag and time have fixed widths, so the concatenation is unambiguous.
fn row_id(kind: CacheKind, tag: &[u8; 32], fetched_us: i64) -> Vec<u8> {
    let mut row = Vec::with_capacity(kind.as_str().len() + 40);
    row.extend_from_slice(kind.as_str().as_bytes());
    row.extend_from_slice(tag);
    row.extend_from_slice(&fetched_us.to_be_bytes());
    row
}

fn place(row: &[u8]) -> Place<'_> {
    Place {
        table: "cache",
        column: "value",
        row,
    }
}
