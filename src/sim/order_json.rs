//! Orders and previews as JSON, in the shapes of the recorded payloads
//! (`orders-list-*.json`, `order-canceled-equity-limit.json`, `order-preview-rejected.json`).
//!
//! As in real answers (and unlike the spec), instruments carry no `name`, option instruments
//! say `type: VANILLA`, and a cancel is an EXECUTION activity with `executionType: CANCELED`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::accounts::{AccountType, DemoAccount, option_cusip};
use super::market::Market;
use super::order_rules::{self, Findings, charges, leg_prices, quote};
use super::orders::{Asset, Leg, Order, OrderBook, OrderSpec, OrderType};
use super::pricing::PutCall;
use super::quotes::num;

/// Schwab's order timestamp form: `2025-01-17T17:19:49+0000`.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// The tag Schwab puts on orders placed through the API.
const TAG: &str = "API_TOS:TRADE_ALL";

/// An order of `GET …/orders`; a replaced order lists its replacement.
pub(crate) fn order(o: &Order, book: &OrderBook, market: &Market) -> Value {
    let mut v = base(o, market);
    if let Some(new) = o.replaced_by.and_then(|id| book.get(id)) {
        v["replacingOrderCollection"] = json!([base(new, market)]);
    }
    v
}

fn base(o: &Order, market: &Market) -> Value {
    let spec = &o.spec;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("session", json!(spec.session.as_str()));
    put("duration", json!(spec.duration.as_str()));
    put("orderType", json!(spec.order_type.as_str()));
    if let Some(t) = o.cancel_time {
        put("cancelTime", json!(stamp(t)));
    }
    put("complexOrderStrategyType", json!(spec.complex));
    put("quantity", num(spec.quantity));
    put("filledQuantity", num(o.filled_quantity));
    put("remainingQuantity", num(o.remaining()));
    put("requestedDestination", json!("AUTO"));
    put("destinationLinkName", json!(o.destination));
    if let Some(p) = spec.price {
        put("price", num(p));
    }
    if let Some(p) = spec.stop_price.or(o.trail_stop) {
        put("stopPrice", num(p));
    }
    if let Some(t) = spec.trail {
        put("stopPriceLinkBasis", json!(t.basis.as_str()));
        put(
            "stopPriceLinkType",
            json!(if t.percent { "PERCENT" } else { "VALUE" }),
        );
        put("stopPriceOffset", num(t.offset));
    }
    let legs: Vec<Value> = spec.legs.iter().map(|l| leg(l, market)).collect();
    put("orderLegCollection", Value::Array(legs));
    put("orderStrategyType", json!("SINGLE"));
    put("orderId", json!(o.id));
    put("cancelable", json!(o.cancelable()));
    put("editable", json!(o.cancelable()));
    put("status", json!(o.status.as_str()));
    if let Some(d) = &o.status_description {
        put("statusDescription", json!(d));
    }
    put("enteredTime", json!(stamp(o.entered)));
    if let Some(t) = o.closed {
        put("closeTime", json!(stamp(t)));
    }
    put("tag", json!(TAG));
    put("accountNumber", json!(o.account_number));
    if !o.activities.is_empty() {
        let list: Vec<Value> = o
            .activities
            .iter()
            .map(|a| {
                let legs: Vec<Value> = a
                    .legs
                    .iter()
                    .map(|l| {
                        json!({
                            "legId": l.leg_id,
                            "quantity": num(l.quantity),
                            "mismarkedQuantity": 0.0,
                            "price": num(l.price),
                            "time": stamp(l.time),
                            "instrumentId": l.instrument_id,
                        })
                    })
                    .collect();
                json!({
                    "activityType": "EXECUTION",
                    "activityId": a.id,
                    "executionType": if a.canceled { "CANCELED" } else { "FILL" },
                    "quantity": num(a.quantity),
                    "orderRemainingQuantity": num(a.remaining),
                    "executionLegs": legs,
                })
            })
            .collect();
        put("orderActivityCollection", Value::Array(list));
    }
    Value::Object(m)
}

/// A leg of `orderLegCollection`.
fn leg(l: &Leg, market: &Market) -> Value {
    json!({
        "orderLegType": l.asset.as_str(),
        "legId": l.leg_id,
        "instrument": instrument(l, market),
        "instruction": l.instruction.as_str(),
        "positionEffect": l.instruction.position_effect(),
        "quantity": num(l.quantity),
    })
}

/// The instrument of an order leg: no `name`, and for stock no description, as recorded.
fn instrument(l: &Leg, market: &Market) -> Value {
    let Some(inst) = market.lookup(&l.symbol) else {
        return json!({ "assetType": l.asset.as_str(), "symbol": l.symbol });
    };
    match (l.asset, &inst.option) {
        (Asset::Option, Some(o)) => {
            let (put_call, word) = match o.put_call {
                PutCall::Call => ("CALL", "Call"),
                PutCall::Put => ("PUT", "Put"),
            };
            json!({
                "assetType": "OPTION",
                "cusip": option_cusip(inst),
                "symbol": inst.symbol,
                "description": format!(
                    "{} {} ${} {word}",
                    o.issuer,
                    o.expiry.format("%m/%d/%Y"),
                    o.strike.normalize()
                ),
                "instrumentId": inst.ssid,
                "type": "VANILLA",
                "putCall": put_call,
                "underlyingSymbol": o.underlying,
                "optionDeliverables": [{ "symbol": o.underlying, "deliverableUnits": 100.0 }],
            })
        }
        _ => json!({
            "assetType": "EQUITY",
            "cusip": inst.cusip,
            "symbol": inst.symbol,
            "instrumentId": inst.ssid,
        }),
    }
}

fn money(d: Decimal) -> Value {
    num(d.round_dp(2))
}

/// The body of `previewOrder`: the order as Schwab would take it, its balance effect, the
/// rule findings and the commission and fees per leg.
pub(crate) fn preview(
    spec: &OrderSpec,
    acct: &DemoAccount,
    market: &Market,
    findings: &Findings,
    reserved: Decimal,
    now: DateTime<Utc>,
) -> Value {
    let rejected = !findings.rejects.is_empty();
    let prices = leg_prices(spec, market);
    let leg_charges: Vec<_> = spec
        .legs
        .iter()
        .zip(&prices)
        .map(|(l, &p)| charges(l, p))
        .collect();
    let total_charges: Decimal = leg_charges.iter().map(|c| c.total()).sum();
    let value = order_rules::order_value(spec, market);
    let need = order_rules::funds_needed(spec, acct.kind, market);
    let available = acct.available_funds(market) - reserved;
    let projected = available - need;
    let power = match acct.kind {
        AccountType::Margin => projected * Decimal::TWO,
        AccountType::Cash => projected,
    };
    let (fund, power, commission) = if rejected {
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO)
    } else {
        (projected, power, total_charges)
    };
    let legs: Vec<Value> = spec
        .legs
        .iter()
        .zip(&leg_charges)
        .map(|(l, c)| {
            let q = quote(market, &l.symbol);
            json!({
                "askPrice": num(q.ask),
                "bidPrice": num(q.bid),
                "lastPrice": num(q.last),
                "markPrice": num(q.mark),
                "projectedCommission": money(c.total()),
                "quantity": num(l.quantity),
                "finalSymbol": l.symbol,
                "legId": l.leg_id,
                "assetType": l.asset.as_str(),
                "instruction": l.instruction.as_str(),
                "positionEffect": l.instruction.position_effect(),
                "instrument": { "assetType": l.asset.as_str(), "symbol": l.symbol },
            })
        })
        .collect();
    let mut strategy = json!({
        "accountNumber": acct.number,
        "advancedOrderType": "NONE",
        "closeTime": stamp(now),
        "enteredTime": stamp(now),
        "orderBalance": {
            "orderValue": money(value),
            "projectedAvailableFund": money(fund),
            "projectedBuyingPower": money(power),
            "projectedCommission": money(commission),
        },
        "orderStrategyType": "SINGLE",
        "orderVersion": 1,
        "session": spec.session.as_str(),
        "status": if rejected { "REJECTED" } else { "ACCEPTED" },
        "discretionary": false,
        "duration": spec.duration.as_str(),
        "filledQuantity": 0.0,
        "orderType": spec.order_type.as_str(),
        "orderValue": money(value),
        "quantity": num(spec.quantity),
        "remainingQuantity": num(if rejected { Decimal::ZERO } else { spec.quantity }),
        "sellNonMarginableFirst": false,
        "strategy": spec.complex,
        // The recorded equity preview says SHARES; the spec's enum has no word for contracts
        // (DOLLARS, SHARES, ALL_SHARES, PERCENTAGE, UNKNOWN), so options say SHARES too.
        "amountIndicator": "SHARES",
        "orderLegs": legs,
    });
    if let Some(p) = spec.price {
        strategy["price"] = num(p);
    }
    if let Some(p) = spec.stop_price {
        strategy["stopPrice"] = num(p);
    }
    if spec.order_type == OrderType::TrailingStop
        && let Some(t) = spec.trail
    {
        strategy["stopPriceOffset"] = num(t.offset);
    }
    let detail = |text: &String, severity: &str| {
        let mut d = Map::new();
        d.insert("activityMessage".into(), json!(text));
        d.insert("originalSeverity".into(), json!(severity));
        Value::Object(d)
    };
    let mut validation = Map::new();
    if rejected {
        let list = findings
            .rejects
            .iter()
            .map(|t| detail(t, "REJECT"))
            .collect();
        validation.insert("rejects".into(), Value::Array(list));
    }
    if !findings.warns.is_empty() {
        let list = findings.warns.iter().map(|t| detail(t, "ALERT")).collect();
        validation.insert("warns".into(), Value::Array(list));
    }
    let commission_legs: Vec<Value> = leg_charges
        .iter()
        .map(|c| {
            json!({ "commissionValues": [
                { "value": 0.0, "type": "BASE_CHARGE" },
                { "value": money(c.commission), "type": "COMMISSION" },
            ]})
        })
        .collect();
    let fee_legs: Vec<Value> = leg_charges
        .iter()
        .map(|c| {
            json!({ "feeValues": [
                { "value": money(c.sec), "type": "SEC_FEE" },
                { "value": money(c.orf), "type": "OPT_REG_FEE" },
                { "value": money(c.taf), "type": "TAF_FEE" },
            ]})
        })
        .collect();
    json!({
        "orderId": 0,
        "orderStrategy": strategy,
        "orderValidationResult": Value::Object(validation),
        "commissionAndFee": {
            "commission": { "commissionLegs": commission_legs.clone() },
            "fee": { "feeLegs": fee_legs },
            "trueCommission": { "commissionLegs": commission_legs },
        },
    })
}
