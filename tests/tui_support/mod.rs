//! Shared fixtures for the TUI tests: demo-like accounts, quotes, orders and candles, a state
//! built from them through `update`, a fake source, and helpers that render to a
//! `TestBackend` and read the buffer back.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Local, TimeZone, Utc};
use palmtree::broker::BrokerError;
use palmtree::broker::model::{
    Account, AccountKey, AssetKind, Balances, Candle, ChartRange, MarketSession, Position, Quote,
    QuoteRow, QuoteState,
};
use palmtree::broker::orders::{OrderAction, OrderAnswer, OrderJournal, Submission};
use palmtree::schwab::orders::PreviewOrder;
use palmtree::trading::{FrozenOrder, Outcome};
use palmtree::tui::action::{Action, Command};
use palmtree::tui::orders::OrderRow;
use palmtree::tui::source::Source;
use palmtree::tui::theme::Theme;
use palmtree::tui::update::update;
use palmtree::tui::{State, TuiOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::text::Line;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

pub const OPTION_SYMBOL: &str = "AAPL  250620C00200000";
pub const HOSTILE: &str = "Evil \x1b]0;owned\x07 Corp \x1b[2J\u{9b}31m\u{202e}gnp.exe";

pub fn at(h: u32, m: u32, s: u32) -> DateTime<Local> {
    Local
        .with_ymd_and_hms(2025, 3, 14, h, m, s)
        .single()
        .unwrap()
}

pub fn options() -> TuiOptions {
    TuiOptions {
        watchlist: [
            "AAPL",
            "SPY",
            "$SPX",
            OPTION_SYMBOL,
            "/ESZ25",
            "ZZZZ",
            "MSFT",
        ]
        .map(String::from)
        .to_vec(),
        title: "palmtree — DEMO".to_string(),
        ..TuiOptions::default()
    }
}

#[allow(clippy::too_many_arguments)]
pub fn position(
    symbol: &str,
    description: &str,
    kind: AssetKind,
    quantity: Decimal,
    average: Decimal,
    last: Decimal,
    market_value: Decimal,
    day_pl: Decimal,
    total_pl: Decimal,
) -> Position {
    Position {
        symbol: symbol.to_string(),
        description: description.to_string(),
        kind,
        underlying: None,
        quantity,
        average_price: Some(average),
        last: Some(last),
        market_value,
        day_pl: Some(day_pl),
        day_pl_pct: None,
        total_pl: Some(total_pl),
        total_pl_pct: None,
    }
}

/// Two accounts: a margin account with a long stock, an ETF, an option and a short stock,
/// and a cash account with one fund whose description has wide characters.
pub fn accounts() -> Vec<Account> {
    let mut option = position(
        OPTION_SYMBOL,
        "APPLE INC 06/20/2025 $200 Call",
        AssetKind::Option,
        dec!(2),
        dec!(5.25),
        dec!(6.10),
        dec!(1220.00),
        dec!(30.00),
        dec!(170.00),
    );
    option.underlying = Some("AAPL".to_string());
    vec![
        Account {
            key: AccountKey::new("HASH-ONE"),
            label: "Individual …1234".to_string(),
            kind: "MARGIN".to_string(),
            balances: Balances {
                cash: Some(dec!(12345.67)),
                buying_power: Some(dec!(45678.90)),
                day_trading_buying_power: Some(dec!(91357.80)),
                liquidation_value: Some(dec!(54000.17)),
            },
            positions: vec![
                position(
                    "AAPL",
                    "Apple Inc",
                    AssetKind::Equity,
                    dec!(100),
                    dec!(150.00),
                    dec!(187.20),
                    dec!(18720.00),
                    dec!(120.00),
                    dec!(3720.00),
                ),
                position(
                    "SPY",
                    "SPDR S&P 500 ETF Trust",
                    AssetKind::Etf,
                    dec!(50),
                    dec!(480.25),
                    dec!(512.40),
                    dec!(25620.00),
                    dec!(-45.50),
                    dec!(1607.50),
                ),
                option,
                position(
                    "TSLA",
                    "Tesla Inc",
                    AssetKind::Equity,
                    dec!(-20),
                    dec!(260.00),
                    dec!(198.275),
                    dec!(-3965.50),
                    dec!(-12.30),
                    dec!(1234.50),
                ),
            ],
        },
        Account {
            key: AccountKey::new("HASH-TWO"),
            label: "Roth IRA …5678".to_string(),
            kind: "CASH".to_string(),
            balances: Balances {
                cash: Some(dec!(2500.00)),
                buying_power: Some(dec!(2500.00)),
                day_trading_buying_power: None,
                liquidation_value: Some(dec!(5100.00)),
            },
            positions: vec![position(
                "VTI",
                "株式会社 🚀 Total Market ファンド",
                AssetKind::Etf,
                dec!(10),
                dec!(250.00),
                dec!(260.00),
                dec!(2600.00),
                dec!(0),
                dec!(100.00),
            )],
        },
    ]
}

fn live(symbol: &str, description: &str, kind: AssetKind) -> Quote {
    Quote {
        symbol: symbol.to_string(),
        description: description.to_string(),
        kind: Some(kind),
        ..Quote::default()
    }
}

/// The watchlist answers: equity, ETF, index, option, future, not found, unavailable.
pub fn quote_rows() -> Vec<QuoteRow> {
    let aapl = Quote {
        bid: Some(dec!(187.15)),
        ask: Some(dec!(187.25)),
        last: Some(dec!(187.20)),
        open: Some(dec!(185.00)),
        high: Some(dec!(188.00)),
        low: Some(dec!(184.50)),
        close: Some(dec!(185.95)),
        net_change: Some(dec!(1.25)),
        net_pct: Some(dec!(0.6722)),
        volume: Some(dec!(52345678)),
        week52_low: Some(dec!(164.08)),
        week52_high: Some(dec!(199.62)),
        ..live("AAPL", "Apple Inc", AssetKind::Equity)
    };
    let spy = Quote {
        bid: Some(dec!(512.38)),
        ask: Some(dec!(512.42)),
        last: Some(dec!(512.40)),
        net_change: Some(dec!(-0.91)),
        net_pct: Some(dec!(-0.1773)),
        volume: Some(dec!(61234567)),
        ..live("SPY", "SPDR S&P 500 ETF Trust", AssetKind::Etf)
    };
    let spx = Quote {
        last: Some(dec!(5123.45)),
        net_change: Some(dec!(12.34)),
        net_pct: Some(dec!(0.2414)),
        ..live("$SPX", "S&P 500 INDEX", AssetKind::Index)
    };
    let option = Quote {
        bid: Some(dec!(6.05)),
        ask: Some(dec!(6.15)),
        last: Some(dec!(6.10)),
        net_change: Some(dec!(0.15)),
        net_pct: Some(dec!(2.521)),
        volume: Some(dec!(1532)),
        penny_pilot: Some(true),
        ..live(
            OPTION_SYMBOL,
            "APPLE INC 06/20/2025 $200 Call",
            AssetKind::Option,
        )
    };
    let future = Quote {
        bid: Some(dec!(5130.25)),
        ask: Some(dec!(5130.50)),
        last: Some(dec!(5130.25)),
        net_change: Some(dec!(-3.25)),
        net_pct: Some(dec!(-0.0633)),
        volume: Some(dec!(1234567)),
        ..live("/ESZ25", "E-mini S&P 500 Dec 2025", AssetKind::Future)
    };
    vec![
        row("AAPL", QuoteState::Live(Box::new(aapl))),
        row("SPY", QuoteState::Live(Box::new(spy))),
        row("$SPX", QuoteState::Live(Box::new(spx))),
        row(OPTION_SYMBOL, QuoteState::Live(Box::new(option))),
        row("/ESZ25", QuoteState::Live(Box::new(future))),
        row("ZZZZ", QuoteState::NotFound),
        row(
            "MSFT",
            QuoteState::Unavailable("quote could not be read".to_string()),
        ),
    ]
}

fn row(symbol: &str, state: QuoteState) -> QuoteRow {
    QuoteRow {
        symbol: symbol.to_string(),
        state,
    }
}

fn utc(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, h, m, 0)
        .single()
        .unwrap()
}

pub fn order(id: i64, symbol: &str, status: &str, instruction: &str) -> OrderRow {
    let working = status == "WORKING";
    OrderRow {
        order_id: id,
        account: "Individual …1234".to_string(),
        key: AccountKey::new("HASH-ONE"),
        symbol: symbol.to_string(),
        description: String::new(),
        instruction: instruction.to_string(),
        quantity: dec!(10),
        filled: dec!(0),
        order_type: "LIMIT".to_string(),
        price: Some(dec!(180.00)),
        stop_price: None,
        stop_price_offset: None,
        stop_price_link_type: String::new(),
        stop_price_link_basis: String::new(),
        duration: "DAY".to_string(),
        session: "NORMAL".to_string(),
        status: status.to_string(),
        open: working,
        cancelable: working,
        editable: working,
        entered: Some(utc(14, 12, 0)),
        closed: None,
        fill_price: None,
        status_description: None,
    }
}

/// Working, filled, canceled and rejected orders over two days.
pub fn orders() -> Vec<OrderRow> {
    let working = order(1000000000001, "AAPL", "WORKING", "BUY");
    let mut filled = order(1000000000002, "SPY", "FILLED", "SELL");
    filled.filled = dec!(10);
    filled.fill_price = Some(dec!(512.41));
    filled.price = Some(dec!(512.40));
    filled.closed = Some(utc(14, 12, 5));
    let mut canceled = order(1000000000003, "TSLA", "CANCELED", "SELL_SHORT");
    canceled.entered = Some(utc(13, 11, 0));
    canceled.closed = Some(utc(13, 12, 0));
    let mut rejected = order(1000000000004, OPTION_SYMBOL, "REJECTED", "BUY_TO_OPEN");
    rejected.order_type = "STOP_LIMIT".to_string();
    rejected.stop_price = Some(dec!(6.00));
    rejected.price = Some(dec!(6.10));
    rejected.quantity = dec!(2);
    rejected.status_description = Some("Insufficient buying power".to_string());
    rejected.closed = Some(utc(14, 11, 59));
    vec![filled, canceled, rejected, working]
}

/// A day of 5-minute candles, with a dip in the middle; one more with a zero time when asked.
pub fn candles(count: usize, zero_time: bool) -> Vec<Candle> {
    let mut out: Vec<Candle> = (0..count)
        .map(|i| {
            let step = Decimal::from(i as i64);
            let wave = Decimal::from(((i * 7) % 11) as i64) - dec!(5);
            let open = dec!(185) + step / dec!(10) + wave / dec!(10);
            let close = open + if i % 3 == 0 { dec!(-0.4) } else { dec!(0.3) };
            Candle {
                time: utc(14, 13, 30) + chrono::TimeDelta::minutes(5 * i as i64),
                open,
                high: open.max(close) + dec!(0.2),
                low: open.min(close) - dec!(0.2),
                close,
                volume: Decimal::from(1000 + (i as i64 % 5) * 300),
            }
        })
        .collect();
    if zero_time {
        out.push(Candle {
            time: DateTime::<Utc>::UNIX_EPOCH,
            open: dec!(1),
            high: dec!(1),
            low: dec!(1),
            close: dec!(1),
            volume: dec!(1),
        });
    }
    out
}

/// A state with every feed loaded through `update`, as the event loop would load them.
pub fn loaded_state() -> State {
    let mut state = State::new(&options());
    update(&mut state, Action::Clock(at(14, 2, 6)));
    update(&mut state, Action::Start);
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts()),
            at: at(14, 2, 3),
        },
    );
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(quote_rows()),
            at: at(14, 2, 5),
        },
    );
    update(
        &mut state,
        Action::OrdersLoaded {
            result: Ok(orders()),
            at: at(14, 2, 4),
        },
    );
    update(
        &mut state,
        Action::SessionLoaded {
            result: Ok(MarketSession::Regular),
            at: at(14, 2, 3),
        },
    );
    state
}

/// The loaded state on the Quotes view with the detail pane of the first symbol open and its
/// day chart loaded.
pub fn detail_state(style_line: bool) -> State {
    let mut state = loaded_state();
    command(&mut state, Command::ShowQuotes);
    command(&mut state, Command::Open);
    update(
        &mut state,
        Action::HistoryLoaded {
            symbol: "AAPL".to_string(),
            range: ChartRange::Day,
            result: Ok(candles(78, false)),
            at: at(14, 2, 7),
        },
    );
    if style_line {
        command(&mut state, Command::ChartStyle);
    }
    state
}

/// A fake broker: canned answers, a call log, and switches for failures. Order writes log
/// the exact bytes they were given and answer with what the test set, or a placed order.
#[derive(Clone, Default)]
pub struct Fake {
    pub calls: Arc<Mutex<Vec<String>>>,
    pub quote_error: Arc<Mutex<Option<BrokerError>>>,
    pub preview_answer: Arc<Mutex<Option<PreviewOrder>>>,
    pub place_answer: Arc<Mutex<Option<Submission>>>,
    /// How long a place takes to answer.
    pub place_delay: Arc<Mutex<Option<std::time::Duration>>>,
    /// A place that dies after the request left.
    pub place_panics: Arc<std::sync::atomic::AtomicBool>,
}

/// A journal that keeps what it is told in memory.
#[derive(Default)]
pub struct MemoryJournal {
    pub entries: Mutex<Vec<String>>,
}

impl OrderJournal for MemoryJournal {
    fn intent(&self, action: OrderAction, details: serde_json::Value) -> Result<u64, String> {
        let mut entries = self.entries.lock().unwrap();
        entries.push(format!("intent {action:?} {details}"));
        Ok(entries.len() as u64)
    }

    fn answer(
        &self,
        seq: u64,
        answer: OrderAnswer,
        details: serde_json::Value,
    ) -> Result<(), String> {
        let mut entries = self.entries.lock().unwrap();
        entries.push(format!("answer {seq} {answer:?} {details}"));
        Ok(())
    }

    fn previewed(&self, details: serde_json::Value) -> Result<(), String> {
        self.entries
            .lock()
            .unwrap()
            .push(format!("previewed {details}"));
        Ok(())
    }
}

/// A preview Schwab accepts, with a commission and fees.
pub fn accepted_preview() -> PreviewOrder {
    serde_json::from_str(
        r#"{"orderId": 0,
            "orderStrategy": {"orderBalance": {"orderValue": 1872.50,
                                               "projectedBuyingPower": 43806.40}},
            "orderValidationResult": {"warns": [{"activityMessage": "The market is volatile"}]},
            "commissionAndFee": {
              "commission": {"commissionLegs": [
                {"commissionValues": [{"value": 0, "type": "COMMISSION"}]}]},
              "fee": {"feeLegs": [{"feeValues": [{"value": 0.02, "type": "SEC_FEE"}]}]}}}"#,
    )
    .unwrap()
}

/// A preview Schwab rejects.
pub fn rejected_preview() -> PreviewOrder {
    serde_json::from_str(
        r#"{"orderId": 0, "orderValidationResult": {"rejects": [
            {"activityMessage": "You do not have enough buying power for this order"}]}}"#,
    )
    .unwrap()
}

impl Fake {
    pub fn count(&self, prefix: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }

    fn log(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

impl Source for Fake {
    async fn accounts(&self) -> Result<Vec<Account>, BrokerError> {
        self.log("accounts".to_string());
        Ok(accounts())
    }

    async fn quotes(&self, symbols: &[String]) -> Result<Vec<QuoteRow>, BrokerError> {
        self.log(format!("quotes {}", symbols.join(",")));
        if let Some(error) = self.quote_error.lock().unwrap().clone() {
            return Err(error);
        }
        let known = quote_rows();
        Ok(symbols
            .iter()
            .map(|s| {
                known
                    .iter()
                    .find(|r| &r.symbol == s)
                    .cloned()
                    .unwrap_or_else(|| {
                        let state = if s == "AMD" {
                            QuoteState::Live(Box::new(live(
                                "AMD",
                                "ADVANCED MICRO",
                                AssetKind::Equity,
                            )))
                        } else {
                            QuoteState::NotFound
                        };
                        row(s, state)
                    })
            })
            .collect())
    }

    async fn orders(&self) -> Result<Vec<OrderRow>, BrokerError> {
        self.log("orders".to_string());
        Ok(orders())
    }

    async fn price_history(
        &self,
        symbol: &str,
        range: ChartRange,
    ) -> Result<Vec<Candle>, BrokerError> {
        self.log(format!("history {symbol} {}", range.label()));
        Ok(candles(40, false))
    }

    async fn market_session(&self, _now: DateTime<Utc>) -> Result<MarketSession, BrokerError> {
        self.log("session".to_string());
        Ok(MarketSession::Regular)
    }

    async fn preview(
        &self,
        _account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<PreviewOrder, BrokerError> {
        self.log(format!(
            "preview {}",
            String::from_utf8_lossy(order.bytes())
        ));
        journal
            .previewed(serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        Ok(self
            .preview_answer
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(accepted_preview))
    }

    async fn place(
        &self,
        _account: &AccountKey,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        let seq = journal
            .intent(OrderAction::Place, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        self.log(format!("place {}", String::from_utf8_lossy(order.bytes())));
        let delay = *self.place_delay.lock().unwrap();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        if self.place_panics.load(std::sync::atomic::Ordering::SeqCst) {
            panic!("the fake broker died after sending");
        }
        journal
            .answer(seq, OrderAnswer::Result, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        Ok(self
            .place_answer
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(Submission {
                outcome: Outcome::Placed {
                    order_id: Some(1000000000099),
                },
                resolution: None,
                order: Some(Box::new(self::order(
                    1000000000099,
                    "AAPL",
                    "WORKING",
                    "BUY",
                ))),
            }))
    }

    async fn replace(
        &self,
        _account: &AccountKey,
        order_id: i64,
        order: &FrozenOrder,
        journal: &dyn OrderJournal,
    ) -> Result<Submission, BrokerError> {
        let seq = journal
            .intent(OrderAction::Replace, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        self.log(format!(
            "replace {order_id} {}",
            String::from_utf8_lossy(order.bytes())
        ));
        journal
            .answer(seq, OrderAnswer::Result, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        Ok(Submission {
            outcome: Outcome::Placed {
                order_id: Some(1000000000100),
            },
            resolution: None,
            order: None,
        })
    }

    async fn cancel(
        &self,
        _account: &AccountKey,
        order_id: i64,
        journal: &dyn OrderJournal,
    ) -> Result<Outcome, BrokerError> {
        let seq = journal
            .intent(OrderAction::Cancel, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        self.log(format!("cancel {order_id}"));
        journal
            .answer(seq, OrderAnswer::Result, serde_json::json!({}))
            .map_err(BrokerError::Failed)?;
        Ok(Outcome::Placed {
            order_id: Some(order_id),
        })
    }
}

pub fn command(state: &mut State, command: Command) {
    update(state, Action::Command(command));
}

/// Renders the whole screen at `width` x `height` and returns the buffer.
pub fn render(state: &State, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| views::draw(frame, state, theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer with its styles: each row's text, then the runs of non-default style on it as
/// `x-y fg/bg/modifiers`, so a snapshot records the colours and the reverse video too.
pub fn styled(buffer: &Buffer) -> String {
    let text = lines(buffer);
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        out.push_str(&text[usize::from(y)]);
        out.push('\n');
        let mut runs: Vec<String> = Vec::new();
        let mut x = 0;
        while x < area.width {
            let cell = &buffer[(x, y)];
            let key = (cell.fg, cell.bg, cell.modifier);
            let start = x;
            while x < area.width {
                let c = &buffer[(x, y)];
                if (c.fg, c.bg, c.modifier) != key {
                    break;
                }
                x += 1;
            }
            if key != (Color::Reset, Color::Reset, Modifier::empty()) {
                runs.push(format!(
                    "{start}-{}:{:?}/{:?}/{:?}",
                    x - 1,
                    key.0,
                    key.1,
                    key.2
                ));
            }
        }
        if !runs.is_empty() {
            out.push_str("    ~ ");
            out.push_str(&runs.join(" "));
            out.push('\n');
        }
    }
    out
}

/// The buffer as one string per row, trailing blanks trimmed.
pub fn lines(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let mut line = String::new();
            let mut skip = false;
            for x in 0..area.width {
                let symbol = buffer[(x, y)].symbol();
                if !std::mem::take(&mut skip) {
                    line.push_str(symbol);
                    // A wide character owns the next cell too; that cell holds filler.
                    skip = Line::raw(symbol).width() > 1;
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The first row that contains `needle`; fails with the whole screen when none does.
pub fn row_with<'a>(lines: &'a [String], needle: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(needle))
        .map(String::as_str)
        .ok_or_else(|| format!("no row contains {needle:?} in:\n{}", lines.join("\n")))
        .unwrap()
}

/// The whitespace-separated words of a row, for asserting cell values without columns.
pub fn cells(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Presses a key through the default keymap, as the event loop does, and applies it.
pub fn hit(
    state: &mut State,
    code: crossterm::event::KeyCode,
) -> Vec<palmtree::tui::action::Effect> {
    hit_with(state, code, crossterm::event::KeyModifiers::NONE)
}

/// [`hit`] with modifiers.
pub fn hit_with(
    state: &mut State,
    code: crossterm::event::KeyCode,
    modifiers: crossterm::event::KeyModifiers,
) -> Vec<palmtree::tui::action::Effect> {
    let event = crossterm::event::Event::Key(crossterm::event::KeyEvent::new(code, modifiers));
    match palmtree::tui::event_loop::input_action(
        state,
        &palmtree::tui::keymap::Keymap::default(),
        &event,
    ) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

/// Types each character as a key press.
pub fn type_keys(state: &mut State, text: &str) -> Vec<palmtree::tui::action::Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(hit(state, crossterm::event::KeyCode::Char(c)));
    }
    effects
}

/// The loaded state with order entry on (a journal is present) and "Individual" as the
/// default account.
pub fn trading_state() -> State {
    loaded_state().with_trading(
        None,
        palmtree::trading::Limits::default(),
        Some("Individual".to_string()),
    )
}

/// Fills in BUY 10 AAPL LIMIT 187.25 DAY NORMAL on the ticket with keys, from a fresh `4`.
pub fn fill_aapl_buy(state: &mut State) {
    use crossterm::event::KeyCode::{Char, Right, Tab};
    hit(state, Char('4'));
    type_keys(state, "aapl");
    for code in [Tab, Right, Tab, Right, Tab] {
        hit(state, code);
    }
    type_keys(state, "10");
    for code in [Tab, Right, Right, Tab] {
        hit(state, code);
    }
    type_keys(state, "187.25");
    for code in [Tab, Right, Tab, Right] {
        hit(state, code);
    }
}

/// The screen as plain text at a size.
pub fn text_at(state: &State, width: u16, height: u16) -> String {
    lines(&render(state, &Theme::plain(), width, height)).join("\n")
}
