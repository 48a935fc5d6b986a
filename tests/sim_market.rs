//! The simulator's market data over real HTTP: quotes of every asset type shaped like the
//! recorded payloads, symbol errors, encoded single-symbol paths, the seeded walk, price
//! history and market hours.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sim_support;

use std::time::Duration;

use chrono::{Datelike, TimeDelta, Timelike, Utc, Weekday};
use palmtree::sim::{Sim, SimOptions};
use reqwest::StatusCode;
use serde_json::Value;
use sim_support::*;

const ALL: &str = "AAPL,MSFT,NVDA,AMD,TSLA,META,INTC,SPY,QQQ,$SPX,$DJI,$COMPX,/ES,EUR/USD,AAAHX,\
                   AAPL  270115C00200000,SPY   270115P00550000";

fn encode(symbols: &str) -> String {
    url::form_urlencoded::byte_serialize(symbols.as_bytes()).collect()
}

async fn quotes(sim: &Sim, token: &str, symbols: &str) -> Value {
    get_ok(
        sim,
        &format!("/marketdata/v1/quotes?symbols={}", encode(symbols)),
        token,
    )
    .await
}

/// How far to move the sim clock to reach the next `weekday` at `hour`:00 UTC, at least a day
/// ahead.
fn until(weekday: Weekday, hour: u32) -> Duration {
    let now = Utc::now();
    let mut target = now + TimeDelta::days(1);
    while target.weekday() != weekday {
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

/// A sim whose clock sits in Wednesday's regular session (16:00 UTC is 11:00 or 12:00 in New
/// York; no 2026-2027 holiday falls on a Wednesday).
async fn regular_hours_sim() -> (Sim, String) {
    let sim = frozen_sim().await;
    sim.clock().advance(until(Weekday::Wed, 16));
    let token = login(&sim).await.access;
    (sim, token)
}

fn without(mut list: Vec<String>, drop: &[&str]) -> Vec<String> {
    list.retain(|k| !drop.contains(&k.as_str()));
    list
}

#[tokio::test]
async fn equity_quotes_have_the_recorded_sections_and_fields() {
    let (sim, token) = regular_hours_sim().await;
    let body = quotes(&sim, &token, "AAPL,SPY").await;
    let sample = payload("quotes-equity.json");
    let nvda = &sample["NVDA"];
    let aapl = &body["AAPL"];

    assert_eq!(aapl["assetMainType"], "EQUITY");
    assert_eq!(aapl["assetSubType"], "COE");
    assert_eq!(aapl["quoteType"], "NBBO");
    assert_eq!(aapl["symbol"], "AAPL");
    assert_eq!(aapl["reference"]["cusip"], "037833100");
    assert_eq!(aapl["reference"]["exchangeName"], "NASDAQ");
    assert_eq!(
        keys(aapl),
        without(keys(nvda), &["extended"]),
        "no extended block in hours"
    );
    let sample_quote = without(
        keys(&nvda["quote"]),
        &["postMarketChange", "postMarketPercentChange"],
    );
    assert_eq!(keys(&aapl["quote"]), sample_quote);
    assert_eq!(keys(&aapl["regular"]), keys(&nvda["regular"]));
    assert_eq!(keys(&aapl["fundamental"]), keys(&nvda["fundamental"]));
    for key in keys(&nvda["reference"]) {
        assert!(aapl["reference"].get(&key).is_some(), "reference.{key}");
    }
    let q = &aapl["quote"];
    assert!(f(&q["bidPrice"]) < f(&q["askPrice"]));
    assert!(f(&q["bidPrice"]) <= f(&q["lastPrice"]) && f(&q["lastPrice"]) <= f(&q["askPrice"]));
    assert!((f(&q["netChange"]) - (f(&q["lastPrice"]) - f(&q["closePrice"]))).abs() < 1e-9);
    assert_eq!(f(&q["closePrice"]), 241.84);
    for mic in ["askMICId", "bidMICId", "lastMICId"] {
        let id = q[mic].as_str().unwrap();
        assert!(
            id.len() == 4 && id.chars().all(|c| c.is_ascii_uppercase()),
            "{mic}: {id}"
        );
    }

    let spy = &body["SPY"];
    assert_eq!(spy["assetMainType"], "EQUITY");
    assert_eq!(spy["assetSubType"], "ETF");
    assert_eq!(spy["fundamental"]["fundStrategy"], "P");
    let etf = payload("quotes-etf.json");
    assert_eq!(keys(&spy["quote"]), keys(&etf["EBIZ"]["quote"]));
    assert_eq!(keys(&spy["fundamental"]), keys(&etf["EBIZ"]["fundamental"]));
}

#[tokio::test]
async fn after_hours_equity_quotes_add_the_extended_block() {
    let sim = exchange_hours_sim().await;
    sim.clock().advance(until(Weekday::Sat, 17));
    let token = login(&sim).await.access;
    let body = quotes(&sim, &token, "NVDA").await;
    let sample = payload("quotes-equity.json");
    assert_eq!(keys(&body["NVDA"]), keys(&sample["NVDA"]));
    assert_eq!(keys(&body["NVDA"]["quote"]), keys(&sample["NVDA"]["quote"]));
    assert_eq!(
        keys(&body["NVDA"]["extended"]),
        keys(&sample["NVDA"]["extended"])
    );
}

#[tokio::test]
async fn index_future_forex_and_fund_quotes_leave_out_what_their_samples_lack() {
    let (sim, token) = regular_hours_sim().await;
    let body = quotes(&sim, &token, "$SPX,/ES,EUR/USD,AAAHX").await;

    let spx = &body["$SPX"];
    let sample = &payload("quotes-index.json")["$SPX"];
    assert_eq!(keys(spx), keys(sample));
    assert_eq!(keys(&spx["quote"]), keys(&sample["quote"]));
    assert_eq!(keys(&spx["reference"]), keys(&sample["reference"]));
    assert!(spx["quote"].get("bidPrice").is_none());
    assert_eq!(spx["reference"]["exchangeName"], "Index");
    assert_eq!(f(&spx["fundamental"]["peRatio"]), 0.0);

    let es = &body["/ES"];
    let sample = &payload("quotes-future.json")["/ESZ21"];
    assert_eq!(keys(es), keys(sample));
    assert_eq!(keys(&es["quote"]), keys(&sample["quote"]));
    assert_eq!(keys(&es["reference"]), keys(&sample["reference"]));
    assert!(es["quote"].get("52WeekHigh").is_none());
    assert_eq!(es["symbol"], "/ES");
    assert_eq!(es["reference"]["product"], "/ES");
    assert_eq!(f(&es["quote"]["tick"]), 0.25);
    assert_eq!(f(&es["reference"]["futureMultiplier"]), 50.0);
    let last = f(&es["quote"]["lastPrice"]);
    assert_eq!((last * 4.0).fract(), 0.0, "on the 0.25 tick: {last}");

    let fx = &body["EUR/USD"];
    let sample = &payload("quotes-forex.json")["EUR/USD"];
    assert_eq!(keys(fx), keys(sample));
    assert_eq!(keys(&fx["quote"]), keys(&sample["quote"]));
    assert_eq!(keys(&fx["reference"]), keys(&sample["reference"]));
    let fx_last = f(&fx["quote"]["lastPrice"]);
    assert!((1.0..1.2).contains(&fx_last), "{fx_last}");
    assert!(((fx_last * 100_000.0).round() - fx_last * 100_000.0).abs() < 1e-6);

    let fund = &body["AAAHX"];
    let sample = &payload("quotes-mutual-fund.json")["AAAHX"];
    assert_eq!(keys(fund), keys(sample));
    assert_eq!(keys(&fund["quote"]), keys(&sample["quote"]));
    assert_eq!(keys(&fund["reference"]), keys(&sample["reference"]));
    assert_eq!(fund["assetMainType"], "MUTUAL_FUND");
    assert_eq!(fund["ssid"], -1);
    assert!(fund["quote"].get("lastPrice").is_none());
}

#[tokio::test]
async fn option_quotes_carry_greeks_and_contract_terms() {
    let (sim, token) = regular_hours_sim().await;
    let body = quotes(
        &sim,
        &token,
        "AAPL  270115C00200000,SPY   270115P00550000,AAPL",
    )
    .await;
    let sample = &payload("quotes-option.json")["NVDA  250307P00095000"];
    let call = &body["AAPL  270115C00200000"];

    assert_eq!(call["assetMainType"], "OPTION");
    assert_eq!(keys(call), keys(sample));
    assert_eq!(keys(&call["quote"]), keys(&sample["quote"]));
    assert_eq!(keys(&call["reference"]), keys(&sample["reference"]));
    let r = &call["reference"];
    assert_eq!(r["contractType"], "C");
    assert_eq!(f(&r["strikePrice"]), 200.0);
    assert_eq!(
        (r["expirationYear"].as_i64(), r["expirationMonth"].as_i64()),
        (Some(2027), Some(1))
    );
    assert_eq!(r["expirationDay"], 15);
    assert_eq!(f(&r["multiplier"]), 100.0);
    assert_eq!(r["isPennyPilot"], true);
    assert_eq!(r["deliverables"], "100 AAPL");
    assert_eq!(r["underlying"], "AAPL");
    assert!(r["daysToExpiration"].as_i64().unwrap() > 0);

    let q = &call["quote"];
    let underlying = f(&body["AAPL"]["quote"]["lastPrice"]);
    assert_eq!(f(&q["underlyingPrice"]), underlying);
    assert!(
        f(&q["lastPrice"]) >= underlying - 200.0,
        "at least intrinsic"
    );
    assert!(
        f(&q["lastPrice"]) < underlying - 200.0 + 40.0,
        "a sane time value"
    );
    assert!((0.5..1.0).contains(&f(&q["delta"])), "{}", q["delta"]);
    assert!(f(&q["gamma"]) > 0.0 && f(&q["vega"]) > 0.0 && f(&q["theta"]) < 0.0);
    assert!((f(&q["moneyIntrinsicValue"]) - (underlying - 200.0)).abs() < 1e-6);
    assert!(f(&q["bidPrice"]) < f(&q["askPrice"]));
    let twentieths = f(&q["lastPrice"]) * 20.0;
    assert!(
        (twentieths.round() - twentieths).abs() < 1e-6,
        "a $0.05 tick above $3"
    );

    let put = &body["SPY   270115P00550000"]["quote"];
    assert!(f(&put["delta"]) < 0.0);
    assert!(f(&put["moneyIntrinsicValue"]) < 0.0, "out of the money");
}

#[tokio::test]
async fn unknown_symbols_are_listed_as_invalid_and_keys_are_upper_case() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let body = quotes(&sim, &token, "aapl,NOPE,msft,ZZZZ").await;
    assert_eq!(keys(&body), ["AAPL", "MSFT", "errors"]);
    assert_eq!(
        body["errors"]["invalidSymbols"],
        serde_json::json!(["NOPE", "ZZZZ"])
    );
    assert_eq!(body["AAPL"]["symbol"], "AAPL");

    let only_bad = quotes(&sim, &token, "NOPE").await;
    assert_eq!(keys(&only_bad), ["errors"]);
}

#[tokio::test]
async fn fields_restrict_the_root_sections() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let path = "/marketdata/v1/quotes?symbols=AAPL&fields=quote,reference";
    let body = get_ok(&sim, path, &token).await;
    assert_eq!(
        keys(&body["AAPL"]),
        [
            "assetMainType",
            "assetSubType",
            "quote",
            "quoteType",
            "realtime",
            "reference",
            "ssid",
            "symbol"
        ]
    );
    let body = get_ok(
        &sim,
        "/marketdata/v1/AAPL/quotes?fields=fundamental",
        &token,
    )
    .await;
    assert!(body["AAPL"].get("quote").is_none());
    assert!(body["AAPL"]["fundamental"]["eps"].is_number());

    let (status, _, body) = get(
        &sim,
        "/marketdata/v1/quotes?symbols=AAPL&fields=bogus",
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["status"], "400");
    assert_eq!(body["errors"][0]["source"]["parameter"], "fields");
}

#[tokio::test]
async fn too_many_or_no_symbols_are_a_400_in_the_market_data_shape() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let many: Vec<String> = (0..501).map(|i| format!("S{i}")).collect();
    let path = format!("/marketdata/v1/quotes?symbols={}", many.join(","));
    let (status, _, body) = get(&sim, &path, Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let sample = payload("error-marketdata-400-doc-example.json");
    assert_eq!(keys(&body["errors"][0]), keys(&sample["errors"][1]));
    assert_eq!(body["errors"][0]["status"], "400");
    assert_eq!(body["errors"][0]["title"], "Bad Request");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("500")
    );

    let (status, _, body) = get(&sim, "/marketdata/v1/quotes", Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["detail"],
        "Search combination should have min of 1."
    );

    let exactly: Vec<String> = (0..500).map(|i| format!("S{i}")).collect();
    let path = format!("/marketdata/v1/quotes?symbols={}", exactly.join(","));
    let body = get_ok(&sim, &path, &token).await;
    assert_eq!(
        body["errors"]["invalidSymbols"].as_array().unwrap().len(),
        500
    );
}

#[tokio::test]
async fn the_single_symbol_path_decodes_special_symbols_and_404s_unknown_ones() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;

    let spx = get_ok(&sim, "/marketdata/v1/%24SPX/quotes", &token).await;
    assert_eq!(keys(&spx), ["$SPX"]);
    assert_eq!(spx["$SPX"]["assetMainType"], "INDEX");

    let es = get_ok(&sim, "/marketdata/v1/%2FES/quotes", &token).await;
    assert_eq!(keys(&es), ["/ES"]);
    let active = es["/ES"]["reference"]["futureActiveSymbol"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(active.starts_with("/ES") && active.len() == 6, "{active}");
    assert!(
        "HMUZ".contains(&active[3..4]),
        "a quarterly month: {active}"
    );

    let full = get_ok(
        &sim,
        &format!("/marketdata/v1/{}/quotes", encode(&active)),
        &token,
    )
    .await;
    assert_eq!(keys(&full), std::slice::from_ref(&active));
    assert_eq!(full[active.as_str()]["symbol"], active.as_str());
    assert_eq!(
        full[active.as_str()]["quote"]["lastPrice"],
        es["/ES"]["quote"]["lastPrice"]
    );
    let by_list = quotes(&sim, &token, &active).await;
    assert_eq!(by_list[active.as_str()]["assetMainType"], "FUTURE");

    let option = get_ok(
        &sim,
        "/marketdata/v1/AAPL%20%20270115C00200000/quotes",
        &token,
    )
    .await;
    assert_eq!(keys(&option), ["AAPL  270115C00200000"]);
    let lower = get_ok(&sim, "/marketdata/v1/msft/quotes", &token).await;
    assert_eq!(keys(&lower), ["MSFT"]);

    let (status, headers, body) = get(&sim, "/marketdata/v1/NOPE/quotes", Some(&token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let sample = payload("error-marketdata-404-symbol-not-found.json");
    assert_eq!(keys(&body["errors"][0]), keys(&sample["errors"][0]));
    assert_eq!(body["errors"][0]["status"], "404", "a string, as captured");
    assert_eq!(body["errors"][0]["title"], "Not Found");
    let stats = sim.stats();
    assert_eq!(
        stats.requests_to("GET", "/marketdata/v1/{symbol_id}/quotes"),
        6
    );
}

fn prices(body: &Value) -> Vec<(String, Value, Value, Value)> {
    let mut out: Vec<_> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let q = &v["quote"];
            (
                k.clone(),
                q["lastPrice"].clone(),
                q["bidPrice"].clone(),
                q["askPrice"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[tokio::test]
async fn prices_step_once_per_tick_of_the_sim_clock() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let before = quotes(&sim, &token, ALL).await;
    let again = quotes(&sim, &token, ALL).await;
    assert_eq!(prices(&before), prices(&again), "no tick, no move");

    sim.clock().advance(SLOW_TICK);
    let after = quotes(&sim, &token, ALL).await;
    let moved = prices(&before)
        .iter()
        .zip(prices(&after))
        .filter(|(a, b)| a.1 != b.1)
        .count();
    assert!(moved >= 10, "only {moved} of 17 last prices moved");
    let t0 = before["AAPL"]["quote"]["quoteTime"].as_i64().unwrap();
    let t1 = after["AAPL"]["quote"]["quoteTime"].as_i64().unwrap();
    assert_eq!(t1 - t0, 300_000, "quote times come from the sim clock");
    assert!(
        after["AAPL"]["quote"]["totalVolume"].as_u64()
            > before["AAPL"]["quote"]["totalVolume"].as_u64()
    );
    assert_eq!(
        after["AAAHX"]["quote"]["closePrice"],
        before["AAAHX"]["quote"]["closePrice"]
    );
}

#[tokio::test]
async fn the_same_seed_replays_the_same_prices() {
    let start = |seed| {
        Sim::start(SimOptions {
            seed,
            tick: SLOW_TICK,
            ..SimOptions::default()
        })
    };
    let (a, b, c) = (
        start(7).await.unwrap(),
        start(7).await.unwrap(),
        start(8).await.unwrap(),
    );
    let (ta, tb, tc) = (
        login(&a).await.access,
        login(&b).await.access,
        login(&c).await.access,
    );
    for sim in [&a, &b, &c] {
        sim.clock().advance(SLOW_TICK * 3);
    }
    let (qa, qb, qc) = (
        quotes(&a, &ta, ALL).await,
        quotes(&b, &tb, ALL).await,
        quotes(&c, &tc, ALL).await,
    );
    assert_eq!(prices(&qa), prices(&qb));
    assert_ne!(prices(&qa), prices(&qc), "another seed walks elsewhere");
}

#[tokio::test]
async fn bids_stay_below_asks_as_the_walk_runs() {
    let sim = Sim::start(SimOptions {
        tick: Duration::from_secs(1),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let token = login(&sim).await.access;
    for _ in 0..5 {
        sim.clock().advance(Duration::from_secs(37));
        let body = quotes(&sim, &token, ALL).await;
        for (symbol, entry) in body.as_object().unwrap() {
            let q = &entry["quote"];
            if let (Some(bid), Some(ask)) = (q["bidPrice"].as_f64(), q["askPrice"].as_f64()) {
                assert!(bid < ask, "{symbol}: {bid} !< {ask}");
                assert!(bid >= 0.0);
            }
        }
    }
}

#[tokio::test]
async fn price_history_ends_at_the_live_price_in_the_recorded_shape() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let path = "/marketdata/v1/pricehistory?symbol=AAPL&periodType=year&period=1\
                &frequencyType=monthly&frequency=1&needPreviousClose=true";
    let body = get_ok(&sim, path, &token).await;
    let sample = payload("pricehistory-monthly.json");
    assert_eq!(body["symbol"], "AAPL");
    assert_eq!(body["empty"], false);
    let candles = body["candles"].as_array().unwrap();
    assert!((12..=14).contains(&candles.len()), "{}", candles.len());
    assert_eq!(keys(&candles[0]), keys(&sample["candles"][0]));
    for pair in candles.windows(2) {
        assert!(pair[0]["datetime"].as_i64() < pair[1]["datetime"].as_i64());
    }
    for c in candles {
        assert!(f(&c["low"]) <= f(&c["open"]).min(f(&c["close"])));
        assert!(f(&c["high"]) >= f(&c["open"]).max(f(&c["close"])));
    }
    let live = get_ok(&sim, "/marketdata/v1/quotes?symbols=AAPL", &token).await;
    assert_eq!(
        candles.last().unwrap()["close"],
        live["AAPL"]["quote"]["lastPrice"]
    );
    assert_eq!(f(&body["previousClose"]), 241.84);
    assert!(body["previousCloseDate"].is_i64());
    let again = get_ok(&sim, path, &token).await;
    assert_eq!(again, body, "the same request at the same sim time repeats");

    let day = "/marketdata/v1/pricehistory?symbol=SPY&periodType=day&period=1\
               &frequencyType=minute&frequency=5";
    let body = get_ok(&sim, day, &token).await;
    let candles = body["candles"].as_array().unwrap();
    if let [first, second, ..] = candles.as_slice() {
        assert_eq!(
            second["datetime"].as_i64().unwrap() - first["datetime"].as_i64().unwrap(),
            300_000
        );
    }
    assert!(
        candles.len() <= 78,
        "one session of 5-minute candles: {}",
        candles.len()
    );
}

#[tokio::test]
async fn price_history_for_unknown_symbols_is_empty_and_bad_combinations_are_400() {
    let sim = frozen_sim().await;
    let token = login(&sim).await.access;
    let body = get_ok(
        &sim,
        "/marketdata/v1/pricehistory?symbol=NOPE&periodType=month",
        &token,
    )
    .await;
    assert_eq!(body["empty"], true);
    assert_eq!(body["candles"], serde_json::json!([]));
    assert_eq!(body["symbol"], "NOPE");

    let bad = "/marketdata/v1/pricehistory?symbol=AAPL&periodType=day&frequencyType=monthly";
    let (status, _, body) = get(&sim, bad, Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["source"]["parameter"], "frequencyType");
}

#[tokio::test]
async fn market_hours_follow_the_calendar_in_new_york_time() {
    let sim = exchange_hours_sim().await;
    let token = login(&sim).await.access;
    let wednesday = (Utc::now() + chrono::TimeDelta::from_std(until(Weekday::Wed, 16)).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let path = format!("/marketdata/v1/markets?markets=equity,option&date={wednesday}");
    let body = get_ok(&sim, &path, &token).await;
    let sample = payload("market-hours.json");
    assert_eq!(keys(&body), keys(&sample));
    assert_eq!(keys(&body["equity"]["EQ"]), keys(&sample["equity"]["EQ"]));
    assert_eq!(keys(&body["option"]), ["EQO", "IND"]);
    let eq = &body["equity"]["EQ"];
    assert_eq!(eq["isOpen"], true);
    assert_eq!(eq["date"], wednesday.as_str());
    let start = eq["sessionHours"]["regularMarket"][0]["start"]
        .as_str()
        .unwrap();
    assert!(
        start.starts_with(&format!("{wednesday}T09:30:00-0")),
        "{start}"
    );
    assert!(start.ends_with("-05:00") || start.ends_with("-04:00"));
    let ind_end = body["option"]["IND"]["sessionHours"]["regularMarket"][0]["end"]
        .as_str()
        .unwrap();
    assert!(ind_end.contains("T16:15:00"), "{ind_end}");

    let saturday = (Utc::now() + chrono::TimeDelta::from_std(until(Weekday::Sat, 16)).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let one = get_ok(
        &sim,
        &format!("/marketdata/v1/markets/equity?date={saturday}"),
        &token,
    )
    .await;
    assert_eq!(one["equity"]["equity"]["isOpen"], false);

    let far = (Utc::now() + chrono::TimeDelta::days(400))
        .format("%Y-%m-%d")
        .to_string();
    let (status, _, _) = get(
        &sim,
        &format!("/marketdata/v1/markets?markets=equity&date={far}"),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_default_market_trades_around_the_clock_whatever_the_hour() {
    let sim = frozen_sim().await;
    // Saturday evening in New York: the exchange is shut, the demo market is not.
    sim.clock().advance(until(Weekday::Sat, 20));
    let token = login(&sim).await.access;
    let body = quotes(&sim, &token, "NVDA").await;
    assert!(
        body["NVDA"].get("extended").is_none(),
        "no after-hours block: {body}"
    );
    let hours = get_ok(&sim, "/marketdata/v1/markets?markets=equity", &token).await;
    let eq = &hours["equity"]["EQ"];
    assert_eq!(eq["isOpen"], true);
    let window = &eq["sessionHours"]["regularMarket"][0];
    assert!(
        window["start"].as_str().unwrap().contains("T00:00:00"),
        "{window}"
    );
    assert!(
        window["end"].as_str().unwrap().contains("T00:00:00"),
        "{window}"
    );
}
