//! Start-up from the sealed cache: with a simulator that delays every answer by seconds, the
//! terminal's first frame already shows the positions cached by the previous run, marked as
//! cached with their time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use palmtree::sim::{Fault, FaultScope};
use palmtree::tui::event_loop::run_loop;
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::theme::Theme;
use palmtree::tui::{TuiExtras, TuiOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

type Events = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

fn screen(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_frame_shows_cached_positions_while_the_network_is_slow() {
    // An earlier run: positions fetched and kept in the sealed cache.
    let demo = palmtree::demo::start(5).await.unwrap();
    let accounts = demo.broker.accounts().await.unwrap();
    let symbol = accounts[0].positions[0].symbol.clone();
    let mut seed = palmtree::cli::dispatch::seed_from(&demo.records);
    for _ in 0..50 {
        if seed.as_ref().is_some_and(|s| s.accounts.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        seed = palmtree::cli::dispatch::seed_from(&demo.records);
    }
    assert!(seed.is_some(), "the cache held the accounts");

    // This run: every answer takes 3 seconds.
    demo.sim.faults().set(
        "*",
        Fault::Latency(Duration::from_secs(3)),
        FaultScope::Always,
    );
    let options = TuiOptions {
        watchlist: vec!["AAPL".into()],
        ..TuiOptions::default()
    };
    let extras = TuiExtras {
        seed,
        ..TuiExtras::default()
    };
    let setup = palmtree::tui::setup(&options, &extras);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (event_tx, mut event_rx) = mpsc::unbounded_channel::<Event>();
    let events: Events = Box::pin(futures_util::stream::poll_fn(move |cx| {
        event_rx.poll_recv(cx).map(|e| e.map(Ok))
    }));
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(demo.broker.clone(), tx);
    let theme = Theme::plain();
    let started = Instant::now();
    let quit = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        event_tx.send(Event::Key(q)).unwrap();
    };
    let (report, ()) = tokio::join!(
        run_loop(&mut terminal, events, runner, rx, setup, &theme),
        quit
    );
    let report = report.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "no answer had arrived yet"
    );
    assert!(report.frames >= 1);
    let shown = screen(&terminal);
    assert!(
        shown.contains(&symbol),
        "the cached position is on screen:\n{shown}"
    );
    assert!(shown.contains("(cached)"), "marked as cached:\n{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_that_cannot_be_opened_is_dropped_and_the_user_is_told_once() {
    use palmtree::session::Records;
    use palmtree::vault::{Vault, names};

    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::memory("cachetest").unwrap();
    let records = Records::open(&vault, dir.path()).unwrap();
    let demo = palmtree::demo::start(6).await.unwrap();
    let accounts = demo.broker.accounts().await.unwrap();
    records
        .store
        .put_cache(
            palmtree::store::CacheKind::Accounts,
            "all",
            &accounts,
            chrono::Utc::now(),
        )
        .unwrap();
    drop(records);

    // The cache key is lost (a new keychain, say): the old values cannot be opened.
    vault.set_bytes(names::CACHE_KEY, &[7u8; 32]).unwrap();
    let records = Records::open(&vault, dir.path()).unwrap();
    let snapshot = records.startup_snapshot();
    assert!(snapshot.accounts.is_none(), "nothing unreadable is shown");
    let notice = snapshot.notice.expect("the user is told");
    assert!(notice.to_lowercase().contains("cache"), "{notice}");
    assert!(records.startup_snapshot().notice.is_none(), "told once");

    let extras = TuiExtras {
        notice: Some(notice.clone()),
        ..TuiExtras::default()
    };
    let setup = palmtree::tui::setup(&TuiOptions::default(), &extras);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| palmtree::tui::views::draw(frame, &setup.state, &Theme::plain()))
        .unwrap();
    let shown = screen(&terminal);
    let start: String = notice.chars().take(30).collect();
    assert!(
        shown.contains(&start),
        "the notice is on the first frame:\n{shown}"
    );
}
