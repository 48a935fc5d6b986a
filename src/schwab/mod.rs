//! The Schwab wire format and HTTP client: endpoints, serde types, errors, token refresh.
//!
//! Knows nothing of screens or storage. Whether it talks to Schwab or to the simulator is
//! only a matter of the base URLs it is given.

pub mod accounts;
pub mod client;
pub mod errors;
pub mod market;
mod open_enum;
pub mod orders;
pub mod quotes;
pub mod token;

pub use client::{ApiUrls, AppCredentials, ClientOptions, SchwabClient, TokenKeeper, Tokens};
pub use errors::SchwabError;
