//! Where the TUI's data comes from: a small trait over the broker, so tests can stand in.
//!
//! Errors cross as short user-facing text: the TUI shows them and never inspects them.

use std::future::Future;

use crate::broker::model::{Account, QuoteRow};

/// The two questions the TUI asks of a broker.
///
/// Implemented for [`crate::broker::Broker`]; tests implement it with canned data.
pub trait Source: Clone + Send + Sync + 'static {
    /// Every account with its positions and balances.
    fn accounts(&self) -> impl Future<Output = Result<Vec<Account>, String>> + Send;

    /// One row per symbol asked, in the same order.
    fn quotes(
        &self,
        symbols: &[String],
    ) -> impl Future<Output = Result<Vec<QuoteRow>, String>> + Send;
}

impl Source for crate::broker::Broker {
    async fn accounts(&self) -> Result<Vec<Account>, String> {
        crate::broker::Broker::accounts(self)
            .await
            .map_err(|e| e.to_string())
    }

    async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, String> {
        crate::broker::Broker::quotes(self, symbols)
            .await
            .map_err(|e| e.to_string())
    }
}
