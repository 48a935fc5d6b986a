//! The demo portfolio (a margin and a cash account) and the trader endpoints showing it:
//! `accounts/accountNumbers`, `accounts`, `accounts/{hash}`, `userPreference`.
//! Holdings are fixed; values, P&L and balances follow the live walk, computed in `Decimal`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::App;
use super::errors;
use super::market::{Instrument, Kind, Market, percent};
use super::pricing::PutCall;
use super::quotes::num;

/// Margin or cash; decides the balance blocks and whether maintenance applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountType {
    Margin,
    Cash,
}

/// One position: a long or a short quantity at an average price.
#[derive(Debug, Clone)]
pub(crate) struct Holding {
    pub symbol: String,
    pub long: Decimal,
    pub short: Decimal,
    /// Average cost per share or per contract (not times the multiplier), 4 places.
    pub average: Decimal,
}

/// A demo brokerage account.
#[derive(Debug, Clone)]
pub(crate) struct DemoAccount {
    pub number: &'static str,
    pub hash: String,
    pub kind: AccountType,
    pub nickname: &'static str,
    pub color: &'static str,
    pub primary: bool,
    /// Cash, including the proceeds of the short sale.
    pub cash: Decimal,
    pub holdings: Vec<Holding>,
}

/// The demo accounts and the streamer identity `userPreference` reports.
pub(crate) struct Accounts {
    pub list: Vec<DemoAccount>,
    correl_id: String,
}

/// The stand-in for Schwab's account hash: 64 upper-case hex characters, stable per number.
fn hash_of(number: &str) -> String {
    let digest = Sha256::digest(format!("palmtree-sim-account:{number}").as_bytes());
    digest.iter().map(|b| format!("{b:02X}")).collect()
}

fn hold(symbol: &str, long: Decimal, short: Decimal, average: Decimal) -> Holding {
    Holding {
        symbol: symbol.to_owned(),
        long,
        short,
        average,
    }
}

impl Accounts {
    /// The demo portfolio: "Individual" (margin: stocks, an ETF, a long call, short TSLA) and
    /// "Roth IRA" (cash: MSFT and QQQ).
    pub(crate) fn demo() -> Self {
        let margin = DemoAccount {
            number: "99990042",
            hash: hash_of("99990042"),
            kind: AccountType::Margin,
            nickname: "Individual",
            color: "Green",
            primary: true,
            cash: dec!(34500.00),
            holdings: vec![
                hold("AAPL", dec!(150), Decimal::ZERO, dec!(187.4213)),
                hold("NVDA", dec!(80), Decimal::ZERO, dec!(121.3050)),
                hold("SPY", dec!(40), Decimal::ZERO, dec!(598.1075)),
                hold(
                    "AAPL  270115C00200000",
                    dec!(2),
                    Decimal::ZERO,
                    dec!(38.2500),
                ),
                hold("TSLA", Decimal::ZERO, dec!(25), dec!(389.4000)),
            ],
        };
        let cash = DemoAccount {
            number: "99990077",
            hash: hash_of("99990077"),
            kind: AccountType::Cash,
            nickname: "Roth IRA",
            color: "Blue",
            primary: false,
            cash: dec!(8250.75),
            holdings: vec![
                hold("MSFT", dec!(30), Decimal::ZERO, dec!(412.1533)),
                hold("QQQ", dec!(25), Decimal::ZERO, dec!(505.6000)),
            ],
        };
        Self {
            list: vec![margin, cash],
            correl_id: super::ids::uuid_v4(),
        }
    }

    pub(crate) fn by_hash(&self, hash: &str) -> Option<&DemoAccount> {
        self.list.iter().find(|a| a.hash == hash)
    }

    pub(crate) fn by_hash_mut(&mut self, hash: &str) -> Option<&mut DemoAccount> {
        self.list.iter_mut().find(|a| a.hash == hash)
    }
}

impl DemoAccount {
    /// The holding of `symbol`, if any.
    pub(crate) fn holding(&self, symbol: &str) -> Option<&Holding> {
        self.holdings.iter().find(|h| h.symbol == symbol)
    }

    /// The plain account number as the integer the order endpoints show.
    pub(crate) fn number_int(&self) -> u64 {
        self.number.parse().unwrap_or_default()
    }

    /// Available funds now: equity less maintenance for a margin account (the same figure
    /// the balances show), the cash for a cash account.
    pub(crate) fn available_funds(&self, market: &Market) -> Decimal {
        match self.kind {
            AccountType::Margin => {
                let now = totals(self, market, false);
                (now.liquidation(self.cash) - now.maintenance).max(Decimal::ZERO)
            }
            AccountType::Cash => self.cash.max(Decimal::ZERO),
        }
    }
}

fn money(d: Decimal) -> Value {
    num(d.round_dp(2))
}

/// Market value, P&L and maintenance of one holding, at the last price or the close.
struct Valued {
    market_value: Decimal,
    day_pnl: Decimal,
    day_pct: Decimal,
    open_pnl: Decimal,
    maintenance: Decimal,
}

fn multiplier(inst: &Instrument) -> Decimal {
    if inst.kind == Kind::Option {
        dec!(100)
    } else {
        Decimal::ONE
    }
}

fn value(h: &Holding, inst: &Instrument, kind: AccountType, at_close: bool) -> Valued {
    let t = &inst.tape;
    let price = if at_close { t.close } else { t.last };
    let mult = multiplier(inst);
    let short = h.short > Decimal::ZERO;
    let qty = if short { h.short } else { h.long };
    let size = qty * mult;
    let gross = price * size;
    let market_value = if short { -gross } else { gross };
    let day_move = (price - t.close) * size;
    let day_pnl = if short { -day_move } else { day_move };
    let day_pct = percent(day_pnl, t.close * size).round_dp(2);
    let cost = h.average * size;
    let open_pnl = if short { cost - gross } else { gross - cost };
    let maintenance = match (kind, inst.kind, short) {
        (AccountType::Cash, _, _) | (_, Kind::Option, false) => Decimal::ZERO,
        (_, _, true) => gross * dec!(0.30),
        _ => gross * dec!(0.25),
    };
    Valued {
        market_value,
        day_pnl,
        day_pct,
        open_pnl,
        maintenance,
    }
}

/// Schwab's option cusip form, e.g. `0AAPL.AF70200000` for `AAPL  270115C00200000`.
///
/// Month letter A-L for calls and M-X for puts, day 10-31 as A-V (1-9 as digits), the year's
/// last digit, then the strike times 1000 in seven digits, as in the recorded positions.
pub(crate) fn option_cusip(inst: &Instrument) -> Option<String> {
    use chrono::Datelike;
    let o = inst.option.as_ref()?;
    let base = if o.put_call == PutCall::Call {
        b'A'
    } else {
        b'M'
    };
    let month = char::from(base + u8::try_from(o.expiry.month0()).ok()?);
    let day = o.expiry.day();
    let day_code = if day < 10 {
        char::from_digit(day, 10)?
    } else {
        char::from(b'A' + u8::try_from(day - 10).ok()?)
    };
    let strike = (o.strike * dec!(1000)).trunc().to_u64()?;
    Some(format!(
        "0{}.{month}{day_code}{}{strike:07}",
        o.underlying,
        o.expiry.year() % 10
    ))
}

fn instrument(inst: &Instrument) -> Value {
    let change = inst.tape.last - inst.tape.close;
    match inst.kind {
        Kind::Option => {
            let Some(o) = &inst.option else {
                return json!({ "assetType": "OPTION", "symbol": inst.symbol });
            };
            let (put_call, word) = match o.put_call {
                PutCall::Call => ("CALL", "Call"),
                PutCall::Put => ("PUT", "Put"),
            };
            let description = format!(
                "{} {} ${} {word}",
                o.issuer,
                o.expiry.format("%m/%d/%Y"),
                o.strike.normalize()
            );
            json!({
                "assetType": "OPTION",
                "cusip": option_cusip(inst),
                "symbol": inst.symbol,
                "description": description,
                "netChange": num(change),
                "type": "VANILLA",
                "putCall": put_call,
                "underlyingSymbol": o.underlying,
            })
        }
        // A live-verified observation (not in our payloads): Schwab files ETF positions under
        // the broad COLLECTIVE_INVESTMENT type and names the fund kind in `type`.
        Kind::Etf => json!({
            "assetType": "COLLECTIVE_INVESTMENT",
            "cusip": inst.cusip,
            "symbol": inst.symbol,
            "description": inst.description,
            "netChange": num(change),
            "type": "EXCHANGE_TRADED_FUND",
        }),
        _ => json!({
            "assetType": "EQUITY",
            "cusip": inst.cusip,
            "symbol": inst.symbol,
            "description": inst.description,
            "netChange": num(change),
        }),
    }
}

/// One position object; fields of the side not held are absent, not zero.
fn position(h: &Holding, inst: &Instrument, kind: AccountType) -> Value {
    let v = value(h, inst, kind, false);
    let short = h.short > Decimal::ZERO;
    let qty = if short { h.short } else { h.long };
    let mut p = json!({
        "shortQuantity": num(h.short),
        "averagePrice": num(h.average),
        "currentDayProfitLoss": money(v.day_pnl),
        "currentDayProfitLossPercentage": num(v.day_pct),
        "longQuantity": num(h.long),
        "settledLongQuantity": num(h.long),
        "settledShortQuantity": num(-h.short),
        "instrument": instrument(inst),
        "marketValue": money(v.market_value),
        "maintenanceRequirement": money(v.maintenance),
        "currentDayCost": 0.0,
    });
    let side = if short { "Short" } else { "Long" };
    p[format!("average{side}Price")] = num(h.average.round_dp(2));
    p[format!("taxLotAverage{side}Price")] = num(h.average);
    p[format!("{}OpenProfitLoss", side.to_lowercase())] = money(v.open_pnl);
    p[format!("previousSession{side}Quantity")] = num(qty);
    p
}

/// Sums over an account's holdings.
#[derive(Default)]
struct Totals {
    long_stock: Decimal,
    short_stock: Decimal,
    long_option: Decimal,
    short_option: Decimal,
    maintenance: Decimal,
}

impl Totals {
    fn liquidation(&self, cash: Decimal) -> Decimal {
        cash + self.long_stock + self.short_stock + self.long_option + self.short_option
    }
}

fn totals(acct: &DemoAccount, market: &Market, at_close: bool) -> Totals {
    let mut t = Totals::default();
    for h in &acct.holdings {
        let Some(inst) = market.lookup(&h.symbol) else {
            continue;
        };
        let v = value(h, inst, acct.kind, at_close);
        match (inst.kind == Kind::Option, v.market_value < Decimal::ZERO) {
            (true, true) => t.short_option += v.market_value,
            (true, false) => t.long_option += v.market_value,
            (false, true) => t.short_stock += v.market_value,
            (false, false) => t.long_stock += v.market_value,
        }
        t.maintenance += v.maintenance;
    }
    t
}

/// The three balance blocks of a margin account.
///
/// A simple model, not Schwab's: available funds are equity less maintenance, buying power
/// twice that, day-trading buying power four times; the start-of-day block uses the closes.
fn margin_balances(acct: &DemoAccount, market: &Market) -> (Value, Value, Value) {
    let cash = acct.cash;
    let start = totals(acct, market, true);
    let now = totals(acct, market, false);
    let start_value = start.liquidation(cash);
    let start_available = (start_value - start.maintenance).max(Decimal::ZERO);
    let value = now.liquidation(cash);
    let available = (value - now.maintenance).max(Decimal::ZERO);
    let initial = json!({
        "accruedInterest": 0.0,
        "availableFundsNonMarginableTrade": money(start_available),
        "bondValue": 0.0,
        "buyingPower": money(start_available * dec!(2)),
        "cashBalance": money(cash),
        "cashAvailableForTrading": 0.0,
        "cashReceipts": 0.0,
        "dayTradingBuyingPower": money(start_available * dec!(4)),
        "dayTradingBuyingPowerCall": 0.0,
        "dayTradingEquityCall": 0.0,
        "equity": money(start_value),
        "equityPercentage": 100.0,
        "liquidationValue": money(start_value),
        "longMarginValue": money(start.long_stock),
        "longOptionMarketValue": money(start.long_option),
        "longStockValue": money(start.long_stock),
        "maintenanceCall": 0.0,
        "maintenanceRequirement": money(start.maintenance),
        "margin": money(cash),
        "marginEquity": money(start_value),
        "moneyMarketFund": 0.0,
        "mutualFundValue": 0.0,
        "regTCall": 0.0,
        "shortMarginValue": money(start.short_stock),
        "shortOptionMarketValue": money(start.short_option),
        "shortStockValue": money(start.short_stock),
        "totalCash": 0.0,
        "isInCall": false,
        "pendingDeposits": 0.0,
        "marginBalance": 0.0,
        "shortBalance": 0.0,
        "accountValue": money(start_value),
    });
    let current = json!({
        "accruedInterest": 0.0,
        "cashBalance": money(cash),
        "cashReceipts": 0.0,
        "longOptionMarketValue": money(now.long_option),
        "liquidationValue": money(value),
        "longMarketValue": money(now.long_stock),
        "moneyMarketFund": 0.0,
        "savings": 0.0,
        "shortMarketValue": money(now.short_stock),
        "pendingDeposits": 0.0,
        "mutualFundValue": 0.0,
        "bondValue": 0.0,
        "shortOptionMarketValue": money(now.short_option),
        "availableFunds": money(available),
        "availableFundsNonMarginableTrade": money(available),
        "buyingPower": money(available * dec!(2)),
        "buyingPowerNonMarginableTrade": money(available),
        "dayTradingBuyingPower": money(start_available * dec!(4)),
        "equity": money(value),
        "equityPercentage": 100.0,
        "longMarginValue": money(now.long_stock),
        "maintenanceCall": 0.0,
        "maintenanceRequirement": money(now.maintenance),
        "marginBalance": 0.0,
        "regTCall": 0.0,
        "shortBalance": 0.0,
        "shortMarginValue": money(now.short_stock),
        "sma": money(available),
    });
    let projected = json!({
        "availableFunds": money(available),
        "availableFundsNonMarginableTrade": money(available),
        "buyingPower": money(available * dec!(2)),
        "dayTradingBuyingPower": money(start_available * dec!(4)),
        "dayTradingBuyingPowerCall": 0.0,
        "maintenanceCall": 0.0,
        "regTCall": 0.0,
        "isInCall": false,
        "stockBuyingPower": money(available * dec!(2)),
    });
    (initial, current, projected)
}

/// The three balance blocks of a cash account, in the spec's `Cash*Balance` fields plus the
/// market-value fields every account reports.
fn cash_balances(acct: &DemoAccount, market: &Market) -> (Value, Value, Value) {
    let cash = acct.cash;
    let start = totals(acct, market, true);
    let now = totals(acct, market, false);
    let initial = json!({
        "accruedInterest": 0.0,
        "cashAvailableForTrading": money(cash),
        "cashAvailableForWithdrawal": money(cash),
        "cashBalance": money(cash),
        "bondValue": 0.0,
        "cashReceipts": 0.0,
        "liquidationValue": money(start.liquidation(cash)),
        "longOptionMarketValue": money(start.long_option),
        "longStockValue": money(start.long_stock),
        "moneyMarketFund": 0.0,
        "mutualFundValue": 0.0,
        "shortOptionMarketValue": 0.0,
        "shortStockValue": 0.0,
        "isInCall": false,
        "unsettledCash": 0.0,
        "cashDebitCallValue": 0.0,
        "pendingDeposits": 0.0,
        "accountValue": money(start.liquidation(cash)),
    });
    let current = json!({
        "accruedInterest": 0.0,
        "cashBalance": money(cash),
        "cashReceipts": 0.0,
        "longOptionMarketValue": money(now.long_option),
        "liquidationValue": money(now.liquidation(cash)),
        "longMarketValue": money(now.long_stock),
        "moneyMarketFund": 0.0,
        "savings": 0.0,
        "shortMarketValue": 0.0,
        "pendingDeposits": 0.0,
        "mutualFundValue": 0.0,
        "bondValue": 0.0,
        "shortOptionMarketValue": 0.0,
        "cashAvailableForTrading": money(cash),
        "cashAvailableForWithdrawal": money(cash),
        "cashCall": 0.0,
        "longNonMarginableMarketValue": money(now.long_stock),
        "totalCash": money(cash),
        "cashDebitCallValue": 0.0,
        "unsettledCash": 0.0,
    });
    let projected = json!({
        "cashAvailableForTrading": money(cash),
        "cashAvailableForWithdrawal": money(cash),
    });
    (initial, current, projected)
}

/// One element of `GET /accounts`, or the body of `GET /accounts/{hash}`.
///
/// `aggregatedBalance` is the liquidation value summed over every linked account: the real
/// field is not in the spec, and this reading of it is inferred from a single captured sample.
fn account_json(
    acct: &DemoAccount,
    accounts: &Accounts,
    market: &Market,
    positions: bool,
) -> Value {
    let (initial, current, projected) = match acct.kind {
        AccountType::Margin => margin_balances(acct, market),
        AccountType::Cash => cash_balances(acct, market),
    };
    let mut sa = json!({
        "type": match acct.kind { AccountType::Margin => "MARGIN", AccountType::Cash => "CASH" },
        "accountNumber": acct.number,
        "roundTrips": 0,
        "isDayTrader": false,
        "isClosingOnlyRestricted": false,
        "pfcbFlag": false,
    });
    if positions {
        let list: Vec<Value> = acct
            .holdings
            .iter()
            .filter_map(|h| {
                market
                    .lookup(&h.symbol)
                    .map(|inst| position(h, inst, acct.kind))
            })
            .collect();
        sa["positions"] = Value::Array(list);
    }
    sa["initialBalances"] = initial;
    sa["currentBalances"] = current;
    sa["projectedBalances"] = projected;
    let total: Decimal = accounts
        .list
        .iter()
        .map(|a| totals(a, market, false).liquidation(a.cash))
        .sum();
    json!({
        "securitiesAccount": sa,
        "aggregatedBalance": {
            "currentLiquidationValue": money(total),
            "liquidationValue": money(total),
        },
    })
}

fn wants_positions(query: &HashMap<String, String>) -> bool {
    query.get("fields").is_some_and(|f| {
        f.split(',')
            .any(|x| x.trim().eq_ignore_ascii_case("positions"))
    })
}

/// `GET /trader/v1/accounts/accountNumbers`.
pub(crate) async fn account_numbers(State(app): State<App>) -> Response {
    let state = app.lock();
    let list: Vec<Value> = state
        .accounts
        .list
        .iter()
        .map(|a| json!({ "accountNumber": a.number, "hashValue": a.hash }))
        .collect();
    errors::json(StatusCode::OK, Value::Array(list))
}

/// `GET /trader/v1/accounts[?fields=positions]`.
pub(crate) async fn list(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let positions = wants_positions(&query);
    let (state, _) = app.market_state();
    let body: Vec<Value> = state
        .accounts
        .list
        .iter()
        .map(|a| account_json(a, &state.accounts, &state.market, positions))
        .collect();
    errors::json(StatusCode::OK, Value::Array(body))
}

/// `GET /trader/v1/accounts/{hash}[?fields=positions]`.
///
/// Only the hash addresses an account; the plain number is refused exactly like an unknown
/// hash, which is how the real API teaches clients never to send it.
pub(crate) async fn one(
    State(app): State<App>,
    Path(hash): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let positions = wants_positions(&query);
    let (state, _) = app.market_state();
    let Some(acct) = state.accounts.by_hash(&hash) else {
        return errors::unknown_account();
    };
    errors::json(
        StatusCode::OK,
        account_json(acct, &state.accounts, &state.market, positions),
    )
}

/// The streamer customer id `userPreference` reports: fake, and as long as a real one.
const DEMO_CUSTOMER_ID: &str = "PALMTREE-DEMO-CUSTOMER-0000000000000000000000000000000000000000";

/// `GET /trader/v1/userPreference`: an object (the spec says an array; the real API and the
/// recorded payload send an object).
///
/// The streamer URL points at this simulator's port. Limitation: the simulator does not serve
/// the streamer websocket yet, so a client must fall back to polling quotes.
pub(crate) async fn user_preference(State(app): State<App>) -> Response {
    let state = app.lock();
    let accounts: Vec<Value> = state
        .accounts
        .list
        .iter()
        .map(|a| {
            json!({
                "accountNumber": a.number,
                "primaryAccount": a.primary,
                "type": "BROKERAGE",
                "nickName": a.nickname,
                "displayAcctId": format!("...{}", &a.number[a.number.len().saturating_sub(3)..]),
                "autoPositionEffect": false,
                "accountColor": a.color,
                "lotSelectionMethod": "FIFO",
            })
        })
        .collect();
    let body = json!({
        "accounts": accounts,
        "streamerInfo": [{
            "streamerSocketUrl": format!("ws://127.0.0.1:{}/ws", app.port()),
            "schwabClientCustomerId": DEMO_CUSTOMER_ID,
            "schwabClientCorrelId": state.accounts.correl_id,
            "schwabClientChannel": "N9",
            "schwabClientFunctionId": "APIAPP",
        }],
        "offers": [{ "level2Permissions": true, "mktDataPermission": "NP" }],
    });
    errors::json(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_64_upper_hex() {
        let h = hash_of("99990042");
        assert_eq!(h.len(), 64);
        assert!(
            h.chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
        );
    }
}
