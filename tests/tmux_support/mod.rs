//! What the tmux-driven tests share: whether tmux is there (and whether CI insists on it), and
//! shell quoting for the command line tmux runs.

use std::path::Path;
use std::process::Command;

/// Whether tmux can run. Where `PALMTREE_REQUIRE_TMUX=1` (set by `.ci/run`), a missing tmux
/// is a failure rather than a skip.
pub fn tmux_installed() -> bool {
    let here = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !here && std::env::var("PALMTREE_REQUIRE_TMUX").as_deref() == Ok("1") {
        panic!("PALMTREE_REQUIRE_TMUX=1 but tmux cannot run");
    }
    here
}

/// `path` quoted for `sh`.
pub fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}
