//! Drawing: turns a `&State` into cells. Never changes the state and never does I/O.
//!
//! One file per screen area; [`draw`] lays them out and handles a terminal that is too small;
//! [`hit`] maps a mouse click back to what was drawn there, from the same layout rules.

pub mod chart;
pub mod chrome;
pub mod columns;
pub mod detail;
pub mod help;
pub mod lock;
pub mod orders;
pub mod positions;
pub mod quotes;
pub mod ticket;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::action::MouseAction;
use crate::tui::app::{FIRST_ROW_Y, State, TABLE_CHROME, View};
use crate::tui::theme::Theme;

/// The smallest terminal the views are laid out for; below it one line says so.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;

/// Draws the whole screen for this state.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    render(area, frame.buffer_mut(), state, theme);
}

/// Draws the whole screen into a buffer area; [`draw`] with the frame taken apart, for tests.
pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Terminal too small: {}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        Paragraph::new(text).render(area, buf);
        return;
    }

    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);

    chrome::render_header(header, buf, state, theme);
    if state.locked() {
        lock::render(body, buf, state, theme);
        lock::render_status(status, buf, theme);
        return;
    }
    if state.detail_open() {
        detail::render(body, buf, state, theme);
    } else {
        match state.view() {
            View::Positions => positions::render(body, buf, state, theme),
            View::Quotes => quotes::render(body, buf, state, theme),
            View::Orders => orders::render(body, buf, state, theme),
            View::Trade => ticket::render(body, buf, state, theme),
        }
    }
    chrome::render_status(status, buf, state, theme);

    if state.help_open() {
        help::render(area, buf, state, theme);
    }
}

/// What a left click at (x, y) points at: a tab, or a row of the visible table.
pub fn hit(state: &State, x: u16, y: u16) -> Option<MouseAction> {
    let (width, height) = state.screen();
    if width < MIN_WIDTH || height < MIN_HEIGHT || state.help_open() || state.locked() {
        return None;
    }
    if y == 0 {
        return chrome::tab_at(state, x).map(MouseAction::SelectView);
    }
    let last_row_y = height.saturating_sub(TABLE_CHROME - FIRST_ROW_Y);
    let tables = !matches!(state.view(), View::Trade) && state.cancel_prompt().is_none();
    if state.detail_open() || !tables || y < FIRST_ROW_Y || y >= last_row_y {
        return None;
    }
    let row = state.cursor().offset + usize::from(y - FIRST_ROW_Y);
    (row < state.row_count()).then_some(MouseAction::SelectRow(row))
}

/// The size of a bordered box that holds `lines` with three cells of room on each side,
/// no larger than `area`.
pub fn box_size(area: Rect, lines: &[ratatui::text::Line]) -> (u16, u16) {
    let widest = lines
        .iter()
        .map(ratatui::text::Line::width)
        .max()
        .unwrap_or(0)
        .saturating_add(6);
    let width = u16::try_from(widest).unwrap_or(u16::MAX).min(area.width);
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    (width, height)
}

/// The slice of rows a table shows, and the highlight within it.
///
/// Only the rows on screen are turned into cells: a 500-symbol watchlist formats a screenful,
/// not 500 rows, each frame. Column widths are measured from the same window.
pub fn window(count: usize, cursor: crate::tui::app::Cursor, page: usize) -> (usize, usize) {
    let start = cursor.offset.min(count);
    let end = start.saturating_add(page).min(count);
    (start, end)
}
