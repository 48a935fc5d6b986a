//! The authorize URL palmtree sends the user to, and the redirect URL Schwab sends back.
//!
//! Both the loopback listener and the paste path read the redirect here, so the rules are the
//! same: the state must match, and the code is percent-decoded exactly once (it ends in `@`).

use secrecy::SecretString;
use url::Url;

use super::pkce::LoginSecrets;

/// The authorize URL: the callback exactly as configured, `response_type=code`, the state and
/// the S256 challenge.
pub fn authorize_url(
    oauth_base: &Url,
    app_key: &str,
    callback: &str,
    secrets: &LoginSecrets,
) -> Url {
    let mut url = crate::schwab::ApiUrls::join(oauth_base, &["authorize"]);
    url.query_pairs_mut()
        .append_pair("client_id", app_key)
        .append_pair("redirect_uri", callback)
        .append_pair("response_type", "code")
        .append_pair("state", &secrets.state)
        .append_pair("code_challenge", &secrets.challenge)
        .append_pair("code_challenge_method", "S256");
    url
}

/// Why a redirect URL gave no usable code. Each message names the likely cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    #[error("that is not a URL; copy the whole address from the browser's address bar")]
    NotAUrl,
    #[error(
        "that URL is on {found}, not on the callback {expected}: the callback registered for \
         the app and the one palmtree uses differ, or this is Schwab's own login page"
    )]
    WrongPlace { found: String, expected: String },
    #[error(
        "the URL carries no code: this looks like Schwab's login page rather than the page it \
         redirected to, or the app is not yet \"Ready For Use\" in the developer portal"
    )]
    NoCode,
    #[error(
        "the state in the URL does not match this login attempt: it is from an older attempt \
         or was not started by palmtree; start again with a fresh URL"
    )]
    StateMismatch,
    #[error("Schwab refused the login in the redirect: {0}")]
    Refused(String),
}

/// The code carried by a redirect, percent-decoded.
pub struct AuthCode(pub SecretString);

impl std::fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCode([redacted])")
    }
}

/// Reads a redirect URL (pasted, or rebuilt from the listener's request line).
///
/// Surrounding spaces and quotes are stripped. The URL must be on the callback's scheme, host,
/// port and path; Schwab adds a `/` before the `?`, so a path of `/` matches a callback with
/// no path.
pub fn parse_redirect(text: &str, callback: &str, state: &str) -> Result<AuthCode, RedirectError> {
    let trimmed = text
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '<' || c == '>');
    let url = Url::parse(trimmed.trim()).map_err(|_| RedirectError::NotAUrl)?;
    let expected = Url::parse(callback).map_err(|_| RedirectError::NotAUrl)?;
    if !same_place(&url, &expected) {
        return Err(RedirectError::WrongPlace {
            found: place(&url),
            expected: place(&expected),
        });
    }
    let mut code = None;
    let mut returned_state = None;
    let mut error = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => returned_state = Some(value.into_owned()),
            "error" | "error_description" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    if let Some(error) = error
        && code.is_none()
    {
        return Err(RedirectError::Refused(crate::sanitize::clean(&error, 120)));
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or(RedirectError::NoCode)?;
    if returned_state.as_deref() != Some(state) {
        return Err(RedirectError::StateMismatch);
    }
    Ok(AuthCode(SecretString::from(code)))
}

fn same_place(url: &Url, expected: &Url) -> bool {
    let path = |u: &Url| u.path().trim_end_matches('/').to_string();
    url.scheme() == expected.scheme()
        && url.host_str() == expected.host_str()
        && url.port_or_known_default() == expected.port_or_known_default()
        && path(url) == path(expected)
}

fn place(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    crate::sanitize::clean(&shown, 120)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use secrecy::ExposeSecret;

    use super::*;

    const CALLBACK: &str = "https://127.0.0.1:8182";

    #[test]
    fn code_is_decoded_once_and_state_checked() {
        let pasted = "  \"https://127.0.0.1:8182/?code=C0.abc.def%40&session=s-1&state=xyz\" ";
        let code = parse_redirect(pasted, CALLBACK, "xyz").unwrap();
        assert_eq!(code.0.expose_secret(), "C0.abc.def@");
        let twice = "https://127.0.0.1:8182/?code=C0.abc.def%2540&state=xyz";
        let code = parse_redirect(twice, CALLBACK, "xyz").unwrap();
        assert_eq!(
            code.0.expose_secret(),
            "C0.abc.def%40",
            "decoded exactly once"
        );
        assert_eq!(
            parse_redirect(pasted, CALLBACK, "other").unwrap_err(),
            RedirectError::StateMismatch
        );
    }

    #[test]
    fn wrong_place_and_missing_code_name_the_cause() {
        let login_page = "https://api.schwabapi.com/v1/oauth/authorize?client_id=K";
        assert!(matches!(
            parse_redirect(login_page, CALLBACK, "s").unwrap_err(),
            RedirectError::WrongPlace { .. }
        ));
        let other_port = "https://127.0.0.1:9999/?code=C0.a%40&state=s";
        assert!(matches!(
            parse_redirect(other_port, CALLBACK, "s").unwrap_err(),
            RedirectError::WrongPlace { .. }
        ));
        let no_code = "https://127.0.0.1:8182/?session=abc";
        assert_eq!(
            parse_redirect(no_code, CALLBACK, "s").unwrap_err(),
            RedirectError::NoCode
        );
        assert_eq!(
            parse_redirect("hello", CALLBACK, "s").unwrap_err(),
            RedirectError::NotAUrl
        );
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let secrets = LoginSecrets::generate().unwrap();
        let base = Url::parse("https://api.schwabapi.com/v1/oauth").unwrap();
        let url = authorize_url(&base, "KEY", "https://127.0.0.1:8182/cb/", &secrets);
        assert_eq!(url.path(), "/v1/oauth/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("redirect_uri"),
            Some("https://127.0.0.1:8182/cb/"),
            "byte for byte"
        );
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some(secrets.state.as_str()));
        assert_eq!(get("code_challenge"), Some(secrets.challenge.as_str()));
    }
}
