//! What the app asks of a broker, in app terms: accounts, positions, quotes.
//!
//! The TUI and the CLI talk to this module only. It turns Schwab wire types into the
//! [`model`] types, so screens never see a wire quirk (a short as `shortQuantity`, a volume in
//! exponent form) or an account number.

pub mod convert;
pub mod model;
pub mod orders;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::schwab::market::HistoryQuery;
use crate::schwab::{SchwabClient, SchwabError};
use model::{Account, Candle, ChartRange, MarketSession, QuoteRow};

/// Why a broker call failed, in the words the status bar shows.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BrokerError {
    /// No usable login: the user must run `palmtree login`.
    #[error("login required: run `palmtree login` ({0})")]
    LoginRequired(String),
    /// Schwab could not be reached or did not answer in time.
    #[error("offline: {0}")]
    Offline(String),
    /// Schwab asked palmtree to slow down.
    #[error("throttled by Schwab")]
    Throttled { retry_after: Option<Duration> },
    /// Schwab answered, but with an error or something unreadable.
    #[error("{0}")]
    Failed(String),
}

impl From<SchwabError> for BrokerError {
    fn from(e: SchwabError) -> Self {
        match e {
            SchwabError::LoginRequired(why) => BrokerError::LoginRequired(why),
            SchwabError::Network(why) => BrokerError::Offline(why),
            SchwabError::Throttled { retry_after } => BrokerError::Throttled { retry_after },
            SchwabError::TokenServiceUnavailable(why) => BrokerError::Offline(why),
            other => BrokerError::Failed(other.to_string()),
        }
    }
}

/// Where the last good answers are kept, so the next start shows them at once.
///
/// Implemented over the sealed store. Writes are best effort: a cache that cannot be written
/// costs only a slower next start. The methods block briefly (SQLite), so the broker calls
/// them off the async threads.
pub trait Snapshots: Send + Sync {
    fn accounts(&self, accounts: &[Account], fetched_at: DateTime<Utc>);
    fn quotes(&self, rows: &[QuoteRow], fetched_at: DateTime<Utc>);
    fn orders(&self, rows: &[orders::OrderRow], fetched_at: DateTime<Utc>);
}

/// The app's handle on one brokerage login. Cheap to clone; clones share caches.
#[derive(Clone)]
pub struct Broker {
    client: SchwabClient,
    directory: Arc<Mutex<Option<Directory>>>,
    snapshots: Option<Arc<dyn Snapshots>>,
}

/// What palmtree learns once per run about the user's accounts.
#[derive(Clone, Default)]
struct Directory {
    /// Plain account number → hash. Held only in memory, never logged or drawn.
    hashes: HashMap<String, String>,
    /// Plain account number → nickname, when the user set one.
    nicknames: HashMap<String, String>,
    /// Whether `userPreference` has answered. Until it has, each use asks again, so one
    /// failed call does not leave every account unnamed for the rest of the run.
    nicknames_read: bool,
}

impl Directory {
    /// The nickname, else `…1234`: never the full number.
    fn label(&self, number: &str) -> String {
        match self.nicknames.get(number) {
            Some(nick) => crate::sanitize::clean(nick, 40),
            None => convert::masked_number(number),
        }
    }
}

impl Broker {
    pub fn new(client: SchwabClient) -> Self {
        Broker {
            client,
            directory: Arc::new(Mutex::new(None)),
            snapshots: None,
        }
    }

    /// This broker, also keeping every good answer in `snapshots`.
    pub fn with_snapshots(mut self, snapshots: Arc<dyn Snapshots>) -> Self {
        self.snapshots = Some(snapshots);
        self
    }

    /// Hands a good answer to the snapshot keeper without holding up the caller.
    fn keep(&self, write: impl FnOnce(&dyn Snapshots, DateTime<Utc>) + Send + 'static) {
        if let Some(snapshots) = self.snapshots.clone() {
            let at = self.client.clock().now();
            tokio::task::spawn_blocking(move || write(snapshots.as_ref(), at));
        }
    }

    pub fn client(&self) -> &SchwabClient {
        &self.client
    }

    /// Every account with its positions and balances.
    pub async fn accounts(&self) -> Result<Vec<Account>, BrokerError> {
        let directory = self.directory().await?;
        let envelopes = self.client.accounts(true).await?;
        let accounts = envelopes
            .iter()
            .map(|envelope| {
                let number = envelope
                    .securities_account
                    .account_number
                    .clone()
                    .unwrap_or_default();
                convert::account(
                    envelope,
                    directory.hashes.get(&number).map(String::as_str),
                    directory.nicknames.get(&number).map(String::as_str),
                )
            })
            .collect::<Vec<Account>>();
        let kept = accounts.clone();
        self.keep(move |s, at| s.accounts(&kept, at));
        Ok(accounts)
    }

    /// One row per symbol asked, in the order asked, each live, not found or unavailable.
    pub async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, BrokerError> {
        if symbols.is_empty() {
            return Ok(Vec::new());
        }
        let batch = self.client.quotes(symbols).await?;
        let rows: Vec<QuoteRow> = symbols
            .iter()
            .map(|symbol| convert::quote_row(symbol, &batch))
            .collect();
        let kept = rows.clone();
        self.keep(move |s, at| s.quotes(&kept, at));
        Ok(rows)
    }

    /// The candles of a price chart, oldest first, with unusable candles dropped.
    pub async fn price_history(
        &self,
        symbol: &str,
        range: ChartRange,
    ) -> Result<Vec<Candle>, BrokerError> {
        let history = self
            .client
            .price_history(symbol, &history_query(range))
            .await?;
        Ok(convert::candles(&history))
    }

    /// The equity market's session at `now`, from today's market hours.
    pub async fn market_session(&self, now: DateTime<Utc>) -> Result<MarketSession, BrokerError> {
        let hours = self.client.market_hours(&["equity"]).await?;
        Ok(convert::market_session(&hours, now))
    }

    /// Account numbers, hashes and nicknames, fetched on first use and kept for the run.
    ///
    /// Nicknames are a nicety: when they cannot be read the accounts are shown by their last
    /// four digits, and the nicknames are asked for again on the next use.
    async fn directory(&self) -> Result<Directory, BrokerError> {
        let mut slot = self.directory.lock().await;
        if let Some(directory) = slot.as_mut() {
            if !directory.nicknames_read {
                directory.read_nicknames(&self.client).await;
            }
            return Ok(directory.clone());
        }
        let numbers = self.client.account_numbers().await?;
        let mut directory = Directory {
            hashes: numbers
                .into_iter()
                .map(|n| (n.account_number, n.hash_value))
                .collect(),
            nicknames: HashMap::new(),
            nicknames_read: false,
        };
        directory.read_nicknames(&self.client).await;
        *slot = Some(directory.clone());
        Ok(directory)
    }
}

impl Directory {
    /// Fills in the nicknames from `userPreference`; a failure only logs a warning.
    async fn read_nicknames(&mut self, client: &SchwabClient) {
        match client.user_preference().await {
            Ok(preference) => {
                for account in preference.accounts {
                    if let (Some(number), Some(nick)) = (account.account_number, account.nick_name)
                        && !nick.trim().is_empty()
                    {
                        self.nicknames.insert(number, nick);
                    }
                }
                self.nicknames_read = true;
            }
            Err(e) => tracing::warn!(error = %e, "account nicknames unavailable"),
        }
    }
}

/// Schwab's period and frequency for each chart range: intraday bars for a day or a week,
/// daily bars for a month or a year.
pub fn history_query(range: ChartRange) -> HistoryQuery {
    let (period_type, period, frequency_type, frequency) = match range {
        ChartRange::Day => ("day", 1, "minute", 5),
        ChartRange::Week => ("day", 5, "minute", 30),
        ChartRange::Month => ("month", 1, "daily", 1),
        ChartRange::Year => ("year", 1, "daily", 1),
    };
    HistoryQuery {
        period_type,
        period,
        frequency_type,
        frequency,
    }
}
