//! The order wire types against Schwab's recorded order payloads, the exact JSON of the
//! requests palmtree sends, and reading the new order's id from `Location`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use palmtree::schwab::orders::{
    ActivityType, AssetType, ComplexOrderStrategyType, Duration, ExecutionType, Instruction,
    InstrumentRequest, Order, OrderLegRequest, OrderRequest, OrderStatus, OrderStrategyType,
    OrderType, PositionEffect, PreviewOrder, PutCall, Session, StopPriceLinkBasis,
    StopPriceLinkType, order_id_from_location, parse_time,
};
use rust_decimal::Decimal;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/schwab/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path)
        .map_err(|e| format!("{path}: {e}"))
        .unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn filled_option_verticals() {
    let orders: Vec<Order> =
        serde_json::from_slice(&fixture("orders-list-filled-option-verticals.json")).unwrap();
    assert_eq!(orders.len(), 5);
    let ids: Vec<i64> = orders.iter().map(|o| o.order_id.unwrap()).collect();
    assert_eq!(
        ids,
        [
            9000000000001,
            9000000000002,
            9000000000003,
            9000000000004,
            9000000000005
        ]
    );
    assert!(orders.iter().all(|o| o.status == Some(OrderStatus::Filled)));
    assert!(orders.iter().all(|o| !o.status.as_ref().unwrap().is_open()));

    let first = &orders[0];
    assert_eq!(first.session, Some(Session::Normal));
    assert_eq!(first.duration, Some(Duration::Day));
    assert_eq!(first.order_type, Some(OrderType::NetCredit));
    assert_eq!(
        first.complex_order_strategy_type,
        Some(ComplexOrderStrategyType::Vertical)
    );
    assert_eq!(first.order_strategy_type, Some(OrderStrategyType::Single));
    assert_eq!(first.price, Some(dec("1.2")));
    assert_eq!(first.quantity, Some(dec("1")));
    assert_eq!(first.filled_quantity, Some(dec("1")));
    assert_eq!(first.remaining_quantity, Some(dec("0")));
    assert_eq!(first.requested_destination.as_deref(), Some("AUTO"));
    assert_eq!(first.destination_link_name.as_deref(), Some("CDRG"));
    assert_eq!(first.cancelable, Some(false));
    assert_eq!(first.editable, Some(false));
    assert_eq!(first.tag.as_deref(), Some("API_TOS:TRADE_ALL"));
    assert_eq!(first.account_number, Some(12345678));
    assert_eq!(first.entered_time, Some(utc("2025-01-17T17:19:49Z")));
    assert_eq!(first.close_time, Some(utc("2025-01-17T17:19:49Z")));

    let legs = first.order_leg_collection.as_ref().unwrap();
    assert_eq!(legs.len(), 2);
    let short_call = &legs[0];
    assert_eq!(short_call.leg_id, Some(1));
    assert_eq!(short_call.order_leg_type, Some(AssetType::Option));
    assert_eq!(short_call.instruction, Some(Instruction::SellToOpen));
    assert_eq!(short_call.position_effect, Some(PositionEffect::Opening));
    assert_eq!(short_call.quantity, Some(dec("1")));
    let instrument = short_call.instrument.as_ref().unwrap();
    assert_eq!(instrument.symbol.as_deref(), Some("MRVL  250321C00155000"));
    assert_eq!(instrument.cusip.as_deref(), Some("0MRVL.CL50155000"));
    assert_eq!(instrument.instrument_id, Some(227784488));
    assert_eq!(instrument.instrument_type.as_deref(), Some("VANILLA"));
    assert_eq!(instrument.put_call, Some(PutCall::Call));
    assert_eq!(instrument.underlying_symbol.as_deref(), Some("MRVL"));
    let deliverable = &instrument.option_deliverables.as_ref().unwrap()[0];
    assert_eq!(deliverable.symbol.as_deref(), Some("MRVL"));
    assert_eq!(deliverable.deliverable_units, Some(dec("100")));
    assert_eq!(legs[1].instruction, Some(Instruction::BuyToOpen));
    let long_call = legs[1].instrument.as_ref().unwrap();
    assert_eq!(long_call.symbol.as_deref(), Some("MRVL  250321C00170000"));

    let activities = first.order_activity_collection.as_ref().unwrap();
    assert_eq!(activities.len(), 1);
    let fill = &activities[0];
    assert_eq!(fill.activity_type, Some(ActivityType::Execution));
    assert_eq!(fill.activity_id, Some(91176753938));
    assert_eq!(fill.execution_type, Some(ExecutionType::Fill));
    assert_eq!(fill.order_remaining_quantity, Some(dec("0")));
    let executions = fill.execution_legs.as_ref().unwrap();
    let prices: Vec<Decimal> = executions.iter().map(|e| e.price.unwrap()).collect();
    assert_eq!(prices, [dec("2.06"), dec("0.86")]);
    assert_eq!(executions[0].leg_id, Some(1));
    assert_eq!(executions[0].instrument_id, Some(227784488));
    assert_eq!(executions[0].mismarked_quantity, Some(dec("0")));
    assert_eq!(executions[1].time, Some(utc("2025-01-17T17:19:49Z")));

    let second = &orders[1];
    assert_eq!(second.price, Some(dec("2.59")));
    assert_eq!(second.entered_time, Some(utc("2025-01-16T16:13:09Z")));
    assert_eq!(second.close_time, Some(utc("2025-01-16T16:13:29Z")));
    let put = second.order_leg_collection.as_ref().unwrap()[0]
        .instrument
        .as_ref()
        .unwrap();
    assert_eq!(put.put_call, Some(PutCall::Put));
    let executions = second.order_activity_collection.as_ref().unwrap()[0]
        .execution_legs
        .as_ref()
        .unwrap();
    assert_eq!(executions[0].price, Some(dec("6.29")));
    assert_eq!(executions[1].price, Some(dec("3.7")));

    assert_eq!(orders[4].destination_link_name.as_deref(), Some("WEXM"));
    assert!(first.child_order_strategies.is_none());
    assert!(first.replacing_order_collection.is_none());
}

#[test]
fn pending_activation_equity_is_open_and_editable() {
    let orders: Vec<Order> =
        serde_json::from_slice(&fixture("orders-list-pending-activation-equity.json")).unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order.order_id, Some(9000000000042));
    assert_eq!(order.status, Some(OrderStatus::PendingActivation));
    assert!(order.status.as_ref().unwrap().is_open());
    assert_eq!(order.cancelable, Some(true));
    assert_eq!(order.editable, Some(true));
    assert_eq!(order.duration, Some(Duration::GoodTillCancel));
    assert_eq!(order.order_type, Some(OrderType::Limit));
    assert_eq!(
        order.complex_order_strategy_type,
        Some(ComplexOrderStrategyType::None)
    );
    assert_eq!(order.cancel_time, Some(utc("2024-10-18T13:30:00Z")));
    assert_eq!(order.entered_time, Some(utc("2024-10-18T13:30:00Z")));
    assert_eq!(order.close_time, None);
    assert_eq!(order.destination_link_name.as_deref(), Some("SOHO"));
    assert_eq!(order.price, Some(dec("0")));
    let leg = &order.order_leg_collection.as_ref().unwrap()[0];
    assert_eq!(leg.instruction, Some(Instruction::Buy));
    assert_eq!(leg.order_leg_type, Some(AssetType::Equity));
    let instrument = leg.instrument.as_ref().unwrap();
    assert_eq!(instrument.symbol.as_deref(), Some("FAKE"));
    assert_eq!(instrument.asset_type, Some(AssetType::Equity));
    assert_eq!(instrument.instrument_id, Some(1234567));
    assert!(order.order_activity_collection.is_none());
    assert!(order.tag.is_none());
}

#[test]
fn canceled_equity_limit_keeps_the_canceled_execution_type() {
    let order: Order =
        serde_json::from_slice(&fixture("order-canceled-equity-limit.json")).unwrap();
    assert_eq!(order.order_id, Some(9000000000099));
    assert_eq!(order.status, Some(OrderStatus::Canceled));
    assert!(!order.status.as_ref().unwrap().is_open());
    assert_eq!(order.price, Some(dec("10")));
    assert_eq!(order.quantity, Some(dec("1")));
    assert_eq!(order.filled_quantity, Some(dec("0")));
    assert_eq!(order.destination_link_name.as_deref(), Some("AutoRoute"));
    assert_eq!(order.tag.as_deref(), Some("FAKE-TAG"));
    assert_eq!(order.entered_time, Some(utc("2024-10-18T13:30:00Z")));
    assert_eq!(order.close_time, Some(utc("2024-10-18T14:00:00Z")));
    let leg = &order.order_leg_collection.as_ref().unwrap()[0];
    assert_eq!(
        leg.instrument.as_ref().unwrap().symbol.as_deref(),
        Some("INTC")
    );
    assert_eq!(
        leg.instrument.as_ref().unwrap().cusip.as_deref(),
        Some("458140100")
    );
    let activity = &order.order_activity_collection.as_ref().unwrap()[0];
    assert_eq!(activity.execution_type, Some(ExecutionType::Canceled));
    assert_eq!(activity.activity_id, Some(90000000001));
    let execution = &activity.execution_legs.as_ref().unwrap()[0];
    assert_eq!(execution.price, Some(dec("0")));
    assert_eq!(execution.time, Some(utc("2024-10-18T13:30:00Z")));
}

#[test]
fn unknown_enum_values_and_odd_times_are_kept_or_dropped_not_fatal() {
    let body = r#"{"orderId": 1, "status": "SOMETHING_NEW", "orderType": "FANCY",
        "enteredTime": "not a time", "closeTime": 1737134389000,
        "orderActivityCollection": [{"executionType": "PARTIAL"}], "futureField": [1, 2]}"#;
    let order: Order = serde_json::from_str(body).unwrap();
    assert_eq!(
        order.status,
        Some(OrderStatus::Other("SOMETHING_NEW".into()))
    );
    assert_eq!(order.order_type, Some(OrderType::Other("FANCY".into())));
    assert_eq!(order.entered_time, None);
    assert_eq!(order.close_time, None);
    let activity = &order.order_activity_collection.as_ref().unwrap()[0];
    assert_eq!(
        activity.execution_type,
        Some(ExecutionType::Other("PARTIAL".into()))
    );
}

#[test]
fn account_numbers_never_reach_debug() {
    let orders: Vec<Order> =
        serde_json::from_slice(&fixture("orders-list-filled-option-verticals.json")).unwrap();
    let text = format!("{orders:?}");
    assert!(!text.contains("12345678"), "{text}");
    assert!(text.contains("9000000000001"));

    let preview: PreviewOrder =
        serde_json::from_slice(&fixture("order-preview-rejected.json")).unwrap();
    let text = format!("{preview:?}");
    assert!(!text.contains("12345678"), "{text}");
}

#[test]
fn rejected_preview() {
    let preview: PreviewOrder =
        serde_json::from_slice(&fixture("order-preview-rejected.json")).unwrap();
    assert_eq!(preview.order_id, Some(0));
    assert_eq!(
        preview.rejects(),
        [
            "Your limit price is significantly away from the current market price. Please adjust \
          your order."
        ]
    );
    assert!(preview.warnings().is_empty());
    assert_eq!(preview.total_commission(), Some(dec("0")));
    assert_eq!(preview.total_fees(), Some(dec("0")));

    let strategy = preview.order_strategy.as_ref().unwrap();
    assert_eq!(strategy.status, Some(OrderStatus::Rejected));
    assert_eq!(strategy.account_number.as_deref(), Some("12345678"));
    assert_eq!(strategy.order_type, Some(OrderType::Limit));
    assert_eq!(strategy.price, Some(dec("10")));
    assert_eq!(strategy.order_version, Some(dec("1")));
    assert_eq!(strategy.strategy, Some(ComplexOrderStrategyType::None));
    assert_eq!(strategy.amount_indicator.as_deref(), Some("SHARES"));
    assert_eq!(strategy.entered_time, Some(utc("2025-12-04T01:21:21Z")));
    let balance = strategy.order_balance.as_ref().unwrap();
    assert_eq!(balance.order_value, Some(dec("10")));
    assert_eq!(balance.projected_buying_power, Some(dec("0")));
    let leg = &strategy.order_legs.as_ref().unwrap()[0];
    assert_eq!(leg.ask_price, Some(dec("217.11")));
    assert_eq!(leg.bid_price, Some(dec("217.01")));
    assert_eq!(leg.last_price, Some(dec("217.6")));
    assert_eq!(leg.final_symbol.as_deref(), Some("AMD"));
    assert_eq!(leg.instruction, Some(Instruction::Buy));
    assert_eq!(
        leg.instrument.as_ref().unwrap().symbol.as_deref(),
        Some("AMD")
    );

    let fees = preview.commission_and_fee.as_ref().unwrap();
    let values = fees.fee.as_ref().unwrap().fee_legs.as_ref().unwrap()[0]
        .fee_values
        .as_ref();
    let kinds: Vec<&str> = values
        .unwrap()
        .iter()
        .map(|v| v.fee_type.as_deref().unwrap())
        .collect();
    assert_eq!(kinds, ["SEC_FEE", "OPT_REG_FEE", "TAF_FEE"]);
}

#[test]
fn preview_totals_and_findings_add_up() {
    let body = r#"{
      "orderId": 0,
      "orderValidationResult": {
        "warns": [{"validationRuleName": "NIGHT", "message": "Order will be queued"}],
        "alerts": [{"validationRuleName": "RULE_ONLY"}],
        "reviews": [{"activityMessage": "  Sent for review  ", "message": "ignored"}],
        "accepts": [{"message": "fine"}]
      },
      "commissionAndFee": {
        "commission": {"commissionLegs": [
          {"commissionValues": [{"value": 0.65, "type": "COMMISSION"}, {"value": 0}]},
          {"commissionValues": [{"value": "0.65", "type": "COMMISSION"}]}
        ]},
        "fee": {"feeLegs": [{"feeValues": [{"value": 0.01, "type": "SEC_FEE"},
                                           {"value": 0.02, "type": "TAF_FEE"}]},
                            {"feeValues": [{"type": "OPT_REG_FEE"}]}]},
        "trueCommission": {"commissionLegs": [{"commissionValues": [{"value": 9.99}]}]}
      }
    }"#;
    let preview: PreviewOrder = serde_json::from_str(body).unwrap();
    assert_eq!(preview.total_commission(), Some(dec("1.30")));
    assert_eq!(preview.total_fees(), Some(dec("0.03")));
    assert!(preview.rejects().is_empty());
    assert_eq!(
        preview.warnings(),
        ["Order will be queued", "RULE_ONLY", "Sent for review"]
    );

    let empty: PreviewOrder = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.total_commission(), None);
    assert_eq!(empty.total_fees(), None);
    assert!(empty.rejects().is_empty());
}

fn leg(instruction: Instruction, quantity: u64, symbol: &str, asset: AssetType) -> OrderLegRequest {
    OrderLegRequest {
        instruction,
        quantity,
        instrument: InstrumentRequest {
            symbol: symbol.into(),
            asset_type: asset,
        },
    }
}

fn limit_buy() -> OrderRequest {
    OrderRequest {
        session: Session::Normal,
        duration: Duration::Day,
        order_type: OrderType::Limit,
        complex_order_strategy_type: None,
        price: Some(dec("187.25")),
        stop_price: None,
        stop_price_link_basis: None,
        stop_price_link_type: None,
        stop_price_offset: None,
        order_strategy_type: OrderStrategyType::Single,
        order_leg_collection: vec![leg(Instruction::Buy, 10, "AAPL", AssetType::Equity)],
        child_order_strategies: Vec::new(),
    }
}

#[test]
fn limit_equity_order_json() {
    let json = serde_json::to_string(&limit_buy()).unwrap();
    assert_eq!(
        json,
        r#"{"session":"NORMAL","duration":"DAY","orderType":"LIMIT","price":"187.25","#.to_owned()
            + r#""orderStrategyType":"SINGLE","orderLegCollection":[{"instruction":"BUY","#
            + r#""quantity":10,"instrument":{"symbol":"AAPL","assetType":"EQUITY"}}]}"#
    );
    assert!(!json.contains("requestedDestination"));
}

#[test]
fn trailing_stop_matches_schwabs_sample() {
    let order = OrderRequest {
        session: Session::Normal,
        duration: Duration::Day,
        order_type: OrderType::TrailingStop,
        complex_order_strategy_type: Some(ComplexOrderStrategyType::None),
        price: None,
        stop_price: None,
        stop_price_link_basis: Some(StopPriceLinkBasis::Bid),
        stop_price_link_type: Some(StopPriceLinkType::Value),
        stop_price_offset: Some(dec("10.00")),
        order_strategy_type: OrderStrategyType::Single,
        order_leg_collection: vec![leg(Instruction::Sell, 10, "XYZ", AssetType::Equity)],
        child_order_strategies: Vec::new(),
    };
    let json = serde_json::to_string(&order).unwrap();
    assert_eq!(
        json,
        r#"{"session":"NORMAL","duration":"DAY","orderType":"TRAILING_STOP","#.to_owned()
            + r#""complexOrderStrategyType":"NONE","stopPriceLinkBasis":"BID","#
            + r#""stopPriceLinkType":"VALUE","stopPriceOffset":10,"orderStrategyType":"SINGLE","#
            + r#""orderLegCollection":[{"instruction":"SELL","quantity":10,"#
            + r#""instrument":{"symbol":"XYZ","assetType":"EQUITY"}}]}"#
    );

    // Schwab's "Sell Trailing Stop: Stock" sample, field for field.
    let sample: Value = serde_json::from_str(
        r#"{ "complexOrderStrategyType": "NONE", "orderType": "TRAILING_STOP",
             "session": "NORMAL", "stopPriceLinkBasis": "BID", "stopPriceLinkType": "VALUE",
             "stopPriceOffset": 10, "duration": "DAY", "orderStrategyType": "SINGLE",
             "orderLegCollection": [ { "instruction": "SELL", "quantity": 10,
               "instrument": { "symbol": "XYZ", "assetType": "EQUITY" } } ] }"#,
    )
    .unwrap();
    assert_eq!(serde_json::to_value(&order).unwrap(), sample);

    let cents = OrderRequest {
        stop_price_offset: Some(dec("1.25")),
        ..order
    };
    let json = serde_json::to_string(&cents).unwrap();
    assert!(json.contains(r#""stopPriceOffset":1.25,"#), "{json}");
}

#[test]
fn stop_limit_and_option_order_json() {
    let order = OrderRequest {
        order_type: OrderType::StopLimit,
        duration: Duration::GoodTillCancel,
        complex_order_strategy_type: Some(ComplexOrderStrategyType::None),
        price: Some(dec("3.50")),
        stop_price: Some(dec("3.55")),
        order_leg_collection: vec![leg(
            Instruction::SellToClose,
            2,
            "AAPL  270115C00200000",
            AssetType::Option,
        )],
        ..limit_buy()
    };
    let json = serde_json::to_string(&order).unwrap();
    assert_eq!(
        json,
        r#"{"session":"NORMAL","duration":"GOOD_TILL_CANCEL","orderType":"STOP_LIMIT","#.to_owned()
            + r#""complexOrderStrategyType":"NONE","price":"3.50","stopPrice":"3.55","#
            + r#""orderStrategyType":"SINGLE","orderLegCollection":[{"instruction":"#
            + r#""SELL_TO_CLOSE","quantity":2,"instrument":{"symbol":"AAPL  270115C00200000","#
            + r#""assetType":"OPTION"}}]}"#
    );

    // The response type reads a request too, which is how a server would take one in.
    let echoed: Order = serde_json::from_str(&json).unwrap();
    assert_eq!(echoed.price, Some(dec("3.50")));
    assert_eq!(echoed.stop_price, Some(dec("3.55")));
    assert_eq!(
        echoed.order_leg_collection.unwrap()[0].quantity,
        Some(dec("2"))
    );
}

#[test]
fn order_ids_from_location() {
    let base = "https://api.schwabapi.com/trader/v1/accounts/ABCDEF0123456789/orders";
    let cases: [(String, Option<i64>); 12] = [
        (format!("{base}/1234567890123"), Some(1234567890123)),
        (format!("{base}/1234567890123/"), Some(1234567890123)),
        (format!("{base}/1234567890123?x=1"), Some(1234567890123)),
        (
            format!("{base}/1234567890123/?x=1#top"),
            Some(1234567890123),
        ),
        (format!("  {base}/9000000000001  "), Some(9000000000001)),
        (format!("{base}/12345678901234567"), Some(12345678901234567)),
        ("/trader/v1/accounts/H/orders/42".into(), Some(42)),
        (format!("{base}/abc123"), None),
        (format!("{base}/-5"), None),
        (format!("{base}/99999999999999999999"), None),
        (format!("{base}/"), None),
        (String::new(), None),
    ];
    for (location, expected) in cases {
        assert_eq!(order_id_from_location(&location), expected, "{location}");
    }
    assert_eq!(order_id_from_location(&format!("{base}/+7")), None);
    assert_eq!(order_id_from_location(&format!("{base}/0")), None);
}

#[test]
fn schwab_times_with_and_without_offset_colon() {
    assert_eq!(
        parse_time("2025-01-17T17:19:49+0000"),
        Some(utc("2025-01-17T17:19:49Z"))
    );
    assert_eq!(
        parse_time("2025-01-17T12:19:49-0500"),
        Some(utc("2025-01-17T17:19:49Z"))
    );
    assert_eq!(
        parse_time("2024-03-29T00:00:00.000Z"),
        Some(utc("2024-03-29T00:00:00Z"))
    );
    assert_eq!(
        parse_time("2025-01-17T17:19:49+00:00"),
        Some(utc("2025-01-17T17:19:49Z"))
    );
    assert_eq!(parse_time("17/01/2025"), None);
}
