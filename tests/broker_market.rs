//! Price history and market sessions through the broker, against the simulator and against
//! hostile history bodies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use palmtree::broker::convert;
use palmtree::broker::model::{ChartRange, MarketSession};
use palmtree::schwab::market::{MarketHours, PriceHistory};

#[tokio::test]
async fn every_chart_range_has_ordered_candles_from_the_simulator() {
    let demo = palmtree::demo::start(7).await.unwrap();
    for range in [
        ChartRange::Day,
        ChartRange::Week,
        ChartRange::Month,
        ChartRange::Year,
    ] {
        let candles = demo.broker.price_history("AAPL", range).await.unwrap();
        assert!(!candles.is_empty(), "{range:?}");
        assert!(
            candles.windows(2).all(|w| w[0].time < w[1].time),
            "{range:?}"
        );
        assert!(candles.iter().all(|c| c.low <= c.high), "{range:?}");
        assert!(candles[0].time.timestamp() > 1_000_000_000, "no 1970 axis");
    }
    let session = demo.broker.market_session(Utc::now()).await.unwrap();
    assert!(matches!(
        session,
        MarketSession::PreMarket
            | MarketSession::Regular
            | MarketSession::AfterHours
            | MarketSession::Closed
    ));
}

#[test]
fn zero_timestamps_and_missing_prices_are_dropped() {
    let body = br#"{"symbol":"AAPL","empty":false,"candles":[
        {"open":1,"high":2,"low":0.5,"close":1.5,"volume":10,"datetime":0},
        {"open":1,"high":2,"low":0.5,"volume":10,"datetime":1738285199000},
        {"open":1,"high":2,"low":0.5,"close":1.75,"volume":10,"datetime":1738285199000}
    ]}"#;
    let history: PriceHistory = serde_json::from_slice(body).unwrap();
    let candles = convert::candles(&history);
    assert_eq!(candles.len(), 1);
    assert_eq!(candles[0].close, "1.75".parse().unwrap());
    let empty: PriceHistory = serde_json::from_slice(br#"{"candles":[],"empty":true}"#).unwrap();
    assert!(convert::candles(&empty).is_empty());
}

#[test]
fn sessions_follow_the_recorded_hours() {
    let path = format!(
        "{}/tests/fixtures/schwab/market-hours.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let hours: MarketHours = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2024, 10, 18, h, m, 0).unwrap();
    // 2024-10-18 is in US daylight time: Eastern = UTC-4.
    assert_eq!(
        convert::market_session(&hours, at(12, 0)),
        MarketSession::PreMarket
    );
    assert_eq!(
        convert::market_session(&hours, at(13, 30)),
        MarketSession::Regular
    );
    assert_eq!(
        convert::market_session(&hours, at(20, 30)),
        MarketSession::AfterHours
    );
    assert_eq!(
        convert::market_session(&hours, at(2, 0)),
        MarketSession::Closed
    );
}
