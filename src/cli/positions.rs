//! `palmtree positions`: every account's holdings and balances, as a table or JSON.
//!
//! Accounts are named by nickname or `…1234`; the full number and hash are never printed.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::broker::model::Account;
use crate::format::{money, or_missing, percent, pl, price, quantity};

/// The accounts as JSON; amounts are decimal strings so no precision is lost.
pub fn to_json(accounts: &[Account]) -> Value {
    let items: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let positions: Vec<Value> = a
                .positions
                .iter()
                .map(|p| {
                    json!({
                        "symbol": p.symbol,
                        "description": p.description,
                        "assetType": p.kind.label(),
                        "underlying": p.underlying,
                        "quantity": p.quantity,
                        "averagePrice": p.average_price,
                        "last": p.last,
                        "marketValue": p.market_value,
                        "dayProfitLoss": p.day_pl,
                        "dayProfitLossPercent": p.day_pl_pct,
                        "totalProfitLoss": p.total_pl,
                        "totalProfitLossPercent": p.total_pl_pct,
                    })
                })
                .collect();
            json!({
                "account": a.label,
                "type": a.kind,
                "balances": {
                    "cash": a.balances.cash,
                    "buyingPower": a.balances.buying_power,
                    "dayTradingBuyingPower": a.balances.day_trading_buying_power,
                    "liquidationValue": a.balances.liquidation_value,
                },
                "positions": positions,
            })
        })
        .collect();
    json!({ "accounts": items })
}

/// The accounts as aligned tables, one per account, each with its totals and balances.
pub fn to_table(accounts: &[Account]) -> String {
    let mut out = String::new();
    for account in accounts {
        out.push_str(&format!("{} ({})\n", account.label, account.kind));
        let mut rows = vec![
            [
                "SYMBOL",
                "QTY",
                "AVG",
                "LAST",
                "VALUE",
                "DAY P&L",
                "DAY %",
                "TOTAL P&L",
                "TOTAL %",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for p in &account.positions {
            rows.push(vec![
                p.symbol.clone(),
                quantity(p.quantity),
                or_missing(p.average_price, price),
                or_missing(p.last, price),
                money(p.market_value),
                or_missing(p.day_pl, pl),
                or_missing(p.day_pl_pct, percent),
                or_missing(p.total_pl, pl),
                or_missing(p.total_pl_pct, percent),
            ]);
        }
        let value: Decimal = account.positions.iter().map(|p| p.market_value).sum();
        let day: Decimal = account.positions.iter().filter_map(|p| p.day_pl).sum();
        let total: Decimal = account.positions.iter().filter_map(|p| p.total_pl).sum();
        let mut totals = vec![
            "TOTAL".to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        totals.extend([
            money(value),
            pl(day),
            String::new(),
            pl(total),
            String::new(),
        ]);
        rows.push(totals);
        out.push_str(&super::table(&rows, &[1, 2, 3, 4, 5, 6, 7, 8]));
        let b = &account.balances;
        out.push_str(&format!(
            "cash {}  buying power {}  day-trading buying power {}  liquidation value {}\n\n",
            or_missing(b.cash, money),
            or_missing(b.buying_power, money),
            or_missing(b.day_trading_buying_power, money),
            or_missing(b.liquidation_value, money),
        ));
    }
    out
}
