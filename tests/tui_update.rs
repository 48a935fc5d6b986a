//! `update` without a terminal or a network: keys, broker results, timers and errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use palmtree::broker::model::QuoteState;
use palmtree::tui::State;
use palmtree::tui::action::{Action, Effect, Feed};
use palmtree::tui::app::{Connection, View};
use palmtree::tui::keymap;
use palmtree::tui::theme::Theme;
use palmtree::tui::update::update;
use tui_support::*;

/// Presses a key through the keymap, as the event loop does.
fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    match keymap::command_for(state, &event) {
        Some(command) => update(state, Action::Command(command)),
        None => Vec::new(),
    }
}

fn fresh() -> State {
    State::new(&options())
}

#[test]
fn two_switches_to_quotes_and_fetches_the_watchlist() {
    let mut state = fresh();
    assert_eq!(state.view(), View::Positions);
    let effects = press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.view(), View::Quotes);
    assert_eq!(
        effects,
        vec![Effect::FetchQuotes(
            [
                "AAPL",
                "SPY",
                "$SPX",
                OPTION_SYMBOL,
                "/ESZ25",
                "ZZZZ",
                "MSFT"
            ]
            .map(String::from)
            .to_vec()
        )]
    );
    // Pressing 2 again while the fetch is out sends nothing more.
    assert_eq!(press(&mut state, KeyCode::Char('2')), vec![]);
    assert_eq!(
        press(&mut state, KeyCode::Char('1')),
        vec![Effect::FetchAccounts]
    );
    assert_eq!(state.view(), View::Positions);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut state = fresh();
    press(&mut state, KeyCode::Char('q'));
    assert!(state.should_quit());

    let mut state = fresh();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let command = keymap::command_for(&state, &ctrl_c).unwrap();
    update(&mut state, Action::Command(command));
    assert!(state.should_quit());
}

#[test]
fn broker_results_replace_the_data_and_set_its_age() {
    let mut state = loaded_state();
    assert_eq!(state.accounts().len(), 2);
    assert_eq!(state.feed(Feed::Positions).as_of, Some(at(14, 2, 3)));
    assert_eq!(state.feed(Feed::Quotes).as_of, Some(at(14, 2, 5)));
    assert_eq!(state.quotes().len(), 7);

    let mut changed = accounts();
    changed[0].positions.truncate(1);
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(changed),
            at: at(14, 2, 13),
        },
    );
    assert_eq!(state.selected_account().unwrap().positions.len(), 1);
    assert_eq!(state.feed(Feed::Positions).as_of, Some(at(14, 2, 13)));
    assert!(screen_text(&state).contains("positions as of 14:02:13"));
}

#[test]
fn the_selected_account_survives_a_reordered_refresh() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char(']'));
    assert_eq!(state.selected_account().unwrap().label, "Roth IRA …5678");

    let mut reordered = accounts();
    reordered.reverse();
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(reordered),
            at: at(14, 3, 0),
        },
    );
    assert_eq!(state.selected_account().unwrap().label, "Roth IRA …5678");
    assert_eq!(state.account_index(), 0);
}

#[test]
fn an_error_keeps_the_old_data_and_shows_the_error() {
    let mut state = loaded_state();
    let before = state.accounts().to_vec();
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Err("offline: timed out".to_string()),
            at: at(14, 2, 20),
        },
    );
    assert_eq!(state.accounts(), before.as_slice());
    assert_eq!(state.last_error(), Some("offline: timed out"));
    assert_eq!(state.connection(), Connection::Error("offline: timed out"));
    assert_eq!(
        state.feed(Feed::Positions).as_of,
        Some(at(14, 2, 3)),
        "age of the data kept"
    );

    let text = screen_text(&state);
    assert!(text.contains("error: offline: timed out"), "{text}");
    assert!(text.contains("positions as of 14:02:03"));
    assert!(text.contains("-3,965.50"), "old positions still drawn");

    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 2, 30),
        },
    );
    assert_eq!(state.last_error(), None);
    assert_eq!(state.connection(), Connection::Live);
}

#[test]
fn a_quotes_error_belongs_to_the_quotes_view() {
    let mut state = loaded_state();
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Err("throttled by Schwab".to_string()),
            at: at(14, 2, 9),
        },
    );
    assert_eq!(
        state.last_error(),
        None,
        "the Positions view is visible and fine"
    );
    press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.last_error(), Some("throttled by Schwab"));
    assert_eq!(state.quotes().len(), 7);
}

#[test]
fn timers_fetch_only_the_visible_view() {
    let mut state = loaded_state();
    assert_eq!(update(&mut state, Action::Tick(Feed::Quotes)), vec![]);
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Positions)),
        vec![Effect::FetchAccounts]
    );
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Positions)),
        vec![],
        "one fetch at a time"
    );

    press(&mut state, KeyCode::Tab);
    assert_eq!(state.view(), View::Quotes);
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(quote_rows()),
            at: at(14, 2, 7),
        },
    );
    assert_eq!(update(&mut state, Action::Tick(Feed::Positions)), vec![]);
    let effects = update(&mut state, Action::Tick(Feed::Quotes));
    assert!(matches!(effects.as_slice(), [Effect::FetchQuotes(s)] if s.len() == 7));
}

#[test]
fn timer_refreshes_are_silent_but_r_says_refreshing() {
    let mut state = loaded_state();
    let generation = state.generation();
    update(&mut state, Action::Tick(Feed::Positions));
    assert_eq!(
        state.generation(),
        generation,
        "a timer fetch does not redraw"
    );
    assert_eq!(state.connection(), Connection::Live);

    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        vec![],
        "already in flight"
    );
    assert_eq!(state.connection(), Connection::Refreshing);
    assert!(screen_text(&state).contains("refreshing…"));

    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 2, 40),
        },
    );
    assert_eq!(state.connection(), Connection::Live);
    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        vec![Effect::FetchAccounts]
    );
}

#[test]
fn nothing_visible_changes_means_no_new_generation() {
    let mut state = loaded_state();
    let generation = state.generation();
    update(&mut state, Action::Tick(Feed::Quotes));
    press(&mut state, KeyCode::Char('k'));
    press(&mut state, KeyCode::Char('1'));
    press(&mut state, KeyCode::Char('x'));
    assert_eq!(state.generation(), generation);
    press(&mut state, KeyCode::Char('j'));
    assert_ne!(state.generation(), generation);
}

#[test]
fn movement_keys_move_the_selection_within_bounds() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.selected_row(), 1);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Down);
    assert_eq!(
        state.selected_row(),
        3,
        "stops at the last of four positions"
    );
    press(&mut state, KeyCode::Char('g'));
    assert_eq!(state.selected_row(), 0);
    let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    let bottom = keymap::command_for(&state, &shift_g).unwrap();
    update(&mut state, Action::Command(bottom));
    assert_eq!(state.selected_row(), 3);
    press(&mut state, KeyCode::PageUp);
    assert_eq!(state.selected_row(), 0);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.selected_row(), 3);

    // Each view keeps its own selection.
    press(&mut state, KeyCode::Char('l'));
    assert_eq!(state.view(), View::Quotes);
    assert_eq!(state.selected_row(), 0);
    press(&mut state, KeyCode::End);
    assert_eq!(state.selected_row(), 6);
    press(&mut state, KeyCode::Char('h'));
    assert_eq!(state.selected_row(), 3);
}

#[test]
fn accounts_cycle_both_ways_and_reset_the_row() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Char('a'));
    assert_eq!(state.account_index(), 1);
    assert_eq!(state.selected_row(), 0);
    press(&mut state, KeyCode::Char(']'));
    assert_eq!(state.account_index(), 0);
    press(&mut state, KeyCode::Char('['));
    assert_eq!(state.account_index(), 1);
}

#[test]
fn help_opens_with_question_mark_and_closes_with_esc() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('?'));
    assert!(state.help_open());
    assert_eq!(
        press(&mut state, KeyCode::Char('2')),
        vec![],
        "views do not switch under help"
    );
    assert_eq!(state.view(), View::Positions);
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.help_scroll(), 1, "j scrolls the help, not the table");
    assert_eq!(state.selected_row(), 0);
    press(&mut state, KeyCode::Esc);
    assert!(!state.help_open());
    press(&mut state, KeyCode::Char('?'));
    press(&mut state, KeyCode::Char('?'));
    assert!(!state.help_open());
}

#[test]
fn a_symbol_the_broker_skipped_becomes_an_unavailable_row() {
    let mut state = loaded_state();
    let mut rows = quote_rows();
    rows.remove(1);
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(rows),
            at: at(14, 5, 0),
        },
    );
    assert_eq!(state.quotes().len(), 7);
    let spy = state.quotes().iter().find(|r| r.symbol == "SPY").unwrap();
    assert!(matches!(&spy.state, QuoteState::Unavailable(_)));
}

fn screen_text(state: &State) -> String {
    lines(&render(state, &Theme::plain(), 80, 24)).join("\n")
}

#[test]
fn failures_back_off_the_timer_and_r_still_fetches() {
    let mut state = loaded_state();
    let fail = |state: &mut State| {
        update(
            state,
            Action::AccountsLoaded {
                result: Err("offline: refused".to_string()),
                at: at(14, 3, 0),
            },
        );
    };
    let ticks_until_fetch = |state: &mut State| {
        (1..=20)
            .find(|_| !update(state, Action::Tick(Feed::Positions)).is_empty())
            .unwrap()
    };

    update(&mut state, Action::Tick(Feed::Positions));
    fail(&mut state);
    assert_eq!(
        ticks_until_fetch(&mut state),
        2,
        "one tick skipped after one failure"
    );
    fail(&mut state);
    assert_eq!(ticks_until_fetch(&mut state), 4);
    fail(&mut state);
    assert_eq!(ticks_until_fetch(&mut state), 8);
    fail(&mut state);
    assert_eq!(ticks_until_fetch(&mut state), 16);
    fail(&mut state);
    assert_eq!(ticks_until_fetch(&mut state), 16, "capped");
    fail(&mut state);
    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        vec![Effect::FetchAccounts]
    );

    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 4, 0),
        },
    );
    assert_eq!(
        ticks_until_fetch(&mut state),
        1,
        "back to every tick after a success"
    );
}

#[test]
fn a_long_table_scrolls_only_when_the_highlight_leaves_the_screen() {
    let mut state = loaded_state();
    let mut many = accounts();
    let template = many[0].positions[0].clone();
    many[0].positions = (0..40)
        .map(|i| palmtree::broker::model::Position {
            symbol: format!("SYM{i:02}"),
            ..template.clone()
        })
        .collect();
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(many),
            at: at(15, 0, 0),
        },
    );

    // 24 rows less six lines of chrome: 18 rows on screen.
    for _ in 0..18 {
        press(&mut state, KeyCode::Down);
    }
    assert_eq!(state.cursor().row, 18);
    assert_eq!(state.cursor().offset, 1);
    let text = lines(&render(&state, &Theme::plain(), 80, 24));
    assert!(text[3].starts_with("SYM01"), "{text:#?}");
    assert!(text[20].starts_with("SYM18"));

    press(&mut state, KeyCode::Up);
    assert_eq!(
        state.cursor().offset,
        1,
        "moving up inside the window does not scroll"
    );
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.cursor().row, 35);
    press(&mut state, KeyCode::End);
    assert_eq!(
        state.cursor(),
        palmtree::tui::app::Cursor {
            row: 39,
            offset: 22
        }
    );
    let text = lines(&render(&state, &Theme::plain(), 80, 24));
    assert!(text[20].starts_with("SYM39"));

    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 40,
        },
    );
    assert_eq!(
        state.cursor().offset,
        6,
        "a taller screen shows more above the highlight"
    );
}
