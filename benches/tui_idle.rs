//! CPU and memory of the real event loop left alone: 60 s on the Quotes view with 50 symbols
//! refreshing every second against the in-process simulator, then a 500-symbol watchlist.
//!
//! Reads utime + stime and VmRSS from /proc for the whole process, which includes the
//! simulator (run on threads of its own, named `sim`), so the figure is an upper bound for
//! palmtree alone. Frames go to a `TestBackend`. Linux only; elsewhere it says so and stops.
//! Run with `cargo bench --bench tui_idle` (PALMTREE_IDLE_SECS shortens the 60 s).
//! Targets: ≤ 0.35 % of a core while refreshing, ≤ 30 MB resident with 500 symbols.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use palmtree::broker::Broker;
use palmtree::tui::action::{Action, Command};
use palmtree::tui::event_loop::{Setup, run_loop};
use palmtree::tui::runner::EffectRunner;
use palmtree::tui::theme::Theme;
use palmtree::tui::{LoopReport, TuiOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

/// CPU seconds (user + system) used so far, by the process and by threads named `prefix*`.
fn cpu_seconds(prefix: &str) -> (f64, f64) {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let parse = |stat: &str| -> Option<(String, f64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat.get(open + 1..close)?.to_string();
        let fields: Vec<&str> = stat.get(close + 2..)?.split_whitespace().collect();
        // After the name: state is field 3, utime field 14 and stime field 15 of the line.
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((name, (utime + stime) / ticks))
    };
    let total = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| parse(&s))
        .map_or(0.0, |(_, t)| t);
    let mut threads = 0.0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            if let Some((name, t)) = parse(&stat)
                && name.starts_with(prefix)
            {
                threads += t;
            }
        }
    }
    (total, threads)
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs the loop on the Quotes view for `seconds`, then quits it.
async fn run_for(broker: Broker, symbols: Vec<String>, seconds: u64) -> LoopReport {
    let opts = TuiOptions {
        watchlist: symbols,
        quote_refresh: Duration::from_secs(1),
        positions_refresh: Duration::from_secs(10),
        title: "bench".to_string(),
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = EffectRunner::new(broker, tx.clone());
    let quitter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = tx.send(Action::Command(Command::ShowQuotes));
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let _ = tx.send(Action::Command(Command::Quit));
    });
    let report = run_loop(
        &mut terminal,
        futures_util::stream::pending(),
        runner,
        rx,
        Setup::from_options(&opts),
        &Theme::colored(),
    )
    .await
    .unwrap();
    quitter.abort();
    report
}

/// 50 symbols: the simulator's equities, ETFs, indexes, future, option and forex, repeated,
/// and names it does not know (answered "not found", as a real watchlist has typos).
fn watchlist(n: usize) -> Vec<String> {
    let known = [
        "AAPL", "MSFT", "NVDA", "AMD", "TSLA", "META", "INTC", "SPY", "QQQ", "$SPX", "$DJI", "/ES",
        "EUR/USD",
    ];
    (0..n)
        .map(|i| match known.get(i) {
            Some(s) => (*s).to_string(),
            None => format!("X{i:03}"),
        })
        .collect()
}

fn main() {
    if !cfg!(target_os = "linux") {
        println!("tui_idle: needs /proc (Linux); skipped");
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let seconds: u64 = std::env::var("PALMTREE_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);

    let sim_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("sim")
        .enable_all()
        .build()
        .unwrap();
    let demo = sim_runtime.block_on(palmtree::demo::start(42)).unwrap();
    let tui_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("tui")
        .enable_all()
        .build()
        .unwrap();

    // Warm up (connections, first answers), then measure.
    tui_runtime.block_on(run_for(demo.broker.clone(), watchlist(50), 3));
    let (cpu0, tui0) = cpu_seconds("tui");
    let start = Instant::now();
    let report = tui_runtime.block_on(run_for(demo.broker.clone(), watchlist(50), seconds));
    let wall = start.elapsed().as_secs_f64();
    let (cpu1, tui1) = cpu_seconds("tui");
    let rss_50 = rss_mb();

    tui_runtime.block_on(run_for(demo.broker.clone(), watchlist(500), 10));
    let rss_500 = rss_mb();

    println!("tui_idle: {seconds} s on the Quotes view, 50 symbols refreshed every second");
    println!(
        "  CPU, whole process (palmtree + simulator): {:.3} % of one core ({:.3} s in {wall:.1} s)",
        (cpu1 - cpu0) / wall * 100.0,
        cpu1 - cpu0
    );
    println!(
        "  CPU, palmtree's runtime threads only:       {:.3} % of one core",
        (tui1 - tui0) / wall * 100.0
    );
    println!(
        "  frames drawn: {} ({:.2} a second)",
        report.frames,
        report.frames as f64 / wall
    );
    println!("  resident memory with 50 symbols:  {rss_50:.1} MB");
    println!("  resident memory with 500 symbols: {rss_500:.1} MB (simulator included)");
    sim_runtime.block_on(demo.sim.shutdown());
}
