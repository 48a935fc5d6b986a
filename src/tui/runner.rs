//! The effect runner: each effect becomes a tokio task whose result comes back as an action.
//!
//! Tasks never touch the state. A task that hangs is cut off after a timeout and one that
//! panics is reported, so a fetch can never stay "in flight" for ever.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Local};
use tokio::sync::mpsc::UnboundedSender;

use crate::tui::action::{Action, Effect};
use crate::tui::source::Source;

/// How long a fetch may take before the TUI gives up on it and says so.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs effects against a source and sends the results to the event loop.
#[derive(Clone)]
pub struct EffectRunner<S> {
    source: S,
    tx: UnboundedSender<Action>,
    timeout: Duration,
}

impl<S: Source> EffectRunner<S> {
    pub fn new(source: S, tx: UnboundedSender<Action>) -> Self {
        EffectRunner {
            source,
            tx,
            timeout: FETCH_TIMEOUT,
        }
    }

    /// The same runner with a different fetch timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Starts the work for one effect and returns at once.
    pub fn run(&self, effect: Effect) {
        let source = self.source.clone();
        match effect {
            Effect::FetchAccounts => self.spawn(async move { source.accounts().await }, |r, at| {
                Action::AccountsLoaded { result: r, at }
            }),
            Effect::FetchQuotes(symbols) => self
                .spawn(async move { source.quotes(&symbols).await }, |r, at| {
                    Action::QuotesLoaded { result: r, at }
                }),
        }
    }

    fn spawn<T, F>(&self, work: F, wrap: fn(Result<T, String>, DateTime<Local>) -> Action)
    where
        T: Send + 'static,
        F: Future<Output = Result<T, String>> + Send + 'static,
    {
        let tx = self.tx.clone();
        let limit = self.timeout;
        tokio::spawn(async move {
            let mut task = tokio::spawn(work);
            let result = match tokio::time::timeout(limit, &mut task).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err("internal error while fetching; try r to retry".to_string()),
                Err(_) => {
                    task.abort();
                    Err(format!("no answer after {}s", limit.as_secs()))
                }
            };
            // The loop has gone when the user quit; the result has nowhere to go and that is fine.
            let _ = tx.send(wrap(result, Local::now()));
        });
    }
}
