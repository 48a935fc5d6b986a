//! `palmtree quote SYMBOL...`: one row per symbol, as a table or JSON.

use serde_json::{Value, json};

use crate::broker::model::{QuoteRow, QuoteState};
use crate::format::{MISSING, change, or_missing, percent, price, volume};

/// Whether every symbol asked for came back with a quote.
pub fn all_found(rows: &[QuoteRow]) -> bool {
    rows.iter().all(|r| matches!(r.state, QuoteState::Live(_)))
}

/// The rows as a JSON array; amounts are decimal strings so no precision is lost.
pub fn to_json(rows: &[QuoteRow]) -> Value {
    let items: Vec<Value> = rows
        .iter()
        .map(|row| match &row.state {
            QuoteState::Live(q) => json!({
                "symbol": row.symbol,
                "status": "ok",
                "assetType": q.kind.as_ref().map(|k| k.label().to_string()),
                "description": q.description,
                "bid": q.bid,
                "ask": q.ask,
                "last": q.last,
                "mark": q.mark,
                "netChange": q.net_change,
                "netPercentChange": q.net_pct,
                "volume": q.volume,
                "high52": q.week52_high,
                "low52": q.week52_low,
                "quoteTime": q.quote_time.map(|t| t.to_rfc3339()),
            }),
            QuoteState::NotFound => json!({"symbol": row.symbol, "status": "not_found"}),
            QuoteState::Unavailable(why) => {
                json!({"symbol": row.symbol, "status": "unavailable", "reason": why})
            }
        })
        .collect();
    Value::Array(items)
}

/// The rows as an aligned table.
pub fn to_table(rows: &[QuoteRow]) -> String {
    let mut lines = vec![
        [
            "SYMBOL",
            "LAST",
            "BID",
            "ASK",
            "CHANGE",
            "%CHANGE",
            "VOLUME",
            "DESCRIPTION",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        let cells = match &row.state {
            QuoteState::Live(q) => vec![
                row.symbol.clone(),
                or_missing(q.last, price),
                or_missing(q.bid, price),
                or_missing(q.ask, price),
                or_missing(q.net_change, change),
                or_missing(q.net_pct, percent),
                or_missing(q.volume, volume),
                q.description.clone(),
            ],
            QuoteState::NotFound => status_row(&row.symbol, "not found"),
            QuoteState::Unavailable(why) => status_row(&row.symbol, &format!("unavailable: {why}")),
        };
        lines.push(cells);
    }
    super::table(&lines, &[1, 2, 3, 4, 5, 6])
}

fn status_row(symbol: &str, text: &str) -> Vec<String> {
    let mut cells = vec![symbol.to_string()];
    cells.extend(std::iter::repeat_n(MISSING.to_string(), 6));
    cells.push(text.to_string());
    cells
}
