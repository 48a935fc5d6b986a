//! Error bodies of the trader and market-data APIs, and the client's error type.
//!
//! Schwab uses two shapes: market data sends `{"errors":[{id,status,title,detail}]}` with
//! `status` as a string or a number; the trader API's spec gives `{"message","errors":[..]}`.
//! Anything else (an HTML gateway page, plain text) is summarised, never parsed as data.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::token::OAuthErrorBody;

/// Everything a Schwab call can end in, short of success.
///
/// Each message says what happened in the user's terms; the binary adds what to do next.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SchwabError {
    /// The request may or may not have reached Schwab (timeout, reset, refused).
    #[error("could not reach Schwab ({0})")]
    Network(String),
    /// The access token was refused even after one refresh.
    #[error("Schwab refused the access token: {0}")]
    Unauthorized(String),
    /// The refresh token is gone, expired or rejected: only a new login helps.
    #[error("login required: {0}")]
    LoginRequired(String),
    /// HTTP 429. `retry_after` is set when Schwab sent a `Retry-After` header.
    #[error("throttled by Schwab (too many requests)")]
    Throttled { retry_after: Option<Duration> },
    /// The token endpoint answered with something that is not a token error (an HTML page,
    /// a 5xx): a temporary failure that must not touch the stored tokens.
    #[error("Schwab's login service is temporarily failing: {0}")]
    TokenServiceUnavailable(String),
    /// The token endpoint refused a code or credentials.
    #[error("Schwab refused the login: {0}")]
    OAuth(String),
    /// Any other HTTP error status, with the summarised body.
    #[error("Schwab answered HTTP {status}: {message}")]
    Api { status: u16, message: String },
    /// A success status whose body does not have the documented shape.
    #[error("Schwab's answer could not be read: {0}")]
    Malformed(String),
    /// An order write whose request never left (the connection could not be opened), so
    /// nothing can have been placed.
    #[error("the order was not sent ({0}); nothing was placed")]
    NotSent(String),
    /// An order write that may or may not have reached Schwab: a timeout, a dropped
    /// connection, a 5xx or a 429. It must never be resent blindly.
    #[error("the order's outcome is unknown ({0})")]
    OutcomeUnknown(String),
    /// The client-side limit on order writes for this account was reached; nothing was sent.
    #[error("order limit reached: at most {per_minute} order requests a minute for this account")]
    OrderRateLimited { per_minute: u32 },
}

/// One element of the market-data `errors` array.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct MarketDataError {
    #[serde(default)]
    pub id: Option<String>,
    /// A string (`"404"`) or a number (`401`) depending on the endpoint.
    #[serde(default)]
    pub status: Option<Value>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

impl MarketDataError {
    /// The status as a number, whichever way it was sent.
    pub fn status_code(&self) -> Option<u16> {
        match self.status.as_ref()? {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
struct MarketDataErrors {
    errors: Vec<MarketDataError>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
struct TraderErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

/// Parses a market-data error body (`{"errors":[...]}`), if that is what `body` is.
pub fn parse_market_data_errors(body: &[u8]) -> Option<Vec<MarketDataError>> {
    serde_json::from_slice::<MarketDataErrors>(body)
        .ok()
        .map(|b| b.errors)
}

/// A one-line summary of an error body, whatever its shape, for showing to the user.
///
/// Known JSON shapes give their title and detail (a token error its inner code and
/// description); HTML gives its `<title>` or says it was a web page; anything else gives its
/// first line. Never empty. The result is capped in length but not sanitised: callers draw
/// it through `sanitize` like any other API text.
pub fn summarize_error_body(body: &[u8]) -> String {
    // Only an object can be one of the known shapes: serde would also read an array into
    // them field by field, and `[""]` would pass for a trader error saying nothing.
    let object = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object);
    if let Some(summary) = object.as_ref().and_then(known_shape) {
        return summary;
    }
    let text = String::from_utf8_lossy(body);
    if looks_like_html(&text) {
        return match html_title(&text) {
            Some(title) => cap(&format!("a web page titled \"{title}\"")),
            None => "a web page instead of data".to_string(),
        };
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.is_empty() {
        "an empty body".to_string()
    } else {
        cap(first.trim())
    }
}

/// The summary of a known JSON error shape, when `value` is one and says something.
fn known_shape(value: &Value) -> Option<String> {
    let said = |text: String| (!text.trim().is_empty()).then(|| cap(text.trim()));
    if let Ok(market) = MarketDataErrors::deserialize(value) {
        let parts: Vec<String> = market
            .errors
            .iter()
            .map(|e| {
                let title = e.title.as_deref().unwrap_or("error");
                match e.detail.as_deref() {
                    Some(detail) => format!("{title}: {detail}"),
                    None => title.to_string(),
                }
            })
            .collect();
        if let Some(summary) = said(parts.join("; ")) {
            return Some(summary);
        }
    }
    if let Ok(trader) = TraderErrorBody::deserialize(value) {
        let mut text = trader.message.unwrap_or_default();
        if !trader.errors.is_empty() {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&trader.errors.join("; "));
        }
        if let Some(summary) = said(text) {
            return Some(summary);
        }
    }
    // The token endpoint's shape, whose real reason sits escaped inside the description.
    if let Ok(oauth) = OAuthErrorBody::deserialize(value) {
        let code = oauth.inner_error().unwrap_or_default();
        let description = oauth.inner_description().unwrap_or_default();
        let text = match (code.trim(), description.trim()) {
            ("", description) => description.to_string(),
            (code, "") => code.to_string(),
            (code, description) => format!("{code}: {description}"),
        };
        if let Some(summary) = said(text) {
            return Some(summary);
        }
    }
    let fault = value.pointer("/fault/faultstring").and_then(Value::as_str);
    said(fault.unwrap_or_default().to_string())
}

/// Whether a body is an HTML page (a gateway error, Schwab's "Access Denied"), not JSON.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(200).collect::<String>();
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body")
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = lower[start..].find("</title>")? + start;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

fn cap(text: &str) -> String {
    const MAX: usize = 160;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_shape_they_found() {
        let md = br#"{"errors":[{"id":"x","status":"404","title":"Not Found"}]}"#;
        assert_eq!(summarize_error_body(md), "Not Found");
        let trader = br#"{"message":"Order rejected","errors":["price too far"]}"#;
        assert_eq!(
            summarize_error_body(trader),
            "Order rejected: price too far"
        );
        let html = b"<html><head><title>Access Denied</title></head><body>no</body></html>";
        assert_eq!(
            summarize_error_body(html),
            "a web page titled \"Access Denied\""
        );
        assert_eq!(summarize_error_body(b""), "an empty body");
        let oauth = concat!(
            r#"{"error":"unsupported_token_type","error_description":"400 Bad Request: "#,
            r#"\"{\"error_description\":\"Refresh token is invalid, expired or revoked\","#,
            r#"\"error\":\"invalid_grant\"}\""}"#
        );
        assert_eq!(
            summarize_error_body(oauth.as_bytes()),
            "invalid_grant: Refresh token is invalid, expired or revoked"
        );
        let throttled = br#"{"error":"Individual App's transactions per seconds restriction"}"#;
        assert_eq!(
            summarize_error_body(throttled),
            "Individual App's transactions per seconds restriction"
        );
        assert_eq!(summarize_error_body(b"Bad Gateway\nmore"), "Bad Gateway");
    }

    #[test]
    fn status_is_read_as_string_or_number() {
        let errors = parse_market_data_errors(
            br#"{"errors":[{"status":"404"},{"status":401},{"status":true}]}"#,
        );
        let codes: Vec<Option<u16>> = errors
            .unwrap_or_default()
            .iter()
            .map(MarketDataError::status_code)
            .collect();
        assert_eq!(codes, vec![Some(404), Some(401), None]);
    }
}
