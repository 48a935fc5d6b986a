//! The one keymap: context + key → command, each with the description the help screen shows.
//!
//! Nothing else matches raw key codes. Contexts are tried in order and the first match wins,
//! so a key can mean one thing in the help overlay and another on a table. A config file's
//! `[keys]` table rebinds commands ([`apply_overrides`]); the help is built from the result.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::action::Command;
use crate::tui::app::{State, View};
use crate::tui::ticket::Mode;

/// Where a binding applies. [`contexts`] lists which are active for a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Always active, even in a text field (so only non-printable keys belong here… and `q`,
    /// which a text field takes before the keymap is asked).
    Global,
    /// While the help overlay is open.
    Help,
    /// While a text field has the focus; printable keys are typed, never looked up.
    Input,
    /// While the quote detail pane is open.
    Detail,
    /// On any view while no overlay is open.
    Views,
    /// On the Positions view.
    Positions,
    /// On the Quotes view.
    Quotes,
    /// On the Orders view.
    Orders,
    /// On the order ticket while it is being filled in, whichever field has the focus.
    Ticket,
    /// On the order ticket while a choice field (account, side, type…) has the focus.
    TicketChoice,
    /// On the ticket's preview, confirm and outcome screens.
    Confirm,
    /// While a cancel of an order waits for its confirm.
    CancelConfirm,
    /// On the lock screen.
    Lock,
}

impl Context {
    pub const ALL: [Context; 13] = [
        Context::Global,
        Context::Help,
        Context::Input,
        Context::Detail,
        Context::Views,
        Context::Positions,
        Context::Quotes,
        Context::Orders,
        Context::Ticket,
        Context::TicketChoice,
        Context::Confirm,
        Context::CancelConfirm,
        Context::Lock,
    ];

    /// The heading the help screen shows over this context's bindings.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Help => "Help",
            Context::Input => "Text fields",
            Context::Detail => "Quote detail",
            Context::Views => "Tables",
            Context::Positions => "Positions",
            Context::Quotes => "Quotes",
            Context::Orders => "Orders",
            Context::Ticket => "Order ticket",
            Context::TicketChoice => "Order ticket: choice fields",
            Context::Confirm => "Order preview and confirm",
            Context::CancelConfirm => "Cancel an order",
            Context::Lock => "Lock screen",
        }
    }

    /// The prefix a config file uses: `positions.sort_next`.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Help => "help",
            Context::Input => "input",
            Context::Detail => "detail",
            Context::Views => "tables",
            Context::Positions => "positions",
            Context::Quotes => "quotes",
            Context::Orders => "orders",
            Context::Ticket => "ticket",
            Context::TicketChoice => "ticket_choice",
            Context::Confirm => "confirm",
            Context::CancelConfirm => "cancel_confirm",
            Context::Lock => "lock",
        }
    }

    fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A key with its modifiers. For character keys Shift is implied by the character itself
/// (`G`, `?`) and ignored when matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// The character this key types into a text field, if it is printable and unmodified.
    pub fn printable(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c)
                if !c.is_control()
                    && !self
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// Parses a key as a config file writes it: `q`, `G`, `?`, `ctrl-q`, `alt-x`, `shift-tab`,
    /// `enter`, `esc`, `space`, `up`, `pgdn`, `f5`. Names are case-insensitive; a single
    /// character is taken as it is.
    pub fn parse(text: &str) -> Result<Key, String> {
        if text.chars().count() == 1 {
            let c = text.chars().next().unwrap_or(' ');
            if c.is_control() {
                return Err("a control character is not a key name".to_string());
            }
            return Ok(Key::char(c));
        }
        let parts: Vec<&str> = text.split(['-', '+']).collect();
        let (name, mods) = match parts.split_last() {
            // `ctrl--` or `ctrl-+`: the key is the separator itself.
            Some((last, mods)) if last.is_empty() && mods.last() == Some(&"") => {
                let sep = if text.ends_with('+') { "+" } else { "-" };
                (sep, &mods[..mods.len() - 1])
            }
            Some((last, mods)) => (*last, mods),
            None => return Err("empty key".to_string()),
        };
        let mut modifiers = KeyModifiers::NONE;
        for m in mods {
            modifiers |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" | "option" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier {other:?} (use ctrl, alt, shift)")),
            };
        }
        let lower = name.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            f if f.starts_with('f') && f.len() > 1 => match f[1..].parse::<u8>() {
                Ok(n @ 1..=24) => KeyCode::F(n),
                _ => return Err(format!("unknown key name {name:?}")),
            },
            _ if name.chars().count() == 1 => {
                let c = name.chars().next().unwrap_or(' ');
                if modifiers.contains(KeyModifiers::CONTROL) {
                    // Terminals send Ctrl+letter without case: Ctrl-Q arrives as ctrl-q.
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => return Err(format!("unknown key name {name:?}")),
        };
        if matches!(code, KeyCode::Char(_)) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Ok(Key { code, modifiers })
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
            KeyCode::Backspace => "Backspace".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            label.push_str("Shift-");
        }
        label.push_str(&base);
        label
    }
}

/// The help descriptions the views look keys up by, so their hints follow a rebinding.
pub mod hints {
    pub const PREVIEW: &str = "Preview the order with Schwab";
    pub const NEXT_FIELD: &str = "Next field";
    pub const PREV_FIELD: &str = "Previous field";
    pub const NEXT_CHOICE: &str = "Next choice";
    pub const PREV_CHOICE: &str = "Previous choice";
    pub const LEAVE_TICKET: &str = "Leave the ticket (it is kept)";
    pub const SEND: &str = "Send the order (capital Y only)";
    pub const BACK: &str = "Back to the ticket to change it";
    pub const CANCEL_ASK: &str = "Cancel the order (asks first)";
    pub const CANCEL_SEND: &str = "Cancel it (capital Y only)";
    pub const KEEP: &str = "Keep the order";
    pub const REPLACE: &str = "Replace the order (on the ticket)";
    pub const ORDERS_VIEW: &str = "Orders view";
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
use Context::{
    CancelConfirm, Confirm, Detail, Global, Help, Input, Lock, Orders, Positions, Quotes, Ticket,
    TicketChoice, Views,
};

const fn k(code: KeyCode) -> Key {
    Key::plain(code)
}

/// Every default key, in the order the help screen lists them.
pub const BINDINGS: &[Binding] = &[
    bind(Global, Key::char('q'), C::Quit, "Quit"),
    bind(Global, Key::ctrl('c'), C::Quit, "Quit"),
    bind(
        Global,
        Key::char('?'),
        C::ToggleHelp,
        "Show or hide this help",
    ),
    // F1 too: a text field, such as the ticket's, takes `?` as a character.
    bind(
        Global,
        k(KeyCode::F(1)),
        C::ToggleHelp,
        "Show or hide this help",
    ),
    bind(Views, Key::char('1'), C::ShowPositions, "Positions view"),
    bind(Views, Key::char('2'), C::ShowQuotes, "Quotes view"),
    bind(Views, Key::char('3'), C::ShowOrders, hints::ORDERS_VIEW),
    bind(Views, Key::char('4'), C::ShowTrade, "Order ticket"),
    bind(Views, k(KeyCode::Tab), C::NextView, "Next view"),
    bind(Views, k(KeyCode::Right), C::NextView, "Next view"),
    bind(Views, Key::char('l'), C::NextView, "Next view"),
    bind(Views, k(KeyCode::BackTab), C::PrevView, "Previous view"),
    bind(Views, k(KeyCode::Left), C::PrevView, "Previous view"),
    bind(Views, Key::char('h'), C::PrevView, "Previous view"),
    bind(Views, k(KeyCode::Up), C::Up, "Move up a row"),
    bind(Views, Key::char('k'), C::Up, "Move up a row"),
    bind(Views, k(KeyCode::Down), C::Down, "Move down a row"),
    bind(Views, Key::char('j'), C::Down, "Move down a row"),
    bind(Views, k(KeyCode::PageUp), C::PageUp, "Move up a page"),
    bind(Views, k(KeyCode::PageDown), C::PageDown, "Move down a page"),
    bind(Views, Key::char('g'), C::Top, "First row"),
    bind(Views, k(KeyCode::Home), C::Top, "First row"),
    bind(Views, Key::char('G'), C::Bottom, "Last row"),
    bind(Views, k(KeyCode::End), C::Bottom, "Last row"),
    bind(Views, Key::char('r'), C::Refresh, "Refresh this view now"),
    bind(Views, Key::char('/'), C::Filter, "Filter by symbol"),
    bind(
        Views,
        k(KeyCode::Enter),
        C::Open,
        "Quote and chart of the row",
    ),
    bind(
        Views,
        k(KeyCode::Esc),
        C::Close,
        "Close the detail or clear the filter",
    ),
    bind(
        Positions,
        Key::char(']'),
        C::NextAccount,
        "Next account (or all)",
    ),
    bind(
        Positions,
        Key::char('a'),
        C::NextAccount,
        "Next account (or all)",
    ),
    bind(
        Positions,
        Key::char('['),
        C::PrevAccount,
        "Previous account",
    ),
    bind(
        Positions,
        Key::char('>'),
        C::SortNext,
        "Sort by the next column",
    ),
    bind(
        Positions,
        Key::char('<'),
        C::SortReverse,
        "Reverse the sort",
    ),
    bind(Positions, Key::char('b'), C::Buy, "Buy: ticket for the row"),
    bind(
        Positions,
        Key::char('s'),
        C::Sell,
        "Sell: ticket for the row",
    ),
    bind(Quotes, Key::char('a'), C::AddSymbol, "Add a symbol"),
    bind(Quotes, Key::char('d'), C::DeleteSymbol, "Delete the symbol"),
    bind(
        Quotes,
        Key::char('K'),
        C::MoveSymbolUp,
        "Move the symbol up",
    ),
    bind(
        Quotes,
        Key::char('J'),
        C::MoveSymbolDown,
        "Move the symbol down",
    ),
    bind(Quotes, Key::char('w'), C::NextWatchlist, "Next watchlist"),
    bind(
        Quotes,
        Key::char('W'),
        C::PrevWatchlist,
        "Previous watchlist",
    ),
    bind(Quotes, Key::char('n'), C::NewWatchlist, "New watchlist"),
    bind(
        Quotes,
        Key::char('D'),
        C::DeleteWatchlist,
        "Delete this watchlist",
    ),
    bind(Quotes, Key::char('b'), C::Buy, "Buy: ticket for the row"),
    bind(Quotes, Key::char('s'), C::Sell, "Sell: ticket for the row"),
    bind(Orders, Key::char('c'), C::CancelOrder, hints::CANCEL_ASK),
    bind(Orders, Key::char('e'), C::ReplaceOrder, hints::REPLACE),
    bind(Orders, Key::char('R'), C::ReplaceOrder, hints::REPLACE),
    bind(Ticket, k(KeyCode::Tab), C::NextField, hints::NEXT_FIELD),
    bind(Ticket, k(KeyCode::Down), C::NextField, hints::NEXT_FIELD),
    bind(Ticket, k(KeyCode::BackTab), C::PrevField, hints::PREV_FIELD),
    bind(Ticket, k(KeyCode::Up), C::PrevField, hints::PREV_FIELD),
    bind(Ticket, k(KeyCode::Enter), C::Preview, hints::PREVIEW),
    bind(Ticket, k(KeyCode::Esc), C::Close, hints::LEAVE_TICKET),
    bind(
        TicketChoice,
        k(KeyCode::Right),
        C::ChoiceNext,
        hints::NEXT_CHOICE,
    ),
    bind(
        TicketChoice,
        Key::char(' '),
        C::ChoiceNext,
        hints::NEXT_CHOICE,
    ),
    bind(
        TicketChoice,
        k(KeyCode::Left),
        C::ChoicePrev,
        hints::PREV_CHOICE,
    ),
    bind(TicketChoice, Key::char('p'), C::Preview, hints::PREVIEW),
    bind(Confirm, Key::char('Y'), C::ConfirmOrder, hints::SEND),
    bind(Confirm, k(KeyCode::Esc), C::BackToTicket, hints::BACK),
    bind(Confirm, Key::char('e'), C::BackToTicket, hints::BACK),
    bind(
        CancelConfirm,
        Key::char('Y'),
        C::ConfirmOrder,
        hints::CANCEL_SEND,
    ),
    bind(CancelConfirm, k(KeyCode::Esc), C::Close, hints::KEEP),
    bind(CancelConfirm, Key::char('n'), C::Close, hints::KEEP),
    bind(Lock, k(KeyCode::Enter), C::Unlock, "Unlock"),
    bind(
        Lock,
        k(KeyCode::Backspace),
        C::InputBackspace,
        "Delete back",
    ),
    bind(Lock, Key::ctrl('u'), C::InputClear, "Clear the passphrase"),
    bind(Detail, k(KeyCode::Esc), C::Close, "Close the detail pane"),
    bind(
        Detail,
        k(KeyCode::Right),
        C::ChartNextRange,
        "Longer chart range",
    ),
    bind(
        Detail,
        Key::char(']'),
        C::ChartNextRange,
        "Longer chart range",
    ),
    bind(
        Detail,
        k(KeyCode::Left),
        C::ChartPrevRange,
        "Shorter chart range",
    ),
    bind(
        Detail,
        Key::char('['),
        C::ChartPrevRange,
        "Shorter chart range",
    ),
    bind(Detail, Key::char('c'), C::ChartStyle, "Candles or line"),
    bind(Input, k(KeyCode::Enter), C::Submit, "Accept the text"),
    bind(Input, k(KeyCode::Esc), C::Close, "Cancel"),
    bind(
        Input,
        k(KeyCode::Backspace),
        C::InputBackspace,
        "Delete back",
    ),
    bind(Input, k(KeyCode::Delete), C::InputDelete, "Delete forward"),
    bind(Input, k(KeyCode::Left), C::InputLeft, "Cursor left"),
    bind(Input, k(KeyCode::Right), C::InputRight, "Cursor right"),
    bind(Input, k(KeyCode::Home), C::InputHome, "Cursor to start"),
    bind(Input, Key::ctrl('a'), C::InputHome, "Cursor to start"),
    bind(Input, k(KeyCode::End), C::InputEnd, "Cursor to end"),
    bind(Input, Key::ctrl('e'), C::InputEnd, "Cursor to end"),
    bind(Input, Key::ctrl('u'), C::InputClear, "Clear the field"),
    bind(Help, k(KeyCode::Esc), C::Close, "Close help"),
    bind(Help, k(KeyCode::Up), C::Up, "Scroll help up"),
    bind(Help, Key::char('k'), C::Up, "Scroll help up"),
    bind(Help, k(KeyCode::Down), C::Down, "Scroll help down"),
    bind(Help, Key::char('j'), C::Down, "Scroll help down"),
    bind(Help, k(KeyCode::PageUp), C::PageUp, "Scroll help a page up"),
    bind(
        Help,
        k(KeyCode::PageDown),
        C::PageDown,
        "Scroll help a page down",
    ),
    bind(Help, Key::char('g'), C::Top, "Top of help"),
    bind(Help, Key::char('G'), C::Bottom, "End of help"),
];

/// The keys in force: the defaults with any rebinding from the config file applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: BINDINGS.to_vec(),
        }
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The command bound to a key in the first of `contexts` that binds it.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Command> {
        contexts.iter().find_map(|context| {
            self.bindings
                .iter()
                .find(|b| b.context == *context && b.key == key)
                .map(|b| b.command)
        })
    }

    /// The keys bound to a command in a context, as the help writes them.
    pub fn keys_for(&self, context: Context, command: Command) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.context == context && b.command == command)
            .map(|b| b.key.label())
            .collect()
    }

    /// The help screen's lines, built from the bindings so help cannot drift from the keys.
    ///
    /// Bindings that share a context and a description become one line listing all their
    /// keys, in the order the contexts first appear in the table.
    pub fn help_entries(&self) -> Vec<HelpEntry> {
        let mut entries: Vec<HelpEntry> = Vec::new();
        let mut order: Vec<Context> = Vec::new();
        for binding in &self.bindings {
            if !order.contains(&binding.context) {
                order.push(binding.context);
            }
            let label = binding.key.label();
            match entries.iter_mut().find(|e| {
                e.context == binding.context.title() && e.description == binding.description
            }) {
                Some(entry) => {
                    entry.keys.push_str(", ");
                    entry.keys.push_str(&label);
                }
                None => entries.push(HelpEntry {
                    context: binding.context.title(),
                    keys: label,
                    description: binding.description,
                }),
            }
        }
        entries.sort_by_key(|e| order.iter().position(|c| c.title() == e.context));
        entries
    }
}

/// The contexts active in a state, most specific first.
///
/// The ticket has no Views context while it is filled in: its text fields take the digits
/// that switch views elsewhere, and a choice field behaves the same so that a key means the
/// same on every field. Esc leaves it. The outcome screen adds Views back, so `3` shows the
/// Orders view straight after an order.
pub fn contexts(state: &State) -> &'static [Context] {
    if state.locked() {
        &[Lock, Global]
    } else if state.input().is_some() {
        &[Input, Global]
    } else if state.help_open() {
        &[Help, Global]
    } else if state.cancel_prompt().is_some() {
        &[CancelConfirm, Global]
    } else {
        match (state.view(), state.detail_open()) {
            (View::Positions, true) => &[Detail, Positions, Views, Global],
            (View::Quotes, true) => &[Detail, Quotes, Views, Global],
            (View::Positions, false) => &[Positions, Views, Global],
            (View::Quotes, false) => &[Quotes, Views, Global],
            (View::Orders, _) => &[Orders, Views, Global],
            (View::Trade, _) => ticket_contexts(state),
        }
    }
}

fn ticket_contexts(state: &State) -> &'static [Context] {
    let form = state.ticket();
    match form.mode() {
        Mode::Editing if form.typing() => &[Ticket, Input, Global],
        Mode::Editing => &[TicketChoice, Ticket, Global],
        Mode::Outcome => &[Confirm, Views, Global],
        Mode::Previewing | Mode::Confirming | Mode::Submitting => &[Confirm, Global],
    }
}

/// What a key means in this state: a command, a character for the focused text field, or
/// nothing. Key releases mean nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    Command(Command),
    Type(char),
    Nothing,
}

impl Keymap {
    /// What a terminal key event means in this state. A focused text field takes every
    /// printable key before the keymap is asked, so `q` types a q there. On a lock screen
    /// that asks for no passphrase any key unlocks, except the non-printable quit keys.
    pub fn outcome(&self, state: &State, event: &KeyEvent) -> KeyOutcome {
        if event.kind == KeyEventKind::Release {
            return KeyOutcome::Nothing;
        }
        let key = Key::from_event(event);
        if state.typing()
            && let Some(c) = key.printable()
        {
            return KeyOutcome::Type(c);
        }
        if state.locked() && !state.lock().needs_passphrase {
            return match self.lookup(&[Global], key) {
                Some(Command::Quit) if key.printable().is_none() => KeyOutcome::Command(C::Quit),
                _ => KeyOutcome::Command(C::Unlock),
            };
        }
        match self.lookup(contexts(state), key) {
            Some(command) => KeyOutcome::Command(command),
            None => KeyOutcome::Nothing,
        }
    }

    /// The command a key event means in this state, if it is one (not typing).
    pub fn command_for(&self, state: &State, event: &KeyEvent) -> Option<Command> {
        match self.outcome(state, event) {
            KeyOutcome::Command(c) => Some(c),
            _ => None,
        }
    }
}

/// The command a key event means in this state with the default keys.
pub fn command_for(state: &State, event: &KeyEvent) -> Option<Command> {
    Keymap::default().command_for(state, event)
}

/// One line of the help screen: every key for one command in one context. Plain text, so
/// the state can hold it without knowing the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpEntry {
    /// The heading of the context ([`Context::title`]).
    pub context: &'static str,
    pub keys: String,
    pub description: &'static str,
}

/// The help screen's lines for the default keys.
pub fn help_entries() -> Vec<HelpEntry> {
    Keymap::default().help_entries()
}

/// Why a `[keys]` table was refused. Names the entry, and the config line when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeymapError {
    /// The 1-based line of the entry in the config text; `None` for a table given as such.
    pub line: Option<usize>,
    /// The entry's name as written, e.g. `positions.sort_next`.
    pub entry: String,
    pub problem: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: [keys] {}: {}", self.entry, self.problem),
            None => write!(f, "[keys] {}: {}", self.entry, self.problem),
        }
    }
}

impl std::error::Error for KeymapError {}

/// A key or keys as a `[keys]` entry gives them.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
enum KeysValue {
    One(String),
    Many(Vec<String>),
}

#[derive(serde::Deserialize)]
struct KeysOnly {
    keys: Option<BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>>,
}

/// The default keymap with the `[keys]` table of a config file applied.
///
/// `config_text` is the whole config file (other tables are ignored) or just its `[keys]`
/// table. Each entry names a command, optionally with a context (`quit`, `positions.sort_next`;
/// the names are in the help and in [`Command::name`] / [`Context::name`]), and gives one key
/// or a list of keys (`"ctrl-q"`, `["s", "F2"]`, `[]` to unbind). The keys replace that
/// command's default keys in the named context, or in every context that binds it by default
/// when none is named. An unknown command or context, a malformed key, a printable key for a
/// text-field command, or a key that ends up bound twice in one context is an error naming
/// the entry and its line; nothing is half-applied.
pub fn apply_overrides(config_text: &str) -> Result<Keymap, KeymapError> {
    let parsed: KeysOnly = toml::from_str(config_text).map_err(|e| KeymapError {
        line: e.span().map(|s| line_of(config_text, s.start)),
        entry: String::new(),
        problem: e.message().to_string(),
    })?;
    let mut entries = Vec::new();
    for (name, value) in parsed.keys.unwrap_or_default() {
        let line = Some(line_of(config_text, name.span().start));
        entries.push((line, name.into_inner(), value.into_inner()));
    }
    apply(entries)
}

/// The default keymap with a `[keys]` table applied (no line numbers in errors).
pub fn from_table(table: &toml::Table) -> Result<Keymap, KeymapError> {
    apply(
        table
            .iter()
            .map(|(name, value)| (None, name.clone(), value.clone()))
            .collect(),
    )
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

fn apply(entries: Vec<(Option<usize>, String, toml::Value)>) -> Result<Keymap, KeymapError> {
    let mut keymap = Keymap::default();
    let mut origin: Vec<Option<(Option<usize>, String)>> = vec![None; keymap.bindings.len()];

    for (line, entry, value) in entries {
        let fail = |problem: String| KeymapError {
            line,
            entry: entry.clone(),
            problem,
        };
        let (context, command) = target(&entry).map_err(&fail)?;
        let keys = match value.try_into::<KeysValue>() {
            Ok(KeysValue::One(k)) => vec![k],
            Ok(KeysValue::Many(ks)) => ks,
            Err(_) => return Err(fail("give a key as a string, or a list of strings".into())),
        };
        let keys = keys
            .iter()
            .map(|k| Key::parse(k).map_err(|e| fail(format!("{k:?}: {e}"))))
            .collect::<Result<Vec<Key>, KeymapError>>()?;

        let contexts: Vec<(Context, &'static str)> = BINDINGS
            .iter()
            .filter(|b| b.command == command && context.is_none_or(|c| c == b.context))
            .fold(Vec::new(), |mut acc, b| {
                if !acc.iter().any(|(c, _)| *c == b.context) {
                    acc.push((b.context, b.description));
                }
                acc
            });
        if contexts.is_empty() {
            return Err(fail(format!(
                "{} has no keys in {}; it can be bound only where it has default keys",
                command.name(),
                context.map_or("any context", Context::name)
            )));
        }
        for (ctx, description) in contexts {
            if ctx == Input
                && let Some(key) = keys.iter().find(|k| k.printable().is_some())
            {
                return Err(fail(format!(
                    "{} types into a text field; bind a key with ctrl, alt or a named key",
                    key.label()
                )));
            }
            let mut kept_origin = Vec::new();
            let mut kept = Vec::new();
            for (b, o) in keymap.bindings.iter().zip(origin.iter()) {
                if !(b.context == ctx && b.command == command) {
                    kept.push(*b);
                    kept_origin.push(o.clone());
                }
            }
            for key in &keys {
                kept.push(bind(ctx, *key, command, description));
                kept_origin.push(Some((line, entry.clone())));
            }
            keymap.bindings = kept;
            origin = kept_origin;
        }
    }

    check_duplicates(&keymap, &origin)?;
    Ok(keymap)
}

/// The context (if named) and the command of an entry name.
fn target(entry: &str) -> Result<(Option<Context>, Command), String> {
    let (context, name) = match entry.split_once('.') {
        Some((ctx, name)) => {
            let context = Context::from_name(ctx).ok_or_else(|| {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                format!("unknown context {ctx:?}; contexts are {}", names.join(", "))
            })?;
            (Some(context), name)
        }
        None => (None, entry),
    };
    let command = Command::from_name(name).ok_or_else(|| format!("unknown action {name:?}"))?;
    Ok((context, command))
}

fn check_duplicates(
    keymap: &Keymap,
    origin: &[Option<(Option<usize>, String)>],
) -> Result<(), KeymapError> {
    for (i, a) in keymap.bindings.iter().enumerate() {
        for (j, b) in keymap.bindings.iter().enumerate().skip(i + 1) {
            if a.context != b.context || a.key != b.key || a.command == b.command {
                continue;
            }
            let culprit = origin
                .get(j)
                .cloned()
                .flatten()
                .or_else(|| origin.get(i).cloned().flatten());
            let (line, entry) = culprit.unwrap_or((None, String::new()));
            return Err(KeymapError {
                line,
                entry,
                problem: format!(
                    "{} would be bound to both {}.{} and {}.{}; rebind one of them too",
                    a.key.label(),
                    a.context.name(),
                    a.command.name(),
                    b.context.name(),
                    b.command.name()
                ),
            });
        }
    }
    Ok(())
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
        assert_eq!(check_duplicates(&Keymap::default(), &[]), Ok(()));
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
    fn every_command_has_a_unique_name() {
        for (i, a) in Command::ALL.iter().enumerate() {
            assert_eq!(Command::from_name(a.name()), Some(*a));
            assert!(Command::ALL[i + 1..].iter().all(|b| b != a), "{a:?} twice");
        }
    }

    #[test]
    fn defaults_map_to_their_commands() {
        let state = State::new(&TuiOptions::default());
        let cases = [
            (press(KeyCode::Char('q'), KeyModifiers::NONE), C::Quit),
            (press(KeyCode::Char('c'), KeyModifiers::CONTROL), C::Quit),
            (press(KeyCode::Char('2'), KeyModifiers::NONE), C::ShowQuotes),
            (press(KeyCode::Char('3'), KeyModifiers::NONE), C::ShowOrders),
            (press(KeyCode::Char('G'), KeyModifiers::SHIFT), C::Bottom),
            (
                press(KeyCode::Char('?'), KeyModifiers::SHIFT),
                C::ToggleHelp,
            ),
            (press(KeyCode::BackTab, KeyModifiers::SHIFT), C::PrevView),
            (press(KeyCode::Char('j'), KeyModifiers::NONE), C::Down),
            (
                press(KeyCode::Char(']'), KeyModifiers::NONE),
                C::NextAccount,
            ),
            (press(KeyCode::Char('/'), KeyModifiers::NONE), C::Filter),
        ];
        for (event, command) in cases {
            assert_eq!(command_for(&state, &event), Some(command), "{event:?}");
        }
        let plain_c = press(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(command_for(&state, &plain_c), None);
    }

    #[test]
    fn releases_are_ignored() {
        let state = State::new(&TuiOptions::default());
        let mut event = press(KeyCode::Char('q'), KeyModifiers::NONE);
        event.kind = KeyEventKind::Release;
        assert_eq!(command_for(&state, &event), None);
    }

    #[test]
    fn keys_parse_as_configs_write_them() {
        assert_eq!(Key::parse("q"), Ok(Key::char('q')));
        assert_eq!(Key::parse("G"), Ok(Key::char('G')));
        assert_eq!(Key::parse("ctrl-q"), Ok(Key::ctrl('q')));
        assert_eq!(Key::parse("Ctrl+Q"), Ok(Key::ctrl('q')));
        assert_eq!(Key::parse("shift-tab"), Ok(k(KeyCode::BackTab)));
        assert_eq!(Key::parse("PgDn"), Ok(k(KeyCode::PageDown)));
        assert_eq!(Key::parse("f5"), Ok(k(KeyCode::F(5))));
        assert_eq!(Key::parse("space"), Ok(Key::char(' ')));
        assert_eq!(Key::parse("ctrl--"), Ok(Key::ctrl('-')));
        assert!(Key::parse("ctrlq").is_err());
        assert!(Key::parse("hyper-q").is_err());
        assert!(Key::parse("f99").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn overrides_replace_defaults_and_feed_the_help() {
        let text = "[api]\ntimeout_secs = 5\n\n[keys]\nquit = \"ctrl-q\"\n\
                    \"positions.sort_next\" = [\"o\", \"F2\"]\n";
        let keymap = apply_overrides(text).unwrap_or_default();
        let mut state = State::new(&TuiOptions::default());
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        let ctrl_q = press(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(keymap.command_for(&state, &q), None);
        assert_eq!(keymap.command_for(&state, &ctrl_q), Some(C::Quit));
        let o = press(KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(keymap.command_for(&state, &o), Some(C::SortNext));
        state.view = View::Quotes;
        assert_eq!(keymap.command_for(&state, &o), None);
        let help = keymap.help_entries();
        assert!(
            help.iter()
                .any(|e| e.keys == "Ctrl-Q" && e.description == "Quit")
        );
        assert!(help.iter().any(|e| e.keys == "o, F2"));
    }

    #[test]
    fn a_swap_is_fine_but_a_clash_names_the_line() {
        let swap = "[keys]\ndown = \"k\"\nup = \"j\"\n";
        assert!(apply_overrides(swap).is_ok());

        let clash = "[keys]\n\n\"tables.refresh\" = \"j\"\n";
        let err = apply_overrides(clash).err().unwrap_or_else(|| KeymapError {
            line: None,
            entry: String::new(),
            problem: String::new(),
        });
        assert_eq!(err.line, Some(3));
        assert_eq!(err.entry, "tables.refresh");
        assert!(err.problem.contains("tables.down"), "{err}");
    }

    #[test]
    fn bad_entries_are_errors_naming_the_line() {
        let cases = [
            ("[keys]\nquitt = \"q\"\n", 2, "unknown action \"quitt\""),
            ("[keys]\n\n\nquit = \"ctrlq\"\n", 4, "unknown key name"),
            ("[keys]\n\"nowhere.quit\" = \"q\"\n", 2, "unknown context"),
            ("[keys]\nquit = 5\n", 2, "as a string"),
            ("[keys]\nsubmit = \"x\"\n", 2, "text field"),
            (
                "[keys]\n\"orders.add\" = \"x\"\n",
                2,
                "only where it has default keys",
            ),
        ];
        for (text, line, needle) in cases {
            match apply_overrides(text) {
                Err(err) => {
                    assert_eq!(err.line, Some(line), "{text}: {err}");
                    assert!(err.to_string().contains(needle), "{text}: {err}");
                    assert!(err.to_string().starts_with(&format!("line {line}: ")));
                }
                Ok(_) => panic_free_fail(text),
            }
        }
        let table: toml::Table = toml::from_str("quit = \"bogus-key\"").unwrap_or_default();
        assert!(from_table(&table).is_err());
    }

    fn panic_free_fail(text: &str) {
        assert!(text.is_empty(), "accepted {text:?}");
    }

    #[test]
    fn a_text_field_takes_printable_keys() {
        let mut state = State::new(&TuiOptions::default());
        state.input = Some(crate::tui::app::InputField {
            purpose: crate::tui::app::InputPurpose::AddSymbol,
            text: String::new(),
            cursor: 0,
            message: None,
            checking: None,
        });
        let keymap = Keymap::default();
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(keymap.outcome(&state, &q), KeyOutcome::Type('q'));
        let upper = press(KeyCode::Char('Q'), KeyModifiers::SHIFT);
        assert_eq!(keymap.outcome(&state, &upper), KeyOutcome::Type('Q'));
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(keymap.outcome(&state, &esc), KeyOutcome::Command(C::Close));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.outcome(&state, &ctrl_c),
            KeyOutcome::Command(C::Quit)
        );
    }
}
