//! The simulator's orders over real HTTP: place (201, empty body, Location), list with the
//! real query parameters, fills against the walk that move cash and positions by exactly
//! quantity times price, cancel, replace, preview rejects and commissions, short sales, DAY
//! expiry, and the accept-then-drop and delayed-appearance switches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim_support;

use std::time::Duration;

use chrono::TimeDelta;
use palmtree::sim::{FaultScope, OrderFault, Sim};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sim_support::orders::*;
use sim_support::{SLOW_TICK, f, get, get_ok, login};

/// A walk tick short enough that a few simulated hours hold thousands of price steps.
const FAST_TICK: Duration = Duration::from_secs(5);

/// Asserts a trader-API 400 body: `{"message": …, "errors": […]}` naming `needle`.
async fn assert_400(response: reqwest::Response, needle: &str) -> Value {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].is_string(), "{body}");
    let errors = body["errors"].as_array().expect("errors is an array");
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains(needle)),
        "no error mentions {needle:?}: {body}"
    );
    body
}

/// Advances the clock a minute at a time until the order leaves `from`; its final JSON.
///
/// Logs in again every 20 simulated minutes, since an access token lasts 30.
async fn wait_while(sim: &Sim, token: &mut String, hash: &str, id: i64, from: &str) -> Value {
    for n in 0..400 {
        if n % 20 == 19 {
            *token = login(sim).await.access;
        }
        let o = get_order(sim, token, hash, id).await;
        if o["status"] != from {
            return o;
        }
        sim.clock().advance(Duration::from_secs(60));
    }
    panic!("order {id} stayed {from}");
}

#[tokio::test]
async fn a_limit_buy_is_listed_working_then_fills_when_the_walk_crosses() {
    let (sim, token) = session_sim(FAST_TICK).await;
    let hash = hash_of(&sim, &token, CASH).await;
    let (bid, _, _) = quote(&sim, &token, "AAPL").await;
    let price = cents(bid * 0.998);
    let cash_before = cash(&sim, &token, &hash).await;
    let entered = sim.clock().now();

    let id = place_ok(&sim, &token, &hash, &limit("BUY", "AAPL", 5, &price)).await;

    let listed = list(&sim, &token, &hash).await;
    assert_eq!(listed.len(), 1);
    let o = &listed[0];
    assert_eq!(o["orderId"], id);
    assert_eq!(o["status"], "WORKING");
    assert_eq!(o["cancelable"], true);
    assert_eq!(o["editable"], true);
    assert_eq!(o["orderType"], "LIMIT");
    assert_eq!(f(&o["price"]), price.parse::<f64>().unwrap());
    assert_eq!(f(&o["quantity"]), 5.0);
    assert_eq!(f(&o["filledQuantity"]), 0.0);
    assert_eq!(f(&o["remainingQuantity"]), 5.0);
    assert_eq!(o["accountNumber"], CASH.parse::<u64>().unwrap());
    assert_eq!(o["requestedDestination"], "AUTO");
    let leg = &o["orderLegCollection"][0];
    assert_eq!(leg["instruction"], "BUY");
    assert_eq!(leg["positionEffect"], "OPENING");
    assert_eq!(leg["orderLegType"], "EQUITY");
    assert_eq!(leg["instrument"]["symbol"], "AAPL");
    assert_eq!(leg["instrument"]["cusip"], "037833100");
    assert!(leg["instrument"].get("name").is_none());
    let time = o["enteredTime"].as_str().unwrap();
    assert!(time.ends_with("+0000") && time.len() == 24, "{time}");

    // The window is respected: an order entered after `toEnteredTime` is not listed.
    let before = format!(
        "/trader/v1/accounts/{hash}/orders?fromEnteredTime={}&toEnteredTime={}",
        query_time(entered - TimeDelta::hours(2)),
        query_time(entered - TimeDelta::minutes(1)),
    );
    assert_eq!(get_ok(&sim, &before, &token).await, json!([]));
    let filtered = format!(
        "/trader/v1/accounts/{hash}/orders?{}&status=FILLED",
        window(&sim)
    );
    assert_eq!(get_ok(&sim, &filtered, &token).await, json!([]));

    let mut token = token;
    let filled = wait_while(&sim, &mut token, &hash, id, "WORKING").await;
    assert_eq!(filled["status"], "FILLED", "{filled}");
    assert_eq!(filled["cancelable"], false);
    assert_eq!(f(&filled["filledQuantity"]), 5.0);
    assert_eq!(f(&filled["remainingQuantity"]), 0.0);
    assert!(filled["closeTime"].is_string());
    let activity = &filled["orderActivityCollection"][0];
    assert_eq!(activity["activityType"], "EXECUTION");
    assert_eq!(activity["executionType"], "FILL");
    assert_eq!(f(&activity["quantity"]), 5.0);
    let exec = &activity["executionLegs"][0];
    assert_eq!(exec["legId"], 1);
    assert_eq!(f(&exec["quantity"]), 5.0);
    let fill_price = f(&exec["price"]);
    assert_eq!(
        fill_price,
        price.parse::<f64>().unwrap(),
        "a resting limit fills at its limit"
    );

    let cash_after = cash(&sim, &token, &hash).await;
    assert!(
        close(cash_before - cash_after, 5.0 * fill_price),
        "{cash_before} - {cash_after} != 5 x {fill_price}"
    );
    let p = position(&sim, &token, &hash, "AAPL")
        .await
        .expect("an AAPL position");
    assert_eq!(f(&p["longQuantity"]), 5.0);
    assert!(close(f(&p["averagePrice"]), fill_price));
}

#[tokio::test]
async fn the_list_needs_both_times_and_at_most_a_year() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let now = sim.clock().now();
    let path = |q: &str| format!("/trader/v1/accounts/{hash}/orders{q}");

    for q in [
        String::new(),
        format!("?fromEnteredTime={}", query_time(now)),
        format!("?toEnteredTime={}", query_time(now)),
    ] {
        let (status, _, body) = get(&sim, &path(&q), Some(&token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("is required"),
            "{body}"
        );
        assert!(body["errors"].is_array());
    }
    let too_long = format!(
        "?fromEnteredTime={}&toEnteredTime={}",
        query_time(now - TimeDelta::days(400)),
        query_time(now)
    );
    let (status, _, body) = get(&sim, &path(&too_long), Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0].as_str().unwrap().contains("1 year"),
        "{body}"
    );
    let (status, _, _) = get(
        &sim,
        &path("?fromEnteredTime=yesterday&toEnteredTime=x"),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = get(
        &sim,
        &format!("{}&status=NOPE", path(&format!("?{}", window(&sim)))),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // All accounts: the start must lie within 60 days.
    let old = format!(
        "/trader/v1/orders?fromEnteredTime={}&toEnteredTime={}",
        query_time(now - TimeDelta::days(61)),
        query_time(now)
    );
    let (status, _, body) = get(&sim, &old, Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0].as_str().unwrap().contains("60 days"),
        "{body}"
    );

    // Newest first, across accounts, and maxResults caps the list.
    let cash_hash = hash_of(&sim, &token, CASH).await;
    let (bid, _, _) = quote(&sim, &token, "MSFT").await;
    let low = cents(bid * 0.95);
    let first = place_ok(&sim, &token, &hash, &limit("BUY", "MSFT", 1, &low)).await;
    sim.clock().advance(Duration::from_secs(2));
    let second = place_ok(&sim, &token, &cash_hash, &limit("BUY", "MSFT", 1, &low)).await;
    let all = get_ok(&sim, &format!("/trader/v1/orders?{}", window(&sim)), &token).await;
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orderId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first]);
    let one = get_ok(
        &sim,
        &format!("/trader/v1/orders?{}&maxResults=1", window(&sim)),
        &token,
    )
    .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(
        list(&sim, &token, &hash).await.len(),
        1,
        "orders are per account"
    );
}

#[tokio::test]
async fn a_market_buy_fills_at_once_at_the_ask() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (_, ask, _) = quote(&sim, &token, "NVDA").await;
    let cash_before = cash(&sim, &token, &hash).await;
    let held = f(&position(&sim, &token, &hash, "NVDA").await.unwrap()["longQuantity"]);

    let id = place_ok(&sim, &token, &hash, &market("BUY", "NVDA", 10)).await;
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "FILLED", "{o}");
    assert!(o.get("price").is_none());
    let exec = &o["orderActivityCollection"][0]["executionLegs"][0];
    assert_eq!(f(&exec["price"]), ask);
    let cash_after = cash(&sim, &token, &hash).await;
    assert!(
        close(cash_before - cash_after, 10.0 * ask),
        "{cash_before} {cash_after} {ask}"
    );
    let p = position(&sim, &token, &hash, "NVDA").await.unwrap();
    assert_eq!(f(&p["longQuantity"]), held + 10.0);
}

#[tokio::test]
async fn an_option_buy_costs_a_hundred_times_its_price_plus_commission() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let symbol = "NVDA  270115C00200000";
    let (_, ask, _) = quote(&sim, &token, symbol).await;
    let cash_before = cash(&sim, &token, &hash).await;
    let body = order("MARKET", "BUY_TO_OPEN", symbol, "OPTION", 2, json!({}));
    let id = place_ok(&sim, &token, &hash, &body).await;
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "FILLED");
    assert_eq!(o["destinationLinkName"], "CDRG");
    let inst = &o["orderLegCollection"][0]["instrument"];
    assert_eq!(inst["assetType"], "OPTION");
    assert_eq!(inst["putCall"], "CALL");
    assert_eq!(inst["underlyingSymbol"], "NVDA");
    assert_eq!(inst["type"], "VANILLA");
    assert_eq!(inst["optionDeliverables"][0]["deliverableUnits"], 100.0);
    // 2 contracts: 2 x 100 x ask, $0.65 commission each, and 2 x $0.02295 of options
    // regulatory fee rounded up to $0.05.
    let expected = 200.0 * ask + 1.30 + 0.05;
    let spent = cash_before - cash(&sim, &token, &hash).await;
    assert!(close(spent, expected), "{spent} != {expected}");
    let p = position(&sim, &token, &hash, symbol).await.unwrap();
    assert_eq!(f(&p["longQuantity"]), 2.0);
}

#[tokio::test]
async fn cancel_answers_200_empty_once_then_400() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, _, _) = quote(&sim, &token, "INTC").await;
    let id = place_ok(
        &sim,
        &token,
        &hash,
        &limit("BUY", "INTC", 3, &cents(bid * 0.95)),
    )
    .await;
    let path = format!("/trader/v1/accounts/{hash}/orders/{id}");

    let response = send(&sim, &token, Method::DELETE, &path, None)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "");
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "CANCELED");
    assert_eq!(o["cancelable"], false);
    assert_eq!(o["editable"], false);
    assert_eq!(f(&o["remainingQuantity"]), 0.0);
    assert!(o["closeTime"].is_string());
    let activity = &o["orderActivityCollection"][0];
    assert_eq!(activity["activityType"], "EXECUTION");
    assert_eq!(activity["executionType"], "CANCELED");
    assert_eq!(f(&activity["executionLegs"][0]["price"]), 0.0);

    let again = send(&sim, &token, Method::DELETE, &path, None)
        .await
        .unwrap();
    assert_400(again, "cannot be canceled").await;
    let missing = format!("/trader/v1/accounts/{hash}/orders/1234567890123");
    let response = send(&sim, &token, Method::DELETE, &missing, None)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, _, body) = get(&sim, &missing, Some(&token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["message"].is_string());
    assert_eq!(sim.stats().order_calls_to(&hash).deletes, 3);
}

#[tokio::test]
async fn replace_gives_a_new_id_and_marks_the_old_order_replaced() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, _, _) = quote(&sim, &token, "META").await;
    let old = place_ok(
        &sim,
        &token,
        &hash,
        &limit("BUY", "META", 2, &cents(bid * 0.95)),
    )
    .await;
    let path = format!("/trader/v1/accounts/{hash}/orders/{old}");
    let new_price = cents(bid * 0.96);
    let body = limit("BUY", "META", 4, &new_price);

    let response = send(&sim, &token, Method::PUT, &path, Some(&body))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.text().await.unwrap(), "");
    let new = id_from_location(&location, &hash);
    assert_ne!(new, old);

    let replaced = get_order(&sim, &token, &hash, old).await;
    assert_eq!(replaced["status"], "REPLACED");
    assert_eq!(replaced["editable"], false);
    assert_eq!(replaced["replacingOrderCollection"][0]["orderId"], new);
    let working = get_order(&sim, &token, &hash, new).await;
    assert_eq!(working["status"], "WORKING");
    assert_eq!(f(&working["quantity"]), 4.0);
    assert_eq!(f(&working["price"]), new_price.parse::<f64>().unwrap());

    let again = send(&sim, &token, Method::PUT, &path, Some(&body))
        .await
        .unwrap();
    assert_400(again, "cannot be replaced").await;
    let calls = sim.stats().order_calls_to(&hash);
    assert_eq!((calls.posts, calls.puts, calls.deletes), (1, 2, 0));
}

async fn preview(sim: &Sim, token: &str, hash: &str, body: &Value) -> Value {
    let path = format!("/trader/v1/accounts/{hash}/previewOrder");
    let response = send(sim, token, Method::POST, &path, Some(body))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn rejects(preview: &Value) -> Vec<String> {
    preview["orderValidationResult"]["rejects"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|r| r["activityMessage"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn sub_penny(preview: &Value) -> bool {
    rejects(preview)
        .iter()
        .any(|r| r.contains("not in a valid increment"))
}

#[tokio::test]
async fn preview_rejects_sub_penny_prices_at_the_dollar_boundary() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    for (price, bad) in [
        ("1.005", true),
        ("1.00", false),
        ("1.01", false),
        ("0.9999", false),
        ("0.99999", true),
        ("0.99", false),
    ] {
        let p = preview(&sim, &token, &hash, &limit("BUY", "INTC", 1, price)).await;
        assert_eq!(sub_penny(&p), bad, "{price}: {:?}", rejects(&p));
        assert_eq!(
            p["orderStrategy"]["status"], "REJECTED",
            "{price} is far from INTC anyway"
        );
    }
    // The same rule refuses the order itself with a 400.
    let response = place(&sim, &token, &hash, &limit("BUY", "INTC", 1, "24.505")).await;
    assert_400(response, "not in a valid increment").await;
    let option = order(
        "LIMIT",
        "BUY_TO_OPEN",
        "AAPL  270115C00200000",
        "OPTION",
        1,
        json!({ "price": "45.02" }),
    );
    let p = preview(&sim, &token, &hash, &option).await;
    assert!(
        rejects(&p)
            .iter()
            .any(|r| r.contains("valid increment for this option")),
        "{p}"
    );
}

#[tokio::test]
async fn preview_rejects_a_limit_far_from_the_market_in_schwabs_words() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let p = preview(&sim, &token, &hash, &limit("BUY", "AMD", 1, "10")).await;
    let recorded = sim_support::payload("order-preview-rejected.json");
    assert_eq!(p["orderId"], 0);
    assert_eq!(p["orderStrategy"]["status"], "REJECTED");
    assert_eq!(
        p["orderValidationResult"]["rejects"][0],
        recorded["orderValidationResult"]["rejects"][0]
    );
    for key in [
        "orderValue",
        "projectedAvailableFund",
        "projectedBuyingPower",
        "projectedCommission",
    ] {
        assert!(p["orderStrategy"]["orderBalance"][key].is_number(), "{key}");
    }
    let leg = &p["orderStrategy"]["orderLegs"][0];
    for key in [
        "askPrice",
        "bidPrice",
        "lastPrice",
        "markPrice",
        "projectedCommission",
    ] {
        assert!(leg[key].is_number(), "{key}");
    }
    assert_eq!(leg["finalSymbol"], "AMD");
    assert_eq!(
        leg["instrument"],
        json!({ "assetType": "EQUITY", "symbol": "AMD" })
    );
    let sample_keys = |v: &Value| sim_support::keys(v);
    assert_eq!(
        sample_keys(&p["commissionAndFee"]),
        sample_keys(&recorded["commissionAndFee"])
    );
    let response = place(&sim, &token, &hash, &limit("BUY", "AMD", 1, "10")).await;
    assert_400(response, "significantly away from the current market price").await;
    assert!(list(&sim, &token, &hash).await.is_empty());
}

fn charge(preview: &Value, part: &str, kind: &str) -> f64 {
    let (legs, values) = match part {
        "commission" => ("commissionLegs", "commissionValues"),
        _ => ("feeLegs", "feeValues"),
    };
    preview["commissionAndFee"][part][legs]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l[values].as_array().unwrap().iter())
        .filter(|v| v["type"] == kind)
        .map(|v| f(&v["value"]))
        .sum()
}

#[tokio::test]
async fn an_accepted_preview_shows_commission_and_fees() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, ask, _) = quote(&sim, &token, "AAPL").await;

    let buy = preview(&sim, &token, &hash, &limit("BUY", "AAPL", 10, &cents(ask))).await;
    assert_eq!(buy["orderStrategy"]["status"], "ACCEPTED", "{buy}");
    assert!(rejects(&buy).is_empty());
    assert_eq!(charge(&buy, "commission", "COMMISSION"), 0.0);
    assert_eq!(charge(&buy, "fee", "SEC_FEE"), 0.0, "no SEC fee on a buy");
    let value = f(&buy["orderStrategy"]["orderBalance"]["orderValue"]);
    assert!(close(value, 10.0 * cents(ask).parse::<f64>().unwrap()));

    let sell = preview(
        &sim,
        &token,
        &hash,
        &limit("SELL", "AAPL", 100, &cents(bid)),
    )
    .await;
    assert_eq!(sell["orderStrategy"]["status"], "ACCEPTED", "{sell}");
    assert!(charge(&sell, "fee", "SEC_FEE") > 0.0);
    assert_eq!(
        charge(&sell, "fee", "TAF_FEE"),
        0.02,
        "100 shares x $0.000166, rounded up"
    );

    let option = order(
        "MARKET",
        "BUY_TO_OPEN",
        "AAPL  270115P00200000",
        "OPTION",
        3,
        json!({}),
    );
    let p = preview(&sim, &token, &hash, &option).await;
    assert_eq!(p["orderStrategy"]["status"], "ACCEPTED", "{p}");
    assert!(
        close(charge(&p, "commission", "COMMISSION"), 1.95),
        "3 x $0.65"
    );
    assert!(close(
        f(&p["orderStrategy"]["orderBalance"]["projectedCommission"]),
        1.95 + 0.07
    ));
    assert!(
        list(&sim, &token, &hash).await.is_empty(),
        "a preview places nothing"
    );
    assert_eq!(sim.stats().order_calls_to(&hash).previews, 3);
}

#[tokio::test]
async fn preview_rejects_overselling_a_cash_account_and_spending_too_much() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, CASH).await;
    let (bid, ask, _) = quote(&sim, &token, "MSFT").await;

    let p = preview(&sim, &token, &hash, &limit("SELL", "MSFT", 31, &cents(bid))).await;
    assert_eq!(p["orderStrategy"]["status"], "REJECTED");
    assert!(rejects(&p)[0].contains("only 30 are available"), "{p}");
    let ok = preview(&sim, &token, &hash, &limit("SELL", "MSFT", 30, &cents(bid))).await;
    assert_eq!(ok["orderStrategy"]["status"], "ACCEPTED", "{ok}");

    let p = preview(&sim, &token, &hash, &limit("BUY", "MSFT", 100, &cents(ask))).await;
    assert!(
        rejects(&p)
            .iter()
            .any(|r| r.contains("enough buying power")),
        "{p}"
    );
    let p = preview(&sim, &token, &hash, &market("SELL_SHORT", "AMD", 1)).await;
    assert!(
        rejects(&p).iter().any(|r| r.contains("cash account")),
        "{p}"
    );

    // Open orders count: a second sell of the same shares is refused.
    place_ok(
        &sim,
        &token,
        &hash,
        &limit("SELL", "MSFT", 20, &cents(ask * 1.05)),
    )
    .await;
    let response = place(
        &sim,
        &token,
        &hash,
        &limit("SELL", "MSFT", 20, &cents(ask * 1.05)),
    )
    .await;
    assert_400(response, "only 10 are available").await;
}

#[tokio::test]
async fn sell_short_opens_a_short_and_buy_to_cover_closes_it() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, ask, _) = quote(&sim, &token, "AMD").await;
    let cash_before = cash(&sim, &token, &hash).await;

    let id = place_ok(&sim, &token, &hash, &market("SELL_SHORT", "AMD", 20)).await;
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "FILLED");
    assert_eq!(o["orderLegCollection"][0]["positionEffect"], "OPENING");
    let p = position(&sim, &token, &hash, "AMD")
        .await
        .expect("a short AMD position");
    assert_eq!(f(&p["shortQuantity"]), 20.0);
    assert_eq!(f(&p["longQuantity"]), 0.0);
    assert!(f(&p["marketValue"]) < 0.0);
    assert!(p.get("averageShortPrice").is_some() && p.get("averageLongPrice").is_none());
    let proceeds = cash(&sim, &token, &hash).await - cash_before;
    let fees = proceeds - 20.0 * bid;
    assert!(
        fees <= 0.0 && fees > -0.2,
        "proceeds {proceeds} = 20 x {bid} less small fees"
    );

    let response = place(&sim, &token, &hash, &market("BUY", "AMD", 5)).await;
    assert_400(response, "BUY_TO_COVER").await;
    let response = place(&sim, &token, &hash, &market("BUY_TO_COVER", "AMD", 21)).await;
    assert_400(response, "short only 20").await;
    place_ok(&sim, &token, &hash, &market("BUY_TO_COVER", "AMD", 20)).await;
    assert!(position(&sim, &token, &hash, "AMD").await.is_none());
    let net = cash(&sim, &token, &hash).await - cash_before;
    assert!(close(net, proceeds - 20.0 * ask), "{net}");
}

#[tokio::test]
async fn malformed_orders_get_a_400_in_the_trader_shape() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let cases = [
        (limit("BUY", "NOPE", 1, "10"), "NOPE is not a valid symbol"),
        (
            order("MARKET", "BUY", "/ES", "FUTURE", 1, json!({})),
            "only EQUITY and OPTION",
        ),
        (market("BUY_TO_OPEN", "AAPL", 1), "not valid for EQUITY"),
        (
            order(
                "MARKET",
                "BUY",
                "AAPL  270115C00200000",
                "OPTION",
                1,
                json!({}),
            ),
            "not valid for OPTION",
        ),
        (
            order("LIMIT", "BUY", "AAPL", "EQUITY", 1, json!({})),
            "price is required",
        ),
        (
            order(
                "MARKET",
                "BUY",
                "AAPL",
                "EQUITY",
                1,
                json!({ "requestedDestination": "AUTO" }),
            ),
            "requestedDestination",
        ),
        (market("BUY", "$SPX", 1), "cannot be traded as EQUITY"),
        (market("BUY", "AAPL", 0), "whole number"),
        (
            order("STOP", "SELL", "AAPL", "EQUITY", 1, json!({})),
            "stopPrice is required",
        ),
    ];
    for (body, needle) in cases {
        assert_400(place(&sim, &token, &hash, &body).await, needle).await;
    }
    let raw = client()
        .post(format!(
            "{}/trader/v1/accounts/{hash}/orders",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_400(raw, "not valid JSON").await;
    // The plain account number is refused like an unknown hash.
    let response = place(&sim, &token, MARGIN, &market("BUY", "AAPL", 1)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(list(&sim, &token, &hash).await.is_empty());
    assert_eq!(sim.stats().order_calls_to(&hash).posts, 10);
    assert_eq!(sim.stats().order_calls_to(MARGIN).posts, 1);
}

#[tokio::test]
async fn a_sell_stop_waits_for_its_condition_then_fills_at_the_bid() {
    let (sim, token) = session_sim(FAST_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (_, _, last) = quote(&sim, &token, "SPY").await;
    let stop = cents(last * 0.999);
    let body = order(
        "STOP",
        "SELL",
        "SPY",
        "EQUITY",
        10,
        json!({ "stopPrice": stop }),
    );
    let id = place_ok(&sim, &token, &hash, &body).await;
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "AWAITING_STOP_CONDITION");
    assert_eq!(f(&o["stopPrice"]), stop.parse::<f64>().unwrap());
    let mut token = token;
    let done = wait_while(&sim, &mut token, &hash, id, "AWAITING_STOP_CONDITION").await;
    assert_eq!(done["status"], "FILLED", "{done}");
    let price = f(&done["orderActivityCollection"][0]["executionLegs"][0]["price"]);
    assert!(
        price <= stop.parse::<f64>().unwrap() + 0.05,
        "{price} vs stop {stop}"
    );
    let p = position(&sim, &token, &hash, "SPY").await.unwrap();
    assert_eq!(f(&p["longQuantity"]), 30.0);
}

#[tokio::test]
async fn a_day_order_expires_at_the_close() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, _, _) = quote(&sim, &token, "TSLA").await;
    let body = limit("BUY_TO_COVER", "TSLA", 5, &cents(bid * 0.93));
    let id = place_ok(&sim, &token, &hash, &body).await;
    assert_eq!(
        get_order(&sim, &token, &hash, id).await["status"],
        "WORKING"
    );
    // 15:00 UTC plus 7 hours is past 16:00 in New York, summer or winter.
    sim.clock().advance(Duration::from_secs(7 * 3600));
    let token = login(&sim).await.access;
    let o = get_order(&sim, &token, &hash, id).await;
    assert_eq!(o["status"], "EXPIRED", "{o}");
    assert_eq!(o["cancelable"], false);
    let close_time = o["closeTime"].as_str().unwrap();
    assert!(
        close_time.ends_with("T21:00:00+0000") || close_time.ends_with("T20:00:00+0000"),
        "{close_time}"
    );
}

#[tokio::test]
async fn accept_then_drop_stores_one_order_and_the_client_sees_a_dropped_connection() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, _, _) = quote(&sim, &token, "AAPL").await;
    sim.set_order_fault(OrderFault::AcceptThenDrop, FaultScope::Once);

    let path = format!("/trader/v1/accounts/{hash}/orders");
    let body = limit("BUY", "AAPL", 1, &cents(bid * 0.95));
    let outcome = send(&sim, &token, Method::POST, &path, Some(&body)).await;
    let error = outcome.expect_err("the connection is dropped, not answered");
    assert!(!error.is_timeout(), "{error}");

    let orders = list(&sim, &token, &hash).await;
    assert_eq!(orders.len(), 1, "the order was stored");
    assert_eq!(orders[0]["status"], "WORKING");
    let stats = sim.stats();
    assert_eq!(
        stats.order_calls_to(&hash).posts,
        1,
        "exactly one POST arrived"
    );
    assert_eq!(
        stats.requests_to("POST", "/trader/v1/accounts/{account_hash}/orders"),
        1
    );
    assert_eq!(stats.faults_of("accept-then-drop"), 1);

    // Once means once: the next order is answered normally.
    place_ok(&sim, &token, &hash, &body).await;
    assert_eq!(list(&sim, &token, &hash).await.len(), 2);
}

#[tokio::test]
async fn a_delayed_order_is_invisible_until_its_time_comes() {
    let (sim, token) = session_sim(SLOW_TICK).await;
    let hash = hash_of(&sim, &token, MARGIN).await;
    let (bid, _, _) = quote(&sim, &token, "AAPL").await;
    sim.set_order_fault(
        OrderFault::DelayAppearance(Duration::from_secs(90)),
        FaultScope::Once,
    );
    let id = place_ok(
        &sim,
        &token,
        &hash,
        &limit("BUY", "AAPL", 1, &cents(bid * 0.95)),
    )
    .await;
    assert!(list(&sim, &token, &hash).await.is_empty());
    let (status, _, _) = get(
        &sim,
        &format!("/trader/v1/accounts/{hash}/orders/{id}"),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.clock().advance(Duration::from_secs(60));
    assert!(list(&sim, &token, &hash).await.is_empty());
    sim.clock().advance(Duration::from_secs(31));
    let orders = list(&sim, &token, &hash).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["orderId"], id);
    assert_eq!(sim.stats().faults_of("delay-appearance"), 1);
}
