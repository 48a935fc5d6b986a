//! Styles for the TUI: a default colour theme and a plain one for NO_COLOR.
//!
//! Colour only decorates. Every meaning also has a non-colour carrier: gains and losses have a
//! sign and an arrow, the selected row and tab are reverse video, errors say "error".

use std::ffi::OsStr;

use ratatui::style::{Color, Modifier, Style};

/// The styles every view draws with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub demo: Style,
    pub table_header: Style,
    pub totals: Style,
    pub selected: Style,
    pub gain: Style,
    pub loss: Style,
    pub dim: Style,
    pub warn: Style,
    pub status: Style,
    pub status_live: Style,
    pub status_error: Style,
    pub popup: Style,
    pub popup_key: Style,
    pub popup_heading: Style,
}

impl Theme {
    /// The default look: colours for a dark or light terminal, on top of the plain modifiers.
    pub fn colored() -> Theme {
        let plain = Theme::plain();
        Theme {
            header: plain.header.fg(Color::White).bg(Color::Blue),
            tab: plain.tab.fg(Color::White).bg(Color::Blue),
            tab_active: plain.tab_active.fg(Color::Blue).bg(Color::White),
            demo: plain.demo.fg(Color::Black).bg(Color::Yellow),
            table_header: plain.table_header.fg(Color::Cyan),
            totals: plain.totals,
            selected: plain.selected,
            gain: plain.gain.fg(Color::Green),
            loss: plain.loss.fg(Color::Red),
            dim: plain.dim.fg(Color::DarkGray),
            warn: plain.warn.fg(Color::Yellow),
            status: plain.status.fg(Color::White).bg(Color::DarkGray),
            status_live: plain.status_live.fg(Color::LightGreen).bg(Color::DarkGray),
            status_error: plain.status_error.fg(Color::White).bg(Color::Red),
            popup: plain.popup,
            popup_key: plain.popup_key.fg(Color::Cyan),
            popup_heading: plain.popup_heading.fg(Color::Yellow),
        }
    }

    /// No colours at all, only bold, dim, underline and reverse video.
    pub fn plain() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            header: bold,
            tab: Style::new(),
            tab_active: reversed.add_modifier(Modifier::BOLD),
            demo: reversed.add_modifier(Modifier::BOLD),
            table_header: bold.add_modifier(Modifier::UNDERLINED),
            totals: bold,
            selected: reversed,
            gain: Style::new(),
            loss: Style::new(),
            dim: Style::new().add_modifier(Modifier::DIM),
            warn: bold,
            status: reversed,
            status_live: reversed,
            status_error: reversed.add_modifier(Modifier::BOLD),
            popup: Style::new(),
            popup_key: bold,
            popup_heading: bold.add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The plain theme when `NO_COLOR` asks for it, otherwise the colour theme.
    pub fn from_env() -> Theme {
        if no_color_requested(std::env::var_os("NO_COLOR").as_deref()) {
            Theme::plain()
        } else {
            Theme::colored()
        }
    }
}

/// Whether a `NO_COLOR` value turns colour off: any non-empty value does (no-color.org).
pub fn no_color_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_any_non_empty_value() {
        assert!(no_color_requested(Some(OsStr::new("1"))));
        assert!(no_color_requested(Some(OsStr::new("false"))));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(!no_color_requested(None));
    }

    #[test]
    fn plain_theme_has_no_colour_but_reverses_selection() {
        let t = Theme::plain();
        let styles = [
            t.header,
            t.tab,
            t.tab_active,
            t.demo,
            t.table_header,
            t.totals,
            t.selected,
            t.gain,
            t.loss,
            t.dim,
            t.warn,
            t.status,
            t.status_live,
            t.status_error,
            t.popup,
            t.popup_key,
            t.popup_heading,
        ];
        for style in styles {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        assert!(
            Theme::colored()
                .selected
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }
}
