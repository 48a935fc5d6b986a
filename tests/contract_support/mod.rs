//! The OpenAPI contract harness: Prism found (or the suite skipped), Prism processes that end
//! with their guard, a recorder in front of each Prism that keeps every exchange with the
//! violations Prism found in it, the table of known spec/real differences, and the tally.
//!
//! The specs are the copies in `contract/openapi/` (Schwab's own documents, as mirrored in
//! `../shared/schwab/openapi/` with its README), so a clean clone has them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod known;
pub mod prism;
pub mod recorder;
pub mod tally;

use std::path::PathBuf;

use serde_json::Value;

/// Which of Schwab's two OpenAPI documents an exchange is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Spec {
    Trader,
    MarketData,
}

impl Spec {
    pub const ALL: [Spec; 2] = [Spec::Trader, Spec::MarketData];

    pub fn file(self) -> PathBuf {
        let name = match self {
            Spec::Trader => "trader.openapi.json",
            Spec::MarketData => "market_data.openapi.json",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("contract/openapi")
            .join(name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Spec::Trader => "trader",
            Spec::MarketData => "market data",
        }
    }

    /// Where the simulator serves this API, below its base URL.
    pub fn sim_prefix(self) -> &'static str {
        match self {
            Spec::Trader => "/trader/v1",
            Spec::MarketData => "/marketdata/v1",
        }
    }

    /// Every `(METHOD, path template)` the document describes.
    pub fn operations(self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.file()).expect("the spec is readable");
        let doc: Value = serde_json::from_str(&text).expect("the spec is JSON");
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths").iter() {
            for method in item.as_object().expect("a path item").keys() {
                if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    out.push((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        out
    }
}

/// The spec's template for a concrete path (no query), preferring literal segments, so
/// `/accounts/accountNumbers` is not taken for `/accounts/{accountNumber}`.
pub fn match_template(operations: &[(String, String)], method: &str, path: &str) -> Option<String> {
    let have: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    operations
        .iter()
        .filter(|(m, _)| m == method)
        .filter_map(|(_, template)| {
            let want: Vec<&str> = template.split('/').collect();
            if want.len() != have.len() {
                return None;
            }
            let mut literal = 0;
            for (w, h) in want.iter().zip(&have) {
                if w.starts_with('{') && w.ends_with('}') {
                    if h.is_empty() {
                        return None;
                    }
                } else if w == h {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template.clone()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template)
}

/// A free TCP port on loopback (freed again at once; Prism binds it moments later).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port");
    listener.local_addr().expect("an address").port()
}
