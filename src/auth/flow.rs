//! The two ways a login gets its code: the loopback listener (a desktop) and the pasted
//! redirect URL (SSH, no display, or a callback palmtree cannot listen on).
//!
//! Both print the authorize URL and the exact callback first, and exchange the code at once.
//! Messages go to the writer given, never to a log: the URL carries the app key.

use std::io::Write;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::io::AsyncBufRead;
use url::Url;

use super::paste::read_pasted;
use super::pkce::LoginSecrets;
use super::redirect::{authorize_url, parse_redirect};
use super::{LoginError, PendingLogin};
use crate::schwab::{SchwabClient, SchwabError, Tokens};

/// How long the listener waits for the browser by default.
pub const LISTENER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How long a pasted URL is waited for from a terminal.
pub const PASTE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How long piped input is waited for before giving up.
pub const PIPED_TIMEOUT: Duration = Duration::from_secs(3);

/// Logs in through the loopback listener on `callback`; `open_browser` shows the URL to the
/// user's browser (and may fail, in which case the user opens it by hand).
pub async fn with_listener(
    client: &SchwabClient,
    callback: &str,
    open_browser: &(dyn Fn(&Url) -> Result<(), String> + Sync),
    out: &mut (dyn Write + Send),
    timeout: Duration,
) -> Result<Tokens, LoginError> {
    let pending = PendingLogin::start(client, callback).await?;
    let https = pending.redirect_uri().starts_with("https:");
    let _ = writeln!(
        out,
        "Log in to Schwab at this URL:\n\n  {}\n\nThe callback is {}\n(it must match the \
         callback registered for the app, byte for byte).",
        pending.authorize_url(),
        pending.redirect_uri()
    );
    if https {
        let _ = writeln!(
            out,
            "palmtree listens there over HTTPS with a certificate it made a moment ago, so the \
             browser will warn once that the page is not trusted. That is expected: continue \
             to the page to finish. If the browser cannot reach this machine, copy the address \
             it lands on and run `palmtree login --paste`."
        );
    }
    if let Err(why) = open_browser(pending.authorize_url()) {
        let _ = writeln!(
            out,
            "Could not open a browser ({why}); open the URL yourself."
        );
    }
    let _ = writeln!(
        out,
        "Waiting up to {} minutes for the browser…",
        timeout.as_secs() / 60
    );
    pending.finish(client, timeout).await
}

/// Logs in by reading the redirected URL the user pastes.
pub async fn with_paste<R: AsyncBufRead + Unpin>(
    client: &SchwabClient,
    callback: &str,
    input: &mut R,
    is_terminal: bool,
    out: &mut (dyn Write + Send),
) -> Result<Tokens, LoginError> {
    let secrets = LoginSecrets::generate().map_err(|e| LoginError::Random(e.to_string()))?;
    let url = authorize_url(&client.urls().oauth, client.app_key(), callback, &secrets);
    let _ = writeln!(
        out,
        "Open this URL in a browser on any machine and log in to Schwab:\n\n  {url}\n\nThe \
         callback is {callback}\n(it must match the callback registered for the app, byte for \
         byte). The browser then lands on a page that may not load, or may warn about its \
         certificate; that is expected. Copy the whole address from its address bar, paste it \
         here and press Enter (the code in it expires in about 30 seconds):"
    );
    let _ = out.flush();
    let pasted = read_pasted(input, is_terminal, PASTE_TIMEOUT, PIPED_TIMEOUT).await?;
    let code = parse_redirect(&pasted, callback, &secrets.state)?;
    let tokens = client
        .exchange_code(code.0.expose_secret(), callback, Some(secrets.verifier()))
        .await?;
    Ok(tokens)
}

/// Whether a failed exchange means the code was expired or invalid, so a fresh URL helps.
pub fn code_rejected(error: &LoginError) -> bool {
    matches!(error, LoginError::Exchange(SchwabError::OAuth(reason)) if reason.contains("invalid_grant"))
}
