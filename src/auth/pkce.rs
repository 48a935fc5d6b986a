//! PKCE (RFC 7636, S256) and the `state` value: the random secrets of one login attempt.
//!
//! Schwab does not document PKCE; it is sent because it costs nothing, and nothing depends on
//! Schwab checking it. `state` is what actually ties the redirect to this attempt.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The secrets of one authorization attempt.
pub struct LoginSecrets {
    /// 43 base64url characters from 32 random bytes: sent only in the token request.
    pub verifier: SecretString,
    /// `base64url(sha256(verifier))`: sent in the authorize URL.
    pub challenge: String,
    /// 22 base64url characters from 16 random bytes, echoed back on the redirect.
    pub state: String,
}

impl LoginSecrets {
    /// Fresh secrets from the operating system's random source.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut verifier_bytes = [0u8; 32];
        getrandom::fill(&mut verifier_bytes)?;
        let mut state_bytes = [0u8; 16];
        getrandom::fill(&mut state_bytes)?;
        let verifier = URL_SAFE_NO_PAD.encode(verifier_bytes);
        Ok(LoginSecrets {
            challenge: challenge_for(&verifier),
            verifier: SecretString::from(verifier),
            state: URL_SAFE_NO_PAD.encode(state_bytes),
        })
    }

    pub fn verifier(&self) -> &str {
        self.verifier.expose_secret()
    }
}

impl std::fmt::Debug for LoginSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginSecrets([redacted])")
    }
}

/// The S256 challenge of a verifier.
pub fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_secrets_have_rfc_lengths_and_differ() {
        let a = LoginSecrets::generate().unwrap();
        let b = LoginSecrets::generate().unwrap();
        assert_eq!(a.verifier().len(), 43);
        assert_eq!(a.state.len(), 22);
        assert_ne!(a.state, b.state);
        assert_eq!(a.challenge, challenge_for(a.verifier()));
        assert!(!format!("{a:?}").contains(a.verifier()));
    }
}
