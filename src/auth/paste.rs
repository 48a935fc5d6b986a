//! The paste path: for logins over SSH or with no browser, the user pastes the URL the
//! browser was redirected to.
//!
//! Even when the browser shows a certificate warning or a dead page, its address bar holds the
//! whole redirect, so this path always works.

use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::LoginError;

/// Why the paste path was chosen over the loopback listener, in words for the user.
pub fn paste_reason(forced: bool, var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    if forced {
        return Some("--paste was given");
    }
    if var("SSH_CONNECTION").is_some_and(|v| !v.is_empty()) {
        return Some("this is an SSH session, so the browser is on another machine");
    }
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| var(name).is_some_and(|v| !v.is_empty()));
    if cfg!(target_os = "linux") && !has_display {
        return Some("there is no graphical display to open a browser on");
    }
    None
}

/// Reads one pasted line.
///
/// From a terminal it waits as long as the user needs (up to `terminal_wait`). From a pipe or
/// a file it gives up after `piped_wait` or at end of input, so a script never hangs on a
/// login that cannot finish.
pub async fn read_pasted<R: AsyncBufRead + Unpin>(
    input: &mut R,
    is_terminal: bool,
    terminal_wait: Duration,
    piped_wait: Duration,
) -> Result<String, LoginError> {
    let wait = if is_terminal {
        terminal_wait
    } else {
        piped_wait
    };
    let mut line = String::new();
    loop {
        line.clear();
        let read = tokio::time::timeout(wait, input.read_line(&mut line)).await;
        match read {
            Err(_) if is_terminal => return Err(LoginError::Timeout(wait)),
            Err(_) => return Err(LoginError::NoInput),
            Ok(Err(e)) => return Err(LoginError::Input(e.to_string())),
            Ok(Ok(0)) => return Err(LoginError::NoInput),
            Ok(Ok(_)) if line.trim().is_empty() => continue,
            Ok(Ok(_)) => return Ok(line.trim().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reasons_follow_the_environment() {
        let none = |_: &str| None;
        assert_eq!(paste_reason(true, none), Some("--paste was given"));
        let ssh = |name: &str| (name == "SSH_CONNECTION").then(|| "1.2.3.4 5 6.7.8.9 22".into());
        assert!(paste_reason(false, ssh).unwrap().contains("SSH"));
        let desktop = |name: &str| (name == "DISPLAY").then(|| ":0".to_string());
        assert_eq!(paste_reason(false, desktop), None);
    }

    #[tokio::test]
    async fn piped_input_gives_up_at_end_of_input_or_silence() {
        let mut empty: &[u8] = b"";
        let short = Duration::from_millis(50);
        let result = read_pasted(&mut empty, false, short, short).await;
        assert!(matches!(result, Err(LoginError::NoInput)));
        let mut pasted: &[u8] = b"\n  https://127.0.0.1:8182/?code=x  \n";
        let line = read_pasted(&mut pasted, false, short, short).await.unwrap();
        assert_eq!(line, "https://127.0.0.1:8182/?code=x");
        let (_keep_open, silent) = tokio::io::duplex(64);
        let mut silent = tokio::io::BufReader::new(silent);
        let started = std::time::Instant::now();
        let result = read_pasted(&mut silent, false, Duration::from_secs(60), short).await;
        assert!(matches!(result, Err(LoginError::NoInput)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
