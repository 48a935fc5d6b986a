//! Random identifiers the simulator hands out: correlation UUIDs, OAuth codes and tokens.
//!
//! They come from the operating system's generator, not from the seeded walk, so the market
//! replays identically however many logins a test performs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Fills `N` random bytes.
///
/// If the OS generator fails (it practically never does), a hash of a counter and the time is
/// used instead: the sim's secrets only guard a loopback demo, and a server that stops issuing
/// tokens would be worse than one that issues guessable ones.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if getrandom::fill(&mut out).is_ok() {
        return out;
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for (block, chunk) in out.chunks_mut(32).enumerate() {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let digest = Sha256::new()
            .chain_update(n.to_le_bytes())
            .chain_update(nanos.to_le_bytes())
            .chain_update(block.to_le_bytes())
            .finalize();
        chunk.copy_from_slice(&digest[..chunk.len()]);
    }
    out
}

/// `N` random bytes as unpadded base64url text.
fn random_b64<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<N>())
}

/// A random version-4 UUID in its usual hyphenated lower-case form.
pub(crate) fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An authorization code in Schwab's shape: `C0.<base64url>.<base64url>@`.
///
/// The trailing `@` is the point: it arrives percent-encoded (`%40`) in the redirect, and the
/// client must decode it before the token request.
pub(crate) fn auth_code() -> String {
    format!("C0.{}.{}@", random_b64::<21>(), random_b64::<32>())
}

/// An access token shaped like Schwab's (`I0.<base64url>.<base64url>@`).
pub(crate) fn access_token() -> String {
    format!("I0.{}.{}@", random_b64::<21>(), random_b64::<32>())
}

/// An opaque refresh token.
pub(crate) fn refresh_token() -> String {
    random_b64::<48>()
}

/// A JWT-shaped id token: header and claims readable, signature random.
///
/// Nothing verifies it; the client only stores it, as the real one is never used by the API.
pub(crate) fn id_token(issued_at: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = format!(
        r#"{{"iss":"palmtree-sim","sub":"palmtree-demo-user","aud":"{}","iat":{},"exp":{}}}"#,
        super::DEMO_APP_KEY,
        issued_at,
        issued_at + 1800
    );
    format!(
        "{header}.{}.{}",
        URL_SAFE_NO_PAD.encode(claims),
        random_b64::<64>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant_bits() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn code_looks_like_schwabs() {
        let code = auth_code();
        assert!(code.starts_with("C0."));
        assert!(code.ends_with('@'));
        assert_eq!(code.matches('.').count(), 2);
    }
}
