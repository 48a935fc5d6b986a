//! `palmtree login`, `logout` and `status`: the login lifecycle as commands.
//!
//! Only these commands ask for the app key and secret (with no echo), and none prints a
//! secret: `status` shows where secrets live and when they expire, never what they are.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::auth::{LoginError, callback, flow, paste};
use crate::clock::Clock;
use crate::config::Config;
use crate::schwab::{AppCredentials, Tokens};
use crate::session::{self, Records};
use crate::store::JournalKind;
use crate::vault::Vault;

/// How many fresh URLs a terminal login offers after an expired or invalid code.
const ATTEMPTS: usize = 3;

/// Options of `palmtree login`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoginOptions {
    pub paste: bool,
    pub new_app_key: bool,
}

/// Runs a login and saves its tokens; `out` receives everything the user must read.
pub async fn login(
    config: &Config,
    vault: &Vault,
    data_dir: &Path,
    options: LoginOptions,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Tokens> {
    let app = credentials(vault, options.new_app_key, out)?;
    for warning in callback::lint(&config.api.callback) {
        let _ = writeln!(out, "warning: {}", warning.0);
    }
    let client = session::client(config, app.clone(), Clock::system())?;
    let records = Records::open(vault, data_dir).ok();
    let result = run_paths(config, &client, options, out).await;
    let tokens = match result {
        Ok(tokens) => tokens,
        Err(error) => {
            if let Some(records) = &records {
                let _ = records.record(
                    JournalKind::LoginFailed,
                    &json!({"reason": error.to_string()}),
                );
            }
            return Err(error.into());
        }
    };
    vault
        .save_tokens(&session::to_stored(&tokens))
        .context("logged in, but the tokens could not be saved")?;
    if options.new_app_key {
        vault.promote_pending_app_credentials()?;
        let _ = writeln!(
            out,
            "The new app key replaced the old one, which was removed."
        );
    } else if vault.app_credentials()?.is_none() {
        vault.save_app_credentials(&app.key, &app.secret)?;
    }
    if let Some(records) = &records {
        let details = json!({
            "new_app_key": options.new_app_key,
            "refresh_deadline": tokens.refresh_deadline.to_rfc3339(),
        });
        if let Err(e) = records.record(JournalKind::Login, &details) {
            tracing::warn!(error = %e, "the login could not be journaled");
        }
    }
    let _ = writeln!(
        out,
        "Logged in. Log in again before {} ({}); the secrets are in {}.",
        tokens.refresh_deadline.format("%Y-%m-%d %H:%M UTC"),
        left(tokens.refresh_deadline - Utc::now()),
        vault.describe()
    );
    Ok(tokens)
}

/// Picks the listener or the paste path and offers fresh URLs after a rejected code.
async fn run_paths(
    config: &Config,
    client: &crate::schwab::SchwabClient,
    options: LoginOptions,
    out: &mut (dyn Write + Send),
) -> Result<Tokens, LoginError> {
    let callback = config.api.callback.as_str();
    let stdin_terminal = std::io::stdin().is_terminal();
    let mut reason = paste::paste_reason(options.paste, |name| std::env::var(name).ok());
    let mut input = tokio::io::BufReader::new(tokio::io::stdin());
    for attempt in 1..=ATTEMPTS {
        let result = match reason {
            None => {
                let browser =
                    |url: &url::Url| webbrowser::open(url.as_str()).map_err(|e| e.to_string());
                match flow::with_listener(client, callback, &browser, out, flow::LISTENER_TIMEOUT)
                    .await
                {
                    Err(LoginError::Bind(why)) => {
                        let _ = writeln!(out, "Cannot listen on the callback ({why}).");
                        reason = Some("the callback cannot be listened on");
                        continue;
                    }
                    other => other,
                }
            }
            Some(why) => {
                let _ = writeln!(out, "Using the paste path: {why}.");
                flow::with_paste(client, callback, &mut input, stdin_terminal, out).await
            }
        };
        match result {
            Err(error) if flow::code_rejected(&error) && attempt < ATTEMPTS && stdin_terminal => {
                let _ = writeln!(
                    out,
                    "The code was expired or invalid (codes last about 30 seconds and work \
                     once). Here is a fresh URL."
                );
            }
            Err(error) if flow::code_rejected(&error) => {
                return Err(LoginError::Exchange(crate::schwab::SchwabError::OAuth(
                    format!(
                        "the code was expired or invalid; run `palmtree login` again for a fresh \
                     URL ({error})"
                    ),
                )));
            }
            other => return other,
        }
    }
    Err(LoginError::ListenerClosed)
}

/// The app key and secret: stored, from the environment, or asked once with no echo.
fn credentials(
    vault: &Vault,
    new_key: bool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<AppCredentials> {
    if !new_key && let Some(app) = session::app_credentials(vault)? {
        return Ok(app);
    }
    let app = match session::env_credentials() {
        Some(app) => app,
        None => {
            let _ = writeln!(
                out,
                "Enter the app key and secret from the Schwab developer portal (they are not \
                 shown as you type, and are kept in {}).",
                vault.describe()
            );
            let key = rpassword::prompt_password("App key: ")
                .context("cannot ask for the app key: run in a terminal or set SCHWAB_API_KEY")?;
            let secret = rpassword::prompt_password("App secret: ").context(
                "cannot ask for the app secret: run in a terminal or set SCHWAB_API_SECRET",
            )?;
            anyhow::ensure!(
                !key.trim().is_empty() && !secret.is_empty(),
                "the app key and secret must not be empty"
            );
            AppCredentials::new(key.trim(), secret)
        }
    };
    if new_key {
        vault.save_pending_app_credentials(&app.key, &app.secret)?;
        let _ = writeln!(
            out,
            "The new app key is kept aside until a login with it succeeds."
        );
    }
    Ok(app)
}

/// Deletes the profile's tokens and cached account data.
pub fn logout(vault: &Vault, data_dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    vault.forget_remembered();
    let had = vault.load_tokens()?.is_some();
    vault.delete_tokens()?;
    if let Ok(records) = Records::open(vault, data_dir) {
        let _ = records.store.clear_cache();
        let _ = records.record(JournalKind::Logout, &json!({"had_tokens": had}));
    }
    let _ = writeln!(
        out,
        "{} Schwab documents no way to revoke a token, so the tokens were deleted from {} \
         only; to cut the app off at Schwab, remove its access in Schwab's portal.",
        if had {
            "Logged out."
        } else {
            "Was not logged in."
        },
        vault.describe()
    );
    Ok(())
}

/// What `palmtree status` reports.
pub struct Status {
    pub profile: String,
    pub store: String,
    pub app_key_stored: bool,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_deadline: Option<DateTime<Utc>>,
    /// Whether a copy of the access token waits in the session keyring (see
    /// `vault::AccessSlot`), so the user knows every place it is.
    pub access_remembered: bool,
    pub callback: String,
}

impl Status {
    pub fn read(vault: &Vault, config: &Config) -> anyhow::Result<Self> {
        let tokens = vault.load_tokens()?;
        Ok(Status {
            profile: vault.profile().to_string(),
            store: vault.describe(),
            app_key_stored: session::app_credentials(vault)?.is_some(),
            access_expires_at: tokens.as_ref().map(|t| t.access_expires_at),
            refresh_deadline: tokens.as_ref().map(|t| t.refresh_deadline),
            access_remembered: vault.access_remembered(),
            callback: config.api.callback.clone(),
        })
    }

    pub fn logged_in(&self, now: DateTime<Utc>) -> bool {
        self.refresh_deadline.is_some_and(|deadline| deadline > now)
    }

    pub fn to_json(&self, now: DateTime<Utc>) -> serde_json::Value {
        json!({
            "profile": self.profile,
            "loggedIn": self.logged_in(now),
            "store": self.store,
            "appKeyStored": self.app_key_stored,
            "accessTokenExpires": self.access_expires_at.map(|t| t.to_rfc3339()),
            "refreshDeadline": self.refresh_deadline.map(|t| t.to_rfc3339()),
            "accessTokenRemembered": self.access_remembered,
            "secondsToRelogin": self.refresh_deadline.map(|t| (t - now).num_seconds().max(0)),
            "callback": self.callback,
        })
    }

    pub fn to_text(&self, now: DateTime<Utc>) -> String {
        let when = |t: DateTime<Utc>| {
            let delta = t - now;
            if delta <= TimeDelta::zero() {
                format!("{} (passed)", t.format("%Y-%m-%d %H:%M:%S UTC"))
            } else {
                format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S UTC"), left(delta))
            }
        };
        let mut text = format!("profile:           {}\n", self.profile);
        let state = if self.logged_in(now) {
            "yes"
        } else {
            "no: run `palmtree login`"
        };
        text.push_str(&format!("logged in:         {state}\n"));
        text.push_str(&format!("secrets kept in:   {}\n", self.store));
        let key = if self.app_key_stored {
            "stored"
        } else {
            "not stored"
        };
        text.push_str(&format!("app key:           {key}\n"));
        if let Some(at) = self.access_expires_at {
            text.push_str(&format!("access token:      valid until {}\n", when(at)));
        }
        if self.access_remembered {
            text.push_str(
                "                   a copy waits in the session keyring until then, for \
                 quick reads; `palmtree lock` forgets it\n",
            );
        }
        if let Some(deadline) = self.refresh_deadline {
            text.push_str(&format!("log in again by:   {}\n", when(deadline)));
            if deadline > now && deadline - now < TimeDelta::hours(24) {
                text.push_str(
                    "warning:           less than 24 hours before a new login is needed\n",
                );
            }
        }
        text.push_str(&format!("callback:          {}\n", self.callback));
        text
    }
}

/// A duration as "in 6 d 23 h", "in 4 h 10 min", "in 12 min".
pub fn left(delta: TimeDelta) -> String {
    let minutes = delta.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    if days > 0 {
        format!("in {days} d {hours} h")
    } else if hours > 0 {
        format!("in {hours} h {mins} min")
    } else {
        format!("in {mins} min")
    }
}
