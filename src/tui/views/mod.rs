//! Drawing: turns a `&State` into cells. Never changes the state and never does I/O.
//!
//! One file per screen area; [`draw`] lays them out and handles a terminal that is too small.

pub mod chrome;
pub mod columns;
pub mod help;
pub mod positions;
pub mod quotes;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::app::{State, View};
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
    match state.view() {
        View::Positions => positions::render(body, buf, state, theme),
        View::Quotes => quotes::render(body, buf, state, theme),
    }
    chrome::render_status(status, buf, state, theme);

    if state.help_open() {
        help::render(area, buf, state, theme);
    }
}
