//! The one function that changes the TUI state: an action in, effects out.
//!
//! Pure: no clock, no terminal, no network. Broker results are sanitised here, on their way
//! into the state, so nothing drawn later can carry a terminal escape.

use chrono::{DateTime, Datelike, Local};

use crate::broker::BrokerError;
use crate::broker::model::{
    Account, AssetKind, Candle, ChartRange, Position, QuoteRow, QuoteState,
};
use crate::sanitize::{clean, strip};
use crate::trading::symbol::parse_symbol;
use crate::tui::action::{Action, Command, Effect, Feed, MouseAction, Seed};
use crate::tui::app::{
    ChartData, ChartStyle, Cursor, InputField, InputPurpose, Link, Notice, State, View,
};
use crate::tui::holdings::Scope;
use crate::tui::orders::{OrderRow, sort_orders};
use crate::tui::ticket::Side;
use crate::tui::trade;
use crate::tui::views::help;
use crate::tui::watchlists::{NAME_CHARS, Watchlist};

const SYMBOL_CHARS: usize = 32;
const TEXT_CHARS: usize = 80;
const LABEL_CHARS: usize = 40;
const KIND_CHARS: usize = 16;
const ERROR_CHARS: usize = 120;

/// Charts kept in memory; past this only the one on screen is kept.
const CHARTS_KEPT: usize = 64;

/// The first year a candle may carry: anything earlier is a missing time sent as zero.
const FIRST_CANDLE_YEAR: i32 = 1971;

/// Applies one action to the state and returns the work it asks for.
///
/// Any change to what is shown bumps [`State::generation`]; an action that changes nothing
/// visible (a timer for a hidden view, a key at the end of a list) leaves it alone, so the
/// loop does not redraw. After a failed fetch the visible view's timer backs off (see
/// [`crate::tui::app::FeedState::backoff_ticks`]); `r` still fetches at once.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Start => {
            let mut effects: Vec<Effect> =
                fetch(state, state.view.feed(), false).into_iter().collect();
            effects.extend(fetch(state, Feed::Session, false));
            effects
        }
        Action::Command(command) => on_command(state, command),
        Action::Type(c) => type_text(state, &c.to_string()),
        Action::Paste(text) => type_text(state, &text),
        Action::Mouse(_) if state.lock.locked => Vec::new(),
        Action::Mouse(gesture) => on_mouse(state, gesture),
        Action::Seeded(seed) => {
            apply_seed(state, *seed);
            Vec::new()
        }
        Action::AccountsLoaded { result, at } => {
            if let Some(accounts) = finish(state, Feed::Positions, result, at) {
                set_accounts(state, accounts);
                trade::fill_default_account(state);
            }
            Vec::new()
        }
        Action::QuotesLoaded { result, at } => {
            if let Some(rows) = finish(state, Feed::Quotes, result, at) {
                set_quotes(state, rows);
            }
            let wanted = quote_symbols(state);
            if !wanted.is_empty() && wanted != state.quotes_requested {
                return fetch(state, Feed::Quotes, false).into_iter().collect();
            }
            Vec::new()
        }
        Action::OrdersLoaded { result, at } => {
            if let Some(rows) = finish(state, Feed::Orders, result, at) {
                set_orders(state, rows);
            }
            Vec::new()
        }
        Action::HistoryLoaded {
            symbol,
            range,
            result,
            at,
        } => on_history(state, symbol, range, result, at),
        Action::SessionLoaded { result, at } => {
            // The session is polled every minute and rarely changes: redraw only when it or
            // the connection it reports on did.
            let before = (state.session, state.link, state.last_error.clone());
            let generation = state.generation;
            if let Some(session) = finish(state, Feed::Session, result, at) {
                state.session = Some(session);
            }
            if (state.session, state.link, state.last_error.clone()) == before {
                state.generation = generation;
            }
            Vec::new()
        }
        Action::SymbolChecked { symbol, result, at } => on_checked(state, symbol, result, at),
        Action::WatchlistsSaved { result } => {
            if let Err(message) = result {
                notify(
                    state,
                    format!(
                        "Could not save watchlists: {}",
                        clean(&message, ERROR_CHARS)
                    ),
                    true,
                );
            }
            Vec::new()
        }
        Action::Tick(feed) if wanted(state, feed) => {
            let now = state.now;
            let current = state.feed_mut(feed);
            if let (Some(now), Some(until)) = (now, current.not_before)
                && now < until
            {
                return Vec::new();
            }
            if current.skipped < current.backoff_ticks() {
                current.skipped += 1;
                return Vec::new();
            }
            fetch(state, feed, false).into_iter().collect()
        }
        Action::Tick(_) => Vec::new(),
        Action::Clock(now) => {
            let before = clock_signature(state);
            state.now = Some(now);
            if clock_signature(state) != before {
                state.touch();
            }
            Vec::new()
        }
        Action::Previewed { seq, result, at } => trade::on_previewed(state, seq, result, at),
        Action::Submitted { seq, result, at } => trade::on_submitted(state, seq, result, at),
        Action::Canceled {
            order_id,
            result,
            at,
        } => trade::on_canceled(state, order_id, result, at),
        Action::Lock => trade::lock(state),
        Action::UnlockChecked { ok } => trade::on_unlock_checked(state, ok),
        Action::Resize { width, height } => {
            if state.screen != (width, height) {
                state.screen = (width, height);
                state.help_scroll = state
                    .help_scroll
                    .min(help::max_scroll(state.screen, state.help_entries()));
                clamp_cursors(state);
                state.touch();
            }
            Vec::new()
        }
    }
}

/// What the clock changes on screen: the re-login countdown and the staleness of the data.
/// A clock tick redraws only when one of these moved.
fn clock_signature(state: &State) -> (Option<String>, Option<i64>) {
    (
        state.relogin_left().map(crate::format::countdown),
        state.stale_for().map(|d| d.num_minutes()),
    )
}

/// Whether a feed's data is on screen, so that its timer should fetch. Behind the lock
/// screen nothing is, but the market session.
fn wanted(state: &State, feed: Feed) -> bool {
    if state.lock.locked {
        return feed == Feed::Session;
    }
    match feed {
        // The ticket shows the account's buying power, which must follow fills.
        Feed::Positions => matches!(state.view, View::Positions | View::Trade),
        Feed::Quotes => !quote_symbols(state).is_empty(),
        Feed::Orders => state.view == View::Orders,
        Feed::Chart => state.detail_symbol().is_some(),
        Feed::Session => true,
    }
}

/// The symbols whose quotes are on screen: the active watchlist on the Quotes view, the
/// detail pane's symbol on the Positions view, the ticket's symbol on the ticket, none
/// elsewhere.
fn quote_symbols(state: &State) -> Vec<String> {
    match state.view {
        View::Quotes => state.watchlist().to_vec(),
        View::Positions => state.detail_symbol().into_iter().collect(),
        View::Trade => state.ticket.canonical_symbol().into_iter().collect(),
        View::Orders => Vec::new(),
    }
}

/// Records the end of a fetch: its time on success, its message on failure (old data stays),
/// and what the answer says about the connection. Returns the data on success.
fn finish<T>(
    state: &mut State,
    feed: Feed,
    result: Result<T, BrokerError>,
    at: DateTime<Local>,
) -> Option<T> {
    note_link(state, result.as_ref().err(), at);
    let current = state.feed_mut(feed);
    current.skipped = 0;
    current.in_flight = false;
    current.manual = false;
    let value = match result {
        Ok(value) => {
            current.as_of = Some(at);
            current.cached = false;
            current.error = None;
            current.failures = 0;
            current.jitter = 0;
            current.not_before = None;
            if state.last_error.as_ref().is_some_and(|(f, _)| *f == feed) {
                state.last_error = None;
            }
            Some(value)
        }
        Err(error) => {
            let message = clean(&error.to_string(), ERROR_CHARS);
            current.error = Some(message.clone());
            current.failures = current.failures.saturating_add(1);
            // The failure's sub-second time is as good as random here, and keeps update pure.
            current.jitter = at.timestamp_subsec_millis() % (current.failures.min(4) + 1);
            current.not_before = match &error {
                BrokerError::Throttled {
                    retry_after: Some(wait),
                } => chrono::TimeDelta::from_std(*wait)
                    .ok()
                    .map(|wait| at + wait),
                _ => None,
            };
            state.last_error = Some((feed, message));
            None
        }
    };
    state.touch();
    value
}

/// What an answer (or its absence) says about the connection.
pub(crate) fn note_link(state: &mut State, error: Option<&BrokerError>, at: DateTime<Local>) {
    state.link = match (error, state.link) {
        (Some(BrokerError::LoginRequired(_)), _) => Link::LoginRequired,
        (Some(BrokerError::Offline(_)), Link::Offline { since }) => Link::Offline { since },
        (Some(BrokerError::Offline(_)), _) => Link::Offline { since: at },
        (Some(BrokerError::Throttled { .. }), Link::Throttled { since }) => {
            Link::Throttled { since }
        }
        (Some(BrokerError::Throttled { .. }), _) => Link::Throttled { since: at },
        // Schwab answered, if only with an error about the request: the line is up.
        (Some(BrokerError::Failed(_)) | None, _) => Link::Live,
    };
}

fn on_command(state: &mut State, command: Command) -> Vec<Effect> {
    if state.notice.take().is_some() {
        state.touch();
    }
    if state.lock.locked {
        return trade::on_locked_command(state, command);
    }
    if command != Command::DeleteWatchlist && state.confirm_delete_list {
        state.confirm_delete_list = false;
        state.touch();
    }
    match command {
        Command::Quit => trade::quit(state),
        Command::ToggleHelp => {
            state.help_open = !state.help_open;
            state.help_scroll = 0;
            state.touch();
        }
        Command::Close => return close(state),
        Command::ShowPositions => return show(state, View::Positions),
        Command::ShowQuotes => return show(state, View::Quotes),
        Command::ShowOrders => return show(state, View::Orders),
        Command::NextView => return show(state, state.view.next()),
        Command::PrevView => return show(state, state.view.prev()),
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => {
            move_cursor(state, command);
            return follow(state);
        }
        Command::Refresh => return refresh(state),
        Command::Filter => {
            let text = state.filter(state.view).to_string();
            open_input(state, InputPurpose::Filter, text);
        }
        Command::Open => return open_detail(state),
        Command::NextAccount => cycle_scope(state, true),
        Command::PrevAccount => cycle_scope(state, false),
        Command::SortNext => {
            state.sort.key = state.sort.key.next();
            state.sort.reversed = false;
            state.positions_cursor = Cursor::default();
            state.touch();
        }
        Command::SortReverse => {
            state.sort.reversed = !state.sort.reversed;
            state.positions_cursor = Cursor::default();
            state.touch();
        }
        Command::AddSymbol if state.view == View::Quotes => {
            open_input(state, InputPurpose::AddSymbol, String::new());
        }
        Command::DeleteSymbol if state.view == View::Quotes => return delete_symbol(state),
        Command::MoveSymbolUp if state.view == View::Quotes => return move_symbol(state, false),
        Command::MoveSymbolDown if state.view == View::Quotes => return move_symbol(state, true),
        Command::NextWatchlist if state.view == View::Quotes => return switch_list(state, true),
        Command::PrevWatchlist if state.view == View::Quotes => return switch_list(state, false),
        Command::NewWatchlist if state.view == View::Quotes => {
            open_input(state, InputPurpose::NewWatchlist, String::new());
        }
        Command::DeleteWatchlist if state.view == View::Quotes => return delete_list(state),
        Command::AddSymbol
        | Command::DeleteSymbol
        | Command::MoveSymbolUp
        | Command::MoveSymbolDown
        | Command::NextWatchlist
        | Command::PrevWatchlist
        | Command::NewWatchlist
        | Command::DeleteWatchlist => {}
        Command::ChartNextRange => return change_range(state, true),
        Command::ChartPrevRange => return change_range(state, false),
        Command::ChartStyle => {
            state.chart_style = match state.chart_style {
                ChartStyle::Candles => ChartStyle::Line,
                ChartStyle::Line => ChartStyle::Candles,
            };
            state.touch();
        }
        Command::Submit => return submit(state),
        Command::InputBackspace
        | Command::InputDelete
        | Command::InputLeft
        | Command::InputRight
        | Command::InputHome
        | Command::InputEnd
        | Command::InputClear => edit(state, command),
        Command::ShowTrade => return show(state, View::Trade),
        Command::Buy => return trade::open_for_row(state, Side::Buy),
        Command::Sell => return trade::open_for_row(state, Side::Sell),
        Command::NextField | Command::PrevField if on_ticket(state) => {
            return trade::move_focus(state, command == Command::NextField);
        }
        Command::ChoiceNext | Command::ChoicePrev if on_ticket(state) => {
            return trade::cycle(state, command == Command::ChoiceNext);
        }
        Command::Preview if on_ticket(state) => return trade::preview(state),
        Command::ConfirmOrder => return trade::confirm(state),
        Command::BackToTicket if on_ticket(state) => trade::back_to_ticket(state),
        Command::CancelOrder => return trade::ask_cancel(state),
        Command::ReplaceOrder => return trade::open_replace(state),
        Command::NextField
        | Command::PrevField
        | Command::ChoiceNext
        | Command::ChoicePrev
        | Command::Preview
        | Command::BackToTicket
        | Command::Unlock => {}
    }
    Vec::new()
}

/// Whether the ticket is what the keys act on: its view, with no overlay over it.
fn on_ticket(state: &State) -> bool {
    state.view == View::Trade && !state.help_open && state.input.is_none()
}

pub(crate) fn notify(state: &mut State, text: String, error: bool) {
    state.notice = Some(Notice { text, error });
    state.touch();
}

/// Esc: cancels the text field, else closes the help, else keeps the order a cancel prompt
/// asks about, else leaves the ticket, else closes the detail, else clears the visible
/// view's filter.
fn close(state: &mut State) -> Vec<Effect> {
    if let Some(input) = state.input.take() {
        if input.purpose == InputPurpose::Filter {
            set_filter(state, String::new());
        }
        state.touch();
    } else if state.help_open {
        state.help_open = false;
        state.touch();
    } else if state.cancel.is_some() {
        trade::close_cancel(state);
    } else if state.view == View::Trade {
        return trade::close(state);
    } else if state.detail_open() {
        state.detail_open = false;
        state.touch();
    } else if !state.filter(state.view).is_empty() {
        set_filter(state, String::new());
        state.touch();
    }
    Vec::new()
}

/// Switches to a view and fetches its data, unless a fetch for it is already out.
pub(crate) fn show(state: &mut State, view: View) -> Vec<Effect> {
    if state.view == view && !state.help_open {
        return Vec::new();
    }
    if view == View::Trade {
        return trade::open(state);
    }
    if state.view == View::Trade {
        trade::leave(state);
    }
    if state.cancel.as_ref().is_some_and(|p| !p.sending) {
        state.cancel = None;
    }
    state.help_open = false;
    state.detail_open = false;
    state.view = view;
    state.touch();
    fetch(state, view.feed(), false).into_iter().collect()
}

/// `r`: fetches the visible view's data now, and the chart when the detail is open.
fn refresh(state: &mut State) -> Vec<Effect> {
    let mut effects: Vec<Effect> = fetch(state, state.view.feed(), true).into_iter().collect();
    if state.detail_open() {
        if state.view != View::Quotes {
            effects.extend(fetch(state, Feed::Quotes, true));
        }
        effects.extend(fetch(state, Feed::Chart, true));
    }
    effects
}

/// Starts a fetch for a feed unless one is in flight; `manual` marks a user's refresh.
pub(crate) fn fetch(state: &mut State, feed: Feed, manual: bool) -> Option<Effect> {
    let effect = match feed {
        Feed::Positions => Effect::FetchAccounts,
        Feed::Quotes => {
            let symbols = quote_symbols(state);
            if symbols.is_empty() {
                return None;
            }
            Effect::FetchQuotes(symbols)
        }
        Feed::Orders => Effect::FetchOrders,
        Feed::Chart => {
            let symbol = state.detail_symbol()?;
            Effect::FetchHistory {
                symbol,
                range: state.chart_range,
            }
        }
        Feed::Session => Effect::FetchSession,
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
    let first = current.as_of.is_none();
    match &effect {
        Effect::FetchQuotes(symbols) => state.quotes_requested = symbols.clone(),
        Effect::FetchHistory { symbol, range } => {
            state.chart_requested = Some((symbol.clone(), *range));
        }
        _ => {}
    }
    if manual || first {
        state.touch();
    }
    Some(effect)
}

/// After the highlight moved: fetch what the detail pane now needs, if it is open.
fn follow(state: &mut State) -> Vec<Effect> {
    let Some(symbol) = state.detail_symbol() else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    if state.chart(&symbol, state.chart_range).is_none() {
        effects.extend(fetch(state, Feed::Chart, false));
    }
    if state.view == View::Positions && state.quote(&symbol).is_none() {
        effects.extend(fetch(state, Feed::Quotes, false));
    }
    effects
}

/// Enter: opens the quote detail of the highlighted row's symbol and fetches its chart.
fn open_detail(state: &mut State) -> Vec<Effect> {
    if state.view == View::Orders || state.selected_symbol().is_none() {
        return Vec::new();
    }
    state.detail_open = true;
    state.touch();
    let mut effects: Vec<Effect> = fetch(state, Feed::Chart, false).into_iter().collect();
    if state.view == View::Positions {
        effects.extend(fetch(state, Feed::Quotes, false));
    }
    effects
}

fn change_range(state: &mut State, longer: bool) -> Vec<Effect> {
    const RANGES: [ChartRange; 4] = [
        ChartRange::Day,
        ChartRange::Week,
        ChartRange::Month,
        ChartRange::Year,
    ];
    let at = RANGES
        .iter()
        .position(|r| *r == state.chart_range)
        .unwrap_or(0);
    let next = if longer {
        (at + 1).min(RANGES.len() - 1)
    } else {
        at.saturating_sub(1)
    };
    if next == at {
        return Vec::new();
    }
    state.chart_range = RANGES[next];
    state.touch();
    follow(state)
}

/// Moves the highlighted row of the visible table, or scrolls the help when it is open.
fn move_cursor(state: &mut State, command: Command) {
    let (current, count, page) = if state.help_open {
        let max = help::max_scroll(state.screen, state.help_entries());
        (
            state.help_scroll,
            max.saturating_add(1),
            help::page_len(state.screen, state.help_entries()),
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
    move_to(state, current, next, count, page);
}

fn move_to(state: &mut State, current: usize, next: usize, count: usize, page: usize) {
    if !state.help_open && state.view == View::Orders && state.highlight_order.take().is_some() {
        // The user is choosing a row now; the mark of the order just placed has done its job.
        state.touch();
    }
    if next == current {
        return;
    }
    if state.help_open {
        state.help_scroll = next;
    } else {
        let view = state.view;
        state.cursor_mut(view).set(next, count, page);
    }
    state.touch();
}

fn on_mouse(state: &mut State, gesture: MouseAction) -> Vec<Effect> {
    if state.input.is_some() {
        return Vec::new();
    }
    match gesture {
        MouseAction::SelectView(view) => show(state, view),
        MouseAction::SelectRow(row) if !state.help_open => {
            let count = state.row_count();
            if row < count {
                let current = state.selected_row();
                let page = state.page_len(state.view);
                move_to(state, current, row, count, page);
            }
            follow(state)
        }
        MouseAction::SelectRow(_) => Vec::new(),
        MouseAction::Scroll(rows) => {
            let command = if rows < 0 { Command::Up } else { Command::Down };
            for _ in 0..rows.unsigned_abs() {
                move_cursor(state, command);
            }
            follow(state)
        }
    }
}

/// Keeps every table's highlight on a row and on screen after the data or the size changed.
fn clamp_cursors(state: &mut State) {
    for view in View::ALL {
        let count = state.row_count_of(view);
        let page = state.page_len(view);
        let cursor = state.cursor_mut(view);
        let row = cursor.row;
        cursor.set(row, count, page);
    }
}

/// Steps through "all accounts", then each account, and back to all.
fn cycle_scope(state: &mut State, forward: bool) {
    let count = state.accounts.len();
    if count < 2 || state.view != View::Positions {
        return;
    }
    // All is position 0 of the cycle, account i is position i + 1.
    let at = match state.scope {
        Scope::All => 0,
        Scope::Account(i) => i + 1,
    };
    let next = if forward {
        (at + 1) % (count + 1)
    } else {
        (at + count) % (count + 1)
    };
    state.scope = match next {
        0 => Scope::All,
        n => Scope::Account(n - 1),
    };
    state.positions_cursor = Cursor::default();
    state.touch();
}

fn open_input(state: &mut State, purpose: InputPurpose, text: String) {
    state.help_open = false;
    let cursor = text.chars().count();
    state.input = Some(InputField {
        purpose,
        text,
        cursor,
        message: None,
        checking: None,
    });
    state.touch();
}

/// Sets the visible view's filter and keeps its highlight on a row.
fn set_filter(state: &mut State, text: String) {
    let index = View::ALL.iter().position(|v| *v == state.view).unwrap_or(0);
    if let Some(slot) = state.filters.get_mut(index) {
        *slot = text;
    }
    let view = state.view;
    *state.cursor_mut(view) = Cursor::default();
    clamp_cursors(state);
}

/// Types or pastes into the focused field. Control characters and escapes are dropped, so a
/// pasted line break or escape sequence cannot reach the field.
fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    if state.lock.locked {
        return trade::type_locked(state, text);
    }
    if state.input.is_none() && on_ticket(state) && state.cancel.is_none() {
        return trade::type_text(state, text);
    }
    let Some(input) = state.input.as_mut() else {
        return Vec::new();
    };
    if input.checking.is_some() {
        return Vec::new();
    }
    let room = input
        .purpose
        .max_chars()
        .saturating_sub(input.text.chars().count());
    let typed = strip(text, room);
    if typed.is_empty() {
        return Vec::new();
    }
    let at = byte_at(&input.text, input.cursor);
    input.text.insert_str(at, &typed);
    input.cursor += typed.chars().count();
    input.message = None;
    let filter = (input.purpose == InputPurpose::Filter).then(|| input.text.clone());
    if let Some(text) = filter {
        set_filter(state, text);
    }
    state.touch();
    Vec::new()
}

fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

fn edit(state: &mut State, command: Command) {
    if state.input.is_none() && on_ticket(state) {
        return trade::edit_text(state, command);
    }
    let Some(input) = state.input.as_mut() else {
        return;
    };
    if input.checking.is_some() {
        return;
    }
    let len = input.text.chars().count();
    let before = (input.text.clone(), input.cursor);
    match command {
        Command::InputBackspace if input.cursor > 0 => {
            let at = byte_at(&input.text, input.cursor - 1);
            input.text.remove(at);
            input.cursor -= 1;
        }
        Command::InputDelete if input.cursor < len => {
            let at = byte_at(&input.text, input.cursor);
            input.text.remove(at);
        }
        Command::InputLeft => input.cursor = input.cursor.saturating_sub(1),
        Command::InputRight => input.cursor = (input.cursor + 1).min(len),
        Command::InputHome => input.cursor = 0,
        Command::InputEnd => input.cursor = len,
        Command::InputClear => {
            input.text.clear();
            input.cursor = 0;
        }
        _ => {}
    }
    if (input.text.clone(), input.cursor) == before {
        return;
    }
    input.message = None;
    let filter = (input.purpose == InputPurpose::Filter).then(|| input.text.clone());
    if let Some(text) = filter {
        set_filter(state, text);
    }
    state.touch();
}

/// Enter in the focused field: add the symbol (after the grammar and the API agree), create
/// the watchlist, or keep the filter.
fn submit(state: &mut State) -> Vec<Effect> {
    let Some(input) = state.input.as_mut() else {
        return Vec::new();
    };
    if input.checking.is_some() {
        return Vec::new();
    }
    match input.purpose {
        InputPurpose::Filter => {
            state.input = None;
            state.touch();
            Vec::new()
        }
        InputPurpose::AddSymbol => {
            let symbol = match parse_symbol(&input.text) {
                Ok(kind) => kind.canonical(),
                Err(error) => {
                    input.message = Some(clean(&error.to_string(), ERROR_CHARS));
                    state.touch();
                    return Vec::new();
                }
            };
            let list = state.watchlists.get(state.active_list);
            if let Some(list) = list.filter(|l| l.symbols.contains(&symbol)) {
                let message = format!("{symbol} is already in {}", list.name);
                if let Some(input) = state.input.as_mut() {
                    input.message = Some(message);
                }
                state.touch();
                return Vec::new();
            }
            if let Some(input) = state.input.as_mut() {
                input.message = None;
                input.checking = Some(symbol.clone());
            }
            state.touch();
            vec![Effect::CheckSymbol(symbol)]
        }
        InputPurpose::NewWatchlist => {
            let name = clean(input.text.trim(), NAME_CHARS);
            let taken = state
                .watchlists
                .iter()
                .any(|l| l.name.eq_ignore_ascii_case(&name));
            if name.is_empty() || taken {
                input.message = Some(if name.is_empty() {
                    "type a name for the new watchlist".to_string()
                } else {
                    format!("a watchlist named {name} exists already")
                });
                state.touch();
                return Vec::new();
            }
            state.input = None;
            state.watchlists.push(Watchlist {
                name: name.clone(),
                symbols: Vec::new(),
            });
            state.active_list = state.watchlists.len() - 1;
            state.quotes_cursor = Cursor::default();
            notify(
                state,
                format!("Created watchlist {name}: press a to add symbols"),
                false,
            );
            persist(state, true)
        }
    }
}

/// The API's answer about a symbol to add: a quote means it exists.
fn on_checked(
    state: &mut State,
    symbol: String,
    result: Result<QuoteRow, BrokerError>,
    at: DateTime<Local>,
) -> Vec<Effect> {
    note_link(state, result.as_ref().err(), at);
    let waiting = state.input.as_ref().is_some_and(|i| {
        i.purpose == InputPurpose::AddSymbol && i.checking.as_deref() == Some(&symbol)
    });
    if !waiting {
        // The user gave up on this check (Esc); the answer has nowhere to go.
        return Vec::new();
    }
    let message = match result {
        Ok(row) if row.state == QuoteState::NotFound => {
            Some(format!("Schwab does not know {symbol}"))
        }
        Ok(row) => {
            let row = clean_quote_row(row);
            state.quotes.insert(symbol.to_ascii_uppercase(), row);
            None
        }
        Err(error) => Some(clean(
            &format!("could not check {symbol} ({error}); not added"),
            ERROR_CHARS,
        )),
    };
    if let Some(message) = message {
        if let Some(input) = state.input.as_mut() {
            input.checking = None;
            input.message = Some(message);
        }
        state.touch();
        return Vec::new();
    }

    state.input = None;
    set_filter(state, String::new());
    let Some(list) = state.watchlists.get_mut(state.active_list) else {
        return Vec::new();
    };
    list.symbols.push(symbol.clone());
    let name = list.name.clone();
    let count = list.symbols.len();
    let page = state.page_len(View::Quotes);
    state.quotes_cursor.set(count - 1, count, page);
    notify(state, format!("Added {symbol} to {name}"), false);
    persist(state, true)
}

fn delete_symbol(state: &mut State) -> Vec<Effect> {
    let Some(symbol) = state.selected_symbol() else {
        return Vec::new();
    };
    let Some(list) = state.watchlists.get_mut(state.active_list) else {
        return Vec::new();
    };
    list.symbols.retain(|s| *s != symbol);
    let name = list.name.clone();
    clamp_cursors(state);
    notify(state, format!("Removed {symbol} from {name}"), false);
    persist(state, true)
}

/// Moves the highlighted symbol one place, keeping the highlight on it. Only unfiltered,
/// since a move within a filtered list would be a jump in the real one.
fn move_symbol(state: &mut State, down: bool) -> Vec<Effect> {
    if !state.filter(View::Quotes).is_empty() {
        notify(state, "Clear the filter (Esc) to reorder".to_string(), true);
        return Vec::new();
    }
    let row = state.quotes_cursor.row;
    let page = state.page_len(View::Quotes);
    let Some(list) = state.watchlists.get_mut(state.active_list) else {
        return Vec::new();
    };
    let count = list.symbols.len();
    let target = if down {
        row + 1
    } else {
        match row.checked_sub(1) {
            Some(t) => t,
            None => return Vec::new(),
        }
    };
    if target >= count || row >= count {
        return Vec::new();
    }
    list.symbols.swap(row, target);
    state.quotes_cursor.set(target, count, page);
    state.touch();
    persist(state, true)
}

fn switch_list(state: &mut State, forward: bool) -> Vec<Effect> {
    let count = state.watchlists.len();
    if count < 2 {
        return Vec::new();
    }
    state.active_list = if forward {
        (state.active_list + 1) % count
    } else {
        (state.active_list + count - 1) % count
    };
    state.quotes_cursor = Cursor::default();
    state.detail_open = false;
    state.touch();
    let mut effects = persist(state, false);
    effects.extend(fetch(state, Feed::Quotes, false));
    effects
}

/// `D` twice: deletes the active watchlist; the last one stays.
fn delete_list(state: &mut State) -> Vec<Effect> {
    let Some(list) = state.watchlists.get(state.active_list) else {
        return Vec::new();
    };
    if state.watchlists.len() < 2 {
        notify(
            state,
            "The last watchlist cannot be deleted".to_string(),
            true,
        );
        return Vec::new();
    }
    let (name, count) = (list.name.clone(), list.symbols.len());
    if !state.confirm_delete_list {
        state.confirm_delete_list = true;
        notify(
            state,
            format!("Press D again to delete watchlist {name} ({count} symbols)"),
            true,
        );
        return Vec::new();
    }
    state.confirm_delete_list = false;
    state.watchlists.remove(state.active_list);
    state.active_list = state.active_list.min(state.watchlists.len() - 1);
    state.quotes_cursor = Cursor::default();
    notify(state, format!("Deleted watchlist {name}"), false);
    let mut effects = persist(state, false);
    effects.push(Effect::WatchlistChanged {
        name,
        symbols: Vec::new(),
    });
    effects.extend(fetch(state, Feed::Quotes, false));
    effects
}

/// The effects of a watchlist change: save the file (when saving is on) and, for a change
/// to a list's content, the record for the audit journal.
fn persist(state: &State, changed: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.save_watchlists {
        effects.push(Effect::SaveWatchlists(state.watchlist_file()));
    }
    if changed && let Some(list) = state.watchlists.get(state.active_list) {
        effects.push(Effect::WatchlistChanged {
            name: list.name.clone(),
            symbols: list.symbols.clone(),
        });
    }
    effects
}

fn on_history(
    state: &mut State,
    symbol: String,
    range: ChartRange,
    result: Result<Vec<Candle>, BrokerError>,
    at: DateTime<Local>,
) -> Vec<Effect> {
    let error = result
        .as_ref()
        .err()
        .map(|e| clean(&e.to_string(), ERROR_CHARS));
    let candles = finish(state, Feed::Chart, result, at);
    let key = (clean(&symbol, SYMBOL_CHARS), range);
    match candles {
        Some(candles) => {
            let total = candles.len();
            let mut usable: Vec<Candle> = candles
                .into_iter()
                .filter(|c| c.time.year() >= FIRST_CANDLE_YEAR)
                .collect();
            usable.sort_by_key(|c| c.time);
            let dropped = total - usable.len();
            state.charts.insert(
                key.clone(),
                ChartData {
                    candles: usable,
                    dropped,
                    as_of: at,
                    error: None,
                },
            );
        }
        None => {
            let entry = state.charts.entry(key.clone()).or_insert(ChartData {
                candles: Vec::new(),
                dropped: 0,
                as_of: at,
                error: None,
            });
            entry.error = error;
        }
    }
    if state.charts.len() > CHARTS_KEPT {
        state.charts.retain(|k, _| *k == key);
    }

    let wanted = state.detail_symbol().map(|s| (s, state.chart_range));
    if wanted.is_some() && wanted != state.chart_requested {
        return fetch(state, Feed::Chart, false).into_iter().collect();
    }
    Vec::new()
}

fn apply_seed(state: &mut State, seed: Seed) {
    if let Some((accounts, at)) = seed.accounts
        && state.positions_feed.as_of.is_none()
    {
        set_accounts(state, accounts);
        state.positions_feed.as_of = Some(at);
        state.positions_feed.cached = true;
    }
    if let Some((rows, at)) = seed.quotes
        && state.quotes_feed.as_of.is_none()
    {
        for row in rows {
            let row = clean_quote_row(row);
            state.quotes.insert(row.symbol.to_ascii_uppercase(), row);
        }
        state.quotes_feed.as_of = Some(at);
        state.quotes_feed.cached = true;
    }
    if let Some((rows, at)) = seed.orders
        && state.orders_feed.as_of.is_none()
    {
        set_orders(state, rows);
        state.orders_feed.as_of = Some(at);
        state.orders_feed.cached = true;
    }
    clamp_cursors(state);
    state.touch();
}

/// Replaces the accounts, keeping the same account selected when it is still there.
fn set_accounts(state: &mut State, accounts: Vec<Account>) {
    let selected = match state.scope {
        Scope::Account(i) => state.accounts.get(i).map(|a| a.key.clone()),
        Scope::All => None,
    };
    state.accounts = accounts.into_iter().map(clean_account).collect();
    state.scope = match selected {
        Some(key) => state
            .accounts
            .iter()
            .position(|a| a.key == key)
            .map_or(Scope::All, Scope::Account),
        None => Scope::All,
    };
    clamp_cursors(state);
}

/// Files the quotes by symbol, adding an "unavailable" row for any symbol asked and left
/// unanswered.
fn set_quotes(state: &mut State, rows: Vec<QuoteRow>) {
    let mut answered: Vec<String> = Vec::with_capacity(rows.len());
    for row in rows {
        let row = clean_quote_row(row);
        let key = row.symbol.to_ascii_uppercase();
        answered.push(key.clone());
        state.quotes.insert(key, row);
    }
    for symbol in &state.quotes_requested {
        let key = symbol.to_ascii_uppercase();
        if !answered.contains(&key) {
            state.quotes.insert(
                key,
                QuoteRow {
                    symbol: symbol.clone(),
                    state: QuoteState::Unavailable("no answer for this symbol".to_string()),
                },
            );
        }
    }
    clamp_cursors(state);
}

/// Replaces the orders. The order just placed stays listed even when a listing lacks it (a
/// new order can take a moment to appear), and keeps the highlight.
fn set_orders(state: &mut State, rows: Vec<OrderRow>) {
    let mut rows: Vec<OrderRow> = rows.into_iter().map(clean_order).collect();
    if let Some(id) = state.highlight_order
        && !rows.iter().any(|r| r.order_id == id)
        && let Some(kept) = state.orders.iter().find(|r| r.order_id == id)
    {
        rows.push(kept.clone());
    }
    sort_orders(&mut rows);
    state.orders = rows;
    clamp_cursors(state);
    if let Some(id) = state.highlight_order {
        trade::select_order(state, id);
    }
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

pub(crate) fn clean_order(mut order: OrderRow) -> OrderRow {
    order.account = clean(&order.account, LABEL_CHARS);
    order.symbol = clean(&order.symbol, SYMBOL_CHARS);
    order.description = clean(&order.description, TEXT_CHARS);
    order.instruction = clean(&order.instruction, KIND_CHARS + 24);
    order.order_type = clean(&order.order_type, KIND_CHARS + 8);
    order.duration = clean(&order.duration, KIND_CHARS + 8);
    order.session = clean(&order.session, KIND_CHARS + 8);
    order.stop_price_link_type = clean(&order.stop_price_link_type, KIND_CHARS);
    order.stop_price_link_basis = clean(&order.stop_price_link_basis, KIND_CHARS);
    order.status = clean(&order.status, KIND_CHARS + 16);
    order.status_description = order.status_description.map(|t| clean(&t, TEXT_CHARS));
    order
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
    fn start_fetches_the_first_view_and_the_session_once() {
        let mut s = state();
        assert_eq!(
            update(&mut s, Action::Start),
            vec![Effect::FetchAccounts, Effect::FetchSession]
        );
        assert!(s.positions_feed.in_flight);
        assert_eq!(update(&mut s, Action::Tick(Feed::Positions)), vec![]);
    }

    #[test]
    fn timers_for_hidden_views_do_nothing() {
        let mut s = state();
        let before = s.generation();
        assert_eq!(update(&mut s, Action::Tick(Feed::Quotes)), vec![]);
        assert_eq!(update(&mut s, Action::Tick(Feed::Orders)), vec![]);
        assert_eq!(update(&mut s, Action::Tick(Feed::Chart)), vec![]);
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
        let size = Action::Resize {
            width: 100,
            height: 30,
        };
        update(&mut s, size.clone());
        let before = s.generation();
        update(&mut s, size);
        assert_eq!(s.generation(), before);
        assert_eq!(s.screen(), (100, 30));
    }

    #[test]
    fn an_unchanged_market_session_is_not_a_redraw() {
        let mut s = state();
        let at = Local::now();
        let loaded = |session| Action::SessionLoaded {
            result: Ok(session),
            at,
        };
        update(&mut s, loaded(crate::broker::model::MarketSession::Regular));
        let before = s.generation();
        update(&mut s, loaded(crate::broker::model::MarketSession::Regular));
        assert_eq!(s.generation(), before);
        update(
            &mut s,
            loaded(crate::broker::model::MarketSession::AfterHours),
        );
        assert_ne!(s.generation(), before);
    }

    #[test]
    fn typing_edits_at_the_cursor_and_drops_controls() {
        let mut s = state();
        update(&mut s, Action::Command(Command::ShowQuotes));
        update(&mut s, Action::Command(Command::AddSymbol));
        update(&mut s, Action::Paste("ab\x1b[2Jd\n".to_string()));
        update(&mut s, Action::Command(Command::InputLeft));
        update(&mut s, Action::Type('c'));
        assert_eq!(s.input().map(|i| i.text.as_str()), Some("ab[2Jcd"));
        update(&mut s, Action::Command(Command::InputClear));
        update(&mut s, Action::Type('é'));
        update(&mut s, Action::Command(Command::InputBackspace));
        assert_eq!(
            s.input().map(|i| (i.text.as_str(), i.cursor)),
            Some(("", 0))
        );
    }
}
