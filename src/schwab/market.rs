//! Wire types of the market-data endpoints beside quotes: price history and market hours.
//!
//! Candle times are epoch milliseconds; market-hours times are ISO-8601 with an offset. A
//! history with no candles is normal (`empty: true`), not an error.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The body of `GET /pricehistory`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PriceHistory {
    #[serde(default)]
    pub candles: Vec<Candle>,
    pub symbol: Option<String>,
    pub empty: Option<bool>,
    pub previous_close: Option<Decimal>,
    pub previous_close_date: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Candle {
    pub open: Option<Decimal>,
    pub high: Option<Decimal>,
    pub low: Option<Decimal>,
    pub close: Option<Decimal>,
    pub volume: Option<Decimal>,
    /// Epoch milliseconds; `0` has been seen in broken answers and means "unknown".
    pub datetime: Option<i64>,
}

/// The query of a price-history request, in Schwab's own terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    /// `day`, `month`, `year` or `ytd`.
    pub period_type: &'static str,
    pub period: u32,
    /// `minute`, `daily`, `weekly` or `monthly`.
    pub frequency_type: &'static str,
    pub frequency: u32,
}

/// The body of `GET /markets`: market → product code → hours.
pub type MarketHours = BTreeMap<String, BTreeMap<String, MarketProduct>>;

/// The hours of one product (`EQ`, `EQO`, …) on one date.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MarketProduct {
    pub date: Option<String>,
    pub market_type: Option<String>,
    pub product: Option<String>,
    pub product_name: Option<String>,
    pub is_open: Option<bool>,
    #[serde(default)]
    pub session_hours: BTreeMap<String, Vec<SessionWindow>>,
}

/// One trading window, e.g. the regular session from 09:30 to 16:00 US/Eastern.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SessionWindow {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}
