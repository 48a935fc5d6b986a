//! File permissions for the database: its directory 0700, the file and its WAL companions 0600.
//!
//! Files come out 0644 under the usual umask (SQLite's WAL and SHM copy the database's mode), so
//! the file is created 0600 before SQLite sees it, and anything looser is tightened with a warning.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::StoreError;

/// Permission bits for "nobody but the owner".
#[cfg(unix)]
const GROUP_OTHER: u32 = 0o077;

/// Makes the directory and the database file exist with owner-only permissions.
///
/// The directory is palmtree's own data directory, so tightening it is safe; one that cannot
/// be tightened (another user's) is refused rather than used.
pub(crate) fn prepare(path: &Path) -> Result<(), StoreError> {
    let dir = parent_of(path);
    ensure_dir(&dir)?;
    ensure_file(path)?;
    tighten_companions(path)
}

/// Tightens the `-wal` and `-shm` files, which SQLite creates lazily next to the database.
pub(crate) fn tighten_companions(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let companion = PathBuf::from(name);
        match fs::symlink_metadata(&companion) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(insecure(&companion, "it is a symbolic link"));
            }
            Ok(meta) => tighten(&companion, &meta, 0o600)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&companion, e)),
        }
    }
    Ok(())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| io_error(dir, e))?;
    }
    let meta = fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(insecure(dir, "it is not a directory"));
    }
    tighten(dir, &meta, 0o700)
}

fn ensure_file(path: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            // A link could point the sealed store at a file another user controls.
            return Err(insecure(path, "it is a symbolic link"));
        }
        Ok(meta) if !meta.is_file() => return Err(insecure(path, "it is not a regular file")),
        Ok(meta) => return tighten(path, &meta, 0o600),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path, e)),
    }

    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another palmtree created it between the check and here; check what it made.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(path).map_err(|e| io_error(path, e))?;
            tighten(path, &meta, 0o600)
        }
        Err(e) => Err(io_error(path, e)),
    }
}

#[cfg(unix)]
fn tighten(path: &Path, meta: &fs::Metadata, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;

    let current = meta.permissions().mode() & 0o777;
    if current & GROUP_OTHER == 0 {
        return Ok(());
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|_| insecure(path, "others can read it and it cannot be tightened"))?;
    tracing::warn!(
        path = %path.display(),
        was = format_args!("{current:o}"),
        now = format_args!("{mode:o}"),
        "store permissions were looser than owner-only and have been tightened"
    );
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _meta: &fs::Metadata, _mode: u32) -> Result<(), StoreError> {
    // Limitation: outside Unix the file keeps the ACLs of its directory; nothing is checked.
    Ok(())
}

fn io_error(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn insecure(path: &Path, reason: &'static str) -> StoreError {
    StoreError::Insecure {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_directory_0700_and_file_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/palmtree.db");
        prepare(&path).unwrap();
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn tightens_loose_directory_file_and_wal() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("palmtree.db");
        for p in [path.clone(), dir.join("palmtree.db-wal")] {
            fs::write(&p, b"").unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        }
        prepare(&path).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.join("palmtree.db-wal")), 0o600);
    }

    #[test]
    fn refuses_a_symlinked_database() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere.db");
        fs::write(&target, b"").unwrap();
        let link = tmp.path().join("palmtree.db");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = prepare(&link).unwrap_err();
        assert!(matches!(err, StoreError::Insecure { .. }), "{err}");
    }
}
