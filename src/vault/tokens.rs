//! The typed values kept in the vault: the OAuth token set and the app key/secret pair.
//!
//! Each is stored as one JSON entry so it is written all at once. Secrets are `SecretString`
//! and every `Debug` here is written by hand to print `[redacted]`.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::error::VaultError;

/// What a successful login or refresh leaves behind.
///
/// Schwab's access token lives 30 minutes and its refresh token 7 days from the code
/// exchange; a refresh does not extend that deadline, so `exchanged_at` and
/// `refresh_deadline` are kept from the login and carried through every refresh.
#[derive(Clone, Deserialize)]
pub struct StoredTokens {
    pub access_token: SecretString,
    /// RFC 3339 in the JSON.
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: SecretString,
    /// When the authorization code was exchanged (the start of the 7 days).
    pub exchanged_at: DateTime<Utc>,
    /// After this instant the refresh token is refused and only a new login helps.
    pub refresh_deadline: DateTime<Utc>,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("access_token", &"[redacted]")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"[redacted]")
            .field("exchanged_at", &self.exchanged_at)
            .field("refresh_deadline", &self.refresh_deadline)
            .finish()
    }
}

/// Written by hand because `SecretString` deliberately has no `Serialize`: this is the one
/// place the tokens are exposed for storage.
impl Serialize for StoredTokens {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("StoredTokens", 5)?;
        s.serialize_field("access_token", self.access_token.expose_secret())?;
        s.serialize_field("access_expires_at", &self.access_expires_at)?;
        s.serialize_field("refresh_token", self.refresh_token.expose_secret())?;
        s.serialize_field("exchanged_at", &self.exchanged_at)?;
        s.serialize_field("refresh_deadline", &self.refresh_deadline)?;
        s.end()
    }
}

impl StoredTokens {
    /// The JSON stored in the vault entry, itself wrapped as a secret.
    pub fn to_json(&self) -> Result<SecretString, VaultError> {
        serde_json::to_string(self)
            .map(SecretString::from)
            .map_err(|err| bad_value(super::names::TOKENS, &err, TOKENS_REMEDY))
    }

    /// Parses the stored JSON. Parser messages are reduced to category and position, since
    /// serde_json quotes the offending input and that input is a token.
    pub fn from_json(json: &str) -> Result<StoredTokens, VaultError> {
        serde_json::from_str(json)
            .map_err(|err| bad_value(super::names::TOKENS, &err, TOKENS_REMEDY))
    }

    /// Whether the access token is still good `margin` from `now`.
    pub fn access_valid(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        now + margin < self.access_expires_at
    }

    /// Whether the refresh token may still be used at `now`.
    pub fn refresh_valid(&self, now: DateTime<Utc>) -> bool {
        now < self.refresh_deadline
    }
}

const TOKENS_REMEDY: &str = "Run `palmtree login` to store a fresh login";
const APP_REMEDY: &str = "Run `palmtree login` to enter the app key and secret again";

/// A `BadValue` error that names the parser's complaint without quoting the input.
pub(crate) fn bad_value(name: &str, err: &serde_json::Error, remedy: &'static str) -> VaultError {
    VaultError::BadValue {
        name: name.to_owned(),
        reason: format!(
            "{:?} error at line {}, column {}",
            err.classify(),
            err.line(),
            err.column()
        ),
        remedy,
    }
}

/// The app key and secret as one entry, so a half-written pair cannot exist.
#[derive(Deserialize)]
pub(crate) struct AppCredentials {
    pub app_key: String,
    pub app_secret: SecretString,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_key", &"[redacted]")
            .field("app_secret", &"[redacted]")
            .finish()
    }
}

impl AppCredentials {
    pub fn to_json(app_key: &str, app_secret: &SecretString) -> Result<SecretString, VaultError> {
        #[derive(Serialize)]
        struct Wire<'a> {
            app_key: &'a str,
            app_secret: &'a str,
        }
        let wire = Wire {
            app_key,
            app_secret: app_secret.expose_secret(),
        };
        serde_json::to_string(&wire)
            .map(SecretString::from)
            .map_err(|err| bad_value(super::names::APP_CREDENTIALS, &err, APP_REMEDY))
    }

    pub fn from_json(name: &str, json: &str) -> Result<AppCredentials, VaultError> {
        serde_json::from_str(json).map_err(|err| bad_value(name, &err, APP_REMEDY))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone;

    use super::*;

    fn sample() -> StoredTokens {
        StoredTokens {
            access_token: SecretString::from("I0.access-abc"),
            access_expires_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 30, 0).unwrap(),
            refresh_token: SecretString::from("refresh-xyz@"),
            exchanged_at: Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap(),
            refresh_deadline: Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap(),
        }
    }

    #[test]
    fn json_round_trip_with_rfc3339_times() {
        let json = sample().to_json().unwrap();
        assert_eq!(
            json.expose_secret(),
            "{\"access_token\":\"I0.access-abc\",\"access_expires_at\":\"2026-12-03T18:30:00Z\",\
             \"refresh_token\":\"refresh-xyz@\",\"exchanged_at\":\"2026-12-03T18:00:00Z\",\
             \"refresh_deadline\":\"2026-12-10T18:00:00Z\"}"
        );
        let back = StoredTokens::from_json(json.expose_secret()).unwrap();
        assert_eq!(back.access_token.expose_secret(), "I0.access-abc");
        assert_eq!(back.refresh_token.expose_secret(), "refresh-xyz@");
        assert_eq!(back.refresh_deadline, sample().refresh_deadline);
    }

    #[test]
    fn debug_is_redacted() {
        let text = format!("{:?}", sample());
        assert!(
            !text.contains("access-abc") && !text.contains("xyz"),
            "{text}"
        );
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        let err = StoredTokens::from_json("{\"access_token\": 5, \"secret\": \"hunter2\"}")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = AppCredentials::from_json("app_credentials", "{\"app_key\": [\"hunter2\"]}")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn validity_windows() {
        let tokens = sample();
        let login = tokens.exchanged_at;
        assert!(tokens.access_valid(login, chrono::Duration::seconds(60)));
        assert!(!tokens.access_valid(
            tokens.access_expires_at - chrono::Duration::seconds(30),
            chrono::Duration::seconds(60)
        ));
        assert!(tokens.refresh_valid(login));
        assert!(!tokens.refresh_valid(tokens.refresh_deadline));
    }
}
