//! How numbers look on screen: money, prices, quantities, percentages and volume.
//!
//! The one place the TUI and the CLI turn a `Decimal` into text. Never takes an `f64`: every
//! value stays exact until it is rounded here, for display only.

use rust_decimal::{Decimal, RoundingStrategy};

/// What a cell shows when the API did not send a value (an index has no bid, a fund no last).
pub const MISSING: &str = "—";

/// The rounding used for display: half away from zero, as a trader reads a price aloud.
const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// Money with thousands separators and two decimals: `1,234.50`, `-20.00`.
///
/// A value that rounds to zero shows no sign, so `-0.001` is `0.00`, not `-0.00`.
pub fn money(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, ROUNDING);
    with_sign(rounded, false, grouped_fixed(rounded.abs(), 2))
}

/// Money that is a gain or a loss: always signed, `+1,234.50` or `-1,234.50`; zero is `0.00`.
pub fn signed_money(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, ROUNDING);
    with_sign(rounded, true, grouped_fixed(rounded.abs(), 2))
}

/// Profit or loss as a table cell: signed money and an arrow, `+1,234.50 ▲`, `-12.00 ▼`.
///
/// The sign carries the meaning and the arrow repeats it, so the cell reads right with no
/// colour. Zero gets two spaces where the arrow would be, so columns stay aligned.
pub fn pl(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, ROUNDING);
    format!("{}{}", signed_money(rounded), arrow(rounded))
}

/// A price: two decimals from $1 up, up to four below $1, thousands separators.
///
/// Below $1 the value keeps the decimals it has (at least two, at most four): `0.05`, `0.0525`.
/// Sub-penny ticks exist there and rounding them away would misstate the price. From $1 up
/// prices are shown to the cent; exchange rates, which need more, go through [`rate`].
pub fn price(value: Decimal) -> String {
    let places = price_places(value);
    let rounded = value.round_dp_with_strategy(places, ROUNDING);
    with_sign(rounded, false, grouped_fixed(rounded.abs(), places))
}

/// A price change, always signed: `+1.25`, `-0.0525`; zero is `0.00`.
pub fn signed_price(value: Decimal) -> String {
    let places = price_places(value);
    let rounded = value.round_dp_with_strategy(places, ROUNDING);
    with_sign(rounded, true, grouped_fixed(rounded.abs(), places))
}

/// A price change as a table cell: signed with an arrow, `+1.25 ▲`, `-0.50 ▼`.
pub fn change(value: Decimal) -> String {
    let places = price_places(value);
    let rounded = value.round_dp_with_strategy(places, ROUNDING);
    format!("{}{}", signed_price(rounded), arrow(rounded))
}

/// An exchange rate: at least four decimals and up to five when the value has them, since a
/// pip is the fourth decimal: `1.0842`, `1.08425`, `157.2300`.
pub fn rate(value: Decimal) -> String {
    let places = value.normalize().scale().clamp(4, 5);
    let rounded = value.round_dp_with_strategy(places, ROUNDING);
    with_sign(rounded, false, grouped_fixed(rounded.abs(), places))
}

/// An exchange-rate change, signed with an arrow like [`change`]: `-0.0003 ▼`.
pub fn rate_change(value: Decimal) -> String {
    let places = value.normalize().scale().clamp(4, 5);
    let rounded = value.round_dp_with_strategy(places, ROUNDING);
    let digits = grouped_fixed(rounded.abs(), places);
    format!("{}{}", with_sign(rounded, true, digits), arrow(rounded))
}

/// A percentage already in percent units (`1.234` means 1.234 %), signed, two decimals:
/// `+1.23%`, `-0.50%`, `0.00%`.
pub fn percent(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, ROUNDING);
    format!(
        "{}%",
        with_sign(rounded, true, grouped_fixed(rounded.abs(), 2))
    )
}

/// A quantity of shares or contracts, signed as held (a short is `-20`), with the decimals the
/// value has and thousands separators: `1,000`, `-20`, `0.5`.
pub fn quantity(value: Decimal) -> String {
    let normal = value.normalize();
    with_sign(normal, false, grouped_fixed(normal.abs(), normal.scale()))
}

/// Volume in compact form: `950`, `12.3K`, `1.2M`, `3.4B`, `1.0T`.
///
/// One decimal from a thousand up. The unit is chosen after rounding, so `999,960` is `1.0M`
/// rather than `1000.0K`.
pub fn volume(value: Decimal) -> String {
    const UNITS: [&str; 4] = ["K", "M", "B", "T"];
    let abs = value.abs();
    let thousand = Decimal::ONE_THOUSAND;
    if abs.round_dp_with_strategy(0, ROUNDING) < thousand {
        let whole = value.round_dp_with_strategy(0, ROUNDING);
        return with_sign(whole, false, grouped_fixed(whole.abs(), 0));
    }

    let mut divisor = thousand;
    let mut unit = 0;
    while unit + 1 < UNITS.len() && (abs / divisor).round_dp_with_strategy(1, ROUNDING) >= thousand
    {
        divisor *= thousand;
        unit += 1;
    }

    let scaled = (value / divisor).round_dp_with_strategy(1, ROUNDING);
    let text = grouped_fixed(scaled.abs(), 1);
    let unit_name = UNITS.get(unit).copied().unwrap_or("");
    format!("{}{unit_name}", with_sign(scaled, false, text))
}

/// A time left, coarse enough to change at most once a minute: `6d`, `23h`, `45m`; `0m` when
/// it has run out.
///
/// Days from two days up, hours from one hour up, minutes below that; always rounded down,
/// so a countdown never promises more time than there is.
pub fn countdown(left: chrono::TimeDelta) -> String {
    let minutes = left.num_minutes().max(0);
    if minutes >= 48 * 60 {
        format!("{}d", minutes / (24 * 60))
    } else if minutes >= 60 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// How old something is, coarse: `45s`, `3m`, `2h`, `4d`.
pub fn age(age: chrono::TimeDelta) -> String {
    let seconds = age.num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86400),
    }
}

/// Any optional value through one of the formatters above, or [`MISSING`] when absent.
pub fn or_missing(value: Option<Decimal>, f: fn(Decimal) -> String) -> String {
    value.map_or_else(|| MISSING.to_string(), f)
}

fn price_places(value: Decimal) -> u32 {
    if value.abs() >= Decimal::ONE {
        2
    } else {
        value.normalize().scale().clamp(2, 4)
    }
}

fn arrow(rounded: Decimal) -> &'static str {
    if rounded.is_zero() {
        "  "
    } else if rounded.is_sign_negative() {
        " ▼"
    } else {
        " ▲"
    }
}

/// Puts the sign in front of already-formatted digits; a zero never carries one.
fn with_sign(rounded: Decimal, plus: bool, digits: String) -> String {
    if rounded.is_zero() {
        digits
    } else if rounded.is_sign_negative() {
        format!("-{digits}")
    } else if plus {
        format!("+{digits}")
    } else {
        digits
    }
}

/// A non-negative value with exactly `places` decimals and commas between thousands.
fn grouped_fixed(abs: Decimal, places: u32) -> String {
    let plain = format!("{:.*}", places as usize, abs);
    let (int_part, frac_part) = match plain.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (plain.as_str(), None),
    };

    let mut out = String::with_capacity(plain.len() + plain.len() / 3);
    let digits = int_part.len();
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(frac) = frac_part {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_two_decimals() {
        assert_eq!(money(dec!(1234.5)), "1,234.50");
        assert_eq!(money(dec!(1234567.891)), "1,234,567.89");
        assert_eq!(money(dec!(-20)), "-20.00");
        assert_eq!(money(dec!(0)), "0.00");
        assert_eq!(money(dec!(999.995)), "1,000.00");
        assert_eq!(money(dec!(-0.001)), "0.00");
        assert_eq!(money(dec!(100)), "100.00");
    }

    #[test]
    fn signed_money_always_signs_gains_and_losses() {
        assert_eq!(signed_money(dec!(1234.5)), "+1,234.50");
        assert_eq!(signed_money(dec!(-1234.5)), "-1,234.50");
        assert_eq!(signed_money(dec!(0)), "0.00");
        assert_eq!(signed_money(dec!(-0.004)), "0.00");
    }

    #[test]
    fn pl_adds_an_arrow_that_repeats_the_sign() {
        assert_eq!(pl(dec!(1234.5)), "+1,234.50 ▲");
        assert_eq!(pl(dec!(-12)), "-12.00 ▼");
        assert_eq!(pl(dec!(0)), "0.00  ");
        assert_eq!(pl(dec!(-0.001)), "0.00  ");
    }

    #[test]
    fn price_uses_cents_from_one_dollar() {
        assert_eq!(price(dec!(187.2)), "187.20");
        assert_eq!(price(dec!(187.255)), "187.26");
        assert_eq!(price(dec!(5123.45)), "5,123.45");
        assert_eq!(price(dec!(1)), "1.00");
        assert_eq!(price(dec!(12.3456)), "12.35");
    }

    #[test]
    fn price_below_a_dollar_keeps_up_to_four_decimals() {
        assert_eq!(price(dec!(0.05)), "0.05");
        assert_eq!(price(dec!(0.5)), "0.50");
        assert_eq!(price(dec!(0.0525)), "0.0525");
        assert_eq!(price(dec!(0.123)), "0.123");
        assert_eq!(price(dec!(0.12345)), "0.1235");
        assert_eq!(price(dec!(0.0001)), "0.0001");
        assert_eq!(price(dec!(0.9999)), "0.9999");
        assert_eq!(price(dec!(0)), "0.00");
    }

    #[test]
    fn price_changes_are_signed() {
        assert_eq!(signed_price(dec!(1.25)), "+1.25");
        assert_eq!(signed_price(dec!(-0.0525)), "-0.0525");
        assert_eq!(signed_price(dec!(0)), "0.00");
        assert_eq!(change(dec!(-12.3)), "-12.30 ▼");
        assert_eq!(change(dec!(0.05)), "+0.05 ▲");
        assert_eq!(change(dec!(1234)), "+1,234.00 ▲");
    }

    #[test]
    fn rates_keep_four_or_five_decimals() {
        assert_eq!(rate(dec!(1.0842)), "1.0842");
        assert_eq!(rate(dec!(1.08425)), "1.08425");
        assert_eq!(rate(dec!(1.084256)), "1.08426");
        assert_eq!(rate(dec!(157.23)), "157.2300");
        assert_eq!(rate_change(dec!(-0.0003)), "-0.0003 ▼");
        assert_eq!(rate_change(dec!(0)), "0.0000  ");
    }

    #[test]
    fn percent_has_two_decimals_and_a_sign() {
        assert_eq!(percent(dec!(1.234)), "+1.23%");
        assert_eq!(percent(dec!(-0.5)), "-0.50%");
        assert_eq!(percent(dec!(0)), "0.00%");
        assert_eq!(percent(dec!(0.005)), "+0.01%");
    }

    #[test]
    fn quantity_keeps_its_sign_and_decimals() {
        assert_eq!(quantity(dec!(-20)), "-20");
        assert_eq!(quantity(dec!(100.000)), "100");
        assert_eq!(quantity(dec!(1000)), "1,000");
        assert_eq!(quantity(dec!(0.5)), "0.5");
        assert_eq!(quantity(dec!(-1234.25)), "-1,234.25");
    }

    #[test]
    fn volume_is_compact() {
        assert_eq!(volume(dec!(0)), "0");
        assert_eq!(volume(dec!(950)), "950");
        assert_eq!(volume(dec!(999.4)), "999");
        assert_eq!(volume(dec!(999.6)), "1.0K");
        assert_eq!(volume(dec!(12345)), "12.3K");
        assert_eq!(volume(dec!(1234567)), "1.2M");
        assert_eq!(volume(dec!(999960)), "1.0M");
        assert_eq!(volume(dec!(3400000000)), "3.4B");
        assert_eq!(volume(dec!(1000000000000)), "1.0T");
        assert_eq!(volume(dec!(5000000000000000)), "5,000.0T");
    }

    #[test]
    fn countdowns_and_ages_are_coarse() {
        use chrono::TimeDelta;
        assert_eq!(countdown(TimeDelta::days(6) + TimeDelta::hours(23)), "6d");
        assert_eq!(countdown(TimeDelta::hours(47)), "47h");
        assert_eq!(countdown(TimeDelta::minutes(23 * 60 + 59)), "23h");
        assert_eq!(countdown(TimeDelta::minutes(59)), "59m");
        assert_eq!(countdown(TimeDelta::minutes(-5)), "0m");
        assert_eq!(age(TimeDelta::seconds(45)), "45s");
        assert_eq!(age(TimeDelta::seconds(185)), "3m");
        assert_eq!(age(TimeDelta::hours(5)), "5h");
        assert_eq!(age(TimeDelta::days(3)), "3d");
    }

    #[test]
    fn missing_values_show_a_dash() {
        assert_eq!(or_missing(None, price), "—");
        assert_eq!(or_missing(Some(dec!(2)), price), "2.00");
    }
}
