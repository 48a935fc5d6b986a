//! The command line: arguments, and the subcommands that print instead of drawing.
//!
//! Every printing command takes `--json` for scripts. Text from the API is already cleaned
//! by the broker; the plain output is aligned columns a person can read in a terminal.

pub mod dispatch;
pub mod journal;
pub mod login;
pub mod order;
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

    /// Which set of app key, tokens and records to use, so one user can keep several apps.
    #[arg(long, global = true, default_value = "default", value_name = "NAME")]
    pub profile: String,

    /// Where secrets are kept: the first OS keychain that answers, or the encrypted file.
    #[arg(long, global = true, value_enum, default_value_t = VaultArg::Auto)]
    pub vault: VaultArg,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The `--vault` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VaultArg {
    Auto,
    File,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to Schwab (OAuth with PKCE) and keep the tokens in the keychain.
    Login {
        /// Paste the redirected URL instead of listening for it (for SSH sessions).
        #[arg(long)]
        paste: bool,
        /// Replace the stored app key and secret (kept until a login with the new ones works).
        #[arg(long)]
        new_app_key: bool,
    },
    /// Delete the stored tokens and cached account data.
    Logout,
    /// Forget what palmtree remembers between commands (the vault file's key, the access
    /// token), so the next command asks for the passphrase or reads the keychain.
    Lock,
    /// Show whether palmtree is logged in, where secrets are kept, and when they expire.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Preview, place or cancel an order.
    Order {
        #[command(subcommand)]
        action: OrderAction,
    },
    /// List working and recent orders of every account.
    Orders {
        /// Only orders with this status (WORKING, FILLED, CANCELED, …).
        #[arg(long)]
        status: Option<String>,
        /// How many days back to look (at most 60).
        #[arg(long, default_value_t = 7)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
    /// Read, check or export the audit journal.
    Journal {
        #[command(subcommand)]
        action: JournalAction,
    },
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
        /// Faults to inject, e.g. 'quotes=latency:2s;POST orders=drop-after:once'.
        #[arg(long, value_name = "SPEC")]
        faults: Option<String>,
        /// Trade on the NYSE calendar and hours instead of around the clock.
        #[arg(long)]
        exchange_hours: bool,
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

impl Command {
    /// Whether the command's first step is reading the vault: these print and exit, and are
    /// the ones scripts run often (see `dispatch::start_vault`).
    pub fn reads_vault_first(&self) -> bool {
        matches!(
            self,
            Command::Quote { .. }
                | Command::Positions { .. }
                | Command::Orders { .. }
                | Command::Order { .. }
                | Command::Status { .. }
                | Command::Journal { .. }
        )
    }

    /// Whether the command needs nothing from the vault but a good access token, so it can
    /// run on the one remembered in the session keyring (see `vault::AccessSlot`). These only
    /// read from Schwab; anything that records a journal entry opens the vault.
    pub fn reads_with_access_token_only(&self) -> bool {
        matches!(
            self,
            Command::Quote { .. } | Command::Positions { .. } | Command::Orders { .. }
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum OrderAction {
    /// Validate the order and show Schwab's preview; sends nothing.
    Preview(order::OrderArgs),
    /// Validate, preview, confirm, and send the order once.
    Place(order::OrderArgs),
    /// Cancel a working order by its id.
    Cancel {
        id: i64,
        /// Cancel without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// List entries, oldest first.
    Show {
        /// Only entries from this date (2026-12-01) or time (RFC 3339) on.
        #[arg(long)]
        since: Option<String>,
        /// Only entries of this kind (login, order-submitted, …).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the whole chain; exits non-zero at the first entry that fails.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Write a plain JSON Lines copy (asks first: the copy is not sealed).
    Export {
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
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
