//! Logging in: OAuth 2 authorization code with PKCE and state, and the redirect it returns.
//!
//! The flow: fresh secrets → authorize URL → the redirect caught by the loopback listener →
//! the code exchanged at once by the Schwab client. Nothing here stores tokens.

pub mod callback;
pub mod flow;
pub mod loopback;
pub mod paste;
pub mod pkce;
pub mod redirect;

use std::time::Duration;

use crate::schwab::SchwabError;

/// Why a login attempt ended without tokens. Each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the callback {0:?} is not a valid URL; fix `callback` in the config file")]
    BadCallback(String),
    #[error("could not listen for the redirect on {0}")]
    Bind(String),
    #[error("no redirect arrived within {} s; run `palmtree login` again", .0.as_secs())]
    Timeout(Duration),
    #[error("the redirect listener stopped before a code arrived; run `palmtree login` again")]
    ListenerClosed,
    #[error(transparent)]
    Redirect(#[from] redirect::RedirectError),
    #[error("the login could not reach Schwab's authorize page: {0}")]
    Authorize(String),
    #[error("the code exchange failed: {0}")]
    Exchange(#[from] SchwabError),
    #[error("the system random source failed: {0}")]
    Random(String),
    #[error(
        "no redirected URL could be read: standard input is not a terminal and gave nothing. \
         Run `palmtree login` in a terminal, or pipe the redirected URL into `palmtree login \
         --paste`"
    )]
    NoInput,
    #[error("could not read the pasted URL: {0}")]
    Input(String),
}

/// A login under way: secrets made, listener bound, authorize URL built.
///
/// Split in two steps so the caller can show the URL (or hand it to a browser, or, in the
/// demo, register the callback with the simulator) between them.
pub struct PendingLogin {
    secrets: pkce::LoginSecrets,
    loopback: loopback::Loopback,
    authorize_url: url::Url,
}

impl PendingLogin {
    /// Binds the callback's listener and builds the authorize URL for it.
    pub async fn start(
        client: &crate::schwab::SchwabClient,
        callback: &str,
    ) -> Result<Self, LoginError> {
        let secrets =
            pkce::LoginSecrets::generate().map_err(|e| LoginError::Random(e.to_string()))?;
        let loopback = loopback::Loopback::bind(callback, secrets.state.clone()).await?;
        let authorize_url = redirect::authorize_url(
            &client.urls().oauth,
            client.app_key(),
            loopback.redirect_uri(),
            &secrets,
        );
        Ok(PendingLogin {
            secrets,
            loopback,
            authorize_url,
        })
    }

    pub fn authorize_url(&self) -> &url::Url {
        &self.authorize_url
    }

    /// The exact callback this login uses (a port of 0 in the config is replaced by the port
    /// actually bound).
    pub fn redirect_uri(&self) -> &str {
        self.loopback.redirect_uri()
    }

    /// Waits for the redirect and exchanges its code at once.
    pub async fn finish(
        self,
        client: &crate::schwab::SchwabClient,
        timeout: Duration,
    ) -> Result<crate::schwab::Tokens, LoginError> {
        let redirect_uri = self.loopback.redirect_uri().to_string();
        let code = self.loopback.wait(timeout).await?;
        use secrecy::ExposeSecret;
        let tokens = client
            .exchange_code(
                code.0.expose_secret(),
                &redirect_uri,
                Some(self.secrets.verifier()),
            )
            .await?;
        Ok(tokens)
    }
}
