//! Order ticket: what the user has typed and chosen, and its validation. Pure, no I/O.
//!
//! The ticket keeps the raw text of every number and `None` for every choice not made, so
//! nothing is defaulted behind the user's back; `validate` reports every problem at once.

use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;

use super::parse;
use super::tick;
use crate::broker::model::AccountKey;
use crate::format;
use crate::schwab::orders::{
    self, AssetType, ComplexOrderStrategyType, InstrumentRequest, OrderLegRequest, OrderRequest,
    OrderStrategyType, OrderType, StopPriceLinkBasis, StopPriceLinkType,
};

/// The price a trailing stop follows.
///
/// LAST reads the same for a buy and a sell ("trail the last trade by $X"); Schwab's one
/// sample, a sell, follows BID instead. Either is accepted by the API.
pub const TRAIL_BASIS: StopPriceLinkBasis = StopPriceLinkBasis::Last;

/// Shares per option contract, for estimates. Limitation: adjusted options with other
/// deliverables are estimated as if standard.
const CONTRACT_MULTIPLIER: Decimal = dec!(100);

/// What is being traded: a stock (or ETF) or a single-leg option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssetClass {
    Equity,
    Option,
}

impl AssetClass {
    pub const ALL: [AssetClass; 2] = [AssetClass::Equity, AssetClass::Option];

    /// The word for the ticket's chooser.
    pub fn label(self) -> &'static str {
        match self {
            AssetClass::Equity => "Stock",
            AssetClass::Option => "Option",
        }
    }

    fn wire(self) -> AssetType {
        match self {
            AssetClass::Equity => AssetType::Equity,
            AssetClass::Option => AssetType::Option,
        }
    }
}

/// What the order does. The first four are for stocks, the last four for options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instruction {
    Buy,
    Sell,
    SellShort,
    BuyToCover,
    BuyToOpen,
    SellToOpen,
    BuyToClose,
    SellToClose,
}

impl Instruction {
    pub const ALL: [Instruction; 8] = [
        Instruction::Buy,
        Instruction::Sell,
        Instruction::SellShort,
        Instruction::BuyToCover,
        Instruction::BuyToOpen,
        Instruction::SellToOpen,
        Instruction::BuyToClose,
        Instruction::SellToClose,
    ];

    /// The instructions a ticket for `asset` may choose from.
    pub fn for_asset(asset: AssetClass) -> [Instruction; 4] {
        match asset {
            AssetClass::Equity => [
                Instruction::Buy,
                Instruction::Sell,
                Instruction::SellShort,
                Instruction::BuyToCover,
            ],
            AssetClass::Option => [
                Instruction::BuyToOpen,
                Instruction::SellToOpen,
                Instruction::BuyToClose,
                Instruction::SellToClose,
            ],
        }
    }

    /// The asset class this instruction belongs to.
    pub fn asset(self) -> AssetClass {
        match self {
            Instruction::Buy
            | Instruction::Sell
            | Instruction::SellShort
            | Instruction::BuyToCover => AssetClass::Equity,
            _ => AssetClass::Option,
        }
    }

    /// Whether the order buys (pays cash) rather than sells.
    pub fn is_buy(self) -> bool {
        matches!(
            self,
            Instruction::Buy
                | Instruction::BuyToCover
                | Instruction::BuyToOpen
                | Instruction::BuyToClose
        )
    }

    /// The name Schwab uses, which is also what the ticket shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Instruction::Buy => "BUY",
            Instruction::Sell => "SELL",
            Instruction::SellShort => "SELL_SHORT",
            Instruction::BuyToCover => "BUY_TO_COVER",
            Instruction::BuyToOpen => "BUY_TO_OPEN",
            Instruction::SellToOpen => "SELL_TO_OPEN",
            Instruction::BuyToClose => "BUY_TO_CLOSE",
            Instruction::SellToClose => "SELL_TO_CLOSE",
        }
    }

    fn wire(self) -> orders::Instruction {
        match self {
            Instruction::Buy => orders::Instruction::Buy,
            Instruction::Sell => orders::Instruction::Sell,
            Instruction::SellShort => orders::Instruction::SellShort,
            Instruction::BuyToCover => orders::Instruction::BuyToCover,
            Instruction::BuyToOpen => orders::Instruction::BuyToOpen,
            Instruction::SellToOpen => orders::Instruction::SellToOpen,
            Instruction::BuyToClose => orders::Instruction::BuyToClose,
            Instruction::SellToClose => orders::Instruction::SellToClose,
        }
    }
}

/// The order types the ticket offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderKind {
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
}

impl OrderKind {
    pub const ALL: [OrderKind; 5] = [
        OrderKind::Market,
        OrderKind::Limit,
        OrderKind::Stop,
        OrderKind::StopLimit,
        OrderKind::TrailingStop,
    ];

    /// The name Schwab uses, which is also what the ticket shows.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Market => "MARKET",
            OrderKind::Limit => "LIMIT",
            OrderKind::Stop => "STOP",
            OrderKind::StopLimit => "STOP_LIMIT",
            OrderKind::TrailingStop => "TRAILING_STOP",
        }
    }

    pub fn needs_limit(self) -> bool {
        matches!(self, OrderKind::Limit | OrderKind::StopLimit)
    }

    pub fn needs_stop(self) -> bool {
        matches!(self, OrderKind::Stop | OrderKind::StopLimit)
    }

    pub fn needs_trail(self) -> bool {
        self == OrderKind::TrailingStop
    }

    fn wire(self) -> OrderType {
        match self {
            OrderKind::Market => OrderType::Market,
            OrderKind::Limit => OrderType::Limit,
            OrderKind::Stop => OrderType::Stop,
            OrderKind::StopLimit => OrderType::StopLimit,
            OrderKind::TrailingStop => OrderType::TrailingStop,
        }
    }
}

/// How long the order stays open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Duration {
    Day,
    GoodTillCancel,
    FillOrKill,
    ImmediateOrCancel,
}

impl Duration {
    pub const ALL: [Duration; 4] = [
        Duration::Day,
        Duration::GoodTillCancel,
        Duration::FillOrKill,
        Duration::ImmediateOrCancel,
    ];

    /// The name Schwab uses, which is also what the ticket shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Duration::Day => "DAY",
            Duration::GoodTillCancel => "GOOD_TILL_CANCEL",
            Duration::FillOrKill => "FILL_OR_KILL",
            Duration::ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
        }
    }

    fn wire(self) -> orders::Duration {
        match self {
            Duration::Day => orders::Duration::Day,
            Duration::GoodTillCancel => orders::Duration::GoodTillCancel,
            Duration::FillOrKill => orders::Duration::FillOrKill,
            Duration::ImmediateOrCancel => orders::Duration::ImmediateOrCancel,
        }
    }
}

/// Which session the order may work in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Session {
    Normal,
    Am,
    Pm,
    Seamless,
}

impl Session {
    pub const ALL: [Session; 4] = [Session::Normal, Session::Am, Session::Pm, Session::Seamless];

    /// The name Schwab uses, which is also what the ticket shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Session::Normal => "NORMAL",
            Session::Am => "AM",
            Session::Pm => "PM",
            Session::Seamless => "SEAMLESS",
        }
    }

    fn wire(self) -> orders::Session {
        match self {
            Session::Normal => orders::Session::Normal,
            Session::Am => orders::Session::Am,
            Session::Pm => orders::Session::Pm,
            Session::Seamless => orders::Session::Seamless,
        }
    }
}

/// The order form as the user has filled it in.
///
/// Numbers are the text as typed, so the form can show exactly that text and validation can
/// say exactly what is wrong with it. Every choice starts unmade (`None`); in particular there
/// is no default order type. `Ticket::default()` is the empty form.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Ticket {
    pub account: Option<AccountKey>,
    pub symbol: String,
    pub asset: Option<AssetClass>,
    pub instruction: Option<Instruction>,
    pub quantity: String,
    pub order_kind: Option<OrderKind>,
    pub limit_price: String,
    pub stop_price: String,
    /// A trailing stop's distance from the market in dollars.
    pub trail_offset: String,
    pub duration: Option<Duration>,
    pub session: Option<Session>,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("account", &self.account.as_ref().map(|_| "[redacted]"))
            .field("symbol", &self.symbol)
            .field("asset", &self.asset)
            .field("instruction", &self.instruction)
            .field("quantity", &self.quantity)
            .field("order_kind", &self.order_kind)
            .field("limit_price", &self.limit_price)
            .field("stop_price", &self.stop_price)
            .field("trail_offset", &self.trail_offset)
            .field("duration", &self.duration)
            .field("session", &self.session)
            .finish()
    }
}

/// What the market and the account look like, for tick sizes, warnings and the estimate.
/// Every part may be unknown; an unknown part skips the rules that need it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarketContext {
    pub last: Option<Decimal>,
    pub bid: Option<Decimal>,
    pub ask: Option<Decimal>,
    /// The quote's `isPennyPilot`, for option ticks.
    pub penny_pilot: Option<bool>,
    /// The quantity held in this symbol, signed: a short is negative.
    pub position_quantity: Option<Decimal>,
    pub buying_power: Option<Decimal>,
}

/// The user's configured bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest quantity one order may have; a fat-finger guard.
    pub max_quantity: u64,
    /// A limit price further than this percent from the market draws a warning.
    pub far_from_market_percent: Decimal,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_quantity: 10_000,
            far_from_market_percent: dec!(10),
        }
    }
}

/// A part of the ticket, so a message can be shown beside the field it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Account,
    Symbol,
    Asset,
    Instruction,
    Quantity,
    OrderType,
    LimitPrice,
    StopPrice,
    TrailOffset,
    Duration,
    Session,
}

impl Field {
    /// The field's name on the form.
    pub fn label(self) -> &'static str {
        match self {
            Field::Account => "Account",
            Field::Symbol => "Symbol",
            Field::Asset => "Asset type",
            Field::Instruction => "Instruction",
            Field::Quantity => "Quantity",
            Field::OrderType => "Order type",
            Field::LimitPrice => "Limit price",
            Field::StopPrice => "Stop price",
            Field::TrailOffset => "Trail offset",
            Field::Duration => "Duration",
            Field::Session => "Session",
        }
    }
}

/// One thing to tell the user, tied to the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

/// Whether the estimate is money paid or money received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CashSide {
    Cost,
    Proceeds,
}

/// A rough money figure for the order, before commission and fees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Quantity × price (× 100 for options), the price being the limit, the stop, or for
    /// market and trailing orders the ask (buys) or bid (sells), else the last.
    pub gross: Decimal,
    pub side: CashSide,
    /// Buying power minus the cost, for buys when buying power is known. `None` for sells:
    /// what a sale frees depends on settlement and margin, which are not known here.
    pub buying_power_after: Option<Decimal>,
}

/// The outcome of [`validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// What must change before the order can be previewed, at most one per field.
    pub problems: Vec<Problem>,
    /// What the user should look at but may send anyway.
    pub warnings: Vec<Problem>,
    /// The request to preview and send; `Some` exactly when there are no problems.
    pub order: Option<OrderRequest>,
    pub estimate: Option<Estimate>,
}

impl Validation {
    /// Whether the order may go on to preview.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problem shown beside `field`, if any.
    pub fn problem(&self, field: Field) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
}

/// Collects messages, keeping the first for each field: fixing it may change the rest.
#[derive(Default)]
struct Findings(Vec<Problem>);

impl Findings {
    fn add(&mut self, field: Field, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push(Problem {
                field,
                message: message.into(),
            });
        }
    }

    fn has(&self, field: Field) -> bool {
        self.0.iter().any(|p| p.field == field)
    }
}

/// The numbers of the ticket once read; `None` where missing or wrong.
struct Read {
    symbol: Option<String>,
    quantity: Option<u64>,
    limit: Option<Decimal>,
    stop: Option<Decimal>,
    trail: Option<Decimal>,
}

/// Checks the whole ticket against the rules and, when nothing is wrong, builds the order.
///
/// Every problem is reported at once, in the form's field order, each in words the user can
/// act on. Warnings never block. Never panics, whatever the text fields hold.
pub fn validate(ticket: &Ticket, market: &MarketContext, limits: &Limits) -> Validation {
    let mut problems = Findings::default();
    let read = read_fields(ticket, limits, &mut problems);

    check_price_rules(ticket, &read, market, &mut problems);

    check_choices(ticket, &mut problems);

    let estimate = estimate(ticket, &read, market);
    let warnings = warnings(ticket, &read, market, limits, &problems, estimate.as_ref());

    let mut problems = problems.0;
    problems.sort_by_key(|p| p.field);
    let order = if problems.is_empty() {
        build(ticket, &read)
    } else {
        None
    };
    Validation {
        problems,
        warnings,
        order,
        estimate,
    }
}

/// Reads the account, symbol, quantity and prices, noting what is missing or malformed.
fn read_fields(ticket: &Ticket, limits: &Limits, problems: &mut Findings) -> Read {
    if ticket.account.is_none() {
        problems.add(Field::Account, "Choose an account.");
    }

    let symbol = if ticket.symbol.trim().is_empty() {
        problems.add(Field::Symbol, "Enter a symbol.");
        None
    } else {
        let read = match ticket.asset {
            Some(AssetClass::Equity) => parse::stock_symbol(&ticket.symbol),
            Some(AssetClass::Option) => parse::option_symbol(&ticket.symbol),
            None => Ok(ticket.symbol.trim().to_ascii_uppercase()),
        };
        read.map_err(|m| problems.add(Field::Symbol, m)).ok()
    };

    let quantity = parse::quantity(&ticket.quantity, limits.max_quantity)
        .map_err(|m| problems.add(Field::Quantity, m))
        .ok();

    check_price_presence(ticket, problems);
    let mut price = |text: &str, field: Field| {
        parse::price(text, field.label())
            .map_err(|m| problems.add(field, m))
            .ok()
            .flatten()
    };
    let limit = price(&ticket.limit_price, Field::LimitPrice);
    let stop = price(&ticket.stop_price, Field::StopPrice);
    let trail = price(&ticket.trail_offset, Field::TrailOffset);

    Read {
        symbol,
        quantity,
        limit,
        stop,
        trail,
    }
}

/// Which prices the order type needs and which it forbids. Checked before the prices are
/// read, so a price typed where none belongs is reported as that, whatever its text.
fn check_price_presence(ticket: &Ticket, problems: &mut Findings) {
    let Some(kind) = ticket.order_kind else {
        problems.add(Field::OrderType, "Choose an order type.");
        return;
    };

    let fields = [
        (
            Field::LimitPrice,
            &ticket.limit_price,
            kind.needs_limit(),
            "a limit price",
        ),
        (
            Field::StopPrice,
            &ticket.stop_price,
            kind.needs_stop(),
            "a stop price",
        ),
        (
            Field::TrailOffset,
            &ticket.trail_offset,
            kind.needs_trail(),
            "a trail offset",
        ),
    ];
    for (field, text, needed, what) in fields {
        let given = !text.trim().is_empty();
        if needed && !given {
            problems.add(
                field,
                format!("Enter {what}: a {} order needs one.", kind.as_str()),
            );
        } else if !needed && given {
            problems.add(
                field,
                format!(
                    "A {} order takes no {}; clear it or choose another order type.",
                    kind.as_str(),
                    field.label().to_ascii_lowercase()
                ),
            );
        }
    }
}

/// The steps of the prices that were read, and a stop-limit's limit on the right side.
fn check_price_rules(
    ticket: &Ticket,
    read: &Read,
    market: &MarketContext,
    problems: &mut Findings,
) {
    check_ticks(ticket, read, market, problems);

    if ticket.order_kind == Some(OrderKind::StopLimit)
        && let (Some(limit), Some(stop), Some(instruction)) =
            (read.limit, read.stop, ticket.instruction)
        && !problems.has(Field::LimitPrice)
        && !problems.has(Field::StopPrice)
    {
        let (l, s) = (parse::wire(limit), parse::wire(stop));
        if instruction.is_buy() && limit < stop {
            problems.add(
                Field::LimitPrice,
                format!(
                    "For a buy stop-limit the limit price must be at or above the stop price: \
                     limit {l} is below stop {s}."
                ),
            );
        } else if !instruction.is_buy() && limit > stop {
            problems.add(
                Field::LimitPrice,
                format!(
                    "For a sell stop-limit the limit price must be at or below the stop price: \
                     limit {l} is above stop {s}."
                ),
            );
        }
    }
}

/// The step rules, for the prices that were read; skipped while the asset class is unchosen.
fn check_ticks(ticket: &Ticket, read: &Read, market: &MarketContext, problems: &mut Findings) {
    let Some(asset) = ticket.asset else {
        return;
    };

    let price_rule = |price: Decimal| match asset {
        AssetClass::Equity => tick::stock_rule(price),
        AssetClass::Option => tick::option_rule(price, market.penny_pilot),
    };
    let checks = [
        (Field::LimitPrice, read.limit.map(|v| (v, price_rule(v)))),
        (Field::StopPrice, read.stop.map(|v| (v, price_rule(v)))),
        (
            Field::TrailOffset,
            read.trail.map(|v| (v, tick::trail_rule())),
        ),
    ];
    for (field, checked) in checks {
        if let Some((value, rule)) = checked
            && !tick::on_tick(value, rule.tick)
        {
            problems.add(field, parse::off_tick(field.label(), value, &rule));
        }
    }
}

/// The choices: an instruction that fits the asset class, a duration, a session, and a
/// session that takes the order type.
fn check_choices(ticket: &Ticket, problems: &mut Findings) {
    if ticket.asset.is_none() {
        problems.add(Field::Asset, "Choose stock or option.");
    }
    match (ticket.asset, ticket.instruction) {
        (_, None) => problems.add(Field::Instruction, "Choose an instruction."),
        (Some(asset), Some(instruction)) if instruction.asset() != asset => {
            problems.add(Field::Instruction, wrong_instruction(asset, instruction))
        }
        _ => {}
    }

    if ticket.duration.is_none() {
        problems.add(Field::Duration, "Choose a duration.");
    }

    match (ticket.session, ticket.order_kind) {
        (None, _) => problems.add(Field::Session, "Choose a session."),
        (Some(session), Some(OrderKind::Market)) if session != Session::Normal => problems.add(
            Field::Session,
            format!(
                "MARKET orders are accepted only in the NORMAL session; choose NORMAL, or a \
                 LIMIT order for the {} session.",
                session.as_str()
            ),
        ),
        _ => {}
    }
}

fn wrong_instruction(asset: AssetClass, instruction: Instruction) -> String {
    let [a, b, c, d] = Instruction::for_asset(asset).map(Instruction::as_str);
    let (kind, other) = match asset {
        AssetClass::Equity => ("a stock", "options"),
        AssetClass::Option => ("an option", "stocks"),
    };
    format!(
        "{} is for {other}; for {kind} choose {a}, {b}, {c} or {d}.",
        instruction.as_str()
    )
}

/// The warnings: a limit far from the market, a stop already through it, an order that would
/// turn a position around, a cost above buying power. A field with a problem gets no warning:
/// the problem is what needs fixing, and the value may change.
fn warnings(
    ticket: &Ticket,
    read: &Read,
    market: &MarketContext,
    limits: &Limits,
    problems: &Findings,
    estimate: Option<&Estimate>,
) -> Vec<Problem> {
    let mut warnings = Findings::default();
    let reference = reference_price(market);

    if let (Some(limit), Some((basis, name))) = (read.limit, reference)
        && ticket.order_kind.is_none_or(OrderKind::needs_limit)
        && !problems.has(Field::LimitPrice)
        && let Some(percent) = percent_away(limit, basis)
        && percent > limits.far_from_market_percent
    {
        let percent = percent.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
        warnings.add(
            Field::LimitPrice,
            format!(
                "Limit price {} is {percent:.1}% from {name} {}; check it before you preview.",
                parse::wire(limit),
                parse::wire(basis)
            ),
        );
    }

    if let (Some(stop), Some(last), Some(instruction)) =
        (read.stop, market.last, ticket.instruction)
        && ticket.order_kind.is_none_or(OrderKind::needs_stop)
        && !problems.has(Field::StopPrice)
    {
        let (side, through, relation) = if instruction.is_buy() {
            ("buy", stop <= last, "at or below")
        } else {
            ("sell", stop >= last, "at or above")
        };
        if through {
            warnings.add(
                Field::StopPrice,
                format!(
                    "A {side} stop at {} is {relation} the last price {}, so it would trigger \
                     at once.",
                    parse::wire(stop),
                    parse::wire(last)
                ),
            );
        }
    }

    if let (Some(quantity), Some(held), Some(instruction)) =
        (read.quantity, market.position_quantity, ticket.instruction)
        && let Some(message) = turnaround(instruction, Decimal::from(quantity), held)
    {
        warnings.add(Field::Quantity, message);
    }

    if let Some(Estimate {
        gross,
        side: CashSide::Cost,
        ..
    }) = estimate
        && let Some(power) = market.buying_power
        && *gross > power
    {
        warnings.add(
            Field::Quantity,
            format!(
                "The estimated cost of ${} is above the buying power of ${}.",
                format::money(*gross),
                format::money(power)
            ),
        );
    }
    warnings.0
}

/// The price warnings compare against: the last trade, else the middle of bid and ask.
fn reference_price(market: &MarketContext) -> Option<(Decimal, &'static str)> {
    if let Some(last) = market.last.filter(|p| *p > Decimal::ZERO) {
        return Some((last, "the last price"));
    }
    let (bid, ask) = (market.bid?, market.ask?);
    let mid = bid.checked_add(ask)?.checked_div(dec!(2))?;
    (mid > Decimal::ZERO).then_some((mid, "the bid/ask midpoint"))
}

fn percent_away(price: Decimal, basis: Decimal) -> Option<Decimal> {
    let away = price.checked_sub(basis)?.abs();
    away.checked_mul(dec!(100))?.checked_div(basis)
}

/// The warning for selling more than is held long, or buying back more than is short.
fn turnaround(instruction: Instruction, quantity: Decimal, held: Decimal) -> Option<String> {
    let long = held.max(Decimal::ZERO);
    let short = (-held).max(Decimal::ZERO);
    let (verb, have, holds, suffix, none, opens, instead) = match instruction {
        Instruction::Sell => (
            "Selling",
            long,
            "the position holds",
            "",
            "no shares held",
            "short",
            "SELL_SHORT",
        ),
        Instruction::SellToClose => (
            "Selling to close",
            long,
            "the position holds",
            " long",
            "no contracts held long",
            "short",
            "SELL_TO_OPEN",
        ),
        Instruction::BuyToCover => (
            "Buying to cover",
            short,
            "the position is short",
            "",
            "no short position",
            "long",
            "BUY",
        ),
        Instruction::BuyToClose => (
            "Buying to close",
            short,
            "the position is short",
            "",
            "no contracts held short",
            "long",
            "BUY_TO_OPEN",
        ),
        _ => return None,
    };
    if quantity <= have {
        return None;
    }

    let q = format::quantity(quantity);
    Some(if have.is_zero() {
        format!(
            "{verb} {q} with {none} would open a {opens} position; choose {instead} if that is \
             what you mean."
        )
    } else {
        format!(
            "{verb} {q} but {holds} {}{suffix}; the other {} would open a {opens} position.",
            format::quantity(have),
            format::quantity(quantity - have)
        )
    })
}

/// The money the order would move, when quantity, side, asset and a price are all known.
fn estimate(ticket: &Ticket, read: &Read, market: &MarketContext) -> Option<Estimate> {
    let (instruction, asset, kind) = (ticket.instruction?, ticket.asset?, ticket.order_kind?);
    let quantity = Decimal::from(read.quantity?);
    let market_side = if instruction.is_buy() {
        market.ask
    } else {
        market.bid
    };
    let price = match kind {
        OrderKind::Limit | OrderKind::StopLimit => read.limit?,
        OrderKind::Stop => read.stop?,
        OrderKind::Market | OrderKind::TrailingStop => market_side.or(market.last)?,
    };
    let multiplier = match asset {
        AssetClass::Equity => Decimal::ONE,
        AssetClass::Option => CONTRACT_MULTIPLIER,
    };

    let gross = quantity.checked_mul(price)?.checked_mul(multiplier)?;
    let (side, buying_power_after) = if instruction.is_buy() {
        let after = market.buying_power.and_then(|bp| bp.checked_sub(gross));
        (CashSide::Cost, after)
    } else {
        (CashSide::Proceeds, None)
    };
    Some(Estimate {
        gross,
        side,
        buying_power_after,
    })
}

/// The request for a ticket that has passed every check; `None` if any part is missing.
fn build(ticket: &Ticket, read: &Read) -> Option<OrderRequest> {
    let (asset, instruction, kind) = (ticket.asset?, ticket.instruction?, ticket.order_kind?);
    let (duration, session) = (ticket.duration?, ticket.session?);
    let leg = OrderLegRequest {
        instruction: instruction.wire(),
        quantity: read.quantity?,
        instrument: InstrumentRequest {
            symbol: read.symbol.clone()?,
            asset_type: asset.wire(),
        },
    };

    let price = if kind.needs_limit() {
        Some(parse::wire(read.limit?))
    } else {
        None
    };
    let stop_price = if kind.needs_stop() {
        Some(parse::wire(read.stop?))
    } else {
        None
    };
    let offset = if kind.needs_trail() {
        Some(parse::wire(read.trail?))
    } else {
        None
    };
    // Schwab's single-option samples say NONE; its plain stock samples leave it out.
    let complex = match asset {
        AssetClass::Equity => None,
        AssetClass::Option => Some(ComplexOrderStrategyType::None),
    };

    Some(OrderRequest {
        session: session.wire(),
        duration: duration.wire(),
        order_type: kind.wire(),
        complex_order_strategy_type: complex,
        price,
        stop_price,
        stop_price_link_basis: offset.map(|_| TRAIL_BASIS),
        stop_price_link_type: offset.map(|_| StopPriceLinkType::Value),
        stop_price_offset: offset,
        order_strategy_type: OrderStrategyType::Single,
        order_leg_collection: vec![leg],
        child_order_strategies: Vec::new(),
    })
}
