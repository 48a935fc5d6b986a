//! Where the TUI's data comes from and where its orders go: a small trait over the broker,
//! so tests can stand in.
//!
//! Errors cross as [`BrokerError`], so the status bar can tell "login required" from
//! "offline" from "throttled"; their text is shown, after sanitising, and never parsed.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::broker::BrokerError;
use crate::broker::model::{Account, AccountKey, Candle, ChartRange, MarketSession, QuoteRow};
use crate::broker::orders::{OrderJournal, OrderRow, Submission};
use crate::schwab::orders::PreviewOrder;
use crate::trading::{FrozenOrder, Outcome};

/// How many days back the Orders view lists orders.
pub const ORDER_DAYS: i64 = 7;

/// What the TUI asks of a broker.
///
/// Implemented for [`crate::broker::Broker`]; tests implement it with canned data. The order
/// writes (`place`, `replace`, `cancel`) must behave as the broker's do: journal the intent
/// before sending, send once, never retry, and report an unclear answer as
/// [`Outcome::Unknown`] rather than guessing.
pub trait Source: Clone + Send + Sync + 'static {
    /// Every account with its positions and balances.
    fn accounts(&self) -> impl Future<Output = Result<Vec<Account>, BrokerError>> + Send;

    /// One row per symbol asked, in the same order, in as few requests as the API allows.
    fn quotes(
        &self,
        symbols: &[String],
    ) -> impl Future<Output = Result<Vec<QuoteRow>, BrokerError>> + Send;

    /// Working orders and those of the last days, in any order.
    fn orders(&self) -> impl Future<Output = Result<Vec<OrderRow>, BrokerError>> + Send;

    /// The candles of a price chart, oldest first.
    fn price_history(
        &self,
        symbol: &str,
        range: ChartRange,
    ) -> impl Future<Output = Result<Vec<Candle>, BrokerError>> + Send;

    /// The equity market's session at `now`.
    fn market_session(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<MarketSession, BrokerError>> + Send;

    /// Schwab's preview of exactly the frozen bytes, for this account.
    fn preview(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> impl Future<Output = Result<PreviewOrder, BrokerError>> + Send;

    /// Places exactly the frozen bytes, once.
    fn place(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> impl Future<Output = Result<Submission, BrokerError>> + Send;

    /// Replaces order `order_id` with exactly the frozen bytes, once.
    fn replace(
        &self,
        account: &AccountKey,
        order_id: i64,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> impl Future<Output = Result<Submission, BrokerError>> + Send;

    /// Cancels order `order_id`, once.
    fn cancel(
        &self,
        account: &AccountKey,
        order_id: i64,
        journal: &dyn OrderJournal,
    ) -> impl Future<Output = Result<Outcome, BrokerError>> + Send;
}

impl Source for crate::broker::Broker {
    async fn accounts(&self) -> Result<Vec<Account>, BrokerError> {
        crate::broker::Broker::accounts(self).await
    }

    async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, BrokerError> {
        crate::broker::Broker::quotes(self, symbols).await
    }

    async fn orders(&self) -> Result<Vec<OrderRow>, BrokerError> {
        crate::broker::Broker::orders(self, ORDER_DAYS).await
    }

    async fn price_history(
        &self,
        symbol: &str,
        range: ChartRange,
    ) -> Result<Vec<Candle>, BrokerError> {
        crate::broker::Broker::price_history(self, symbol, range).await
    }

    async fn market_session(&self, now: DateTime<Utc>) -> Result<MarketSession, BrokerError> {
        crate::broker::Broker::market_session(self, now).await
    }

    async fn preview(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<PreviewOrder, BrokerError> {
        crate::broker::Broker::preview(self, account, order, journal).await
    }

    async fn place(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        crate::broker::Broker::place(self, account, order, journal).await
    }

    async fn replace(
        &self,
        account: &AccountKey,
        order_id: i64,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        crate::broker::Broker::replace(self, account, order_id, order, journal).await
    }

    async fn cancel(
        &self,
        account: &AccountKey,
        order_id: i64,
        journal: &dyn OrderJournal,
    ) -> Result<Outcome, BrokerError> {
        crate::broker::Broker::cancel(self, account, order_id, journal).await
    }
}
