//! The Quotes view: the watchlist table and a detail line for the highlighted symbol.
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
use crate::tui::app::State;
use crate::tui::theme::Theme;
use crate::tui::views::columns::{self, Column, Field, Tone};

/// What a row says when the API does not know its symbol.
pub const NOT_FOUND: &str = "not found";
/// What a row says when its quote could not be read.
pub const UNAVAILABLE: &str = "unavailable";

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
    let rows = state.quotes();
    if rows.is_empty() {
        let feed = state.feed(Feed::Quotes);
        let text = if state.watchlist().is_empty() {
            "The watchlist is empty: add symbols to `watchlist` in the config file.".to_string()
        } else {
            match (&feed.error, feed.as_of) {
                (Some(err), _) => format!("Could not load quotes: {err}"),
                (None, None) => "Loading quotes…".to_string(),
                (None, Some(_)) => "No quotes came back.".to_string(),
            }
        };
        Paragraph::new(text).render(area, buf);
        return;
    }

    let fields: Vec<Vec<Field>> = rows.iter().map(row_fields).collect();
    let table_height = u16::try_from(fields.len() + 1).unwrap_or(u16::MAX);
    let [table_area, detail] =
        Layout::vertical([Constraint::Max(table_height), Constraint::Length(1)]).areas(area);

    let all: Vec<&[Field]> = fields.iter().map(Vec::as_slice).collect();
    let widths = columns::fit(&COLUMNS, &all, table_area.width);
    let table = columns::table(&COLUMNS, &widths, &fields, None, theme);
    let cursor = state.cursor();
    let mut table_state = TableState::new()
        .with_offset(cursor.offset)
        .with_selected(Some(cursor.row));
    StatefulWidget::render(table, table_area, buf, &mut table_state);

    if let Some(row) = rows.get(state.selected_row()) {
        Paragraph::new(detail_line(row, theme)).render(detail, buf);
    }
}

fn row_fields(row: &QuoteRow) -> Vec<Field> {
    let symbol = Field::plain(row.symbol.clone());
    match &row.state {
        QuoteState::Live(quote) => live_fields(symbol, quote),
        QuoteState::NotFound => vec![
            symbol,
            Field::new("symbol not known to the API", Tone::Dim),
            Field::empty(),
            Field::empty(),
            Field::new(NOT_FOUND, Tone::Warn),
            Field::empty(),
            Field::empty(),
            Field::empty(),
        ],
        QuoteState::Unavailable(reason) => vec![
            symbol,
            Field::new(reason.clone(), Tone::Dim),
            Field::empty(),
            Field::empty(),
            Field::new(UNAVAILABLE, Tone::Warn),
            Field::empty(),
            Field::empty(),
            Field::empty(),
        ],
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
type Formatter = fn(Decimal) -> String;

/// How a quote's prices and changes are written: exchange rates move in pips (the fourth
/// decimal), so cents would hide every move.
fn formatters(kind: Option<&AssetKind>) -> (Formatter, Formatter) {
    match kind {
        Some(AssetKind::Forex) => (format::rate, format::rate_change),
        _ => (format::price, format::change),
    }
}

/// The line under the table: what the highlighted row is, and the fields the table omits.
fn detail_line(row: &QuoteRow, theme: &Theme) -> Line<'static> {
    let symbol = Span::styled(row.symbol.clone(), theme.totals);
    match &row.state {
        QuoteState::NotFound => Line::from(vec![symbol, Span::raw(format!(": {NOT_FOUND}"))]),
        QuoteState::Unavailable(reason) => Line::from(vec![
            symbol,
            Span::raw(format!(": {UNAVAILABLE} ({reason})")),
        ]),
        QuoteState::Live(q) => {
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
            let mut spans = vec![symbol];
            for part in parts {
                spans.push(Span::styled(" · ", theme.dim));
                spans.push(Span::raw(part));
            }
            Line::from(spans)
        }
    }
}
