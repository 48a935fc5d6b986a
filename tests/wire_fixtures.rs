//! Every recorded Schwab payload in `tests/fixtures/schwab/` parsed by the client's wire
//! types and converted to the app model, with concrete values asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palmtree::broker::convert;
use palmtree::broker::model::{AssetKind, QuoteState};
use palmtree::schwab::accounts::{AccountEnvelope, AccountNumber, AssetType, UserPreference};
use palmtree::schwab::errors::{parse_market_data_errors, summarize_error_body};
use palmtree::schwab::quotes::{QuoteAssetType, QuoteBatch, parse_quotes};
use palmtree::schwab::token::{OAuthErrorBody, TokenResponse};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/schwab/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn quotes(name: &str) -> QuoteBatch {
    parse_quotes(&fixture(name)).unwrap()
}

fn live(batch: &QuoteBatch, symbol: &str) -> palmtree::broker::model::Quote {
    match convert::quote_row(symbol, batch).state {
        QuoteState::Live(q) => *q,
        other => panic!("{symbol}: {other:?}"),
    }
}

#[test]
fn account_numbers() {
    let numbers: Vec<AccountNumber> =
        serde_json::from_slice(&fixture("account-numbers.json")).unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].account_number, "12345678");
    assert_eq!(numbers[1].hash_value.len(), 64);
    assert!(numbers[1].hash_value.ends_with("BBBB"));
    assert!(!format!("{numbers:?}").contains("12345678"));
}

#[test]
fn account_with_long_and_short_options() {
    let envelope: AccountEnvelope =
        serde_json::from_slice(&fixture("account-with-positions-options-long-short.json")).unwrap();
    let wire = &envelope.securities_account;
    assert_eq!(wire.account_type.as_deref(), Some("MARGIN"));
    let positions = wire.positions.as_ref().unwrap();
    assert_eq!(positions.len(), 10);
    let short_put = &positions[1];
    let instrument = short_put.instrument.as_ref().unwrap();
    assert_eq!(instrument.symbol.as_deref(), Some("META  250131P00525000"));
    assert_eq!(instrument.asset_type, Some(AssetType::Option));
    assert_eq!(instrument.instrument_type.as_deref(), Some("VANILLA"));
    assert_eq!(short_put.short_quantity, Some(dec("1")));
    assert_eq!(short_put.settled_short_quantity, Some(dec("-1")));
    assert_eq!(
        short_put.average_long_price, None,
        "the side not held is absent"
    );
    let current = wire.current_balances.as_ref().unwrap();
    assert_eq!(current.buying_power, Some(dec("88853.04")));
    assert_eq!(current.cash_balance, Some(dec("51420.89")));
    let aggregated = envelope.aggregated_balance.as_ref().unwrap();
    assert!(aggregated.liquidation_value.is_some());

    let account = convert::account(&envelope, Some("FAKEHASH"), None);
    assert_eq!(account.label, "…5678");
    assert_eq!(account.balances.buying_power, Some(dec("88853.04")));
    assert_eq!(
        account.balances.day_trading_buying_power,
        Some(dec("177461"))
    );
    let short = &account.positions[1];
    assert_eq!(short.quantity, dec("-1"));
    assert_eq!(short.kind, AssetKind::Option);
    assert_eq!(short.underlying.as_deref(), Some("META"));
    assert_eq!(short.market_value, dec("-75"));
    assert_eq!(short.total_pl, Some(dec("202.33")));
    assert_eq!(short.last, Some(dec("0.75")), "-75 / (-1 × 100)");
    let long = &account.positions[0];
    assert_eq!(long.quantity, dec("1"));
    assert_eq!(long.total_pl, Some(dec("-130.16")));
    assert_eq!(long.day_pl, Some(dec("-18.5")));
    assert_eq!(long.day_pl_pct, Some(dec("-29.37")));
    assert!(!format!("{account:?}").contains("FAKEHASH"));
}

#[test]
fn user_preference_nicknames() {
    let preference: UserPreference =
        serde_json::from_slice(&fixture("user-preference.json")).unwrap();
    assert_eq!(preference.accounts.len(), 2);
    assert_eq!(
        preference.accounts[0].nick_name.as_deref(),
        Some("Fake Nickname 1")
    );
    assert_eq!(
        preference.accounts[1].display_acct_id.as_deref(),
        Some("...321")
    );
}

#[test]
fn equity_quote_with_extended_block() {
    let batch = quotes("quotes-equity.json");
    let entry = batch.get("NVDA").unwrap().as_ref().unwrap();
    assert_eq!(entry.asset_main_type, Some(QuoteAssetType::Equity));
    assert_eq!(entry.asset_sub_type.as_deref(), Some("COE"));
    let q = entry.quote.as_ref().unwrap();
    assert_eq!(q.last_price, Some(dec("123.2291")));
    assert_eq!(q.week52_high, Some(dec("153.13")));
    assert_eq!(q.total_volume, Some(dec("392925469")));
    assert_eq!(
        entry.extended.as_ref().unwrap().last_price,
        Some(dec("122.86"))
    );
    assert_eq!(
        entry.fundamental.as_ref().unwrap().avg10_days_volume,
        Some(dec("301570298")),
        "a volume sent as 301570298.0 reads exactly"
    );
    let quote = live(&batch, "NVDA");
    assert_eq!(quote.kind, Some(AssetKind::Equity));
    assert_eq!(quote.description, "NVIDIA CORP");
    assert_eq!(quote.bid, Some(dec("123.2")));
    assert_eq!(quote.ask, Some(dec("123.22")));
    assert_eq!(quote.net_pct, Some(dec("-0.38067906")));
    assert_eq!(
        quote.quote_time.unwrap().timestamp_millis(),
        1_738_285_199_972
    );
}

#[test]
fn equity_quotes_with_hard_to_borrow_fields() {
    let batch = quotes("quotes-equity-aapl-amd.json");
    let aapl = batch.get("AAPL").unwrap().as_ref().unwrap();
    let reference = aapl.reference.as_ref().unwrap();
    assert_eq!(reference.is_shortable, Some(true));
    assert_eq!(live(&batch, "AAPL").last, Some(dec("234.87")));
    assert_eq!(live(&batch, "amd").volume, Some(dec("23821452")));
}

#[test]
fn etf_quotes() {
    let batch = quotes("quotes-etf.json");
    let ebiz = live(&batch, "EBIZ");
    assert_eq!(ebiz.kind, Some(AssetKind::Etf));
    assert_eq!(ebiz.last, Some(dec("24.8303")));
    assert_eq!(ebiz.description, "GLOBAL X E-COMMERCE ETF");
    assert_eq!(live(&batch, "MRAD").ask, Some(dec("22.29")));
}

#[test]
fn index_quote_has_no_bid_or_ask() {
    let batch = quotes("quotes-index.json");
    let spx = live(&batch, "$SPX");
    assert_eq!(spx.kind, Some(AssetKind::Index));
    assert_eq!(spx.last, Some(dec("6071.17")));
    assert_eq!(spx.net_change, Some(dec("31.86")));
    assert_eq!(spx.bid, None);
    assert_eq!(spx.ask, None);
    assert_eq!(spx.description, "S&P 500 INDEX");
}

#[test]
fn option_quote_with_greeks() {
    let batch = quotes("quotes-option.json");
    let symbol = "NVDA  250307P00095000";
    let entry = batch.get(symbol).unwrap().as_ref().unwrap();
    let q = entry.quote.as_ref().unwrap();
    assert_eq!(q.delta, Some(dec("-0.10887034")));
    assert_eq!(q.open_interest, Some(dec("1449")));
    assert_eq!(q.volatility, Some(dec("77.07295226")));
    let reference = entry.reference.as_ref().unwrap();
    assert_eq!(reference.contract_type.as_deref(), Some("P"));
    assert_eq!(reference.strike_price, Some(dec("95")));
    assert_eq!(reference.multiplier, Some(dec("100")));
    assert_eq!(reference.expiration_year, Some(2025));
    let quote = live(&batch, symbol);
    assert_eq!(quote.kind, Some(AssetKind::Option));
    assert_eq!(quote.bid, Some(dec("1.41")));
    assert_eq!(quote.penny_pilot, Some(true));
}

#[test]
fn index_option_keeps_the_vega_sentinel() {
    let batch = quotes("quotes-index-option.json");
    let entry = batch
        .get("DJX   231215C00290000")
        .unwrap()
        .as_ref()
        .unwrap();
    assert_eq!(entry.quote.as_ref().unwrap().vega, Some(dec("-999")));
    let quote = live(&batch, "DJX   231215C00290000");
    assert_eq!(quote.last, Some(dec("0")), "no trades: lastPrice 0");
    assert_eq!(
        quote.quote_time.unwrap().timestamp_millis(),
        1_644_854_648_305
    );
}

#[test]
fn future_quote() {
    let batch = quotes("quotes-future.json");
    let entry = batch.get("/ESZ21").unwrap().as_ref().unwrap();
    let reference = entry.reference.as_ref().unwrap();
    assert_eq!(reference.product.as_deref(), Some("/ES"));
    assert_eq!(reference.future_multiplier, Some(dec("50")));
    assert_eq!(entry.quote.as_ref().unwrap().tick, Some(dec("0.25")));
    let quote = live(&batch, "/ESZ21");
    assert_eq!(quote.kind, Some(AssetKind::Future));
    assert_eq!(quote.last, Some(dec("4694.5")));
    assert_eq!(quote.week52_high, None, "futures carry no 52-week range");
    assert_eq!(
        quote.net_pct,
        Some(dec("-0.03")),
        "a fraction turned into percent"
    );
}

#[test]
fn mutual_fund_quote_priced_by_close_when_nav_is_zero() {
    let batch = quotes("quotes-mutual-fund.json");
    let fund = live(&batch, "AAAHX");
    assert_eq!(fund.kind, Some(AssetKind::MutualFund));
    assert_eq!(fund.bid, None);
    assert_eq!(fund.last, Some(dec("10.53")));
    assert_eq!(fund.quote_time, None, "tradeTime 0 means unknown, not 1970");
}

#[test]
fn forex_quote() {
    let batch = quotes("quotes-forex.json");
    let eur = live(&batch, "EUR/USD");
    assert_eq!(eur.kind, Some(AssetKind::Forex));
    assert_eq!(eur.bid, Some(dec("1.13434")));
    assert_eq!(eur.last, Some(dec("1.13445")));
}

#[test]
fn mixed_doc_example_reads_every_entry() {
    let batch = quotes("quotes-multi-doc-example.json");
    assert_eq!(batch.entries.len(), 17);
    assert!(batch.entries.iter().all(|(_, e)| e.is_ok()));
    assert_eq!(live(&batch, "CNSWF").last, Some(dec("1693.4541")));
    assert_eq!(live(&batch, "EATOF").kind, Some(AssetKind::Etf));
    assert_eq!(live(&batch, "$DJI").last, Some(dec("34436.13")));
}

#[test]
fn a_field_of_the_wrong_type_makes_only_that_row_unavailable() {
    let body = br#"{
        "AAPL": {"assetMainType":"EQUITY","symbol":"AAPL","quote":{"lastPrice":"not a price"}},
        "MSFT": {"assetMainType":"EQUITY","symbol":"MSFT","quote":{"lastPrice":410.5}},
        "IBM": {"assetMainType":"EQUITY","symbol":"IBM","reference":{"description":"IBM"}},
        "ZZZ": {"assetMainType":"SPACESHIP","symbol":"ZZZ","quote":{"lastPrice":1}},
        "errors": {"invalidSymbols": ["NOPE"]}
    }"#;
    let batch = parse_quotes(body).unwrap();
    assert!(matches!(
        convert::quote_row("AAPL", &batch).state,
        QuoteState::Unavailable(_)
    ));
    assert_eq!(live(&batch, "MSFT").last, Some(dec("410.5")));
    assert_eq!(
        convert::quote_row("IBM", &batch).state,
        QuoteState::Unavailable("no quote data".into())
    );
    assert_eq!(
        live(&batch, "ZZZ").kind,
        Some(AssetKind::Other("SPACESHIP".into())),
        "an unknown asset type is kept, not fatal"
    );
    assert_eq!(
        convert::quote_row("NOPE", &batch).state,
        QuoteState::NotFound
    );
    assert_eq!(
        convert::quote_row("ABSENT", &batch).state,
        QuoteState::NotFound
    );
}

#[test]
fn hostile_description_is_cleaned_at_the_boundary() {
    let body = "{\"EVIL\":{\"assetMainType\":\"EQUITY\",\"quote\":{\"lastPrice\":1},\
        \"reference\":{\"description\":\"A\\u001b]0;owned\\u0007B\\u001b[2JC\\u202eD\"}}}";
    let batch = parse_quotes(body.as_bytes()).unwrap();
    let quote = live(&batch, "EVIL");
    assert!(
        !quote.description.contains('\u{1b}'),
        "{:?}",
        quote.description
    );
    assert!(!quote.description.contains('\u{7}'));
    assert!(!quote.description.contains('\u{202e}'));
    assert!(quote.description.starts_with('A') && quote.description.contains('D'));
}

#[test]
fn token_response() {
    let token: TokenResponse =
        serde_json::from_slice(&fixture("token-response-doc-example.json")).unwrap();
    assert_eq!(token.expires_in, 1800);
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.scope.as_deref(), Some("api"));
    assert_eq!(token.access_token.expose_secret(), "FAKE_ACCESS_TOKEN");
    assert_eq!(
        token.refresh_token.as_ref().unwrap().expose_secret(),
        "FAKE_REFRESH_TOKEN"
    );
    let shown = format!("{token:?}");
    assert!(!shown.contains("FAKE_ACCESS_TOKEN") && !shown.contains("FAKE_REFRESH_TOKEN"));
}

#[test]
fn refresh_rejections_in_both_forms() {
    for (name, inner, text) in [
        (
            "error-oauth-refresh-token-authentication-error.json",
            "refresh_token_authentication_error",
            "Exception while authenticating refresh token",
        ),
        (
            "error-oauth-refresh-token-invalid-grant.json",
            "invalid_grant",
            "Refresh token is invalid, expired or revoked",
        ),
    ] {
        let body: OAuthErrorBody = serde_json::from_slice(&fixture(name)).unwrap();
        assert_eq!(
            body.error.as_deref(),
            Some("unsupported_token_type"),
            "{name}"
        );
        assert!(body.refresh_token_rejected(), "{name}");
        assert_eq!(body.inner_error().as_deref(), Some(inner), "{name}");
        assert!(
            body.inner_description().unwrap().starts_with(text),
            "{name}"
        );
    }
    let other = OAuthErrorBody {
        error: Some("temporarily_unavailable".into()),
        error_description: Some("try later".into()),
    };
    assert!(!other.refresh_token_rejected());
}

#[test]
fn market_data_error_bodies() {
    let not_found =
        parse_market_data_errors(&fixture("error-marketdata-404-symbol-not-found.json")).unwrap();
    assert_eq!(not_found[0].status_code(), Some(404));
    assert_eq!(not_found[0].title.as_deref(), Some("Not Found"));
    let unauthorized =
        parse_market_data_errors(&fixture("error-marketdata-401-client-not-authorized.json"))
            .unwrap();
    assert_eq!(unauthorized[0].status_code(), Some(401));
    assert_eq!(
        summarize_error_body(&fixture("error-marketdata-401-client-not-authorized.json")),
        "Unauthorized: Client not authorized"
    );
    let bad = parse_market_data_errors(&fixture("error-marketdata-400-doc-example.json")).unwrap();
    assert_eq!(bad.len(), 3);
    assert_eq!(bad[0].detail.as_deref(), Some("Missing header"));
    assert_eq!(
        summarize_error_body(&fixture("error-body-buffer-overflow.json")),
        "Body buffer overflow"
    );
    assert_eq!(
        summarize_error_body(&fixture("error-trader-doc-schema.json")),
        "string: string"
    );
}

#[test]
fn price_history_candles() {
    let history: palmtree::schwab::market::PriceHistory =
        serde_json::from_slice(&fixture("pricehistory-monthly.json")).unwrap();
    assert_eq!(history.symbol.as_deref(), Some("AAPL"));
    assert_eq!(history.empty, Some(false));
    assert_eq!(history.candles.len(), 12);
    let first = &history.candles[0];
    assert_eq!(first.open, Some(dec("171")));
    assert_eq!(first.low, Some(dec("170.12")));
    assert_eq!(first.volume, Some(dec("1099760711")));
    assert_eq!(first.datetime, Some(1_698_814_800_000));
}

#[test]
fn market_hours_sessions() {
    let hours: palmtree::schwab::market::MarketHours =
        serde_json::from_slice(&fixture("market-hours.json")).unwrap();
    let equity = &hours["equity"]["EQ"];
    assert_eq!(equity.is_open, Some(true));
    let regular = &equity.session_hours["regularMarket"][0];
    assert_eq!(regular.start.to_rfc3339(), "2024-10-18T09:30:00-04:00");
    assert_eq!(regular.end.to_rfc3339(), "2024-10-18T16:00:00-04:00");
    assert_eq!(
        hours["option"]["IND"].session_hours["regularMarket"][0]
            .end
            .to_rfc3339(),
        "2024-10-18T16:15:00-04:00"
    );
}
