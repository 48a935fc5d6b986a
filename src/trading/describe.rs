//! An order request in words, for the confirm screen and the journal.
//!
//! Reads the request itself, never the ticket, so what is shown is what will be sent.

use rust_decimal::Decimal;

use super::parse;
use crate::schwab::orders::{OrderRequest, OrderType, Session, StopPriceLinkType};

/// One line naming everything that decides what the order does.
///
/// `BUY 10 AAPL LIMIT 187.25 DAY`; `SELL_TO_CLOSE 2 AAPL  270115C00200000 STOP 3.50
/// GOOD_TILL_CANCEL`. The session is added when it is not NORMAL, since an extended-hours
/// order is the surprise worth spelling out. Prices appear exactly as the request writes
/// them (a trail offset, a JSON number on the wire, with at least two decimals). Orders
/// that fire after this one (`childOrderStrategies`) follow, each after "; then".
pub fn describe(order: &OrderRequest) -> String {
    let legs: Vec<String> = order
        .order_leg_collection
        .iter()
        .map(|leg| {
            format!(
                "{} {} {}",
                leg.instruction, leg.quantity, leg.instrument.symbol
            )
        })
        .collect();
    let mut words = vec![legs.join(", "), terms(order), order.duration.to_string()];
    if order.session != Session::Normal {
        words.push(order.session.to_string());
    }

    let mut text = words.join(" ");
    for child in &order.child_order_strategies {
        text.push_str("; then ");
        text.push_str(&describe(child));
    }
    text
}

/// The order type with the prices it uses.
fn terms(order: &OrderRequest) -> String {
    let shown = |value: Option<Decimal>| value.map(|v| v.to_string());
    let (price, stop) = (shown(order.price), shown(order.stop_price));
    match (&order.order_type, price, stop) {
        (OrderType::StopLimit, Some(limit), Some(stop)) => {
            format!("STOP_LIMIT stop {stop} limit {limit}")
        }
        (OrderType::TrailingStop | OrderType::TrailingStopLimit, _, _) => trailing(order),
        (kind, Some(price), _) => format!("{kind} {price}"),
        (kind, None, Some(stop)) => format!("{kind} {stop}"),
        (kind, None, None) => kind.to_string(),
    }
}

/// `TRAILING_STOP offset 1.50 from LAST`, or `offset 2%` for a percent trail.
fn trailing(order: &OrderRequest) -> String {
    let mut text = order.order_type.to_string();
    if let Some(offset) = order.stop_price_offset {
        let unit = match order.stop_price_link_type {
            Some(StopPriceLinkType::Percent) => format!("{}%", offset.normalize()),
            Some(StopPriceLinkType::Tick) => format!("{} ticks", offset.normalize()),
            _ => parse::wire(offset).to_string(),
        };
        text.push_str(&format!(" offset {unit}"));
    }
    if let Some(basis) = &order.stop_price_link_basis {
        text.push_str(&format!(" from {basis}"));
    }
    if let Some(limit) = order.price {
        text.push_str(&format!(" limit {limit}"));
    }
    text
}
