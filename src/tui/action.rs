//! What can happen to the TUI (actions) and what it asks the outside world to do (effects).
//!
//! Keys reach here already turned into [`Command`]s by the keymap; broker results arrive with
//! the time they landed, so [`crate::tui::update::update`] never reads a clock.

use std::fmt;

use chrono::{DateTime, Local};
use zeroize::Zeroizing;

use crate::broker::BrokerError;
use crate::broker::model::{Account, AccountKey, Candle, ChartRange, MarketSession, QuoteRow};
use crate::broker::orders::Submission;
use crate::schwab::orders::PreviewOrder;
use crate::trading::{FrozenOrder, Outcome};
use crate::tui::app::View;
use crate::tui::orders::OrderRow;
use crate::tui::watchlists::WatchlistFile;

/// One input to [`crate::tui::update::update`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The program has started: fetch what the first view shows.
    Start,
    /// A key the keymap recognised.
    Command(Command),
    /// A printable character typed into the focused text field.
    Type(char),
    /// Text pasted (bracketed paste) into the focused text field.
    Paste(String),
    /// A mouse gesture, already resolved to what it points at.
    Mouse(MouseAction),
    /// Cached data to show before the first fetch returns, each with when it was fetched.
    Seeded(Box<Seed>),
    /// The accounts (with positions and balances) came back, or the fetch failed.
    AccountsLoaded {
        result: Result<Vec<Account>, BrokerError>,
        at: DateTime<Local>,
    },
    /// The watchlist quotes came back, or the fetch failed.
    QuotesLoaded {
        result: Result<Vec<QuoteRow>, BrokerError>,
        at: DateTime<Local>,
    },
    /// The recent orders came back, or the fetch failed.
    OrdersLoaded {
        result: Result<Vec<OrderRow>, BrokerError>,
        at: DateTime<Local>,
    },
    /// A price chart came back for the symbol and range asked.
    HistoryLoaded {
        symbol: String,
        range: ChartRange,
        result: Result<Vec<Candle>, BrokerError>,
        at: DateTime<Local>,
    },
    /// The market session came back from the markets endpoint.
    SessionLoaded {
        result: Result<MarketSession, BrokerError>,
        at: DateTime<Local>,
    },
    /// The API's answer about a symbol the user asked to add.
    SymbolChecked {
        symbol: String,
        result: Result<QuoteRow, BrokerError>,
        at: DateTime<Local>,
    },
    /// The watchlist file was written, or could not be.
    WatchlistsSaved { result: Result<(), String> },
    /// A refresh timer fired; it fetches only if its feed is on screen.
    Tick(Feed),
    /// The wall clock, for data ages and the re-login countdown; redraws only on a change.
    Clock(DateTime<Local>),
    /// The terminal now has this many columns and rows.
    Resize { width: u16, height: u16 },
    /// Schwab's preview of the frozen order sent with preview number `seq` came back.
    Previewed {
        seq: u64,
        result: Result<Box<PreviewOrder>, BrokerError>,
        at: DateTime<Local>,
    },
    /// The answer to the place or replace sent with number `seq`. An error means the order
    /// was not sent (the broker refused before the request left); an unclear answer arrives
    /// as `Ok` with [`Outcome::Unknown`].
    Submitted {
        seq: u64,
        result: Result<Submission, BrokerError>,
        at: DateTime<Local>,
    },
    /// The answer to a cancel of `order_id`. An error means the cancel was not sent.
    Canceled {
        order_id: i64,
        result: Result<Outcome, BrokerError>,
        at: DateTime<Local>,
    },
    /// No input for the idle-lock time: hide balances, positions and order entry.
    Lock,
    /// The vault's verdict on the passphrase typed on the lock screen.
    UnlockChecked { ok: bool },
}

/// Data from the sealed cache, shown "as of" its fetch time until live data replaces it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seed {
    pub accounts: Option<(Vec<Account>, DateTime<Local>)>,
    pub quotes: Option<(Vec<QuoteRow>, DateTime<Local>)>,
    pub orders: Option<(Vec<OrderRow>, DateTime<Local>)>,
}

/// A passphrase typed on the lock screen, on its way to the vault's check.
///
/// Wiped from memory when dropped and never printed, not even by `Debug`, so an effect log
/// or a failed test cannot show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: String) -> Self {
        Passphrase(Zeroizing::new(text))
    }

    /// The text, for the vault's check only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

/// A mouse gesture in terms of the screen it landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseAction {
    /// A click on a view's tab.
    SelectView(View),
    /// A click on a table row (an index into the visible table's rows).
    SelectRow(usize),
    /// The wheel, by this many rows (negative is up).
    Scroll(i8),
}

/// What a key asks for. The keymap maps keys to these; nothing else reads raw keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    ToggleHelp,
    /// Esc: close the help, the detail pane or the text field, or clear a filter.
    Close,
    ShowPositions,
    ShowQuotes,
    ShowOrders,
    NextView,
    PrevView,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Refresh,
    Filter,
    /// Enter on a table: open the quote detail of the highlighted symbol.
    Open,
    NextAccount,
    PrevAccount,
    SortNext,
    SortReverse,
    AddSymbol,
    DeleteSymbol,
    MoveSymbolUp,
    MoveSymbolDown,
    NextWatchlist,
    PrevWatchlist,
    NewWatchlist,
    DeleteWatchlist,
    ChartNextRange,
    ChartPrevRange,
    ChartStyle,
    /// Enter in a text field.
    Submit,
    InputBackspace,
    InputDelete,
    InputLeft,
    InputRight,
    InputHome,
    InputEnd,
    InputClear,
    /// `4`: the order ticket.
    ShowTrade,
    /// `b` on a quote or position: a ticket to buy it.
    Buy,
    /// `s` on a quote or position: a ticket to sell it.
    Sell,
    NextField,
    PrevField,
    /// The next option of the focused choice field (the first, while nothing is chosen).
    ChoiceNext,
    ChoicePrev,
    /// Validate the ticket, freeze it and ask Schwab for a preview.
    Preview,
    /// The explicit key that sends the frozen order (or the cancel) shown on screen.
    ConfirmOrder,
    /// On the confirm screen: back to the ticket to change it.
    BackToTicket,
    /// On the Orders view: cancel the highlighted order, after a confirm.
    CancelOrder,
    /// On the Orders view: open the ticket to replace the highlighted order.
    ReplaceOrder,
    /// On the lock screen: unlock (checking the passphrase when one is asked for).
    Unlock,
}

impl Command {
    /// Every command, for name lookups.
    pub const ALL: [Command; 53] = [
        Command::Quit,
        Command::ToggleHelp,
        Command::Close,
        Command::ShowPositions,
        Command::ShowQuotes,
        Command::ShowOrders,
        Command::NextView,
        Command::PrevView,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Refresh,
        Command::Filter,
        Command::Open,
        Command::NextAccount,
        Command::PrevAccount,
        Command::SortNext,
        Command::SortReverse,
        Command::AddSymbol,
        Command::DeleteSymbol,
        Command::MoveSymbolUp,
        Command::MoveSymbolDown,
        Command::NextWatchlist,
        Command::PrevWatchlist,
        Command::NewWatchlist,
        Command::DeleteWatchlist,
        Command::ChartNextRange,
        Command::ChartPrevRange,
        Command::ChartStyle,
        Command::Submit,
        Command::InputBackspace,
        Command::InputDelete,
        Command::InputLeft,
        Command::InputRight,
        Command::InputHome,
        Command::InputEnd,
        Command::InputClear,
        Command::ShowTrade,
        Command::Buy,
        Command::Sell,
        Command::NextField,
        Command::PrevField,
        Command::ChoiceNext,
        Command::ChoicePrev,
        Command::Preview,
        Command::ConfirmOrder,
        Command::BackToTicket,
        Command::CancelOrder,
        Command::ReplaceOrder,
        Command::Unlock,
    ];

    /// The name a config file's `[keys]` table uses for this command.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::ToggleHelp => "help",
            Command::Close => "close",
            Command::ShowPositions => "show_positions",
            Command::ShowQuotes => "show_quotes",
            Command::ShowOrders => "show_orders",
            Command::NextView => "next_view",
            Command::PrevView => "prev_view",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Refresh => "refresh",
            Command::Filter => "filter",
            Command::Open => "open",
            Command::NextAccount => "next_account",
            Command::PrevAccount => "prev_account",
            Command::SortNext => "sort_next",
            Command::SortReverse => "sort_reverse",
            Command::AddSymbol => "add",
            Command::DeleteSymbol => "delete",
            Command::MoveSymbolUp => "move_up",
            Command::MoveSymbolDown => "move_down",
            Command::NextWatchlist => "next_watchlist",
            Command::PrevWatchlist => "prev_watchlist",
            Command::NewWatchlist => "new_watchlist",
            Command::DeleteWatchlist => "delete_watchlist",
            Command::ChartNextRange => "next_range",
            Command::ChartPrevRange => "prev_range",
            Command::ChartStyle => "chart_style",
            Command::Submit => "submit",
            Command::InputBackspace => "backspace",
            Command::InputDelete => "delete_forward",
            Command::InputLeft => "cursor_left",
            Command::InputRight => "cursor_right",
            Command::InputHome => "cursor_home",
            Command::InputEnd => "cursor_end",
            Command::InputClear => "clear",
            Command::ShowTrade => "show_trade",
            Command::Buy => "buy",
            Command::Sell => "sell",
            Command::NextField => "next_field",
            Command::PrevField => "prev_field",
            Command::ChoiceNext => "choice_next",
            Command::ChoicePrev => "choice_prev",
            Command::Preview => "preview",
            Command::ConfirmOrder => "confirm",
            Command::BackToTicket => "back_to_ticket",
            Command::CancelOrder => "cancel_order",
            Command::ReplaceOrder => "replace_order",
            Command::Unlock => "unlock",
        }
    }

    /// The command a config name stands for.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The kinds of data the TUI keeps fresh, each on its own timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feed {
    /// Accounts with their positions and balances.
    Positions,
    /// The quotes of the symbols on screen.
    Quotes,
    /// Working and recent orders.
    Orders,
    /// The price chart of the detail pane.
    Chart,
    /// The market session for the status bar.
    Session,
}

/// Work the update asks for; the effect runner turns each into a tokio task.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    FetchAccounts,
    /// Quotes for these symbols, in as few requests as the API allows.
    FetchQuotes(Vec<String>),
    FetchOrders,
    FetchHistory {
        symbol: String,
        range: ChartRange,
    },
    /// The market session now; the runner reads the clock.
    FetchSession,
    /// Ask the API whether it knows a symbol before it joins a watchlist.
    CheckSymbol(String),
    /// Write every watchlist to the watchlist file.
    SaveWatchlists(WatchlistFile),
    /// A watchlist changed: a record for the audit journal (the runner logs it for now).
    WatchlistChanged {
        name: String,
        symbols: Vec<String>,
    },
    /// Ask `previewOrder` about exactly these bytes for this account; `seq` ties the answer
    /// to the preview it belongs to.
    Preview {
        seq: u64,
        account: AccountKey,
        order: FrozenOrder,
    },
    /// Send exactly these bytes as a new order, once, never retried.
    Place {
        seq: u64,
        account: AccountKey,
        order: FrozenOrder,
    },
    /// Send exactly these bytes to replace order `order_id`, once, never retried.
    Replace {
        seq: u64,
        account: AccountKey,
        order_id: i64,
        order: FrozenOrder,
    },
    /// Cancel order `order_id`, once, never retried.
    Cancel {
        account: AccountKey,
        order_id: i64,
    },
    /// Ask the vault whether this passphrase unlocks the screen.
    CheckUnlock(Passphrase),
    /// The screen locked: forget the vault file's remembered key, so that while nobody is at
    /// the terminal no other command (say, an order from a shell) can open the vault without
    /// the passphrase.
    ForgetVaultKey,
}
