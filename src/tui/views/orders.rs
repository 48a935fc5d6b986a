//! The Orders view: working orders first, then the filled, canceled and rejected ones of the
//! last days, with status, fills and times in the user's time zone; and the prompt that asks
//! before an order is canceled.
//!
//! Reads the state only. Cancel and replace are offered only where Schwab's `cancelable` and
//! `editable` say so; the order just placed is picked out until the user moves.

use chrono::{DateTime, Local, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Clear, Padding, Paragraph, StatefulWidget, TableState, Widget,
};

use crate::format::{self, MISSING, or_missing};
use crate::tui::action::Feed;
use crate::tui::app::{CancelPrompt, State, View};
use crate::tui::keymap::hints;
use crate::tui::orders::{OrderRow, Phase, Phased};
use crate::tui::theme::Theme;
use crate::tui::ticket::row_words;
use crate::tui::views::columns::{self, Column, Field, Tone};
use crate::tui::views::positions::{as_of_text, fit_line};
use crate::tui::views::window;

const COLUMNS: [Column; 11] = [
    Column::text("Status", 0),
    Column::text("Time", 0),
    Column::text("Symbol", 0),
    Column::text("Side", 1),
    Column::number("Qty", 0),
    Column::number("Filled", 2),
    Column::text("Type", 5),
    Column::number("Price", 3),
    Column::number("Fill price", 4),
    Column::text("TIF", 7),
    Column::text("Account", 6),
];

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let [info, table_area, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    Paragraph::new(info_line(state, info.width, theme)).render(info, buf);

    let orders = state.visible_orders();
    if orders.is_empty() {
        let feed = state.feed(Feed::Orders);
        let text = match (&feed.error, feed.as_of) {
            _ if !state.filter(View::Orders).is_empty() => {
                "No order matches the filter (Esc clears it).".to_string()
            }
            (Some(err), _) => format!("Orders unavailable: {err}"),
            (None, None) => "Loading orders…".to_string(),
            (None, Some(_)) => "No orders in the last days.".to_string(),
        };
        Paragraph::new(text).render(table_area, buf);
        return;
    }

    let now = state.now();
    let cursor = state.cursor();
    let page = usize::from(table_area.height.saturating_sub(1)).max(1);
    let (start, end) = window(orders.len(), cursor, page);
    let shown = orders.get(start..end).unwrap_or_default();
    let highlight = state.highlight_order();
    let rows: Vec<Vec<Field>> = shown
        .iter()
        .map(|o| order_fields(o, now, highlight == Some(o.order_id)))
        .collect();
    let all: Vec<&[Field]> = rows.iter().map(Vec::as_slice).collect();
    let widths = columns::fit(&COLUMNS, &all, table_area.width);
    let table = columns::table(&COLUMNS, &widths, &rows, None, theme);
    let selected = cursor.row.checked_sub(start).filter(|r| *r < shown.len());
    let mut table_state = TableState::new().with_selected(selected);
    StatefulWidget::render(table, table_area, buf, &mut table_state);

    if let Some(order) = orders.get(cursor.row) {
        Paragraph::new(detail_line(state, order, now, theme)).render(detail, buf);
    }
    if let Some(prompt) = state.cancel_prompt() {
        render_cancel(area, buf, state, prompt, theme);
    }
}

/// The question before a cancel, over the table: the order in words, its account, and the
/// explicit key; then, once sent, that the answer is awaited.
fn render_cancel(
    area: Rect,
    buf: &mut Buffer,
    state: &State,
    prompt: &CancelPrompt,
    theme: &Theme,
) {
    let order = &prompt.order;
    let key = |description: &str| state.first_key(description).unwrap_or("?");
    let mut lines = vec![
        Line::styled(
            format!("Cancel order #{}?", order.order_id),
            theme.popup_heading,
        ),
        Line::raw(""),
        Line::styled(row_words(order), theme.totals),
        Line::raw(format!(
            "{} · {} · filled {} of {}",
            order.account,
            order.status.to_ascii_lowercase().replace('_', " "),
            format::quantity(order.filled),
            format::quantity(order.quantity)
        )),
        Line::raw(""),
    ];
    if prompt.sending {
        lines.push(Line::raw(
            "Sending the cancel, waiting for Schwab's answer…",
        ));
    } else {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} cancels it ", key(hints::CANCEL_SEND)),
                theme.live,
            ),
            Span::raw(format!("   {} keeps it", key(hints::KEEP))),
        ]));
    }
    let (width, height) = super::box_size(area, &lines);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    let boxed = Rect::new(x, y, width, height);
    Clear.render(boxed, buf);
    Paragraph::new(lines)
        .style(theme.popup)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .padding(Padding::horizontal(1)),
        )
        .render(boxed, buf);
}

/// Counts by phase, the filter, and when the orders were fetched.
fn info_line(state: &State, width: u16, theme: &Theme) -> Line<'static> {
    let mut counts: Vec<(Phase, usize)> = Vec::new();
    for order in &state.orders {
        let phase = order.phase();
        match counts.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, n)) => *n += 1,
            None => counts.push((phase, 1)),
        }
    }
    counts.sort();
    let summary = if counts.is_empty() {
        "Orders".to_string()
    } else {
        let parts: Vec<String> = counts
            .iter()
            .map(|(p, n)| format!("{n} {}", p.label()))
            .collect();
        format!("Orders: {}", parts.join(" · "))
    };
    let mut middle = Vec::new();
    let filter = state.filter(View::Orders);
    if !filter.is_empty() {
        middle.push(Span::styled(format!("  filter: {filter}"), theme.warn));
    }
    fit_line(
        vec![Span::styled(summary, theme.totals)],
        middle,
        as_of_text(state, Feed::Orders),
        width,
        theme,
    )
}

/// A time in the user's zone: the time alone today, with the date on other days.
pub fn local_time(at: DateTime<Utc>, now: Option<DateTime<Local>>) -> String {
    let local = at.with_timezone(&Local);
    match now {
        Some(now) if now.date_naive() == local.date_naive() => local.format("%H:%M:%S").to_string(),
        _ => local.format("%b %d %H:%M").to_string(),
    }
}

fn phase_tone(phase: Phase) -> Tone {
    match phase {
        Phase::Working => Tone::Strong,
        Phase::Filled => Tone::Gain,
        Phase::Rejected => Tone::Loss,
        Phase::Canceled | Phase::Expired | Phase::Other => Tone::Dim,
    }
}

fn order_fields(o: &OrderRow, now: Option<DateTime<Local>>, new: bool) -> Vec<Field> {
    let phase = o.phase();
    // Working statuses and the odd ones (REPLACED, UNKNOWN) are shown in Schwab's words.
    let mut status = if matches!(phase, Phase::Working | Phase::Other) {
        o.status.to_ascii_lowercase().replace('_', " ")
    } else {
        phase.label().to_string()
    };
    if new {
        status = format!("★ {status}");
    }
    let when = match phase {
        Phase::Working => o.entered,
        _ => o.closed.or(o.entered),
    };
    let price = match (o.price, o.stop_price) {
        (Some(p), Some(s)) => format!("{} / stop {}", format::price(p), format::price(s)),
        (Some(p), None) => format::price(p),
        (None, Some(s)) => format!("stop {}", format::price(s)),
        (None, None) => MISSING.to_string(),
    };
    vec![
        Field::new(status, phase_tone(phase)),
        Field::plain(when.map_or_else(|| MISSING.to_string(), |t| local_time(t, now))),
        Field::plain(o.symbol.clone()),
        Field::plain(o.instruction.replace('_', " ")),
        Field::plain(format::quantity(o.quantity)),
        Field::plain(format::quantity(o.filled)),
        Field::new(o.order_type.replace('_', " "), Tone::Dim),
        Field::plain(price),
        Field::plain(or_missing(o.fill_price, format::price)),
        Field::new(o.duration.replace('_', " "), Tone::Dim),
        Field::new(o.account.clone(), Tone::Dim),
    ]
}

/// The line under the table: the order in words, its id, when it was entered and closed,
/// why it was rejected or canceled, and the keys to cancel or replace it when it can be.
fn detail_line(
    state: &State,
    o: &OrderRow,
    now: Option<DateTime<Local>>,
    theme: &Theme,
) -> Line<'static> {
    let mut parts = vec![format!(
        "{} {} {} {}",
        o.instruction.replace('_', " "),
        format::quantity(o.quantity),
        o.symbol,
        o.order_type.replace('_', " ")
    )];
    parts.push(format!("#{}", o.order_id));
    if let Some(at) = o.entered {
        parts.push(format!("entered {}", local_time(at, now)));
    }
    if !o.filled.is_zero() {
        let price = o
            .fill_price
            .map(|p| format!(" @ {}", format::price(p)))
            .unwrap_or_default();
        parts.push(format!("filled {}{price}", format::quantity(o.filled)));
    }
    if let Some(at) = o.closed {
        parts.push(format!("{} {}", o.phase().label(), local_time(at, now)));
    }
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::raw(part));
        // Why it was rejected matters more than when: it comes right after the order.
        if i == 0
            && let Some(text) = &o.status_description
        {
            spans.push(Span::styled(" · ", theme.dim));
            spans.push(Span::styled(text.clone(), theme.warn));
        }
    }
    let key = |description: &str| state.first_key(description);
    let mut actions = Vec::new();
    if o.cancelable
        && let Some(k) = key(hints::CANCEL_ASK)
    {
        actions.push(format!("{k} cancel"));
    }
    if o.editable
        && let Some(k) = key(hints::REPLACE)
    {
        actions.push(format!("{k} replace"));
    }
    if !actions.is_empty() {
        spans.push(Span::styled(" · ", theme.dim));
        spans.push(Span::styled(actions.join(" · "), theme.popup_key));
    }
    Line::from(spans)
}
