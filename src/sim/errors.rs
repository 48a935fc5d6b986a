//! Schwab's error bodies, one builder per API family, so every handler fails in the real shape.
//!
//! Market data: `{"errors":[{id,status,title,detail?,source?}]}`; trader: `{message, errors[]}`;
//! OAuth: an outer `unsupported_token_type` wrapping the real error as a string.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ids::uuid_v4;

/// A JSON body with a status; axum's `Json` sets `Content-Type: application/json`.
pub(crate) fn json(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Where a market-data error points: a header, a query parameter or body attributes.
pub(crate) enum Source<'a> {
    Parameter(&'a str),
    Pointer(&'a [&'a str]),
}

/// A one-error market-data body, with `status` as a string as the spec and the 400/404
/// samples have it.
pub(crate) fn market(status: StatusCode, detail: Option<&str>, source: Option<Source>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let mut error = json!({
        "id": uuid_v4(),
        "status": status.as_u16().to_string(),
        "title": title,
    });
    if let Some(detail) = detail {
        error["detail"] = json!(detail);
    }
    match source {
        Some(Source::Parameter(name)) => error["source"] = json!({ "parameter": name }),
        Some(Source::Pointer(list)) => error["source"] = json!({ "pointer": list }),
        None => {}
    }
    json(status, json!({ "errors": [error] }))
}

/// A market-data 400 about one query parameter.
pub(crate) fn bad_parameter(name: &str, detail: &str) -> Response {
    market(
        StatusCode::BAD_REQUEST,
        Some(detail),
        Some(Source::Parameter(name)),
    )
}

/// A market-data 400 about one query parameter, as a small value so `Result`s stay cheap;
/// it becomes the response only at the handler's edge.
pub(crate) struct BadParameter {
    pub name: &'static str,
    pub detail: String,
}

impl BadParameter {
    pub(crate) fn new(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for BadParameter {
    fn into_response(self) -> Response {
        bad_parameter(self.name, &self.detail)
    }
}

/// The 404 for an unknown symbol: `status` is the string `"404"` and there is no detail,
/// exactly as captured from the real API.
pub(crate) fn symbol_not_found() -> Response {
    market(StatusCode::NOT_FOUND, None, None)
}

/// The 401 for a missing, unknown or expired access token, on every protected path.
///
/// Unlike the other market-data errors, the captured body has `status` as the number 401;
/// the sim keeps that difference because clients have to cope with both.
pub(crate) fn client_not_authorized() -> Response {
    let body = json!({
        "errors": [{
            "id": uuid_v4(),
            "status": 401,
            "title": "Unauthorized",
            "detail": "Client not authorized",
        }]
    });
    json(StatusCode::UNAUTHORIZED, body)
}

/// A trader-API error in the spec's `ServiceError` shape.
pub(crate) fn trader(status: StatusCode, message: &str, errors: &[&str]) -> Response {
    json(status, json!({ "message": message, "errors": errors }))
}

/// The answer for an account hash that is not linked, and for a plain account number, which
/// the real API never accepts in a path.
pub(crate) fn unknown_account() -> Response {
    trader(
        StatusCode::NOT_FOUND,
        "Account not found",
        &["The account hash is not linked to this app; get it from accounts/accountNumbers"],
    )
}

/// A trader-API 400 listing every problem, the first one also as the message.
pub(crate) fn bad_request(problems: &[String]) -> Response {
    let message = problems
        .first()
        .map(String::as_str)
        .unwrap_or("Bad Request");
    json(
        StatusCode::BAD_REQUEST,
        json!({ "message": message, "errors": problems }),
    )
}

/// An OAuth token-endpoint error in the only shape seen from Schwab.
///
/// The outer `error` always claims `unsupported_token_type`; the real reason sits in
/// `error_description` as an embedded JSON string, with `error_description` before `error`
/// just as in the captured body, so a client has to search the text, not the outer field.
pub(crate) fn token(status: StatusCode, error: &str, description: &str) -> Response {
    let inner = format!(
        r#"{{"error_description":{},"error":{}}}"#,
        Value::String(description.to_owned()),
        Value::String(error.to_owned())
    );
    let reason = status.canonical_reason().unwrap_or("Error");
    let outer = format!("{} {}: \"{}\"", status.as_u16(), reason, inner);
    let body = json!({ "error": "unsupported_token_type", "error_description": outer });
    let mut response = json(status, body);
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// The exact body Schwab sends for an expired, revoked or unknown refresh token.
pub(crate) fn refresh_token_invalid() -> Response {
    token(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "Refresh token is invalid, expired or revoked",
    )
}

/// A small HTML error page, which is what a browser sees when the authorize request is wrong.
///
/// The real API shows an error page here and never redirects to an unregistered URI, since
/// that would hand the code to whoever owns it.
pub(crate) fn authorize_page(problem: &str) -> Response {
    let escaped = problem
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>palmtree simulator: login refused</title></head>\n\
         <body><h1>We are unable to complete your request</h1>\n<p>{escaped}</p>\n</body></html>\n"
    );
    (
        StatusCode::BAD_REQUEST,
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[tokio::test]
    async fn the_refresh_error_is_the_recorded_body() {
        let response = refresh_token_invalid();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schwab/error-oauth-refresh-token-invalid-grant.json"
        );
        let recorded: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(body, recorded);
    }
}
