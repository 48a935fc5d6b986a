//! The whole event loop on a `TestBackend` with a fake broker (and once with the simulator):
//! keys in, frames and fetches out, the watchlist file written, the cache seed drawn first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use std::io;
use std::pin::Pin;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use palmtree::broker::BrokerError;
use palmtree::broker::model::{Account, AccountKey, Candle, ChartRange, MarketSession, QuoteRow};
use palmtree::broker::orders::{OrderJournal, Submission};
use palmtree::schwab::orders::PreviewOrder;
use palmtree::trading::{FrozenOrder, Outcome};
use palmtree::tui::action::{Action, Effect, Seed};
use palmtree::tui::event_loop::{Setup, run_loop};
use palmtree::tui::orders::OrderRow;
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::source::Source;
use palmtree::tui::theme::Theme;
use palmtree::tui::{LoopReport, TuiExtras, TuiOptions};
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

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// Runs the loop while `script` sends events; returns the report and the last screen.
async fn drive<S, F>(source: S, setup: Setup, script: F) -> (LoopReport, Vec<String>)
where
    S: Source,
    F: AsyncFnOnce(mpsc::UnboundedSender<Event>),
{
    drive_runner(source, setup, |r| r, script).await
}

async fn drive_runner<S, F>(
    source: S,
    setup: Setup,
    adjust: impl FnOnce(EffectRunner<S>) -> EffectRunner<S>,
    script: F,
) -> (LoopReport, Vec<String>)
where
    S: Source,
    F: AsyncFnOnce(mpsc::UnboundedSender<Event>),
{
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = adjust(EffectRunner::new(source, tx));
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
    let screen = lines(terminal.backend().buffer());
    (report.unwrap(), screen)
}

fn setup() -> Setup {
    Setup::from_options(&options())
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test(start_paused = true)]
async fn keys_switch_views_and_fetched_data_is_drawn() {
    let source = Fake::default();
    let (report, screen) = drive(source.clone(), setup(), async |events| {
        settle().await;
        events.send(key('2')).unwrap();
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;

    assert_eq!(source.count("accounts"), 1);
    assert_eq!(source.count("quotes"), 1);
    assert_eq!(source.count("session"), 1);
    assert!(screen[0].contains("2 Quotes"));
    assert!(row_with(&screen, "ZZZZ").contains("not found"));
    assert!(row_with(&screen, "$SPX").contains("5,123.45"));
    // First frame, then the accounts and session answers (one batch or two), the switch and
    // the quotes: nothing for idle time.
    assert!((4..=5).contains(&report.frames), "{}", report.frames);
}

#[tokio::test(start_paused = true)]
async fn idle_means_no_redraw_and_hidden_views_are_not_fetched() {
    let source = Fake::default();
    let opts = TuiOptions {
        positions_refresh: Duration::from_secs(3600),
        ..options()
    };
    let (report, screen) = drive(source.clone(), Setup::from_options(&opts), async |events| {
        // A minute of quote, order and chart timer ticks while their views are hidden.
        settle().await;
        let before = tokio::time::Instant::now();
        tokio::time::sleep(Duration::from_secs(50)).await;
        assert!(before.elapsed() >= Duration::from_secs(50));
        events.send(key('q')).unwrap();
    })
    .await;

    assert_eq!(source.count("quotes"), 0);
    assert_eq!(source.count("orders"), 0);
    assert_eq!(source.count("history"), 0);
    assert_eq!(source.count("accounts"), 1);
    // The first frame, the answers, then nothing: clock ticks change nothing shown.
    assert!(report.frames <= 3, "{} frames while idle", report.frames);
    assert!(row_with(&screen, "TSLA").contains("-20"));
}

#[tokio::test(start_paused = true)]
async fn the_visible_view_refreshes_on_its_timer() {
    let source = Fake::default();
    let (_, screen) = drive(source.clone(), setup(), async |events| {
        settle().await;
        events.send(key('2')).unwrap();
        tokio::time::sleep(Duration::from_secs(21)).await;
        events.send(key('3')).unwrap();
        tokio::time::sleep(Duration::from_secs(31)).await;
        events.send(key('q')).unwrap();
    })
    .await;

    // One on switching, then one every 2 s for 21 s; none once Orders is shown.
    assert_eq!(source.count("quotes"), 11);
    assert_eq!(
        source.count("accounts"),
        1,
        "positions are hidden: no refresh"
    );
    // Orders: one on switching, then one each 15 s.
    assert_eq!(source.count("orders"), 3);
    assert!(screen[23].contains("orders as of"));
}

#[tokio::test(start_paused = true)]
async fn a_resize_redraws_once_and_a_repeat_does_not() {
    let source = Fake::default();
    let (report, _) = drive(source, setup(), async |events| {
        settle().await;
        events.send(Event::Resize(100, 30)).unwrap();
        events.send(Event::Resize(100, 30)).unwrap();
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;
    let (baseline, _) = drive(Fake::default(), setup(), async |events| {
        settle().await;
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;
    assert_eq!(report.frames, baseline.frames + 1);
}

#[tokio::test(start_paused = true)]
async fn input_ending_ends_the_loop() {
    let (report, _) = drive(Fake::default(), setup(), async |events| drop(events)).await;
    assert!(report.frames >= 1);
}

#[tokio::test(start_paused = true)]
async fn adding_a_symbol_checks_it_and_saves_the_watchlist_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("watchlists.toml");
    let extras = TuiExtras {
        watchlist_file: Some(path.clone()),
        ..TuiExtras::default()
    };
    let setup = palmtree::tui::setup(&options(), &extras);
    assert!(setup.state.saves());
    let source = Fake::default();
    let saved = path.clone();
    let (_, screen) = drive_runner(
        source.clone(),
        setup,
        move |r| r.with_watchlist_file(saved),
        async |events| {
            settle().await;
            events.send(key('2')).unwrap();
            events.send(key('a')).unwrap();
            events.send(Event::Paste("amd\n".to_string())).unwrap();
            events.send(enter()).unwrap();
            settle().await;
            // Real file I/O runs on the blocking pool, outside the paused clock.
            for _ in 0..100 {
                if std::fs::metadata(&path).is_ok() {
                    break;
                }
                tokio::task::yield_now().await;
                std::thread::sleep(Duration::from_millis(10));
            }
            settle().await;
            events.send(key('q')).unwrap();
        },
    )
    .await;

    assert_eq!(
        source.count("quotes AMD"),
        1,
        "checked with one quote request"
    );
    assert!(
        row_with(&screen, "AMD").contains("ADVANCED MICRO")
            || screen.join("\n").contains("Added AMD")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"AMD\""), "{text}");
    assert!(text.contains("active = \"Main\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");

    // The next start reads the list back.
    let extras = TuiExtras {
        watchlist_file: Some(path.clone()),
        ..TuiExtras::default()
    };
    let again = palmtree::tui::setup(&options(), &extras);
    assert_eq!(
        again.state.watchlist().last().map(String::as_str),
        Some("AMD")
    );
}

#[test]
fn an_unreadable_watchlist_file_is_left_alone_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watchlists.toml");
    std::fs::write(&path, "this is = = not toml").unwrap();
    let extras = TuiExtras {
        watchlist_file: Some(path.clone()),
        ..TuiExtras::default()
    };
    let setup = palmtree::tui::setup(&options(), &extras);
    assert!(!setup.state.saves());
    assert_eq!(setup.state.watchlist(), options().watchlist.as_slice());
    let notice = setup.state.notice().unwrap();
    assert!(
        notice.text.contains("is not a valid watchlist file"),
        "{}",
        notice.text
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "this is = = not toml"
    );
}

/// A broker whose account fetch never answers: only the cache can show positions.
#[derive(Clone)]
struct Stuck;

impl Source for Stuck {
    async fn accounts(&self) -> Result<Vec<Account>, BrokerError> {
        std::future::pending().await
    }

    async fn quotes(&self, _: &[String]) -> Result<Vec<QuoteRow>, BrokerError> {
        panic!("broken broker")
    }

    async fn orders(&self) -> Result<Vec<OrderRow>, BrokerError> {
        std::future::pending().await
    }

    async fn price_history(&self, _: &str, _: ChartRange) -> Result<Vec<Candle>, BrokerError> {
        std::future::pending().await
    }

    async fn market_session(
        &self,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<MarketSession, BrokerError> {
        std::future::pending().await
    }

    async fn preview(
        &self,
        _: &AccountKey,
        _: &FrozenOrder,
        _: &dyn OrderJournal,
    ) -> Result<PreviewOrder, BrokerError> {
        std::future::pending().await
    }

    async fn place(
        &self,
        _: &AccountKey,
        _: &FrozenOrder,
        _: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        std::future::pending().await
    }

    async fn replace(
        &self,
        _: &AccountKey,
        _: i64,
        _: &FrozenOrder,
        _: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        std::future::pending().await
    }

    async fn cancel(
        &self,
        _: &AccountKey,
        _: i64,
        _: &dyn OrderJournal,
    ) -> Result<Outcome, BrokerError> {
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn a_seeded_loop_draws_cached_positions_before_any_fetch_returns() {
    let mut setup = setup();
    setup.seed = Some(Seed {
        accounts: Some((accounts(), at(13, 58, 0))),
        ..Seed::default()
    });
    let (report, screen) = drive(Stuck, setup, async |events| {
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;
    assert_eq!(report.frames, 1, "one frame, drawn from the cache");
    assert!(row_with(&screen, "TSLA").contains("-3,965.50"));
    assert!(screen[1].ends_with("as of 13:58:00 (cached)"));
}

/// The lock's `ForgetVaultKey` runs the hook the binary gave (the vault's forget), once.
#[tokio::test]
async fn forget_vault_key_runs_the_forget_hook() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let runner =
        EffectRunner::new(Stuck, tx).with_forget_key(Some(std::sync::Arc::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })));
    runner.run(Effect::ForgetVaultKey);
    for _ in 0..200 {
        if calls.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hung_fetch_times_out_and_a_panicking_one_is_reported() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(Stuck, tx).with_timeout(Duration::from_secs(5));

    runner.run(Effect::FetchAccounts);
    match rx.recv().await.unwrap() {
        Action::AccountsLoaded { result, .. } => {
            assert_eq!(
                result,
                Err(BrokerError::Offline("no answer after 5s".to_string()))
            );
        }
        other => panic!("unexpected {other:?}"),
    }

    runner.run(Effect::FetchQuotes(vec!["AAPL".to_string()]));
    match rx.recv().await.unwrap() {
        Action::QuotesLoaded { result, .. } => {
            assert_eq!(
                result,
                Err(BrokerError::Failed(
                    "internal error while fetching; try r to retry".to_string()
                ))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_whole_watchlist_goes_to_the_simulator_in_as_few_requests_as_allowed() {
    let demo = palmtree::demo::start(7).await.unwrap();
    let symbols: Vec<String> = (0..600)
        .map(|i| match i % 3 {
            0 => "AAPL".to_string(),
            1 => "SPY".to_string(),
            _ => format!("Z{i:04}"),
        })
        .collect();
    let before = quote_requests(&demo.sim.stats());
    let rows = Source::quotes(&demo.broker, &symbols).await.unwrap();
    assert_eq!(rows.len(), 600);
    assert_eq!(
        quote_requests(&demo.sim.stats()) - before,
        2,
        "500 symbols a request"
    );

    let candles = Source::price_history(&demo.broker, "AAPL", ChartRange::Day)
        .await
        .unwrap();
    assert!(!candles.is_empty(), "the simulator serves pricehistory");
    assert!(candles.iter().all(|c| c.time.timestamp() > 0));
    demo.sim.shutdown().await;
}

fn quote_requests(stats: &palmtree::sim::SimStats) -> u64 {
    stats
        .requests
        .iter()
        .filter(|((method, route), _)| method == "GET" && route.ends_with("/quotes"))
        .map(|(_, n)| *n)
        .sum()
}
