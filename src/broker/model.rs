//! The app's view of a brokerage: accounts, positions, balances and quotes in app terms.
//!
//! These types are what the TUI and the CLI draw. They carry no wire quirks (every number is
//! already a `Decimal`, shorts are negative) and no secrets: an account is named by its label
//! and addressed by an opaque [`AccountKey`] whose `Debug` never shows the hash.

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What kind of instrument a symbol names, as the API reports it.
///
/// An asset type this build does not know is kept by name rather than refused, so a new
/// Schwab product shows up as a row instead of an error.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum AssetKind {
    Equity,
    Etf,
    Index,
    Option,
    Future,
    MutualFund,
    Forex,
    Other(String),
}

impl AssetKind {
    /// A short label for a table column.
    pub fn label(&self) -> &str {
        match self {
            AssetKind::Equity => "EQUITY",
            AssetKind::Etf => "ETF",
            AssetKind::Index => "INDEX",
            AssetKind::Option => "OPTION",
            AssetKind::Future => "FUTURE",
            AssetKind::MutualFund => "FUND",
            AssetKind::Forex => "FOREX",
            AssetKind::Other(name) => name,
        }
    }
}

/// The opaque handle the API uses to address an account (Schwab's `hashValue`).
///
/// The hash is as good as the account number to an attacker who holds a token, so it is never
/// printed: `Debug` and `Display` show a placeholder.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AccountKey(String);

impl AccountKey {
    pub fn new(hash: impl Into<String>) -> Self {
        AccountKey(hash.into())
    }

    /// The raw hash, for building request paths only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountKey([redacted])")
    }
}

/// One brokerage account with what it holds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub key: AccountKey,
    /// What the user sees: the nickname when there is one, else `…1234` (last four digits).
    pub label: String,
    /// `MARGIN`, `CASH`, or whatever the API says.
    pub kind: String,
    pub balances: Balances,
    pub positions: Vec<Position>,
}

/// The balances a trader watches, from the API's `currentBalances`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Balances {
    pub cash: Option<Decimal>,
    pub buying_power: Option<Decimal>,
    pub day_trading_buying_power: Option<Decimal>,
    pub liquidation_value: Option<Decimal>,
}

/// One holding. Quantities are signed: a short position has a negative quantity.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub symbol: String,
    pub description: String,
    pub kind: AssetKind,
    /// The underlying symbol of an option, so options can be grouped under it.
    pub underlying: Option<String>,
    pub quantity: Decimal,
    pub average_price: Option<Decimal>,
    /// Last price per unit (per share, or per option contract unit before the multiplier).
    pub last: Option<Decimal>,
    pub market_value: Decimal,
    pub day_pl: Option<Decimal>,
    pub day_pl_pct: Option<Decimal>,
    pub total_pl: Option<Decimal>,
    pub total_pl_pct: Option<Decimal>,
}

/// The latest quote for one symbol, with only the fields its asset type carries.
///
/// An index has no bid or ask and a mutual fund has no last trade; those stay `None` and are
/// drawn as blanks, never as zero.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quote {
    pub symbol: String,
    pub description: String,
    pub kind: Option<AssetKind>,
    pub bid: Option<Decimal>,
    pub ask: Option<Decimal>,
    pub last: Option<Decimal>,
    pub mark: Option<Decimal>,
    pub open: Option<Decimal>,
    pub high: Option<Decimal>,
    pub low: Option<Decimal>,
    pub close: Option<Decimal>,
    pub net_change: Option<Decimal>,
    pub net_pct: Option<Decimal>,
    pub volume: Option<Decimal>,
    pub week52_high: Option<Decimal>,
    pub week52_low: Option<Decimal>,
    /// Option contracts only: Schwab's penny-program flag, which decides the price tick.
    pub penny_pilot: Option<bool>,
    pub quote_time: Option<DateTime<Utc>>,
}

/// The outcome for one symbol of a quote request.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum QuoteState {
    Live(Box<Quote>),
    /// The API said it does not know the symbol.
    NotFound,
    /// The API answered for this symbol but the answer could not be read; the reason is short
    /// and safe to show.
    Unavailable(String),
}

/// One row of a watchlist: the symbol asked for and what came back.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuoteRow {
    pub symbol: String,
    pub state: QuoteState,
}

/// How much history a price chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartRange {
    Day,
    Week,
    Month,
    Year,
}

impl ChartRange {
    pub fn label(self) -> &'static str {
        match self {
            ChartRange::Day => "1D",
            ChartRange::Week => "1W",
            ChartRange::Month => "1M",
            ChartRange::Year => "1Y",
        }
    }
}

/// One bar of a price chart. Candles with no usable time are dropped before they get here,
/// so a chart never gets a 1970 axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Candle {
    pub time: DateTime<Utc>,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Decimal,
}

/// Which part of the US equity trading day it is, from the markets endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketSession {
    PreMarket,
    Regular,
    AfterHours,
    Closed,
}

impl MarketSession {
    pub fn label(self) -> &'static str {
        match self {
            MarketSession::PreMarket => "pre-market",
            MarketSession::Regular => "market open",
            MarketSession::AfterHours => "after hours",
            MarketSession::Closed => "market closed",
        }
    }
}
