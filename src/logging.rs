//! Logs to a file in the state directory, never to the screen the TUI owns, with anything
//! shaped like a token scrubbed on its way out.
//!
//! Redaction here is the last line of defence: code must not log secrets in the first place
//! (they live in `SecretString`), but a token pasted into an error text is still caught.

use std::fs::DirBuilder;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Runs of token-alphabet characters at least this long are taken for secrets.
///
/// Schwab's tokens, codes and account hashes are all far longer; symbols, ids and prices are
/// far shorter.
const SECRET_RUN: usize = 24;

/// How many log lines may wait for the writer thread before new ones are dropped.
///
/// The appender's default (128,000) makes it set up a queue of that many slots at start, over
/// a millisecond that every `palmtree quote` in a script would pay; palmtree logs a few lines
/// a second at most, so a few thousand is ample.
const BUFFERED_LINES: usize = 4096;

/// Starts file logging. Keep the guard alive for the whole run: dropping it flushes the file.
///
/// The level comes from `PALMTREE_LOG` (default `info`); the noisy HTTP crates stay at `warn`.
pub fn init(state_dir: &Path) -> io::Result<(WorkerGuard, PathBuf)> {
    let level = std::env::var("PALMTREE_LOG").unwrap_or_else(|_| "info".into());
    let (subscriber, guard) = file_subscriber(state_dir, &level, Redaction::On)?;
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok((guard, state_dir.to_path_buf()))
}

/// Whether the log writer scrubs token-shaped text. Always `On` in palmtree itself; `Off`
/// exists so a test can show that the secrets search would catch a token logged without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redaction {
    On,
    Off,
}

/// The subscriber palmtree logs through: daily files `palmtree.*.log` in `state_dir` (0700),
/// plain text, at `level`, through the redacting writer unless `redaction` is `Off`.
pub fn file_subscriber(
    state_dir: &Path,
    level: &str,
    redaction: Redaction,
) -> io::Result<(Box<dyn tracing::Subscriber + Send + Sync>, WorkerGuard)> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state_dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("palmtree")
        .filename_suffix("log")
        .max_log_files(7)
        .build(state_dir)
        .map_err(io::Error::other)?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_new(format!(
        "{level},hyper=warn,h2=warn,rustls=warn,reqwest=warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let subscriber: Box<dyn tracing::Subscriber + Send + Sync> = match redaction {
        Redaction::On => Box::new(builder.with_writer(Redacting(writer)).finish()),
        Redaction::Off => Box::new(builder.with_writer(writer).finish()),
    };
    Ok((subscriber, guard))
}

/// A writer factory that scrubs secrets from each formatted event.
#[derive(Clone)]
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

pub struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Replaces `Bearer …` values and long token-like runs with `[redacted]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "-._~+/@%".contains(c);
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
            continue;
        }
        flush_run(&mut out, &mut run);
        out.push(c);
    }
    flush_run(&mut out, &mut run);
    out
}

fn flush_run(out: &mut String, run: &mut String) {
    let long = run.chars().count() >= SECRET_RUN;
    if long && run.chars().any(|c| c.is_ascii_digit()) && !is_uuid(run) {
        out.push_str("[redacted]");
    } else {
        out.push_str(run);
    }
    run.clear();
}

/// Schwab's correlation ids are UUIDs; support asks for them, so they stay readable.
fn is_uuid(run: &str) -> bool {
    let groups: Vec<&str> = run.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_are_scrubbed_and_prose_kept() {
        let line = "refresh failed token=C0.b2F1dGgtY29kZS1leGFtcGxl.ZXhhbXBsZTEyMw%40 for AAPL";
        let scrubbed = redact(line);
        assert_eq!(scrubbed, "refresh failed token=[redacted] for AAPL");
        let hash = "hash 3F2A9C0B7D1E4F60A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718";
        assert_eq!(redact(hash), "hash [redacted]");
        let prose = "endpoint=accounts/accountNumbers status=200 \
                     correl_id=f00192c6-155b-4cd6-b1ac-f11d7cb91962";
        assert_eq!(redact(prose), prose);
    }
}
