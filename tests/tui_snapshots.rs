//! Snapshots of every view at 80x24 and 120x40, in the default look and the NO_COLOR look.
//!
//! Each snapshot holds the text and the runs of style on every row. Times, dates, order ids
//! and account digits are masked, so the snapshots do not depend on the clock or the zone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use palmtree::tui::State;
use palmtree::tui::action::Command;
use palmtree::tui::theme::Theme;
use tui_support::*;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Masks what varies between runs or machines: `12:34:56`, `12:34`, `Mar 14`, a 13-digit
/// order id, and the four digits after `…`.
fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        if digit(i)
            && digit(i + 1)
            && chars.get(i + 2) == Some(&':')
            && digit(i + 3)
            && digit(i + 4)
        {
            if chars.get(i + 5) == Some(&':') && digit(i + 6) && digit(i + 7) {
                out.push_str("hh:mm:ss");
                i += 8;
            } else {
                out.push_str("hh:mm");
                i += 5;
            }
        } else if MONTHS.contains(&rest.as_str())
            && chars.get(i + 3) == Some(&' ')
            && digit(i + 4)
            && digit(i + 5)
        {
            out.push_str("Mmm dd");
            i += 6;
        } else if chars[i] == '#' && (1..=13).all(|k| digit(i + k)) {
            out.push_str("#order-id-----");
            i += 14;
        } else if chars[i] == '…' && (1..=4).all(|k| digit(i + k)) {
            out.push_str("…####");
            i += 5;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn snap(name: &str, state: &State) {
    for (width, height) in [(80, 24), (120, 40)] {
        for (look, theme) in [("default", Theme::colored()), ("no_color", Theme::plain())] {
            let text = mask(&styled(&render(state, &theme, width, height)));
            insta::assert_snapshot!(format!("{name}_{width}x{height}_{look}"), text);
        }
    }
}

#[test]
fn masking_hides_times_dates_and_identifiers() {
    assert_eq!(
        mask("as of 14:02:03 · 09:30 · Mar 14 12:00 · #1000000000001 · …1234 · 2025"),
        "as of hh:mm:ss · hh:mm · Mmm dd hh:mm · #order-id----- · …#### · 2025"
    );
}

#[test]
fn positions() {
    snap("positions", &loaded_state());
}

#[test]
fn positions_one_account_sorted() {
    let mut state = loaded_state();
    command(&mut state, Command::NextAccount);
    command(&mut state, Command::SortNext);
    command(&mut state, Command::Down);
    snap("positions_one_account", &state);
}

#[test]
fn quotes() {
    let mut state = loaded_state();
    command(&mut state, Command::ShowQuotes);
    command(&mut state, Command::Down);
    snap("quotes", &state);
}

#[test]
fn quote_detail_with_candles() {
    snap("detail_candles", &detail_state(false));
}

#[test]
fn quote_detail_with_a_line() {
    snap("detail_line", &detail_state(true));
}

#[test]
fn orders() {
    let mut state = loaded_state();
    command(&mut state, Command::ShowOrders);
    snap("orders", &state);
}

#[test]
fn help() {
    let mut state = loaded_state();
    command(&mut state, Command::ToggleHelp);
    snap("help", &state);
}

#[test]
fn adding_a_symbol() {
    let mut state = loaded_state();
    command(&mut state, Command::ShowQuotes);
    command(&mut state, Command::AddSymbol);
    palmtree::tui::update::update(
        &mut state,
        palmtree::tui::action::Action::Paste("🚀".to_string()),
    );
    command(&mut state, Command::Submit);
    snap("add_symbol_error", &state);
}

/// The keys of `4`, then a ticket with a problem on most fields: no side, a quantity that is
/// not digits, a limit off the tick, no duration, no session.
fn ticket_with_problems() -> State {
    use crossterm::event::KeyCode::{Char, Right, Tab};
    let mut state = trading_state();
    hit(&mut state, Char('4'));
    type_keys(&mut state, "aapl");
    for code in [Tab, Right, Tab, Tab] {
        hit(&mut state, code);
    }
    type_keys(&mut state, "1x");
    for code in [Tab, Right, Right, Tab] {
        hit(&mut state, code);
    }
    type_keys(&mut state, "187.255");
    state
}

/// BUY 10 AAPL LIMIT 187.25 DAY, previewed and accepted by Schwab: the confirm screen.
fn confirm_screen() -> State {
    use palmtree::tui::action::{Action, Effect};
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    let effects = hit(&mut state, crossterm::event::KeyCode::Enter);
    let Some(Effect::Preview { seq, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    palmtree::tui::update::update(
        &mut state,
        Action::Previewed {
            seq: *seq,
            result: Ok(Box::new(accepted_preview())),
            at: at(14, 5, 0),
        },
    );
    state
}

#[test]
fn order_ticket_with_problems() {
    snap("ticket_problems", &ticket_with_problems());
}

#[test]
fn order_preview_and_confirm() {
    snap("order_confirm", &confirm_screen());
}

#[test]
fn order_outcome_unknown() {
    use palmtree::broker::orders::{Resolution, Submission};
    use palmtree::trading::Outcome;
    use palmtree::tui::action::{Action, Effect};
    let mut state = confirm_screen();
    let effects = hit(&mut state, crossterm::event::KeyCode::Char('Y'));
    let Some(Effect::Place { seq, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    palmtree::tui::update::update(
        &mut state,
        Action::Submitted {
            seq: *seq,
            result: Ok(Submission {
                outcome: Outcome::Unknown {
                    reason: "the connection dropped before Schwab answered".to_string(),
                },
                resolution: Some(Resolution::NotFound),
                order: None,
            }),
            at: at(14, 5, 1),
        },
    );
    snap("order_unknown", &state);
}

#[test]
fn lock_screen() {
    let mut state = trading_state().with_idle_lock(std::time::Duration::from_secs(900), true);
    palmtree::tui::update::update(&mut state, palmtree::tui::action::Action::Lock);
    type_keys(&mut state, "abc");
    snap("lock", &state);
}
