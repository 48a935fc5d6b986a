//! The header (title and view tabs) and the status bar: connection, data age, market session,
//! re-login countdown, the last error or a notice, and key hints; or the focused text field.
//!
//! The status bar always names the state in words ("live", "offline since 14:02", "login
//! required"), so it reads the same with or without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::format;
use crate::tui::action::Feed;
use crate::tui::app::{Connection, InputField, State, View};
use crate::tui::theme::Theme;

/// The word in a title that marks demo mode, shown in the demo style wherever it appears.
const DEMO: &str = "DEMO";

/// Under this much time left the re-login countdown is a warning.
const RELOGIN_WARN_HOURS: i64 = 24;

/// How many characters of the last error the status bar gives it.
const ERROR_WORDS: usize = 48;

/// The key shown in a view's tab: the first key bound to its command, from the help.
fn tab_key(state: &State, view: View) -> String {
    let description = match view {
        View::Positions => "Positions view",
        View::Quotes => "Quotes view",
        View::Orders => "Orders view",
        View::Trade => "Order ticket",
    };
    state.first_key(description).unwrap_or("").to_string()
}

fn tab_text(state: &State, view: View) -> String {
    let key = tab_key(state, view);
    if key.is_empty() {
        format!(" {} ", view.title())
    } else {
        format!(" {key} {} ", view.title())
    }
}

/// The first column of each tab and its width, as [`render_header`] draws them.
fn tab_spans(state: &State) -> Vec<(View, u16, u16)> {
    let title: usize = title_spans(state.title(), &Theme::plain())
        .iter()
        .map(Span::width)
        .sum();
    let mut x = 1 + title + 2;
    let mut out = Vec::new();
    for view in View::ALL {
        let width = Span::raw(tab_text(state, view)).width();
        out.push((
            view,
            u16::try_from(x).unwrap_or(u16::MAX),
            u16::try_from(width).unwrap_or(u16::MAX),
        ));
        x += width + 1;
    }
    out
}

/// The view whose tab is at column `x` of the header.
pub fn tab_at(state: &State, x: u16) -> Option<View> {
    tab_spans(state)
        .into_iter()
        .find(|(_, start, width)| x >= *start && x < start.saturating_add(*width))
        .map(|(view, _, _)| view)
}

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
        spans.push(Span::styled(tab_text(state, view), style));
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

/// One piece of the status bar; pieces with a higher `drop` number go first when narrow.
struct Piece {
    text: String,
    style: Style,
    drop: u8,
}

pub fn render_status(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    buf.set_style(area, theme.status);
    if let Some(input) = state.input() {
        render_input(area, buf, input, theme);
        return;
    }

    let mut pieces = vec![connection_piece(state, theme)];
    pieces.extend(age_piece(state, theme));
    if let Some(notice) = state.notice() {
        let style = if notice.error {
            theme.status_error
        } else {
            theme.status
        };
        // A notice longer than the bar is cut, never dropped: it may be an order's answer.
        let room = usize::from(area.width)
            .saturating_sub(Span::raw(pieces[0].text.as_str()).width() + 8)
            .max(8);
        pieces.push(Piece {
            text: crate::sanitize::clean(&notice.text, room),
            style,
            drop: 1,
        });
    } else if let Some(error) = state.last_error() {
        pieces.push(Piece {
            text: format!("error: {}", crate::sanitize::clean(error, ERROR_WORDS)),
            style: theme.status_error,
            drop: 4,
        });
    }
    if let Some(session) = state.session() {
        pieces.push(Piece {
            text: session.label().to_string(),
            style: theme.status,
            drop: 5,
        });
    }
    pieces.extend(relogin_piece(state, theme));
    pieces.push(Piece {
        text: hints(state),
        style: theme.status,
        drop: 6,
    });

    let width = usize::from(area.width);
    let used = |pieces: &[Piece]| -> usize {
        pieces
            .iter()
            .map(|p| Span::raw(p.text.as_str()).width() + 3)
            .sum::<usize>()
            + 1
    };
    while used(&pieces) > width {
        let Some(worst) = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.drop > 0)
            .max_by_key(|(i, p)| (p.drop, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        pieces.remove(worst);
    }

    let mut spans = vec![Span::raw(" ")];
    for (i, piece) in pieces.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme.status));
        }
        spans.push(Span::styled(piece.text, piece.style));
    }
    Paragraph::new(Line::from(spans))
        .style(theme.status)
        .render(area, buf);
}

fn connection_piece(state: &State, theme: &Theme) -> Piece {
    let (text, style) = match state.connection() {
        Connection::Loading => ("… connecting".to_string(), theme.status),
        Connection::Refreshing => ("↻ refreshing…".to_string(), theme.status),
        Connection::Live => ("● live".to_string(), theme.status_live),
        Connection::Offline { since } => (
            format!("○ offline since {}", since.format("%H:%M")),
            theme.status_error,
        ),
        Connection::LoginRequired => (
            "✖ login required: run palmtree login".to_string(),
            theme.status_error,
        ),
        Connection::Throttled => ("⏸ throttled by Schwab".to_string(), theme.status_warn),
    };
    Piece {
        text,
        style,
        drop: 0,
    }
}

/// "quotes 14:02:05", with "cached" while the data is from the cache and "stale 3m" once it
/// is overdue.
fn age_piece(state: &State, theme: &Theme) -> Option<Piece> {
    let feed = state.visible_feed();
    let as_of = feed.as_of?;
    let name = match state.view().feed() {
        Feed::Positions => "positions",
        Feed::Quotes => "quotes",
        Feed::Orders => "orders",
        Feed::Chart | Feed::Session => "data",
    };
    let name = match state.view() {
        View::Trade => "quote",
        _ => name,
    };
    let mut text = format!("{name} as of {}", as_of.format("%H:%M:%S"));
    let mut style = theme.status;
    if feed.cached {
        text.push_str(" (cached)");
        style = theme.status_warn;
    }
    if let Some(age) = state.stale_for() {
        text.push_str(&format!(" · stale {}", format::age(age)));
        style = theme.status_warn;
    }
    Some(Piece {
        text,
        style,
        drop: 2,
    })
}

/// "re-login in 6d"; under a day it becomes a warning with a sign, not only a colour.
fn relogin_piece(state: &State, theme: &Theme) -> Option<Piece> {
    let left = state.relogin_left()?;
    if left <= chrono::TimeDelta::zero() {
        return Some(Piece {
            text: "⚠ login expired: run palmtree login".to_string(),
            style: theme.status_error,
            drop: 0,
        });
    }
    let text = format!("re-login in {}", format::countdown(left));
    Some(if left.num_hours() < RELOGIN_WARN_HOURS {
        Piece {
            text: format!("⚠ {text}"),
            style: theme.status_warn,
            drop: 1,
        }
    } else {
        Piece {
            text,
            style: theme.status,
            drop: 3,
        }
    })
}

fn hints(state: &State) -> String {
    let key = |description: &str| state.first_key(description);
    let mut parts = Vec::new();
    if let Some(k) = key("Show or hide this help") {
        parts.push(format!("{k} help"));
    }
    if let Some(k) = key("Quit") {
        parts.push(format!("{k} quit"));
    }
    parts.join("  ")
}

/// The focused field in place of the status bar: prompt, text with a reversed cursor cell,
/// then the check in progress or the last message.
fn render_input(area: Rect, buf: &mut Buffer, input: &InputField, theme: &Theme) {
    // A long text shows its end near the cursor, so the message after it stays on screen.
    let room = usize::from(area.width / 3).max(8);
    let mut before: String = input.text.chars().take(input.cursor).collect();
    if before.chars().count() > room {
        let skip = before.chars().count() - (room - 1);
        before = std::iter::once('…')
            .chain(before.chars().skip(skip))
            .collect();
    }
    let at: String = input
        .text
        .chars()
        .nth(input.cursor)
        .map_or_else(|| " ".to_string(), |c| c.to_string());
    let mut after: String = input.text.chars().skip(input.cursor + 1).collect();
    if after.chars().count() > room {
        after = after
            .chars()
            .take(room - 1)
            .chain(std::iter::once('…'))
            .collect();
    }

    let mut spans = vec![
        Span::styled(format!(" {}: ", input.purpose.prompt()), theme.status),
        Span::styled(before, theme.input),
        Span::styled(at, theme.input.patch(theme.selected)),
        Span::styled(after, theme.input),
        Span::styled(" ", theme.input),
    ];
    if let Some(symbol) = &input.checking {
        spans.push(Span::styled(
            format!("  checking {symbol} with Schwab…"),
            theme.status,
        ));
    } else if let Some(message) = &input.message {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(message.clone(), theme.status_error));
    } else {
        spans.push(Span::styled("  Enter accepts · Esc cancels", theme.status));
    }
    Paragraph::new(Line::from(spans))
        .style(theme.status)
        .render(area, buf);
}
