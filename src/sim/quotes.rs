//! Quote JSON per asset type and the endpoints `/marketdata/v1/quotes` and `/{symbol_id}/quotes`.
//!
//! Each asset type sends the sections and fields its recorded payload shows: indexes and funds
//! have no bid/ask, futures no 52-week range, options no fundamentals.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use super::App;
use super::errors::{self, BadParameter, Source};
use super::hours::{self, Session};
use super::market::{Instrument, Kind, percent};
use super::pricing::PutCall;

/// The most symbols one `/quotes` call may ask for (the spec's error example says 500).
const MAX_SYMBOLS: usize = 500;

/// A `Decimal` as a JSON number, the way the real API writes prices.
pub(crate) fn num(d: Decimal) -> Value {
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// An f64 model output (greeks, volatility) rounded to 8 places.
fn float(x: f64) -> Value {
    let rounded = (x * 1e8).round() / 1e8;
    serde_json::Number::from_f64(rounded)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Which root sections a request asked for (`fields`; absent or `all` means every one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sections {
    quote: bool,
    fundamental: bool,
    extended: bool,
    reference: bool,
    regular: bool,
}

impl Sections {
    const ALL: Self = Self {
        quote: true,
        fundamental: true,
        extended: true,
        reference: true,
        regular: true,
    };

    /// Parses `fields`, or answers the 400 Schwab gives for an unknown section name.
    fn parse(fields: Option<&String>) -> Result<Self, BadParameter> {
        let Some(fields) = fields.map(|f| f.trim()).filter(|f| !f.is_empty()) else {
            return Ok(Self::ALL);
        };
        let mut out = Self {
            quote: false,
            fundamental: false,
            extended: false,
            reference: false,
            regular: false,
        };
        for name in fields.split(',').map(|f| f.trim().to_ascii_lowercase()) {
            match name.as_str() {
                "all" => return Ok(Self::ALL),
                "quote" => out.quote = true,
                "fundamental" => out.fundamental = true,
                "extended" => out.extended = true,
                "reference" => out.reference = true,
                "regular" => out.regular = true,
                "" => {}
                _ => {
                    let detail = "valid fields should be any of all,fundamental,reference,\
                                  extended,quote,regular or empty value";
                    return Err(BadParameter::new("fields", detail));
                }
            }
        }
        Ok(out)
    }
}

/// Normalizes a requested symbol: trimmed and upper-cased, inner spaces kept (options).
fn normalize(symbol: &str) -> String {
    symbol.trim().to_uppercase()
}

/// One entry of the quote map for `inst`, keyed and labelled as `symbol` was asked for.
///
/// `symbol` matters for futures: `/ES` answers as `/ES` and names the active contract in
/// `futureActiveSymbol`, while `/ESZ26` answers as itself.
pub(crate) fn entry(
    inst: &Instrument,
    symbol: &str,
    sections: Sections,
    now: DateTime<Utc>,
    session: Session,
) -> Value {
    let after_hours = session != Session::Regular;
    let mut out = Map::new();
    let (main, sub) = match inst.kind {
        Kind::Equity => ("EQUITY", Some("COE")),
        Kind::Etf => ("EQUITY", Some("ETF")),
        Kind::Index => ("INDEX", None),
        Kind::Future => ("FUTURE", None),
        Kind::Forex => ("FOREX", None),
        Kind::MutualFund => ("MUTUAL_FUND", None),
        Kind::Option => ("OPTION", None),
    };
    out.insert("assetMainType".into(), json!(main));
    if let Some(sub) = sub {
        out.insert("assetSubType".into(), json!(sub));
        out.insert("quoteType".into(), json!("NBBO"));
    }
    out.insert("realtime".into(), json!(true));
    out.insert("ssid".into(), json!(inst.ssid));
    out.insert("symbol".into(), json!(symbol));

    let equity = matches!(inst.kind, Kind::Equity | Kind::Etf);
    if sections.quote {
        out.insert("quote".into(), quote(inst, session));
    }
    if sections.reference {
        out.insert("reference".into(), reference(inst, now));
    }
    if sections.fundamental
        && matches!(
            inst.kind,
            Kind::Equity | Kind::Etf | Kind::Index | Kind::MutualFund
        )
    {
        out.insert("fundamental".into(), fundamental(inst));
    }
    if sections.regular && equity {
        out.insert("regular".into(), regular(inst));
    }
    if sections.extended && equity && after_hours {
        out.insert("extended".into(), extended(inst));
    }
    Value::Object(out)
}

fn security_status(inst: &Instrument, session: Session) -> &'static str {
    match inst.kind {
        Kind::Index if session != Session::Regular => "Closed",
        Kind::Future | Kind::Forex => "Unknown",
        _ => "Normal",
    }
}

fn quote(inst: &Instrument, session: Session) -> Value {
    let t = &inst.tape;
    let change = t.last - t.close;
    let mark = mid(t.bid, t.ask);
    let status = security_status(inst, session);
    match inst.kind {
        Kind::Equity | Kind::Etf => {
            let mut q = json!({
                "52WeekHigh": num(t.week52_high),
                "52WeekLow": num(t.week52_low),
                "askMICId": t.ask_mic,
                "askPrice": num(t.ask),
                "askSize": t.ask_size,
                "askTime": t.quote_ms,
                "bidMICId": t.bid_mic,
                "bidPrice": num(t.bid),
                "bidSize": t.bid_size,
                "bidTime": t.quote_ms,
                "closePrice": num(t.close),
                "highPrice": num(t.high),
                "lastMICId": t.last_mic,
                "lastPrice": num(t.last),
                "lastSize": t.last_size,
                "lowPrice": num(t.low),
                "mark": num(mark),
                "markChange": num(mark - t.close),
                "markPercentChange": num(percent(mark - t.close, t.close)),
                "netChange": num(change),
                "netPercentChange": num(percent(change, t.close)),
                "openPrice": num(t.open),
                "quoteTime": t.quote_ms,
                "securityStatus": status,
                "totalVolume": t.volume,
                "tradeTime": t.trade_ms,
            });
            if inst.kind == Kind::Etf {
                q["volatility"] = json!(0);
            }
            if session != Session::Regular {
                let post = t.last - t.regular_last;
                q["postMarketChange"] = num(post);
                q["postMarketPercentChange"] = num(percent(post, t.regular_last));
            }
            q
        }
        Kind::Index => json!({
            "52WeekHigh": num(t.week52_high),
            "52WeekLow": num(t.week52_low),
            "closePrice": num(t.close),
            "highPrice": num(t.high),
            "lastPrice": num(t.last),
            "lowPrice": num(t.low),
            "netChange": num(change),
            "netPercentChange": num(percent(change, t.close)),
            "openPrice": num(t.open),
            "securityStatus": status,
            "totalVolume": t.volume,
            "tradeTime": t.trade_ms,
        }),
        Kind::MutualFund => json!({
            "52WeekHigh": num(t.week52_high),
            "52WeekLow": num(t.week52_low),
            "closePrice": num(t.close),
            "nAV": num(t.close),
            "netChange": 0,
            "netPercentChange": 0,
            "securityStatus": status,
            "totalVolume": 0,
            "tradeTime": 0,
        }),
        Kind::Forex => json!({
            "52WeekHigh": num(t.week52_high),
            "52WeekLow": num(t.week52_low),
            "askPrice": num(t.ask),
            "askSize": t.ask_size,
            "bidPrice": num(t.bid),
            "bidSize": t.bid_size,
            "closePrice": num(t.close),
            "highPrice": num(t.high),
            "lastPrice": num(t.last),
            "lastSize": t.last_size,
            "lowPrice": num(t.low),
            "mark": num(mark),
            "netChange": num(change),
            "netPercentChange": num(percent(change, t.close)),
            "openPrice": num(t.open),
            "quoteTime": t.quote_ms,
            "securityStatus": status,
            "tick": 0,
            "tickAmount": 0,
            "totalVolume": 0,
            "tradeTime": t.trade_ms,
        }),
        Kind::Future => {
            let terms = inst.future.as_ref();
            let fraction = change.checked_div(t.close).unwrap_or_default().round_dp(4);
            json!({
                "askPrice": num(t.ask),
                "askSize": t.ask_size,
                "askTime": 0,
                "bidPrice": num(t.bid),
                "bidSize": t.bid_size,
                "bidTime": 0,
                "closePrice": num(t.close),
                "futurePercentChange": num(fraction),
                "highPrice": num(t.high),
                "lastPrice": num(t.last),
                "lastSize": t.last_size,
                "lowPrice": num(t.low),
                "mark": num(mark),
                "netChange": num(change),
                "openInterest": terms.map(|f| f.open_interest).unwrap_or_default(),
                "openPrice": num(t.open),
                "quoteTime": t.quote_ms,
                "securityStatus": status,
                "settleTime": 0,
                "tick": num(inst.tick()),
                "tickAmount": num(terms.map(|f| f.tick_amount).unwrap_or_default()),
                "totalVolume": t.volume,
                "tradeTime": t.trade_ms,
            })
        }
        Kind::Option => option_quote(inst, status),
    }
}

fn option_quote(inst: &Instrument, status: &str) -> Value {
    let t = &inst.tape;
    let change = t.last - t.close;
    let mark = mid(t.bid, t.ask);
    let (intrinsic, oi) = match &inst.option {
        Some(o) => {
            let signed = match o.put_call {
                PutCall::Call => t.underlying_price - o.strike,
                PutCall::Put => o.strike - t.underlying_price,
            };
            (signed, o.open_interest)
        }
        None => (Decimal::ZERO, 0),
    };
    let time_value = t.last - intrinsic.max(Decimal::ZERO);
    let iv = inst
        .option
        .as_ref()
        .map(|o| o.iv * 100.0)
        .unwrap_or_default();
    json!({
        "52WeekHigh": num(t.week52_high),
        "52WeekLow": num(t.week52_low),
        "askPrice": num(t.ask),
        "askSize": t.ask_size,
        "bidPrice": num(t.bid),
        "bidSize": t.bid_size,
        "closePrice": num(t.close),
        "delta": float(t.model.delta),
        "gamma": float(t.model.gamma),
        "highPrice": num(t.high),
        "indAskPrice": 0.0,
        "indBidPrice": 0.0,
        "indQuoteTime": 0,
        "impliedYield": 0.0,
        "lastPrice": num(t.last),
        "lastSize": t.last_size,
        "lowPrice": num(t.low),
        "mark": num(mark),
        "markChange": num(mark - t.close),
        "markPercentChange": num(percent(mark - t.close, t.close)),
        "moneyIntrinsicValue": num(intrinsic),
        "netChange": num(change),
        "netPercentChange": num(percent(change, t.close)),
        "openInterest": oi,
        "openPrice": num(t.open),
        "quoteTime": t.quote_ms,
        "rho": float(t.model.rho),
        "securityStatus": status,
        "theoreticalOptionValue": float(t.model.price),
        "theta": float(t.model.theta),
        "timeValue": num(time_value),
        "totalVolume": t.volume,
        "tradeTime": t.trade_ms,
        "underlyingPrice": num(t.underlying_price),
        "vega": float(t.model.vega),
        "volatility": float(iv),
    })
}

/// The midpoint of bid and ask, which the sim reports as the mark.
pub(crate) fn mid(bid: Decimal, ask: Decimal) -> Decimal {
    ((bid + ask) / Decimal::TWO).round_dp(4).normalize()
}

fn reference(inst: &Instrument, now: DateTime<Utc>) -> Value {
    match inst.kind {
        Kind::Equity | Kind::Etf => {
            let mut r = json!({
                "cusip": inst.cusip,
                "description": inst.description,
                "exchange": inst.exchange,
                "exchangeName": inst.exchange_name,
            });
            if let Some(htb) = inst.htb_quantity {
                r["isHardToBorrow"] = json!(false);
                r["isShortable"] = json!(true);
                r["htbQuantity"] = json!(htb);
                r["htbRate"] = json!(0.0);
            }
            r
        }
        Kind::Index => json!({
            "description": inst.description,
            "exchange": inst.exchange,
            "exchangeName": inst.exchange_name,
        }),
        Kind::MutualFund => json!({
            "cusip": inst.cusip,
            "description": inst.description,
            "exchange": inst.exchange,
            "exchangeName": inst.exchange_name,
        }),
        Kind::Forex => json!({
            "description": inst.description,
            "exchange": inst.exchange,
            "exchangeName": inst.exchange_name,
            "isTradable": false,
            "marketMaker": "",
            "product": "",
            "tradingHours": "",
        }),
        Kind::Future => {
            let Some(f) = &inst.future else {
                return json!({ "description": inst.description });
            };
            let expires = hours::eastern(f.expiry, 0, 0).timestamp_millis();
            json!({
                "description": format!("{},{},ETH", inst.description, f.expiry.format("%b-%Y")),
                "exchange": inst.exchange,
                "exchangeName": inst.exchange_name,
                "futureActiveSymbol": f.active,
                "futureExpirationDate": expires,
                "futureIsActive": true,
                "futureIsTradable": true,
                "futureMultiplier": num(f.multiplier),
                "futurePriceFormat": "D,D",
                "futureSettlementPrice": num(inst.tape.close),
                "futureTradingHours": "GLBX(de=1640;0=-17001600;1=r-17001600d-15551640;\
                                       7=d-16401555)",
                "product": f.root,
            })
        }
        Kind::Option => {
            let Some(o) = &inst.option else {
                return json!({ "description": inst.description });
            };
            let today = hours::eastern_date(now);
            let last_trading = hours::eastern(o.expiry, 20, 0).timestamp_millis();
            json!({
                "contractType": match o.put_call { PutCall::Call => "C", PutCall::Put => "P" },
                "daysToExpiration": (o.expiry - today).num_days(),
                "deliverables": format!("100 {}", o.underlying),
                "description": inst.description,
                "exchange": inst.exchange,
                "exchangeName": inst.exchange_name,
                "exerciseType": "A",
                "expirationDay": o.expiry.day(),
                "expirationMonth": o.expiry.month(),
                "expirationType": "S",
                "expirationYear": o.expiry.year(),
                "isPennyPilot": true,
                "lastTradingDay": last_trading,
                "multiplier": 100.0,
                "settlementType": "P",
                "strikePrice": num(o.strike),
                "underlying": o.underlying,
                "underlyingAssetType": "EQUITY",
            })
        }
    }
}

fn fundamental(inst: &Instrument) -> Value {
    let Some(f) = &inst.fundamentals else {
        return json!({});
    };
    let last = inst.tape.last;
    let pe = if f.eps > Decimal::ZERO {
        last.checked_div(f.eps).unwrap_or_default().round_dp(5)
    } else {
        Decimal::ZERO
    };
    let div_yield = percent(f.div_amount, last).round_dp(5);
    let per_payment = f
        .div_amount
        .checked_div(Decimal::from(f.div_freq))
        .unwrap_or_default();
    let mut out = json!({
        "avg10DaysVolume": f.avg10_volume as f64,
        "avg1YearVolume": f.avg1y_volume as f64,
        "divAmount": num(f.div_amount),
        "divFreq": f.div_freq,
        "divPayAmount": num(per_payment),
        "divYield": num(div_yield),
        "eps": num(f.eps),
        "fundLeverageFactor": 0.0,
        "peRatio": num(pe),
    });
    if let Some(strategy) = f.fund_strategy {
        out["fundStrategy"] = json!(strategy);
    }
    if let Some(date) = f.last_earnings {
        out["lastEarningsDate"] = json!(date);
    }
    if let Some([declared, ex, pay, next_ex, next_pay]) = f.div_dates {
        out["declarationDate"] = json!(declared);
        out["divExDate"] = json!(ex);
        out["divPayDate"] = json!(pay);
        out["nextDivExDate"] = json!(next_ex);
        out["nextDivPayDate"] = json!(next_pay);
    }
    out
}

fn regular(inst: &Instrument) -> Value {
    let t = &inst.tape;
    let change = t.regular_last - t.close;
    json!({
        "regularMarketLastPrice": num(t.regular_last),
        "regularMarketLastSize": t.regular_size,
        "regularMarketNetChange": num(change),
        "regularMarketPercentChange": num(percent(change, t.close)),
        "regularMarketTradeTime": t.regular_trade_ms,
    })
}

fn extended(inst: &Instrument) -> Value {
    let t = &inst.tape;
    json!({
        "askPrice": num(t.ask),
        "askSize": t.ask_size,
        "bidPrice": num(t.bid),
        "bidSize": t.bid_size,
        "lastPrice": num(t.last),
        "lastSize": t.last_size,
        "mark": num(mid(t.bid, t.ask)),
        "quoteTime": t.quote_ms,
        "totalVolume": 0,
        "tradeTime": t.trade_ms,
    })
}

/// `GET /marketdata/v1/quotes?symbols=A,B[&fields=..][&indicative=..]`.
///
/// Unknown symbols do not fail the call: they are listed under the `errors` key of the same
/// map as `{"invalidSymbols": [...]}`. Limitation: `indicative=true` is accepted but the
/// `$ABC.IV` companion quotes are not produced, and `cusips`/`ssids` lookups are not served.
pub(crate) async fn many(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let sections = match Sections::parse(query.get("fields")) {
        Ok(sections) => sections,
        Err(bad) => return bad.into_response(),
    };
    let symbols: Vec<String> = query
        .get("symbols")
        .map(|s| {
            s.split(',')
                .map(normalize)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let pointer = [
        "/data/attributes/symbols",
        "/data/attributes/cusips",
        "/data/attributes/ssids",
    ];
    if symbols.is_empty() {
        let detail = "Search combination should have min of 1.";
        return errors::market(
            StatusCode::BAD_REQUEST,
            Some(detail),
            Some(Source::Pointer(&pointer)),
        );
    }
    if symbols.len() > MAX_SYMBOLS {
        let detail = "Search combination should not exceed 500.";
        return errors::market(
            StatusCode::BAD_REQUEST,
            Some(detail),
            Some(Source::Pointer(&pointer)),
        );
    }
    let (state, now) = app.market_state();
    let mut out = Map::new();
    let mut invalid = Vec::new();
    for symbol in symbols {
        match state.market.lookup(&symbol) {
            Some(inst) => {
                let session = state.market.session(now);
                out.insert(symbol.clone(), entry(inst, &symbol, sections, now, session));
            }
            None if !invalid.contains(&symbol) => invalid.push(symbol),
            None => {}
        }
    }
    if !invalid.is_empty() {
        out.insert("errors".into(), json!({ "invalidSymbols": invalid }));
    }
    errors::json(StatusCode::OK, Value::Object(out))
}

/// `GET /marketdata/v1/{symbol_id}/quotes[?fields=..]`: a map with one entry, or the 404
/// body for an unknown symbol. The path segment arrives percent-encoded (`%24SPX`, `%2FES`,
/// `%20` in option symbols) and axum decodes it.
pub(crate) async fn one(
    State(app): State<App>,
    Path(symbol): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let sections = match Sections::parse(query.get("fields")) {
        Ok(sections) => sections,
        Err(bad) => return bad.into_response(),
    };
    let symbol = normalize(&symbol);
    let (state, now) = app.market_state();
    let Some(inst) = state.market.lookup(&symbol) else {
        return errors::symbol_not_found();
    };
    let mut out = Map::new();
    let session = state.market.session(now);
    out.insert(symbol.clone(), entry(inst, &symbol, sections, now, session));
    errors::json(StatusCode::OK, Value::Object(out))
}
