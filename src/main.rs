//! palmtree's entry point: parse arguments, load config, start logging, dispatch.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use palmtree::broker::Broker;
use palmtree::cli::{self, Cli, Command};
use palmtree::config::{Config, Paths};
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::tui::{self, TuiOptions};

fn main() -> ExitCode {
    restrict_file_modes();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("palmtree: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// New files and directories are private to the user (0600 / 0700), whatever the shell's
/// umask: the cache, the log and any fallback vault file hold account data.
fn restrict_file_modes() {
    // SAFETY: umask only swaps the process's file-mode mask; it cannot fail or touch memory.
    unsafe {
        libc::umask(0o077);
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut paths = Paths::discover()?;
    if let Some(path) = &cli.config {
        paths.config_file = path.clone();
    }
    let config = Config::load(&paths.config_file)?;
    let (_log_guard, _) = palmtree::logging::init(&paths.state_dir)
        .with_context(|| format!("cannot write logs under {}", paths.state_dir.display()))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "palmtree starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(cli, config))
}

async fn dispatch(cli: Cli, config: Config) -> anyhow::Result<ExitCode> {
    let demo = cli.demo;
    match cli.command {
        None => terminal(demo, &config, 42).await,
        Some(Command::Demo { seed }) => terminal(true, &config, seed).await,
        Some(Command::Sim {
            port,
            seed,
            callbacks,
        }) => simulator(port, seed, callbacks).await,
        Some(Command::Quote { symbols, json }) => {
            let session = connect(demo).await?;
            let rows = session.broker.quotes(&symbols).await?;
            let text = if json {
                format!("{:#}\n", cli::quote::to_json(&rows))
            } else {
                cli::quote::to_table(&rows)
            };
            print(&text)?;
            Ok(if cli::quote::all_found(&rows) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Positions { json }) => {
            let session = connect(demo).await?;
            let accounts = session.broker.accounts().await?;
            let text = if json {
                format!("{:#}\n", cli::positions::to_json(&accounts))
            } else {
                cli::positions::to_table(&accounts)
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A broker to run one command against, and the simulator behind it in demo mode.
struct Session {
    broker: Broker,
    _sim: Option<Sim>,
}

async fn connect(demo: bool) -> anyhow::Result<Session> {
    if demo {
        let running = palmtree::demo::start(42).await?;
        return Ok(Session {
            broker: running.broker,
            _sim: Some(running.sim),
        });
    }
    anyhow::bail!(
        "not logged in to Schwab, and this build cannot log in yet. \
         Try the same command with --demo to run it against the built-in simulator."
    )
}

async fn terminal(demo: bool, config: &Config, seed: u64) -> anyhow::Result<ExitCode> {
    let session = if demo {
        let running = palmtree::demo::start(seed).await?;
        Session {
            broker: running.broker,
            _sim: Some(running.sim),
        }
    } else {
        connect(false).await?
    };
    let options = TuiOptions {
        watchlist: config.watchlist.symbols.clone(),
        quote_refresh: std::time::Duration::from_secs(config.refresh.quotes_secs.max(1)),
        positions_refresh: std::time::Duration::from_secs(config.refresh.positions_secs.max(1)),
        title: if demo {
            "palmtree — DEMO (simulated market, no real money)".into()
        } else {
            "palmtree".into()
        },
    };
    tui::run(session.broker, options).await?;
    Ok(ExitCode::SUCCESS)
}

async fn simulator(port: u16, seed: u64, callbacks: Vec<String>) -> anyhow::Result<ExitCode> {
    let mut options = SimOptions {
        port,
        seed,
        ..SimOptions::default()
    };
    options.callbacks.extend(callbacks);
    let sim = Sim::start(options.clone())
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let base = sim.base_url();
    print(&format!(
        "palmtree simulator listening on {base}\n\
         \n  OAuth:        {base}/v1/oauth\n  Trader API:   {base}/trader/v1\n  \
         Market data:  {base}/marketdata/v1\n\
         \n  demo app key:     {DEMO_APP_KEY}\n  demo app secret:  {DEMO_APP_SECRET}\n  \
         callbacks:        {}\n\
         \nPoint any Schwab client at these URLs. Ctrl-C stops the simulator.\n",
        options.callbacks.join(", ")
    ))?;
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout, treating a closed pipe (`palmtree quote … | head`) as success.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
