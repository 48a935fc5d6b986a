//! Orders end to end against the simulator: preview, one POST journaled before and after, the
//! fill and the position it changes; and every way an order's outcome can be unknown, each
//! resolved by reading the orders back, never by sending again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use palmtree::broker::model::Account;
use palmtree::broker::orders::{OrderAction, OrderAnswer, OrderJournal, Resolution};
use palmtree::demo::Demo;
use palmtree::sim::{Fault, FaultScope, OrderFault};
use palmtree::store::{JournalFilter, JournalKind, VerifyReport};
use palmtree::trading::{
    self, AssetClass, Duration as OrderDuration, FrozenOrder, Instruction, Limits, MarketContext,
    OrderKind, Outcome, Session, Ticket,
};
use rust_decimal::Decimal;

async fn demo() -> Demo {
    palmtree::demo::start_with(11, |options| options.reads_per_minute = 100_000)
        .await
        .unwrap()
}

async fn individual(demo: &Demo) -> Account {
    let accounts = demo.broker.accounts().await.unwrap();
    accounts
        .into_iter()
        .find(|a| a.label == "Individual")
        .unwrap()
}

async fn last(demo: &Demo, symbol: &str) -> Decimal {
    let rows = demo.broker.quotes(&[symbol.to_string()]).await.unwrap();
    match &rows[0].state {
        palmtree::broker::model::QuoteState::Live(q) => q.last.unwrap(),
        other => panic!("{other:?}"),
    }
}

/// A validated, frozen order, exactly as the ticket builds it.
fn order(
    account: &Account,
    instruction: Instruction,
    qty: &str,
    kind: OrderKind,
    limit: Decimal,
) -> FrozenOrder {
    let ticket = Ticket {
        account: Some(account.key.clone()),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        instruction: Some(instruction),
        quantity: qty.into(),
        order_kind: Some(kind),
        limit_price: if kind == OrderKind::Market {
            String::new()
        } else {
            limit.round_dp(2).to_string()
        },
        stop_price: String::new(),
        trail_offset: String::new(),
        duration: Some(OrderDuration::Day),
        session: Some(Session::Normal),
    };
    let context = MarketContext {
        last: Some(limit),
        position_quantity: Some(Decimal::ZERO),
        buying_power: account.balances.buying_power,
        ..MarketContext::default()
    };
    let validation = trading::validate(&ticket, &context, &Limits::default());
    assert!(validation.problems.is_empty(), "{:?}", validation.problems);
    FrozenOrder::freeze(validation.order.unwrap()).unwrap()
}

fn kinds(demo: &Demo) -> Vec<JournalKind> {
    demo.records
        .store
        .entries(JournalFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect()
}

fn verifies(demo: &Demo) {
    let anchor = demo.records.anchored_head().unwrap();
    let report = demo.records.store.verify(anchor.as_ref()).unwrap();
    assert!(
        matches!(report, VerifyReport::Verified { .. }),
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_buy_is_previewed_placed_once_fills_and_changes_the_position() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let held = |a: &Account| {
        a.positions
            .iter()
            .find(|p| p.symbol == "AAPL")
            .map(|p| p.quantity)
    };
    let before = held(&account).unwrap();
    let price = last(&demo, "AAPL").await * Decimal::new(101, 2);
    let frozen = order(&account, Instruction::Buy, "10", OrderKind::Limit, price);
    assert_eq!(
        trading::describe(frozen.request()),
        format!("BUY 10 AAPL LIMIT {} DAY", price.round_dp(2))
    );

    let preview = demo
        .broker
        .preview(&account.key, &frozen, demo.records.as_ref())
        .await
        .unwrap();
    assert!(preview.rejects().is_empty(), "{:?}", preview.rejects());
    assert_eq!(preview.total_commission(), Some(Decimal::ZERO));

    let submission = demo
        .broker
        .place(&account.key, &frozen, demo.records.as_ref())
        .await
        .unwrap();
    let Outcome::Placed { order_id: Some(id) } = submission.outcome else {
        panic!("{:?}", submission.outcome);
    };
    assert!(id >= 1_000_000_000_000, "a 13-digit order id: {id}");
    assert_eq!(
        demo.sim.stats().order_calls_to(account.key.expose()).posts,
        1
    );
    let read_back = submission.order.expect("the order was read back");
    assert_eq!(read_back.order_id, id);

    // The simulated market moves; the marketable limit fills.
    let mut filled = None;
    for _ in 0..30 {
        demo.sim.clock().advance(Duration::from_secs(1));
        let rows = demo.broker.orders(1).await.unwrap();
        let row = rows.into_iter().find(|o| o.order_id == id).unwrap();
        if row.status == "FILLED" {
            filled = Some(row);
            break;
        }
    }
    let filled = filled.expect("the order filled");
    assert_eq!(filled.filled, Decimal::from(10));
    assert!(filled.fill_price.unwrap() <= price);
    let after = held(&individual(&demo).await).unwrap();
    assert_eq!(after - before, Decimal::from(10));

    assert_eq!(
        kinds(&demo),
        vec![
            JournalKind::OrderPreviewed,
            JournalKind::OrderSubmitted,
            JournalKind::OrderResult
        ]
    );
    let entries = demo
        .records
        .store
        .entries(JournalFilter::default())
        .unwrap();
    assert_eq!(
        entries[2].details["intent"], entries[1].seq,
        "the result names its intent"
    );
    assert_eq!(
        entries[1].details["order"]["price"],
        price.round_dp(2).to_string()
    );
    assert!(demo.records.store.unanswered_orders().unwrap().is_empty());
    verifies(&demo);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_accepted_then_dropped_100_times_is_sent_once_each_and_found_each_time() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let price = (last(&demo, "AAPL").await * Decimal::new(95, 2)).round_dp(2);
    let mut seen = std::collections::HashSet::new();
    for round in 1..=100u64 {
        demo.sim
            .set_order_fault(OrderFault::AcceptThenDrop, FaultScope::Once);
        // The very same order every time: the read-back must still tell them apart.
        let frozen = order(&account, Instruction::Buy, "1", OrderKind::Limit, price);
        let submission = demo
            .broker
            .place(&account.key, &frozen, demo.records.as_ref())
            .await
            .unwrap();
        assert!(
            matches!(submission.outcome, Outcome::Unknown { .. }),
            "{:?}",
            submission.outcome
        );
        let Some(Resolution::Found(row)) = submission.resolution else {
            panic!("round {round}: {:?}", submission.resolution);
        };
        assert!(
            seen.insert(row.order_id),
            "round {round} found an earlier order"
        );
        let calls = demo.sim.stats().order_calls_to(account.key.expose());
        assert_eq!(
            calls.posts, round,
            "exactly one POST per order, never a retry"
        );
    }
    let working = demo.broker.orders(1).await.unwrap();
    assert_eq!(
        working
            .iter()
            .filter(|o| o.symbol == "AAPL" && o.open)
            .count(),
        100
    );
    let unknown = kinds(&demo)
        .iter()
        .filter(|k| **k == JournalKind::OrderOutcomeUnknown)
        .count();
    assert_eq!(unknown, 100);
    verifies(&demo);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_dropped_before_schwab_saw_it_is_reported_not_found() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let price = last(&demo, "AAPL").await.round_dp(2);
    for fault in [
        Fault::DropBeforeProcessing,
        Fault::Status(503),
        Fault::TooManyRequests {
            retry_after: Some(2),
        },
    ] {
        demo.sim
            .faults()
            .set("POST orders", fault.clone(), FaultScope::Once);
        let frozen = order(&account, Instruction::Buy, "3", OrderKind::Limit, price);
        let submission = demo
            .broker
            .place(&account.key, &frozen, demo.records.as_ref())
            .await
            .unwrap();
        assert!(
            matches!(submission.outcome, Outcome::Unknown { .. }),
            "{fault:?}: {:?}",
            submission.outcome
        );
        assert_eq!(
            submission.resolution,
            Some(Resolution::NotFound),
            "{fault:?}"
        );
    }
    assert_eq!(
        demo.sim.stats().order_calls_to(account.key.expose()).posts,
        0
    );
    assert!(
        demo.broker
            .orders(1)
            .await
            .unwrap()
            .iter()
            .all(|o| o.quantity != Decimal::from(3))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_that_appears_late_is_placed_with_its_id_and_shows_up_later() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let price = (last(&demo, "AAPL").await * Decimal::new(95, 2)).round_dp(2);
    demo.sim.set_order_fault(
        OrderFault::DelayAppearance(Duration::from_secs(20)),
        FaultScope::Once,
    );
    let frozen = order(&account, Instruction::Buy, "2", OrderKind::Limit, price);
    let submission = demo
        .broker
        .place(&account.key, &frozen, demo.records.as_ref())
        .await
        .unwrap();
    let Outcome::Placed { order_id: Some(id) } = submission.outcome else {
        panic!("{:?}", submission.outcome);
    };
    assert!(
        demo.broker
            .orders(1)
            .await
            .unwrap()
            .iter()
            .all(|o| o.order_id != id)
    );
    demo.sim.clock().advance(Duration::from_secs(21));
    assert!(
        demo.broker
            .orders(1)
            .await
            .unwrap()
            .iter()
            .any(|o| o.order_id == id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_working_order_is_canceled_once_and_replaced_with_a_new_id() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let price = (last(&demo, "AAPL").await * Decimal::new(95, 2)).round_dp(2);
    let place = |qty: &'static str| {
        let frozen = order(&account, Instruction::Buy, qty, OrderKind::Limit, price);
        let broker = demo.broker.clone();
        let key = account.key.clone();
        let records = demo.records.clone();
        async move { broker.place(&key, &frozen, records.as_ref()).await.unwrap() }
    };
    let first = place("4").await;
    let Outcome::Placed {
        order_id: Some(first_id),
    } = first.outcome
    else {
        panic!()
    };
    let outcome = demo
        .broker
        .cancel(&account.key, first_id, demo.records.as_ref())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Placed {
            order_id: Some(first_id)
        }
    );
    let rows = demo.broker.orders(1).await.unwrap();
    let canceled = rows.iter().find(|o| o.order_id == first_id).unwrap();
    assert_eq!(canceled.status, "CANCELED");
    assert!(!canceled.cancelable);
    let again = demo
        .broker
        .cancel(&account.key, first_id, demo.records.as_ref())
        .await
        .unwrap();
    assert!(matches!(again, Outcome::Rejected { .. }), "{again:?}");
    assert_eq!(
        demo.sim
            .stats()
            .order_calls_to(account.key.expose())
            .deletes,
        2
    );

    let second = place("5").await;
    let Outcome::Placed {
        order_id: Some(second_id),
    } = second.outcome
    else {
        panic!()
    };
    let new_price = (price * Decimal::new(99, 2)).round_dp(2);
    let replacement = order(&account, Instruction::Buy, "6", OrderKind::Limit, new_price);
    let replaced = demo
        .broker
        .replace(&account.key, second_id, &replacement, demo.records.as_ref())
        .await
        .unwrap();
    let Outcome::Placed {
        order_id: Some(new_id),
    } = replaced.outcome
    else {
        panic!("{:?}", replaced.outcome);
    };
    assert_ne!(new_id, second_id);
    let rows = demo.broker.orders(1).await.unwrap();
    assert_eq!(
        rows.iter()
            .find(|o| o.order_id == second_id)
            .unwrap()
            .status,
        "REPLACED"
    );
    let fresh = rows.iter().find(|o| o.order_id == new_id).unwrap();
    assert_eq!(
        (fresh.quantity, fresh.price),
        (Decimal::from(6), Some(new_price))
    );
    assert!(kinds(&demo).contains(&JournalKind::OrderCanceled));
    assert!(kinds(&demo).contains(&JournalKind::OrderReplaced));
    assert!(demo.records.store.unanswered_orders().unwrap().is_empty());
    verifies(&demo);
}

/// A journal that cannot record anything.
struct BrokenJournal;

impl OrderJournal for BrokenJournal {
    fn intent(&self, _: OrderAction, _: serde_json::Value) -> Result<u64, String> {
        Err("disk full".into())
    }
    fn answer(&self, _: u64, _: OrderAnswer, _: serde_json::Value) -> Result<(), String> {
        Err("disk full".into())
    }
    fn previewed(&self, _: serde_json::Value) -> Result<(), String> {
        Err("disk full".into())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_order_leaves_without_its_intent_on_record() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let price = last(&demo, "AAPL").await.round_dp(2);
    let frozen = order(&account, Instruction::Buy, "1", OrderKind::Limit, price);
    let error = demo
        .broker
        .place(&account.key, &frozen, &BrokenJournal)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("order not sent"), "{error}");
    assert_eq!(
        demo.sim.stats().order_calls_to(account.key.expose()).posts,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_order_limiter_refuses_without_sending() {
    let demo = palmtree::demo::start_with(12, |options| options.orders_per_minute = 2)
        .await
        .unwrap();
    let account = individual(&demo).await;
    let price = (last(&demo, "AAPL").await * Decimal::new(95, 2)).round_dp(2);
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let frozen = order(&account, Instruction::Buy, "1", OrderKind::Limit, price);
        let submission = demo
            .broker
            .place(&account.key, &frozen, demo.records.as_ref())
            .await
            .unwrap();
        outcomes.push(submission.outcome);
    }
    assert!(matches!(outcomes[0], Outcome::Placed { .. }));
    assert!(matches!(outcomes[1], Outcome::Placed { .. }));
    match &outcomes[2] {
        Outcome::Rejected { reasons } => {
            assert!(reasons[0].contains("order limit reached"), "{reasons:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        demo.sim.stats().order_calls_to(account.key.expose()).posts,
        2
    );
}

/// A working order read back from the simulator fills a replace ticket with everything it
/// had, its session and a trailing stop's offset included, so a replace changes only what
/// the user changes.
#[tokio::test]
async fn a_replace_ticket_keeps_the_orders_session_and_trailing_offset() {
    let demo = demo().await;
    let account = individual(&demo).await;
    let last = last(&demo, "AAPL").await;
    let freeze = |ticket: Ticket| {
        let context = MarketContext {
            last: Some(last),
            position_quantity: Some(Decimal::new(150, 0)),
            buying_power: account.balances.buying_power,
            ..MarketContext::default()
        };
        let validation = trading::validate(&ticket, &context, &Limits::default());
        assert!(validation.problems.is_empty(), "{:?}", validation.problems);
        FrozenOrder::freeze(validation.order.unwrap()).unwrap()
    };
    let base = Ticket {
        account: Some(account.key.clone()),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        quantity: "3".into(),
        duration: Some(OrderDuration::Day),
        ..Ticket::default()
    };
    let seamless = freeze(Ticket {
        instruction: Some(Instruction::Buy),
        order_kind: Some(OrderKind::Limit),
        limit_price: (last * Decimal::new(90, 2)).round_dp(2).to_string(),
        session: Some(Session::Seamless),
        ..base.clone()
    });
    let trailing = freeze(Ticket {
        instruction: Some(Instruction::Sell),
        order_kind: Some(OrderKind::TrailingStop),
        trail_offset: "2.5".into(),
        session: Some(Session::Normal),
        ..base.clone()
    });
    let mut ids = Vec::new();
    for frozen in [&seamless, &trailing] {
        let sent = demo
            .broker
            .place(&account.key, frozen, demo.records.as_ref())
            .await
            .unwrap();
        let Outcome::Placed { order_id: Some(id) } = sent.outcome else {
            panic!("{:?}", sent.outcome)
        };
        ids.push(id);
    }

    let rows = demo.broker.orders(1).await.unwrap();
    let row = |id: i64| rows.iter().find(|o| o.order_id == id).unwrap();
    let limit = palmtree::tui::ticket::TicketForm::replacing(row(ids[0])).unwrap();
    assert_eq!(limit.ticket().session, Some(Session::Seamless));
    assert_eq!(limit.ticket().order_kind, Some(OrderKind::Limit));
    let stop = palmtree::tui::ticket::TicketForm::replacing(row(ids[1])).unwrap();
    assert_eq!(stop.ticket().order_kind, Some(OrderKind::TrailingStop));
    assert_eq!(stop.ticket().trail_offset, "2.50");
    assert_eq!(stop.ticket().session, Some(Session::Normal));
    assert_eq!(stop.ticket().quantity, "3");
}
