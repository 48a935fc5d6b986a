//! `update` without a terminal or a network: keys, broker results, timers, errors, watchlist
//! editing, the cache seed, the clock and the mouse.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use palmtree::broker::BrokerError;
use palmtree::broker::model::{ChartRange, QuoteRow, QuoteState};
use palmtree::tui::State;
use palmtree::tui::action::{Action, Command, Effect, Feed, MouseAction, Seed};
use palmtree::tui::app::{Connection, View};
use palmtree::tui::keymap::{self, Keymap};
use palmtree::tui::theme::Theme;
use palmtree::tui::update::update;
use palmtree::tui::views;
use palmtree::tui::watchlists::{Watchlist, WatchlistFile};
use tui_support::*;

/// Presses a key through the keymap, as the event loop does.
fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    match palmtree::tui::event_loop::input_action(
        state,
        &Keymap::default(),
        &crossterm::event::Event::Key(event),
    ) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

fn fresh() -> State {
    State::new(&options())
}

fn screen_text(state: &State) -> String {
    lines(&render(state, &Theme::plain(), 80, 24)).join("\n")
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
fn the_number_keys_switch_views_and_fetch_only_that_view() {
    let mut state = fresh();
    let effects = press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.view(), View::Quotes);
    assert_eq!(effects, vec![Effect::FetchQuotes(options().watchlist)]);
    assert_eq!(press(&mut state, KeyCode::Char('2')), vec![]);
    assert_eq!(
        press(&mut state, KeyCode::Char('3')),
        vec![Effect::FetchOrders]
    );
    assert_eq!(
        press(&mut state, KeyCode::Char('1')),
        vec![Effect::FetchAccounts]
    );
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.view(), View::Quotes);
    press(&mut state, KeyCode::BackTab);
    press(&mut state, KeyCode::BackTab);
    assert_eq!(
        state.view(),
        View::Trade,
        "the order ticket is the fourth view"
    );
    press(&mut state, KeyCode::BackTab);
    assert_eq!(
        state.view(),
        View::Trade,
        "on the ticket Shift-Tab moves between fields"
    );
    press(&mut state, KeyCode::Esc);
    assert_eq!(
        state.view(),
        View::Positions,
        "Esc goes back where the ticket came from"
    );
}

#[test]
fn timers_fetch_only_what_is_on_screen() {
    let mut state = loaded_state();
    assert_eq!(update(&mut state, Action::Tick(Feed::Quotes)), vec![]);
    assert_eq!(update(&mut state, Action::Tick(Feed::Orders)), vec![]);
    assert_eq!(update(&mut state, Action::Tick(Feed::Chart)), vec![]);
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Positions)),
        vec![Effect::FetchAccounts]
    );
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Session)),
        vec![Effect::FetchSession]
    );
}

#[test]
fn login_offline_and_throttled_are_told_apart() {
    let mut state = loaded_state();
    let fail = |state: &mut State, error: BrokerError, minute: u32| {
        update(
            state,
            Action::AccountsLoaded {
                result: Err(error),
                at: at(14, minute, 0),
            },
        );
    };
    fail(
        &mut state,
        BrokerError::Offline("connection refused".into()),
        10,
    );
    fail(
        &mut state,
        BrokerError::Offline("connection refused".into()),
        11,
    );
    assert_eq!(
        state.connection(),
        Connection::Offline {
            since: at(14, 10, 0)
        }
    );
    let text = screen_text(&state);
    assert!(text.contains("offline since 14:10"), "{text}");
    assert!(row_with(&lines(&render(&state, &Theme::plain(), 80, 24)), "AAPL").contains("187.20"));

    fail(&mut state, BrokerError::Throttled { retry_after: None }, 12);
    assert_eq!(state.connection(), Connection::Throttled);
    assert!(screen_text(&state).contains("throttled by Schwab"));

    fail(
        &mut state,
        BrokerError::LoginRequired("refresh token expired".into()),
        13,
    );
    assert_eq!(state.connection(), Connection::LoginRequired);
    assert!(screen_text(&state).contains("login required"));

    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 14, 0),
        },
    );
    assert_eq!(state.connection(), Connection::Live);
    assert_eq!(state.last_error(), None);
}

#[test]
fn an_api_error_is_shown_in_a_few_words_and_the_line_stays_live() {
    let mut state = loaded_state();
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Err(BrokerError::Failed("HTTP 500 from accounts".into())),
            at: at(14, 3, 0),
        },
    );
    assert_eq!(state.connection(), Connection::Live);
    assert!(screen_text(&state).contains("error: HTTP 500 from accounts"));
}

#[test]
fn timer_refreshes_are_silent_but_r_says_refreshing() {
    let mut state = loaded_state();
    update(&mut state, Action::Tick(Feed::Positions));
    assert_eq!(state.connection(), Connection::Live);
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 2, 13),
        },
    );
    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        vec![Effect::FetchAccounts]
    );
    assert_eq!(state.connection(), Connection::Refreshing);
    assert!(screen_text(&state).contains("refreshing"));
}

#[test]
fn failures_back_off_the_timer_and_r_still_fetches() {
    let mut state = loaded_state();
    for minute in 0..2 {
        update(&mut state, Action::Tick(Feed::Positions));
        update(
            &mut state,
            Action::AccountsLoaded {
                result: Err(BrokerError::Offline("refused".into())),
                at: at(15, minute, 0),
            },
        );
    }
    // Two failures: three ticks pass before the next try.
    let fetched: Vec<bool> = (0..4)
        .map(|_| !update(&mut state, Action::Tick(Feed::Positions)).is_empty())
        .collect();
    assert_eq!(fetched, [false, false, false, true]);
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Err(BrokerError::Offline("refused".into())),
            at: at(15, 3, 0),
        },
    );
    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        vec![Effect::FetchAccounts]
    );
}

#[test]
fn accounts_cycle_through_all_and_each() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char(']'));
    assert_eq!(state.scope(), palmtree::tui::holdings::Scope::Account(0));
    assert_eq!(state.selected_row(), 0);
    press(&mut state, KeyCode::Char('a'));
    press(&mut state, KeyCode::Char('a'));
    assert_eq!(state.scope(), palmtree::tui::holdings::Scope::All);
    press(&mut state, KeyCode::Char('['));
    assert_eq!(state.scope(), palmtree::tui::holdings::Scope::Account(1));
}

#[test]
fn a_symbol_is_checked_by_grammar_then_by_the_api() {
    let mut state = loaded_state();
    state = state.saving_watchlists(true);
    press(&mut state, KeyCode::Char('2'));
    let cases = [
        ("*", "'*' cannot be part of a symbol"),
        ("", "type a symbol"),
        ("🚀", "'🚀' cannot be part of a symbol"),
        (&"A".repeat(200), "too long: 200 characters"),
        ("aapl", "AAPL is already in Main"),
    ];
    for (text, message) in cases {
        press(&mut state, KeyCode::Char('a'));
        update(&mut state, Action::Paste(text.to_string()));
        assert_eq!(press(&mut state, KeyCode::Enter), vec![], "{text}");
        let shown = screen_text(&state);
        assert!(shown.contains(message), "{text}: {shown}");
        press(&mut state, KeyCode::Esc);
        assert!(state.input().is_none());
    }

    press(&mut state, KeyCode::Char('a'));
    typed(&mut state, "qqq");
    assert_eq!(
        press(&mut state, KeyCode::Enter),
        vec![Effect::CheckSymbol("QQQ".to_string())]
    );
    assert!(screen_text(&state).contains("checking QQQ with Schwab"));
    update(
        &mut state,
        Action::SymbolChecked {
            symbol: "QQQ".to_string(),
            result: Ok(QuoteRow {
                symbol: "QQQ".to_string(),
                state: QuoteState::NotFound,
            }),
            at: at(14, 5, 0),
        },
    );
    assert!(screen_text(&state).contains("Schwab does not know QQQ"));
    assert!(!state.watchlist().contains(&"QQQ".to_string()));

    press(&mut state, KeyCode::Char('u'));
    assert_eq!(state.input().unwrap().text, "qqqu");
    press(&mut state, KeyCode::Backspace);
    assert_eq!(
        press(&mut state, KeyCode::Enter),
        vec![Effect::CheckSymbol("QQQ".to_string())]
    );
    let effects = update(
        &mut state,
        Action::SymbolChecked {
            symbol: "QQQ".to_string(),
            result: Ok(quote_rows()[1].clone()),
            at: at(14, 5, 1),
        },
    );
    assert_eq!(state.watchlist().last().map(String::as_str), Some("QQQ"));
    assert_eq!(state.selected_symbol().as_deref(), Some("QQQ"));
    assert!(matches!(effects[0], Effect::SaveWatchlists(_)));
    assert_eq!(
        effects[1],
        Effect::WatchlistChanged {
            name: "Main".to_string(),
            symbols: state.watchlist().to_vec()
        }
    );
    assert!(screen_text(&state).contains("Added QQQ to Main"));
}

#[test]
fn an_offline_check_says_so_and_esc_abandons_a_check() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Char('a'));
    typed(&mut state, "AMD");
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Action::SymbolChecked {
            symbol: "AMD".to_string(),
            result: Err(BrokerError::Offline("timed out".into())),
            at: at(14, 6, 0),
        },
    );
    assert!(screen_text(&state).contains("could not check AMD"));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Esc);
    let effects = update(
        &mut state,
        Action::SymbolChecked {
            symbol: "AMD".to_string(),
            result: Ok(quote_rows()[0].clone()),
            at: at(14, 6, 1),
        },
    );
    assert_eq!(effects, vec![]);
    assert!(!state.watchlist().contains(&"AMD".to_string()));
}

#[test]
fn symbols_are_deleted_and_reordered_and_lists_are_named() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Char('j'));
    let effects = press(&mut state, KeyCode::Char('K'));
    assert_eq!(&state.watchlist()[..2], ["SPY", "AAPL"]);
    assert_eq!(state.selected_symbol().as_deref(), Some("SPY"));
    assert!(matches!(effects[0], Effect::WatchlistChanged { .. }));
    press(&mut state, KeyCode::Char('J'));
    assert_eq!(&state.watchlist()[..2], ["AAPL", "SPY"]);

    press(&mut state, KeyCode::Char('d'));
    assert!(!state.watchlist().contains(&"SPY".to_string()));
    assert!(screen_text(&state).contains("Removed SPY from Main"));

    press(&mut state, KeyCode::Char('n'));
    typed(&mut state, "Tech");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.watchlists().len(), 2);
    assert!(state.watchlist().is_empty());
    assert!(screen_text(&state).contains("The watchlist Tech is empty"));
    press(&mut state, KeyCode::Char('n'));
    typed(&mut state, "tech");
    press(&mut state, KeyCode::Enter);
    assert!(screen_text(&state).contains("a watchlist named tech exists already"));
    press(&mut state, KeyCode::Esc);

    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(quote_rows()),
            at: at(14, 4, 0),
        },
    );
    let effects = press(&mut state, KeyCode::Char('w'));
    assert_eq!(state.watchlists()[state.active_watchlist()].name, "Main");
    assert!(matches!(effects.last(), Some(Effect::FetchQuotes(_))));

    press(&mut state, KeyCode::Char('D'));
    assert_eq!(state.watchlists().len(), 2, "the first D only asks");
    assert!(screen_text(&state).contains("Press D again"));
    press(&mut state, KeyCode::Char('D'));
    assert_eq!(state.watchlists().len(), 1);
    assert_eq!(state.watchlists()[0].name, "Tech");
    press(&mut state, KeyCode::Char('D'));
    assert!(screen_text(&state).contains("The last watchlist cannot be deleted"));
}

#[test]
fn named_watchlists_come_from_the_file_and_the_active_one_is_shown() {
    let file = WatchlistFile {
        active: "Tech".to_string(),
        lists: vec![
            Watchlist {
                name: "Main".to_string(),
                symbols: vec!["SPY".to_string()],
            },
            Watchlist {
                name: "Tech".to_string(),
                symbols: vec!["aapl".to_string(), "/esz25".to_string()],
            },
        ],
    };
    let mut state = State::with(&options(), file, &Keymap::default());
    assert_eq!(state.watchlist(), ["AAPL", "/ESZ25"]);
    assert_eq!(
        press(&mut state, KeyCode::Char('2')),
        vec![Effect::FetchQuotes(vec!["AAPL".into(), "/ESZ25".into()])]
    );
    let text = screen_text(&state);
    assert!(text.contains(" Main (1)   Tech (2) "), "{text}");
}

#[test]
fn a_seeded_state_draws_cached_positions_before_any_fetch_returns() {
    let mut state = fresh();
    update(
        &mut state,
        Action::Seeded(Box::new(Seed {
            accounts: Some((accounts(), at(13, 58, 0))),
            quotes: Some((quote_rows(), at(13, 58, 1))),
            orders: Some((orders(), at(13, 58, 2))),
        })),
    );
    assert_eq!(
        update(&mut state, Action::Start),
        vec![Effect::FetchAccounts, Effect::FetchSession]
    );
    let lines = lines(&render(&state, &Theme::plain(), 80, 24));
    assert!(row_with(&lines, "TSLA").contains("-3,965.50"));
    assert!(
        lines[1].ends_with("as of 13:58:00 (cached)"),
        "{}",
        lines[1]
    );
    assert!(lines[23].contains("positions as of 13:58:00 (cached)"));

    press(&mut state, KeyCode::Char('2'));
    assert!(row_with(&lines_of(&state), "SPY").contains("512.40"));
    press(&mut state, KeyCode::Char('1'));
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 0, 0),
        },
    );
    assert!(lines_of(&state)[1].ends_with("as of 14:00:00"));
    // A late seed never replaces live data.
    update(
        &mut state,
        Action::Seeded(Box::new(Seed {
            accounts: Some((Vec::new(), at(13, 0, 0))),
            ..Seed::default()
        })),
    );
    assert_eq!(state.accounts().len(), 2);
}

fn lines_of(state: &State) -> Vec<String> {
    lines(&render(state, &Theme::plain(), 80, 24))
}

#[test]
fn the_relogin_countdown_warns_under_a_day_and_the_clock_redraws_only_on_change() {
    let deadline =
        at(14, 0, 0).with_timezone(&chrono::Utc) + TimeDelta::hours(30) + TimeDelta::minutes(30);
    let mut state = loaded_state().with_relogin_deadline(Some(deadline));
    update(&mut state, Action::Clock(at(14, 0, 0)));
    assert!(lines_of(&state)[23].contains("re-login in 30h"));
    assert!(!lines_of(&state)[23].contains('⚠'));

    let before = state.generation();
    update(&mut state, Action::Clock(at(14, 0, 5)));
    assert_eq!(state.generation(), before, "nothing shown changed");

    update(&mut state, Action::Clock(at(21, 0, 0)));
    let status = &lines_of(&state)[23];
    assert!(status.contains("⚠ re-login in 23h"), "{status}");
    // Positions are from 14:02 and it is 21:00: stale, and it says so in words.
    assert!(status.contains("stale 6h"), "{status}");

    let after = deadline.with_timezone(&chrono::Local) + TimeDelta::minutes(1);
    update(&mut state, Action::Clock(after));
    assert!(lines_of(&state)[23].contains("login expired"));
}

#[test]
fn the_mouse_selects_tabs_and_rows_and_scrolls() {
    let mut state = loaded_state();
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let header = &lines_of(&state)[0];
    let quotes_x = header.chars().position(|_| false).unwrap_or(0)
        + header[..header.find("2 Quotes").unwrap()].chars().count();
    let hit = views::hit(&state, u16::try_from(quotes_x).unwrap(), 0);
    assert_eq!(hit, Some(MouseAction::SelectView(View::Quotes)));
    update(&mut state, Action::Mouse(hit.unwrap()));
    assert_eq!(state.view(), View::Quotes);

    // Rows start on the fourth line: header, info, table header.
    let hit = views::hit(&state, 5, 5);
    assert_eq!(hit, Some(MouseAction::SelectRow(2)));
    update(&mut state, Action::Mouse(hit.unwrap()));
    assert_eq!(state.selected_symbol().as_deref(), Some("$SPX"));
    assert_eq!(views::hit(&state, 5, 20), None, "below the last row");
    assert_eq!(views::hit(&state, 5, 23), None, "the status bar");

    update(&mut state, Action::Mouse(MouseAction::Scroll(3)));
    assert_eq!(state.selected_row(), 5);
    update(&mut state, Action::Mouse(MouseAction::Scroll(-3)));
    assert_eq!(state.selected_row(), 2);
}

#[test]
fn enter_on_a_position_opens_its_quote_and_chart() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Down);
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![
            Effect::FetchHistory {
                symbol: "AAPL".to_string(),
                range: ChartRange::Day
            },
            Effect::FetchQuotes(vec!["AAPL".to_string()]),
        ]
    );
    assert!(state.detail_open());
    // The quote timer now keeps only that symbol fresh.
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(vec![quote_rows()[0].clone()]),
            at: at(14, 3, 0),
        },
    );
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Quotes)),
        vec![Effect::FetchQuotes(vec!["AAPL".to_string()])]
    );

    let effects = press(&mut state, KeyCode::Right);
    assert_eq!(state.chart_range(), ChartRange::Week);
    assert_eq!(effects, vec![], "the day chart is still in flight");
    let effects = update(
        &mut state,
        Action::HistoryLoaded {
            symbol: "AAPL".to_string(),
            range: ChartRange::Day,
            result: Ok(candles(10, false)),
            at: at(14, 3, 1),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::FetchHistory {
            symbol: "AAPL".to_string(),
            range: ChartRange::Week
        }],
        "the week chart is asked for as soon as the day chart lands"
    );
    press(&mut state, KeyCode::Esc);
    assert!(!state.detail_open());
    assert_eq!(update(&mut state, Action::Tick(Feed::Chart)), vec![]);
}

#[test]
fn a_text_field_takes_q_and_digits() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Char('a'));
    typed(&mut state, "q1?");
    assert!(!state.should_quit());
    assert_eq!(state.view(), View::Quotes);
    assert_eq!(state.input().unwrap().text, "q1?");
}

#[test]
fn rebound_keys_drive_the_state_and_the_help() {
    let keymap =
        keymap::apply_overrides("[keys]\nquit = \"ctrl-q\"\nshow_orders = \"o\"\n").unwrap();
    let mut state = State::with(&options(), WatchlistFile::from_symbols(&[]), &keymap);
    let o = KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE);
    let command = keymap.command_for(&state, &o).unwrap();
    update(&mut state, Action::Command(command));
    assert_eq!(state.view(), View::Orders);
    let text = lines_of(&state).join("\n");
    assert!(
        text.contains(" o Orders"),
        "the tab shows the rebound key: {text}"
    );
    command_help(&mut state);
    let text = lines(&render(&state, &Theme::plain(), 120, 40)).join("\n");
    assert!(text.contains("Ctrl-Q"), "{text}");
}

fn command_help(state: &mut State) {
    update(state, Action::Command(Command::ToggleHelp));
}

#[test]
fn a_long_table_scrolls_only_when_the_highlight_leaves_the_screen() {
    let symbols: Vec<String> = (0..100).map(|i| format!("S{i:03}")).collect();
    let mut opts = options();
    opts.watchlist = symbols;
    let mut state = State::new(&opts);
    press(&mut state, KeyCode::Char('2'));
    for _ in 0..18 {
        press(&mut state, KeyCode::Down);
    }
    assert_eq!(state.cursor().offset, 0);
    press(&mut state, KeyCode::Down);
    assert_eq!(state.cursor().offset, 1);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.selected_row(), 38);
    press(&mut state, KeyCode::Char('G'));
    assert_eq!(state.selected_row(), 99);
    let lines = lines_of(&state);
    assert!(row_with(&lines, "S099").contains('…'));
    press(&mut state, KeyCode::Char('g'));
    assert_eq!(state.cursor().offset, 0);
}

#[test]
fn a_throttled_answer_with_retry_after_holds_the_timer_until_then() {
    let mut state = loaded_state();
    update(&mut state, Action::Clock(at(14, 0, 0)));
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Err(BrokerError::Throttled {
                retry_after: Some(std::time::Duration::from_secs(30)),
            }),
            at: at(14, 0, 0),
        },
    );
    assert_eq!(state.connection(), Connection::Throttled);
    // Inside Schwab's wait, no tick fetches, however many pass.
    update(&mut state, Action::Clock(at(14, 0, 20)));
    for _ in 0..5 {
        assert_eq!(update(&mut state, Action::Tick(Feed::Positions)), vec![]);
    }
    // After it, the ordinary backoff (one tick after one failure) applies, then a fetch.
    update(&mut state, Action::Clock(at(14, 0, 31)));
    assert_eq!(update(&mut state, Action::Tick(Feed::Positions)), vec![]);
    assert_eq!(
        update(&mut state, Action::Tick(Feed::Positions)),
        vec![Effect::FetchAccounts]
    );
}
