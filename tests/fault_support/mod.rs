//! Shared pieces of the fault suite and the long run: a demo logged in to a fresh simulator
//! with short timeouts, orders built the way the ticket builds them, checks on what the user
//! is shown, and the counts the suite prints.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use palmtree::broker::Broker;
use palmtree::broker::model::{Account, AccountKey, QuoteState};
use palmtree::clock::Clock;
use palmtree::demo::Demo;
use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient};
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions, SimStats};
use palmtree::store::{JournalFilter, JournalKind};
use palmtree::trading::{
    self, AssetClass, Duration as OrderDuration, FrozenOrder, Instruction, Limits, MarketContext,
    OrderKind, Session, Ticket,
};
use rust_decimal::Decimal;

/// The whole-request limit of every client here: short, so a stalled body or a slow answer
/// ends the wait in two seconds instead of the default fifteen.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// A latency the client waits out, and one it gives up on.
pub const SHORT_DELAY: Duration = Duration::from_millis(300);
pub const LONG_DELAY: Duration = Duration::from_secs(4);

/// The route templates the simulator counts requests under.
pub const QUOTES: &str = "/marketdata/v1/quotes";
pub const QUOTE: &str = "/marketdata/v1/{symbol_id}/quotes";
pub const ACCOUNTS: &str = "/trader/v1/accounts";
pub const ACCOUNT_NUMBERS: &str = "/trader/v1/accounts/accountNumbers";
pub const USER_PREFERENCE: &str = "/trader/v1/userPreference";
pub const ORDERS: &str = "/trader/v1/accounts/{account_hash}/orders";
pub const ORDER: &str = "/trader/v1/accounts/{account_hash}/orders/{order_id}";
pub const PREVIEW: &str = "/trader/v1/accounts/{account_hash}/previewOrder";
pub const PRICE_HISTORY: &str = "/marketdata/v1/pricehistory";
pub const MARKETS: &str = "/marketdata/v1/markets";
pub const TOKEN: &str = "/v1/oauth/token";

/// A demo against a fresh simulator: the real login, a read limit high enough never to
/// wait, the short timeout, and optionally a clock the test moves.
pub async fn demo(seed: u64, clock: Option<Clock>) -> Demo {
    palmtree::demo::start_with(seed, |options| {
        options.reads_per_minute = 100_000;
        options.timeout = TIMEOUT;
        if let Some(clock) = clock {
            options.clock = clock;
        }
    })
    .await
    .unwrap()
}

/// A simulator whose walk moves one step per `tick`, and a broker logged in to it through
/// the demo's real login, on `clock`: for runs that move the clock far, where a one-second
/// walk would make every request replay its most steps.
pub async fn bare(seed: u64, tick: Duration, clock: Clock) -> (Sim, Broker) {
    let sim = Sim::start(SimOptions {
        seed,
        tick,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let urls = ApiUrls::under(&sim.base_url()).unwrap();
    let mut options = ClientOptions::new(urls, AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET));
    options.reads_per_minute = 100_000;
    options.timeout = TIMEOUT;
    options.clock = clock;
    let client = SchwabClient::new(options).unwrap();
    palmtree::demo::login(&sim, &client).await.unwrap();
    (sim, Broker::new(client))
}

/// Moves the client's clock and the simulator's together, as real time would.
pub fn advance(sim: &Sim, clock: &Clock, by: Duration) {
    clock.advance(by);
    sim.clock().advance(by);
}

/// The demo's "Individual" account.
pub async fn individual(demo: &Demo) -> Account {
    let accounts = demo.broker.accounts().await.unwrap();
    accounts
        .into_iter()
        .find(|a| a.label == "Individual")
        .unwrap()
}

/// The last trade of `symbol`.
pub async fn last(demo: &Demo, symbol: &str) -> Decimal {
    let rows = demo.broker.quotes(&[symbol.to_string()]).await.unwrap();
    match &rows[0].state {
        QuoteState::Live(quote) => quote.last.unwrap(),
        other => panic!("{other:?}"),
    }
}

/// A price that rests on the book without filling: a limit buy 5 % under the market.
pub async fn resting_price(demo: &Demo) -> Decimal {
    (last(demo, "AAPL").await * Decimal::new(95, 2)).round_dp(2)
}

/// A limit buy of `quantity` AAPL at `limit`, validated and frozen exactly as the ticket does.
///
/// The suite gives every order its own quantity, so the orders list tells which case an
/// order belongs to.
pub fn limit_buy(key: &AccountKey, quantity: u64, limit: Decimal) -> FrozenOrder {
    let ticket = Ticket {
        account: Some(key.clone()),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        instruction: Some(Instruction::Buy),
        quantity: quantity.to_string(),
        order_kind: Some(OrderKind::Limit),
        limit_price: limit.to_string(),
        duration: Some(OrderDuration::Day),
        session: Some(Session::Normal),
        ..Ticket::default()
    };
    let context = MarketContext {
        last: Some(limit),
        ..MarketContext::default()
    };
    let validation = trading::validate(&ticket, &context, &Limits::default());
    assert!(validation.problems.is_empty(), "{:?}", validation.problems);
    FrozenOrder::freeze(validation.order.unwrap()).unwrap()
}

/// Asserts that a message is fit for the status bar: short, one line, no markup.
pub fn assert_plain(context: &str, text: &str) {
    assert!(!text.is_empty(), "{context}: an empty message");
    assert!(
        text.chars().count() <= 240,
        "{context}: a message too long for the status bar: {text}"
    );
    assert!(
        !text.chars().any(char::is_control),
        "{context}: control characters: {text:?}"
    );
    for raw in ["<html", "<HTML", "<body", "<BODY", "<title", "<TITLE"] {
        assert!(!text.contains(raw), "{context}: raw HTML: {text}");
    }
}

/// What a run of the suite did, from the simulator's counters and the journal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Faults injected, order switches included.
    pub faults: u64,
    /// Requests the simulator received.
    pub requests: u64,
    /// Order writes (place, replace, cancel) the simulator received.
    pub orders: u64,
    /// Order writes received beyond the intents the journal recorded, per kind of write.
    pub duplicates: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.faults += other.faults;
        self.requests += other.requests;
        self.orders += other.orders;
        self.duplicates += other.duplicates;
    }
}

/// The tally of one demo: every write the simulator received is set against the intents
/// journaled before it left, so a resent order shows up as a duplicate.
pub fn tally(stats: &SimStats, demo: &Demo) -> Tally {
    let entries = demo
        .records
        .store
        .entries(JournalFilter::default())
        .unwrap();
    let intents = |kind: JournalKind| entries.iter().filter(|e| e.kind == kind).count() as u64;
    let writes = [
        (
            stats.requests_to("POST", ORDERS),
            intents(JournalKind::OrderSubmitted),
        ),
        (
            stats.requests_to("PUT", ORDER),
            intents(JournalKind::OrderReplaced),
        ),
        (
            stats.requests_to("DELETE", ORDER),
            intents(JournalKind::OrderCanceled),
        ),
    ];
    Tally {
        faults: stats.total_faults(),
        requests: stats.total_requests(),
        orders: writes.iter().map(|(sent, _)| sent).sum(),
        duplicates: writes
            .iter()
            .map(|(sent, intended)| sent.saturating_sub(*intended))
            .sum(),
    }
}
