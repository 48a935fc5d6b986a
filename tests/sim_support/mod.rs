//! Shared helpers for the simulator tests: start a sim, log in through its OAuth flow, and
//! fetch JSON with the correlation header checked on every answer.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod orders;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;

pub const CALLBACK: &str = "https://127.0.0.1:8182";

/// The tick of `frozen_sim`: long enough that prices hold still while a test runs, short
/// enough that a tick passes well inside an access token's 30 minutes.
pub const SLOW_TICK: Duration = Duration::from_secs(300);

/// A sim whose prices only move when the test advances its clock by `SLOW_TICK`.
pub async fn frozen_sim() -> Sim {
    Sim::start(SimOptions {
        tick: SLOW_TICK,
        ..SimOptions::default()
    })
    .await
    .expect("sim starts")
}

/// A frozen sim on the NYSE calendar and hours, for tests of sessions and market hours.
pub async fn exchange_hours_sim() -> Sim {
    Sim::start(SimOptions {
        tick: SLOW_TICK,
        hours: palmtree::sim::SessionHours::Exchange,
        ..SimOptions::default()
    })
    .await
    .expect("sim starts")
}

pub async fn sim() -> Sim {
    Sim::start(SimOptions::default()).await.expect("sim starts")
}

/// A client that shows redirects instead of following them.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn basic(key: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{key}:{secret}")))
}

pub fn demo_basic() -> String {
    basic(DEMO_APP_KEY, DEMO_APP_SECRET)
}

/// Asserts the correlation header is a UUID and returns it.
pub fn correl_id(headers: &HeaderMap) -> String {
    let id = headers
        .get("Schwab-Client-CorrelId")
        .expect("every response has Schwab-Client-CorrelId")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
    id
}

/// Calls authorize and returns the response (not followed).
pub async fn authorize_raw(sim: &Sim, params: &[(&str, &str)]) -> reqwest::Response {
    let response = client()
        .get(format!("{}/v1/oauth/authorize", sim.base_url()))
        .query(params)
        .send()
        .await
        .unwrap();
    correl_id(response.headers());
    response
}

/// Authorize with the demo key and `CALLBACK` plus `extra`; returns the Location header.
pub async fn authorize(sim: &Sim, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", DEMO_APP_KEY),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
    ];
    params.extend_from_slice(extra);
    let response = authorize_raw(sim, &params).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The percent-decoded value of one query parameter of a URL.
pub fn query_param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// POSTs a token request with the given Basic header and form; returns status and JSON.
pub async fn token_request(
    sim: &Sim,
    authorization: Option<&str>,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut request = client()
        .post(format!("{}/v1/oauth/token", sim.base_url()))
        .form(form);
    if let Some(auth) = authorization {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.unwrap();
    correl_id(response.headers());
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The inner error name the token endpoint buried in `error_description`.
pub fn inner_error(body: &Value) -> String {
    assert_eq!(body["error"], "unsupported_token_type", "{body}");
    let description = body["error_description"].as_str().unwrap();
    let start = description.find('{').unwrap();
    let end = description.rfind('}').unwrap();
    let inner: Value = serde_json::from_str(&description[start..=end]).unwrap();
    inner["error"].as_str().unwrap().to_owned()
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// The full login: authorize, decode the code, exchange it.
pub async fn login(sim: &Sim) -> Tokens {
    let location = authorize(sim, &[("state", "s1")]).await;
    let code = query_param(&location, "code").unwrap();
    let (status, body) = token_request(
        sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Tokens {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// GETs `path` (which may carry an encoded query) with an optional bearer token.
pub async fn get(sim: &Sim, path: &str, token: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    let mut request = client().get(format!("{}{path}", sim.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let headers = response.headers().clone();
    correl_id(&headers);
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

/// GETs and insists on 200.
pub async fn get_ok(sim: &Sim, path: &str, token: &str) -> Value {
    let (status, headers, body) = get(sim, path, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{path}"
    );
    body
}

/// A recorded payload from tests/fixtures/schwab.
pub fn payload(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/schwab/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
}

/// The sorted key set of a JSON object.
pub fn keys(value: &Value) -> Vec<String> {
    let mut k: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// A JSON number as f64, failing the test with the value when it is not one.
pub fn f(value: &Value) -> f64 {
    assert!(value.is_number(), "not a number: {value}");
    value.as_f64().unwrap()
}
