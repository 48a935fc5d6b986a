//! The simulator's orders: what a validated order request says, the stored orders with their
//! status and activity, and the book that keeps them per account.
//!
//! Parsing follows Schwab's `OrderRequest`: prices may be strings or numbers, output-only
//! fields are ignored, and a malformed order (unknown symbol, an asset type other than EQUITY
//! or OPTION, an instruction of the wrong asset type, a LIMIT without a price,
//! `requestedDestination` present…) is a [`Malformed`], which the handlers answer with 400.
//! Market rules (ticks, price bands, holdings, buying power) live in `order_rules`.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Map, Value};

use super::accounts::DemoAccount;
use super::faults::FaultScope;
use super::hours::{self, Session};
use super::market::{Kind, Market};

/// A switch for the next accepted orders (placed or replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFault {
    /// Store the order, then reset the connection instead of answering 201.
    AcceptThenDrop,
    /// Answer 201, but keep the order out of every GET until this much sim time has passed.
    DelayAppearance(Duration),
}

/// An order request the simulator cannot even consider: answered 400 with these texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub Vec<String>);

impl Malformed {
    fn one(text: impl Into<String>) -> Self {
        Self(vec![text.into()])
    }
}

/// Leg instructions; EQUITY takes the first four, OPTION the `*_TO_*` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instruction {
    Buy,
    Sell,
    BuyToCover,
    SellShort,
    BuyToOpen,
    BuyToClose,
    SellToOpen,
    SellToClose,
}

impl Instruction {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "BUY" => Self::Buy,
            "SELL" => Self::Sell,
            "BUY_TO_COVER" => Self::BuyToCover,
            "SELL_SHORT" => Self::SellShort,
            "BUY_TO_OPEN" => Self::BuyToOpen,
            "BUY_TO_CLOSE" => Self::BuyToClose,
            "SELL_TO_OPEN" => Self::SellToOpen,
            "SELL_TO_CLOSE" => Self::SellToClose,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "BUY",
            Self::Sell => "SELL",
            Self::BuyToCover => "BUY_TO_COVER",
            Self::SellShort => "SELL_SHORT",
            Self::BuyToOpen => "BUY_TO_OPEN",
            Self::BuyToClose => "BUY_TO_CLOSE",
            Self::SellToOpen => "SELL_TO_OPEN",
            Self::SellToClose => "SELL_TO_CLOSE",
        }
    }

    pub(crate) fn is_buy(self) -> bool {
        matches!(
            self,
            Self::Buy | Self::BuyToCover | Self::BuyToOpen | Self::BuyToClose
        )
    }

    /// Whether the leg opens (or adds to) a position rather than closing one.
    pub(crate) fn opens(self) -> bool {
        matches!(
            self,
            Self::Buy | Self::SellShort | Self::BuyToOpen | Self::SellToOpen
        )
    }

    /// Whether the leg works on the short side of a position.
    pub(crate) fn short_side(self) -> bool {
        matches!(
            self,
            Self::SellShort | Self::BuyToCover | Self::SellToOpen | Self::BuyToClose
        )
    }

    fn for_options(self) -> bool {
        matches!(
            self,
            Self::BuyToOpen | Self::BuyToClose | Self::SellToOpen | Self::SellToClose
        )
    }

    pub(crate) fn position_effect(self) -> &'static str {
        if self.opens() { "OPENING" } else { "CLOSING" }
    }
}

/// The two asset types Schwab takes orders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asset {
    Equity,
    Option,
}

impl Asset {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Equity => "EQUITY",
            Self::Option => "OPTION",
        }
    }

    /// Shares or contracts to dollars: 1 for stock, 100 for an option.
    pub(crate) fn multiplier(self) -> Decimal {
        match self {
            Self::Equity => Decimal::ONE,
            Self::Option => dec!(100),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderType {
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
    NetDebit,
    NetCredit,
    NetZero,
}

impl OrderType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Market => "MARKET",
            Self::Limit => "LIMIT",
            Self::Stop => "STOP",
            Self::StopLimit => "STOP_LIMIT",
            Self::TrailingStop => "TRAILING_STOP",
            Self::NetDebit => "NET_DEBIT",
            Self::NetCredit => "NET_CREDIT",
            Self::NetZero => "NET_ZERO",
        }
    }

    /// Orders that wait for a stop condition before they work.
    pub(crate) fn has_stop(self) -> bool {
        matches!(self, Self::Stop | Self::StopLimit | Self::TrailingStop)
    }

    fn needs_price(self) -> bool {
        matches!(
            self,
            Self::Limit | Self::StopLimit | Self::NetDebit | Self::NetCredit
        )
    }
}

/// The session an order may trade in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderSession {
    Normal,
    Am,
    Pm,
    Seamless,
}

impl OrderSession {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Am => "AM",
            Self::Pm => "PM",
            Self::Seamless => "SEAMLESS",
        }
    }

    /// Whether the order may trade during a market session: NORMAL in the regular session,
    /// AM before it, PM after it, SEAMLESS in all three.
    pub(crate) fn trades_in(self, session: Session) -> bool {
        matches!(
            (self, session),
            (Self::Normal, Session::Regular)
                | (Self::Am, Session::Pre)
                | (Self::Pm, Session::Post)
                | (
                    Self::Seamless,
                    Session::Pre | Session::Regular | Session::Post
                )
        )
    }
}

/// Time in force. END_OF_WEEK and the month-end durations are refused as unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeInForce {
    Day,
    GoodTillCancel,
    FillOrKill,
    ImmediateOrCancel,
}

impl TimeInForce {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Day => "DAY",
            Self::GoodTillCancel => "GOOD_TILL_CANCEL",
            Self::FillOrKill => "FILL_OR_KILL",
            Self::ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
        }
    }
}

/// The price a trailing stop follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkBasis {
    Last,
    Bid,
    Ask,
    Mark,
}

impl LinkBasis {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Last => "LAST",
            Self::Bid => "BID",
            Self::Ask => "ASK",
            Self::Mark => "MARK",
        }
    }
}

/// A trailing stop's offset from the best price seen since it was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Trail {
    pub basis: LinkBasis,
    /// `stopPriceLinkType` PERCENT: the offset is a percentage, otherwise dollars.
    pub percent: bool,
    pub offset: Decimal,
}

/// One leg of a validated order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leg {
    pub leg_id: u32,
    pub instruction: Instruction,
    pub asset: Asset,
    pub symbol: String,
    pub quantity: Decimal,
}

/// A validated order request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderSpec {
    pub session: OrderSession,
    pub duration: TimeInForce,
    pub order_type: OrderType,
    pub complex: String,
    pub price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub trail: Option<Trail>,
    pub legs: Vec<Leg>,
    /// The order's quantity: the first leg's (spreads are quoted per unit of the first leg).
    pub quantity: Decimal,
}

/// Order statuses the simulator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Entered outside the order's session; works once the session opens.
    PendingActivation,
    Working,
    AwaitingStopCondition,
    Filled,
    Canceled,
    Replaced,
    Expired,
    Rejected,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::PendingActivation => "PENDING_ACTIVATION",
            Self::Working => "WORKING",
            Self::AwaitingStopCondition => "AWAITING_STOP_CONDITION",
            Self::Filled => "FILLED",
            Self::Canceled => "CANCELED",
            Self::Replaced => "REPLACED",
            Self::Expired => "EXPIRED",
            Self::Rejected => "REJECTED",
        }
    }

    pub(crate) fn is_open(self) -> bool {
        matches!(
            self,
            Self::PendingActivation | Self::Working | Self::AwaitingStopCondition
        )
    }
}

/// Every status the spec's `status` query parameter accepts.
pub(crate) const STATUS_NAMES: &[&str] = &[
    "AWAITING_PARENT_ORDER",
    "AWAITING_CONDITION",
    "AWAITING_STOP_CONDITION",
    "AWAITING_MANUAL_REVIEW",
    "ACCEPTED",
    "AWAITING_UR_OUT",
    "PENDING_ACTIVATION",
    "QUEUED",
    "WORKING",
    "REJECTED",
    "PENDING_CANCEL",
    "CANCELED",
    "PENDING_REPLACE",
    "REPLACED",
    "FILLED",
    "EXPIRED",
    "NEW",
    "AWAITING_RELEASE_TIME",
    "PENDING_ACKNOWLEDGEMENT",
    "PENDING_RECALL",
    "UNKNOWN",
];

/// One execution leg of an activity.
#[derive(Debug, Clone)]
pub(crate) struct ExecLeg {
    pub leg_id: u32,
    pub quantity: Decimal,
    pub price: Decimal,
    pub time: DateTime<Utc>,
    pub instrument_id: i64,
}

/// An entry of `orderActivityCollection`: a fill, or the cancel record Schwab writes as an
/// EXECUTION with `executionType: CANCELED` (as in the recorded canceled order).
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub id: i64,
    pub canceled: bool,
    pub quantity: Decimal,
    pub remaining: Decimal,
    pub legs: Vec<ExecLeg>,
}

/// A stored order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: i64,
    pub account_hash: String,
    pub account_number: u64,
    pub spec: OrderSpec,
    pub status: Status,
    pub status_description: Option<String>,
    pub entered: DateTime<Utc>,
    pub closed: Option<DateTime<Utc>>,
    /// GETs show the order only from this sim time on (the delayed-appearance switch).
    pub visible_at: DateTime<Utc>,
    /// DAY orders expire at their session's close, GTC ones at `cancelTime`.
    pub expires_at: Option<DateTime<Utc>>,
    /// The `cancelTime` a GTC order shows.
    pub cancel_time: Option<DateTime<Utc>>,
    pub destination: &'static str,
    pub filled_quantity: Decimal,
    pub activities: Vec<Activity>,
    pub replaced_by: Option<i64>,
    /// Whether matching has looked at the order in its session: the first look fills a
    /// marketable order at the quote, later looks fill a resting limit at its limit.
    pub seen: bool,
    /// A stop order whose stop condition has been met.
    pub triggered: bool,
    /// A trailing stop's best basis price so far, and the stop it implies.
    pub trail_extreme: Option<Decimal>,
    pub trail_stop: Option<Decimal>,
}

impl Order {
    pub(crate) fn cancelable(&self) -> bool {
        self.status.is_open()
    }

    pub(crate) fn remaining(&self) -> Decimal {
        if self.status.is_open() {
            self.spec.quantity - self.filled_quantity
        } else {
            Decimal::ZERO
        }
    }

    /// Closes the order with `status` at `at`.
    pub(crate) fn close(&mut self, status: Status, at: DateTime<Utc>) {
        self.status = status;
        self.closed = Some(at);
    }
}

/// Every order of every account, and the order switches.
#[derive(Debug)]
pub(crate) struct OrderBook {
    pub orders: Vec<Order>,
    next_id: i64,
    next_activity: i64,
    switches: Vec<(OrderFault, FaultScope)>,
}

impl OrderBook {
    /// An empty book whose ids start from the sim's start time.
    ///
    /// Order ids are 13-digit int64s like Schwab's; deriving the first from the start time
    /// keeps two demo runs from handing out the same ids to a client that remembers them.
    pub(crate) fn new(start: DateTime<Utc>) -> Self {
        let spread = start.timestamp().rem_euclid(900_000);
        Self {
            orders: Vec::new(),
            next_id: 1_000_000_000_000 + spread * 1_000_000 + 1,
            next_activity: 90_000_000_000 + spread * 10_000 + 1,
            switches: Vec::new(),
        }
    }

    /// Stores an accepted order and returns its id and the order switches that applied to it.
    pub(crate) fn accept(
        &mut self,
        acct: &DemoAccount,
        spec: OrderSpec,
        now: DateTime<Utc>,
        hours: hours::SessionHours,
    ) -> (i64, Vec<OrderFault>) {
        let id = self.new_id();
        let switches = self.take_switches();
        let delay = switches
            .iter()
            .find_map(|s| match s {
                OrderFault::DelayAppearance(d) => TimeDelta::from_std(*d).ok(),
                OrderFault::AcceptThenDrop => None,
            })
            .unwrap_or_default();
        let (expires_at, cancel_time) = match spec.duration {
            TimeInForce::Day => match hours {
                // A market that never closes ends a day order a day after it was entered.
                hours::SessionHours::AroundTheClock => (Some(now + TimeDelta::days(1)), None),
                hours::SessionHours::Exchange => (Some(day_expiry(spec.session, now)), None),
            },
            TimeInForce::GoodTillCancel => (Some(now + GTC_LIFETIME), Some(now + GTC_LIFETIME)),
            TimeInForce::FillOrKill | TimeInForce::ImmediateOrCancel => (None, None),
        };
        let status = if spec.session.trades_in(hours::session_for(hours, now)) {
            if spec.order_type.has_stop() {
                Status::AwaitingStopCondition
            } else {
                Status::Working
            }
        } else {
            Status::PendingActivation
        };
        let destination = if spec.legs.iter().any(|l| l.asset == Asset::Option) {
            "CDRG"
        } else {
            "SOHO"
        };
        self.orders.push(Order {
            id,
            account_hash: acct.hash.clone(),
            account_number: acct.number_int(),
            spec,
            status,
            status_description: None,
            entered: now,
            closed: None,
            visible_at: now + delay,
            expires_at,
            cancel_time,
            destination,
            filled_quantity: Default::default(),
            activities: Vec::new(),
            replaced_by: None,
            seen: false,
            triggered: false,
            trail_extreme: None,
            trail_stop: None,
        });
        (id, switches)
    }

    pub(crate) fn new_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn new_activity_id(&mut self) -> i64 {
        let id = self.next_activity;
        self.next_activity += 1;
        id
    }

    pub(crate) fn get(&self, id: i64) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: i64) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }

    pub(crate) fn set_switch(&mut self, fault: OrderFault, scope: FaultScope) {
        self.switches.push((fault, scope));
    }

    pub(crate) fn clear_switches(&mut self) {
        self.switches.clear();
    }

    /// The switches that apply to the order being accepted now, using up their scopes.
    pub(crate) fn take_switches(&mut self) -> Vec<OrderFault> {
        let mut out = Vec::new();
        self.switches.retain_mut(|(fault, scope)| {
            out.push(*fault);
            match scope {
                FaultScope::Always => true,
                FaultScope::Once | FaultScope::Times(0 | 1) => false,
                FaultScope::Times(n) => {
                    *n -= 1;
                    true
                }
            }
        });
        out
    }
}

/// When a DAY order in `session` entered at `entered` expires: the end of the first such
/// session that closes after it (16:00 New York for NORMAL, 09:30 for AM, 20:00 for PM and
/// SEAMLESS) on a trading day.
pub(crate) fn day_expiry(session: OrderSession, entered: DateTime<Utc>) -> DateTime<Utc> {
    let (hour, minute) = match session {
        OrderSession::Normal => (16, 0),
        OrderSession::Am => (9, 30),
        OrderSession::Pm | OrderSession::Seamless => (20, 0),
    };
    let mut date = hours::eastern_date(entered);
    for _ in 0..15 {
        if hours::is_trading_day(date) {
            let close = hours::eastern(date, hour, minute).with_timezone(&Utc);
            if close > entered {
                return close;
            }
        }
        date = date.succ_opt().unwrap_or(date);
    }
    entered + TimeDelta::days(1)
}

/// How long a GTC order lives before Schwab cancels it.
pub(crate) const GTC_LIFETIME: TimeDelta = TimeDelta::days(180);

/// A JSON price or quantity, sent as a string or a number.
pub(crate) fn decimal(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Decimal::from_str_exact(&text)
        .or_else(|_| Decimal::from_str(&text))
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// Reads and checks an order request body against the market.
pub(crate) fn parse(body: &[u8], market: &Market) -> Result<OrderSpec, Malformed> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Malformed::one(format!("The request body is not valid JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(Malformed::one("The order must be a JSON object"));
    };
    let mut problems = Vec::new();
    if obj.contains_key("requestedDestination") {
        problems.push("requestedDestination is not accepted in an order request".to_owned());
    }
    let session = match text(&obj, "session") {
        Some("NORMAL") => Some(OrderSession::Normal),
        Some("AM") => Some(OrderSession::Am),
        Some("PM") => Some(OrderSession::Pm),
        Some("SEAMLESS") => Some(OrderSession::Seamless),
        Some(other) => {
            problems.push(format!(
                "session {other} is not one of NORMAL, AM, PM, SEAMLESS"
            ));
            None
        }
        None => {
            problems.push("session is required".to_owned());
            None
        }
    };
    let duration = match text(&obj, "duration") {
        Some("DAY") => Some(TimeInForce::Day),
        Some("GOOD_TILL_CANCEL") => Some(TimeInForce::GoodTillCancel),
        Some("FILL_OR_KILL") => Some(TimeInForce::FillOrKill),
        Some("IMMEDIATE_OR_CANCEL") => Some(TimeInForce::ImmediateOrCancel),
        Some(d @ ("END_OF_WEEK" | "END_OF_MONTH" | "NEXT_END_OF_MONTH")) => {
            problems.push(format!("duration {d} is not supported by the simulator"));
            None
        }
        Some(other) => {
            problems.push(format!("duration {other} is not a valid duration"));
            None
        }
        None => {
            problems.push("duration is required".to_owned());
            None
        }
    };
    let order_type = match text(&obj, "orderType") {
        Some("MARKET") => Some(OrderType::Market),
        Some("LIMIT") => Some(OrderType::Limit),
        Some("STOP") => Some(OrderType::Stop),
        Some("STOP_LIMIT") => Some(OrderType::StopLimit),
        Some("TRAILING_STOP") => Some(OrderType::TrailingStop),
        Some("NET_DEBIT") => Some(OrderType::NetDebit),
        Some("NET_CREDIT") => Some(OrderType::NetCredit),
        Some("NET_ZERO") => Some(OrderType::NetZero),
        Some(
            t @ ("CABINET"
            | "NON_MARKETABLE"
            | "MARKET_ON_CLOSE"
            | "EXERCISE"
            | "TRAILING_STOP_LIMIT"
            | "LIMIT_ON_CLOSE"),
        ) => {
            problems.push(format!("orderType {t} is not supported by the simulator"));
            None
        }
        Some(other) => {
            problems.push(format!("orderType {other} is not a valid order type"));
            None
        }
        None => {
            problems.push("orderType is required".to_owned());
            None
        }
    };
    match text(&obj, "orderStrategyType") {
        Some("SINGLE") => {}
        Some(
            s @ ("OCO" | "TRIGGER" | "CANCEL" | "RECALL" | "PAIR" | "FLATTEN" | "TWO_DAY_SWAP"
            | "BLAST_ALL"),
        ) => {
            problems.push(format!(
                "orderStrategyType {s} is not supported by the simulator"
            ));
        }
        Some(other) => problems.push(format!("orderStrategyType {other} is not valid")),
        None => problems.push("orderStrategyType is required".to_owned()),
    }
    if obj
        .get("childOrderStrategies")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty())
    {
        problems.push("childOrderStrategies are not supported by the simulator".to_owned());
    }
    let complex = text(&obj, "complexOrderStrategyType")
        .unwrap_or("NONE")
        .to_owned();
    let legs = parse_legs(&obj, market, &mut problems);
    let price = price_field(&obj, "price", &mut problems);
    let stop_price = price_field(&obj, "stopPrice", &mut problems);
    let trail = parse_trail(&obj, order_type, &mut problems);

    if let Some(t) = order_type {
        let multi = legs.len() > 1;
        let net = matches!(
            t,
            OrderType::NetDebit | OrderType::NetCredit | OrderType::NetZero
        );
        if multi && !(net || t == OrderType::Market) {
            problems.push(format!(
                "orderType {} cannot be used with several legs; use NET_DEBIT, NET_CREDIT, \
                 NET_ZERO or MARKET",
                t.as_str()
            ));
        }
        if !multi && net && !legs.is_empty() {
            problems.push(format!("orderType {} needs more than one leg", t.as_str()));
        }
        if t.needs_price() && price.is_none() {
            problems.push(format!("price is required for a {} order", t.as_str()));
        }
        if !t.needs_price() && t != OrderType::NetZero && price.is_some() {
            problems.push(format!("price is not allowed for a {} order", t.as_str()));
        }
        let wants_stop = matches!(t, OrderType::Stop | OrderType::StopLimit);
        if wants_stop && stop_price.is_none() {
            problems.push(format!("stopPrice is required for a {} order", t.as_str()));
        }
        if !wants_stop && stop_price.is_some() {
            problems.push(format!(
                "stopPrice is not allowed for a {} order",
                t.as_str()
            ));
        }
    }
    let quantity = legs.first().map(|l| l.quantity).unwrap_or_default();
    match (session, duration, order_type) {
        (Some(session), Some(duration), Some(order_type)) if problems.is_empty() => Ok(OrderSpec {
            session,
            duration,
            order_type,
            complex,
            price,
            stop_price,
            trail,
            legs,
            quantity,
        }),
        _ => Err(Malformed(problems)),
    }
}

fn price_field(obj: &Map<String, Value>, key: &str, problems: &mut Vec<String>) -> Option<Decimal> {
    let value = obj.get(key).filter(|v| !v.is_null())?;
    match decimal(value) {
        Some(p) if p > Decimal::ZERO => Some(p),
        Some(_) => {
            problems.push(format!("{key} must be greater than zero"));
            None
        }
        None => {
            problems.push(format!("{key} must be a number or a decimal string"));
            None
        }
    }
}

fn parse_trail(
    obj: &Map<String, Value>,
    order_type: Option<OrderType>,
    problems: &mut Vec<String>,
) -> Option<Trail> {
    if order_type != Some(OrderType::TrailingStop) {
        return None;
    }
    let basis = match text(obj, "stopPriceLinkBasis") {
        None | Some("LAST" | "MANUAL" | "BASE" | "TRIGGER") => LinkBasis::Last,
        Some("BID") => LinkBasis::Bid,
        Some("ASK") => LinkBasis::Ask,
        Some("MARK" | "ASK_BID" | "AVERAGE") => LinkBasis::Mark,
        Some(other) => {
            problems.push(format!("stopPriceLinkBasis {other} is not valid"));
            LinkBasis::Last
        }
    };
    let percent = match text(obj, "stopPriceLinkType") {
        None | Some("VALUE") => false,
        Some("PERCENT") => true,
        Some(other) => {
            problems.push(format!(
                "stopPriceLinkType {other} is not supported by the simulator; use VALUE or \
                 PERCENT"
            ));
            false
        }
    };
    match obj.get("stopPriceOffset").and_then(decimal) {
        Some(offset) if offset > Decimal::ZERO => Some(Trail {
            basis,
            percent,
            offset,
        }),
        _ => {
            problems.push(
                "stopPriceOffset greater than zero is required for a TRAILING_STOP order".into(),
            );
            None
        }
    }
}

fn parse_legs(obj: &Map<String, Value>, market: &Market, problems: &mut Vec<String>) -> Vec<Leg> {
    let Some(list) = obj.get("orderLegCollection").and_then(Value::as_array) else {
        problems.push("orderLegCollection is required".to_owned());
        return Vec::new();
    };
    if list.is_empty() {
        problems.push("orderLegCollection must have at least one leg".to_owned());
    }
    if list.len() > 4 {
        problems.push("an order has at most 4 legs".to_owned());
    }
    let mut legs = Vec::new();
    for (n, raw) in list.iter().enumerate() {
        let leg_id = u32::try_from(n + 1).unwrap_or(u32::MAX);
        match parse_leg(raw, leg_id, market) {
            Ok(leg) => {
                if legs.iter().any(|l: &Leg| l.symbol == leg.symbol) {
                    problems.push(format!("{} appears in more than one leg", leg.symbol));
                }
                legs.push(leg);
            }
            Err(problem) => problems.push(format!("leg {leg_id}: {problem}")),
        }
    }
    legs
}

fn parse_leg(raw: &Value, leg_id: u32, market: &Market) -> Result<Leg, String> {
    let obj = raw.as_object().ok_or("a leg must be an object")?;
    let instrument = obj
        .get("instrument")
        .and_then(Value::as_object)
        .ok_or("instrument is required")?;
    let symbol = text(instrument, "symbol")
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .ok_or("instrument.symbol is required")?;
    let asset = match text(instrument, "assetType") {
        Some("EQUITY") => Asset::Equity,
        Some("OPTION") => Asset::Option,
        Some(other) => {
            return Err(format!(
                "assetType {other} is not accepted: only EQUITY and OPTION orders are"
            ));
        }
        None => return Err("instrument.assetType is required".into()),
    };
    let instruction = text(obj, "instruction").ok_or("instruction is required")?;
    let instruction = Instruction::parse(instruction)
        .ok_or_else(|| format!("instruction {instruction} is not valid"))?;
    if instruction.for_options() != (asset == Asset::Option) {
        return Err(format!(
            "instruction {} is not valid for {}; {}",
            instruction.as_str(),
            asset.as_str(),
            match asset {
                Asset::Equity => "use BUY, SELL, SELL_SHORT or BUY_TO_COVER",
                Asset::Option => "use BUY_TO_OPEN, BUY_TO_CLOSE, SELL_TO_OPEN or SELL_TO_CLOSE",
            }
        ));
    }
    let Some(inst) = market.lookup(&symbol) else {
        return Err(format!("{symbol} is not a valid symbol"));
    };
    let fits = match asset {
        Asset::Equity => matches!(inst.kind, Kind::Equity | Kind::Etf),
        Asset::Option => inst.kind == Kind::Option,
    };
    if !fits {
        return Err(format!("{symbol} cannot be traded as {}", asset.as_str()));
    }
    let quantity = obj
        .get("quantity")
        .and_then(decimal)
        .ok_or("quantity is required")?;
    if quantity <= Decimal::ZERO || !quantity.fract().is_zero() {
        return Err(format!(
            "quantity {quantity} must be a whole number greater than zero"
        ));
    }
    Ok(Leg {
        leg_id,
        instruction,
        asset,
        symbol,
        quantity: quantity.normalize(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn market() -> Market {
        Market::new(42, Duration::from_secs(1), Utc::now())
    }

    fn limit(price: Value) -> Value {
        json!({
            "session": "NORMAL", "duration": "DAY", "orderType": "LIMIT", "price": price,
            "orderStrategyType": "SINGLE",
            "orderLegCollection": [{
                "instruction": "BUY", "quantity": 10,
                "instrument": { "symbol": "AAPL", "assetType": "EQUITY" }
            }]
        })
    }

    #[test]
    fn prices_arrive_as_strings_or_numbers() {
        let m = market();
        let a = parse(limit(json!("187.25")).to_string().as_bytes(), &m).unwrap();
        let b = parse(limit(json!(187.25)).to_string().as_bytes(), &m).unwrap();
        assert_eq!(a.price, Some(dec!(187.25)));
        assert_eq!(a, b);
        let c = parse(limit(json!(1.005)).to_string().as_bytes(), &m).unwrap();
        assert_eq!(c.price, Some(dec!(1.005)));
    }

    #[test]
    fn malformed_orders_say_why() {
        let m = market();
        let mut order = limit(json!("10"));
        order["orderLegCollection"][0]["instrument"]["assetType"] = json!("FUTURE");
        order["requestedDestination"] = json!("AUTO");
        let err = parse(order.to_string().as_bytes(), &m).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err:?}");
        let mut order = limit(json!("10"));
        order.as_object_mut().unwrap().remove("price");
        let err = parse(order.to_string().as_bytes(), &m).unwrap_err();
        assert!(err.0[0].contains("price is required"), "{err:?}");
    }

    #[test]
    fn day_orders_expire_at_the_next_close() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let thursday_noon = at("2026-12-03T17:00:00Z");
        assert_eq!(
            day_expiry(OrderSession::Normal, thursday_noon),
            at("2026-12-03T21:00:00Z")
        );
        let friday_evening = at("2026-12-04T23:00:00Z");
        assert_eq!(
            day_expiry(OrderSession::Normal, friday_evening),
            at("2026-12-07T21:00:00Z")
        );
    }
}
