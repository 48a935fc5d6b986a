//! Measures the store: journal append and full verify of 10,000 entries, and the start-up
//! cache load (2 accounts with 50 positions, a 500-quote watchlist). Prints medians.
//!
//! Run with `cargo bench --bench store_journal`; it is a report, not a timed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use palmtree::broker::model::{
    Account, AccountKey, AssetKind, Balances, Position, Quote, QuoteRow, QuoteState,
};
use palmtree::store::{CacheKind, JournalFilter, JournalKind, Store, StoreKeys};
use rust_decimal::Decimal;
use serde_json::json;

const ENTRIES: u64 = 10_000;

fn keys() -> StoreKeys {
    StoreKeys {
        cache: [0x51; 32],
        journal: [0x52; 32],
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn order_details(i: u64) -> serde_json::Value {
    json!({
        "intent": i,
        "order": {
            "orderType": "LIMIT", "session": "NORMAL", "duration": "DAY",
            "price": "187.25", "orderStrategyType": "SINGLE",
            "orderLegCollection": [{"instruction": "BUY", "quantity": 10,
                "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}],
        },
        "status": 201,
    })
}

fn snapshot() -> (Vec<Account>, Vec<QuoteRow>) {
    let price = |i: u64| Decimal::new(10_000 + (i as i64 * 137) % 90_000, 2);
    let position = |i: u64| Position {
        symbol: format!("SYM{i:03}"),
        description: format!("COMPANY {i} COMMON STOCK"),
        kind: AssetKind::Equity,
        underlying: None,
        quantity: Decimal::from(10 + i),
        average_price: Some(price(i + 3)),
        last: Some(price(i)),
        market_value: price(i) * Decimal::from(10 + i),
        day_pl: Some(Decimal::new(1234, 2)),
        day_pl_pct: Some(Decimal::new(41, 2)),
        total_pl: Some(Decimal::new(-5678, 2)),
        total_pl_pct: Some(Decimal::new(-12, 1)),
    };
    let accounts = (0..2u64)
        .map(|a| Account {
            key: AccountKey::new(format!("{:064X}", a + 0xABCDEF)),
            label: format!("…{}", 1234 + a),
            kind: "MARGIN".into(),
            balances: Balances {
                cash: Some(Decimal::new(2_543_177, 2)),
                buying_power: Some(Decimal::new(5_086_354, 2)),
                day_trading_buying_power: Some(Decimal::new(10_172_708, 2)),
                liquidation_value: Some(Decimal::new(9_876_543, 2)),
            },
            positions: (0..25).map(|i| position(a * 25 + i)).collect(),
        })
        .collect();
    let quotes = (0..500u64)
        .map(|i| QuoteRow {
            symbol: format!("SYM{i:03}"),
            state: QuoteState::Live(Box::new(Quote {
                symbol: format!("SYM{i:03}"),
                description: format!("COMPANY {i} COMMON STOCK"),
                kind: Some(AssetKind::Equity),
                bid: Some(price(i)),
                ask: Some(price(i + 1)),
                last: Some(price(i)),
                mark: Some(price(i)),
                open: Some(price(i + 2)),
                high: Some(price(i + 5)),
                low: Some(price(i + 7)),
                close: Some(price(i + 4)),
                net_change: Some(Decimal::new(-125, 2)),
                net_pct: Some(Decimal::new(-67, 2)),
                volume: Some(Decimal::from(1_234_567 + i)),
                week52_high: Some(price(i + 11)),
                week52_low: Some(price(i + 13)),
                penny_pilot: None,
                quote_time: Some(Utc::now()),
            })),
        })
        .collect();
    (accounts, quotes)
}

fn fill_journal(path: &Path) -> Duration {
    let store = Store::open(path, keys()).unwrap();
    let start = Instant::now();
    for i in 1..=ENTRIES {
        store
            .append(JournalKind::OrderResult, &order_details(i))
            .unwrap();
    }
    start.elapsed()
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();

    let append_runs: Vec<Duration> = (0..3)
        .map(|run| fill_journal(&tmp.path().join(format!("append{run}.db"))))
        .collect();
    let append = median(append_runs);
    println!(
        "journal append x{ENTRIES} (synchronous=FULL, fsync per entry): median {:.2?} total, \
         {:.1?} per entry",
        append,
        append / ENTRIES as u32
    );

    let path = tmp.path().join("append0.db");
    let store = Store::open(&path, keys()).unwrap();
    let verify = median(
        (0..7)
            .map(|_| {
                let start = Instant::now();
                let report = store.verify(None).unwrap();
                let took = start.elapsed();
                assert!(report.is_ok());
                took
            })
            .collect(),
    );
    println!("journal verify of {ENTRIES} entries: median {verify:.2?}");
    let show = median(
        (0..7)
            .map(|_| {
                let start = Instant::now();
                let all = store.entries(JournalFilter::default()).unwrap();
                let took = start.elapsed();
                assert_eq!(all.len() as u64, ENTRIES);
                took
            })
            .collect(),
    );
    println!("journal entries (open all {ENTRIES} details): median {show:.2?}");
    drop(store);

    let cache_path = tmp.path().join("cache.db");
    let (accounts, quotes) = snapshot();
    let store = Store::open(&cache_path, keys()).unwrap();
    let now = Utc::now();
    store
        .put_cache(CacheKind::Accounts, "all", &accounts, now)
        .unwrap();
    store
        .put_cache(CacheKind::Quotes, "default", &quotes, now)
        .unwrap();
    store.close().unwrap();

    let mut load_runs = Vec::new();
    let mut open_load_runs = Vec::new();
    for _ in 0..21 {
        let start = Instant::now();
        let store = Store::open(&cache_path, keys()).unwrap();
        let opened = Instant::now();
        let a = store
            .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
            .unwrap()
            .unwrap();
        let q = store
            .get_cache::<Vec<QuoteRow>>(CacheKind::Quotes, "default")
            .unwrap()
            .unwrap();
        let done = Instant::now();
        assert_eq!(a.value.len() + q.value.len(), 502);
        load_runs.push(done - opened);
        open_load_runs.push(done - start);
    }
    println!(
        "cache load at start-up (2 accounts / 50 positions + 500 quotes): median {:.2?} \
         (open + load {:.2?})",
        median(load_runs),
        median(open_load_runs)
    );
}
