//! palmtree's entry point: parse arguments, load config, start logging, dispatch.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use palmtree::cli::{Cli, dispatch};
use palmtree::config::{Config, Paths};

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
    let opening = dispatch::start_vault(&cli, &paths, &config);
    let runtime = dispatch::runtime_for(&cli).context("cannot start the async runtime")?;
    runtime.block_on(dispatch::run(cli, config, paths, opening))
}
