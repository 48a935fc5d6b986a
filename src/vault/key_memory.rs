//! The vault file's derived key, remembered for a while in the kernel's session keyring, so
//! that commands run one after another neither ask for the passphrase again nor repeat the
//! Argon2id derivation (about 20 ms each).
//!
//! This is what gpg-agent and sudo do with a passphrase, with the kernel as the agent: the key
//! lives in kernel memory (never in a file), linked into the session keyring, readable only by
//! processes running as the same user (the kernel checks the user id; a process of another
//! user gets nothing, even one started from this session), and the kernel drops it once it has
//! gone unused for the configured time. Where the login made no session keyring, the kernel's
//! per-user session keyring holds it, shared by that user's sessions. `palmtree lock`,
//! `palmtree logout` and the terminal's idle lock forget it at once. Where the kernel keeps no
//! keys for this process (other systems, containers that forbid `keyctl`), nothing is
//! remembered and every open derives the key as before.

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::file::KdfParams;
use super::session_keyring;

/// How long the derived key may go unused before the kernel forgets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyMemory {
    idle: Duration,
}

impl KeyMemory {
    /// Remember nothing: every open derives the key from the passphrase.
    pub const OFF: KeyMemory = KeyMemory {
        idle: Duration::ZERO,
    };

    /// Remember the key until it has gone unused for `idle` (at least a second, if not zero).
    pub fn for_idle(idle: Duration) -> KeyMemory {
        KeyMemory { idle }
    }

    pub fn is_off(self) -> bool {
        self.idle.is_zero()
    }

    /// The key last remembered for this file generation, with its idle time restarted.
    pub(crate) fn recall(self, slot: &KeySlot) -> Option<Zeroizing<[u8; 32]>> {
        if self.is_off() {
            return None;
        }
        let bytes = session_keyring::recall(&slot.description)?;
        let key: [u8; 32] = bytes[..].try_into().ok()?;
        session_keyring::keep_for(&slot.description, self.idle);
        Some(Zeroizing::new(key))
    }

    /// Remembers `key` for this file generation, replacing what was there.
    pub(crate) fn remember(self, slot: &KeySlot, key: &[u8; 32]) {
        if self.is_off() {
            return;
        }
        session_keyring::remember(&slot.description, &key[..], self.idle);
    }

    /// Forgets the key of this file generation, whatever the setting.
    pub(crate) fn forget(slot: &KeySlot) {
        slot.forget();
    }
}

/// The name a file generation's key is remembered under.
///
/// It is a hash of the file's path, its salt and its Argon2 settings: a file made again (new
/// salt) never meets the old key, and the name gives away neither the path nor the salt.
pub struct KeySlot {
    description: String,
}

impl KeySlot {
    pub fn new(path: &Path, salt: &[u8], params: KdfParams) -> KeySlot {
        let mut hash = Sha256::new();
        hash.update(b"palmtree vault key v1\0");
        hash.update(path.as_os_str().as_encoded_bytes());
        hash.update(b"\0");
        hash.update(salt);
        hash.update(params.m_kib.to_le_bytes());
        hash.update(params.t_cost.to_le_bytes());
        hash.update(params.p_cost.to_le_bytes());
        KeySlot {
            description: session_keyring::entry_name("vault-key", hash),
        }
    }

    /// The name in the session keyring, for tests and `keyctl`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Forgets the key remembered here; whether there was one.
    pub fn forget(&self) -> bool {
        session_keyring::forget(&self.description)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_salt_or_other_settings_name_another_slot() {
        let path = Path::new("/home/u/.local/share/palmtree/vault.bin");
        let a = KeySlot::new(path, &[1; 16], KdfParams::DEFAULT);
        let b = KeySlot::new(path, &[2; 16], KdfParams::DEFAULT);
        let c = KeySlot::new(path, &[1; 16], KdfParams::INSECURE_FOR_TESTS);
        let d = KeySlot::new(
            Path::new("/elsewhere/vault.bin"),
            &[1; 16],
            KdfParams::DEFAULT,
        );
        let names = [&a, &b, &c, &d].map(|s| s.description().to_owned());
        for (i, x) in names.iter().enumerate() {
            assert!(x.starts_with("palmtree:vault-key:"), "{x}");
            assert!(!x.contains("home"), "{x}");
            for y in &names[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_eq!(
            a.description(),
            KeySlot::new(path, &[1; 16], KdfParams::DEFAULT).description()
        );
    }

    #[test]
    fn off_remembers_and_recalls_nothing() {
        let slot = KeySlot::new(Path::new("/x"), &[9; 16], KdfParams::DEFAULT);
        KeyMemory::OFF.remember(&slot, &[7; 32]);
        assert!(KeyMemory::OFF.recall(&slot).is_none());
    }
}
