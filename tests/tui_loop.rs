//! The whole event loop on a `TestBackend` with a fake broker: keys in, frames and fetches out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use palmtree::broker::model::{Account, QuoteRow};
use palmtree::tui::action::{Action, Effect};
use palmtree::tui::event_loop::run_loop;
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::source::Source;
use palmtree::tui::theme::Theme;
use palmtree::tui::{LoopReport, TuiOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tui_support::*;

#[derive(Clone, Default)]
struct Fake {
    accounts: Arc<AtomicUsize>,
    quotes: Arc<AtomicUsize>,
}

impl Source for Fake {
    async fn accounts(&self) -> Result<Vec<Account>, String> {
        self.accounts.fetch_add(1, Ordering::SeqCst);
        Ok(accounts())
    }

    async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, String> {
        self.quotes.fetch_add(1, Ordering::SeqCst);
        assert_eq!(symbols.len(), 7);
        Ok(quote_rows())
    }
}

type Events = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

fn event_stream(rx: mpsc::UnboundedReceiver<Event>) -> Events {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    }))
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Runs the loop while `script` sends events; returns the report and the last screen.
async fn drive<F>(source: Fake, opts: TuiOptions, script: F) -> (LoopReport, Vec<String>)
where
    F: AsyncFnOnce(mpsc::UnboundedSender<Event>),
{
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(source, tx);
    let theme = Theme::plain();
    let ui = run_loop(
        &mut terminal,
        event_stream(event_rx),
        runner,
        rx,
        &opts,
        &theme,
    );
    let (report, ()) = tokio::join!(ui, script(event_tx));
    let screen = lines(terminal.backend().buffer());
    (report.unwrap(), screen)
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test(start_paused = true)]
async fn keys_switch_views_and_fetched_data_is_drawn() {
    let source = Fake::default();
    let (report, screen) = drive(source.clone(), options(), async |events| {
        settle().await;
        events.send(key('2')).unwrap();
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;

    assert_eq!(source.accounts.load(Ordering::SeqCst), 1);
    assert_eq!(source.quotes.load(Ordering::SeqCst), 1);
    assert!(screen[0].contains("2 Quotes"));
    assert!(row_with(&screen, "ZZZZ").contains("not found"));
    assert!(row_with(&screen, "$SPX").contains("5,123.45"));
    // First frame, accounts drawn, view switched, quotes drawn: nothing in between.
    assert_eq!(report.frames, 4);
}

#[tokio::test(start_paused = true)]
async fn idle_means_no_redraw_and_hidden_views_are_not_fetched() {
    let source = Fake::default();
    let opts = TuiOptions {
        positions_refresh: Duration::from_secs(3600),
        ..options()
    };
    let (report, screen) = drive(source.clone(), opts, async |events| {
        // A minute of quote timer ticks while the Quotes view is hidden.
        tokio::time::sleep(Duration::from_secs(60)).await;
        events.send(key('q')).unwrap();
    })
    .await;

    assert_eq!(source.quotes.load(Ordering::SeqCst), 0);
    assert_eq!(source.accounts.load(Ordering::SeqCst), 1);
    assert_eq!(
        report.frames, 2,
        "the first frame and the accounts, then nothing"
    );
    assert!(row_with(&screen, "TSLA").contains("-20"));
}

#[tokio::test(start_paused = true)]
async fn the_visible_view_refreshes_on_its_timer() {
    let source = Fake::default();
    let (_, screen) = drive(source.clone(), options(), async |events| {
        settle().await;
        events.send(key('2')).unwrap();
        tokio::time::sleep(Duration::from_secs(21)).await;
        events.send(key('q')).unwrap();
    })
    .await;

    // One on switching, then one every 2 s for 21 s.
    assert_eq!(source.quotes.load(Ordering::SeqCst), 11);
    assert_eq!(
        source.accounts.load(Ordering::SeqCst),
        1,
        "positions are hidden: no refresh"
    );
    assert!(screen[23].contains("quotes as of"));
}

#[tokio::test(start_paused = true)]
async fn a_resize_redraws_once_and_a_repeat_does_not() {
    // TestBackend keeps its own size, so the frame count is what shows the redraw; the
    // drawing at each size is covered in tui_views.
    let source = Fake::default();
    let (report, _) = drive(source, options(), async |events| {
        settle().await;
        events.send(Event::Resize(100, 30)).unwrap();
        events.send(Event::Resize(100, 30)).unwrap();
        settle().await;
        events.send(key('q')).unwrap();
    })
    .await;
    assert_eq!(report.frames, 3, "first frame, accounts, one resize");
}

#[tokio::test(start_paused = true)]
async fn input_ending_ends_the_loop() {
    let (report, _) = drive(Fake::default(), options(), async |events| drop(events)).await;
    assert!(report.frames >= 1);
}

#[derive(Clone)]
struct Stuck;

impl Source for Stuck {
    async fn accounts(&self) -> Result<Vec<Account>, String> {
        std::future::pending().await
    }

    async fn quotes(&self, _: &[String]) -> Result<Vec<QuoteRow>, String> {
        panic!("broken broker")
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_fetch_times_out_and_a_panicking_one_is_reported() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(Stuck, tx).with_timeout(Duration::from_secs(5));

    runner.run(Effect::FetchAccounts);
    match rx.recv().await.unwrap() {
        Action::AccountsLoaded { result, .. } => {
            assert_eq!(result, Err("no answer after 5s".to_string()));
        }
        other => panic!("unexpected {other:?}"),
    }

    runner.run(Effect::FetchQuotes(vec!["AAPL".to_string()]));
    match rx.recv().await.unwrap() {
        Action::QuotesLoaded { result, .. } => {
            assert_eq!(
                result,
                Err("internal error while fetching; try r to retry".to_string())
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}
