//! The terminal program: state, actions, update, views, keymap, theme and the event loop.
//!
//! Reaches the network only through [`source::Source`] (the broker); draws nothing to stdout
//! outside the terminal session, which is restored on quit, on Ctrl-C and on panic.

pub mod action;
pub mod app;
pub mod event_loop;
pub mod keymap;
pub mod runner;
pub mod source;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod views;

use std::time::Duration;

use crossterm::event::EventStream;
use tokio::sync::mpsc;

use crate::broker::Broker;
use crate::tui::action::{Action, Command};
use crate::tui::runner::EffectRunner;
use crate::tui::source::Source;
use crate::tui::theme::Theme;

pub use crate::tui::app::State;
pub use crate::tui::event_loop::LoopReport;

/// What the binary tells the TUI: what to watch, how often to refresh, what to call itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TuiOptions {
    /// The symbols on the Quotes view, in order.
    pub watchlist: Vec<String>,
    /// How often quotes refresh while the Quotes view is visible.
    pub quote_refresh: Duration,
    /// How often accounts and positions refresh while the Positions view is visible.
    pub positions_refresh: Duration,
    /// The header title; a title containing "DEMO" is marked so demo mode is always visible.
    pub title: String,
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions {
            watchlist: Vec::new(),
            quote_refresh: Duration::from_secs(2),
            positions_refresh: Duration::from_secs(10),
            title: "palmtree".to_string(),
        }
    }
}

/// Runs the TUI against the broker on the real terminal until the user quits.
///
/// This is what the binary calls. It must run inside a tokio runtime, with logging already
/// going to a file: anything written to stdout or stderr would corrupt the screen.
pub async fn run(broker: Broker, opts: TuiOptions) -> anyhow::Result<()> {
    run_with(broker, opts).await
}

/// Runs the TUI against any [`Source`] on the real terminal until the user quits.
///
/// Takes over the terminal (raw mode, alternate screen) and gives it back on every exit path.
/// SIGINT and SIGTERM quit cleanly too; in raw mode Ctrl-C arrives as a key and quits as well.
pub async fn run_with<S: Source>(source: S, opts: TuiOptions) -> anyhow::Result<()> {
    let theme = Theme::from_env();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(source, tx.clone());
    let signals = tokio::spawn(quit_on_signal(tx));

    let mut session = terminal::Session::enter()?;
    let result = event_loop::run_loop(
        session.terminal(),
        EventStream::new(),
        runner,
        rx,
        &opts,
        &theme,
    )
    .await;
    drop(session);

    signals.abort();
    result.map(|_| ())
}

/// Sends a quit when the process gets SIGINT (or SIGTERM on Unix).
async fn quit_on_signal(tx: mpsc::UnboundedSender<Action>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = tx.send(Action::Command(Command::Quit));
}
