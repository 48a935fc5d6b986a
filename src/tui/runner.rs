//! The effect runner: each effect becomes a tokio task whose result comes back as an action.
//!
//! Tasks never touch the state. A fetch that hangs is cut off after a timeout and one that
//! panics is reported, so a fetch can never stay "in flight" for ever. Order writes are never
//! cut off: a place abandoned half-way could be sent and not journaled, so it runs to its
//! answer (the client's own timeouts bound it). Watchlist saves go through one writer task
//! that always writes the newest lists, so saves cannot land out of order.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::broker::BrokerError;
use crate::broker::model::{QuoteRow, QuoteState};
use crate::broker::orders::{OrderJournal, Resolution, Submission};
use crate::trading::{Outcome, describe};
use crate::tui::action::{Action, Effect};
use crate::tui::app::ORDER_ENTRY_OFF;
use crate::tui::source::Source;
use crate::tui::watchlists::{self, WatchlistFile};
use crate::tui::{ForgetKey, UnlockCheck};

/// How long a fetch may take before the TUI gives up on it and says so.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs effects against a source and sends the results to the event loop.
#[derive(Clone)]
pub struct EffectRunner<S> {
    source: S,
    tx: UnboundedSender<Action>,
    timeout: Duration,
    saver: Option<watch::Sender<Option<WatchlistFile>>>,
    journal: Option<Arc<dyn OrderJournal>>,
    unlock: Option<UnlockCheck>,
    forget_key: Option<ForgetKey>,
}

impl<S: Source> EffectRunner<S> {
    pub fn new(source: S, tx: UnboundedSender<Action>) -> Self {
        EffectRunner {
            source,
            tx,
            timeout: FETCH_TIMEOUT,
            saver: None,
            journal: None,
            unlock: None,
            forget_key: None,
        }
    }

    /// The same runner forgetting the vault file's remembered key with `forget` when the
    /// screen locks.
    pub fn with_forget_key(mut self, forget: Option<ForgetKey>) -> Self {
        self.forget_key = forget;
        self
    }

    /// The same runner recording order writes in `journal`. Without one every preview,
    /// place, replace and cancel is refused before anything is sent.
    pub fn with_journal(mut self, journal: Option<Arc<dyn OrderJournal>>) -> Self {
        self.journal = journal;
        self
    }

    /// The same runner checking lock-screen passphrases with `check`.
    pub fn with_unlock(mut self, check: Option<UnlockCheck>) -> Self {
        self.unlock = check;
        self
    }

    /// The same runner with a different fetch timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same runner saving watchlists to `path`. Must be called inside a tokio runtime:
    /// it starts the writer task.
    pub fn with_watchlist_file(mut self, path: PathBuf) -> Self {
        let (saver, mut latest) = watch::channel::<Option<WatchlistFile>>(None);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            while latest.changed().await.is_ok() {
                let Some(file) = latest.borrow_and_update().clone() else {
                    continue;
                };
                let path = path.clone();
                let written =
                    tokio::task::spawn_blocking(move || watchlists::save(&path, &file)).await;
                let result = match written {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("the save was interrupted".to_string()),
                };
                if let Err(message) = &result {
                    tracing::warn!(error = %message, "watchlists not saved");
                }
                let _ = tx.send(Action::WatchlistsSaved { result });
            }
        });
        self.saver = Some(saver);
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
            Effect::FetchOrders => self.spawn(async move { source.orders().await }, |r, at| {
                Action::OrdersLoaded { result: r, at }
            }),
            Effect::FetchHistory { symbol, range } => {
                let asked = symbol.clone();
                self.spawn_with(
                    async move { source.price_history(&asked, range).await },
                    move |result, at| Action::HistoryLoaded {
                        symbol,
                        range,
                        result,
                        at,
                    },
                );
            }
            Effect::FetchSession => self.spawn(
                async move { source.market_session(Utc::now()).await },
                |r, at| Action::SessionLoaded { result: r, at },
            ),
            Effect::CheckSymbol(symbol) => {
                let asked = vec![symbol.clone()];
                self.spawn_with(
                    async move { first_row(source.quotes(&asked).await) },
                    move |result, at| Action::SymbolChecked { symbol, result, at },
                );
            }
            Effect::SaveWatchlists(file) => match &self.saver {
                Some(saver) => {
                    let _ = saver.send(Some(file));
                }
                None => tracing::debug!("watchlist saving is off"),
            },
            Effect::WatchlistChanged { name, symbols } => {
                tracing::info!(watchlist = %name, symbols = symbols.len(), "watchlist changed");
                if let Some(journal) = self.journal.clone() {
                    let details = serde_json::json!({"watchlist": name, "symbols": symbols});
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = journal.watchlist_changed(details) {
                            tracing::warn!(error = %e, "the watchlist change was not journaled");
                        }
                    });
                }
            }
            Effect::Preview {
                seq,
                account,
                order,
            } => {
                let Some(journal) = self.journal.clone() else {
                    return self.refuse(Action::Previewed {
                        seq,
                        result: Err(off()),
                        at: Local::now(),
                    });
                };
                self.spawn_with(
                    async move {
                        let preview = source.preview(&account, &order, journal.as_ref()).await;
                        preview.map(Box::new)
                    },
                    move |result, at| Action::Previewed { seq, result, at },
                );
            }
            Effect::Place {
                seq,
                account,
                order,
            } => {
                let Some(journal) = self.journal.clone() else {
                    return self.refuse(submitted_off(seq));
                };
                tracing::info!(order = %describe(order.request()), "placing an order");
                self.spawn_write(
                    async move { source.place(&account, &order, journal.as_ref()).await },
                    move |result, at| Action::Submitted {
                        seq,
                        result: result.unwrap_or_else(|why| Ok(unclear(why))),
                        at,
                    },
                );
            }
            Effect::Replace {
                seq,
                account,
                order_id,
                order,
            } => {
                let Some(journal) = self.journal.clone() else {
                    return self.refuse(submitted_off(seq));
                };
                tracing::info!(order = %describe(order.request()), "replacing an order");
                self.spawn_write(
                    async move {
                        source
                            .replace(&account, order_id, &order, journal.as_ref())
                            .await
                    },
                    move |result, at| Action::Submitted {
                        seq,
                        result: result.unwrap_or_else(|why| Ok(unclear(why))),
                        at,
                    },
                );
            }
            Effect::Cancel { account, order_id } => {
                let Some(journal) = self.journal.clone() else {
                    return self.refuse(Action::Canceled {
                        order_id,
                        result: Err(off()),
                        at: Local::now(),
                    });
                };
                tracing::info!("canceling an order");
                self.spawn_write(
                    async move { source.cancel(&account, order_id, journal.as_ref()).await },
                    move |result, at| Action::Canceled {
                        order_id,
                        result: result.unwrap_or_else(|reason| Ok(Outcome::Unknown { reason })),
                        at,
                    },
                );
            }
            Effect::ForgetVaultKey => {
                if let Some(forget) = self.forget_key.clone() {
                    tokio::task::spawn_blocking(move || forget());
                }
            }
            Effect::CheckUnlock(passphrase) => {
                let tx = self.tx.clone();
                let check = self.unlock.clone();
                tokio::spawn(async move {
                    let verdict = tokio::task::spawn_blocking(move || {
                        check.is_some_and(|check| check(passphrase.expose()))
                    })
                    .await;
                    let _ = tx.send(Action::UnlockChecked {
                        ok: verdict.unwrap_or(false),
                    });
                });
            }
        }
    }

    /// Answers an effect at once, without any task: order entry is off.
    fn refuse(&self, action: Action) {
        let _ = self.tx.send(action);
    }

    /// Runs an order write to its end: no timeout, no abort. A task that dies (a panic) is
    /// reported as `Err(reason)`, which the caller turns into an unclear outcome, since the
    /// request may have left before it died.
    fn spawn_write<T, F, W>(&self, work: F, wrap: W)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        W: FnOnce(Result<T, String>, DateTime<Local>) -> Action + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = tokio::spawn(work).await.map_err(|_| {
                tracing::error!("an order write failed inside palmtree; its outcome is unknown");
                "palmtree failed while sending; the order may or may not have been sent".to_string()
            });
            let _ = tx.send(wrap(result, Local::now()));
        });
    }

    fn spawn<T, F>(&self, work: F, wrap: fn(Result<T, BrokerError>, DateTime<Local>) -> Action)
    where
        T: Send + 'static,
        F: Future<Output = Result<T, BrokerError>> + Send + 'static,
    {
        self.spawn_with(work, wrap);
    }

    fn spawn_with<T, F, W>(&self, work: F, wrap: W)
    where
        T: Send + 'static,
        F: Future<Output = Result<T, BrokerError>> + Send + 'static,
        W: FnOnce(Result<T, BrokerError>, DateTime<Local>) -> Action + Send + 'static,
    {
        let tx = self.tx.clone();
        let limit = self.timeout;
        tokio::spawn(async move {
            let mut task = tokio::spawn(work);
            let result = match tokio::time::timeout(limit, &mut task).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(BrokerError::Failed(
                    "internal error while fetching; try r to retry".to_string(),
                )),
                Err(_) => {
                    task.abort();
                    Err(BrokerError::Offline(format!(
                        "no answer after {}s",
                        limit.as_secs()
                    )))
                }
            };
            // The loop has gone when the user quit; the result has nowhere to go and that is fine.
            let _ = tx.send(wrap(result, Local::now()));
        });
    }
}

fn off() -> BrokerError {
    BrokerError::Failed(ORDER_ENTRY_OFF.to_string())
}

fn submitted_off(seq: u64) -> Action {
    Action::Submitted {
        seq,
        result: Err(off()),
        at: Local::now(),
    }
}

/// A submission whose task died: the request may have left, so the outcome is unknown and
/// nothing was read back.
fn unclear(reason: String) -> Submission {
    Submission {
        outcome: Outcome::Unknown {
            reason: reason.clone(),
        },
        resolution: Some(Resolution::StillUnknown(reason)),
        order: None,
    }
}

/// The one row a single-symbol quote request answers with; none means "not found".
fn first_row(result: Result<Vec<QuoteRow>, BrokerError>) -> Result<QuoteRow, BrokerError> {
    let rows = result?;
    Ok(rows.into_iter().next().unwrap_or(QuoteRow {
        symbol: String::new(),
        state: QuoteState::NotFound,
    }))
}
