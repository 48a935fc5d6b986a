//! The command line: arguments, and the subcommands that print instead of drawing.
//!
//! Every printing command takes `--json` for scripts. Text from the API is already cleaned
//! by the broker; the plain output is aligned columns a person can read in a terminal.

pub mod positions;
pub mod quote;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// A terminal trading client for the Charles Schwab Trader API.
#[derive(Debug, Parser)]
#[command(name = "palmtree", version, about, long_about = None)]
pub struct Cli {
    /// Run against a built-in simulator instead of Schwab: no account needed.
    #[arg(long, global = true)]
    pub demo: bool,

    /// The config file (default: the platform's config directory, or PALMTREE_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the trading terminal against a fresh simulator.
    Demo {
        /// Seed of the simulated market, so a session can be replayed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Run the Schwab-compatible simulator alone and print its address and demo credentials.
    Sim {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// A redirect URI to register for the demo app (repeatable).
        #[arg(long = "callback", value_name = "URL")]
        callbacks: Vec<String>,
    },
    /// Print quotes for one or more symbols.
    Quote {
        /// Symbols as Schwab spells them: AAPL, '$SPX', /ES, 'AAPL  270115C00200000', EUR/USD.
        #[arg(required = true)]
        symbols: Vec<String>,
        /// Print JSON (prices as decimal strings) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print positions and balances of every account.
    Positions {
        /// Print JSON (amounts as decimal strings) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Formats a table: the first row is the header, columns are padded to their widest cell,
/// and columns listed in `right` are right-aligned (numbers).
pub fn table(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let width = widths.get(c).copied().unwrap_or(0);
            if c > 0 {
                line.push_str("  ");
            }
            if right.contains(&c) {
                line.push_str(&format!("{cell:>width$}"));
            } else {
                line.push_str(&format!("{cell:<width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
