//! Sealing for values at rest: XChaCha20-Poly1305 with associated data naming table, column and
//! row, plus the HMAC-SHA256 used for row tags and the journal chain. No database access here.
//!
//! The 32-byte keys from the vault are never used directly: each job gets its own subkey.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The first byte of every sealed blob names its format, so a later algorithm can sit beside
/// this one without guessing.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// The smallest blob that can possibly open: format byte, nonce and tag around no plaintext.
const MIN_SEALED: usize = 1 + NONCE_LEN + TAG_LEN;

/// Why a sealed value did not open. Deliberately one case: the AEAD cannot tell a wrong key
/// from a flipped byte from a blob moved to another row, and callers treat all three the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenError;

/// Why a value could not be sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SealError {
    /// The OS random source failed; sealing without a fresh nonce is not an option.
    Random,
    /// Beyond the cipher's 256 GiB message limit; no cache snapshot comes near it.
    TooLarge,
}

/// Fills `buf` from the OS CSPRNG.
pub(crate) fn random(buf: &mut [u8]) -> Result<(), SealError> {
    getrandom::fill(buf).map_err(|_| SealError::Random)
}

/// A keyed HMAC-SHA256, ready to be cloned for each message.
///
/// Keeping the keyed state saves the two key-schedule blocks per message, which is most of the
/// cost of MACing a short journal entry.
#[derive(Clone)]
pub(crate) struct Hmac256(HmacSha256);

impl Hmac256 {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        // HMAC zero-pads keys shorter than the block, so a 64-byte block holding the 32-byte
        // key is the same key; it lets us use the infallible constructor.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..32].copy_from_slice(key);
        let key = hmac::digest::Key::<HmacSha256>::from(*block);
        Hmac256(<HmacSha256 as KeyInit>::new(&key))
    }

    /// A fresh MAC state to feed message parts into.
    pub(crate) fn start(&self) -> HmacSha256 {
        self.0.clone()
    }

    /// HMAC of `parts`, each length-prefixed so no two different part lists share an input.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.start();
        for part in parts {
            feed(&mut mac, part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Feeds one length-prefixed field: a big-endian u32 length, then the bytes.
pub(crate) fn feed(mac: &mut HmacSha256, part: &[u8]) {
    // Parts are table names, tags and sealed rows; none approaches 4 GiB, and saturating keeps
    // this total instead of panicking on an absurd input.
    let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
    mac.update(&len.to_be_bytes());
    mac.update(part);
}

/// A subkey for one job, so the same vault key never serves both AEAD and MAC.
pub(crate) fn derive(key: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(Hmac256::new(key).tag(&[b"palmtree subkey v1", label.as_bytes()]))
}

/// Where a sealed value lives; bound into its associated data.
///
/// `row` is whatever identifies the row for good (a journal seq, a cache row's kind and scope
/// tag), plus any plain column of that row that must not change without the value noticing.
pub(crate) struct Place<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a [u8],
}

impl Place<'_> {
    /// The associated data: a fixed prefix, then each field length-prefixed.
    fn aad(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.row.len());
        out.extend_from_slice(b"palmtree seal v1");
        for field in [self.table.as_bytes(), self.column.as_bytes(), self.row] {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
        out
    }
}

/// An XChaCha20-Poly1305 key ready to seal and open.
pub(crate) struct Sealer(XChaCha20Poly1305);

impl Sealer {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        // The cipher keeps (and wipes) its own copy; this stack copy is the one left behind.
        Sealer(XChaCha20Poly1305::new(&Key::from(*key)))
    }

    /// Seals `plain` for `place` as `format(1) ‖ nonce(24) ‖ ciphertext ‖ tag(16)`.
    ///
    /// The nonce is random: 24 bytes make a collision negligible over any number of values this
    /// program will ever write, so no counter has to be stored or trusted.
    pub(crate) fn seal(&self, place: &Place<'_>, plain: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce)?;
        let nonce = XNonce::from(nonce);
        let aad = place.aad();
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::TooLarge)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a blob sealed for `place`; the plaintext is wiped when dropped.
    pub(crate) fn open(
        &self,
        place: &Place<'_>,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if blob.len() < MIN_SEALED || blob[0] != FORMAT_V1 {
            return Err(OpenError);
        }
        let nonce = XNonce::try_from(&blob[1..1 + NONCE_LEN]).map_err(|_| OpenError)?;
        let aad = place.aad();
        let msg = &blob[1 + NONCE_LEN..];
        self.0
            .decrypt(&nonce, Payload { msg, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| OpenError)
    }
}

/// The subkeys the store works with, derived once at open.
pub(crate) struct DerivedKeys {
    pub cache_seal: Sealer,
    /// Keys the blind index that stands in for a cache row's scope.
    pub cache_index: Hmac256,
    /// Tells at open whether the vault still holds the key this cache was written with.
    pub cache_check: [u8; 32],
    pub journal_seal: Sealer,
    pub journal_mac: Hmac256,
    pub journal_check: [u8; 32],
}

impl DerivedKeys {
    pub(crate) fn new(cache: &[u8; 32], journal: &[u8; 32]) -> Self {
        DerivedKeys {
            cache_seal: Sealer::new(&derive(cache, "cache seal")),
            cache_index: Hmac256::new(&derive(cache, "cache index")),
            cache_check: *derive(cache, "cache key check"),
            journal_seal: Sealer::new(&derive(journal, "journal seal")),
            journal_mac: Hmac256::new(&derive(journal, "journal mac")),
            journal_check: *derive(journal, "journal key check"),
        }
    }
}

impl Drop for DerivedKeys {
    fn drop(&mut self) {
        // The ciphers wipe themselves (chacha20poly1305's `zeroize` feature); the HMAC states
        // offer no way to, which is the residue this best-effort wiping accepts.
        self.cache_check.zeroize();
        self.journal_check.zeroize();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const PLACE: Place<'static> = Place {
        table: "cache",
        column: "value",
        row: b"accounts/1",
    };

    #[test]
    fn round_trip_with_the_same_place() {
        let sealer = Sealer::new(&[7; 32]);
        let blob = sealer.seal(&PLACE, b"187.25").unwrap();
        assert_eq!(blob.len(), 1 + 24 + 6 + 16);
        assert_eq!(&*sealer.open(&PLACE, &blob).unwrap(), b"187.25");
    }

    #[test]
    fn nonces_differ_so_equal_values_do_not_show() {
        let sealer = Sealer::new(&[7; 32]);
        let a = sealer.seal(&PLACE, b"AAPL").unwrap();
        let b = sealer.seal(&PLACE, b"AAPL").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn another_row_column_table_or_key_does_not_open() {
        let sealer = Sealer::new(&[7; 32]);
        let blob = sealer.seal(&PLACE, b"10001234").unwrap();
        for other in [
            Place {
                row: b"accounts/2",
                ..PLACE
            },
            Place {
                column: "other",
                ..PLACE
            },
            Place {
                table: "journal",
                ..PLACE
            },
        ] {
            assert_eq!(sealer.open(&other, &blob), Err(OpenError));
        }
        assert_eq!(Sealer::new(&[8; 32]).open(&PLACE, &blob), Err(OpenError));
    }

    #[test]
    fn any_flipped_byte_fails_to_open() {
        let sealer = Sealer::new(&[1; 32]);
        let blob = sealer.seal(&PLACE, b"sealed").unwrap();
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x40;
            assert_eq!(sealer.open(&PLACE, &bad), Err(OpenError), "byte {i}");
        }
        assert_eq!(sealer.open(&PLACE, &blob[..blob.len() - 1]), Err(OpenError));
        assert_eq!(sealer.open(&PLACE, &[]), Err(OpenError));
    }

    #[test]
    fn padded_key_is_plain_hmac_sha256() {
        // RFC 4231 test case 2 uses a 4-byte key; here a 32-byte key checked against the
        // library's own slice constructor, which pads the same way.
        let key = [0x0b; 32];
        let ours = Hmac256::new(&key)
            .start()
            .chain_update(b"Hi There")
            .finalize();
        let theirs = <HmacSha256 as KeyInit>::new_from_slice(&key)
            .unwrap()
            .chain_update(b"Hi There")
            .finalize();
        assert_eq!(ours.into_bytes(), theirs.into_bytes());
    }

    #[test]
    fn subkeys_differ_by_label_and_key() {
        let a = derive(&[1; 32], "cache seal");
        assert_ne!(*a, *derive(&[1; 32], "cache index"));
        assert_ne!(*a, *derive(&[2; 32], "cache seal"));
        assert_eq!(*a, *derive(&[1; 32], "cache seal"));
    }
}
