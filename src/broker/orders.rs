//! Orders in app terms, and the one path by which an order reaches Schwab.
//!
//! Every write is journaled before it leaves and again when its answer arrives, is sent
//! exactly once, and when its outcome is unknown the account's recent orders are read back to
//! find it. Nothing here ever sends an order again on its own.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::model::AccountKey;
use super::{Broker, BrokerError};
use crate::sanitize::clean;
use crate::schwab::SchwabError;
use crate::schwab::orders::{
    ActivityType, ExecutionType, Order, OrderActivity, OrderRequest, PreviewOrder,
};
use crate::trading::describe;
use crate::trading::step::{FrozenOrder, Outcome};

/// One order as the Orders view and `palmtree orders` show it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderRow {
    pub order_id: i64,
    /// The account's label (nickname or `…1234`).
    pub account: String,
    /// The account to address cancel and replace to.
    pub key: AccountKey,
    pub symbol: String,
    pub description: String,
    /// `BUY`, `SELL_SHORT`, … (the first leg's; multi-leg orders add `+n legs`).
    pub instruction: String,
    pub quantity: Decimal,
    pub filled: Decimal,
    pub order_type: String,
    pub price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    /// A trailing stop's offset, so a replace can keep it, with what the offset is in
    /// (`VALUE`, `PERCENT`, `TICK`) and the price it trails (`LAST`, `BID`, …); empty where
    /// Schwab did not say.
    #[serde(default)]
    pub stop_price_offset: Option<Decimal>,
    #[serde(default)]
    pub stop_price_link_type: String,
    #[serde(default)]
    pub stop_price_link_basis: String,
    pub duration: String,
    /// `NORMAL`, `AM`, `PM` or `SEAMLESS`; empty where Schwab did not say (and in snapshots
    /// cached before it was kept).
    #[serde(default)]
    pub session: String,
    pub status: String,
    /// Still working (or about to): drawn first.
    pub open: bool,
    pub cancelable: bool,
    pub editable: bool,
    pub entered: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    /// Quantity-weighted average fill price, when anything filled.
    pub fill_price: Option<Decimal>,
    /// Why Schwab rejected it, in its words.
    pub status_description: Option<String>,
}

/// Records order intents and their answers. Implemented over the audit journal; an intent
/// that cannot be recorded stops the order from being sent.
pub trait OrderJournal: Send + Sync {
    /// Records an intent and returns its sequence number.
    fn intent(&self, action: OrderAction, details: Value) -> Result<u64, String>;
    /// Records the answer to intent `seq`.
    fn answer(&self, seq: u64, answer: OrderAnswer, details: Value) -> Result<(), String>;
    /// Records a preview shown to the user.
    fn previewed(&self, details: Value) -> Result<(), String>;
    /// Records a change the user made to a watchlist. The default records nothing, for
    /// journals that only care about orders.
    fn watchlist_changed(&self, details: Value) -> Result<(), String> {
        let _ = details;
        Ok(())
    }
}

/// What an order write intends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderAction {
    Place,
    Replace,
    Cancel,
}

/// What an answer says about an intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderAnswer {
    /// Schwab answered (accepted or refused); the details say which.
    Result,
    /// No clear answer came back.
    Unknown,
}

/// What became of an order whose outcome was unknown, after reading the orders back.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// An order matching the one sent was found: it was placed.
    Found(Box<OrderRow>),
    /// No matching order among the account's recent orders.
    NotFound,
    /// The orders could not be read either.
    StillUnknown(String),
}

/// The result of a place or replace, with what was learned after an unknown outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub outcome: Outcome,
    /// Set when the outcome was unknown and the orders were read back.
    pub resolution: Option<Resolution>,
    /// The order as read back after a clear acceptance, when it could be found.
    pub order: Option<Box<OrderRow>>,
}

/// When an order write left, and which look-alike orders already existed then.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub at: DateTime<Utc>,
    pub known: Vec<i64>,
}

/// How far back the read-back looks for an order sent at `sent_at`, allowing for clock skew
/// between this machine and Schwab.
const READ_BACK_SLACK: TimeDelta = TimeDelta::minutes(2);

/// How many times an unknown outcome is read back, and how long apart: an order can take a
/// moment to appear in the list after it was accepted.
const READ_BACK_ATTEMPTS: u32 = 3;
const READ_BACK_PAUSE: std::time::Duration = std::time::Duration::from_millis(700);

impl Broker {
    /// Orders of every account entered in the last `days` days, open ones first, newest
    /// first within each group.
    pub async fn orders(&self, days: i64) -> Result<Vec<OrderRow>, BrokerError> {
        let directory = self.directory().await?;
        let now = self.client.clock().now();
        let from = now - TimeDelta::days(days.clamp(1, 60));
        let mut rows = Vec::new();
        for (number, hash) in &directory.hashes {
            let orders = self.client.account_orders(hash, from, now).await?;
            let label = directory.label(number);
            rows.extend(orders.iter().filter_map(|o| order_row(o, &label, hash)));
        }
        sort_rows(&mut rows);
        let kept = rows.clone();
        self.keep(move |s, at| s.orders(&kept, at));
        Ok(rows)
    }

    /// The label of the account with this key, for messages and the journal.
    pub async fn account_label(&self, key: &AccountKey) -> Result<String, BrokerError> {
        let directory = self.directory().await?;
        Ok(directory
            .hashes
            .iter()
            .find(|(_, hash)| hash.as_str() == key.expose())
            .map(|(number, _)| directory.label(number))
            .unwrap_or_else(|| "unknown account".into()))
    }

    /// Schwab's preview of exactly the frozen bytes; recorded in the journal.
    pub async fn preview(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<PreviewOrder, BrokerError> {
        let preview = self
            .client
            .preview_order(account.expose(), order.bytes())
            .await?;
        let label = self.account_label(account).await?;
        let details = json!({
            "account": label,
            "order": order_json(order),
            "words": describe(order.request()),
            "rejects": preview.rejects(),
            "warnings": preview.warnings(),
            "commission": preview.total_commission(),
            "fees": preview.total_fees(),
        });
        if let Err(e) = journal.previewed(details) {
            tracing::warn!(error = %e, "the preview could not be journaled");
        }
        Ok(preview)
    }

    /// Places exactly the frozen bytes: journal, one POST, journal, read back.
    pub async fn place(
        &self,
        account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        self.submit(account, None, order, journal).await
    }

    /// Replaces order `order_id` with exactly the frozen bytes (Schwab gives it a new id).
    pub async fn replace(
        &self,
        account: &AccountKey,
        order_id: i64,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        self.submit(account, Some(order_id), order, journal).await
    }

    /// The one path of a new order (or a replacement of `replaces`): note the look-alike
    /// orders that already exist, journal the intent, send once, then settle the answer.
    async fn submit(
        &self,
        account: &AccountKey,
        replaces: Option<i64>,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        let label = self.account_label(account).await?;
        let (action, intent) = match replaces {
            None => (OrderAction::Place, json!({"action": "place"})),
            Some(id) => (
                OrderAction::Replace,
                json!({"action": "replace", "replaces": id}),
            ),
        };
        let mut intent = intent;
        if let Some(map) = intent.as_object_mut() {
            map.insert("account".into(), label.clone().into());
            map.insert("order".into(), order_json(order));
            map.insert("words".into(), describe(order.request()).into());
        }
        let known = self.matching_ids(account, order.request()).await;
        let seq = journal.intent(action, intent).map_err(|e| {
            BrokerError::Failed(format!("order not sent: the journal failed ({e})"))
        })?;
        let sent = Sent {
            at: self.client.clock().now(),
            known,
        };
        let answer = match replaces {
            None => {
                self.client
                    .place_order(account.expose(), order.bytes())
                    .await
            }
            Some(id) => {
                self.client
                    .replace_order(account.expose(), id, order.bytes())
                    .await
            }
        };
        self.settle(
            account,
            &label,
            order.request(),
            seq,
            &sent,
            answer,
            journal,
        )
        .await
    }

    /// Cancels order `order_id`: journal, one DELETE, journal.
    pub async fn cancel(
        &self,
        account: &AccountKey,
        order_id: i64,
        journal: &dyn OrderJournal,
    ) -> Result<Outcome, BrokerError> {
        let label = self.account_label(account).await?;
        let intent = json!({"action": "cancel", "account": label, "order_id": order_id});
        let seq = journal.intent(OrderAction::Cancel, intent).map_err(|e| {
            BrokerError::Failed(format!("cancel not sent: the journal failed ({e})"))
        })?;
        let result = self.client.cancel_order(account.expose(), order_id).await;
        let (outcome, answer, details) = match result {
            Ok(()) => (
                Outcome::Placed {
                    order_id: Some(order_id),
                },
                OrderAnswer::Result,
                json!({"status": "cancel accepted", "order_id": order_id}),
            ),
            Err(SchwabError::OutcomeUnknown(reason)) => (
                Outcome::Unknown {
                    reason: reason.clone(),
                },
                OrderAnswer::Unknown,
                json!({"reason": reason}),
            ),
            Err(other) => {
                let reason = clean(&other.to_string(), 200);
                (
                    Outcome::Rejected {
                        reasons: vec![reason.clone()],
                    },
                    OrderAnswer::Result,
                    json!({"status": "cancel refused", "reason": reason}),
                )
            }
        };
        record_answer(journal, seq, answer, details);
        Ok(outcome)
    }

    /// Journals the answer to a place or replace and reads the order back.
    #[allow(clippy::too_many_arguments)]
    async fn settle(
        &self,
        account: &AccountKey,
        label: &str,
        request: &OrderRequest,
        seq: u64,
        sent: &Sent,
        answer: Result<crate::schwab::client::OrderAccepted, SchwabError>,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        match answer {
            Ok(accepted) => {
                record_answer(
                    journal,
                    seq,
                    OrderAnswer::Result,
                    json!({"status": accepted.status, "order_id": accepted.order_id}),
                );
                let order = match accepted.order_id {
                    Some(id) => self.read_order(account, label, id).await,
                    None => match self.find_sent(account, label, request, sent).await {
                        Resolution::Found(row) => Some(row),
                        _ => None,
                    },
                };
                let order_id = accepted.order_id.or(order.as_ref().map(|o| o.order_id));
                Ok(Submission {
                    outcome: Outcome::Placed { order_id },
                    resolution: None,
                    order,
                })
            }
            Err(SchwabError::OutcomeUnknown(reason)) => {
                record_answer(
                    journal,
                    seq,
                    OrderAnswer::Unknown,
                    json!({"reason": reason}),
                );
                let resolution = self.find_sent(account, label, request, sent).await;
                let found = match &resolution {
                    Resolution::Found(row) => json!({"found": true, "order_id": row.order_id}),
                    Resolution::NotFound => json!({"found": false}),
                    Resolution::StillUnknown(why) => json!({"found": null, "reason": why}),
                };
                record_answer(
                    journal,
                    seq,
                    OrderAnswer::Result,
                    json!({"read_back": found}),
                );
                Ok(Submission {
                    outcome: Outcome::Unknown { reason },
                    resolution: Some(resolution),
                    order: None,
                })
            }
            Err(refused) => {
                let reason = clean(&refused.to_string(), 200);
                record_answer(
                    journal,
                    seq,
                    OrderAnswer::Result,
                    json!({"status": "refused", "reason": reason}),
                );
                Ok(Submission {
                    outcome: Outcome::Rejected {
                        reasons: vec![reason],
                    },
                    resolution: None,
                    order: None,
                })
            }
        }
    }

    async fn read_order(
        &self,
        account: &AccountKey,
        label: &str,
        id: i64,
    ) -> Option<Box<OrderRow>> {
        match self.client.order(account.expose(), id).await {
            Ok(order) => order_row(&order, label, account.expose()).map(Box::new),
            Err(e) => {
                tracing::warn!(error = %e, "a placed order could not be read back");
                None
            }
        }
    }

    /// The ids of recent orders that look like `request`, read just before it is sent, so a
    /// read-back after an unknown outcome cannot mistake an identical earlier order for it.
    async fn matching_ids(&self, account: &AccountKey, request: &OrderRequest) -> Vec<i64> {
        let now = self.client.clock().now();
        match self
            .client
            .account_orders(
                account.expose(),
                now - READ_BACK_SLACK,
                now + READ_BACK_SLACK,
            )
            .await
        {
            Ok(orders) => orders
                .iter()
                .filter(|o| matches_request(o, request))
                .filter_map(|o| o.order_id)
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "recent orders could not be read before sending");
                Vec::new()
            }
        }
    }

    /// Looks for the order sent at `sent.at` among the account's recent orders, matching by
    /// symbol, instruction, quantity, type and prices and skipping the ones that existed
    /// before it was sent, a few times over.
    pub async fn find_sent(
        &self,
        account: &AccountKey,
        label: &str,
        request: &OrderRequest,
        sent: &Sent,
    ) -> Resolution {
        let sent_at = sent.at;
        let mut last_error = None;
        for attempt in 0..READ_BACK_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(READ_BACK_PAUSE).await;
            }
            let now = self.client.clock().now();
            let from = sent_at - READ_BACK_SLACK;
            match self
                .client
                .account_orders(account.expose(), from, now + READ_BACK_SLACK)
                .await
            {
                Ok(orders) => {
                    let found = orders
                        .iter()
                        .filter(|o| matches_request(o, request))
                        .filter(|o| o.order_id.is_some_and(|id| !sent.known.contains(&id)))
                        .filter(|o| o.entered_time.is_none_or(|t| t >= from))
                        .max_by_key(|o| o.entered_time);
                    if let Some(order) = found.and_then(|o| order_row(o, label, account.expose())) {
                        return Resolution::Found(Box::new(order));
                    }
                    last_error = None;
                }
                Err(e) => last_error = Some(clean(&e.to_string(), 200)),
            }
        }
        match last_error {
            Some(why) => Resolution::StillUnknown(why),
            None => Resolution::NotFound,
        }
    }
}

fn record_answer(journal: &dyn OrderJournal, seq: u64, answer: OrderAnswer, details: Value) {
    if let Err(e) = journal.answer(seq, answer, details) {
        tracing::error!(error = %e, seq, "an order answer could not be journaled");
    }
}

/// The frozen bytes as JSON for the journal: exactly what was (or will be) sent.
fn order_json(order: &FrozenOrder) -> Value {
    serde_json::from_slice(order.bytes()).unwrap_or(Value::Null)
}

/// Whether `order` is the one `request` describes.
pub fn matches_request(order: &Order, request: &OrderRequest) -> bool {
    let (Some(legs), Some(first)) = (
        order.order_leg_collection.as_ref(),
        request.order_leg_collection.first(),
    ) else {
        return false;
    };
    let Some(leg) = legs.first() else {
        return false;
    };
    let symbol = leg
        .instrument
        .as_ref()
        .and_then(|i| i.symbol.as_deref())
        .unwrap_or_default();
    let same_price = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        // A market order comes back without a price, a filled one sometimes with one.
        (_, None) => true,
        (None, Some(_)) => false,
    };
    symbol.eq_ignore_ascii_case(&first.instrument.symbol)
        && leg.instruction.as_ref() == Some(&first.instruction)
        && leg.quantity == Some(Decimal::from(first.quantity))
        && order.order_type.as_ref() == Some(&request.order_type)
        && same_price(order.price, request.price)
        && same_price(order.stop_price, request.stop_price)
}

/// An order in app terms; `None` for an order with no id (which cannot be acted on).
pub fn order_row(order: &Order, account: &str, hash: &str) -> Option<OrderRow> {
    let order_id = order.order_id?;
    let legs = order.order_leg_collection.as_deref().unwrap_or_default();
    let first = legs.first();
    let instrument = first.and_then(|l| l.instrument.as_ref());
    let mut instruction = first
        .and_then(|l| l.instruction.as_ref())
        .map(|i| i.as_str().to_string())
        .unwrap_or_else(|| "?".into());
    if legs.len() > 1 {
        instruction.push_str(&format!(" +{} legs", legs.len() - 1));
    }
    let status = order.status.as_ref();
    let (filled_value, filled_qty) = fills(order);
    Some(OrderRow {
        order_id,
        account: account.to_string(),
        key: AccountKey::new(hash),
        symbol: clean(
            instrument.and_then(|i| i.symbol.as_deref()).unwrap_or("?"),
            32,
        ),
        description: clean(
            instrument
                .and_then(|i| i.description.as_deref())
                .unwrap_or(""),
            80,
        ),
        instruction: clean(&instruction, 40),
        quantity: order.quantity.unwrap_or_default().normalize(),
        filled: order.filled_quantity.unwrap_or(filled_qty).normalize(),
        order_type: clean(order.order_type.as_ref().map_or("?", |t| t.as_str()), 24),
        price: order.price,
        stop_price: order.stop_price,
        stop_price_offset: order.stop_price_offset,
        stop_price_link_type: clean(
            order
                .stop_price_link_type
                .as_ref()
                .map_or("", |t| t.as_str()),
            16,
        ),
        stop_price_link_basis: clean(
            order
                .stop_price_link_basis
                .as_ref()
                .map_or("", |b| b.as_str()),
            16,
        ),
        duration: clean(order.duration.as_ref().map_or("", |d| d.as_str()), 24),
        session: clean(order.session.as_ref().map_or("", |s| s.as_str()), 24),
        status: clean(status.map_or("UNKNOWN", |s| s.as_str()), 32),
        open: status.is_none_or(|s| s.is_open()),
        cancelable: order.cancelable.unwrap_or(false),
        editable: order.editable.unwrap_or(false),
        entered: order.entered_time,
        closed: order.close_time,
        fill_price: (!filled_qty.is_zero())
            .then(|| filled_value.checked_div(filled_qty))
            .flatten()
            .map(|p| p.round_dp(4)),
        status_description: order.status_description.as_deref().map(|s| clean(s, 160)),
    })
}

/// The value and quantity of every execution leg that is a fill.
///
/// Schwab also reports a cancel as an execution (`executionType: CANCELED`, price 0), which
/// must not count as a fill at price zero. The sums are checked: a garbled answer whose
/// numbers overflow gives no fill price rather than a panic.
fn fills(order: &Order) -> (Decimal, Decimal) {
    let mut value = Decimal::ZERO;
    let mut quantity = Decimal::ZERO;
    let is_fill = |activity: &&OrderActivity| {
        activity
            .activity_type
            .as_ref()
            .is_none_or(|t| *t == ActivityType::Execution)
            && activity
                .execution_type
                .as_ref()
                .is_none_or(|t| *t == ExecutionType::Fill)
    };
    let activities = order
        .order_activity_collection
        .as_deref()
        .unwrap_or_default();
    for activity in activities.iter().filter(is_fill) {
        for leg in activity.execution_legs.as_deref().unwrap_or_default() {
            let (Some(q), Some(p)) = (leg.quantity, leg.price) else {
                continue;
            };
            let sums = q
                .checked_mul(p)
                .and_then(|v| value.checked_add(v))
                .zip(quantity.checked_add(q));
            let Some((v, q)) = sums else {
                return (Decimal::ZERO, Decimal::ZERO);
            };
            (value, quantity) = (v, q);
        }
    }
    (value, quantity)
}

/// Open orders first, then the rest; newest first within each.
pub fn sort_rows(rows: &mut [OrderRow]) {
    rows.sort_by(|a, b| b.open.cmp(&a.open).then(b.entered.cmp(&a.entered)));
}
