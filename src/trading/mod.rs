//! Pure trading rules: the order ticket, its validation, tick sizes, the order's steps.
//!
//! No I/O and no clock: everything here is a function of its arguments, so the TUI, the CLI
//! and the tests reach the same answers. Never imports the terminal, storage or simulator.

pub mod describe;
mod parse;
pub mod step;
pub mod tick;
pub mod ticket;

pub use describe::describe;
pub use step::{FrozenOrder, OrderStep, Outcome, StepEffect, Transition};
pub use ticket::{
    AssetClass, CashSide, Duration, Estimate, Field, Instruction, Limits, MarketContext, OrderKind,
    Problem, Session, Ticket, Validation, validate,
};
pub mod symbol;
