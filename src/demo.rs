//! `palmtree demo` and `--demo`: the whole program against a simulator started in-process.
//!
//! The login runs for real: a loopback listener, the simulator's authorize redirect followed
//! the way a browser would, and a PKCE code exchange. Only the user's approval is skipped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::auth::PendingLogin;
use crate::broker::Broker;
use crate::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient};
use crate::session::Records;
use crate::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Sim, SimOptions};
use crate::vault::Vault;

/// A running simulator, a broker logged in to it, and a journal that lasts for the run.
pub struct Demo {
    pub sim: Sim,
    pub broker: Broker,
    /// The demo's own journal and cache, in a directory removed when the demo ends.
    pub records: Arc<Records>,
    _dir: ScratchDir,
}

/// The account demo orders go to when none is named.
pub const DEMO_DEFAULT_ACCOUNT: &str = "Individual";

/// A private directory under the system temp dir, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> anyhow::Result<Self> {
        let mut tag = [0u8; 8];
        getrandom::fill(&mut tag).map_err(|e| anyhow::anyhow!("random source failed: {e}"))?;
        let name: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("palmtree-demo-{name}"));
        crate::session::private_dir(&path)?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where the demo's own redirect listener binds: a free port on loopback.
const DEMO_CALLBACK: &str = "http://127.0.0.1:0/callback";

/// Starts a simulator and logs in to it.
pub async fn start(seed: u64) -> anyhow::Result<Demo> {
    start_with(seed, |_| {}).await
}

/// Starts a simulator and logs in with client options adjusted by `adjust` (tests raise the
/// read limit, or lower the order limit).
pub async fn start_with(
    seed: u64,
    adjust: impl FnOnce(&mut ClientOptions),
) -> anyhow::Result<Demo> {
    let sim = Sim::start(SimOptions {
        seed,
        ..SimOptions::default()
    })
    .await
    .context("could not start the demo simulator on 127.0.0.1")?;
    let urls = ApiUrls::under(&sim.base_url()).context("the simulator's address is not a URL")?;
    let mut options = ClientOptions::new(urls, AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET));
    adjust(&mut options);
    let client = SchwabClient::new(options)?;
    login(&sim, &client).await?;
    let dir = ScratchDir::new()?;
    let records = Arc::new(Records::open(&Vault::demo(), &dir.0)?);
    Ok(Demo {
        sim,
        broker: Broker::new(client).with_snapshots(records.clone()),
        records,
        _dir: dir,
    })
}

/// Logs `client` in to `sim` through the same listener and exchange a real login uses.
pub async fn login(sim: &Sim, client: &SchwabClient) -> anyhow::Result<()> {
    let pending = PendingLogin::start(client, DEMO_CALLBACK).await?;
    sim.register_callback(pending.redirect_uri());
    // Stands in for the user's browser: fetch the authorize URL and follow its redirect to
    // the listener, which is what a browser does after the user approves.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .timeout(Duration::from_secs(10))
        .build()?;
    let landing = browser
        .get(pending.authorize_url().clone())
        .send()
        .await
        .context("the demo could not open the simulator's authorize page")?;
    anyhow::ensure!(
        landing.status().is_success(),
        "the demo login landed on HTTP {}",
        landing.status().as_u16()
    );
    pending.finish(client, Duration::from_secs(10)).await?;
    Ok(())
}
