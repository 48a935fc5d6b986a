//! `palmtree demo` driven as a person would, in a real terminal (tmux): add a symbol, open
//! its chart, visit every view, open the help, resize, quit, and find the terminal restored.
//!
//! Skips with `SKIPPED: tmux not installed` where there is no tmux.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tmux_support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tmux_support::{quote, tmux_installed};

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
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{text:?} did not appear; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn resize(&self, width: u16, height: u16) {
        self.run(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "t", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn the_demo_in_a_real_terminal() {
    if !tmux_installed() {
        println!("SKIPPED: tmux not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("palmtree-test-{}", std::process::id()),
    };
    let binary = Path::new(env!("CARGO_BIN_EXE_palmtree"));
    let h = quote(home.path());
    // A fresh home: default config, logs in the temporary state directory.
    let command = format!(
        "env -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/state XDG_CACHE_HOME={h}/cache TERM=xterm-256color {} demo; \
         echo; echo \"[palmtree exited with $?]\"; sleep 60",
        quote(binary)
    );
    let started = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");

    let screen = tmux.wait_for("Overall");
    assert!(screen.contains("DEMO"));
    assert!(screen.contains("1 Positions") && screen.contains("3 Orders"));
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "the TUI runs on the alternate screen"
    );

    tmux.keys(&["2"]);
    tmux.wait_for("Main (11)");
    tmux.keys(&["a"]);
    tmux.wait_for("Add symbol:");
    tmux.type_text("*");
    tmux.keys(&["Enter"]);
    tmux.wait_for("'*' cannot be part of a symbol");
    tmux.keys(&["C-u"]);
    tmux.type_text("amd");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Added AMD to Main");
    let screen = tmux.wait_for("ADVANCED MICRO");
    assert!(screen.contains("Main (12)"));

    tmux.keys(&["Enter"]);
    tmux.wait_for("AMD · ADVANCED MICRO");
    tmux.wait_for("candles (hollow up");
    let screen = tmux.screen();
    assert!(
        screen
            .chars()
            .any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)),
        "no candles drawn:\n{screen}"
    );
    tmux.keys(&["Right"]);
    tmux.wait_for("1W");
    tmux.keys(&["c"]);
    tmux.wait_for("line of closes");
    tmux.keys(&["Escape"]);
    tmux.wait_for("a add · d delete");

    tmux.keys(&["3"]);
    tmux.wait_for("Orders");
    tmux.keys(&["Tab"]);
    tmux.wait_for("LIVE (demo simulator)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("No orders in the last days.");
    tmux.keys(&["1"]);
    tmux.wait_for("Overall");
    tmux.keys(&["?"]);
    tmux.wait_for("Keys");
    tmux.wait_for("Previous view");
    tmux.keys(&["Escape"]);

    tmux.resize(60, 20);
    tmux.wait_for("Overall");
    tmux.resize(50, 15);
    tmux.wait_for("Terminal too small: 50x15, need 60x20");
    tmux.resize(100, 30);
    tmux.wait_for("Overall");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("[palmtree exited with 0]");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "the alternate screen is off"
    );
    assert_eq!(
        tmux.format("#{mouse_any_flag}"),
        "0",
        "mouse reporting is off"
    );
    assert!(
        !screen.contains("Overall"),
        "the TUI left nothing behind:\n{screen}"
    );
}
