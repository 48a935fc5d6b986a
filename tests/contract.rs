//! The OpenAPI contract, checked by Prism against Schwab's own documents (`contract/openapi/`).
//!
//! Responses: the simulator behind `prism proxy`, one per spec, driven through palmtree's
//! client and raw requests with every kind of parameter palmtree sends and more the spec
//! allows; every answer (status, headers, body) must validate. Requests: palmtree's client
//! against `prism mock --errors`, every order type the ticket builds, previewed, placed,
//! replaced and canceled, plus every read; no request may violate. Where the real API is known
//! to differ from its spec, the violation is named (`contract_support::known`); anything else
//! fails. Two checks show the suite bites: an order with an unknown `orderType`, and a
//! simulator told to break its answers.
//!
//! Without Prism (or Node) the suite prints `SKIPPED: …` and passes, unless
//! `PALMTREE_REQUIRE_PRISM=1`. Run alone: `cargo test --test contract -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod contract_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc, Weekday};
use contract_support::Spec;
use contract_support::known::{Side, Verdict};
use contract_support::prism::{self, Mode, Prism};
use contract_support::recorder::{Completion, Exchange, Recorder, RecorderOptions};
use contract_support::tally::Tally;
use palmtree::broker::history_query;
use palmtree::broker::model::{AccountKey, ChartRange};
use palmtree::schwab::{ApiUrls, AppCredentials, ClientOptions, SchwabClient, SchwabError, Tokens};
use palmtree::sim::{DEMO_APP_KEY, DEMO_APP_SECRET, Fault, FaultScope, Sim, SimOptions};
use palmtree::trading::{
    AssetClass, Duration as Tif, FrozenOrder, Instruction, Limits, MarketContext, OrderKind,
    Session, Ticket, validate,
};
use reqwest::Method;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

const MARGIN: &str = "99990042";
const CASH: &str = "99990077";
const CALL: &str = "AAPL  270115C00200000";
/// One symbol of each asset type the simulator quotes.
const EVERY_ASSET: [(&str, &str); 7] = [
    ("equity", "AAPL"),
    ("ETF", "SPY"),
    ("index", "$SPX"),
    ("option", CALL),
    ("future", "/ES"),
    ("forex", "EUR/USD"),
    ("mutual fund", "AAAHX"),
];

/// Every test of palmtree runs against the simulator, so its answers must be Schwab's: each
/// one through `prism proxy` must validate, or be a named known difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_answers_validate_against_schwab_s_specs() {
    let Some(bin) = prism::find() else { return };
    let rig = Rig::for_responses(&bin).await;
    let client_errors = drive_responses(&rig).await;
    let mut tally = Tally::new("responses");
    for exchange in rig.exchanges() {
        tally.add(&exchange, false);
    }
    tally.publish("");
    assert!(
        tally.failures.is_empty(),
        "violations:\n{}",
        tally.failures.join("\n")
    );
    assert!(
        client_errors.is_empty(),
        "palmtree's client could not use answers that Prism passed:\n{}",
        client_errors.join("\n")
    );
    // The simulator's router (src/sim/mod.rs) serves 11 trader and 5 market-data operations.
    let endpoints = tally.endpoint_list();
    assert_eq!(
        tally.endpoints(),
        16,
        "every endpoint the simulator serves: {endpoints:#?}"
    );
    assert!(tally.pairs() >= 30, "{}", tally.line());
    assert_eq!(
        tally.unseen(Side::Response),
        Vec::<&str>::new(),
        "stale known differences"
    );
}

/// What palmtree sends must be what Schwab's spec accepts (or a named known difference), and
/// the check must be seen to bite on a request that is plainly wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_requests_validate_against_schwab_s_specs() {
    let Some(bin) = prism::find() else { return };
    let rig = Rig::for_requests(&bin).await;
    let deliberate = drive_requests(&rig).await;
    let mut tally = Tally::new("requests");
    let mut caught = Vec::new();
    for exchange in rig.exchanges() {
        if exchange.case == deliberate {
            caught = contract_support::known::classify(&exchange, true);
            continue;
        }
        tally.add(&exchange, true);
    }
    let bites = caught.iter().any(|(v, verdict)| {
        verdict.is_failure() && v.code == "enum" && v.dotted() == "request.body.orderType"
    });
    tally.publish(if bites {
        "; the deliberate unknown orderType was caught"
    } else {
        "; the deliberate unknown orderType was NOT caught"
    });
    assert!(
        tally.failures.is_empty(),
        "violations:\n{}",
        tally.failures.join("\n")
    );
    assert!(bites, "an unknown orderType passed Prism: {caught:#?}");
    assert_eq!(tally.endpoints(), 16, "{:#?}", tally.endpoint_list());
    assert_eq!(
        tally.unseen(Side::Request),
        Vec::<&str>::new(),
        "stale known differences"
    );
}

/// A suite that passes whatever the simulator says proves nothing: one missing required header,
/// one missing documented header and one body of the wrong shape must each fail it, and
/// nothing else may.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_simulator_answer_fails_the_contract() {
    let Some(bin) = prism::find() else { return };
    let rig = Rig::for_responses(&bin).await;
    let faults = rig.sim().faults();
    faults.set("quotes", Fault::NoCorrelationId, FaultScope::Once);
    faults.set("account-numbers", Fault::NoCorrelationId, FaultScope::Once);
    faults.set("GET markets", Fault::WrongShape, FaultScope::Once);
    drive_responses(&rig).await;
    let mut tally = Tally::new("broken");
    let mut broken = Vec::new();
    for exchange in rig.exchanges() {
        if tally
            .add(&exchange, false)
            .iter()
            .any(|(_, verdict)| verdict.is_failure())
        {
            broken.push(exchange.operation.clone().unwrap_or_default());
        }
    }
    let report = tally.failures.join("\n");
    println!("what the contract says of the broken answers:\n{report}");
    broken.sort();
    assert_eq!(
        broken,
        [
            "GET /accounts/accountNumbers",
            "GET /markets",
            "GET /quotes"
        ],
        "exactly the three broken answers fail:\n{report}"
    );
    // Prism itself, not only the harness, must have seen the missing header and the body.
    for said in [
        "response.header required: Response header must have required property \
         'schwab-client-correlid'",
        "response.body type: Response body must be object",
        "response.header.Schwab-Client-CorrelId harness",
    ] {
        assert!(report.contains(said), "no `{said}` in:\n{report}");
    }
    assert_eq!(
        rig.sim().faults().rules(),
        Vec::new(),
        "every fault was used"
    );
}

/// The simulator (or nothing, against mocks), a recording Prism per spec, and a client whose
/// trader and market-data URLs point at the recorders.
struct Rig {
    sim: Option<Sim>,
    trader: Recorder,
    market: Recorder,
    client: SchwabClient,
    _prisms: Vec<Prism>,
}

impl Rig {
    async fn for_responses(bin: &Path) -> Rig {
        let sim = Sim::start(SimOptions {
            tick: Duration::from_secs(300),
            ..SimOptions::default()
        })
        .await
        .unwrap();
        // A Wednesday morning in New York: orders work and fill in the regular session.
        sim.clock().advance(until_wednesday(sim.clock().now()));
        let upstream = |spec: Spec| format!("{}{}", sim.base_url(), spec.sim_prefix());
        let proxy = |spec| Mode::Proxy {
            upstream: upstream(spec),
            errors: false,
        };
        let (trader_mode, market_mode) = (proxy(Spec::Trader), proxy(Spec::MarketData));
        let (trader, market) = tokio::join!(
            Prism::start(bin, Spec::Trader, &trader_mode),
            Prism::start(bin, Spec::MarketData, &market_mode),
        );
        let recorder = |spec: Spec, prism: &Prism| {
            Recorder::start(RecorderOptions {
                spec,
                prism: prism.base_url(),
                check_correlation: true,
                completion: Some(Completion {
                    bin: PathBuf::from(bin),
                    upstream: upstream(spec),
                }),
            })
        };
        let (trader_rec, market_rec) = tokio::join!(
            recorder(Spec::Trader, &trader),
            recorder(Spec::MarketData, &market)
        );
        let oauth = format!("{}/v1/oauth", sim.base_url());
        let client = client_for(&oauth, &trader_rec, &market_rec);
        palmtree::demo::login(&sim, &client).await.unwrap();
        Rig {
            sim: Some(sim),
            trader: trader_rec,
            market: market_rec,
            client,
            _prisms: vec![trader, market],
        }
    }

    async fn for_requests(bin: &Path) -> Rig {
        let (trader, market) = tokio::join!(
            Prism::start(bin, Spec::Trader, &Mode::Mock),
            Prism::start(bin, Spec::MarketData, &Mode::Mock),
        );
        let recorder = |spec: Spec, prism: &Prism| {
            Recorder::start(RecorderOptions {
                spec,
                prism: prism.base_url(),
                check_correlation: false,
                completion: None,
            })
        };
        let (trader_rec, market_rec) = tokio::join!(
            recorder(Spec::Trader, &trader),
            recorder(Spec::MarketData, &market)
        );
        let oauth = format!("{}/v1/oauth", trader_rec.base_url());
        let client = client_for(&oauth, &trader_rec, &market_rec);
        // The mocks check only that a bearer token is sent; a login is not part of either spec.
        let now = Utc::now();
        client
            .set_tokens(Tokens {
                access_token: SecretString::from("contract-access".to_owned()),
                access_expires_at: now + TimeDelta::hours(1),
                refresh_token: SecretString::from("contract-refresh".to_owned()),
                exchanged_at: now,
                refresh_deadline: now + TimeDelta::days(7),
            })
            .await;
        Rig {
            sim: None,
            trader: trader_rec,
            market: market_rec,
            client,
            _prisms: vec![trader, market],
        }
    }

    fn recorder(&self, spec: Spec) -> &Recorder {
        match spec {
            Spec::Trader => &self.trader,
            Spec::MarketData => &self.market,
        }
    }

    fn sim(&self) -> &Sim {
        self.sim.as_ref().expect("a simulator rig")
    }

    fn exchanges(&self) -> Vec<Exchange> {
        let mut all = self.trader.exchanges();
        all.extend(self.market.exchanges());
        all
    }

    /// Sim time, which orders are entered at (the clock was moved to a trading day).
    fn now(&self) -> DateTime<Utc> {
        self.sim
            .as_ref()
            .map_or_else(Utc::now, |sim| sim.clock().now())
    }

    /// A request the client does not make, sent through the recorder of `spec`; what Prism
    /// makes of it is in the recorder.
    async fn raw(
        &self,
        spec: Spec,
        case: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) {
        let recorder = self.recorder(spec);
        recorder.case(case);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut request = http
            .request(method, format!("{}{path}", recorder.base_url()))
            .header("Accept", "application/json");
        let own = self.token().await;
        request = request.bearer_auth(token.unwrap_or(&own));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let _ = response.bytes().await;
    }

    async fn token(&self) -> String {
        let tokens = self.client.tokens().await.expect("logged in");
        tokens.access_token.expose_secret().to_owned()
    }
}

fn client_for(oauth: &str, trader: &Recorder, market: &Recorder) -> SchwabClient {
    let urls = ApiUrls {
        oauth: Url::parse(oauth).unwrap(),
        trader: Url::parse(&trader.base_url()).unwrap(),
        marketdata: Url::parse(&market.base_url()).unwrap(),
    };
    let mut options = ClientOptions::new(urls, AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET));
    // The suite's few dozen reads must not wait on the limiter meant for a live account.
    options.reads_per_minute = 100_000;
    SchwabClient::new(options).unwrap()
}

/// How far to move `now` to the next Wednesday 15:00 UTC (10:00 or 11:00 in New York), at
/// least a day ahead; no 2026-2027 holiday is a Wednesday.
fn until_wednesday(now: DateTime<Utc>) -> Duration {
    let mut target = now + TimeDelta::days(1);
    while target.weekday() != Weekday::Wed {
        target += TimeDelta::days(1);
    }
    let target = target
        .with_hour(15)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .unwrap();
    (target - now).to_std().unwrap()
}

/// Collects what palmtree's client could not do with an answer.
#[derive(Default)]
struct ClientErrors(Vec<String>);

impl ClientErrors {
    fn ok<T>(&mut self, what: &str, result: Result<T, SchwabError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.push(format!("{what}: {e}"));
                None
            }
        }
    }
}

/// The prices tickets are built around, so the simulator accepts the orders and most of them
/// rest instead of filling.
struct Prices {
    aapl: Decimal,
    msft: Decimal,
    tsla: Decimal,
    amd: Decimal,
    call_mark: Decimal,
    call_last: Decimal,
}

impl Prices {
    /// Round numbers for the mocks, which check shapes, not prices.
    fn fixed() -> Prices {
        Prices {
            aapl: dec!(190),
            msft: dec!(410),
            tsla: dec!(250),
            amd: dec!(150),
            call_mark: dec!(42.40),
            call_last: dec!(42.50),
        }
    }
}

fn cents(price: Decimal) -> String {
    format!("{:.2}", price.round_dp(2))
}

/// An option price on the $0.05 step that applies from $3.
fn nickels(price: Decimal) -> String {
    let steps = (price / dec!(0.05)).round();
    format!("{:.2}", steps * dec!(0.05))
}

/// One order of every type the ticket can make, equity and option, in a spread of durations
/// and sessions: (label, account hash, ticket).
fn tickets(margin: &str, cash: &str, p: &Prices) -> Vec<(String, String, Ticket)> {
    use Instruction::*;
    use OrderKind::*;
    let t = |account: &str, symbol: &str, instruction, quantity: u32, kind| Ticket {
        account: Some(AccountKey::new(account)),
        symbol: symbol.to_owned(),
        asset: Some(match instruction {
            Buy | Sell | SellShort | BuyToCover => AssetClass::Equity,
            _ => AssetClass::Option,
        }),
        instruction: Some(instruction),
        quantity: quantity.to_string(),
        order_kind: Some(kind),
        duration: Some(Tif::Day),
        session: Some(Session::Normal),
        ..Ticket::default()
    };
    let stop = nickels(p.call_last * dec!(1.10));
    let stop_limit = nickels(p.call_last * dec!(1.10) + dec!(0.50));
    let list = [
        ("equity MARKET", margin, t(margin, "AAPL", Buy, 1, Market)),
        (
            "equity LIMIT",
            margin,
            Ticket {
                limit_price: cents(p.aapl * dec!(0.98)),
                ..t(margin, "AAPL", Buy, 1, Limit)
            },
        ),
        (
            "equity STOP",
            margin,
            Ticket {
                stop_price: cents(p.aapl * dec!(0.95)),
                ..t(margin, "AAPL", Sell, 1, Stop)
            },
        ),
        (
            "equity STOP_LIMIT GTC",
            margin,
            Ticket {
                stop_price: cents(p.aapl * dec!(0.95)),
                limit_price: cents(p.aapl * dec!(0.94)),
                duration: Some(Tif::GoodTillCancel),
                ..t(margin, "AAPL", Sell, 1, StopLimit)
            },
        ),
        (
            "equity TRAILING_STOP",
            margin,
            Ticket {
                trail_offset: "5.00".into(),
                ..t(margin, "AAPL", Sell, 1, TrailingStop)
            },
        ),
        (
            "equity LIMIT FILL_OR_KILL",
            margin,
            Ticket {
                limit_price: cents(p.aapl * dec!(0.97)),
                duration: Some(Tif::FillOrKill),
                ..t(margin, "AAPL", Buy, 1, Limit)
            },
        ),
        (
            "equity LIMIT IMMEDIATE_OR_CANCEL",
            margin,
            Ticket {
                limit_price: cents(p.aapl * dec!(0.97)),
                duration: Some(Tif::ImmediateOrCancel),
                ..t(margin, "AAPL", Buy, 1, Limit)
            },
        ),
        (
            "equity SELL_SHORT LIMIT",
            margin,
            Ticket {
                limit_price: cents(p.amd * dec!(1.02)),
                ..t(margin, "AMD", SellShort, 1, Limit)
            },
        ),
        (
            "equity BUY_TO_COVER LIMIT",
            margin,
            Ticket {
                limit_price: cents(p.tsla * dec!(0.98)),
                ..t(margin, "TSLA", BuyToCover, 1, Limit)
            },
        ),
        (
            "equity LIMIT GTC SEAMLESS",
            cash,
            Ticket {
                limit_price: cents(p.msft * dec!(1.02)),
                duration: Some(Tif::GoodTillCancel),
                session: Some(Session::Seamless),
                ..t(cash, "MSFT", Sell, 1, Limit)
            },
        ),
        (
            "equity LIMIT PM",
            cash,
            Ticket {
                limit_price: cents(p.msft * dec!(0.99)),
                session: Some(Session::Pm),
                ..t(cash, "MSFT", Buy, 1, Limit)
            },
        ),
        (
            "equity LIMIT AM",
            cash,
            Ticket {
                limit_price: cents(p.msft * dec!(0.99)),
                session: Some(Session::Am),
                ..t(cash, "MSFT", Buy, 1, Limit)
            },
        ),
        (
            "option MARKET",
            margin,
            t(margin, CALL, SellToClose, 1, Market),
        ),
        (
            "option LIMIT",
            margin,
            Ticket {
                limit_price: nickels(p.call_mark - dec!(1)),
                ..t(margin, CALL, BuyToOpen, 1, Limit)
            },
        ),
        (
            "option STOP",
            margin,
            Ticket {
                stop_price: stop.clone(),
                ..t(margin, CALL, BuyToOpen, 1, Stop)
            },
        ),
        (
            "option STOP_LIMIT",
            margin,
            Ticket {
                stop_price: stop,
                limit_price: stop_limit,
                ..t(margin, CALL, BuyToOpen, 1, StopLimit)
            },
        ),
        (
            "option TRAILING_STOP",
            margin,
            Ticket {
                trail_offset: "2.00".into(),
                ..t(margin, CALL, SellToClose, 1, TrailingStop)
            },
        ),
    ];
    list.into_iter()
        .map(|(label, account, ticket)| (label.to_owned(), account.to_owned(), ticket))
        .collect()
}

/// The ticket's order as the exact bytes palmtree sends.
fn freeze(label: &str, ticket: &Ticket) -> FrozenOrder {
    let market = MarketContext {
        penny_pilot: Some(true),
        ..MarketContext::default()
    };
    let validation = validate(ticket, &market, &Limits::default());
    let order = validation
        .order
        .unwrap_or_else(|| panic!("{label}: the ticket is invalid: {:?}", validation.problems));
    FrozenOrder::freeze(order).unwrap()
}

/// The response suite's calls; returns what the client failed to do with answers.
async fn drive_responses(rig: &Rig) -> Vec<String> {
    let mut errors = ClientErrors::default();
    let client = &rig.client;
    let t = &rig.trader;

    t.case("account numbers");
    let numbers = errors
        .ok("account numbers", client.account_numbers().await)
        .unwrap_or_default();
    let hash = |number: &str| {
        numbers
            .iter()
            .find(|n| n.account_number == number)
            .map(|n| n.hash_value.clone())
            .expect("a demo account")
    };
    let (margin, cash) = (hash(MARGIN), hash(CASH));
    t.case("accounts");
    errors.ok("accounts", client.accounts(false).await);
    t.case("accounts with positions");
    errors.ok("accounts with positions", client.accounts(true).await);
    for (label, account) in [("margin", &margin), ("cash", &cash)] {
        t.case(format!("{label} account"));
        errors.ok("account", client.account(account, false).await);
        t.case(format!("{label} account with positions"));
        errors.ok(
            "account with positions",
            client.account(account, true).await,
        );
    }
    t.case("user preference");
    errors.ok("user preference", client.user_preference().await);

    let prices = market_reads(rig, &mut errors).await;
    orders(rig, &mut errors, &margin, &cash, &prices).await;
    error_answers(rig, &margin).await;
    errors.0
}

/// Quotes of every asset type, price history and market hours, through the client and raw.
async fn market_reads(rig: &Rig, errors: &mut ClientErrors) -> Prices {
    let (client, m) = (&rig.client, &rig.market);
    let symbols: Vec<String> = EVERY_ASSET.iter().map(|(_, s)| (*s).to_owned()).collect();
    m.case("quotes of every asset type");
    let batch = errors.ok("quotes", client.quotes(&symbols).await);
    m.case("quotes with an unknown symbol");
    errors.ok(
        "quotes",
        client.quotes(&["AAPL".into(), "NOSUCH".into()]).await,
    );
    m.case("quotes to price the orders");
    let more = errors.ok(
        "quotes",
        client
            .quotes(&["MSFT".into(), "TSLA".into(), "AMD".into()])
            .await,
    );
    for (kind, symbol) in EVERY_ASSET {
        m.case(format!("quote of one {kind}"));
        errors.ok("quote", client.quote(symbol).await);
    }
    let last = |symbol: &str| {
        [&batch, &more]
            .into_iter()
            .flatten()
            .find_map(|b| b.get(symbol)?.as_ref().ok()?.quote.as_ref()?.last_price)
            .unwrap_or_else(|| panic!("a last price for {symbol}"))
    };
    let call = batch
        .as_ref()
        .and_then(|b| b.get(CALL)?.as_ref().ok()?.quote.clone())
        .expect("an option quote");
    let prices = Prices {
        aapl: last("AAPL"),
        msft: last("MSFT"),
        tsla: last("TSLA"),
        amd: last("AMD"),
        call_mark: call.mark.expect("an option mark"),
        call_last: call.last_price.expect("an option last"),
    };

    let md = Spec::MarketData;
    for (case, path) in [
        (
            "quotes of some sections",
            "/quotes?symbols=AAPL,MSFT&fields=quote,reference",
        ),
        (
            "quotes of the other sections",
            "/quotes?symbols=AAPL&fields=fundamental,extended,regular",
        ),
        (
            "quotes with indicative ETF quotes",
            "/quotes?symbols=SPY,QQQ&indicative=true",
        ),
        (
            "quotes of options only",
            "/quotes?symbols=NVDA%20%20270115C00200000,SPY%20%20%20270115P00550000",
        ),
        ("quote of one section", "/SPY/quotes?fields=quote"),
        (
            "quote of a fund's reference",
            "/AAAHX/quotes?fields=reference",
        ),
    ] {
        rig.raw(md, case, Method::GET, path, None, None).await;
    }

    for range in [
        ChartRange::Day,
        ChartRange::Week,
        ChartRange::Month,
        ChartRange::Year,
    ] {
        m.case(format!("price history {}", range.label()));
        errors.ok(
            "price history",
            client.price_history("AAPL", &history_query(range)).await,
        );
    }
    let end = rig.now().timestamp_millis();
    let start = end - 3 * 24 * 3600 * 1000;
    let window = format!(
        "/pricehistory?symbol=AAPL&periodType=day&frequencyType=minute&frequency=30\
         &startDate={start}&endDate={end}"
    );
    for (case, path) in [
        (
            "price history by defaults",
            "/pricehistory?symbol=AAPL".to_owned(),
        ),
        ("price history of a date window", window),
        (
            "price history with extended hours",
            "/pricehistory?symbol=AAPL&periodType=day&period=2&frequencyType=minute&frequency=15\
             &needExtendedHoursData=true"
                .into(),
        ),
        (
            "price history with the previous close",
            "/pricehistory?symbol=SPY&periodType=month&period=3&frequencyType=weekly&frequency=1\
             &needPreviousClose=true"
                .into(),
        ),
        (
            "price history year to date",
            "/pricehistory?symbol=MSFT&periodType=ytd&period=1&frequencyType=daily&frequency=1"
                .into(),
        ),
        (
            "price history monthly over years",
            "/pricehistory?symbol=QQQ&periodType=year&period=5&frequencyType=monthly&frequency=1"
                .into(),
        ),
        (
            "price history of an unknown symbol",
            "/pricehistory?symbol=NOSUCH".into(),
        ),
    ] {
        rig.raw(md, case, Method::GET, &path, None, None).await;
    }

    m.case("market hours of equities");
    errors.ok("market hours", client.market_hours(&["equity"]).await);
    m.case("market hours of two markets");
    errors.ok(
        "market hours",
        client.market_hours(&["equity", "option"]).await,
    );
    let next_week = (rig.now() + TimeDelta::days(7)).format("%Y-%m-%d");
    for (case, path) in [
        (
            "markets, one as the spec spells it",
            "/markets?markets=option".to_owned(),
        ),
        (
            "markets on a later date",
            format!("/markets?markets=equity&date={next_week}"),
        ),
        (
            "markets with no hours (bonds)",
            "/markets?markets=bond".into(),
        ),
        ("one market: equity", "/markets/equity".into()),
        (
            "one market: option, later",
            format!("/markets/option?date={next_week}"),
        ),
        ("one market: bond", "/markets/bond".into()),
        ("one market: future", "/markets/future".into()),
        ("one market: forex", "/markets/forex".into()),
    ] {
        rig.raw(md, case, Method::GET, &path, None, None).await;
    }
    prices
}

/// Every ticket previewed and placed, then one equity and one option order replaced, two
/// orders canceled, every order read back, and the order lists with their filters.
async fn orders(rig: &Rig, errors: &mut ClientErrors, margin: &str, cash: &str, p: &Prices) {
    let (client, t) = (&rig.client, &rig.trader);
    let mut placed: Vec<(String, String, i64)> = Vec::new();
    for (label, account, ticket) in tickets(margin, cash, p) {
        let order = freeze(&label, &ticket);
        t.case(format!("preview {label}"));
        errors.ok(&label, client.preview_order(&account, order.bytes()).await);
        t.case(format!("place {label}"));
        if let Some(accepted) = errors.ok(&label, client.place_order(&account, order.bytes()).await)
        {
            let id = accepted.order_id.expect("a Location with the order id");
            placed.push((label, account, id));
        }
    }
    let id_of = |label: &str| {
        placed
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, a, id)| (a.clone(), *id))
            .expect("a placed order")
    };
    let mut read_back = placed.clone();
    for (label, price) in [
        ("equity LIMIT", cents(p.aapl * dec!(0.985))),
        ("option LIMIT", nickels(p.call_mark - dec!(1.5))),
    ] {
        let (account, id) = id_of(label);
        let mut ticket = tickets(margin, cash, p)
            .into_iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, _, ticket)| ticket)
            .expect("the ticket");
        ticket.limit_price = price;
        let order = freeze(label, &ticket);
        t.case(format!("replace {label}"));
        let accepted = errors.ok(
            label,
            client.replace_order(&account, id, order.bytes()).await,
        );
        if let Some(new) = accepted.and_then(|a| a.order_id) {
            read_back.push((format!("{label} (replacement)"), account, new));
        }
    }
    let replacement = read_back
        .iter()
        .find(|(l, _, _)| l == "equity LIMIT (replacement)")
        .map(|(_, a, id)| (a.clone(), *id));
    for (label, target) in [
        ("replacement", replacement),
        ("equity STOP", Some(id_of("equity STOP"))),
    ] {
        if let Some((account, id)) = target {
            t.case(format!("cancel {label}"));
            errors.ok(label, client.cancel_order(&account, id).await);
        }
    }
    for (label, account, id) in &read_back {
        t.case(format!("order: {label}"));
        errors.ok(label, client.order(account, *id).await);
    }

    let now = rig.now();
    let (from, to) = (now - TimeDelta::days(1), now + TimeDelta::days(1));
    t.case("orders of the margin account");
    errors.ok("orders", client.account_orders(margin, from, to).await);
    t.case("orders of the cash account");
    errors.ok("orders", client.account_orders(cash, from, to).await);
    t.case("orders of all accounts");
    errors.ok("orders", client.all_orders(from, to).await);
    let time = palmtree::schwab::client::order_time;
    let window = format!("fromEnteredTime={}&toEnteredTime={}", time(from), time(to));
    let before = format!(
        "fromEnteredTime={}&toEnteredTime={}",
        time(now - TimeDelta::days(30)),
        time(now - TimeDelta::days(2))
    );
    let tr = Spec::Trader;
    for (case, path) in [
        (
            "working orders, five at most",
            format!("/accounts/{margin}/orders?{window}&status=WORKING&maxResults=5"),
        ),
        (
            "filled orders",
            format!("/accounts/{margin}/orders?{window}&status=FILLED"),
        ),
        (
            "orders entered before (none)",
            format!("/accounts/{margin}/orders?{before}"),
        ),
        (
            "canceled orders of all accounts",
            format!("/orders?{window}&status=CANCELED"),
        ),
        (
            "replaced orders of all accounts",
            format!("/orders?{window}&status=REPLACED&maxResults=10"),
        ),
    ] {
        rig.raw(tr, case, Method::GET, &path, None, None).await;
    }
}

/// Answers that are errors: each must still have the shape the spec gives it.
async fn error_answers(rig: &Rig, margin: &str) {
    let (tr, md) = (Spec::Trader, Spec::MarketData);
    let get = Method::GET;
    let far = json!({
        "session": "NORMAL", "duration": "DAY", "orderType": "LIMIT", "price": "1.00",
        "orderStrategyType": "SINGLE",
        "orderLegCollection": [{
            "instruction": "BUY", "quantity": 1,
            "instrument": { "symbol": "AAPL", "assetType": "EQUITY" }
        }]
    });
    let orders = format!("/accounts/{margin}/orders");
    rig.raw(
        tr,
        "an order priced far from the market",
        Method::POST,
        &orders,
        Some(&far),
        None,
    )
    .await;
    rig.raw(
        tr,
        "an unknown order",
        get.clone(),
        &format!("{orders}/1"),
        None,
        None,
    )
    .await;
    rig.raw(
        tr,
        "an unlinked account",
        get.clone(),
        "/accounts/NOT-A-LINKED-HASH",
        None,
        None,
    )
    .await;
    rig.raw(
        tr,
        "a token Schwab never issued",
        get.clone(),
        "/accounts",
        None,
        Some("bogus"),
    )
    .await;
    rig.raw(
        md,
        "a token Schwab never issued",
        get.clone(),
        "/quotes?symbols=AAPL",
        None,
        Some("bogus"),
    )
    .await;
    rig.raw(
        md,
        "quote of an unknown symbol",
        get.clone(),
        "/NOSUCH/quotes",
        None,
        None,
    )
    .await;
    rig.raw(
        md,
        "quotes of no symbol",
        get.clone(),
        "/quotes?symbols=",
        None,
        None,
    )
    .await;
    rig.raw(
        md,
        "price history of a frequency the period lacks",
        get,
        "/pricehistory?symbol=AAPL&periodType=day&frequencyType=daily",
        None,
        None,
    )
    .await;
}

/// The request suite's calls against the mocks; returns the case of the deliberately wrong
/// request. The mocks' answers are Prism's inventions, so the client's results are ignored.
async fn drive_requests(rig: &Rig) -> String {
    let client = &rig.client;
    let (t, m) = (&rig.trader, &rig.market);
    let (margin, cash) = (
        "4B4D4EC68861A60CEC6C531543B2C695586F7329236A6ED16E1616C79577C143",
        "9D2DF4082DCBA1A47209C5135DA2E0F6554D99F8193E479636DF20D7862E4D12",
    );
    let id = 1_824_887_000_001;
    for (label, account, ticket) in tickets(margin, cash, &Prices::fixed()) {
        let order = freeze(&label, &ticket);
        t.case(format!("preview {label}"));
        let _ = client.preview_order(&account, order.bytes()).await;
        t.case(format!("place {label}"));
        let _ = client.place_order(&account, order.bytes()).await;
        t.case(format!("replace with {label}"));
        let _ = client.replace_order(&account, id, order.bytes()).await;
    }
    t.case("cancel");
    let _ = client.cancel_order(margin, id).await;
    t.case("order");
    let _ = client.order(margin, id).await;
    t.case("account numbers");
    let _ = client.account_numbers().await;
    for positions in [false, true] {
        t.case(format!("accounts, positions {positions}"));
        let _ = client.accounts(positions).await;
        t.case(format!("account, positions {positions}"));
        let _ = client.account(margin, positions).await;
    }
    t.case("user preference");
    let _ = client.user_preference().await;
    let now = Utc::now();
    let (from, to) = (now - TimeDelta::days(60), now);
    t.case("orders of one account");
    let _ = client.account_orders(margin, from, to).await;
    t.case("orders of all accounts");
    let _ = client.all_orders(from, to).await;

    let symbols: Vec<String> = EVERY_ASSET.iter().map(|(_, s)| (*s).to_owned()).collect();
    m.case("quotes of every asset type");
    let _ = client.quotes(&symbols).await;
    for (kind, symbol) in EVERY_ASSET {
        m.case(format!("quote of one {kind}"));
        let _ = client.quote(symbol).await;
    }
    for range in [
        ChartRange::Day,
        ChartRange::Week,
        ChartRange::Month,
        ChartRange::Year,
    ] {
        m.case(format!("price history {}", range.label()));
        let _ = client.price_history("AAPL", &history_query(range)).await;
    }
    m.case("market hours of equities");
    let _ = client.market_hours(&["equity"]).await;
    m.case("market hours of two markets");
    let _ = client.market_hours(&["equity", "option"]).await;
    rig.raw(
        Spec::MarketData,
        "one market",
        Method::GET,
        "/markets/equity",
        None,
        None,
    )
    .await;

    // The check must bite: the same bytes with an orderType Schwab does not have.
    let deliberate = "deliberately wrong: unknown orderType".to_owned();
    let (_, account, ticket) = tickets(margin, cash, &Prices::fixed())
        .into_iter()
        .find(|(l, _, _)| l == "equity LIMIT")
        .expect("the LIMIT ticket");
    let mut wrong: Value = serde_json::from_slice(freeze("wrong", &ticket).bytes()).unwrap();
    wrong["orderType"] = json!("LIMIT_IF_TOUCHED");
    t.case(deliberate.clone());
    let _ = client
        .place_order(&account, &serde_json::to_vec(&wrong).unwrap())
        .await;
    deliberate
}

#[test]
fn the_verdicts_of_a_cascade_follow_what_is_inside_it() {
    use contract_support::known::classify;
    use contract_support::recorder::Violation;
    let v = |location: &[&str], code: &str, message: &str| Violation {
        location: location.iter().map(|s| (*s).to_owned()).collect(),
        code: code.into(),
        message: message.into(),
    };
    let body = json!({ "securitiesAccount": {
        "initialBalances": { "isInCall": false },
        "projectedBalances": { "isInCall": "no" },
    }});
    let exchange = |violations| Exchange {
        spec: Spec::Trader,
        case: "test".into(),
        method: "GET".into(),
        path: "/accounts/H".into(),
        operation: Some("GET /accounts/{accountNumber}".into()),
        request_body: None,
        status: 200,
        response_body: Some(body.clone()),
        violations,
        replayed: false,
    };
    let one_of = v(
        &["response", "body", "securitiesAccount"],
        "oneOf",
        "exactly one",
    );
    let boolean = v(
        &[
            "response",
            "body",
            "securitiesAccount",
            "initialBalances",
            "isInCall",
        ],
        "type",
        "must be number",
    );
    let string = v(
        &[
            "response",
            "body",
            "securitiesAccount",
            "projectedBalances",
            "isInCall",
        ],
        "type",
        "must be number",
    );
    let known = classify(&exchange(vec![one_of.clone(), boolean.clone()]), false);
    assert_eq!(known[0].1, Verdict::Cascade(vec!["isInCall booleans"]));
    assert_eq!(known[1].1, Verdict::Known("isInCall booleans"));
    // A string where Schwab sends a boolean is not the known difference, and it spoils the
    // oneOf around it; a oneOf with nothing inside it is a failure of its own.
    let spoiled = classify(&exchange(vec![one_of.clone(), boolean, string]), false);
    assert!(
        spoiled[0].1.is_failure() && spoiled[2].1.is_failure(),
        "{spoiled:?}"
    );
    assert!(classify(&exchange(vec![one_of]), false)[0].1.is_failure());
}

/// The fault the breaking test relies on, checked without Prism: only the header goes.
#[tokio::test]
async fn the_no_correl_id_fault_leaves_off_only_the_header() {
    let sim = Sim::start(SimOptions::default()).await.unwrap();
    let urls = ApiUrls::under(&sim.base_url()).unwrap();
    let options = ClientOptions::new(urls, AppCredentials::new(DEMO_APP_KEY, DEMO_APP_SECRET));
    let client = SchwabClient::new(options).unwrap();
    palmtree::demo::login(&sim, &client).await.unwrap();
    let token = client.tokens().await.unwrap().access_token;
    sim.faults()
        .set("quotes", Fault::NoCorrelationId, FaultScope::Once);
    let http = reqwest::Client::new();
    let url = format!("{}/marketdata/v1/quotes?symbols=AAPL", sim.base_url());
    let mut seen = Vec::new();
    for _ in 0..2 {
        let response = http
            .get(&url)
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let correl = response.headers().contains_key("schwab-client-correlid");
        let body: Value = response.json().await.unwrap();
        assert!(body["AAPL"]["quote"]["lastPrice"].is_number(), "{body}");
        seen.push(correl);
    }
    assert_eq!(seen, [false, true]);
    assert_eq!(sim.stats().faults_of("no-correl-id"), 1);
}
