//! The `?` overlay: every binding of the keymap, grouped by where it applies.
//!
//! Built from [`keymap::help_entries`] at draw time, so help cannot drift from the keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Widget};

use crate::tui::app::State;
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;

/// The overlay is never wider than this, so lines stay readable on a wide terminal.
const MAX_WIDTH: u16 = 64;

/// Every line of the help text: a heading per context, then one line per command.
pub fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let entries = keymap::help_entries();
    let key_width = entries
        .iter()
        .map(|e| e.keys.chars().count())
        .max()
        .unwrap_or(0);

    let mut lines = Vec::new();
    let mut current: Option<Context> = None;
    for entry in entries {
        if current != Some(entry.context) {
            if current.is_some() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(entry.context.title(), theme.popup_heading));
            current = Some(entry.context);
        }
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{:<key_width$}", entry.keys), theme.popup_key),
            Span::raw("  "),
            Span::raw(entry.description),
        ]));
    }
    lines
}

/// Where the overlay sits on a screen of this size: centred, as tall as its text allows.
pub fn popup_area(screen: Rect) -> Rect {
    let text_height = u16::try_from(lines(&Theme::plain()).len()).unwrap_or(u16::MAX);
    let width = screen.width.saturating_sub(4).min(MAX_WIDTH);
    let height = screen
        .height
        .saturating_sub(2)
        .min(text_height.saturating_add(2));
    Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + (screen.height - height) / 2,
        width,
        height,
    }
}

/// How many text lines the overlay shows at once on a screen of (columns, rows).
pub fn page_len(screen: (u16, u16)) -> usize {
    let area = popup_area(Rect::new(0, 0, screen.0, screen.1));
    usize::from(area.height.saturating_sub(2)).max(1)
}

/// The furthest the help can scroll on a screen of (columns, rows): 0 when it all fits.
pub fn max_scroll(screen: (u16, u16)) -> usize {
    let total = lines(&Theme::plain()).len();
    total.saturating_sub(page_len(screen))
}

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let popup = popup_area(area);
    let scroll = state
        .help_scroll()
        .min(max_scroll((area.width, area.height)));

    Clear.render(popup, buf);
    let block = Block::bordered()
        .title(" Keys ")
        .title_bottom(" Esc closes · ↑↓ scroll ")
        .padding(Padding::horizontal(1))
        .style(theme.popup);
    Paragraph::new(lines(theme))
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(popup, buf);
}
