//! Criterion benchmarks of drawing: one frame of a 500-row watchlist, and the cold start to
//! the first frame from cached data (a fresh state, the cache seed applied, one frame drawn).
//!
//! Run with `cargo bench --bench tui_frame`; it reports, it does not fail. Targets: ≤ 1 ms a
//! frame and ≤ 30 ms to the first frame.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use chrono::{Local, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use palmtree::broker::model::{
    Account, AccountKey, AssetKind, Balances, Position, Quote, QuoteRow, QuoteState,
};
use palmtree::tui::State;
use palmtree::tui::action::{Action, Command, Seed};
use palmtree::tui::keymap::Keymap;
use palmtree::tui::theme::Theme;
use palmtree::tui::update::update;
use palmtree::tui::watchlists::WatchlistFile;
use palmtree::tui::{TuiOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;

fn symbols(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("S{i:03}")).collect()
}

fn quotes(symbols: &[String]) -> Vec<QuoteRow> {
    symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let last = Decimal::new(10_000 + i as i64 * 37, 2);
            let quote = Quote {
                symbol: s.clone(),
                description: format!("{s} HOLDINGS INC COMMON STOCK"),
                kind: Some(AssetKind::Equity),
                bid: Some(last - Decimal::new(1, 2)),
                ask: Some(last + Decimal::new(1, 2)),
                last: Some(last),
                net_change: Some(Decimal::new(i as i64 % 200 - 100, 2)),
                net_pct: Some(Decimal::new(i as i64 % 300 - 150, 3)),
                volume: Some(Decimal::from(1_000_000 + i as i64 * 1234)),
                ..Quote::default()
            };
            QuoteRow {
                symbol: s.clone(),
                state: QuoteState::Live(Box::new(quote)),
            }
        })
        .collect()
}

fn accounts() -> Vec<Account> {
    (0..2)
        .map(|a| Account {
            key: AccountKey::new(format!("hash-{a}")),
            label: format!("…{:04}", 1234 + a),
            kind: "MARGIN".to_string(),
            balances: Balances {
                cash: Some(Decimal::from(10_000)),
                buying_power: Some(Decimal::from(40_000)),
                day_trading_buying_power: Some(Decimal::from(80_000)),
                liquidation_value: Some(Decimal::from(500_000)),
            },
            positions: (0..50)
                .map(|i| Position {
                    symbol: format!("P{a}{i:02}"),
                    description: "POSITION".to_string(),
                    kind: AssetKind::Equity,
                    underlying: None,
                    quantity: Decimal::from(10 + i),
                    average_price: Some(Decimal::new(9_000 + i * 10, 2)),
                    last: Some(Decimal::new(10_000 + i * 10, 2)),
                    market_value: Decimal::from(1000 + i * 10),
                    day_pl: Some(Decimal::from(i - 25)),
                    day_pl_pct: None,
                    total_pl: Some(Decimal::from(i * 3)),
                    total_pl_pct: None,
                })
                .collect(),
        })
        .collect()
}

fn at() -> chrono::DateTime<Local> {
    Local
        .with_ymd_and_hms(2025, 3, 14, 14, 2, 3)
        .single()
        .unwrap()
}

fn watchlist_state(n: usize) -> State {
    let list = symbols(n);
    let opts = TuiOptions {
        watchlist: list.clone(),
        ..TuiOptions::default()
    };
    let mut state = State::new(&opts);
    update(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    update(&mut state, Action::Command(Command::ShowQuotes));
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(quotes(&list)),
            at: at(),
        },
    );
    state
}

fn frame(c: &mut Criterion) {
    let theme = Theme::colored();
    for (width, height) in [(120, 40), (80, 24)] {
        let mut state = watchlist_state(500);
        update(&mut state, Action::Resize { width, height });
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut down = false;
        c.bench_function(
            &format!("frame: 500-row watchlist at {width}x{height}"),
            |b| {
                b.iter(|| {
                    // Move the highlight each frame, as a user scrolling would: a real redraw.
                    let command = if down { Command::Down } else { Command::Up };
                    down = !down;
                    update(&mut state, Action::Command(command));
                    terminal
                        .draw(|f| views::draw(f, black_box(&state), &theme))
                        .unwrap();
                });
            },
        );
    }
}

fn cold_start(c: &mut Criterion) {
    let theme = Theme::colored();
    let list = symbols(500);
    let opts = TuiOptions {
        watchlist: list.clone(),
        ..TuiOptions::default()
    };
    let seed = Seed {
        accounts: Some((accounts(), at())),
        quotes: Some((quotes(&list), at())),
        orders: None,
    };
    let keymap = Keymap::default();
    c.bench_function(
        "cold start: cached 2x50 positions + 500 quotes to first frame",
        |b| {
            b.iter(|| {
                let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
                let mut state = State::with(&opts, WatchlistFile::from_symbols(&list), &keymap);
                update(
                    &mut state,
                    Action::Resize {
                        width: 120,
                        height: 40,
                    },
                );
                update(&mut state, Action::Seeded(Box::new(seed.clone())));
                black_box(update(&mut state, Action::Start));
                terminal.draw(|f| views::draw(f, &state, &theme)).unwrap();
            });
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = frame, cold_start
}
criterion_main!(benches);
