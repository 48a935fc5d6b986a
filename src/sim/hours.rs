//! US/Eastern time, the trading calendar, and the market-hours endpoints (`/markets`,
//! `/markets/{market_id}`). Daylight saving follows the US rule; holidays are the NYSE full
//! closures of 2026 and 2027, the years the demo runs in.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use serde_json::{Map, Value, json};

use super::App;
use super::errors::{self, BadParameter};

/// NYSE full-day closures the sim knows about.
///
/// Limitation: early closes (13:00 the day after Thanksgiving, Christmas Eve) are not modelled,
/// and years outside 2026-2027 only know weekends.
const HOLIDAYS: &[(i32, u32, u32)] = &[
    (2026, 1, 1),
    (2026, 1, 19),
    (2026, 2, 16),
    (2026, 4, 3),
    (2026, 5, 25),
    (2026, 6, 19),
    (2026, 7, 3),
    (2026, 9, 7),
    (2026, 11, 26),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 1, 18),
    (2027, 2, 15),
    (2027, 3, 26),
    (2027, 5, 31),
    (2027, 6, 18),
    (2027, 7, 5),
    (2027, 9, 6),
    (2027, 11, 25),
    (2027, 12, 24),
];

/// The `n`th given weekday of a month (1-based).
pub(crate) fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n as u8)
}

/// Whether a wall-clock time in New York falls in daylight saving time.
///
/// `standard` is the local time computed with the standard offset (-05:00); the change happens
/// at 02:00 standard time in March and at 01:00 standard time (02:00 daylight) in November.
fn is_dst(standard: NaiveDateTime) -> bool {
    let year = standard.year();
    let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or(NaiveTime::MIN);
    let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN);
    let (Some(start), Some(end)) = (
        nth_weekday(year, 3, Weekday::Sun, 2),
        nth_weekday(year, 11, Weekday::Sun, 1),
    ) else {
        return false;
    };
    standard >= start.and_time(two) && standard < end.and_time(one)
}

const EST: i32 = -5 * 3600;
const EDT: i32 = -4 * 3600;

/// The New York offset in force at an instant.
pub(crate) fn eastern_offset_at(t: DateTime<Utc>) -> FixedOffset {
    let standard = t.naive_utc() + Duration::seconds(i64::from(EST));
    let secs = if is_dst(standard) { EDT } else { EST };
    fixed(secs)
}

/// A fixed offset of `secs` east of UTC (the two used here are always in range).
fn fixed(secs: i32) -> FixedOffset {
    FixedOffset::east_opt(secs).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

/// An instant as New York local time.
pub(crate) fn to_eastern(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&eastern_offset_at(t))
}

/// A New York wall-clock time on `date` as an instant.
///
/// The offset is decided at noon of that date, which is exact for every time the market uses.
pub(crate) fn eastern(date: NaiveDate, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    let noon = date.and_hms_opt(12, 0, 0).unwrap_or_default();
    let secs = if is_dst(noon) { EDT } else { EST };
    let offset = fixed(secs);
    let local = date.and_hms_opt(hour, minute, 0).unwrap_or_default();
    offset
        .from_local_datetime(&local)
        .single()
        .unwrap_or_else(|| offset.from_utc_datetime(&local))
}

/// Today's date in New York on the sim clock.
pub(crate) fn eastern_date(t: DateTime<Utc>) -> NaiveDate {
    to_eastern(t).date_naive()
}

/// Whether US equity markets trade on `date`.
pub(crate) fn is_trading_day(date: NaiveDate) -> bool {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    !HOLIDAYS
        .iter()
        .any(|&(y, m, d)| date.year() == y && date.month() == m && date.day() == d)
}

/// The trading day before `date`.
pub(crate) fn previous_trading_day(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    for _ in 0..10 {
        day = day.pred_opt().unwrap_or(day);
        if is_trading_day(day) {
            break;
        }
    }
    day
}

/// Which equity session an instant falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Session {
    Pre,
    Regular,
    Post,
    Closed,
}

/// The equity session at an instant: pre 07:00, regular 09:30-16:00, post until 20:00 ET.
/// When the simulated market trades.
///
/// The demo and the tests trade around the clock, so an order fills and a test passes
/// whatever the hour a user or CI runs it; `Exchange` follows the NYSE calendar and hours, for
/// trying a client against realistic sessions (`palmtree sim --exchange-hours`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionHours {
    #[default]
    AroundTheClock,
    Exchange,
}

/// The session at `t` under `hours`.
pub(crate) fn session_for(hours: SessionHours, t: DateTime<Utc>) -> Session {
    match hours {
        SessionHours::AroundTheClock => Session::Regular,
        SessionHours::Exchange => session_at(t),
    }
}

pub(crate) fn session_at(t: DateTime<Utc>) -> Session {
    let local = to_eastern(t);
    if !is_trading_day(local.date_naive()) {
        return Session::Closed;
    }
    let minutes = local.hour_minutes();
    match minutes {
        m if (7 * 60..9 * 60 + 30).contains(&m) => Session::Pre,
        m if (9 * 60 + 30..16 * 60).contains(&m) => Session::Regular,
        m if (16 * 60..20 * 60).contains(&m) => Session::Post,
        _ => Session::Closed,
    }
}

trait HourMinutes {
    fn hour_minutes(&self) -> u32;
}

impl HourMinutes for DateTime<FixedOffset> {
    fn hour_minutes(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

fn interval(date: NaiveDate, from: (u32, u32), to: (u32, u32)) -> Value {
    let fmt = "%Y-%m-%dT%H:%M:%S%:z";
    json!([{
        "start": eastern(date, from.0, from.1).format(fmt).to_string(),
        "end": eastern(date, to.0, to.1).format(fmt).to_string(),
    }])
}

/// The markets the sim models; bond, future and forex hours are accepted but not modelled.
const MARKETS: &[&str] = &["equity", "option", "bond", "future", "forex"];

/// The hours of one market on one date, keyed by product as Schwab keys them.
///
/// On a closed day the product key is the market name and there are no session hours.
/// Limitation: that closed-day shape is remembered from TD Ameritrade-era answers, not taken
/// from a captured Schwab payload.
fn market_hours(market: &str, date: NaiveDate, hours: SessionHours) -> Option<Value> {
    if hours == SessionHours::AroundTheClock {
        return around_the_clock(market, date);
    }
    let day = date.format("%Y-%m-%d").to_string();
    let open = is_trading_day(date);
    let (market_type, products): (&str, Vec<(&str, &str, Value)>) = match market {
        "equity" => (
            "EQUITY",
            vec![(
                "EQ",
                "equity",
                json!({
                    "preMarket": interval(date, (7, 0), (9, 30)),
                    "regularMarket": interval(date, (9, 30), (16, 0)),
                    "postMarket": interval(date, (16, 0), (20, 0)),
                }),
            )],
        ),
        "option" => (
            "OPTION",
            vec![
                (
                    "EQO",
                    "equity option",
                    json!({ "regularMarket": interval(date, (9, 30), (16, 0)) }),
                ),
                (
                    "IND",
                    "index option",
                    json!({ "regularMarket": interval(date, (9, 30), (16, 15)) }),
                ),
            ],
        ),
        _ => return None,
    };
    let mut out = Map::new();
    if !open {
        out.insert(
            market.to_owned(),
            json!({ "date": day, "marketType": market_type, "product": market, "isOpen": false }),
        );
        return Some(Value::Object(out));
    }
    for (product, name, sessions) in products {
        out.insert(
            product.to_owned(),
            json!({
                "date": day,
                "marketType": market_type,
                "product": product,
                "productName": name,
                "isOpen": true,
                "sessionHours": sessions,
            }),
        );
    }
    Some(Value::Object(out))
}

/// Hours of a market that never closes: one regular session from midnight to midnight, New
/// York time, every day.
fn around_the_clock(market: &str, date: NaiveDate) -> Option<Value> {
    let (market_type, products): (&str, &[(&str, &str)]) = match market {
        "equity" => ("EQUITY", &[("EQ", "equity")]),
        "option" => (
            "OPTION",
            &[("EQO", "equity option"), ("IND", "index option")],
        ),
        _ => return None,
    };
    let next = date.succ_opt().unwrap_or(date);
    let fmt = "%Y-%m-%dT%H:%M:%S%:z";
    let whole_day = json!([{
        "start": eastern(date, 0, 0).format(fmt).to_string(),
        "end": eastern(next, 0, 0).format(fmt).to_string(),
    }]);
    let mut out = Map::new();
    for (product, name) in products {
        out.insert(
            (*product).to_owned(),
            json!({
                "date": date.format("%Y-%m-%d").to_string(),
                "marketType": market_type,
                "product": product,
                "productName": name,
                "isOpen": true,
                "sessionHours": { "regularMarket": whole_day },
            }),
        );
    }
    Some(Value::Object(out))
}

/// Reads the optional `date` parameter: today (New York) up to one year ahead.
fn requested_date(app: &App, query: &HashMap<String, String>) -> Result<NaiveDate, BadParameter> {
    let today = eastern_date(app.now());
    let Some(raw) = query.get("date").filter(|d| !d.is_empty()) else {
        return Ok(today);
    };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| BadParameter::new("date", "date should be in the format yyyy-MM-dd"))?;
    let last = today
        .checked_add_signed(Duration::days(365))
        .unwrap_or(today);
    if date < today || date > last {
        let detail = "Valid date range is from current date to 1 year from today";
        return Err(BadParameter::new("date", detail));
    }
    Ok(date)
}

/// `GET /marketdata/v1/markets?markets=equity,option[&date=YYYY-MM-DD]`.
pub(crate) async fn markets(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let date = match requested_date(&app, &query) {
        Ok(date) => date,
        Err(bad) => return bad.into_response(),
    };
    let wanted: Vec<String> = query
        .get("markets")
        .map(|m| {
            m.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
        })
        .into_iter()
        .flatten()
        .collect();
    if wanted.is_empty() {
        return errors::bad_parameter("markets", "markets is a required parameter");
    }
    if let Some(bad) = wanted.iter().find(|m| !MARKETS.contains(&m.as_str())) {
        let detail =
            format!("{bad} is not a valid market: use equity, option, bond, future, forex");
        return errors::bad_parameter("markets", &detail);
    }
    let mut body = Map::new();
    for market in &wanted {
        if let Some(hours) = market_hours(market, date, app.lock().market.hours) {
            body.insert(market.clone(), hours);
        }
    }
    errors::json(StatusCode::OK, Value::Object(body))
}

/// `GET /marketdata/v1/markets/{market_id}[?date=YYYY-MM-DD]`.
pub(crate) async fn market(
    State(app): State<App>,
    Path(market_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let market_id = market_id.to_ascii_lowercase();
    if !MARKETS.contains(&market_id.as_str()) {
        return errors::market(StatusCode::NOT_FOUND, Some("market not found"), None);
    }
    let date = match requested_date(&app, &query) {
        Ok(date) => date,
        Err(bad) => return bad.into_response(),
    };
    let mut body = Map::new();
    if let Some(hours) = market_hours(&market_id, date, app.lock().market.hours) {
        body.insert(market_id, hours);
    }
    errors::json(StatusCode::OK, Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn offsets_follow_us_daylight_saving() {
        assert_eq!(
            eastern(date(2026, 12, 3), 9, 30).to_rfc3339(),
            "2026-12-03T09:30:00-05:00"
        );
        assert_eq!(
            eastern(date(2027, 7, 1), 9, 30).to_rfc3339(),
            "2027-07-01T09:30:00-04:00"
        );
        assert_eq!(
            eastern(date(2027, 3, 15), 16, 0).to_rfc3339(),
            "2027-03-15T16:00:00-04:00"
        );
    }

    #[test]
    fn weekends_and_holidays_are_closed() {
        assert!(is_trading_day(date(2026, 12, 3)));
        assert!(!is_trading_day(date(2026, 12, 5)));
        assert!(!is_trading_day(date(2026, 12, 25)));
        assert_eq!(previous_trading_day(date(2026, 12, 28)), date(2026, 12, 24));
    }

    #[test]
    fn sessions_split_the_day() {
        let at = |h, m| eastern(date(2026, 12, 3), h, m).with_timezone(&Utc);
        assert_eq!(session_at(at(8, 0)), Session::Pre);
        assert_eq!(session_at(at(10, 0)), Session::Regular);
        assert_eq!(session_at(at(17, 0)), Session::Post);
        assert_eq!(session_at(at(22, 0)), Session::Closed);
    }
}
