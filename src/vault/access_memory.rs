//! The current access token, remembered in the kernel's session keyring until it expires, so
//! that a script's `palmtree quote` reads it there instead of opening the Secret Service.
//!
//! Opening the Secret Service costs a D-Bus connection and a Diffie-Hellman key exchange
//! (about 5 ms, as much as the whole quote request), and scripts run palmtree often. The
//! access token lives 30 minutes and is sent with every request anyway; the refresh token and
//! the app secret, which outlive it, are never copied here and stay in the keychain alone.
//!
//! The copy is readable only by the same user (see [`session_keyring`]), the kernel drops it
//! when the token expires, and every change of the tokens in the vault (a login, a refresh, a
//! logout) replaces or forgets it; `palmtree lock` forgets it at once. Where the kernel keeps
//! no keys for this process, nothing is remembered and every command opens the keychain as
//! before.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::session_keyring;
use super::tokens::StoredTokens;

/// Where one profile's access token is remembered.
///
/// Named, like the keychain's own entries, by the profile alone: whatever data directory a
/// logout runs with, it forgets the copy every other one would find. The name is a hash of the
/// profile, so it does not give the profile away.
#[derive(Clone, Debug)]
pub struct AccessSlot {
    description: String,
}

impl AccessSlot {
    pub fn new(profile: &str) -> AccessSlot {
        let mut hash = Sha256::new();
        hash.update(b"palmtree access token v1\0");
        hash.update(super::SERVICE.as_bytes());
        hash.update(b"\0");
        hash.update(profile.as_bytes());
        AccessSlot {
            description: session_keyring::entry_name("access-token", hash),
        }
    }

    /// The name in the session keyring, for tests and `keyctl`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Remembers `tokens`' access token until it expires, without the refresh token. An
    /// expired token is not remembered, and whatever was remembered before is forgotten.
    pub fn remember(&self, tokens: &StoredTokens, now: DateTime<Utc>) {
        let Ok(life) = (tokens.access_expires_at - now).to_std() else {
            self.forget();
            return;
        };
        if life.is_zero() {
            self.forget();
            return;
        }
        let copy = StoredTokens {
            refresh_token: SecretString::from(String::new()),
            ..tokens.clone()
        };
        match copy.to_json() {
            Ok(json) => {
                session_keyring::remember(&self.description, json.expose_secret().as_bytes(), life)
            }
            Err(_) => {
                self.forget();
            }
        }
    }

    /// The remembered tokens, with an empty refresh token, if the access token is still good
    /// `margin` after `now`.
    pub fn recall(&self, now: DateTime<Utc>, margin: chrono::Duration) -> Option<StoredTokens> {
        let bytes = session_keyring::recall(&self.description)?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let tokens = StoredTokens::from_json(text).ok()?;
        let only_access = tokens.refresh_token.expose_secret().is_empty();
        (only_access && tokens.access_valid(now, margin)).then_some(tokens)
    }

    /// Forgets the token remembered here; whether there was one.
    pub fn forget(&self) -> bool {
        session_keyring::forget(&self.description)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_has_its_own_slot_not_named_by_it() {
        let a = AccessSlot::new("default");
        let b = AccessSlot::new("work");
        for x in [a.description(), b.description()] {
            assert!(x.starts_with("palmtree:access-token:"), "{x}");
            assert!(!x.contains("default") && !x.contains("work"), "{x}");
        }
        assert_ne!(a.description(), b.description());
        assert_eq!(a.description(), AccessSlot::new("default").description());
    }
}
