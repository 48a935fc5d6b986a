//! After a real login (paste path), a command that reuses the token, one that refreshes it,
//! an order, and a logout, run as separate `palmtree` processes against the simulator, no
//! token, code or app secret is found in any file palmtree wrote, in its output, or in its
//! arguments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::vault::{Vault, VaultChoice, VaultOptions};
use secrecy::{ExposeSecret, SecretString};

const PASSPHRASE: &str = "correct horse battery staple";

struct Home {
    dir: tempfile::TempDir,
    sim_base: String,
}

impl Home {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_palmtree"));
        let root = self.dir.path();
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("PALMTREE_OAUTH_URL", format!("{}/v1/oauth", self.sim_base))
            .env(
                "PALMTREE_TRADER_URL",
                format!("{}/trader/v1", self.sim_base),
            )
            .env(
                "PALMTREE_MARKETDATA_URL",
                format!("{}/marketdata/v1", self.sim_base),
            )
            .env("SCHWAB_API_KEY", DEMO_APP_KEY)
            .env("SCHWAB_API_SECRET", DEMO_APP_SECRET)
            .env("PALMTREE_VAULT_PASSPHRASE", PASSPHRASE)
            .env("PALMTREE_LOG", "trace");
        cmd
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("palmtree")
    }

    fn vault(&self) -> Vault {
        let passphrase = Box::new(|| Ok(SecretString::from(PASSPHRASE.to_string())));
        Vault::open(VaultOptions::new(
            "default",
            VaultChoice::File,
            self.data_dir(),
            passphrase,
        ))
        .unwrap()
    }

    fn run(&self, args: &[&str]) -> String {
        let output = self.command(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "palmtree {args:?} failed:\n{text}");
        text
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_a_file_the_output_or_argv() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let home = Home {
        dir: tempfile::tempdir().unwrap(),
        sim_base: sim.base_url(),
    };
    let mut outputs = Vec::new();
    let mut argv: Vec<String> = Vec::new();

    // Login by the paste path, as over SSH: read the URL palmtree prints, "approve" it, and
    // paste the redirected address back.
    let login_args = ["--vault", "file", "login", "--paste"];
    argv.extend(login_args.iter().map(|s| s.to_string()));
    let mut child = home
        .command(&login_args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split_whitespace().find(|w| w.contains("/authorize?")) {
                let _ = url_tx.send(url.to_string());
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    let authorize = url_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = browser.get(&authorize).send().await.unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_string();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{location}").unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let login_text = reader.join().unwrap();
    assert!(status.success(), "login failed:\n{login_text}");
    assert!(login_text.contains("Logged in."), "{login_text}");
    outputs.push(login_text);

    let code_raw = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let code_encoded = location
        .split("code=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_string();
    let mut secrets = vec![DEMO_APP_SECRET.to_string(), code_raw, code_encoded];
    let first = home.vault().load_tokens().unwrap().expect("tokens saved");
    secrets.push(first.access_token.expose_secret().to_string());
    secrets.push(first.refresh_token.expose_secret().to_string());

    // A command while the token is good, then one after Schwab expired it (a refresh).
    for args in [
        ["--vault", "file", "quote", "AAPL"],
        ["--vault", "file", "positions", "--json"],
    ] {
        argv.extend(args.iter().map(|s| s.to_string()));
        outputs.push(home.run(&args));
        sim.clock().advance(Duration::from_secs(31 * 60));
    }
    assert_eq!(
        sim.stats().grants("refresh_token"),
        1,
        "the second command refreshed"
    );
    let refreshed = home.vault().load_tokens().unwrap().expect("tokens saved");
    assert_ne!(
        refreshed.access_token.expose_secret(),
        first.access_token.expose_secret(),
        "the refreshed token was saved"
    );
    secrets.push(refreshed.access_token.expose_secret().to_string());

    // An order, journaled and sent once, in the same session.
    let quote = home.run(&["--vault", "file", "quote", "AAPL", "--json"]);
    let quote: serde_json::Value = serde_json::from_str(&quote).unwrap();
    let last: rust_decimal::Decimal = quote[0]["last"].as_str().unwrap().parse().unwrap();
    let price = last.round_dp(2).to_string();
    let order_args = [
        "--vault",
        "file",
        "order",
        "place",
        "--symbol",
        "AAPL",
        "--instruction",
        "buy",
        "--quantity",
        "1",
        "--type",
        "limit",
        "--price",
        &price,
        "--account",
        "Individual",
        "--yes",
    ];
    argv.extend(order_args.iter().map(|s| s.to_string()));
    let placed = home.run(&order_args);
    assert!(placed.contains("Placed: order"), "{placed}");
    outputs.push(placed);
    argv.extend(["--vault", "file", "journal", "verify"].map(String::from));
    let verified = home.run(&["--vault", "file", "journal", "verify"]);
    assert!(verified.starts_with("verified"), "{verified}");
    outputs.push(verified);

    // The file's derived key waits in the session keyring (never in a file) until logout.
    let slot =
        palmtree::vault::FileStore::key_slot(&home.data_dir().join(palmtree::vault::FILE_NAME))
            .unwrap();
    // /proc/keys still lists a key invalidated a moment ago (flag `i`) until the kernel's
    // garbage collector unlinks it; such a key can no longer be found or read.
    let in_keyring = || {
        std::fs::read_to_string("/proc/keys")
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(slot.description()))
            .any(|line| !line.split_whitespace().nth(1).unwrap_or("").contains('i'))
    };
    let remembered = in_keyring();
    if std::env::var("PALMTREE_REQUIRE_KEYUTILS").as_deref() == Ok("1") {
        assert!(
            remembered,
            "with a session keyring, the file's key is remembered"
        );
    }
    argv.extend(["--vault", "file", "logout"].map(String::from));
    outputs.push(home.run(&["--vault", "file", "logout"]));
    assert!(
        !in_keyring(),
        "logout forgot the remembered key (it was there before: {remembered})"
    );
    assert!(
        home.vault().load_tokens().unwrap().is_none(),
        "logout deleted the tokens"
    );

    let mut files = Vec::new();
    files_under(home.dir.path(), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("palmtree.db"))
    );
    let logs: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains(".log"))
        .collect();
    assert!(!logs.is_empty(), "a log file was written: {files:?}");
    let log_text: String = logs
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(
        log_text.contains("access token refreshed"),
        "the log saw the refresh"
    );
    for secret in &secrets {
        assert!(secret.len() >= 16, "a real secret to look for");
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "a secret was found in {}", file.display());
        }
        for output in &outputs {
            assert!(
                !output.contains(secret.as_str()),
                "a secret was printed:\n{output}"
            );
        }
        assert!(
            !argv.iter().any(|a| a.contains(secret.as_str())),
            "a secret was in argv"
        );
    }
}
