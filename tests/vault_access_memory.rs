#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A Secret Service vault's access token remembered in the kernel's session keyring: the
//! commands that only read from Schwab run on it without reaching the Secret Service at all
//! (proved by running them with no D-Bus), a refresh they need opens the vault and remembers
//! the new token, and logout, `palmtree lock`, another profile and `--vault file` never see
//! the old one.
//!
//! Needs a real Secret Service and a session keyring (`.ci/run` starts gnome-keyring inside
//! `dbus-run-session` and `keyctl session -`); elsewhere each test prints a SKIPPED line and
//! passes, unless `PALMTREE_REQUIRE_SECRET_SERVICE=1` says the run set them up.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use palmtree::schwab::client::ACCESS_MARGIN;
use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient};
use palmtree::session::VaultKeeper;
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use palmtree::vault::{
    self, AccessSlot, StoredTokens, Vault, VaultChoice, VaultError, VaultKind, VaultOptions,
};
use secrecy::{ExposeSecret, SecretString};

/// A bus address nothing listens on: a command run with it cannot reach the Secret Service.
const NO_BUS: &str = "unix:path=/nonexistent/palmtree-test-bus";

struct World {
    sim: Sim,
    home: tempfile::TempDir,
    profile: String,
    vault: Vault,
}

impl World {
    /// A home logged in to the simulator through the Secret Service, or `None` (after a
    /// SKIPPED line) where this machine has no Secret Service or no session keyring.
    async fn logged_in(tag: &str) -> Option<World> {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            return skip("DBUS_SESSION_BUS_ADDRESS is not set");
        }
        let home = tempfile::tempdir().unwrap();
        let profile = format!("access-{}-{tag}", std::process::id());
        let data = home.path().join("data").join("palmtree");
        let never: vault::PassphraseFn = Box::new(|| {
            Err(VaultError::NoPassphrase {
                reason: "these tests use the Secret Service, never the file".into(),
            })
        });
        let mut options = VaultOptions::new(&profile, VaultChoice::Auto, &data, never);
        options.remember_access_token = true;
        let vault = match Vault::open(options) {
            Ok(vault) if vault.kind() == VaultKind::SecretService => vault,
            Ok(vault) => return skip(&format!("the vault chose {}", vault.kind())),
            Err(e) => return skip(&e.to_string()),
        };
        remembering_slot(&format!("{profile}-probe"))?.forget();

        let sim = Sim::start(SimOptions::default()).await.unwrap();
        vault
            .save_app_credentials(DEMO_APP_KEY, &SecretString::from(DEMO_APP_SECRET))
            .unwrap();
        let client = SchwabClient::new(ClientOptions::new(
            ApiUrls::under(&sim.base_url()).unwrap(),
            AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET),
        ))
        .unwrap();
        client.set_token_keeper(Arc::new(VaultKeeper::new(vault.clone(), &data).unwrap()));
        palmtree::demo::login(&sim, &client).await.unwrap();
        Some(World {
            sim,
            home,
            profile,
            vault,
        })
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data").join("palmtree")
    }

    fn slot(&self) -> AccessSlot {
        AccessSlot::new(&self.profile)
    }

    fn saved(&self) -> StoredTokens {
        self.vault.load_tokens().unwrap().unwrap()
    }

    /// `palmtree --profile <ours> <args>`, reaching the Secret Service only if `bus`.
    fn palmtree(&self, bus: bool, args: &[&str]) -> Output {
        self.palmtree_as(&self.profile, bus, args)
    }

    /// `palmtree <args>` with `extra` set in its environment.
    fn palmtree_env(&self, bus: bool, args: &[&str], extra: &[(&str, &PathBuf)]) -> Output {
        let mut cmd = self.command(&self.profile, bus, args);
        for (name, value) in extra {
            cmd.env(name, value);
        }
        cmd.output().unwrap()
    }

    /// A command run with no bus finds the remembered keychain gone and probes again, so it
    /// comes last in a test, or the next command would look in another store.
    fn palmtree_as(&self, profile: &str, bus: bool, args: &[&str]) -> Output {
        self.command(profile, bus, args).output().unwrap()
    }

    fn command(&self, profile: &str, bus: bool, args: &[&str]) -> Command {
        let root = self.home.path();
        let base = self.sim.base_url();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_palmtree"));
        cmd.args(["--profile", profile])
            .args(args)
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("PALMTREE_OAUTH_URL", format!("{base}/v1/oauth"))
            .env("PALMTREE_TRADER_URL", format!("{base}/trader/v1"))
            .env("PALMTREE_MARKETDATA_URL", format!("{base}/marketdata/v1"))
            .env(
                "PALMTREE_VAULT_PASSPHRASE",
                "a passphrase for a file never used",
            )
            .env_remove("SCHWAB_API_KEY")
            .env_remove("SCHWAB_API_SECRET");
        if !bus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", NO_BUS);
        }
        cmd
    }

    fn forget_everything(&self) {
        let _ = self.vault.delete_tokens();
        let _ = self.vault.delete_app_credentials();
        self.slot().forget();
    }
}

fn skip<T>(reason: &str) -> Option<T> {
    if std::env::var("PALMTREE_REQUIRE_SECRET_SERVICE").as_deref() == Ok("1") {
        panic!("PALMTREE_REQUIRE_SECRET_SERVICE=1 but the access token cannot be tested: {reason}");
    }
    println!("SKIPPED: no Secret Service with a session keyring here (run under .ci/run)");
    println!("  reason: {reason}");
    None
}

/// `profile`'s slot holding a token good for 600 s, or `None` (after a SKIPPED line, or a
/// failure under `PALMTREE_REQUIRE_SECRET_SERVICE=1`) where this process may keep no keys.
fn remembering_slot(profile: &str) -> Option<AccessSlot> {
    let slot = AccessSlot::new(profile);
    slot.remember(&tokens_expiring_in(600), Utc::now());
    if slot.recall(Utc::now(), ACCESS_MARGIN).is_none() {
        return skip("this process has no usable session keyring (run under `keyctl session -`)");
    }
    Some(slot)
}

fn tokens_expiring_in(seconds: i64) -> StoredTokens {
    let now = Utc::now();
    StoredTokens {
        access_token: SecretString::from(format!("access-{seconds}")),
        access_expires_at: now + chrono::Duration::seconds(seconds),
        refresh_token: SecretString::from("refresh-never-remembered"),
        exchanged_at: now,
        refresh_deadline: now + chrono::Duration::days(7),
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn remembered(world: &World) -> Option<StoredTokens> {
    vault::remembered_access(
        VaultChoice::Auto,
        &world.data_dir(),
        &world.profile,
        Utc::now(),
        ACCESS_MARGIN,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_run_on_the_remembered_token_with_no_secret_service() {
    let Some(world) = World::logged_in("reads").await else {
        return;
    };
    let saved = world.saved();
    let kept = remembered(&world).expect("the login's token was remembered");
    assert_eq!(
        kept.access_token.expose_secret(),
        saved.access_token.expose_secret()
    );
    assert_eq!(kept.access_expires_at, saved.access_expires_at);
    assert_eq!(kept.refresh_deadline, saved.refresh_deadline);
    assert_eq!(
        kept.refresh_token.expose_secret(),
        "",
        "never the refresh token"
    );

    let refreshes = world.sim.stats().grants("refresh_token");
    for args in [
        &["quote", "AAPL", "MSFT"][..],
        &["positions", "--json"][..],
        &["orders", "--json"][..],
    ] {
        let output = world.palmtree(false, args);
        assert!(output.status.success(), "{args:?}:\n{}", text(&output));
    }
    let quote = world.palmtree(false, &["quote", "AAPL"]);
    assert!(String::from_utf8_lossy(&quote.stdout).contains("AAPL"));
    assert_eq!(world.sim.stats().grants("refresh_token"), refreshes);

    // Forgotten, the token is read from the keychain again, and remembered again.
    let lock = world.palmtree(false, &["lock"]);
    assert!(lock.status.success(), "{}", text(&lock));
    assert!(
        text(&lock).contains("The remembered access token was forgotten"),
        "{}",
        text(&lock)
    );
    assert!(remembered(&world).is_none());
    let with_bus = world.palmtree(true, &["quote", "AAPL"]);
    assert!(with_bus.status.success(), "{}", text(&with_bus));
    assert!(remembered(&world).is_some());
    // `status` says where the copy is.
    let status = world.palmtree(true, &["status"]);
    assert!(
        text(&status).contains("a copy waits in the session keyring"),
        "{}",
        text(&status)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&world.palmtree(true, &["status", "--json"]).stdout).unwrap();
    assert_eq!(json["accessTokenRemembered"], true);

    // The control: forgotten again, the command must reach the keychain, and cannot.
    assert!(world.palmtree(false, &["lock"]).status.success());
    let without = world.palmtree(false, &["quote", "AAPL"]);
    assert!(!without.status.success(), "{}", text(&without));
    world.forget_everything();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_the_remembered_token_needs_opens_the_vault_and_remembers_the_new_token() {
    let Some(world) = World::logged_in("refresh").await else {
        return;
    };
    let before = world.saved();
    // The simulator's clock passes the token's 30 minutes; ours does not, so the request goes
    // out with the remembered token and comes back 401.
    world.sim.clock().advance(Duration::from_secs(31 * 60));
    let refreshes = world.sim.stats().grants("refresh_token");
    let output = world.palmtree(true, &["quote", "AAPL"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(world.sim.stats().grants("refresh_token"), refreshes + 1);

    let after = world.saved();
    assert_ne!(
        after.access_token.expose_secret(),
        before.access_token.expose_secret()
    );
    assert_eq!(after.refresh_deadline, before.refresh_deadline);
    let kept = remembered(&world).expect("the new token is remembered");
    assert_eq!(
        kept.access_token.expose_secret(),
        after.access_token.expose_secret()
    );
    world.forget_everything();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_with_no_secret_service_sends_no_token_request() {
    let Some(world) = World::logged_in("nobus-refresh").await else {
        return;
    };
    world.sim.clock().advance(Duration::from_secs(31 * 60));
    let refreshes = world.sim.stats().grants("refresh_token");
    let output = world.palmtree(false, &["quote", "AAPL"]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("unlock it and try again"),
        "says why: {}",
        text(&output)
    );
    assert_eq!(world.sim.stats().grants("refresh_token"), refreshes);
    // The refresh looked for the Secret Service only: the keychain in use is still it.
    let store = vault::remembered_store_path(&world.data_dir());
    assert_eq!(
        std::fs::read_to_string(store).unwrap().trim(),
        "secret-service"
    );
    world.forget_everything();
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_another_profile_and_the_file_vault_never_use_it() {
    let Some(world) = World::logged_in("logout").await else {
        return;
    };
    assert!(remembered(&world).is_some());

    // The token is looked for before the vault opens, so had these found ours, they would
    // have succeeded.
    let other = world.palmtree_as("someone-else", true, &["quote", "AAPL"]);
    assert!(!other.status.success(), "{}", text(&other));
    assert!(text(&other).contains("not logged in"), "{}", text(&other));
    let file = world.palmtree(true, &["--vault", "file", "quote", "AAPL"]);
    assert!(!file.status.success(), "{}", text(&file));
    assert!(text(&file).contains("not logged in"), "{}", text(&file));

    let logout = world.palmtree(true, &["logout"]);
    assert!(logout.status.success(), "{}", text(&logout));
    assert!(world.slot().recall(Utc::now(), ACCESS_MARGIN).is_none());
    let after = world.palmtree(false, &["quote", "AAPL"]);
    assert!(!after.status.success(), "{}", text(&after));
    world.forget_everything();
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_forgets_it_from_any_data_dir_and_with_remembering_off() {
    let Some(world) = World::logged_in("logout-elsewhere").await else {
        return;
    };
    assert!(remembered(&world).is_some());
    // The keychain's entries are the profile's, whatever the data directory, and so is the
    // copy: a logout run with another one leaves nothing for this one.
    let elsewhere = world.home.path().join("data-elsewhere");
    let logout = world.palmtree_env(true, &["logout"], &[("XDG_DATA_HOME", &elsewhere)]);
    assert!(logout.status.success(), "{}", text(&logout));
    let after = world.palmtree(true, &["quote", "AAPL"]);
    assert!(!after.status.success(), "{}", text(&after));
    world.forget_everything();

    let Some(world) = World::logged_in("logout-off").await else {
        return;
    };
    assert!(remembered(&world).is_some());
    let config = world.home.path().join("remember-off.toml");
    std::fs::write(&config, "[vault]\nremember_access_token = false\n").unwrap();
    let logout = world.palmtree_env(true, &["logout"], &[("PALMTREE_CONFIG", &config)]);
    assert!(logout.status.success(), "{}", text(&logout));
    assert!(world.slot().recall(Utc::now(), ACCESS_MARGIN).is_none());
    world.forget_everything();
}

/// Runs `args` as `nobody` with our session keyring, as a process of another user that
/// inherited it would (`sudo -u` where PAM makes no new session keyring).
fn as_nobody(args: &[&str]) -> Option<Output> {
    // SAFETY: geteuid only reads the process's effective user id.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "keyctl"])
        .args(args)
        .output()
        .ok()
}

#[test]
fn an_entry_another_user_planted_under_our_name_gets_nothing_and_is_not_used() {
    let profile = format!("planted-{}", std::process::id());
    let Some(slot) = remembering_slot(&profile) else {
        return;
    };
    slot.forget();
    // The attack needs another user in our session keyring, as `keyctl session -` (in
    // .ci/run) sets up for a child run as nobody. Elsewhere (no login session, so each user
    // falls back to a session keyring of its own) the entry cannot be planted there.
    let Some(planted) = as_nobody(&["add", "user", slot.description(), "planted", "@s"]) else {
        println!("not root, or no setpriv: another user's entry was not planted");
        return;
    };
    let id = String::from_utf8_lossy(&planted.stdout).trim().to_string();
    // Writable by us, but not searchable: we could not find it, only write into it.
    let limited = planted.status.success()
        && as_nobody(&["setperm", &id, "0x003f0025"]).is_some_and(|out| out.status.success());
    if !limited {
        let _ = as_nobody(&["invalidate", &id]);
        let why = "another user could not plant an entry in this session keyring";
        if std::env::var("PALMTREE_REQUIRE_KEYUTILS").as_deref() == Ok("1") {
            panic!("PALMTREE_REQUIRE_KEYUTILS=1 but {why}: {}", text(&planted));
        }
        println!("SKIPPED: {why} (run under `keyctl session -`, as .ci/run does)");
        return;
    }

    slot.remember(&tokens_expiring_in(600), Utc::now());
    let theirs = as_nobody(&["print", &id]).unwrap();
    assert!(
        !String::from_utf8_lossy(&theirs.stdout).contains("access-600"),
        "the planted entry received the token: {}",
        text(&theirs)
    );
    let ours = slot
        .recall(Utc::now(), ACCESS_MARGIN)
        .expect("ours is in place");
    assert_eq!(ours.access_token.expose_secret(), "access-600");
    assert!(slot.forget());

    // One planted where we would find it, well formed and good for years, is never used.
    let forged = r#"{"access_token":"forged","access_expires_at":"2099-01-01T00:00:00Z","refresh_token":"","exchanged_at":"2026-01-01T00:00:00Z","refresh_deadline":"2099-01-01T00:00:00Z"}"#;
    let found = as_nobody(&["add", "user", slot.description(), forged, "@s"]).unwrap();
    let id = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(
        as_nobody(&["setperm", &id, "0x3f3f3f3f"])
            .unwrap()
            .status
            .success()
    );
    assert!(slot.recall(Utc::now(), chrono::Duration::zero()).is_none());
    slot.forget();
    let _ = as_nobody(&["invalidate", &id]);
}

#[test]
fn a_token_about_to_expire_is_not_offered_and_an_expired_one_not_kept() {
    let Some(slot) = remembering_slot(&format!("expiry-{}", std::process::id())) else {
        return;
    };
    slot.remember(&tokens_expiring_in(30), Utc::now());
    assert!(
        slot.recall(Utc::now(), ACCESS_MARGIN).is_none(),
        "30 s left is inside the 60 s margin"
    );
    assert!(slot.recall(Utc::now(), chrono::Duration::zero()).is_some());
    slot.remember(&tokens_expiring_in(-5), Utc::now());
    assert!(slot.recall(Utc::now(), chrono::Duration::zero()).is_none());
    assert!(!slot.forget(), "an expired token is forgotten, not kept");
}

#[test]
fn only_a_secret_service_choice_looks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = format!("choice-{}", std::process::id());
    let Some(slot) = remembering_slot(&profile) else {
        return;
    };
    let look =
        |choice| vault::remembered_access(choice, dir.path(), &profile, Utc::now(), ACCESS_MARGIN);
    assert!(look(VaultChoice::File).is_none());
    assert!(look(VaultChoice::Memory).is_none());
    assert!(look(VaultChoice::Only(VaultKind::KernelKeyutils)).is_none());
    assert!(
        look(VaultChoice::Auto).is_none(),
        "no keychain remembered yet"
    );
    assert!(look(VaultChoice::Only(VaultKind::SecretService)).is_some());
    std::fs::write(vault::remembered_store_path(dir.path()), "secret-service").unwrap();
    assert!(look(VaultChoice::Auto).is_some());
    std::fs::write(vault::remembered_store_path(dir.path()), "keyutils").unwrap();
    assert!(look(VaultChoice::Auto).is_none());
    slot.forget();
}
