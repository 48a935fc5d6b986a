//! Where the TUI's data comes from: a small trait over the broker, so tests can stand in.
//!
//! Errors cross as [`BrokerError`], so the status bar can tell "login required" from
//! "offline" from "throttled"; their text is shown, after sanitising, and never parsed.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::broker::BrokerError;
use crate::broker::model::{Account, Candle, ChartRange, MarketSession, QuoteRow};
use crate::tui::orders::OrderRow;

/// What the TUI asks of a broker.
///
/// Implemented for [`crate::broker::Broker`]; tests implement it with canned data.
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
}

/// What the Orders view says until the broker can list orders.
pub const ORDERS_NOT_YET: &str = "order history is not available in this build yet";

impl Source for crate::broker::Broker {
    async fn accounts(&self) -> Result<Vec<Account>, BrokerError> {
        crate::broker::Broker::accounts(self).await
    }

    async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, BrokerError> {
        crate::broker::Broker::quotes(self, symbols).await
    }

    /// Limitation: the broker does not list orders yet (the order wire types are being
    /// written), so this answers with a plain message the Orders view shows.
    async fn orders(&self) -> Result<Vec<OrderRow>, BrokerError> {
        Err(BrokerError::Failed(ORDERS_NOT_YET.to_string()))
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
}
