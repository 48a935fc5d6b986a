//! Start-up cost of a script's `palmtree quote` of 50 symbols, against curl fetching the same
//! URL with the same token from the same logged-in simulator.
//!
//! Whole-process wall time, median of several runs each, and the ratio, for every vault this
//! machine has: the Secret Service (when a session bus and an unlocked keyring answer), once
//! with the access token remembered in the session keyring between runs (the default) and
//! once with `vault.remember_access_token = false`, opening the Secret Service every run; the
//! kernel keyutils store (when the kernel lets this process keep keys); and the encrypted
//! file (always), once with its derived key remembered in the session keyring between runs
//! (the default) and once with `vault.remember_key_minutes = 0`, paying Argon2id every run.
//! Run with `cargo bench --bench quote_vs_curl`; it needs curl on the PATH. Under `.ci/run`'s
//! `dbus-run-session` + `keyctl session` every case runs; elsewhere the missing stores print
//! a SKIPPED line.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient};
use palmtree::session::VaultKeeper;
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::vault::{Vault, VaultChoice, VaultKind, VaultOptions};
use secrecy::{ExposeSecret, SecretString};

const RUNS: usize = 15;
const PASSPHRASE: &str = "bench passphrase";
const SYMBOLS: [&str; 10] = [
    "AAPL", "MSFT", "NVDA", "AMD", "TSLA", "META", "INTC", "SPY", "QQQ", "$SPX",
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median wall time of `RUNS` runs after one warm-up run.
fn time(mut make: impl FnMut() -> Command) -> Duration {
    let mut samples = Vec::new();
    for run in 0..=RUNS {
        let start = Instant::now();
        let output = make().stdout(Stdio::null()).stderr(Stdio::piped()).output();
        let took = start.elapsed();
        match output {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                eprintln!(
                    "a run failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("a run could not start: {e}");
                std::process::exit(1);
            }
        }
        if run > 0 {
            samples.push(took);
        }
    }
    median(samples)
}

/// One vault to measure: how the bench opens it to log in, and how palmtree is told to use it.
struct Case {
    label: &'static str,
    choice: VaultChoice,
    /// The `--vault` argument of the measured runs.
    vault_arg: &'static str,
    /// Whether the measured runs keep the session bus (the Secret Service needs it; without
    /// it, `--vault auto` finds keyutils).
    keep_bus: bool,
    /// The config file of the measured runs.
    config: &'static str,
}

const CASES: [Case; 5] = [
    Case {
        label: "Secret Service",
        choice: VaultChoice::Only(VaultKind::SecretService),
        vault_arg: "auto",
        keep_bus: true,
        config: "",
    },
    Case {
        label: "SS, every read",
        choice: VaultChoice::Only(VaultKind::SecretService),
        vault_arg: "auto",
        keep_bus: true,
        config: "[vault]\nremember_access_token = false\n",
    },
    Case {
        label: "kernel keyutils",
        choice: VaultChoice::Only(VaultKind::KernelKeyutils),
        vault_arg: "auto",
        keep_bus: false,
        config: "",
    },
    Case {
        label: "file, key kept",
        choice: VaultChoice::File,
        vault_arg: "file",
        keep_bus: true,
        config: "",
    },
    Case {
        label: "file, Argon2id",
        choice: VaultChoice::File,
        vault_arg: "file",
        keep_bus: true,
        config: "[vault]\nremember_key_minutes = 0\n",
    },
];

fn main() {
    if Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        println!("SKIPPED: curl is not installed");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let sim = runtime
        .block_on(Sim::start(SimOptions::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    let base = sim.base_url();
    let symbols: Vec<String> = (0..50)
        .map(|i| SYMBOLS[i % SYMBOLS.len()].to_string())
        .collect();
    let url = format!(
        "{base}/marketdata/v1/quotes?symbols={}",
        symbols.join(",").replace('$', "%24")
    );
    let profile = format!("bench-{}", std::process::id());

    println!("palmtree quote of 50 symbols against curl, median of {RUNS} runs each");
    for case in &CASES {
        let home = std::env::temp_dir().join(format!(
            "palmtree-bench-{}-{}",
            std::process::id(),
            case.label.replace([' ', ','], "")
        ));
        let data = home.join("data").join("palmtree");
        std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
        let config_dir = home.join("config").join("palmtree");
        std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("{e}"));
        write_private(&config_dir.join("config.toml"), case.config);
        let Some((vault, token)) = log_in(&runtime, &sim, &base, case, &profile, &data) else {
            continue;
        };
        // The token goes to curl in a private header file, never on its command line.
        let header = home.join("auth-header");
        write_private(&header, &format!("Authorization: Bearer {token}\n"));

        let grants_before = sim.stats().grants("refresh_token");
        let ours = time(|| {
            let mut cmd = palmtree_command(&home, &base, case);
            cmd.args(["--profile", &profile, "--vault", case.vault_arg, "quote"])
                .args(&symbols);
            cmd
        });
        let theirs = time(|| {
            let mut cmd = Command::new("curl");
            cmd.args(["-sf", "-o", "/dev/null", "-H"])
                .arg(format!("@{}", header.display()))
                .arg(&url);
            cmd
        });
        let refreshes = sim.stats().grants("refresh_token") - grants_before;
        println!(
            "{:<16} palmtree {:>5.1} ms   curl {:>5.1} ms   ratio {:.2} (target: at most 2)   \
             token requests: {refreshes}",
            case.label,
            ms(ours),
            ms(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
        for name in ["tokens", "app_credentials"] {
            let _ = vault.delete(name);
        }
        vault.forget_remembered();
        palmtree::vault::forget_remembered_access(&profile);
        let _ = std::fs::remove_dir_all(&home);
    }
}

/// Logs in once into `case`'s vault, as `palmtree login` would, and returns the vault and
/// the access token; `None` (after a SKIPPED line) when this machine lacks that store.
fn log_in(
    runtime: &tokio::runtime::Runtime,
    sim: &Sim,
    base: &str,
    case: &Case,
    profile: &str,
    data: &Path,
) -> Option<(Vault, String)> {
    let passphrase = Box::new(|| Ok(SecretString::from(PASSPHRASE.to_string())));
    let vault = match Vault::open(VaultOptions::new(profile, case.choice, data, passphrase)) {
        Ok(vault) => vault,
        Err(e) => {
            println!("{:<16} SKIPPED: {e}", case.label);
            return None;
        }
    };
    vault
        .save_app_credentials(
            DEMO_APP_KEY,
            &SecretString::from(DEMO_APP_SECRET.to_string()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let urls = ApiUrls::under(base).unwrap_or_else(|e| panic!("{e}"));
    let client = SchwabClient::new(ClientOptions::new(
        urls,
        AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let keeper = VaultKeeper::new(vault.clone(), data).unwrap_or_else(|e| panic!("{e}"));
    client.set_token_keeper(Arc::new(keeper));
    runtime
        .block_on(palmtree::demo::login(sim, &client))
        .unwrap_or_else(|e| panic!("{e}"));
    let token = runtime
        .block_on(client.tokens())
        .map(|t| t.access_token.expose_secret().to_string())
        .unwrap_or_default();
    Some((vault, token))
}

fn palmtree_command(home: &Path, base: &str, case: &Case) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_palmtree"));
    let dir = |name: &str| -> PathBuf { home.join(name) };
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", dir("config"))
        .env("XDG_DATA_HOME", dir("data"))
        .env("XDG_STATE_HOME", dir("state"))
        .env("PALMTREE_OAUTH_URL", format!("{base}/v1/oauth"))
        .env("PALMTREE_TRADER_URL", format!("{base}/trader/v1"))
        .env("PALMTREE_MARKETDATA_URL", format!("{base}/marketdata/v1"))
        .env("PALMTREE_VAULT_PASSPHRASE", PASSPHRASE);
    if !case.keep_bus {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    }
    cmd
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn write_private(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .unwrap_or_else(|e| panic!("{e}"));
    file.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
}
