//! The TUI's state: the data last fetched, the view and selections, errors and data ages, the
//! order ticket and the idle lock.
//!
//! Holds no terminal types and does no I/O; only [`crate::tui::update::update`] changes it,
//! and every change bumps [`State::generation`] so the loop redraws only when something moved.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};

use crate::broker::model::{Account, Candle, ChartRange, MarketSession, QuoteRow, QuoteState};
use crate::sanitize::clean;
use crate::trading::symbol::MAX_SYMBOL_CHARS;
use crate::trading::{Limits, MarketContext, Validation, validate};
use crate::tui::TuiOptions;
use crate::tui::action::Feed;
use crate::tui::holdings::{self, Line, Scope, Sort};
use crate::tui::keymap::{HelpEntry, Keymap};
use crate::tui::orders::OrderRow;
use crate::tui::ticket::TicketForm;
use crate::tui::watchlists::{Watchlist, WatchlistFile};

/// Why orders cannot be previewed or sent when no journal was passed in: every order write
/// must be journaled before it leaves, so without one nothing is sent.
pub const ORDER_ENTRY_OFF: &str = "order entry is off: the journal could not be opened";

/// The longest title the header shows, in chars.
const TITLE_CHARS: usize = 60;

/// The screens of the TUI, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    Positions,
    Quotes,
    Orders,
    /// The order ticket, with its preview, confirm and outcome.
    Trade,
}

impl View {
    /// Every view, in the order the header shows them and Tab cycles them.
    pub const ALL: [View; 4] = [View::Positions, View::Quotes, View::Orders, View::Trade];

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            View::Positions => "Positions",
            View::Quotes => "Quotes",
            View::Orders => "Orders",
            View::Trade => "Trade",
        }
    }

    /// The key that selects it by default, shown in the tab.
    pub fn hotkey(self) -> char {
        match self {
            View::Positions => '1',
            View::Quotes => '2',
            View::Orders => '3',
            View::Trade => '4',
        }
    }

    /// The feed the view draws from; its timer runs only while the view is visible.
    pub fn feed(self) -> Feed {
        match self {
            View::Positions => Feed::Positions,
            View::Quotes => Feed::Quotes,
            View::Orders => Feed::Orders,
            // The ticket's quote is what goes stale fastest on it.
            View::Trade => Feed::Quotes,
        }
    }

    fn index(self) -> usize {
        match self {
            View::Positions => 0,
            View::Quotes => 1,
            View::Orders => 2,
            View::Trade => 3,
        }
    }

    pub fn next(self) -> View {
        View::ALL[(self.index() + 1) % View::ALL.len()]
    }

    pub fn prev(self) -> View {
        View::ALL[(self.index() + View::ALL.len() - 1) % View::ALL.len()]
    }
}

/// How fresh one feed is: when it last succeeded, its last error, and whether a fetch is out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    /// When the data on screen was fetched; `None` until the first success or seed.
    pub as_of: Option<DateTime<Local>>,
    /// The data on screen came from the cache and no live fetch has replaced it yet.
    pub cached: bool,
    /// The last failure, cleared by the next success. Old data stays on screen beside it.
    pub error: Option<String>,
    /// A fetch has been sent and not answered: no second one is sent meanwhile.
    pub in_flight: bool,
    /// The fetch in flight was asked for by the user, so the status bar says "refreshing".
    ///
    /// Timer refreshes stay silent, or the status bar would flicker every two seconds.
    pub manual: bool,
    /// Fetches failed in a row; the timer backs off while this is above zero.
    pub failures: u32,
    /// Timer ticks let pass since the last failed fetch.
    pub skipped: u32,
    /// Extra ticks let pass after this failure streak, so many palmtree processes that failed
    /// together do not all ask again on the same tick.
    pub jitter: u32,
    /// Schwab's `Retry-After`: no timer fetch before this time.
    pub not_before: Option<DateTime<Local>>,
}

impl FeedState {
    /// How many ticks the timer lets pass after `failures` failures in a row: 1, 3, 7, then
    /// 15 at most (plus the jitter), so a failing API is asked at most every 16 to 20
    /// refresh periods.
    pub fn backoff_ticks(&self) -> u32 {
        match self.failures {
            0 => 0,
            n => (1u32 << n.min(4)) - 1 + self.jitter,
        }
    }
}

/// The highlighted row of a table and the first row on screen.
///
/// The offset lives in the state (not in a ratatui `TableState` rebuilt every frame) so the
/// table scrolls only when the highlight would leave the screen, not on every move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub row: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves to `row` (kept below `count`) and scrolls just enough to keep it in a window of
    /// `page` rows.
    pub fn set(&mut self, row: usize, count: usize, page: usize) {
        let page = page.max(1);
        self.row = row.min(count.saturating_sub(1));
        if self.row < self.offset {
            self.offset = self.row;
        } else if self.row >= self.offset + page {
            self.offset = self.row + 1 - page;
        }
        self.offset = self.offset.min(count.saturating_sub(page));
    }
}

/// The state of the connection to the broker, as the last answer showed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Nothing has come back yet.
    Connecting,
    /// The last call was answered (even if with an error about the request).
    Live,
    /// Calls have failed to reach Schwab since this time.
    Offline { since: DateTime<Local> },
    /// The login has expired or was never made: `palmtree login` is needed.
    LoginRequired,
    /// Schwab asked palmtree to slow down.
    Throttled { since: DateTime<Local> },
}

/// What the status bar says about the connection and the visible feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Loading,
    Refreshing,
    Live,
    Offline { since: DateTime<Local> },
    LoginRequired,
    Throttled,
}

/// What a focused text field is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputPurpose {
    /// A symbol for the active watchlist.
    AddSymbol,
    /// The name of a new watchlist.
    NewWatchlist,
    /// The symbol filter of the visible view, applied as it is typed.
    Filter,
}

impl InputPurpose {
    pub fn prompt(self) -> &'static str {
        match self {
            InputPurpose::AddSymbol => "Add symbol",
            InputPurpose::NewWatchlist => "New watchlist",
            InputPurpose::Filter => "Filter",
        }
    }

    /// The most characters the field takes: a paste cannot make it grow without bound.
    pub fn max_chars(self) -> usize {
        match self {
            // Longer than any symbol, so that an over-long one gets its own message.
            InputPurpose::AddSymbol => 200,
            InputPurpose::NewWatchlist => crate::tui::watchlists::NAME_CHARS,
            InputPurpose::Filter => MAX_SYMBOL_CHARS,
        }
    }
}

/// A one-line text field with a cursor, in chars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputField {
    pub purpose: InputPurpose,
    pub text: String,
    /// The cursor position, in chars from the start.
    pub cursor: usize,
    /// What went wrong with the last submit, shown after the field.
    pub message: Option<String>,
    /// The symbol being checked with the API, while the check is out.
    pub checking: Option<String>,
}

/// A short message in the status bar, cleared by the next key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// The cancel of one order, from its confirm until Schwab's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CancelPrompt {
    pub order: OrderRow,
    /// The cancel was sent; a second confirm does nothing.
    pub sending: bool,
}

/// What order entry needs from the binary: whether orders can be sent, the limits, and the
/// account a new ticket starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trading {
    /// Why order entry is off (no journal), or `None` when orders can be sent.
    pub off: Option<String>,
    pub limits: Limits,
    /// The label of the account a new ticket starts on.
    pub default_account: Option<String>,
}

impl Default for Trading {
    fn default() -> Self {
        Trading {
            off: Some(ORDER_ENTRY_OFF.to_string()),
            limits: Limits::default(),
            default_account: None,
        }
    }
}

/// The idle lock: whether it is on, engaged, and what has been typed to unlock it.
///
/// `Debug` shows how many characters were typed, never the characters.
#[derive(Clone, PartialEq, Eq)]
pub struct LockState {
    /// How long without input before the lock engages; zero turns it off.
    pub after: Duration,
    pub locked: bool,
    /// Unlocking asks for the vault's passphrase.
    pub needs_passphrase: bool,
    /// What has been typed on the lock screen; only its length is ever drawn.
    pub typed: zeroize::Zeroizing<String>,
    /// The passphrase is with the vault; typing waits.
    pub checking: bool,
    pub message: Option<String>,
}

impl std::fmt::Debug for LockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockState")
            .field("after", &self.after)
            .field("locked", &self.locked)
            .field("needs_passphrase", &self.needs_passphrase)
            .field("typed_chars", &self.typed.chars().count())
            .field("checking", &self.checking)
            .field("message", &self.message)
            .finish()
    }
}

impl Default for LockState {
    fn default() -> Self {
        LockState {
            after: Duration::ZERO,
            locked: false,
            needs_passphrase: false,
            typed: zeroize::Zeroizing::new(String::new()),
            checking: false,
            message: None,
        }
    }
}

/// How the price chart is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartStyle {
    Candles,
    Line,
}

/// One fetched chart: the usable candles and what was wrong with the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    pub candles: Vec<Candle>,
    /// Candles left out because their time was missing or zero.
    pub dropped: usize,
    pub as_of: DateTime<Local>,
    pub error: Option<String>,
}

/// Everything the TUI shows, and nothing about how it is drawn.
#[derive(Clone, Debug)]
pub struct State {
    pub(crate) title: String,
    pub(crate) view: View,
    pub(crate) help_open: bool,
    pub(crate) help_scroll: usize,
    pub(crate) help: Arc<Vec<HelpEntry>>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) scope: Scope,
    pub(crate) sort: Sort,
    pub(crate) positions_cursor: Cursor,
    pub(crate) quotes: HashMap<String, QuoteRow>,
    pub(crate) quotes_requested: Vec<String>,
    pub(crate) quotes_cursor: Cursor,
    pub(crate) orders: Vec<OrderRow>,
    pub(crate) orders_cursor: Cursor,
    /// The ticket has no table; this cursor is a scratch one nothing draws.
    pub(crate) trade_cursor: Cursor,
    pub(crate) watchlists: Vec<Watchlist>,
    pub(crate) active_list: usize,
    pub(crate) save_watchlists: bool,
    pub(crate) filters: [String; 4],
    pub(crate) input: Option<InputField>,
    pub(crate) notice: Option<Notice>,
    pub(crate) confirm_delete_list: bool,
    pub(crate) detail_open: bool,
    pub(crate) chart_range: ChartRange,
    pub(crate) chart_style: ChartStyle,
    pub(crate) charts: HashMap<(String, ChartRange), ChartData>,
    pub(crate) chart_requested: Option<(String, ChartRange)>,
    pub(crate) positions_feed: FeedState,
    pub(crate) quotes_feed: FeedState,
    pub(crate) orders_feed: FeedState,
    pub(crate) chart_feed: FeedState,
    pub(crate) session_feed: FeedState,
    pub(crate) session: Option<MarketSession>,
    pub(crate) link: Link,
    pub(crate) last_error: Option<(Feed, String)>,
    pub(crate) relogin_deadline: Option<DateTime<Utc>>,
    pub(crate) now: Option<DateTime<Local>>,
    pub(crate) refresh: [Duration; 4],
    pub(crate) ticket: TicketForm,
    pub(crate) cancel: Option<CancelPrompt>,
    pub(crate) trading: Trading,
    pub(crate) lock: LockState,
    /// The order to highlight on the Orders view once it is listed: the one just placed.
    pub(crate) highlight_order: Option<i64>,
    /// Where Esc on the ticket goes back to.
    pub(crate) previous_view: View,
    pub(crate) screen: (u16, u16),
    pub(crate) quit: bool,
    /// A quit asked for while an order write was in flight, waiting for its answer.
    pub(crate) quit_waiting: bool,
    pub(crate) generation: u64,
}

impl State {
    /// A fresh state on the Positions view with nothing loaded, the config's watchlist as the
    /// only list and the default keys.
    pub fn new(opts: &TuiOptions) -> Self {
        State::with(
            opts,
            WatchlistFile::from_symbols(&opts.watchlist),
            &Keymap::default(),
        )
    }

    /// A fresh state with these watchlists (from the watchlist file) and this keymap's help.
    ///
    /// The title and the lists are sanitised here, since a config or watchlist file is as
    /// untrusted as the API.
    pub fn with(opts: &TuiOptions, lists: WatchlistFile, keymap: &Keymap) -> Self {
        let lists = lists.normalized();
        let active_list = lists
            .lists
            .iter()
            .position(|l| l.name == lists.active)
            .unwrap_or(0);
        State {
            title: clean(&opts.title, TITLE_CHARS),
            view: View::Positions,
            help_open: false,
            help_scroll: 0,
            help: Arc::new(keymap.help_entries()),
            accounts: Vec::new(),
            scope: Scope::All,
            sort: Sort::default(),
            positions_cursor: Cursor::default(),
            quotes: HashMap::new(),
            quotes_requested: Vec::new(),
            quotes_cursor: Cursor::default(),
            orders: Vec::new(),
            orders_cursor: Cursor::default(),
            trade_cursor: Cursor::default(),
            watchlists: lists.lists,
            active_list,
            save_watchlists: false,
            filters: Default::default(),
            input: None,
            notice: None,
            confirm_delete_list: false,
            detail_open: false,
            chart_range: ChartRange::Day,
            chart_style: ChartStyle::Candles,
            charts: HashMap::new(),
            chart_requested: None,
            positions_feed: FeedState::default(),
            quotes_feed: FeedState::default(),
            orders_feed: FeedState::default(),
            chart_feed: FeedState::default(),
            session_feed: FeedState::default(),
            session: None,
            link: Link::Connecting,
            last_error: None,
            relogin_deadline: None,
            now: None,
            refresh: [
                opts.positions_refresh,
                opts.quote_refresh,
                crate::tui::DEFAULT_ORDERS_REFRESH,
                opts.quote_refresh,
            ],
            ticket: TicketForm::default(),
            cancel: None,
            trading: Trading::default(),
            lock: LockState::default(),
            highlight_order: None,
            previous_view: View::Positions,
            screen: (80, 24),
            quit: false,
            quit_waiting: false,
            generation: 0,
        }
    }

    /// The same state that saves watchlist changes (the loop turns this on when a watchlist
    /// file is configured).
    pub fn saving_watchlists(mut self, on: bool) -> Self {
        self.save_watchlists = on;
        self
    }

    /// Whether watchlist changes are saved to the watchlist file.
    pub fn saves(&self) -> bool {
        self.save_watchlists
    }

    /// The same state showing a notice (an error) until the first key.
    pub fn with_notice(mut self, text: Option<String>) -> Self {
        self.notice = text.map(|text| Notice {
            text: clean(&text, 120),
            error: true,
        });
        self
    }

    /// The same state with the login's refresh deadline, for the re-login countdown.
    pub fn with_relogin_deadline(mut self, deadline: Option<DateTime<Utc>>) -> Self {
        self.relogin_deadline = deadline;
        self
    }

    /// The same state with the Orders view's refresh period.
    pub fn with_orders_refresh(mut self, period: Duration) -> Self {
        self.refresh[2] = period;
        self
    }

    /// The same state with order entry as the binary set it up: `off` says why orders cannot
    /// be sent (no journal), or is `None` when they can.
    pub fn with_trading(
        mut self,
        off: Option<String>,
        limits: Limits,
        default_account: Option<String>,
    ) -> Self {
        self.trading = Trading {
            off,
            limits,
            default_account,
        };
        self
    }

    /// The same state with the idle lock: engaged after `after` without input (zero: never),
    /// asking for the passphrase to unlock when `needs_passphrase`.
    pub fn with_idle_lock(mut self, after: Duration, needs_passphrase: bool) -> Self {
        self.lock.after = after;
        self.lock.needs_passphrase = needs_passphrase;
        self
    }

    /// Counts changes: the loop redraws when this differs from the value at the last frame.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Marks the state as changed.
    pub(crate) fn touch(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    pub fn view(&self) -> View {
        self.view
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn help_entries(&self) -> &[HelpEntry] {
        &self.help
    }

    /// The first key bound to the command with this help description, as the help writes it
    /// (`"c"`, `"ctrl-q"`), so hints on screen follow the user's own key bindings.
    pub fn first_key(&self, description: &str) -> Option<&str> {
        self.help
            .iter()
            .find(|e| e.description == description)
            .and_then(|e| e.keys.split(", ").next())
    }

    /// The symbols of the active watchlist, in order.
    pub fn watchlist(&self) -> &[String] {
        self.watchlists
            .get(self.active_list)
            .map_or(&[], |l| l.symbols.as_slice())
    }

    pub fn watchlists(&self) -> &[Watchlist] {
        &self.watchlists
    }

    pub fn active_watchlist(&self) -> usize {
        self.active_list
    }

    /// Every watchlist as the watchlist file stores it.
    pub fn watchlist_file(&self) -> WatchlistFile {
        WatchlistFile {
            active: self
                .watchlists
                .get(self.active_list)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            lists: self.watchlists.clone(),
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn help_open(&self) -> bool {
        self.help_open
    }

    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }

    pub fn input(&self) -> Option<&InputField> {
        self.input.as_ref()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Which accounts the Positions view shows.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// The symbol filter of a view; empty when none.
    pub fn filter(&self, view: View) -> &str {
        self.filters.get(view.index()).map_or("", String::as_str)
    }

    /// The rows of the Positions view: holdings, account headings and totals, in order.
    pub fn position_lines(&self) -> Vec<Line> {
        holdings::lines(
            &self.accounts,
            self.scope,
            self.sort,
            self.filter(View::Positions),
        )
    }

    /// The watchlist symbols the Quotes view shows, after its filter.
    pub fn visible_symbols(&self) -> Vec<&str> {
        let filter = self.filter(View::Quotes).to_ascii_uppercase();
        self.watchlist()
            .iter()
            .map(String::as_str)
            .filter(|s| filter.is_empty() || s.to_ascii_uppercase().contains(&filter))
            .collect()
    }

    /// The last answer for a symbol, if any came.
    pub fn quote(&self, symbol: &str) -> Option<&QuoteRow> {
        self.quotes.get(&symbol.to_ascii_uppercase())
    }

    /// The orders the Orders view shows, after its filter, working first.
    pub fn visible_orders(&self) -> Vec<&OrderRow> {
        let filter = self.filter(View::Orders).to_ascii_uppercase();
        self.orders
            .iter()
            .filter(|o| filter.is_empty() || o.symbol.to_ascii_uppercase().contains(&filter))
            .collect()
    }

    /// Whether the quote detail pane is open (it replaces the table of the view).
    pub fn detail_open(&self) -> bool {
        self.detail_open && self.view != View::Orders
    }

    /// The symbol the detail pane shows: the highlighted row's.
    pub fn detail_symbol(&self) -> Option<String> {
        if !self.detail_open() {
            return None;
        }
        self.selected_symbol()
    }

    /// The symbol of the highlighted row of the visible table, if the row has one.
    pub fn selected_symbol(&self) -> Option<String> {
        let row = self.cursor().row;
        match self.view {
            View::Quotes => self.visible_symbols().get(row).map(|s| s.to_string()),
            View::Positions => match self.position_lines().get(row) {
                Some(Line::Holding { account, index, .. }) => self
                    .accounts
                    .get(*account)
                    .and_then(|a| a.positions.get(*index))
                    .map(|p| p.symbol.clone()),
                _ => None,
            },
            View::Orders => self.visible_orders().get(row).map(|o| o.symbol.clone()),
            View::Trade => None,
        }
    }

    pub fn chart_range(&self) -> ChartRange {
        self.chart_range
    }

    pub fn chart_style(&self) -> ChartStyle {
        self.chart_style
    }

    /// The chart fetched for a symbol and range, if one came.
    pub fn chart(&self, symbol: &str, range: ChartRange) -> Option<&ChartData> {
        self.charts.get(&(symbol.to_string(), range))
    }

    /// The highlighted row of the visible table.
    pub fn selected_row(&self) -> usize {
        self.cursor().row
    }

    /// The highlighted row and scroll offset of the visible table.
    pub fn cursor(&self) -> Cursor {
        match self.view {
            View::Positions => self.positions_cursor,
            View::Quotes => self.quotes_cursor,
            View::Orders => self.orders_cursor,
            View::Trade => self.trade_cursor,
        }
    }

    pub(crate) fn cursor_mut(&mut self, view: View) -> &mut Cursor {
        match view {
            View::Positions => &mut self.positions_cursor,
            View::Quotes => &mut self.quotes_cursor,
            View::Orders => &mut self.orders_cursor,
            View::Trade => &mut self.trade_cursor,
        }
    }

    /// The terminal size last reported, as (columns, rows).
    pub fn screen(&self) -> (u16, u16) {
        self.screen
    }

    pub fn feed(&self, feed: Feed) -> &FeedState {
        match feed {
            Feed::Positions => &self.positions_feed,
            Feed::Quotes => &self.quotes_feed,
            Feed::Orders => &self.orders_feed,
            Feed::Chart => &self.chart_feed,
            Feed::Session => &self.session_feed,
        }
    }

    pub(crate) fn feed_mut(&mut self, feed: Feed) -> &mut FeedState {
        match feed {
            Feed::Positions => &mut self.positions_feed,
            Feed::Quotes => &mut self.quotes_feed,
            Feed::Orders => &mut self.orders_feed,
            Feed::Chart => &mut self.chart_feed,
            Feed::Session => &mut self.session_feed,
        }
    }

    /// The feed of the visible view.
    pub fn visible_feed(&self) -> &FeedState {
        self.feed(self.view.feed())
    }

    /// The most recent error of any feed still unresolved, preferring the visible view's.
    pub fn last_error(&self) -> Option<&str> {
        self.visible_feed()
            .error
            .as_deref()
            .or(self.last_error.as_ref().map(|(_, e)| e.as_str()))
    }

    pub fn session(&self) -> Option<MarketSession> {
        self.session
    }

    pub fn link(&self) -> Link {
        self.link
    }

    pub fn now(&self) -> Option<DateTime<Local>> {
        self.now
    }

    pub fn relogin_deadline(&self) -> Option<DateTime<Utc>> {
        self.relogin_deadline
    }

    /// What the status bar says about the connection and the visible feed.
    pub fn connection(&self) -> Connection {
        let feed = self.visible_feed();
        match self.link {
            Link::LoginRequired => return Connection::LoginRequired,
            Link::Offline { since } => return Connection::Offline { since },
            Link::Throttled { .. } => return Connection::Throttled,
            Link::Connecting | Link::Live => {}
        }
        if feed.in_flight && (feed.manual || feed.as_of.is_none()) {
            if feed.as_of.is_none() && feed.error.is_none() {
                Connection::Loading
            } else {
                Connection::Refreshing
            }
        } else if self.link == Link::Live {
            Connection::Live
        } else {
            Connection::Loading
        }
    }

    /// The time left before the refresh token runs out, if the deadline is known.
    pub fn relogin_left(&self) -> Option<chrono::TimeDelta> {
        let now = self.now?.with_timezone(&Utc);
        self.relogin_deadline.map(|d| d - now)
    }

    /// How long past its refresh period the visible data is, once it is overdue: data is
    /// stale when older than three refresh periods (at least 30 s). `None` while fresh.
    pub fn stale_for(&self) -> Option<chrono::TimeDelta> {
        let now = self.now?;
        let as_of = self.visible_feed().as_of?;
        let period = self.refresh.get(self.view.index()).copied()?;
        let limit = (period * 3).max(Duration::from_secs(30));
        let age = now - as_of;
        let limit = chrono::TimeDelta::from_std(limit).ok()?;
        (age > limit).then_some(age)
    }

    /// How many rows the visible table has.
    pub fn row_count(&self) -> usize {
        self.row_count_of(self.view)
    }

    pub(crate) fn row_count_of(&self, view: View) -> usize {
        match view {
            View::Positions => self.position_lines().len(),
            View::Quotes => self.visible_symbols().len(),
            View::Orders => self.visible_orders().len(),
            View::Trade => 0,
        }
    }

    /// How many table rows fit on screen for a view: PgUp and PgDn move by this much.
    ///
    /// Every view has the same frame: header, an info line, the table header, the table, a
    /// detail line and the status bar, so five lines are not table rows. Never less than one.
    pub fn page_len(&self, _view: View) -> usize {
        usize::from(self.screen.1.saturating_sub(TABLE_CHROME)).max(1)
    }
}

/// The screen lines that are not table rows (see [`State::page_len`]).
pub const TABLE_CHROME: u16 = 5;

/// The screen line of the first table row, for mouse clicks: header, info line, table header.
pub const FIRST_ROW_Y: u16 = 3;

/// The order ticket and the lock, as the views and the keymap read them.
impl State {
    pub fn ticket(&self) -> &TicketForm {
        &self.ticket
    }

    /// The cancel waiting for its confirm or its answer, if any.
    pub fn cancel_prompt(&self) -> Option<&CancelPrompt> {
        self.cancel.as_ref()
    }

    pub fn trading(&self) -> &Trading {
        &self.trading
    }

    pub fn lock(&self) -> &LockState {
        &self.lock
    }

    /// Whether the lock screen hides everything.
    pub fn locked(&self) -> bool {
        self.lock.locked
    }

    /// The order just placed, to pick out on the Orders view.
    pub fn highlight_order(&self) -> Option<i64> {
        self.highlight_order
    }

    /// Whether printable keys are typed rather than looked up in the keymap: in a text field,
    /// a ticket's text field while editing, or the lock screen's passphrase.
    pub fn typing(&self) -> bool {
        if self.lock.locked {
            return self.lock.needs_passphrase;
        }
        self.input.is_some()
            || (!self.help_open
                && self.view == View::Trade
                && self.cancel.is_none()
                && self.ticket.typing())
    }

    /// The words of the permanent marker on the ticket. A title naming DEMO means the orders
    /// go to the simulator, and the marker says so, but it is never hidden: the same keys
    /// send real orders in a real session.
    pub fn live_label(&self) -> &'static str {
        if self.title.to_ascii_uppercase().contains("DEMO") {
            "LIVE (demo simulator)"
        } else {
            "LIVE"
        }
    }

    /// The account the ticket names, if it is among the accounts loaded.
    pub fn ticket_account(&self) -> Option<&Account> {
        let key = self.ticket.ticket.account.as_ref()?;
        self.accounts.iter().find(|a| &a.key == key)
    }

    /// The quote of the ticket's symbol, if one has come.
    pub fn ticket_quote(&self) -> Option<&crate::broker::model::Quote> {
        let symbol = self.ticket.canonical_symbol()?;
        match &self.quote(&symbol)?.state {
            QuoteState::Live(quote) => Some(quote),
            QuoteState::NotFound | QuoteState::Unavailable(_) => None,
        }
    }

    /// What validation knows of the market and the account for the ticket: the symbol's
    /// quote, the quantity held in the ticket's account (zero when the account holds none),
    /// and its buying power. Unknown parts stay `None` and skip the rules that need them.
    pub fn market_context(&self) -> MarketContext {
        let quote = self.ticket_quote();
        let account = self.ticket_account();
        let symbol = self
            .ticket
            .canonical_symbol()
            .unwrap_or_else(|| self.ticket.ticket.symbol.trim().to_ascii_uppercase());
        let position_quantity = account.map(|a| {
            a.positions
                .iter()
                .filter(|p| p.symbol.eq_ignore_ascii_case(&symbol))
                .map(|p| p.quantity)
                .sum()
        });
        MarketContext {
            last: quote.and_then(|q| q.last),
            bid: quote.and_then(|q| q.bid),
            ask: quote.and_then(|q| q.ask),
            penny_pilot: quote.and_then(|q| q.penny_pilot),
            position_quantity,
            buying_power: account.and_then(|a| a.balances.buying_power),
        }
    }

    /// The ticket checked against the rules as it stands: problems per field, warnings, the
    /// estimate, and the order when there is nothing to fix. Recomputed on each call, so it
    /// follows every keystroke and every new quote.
    pub fn ticket_validation(&self) -> Validation {
        validate(
            &self.ticket.ticket,
            &self.market_context(),
            &self.trading.limits,
        )
    }
}
