//! The simulator's OAuth over real HTTP: the authorize redirect, code exchange, refresh, and
//! every failure Schwab is known to answer, in Schwab's error shapes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sim_support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use sim_support::*;

#[tokio::test]
async fn authorize_redirects_to_the_callback_with_an_encoded_code_session_and_state() {
    let sim = sim().await;
    let location = authorize(&sim, &[("state", "xyz-123")]).await;

    assert!(
        location.starts_with("https://127.0.0.1:8182/?code=C0."),
        "{location}"
    );
    let raw_code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        raw_code.ends_with("%40"),
        "the @ is percent-encoded: {raw_code}"
    );
    assert!(!raw_code.contains('@'));
    let code = query_param(&location, "code").unwrap();
    assert!(code.starts_with("C0.") && code.ends_with('@'), "{code}");
    assert_eq!(code.matches('.').count(), 2);
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz-123"));
    let session = query_param(&location, "session").unwrap();
    assert_eq!(session.len(), 36);
    assert_eq!(&session[14..15], "4", "a v4 uuid: {session}");
    sim.shutdown().await;
}

#[tokio::test]
async fn authorize_without_state_sends_none_back() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    assert!(query_param(&location, "state").is_none());
    assert!(query_param(&location, "session").is_some());
}

#[tokio::test]
async fn unregistered_redirect_uris_get_an_error_page_and_no_redirect() {
    let sim = sim().await;
    for uri in [
        "https://127.0.0.1:8182/",
        "https://127.0.0.1:8183",
        "HTTPS://127.0.0.1:8182",
        "https://localhost:8182",
        "https://evil.example/steal",
    ] {
        let response = authorize_raw(
            &sim,
            &[
                ("client_id", DEMO_APP_KEY),
                ("redirect_uri", uri),
                ("response_type", "code"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(response.headers().get("location").is_none(), "{uri}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let page = response.text().await.unwrap();
        assert!(page.contains("is not registered"), "{page}");
    }
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page() {
    let sim = sim().await;
    let response = authorize_raw(
        &sim,
        &[("client_id", "SOMEONE-ELSE"), ("redirect_uri", CALLBACK)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("client_id"));
}

#[tokio::test]
async fn a_callback_registered_at_runtime_is_accepted() {
    let sim = sim().await;
    let extra = "https://127.0.0.1:8182/callback";
    let params = [("client_id", DEMO_APP_KEY), ("redirect_uri", extra)];
    assert_eq!(
        authorize_raw(&sim, &params).await.status(),
        StatusCode::BAD_REQUEST
    );
    sim.register_callback(extra);
    let response = authorize_raw(&sim, &params).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://127.0.0.1:8182/callback?code=C0."),
        "{location}"
    );
}

#[tokio::test]
async fn the_code_exchange_returns_schwabs_token_shape_and_the_token_works() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    let code = query_param(&location, "code").unwrap();
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        keys(&body),
        keys(&payload("token-response-doc-example.json"))
    );
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "api");
    let access = body["access_token"].as_str().unwrap();
    assert!(access.len() > 40, "{access}");
    assert_ne!(body["refresh_token"], body["access_token"]);
    assert_eq!(
        body["id_token"].as_str().unwrap().matches('.').count(),
        2,
        "JWT-shaped"
    );

    let numbers = get_ok(&sim, "/trader/v1/accounts/accountNumbers", access).await;
    assert_eq!(numbers.as_array().unwrap().len(), 2);
    let stats = sim.stats();
    assert_eq!(stats.grants("authorization_code"), 1);
    assert_eq!(stats.grants("refresh_token"), 0);
    assert_eq!(stats.requests_to("POST", "/v1/oauth/token"), 1);
    assert_eq!(stats.requests_to("GET", "/v1/oauth/authorize"), 1);
    assert_eq!(
        stats.requests_to("GET", "/trader/v1/accounts/accountNumbers"),
        1
    );
}

#[tokio::test]
async fn bad_client_credentials_are_invalid_client_with_401() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    let code = query_param(&location, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", CALLBACK),
    ];

    let wrong_secret = basic(DEMO_APP_KEY, "not-the-secret");
    let (status, body) = token_request(&sim, Some(&wrong_secret), &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(inner_error(&body), "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("401 Unauthorized: \"")
    );

    let (status, body) = token_request(&sim, None, &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(inner_error(&body), "invalid_client");

    let wrong_key = basic("PALMTREE-OTHER-KEY", DEMO_APP_SECRET);
    let (status, body) = token_request(&sim, Some(&wrong_key), &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(inner_error(&body), "invalid_client");
    assert_eq!(sim.stats().grants("authorization_code"), 0);
}

#[tokio::test]
async fn a_redirect_uri_different_from_the_authorize_one_is_invalid_grant() {
    let sim = sim().await;
    sim.register_callback("https://127.0.0.1:9000");
    let location = authorize(&sim, &[]).await;
    let code = query_param(&location, "code").unwrap();
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://127.0.0.1:9000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uri does not match")
    );
}

#[tokio::test]
async fn a_code_works_once_only() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    let code = query_param(&location, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", CALLBACK),
    ];
    let (first, _) = token_request(&sim, Some(&demo_basic()), &form).await;
    assert_eq!(first, StatusCode::OK);
    let (second, body) = token_request(&sim, Some(&demo_basic()), &form).await;
    assert_eq!(second, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
    assert_eq!(sim.stats().grants("authorization_code"), 1);
}

#[tokio::test]
async fn a_code_older_than_30_seconds_has_expired() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    let code = query_param(&location, "code").unwrap();
    sim.clock().advance(Duration::from_secs(31));
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn an_undecoded_or_unknown_code_is_invalid_grant() {
    let sim = sim().await;
    let location = authorize(&sim, &[]).await;
    let raw = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &raw),
        ("redirect_uri", CALLBACK),
    ];
    let (status, body) = token_request(&sim, Some(&demo_basic()), &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("percent-decoded")
    );

    let form = [
        ("grant_type", "authorization_code"),
        ("code", "C0.nope.nope@"),
        ("redirect_uri", CALLBACK),
    ];
    let (_, body) = token_request(&sim, Some(&demo_basic()), &form).await;
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("unknown")
    );
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[tokio::test]
async fn pkce_verifiers_are_checked_when_a_challenge_was_sent() {
    let sim = sim().await;
    let verifier = "a-long-random-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let challenge = s256(verifier);
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];

    let code = query_param(&authorize(&sim, &pkce).await, "code").unwrap();
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            (
                "code_verifier",
                "the-wrong-verifier-0123456789-abcdefghijklmnopqrstuvwxyz",
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier does not match")
    );

    let code = query_param(&authorize(&sim, &pkce).await, "code").unwrap();
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier is missing")
    );

    let code = query_param(&authorize(&sim, &pkce).await, "code").unwrap();
    let (status, _) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let plain = [
        ("code_challenge", "plain-text-verifier"),
        ("code_challenge_method", "plain"),
    ];
    let code = query_param(&authorize(&sim, &plain).await, "code").unwrap();
    let (status, _) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", "plain-text-verifier"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_works_until_seven_days_after_the_code_exchange_and_never_extends() {
    let sim = sim().await;
    let tokens = login(&sim).await;
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens.refresh.as_str()),
    ];

    sim.clock().advance(Duration::from_secs(6 * 86_400));
    let (status, body) = token_request(&sim, Some(&demo_basic()), &refresh_form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["refresh_token"],
        tokens.refresh.as_str(),
        "the same refresh token"
    );
    let fresh = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, tokens.access);
    assert_eq!(body["expires_in"], 1800);
    get_ok(&sim, "/trader/v1/accounts/accountNumbers", &fresh).await;

    sim.clock().advance(Duration::from_secs(86_400 - 60));
    let (status, _) = token_request(&sim, Some(&demo_basic()), &refresh_form).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still inside 7 days of the exchange"
    );

    sim.clock().advance(Duration::from_secs(61));
    let (status, body) = token_request(&sim, Some(&demo_basic()), &refresh_form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        payload("error-oauth-refresh-token-invalid-grant.json")
    );
    assert_eq!(sim.stats().grants("refresh_token"), 2);
}

#[tokio::test]
async fn an_unknown_refresh_token_gets_the_recorded_invalid_grant_body() {
    let sim = sim().await;
    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "not-a-token"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        payload("error-oauth-refresh-token-invalid-grant.json")
    );
}

#[tokio::test]
async fn missing_parameters_and_unknown_grants_are_named() {
    let sim = sim().await;
    let (status, body) = token_request(&sim, Some(&demo_basic()), &[("code", "x")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("grant_type is missing")
    );

    let (_, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[("grant_type", "authorization_code")],
    )
    .await;
    assert_eq!(inner_error(&body), "invalid_request");

    let (_, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[("grant_type", "refresh_token")],
    )
    .await;
    assert_eq!(inner_error(&body), "invalid_request");

    let (status, body) = token_request(
        &sim,
        Some(&demo_basic()),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(inner_error(&body), "unsupported_grant_type");
}

#[tokio::test]
async fn api_calls_without_a_live_bearer_token_get_the_401_body() {
    let sim = sim().await;
    let expected = payload("error-marketdata-401-client-not-authorized.json");
    let check = |body: &serde_json::Value| {
        let mut body = body.clone();
        let id = body["errors"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36);
        assert_ne!(id, "00000000-0000-0000-0000-000000000000", "a fresh id");
        body["errors"][0]["id"] = json!("00000000-0000-0000-0000-000000000000");
        assert_eq!(body, expected);
    };
    for path in [
        "/trader/v1/accounts/accountNumbers",
        "/trader/v1/accounts",
        "/trader/v1/userPreference",
        "/marketdata/v1/quotes?symbols=AAPL",
        "/marketdata/v1/AAPL/quotes",
        "/marketdata/v1/pricehistory?symbol=AAPL",
        "/marketdata/v1/markets?markets=equity",
    ] {
        let (status, _, body) = get(&sim, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        check(&body);
        let (status, _, body) = get(&sim, path, Some("I0.forged.token@")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        check(&body);
    }

    let tokens = login(&sim).await;
    get_ok(&sim, "/trader/v1/accounts", &tokens.access).await;
    sim.clock().advance(Duration::from_secs(1800));
    let (status, _, body) = get(&sim, "/trader/v1/accounts", Some(&tokens.access)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "access tokens last 30 minutes"
    );
    check(&body);
}

#[tokio::test]
async fn every_answer_carries_a_fresh_correlation_id() {
    let sim = sim().await;
    let first = authorize_raw(
        &sim,
        &[("client_id", DEMO_APP_KEY), ("redirect_uri", CALLBACK)],
    )
    .await;
    let second = authorize_raw(&sim, &[("client_id", "bad")]).await;
    assert_ne!(correl_id(first.headers()), correl_id(second.headers()));
    let (_, headers, _) = get(&sim, "/no/such/path", None).await;
    correl_id(&headers);
    assert_eq!(
        sim.stats()
            .requests_to("GET", palmtree::sim::UNMATCHED_ROUTE),
        1
    );
}
