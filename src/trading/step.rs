//! The steps an order goes through on the form, as a state machine of pure transitions.
//!
//! Editing → Previewing → Confirming → Submitting → Outcome. The request is frozen to bytes
//! when the preview is asked for; those bytes are what the confirm screen describes and what
//! is sent, so nothing typed after the preview can slip into the order.

use super::ticket::Validation;
use crate::schwab::orders::{OrderRequest, OrderStatus, PreviewOrder};

/// An order request fixed as the exact JSON bytes that will be sent.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenOrder {
    request: OrderRequest,
    bytes: Vec<u8>,
}

impl FrozenOrder {
    /// Serializes the request once; later reads never serialize again.
    pub fn freeze(request: OrderRequest) -> Result<Self, serde_json::Error> {
        let bytes = serde_json::to_vec(&request)?;
        Ok(FrozenOrder { request, bytes })
    }

    /// The request, for describing it.
    pub fn request(&self) -> &OrderRequest {
        &self.request
    }

    /// The body to send to `previewOrder` and then to `orders`.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// How a submitted order ended, as far as the client knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by Schwab. `order_id` is `None` when the answer had no usable `Location`:
    /// the order exists but must be found by re-listing orders.
    Placed { order_id: Option<i64> },
    /// Refused by Schwab, in its words.
    Rejected { reasons: Vec<String> },
    /// No clear answer (a timeout, a dropped connection, a 5xx): the order may or may not
    /// exist. Orders must be re-listed before anything is sent again, never retried blindly.
    Unknown { reason: String },
}

/// What a transition asks the caller to do; the caller runs it and reports back.
#[derive(Clone, Debug, PartialEq)]
pub enum StepEffect {
    /// Send these bytes to `previewOrder`.
    Preview(FrozenOrder),
    /// Send these bytes to `orders`, once.
    Place(FrozenOrder),
}

/// The new step, and what to do, if anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub step: OrderStep,
    pub effect: Option<StepEffect>,
}

impl Transition {
    fn stay(step: OrderStep) -> Self {
        Transition { step, effect: None }
    }
}

/// Where the order form is.
#[derive(Clone, Debug, PartialEq)]
pub enum OrderStep {
    /// The ticket is being filled in. `notice` says why the form came back here, if it did
    /// for a reason other than the user's own edit (a failed preview).
    Editing { notice: Option<String> },
    /// The preview was asked for, for this frozen order.
    Previewing { order: FrozenOrder },
    /// The preview came back: the frozen order and Schwab's view of it are on screen.
    Confirming {
        order: FrozenOrder,
        preview: Box<PreviewOrder>,
    },
    /// The order was sent; waiting for the answer. Nothing the user does changes it now.
    Submitting { order: FrozenOrder },
    /// The order's fate, as far as the answer tells.
    Outcome(Outcome),
}

impl Default for OrderStep {
    fn default() -> Self {
        OrderStep::Editing { notice: None }
    }
}

impl OrderStep {
    /// Asks for a preview of the validated ticket. Only from Editing, and only when the
    /// validation built an order; otherwise nothing changes.
    pub fn preview(self, validation: &Validation) -> Transition {
        let (OrderStep::Editing { .. }, Some(request)) = (&self, &validation.order) else {
            return Transition::stay(self);
        };
        match FrozenOrder::freeze(request.clone()) {
            Ok(order) => Transition {
                step: OrderStep::Previewing {
                    order: order.clone(),
                },
                effect: Some(StepEffect::Preview(order)),
            },
            Err(e) => Transition::stay(OrderStep::Editing {
                notice: Some(format!("The order could not be prepared for sending: {e}.")),
            }),
        }
    }

    /// The preview's answer for `order`. Ignored unless it answers the preview being waited
    /// for: an answer that arrives after the user went back to editing is stale.
    pub fn preview_received(self, order: &FrozenOrder, preview: PreviewOrder) -> OrderStep {
        match self {
            OrderStep::Previewing { order: waiting } if waiting == *order => {
                OrderStep::Confirming {
                    order: waiting,
                    preview: Box::new(preview),
                }
            }
            other => other,
        }
    }

    /// The preview request for `order` failed; back to editing with the reason.
    pub fn preview_failed(self, order: &FrozenOrder, reason: impl Into<String>) -> OrderStep {
        match self {
            OrderStep::Previewing { order: waiting } if waiting == *order => OrderStep::Editing {
                notice: Some(reason.into()),
            },
            other => other,
        }
    }

    /// Whether confirming would send the order: on the confirm screen, with a preview that
    /// Schwab did not reject.
    pub fn can_confirm(&self) -> bool {
        match self {
            OrderStep::Confirming { preview, .. } => !preview_rejected(preview),
            _ => false,
        }
    }

    /// The user confirms. From an acceptable Confirming this sends the frozen bytes, once;
    /// anywhere else, including a second confirm while Submitting, it does nothing.
    pub fn confirm(self) -> Transition {
        if !self.can_confirm() {
            return Transition::stay(self);
        }
        match self {
            OrderStep::Confirming { order, .. } => Transition {
                step: OrderStep::Submitting {
                    order: order.clone(),
                },
                effect: Some(StepEffect::Place(order)),
            },
            other => Transition::stay(other),
        }
    }

    /// The answer to the submission. Ignored unless an order is being submitted.
    pub fn submitted(self, outcome: Outcome) -> OrderStep {
        match self {
            OrderStep::Submitting { .. } => OrderStep::Outcome(outcome),
            other => other,
        }
    }

    /// The user changes anything on the ticket, or backs out: back to Editing, dropping the
    /// frozen order and its preview. While Submitting nothing changes: the order is in flight
    /// and its outcome must be seen.
    pub fn edit(self) -> OrderStep {
        match self {
            OrderStep::Submitting { .. } => self,
            _ => OrderStep::Editing { notice: None },
        }
    }

    /// The frozen order of this step, if it has one.
    pub fn order(&self) -> Option<&FrozenOrder> {
        match self {
            OrderStep::Previewing { order }
            | OrderStep::Confirming { order, .. }
            | OrderStep::Submitting { order } => Some(order),
            OrderStep::Editing { .. } | OrderStep::Outcome(_) => None,
        }
    }
}

fn preview_rejected(preview: &PreviewOrder) -> bool {
    let status = preview
        .order_strategy
        .as_ref()
        .and_then(|s| s.status.as_ref());
    !preview.rejects().is_empty() || status == Some(&OrderStatus::Rejected)
}
