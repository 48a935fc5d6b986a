//! schwab
