//! The order endpoints: place, replace, cancel, get, list (per account and across accounts)
//! and preview, with Schwab's status codes: 201 with an empty body and a `Location` for place
//! and replace, 200 with an empty body for cancel, 400 in the trader error shape for anything
//! refused, 404 for an order or account the caller cannot see.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::Value;

use super::accounts::DemoAccount;
use super::conn::DropConnection;
use super::errors;
use super::matching;
use super::order_json;
use super::order_rules;
use super::orders::{
    self, Activity, ExecLeg, Malformed, Order, OrderBook, OrderFault, OrderSpec, STATUS_NAMES,
    Status,
};
use super::{App, OrderCall, SimState};

/// The most orders one list answers with, and the default (the spec's 3000).
const MAX_RESULTS: usize = 3000;
/// How far back `GET /orders` (all accounts) may start.
const ALL_ACCOUNTS_WINDOW: TimeDelta = TimeDelta::days(60);
/// The longest range a list may span.
const MAX_RANGE: TimeDelta = TimeDelta::days(365);

const ORDERS_ROUTE: &str = "/trader/v1/accounts/{account_hash}/orders";

fn not_found(id: i64) -> Response {
    errors::trader(
        StatusCode::NOT_FOUND,
        "Order not found",
        &[&format!("No order {id} in this account")],
    )
}

/// An order id from the path; the problems of a 400 otherwise (a small `Err` keeps the
/// `Result` cheap, the response is built at the handler's edge).
fn parse_id(raw: &str) -> Result<i64, Vec<String>> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| vec![format!("orderId {raw} is not a valid order id")])
}

/// The 201 of place and replace: no body, the new order's URL in `Location`, and the
/// connection dropped instead when the accept-then-drop switch applied.
fn created(
    state: &mut SimState,
    port: u16,
    hash: &str,
    id: i64,
    switches: &[OrderFault],
) -> Response {
    let mut response = StatusCode::CREATED.into_response();
    let location = format!("http://127.0.0.1:{port}/trader/v1/accounts/{hash}/orders/{id}");
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    for s in switches {
        let kind = match s {
            OrderFault::AcceptThenDrop => {
                response.extensions_mut().insert(DropConnection);
                "accept-then-drop"
            }
            OrderFault::DelayAppearance(_) => "delay-appearance",
        };
        state.stats.count_fault(ORDERS_ROUTE, kind);
    }
    response
}

/// Parses and checks an order for an account; the problems of the 400 when it cannot be
/// taken.
fn vet(
    state: &SimState,
    acct: &DemoAccount,
    body: &[u8],
    now: DateTime<Utc>,
    replacing: Option<i64>,
) -> Result<OrderSpec, Vec<String>> {
    let spec = orders::parse(body, &state.market).map_err(|Malformed(problems)| problems)?;
    let findings = order_rules::check(&spec, acct, &state.market, &state.orders, now, replacing);
    if findings.rejects.is_empty() {
        Ok(spec)
    } else {
        Err(findings.rejects)
    }
}

/// `POST /trader/v1/accounts/{hash}/orders`.
pub(crate) async fn place(
    State(app): State<App>,
    Path(hash): Path<String>,
    body: Bytes,
) -> Response {
    let (mut guard, now) = app.market_state();
    let state = &mut *guard;
    state.stats.count_order_call(&hash, OrderCall::Post);
    let Some(acct) = state.accounts.by_hash(&hash).cloned() else {
        return errors::unknown_account();
    };
    let spec = match vet(state, &acct, &body, now, None) {
        Ok(spec) => spec,
        Err(problems) => return errors::bad_request(&problems),
    };
    let (id, switches) = state.orders.accept(&acct, spec, now, state.market.hours);
    matching::run(&mut state.orders, &mut state.accounts, &state.market, now);
    created(state, app.port(), &hash, id, &switches)
}

/// `PUT /trader/v1/accounts/{hash}/orders/{orderId}`: a new order replaces an open one.
pub(crate) async fn replace(
    State(app): State<App>,
    Path((hash, raw_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (mut guard, now) = app.market_state();
    let state = &mut *guard;
    state.stats.count_order_call(&hash, OrderCall::Put);
    let Some(acct) = state.accounts.by_hash(&hash).cloned() else {
        return errors::unknown_account();
    };
    let old_id = match parse_id(&raw_id) {
        Ok(id) => id,
        Err(problems) => return errors::bad_request(&problems),
    };
    let Some(old) = visible(&state.orders, &hash, old_id, now) else {
        return not_found(old_id);
    };
    if !old.cancelable() {
        let status = old.status.as_str();
        return errors::bad_request(&[format!(
            "Order {old_id} cannot be replaced: its status is {status}"
        )]);
    }
    let spec = match vet(state, &acct, &body, now, Some(old_id)) {
        Ok(spec) => spec,
        Err(problems) => return errors::bad_request(&problems),
    };
    let (id, switches) = state.orders.accept(&acct, spec, now, state.market.hours);
    if let Some(old) = state.orders.get_mut(old_id) {
        old.replaced_by = Some(id);
        old.close(Status::Replaced, now);
    }
    matching::run(&mut state.orders, &mut state.accounts, &state.market, now);
    created(state, app.port(), &hash, id, &switches)
}

/// `DELETE /trader/v1/accounts/{hash}/orders/{orderId}`.
pub(crate) async fn cancel(
    State(app): State<App>,
    Path((hash, raw_id)): Path<(String, String)>,
) -> Response {
    let (mut guard, now) = app.market_state();
    let state = &mut *guard;
    state.stats.count_order_call(&hash, OrderCall::Delete);
    if state.accounts.by_hash(&hash).is_none() {
        return errors::unknown_account();
    }
    let id = match parse_id(&raw_id) {
        Ok(id) => id,
        Err(problems) => return errors::bad_request(&problems),
    };
    let Some(order) = visible(&state.orders, &hash, id, now) else {
        return not_found(id);
    };
    if !order.cancelable() {
        let status = order.status.as_str();
        return errors::bad_request(&[format!(
            "Order {id} cannot be canceled: its status is {status}"
        )]);
    }
    let activity = state.orders.new_activity_id();
    let market = &state.market;
    if let Some(order) = state.orders.get_mut(id) {
        let legs = order
            .spec
            .legs
            .iter()
            .map(|l| ExecLeg {
                leg_id: l.leg_id,
                quantity: l.quantity,
                price: Default::default(),
                time: now,
                instrument_id: market.lookup(&l.symbol).map(|i| i.ssid).unwrap_or_default(),
            })
            .collect();
        order.activities.push(Activity {
            id: activity,
            canceled: true,
            quantity: order.spec.quantity - order.filled_quantity,
            remaining: Default::default(),
            legs,
        });
        order.close(Status::Canceled, now);
    }
    StatusCode::OK.into_response()
}

/// An order of `hash` that GETs may show at `now`.
fn visible<'a>(book: &'a OrderBook, hash: &str, id: i64, now: DateTime<Utc>) -> Option<&'a Order> {
    book.get(id)
        .filter(|o| o.account_hash == hash && o.visible_at <= now)
}

/// `GET /trader/v1/accounts/{hash}/orders/{orderId}`.
pub(crate) async fn one(
    State(app): State<App>,
    Path((hash, raw_id)): Path<(String, String)>,
) -> Response {
    let (state, now) = app.market_state();
    if state.accounts.by_hash(&hash).is_none() {
        return errors::unknown_account();
    }
    let id = match parse_id(&raw_id) {
        Ok(id) => id,
        Err(problems) => return errors::bad_request(&problems),
    };
    match visible(&state.orders, &hash, id, now) {
        Some(order) => errors::json(
            StatusCode::OK,
            order_json::order(order, &state.orders, &state.market),
        ),
        None => not_found(id),
    }
}

/// The filters of an order list.
struct ListQuery {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
    status: Option<String>,
}

/// Reads `yyyy-MM-dd'T'HH:mm:ss.SSSZ` (and the other ISO forms clients send).
///
/// A `+` in an unencoded query arrives as a space, so a space is read as `+` again.
fn parse_query_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().replace(' ', "+");
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

fn list_query(
    query: &HashMap<String, String>,
    now: DateTime<Utc>,
    all_accounts: bool,
) -> Result<ListQuery, Vec<String>> {
    let mut problems = Vec::new();
    let mut time = |name: &str| -> Option<DateTime<Utc>> {
        match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => {
                problems.push(format!(
                    "{name} is required, in the format yyyy-MM-dd'T'HH:mm:ss.SSSZ"
                ));
                None
            }
            Some(raw) => {
                let parsed = parse_query_time(raw);
                if parsed.is_none() {
                    problems.push(format!(
                        "{name} '{raw}' is not in the format yyyy-MM-dd'T'HH:mm:ss.SSSZ"
                    ));
                }
                parsed
            }
        }
    };
    let from = time("fromEnteredTime");
    let to = time("toEnteredTime");
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            problems.push("fromEnteredTime must be before toEnteredTime".to_owned());
        }
        if to - from > MAX_RANGE {
            problems.push("The date range cannot be longer than 1 year".to_owned());
        }
        if all_accounts && from < now - ALL_ACCOUNTS_WINDOW {
            problems.push("fromEnteredTime must be within 60 days from today's date".to_owned());
        }
    }
    let max = match query.get("maxResults").map(|v| v.trim()) {
        None | Some("") => MAX_RESULTS,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_RESULTS),
            _ => {
                problems.push(format!("maxResults {raw} must be a positive whole number"));
                MAX_RESULTS
            }
        },
    };
    let status = match query.get("status").map(|v| v.trim().to_ascii_uppercase()) {
        None => None,
        Some(s) if s.is_empty() => None,
        Some(s) if STATUS_NAMES.contains(&s.as_str()) => Some(s),
        Some(s) => {
            problems.push(format!("status {s} is not a valid order status"));
            None
        }
    };
    match (from, to) {
        (Some(from), Some(to)) if problems.is_empty() => Ok(ListQuery {
            from,
            to,
            max,
            status,
        }),
        _ => Err(problems),
    }
}

/// The orders a list shows, newest first.
fn listed(state: &SimState, hash: Option<&str>, q: &ListQuery, now: DateTime<Utc>) -> Value {
    let mut found: Vec<&Order> = state
        .orders
        .orders
        .iter()
        .filter(|o| hash.is_none_or(|h| o.account_hash == h))
        .filter(|o| o.visible_at <= now)
        .filter(|o| o.entered >= q.from && o.entered <= q.to)
        .filter(|o| q.status.as_deref().is_none_or(|s| o.status.as_str() == s))
        .collect();
    found.sort_by(|a, b| b.entered.cmp(&a.entered).then(b.id.cmp(&a.id)));
    Value::Array(
        found
            .into_iter()
            .take(q.max)
            .map(|o| order_json::order(o, &state.orders, &state.market))
            .collect(),
    )
}

/// `GET /trader/v1/accounts/{hash}/orders?fromEnteredTime&toEnteredTime[&maxResults&status]`.
pub(crate) async fn list(
    State(app): State<App>,
    Path(hash): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (state, now) = app.market_state();
    if state.accounts.by_hash(&hash).is_none() {
        return errors::unknown_account();
    }
    match list_query(&query, now, false) {
        Ok(q) => errors::json(StatusCode::OK, listed(&state, Some(&hash), &q, now)),
        Err(problems) => errors::bad_request(&problems),
    }
}

/// `GET /trader/v1/orders?…`: every linked account's orders, starting within 60 days.
pub(crate) async fn list_all(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (state, now) = app.market_state();
    match list_query(&query, now, true) {
        Ok(q) => errors::json(StatusCode::OK, listed(&state, None, &q, now)),
        Err(problems) => errors::bad_request(&problems),
    }
}

/// `POST /trader/v1/accounts/{hash}/previewOrder`: 200 with the verdict, whether ACCEPTED or
/// REJECTED; only an order too malformed to judge gets a 400.
pub(crate) async fn preview(
    State(app): State<App>,
    Path(hash): Path<String>,
    body: Bytes,
) -> Response {
    let (mut guard, now) = app.market_state();
    let state = &mut *guard;
    state.stats.count_order_call(&hash, OrderCall::Preview);
    let Some(acct) = state.accounts.by_hash(&hash) else {
        return errors::unknown_account();
    };
    let spec = match orders::parse(&body, &state.market) {
        Ok(spec) => spec,
        Err(Malformed(problems)) => return errors::bad_request(&problems),
    };
    let findings = order_rules::check(&spec, acct, &state.market, &state.orders, now, None);
    let reserved = order_rules::reserved(acct, &state.market, &state.orders, None);
    let body = order_json::preview(&spec, acct, &state.market, &findings, reserved, now);
    errors::json(StatusCode::OK, body)
}
