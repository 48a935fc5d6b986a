//! The vault's one error type, each message saying what the user can do next.
//!
//! Messages carry paths, store names and reasons, never a secret value and never a fragment
//! of decrypted text (parser errors are reduced to their category and position first).

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while reading or writing a secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The AEAD tag did not verify: the passphrase is wrong, or a byte of the file changed.
    ///
    /// The two cannot be told apart by design (the tag covers both), so the message offers
    /// both readings.
    #[error(
        "the vault file {} could not be opened with that passphrase, or it is damaged; it was \
         left untouched. Try again, or move it aside and run `palmtree login`",
        path.display()
    )]
    WrongPassphraseOrDamaged { path: PathBuf },

    /// The file is not a vault file, is cut short, or holds implausible settings: no
    /// passphrase could open it.
    #[error(
        "the vault file {} is damaged ({reason}); it was left untouched. Move it aside and run \
         `palmtree login` to start a new one",
        path.display()
    )]
    Damaged { path: PathBuf, reason: String },

    /// The file was written by a newer palmtree with a format this one does not know.
    #[error(
        "the vault file {} was written by a newer palmtree (format {version}); it was left \
         untouched. Upgrade palmtree to read it",
        path.display()
    )]
    UnsupportedVersion { path: PathBuf, version: u16 },

    /// A filesystem call failed.
    #[error(
        "could not {action} {}: {source}. Check that the directory exists, belongs to you and \
         has free space",
        path.display()
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An OS keychain answered with an error.
    #[error(
        "the {store} refused the request ({reason}). Unlock it, or run with `--vault file` to \
         keep secrets in the encrypted file instead"
    )]
    Keychain { store: &'static str, reason: String },

    /// An OS keychain did not answer in time, typically because it waits for an unlock prompt
    /// that nobody can see (a desktop keyring reached over SSH).
    #[error(
        "the {store} did not answer within {} s; it may be waiting for an unlock prompt. \
         Unlock it, or run with `--vault file`",
        waited.as_secs()
    )]
    KeychainTimeout {
        store: &'static str,
        waited: Duration,
    },

    /// The passphrase callback could not produce a passphrase (no terminal, input closed).
    #[error(
        "no passphrase for the vault file: {reason}. Run palmtree in a terminal so it can ask \
         for one"
    )]
    NoPassphrase { reason: String },

    /// An empty passphrase was given; it would make the encryption decorative.
    #[error("an empty passphrase cannot protect the vault file; enter a real one")]
    EmptyPassphrase,

    /// A profile name that could collide with another profile's entries.
    #[error(
        "the vault profile name {profile:?} is not allowed: use 1 to 64 letters, digits, '-', \
         '_' or '.'"
    )]
    InvalidProfile { profile: String },

    /// An entry name outside the fixed alphabet; only code passes names, so this is a bug.
    #[error(
        "the vault entry name {name:?} is not allowed: use 1 to 64 lowercase letters, digits \
         or '_'"
    )]
    InvalidName { name: String },

    /// An entry exists but its value does not parse. It is left in place, not overwritten,
    /// because overwriting a journal key would make the journal unverifiable.
    #[error("the vault entry {name} is unreadable ({reason}). {remedy}")]
    BadValue {
        name: String,
        reason: String,
        remedy: &'static str,
    },

    /// Argon2 settings outside the range this build accepts.
    #[error("the vault file key settings are out of range ({reason})")]
    KdfParams { reason: String },

    /// The operating system's random source failed; nothing was stored.
    #[error("the system random number generator failed ({reason}); nothing was stored. Try again")]
    Random { reason: String },
}

impl VaultError {
    /// Whether the error means the vault file could not be opened, as opposed to a keychain
    /// or filesystem failure. The CLI uses it to offer the passphrase prompt again.
    pub fn is_file_unreadable(&self) -> bool {
        matches!(
            self,
            VaultError::WrongPassphraseOrDamaged { .. }
                | VaultError::Damaged { .. }
                | VaultError::UnsupportedVersion { .. }
        )
    }
}
