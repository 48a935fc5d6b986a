//! Checks on the configured callback URL that catch the usual reasons a Schwab login fails.
//!
//! Schwab matches the callback byte for byte against the one registered for the app, so
//! palmtree never rewrites it: it only warns, and sends what the user configured.

use url::Url;

/// One thing about the callback that is likely to break the login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackWarning(pub String);

/// The warnings for `callback`, in the order a user should read them.
pub fn lint(callback: &str) -> Vec<CallbackWarning> {
    let mut warnings = Vec::new();
    let mut warn = |text: &str| warnings.push(CallbackWarning(text.to_string()));
    let Some((scheme, rest)) = callback.split_once("://") else {
        warn("the callback is not a URL such as https://127.0.0.1:8182");
        return warnings;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    if scheme.chars().any(|c| c.is_ascii_uppercase()) {
        warn("the scheme has upper-case letters; Schwab compares the callback exactly");
    }
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        warn("the host has upper-case letters; Schwab compares the callback exactly");
    }
    if scheme.eq_ignore_ascii_case("http") {
        warn("the callback uses http; Schwab only accepts https callbacks");
    }
    if host.eq_ignore_ascii_case("localhost") {
        warn("the callback uses localhost; Schwab refuses it, register https://127.0.0.1 instead");
    }
    if callback.ends_with('/') {
        warn(
            "the callback ends with a slash; unless the app's registered callback has the same \
             slash, Schwab rejects the login",
        );
    }
    if Url::parse(callback).is_err() {
        warn("the callback is not a valid URL");
    }
    // Read the port from the text: `Url` hides a port equal to the scheme's default.
    let port = authority
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok());
    match port {
        Some(port) if port < 1024 => warn(
            "the callback's port is below 1024, which a normal user cannot listen on; the \
             login will fall back to pasting the redirected URL",
        ),
        None => warn(
            "the callback has no port, so the browser goes to port 443, which a normal user \
             cannot listen on; the login will fall back to pasting the redirected URL",
        ),
        _ => {}
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(callback: &str) -> Vec<String> {
        lint(callback).into_iter().map(|w| w.0).collect()
    }

    #[test]
    fn a_good_callback_has_no_warnings() {
        assert!(lint("https://127.0.0.1:8182").is_empty());
        assert!(lint("https://127.0.0.1:8182/callback").is_empty());
    }

    #[test]
    fn each_mistake_is_named() {
        assert!(texts("HTTPS://127.0.0.1:8182")[0].contains("scheme has upper-case"));
        assert!(
            texts("https://LOCALHOST:8182")
                .iter()
                .any(|t| t.contains("host has upper"))
        );
        assert!(texts("https://localhost:8182")[0].contains("localhost"));
        assert!(texts("http://127.0.0.1:8182")[0].contains("only accepts https"));
        assert!(texts("https://127.0.0.1:8182/")[0].contains("ends with a slash"));
        assert!(texts("https://127.0.0.1:443")[0].contains("below 1024"));
        assert!(texts("https://127.0.0.1")[0].contains("no port"));
        assert!(texts("127.0.0.1:8182")[0].contains("not a URL"));
    }
}
