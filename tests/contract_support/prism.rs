//! Finding Prism, and running it as a guarded child process.
//!
//! Prism is a Node program installed from the npm registry into `target/prism` by `.ci/run`
//! (pinned by `contract/package-lock.json`), or wherever `$PALMTREE_PRISM` points. Without it
//! (or without Node) the suite says it is skipped and passes, unless `PALMTREE_REQUIRE_PRISM=1`,
//! which CI sets, makes that a failure.
//!
//! Each Prism runs under coreutils `timeout` where there is one, so even a test binary killed
//! outright cannot leave it running for more than [`LIFETIME`]; the guard stops it on drop.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Spec, free_port};

/// The longest any one Prism may live, however its test ends.
pub const LIFETIME: Duration = Duration::from_secs(600);
/// How long Prism may take to read its spec and listen; it takes about a second.
const STARTUP: Duration = Duration::from_secs(60);

/// Where the pinned Prism is expected, unless `$PALMTREE_PRISM` says otherwise.
pub fn default_location() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/prism/node_modules/.bin/prism")
}

/// The Prism executable, or `None` after printing why the suite is skipped.
///
/// Panics instead when `PALMTREE_REQUIRE_PRISM=1`: in CI a missing Prism is a broken build.
pub fn find() -> Option<PathBuf> {
    let bin = std::env::var_os("PALMTREE_PRISM")
        .map(PathBuf::from)
        .unwrap_or_else(default_location);
    let problem = if !bin.exists() {
        Some(
            "Prism not installed (run .ci/run, or npm install --prefix target/prism \
             @stoplight/prism-cli@5.16.0)"
                .to_owned(),
        )
    } else if !runs("node", &["--version"]) {
        Some("Node.js is not on PATH, and Prism runs on it".to_owned())
    } else {
        None
    };
    match problem {
        None => Some(bin),
        Some(problem) if std::env::var("PALMTREE_REQUIRE_PRISM").as_deref() == Ok("1") => {
            panic!("PALMTREE_REQUIRE_PRISM=1, but {problem}")
        }
        Some(problem) => {
            println!("SKIPPED: {problem}");
            None
        }
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// How a Prism instance treats requests.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Forwards to `upstream` and checks both sides; with `errors`, a response violation turns
    /// into a 500 whose body lists every violation (the header's list is cut at 8 KB).
    Proxy { upstream: String, errors: bool },
    /// Answers from the spec itself and checks requests (`--errors`).
    Mock,
}

/// A running Prism on 127.0.0.1, stopped when dropped.
pub struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Prism {
    /// Starts Prism for `spec` and waits until it listens, trying another port if the first
    /// was taken in the meantime.
    pub async fn start(bin: &Path, spec: Spec, mode: &Mode) -> Prism {
        let mut last = String::new();
        for _ in 0..3 {
            let mut prism = Self::spawn(bin, spec, mode);
            match prism.ready().await {
                Ok(()) => return prism,
                Err(why) => last = why,
            }
        }
        panic!("Prism ({}, {mode:?}) did not start: {last}", spec.label())
    }

    fn spawn(bin: &Path, spec: Spec, mode: &Mode) -> Prism {
        let port = free_port();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("prism.log");
        let out = File::create(&log).expect("a log file");
        let err = out.try_clone().expect("a second handle on the log");
        let mut command = if runs("timeout", &["--version"]) {
            let mut c = Command::new("timeout");
            c.args(["--kill-after=5", &format!("{}s", LIFETIME.as_secs())]);
            c.arg(bin);
            c
        } else {
            Command::new(bin)
        };
        match mode {
            Mode::Proxy { upstream, errors } => {
                command.arg("proxy").arg(spec.file()).arg(upstream);
                if *errors {
                    command.arg("--errors");
                }
            }
            Mode::Mock => {
                command.arg("mock").arg(spec.file()).arg("--errors");
            }
        }
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = command.spawn().expect("Prism can be started");
        Prism {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// Waits for Prism's own "listening" line for our port; an exit or a silence is an error.
    async fn ready(&mut self) -> Result<(), String> {
        let want = format!("Prism is listening on http://127.0.0.1:{}", self.port);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", self.log_tail()));
            }
            if std::fs::read_to_string(&self.log).is_ok_and(|log| log.contains(&want)) {
                return Ok(());
            }
            if started.elapsed() > STARTUP {
                return Err(format!("no answer in {STARTUP:?}: {}", self.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The end of Prism's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Prism {
    /// SIGTERM first, which `timeout` passes on to Node; SIGKILL if it lingers.
    fn drop(&mut self) {
        let termed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let until = Instant::now() + Duration::from_secs(5);
        while termed && Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
