//! The one keymap: context + key → command, each with the description the help screen shows.
//!
//! Nothing else matches raw key codes. Contexts are tried in order and the first match wins,
//! so a key can mean one thing in the help overlay and another on a table.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::action::Command;
use crate::tui::app::{State, View};

/// Where a binding applies. [`contexts`] lists which are active for a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// Always active.
    Global,
    /// While the help overlay is open (then only Help and Global are active).
    Help,
    /// On any view while no overlay is open.
    Views,
    /// On the Positions view.
    Positions,
    /// On the Quotes view.
    Quotes,
}

impl Context {
    /// The heading the help screen shows over this context's bindings.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Help => "Help",
            Context::Views => "Tables",
            Context::Positions => "Positions",
            Context::Quotes => "Quotes",
        }
    }
}

/// A key with its modifiers. For character keys Shift is implied by the character itself
/// (`G`, `?`) and ignored when matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    /// The key from a terminal event, with the implied Shift removed.
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers;
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Key {
            code: event.code,
            modifiers,
        }
    }

    /// How the help screen writes the key: `q`, `Ctrl-C`, `↑`, `PgDn`, `Shift-Tab`.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        label.push_str(&base);
        label
    }
}

/// One row of the keymap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub key: Key,
    pub command: Command,
    pub description: &'static str,
}

const fn bind(context: Context, key: Key, command: Command, description: &'static str) -> Binding {
    Binding {
        context,
        key,
        command,
        description,
    }
}

use Command as C;
use Context::{Global, Help, Positions, Views};

/// Every key the TUI knows, in the order the help screen lists them.
pub const BINDINGS: &[Binding] = &[
    bind(Global, Key::char('q'), C::Quit, "Quit"),
    bind(Global, Key::ctrl('c'), C::Quit, "Quit"),
    bind(
        Global,
        Key::char('?'),
        C::ToggleHelp,
        "Show or hide this help",
    ),
    bind(Help, Key::plain(KeyCode::Esc), C::CloseHelp, "Close help"),
    bind(Help, Key::plain(KeyCode::Up), C::Up, "Scroll help up"),
    bind(Help, Key::char('k'), C::Up, "Scroll help up"),
    bind(Help, Key::plain(KeyCode::Down), C::Down, "Scroll help down"),
    bind(Help, Key::char('j'), C::Down, "Scroll help down"),
    bind(
        Help,
        Key::plain(KeyCode::PageUp),
        C::PageUp,
        "Scroll help a page up",
    ),
    bind(
        Help,
        Key::plain(KeyCode::PageDown),
        C::PageDown,
        "Scroll help a page down",
    ),
    bind(Views, Key::char('1'), C::ShowPositions, "Positions view"),
    bind(Views, Key::char('2'), C::ShowQuotes, "Quotes view"),
    bind(Views, Key::plain(KeyCode::Tab), C::NextView, "Next view"),
    bind(Views, Key::plain(KeyCode::Right), C::NextView, "Next view"),
    bind(Views, Key::char('l'), C::NextView, "Next view"),
    bind(
        Views,
        Key::plain(KeyCode::BackTab),
        C::PrevView,
        "Previous view",
    ),
    bind(
        Views,
        Key::plain(KeyCode::Left),
        C::PrevView,
        "Previous view",
    ),
    bind(Views, Key::char('h'), C::PrevView, "Previous view"),
    bind(Views, Key::plain(KeyCode::Up), C::Up, "Move up a row"),
    bind(Views, Key::char('k'), C::Up, "Move up a row"),
    bind(Views, Key::plain(KeyCode::Down), C::Down, "Move down a row"),
    bind(Views, Key::char('j'), C::Down, "Move down a row"),
    bind(
        Views,
        Key::plain(KeyCode::PageUp),
        C::PageUp,
        "Move up a page",
    ),
    bind(
        Views,
        Key::plain(KeyCode::PageDown),
        C::PageDown,
        "Move down a page",
    ),
    bind(Views, Key::char('g'), C::Top, "First row"),
    bind(Views, Key::plain(KeyCode::Home), C::Top, "First row"),
    bind(Views, Key::char('G'), C::Bottom, "Last row"),
    bind(Views, Key::plain(KeyCode::End), C::Bottom, "Last row"),
    bind(Views, Key::char('r'), C::Refresh, "Refresh this view now"),
    bind(Positions, Key::char(']'), C::NextAccount, "Next account"),
    bind(Positions, Key::char('a'), C::NextAccount, "Next account"),
    bind(
        Positions,
        Key::char('['),
        C::PrevAccount,
        "Previous account",
    ),
];

/// The contexts active in a state, most specific first.
pub fn contexts(state: &State) -> &'static [Context] {
    if state.help_open() {
        &[Help, Global]
    } else {
        match state.view() {
            View::Positions => &[Positions, Views, Global],
            View::Quotes => &[Context::Quotes, Views, Global],
        }
    }
}

/// The command bound to a key in the first of `contexts` that binds it.
pub fn lookup(contexts: &[Context], key: Key) -> Option<Command> {
    contexts.iter().find_map(|context| {
        BINDINGS
            .iter()
            .find(|b| b.context == *context && b.key == key)
            .map(|b| b.command)
    })
}

/// The command a terminal key event means in this state. Key releases mean nothing.
pub fn command_for(state: &State, event: &KeyEvent) -> Option<Command> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    lookup(contexts(state), Key::from_event(event))
}

/// One line of the help screen: every key for one command in one context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpEntry {
    pub context: Context,
    pub keys: String,
    pub description: &'static str,
}

/// The help screen's lines, built from [`BINDINGS`] so help cannot drift from the keys.
///
/// Bindings that share a context and a description become one line listing all their keys,
/// in the order the contexts first appear in the table.
pub fn help_entries() -> Vec<HelpEntry> {
    let mut entries: Vec<HelpEntry> = Vec::new();
    let mut order: Vec<Context> = Vec::new();
    for binding in BINDINGS {
        if !order.contains(&binding.context) {
            order.push(binding.context);
        }
        let label = binding.key.label();
        match entries
            .iter_mut()
            .find(|e| e.context == binding.context && e.description == binding.description)
        {
            Some(entry) => {
                entry.keys.push_str(", ");
                entry.keys.push_str(&label);
            }
            None => entries.push(HelpEntry {
                context: binding.context,
                keys: label,
                description: binding.description,
            }),
        }
    }
    entries.sort_by_key(|e| order.iter().position(|c| *c == e.context));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::TuiOptions;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                assert!(
                    !(a.context == b.context && a.key == b.key),
                    "{:?} bound twice in {:?}",
                    a.key,
                    a.context
                );
            }
        }
    }

    #[test]
    fn defaults_map_to_their_commands() {
        let state = State::new(&TuiOptions::default());
        let cases = [
            (press(KeyCode::Char('q'), KeyModifiers::NONE), Command::Quit),
            (
                press(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Command::Quit,
            ),
            (
                press(KeyCode::Char('2'), KeyModifiers::NONE),
                Command::ShowQuotes,
            ),
            (
                press(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Command::Bottom,
            ),
            (
                press(KeyCode::Char('?'), KeyModifiers::SHIFT),
                Command::ToggleHelp,
            ),
            (
                press(KeyCode::BackTab, KeyModifiers::SHIFT),
                Command::PrevView,
            ),
            (press(KeyCode::Char('j'), KeyModifiers::NONE), Command::Down),
            (
                press(KeyCode::Char(']'), KeyModifiers::NONE),
                Command::NextAccount,
            ),
        ];
        for (event, command) in cases {
            assert_eq!(command_for(&state, &event), Some(command), "{event:?}");
        }
        let plain_c = press(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(command_for(&state, &plain_c), None);
    }

    #[test]
    fn help_context_wins_while_help_is_open() {
        let mut state = State::new(&TuiOptions::default());
        state.help_open = true;
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        let two = press(KeyCode::Char('2'), KeyModifiers::NONE);
        assert_eq!(command_for(&state, &esc), Some(Command::CloseHelp));
        assert_eq!(command_for(&state, &two), None);
    }

    #[test]
    fn releases_are_ignored() {
        let state = State::new(&TuiOptions::default());
        let mut event = press(KeyCode::Char('q'), KeyModifiers::NONE);
        event.kind = KeyEventKind::Release;
        assert_eq!(command_for(&state, &event), None);
    }

    #[test]
    fn help_groups_keys_of_one_command() {
        let entries = help_entries();
        let next = entries
            .iter()
            .find(|e| e.description == "Next view")
            .map(|e| e.keys.as_str());
        assert_eq!(next, Some("Tab, →, l"));
        let quit = entries
            .iter()
            .find(|e| e.description == "Quit")
            .map(|e| e.keys.as_str());
        assert_eq!(quit, Some("q, Ctrl-C"));
        for binding in BINDINGS {
            assert!(entries.iter().any(|e| e.description == binding.description));
        }
    }
}
