//! The lock screen: what replaces every view after the idle time, so balances, positions and
//! the order ticket are not left on an unattended screen.
//!
//! Reads the state only, and draws nothing from the accounts, quotes or orders: only the
//! title, why the screen is locked and how to unlock it. A typed passphrase shows as dots.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use crate::tui::app::State;
use crate::tui::theme::Theme;

/// The most dots drawn for a typed passphrase, so its length shows only roughly.
const DOTS: usize = 24;

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let lock = state.lock();
    let mut lines = vec![
        Line::styled("palmtree is locked", theme.popup_heading),
        Line::raw(""),
        Line::raw(format!(
            "No input for {}: balances, positions and order entry are hidden.",
            idle_words(lock.after)
        )),
        Line::raw(""),
    ];
    if lock.needs_passphrase {
        let dots = "•".repeat(lock.typed.chars().count().min(DOTS));
        lines.push(Line::from(vec![
            Span::raw("Vault passphrase: "),
            Span::styled(dots, theme.input),
            Span::styled(" ", theme.input.patch(theme.selected)),
        ]));
        lines.push(Line::raw(""));
        if lock.checking {
            lines.push(Line::styled("Checking the passphrase…", theme.dim));
        } else if let Some(message) = &lock.message {
            lines.push(Line::styled(message.clone(), theme.warn));
        } else {
            lines.push(Line::styled("Enter unlocks · Ctrl-C quits", theme.dim));
        }
    } else {
        lines.push(Line::raw("Press any key to unlock."));
        lines.push(Line::raw(""));
        lines.push(Line::styled("Ctrl-C quits", theme.dim));
    }

    let (width, height) = super::box_size(area, &lines);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, boxed, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(middle);
    Paragraph::new(lines)
        .centered()
        .block(Block::default().borders(Borders::ALL))
        .render(boxed, buf);
}

/// The status bar of the lock screen: the state in words and how to quit, nothing else.
pub fn render_status(area: Rect, buf: &mut Buffer, theme: &Theme) {
    buf.set_style(area, theme.status);
    Paragraph::new(" locked │ Ctrl-C quit")
        .style(theme.status)
        .render(area, buf);
}

fn idle_words(after: std::time::Duration) -> String {
    let secs = after.as_secs();
    match secs {
        0..=59 => format!("{secs} seconds"),
        60..=119 => "1 minute".to_string(),
        _ => format!("{} minutes", secs / 60),
    }
}
