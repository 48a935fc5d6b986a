//! The Positions view's rows: which accounts, in what order, options under their underlying,
//! and the totals per account and overall.
//!
//! Pure functions of the accounts; the state and the view both call them, so the row the
//! cursor is on is the row that is drawn.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::broker::model::{Account, AssetKind, Position};

/// Which accounts the Positions view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every account, each with its subtotal, and an overall total.
    All,
    /// One account, by its index in the accounts list.
    Account(usize),
}

/// The columns the Positions view sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Symbol,
    Quantity,
    AvgPrice,
    Last,
    MarketValue,
    DayPl,
    DayPct,
    TotalPl,
    TotalPct,
    Weight,
}

impl SortKey {
    /// In the order `s` steps through them.
    pub const ALL: [SortKey; 10] = [
        SortKey::Symbol,
        SortKey::Quantity,
        SortKey::AvgPrice,
        SortKey::Last,
        SortKey::MarketValue,
        SortKey::DayPl,
        SortKey::DayPct,
        SortKey::TotalPl,
        SortKey::TotalPct,
        SortKey::Weight,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Symbol => "symbol",
            SortKey::Quantity => "quantity",
            SortKey::AvgPrice => "average price",
            SortKey::Last => "last",
            SortKey::MarketValue => "market value",
            SortKey::DayPl => "day P&L",
            SortKey::DayPct => "day %",
            SortKey::TotalPl => "total P&L",
            SortKey::TotalPct => "total %",
            SortKey::Weight => "weight",
        }
    }

    pub fn next(self) -> SortKey {
        let at = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(at + 1) % SortKey::ALL.len()]
    }
}

/// A sort column and direction. Text sorts A→Z and numbers largest first by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub reversed: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Symbol,
            reversed: false,
        }
    }
}

/// One row of the Positions table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The heading of one account when all are shown.
    Account(usize),
    /// A position; `nested` when it is an option drawn under its underlying.
    Holding {
        account: usize,
        index: usize,
        nested: bool,
    },
    /// The totals of one account.
    Subtotal(usize),
    /// The totals of every account shown.
    Total,
}

/// The rows for a scope, sort and symbol filter.
///
/// Positions are grouped by underlying (an option's underlying, or the symbol itself); groups
/// sort by their first member, and inside a group the stock comes first, then its options by
/// symbol. With every account shown, each account gets a heading and a subtotal, and the
/// whole an overall total; with one account, one total closes the table.
pub fn lines(accounts: &[Account], scope: Scope, sort: Sort, filter: &str) -> Vec<Line> {
    let shown: Vec<usize> = match scope {
        Scope::All => (0..accounts.len()).collect(),
        Scope::Account(i) if i < accounts.len() => vec![i],
        Scope::Account(_) => Vec::new(),
    };
    let filter = filter.trim().to_ascii_uppercase();
    let several = shown.len() > 1;

    let mut out = Vec::new();
    for &account_index in &shown {
        let Some(account) = accounts.get(account_index) else {
            continue;
        };
        if several {
            out.push(Line::Account(account_index));
        }
        for (index, nested) in ordered(account, sort, &filter) {
            out.push(Line::Holding {
                account: account_index,
                index,
                nested,
            });
        }
        if several {
            out.push(Line::Subtotal(account_index));
        }
    }
    if !shown.is_empty() {
        out.push(Line::Total);
    }
    out
}

/// The group a position belongs to: its underlying when it is an option, else its symbol.
fn group_of(p: &Position) -> String {
    match (&p.kind, &p.underlying) {
        (AssetKind::Option, Some(u)) if !u.is_empty() => u.to_ascii_uppercase(),
        _ => p.symbol.to_ascii_uppercase(),
    }
}

fn matches(p: &Position, filter: &str) -> bool {
    filter.is_empty()
        || p.symbol.to_ascii_uppercase().contains(filter)
        || p.underlying
            .as_deref()
            .is_some_and(|u| u.to_ascii_uppercase().contains(filter))
}

/// The positions of one account that pass the filter, grouped and sorted, as (index, nested).
fn ordered(account: &Account, sort: Sort, filter: &str) -> Vec<(usize, bool)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in account.positions.iter().enumerate() {
        if !matches(p, filter) {
            continue;
        }
        let key = group_of(p);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }

    let position = |i: usize| account.positions.get(i);
    for (_, members) in &mut groups {
        members.sort_by(|&a, &b| {
            let (Some(pa), Some(pb)) = (position(a), position(b)) else {
                return Ordering::Equal;
            };
            let option = |p: &Position| p.kind == AssetKind::Option;
            option(pa)
                .cmp(&option(pb))
                .then_with(|| pa.symbol.cmp(&pb.symbol))
        });
    }
    groups.sort_by(|(ka, a), (kb, b)| {
        let lead = |m: &[usize]| m.first().and_then(|&i| position(i));
        let order = match (lead(a), lead(b)) {
            (Some(pa), Some(pb)) => compare(pa, pb, sort.key, account),
            _ => Ordering::Equal,
        };
        let order = if sort.reversed {
            order.reverse()
        } else {
            order
        };
        order.then_with(|| ka.cmp(kb))
    });

    let mut out = Vec::new();
    for (_, members) in groups {
        let has_stock = members
            .first()
            .and_then(|&i| position(i))
            .is_some_and(|p| p.kind != AssetKind::Option);
        for (n, i) in members.into_iter().enumerate() {
            out.push((i, has_stock && n > 0));
        }
    }
    out
}

/// Text ascending, numbers descending (biggest first), a missing value last either way.
fn compare(a: &Position, b: &Position, key: SortKey, account: &Account) -> Ordering {
    let number =
        |f: fn(&Position, &Account) -> Option<Decimal>| match (f(a, account), f(b, account)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
    match key {
        SortKey::Symbol => group_of(a).cmp(&group_of(b)),
        SortKey::Quantity => number(|p, _| Some(p.quantity)),
        SortKey::AvgPrice => number(|p, _| p.average_price),
        SortKey::Last => number(|p, _| p.last),
        SortKey::MarketValue => number(|p, _| Some(p.market_value)),
        SortKey::DayPl => number(|p, _| p.day_pl),
        SortKey::DayPct => number(|p, _| day_pct(p)),
        SortKey::TotalPl => number(|p, _| p.total_pl),
        SortKey::TotalPct => number(|p, _| total_pct(p)),
        SortKey::Weight => number(weight),
    }
}

/// The day's P&L in percent: the API's figure, or the P&L over yesterday's value.
pub fn day_pct(p: &Position) -> Option<Decimal> {
    p.day_pl_pct
        .or_else(|| pct(p.day_pl?, p.market_value - p.day_pl?))
}

/// The total P&L in percent: the API's figure, or the P&L over the cost.
pub fn total_pct(p: &Position) -> Option<Decimal> {
    p.total_pl_pct
        .or_else(|| pct(p.total_pl?, p.market_value - p.total_pl?))
}

/// A position's share of its account, in percent of the account's net liquidation value
/// (or of the sum of its positions' absolute values when the API gives none).
pub fn weight(p: &Position, account: &Account) -> Option<Decimal> {
    let base = account
        .balances
        .liquidation_value
        .filter(|v| !v.is_zero())
        .unwrap_or_else(|| account.positions.iter().map(|p| p.market_value.abs()).sum());
    pct(p.market_value, base)
}

/// `part / whole` in percent; `None` when `whole` is zero.
fn pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        None
    } else {
        part.checked_mul(Decimal::ONE_HUNDRED)?
            .checked_div(whole.abs())
    }
}

/// Sums over a set of positions, for a subtotal or total row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub market_value: Decimal,
    pub day_pl: Option<Decimal>,
    pub total_pl: Option<Decimal>,
    pub cash: Option<Decimal>,
    pub buying_power: Option<Decimal>,
    pub day_trading_buying_power: Option<Decimal>,
    pub liquidation_value: Option<Decimal>,
}

impl Totals {
    /// The totals of some accounts: P&L over the positions that report it, balances summed
    /// over the accounts that report them.
    pub fn of<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> Totals {
        let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
            (Some(x), Some(y)) => Some(x + y),
            (x, None) => x,
            (None, y) => y,
        };
        let mut t = Totals::default();
        for account in accounts {
            for p in &account.positions {
                t.market_value += p.market_value;
                t.day_pl = add(t.day_pl, p.day_pl);
                t.total_pl = add(t.total_pl, p.total_pl);
            }
            let b = &account.balances;
            t.cash = add(t.cash, b.cash);
            t.buying_power = add(t.buying_power, b.buying_power);
            t.day_trading_buying_power =
                add(t.day_trading_buying_power, b.day_trading_buying_power);
            t.liquidation_value = add(t.liquidation_value, b.liquidation_value);
        }
        t
    }

    pub fn day_pct(&self) -> Option<Decimal> {
        pct(self.day_pl?, self.market_value - self.day_pl?)
    }

    pub fn total_pct(&self) -> Option<Decimal> {
        pct(self.total_pl?, self.market_value - self.total_pl?)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::broker::model::{AccountKey, Balances};

    fn position(symbol: &str, kind: AssetKind, underlying: Option<&str>, mv: Decimal) -> Position {
        Position {
            symbol: symbol.to_string(),
            description: String::new(),
            kind,
            underlying: underlying.map(str::to_string),
            quantity: Decimal::ONE,
            average_price: None,
            last: None,
            market_value: mv,
            day_pl: Some(dec!(1)),
            day_pl_pct: None,
            total_pl: None,
            total_pl_pct: None,
        }
    }

    fn account(positions: Vec<Position>) -> Account {
        Account {
            key: AccountKey::new("k"),
            label: "…1234".to_string(),
            kind: "MARGIN".to_string(),
            balances: Balances::default(),
            positions,
        }
    }

    fn symbols(accounts: &[Account], lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| match l {
                Line::Holding {
                    account,
                    index,
                    nested,
                } => {
                    let p = &accounts[*account].positions[*index];
                    format!("{}{}", if *nested { "  " } else { "" }, p.symbol)
                }
                Line::Account(i) => format!("#{i}"),
                Line::Subtotal(i) => format!("={i}"),
                Line::Total => "=".to_string(),
            })
            .collect()
    }

    #[test]
    fn options_sit_under_their_underlying_whatever_the_sort() {
        let accounts = vec![account(vec![
            position("MSFT", AssetKind::Equity, None, dec!(50)),
            position(
                "AAPL  270115C00200000",
                AssetKind::Option,
                Some("AAPL"),
                dec!(900),
            ),
            position("AAPL", AssetKind::Equity, None, dec!(100)),
            position(
                "NVDA  270115P00100000",
                AssetKind::Option,
                Some("NVDA"),
                dec!(10),
            ),
        ])];
        let by_symbol = lines(&accounts, Scope::All, Sort::default(), "");
        assert_eq!(
            symbols(&accounts, &by_symbol),
            [
                "AAPL",
                "  AAPL  270115C00200000",
                "MSFT",
                "NVDA  270115P00100000",
                "="
            ]
        );
        let by_value = Sort {
            key: SortKey::MarketValue,
            reversed: false,
        };
        assert_eq!(
            symbols(&accounts, &lines(&accounts, Scope::All, by_value, "")),
            [
                "AAPL",
                "  AAPL  270115C00200000",
                "MSFT",
                "NVDA  270115P00100000",
                "="
            ]
        );
        let smallest_first = Sort {
            reversed: true,
            ..by_value
        };
        assert_eq!(
            symbols(&accounts, &lines(&accounts, Scope::All, smallest_first, ""))[0],
            "NVDA  270115P00100000"
        );
        assert_eq!(
            symbols(
                &accounts,
                &lines(&accounts, Scope::All, Sort::default(), "aap")
            ),
            ["AAPL", "  AAPL  270115C00200000", "="]
        );
    }

    #[test]
    fn all_accounts_get_headings_and_subtotals() {
        let accounts = vec![
            account(vec![position("AAPL", AssetKind::Equity, None, dec!(1))]),
            account(vec![position("VTI", AssetKind::Etf, None, dec!(2))]),
        ];
        let all = lines(&accounts, Scope::All, Sort::default(), "");
        assert_eq!(
            symbols(&accounts, &all),
            ["#0", "AAPL", "=0", "#1", "VTI", "=1", "="]
        );
        let one = lines(&accounts, Scope::Account(1), Sort::default(), "");
        assert_eq!(symbols(&accounts, &one), ["VTI", "="]);
        let totals = Totals::of(&accounts);
        assert_eq!(totals.market_value, dec!(3));
        assert_eq!(totals.day_pl, Some(dec!(2)));
        assert_eq!(totals.day_pct(), Some(dec!(200)));
    }
}
