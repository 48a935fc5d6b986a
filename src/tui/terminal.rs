//! The terminal session: raw mode and the alternate screen, restored however the TUI ends.
//!
//! `ratatui::try_init` installs a panic hook that restores the terminal before the panic
//! message prints; dropping [`Session`] restores it on a normal return or an error. Mouse
//! capture and bracketed paste stay off because nothing here handles them.

use std::io;

use ratatui::DefaultTerminal;

/// The terminal in TUI mode; restored when dropped.
pub struct Session {
    terminal: DefaultTerminal,
}

impl Session {
    /// Enters raw mode and the alternate screen. On failure whatever was half set up is undone.
    pub fn enter() -> io::Result<Session> {
        match ratatui::try_init() {
            Ok(terminal) => Ok(Session { terminal }),
            Err(err) => {
                ratatui::restore();
                Err(err)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
