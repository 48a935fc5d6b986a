//! The one HTTP client palmtree uses for Schwab: pooled, timed out, bearer-authenticated.
//!
//! It owns the current tokens and refreshes the access token before it expires and once on a
//! 401, with a single refresh in flight however many calls wait on it. Reads (GETs) may be
//! sent again after a refresh; nothing here ever resends a request that changes an order.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::accounts::{AccountEnvelope, AccountNumber, UserPreference};
use super::errors::{SchwabError, looks_like_html, summarize_error_body};
use super::market::{HistoryQuery, MarketHours, PriceHistory};
use super::orders::{Order, PreviewOrder, order_id_from_location};
use super::quotes::{QuoteBatch, parse_quotes};
use super::token::{OAuthErrorBody, TokenResponse};
use crate::clock::Clock;

/// Schwab's refresh tokens die this long after the code exchange; refreshing never extends it.
pub const REFRESH_LIFETIME: TimeDelta = TimeDelta::days(7);

/// An access token is treated as expired this long before Schwab would expire it, so a
/// request never leaves with a token that dies in flight.
pub const ACCESS_MARGIN: TimeDelta = TimeDelta::seconds(60);

/// The real Schwab host; the three APIs hang off it at their own prefixes.
pub const SCHWAB_HOST: &str = "https://api.schwabapi.com";

/// Reads allowed per minute by default: under Schwab's 120 a minute per app, leaving room for
/// the token calls and for another palmtree process run from a script.
pub const DEFAULT_READS_PER_MINUTE: u32 = 110;

/// Order writes allowed per account per minute by default: the most Schwab lets an app
/// register for.
pub const DEFAULT_ORDERS_PER_MINUTE: u32 = 120;

/// The most reads sent back to back before the limiter starts spacing them.
const READ_BURST: u32 = 10;

/// The most symbols Schwab takes in one `/quotes` call.
pub const MAX_QUOTE_SYMBOLS: usize = 500;

/// The longest run of digits (with `_`, which `Decimal` reads as a separator) an answer may
/// hold. No Schwab field comes near it (an epoch in milliseconds has 13 digits), and past it
/// a number sent as a string would reach `Decimal`'s reader, which recurses once per digit
/// and overflows the stack of a debug build long before a run this long could be valid.
pub const MAX_DIGIT_RUN: usize = 256;

/// Whether `body` holds a run of digits too long to be any number palmtree reads. A digit
/// written as a JSON escape (`\u0030`) counts as a digit, since serde unescapes it.
pub fn runaway_number(body: &[u8]) -> bool {
    let mut run = 0;
    let mut at = 0;
    while let Some(&byte) = body.get(at) {
        let escaped = match body.get(at..at + 6) {
            Some([b'\\', b'u', b'0', b'0', b'3', d]) => d.is_ascii_digit(),
            Some([b'\\', b'u', b'0', b'0', b'5', b'f' | b'F']) => true,
            _ => false,
        };
        if escaped || byte.is_ascii_digit() || byte == b'_' {
            run += 1;
            if run > MAX_DIGIT_RUN {
                return true;
            }
        } else {
            run = 0;
        }
        at += if escaped { 6 } else { 1 };
    }
    false
}

/// Reads an answer into a wire type, as every call does: a runaway number is refused before
/// serde sees it, and anything that does not fit the type is `Malformed`.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, SchwabError> {
    if runaway_number(body) {
        return Err(SchwabError::Malformed(
            "a number in it is too long to be read".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| SchwabError::Malformed(e.to_string()))
}

/// Where each of Schwab's three APIs lives.
///
/// They are separate so palmtree can talk to servers mounted at any prefix (a contract-testing
/// proxy serves each spec at its own root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiUrls {
    /// e.g. `https://api.schwabapi.com/v1/oauth`
    pub oauth: Url,
    /// e.g. `https://api.schwabapi.com/trader/v1`
    pub trader: Url,
    /// e.g. `https://api.schwabapi.com/marketdata/v1`
    pub marketdata: Url,
}

impl ApiUrls {
    /// The three APIs at Schwab's own prefixes under one host, as the simulator serves them.
    pub fn under(base: &str) -> Result<Self, url::ParseError> {
        let base = base.trim_end_matches('/');
        Ok(ApiUrls {
            oauth: Url::parse(&format!("{base}/v1/oauth"))?,
            trader: Url::parse(&format!("{base}/trader/v1"))?,
            marketdata: Url::parse(&format!("{base}/marketdata/v1"))?,
        })
    }

    /// `base` joined with path segments, each percent-encoded as one segment.
    pub fn join(base: &Url, segments: &[&str]) -> Url {
        let mut url = base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for segment in segments {
                path.push(segment);
            }
        }
        url
    }
}

/// The app key and secret from Schwab's developer portal.
#[derive(Clone)]
pub struct AppCredentials {
    pub key: String,
    pub secret: SecretString,
}

impl AppCredentials {
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        AppCredentials {
            key: key.into(),
            secret: SecretString::from(secret.into()),
        }
    }
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppCredentials([redacted])")
    }
}

/// The tokens of one login, with the deadlines that govern them.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: SecretString,
    /// When the code was exchanged; the refresh deadline is measured from here.
    pub exchanged_at: DateTime<Utc>,
    /// `exchanged_at` + 7 days. A refresh never moves it.
    pub refresh_deadline: DateTime<Utc>,
}

impl Tokens {
    /// Whether the access token can still be sent at `now`.
    pub fn access_valid_at(&self, now: DateTime<Utc>) -> bool {
        now + ACCESS_MARGIN < self.access_expires_at
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"[redacted]")
            .field("exchanged_at", &self.exchanged_at)
            .field("refresh_deadline", &self.refresh_deadline)
            .finish()
    }
}

/// Where tokens outlive the process: told about every new set (after a code exchange or a
/// refresh), and asked before a refresh whether another process already did one.
///
/// Schwab locks out the slower of two processes refreshing the same token, and scripts run
/// palmtree often, so a refresh runs under `lock` and first looks at what `load` returns. The
/// methods block (a keychain round trip); the client calls them off the async threads.
pub trait TokenKeeper: Send + Sync {
    /// The tokens as last saved by any process.
    fn load(&self) -> Option<Tokens>;
    /// Saves new tokens. A failure is logged by the keeper; the tokens stay usable in memory.
    fn save(&self, tokens: &Tokens);
    /// Holds a lock shared by every palmtree process of this profile until the guard drops.
    fn lock(&self) -> Option<Box<dyn Send>>;
    /// The app key and secret, for a client made with [`ClientOptions::app_on_demand`]: asked
    /// once, the first time a token request needs them. `Ok(None)`: none is stored; `Err`:
    /// the store could not be read, in words for the user.
    fn app_credentials(&self) -> Result<Option<AppCredentials>, String> {
        Ok(None)
    }
}

/// How to build a [`SchwabClient`].
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub urls: ApiUrls,
    /// `None`: asked of the token keeper when a token request first needs them.
    pub app: Option<AppCredentials>,
    /// The whole-request limit for every call.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub clock: Clock,
    /// The client-side limit on non-order calls, shared by every task using this client.
    pub reads_per_minute: u32,
    /// The client-side limit on order writes (place, replace, cancel) per account.
    pub orders_per_minute: u32,
    /// An HTTP client made beforehand by [`build_http`] with these options' timeouts.
    ///
    /// Making one loads the system's root certificates, a few milliseconds that a command
    /// can spend while the vault is still opening instead of after it.
    pub http: Option<reqwest::Client>,
}

impl ClientOptions {
    pub fn new(urls: ApiUrls, app: AppCredentials) -> Self {
        ClientOptions {
            app: Some(app),
            ..ClientOptions::app_on_demand(urls)
        }
    }

    /// Options for a client that starts from saved tokens and reads the app key and secret
    /// from its [`TokenKeeper`] only if it has to refresh them. A command run while the access
    /// token is good then makes one keychain read instead of two.
    pub fn app_on_demand(urls: ApiUrls) -> Self {
        ClientOptions {
            urls,
            app: None,
            timeout: Duration::from_secs(15),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            clock: Clock::system(),
            reads_per_minute: DEFAULT_READS_PER_MINUTE,
            orders_per_minute: DEFAULT_ORDERS_PER_MINUTE,
            http: None,
        }
    }
}

/// The connect limit of every client unless its options say otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client every [`SchwabClient`] sends through: rustls with the platform's roots,
/// no redirects followed (Schwab's API never redirects; a redirect is a misconfigured host).
pub fn build_http(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, SchwabError> {
    reqwest::Client::builder()
        .user_agent(concat!("palmtree/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(4)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SchwabError::Network(describe_reqwest(&e)))
}

/// A cheap-to-clone handle on the shared client and its tokens.
#[derive(Clone)]
pub struct SchwabClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    urls: ApiUrls,
    /// Set at construction, or on first need from the keeper.
    app: std::sync::OnceLock<AppCredentials>,
    clock: Clock,
    tokens: RwLock<Option<Tokens>>,
    /// Bumped on every new access token, so a waiter can tell a refresh already happened.
    generation: AtomicU64,
    refresh_gate: Mutex<()>,
    login_required: AtomicBool,
    keeper: std::sync::RwLock<Option<Arc<dyn TokenKeeper>>>,
    refreshes: AtomicU64,
    reads: DefaultDirectRateLimiter,
    orders_per_minute: u32,
    /// One limiter per account hash, made on first use.
    order_writes:
        std::sync::Mutex<std::collections::HashMap<String, Arc<DefaultDirectRateLimiter>>>,
}

impl SchwabClient {
    pub fn new(options: ClientOptions) -> Result<Self, SchwabError> {
        let http = match options.http {
            Some(http) => http,
            None => build_http(options.timeout, options.connect_timeout)?,
        };
        let per_minute = NonZeroU32::new(options.reads_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(READ_BURST.min(per_minute.get())).unwrap_or(NonZeroU32::MIN);
        let reads = RateLimiter::direct(Quota::per_minute(per_minute).allow_burst(burst));
        Ok(SchwabClient {
            inner: Arc::new(Inner {
                http,
                urls: options.urls,
                app: options
                    .app
                    .map(std::sync::OnceLock::from)
                    .unwrap_or_default(),
                clock: options.clock,
                tokens: RwLock::new(None),
                generation: AtomicU64::new(0),
                refresh_gate: Mutex::new(()),
                login_required: AtomicBool::new(false),
                keeper: std::sync::RwLock::new(None),
                refreshes: AtomicU64::new(0),
                reads,
                orders_per_minute: options.orders_per_minute.max(1),
                order_writes: std::sync::Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    pub fn urls(&self) -> &ApiUrls {
        &self.inner.urls
    }

    /// The app key; empty for a client whose keeper has not been asked for it yet (only
    /// the login flow needs it, and it always names the app).
    pub fn app_key(&self) -> &str {
        self.inner.app.get().map_or("", |app| app.key.as_str())
    }

    /// The app key and secret, asking the keeper the first time if they were not given.
    async fn app(&self) -> Result<AppCredentials, SchwabError> {
        if let Some(app) = self.inner.app.get() {
            return Ok(app.clone());
        }
        let asked = match self.keeper() {
            Some(keeper) => tokio::task::spawn_blocking(move || keeper.app_credentials())
                .await
                .unwrap_or_else(|_| Err("reading them stopped unexpectedly".into())),
            None => Ok(None),
        };
        match asked {
            Ok(Some(app)) => Ok(self.inner.app.get_or_init(|| app).clone()),
            Err(reason) => Err(SchwabError::LoginRequired(format!(
                "the Schwab app key and secret could not be read: {reason}"
            ))),
            Ok(None) => Err(SchwabError::LoginRequired(
                "no Schwab app key is stored: run `palmtree login`, or set SCHWAB_API_KEY and \
                 SCHWAB_API_SECRET"
                    .into(),
            )),
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The pooled HTTP client, for the login flow's own requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Installs where new tokens are saved and where other processes' refreshes are seen.
    pub fn set_token_keeper(&self, keeper: Arc<dyn TokenKeeper>) {
        if let Ok(mut slot) = self.inner.keeper.write() {
            *slot = Some(keeper);
        }
    }

    fn keeper(&self) -> Option<Arc<dyn TokenKeeper>> {
        self.inner.keeper.read().ok().and_then(|slot| slot.clone())
    }

    /// Starts from tokens saved by an earlier process.
    pub async fn set_tokens(&self, tokens: Tokens) {
        *self.inner.tokens.write().await = Some(tokens);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.login_required.store(false, Ordering::SeqCst);
    }

    /// A copy of the current tokens, if logged in.
    pub async fn tokens(&self) -> Option<Tokens> {
        self.inner.tokens.read().await.clone()
    }

    /// Whether a refresh was rejected, so only `palmtree login` can help.
    pub fn login_required(&self) -> bool {
        self.inner.login_required.load(Ordering::SeqCst)
    }

    /// How many refresh requests this client has sent.
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::SeqCst)
    }

    /// Exchanges an authorization code (already percent-decoded, ending in `@`) for tokens.
    ///
    /// Sent once and never retried: a code is single-use, so a retry could only fail.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Result<Tokens, SchwabError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(verifier) = code_verifier {
            form.push(("code_verifier", verifier));
        }
        let sent_at = self.inner.clock.now();
        let response = self.post_token(&form).await?;
        let refresh_token = response.refresh_token.ok_or_else(|| {
            SchwabError::Malformed("the token answer carried no refresh token".into())
        })?;
        let tokens = Tokens {
            access_expires_at: sent_at + TimeDelta::seconds(response.expires_in),
            access_token: response.access_token,
            refresh_token,
            exchanged_at: sent_at,
            refresh_deadline: sent_at + REFRESH_LIFETIME,
        };
        self.install(tokens.clone()).await;
        tracing::info!(
            expires_in = response.expires_in,
            "code exchanged for tokens"
        );
        Ok(tokens)
    }

    /// Refreshes the access token unless another task already did since `seen_generation`.
    async fn refresh_from(&self, seen_generation: u64) -> Result<(), SchwabError> {
        let _gate = self.inner.refresh_gate.lock().await;
        if self.inner.generation.load(Ordering::SeqCst) != seen_generation {
            return Ok(());
        }
        let Some(mut current) = self.tokens().await else {
            return Err(SchwabError::LoginRequired("not logged in".into()));
        };
        if self.login_required() {
            // Said the same way every time, not only on the call that found it out.
            let why = if self.inner.clock.now() >= current.refresh_deadline {
                "the 7-day login has ended"
            } else {
                "the saved login was rejected by Schwab"
            };
            return Err(SchwabError::LoginRequired(why.into()));
        }
        let keeper = self.keeper();
        let _process_lock = match keeper.clone() {
            Some(keeper) => tokio::task::spawn_blocking(move || keeper.lock())
                .await
                .ok()
                .flatten(),
            None => None,
        };
        if let Some(keeper) = keeper.clone()
            && let Ok(Some(saved)) = tokio::task::spawn_blocking(move || keeper.load()).await
        {
            let newer = saved.access_token.expose_secret() != current.access_token.expose_secret();
            if newer && saved.access_valid_at(self.inner.clock.now()) {
                tracing::info!("another palmtree process refreshed the token; reusing it");
                self.install_loaded(saved).await;
                return Ok(());
            }
            if saved.refresh_token.expose_secret() != current.refresh_token.expose_secret() {
                current = saved;
            }
        }
        // A client started from an access token remembered without its refresh token (see
        // `vault::AccessSlot`) refreshes only with the one the keeper has; with none, sending
        // an empty one would only be refused.
        if current.refresh_token.expose_secret().is_empty() {
            return Err(SchwabError::LoginRequired(
                "the vault gave no saved login to refresh the access token with (if the \
                 keychain is locked or cannot be reached, unlock it and try again)"
                    .into(),
            ));
        }
        let now = self.inner.clock.now();
        if now >= current.refresh_deadline {
            self.inner.login_required.store(true, Ordering::SeqCst);
            return Err(SchwabError::LoginRequired(
                "the 7-day login has ended".into(),
            ));
        }
        let refresh = current.refresh_token.expose_secret().to_string();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ];
        self.inner.refreshes.fetch_add(1, Ordering::SeqCst);
        let response = match self.post_token(&form).await {
            Ok(response) => response,
            Err(SchwabError::OAuth(reason)) => {
                self.inner.login_required.store(true, Ordering::SeqCst);
                tracing::warn!("refresh token rejected; login required");
                return Err(SchwabError::LoginRequired(reason));
            }
            Err(other) => return Err(other),
        };
        let tokens = Tokens {
            access_expires_at: now + TimeDelta::seconds(response.expires_in),
            access_token: response.access_token,
            refresh_token: response.refresh_token.unwrap_or(current.refresh_token),
            exchanged_at: current.exchanged_at,
            refresh_deadline: current.refresh_deadline,
        };
        self.install(tokens).await;
        tracing::info!("access token refreshed");
        Ok(())
    }

    /// Makes the access token good for the next call, refreshing it if it is about to expire.
    pub async fn ensure_fresh(&self) -> Result<(), SchwabError> {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let valid = match self.tokens().await {
            Some(tokens) => tokens.access_valid_at(self.inner.clock.now()),
            None => return Err(SchwabError::LoginRequired("not logged in".into())),
        };
        if valid {
            Ok(())
        } else {
            self.refresh_from(generation).await
        }
    }

    async fn install(&self, tokens: Tokens) {
        if let Some(keeper) = self.keeper() {
            let saved = tokens.clone();
            let _ = tokio::task::spawn_blocking(move || keeper.save(&saved)).await;
        }
        self.install_loaded(tokens).await;
    }

    /// Makes `tokens` current without saving them (they came from the keeper).
    async fn install_loaded(&self, tokens: Tokens) {
        *self.inner.tokens.write().await = Some(tokens);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.login_required.store(false, Ordering::SeqCst);
    }

    async fn post_token(&self, form: &[(&str, &str)]) -> Result<TokenResponse, SchwabError> {
        let url = ApiUrls::join(&self.inner.urls.oauth, &["token"]);
        let app = self.app().await?;
        let response = self
            .inner
            .http
            .post(url)
            .basic_auth(&app.key, Some(app.secret.expose_secret()))
            .form(form)
            .send()
            .await
            .map_err(|e| SchwabError::Network(describe_reqwest(&e)))?;
        let (status, retry_after, body) = receive("token", response).await?;
        if status.is_success() {
            return serde_json::from_slice::<TokenResponse>(&body).map_err(|_| {
                SchwabError::TokenServiceUnavailable(
                    "the token answer was not the documented JSON".into(),
                )
            });
        }
        // A throttled token call says nothing about the login, whatever its body holds: it
        // must not be read as a refused refresh token, which would force a new login.
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(SchwabError::Throttled { retry_after });
        }
        let text = String::from_utf8_lossy(&body);
        if looks_like_html(&text) || status.is_server_error() {
            return Err(SchwabError::TokenServiceUnavailable(format!(
                "HTTP {}, {}",
                status.as_u16(),
                summarize_error_body(&body)
            )));
        }
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(error) if error.error.is_some() || error.error_description.is_some() => {
                let code = error.inner_error().unwrap_or_else(|| "error".into());
                let description = error.inner_description().unwrap_or_default();
                // OAuth's two codes for a failing server (RFC 6749 §4.1.2.1) refuse nothing:
                // the same token may work a moment later.
                if matches!(code.as_str(), "server_error" | "temporarily_unavailable") {
                    return Err(SchwabError::TokenServiceUnavailable(format!(
                        "HTTP {}, {code}: {description}",
                        status.as_u16()
                    )));
                }
                Err(SchwabError::OAuth(format!("{code}: {description}")))
            }
            _ => Err(SchwabError::TokenServiceUnavailable(format!(
                "HTTP {}, {}",
                status.as_u16(),
                summarize_error_body(&body)
            ))),
        }
    }

    /// Sends an authenticated GET, refreshing once and resending once on a 401.
    ///
    /// `endpoint` names the route for logs, which must never carry account hashes.
    async fn get_bytes(
        &self,
        endpoint: &'static str,
        url: Url,
    ) -> Result<bytes::Bytes, SchwabError> {
        self.ensure_fresh().await?;
        let mut refreshed = false;
        loop {
            let generation = self.inner.generation.load(Ordering::SeqCst);
            let token = match self.tokens().await {
                Some(tokens) => tokens.access_token,
                None => return Err(SchwabError::LoginRequired("not logged in".into())),
            };
            self.inner.reads.until_ready().await;
            let response = self
                .inner
                .http
                .get(url.clone())
                .bearer_auth(token.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| SchwabError::Network(describe_reqwest(&e)))?;
            let (status, retry_after, body) = receive(endpoint, response).await?;
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                self.refresh_from(generation).await?;
                continue;
            }
            return check_status(status, retry_after, body);
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: Url,
    ) -> Result<T, SchwabError> {
        let body = self.get_bytes(endpoint, url).await?;
        parse_body(&body)
    }

    /// `GET /accounts/accountNumbers`: plain numbers and the hashes that address them.
    pub async fn account_numbers(&self) -> Result<Vec<AccountNumber>, SchwabError> {
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", "accountNumbers"]);
        self.get_json("accounts/accountNumbers", url).await
    }

    /// `GET /accounts`, with positions when asked.
    pub async fn accounts(&self, positions: bool) -> Result<Vec<AccountEnvelope>, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.trader, &["accounts"]);
        if positions {
            url.query_pairs_mut().append_pair("fields", "positions");
        }
        self.get_json("accounts", url).await
    }

    /// `GET /accounts/{hash}`, with positions when asked.
    pub async fn account(
        &self,
        hash: &str,
        positions: bool,
    ) -> Result<AccountEnvelope, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash]);
        if positions {
            url.query_pairs_mut().append_pair("fields", "positions");
        }
        self.get_json("accounts/{hash}", url).await
    }

    /// `GET /userPreference`: account nicknames and streamer settings.
    pub async fn user_preference(&self) -> Result<UserPreference, SchwabError> {
        let url = ApiUrls::join(&self.inner.urls.trader, &["userPreference"]);
        self.get_json("userPreference", url).await
    }

    /// `GET /quotes` for any number of symbols, in as few calls as Schwab allows.
    pub async fn quotes(&self, symbols: &[String]) -> Result<QuoteBatch, SchwabError> {
        let mut batch = QuoteBatch::default();
        for chunk in symbols.chunks(MAX_QUOTE_SYMBOLS) {
            let mut url = ApiUrls::join(&self.inner.urls.marketdata, &["quotes"]);
            url.query_pairs_mut()
                .append_pair("symbols", &chunk.join(","));
            let body = self.get_bytes("quotes", url).await?;
            let part = parse_quotes(&body).map_err(|e| SchwabError::Malformed(e.to_string()))?;
            batch.entries.extend(part.entries);
            batch.invalid_symbols.extend(part.invalid_symbols);
        }
        Ok(batch)
    }

    /// `GET /pricehistory` for one symbol.
    pub async fn price_history(
        &self,
        symbol: &str,
        query: &HistoryQuery,
    ) -> Result<PriceHistory, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.marketdata, &["pricehistory"]);
        url.query_pairs_mut()
            .append_pair("symbol", symbol)
            .append_pair("periodType", query.period_type)
            .append_pair("period", &query.period.to_string())
            .append_pair("frequencyType", query.frequency_type)
            .append_pair("frequency", &query.frequency.to_string());
        self.get_json("pricehistory", url).await
    }

    /// `GET /markets` for the given markets (`equity`, `option`, …) today.
    pub async fn market_hours(&self, markets: &[&str]) -> Result<MarketHours, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.marketdata, &["markets"]);
        url.query_pairs_mut()
            .append_pair("markets", &markets.join(","));
        self.get_json("markets", url).await
    }

    /// `GET /{symbol}/quotes` for one symbol.
    pub async fn quote(&self, symbol: &str) -> Result<QuoteBatch, SchwabError> {
        let url = ApiUrls::join(&self.inner.urls.marketdata, &[symbol, "quotes"]);
        let body = self.get_bytes("{symbol}/quotes", url).await?;
        parse_quotes(&body).map_err(|e| SchwabError::Malformed(e.to_string()))
    }
}

/// What Schwab said to an accepted order write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderAccepted {
    /// The id from `Location`; `None` when the header was missing or unreadable, in which
    /// case the order exists but must be found by listing orders.
    pub order_id: Option<i64>,
    pub status: u16,
}

/// Schwab's order-time format, `2024-03-29T00:00:00.000Z`.
pub fn order_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl SchwabClient {
    /// Takes one order write from `account`'s allowance, or refuses without sending.
    fn take_order_slot(&self, account: &str) -> Result<(), SchwabError> {
        let limiter = {
            let mut map = self
                .inner
                .order_writes
                .lock()
                .map_err(|_| SchwabError::NotSent("order limiter unavailable".into()))?;
            map.entry(account.to_string())
                .or_insert_with(|| {
                    let per_minute =
                        NonZeroU32::new(self.inner.orders_per_minute).unwrap_or(NonZeroU32::MIN);
                    Arc::new(RateLimiter::direct(Quota::per_minute(per_minute)))
                })
                .clone()
        };
        limiter.check().map_err(|_| SchwabError::OrderRateLimited {
            per_minute: self.inner.orders_per_minute,
        })
    }

    /// Sends one order write exactly once.
    ///
    /// Never retried, not even after a 401: a resent order that had in fact arrived is a
    /// duplicate order. Every failure is classified as not sent, refused, or unknown.
    async fn send_write(
        &self,
        endpoint: &'static str,
        account: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, HeaderMap), SchwabError> {
        self.ensure_fresh().await?;
        self.take_order_slot(account)?;
        let token = match self.tokens().await {
            Some(tokens) => tokens.access_token,
            None => return Err(SchwabError::LoginRequired("not logged in".into())),
        };
        let sent = request
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Err(SchwabError::NotSent(describe_reqwest(&e))),
            Err(e) => return Err(SchwabError::OutcomeUnknown(describe_reqwest(&e))),
        };
        let status = response.status();
        let headers = response.headers().clone();
        log_correlation(endpoint, status, &headers);
        // The status decides the outcome; a body cut off after a success status changes
        // nothing, and an error body is only read for its message.
        let body = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            return Ok((status, headers));
        }
        match status.as_u16() {
            401 => Err(SchwabError::Unauthorized(format!(
                "{}; the order was refused before it was processed",
                summarize_error_body(&body)
            ))),
            429 => Err(SchwabError::OutcomeUnknown(
                "Schwab answered 429 (throttled)".into(),
            )),
            500..=599 => Err(SchwabError::OutcomeUnknown(format!(
                "Schwab answered HTTP {}",
                status.as_u16()
            ))),
            _ => Err(SchwabError::Api {
                status: status.as_u16(),
                message: summarize_error_body(&body),
            }),
        }
    }

    fn accepted(status: StatusCode, headers: &HeaderMap) -> OrderAccepted {
        let order_id = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(order_id_from_location);
        OrderAccepted {
            order_id,
            status: status.as_u16(),
        }
    }

    /// `POST /accounts/{hash}/orders` with exactly `body`: sent once, never retried.
    pub async fn place_order(&self, hash: &str, body: &[u8]) -> Result<OrderAccepted, SchwabError> {
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "orders"]);
        let request = self.json_body(self.inner.http.post(url), body);
        let (status, headers) = self.send_write("orders(place)", hash, request).await?;
        Ok(Self::accepted(status, &headers))
    }

    /// `PUT /accounts/{hash}/orders/{id}` with the full new order: sent once, never retried.
    /// Schwab cancels the old order and answers with the new one's id.
    pub async fn replace_order(
        &self,
        hash: &str,
        order_id: i64,
        body: &[u8],
    ) -> Result<OrderAccepted, SchwabError> {
        let id = order_id.to_string();
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "orders", &id]);
        let request = self.json_body(self.inner.http.put(url), body);
        let (status, headers) = self.send_write("orders(replace)", hash, request).await?;
        Ok(Self::accepted(status, &headers))
    }

    /// `DELETE /accounts/{hash}/orders/{id}`: sent once, never retried.
    pub async fn cancel_order(&self, hash: &str, order_id: i64) -> Result<(), SchwabError> {
        let id = order_id.to_string();
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "orders", &id]);
        let request = self.inner.http.delete(url);
        self.send_write("orders(cancel)", hash, request).await?;
        Ok(())
    }

    fn json_body(&self, request: reqwest::RequestBuilder, body: &[u8]) -> reqwest::RequestBuilder {
        request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
    }

    /// `POST /accounts/{hash}/previewOrder`: Schwab's checks, commission and fees for an
    /// order, with no effect on the account.
    pub async fn preview_order(
        &self,
        hash: &str,
        body: &[u8],
    ) -> Result<PreviewOrder, SchwabError> {
        self.ensure_fresh().await?;
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "previewOrder"]);
        let token = match self.tokens().await {
            Some(tokens) => tokens.access_token,
            None => return Err(SchwabError::LoginRequired("not logged in".into())),
        };
        self.inner.reads.until_ready().await;
        let response = self
            .json_body(self.inner.http.post(url), body)
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| SchwabError::Network(describe_reqwest(&e)))?;
        let (status, retry_after, body) = receive("previewOrder", response).await?;
        let body = check_status(status, retry_after, body)?;
        parse_body(&body)
    }

    /// `GET /accounts/{hash}/orders` entered between `from` and `to`.
    pub async fn account_orders(
        &self,
        hash: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Order>, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "orders"]);
        url.query_pairs_mut()
            .append_pair("fromEnteredTime", &order_time(from))
            .append_pair("toEnteredTime", &order_time(to));
        self.get_json("accounts/{hash}/orders", url).await
    }

    /// `GET /orders`: orders of every linked account entered between `from` and `to`.
    pub async fn all_orders(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Order>, SchwabError> {
        let mut url = ApiUrls::join(&self.inner.urls.trader, &["orders"]);
        url.query_pairs_mut()
            .append_pair("fromEnteredTime", &order_time(from))
            .append_pair("toEnteredTime", &order_time(to));
        self.get_json("orders", url).await
    }

    /// `GET /accounts/{hash}/orders/{id}`.
    pub async fn order(&self, hash: &str, order_id: i64) -> Result<Order, SchwabError> {
        let id = order_id.to_string();
        let url = ApiUrls::join(&self.inner.urls.trader, &["accounts", hash, "orders", &id]);
        self.get_json("accounts/{hash}/orders/{id}", url).await
    }
}

/// Maps a finished response to its body or the error it stands for.
fn check_status(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: bytes::Bytes,
) -> Result<bytes::Bytes, SchwabError> {
    if status.is_success() {
        return Ok(body);
    }
    match status {
        StatusCode::UNAUTHORIZED => Err(SchwabError::Unauthorized(summarize_error_body(&body))),
        StatusCode::TOO_MANY_REQUESTS => Err(SchwabError::Throttled { retry_after }),
        _ => Err(SchwabError::Api {
            status: status.as_u16(),
            message: summarize_error_body(&body),
        }),
    }
}

/// `Retry-After` in seconds, when Schwab sends one (it is not documented, but honoured).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Reads a response whole: its status, `Retry-After`, and body, logging the correlation id.
///
/// Reads, previews and token calls all read their answers this way; order writes do not,
/// since for them the status alone decides and a cut-off body must not turn into an error.
async fn receive(
    endpoint: &'static str,
    response: reqwest::Response,
) -> Result<(StatusCode, Option<Duration>, bytes::Bytes), SchwabError> {
    let status = response.status();
    log_correlation(endpoint, status, response.headers());
    let retry_after = retry_after(response.headers());
    let body = response
        .bytes()
        .await
        .map_err(|e| SchwabError::Network(describe_reqwest(&e)))?;
    Ok((status, retry_after, body))
}

/// Logs the status and Schwab's correlation id, which Schwab support asks for.
fn log_correlation(endpoint: &'static str, status: StatusCode, headers: &HeaderMap) {
    let correl = headers
        .get("schwab-client-correlid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::debug!(
        endpoint,
        status = status.as_u16(),
        correl_id = correl,
        "schwab response"
    );
}

/// A reqwest error in a few words, without its URL (which could carry an account hash).
fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else if e.is_request() {
        "the request failed"
    } else {
        "network error"
    };
    kind.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_keep_schwab_prefixes_and_encode_segments() {
        let urls = ApiUrls::under(SCHWAB_HOST).unwrap();
        assert_eq!(urls.trader.as_str(), "https://api.schwabapi.com/trader/v1");
        assert_eq!(urls.oauth.as_str(), "https://api.schwabapi.com/v1/oauth");
        let quote = ApiUrls::join(&urls.marketdata, &["AAPL  270115C00200000", "quotes"]);
        assert_eq!(
            quote.as_str(),
            "https://api.schwabapi.com/marketdata/v1/AAPL%20%20270115C00200000/quotes"
        );
        let future = ApiUrls::join(&urls.marketdata, &["/ES", "quotes"]);
        assert_eq!(
            future.as_str(),
            "https://api.schwabapi.com/marketdata/v1/%2FES/quotes"
        );
    }

    #[test]
    fn status_mapping_keeps_retry_after() {
        let throttled = check_status(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3)),
            bytes::Bytes::new(),
        );
        assert_eq!(
            throttled,
            Err(SchwabError::Throttled {
                retry_after: Some(Duration::from_secs(3))
            })
        );
        let missing = check_status(
            StatusCode::NOT_FOUND,
            None,
            bytes::Bytes::from_static(br#"{"errors":[{"status":"404","title":"Not Found"}]}"#),
        );
        assert_eq!(
            missing,
            Err(SchwabError::Api {
                status: 404,
                message: "Not Found".into()
            })
        );
    }

    /// Found by the response fuzzing: a quote price sent as a string of thousands of zeros
    /// overflowed the stack inside `Decimal`'s reader (in a debug build).
    #[test]
    fn a_runaway_number_is_refused_before_it_is_read() {
        let zeros = "0".repeat(20_000);
        let plain = format!(r#"{{"AAPL":{{"quote":{{"lastPrice":"{zeros}"}}}}}}"#);
        assert!(runaway_number(plain.as_bytes()));
        let escaped = format!(r#"{{"lastPrice":"{}"}}"#, r"\u0030".repeat(300));
        assert!(runaway_number(escaped.as_bytes()));
        let result = parse_body::<crate::schwab::quotes::QuoteEntry>(escaped.as_bytes());
        assert!(
            matches!(result, Err(SchwabError::Malformed(_))),
            "{result:?}"
        );
        assert!(crate::schwab::quotes::parse_quotes(plain.as_bytes()).is_err());
        let real = br#"{"quoteTime":1738299363000,"cusip":"037833100","lastPrice":187.25}"#;
        assert!(!runaway_number(real));
        assert!(!runaway_number("1".repeat(MAX_DIGIT_RUN).as_bytes()));
    }

    #[test]
    fn tokens_debug_hides_secrets() {
        let now = Utc::now();
        let tokens = Tokens {
            access_token: SecretString::from("ACCESS-SECRET-VALUE".to_string()),
            access_expires_at: now,
            refresh_token: SecretString::from("REFRESH-SECRET-VALUE".to_string()),
            exchanged_at: now,
            refresh_deadline: now + REFRESH_LIFETIME,
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("SECRET-VALUE"), "{shown}");
        let app = AppCredentials::new("KEY", "APP-SECRET-VALUE");
        assert!(!format!("{app:?}").contains("SECRET"));
    }
}
