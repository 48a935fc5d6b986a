//! The sealed cache against real SQLite files: round trips, values that will not open, a lost
//! key, and the raw file bytes holding none of the account's numbers, symbols or prices.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{TimeZone, Utc};
use palmtree::broker::model::{
    Account, AccountKey, AssetKind, Balances, Position, Quote, QuoteRow, QuoteState,
};
use palmtree::store::{
    CacheDropReason, CacheKind, CacheNotice, JournalFilter, JournalKind, Store, StoreKeys,
};
use rusqlite::Connection;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

const ACCOUNT_NUMBER: &str = "10001234";
const ACCOUNT_HASH: &str = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";

fn keys() -> StoreKeys {
    StoreKeys {
        cache: [0x31; 32],
        journal: [0x32; 32],
    }
}

fn position(symbol: &str, quantity: Decimal, last: Decimal) -> Position {
    Position {
        symbol: symbol.into(),
        description: format!("{symbol} COMMON STOCK"),
        kind: AssetKind::Equity,
        underlying: None,
        quantity,
        average_price: Some(dec!(150.10)),
        last: Some(last),
        market_value: quantity * last,
        day_pl: Some(dec!(12.5)),
        day_pl_pct: Some(dec!(0.4)),
        total_pl: Some(dec!(-3.75)),
        total_pl_pct: None,
    }
}

fn accounts() -> Vec<Account> {
    vec![
        Account {
            key: AccountKey::new(ACCOUNT_HASH),
            label: format!("Individual {ACCOUNT_NUMBER}"),
            kind: "MARGIN".into(),
            balances: Balances {
                cash: Some(dec!(25431.77)),
                buying_power: Some(dec!(50863.54)),
                day_trading_buying_power: None,
                liquidation_value: Some(dec!(98765.43)),
            },
            positions: vec![
                position("AAPL", dec!(100), dec!(187.25)),
                position("NVDA", dec!(-20), dec!(903.61)),
            ],
        },
        Account {
            key: AccountKey::new(
                "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90",
            ),
            label: "Roth IRA".into(),
            kind: "CASH".into(),
            balances: Balances::default(),
            positions: vec![position("MSFT", dec!(15), dec!(415.33))],
        },
    ]
}

fn quotes() -> Vec<QuoteRow> {
    vec![
        QuoteRow {
            symbol: "TSLA".into(),
            state: QuoteState::Live(Box::new(Quote {
                symbol: "TSLA".into(),
                description: "Tesla Inc".into(),
                kind: Some(AssetKind::Equity),
                bid: Some(dec!(251.12)),
                ask: Some(dec!(251.19)),
                last: Some(dec!(251.15)),
                quote_time: Some(Utc.with_ymd_and_hms(2026, 12, 3, 14, 1, 59).unwrap()),
                ..Quote::default()
            })),
        },
        QuoteRow {
            symbol: "ZZZQ".into(),
            state: QuoteState::NotFound,
        },
    ]
}

fn order() -> serde_json::Value {
    json!({
        "accountNumber": ACCOUNT_NUMBER,
        "orderType": "LIMIT",
        "price": "187.25",
        "orderLegCollection": [{"instruction": "BUY", "quantity": 10,
            "instrument": {"symbol": "NFLX", "assetType": "EQUITY"}}],
    })
}

fn fetched() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 14, 2, 0).unwrap()
}

fn tamper(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

#[test]
fn values_round_trip_with_their_fetch_time() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    store
        .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
        .unwrap();
    store
        .put_cache(CacheKind::Quotes, "default", &quotes(), fetched())
        .unwrap();
    drop(store);

    let store = Store::open(&path, keys()).unwrap();
    let cached = store
        .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
        .unwrap()
        .unwrap();
    assert_eq!(cached.value, accounts());
    assert_eq!(cached.fetched_at, fetched());
    let rows = store
        .get_cache::<Vec<QuoteRow>>(CacheKind::Quotes, "default")
        .unwrap()
        .unwrap();
    assert_eq!(rows.value, quotes());
    assert_eq!(
        store
            .get_cache::<Vec<QuoteRow>>(CacheKind::Quotes, "tech")
            .unwrap(),
        None
    );
    assert_eq!(store.take_cache_notice(), None);

    // A newer fetch replaces the row.
    let later = fetched() + chrono::TimeDelta::minutes(5);
    store
        .put_cache(CacheKind::Quotes, "default", &Vec::<QuoteRow>::new(), later)
        .unwrap();
    let rows = store
        .get_cache::<Vec<QuoteRow>>(CacheKind::Quotes, "default")
        .unwrap()
        .unwrap();
    assert!(rows.value.is_empty());
    assert_eq!(rows.fetched_at, later);
}

#[test]
fn a_value_moved_to_another_row_does_not_open_and_drops_the_cache_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    store
        .put_cache(CacheKind::Quotes, "default", &quotes(), fetched())
        .unwrap();
    store
        .put_cache(
            CacheKind::Quotes,
            "tech",
            &Vec::<QuoteRow>::new(),
            fetched(),
        )
        .unwrap();
    store
        .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
        .unwrap();
    tamper(&path)
        .execute_batch(
            "UPDATE cache SET value = (SELECT value FROM cache WHERE id = 1) WHERE id = 2;",
        )
        .unwrap();

    let got = store
        .get_cache::<Vec<QuoteRow>>(CacheKind::Quotes, "tech")
        .unwrap();
    assert_eq!(got, None);
    assert_eq!(
        store.take_cache_notice(),
        Some(CacheNotice {
            reason: CacheDropReason::Unreadable
        })
    );
    assert_eq!(store.take_cache_notice(), None, "said once");
    // The whole cache went, including rows that would have opened.
    assert_eq!(
        store
            .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
            .unwrap(),
        None
    );
    assert_eq!(store.take_cache_notice(), None);

    // The journal says so, and still verifies.
    let dropped = store
        .entries(JournalFilter {
            since: None,
            kind: Some(JournalKind::CacheDropped),
        })
        .unwrap();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].details["reason"], "unreadable");
    assert!(store.verify(None).unwrap().is_ok());

    // And it refills.
    store
        .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
        .unwrap();
    assert!(
        store
            .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_changed_fetch_time_swapped_scope_or_flipped_byte_does_not_open() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    for sql in [
        "UPDATE cache SET fetched_at_us = fetched_at_us + 60000000",
        "UPDATE cache SET value = CAST(substr(value, 1, length(value) - 1) || X'00' AS BLOB)",
        // Swapping the blind indexes moves each value under the other scope.
        "CREATE TEMP TABLE t AS SELECT id, scope_tag FROM cache;
         UPDATE cache SET scope_tag = X'00' WHERE id = (SELECT min(id) FROM t);
         UPDATE cache SET scope_tag = (SELECT scope_tag FROM t WHERE id = (SELECT min(id) FROM t))
             WHERE id = (SELECT max(id) FROM t);
         UPDATE cache SET scope_tag = (SELECT scope_tag FROM t WHERE id = (SELECT max(id) FROM t))
             WHERE id = (SELECT min(id) FROM t);",
    ] {
        store
            .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
            .unwrap();
        store
            .put_cache(CacheKind::Accounts, "other", &accounts(), fetched())
            .unwrap();
        tamper(&path).execute_batch(sql).unwrap();
        assert_eq!(
            store
                .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
                .unwrap(),
            None,
            "{sql}"
        );
        assert!(store.take_cache_notice().is_some(), "{sql}");
    }
}

#[test]
fn a_lost_cache_key_drops_the_cache_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    store
        .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
        .unwrap();
    store.append(JournalKind::Login, &json!({})).unwrap();
    drop(store);

    let new_keys = StoreKeys {
        cache: [0x77; 32],
        journal: [0x32; 32],
    };
    let store = Store::open(&path, new_keys).unwrap();
    assert_eq!(
        store.take_cache_notice(),
        Some(CacheNotice {
            reason: CacheDropReason::KeyChanged
        })
    );
    assert!(store.take_cache_notice().is_none());
    assert_eq!(
        store
            .get_cache::<Vec<Account>>(CacheKind::Accounts, "all")
            .unwrap(),
        None
    );
    let entries = store.entries(JournalFilter::default()).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].kind, JournalKind::CacheDropped);
    assert_eq!(entries[1].details["reason"], "key-changed");
    assert!(store.verify(None).unwrap().is_ok());
}

#[test]
fn a_value_that_no_longer_fits_its_type_is_a_quiet_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("p.db"), keys()).unwrap();
    store
        .put_cache(
            CacheKind::Orders,
            "all",
            &json!({"not": "a list"}),
            fetched(),
        )
        .unwrap();
    assert_eq!(
        store
            .get_cache::<Vec<String>>(CacheKind::Orders, "all")
            .unwrap(),
        None
    );
    assert_eq!(store.take_cache_notice(), None);
}

fn read_all(path: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let name = format!("{}{suffix}", path.display());
            std::fs::read(&name).ok().map(|bytes| (name, bytes))
        })
        .collect()
}

fn assert_absent(files: &[(String, Vec<u8>)], needles: &[&str]) {
    for (name, bytes) in files {
        for needle in needles {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
            assert!(!found, "{needle:?} is readable in {name}");
        }
    }
}

#[test]
fn the_raw_files_hold_no_account_numbers_symbols_or_prices() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    store
        .put_cache(CacheKind::Accounts, "all", &accounts(), fetched())
        .unwrap();
    store
        .put_cache(CacheKind::Quotes, "default", &quotes(), fetched())
        .unwrap();
    // Orders cached per account: the scope is the account hash, which must not show either.
    store
        .put_cache(CacheKind::Orders, ACCOUNT_HASH, &vec![order()], fetched())
        .unwrap();
    let intent = store
        .append(JournalKind::OrderSubmitted, &json!({"order": order()}))
        .unwrap();
    store
        .append(
            JournalKind::OrderResult,
            &json!({"intent": intent.seq, "status": 201, "orderId": 778899,
                    "account": ACCOUNT_NUMBER, "filledPrice": "187.25"}),
        )
        .unwrap();

    let needles = [
        ACCOUNT_NUMBER,
        &ACCOUNT_HASH[..16],
        "Individual",
        "Roth IRA",
        "AAPL",
        "NVDA",
        "MSFT",
        "TSLA",
        "NFLX",
        "187.25",
        "903.61",
        "25431.77",
        "98765.43",
        "251.15",
        "778899",
        "LIMIT",
    ];
    // While open, the newest pages live in the WAL: check it and the SHM too.
    let open_files = read_all(&path);
    assert!(open_files.len() >= 2, "the WAL should exist while open");
    assert_absent(&open_files, &needles);

    store.close().unwrap();
    let closed = read_all(&path);
    assert_absent(&closed, &needles);
    assert!(closed[0].1.starts_with(b"SQLite format 3"));

    // Sanity check that the search itself works: the plain kind names are there.
    let all: Vec<u8> = open_files.into_iter().flat_map(|(_, b)| b).collect();
    assert!(all.windows(15).any(|w| w == b"order-submitted"));

    // And the sealed data is all still there.
    let store = Store::open(&path, keys()).unwrap();
    let cached = store
        .get_cache::<Vec<serde_json::Value>>(CacheKind::Orders, ACCOUNT_HASH)
        .unwrap()
        .unwrap();
    assert_eq!(cached.value, vec![order()]);
}

#[cfg(unix)]
#[test]
fn the_file_and_its_companions_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data/palmtree");
    let path = dir.join("palmtree.db");
    let store = Store::open(&path, keys()).unwrap();
    store.append(JournalKind::Login, &json!({})).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for (name, _) in read_all(&path) {
        assert_eq!(mode(Path::new(&name)), 0o600, "{name}");
    }
}
