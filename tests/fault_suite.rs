//! The fault suite: every simulator fault on every endpoint palmtree calls, through the app's
//! broker. Each case asserts what the user is shown (data, or a short "offline", "throttled"
//! or failure message), that a failed read works on the next call, and that no order write is
//! sent twice (an unknown outcome is read back). The counts go out on one line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fault_support;

use std::io::Write as _;
use std::time::Duration;

use fault_support::*;
use palmtree::broker::model::{Account, ChartRange, QuoteState};
use palmtree::broker::orders::{OrderRow, Resolution, Submission};
use palmtree::broker::{Broker, BrokerError};
use palmtree::clock::Clock;
use palmtree::demo::Demo;
use palmtree::sim::{Fault, FaultScope, HtmlPage, OrderFault};
use palmtree::trading::Outcome;
use rust_decimal::Decimal;

/// Every fault kind the simulator has, with the variants that behave differently (a delay the
/// client waits out and one it does not; 5xx, 4xx and 401; 429 with and without Retry-After;
/// both edge pages).
fn faults() -> Vec<Fault> {
    vec![
        Fault::Latency(SHORT_DELAY),
        Fault::Latency(LONG_DELAY),
        Fault::Status(500),
        Fault::Status(503),
        Fault::Status(400),
        Fault::Status(401),
        Fault::TooManyRequests { retry_after: None },
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
        Fault::DropBeforeProcessing,
        Fault::DropAfterProcessing,
        Fault::TruncatedBody,
        Fault::WrongShape,
        Fault::HtmlError(HtmlPage::AccessDenied),
        Fault::HtmlError(HtmlPage::BadGateway),
        Fault::StalledBody,
        Fault::NoCorrelationId,
    ]
}

// -------------------------------------------------------------------------------------------
// What the user is shown

/// What a call ends in, from the user's side.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    /// The data, as if nothing had gone wrong.
    Data,
    /// "offline: …", with this text in the reason.
    Offline(&'static str),
    /// "throttled by Schwab", with the Retry-After when one was sent.
    Throttled(Option<Duration>),
    /// A failure whose message holds this text.
    Failed(&'static str),
}

fn throttled(retry_after: Option<u64>) -> Shown {
    Shown::Throttled(retry_after.map(Duration::from_secs))
}

/// A GET that meets `fault`. A 401 is answered by one refresh and one resend, so the user
/// still gets the data; no other failure is resent.
fn on_read(fault: &Fault) -> Shown {
    match fault {
        Fault::Latency(delay) if *delay < TIMEOUT => Shown::Data,
        Fault::Latency(_) | Fault::StalledBody => Shown::Offline("timed out"),
        Fault::Status(401) => Shown::Data,
        Fault::Status(500) => Shown::Failed("Schwab answered HTTP 500"),
        Fault::Status(503) => Shown::Failed("Schwab answered HTTP 503"),
        Fault::Status(_) => Shown::Failed("Schwab answered HTTP 400"),
        Fault::TooManyRequests { retry_after } => throttled(*retry_after),
        Fault::DropBeforeProcessing | Fault::DropAfterProcessing => {
            Shown::Offline("the request failed")
        }
        Fault::TruncatedBody | Fault::WrongShape => Shown::Failed("answer could not be read"),
        Fault::HtmlError(HtmlPage::AccessDenied) => {
            Shown::Failed("HTTP 403: a web page titled \"Access Denied\"")
        }
        Fault::HtmlError(HtmlPage::BadGateway) => {
            Shown::Failed("HTTP 502: a web page titled \"502 Bad Gateway\"")
        }
        Fault::NoCorrelationId => Shown::Data,
    }
}

/// A token refresh that meets `fault`. Nothing but a refused refresh token may end the login,
/// so every failure here is "offline" or "throttled" and the next call refreshes again.
fn on_refresh(fault: &Fault) -> Shown {
    match fault {
        Fault::Latency(delay) if *delay < TIMEOUT => Shown::Data,
        Fault::Latency(_) | Fault::StalledBody => Shown::Offline("timed out"),
        Fault::Status(500) => Shown::Offline("HTTP 500, server_error"),
        Fault::Status(503) => Shown::Offline("HTTP 503, server_error"),
        Fault::Status(401) => Shown::Offline("HTTP 401, server_error"),
        Fault::Status(_) => Shown::Offline("HTTP 400, server_error"),
        Fault::TooManyRequests { retry_after } => throttled(*retry_after),
        Fault::DropBeforeProcessing | Fault::DropAfterProcessing => {
            Shown::Offline("the request failed")
        }
        Fault::TruncatedBody | Fault::WrongShape => Shown::Offline("not the documented JSON"),
        Fault::HtmlError(HtmlPage::AccessDenied) => {
            Shown::Offline("HTTP 403, a web page titled \"Access Denied\"")
        }
        Fault::HtmlError(HtmlPage::BadGateway) => {
            Shown::Offline("HTTP 502, a web page titled \"502 Bad Gateway\"")
        }
        Fault::NoCorrelationId => Shown::Data,
    }
}

/// A preview that meets `fault`: like a read, except that a 401 is not answered by a resend
/// (a preview is a POST), so the user is told the token was refused and previews again.
fn on_preview(fault: &Fault) -> Shown {
    match fault {
        Fault::Status(401) => Shown::Failed("Schwab refused the access token"),
        other => on_read(other),
    }
}

fn check(context: &str, expected: &Shown, result: &Result<(), BrokerError>) {
    let matches = match (expected, result) {
        (Shown::Data, Ok(())) => true,
        (Shown::Offline(text), Err(BrokerError::Offline(why))) => why.contains(text),
        (Shown::Throttled(want), Err(BrokerError::Throttled { retry_after })) => {
            want == retry_after
        }
        (Shown::Failed(text), Err(BrokerError::Failed(why))) => why.contains(text),
        _ => false,
    };
    assert!(matches, "{context}: expected {expected:?}, got {result:?}");
    if let Err(error) = result {
        assert_plain(context, &error.to_string());
    }
}

// -------------------------------------------------------------------------------------------
// Reads

/// The endpoints palmtree reads, each as the app calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    Quotes,
    Quote,
    Accounts,
    AccountNumbers,
    UserPreference,
    Orders,
    PriceHistory,
    Markets,
}

impl Read {
    const ALL: [Read; 8] = [
        Read::Quotes,
        Read::Quote,
        Read::Accounts,
        Read::AccountNumbers,
        Read::UserPreference,
        Read::Orders,
        Read::PriceHistory,
        Read::Markets,
    ];

    /// The fault rule's route.
    fn route(self) -> &'static str {
        match self {
            Read::Quotes => "quotes",
            Read::Quote => "quote",
            Read::Accounts => "accounts",
            Read::AccountNumbers => "account-numbers",
            Read::UserPreference => "user-preference",
            Read::Orders => "GET orders",
            Read::PriceHistory => "pricehistory",
            Read::Markets => "markets",
        }
    }

    /// The route template the simulator counts it under.
    fn template(self) -> &'static str {
        match self {
            Read::Quotes => QUOTES,
            Read::Quote => QUOTE,
            Read::Accounts => ACCOUNTS,
            Read::AccountNumbers => ACCOUNT_NUMBERS,
            Read::UserPreference => USER_PREFERENCE,
            Read::Orders => ORDERS,
            Read::PriceHistory => PRICE_HISTORY,
            Read::Markets => MARKETS,
        }
    }

    /// The call the app makes, with the data checked. Account numbers and nicknames are read
    /// once per broker, so those two go through a fresh broker on the same client.
    async fn call(self, demo: &Demo) -> Result<(), BrokerError> {
        let fresh = || Broker::new(demo.broker.client().clone());
        match self {
            Read::Quotes => {
                let rows = demo.broker.quotes(&symbols(&["AAPL", "MSFT"])).await?;
                assert!(rows.iter().all(|r| matches!(r.state, QuoteState::Live(_))));
            }
            Read::Quote => {
                let batch = demo.broker.client().quote("AAPL").await?;
                assert!(matches!(batch.get("AAPL"), Some(Ok(_))));
            }
            Read::Accounts => assert_named(&demo.broker.accounts().await?),
            Read::AccountNumbers => assert_named(&fresh().accounts().await?),
            Read::UserPreference => assert_eq!(fresh().accounts().await?.len(), 2),
            Read::Orders => {
                demo.broker.orders(1).await?;
            }
            Read::PriceHistory => {
                let candles = demo.broker.price_history("AAPL", ChartRange::Month).await?;
                assert!(!candles.is_empty());
            }
            Read::Markets => {
                demo.broker
                    .market_session(demo.broker.client().clock().now())
                    .await?;
            }
        }
        Ok(())
    }
}

fn symbols(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The demo's two accounts under their nicknames.
fn assert_named(accounts: &[Account]) {
    let mut labels: Vec<&str> = accounts.iter().map(|a| a.label.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["Individual", "Roth IRA"]);
}

/// Every fault on one read endpoint, each followed by a clean call that must give the data.
async fn read_group(seed: u64, read: Read) -> Tally {
    let demo = demo(seed, None).await;
    read.call(&demo).await.unwrap();
    for fault in faults() {
        let context = format!("GET {} × {fault:?}", read.route());
        let before = demo.sim.stats();
        demo.sim
            .faults()
            .set(read.route(), fault.clone(), FaultScope::Once);
        let result = read.call(&demo).await;
        let after = demo.sim.stats();
        let expected = match read {
            // Nicknames are a nicety: without them the accounts still show, by number.
            Read::UserPreference => Shown::Data,
            _ => on_read(&fault),
        };
        check(&context, &expected, &result);

        let mut sent = 1 + u64::from(fault == Fault::Status(401));
        if read == Read::Orders && result.is_ok() {
            sent += 1; // the second account's orders
        }
        let template = read.template();
        let got = after.requests_to("GET", template) - before.requests_to("GET", template);
        assert_eq!(got, sent, "{context}: sent once, resent only after a 401");
        if read == Read::UserPreference {
            user_preference_labels(&demo, &fault).await;
        }

        read.call(&demo)
            .await
            .unwrap_or_else(|e| panic!("{context}: the next call failed: {e}"));
    }
    tally(&demo.sim.stats(), &demo)
}

/// After a failed `userPreference` the accounts show as `…1234`, and the nicknames come back
/// on the broker's next use instead of staying lost for the run.
async fn user_preference_labels(demo: &Demo, fault: &Fault) {
    let broker = Broker::new(demo.broker.client().clone());
    demo.sim
        .faults()
        .set("user-preference", fault.clone(), FaultScope::Once);
    let first = broker.accounts().await.unwrap();
    if on_read(fault) == Shown::Data {
        assert_named(&first);
    } else {
        assert!(
            first.iter().all(|a| a.label.starts_with('…')),
            "{fault:?}: {:?}",
            first.iter().map(|a| &a.label).collect::<Vec<_>>()
        );
    }
    assert_named(&broker.accounts().await.unwrap());
}

/// Every fault on the token endpoint, met by the refresh a read needs after the access token
/// has run out. The login survives each one, and the next read refreshes and gets the data.
async fn token_group(seed: u64) -> Tally {
    let clock = Clock::system();
    let demo = demo(seed, Some(clock.clone())).await;
    let client = demo.broker.client().clone();
    let aapl = symbols(&["AAPL"]);
    let quotes = || demo.broker.quotes(&aapl);
    for fault in faults() {
        let context = format!("POST token (refresh) × {fault:?}");
        advance(&demo.sim, &clock, Duration::from_secs(31 * 60));
        let before = demo.sim.stats();
        demo.sim
            .faults()
            .set("token", fault.clone(), FaultScope::Once);
        let result = quotes().await.map(|_| ());
        let after = demo.sim.stats();
        check(&context, &on_refresh(&fault), &result);
        let sent = after.requests_to("POST", TOKEN) - before.requests_to("POST", TOKEN);
        assert_eq!(sent, 1, "{context}: one refresh request, never retried");
        assert!(
            !client.login_required(),
            "{context}: the login must survive"
        );

        quotes()
            .await
            .unwrap_or_else(|e| panic!("{context}: the next call failed: {e}"));
        let tokens = client.tokens().await.unwrap();
        assert!(tokens.access_valid_at(clock.now()), "{context}");
    }
    tally(&demo.sim.stats(), &demo)
}

// -------------------------------------------------------------------------------------------
// Order writes

/// What is armed for one write: a fault on the route, or one of the order switches.
#[derive(Clone, Debug)]
enum Arm {
    Fault(Fault),
    Switch(OrderFault),
}

fn arms(switches: bool) -> Vec<Arm> {
    let mut arms: Vec<Arm> = faults().into_iter().map(Arm::Fault).collect();
    if switches {
        arms.push(Arm::Switch(OrderFault::AcceptThenDrop));
        arms.push(Arm::Switch(OrderFault::DelayAppearance(
            Duration::from_secs(20),
        )));
    }
    arms
}

fn arm(demo: &Demo, route: &str, arm: &Arm) {
    match arm {
        Arm::Fault(fault) => demo
            .sim
            .faults()
            .set(route, fault.clone(), FaultScope::Once),
        Arm::Switch(switch) => demo.sim.set_order_fault(*switch, FaultScope::Once),
    }
}

/// What an order write ends in, from the user's side.
#[derive(Clone, Debug, PartialEq)]
enum Written {
    /// Accepted, with the new order's id.
    Placed,
    /// Refused, with this text in the reason; nothing was placed.
    Rejected(&'static str),
    /// The outcome was unknown; the read-back found the order.
    Found,
    /// The outcome was unknown; the read-back found no such order, and none exists.
    NotFound,
}

/// What a place or replace ends in, and whether the request reached Schwab's handler.
///
/// The status decides: a success is a success even if its body is cut off, garbled or never
/// ends. Anything that leaves the outcome open (a timeout, a reset, a 5xx, a 429) is read
/// back. The simulator drops a request whose client gave up during its delay, so a write that
/// timed out in a delay never reaches the handler.
fn on_write(arm: &Arm) -> (Written, bool) {
    let fault = match arm {
        Arm::Switch(OrderFault::AcceptThenDrop) => return (Written::Found, true),
        Arm::Switch(OrderFault::DelayAppearance(_)) => return (Written::Placed, true),
        Arm::Fault(fault) => fault,
    };
    match fault {
        Fault::Latency(delay) if *delay < TIMEOUT => (Written::Placed, true),
        Fault::Latency(_) => (Written::NotFound, false),
        Fault::Status(401) => (Written::Rejected("refused before it was processed"), false),
        Fault::Status(400) => (Written::Rejected("Schwab answered HTTP 400"), false),
        Fault::Status(_) | Fault::TooManyRequests { .. } | Fault::DropBeforeProcessing => {
            (Written::NotFound, false)
        }
        Fault::DropAfterProcessing => (Written::Found, true),
        Fault::TruncatedBody | Fault::WrongShape | Fault::StalledBody | Fault::NoCorrelationId => {
            (Written::Placed, true)
        }
        Fault::HtmlError(HtmlPage::AccessDenied) => (
            Written::Rejected("HTTP 403: a web page titled \"Access Denied\""),
            false,
        ),
        Fault::HtmlError(HtmlPage::BadGateway) => (Written::NotFound, false),
    }
}

fn check_written(context: &str, expected: &Written, submission: &Submission, quantity: u64) {
    let quantity = Decimal::from(quantity);
    match (expected, &submission.outcome, &submission.resolution) {
        (Written::Placed, Outcome::Placed { order_id: Some(_) }, None) => {}
        (Written::Rejected(text), Outcome::Rejected { reasons }, None) => {
            assert!(reasons[0].contains(text), "{context}: {reasons:?}");
            assert_plain(context, &reasons[0]);
        }
        (Written::Found, Outcome::Unknown { reason }, Some(Resolution::Found(row))) => {
            assert_eq!(row.quantity, quantity, "{context}: found another order");
            assert_plain(context, reason);
        }
        (Written::NotFound, Outcome::Unknown { reason }, Some(Resolution::NotFound)) => {
            assert_plain(context, reason);
        }
        _ => panic!("{context}: expected {expected:?}, got {submission:?}"),
    }
}

/// The account's orders of this quantity (each case has its own).
async fn listed(demo: &Demo, quantity: u64) -> Vec<OrderRow> {
    let quantity = Decimal::from(quantity);
    let rows = demo.broker.orders(1).await.unwrap();
    rows.into_iter()
        .filter(|o| o.quantity == quantity)
        .collect()
}

/// Cancels what a case left working, so resting orders never use up the buying power.
async fn tidy(demo: &Demo, account: &Account, quantities: &[u64]) {
    for quantity in quantities {
        for row in listed(demo, *quantity).await {
            if row.open && row.cancelable {
                let outcome = demo
                    .broker
                    .cancel(&account.key, row.order_id, demo.records.as_ref())
                    .await
                    .unwrap();
                assert!(matches!(outcome, Outcome::Placed { .. }), "{outcome:?}");
            }
        }
    }
}

fn writes(demo: &Demo, account: &Account) -> (u64, palmtree::sim::OrderCalls) {
    let stats = demo.sim.stats();
    let sent = stats.requests_to("POST", ORDERS)
        + stats.requests_to("PUT", ORDER)
        + stats.requests_to("DELETE", ORDER);
    (sent, stats.order_calls_to(account.key.expose()))
}

/// Every fault and order switch on `POST …/orders`: one POST per place, the outcome the user
/// sees, and the account holding the order exactly when the user was told it exists.
async fn place_group(seed: u64, cases: Cases) -> Tally {
    let demo = demo(seed, None).await;
    let account = individual(&demo).await;
    let price = resting_price(&demo).await;
    for (quantity, case) in cases {
        let context = format!("POST orders × {case:?}");
        let (expected, handled) = on_write(&case);
        let (sent_before, calls_before) = writes(&demo, &account);
        arm(&demo, "POST orders", &case);
        let frozen = limit_buy(&account.key, quantity, price);
        let submission = demo
            .broker
            .place(&account.key, &frozen, demo.records.as_ref())
            .await
            .unwrap();
        let (sent_after, calls_after) = writes(&demo, &account);
        assert_eq!(
            sent_after - sent_before,
            1,
            "{context}: one POST, never resent"
        );
        let reached = calls_after.posts - calls_before.posts;
        assert_eq!(
            reached,
            u64::from(handled),
            "{context}: reached the handler"
        );
        check_written(&context, &expected, &submission, quantity);

        if let Arm::Switch(OrderFault::DelayAppearance(delay)) = &case {
            assert!(submission.order.is_none(), "{context}: not listed yet");
            assert!(listed(&demo, quantity).await.is_empty(), "{context}");
            demo.sim.clock().advance(*delay + Duration::from_secs(1));
        }
        let exists = matches!(expected, Written::Placed | Written::Found);
        assert_eq!(
            listed(&demo, quantity).await.len(),
            usize::from(exists),
            "{context}"
        );
        tidy(&demo, &account, &[quantity]).await;
    }
    tally(&demo.sim.stats(), &demo)
}

/// Every fault and order switch on `PUT …/orders/{id}`: one PUT per replace, and the old
/// order replaced exactly when the new one exists.
async fn replace_group(seed: u64, cases: Cases) -> Tally {
    let demo = demo(seed, None).await;
    let account = individual(&demo).await;
    let price = resting_price(&demo).await;
    for (quantity, case) in cases {
        let context = format!("PUT order × {case:?}");
        let (expected, handled) = on_write(&case);
        let original = place_clean(&demo, &account, quantity, price).await;
        let replacement_quantity = quantity + 100;
        let (sent_before, calls_before) = writes(&demo, &account);
        arm(&demo, "PUT order", &case);
        let frozen = limit_buy(&account.key, replacement_quantity, price);
        let submission = demo
            .broker
            .replace(&account.key, original, &frozen, demo.records.as_ref())
            .await
            .unwrap();
        let (sent_after, calls_after) = writes(&demo, &account);
        assert_eq!(
            sent_after - sent_before,
            1,
            "{context}: one PUT, never resent"
        );
        let reached = calls_after.puts - calls_before.puts;
        assert_eq!(
            reached,
            u64::from(handled),
            "{context}: reached the handler"
        );
        check_written(&context, &expected, &submission, replacement_quantity);

        if let Arm::Switch(OrderFault::DelayAppearance(delay)) = &case {
            demo.sim.clock().advance(*delay + Duration::from_secs(1));
        }
        let replaced = matches!(expected, Written::Placed | Written::Found);
        let old = listed(&demo, quantity).await;
        assert_eq!(old.len(), 1, "{context}");
        assert_eq!(
            old[0].status == "REPLACED",
            replaced,
            "{context}: {}",
            old[0].status
        );
        assert_eq!(old[0].open, !replaced, "{context}");
        let new = listed(&demo, replacement_quantity).await;
        assert_eq!(new.len(), usize::from(replaced), "{context}");
        tidy(&demo, &account, &[quantity, replacement_quantity]).await;
    }
    tally(&demo.sim.stats(), &demo)
}

/// Places an order with nothing armed and returns its id.
async fn place_clean(demo: &Demo, account: &Account, quantity: u64, price: Decimal) -> i64 {
    let frozen = limit_buy(&account.key, quantity, price);
    let submission = demo
        .broker
        .place(&account.key, &frozen, demo.records.as_ref())
        .await
        .unwrap();
    match submission.outcome {
        Outcome::Placed { order_id: Some(id) } => id,
        other => panic!("{other:?}"),
    }
}

/// What a cancel ends in: accepted, refused, or unknown (the orders list then tells).
fn on_cancel(fault: &Fault) -> Written {
    match on_write(&Arm::Fault(fault.clone())).0 {
        Written::Found | Written::NotFound => Written::NotFound,
        other => other,
    }
}

/// Every fault on `DELETE …/orders/{id}`: one DELETE per cancel, and the order canceled
/// exactly when the request reached Schwab.
async fn cancel_group(seed: u64) -> Tally {
    let demo = demo(seed, None).await;
    let account = individual(&demo).await;
    let price = resting_price(&demo).await;
    for (quantity, fault) in (1..).zip(faults()) {
        let context = format!("DELETE order × {fault:?}");
        let id = place_clean(&demo, &account, quantity, price).await;
        let (sent_before, calls_before) = writes(&demo, &account);
        demo.sim
            .faults()
            .set("DELETE order", fault.clone(), FaultScope::Once);
        let outcome = demo
            .broker
            .cancel(&account.key, id, demo.records.as_ref())
            .await
            .unwrap();
        let (sent_after, calls_after) = writes(&demo, &account);
        assert_eq!(
            sent_after - sent_before,
            1,
            "{context}: one DELETE, never resent"
        );
        let handled = on_write(&Arm::Fault(fault.clone())).1;
        let reached = calls_after.deletes - calls_before.deletes;
        assert_eq!(
            reached,
            u64::from(handled),
            "{context}: reached the handler"
        );
        match (on_cancel(&fault), &outcome) {
            (Written::Placed, Outcome::Placed { order_id }) => assert_eq!(*order_id, Some(id)),
            (Written::Rejected(text), Outcome::Rejected { reasons }) => {
                assert!(reasons[0].contains(text), "{context}: {reasons:?}");
                assert_plain(&context, &reasons[0]);
            }
            (Written::NotFound, Outcome::Unknown { reason }) => assert_plain(&context, reason),
            (expected, got) => panic!("{context}: expected {expected:?}, got {got:?}"),
        }

        let row = listed(&demo, quantity).await;
        assert_eq!(row.len(), 1, "{context}");
        assert_eq!(
            row[0].status == "CANCELED",
            handled,
            "{context}: {}",
            row[0].status
        );
        tidy(&demo, &account, &[quantity]).await;
    }
    tally(&demo.sim.stats(), &demo)
}

/// Every fault on `previewOrder`: the user sees the preview or why there is none, and the
/// next preview works.
async fn preview_group(seed: u64) -> Tally {
    let demo = demo(seed, None).await;
    let account = individual(&demo).await;
    let price = resting_price(&demo).await;
    let frozen = limit_buy(&account.key, 1, price);
    let preview = || async {
        let preview = demo
            .broker
            .preview(&account.key, &frozen, demo.records.as_ref())
            .await?;
        assert!(preview.rejects().is_empty(), "{:?}", preview.rejects());
        Ok::<(), BrokerError>(())
    };
    for fault in faults() {
        let context = format!("POST previewOrder × {fault:?}");
        let before = demo.sim.stats();
        demo.sim
            .faults()
            .set("preview", fault.clone(), FaultScope::Once);
        let result = preview().await;
        let after = demo.sim.stats();
        check(&context, &on_preview(&fault), &result);
        let sent = after.requests_to("POST", PREVIEW) - before.requests_to("POST", PREVIEW);
        assert_eq!(sent, 1, "{context}: one preview request");
        preview()
            .await
            .unwrap_or_else(|e| panic!("{context}: the next preview failed: {e}"));
    }
    tally(&demo.sim.stats(), &demo)
}

/// Schwab gone entirely: reads are "offline", and an order write that cannot even connect is
/// refused as not sent, with nothing placed.
async fn refused_group(seed: u64) -> Tally {
    let demo = demo(seed, None).await;
    let account = individual(&demo).await;
    let price = resting_price(&demo).await;
    let id = place_clean(&demo, &account, 7, price).await;
    let totals = tally(&demo.sim.stats(), &demo);
    // The simulator alone goes; the demo's journal stays open for the writes below.
    demo.sim.shutdown().await;
    let (broker, records) = (&demo.broker, &demo.records);

    // A connection kept from before may still be tried once ("the request failed"); after
    // that nothing answers at all ("connection failed").
    let mut refused = false;
    for _ in 0..5 {
        let quotes = broker.quotes(&symbols(&["AAPL"])).await.map(|_| ());
        check("quotes, Schwab gone", &Shown::Offline(""), &quotes);
        if matches!(&quotes, Err(BrokerError::Offline(why)) if why == "connection failed") {
            refused = true;
            break;
        }
    }
    assert!(refused, "quotes, Schwab gone: never refused");
    let accounts = broker.accounts().await.map(|_| ());
    check(
        "accounts, Schwab gone",
        &Shown::Offline("connection failed"),
        &accounts,
    );
    let frozen = limit_buy(&account.key, 8, price);
    let submission = broker
        .place(&account.key, &frozen, records.as_ref())
        .await
        .unwrap();
    match &submission.outcome {
        Outcome::Rejected { reasons } => {
            assert!(reasons[0].contains("the order was not sent"), "{reasons:?}");
            assert!(reasons[0].contains("nothing was placed"), "{reasons:?}");
        }
        other => panic!("place, Schwab gone: {other:?}"),
    }
    let cancel = broker.cancel(&account.key, id, records.as_ref()).await;
    assert!(
        matches!(&cancel, Ok(Outcome::Rejected { reasons }) if reasons[0].contains("not sent")),
        "cancel, Schwab gone: {cancel:?}"
    );
    totals
}

// -------------------------------------------------------------------------------------------
// The suite

/// Write cases, each with the quantity that tells its order apart.
type Cases = Vec<(u64, Arm)>;

/// The write cases split over two simulators, so the slow ones (each unknown outcome is read
/// back three times, 0.7 s apart) run side by side; each case has its own quantity.
fn split(cases: Vec<Arm>) -> (Cases, Cases) {
    (1..)
        .zip(cases)
        .partition(|(quantity, _): &(u64, Arm)| quantity % 2 == 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_on_every_endpoint_shows_the_user_a_plain_answer_and_sends_nothing_twice() {
    let started = std::time::Instant::now();
    let mut groups = Vec::new();
    for (seed, read) in (100..).zip(Read::ALL) {
        groups.push(tokio::spawn(read_group(seed, read)));
    }
    groups.push(tokio::spawn(token_group(200)));
    groups.push(tokio::spawn(preview_group(201)));
    let (even, odd) = split(arms(true));
    groups.push(tokio::spawn(place_group(202, even)));
    groups.push(tokio::spawn(place_group(203, odd)));
    let (even, odd) = split(arms(true));
    groups.push(tokio::spawn(replace_group(204, even)));
    groups.push(tokio::spawn(replace_group(205, odd)));
    groups.push(tokio::spawn(cancel_group(206)));
    groups.push(tokio::spawn(refused_group(207)));

    let mut total = Tally::default();
    for group in groups {
        match group.await {
            Ok(tally) => total += tally,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    // Written past the test harness's capture, so CI logs show it on a passing run too, and
    // left in target/tmp for a CI step to print after `cargo test`.
    let line = format!(
        "fault suite: {} faults tried, {} requests sent, {} orders sent, {} duplicates",
        total.faults, total.requests, total.orders, total.duplicates
    );
    let summary = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-summary.txt");
    std::fs::write(&summary, format!("{line}\n")).unwrap();
    writeln!(
        std::io::stdout(),
        "{line} ({:.1} s)",
        started.elapsed().as_secs_f64()
    )
    .unwrap();
    assert_eq!(total.duplicates, 0, "{line}");
    let cases = (Read::ALL.len() + 3) * faults().len() + 2 * arms(true).len();
    assert!(
        total.faults >= cases as u64,
        "{line}: fewer faults than cases"
    );
    // A hang guard, not a speed check: the machines that run this are shared.
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "{line}: the suite hung"
    );
}
