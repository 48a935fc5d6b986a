//! The symbol grammar: what a typed symbol may look like before the API is asked about it.
//!
//! Pure, no I/O. Input is trimmed and upper-cased (traders type `aapl`); the result carries the
//! canonical text to send, with an option's root padded to six characters as Schwab expects.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The longest text accepted, in characters. An OSI option symbol is 21.
pub const MAX_SYMBOL_CHARS: usize = 32;

/// Futures month codes, January to December.
const MONTH_CODES: [char; 12] = ['F', 'G', 'H', 'J', 'K', 'M', 'N', 'Q', 'U', 'V', 'X', 'Z'];

/// Put or call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Right {
    Call,
    Put,
}

/// A symbol that passed the grammar, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// A stock, ETF or fund: `AAPL`, or a class share `BRK.B` / `BRK/B` (the separator is kept
    /// as typed, since which form Schwab wants is not documented and the API check decides).
    Equity {
        root: String,
        class: Option<(char, String)>,
    },
    /// An index: `$SPX`.
    Index { name: String },
    /// A future: `/ES` (front month) or `/ESZ26` (root, month code, two-digit year).
    Future {
        root: String,
        contract: Option<(char, u8)>,
    },
    /// An OSI option: root, expiry, right and strike.
    Option {
        root: String,
        expiry: NaiveDate,
        right: Right,
        strike: Decimal,
    },
    /// A currency pair: `EUR/USD`.
    Forex { base: String, quote: String },
}

impl SymbolKind {
    /// The symbol as the API is sent it: upper case, options with the root padded to six.
    pub fn canonical(&self) -> String {
        match self {
            SymbolKind::Equity { root, class: None } => root.clone(),
            SymbolKind::Equity {
                root,
                class: Some((sep, class)),
            } => format!("{root}{sep}{class}"),
            SymbolKind::Index { name } => format!("${name}"),
            SymbolKind::Future {
                root,
                contract: None,
            } => format!("/{root}"),
            SymbolKind::Future {
                root,
                contract: Some((month, year)),
            } => format!("/{root}{month}{year:02}"),
            SymbolKind::Option {
                root,
                expiry,
                right,
                strike,
            } => {
                let right = match right {
                    Right::Call => 'C',
                    Right::Put => 'P',
                };
                let thousandths = (*strike * Decimal::ONE_THOUSAND).trunc();
                format!(
                    "{root:<6}{}{right}{thousandths:0>8}",
                    expiry.format("%y%m%d")
                )
            }
            SymbolKind::Forex { base, quote } => format!("{base}/{quote}"),
        }
    }

    /// A short name of the kind, for messages.
    pub fn label(&self) -> &'static str {
        match self {
            SymbolKind::Equity { .. } => "stock or fund",
            SymbolKind::Index { .. } => "index",
            SymbolKind::Future { .. } => "future",
            SymbolKind::Option { .. } => "option",
            SymbolKind::Forex { .. } => "currency pair",
        }
    }
}

/// Why a text is not a symbol. Each message says what is wrong in plain words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error("type a symbol, such as AAPL, $SPX, /ES or EUR/USD")]
    Empty,
    #[error("too long: {0} characters, a symbol has at most {MAX_SYMBOL_CHARS}")]
    TooLong(usize),
    #[error("{} cannot be part of a symbol", describe_char(*.0))]
    BadCharacter(char),
    #[error("futures options (./…) are not supported")]
    FutureOption,
    #[error("{0:?} is not a symbol: {1}")]
    Malformed(String, &'static str),
}

fn describe_char(ch: char) -> String {
    if ch.is_control() {
        format!("control character U+{:04X}", u32::from(ch))
    } else if ch == ' ' {
        "a space".to_string()
    } else {
        format!("{ch:?}")
    }
}

/// Parses a typed symbol.
///
/// Accepted: equities and ETFs (`AAPL`, class shares `BRK.B`, `BRK/B`), indexes (`$SPX`),
/// futures (`/ES`, `/ESZ26`), OSI options (`AAPL  270115C00200000`: the root padded to six
/// with spaces, YYMMDD, C or P, the strike times 1000 in eight digits; fewer padding spaces
/// are accepted and re-padded) and forex (`EUR/USD`). Lower case is upper-cased rather than
/// refused, because every Schwab symbol is upper case and `aapl` can only mean `AAPL`.
pub fn parse_symbol(text: &str) -> Result<SymbolKind, SymbolError> {
    let trimmed = text.trim();
    let count = trimmed.chars().count();
    if count == 0 {
        return Err(SymbolError::Empty);
    }
    if count > MAX_SYMBOL_CHARS {
        return Err(SymbolError::TooLong(count));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '$' | ' ')))
    {
        return Err(SymbolError::BadCharacter(bad));
    }
    let upper = trimmed.to_ascii_uppercase();

    if upper.starts_with("./") {
        return Err(SymbolError::FutureOption);
    }
    if let Some(rest) = upper.strip_prefix('$') {
        return index(&upper, rest);
    }
    if let Some(rest) = upper.strip_prefix('/') {
        return future(&upper, rest);
    }
    if upper.contains(' ') || looks_like_option(&upper) {
        return option(&upper);
    }
    if let Some((base, quote)) = upper.split_once('/')
        && base.len() == 3
        && quote.len() == 3
        && all_letters(base)
        && all_letters(quote)
    {
        return Ok(SymbolKind::Forex {
            base: base.to_string(),
            quote: quote.to_string(),
        });
    }
    equity(&upper)
}

fn all_letters(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn malformed(text: &str, why: &'static str) -> SymbolError {
    SymbolError::Malformed(text.to_string(), why)
}

fn index(text: &str, name: &str) -> Result<SymbolKind, SymbolError> {
    let ok = (1..=10).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.');
    if !ok {
        return Err(malformed(
            text,
            "an index is $ and up to 10 letters, like $SPX",
        ));
    }
    Ok(SymbolKind::Index {
        name: name.to_string(),
    })
}

fn future(text: &str, body: &str) -> Result<SymbolKind, SymbolError> {
    const WHY: &str =
        "a future is / and a root, with an optional month and year, like /ES or /ESZ26";
    if body.is_empty()
        || body.len() > 8
        || !body
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(malformed(text, WHY));
    }
    let bytes = body.as_bytes();
    if let [root @ .., month, y1, y2] = bytes
        && !root.is_empty()
        && MONTH_CODES.contains(&char::from(*month))
        && y1.is_ascii_digit()
        && y2.is_ascii_digit()
    {
        let year = (y1 - b'0') * 10 + (y2 - b'0');
        return Ok(SymbolKind::Future {
            root: String::from_utf8_lossy(root).into_owned(),
            contract: Some((char::from(*month), year)),
        });
    }
    if body.len() > 4 || !body.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(malformed(text, WHY));
    }
    Ok(SymbolKind::Future {
        root: body.to_string(),
        contract: None,
    })
}

/// Whether the text ends in the 15-character OSI tail (YYMMDD, C or P, 8 digits) after a root.
fn looks_like_option(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 15 && {
        let tail = &bytes[bytes.len() - 15..];
        tail[..6].iter().all(u8::is_ascii_digit)
            && matches!(tail[6], b'C' | b'P')
            && tail[7..].iter().all(u8::is_ascii_digit)
    }
}

fn option(text: &str) -> Result<SymbolKind, SymbolError> {
    const WHY: &str =
        "an option is the root padded to 6, YYMMDD, C or P and the strike ×1000 in 8 digits";
    if !looks_like_option(text) {
        return Err(malformed(text, WHY));
    }
    let split = text.len() - 15;
    let (head, tail) = text.split_at(split);
    let root = head.trim_end();
    if root.is_empty()
        || root.len() > 6
        || root.contains(' ')
        || !root.starts_with(|c: char| c.is_ascii_uppercase())
        || !root
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(malformed(text, WHY));
    }
    let date = tail.get(..6).unwrap_or_default();
    let expiry = NaiveDate::parse_from_str(date, "%y%m%d")
        .map_err(|_| malformed(text, "the option's expiry is not a real date (YYMMDD)"))?;
    let right = if tail.as_bytes().get(6) == Some(&b'C') {
        Right::Call
    } else {
        Right::Put
    };
    let digits: i64 = tail
        .get(7..)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| malformed(text, WHY))?;
    if digits == 0 {
        return Err(malformed(text, "an option's strike cannot be zero"));
    }
    Ok(SymbolKind::Option {
        root: root.to_string(),
        expiry,
        right,
        strike: Decimal::new(digits, 3).normalize(),
    })
}

fn equity(text: &str) -> Result<SymbolKind, SymbolError> {
    const WHY: &str = "a stock symbol is up to 10 letters or digits, with an optional class \
                       like BRK.B";
    let (root, class) = match text.find(['.', '/']) {
        Some(at) => {
            let sep = char::from(text.as_bytes()[at]);
            let class = &text[at + 1..];
            if !(1..=2).contains(&class.len()) || !all_letters(class) {
                return Err(malformed(
                    text,
                    "a share class is one or two letters after . or /, like BRK.B",
                ));
            }
            (&text[..at], Some((sep, class.to_string())))
        }
        None => (text, None),
    };
    let ok = (1..=10).contains(&root.len())
        && root.starts_with(|c: char| c.is_ascii_uppercase())
        && root
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        return Err(malformed(text, WHY));
    }
    Ok(SymbolKind::Equity {
        root: root.to_string(),
        class,
    })
}

impl fmt::Display for SymbolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    fn canon(text: &str) -> String {
        match parse_symbol(text) {
            Ok(kind) => kind.canonical(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn equities_and_class_shares() {
        assert_eq!(canon("AAPL"), "AAPL");
        assert_eq!(canon(" aapl "), "AAPL");
        assert_eq!(canon("BRK.B"), "BRK.B");
        assert_eq!(canon("brk/b"), "BRK/B");
        assert!(matches!(
            parse_symbol("BRK.B"),
            Ok(SymbolKind::Equity { class: Some(_), .. })
        ));
        assert!(canon("BRK.").starts_with("error"));
        assert!(canon("BRK.B1").starts_with("error"));
        assert!(canon("1AB").starts_with("error"));
    }

    #[test]
    fn indexes_futures_and_forex() {
        assert_eq!(canon("$spx"), "$SPX");
        assert!(canon("$").starts_with("error"));
        assert_eq!(canon("/ES"), "/ES");
        assert_eq!(canon("/esz26"), "/ESZ26");
        assert_eq!(
            parse_symbol("/ESZ26"),
            Ok(SymbolKind::Future {
                root: "ES".to_string(),
                contract: Some(('Z', 26))
            })
        );
        assert_eq!(canon("/6E"), "/6E");
        assert!(canon("/").starts_with("error"));
        assert_eq!(canon("eur/usd"), "EUR/USD");
        assert!(matches!(
            parse_symbol("EUR/USD"),
            Ok(SymbolKind::Forex { .. })
        ));
        assert_eq!(
            canon("./ADUF23C0.55"),
            "error: futures options (./…) are not supported"
        );
    }

    #[test]
    fn osi_options_are_padded() {
        assert_eq!(canon("AAPL  270115C00200000"), "AAPL  270115C00200000");
        assert_eq!(canon("aapl 270115c00200000"), "AAPL  270115C00200000");
        assert_eq!(canon("AAPL270115C00200000"), "AAPL  270115C00200000");
        assert_eq!(canon("DJX   231215P00290500"), "DJX   231215P00290500");
        assert_eq!(
            parse_symbol("SPY   251219P00512500"),
            Ok(SymbolKind::Option {
                root: "SPY".to_string(),
                expiry: NaiveDate::from_ymd_opt(2025, 12, 19).unwrap_or_default(),
                right: Right::Put,
                strike: dec!(512.5),
            })
        );
        assert!(canon("AAPL  271315C00200000").contains("not a real date"));
        assert!(canon("AAPL  270115C00000000").contains("zero"));
        assert!(canon("AAPL  270115X00200000").starts_with("error"));
        assert!(canon("TOOLONGR 270115C00200000").starts_with("error"));
    }

    #[test]
    fn junk_gets_a_plain_message() {
        assert_eq!(
            canon(""),
            "error: type a symbol, such as AAPL, $SPX, /ES or EUR/USD"
        );
        assert_eq!(canon("   "), canon(""));
        assert_eq!(canon("*"), "error: '*' cannot be part of a symbol");
        assert_eq!(canon("🚀"), "error: '🚀' cannot be part of a symbol");
        assert_eq!(
            canon(&"A".repeat(200)),
            "error: too long: 200 characters, a symbol has at most 32"
        );
        assert!(canon("A\u{1b}[2J").contains("control character U+001B"));
        assert!(canon("AB CD").starts_with("error"));
    }

    proptest! {
        #[test]
        fn never_panics_and_canonical_forms_are_stable(text in "\\PC{0,40}") {
            if let Ok(kind) = parse_symbol(&text) {
                let again = parse_symbol(&kind.canonical());
                prop_assert_eq!(again, Ok(kind));
            }
        }

        #[test]
        fn symbol_shaped_input_never_panics(text in "[A-Za-z0-9$/. ]{0,34}") {
            let _ = parse_symbol(&text);
        }
    }
}
