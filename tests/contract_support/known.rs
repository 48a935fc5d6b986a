//! Where Schwab's OpenAPI documents and the real API disagree, each difference by name with
//! the evidence for it. The simulator follows the real API, so Prism reports these; the suite
//! names them instead of failing. Anything Prism reports that no entry covers is a failure.
//!
//! An entry matches one violation by its place, its kind and the value actually sent, never
//! by place alone: an `isInCall` that were a string would still fail. A `oneOf` that fails
//! only because of known differences inside it is a cascade of those, not a failure.
//!
//! Evidence: "openapi/README.md" is `contract/openapi/README.md` (its measured table);
//! "API.md" is the fact sheet beside the specs in `../shared/schwab/`.

use serde_json::Value;

use super::Spec;
use super::recorder::{Exchange, Violation};

/// Which half of the exchange a difference is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Request,
    Response,
}

/// One known difference between the spec and the real API.
pub struct Known {
    pub name: &'static str,
    pub side: Side,
    /// Where it is recorded: API.md, the openapi README's measured table, the payloads.
    pub evidence: &'static str,
    matches: fn(&Seen<'_>) -> bool,
}

/// A violation with what was sent at its place.
pub struct Seen<'a> {
    pub exchange: &'a Exchange,
    pub violation: &'a Violation,
    /// The value at the violation's place, if it is in a JSON body.
    pub value: Option<&'a Value>,
    /// The object or array holding it.
    pub parent: Option<&'a Value>,
}

impl Seen<'_> {
    fn last(&self) -> &str {
        self.violation
            .location
            .last()
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn parent_key(&self) -> &str {
        let location = &self.violation.location;
        location
            .len()
            .checked_sub(2)
            .and_then(|i| location.get(i))
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn is(&self, side: Side, code: &str) -> bool {
        let request = self.violation.is_request();
        (request == (side == Side::Request)) && self.violation.code == code
    }

    fn parent_field(&self, field: &str) -> Option<&str> {
        self.parent?.get(field)?.as_str()
    }
}

/// Fields of an order request that carry a price.
const PRICE_FIELDS: [&str; 4] = ["price", "stopPrice", "stopPriceOffset", "activationPrice"];

pub const KNOWN: &[Known] = &[
    Known {
        name: "isInCall booleans",
        side: Side::Response,
        evidence: "openapi/README.md (measured): initialBalances/projectedBalances.isInCall are \
                   numbers in the spec, booleans in real accounts",
        matches: |s| {
            s.is(Side::Response, "type")
                && s.last() == "isInCall"
                && s.value.is_some_and(Value::is_boolean)
        },
    },
    Known {
        name: "instrument.name missing",
        side: Side::Response,
        evidence: "openapi/README.md (measured): the spec requires instrument.name; real \
                   accounts and orders have none",
        matches: |s| {
            s.is(Side::Response, "required")
                && s.violation.message.contains("'name'")
                && s.last() == "instrument"
                && s.value
                    .is_some_and(|v| v.is_object() && v.get("name").is_none())
        },
    },
    Known {
        name: "option instrument.type VANILLA",
        side: Side::Response,
        evidence: "openapi/README.md (measured); API.md §2: option instruments say type VANILLA, \
                   which the spec's other instrument branches reject",
        matches: |s| {
            s.is(Side::Response, "enum")
                && s.last() == "type"
                && s.parent_key() == "instrument"
                && s.value.and_then(Value::as_str) == Some("VANILLA")
                && s.parent_field("assetType") == Some("OPTION")
        },
    },
    Known {
        name: "ETF instrument COLLECTIVE_INVESTMENT",
        side: Side::Response,
        evidence: "src/sim/accounts.rs (a live observation): ETF positions are assetType \
                   COLLECTIVE_INVESTMENT with type EXCHANGE_TRADED_FUND; the spec's \
                   AccountsInstrument has no branch for them",
        matches: |s| {
            s.is(Side::Response, "enum")
                && s.last() == "type"
                && s.parent_key() == "instrument"
                && s.value.and_then(Value::as_str) == Some("EXCHANGE_TRADED_FUND")
                && s.parent_field("assetType") == Some("COLLECTIVE_INVESTMENT")
        },
    },
    Known {
        name: "executionType CANCELED",
        side: Side::Response,
        evidence: "openapi/README.md (measured); API.md §4.4: the spec allows only FILL, a \
                   canceled order's activity says CANCELED",
        matches: |s| {
            s.is(Side::Response, "enum")
                && s.last() == "executionType"
                && s.value.and_then(Value::as_str) == Some("CANCELED")
        },
    },
    Known {
        name: "userPreference object not array",
        side: Side::Response,
        evidence: "openapi/README.md (measured); API.md §2: the body is {accounts, streamerInfo, \
                   offers}, the spec says an array",
        matches: |s| {
            s.is(Side::Response, "type")
                && s.exchange.operation.as_deref() == Some("GET /userPreference")
                && s.violation.location == ["response", "body"]
                && s.value.is_some_and(|v| v.get("accounts").is_some())
        },
    },
    Known {
        name: "401 body status as number",
        side: Side::Response,
        evidence: "API.md §3: market-data errors carry status as a string, except the 401, \
                   which has the number 401 (payloads/error-marketdata-401-…)",
        matches: |s| {
            s.exchange.spec == Spec::MarketData
                && s.exchange.status == 401
                && !s.violation.is_request()
                && ["type", "enum"].contains(&s.violation.code.as_str())
                && s.last() == "status"
                && s.value.and_then(Value::as_u64) == Some(401)
        },
    },
    Known {
        name: "trader 401 body has error objects",
        side: Side::Response,
        evidence: "API.md §1.8: a 401 'Client not authorized' from any API is \
                   {errors:[{id,status:401,title,detail}]}, not the trader spec's string list",
        matches: |s| {
            s.exchange.spec == Spec::Trader
                && s.exchange.status == 401
                && s.is(Side::Response, "type")
                && s.parent_key() == "errors"
                && s.value
                    .and_then(|v| v.get("status"))
                    .and_then(Value::as_u64)
                    == Some(401)
        },
    },
    Known {
        name: "order instrument without name",
        side: Side::Request,
        evidence: "API.md §4.1 and Schwab's Place Order Samples: a leg's instrument is {symbol, \
                   assetType}; the spec makes name required",
        matches: |s| {
            s.is(Side::Request, "required")
                && s.violation.message.contains("'name'")
                && s.last() == "instrument"
                && s.value
                    .is_some_and(|v| v.is_object() && v.get("name").is_none())
        },
    },
    Known {
        name: "prices as decimal strings",
        side: Side::Request,
        evidence: "API.md §4.2: the spec types prices as numbers; Schwab's samples send strings \
                   and both are accepted; palmtree sends exact decimal strings",
        matches: |s| {
            s.is(Side::Request, "type")
                && PRICE_FIELDS.contains(&s.last())
                && s.value
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.parse::<rust_decimal::Decimal>().is_ok())
        },
    },
    Known {
        name: "markets as a comma list",
        side: Side::Request,
        evidence: "API.md §3: GET /markets?markets=equity,option,… takes one comma list; the \
                   spec's array parameter would repeat markets=",
        matches: |s| {
            s.is(Side::Request, "enum")
                && s.violation.location.get(1).map(String::as_str) == Some("query")
                && s.violation.location.get(2).map(String::as_str) == Some("markets")
                && s.exchange
                    .query_value("markets")
                    .is_some_and(|v| v.contains(','))
        },
    },
];

/// What a violation turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Known(&'static str),
    /// A `oneOf`/`anyOf` that fails only through the known differences inside it.
    Cascade(Vec<&'static str>),
    Failure,
}

impl Verdict {
    pub fn is_failure(&self) -> bool {
        *self == Verdict::Failure
    }

    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Verdict::Known(name) => vec![name],
            Verdict::Cascade(names) => names.clone(),
            Verdict::Failure => Vec::new(),
        }
    }
}

/// Every violation of the exchange with its verdict; with `requests_only`, answers are not
/// judged at all (a mock's answers are Prism's inventions, not palmtree's or the sim's).
pub fn classify(exchange: &Exchange, requests_only: bool) -> Vec<(Violation, Verdict)> {
    let list: Vec<&Violation> = exchange
        .violations
        .iter()
        .filter(|v| !requests_only || v.is_request())
        .collect();
    let mut verdicts: Vec<Option<Verdict>> = list
        .iter()
        .map(|v| {
            if is_combinator(v) {
                return None;
            }
            let seen = Seen {
                exchange,
                violation: v,
                value: value_at(exchange, &v.location),
                parent: value_at(exchange, &v.location[..v.location.len().saturating_sub(1)]),
            };
            Some(
                KNOWN
                    .iter()
                    .find(|k| (k.matches)(&seen))
                    .map_or(Verdict::Failure, |k| Verdict::Known(k.name)),
            )
        })
        .collect();
    // Innermost combinators first, so an outer one sees the inner ones' verdicts.
    let mut order: Vec<usize> = (0..list.len())
        .filter(|&i| is_combinator(list[i]))
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(list[i].location.len()));
    for i in order {
        // What failed inside it: violations at its own place (a branch's missing property)
        // or below, other than combinators at the very same place.
        let inside: Vec<usize> = (0..list.len())
            .filter(|&j| j != i && list[j].location.starts_with(&list[i].location))
            .filter(|&j| !(is_combinator(list[j]) && list[j].location == list[i].location))
            .collect();
        let mut names = Vec::new();
        let mut explained = !inside.is_empty();
        for j in inside {
            match &verdicts[j] {
                Some(verdict) if !verdict.is_failure() => names.extend(verdict.names()),
                _ => explained = false,
            }
        }
        names.sort_unstable();
        names.dedup();
        verdicts[i] = Some(if explained {
            Verdict::Cascade(names)
        } else {
            Verdict::Failure
        });
    }
    list.into_iter()
        .cloned()
        .zip(verdicts.into_iter().map(|v| v.unwrap_or(Verdict::Failure)))
        .collect()
}

fn is_combinator(v: &Violation) -> bool {
    v.code == "oneOf" || v.code == "anyOf"
}

/// The value a location points at in the exchange's request or response body.
fn value_at<'a>(exchange: &'a Exchange, location: &[String]) -> Option<&'a Value> {
    let [side, place, path @ ..] = location else {
        return None;
    };
    let root = match (side.as_str(), place.as_str()) {
        ("response", "body") => exchange.response_body.as_ref()?,
        ("request", "body") => exchange.request_body.as_ref()?,
        _ => return None,
    };
    path.iter().try_fold(root, |value, key| match value {
        Value::Object(map) => map.get(key),
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}
