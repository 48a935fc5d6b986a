//! Wire types of the trader API's account endpoints: account numbers, accounts, positions
//! and balances.
//!
//! Every field is optional because Schwab marks none required and omits the side a position
//! is not on (a long position has no `averageShortPrice`). Unknown fields are ignored.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::open_enum::open_enum;

open_enum!(
    /// `assetType` of an instrument inside a position or an order leg.
    AssetType {
        Equity => "EQUITY",
        Option => "OPTION",
        Index => "INDEX",
        MutualFund => "MUTUAL_FUND",
        CashEquivalent => "CASH_EQUIVALENT",
        FixedIncome => "FIXED_INCOME",
        Currency => "CURRENCY",
        CollectiveInvestment => "COLLECTIVE_INVESTMENT",
        Future => "FUTURE",
        Forex => "FOREX",
    }
);

/// One entry of `GET /accounts/accountNumbers`: the plain number and the hash that
/// addresses the account in every other path.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountNumber {
    pub account_number: String,
    pub hash_value: String,
}

impl std::fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountNumber([redacted])")
    }
}

/// One element of `GET /accounts`, or the body of `GET /accounts/{hash}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountEnvelope {
    pub securities_account: SecuritiesAccount,
    /// Present in real answers though absent from the spec.
    #[serde(default)]
    pub aggregated_balance: Option<AggregatedBalance>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AggregatedBalance {
    pub current_liquidation_value: Option<Decimal>,
    pub liquidation_value: Option<Decimal>,
}

#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecuritiesAccount {
    /// `MARGIN` or `CASH`.
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub account_number: Option<String>,
    pub round_trips: Option<i64>,
    pub is_day_trader: Option<bool>,
    pub is_closing_only_restricted: Option<bool>,
    /// Only sent with `fields=positions`; absent means "not asked", not "no positions".
    pub positions: Option<Vec<WirePosition>>,
    pub initial_balances: Option<WireBalances>,
    pub current_balances: Option<WireBalances>,
    pub projected_balances: Option<WireBalances>,
}

impl std::fmt::Debug for SecuritiesAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecuritiesAccount")
            .field("account_type", &self.account_type)
            .field("account_number", &"[redacted]")
            .field("positions", &self.positions)
            .field("current_balances", &self.current_balances)
            .finish_non_exhaustive()
    }
}

/// The balance fields palmtree reads; the three balance blocks share these names.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WireBalances {
    pub cash_balance: Option<Decimal>,
    pub available_funds: Option<Decimal>,
    pub buying_power: Option<Decimal>,
    pub day_trading_buying_power: Option<Decimal>,
    pub stock_buying_power: Option<Decimal>,
    pub liquidation_value: Option<Decimal>,
    pub equity: Option<Decimal>,
    pub long_market_value: Option<Decimal>,
    pub short_market_value: Option<Decimal>,
    pub maintenance_requirement: Option<Decimal>,
    pub money_market_fund: Option<Decimal>,
    pub total_cash: Option<Decimal>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WirePosition {
    pub short_quantity: Option<Decimal>,
    pub long_quantity: Option<Decimal>,
    pub settled_long_quantity: Option<Decimal>,
    pub settled_short_quantity: Option<Decimal>,
    pub average_price: Option<Decimal>,
    pub average_long_price: Option<Decimal>,
    pub average_short_price: Option<Decimal>,
    pub tax_lot_average_long_price: Option<Decimal>,
    pub tax_lot_average_short_price: Option<Decimal>,
    pub long_open_profit_loss: Option<Decimal>,
    pub short_open_profit_loss: Option<Decimal>,
    pub current_day_profit_loss: Option<Decimal>,
    pub current_day_profit_loss_percentage: Option<Decimal>,
    pub market_value: Option<Decimal>,
    pub maintenance_requirement: Option<Decimal>,
    pub previous_session_long_quantity: Option<Decimal>,
    pub previous_session_short_quantity: Option<Decimal>,
    pub current_day_cost: Option<Decimal>,
    pub instrument: Option<WireInstrument>,
}

impl WirePosition {
    /// The held quantity, signed: long minus short, so a short reads as negative.
    ///
    /// Saturates rather than overflowing: a quantity past `Decimal`'s range can only come from
    /// a garbled answer, and it must not take the positions screen down with it.
    pub fn net_quantity(&self) -> Decimal {
        let long = self.long_quantity.unwrap_or_default();
        long.saturating_sub(self.short_quantity.unwrap_or_default())
    }
}

/// An instrument as it appears inside positions and order legs.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WireInstrument {
    pub asset_type: Option<AssetType>,
    pub cusip: Option<String>,
    pub symbol: Option<String>,
    pub description: Option<String>,
    pub net_change: Option<Decimal>,
    pub instrument_id: Option<i64>,
    /// For options `VANILLA`; the spec's enum for this field is wrong (see the openapi note).
    #[serde(rename = "type")]
    pub instrument_type: Option<String>,
    pub put_call: Option<String>,
    pub underlying_symbol: Option<String>,
}

/// The body of `GET /userPreference`: per-account nicknames, streamer settings, entitlements.
///
/// The spec says this is an array; real answers are one object (see the openapi note).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserPreference {
    #[serde(default)]
    pub accounts: Vec<PreferenceAccount>,
}

#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PreferenceAccount {
    pub account_number: Option<String>,
    pub primary_account: Option<bool>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub nick_name: Option<String>,
    /// Already masked by Schwab, e.g. `...123`.
    pub display_acct_id: Option<String>,
}

impl std::fmt::Debug for PreferenceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreferenceAccount")
            .field("account_number", &"[redacted]")
            .field("nick_name", &self.nick_name)
            .field("display_acct_id", &self.display_acct_id)
            .finish_non_exhaustive()
    }
}
