//! Fault injection: rules that make chosen endpoints misbehave, so a client's answers to
//! slow, failing, throttled, dropped and garbled responses can be tested instead of hoped for.
//!
//! A rule names a route, a [`Fault`] and a [`FaultScope`]. Routes are matched against the
//! route template axum matched (`/trader/v1/accounts/{account_hash}/orders`) and the concrete
//! path: a `{name}` segment in a rule matches any value where the template has a parameter,
//! a literal segment must equal the template's or the path's, and `*` matches every request.
//! Rules are consulted in the order they were added; every matching [`Fault::Latency`] adds
//! its delay, and the first other matching fault decides the answer. A rule whose scope is
//! used up is removed.
//!
//! # The text form (`palmtree sim --faults SPEC`, parsed by [`parse_faults`])
//!
//! ```text
//! spec   = rule *( ";" rule )              blank rules and spaces around parts are ignored
//! rule   = [ method " " ] route "=" fault [ ":" scope ]
//! method = GET | POST | PUT | DELETE       any case; without it every method matches
//! route  = "*" | "/" path | alias          {name} segments match any value
//! fault  = "latency:" duration             250ms, 2s, 1m: delay, then answer normally
//!        | "status:" code                  100-599, with a Schwab-shaped error body
//!        | ( "throttle" | "429" ) [ ":" seconds ]
//!                                          429; with seconds, a Retry-After header
//!        | "drop-before" | "drop-after"    reset the connection before / after the handler
//!        | "truncate"                      the first half of the body, Content-Length to match
//!        | "wrong-shape"                   valid JSON of another shape
//!        | "html" [ ":403" | ":502" ]      Akamai "Access Denied" (403, the default) or a
//!                                          502 gateway page
//!        | "stall"                         headers and half the body, then nothing more
//!        | "no-correl-id"                  the normal answer without Schwab-Client-CorrelId
//! scope  = "once" | "always" | "times:" n  default: always
//! ```
//!
//! Aliases: `quotes`, `quote` (`/marketdata/v1/{symbol_id}/quotes`), `pricehistory`,
//! `markets`, `market`, `token`, `authorize`, `account-numbers`, `accounts`, `account`,
//! `orders` (`/trader/v1/accounts/{account_hash}/orders`), `order` (`…/orders/{order_id}`),
//! `all-orders` (`/trader/v1/orders`), `preview`, `user-preference`.
//!
//! Example: `quotes=latency:2s;POST orders=drop-after:once;token=html;*=status:503:times:3`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What a matching request gets instead of (or on top of) its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Waits this long (real time), then answers normally.
    Latency(Duration),
    /// Answers this status with the error body the endpoint's API family uses; the handler
    /// does not run.
    Status(u16),
    /// Answers 429, with `Retry-After: n` when `retry_after` is set; the handler does not run.
    TooManyRequests {
        /// Seconds for the `Retry-After` header, or none at all.
        retry_after: Option<u64>,
    },
    /// Resets the connection without running the handler: the request never happened.
    DropBeforeProcessing,
    /// Runs the handler (an order is stored), then resets the connection unanswered.
    DropAfterProcessing,
    /// Runs the handler and sends the first half of its body with a matching
    /// `Content-Length`, so the message is complete but the JSON is cut short.
    TruncatedBody,
    /// Runs the handler and replaces its body with valid JSON of another shape (an array for
    /// an object and the other way round).
    WrongShape,
    /// An HTML error page from the edge instead of the API; the handler does not run.
    HtmlError(HtmlPage),
    /// Runs the handler, sends its status, headers and half its body, then stalls until the
    /// simulator stops (or ten minutes pass), so only a client timeout ends the wait.
    StalledBody,
    /// Runs the handler and answers normally but without the `Schwab-Client-CorrelId` header,
    /// which the market-data spec requires: the contract suite uses it to show it notices.
    NoCorrelationId,
}

/// The HTML error pages the edge in front of Schwab's API has been seen to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlPage {
    /// Akamai's 403 "Access Denied" page, seen from `/v1/oauth/token`.
    AccessDenied,
    /// A 502 "Bad Gateway" page from the proxy.
    BadGateway,
}

impl Fault {
    /// The fault's name in the text form, which is also its key in `SimStats::faults`.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Latency(_) => "latency",
            Fault::Status(_) => "status",
            Fault::TooManyRequests { .. } => "throttle",
            Fault::DropBeforeProcessing => "drop-before",
            Fault::DropAfterProcessing => "drop-after",
            Fault::TruncatedBody => "truncate",
            Fault::WrongShape => "wrong-shape",
            Fault::HtmlError(_) => "html",
            Fault::StalledBody => "stall",
            Fault::NoCorrelationId => "no-correl-id",
        }
    }
}

/// How many matching requests a rule affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultScope {
    /// The next matching request only.
    Once,
    /// The next `n` matching requests.
    Times(u32),
    /// Every matching request until the rule is cleared.
    Always,
}

impl FaultScope {
    /// The scope after one use, or `None` when it is used up.
    fn used(self) -> Option<FaultScope> {
        match self {
            FaultScope::Once | FaultScope::Times(0 | 1) => None,
            FaultScope::Times(n) => Some(FaultScope::Times(n - 1)),
            FaultScope::Always => Some(FaultScope::Always),
        }
    }
}

/// One rule: which requests, what goes wrong, how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// `GET`, `POST`, `PUT` or `DELETE`; `None` matches every method.
    pub method: Option<String>,
    /// `*`, or a route template or path starting with `/` (aliases already expanded).
    pub route: String,
    pub fault: Fault,
    pub scope: FaultScope,
}

impl FaultRule {
    /// A rule from a route in the text form's syntax (`"orders"`, `"POST orders"`,
    /// `"/marketdata/v1/quotes"`, `"*"`). A name that is neither an alias nor a path is kept
    /// as given and matches nothing.
    pub fn new(route: &str, fault: Fault, scope: FaultScope) -> Self {
        let (method, route) = split_method(route.trim());
        let route = expand_alias(route).unwrap_or(route).to_owned();
        Self {
            method,
            route,
            fault,
            scope,
        }
    }

    fn matches(&self, method: &str, template: Option<&str>, path: &str) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        route_matches(&self.route, template, path)
    }
}

/// The fault registry of a running simulator; clones share the rules.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

/// What the rules decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Every fault that applied, latencies included, for the stats.
    pub applied: Vec<Fault>,
    /// The summed delay of the matching latency rules.
    pub latency: Duration,
    /// The fault that decides the answer, if any.
    pub fault: Option<Fault>,
}

impl Faults {
    /// Adds a rule for `route` (see [`FaultRule::new`] for its syntax).
    pub fn set(&self, route: &str, fault: Fault, scope: FaultScope) {
        self.add(FaultRule::new(route, fault, scope));
    }

    /// Adds one rule after the existing ones.
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Adds rules in order, e.g. the result of [`parse_faults`].
    pub fn extend(&self, rules: impl IntoIterator<Item = FaultRule>) {
        self.lock().extend(rules);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The rules still active, with their remaining scopes.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides a request's faults and uses up the scopes of the rules that applied.
    pub(crate) fn plan(&self, method: &str, template: Option<&str>, path: &str) -> Plan {
        let mut plan = Plan::default();
        let mut rules = self.lock();
        let mut kept = Vec::with_capacity(rules.len());
        for rule in rules.drain(..) {
            let applies = plan.fault.is_none() && rule.matches(method, template, path);
            if !applies {
                kept.push(rule);
                continue;
            }
            match &rule.fault {
                Fault::Latency(d) => plan.latency += *d,
                other => plan.fault = Some(other.clone()),
            }
            plan.applied.push(rule.fault.clone());
            if let Some(scope) = rule.scope.used() {
                kept.push(FaultRule { scope, ..rule });
            }
        }
        *rules = kept;
        plan
    }
}

/// Splits a leading HTTP method off a route (`"POST orders"`).
fn split_method(route: &str) -> (Option<String>, &str) {
    if let Some((first, rest)) = route.split_once(char::is_whitespace) {
        let method = first.to_ascii_uppercase();
        if matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE") {
            return (Some(method), rest.trim());
        }
    }
    (None, route)
}

/// The route aliases of the text form.
const ALIASES: &[(&str, &str)] = &[
    ("quotes", "/marketdata/v1/quotes"),
    ("quote", "/marketdata/v1/{symbol_id}/quotes"),
    ("pricehistory", "/marketdata/v1/pricehistory"),
    ("markets", "/marketdata/v1/markets"),
    ("market", "/marketdata/v1/markets/{market_id}"),
    ("token", "/v1/oauth/token"),
    ("authorize", "/v1/oauth/authorize"),
    ("account-numbers", "/trader/v1/accounts/accountNumbers"),
    ("accounts", "/trader/v1/accounts"),
    ("account", "/trader/v1/accounts/{account_hash}"),
    ("orders", "/trader/v1/accounts/{account_hash}/orders"),
    (
        "order",
        "/trader/v1/accounts/{account_hash}/orders/{order_id}",
    ),
    ("all-orders", "/trader/v1/orders"),
    ("preview", "/trader/v1/accounts/{account_hash}/previewOrder"),
    ("user-preference", "/trader/v1/userPreference"),
];

fn expand_alias(name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map(|&(_, path)| path)
}

fn is_param(segment: &str) -> bool {
    segment.len() >= 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// Whether a rule's route covers a request, segment by segment (see the module doc).
fn route_matches(pattern: &str, template: Option<&str>, path: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let want: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let have: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let shape: Vec<&str> = template
        .map(|t| t.trim_end_matches('/').split('/').collect())
        .unwrap_or_else(|| have.clone());
    if want.len() != have.len() || shape.len() != have.len() {
        return false;
    }
    want.iter()
        .zip(shape.iter().zip(have.iter()))
        .all(|(w, (t, h))| {
            if is_param(w) {
                is_param(t)
            } else {
                w == t || w == h
            }
        })
}

/// Parses the text form described in the module doc into rules, in order.
///
/// An empty spec gives no rules. Errors name the offending rule.
pub fn parse_faults(spec: &str) -> Result<Vec<FaultRule>, String> {
    spec.split(';')
        .map(str::trim)
        .filter(|rule| !rule.is_empty())
        .map(|rule| parse_rule(rule).map_err(|e| format!("fault rule `{rule}`: {e}")))
        .collect()
}

fn parse_rule(rule: &str) -> Result<FaultRule, String> {
    let (route, fault) = rule
        .split_once('=')
        .ok_or("expected ROUTE=FAULT, e.g. quotes=latency:2s")?;
    let (method, route) = split_method(route.trim());
    let route = route.trim();
    let route = if route == "*" || route.starts_with('/') {
        route.to_owned()
    } else {
        let names: Vec<&str> = ALIASES.iter().map(|(a, _)| *a).collect();
        expand_alias(route)
            .ok_or_else(|| {
                format!(
                    "unknown route `{route}`: use *, a path starting with /, or one of {}",
                    names.join(", ")
                )
            })?
            .to_owned()
    };
    let tokens: Vec<&str> = fault.split(':').map(str::trim).collect();
    let (fault, rest) = parse_fault(&tokens)?;
    let scope = parse_scope(rest)?;
    Ok(FaultRule {
        method,
        route,
        fault,
        scope,
    })
}

/// Reads the fault from the front of the `:`-separated tokens; returns the rest (the scope).
fn parse_fault<'a>(tokens: &'a [&'a str]) -> Result<(Fault, &'a [&'a str]), String> {
    let Some((&name, rest)) = tokens.split_first() else {
        return Err("missing fault".into());
    };
    let name = name.to_ascii_lowercase();
    let fault = match name.as_str() {
        "latency" => {
            let (&arg, rest) = rest
                .split_first()
                .ok_or("latency needs a duration, e.g. latency:250ms")?;
            return Ok((Fault::Latency(parse_duration(arg)?), rest));
        }
        "status" => {
            let (&arg, rest) = rest
                .split_first()
                .ok_or("status needs a code, e.g. status:503")?;
            let code: u16 = arg
                .parse()
                .map_err(|_| format!("`{arg}` is not an HTTP status"))?;
            if !(100..=599).contains(&code) {
                return Err(format!("status {code} is outside 100-599"));
            }
            return Ok((Fault::Status(code), rest));
        }
        "throttle" | "429" => {
            if let Some((&arg, after)) = rest.split_first()
                && arg.chars().all(|c| c.is_ascii_digit())
                && !arg.is_empty()
            {
                let secs = arg
                    .parse()
                    .map_err(|_| format!("`{arg}` is not a number of seconds"))?;
                let fault = Fault::TooManyRequests {
                    retry_after: Some(secs),
                };
                return Ok((fault, after));
            }
            Fault::TooManyRequests { retry_after: None }
        }
        "html" => {
            if let Some((&arg, after)) = rest.split_first() {
                match arg {
                    "403" => return Ok((Fault::HtmlError(HtmlPage::AccessDenied), after)),
                    "502" => return Ok((Fault::HtmlError(HtmlPage::BadGateway), after)),
                    _ => {}
                }
            }
            Fault::HtmlError(HtmlPage::AccessDenied)
        }
        "drop-before" => Fault::DropBeforeProcessing,
        "drop-after" => Fault::DropAfterProcessing,
        "truncate" => Fault::TruncatedBody,
        "wrong-shape" => Fault::WrongShape,
        "stall" => Fault::StalledBody,
        "no-correl-id" => Fault::NoCorrelationId,
        other => {
            return Err(format!(
                "unknown fault `{other}`: use latency, status, throttle, 429, drop-before, \
                 drop-after, truncate, wrong-shape, html, stall or no-correl-id"
            ));
        }
    };
    Ok((fault, rest))
}

fn parse_scope(tokens: &[&str]) -> Result<FaultScope, String> {
    let lower: Vec<String> = tokens.iter().map(|t| t.to_ascii_lowercase()).collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["always"] => Ok(FaultScope::Always),
        ["once"] => Ok(FaultScope::Once),
        ["times", n] => match n.parse::<u32>() {
            Ok(0) => Err("times needs at least 1".into()),
            Ok(n) => Ok(FaultScope::Times(n)),
            Err(_) => Err(format!("`{n}` is not a count")),
        },
        _ => Err(format!(
            "unexpected `{}`: a scope is once, always or times:N",
            tokens.join(":")
        )),
    }
}

/// `250ms`, `2s` or `1m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration: use e.g. 250ms, 2s or 1m");
    let (digits, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| text.split_at(i))
        .ok_or_else(bad)?;
    let n: u64 = digits.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn routes_match_templates_and_paths() {
        let orders = "/trader/v1/accounts/{hash}/orders";
        let template = Some("/trader/v1/accounts/{account_hash}/orders");
        assert!(route_matches(
            orders,
            template,
            "/trader/v1/accounts/AB12/orders"
        ));
        assert!(!route_matches(
            "/trader/v1/accounts/{hash}",
            Some("/trader/v1/accounts/accountNumbers"),
            "/trader/v1/accounts/accountNumbers"
        ));
        assert!(route_matches(
            "/marketdata/v1/AAPL/quotes",
            Some("/marketdata/v1/{symbol_id}/quotes"),
            "/marketdata/v1/AAPL/quotes"
        ));
        assert!(route_matches("*", None, "/anything"));
        assert!(!route_matches(
            "/v1/oauth/token",
            None,
            "/v1/oauth/authorize"
        ));
    }

    #[test]
    fn scopes_run_out() {
        let faults = Faults::default();
        faults.set("quotes", Fault::Status(500), FaultScope::Times(2));
        let q = Some("/marketdata/v1/quotes");
        assert!(
            faults
                .plan("GET", q, "/marketdata/v1/quotes")
                .fault
                .is_some()
        );
        assert!(
            faults
                .plan("GET", q, "/marketdata/v1/quotes")
                .fault
                .is_some()
        );
        assert!(
            faults
                .plan("GET", q, "/marketdata/v1/quotes")
                .fault
                .is_none()
        );
        assert!(faults.rules().is_empty());
    }

    #[test]
    fn latency_adds_up_and_the_first_other_fault_wins() {
        let faults = Faults::default();
        let rules = parse_faults("*=latency:10ms;quotes=latency:5ms;*=status:503;*=html").unwrap();
        faults.extend(rules);
        let plan = faults.plan(
            "GET",
            Some("/marketdata/v1/quotes"),
            "/marketdata/v1/quotes",
        );
        assert_eq!(plan.latency, Duration::from_millis(15));
        assert_eq!(plan.fault, Some(Fault::Status(503)));
        assert_eq!(plan.applied.len(), 3);
    }

    #[test]
    fn the_correlation_header_can_be_left_off() {
        let rules = parse_faults("GET quotes=no-correl-id:once").unwrap();
        assert_eq!(rules[0].fault, Fault::NoCorrelationId);
        assert_eq!(rules[0].scope, FaultScope::Once);
        assert_eq!(rules[0].fault.kind(), "no-correl-id");
    }

    #[test]
    fn methods_narrow_a_rule() {
        let faults = Faults::default();
        faults.set(
            "POST orders",
            Fault::DropAfterProcessing,
            FaultScope::Always,
        );
        let t = Some("/trader/v1/accounts/{account_hash}/orders");
        let p = "/trader/v1/accounts/X/orders";
        assert!(faults.plan("GET", t, p).fault.is_none());
        assert_eq!(
            faults.plan("POST", t, p).fault,
            Some(Fault::DropAfterProcessing)
        );
    }
}
