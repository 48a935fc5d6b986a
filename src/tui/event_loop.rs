//! The event loop: terminal input, broker results and refresh timers in, frames out.
//!
//! It sleeps until one of them has something, applies every queued action, then draws once,
//! and only if the state changed. Network work runs in tasks, so input is never blocked.

use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::tui::TuiOptions;
use crate::tui::action::{Action, Feed};
use crate::tui::app::State;
use crate::tui::keymap;
use crate::tui::runner::EffectRunner;
use crate::tui::source::Source;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::views;

/// Refresh timers never run faster than this, whatever the options say.
const MIN_REFRESH: Duration = Duration::from_millis(250);

/// What a finished loop reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopReport {
    /// Frames drawn, the first included. Idle time adds none.
    pub frames: u64,
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
    opts: &TuiOptions,
    theme: &Theme,
) -> anyhow::Result<LoopReport>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Source,
{
    let mut state = State::new(opts);
    let size = terminal.size()?;
    let resize = Action::Resize {
        width: size.width,
        height: size.height,
    };
    dispatch(&mut state, resize, &runner);
    dispatch(&mut state, Action::Start, &runner);

    let mut quote_timer = timer(opts.quote_refresh);
    let mut positions_timer = timer(opts.positions_refresh);
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
                Some(Ok(event)) => input_action(&state, &event),
                Some(Err(err)) => return Err(err.into()),
                None => break,
            },
            Some(action) = actions.recv() => Some(action),
            _ = quote_timer.tick() => Some(Action::Tick(Feed::Quotes)),
            _ = positions_timer.tick() => Some(Action::Tick(Feed::Positions)),
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

/// The action a terminal event means here, if any. Mouse, focus and paste are not used.
fn input_action(state: &State, event: &Event) -> Option<Action> {
    match event {
        Event::Key(key) => keymap::command_for(state, key).map(Action::Command),
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
