//! Wire types of the trader API's order endpoints: the order palmtree sends, the orders Schwab
//! returns, and the answer of `previewOrder`.
//!
//! Requests are built exactly as Schwab's samples show; responses are read leniently (every
//! field optional, unknown fields ignored, unknown enum values kept).

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use super::accounts::AssetType;
use super::open_enum::open_enum;

open_enum!(
    /// `session`: which trading session an order may work in.
    Session {
        Normal => "NORMAL",
        Am => "AM",
        Pm => "PM",
        Seamless => "SEAMLESS",
    }
);

open_enum!(
    /// `duration`: how long an order stays open. `UNKNOWN` only appears in answers.
    Duration {
        Day => "DAY",
        GoodTillCancel => "GOOD_TILL_CANCEL",
        FillOrKill => "FILL_OR_KILL",
        ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
        EndOfWeek => "END_OF_WEEK",
        EndOfMonth => "END_OF_MONTH",
        NextEndOfMonth => "NEXT_END_OF_MONTH",
        Unknown => "UNKNOWN",
    }
);

open_enum!(
    /// `orderType`. `UNKNOWN` only appears in answers.
    OrderType {
        Market => "MARKET",
        Limit => "LIMIT",
        Stop => "STOP",
        StopLimit => "STOP_LIMIT",
        TrailingStop => "TRAILING_STOP",
        Cabinet => "CABINET",
        NonMarketable => "NON_MARKETABLE",
        MarketOnClose => "MARKET_ON_CLOSE",
        Exercise => "EXERCISE",
        TrailingStopLimit => "TRAILING_STOP_LIMIT",
        NetDebit => "NET_DEBIT",
        NetCredit => "NET_CREDIT",
        NetZero => "NET_ZERO",
        LimitOnClose => "LIMIT_ON_CLOSE",
        Unknown => "UNKNOWN",
    }
);

open_enum!(
    /// `complexOrderStrategyType`: how the legs of a multi-leg order relate.
    ComplexOrderStrategyType {
        None => "NONE",
        Covered => "COVERED",
        Vertical => "VERTICAL",
        BackRatio => "BACK_RATIO",
        Calendar => "CALENDAR",
        Diagonal => "DIAGONAL",
        Straddle => "STRADDLE",
        Strangle => "STRANGLE",
        CollarSynthetic => "COLLAR_SYNTHETIC",
        Butterfly => "BUTTERFLY",
        Condor => "CONDOR",
        IronCondor => "IRON_CONDOR",
        VerticalRoll => "VERTICAL_ROLL",
        CollarWithStock => "COLLAR_WITH_STOCK",
        DoubleDiagonal => "DOUBLE_DIAGONAL",
        UnbalancedButterfly => "UNBALANCED_BUTTERFLY",
        UnbalancedCondor => "UNBALANCED_CONDOR",
        UnbalancedIronCondor => "UNBALANCED_IRON_CONDOR",
        UnbalancedVerticalRoll => "UNBALANCED_VERTICAL_ROLL",
        MutualFundSwap => "MUTUAL_FUND_SWAP",
        Custom => "CUSTOM",
    }
);

open_enum!(
    /// `orderStrategyType`. In practice only SINGLE, OCO and TRIGGER are used.
    OrderStrategyType {
        Single => "SINGLE",
        Cancel => "CANCEL",
        Recall => "RECALL",
        Pair => "PAIR",
        Flatten => "FLATTEN",
        TwoDaySwap => "TWO_DAY_SWAP",
        BlastAll => "BLAST_ALL",
        Oco => "OCO",
        Trigger => "TRIGGER",
    }
);

open_enum!(
    /// `instruction` of an order leg.
    ///
    /// Equities take BUY, SELL, BUY_TO_COVER and SELL_SHORT; options only the `*_TO_OPEN`
    /// and `*_TO_CLOSE` forms.
    Instruction {
        Buy => "BUY",
        Sell => "SELL",
        BuyToCover => "BUY_TO_COVER",
        SellShort => "SELL_SHORT",
        BuyToOpen => "BUY_TO_OPEN",
        BuyToClose => "BUY_TO_CLOSE",
        SellToOpen => "SELL_TO_OPEN",
        SellToClose => "SELL_TO_CLOSE",
        Exchange => "EXCHANGE",
        SellShortExempt => "SELL_SHORT_EXEMPT",
    }
);

open_enum!(
    /// `status` of an order (the spec also calls the list `apiOrderStatus`).
    OrderStatus {
        AwaitingParentOrder => "AWAITING_PARENT_ORDER",
        AwaitingCondition => "AWAITING_CONDITION",
        AwaitingStopCondition => "AWAITING_STOP_CONDITION",
        AwaitingManualReview => "AWAITING_MANUAL_REVIEW",
        Accepted => "ACCEPTED",
        AwaitingUrOut => "AWAITING_UR_OUT",
        PendingActivation => "PENDING_ACTIVATION",
        Queued => "QUEUED",
        Working => "WORKING",
        Rejected => "REJECTED",
        PendingCancel => "PENDING_CANCEL",
        Canceled => "CANCELED",
        PendingReplace => "PENDING_REPLACE",
        Replaced => "REPLACED",
        Filled => "FILLED",
        Expired => "EXPIRED",
        New => "NEW",
        AwaitingReleaseTime => "AWAITING_RELEASE_TIME",
        PendingAcknowledgement => "PENDING_ACKNOWLEDGEMENT",
        PendingRecall => "PENDING_RECALL",
        Unknown => "UNKNOWN",
    }
);

impl OrderStatus {
    /// Whether the order may still trade: every status but the final ones and `UNKNOWN`.
    ///
    /// A status this build does not know counts as open: showing an order that might be
    /// working is safer than hiding one that is. Whether it can be canceled or replaced is
    /// not decided here but by the order's own `cancelable` and `editable` flags.
    pub fn is_open(&self) -> bool {
        !matches!(
            self,
            OrderStatus::Rejected
                | OrderStatus::Canceled
                | OrderStatus::Replaced
                | OrderStatus::Filled
                | OrderStatus::Expired
                | OrderStatus::Unknown
        )
    }
}

open_enum!(
    /// `stopPriceLinkBasis`: the price a trailing stop follows.
    StopPriceLinkBasis {
        Manual => "MANUAL",
        Base => "BASE",
        Trigger => "TRIGGER",
        Last => "LAST",
        Bid => "BID",
        Ask => "ASK",
        AskBid => "ASK_BID",
        Mark => "MARK",
        Average => "AVERAGE",
    }
);

open_enum!(
    /// `stopPriceLinkType`: whether a trailing stop's offset is dollars, percent or ticks.
    StopPriceLinkType {
        Value => "VALUE",
        Percent => "PERCENT",
        Tick => "TICK",
    }
);

open_enum!(
    /// `positionEffect` of a leg.
    PositionEffect {
        Opening => "OPENING",
        Closing => "CLOSING",
        Automatic => "AUTOMATIC",
    }
);

open_enum!(
    /// `activityType` of an entry in `orderActivityCollection`.
    ActivityType {
        Execution => "EXECUTION",
        OrderAction => "ORDER_ACTION",
    }
);

open_enum!(
    /// `executionType` of an activity. The spec lists only FILL; CANCELED is seen in real
    /// answers (with price 0), so a reader must not count every execution as a fill.
    ExecutionType {
        Fill => "FILL",
        Canceled => "CANCELED",
    }
);

open_enum!(
    /// `putCall` of an option instrument.
    PutCall {
        Put => "PUT",
        Call => "CALL",
        Unknown => "UNKNOWN",
    }
);

open_enum!(
    /// `originalSeverity` / `overrideSeverity` of a preview finding (`APIRuleAction`).
    RuleAction {
        Accept => "ACCEPT",
        Alert => "ALERT",
        Reject => "REJECT",
        Review => "REVIEW",
        Unknown => "UNKNOWN",
    }
);

// ---------------------------------------------------------------------------------------------
// Requests

/// The body of `POST /accounts/{hash}/orders`, `PUT …/orders/{id}` and `previewOrder`.
///
/// Fields are written in the order of Schwab's samples and `None` fields are left out.
/// `requestedDestination` is deliberately absent: sending it has been answered with 400.
/// Prices go out as decimal strings (`"187.25"`), which Schwab's samples use and which keep
/// the value exact; the trailing-stop offset goes out as a JSON number, as in the only
/// sample and the spec, since no source shows a string being accepted there.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequest {
    pub session: Session,
    pub duration: Duration,
    pub order_type: OrderType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complex_order_strategy_type: Option<ComplexOrderStrategyType>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "decimal_string"
    )]
    pub price: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "decimal_string"
    )]
    pub stop_price: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_price_link_basis: Option<StopPriceLinkBasis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_price_link_type: Option<StopPriceLinkType>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "decimal_number"
    )]
    pub stop_price_offset: Option<Decimal>,
    pub order_strategy_type: OrderStrategyType,
    pub order_leg_collection: Vec<OrderLegRequest>,
    /// Orders that fire after this one fills (TRIGGER) or race it (OCO); empty for SINGLE.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub child_order_strategies: Vec<OrderRequest>,
}

/// One leg of an order request. Whole shares or contracts only: the API has no fractions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLegRequest {
    pub instruction: Instruction,
    pub quantity: u64,
    pub instrument: InstrumentRequest,
}

/// The instrument of a leg: the symbol as Schwab spells it (options in the padded OSI form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstrumentRequest {
    pub symbol: String,
    pub asset_type: AssetType,
}

/// Writes a price as a string with the decimals the value carries.
///
/// Explicit rather than relying on `Decimal`'s default, which a crate feature elsewhere in
/// the build could switch to floats.
fn decimal_string<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

/// Writes a decimal as a JSON number: an integer when it is whole (`10`, as in the sample),
/// otherwise through `f64`.
///
/// The `f64` path is exact for the amounts the ticket allows (at most 15 significant
/// digits): the shortest text that reads back as the same double is the decimal itself.
fn decimal_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    let Some(d) = value else {
        return s.serialize_none();
    };
    if d.fract().is_zero()
        && let Some(whole) = d.to_i64()
    {
        return s.serialize_i64(whole);
    }
    match d.to_f64() {
        Some(f) => s.serialize_f64(f),
        None => Err(serde::ser::Error::custom(
            "decimal out of range for a JSON number",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// An order as `GET …/orders` and `GET …/orders/{id}` return it.
///
/// `accountNumber` is the plain account number (an integer here, unlike the account
/// endpoints), so `Debug` never prints it.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub session: Option<Session>,
    pub duration: Option<Duration>,
    pub order_type: Option<OrderType>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub cancel_time: Option<DateTime<Utc>>,
    pub complex_order_strategy_type: Option<ComplexOrderStrategyType>,
    pub quantity: Option<Decimal>,
    pub filled_quantity: Option<Decimal>,
    pub remaining_quantity: Option<Decimal>,
    /// e.g. `AUTO`; read only, never sent back.
    pub requested_destination: Option<String>,
    /// The venue that took the order, e.g. `CDRG`, `SOHO`, `AutoRoute`.
    pub destination_link_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub release_time: Option<DateTime<Utc>>,
    pub price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub stop_price_link_basis: Option<StopPriceLinkBasis>,
    pub stop_price_link_type: Option<StopPriceLinkType>,
    pub stop_price_offset: Option<Decimal>,
    pub stop_type: Option<String>,
    pub activation_price: Option<Decimal>,
    pub special_instruction: Option<String>,
    pub order_leg_collection: Option<Vec<OrderLeg>>,
    pub order_strategy_type: Option<OrderStrategyType>,
    pub order_id: Option<i64>,
    pub cancelable: Option<bool>,
    pub editable: Option<bool>,
    pub status: Option<OrderStatus>,
    /// Why an order was rejected, in Schwab's words.
    pub status_description: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub entered_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub close_time: Option<DateTime<Utc>>,
    /// Which front end placed the order, e.g. `API_TOS:TRADE_ALL`.
    pub tag: Option<String>,
    pub account_number: Option<i64>,
    pub order_activity_collection: Option<Vec<OrderActivity>>,
    pub child_order_strategies: Option<Vec<Order>>,
    pub replacing_order_collection: Option<Vec<Order>>,
}

impl std::fmt::Debug for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let account = self.account_number.map(|_| "[redacted]");
        f.debug_struct("Order")
            .field("order_id", &self.order_id)
            .field("status", &self.status)
            .field("status_description", &self.status_description)
            .field("session", &self.session)
            .field("duration", &self.duration)
            .field("order_type", &self.order_type)
            .field(
                "complex_order_strategy_type",
                &self.complex_order_strategy_type,
            )
            .field("quantity", &self.quantity)
            .field("filled_quantity", &self.filled_quantity)
            .field("remaining_quantity", &self.remaining_quantity)
            .field("price", &self.price)
            .field("stop_price", &self.stop_price)
            .field("stop_price_link_basis", &self.stop_price_link_basis)
            .field("stop_price_link_type", &self.stop_price_link_type)
            .field("stop_price_offset", &self.stop_price_offset)
            .field("order_strategy_type", &self.order_strategy_type)
            .field("cancelable", &self.cancelable)
            .field("editable", &self.editable)
            .field("entered_time", &self.entered_time)
            .field("close_time", &self.close_time)
            .field("cancel_time", &self.cancel_time)
            .field("tag", &self.tag)
            .field("account_number", &account)
            .field("order_leg_collection", &self.order_leg_collection)
            .field("order_activity_collection", &self.order_activity_collection)
            .field("child_order_strategies", &self.child_order_strategies)
            .field(
                "replacing_order_collection",
                &self.replacing_order_collection,
            )
            .finish_non_exhaustive()
    }
}

/// One leg of a returned order.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderLeg {
    pub order_leg_type: Option<AssetType>,
    pub leg_id: Option<i64>,
    pub instrument: Option<OrderInstrument>,
    pub instruction: Option<Instruction>,
    pub position_effect: Option<PositionEffect>,
    pub quantity: Option<Decimal>,
    pub quantity_type: Option<String>,
    pub to_symbol: Option<String>,
}

/// The instrument of a returned leg.
///
/// The spec requires a `name` that real answers never carry, and lists `type` values that do
/// not include the `VANILLA` real option legs have; both are read as plain optional text.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderInstrument {
    pub asset_type: Option<AssetType>,
    pub cusip: Option<String>,
    pub symbol: Option<String>,
    pub description: Option<String>,
    pub instrument_id: Option<i64>,
    pub net_change: Option<Decimal>,
    #[serde(rename = "type")]
    pub instrument_type: Option<String>,
    pub put_call: Option<PutCall>,
    pub underlying_symbol: Option<String>,
    pub option_multiplier: Option<Decimal>,
    pub option_deliverables: Option<Vec<OptionDeliverable>>,
}

/// What one option contract delivers, e.g. 100 units of the underlying.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OptionDeliverable {
    pub symbol: Option<String>,
    pub deliverable_units: Option<Decimal>,
    pub asset_type: Option<AssetType>,
}

/// One entry of `orderActivityCollection`: an execution or an order action.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderActivity {
    pub activity_type: Option<ActivityType>,
    pub activity_id: Option<i64>,
    pub execution_type: Option<ExecutionType>,
    pub quantity: Option<Decimal>,
    pub order_remaining_quantity: Option<Decimal>,
    pub execution_legs: Option<Vec<ExecutionLeg>>,
}

/// What one leg got in one execution.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionLeg {
    pub leg_id: Option<i64>,
    pub quantity: Option<Decimal>,
    pub mismarked_quantity: Option<Decimal>,
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub time: Option<DateTime<Utc>>,
    pub instrument_id: Option<i64>,
}

/// The answer of `POST /accounts/{hash}/previewOrder`.
///
/// `orderId` is 0 here: a preview places nothing.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewOrder {
    pub order_id: Option<i64>,
    pub order_strategy: Option<PreviewStrategy>,
    pub order_validation_result: Option<OrderValidationResult>,
    pub commission_and_fee: Option<CommissionAndFee>,
}

impl PreviewOrder {
    /// The commission Schwab would charge, summed over legs and charge types.
    ///
    /// `None` when the preview carries no commission block, so "unknown" is never shown as
    /// free. Reads `commission`, not `trueCommission` (the undiscounted figure).
    pub fn total_commission(&self) -> Option<Decimal> {
        let commission = self.commission_and_fee.as_ref()?.commission.as_ref()?;
        commission.total()
    }

    /// The regulatory and exchange fees, summed over legs and fee types; `None` when absent.
    pub fn total_fees(&self) -> Option<Decimal> {
        let fee = self.commission_and_fee.as_ref()?.fee.as_ref()?;
        fee.total()
    }

    /// The reasons the order would be refused, in Schwab's words. Non-empty means "do not
    /// offer to place it".
    pub fn rejects(&self) -> Vec<String> {
        let Some(result) = &self.order_validation_result else {
            return Vec::new();
        };
        texts(&[&result.rejects])
    }

    /// Findings that do not block the order but the user should read first: warnings,
    /// alerts, and reviews (an order that will wait for a manual review at Schwab).
    pub fn warnings(&self) -> Vec<String> {
        let Some(result) = &self.order_validation_result else {
            return Vec::new();
        };
        texts(&[&result.warns, &result.alerts, &result.reviews])
    }
}

fn texts(lists: &[&Option<Vec<ValidationDetail>>]) -> Vec<String> {
    lists
        .iter()
        .filter_map(|list| list.as_ref())
        .flatten()
        .map(ValidationDetail::text)
        .collect()
}

/// The order as Schwab would take it, with projected balances.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewStrategy {
    /// The plain account number, as a string here; never printed by `Debug`.
    pub account_number: Option<String>,
    pub advanced_order_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub entered_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub close_time: Option<DateTime<Utc>>,
    pub order_balance: Option<OrderBalance>,
    pub order_strategy_type: Option<OrderStrategyType>,
    pub order_version: Option<Decimal>,
    pub session: Option<Session>,
    pub status: Option<OrderStatus>,
    pub all_or_none: Option<bool>,
    pub discretionary: Option<bool>,
    pub duration: Option<Duration>,
    pub filled_quantity: Option<Decimal>,
    pub order_type: Option<OrderType>,
    pub order_value: Option<Decimal>,
    pub price: Option<Decimal>,
    pub quantity: Option<Decimal>,
    pub remaining_quantity: Option<Decimal>,
    pub sell_non_marginable_first: Option<bool>,
    pub settlement_instruction: Option<String>,
    pub strategy: Option<ComplexOrderStrategyType>,
    /// `SHARES`, `DOLLARS`, …
    pub amount_indicator: Option<String>,
    pub order_legs: Option<Vec<PreviewLeg>>,
}

impl std::fmt::Debug for PreviewStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let account = self.account_number.as_ref().map(|_| "[redacted]");
        f.debug_struct("PreviewStrategy")
            .field("account_number", &account)
            .field("status", &self.status)
            .field("session", &self.session)
            .field("duration", &self.duration)
            .field("order_type", &self.order_type)
            .field("strategy", &self.strategy)
            .field("quantity", &self.quantity)
            .field("price", &self.price)
            .field("order_value", &self.order_value)
            .field("order_balance", &self.order_balance)
            .field("order_legs", &self.order_legs)
            .finish_non_exhaustive()
    }
}

/// What the order would do to the account's money.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderBalance {
    pub order_value: Option<Decimal>,
    pub projected_available_fund: Option<Decimal>,
    pub projected_buying_power: Option<Decimal>,
    pub projected_commission: Option<Decimal>,
}

/// One leg of a previewed order, with the quote Schwab priced it against.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewLeg {
    pub ask_price: Option<Decimal>,
    pub bid_price: Option<Decimal>,
    pub last_price: Option<Decimal>,
    pub mark_price: Option<Decimal>,
    pub projected_commission: Option<Decimal>,
    pub quantity: Option<Decimal>,
    pub final_symbol: Option<String>,
    pub leg_id: Option<i64>,
    pub asset_type: Option<AssetType>,
    pub instruction: Option<Instruction>,
    pub position_effect: Option<PositionEffect>,
    /// Not in the spec, present in real answers.
    pub instrument: Option<OrderInstrument>,
}

/// The findings of a preview, by severity.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderValidationResult {
    pub rejects: Option<Vec<ValidationDetail>>,
    pub warns: Option<Vec<ValidationDetail>>,
    pub alerts: Option<Vec<ValidationDetail>>,
    pub accepts: Option<Vec<ValidationDetail>>,
    pub reviews: Option<Vec<ValidationDetail>>,
}

/// One preview finding.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ValidationDetail {
    pub validation_rule_name: Option<String>,
    pub message: Option<String>,
    pub activity_message: Option<String>,
    pub original_severity: Option<RuleAction>,
    pub override_name: Option<String>,
    pub override_severity: Option<RuleAction>,
}

impl ValidationDetail {
    /// The finding as one line for the user: the activity message (the sentence written for
    /// people), else the message, else the rule name.
    pub fn text(&self) -> String {
        [
            &self.activity_message,
            &self.message,
            &self.validation_rule_name,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or("Schwab gave no reason")
        .to_string()
    }
}

/// `commissionAndFee` of a preview.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommissionAndFee {
    pub commission: Option<Commission>,
    pub fee: Option<Fees>,
    pub true_commission: Option<Commission>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Commission {
    pub commission_legs: Option<Vec<CommissionLeg>>,
}

impl Commission {
    /// Every value of every leg added up; `None` if the sum overflows (a garbled answer).
    pub fn total(&self) -> Option<Decimal> {
        let legs = self.commission_legs.iter().flatten();
        checked_sum(legs.flat_map(|leg| leg.commission_values.iter().flatten()))
    }
}

/// The amounts added up without `Sum`, whose `+` panics on overflow.
fn checked_sum<'a>(values: impl Iterator<Item = &'a FeeValue>) -> Option<Decimal> {
    values
        .map(FeeValue::amount)
        .try_fold(Decimal::ZERO, |sum, v| sum.checked_add(v))
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommissionLeg {
    pub commission_values: Option<Vec<FeeValue>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Fees {
    pub fee_legs: Option<Vec<FeeLeg>>,
}

impl Fees {
    /// Every value of every leg added up; `None` if the sum overflows (a garbled answer).
    pub fn total(&self) -> Option<Decimal> {
        let legs = self.fee_legs.iter().flatten();
        checked_sum(legs.flat_map(|leg| leg.fee_values.iter().flatten()))
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FeeLeg {
    pub fee_values: Option<Vec<FeeValue>>,
}

/// One charge: an amount and its kind (`COMMISSION`, `SEC_FEE`, `TAF_FEE`, …).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FeeValue {
    pub value: Option<Decimal>,
    #[serde(rename = "type")]
    pub fee_type: Option<String>,
}

impl FeeValue {
    fn amount(&self) -> Decimal {
        self.value.unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// Times and ids

/// Reads a Schwab timestamp: `2025-01-17T17:19:49+0000` (no colon in the offset, which
/// RFC 3339 parsers refuse), with or without fractional seconds, or any RFC 3339 time.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    // `2025-01-17T17:19:49.000Z` is RFC 3339 already; a bare local time without any offset
    // is taken as UTC, which is how Schwab's query parameters are written.
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// A timestamp field that is `None` when missing, null or unreadable.
///
/// An odd timestamp on one order must not blank the whole order list, so a value that is not
/// a readable time string is dropped rather than failing the parse.
fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(parse_time))
}

/// The new order's id from the `Location` header of a place or replace answer.
///
/// The id is the last path segment of `…/accounts/{hash}/orders/{orderId}`. A trailing slash,
/// a query string or a fragment is tolerated; a segment that is not all digits, or does not
/// fit an `i64`, or is 0 gives `None`, and the caller then treats the order as "placed, id
/// unknown" and re-lists orders.
pub fn order_id_from_location(location: &str) -> Option<i64> {
    let path = location.trim();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segment = path.trim_end_matches('/').rsplit('/').next()?;
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse::<i64>().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn times_with_and_without_colon() {
        let a = parse_time("2025-01-17T17:19:49+0000").unwrap();
        let b = parse_time("2025-01-17T17:19:49Z").unwrap();
        let c = parse_time("2025-01-17T12:19:49.000-05:00").unwrap();
        let d = parse_time("2025-01-17T18:19:49.250+0100").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(d.timestamp_millis() - a.timestamp_millis(), 250);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn order_status_open() {
        assert!(OrderStatus::Working.is_open());
        assert!(OrderStatus::PendingActivation.is_open());
        assert!(OrderStatus::Other("BRAND_NEW".into()).is_open());
        assert!(!OrderStatus::Filled.is_open());
        assert!(!OrderStatus::Unknown.is_open());
    }
}
