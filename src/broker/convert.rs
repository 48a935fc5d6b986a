//! Schwab wire types turned into the app's model.
//!
//! This is the API boundary for text: every string from the wire passes through
//! [`crate::sanitize::clean`] here, before any screen, log or CLI line can see it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::model::{
    Account, AccountKey, AssetKind, Balances, Candle, MarketSession, Position, Quote, QuoteRow,
    QuoteState,
};
use crate::sanitize::clean;
use crate::schwab::accounts::{AccountEnvelope, AssetType, WirePosition};
use crate::schwab::market::{MarketHours, PriceHistory};
use crate::schwab::quotes::{QuoteAssetType, QuoteBatch, QuoteEntry};

/// Longest symbol kept (an OSI option symbol is 21 characters).
const SYMBOL_MAX: usize = 32;
/// Longest description kept.
const TEXT_MAX: usize = 120;

/// An account in app terms. `hash` is absent only if Schwab listed an account under
/// `/accounts` that `/accountNumbers` did not name; such an account is shown but cannot be
/// addressed.
pub fn account(envelope: &AccountEnvelope, hash: Option<&str>, nickname: Option<&str>) -> Account {
    let wire = &envelope.securities_account;
    let number = wire.account_number.as_deref().unwrap_or_default();
    let label = match nickname {
        Some(nick) => clean(nick, 40),
        None => masked_number(number),
    };
    let current = wire.current_balances.clone().unwrap_or_default();
    let balances = Balances {
        cash: current.cash_balance.or(current.total_cash),
        buying_power: current.buying_power.or(current.available_funds),
        day_trading_buying_power: current.day_trading_buying_power,
        liquidation_value: current.liquidation_value.or_else(|| {
            envelope
                .aggregated_balance
                .as_ref()
                .and_then(|a| a.liquidation_value)
        }),
    };
    let positions = wire
        .positions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(position)
        .collect();
    Account {
        key: AccountKey::new(hash.unwrap_or_default()),
        label,
        kind: clean(wire.account_type.as_deref().unwrap_or("ACCOUNT"), 20),
        balances,
        positions,
    }
}

/// `…1234`: the last four digits, the most of an account number palmtree ever shows.
pub fn masked_number(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_alphanumeric).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// One position in app terms, with a signed quantity and derived P&L where Schwab omits it.
pub fn position(wire: &WirePosition) -> Position {
    let instrument = wire.instrument.clone();
    let asset_type = instrument.as_ref().and_then(|i| i.asset_type.clone());
    let instrument_type = instrument.as_ref().and_then(|i| i.instrument_type.clone());
    let kind = position_kind(asset_type.as_ref(), instrument_type.as_deref());
    let quantity = wire.net_quantity();
    let multiplier = if kind == AssetKind::Option {
        Decimal::ONE_HUNDRED
    } else {
        Decimal::ONE
    };
    // Checked arithmetic throughout: a figure that would overflow is left blank, since only a
    // garbled answer can hold one, and `Decimal`'s operators panic on overflow.
    let market_value = wire.market_value.unwrap_or_default();
    let units = quantity.checked_mul(multiplier).filter(|u| !u.is_zero());
    let last = units.and_then(|units| market_value.checked_div(units));
    let cost = wire
        .average_price
        .and_then(|average| average.checked_mul(quantity)?.checked_mul(multiplier));
    let total_pl = match (wire.long_open_profit_loss, wire.short_open_profit_loss) {
        (Some(pl), _) if quantity >= Decimal::ZERO => Some(pl),
        (_, Some(pl)) => Some(pl),
        (Some(pl), None) => Some(pl),
        (None, None) => cost.and_then(|cost| market_value.checked_sub(cost)),
    };
    let total_pl_pct = match (total_pl, cost) {
        (Some(pl), Some(cost)) if !cost.is_zero() => pl
            .checked_div(cost.abs())
            .and_then(|ratio| ratio.checked_mul(Decimal::ONE_HUNDRED)),
        _ => None,
    };
    let text = |value: Option<&String>, max| value.map(|s| clean(s, max)).unwrap_or_default();
    Position {
        symbol: text(
            instrument.as_ref().and_then(|i| i.symbol.as_ref()),
            SYMBOL_MAX,
        ),
        description: text(
            instrument.as_ref().and_then(|i| i.description.as_ref()),
            TEXT_MAX,
        ),
        kind,
        underlying: instrument
            .as_ref()
            .and_then(|i| i.underlying_symbol.as_deref())
            .map(|s| clean(s, SYMBOL_MAX)),
        quantity: quantity.normalize(),
        average_price: wire.average_price,
        last: last.map(|l| l.round_dp(4).normalize()),
        market_value,
        day_pl: wire.current_day_profit_loss,
        day_pl_pct: wire.current_day_profit_loss_percentage,
        total_pl,
        total_pl_pct: total_pl_pct.map(|p| p.round_dp(2)),
    }
}

/// Schwab files ETFs in positions as `COLLECTIVE_INVESTMENT` with an ETF instrument type.
fn position_kind(asset: Option<&AssetType>, instrument_type: Option<&str>) -> AssetKind {
    match asset {
        Some(AssetType::Equity) => AssetKind::Equity,
        Some(AssetType::Option) => AssetKind::Option,
        Some(AssetType::Index) => AssetKind::Index,
        Some(AssetType::MutualFund) => AssetKind::MutualFund,
        Some(AssetType::Future) => AssetKind::Future,
        Some(AssetType::Forex) | Some(AssetType::Currency) => AssetKind::Forex,
        Some(AssetType::CollectiveInvestment)
            if instrument_type.is_some_and(|t| t.contains("EXCHANGE_TRADED")) =>
        {
            AssetKind::Etf
        }
        Some(other) => AssetKind::Other(clean(other.as_str(), 24)),
        None => AssetKind::Other("UNKNOWN".into()),
    }
}

/// The row for `symbol` out of a quote batch.
pub fn quote_row(symbol: &str, batch: &QuoteBatch) -> QuoteRow {
    let state = if batch
        .invalid_symbols
        .iter()
        .any(|s| s.eq_ignore_ascii_case(symbol))
    {
        QuoteState::NotFound
    } else {
        match batch.get(symbol) {
            None => QuoteState::NotFound,
            Some(Err(reason)) => QuoteState::Unavailable(clean(reason, 80)),
            Some(Ok(entry)) => match quote(symbol, entry) {
                Some(quote) => QuoteState::Live(Box::new(quote)),
                None => QuoteState::Unavailable("no quote data".into()),
            },
        }
    };
    QuoteRow {
        symbol: clean(symbol, SYMBOL_MAX),
        state,
    }
}

/// A quote in app terms, or `None` when the entry has no `quote` section at all.
pub fn quote(symbol: &str, entry: &QuoteEntry) -> Option<Quote> {
    let q = entry.quote.as_ref()?;
    let reference = entry.reference.clone().unwrap_or_default();
    let kind = entry
        .asset_main_type
        .as_ref()
        .map(|t| quote_kind(t, entry.asset_sub_type.as_deref()));
    let last = match kind {
        // A fund has no trades; its price is the NAV, or the last close when the NAV is 0.
        Some(AssetKind::MutualFund) => q
            .last_price
            .or(q.nav.filter(|nav| !nav.is_zero()))
            .or(q.close_price),
        _ => q.last_price,
    };
    Some(Quote {
        symbol: clean(entry.symbol.as_deref().unwrap_or(symbol), SYMBOL_MAX),
        description: clean(
            reference.description.as_deref().unwrap_or_default(),
            TEXT_MAX,
        ),
        kind,
        bid: q.bid_price,
        ask: q.ask_price,
        last,
        mark: q.mark,
        open: q.open_price,
        high: q.high_price,
        low: q.low_price,
        close: q.close_price,
        net_change: q.net_change,
        // Futures send `futurePercentChange` as a fraction (-0.0003 for -0.03 %).
        net_pct: q.net_percent_change.or_else(|| {
            q.future_percent_change
                .and_then(|f| f.checked_mul(Decimal::ONE_HUNDRED))
        }),
        volume: q.total_volume,
        week52_high: q.week52_high,
        week52_low: q.week52_low,
        penny_pilot: reference.is_penny_pilot,
        quote_time: q.quote_time.or(q.trade_time).and_then(epoch_ms),
    })
}

fn quote_kind(main: &QuoteAssetType, sub: Option<&str>) -> AssetKind {
    match main {
        QuoteAssetType::Equity if sub == Some("ETF") => AssetKind::Etf,
        QuoteAssetType::Equity => AssetKind::Equity,
        QuoteAssetType::Option => AssetKind::Option,
        QuoteAssetType::Index => AssetKind::Index,
        QuoteAssetType::MutualFund => AssetKind::MutualFund,
        QuoteAssetType::Future => AssetKind::Future,
        QuoteAssetType::Forex => AssetKind::Forex,
        other => AssetKind::Other(clean(other.as_str(), 24)),
    }
}

/// Epoch milliseconds to a time; Schwab's `0` (and anything before 2000) means "unknown".
pub fn epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    const YEAR_2000_MS: i64 = 946_684_800_000;
    if ms < YEAR_2000_MS {
        return None;
    }
    DateTime::from_timestamp_millis(ms)
}

/// Candles oldest first; a candle missing a price or a usable time is dropped.
pub fn candles(history: &PriceHistory) -> Vec<Candle> {
    let mut out: Vec<Candle> = history
        .candles
        .iter()
        .filter_map(|c| {
            Some(Candle {
                time: epoch_ms(c.datetime?)?,
                open: c.open?,
                high: c.high?,
                low: c.low?,
                close: c.close?,
                volume: c.volume.unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|c| c.time);
    out
}

/// The equity session at `now`: inside one of today's windows, or closed.
pub fn market_session(hours: &MarketHours, now: DateTime<Utc>) -> MarketSession {
    let Some(equity) = hours
        .get("equity")
        .and_then(|products| products.values().next())
    else {
        return MarketSession::Closed;
    };
    let inside = |name: &str| {
        equity
            .session_hours
            .get(name)
            .is_some_and(|windows| windows.iter().any(|w| w.start <= now && now < w.end))
    };
    if inside("regularMarket") {
        MarketSession::Regular
    } else if inside("preMarket") {
        MarketSession::PreMarket
    } else if inside("postMarket") {
        MarketSession::AfterHours
    } else {
        MarketSession::Closed
    }
}
