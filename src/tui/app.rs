//! The TUI's state: the data last fetched, the view and selections, errors and data ages.
//!
//! Holds no terminal types and does no I/O; only [`crate::tui::update::update`] changes it,
//! and every change bumps [`State::generation`] so the loop redraws only when something moved.

use chrono::{DateTime, Local};

use crate::broker::model::{Account, QuoteRow};
use crate::sanitize::clean;
use crate::tui::TuiOptions;
use crate::tui::action::Feed;

/// The longest title the header shows, in chars.
const TITLE_CHARS: usize = 60;

/// The screens of the TUI, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    Positions,
    Quotes,
}

impl View {
    /// Every view, in the order the header shows them and Tab cycles them.
    pub const ALL: [View; 2] = [View::Positions, View::Quotes];

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            View::Positions => "Positions",
            View::Quotes => "Quotes",
        }
    }

    /// The key that selects it, shown in the tab.
    pub fn hotkey(self) -> char {
        match self {
            View::Positions => '1',
            View::Quotes => '2',
        }
    }

    /// The feed the view draws from; its timer runs only while the view is visible.
    pub fn feed(self) -> Feed {
        match self {
            View::Positions => Feed::Positions,
            View::Quotes => Feed::Quotes,
        }
    }

    pub fn next(self) -> View {
        match self {
            View::Positions => View::Quotes,
            View::Quotes => View::Positions,
        }
    }

    pub fn prev(self) -> View {
        // Two views: previous and next coincide. Kept apart so a third view slots in.
        match self {
            View::Positions => View::Quotes,
            View::Quotes => View::Positions,
        }
    }
}

/// How fresh one feed is: when it last succeeded, its last error, and whether a fetch is out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    /// When the data on screen arrived; `None` until the first success.
    pub as_of: Option<DateTime<Local>>,
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
}

impl FeedState {
    /// How many ticks the timer lets pass after `failures` failures in a row: 1, 3, 7, then
    /// 15 at most, so a failing API is asked at most every 16 refresh periods.
    pub fn backoff_ticks(&self) -> u32 {
        match self.failures {
            0 => 0,
            n => (1u32 << n.min(4)) - 1,
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

/// What the status bar says about the visible feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection<'a> {
    /// Nothing has arrived yet.
    Loading,
    /// The user asked for a refresh and it has not come back.
    Refreshing,
    /// The last fetch succeeded.
    Live,
    /// The last fetch failed with this message.
    Error(&'a str),
}

/// Everything the TUI shows, and nothing about how it is drawn.
#[derive(Clone, Debug)]
pub struct State {
    pub(crate) title: String,
    pub(crate) watchlist: Vec<String>,
    pub(crate) view: View,
    pub(crate) help_open: bool,
    pub(crate) help_scroll: usize,
    pub(crate) accounts: Vec<Account>,
    pub(crate) account_index: usize,
    pub(crate) positions_cursor: Cursor,
    pub(crate) quotes: Vec<QuoteRow>,
    pub(crate) quotes_cursor: Cursor,
    pub(crate) positions_feed: FeedState,
    pub(crate) quotes_feed: FeedState,
    pub(crate) screen: (u16, u16),
    pub(crate) quit: bool,
    pub(crate) generation: u64,
}

impl State {
    /// A fresh state on the Positions view with nothing loaded.
    ///
    /// The title and watchlist come from the options and are sanitised here, since a config
    /// file is as untrusted as the API.
    pub fn new(opts: &TuiOptions) -> Self {
        State {
            title: clean(&opts.title, TITLE_CHARS),
            watchlist: opts
                .watchlist
                .iter()
                .map(|s| clean(s.trim(), 32))
                .filter(|s| !s.is_empty())
                .collect(),
            view: View::Positions,
            help_open: false,
            help_scroll: 0,
            accounts: Vec::new(),
            account_index: 0,
            positions_cursor: Cursor::default(),
            quotes: Vec::new(),
            quotes_cursor: Cursor::default(),
            positions_feed: FeedState::default(),
            quotes_feed: FeedState::default(),
            screen: (80, 24),
            quit: false,
            generation: 0,
        }
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

    pub fn watchlist(&self) -> &[String] {
        &self.watchlist
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

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The account the Positions view shows, if any has loaded.
    pub fn selected_account(&self) -> Option<&Account> {
        self.accounts.get(self.account_index)
    }

    pub fn account_index(&self) -> usize {
        self.account_index
    }

    pub fn quotes(&self) -> &[QuoteRow] {
        &self.quotes
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
        }
    }

    pub(crate) fn feed_mut(&mut self, feed: Feed) -> &mut FeedState {
        match feed {
            Feed::Positions => &mut self.positions_feed,
            Feed::Quotes => &mut self.quotes_feed,
        }
    }

    /// The feed of the visible view.
    pub fn visible_feed(&self) -> &FeedState {
        self.feed(self.view.feed())
    }

    /// The last error of the visible view's feed, if its last fetch failed.
    pub fn last_error(&self) -> Option<&str> {
        self.visible_feed().error.as_deref()
    }

    /// What the status bar says about the visible view's data.
    pub fn connection(&self) -> Connection<'_> {
        let feed = self.visible_feed();
        if feed.in_flight && (feed.manual || feed.as_of.is_none()) {
            if feed.as_of.is_none() && feed.error.is_none() {
                Connection::Loading
            } else {
                Connection::Refreshing
            }
        } else if let Some(err) = &feed.error {
            Connection::Error(err)
        } else if feed.as_of.is_some() {
            Connection::Live
        } else {
            Connection::Loading
        }
    }

    /// How many rows the visible table has.
    pub fn row_count(&self) -> usize {
        match self.view {
            View::Positions => self.selected_account().map_or(0, |a| a.positions.len()),
            View::Quotes => self.quotes.len(),
        }
    }

    /// How many table rows fit on screen for a view: PgUp and PgDn move by this much.
    ///
    /// The screen height less the lines around the table: header, status bar and table
    /// header everywhere, plus the account line, totals and balances on Positions (six in
    /// all) or the detail line on Quotes (four). Never less than one.
    pub fn page_len(&self, view: View) -> usize {
        let chrome = match view {
            View::Positions => 6,
            View::Quotes => 4,
        };
        usize::from(self.screen.1.saturating_sub(chrome)).max(1)
    }
}
