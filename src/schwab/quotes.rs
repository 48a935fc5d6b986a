//! Wire types of the market-data quote endpoints (`/quotes` and `/{symbol}/quotes`).
//!
//! The answer is a map from symbol to entry. Entries are parsed one by one, so a single
//! malformed or unexpected entry makes that symbol unavailable instead of failing the batch.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::open_enum::open_enum;

open_enum!(
    /// `assetMainType` of a quote entry.
    QuoteAssetType {
        Equity => "EQUITY",
        Option => "OPTION",
        Index => "INDEX",
        MutualFund => "MUTUAL_FUND",
        Future => "FUTURE",
        FutureOption => "FUTURE_OPTION",
        Forex => "FOREX",
        Bond => "BOND",
    }
);

/// One symbol's entry in a quote response.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuoteEntry {
    pub asset_main_type: Option<QuoteAssetType>,
    /// `COE`, `ETF`, `ADR`, …; often missing for OTC names.
    pub asset_sub_type: Option<String>,
    /// `NBBO` or `NFL` (non-fee-liable, possibly delayed).
    pub quote_type: Option<String>,
    pub realtime: Option<bool>,
    pub ssid: Option<i64>,
    pub symbol: Option<String>,
    pub quote: Option<QuoteBlock>,
    pub reference: Option<ReferenceBlock>,
    pub regular: Option<RegularBlock>,
    pub extended: Option<ExtendedBlock>,
    pub fundamental: Option<FundamentalBlock>,
}

/// The `quote` section: the union of the fields every asset type sends.
///
/// Which fields are present depends on the asset type (an index has no bid or ask, a mutual
/// fund no last trade), so all are optional. Times are epoch milliseconds; `0` means unknown.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuoteBlock {
    #[serde(rename = "52WeekHigh")]
    pub week52_high: Option<Decimal>,
    #[serde(rename = "52WeekLow")]
    pub week52_low: Option<Decimal>,
    #[serde(rename = "askMICId")]
    pub ask_mic_id: Option<String>,
    pub ask_price: Option<Decimal>,
    pub ask_size: Option<Decimal>,
    pub ask_time: Option<i64>,
    #[serde(rename = "bidMICId")]
    pub bid_mic_id: Option<String>,
    pub bid_price: Option<Decimal>,
    pub bid_size: Option<Decimal>,
    pub bid_time: Option<i64>,
    pub close_price: Option<Decimal>,
    pub high_price: Option<Decimal>,
    #[serde(rename = "lastMICId")]
    pub last_mic_id: Option<String>,
    pub last_price: Option<Decimal>,
    pub last_size: Option<Decimal>,
    pub low_price: Option<Decimal>,
    pub mark: Option<Decimal>,
    pub mark_change: Option<Decimal>,
    pub mark_percent_change: Option<Decimal>,
    pub net_change: Option<Decimal>,
    pub net_percent_change: Option<Decimal>,
    pub open_price: Option<Decimal>,
    pub post_market_change: Option<Decimal>,
    pub post_market_percent_change: Option<Decimal>,
    pub quote_time: Option<i64>,
    pub security_status: Option<String>,
    /// Can arrive in exponent form (`3.01570298E8`).
    pub total_volume: Option<Decimal>,
    pub trade_time: Option<i64>,
    pub volatility: Option<Decimal>,
    // options
    pub delta: Option<Decimal>,
    pub gamma: Option<Decimal>,
    pub theta: Option<Decimal>,
    /// `-999` is Schwab's "not computed" sentinel.
    pub vega: Option<Decimal>,
    pub rho: Option<Decimal>,
    pub open_interest: Option<Decimal>,
    pub underlying_price: Option<Decimal>,
    pub theoretical_option_value: Option<Decimal>,
    pub time_value: Option<Decimal>,
    pub money_intrinsic_value: Option<Decimal>,
    pub implied_yield: Option<Decimal>,
    // futures and forex
    pub future_percent_change: Option<Decimal>,
    pub settle_time: Option<i64>,
    pub tick: Option<Decimal>,
    pub tick_amount: Option<Decimal>,
    pub quoted_in_session: Option<bool>,
    // mutual funds
    #[serde(rename = "nAV")]
    pub nav: Option<Decimal>,
}

/// The `reference` section: what the instrument is.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceBlock {
    pub cusip: Option<String>,
    pub description: Option<String>,
    pub exchange: Option<String>,
    pub exchange_name: Option<String>,
    pub is_hard_to_borrow: Option<bool>,
    pub is_shortable: Option<bool>,
    pub htb_quantity: Option<Decimal>,
    pub htb_rate: Option<Decimal>,
    pub otc_market_tier: Option<String>,
    // options
    pub contract_type: Option<String>,
    pub days_to_expiration: Option<i64>,
    pub deliverables: Option<String>,
    pub exercise_type: Option<String>,
    pub expiration_day: Option<u32>,
    pub expiration_month: Option<u32>,
    pub expiration_year: Option<i32>,
    pub expiration_type: Option<String>,
    pub is_penny_pilot: Option<bool>,
    pub last_trading_day: Option<i64>,
    pub multiplier: Option<Decimal>,
    pub settlement_type: Option<String>,
    pub strike_price: Option<Decimal>,
    pub underlying: Option<String>,
    pub underlying_asset_type: Option<String>,
    // futures
    pub future_active_symbol: Option<String>,
    pub future_expiration_date: Option<i64>,
    pub future_is_active: Option<bool>,
    pub future_is_tradable: Option<bool>,
    pub future_multiplier: Option<Decimal>,
    pub future_price_format: Option<String>,
    pub future_settlement_price: Option<Decimal>,
    pub future_trading_hours: Option<String>,
    pub product: Option<String>,
    // forex
    pub is_tradable: Option<bool>,
    pub market_maker: Option<String>,
    pub trading_hours: Option<String>,
}

/// The `regular` section: the regular-session last trade, for equities.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegularBlock {
    pub regular_market_last_price: Option<Decimal>,
    pub regular_market_last_size: Option<Decimal>,
    pub regular_market_net_change: Option<Decimal>,
    pub regular_market_percent_change: Option<Decimal>,
    pub regular_market_trade_time: Option<i64>,
}

/// The `extended` section: pre- and post-market trading, sent only outside regular hours.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedBlock {
    pub ask_price: Option<Decimal>,
    pub ask_size: Option<Decimal>,
    pub bid_price: Option<Decimal>,
    pub bid_size: Option<Decimal>,
    pub last_price: Option<Decimal>,
    pub last_size: Option<Decimal>,
    pub mark: Option<Decimal>,
    pub quote_time: Option<i64>,
    pub total_volume: Option<Decimal>,
    pub trade_time: Option<i64>,
}

/// The `fundamental` section. Dates stay strings: Schwab sends ISO-8601 text here, unlike
/// the epoch milliseconds of the quote section.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FundamentalBlock {
    pub avg10_days_volume: Option<Decimal>,
    pub avg1_year_volume: Option<Decimal>,
    pub div_amount: Option<Decimal>,
    pub div_freq: Option<i64>,
    pub div_pay_amount: Option<Decimal>,
    pub div_yield: Option<Decimal>,
    pub eps: Option<Decimal>,
    pub fund_leverage_factor: Option<Decimal>,
    pub fund_strategy: Option<String>,
    pub pe_ratio: Option<Decimal>,
    pub declaration_date: Option<String>,
    pub div_ex_date: Option<String>,
    pub div_pay_date: Option<String>,
    pub next_div_ex_date: Option<String>,
    pub next_div_pay_date: Option<String>,
    pub last_earnings_date: Option<String>,
}

/// The `errors` entry that `/quotes` puts among the symbol keys for symbols it rejects.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuoteErrors {
    #[serde(default)]
    pub invalid_symbols: Vec<String>,
    #[serde(default)]
    pub invalid_cusips: Vec<String>,
}

/// A parsed quote response: each symbol's entry, or why it could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuoteBatch {
    /// In key order. The error string is short; draw it through `sanitize` like any API text.
    pub entries: Vec<(String, Result<QuoteEntry, String>)>,
    /// Symbols the API said it does not know.
    pub invalid_symbols: Vec<String>,
}

impl QuoteBatch {
    /// The entry for `symbol`, matching the way Schwab keys its map (upper case).
    pub fn get(&self, symbol: &str) -> Option<&Result<QuoteEntry, String>> {
        self.entries
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(symbol))
            .map(|(_, entry)| entry)
    }
}

/// Parses a quote response body.
///
/// Only a body that is not a JSON object at all is an error; anything inside the object that
/// does not fit becomes a per-symbol failure, so one bad entry never hides the others.
pub fn parse_quotes(body: &[u8]) -> Result<QuoteBatch, serde_json::Error> {
    if super::client::runaway_number(body) {
        return Err(serde::de::Error::custom(
            "a number in it is too long to be read",
        ));
    }
    let map: Map<String, Value> = serde_json::from_slice(body)?;
    let mut batch = QuoteBatch::default();
    for (key, value) in map {
        if key == "errors" {
            if let Ok(errors) = serde_json::from_value::<QuoteErrors>(value) {
                batch.invalid_symbols.extend(errors.invalid_symbols);
                batch.invalid_symbols.extend(errors.invalid_cusips);
            }
            continue;
        }
        let entry = serde_json::from_value::<QuoteEntry>(value)
            .map_err(|e| format!("unreadable quote ({})", short_serde_reason(&e)));
        batch.entries.push((key, entry));
    }
    Ok(batch)
}

/// The part of a serde error worth showing: what was wrong, without echoing the data.
fn short_serde_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let cut = text.find(" at line").unwrap_or(text.len());
    let reason: String = text[..cut].chars().take(80).collect();
    reason
}
