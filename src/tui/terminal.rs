//! The terminal session: raw mode, the alternate screen, mouse capture and bracketed paste,
//! all restored however the TUI ends.
//!
//! `ratatui::try_init` installs a panic hook that restores raw mode and the screen; the hook
//! added here first turns mouse capture and bracketed paste off, which ratatui does not know
//! about. Dropping [`Session`] restores everything on a normal return or an error.

use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// The terminal in TUI mode; restored when dropped.
pub struct Session {
    terminal: DefaultTerminal,
}

static HOOK: Once = Once::new();

impl Session {
    /// Enters raw mode and the alternate screen with the mouse and bracketed paste on. On
    /// failure whatever was half set up is undone.
    pub fn enter() -> io::Result<Session> {
        let terminal = match ratatui::try_init() {
            Ok(terminal) => terminal,
            Err(err) => {
                ratatui::restore();
                return Err(err);
            }
        };
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                release_input_modes();
                previous(info);
            }));
        });
        if let Err(err) = execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste) {
            release_input_modes();
            ratatui::restore();
            return Err(err);
        }
        Ok(Session { terminal })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

/// Turns mouse capture and bracketed paste off; harmless when they were never on.
fn release_input_modes() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, DisableBracketedPaste);
    let _ = out.flush();
}

impl Drop for Session {
    fn drop(&mut self) {
        release_input_modes();
        ratatui::restore();
    }
}
