//! The TOML config file, environment overrides, and the directories palmtree uses.
//!
//! A missing file means defaults. A malformed file is an error naming the file and the line,
//! never a silent fallback: a trader must not be sent to the wrong host by a typo.

use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::ProjectDirs;
use serde::Deserialize;

use crate::schwab::ApiUrls;
use crate::schwab::client::SCHWAB_HOST;

/// The watchlist a fresh install starts with: an ETF, indexes, an option, a future and forex
/// beside plain stocks, so every row type is seen on day one.
pub const DEFAULT_WATCHLIST: &[&str] = &[
    "AAPL",
    "MSFT",
    "NVDA",
    "TSLA",
    "SPY",
    "QQQ",
    "$SPX",
    "$DJI",
    "/ES",
    "AAPL  270115C00200000",
    "EUR/USD",
];

/// The whole config file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub api: ApiConfig,
    pub watchlist: WatchlistConfig,
    pub refresh: RefreshConfig,
    pub trading: TradingConfig,
    pub ui: UiConfig,
    pub vault: VaultConfig,
    /// Key rebindings, checked by the keymap (which names the line of a bad entry).
    pub keys: toml::Table,
}

/// How the terminal looks and locks.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// `default`, `light`, `16` or `none`; `NO_COLOR` in the environment always wins.
    pub theme: Option<String>,
    /// Minutes without input before balances and order entry are hidden; 0 turns it off.
    pub idle_lock_minutes: u64,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: None,
            idle_lock_minutes: 15,
        }
    }
}

/// What the vault remembers between commands, and for how long.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VaultConfig {
    /// Minutes the file's derived key stays in the kernel's session keyring after its last
    /// use, so the next command asks for no passphrase; 0 keeps it nowhere.
    pub remember_key_minutes: u64,
    /// Whether a Secret Service vault's current access token also waits in the session
    /// keyring until it expires, so the commands that only read from Schwab skip the
    /// keychain's D-Bus round trips; the refresh token never does.
    pub remember_access_token: bool,
}

impl Default for VaultConfig {
    fn default() -> Self {
        VaultConfig {
            remember_key_minutes: 15,
            remember_access_token: true,
        }
    }
}

impl VaultConfig {
    /// The setting as the vault takes it.
    pub fn key_memory(&self) -> crate::vault::KeyMemory {
        let minutes = self.remember_key_minutes.min(24 * 60);
        crate::vault::KeyMemory::for_idle(Duration::from_secs(minutes * 60))
    }
}

/// Where Schwab lives and how palmtree calls it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    pub oauth_url: String,
    pub trader_url: String,
    pub marketdata_url: String,
    /// The callback registered for the app, sent byte for byte.
    pub callback: String,
    /// The whole-request limit for every call, in seconds.
    pub timeout_secs: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            oauth_url: format!("{SCHWAB_HOST}/v1/oauth"),
            trader_url: format!("{SCHWAB_HOST}/trader/v1"),
            marketdata_url: format!("{SCHWAB_HOST}/marketdata/v1"),
            callback: "https://127.0.0.1:8182".into(),
            timeout_secs: 15,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WatchlistConfig {
    pub symbols: Vec<String>,
}

impl Default for WatchlistConfig {
    fn default() -> Self {
        WatchlistConfig {
            symbols: DEFAULT_WATCHLIST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// How often each view refreshes while it is on screen, in seconds.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshConfig {
    pub quotes_secs: u64,
    pub positions_secs: u64,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        RefreshConfig {
            quotes_secs: 2,
            positions_secs: 10,
        }
    }
}

/// Order entry's guards.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TradingConfig {
    /// The account an order goes to when none is named: a nickname or the last four digits.
    pub default_account: Option<String>,
    /// The largest quantity one order may have (a fat-finger guard).
    pub max_quantity: u64,
    /// A limit price further than this percent from the market is warned about.
    #[serde(deserialize_with = "percent")]
    pub far_from_market_percent: rust_decimal::Decimal,
    /// Order requests (place, replace, cancel) allowed per account per minute; at most 120.
    pub orders_per_minute: u32,
}

impl Default for TradingConfig {
    fn default() -> Self {
        TradingConfig {
            default_account: None,
            max_quantity: 10_000,
            far_from_market_percent: rust_decimal::Decimal::TEN,
            orders_per_minute: 120,
        }
    }
}

/// The longest text read as a percentage. `Decimal`'s own reader recurses once per digit, so
/// a value of thousands of zeros would overflow the stack instead of naming the line.
const MAX_PERCENT_TEXT: usize = 40;

/// A percentage written as a TOML number (`10`, `12.5`) or a string (`"12.5"`).
fn percent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<rust_decimal::Decimal, D::Error> {
    use serde::de::Error;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Integer(i64),
        Float(f64),
        Text(String),
    }
    let bad = || D::Error::custom("expected a percentage such as 10 or 12.5");
    match Written::deserialize(d)? {
        Written::Integer(n) => Ok(rust_decimal::Decimal::from(n)),
        Written::Float(f) => rust_decimal::Decimal::try_from(f).map_err(|_| bad()),
        Written::Text(text) if text.trim().len() <= MAX_PERCENT_TEXT => {
            text.trim().parse().map_err(|_| bad())
        }
        Written::Text(_) => Err(bad()),
    }
}

impl TradingConfig {
    /// The ticket's limits from this config.
    pub fn limits(&self) -> crate::trading::Limits {
        crate::trading::Limits {
            max_quantity: self.max_quantity,
            far_from_market_percent: self.far_from_market_percent,
        }
    }
}

/// A config problem, naming where it is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{what} {value:?} is not a valid URL: {reason}")]
    Url {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("no home directory found; set PALMTREE_CONFIG to a config file path")]
    NoHome,
}

impl Config {
    /// Reads `path` if it exists (defaults otherwise), then applies environment overrides.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        config.apply_env(|name| std::env::var(name).ok());
        Ok(config)
    }

    /// Parses config text; errors carry the line and column TOML reports.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let location = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!("{location}{}", e.message()),
            }
        })
    }

    /// `PALMTREE_OAUTH_URL`, `PALMTREE_TRADER_URL` and `PALMTREE_MARKETDATA_URL` override the
    /// file, so a script can point one run at another server.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(v) = var("PALMTREE_OAUTH_URL") {
            self.api.oauth_url = v;
        }
        if let Some(v) = var("PALMTREE_TRADER_URL") {
            self.api.trader_url = v;
        }
        if let Some(v) = var("PALMTREE_MARKETDATA_URL") {
            self.api.marketdata_url = v;
        }
    }

    /// The three API base URLs, checked.
    pub fn api_urls(&self) -> Result<ApiUrls, ConfigError> {
        let parse = |what: &'static str, value: &str| {
            url::Url::parse(value).map_err(|e| ConfigError::Url {
                what,
                value: value.to_string(),
                reason: e.to_string(),
            })
        };
        Ok(ApiUrls {
            oauth: parse("api.oauth_url", &self.api.oauth_url)?,
            trader: parse("api.trader_url", &self.api.trader_url)?,
            marketdata: parse("api.marketdata_url", &self.api.marketdata_url)?,
        })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.api.timeout_secs.max(1))
    }
}

/// The directories palmtree reads and writes.
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    /// Where the log file goes.
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's usual places (XDG on Linux), with `PALMTREE_CONFIG` naming the file.
    pub fn discover() -> Result<Self, ConfigError> {
        let dirs = ProjectDirs::from("", "", "palmtree").ok_or(ConfigError::NoHome)?;
        let config_file = std::env::var_os("PALMTREE_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.config_dir().join("config.toml"));
        let state_dir = dirs
            .state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
        Ok(Paths {
            config_file,
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn defaults_point_at_schwab() {
        let config = Config::parse("", Path::new("c.toml")).unwrap();
        let urls = config.api_urls().unwrap();
        assert_eq!(urls.trader.as_str(), "https://api.schwabapi.com/trader/v1");
        assert_eq!(config.api.callback, "https://127.0.0.1:8182");
        assert!(config.watchlist.symbols.contains(&"$SPX".to_string()));
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[api]\ntimeout_secs = 5\nbogus = 1\n";
        let error = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("c.toml: line 3: "), "{error}");
        assert!(error.contains("bogus"), "{error}");
    }

    #[test]
    fn a_percentage_is_a_number_or_a_short_string() {
        let read = |value: &str| {
            Config::parse(
                &format!("[trading]\nfar_from_market_percent = {value}\n"),
                Path::new("c.toml"),
            )
            .map(|c| c.trading.far_from_market_percent.to_string())
            .map_err(|e| e.to_string())
        };
        assert_eq!(read("10"), Ok("10".into()));
        assert_eq!(read("12.5"), Ok("12.5".into()));
        assert_eq!(read("\"7.25\""), Ok("7.25".into()));
        // Found by the config fuzzing: this overflowed the stack inside `Decimal`'s reader.
        let error = read(&format!("\"{}\"", "0".repeat(50_000))).unwrap_err();
        assert!(error.starts_with("c.toml: line 2: "), "{error}");
        assert!(read("nan").is_err());
        assert!(read("\"ten\"").is_err());
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut config = Config::default();
        config.apply_env(|name| {
            (name == "PALMTREE_TRADER_URL").then(|| "http://127.0.0.1:9/trader/v1".to_string())
        });
        assert_eq!(config.api.trader_url, "http://127.0.0.1:9/trader/v1");
        assert_eq!(config.api.oauth_url, "https://api.schwabapi.com/v1/oauth");
    }
}
