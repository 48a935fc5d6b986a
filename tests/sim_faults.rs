//! Fault injection over real HTTP: each fault kind produces what a client would really see
//! (a delay, an error status with a Schwab-shaped body, 429 with and without Retry-After, a
//! reset connection, truncated or wrongly shaped JSON, an HTML page, a body that never ends),
//! scopes run out, every fault is counted, and the `--faults` text form parses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim_support;

use std::time::{Duration, Instant};

use palmtree::sim::{Fault, FaultRule, FaultScope, HtmlPage, Sim, SimOptions, parse_faults};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sim_support::orders::*;
use sim_support::{SLOW_TICK, demo_basic, frozen_sim, get, login};

const QUOTES: &str = "/marketdata/v1/quotes?symbols=AAPL";

async fn get_raw(sim: &Sim, token: &str, path: &str) -> reqwest::Result<reqwest::Response> {
    send(sim, token, Method::GET, path, None).await
}

async fn logged_in() -> (Sim, String) {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    (sim, token)
}

#[test]
fn the_text_form_parses_every_fault() {
    let rules = parse_faults(
        " quotes=latency:2s ; POST orders=drop-after:once;token=html;*=status:503:times:3;;\
         quote=429;accounts=throttle:7:once;all-orders=html:502;/v1/oauth/token=stall:always;\
         preview=truncate;user-preference=wrong-shape:times:2;account=drop-before;\
         pricehistory=latency:250ms",
    )
    .unwrap();
    let expect = |method: Option<&str>, route: &str, fault: Fault, scope: FaultScope| FaultRule {
        method: method.map(str::to_owned),
        route: route.to_owned(),
        fault,
        scope,
    };
    assert_eq!(
        rules,
        vec![
            expect(
                None,
                "/marketdata/v1/quotes",
                Fault::Latency(Duration::from_secs(2)),
                FaultScope::Always
            ),
            expect(
                Some("POST"),
                "/trader/v1/accounts/{account_hash}/orders",
                Fault::DropAfterProcessing,
                FaultScope::Once
            ),
            expect(
                None,
                "/v1/oauth/token",
                Fault::HtmlError(HtmlPage::AccessDenied),
                FaultScope::Always
            ),
            expect(None, "*", Fault::Status(503), FaultScope::Times(3)),
            expect(
                None,
                "/marketdata/v1/{symbol_id}/quotes",
                Fault::TooManyRequests { retry_after: None },
                FaultScope::Always
            ),
            expect(
                None,
                "/trader/v1/accounts",
                Fault::TooManyRequests {
                    retry_after: Some(7)
                },
                FaultScope::Once
            ),
            expect(
                None,
                "/trader/v1/orders",
                Fault::HtmlError(HtmlPage::BadGateway),
                FaultScope::Always
            ),
            expect(
                None,
                "/v1/oauth/token",
                Fault::StalledBody,
                FaultScope::Always
            ),
            expect(
                None,
                "/trader/v1/accounts/{account_hash}/previewOrder",
                Fault::TruncatedBody,
                FaultScope::Always
            ),
            expect(
                None,
                "/trader/v1/userPreference",
                Fault::WrongShape,
                FaultScope::Times(2)
            ),
            expect(
                None,
                "/trader/v1/accounts/{account_hash}",
                Fault::DropBeforeProcessing,
                FaultScope::Always
            ),
            expect(
                None,
                "/marketdata/v1/pricehistory",
                Fault::Latency(Duration::from_millis(250)),
                FaultScope::Always
            ),
        ]
    );
    assert_eq!(parse_faults("").unwrap(), vec![]);
    assert_eq!(parse_faults(" ; ").unwrap(), vec![]);
}

#[test]
fn the_text_form_explains_its_errors() {
    for (spec, needle) in [
        ("quotes", "expected ROUTE=FAULT"),
        ("nowhere=status:500", "unknown route `nowhere`"),
        ("quotes=explode", "unknown fault `explode`"),
        ("quotes=latency", "needs a duration"),
        ("quotes=latency:fast", "not a duration"),
        ("quotes=latency:5h", "not a duration"),
        ("quotes=status:abc", "not an HTTP status"),
        ("quotes=status:700", "outside 100-599"),
        ("quotes=status", "needs a code"),
        (
            "quotes=drop-after:twice",
            "a scope is once, always or times:N",
        ),
        ("quotes=drop-after:times:0", "at least 1"),
        ("quotes=drop-after:times:x", "not a count"),
        ("quotes=html:404", "a scope is"),
    ] {
        let error = parse_faults(spec).expect_err(spec);
        assert!(error.contains(needle), "{spec}: {error}");
        assert!(error.contains(spec.split(';').next().unwrap()), "{error}");
    }
    let error = parse_faults("quotes=latency:1s;orders=bogus").unwrap_err();
    assert!(error.contains("orders=bogus"), "{error}");
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let (sim, token) = logged_in().await;
    sim.faults().set(
        "quotes",
        Fault::Latency(Duration::from_millis(400)),
        FaultScope::Once,
    );
    let started = Instant::now();
    let response = get_raw(&sim, &token, QUOTES).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(400));
    get_raw(&sim, &token, QUOTES).await.unwrap();
    assert_eq!(sim.stats().faults_of("latency"), 1, "once means once");
}

#[tokio::test]
async fn a_status_fault_answers_in_the_family_shape_for_its_times() {
    let (sim, token) = logged_in().await;
    sim.faults()
        .extend(parse_faults("*=status:503:times:2").unwrap());
    let (status, _, body) = get(&sim, QUOTES, Some(&token)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body["errors"][0]["status"], "503",
        "market-data shape: {body}"
    );
    let (status, _, body) = get(&sim, "/trader/v1/accounts", Some(&token)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body["message"], "Service Unavailable",
        "trader shape: {body}"
    );
    assert!(body["errors"].is_array());
    let (status, _, _) = get(&sim, QUOTES, Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "two times, then normal again");
    assert!(sim.faults().rules().is_empty());
    let stats = sim.stats();
    assert_eq!(stats.faults_of("status"), 2);
    assert_eq!(
        stats.faults[&("/marketdata/v1/quotes".to_owned(), "status".to_owned())],
        1
    );
}

#[tokio::test]
async fn throttling_answers_429_with_and_without_retry_after() {
    let (sim, token) = logged_in().await;
    sim.faults().set(
        "quotes",
        Fault::TooManyRequests { retry_after: None },
        FaultScope::Once,
    );
    sim.faults().set(
        "quotes",
        Fault::TooManyRequests {
            retry_after: Some(3),
        },
        FaultScope::Once,
    );
    let first = get_raw(&sim, &token, QUOTES).await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(first.headers().get("retry-after").is_none());
    let body: Value = first.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("transactions per seconds")
    );
    let second = get_raw(&sim, &token, QUOTES).await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.headers()["retry-after"], "3");
    assert_eq!(sim.stats().faults_of("throttle"), 2);
}

#[tokio::test]
async fn a_drop_before_processing_stores_nothing() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    sim.faults()
        .set("POST orders", Fault::DropBeforeProcessing, FaultScope::Once);
    let response = place_raw(&sim, &token, &hash).await;
    let error = response.expect_err("dropped");
    assert!(!error.is_timeout() && !error.is_status(), "{error}");
    assert!(list(&sim, &token, &hash).await.is_empty());
    assert_eq!(sim.stats().order_calls_to(&hash).posts, 0);
    assert_eq!(sim.stats().faults_of("drop-before"), 1);
}

async fn place_raw(sim: &Sim, token: &str, hash: &str) -> reqwest::Result<reqwest::Response> {
    let (bid, _, _) = quote(sim, token, "AAPL").await;
    let body = limit("BUY", "AAPL", 1, &cents(bid * 0.95));
    let path = format!("/trader/v1/accounts/{hash}/orders");
    send(sim, token, Method::POST, &path, Some(&body)).await
}

#[tokio::test]
async fn a_drop_after_processing_stores_the_order_and_resets_the_connection() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    sim.faults()
        .extend(parse_faults("POST orders=drop-after:once").unwrap());
    let error = place_raw(&sim, &token, &hash).await.expect_err("dropped");
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(list(&sim, &token, &hash).await.len(), 1);
    assert_eq!(sim.stats().order_calls_to(&hash).posts, 1);
    assert_eq!(sim.stats().faults_of("drop-after"), 1);
}

#[tokio::test]
async fn a_truncated_body_is_complete_http_but_broken_json() {
    let (sim, token) = logged_in().await;
    sim.faults()
        .set("accounts", Fault::TruncatedBody, FaultScope::Once);
    let response = get_raw(&sim, &token, "/trader/v1/accounts").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let text = response.text().await.unwrap();
    assert_eq!(text.len(), length);
    assert!(text.starts_with('['));
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let whole = get_raw(&sim, &token, "/trader/v1/accounts").await.unwrap();
    assert_eq!(whole.text().await.unwrap().len() / 2, length);
}

#[tokio::test]
async fn a_wrong_shape_is_valid_json_of_another_shape() {
    let (sim, token) = logged_in().await;
    sim.faults()
        .set("accounts", Fault::WrongShape, FaultScope::Once);
    sim.faults()
        .set("user-preference", Fault::WrongShape, FaultScope::Once);
    let (status, _, body) = get(&sim, "/trader/v1/accounts", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_object(), "an object instead of the array: {body}");
    let (_, _, body) = get(&sim, "/trader/v1/userPreference", Some(&token)).await;
    assert!(body.is_array(), "an array instead of the object: {body}");
}

#[tokio::test]
async fn the_token_endpoint_can_answer_with_an_akamai_page() {
    let sim = frozen_sim().await;
    sim.faults().set(
        "token",
        Fault::HtmlError(HtmlPage::AccessDenied),
        FaultScope::Once,
    );
    let response = client()
        .post(format!("{}/v1/oauth/token", sim.base_url()))
        .header("Authorization", demo_basic())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.headers().get("schwab-client-correlid").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("<TITLE>Access Denied</TITLE>"), "{page}");
    assert!(serde_json::from_str::<Value>(&page).is_err());
    // The login itself still works once the page has been served.
    let token = login(&sim).await.access;

    sim.faults().set(
        "quotes",
        Fault::HtmlError(HtmlPage::BadGateway),
        FaultScope::Once,
    );
    let response = get_raw(&sim, &token, QUOTES).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(response.text().await.unwrap().contains("502 Bad Gateway"));
    assert_eq!(sim.stats().faults_of("html"), 2);
}

#[tokio::test]
async fn a_stalled_body_runs_into_the_clients_timeout() {
    let (sim, token) = logged_in().await;
    sim.faults()
        .set("accounts", Fault::StalledBody, FaultScope::Once);
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let response = impatient
        .get(format!("{}/trader/v1/accounts", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the status line and headers arrive");
    assert_eq!(response.status(), StatusCode::OK);
    let error = response.text().await.expect_err("the body never ends");
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(sim.stats().faults_of("stall"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_given_at_start_apply_from_the_first_request() {
    let sim = Sim::start(SimOptions {
        tick: SLOW_TICK,
        faults: parse_faults("GET /marketdata/v1/AAPL/quotes=status:500:once").unwrap(),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let token = login(&sim).await.access;
    let (status, _, _) = get(&sim, "/marketdata/v1/MSFT/quotes", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "only the AAPL path is named");
    let (status, _, body) = get(&sim, "/marketdata/v1/AAPL/quotes", Some(&token)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let (status, _, _) = get(&sim, "/marketdata/v1/AAPL/quotes", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    sim.faults().clear();
    assert_eq!(sim.stats().total_faults(), 1);
}
