//! The one function that changes the TUI state: an action in, effects out.
//!
//! Pure: no clock, no terminal, no network. Broker results are sanitised here, on their way
//! into the state, so nothing drawn later can carry a terminal escape.

use chrono::{DateTime, Local};

use crate::broker::model::{Account, AssetKind, Position, QuoteRow, QuoteState};
use crate::sanitize::clean;
use crate::tui::action::{Action, Command, Effect, Feed};
use crate::tui::app::{Cursor, State, View};
use crate::tui::views::help;

const SYMBOL_CHARS: usize = 32;
const TEXT_CHARS: usize = 80;
const LABEL_CHARS: usize = 40;
const KIND_CHARS: usize = 16;
const ERROR_CHARS: usize = 120;

/// Applies one action to the state and returns the work it asks for.
///
/// Any change to what is shown bumps [`State::generation`]; an action that changes nothing
/// visible (a timer for a hidden view, a key at the end of a list) leaves it alone, so the
/// loop does not redraw. After a failed fetch the visible view's timer backs off (see
/// [`crate::tui::app::FeedState::backoff_ticks`]); `r` still fetches at once.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Start => fetch(state, state.view.feed(), false).into_iter().collect(),
        Action::Command(command) => on_command(state, command),
        Action::AccountsLoaded { result, at } => {
            let outcome = result.map(|accounts| set_accounts(state, accounts));
            finish(state, Feed::Positions, outcome, at);
            Vec::new()
        }
        Action::QuotesLoaded { result, at } => {
            let outcome = result.map(|rows| set_quotes(state, rows));
            finish(state, Feed::Quotes, outcome, at);
            Vec::new()
        }
        Action::Tick(feed) if feed == state.view.feed() => {
            let current = state.feed_mut(feed);
            if current.skipped < current.backoff_ticks() {
                current.skipped += 1;
                return Vec::new();
            }
            fetch(state, feed, false).into_iter().collect()
        }
        Action::Tick(_) => Vec::new(),
        Action::Resize { width, height } => {
            if state.screen != (width, height) {
                state.screen = (width, height);
                state.help_scroll = state.help_scroll.min(help::max_scroll(state.screen));
                clamp_cursors(state);
                state.touch();
            }
            Vec::new()
        }
    }
}

/// Records the end of a fetch: its time on success, its message on failure (old data stays).
fn finish(state: &mut State, feed: Feed, outcome: Result<(), String>, at: DateTime<Local>) {
    let current = state.feed_mut(feed);
    match outcome {
        Ok(()) => {
            current.as_of = Some(at);
            current.error = None;
            current.failures = 0;
        }
        Err(message) => {
            current.error = Some(clean(&message, ERROR_CHARS));
            current.failures = current.failures.saturating_add(1);
        }
    }
    current.skipped = 0;
    current.in_flight = false;
    current.manual = false;
    state.touch();
}

fn on_command(state: &mut State, command: Command) -> Vec<Effect> {
    match command {
        Command::Quit => {
            state.quit = true;
            state.touch();
        }
        Command::ToggleHelp => {
            state.help_open = !state.help_open;
            state.help_scroll = 0;
            state.touch();
        }
        Command::CloseHelp => {
            if state.help_open {
                state.help_open = false;
                state.touch();
            }
        }
        Command::ShowPositions => return show(state, View::Positions),
        Command::ShowQuotes => return show(state, View::Quotes),
        Command::NextView => return show(state, state.view.next()),
        Command::PrevView => return show(state, state.view.prev()),
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => move_cursor(state, command),
        Command::Refresh => return fetch(state, state.view.feed(), true).into_iter().collect(),
        Command::NextAccount => cycle_account(state, true),
        Command::PrevAccount => cycle_account(state, false),
    }
    Vec::new()
}

/// Switches to a view and fetches its data, unless a fetch for it is already out.
fn show(state: &mut State, view: View) -> Vec<Effect> {
    if state.view == view {
        return Vec::new();
    }
    state.view = view;
    state.touch();
    fetch(state, view.feed(), false).into_iter().collect()
}

/// Starts a fetch for a feed unless one is in flight; `manual` marks a user's refresh.
fn fetch(state: &mut State, feed: Feed, manual: bool) -> Option<Effect> {
    let effect = match feed {
        Feed::Positions => Effect::FetchAccounts,
        Feed::Quotes if state.watchlist.is_empty() => return None,
        Feed::Quotes => Effect::FetchQuotes(state.watchlist.clone()),
    };

    let current = state.feed_mut(feed);
    if current.in_flight {
        if manual && !current.manual {
            current.manual = true;
            state.touch();
        }
        return None;
    }

    current.in_flight = true;
    current.manual = manual;
    if manual || current.as_of.is_none() {
        state.touch();
    }
    Some(effect)
}

/// Moves the highlighted row of the visible table, or scrolls the help when it is open.
fn move_cursor(state: &mut State, command: Command) {
    let (current, count, page) = if state.help_open {
        let max = help::max_scroll(state.screen);
        (
            state.help_scroll,
            max.saturating_add(1),
            help::page_len(state.screen),
        )
    } else {
        (
            state.selected_row(),
            state.row_count(),
            state.page_len(state.view),
        )
    };
    let last = count.saturating_sub(1);

    let next = match command {
        Command::Up => current.saturating_sub(1),
        Command::Down => current.saturating_add(1).min(last),
        Command::PageUp => current.saturating_sub(page),
        Command::PageDown => current.saturating_add(page).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        _ => current,
    };
    if next == current {
        return;
    }

    if state.help_open {
        state.help_scroll = next;
    } else {
        match state.view {
            View::Positions => state.positions_cursor.set(next, count, page),
            View::Quotes => state.quotes_cursor.set(next, count, page),
        }
    }
    state.touch();
}

/// Keeps both tables' highlights on a row and on screen after the data or the size changed.
fn clamp_cursors(state: &mut State) {
    let positions = state.selected_account().map_or(0, |a| a.positions.len());
    let page = state.page_len(View::Positions);
    let row = state.positions_cursor.row;
    state.positions_cursor.set(row, positions, page);

    let quotes = state.quotes.len();
    let page = state.page_len(View::Quotes);
    let row = state.quotes_cursor.row;
    state.quotes_cursor.set(row, quotes, page);
}

fn cycle_account(state: &mut State, forward: bool) {
    let count = state.accounts.len();
    if count < 2 || state.view != View::Positions {
        return;
    }
    state.account_index = if forward {
        (state.account_index + 1) % count
    } else {
        (state.account_index + count - 1) % count
    };
    state.positions_cursor = Cursor::default();
    state.touch();
}

/// Replaces the accounts, keeping the same account selected when it is still there.
fn set_accounts(state: &mut State, accounts: Vec<Account>) {
    let selected = state.selected_account().map(|a| a.key.clone());
    state.accounts = accounts.into_iter().map(clean_account).collect();

    state.account_index = selected
        .and_then(|key| state.accounts.iter().position(|a| a.key == key))
        .unwrap_or(0);
    clamp_cursors(state);
}

/// Replaces the quotes, adding an "unavailable" row for any watchlist symbol left unanswered.
fn set_quotes(state: &mut State, rows: Vec<QuoteRow>) {
    let mut rows: Vec<QuoteRow> = rows.into_iter().map(clean_quote_row).collect();
    for symbol in &state.watchlist {
        if !rows
            .iter()
            .any(|row| row.symbol.eq_ignore_ascii_case(symbol))
        {
            rows.push(QuoteRow {
                symbol: symbol.clone(),
                state: QuoteState::Unavailable("no answer for this symbol".to_string()),
            });
        }
    }
    state.quotes = rows;
    clamp_cursors(state);
}

fn clean_account(mut account: Account) -> Account {
    account.label = clean(&account.label, LABEL_CHARS);
    account.kind = clean(&account.kind, KIND_CHARS);
    account.positions = account.positions.into_iter().map(clean_position).collect();
    account
}

fn clean_position(mut position: Position) -> Position {
    position.symbol = clean(&position.symbol, SYMBOL_CHARS);
    position.description = clean(&position.description, TEXT_CHARS);
    position.kind = clean_kind(position.kind);
    position.underlying = position.underlying.map(|u| clean(&u, SYMBOL_CHARS));
    position
}

fn clean_quote_row(row: QuoteRow) -> QuoteRow {
    let state = match row.state {
        QuoteState::Live(mut quote) => {
            quote.symbol = clean(&quote.symbol, SYMBOL_CHARS);
            quote.description = clean(&quote.description, TEXT_CHARS);
            quote.kind = quote.kind.map(clean_kind);
            QuoteState::Live(quote)
        }
        QuoteState::NotFound => QuoteState::NotFound,
        QuoteState::Unavailable(reason) => QuoteState::Unavailable(clean(&reason, TEXT_CHARS)),
    };
    QuoteRow {
        symbol: clean(&row.symbol, SYMBOL_CHARS),
        state,
    }
}

fn clean_kind(kind: AssetKind) -> AssetKind {
    match kind {
        AssetKind::Other(name) => AssetKind::Other(clean(&name, KIND_CHARS)),
        known => known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::TuiOptions;

    fn state() -> State {
        State::new(&TuiOptions {
            watchlist: vec!["AAPL".to_string(), "SPY".to_string()],
            ..TuiOptions::default()
        })
    }

    #[test]
    fn start_fetches_the_first_view_once() {
        let mut s = state();
        assert_eq!(update(&mut s, Action::Start), vec![Effect::FetchAccounts]);
        assert!(s.positions_feed.in_flight);
        assert_eq!(update(&mut s, Action::Tick(Feed::Positions)), vec![]);
    }

    #[test]
    fn timers_for_hidden_views_do_nothing() {
        let mut s = state();
        let before = s.generation();
        assert_eq!(update(&mut s, Action::Tick(Feed::Quotes)), vec![]);
        assert_eq!(s.generation(), before);
    }

    #[test]
    fn an_empty_watchlist_asks_for_no_quotes() {
        let mut s = State::new(&TuiOptions::default());
        assert_eq!(update(&mut s, Action::Command(Command::ShowQuotes)), vec![]);
        assert_eq!(s.view(), View::Quotes);
    }

    #[test]
    fn moving_past_the_ends_changes_nothing() {
        let mut s = state();
        let before = s.generation();
        update(&mut s, Action::Command(Command::Up));
        update(&mut s, Action::Command(Command::Bottom));
        assert_eq!(s.generation(), before);
    }

    #[test]
    fn same_size_resize_is_not_a_change() {
        let mut s = state();
        update(
            &mut s,
            Action::Resize {
                width: 100,
                height: 30,
            },
        );
        let before = s.generation();
        update(
            &mut s,
            Action::Resize {
                width: 100,
                height: 30,
            },
        );
        assert_eq!(s.generation(), before);
        assert_eq!(s.screen(), (100, 30));
    }
}
