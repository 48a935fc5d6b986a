//! What can happen to the TUI (actions) and what it asks the outside world to do (effects).
//!
//! Keys reach here already turned into [`Command`]s by the keymap; broker results arrive with
//! the time they landed, so [`crate::tui::update::update`] never reads a clock.

use chrono::{DateTime, Local};

use crate::broker::model::{Account, QuoteRow};

/// One input to [`crate::tui::update::update`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The program has started: fetch what the first view shows.
    Start,
    /// A key the keymap recognised.
    Command(Command),
    /// The accounts (with positions and balances) came back, or the fetch failed with this
    /// short, user-facing message.
    AccountsLoaded {
        result: Result<Vec<Account>, String>,
        at: DateTime<Local>,
    },
    /// The watchlist quotes came back, or the fetch failed with this message.
    QuotesLoaded {
        result: Result<Vec<QuoteRow>, String>,
        at: DateTime<Local>,
    },
    /// A refresh timer fired; it fetches only if its feed is on screen.
    Tick(Feed),
    /// The terminal now has this many columns and rows.
    Resize { width: u16, height: u16 },
}

/// What a key asks for. The keymap maps keys to these; nothing else reads raw keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    ToggleHelp,
    CloseHelp,
    ShowPositions,
    ShowQuotes,
    NextView,
    PrevView,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Refresh,
    NextAccount,
    PrevAccount,
}

/// The two kinds of data the TUI keeps fresh, each on its own timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feed {
    /// Accounts with their positions and balances.
    Positions,
    /// The watchlist quotes.
    Quotes,
}

/// Work the update asks for; the effect runner turns each into a tokio task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    FetchAccounts,
    FetchQuotes(Vec<String>),
}
