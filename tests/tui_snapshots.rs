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
