//! Helpers for the order and fault tests: a sim in the regular session, order bodies, the
//! order list window, and reads of quotes, cash and positions.

use std::time::Duration;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc, Weekday};
use palmtree::sim::{Sim, SimOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{f, get_ok, login};

pub const MARGIN: &str = "99990042";
pub const CASH: &str = "99990077";

/// How far to move a clock now at `now` to reach the next Wednesday at `hour`:00 UTC, at least
/// a day ahead. 15:00 UTC is 10:00 or 11:00 in New York; no 2026-2027 holiday is a Wednesday.
pub fn until_wednesday(now: DateTime<Utc>, hour: u32) -> Duration {
    let mut target = now + TimeDelta::days(1);
    while target.weekday() != Weekday::Wed {
        target += TimeDelta::days(1);
    }
    let target = target
        .with_hour(hour)
        .unwrap()
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap();
    (target - now).to_std().unwrap()
}

/// A sim on exchange hours with `tick`, its clock on a Wednesday morning's regular session,
/// and a token, so session rules (DAY expiry, AM/PM orders) can be tested.
pub async fn session_sim(tick: Duration) -> (Sim, String) {
    let sim = Sim::start(SimOptions {
        tick,
        hours: palmtree::sim::SessionHours::Exchange,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    sim.clock().advance(until_wednesday(sim.clock().now(), 15));
    let token = login(&sim).await.access;
    (sim, token)
}

/// The hash of a demo account number.
pub async fn hash_of(sim: &Sim, token: &str, number: &str) -> String {
    let list = get_ok(sim, "/trader/v1/accounts/accountNumbers", token).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["accountNumber"] == number)
        .map(|a| a["hashValue"].as_str().unwrap().to_owned())
        .unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// An order with one leg; `extra` is merged into the top level.
pub fn order(
    order_type: &str,
    instruction: &str,
    symbol: &str,
    asset: &str,
    quantity: u64,
    extra: Value,
) -> Value {
    let mut body = json!({
        "session": "NORMAL",
        "duration": "DAY",
        "orderType": order_type,
        "orderStrategyType": "SINGLE",
        "orderLegCollection": [{
            "instruction": instruction,
            "quantity": quantity,
            "instrument": { "symbol": symbol, "assetType": asset }
        }]
    });
    if let (Some(target), Value::Object(more)) = (body.as_object_mut(), extra) {
        target.extend(more);
    }
    body
}

pub fn limit(instruction: &str, symbol: &str, quantity: u64, price: &str) -> Value {
    order(
        "LIMIT",
        instruction,
        symbol,
        "EQUITY",
        quantity,
        json!({ "price": price }),
    )
}

pub fn market(instruction: &str, symbol: &str, quantity: u64) -> Value {
    order("MARKET", instruction, symbol, "EQUITY", quantity, json!({}))
}

/// Sends a JSON body with a method to a path under the sim.
pub async fn send(
    sim: &Sim,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = client()
        .request(method, format!("{}{path}", sim.base_url()))
        .bearer_auth(token)
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await
}

/// POSTs an order; the raw response.
pub async fn place(sim: &Sim, token: &str, hash: &str, body: &Value) -> reqwest::Response {
    let path = format!("/trader/v1/accounts/{hash}/orders");
    send(sim, token, reqwest::Method::POST, &path, Some(body))
        .await
        .unwrap()
}

/// POSTs an order that must be accepted; its id from `Location`.
pub async fn place_ok(sim: &Sim, token: &str, hash: &str, body: &Value) -> i64 {
    let response = place(sim, token, hash, body).await;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(text.is_empty(), "201 has an empty body: {text}");
    id_from_location(&location.unwrap(), hash)
}

/// The order id at the end of a `Location`, checking the rest of the URL.
pub fn id_from_location(location: &str, hash: &str) -> i64 {
    let prefix = format!("/trader/v1/accounts/{hash}/orders/");
    let at = location
        .find(&prefix)
        .expect("Location names the account's orders");
    let id = &location[at + prefix.len()..];
    assert_eq!(id.len(), 13, "a 13-digit order id: {location}");
    id.parse().unwrap()
}

/// Schwab's query time form, `yyyy-MM-dd'T'HH:mm:ss.SSSZ`.
pub fn query_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The list query for orders entered within an hour either side of the sim's now.
pub fn window(sim: &Sim) -> String {
    let now = sim.clock().now();
    format!(
        "fromEnteredTime={}&toEnteredTime={}",
        query_time(now - TimeDelta::hours(1)),
        query_time(now + TimeDelta::hours(1))
    )
}

pub async fn list(sim: &Sim, token: &str, hash: &str) -> Vec<Value> {
    let path = format!("/trader/v1/accounts/{hash}/orders?{}", window(sim));
    get_ok(sim, &path, token).await.as_array().unwrap().clone()
}

pub async fn get_order(sim: &Sim, token: &str, hash: &str, id: i64) -> Value {
    get_ok(
        sim,
        &format!("/trader/v1/accounts/{hash}/orders/{id}"),
        token,
    )
    .await
}

/// (bid, ask, last) of a symbol.
pub async fn quote(sim: &Sim, token: &str, symbol: &str) -> (f64, f64, f64) {
    let encoded: String = url::form_urlencoded::byte_serialize(symbol.as_bytes()).collect();
    let body = get_ok(
        sim,
        &format!("/marketdata/v1/quotes?symbols={encoded}&fields=quote"),
        token,
    )
    .await;
    let q = &body[symbol]["quote"];
    (f(&q["bidPrice"]), f(&q["askPrice"]), f(&q["lastPrice"]))
}

pub async fn account(sim: &Sim, token: &str, hash: &str) -> Value {
    get_ok(
        sim,
        &format!("/trader/v1/accounts/{hash}?fields=positions"),
        token,
    )
    .await
}

pub async fn cash(sim: &Sim, token: &str, hash: &str) -> f64 {
    let a = account(sim, token, hash).await;
    f(&a["securitiesAccount"]["currentBalances"]["cashBalance"])
}

pub async fn position(sim: &Sim, token: &str, hash: &str, symbol: &str) -> Option<Value> {
    let a = account(sim, token, hash).await;
    a["securitiesAccount"]["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instrument"]["symbol"] == symbol)
        .cloned()
}

/// Rounds to a cent as text, the way a client would type a price.
pub fn cents(x: f64) -> String {
    format!("{:.2}", (x * 100.0).round() / 100.0)
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}
