//! The order ticket's part of `update`: filling in the form, preview, confirm and the answers;
//! cancel and replace from the Orders view; the idle lock.
//!
//! Pure like the rest of update. An order leaves only as the [`Effect::Place`] or
//! [`Effect::Replace`] built from the frozen order of an acceptable confirm step, once.

use chrono::{DateTime, Local};

use crate::broker::BrokerError;
use crate::broker::model::{AccountKey, QuoteState};
use crate::broker::orders::{OrderRow, Resolution, Submission};
use crate::sanitize::{clean, strip};
use crate::schwab::orders::{OrderValidationResult, PreviewOrder, ValidationDetail};
use crate::trading::{Field, OrderStep, Outcome, StepEffect, describe};
use crate::tui::action::{Command, Effect, Feed, Passphrase};
use crate::tui::app::{CancelPrompt, State, View};
use crate::tui::holdings::Line;
use crate::tui::orders::sort_orders;
use crate::tui::ticket::{Mode, Side, TicketForm, asset_class};
use crate::tui::update::{clean_order, fetch, note_link, notify};

/// The longest Schwab message kept from a preview, an answer or a refusal.
const REASON_CHARS: usize = 200;

/// The longest passphrase the lock screen takes.
const PASSPHRASE_CHARS: usize = 256;

/// `4`, or a prefilled ticket: shows the ticket, filling in the default account when none is
/// chosen, and fetches the quote and the account it needs.
pub(crate) fn open(state: &mut State) -> Vec<Effect> {
    if state.view != View::Trade {
        state.previous_view = state.view;
    }
    state.view = View::Trade;
    state.help_open = false;
    state.detail_open = false;
    fill_default_account(state);
    state.touch();
    let mut effects: Vec<Effect> = fetch(state, Feed::Positions, false).into_iter().collect();
    effects.extend(fetch(state, Feed::Quotes, false));
    effects
}

/// Leaving the ticket for another view: a preview on screen is dropped, so coming back
/// means previewing again before anything can be sent.
pub(crate) fn leave(state: &mut State) {
    if matches!(state.ticket.mode(), Mode::Previewing | Mode::Confirming) {
        state.ticket.edited();
    }
}

/// The account a new ticket starts on: the configured one, else the only one.
///
/// The configured label matches a whole label, or the start of exactly one (`Individual`
/// for `Individual …1234`); when it could mean two accounts, none is chosen and the user
/// picks, rather than an order starting on a guess.
fn default_account(state: &State) -> Option<AccountKey> {
    let Some(label) = &state.trading.default_account else {
        return match state.accounts.as_slice() {
            [only] => Some(only.key.clone()),
            _ => None,
        };
    };
    let label = label.trim().to_lowercase();
    if let Some(exact) = state
        .accounts
        .iter()
        .find(|a| a.label.to_lowercase() == label)
    {
        return Some(exact.key.clone());
    }
    let mut starting = state
        .accounts
        .iter()
        .filter(|a| a.label.to_lowercase().starts_with(&label));
    match (starting.next(), starting.next()) {
        (Some(one), None) => Some(one.key.clone()),
        _ => None,
    }
}

/// Fills in the default account on a ticket that names none, and moves on to the symbol
/// when the account was all the ticket was waiting for.
pub(crate) fn fill_default_account(state: &mut State) {
    let form = &state.ticket;
    if form.ticket.account.is_some() || form.replacing.is_some() || !form.editable() {
        return;
    }
    let Some(key) = default_account(state) else {
        return;
    };
    let form = &mut state.ticket;
    form.ticket.account = Some(key);
    if form.focus == Field::Account {
        form.focus_on(Field::Symbol);
    }
    state.touch();
}

/// Whether an order, a replace or a cancel has been sent and its answer has not come.
pub(crate) fn order_in_flight(state: &State) -> bool {
    state.ticket.mode() == Mode::Submitting || state.cancel.as_ref().is_some_and(|p| p.sending)
}

/// `q` or Ctrl-C. With an order write in flight the first one waits for its answer, so the
/// answer is journaled and shown; a second one quits at once.
pub(crate) fn quit(state: &mut State) {
    if order_in_flight(state) && !state.quit_waiting {
        state.quit_waiting = true;
        notify(
            state,
            "Quitting once the order's answer is in, so that it is recorded; press again to \
             quit now without it."
                .to_string(),
            true,
        );
        return;
    }
    state.quit = true;
    state.touch();
}

/// After an order write's answer: the quit that waited for it goes ahead.
fn quit_if_waiting(state: &mut State) {
    if state.quit_waiting && !order_in_flight(state) {
        state.quit = true;
        state.touch();
    }
}

/// `b` or `s` on a quote or a position: a new ticket for its symbol, side and account.
pub(crate) fn open_for_row(state: &mut State, side: Side) -> Vec<Effect> {
    if !state.ticket.editable() {
        return busy(state);
    }
    let (symbol, kind, account) = match state.view {
        View::Quotes => {
            let Some(symbol) = state.selected_symbol() else {
                return Vec::new();
            };
            let kind = state.quote(&symbol).and_then(|row| match &row.state {
                QuoteState::Live(quote) => quote.kind.clone(),
                _ => None,
            });
            (symbol, kind, default_account(state))
        }
        View::Positions => {
            let row = state.positions_cursor.row;
            let Some(Line::Holding { account, index, .. }) =
                state.position_lines().get(row).cloned()
            else {
                return Vec::new();
            };
            let Some(account) = state.accounts.get(account) else {
                return Vec::new();
            };
            let Some(position) = account.positions.get(index) else {
                return Vec::new();
            };
            (
                position.symbol.clone(),
                Some(position.kind.clone()),
                Some(account.key.clone()),
            )
        }
        View::Orders | View::Trade => return Vec::new(),
    };
    match asset_class(&symbol, kind.as_ref()) {
        Ok(asset) => {
            let last = state.ticket.last.take();
            state.ticket = TicketForm::for_symbol(&symbol, asset, side, account);
            state.ticket.last = last;
            open(state)
        }
        Err(message) => {
            notify(state, clean(&message, REASON_CHARS), true);
            Vec::new()
        }
    }
}

fn busy(state: &mut State) -> Vec<Effect> {
    notify(
        state,
        "An order is being sent: wait for its answer (4 shows it) before starting another."
            .to_string(),
        true,
    );
    Vec::new()
}

/// Tab, Shift-Tab, ↑, ↓ on the ticket. Leaving a changed symbol asks for its quote.
pub(crate) fn move_focus(state: &mut State, forward: bool) -> Vec<Effect> {
    let leaving = state.ticket.focus;
    if !state.ticket.move_focus(forward) {
        return Vec::new();
    }
    state.touch();
    if leaving == Field::Symbol && std::mem::take(&mut state.ticket.symbol_changed) {
        return fetch(state, Feed::Quotes, false).into_iter().collect();
    }
    Vec::new()
}

/// ←, →, Space on a choice field.
pub(crate) fn cycle(state: &mut State, forward: bool) -> Vec<Effect> {
    let accounts = state.accounts.clone();
    if state.ticket.cycle(forward, &accounts) {
        state.touch();
    }
    Vec::new()
}

/// Text typed or pasted on the ticket: into the focused text field, whatever the step but
/// Submitting. A change after a preview returns the ticket to editing.
pub(crate) fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    if state.ticket.type_text(text) {
        state.touch();
    }
    Vec::new()
}

/// Backspace, Delete and the cursor keys in the ticket's focused text field.
pub(crate) fn edit_text(state: &mut State, command: Command) {
    if state.ticket.edit_text(command) {
        state.touch();
    }
}

/// Enter (or `p`): checks the ticket and, when nothing is wrong, freezes it and asks Schwab
/// for a preview of exactly those bytes.
pub(crate) fn preview(state: &mut State) -> Vec<Effect> {
    if state.ticket.mode() != Mode::Editing {
        return Vec::new();
    }
    if let Some(off) = state.trading.off.clone() {
        state.ticket.step = OrderStep::Editing { notice: Some(off) };
        state.touch();
        return Vec::new();
    }
    let validation = state.ticket_validation();
    if let Some(first) = validation.problems.first() {
        let count = validation.problems.len();
        let notice = if count == 1 {
            format!("Fix {} first: {}", first.field.label(), first.message)
        } else {
            format!(
                "{count} fields to fix first, starting with {}: {}",
                first.field.label(),
                first.message
            )
        };
        let field = first.field;
        let form = &mut state.ticket;
        form.focus_on(field);
        form.step = OrderStep::Editing {
            notice: Some(notice),
        };
        state.touch();
        return Vec::new();
    }
    let Some(account) = state.ticket.ticket.account.clone() else {
        return Vec::new();
    };

    let form = &mut state.ticket;
    let transition = std::mem::take(&mut form.step).preview(&validation);
    form.step = transition.step;
    state.touch();
    match transition.effect {
        Some(StepEffect::Preview(order)) => {
            let form = &mut state.ticket;
            form.seq += 1;
            form.frozen_for = Some(account.clone());
            vec![Effect::Preview {
                seq: form.seq,
                account,
                order,
            }]
        }
        _ => Vec::new(),
    }
}

/// `Y`: sends the frozen order of an acceptable confirm step (or the cancel being asked
/// about), once. Anywhere else, including while the order is already in flight, nothing.
pub(crate) fn confirm(state: &mut State) -> Vec<Effect> {
    if state.cancel.is_some() {
        return confirm_cancel(state);
    }
    if state.view != View::Trade || state.trading.off.is_some() {
        return Vec::new();
    }
    let form = &mut state.ticket;
    let Some(account) = form.frozen_for.clone() else {
        return Vec::new();
    };
    if !form.step.can_confirm() {
        return Vec::new();
    }
    let transition = std::mem::take(&mut form.step).confirm();
    form.step = transition.step;
    let Some(StepEffect::Place(order)) = transition.effect else {
        return Vec::new();
    };
    form.seq += 1;
    form.last = None;
    form.sent = Some(describe(order.request()));
    let seq = form.seq;
    let effect = match &form.replacing {
        Some(replacing) => Effect::Replace {
            seq,
            account,
            order_id: replacing.order_id,
            order,
        },
        None => Effect::Place {
            seq,
            account,
            order,
        },
    };
    state.touch();
    vec![effect]
}

/// Esc or `e` on the preview, confirm or outcome screen: back to the ticket to change it.
/// While the order is in flight the screen stays: its answer must be seen.
pub(crate) fn back_to_ticket(state: &mut State) {
    match state.ticket.mode() {
        Mode::Previewing | Mode::Confirming | Mode::Outcome => {
            state.ticket.edited();
            state.touch();
        }
        Mode::Submitting => notify(
            state,
            "The order is being sent; its answer will show here.".to_string(),
            true,
        ),
        Mode::Editing => {}
    }
}

/// Esc on the ticket while it is filled in: back to the view it was opened from. The
/// ticket is kept as it is for `4`.
pub(crate) fn close(state: &mut State) -> Vec<Effect> {
    let back = match state.previous_view {
        View::Trade => View::Positions,
        view => view,
    };
    crate::tui::update::show(state, back)
}

/// The preview's answer: shown for confirming when it answers the preview waited for.
pub(crate) fn on_previewed(
    state: &mut State,
    seq: u64,
    result: Result<Box<PreviewOrder>, BrokerError>,
    at: DateTime<Local>,
) -> Vec<Effect> {
    note_link(state, result.as_ref().err(), at);
    let form = &mut state.ticket;
    let Some(order) = form.step.order().cloned() else {
        return Vec::new();
    };
    if seq != form.seq || form.mode() != Mode::Previewing {
        return Vec::new();
    }
    let step = std::mem::take(&mut form.step);
    form.step = match result {
        Ok(preview) => step.preview_received(&order, clean_preview(*preview)),
        Err(error) => step.preview_failed(
            &order,
            clean(
                &format!("The preview failed ({error}); nothing was sent."),
                REASON_CHARS,
            ),
        ),
    };
    state.touch();
    Vec::new()
}

/// The answer to a place or replace: placed orders show on the Orders view; a refusal or an
/// unclear answer stays on the ticket's screen, where it cannot be missed.
pub(crate) fn on_submitted(
    state: &mut State,
    seq: u64,
    result: Result<Submission, BrokerError>,
    at: DateTime<Local>,
) -> Vec<Effect> {
    note_link(state, result.as_ref().err(), at);
    let form = &state.ticket;
    if seq != form.seq || form.mode() != Mode::Submitting {
        return Vec::new();
    }
    let words = form
        .step
        .order()
        .map(|o| describe(o.request()))
        .unwrap_or_default();
    let replaced = form.replacing.as_ref().map(|r| r.order_id);
    let account = form.ticket.account.clone();

    let submission = match result {
        Ok(submission) => clean_submission(submission),
        Err(error) => Submission {
            outcome: Outcome::Rejected {
                reasons: vec![clean(&format!("Not sent: {error}"), REASON_CHARS)],
            },
            resolution: None,
            order: None,
        },
    };
    if let Some(row) = submission.order.clone() {
        upsert_order(state, *row);
    }
    if let Some(Resolution::Found(row)) = &submission.resolution {
        upsert_order(state, (**row).clone());
        state.highlight_order = Some(row.order_id);
    }
    let step = std::mem::take(&mut state.ticket.step);
    state.ticket.step = step.submitted(submission.outcome.clone());
    state.ticket.resolution = submission.resolution;
    state.touch();

    let mut effects = Vec::new();
    match submission.outcome {
        Outcome::Placed { order_id } => {
            let id = order_id.map_or_else(|| "with no id yet".to_string(), |id| format!("#{id}"));
            let text = match replaced {
                Some(old) => format!("Order #{old} replaced by order {id}: {words}"),
                None => format!("Order {id} placed: {words}"),
            };
            state.highlight_order = order_id;
            let mut fresh = TicketForm::default();
            fresh.ticket.account = account;
            fresh.focus_on(Field::Symbol);
            fresh.last = Some(text.clone());
            state.ticket = fresh;
            effects.extend(crate::tui::update::show(state, View::Orders));
            if let Some(id) = order_id {
                select_order(state, id);
            }
            notify(state, text, false);
        }
        Outcome::Rejected { .. } | Outcome::Unknown { .. } => {
            if state.view != View::Trade {
                state.previous_view = state.view;
                state.view = View::Trade;
            }
        }
    }
    effects.extend(fetch(state, Feed::Orders, true));
    effects.extend(fetch(state, Feed::Positions, false));
    quit_if_waiting(state);
    effects
}

/// `c` on the Orders view: asks before canceling the highlighted order, if Schwab says it
/// can be canceled.
pub(crate) fn ask_cancel(state: &mut State) -> Vec<Effect> {
    if state.view != View::Orders {
        return Vec::new();
    }
    let Some(order) = selected_order(state) else {
        return Vec::new();
    };
    if !order.cancelable {
        let text = format!(
            "Order #{} cannot be canceled: Schwab lists it as {} and not cancelable.",
            order.order_id, order.status
        );
        notify(state, text, true);
        return Vec::new();
    }
    if let Some(off) = state.trading.off.clone() {
        notify(state, off, true);
        return Vec::new();
    }
    state.cancel = Some(CancelPrompt {
        order,
        sending: false,
    });
    state.touch();
    Vec::new()
}

fn confirm_cancel(state: &mut State) -> Vec<Effect> {
    let Some(prompt) = state.cancel.as_mut() else {
        return Vec::new();
    };
    if prompt.sending {
        return Vec::new();
    }
    prompt.sending = true;
    let effect = Effect::Cancel {
        account: prompt.order.key.clone(),
        order_id: prompt.order.order_id,
    };
    state.touch();
    vec![effect]
}

/// Esc or `n` on the cancel prompt: keeps the order. Once the cancel is sent the prompt
/// stays until its answer.
pub(crate) fn close_cancel(state: &mut State) {
    if state.cancel.as_ref().is_some_and(|p| !p.sending) {
        state.cancel = None;
        state.touch();
    }
}

/// The answer to a cancel, as a notice, and the orders fetched again to show it.
pub(crate) fn on_canceled(
    state: &mut State,
    order_id: i64,
    result: Result<Outcome, BrokerError>,
    at: DateTime<Local>,
) -> Vec<Effect> {
    note_link(state, result.as_ref().err(), at);
    if state
        .cancel
        .as_ref()
        .is_some_and(|p| p.order.order_id == order_id)
    {
        state.cancel = None;
    }
    let (text, error) = match result {
        Ok(Outcome::Placed { .. }) => (
            format!("Cancel of order #{order_id} accepted; the list will show it canceled."),
            false,
        ),
        Ok(Outcome::Rejected { reasons }) => (
            format!(
                "Cancel of order #{order_id} refused: {}",
                reasons.join("; ")
            ),
            true,
        ),
        Ok(Outcome::Unknown { reason }) => (
            format!(
                "The cancel of order #{order_id} got no clear answer ({reason}): it may or may \
                 not be canceled; the list is being read again."
            ),
            true,
        ),
        Err(error) => (format!("Cancel not sent: {error}"), true),
    };
    notify(state, clean(&text, REASON_CHARS), error);
    quit_if_waiting(state);
    fetch(state, Feed::Orders, true).into_iter().collect()
}

/// `e` or `R` on the Orders view: the ticket, filled in from the order, to replace it.
pub(crate) fn open_replace(state: &mut State) -> Vec<Effect> {
    if state.view != View::Orders {
        return Vec::new();
    }
    let Some(order) = selected_order(state) else {
        return Vec::new();
    };
    if !order.editable {
        let text = format!(
            "Order #{} cannot be replaced: Schwab lists it as {} and not editable.",
            order.order_id, order.status
        );
        notify(state, text, true);
        return Vec::new();
    }
    if !state.ticket.editable() {
        return busy(state);
    }
    match TicketForm::replacing(&order) {
        Ok(form) => {
            state.ticket = form;
            open(state)
        }
        Err(message) => {
            notify(state, clean(&message, REASON_CHARS), true);
            Vec::new()
        }
    }
}

fn selected_order(state: &State) -> Option<OrderRow> {
    state
        .visible_orders()
        .get(state.orders_cursor.row)
        .map(|o| (*o).clone())
}

/// Puts an order read back after placing into the list at once, replacing an older copy.
fn upsert_order(state: &mut State, row: OrderRow) {
    let row = clean_order(row);
    state.orders.retain(|o| o.order_id != row.order_id);
    state.orders.push(row);
    sort_orders(&mut state.orders);
}

/// Highlights order `id` on the Orders view, when it is listed.
pub(crate) fn select_order(state: &mut State, id: i64) {
    let Some(row) = state.visible_orders().iter().position(|o| o.order_id == id) else {
        return;
    };
    let count = state.row_count_of(View::Orders);
    let page = state.page_len(View::Orders);
    state.orders_cursor.set(row, count, page);
    state.touch();
}

/// No input for the lock time: hides everything. A preview on screen is dropped, so after
/// unlocking the order must be previewed again before anything can be sent.
pub(crate) fn lock(state: &mut State) -> Vec<Effect> {
    if state.lock.after.is_zero() || state.lock.locked {
        return Vec::new();
    }
    state.lock.locked = true;
    state.lock.typed.clear();
    state.lock.message = None;
    state.lock.checking = false;
    state.help_open = false;
    if matches!(state.ticket.mode(), Mode::Previewing | Mode::Confirming) {
        state.ticket.edited();
        state.ticket.step = OrderStep::Editing {
            notice: Some("The screen was locked: preview the order again to send it.".into()),
        };
    }
    if state.cancel.as_ref().is_some_and(|p| !p.sending) {
        state.cancel = None;
    }
    state.touch();
    if state.lock.needs_passphrase {
        vec![Effect::ForgetVaultKey]
    } else {
        Vec::new()
    }
}

/// A key on the lock screen: quit, unlock (with the passphrase when one is asked for), or
/// editing what has been typed. Nothing else gets through.
pub(crate) fn on_locked_command(state: &mut State, command: Command) -> Vec<Effect> {
    match command {
        Command::Quit => {
            quit(state);
            Vec::new()
        }
        Command::Unlock if !state.lock.needs_passphrase => unlock(state),
        Command::Unlock if state.lock.checking => Vec::new(),
        Command::Unlock if state.lock.typed.is_empty() => {
            state.lock.message = Some("Type the passphrase, then press Enter.".to_string());
            state.touch();
            Vec::new()
        }
        Command::Unlock => {
            let typed = std::mem::take(&mut *state.lock.typed);
            state.lock.checking = true;
            state.lock.message = None;
            state.touch();
            vec![Effect::CheckUnlock(Passphrase::new(typed))]
        }
        Command::InputBackspace if !state.lock.checking => {
            if state.lock.typed.pop().is_some() {
                state.touch();
            }
            Vec::new()
        }
        Command::InputClear if !state.lock.checking => {
            state.lock.typed.clear();
            state.touch();
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Text typed or pasted on the lock screen: the passphrase, or any input when none is asked.
pub(crate) fn type_locked(state: &mut State, text: &str) -> Vec<Effect> {
    if !state.lock.needs_passphrase {
        return unlock(state);
    }
    if state.lock.checking {
        return Vec::new();
    }
    let room = PASSPHRASE_CHARS.saturating_sub(state.lock.typed.chars().count());
    let typed = strip(text, room);
    if typed.is_empty() {
        return Vec::new();
    }
    state.lock.typed.push_str(&typed);
    state.lock.message = None;
    state.touch();
    Vec::new()
}

/// The vault's verdict on the passphrase.
pub(crate) fn on_unlock_checked(state: &mut State, ok: bool) -> Vec<Effect> {
    if !state.lock.locked {
        return Vec::new();
    }
    state.lock.checking = false;
    if ok {
        return unlock(state);
    }
    state.lock.message = Some("That passphrase did not unlock palmtree; try again.".to_string());
    state.touch();
    Vec::new()
}

fn unlock(state: &mut State) -> Vec<Effect> {
    state.lock.locked = false;
    state.lock.typed.clear();
    state.lock.message = None;
    state.touch();
    let mut effects: Vec<Effect> = fetch(state, state.view.feed(), false).into_iter().collect();
    if state.view == View::Trade {
        effects.extend(fetch(state, Feed::Positions, false));
    }
    effects
}

fn clean_preview(mut preview: PreviewOrder) -> PreviewOrder {
    if let Some(result) = preview.order_validation_result.as_mut() {
        clean_findings(result);
    }
    preview
}

fn clean_findings(result: &mut OrderValidationResult) {
    let lists = [
        &mut result.rejects,
        &mut result.warns,
        &mut result.alerts,
        &mut result.accepts,
        &mut result.reviews,
    ];
    for detail in lists.into_iter().flatten().flatten() {
        clean_detail(detail);
    }
}

fn clean_detail(detail: &mut ValidationDetail) {
    for text in [
        &mut detail.activity_message,
        &mut detail.message,
        &mut detail.validation_rule_name,
    ]
    .into_iter()
    .flatten()
    {
        *text = clean(text, REASON_CHARS);
    }
}

fn clean_submission(submission: Submission) -> Submission {
    let outcome = match submission.outcome {
        Outcome::Rejected { reasons } => Outcome::Rejected {
            reasons: reasons.iter().map(|r| clean(r, REASON_CHARS)).collect(),
        },
        Outcome::Unknown { reason } => Outcome::Unknown {
            reason: clean(&reason, REASON_CHARS),
        },
        placed => placed,
    };
    let resolution = submission.resolution.map(|r| match r {
        Resolution::Found(row) => Resolution::Found(Box::new(clean_order(*row))),
        Resolution::StillUnknown(why) => Resolution::StillUnknown(clean(&why, REASON_CHARS)),
        Resolution::NotFound => Resolution::NotFound,
    });
    Submission {
        outcome,
        resolution,
        order: submission.order.map(|row| Box::new(clean_order(*row))),
    }
}
