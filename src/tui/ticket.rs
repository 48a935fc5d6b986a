//! The order ticket as the TUI holds it: the pure [`Ticket`], the focused field, the order's
//! step, and what a replace or an unclear answer left behind.
//!
//! No terminal and no network: [`crate::tui::update`] changes it, the views read it. Every
//! change to what the ticket says sends the step back to Editing, so a frozen order can only
//! be the one on screen.

use rust_decimal::Decimal;

use crate::broker::model::{Account, AccountKey, AssetKind};
use crate::broker::orders::{OrderRow, Resolution};
use crate::sanitize::strip;
use crate::trading::symbol::{SymbolKind, parse_symbol};
use crate::trading::{
    AssetClass, Duration, Field, Instruction, OrderKind, OrderStep, Session, Ticket,
};
use crate::tui::action::Command;

/// The fields of the form, top to bottom, in the order Tab visits them.
pub const FIELDS: [Field; 11] = [
    Field::Account,
    Field::Symbol,
    Field::Asset,
    Field::Instruction,
    Field::Quantity,
    Field::OrderType,
    Field::LimitPrice,
    Field::StopPrice,
    Field::TrailOffset,
    Field::Duration,
    Field::Session,
];

/// The most characters a symbol field takes: longer than any symbol, so an over-long paste
/// gets its own message rather than being cut to something valid.
const SYMBOL_CHARS: usize = 40;
/// The most characters a quantity or price field takes.
const NUMBER_CHARS: usize = 24;

/// Whether a field is typed into or chosen from a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Choice,
}

/// How a field is filled in.
pub fn kind(field: Field) -> FieldKind {
    match field {
        Field::Symbol
        | Field::Quantity
        | Field::LimitPrice
        | Field::StopPrice
        | Field::TrailOffset => FieldKind::Text,
        Field::Account
        | Field::Asset
        | Field::Instruction
        | Field::OrderType
        | Field::Duration
        | Field::Session => FieldKind::Choice,
    }
}

/// Which way `b` or `s` opens the ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// The instruction for this side: BUY or SELL for a stock, BUY_TO_OPEN or SELL_TO_CLOSE
    /// for an option (the common case; the user can change it).
    pub fn instruction(self, asset: AssetClass) -> Instruction {
        match (self, asset) {
            (Side::Buy, AssetClass::Equity) => Instruction::Buy,
            (Side::Sell, AssetClass::Equity) => Instruction::Sell,
            (Side::Buy, AssetClass::Option) => Instruction::BuyToOpen,
            (Side::Sell, AssetClass::Option) => Instruction::SellToClose,
        }
    }
}

/// The order a ticket replaces.
#[derive(Clone, Debug, PartialEq)]
pub struct Replacing {
    pub order_id: i64,
    /// The order being replaced, in words, for the ticket's heading.
    pub words: String,
}

/// Where the ticket's order is, in the terms the keymap and the views need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Editing,
    /// The preview was asked for and has not come back.
    Previewing,
    /// The preview is on screen; the explicit key sends it (unless Schwab rejected it).
    Confirming,
    /// The order was sent; nothing the user does changes it until the answer comes.
    Submitting,
    /// The answer is on screen.
    Outcome,
}

/// The order ticket of the TUI.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketForm {
    pub(crate) ticket: Ticket,
    pub(crate) focus: Field,
    /// The cursor in the focused text field, in chars.
    pub(crate) cursor: usize,
    pub(crate) step: OrderStep,
    /// The number of the preview or submission being waited for; answers to older ones are
    /// stale and dropped.
    pub(crate) seq: u64,
    /// The account the frozen order was previewed for, and so the one it is sent to.
    pub(crate) frozen_for: Option<AccountKey>,
    pub(crate) replacing: Option<Replacing>,
    /// What reading the orders back found, after an unclear answer.
    pub(crate) resolution: Option<Resolution>,
    /// What became of the previous order, shown over the ticket until the next one is sent.
    pub(crate) last: Option<String>,
    /// The symbol field changed since its quote was last asked for.
    pub(crate) symbol_changed: bool,
    /// The order last sent from this ticket, in words, for the outcome screen.
    pub(crate) sent: Option<String>,
}

impl Default for TicketForm {
    fn default() -> Self {
        TicketForm {
            ticket: Ticket::default(),
            focus: Field::Account,
            cursor: 0,
            step: OrderStep::default(),
            seq: 0,
            frozen_for: None,
            replacing: None,
            resolution: None,
            last: None,
            symbol_changed: false,
            sent: None,
        }
    }
}

impl TicketForm {
    /// A ticket for `symbol`, opened with `b` or `s`: symbol, asset class, instruction and
    /// account filled in; the order type, quantity, duration and session still to choose.
    pub fn for_symbol(
        symbol: &str,
        asset: AssetClass,
        side: Side,
        account: Option<AccountKey>,
    ) -> Self {
        let mut form = TicketForm {
            ticket: Ticket {
                account,
                symbol: symbol.to_string(),
                asset: Some(asset),
                instruction: Some(side.instruction(asset)),
                ..Ticket::default()
            },
            ..TicketForm::default()
        };
        form.focus_on(Field::Quantity);
        form
    }

    /// A ticket that replaces `row`, filled in from it: the same account, symbol, side,
    /// quantity, type, prices, trailing offset, duration and session, so only what the user
    /// changes differs.
    ///
    /// Only single-leg orders of the types the ticket offers can be replaced. An order whose
    /// session Schwab did not report (or a cached row from before sessions were kept) leaves
    /// the session to choose again.
    pub fn replacing(row: &OrderRow) -> Result<Self, String> {
        let id = row.order_id;
        let instruction = Instruction::ALL
            .into_iter()
            .find(|i| i.as_str() == row.instruction)
            .ok_or_else(|| {
                format!(
                    "Order #{id} ({}) cannot be replaced here: replace is offered for \
                     single-leg stock and option orders only.",
                    row.instruction
                )
            })?;
        let kind = OrderKind::ALL
            .into_iter()
            .find(|k| k.as_str() == row.order_type)
            .ok_or_else(|| {
                format!(
                    "Order #{id} is a {} order, which the ticket does not offer; cancel it \
                     and place a new one instead.",
                    row.order_type
                )
            })?;
        // The ticket's trailing stop trails the last price by dollars; a replace must not turn
        // a percent or tick trail, or one that follows the bid, into that.
        let trails_as_ticket =
            |field: &str, ticket_sends: &str| field.is_empty() || field == ticket_sends;
        let sends_type = crate::schwab::orders::StopPriceLinkType::Value;
        let sends_basis = crate::trading::ticket::TRAIL_BASIS;
        if kind.needs_trail()
            && !(trails_as_ticket(&row.stop_price_link_type, sends_type.as_str())
                && trails_as_ticket(&row.stop_price_link_basis, sends_basis.as_str()))
        {
            return Err(format!(
                "Order #{id} trails by {} from {}, which the ticket does not offer; cancel it \
                 and place a new one instead.",
                or_unsaid(&row.stop_price_link_type),
                or_unsaid(&row.stop_price_link_basis),
            ));
        }
        let text = |value: Option<Decimal>, needed: bool| {
            value.filter(|_| needed).map(price_text).unwrap_or_default()
        };
        let ticket = Ticket {
            account: Some(row.key.clone()),
            symbol: row.symbol.clone(),
            asset: Some(instruction.asset()),
            instruction: Some(instruction),
            quantity: row.quantity.normalize().to_string(),
            order_kind: Some(kind),
            limit_price: text(row.price, kind.needs_limit()),
            stop_price: text(row.stop_price, kind.needs_stop()),
            trail_offset: text(row.stop_price_offset, kind.needs_trail()),
            duration: Duration::ALL
                .into_iter()
                .find(|d| d.as_str() == row.duration),
            session: Session::ALL.into_iter().find(|s| s.as_str() == row.session),
        };
        let mut form = TicketForm {
            ticket,
            replacing: Some(Replacing {
                order_id: id,
                words: row_words(row),
            }),
            ..TicketForm::default()
        };
        form.focus_on(if kind.needs_limit() {
            Field::LimitPrice
        } else {
            Field::Quantity
        });
        Ok(form)
    }

    pub fn ticket(&self) -> &Ticket {
        &self.ticket
    }

    pub fn focus(&self) -> Field {
        self.focus
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn step(&self) -> &OrderStep {
        &self.step
    }

    pub fn replacing_order(&self) -> Option<&Replacing> {
        self.replacing.as_ref()
    }

    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }

    pub fn last(&self) -> Option<&str> {
        self.last.as_deref()
    }

    /// The order last sent from this ticket, in words.
    pub fn sent(&self) -> Option<&str> {
        self.sent.as_deref()
    }

    pub fn mode(&self) -> Mode {
        match self.step {
            OrderStep::Editing { .. } => Mode::Editing,
            OrderStep::Previewing { .. } => Mode::Previewing,
            OrderStep::Confirming { .. } => Mode::Confirming,
            OrderStep::Submitting { .. } => Mode::Submitting,
            OrderStep::Outcome(_) => Mode::Outcome,
        }
    }

    /// Whether the focused field takes typed text (only while editing).
    pub fn typing(&self) -> bool {
        self.mode() == Mode::Editing && kind(self.focus) == FieldKind::Text
    }

    /// The text of a text field; `None` for a choice field.
    pub fn text(&self, field: Field) -> Option<&str> {
        let t = &self.ticket;
        match field {
            Field::Symbol => Some(&t.symbol),
            Field::Quantity => Some(&t.quantity),
            Field::LimitPrice => Some(&t.limit_price),
            Field::StopPrice => Some(&t.stop_price),
            Field::TrailOffset => Some(&t.trail_offset),
            _ => None,
        }
    }

    fn text_mut(&mut self, field: Field) -> Option<&mut String> {
        let t = &mut self.ticket;
        match field {
            Field::Symbol => Some(&mut t.symbol),
            Field::Quantity => Some(&mut t.quantity),
            Field::LimitPrice => Some(&mut t.limit_price),
            Field::StopPrice => Some(&mut t.stop_price),
            Field::TrailOffset => Some(&mut t.trail_offset),
            _ => None,
        }
    }

    /// Whether a price field applies to the chosen order type. Unused ones are skipped by
    /// Tab, unless they hold text that must be cleared.
    pub fn applies(&self, field: Field) -> bool {
        let Some(order) = self.ticket.order_kind else {
            return true;
        };
        match field {
            Field::LimitPrice => order.needs_limit(),
            Field::StopPrice => order.needs_stop(),
            Field::TrailOffset => order.needs_trail(),
            _ => true,
        }
    }

    /// Whether Tab stops at a field. A replace keeps its account, so that is not visited.
    pub fn visits(&self, field: Field) -> bool {
        if field == Field::Account && self.replacing.is_some() {
            return false;
        }
        self.applies(field) || self.text(field).is_some_and(|t| !t.is_empty())
    }

    /// Moves the focus to `field`, with the cursor at the end of its text.
    pub fn focus_on(&mut self, field: Field) {
        self.focus = field;
        self.cursor = self.text(field).map_or(0, |t| t.chars().count());
    }

    /// Moves the focus to the next (or previous) field Tab visits. Returns whether it moved.
    pub fn move_focus(&mut self, forward: bool) -> bool {
        let at = FIELDS.iter().position(|f| *f == self.focus).unwrap_or(0);
        let count = FIELDS.len();
        for step in 1..count {
            let index = if forward {
                (at + step) % count
            } else {
                (at + count - step) % count
            };
            let field = FIELDS[index];
            if self.visits(field) {
                self.focus_on(field);
                return true;
            }
        }
        false
    }

    /// Whether the ticket may change now: not while its order is in flight.
    pub fn editable(&self) -> bool {
        self.mode() != Mode::Submitting
    }

    /// Back to Editing after a change, dropping any frozen order and its preview. Leaving an
    /// unclear outcome leaves a reminder, since the same order may already be working.
    pub(crate) fn edited(&mut self) {
        if let OrderStep::Outcome(crate::trading::Outcome::Unknown { .. }) = self.step {
            self.last = Some(
                "The last order's outcome was unknown: check the Orders view before sending \
                 it again."
                    .to_string(),
            );
        }
        let step = std::mem::take(&mut self.step);
        self.step = step.edit();
        self.frozen_for = None;
        self.resolution = None;
    }

    /// The next (or previous) option of the focused choice field. `accounts` are the choices
    /// of the account field. Returns whether the ticket changed.
    pub fn cycle(&mut self, forward: bool, accounts: &[Account]) -> bool {
        if !self.editable() {
            return false;
        }
        let t = &mut self.ticket;
        let changed = match self.focus {
            Field::Account if self.replacing.is_none() => {
                let keys: Vec<AccountKey> = accounts.iter().map(|a| a.key.clone()).collect();
                choose(&mut t.account, &keys, forward)
            }
            Field::Asset => choose(&mut t.asset, &AssetClass::ALL, forward),
            Field::Instruction => {
                let options: Vec<Instruction> = match t.asset {
                    Some(asset) => Instruction::for_asset(asset).to_vec(),
                    None => Instruction::ALL.to_vec(),
                };
                choose(&mut t.instruction, &options, forward)
            }
            Field::OrderType => choose(&mut t.order_kind, &OrderKind::ALL, forward),
            Field::Duration => choose(&mut t.duration, &Duration::ALL, forward),
            Field::Session => choose(&mut t.session, &Session::ALL, forward),
            _ => false,
        };
        if changed {
            self.edited();
        }
        changed
    }

    /// Types or pastes at the cursor of the focused text field. Controls are dropped and a
    /// symbol is upper-cased as it is typed. Returns whether the ticket changed.
    pub fn type_text(&mut self, text: &str) -> bool {
        if !self.editable() {
            return false;
        }
        let field = self.focus;
        let room = match field {
            Field::Symbol => SYMBOL_CHARS,
            _ => NUMBER_CHARS,
        };
        let cursor = self.cursor;
        let Some(current) = self.text_mut(field) else {
            return false;
        };
        let mut typed = strip(text, room.saturating_sub(current.chars().count()));
        if field == Field::Symbol {
            typed = typed.to_uppercase();
        }
        if typed.is_empty() {
            return false;
        }
        let at = byte_at(current, cursor);
        current.insert_str(at, &typed);
        self.cursor = cursor + typed.chars().count();
        self.changed_text(field);
        true
    }

    /// A cursor or delete key in the focused text field. Returns whether anything moved.
    pub fn edit_text(&mut self, command: Command) -> bool {
        if !self.editable() {
            return false;
        }
        let field = self.focus;
        let cursor = self.cursor;
        let Some(text) = self.text_mut(field) else {
            return false;
        };
        let len = text.chars().count();
        let before = (text.clone(), cursor);
        let mut cursor = cursor.min(len);
        match command {
            Command::InputBackspace if cursor > 0 => {
                text.remove(byte_at(text, cursor - 1));
                cursor -= 1;
            }
            Command::InputDelete if cursor < len => {
                text.remove(byte_at(text, cursor));
            }
            Command::InputLeft => cursor = cursor.saturating_sub(1),
            Command::InputRight => cursor = (cursor + 1).min(len),
            Command::InputHome => cursor = 0,
            Command::InputEnd => cursor = len,
            Command::InputClear => {
                text.clear();
                cursor = 0;
            }
            _ => {}
        }
        let text_changed = *text != before.0;
        if (text.clone(), cursor) == before {
            return false;
        }
        self.cursor = cursor;
        if text_changed {
            self.changed_text(field);
        }
        true
    }

    fn changed_text(&mut self, field: Field) {
        if field == Field::Symbol {
            self.symbol_changed = true;
        }
        self.edited();
    }

    /// The symbol as the API would be asked about it, when it reads as one.
    pub fn canonical_symbol(&self) -> Option<String> {
        parse_symbol(&self.ticket.symbol)
            .ok()
            .map(|kind| kind.canonical())
    }
}

/// The asset class a symbol trades as on the ticket, from its quote's kind or, without one,
/// from its grammar; an error naming what it is when the ticket cannot trade it.
pub fn asset_class(symbol: &str, kind: Option<&AssetKind>) -> Result<AssetClass, String> {
    let refuse = |what: &str| {
        Err(format!(
            "{symbol} is {what}: the ticket trades stocks, ETFs and single options only."
        ))
    };
    match kind {
        Some(AssetKind::Equity | AssetKind::Etf) => Ok(AssetClass::Equity),
        Some(AssetKind::Option) => Ok(AssetClass::Option),
        Some(AssetKind::MutualFund) => refuse("a mutual fund"),
        Some(AssetKind::Index) => refuse("an index"),
        Some(AssetKind::Future) => refuse("a future"),
        Some(AssetKind::Forex) => refuse("a currency pair"),
        Some(AssetKind::Other(name)) => refuse(&format!("a {name}")),
        None => match parse_symbol(symbol) {
            Ok(SymbolKind::Equity { .. }) => Ok(AssetClass::Equity),
            Ok(SymbolKind::Option { .. }) => Ok(AssetClass::Option),
            Ok(other) => refuse(&format!("a {}", other.label())),
            Err(e) => Err(e.to_string()),
        },
    }
}

/// What reading the orders back found after an unclear answer, in words the user can act
/// on. None of them offers to send again: only the user decides that.
pub fn resolution_text(resolution: &Resolution) -> String {
    match resolution {
        Resolution::Found(row) => format!(
            "found: it was placed as order #{} ({}).",
            row.order_id,
            row.status.to_ascii_lowercase().replace('_', " ")
        ),
        Resolution::NotFound => "not found: it was probably not placed; check the Orders view \
             before sending it again."
            .to_string(),
        Resolution::StillUnknown(why) => format!(
            "still unknown: the orders could not be read either ({why}); check the Orders view \
             before sending it again."
        ),
    }
}

/// A price as the ticket shows it typed: at least two decimals, no trailing zeros past them.
pub fn price_text(price: Decimal) -> String {
    let mut shown = price.normalize();
    if shown.scale() < 2 {
        shown.rescale(2);
    }
    shown.to_string()
}

/// A field of an order in words, or "(not given)" where Schwab left it out.
fn or_unsaid(field: &str) -> &str {
    if field.is_empty() {
        "(not given)"
    } else {
        field
    }
}

/// An order row in words, as the confirm line writes a request: `BUY 10 AAPL LIMIT 180.00 DAY`.
pub fn row_words(row: &OrderRow) -> String {
    let mut words = vec![
        row.instruction.clone(),
        row.quantity.normalize().to_string(),
        row.symbol.clone(),
        row.order_type.clone(),
    ];
    if let Some(price) = row.price {
        words.push(price_text(price));
    }
    if let Some(stop) = row.stop_price {
        words.push(format!("stop {}", price_text(stop)));
    }
    if !row.duration.is_empty() {
        words.push(row.duration.clone());
    }
    words.join(" ")
}

/// Moves a choice to the option after (or before) the current one, wrapping; to the first
/// (or last) while none is chosen. Returns whether it changed.
fn choose<T: Clone + PartialEq>(slot: &mut Option<T>, options: &[T], forward: bool) -> bool {
    let count = options.len();
    if count == 0 {
        return false;
    }
    let index = match slot
        .as_ref()
        .and_then(|c| options.iter().position(|o| o == c))
    {
        None if forward => 0,
        None => count - 1,
        Some(i) if forward => (i + 1) % count,
        Some(i) => (i + count - 1) % count,
    };
    let value = options.get(index).cloned();
    if value.is_none() || *slot == value {
        return false;
    }
    *slot = value;
    true
}

fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]

    use super::*;

    /// A working trailing stop as Schwab lists it, trailing by `link` from `basis`.
    fn trailing_row(link: &str, basis: &str) -> OrderRow {
        let json = format!(
            r#"{{"orderId": 77, "session": "NORMAL", "duration": "DAY",
                "orderType": "TRAILING_STOP", "quantity": 3, "stopPriceOffset": 2,
                "stopPriceLinkType": "{link}", "stopPriceLinkBasis": "{basis}",
                "status": "WORKING", "orderLegCollection": [{{"instruction": "SELL",
                "quantity": 3, "instrument": {{"symbol": "AAPL", "assetType": "EQUITY"}}}}]}}"#
        );
        let order: crate::schwab::orders::Order =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        crate::broker::orders::order_row(&order, "…1234", "HASH")
            .unwrap_or_else(|| panic!("no row"))
    }

    #[test]
    fn a_trail_the_ticket_cannot_send_is_refused_not_turned_into_dollars() {
        let refused = TicketForm::replacing(&trailing_row("PERCENT", "BID"))
            .err()
            .unwrap_or_default();
        assert!(refused.contains("trails by PERCENT from BID"), "{refused}");
        assert!(
            refused.contains("cancel it and place a new one"),
            "{refused}"
        );
        assert!(TicketForm::replacing(&trailing_row("VALUE", "MARK")).is_err());

        let kept =
            TicketForm::replacing(&trailing_row("VALUE", "LAST")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept.ticket.trail_offset, "2.00");
        assert_eq!(kept.ticket.session, Some(Session::Normal));
    }

    #[test]
    fn choices_start_unchosen_and_cycle_both_ways() {
        let mut form = TicketForm::default();
        form.focus_on(Field::OrderType);
        assert_eq!(form.ticket.order_kind, None);
        assert!(form.cycle(true, &[]));
        assert_eq!(form.ticket.order_kind, Some(OrderKind::Market));
        assert!(form.cycle(false, &[]));
        assert_eq!(form.ticket.order_kind, Some(OrderKind::TrailingStop));
        let mut fresh = TicketForm::default();
        fresh.focus_on(Field::Session);
        assert!(fresh.cycle(false, &[]));
        assert_eq!(fresh.ticket.session, Some(Session::Seamless));
    }

    #[test]
    fn tab_skips_prices_the_order_type_does_not_use_unless_they_hold_text() {
        let mut form = TicketForm::default();
        form.ticket.order_kind = Some(OrderKind::Limit);
        form.focus_on(Field::LimitPrice);
        assert!(form.move_focus(true));
        assert_eq!(form.focus, Field::Duration);
        form.ticket.stop_price = "1".to_string();
        form.focus_on(Field::LimitPrice);
        form.move_focus(true);
        assert_eq!(form.focus, Field::StopPrice);
        form.focus_on(Field::Account);
        form.move_focus(false);
        assert_eq!(form.focus, Field::Session);
    }

    #[test]
    fn a_symbol_is_upper_cased_and_controls_are_dropped() {
        let mut form = TicketForm::default();
        form.focus_on(Field::Symbol);
        assert!(form.type_text("aa\x1b[2Jpl"));
        assert_eq!(form.ticket.symbol, "AA[2JPL");
        form.edit_text(Command::InputClear);
        form.type_text("brk.b");
        assert_eq!(form.ticket.symbol, "BRK.B");
        assert!(form.symbol_changed);
    }

    #[test]
    fn prices_are_shown_with_two_decimals_at_least() {
        assert_eq!(price_text(Decimal::new(180, 0)), "180.00");
        assert_eq!(price_text(Decimal::new(18725, 2)), "187.25");
        assert_eq!(price_text(Decimal::new(12345, 4)), "1.2345");
        assert_eq!(price_text(Decimal::new(1_870_000, 4)), "187.00");
    }

    #[test]
    fn only_stocks_etfs_and_options_open_a_ticket() {
        assert_eq!(
            asset_class("SPY", Some(&AssetKind::Etf)),
            Ok(AssetClass::Equity)
        );
        assert_eq!(
            asset_class("AAPL  270115C00200000", None),
            Ok(AssetClass::Option)
        );
        assert!(asset_class("$SPX", Some(&AssetKind::Index)).is_err());
        assert!(asset_class("/ES", None).is_err());
    }
}
