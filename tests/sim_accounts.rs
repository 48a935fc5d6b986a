//! The simulator's trader endpoints over real HTTP: account numbers and hashes, accounts with
//! and without positions, the short stock, balances that add up, and user preferences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sim_support;

use reqwest::StatusCode;
use serde_json::Value;
use sim_support::*;

const MARGIN: &str = "99990042";
const CASH: &str = "99990077";

async fn hashes(sim: &palmtree::sim::Sim, token: &str) -> Vec<(String, String)> {
    let body = get_ok(sim, "/trader/v1/accounts/accountNumbers", token).await;
    body.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(keys(a), ["accountNumber", "hashValue"]);
            (
                a["accountNumber"].as_str().unwrap().into(),
                a["hashValue"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn position<'a>(account: &'a Value, symbol: &str) -> &'a Value {
    let found = account["securitiesAccount"]["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["instrument"]["symbol"] == symbol);
    assert!(found.is_some(), "no {symbol} position");
    found.unwrap()
}

async fn last_price(sim: &palmtree::sim::Sim, token: &str, symbol: &str) -> f64 {
    let path = format!(
        "/marketdata/v1/quotes?symbols={}&fields=quote",
        symbol.replace(' ', "%20")
    );
    let body = get_ok(sim, &path, token).await;
    f(&body[symbol]["quote"]["lastPrice"])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.006
}

#[tokio::test]
async fn account_numbers_pair_plain_numbers_with_64_character_hashes() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let list = hashes(&sim, &token).await;
    assert_eq!(
        list.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [MARGIN, CASH]
    );
    for (_, hash) in &list {
        assert_eq!(hash.len(), 64);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
    }
    assert_ne!(list[0].1, list[1].1);
    assert_eq!(list, hashes(&sim, &token).await, "stable across calls");
}

#[tokio::test]
async fn positions_appear_only_when_asked_for() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;

    let plain = get_ok(&sim, "/trader/v1/accounts", &token).await;
    let plain = plain.as_array().unwrap();
    assert_eq!(plain.len(), 2);
    for account in plain {
        assert!(account["securitiesAccount"].get("positions").is_none());
        assert_eq!(keys(account), ["aggregatedBalance", "securitiesAccount"]);
    }
    assert_eq!(plain[0]["securitiesAccount"]["type"], "MARGIN");
    assert_eq!(plain[0]["securitiesAccount"]["accountNumber"], MARGIN);
    assert_eq!(plain[1]["securitiesAccount"]["type"], "CASH");
    assert_eq!(plain[1]["securitiesAccount"]["accountNumber"], CASH);

    let full = get_ok(&sim, "/trader/v1/accounts?fields=positions", &token).await;
    let margin = &full[0];
    let symbols: Vec<&str> = margin["securitiesAccount"]["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instrument"]["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(
        symbols,
        ["AAPL", "NVDA", "SPY", "AAPL  270115C00200000", "TSLA"]
    );
    let cash_symbols = full[1]["securitiesAccount"]["positions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(cash_symbols, 2);
}

#[tokio::test]
async fn the_short_stock_has_negative_market_value_and_only_short_fields() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let hash = hashes(&sim, &token).await[0].1.clone();
    let account = get_ok(
        &sim,
        &format!("/trader/v1/accounts/{hash}?fields=positions"),
        &token,
    )
    .await;
    let tsla_last = last_price(&sim, &token, "TSLA").await;

    let short = position(&account, "TSLA");
    assert_eq!(f(&short["shortQuantity"]), 25.0);
    assert_eq!(f(&short["longQuantity"]), 0.0);
    assert_eq!(f(&short["settledShortQuantity"]), -25.0);
    assert!(
        close(f(&short["marketValue"]), -25.0 * tsla_last),
        "{short}"
    );
    assert!(f(&short["marketValue"]) < 0.0);
    assert_eq!(f(&short["averageShortPrice"]), 389.4);
    assert!(close(
        f(&short["shortOpenProfitLoss"]),
        25.0 * 389.4 + f(&short["marketValue"])
    ));
    for absent in [
        "averageLongPrice",
        "taxLotAverageLongPrice",
        "longOpenProfitLoss",
    ] {
        assert!(short.get(absent).is_none(), "{absent} on a short");
    }
    assert_eq!(short["instrument"]["assetType"], "EQUITY");
    assert_eq!(short["instrument"]["cusip"], "88160R101");

    let long = position(&account, "AAPL");
    assert_eq!(f(&long["longQuantity"]), 150.0);
    assert!(long.get("averageShortPrice").is_none());
    assert!(close(
        f(&long["marketValue"]),
        150.0 * last_price(&sim, &token, "AAPL").await
    ));

    let sample = payload("account-with-positions-options-long-short.json");
    let sample_short = &sample["securitiesAccount"]["positions"][1];
    assert_eq!(
        keys(short),
        keys(sample_short),
        "short position fields as recorded"
    );
    let sample_long = &sample["securitiesAccount"]["positions"][0];
    assert_eq!(
        keys(long),
        keys(sample_long),
        "long position fields as recorded"
    );
}

#[tokio::test]
async fn option_and_etf_positions_carry_their_instrument_details() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let full = get_ok(&sim, "/trader/v1/accounts?fields=positions", &token).await;

    let call = position(&full[0], "AAPL  270115C00200000");
    let sample = payload("account-with-positions-options-long-short.json");
    let sample_instrument = &sample["securitiesAccount"]["positions"][0]["instrument"];
    assert_eq!(keys(&call["instrument"]), keys(sample_instrument));
    assert_eq!(call["instrument"]["assetType"], "OPTION");
    assert_eq!(call["instrument"]["type"], "VANILLA");
    assert_eq!(call["instrument"]["putCall"], "CALL");
    assert_eq!(call["instrument"]["underlyingSymbol"], "AAPL");
    assert_eq!(call["instrument"]["cusip"], "0AAPL.AF70200000");
    assert_eq!(
        call["instrument"]["description"],
        "APPLE INC 01/15/2027 $200 Call"
    );
    let option_last = last_price(&sim, &token, "AAPL  270115C00200000").await;
    assert!(
        close(f(&call["marketValue"]), option_last * 2.0 * 100.0),
        "{call}"
    );
    assert_eq!(f(&call["maintenanceRequirement"]), 0.0);

    let spy = position(&full[0], "SPY");
    assert_eq!(spy["instrument"]["assetType"], "COLLECTIVE_INVESTMENT");
    assert_eq!(spy["instrument"]["type"], "EXCHANGE_TRADED_FUND");
}

#[tokio::test]
async fn balances_add_up_to_cash_plus_positions() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let full = get_ok(&sim, "/trader/v1/accounts?fields=positions", &token).await;
    let mut total = 0.0;
    for account in full.as_array().unwrap() {
        let sa = &account["securitiesAccount"];
        let positions: f64 = sa["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| f(&p["marketValue"]))
            .sum();
        let cash = f(&sa["currentBalances"]["cashBalance"]);
        let value = f(&sa["currentBalances"]["liquidationValue"]);
        assert!(
            (value - cash - positions).abs() < 0.05,
            "{value} vs {cash} + {positions}"
        );
        assert_eq!(
            sa["initialBalances"]["isInCall"], false,
            "a boolean, as real answers send"
        );
        total += value;
    }
    let margin = &full[0]["securitiesAccount"];
    assert_eq!(f(&margin["currentBalances"]["cashBalance"]), 34500.0);
    assert!(f(&margin["currentBalances"]["shortMarketValue"]) < 0.0);
    assert!(f(&margin["currentBalances"]["maintenanceRequirement"]) > 0.0);
    let sample = payload("account-with-positions-options-long-short.json");
    for block in ["initialBalances", "currentBalances", "projectedBalances"] {
        assert_eq!(
            keys(&margin[block]),
            keys(&sample["securitiesAccount"][block]),
            "{block}"
        );
    }
    let cash = &full[1]["securitiesAccount"];
    assert_eq!(
        f(&cash["currentBalances"]["cashAvailableForTrading"]),
        8250.75
    );
    assert_eq!(
        f(&cash["projectedBalances"]["cashAvailableForWithdrawal"]),
        8250.75
    );
    let aggregated = f(&full[0]["aggregatedBalance"]["liquidationValue"]);
    assert!((aggregated - total).abs() < 0.02, "{aggregated} vs {total}");
    assert_eq!(full[0]["aggregatedBalance"], full[1]["aggregatedBalance"]);
}

#[tokio::test]
async fn one_account_by_hash_and_never_by_plain_number() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let list = hashes(&sim, &token).await;

    let cash = get_ok(&sim, &format!("/trader/v1/accounts/{}", list[1].1), &token).await;
    assert_eq!(cash["securitiesAccount"]["accountNumber"], CASH);
    assert!(cash["securitiesAccount"].get("positions").is_none());
    let with = get_ok(
        &sim,
        &format!("/trader/v1/accounts/{}?fields=positions", list[1].1),
        &token,
    )
    .await;
    assert_eq!(
        with["securitiesAccount"]["positions"][0]["instrument"]["symbol"],
        "MSFT"
    );

    let trader_error = payload("error-trader-doc-schema.json");
    for bad in [
        MARGIN,
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let (status, _, body) =
            get(&sim, &format!("/trader/v1/accounts/{bad}"), Some(&token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(keys(&body), keys(&trader_error));
        assert!(body["message"].is_string());
        assert!(body["errors"][0].is_string());
    }
}

#[tokio::test]
async fn user_preference_names_the_accounts_and_the_streamer() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let prefs = get_ok(&sim, "/trader/v1/userPreference", &token).await;
    let sample = payload("user-preference.json");
    assert_eq!(keys(&prefs), keys(&sample));
    assert_eq!(keys(&prefs["accounts"][0]), keys(&sample["accounts"][0]));
    assert_eq!(
        keys(&prefs["streamerInfo"][0]),
        keys(&sample["streamerInfo"][0])
    );
    assert_eq!(prefs["accounts"][0]["nickName"], "Individual");
    assert_eq!(prefs["accounts"][0]["displayAcctId"], "...042");
    assert_eq!(prefs["accounts"][1]["nickName"], "Roth IRA");
    assert_eq!(prefs["accounts"][1]["displayAcctId"], "...077");
    assert_eq!(prefs["accounts"][1]["type"], "BROKERAGE");
    let url = prefs["streamerInfo"][0]["streamerSocketUrl"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    assert_eq!(prefs["streamerInfo"][0]["schwabClientFunctionId"], "APIAPP");
    assert_eq!(prefs["offers"][0]["mktDataPermission"], "NP");
}
