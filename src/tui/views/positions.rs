//! The Positions view: the account selector, the holdings table with totals, the balances.
//!
//! Reads the state only. Accounts are named by label, never by number.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, TableState, Widget};
use rust_decimal::Decimal;

use crate::broker::model::{Account, Balances, Position};
use crate::format::{self, or_missing};
use crate::tui::action::Feed;
use crate::tui::app::State;
use crate::tui::theme::Theme;
use crate::tui::views::columns::{self, Column, Field, Tone};

/// The columns, most important first in priority (0 never goes). At 80 columns the type,
/// description and average price give way first.
const COLUMNS: [Column; 9] = [
    Column::text("Symbol", 0),
    Column::text("Type", 7),
    Column::flexible("Description", 6, 12),
    Column::number("Qty", 0),
    Column::number("Avg price", 5),
    Column::number("Last", 3),
    Column::number("Mkt value", 1),
    Column::number("Day P&L", 4),
    Column::number("Total P&L", 2),
];

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let Some(account) = state.selected_account() else {
        let feed = state.feed(Feed::Positions);
        let text = match (&feed.error, feed.as_of) {
            (Some(err), _) => format!("Could not load accounts: {err}"),
            (None, None) => "Loading accounts…".to_string(),
            (None, Some(_)) => "No accounts to show.".to_string(),
        };
        Paragraph::new(text).render(area, buf);
        return;
    };

    let rows: Vec<Vec<Field>> = account.positions.iter().map(position_fields).collect();
    let footer = totals_fields(&account.positions);
    let table_height = u16::try_from(rows.len().max(1) + 2).unwrap_or(u16::MAX);
    let [selector, table_area, balances] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Max(table_height),
        Constraint::Length(1),
    ])
    .areas(area);

    Paragraph::new(selector_line(state, account, selector.width, theme)).render(selector, buf);

    if rows.is_empty() {
        Paragraph::new("No positions in this account.").render(table_area, buf);
    } else {
        let mut all: Vec<&[Field]> = rows.iter().map(Vec::as_slice).collect();
        all.push(&footer);
        let widths = columns::fit(&COLUMNS, &all, table_area.width);
        let table = columns::table(&COLUMNS, &widths, &rows, Some(&footer), theme);
        let cursor = state.cursor();
        let mut table_state = TableState::new()
            .with_offset(cursor.offset)
            .with_selected(Some(cursor.row));
        StatefulWidget::render(table, table_area, buf, &mut table_state);
    }

    Paragraph::new(balances_line(&account.balances, balances.width, theme)).render(balances, buf);
}

fn position_fields(p: &Position) -> Vec<Field> {
    vec![
        Field::plain(p.symbol.clone()),
        Field::new(p.kind.label(), Tone::Dim),
        Field::plain(p.description.clone()),
        Field::plain(format::quantity(p.quantity)),
        Field::plain(or_missing(p.average_price, format::price)),
        Field::plain(or_missing(p.last, format::price)),
        Field::plain(format::money(p.market_value)),
        Field::new(or_missing(p.day_pl, format::pl), Tone::of(p.day_pl)),
        Field::new(or_missing(p.total_pl, format::pl), Tone::of(p.total_pl)),
    ]
}

/// The totals row: market value and P&L summed over the positions that report them.
fn totals_fields(positions: &[Position]) -> Vec<Field> {
    let value: Decimal = positions.iter().map(|p| p.market_value).sum();
    let day = sum_known(positions.iter().map(|p| p.day_pl));
    let total = sum_known(positions.iter().map(|p| p.total_pl));
    let strong = |text: String| Field::new(text, Tone::Strong);
    vec![
        strong("Total".to_string()),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        strong(format::money(value)),
        Field::new(or_missing(day, format::pl), Tone::of(day)),
        Field::new(or_missing(total, format::pl), Tone::of(total)),
    ]
}

fn sum_known(values: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    values.flatten().reduce(|a, b| a + b)
}

/// Every account by label with the selected one reversed, or "Account 2 of 5: …" when the
/// list does not fit.
fn selector_line(state: &State, account: &Account, width: u16, theme: &Theme) -> Line<'static> {
    let count = state.accounts().len();
    let kind = if account.kind.is_empty() {
        String::new()
    } else {
        format!(" ({})", account.kind)
    };
    if count < 2 {
        return Line::from(vec![
            Span::raw("Account: "),
            Span::styled(account.label.clone(), theme.totals),
            Span::raw(kind),
        ]);
    }

    let mut spans = vec![Span::raw("Accounts: ")];
    for (i, other) in state.accounts().iter().enumerate() {
        if i == state.account_index() {
            let label = format!(" {}{kind} ", other.label);
            spans.push(Span::styled(label, theme.selected.patch(theme.totals)));
        } else {
            spans.push(Span::styled(format!(" {} ", other.label), theme.dim));
        }
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(" [ ] switch", theme.dim));
    let line = Line::from(spans);
    if line.width() <= usize::from(width) {
        return line;
    }

    Line::from(vec![
        Span::raw(format!(
            "Account {} of {count}: ",
            state.account_index() + 1
        )),
        Span::styled(account.label.clone(), theme.selected.patch(theme.totals)),
        Span::raw(kind),
        Span::styled("  [ ] switch", theme.dim),
    ])
}

/// Cash, buying power, day-trading buying power and net liquidation value, as many as fit.
fn balances_line(balances: &Balances, width: u16, theme: &Theme) -> Line<'static> {
    let items = [
        ("Cash", balances.cash),
        ("Buying power", balances.buying_power),
        ("Day-trading BP", balances.day_trading_buying_power),
        ("Net liq", balances.liquidation_value),
    ];
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for (label, value) in items {
        let Some(value) = value else { continue };
        let gap = if spans.is_empty() { "" } else { "   " };
        let text = format::money(value);
        let piece = gap.chars().count() + label.chars().count() + 1 + text.chars().count();
        if used + piece > usize::from(width) {
            break;
        }
        used += piece;
        spans.push(Span::raw(gap));
        spans.push(Span::styled(format!("{label} "), theme.dim));
        spans.push(Span::styled(text, theme.totals));
    }
    Line::from(spans)
}
