//! Order entry through the whole event loop on a `TestBackend`, with a fake broker and an
//! in-memory journal: one send however often the confirm key is pressed, nothing sent
//! without a journal, and the idle lock's one timer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use palmtree::broker::orders::OrderJournal;
use palmtree::tui::event_loop::{Setup, run_loop};
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::theme::Theme;
use palmtree::tui::{TuiExtras, TuiOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tui_support::*;

type Events = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

fn event_stream(rx: mpsc::UnboundedReceiver<Event>) -> Events {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    }))
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(text: &str) -> Vec<Event> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// The keys that fill in BUY 10 AAPL LIMIT 187.25 DAY NORMAL from `4` and ask for a preview.
fn ticket_keys() -> Vec<Event> {
    use KeyCode::{Enter, Right, Tab};
    let mut keys = chars("4aapl");
    keys.extend([Tab, Right, Tab, Right, Tab].map(key));
    keys.extend(chars("10"));
    keys.extend([Tab, Right, Right, Tab].map(key));
    keys.extend(chars("187.25"));
    keys.extend([Tab, Right, Tab, Right, Enter].map(key));
    keys
}

fn extras(journal: Option<Arc<dyn OrderJournal>>, idle_lock: Duration) -> TuiExtras {
    TuiExtras {
        journal,
        default_account: Some("Individual".to_string()),
        idle_lock,
        ..TuiExtras::default()
    }
}

fn options() -> TuiOptions {
    tui_support::options()
}

async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs the loop with `extras`, sending `script`'s events; returns the last screen.
async fn drive<F>(fake: Fake, extras: TuiExtras, script: F) -> Vec<String>
where
    F: AsyncFnOnce(mpsc::UnboundedSender<Event>),
{
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(fake, tx)
        .with_journal(extras.journal.clone())
        .with_unlock(extras.unlock.clone());
    let setup: Setup = palmtree::tui::setup(&options(), &extras);
    let theme = Theme::plain();
    let ui = run_loop(
        &mut terminal,
        event_stream(event_rx),
        runner,
        rx,
        setup,
        &theme,
    );
    let (report, ()) = tokio::join!(ui, script(event_tx));
    report.unwrap();
    lines(terminal.backend().buffer())
}

#[tokio::test(start_paused = true)]
async fn pressing_confirm_three_times_sends_the_previewed_bytes_once() {
    let fake = Fake::default();
    let journal = Arc::new(MemoryJournal::default());
    let as_journal: Arc<dyn OrderJournal> = journal.clone();
    let probe = fake.clone();
    let screen = drive(
        fake,
        extras(Some(as_journal), Duration::ZERO),
        async |events| {
            settle().await;
            for event in ticket_keys() {
                events.send(event).unwrap();
            }
            settle().await;
            for _ in 0..3 {
                events.send(key(KeyCode::Char('Y'))).unwrap();
            }
            settle().await;
            events.send(key(KeyCode::Char('q'))).unwrap();
        },
    )
    .await;

    let calls = probe.calls.lock().unwrap().clone();
    let previews: Vec<&String> = calls.iter().filter(|c| c.starts_with("preview ")).collect();
    let places: Vec<&String> = calls.iter().filter(|c| c.starts_with("place ")).collect();
    assert_eq!(previews.len(), 1, "{calls:?}");
    assert_eq!(places.len(), 1, "one send for three confirms: {calls:?}");
    assert_eq!(
        previews[0].trim_start_matches("preview "),
        places[0].trim_start_matches("place "),
        "the bytes sent are the bytes previewed"
    );
    assert!(places[0].contains(r#""price":"187.25""#), "{}", places[0]);
    let entries = journal.entries.lock().unwrap().clone();
    assert!(entries[0].starts_with("previewed"), "{entries:?}");
    assert!(entries[1].starts_with("intent Place"), "{entries:?}");
    let text = screen.join("\n");
    assert!(
        text.contains("★ working"),
        "the placed order is on the Orders view:\n{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_journal_no_order_write_reaches_the_broker() {
    let fake = Fake::default();
    let probe = fake.clone();
    let screen = drive(fake, extras(None, Duration::ZERO), async |events| {
        settle().await;
        for event in ticket_keys() {
            events.send(event).unwrap();
        }
        events.send(key(KeyCode::Char('Y'))).unwrap();
        settle().await;
        events.send(key(KeyCode::Esc)).unwrap();
        events.send(key(KeyCode::Char('3'))).unwrap();
        settle().await;
        events.send(key(KeyCode::Char('c'))).unwrap();
        settle().await;
        events
            .send(Event::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            )))
            .unwrap();
    })
    .await;
    let calls = probe.calls.lock().unwrap().clone();
    assert!(
        calls.iter().all(|c| !c.starts_with("preview")
            && !c.starts_with("place")
            && !c.starts_with("cancel")),
        "{calls:?}"
    );
    let text = screen.join("\n");
    assert!(text.contains("order entry is off"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn the_lock_engages_after_the_idle_time_and_a_key_pushes_it_back() {
    let fake = Fake::default();
    let screen = drive(
        fake,
        extras(None, Duration::from_secs(600)),
        async |events| {
            settle().await;
            // Input at 9 minutes pushes the lock to 19.
            tokio::time::sleep(Duration::from_secs(540)).await;
            events.send(key(KeyCode::Char('2'))).unwrap();
            tokio::time::sleep(Duration::from_secs(540)).await;
            settle().await;
            events.send(key(KeyCode::Char('1'))).unwrap();
            tokio::time::sleep(Duration::from_secs(601)).await;
            settle().await;
            events
                .send(Event::Key(KeyEvent::new(
                    KeyCode::Char('c'),
                    KeyModifiers::CONTROL,
                )))
                .unwrap();
        },
    )
    .await;
    let text = screen.join("\n");
    assert!(text.contains("palmtree is locked"), "{text}");
    assert!(text.contains("No input for 10 minutes"), "{text}");
    assert!(!text.contains("Individual"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_key_before_the_idle_time_keeps_the_screen_unlocked() {
    let fake = Fake::default();
    let screen = drive(
        fake,
        extras(None, Duration::from_secs(600)),
        async |events| {
            settle().await;
            tokio::time::sleep(Duration::from_secs(540)).await;
            events.send(key(KeyCode::Char('2'))).unwrap();
            tokio::time::sleep(Duration::from_secs(540)).await;
            settle().await;
            events.send(key(KeyCode::Char('q'))).unwrap();
        },
    )
    .await;
    let text = screen.join("\n");
    assert!(!text.contains("palmtree is locked"), "{text}");
    assert!(text.contains("Main (7)"), "{text}");
}

/// A frozen BUY 10 AAPL LIMIT 187.25 DAY, as the ticket builds it.
fn frozen() -> palmtree::trading::FrozenOrder {
    let mut state = trading_state();
    fill_aapl_buy(&mut state);
    let order = state.ticket_validation().order.unwrap();
    palmtree::trading::FrozenOrder::freeze(order).unwrap()
}

fn place_effect() -> palmtree::tui::action::Effect {
    palmtree::tui::action::Effect::Place {
        seq: 1,
        account: palmtree::broker::model::AccountKey::new("HASH-ONE"),
        order: frozen(),
    }
}

#[tokio::test(start_paused = true)]
async fn an_order_write_is_never_cut_off_by_the_fetch_timeout() {
    let fake = Fake::default();
    *fake.place_delay.lock().unwrap() = Some(Duration::from_secs(120));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let journal: Arc<dyn OrderJournal> = Arc::new(MemoryJournal::default());
    let runner = EffectRunner::new(fake.clone(), tx)
        .with_timeout(Duration::from_secs(5))
        .with_journal(Some(journal));
    runner.run(place_effect());
    let answer = rx.recv().await.unwrap();
    match answer {
        palmtree::tui::action::Action::Submitted {
            seq: 1,
            result: Ok(submission),
            ..
        } => assert!(
            matches!(
                submission.outcome,
                palmtree::trading::Outcome::Placed { .. }
            ),
            "{submission:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.count("place "), 1);
}

#[tokio::test(start_paused = true)]
async fn a_send_that_dies_half_way_is_an_unknown_outcome_not_a_refusal() {
    let fake = Fake::default();
    fake.place_panics
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let journal: Arc<dyn OrderJournal> = Arc::new(MemoryJournal::default());
    let runner = EffectRunner::new(fake.clone(), tx).with_journal(Some(journal));
    runner.run(place_effect());
    match rx.recv().await.unwrap() {
        palmtree::tui::action::Action::Submitted {
            result: Ok(submission),
            ..
        } => {
            assert!(
                matches!(
                    submission.outcome,
                    palmtree::trading::Outcome::Unknown { .. }
                ),
                "{submission:?}"
            );
            assert!(matches!(
                submission.resolution,
                Some(palmtree::broker::orders::Resolution::StillUnknown(_))
            ));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn without_a_journal_the_runner_refuses_before_calling_the_broker() {
    let fake = Fake::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(fake.clone(), tx);
    runner.run(place_effect());
    match rx.recv().await.unwrap() {
        palmtree::tui::action::Action::Submitted {
            result: Err(error), ..
        } => assert!(error.to_string().contains("order entry is off"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.count("place"), 0);
}
