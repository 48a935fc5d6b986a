//! A Schwab-compatible HTTP server on 127.0.0.1: OAuth, accounts, quotes, price history,
//! market hours and orders over a seeded random walk, on a clock tests can move forward, with
//! fault injection per endpoint. Only `main.rs`, the demo and the tests use it; its JSON is
//! built here, never from the client's wire types.
//!
//! Orders fill against the walk (see `matching` for the rules) and move the demo accounts'
//! positions and cash. [`Sim::faults`] makes endpoints misbehave (see [`Faults`] and the
//! text form read by [`parse_faults`]); [`Sim::set_order_fault`] makes accepted orders drop
//! their connection or appear late.

mod accounts;
mod clock;
mod conn;
mod errors;
mod fault_layer;
mod faults;
mod history;
mod hours;
mod ids;
mod market;
mod matching;
mod oauth;
mod order_api;
mod order_json;
mod order_rules;
mod orders;
mod pricing;
mod quotes;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use clock::SimClock;
pub use faults::{Fault, FaultRule, FaultScope, Faults, HtmlPage, parse_faults};
pub use hours::SessionHours;
pub use orders::OrderFault;

use accounts::Accounts;
use conn::{ConnKill, SimListener};
use market::Market;
use oauth::OAuthState;
use orders::OrderBook;

/// The demo app key (client id). Obviously fake, and the only one the simulator accepts.
pub const DEMO_APP_KEY: &str = "PALMTREE-DEMO-APP-KEY-0000000000";
/// The demo app secret that goes with [`DEMO_APP_KEY`] in the token request's Basic auth.
pub const DEMO_APP_SECRET: &str = "PALMTREE-DEMO-SECRET-0000";

/// The header Schwab puts on every response, which support asks for.
const CORREL_HEADER: &str = "schwab-client-correlid";
/// The stats key for requests no route matched.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of the random walk: the same seed replays the same prices.
    pub seed: u64,
    /// Sim time between two walk steps; zero freezes prices.
    pub tick: Duration,
    /// Registered OAuth redirect URIs, matched byte for byte.
    pub callbacks: Vec<String>,
    /// Fault rules active from the first request (e.g. from `parse_faults`).
    pub faults: Vec<FaultRule>,
    /// When the market trades: around the clock by default, so the demo and the tests behave
    /// the same at any hour.
    pub hours: SessionHours,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 42,
            tick: Duration::from_secs(1),
            callbacks: vec!["https://127.0.0.1:8182".to_owned()],
            faults: Vec::new(),
            hours: SessionHours::default(),
        }
    }
}

/// What the simulator has served so far, for tests that count calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Requests per (method, route template), e.g. `("GET", "/marketdata/v1/{symbol_id}/quotes")`;
    /// requests no route matched count under [`UNMATCHED_ROUTE`].
    pub requests: BTreeMap<(String, String), u64>,
    /// Successful token grants per `grant_type` (`authorization_code`, `refresh_token`).
    pub token_grants: BTreeMap<String, u64>,
    /// Order calls per account hash (as it appeared in the path), counted when they reach
    /// the handler, i.e. after the bearer check and any fault that stops a request earlier.
    pub order_calls: BTreeMap<String, OrderCalls>,
    /// Faults injected per (route template, fault kind); kinds are [`Fault::kind`] names plus
    /// `accept-then-drop` and `delay-appearance` for the order switches.
    pub faults: BTreeMap<(String, String), u64>,
}

/// The order calls that reached one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderCalls {
    /// `POST …/orders`: placements, accepted or not.
    pub posts: u64,
    /// `PUT …/orders/{id}`: replacements, accepted or not.
    pub puts: u64,
    /// `DELETE …/orders/{id}`: cancels, accepted or not.
    pub deletes: u64,
    /// `POST …/previewOrder`.
    pub previews: u64,
}

/// Which order call to count.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OrderCall {
    Post,
    Put,
    Delete,
    Preview,
}

impl SimStats {
    /// Requests served for one method and route template.
    pub fn requests_to(&self, method: &str, route: &str) -> u64 {
        self.requests
            .get(&(method.to_owned(), route.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Every request served.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Tokens issued for one grant type.
    pub fn grants(&self, grant_type: &str) -> u64 {
        self.token_grants
            .get(grant_type)
            .copied()
            .unwrap_or_default()
    }

    /// The order calls that reached the account with this hash.
    pub fn order_calls_to(&self, account_hash: &str) -> OrderCalls {
        self.order_calls
            .get(account_hash)
            .copied()
            .unwrap_or_default()
    }

    /// Faults of one kind injected so far, over every route.
    pub fn faults_of(&self, kind: &str) -> u64 {
        self.faults
            .iter()
            .filter(|((_, k), _)| k == kind)
            .map(|(_, n)| n)
            .sum()
    }

    /// Every fault injected so far.
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }

    fn count_grant(&mut self, grant_type: &str) {
        *self.token_grants.entry(grant_type.to_owned()).or_default() += 1;
    }

    pub(crate) fn count_order_call(&mut self, account_hash: &str, call: OrderCall) {
        let calls = self.order_calls.entry(account_hash.to_owned()).or_default();
        match call {
            OrderCall::Post => calls.posts += 1,
            OrderCall::Put => calls.puts += 1,
            OrderCall::Delete => calls.deletes += 1,
            OrderCall::Preview => calls.previews += 1,
        }
    }

    pub(crate) fn count_fault(&mut self, route: &str, kind: &str) {
        *self
            .faults
            .entry((route.to_owned(), kind.to_owned()))
            .or_default() += 1;
    }
}

/// Everything the handlers share, behind one lock.
pub(crate) struct SimState {
    pub oauth: OAuthState,
    pub market: Market,
    pub accounts: Accounts,
    pub orders: OrderBook,
    pub stats: SimStats,
}

impl SimState {
    /// Brings the walk up to `now`, letting the working orders look at every step, then
    /// once more at `now` for expiries between steps.
    fn advance(&mut self, now: DateTime<Utc>) {
        let SimState {
            market,
            accounts,
            orders,
            ..
        } = self;
        market.catch_up_with(now, |market, at| {
            matching::run(orders, accounts, market, at);
        });
        matching::run(orders, accounts, market, now);
    }
}

struct Shared {
    state: Mutex<SimState>,
    clock: SimClock,
    port: u16,
    faults: Faults,
    /// Turns true when the simulator stops, which ends stalled bodies.
    closing: watch::Sender<bool>,
}

/// The handlers' view of the simulator: a cheap clone of one `Arc`.
#[derive(Clone)]
pub(crate) struct App(Arc<Shared>);

impl App {
    /// Locks the state. A handler that panicked cannot leave it half-written in a way that
    /// matters for a demo, so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SimState> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sim clock's now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// Locks the state with the market brought up to the clock, for handlers that show prices.
    pub(crate) fn market_state(&self) -> (MutexGuard<'_, SimState>, DateTime<Utc>) {
        let now = self.now();
        let mut state = self.lock();
        state.advance(now);
        (state, now)
    }

    pub(crate) fn port(&self) -> u16 {
        self.0.port
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.0.faults
    }

    /// A receiver that sees `true` once the simulator stops.
    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.0.closing.subscribe()
    }
}

/// A running simulator. Dropping it stops the server too; `shutdown` also waits for it.
pub struct Sim {
    addr: SocketAddr,
    app: App,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sim {
    /// Binds 127.0.0.1 on `opts.port` and serves in a tokio task.
    pub async fn start(opts: SimOptions) -> std::io::Result<Sim> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let clock = SimClock::new();
        let state = SimState {
            oauth: OAuthState::new(opts.callbacks),
            market: Market::new(opts.seed, opts.tick, clock.now()).with_hours(opts.hours),
            accounts: Accounts::demo(),
            orders: OrderBook::new(clock.now()),
            stats: SimStats::default(),
        };
        let faults = Faults::default();
        faults.extend(opts.faults);
        let (closing, _) = watch::channel(false);
        let app = App(Arc::new(Shared {
            state: Mutex::new(state),
            clock,
            port: addr.port(),
            faults,
            closing,
        }));
        let service = router(app.clone()).into_make_service_with_connect_info::<ConnKill>();
        let listener = SimListener::new(listener);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, service).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "simulator server stopped with an error");
            }
        });
        tracing::info!(port = addr.port(), seed = opts.seed, "simulator listening");
        Ok(Sim {
            addr,
            app,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash; the real paths hang off it
    /// (`/v1/oauth/...`, `/trader/v1/...`, `/marketdata/v1/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A handle on the sim clock; advancing it moves expiries and the walk.
    pub fn clock(&self) -> SimClock {
        self.app.0.clock.clone()
    }

    /// A snapshot of the request and grant counters.
    pub fn stats(&self) -> SimStats {
        self.app.lock().stats.clone()
    }

    /// The fault registry: rules set here apply to the next matching requests.
    ///
    /// ```no_run
    /// # async fn demo(sim: palmtree::sim::Sim) {
    /// use palmtree::sim::{Fault, FaultScope, HtmlPage};
    /// sim.faults().set("token", Fault::HtmlError(HtmlPage::AccessDenied), FaultScope::Once);
    /// # }
    /// ```
    pub fn faults(&self) -> Faults {
        self.app.0.faults.clone()
    }

    /// Arms an order switch for the next accepted orders (placed or replaced) in `scope`.
    pub fn set_order_fault(&self, fault: OrderFault, scope: FaultScope) {
        self.app.lock().orders.set_switch(fault, scope);
    }

    /// Disarms every order switch.
    pub fn clear_order_faults(&self) {
        self.app.lock().orders.clear_switches();
    }

    /// Registers one more redirect URI, as adding a callback in the developer portal would.
    pub fn register_callback(&self, uri: &str) {
        let mut state = self.app.lock();
        if !state.oauth.callbacks.iter().any(|c| c == uri) {
            state.oauth.callbacks.push(uri.to_owned());
        }
    }

    /// Stops accepting requests and waits (up to 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        self.app.0.closing.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.app.0.closing.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every route, the bearer check on the API paths, and the counting/correlation layer.
fn router(app: App) -> Router {
    let api = Router::new()
        .route(
            "/trader/v1/accounts/accountNumbers",
            get(accounts::account_numbers),
        )
        .route("/trader/v1/accounts", get(accounts::list))
        .route("/trader/v1/accounts/{account_hash}", get(accounts::one))
        .route("/trader/v1/userPreference", get(accounts::user_preference))
        .route(
            "/trader/v1/accounts/{account_hash}/orders",
            get(order_api::list).post(order_api::place),
        )
        .route(
            "/trader/v1/accounts/{account_hash}/orders/{order_id}",
            get(order_api::one)
                .put(order_api::replace)
                .delete(order_api::cancel),
        )
        .route(
            "/trader/v1/accounts/{account_hash}/previewOrder",
            post(order_api::preview),
        )
        .route("/trader/v1/orders", get(order_api::list_all))
        .route("/marketdata/v1/quotes", get(quotes::many))
        .route("/marketdata/v1/{symbol_id}/quotes", get(quotes::one))
        .route("/marketdata/v1/pricehistory", get(history::price_history))
        .route("/marketdata/v1/markets", get(hours::markets))
        .route("/marketdata/v1/markets/{market_id}", get(hours::market))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            oauth::require_bearer,
        ));
    Router::new()
        .route("/v1/oauth/authorize", get(oauth::authorize))
        .route("/v1/oauth/token", post(oauth::token))
        .merge(api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            fault_layer::inject,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .with_state(app)
}

/// Unknown paths: a market-data 404 under `/marketdata`, a trader 404 elsewhere.
async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/marketdata/") {
        errors::market(StatusCode::NOT_FOUND, Some("No such path"), None)
    } else {
        errors::trader(StatusCode::NOT_FOUND, "Not Found", &["No such path"])
    }
}

/// Counts the request under its route template and stamps a fresh `Schwab-Client-CorrelId`
/// on the response, errors and redirects included (not on edge pages, which the API never
/// saw, nor where a `no-correl-id` fault asks for it to be left off).
async fn track(State(app): State<App>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    *app.lock()
        .stats
        .requests
        .entry((method, route))
        .or_default() += 1;
    let mut response = next.run(request).await;
    let extensions = response.extensions();
    let leave_off = extensions.get::<fault_layer::EdgeResponse>().is_some()
        || extensions
            .get::<fault_layer::WithoutCorrelationId>()
            .is_some();
    if !leave_off && let Ok(value) = HeaderValue::from_str(&ids::uuid_v4()) {
        response.headers_mut().insert(CORREL_HEADER, value);
    }
    response
}
