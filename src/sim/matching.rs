//! Order matching against the random walk, one look per walk step, and the fills' effect on
//! the account's positions and cash.
//!
//! The rules, deliberately simple and deterministic for a seed:
//! - an order works only in its session (NORMAL in the regular session, AM before it, PM
//!   after it, SEAMLESS in all three); entered outside it, it is PENDING_ACTIVATION until then;
//! - MARKET fills at once at the ask (buys) or the bid (sells);
//! - LIMIT fills when the ask falls to the limit (buys) or the bid rises to it (sells): at the
//!   quote when marketable on arrival, at the limit once it has rested;
//! - STOP waits in AWAITING_STOP_CONDITION until the last price reaches the stop, then fills
//!   like a market order; STOP_LIMIT then works as a limit order (WORKING);
//! - TRAILING_STOP follows the best basis price (LAST, BID, ASK or MARK) by its offset and
//!   fills like a market order once the basis comes back to the stop;
//! - spreads (NET_DEBIT, NET_CREDIT, NET_ZERO, MARKET) fill every leg at its natural price
//!   (buys at the ask, sells at the bid) once the natural net price reaches the limit;
//! - every fill is complete: no partial fills;
//! - DAY orders expire at their session's close, GTC ones at `cancelTime`; FILL_OR_KILL and
//!   IMMEDIATE_OR_CANCEL orders not filled on their first look are canceled;
//! - a fill whose position is gone by then (sold by another order) rejects the order.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::accounts::{Accounts, DemoAccount, Holding};
use super::market::Market;
use super::order_rules::{Quote, charges, position_problem, quote};
use super::orders::{
    Activity, ExecLeg, Instruction, LinkBasis, Order, OrderBook, OrderType, Status, TimeInForce,
};

/// Looks at every open order at `at`, with the market as it stands then.
pub(crate) fn run(
    book: &mut OrderBook,
    accounts: &mut Accounts,
    market: &Market,
    at: DateTime<Utc>,
) {
    let session = market.session(at);
    for i in 0..book.orders.len() {
        let Some(order) = book.orders.get_mut(i) else {
            continue;
        };
        if !order.status.is_open() {
            continue;
        }
        if let Some(expiry) = order.expires_at
            && expiry <= at
        {
            order.close(Status::Expired, expiry);
            continue;
        }
        if !order.spec.session.trades_in(session) {
            continue;
        }
        if order.status == Status::PendingActivation {
            order.status = if order.spec.order_type.has_stop() && !order.triggered {
                Status::AwaitingStopCondition
            } else {
                Status::Working
            };
        }
        let decision = decide(order, market);
        let once = matches!(
            order.spec.duration,
            TimeInForce::FillOrKill | TimeInForce::ImmediateOrCancel
        );
        order.seen = true;
        match decision {
            Some(prices) => {
                let activity = book.new_activity_id();
                if let Some(order) = book.orders.get_mut(i) {
                    fill(order, accounts, market, &prices, at, activity);
                }
            }
            None if once => order.close(Status::Canceled, at),
            None => {}
        }
    }
}

/// The price at which an order trades now, per leg, or `None` while it waits.
fn decide(order: &mut Order, market: &Market) -> Option<Vec<Decimal>> {
    if order.spec.legs.len() > 1 {
        return decide_spread(order, market);
    }
    let leg = order.spec.legs.first()?;
    let q = quote(market, &leg.symbol);
    let buy = leg.instruction.is_buy();
    let at_market = if buy { q.ask } else { q.bid };
    let limit = order.spec.price.unwrap_or_default();
    match order.spec.order_type {
        OrderType::Market => Some(vec![at_market]),
        OrderType::Limit => limit_fill(limit, q, buy, order.seen).map(|p| vec![p]),
        OrderType::Stop => {
            if !order.triggered {
                let stop = order.spec.stop_price.unwrap_or_default();
                if !reached(stop, q.last, buy) {
                    return None;
                }
                order.triggered = true;
                order.status = Status::Working;
            }
            Some(vec![at_market])
        }
        OrderType::StopLimit => {
            let mut fresh = order.seen;
            if !order.triggered {
                let stop = order.spec.stop_price.unwrap_or_default();
                if !reached(stop, q.last, buy) {
                    return None;
                }
                order.triggered = true;
                order.status = Status::Working;
                fresh = false;
            }
            limit_fill(limit, q, buy, fresh).map(|p| vec![p])
        }
        OrderType::TrailingStop => {
            let trail = order.spec.trail?;
            let basis = match trail.basis {
                LinkBasis::Last => q.last,
                LinkBasis::Bid => q.bid,
                LinkBasis::Ask => q.ask,
                LinkBasis::Mark => q.mark,
            };
            let extreme = match order.trail_extreme {
                Some(e) if buy => e.min(basis),
                Some(e) => e.max(basis),
                None => basis,
            };
            let offset = if trail.percent {
                extreme * trail.offset / dec!(100)
            } else {
                trail.offset
            };
            let stop = if buy {
                extreme + offset
            } else {
                extreme - offset
            }
            .round_dp(2);
            order.trail_extreme = Some(extreme);
            order.trail_stop = Some(stop);
            reached(stop, basis, buy).then(|| {
                order.triggered = true;
                order.status = Status::Working;
                vec![at_market]
            })
        }
        OrderType::NetDebit | OrderType::NetCredit | OrderType::NetZero => None,
    }
}

/// Whether the market has reached a stop: at or above it for buys, at or below for sells.
fn reached(stop: Decimal, price: Decimal, buy: bool) -> bool {
    if buy { price >= stop } else { price <= stop }
}

/// A limit's fill price if the quote reaches it: the quote itself on the first look (price
/// improvement for a marketable order), the limit once the order has rested.
fn limit_fill(limit: Decimal, q: Quote, buy: bool, rested: bool) -> Option<Decimal> {
    let (price, crossed) = if buy {
        (q.ask, q.ask > Decimal::ZERO && q.ask <= limit)
    } else {
        (q.bid, q.bid > Decimal::ZERO && q.bid >= limit)
    };
    crossed.then_some(if rested { limit } else { price })
}

/// A spread fills at the legs' natural prices once the natural net reaches its price.
fn decide_spread(order: &Order, market: &Market) -> Option<Vec<Decimal>> {
    let spec = &order.spec;
    let mut prices = Vec::with_capacity(spec.legs.len());
    let mut debit = Decimal::ZERO;
    for leg in &spec.legs {
        let q = quote(market, &leg.symbol);
        let ratio = leg
            .quantity
            .checked_div(spec.quantity)
            .unwrap_or(Decimal::ONE);
        if leg.instruction.is_buy() {
            debit += q.ask * ratio;
            prices.push(q.ask);
        } else {
            debit -= q.bid * ratio;
            prices.push(q.bid);
        }
    }
    let price = spec.price.unwrap_or_default();
    let go = match spec.order_type {
        OrderType::Market => true,
        OrderType::NetDebit => debit <= price,
        OrderType::NetCredit => -debit >= price,
        OrderType::NetZero => debit <= Decimal::ZERO,
        _ => false,
    };
    go.then_some(prices)
}

/// Fills the whole order at `prices`, or rejects it when the account can no longer take it.
fn fill(
    order: &mut Order,
    accounts: &mut Accounts,
    market: &Market,
    prices: &[Decimal],
    at: DateTime<Utc>,
    activity_id: i64,
) {
    let Some(acct) = accounts.by_hash_mut(&order.account_hash) else {
        order.status_description = Some("The account is no longer available".into());
        order.close(Status::Rejected, at);
        return;
    };
    if let Some(problem) = order
        .spec
        .legs
        .iter()
        .find_map(|leg| position_problem(acct, leg, Decimal::ZERO))
    {
        order.status_description = Some(problem);
        order.close(Status::Rejected, at);
        return;
    }
    let mut legs = Vec::with_capacity(prices.len());
    for (leg, &price) in order.spec.legs.iter().zip(prices) {
        let value = leg.quantity * price * leg.asset.multiplier();
        let cost = charges(leg, price).total();
        if leg.instruction.is_buy() {
            acct.cash -= value + cost;
        } else {
            acct.cash += value - cost;
        }
        book_position(acct, &leg.symbol, leg.instruction, leg.quantity, price);
        legs.push(ExecLeg {
            leg_id: leg.leg_id,
            quantity: leg.quantity,
            price,
            time: at,
            instrument_id: market
                .lookup(&leg.symbol)
                .map(|i| i.ssid)
                .unwrap_or_default(),
        });
    }
    order.activities.push(Activity {
        id: activity_id,
        canceled: false,
        quantity: order.spec.quantity,
        remaining: Decimal::ZERO,
        legs,
    });
    order.filled_quantity = order.spec.quantity;
    order.close(Status::Filled, at);
}

/// The weighted average of a position after adding `q` at `price`, to 4 places.
fn averaged(held: Decimal, average: Decimal, q: Decimal, price: Decimal) -> Decimal {
    let total = held + q;
    if total.is_zero() {
        return price;
    }
    ((held * average + q * price) / total).round_dp(4)
}

/// Moves one leg's quantity into or out of the account's holding of `symbol`.
fn book_position(
    acct: &mut DemoAccount,
    symbol: &str,
    instruction: Instruction,
    q: Decimal,
    price: Decimal,
) {
    let index = match acct.holdings.iter().position(|h| h.symbol == symbol) {
        Some(i) => i,
        None => {
            acct.holdings.push(Holding {
                symbol: symbol.to_owned(),
                long: Decimal::ZERO,
                short: Decimal::ZERO,
                average: price,
            });
            acct.holdings.len() - 1
        }
    };
    let Some(h) = acct.holdings.get_mut(index) else {
        return;
    };
    match instruction {
        Instruction::Buy | Instruction::BuyToOpen => {
            h.average = averaged(h.long, h.average, q, price);
            h.long += q;
        }
        Instruction::SellShort | Instruction::SellToOpen => {
            h.average = averaged(h.short, h.average, q, price);
            h.short += q;
        }
        Instruction::Sell | Instruction::SellToClose => h.long = (h.long - q).max(Decimal::ZERO),
        Instruction::BuyToCover | Instruction::BuyToClose => {
            h.short = (h.short - q).max(Decimal::ZERO);
        }
    }
    if h.long.is_zero() && h.short.is_zero() {
        acct.holdings.remove(index);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use chrono::DateTime;
    use serde_json::{Value, json};

    use super::*;
    use crate::sim::orders::parse;

    /// A Wednesday 11:00 in New York: the regular session.
    fn noon() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    struct Desk {
        market: Market,
        accounts: Accounts,
        book: OrderBook,
    }

    impl Desk {
        fn new() -> Self {
            Self {
                market: Market::new(42, Duration::ZERO, noon()),
                accounts: Accounts::demo(),
                book: OrderBook::new(noon()),
            }
        }

        /// Sets a symbol's last, bid and ask.
        fn tape(&mut self, symbol: &str, last: Decimal, bid: Decimal, ask: Decimal) {
            let inst = self
                .market
                .instruments
                .iter_mut()
                .find(|i| i.symbol == symbol)
                .unwrap();
            inst.tape.last = last;
            inst.tape.bid = bid;
            inst.tape.ask = ask;
        }

        fn place(&mut self, body: Value) -> i64 {
            let spec = parse(body.to_string().as_bytes(), &self.market).unwrap();
            let acct = self.accounts.list[0].clone();
            let (id, _) = self
                .book
                .accept(&acct, spec, noon(), crate::sim::SessionHours::Exchange);
            self.look();
            id
        }

        fn look(&mut self) {
            run(&mut self.book, &mut self.accounts, &self.market, noon());
        }

        fn order(&self, id: i64) -> &Order {
            self.book.get(id).unwrap()
        }

        fn fill_price(&self, id: i64) -> Decimal {
            self.order(id).activities[0].legs[0].price
        }
    }

    fn sell(order_type: &str, extra: Value) -> Value {
        let mut body = json!({
            "session": "NORMAL", "duration": "GOOD_TILL_CANCEL", "orderType": order_type,
            "orderStrategyType": "SINGLE",
            "orderLegCollection": [{
                "instruction": "SELL", "quantity": 10,
                "instrument": { "symbol": "AAPL", "assetType": "EQUITY" }
            }]
        });
        if let (Some(b), Value::Object(more)) = (body.as_object_mut(), extra) {
            b.extend(more);
        }
        body
    }

    #[test]
    fn a_trailing_stop_follows_the_high_and_fills_on_the_way_back() {
        let mut d = Desk::new();
        d.tape("AAPL", dec!(100), dec!(99.99), dec!(100.01));
        let id = d.place(sell(
            "TRAILING_STOP",
            json!({ "stopPriceLinkBasis": "LAST", "stopPriceLinkType": "VALUE",
                    "stopPriceOffset": 1 }),
        ));
        assert_eq!(d.order(id).status, Status::AwaitingStopCondition);
        assert_eq!(d.order(id).trail_stop, Some(dec!(99)));
        d.tape("AAPL", dec!(102), dec!(101.99), dec!(102.01));
        d.look();
        assert_eq!(d.order(id).trail_stop, Some(dec!(101)));
        d.tape("AAPL", dec!(101.5), dec!(101.49), dec!(101.51));
        d.look();
        assert_eq!(d.order(id).status, Status::AwaitingStopCondition);
        d.tape("AAPL", dec!(100.9), dec!(100.88), dec!(100.92));
        d.look();
        assert_eq!(d.order(id).status, Status::Filled);
        assert_eq!(d.fill_price(id), dec!(100.88));
    }

    #[test]
    fn a_stop_limit_triggers_then_rests_as_a_limit() {
        let mut d = Desk::new();
        d.tape("AAPL", dec!(100), dec!(99.99), dec!(100.01));
        let id = d.place(sell(
            "STOP_LIMIT",
            json!({ "stopPrice": "99.00", "price": "98.50" }),
        ));
        assert_eq!(d.order(id).status, Status::AwaitingStopCondition);
        d.tape("AAPL", dec!(98.90), dec!(98.20), dec!(98.95));
        d.look();
        assert_eq!(
            d.order(id).status,
            Status::Working,
            "triggered, bid below the limit"
        );
        d.tape("AAPL", dec!(98.70), dec!(98.60), dec!(98.75));
        d.look();
        assert_eq!(d.order(id).status, Status::Filled);
        assert_eq!(
            d.fill_price(id),
            dec!(98.50),
            "a resting limit fills at its limit"
        );
        let aapl = d.accounts.list[0].holding("AAPL").unwrap();
        assert_eq!(aapl.long, dec!(140));
    }

    #[test]
    fn a_marketable_limit_fills_at_the_quote() {
        let mut d = Desk::new();
        d.tape("AAPL", dec!(100), dec!(99.99), dec!(100.01));
        let cash = d.accounts.list[0].cash;
        let id = d.place(sell("LIMIT", json!({ "price": "99.50" })));
        assert_eq!(d.order(id).status, Status::Filled);
        assert_eq!(d.fill_price(id), dec!(99.99));
        // Proceeds less the SEC fee ($0.03) and the TAF ($0.01).
        assert_eq!(d.accounts.list[0].cash - cash, dec!(999.90) - dec!(0.04));
    }

    #[test]
    fn orders_outside_their_session_wait_and_day_orders_expire() {
        let mut d = Desk::new();
        let evening = noon() + chrono::TimeDelta::hours(8);
        let spec = parse(
            sell("MARKET", json!({ "duration": "DAY" }))
                .to_string()
                .as_bytes(),
            &d.market,
        )
        .unwrap();
        let acct = d.accounts.list[0].clone();
        let (id, _) = d
            .book
            .accept(&acct, spec, evening, crate::sim::SessionHours::Exchange);
        run(&mut d.book, &mut d.accounts, &d.market, evening);
        assert_eq!(d.order(id).status, Status::PendingActivation);
        let next_close = DateTime::parse_from_rfc3339("2026-12-03T21:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(d.order(id).expires_at, Some(next_close));
        run(&mut d.book, &mut d.accounts, &d.market, next_close);
        assert_eq!(d.order(id).status, Status::Expired);
    }
}
