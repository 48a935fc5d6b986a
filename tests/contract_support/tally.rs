//! The counts a contract suite reports: endpoints checked, request/response pairs validated,
//! violations (which must be none), and the known differences seen, by name.

use std::collections::{BTreeMap, BTreeSet};

use super::known::{KNOWN, Side, Verdict, classify};
use super::recorder::{Exchange, Violation};

pub struct Tally {
    pub title: &'static str,
    endpoints: BTreeSet<String>,
    /// (endpoint, case, status): the same call made twice is one pair.
    pairs: BTreeSet<(String, String, u16)>,
    pub exchanges: usize,
    /// Exchanges whose cut-off violation list the `--errors` sibling completed.
    pub completed: usize,
    /// Exchanges in which each known difference showed.
    known: BTreeMap<&'static str, usize>,
    pub failures: Vec<String>,
}

impl Tally {
    pub fn new(title: &'static str) -> Tally {
        Tally {
            title,
            endpoints: BTreeSet::new(),
            pairs: BTreeSet::new(),
            exchanges: 0,
            completed: 0,
            known: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// Counts one exchange and returns its verdicts; failures are also kept for the report.
    pub fn add(&mut self, exchange: &Exchange, requests_only: bool) -> Vec<(Violation, Verdict)> {
        let endpoint = format!(
            "{} {}",
            exchange.spec.label(),
            exchange.operation.as_deref().unwrap_or("(no operation)")
        );
        self.exchanges += 1;
        self.endpoints.insert(endpoint.clone());
        self.pairs
            .insert((endpoint, exchange.case.clone(), exchange.status));
        let verdicts = classify(exchange, requests_only);
        self.completed += usize::from(exchange.replayed);
        let mut names = BTreeSet::new();
        for (violation, verdict) in &verdicts {
            if verdict.is_failure() {
                self.failures.push(format!(
                    "{}: {} {}: {}",
                    exchange.describe(),
                    violation.dotted(),
                    violation.code,
                    violation.message
                ));
            }
            names.extend(verdict.names());
        }
        if std::env::var("PALMTREE_CONTRACT_VERBOSE").as_deref() == Ok("1") {
            let failed = verdicts.iter().any(|(_, v)| v.is_failure());
            let names: Vec<&str> = names.iter().copied().collect();
            println!(
                "{} {}{}",
                if failed { "FAIL" } else { "ok  " },
                exchange.describe(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" (known: {})", names.join(", "))
                }
            );
        }
        for name in names {
            *self.known.entry(name).or_default() += 1;
        }
        verdicts
    }

    pub fn endpoints(&self) -> usize {
        self.endpoints.len()
    }

    pub fn pairs(&self) -> usize {
        self.pairs.len()
    }

    pub fn endpoint_list(&self) -> Vec<String> {
        self.endpoints.iter().cloned().collect()
    }

    /// The known differences of `side` that never showed: a stale entry hides nothing today
    /// but would hide a regression tomorrow, so the suites insist on seeing each.
    pub fn unseen(&self, side: Side) -> Vec<&'static str> {
        KNOWN
            .iter()
            .filter(|k| k.side == side && !self.known.contains_key(k.name))
            .map(|k| k.name)
            .collect()
    }

    /// The one-line report, e.g. `contract (responses): 16 endpoints, 54 pairs validated, …`.
    pub fn line(&self) -> String {
        let known: Vec<String> = self
            .known
            .iter()
            .map(|(name, n)| format!("{name} ×{n}"))
            .collect();
        format!(
            "contract ({}): {} endpoints, {} pairs validated ({} exchanges, {} completed by \
             --errors), {} violations ({} known differences: {})",
            self.title,
            self.endpoints(),
            self.pairs(),
            self.exchanges,
            self.completed,
            self.failures.len(),
            self.known.len(),
            known.join(", ")
        )
    }

    /// Prints the line and leaves it in `target/tmp/contract-<title>.txt` for `.ci/run`.
    pub fn publish(&self, extra: &str) {
        let line = format!("{}{extra}", self.line());
        println!("{line}");
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("contract-{}.txt", self.title));
        std::fs::write(&path, format!("{line}\n")).expect("the summary can be written");
    }
}
