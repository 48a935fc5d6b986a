//! The Trade view: the order ticket with each field's problem beside it and the estimate
//! under it; then the preview and confirm screen, the order in flight, and its outcome.
//!
//! Reads the state only. The LIVE marker heads every one of these screens, in reverse video
//! and words. The confirm screen describes the frozen request itself, never the ticket.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::format;
use crate::schwab::orders::PreviewOrder;
use crate::trading::{
    CashSide, Estimate, Field, FrozenOrder, OrderStep, Outcome, Problem, Validation, describe,
};
use crate::tui::action::Feed;
use crate::tui::app::State;
use crate::tui::keymap::hints;
use crate::tui::theme::Theme;
use crate::tui::ticket::{FIELDS, FieldKind, Mode, Replacing, TicketForm, kind, resolution_text};
use crate::tui::views::positions::{as_of_text, fit_line};

/// Columns of the field labels, marker included.
const LABEL_WIDTH: usize = 15;
/// Columns of the field values.
const VALUE_WIDTH: usize = 26;

pub fn render(area: Rect, buf: &mut Buffer, state: &State, theme: &Theme) {
    let [info, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    Paragraph::new(info_line(state, info.width, theme)).render(info, buf);
    let width = usize::from(body.width);
    let lines = match state.ticket().mode() {
        Mode::Editing => form_lines(state, width, usize::from(body.height), theme),
        _ => confirm_lines(state, width, usize::from(body.height), theme),
    };
    Paragraph::new(lines).render(body, buf);
}

/// The LIVE marker, what the ticket is for, and the age of the quote.
fn info_line(state: &State, width: u16, theme: &Theme) -> Line<'static> {
    let label = state.live_label();
    let note = if label.contains("demo") {
        "orders go to the simulator"
    } else {
        "orders go to Schwab, with real money"
    };
    let heading = match state.ticket().replacing_order() {
        Some(r) if replaced_words_fit(state, usize::from(width)) => replace_heading(r),
        Some(r) => format!(" Replace order #{}", r.order_id),
        None => " Order ticket".to_string(),
    };
    let left = vec![
        Span::styled(format!(" {label} "), theme.live),
        Span::styled(heading, theme.totals),
    ];
    let middle = vec![Span::styled(format!(" · {note}"), theme.dim)];
    let right = match state.ticket_quote() {
        Some(_) => format!("quote {}", as_of_text(state, Feed::Quotes)),
        None => String::new(),
    };
    fit_line(left, middle, right, width, theme)
}

/// Whether the heading has room for the replaced order in words beside the LIVE marker. When
/// it has not, the form gives them a line of their own rather than cutting them short: the
/// trader must see the whole order being replaced.
fn replaced_words_fit(state: &State, width: usize) -> bool {
    let Some(r) = state.ticket().replacing_order() else {
        return true;
    };
    text_width(state.live_label()) + 2 + text_width(&replace_heading(r)) <= width
}

/// The replace ticket's heading with the order in words.
fn replace_heading(r: &Replacing) -> String {
    format!(" Replace order #{}: {}", r.order_id, r.words)
}

/// `Replaces  order #…: <its words>`, for the form on a narrow screen and the confirmation.
fn replaces_line(r: &Replacing, width: usize, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("  Replaces  ", theme.dim),
        Span::raw(cut(
            &format!("order #{}: {}", r.order_id, r.words),
            width.saturating_sub(12),
        )),
    ])
}

/// The first key bound to the command with this help description, or `?` if none is.
fn key<'a>(state: &'a State, description: &str) -> &'a str {
    state.first_key(description).unwrap_or("?")
}

fn form_lines(state: &State, width: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
    let form = state.ticket();
    let validation = state.ticket_validation();
    let mut lines = Vec::new();
    if let Some(off) = &state.trading().off {
        lines.push(Line::styled(
            cut(&format!(" ✖ {off}"), width),
            theme.status_error,
        ));
    }
    if let Some(last) = form.last() {
        lines.push(Line::styled(cut(&format!(" {last}"), width), theme.dim));
    }
    if let Some(r) = form.replacing_order()
        && !replaced_words_fit(state, width)
    {
        lines.push(replaces_line(r, width, theme));
    }
    let problem_room = width.saturating_sub(LABEL_WIDTH + VALUE_WIDTH + 1);
    let mut focused_cut = None;
    for field in FIELDS {
        let problem = validation.problem(field);
        if field == form.focus()
            && let Some(p) = problem
            && text_width(p) + 2 > problem_room
        {
            focused_cut = Some(p.to_string());
        }
        lines.push(field_line(state, field, problem, problem_room, theme));
    }
    lines.push(quote_line(state, width, theme));
    lines.push(estimate_line(
        validation.estimate.as_ref(),
        form.replacing_order().is_none(),
        width,
        theme,
    ));
    // On a short screen the last of these give way first: why the preview did not happen
    // matters most, then the warnings, then the focused field's problem in full.
    if let OrderStep::Editing {
        notice: Some(notice),
    } = form.step()
    {
        for part in wrap(&format!("✖ {notice}"), width.saturating_sub(1)) {
            lines.push(Line::styled(format!(" {part}"), theme.warn));
        }
    }
    for warning in &validation.warnings {
        lines.push(warning_line(warning, width, theme));
    }
    if let Some(problem) = focused_cut {
        for part in wrap(&format!("✖ {problem}"), width.saturating_sub(3)) {
            lines.push(Line::styled(format!("   {part}"), theme.warn));
        }
    }

    let hints = editing_hints(state, &validation);
    while lines.len() + 1 > height && lines.len() > FIELDS.len() {
        lines.pop();
    }
    let room = height.saturating_sub(lines.len() + 1);
    lines.extend(std::iter::repeat_n(Line::raw(""), room));
    lines.push(Line::styled(cut(&hints, width), theme.dim));
    lines
}

fn editing_hints(state: &State, validation: &Validation) -> String {
    let form = state.ticket();
    let mut parts = Vec::new();
    if validation.is_ok() && state.trading().off.is_none() {
        parts.push(format!("{} preview", key(state, hints::PREVIEW)));
    } else {
        parts.push(format!(
            "{} preview (after fixing the ✖)",
            key(state, hints::PREVIEW)
        ));
    }
    parts.push(format!(
        "{}/{} fields",
        key(state, hints::NEXT_FIELD),
        key(state, hints::PREV_FIELD)
    ));
    if kind(form.focus()) == FieldKind::Choice {
        parts.push(format!(
            "{}/{} choose",
            key(state, hints::PREV_CHOICE),
            key(state, hints::NEXT_CHOICE)
        ));
    }
    parts.push(format!("{} leave", key(state, hints::LEAVE_TICKET)));
    format!(" {}", parts.join(" · "))
}

/// One field: marker and label (reversed when focused), value, and its problem.
fn field_line(
    state: &State,
    field: Field,
    problem: Option<&str>,
    problem_room: usize,
    theme: &Theme,
) -> Line<'static> {
    let form = state.ticket();
    let focused = field == form.focus();
    let marker = if focused { "▶" } else { " " };
    let label = format!("{marker} {:<w$}", field.label(), w = LABEL_WIDTH - 3);
    let label_style = if focused {
        theme.selected
    } else {
        theme.totals
    };
    let mut spans = vec![Span::styled(label, label_style), Span::raw(" ")];
    spans.extend(value_spans(state, form, field, focused, theme));
    if let Some(problem) = problem {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            cut(&format!("✖ {problem}"), problem_room),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// A field's value padded to the value column: a choice between ‹ ›, or a text with a
/// reversed cursor cell when it has the focus.
fn value_spans(
    state: &State,
    form: &TicketForm,
    field: Field,
    focused: bool,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let t = form.ticket();
    if let Some(text) = form.text(field) {
        if !form.applies(field) && text.is_empty() {
            let kind = t.order_kind.map_or("", |k| k.as_str());
            return vec![Span::styled(
                pad(&format!("not used by {kind}"), VALUE_WIDTH),
                theme.dim,
            )];
        }
        if focused && form.mode() == Mode::Editing {
            let cursor = form.cursor().min(text.chars().count());
            let before: String = text.chars().take(cursor).collect();
            let at: String = text
                .chars()
                .nth(cursor)
                .map_or_else(|| " ".to_string(), |c| c.to_string());
            let after: String = text.chars().skip(cursor + 1).collect();
            let used = text_width(&before) + text_width(&at) + text_width(&after);
            return vec![
                Span::styled(before, theme.input),
                Span::styled(at, theme.input.patch(theme.selected)),
                Span::styled(after, theme.input),
                Span::raw(" ".repeat(VALUE_WIDTH.saturating_sub(used))),
            ];
        }
        let shown = if text.is_empty() { "—" } else { text };
        let used = text_width(shown);
        return vec![
            Span::styled(cut(shown, VALUE_WIDTH), theme.input),
            Span::raw(" ".repeat(VALUE_WIDTH.saturating_sub(used))),
        ];
    }

    let chosen: Option<String> = match field {
        Field::Account => t.account.as_ref().map(|key| {
            let label = state
                .accounts()
                .iter()
                .find(|a| &a.key == key)
                .map_or("an account not loaded yet", |a| a.label.as_str());
            if form.replacing_order().is_some() {
                format!("{label} (kept)")
            } else {
                label.to_string()
            }
        }),
        Field::Asset => t.asset.map(|a| a.label().to_string()),
        Field::Instruction => t.instruction.map(|i| i.as_str().to_string()),
        Field::OrderType => t.order_kind.map(|k| k.as_str().to_string()),
        Field::Duration => t.duration.map(|d| d.as_str().to_string()),
        Field::Session => t.session.map(|s| s.as_str().to_string()),
        _ => None,
    };
    let (text, style) = match chosen {
        Some(text) => (format!("‹ {text} ›"), theme.totals),
        None => ("‹ choose ›".to_string(), theme.dim),
    };
    vec![Span::styled(
        pad(&cut(&text, VALUE_WIDTH), VALUE_WIDTH),
        style,
    )]
}

/// The ticket symbol's quote and what the account holds of it.
fn quote_line(state: &State, width: usize, theme: &Theme) -> Line<'static> {
    let form = state.ticket();
    let Some(symbol) = form.canonical_symbol() else {
        return Line::raw("");
    };
    let mut parts = vec![symbol.clone()];
    match state.ticket_quote() {
        Some(q) => {
            let price = |p: Option<rust_decimal::Decimal>| format::or_missing(p, format::price);
            parts.push(format!("bid {}", price(q.bid)));
            parts.push(format!("ask {}", price(q.ask)));
            parts.push(format!("last {}", price(q.last)));
        }
        None => parts.push("no quote yet".to_string()),
    }
    if let Some(account) = state.ticket_account() {
        let held = state.market_context().position_quantity.unwrap_or_default();
        parts.push(format!(
            "{} holds {}",
            account.label,
            format::quantity(held)
        ));
    }
    Line::styled(cut(&format!(" {}", parts.join(" · ")), width), theme.dim)
}

/// The ticket's own estimate. `with_buying_power` is off for a replace: the account's buying
/// power still counts the order being replaced, so "after" would be short by that order.
fn estimate_line(
    estimate: Option<&Estimate>,
    with_buying_power: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let text = match estimate {
        Some(e) => {
            let what = match e.side {
                CashSide::Cost => "Estimated cost",
                CashSide::Proceeds => "Estimated proceeds",
            };
            let mut text = format!(" {what} ${}", format::money(e.gross));
            if let Some(after) = e.buying_power_after.filter(|_| with_buying_power) {
                text.push_str(&format!(" · buying power after ${}", format::money(after)));
            }
            text.push_str(" · before commission and fees");
            text
        }
        None => " Estimate: — (needs the side, quantity, order type and a price)".to_string(),
    };
    Line::styled(cut(&text, width), theme.totals)
}

fn warning_line(warning: &Problem, width: usize, theme: &Theme) -> Line<'static> {
    Line::styled(
        cut(
            &format!(" ⚠ {}: {}", warning.field.label(), warning.message),
            width,
        ),
        theme.warn,
    )
}

/// Previewing, confirming, sending, or the outcome.
fn confirm_lines(state: &State, width: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
    let form = state.ticket();
    let inner = width.saturating_sub(2);
    let mut lines = vec![Line::raw("")];
    let mut footer: Vec<Line<'static>> = Vec::new();
    match form.step() {
        OrderStep::Previewing { order } => {
            lines.push(Line::styled(
                "  Asking Schwab for a preview of",
                theme.heading,
            ));
            lines.push(order_words(order, theme));
            lines.push(Line::raw(""));
            lines.push(Line::raw(cut(
                "  Nothing is sent until you confirm on the next screen.",
                width,
            )));
            footer.push(back_hint(state, theme));
        }
        OrderStep::Confirming { order, preview } => {
            lines.push(Line::styled("  Confirm this order", theme.popup_heading));
            lines.push(order_words(order, theme));
            lines.extend(account_lines(state, width, theme));
            lines.extend(preview_lines(preview, inner, theme));
            if let Some(r) = form.replacing_order() {
                // The preview is of the new order alone; Schwab is not told what it replaces.
                let note = format!(
                    "The preview does not know this replaces order #{}: its buying power \
                     after may still count that order.",
                    r.order_id
                );
                for part in wrap(&note, inner) {
                    lines.push(Line::styled(format!("  {part}"), theme.dim));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("  Exactly this is sent:", theme.dim));
            let json = String::from_utf8_lossy(order.bytes()).into_owned();
            let json = crate::sanitize::clean(&json, 4000);
            for part in wrap(&json, width.saturating_sub(4)) {
                lines.push(Line::styled(format!("    {part}"), theme.dim));
            }
            footer.push(confirm_hint(state, form, theme, width));
        }
        OrderStep::Submitting { order } => {
            lines.push(Line::styled(
                "  Sending, waiting for Schwab's answer",
                theme.heading,
            ));
            lines.push(order_words(order, theme));
            lines.extend(account_lines(state, width, theme));
            lines.push(Line::raw(""));
            for part in wrap(
                "It is sent once. palmtree never sends it again by itself, and pressing Y \
                 again does nothing.",
                inner,
            ) {
                lines.push(Line::raw(format!("  {part}")));
            }
        }
        OrderStep::Outcome(outcome) => {
            lines.extend(outcome_lines(form, outcome, inner, theme));
            footer.push(Line::styled(
                cut(
                    &format!(
                        " {} back to the ticket · {} the Orders view",
                        key(state, hints::BACK),
                        key(state, hints::ORDERS_VIEW)
                    ),
                    width,
                ),
                theme.dim,
            ));
        }
        OrderStep::Editing { .. } => {}
    }
    // The hint with the confirm key must stay on screen: the JSON gives way first.
    let keep = height.saturating_sub(footer.len());
    lines.truncate(keep);
    let room = keep.saturating_sub(lines.len());
    lines.extend(std::iter::repeat_n(Line::raw(""), room));
    lines.extend(footer);
    lines
}

fn order_words(order: &FrozenOrder, theme: &Theme) -> Line<'static> {
    Line::styled(format!("    {}", describe(order.request())), theme.totals)
}

fn account_lines(state: &State, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let form = state.ticket();
    let label = state
        .ticket_account()
        .map_or("the chosen account".to_string(), |a| a.label.clone());
    let mut lines = vec![Line::from(vec![
        Span::styled("  Account   ", theme.dim),
        Span::raw(cut(&label, width.saturating_sub(12))),
    ])];
    if let Some(r) = form.replacing_order() {
        lines.push(replaces_line(r, width, theme));
    }
    lines
}

/// Commission, fees, Schwab's projection, its warnings and its rejects.
fn preview_lines(preview: &PreviewOrder, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let money = |v: Option<rust_decimal::Decimal>| {
        v.map_or("not given".to_string(), |v| {
            format!("${}", format::money(v))
        })
    };
    let mut parts = vec![
        format!("Commission {}", money(preview.total_commission())),
        format!("Fees {}", money(preview.total_fees())),
    ];
    let balance = preview
        .order_strategy
        .as_ref()
        .and_then(|s| s.order_balance.as_ref());
    if let Some(value) = balance.and_then(|b| b.order_value) {
        parts.push(format!("order value ${}", format::money(value)));
    }
    if let Some(after) = balance.and_then(|b| b.projected_buying_power) {
        parts.push(format!("buying power after ${}", format::money(after)));
    }
    let mut lines = vec![
        Line::raw(""),
        Line::styled("  Schwab's preview", theme.heading),
    ];
    for part in wrap(&parts.join(" · "), width) {
        lines.push(Line::raw(format!("  {part}")));
    }
    for warning in preview.warnings() {
        for part in wrap(&format!("⚠ {warning}"), width) {
            lines.push(Line::styled(format!("  {part}"), theme.warn));
        }
    }
    for reject in preview.rejects() {
        for part in wrap(&format!("✖ Rejected: {reject}"), width) {
            lines.push(Line::styled(format!("  {part}"), theme.status_error));
        }
    }
    lines
}

fn confirm_hint(state: &State, form: &TicketForm, theme: &Theme, width: usize) -> Line<'static> {
    let back = key(state, hints::BACK);
    if form.step().can_confirm() {
        let confirm = key(state, hints::SEND);
        let verb = if form.replacing_order().is_some() {
            "replace the order"
        } else {
            "send this order"
        };
        Line::from(vec![
            Span::raw(" "),
            Span::styled(format!(" Press {confirm} to {verb} "), theme.live),
            Span::styled(
                cut(&format!("  {back} back to the ticket"), width),
                theme.dim,
            ),
        ])
    } else {
        Line::styled(
            cut(
                &format!(
                    " ✖ Schwab rejected this order, so it cannot be sent · {back} back to the \
                     ticket to change it"
                ),
                width,
            ),
            theme.status_error,
        )
    }
}

fn back_hint(state: &State, theme: &Theme) -> Line<'static> {
    Line::styled(
        format!(" {} back to the ticket", key(state, hints::BACK)),
        theme.dim,
    )
}

/// A refusal, or the unclear answer with what reading the orders back found.
fn outcome_lines(
    form: &TicketForm,
    outcome: &Outcome,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let words = form.sent().unwrap_or("the order").to_string();
    let mut lines = Vec::new();
    let para = |lines: &mut Vec<Line<'static>>, text: &str, style: Style| {
        for part in wrap(text, width) {
            lines.push(Line::styled(format!("  {part}"), style));
        }
    };
    match outcome {
        Outcome::Placed { order_id } => {
            let id = order_id.map_or_else(|| "with no id yet".to_string(), |i| format!("#{i}"));
            lines.push(Line::styled(
                format!("  Placed as order {id}"),
                theme.heading,
            ));
            lines.push(Line::styled(format!("    {words}"), theme.totals));
        }
        Outcome::Rejected { reasons } => {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(" ✖ NOT PLACED ", theme.status_error),
            ]));
            lines.push(Line::styled(format!("    {words}"), theme.totals));
            lines.push(Line::raw(""));
            for reason in reasons {
                para(&mut lines, reason, theme.warn);
            }
        }
        Outcome::Unknown { reason } => {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    " ⚠ OUTCOME UNKNOWN: the order may or may not have been placed ",
                    theme.status_warn,
                ),
            ]));
            lines.push(Line::styled(format!("    {words}"), theme.totals));
            lines.push(Line::raw(""));
            para(
                &mut lines,
                &format!("It was sent, but no clear answer came back: {reason}."),
                Style::new(),
            );
            let read_back = match form.resolution() {
                Some(r) => resolution_text(r),
                None => "not read back.".to_string(),
            };
            para(
                &mut lines,
                &format!("Orders read back: {read_back}"),
                theme.heading,
            );
            lines.push(Line::raw(""));
            para(
                &mut lines,
                "palmtree never sends an order again by itself. To send it again, go back to \
                 the ticket, preview and confirm it yourself.",
                Style::new(),
            );
        }
    }
    lines
}

/// The display width of a text.
fn text_width(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` columns, with `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text_width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` padded with spaces to `width` columns.
fn pad(text: &str, width: usize) -> String {
    let used = text_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// `text` broken into lines of at most `width` columns, at spaces where it can be and inside
/// a word only when the word alone is too long (the JSON of an order has no spaces).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let word_width = text_width(word);
        let line_width = text_width(&line);
        if !line.is_empty() && line_width + 1 + word_width <= width {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_width <= width {
            line.push_str(word);
            continue;
        }
        for c in word.chars() {
            if text_width(&line) + text_width(c.encode_utf8(&mut [0; 4])) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("aaa bbb ccc", 8), ["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghijkl", 8), ["abcdefgh", "ijkl"]);
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
