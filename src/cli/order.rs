//! `palmtree order preview|place|cancel` and `palmtree orders`: order entry for scripts,
//! with the same validation, preview and journal as the terminal.
//!
//! A scripted order with any problem exits non-zero with the messages and sends nothing;
//! `place` without `--yes` shows the preview and asks before sending.

use std::io::{BufRead, Write};

use anyhow::Context;
use serde_json::json;

use crate::broker::model::{Account, QuoteState};
use crate::broker::orders::{OrderJournal, OrderRow, Resolution, Submission};
use crate::broker::{Broker, BrokerError};
use crate::config::TradingConfig;
use crate::format::{money, or_missing, price, quantity};
use crate::schwab::orders::PreviewOrder;
use crate::trading::{
    self, AssetClass, Duration, FrozenOrder, Instruction, MarketContext, OrderKind, Outcome,
    Session, Ticket,
};

/// The order as given on the command line.
#[derive(Clone, Debug, clap::Args)]
pub struct OrderArgs {
    #[arg(long)]
    pub symbol: String,
    #[arg(long, value_enum)]
    pub instruction: InstructionArg,
    /// Whole shares or contracts.
    #[arg(long)]
    pub quantity: String,
    #[arg(long = "type", value_enum)]
    pub order_type: TypeArg,
    /// The limit price (LIMIT, STOP_LIMIT).
    #[arg(long)]
    pub price: Option<String>,
    /// The stop price (STOP, STOP_LIMIT).
    #[arg(long)]
    pub stop: Option<String>,
    /// The trailing stop's distance from the market, in dollars (TRAILING_STOP).
    #[arg(long)]
    pub trail: Option<String>,
    #[arg(long, value_enum, default_value_t = DurationArg::Day)]
    pub duration: DurationArg,
    #[arg(long, value_enum, default_value_t = SessionArg::Normal)]
    pub session: SessionArg,
    /// The account: its nickname or last four digits (default: the config's, or the only one).
    #[arg(long)]
    pub account: Option<String>,
    /// Send without asking (place only).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InstructionArg {
    Buy,
    Sell,
    SellShort,
    BuyToCover,
    BuyToOpen,
    SellToOpen,
    BuyToClose,
    SellToClose,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TypeArg {
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DurationArg {
    Day,
    Gtc,
    Fok,
    Ioc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SessionArg {
    Normal,
    Am,
    Pm,
    Seamless,
}

/// How an order command ended, as the exit status scripts read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Previewed cleanly, placed, or canceled.
    Done,
    /// The ticket had problems or Schwab refused it: nothing was placed.
    Refused,
    /// The user declined at the prompt.
    Declined,
    /// The outcome is unknown even after reading the orders back.
    Unknown,
}

impl Ending {
    pub fn code(self) -> u8 {
        match self {
            Ending::Done => 0,
            Ending::Refused => 2,
            Ending::Declined => 1,
            Ending::Unknown => 3,
        }
    }
}

/// Finds the account a name means: a nickname (any case), or the last four digits.
pub fn pick_account<'a>(
    accounts: &'a [Account],
    wanted: Option<&str>,
    default: Option<&str>,
) -> anyhow::Result<&'a Account> {
    let name = wanted.or(default);
    let Some(name) = name else {
        return match accounts {
            [only] => Ok(only),
            _ => anyhow::bail!(
                "several accounts: name one with --account ({}), or set \
                 trading.default_account in the config",
                labels(accounts)
            ),
        };
    };
    let tail = name.trim_start_matches(['…', '.']);
    accounts
        .iter()
        .find(|a| a.label.eq_ignore_ascii_case(name) || a.label.ends_with(tail) && tail.len() >= 4)
        .with_context(|| {
            format!(
                "no account called {name:?}; the accounts are {}",
                labels(accounts)
            )
        })
}

fn labels(accounts: &[Account]) -> String {
    accounts
        .iter()
        .map(|a| a.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ticket the arguments describe, for `account`.
pub fn ticket(args: &OrderArgs, account: &Account) -> Ticket {
    let instruction = match args.instruction {
        InstructionArg::Buy => Instruction::Buy,
        InstructionArg::Sell => Instruction::Sell,
        InstructionArg::SellShort => Instruction::SellShort,
        InstructionArg::BuyToCover => Instruction::BuyToCover,
        InstructionArg::BuyToOpen => Instruction::BuyToOpen,
        InstructionArg::SellToOpen => Instruction::SellToOpen,
        InstructionArg::BuyToClose => Instruction::BuyToClose,
        InstructionArg::SellToClose => Instruction::SellToClose,
    };
    let asset = match args.instruction {
        InstructionArg::BuyToOpen
        | InstructionArg::SellToOpen
        | InstructionArg::BuyToClose
        | InstructionArg::SellToClose => AssetClass::Option,
        _ => AssetClass::Equity,
    };
    Ticket {
        account: Some(account.key.clone()),
        symbol: args.symbol.clone(),
        asset: Some(asset),
        instruction: Some(instruction),
        quantity: args.quantity.clone(),
        order_kind: Some(match args.order_type {
            TypeArg::Market => OrderKind::Market,
            TypeArg::Limit => OrderKind::Limit,
            TypeArg::Stop => OrderKind::Stop,
            TypeArg::StopLimit => OrderKind::StopLimit,
            TypeArg::TrailingStop => OrderKind::TrailingStop,
        }),
        limit_price: args.price.clone().unwrap_or_default(),
        stop_price: args.stop.clone().unwrap_or_default(),
        trail_offset: args.trail.clone().unwrap_or_default(),
        duration: Some(match args.duration {
            DurationArg::Day => Duration::Day,
            DurationArg::Gtc => Duration::GoodTillCancel,
            DurationArg::Fok => Duration::FillOrKill,
            DurationArg::Ioc => Duration::ImmediateOrCancel,
        }),
        session: Some(match args.session {
            SessionArg::Normal => Session::Normal,
            SessionArg::Am => Session::Am,
            SessionArg::Pm => Session::Pm,
            SessionArg::Seamless => Session::Seamless,
        }),
    }
}

/// The market facts validation weighs: the quote, the position, the buying power.
pub async fn context(broker: &Broker, account: &Account, symbol: &str) -> MarketContext {
    let symbol = symbol.trim().to_ascii_uppercase();
    let quote = broker
        .quotes(std::slice::from_ref(&symbol))
        .await
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .and_then(|row| match row.state {
            QuoteState::Live(q) => Some(*q),
            _ => None,
        });
    let held = account
        .positions
        .iter()
        .find(|p| {
            p.symbol.split_whitespace().collect::<String>()
                == symbol.split_whitespace().collect::<String>()
        })
        .map(|p| p.quantity);
    MarketContext {
        last: quote.as_ref().and_then(|q| q.last),
        bid: quote.as_ref().and_then(|q| q.bid),
        ask: quote.as_ref().and_then(|q| q.ask),
        penny_pilot: quote.as_ref().and_then(|q| q.penny_pilot),
        position_quantity: Some(held.unwrap_or_default()),
        buying_power: account.balances.buying_power,
    }
}

/// Validates, freezes and previews an order; prints everything; sends nothing.
///
/// Returns the frozen order when it may be placed (no problems, no rejects).
pub async fn prepare(
    broker: &Broker,
    journal: &dyn OrderJournal,
    trading_config: &TradingConfig,
    args: &OrderArgs,
    default_account: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<Option<(Account, FrozenOrder)>> {
    let accounts = broker.accounts().await?;
    let account = pick_account(&accounts, args.account.as_deref(), default_account)?.clone();
    let ticket = ticket(args, &account);
    let market = context(broker, &account, &args.symbol).await;
    let validation = trading::validate(&ticket, &market, &trading_config.limits());
    for problem in &validation.problems {
        writeln!(
            out,
            "problem: {}: {}",
            problem.field.label(),
            problem.message
        )?;
    }
    for warning in &validation.warnings {
        writeln!(out, "warning: {}", warning.message)?;
    }
    let Some(request) = validation.order.clone() else {
        writeln!(out, "Nothing was sent.")?;
        return Ok(None);
    };
    let frozen = FrozenOrder::freeze(request).context("the order could not be encoded")?;
    writeln!(
        out,
        "Order:   {} for {}",
        trading::describe(frozen.request()),
        account.label
    )?;
    if let Some(estimate) = &validation.estimate {
        writeln!(
            out,
            "Est.:    {} {}",
            estimate_word(estimate),
            money(estimate.gross)
        )?;
    }
    let preview = broker.preview(&account.key, &frozen, journal).await?;
    print_preview(&preview, out)?;
    if !preview.rejects().is_empty() {
        writeln!(out, "Schwab would reject this order; nothing was sent.")?;
        return Ok(None);
    }
    Ok(Some((account, frozen)))
}

fn estimate_word(estimate: &trading::Estimate) -> &'static str {
    match estimate.side {
        trading::CashSide::Cost => "cost",
        trading::CashSide::Proceeds => "proceeds",
    }
}

fn print_preview(preview: &PreviewOrder, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Preview: commission {}, fees {}",
        or_missing(preview.total_commission(), money),
        or_missing(preview.total_fees(), money)
    )?;
    for reject in preview.rejects() {
        writeln!(out, "reject:  {}", crate::sanitize::clean(&reject, 200))?;
    }
    for warning in preview.warnings() {
        writeln!(out, "warning: {}", crate::sanitize::clean(&warning, 200))?;
    }
    Ok(())
}

/// Asks the user to type `yes`; anything else (or no terminal) declines.
pub fn confirm(words: &str, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<bool> {
    write!(
        out,
        "Send {words} now? This is a LIVE order. Type yes to send: "
    )?;
    out.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// Prints what became of a placed order and says how the command ends.
pub fn report(submission: &Submission, out: &mut dyn Write) -> std::io::Result<Ending> {
    match &submission.outcome {
        Outcome::Placed { order_id } => {
            let id = order_id.map_or("(id not returned)".to_string(), |id| id.to_string());
            let status = submission
                .order
                .as_ref()
                .map_or("accepted", |o| o.status.as_str());
            writeln!(out, "Placed: order {id}, {status}.")?;
            Ok(Ending::Done)
        }
        Outcome::Rejected { reasons } => {
            for reason in reasons {
                writeln!(out, "Refused: {reason}")?;
            }
            writeln!(out, "Nothing was placed.")?;
            Ok(Ending::Refused)
        }
        Outcome::Unknown { reason } => {
            writeln!(
                out,
                "The order's outcome is unknown: {reason}. It was NOT sent again."
            )?;
            match &submission.resolution {
                Some(Resolution::Found(row)) => {
                    writeln!(
                        out,
                        "Reading the orders back found it: order {}, {}. It was placed.",
                        row.order_id, row.status
                    )?;
                    Ok(Ending::Done)
                }
                Some(Resolution::NotFound) => {
                    writeln!(
                        out,
                        "Reading the orders back did not find it, so it was probably not \
                         placed. Check `palmtree orders` before sending it again."
                    )?;
                    Ok(Ending::Unknown)
                }
                Some(Resolution::StillUnknown(why)) => {
                    writeln!(
                        out,
                        "The orders could not be read back either ({why}). Check \
                         `palmtree orders` before sending anything again."
                    )?;
                    Ok(Ending::Unknown)
                }
                None => Ok(Ending::Unknown),
            }
        }
    }
}

/// The orders as JSON; amounts are decimal strings.
pub fn orders_json(rows: &[OrderRow]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|o| {
            json!({
                "orderId": o.order_id,
                "account": o.account,
                "symbol": o.symbol,
                "instruction": o.instruction,
                "quantity": o.quantity,
                "filledQuantity": o.filled,
                "orderType": o.order_type,
                "price": o.price,
                "stopPrice": o.stop_price,
                "duration": o.duration,
                "status": o.status,
                "open": o.open,
                "cancelable": o.cancelable,
                "editable": o.editable,
                "enteredTime": o.entered.map(|t| t.to_rfc3339()),
                "closeTime": o.closed.map(|t| t.to_rfc3339()),
                "fillPrice": o.fill_price,
                "statusDescription": o.status_description,
            })
        })
        .collect();
    serde_json::Value::Array(items)
}

/// The orders as a table, times in the local time zone.
pub fn orders_table(rows: &[OrderRow]) -> String {
    let mut lines = vec![
        [
            "ID", "ACCOUNT", "ENTERED", "STATUS", "SIDE", "QTY", "FILLED", "SYMBOL", "TYPE",
            "PRICE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for o in rows {
        let when = o.entered.map_or(String::new(), |t| {
            t.with_timezone(&chrono::Local)
                .format("%m-%d %H:%M")
                .to_string()
        });
        let shown_price = o.price.or(o.stop_price).or(o.fill_price);
        lines.push(vec![
            o.order_id.to_string(),
            o.account.clone(),
            when,
            o.status.clone(),
            o.instruction.clone(),
            quantity(o.quantity),
            quantity(o.filled),
            o.symbol.clone(),
            o.order_type.clone(),
            or_missing(shown_price, price),
        ]);
    }
    if rows.is_empty() {
        return "no orders in the last days\n".into();
    }
    super::table(&lines, &[5, 6, 9])
}

/// Finds order `id` among the recent orders, for cancel.
pub async fn find_order(broker: &Broker, id: i64) -> Result<Option<OrderRow>, BrokerError> {
    Ok(broker
        .orders(60)
        .await?
        .into_iter()
        .find(|o| o.order_id == id))
}
