//! The order ticket's rules: a table of worked cases with the exact messages a user sees, the
//! exact JSON a valid ticket becomes, and properties that hold for any input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use palmtree::broker::model::AccountKey;
use palmtree::trading::{
    AssetClass, CashSide, Duration, Field, Instruction, Limits, MarketContext, OrderKind, Session,
    Ticket, Validation, describe, validate,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A complete, valid ticket: BUY 10 AAPL LIMIT 187.25 DAY NORMAL.
fn stock() -> Ticket {
    Ticket {
        account: Some(AccountKey::new("HASH")),
        symbol: "AAPL".into(),
        asset: Some(AssetClass::Equity),
        instruction: Some(Instruction::Buy),
        quantity: "10".into(),
        order_kind: Some(OrderKind::Limit),
        limit_price: "187.25".into(),
        duration: Some(Duration::Day),
        session: Some(Session::Normal),
        ..Ticket::default()
    }
}

/// A complete, valid option ticket: BUY_TO_OPEN 2 AAPL  270115C00200000 LIMIT 2.35 DAY.
fn option() -> Ticket {
    Ticket {
        symbol: "AAPL  270115C00200000".into(),
        asset: Some(AssetClass::Option),
        instruction: Some(Instruction::BuyToOpen),
        quantity: "2".into(),
        limit_price: "2.35".into(),
        ..stock()
    }
}

/// A quiet market close to the ticket's price, a long position of 100, ample buying power.
fn market() -> MarketContext {
    MarketContext {
        last: Some(dec("187.20")),
        bid: Some(dec("187.15")),
        ask: Some(dec("187.25")),
        penny_pilot: Some(true),
        position_quantity: Some(dec("100")),
        buying_power: Some(dec("100000")),
    }
}

/// An option quote near the ticket's price, in the penny program, with no position held.
fn option_market() -> MarketContext {
    MarketContext {
        last: Some(dec("2.30")),
        bid: Some(dec("2.30")),
        ask: Some(dec("2.40")),
        penny_pilot: Some(true),
        position_quantity: None,
        buying_power: Some(dec("100000")),
    }
}

/// Nothing known about the market or the account.
fn unknown() -> MarketContext {
    MarketContext::default()
}

struct Case {
    name: &'static str,
    ticket: Ticket,
    market: MarketContext,
    problems: Vec<(Field, &'static str)>,
    warnings: Vec<(Field, &'static str)>,
}

fn case(name: &'static str, ticket: Ticket, market: MarketContext) -> Case {
    Case {
        name,
        ticket,
        market,
        problems: Vec::new(),
        warnings: Vec::new(),
    }
}

impl Case {
    fn problem(mut self, field: Field, message: &'static str) -> Self {
        self.problems.push((field, message));
        self
    }

    fn warning(mut self, field: Field, message: &'static str) -> Self {
        self.warnings.push((field, message));
        self
    }
}

fn with(base: Ticket, change: impl FnOnce(&mut Ticket)) -> Ticket {
    let mut ticket = base;
    change(&mut ticket);
    ticket
}

fn quantity(text: &str) -> Ticket {
    with(stock(), |t| t.quantity = text.into())
}

fn limit(base: Ticket, text: &str) -> Ticket {
    with(base, |t| t.limit_price = text.into())
}

fn penny(penny_pilot: Option<bool>) -> MarketContext {
    MarketContext {
        penny_pilot,
        ..unknown()
    }
}

fn stop_limit(instruction: Instruction, stop: &str, limit: &str) -> Ticket {
    with(stock(), |t| {
        t.instruction = Some(instruction);
        t.order_kind = Some(OrderKind::StopLimit);
        t.stop_price = stop.into();
        t.limit_price = limit.into();
    })
}

fn kind(order_kind: Option<OrderKind>, change: impl FnOnce(&mut Ticket)) -> Ticket {
    with(stock(), |t| {
        t.order_kind = order_kind;
        t.limit_price.clear();
        change(t);
    })
}

fn cases() -> Vec<Case> {
    vec![
        case("a complete limit buy", stock(), market()),
        case("a complete option buy", option(), option_market()),
        // Stock ticks.
        case(
            "four decimals below $1",
            limit(stock(), "0.9950"),
            unknown(),
        ),
        case(
            "four decimals just below $1",
            limit(stock(), "0.9999"),
            unknown(),
        ),
        case(
            "five decimals below $1",
            limit(stock(), "0.99995"),
            unknown(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 0.99995 has more decimals than allowed: stocks trade in $0.0001 steps \
             below $1. Use 0.9999 or 1.00.",
        ),
        case("a sub-penny at $1.00", limit(stock(), "1.005"), unknown()).problem(
            Field::LimitPrice,
            "Limit price 1.005 has more decimals than allowed: stocks trade in $0.01 steps at $1 \
             and above. Use 1.00 or 1.01.",
        ),
        case(
            "trailing zeros do not hide a sub-penny",
            limit(stock(), "1.0050"),
            unknown(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 1.005 has more decimals than allowed: stocks trade in $0.01 steps \
                 at $1 and above. Use 1.00 or 1.01.",
        ),
        case(
            "trailing zeros are fine",
            limit(stock(), "187.2500"),
            market(),
        ),
        case(
            "a sub-penny price with no step below it",
            limit(stock(), "0.00005"),
            unknown(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 0.00005 has more decimals than allowed: stocks trade in $0.0001 \
                 steps below $1. Use 0.0001.",
        ),
        // Price text.
        case(
            "a dollar sign and spaces",
            limit(stock(), "  $187.25 "),
            market(),
        ),
        case(
            "thousands separators",
            limit(stock(), "1,187.25"),
            unknown(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price must be written without commas, like 1234.50.",
        ),
        case("an exponent", limit(stock(), "1e2"), unknown()).problem(
            Field::LimitPrice,
            "Limit price must be a number, like 187.25.",
        ),
        case("a negative price", limit(stock(), "-5"), unknown())
            .problem(Field::LimitPrice, "Limit price must be above zero."),
        case("a zero price", limit(stock(), "0.00"), unknown())
            .problem(Field::LimitPrice, "Limit price must be above zero."),
        case("a price too large", limit(stock(), "1000000000"), unknown())
            .problem(Field::LimitPrice, "Limit price is too large for a price."),
        case(
            "a price with nine decimals",
            limit(stock(), "1.000000001"),
            unknown(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price has more decimals than any price step allows.",
        ),
        // Quantities.
        case("quantity 0", quantity("0"), market())
            .problem(Field::Quantity, "Quantity must be at least 1."),
        case("quantity -5", quantity("-5"), market()).problem(
            Field::Quantity,
            "Quantity must be a positive number; to sell, choose a sell instruction.",
        ),
        case("quantity 1.5", quantity("1.5"), market()).problem(
            Field::Quantity,
            "Quantity must be a whole number: the API trades no fractions of a share or \
             contract.",
        ),
        case("quantity 10^12", quantity("1000000000000"), market()).problem(
            Field::Quantity,
            "Quantity 1000000000000 is above the per-order limit of 10000; split the order or \
             raise the limit in the config.",
        ),
        case("quantity typed as 10^12", quantity("10^12"), market()).problem(
            Field::Quantity,
            "Quantity must be digits only, like 100 (no commas, spaces, signs or exponents).",
        ),
        case("quantity 1e3", quantity("1e3"), market()).problem(
            Field::Quantity,
            "Quantity must be digits only, like 100 (no commas, spaces, signs or exponents).",
        ),
        case("quantity 1,000", quantity("1,000"), market()).problem(
            Field::Quantity,
            "Quantity must be digits only, like 100 (no commas, spaces, signs or exponents).",
        ),
        case("quantity 10.0", quantity("10.0"), market())
            .problem(Field::Quantity, "Quantity must be digits only, like 10."),
        case("quantity +5", quantity("+5"), market())
            .problem(Field::Quantity, "Quantity must be digits only, like 5."),
        case(
            "quantity with spaces around it",
            quantity("  12 "),
            market(),
        ),
        case("quantity with leading zeros", quantity("007"), market()),
        case("quantity at the limit", quantity("10000"), unknown()),
        case("quantity over the limit", quantity("10001"), unknown()).problem(
            Field::Quantity,
            "Quantity 10001 is above the per-order limit of 10000; split the order or raise the \
             limit in the config.",
        ),
        case("no quantity", quantity(" "), market()).problem(Field::Quantity, "Enter a quantity."),
        // Order types and their prices.
        case("no order type", kind(None, |_| {}), market())
            .problem(Field::OrderType, "Choose an order type."),
        case(
            "a price given for MARKET",
            kind(Some(OrderKind::Market), |t| {
                t.limit_price = "187.25".into();
            }),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "A MARKET order takes no limit price; clear it or choose another order type.",
        ),
        case(
            "a plain market order",
            kind(Some(OrderKind::Market), |_| {}),
            market(),
        ),
        case(
            "a LIMIT with no price",
            kind(Some(OrderKind::Limit), |_| {}),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "Enter a limit price: a LIMIT order needs one.",
        ),
        case(
            "a STOP with a limit",
            kind(Some(OrderKind::Stop), |t| {
                t.stop_price = "190.00".into();
                t.limit_price = "191".into();
            }),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "A STOP order takes no limit price; clear it or choose another order type.",
        ),
        case(
            "a STOP_LIMIT with no stop",
            kind(Some(OrderKind::StopLimit), |t| {
                t.limit_price = "191".into();
            }),
            market(),
        )
        .problem(
            Field::StopPrice,
            "Enter a stop price: a STOP_LIMIT order needs one.",
        ),
        case(
            "a TRAILING_STOP with a stop and no offset",
            kind(Some(OrderKind::TrailingStop), |t| {
                t.stop_price = "180".into()
            }),
            market(),
        )
        .problem(
            Field::StopPrice,
            "A TRAILING_STOP order takes no stop price; clear it or choose another order type.",
        )
        .problem(
            Field::TrailOffset,
            "Enter a trail offset: a TRAILING_STOP order needs one.",
        ),
        case(
            "a trail offset of a tenth of a cent",
            kind(Some(OrderKind::TrailingStop), |t| {
                t.trail_offset = "1.005".into();
            }),
            market(),
        )
        .problem(
            Field::TrailOffset,
            "Trail offset 1.005 has more decimals than allowed: trail offsets are set in $0.01 \
             steps. Use 1.00 or 1.01.",
        ),
        case(
            "a trail offset for a LIMIT",
            with(stock(), |t| t.trail_offset = "1".into()),
            market(),
        )
        .problem(
            Field::TrailOffset,
            "A LIMIT order takes no trail offset; clear it or choose another order type.",
        ),
        // Stop-limit sides.
        case(
            "a buy stop-limit with the limit below the stop",
            stop_limit(Instruction::Buy, "190", "189.5"),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "For a buy stop-limit the limit price must be at or above the stop price: limit \
             189.50 is below stop 190.00.",
        ),
        case(
            "a sell stop-limit with the limit above the stop",
            stop_limit(Instruction::Sell, "180", "181"),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "For a sell stop-limit the limit price must be at or below the stop price: limit \
             181.00 is above stop 180.00.",
        ),
        case(
            "a buy stop-limit with limit equal to stop",
            stop_limit(Instruction::Buy, "190", "190.00"),
            market(),
        ),
        case(
            "a sell stop-limit with the limit below the stop",
            stop_limit(Instruction::Sell, "180", "179.50"),
            market(),
        ),
        // Sessions.
        case(
            "a market order in the AM session",
            kind(Some(OrderKind::Market), |t| {
                t.session = Some(Session::Am);
            }),
            market(),
        )
        .problem(
            Field::Session,
            "MARKET orders are accepted only in the NORMAL session; choose NORMAL, or a LIMIT \
             order for the AM session.",
        ),
        case(
            "a limit order in the PM session",
            with(stock(), |t| t.session = Some(Session::Pm)),
            market(),
        ),
        // Option ticks.
        case(
            "a penny option below $3",
            limit(option(), "2.37"),
            penny(Some(true)),
        ),
        case(
            "a penny option at $3 in cents",
            limit(option(), "3.02"),
            penny(Some(true)),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 3.02 is not a valid option price: this option trades in $0.05 steps at \
             $3 and above (penny program). Use 3.00 or 3.05.",
        ),
        case(
            "a penny option at $3 in nickels",
            limit(option(), "3.05"),
            penny(Some(true)),
        ),
        case(
            "a penny option just below $3",
            limit(option(), "2.99"),
            penny(Some(true)),
        ),
        case(
            "a non-penny option in cents",
            limit(option(), "1.03"),
            penny(Some(false)),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 1.03 is not a valid option price: this option trades in $0.05 steps \
             below $3 (not in the penny program). Use 1.00 or 1.05.",
        ),
        case(
            "a non-penny option at $3 in nickels",
            limit(option(), "3.05"),
            penny(Some(false)),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 3.05 is not a valid option price: this option trades in $0.10 \
                 steps at $3 and above (not in the penny program). Use 3.00 or 3.10.",
        ),
        case(
            "a non-penny option in dimes",
            limit(option(), "3.10"),
            penny(Some(false)),
        ),
        case(
            "a non-penny option under a nickel",
            limit(option(), "0.03"),
            penny(Some(false)),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 0.03 is not a valid option price: this option trades in $0.05 \
                 steps below $3 (not in the penny program). Use 0.05.",
        ),
        case(
            "an option in cents with no quote",
            limit(option(), "1.23"),
            penny(None),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 1.23 may not be a valid option price: with no quote it is unknown \
             whether this option is in the penny program, so only $0.05 steps below $3 and \
             $0.10 steps at $3 and above are accepted. Use 1.20 or 1.25, or wait for the quote.",
        ),
        case(
            "an option in nickels with no quote",
            limit(option(), "1.25"),
            penny(None),
        ),
        case(
            "an option's stop price off its step",
            with(option(), |t| {
                t.instruction = Some(Instruction::SellToClose);
                t.order_kind = Some(OrderKind::Stop);
                t.limit_price.clear();
                t.stop_price = "3.52".into();
            }),
            penny(Some(true)),
        )
        .problem(
            Field::StopPrice,
            "Stop price 3.52 is not a valid option price: this option trades in $0.05 steps at \
             $3 and above (penny program). Use 3.50 or 3.55.",
        ),
        // Instructions and symbols.
        case(
            "an option instruction for a stock",
            with(stock(), |t| {
                t.instruction = Some(Instruction::BuyToOpen);
            }),
            market(),
        )
        .problem(
            Field::Instruction,
            "BUY_TO_OPEN is for options; for a stock choose BUY, SELL, SELL_SHORT or \
             BUY_TO_COVER.",
        ),
        case(
            "a stock instruction for an option",
            with(option(), |t| {
                t.instruction = Some(Instruction::Sell);
            }),
            penny(Some(true)),
        )
        .problem(
            Field::Instruction,
            "SELL is for stocks; for an option choose BUY_TO_OPEN, SELL_TO_OPEN, BUY_TO_CLOSE \
             or SELL_TO_CLOSE.",
        ),
        case(
            "an index is not a stock",
            with(stock(), |t| t.symbol = "$SPX".into()),
            market(),
        )
        .problem(
            Field::Symbol,
            "\"$SPX\" is not a stock symbol: use letters, digits, '.', '/' or '-', starting \
                 with a letter, like AAPL or BRK/B.",
        ),
        case(
            "an option symbol with a bad date",
            with(option(), |t| {
                t.symbol = "AAPL  271315C00200000".into();
            }),
            penny(Some(true)),
        )
        .problem(
            Field::Symbol,
            "\"AAPL  271315C00200000\" is not an option symbol: use the root, the expiry as \
             YYMMDD, C or P, and the strike times 1000 in 8 digits, like AAPL  270115C00200000.",
        ),
        case(
            "a lower-case share class",
            with(stock(), |t| t.symbol = " brk/b ".into()),
            unknown(),
        ),
        // Nothing chosen.
        case("the empty ticket", Ticket::default(), market())
            .problem(Field::Account, "Choose an account.")
            .problem(Field::Symbol, "Enter a symbol.")
            .problem(Field::Asset, "Choose stock or option.")
            .problem(Field::Instruction, "Choose an instruction.")
            .problem(Field::Quantity, "Enter a quantity.")
            .problem(Field::OrderType, "Choose an order type.")
            .problem(Field::Duration, "Choose a duration.")
            .problem(Field::Session, "Choose a session."),
        case(
            "every problem at once",
            Ticket {
                account: None,
                symbol: "AAPL".into(),
                asset: Some(AssetClass::Equity),
                instruction: Some(Instruction::SellToClose),
                quantity: "1.5".into(),
                order_kind: Some(OrderKind::Market),
                limit_price: "1.005".into(),
                stop_price: String::new(),
                trail_offset: String::new(),
                duration: None,
                session: Some(Session::Seamless),
            },
            market(),
        )
        .problem(Field::Account, "Choose an account.")
        .problem(
            Field::Instruction,
            "SELL_TO_CLOSE is for options; for a stock choose BUY, SELL, SELL_SHORT or \
             BUY_TO_COVER.",
        )
        .problem(
            Field::Quantity,
            "Quantity must be a whole number: the API trades no fractions of a share or \
             contract.",
        )
        .problem(
            Field::LimitPrice,
            "A MARKET order takes no limit price; clear it or choose another order type.",
        )
        .problem(Field::Duration, "Choose a duration.")
        .problem(
            Field::Session,
            "MARKET orders are accepted only in the NORMAL session; choose NORMAL, or a LIMIT \
             order for the SEAMLESS session.",
        ),
        // Warnings.
        case(
            "a limit far above the market",
            limit(stock(), "250"),
            market(),
        )
        .warning(
            Field::LimitPrice,
            "Limit price 250.00 is 33.5% from the last price 187.20; check it before you \
             preview.",
        ),
        case(
            "a limit just inside the band",
            limit(stock(), "205.90"),
            market(),
        ),
        case(
            "a limit far from the midpoint",
            limit(stock(), "150"),
            MarketContext {
                last: None,
                bid: Some(dec("199.90")),
                ask: Some(dec("200.10")),
                ..unknown()
            },
        )
        .warning(
            Field::LimitPrice,
            "Limit price 150.00 is 25.0% from the bid/ask midpoint 200.00; check it before you \
             preview.",
        ),
        case(
            "selling more than is held",
            with(stock(), |t| {
                t.instruction = Some(Instruction::Sell);
                t.quantity = "150".into();
            }),
            market(),
        )
        .warning(
            Field::Quantity,
            "Selling 150 but the position holds 100; the other 50 would open a short position.",
        ),
        case(
            "selling with nothing held",
            with(stock(), |t| {
                t.instruction = Some(Instruction::Sell);
            }),
            MarketContext {
                position_quantity: Some(Decimal::ZERO),
                ..market()
            },
        )
        .warning(
            Field::Quantity,
            "Selling 10 with no shares held would open a short position; choose SELL_SHORT if \
             that is what you mean.",
        ),
        case(
            "selling what is held",
            with(stock(), |t| {
                t.instruction = Some(Instruction::Sell);
                t.quantity = "100".into();
            }),
            market(),
        ),
        case(
            "covering more than is short",
            with(stock(), |t| {
                t.instruction = Some(Instruction::BuyToCover);
                t.quantity = "30".into();
            }),
            MarketContext {
                position_quantity: Some(dec("-20")),
                ..market()
            },
        )
        .warning(
            Field::Quantity,
            "Buying to cover 30 but the position is short 20; the other 10 would open a long \
             position.",
        ),
        case(
            "closing more contracts than are held",
            with(option(), |t| {
                t.instruction = Some(Instruction::SellToClose);
                t.quantity = "3".into();
            }),
            MarketContext {
                position_quantity: Some(dec("2")),
                ..penny(Some(true))
            },
        )
        .warning(
            Field::Quantity,
            "Selling to close 3 but the position holds 2 long; the other 1 would open a short \
             position.",
        ),
        case(
            "covering with no short position",
            with(stock(), |t| t.instruction = Some(Instruction::BuyToCover)),
            market(),
        )
        .warning(
            Field::Quantity,
            "Buying to cover 10 with no short position would open a long position; choose BUY \
             if that is what you mean.",
        ),
        case(
            "buying to close more contracts than are short",
            with(option(), |t| {
                t.instruction = Some(Instruction::BuyToClose);
                t.quantity = "5".into();
            }),
            MarketContext {
                position_quantity: Some(dec("-4")),
                ..option_market()
            },
        )
        .warning(
            Field::Quantity,
            "Buying to close 5 but the position is short 4; the other 1 would open a long \
             position.",
        ),
        case(
            "a buy stop below the market",
            kind(Some(OrderKind::Stop), |t| t.stop_price = "180".into()),
            market(),
        )
        .warning(
            Field::StopPrice,
            "A buy stop at 180.00 is at or below the last price 187.20, so it would trigger at \
             once.",
        ),
        case(
            "junk typed as a MARKET order's limit",
            kind(Some(OrderKind::Market), |t| t.limit_price = "abc".into()),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "A MARKET order takes no limit price; clear it or choose another order type.",
        ),
        case(
            "junk typed as a LIMIT order's limit",
            limit(stock(), "12.3.4"),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price must be a number, like 187.25.",
        ),
        case(
            "a cost above buying power",
            quantity("1000"),
            MarketContext {
                buying_power: Some(dec("10000")),
                ..market()
            },
        )
        .warning(
            Field::Quantity,
            "The estimated cost of $187,250.00 is above the buying power of $10,000.00.",
        ),
        case(
            "an option cost above buying power",
            with(option(), |t| {
                t.quantity = "50".into();
            }),
            MarketContext {
                buying_power: Some(dec("5000")),
                ..penny(Some(true))
            },
        )
        .warning(
            Field::Quantity,
            "The estimated cost of $11,750.00 is above the buying power of $5,000.00.",
        ),
        case(
            "a sell stop above the market",
            with(stock(), |t| {
                t.instruction = Some(Instruction::Sell);
                t.order_kind = Some(OrderKind::Stop);
                t.limit_price.clear();
                t.stop_price = "190".into();
            }),
            market(),
        )
        .warning(
            Field::StopPrice,
            "A sell stop at 190.00 is at or above the last price 187.20, so it would trigger at \
             once.",
        ),
        case(
            "warnings and problems together",
            with(stock(), |t| {
                t.instruction = Some(Instruction::Sell);
                t.quantity = "500".into();
                t.limit_price = "100.005".into();
                t.duration = None;
            }),
            market(),
        )
        .problem(
            Field::LimitPrice,
            "Limit price 100.005 has more decimals than allowed: stocks trade in $0.01 steps at \
             $1 and above. Use 100.00 or 100.01.",
        )
        .problem(Field::Duration, "Choose a duration.")
        .warning(
            Field::Quantity,
            "Selling 500 but the position holds 100; the other 400 would open a short position.",
        ),
    ]
}

fn messages(list: &[palmtree::trading::Problem]) -> Vec<(Field, String)> {
    list.iter().map(|p| (p.field, p.message.clone())).collect()
}

#[test]
fn worked_cases() {
    let mut failures = Vec::new();
    for case in cases() {
        let validation = validate(&case.ticket, &case.market, &Limits::default());
        let want = |list: &[(Field, &str)]| -> Vec<(Field, String)> {
            list.iter().map(|(f, m)| (*f, m.to_string())).collect()
        };
        let (problems, warnings) = (
            messages(&validation.problems),
            messages(&validation.warnings),
        );
        if problems != want(&case.problems) || warnings != want(&case.warnings) {
            failures.push(format!(
                "{}:\n  problems {problems:#?}\n  warnings {warnings:#?}",
                case.name
            ));
        }
        assert_eq!(
            validation.order.is_some(),
            case.problems.is_empty(),
            "{}",
            case.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn json(validation: &Validation) -> String {
    serde_json::to_string(validation.order.as_ref().expect("an order")).unwrap()
}

#[test]
fn a_valid_limit_buy_is_schwabs_json() {
    let validation = validate(&limit(stock(), " $187.250"), &market(), &Limits::default());
    assert_eq!(
        json(&validation),
        r#"{"session":"NORMAL","duration":"DAY","orderType":"LIMIT","price":"187.25","#.to_owned()
            + r#""orderStrategyType":"SINGLE","orderLegCollection":[{"instruction":"BUY","#
            + r#""quantity":10,"instrument":{"symbol":"AAPL","assetType":"EQUITY"}}]}"#
    );
    let estimate = validation.estimate.unwrap();
    assert_eq!(estimate.gross, dec("1872.50"));
    assert_eq!(estimate.side, CashSide::Cost);
    assert_eq!(estimate.buying_power_after, Some(dec("98127.50")));
}

#[test]
fn a_sub_dollar_price_keeps_its_four_decimals() {
    let validation = validate(&limit(stock(), "0.9950"), &unknown(), &Limits::default());
    assert!(json(&validation).contains(r#""price":"0.995""#));
    let validation = validate(&limit(stock(), "0.5"), &unknown(), &Limits::default());
    assert!(json(&validation).contains(r#""price":"0.50""#));
}

#[test]
fn a_trailing_stop_links_to_the_last_price_by_value() {
    let ticket = kind(Some(OrderKind::TrailingStop), |t| {
        t.instruction = Some(Instruction::Sell);
        t.trail_offset = "2.5".into();
        t.duration = Some(Duration::GoodTillCancel);
    });
    let validation = validate(&ticket, &market(), &Limits::default());
    assert_eq!(
        json(&validation),
        r#"{"session":"NORMAL","duration":"GOOD_TILL_CANCEL","orderType":"TRAILING_STOP","#
            .to_owned()
            + r#""stopPriceLinkBasis":"LAST","stopPriceLinkType":"VALUE","#
            + r#""stopPriceOffset":2.5,"orderStrategyType":"SINGLE","#
            + r#""orderLegCollection":[{"instruction":"SELL","quantity":10,"#
            + r#""instrument":{"symbol":"AAPL","assetType":"EQUITY"}}]}"#
    );
    // A sell at market: proceeds at the bid.
    let estimate = validation.estimate.unwrap();
    assert_eq!(
        (estimate.gross, estimate.side),
        (dec("1871.50"), CashSide::Proceeds)
    );
    assert_eq!(estimate.buying_power_after, None);
}

#[test]
fn a_valid_option_stop_limit_is_schwabs_json() {
    let ticket = with(option(), |t| {
        t.symbol = "aapl270115c00200000".into();
        t.instruction = Some(Instruction::SellToClose);
        t.order_kind = Some(OrderKind::StopLimit);
        t.stop_price = "3.5".into();
        t.limit_price = "3.45".into();
        t.duration = Some(Duration::GoodTillCancel);
    });
    let validation = validate(&ticket, &penny(Some(true)), &Limits::default());
    assert_eq!(
        json(&validation),
        r#"{"session":"NORMAL","duration":"GOOD_TILL_CANCEL","orderType":"STOP_LIMIT","#.to_owned()
            + r#""complexOrderStrategyType":"NONE","price":"3.45","stopPrice":"3.50","#
            + r#""orderStrategyType":"SINGLE","orderLegCollection":[{"#
            + r#""instruction":"SELL_TO_CLOSE","quantity":2,"instrument":{"#
            + r#""symbol":"AAPL  270115C00200000","assetType":"OPTION"}}]}"#
    );
    let estimate = validation.estimate.unwrap();
    assert_eq!(
        (estimate.gross, estimate.side),
        (dec("690"), CashSide::Proceeds)
    );
}

#[test]
fn a_market_order_with_no_quote_has_no_estimate() {
    let ticket = kind(Some(OrderKind::Market), |_| {});
    let validation = validate(&ticket, &unknown(), &Limits::default());
    assert!(validation.order.is_some());
    assert_eq!(validation.estimate, None);
}

#[test]
fn limits_come_from_the_config() {
    let limits = Limits {
        max_quantity: 50,
        far_from_market_percent: dec("1"),
    };
    let validation = validate(&quantity("51"), &market(), &limits);
    assert_eq!(
        validation.problem(Field::Quantity),
        Some(
            "Quantity 51 is above the per-order limit of 50; split the order or raise the limit \
             in the config."
        )
    );
    let validation = validate(&limit(stock(), "190"), &market(), &limits);
    assert_eq!(
        messages(&validation.warnings),
        [(
            Field::LimitPrice,
            "Limit price 190.00 is 1.5% from the last price 187.20; check it before you preview."
                .to_string()
        )]
    );
    assert_eq!(
        Limits::default(),
        Limits {
            max_quantity: 10_000,
            far_from_market_percent: dec("10")
        }
    );
}

#[test]
fn the_account_never_shows_in_debug() {
    let ticket = with(stock(), |t| t.account = Some(AccountKey::new("SECRETHASH")));
    assert!(!format!("{ticket:?}").contains("SECRETHASH"));
}

// ---------------------------------------------------------------------------------------------
// Properties

fn any_choice<T: Clone + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(proptest::sample::select(all))
}

fn any_decimal() -> impl Strategy<Value = Option<Decimal>> {
    proptest::option::of((any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)))
}

/// Text that is often a number and sometimes anything at all.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,4}(\\.[0-9]{0,5})?",
        "\\$?-?[0-9]{1,12}\\.?[0-9]{0,30}",
        "[ 0-9.,$eE+-]{0,12}",
        any::<String>(),
    ]
}

fn symbol_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{1,5}",
        "[A-Z]{1,6} {0,5}[0-9]{6}[CP][0-9]{8}",
        any::<String>(),
    ]
}

prop_compose! {
    fn any_ticket()(
        account in proptest::option::of(Just(AccountKey::new("HASH"))),
        symbol in symbol_text(),
        asset in any_choice(&AssetClass::ALL),
        instruction in any_choice(&Instruction::ALL),
        quantity in number_text(),
        order_kind in any_choice(&OrderKind::ALL),
        limit_price in number_text(),
        stop_price in number_text(),
        trail_offset in number_text(),
        duration in any_choice(&Duration::ALL),
        session in any_choice(&Session::ALL),
    ) -> Ticket {
        Ticket {
            account, symbol, asset, instruction, quantity, order_kind, limit_price, stop_price,
            trail_offset, duration, session,
        }
    }
}

prop_compose! {
    fn any_market()(
        last in any_decimal(),
        bid in any_decimal(),
        ask in any_decimal(),
        penny_pilot in proptest::option::of(any::<bool>()),
        position_quantity in any_decimal(),
        buying_power in any_decimal(),
    ) -> MarketContext {
        MarketContext { last, bid, ask, penny_pilot, position_quantity, buying_power }
    }
}

prop_compose! {
    fn any_limits()(max_quantity in any::<u64>(), percent in any_decimal()) -> Limits {
        Limits { max_quantity, far_from_market_percent: percent.unwrap_or_default() }
    }
}

/// Price steps for generated prices: the real ones, and some that are on no real step.
const STEPS: &[&str] = &["0.0001", "0.001", "0.005", "0.01", "0.05", "0.10", "1"];

// A ticket that is complete and usually valid, so the properties about valid orders are
// exercised often: prices are whole multiples of a random step.
prop_compose! {
    fn likely_valid_ticket()(
        asset in proptest::sample::select(&AssetClass::ALL),
        pick in 0usize..4,
        quantity in 1u64..=10_000,
        order_kind in proptest::sample::select(&OrderKind::ALL),
        steps in (1u32..400_000, 1u32..400_000),
        step in proptest::sample::select(STEPS),
        spaces in proptest::bool::ANY,
        duration in proptest::sample::select(&Duration::ALL),
        session in proptest::sample::select(&Session::ALL),
    ) -> Ticket {
        let instruction = Instruction::for_asset(asset)[pick];
        let (a, b) = (Decimal::from(steps.0) * dec(step), Decimal::from(steps.1) * dec(step));
        let (limit, stop) = match (order_kind, instruction.is_buy()) {
            (OrderKind::StopLimit, true) => (a.max(b), a.min(b)),
            (OrderKind::StopLimit, false) => (a.min(b), a.max(b)),
            _ => (a, b),
        };
        let text = |d: Decimal| if spaces { format!(" {d} ") } else { d.to_string() };
        let (limit, stop) = (text(limit), text(stop));
        Ticket {
            account: Some(AccountKey::new("HASH")),
            symbol: match asset {
                AssetClass::Equity => "MSFT".into(),
                AssetClass::Option => "MSFT  270115P00400000".into(),
            },
            asset: Some(asset),
            instruction: Some(instruction),
            quantity: quantity.to_string(),
            order_kind: Some(order_kind),
            limit_price: if order_kind.needs_limit() { limit } else { String::new() },
            stop_price: if order_kind.needs_stop() { stop.clone() } else { String::new() },
            trail_offset: if order_kind.needs_trail() { stop } else { String::new() },
            duration: Some(duration),
            session: Some(session),
        }
    }
}

/// The step a price must be on, written out again here from the rules, independently of the
/// library's tables.
fn expected_tick(asset: AssetClass, price: Decimal, penny: Option<bool>) -> Decimal {
    match (asset, penny) {
        (AssetClass::Equity, _) if price >= Decimal::ONE => dec("0.01"),
        (AssetClass::Equity, _) => dec("0.0001"),
        (AssetClass::Option, Some(true)) if price < dec("3") => dec("0.01"),
        (AssetClass::Option, Some(true)) => dec("0.05"),
        (AssetClass::Option, _) if price < dec("3") => dec("0.05"),
        (AssetClass::Option, _) => dec("0.10"),
    }
}

fn typed(text: &str) -> Decimal {
    let text = text.trim();
    text.strip_prefix('$').unwrap_or(text).parse().unwrap()
}

fn check_valid_order(ticket: &Ticket, market: &MarketContext, validation: &Validation) {
    let order = validation.order.as_ref().unwrap();
    let value: serde_json::Value = serde_json::to_value(order).unwrap();
    let asset = ticket.asset.unwrap();

    for (key, text) in [
        ("price", &ticket.limit_price),
        ("stopPrice", &ticket.stop_price),
    ] {
        match value.get(key) {
            Some(sent) => {
                let sent: Decimal = sent.as_str().expect("a price string").parse().unwrap();
                assert_eq!(sent, typed(text), "{key}");
                let tick = expected_tick(asset, sent, market.penny_pilot);
                assert!((sent % tick).is_zero(), "{key} {sent} off {tick}");
                assert!(sent > Decimal::ZERO);
            }
            None => assert!(text.trim().is_empty(), "{key} typed but not sent"),
        }
    }
    if let Some(offset) = value.get("stopPriceOffset") {
        let sent: Decimal = offset.to_string().parse().unwrap();
        assert_eq!(sent, typed(&ticket.trail_offset));
        assert!((sent % dec("0.01")).is_zero());
    }

    let leg = &order.order_leg_collection[0];
    assert!(leg.quantity >= 1);
    let words = describe(order);
    assert!(
        words.starts_with(&format!("{} {} ", leg.instruction, leg.quantity)),
        "{words}"
    );
    if ticket.order_kind == Some(OrderKind::Market) {
        assert_eq!(ticket.session, Some(Session::Normal));
    }
    if ticket.order_kind == Some(OrderKind::StopLimit) {
        let (limit, stop) = (order.price.unwrap(), order.stop_price.unwrap());
        if ticket.instruction.unwrap().is_buy() {
            assert!(limit >= stop);
        } else {
            assert!(limit <= stop);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn validate_never_panics_and_problems_mean_no_order(
        ticket in any_ticket(),
        market in any_market(),
        limits in any_limits(),
    ) {
        let validation = validate(&ticket, &market, &limits);
        prop_assert_eq!(validation.order.is_some(), validation.problems.is_empty());
        let mut fields: Vec<Field> = validation.problems.iter().map(|p| p.field).collect();
        prop_assert!(fields.windows(2).all(|w| w[0] < w[1]), "one problem per field, in order");
        fields.clear();
        prop_assert!(validation.problems.iter().all(|p| !p.message.is_empty()));
        if validation.order.is_some() {
            check_valid_order(&ticket, &market, &validation);
        }
    }

    #[test]
    fn valid_orders_carry_the_typed_price_on_its_step(
        ticket in likely_valid_ticket(),
        penny_pilot in proptest::option::of(any::<bool>()),
    ) {
        let market = MarketContext { penny_pilot, ..unknown() };
        let validation = validate(&ticket, &market, &Limits::default());
        prop_assert_eq!(validation.order.is_some(), validation.problems.is_empty());
        if validation.order.is_some() {
            check_valid_order(&ticket, &market, &validation);
        } else {
            // The only thing a likely-valid ticket can get wrong is a step or a session.
            for problem in &validation.problems {
                prop_assert!(
                    matches!(
                        problem.field,
                        Field::LimitPrice | Field::StopPrice | Field::TrailOffset | Field::Session
                    ),
                    "{:?}",
                    problem
                );
            }
        }
    }

    #[test]
    fn an_off_step_price_is_never_rounded_into_an_order(
        whole in 1u32..10_000,
        extra in 1u32..100,
    ) {
        // A price in hundredths of a cent above $1 that is not a whole cent.
        let price = Decimal::from(whole) + Decimal::new(i64::from(extra), 4);
        prop_assume!(!(price % dec("0.01")).is_zero());
        let ticket = limit(stock(), &price.to_string());
        let validation = validate(&ticket, &unknown(), &Limits::default());
        prop_assert!(validation.order.is_none());
        prop_assert!(validation.problem(Field::LimitPrice).is_some());
    }
}
