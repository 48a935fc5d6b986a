//! Tick sizes: the price steps a stock or a single option may be priced in.
//!
//! These are US market rules, not Schwab's, and they are checked, never applied: a price off
//! its step is a problem for the user to fix, not a number to round behind their back.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The step trail offsets are entered in, for stocks and options alike.
pub const TRAIL_STEP: Decimal = dec!(0.01);

/// Stocks at $1 and above trade in cents; below $1, in hundredths of a cent.
const STOCK_SUB_DOLLAR_BELOW: Decimal = dec!(1);
/// Options change step at $3 in both the penny program and outside it.
const OPTION_STEP_CHANGE_AT: Decimal = dec!(3);

/// The step a price must lie on, with the words that explain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickRule {
    /// The step, e.g. 0.01.
    pub tick: Decimal,
    /// What is wrong with a price off the step: "has more decimals than allowed".
    pub verb: &'static str,
    /// Why, as a rule the user can apply: "stocks trade in $0.01 steps at $1 and above".
    pub reason: &'static str,
    /// Added after the suggested prices, e.g. ", or wait for the quote"; usually empty.
    pub tail: &'static str,
}

/// The rule for a stock price.
pub fn stock_rule(price: Decimal) -> TickRule {
    const VERB: &str = "has more decimals than allowed";
    if price >= STOCK_SUB_DOLLAR_BELOW {
        TickRule {
            tick: dec!(0.01),
            verb: VERB,
            reason: "stocks trade in $0.01 steps at $1 and above",
            tail: "",
        }
    } else {
        TickRule {
            tick: dec!(0.0001),
            verb: VERB,
            reason: "stocks trade in $0.0001 steps below $1",
            tail: "",
        }
    }
}

/// The rule for a single option's price, from the quote's `isPennyPilot`.
///
/// When the program is not known (no quote yet), only the coarser non-penny steps are
/// accepted: they are valid in both programs, so nothing accepted here can be refused for
/// its step, while a penny price waits for the quote to say it is allowed.
pub fn option_rule(price: Decimal, penny_pilot: Option<bool>) -> TickRule {
    const VERB: &str = "is not a valid option price";
    let high = price >= OPTION_STEP_CHANGE_AT;
    match (penny_pilot, high) {
        (Some(true), false) => TickRule {
            tick: dec!(0.01),
            verb: VERB,
            reason: "this option trades in $0.01 steps below $3 (penny program)",
            tail: "",
        },
        (Some(true), true) => TickRule {
            tick: dec!(0.05),
            verb: VERB,
            reason: "this option trades in $0.05 steps at $3 and above (penny program)",
            tail: "",
        },
        (Some(false), false) => TickRule {
            tick: dec!(0.05),
            verb: VERB,
            reason: "this option trades in $0.05 steps below $3 (not in the penny program)",
            tail: "",
        },
        (Some(false), true) => TickRule {
            tick: dec!(0.10),
            verb: VERB,
            reason: "this option trades in $0.10 steps at $3 and above (not in the penny program)",
            tail: "",
        },
        (None, _) => TickRule {
            tick: if high { dec!(0.10) } else { dec!(0.05) },
            verb: "may not be a valid option price",
            reason: "with no quote it is unknown whether this option is in the penny program, \
                     so only $0.05 steps below $3 and $0.10 steps at $3 and above are accepted",
            tail: ", or wait for the quote",
        },
    }
}

/// The rule for a trail offset: whole cents.
pub fn trail_rule() -> TickRule {
    TickRule {
        tick: TRAIL_STEP,
        verb: "has more decimals than allowed",
        reason: "trail offsets are set in $0.01 steps",
        tail: "",
    }
}

/// Whether `price` is a whole number of `tick`s. A zero tick accepts nothing.
pub fn on_tick(price: Decimal, tick: Decimal) -> bool {
    price.checked_rem(tick).is_some_and(|r| r.is_zero())
}

/// The nearest prices on the step below and above `price`; the lower one is `None` when it
/// would be zero or less, since no order can be priced there.
pub fn neighbours(price: Decimal, tick: Decimal) -> Option<(Option<Decimal>, Decimal)> {
    let steps = price.checked_div(tick)?.floor();
    let lower = steps.checked_mul(tick)?;
    let upper = lower.checked_add(tick)?;
    let lower = (lower > Decimal::ZERO).then_some(lower);
    Some((lower, upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_steps_change_at_one_dollar() {
        assert_eq!(stock_rule(dec!(0.9999)).tick, dec!(0.0001));
        assert_eq!(stock_rule(dec!(1.00)).tick, dec!(0.01));
        assert!(on_tick(dec!(0.9950), dec!(0.0001)));
        assert!(!on_tick(dec!(1.005), dec!(0.01)));
    }

    #[test]
    fn option_steps_change_at_three_dollars() {
        assert_eq!(option_rule(dec!(2.99), Some(true)).tick, dec!(0.01));
        assert_eq!(option_rule(dec!(3.00), Some(true)).tick, dec!(0.05));
        assert_eq!(option_rule(dec!(2.95), Some(false)).tick, dec!(0.05));
        assert_eq!(option_rule(dec!(3), Some(false)).tick, dec!(0.10));
        assert_eq!(option_rule(dec!(1), None).tick, dec!(0.05));
    }

    #[test]
    fn neighbours_skip_zero() {
        assert_eq!(
            neighbours(dec!(1.005), dec!(0.01)),
            Some((Some(dec!(1.00)), dec!(1.01)))
        );
        assert_eq!(neighbours(dec!(0.03), dec!(0.05)), Some((None, dec!(0.05))));
    }
}
