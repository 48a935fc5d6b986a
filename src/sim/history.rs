//! `GET /marketdata/v1/pricehistory`: candles walked backwards from the live price.
//!
//! The walk is seeded by the sim seed, the symbol, the frequency and the newest candle's time,
//! so the same request at the same sim time gets the same candles, ending at the live price.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};

use super::App;
use super::errors::{self, BadParameter};
use super::hours;
use super::market::{Instrument, Kind, round_to_tick};
use super::quotes::num;

/// The most candles one answer carries; older ones are dropped.
const MAX_CANDLES: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frequency {
    Minute(u32),
    Daily,
    Weekly,
    Monthly,
}

impl Frequency {
    /// Typical size of one candle's move, and the backwards drift that makes the past a little
    /// cheaper than today, both as fractions of the price.
    fn scale(self) -> (Decimal, Decimal) {
        match self {
            Frequency::Minute(1) => (dec!(0.0008), Decimal::ZERO),
            Frequency::Minute(5) => (dec!(0.0018), Decimal::ZERO),
            Frequency::Minute(10) => (dec!(0.0025), Decimal::ZERO),
            Frequency::Minute(15) => (dec!(0.0031), Decimal::ZERO),
            Frequency::Minute(_) => (dec!(0.0044), Decimal::ZERO),
            Frequency::Daily => (dec!(0.012), dec!(0.0003)),
            Frequency::Weekly => (dec!(0.027), dec!(0.0015)),
            Frequency::Monthly => (dec!(0.055), dec!(0.0065)),
        }
    }

    fn code(self) -> u64 {
        match self {
            Frequency::Minute(n) => u64::from(n),
            Frequency::Daily => 1_000,
            Frequency::Weekly => 2_000,
            Frequency::Monthly => 3_000,
        }
    }

    /// Candle volume as a multiple of a day's volume, in thousandths.
    fn volume_per_mille(self) -> u64 {
        match self {
            Frequency::Minute(n) => u64::from(n) * 1000 / 390,
            Frequency::Daily => 1_000,
            Frequency::Weekly => 5_000,
            Frequency::Monthly => 21_000,
        }
    }
}

/// The validated request.
struct Request {
    frequency: Frequency,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    extended: bool,
    previous_close: bool,
}

fn flag(query: &HashMap<String, String>, name: &str) -> bool {
    query
        .get(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn number(
    query: &HashMap<String, String>,
    name: &'static str,
) -> Result<Option<i64>, BadParameter> {
    match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| BadParameter::new(name, format!("{name} must be a whole number"))),
    }
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Checks the period and frequency combination exactly as the spec lists it.
fn parse(query: &HashMap<String, String>, now: DateTime<Utc>) -> Result<Request, BadParameter> {
    let period_type = query.get("periodType").map(String::as_str).unwrap_or("day");
    let (periods, default_period, kinds, default_kind): (&[i64], i64, &[&str], &str) =
        match period_type {
            "day" => (&[1, 2, 3, 4, 5, 10], 10, &["minute"], "minute"),
            "month" => (&[1, 2, 3, 6], 1, &["daily", "weekly"], "weekly"),
            "year" => (
                &[1, 2, 3, 5, 10, 15, 20],
                1,
                &["daily", "weekly", "monthly"],
                "monthly",
            ),
            "ytd" => (&[1], 1, &["daily", "weekly"], "weekly"),
            _ => {
                let detail = "periodType should be any of day, month, year, ytd";
                return Err(BadParameter::new("periodType", detail));
            }
        };
    let period = number(query, "period")?.unwrap_or(default_period);
    if !periods.contains(&period) {
        let detail = format!("period {period} is not valid for periodType {period_type}");
        return Err(BadParameter::new("period", detail));
    }
    let kind = query
        .get("frequencyType")
        .map(String::as_str)
        .unwrap_or(default_kind);
    if !kinds.contains(&kind) {
        let detail = format!("frequencyType {kind} is not valid for periodType {period_type}");
        return Err(BadParameter::new("frequencyType", detail));
    }
    let every = number(query, "frequency")?.unwrap_or(1);
    let frequency = match (kind, every) {
        ("minute", 1 | 5 | 10 | 15 | 30) => Frequency::Minute(every.unsigned_abs() as u32),
        ("daily", 1) => Frequency::Daily,
        ("weekly", 1) => Frequency::Weekly,
        ("monthly", 1) => Frequency::Monthly,
        _ => {
            let detail = format!("frequency {every} is not valid for frequencyType {kind}");
            return Err(BadParameter::new("frequency", detail));
        }
    };

    let end = number(query, "endDate")?
        .map(from_ms)
        .unwrap_or(now)
        .min(now);
    let end_day = hours::eastern_date(end);
    let start = match number(query, "startDate")? {
        Some(ms) => from_ms(ms),
        None => {
            let first = period_start(period_type, period, end_day);
            hours::eastern(first, 0, 0).with_timezone(&Utc)
        }
    };
    let reach = match frequency {
        Frequency::Minute(1) => TimeDelta::days(48),
        Frequency::Minute(_) => TimeDelta::days(270),
        _ => TimeDelta::days(366 * 21),
    };
    let start = start.max(end - reach);
    Ok(Request {
        frequency,
        start,
        end,
        extended: flag(query, "needExtendedHoursData"),
        previous_close: flag(query, "needPreviousClose"),
    })
}

/// The first day a default period covers: `period` trading days back for `day`, calendar
/// months or years otherwise, 1 January for `ytd`.
fn period_start(period_type: &str, period: i64, end: NaiveDate) -> NaiveDate {
    let months = |n: i64| Months::new(u32::try_from(n).unwrap_or(1));
    match period_type {
        "day" => {
            let mut day = end;
            let mut left = period;
            if hours::is_trading_day(day) {
                left -= 1;
            }
            while left > 0 {
                day = hours::previous_trading_day(day);
                left -= 1;
            }
            day
        }
        "month" => end.checked_sub_months(months(period)).unwrap_or(end),
        "year" => end.checked_sub_months(months(period * 12)).unwrap_or(end),
        _ => NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end),
    }
}

/// Midnight US/Central, where Schwab stamps daily, weekly and monthly candles.
fn central_midnight(day: NaiveDate) -> i64 {
    hours::eastern(day, 1, 0).timestamp_millis()
}

/// The open time of every candle in the range, oldest first.
fn candle_times(req: &Request) -> Vec<i64> {
    let (start, end) = (req.start.timestamp_millis(), req.end.timestamp_millis());
    let first = hours::eastern_date(req.start);
    let last = hours::eastern_date(req.end);
    let mut out = Vec::new();
    let mut day = first;
    let mut seen_period: Option<(i32, u32)> = None;
    while day <= last {
        if hours::is_trading_day(day) {
            match req.frequency {
                Frequency::Minute(n) => {
                    let (open, close) = if req.extended {
                        ((7, 0), (20, 0))
                    } else {
                        ((9, 30), (16, 0))
                    };
                    let mut t = hours::eastern(day, open.0, open.1).timestamp_millis();
                    let stop = hours::eastern(day, close.0, close.1).timestamp_millis();
                    while t < stop {
                        if t >= start && t <= end {
                            out.push(t);
                        }
                        t += i64::from(n) * 60_000;
                    }
                }
                Frequency::Daily => {
                    let t = central_midnight(day);
                    if t >= start && t <= end {
                        out.push(t);
                    }
                }
                Frequency::Weekly => {
                    let week = day.iso_week();
                    if seen_period != Some((week.year(), week.week())) {
                        seen_period = Some((week.year(), week.week()));
                        let monday =
                            day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
                        out.push(central_midnight(monday));
                    }
                }
                Frequency::Monthly => {
                    if seen_period != Some((day.year(), day.month())) {
                        seen_period = Some((day.year(), day.month()));
                        let first = day.with_day(1).unwrap_or(day);
                        out.push(central_midnight(first));
                    }
                }
            }
        }
        let Some(next) = day.succ_opt() else {
            break;
        };
        day = next;
    }
    if out.len() > MAX_CANDLES {
        out.drain(..out.len() - MAX_CANDLES);
    }
    out
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A fraction drawn from `-spread..=spread` thousandths of `scale`.
fn draw(rng: &mut StdRng, scale: Decimal, spread: i64) -> Decimal {
    scale * Decimal::new(rng.random_range(-spread..=spread), 3)
}

/// Candles newest to oldest from the live price, then reversed.
fn candles(inst: &Instrument, req: &Request, seed: u64) -> Vec<Value> {
    let times = candle_times(req);
    let Some(&newest) = times.last() else {
        return Vec::new();
    };
    let mut rng = StdRng::seed_from_u64(
        seed ^ fnv1a(&inst.symbol) ^ req.frequency.code().rotate_left(32) ^ newest.unsigned_abs(),
    );
    let tick = inst.tick();
    let (scale, trend) = req.frequency.scale();
    let daily = match (&inst.fundamentals, inst.kind) {
        (_, Kind::Index) => 2_400_000_000,
        (Some(f), _) => f.avg10_volume,
        (None, _) => 1_000_000,
    };
    let per_candle = daily / 1000 * req.frequency.volume_per_mille();
    let mut close = inst.tape.last;
    let mut out = Vec::with_capacity(times.len());
    for &time in times.iter().rev() {
        let open = round_to_tick(close * (Decimal::ONE - draw(&mut rng, scale, 1000)), tick);
        let top = open.max(close);
        let bottom = open.min(close);
        let up = scale * Decimal::new(rng.random_range(0..=600), 3);
        let down = scale * Decimal::new(rng.random_range(0..=600), 3);
        let high = round_to_tick(top * (Decimal::ONE + up), tick).max(top);
        let low = round_to_tick(bottom * (Decimal::ONE - down), tick).min(bottom);
        let volume = per_candle / 2 + rng.random_range(0..=per_candle.max(1));
        out.push(json!({
            "open": num(open),
            "high": num(high),
            "low": num(low),
            "close": num(close),
            "volume": volume,
            "datetime": time,
        }));
        let gap = draw(&mut rng, scale, 100);
        close = round_to_tick(open * (Decimal::ONE - trend + gap), tick);
    }
    out.reverse();
    out
}

/// `GET /marketdata/v1/pricehistory?symbol=..&periodType=..&period=..&frequencyType=..
/// &frequency=..[&startDate=ms][&endDate=ms][&needExtendedHoursData][&needPreviousClose]`.
///
/// History exists for equities, ETFs and indexes; any other or unknown symbol answers 200
/// with no candles and `empty: true`, as the real API does for symbols it has no history for.
pub(crate) async fn price_history(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(symbol) = query
        .get("symbol")
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
    else {
        return errors::bad_parameter("symbol", "symbol is a required parameter");
    };
    let (state, now) = app.market_state();
    let req = match parse(&query, now) {
        Ok(req) => req,
        Err(bad) => return bad.into_response(),
    };
    let inst = state
        .market
        .lookup(&symbol)
        .filter(|i| matches!(i.kind, Kind::Equity | Kind::Etf | Kind::Index));
    let list = inst
        .map(|i| candles(i, &req, state.market.seed))
        .unwrap_or_default();
    let empty = list.is_empty();
    let mut body = json!({ "candles": list, "symbol": symbol, "empty": empty });
    if let (true, Some(inst)) = (req.previous_close, inst) {
        let day = hours::previous_trading_day(hours::eastern_date(now));
        body["previousClose"] = num(inst.tape.close);
        body["previousCloseDate"] = json!(central_midnight(day));
    }
    errors::json(StatusCode::OK, body)
}
