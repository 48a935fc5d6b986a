//! Orders in a real terminal (tmux) against the demo: buy 10 AAPL with a limit a little above
//! the ask, preview, confirm, see it fill and the position grow; place a limit below the
//! market and cancel it; place another and replace it.
//!
//! Runs `palmtree demo` when the binary gives the TUI the demo's journal; until it does, the
//! same demo is run from this test binary with the journal passed in (the child test below).
//! Skips with `SKIPPED: tmux not installed` where there is no tmux.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tmux_support;

use std::path::Path;
use std::process::{Command, Output};
use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use tmux_support::{quote, tmux_installed};

/// Set in the environment of the child that runs the demo TUI with a journal.
const CHILD: &str = "PALMTREE_TMUX_ORDERS_CHILD";

/// A private tmux server, killed when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn start(&self, command: &str) {
        let started = self.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "120",
            "-y",
            "40",
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
    }

    /// Replaces the program in the pane with `command`.
    fn restart(&self, command: &str) {
        let restarted = self.run(&["respawn-pane", "-k", "-t", "t", command]);
        assert!(restarted.status.success(), "{restarted:?}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "t", key]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
        std::thread::sleep(Duration::from_millis(80));
    }

    /// Waits until `text` is on screen; `refresh` keys are pressed every two seconds
    /// meanwhile (to ask for fresh orders).
    fn wait_with(&self, text: &str, limit: Duration, refresh: &[&str]) -> String {
        self.wait_until(text, limit, refresh, |screen| screen.contains(text))
    }

    /// Waits until a row of the screen starts with `text`, pressing `refresh` meanwhile.
    fn wait_row(&self, text: &str, refresh: &[&str]) -> String {
        self.wait_until(text, Duration::from_secs(30), refresh, |screen| {
            screen.lines().any(|l| l.starts_with(text))
        })
    }

    fn wait_until(
        &self,
        text: &str,
        limit: Duration,
        refresh: &[&str],
        found: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        let mut last_refresh = Instant::now();
        loop {
            let screen = self.screen();
            if found(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "{text:?} did not appear; the screen was:\n{screen}"
            );
            if !refresh.is_empty() && last_refresh.elapsed() > Duration::from_secs(2) {
                self.keys(refresh);
                last_refresh = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_with(text, Duration::from_secs(30), &[])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A fresh home for the program: default config, logs in the temporary state directory.
fn env(home: &Path) -> String {
    let h = quote(home);
    format!(
        "env -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/state XDG_CACHE_HOME={h}/cache TERM=xterm-256color"
    )
}

/// The numbers on the first screen line that starts with `symbol` and holds `marker`.
fn numbers(screen: &str, symbol: &str, marker: &str) -> Vec<Decimal> {
    let line = screen
        .lines()
        .find(|l| l.starts_with(&format!("{symbol} ")) && l.contains(marker))
        .unwrap_or_else(|| panic!("no {symbol} row with {marker:?}:\n{screen}"));
    line.split_whitespace()
        .filter_map(|w| Decimal::from_str(&w.replace(',', "")).ok())
        .collect()
}

/// The id of the order the Orders view's detail line describes (`· #1000000000123 ·`).
fn selected_order_id(screen: &str) -> String {
    screen
        .split_whitespace()
        .find(|w| w.starts_with('#') && w.len() == 14)
        .map(|w| w.trim_start_matches('#').to_string())
        .unwrap_or_else(|| panic!("no order id on screen:\n{screen}"))
}

/// Fills a fresh ticket (from `4`, focus on the symbol) with a limit buy of AAPL.
fn fill_limit_buy(tmux: &Tmux, quantity: &str, price: Decimal) {
    tmux.type_text("AAPL");
    tmux.keys(&["Tab", "Right", "Tab", "Right", "Tab"]);
    tmux.type_text(quantity);
    tmux.keys(&["Tab", "Right", "Right", "Tab"]);
    tmux.type_text(&price.to_string());
    tmux.keys(&["Tab", "Right", "Tab", "Right"]);
}

/// Previews the filled ticket and confirms it with `Y`; returns the Orders screen with the
/// new order highlighted.
fn preview_and_confirm(tmux: &Tmux, words: &str, verb: &str) -> String {
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Confirm this order");
    assert!(screen.contains(words), "{words:?}:\n{screen}");
    assert!(screen.contains("Commission"), "{screen}");
    assert!(screen.contains("LIVE (demo simulator)"), "{screen}");
    tmux.keys(&["Y"]);
    tmux.wait_for(verb)
}

#[test]
fn orders_in_a_real_terminal() {
    if !tmux_installed() {
        println!("SKIPPED: tmux not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("palmtree-orders-{}", std::process::id()),
    };
    let binary = Path::new(env!("CARGO_BIN_EXE_palmtree"));
    let tail = "; echo; echo \"[palmtree exited with $?]\"; sleep 60";
    tmux.start(&format!(
        "{} {} demo{tail}",
        env(home.path()),
        quote(binary)
    ));
    tmux.wait_for("Overall");
    tmux.keys(&["4"]);
    let screen = tmux.wait_for("Order ticket");
    if screen.contains("order entry is off") {
        // The binary does not pass the demo's journal to the TUI yet: run the same demo from
        // this test binary, which does.
        let me = std::env::current_exe().unwrap();
        tmux.restart(&format!(
            "{} {CHILD}=1 {} tmux_child_runs_the_demo_with_a_journal --exact --nocapture \
             --test-threads=1{tail}",
            env(home.path()),
            quote(&me)
        ));
        tmux.wait_for("Overall");
    } else {
        tmux.keys(&["Escape"]);
        tmux.wait_for("Overall");
    }

    // Buy 10 AAPL a little above the ask, from `b` on the Quotes view.
    let screen = tmux.wait_for("Overall");
    let held = numbers(&screen, "AAPL", "EQUITY")[0];
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("Main (");
    let ask = numbers(&screen, "AAPL", "APPLE")[1];
    let price = (ask * Decimal::new(101, 2)).round_dp(2);
    tmux.keys(&["b"]);
    let screen = tmux.wait_for("Order ticket");
    assert!(
        screen.contains("▶ Quantity"),
        "b focuses the quantity:\n{screen}"
    );
    assert!(screen.contains("Order type   ‹ choose ›"), "{screen}");
    tmux.type_text("10");
    tmux.keys(&["Tab", "Right", "Right", "Tab"]);
    tmux.type_text(&price.to_string());
    tmux.keys(&["Tab", "Right", "Tab", "Right"]);
    let screen = tmux.wait_for("Estimated cost");
    assert!(screen.contains("buying power after"), "{screen}");
    let words = format!("BUY 10 AAPL LIMIT {price} DAY");
    let screen = preview_and_confirm(&tmux, &words, "placed: BUY 10 AAPL");
    assert!(
        screen.contains("★"),
        "the new order is picked out:\n{screen}"
    );
    let screen = tmux.wait_with("filled 10 @", Duration::from_secs(90), &["r"]);
    assert!(
        screen.contains("FILLED") || screen.contains("filled"),
        "{screen}"
    );
    tmux.keys(&["1"]);
    let want = (held + Decimal::TEN).to_string();
    let start = Instant::now();
    loop {
        let screen = tmux.wait_for("Overall");
        if numbers(&screen, "AAPL", "EQUITY")[0].to_string() == want {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "AAPL never reached {want}:\n{screen}"
        );
        tmux.keys(&["r"]);
        std::thread::sleep(Duration::from_secs(1));
    }

    // A limit far enough below the market to stay working, then canceled.
    let low = (ask * Decimal::new(95, 2)).round_dp(2);
    tmux.keys(&["4"]);
    tmux.wait_for("▶ Symbol");
    fill_limit_buy(&tmux, "5", low);
    let screen = preview_and_confirm(&tmux, &format!("BUY 5 AAPL LIMIT {low} DAY"), "placed:");
    let id = selected_order_id(&screen);
    assert!(screen.contains("c cancel"), "{screen}");
    tmux.keys(&["c"]);
    let screen = tmux.wait_for(&format!("Cancel order #{id}?"));
    assert!(screen.contains("Y cancels it"), "{screen}");
    tmux.keys(&["y"]);
    assert!(
        tmux.screen().contains("Y cancels it"),
        "a small y does nothing"
    );
    tmux.keys(&["Y"]);
    tmux.wait_for(&format!("Cancel of order #{id} accepted"));
    tmux.wait_row("★ canceled", &["r"]);

    // Another, replaced with a lower price: a new order id, the old one REPLACED.
    let lower = (ask * Decimal::new(94, 2)).round_dp(2);
    tmux.keys(&["4"]);
    tmux.wait_for("▶ Symbol");
    fill_limit_buy(&tmux, "3", low);
    let screen = preview_and_confirm(&tmux, &format!("BUY 3 AAPL LIMIT {low} DAY"), "placed:");
    let old = selected_order_id(&screen);
    tmux.keys(&["e"]);
    let screen = tmux.wait_for(&format!("Replace order #{old}"));
    assert!(screen.contains("▶ Limit price"), "{screen}");
    // The ticket keeps the order's session: only the price is changed.
    tmux.keys(&["C-u"]);
    tmux.type_text(&lower.to_string());
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Press Y to replace the order");
    let words = format!("BUY 3 AAPL LIMIT {lower} DAY");
    assert!(screen.contains(&words), "{screen}");
    for other in ["AM", "PM", "SEAMLESS"] {
        assert!(!screen.contains(&format!("{words} {other}")), "{screen}");
    }
    tmux.keys(&["Y"]);
    let screen = tmux.wait_for(&format!("Order #{old} replaced by order #"));
    let new = selected_order_id(&screen);
    assert_ne!(new, old);
    let screen = tmux.wait_row("replaced ", &["r"]);
    assert!(
        screen.lines().any(|l| l.starts_with("★ working")),
        "{screen}"
    );

    tmux.keys(&["C-c"]);
    tmux.wait_for("exited with 0]");
}

/// Not a test on its own: the demo TUI with its journal, run by the test above inside tmux
/// (it returns at once unless the test set the environment variable).
#[tokio::test(flavor = "multi_thread")]
async fn tmux_child_runs_the_demo_with_a_journal() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let demo = palmtree::demo::start(42).await.unwrap();
    let options = palmtree::tui::TuiOptions {
        watchlist: ["AAPL", "MSFT", "NVDA", "SPY"].map(String::from).to_vec(),
        title: "palmtree — DEMO (simulated)".to_string(),
        ..palmtree::tui::TuiOptions::default()
    };
    let extras = palmtree::tui::TuiExtras {
        journal: Some(demo.records.clone()),
        default_account: Some(palmtree::demo::DEMO_DEFAULT_ACCOUNT.to_string()),
        idle_lock: Duration::ZERO,
        ..palmtree::tui::TuiExtras::default()
    };
    palmtree::tui::run_extended(demo.broker.clone(), options, extras)
        .await
        .unwrap();
}
