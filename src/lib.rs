//! palmtree: a terminal trading client for the Charles Schwab Trader API.
//!
//! The binary in `main.rs` only parses arguments and dispatches; everything it runs lives here
//! so the integration tests in `tests/` drive the same code a user does.

pub mod auth;
pub mod broker;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod format;
pub mod logging;
pub mod sanitize;
pub mod schwab;
pub mod session;
pub mod sim;
pub mod store;
pub mod trading;
pub mod tui;
pub mod vault;
