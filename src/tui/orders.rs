//! The Orders view's model: the broker's order rows, how they are grouped and in what order.
//!
//! Rows are [`crate::broker::orders::OrderRow`], the same the CLI prints, so `cancelable`
//! and `editable` come straight from Schwab. Statuses stay the API's words; [`Phased`]
//! groups them.

pub use crate::broker::orders::OrderRow;

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

/// The phase of an order row.
pub trait Phased {
    /// The group of the status. As the API notes say, everything that is not final is open.
    fn phase(&self) -> Phase;
}

impl Phased for OrderRow {
    fn phase(&self) -> Phase {
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
            .then_with(|| a.order_id.cmp(&b.order_id))
    });
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;

    use super::*;
    use crate::broker::model::AccountKey;

    fn row(id: i64, status: &str, hour: u32) -> OrderRow {
        let at = Utc.with_ymd_and_hms(2025, 3, 14, hour, 0, 0).single();
        OrderRow {
            order_id: id,
            account: "…1234".to_string(),
            key: AccountKey::new("HASH"),
            symbol: "AAPL".to_string(),
            description: String::new(),
            instruction: "BUY".to_string(),
            quantity: Decimal::TEN,
            filled: Decimal::ZERO,
            order_type: "LIMIT".to_string(),
            price: Some(Decimal::ONE),
            stop_price: None,
            stop_price_offset: None,
            stop_price_link_type: String::new(),
            stop_price_link_basis: String::new(),
            duration: "DAY".to_string(),
            session: "NORMAL".to_string(),
            status: status.to_string(),
            open: status == "WORKING",
            cancelable: status == "WORKING",
            editable: status == "WORKING",
            entered: at,
            closed: if status == "WORKING" { None } else { at },
            fill_price: None,
            status_description: None,
        }
    }

    #[test]
    fn working_orders_come_first_then_the_newest_finished() {
        let mut rows = vec![
            row(1, "FILLED", 10),
            row(2, "WORKING", 9),
            row(3, "REJECTED", 12),
            row(4, "PENDING_ACTIVATION", 11),
        ];
        sort_orders(&mut rows);
        let ids: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
        assert_eq!(ids, [4, 2, 3, 1]);
        assert_eq!(rows[0].phase(), Phase::Working);
        assert_eq!(rows[2].phase(), Phase::Rejected);
    }
}
