//! The demo market: its instruments, their live tape, and the seeded random walk that moves
//! every price one step per tick of the sim clock. Prices are `Decimal`s on each instrument's
//! tick; options are repriced from their underlying by `pricing` and rounded to a tick.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;

use super::hours::{self, Session};
use super::pricing::{self, PutCall, Valuation};

/// How many walk steps one request may replay.
///
/// Steps are counted on the sim clock, so `advance(7 days)` with a 1-second tick leaves
/// 600 000 steps to catch up. Only the latest ones are replayed; the price path is then the
/// same for equal seeds and equal observation times, but not for a different polling pattern.
const MAX_CATCH_UP: u64 = 500;

/// The asset classes of the demo market, as they decide quote shape and tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Equity,
    Etf,
    Index,
    Future,
    Forex,
    MutualFund,
    Option,
}

/// Static fundamentals for equities, ETFs and the fund.
#[derive(Debug, Clone)]
pub(crate) struct Fundamentals {
    pub eps: Decimal,
    pub div_amount: Decimal,
    pub div_freq: u32,
    pub avg10_volume: u64,
    pub avg1y_volume: u64,
    pub last_earnings: Option<&'static str>,
    /// Declaration, ex-, pay, next ex- and next pay dates, for dividend payers.
    pub div_dates: Option<[&'static str; 5]>,
    pub fund_strategy: Option<&'static str>,
}

/// What defines an option contract.
#[derive(Debug, Clone)]
pub(crate) struct OptionTerms {
    pub underlying: &'static str,
    pub underlying_index: usize,
    pub issuer: &'static str,
    pub put_call: PutCall,
    pub strike: Decimal,
    pub expiry: NaiveDate,
    pub iv: f64,
    pub open_interest: u64,
}

/// What defines a future.
#[derive(Debug, Clone)]
pub(crate) struct FutureTerms {
    pub root: &'static str,
    pub active: String,
    pub expiry: NaiveDate,
    pub multiplier: Decimal,
    pub tick_amount: Decimal,
    pub open_interest: u64,
}

/// The moving part of an instrument.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tape {
    pub close: Decimal,
    pub open: Decimal,
    pub last: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub bid: Decimal,
    pub ask: Decimal,
    pub bid_size: u64,
    pub ask_size: u64,
    pub last_size: u64,
    pub volume: u64,
    pub quote_ms: i64,
    pub trade_ms: i64,
    pub week52_high: Decimal,
    pub week52_low: Decimal,
    /// The last regular-session trade, which the `regular` quote section reports.
    pub regular_last: Decimal,
    pub regular_size: u64,
    pub regular_trade_ms: i64,
    pub ask_mic: &'static str,
    pub bid_mic: &'static str,
    pub last_mic: &'static str,
    /// Options only: the underlying price and greeks at the last repricing.
    pub underlying_price: Decimal,
    pub model: Valuation,
}

/// One quotable instrument.
#[derive(Debug, Clone)]
pub(crate) struct Instrument {
    pub symbol: String,
    pub kind: Kind,
    pub description: String,
    pub cusip: Option<&'static str>,
    pub exchange: &'static str,
    pub exchange_name: &'static str,
    pub ssid: i64,
    /// Largest move per step, in units of 0.001 %.
    step_limit: i64,
    pub fundamentals: Option<Fundamentals>,
    pub option: Option<OptionTerms>,
    pub future: Option<FutureTerms>,
    pub htb_quantity: Option<u64>,
    pub tape: Tape,
}

impl Instrument {
    /// The price increment at the current price.
    ///
    /// Penny-program options trade in $0.01 below $3 and $0.05 from $3; the others come from
    /// the instrument's market: $0.01 for stocks and indexes, 0.25 for /ES, 0.00001 for FX.
    pub(crate) fn tick(&self) -> Decimal {
        match self.kind {
            Kind::Option => option_tick(self.tape.last),
            Kind::Future => dec!(0.25),
            Kind::Forex => dec!(0.00001),
            _ => dec!(0.01),
        }
    }
}

/// Rounds to the nearest multiple of `tick`, halves away from zero, never below one tick.
pub(crate) fn round_to_tick(price: Decimal, tick: Decimal) -> Decimal {
    let Some(units) = price.checked_div(tick) else {
        return price;
    };
    let rounded = units.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * tick;
    rounded.max(tick).normalize()
}

/// `part / whole * 100`, or zero when `whole` is zero.
pub(crate) fn percent(part: Decimal, whole: Decimal) -> Decimal {
    part.checked_div(whole)
        .map(|r| (r * dec!(100)).round_dp(8))
        .unwrap_or_default()
}

/// The demo market and its walk.
pub(crate) struct Market {
    pub instruments: Vec<Instrument>,
    index: HashMap<String, usize>,
    rng: StdRng,
    epoch: DateTime<Utc>,
    tick: Duration,
    steps: u64,
    /// The walk's seed, which also seeds price history.
    pub seed: u64,
    /// When this market trades; `Market::new` starts on exchange hours.
    pub hours: hours::SessionHours,
}

const MICS: &[&str] = &["XNAS", "ARCX", "EDGX", "MEMX", "BATS", "XNYS", "IEXG"];

impl Market {
    /// Builds the demo market as of `now`, seeded so the same seed gives the same walk.
    pub(crate) fn new(seed: u64, tick: Duration, now: DateTime<Utc>) -> Self {
        let mut instruments = catalog(now);
        let mut rng = StdRng::seed_from_u64(seed);
        let now_ms = now.timestamp_millis();
        for inst in instruments.iter_mut().filter(|i| i.kind != Kind::Option) {
            open_tape(inst, now_ms, &mut rng);
        }
        let mut market = Self {
            index: HashMap::new(),
            instruments,
            rng,
            epoch: now,
            tick,
            steps: 0,
            seed,
            hours: hours::SessionHours::Exchange,
        };
        market.price_options(now, true);
        for (i, inst) in market.instruments.iter().enumerate() {
            market.index.insert(inst.symbol.clone(), i);
            if let Some(future) = &inst.future {
                market.index.insert(future.active.clone(), i);
            }
        }
        market
    }

    /// Finds an instrument by its upper-case symbol, or a future by its full contract code.
    pub(crate) fn lookup(&self, symbol: &str) -> Option<&Instrument> {
        self.index
            .get(symbol)
            .and_then(|&i| self.instruments.get(i))
    }

    /// Replays the walk steps due by `now` on the sim clock.
    #[cfg(test)]
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>) {
        self.catch_up_with(now, |_, _| {});
    }

    /// Replays the walk steps due by `now`, calling `each` after every step with the market
    /// and the step's time, which is where working orders get to look at each price.
    pub(crate) fn catch_up_with(
        &mut self,
        now: DateTime<Utc>,
        mut each: impl FnMut(&Market, DateTime<Utc>),
    ) {
        let tick_ns = self.tick.as_nanos();
        if tick_ns == 0 {
            return;
        }
        let elapsed = (now - self.epoch).to_std().unwrap_or_default().as_nanos();
        let target = u64::try_from(elapsed / tick_ns).unwrap_or(u64::MAX);
        if target <= self.steps {
            return;
        }
        let first = (self.steps + 1).max(target.saturating_sub(MAX_CATCH_UP - 1));
        for n in first..=target {
            let offset_ns = i64::try_from(u128::from(n) * tick_ns).unwrap_or(i64::MAX);
            let at = self
                .epoch
                .checked_add_signed(TimeDelta::nanoseconds(offset_ns))
                .unwrap_or(now);
            self.step(at);
            each(self, at);
        }
        self.steps = target;
    }

    /// One step: every walked instrument moves, then the options follow their underlyings.
    fn step(&mut self, at: DateTime<Utc>) {
        let at_ms = at.timestamp_millis();
        let regular = self.session(at) == Session::Regular;
        for inst in self.instruments.iter_mut() {
            if matches!(inst.kind, Kind::Option | Kind::MutualFund) {
                continue;
            }
            walk(inst, at_ms, regular, &mut self.rng);
        }
        self.price_options(at, false);
    }

    /// Reprices every option from its underlying at `at`.
    ///
    /// On the first call the previous close and the open are set too, from the underlying's
    /// close and open, so the option's net change tracks the underlying's.
    fn price_options(&mut self, at: DateTime<Utc>, opening: bool) {
        let at_ms = at.timestamp_millis();
        for i in 0..self.instruments.len() {
            let Some(terms) = self.instruments[i].option.clone() else {
                continue;
            };
            let Some(under) = self
                .instruments
                .get(terms.underlying_index)
                .map(|u| u.tape.clone())
            else {
                continue;
            };
            let years = years_to_expiry(&terms, at);
            let model = model(&terms, under.last, years);
            let tape = &mut self.instruments[i].tape;
            if opening {
                let close = model_price(&terms, under.close, years + 1.0 / 365.0);
                let open = model_price(&terms, under.open, years);
                tape.close = close;
                tape.open = open;
                tape.high = close.max(open);
                tape.low = close.min(open);
                tape.week52_high = round_to_tick(close * dec!(1.85), dec!(0.05));
                tape.week52_low = round_to_tick(close * dec!(0.42), dec!(0.01));
                tape.volume = terms.open_interest / 20;
            }
            let raw = Decimal::from_f64(model.price).unwrap_or(tape.last);
            let tick = option_tick(raw);
            let last = round_to_tick(raw, tick);
            tape.last = last;
            tape.model = model;
            tape.underlying_price = under.last;
            tape.high = tape.high.max(last);
            tape.low = tape.low.min(last);
            tape.week52_high = tape.week52_high.max(last);
            tape.week52_low = tape.week52_low.min(last);
            let below = self.rng.random_range(1..=3);
            let above = self.rng.random_range(1..=3);
            tape.bid = (last - tick * Decimal::from(below)).max(Decimal::ZERO);
            tape.ask = last + tick * Decimal::from(above);
            tape.bid_size = self.rng.random_range(1..=60);
            tape.ask_size = self.rng.random_range(1..=60);
            tape.last_size = self.rng.random_range(1..=10);
            if !opening {
                tape.volume += self.rng.random_range(0..=4);
            }
            tape.quote_ms = at_ms;
            tape.trade_ms = at_ms;
        }
    }

    /// This market, trading on `hours`.
    pub(crate) fn with_hours(mut self, hours: hours::SessionHours) -> Self {
        self.hours = hours;
        self
    }

    /// The session at `now` under this market's hours: it decides whether quotes carry
    /// extended-hours data and which orders may work.
    pub(crate) fn session(&self, now: DateTime<Utc>) -> Session {
        hours::session_for(self.hours, now)
    }
}

/// Model values for an option at a spot price.
fn model(terms: &OptionTerms, spot: Decimal, years: f64) -> Valuation {
    pricing::value(
        terms.put_call,
        spot.to_f64().unwrap_or_default(),
        terms.strike.to_f64().unwrap_or_default(),
        years,
        terms.iv,
    )
}

/// A model price rounded to the option's tick at that price.
fn model_price(terms: &OptionTerms, spot: Decimal, years: f64) -> Decimal {
    let raw = Decimal::from_f64(model(terms, spot, years).price).unwrap_or_default();
    round_to_tick(raw, option_tick(raw))
}

/// Penny-program ticks: $0.01 below $3, $0.05 from $3 (all demo options are in the program).
fn option_tick(price: Decimal) -> Decimal {
    if price < dec!(3) {
        dec!(0.01)
    } else {
        dec!(0.05)
    }
}

/// Years from `at` to the 16:00 New York close on the expiry date.
pub(crate) fn years_to_expiry(terms: &OptionTerms, at: DateTime<Utc>) -> f64 {
    let close = hours::eastern(terms.expiry, 16, 0).with_timezone(&Utc);
    let ms = (close - at).num_milliseconds() as f64;
    (ms / (365.0 * 86_400_000.0)).max(0.0)
}

/// Sets the opening bid, ask and sizes of a walked instrument.
fn open_tape(inst: &mut Instrument, now_ms: i64, rng: &mut StdRng) {
    let tick = inst.tick();
    let tape = &mut inst.tape;
    tape.high = tape.open.max(tape.last);
    tape.low = tape.open.min(tape.last);
    tape.regular_last = tape.last;
    tape.regular_size = rng.random_range(100..=5_000);
    tape.regular_trade_ms = now_ms;
    tape.quote_ms = now_ms;
    tape.trade_ms = now_ms;
    quote_around(inst.kind, tape, tick, rng);
}

/// Places bid and ask around the last price: bid <= last <= ask and bid < ask.
fn quote_around(kind: Kind, tape: &mut Tape, tick: Decimal, rng: &mut StdRng) {
    let below: i64 = rng.random_range(0..=2);
    let mut above: i64 = rng.random_range(0..=2);
    if below + above == 0 {
        above = 1;
    }
    tape.bid = (tape.last - tick * Decimal::from(below)).max(tick);
    tape.ask = tape.last + tick * Decimal::from(above);
    let (lots, last_size) = match kind {
        Kind::Forex => (1_000_000..=1_000_000, 0..=0),
        Kind::Future => (1..=150, 1..=20),
        _ => (1..=20, 1..=500),
    };
    tape.bid_size = rng.random_range(lots.clone());
    tape.ask_size = rng.random_range(lots);
    tape.last_size = rng.random_range(last_size);
    tape.bid_mic = MICS[rng.random_range(0..MICS.len())];
    tape.ask_mic = MICS[rng.random_range(0..MICS.len())];
    tape.last_mic = MICS[rng.random_range(0..MICS.len())];
}

/// One random-walk step with a gentle pull back towards the previous close.
///
/// A move is a whole number of 0.001 % units up to the instrument's limit; the pull removes 1 %
/// of the distance from the close each step, which keeps a day's range near a few percent.
fn walk(inst: &mut Instrument, at_ms: i64, regular: bool, rng: &mut StdRng) {
    let limit = inst.step_limit;
    let kind = inst.kind;
    let tape = &mut inst.tape;
    let drift = (tape.last - tape.close)
        .checked_div(tape.close)
        .map(|r| (r * dec!(1000)).round().to_i64().unwrap_or_default())
        .unwrap_or_default();
    let units = rng.random_range(-limit..=limit) - drift;
    let moved = tape.last * (Decimal::ONE + Decimal::new(units, 5));
    let tick = inst.tick();
    let tape = &mut inst.tape;
    tape.last = round_to_tick(moved, tick);
    tape.high = tape.high.max(tape.last);
    tape.low = tape.low.min(tape.last);
    tape.week52_high = tape.week52_high.max(tape.last);
    tape.week52_low = tape.week52_low.min(tape.last);
    quote_around(kind, tape, tick, rng);
    tape.volume += match kind {
        Kind::Forex => 0,
        Kind::Index => rng.random_range(20_000..=400_000),
        Kind::Future => rng.random_range(5..=400),
        _ => rng.random_range(100..=6_000),
    };
    tape.quote_ms = at_ms;
    tape.trade_ms = at_ms;
    if regular {
        tape.regular_last = tape.last;
        tape.regular_size = tape.last_size;
        tape.regular_trade_ms = at_ms;
    }
}

/// The contract month codes, January to December.
const MONTH_CODES: [char; 12] = ['F', 'G', 'H', 'J', 'K', 'M', 'N', 'Q', 'U', 'V', 'X', 'Z'];

/// The front quarterly contract on `today`: the first of Mar/Jun/Sep/Dec whose roll date (eight
/// days before the third-Friday expiry) is still ahead. On 2026-12-03 that is `/ESZ26`.
fn front_quarter(root: &str, today: NaiveDate) -> (String, NaiveDate) {
    let mut year = today.year();
    let mut month = (today.month() - 1) / 3 * 3 + 3;
    for _ in 0..8 {
        let expiry = hours::nth_weekday(year, month, Weekday::Fri, 3).unwrap_or(today);
        let roll = expiry - TimeDelta::days(8);
        if today < roll {
            let code = MONTH_CODES[(month - 1) as usize];
            return (format!("{root}{code}{:02}", year % 100), expiry);
        }
        month += 3;
        if month > 12 {
            month -= 12;
            year += 1;
        }
    }
    (root.to_owned(), today)
}

struct Listing {
    symbol: &'static str,
    kind: Kind,
    description: &'static str,
    cusip: Option<&'static str>,
    exchange: (&'static str, &'static str),
    ssid: i64,
    close: Decimal,
    open: Decimal,
    week52: (Decimal, Decimal),
    step_limit: i64,
    htb: Option<u64>,
    fundamentals: Option<Fundamentals>,
}

fn fundamentals(eps: Decimal, div: (Decimal, u32), volumes: (u64, u64)) -> Fundamentals {
    let dates = (div.1 > 0).then_some([
        "2026-10-30T04:00:00Z",
        "2026-11-10T05:00:00Z",
        "2026-11-13T05:00:00Z",
        "2027-02-09T05:00:00Z",
        "2027-02-12T05:00:00Z",
    ]);
    Fundamentals {
        eps,
        div_amount: div.0,
        div_freq: div.1,
        avg10_volume: volumes.0,
        avg1y_volume: volumes.1,
        last_earnings: Some("2026-10-29T04:00:00Z"),
        div_dates: dates,
        fund_strategy: None,
    }
}

fn etf(div: (Decimal, u32), volumes: (u64, u64)) -> Fundamentals {
    Fundamentals {
        last_earnings: None,
        fund_strategy: Some("P"),
        ..fundamentals(Decimal::ZERO, div, volumes)
    }
}

fn zero_fundamentals() -> Fundamentals {
    Fundamentals {
        eps: Decimal::ZERO,
        div_amount: Decimal::ZERO,
        div_freq: 0,
        avg10_volume: 0,
        avg1y_volume: 0,
        last_earnings: None,
        div_dates: None,
        fund_strategy: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn stock(
    symbol: &'static str,
    description: &'static str,
    cusip: &'static str,
    ssid: i64,
    close: Decimal,
    open: Decimal,
    week52: (Decimal, Decimal),
    fund: Fundamentals,
) -> Listing {
    Listing {
        symbol,
        kind: Kind::Equity,
        description,
        cusip: Some(cusip),
        exchange: ("Q", "NASDAQ"),
        ssid,
        close,
        open,
        week52,
        step_limit: 60,
        htb: Some(ssid.unsigned_abs() % 20_000_000 + 1_000_000),
        fundamentals: Some(fund),
    }
}

fn listings() -> Vec<Listing> {
    let mut list = vec![
        stock(
            "AAPL",
            "APPLE INC",
            "037833100",
            1_973_757_747,
            dec!(241.84),
            dec!(242.10),
            (dec!(260.10), dec!(169.21)),
            fundamentals(dec!(6.75), (dec!(1.04), 4), (48_512_330, 55_890_112)),
        ),
        stock(
            "MSFT",
            "MICROSOFT CORP",
            "594918104",
            1_584_934_327,
            dec!(468.35),
            dec!(467.02),
            (dec!(512.40), dec!(385.58)),
            fundamentals(dec!(13.64), (dec!(3.32), 4), (19_873_004, 21_402_877)),
        ),
        stock(
            "NVDA",
            "NVIDIA CORP",
            "67066G104",
            382_397_811,
            dec!(181.62),
            dec!(183.05),
            (dec!(212.19), dec!(86.62)),
            fundamentals(dec!(3.51), (dec!(0.04), 4), (186_310_552, 241_907_133)),
        ),
        stock(
            "AMD",
            "ADVANCED MICRO DEVICES INC",
            "007903107",
            1_449_199_007,
            dec!(168.90),
            dec!(170.22),
            (dec!(267.08), dec!(76.48)),
            fundamentals(dec!(1.91), (Decimal::ZERO, 0), (52_004_118, 48_771_903)),
        ),
        stock(
            "TSLA",
            "TESLA INC",
            "88160R101",
            1_132_883_205,
            dec!(352.71),
            dec!(355.40),
            (dec!(488.54), dec!(214.25)),
            fundamentals(dec!(1.67), (Decimal::ZERO, 0), (92_407_610, 98_115_446)),
        ),
        stock(
            "META",
            "META PLATFORMS INC",
            "30303M102",
            2_028_503_418,
            dec!(612.30),
            dec!(609.85),
            (dec!(796.25), dec!(479.80)),
            fundamentals(dec!(23.55), (dec!(2.10), 4), (12_630_225, 14_208_991)),
        ),
        stock(
            "INTC",
            "INTEL CORP",
            "458140100",
            1_327_102_604,
            dec!(24.85),
            dec!(24.71),
            (dec!(42.48), dec!(17.67)),
            fundamentals(dec!(0.41), (Decimal::ZERO, 0), (88_250_417, 71_664_090)),
        ),
    ];
    list.extend([
        Listing {
            kind: Kind::Etf,
            exchange: ("P", "NYSE Arca"),
            htb: None,
            step_limit: 40,
            ..stock(
                "SPY",
                "SPDR S&P 500 ETF",
                "78462F103",
                1_281_357_639,
                dec!(652.30),
                dec!(651.12),
                (dec!(689.70), dec!(481.80)),
                etf((dec!(7.05), 4), (61_228_410, 66_902_310)),
            )
        },
        Listing {
            kind: Kind::Etf,
            htb: None,
            step_limit: 45,
            ..stock(
                "QQQ",
                "INVESCO QQQ TRUST",
                "46090E103",
                1_316_429_051,
                dec!(571.40),
                dec!(572.88),
                (dec!(637.01), dec!(402.39)),
                etf((dec!(2.88), 4), (38_507_226, 41_350_774)),
            )
        },
    ]);
    let index = |symbol, description, ssid, close, open, week52| Listing {
        symbol,
        kind: Kind::Index,
        description,
        cusip: None,
        exchange: ("0", "Index"),
        ssid,
        close,
        open,
        week52,
        step_limit: 30,
        htb: None,
        fundamentals: Some(zero_fundamentals()),
    };
    list.extend([
        index(
            "$SPX",
            "S&P 500 INDEX",
            1_819_771_877,
            dec!(6540.12),
            dec!(6536.40),
            (dec!(6920.34), dec!(4835.04)),
        ),
        index(
            "$DJI",
            "DOW JONES 30 INDUSTRIALS",
            1_819_771_878,
            dec!(44812.55),
            dec!(44790.10),
            (dec!(48431.57), dec!(36611.78)),
        ),
        index(
            "$COMPX",
            "NASDAQ COMPOSITE",
            1_819_771_879,
            dec!(21430.18),
            dec!(21455.02),
            (dec!(23958.47), dec!(14784.03)),
        ),
    ]);
    list.extend([
        Listing {
            symbol: "/ES",
            kind: Kind::Future,
            description: "E-mini S&P 500 Index Futures",
            cusip: None,
            exchange: ("@", "XCME"),
            ssid: 0,
            close: dec!(6562.25),
            open: dec!(6560.50),
            week52: (dec!(6945.00), dec!(4855.75)),
            step_limit: 30,
            htb: None,
            fundamentals: None,
        },
        Listing {
            symbol: "EUR/USD",
            kind: Kind::Forex,
            description: "Euro/USDollar Spot",
            cusip: None,
            exchange: ("T", "GFT"),
            ssid: 1,
            close: dec!(1.08432),
            open: dec!(1.08415),
            week52: (dec!(1.18290), dec!(1.01780)),
            step_limit: 8,
            htb: None,
            fundamentals: None,
        },
        Listing {
            symbol: "AAAHX",
            kind: Kind::MutualFund,
            description: "One Choice Blend+ 2015 Portfolio  I Class",
            cusip: Some("02507J789"),
            exchange: ("3", "Mutual Fund"),
            ssid: -1,
            close: dec!(10.53),
            open: dec!(10.53),
            week52: (dec!(10.64), dec!(9.95)),
            step_limit: 0,
            htb: None,
            fundamentals: Some(zero_fundamentals()),
        },
    ]);
    list
}

/// The demo options: (OSI symbol, underlying, issuer name, call/put, strike, iv, open interest).
const OPTIONS: &[(&str, &str, &str, PutCall, i64, f64, u64)] = &[
    (
        "AAPL  270115C00200000",
        "AAPL",
        "APPLE INC",
        PutCall::Call,
        200,
        0.27,
        18_412,
    ),
    (
        "AAPL  270115P00200000",
        "AAPL",
        "APPLE INC",
        PutCall::Put,
        200,
        0.29,
        9_874,
    ),
    (
        "NVDA  270115C00200000",
        "NVDA",
        "NVIDIA CORP",
        PutCall::Call,
        200,
        0.48,
        22_051,
    ),
    (
        "SPY   270115P00550000",
        "SPY",
        "SPDR S&P 500 ETF",
        PutCall::Put,
        550,
        0.21,
        41_230,
    ),
];

/// How much of a day's volume has traded by `now`, in thousandths: the share of the regular
/// session gone by, at least 2 %, and all of it outside the session (the last day's total).
fn day_part(now: DateTime<Utc>, session: Session) -> u64 {
    let local = hours::to_eastern(now);
    let open = hours::eastern(local.date_naive(), 9, 30);
    let minutes = (local - open).num_minutes();
    match session {
        Session::Regular => u64::try_from(minutes * 1000 / 390)
            .unwrap_or(0)
            .clamp(20, 1000),
        _ => 1000,
    }
}

/// Every instrument of the demo market, in the fixed order the walk visits them.
fn catalog(now: DateTime<Utc>) -> Vec<Instrument> {
    let today = hours::eastern_date(now);
    let part = day_part(now, hours::session_at(now));
    let mut out: Vec<Instrument> = listings()
        .into_iter()
        .map(|l| {
            let daily = match (l.kind, &l.fundamentals) {
                (Kind::Index, _) => 2_400_000_000,
                (Kind::Future, _) => 1_400_000,
                (Kind::Forex | Kind::MutualFund, _) => 0,
                (_, Some(f)) => f.avg10_volume,
                (_, None) => 0,
            };
            let future = (l.kind == Kind::Future).then(|| {
                let (active, expiry) = front_quarter(l.symbol, today);
                FutureTerms {
                    root: l.symbol,
                    active,
                    expiry,
                    multiplier: dec!(50),
                    tick_amount: dec!(12.5),
                    open_interest: 2_105_332,
                }
            });
            Instrument {
                symbol: l.symbol.to_owned(),
                kind: l.kind,
                description: l.description.to_owned(),
                cusip: l.cusip,
                exchange: l.exchange.0,
                exchange_name: l.exchange.1,
                ssid: l.ssid,
                step_limit: l.step_limit,
                fundamentals: l.fundamentals,
                option: None,
                future,
                htb_quantity: l.htb,
                tape: Tape {
                    close: l.close,
                    open: l.open,
                    last: l.open,
                    week52_high: l.week52.0,
                    week52_low: l.week52.1,
                    volume: daily / 1000 * part,
                    ..Tape::default()
                },
            }
        })
        .collect();
    let expiry = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap_or(today);
    for (n, &(symbol, underlying, issuer, put_call, strike, iv, oi)) in OPTIONS.iter().enumerate() {
        let Some(underlying_index) = out.iter().position(|i| i.symbol == underlying) else {
            continue;
        };
        let terms = OptionTerms {
            underlying,
            underlying_index,
            issuer,
            put_call,
            strike: Decimal::from(strike),
            expiry,
            iv,
            open_interest: oi,
        };
        let side = match put_call {
            PutCall::Call => "C",
            PutCall::Put => "P",
        };
        out.push(Instrument {
            symbol: symbol.to_owned(),
            kind: Kind::Option,
            description: format!(
                "{underlying} {} {strike}.00 {side}",
                expiry.format("%m/%d/%Y")
            ),
            cusip: None,
            exchange: "O",
            exchange_name: "OPR",
            ssid: 106_899_022 + n as i64,
            step_limit: 0,
            fundamentals: None,
            option: Some(terms),
            future: None,
            htb_quantity: None,
            tape: Tape::default(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn ticks_round_half_away_from_zero() {
        assert_eq!(round_to_tick(dec!(6562.375), dec!(0.25)), dec!(6562.5));
        assert_eq!(round_to_tick(dec!(1.084321), dec!(0.00001)), dec!(1.08432));
        assert_eq!(round_to_tick(dec!(0.001), dec!(0.01)), dec!(0.01));
    }

    #[test]
    fn front_month_rolls_eight_days_before_expiry() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(front_quarter("/ES", day(2026, 12, 3)).0, "/ESZ26");
        assert_eq!(front_quarter("/ES", day(2026, 12, 10)).0, "/ESH27");
        assert_eq!(front_quarter("/ES", day(2027, 1, 20)).0, "/ESH27");
    }

    #[test]
    fn same_seed_walks_the_same_way() {
        let start = at("2026-12-03T15:00:00Z");
        let mut a = Market::new(7, Duration::from_secs(1), start);
        let mut b = Market::new(7, Duration::from_secs(1), start);
        let later = start + TimeDelta::seconds(30);
        a.catch_up(later);
        b.catch_up(later);
        let last = |m: &Market| {
            m.instruments
                .iter()
                .map(|i| i.tape.last)
                .collect::<Vec<_>>()
        };
        assert_eq!(last(&a), last(&b));
        let fresh = Market::new(7, Duration::from_secs(1), start);
        assert_ne!(last(&a), last(&fresh));
    }

    #[test]
    fn quotes_keep_bid_below_ask() {
        let start = at("2026-12-03T15:00:00Z");
        let mut m = Market::new(42, Duration::from_secs(1), start);
        m.catch_up(start + TimeDelta::seconds(200));
        for inst in m.instruments.iter().filter(|i| i.kind != Kind::MutualFund) {
            assert!(inst.tape.bid < inst.tape.ask, "{}", inst.symbol);
            assert!(inst.tape.last > Decimal::ZERO, "{}", inst.symbol);
        }
    }
}
