//! The audit journal: append-only entries, each MAC'd over itself and the previous entry's MAC,
//! so a changed, missing or reordered entry breaks the chain, and the vault's copy of the head
//! exposes entries dropped from the end. Details are sealed; the MAC covers the sealed bytes.
//!
//! The journal is the record, not a debug log: it holds what was sent and what came back.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use hmac::Mac;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::seal::{Hmac256, Place, feed};
use super::{Inner, Store, StoreError, Sync};

/// The details field through which an answer names the intent it answers: an `order-result`
/// or `order-outcome-unknown` entry carries `"intent": <seq of the order-submitted entry>`.
pub const INTENT_FIELD: &str = "intent";

/// The MAC input starts with this, so no other HMAC use of the key can collide with an entry.
const MAC_DOMAIN: &[u8] = b"palmtree journal v1";

/// The "previous MAC" of entry 1.
const GENESIS: [u8; 32] = [0; 32];

/// What an entry records.
///
/// Order entries follow one rule: the intent (`order-submitted`, `order-canceled`,
/// `order-replaced`) is appended, and its append has returned, before the request leaves; the
/// answer (`order-result`, or `order-outcome-unknown` when none came) is appended when it
/// arrives. A crash in between leaves the intent on record with no answer, which
/// [`Store::unanswered_orders`] finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JournalKind {
    Login,
    LoginFailed,
    TokenRefreshFailed,
    Logout,
    OrderPreviewed,
    OrderSubmitted,
    OrderResult,
    OrderOutcomeUnknown,
    OrderCanceled,
    OrderReplaced,
    WatchlistChanged,
    ConfigChanged,
    /// The store dropped an unreadable cache; recorded by the store itself.
    CacheDropped,
}

impl JournalKind {
    pub const ALL: [JournalKind; 13] = [
        JournalKind::Login,
        JournalKind::LoginFailed,
        JournalKind::TokenRefreshFailed,
        JournalKind::Logout,
        JournalKind::OrderPreviewed,
        JournalKind::OrderSubmitted,
        JournalKind::OrderResult,
        JournalKind::OrderOutcomeUnknown,
        JournalKind::OrderCanceled,
        JournalKind::OrderReplaced,
        JournalKind::WatchlistChanged,
        JournalKind::ConfigChanged,
        JournalKind::CacheDropped,
    ];

    /// The name used in the database, the CLI's `--kind` and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalKind::Login => "login",
            JournalKind::LoginFailed => "login-failed",
            JournalKind::TokenRefreshFailed => "token-refresh-failed",
            JournalKind::Logout => "logout",
            JournalKind::OrderPreviewed => "order-previewed",
            JournalKind::OrderSubmitted => "order-submitted",
            JournalKind::OrderResult => "order-result",
            JournalKind::OrderOutcomeUnknown => "order-outcome-unknown",
            JournalKind::OrderCanceled => "order-canceled",
            JournalKind::OrderReplaced => "order-replaced",
            JournalKind::WatchlistChanged => "watchlist-changed",
            JournalKind::ConfigChanged => "config-changed",
            JournalKind::CacheDropped => "cache-dropped",
        }
    }

    /// Whether this kind records a request that changes orders at the broker, and so must be
    /// on record before the request leaves.
    pub fn is_order_intent(self) -> bool {
        matches!(
            self,
            JournalKind::OrderSubmitted | JournalKind::OrderCanceled | JournalKind::OrderReplaced
        )
    }

    fn is_order_answer(self) -> bool {
        matches!(
            self,
            JournalKind::OrderResult | JournalKind::OrderOutcomeUnknown
        )
    }
}

impl fmt::Display for JournalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--kind` value that names no journal kind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown journal kind {0:?}; expected one of: {list}", list = kind_list())]
pub struct UnknownKind(pub String);

fn kind_list() -> String {
    let names: Vec<&str> = JournalKind::ALL.iter().map(|k| k.as_str()).collect();
    names.join(", ")
}

impl FromStr for JournalKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JournalKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// One journal entry with its details opened.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalEntry {
    /// 1, 2, 3, …: a gap means a deleted entry.
    pub seq: u64,
    /// When it was appended, UTC, to the microsecond.
    pub at: DateTime<Utc>,
    pub kind: JournalKind,
    pub details: serde_json::Value,
    pub mac: [u8; 32],
}

impl JournalEntry {
    /// This entry as the chain's head.
    pub fn head(&self) -> JournalHead {
        JournalHead {
            seq: self.seq,
            mac: self.mac,
        }
    }
}

/// The newest entry's seq and MAC. Kept in the vault after every append, it lets verify tell a
/// journal with its newest entries dropped from one that simply ended there.
///
/// Serialises as `{"seq": 1234, "mac": "<64 hex digits>"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHead {
    pub seq: u64,
    #[serde(with = "hex32")]
    pub mac: [u8; 32],
}

impl JournalHead {
    pub fn mac_hex(&self) -> String {
        hex(&self.mac)
    }
}

/// Which entries [`Store::entries`] returns; the default is all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JournalFilter {
    /// Entries appended at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub kind: Option<JournalKind>,
}

/// The outcome of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyReport {
    /// Every entry is intact, in order, and the chain reaches the anchor (when one was given).
    Verified {
        count: u64,
        head: Option<JournalHead>,
    },
    /// The first entry that fails, and why; entries before it verified.
    Failed { seq: u64, reason: VerifyFailure },
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        matches!(self, VerifyReport::Verified { .. })
    }
}

/// Why an entry failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyFailure {
    /// Its time, kind, details or MAC differ from what was written.
    Changed,
    /// There is no entry with this seq, but later ones exist: it was deleted.
    Missing,
    /// This position holds what was written as entry `found`: rows were swapped, or an entry
    /// was deleted and the rest renumbered.
    Reordered { found: u64 },
    /// A row carries a seq no entry can have (zero or negative).
    BadSequence { found: i64 },
    /// The chain ends before the head the vault recorded: newest entries were dropped.
    Truncated {
        expected_head: JournalHead,
        found: Option<JournalHead>,
    },
    /// The entry at the recorded head's seq is not the one recorded: the file was replaced
    /// by another journal or rolled back to a copy and written on.
    HeadMismatch { expected_head: JournalHead },
    /// The vault's journal key is not the one this journal was written with.
    WrongKey,
}

impl Store {
    /// Appends an entry; when it returns, the entry is committed and synced to disk.
    ///
    /// `details` is sealed, so it may hold order JSON, prices and account numbers, but never
    /// tokens or other credentials: the journal is meant to be exported and shown. After it
    /// returns, the caller stores [`JournalEntry::head`] in the vault as the new anchor.
    pub fn append(
        &self,
        kind: JournalKind,
        details: &serde_json::Value,
    ) -> Result<JournalEntry, StoreError> {
        let mut inner = self.lock();
        self.append_locked(&mut inner, kind, details)
    }

    pub(crate) fn append_locked(
        &self,
        inner: &mut Inner,
        kind: JournalKind,
        details: &serde_json::Value,
    ) -> Result<JournalEntry, StoreError> {
        if !self.journal_key_ok {
            return Err(StoreError::JournalKeyMismatch);
        }
        let plain = Zeroizing::new(serde_json::to_vec(details)?);
        let now = self.clock.now();
        let at_us = now.timestamp_micros();
        let at = DateTime::from_timestamp_micros(at_us).unwrap_or(now);

        inner.set_sync(Sync::Full)?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT seq, mac FROM journal ORDER BY seq DESC LIMIT 1")?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (prev_seq, prev_mac) = match last {
            None => (0, GENESIS),
            Some((seq, mac)) => {
                let seq = u64::try_from(seq).map_err(|_| StoreError::JournalUnreadable {
                    seq: 0,
                    why: "the newest entry has a negative seq",
                })?;
                let mac = <[u8; 32]>::try_from(mac.as_slice()).map_err(|_| {
                    StoreError::JournalUnreadable {
                        seq,
                        why: "its MAC is not 32 bytes",
                    }
                })?;
                (seq, mac)
            }
        };
        let seq = prev_seq.checked_add(1).ok_or(StoreError::JournalFull)?;
        let seq_sql = i64::try_from(seq).map_err(|_| StoreError::JournalFull)?;

        let aad = details_row(seq, at_us, kind.as_str().as_bytes());
        let sealed = self.keys.journal_seal.seal(&details_place(&aad), &plain)?;
        let mac: [u8; 32] = self
            .entry_mac(&prev_mac, seq, at_us, kind.as_str().as_bytes(), &sealed)
            .finalize()
            .into_bytes()
            .into();
        tx.prepare_cached(
            "INSERT INTO journal (seq, at_us, kind, details, mac) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            seq_sql,
            at_us,
            kind.as_str(),
            sealed,
            mac.as_slice()
        ])?;
        tx.commit()?;

        Ok(JournalEntry {
            seq,
            at,
            kind,
            details: details.clone(),
            mac,
        })
    }

    /// The newest entry's seq and MAC as stored (not verified), or `None` for an empty journal.
    pub fn head(&self) -> Result<Option<JournalHead>, StoreError> {
        let inner = self.lock();
        let last: Option<(i64, Vec<u8>)> = inner
            .conn
            .query_row(
                "SELECT seq, mac FROM journal ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(last.and_then(|(seq, mac)| {
            Some(JournalHead {
                seq: u64::try_from(seq).ok()?,
                mac: <[u8; 32]>::try_from(mac.as_slice()).ok()?,
            })
        }))
    }

    /// Checks the whole chain, and that it reaches `anchor` (the head kept in the vault).
    ///
    /// Stops at the first entry that fails. Without an anchor, entries dropped from the end
    /// cannot be told from a journal that ended there; with one, they can. Needs no
    /// decryption while the chain is intact: the MAC covers the sealed bytes as stored.
    pub fn verify(&self, anchor: Option<&JournalHead>) -> Result<VerifyReport, StoreError> {
        let inner = self.lock();
        let conn = &inner.conn;
        if !self.journal_key_ok {
            let first: Option<i64> =
                conn.query_row("SELECT min(seq) FROM journal", [], |r| r.get(0))?;
            let seq = first.and_then(|s| u64::try_from(s).ok()).unwrap_or(1);
            return Ok(failed(seq, VerifyFailure::WrongKey));
        }

        let mut stmt =
            conn.prepare("SELECT seq, at_us, kind, details, mac FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut expected: u64 = 1;
        let mut prev = GENESIS;
        let mut mac_at_anchor = None;
        let mut broken = None;
        while let Some(row) = rows.next()? {
            let found: i64 = row.get(0)?;
            if found < 1 {
                return Ok(failed(expected, VerifyFailure::BadSequence { found }));
            }
            if u64::try_from(found).ok() != Some(expected) {
                return Ok(failed(expected, VerifyFailure::Missing));
            }
            let raw = RawEntry::read(row)?;
            let intact = raw.as_ref().is_some_and(|r| {
                self.entry_mac(&prev, expected, r.at_us, &r.kind, &r.details)
                    .verify_slice(&r.mac)
                    .is_ok()
            });
            match raw {
                Some(r) if intact => {
                    prev.copy_from_slice(&r.mac);
                }
                _ => {
                    broken = Some(raw);
                    break;
                }
            }
            if anchor.is_some_and(|a| a.seq == expected) {
                mac_at_anchor = Some(prev);
            }
            expected += 1;
        }
        drop(rows);
        drop(stmt);
        if let Some(raw) = broken {
            let reason = self.classify(conn, expected, raw.as_ref(), anchor)?;
            return Ok(failed(expected, reason));
        }

        let count = expected - 1;
        let head = (count > 0).then_some(JournalHead {
            seq: count,
            mac: prev,
        });
        Ok(match anchor {
            Some(anchor) => reaches(anchor, head, mac_at_anchor),
            None => VerifyReport::Verified { count, head },
        })
    }

    /// Entries matching `filter`, oldest first, with their details opened.
    ///
    /// Each entry's details are sealed to its seq, time and kind, so a row changed on disk
    /// fails here even without a full verify; the chain itself is [`Store::verify`]'s job.
    pub fn entries(&self, filter: JournalFilter) -> Result<Vec<JournalEntry>, StoreError> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare(
            "SELECT seq, at_us, kind, details, mac FROM journal
             WHERE (?1 IS NULL OR at_us >= ?1) AND (?2 IS NULL OR kind = ?2)
             ORDER BY seq",
        )?;
        let since = filter.since.map(|t| t.timestamp_micros());
        let kind = filter.kind.map(JournalKind::as_str);
        let mut rows = stmt.query(params![since, kind])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(self.open_entry(row)?);
        }
        Ok(out)
    }

    /// Order intents with no answer after them: what was in flight when palmtree stopped.
    ///
    /// An answer is an `order-result` or `order-outcome-unknown` entry whose details carry
    /// [`INTENT_FIELD`] with the intent's seq.
    pub fn unanswered_orders(&self) -> Result<Vec<JournalEntry>, StoreError> {
        let all = self.entries(JournalFilter::default())?;
        let answered: std::collections::HashSet<u64> = all
            .iter()
            .filter(|e| e.kind.is_order_answer())
            .filter_map(|e| e.details.get(INTENT_FIELD)?.as_u64())
            .collect();
        Ok(all
            .into_iter()
            .filter(|e| e.kind.is_order_intent() && !answered.contains(&e.seq))
            .collect())
    }

    /// The MAC state over one entry, ready to finalize or to verify against a stored MAC.
    ///
    /// Canonical bytes: `"palmtree journal v1" ‖ prev_mac(32) ‖ seq(u64 BE) ‖ at_us(i64 BE) ‖
    /// len(kind)(u32 BE) ‖ kind ‖ len(details)(u32 BE) ‖ details`, where `details` is the
    /// sealed blob exactly as stored.
    fn entry_mac(
        &self,
        prev: &[u8; 32],
        seq: u64,
        at_us: i64,
        kind: &[u8],
        details: &[u8],
    ) -> hmac::Hmac<sha2::Sha256> {
        mac_state(&self.keys.journal_mac, prev, seq, at_us, kind, details)
    }

    /// Names what went wrong with the entry at `seq`, whose MAC did not check.
    ///
    /// Its details are sealed to their own seq, time and kind: if they open there, something
    /// else in the row changed; if they open under another seq, the row was moved from there.
    fn classify(
        &self,
        conn: &Connection,
        seq: u64,
        raw: Option<&RawEntry>,
        anchor: Option<&JournalHead>,
    ) -> Result<VerifyFailure, StoreError> {
        let Some(raw) = raw else {
            return Ok(VerifyFailure::Changed);
        };
        let sealer = &self.keys.journal_seal;
        let opens_as = |k: u64| {
            let aad = details_row(k, raw.at_us, &raw.kind);
            sealer.open(&details_place(&aad), &raw.details).is_ok()
        };
        if opens_as(seq) {
            return Ok(VerifyFailure::Changed);
        }
        let max: Option<i64> = conn.query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))?;
        let max = max
            .and_then(|m| u64::try_from(m).ok())
            .unwrap_or(0)
            .max(anchor.map_or(0, |a| a.seq));
        Ok((1..=max)
            .filter(|&k| k != seq)
            .find(|&k| opens_as(k))
            .map_or(VerifyFailure::Changed, |found| VerifyFailure::Reordered {
                found,
            }))
    }

    fn open_entry(&self, row: &Row<'_>) -> Result<JournalEntry, StoreError> {
        let seq_raw: i64 = row.get(0)?;
        let seq = u64::try_from(seq_raw).unwrap_or(0);
        let unreadable = |why| StoreError::JournalUnreadable { seq, why };
        let raw = RawEntry::read(row)?.ok_or(unreadable("a column has the wrong type"))?;
        let kind = std::str::from_utf8(&raw.kind)
            .ok()
            .and_then(|k| k.parse::<JournalKind>().ok())
            .ok_or(unreadable("its kind is unknown"))?;
        let aad = details_row(seq, raw.at_us, &raw.kind);
        let plain = self
            .keys
            .journal_seal
            .open(&details_place(&aad), &raw.details)
            .map_err(|_| unreadable("its sealed details do not open"))?;
        let details =
            serde_json::from_slice(&plain).map_err(|_| unreadable("its details are not JSON"))?;
        let at = DateTime::from_timestamp_micros(raw.at_us).ok_or(unreadable("bad time"))?;
        let mac = <[u8; 32]>::try_from(raw.mac.as_slice())
            .map_err(|_| unreadable("its MAC is not 32 bytes"))?;
        Ok(JournalEntry {
            seq,
            at,
            kind,
            details,
            mac,
        })
    }
}

/// A journal row's columns as stored, before anything is trusted.
struct RawEntry {
    at_us: i64,
    kind: Vec<u8>,
    details: Vec<u8>,
    mac: Vec<u8>,
}

impl RawEntry {
    /// `None` when a column has a type palmtree never writes: that row was edited.
    fn read(row: &Row<'_>) -> Result<Option<RawEntry>, StoreError> {
        let at_us = match row.get_ref(1)? {
            ValueRef::Integer(i) => i,
            _ => return Ok(None),
        };
        let bytes = |i: usize| -> Result<Option<Vec<u8>>, StoreError> {
            Ok(match row.get_ref(i)? {
                ValueRef::Text(b) | ValueRef::Blob(b) => Some(b.to_vec()),
                _ => None,
            })
        };
        let (Some(kind), Some(details), Some(mac)) = (bytes(2)?, bytes(3)?, bytes(4)?) else {
            return Ok(None);
        };
        Ok(Some(RawEntry {
            at_us,
            kind,
            details,
            mac,
        }))
    }
}

fn mac_state(
    key: &Hmac256,
    prev: &[u8; 32],
    seq: u64,
    at_us: i64,
    kind: &[u8],
    details: &[u8],
) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = key.start();
    mac.update(MAC_DOMAIN);
    mac.update(prev);
    mac.update(&seq.to_be_bytes());
    mac.update(&at_us.to_be_bytes());
    feed(&mut mac, kind);
    feed(&mut mac, details);
    mac
}

/// What an entry's details are sealed to: its seq, time and kind (fixed widths, kind last).
fn details_row(seq: u64, at_us: i64, kind: &[u8]) -> Vec<u8> {
    let mut row = Vec::with_capacity(16 + kind.len());
    row.extend_from_slice(&seq.to_be_bytes());
    row.extend_from_slice(&at_us.to_be_bytes());
    row.extend_from_slice(kind);
    row
}

fn details_place(row: &[u8]) -> Place<'_> {
    Place {
        table: "journal",
        column: "details",
        row,
    }
}

/// Whether an intact chain ending at `head` reaches the vault's `anchor`.
///
/// `mac_at_anchor` is the verified MAC of the entry at the anchor's seq, if the chain has one.
fn reaches(
    anchor: &JournalHead,
    head: Option<JournalHead>,
    mac_at_anchor: Option<[u8; 32]>,
) -> VerifyReport {
    let count = head.map_or(0, |h| h.seq);
    if anchor.seq > count {
        let reason = VerifyFailure::Truncated {
            expected_head: *anchor,
            found: head,
        };
        return failed(count + 1, reason);
    }
    if anchor.seq > 0 && mac_at_anchor != Some(anchor.mac) {
        let reason = VerifyFailure::HeadMismatch {
            expected_head: *anchor,
        };
        return failed(anchor.seq, reason);
    }
    VerifyReport::Verified { count, head }
}

fn failed(seq: u64, reason: VerifyFailure) -> VerifyReport {
    VerifyReport::Failed { seq, reason }
}

pub(crate) fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    let any: Option<i64> = conn
        .query_row("SELECT seq FROM journal LIMIT 1", [], |r| r.get(0))
        .optional()?;
    Ok(any.is_none())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Serde for a 32-byte MAC as 64 lowercase hex digits.
mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(mac: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(mac))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return Err(D::Error::custom("a MAC is 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks_exact(2).enumerate() {
            let pair = std::str::from_utf8(pair).map_err(D::Error::custom)?;
            out[i] = u8::from_str_radix(pair, 16).map_err(D::Error::custom)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in JournalKind::ALL {
            assert_eq!(kind.as_str().parse::<JournalKind>().unwrap(), kind);
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::String(kind.as_str().into()));
        }
        let err = "order-sent".parse::<JournalKind>().unwrap_err();
        assert!(err.to_string().contains("order-submitted"), "{err}");
    }

    #[test]
    fn head_serialises_as_hex() {
        let head = JournalHead {
            seq: 7,
            mac: [0xa5; 32],
        };
        let text = serde_json::to_string(&head).unwrap();
        assert_eq!(
            text,
            format!("{{\"seq\":7,\"mac\":\"{}\"}}", "a5".repeat(32))
        );
        assert_eq!(serde_json::from_str::<JournalHead>(&text).unwrap(), head);
        assert!(serde_json::from_str::<JournalHead>(r#"{"seq":1,"mac":"zz"}"#).is_err());
    }

    /// Pins the MAC encoding: a change here breaks every journal already written.
    #[test]
    fn mac_encoding_is_pinned() {
        let key = Hmac256::new(&[0x42; 32]);
        let mac = mac_state(
            &key,
            &GENESIS,
            1,
            1_780_000_000_000_000,
            b"login",
            b"\x01sealed",
        );
        let mut manual = key.start();
        manual.update(b"palmtree journal v1");
        manual.update(&[0; 32]);
        manual.update(&1u64.to_be_bytes());
        manual.update(&1_780_000_000_000_000i64.to_be_bytes());
        manual.update(&5u32.to_be_bytes());
        manual.update(b"login");
        manual.update(&7u32.to_be_bytes());
        manual.update(b"\x01sealed");
        assert_eq!(mac.finalize().into_bytes(), manual.finalize().into_bytes());
    }
}
