//! The encrypted vault file: every entry of every profile in one `vault.bin`, sealed with
//! XChaCha20-Poly1305 under an Argon2id key derived from the user's passphrase.
//!
//! It never writes in place and never writes after a failed read: a wrong passphrase or a
//! damaged file leaves the bytes on disk exactly as they were.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::error::VaultError;
use super::key_memory::{KeyMemory, KeySlot};
use super::store::SecretStore;
use super::{PassphraseFn, random_bytes, random_hex};

/// The vault file's name inside the data directory.
pub const FILE_NAME: &str = "vault.bin";

/// The empty file whose OS lock serialises writers; it never holds data.
pub const LOCK_NAME: &str = "vault.lock";

/// The first eight bytes of every vault file.
pub const MAGIC: [u8; 8] = *b"PALMVLT\0";

/// The layout described on [`Header`]; bumped on any incompatible change.
pub const FORMAT_VERSION: u16 = 1;

/// The header's length in bytes; it is also the AEAD associated data.
pub const HEADER_LEN: usize = 64;

const KDF_ARGON2ID_V13: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Argon2id cost settings, stored in the header so a file stays readable when defaults change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// OWASP's floor and the argon2 crate's default: about 19 MiB, two passes, one lane.
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 19_456,
        t_cost: 2,
        p_cost: 1,
    };

    /// Cheap settings that keep test suites fast. Never use them for a real file: a
    /// passphrase behind 64 KiB of Argon2 is cheap to guess.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    /// Upper bounds that a header may claim. They stop an edited header from making palmtree
    /// allocate gigabytes or spin for minutes before the tag check can fail.
    const MAX_M_KIB: u32 = 4 * 1024 * 1024;
    const MAX_T_COST: u32 = 64;
    const MAX_P_COST: u32 = 64;

    fn check(&self) -> Result<(), String> {
        if self.p_cost == 0 || self.p_cost > Self::MAX_P_COST {
            return Err(format!(
                "{} lanes; 1 to {} allowed",
                self.p_cost,
                Self::MAX_P_COST
            ));
        }
        if self.t_cost == 0 || self.t_cost > Self::MAX_T_COST {
            return Err(format!(
                "{} passes; 1 to {} allowed",
                self.t_cost,
                Self::MAX_T_COST
            ));
        }
        let floor = 8 * self.p_cost;
        if self.m_kib < floor || self.m_kib > Self::MAX_M_KIB {
            return Err(format!(
                "{} KiB of memory; {floor} to {} allowed",
                self.m_kib,
                Self::MAX_M_KIB
            ));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

/// The fixed 64-byte header at the start of the file, all integers little-endian:
///
/// | bytes  | field                                   |
/// |--------|-----------------------------------------|
/// | 0..8   | magic `PALMVLT\0`                       |
/// | 8..10  | format version (1)                      |
/// | 10     | key derivation (1 = Argon2id v0x13)     |
/// | 11     | reserved, 0                             |
/// | 12..16 | Argon2 memory, KiB                      |
/// | 16..20 | Argon2 passes                           |
/// | 20..24 | Argon2 lanes                            |
/// | 24..40 | salt, random, fixed for the file's life |
/// | 40..64 | XChaCha20 nonce, random on every write  |
///
/// The ciphertext and its 16-byte tag follow. The whole header is the associated data, so
/// editing any of it (a cheaper cost, another salt) fails the tag check.
#[derive(Clone, Copy)]
struct Header {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
}

/// Why a header was refused, before a path is attached.
enum HeaderProblem {
    Damaged(String),
    Version(u16),
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[10] = KDF_ARGON2ID_V13;
        out[12..16].copy_from_slice(&self.params.m_kib.to_le_bytes());
        out[16..20].copy_from_slice(&self.params.t_cost.to_le_bytes());
        out[20..24].copy_from_slice(&self.params.p_cost.to_le_bytes());
        out[24..40].copy_from_slice(&self.salt);
        out[40..64].copy_from_slice(&self.nonce);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Header, HeaderProblem> {
        if bytes.is_empty() {
            return Err(HeaderProblem::Damaged("the file is empty".into()));
        }
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(HeaderProblem::Damaged(
                "it does not start with the palmtree vault marker".into(),
            ));
        }
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err(HeaderProblem::Damaged(format!(
                "it is cut short at {} bytes; even an empty vault has {}",
                bytes.len(),
                HEADER_LEN + TAG_LEN
            )));
        }

        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(HeaderProblem::Version(version));
        }
        if version != FORMAT_VERSION {
            return Err(HeaderProblem::Damaged(format!("unknown format {version}")));
        }
        if bytes[10] != KDF_ARGON2ID_V13 || bytes[11] != 0 {
            return Err(HeaderProblem::Damaged("unknown key derivation".into()));
        }

        let params = KdfParams {
            m_kib: u32_at(bytes, 12),
            t_cost: u32_at(bytes, 16),
            p_cost: u32_at(bytes, 20),
        };
        params.check().map_err(|reason| {
            HeaderProblem::Damaged(format!("implausible key settings: {reason}"))
        })?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[24..40]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[40..64]);
        Ok(Header {
            params,
            salt,
            nonce,
        })
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The plaintext: entry name → value. Values are wiped when the map is dropped.
#[derive(Default, Serialize, Deserialize)]
struct Entries {
    entries: BTreeMap<String, String>,
}

impl Drop for Entries {
    fn drop(&mut self) {
        for value in self.entries.values_mut() {
            value.zeroize();
        }
    }
}

/// A derived key with the header settings it belongs to.
#[derive(Clone)]
struct CachedKey {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; 32]>,
}

/// The encrypted file backend.
///
/// Every read decrypts the file afresh, so a token saved by another palmtree process is seen
/// at once. Every write takes an OS lock on `vault.lock`, re-reads, changes one entry, and
/// replaces the file atomically, so two processes never lose each other's entries.
pub struct FileStore {
    dir: PathBuf,
    path: PathBuf,
    lock_path: PathBuf,
    new_params: KdfParams,
    passphrase: PassphraseFn,
    /// The key of the file as last read or created. The salt stays fixed for the file's life,
    /// so the passphrase is asked once per process, not once per write.
    cached: Mutex<Option<CachedKey>>,
    /// Whether, and how long, the key is also remembered across processes.
    memory: KeyMemory,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl FileStore {
    /// Opens (or prepares) `vault.bin` in `dir`, asking for the passphrase once.
    ///
    /// An existing file is decrypted now, so a wrong passphrase is reported here rather than
    /// at the first token refresh. A missing file is not created until the first write;
    /// `new_params` are the Argon2 settings it will be created with.
    pub fn open(
        dir: &Path,
        new_params: KdfParams,
        passphrase: PassphraseFn,
    ) -> Result<FileStore, VaultError> {
        FileStore::open_remembering(dir, new_params, passphrase, KeyMemory::OFF)
    }

    /// [`open`](Self::open), first trying the key `memory` remembered from an earlier process
    /// (no passphrase asked, no derivation), and remembering the key it derives.
    pub fn open_remembering(
        dir: &Path,
        new_params: KdfParams,
        passphrase: PassphraseFn,
        memory: KeyMemory,
    ) -> Result<FileStore, VaultError> {
        new_params
            .check()
            .map_err(|reason| VaultError::KdfParams { reason })?;
        ensure_private_dir(dir)?;

        let path = dir.join(FILE_NAME);
        let store = FileStore {
            dir: dir.to_path_buf(),
            lock_path: dir.join(LOCK_NAME),
            path,
            new_params,
            passphrase,
            cached: Mutex::new(None),
            memory,
        };

        match store.read_raw()? {
            Some(bytes) => {
                tighten(&store.path, 0o600, "file")?;
                store.unseal(&bytes)?;
            }
            None => {
                let fresh = store.fresh_key()?;
                *store.cache() = Some(fresh);
            }
        }
        Ok(store)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Option<CachedKey>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn ask(&self) -> Result<SecretString, VaultError> {
        let passphrase = (self.passphrase)()?;
        if passphrase.expose_secret().is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        Ok(passphrase)
    }

    /// A key for a file that does not exist yet: new salt, the configured settings.
    fn fresh_key(&self) -> Result<CachedKey, VaultError> {
        let salt = random_bytes::<SALT_LEN>()?;
        let passphrase = self.ask()?;
        let key = derive(&passphrase, &salt, self.new_params)?;
        self.memory
            .remember(&KeySlot::new(&self.path, &salt, self.new_params), &key);
        Ok(CachedKey {
            params: self.new_params,
            salt,
            key,
        })
    }

    /// The slot the key of the vault file at `path` is remembered under, from its header;
    /// `None` if there is no readable vault file there.
    pub fn key_slot(path: &Path) -> Option<KeySlot> {
        let bytes = fs::read(path).ok()?;
        let header = Header::decode(&bytes).ok()?;
        Some(KeySlot::new(path, &header.salt, header.params))
    }

    /// Drops the key this process holds from the cross-process memory (logout does this).
    pub fn forget_remembered_key(&self) {
        let held = self.cache().clone();
        if let Some(held) = held {
            KeyMemory::forget(&KeySlot::new(&self.path, &held.salt, held.params));
        }
    }

    /// The key for `header`'s file, from the passphrase; or from the cross-process memory
    /// when `recall` is set and it holds one (the second value says so).
    fn key_for(&self, header: &Header, recall: bool) -> Result<(CachedKey, bool), VaultError> {
        let slot = KeySlot::new(&self.path, &header.salt, header.params);
        let remembered = if recall {
            self.memory.recall(&slot)
        } else {
            None
        };
        let (key, from_memory) = match remembered {
            Some(key) => (key, true),
            None => (derive(&self.ask()?, &header.salt, header.params)?, false),
        };
        let candidate = CachedKey {
            params: header.params,
            salt: header.salt,
            key,
        };
        Ok((candidate, from_memory))
    }

    fn read_raw(&self) -> Result<Option<Vec<u8>>, VaultError> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(VaultError::Io {
                action: "read",
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Decrypts a whole file image. The key is cached only after the tag verified, so a
    /// mistyped passphrase is asked for again next time instead of sticking.
    fn unseal(&self, bytes: &[u8]) -> Result<Entries, VaultError> {
        let header = Header::decode(bytes).map_err(|problem| match problem {
            HeaderProblem::Damaged(reason) => VaultError::Damaged {
                path: self.path.clone(),
                reason,
            },
            HeaderProblem::Version(version) => VaultError::UnsupportedVersion {
                path: self.path.clone(),
                version,
            },
        })?;

        let cached = self
            .cache()
            .clone()
            .filter(|c| c.params == header.params && c.salt == header.salt);
        let (mut key, fresh, mut from_memory) = match cached {
            Some(c) => (c, false, false),
            None => {
                let (candidate, from_memory) = self.key_for(&header, true)?;
                (candidate, true, from_memory)
            }
        };
        let mut plain = decrypt(&key.key, &header, bytes);
        if plain.is_none() && from_memory {
            // A remembered key that no longer opens the file is dropped, and the passphrase
            // decides, as if nothing had been remembered.
            KeyMemory::forget(&KeySlot::new(&self.path, &header.salt, header.params));
            (key, from_memory) = self.key_for(&header, false)?;
            plain = decrypt(&key.key, &header, bytes);
        }
        let plain = plain.ok_or_else(|| VaultError::WrongPassphraseOrDamaged {
            path: self.path.clone(),
        })?;
        let entries: Entries =
            serde_json::from_slice(&plain).map_err(|err| VaultError::Damaged {
                path: self.path.clone(),
                reason: format!(
                    "its decrypted contents do not parse ({:?} error at line {}, column {})",
                    err.classify(),
                    err.line(),
                    err.column()
                ),
            })?;
        if fresh {
            if !from_memory {
                self.memory
                    .remember(&KeySlot::new(&self.path, &key.salt, key.params), &key.key);
            }
            *self.cache() = Some(key);
        }
        Ok(entries)
    }

    /// Encrypts `entries` under the cached key with a new random nonce.
    fn seal(&self, entries: &Entries) -> Result<Vec<u8>, VaultError> {
        let cached = self.cache().clone();
        let key = match cached {
            Some(key) => key,
            None => {
                let fresh = self.fresh_key()?;
                *self.cache() = Some(fresh.clone());
                fresh
            }
        };
        let header = Header {
            params: key.params,
            salt: key.salt,
            nonce: random_bytes::<NONCE_LEN>()?,
        };
        let head = header.encode();

        let plain = Zeroizing::new(serde_json::to_vec(entries).map_err(|err| VaultError::Io {
            action: "encode the entries for",
            path: self.path.clone(),
            source: std::io::Error::other(format!("{:?}", err.classify())),
        })?);
        let cipher =
            XChaCha20Poly1305::new_from_slice(&key.key[..]).map_err(|_| VaultError::KdfParams {
                reason: "derived key has the wrong length".into(),
            })?;
        let nonce = XNonce::from(header.nonce);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: &head,
                },
            )
            .map_err(|_| VaultError::Io {
                action: "encrypt the entries for",
                path: self.path.clone(),
                source: std::io::Error::other("the cipher refused the input"),
            })?;

        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.extend_from_slice(&head);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Takes the writers' lock; it is released when the returned file is dropped.
    fn lock(&self) -> Result<File, VaultError> {
        let io = |action, source| VaultError::Io {
            action,
            path: self.lock_path.clone(),
            source,
        };
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.lock_path)
            .map_err(|e| io("open the lock file", e))?;
        file.lock().map_err(|e| io("lock", e))?;
        Ok(file)
    }

    /// Re-reads the file under the lock, lets `change` edit the entries, and writes the result
    /// back if `change` says it changed anything.
    fn update<R>(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> (bool, R),
    ) -> Result<R, VaultError> {
        let _lock = self.lock()?;
        let mut entries = match self.read_raw()? {
            Some(bytes) => self.unseal(&bytes)?,
            None => Entries::default(),
        };

        let (changed, out) = change(&mut entries.entries);
        if !changed {
            return Ok(out);
        }

        let image = self.seal(&entries)?;
        write_atomic(&self.dir, &self.path, &image)?;
        Ok(out)
    }
}

impl SecretStore for FileStore {
    fn forget_remembered_key(&self) {
        FileStore::forget_remembered_key(self);
    }

    fn get(&self, entry: &str) -> Result<Option<SecretString>, VaultError> {
        let Some(bytes) = self.read_raw()? else {
            return Ok(None);
        };
        let entries = self.unseal(&bytes)?;
        Ok(entries
            .entries
            .get(entry)
            .map(|value| SecretString::from(value.as_str())))
    }

    fn set(&self, entry: &str, value: &SecretString) -> Result<(), VaultError> {
        self.update(|map| {
            let old = map.insert(entry.to_owned(), value.expose_secret().to_owned());
            if let Some(mut old) = old {
                old.zeroize();
            }
            (true, ())
        })
    }

    fn delete(&self, entry: &str) -> Result<(), VaultError> {
        self.update(|map| match map.remove(entry) {
            Some(mut old) => {
                old.zeroize();
                (true, ())
            }
            None => (false, ()),
        })
    }

    fn get_or_insert(&self, entry: &str, value: &SecretString) -> Result<SecretString, VaultError> {
        self.update(|map| match map.get(entry) {
            Some(existing) => (false, SecretString::from(existing.as_str())),
            None => {
                map.insert(entry.to_owned(), value.expose_secret().to_owned());
                (true, value.clone())
            }
        })
    }
}

/// Argon2id(passphrase, salt) → 32 bytes.
fn derive(
    passphrase: &SecretString,
    salt: &[u8; SALT_LEN],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let settings =
        Params::new(params.m_kib, params.t_cost, params.p_cost, Some(32)).map_err(|err| {
            VaultError::KdfParams {
                reason: err.to_string(),
            }
        })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, settings);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, &mut key[..])
        .map_err(|err| VaultError::KdfParams {
            reason: err.to_string(),
        })?;
    Ok(key)
}

/// Verifies and decrypts; `None` on any tag failure.
fn decrypt(key: &[u8; 32], header: &Header, bytes: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = XChaCha20Poly1305::new_from_slice(&key[..]).ok()?;
    let nonce = XNonce::from(header.nonce);
    let plain = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &bytes[..HEADER_LEN],
            },
        )
        .ok()?;
    Some(Zeroizing::new(plain))
}

/// Writes `bytes` to a new 0600 file beside `path`, syncs it, renames it over `path`, and
/// syncs the directory, so a crash leaves either the old file or the new one, never half.
fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = dir.join(format!(
        ".{FILE_NAME}.{}.{}.tmp",
        std::process::id(),
        random_hex(6)?
    ));
    let io = |action, path: &Path, source| VaultError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };

    let written = (|| {
        let mut file = private_options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io("create", &tmp, e))?;
        file.write_all(bytes).map_err(|e| io("write", &tmp, e))?;
        file.sync_all().map_err(|e| io("sync", &tmp, e))?;
        drop(file);
        fs::rename(&tmp, path).map_err(|e| io("replace", path, e))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;

    sync_dir(dir).map_err(|e| io("sync the directory", dir, e))
}

#[cfg(unix)]
fn private_options() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = OpenOptions::new();
    options.mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_options() -> OpenOptions {
    OpenOptions::new()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows cannot open a directory as a file; its rename is durable enough without.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates `dir` (and missing parents) 0700, or tightens an existing one that others can
/// enter.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<(), VaultError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| VaultError::Io {
        action: "create the directory",
        path: dir.to_path_buf(),
        source,
    })?;
    tighten(dir, 0o700, "directory")
}

/// Resets `path` to `mode` when group or others have any access, and says so in the log.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32, what: &'static str) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let io = |action, source| VaultError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let current = fs::metadata(path)
        .map_err(|e| io("inspect", e))?
        .permissions()
        .mode()
        & 0o777;
    if current & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| io("restrict the permissions of", e))?;
        tracing::warn!(
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{mode:o}"),
            "vault {what} was open to other users; tightened"
        );
    }
    Ok(())
}

/// Windows files inherit the user profile's ACL; there are no mode bits to tighten.
#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32, _what: &'static str) -> Result<(), VaultError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn header() -> Header {
        Header {
            params: KdfParams::INSECURE_FOR_TESTS,
            salt: [7; SALT_LEN],
            nonce: [9; NONCE_LEN],
        }
    }

    fn image() -> Vec<u8> {
        let mut bytes = header().encode().to_vec();
        bytes.extend_from_slice(&[0u8; TAG_LEN]);
        bytes
    }

    #[test]
    fn header_round_trips_with_the_documented_layout() {
        let bytes = image();
        assert_eq!(&bytes[0..8], b"PALMVLT\0");
        assert_eq!(&bytes[8..12], &[1, 0, 1, 0]);
        assert_eq!(&bytes[12..16], &64u32.to_le_bytes());
        let back = Header::decode(&bytes).ok().unwrap();
        assert_eq!(back.params, KdfParams::INSECURE_FOR_TESTS);
        assert_eq!(back.salt, [7; SALT_LEN]);
        assert_eq!(back.nonce, [9; NONCE_LEN]);
    }

    #[test]
    fn newer_version_is_named_as_such() {
        let mut bytes = image();
        bytes[8] = 2;
        assert!(matches!(
            Header::decode(&bytes),
            Err(HeaderProblem::Version(2))
        ));
    }

    #[test]
    fn absurd_memory_cost_is_refused_before_any_derivation() {
        let mut bytes = image();
        bytes[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Header::decode(&bytes),
            Err(HeaderProblem::Damaged(_))
        ));
    }

    #[test]
    fn params_bounds() {
        assert!(KdfParams::DEFAULT.check().is_ok());
        assert!(KdfParams::INSECURE_FOR_TESTS.check().is_ok());
        let zero_passes = KdfParams {
            t_cost: 0,
            ..KdfParams::DEFAULT
        };
        assert!(zero_passes.check().is_err());
        let too_little_memory = KdfParams {
            m_kib: 15,
            p_cost: 2,
            t_cost: 1,
        };
        assert!(too_little_memory.check().is_err());
    }
}
