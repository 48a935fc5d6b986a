//! The header (title and view tabs) and the status bar (connection, data age, key hints).
//!
//! The status bar always names the state in words ("live", "refreshing…", "error: …"), so it
//! reads the same with or without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::action::Feed;
use crate::tui::app::{Connection, State, View};
use crate::tui::theme::Theme;

/// The word in a title that marks demo mode, shown in the demo style wherever it appears.
const DEMO: &str = "DEMO";

/// The hint at the right end of the status bar.
const HINT: &str = "│ ? help  q quit ";

pub fn render_header(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title_spans(state.title(), theme));
    spans.push(Span::raw("  "));
    for view in View::ALL {
        let style = if view == state.view() {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(
            format!(" {} {} ", view.hotkey(), view.title()),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    Paragraph::new(Line::from(spans))
        .style(theme.header)
        .render(area, buf);
}

/// The title, with the word DEMO (any case) picked out so demo mode cannot be missed.
fn title_spans(title: &str, theme: &Theme) -> Vec<Span<'static>> {
    // ASCII upper-casing keeps byte offsets, so the index found is valid in `title`.
    let at = title.to_ascii_uppercase().find(DEMO);
    match at.and_then(|i| {
        Some((
            title.get(..i)?,
            title.get(i..i + DEMO.len())?,
            title.get(i + DEMO.len()..)?,
        ))
    }) {
        Some((before, word, after)) => vec![
            Span::styled(format!("{} ", before.trim_end()), theme.header),
            Span::styled(format!(" {word} "), theme.demo),
            Span::styled(after.to_string(), theme.header),
        ],
        None => vec![Span::styled(title.to_string(), theme.header)],
    }
}

pub fn render_status(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    buf.set_style(area, theme.status);

    let (label, style): (String, Style) = match state.connection() {
        Connection::Loading => ("loading…".to_string(), theme.status),
        Connection::Refreshing => ("refreshing…".to_string(), theme.status),
        Connection::Live => ("● live".to_string(), theme.status_live),
        Connection::Error(message) => (format!("error: {message}"), theme.status_error),
    };
    let feed = match state.view().feed() {
        Feed::Positions => "positions",
        Feed::Quotes => "quotes",
    };
    let age = state
        .visible_feed()
        .as_of
        .map(|t| format!("{feed} as of {} ", t.format("%H:%M:%S")))
        .unwrap_or_default();

    let age_width = u16::try_from(age.chars().count()).unwrap_or(u16::MAX);
    let hint_width = u16::try_from(HINT.chars().count()).unwrap_or(u16::MAX);
    let [left, middle, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(age_width.saturating_add(2)),
        Constraint::Length(hint_width),
    ])
    .areas(area);

    let status = Line::from(vec![Span::raw(" "), Span::styled(label, style)]);
    Paragraph::new(status).style(theme.status).render(left, buf);
    Paragraph::new(Line::raw(format!("│ {age}")))
        .style(theme.status)
        .render(middle, buf);
    Paragraph::new(Line::raw(HINT))
        .style(theme.status)
        .render(right, buf);
}
