//! The Positions view: the account selector, holdings grouped by account and underlying with
//! totals, and the balances.
//!
//! Reads the state only. Accounts are named by label (nickname or last four digits), never
//! by number.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line as Text, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, TableState, Widget};

use crate::broker::model::{Account, Position};
use crate::format::{self, or_missing};
use crate::tui::action::Feed;
use crate::tui::app::{State, View};
use crate::tui::holdings::{self, Line, Scope, SortKey, Totals};
use crate::tui::theme::Theme;
use crate::tui::views::columns::{self, Column, Field, Tone};
use crate::tui::views::window;

/// The columns. Priority 0 never goes; among the rest the highest number goes first, so at
/// 80 columns the type, description, average price, weight and percentages give way.
const COLUMNS: [Column; 12] = [
    Column::text("Symbol", 0),
    Column::text("Type", 11),
    Column::flexible("Description", 10, 12),
    Column::number("Qty", 0),
    Column::number("Avg price", 9),
    Column::number("Last", 4),
    Column::number("Mkt value", 1),
    Column::number("Day P&L", 3),
    Column::number("Day %", 6),
    Column::number("Total P&L", 2),
    Column::number("Total %", 7),
    Column::number("Weight", 8),
];

/// Which column each sort key sorts.
fn sort_column(key: SortKey) -> usize {
    match key {
        SortKey::Symbol => 0,
        SortKey::Quantity => 3,
        SortKey::AvgPrice => 4,
        SortKey::Last => 5,
        SortKey::MarketValue => 6,
        SortKey::DayPl => 7,
        SortKey::DayPct => 8,
        SortKey::TotalPl => 9,
        SortKey::TotalPct => 10,
        SortKey::Weight => 11,
    }
}

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let [info, table_area, balances] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);

    if state.accounts().is_empty() {
        let feed = state.feed(Feed::Positions);
        let text = match (&feed.error, feed.as_of) {
            (Some(err), _) => format!("Could not load accounts: {err}"),
            (None, None) => "Loading accounts…".to_string(),
            (None, Some(_)) => "No accounts to show.".to_string(),
        };
        Paragraph::new(text).render(info, buf);
        return;
    }

    Paragraph::new(info_line(state, info.width, theme)).render(info, buf);
    let lines = state.position_lines();
    if !lines.iter().any(|l| matches!(l, Line::Holding { .. })) {
        let text = if state.filter(View::Positions).is_empty() {
            "No positions."
        } else {
            "No position matches the filter (Esc clears it)."
        };
        Paragraph::new(text).render(table_area, buf);
    } else {
        render_table(table_area, buf, state, &lines, theme);
    }
    Paragraph::new(balances_line(state, balances.width, theme)).render(balances, buf);
}

fn render_table(area: Rect, buf: &mut Buffer, state: &State, lines: &[Line], theme: &Theme) {
    let cursor = state.cursor();
    let page = usize::from(area.height.saturating_sub(1)).max(1);
    let (start, end) = window(lines.len(), cursor, page);
    let shown = lines.get(start..end).unwrap_or_default();
    let rows: Vec<Vec<Field>> = shown.iter().map(|l| line_fields(state, *l)).collect();

    let mut columns = COLUMNS.to_vec();
    let sorted = sort_column(state.sort().key);
    if let Some(column) = columns.get_mut(sorted) {
        // Text sorts A→Z and numbers biggest first, unless reversed.
        let ascending = (state.sort().key == SortKey::Symbol) != state.sort().reversed;
        let arrow = if ascending { "▲" } else { "▼" };
        column.title = Cow::Owned(format!("{} {arrow}", column.title));
        column.priority = 0;
    }
    let measured: Vec<&[Field]> = rows
        .iter()
        .zip(shown)
        .filter(|(_, l)| !matches!(l, Line::Account(_)))
        .map(|(r, _)| r.as_slice())
        .collect();
    let widths = columns::fit(&columns, &measured, area.width);
    let table = columns::table(&columns, &widths, &rows, None, theme);
    let selected = cursor.row.checked_sub(start).filter(|r| *r < shown.len());
    let mut table_state = TableState::new().with_selected(selected);
    StatefulWidget::render(table, area, buf, &mut table_state);

    // Account headings span the whole row, which table cells cannot: draw them over it.
    for (i, line) in shown.iter().enumerate() {
        let Line::Account(index) = line else { continue };
        let Some(account) = state.accounts().get(*index) else {
            continue;
        };
        let y = area.y + 1 + u16::try_from(i).unwrap_or(u16::MAX);
        if y >= area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 1);
        let mut style = theme.heading;
        if selected == Some(i) {
            style = style.patch(theme.selected);
        }
        buf.set_style(row, style);
        Paragraph::new(heading(account, theme))
            .style(style)
            .render(row, buf);
    }
}

/// An account heading: its label and kind, then its cash and buying powers.
fn heading(account: &Account, theme: &Theme) -> Text<'static> {
    let mut spans = vec![Span::raw(account.label.clone())];
    if !account.kind.is_empty() {
        spans.push(Span::raw(format!(" ({})", account.kind)));
    }
    let b = &account.balances;
    for (label, value) in [
        ("cash", b.cash),
        ("BP", b.buying_power),
        ("DTBP", b.day_trading_buying_power),
    ] {
        if let Some(value) = value {
            spans.push(Span::styled(format!(" · {label} "), theme.dim));
            spans.push(Span::raw(format::money(value)));
        }
    }
    Text::from(spans)
}

fn line_fields(state: &State, line: Line) -> Vec<Field> {
    match line {
        Line::Holding {
            account,
            index,
            nested,
        } => state
            .accounts()
            .get(account)
            .and_then(|a| {
                a.positions
                    .get(index)
                    .map(|p| position_fields(p, a, nested))
            })
            .unwrap_or_default(),
        Line::Account(_) => vec![Field::empty(); COLUMNS.len()],
        Line::Subtotal(account) => {
            let accounts = state.accounts().get(account).into_iter();
            totals_fields("Total", &Totals::of(accounts))
        }
        Line::Total => {
            let label = if state.scope() == Scope::All && state.accounts().len() > 1 {
                "Overall"
            } else {
                "Total"
            };
            let shown: Vec<&Account> = match state.scope() {
                Scope::All => state.accounts().iter().collect(),
                Scope::Account(i) => state.accounts().get(i).into_iter().collect(),
            };
            totals_fields(label, &Totals::of(shown))
        }
    }
}

fn position_fields(p: &Position, account: &Account, nested: bool) -> Vec<Field> {
    let symbol = if nested {
        format!("└ {}", p.symbol)
    } else {
        p.symbol.clone()
    };
    let day_pct = holdings::day_pct(p);
    let total_pct = holdings::total_pct(p);
    vec![
        Field::plain(symbol),
        Field::new(p.kind.label(), Tone::Dim),
        Field::plain(p.description.clone()),
        Field::plain(format::quantity(p.quantity)),
        Field::plain(or_missing(p.average_price, format::price)),
        Field::plain(or_missing(p.last, format::price)),
        Field::plain(format::money(p.market_value)),
        Field::new(or_missing(p.day_pl, format::pl), Tone::of(p.day_pl)),
        Field::new(or_missing(day_pct, format::percent), Tone::of(day_pct)),
        Field::new(or_missing(p.total_pl, format::pl), Tone::of(p.total_pl)),
        Field::new(or_missing(total_pct, format::percent), Tone::of(total_pct)),
        Field::plain(or_missing(holdings::weight(p, account), weight)),
    ]
}

fn weight(value: rust_decimal::Decimal) -> String {
    format!("{}%", format::money(value))
}

/// A totals row: market value and P&L summed over the positions that report them.
fn totals_fields(label: &str, t: &Totals) -> Vec<Field> {
    let strong = |text: String| Field::new(text, Tone::Strong);
    let day_pct = t.day_pct();
    let total_pct = t.total_pct();
    vec![
        strong(label.to_string()),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        Field::empty(),
        strong(format::money(t.market_value)),
        Field::new(or_missing(t.day_pl, format::pl), Tone::of(t.day_pl)),
        Field::new(or_missing(day_pct, format::percent), Tone::of(day_pct)),
        Field::new(or_missing(t.total_pl, format::pl), Tone::of(t.total_pl)),
        Field::new(or_missing(total_pct, format::percent), Tone::of(total_pct)),
        Field::empty(),
    ]
}

/// The scope chips ("All", then each account, the shown one reversed), the sort and filter,
/// and on the right the time the data was fetched.
fn info_line(state: &State, width: u16, theme: &Theme) -> Text<'static> {
    let chip = |text: String, on: bool| {
        if on {
            Span::styled(format!(" {text} "), theme.selected.patch(theme.totals))
        } else {
            Span::styled(format!(" {text} "), theme.dim)
        }
    };
    let accounts = state.accounts();
    let mut spans = Vec::new();
    if accounts.len() > 1 {
        spans.push(chip("All".to_string(), state.scope() == Scope::All));
    }
    for (i, account) in accounts.iter().enumerate() {
        let on = state.scope() == Scope::Account(i) || accounts.len() == 1;
        let label = if on && !account.kind.is_empty() {
            format!("{} ({})", account.label, account.kind)
        } else {
            account.label.clone()
        };
        spans.push(chip(label, on));
    }

    let sort = state.sort();
    let mut tail = vec![Span::styled(
        format!(
            "  sort: {}{}",
            sort.key.label(),
            if sort.reversed { " (reversed)" } else { "" }
        ),
        theme.dim,
    )];
    let filter = state.filter(View::Positions);
    if !filter.is_empty() {
        tail.push(Span::styled(format!("  filter: {filter}"), theme.warn));
    }
    let as_of = as_of_text(state, Feed::Positions);
    fit_line(spans, tail, as_of, width, theme)
}

/// "as of 14:02:03", with "(cached)" while the data came from the cache.
pub fn as_of_text(state: &State, feed: Feed) -> String {
    let current = state.feed(feed);
    match current.as_of {
        Some(at) if current.cached => format!("as of {} (cached)", at.format("%H:%M:%S")),
        Some(at) => format!("as of {}", at.format("%H:%M:%S")),
        None => String::new(),
    }
}

/// Left pieces, then optional middle pieces while they fit, then `right` flush right; when
/// the left pieces alone are too wide they are cut by the paragraph.
pub fn fit_line(
    left: Vec<Span<'static>>,
    middle: Vec<Span<'static>>,
    right: String,
    width: u16,
    theme: &Theme,
) -> Text<'static> {
    let width = usize::from(width);
    let right_width = Span::raw(right.as_str()).width();
    let mut used: usize = left.iter().map(Span::width).sum();
    let mut spans = left;
    for span in middle {
        if used + span.width() + right_width + 1 > width {
            break;
        }
        used += span.width();
        spans.push(span);
    }
    if !right.is_empty() && used + right_width < width {
        spans.push(Span::raw(" ".repeat(width - used - right_width)));
        spans.push(Span::styled(right, theme.dim));
    }
    Text::from(spans)
}

/// Cash, buying power, day-trading buying power and net liquidation value of what is shown,
/// as many as fit.
fn balances_line(state: &State, width: u16, theme: &Theme) -> Text<'static> {
    let shown: Vec<&Account> = match state.scope() {
        Scope::All => state.accounts().iter().collect(),
        Scope::Account(i) => state.accounts().get(i).into_iter().collect(),
    };
    let t = Totals::of(shown.iter().copied());
    let items = [
        ("Cash", t.cash),
        ("Buying power", t.buying_power),
        ("Day-trading BP", t.day_trading_buying_power),
        ("Net liq", t.liquidation_value),
    ];
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    if shown.len() > 1 {
        let lead = "All accounts: ";
        used += lead.chars().count();
        spans.push(Span::styled(lead, theme.dim));
    }
    let mut first = true;
    for (label, value) in items {
        let Some(value) = value else { continue };
        let gap = if std::mem::take(&mut first) {
            ""
        } else {
            "   "
        };
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
    Text::from(spans)
}
