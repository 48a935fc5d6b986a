//! The kernel's session keyring as a short-term memory shared by one user's processes: what
//! palmtree remembers between commands without writing it to disk (the vault file's derived
//! key, the current access token).
//!
//! An entry lives in kernel memory, linked into the session keyring (or, where the login made
//! none, the kernel's per-user session keyring), readable only by processes running as the
//! same user, and the kernel drops it when its timeout runs out. Where the kernel keeps no keys
//! for this process (other systems, containers that forbid `keyctl`), nothing is remembered
//! and every call here does nothing.

use sha2::{Digest, Sha256};

/// The name of an entry: `palmtree:<kind>:` and the first 16 bytes of `hash` in hex, so the
/// name gives away none of what was hashed (a path, a salt, a profile).
pub(crate) fn entry_name(kind: &str, hash: Sha256) -> String {
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("palmtree:{kind}:{hex}")
}

#[cfg(target_os = "linux")]
mod platform {
    use std::time::Duration;

    use linux_keyutils::{
        Key, KeyPermissions, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission,
    };
    use zeroize::Zeroizing;

    fn session() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()
    }

    /// Granted by user id, not by possession: a process of another user that inherited the
    /// session keyring (`sudo -u`, `runuser` without pam_keyinit) possesses every entry in it
    /// and must still not read ours. No possessor, group or world bits at all; `LINK` so the
    /// entry can be linked into the session keyring after these are set.
    fn owner_only() -> KeyPermissions {
        KeyPermissionsBuilder::builder()
            .user(
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::LINK
                    | Permission::SETATTR,
            )
            .build()
    }

    /// Whether `key` is one this process could have made: owned by our user, with exactly
    /// our permissions. Anything else under our name was planted, and is never used.
    fn is_ours(key: &Key) -> bool {
        // SAFETY: geteuid only reads the process's effective user id.
        let me = unsafe { libc::geteuid() };
        key.metadata().is_ok_and(|meta| {
            meta.get_uid() == me && meta.get_perms().bits() == owner_only().bits()
        })
    }

    /// The bytes remembered under `description`, if the entry there is ours.
    pub fn recall(description: &str) -> Option<Zeroizing<Vec<u8>>> {
        let key = session()?.search(description).ok()?;
        if !is_ours(&key) {
            tracing::warn!(
                "vault: an entry under palmtree's name in the session keyring is not palmtree's; it is ignored"
            );
            return None;
        }
        Some(Zeroizing::new(key.read_to_vec().ok()?))
    }

    /// Restarts the entry's timeout at `life` from now.
    pub fn keep_for(description: &str, life: Duration) {
        if let Some(key) = session().and_then(|ring| ring.search(description).ok()) {
            let _ = key.set_timeout(seconds(life));
        }
    }

    /// Remembers `bytes` under `description` for `life`, replacing what was there.
    ///
    /// The entry is made in this thread's own keyring, which no other process possesses, and
    /// limited there; only then is it linked into the session keyring, which displaces any
    /// entry of the same name. Adding it to the session keyring directly would write into an
    /// entry another user planted under our name, and hand that user the bytes.
    pub fn remember(description: &str, bytes: &[u8], life: Duration) {
        let Some(ring) = session() else {
            tracing::debug!("vault: no session keyring; nothing is remembered between commands");
            return;
        };
        let Ok(scratch) = KeyRing::from_special_id(KeyRingIdentifier::Thread, true) else {
            tracing::debug!("vault: no thread keyring; nothing is remembered between commands");
            return;
        };
        let made = match scratch.add_key(description, bytes) {
            Ok(made) => made,
            Err(e) => {
                tracing::debug!(error = %e, "vault: the kernel refused an entry");
                return;
            }
        };
        let linked = made
            .set_perms(owner_only())
            .and_then(|()| made.set_timeout(seconds(life)))
            .and_then(|()| ring.link_key(made));
        let _ = scratch.unlink_key(made);
        if linked.is_err() {
            let _ = made.invalidate();
            tracing::debug!("vault: an entry could not be limited and linked; it was dropped");
        }
    }

    /// Forgets what is remembered under `description`; whether there was anything. An entry
    /// that is not ours is unlinked from the session keyring instead, so it cannot stand in
    /// for ours.
    pub fn forget(description: &str) -> bool {
        let Some(ring) = session() else {
            return false;
        };
        let Ok(key) = ring.search(description) else {
            return false;
        };
        if is_ours(&key) {
            key.invalidate().is_ok()
        } else {
            ring.unlink_key(key).is_ok()
        }
    }

    fn seconds(life: Duration) -> usize {
        usize::try_from(life.as_secs().max(1)).unwrap_or(usize::MAX)
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::time::Duration;

    use zeroize::Zeroizing;

    pub fn recall(_description: &str) -> Option<Zeroizing<Vec<u8>>> {
        None
    }

    pub fn keep_for(_description: &str, _life: Duration) {}

    pub fn remember(_description: &str, _bytes: &[u8], _life: Duration) {}

    pub fn forget(_description: &str) -> bool {
        false
    }
}

pub(crate) use platform::{forget, keep_for, recall, remember};
