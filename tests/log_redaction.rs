//! The log file search in `secrets_hygiene` would catch a leak: a token logged through
//! palmtree's own log path is found in the file when redaction is off, and is not when it is on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palmtree::logging::{Redaction, file_subscriber};

/// Shaped like Schwab's tokens: long, dotted, base64url, ending in `@`.
const TOKEN: &str = "I0.b2F1dGgyLmJkYy5zY2h3YWIuY29t.Zm9yIHRlc3RzIG9ubHk4Nzk0MjE2@";

fn log_once(redaction: Redaction) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (subscriber, guard) = file_subscriber(dir.path(), "info", redaction).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(access_token = TOKEN, "refresh answered");
        tracing::warn!("token endpoint said: invalid token {TOKEN}");
    });
    drop(guard);
    let mut text = String::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(
        text.contains("refresh answered"),
        "the log was written: {text:?}"
    );
    text
}

#[test]
fn a_token_logged_without_redaction_is_found_by_the_search() {
    let text = log_once(Redaction::Off);
    assert_eq!(text.matches(TOKEN).count(), 2, "{text}");
}

#[test]
fn the_same_token_through_palmtrees_log_path_is_scrubbed() {
    let text = log_once(Redaction::On);
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(text.matches("[redacted]").count(), 2, "{text}");
}
