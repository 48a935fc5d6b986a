//! Property tests for every reader of untrusted input (Schwab answers and their conversion,
//! error bodies, headers, times, the pasted redirect, the callback, symbols, the ticket, the
//! config, the text scrubbers): arbitrary and mutated inputs never panic or overflow the
//! stack, and each reader keeps its promise (no control characters reach the screen).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use palmtree::auth::callback;
use palmtree::auth::redirect::parse_redirect;
use palmtree::broker::convert;
use palmtree::broker::model::{Account, QuoteRow, QuoteState};
use palmtree::broker::orders::{matches_request, order_row};
use palmtree::config::Config;
use palmtree::logging::redact;
use palmtree::sanitize::{clean, strip};
use palmtree::schwab::accounts::{AccountEnvelope, AccountNumber, UserPreference};
use palmtree::schwab::client::parse_body;
use palmtree::schwab::errors::{looks_like_html, summarize_error_body};
use palmtree::schwab::market::{MarketHours, PriceHistory};
use palmtree::schwab::orders::{Order, OrderRequest, PreviewOrder};
use palmtree::schwab::orders::{order_id_from_location, parse_time};
use palmtree::schwab::quotes::parse_quotes;
use palmtree::schwab::token::{OAuthErrorBody, TokenResponse};
use palmtree::trading::symbol::parse_symbol;
use palmtree::trading::{
    AssetClass, Duration as OrderDuration, FrozenOrder, Instruction, Limits, MarketContext,
    OrderKind, Session, Ticket, validate,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// `n` cases per property (or `PROPTEST_CASES`, for a longer search), and no regression
/// file: inputs that once failed are kept as plain tests at the foot of this file instead.
fn cases(n: u32) -> ProptestConfig {
    let asked = std::env::var("PROPTEST_CASES").ok();
    ProptestConfig {
        cases: asked.and_then(|v| v.parse().ok()).unwrap_or(n),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// -------------------------------------------------------------------------------------------
// Fixtures and mutations

/// The recorded payloads each parser is fed, mutated.
const QUOTES: &[&str] = &[
    "quotes-equity.json",
    "quotes-equity-aapl-amd.json",
    "quotes-etf.json",
    "quotes-forex.json",
    "quotes-future.json",
    "quotes-index-option.json",
    "quotes-index.json",
    "quotes-multi-doc-example.json",
    "quotes-mutual-fund.json",
    "quotes-option.json",
];
const ACCOUNT: &str = "account-with-positions-options-long-short.json";
const ORDERS: &[&str] = &[
    "orders-list-filled-option-verticals.json",
    "orders-list-pending-activation-equity.json",
];
const ERRORS: &[&str] = &[
    "error-body-buffer-overflow.json",
    "error-marketdata-400-doc-example.json",
    "error-marketdata-401-client-not-authorized.json",
    "error-marketdata-404-symbol-not-found.json",
    "error-oauth-refresh-token-authentication-error.json",
    "error-oauth-refresh-token-invalid-grant.json",
    "error-trader-doc-schema.json",
];

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/schwab/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Number texts a `Value` cannot hold, spliced into the serialized JSON in place of a marker.
const RAW_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "-0.0",
    "0e0",
    "79228162514264337593543950336",
    "-79228162514264337593543950336",
    "7.9228162514264337593543950335E28",
    "18446744073709551616",
    "-9223372036854775809",
    "0.00000000000000000000000000000000001",
    "123456789012345678901234567890.123456789",
    "1E+28",
    "4.9e-324",
];

/// Strings that look like numbers, times or nothing, or that carry terminal controls.
const ODD_STRINGS: &[&str] = &[
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "-0",
    "1e400",
    "0x1F",
    "",
    " ",
    "null",
    "true",
    "\u{1b}]0;owned\u{7}",
    "\u{1b}[2J\u{1b}[H",
    "\u{9b}31m",
    "abc\u{202e}fed",
    "\u{0}",
    "2025-13-45T99:99:99+0000",
    "+275760-09-13T00:00:00Z",
    "1738299363000",
    "🚀🚀🚀",
    "AAPL  270115C00200000",
];

/// One change to a JSON tree, applied to the node `at` (in pre-order, modulo the node count).
#[derive(Clone, Debug)]
enum Edit {
    /// Remove the node from its object or array.
    Drop,
    /// Put another value (often of another type) in its place.
    Replace(Value),
    /// Put a number text that JSON allows but `Value` cannot hold in its place.
    Raw(usize),
    /// Wrap the node in this many arrays or objects.
    Nest(usize, bool),
    /// A very long string of one character.
    Long(usize, char),
}

const DROP_MARK: &str = "\u{0}palmtree-fuzz-drop";
const RAW_MARK: &str = "\u{0}palmtree-fuzz-raw-";

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop::sample::select(ODD_STRINGS).prop_map(|s| json!(s)),
        "\\PC{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

/// Any JSON value, a few levels deep.
fn arb_json() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{1,12}", inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => Just(Edit::Drop),
        4 => arb_json().prop_map(Edit::Replace),
        3 => (0..RAW_NUMBERS.len()).prop_map(Edit::Raw),
        1 => (1usize..160, any::<bool>()).prop_map(|(n, a)| Edit::Nest(n, a)),
        1 => (1000usize..20_000, any::<char>()).prop_map(|(n, c)| Edit::Long(n, c)),
        1 => (1000usize..20_000, prop::sample::select(vec!['0', '9', '_']))
            .prop_map(|(n, c)| Edit::Long(n, c)),
    ]
}

/// Up to six edits, each at a node chosen by a number.
fn arb_edits() -> impl Strategy<Value = Vec<(usize, Edit)>> {
    prop::collection::vec((any::<usize>(), arb_edit()), 1..6)
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Finds the node numbered `*at` in pre-order and applies `edit` to it.
fn edit_node(value: &mut Value, at: &mut usize, edit: &Edit) -> bool {
    if *at == 0 {
        *value = match edit {
            Edit::Drop => json!(DROP_MARK),
            Edit::Replace(new) => new.clone(),
            Edit::Raw(i) => json!(format!("{RAW_MARK}{i}")),
            Edit::Nest(depth, arrays) => {
                let mut nested = value.take();
                for _ in 0..*depth {
                    nested = if *arrays {
                        json!([nested])
                    } else {
                        json!({ "a": nested })
                    };
                }
                nested
            }
            Edit::Long(n, c) => Value::String(std::iter::repeat_n(*c, *n).collect()),
        };
        return true;
    }
    *at -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| edit_node(v, at, edit)),
        Value::Object(map) => map.values_mut().any(|v| edit_node(v, at, edit)),
        _ => false,
    }
}

fn remove_dropped(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.retain(|v| v.as_str() != Some(DROP_MARK));
            items.iter_mut().for_each(remove_dropped);
        }
        Value::Object(map) => {
            map.retain(|_, v| v.as_str() != Some(DROP_MARK));
            map.values_mut().for_each(remove_dropped);
        }
        _ => {}
    }
}

/// The payload with the edits applied, as the bytes a server would send.
fn mutate(mut value: Value, edits: &[(usize, Edit)]) -> Vec<u8> {
    for (pick, edit) in edits {
        let mut at = pick % count_nodes(&value);
        edit_node(&mut value, &mut at, edit);
    }
    remove_dropped(&mut value);
    let mut text = value.to_string();
    for (i, raw) in RAW_NUMBERS.iter().enumerate() {
        let marker = serde_json::to_string(&format!("{RAW_MARK}{i}")).unwrap();
        text = text.replace(&marker, raw);
    }
    text.into_bytes()
}

/// Bytes of any kind, including ones close to JSON.
fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        arb_json().prop_map(|v| v.to_string().into_bytes()),
        "[\\[\\]{}\",:0-9eE.+\\- a-z\\\\]{0,200}".prop_map(String::into_bytes),
    ]
}

// -------------------------------------------------------------------------------------------
// Invariants

/// The characters `sanitize::clean` promises never to let through.
fn unsafe_char(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1F}'
            | '\u{7F}'
            | '\u{80}'..='\u{9F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
    )
}

fn screen_safe(what: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !text.chars().any(unsafe_char),
        "{what} carries a control character: {text:?}"
    );
    Ok(())
}

fn check_row(row: &QuoteRow) -> Result<(), TestCaseError> {
    screen_safe("symbol", &row.symbol)?;
    match &row.state {
        QuoteState::Live(quote) => {
            screen_safe("quote symbol", &quote.symbol)?;
            screen_safe("description", &quote.description)?;
            if let Some(kind) = &quote.kind {
                screen_safe("kind", kind.label())?;
            }
        }
        QuoteState::Unavailable(reason) => screen_safe("reason", reason)?,
        QuoteState::NotFound => {}
    }
    Ok(())
}

fn check_quotes(body: &[u8]) -> Result<(), TestCaseError> {
    let Ok(batch) = parse_quotes(body) else {
        return Ok(());
    };
    let mut symbols: Vec<String> = batch.entries.iter().map(|(k, _)| k.clone()).collect();
    symbols.extend(batch.invalid_symbols.iter().cloned());
    symbols.push("AAPL".into());
    for symbol in &symbols {
        check_row(&convert::quote_row(symbol, &batch))?;
    }
    Ok(())
}

fn check_account(account: &Account) -> Result<(), TestCaseError> {
    screen_safe("label", &account.label)?;
    screen_safe("kind", &account.kind)?;
    for position in &account.positions {
        screen_safe("symbol", &position.symbol)?;
        screen_safe("description", &position.description)?;
        screen_safe("kind", position.kind.label())?;
        if let Some(underlying) = &position.underlying {
            screen_safe("underlying", underlying)?;
        }
    }
    Ok(())
}

fn check_accounts(body: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(envelope) = parse_body::<AccountEnvelope>(body) {
        check_account(&convert::account(&envelope, Some("HASH"), None))?;
        check_account(&convert::account(&envelope, None, Some("nick\u{1b}[2J")))?;
    }
    if let Ok(list) = parse_body::<Vec<AccountEnvelope>>(body) {
        for envelope in &list {
            check_account(&convert::account(envelope, None, None))?;
        }
    }
    Ok(())
}

/// An order request the read-back compares returned orders with.
fn sample_request() -> OrderRequest {
    let ticket = Ticket {
        account: Some(palmtree::broker::model::AccountKey::new("HASH")),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        instruction: Some(Instruction::Buy),
        quantity: "10".into(),
        order_kind: Some(OrderKind::Limit),
        limit_price: "187.25".into(),
        duration: Some(OrderDuration::Day),
        session: Some(Session::Normal),
        ..Ticket::default()
    };
    validate(&ticket, &MarketContext::default(), &Limits::default())
        .order
        .unwrap()
}

fn check_order(order: &Order, request: &OrderRequest) -> Result<(), TestCaseError> {
    let _ = matches_request(order, request);
    if let Some(row) = order_row(order, "label", "HASH") {
        for text in [
            &row.symbol,
            &row.description,
            &row.instruction,
            &row.order_type,
            &row.duration,
            &row.status,
        ] {
            screen_safe("order field", text)?;
        }
        if let Some(reason) = &row.status_description {
            screen_safe("status description", reason)?;
        }
    }
    for child in order.child_order_strategies.iter().flatten() {
        check_order(child, request)?;
    }
    Ok(())
}

fn check_orders(body: &[u8]) -> Result<(), TestCaseError> {
    let request = sample_request();
    if let Ok(order) = parse_body::<Order>(body) {
        check_order(&order, &request)?;
    }
    if let Ok(orders) = parse_body::<Vec<Order>>(body) {
        for order in &orders {
            check_order(order, &request)?;
        }
    }
    Ok(())
}

fn check_preview(body: &[u8]) {
    if let Ok(preview) = parse_body::<PreviewOrder>(body) {
        let _ = preview.total_commission();
        let _ = preview.total_fees();
        let _ = preview.rejects();
        let _ = preview.warnings();
        let _ = format!("{preview:?}");
    }
}

fn check_history(body: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(history) = parse_body::<PriceHistory>(body) {
        let candles = convert::candles(&history);
        prop_assert!(candles.len() <= history.candles.len());
        prop_assert!(candles.windows(2).all(|w| w[0].time <= w[1].time));
    }
    Ok(())
}

fn check_hours(body: &[u8], now: DateTime<Utc>) {
    if let Ok(hours) = parse_body::<MarketHours>(body) {
        let _ = convert::market_session(&hours, now).label();
    }
}

fn check_token(body: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(token) = serde_json::from_slice::<TokenResponse>(body) {
        let shown = format!("{token:?}");
        prop_assert!(shown.contains("[redacted]"));
    }
    if let Ok(error) = serde_json::from_slice::<OAuthErrorBody>(body) {
        let _ = error.inner_error();
        let _ = error.inner_description();
        let _ = error.refresh_token_rejected();
    }
    Ok(())
}

fn check_summary(body: &[u8]) -> Result<(), TestCaseError> {
    let summary = summarize_error_body(body);
    prop_assert!(!summary.is_empty());
    prop_assert!(summary.chars().count() <= 161, "{summary:?}");
    let text = String::from_utf8_lossy(body);
    if looks_like_html(&text) && serde_json::from_slice::<Value>(body).is_err() {
        prop_assert!(summary.starts_with("a web page"), "{summary:?}");
    }
    Ok(())
}

fn arb_time() -> impl Strategy<Value = DateTime<Utc>> {
    (-2_000_000_000_000i64..8_000_000_000_000i64)
        .prop_map(|ms| Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
}

// -------------------------------------------------------------------------------------------
// Response parsers: arbitrary bytes

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_bytes_are_read_or_refused_by_every_response_parser(
        body in arb_bytes(),
        now in arb_time(),
    ) {
        check_quotes(&body)?;
        check_accounts(&body)?;
        let _ = parse_body::<Vec<AccountNumber>>(&body);
        let _ = parse_body::<UserPreference>(&body);
        check_orders(&body)?;
        check_preview(&body);
        check_history(&body)?;
        check_hours(&body, now);
        check_token(&body)?;
        check_summary(&body)?;
    }

    #[test]
    fn any_json_is_read_or_refused_by_every_response_parser(value in arb_json()) {
        let body = value.to_string().into_bytes();
        check_quotes(&body)?;
        check_accounts(&body)?;
        check_orders(&body)?;
        check_preview(&body);
        check_history(&body)?;
        check_token(&body)?;
        check_summary(&body)?;
    }
}

// -------------------------------------------------------------------------------------------
// Response parsers: mutated recorded payloads

proptest! {
    #![proptest_config(cases(192))]

    #[test]
    fn mutated_quotes_never_panic_and_never_show_controls(
        pick in 0..QUOTES.len(),
        edits in arb_edits(),
    ) {
        let body = mutate(fixture(QUOTES[pick]), &edits);
        check_quotes(&body)?;
        check_summary(&body)?;
    }

    #[test]
    fn mutated_accounts_never_panic_and_never_show_controls(edits in arb_edits()) {
        let one = mutate(fixture(ACCOUNT), &edits);
        check_accounts(&one)?;
        let list = mutate(json!([fixture(ACCOUNT), fixture(ACCOUNT)]), &edits);
        check_accounts(&list)?;
    }

    #[test]
    fn mutated_account_numbers_and_preferences_never_panic(
        edits in arb_edits(),
    ) {
        let numbers = mutate(fixture("account-numbers.json"), &edits);
        if let Ok(list) = parse_body::<Vec<AccountNumber>>(&numbers) {
            let shown = format!("{list:?}");
            prop_assert!(!shown.contains("12345678"), "{}", shown);
        }
        let preference = mutate(fixture("user-preference.json"), &edits);
        if let Ok(preference) = parse_body::<UserPreference>(&preference) {
            let shown = format!("{preference:?}");
            prop_assert!(!shown.contains("12345678"), "{}", shown);
        }
    }

    #[test]
    fn mutated_orders_never_panic_and_never_show_controls(
        pick in 0..ORDERS.len(),
        edits in arb_edits(),
    ) {
        check_orders(&mutate(fixture(ORDERS[pick]), &edits))?;
        check_orders(&mutate(fixture("order-canceled-equity-limit.json"), &edits))?;
    }

    #[test]
    fn mutated_previews_never_panic(edits in arb_edits()) {
        check_preview(&mutate(fixture("order-preview-rejected.json"), &edits));
    }

    #[test]
    fn mutated_history_and_hours_never_panic(edits in arb_edits(), now in arb_time()) {
        check_history(&mutate(fixture("pricehistory-monthly.json"), &edits))?;
        check_hours(&mutate(fixture("market-hours.json"), &edits), now);
    }

    #[test]
    fn mutated_token_answers_and_error_bodies_never_panic(
        pick in 0..ERRORS.len(),
        edits in arb_edits(),
    ) {
        check_token(&mutate(fixture("token-response-doc-example.json"), &edits))?;
        let error = mutate(fixture(ERRORS[pick]), &edits);
        check_token(&error)?;
        check_summary(&error)?;
    }
}

// -------------------------------------------------------------------------------------------
// Numbers at the edge of `Decimal`, in every field the conversions compute with

/// Decimals from the smallest to the largest `Decimal` can hold, and the usual ones between.
fn arb_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
        Just(Decimal::new(1, 28)),
        Just(Decimal::new(-1, 28)),
        (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        (any::<i128>(), 0u32..=28).prop_map(|(m, s)| {
            Decimal::try_from_i128_with_scale(m >> 32, s).unwrap_or(Decimal::MAX)
        }),
    ]
}

/// A decimal as a JSON string, which the wire types also accept: a JSON number would pass
/// through `f64` and lose the extremes this is meant to reach.
fn number(d: Decimal) -> Value {
    Value::String(d.to_string())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_position_with_extreme_numbers_converts_without_panicking(
        long in arb_decimal(),
        short in arb_decimal(),
        average in arb_decimal(),
        value in arb_decimal(),
        pl in arb_decimal(),
        option in any::<bool>(),
        with_pl in any::<bool>(),
    ) {
        let mut position = json!({
            "longQuantity": number(long),
            "shortQuantity": number(short),
            "averagePrice": number(average),
            "marketValue": number(value),
            "instrument": {"assetType": if option { "OPTION" } else { "EQUITY" }, "symbol": "X"},
        });
        if with_pl {
            position["longOpenProfitLoss"] = number(pl);
        }
        let body = json!({"securitiesAccount": {
            "accountNumber": "12345678",
            "positions": [position],
            "currentBalances": {"cashBalance": number(value)},
        }});
        check_accounts(body.to_string().as_bytes())?;
    }

    #[test]
    fn a_quote_with_extreme_numbers_converts_without_panicking(
        numbers in prop::collection::vec(prop::option::of(arb_decimal()), 8),
        kind in prop::sample::select(vec!["EQUITY", "FUTURE", "MUTUAL_FUND", "OPTION", "X"]),
        time in any::<i64>(),
    ) {
        let body = json!({"ZZ": {
            "assetMainType": kind,
            "symbol": "ZZ",
            "quote": {
                "lastPrice": numbers[0].map(number),
                "netPercentChange": numbers[1].map(number),
                "futurePercentChange": numbers[2].map(number),
                "nAV": numbers[3].map(number),
                "closePrice": numbers[4].map(number),
                "totalVolume": numbers[5].map(number),
                "bidPrice": numbers[6].map(number),
                "askPrice": numbers[7].map(number),
                "quoteTime": time,
                "tradeTime": time,
            },
        }});
        check_quotes(body.to_string().as_bytes())?;
    }

    #[test]
    fn an_order_with_extreme_fills_converts_without_panicking(
        fills in prop::collection::vec((arb_decimal(), arb_decimal()), 0..4),
        canceled in any::<bool>(),
    ) {
        let legs: Vec<Value> = fills
            .iter()
            .map(|(q, p)| json!({"legId": 1, "quantity": number(*q), "price": number(*p)}))
            .collect();
        let body = json!({
            "orderId": 1,
            "orderType": "LIMIT",
            "status": "FILLED",
            "orderActivityCollection": [{
                "activityType": "EXECUTION",
                "executionType": if canceled { "CANCELED" } else { "FILL" },
                "executionLegs": legs,
            }],
        });
        check_orders(body.to_string().as_bytes())?;
    }

    #[test]
    fn a_preview_with_extreme_charges_sums_without_panicking(
        values in prop::collection::vec(arb_decimal(), 0..6),
    ) {
        let charges: Vec<Value> =
            values.iter().map(|v| json!({"value": number(*v), "type": "COMMISSION"})).collect();
        let body = json!({"commissionAndFee": {
            "commission": {"commissionLegs": [{"commissionValues": charges}]},
            "fee": {"feeLegs": [{"feeValues": charges}, {"feeValues": charges}]},
        }});
        check_preview(body.to_string().as_bytes());
    }
}

// -------------------------------------------------------------------------------------------
// Headers, times and text

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_location_header_gives_a_positive_id_or_none(text in any::<String>()) {
        if let Some(id) = order_id_from_location(&text) {
            prop_assert!(id > 0);
            prop_assert!(text.contains(&id.to_string()));
        }
    }

    #[test]
    fn a_location_with_an_id_gives_that_id(
        id in 1i64..i64::MAX,
        tail in prop::sample::select(vec!["", "/", "?x=1", "#f", "  "]),
    ) {
        let location = format!("https://api.schwabapi.com/trader/v1/accounts/H/orders/{id}{tail}");
        prop_assert_eq!(order_id_from_location(&location), Some(id));
    }

    #[test]
    fn any_time_text_is_read_or_refused(text in any::<String>()) {
        let _ = parse_time(&text);
    }

    #[test]
    fn schwab_times_are_read_back_exactly(at in arb_time(), colon in any::<bool>()) {
        let offset = if colon { "+00:00" } else { "+0000" };
        let text = format!("{}{offset}", at.format("%Y-%m-%dT%H:%M:%S%.3f"));
        prop_assert_eq!(parse_time(&text), Some(at));
    }

    #[test]
    fn clean_leaves_no_controls_and_keeps_its_length(text in any::<String>(), max in 0usize..80) {
        let cleaned = clean(&text, max);
        screen_safe("cleaned", &cleaned)?;
        prop_assert!(cleaned.chars().count() <= max);
        let stripped = strip(&text, max);
        screen_safe("stripped", &stripped)?;
        prop_assert!(stripped.chars().count() <= max);
    }

    #[test]
    fn redaction_is_idempotent_and_leaves_no_long_secret(text in any::<String>()) {
        let once = redact(&text);
        prop_assert_eq!(redact(&once), once.clone());
        let token = |c: char| c.is_ascii_alphanumeric() || "-._~+/@%".contains(c);
        for run in once.split(|c: char| !token(c)) {
            let is_uuid = run.len() == 36 && run.chars().filter(|c| *c == '-').count() == 4;
            prop_assert!(
                run.chars().count() < 24 || !run.chars().any(|c| c.is_ascii_digit()) || is_uuid,
                "{run:?} survived redaction"
            );
        }
    }

    #[test]
    fn a_bearer_token_in_text_is_always_redacted(
        before in "[a-z ]{0,20}",
        secret in "[A-Za-z]{12}[0-9][A-Za-z0-9.%@]{12,60}",
        after in "[a-z ]{0,20}",
    ) {
        let line = format!("{before} {secret} {after}");
        prop_assert!(!redact(&line).contains(&secret));
    }
}

// -------------------------------------------------------------------------------------------
// The pasted redirect and the callback

const CALLBACK: &str = "https://127.0.0.1:8182";

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_paste_gives_a_code_or_an_error(
        text in any::<String>(),
        callback in prop_oneof![Just(CALLBACK.to_string()), any::<String>()],
        state in "\\PC{0,20}",
    ) {
        if let Ok(code) = parse_redirect(&text, &callback, &state) {
            use secrecy::ExposeSecret;
            prop_assert!(!code.0.expose_secret().is_empty());
        }
    }

    #[test]
    fn a_redirect_shaped_paste_gives_its_code_exactly_when_it_should(
        scheme in prop::sample::select(vec!["https", "http", "HTTPS"]),
        host in prop::sample::select(vec!["127.0.0.1", "localhost", "api.schwabapi.com"]),
        port in prop::sample::select(vec![":8182", ":8183", "", ":443"]),
        path in prop::sample::select(vec!["/", "", "/callback", "//"]),
        code in "[A-Za-z0-9.%@~_-]{0,40}",
        state in "[A-Za-z0-9_-]{1,20}",
        returned in prop_oneof![Just(None), "[A-Za-z0-9_-]{0,20}".prop_map(Some)],
        wrap in prop::sample::select(vec!["", "\"", "'", "<", " "]),
        extra in "(&[a-z]{1,8}=[^&#]{0,12}){0,3}",
    ) {
        let returned = returned.unwrap_or_else(|| state.clone());
        let url = format!("{scheme}://{host}{port}{path}?code={code}&state={returned}{extra}");
        let pasted = format!("{wrap}{url}{wrap}");
        let result = parse_redirect(&pasted, CALLBACK, &state);
        let right_place = scheme.eq_ignore_ascii_case("https")
            && host == "127.0.0.1"
            && port == ":8182"
            && path.trim_end_matches('/').is_empty();
        let extra_code = extra.contains("&code=") || extra.contains("&state=");
        let extra_error = extra.contains("&error=") || extra.contains("&error_description=");
        if right_place && !code.is_empty() && returned == state && !extra_code && !extra_error {
            use secrecy::ExposeSecret;
            let decoded: String = url::form_urlencoded::parse(format!("c={code}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap();
            if decoded.is_empty() {
                prop_assert!(result.is_err());
            } else {
                let code = result.unwrap();
                prop_assert_eq!(code.0.expose_secret(), decoded.as_str());
            }
        } else if !right_place {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn any_callback_is_linted_without_panicking(text in any::<String>()) {
        for warning in callback::lint(&text) {
            prop_assert!(!warning.0.is_empty());
        }
    }

    #[test]
    fn url_shaped_callbacks_are_linted_without_panicking(
        text in "[a-zA-Z]{0,6}(://)?[a-zA-Z0-9.\\[\\]:]{0,20}(:[0-9]{0,7})?[/?#a-z]{0,8}",
    ) {
        let _ = callback::lint(&text);
    }
}

// -------------------------------------------------------------------------------------------
// The symbol grammar and the ticket

fn arb_field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        (1usize..20_000, "[.5_-]?").prop_map(|(n, tail)| format!("{}{tail}", "0".repeat(n))),
        "[0-9]{0,30}",
        "[$ -]?[0-9]{0,12}(\\.[0-9]{0,12})?",
        prop::sample::select(ODD_STRINGS).prop_map(String::from),
        "[0-9eE.,+-]{0,12}",
    ]
}

fn arb_ticket() -> impl Strategy<Value = Ticket> {
    let choices = (
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            AssetClass::Equity,
            AssetClass::Option,
        ])),
        prop::option::of(prop::sample::select(vec![
            Instruction::Buy,
            Instruction::Sell,
            Instruction::BuyToCover,
            Instruction::SellShort,
            Instruction::BuyToOpen,
            Instruction::BuyToClose,
            Instruction::SellToOpen,
            Instruction::SellToClose,
        ])),
        prop::option::of(prop::sample::select(vec![
            OrderKind::Market,
            OrderKind::Limit,
            OrderKind::Stop,
            OrderKind::StopLimit,
            OrderKind::TrailingStop,
        ])),
        prop::option::of(prop::sample::select(vec![
            OrderDuration::Day,
            OrderDuration::GoodTillCancel,
            OrderDuration::FillOrKill,
        ])),
        prop::option::of(prop::sample::select(vec![
            Session::Normal,
            Session::Am,
            Session::Pm,
            Session::Seamless,
        ])),
    );
    let texts = (
        prop_oneof![
            any::<String>(),
            "[A-Za-z0-9./ -]{0,24}",
            Just("AAPL  270115C00200000".to_string())
        ],
        arb_field_text(),
        arb_field_text(),
        arb_field_text(),
        arb_field_text(),
    );
    (choices, texts).prop_map(
        |(
            (account, asset, instruction, order_kind, duration, session),
            (symbol, quantity, limit_price, stop_price, trail_offset),
        )| Ticket {
            account: account.then(|| palmtree::broker::model::AccountKey::new("HASH")),
            symbol,
            asset,
            instruction,
            quantity,
            order_kind,
            limit_price,
            stop_price,
            trail_offset,
            duration,
            session,
        },
    )
}

fn arb_market() -> impl Strategy<Value = MarketContext> {
    let price = || prop::option::of(arb_decimal());
    (
        price(),
        price(),
        price(),
        any::<Option<bool>>(),
        price(),
        price(),
    )
        .prop_map(
            |(last, bid, ask, penny_pilot, position_quantity, buying_power)| MarketContext {
                last,
                bid,
                ask,
                penny_pilot,
                position_quantity,
                buying_power,
            },
        )
}

fn arb_limits() -> impl Strategy<Value = Limits> {
    (
        prop_oneof![Just(10_000u64), Just(u64::MAX), any::<u64>()],
        arb_decimal(),
    )
        .prop_map(|(max_quantity, far_from_market_percent)| Limits {
            max_quantity,
            far_from_market_percent,
        })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_text_is_a_symbol_or_a_plain_error(text in any::<String>()) {
        match parse_symbol(&text) {
            Ok(kind) => {
                let canonical = kind.canonical();
                prop_assert!(canonical.is_ascii());
                prop_assert_eq!(parse_symbol(&canonical), Ok(kind));
            }
            // The message may quote what was typed; it must still be safe to draw.
            Err(error) => screen_safe("symbol error", &error.to_string())?,
        }
    }

    #[test]
    fn any_ticket_validates_without_panicking(
        ticket in arb_ticket(),
        market in arb_market(),
        limits in arb_limits(),
    ) {
        let validation = validate(&ticket, &market, &limits);
        prop_assert_eq!(validation.order.is_some(), validation.problems.is_empty());
        if let Some(order) = validation.order {
            let frozen = FrozenOrder::freeze(order).unwrap();
            let sent: Value = serde_json::from_slice(frozen.bytes()).unwrap();
            prop_assert!(sent["orderLegCollection"][0]["quantity"].as_u64().unwrap() >= 1);
        }
        let mut fields: Vec<_> = validation.problems.iter().map(|p| p.field).collect();
        let before = fields.len();
        fields.dedup();
        prop_assert_eq!(fields.len(), before, "one problem per field");
    }

    #[test]
    fn a_well_formed_ticket_always_builds_its_order(
        quantity in 1u64..=10_000,
        cents in 100u64..1_000_000,
        buy in any::<bool>(),
    ) {
        let ticket = Ticket {
            account: Some(palmtree::broker::model::AccountKey::new("HASH")),
            symbol: "aapl".into(),
            asset: Some(AssetClass::Equity),
            instruction: Some(if buy { Instruction::Buy } else { Instruction::SellShort }),
            quantity: quantity.to_string(),
            order_kind: Some(OrderKind::Limit),
            limit_price: Decimal::new(i64::try_from(cents).unwrap(), 2).to_string(),
            duration: Some(OrderDuration::Day),
            session: Some(Session::Normal),
            ..Ticket::default()
        };
        let validation = validate(&ticket, &MarketContext::default(), &Limits::default());
        prop_assert!(validation.problems.is_empty(), "{:?}", validation.problems);
        let order = validation.order.unwrap();
        prop_assert_eq!(order.order_leg_collection[0].quantity, quantity);
        prop_assert_eq!(order.price, Some(Decimal::new(i64::try_from(cents).unwrap(), 2)));
    }
}

// -------------------------------------------------------------------------------------------
// The config file

/// Lines a config file might hold, right or wrong.
fn arb_config_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "oauth_url",
        "trader_url",
        "marketdata_url",
        "callback",
        "timeout_secs",
        "symbols",
        "quotes_secs",
        "positions_secs",
        "default_account",
        "max_quantity",
        "far_from_market_percent",
        "orders_per_minute",
        "bogus",
    ]);
    let value = prop_oneof![
        "-?[0-9]{1,25}",
        "[0-9]{1,3}\\.[0-9]{1,30}",
        "\"[^\"\\\\\n]{0,30}\"",
        Just("[\"AAPL\", \"$SPX\", 1]".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("1e400".to_string()),
        Just("18446744073709551616".to_string()),
        Just("true".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("'''multi\nline'''".to_string()),
        (1usize..20_000).prop_map(|n| format!("\"{}\"", "0".repeat(n))),
        (1usize..20_000).prop_map(|n| "1".repeat(n)),
    ];
    prop_oneof![
        prop::sample::select(vec![
            "[api]",
            "[watchlist]",
            "[refresh]",
            "[trading]",
            "[[api]]",
            "[api.deeper]",
            "[",
        ])
        .prop_map(String::from),
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_config_text_parses_or_names_the_file(text in any::<String>()) {
        if let Err(error) = Config::parse(&text, Path::new("cfg.toml")) {
            prop_assert!(error.to_string().starts_with("cfg.toml: "), "{error}");
        }
    }

    #[test]
    fn config_shaped_text_parses_or_names_the_file_and_line(
        lines in prop::collection::vec(arb_config_line(), 0..12),
    ) {
        let text = lines.join("\n");
        match Config::parse(&text, Path::new("cfg.toml")) {
            Ok(config) => {
                let _ = config.api_urls();
                prop_assert!(config.timeout() >= std::time::Duration::from_secs(1));
            }
            Err(error) => prop_assert!(error.to_string().starts_with("cfg.toml: "), "{error}"),
        }
    }
}

// -------------------------------------------------------------------------------------------
// Inputs that once broke a reader, and pathological shapes, kept as plain tests

#[test]
fn deeply_nested_bodies_are_refused_not_overflowed() {
    for open in ["[", "{\"a\":"] {
        let body = open.repeat(100_000).into_bytes();
        check_quotes(&body).unwrap();
        check_accounts(&body).unwrap();
        check_orders(&body).unwrap();
        check_preview(&body);
        check_history(&body).unwrap();
        check_token(&body).unwrap();
        check_summary(&body).unwrap();
    }
}

#[test]
fn deeply_nested_config_is_refused_not_overflowed() {
    for text in [
        format!("a = {}", "[".repeat(100_000)),
        format!("a = {}", "{ b = ".repeat(100_000)),
        "[a".to_string() + &".a".repeat(100_000) + "]",
    ] {
        assert!(Config::parse(&text, Path::new("cfg.toml")).is_err());
    }
}

#[test]
fn a_megabyte_of_html_is_summarised_in_one_short_line() {
    let mut page = String::from("<!DOCTYPE html><html><head><title>");
    page.push_str(&"x".repeat(1_000_000));
    page.push_str("</title></head><body></body></html>");
    let summary = summarize_error_body(page.as_bytes());
    assert!(summary.starts_with("a web page titled"), "{summary}");
    assert!(summary.chars().count() <= 161);
}

/// Found by `a_position_with_extreme_numbers_converts_without_panicking`: long minus short,
/// quantity times average price and value over quantity each overflowed `Decimal` and
/// panicked in `convert::position`.
#[test]
fn a_position_past_decimals_range_converts_with_blanks() {
    let max = Decimal::MAX.to_string();
    let body = json!({"securitiesAccount": {"positions": [
        {"longQuantity": max, "shortQuantity": "-1", "marketValue": "1"},
        {"longQuantity": "2", "averagePrice": max, "marketValue": max},
        {"longQuantity": "0.0000000000000000000000000001", "marketValue": max},
    ]}});
    let envelope: AccountEnvelope = serde_json::from_value(body).unwrap();
    let account = convert::account(&envelope, None, None);
    assert_eq!(
        account.positions[0].quantity,
        Decimal::MAX,
        "saturated, not wrapped"
    );
    assert_eq!(
        account.positions[1].total_pl, None,
        "the cost overflows: no P&L"
    );
    assert_eq!(
        account.positions[2].last, None,
        "the price overflows: no last"
    );
}

/// Found by `an_order_with_extreme_fills_converts_without_panicking`: quantity times price
/// of a fill overflowed and panicked in `order_row`.
#[test]
fn fills_past_decimals_range_give_no_fill_price() {
    let max = Decimal::MAX.to_string();
    let body = json!({"orderId": 1, "orderActivityCollection": [{"executionLegs": [
        {"quantity": max, "price": max},
    ]}]});
    let order: Order = serde_json::from_value(body).unwrap();
    let row = order_row(&order, "label", "HASH").unwrap();
    assert_eq!(row.fill_price, None);
}

/// Schwab reports a cancel as an execution at price 0; it used to show as a fill at $0.
#[test]
fn a_canceled_execution_is_not_a_fill_at_zero() {
    let order: Order = serde_json::from_value(fixture("order-canceled-equity-limit.json")).unwrap();
    let row = order_row(&order, "label", "HASH").unwrap();
    assert_eq!(row.status, "CANCELED");
    assert_eq!(row.filled, Decimal::ZERO);
    assert_eq!(row.fill_price, None);
}

/// Found by `a_preview_with_extreme_charges_sums_without_panicking`: adding up commissions
/// with `Sum` panicked on overflow; an unreadable total is now unknown, never free.
#[test]
fn charges_past_decimals_range_sum_to_unknown() {
    let max = Decimal::MAX.to_string();
    let charges = json!([{"value": max}, {"value": max}]);
    let body = json!({"commissionAndFee": {
        "commission": {"commissionLegs": [{"commissionValues": charges}]},
        "fee": {"feeLegs": [{"feeValues": [{"value": "0.01"}]}, {"feeValues": charges}]},
    }});
    let preview: PreviewOrder = serde_json::from_value(body).unwrap();
    assert_eq!(preview.total_commission(), None);
    assert_eq!(preview.total_fees(), None);
}

/// A future's percent change past `Decimal`'s range once a hundredth: the change is blank.
#[test]
fn a_future_percent_change_past_decimals_range_is_blank() {
    let body = json!({"/ES": {"assetMainType": "FUTURE", "quote": {
        "lastPrice": 1, "futurePercentChange": Decimal::MAX.to_string(),
    }}});
    let batch = parse_quotes(body.to_string().as_bytes()).unwrap();
    match convert::quote_row("/ES", &batch).state {
        QuoteState::Live(quote) => assert_eq!(quote.net_pct, None),
        other => panic!("{other:?}"),
    }
}
