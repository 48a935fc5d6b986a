//! Styles for the TUI: a default theme, a light one, a 16-colour fallback, and NO_COLOR.
//!
//! Colour only decorates. Every meaning also has a non-colour carrier: gains and losses have a
//! sign and an arrow, the selected row and tab are reverse video, errors say "error", a rising
//! candle is hollow and a falling one filled.

use std::ffi::OsStr;

use ratatui::style::{Color, Modifier, Style};

/// The styles every view draws with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub demo: Style,
    /// The order ticket's permanent LIVE marker: reverse video in every theme, so it reads
    /// the same without colour.
    pub live: Style,
    pub table_header: Style,
    pub totals: Style,
    pub heading: Style,
    pub selected: Style,
    pub gain: Style,
    pub loss: Style,
    pub dim: Style,
    pub warn: Style,
    pub status: Style,
    pub status_live: Style,
    pub status_error: Style,
    pub status_warn: Style,
    pub input: Style,
    pub popup: Style,
    pub popup_key: Style,
    pub popup_heading: Style,
    pub chart_up: Style,
    pub chart_down: Style,
    pub chart_line: Style,
    pub volume: Style,
    pub axis: Style,
}

/// The looks a user can ask for by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeName {
    /// 256 colours on a dark background.
    Default,
    /// 256 colours on a light background.
    Light,
    /// The 16 ANSI colours only, for terminals without the 256-colour palette.
    Basic,
    /// No colour at all (what `NO_COLOR` asks for).
    Plain,
}

impl ThemeName {
    /// Parses a config value: `default`, `light`, `16` (or `basic`), `none` (or `plain`).
    pub fn parse(name: &str) -> Option<ThemeName> {
        match name.trim().to_ascii_lowercase().as_str() {
            "default" | "dark" => Some(ThemeName::Default),
            "light" => Some(ThemeName::Light),
            "16" | "basic" | "ansi" => Some(ThemeName::Basic),
            "none" | "plain" | "no_color" | "mono" => Some(ThemeName::Plain),
            _ => None,
        }
    }
}

impl Theme {
    pub fn named(name: ThemeName) -> Theme {
        match name {
            ThemeName::Default => Theme::colored(),
            ThemeName::Light => Theme::light(),
            ThemeName::Basic => Theme::basic(),
            ThemeName::Plain => Theme::plain(),
        }
    }

    /// The default look: the 256-colour palette, for a dark background.
    pub fn colored() -> Theme {
        let plain = Theme::plain();
        let bar = Color::Indexed(236);
        Theme {
            header: plain.header.fg(Color::Indexed(255)).bg(Color::Indexed(24)),
            tab: plain.tab.fg(Color::Indexed(252)).bg(Color::Indexed(24)),
            tab_active: plain
                .tab_active
                .fg(Color::Indexed(24))
                .bg(Color::Indexed(255)),
            demo: plain.demo.fg(Color::Indexed(16)).bg(Color::Indexed(220)),
            live: plain.live.fg(Color::Indexed(160)).bg(Color::Indexed(255)),
            table_header: plain.table_header.fg(Color::Indexed(117)),
            totals: plain.totals.fg(Color::Indexed(255)),
            heading: plain.heading.fg(Color::Indexed(180)),
            selected: plain.selected,
            gain: plain.gain.fg(Color::Indexed(77)),
            loss: plain.loss.fg(Color::Indexed(203)),
            dim: plain.dim.fg(Color::Indexed(244)),
            warn: plain.warn.fg(Color::Indexed(214)),
            status: plain.status.fg(Color::Indexed(252)).bg(bar),
            status_live: plain.status_live.fg(Color::Indexed(120)).bg(bar),
            status_error: plain
                .status_error
                .fg(Color::Indexed(255))
                .bg(Color::Indexed(124)),
            status_warn: plain
                .status_warn
                .fg(Color::Indexed(16))
                .bg(Color::Indexed(214)),
            input: plain.input.fg(Color::Indexed(255)).bg(Color::Indexed(238)),
            popup: plain.popup,
            popup_key: plain.popup_key.fg(Color::Indexed(117)),
            popup_heading: plain.popup_heading.fg(Color::Indexed(220)),
            chart_up: plain.chart_up.fg(Color::Indexed(77)),
            chart_down: plain.chart_down.fg(Color::Indexed(203)),
            chart_line: plain.chart_line.fg(Color::Indexed(117)),
            volume: plain.volume.fg(Color::Indexed(240)),
            axis: plain.axis.fg(Color::Indexed(246)),
        }
    }

    /// For a light background: dark text colours, pale bars.
    pub fn light() -> Theme {
        let plain = Theme::plain();
        let bar = Color::Indexed(252);
        Theme {
            header: plain.header.fg(Color::Indexed(255)).bg(Color::Indexed(25)),
            tab: plain.tab.fg(Color::Indexed(255)).bg(Color::Indexed(25)),
            tab_active: plain
                .tab_active
                .fg(Color::Indexed(25))
                .bg(Color::Indexed(255)),
            demo: plain.demo.fg(Color::Indexed(16)).bg(Color::Indexed(220)),
            live: plain.live.fg(Color::Indexed(160)).bg(Color::Indexed(255)),
            table_header: plain.table_header.fg(Color::Indexed(25)),
            totals: plain.totals.fg(Color::Indexed(16)),
            heading: plain.heading.fg(Color::Indexed(94)),
            selected: plain.selected,
            gain: plain.gain.fg(Color::Indexed(28)),
            loss: plain.loss.fg(Color::Indexed(160)),
            dim: plain.dim.fg(Color::Indexed(242)),
            warn: plain.warn.fg(Color::Indexed(130)),
            status: plain.status.fg(Color::Indexed(234)).bg(bar),
            status_live: plain.status_live.fg(Color::Indexed(22)).bg(bar),
            status_error: plain
                .status_error
                .fg(Color::Indexed(255))
                .bg(Color::Indexed(160)),
            status_warn: plain
                .status_warn
                .fg(Color::Indexed(16))
                .bg(Color::Indexed(221)),
            input: plain.input.fg(Color::Indexed(16)).bg(Color::Indexed(254)),
            popup: plain.popup,
            popup_key: plain.popup_key.fg(Color::Indexed(25)),
            popup_heading: plain.popup_heading.fg(Color::Indexed(94)),
            chart_up: plain.chart_up.fg(Color::Indexed(28)),
            chart_down: plain.chart_down.fg(Color::Indexed(160)),
            chart_line: plain.chart_line.fg(Color::Indexed(25)),
            volume: plain.volume.fg(Color::Indexed(248)),
            axis: plain.axis.fg(Color::Indexed(240)),
        }
    }

    /// The 16 ANSI colours only, which every colour terminal has.
    pub fn basic() -> Theme {
        let plain = Theme::plain();
        Theme {
            header: plain.header.fg(Color::White).bg(Color::Blue),
            tab: plain.tab.fg(Color::White).bg(Color::Blue),
            tab_active: plain.tab_active.fg(Color::Blue).bg(Color::White),
            demo: plain.demo.fg(Color::Black).bg(Color::Yellow),
            live: plain.live.fg(Color::Red).bg(Color::White),
            table_header: plain.table_header.fg(Color::Cyan),
            totals: plain.totals,
            heading: plain.heading.fg(Color::Yellow),
            selected: plain.selected,
            gain: plain.gain.fg(Color::Green),
            loss: plain.loss.fg(Color::Red),
            dim: plain.dim.fg(Color::DarkGray),
            warn: plain.warn.fg(Color::Yellow),
            status: plain.status.fg(Color::White).bg(Color::DarkGray),
            status_live: plain.status_live.fg(Color::LightGreen).bg(Color::DarkGray),
            status_error: plain.status_error.fg(Color::White).bg(Color::Red),
            status_warn: plain.status_warn.fg(Color::Black).bg(Color::Yellow),
            input: plain.input,
            popup: plain.popup,
            popup_key: plain.popup_key.fg(Color::Cyan),
            popup_heading: plain.popup_heading.fg(Color::Yellow),
            chart_up: plain.chart_up.fg(Color::Green),
            chart_down: plain.chart_down.fg(Color::Red),
            chart_line: plain.chart_line.fg(Color::Cyan),
            volume: plain.volume.fg(Color::DarkGray),
            axis: plain.axis.fg(Color::Gray),
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
            live: reversed.add_modifier(Modifier::BOLD),
            table_header: bold.add_modifier(Modifier::UNDERLINED),
            totals: bold,
            heading: bold,
            selected: reversed,
            gain: Style::new(),
            loss: Style::new(),
            dim: Style::new().add_modifier(Modifier::DIM),
            warn: bold,
            status: reversed,
            status_live: reversed,
            status_error: reversed.add_modifier(Modifier::BOLD),
            status_warn: reversed.add_modifier(Modifier::BOLD),
            input: Style::new().add_modifier(Modifier::UNDERLINED),
            popup: Style::new(),
            popup_key: bold,
            popup_heading: bold.add_modifier(Modifier::UNDERLINED),
            chart_up: Style::new(),
            chart_down: Style::new(),
            chart_line: Style::new(),
            volume: Style::new().add_modifier(Modifier::DIM),
            axis: Style::new(),
        }
    }

    /// The look the environment asks for, unless `name` (from the config) says otherwise:
    /// plain when `NO_COLOR` is set, 16 colours when the terminal does not claim 256, the
    /// default otherwise. `NO_COLOR` wins even over a configured name.
    pub fn from_env_or(name: Option<ThemeName>) -> Theme {
        let env = |key: &str| std::env::var_os(key);
        if no_color_requested(env("NO_COLOR").as_deref()) {
            return Theme::plain();
        }
        if let Some(name) = name {
            return Theme::named(name);
        }
        if supports_256(env("TERM").as_deref(), env("COLORTERM").as_deref()) {
            Theme::colored()
        } else {
            Theme::basic()
        }
    }

    /// [`Theme::from_env_or`] with no configured name.
    pub fn from_env() -> Theme {
        Theme::from_env_or(None)
    }
}

/// Whether a `NO_COLOR` value turns colour off: any non-empty value does (no-color.org).
pub fn no_color_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// Whether the terminal claims the 256-colour palette (or more).
pub fn supports_256(term: Option<&OsStr>, colorterm: Option<&OsStr>) -> bool {
    let has = |v: Option<&OsStr>, needles: &[&str]| {
        v.and_then(OsStr::to_str)
            .is_some_and(|s| needles.iter().any(|n| s.contains(n)))
    };
    has(colorterm, &["truecolor", "24bit", "256"])
        || has(
            term,
            &["256color", "truecolor", "direct", "kitty", "alacritty"],
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(t: &Theme) -> [Style; 26] {
        [
            t.header,
            t.tab,
            t.tab_active,
            t.demo,
            t.live,
            t.table_header,
            t.totals,
            t.heading,
            t.selected,
            t.gain,
            t.loss,
            t.dim,
            t.warn,
            t.status,
            t.status_live,
            t.status_error,
            t.status_warn,
            t.input,
            t.popup,
            t.popup_key,
            t.popup_heading,
            t.chart_up,
            t.chart_down,
            t.chart_line,
            t.volume,
            t.axis,
        ]
    }

    #[test]
    fn no_color_means_any_non_empty_value() {
        assert!(no_color_requested(Some(OsStr::new("1"))));
        assert!(no_color_requested(Some(OsStr::new("false"))));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(!no_color_requested(None));
    }

    #[test]
    fn plain_theme_has_no_colour_but_every_theme_reverses_selection() {
        for style in styles(&Theme::plain()) {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        for name in [
            ThemeName::Default,
            ThemeName::Light,
            ThemeName::Basic,
            ThemeName::Plain,
        ] {
            let t = Theme::named(name);
            assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
            assert!(t.tab_active.add_modifier.contains(Modifier::REVERSED));
            assert!(t.live.add_modifier.contains(Modifier::REVERSED));
        }
    }

    #[test]
    fn the_basic_theme_uses_only_the_16_colours() {
        for style in styles(&Theme::basic()) {
            for colour in [style.fg, style.bg].into_iter().flatten() {
                assert!(
                    !matches!(colour, Color::Indexed(_) | Color::Rgb(..)),
                    "{colour:?}"
                );
            }
        }
    }

    #[test]
    fn names_and_terminals() {
        assert_eq!(ThemeName::parse("Light"), Some(ThemeName::Light));
        assert_eq!(ThemeName::parse("16"), Some(ThemeName::Basic));
        assert_eq!(ThemeName::parse("none"), Some(ThemeName::Plain));
        assert_eq!(ThemeName::parse("pink"), None);
        assert!(supports_256(Some(OsStr::new("xterm-256color")), None));
        assert!(supports_256(
            Some(OsStr::new("xterm")),
            Some(OsStr::new("truecolor"))
        ));
        assert!(!supports_256(Some(OsStr::new("xterm")), None));
        assert!(!supports_256(Some(OsStr::new("linux")), None));
    }
}
