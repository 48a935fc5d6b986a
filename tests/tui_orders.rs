//! Order entry through `update`, with no terminal and no network: the ticket's live problems
//! and estimate, preview with the frozen bytes, the explicit confirm, one send however often
//! it is pressed, the outcomes, cancel and replace from the Orders view, `b`/`s`, the lock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use crossterm::event::KeyCode::{Char, Enter, Esc, Right, Tab};
use crossterm::event::KeyModifiers;
use palmtree::broker::BrokerError;
use palmtree::broker::model::AccountKey;
use palmtree::broker::orders::{Resolution, Submission};
use palmtree::trading::{
    AssetClass, CashSide, Field, FrozenOrder, Instruction, OrderKind, OrderStep, Outcome, Session,
};
use palmtree::tui::State;
use palmtree::tui::action::{Action, Command, Effect, Passphrase};
use palmtree::tui::app::{ORDER_ENTRY_OFF, View};
use palmtree::tui::keymap::{KeyOutcome, Keymap};
use palmtree::tui::ticket::Mode;
use palmtree::tui::update::update;
use rust_decimal_macros::dec;
use tui_support::*;

fn at() -> chrono::DateTime<chrono::Local> {
    tui_support::at(14, 5, 0)
}

/// Presses Enter on the filled ticket and returns the preview effect's parts.
fn preview(state: &mut State) -> (u64, AccountKey, FrozenOrder) {
    let effects = hit(state, Enter);
    match effects.as_slice() {
        [
            Effect::Preview {
                seq,
                account,
                order,
            },
        ] => (*seq, account.clone(), order.clone()),
        other => panic!("expected one preview, got {other:?}"),
    }
}

/// Fills, previews, and lands Schwab's accepting answer: the confirm screen.
fn confirming(state: &mut State) -> FrozenOrder {
    fill_aapl_buy(state);
    let (seq, _, order) = preview(state);
    update(
        state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(),
        },
    );
    assert_eq!(state.ticket().mode(), Mode::Confirming);
    order
}

fn places(effects: &[Effect]) -> Vec<FrozenOrder> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Place { order, .. } | Effect::Replace { order, .. } => Some(order.clone()),
            _ => None,
        })
        .collect()
}

fn submit_seq(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Place { seq, .. } | Effect::Replace { seq, .. } => Some(*seq),
            _ => None,
        })
        .unwrap()
}

#[test]
fn four_opens_an_unchosen_ticket_on_the_default_account_marked_live() {
    let mut state = trading_state();
    hit(&mut state, Char('4'));
    assert_eq!(state.view(), View::Trade);
    let ticket = state.ticket().ticket();
    assert_eq!(ticket.account, Some(AccountKey::new("HASH-ONE")));
    assert_eq!(ticket.order_kind, None, "no default order type");
    assert_eq!(ticket.instruction, None, "no default side");
    assert_eq!(ticket.duration, None);
    assert_eq!(ticket.session, None);
    assert_eq!(state.ticket().focus(), Field::Symbol);
    for (width, height) in [(80, 24), (120, 40)] {
        let text = text_at(&state, width, height);
        assert!(text.contains(" LIVE (demo simulator) "), "{text}");
        assert!(text.contains("Order type   ‹ choose ›"), "{text}");
    }
}

#[test]
fn each_field_shows_its_problem_as_it_is_typed() {
    let mut state = trading_state();
    hit(&mut state, Char('4'));
    let problem = |s: &State, f: Field| s.ticket_validation().problem(f).map(str::to_string);
    assert_eq!(
        problem(&state, Field::Symbol).as_deref(),
        Some("Enter a symbol.")
    );
    type_keys(&mut state, "aapl");
    assert_eq!(state.ticket().ticket().symbol, "AAPL", "typed upper-case");
    assert_eq!(problem(&state, Field::Symbol), None);

    for code in [Tab, Right, Tab, Right, Tab] {
        hit(&mut state, code);
    }
    type_keys(&mut state, "1x");
    let message = problem(&state, Field::Quantity).unwrap();
    assert!(
        message.starts_with("Quantity must be digits only"),
        "{message}"
    );
    assert!(text_at(&state, 120, 40).contains("✖ Quantity must be digits only"));
    hit(&mut state, crossterm::event::KeyCode::Backspace);
    type_keys(&mut state, "0");
    assert_eq!(problem(&state, Field::Quantity), None);

    for code in [Tab, Right, Right, Tab] {
        hit(&mut state, code);
    }
    type_keys(&mut state, "187.255");
    let message = problem(&state, Field::LimitPrice).unwrap();
    assert!(message.contains("187.255"), "{message}");
    let text = text_at(&state, 80, 24);
    assert!(
        text.contains("Use 187.25 or 187.26"),
        "the focused problem in full:\n{text}"
    );
    hit(&mut state, crossterm::event::KeyCode::Backspace);
    assert_eq!(problem(&state, Field::LimitPrice), None);
    let text = text_at(&state, 80, 24);
    assert!(text.contains("✖ Choose a duration."), "{text}");
}

#[test]
fn the_estimate_and_buying_power_after_follow_the_ticket() {
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    let estimate = state.ticket_validation().estimate.unwrap();
    assert_eq!(estimate.side, CashSide::Cost);
    assert_eq!(estimate.gross, dec!(1872.50));
    assert_eq!(estimate.buying_power_after, Some(dec!(43806.40)));
    let text = text_at(&state, 120, 40);
    assert!(
        text.contains("Estimated cost $1,872.50 · buying power after $43,806.40"),
        "{text}"
    );

    // Back to the quantity: one more digit, ten times the money.
    for _ in 0..4 {
        hit(&mut state, crossterm::event::KeyCode::BackTab);
    }
    assert_eq!(state.ticket().focus(), Field::Quantity);
    type_keys(&mut state, "0");
    let text = text_at(&state, 120, 40);
    assert!(text.contains("Estimated cost $18,725.00"), "{text}");
    assert!(
        text.contains("AAPL · bid 187.15 · ask 187.25 · last 187.20"),
        "{text}"
    );
}

#[test]
fn preview_carries_the_frozen_bytes_and_confirm_sends_exactly_them() {
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    let built = state.ticket_validation().order.unwrap();
    let (seq, account, order) = preview(&mut state);
    assert_eq!(account, AccountKey::new("HASH-ONE"));
    assert_eq!(
        order.bytes(),
        serde_json::to_vec(&built).unwrap().as_slice()
    );
    let json: serde_json::Value = serde_json::from_slice(order.bytes()).unwrap();
    assert_eq!(json["price"], "187.25", "prices go as decimal strings");
    assert_eq!(state.ticket().mode(), Mode::Previewing);

    update(
        &mut state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(),
        },
    );
    let text = text_at(&state, 120, 40);
    assert!(text.contains("BUY 10 AAPL LIMIT 187.25 DAY"), "{text}");
    assert!(text.contains("Account   Individual"), "{text}");
    assert!(text.contains("Commission $0.00 · Fees $0.02"), "{text}");
    assert!(text.contains("⚠ The market is volatile"), "{text}");
    assert!(
        text.contains(r#""price":"187.25""#),
        "the JSON sent:\n{text}"
    );
    assert!(text.contains("Press Y to send this order"), "{text}");

    let effects = hit(&mut state, Char('Y'));
    let sent = places(&effects);
    assert_eq!(sent, vec![order.clone()]);
    assert_eq!(sent[0].bytes(), order.bytes());
    match &effects[0] {
        Effect::Place { account, .. } => assert_eq!(*account, AccountKey::new("HASH-ONE")),
        other => panic!("{other:?}"),
    }
    assert_eq!(state.ticket().mode(), Mode::Submitting);
}

#[test]
fn a_second_confirm_while_the_order_is_in_flight_does_nothing() {
    let mut state = trading_state();
    confirming(&mut state);
    let mut effects = hit(&mut state, Char('Y'));
    effects.extend(hit(&mut state, Char('Y')));
    effects.extend(update(&mut state, Action::Command(Command::ConfirmOrder)));
    assert_eq!(places(&effects).len(), 1, "{effects:?}");
    assert!(text_at(&state, 120, 40).contains("pressing Y again does nothing"));

    // Neither editing nor Esc can leave the order in flight.
    update(&mut state, Action::Paste("5".to_string()));
    hit(&mut state, Esc);
    assert_eq!(state.ticket().mode(), Mode::Submitting);
    let seq = submit_seq(&effects);
    update(
        &mut state,
        Action::Submitted {
            seq,
            result: Ok(Submission {
                outcome: Outcome::Placed {
                    order_id: Some(1000000000099),
                },
                resolution: None,
                order: Some(Box::new(order(1000000000099, "AAPL", "WORKING", "BUY"))),
            }),
            at: at(),
        },
    );
    let again = hit(&mut state, Char('Y'));
    assert!(places(&again).is_empty(), "{again:?}");
}

#[test]
fn confirm_takes_capital_y_only() {
    let mut state = trading_state();
    confirming(&mut state);
    for code in [Char('y'), Enter, Char(' '), Char('p')] {
        assert!(places(&hit(&mut state, code)).is_empty(), "{code:?}");
        assert_eq!(state.ticket().mode(), Mode::Confirming, "{code:?}");
    }
    let shifted = hit_with(&mut state, Char('Y'), KeyModifiers::SHIFT);
    assert_eq!(places(&shifted).len(), 1);
}

#[test]
fn editing_after_the_preview_returns_to_the_ticket_and_drops_the_preview() {
    let mut state = trading_state();
    confirming(&mut state);
    hit(&mut state, Esc);
    assert_eq!(state.ticket().mode(), Mode::Editing);
    assert!(places(&hit(&mut state, Char('Y'))).is_empty());

    // A paste into the focused text field while confirming is an edit too.
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    for _ in 0..4 {
        hit(&mut state, crossterm::event::KeyCode::BackTab);
    }
    assert_eq!(state.ticket().focus(), Field::Quantity);
    let (seq, _, _) = preview(&mut state);
    update(
        &mut state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(),
        },
    );
    update(&mut state, Action::Paste("0".to_string()));
    assert_eq!(state.ticket().mode(), Mode::Editing);
    assert_eq!(state.ticket().ticket().quantity, "100");
    let confirm = update(&mut state, Action::Command(Command::ConfirmOrder));
    assert!(places(&confirm).is_empty());

    // The new preview freezes the new quantity; the old answer arriving late is ignored.
    let (new_seq, _, order) = preview(&mut state);
    assert_ne!(seq, new_seq);
    update(
        &mut state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(),
        },
    );
    assert_eq!(
        state.ticket().mode(),
        Mode::Previewing,
        "a stale answer is dropped"
    );
    assert!(palmtree::trading::describe(order.request()).starts_with("BUY 100 AAPL"));
}

#[test]
fn leaving_the_ticket_drops_the_preview() {
    let mut state = trading_state();
    confirming(&mut state);
    update(&mut state, Action::Command(Command::ShowOrders));
    hit(&mut state, Char('4'));
    assert_eq!(state.ticket().mode(), Mode::Editing);
    assert!(places(&hit(&mut state, Char('Y'))).is_empty());
}

#[test]
fn rejects_block_the_confirm() {
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    let (seq, _, _) = preview(&mut state);
    update(
        &mut state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(rejected_preview())),
            at: at(),
        },
    );
    assert_eq!(state.ticket().mode(), Mode::Confirming);
    assert!(places(&hit(&mut state, Char('Y'))).is_empty());
    let text = text_at(&state, 120, 40);
    assert!(
        text.contains("✖ Rejected: You do not have enough buying power"),
        "{text}"
    );
    assert!(
        text.contains("Schwab rejected this order, so it cannot be sent"),
        "{text}"
    );
    assert!(!text.contains("Press Y"), "{text}");
}

#[test]
fn a_ticket_with_problems_previews_nothing_and_says_what_to_fix() {
    let mut state = trading_state();
    hit(&mut state, Char('4'));
    type_keys(&mut state, "AAPL");
    assert_eq!(hit(&mut state, Enter), vec![]);
    assert_eq!(
        state.ticket().focus(),
        Field::Asset,
        "the focus goes to the first problem"
    );
    let text = text_at(&state, 120, 40);
    assert!(
        text.contains("fields to fix first, starting with Asset type"),
        "{text}"
    );
}

#[test]
fn without_a_journal_nothing_is_previewed_or_sent() {
    let mut state = loaded_state();
    fill_aapl_buy(&mut state);
    assert_eq!(hit(&mut state, Enter), vec![]);
    let text = text_at(&state, 120, 40);
    assert!(text.contains(ORDER_ENTRY_OFF), "{text}");

    update(&mut state, Action::Command(Command::ShowOrders));
    hit(&mut state, Char('G'));
    assert_eq!(hit(&mut state, Char('c')), vec![]);
    assert_eq!(state.cancel_prompt(), None);
}

fn submitted(state: &mut State, outcome: Outcome, resolution: Option<Resolution>) -> Vec<Effect> {
    let effects = hit(state, Char('Y'));
    let seq = submit_seq(&effects);
    update(
        state,
        Action::Submitted {
            seq,
            result: Ok(Submission {
                outcome,
                resolution,
                order: None,
            }),
            at: at(),
        },
    )
}

#[test]
fn an_unclear_answer_says_what_the_read_back_found_and_offers_no_resend() {
    let unknown = || Outcome::Unknown {
        reason: "no answer after 30s".to_string(),
    };
    let found = order(1000000000123, "AAPL", "WORKING", "BUY");
    let cases = [
        (
            Resolution::Found(Box::new(found)),
            "found: it was placed as order #1000000000123 (working).",
        ),
        (
            Resolution::NotFound,
            "not found: it was probably not placed; check the Orders view",
        ),
        (
            Resolution::StillUnknown("offline: connection refused".to_string()),
            "still unknown: the orders could not be read either (offline: connection refused)",
        ),
    ];
    for (resolution, words) in cases {
        let mut state = trading_state();
        confirming(&mut state);
        let effects = submitted(&mut state, unknown(), Some(resolution.clone()));
        assert_eq!(state.view(), View::Trade);
        assert!(effects.contains(&Effect::FetchOrders), "{effects:?}");
        let text = text_at(&state, 120, 40).replace('\n', " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("OUTCOME UNKNOWN"), "{text}");
        assert!(text.contains("no answer after 30s"), "{text}");
        assert!(text.contains(words), "{words:?} in {text}");
        assert!(
            text.contains("palmtree never sends an order again by itself"),
            "{text}"
        );
        assert!(!text.contains("Press Y"), "{text}");
        assert!(places(&hit(&mut state, Char('Y'))).is_empty());
        if let Resolution::Found(_) = resolution {
            assert_eq!(state.highlight_order(), Some(1000000000123));
        }
        // Back on the ticket, a reminder stays until the next order is sent.
        hit(&mut state, Esc);
        assert_eq!(state.ticket().mode(), Mode::Editing);
        assert!(text_at(&state, 120, 40).contains("The last order's outcome was unknown"));
    }
}

#[test]
fn a_placed_order_shows_on_the_orders_view_highlighted() {
    let mut state = trading_state();
    confirming(&mut state);
    let effects = hit(&mut state, Char('Y'));
    let seq = submit_seq(&effects);
    let effects = update(
        &mut state,
        Action::Submitted {
            seq,
            result: Ok(Submission {
                outcome: Outcome::Placed {
                    order_id: Some(1000000000099),
                },
                resolution: None,
                order: Some(Box::new(order(1000000000099, "AAPL", "WORKING", "BUY"))),
            }),
            at: at(),
        },
    );
    assert_eq!(state.view(), View::Orders);
    assert!(effects.contains(&Effect::FetchOrders), "{effects:?}");
    let selected = state.visible_orders()[state.selected_row()].order_id;
    assert_eq!(selected, 1000000000099);
    let text = text_at(&state, 120, 40);
    assert!(text.contains("★ working"), "{text}");
    assert!(
        text.contains("Order #1000000000099 placed: BUY 10 AAPL LIMIT 187.25 DAY"),
        "{text}"
    );
    // A listing that does not have it yet keeps it on screen.
    update(
        &mut state,
        Action::OrdersLoaded {
            result: Ok(orders()),
            at: at(),
        },
    );
    assert!(
        state
            .visible_orders()
            .iter()
            .any(|o| o.order_id == 1000000000099)
    );
    // The ticket is fresh, on the same account, nothing else chosen.
    hit(&mut state, Char('4'));
    assert_eq!(state.ticket().ticket().order_kind, None);
    assert_eq!(state.ticket().ticket().symbol, "");
    assert_eq!(
        state.ticket().ticket().account,
        Some(AccountKey::new("HASH-ONE"))
    );
}

#[test]
fn the_order_limiter_refusal_is_shown_and_nothing_else_is_sent() {
    let mut state = trading_state();
    confirming(&mut state);
    let effects = submitted(
        &mut state,
        Outcome::Rejected {
            reasons: vec!["order limit reached: 2 orders a minute for this account".to_string()],
        },
        None,
    );
    assert!(places(&effects).is_empty());
    assert_eq!(state.view(), View::Trade);
    let text = text_at(&state, 120, 40);
    assert!(text.contains("NOT PLACED"), "{text}");
    assert!(text.contains("order limit reached"), "{text}");
}

#[test]
fn a_broker_error_means_not_sent() {
    let mut state = trading_state();
    confirming(&mut state);
    let effects = hit(&mut state, Char('Y'));
    let seq = submit_seq(&effects);
    update(
        &mut state,
        Action::Submitted {
            seq,
            result: Err(BrokerError::Failed(
                "order not sent: the journal failed (disk full)".to_string(),
            )),
            at: at(),
        },
    );
    let text = text_at(&state, 120, 40);
    assert!(text.contains("NOT PLACED"), "{text}");
    assert!(
        text.contains("Not sent: order not sent: the journal failed"),
        "{text}"
    );
}

/// The Orders view with the cursor on the order with this id.
fn on_order(state: &mut State, id: i64) {
    update(state, Action::Command(Command::ShowOrders));
    update(
        state,
        Action::OrdersLoaded {
            result: Ok(orders()),
            at: at(),
        },
    );
    update(state, Action::Command(Command::Top));
    let row = state
        .visible_orders()
        .iter()
        .position(|o| o.order_id == id)
        .unwrap();
    for _ in 0..row {
        update(state, Action::Command(Command::Down));
    }
    assert_eq!(state.visible_orders()[state.selected_row()].order_id, id);
}

#[test]
fn cancel_is_offered_only_when_cancelable_and_sent_once() {
    let mut state = trading_state();
    on_order(&mut state, 1000000000002);
    assert_eq!(hit(&mut state, Char('c')), vec![]);
    assert_eq!(state.cancel_prompt(), None);
    assert!(text_at(&state, 120, 40).contains("cannot be canceled"));

    on_order(&mut state, 1000000000001);
    assert!(text_at(&state, 120, 40).contains("c cancel · e replace"));
    assert_eq!(hit(&mut state, Char('c')), vec![]);
    let text = text_at(&state, 80, 24);
    assert!(text.contains("Cancel order #1000000000001?"), "{text}");
    assert!(text.contains("BUY 10 AAPL LIMIT 180.00 DAY"), "{text}");
    assert!(text.contains("Y cancels it"), "{text}");
    for code in [Char('y'), Enter, Char('c')] {
        assert_eq!(hit(&mut state, code), vec![], "{code:?}");
    }
    let first = hit(&mut state, Char('Y'));
    let second = hit(&mut state, Char('Y'));
    assert_eq!(
        first,
        vec![Effect::Cancel {
            account: AccountKey::new("HASH-ONE"),
            order_id: 1000000000001
        }]
    );
    assert_eq!(
        second,
        vec![],
        "a second confirm while in flight does nothing"
    );
    hit(&mut state, Esc);
    assert!(
        state.cancel_prompt().is_some(),
        "the prompt stays until the answer"
    );

    let effects = update(
        &mut state,
        Action::Canceled {
            order_id: 1000000000001,
            result: Ok(Outcome::Placed {
                order_id: Some(1000000000001),
            }),
            at: at(),
        },
    );
    assert_eq!(state.cancel_prompt(), None);
    assert_eq!(effects, vec![Effect::FetchOrders]);
    assert!(text_at(&state, 120, 40).contains("Cancel of order #1000000000001 accepted"));

    // Esc keeps the order.
    hit(&mut state, Char('c'));
    hit(&mut state, Esc);
    assert_eq!(state.cancel_prompt(), None);
}

#[test]
fn replace_is_offered_only_when_editable_and_sends_a_replace() {
    let mut state = trading_state();
    on_order(&mut state, 1000000000002);
    assert_eq!(hit(&mut state, Char('e')), vec![]);
    assert_eq!(state.view(), View::Orders);
    assert!(text_at(&state, 120, 40).contains("cannot be replaced"));

    on_order(&mut state, 1000000000001);
    hit(&mut state, Char('R'));
    assert_eq!(state.view(), View::Trade);
    let ticket = state.ticket().ticket().clone();
    assert_eq!(ticket.symbol, "AAPL");
    assert_eq!(ticket.instruction, Some(Instruction::Buy));
    assert_eq!(ticket.asset, Some(AssetClass::Equity));
    assert_eq!(ticket.quantity, "10");
    assert_eq!(ticket.order_kind, Some(OrderKind::Limit));
    assert_eq!(ticket.limit_price, "180.00");
    assert_eq!(
        ticket.session,
        Some(Session::Normal),
        "the order's own session is kept"
    );
    assert_eq!(state.ticket().focus(), Field::LimitPrice);
    let text = text_at(&state, 120, 40);
    assert!(
        text.contains("Replace order #1000000000001: BUY 10 AAPL LIMIT 180.00 DAY"),
        "{text}"
    );
    // Where the heading has no room for them, the words get a line of their own, whole.
    let narrow = text_at(&state, 80, 24);
    assert!(narrow.contains("Replace order #1000000000001"), "{narrow}");
    assert!(
        narrow.contains("Replaces  order #1000000000001: BUY 10 AAPL LIMIT 180.00 DAY"),
        "{narrow}"
    );
    assert!(
        !text.contains("Replaces  order"),
        "said once on a wide screen: {text}"
    );

    for _ in 0..6 {
        hit(&mut state, crossterm::event::KeyCode::Backspace);
    }
    // Only the price changes: nothing else needs choosing again.
    type_keys(&mut state, "181.50");
    // The account's buying power still counts the order being replaced, so the ticket's own
    // estimate names no "after" figure that would be short by it.
    let editing = text_at(&state, 120, 40);
    assert!(editing.contains("Estimated cost $1,815.00"), "{editing}");
    assert!(!editing.contains("buying power after"), "{editing}");
    let (seq, account, _) = preview(&mut state);
    assert_eq!(account, AccountKey::new("HASH-ONE"));
    update(
        &mut state,
        Action::Previewed {
            seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(),
        },
    );
    let confirm = text_at(&state, 120, 40);
    assert!(
        confirm.contains("Press Y to replace the order"),
        "{confirm}"
    );
    assert!(
        confirm.contains("The preview does not know this replaces order #1000000000001"),
        "{confirm}"
    );
    let effects = hit(&mut state, Char('Y'));
    match effects.as_slice() {
        [
            Effect::Replace {
                order_id, order, ..
            },
        ] => {
            assert_eq!(*order_id, 1000000000001);
            assert_eq!(
                palmtree::trading::describe(order.request()),
                "BUY 10 AAPL LIMIT 181.50 DAY"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(places(&hit(&mut state, Char('Y'))).is_empty());
}

#[test]
fn b_and_s_open_a_prefilled_ticket_with_the_order_type_unchosen() {
    let mut state = trading_state();
    update(&mut state, Action::Command(Command::ShowQuotes));
    hit(&mut state, Char('b'));
    assert_eq!(state.view(), View::Trade);
    let t = state.ticket().ticket().clone();
    assert_eq!(
        (t.symbol.as_str(), t.asset, t.instruction, t.order_kind),
        (
            "AAPL",
            Some(AssetClass::Equity),
            Some(Instruction::Buy),
            None
        )
    );
    assert_eq!(t.account, Some(AccountKey::new("HASH-ONE")));
    assert_eq!(state.ticket().focus(), Field::Quantity);
    hit(&mut state, Esc);
    assert_eq!(state.view(), View::Quotes, "Esc goes back to the quotes");

    // The option position in the margin account: sell to close, in that account.
    let mut state = trading_state();
    let row = state
        .position_lines()
        .iter()
        .position(|l| {
            matches!(
                l,
                palmtree::tui::holdings::Line::Holding {
                    account: 0,
                    index: 2,
                    ..
                }
            )
        })
        .unwrap();
    for _ in 0..row {
        update(&mut state, Action::Command(Command::Down));
    }
    hit(&mut state, Char('s'));
    let t = state.ticket().ticket().clone();
    assert_eq!(t.symbol, OPTION_SYMBOL);
    assert_eq!(t.asset, Some(AssetClass::Option));
    assert_eq!(t.instruction, Some(Instruction::SellToClose));
    assert_eq!(t.order_kind, None);

    // An index cannot be traded: a message, no ticket.
    let mut state = trading_state();
    update(&mut state, Action::Command(Command::ShowQuotes));
    update(&mut state, Action::Command(Command::Down));
    update(&mut state, Action::Command(Command::Down));
    hit(&mut state, Char('b'));
    assert_eq!(state.view(), View::Quotes);
    assert!(text_at(&state, 120, 40).contains("$SPX is an index"));
}

#[test]
fn on_the_ticket_q_and_digits_are_typed_into_text_fields() {
    let mut state = trading_state();
    hit(&mut state, Char('4'));
    type_keys(&mut state, "q1");
    assert!(!state.should_quit());
    assert_eq!(state.view(), View::Trade);
    assert_eq!(state.ticket().ticket().symbol, "Q1");
    let keymap = Keymap::default();
    let event = crossterm::event::KeyEvent::new(Char('3'), KeyModifiers::NONE);
    assert_eq!(keymap.outcome(&state, &event), KeyOutcome::Type('3'));
}

fn locked_state(needs_passphrase: bool) -> State {
    let mut state =
        trading_state().with_idle_lock(std::time::Duration::from_secs(60), needs_passphrase);
    update(&mut state, Action::Lock);
    assert!(state.locked());
    state
}

/// Any run of digits with a decimal point, or a $: what a balance or price looks like.
fn money_on(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| {
            w.contains('$')
                || (w.contains('.') && w.chars().filter(char::is_ascii_digit).count() >= 2)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_lock_screen_hides_balances_positions_and_the_ticket() {
    for view in [
        Command::ShowPositions,
        Command::ShowTrade,
        Command::ShowOrders,
    ] {
        let mut state = trading_state().with_idle_lock(std::time::Duration::from_secs(900), false);
        fill_aapl_buy(&mut state);
        update(&mut state, Action::Command(view));
        assert!(!money_on(&text_at(&state, 120, 40)).is_empty() || view == Command::ShowOrders);
        update(&mut state, Action::Lock);
        for (width, height) in [(80, 24), (120, 40)] {
            let text = text_at(&state, width, height);
            assert_eq!(money_on(&text), Vec::<String>::new(), "{text}");
            assert!(text.contains("palmtree is locked"), "{text}");
            assert!(text.contains("No input for 15 minutes"), "{text}");
            assert!(
                !text.contains("AAPL") && !text.contains("Individual"),
                "{text}"
            );
        }
    }
}

#[test]
fn any_key_unlocks_when_no_passphrase_is_asked() {
    let mut state = locked_state(false);
    let effects = hit(&mut state, Char('x'));
    assert!(!state.locked());
    assert!(
        !effects.is_empty(),
        "the view is fetched again: {effects:?}"
    );
    assert_eq!(state.view(), View::Positions, "the key did nothing else");
    let mut state = locked_state(false);
    hit_with(&mut state, Char('c'), KeyModifiers::CONTROL);
    assert!(state.should_quit(), "Ctrl-C still quits");
}

#[test]
fn a_passphrase_unlocks_only_when_the_vault_agrees() {
    let mut state = locked_state(true);
    assert_eq!(hit(&mut state, Enter), vec![], "nothing typed yet");
    assert!(text_at(&state, 80, 24).contains("Type the passphrase"));
    hit(&mut state, Char('q'));
    assert!(!state.should_quit(), "q is part of a passphrase");
    type_keys(&mut state, "ecret");
    let text = text_at(&state, 80, 24);
    assert!(text.contains("Vault passphrase: ••••••"), "{text}");
    assert!(!text.contains("qecret"), "{text}");
    let effects = hit(&mut state, Enter);
    assert_eq!(
        effects,
        vec![Effect::CheckUnlock(Passphrase::new("qecret".to_string()))]
    );
    assert_eq!(
        format!("{effects:?}"),
        "[CheckUnlock(Passphrase([redacted]))]"
    );
    assert!(!format!("{state:?}").contains("qecret"));
    update(&mut state, Action::UnlockChecked { ok: false });
    assert!(state.locked());
    assert!(text_at(&state, 80, 24).contains("did not unlock"));
    type_keys(&mut state, "right");
    hit(&mut state, Enter);
    update(&mut state, Action::UnlockChecked { ok: true });
    assert!(!state.locked());
}

#[test]
fn locking_drops_a_preview_so_a_key_after_unlocking_sends_nothing() {
    let mut state = trading_state().with_idle_lock(std::time::Duration::from_secs(60), false);
    confirming(&mut state);
    update(&mut state, Action::Lock);
    hit(&mut state, Char('Y'));
    assert!(!state.locked());
    assert!(places(&hit(&mut state, Char('Y'))).is_empty());
    assert!(matches!(
        state.ticket().step(),
        OrderStep::Editing { notice: Some(n) } if n.contains("locked")
    ));
}

#[test]
fn a_zero_idle_time_never_locks() {
    let mut state = trading_state().with_idle_lock(std::time::Duration::ZERO, false);
    update(&mut state, Action::Lock);
    assert!(!state.locked());
}

#[test]
fn quitting_while_an_order_is_in_flight_waits_for_its_answer() {
    let mut state = trading_state();
    confirming(&mut state);
    let effects = hit(&mut state, Char('Y'));
    hit_with(&mut state, Char('c'), KeyModifiers::CONTROL);
    assert!(!state.should_quit(), "the answer must be recorded first");
    assert!(text_at(&state, 120, 40).contains("Quitting once the order's answer is in"));
    update(
        &mut state,
        Action::Submitted {
            seq: submit_seq(&effects),
            result: Ok(Submission {
                outcome: Outcome::Unknown {
                    reason: "timed out".to_string(),
                },
                resolution: Some(Resolution::NotFound),
                order: None,
            }),
            at: at(),
        },
    );
    assert!(state.should_quit());

    let mut state = trading_state();
    confirming(&mut state);
    hit(&mut state, Char('Y'));
    hit_with(&mut state, Char('c'), KeyModifiers::CONTROL);
    hit_with(&mut state, Char('c'), KeyModifiers::CONTROL);
    assert!(state.should_quit(), "a second quit does not wait");
}

/// Locking asks for the vault file's remembered key to be forgotten when the lock screen
/// wants the passphrase (the file vault), so a shell command cannot use the key while nobody
/// is at the terminal; with no passphrase to ask there is nothing to forget.
#[test]
fn locking_forgets_the_remembered_vault_key_when_a_passphrase_unlocks() {
    let mut state = trading_state().with_idle_lock(std::time::Duration::from_secs(60), true);
    assert_eq!(
        update(&mut state, Action::Lock),
        vec![Effect::ForgetVaultKey]
    );
    assert_eq!(update(&mut state, Action::Lock), vec![], "already locked");
    let mut state = trading_state().with_idle_lock(std::time::Duration::from_secs(60), false);
    assert_eq!(update(&mut state, Action::Lock), vec![]);
}
