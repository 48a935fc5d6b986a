//! The order form's steps (edit → preview → confirm → submit → outcome) and the confirm
//! screen's one-line description of the frozen order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use palmtree::broker::model::AccountKey;
use palmtree::schwab::orders::{OrderRequest, PreviewOrder};
use palmtree::trading::{
    AssetClass, Duration, FrozenOrder, Instruction, Limits, MarketContext, OrderKind, OrderStep,
    Outcome, Session, StepEffect, Ticket, Transition, Validation, describe, validate,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/schwab/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path)
        .map_err(|e| format!("{path}: {e}"))
        .unwrap()
}

fn ticket() -> Ticket {
    Ticket {
        account: Some(AccountKey::new("HASH")),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        instruction: Some(Instruction::Buy),
        quantity: "10".into(),
        order_kind: Some(OrderKind::Limit),
        limit_price: "187.25".into(),
        duration: Some(Duration::Day),
        session: Some(Session::Normal),
        ..Ticket::default()
    }
}

fn check(ticket: &Ticket) -> Validation {
    let market = MarketContext {
        penny_pilot: Some(true),
        ..MarketContext::default()
    };
    validate(ticket, &market, &Limits::default())
}

fn order(ticket: &Ticket) -> OrderRequest {
    check(ticket).order.expect("a valid ticket")
}

fn accepted_preview() -> PreviewOrder {
    serde_json::from_str(r#"{"orderId": 0, "orderValidationResult": {"warns": []}}"#).unwrap()
}

fn rejected_preview() -> PreviewOrder {
    serde_json::from_slice(&fixture("order-preview-rejected.json")).unwrap()
}

#[test]
fn descriptions_name_everything_that_is_sent() {
    assert_eq!(describe(&order(&ticket())), "BUY 10 AAPL LIMIT 187.25 DAY");

    let option_stop = Ticket {
        symbol: "AAPL  270115C00200000".into(),
        asset: Some(AssetClass::Option),
        instruction: Some(Instruction::SellToClose),
        quantity: "2".into(),
        order_kind: Some(OrderKind::Stop),
        limit_price: String::new(),
        stop_price: "3.5".into(),
        duration: Some(Duration::GoodTillCancel),
        ..ticket()
    };
    assert_eq!(
        describe(&order(&option_stop)),
        "SELL_TO_CLOSE 2 AAPL  270115C00200000 STOP 3.50 GOOD_TILL_CANCEL"
    );

    let stop_limit = Ticket {
        order_kind: Some(OrderKind::StopLimit),
        stop_price: "187".into(),
        ..ticket()
    };
    assert_eq!(
        describe(&order(&stop_limit)),
        "BUY 10 AAPL STOP_LIMIT stop 187.00 limit 187.25 DAY"
    );

    let trailing = Ticket {
        instruction: Some(Instruction::Sell),
        order_kind: Some(OrderKind::TrailingStop),
        limit_price: String::new(),
        trail_offset: "2.5".into(),
        duration: Some(Duration::GoodTillCancel),
        ..ticket()
    };
    assert_eq!(
        describe(&order(&trailing)),
        "SELL 10 AAPL TRAILING_STOP offset 2.50 from LAST GOOD_TILL_CANCEL"
    );

    let market = Ticket {
        order_kind: Some(OrderKind::Market),
        limit_price: String::new(),
        duration: Some(Duration::ImmediateOrCancel),
        ..ticket()
    };
    assert_eq!(
        describe(&order(&market)),
        "BUY 10 AAPL MARKET IMMEDIATE_OR_CANCEL"
    );

    let after_hours = Ticket {
        session: Some(Session::Pm),
        ..ticket()
    };
    assert_eq!(
        describe(&order(&after_hours)),
        "BUY 10 AAPL LIMIT 187.25 DAY PM"
    );
}

/// The order a transition asks to preview, if it asks for one.
fn previewed(transition: &Transition) -> Option<FrozenOrder> {
    match &transition.effect {
        Some(StepEffect::Preview(order)) => Some(order.clone()),
        _ => None,
    }
}

/// Runs Editing → Previewing → Confirming for the standard ticket.
fn confirming(preview: PreviewOrder) -> (OrderStep, FrozenOrder) {
    let transition = OrderStep::default().preview(&check(&ticket()));
    let frozen = previewed(&transition).expect("a preview asked for");
    let step = OrderStep::Previewing {
        order: frozen.clone(),
    }
    .preview_received(&frozen, preview);
    (step, frozen)
}

#[test]
fn the_happy_path_sends_the_previewed_bytes_once() {
    let validation = check(&ticket());
    let transition = OrderStep::default().preview(&validation);
    let frozen = previewed(&transition).expect("a preview asked for");
    let expected = serde_json::to_vec(validation.order.as_ref().unwrap()).unwrap();
    assert_eq!(frozen.bytes(), expected.as_slice());
    assert_eq!(frozen.request(), validation.order.as_ref().unwrap());
    assert_eq!(
        transition.step,
        OrderStep::Previewing {
            order: frozen.clone()
        }
    );

    let step = transition
        .step
        .preview_received(&frozen, accepted_preview());
    assert!(matches!(&step, OrderStep::Confirming { order, .. } if *order == frozen));
    assert!(step.can_confirm());

    let transition = step.confirm();
    assert_eq!(transition.effect, Some(StepEffect::Place(frozen.clone())));
    assert_eq!(
        frozen.bytes(),
        expected.as_slice(),
        "the bytes previewed are the bytes sent"
    );
    assert_eq!(
        transition.step,
        OrderStep::Submitting {
            order: frozen.clone()
        }
    );

    // A second confirm while the first is in flight does nothing.
    let again = transition.step.confirm();
    assert_eq!(again.effect, None);
    assert_eq!(
        again.step,
        OrderStep::Submitting {
            order: frozen.clone()
        }
    );

    // Nor does editing: the outcome must be seen.
    let step = again.step.edit();
    assert_eq!(
        step,
        OrderStep::Submitting {
            order: frozen.clone()
        }
    );

    let step = step.submitted(Outcome::Placed {
        order_id: Some(9000000000001),
    });
    assert_eq!(
        step,
        OrderStep::Outcome(Outcome::Placed {
            order_id: Some(9000000000001)
        })
    );
    assert_eq!(step.clone().confirm().effect, None);
    assert_eq!(step.edit(), OrderStep::default());
}

#[test]
fn an_invalid_ticket_asks_for_no_preview() {
    let invalid = Ticket {
        order_kind: None,
        ..ticket()
    };
    let transition = OrderStep::default().preview(&check(&invalid));
    assert_eq!(transition.effect, None);
    assert_eq!(transition.step, OrderStep::default());
}

#[test]
fn editing_from_confirming_drops_the_frozen_order() {
    let (step, _) = confirming(accepted_preview());
    assert!(step.order().is_some());
    let step = step.edit();
    assert_eq!(step, OrderStep::Editing { notice: None });
    assert!(step.order().is_none());
    assert_eq!(step.confirm().effect, None);
}

#[test]
fn a_rejected_preview_cannot_be_confirmed() {
    let (step, _) = confirming(rejected_preview());
    assert!(matches!(step, OrderStep::Confirming { .. }));
    assert!(!step.can_confirm());
    let transition = step.confirm();
    assert_eq!(transition.effect, None);
    assert!(matches!(transition.step, OrderStep::Confirming { .. }));
    assert_eq!(transition.step.edit(), OrderStep::default());
}

#[test]
fn stale_answers_are_ignored() {
    let validation = check(&ticket());
    let transition = OrderStep::default().preview(&validation);
    let first = previewed(&transition).expect("a preview asked for");

    // The user edits and previews a different order; the first answer then arrives.
    let edited = Ticket {
        quantity: "11".into(),
        ..ticket()
    };
    let step = transition.step.edit().preview(&check(&edited)).step;
    let second = step.order().unwrap().clone();
    assert_ne!(first, second);
    let step = step.preview_received(&first, accepted_preview());
    assert_eq!(
        step,
        OrderStep::Previewing {
            order: second.clone()
        }
    );
    let step = step.preview_failed(&first, "timed out");
    assert_eq!(
        step,
        OrderStep::Previewing {
            order: second.clone()
        }
    );

    // An answer while editing, or an outcome with nothing submitted, changes nothing.
    let editing = OrderStep::default();
    assert_eq!(
        editing
            .clone()
            .preview_received(&second, accepted_preview()),
        editing
    );
    let unknown = Outcome::Unknown {
        reason: "timed out".into(),
    };
    assert_eq!(editing.clone().submitted(unknown), editing);
}

#[test]
fn a_failed_preview_returns_to_editing_with_the_reason() {
    let transition = OrderStep::default().preview(&check(&ticket()));
    let frozen = previewed(&transition).expect("a preview asked for");
    let step = transition
        .step
        .preview_failed(&frozen, "Schwab did not answer; try again.");
    assert_eq!(
        step,
        OrderStep::Editing {
            notice: Some("Schwab did not answer; try again.".into())
        }
    );
}

#[test]
fn outcomes_other_than_placed() {
    let (step, frozen) = confirming(accepted_preview());
    let submitting = step.confirm().step;
    assert_eq!(submitting.order(), Some(&frozen));

    let rejected = Outcome::Rejected {
        reasons: vec!["Order_Sys_0002".into()],
    };
    assert_eq!(
        submitting.clone().submitted(rejected.clone()),
        OrderStep::Outcome(rejected)
    );

    let unknown = Outcome::Unknown {
        reason: "the connection dropped".into(),
    };
    assert_eq!(
        submitting.clone().submitted(unknown.clone()),
        OrderStep::Outcome(unknown)
    );

    let no_id = Outcome::Placed { order_id: None };
    assert_eq!(
        submitting.submitted(no_id.clone()),
        OrderStep::Outcome(no_id)
    );
}
