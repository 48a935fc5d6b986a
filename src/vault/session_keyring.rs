//! The kernel's session keyring as a short-term memory shared by one user's processes: what
//! palmtree remembers between commands without writing it to disk (the vault file's derived
//! key, the current access token).
//!
//! An entry lives in kernel memory, linked into the session keyring (or, where the login made
//! none, the kernel's per-user session keyring), readable only by processes running as the
//! same user, and the kernel drops it when its timeout runs out. Where the kernel keeps no keys
//! for this process (other systems, containers that forbid `keyctl`), nothing is remembered
//! and every call here does nothing.

#[cfg(target_os = "linux")]
mod platform {
    use std::time::Duration;

    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    use zeroize::Zeroizing;

    fn session() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()
    }

    /// The bytes remembered under `description`.
    pub fn recall(description: &str) -> Option<Zeroizing<Vec<u8>>> {
        let key = session()?.search(description).ok()?;
        Some(Zeroizing::new(key.read_to_vec().ok()?))
    }

    /// Restarts the entry's timeout at `life` from now.
    pub fn keep_for(description: &str, life: Duration) {
        if let Some(key) = session().and_then(|ring| ring.search(description).ok()) {
            let _ = key.set_timeout(seconds(life));
        }
    }

    /// Remembers `bytes` under `description` for `life`, replacing what was there.
    pub fn remember(description: &str, bytes: &[u8], life: Duration) {
        let Some(ring) = session() else {
            tracing::debug!("vault: no session keyring; nothing is remembered between commands");
            return;
        };
        let stored = match ring.add_key(description, bytes) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::debug!(error = %e, "vault: the session keyring refused an entry");
                return;
            }
        };
        // Granted by user id, not by possession: a process of another user that inherited
        // this session keyring (`sudo -u`, `runuser` without pam_keyinit) possesses the entry
        // and must still not read it. No possessor, group or world bits at all.
        let owner_only = KeyPermissionsBuilder::builder()
            .user(
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::SETATTR,
            )
            .build();
        if stored.set_timeout(seconds(life)).is_err() || stored.set_perms(owner_only).is_err() {
            let _ = stored.invalidate();
            tracing::debug!("vault: a remembered entry could not be limited; it was dropped");
        }
    }

    /// Forgets what is remembered under `description`; whether there was anything.
    pub fn forget(description: &str) -> bool {
        session()
            .and_then(|ring| ring.search(description).ok())
            .is_some_and(|key| key.invalidate().is_ok())
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
