//! What `palmtree journal show|verify|export` print, as pure functions over journal values.
//!
//! Details can hold text the API sent (rejection messages), so the table sanitises every cell;
//! the JSON forms rely on serde_json escaping control characters.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::journal::{JournalEntry, JournalHead, VerifyFailure, VerifyReport, hex};
use crate::sanitize;

/// The widest a details cell gets in the table; the JSON form has them whole.
const DETAILS_WIDTH: usize = 96;

/// A table of entries for `journal show`: seq, UTC time, kind, details as compact JSON.
pub fn format_entries_table(entries: &[JournalEntry]) -> String {
    if entries.is_empty() {
        return "no journal entries match\n".to_string();
    }
    let rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            [
                e.seq.to_string(),
                e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.kind.as_str().to_string(),
                sanitize::clean(&e.details.to_string(), DETAILS_WIDTH),
            ]
        })
        .collect();
    let header = ["SEQ", "TIME (UTC)", "KIND", "DETAILS"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }

    let mut out = String::new();
    let mut line = |cells: [&str; 4]| {
        let text = format!(
            "{:>w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
    out
}

/// One entry as JSON: `{"seq", "at" (RFC 3339, UTC), "kind", "details", "mac" (hex)}`.
fn entry_json(entry: &JournalEntry) -> Value {
    json!({
        "seq": entry.seq,
        "at": entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "kind": entry.kind.as_str(),
        "details": entry.details,
        "mac": hex(&entry.mac),
    })
}

/// The entries as a JSON array, for `journal show --json`.
pub fn entries_json(entries: &[JournalEntry]) -> Value {
    Value::Array(entries.iter().map(entry_json).collect())
}

/// Writes the entries as JSON Lines, one entry object a line, for `journal export`.
///
/// The copy is not sealed: call it only after the user confirmed
/// [`export_confirmation`]. Each line keeps the entry's MAC, so the export can later be
/// checked against a journal (and its head against the vault).
pub fn export_jsonl(entries: &[JournalEntry], out: &mut impl Write) -> io::Result<()> {
    for entry in entries {
        serde_json::to_writer(&mut *out, &entry_json(entry))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The question `journal export` asks before writing.
pub fn export_confirmation(path: &Path, count: usize) -> String {
    format!(
        "The export is a plain, unsealed copy of {count} journal entries: anyone who can read \
         {} can read your order history and account activity. Write it? [y/N] ",
        path.display()
    )
}

/// The line `journal verify` prints.
pub fn format_verify(report: &VerifyReport) -> String {
    match report {
        VerifyReport::Verified { count: 0, .. } => {
            "verified 0 entries; the journal is empty".to_string()
        }
        VerifyReport::Verified { count, head } => {
            let head = head.map_or(0, |h| h.seq);
            let noun = if *count == 1 { "entry" } else { "entries" };
            format!("verified {count} {noun}; chain head seq {head}")
        }
        VerifyReport::Failed { seq, reason } => format!("entry {seq} fails: {}", why(reason)),
    }
}

fn why(reason: &VerifyFailure) -> String {
    match reason {
        VerifyFailure::Changed => "it was changed after it was written".to_string(),
        VerifyFailure::Missing => "it is missing (deleted from the journal)".to_string(),
        VerifyFailure::Reordered { found } => {
            format!("it holds what was written as entry {found} (entries were reordered)")
        }
        VerifyFailure::BadSequence { found } => {
            format!("a row carries the impossible sequence number {found}")
        }
        VerifyFailure::Truncated {
            expected_head,
            found,
        } => {
            let ends = found.map_or("the journal is empty".to_string(), |h| {
                format!("the journal ends at entry {}", h.seq)
            });
            format!(
                "it is missing: {ends}, but the vault recorded entry {} as the head \
                 (entries were removed from the end)",
                expected_head.seq
            )
        }
        VerifyFailure::HeadMismatch { .. } => "it is not the entry the vault recorded as the \
             head (the journal was replaced or rolled back)"
            .to_string(),
        VerifyFailure::WrongKey => "the vault's journal key is not the one this journal was \
             written with"
            .to_string(),
    }
}

/// The verify outcome as JSON, for `journal verify --json`.
pub fn verify_json(report: &VerifyReport) -> Value {
    let head = |h: &Option<JournalHead>| match h {
        Some(h) => json!({ "seq": h.seq, "mac": h.mac_hex() }),
        None => Value::Null,
    };
    match report {
        VerifyReport::Verified { count, head: h } => {
            json!({ "ok": true, "count": count, "head": head(h) })
        }
        VerifyReport::Failed { seq, reason } => {
            let kind = match reason {
                VerifyFailure::Changed => "changed",
                VerifyFailure::Missing => "missing",
                VerifyFailure::Reordered { .. } => "reordered",
                VerifyFailure::BadSequence { .. } => "bad-sequence",
                VerifyFailure::Truncated { .. } => "truncated",
                VerifyFailure::HeadMismatch { .. } => "head-mismatch",
                VerifyFailure::WrongKey => "wrong-key",
            };
            json!({
                "ok": false,
                "seq": seq,
                "reason": kind,
                "message": format_verify(report),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::store::JournalKind;

    fn entry(seq: u64, kind: JournalKind, details: Value) -> JournalEntry {
        JournalEntry {
            seq,
            at: Utc.with_ymd_and_hms(2026, 12, 3, 14, 2, 11).unwrap(),
            kind,
            details,
            mac: [0x0f; 32],
        }
    }

    #[test]
    fn table_lines_up_and_cleans_hostile_text() {
        let entries = [
            entry(1, JournalKind::Login, json!({})),
            entry(
                12,
                JournalKind::OrderResult,
                json!({"intent": 11, "message": "rejected\u{1b}]0;pwned\u{7}\u{202e}"}),
            ),
        ];
        let table = format_entries_table(&entries);
        let expected = [
            "SEQ  TIME (UTC)           KIND          DETAILS",
            "  1  2026-12-03 14:02:11  login         {}",
            concat!(
                " 12  2026-12-03 14:02:11  order-result  ",
                r#"{"intent":11,"message":"rejected\u001b]0;pwned\u0007"#,
                "\u{fffd}\"}",
            ),
            "",
        ]
        .join("\n");
        assert_eq!(table, expected);
        assert!(!table.contains('\u{1b}') && !table.contains('\u{202e}'));
        assert_eq!(format_entries_table(&[]), "no journal entries match\n");
    }

    #[test]
    fn json_and_jsonl_carry_every_field() {
        let entries = [entry(3, JournalKind::Logout, json!({"why": "user"}))];
        let value = entries_json(&entries);
        assert_eq!(
            value,
            json!([{
                "seq": 3,
                "at": "2026-12-03T14:02:11.000000Z",
                "kind": "logout",
                "details": {"why": "user"},
                "mac": "0f".repeat(32),
            }])
        );
        let mut out = Vec::new();
        export_jsonl(&entries, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert_eq!(
            serde_json::from_str::<Value>(text.trim()).unwrap(),
            value[0]
        );
    }

    #[test]
    fn verify_lines() {
        let head = JournalHead {
            seq: 1234,
            mac: [1; 32],
        };
        let ok = VerifyReport::Verified {
            count: 1234,
            head: Some(head),
        };
        assert_eq!(
            format_verify(&ok),
            "verified 1234 entries; chain head seq 1234"
        );
        let changed = VerifyReport::Failed {
            seq: 57,
            reason: VerifyFailure::Changed,
        };
        assert_eq!(
            format_verify(&changed),
            "entry 57 fails: it was changed after it was written"
        );
        let cut = VerifyReport::Failed {
            seq: 991,
            reason: VerifyFailure::Truncated {
                expected_head: JournalHead { seq: 1000, ..head },
                found: Some(JournalHead { seq: 990, ..head }),
            },
        };
        assert_eq!(
            format_verify(&cut),
            "entry 991 fails: it is missing: the journal ends at entry 990, but the vault \
             recorded entry 1000 as the head (entries were removed from the end)"
        );
        assert_eq!(verify_json(&changed)["reason"], "changed");
        assert_eq!(verify_json(&ok)["head"]["seq"], 1234);
    }
}
