//! The views on a `TestBackend` at 80x24 and 120x40 (and the small sizes), from demo-like
//! data: what each view shows, hostile text, wide characters, sizes down to one cell.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tui_support;

use palmtree::broker::model::{ChartRange, QuoteRow, QuoteState};
use palmtree::tui::action::{Action, Command};
use palmtree::tui::keymap::BINDINGS;
use palmtree::tui::theme::Theme;
use palmtree::tui::update::update;
use palmtree::tui::{State, TuiOptions};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tui_support::*;

fn screen(state: &State, width: u16, height: u16) -> Vec<String> {
    lines(&render(state, &Theme::plain(), width, height))
}

fn quotes_state() -> State {
    let mut state = loaded_state();
    command(&mut state, Command::ShowQuotes);
    state
}

#[test]
fn positions_of_all_accounts_have_headings_subtotals_and_an_overall_total() {
    let lines = screen(&loaded_state(), 80, 24);
    assert!(lines[0].contains("DEMO"));
    assert!(lines[0].contains("1 Positions") && lines[0].contains("3 Orders"));
    assert!(lines[1].starts_with(" All  Individual …1234  Roth IRA …5678"));
    assert!(lines[1].ends_with("as of 14:02:03"));
    assert_eq!(
        cells(&lines[2]),
        [
            "Symbol", "▲", "Qty", "Last", "Mkt", "value", "Day", "P&L", "Day", "%", "Total", "P&L"
        ]
    );
    assert_eq!(
        lines[3],
        "Individual …1234 (MARGIN) · cash 12,345.67 · BP 45,678.90 · DTBP 91,357.80"
    );
    assert_eq!(
        cells(row_with(&lines, "AAPL   ")),
        [
            "AAPL",
            "100",
            "187.20",
            "18,720.00",
            "+120.00",
            "▲",
            "+0.65%",
            "+3,720.00",
            "▲"
        ]
    );
    // The option sits under its underlying, marked as such.
    assert!(lines[5].starts_with(&format!("└ {OPTION_SYMBOL}")));
    assert_eq!(
        cells(row_with(&lines, "TSLA")),
        [
            "TSLA",
            "-20",
            "198.28",
            "-3,965.50",
            "-12.30",
            "▼",
            "-0.31%",
            "+1,234.50",
            "▲"
        ]
    );
    assert_eq!(
        cells(&lines[8]),
        [
            "Total",
            "41,594.50",
            "+92.20",
            "▲",
            "+0.22%",
            "+6,732.00",
            "▲"
        ]
    );
    assert_eq!(
        lines[9],
        "Roth IRA …5678 (CASH) · cash 2,500.00 · BP 2,500.00"
    );
    assert_eq!(
        cells(row_with(&lines, "Overall")),
        [
            "Overall",
            "44,194.50",
            "+92.20",
            "▲",
            "+0.21%",
            "+6,832.00",
            "▲"
        ]
    );
    assert!(lines[22].starts_with("All accounts: Cash 14,845.67   Buying power 48,178.90"));
    assert!(lines[23].contains("● live"));
    assert!(lines[23].contains("positions as of 14:02:03"));
    assert!(lines[23].contains("market open"));
}

#[test]
fn positions_at_120x40_show_every_column() {
    let lines = screen(&loaded_state(), 120, 40);
    for title in [
        "Type",
        "Description",
        "Avg price",
        "Day %",
        "Total %",
        "Weight",
    ] {
        assert!(lines[2].contains(title), "{title} missing: {}", lines[2]);
    }
    let aapl = row_with(&lines, "AAPL   ");
    assert!(aapl.ends_with("+24.80% 34.67%"), "{aapl}");
    assert!(row_with(&lines, "VTI").contains("株式会社 🚀"));
    assert!(lines[38].ends_with("Net liq 59,100.17"));
}

#[test]
fn one_account_shows_its_own_holdings_and_balances() {
    let mut state = loaded_state();
    command(&mut state, Command::NextAccount);
    command(&mut state, Command::NextAccount);
    for (width, height) in [(80, 24), (120, 40), (60, 20)] {
        let lines = screen(&state, width, height);
        assert!(lines[1].contains(" Roth IRA …5678 (CASH)"), "{lines:#?}");
        assert!(row_with(&lines, "VTI").contains("2,600.00"));
        assert!(!lines.iter().any(|l| l.contains("TSLA")));
        assert!(!lines.iter().any(|l| l.contains("Overall")));
        assert!(row_with(&lines, "Cash").starts_with("Cash 2,500.00   Buying power 2,500.00"));
        assert!(!lines.iter().any(|l| l.contains("Day-trading")));
    }
}

#[test]
fn sorting_marks_the_column_and_keeps_options_under_their_stock() {
    let mut state = loaded_state();
    for _ in 0..4 {
        command(&mut state, Command::SortNext);
    }
    let lines = screen(&state, 80, 24);
    assert!(lines[2].contains("Mkt value ▼"), "{}", lines[2]);
    assert!(lines[1].contains("sort: market value"));
    let order: Vec<&str> = lines[4..8].iter().map(|l| cells(l)[0]).collect();
    assert_eq!(order, ["SPY", "AAPL", "└", "TSLA"]);
    command(&mut state, Command::SortReverse);
    let lines = screen(&state, 80, 24);
    assert!(lines[2].contains("Mkt value ▲"));
    assert_eq!(cells(&lines[4])[0], "TSLA");
}

#[test]
fn the_filter_narrows_positions_quotes_and_orders() {
    let mut state = loaded_state();
    command(&mut state, Command::Filter);
    update(&mut state, Action::Type('a'));
    update(&mut state, Action::Type('a'));
    let lines = screen(&state, 80, 24);
    assert!(lines[23].starts_with(" Filter: aa"), "{}", lines[23]);
    assert!(row_with(&lines, "AAPL").contains("187.20"));
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("TSLA") || l.contains("VTI"))
    );
    command(&mut state, Command::Submit);
    assert!(screen(&state, 80, 24)[1].contains("filter: aa"));

    command(&mut state, Command::ShowOrders);
    command(&mut state, Command::Filter);
    update(&mut state, Action::Paste("tsla".to_string()));
    let lines = screen(&state, 80, 24);
    assert!(lines[3].starts_with("canceled") && lines[3].contains("TSLA"));
    assert!(!lines.iter().any(|l| l.contains("SPY")));
    command(&mut state, Command::Close);
    assert!(screen(&state, 80, 24).iter().any(|l| l.contains("SPY")));
}

#[test]
fn quotes_at_80x24_show_every_watchlist_row() {
    let lines = screen(&quotes_state(), 80, 24);
    assert!(lines[1].starts_with(" Main (7)"));
    assert!(lines[1].ends_with("as of 14:02:05"));
    assert_eq!(
        cells(&lines[2]),
        [
            "Symbol", "Bid", "Ask", "Last", "Change", "%", "Chg", "Volume"
        ]
    );
    assert_eq!(
        cells(row_with(&lines, "AAPL  ")),
        [
            "AAPL", "187.15", "187.25", "187.20", "+1.25", "▲", "+0.67%", "52.3M"
        ]
    );
    assert_eq!(
        cells(row_with(&lines, "$SPX")),
        ["$SPX", "—", "—", "5,123.45", "+12.34", "▲", "+0.24%", "—"]
    );
    assert_eq!(
        cells(row_with(&lines, "/ESZ25")),
        [
            "/ESZ25", "5,130.25", "5,130.50", "5,130.25", "-3.25", "▼", "-0.06%", "1.2M"
        ]
    );
    assert_eq!(cells(row_with(&lines, "ZZZZ")), ["ZZZZ", "not", "found"]);
    assert_eq!(cells(row_with(&lines, "MSFT")), ["MSFT", "unavailable"]);
    assert!(lines[22].starts_with("AAPL · Apple Inc · EQUITY · O 185.00 H 188.00"));
    assert!(lines[23].contains("quotes as of 14:02:05"));
}

#[test]
fn quotes_at_120x40_add_descriptions_and_reasons() {
    let lines = screen(&quotes_state(), 120, 40);
    assert!(lines[2].contains("Description"));
    assert!(row_with(&lines, "$SPX").contains("S&P 500 INDEX"));
    assert!(row_with(&lines, "MSFT").contains("quote could not be read"));
    assert_eq!(
        lines[38],
        "AAPL · Apple Inc · EQUITY · O 185.00 H 188.00 L 184.50 prev 185.95 · 52w 164.08–199.62"
    );
}

#[test]
fn the_detail_line_follows_the_selection() {
    let mut state = quotes_state();
    command(&mut state, Command::Bottom);
    assert_eq!(
        screen(&state, 80, 24)[22],
        "MSFT: unavailable (quote could not be read)"
    );
    command(&mut state, Command::Up);
    assert_eq!(screen(&state, 80, 24)[22], "ZZZZ: not found");
}

#[test]
fn orders_show_working_first_then_the_rest_with_local_times() {
    let mut state = loaded_state();
    command(&mut state, Command::ShowOrders);
    let lines = screen(&state, 120, 40);
    assert!(lines[1].starts_with("Orders: 1 working · 1 filled · 1 canceled · 1 rejected"));
    let statuses: Vec<&str> = lines[3..7].iter().map(|l| cells(l)[0]).collect();
    assert_eq!(statuses, ["working", "filled", "rejected", "canceled"]);
    let filled = &lines[4];
    assert!(
        filled.contains("SELL") && filled.contains("512.41"),
        "{filled}"
    );
    assert!(lines[5].contains("6.10 / stop 6.00"));
    // The canceled order is from the day before: its time carries the date.
    assert!(lines[6].contains("Mar 13 "), "{}", lines[6]);
    assert!(lines[38].starts_with("BUY 10 AAPL LIMIT · #1000000000001 · entered "));

    command(&mut state, Command::Down);
    command(&mut state, Command::Down);
    let lines = screen(&state, 120, 40);
    assert!(
        lines[38].contains("Insufficient buying power"),
        "{}",
        lines[38]
    );
}

#[test]
fn the_detail_pane_shows_quote_fields_the_year_range_and_a_chart() {
    let state = detail_state(false);
    for (width, height) in [(80, 24), (120, 40), (60, 20)] {
        let lines = screen(&state, width, height);
        assert!(
            lines[1].starts_with("AAPL · Apple Inc · EQUITY"),
            "{lines:#?}"
        );
        assert!(lines[2].starts_with("Last 187.20   +1.25 ▲ +0.67%   Bid 187.15"));
        assert!(lines[3].starts_with("Open 185.00   High 188.00   Low 184.50"));
        assert!(lines[4].starts_with("52-week 164.08 "));
        assert!(lines[4].ends_with(" 199.62"));
        assert!(lines[5].contains(" 1D ") && lines[5].contains("candles"));
        let braille = lines
            .iter()
            .filter(|l| l.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)))
            .count();
        assert!(
            braille >= 5,
            "no chart drawn at {width}x{height}: {lines:#?}"
        );
        assert!(lines[6].starts_with("193.00"), "{}", lines[6]);
        assert!(lines.iter().any(|l| l.contains('█')), "no volume strip");
    }
    let line = detail_state(true);
    let lines = screen(&line, 80, 24);
    assert!(lines[5].contains("line of closes"));
}

#[test]
fn a_chart_with_no_candles_or_zero_times_draws_a_note_not_1970() {
    let mut state = quotes_state();
    command(&mut state, Command::Open);
    update(
        &mut state,
        Action::HistoryLoaded {
            symbol: "AAPL".to_string(),
            range: ChartRange::Day,
            result: Ok(Vec::new()),
            at: at(14, 3, 0),
        },
    );
    let text = screen(&state, 80, 24).join("\n");
    assert!(text.contains("No price history for AAPL (1D)"), "{text}");

    let mut zero = candles(0, true);
    zero.extend(candles(0, true));
    update(
        &mut state,
        Action::HistoryLoaded {
            symbol: "AAPL".to_string(),
            range: ChartRange::Day,
            result: Ok(zero),
            at: at(14, 3, 1),
        },
    );
    let text = screen(&state, 80, 24).join("\n");
    assert!(
        text.contains("No chart: 2 candles came without a usable time"),
        "{text}"
    );
    assert!(!text.contains("1970") && !text.contains("Jan 01"));

    update(
        &mut state,
        Action::HistoryLoaded {
            symbol: "AAPL".to_string(),
            range: ChartRange::Day,
            result: Ok(candles(30, true)),
            at: at(14, 3, 2),
        },
    );
    let text = screen(&state, 120, 40).join("\n");
    assert!(text.contains("1 candles without a time left out"), "{text}");
    assert!(!text.contains("1970"));
}

#[test]
fn help_lists_every_keymap_description() {
    let mut state = loaded_state();
    update(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    command(&mut state, Command::ToggleHelp);
    let first = screen(&state, 120, 40).join("\n");
    let mut text = first.clone();
    for _ in 0..BINDINGS.len() {
        command(&mut state, Command::Down);
        text.push_str(&screen(&state, 120, 40).join("\n"));
    }
    for binding in BINDINGS {
        assert!(
            text.contains(binding.description),
            "help lacks {:?}",
            binding.description
        );
    }
    assert!(first.contains("q, Ctrl-C"));
    assert!(first.contains("Tab, →, l"));
}

#[test]
fn help_scrolls_to_every_entry_on_a_small_screen() {
    let mut state = loaded_state();
    command(&mut state, Command::ToggleHelp);
    let mut seen = String::new();
    for _ in 0..BINDINGS.len() {
        seen.push_str(&screen(&state, 80, 24).join("\n"));
        command(&mut state, Command::Down);
    }
    for binding in BINDINGS {
        assert!(
            seen.contains(binding.description),
            "never shown: {:?}",
            binding.description
        );
    }
    command(&mut state, Command::Close);
    assert!(!screen(&state, 80, 24).join("\n").contains("Keys"));
}

fn assert_no_colour(buffer: &Buffer) {
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
}

/// The cells of the row whose text contains `needle`.
fn row_cells<'a>(buffer: &'a Buffer, needle: &str) -> Vec<&'a ratatui::buffer::Cell> {
    let text = lines(buffer);
    let y = text.iter().position(|l| l.contains(needle)).unwrap();
    let width = usize::from(buffer.area.width);
    buffer.content()[y * width..(y + 1) * width]
        .iter()
        .collect()
}

#[test]
fn no_color_draws_without_colour_and_selects_by_reverse_video() {
    let states = [
        loaded_state(),
        quotes_state(),
        {
            let mut s = loaded_state();
            command(&mut s, Command::ShowOrders);
            s
        },
        detail_state(false),
        detail_state(true),
        {
            let mut s = loaded_state();
            command(&mut s, Command::ToggleHelp);
            s
        },
    ];
    for state in &states {
        for (width, height) in [(80, 24), (120, 40)] {
            assert_no_colour(&render(state, &Theme::plain(), width, height));
        }
    }

    let mut state = loaded_state();
    command(&mut state, Command::Down);
    let buffer = render(&state, &Theme::plain(), 80, 24);
    let selected = row_cells(&buffer, "AAPL   ");
    assert!(
        selected
            .iter()
            .all(|c| c.modifier.contains(Modifier::REVERSED))
    );
    let other = row_cells(&buffer, "TSLA");
    assert!(
        other
            .iter()
            .all(|c| !c.modifier.contains(Modifier::REVERSED))
    );
    assert!(lines(&buffer).iter().any(|l| l.contains("-12.30 ▼")));
}

#[test]
fn every_theme_decorates_but_selection_is_always_reverse_video() {
    for theme in [Theme::colored(), Theme::light(), Theme::basic()] {
        let mut state = loaded_state();
        command(&mut state, Command::Down);
        command(&mut state, Command::Down);
        command(&mut state, Command::Down);
        let buffer = render(&state, &theme, 80, 24);
        let spy = row_cells(&buffer, "SPY");
        assert!(spy.iter().all(|c| c.modifier.contains(Modifier::REVERSED)));
        let tsla = row_cells(&buffer, "TSLA");
        let (gain, loss) = (theme.gain.fg.unwrap(), theme.loss.fg.unwrap());
        assert!(
            tsla.iter().any(|c| c.fg == loss),
            "a loss is coloured as well"
        );
        assert!(tsla.iter().any(|c| c.fg == gain));
    }
}

fn hostile_state() -> State {
    let mut accounts = accounts();
    accounts[0].label = "Evil\x1b[2J …1234".to_string();
    accounts[0].positions[0].description = HOSTILE.to_string();
    accounts[0].positions[1].symbol = "\x1b]52;c;aGk=\x07SPY".to_string();
    let mut quotes = quote_rows();
    if let QuoteState::Live(quote) = &mut quotes[0].state {
        quote.description = HOSTILE.to_string();
    }
    quotes.push(QuoteRow {
        symbol: "BAD".to_string(),
        state: QuoteState::Unavailable(HOSTILE.to_string()),
    });
    let mut orders = orders();
    orders[2].status_description = Some(HOSTILE.to_string());
    orders[2].symbol = "\x1b[31mRED".to_string();

    let mut options = options();
    options.watchlist.push("BAD".to_string());
    options.title = "palmtree \x1b]0;owned\x07 — DEMO".to_string();
    let mut state = State::new(&options);
    update(
        &mut state,
        Action::AccountsLoaded {
            result: Ok(accounts),
            at: at(9, 30, 0),
        },
    );
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(quotes),
            at: at(9, 30, 1),
        },
    );
    update(
        &mut state,
        Action::OrdersLoaded {
            result: Ok(orders),
            at: at(9, 30, 1),
        },
    );
    state
}

fn assert_no_controls(buffer: &Buffer) {
    for cell in buffer.content() {
        for ch in cell.symbol().chars() {
            let control = ch.is_control()
                || ('\u{202A}'..='\u{202E}').contains(&ch)
                || ('\u{2066}'..='\u{2069}').contains(&ch);
            assert!(!control, "control {ch:?} reached the buffer");
        }
    }
}

#[test]
fn hostile_strings_reach_the_screen_without_escapes() {
    let mut state = hostile_state();
    command(&mut state, Command::NextAccount);
    for (width, height) in [(80, 24), (120, 40)] {
        assert_no_controls(&render(&state, &Theme::plain(), width, height));
    }
    let wide = screen(&state, 120, 40);
    let aapl = row_with(&wide, "AAPL   ");
    assert!(aapl.contains("Evil �]0;owned"), "{aapl}");
    assert!(wide[0].contains("palmtree �]0;owned�"));
    assert!(wide[1].contains("Evil�[2J …1234"));

    command(&mut state, Command::ShowQuotes);
    command(&mut state, Command::Open);
    for (width, height) in [(80, 24), (120, 40)] {
        assert_no_controls(&render(&state, &Theme::plain(), width, height));
    }
    command(&mut state, Command::Close);
    let wide = screen(&state, 120, 40);
    assert!(row_with(&wide, "BAD").contains("unavailable"));

    command(&mut state, Command::ShowOrders);
    command(&mut state, Command::Bottom);
    for (width, height) in [(80, 24), (120, 40)] {
        assert_no_controls(&render(&state, &Theme::plain(), width, height));
    }

    update(
        &mut state,
        Action::QuotesLoaded {
            result: Err(palmtree::broker::BrokerError::Failed(format!(
                "server said {HOSTILE}"
            ))),
            at: at(9, 31, 0),
        },
    );
    assert_no_controls(&render(&state, &Theme::plain(), 120, 40));
    assert!(!state.last_error().unwrap().contains('\x1b'));
}

#[test]
fn every_size_down_to_one_cell_draws_without_panic() {
    let mut views = vec![
        loaded_state(),
        quotes_state(),
        detail_state(false),
        detail_state(true),
    ];
    let mut orders = loaded_state();
    command(&mut orders, Command::ShowOrders);
    views.push(orders);
    let mut help = loaded_state();
    command(&mut help, Command::ToggleHelp);
    views.push(help);
    let mut typing = quotes_state();
    command(&mut typing, Command::AddSymbol);
    update(&mut typing, Action::Paste("株式会社🚀".repeat(10)));
    views.push(typing);
    for state in &mut views {
        command(state, Command::Bottom);
    }
    for width in (1..=130).step_by(7).chain([59, 60, 61, 80]) {
        for height in (1..=45).step_by(4).chain([19, 20, 21, 24]) {
            for state in &mut views {
                update(state, Action::Resize { width, height });
                render(state, &Theme::colored(), width, height);
            }
        }
    }
}

#[test]
fn below_60x20_one_line_says_the_terminal_is_too_small() {
    let state = loaded_state();
    let lines = screen(&state, 59, 20);
    assert_eq!(lines[0], "Terminal too small: 59x20, need 60x20");
    assert!(lines[1..].iter().all(String::is_empty));
    assert_eq!(
        screen(&state, 80, 19)[0],
        "Terminal too small: 80x19, need 60x20"
    );
    let smallest = screen(&state, 60, 20);
    assert!(smallest[0].contains("1 Positions"));
    assert!(row_with(&smallest, "TSLA").contains("-20"));
    assert!(smallest[19].contains("positions as of 14:02:03"));
}

#[test]
fn before_data_arrives_the_views_say_loading() {
    let mut state = State::new(&options());
    update(&mut state, Action::Start);
    let lines = screen(&state, 80, 24);
    assert_eq!(lines[1], "Loading accounts…");
    assert!(lines[23].contains("connecting"));
    command(&mut state, Command::ShowQuotes);
    let lines = screen(&state, 80, 24);
    assert_eq!(cells(row_with(&lines, "ZZZZ")), ["ZZZZ", "…"]);
    assert_eq!(lines[22], "AAPL: waiting for the first quote");
    command(&mut state, Command::ShowOrders);
    assert_eq!(screen(&state, 80, 24)[2], "Loading orders…");

    let mut empty = State::new(&TuiOptions::default());
    command(&mut empty, Command::ShowQuotes);
    assert!(screen(&empty, 80, 24)[2].starts_with("The watchlist Main is empty: press a"));
}

/// Whether every cell of the first occurrence of `needle` on row `y` is reverse video.
fn reversed_at(buffer: &Buffer, y: usize, needle: &str) -> bool {
    let text = &lines(buffer)[y];
    let start = text[..text.find(needle).unwrap()].chars().count();
    let width = usize::from(buffer.area.width);
    buffer.content()[y * width + start..y * width + start + needle.chars().count()]
        .iter()
        .all(|c| c.modifier.contains(Modifier::REVERSED))
}

#[test]
fn demo_mode_and_the_active_tab_are_marked_without_colour() {
    let mut state = loaded_state();
    let buffer = render(&state, &Theme::plain(), 80, 24);
    assert!(reversed_at(&buffer, 0, "DEMO"));
    assert!(reversed_at(&buffer, 0, "1 Positions"));
    assert!(!reversed_at(&buffer, 0, "2 Quotes"));
    assert!(reversed_at(&buffer, 1, "All"));

    command(&mut state, Command::ShowQuotes);
    let buffer = render(&state, &Theme::plain(), 80, 24);
    assert!(reversed_at(&buffer, 0, "2 Quotes"));
    assert!(reversed_at(&buffer, 1, "Main (7)"));

    let live = State::new(&TuiOptions {
        title: "palmtree".to_string(),
        ..TuiOptions::default()
    });
    let buffer = render(&live, &Theme::plain(), 80, 24);
    assert!(!lines(&buffer)[0].contains("DEMO"));
    assert!(!reversed_at(&buffer, 0, "palmtree"));
}

#[test]
fn exchange_rates_keep_their_pips() {
    use palmtree::broker::model::{AssetKind, Quote};
    use rust_decimal_macros::dec;

    let mut opts = options();
    opts.watchlist = vec!["EUR/USD".to_string()];
    let mut state = State::new(&opts);
    let quote = Quote {
        symbol: "EUR/USD".to_string(),
        description: "Euro/USDollar Spot".to_string(),
        kind: Some(AssetKind::Forex),
        bid: Some(dec!(1.0841)),
        ask: Some(dec!(1.08425)),
        last: Some(dec!(1.0842)),
        net_change: Some(dec!(-0.0003)),
        net_pct: Some(dec!(-0.0277)),
        ..Quote::default()
    };
    let rows = vec![QuoteRow {
        symbol: "EUR/USD".to_string(),
        state: QuoteState::Live(Box::new(quote)),
    }];
    update(
        &mut state,
        Action::QuotesLoaded {
            result: Ok(rows),
            at: at(9, 0, 0),
        },
    );
    command(&mut state, Command::ShowQuotes);
    assert_eq!(
        cells(row_with(&screen(&state, 80, 24), "EUR/USD")),
        [
            "EUR/USD",
            "Euro/USDollar",
            "Spot",
            "1.0841",
            "1.08425",
            "1.0842",
            "-0.0003",
            "▼",
            "-0.03%",
            "—"
        ]
    );
}
