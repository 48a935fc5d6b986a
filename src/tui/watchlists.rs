//! Named watchlists and the `watchlists.toml` file that keeps them between runs.
//!
//! The file is the app's own: it is rewritten whole on every change, atomically (a private
//! temporary file, then a rename), so a crash leaves either the old list or the new one.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::sanitize::clean;
use crate::trading::symbol::{MAX_SYMBOL_CHARS, parse_symbol};

/// The longest watchlist name kept, in characters.
pub const NAME_CHARS: usize = 24;

/// The name of the list made from the config file's `[watchlist] symbols`.
pub const DEFAULT_NAME: &str = "Main";

/// One named list of symbols, in the order the user put them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watchlist {
    pub name: String,
    pub symbols: Vec<String>,
}

/// Everything the watchlist file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistFile {
    /// The list shown on start.
    #[serde(default)]
    pub active: String,
    #[serde(default, rename = "watchlist")]
    pub lists: Vec<Watchlist>,
}

/// Why the watchlist file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid watchlist file: {message}")]
    Parse { path: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

impl WatchlistFile {
    /// The file for one list built from the config's symbols.
    pub fn from_symbols(symbols: &[String]) -> WatchlistFile {
        WatchlistFile {
            active: DEFAULT_NAME.to_string(),
            lists: vec![Watchlist {
                name: DEFAULT_NAME.to_string(),
                symbols: symbols.to_vec(),
            }],
        }
    }

    /// The same lists made safe to show: names and symbols cleaned of control characters,
    /// symbols normalised by the symbol grammar (a symbol it rejects is kept as typed, so a
    /// hand edit is never silently lost), empty names replaced, duplicates removed.
    pub fn normalized(mut self) -> WatchlistFile {
        let mut seen_names: Vec<String> = Vec::new();
        for (i, list) in self.lists.iter_mut().enumerate() {
            let mut name = clean(list.name.trim(), NAME_CHARS);
            if name.is_empty() || seen_names.contains(&name) {
                name = format!("List {}", i + 1);
            }
            seen_names.push(name.clone());
            list.name = name;

            let mut symbols: Vec<String> = Vec::new();
            for symbol in &list.symbols {
                let symbol = match parse_symbol(symbol) {
                    Ok(kind) => kind.canonical(),
                    Err(_) => clean(symbol.trim(), MAX_SYMBOL_CHARS),
                };
                if !symbol.is_empty() && !symbols.contains(&symbol) {
                    symbols.push(symbol);
                }
            }
            list.symbols = symbols;
        }
        if self.lists.is_empty() {
            self.lists.push(Watchlist {
                name: DEFAULT_NAME.to_string(),
                symbols: Vec::new(),
            });
        }
        self.active = clean(self.active.trim(), NAME_CHARS);
        self
    }
}

/// Reads the watchlist file; `Ok(None)` when there is none yet.
pub fn load(path: &Path) -> Result<Option<WatchlistFile>, WatchlistError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(WatchlistError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    toml::from_str::<WatchlistFile>(&text)
        .map(|file| Some(file.normalized()))
        .map_err(|e| WatchlistError::Parse {
            path: path.display().to_string(),
            message: e.message().to_string(),
        })
}

/// Writes the watchlist file atomically with mode 0600.
///
/// The text goes to a temporary file beside the target, is synced, then renamed over it, so
/// a reader never sees half a file. The directory is created (0700) when missing.
pub fn save(path: &Path, file: &WatchlistFile) -> Result<(), WatchlistError> {
    let fail = |source| WatchlistError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut text = String::from("# palmtree watchlists: rewritten by the app on every change.\n");
    text.push_str(&toml::to_string(file).map_err(|e| fail(std::io::Error::other(e)))?);

    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        create_private_dir(dir).map_err(fail)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "watchlists.toml".to_string());
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));

    let written = write_private(&temp, text.as_bytes()).and_then(|()| {
        std::fs::rename(&temp, path)?;
        if let Some(dir) = dir {
            // Syncing the directory makes the rename itself durable; not every OS allows it.
            if let Ok(handle) = std::fs::File::open(dir) {
                let _ = handle.sync_all();
            }
        }
        Ok(())
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(fail)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut handle = options.open(path)?;
    handle.write_all(bytes)?;
    handle.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_cleans_dedupes_and_pads_options() {
        let file = WatchlistFile {
            active: "Tech".to_string(),
            lists: vec![
                Watchlist {
                    name: "Tech\x1b[2J".to_string(),
                    symbols: vec![
                        "aapl".to_string(),
                        "AAPL".to_string(),
                        "spy 251219p00512500".to_string(),
                        "not a symbol!".to_string(),
                    ],
                },
                Watchlist {
                    name: String::new(),
                    symbols: vec![],
                },
            ],
        }
        .normalized();
        assert_eq!(file.lists[0].name, "Tech\u{FFFD}[2J");
        assert_eq!(
            file.lists[0].symbols,
            ["AAPL", "SPY   251219P00512500", "not a symbol!"]
        );
        assert_eq!(file.lists[1].name, "List 2");
    }
}
