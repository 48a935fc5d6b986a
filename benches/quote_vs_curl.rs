//! Start-up cost of a script's `palmtree quote` of 50 symbols, against curl fetching the same
//! URL with the same token from the same logged-in simulator.
//!
//! Whole-process wall time, median of several runs each, and the ratio. Run with
//! `cargo bench --bench quote_vs_curl`; it needs curl on the PATH. The vault is the encrypted
//! file (no keychain on a headless box), so each palmtree run pays the Argon2id key derivation.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient};
use palmtree::session::VaultKeeper;
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::vault::{Vault, VaultChoice, VaultOptions};
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

fn time(mut make: impl FnMut() -> Command) -> Duration {
    let mut samples = Vec::new();
    for run in 0..=RUNS {
        let start = Instant::now();
        let status = make().stdout(Stdio::null()).stderr(Stdio::null()).status();
        let took = start.elapsed();
        match status {
            Ok(s) if s.success() || s.code() == Some(1) => {}
            other => {
                eprintln!("a run failed: {other:?}");
                std::process::exit(1);
            }
        }
        if run > 0 {
            samples.push(took);
        }
    }
    median(samples)
}

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
    let home = std::env::temp_dir().join(format!("palmtree-bench-{}", std::process::id()));
    let data = home.join("data").join("palmtree");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let sim = runtime
        .block_on(Sim::start(SimOptions::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    let base = sim.base_url();

    // Log in once, as `palmtree login` would, into a file vault under the scratch home.
    let passphrase = Box::new(|| Ok(SecretString::from(PASSPHRASE.to_string())));
    let vault = Vault::open(VaultOptions::new(
        "default",
        VaultChoice::File,
        &data,
        passphrase,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    vault
        .save_app_credentials(
            DEMO_APP_KEY,
            &SecretString::from(DEMO_APP_SECRET.to_string()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let urls = ApiUrls::under(&base).unwrap_or_else(|e| panic!("{e}"));
    let client = SchwabClient::new(ClientOptions::new(
        urls,
        AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let keeper = VaultKeeper::new(vault.clone(), &data).unwrap_or_else(|e| panic!("{e}"));
    client.set_token_keeper(Arc::new(keeper));
    runtime
        .block_on(palmtree::demo::login(&sim, &client))
        .unwrap_or_else(|e| panic!("{e}"));
    let token = runtime
        .block_on(client.tokens())
        .map(|t| t.access_token.expose_secret().to_string())
        .unwrap_or_default();

    let symbols: Vec<String> = (0..50)
        .map(|i| SYMBOLS[i % SYMBOLS.len()].to_string())
        .collect();
    let joined = symbols.join(",");
    let url = format!(
        "{base}/marketdata/v1/quotes?symbols={}",
        joined.replace('$', "%24")
    );
    // The token goes to curl in a private header file, never on its command line.
    let header = home.join("auth-header");
    write_private(&header, &format!("Authorization: Bearer {token}\n"));

    let palmtree = env!("CARGO_BIN_EXE_palmtree");
    let env = |cmd: &mut Command| {
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("PALMTREE_OAUTH_URL", format!("{base}/v1/oauth"))
            .env("PALMTREE_TRADER_URL", format!("{base}/trader/v1"))
            .env("PALMTREE_MARKETDATA_URL", format!("{base}/marketdata/v1"))
            .env("PALMTREE_VAULT_PASSPHRASE", PASSPHRASE);
    };
    let ours = time(|| {
        let mut cmd = Command::new(palmtree);
        env(&mut cmd);
        cmd.args(["--vault", "file", "quote"]).args(&symbols);
        cmd
    });
    let theirs = time(|| {
        let mut cmd = Command::new("curl");
        cmd.args(["-sf", "-o", "/dev/null", "-H"])
            .arg(format!("@{}", header.display()))
            .arg(&url);
        cmd
    });
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    println!(
        "palmtree quote (50 symbols): median {:.1} ms over {RUNS} runs",
        ms(ours)
    );
    println!(
        "curl, same URL and token:    median {:.1} ms over {RUNS} runs",
        ms(theirs)
    );
    println!("ratio palmtree/curl:         {ratio:.2} (target: at most 2)");
    let refreshes = sim.stats().grants("refresh_token");
    println!("token requests during the runs: {refreshes}");
    let _ = std::fs::remove_dir_all(&home);
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
