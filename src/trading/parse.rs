//! Strict readers for what the user typed into the ticket: quantities, prices, symbols.
//!
//! Each returns the value or the exact sentence to show; nothing is guessed or rounded.

use rust_decimal::Decimal;

use super::tick::TickRule;

/// The most integer digits a price may have (under a billion dollars).
const MAX_PRICE_DIGITS: usize = 9;
/// The most decimals any step allows is four; past eight the text is not a price attempt.
const MAX_PRICE_DECIMALS: usize = 8;
/// A quantity longer than this is shown cut short in its message.
const SHOWN_QUANTITY_DIGITS: usize = 20;
/// Text longer than this is not read as a decimal at all: `Decimal`'s reader recurses once
/// per character, and a pasted run of thousands of zeros would overflow the stack.
const MAX_DECIMAL_TEXT: usize = 40;

/// Reads a quantity: ASCII digits only, surrounding spaces ignored, at least 1, at most `max`.
///
/// Decided: no thousands separators (`1,000` reads as one thousand or as one in different
/// locales), no signs, no decimal point even for whole values (`10.0`), no exponents (`1e3`).
/// Each refusal says what to type instead.
pub(crate) fn quantity(text: &str, max: u64) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter a quantity.".into());
    }

    if text.bytes().all(|b| b.is_ascii_digit()) {
        if text.bytes().all(|b| b == b'0') {
            return Err("Quantity must be at least 1.".into());
        }
        return match text.parse::<u64>() {
            Ok(q) if q <= max => Ok(q),
            _ => Err(format!(
                "Quantity {} is above the per-order limit of {max}; split the order or raise \
                 the limit in the config.",
                shown_digits(text)
            )),
        };
    }

    let read = if text.len() <= MAX_DECIMAL_TEXT {
        Decimal::from_str_exact(text).ok()
    } else {
        None
    };
    match read {
        Some(d) if d.is_sign_negative() && !d.is_zero() => {
            Err("Quantity must be a positive number; to sell, choose a sell instruction.".into())
        }
        Some(d) if d.is_zero() => Err("Quantity must be at least 1.".into()),
        Some(d) if !d.fract().is_zero() => Err(
            "Quantity must be a whole number: the API trades no fractions of a share or contract."
                .into(),
        ),
        Some(d) => Err(format!(
            "Quantity must be digits only, like {}.",
            d.normalize()
        )),
        None => Err(
            "Quantity must be digits only, like 100 (no commas, spaces, signs or exponents)."
                .into(),
        ),
    }
}

fn shown_digits(digits: &str) -> String {
    let digits = digits.trim_start_matches('0');
    match digits.get(..SHOWN_QUANTITY_DIGITS) {
        Some(head) if digits.len() > SHOWN_QUANTITY_DIGITS => format!("{head}…"),
        _ => digits.to_string(),
    }
}

/// Reads a price or an offset; `Ok(None)` when the field is empty.
///
/// Decided: surrounding spaces and one leading `$` are accepted (`$187.25`), since neither
/// can change the value. Thousands separators are refused (`1,234.50` could be read either
/// way), as are signs, exponents and a bare trailing point. Zero and negative values are
/// refused with their own message. `label` starts each message ("Limit price").
pub(crate) fn price(text: &str, label: &str) -> Result<Option<Decimal>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }

    let unsigned = text.strip_prefix('$').unwrap_or(text);
    let (negative, body) = match unsigned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unsigned),
    };
    if body.contains(',') {
        return Err(format!(
            "{label} must be written without commas, like 1234.50."
        ));
    }
    let Some((whole, fraction)) = split_number(body) else {
        return Err(format!("{label} must be a number, like 187.25."));
    };
    let fraction = fraction.trim_end_matches('0');
    let whole = whole.trim_start_matches('0');
    if whole.len() > MAX_PRICE_DIGITS {
        return Err(format!("{label} is too large for a price."));
    }
    if fraction.len() > MAX_PRICE_DECIMALS {
        return Err(format!(
            "{label} has more decimals than any price step allows."
        ));
    }

    let canonical = format!(
        "{}.{}",
        if whole.is_empty() { "0" } else { whole },
        fraction
    );
    let value = Decimal::from_str_exact(canonical.trim_end_matches('.'))
        .map_err(|_| format!("{label} must be a number, like 187.25."))?;
    if negative || value <= Decimal::ZERO {
        return Err(format!("{label} must be above zero."));
    }
    Ok(Some(value))
}

/// Splits `123.45`, `123` or `.45` into its digit runs; anything else is `None`.
fn split_number(text: &str) -> Option<(&str, &str)> {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    Some((whole, fraction))
}

/// The sentence for a price off its step, with the two nearest prices on it.
pub(crate) fn off_tick(label: &str, value: Decimal, rule: &TickRule) -> String {
    let suggestion = match super::tick::neighbours(value, rule.tick) {
        Some((Some(lower), upper)) => {
            format!(" Use {} or {}{}.", wire(lower), wire(upper), rule.tail)
        }
        Some((None, upper)) => format!(" Use {}{}.", wire(upper), rule.tail),
        None => String::new(),
    };
    format!(
        "{label} {} {}: {}.{suggestion}",
        wire(value),
        rule.verb,
        rule.reason
    )
}

/// A price as it is sent and shown: no trailing zeros past the cent, at least two decimals.
///
/// `187.250` becomes `187.25`, `3.5` becomes `3.50`, `0.9950` becomes `0.995`. Only zeros are
/// dropped, so the value never changes.
pub(crate) fn wire(value: Decimal) -> Decimal {
    let mut shown = value.normalize();
    if shown.scale() < 2 {
        shown.rescale(2);
    }
    shown
}

/// Reads a stock symbol: letters, digits, `.`, `/` and `-`, starting with a letter, upper-cased.
///
/// Upper-casing cannot change which security is meant: Schwab's symbols are upper case.
/// Indexes (`$SPX`) and futures (`/ES`) fail the first-letter rule: the API trades neither.
pub(crate) fn stock_symbol(text: &str) -> Result<String, String> {
    let symbol = text.trim().to_ascii_uppercase();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-');
    let starts_with_letter = symbol
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic());
    if starts_with_letter && symbol.len() <= 12 && symbol.chars().all(allowed) {
        return Ok(symbol);
    }
    Err(format!(
        "{} is not a stock symbol: use letters, digits, '.', '/' or '-', starting with a \
         letter, like AAPL or BRK/B.",
        shown_symbol(&symbol)
    ))
}

/// Reads an option symbol in the OSI form Schwab uses, padding the root to six characters.
///
/// Accepted: `AAPL  270115C00200000` (padded) and `AAPL270115C00200000` (unpadded); the
/// root is 1 to 6 letters or digits, then YYMMDD (a real date), C or P, and the strike times
/// 1000 in 8 digits. The padded form is what is sent.
pub(crate) fn option_symbol(text: &str) -> Result<String, String> {
    let symbol = text.trim().to_ascii_uppercase();
    osi(&symbol).ok_or_else(|| {
        format!(
            "{} is not an option symbol: use the root, the expiry as YYMMDD, C or P, and the \
             strike times 1000 in 8 digits, like AAPL  270115C00200000.",
            shown_symbol(&symbol)
        )
    })
}

fn osi(symbol: &str) -> Option<String> {
    if !symbol.is_ascii() || symbol.len() < 16 {
        return None;
    }
    let (root, tail) = symbol.split_at(symbol.len() - 15);
    let root = root.trim_end();
    let root_ok = (1..=6).contains(&root.len()) && root.bytes().all(|b| b.is_ascii_alphanumeric());

    let (date, rest) = tail.split_at(6);
    let (kind, strike) = rest.split_at(1);
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let number = |s: &str| s.parse::<u32>().ok();
    let date_ok = digits(date)
        && chrono::NaiveDate::from_ymd_opt(
            2000 + i32::try_from(number(date.get(0..2)?)?).ok()?,
            number(date.get(2..4)?)?,
            number(date.get(4..6)?)?,
        )
        .is_some();
    let kind_ok = kind == "C" || kind == "P";
    let strike_ok = digits(strike) && strike.bytes().any(|b| b != b'0');

    (root_ok && date_ok && kind_ok && strike_ok).then(|| format!("{root:<6}{tail}"))
}

/// A symbol quoted in a message, cut short when it is long, so a paste of junk cannot flood
/// the screen.
fn shown_symbol(symbol: &str) -> String {
    if symbol.is_empty() {
        return "This".into();
    }
    let head: String = symbol.chars().take(24).collect();
    if head.len() < symbol.len() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rust_decimal_macros::dec;

    use super::*;

    /// Found by the ticket fuzzing: fifty thousand zeros and a fraction overflowed the stack
    /// inside `Decimal`'s reader instead of getting a message.
    #[test]
    fn a_pasted_run_of_zeros_gets_a_message() {
        let zeros = "0".repeat(50_000);
        let message = quantity(&format!("{zeros}.5"), 10_000).unwrap_err();
        assert!(
            message.starts_with("Quantity must be digits only"),
            "{message}"
        );
        let message = price(&format!("{zeros}.{zeros}5"), "Limit price").unwrap_err();
        assert!(message.contains("more decimals"), "{message}");
    }

    #[test]
    fn prices_accept_dollar_sign_and_spaces_only() {
        assert_eq!(price(" $187.25 ", "Limit price"), Ok(Some(dec!(187.25))));
        assert_eq!(price(".5", "Limit price"), Ok(Some(dec!(0.5))));
        assert_eq!(price("", "Limit price"), Ok(None));
        assert!(price("1,234.50", "Limit price").is_err());
        assert!(price("1e3", "Limit price").is_err());
        assert!(price("5.", "Limit price").is_err());
        assert!(price("+5", "Limit price").is_err());
    }

    #[test]
    fn wire_form_drops_only_zeros() {
        assert_eq!(wire(dec!(187.250)).to_string(), "187.25");
        assert_eq!(wire(dec!(3.5)).to_string(), "3.50");
        assert_eq!(wire(dec!(0.9950)).to_string(), "0.995");
        assert_eq!(wire(dec!(10)).to_string(), "10.00");
    }

    #[test]
    fn option_symbols_padded_or_not() {
        assert_eq!(
            option_symbol("AAPL  270115C00200000").unwrap(),
            "AAPL  270115C00200000"
        );
        assert_eq!(
            option_symbol("aapl270115c00200000").unwrap(),
            "AAPL  270115C00200000"
        );
        assert_eq!(
            option_symbol("SPXW  270115P05000000").unwrap(),
            "SPXW  270115P05000000"
        );
        assert!(option_symbol("AAPL  271315C00200000").is_err());
        assert!(option_symbol("AAPL  270115X00200000").is_err());
        assert!(option_symbol("AAPL").is_err());
        assert!(option_symbol("ÄÄPL  270115C00200000").is_err());
    }
}
