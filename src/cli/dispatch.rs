//! Runs the command the arguments name, against Schwab or (with `--demo`) the simulator.
//!
//! Each arm opens only what its command needs: `quote` never opens the journal, `status`
//! never touches the network.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::{Cli, Command, JournalAction, VaultArg};
use crate::broker::Broker;
use crate::clock::Clock;
use crate::config::{Config, Paths};
use crate::session::{self, Records};
use crate::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use crate::tui::{self, TuiOptions};
use crate::vault::{Vault, VaultChoice};

/// Everything a command may need, opened lazily.
pub struct Ctx {
    pub config: Config,
    pub paths: Paths,
    pub profile: String,
    pub vault_choice: VaultChoice,
    pub demo: bool,
}

impl Ctx {
    fn vault(&self) -> anyhow::Result<Vault> {
        if self.demo {
            return Ok(Vault::demo());
        }
        session::open_vault(&self.profile, self.vault_choice, &self.paths.data_dir)
            .context("cannot open the vault")
    }
}

/// A broker to run one command against, and the simulator behind it in demo mode.
struct Session {
    broker: Broker,
    refresh_deadline: Option<chrono::DateTime<chrono::Utc>>,
    _sim: Option<Sim>,
}

pub async fn run(cli: Cli, config: Config, paths: Paths) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        config,
        paths,
        profile: cli.profile.clone(),
        vault_choice: match cli.vault {
            VaultArg::Auto => VaultChoice::Auto,
            VaultArg::File => VaultChoice::File,
        },
        demo: cli.demo,
    };
    match cli.command {
        None => terminal(&ctx, ctx.demo, 42).await,
        Some(Command::Demo { seed }) => terminal(&ctx, true, seed).await,
        Some(Command::Sim {
            port,
            seed,
            callbacks,
        }) => simulator(port, seed, callbacks).await,
        Some(Command::Quote { symbols, json }) => {
            let session = connect(&ctx, 42).await?;
            let rows = session.broker.quotes(&symbols).await?;
            let text = if json {
                format!("{:#}\n", super::quote::to_json(&rows))
            } else {
                super::quote::to_table(&rows)
            };
            print(&text)?;
            Ok(if super::quote::all_found(&rows) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Positions { json }) => {
            let session = connect(&ctx, 42).await?;
            let accounts = session.broker.accounts().await?;
            let text = if json {
                format!("{:#}\n", super::positions::to_json(&accounts))
            } else {
                super::positions::to_table(&accounts)
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Login { paste, new_app_key }) => {
            anyhow::ensure!(
                !ctx.demo,
                "the demo logs in by itself; run `palmtree sim` and point the config at it to \
                 try `palmtree login` against the simulator"
            );
            let vault = ctx.vault()?;
            let options = super::login::LoginOptions { paste, new_app_key };
            let mut out = std::io::stderr();
            super::login::login(&ctx.config, &vault, &ctx.paths.data_dir, options, &mut out)
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Logout) => {
            let vault = ctx.vault()?;
            super::login::logout(&vault, &ctx.paths.data_dir, &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Status { json }) => {
            let vault = ctx.vault()?;
            let status = super::login::Status::read(&vault, &ctx.config)?;
            let now = chrono::Utc::now();
            if json {
                print(&format!("{:#}\n", status.to_json(now)))?;
            } else {
                print(&status.to_text(now))?;
            }
            Ok(if status.logged_in(now) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Journal { action }) => {
            let vault = ctx.vault()?;
            let records = Records::open(&vault, &ctx.paths.data_dir)?;
            match action {
                JournalAction::Show { since, kind, json } => {
                    print(&super::journal::show(&records, since.as_deref(), kind.as_deref(), json)?)?;
                    Ok(ExitCode::SUCCESS)
                }
                JournalAction::Verify { json } => {
                    let (text, ok) = super::journal::verify(&records, json)?;
                    print(&text)?;
                    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
                }
                JournalAction::Export { file, yes } => {
                    let stdin = std::io::stdin();
                    let mut input = stdin.lock();
                    let written = super::journal::export(
                        &records,
                        &file,
                        yes,
                        &mut input,
                        &mut std::io::stderr(),
                    )?;
                    Ok(if written { ExitCode::SUCCESS } else { ExitCode::from(1) })
                }
            }
        }
    }
}

async fn connect(ctx: &Ctx, seed: u64) -> anyhow::Result<Session> {
    if ctx.demo {
        let running = crate::demo::start(seed).await?;
        return Ok(Session {
            broker: running.broker,
            refresh_deadline: None,
            _sim: Some(running.sim),
        });
    }
    let vault = ctx.vault()?;
    let client =
        session::logged_in_client(&ctx.config, &vault, &ctx.paths.data_dir, Clock::system()).await?;
    let refresh_deadline = client.tokens().await.map(|t| t.refresh_deadline);
    Ok(Session {
        broker: Broker::new(client),
        refresh_deadline,
        _sim: None,
    })
}

async fn terminal(ctx: &Ctx, demo: bool, seed: u64) -> anyhow::Result<ExitCode> {
    let session = if demo {
        let running = crate::demo::start(seed).await?;
        Session {
            broker: running.broker,
            refresh_deadline: None,
            _sim: Some(running.sim),
        }
    } else {
        connect(ctx, seed).await?
    };
    let _ = session.refresh_deadline;
    let options = TuiOptions {
        watchlist: ctx.config.watchlist.symbols.clone(),
        quote_refresh: Duration::from_secs(ctx.config.refresh.quotes_secs.max(1)),
        positions_refresh: Duration::from_secs(ctx.config.refresh.positions_secs.max(1)),
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
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
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
