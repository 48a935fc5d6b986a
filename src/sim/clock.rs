//! The simulator's clock: real time plus an offset that only moves forward.
//!
//! Everything that expires or moves in the sim (codes, tokens, quote times, random-walk steps)
//! reads this clock, so a test can jump past a 7-day deadline without waiting for it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A cheap, cloneable handle on the sim's notion of "now".
///
/// Clones share the offset, so advancing one handle advances the server's clock too.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    offset: Arc<Mutex<TimeDelta>>,
}

impl SimClock {
    /// A clock that starts at real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current sim time: the wall clock plus every `advance` so far.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        let real = Utc::now();
        real.checked_add_signed(offset).unwrap_or(real)
    }

    /// Moves sim time forward by `d`.
    ///
    /// A jump too large for chrono to represent is ignored rather than wrapped, so the clock
    /// never runs backwards.
    pub fn advance(&self, d: Duration) {
        let Ok(step) = TimeDelta::from_std(d) else {
            return;
        };
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(next) = offset.checked_add(&step) {
            *offset = next;
        }
    }
}
