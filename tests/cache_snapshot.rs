//! Good answers are kept in the sealed cache as they arrive, and read back at start-up with
//! the time they were fetched.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use palmtree::broker::model::QuoteState;

#[tokio::test(flavor = "multi_thread")]
async fn accounts_and_quotes_are_cached_and_read_back() {
    let demo = palmtree::demo::start(3).await.unwrap();
    assert!(
        demo.records.startup_snapshot().accounts.is_none(),
        "a fresh cache is empty"
    );
    let accounts = demo.broker.accounts().await.unwrap();
    let rows = demo
        .broker
        .quotes(&["AAPL".to_string(), "NOPE".to_string()])
        .await
        .unwrap();
    // The write runs off the caller's thread; give it a moment.
    let mut snapshot = demo.records.startup_snapshot();
    for _ in 0..50 {
        if snapshot.accounts.is_some() && snapshot.quotes.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        snapshot = demo.records.startup_snapshot();
    }
    let cached = snapshot.accounts.expect("accounts cached");
    assert_eq!(cached.value, accounts);
    assert!((chrono::Utc::now() - cached.fetched_at).num_seconds() < 30);
    let quotes = snapshot.quotes.expect("quotes cached").value;
    assert_eq!(quotes, rows);
    assert!(matches!(quotes[0].state, QuoteState::Live(_)));
    assert_eq!(quotes[1].state, QuoteState::NotFound);
    assert!(snapshot.notice.is_none());
}
