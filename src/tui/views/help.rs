//! The `?` overlay: every binding of the keymap in force, grouped by where it applies.
//!
//! Built from the help entries the state holds, which come from the keymap itself, so help
//! cannot drift from the keys. Two columns on a wide screen, one that scrolls on a narrow one.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Widget};

use crate::tui::app::State;
use crate::tui::keymap::HelpEntry;
use crate::tui::theme::Theme;

/// One column is never wider than this, so lines stay readable.
const COLUMN_WIDTH: u16 = 60;

/// The screen width from which the help uses two columns.
const TWO_COLUMNS_FROM: u16 = 110;

/// Every line of the help text, split into `columns` columns at context headings: a heading
/// per context, then one line per command.
fn columns(entries: &[HelpEntry], count: usize, theme: &Theme) -> Vec<Vec<Line<'static>>> {
    let key_width = entries
        .iter()
        .map(|e| e.keys.chars().count())
        .max()
        .unwrap_or(0);

    let mut groups: Vec<Vec<Line<'static>>> = Vec::new();
    let mut current: Option<&str> = None;
    for entry in entries {
        if current != Some(entry.context) {
            groups.push(vec![Line::styled(entry.context, theme.popup_heading)]);
            current = Some(entry.context);
        }
        if let Some(group) = groups.last_mut() {
            group.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{:<key_width$}", entry.keys), theme.popup_key),
                Span::raw("  "),
                Span::raw(entry.description),
            ]));
        }
    }

    let total: usize = groups.iter().map(|g| g.len() + 1).sum();
    let per_column = total.div_ceil(count.max(1));
    let mut out: Vec<Vec<Line<'static>>> = vec![Vec::new()];
    for group in groups {
        // A group never splits: it starts the next column when it would overflow this one.
        let full = out
            .last()
            .is_some_and(|c| !c.is_empty() && c.len() + group.len() + 1 > per_column);
        if full && out.len() < count {
            out.push(Vec::new());
        }
        if let Some(column) = out.last_mut() {
            if !column.is_empty() {
                column.push(Line::raw(""));
            }
            column.extend(group);
        }
    }
    out
}

fn column_count(screen: (u16, u16)) -> usize {
    if screen.0 >= TWO_COLUMNS_FROM { 2 } else { 1 }
}

fn tallest(entries: &[HelpEntry], screen: (u16, u16)) -> usize {
    columns(entries, column_count(screen), &Theme::plain())
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
}

/// Where the overlay sits on a screen of this size: centred, as tall as its text allows.
fn popup_area(screen: Rect, entries: &[HelpEntry]) -> Rect {
    let size = (screen.width, screen.height);
    let count = u16::try_from(column_count(size)).unwrap_or(1);
    let text_height = u16::try_from(tallest(entries, size)).unwrap_or(u16::MAX);
    let width = screen.width.saturating_sub(4).min(COLUMN_WIDTH * count + 2);
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
pub fn page_len(screen: (u16, u16), entries: &[HelpEntry]) -> usize {
    let area = popup_area(Rect::new(0, 0, screen.0, screen.1), entries);
    usize::from(area.height.saturating_sub(2)).max(1)
}

/// The furthest the help can scroll on a screen of (columns, rows): 0 when it all fits.
pub fn max_scroll(screen: (u16, u16), entries: &[HelpEntry]) -> usize {
    tallest(entries, screen).saturating_sub(page_len(screen, entries))
}

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let entries = state.help_entries();
    let size = (area.width, area.height);
    let popup = popup_area(area, entries);
    let scroll = state.help_scroll().min(max_scroll(size, entries));
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);

    Clear.render(popup, buf);
    let block = Block::bordered()
        .title(" Keys ")
        .title_bottom(" Esc closes · ↑↓ scroll ")
        .padding(Padding::horizontal(1))
        .style(theme.popup);
    let inner = block.inner(popup);
    block.render(popup, buf);

    let texts = columns(entries, column_count(size), theme);
    let count = u32::try_from(texts.len()).unwrap_or(1);
    let areas =
        Layout::horizontal(vec![Constraint::Ratio(1, count.max(1)); texts.len()]).split(inner);
    for (text, column) in texts.into_iter().zip(areas.iter()) {
        Paragraph::new(text)
            .scroll((scroll, 0))
            .render(*column, buf);
    }
}
