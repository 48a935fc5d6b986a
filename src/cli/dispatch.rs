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
use crate::tui::{self, TuiExtras, TuiOptions};
use crate::vault::{Vault, VaultChoice};

/// Everything a command may need, opened lazily.
pub struct Ctx {
    pub config: Config,
    pub paths: Paths,
    pub profile: String,
    pub vault_choice: VaultChoice,
    pub demo: bool,
    /// The vault, already being opened on a thread of its own (see [`start_vault`]).
    opening: std::sync::Mutex<Option<VaultOpening>>,
}

impl Ctx {
    fn vault(&self) -> anyhow::Result<Vault> {
        if self.demo {
            return Ok(Vault::demo());
        }
        let opening = self.opening.lock().ok().and_then(|mut slot| slot.take());
        match opening {
            Some(VaultOpening::Thread(thread)) => wait_for(thread),
            Some(VaultOpening::Remembered(_)) | None => {
                self.vault_opener(self.vault_choice)().context("cannot open the vault")
            }
        }
    }

    /// Opens the vault `choice` names when called, on whatever thread calls it.
    fn vault_opener(&self, choice: VaultChoice) -> session::VaultOpener {
        let (profile, data_dir, settings) = (
            self.profile.clone(),
            self.paths.data_dir.clone(),
            self.config.vault.clone(),
        );
        Box::new(move || session::open_vault(&profile, choice, &data_dir, &settings))
    }

    /// The access token an earlier command remembered, if [`start_vault`] found one.
    fn remembered_access(&self) -> Option<crate::vault::StoredTokens> {
        let mut slot = self.opening.lock().ok()?;
        match slot.take() {
            Some(VaultOpening::Remembered(tokens)) => Some(tokens),
            other => {
                *slot = other;
                None
            }
        }
    }
}

/// The vault as [`start_vault`] left it for the command.
pub enum VaultOpening {
    /// Being opened on a thread of its own.
    Thread(std::thread::JoinHandle<Result<Vault, crate::vault::VaultError>>),
    /// Not opened: an earlier command's access token is still good, and the command needs
    /// nothing else unless a refresh does (see `vault::AccessSlot`).
    Remembered(crate::vault::StoredTokens),
}

fn wait_for(
    thread: std::thread::JoinHandle<Result<Vault, crate::vault::VaultError>>,
) -> anyhow::Result<Vault> {
    match thread.join() {
        Ok(opened) => opened.context("cannot open the vault"),
        Err(_) => anyhow::bail!("cannot open the vault: the thread opening it stopped"),
    }
}

/// Starts opening the vault at once for the commands whose first step is reading it, so
/// that the keychain's round trips (a D-Bus connection and a key exchange with the Secret
/// Service, or the Argon2id derivation of the file's key) overlap the rest of start-up
/// instead of adding to it: scripts run these commands often.
///
/// A command that only reads from Schwab first looks for the access token an earlier command
/// remembered in the session keyring, and with a good one opens no vault at all.
///
/// Call it after logging is set up, so the vault's account of which store it chose and why
/// reaches the log. Commands that may not need the vault, or that talk to the user before
/// opening it (login, the terminal), open it themselves when they get there.
pub fn start_vault(cli: &Cli, paths: &Paths, config: &Config) -> Option<VaultOpening> {
    let command = cli.command.as_ref()?;
    if cli.demo || !command.reads_vault_first() {
        return None;
    }
    let choice = vault_choice(cli.vault);
    if command.reads_with_access_token_only() && config.vault.remember_access_token {
        let remembered = crate::vault::remembered_access(
            choice,
            &paths.data_dir,
            &cli.profile,
            chrono::Utc::now(),
            crate::schwab::client::ACCESS_MARGIN,
        );
        if let Some(tokens) = remembered {
            return Some(VaultOpening::Remembered(tokens));
        }
    }
    let (profile, data_dir, settings) = (
        cli.profile.clone(),
        paths.data_dir.clone(),
        config.vault.clone(),
    );
    std::thread::Builder::new()
        .name("palmtree-vault".into())
        .spawn(move || session::open_vault(&profile, choice, &data_dir, &settings))
        .ok()
        .map(VaultOpening::Thread)
}

/// The async runtime `cli`'s command runs on.
///
/// A command that prints and exits makes a few requests one after another, so it runs on the
/// calling thread: a pool of worker threads would only add hand-offs between threads to each
/// request (most of a millisecond of a script's `palmtree quote`). The terminal, the
/// simulator, the demo and the login (a listener beside a prompt) keep the worker pool.
pub fn runtime_for(cli: &Cli) -> std::io::Result<tokio::runtime::Runtime> {
    let prints_and_exits = !cli.demo
        && cli.command.as_ref().is_some_and(|command| {
            command.reads_vault_first() || matches!(command, Command::Logout | Command::Lock)
        });
    let mut builder = if prints_and_exits {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build()
}

fn vault_choice(arg: VaultArg) -> VaultChoice {
    match arg {
        VaultArg::Auto => VaultChoice::Auto,
        VaultArg::File => VaultChoice::File,
    }
}

/// A broker to run one command against, its journal, and the simulator behind it in demo
/// mode.
struct Session {
    broker: Broker,
    refresh_deadline: Option<chrono::DateTime<chrono::Utc>>,
    records: Option<std::sync::Arc<Records>>,
    default_account: Option<String>,
    /// The vault the login came from (none in the demo).
    vault: Option<Vault>,
    _demo: Option<crate::demo::Demo>,
}

impl Session {
    /// The journal orders are recorded in: the demo's scratch one, or the profile's.
    fn journal(&self) -> anyhow::Result<&Records> {
        if let Some(demo) = &self._demo {
            return Ok(&demo.records);
        }
        self.records
            .as_deref()
            .context("the journal could not be opened, so no order can be sent")
    }
}

/// Runs `cli`'s command. `opening` is the vault [`start_vault`] began opening, if it did.
pub async fn run(
    cli: Cli,
    config: Config,
    paths: Paths,
    opening: Option<VaultOpening>,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        config,
        paths,
        profile: cli.profile.clone(),
        vault_choice: vault_choice(cli.vault),
        demo: cli.demo,
        opening: std::sync::Mutex::new(opening),
    };
    match cli.command {
        None => terminal(&ctx, ctx.demo, 42).await,
        Some(Command::Demo { seed }) => terminal(&ctx, true, seed).await,
        Some(Command::Sim {
            port,
            seed,
            callbacks,
            faults,
            exchange_hours,
        }) => simulator(port, seed, callbacks, faults.as_deref(), exchange_hours).await,
        Some(Command::Quote { symbols, json }) => {
            let session = connect(&ctx, 42, false).await?;
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
            let session = connect(&ctx, 42, false).await?;
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
        Some(Command::Lock) => {
            anyhow::ensure!(
                !ctx.demo,
                "the demo keeps its secrets in memory; it has no vault file key to forget"
            );
            let file = crate::vault::vault_file_path(&ctx.paths.data_dir);
            let key = crate::vault::forget_remembered_file_key(&file);
            let access = crate::vault::forget_remembered_access(&ctx.profile);
            let mut text = String::new();
            if key {
                text.push_str(
                    "The vault file's key was forgotten; the next command asks for the \
                     passphrase.\n",
                );
            }
            if access {
                text.push_str(
                    "The remembered access token was forgotten; the next command reads the \
                     keychain.\n",
                );
            }
            if text.is_empty() {
                text.push_str("Nothing was remembered in this session; nothing to forget.\n");
            }
            print(&text)?;
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
        Some(Command::Order { action }) => order_command(&ctx, action).await,
        Some(Command::Orders { status, days, json }) => {
            let session = connect(&ctx, 42, false).await?;
            let mut rows = session.broker.orders(days).await?;
            if let Some(wanted) = &status {
                rows.retain(|o| o.status.eq_ignore_ascii_case(wanted));
            }
            let text = if json {
                format!("{:#}\n", super::order::orders_json(&rows))
            } else {
                super::order::orders_table(&rows)
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Journal { action }) => {
            let vault = ctx.vault()?;
            let records = Records::open(&vault, &ctx.paths.data_dir)?;
            match action {
                JournalAction::Show { since, kind, json } => {
                    print(&super::journal::show(
                        &records,
                        since.as_deref(),
                        kind.as_deref(),
                        json,
                    )?)?;
                    Ok(ExitCode::SUCCESS)
                }
                JournalAction::Verify { json } => {
                    let (text, ok) = super::journal::verify(&records, json)?;
                    print(&text)?;
                    Ok(if ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
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
                    Ok(if written {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
            }
        }
    }
}

async fn order_command(ctx: &Ctx, action: super::OrderAction) -> anyhow::Result<ExitCode> {
    use super::OrderAction;
    use super::order::{self as order_cli, Ending};
    let session = connect(ctx, 42, true).await?;
    let journal = session.journal()?;
    let mut out = std::io::stdout();
    let ending = match action {
        ref order @ (OrderAction::Preview(ref args) | OrderAction::Place(ref args)) => {
            let place = matches!(order, OrderAction::Place(_));
            let prepared = order_cli::prepare(
                &session.broker,
                journal,
                &ctx.config.trading,
                args,
                session.default_account.as_deref(),
                &mut out,
            )
            .await?;
            match prepared {
                None => Ending::Refused,
                Some(_) if !place => Ending::Done,
                Some((account, frozen)) => {
                    let words = crate::trading::describe(frozen.request());
                    let go = args.yes || {
                        use std::io::IsTerminal;
                        anyhow::ensure!(
                            std::io::stdin().is_terminal(),
                            "not sent: confirm at a terminal, or pass --yes to send from a script"
                        );
                        let stdin = std::io::stdin();
                        order_cli::confirm(&words, &mut stdin.lock(), &mut out)?
                    };
                    if go {
                        let submission =
                            session.broker.place(&account.key, &frozen, journal).await?;
                        order_cli::report(&submission, &mut out)?
                    } else {
                        writeln!(out, "Nothing was sent.")?;
                        Ending::Declined
                    }
                }
            }
        }
        OrderAction::Cancel { id, yes } => {
            let Some(order) = order_cli::find_order(&session.broker, id).await? else {
                anyhow::bail!("no order {id} among the last 60 days' orders");
            };
            anyhow::ensure!(
                order.cancelable,
                "order {id} is {} and cannot be canceled",
                order.status
            );
            let go = yes || {
                use std::io::IsTerminal;
                anyhow::ensure!(
                    std::io::stdin().is_terminal(),
                    "not sent: confirm at a terminal, or pass --yes"
                );
                write!(
                    out,
                    "Cancel order {id} ({} {} {})? Type yes: ",
                    order.instruction, order.quantity, order.symbol
                )?;
                out.flush()?;
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                answer.trim() == "yes"
            };
            if !go {
                writeln!(out, "Nothing was sent.")?;
                Ending::Declined
            } else {
                match session.broker.cancel(&order.key, id, journal).await? {
                    crate::trading::Outcome::Placed { .. } => {
                        writeln!(out, "Cancel accepted for order {id}.")?;
                        Ending::Done
                    }
                    crate::trading::Outcome::Rejected { reasons } => {
                        writeln!(out, "Cancel refused: {}", reasons.join("; "))?;
                        Ending::Refused
                    }
                    crate::trading::Outcome::Unknown { reason } => {
                        writeln!(
                            out,
                            "The cancel's outcome is unknown ({reason}); it was not sent again. Check `palmtree orders`."
                        )?;
                        Ending::Unknown
                    }
                }
            }
        }
    };
    Ok(ExitCode::from(ending.code()))
}

/// Opens a broker; `records` says whether the journal and cache are needed too (order
/// commands and the terminal), which a quick `quote` from a script does without.
async fn connect(ctx: &Ctx, seed: u64, records: bool) -> anyhow::Result<Session> {
    if ctx.demo {
        let running = crate::demo::start(seed).await?;
        return Ok(Session {
            broker: running.broker.clone(),
            refresh_deadline: None,
            records: None,
            vault: None,
            default_account: ctx
                .config
                .trading
                .default_account
                .clone()
                .or(Some(crate::demo::DEMO_DEFAULT_ACCOUNT.into())),
            _demo: Some(running),
        });
    }
    // Made while the vault thread is still busy with the keychain or the key derivation.
    let http = session::http_client(&ctx.config)?;
    if !records && let Some(remembered) = ctx.remembered_access() {
        let refresh_deadline = Some(remembered.refresh_deadline);
        // The token came from the Secret Service, so a refresh goes back there and nowhere
        // else: were it unreachable, `Auto` would settle on another store and remember that.
        let secret_service = VaultChoice::Only(crate::vault::VaultKind::SecretService);
        let client = session::remembered_client(
            &ctx.config,
            remembered,
            ctx.vault_opener(secret_service),
            &ctx.profile,
            &ctx.paths.data_dir,
            Some(http),
        )
        .await?;
        return Ok(Session {
            broker: Broker::new(client),
            refresh_deadline,
            records: None,
            vault: None,
            default_account: ctx.config.trading.default_account.clone(),
            _demo: None,
        });
    }
    let vault = ctx.vault()?;
    let client = session::logged_in_client(
        &ctx.config,
        &vault,
        &ctx.paths.data_dir,
        Clock::system(),
        Some(http),
    )
    .await?;
    let refresh_deadline = client.tokens().await.map(|t| t.refresh_deadline);
    let records = if records {
        match Records::open(&vault, &ctx.paths.data_dir) {
            Ok(records) => Some(std::sync::Arc::new(records)),
            Err(e) => {
                tracing::warn!(error = %e, "the journal could not be opened");
                None
            }
        }
    } else {
        None
    };
    let mut broker = Broker::new(client);
    if let Some(records) = &records {
        broker = broker.with_snapshots(records.clone());
    }
    Ok(Session {
        broker,
        refresh_deadline,
        records,
        vault: Some(vault),
        default_account: ctx.config.trading.default_account.clone(),
        _demo: None,
    })
}

async fn terminal(ctx: &Ctx, demo: bool, seed: u64) -> anyhow::Result<ExitCode> {
    let demo_ctx = Ctx {
        config: ctx.config.clone(),
        paths: ctx.paths.clone(),
        profile: ctx.profile.clone(),
        vault_choice: ctx.vault_choice,
        demo,
        opening: std::sync::Mutex::new(None),
    };
    // The keys and the look are checked before anything else, so a bad config line is an
    // error at once, not after a login.
    let keymap = match std::fs::read_to_string(&ctx.paths.config_file) {
        Ok(text) => tui::keymap::apply_overrides(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", ctx.paths.config_file.display()))?,
        Err(_) => tui::keymap::Keymap::default(),
    };
    let theme = match ctx.config.ui.theme.as_deref() {
        Some(name) => Some(tui::theme::ThemeName::parse(name).with_context(|| {
            format!("ui.theme {name:?} is not a theme; use default, light, 16 or none")
        })?),
        None => None,
    };
    let session = connect(&demo_ctx, seed, true).await?;
    let records = session
        .records
        .clone()
        .or_else(|| session._demo.as_ref().map(|d| d.records.clone()));
    let mut extras = TuiExtras {
        watchlist_file: (!demo).then(|| ctx.paths.data_dir.join("watchlists.toml")),
        keymap,
        theme,
        relogin_deadline: session.refresh_deadline,
        journal: records
            .clone()
            .map(|r| -> std::sync::Arc<dyn crate::broker::orders::OrderJournal> { r }),
        default_account: session.default_account.clone(),
        limits: ctx.config.trading.limits(),
        idle_lock: Duration::from_secs(ctx.config.ui.idle_lock_minutes.saturating_mul(60)),
        unlock: session
            .vault
            .as_ref()
            .and_then(|vault| unlock_check(ctx, vault)),
        forget_key: session
            .vault
            .clone()
            .filter(|vault| vault.kind() == crate::vault::VaultKind::EncryptedFile)
            .map(|vault| -> tui::ForgetKey {
                std::sync::Arc::new(move || vault.forget_remembered())
            }),
        ..TuiExtras::default()
    };
    if let Some(records) = &records {
        let snapshot = records.startup_snapshot();
        extras.notice = snapshot.notice.clone();
        extras.seed = seed_of(snapshot);
    }
    let options = TuiOptions {
        watchlist: ctx.config.watchlist.symbols.clone(),
        quote_refresh: Duration::from_secs(ctx.config.refresh.quotes_secs.max(1)),
        positions_refresh: Duration::from_secs(ctx.config.refresh.positions_secs.max(1)),
        title: if demo {
            "palmtree — DEMO (simulated)".into()
        } else {
            "palmtree".into()
        },
    };
    tui::run_extended(session.broker.clone(), options, extras).await?;
    Ok(ExitCode::SUCCESS)
}

/// What the sealed cache holds, as the terminal's first frame.
pub fn seed_from(records: &Records) -> Option<tui::action::Seed> {
    seed_of(records.startup_snapshot())
}

fn seed_of(snapshot: crate::session::StartupSnapshot) -> Option<tui::action::Seed> {
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&chrono::Local);
    let seed = tui::action::Seed {
        accounts: snapshot.accounts.map(|c| (c.value, local(c.fetched_at))),
        quotes: snapshot.quotes.map(|c| (c.value, local(c.fetched_at))),
        orders: snapshot.orders.map(|c| (c.value, local(c.fetched_at))),
    };
    (seed.accounts.is_some() || seed.quotes.is_some() || seed.orders.is_some()).then_some(seed)
}

/// The lock screen's passphrase check: where the vault is the encrypted file, the passphrase
/// that opens it; with a keychain (which the OS unlocks), none, so a key press unlocks.
fn unlock_check(ctx: &Ctx, vault: &Vault) -> Option<tui::UnlockCheck> {
    if vault.kind() != crate::vault::VaultKind::EncryptedFile {
        return None;
    }
    let profile = ctx.profile.clone();
    let data_dir = ctx.paths.data_dir.clone();
    Some(std::sync::Arc::new(move |typed: &str| {
        let typed = secrecy::SecretString::from(typed.to_string());
        let passphrase = Box::new(move || Ok(typed.clone()));
        let options = crate::vault::VaultOptions::new(
            profile.clone(),
            VaultChoice::File,
            &data_dir,
            passphrase,
        );
        Vault::open(options)
            .and_then(|v| v.load_tokens().map(|_| ()))
            .is_ok()
    }))
}

async fn simulator(
    port: u16,
    seed: u64,
    callbacks: Vec<String>,
    faults: Option<&str>,
    exchange_hours: bool,
) -> anyhow::Result<ExitCode> {
    let faults = match faults {
        Some(spec) => {
            crate::sim::parse_faults(spec).map_err(|e| anyhow::anyhow!("--faults {spec:?}: {e}"))?
        }
        None => Vec::new(),
    };
    let mut options = SimOptions {
        port,
        seed,
        faults,
        hours: if exchange_hours {
            crate::sim::SessionHours::Exchange
        } else {
            crate::sim::SessionHours::AroundTheClock
        },
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
    for rule in &options.faults {
        print(&format!("fault: {rule:?}\n"))?;
    }
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
