//! Wire types of the OAuth token endpoint: the token response and its error bodies.
//!
//! Token strings are wrapped in `SecretString` as soon as they are parsed, so no `Debug`,
//! log line or panic message can print them.

use secrecy::SecretString;
use serde::Deserialize;

/// The body of a successful `POST /v1/oauth/token`, for both grant types.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: SecretString,
    /// Sent on both the code exchange and a refresh; whether a refresh rotates it is not
    /// documented, so whatever comes back is saved.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Seconds; Schwab sends 1800.
    pub expires_in: i64,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub id_token: Option<SecretString>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// An error body from the token endpoint.
///
/// Schwab wraps the real reason: the outer `error` says `unsupported_token_type` while the
/// true error (`invalid_grant`, `refresh_token_authentication_error`, …) sits as escaped JSON
/// inside `error_description`. Decisions are made on the whole text, never on the outer code.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OAuthErrorBody {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthErrorBody {
    /// Whether this body says the refresh token is invalid, expired or revoked, in any of the
    /// forms Schwab has been seen to use.
    pub fn refresh_token_rejected(&self) -> bool {
        let text = self.full_text().to_ascii_lowercase();
        [
            "invalid_grant",
            "refresh_token_authentication_error",
            "invalid_client",
            "refresh token",
        ]
        .iter()
        .any(|needle| text.contains(needle))
    }

    /// The inner error code when the description embeds one, else the outer code.
    pub fn inner_error(&self) -> Option<String> {
        let description = self.error_description.as_deref().unwrap_or_default();
        let marker = "\\\"error\\\":\\\"";
        let plain = "\"error\":\"";
        let (start, skip) = match description.find(marker) {
            Some(i) => (i, marker.len()),
            None => match description.find(plain) {
                Some(i) => (i, plain.len()),
                None => return self.error.clone(),
            },
        };
        let rest = &description[start + skip..];
        let end = rest.find(['\\', '"']).unwrap_or(rest.len());
        Some(rest[..end].to_string())
    }

    /// The inner description when one is embedded, else the outer description.
    pub fn inner_description(&self) -> Option<String> {
        let description = self.error_description.as_deref()?;
        for marker in ["\\\"error_description\\\":\\\"", "\"error_description\":\""] {
            if let Some(i) = description.find(marker) {
                let rest = &description[i + marker.len()..];
                let end = rest.find(['\\', '"']).unwrap_or(rest.len());
                return Some(rest[..end].to_string());
            }
        }
        Some(description.to_string())
    }

    fn full_text(&self) -> String {
        format!(
            "{} {}",
            self.error.as_deref().unwrap_or_default(),
            self.error_description.as_deref().unwrap_or_default()
        )
    }
}
