//! The Quotes view: the watchlist tabs, the active watchlist's table and a detail line for
//! the highlighted symbol.
//!
//! Every watchlist row is drawn, whatever came back: a symbol the API does not know says
//! "not found", one it could not answer says "unavailable", and an index shows no bid or ask.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget, TableState, Widget};
use rust_decimal::Decimal;

use crate::broker::model::{AssetKind, Quote, QuoteRow, QuoteState};
use crate::format::{self, MISSING, or_missing};
use crate::tui::action::Feed;
use crate::tui::app::{State, View};
use crate::tui::theme::Theme;
use crate::tui::views::columns::{self, Column, Field, Tone};
use crate::tui::views::positions::{as_of_text, fit_line};
use crate::tui::views::window;

/// What a row says when the API does not know its symbol.
pub const NOT_FOUND: &str = "not found";
/// What a row says when its quote could not be read.
pub const UNAVAILABLE: &str = "unavailable";
/// What a row says before its first answer.
pub const WAITING: &str = "…";

/// Last price, change and percent stay longest; the description goes first.
const COLUMNS: [Column; 8] = [
    Column::text("Symbol", 0),
    Column::flexible("Description", 6, 12),
    Column::number("Bid", 3),
    Column::number("Ask", 3),
    Column::number("Last", 0),
    Column::number("Change", 1),
    Column::number("% Chg", 2),
    Column::number("Volume", 4),
];

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let [info, table_area, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    Paragraph::new(info_line(state, info.width, theme)).render(info, buf);

    let symbols = state.visible_symbols();
    if symbols.is_empty() {
        let name = state
            .watchlists()
            .get(state.active_watchlist())
            .map_or("", |l| l.name.as_str());
        let feed = state.feed(Feed::Quotes);
        let text = if !state.filter(View::Quotes).is_empty() {
            "No symbol matches the filter (Esc clears it).".to_string()
        } else if state.watchlist().is_empty() {
            format!("The watchlist {name} is empty: press a to add a symbol.")
        } else if let Some(err) = &feed.error {
            format!("Could not load quotes: {err}")
        } else {
            "Loading quotes…".to_string()
        };
        Paragraph::new(text).render(table_area, buf);
        return;
    }

    let cursor = state.cursor();
    let page = usize::from(table_area.height.saturating_sub(1)).max(1);
    let (start, end) = window(symbols.len(), cursor, page);
    let shown = symbols.get(start..end).unwrap_or_default();
    let fields: Vec<Vec<Field>> = shown
        .iter()
        .map(|s| row_fields(s, state.quote(s)))
        .collect();
    let all: Vec<&[Field]> = fields.iter().map(Vec::as_slice).collect();
    let widths = columns::fit(&COLUMNS, &all, table_area.width);
    let table = columns::table(&COLUMNS, &widths, &fields, None, theme);
    let selected = cursor.row.checked_sub(start).filter(|r| *r < shown.len());
    let mut table_state = TableState::new().with_selected(selected);
    StatefulWidget::render(table, table_area, buf, &mut table_state);

    if let Some(symbol) = symbols.get(cursor.row) {
        Paragraph::new(detail_line(symbol, state.quote(symbol), theme)).render(detail, buf);
    }
}

/// The watchlist tabs, the active one reversed, the filter, and when the quotes were fetched.
fn info_line(state: &State, width: u16, theme: &Theme) -> Line<'static> {
    let mut left = Vec::new();
    for (i, list) in state.watchlists().iter().enumerate() {
        let text = format!(" {} ({}) ", list.name, list.symbols.len());
        if i == state.active_watchlist() {
            left.push(Span::styled(text, theme.selected.patch(theme.totals)));
        } else {
            left.push(Span::styled(text, theme.dim));
        }
        left.push(Span::raw(" "));
    }
    let mut middle = Vec::new();
    let filter = state.filter(View::Quotes);
    if !filter.is_empty() {
        middle.push(Span::styled(format!(" filter: {filter}"), theme.warn));
    }
    if state.watchlists().len() > 1 {
        middle.push(Span::styled("  w/W switch", theme.dim));
    }
    middle.push(Span::styled("  a add · d delete · Enter chart", theme.dim));
    fit_line(left, middle, as_of_text(state, Feed::Quotes), width, theme)
}

fn blank_row(symbol: Field, note: Field, last: Field) -> Vec<Field> {
    vec![
        symbol,
        note,
        Field::empty(),
        Field::empty(),
        last,
        Field::empty(),
        Field::empty(),
        Field::empty(),
    ]
}

pub fn row_fields(symbol: &str, row: Option<&QuoteRow>) -> Vec<Field> {
    let name = Field::plain(symbol.to_string());
    match row.map(|r| &r.state) {
        Some(QuoteState::Live(quote)) => live_fields(name, quote),
        Some(QuoteState::NotFound) => blank_row(
            name,
            Field::new("symbol not known to the API", Tone::Dim),
            Field::new(NOT_FOUND, Tone::Warn),
        ),
        Some(QuoteState::Unavailable(reason)) => blank_row(
            name,
            Field::new(reason.clone(), Tone::Dim),
            Field::new(UNAVAILABLE, Tone::Warn),
        ),
        None => blank_row(name, Field::empty(), Field::new(WAITING, Tone::Dim)),
    }
}

fn live_fields(symbol: Field, q: &Quote) -> Vec<Field> {
    let (price, change) = formatters(q.kind.as_ref());
    // An index has no market makers: whatever bid or ask the API sends for one is not a quote.
    let is_index = q.kind == Some(AssetKind::Index);
    let side = |value| {
        if is_index {
            MISSING.to_string()
        } else {
            or_missing(value, price)
        }
    };
    vec![
        symbol,
        Field::plain(q.description.clone()),
        Field::plain(side(q.bid)),
        Field::plain(side(q.ask)),
        Field::plain(or_missing(q.last, price)),
        Field::new(or_missing(q.net_change, change), Tone::of(q.net_change)),
        Field::new(or_missing(q.net_pct, format::percent), Tone::of(q.net_pct)),
        Field::plain(or_missing(q.volume, format::volume)),
    ]
}

/// One of the [`format`] functions.
pub type Formatter = fn(Decimal) -> String;

/// How a quote's prices and changes are written: exchange rates move in pips (the fourth
/// decimal), so cents would hide every move.
pub fn formatters(kind: Option<&AssetKind>) -> (Formatter, Formatter) {
    match kind {
        Some(AssetKind::Forex) => (format::rate, format::rate_change),
        _ => (format::price, format::change),
    }
}

/// The line under the table: what the highlighted row is, and the fields the table omits.
fn detail_line(symbol: &str, row: Option<&QuoteRow>, theme: &Theme) -> Line<'static> {
    let name = Span::styled(symbol.to_string(), theme.totals);
    match row.map(|r| &r.state) {
        None => Line::from(vec![name, Span::raw(": waiting for the first quote")]),
        Some(QuoteState::NotFound) => Line::from(vec![name, Span::raw(format!(": {NOT_FOUND}"))]),
        Some(QuoteState::Unavailable(reason)) => {
            Line::from(vec![name, Span::raw(format!(": {UNAVAILABLE} ({reason})"))])
        }
        Some(QuoteState::Live(q)) => {
            let (price, _) = formatters(q.kind.as_ref());
            let mut parts: Vec<String> = Vec::new();
            if !q.description.is_empty() {
                parts.push(q.description.clone());
            }
            if let Some(kind) = &q.kind {
                parts.push(kind.label().to_string());
            }
            let range = [
                ("O", q.open),
                ("H", q.high),
                ("L", q.low),
                ("prev", q.close),
            ]
            .into_iter()
            .filter_map(|(name, v)| v.map(|v| format!("{name} {}", price(v))))
            .collect::<Vec<_>>();
            if !range.is_empty() {
                parts.push(range.join(" "));
            }
            if let (Some(lo), Some(hi)) = (q.week52_low, q.week52_high) {
                parts.push(format!("52w {}–{}", price(lo), price(hi)));
            }
            if let Some(mark) = q.mark {
                parts.push(format!("mark {}", price(mark)));
            }
            let mut spans = vec![name];
            for part in parts {
                spans.push(Span::styled(" · ", theme.dim));
                spans.push(Span::raw(part));
            }
            Line::from(spans)
        }
    }
}
