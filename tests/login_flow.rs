//! The login paths and the token lifecycle against the simulator: the paste path, bad pastes,
//! expired codes, the 7-day deadline, single-flight refresh, and tokens reused from the vault.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use palmtree::auth::redirect::RedirectError;
use palmtree::auth::{LoginError, flow};
use palmtree::broker::Broker;
use palmtree::clock::Clock;
use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient, SchwabError};
use palmtree::session::{self, VaultKeeper};
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::vault::{MemoryStore, SecretStore, Vault, VaultError, VaultKind};
use secrecy::SecretString;
use tokio::io::AsyncWriteExt;

const CALLBACK: &str = "https://127.0.0.1:8182";

/// A writer the test can read while the login is still running.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    async fn authorize_url(&self) -> String {
        for _ in 0..200 {
            if let Some(url) = self
                .text()
                .split_whitespace()
                .find(|w| w.contains("/authorize?"))
            {
                return url.to_string();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no authorize URL was printed: {}", self.text());
    }
}

fn client_with_clock(sim: &Sim, clock: Clock) -> SchwabClient {
    let mut options = ClientOptions::new(
        ApiUrls::under(&sim.base_url()).unwrap(),
        AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET),
    );
    options.clock = clock;
    SchwabClient::new(options).unwrap()
}

/// What the browser's address bar shows after Schwab redirects: the authorize answer's
/// `Location`, which the paste path receives by hand.
async fn redirected_url(authorize: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(authorize).send().await.unwrap();
    assert_eq!(
        answer.status(),
        302,
        "{}",
        answer.text().await.unwrap_or_default()
    );
    answer.headers()["location"].to_str().unwrap().to_string()
}

/// Runs the paste path, pasting whatever `paste` makes of the real redirect.
async fn paste_login(
    sim: &Sim,
    client: &SchwabClient,
    paste: impl FnOnce(String) -> String,
) -> Result<palmtree::schwab::Tokens, LoginError> {
    let (mut keyboard, terminal) = tokio::io::duplex(4096);
    let mut input = tokio::io::BufReader::new(terminal);
    let screen = Screen::default();
    let mut out = screen.clone();
    let login = async { flow::with_paste(client, CALLBACK, &mut input, true, &mut out).await };
    let user = async {
        let authorize = screen.authorize_url().await;
        let pasted = paste(redirected_url(&authorize).await);
        keyboard
            .write_all(format!("{pasted}\n").as_bytes())
            .await
            .unwrap();
        keyboard
    };
    let (result, _keyboard) = tokio::join!(login, user);
    let _ = sim;
    result
}

#[tokio::test]
async fn the_paste_path_logs_in_with_quotes_and_spaces_around_the_url() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let tokens = paste_login(&sim, &client, |url| format!("  '{url}'  "))
        .await
        .unwrap();
    assert_eq!(
        (tokens.refresh_deadline - tokens.exchanged_at).num_seconds(),
        604_800
    );
    assert_eq!(sim.stats().grants("authorization_code"), 1);
    let rows = Broker::new(client)
        .quotes(&["AAPL".to_string()])
        .await
        .unwrap();
    assert_eq!(rows[0].symbol, "AAPL");
}

#[tokio::test]
async fn a_url_encoded_twice_is_decoded_once_and_refused_by_schwab() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let result = paste_login(&sim, &client, |url| url.replace("%40", "%2540")).await;
    let error = result.unwrap_err();
    assert!(flow::code_rejected(&error), "{error}");
    assert!(client.tokens().await.is_none());
}

#[tokio::test]
async fn schwabs_own_login_page_pasted_sends_no_token_request() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let base = sim.base_url();
    let result = paste_login(&sim, &client, |_| {
        format!("{base}/v1/oauth/authorize?client_id={DEMO_APP_KEY}&redirect_uri=x")
    })
    .await;
    match result.unwrap_err() {
        LoginError::Redirect(RedirectError::WrongPlace { found, .. }) => {
            assert!(found.contains("/v1/oauth/authorize"), "{found}")
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        sim.stats().grants("authorization_code"),
        0,
        "no token request was sent"
    );
}

#[tokio::test]
async fn a_redirect_to_another_port_or_with_no_code_is_refused_before_any_exchange() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let other_port = paste_login(&sim, &client, |url| url.replace(":8182", ":8183")).await;
    assert!(matches!(
        other_port.unwrap_err(),
        LoginError::Redirect(RedirectError::WrongPlace { .. })
    ));
    let no_code = paste_login(&sim, &client, |_| format!("{CALLBACK}/?session=abc")).await;
    let message = no_code.unwrap_err().to_string();
    assert!(message.contains("Ready For Use"), "{message}");
    let wrong_state = paste_login(&sim, &client, |url| url.replace("state=", "state=x")).await;
    assert!(matches!(
        wrong_state.unwrap_err(),
        LoginError::Redirect(RedirectError::StateMismatch)
    ));
    assert_eq!(sim.stats().grants("authorization_code"), 0);
}

#[tokio::test]
async fn a_code_pasted_after_30_seconds_is_expired() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let clock = sim.clock();
    let result = paste_login(&sim, &client, move |url| {
        clock.advance(Duration::from_secs(31));
        url
    })
    .await;
    let error = result.unwrap_err();
    assert!(flow::code_rejected(&error), "{error}");
    assert!(error.to_string().contains("expired"), "{error}");
}

#[tokio::test]
async fn the_same_code_pasted_twice_fails_the_second_time() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    let used = Arc::new(Mutex::new(String::new()));
    let keep = used.clone();
    paste_login(&sim, &client, move |url| {
        *keep.lock().unwrap() = url.clone();
        url
    })
    .await
    .unwrap();
    let again = used.lock().unwrap().clone();
    let code = url::Url::parse(&again)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let second = client
        .exchange_code(&code, CALLBACK, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&second, SchwabError::OAuth(r) if r.starts_with("invalid_grant")),
        "{second}"
    );
}

#[tokio::test]
async fn thirty_calls_that_hit_401_together_cause_exactly_one_refresh() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    palmtree::demo::login(&sim, &client).await.unwrap();
    // Schwab's clock moves past the access token's life; palmtree's does not, so every call
    // leaves with a token it believes good and meets a 401.
    sim.clock().advance(Duration::from_secs(31 * 60));
    let broker = Broker::new(client.clone());
    let calls = (0..30).map(|_| {
        let broker = broker.clone();
        tokio::spawn(async move { broker.quotes(&["MSFT".to_string()]).await })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(sim.stats().grants("refresh_token"), 1);
    assert_eq!(client.refresh_count(), 1);
}

#[tokio::test]
async fn refreshes_never_move_the_seven_day_deadline_and_it_ends_in_login_required() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let clock = Clock::system();
    let client = client_with_clock(&sim, clock.clone());
    palmtree::demo::login(&sim, &client).await.unwrap();
    let first = client.tokens().await.unwrap();
    let broker = Broker::new(client.clone());
    for _ in 0..3 {
        clock.advance(Duration::from_secs(31 * 60));
        sim.clock().advance(Duration::from_secs(31 * 60));
        broker.quotes(&["AAPL".to_string()]).await.unwrap();
    }
    let later = client.tokens().await.unwrap();
    assert_eq!(sim.stats().grants("refresh_token"), 3);
    assert_eq!(
        later.refresh_deadline, first.refresh_deadline,
        "a refresh never extends it"
    );
    assert_eq!(
        later.refresh_deadline - first.exchanged_at,
        TimeDelta::days(7)
    );
    assert!(later.access_expires_at > first.access_expires_at);

    // One second short of the deadline palmtree still refreshes; past it Schwab refuses.
    let to_deadline = later.refresh_deadline - clock.now() - TimeDelta::seconds(1);
    let step = to_deadline.to_std().unwrap();
    clock.advance(step);
    sim.clock().advance(step);
    broker.quotes(&["AAPL".to_string()]).await.unwrap();
    clock.advance(Duration::from_secs(31 * 60));
    sim.clock().advance(Duration::from_secs(31 * 60));
    let error = broker.quotes(&["AAPL".to_string()]).await.unwrap_err();
    assert!(
        matches!(error, palmtree::broker::BrokerError::LoginRequired(_)),
        "{error}"
    );
    assert!(client.login_required());
    let refreshes = sim.stats().grants("refresh_token");
    let again = broker.quotes(&["AAPL".to_string()]).await.unwrap_err();
    assert!(matches!(
        again,
        palmtree::broker::BrokerError::LoginRequired(_)
    ));
    assert_eq!(
        sim.stats().grants("refresh_token"),
        refreshes,
        "no refresh once rejected"
    );
}

#[tokio::test]
async fn an_expired_refresh_token_at_schwab_means_login_required() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let client = client_with_clock(&sim, Clock::system());
    palmtree::demo::login(&sim, &client).await.unwrap();
    // Schwab ends the refresh token early (a password reset, say): the invalid_grant body.
    sim.clock().advance(Duration::from_secs(8 * 24 * 3600));
    let error = Broker::new(client.clone()).accounts().await.unwrap_err();
    match error {
        palmtree::broker::BrokerError::LoginRequired(reason) => {
            assert!(reason.contains("invalid_grant"), "{reason}")
        }
        other => panic!("unexpected {other}"),
    }
    assert!(client.login_required());
}

#[tokio::test]
async fn a_second_process_reuses_saved_tokens_and_sends_no_token_request() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::memory("test").unwrap();
    let first = client_with_clock(&sim, Clock::system());
    first.set_token_keeper(Arc::new(
        VaultKeeper::new(vault.clone(), dir.path()).unwrap(),
    ));
    palmtree::demo::login(&sim, &first).await.unwrap();
    vault
        .save_app_credentials(DEMO_APP_KEY, &DEMO_APP_SECRET.to_string().into())
        .unwrap();
    let grants = sim.stats().grants("authorization_code") + sim.stats().grants("refresh_token");

    // A later command: the config points at the simulator and the vault holds the login.
    let second =
        session::logged_in_client(&sim_config(&sim), &vault, dir.path(), Clock::system(), None)
            .await
            .unwrap();
    Broker::new(second.clone())
        .quotes(&["AAPL".to_string()])
        .await
        .unwrap();
    let after = sim.stats().grants("authorization_code") + sim.stats().grants("refresh_token");
    assert_eq!(
        after, grants,
        "a good access token is reused, not refreshed"
    );

    // When the token dies, the first process to notice refreshes; the other reuses its work.
    sim.clock().advance(Duration::from_secs(31 * 60));
    Broker::new(second.clone())
        .quotes(&["AAPL".to_string()])
        .await
        .unwrap();
    Broker::new(first.clone())
        .quotes(&["AAPL".to_string()])
        .await
        .unwrap();
    assert_eq!(
        sim.stats().grants("refresh_token"),
        1,
        "one refresh for two processes"
    );
}

/// A store that counts the reads of each entry, over process memory.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    reads: Mutex<std::collections::BTreeMap<String, usize>>,
}

impl CountingStore {
    fn reads_of(&self, entry: &str) -> usize {
        self.reads.lock().unwrap().get(entry).copied().unwrap_or(0)
    }
}

impl SecretStore for CountingStore {
    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError> {
        *self
            .reads
            .lock()
            .unwrap()
            .entry(entry.to_owned())
            .or_default() += 1;
        self.inner.get(entry)
    }
    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError> {
        self.inner.set(entry, value)
    }
    fn delete(&self, entry: &str) -> Result<(), VaultError> {
        self.inner.delete(entry)
    }
}

fn sim_config(sim: &Sim) -> palmtree::config::Config {
    let mut config = palmtree::config::Config::default();
    config.api.oauth_url = format!("{}/v1/oauth", sim.base_url());
    config.api.trader_url = format!("{}/trader/v1", sim.base_url());
    config.api.marketdata_url = format!("{}/marketdata/v1", sim.base_url());
    config
}

/// Logs in once as `palmtree login` would, then opens a client from the saved login as a later
/// command does.
async fn log_in_then_reopen(sim: &Sim, vault: &Vault, dir: &std::path::Path) -> SchwabClient {
    let first = client_with_clock(sim, Clock::system());
    first.set_token_keeper(Arc::new(VaultKeeper::new(vault.clone(), dir).unwrap()));
    palmtree::demo::login(sim, &first).await.unwrap();
    session::logged_in_client(&sim_config(sim), vault, dir, Clock::system(), None)
        .await
        .unwrap()
}

/// A command that starts from saved tokens reads the app key and secret only when it must
/// refresh: while the access token is good its one keychain read is the tokens entry.
#[tokio::test]
async fn saved_tokens_are_used_without_reading_the_app_secret_until_a_refresh() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(CountingStore::default());
    let vault = Vault::with_store("count", VaultKind::Memory, "counting", store.clone()).unwrap();
    vault
        .save_app_credentials(DEMO_APP_KEY, &DEMO_APP_SECRET.to_string().into())
        .unwrap();
    let client = log_in_then_reopen(&sim, &vault, dir.path()).await;
    Broker::new(client.clone())
        .quotes(&["AAPL".to_string()])
        .await
        .unwrap();
    assert_eq!(store.reads_of("count:tokens"), 1);
    assert_eq!(store.reads_of("count:app_credentials"), 0);

    // The token dies: the refresh reads the app key and secret once and Schwab takes them.
    sim.clock().advance(Duration::from_secs(31 * 60));
    let broker = Broker::new(client.clone());
    broker.quotes(&["AAPL".to_string()]).await.unwrap();
    sim.clock().advance(Duration::from_secs(31 * 60));
    broker.quotes(&["MSFT".to_string()]).await.unwrap();
    assert_eq!(sim.stats().grants("refresh_token"), 2);
    assert_eq!(store.reads_of("count:app_credentials"), 1);
}

/// With no app key stored (and none in the environment), saved tokens still serve reads; the
/// refresh that would need the key says to log in, and sends no token request.
#[tokio::test]
async fn a_refresh_with_no_app_key_anywhere_says_to_log_in() {
    if std::env::var_os(session::KEY_VAR).is_some() {
        println!("SKIPPED: {} is set in this environment", session::KEY_VAR);
        return;
    }
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::memory("nokey").unwrap();
    let client = log_in_then_reopen(&sim, &vault, dir.path()).await;
    let broker = Broker::new(client.clone());
    broker.quotes(&["AAPL".to_string()]).await.unwrap();
    sim.clock().advance(Duration::from_secs(31 * 60));
    match broker.quotes(&["AAPL".to_string()]).await.unwrap_err() {
        palmtree::broker::BrokerError::LoginRequired(reason) => {
            assert!(reason.contains("no Schwab app key is stored"), "{reason}");
            assert!(reason.contains("palmtree login"), "{reason}");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(sim.stats().grants("refresh_token"), 0);
}

#[tokio::test]
async fn an_html_page_from_the_token_endpoint_is_temporary_and_keeps_the_tokens() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let clock = Clock::system();
    let client = client_with_clock(&sim, clock.clone());
    palmtree::demo::login(&sim, &client).await.unwrap();
    let before = client.tokens().await.unwrap();
    sim.faults().set(
        "token",
        palmtree::sim::Fault::HtmlError(palmtree::sim::HtmlPage::AccessDenied),
        palmtree::sim::FaultScope::Once,
    );
    clock.advance(Duration::from_secs(31 * 60));
    sim.clock().advance(Duration::from_secs(31 * 60));
    let broker = Broker::new(client.clone());
    let error = broker.quotes(&["AAPL".to_string()]).await.unwrap_err();
    match &error {
        palmtree::broker::BrokerError::Offline(why) => {
            assert!(why.contains("web page"), "{why}")
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        !client.login_required(),
        "an HTML page is not a rejected login"
    );
    let kept = client.tokens().await.unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(
        kept.refresh_token.expose_secret(),
        before.refresh_token.expose_secret(),
        "the stored tokens are untouched"
    );
    // The next try, with the endpoint healthy again, refreshes and reads.
    broker.quotes(&["AAPL".to_string()]).await.unwrap();
    assert_eq!(sim.stats().grants("refresh_token"), 1);
}

#[test]
fn login_with_no_terminal_and_nothing_piped_exits_at_once_with_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path();
    let started = std::time::Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_palmtree"))
        .args(["--vault", "file", "login", "--paste"])
        .env("HOME", root)
        .env("XDG_CONFIG_HOME", root.join("c"))
        .env("XDG_DATA_HOME", root.join("d"))
        .env("XDG_STATE_HOME", root.join("s"))
        .env("SCHWAB_API_KEY", DEMO_APP_KEY)
        .env("SCHWAB_API_SECRET", DEMO_APP_SECRET)
        .env("PALMTREE_VAULT_PASSPHRASE", "a passphrase for the test")
        .env("PALMTREE_OAUTH_URL", "http://127.0.0.1:9/v1/oauth")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it never hangs"
    );
    assert!(text.contains("standard input is not a terminal"), "{text}");
    assert!(text.contains("--paste"), "{text}");
}
