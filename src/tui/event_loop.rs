//! The event loop: terminal input, broker results and refresh timers in, frames out.
//!
//! It sleeps until one of them has something, applies every queued action, then draws once,
//! and only if the state changed. Network work runs in tasks, so input is never blocked. The
//! idle lock is one timer armed for its deadline and pushed back by each input, so an idle
//! loop is not woken to check it.

use std::io;
use std::time::Duration;

use chrono::Local;
use crossterm::event::{Event, MouseButton, MouseEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::tui::action::{Action, Feed, MouseAction, Seed};
use crate::tui::app::State;
use crate::tui::keymap::{KeyOutcome, Keymap};
use crate::tui::runner::EffectRunner;
use crate::tui::source::Source;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::views;
use crate::tui::{TuiExtras, TuiOptions};

/// Refresh timers never run faster than this, whatever the options say.
const MIN_REFRESH: Duration = Duration::from_millis(250);

/// Rows one notch of the mouse wheel moves.
const WHEEL_ROWS: i8 = 3;

/// How often each timer fires. Only the timers of what is on screen lead to a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    pub quotes: Duration,
    pub positions: Duration,
    pub orders: Duration,
    /// The price chart of an open detail pane.
    pub chart: Duration,
    /// The market session (pre, regular, after hours, closed).
    pub session: Duration,
    /// The wall clock, for data ages and the re-login countdown; a tick redraws only when
    /// what it shows changed.
    pub clock: Duration,
}

impl Periods {
    pub fn new(opts: &TuiOptions, extras: &TuiExtras) -> Periods {
        Periods {
            quotes: opts.quote_refresh,
            positions: opts.positions_refresh,
            orders: extras.orders_refresh,
            chart: Duration::from_secs(60),
            session: Duration::from_secs(60),
            clock: Duration::from_secs(5),
        }
    }
}

/// What a finished loop reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopReport {
    /// Frames drawn, the first included. Idle time adds none.
    pub frames: u64,
}

/// Everything the loop starts from: the state, the keys, the timers and any cached data.
pub struct Setup {
    pub state: State,
    pub keymap: Keymap,
    pub periods: Periods,
    /// Cached data to draw before the first fetch returns.
    pub seed: Option<Seed>,
}

impl Setup {
    /// The setup for plain options: default keys, the config's watchlist, no cache.
    pub fn from_options(opts: &TuiOptions) -> Setup {
        let extras = TuiExtras::default();
        Setup {
            state: State::new(opts).with_orders_refresh(extras.orders_refresh),
            keymap: Keymap::default(),
            periods: Periods::new(opts, &extras),
            seed: None,
        }
    }
}

/// Runs the TUI on any backend and input stream until the user quits or input ends.
///
/// `actions` receives what the runner's tasks send back (and anything else a caller wants to
/// inject, such as a quit on SIGTERM).
pub async fn run_loop<B, E, S>(
    terminal: &mut Terminal<B>,
    mut events: E,
    runner: EffectRunner<S>,
    mut actions: UnboundedReceiver<Action>,
    setup: Setup,
    theme: &Theme,
) -> anyhow::Result<LoopReport>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Source,
{
    let Setup {
        mut state,
        keymap,
        periods,
        seed,
    } = setup;
    let size = terminal.size()?;
    let resize = Action::Resize {
        width: size.width,
        height: size.height,
    };
    dispatch(&mut state, resize, &runner);
    dispatch(&mut state, Action::Clock(Local::now()), &runner);
    if let Some(seed) = seed {
        dispatch(&mut state, Action::Seeded(Box::new(seed)), &runner);
    }
    dispatch(&mut state, Action::Start, &runner);

    let mut quote_timer = timer(periods.quotes);
    let mut positions_timer = timer(periods.positions);
    let mut orders_timer = timer(periods.orders);
    let mut chart_timer = timer(periods.chart);
    let mut session_timer = timer(periods.session);
    let mut clock_timer = timer(periods.clock);
    let idle_lock = state.lock().after;
    let lock_timer = tokio::time::sleep(idle_lock);
    tokio::pin!(lock_timer);
    let mut lock_armed = !idle_lock.is_zero();
    let mut drawn: Option<u64> = None;
    let mut frames = 0u64;

    loop {
        if drawn != Some(state.generation()) {
            terminal.draw(|frame| views::draw(frame, &state, theme))?;
            drawn = Some(state.generation());
            frames += 1;
        }

        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if !idle_lock.is_zero() && is_input(&event) {
                        lock_timer.as_mut().reset(Instant::now() + idle_lock);
                        lock_armed = true;
                    }
                    input_action(&state, &keymap, &event)
                }
                Some(Err(err)) => return Err(err.into()),
                None => break,
            },
            _ = &mut lock_timer, if lock_armed => {
                lock_armed = false;
                Some(Action::Lock)
            }
            Some(action) = actions.recv() => Some(action),
            _ = quote_timer.tick() => Some(Action::Tick(Feed::Quotes)),
            _ = positions_timer.tick() => Some(Action::Tick(Feed::Positions)),
            _ = orders_timer.tick() => Some(Action::Tick(Feed::Orders)),
            _ = chart_timer.tick() => Some(Action::Tick(Feed::Chart)),
            _ = session_timer.tick() => Some(Action::Tick(Feed::Session)),
            _ = clock_timer.tick() => Some(Action::Clock(Local::now())),
        };
        if let Some(action) = action {
            dispatch(&mut state, action, &runner);
        }
        while let Ok(action) = actions.try_recv() {
            dispatch(&mut state, action, &runner);
        }

        if state.should_quit() {
            break;
        }
    }

    Ok(LoopReport { frames })
}

fn dispatch<S: Source>(state: &mut State, action: Action, runner: &EffectRunner<S>) {
    for effect in update(state, action) {
        runner.run(effect);
    }
}

/// Whether an event is the user's doing, which pushes the idle lock back. A resize or a
/// focus change is not.
fn is_input(event: &Event) -> bool {
    matches!(event, Event::Key(_) | Event::Paste(_) | Event::Mouse(_))
}

/// The action a terminal event means here, if any. The lock screen takes keys and pastes
/// only: a click cannot reach what it hides.
pub fn input_action(state: &State, keymap: &Keymap, event: &Event) -> Option<Action> {
    if state.locked() && matches!(event, Event::Mouse(_)) {
        return None;
    }
    match event {
        Event::Key(key) => match keymap.outcome(state, key) {
            KeyOutcome::Command(command) => Some(Action::Command(command)),
            KeyOutcome::Type(c) => Some(Action::Type(c)),
            KeyOutcome::Nothing => None,
        },
        Event::Paste(text) => Some(Action::Paste(text.clone())),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                views::hit(state, mouse.column, mouse.row).map(Action::Mouse)
            }
            MouseEventKind::ScrollUp => Some(Action::Mouse(MouseAction::Scroll(-WHEEL_ROWS))),
            MouseEventKind::ScrollDown => Some(Action::Mouse(MouseAction::Scroll(WHEEL_ROWS))),
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

/// A timer whose first tick is one period from now; late ticks are not bunched up.
fn timer(period: Duration) -> Interval {
    let period = period.max(MIN_REFRESH);
    let mut interval = tokio::time::interval_at(Instant::now() + period, period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}
