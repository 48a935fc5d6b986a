//! The login exchange end to end over loopback: PKCE, state, the one-shot listener and the
//! code exchange against the simulator, and the HTTPS listener's certificate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use palmtree::auth::loopback::Loopback;
use palmtree::auth::{LoginError, PendingLogin};
use palmtree::broker::Broker;
use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient, SchwabError};
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use secrecy::ExposeSecret;

async fn sim() -> Sim {
    Sim::start(SimOptions::default()).await.unwrap()
}

fn client(sim: &Sim, secret: &str) -> SchwabClient {
    let urls = ApiUrls::under(&sim.base_url()).unwrap();
    SchwabClient::new(ClientOptions::new(
        urls,
        AppCredentials::new(DEMO_APP_KEY, secret),
    ))
    .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn demo_login_exchanges_a_real_code_and_reads_accounts() {
    let sim = sim().await;
    let client = client(&sim, DEMO_APP_SECRET);
    palmtree::demo::login(&sim, &client).await.unwrap();
    let tokens = client.tokens().await.expect("logged in");
    let lifetime = tokens.refresh_deadline - tokens.exchanged_at;
    assert_eq!(
        lifetime.num_seconds(),
        7 * 24 * 3600,
        "7 days to the second"
    );
    let access = tokens.access_expires_at - tokens.exchanged_at;
    assert_eq!(access.num_seconds(), 1800);
    assert_eq!(sim.stats().grants("authorization_code"), 1);

    let broker = Broker::new(client);
    let accounts = broker.accounts().await.unwrap();
    assert_eq!(accounts.len(), 2);
    assert!(
        accounts
            .iter()
            .any(|a| a.positions.iter().any(|p| p.quantity.is_sign_negative()))
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_at_the_exchange() {
    let sim = sim().await;
    let client = client(&sim, "not-the-secret");
    let error = palmtree::demo::login(&sim, &client).await.unwrap_err();
    let exchange = error.downcast_ref::<LoginError>().expect("a login error");
    match exchange {
        LoginError::Exchange(SchwabError::OAuth(reason)) => {
            assert!(reason.starts_with("invalid_client"), "{reason}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(client.tokens().await.is_none());
}

#[tokio::test]
async fn stray_requests_are_ignored_and_the_right_one_accepted() {
    let sim = sim().await;
    let client = client(&sim, DEMO_APP_SECRET);
    let pending = PendingLogin::start(&client, "http://127.0.0.1:0/callback")
        .await
        .unwrap();
    sim.register_callback(pending.redirect_uri());
    let base = pending.redirect_uri().to_string();
    let web = browser();
    let favicon = base.replace("/callback", "/favicon.ico");
    assert_eq!(web.get(&favicon).send().await.unwrap().status(), 404);
    let wrong_state = format!("{base}?code=C0.fake%40&state=not-this-one");
    assert_eq!(web.get(&wrong_state).send().await.unwrap().status(), 400);
    // The real redirect still gets through after the strays.
    let landing = web
        .get(pending.authorize_url().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(landing.status(), 200);
    let page = landing.text().await.unwrap();
    assert!(page.contains("go back to the terminal"), "{page}");
    pending
        .finish(&client, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(client.tokens().await.is_some());
}

#[tokio::test]
async fn the_listener_gives_up_after_its_timeout() {
    let listener = Loopback::bind("http://127.0.0.1:0/cb", "state".into())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = listener.wait(Duration::from_millis(200)).await;
    assert!(matches!(result, Err(LoginError::Timeout(_))));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn https_listener_serves_its_own_certificate_and_closes_after_success() {
    let listener = Loopback::bind("https://127.0.0.1:0", "s-1".into())
        .await
        .unwrap();
    let port = listener.local_addr().port();
    assert_eq!(listener.redirect_uri(), format!("https://127.0.0.1:{port}"));
    let der = listener
        .certificate()
        .expect("an https listener has a certificate")
        .clone();

    // A client that trusts the system roots only must refuse the self-signed certificate.
    let stranger = reqwest::Client::builder().build().unwrap();
    let url = format!("https://127.0.0.1:{port}/?code=C0.abc.def%40&session=x&state=s-1");
    assert!(stranger.get(&url).send().await.is_err());

    // A client that trusts exactly palmtree's certificate gets through.
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(der.as_ref()).unwrap()])
        .build()
        .unwrap();
    let favicon = format!("https://127.0.0.1:{port}/favicon.ico");
    assert_eq!(trusting.get(&favicon).send().await.unwrap().status(), 404);
    let answer = trusting.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let code = listener.wait(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        code.0.expose_secret(),
        "C0.abc.def@",
        "percent-decoded once"
    );

    tokio::time::sleep(Duration::from_millis(100)).await;
    let fresh = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(der.as_ref()).unwrap()])
        .build()
        .unwrap();
    assert!(
        fresh.get(&url).send().await.is_err(),
        "the listener closed after success"
    );
}
