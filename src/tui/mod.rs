//! The terminal program: state, actions, update, views, keymap, theme and the event loop.
//!
//! Reaches the network only through [`source::Source`] (the broker, which journals every
//! order write) and the disk only for the watchlist file; draws nothing to stdout outside
//! the terminal session, which is restored on quit, on Ctrl-C and on panic.

pub mod action;
pub mod app;
pub mod event_loop;
pub mod holdings;
pub mod keymap;
pub mod orders;
pub mod runner;
pub mod source;
pub mod terminal;
pub mod theme;
pub mod ticket;
pub mod trade;
pub mod update;
pub mod views;
pub mod watchlists;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::EventStream;
use tokio::sync::mpsc;

use crate::broker::Broker;
use crate::broker::orders::OrderJournal;
use crate::trading::Limits;
use crate::tui::action::{Action, Command, Seed};
use crate::tui::event_loop::{Periods, Setup};
use crate::tui::keymap::Keymap;
use crate::tui::runner::EffectRunner;
use crate::tui::source::Source;
use crate::tui::theme::{Theme, ThemeName};
use crate::tui::watchlists::WatchlistFile;

pub use crate::tui::app::State;
pub use crate::tui::event_loop::LoopReport;

/// How often the Orders view refreshes while it is visible, unless told otherwise.
pub const DEFAULT_ORDERS_REFRESH: Duration = Duration::from_secs(15);

/// How long without input before the lock screen hides balances, positions and order entry.
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(15 * 60);

/// The vault's check of a passphrase typed on the lock screen: `true` unlocks.
///
/// Called off the async threads (it may run a slow key derivation), once per Enter.
pub type UnlockCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Forgets the vault file's remembered key; called when the screen locks.
pub type ForgetKey = Arc<dyn Fn() + Send + Sync>;

/// What the binary tells the TUI: what to watch, how often to refresh, what to call itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TuiOptions {
    /// The symbols of the watchlist made from the config file, used when no watchlist file
    /// exists yet.
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

/// The rest of what the binary can tell the TUI, kept apart from [`TuiOptions`] so that
/// code building `TuiOptions` field by field keeps compiling as this grows.
#[derive(Clone)]
pub struct TuiExtras {
    /// Where the named watchlists are kept (`watchlists.toml` in the data directory).
    /// `None`: changes last only for the run (tests, and the demo unless it passes a path).
    pub watchlist_file: Option<PathBuf>,
    /// The keys, from [`keymap::apply_overrides`] on the config file.
    pub keymap: Keymap,
    /// The look asked for in the config; `NO_COLOR` still wins.
    pub theme: Option<ThemeName>,
    /// When the refresh token runs out, for the status bar's re-login countdown.
    pub relogin_deadline: Option<DateTime<Utc>>,
    /// How often the Orders view refreshes while visible.
    pub orders_refresh: Duration,
    /// Data from the sealed cache to draw before the first fetch returns.
    pub seed: Option<Seed>,
    /// Where every preview, order, replace and cancel is recorded before it is sent and when
    /// its answer comes. `None`: order entry is off, and the ticket says so; nothing is sent
    /// without a journal.
    pub journal: Option<Arc<dyn OrderJournal>>,
    /// The label of the account a new ticket starts on (the config's default account).
    pub default_account: Option<String>,
    /// The ticket's bounds (largest quantity, how far from the market a limit may be).
    pub limits: Limits,
    /// Time without input before the lock screen; zero turns the lock off.
    pub idle_lock: Duration,
    /// How the lock screen checks a passphrase. `None`: any key unlocks.
    pub unlock: Option<UnlockCheck>,
    /// What forgets the vault file's remembered key when the screen locks.
    pub forget_key: Option<ForgetKey>,
    /// Something to tell the user once at start-up (the cache could not be read and was
    /// cleared, say), shown until the first key.
    pub notice: Option<String>,
}

impl Default for TuiExtras {
    fn default() -> Self {
        TuiExtras {
            watchlist_file: None,
            keymap: Keymap::default(),
            theme: None,
            relogin_deadline: None,
            orders_refresh: DEFAULT_ORDERS_REFRESH,
            seed: None,
            journal: None,
            default_account: None,
            limits: Limits::default(),
            idle_lock: DEFAULT_IDLE_LOCK,
            unlock: None,
            forget_key: None,
            notice: None,
        }
    }
}

impl fmt::Debug for TuiExtras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TuiExtras")
            .field("watchlist_file", &self.watchlist_file)
            .field("theme", &self.theme)
            .field("relogin_deadline", &self.relogin_deadline)
            .field("orders_refresh", &self.orders_refresh)
            .field("journal", &self.journal.as_ref().map(|_| "[journal]"))
            .field("default_account", &self.default_account)
            .field("limits", &self.limits)
            .field("idle_lock", &self.idle_lock)
            .field(
                "unlock",
                &self.unlock.as_ref().map(|_| "[passphrase check]"),
            )
            .finish_non_exhaustive()
    }
}

/// Runs the TUI against the broker on the real terminal until the user quits.
///
/// This is what the binary calls. It must run inside a tokio runtime, with logging already
/// going to a file: anything written to stdout or stderr would corrupt the screen.
pub async fn run(broker: Broker, opts: TuiOptions) -> anyhow::Result<()> {
    run_with(broker, opts, TuiExtras::default()).await
}

/// [`run`] with the rest of the options: watchlist file, keys, theme, re-login deadline.
pub async fn run_extended(
    broker: Broker,
    opts: TuiOptions,
    extras: TuiExtras,
) -> anyhow::Result<()> {
    run_with(broker, opts, extras).await
}

/// Runs the TUI against any [`Source`] on the real terminal until the user quits.
///
/// Takes over the terminal (raw mode, alternate screen, mouse, bracketed paste) and gives it
/// back on every exit path. SIGINT and SIGTERM quit cleanly too; in raw mode Ctrl-C arrives
/// as a key and quits as well.
pub async fn run_with<S: Source>(
    source: S,
    opts: TuiOptions,
    extras: TuiExtras,
) -> anyhow::Result<()> {
    let theme = Theme::from_env_or(extras.theme);
    let (tx, rx) = mpsc::unbounded_channel();
    let setup = setup(&opts, &extras);
    let mut runner = EffectRunner::new(source, tx.clone())
        .with_journal(extras.journal.clone())
        .with_unlock(extras.unlock.clone())
        .with_forget_key(extras.forget_key.clone());
    if let Some(path) = extras
        .watchlist_file
        .clone()
        .filter(|_| setup.state.saves())
    {
        runner = runner.with_watchlist_file(path);
    }
    let signals = tokio::spawn(quit_on_signal(tx));

    let mut session = terminal::Session::enter()?;
    let result = event_loop::run_loop(
        session.terminal(),
        EventStream::new(),
        runner,
        rx,
        setup,
        &theme,
    )
    .await;
    drop(session);

    signals.abort();
    result.map(|_| ())
}

/// The loop's starting point: the watchlist file read (or the config's list when there is
/// none), the keys, the timers and the cache seed.
///
/// A watchlist file that cannot be read is left alone: the config's list is shown, saving is
/// off for the run so the file is not overwritten, and the status bar says why.
pub fn setup(opts: &TuiOptions, extras: &TuiExtras) -> Setup {
    let (lists, saving, problem) = match &extras.watchlist_file {
        None => (WatchlistFile::from_symbols(&opts.watchlist), false, None),
        Some(path) => match watchlists::load(path) {
            Ok(Some(file)) => (file, true, None),
            Ok(None) => (WatchlistFile::from_symbols(&opts.watchlist), true, None),
            Err(e) => {
                tracing::warn!(error = %e, "watchlist file unreadable; not saving this run");
                let text = format!("{e}; changes will not be saved");
                (
                    WatchlistFile::from_symbols(&opts.watchlist),
                    false,
                    Some(text),
                )
            }
        },
    };
    let off = extras
        .journal
        .is_none()
        .then(|| crate::tui::app::ORDER_ENTRY_OFF.to_string());
    let state = State::with(opts, lists, &extras.keymap)
        .saving_watchlists(saving)
        .with_relogin_deadline(extras.relogin_deadline)
        .with_orders_refresh(extras.orders_refresh)
        .with_trading(off, extras.limits.clone(), extras.default_account.clone())
        .with_idle_lock(extras.idle_lock, extras.unlock.is_some())
        .with_notice(problem.or_else(|| extras.notice.clone()));
    Setup {
        state,
        keymap: extras.keymap.clone(),
        periods: Periods::new(opts, extras),
        seed: extras.seed.clone(),
    }
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
