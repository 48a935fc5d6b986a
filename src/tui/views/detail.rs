//! The quote detail pane: the highlighted symbol's quote fields, its 52-week range, and its
//! price chart for a day, a week, a month or a year.
//!
//! It takes the place of the table; ↑ and ↓ still move along the table, so the pane follows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::broker::model::{ChartRange, Quote, QuoteState};
use crate::format::{self, MISSING, or_missing};
use crate::tui::app::{ChartStyle, State};
use crate::tui::theme::Theme;
use crate::tui::views::chart;
use crate::tui::views::quotes::formatters;

const RANGES: [ChartRange; 4] = [
    ChartRange::Day,
    ChartRange::Week,
    ChartRange::Month,
    ChartRange::Year,
];

/// The width of the 52-week range bar, in columns.
const RANGE_BAR: usize = 24;

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let Some(symbol) = state.detail_symbol() else {
        return;
    };
    let row = state.quote(&symbol);
    let quote = match row.map(|r| &r.state) {
        Some(QuoteState::Live(q)) => Some(q.as_ref()),
        _ => None,
    };

    let [title, fields, range_line, chart_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);

    Paragraph::new(title_line(&symbol, quote, theme)).render(title, buf);
    match (quote, row.map(|r| &r.state)) {
        (Some(q), _) => render_fields(fields, buf, q, theme),
        (None, Some(QuoteState::NotFound)) => {
            Paragraph::new("Schwab does not know this symbol.").render(fields, buf);
        }
        (None, Some(QuoteState::Unavailable(reason))) => {
            Paragraph::new(format!("Quote unavailable: {reason}")).render(fields, buf);
        }
        (None, _) => Paragraph::new("Loading the quote…").render(fields, buf),
    }
    Paragraph::new(range_tabs(state, theme)).render(range_line, buf);

    let data = state.chart(&symbol, state.chart_range());
    let candles = data.map_or(&[][..], |d| d.candles.as_slice());
    let note = match data {
        None => "Loading the chart…".to_string(),
        Some(d) if d.candles.is_empty() => match &d.error {
            Some(e) => format!("No chart: {e}"),
            None if d.dropped > 0 => {
                format!("No chart: {} candles came without a usable time", d.dropped)
            }
            None => format!(
                "No price history for {symbol} ({})",
                state.chart_range().label()
            ),
        },
        Some(_) => String::new(),
    };
    chart::render(
        chart_area,
        buf,
        candles,
        state.chart_range(),
        state.chart_style(),
        &note,
        theme,
    );
}

fn title_line(symbol: &str, quote: Option<&Quote>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(symbol.to_string(), theme.totals)];
    if let Some(q) = quote {
        if !q.description.is_empty() {
            spans.push(Span::styled(" · ", theme.dim));
            spans.push(Span::raw(q.description.clone()));
        }
        if let Some(kind) = &q.kind {
            spans.push(Span::styled(" · ", theme.dim));
            spans.push(Span::styled(kind.label().to_string(), theme.dim));
        }
    }
    spans.push(Span::styled(
        "   ←→ range · c candles/line · Esc back",
        theme.dim,
    ));
    Line::from(spans)
}

fn label_value(label: &str, value: String, theme: &Theme) -> [Span<'static>; 2] {
    [
        Span::styled(format!("{label} "), theme.dim),
        Span::raw(format!("{value}   ")),
    ]
}

fn render_fields(area: Rect, buf: &mut Buffer, q: &Quote, theme: &Theme) {
    let (price, change) = formatters(q.kind.as_ref());
    let tone = |v: Option<Decimal>| match v {
        Some(v) if v.is_sign_negative() && !v.is_zero() => theme.loss,
        Some(v) if !v.is_zero() => theme.gain,
        _ => ratatui::style::Style::new(),
    };

    let mut first: Vec<Span<'static>> =
        label_value("Last", or_missing(q.last, price), theme).into();
    first.push(Span::styled(
        format!("{} ", or_missing(q.net_change, change)),
        tone(q.net_change),
    ));
    first.push(Span::styled(
        format!("{}   ", or_missing(q.net_pct, format::percent)),
        tone(q.net_pct),
    ));
    first.extend(label_value("Bid", or_missing(q.bid, price), theme));
    first.extend(label_value("Ask", or_missing(q.ask, price), theme));
    first.extend(label_value("Mark", or_missing(q.mark, price), theme));
    first.extend(label_value(
        "Volume",
        or_missing(q.volume, format::volume),
        theme,
    ));

    let mut second: Vec<Span<'static>> = Vec::new();
    for (label, value) in [
        ("Open", q.open),
        ("High", q.high),
        ("Low", q.low),
        ("Prev close", q.close),
    ] {
        second.extend(label_value(label, or_missing(value, price), theme));
    }
    if let Some(at) = q.quote_time {
        let local = at.with_timezone(&chrono::Local);
        second.extend(label_value(
            "Quoted",
            local.format("%H:%M:%S").to_string(),
            theme,
        ));
    }

    let third = range_bar(q, price, theme);
    Paragraph::new(vec![Line::from(first), Line::from(second), third]).render(area, buf);
}

/// "52-week 169.21 ─────●──── 260.10": where the last price sits in the year's range.
fn range_bar(q: &Quote, price: fn(Decimal) -> String, theme: &Theme) -> Line<'static> {
    let label = Span::styled("52-week ", theme.dim);
    let (Some(lo), Some(hi)) = (q.week52_low, q.week52_high) else {
        return Line::from(vec![label, Span::raw(MISSING)]);
    };
    let mut bar: Vec<char> = vec!['─'; RANGE_BAR];
    if let Some(last) = q.last.filter(|_| hi > lo) {
        let share = ((last - lo) / (hi - lo)).clamp(Decimal::ZERO, Decimal::ONE);
        let steps = Decimal::from(RANGE_BAR - 1);
        let at = (share * steps).round();
        let at = at.to_usize().unwrap_or(0).min(RANGE_BAR - 1);
        if let Some(slot) = bar.get_mut(at) {
            *slot = '●';
        }
    }
    Line::from(vec![
        label,
        Span::raw(format!("{} ", price(lo))),
        Span::styled(bar.into_iter().collect::<String>(), theme.axis),
        Span::raw(format!(" {}", price(hi))),
    ])
}

fn range_tabs(state: &State, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("Chart ", theme.dim)];
    for range in RANGES {
        let text = format!(" {} ", range.label());
        if range == state.chart_range() {
            spans.push(Span::styled(text, theme.selected.patch(theme.totals)));
        } else {
            spans.push(Span::styled(text, theme.dim));
        }
    }
    let style = match state.chart_style() {
        ChartStyle::Candles => "candles (hollow up, filled down)",
        ChartStyle::Line => "line of closes",
    };
    spans.push(Span::styled(format!("  {style} · volume below"), theme.dim));
    if let Some(data) = state
        .detail_symbol()
        .and_then(|s| state.chart(&s, state.chart_range()))
    {
        if data.dropped > 0 && !data.candles.is_empty() {
            spans.push(Span::styled(
                format!(" · {} candles without a time left out", data.dropped),
                theme.warn,
            ));
        }
        if let Some(error) = data.error.as_ref().filter(|_| !data.candles.is_empty()) {
            spans.push(Span::styled(
                format!(" · refresh failed: {error}"),
                theme.warn,
            ));
        }
    }
    Line::from(spans)
}
