//! The market rules an order is checked against before Schwab takes it, and what it costs.
//!
//! Preview reports each broken rule as a reject (or a warning) in `orderValidationResult`;
//! placing or replacing an order that breaks one is answered 400 with the same texts. The
//! wording copies the one recorded reject ("Your limit price is significantly away from the
//! current market price. Please adjust your order."); the other texts are ours in its style.
//!
//! Simplifications, on purpose: buying power is the account's available funds with stock
//! bought at 50 % margin in a margin account (options and cash accounts pay in full), short
//! stock needs its full value of buying power, a naked short option 20 % of the underlying,
//! and a net credit spread none; open orders reserve what they would need.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::accounts::{AccountType, DemoAccount};
use super::market::Market;
use super::orders::{Asset, Instruction, Leg, OrderBook, OrderSpec, OrderType, TimeInForce};
use super::quotes::mid;

/// The band around the mark outside which a limit is "significantly away" from the market.
const EQUITY_BAND: Decimal = dec!(0.10);
const OPTION_BAND: Decimal = dec!(0.50);
/// Commission per option contract; stock and ETF trades are free online.
pub(crate) const OPTION_COMMISSION: Decimal = dec!(0.65);
/// SEC Section 31 fee on sale proceeds ($27.80 per million).
const SEC_RATE: Decimal = dec!(0.0000278);
/// FINRA trading activity fee on sales: per share (capped) and per contract.
const TAF_PER_SHARE: Decimal = dec!(0.000166);
const TAF_SHARE_CAP: Decimal = dec!(8.30);
const TAF_PER_CONTRACT: Decimal = dec!(0.00279);
/// Options regulatory fee per contract, bought or sold.
const ORF_PER_CONTRACT: Decimal = dec!(0.02295);

/// What the rules found: rejects block the order, warnings do not.
#[derive(Debug, Default, Clone)]
pub(crate) struct Findings {
    pub rejects: Vec<String>,
    pub warns: Vec<String>,
}

/// A leg's market: bid, ask, last and mark.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Quote {
    pub bid: Decimal,
    pub ask: Decimal,
    pub last: Decimal,
    pub mark: Decimal,
}

pub(crate) fn quote(market: &Market, symbol: &str) -> Quote {
    market
        .lookup(symbol)
        .map(|i| Quote {
            bid: i.tape.bid,
            ask: i.tape.ask,
            last: i.tape.last,
            mark: mid(i.tape.bid, i.tape.ask),
        })
        .unwrap_or_default()
}

/// Commission and fees of one leg at a price.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Charges {
    pub commission: Decimal,
    pub sec: Decimal,
    pub taf: Decimal,
    pub orf: Decimal,
}

impl Charges {
    pub(crate) fn fees(&self) -> Decimal {
        self.sec + self.taf + self.orf
    }

    pub(crate) fn total(&self) -> Decimal {
        self.commission + self.fees()
    }
}

/// Rounds a fee up to the cent, as brokers charge them.
fn cents_up(amount: Decimal) -> Decimal {
    (amount * dec!(100)).ceil() / dec!(100)
}

/// What one leg of `quantity` at `price` is charged.
pub(crate) fn charges(leg: &Leg, price: Decimal) -> Charges {
    let q = leg.quantity;
    let sell = !leg.instruction.is_buy();
    let proceeds = q * price * leg.asset.multiplier();
    let mut c = Charges::default();
    if sell {
        c.sec = cents_up(proceeds * SEC_RATE);
    }
    match leg.asset {
        Asset::Equity => {
            if sell {
                c.taf = cents_up(q * TAF_PER_SHARE).min(TAF_SHARE_CAP);
            }
        }
        Asset::Option => {
            c.commission = q * OPTION_COMMISSION;
            c.orf = cents_up(q * ORF_PER_CONTRACT);
            if sell {
                c.taf = cents_up(q * TAF_PER_CONTRACT);
            }
        }
    }
    c
}

/// The price each leg is expected to trade at, for costs and the preview.
pub(crate) fn leg_prices(spec: &OrderSpec, market: &Market) -> Vec<Decimal> {
    let single = spec.legs.len() == 1;
    spec.legs
        .iter()
        .map(|leg| {
            let q = quote(market, &leg.symbol);
            let buy = leg.instruction.is_buy();
            let at_market = if buy { q.ask } else { q.bid };
            if !single {
                return at_market;
            }
            match spec.order_type {
                OrderType::Limit | OrderType::StopLimit => spec.price.unwrap_or(at_market),
                OrderType::Stop => spec.stop_price.unwrap_or(at_market),
                OrderType::TrailingStop => {
                    let offset = spec
                        .trail
                        .map(|t| {
                            if t.percent {
                                at_market * t.offset / dec!(100)
                            } else {
                                t.offset
                            }
                        })
                        .unwrap_or_default();
                    if buy {
                        at_market + offset
                    } else {
                        (at_market - offset).max(Decimal::ZERO)
                    }
                }
                _ => at_market,
            }
        })
        .collect()
}

/// The order's value: what its legs trade for (a spread's net price times 100 per unit).
pub(crate) fn order_value(spec: &OrderSpec, market: &Market) -> Decimal {
    if spec.legs.len() > 1
        && let Some(price) = spec.price
    {
        return price * spec.quantity * dec!(100);
    }
    spec.legs
        .iter()
        .zip(leg_prices(spec, market))
        .map(|(leg, p)| leg.quantity * p * leg.asset.multiplier())
        .sum()
}

/// Commission and fees of every leg.
pub(crate) fn order_charges(spec: &OrderSpec, market: &Market) -> Vec<Charges> {
    spec.legs
        .iter()
        .zip(leg_prices(spec, market))
        .map(|(leg, p)| charges(leg, p))
        .collect()
}

/// The available funds an order ties up while it is open.
pub(crate) fn funds_needed(spec: &OrderSpec, kind: AccountType, market: &Market) -> Decimal {
    let stock_factor = match kind {
        AccountType::Margin => dec!(0.5),
        AccountType::Cash => Decimal::ONE,
    };
    let charges: Decimal = order_charges(spec, market).iter().map(Charges::total).sum();
    if spec.legs.len() > 1 {
        let debit = match spec.order_type {
            OrderType::NetDebit => spec.price.unwrap_or_default() * spec.quantity * dec!(100),
            OrderType::Market => {
                let prices = leg_prices(spec, market);
                let net: Decimal = spec
                    .legs
                    .iter()
                    .zip(prices)
                    .map(|(l, p)| {
                        let v = l.quantity * p * l.asset.multiplier();
                        if l.instruction.is_buy() { v } else { -v }
                    })
                    .sum();
                net.max(Decimal::ZERO)
            }
            _ => Decimal::ZERO,
        };
        return debit + charges;
    }
    let mut need = charges;
    for (leg, price) in spec.legs.iter().zip(leg_prices(spec, market)) {
        let value = leg.quantity * price * leg.asset.multiplier();
        need += match (leg.instruction, leg.asset) {
            (Instruction::Buy, _) | (Instruction::BuyToOpen, _) => match leg.asset {
                Asset::Equity => value * stock_factor,
                Asset::Option => value,
            },
            (Instruction::SellShort, _) => value * stock_factor,
            (Instruction::SellToOpen, _) => {
                let under = underlying_last(market, &leg.symbol);
                under * dec!(0.20) * dec!(100) * leg.quantity
            }
            _ => Decimal::ZERO,
        };
    }
    need
}

fn underlying_last(market: &Market, symbol: &str) -> Decimal {
    market
        .lookup(symbol)
        .and_then(|i| i.option.as_ref())
        .and_then(|o| market.instruments.get(o.underlying_index))
        .map(|u| u.tape.last)
        .unwrap_or_default()
}

fn money(d: Decimal) -> String {
    format!("${:.2}", d.round_dp(2))
}

/// A price's decimals beyond what its instrument trades in, if any: whole cents from $1.00,
/// hundredths of a cent below; options in their penny-program ticks.
fn tick_problem(asset: Asset, price: Decimal, what: &str) -> Option<String> {
    let p = price.normalize();
    match asset {
        Asset::Equity => {
            let max = if p >= Decimal::ONE { 2 } else { 4 };
            (p.scale() > max).then(|| {
                format!(
                    "Your {what} price of ${p} is not in a valid increment: prices of $1.00 \
                     and above trade in whole cents, prices below $1.00 in $0.0001 steps. \
                     Please adjust your order."
                )
            })
        }
        Asset::Option => {
            let tick = if p < dec!(3) { dec!(0.01) } else { dec!(0.05) };
            let off = p.checked_rem(tick).is_none_or(|r| !r.is_zero());
            off.then(|| {
                format!(
                    "Your {what} price of ${p} is not a valid increment for this option: it \
                     trades in $0.01 steps below $3.00 and $0.05 steps from $3.00. Please \
                     adjust your order."
                )
            })
        }
    }
}

/// Checks an order for `acct` at `now`. `replacing` names the order a replacement would
/// cancel, whose reservations and pending quantities then do not count.
pub(crate) fn check(
    spec: &OrderSpec,
    acct: &DemoAccount,
    market: &Market,
    book: &OrderBook,
    now: DateTime<Utc>,
    replacing: Option<i64>,
) -> Findings {
    let mut f = Findings::default();
    let single = spec.legs.len() == 1;
    prices(spec, market, single, &mut f);
    if spec.order_type == OrderType::Market {
        if spec.session != super::orders::OrderSession::Normal {
            f.rejects.push(
                "Market orders are accepted for the regular session only. Please adjust your \
                 order."
                    .into(),
            );
        }
        if spec.duration == TimeInForce::GoodTillCancel {
            f.rejects
                .push("Market orders must be DAY orders. Please adjust your order.".into());
        }
    }
    let others: Vec<&super::orders::Order> = book
        .orders
        .iter()
        .filter(|o| o.account_hash == acct.hash && o.status.is_open())
        .filter(|o| Some(o.id) != replacing)
        .collect();
    for leg in &spec.legs {
        let pending: Decimal = others
            .iter()
            .flat_map(|o| o.spec.legs.iter())
            .filter(|l| {
                l.symbol == leg.symbol
                    && !l.instruction.opens()
                    && l.instruction.short_side() == leg.instruction.short_side()
            })
            .map(|l| l.quantity)
            .sum();
        if let Some(problem) = position_problem(acct, leg, pending) {
            f.rejects.push(problem);
        }
    }
    let reserved = reserved(acct, market, book, replacing);
    let need = funds_needed(spec, acct.kind, market);
    let available = (acct.available_funds(market) - reserved).max(Decimal::ZERO);
    if need > available {
        f.rejects.push(format!(
            "You do not have enough buying power for this order: it needs {} of available \
             funds and {} is available. Please adjust your order.",
            money(need),
            money(available)
        ));
    }
    let session = market.session(now);
    if !spec.session.trades_in(session) {
        f.warns.push(format!(
            "The {} session is closed; the order will be held until it opens.",
            spec.session.as_str()
        ));
    }
    f
}

/// What the account's other open orders tie up (the one being replaced excluded).
pub(crate) fn reserved(
    acct: &DemoAccount,
    market: &Market,
    book: &OrderBook,
    replacing: Option<i64>,
) -> Decimal {
    book.orders
        .iter()
        .filter(|o| o.account_hash == acct.hash && o.status.is_open())
        .filter(|o| Some(o.id) != replacing)
        .map(|o| funds_needed(&o.spec, acct.kind, market))
        .sum()
}

fn prices(spec: &OrderSpec, market: &Market, single: bool, f: &mut Findings) {
    let Some(first) = spec.legs.first() else {
        return;
    };
    if !single {
        if let Some(p) = spec.price
            && p.normalize().scale() > 2
        {
            f.rejects.push(format!(
                "Your net price of ${} is not in a valid increment: spreads trade in whole \
                 cents. Please adjust your order.",
                p.normalize()
            ));
        }
        return;
    }
    let what = if spec.order_type == OrderType::StopLimit {
        "limit"
    } else {
        "order"
    };
    if let Some(p) = spec.price
        && let Some(problem) = tick_problem(first.asset, p, what)
    {
        f.rejects.push(problem);
    }
    if let Some(p) = spec.stop_price
        && let Some(problem) = tick_problem(first.asset, p, "stop")
    {
        f.rejects.push(problem);
    }
    let q = quote(market, &first.symbol);
    if spec.order_type == OrderType::Limit
        && let Some(p) = spec.price
        && q.mark > Decimal::ZERO
    {
        let band = match first.asset {
            Asset::Equity => EQUITY_BAND,
            Asset::Option => OPTION_BAND,
        };
        let away = ((p - q.mark).abs() / q.mark) > band;
        let option_floor = first.asset == Asset::Option && (p - q.mark).abs() <= dec!(0.25);
        if away && !option_floor {
            f.rejects.push(
                "Your limit price is significantly away from the current market price. \
                 Please adjust your order."
                    .into(),
            );
        }
    }
    if let Some(stop) = spec.stop_price {
        let buy = first.instruction.is_buy();
        if buy && stop <= q.last {
            f.rejects.push(format!(
                "Your stop price of ${} must be above the current market price of ${} for a \
                 buy stop order. Please adjust your order.",
                stop.normalize(),
                q.last.normalize()
            ));
        }
        if !buy && stop >= q.last {
            f.rejects.push(format!(
                "Your stop price of ${} must be below the current market price of ${} for a \
                 sell stop order. Please adjust your order.",
                stop.normalize(),
                q.last.normalize()
            ));
        }
    }
}

/// Why a leg cannot trade against the account's holdings (with `pending` of the same
/// position already promised to other open orders), if it cannot.
pub(crate) fn position_problem(acct: &DemoAccount, leg: &Leg, pending: Decimal) -> Option<String> {
    let held = acct.holding(&leg.symbol);
    let long = held.map(|h| h.long).unwrap_or_default();
    let short = held.map(|h| h.short).unwrap_or_default();
    let unit = match leg.asset {
        Asset::Equity => "shares",
        Asset::Option => "contracts",
    };
    let q = leg.quantity;
    let sym = &leg.symbol;
    match leg.instruction {
        Instruction::Sell | Instruction::SellToClose => {
            let free = (long - pending).max(Decimal::ZERO);
            (q > free).then(|| {
                format!(
                    "You are attempting to sell {q} {unit} of {sym}, but only {free} are \
                     available to sell in this account. Please adjust your order."
                )
            })
        }
        Instruction::BuyToCover | Instruction::BuyToClose => {
            let free = (short - pending).max(Decimal::ZERO);
            (q > free).then(|| {
                format!(
                    "You are attempting to cover {q} {unit} of {sym}, but this account is \
                     short only {free}. Please adjust your order."
                )
            })
        }
        Instruction::SellShort if acct.kind == AccountType::Cash => {
            Some("Short selling is not allowed in a cash account. Please adjust your order.".into())
        }
        Instruction::SellToOpen if acct.kind == AccountType::Cash => Some(
            "Uncovered option writing is not allowed in a cash account. Please adjust your \
             order."
                .into(),
        ),
        Instruction::SellShort | Instruction::SellToOpen if long > Decimal::ZERO => Some(format!(
            "This account holds {long} {unit} of {sym} long; sell them before selling \
                 short. Please adjust your order."
        )),
        Instruction::Buy | Instruction::BuyToOpen if short > Decimal::ZERO => Some(format!(
            "This account is short {short} {unit} of {sym}; use {} to close it. Please \
             adjust your order.",
            match leg.asset {
                Asset::Equity => "BUY_TO_COVER",
                Asset::Option => "BUY_TO_CLOSE",
            }
        )),
        _ => None,
    }
}
