//! `palmtree journal show|verify|export`: reading and checking the audit journal.
//!
//! `verify` exits non-zero on the first failure; `export` writes an unsealed copy only after
//! the user confirms, since anyone who can read that file can read the order history.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::session::Records;
use crate::store::{
    JournalFilter, JournalKind, VerifyReport, entries_json, export_confirmation, export_jsonl,
    format_entries_table, format_verify, verify_json,
};

/// Parses `--since`: a date (`2026-12-01`, midnight UTC) or an RFC 3339 time.
pub fn parse_since(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("--since {text:?}: use a date like 2026-12-01"))?;
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

pub fn show(
    records: &Records,
    since: Option<&str>,
    kind: Option<&str>,
    json: bool,
) -> anyhow::Result<String> {
    let filter = JournalFilter {
        since: since.map(parse_since).transpose()?,
        kind: kind
            .map(|k| {
                k.parse::<JournalKind>().map_err(|_| {
                    let known: Vec<&str> = JournalKind::ALL.iter().map(|k| k.as_str()).collect();
                    anyhow::anyhow!(
                        "--kind {k:?} is not a journal kind; use one of {}",
                        known.join(", ")
                    )
                })
            })
            .transpose()?,
    };
    let entries = records.store.entries(filter)?;
    Ok(if json {
        format!("{:#}\n", entries_json(&entries))
    } else {
        format_entries_table(&entries)
    })
}

/// Checks the chain against the anchor in the vault; the bool says whether it held.
pub fn verify(records: &Records, json: bool) -> anyhow::Result<(String, bool)> {
    let anchor = records.anchored_head()?;
    let report = records.store.verify(anchor.as_ref())?;
    let ok = matches!(report, VerifyReport::Verified { .. });
    let text = if json {
        format!("{:#}\n", verify_json(&report))
    } else {
        format!("{}\n", format_verify(&report))
    };
    Ok((text, ok))
}

/// Writes a JSON Lines copy to `path` after `confirm` says yes (or `yes` is set).
pub fn export(
    records: &Records,
    path: &Path,
    yes: bool,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let entries = records.store.entries(JournalFilter::default())?;
    if !yes {
        write!(out, "{}", export_confirmation(path, entries.len()))?;
        out.flush()?;
        let mut answer = String::new();
        input.read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            writeln!(out, "Nothing was written.")?;
            return Ok(false);
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    export_jsonl(&entries, &mut file)?;
    file.sync_all()?;
    writeln!(
        out,
        "Wrote {} entries to {}.",
        entries.len(),
        path.display()
    )?;
    Ok(true)
}
