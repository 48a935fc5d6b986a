//! The Orders view's model: one row per order, in app terms, and how rows are grouped.
//!
//! Defined here until the broker offers order rows of its own; nothing in it knows the wire
//! format. Statuses stay the API's words, and [`OrderRow::phase`] groups them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// One order as the Orders view shows it.
///
/// `id` is Schwab's order id; it is shown (a user quotes it to support) but never logged.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderRow {
    pub id: String,
    /// The account's label: nickname or `…1234`, never the full number.
    pub account: String,
    pub symbol: String,
    /// `BUY`, `SELL`, `SELL_SHORT`, `BUY_TO_OPEN`, … as the API says.
    pub instruction: String,
    pub quantity: Decimal,
    pub filled: Decimal,
    /// `LIMIT`, `MARKET`, `STOP`, …
    pub order_type: String,
    pub price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    /// The average price of the fills so far.
    pub fill_price: Option<Decimal>,
    /// `DAY`, `GOOD_TILL_CANCEL`, …
    pub duration: String,
    /// The API's status word: `WORKING`, `FILLED`, `REJECTED`, …
    pub status: String,
    /// Why the order was rejected or canceled, in Schwab's words.
    pub status_text: Option<String>,
    pub entered: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
}

/// Where an order stands, for grouping and ordering the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Still able to fill: every status but the final ones.
    Working,
    Filled,
    Canceled,
    Rejected,
    Expired,
    /// `REPLACED` or `UNKNOWN`.
    Other,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Working => "working",
            Phase::Filled => "filled",
            Phase::Canceled => "canceled",
            Phase::Rejected => "rejected",
            Phase::Expired => "expired",
            Phase::Other => "other",
        }
    }
}

impl OrderRow {
    /// The group of the status. As the API notes say, everything that is not final is open.
    pub fn phase(&self) -> Phase {
        match self.status.as_str() {
            "FILLED" => Phase::Filled,
            "CANCELED" => Phase::Canceled,
            "REJECTED" => Phase::Rejected,
            "EXPIRED" => Phase::Expired,
            "REPLACED" | "UNKNOWN" => Phase::Other,
            _ => Phase::Working,
        }
    }
}

/// Working orders first (newest first), then the finished ones, most recently closed first.
pub fn sort_orders(rows: &mut [OrderRow]) {
    rows.sort_by(|a, b| {
        let working = |r: &OrderRow| r.phase() != Phase::Working;
        let when = |r: &OrderRow| r.closed.or(r.entered);
        working(a)
            .cmp(&working(b))
            .then_with(|| when(b).cmp(&when(a)))
            .then_with(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(id: &str, status: &str, hour: u32) -> OrderRow {
        let at = Utc.with_ymd_and_hms(2025, 3, 14, hour, 0, 0).single();
        OrderRow {
            id: id.to_string(),
            account: "…1234".to_string(),
            symbol: "AAPL".to_string(),
            instruction: "BUY".to_string(),
            quantity: Decimal::TEN,
            filled: Decimal::ZERO,
            order_type: "LIMIT".to_string(),
            price: Some(Decimal::ONE),
            stop_price: None,
            fill_price: None,
            duration: "DAY".to_string(),
            status: status.to_string(),
            status_text: None,
            entered: at,
            closed: if status == "WORKING" { None } else { at },
        }
    }

    #[test]
    fn working_orders_come_first_then_the_newest_finished() {
        let mut rows = vec![
            row("1", "FILLED", 10),
            row("2", "WORKING", 9),
            row("3", "REJECTED", 12),
            row("4", "PENDING_ACTIVATION", 11),
        ];
        sort_orders(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["4", "2", "3", "1"]);
        assert_eq!(rows[0].phase(), Phase::Working);
        assert_eq!(rows[2].phase(), Phase::Rejected);
    }
}
