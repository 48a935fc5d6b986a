//! The views on a `TestBackend` at 80x24 and 120x40 (and the small sizes), from demo-like data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tui_support;

use palmtree::broker::model::{QuoteRow, QuoteState};
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
fn positions_at_80x24_keep_every_number_and_drop_text_columns() {
    let lines = screen(&loaded_state(), 80, 24);
    assert_eq!(lines.len(), 24);

    assert!(lines[0].contains("palmtree"));
    assert!(lines[0].contains("DEMO"));
    assert!(lines[0].contains("1 Positions"));
    assert!(lines[0].contains("2 Quotes"));
    assert!(lines[1].contains("Individual …1234 (MARGIN)"));
    assert!(lines[1].contains("Roth IRA …5678"));

    assert_eq!(
        cells(&lines[2]),
        [
            "Symbol", "Qty", "Avg", "price", "Last", "Mkt", "value", "Day", "P&L", "Total", "P&L"
        ]
    );
    assert!(
        !lines[2].contains("Description"),
        "description is dropped at 80 columns"
    );

    let aapl = row_with(&lines, "AAPL   ");
    assert_eq!(
        cells(aapl),
        [
            "AAPL",
            "100",
            "150.00",
            "187.20",
            "18,720.00",
            "+120.00",
            "▲",
            "+3,720.00",
            "▲"
        ]
    );
    let short = row_with(&lines, "TSLA");
    assert_eq!(
        cells(short),
        [
            "TSLA",
            "-20",
            "260.00",
            "198.28",
            "-3,965.50",
            "-12.30",
            "▼",
            "+1,234.50",
            "▲"
        ]
    );
    let option = row_with(&lines, OPTION_SYMBOL);
    assert!(option.starts_with(OPTION_SYMBOL));
    assert_eq!(
        cells(option.trim_start_matches(OPTION_SYMBOL)),
        [
            "2", "5.25", "6.10", "1,220.00", "+30.00", "▲", "+170.00", "▲"
        ]
    );
    let etf = row_with(&lines, "SPY");
    assert_eq!(
        cells(etf),
        [
            "SPY",
            "50",
            "480.25",
            "512.40",
            "25,620.00",
            "-45.50",
            "▼",
            "+1,607.50",
            "▲"
        ]
    );
    assert_eq!(
        cells(row_with(&lines, "Total   ")),
        ["Total", "41,594.50", "+92.20", "▲", "+6,732.00", "▲"]
    );
    assert_eq!(
        row_with(&lines, "Cash"),
        "Cash 12,345.67   Buying power 45,678.90   Day-trading BP 91,357.80"
    );

    let status = &lines[23];
    assert!(status.contains("● live"), "{status}");
    assert!(status.contains("positions as of 14:02:03"), "{status}");
    assert!(status.contains("? help  q quit"), "{status}");
}

#[test]
fn positions_at_120x40_show_every_column() {
    let lines = screen(&loaded_state(), 120, 40);
    assert_eq!(
        cells(&lines[2]),
        [
            "Symbol",
            "Type",
            "Description",
            "Qty",
            "Avg",
            "price",
            "Last",
            "Mkt",
            "value",
            "Day",
            "P&L",
            "Total",
            "P&L"
        ]
    );
    assert_eq!(
        cells(row_with(&lines, "TSLA")),
        [
            "TSLA",
            "EQUITY",
            "Tesla",
            "Inc",
            "-20",
            "260.00",
            "198.28",
            "-3,965.50",
            "-12.30",
            "▼",
            "+1,234.50",
            "▲"
        ]
    );
    assert!(row_with(&lines, OPTION_SYMBOL).contains("OPTION APPLE INC 06/20/2025 $200 Call"));
    assert!(row_with(&lines, "SPY").contains("ETF    SPDR S&P 500 ETF Trust"));
    assert!(
        row_with(&lines, "Cash").ends_with("Day-trading BP 91,357.80   Net liq 54,000.17"),
        "{lines:#?}"
    );
    assert!(lines[39].contains("positions as of 14:02:03"));
}

#[test]
fn the_second_account_shows_its_own_holdings_and_wide_text() {
    let mut state = loaded_state();
    command(&mut state, Command::NextAccount);
    for (width, height) in [(80, 24), (120, 40), (60, 20)] {
        let lines = screen(&state, width, height);
        assert!(lines[1].contains("Roth IRA …5678 (CASH)"), "{lines:#?}");
        let vti = row_with(&lines, "VTI");
        assert!(vti.contains("2,600.00"), "{vti}");
        assert!(vti.contains("+100.00 ▲"), "{vti}");
        assert!(!lines.iter().any(|l| l.contains("TSLA")));
        assert!(row_with(&lines, "Cash").starts_with("Cash 2,500.00   Buying power 2,500.00"));
        assert!(
            !lines.iter().any(|l| l.contains("Day-trading")),
            "no DTBP in a cash account"
        );
    }
    let wide = screen(&state, 120, 40);
    assert!(row_with(&wide, "VTI").contains("株式会社 🚀 Total Market ファンド"));
}

#[test]
fn quotes_at_80x24_show_every_watchlist_row() {
    let lines = screen(&quotes_state(), 80, 24);
    assert!(lines[0].contains("2 Quotes"));
    assert_eq!(
        cells(&lines[1]),
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
        cells(row_with(&lines, "SPY")),
        [
            "SPY", "512.38", "512.42", "512.40", "-0.91", "▼", "-0.18%", "61.2M"
        ]
    );
    assert_eq!(
        cells(row_with(&lines, "$SPX")),
        ["$SPX", "—", "—", "5,123.45", "+12.34", "▲", "+0.24%", "—"]
    );
    assert_eq!(
        cells(row_with(&lines, OPTION_SYMBOL).trim_start_matches(OPTION_SYMBOL)),
        ["6.05", "6.15", "6.10", "+0.15", "▲", "+2.52%", "1.5K"]
    );
    assert_eq!(
        cells(row_with(&lines, "/ESZ25")),
        [
            "/ESZ25", "5,130.25", "5,130.50", "5,130.25", "-3.25", "▼", "-0.06%", "1.2M"
        ]
    );
    assert_eq!(cells(row_with(&lines, "ZZZZ")), ["ZZZZ", "not", "found"]);
    assert_eq!(cells(row_with(&lines, "MSFT")), ["MSFT", "unavailable"]);

    assert!(lines[9].starts_with("AAPL · Apple Inc · EQUITY · O 185.00 H 188.00"));
    assert!(lines[23].contains("quotes as of 14:02:05"));
}

#[test]
fn quotes_at_120x40_add_descriptions_and_reasons() {
    let lines = screen(&quotes_state(), 120, 40);
    assert!(lines[1].contains("Description"));
    assert!(row_with(&lines, "$SPX").contains("S&P 500 INDEX"));
    assert!(row_with(&lines, "MSFT").contains("quote could not be read"));
    assert!(row_with(&lines, "MSFT").contains("unavailable"));
    assert!(row_with(&lines, "ZZZZ").contains("not found"));
    assert_eq!(
        lines[9],
        "AAPL · Apple Inc · EQUITY · O 185.00 H 188.00 L 184.50 prev 185.95 \
         · 52w 164.08–199.62"
    );
}

#[test]
fn the_detail_line_follows_the_selection() {
    let mut state = quotes_state();
    command(&mut state, Command::Bottom);
    let lines = screen(&state, 80, 24);
    assert_eq!(lines[9], "MSFT: unavailable (quote could not be read)");
    command(&mut state, Command::Up);
    assert_eq!(screen(&state, 80, 24)[9], "ZZZZ: not found");
}

#[test]
fn help_lists_every_keymap_description() {
    let mut state = loaded_state();
    command(&mut state, Command::ToggleHelp);
    let text = screen(&state, 120, 40).join("\n");
    for binding in BINDINGS {
        assert!(
            text.contains(binding.description),
            "help lacks {:?}",
            binding.description
        );
    }
    assert!(text.contains("q, Ctrl-C"));
    assert!(text.contains("Tab, →, l"));
    assert!(text.contains("g, Home"));
    assert!(text.contains("], a"));
}

#[test]
fn help_scrolls_to_every_entry_on_a_small_screen() {
    let mut state = loaded_state();
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
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
    command(&mut state, Command::CloseHelp);
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
    let mut state = loaded_state();
    for view in [Command::ShowPositions, Command::ShowQuotes] {
        command(&mut state, view);
        for (width, height) in [(80, 24), (120, 40)] {
            assert_no_colour(&render(&state, &Theme::plain(), width, height));
        }
    }
    command(&mut state, Command::ToggleHelp);
    assert_no_colour(&render(&state, &Theme::plain(), 80, 24));

    let state = loaded_state();
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
    // The meaning is in the text: a loss is signed and arrowed, with no colour at all.
    assert!(lines(&buffer).iter().any(|l| l.contains("-12.30 ▼")));
}

#[test]
fn colour_theme_decorates_but_selection_is_still_reverse_video() {
    let mut state = loaded_state();
    command(&mut state, Command::Down);
    let buffer = render(&state, &Theme::colored(), 80, 24);
    let spy = row_cells(&buffer, "SPY");
    assert!(spy.iter().all(|c| c.modifier.contains(Modifier::REVERSED)));
    let tsla = row_cells(&buffer, "TSLA");
    assert!(
        tsla.iter().any(|c| c.fg == Color::Red),
        "a loss is red as well as signed"
    );
    assert!(tsla.iter().any(|c| c.fg == Color::Green));
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
    for (width, height) in [(80, 24), (120, 40)] {
        assert_no_controls(&render(&state, &Theme::plain(), width, height));
    }
    let wide = screen(&state, 120, 40);
    assert!(row_with(&wide, "AAPL").contains("Evil �]0;owned� Corp �[2J�31m�gnp.exe"));
    assert!(wide[0].contains("palmtree �]0;owned�"));

    command(&mut state, Command::ShowQuotes);
    for (width, height) in [(80, 24), (120, 40)] {
        assert_no_controls(&render(&state, &Theme::plain(), width, height));
    }
    let wide = screen(&state, 120, 40);
    assert!(row_with(&wide, "BAD").contains("unavailable"));

    update(
        &mut state,
        Action::QuotesLoaded {
            result: Err(format!("server said {HOSTILE}")),
            at: at(9, 31, 0),
        },
    );
    assert_no_controls(&render(&state, &Theme::plain(), 120, 40));
    assert!(!state.last_error().unwrap().contains('\x1b'));
}

#[test]
fn every_size_down_to_one_cell_draws_without_panic() {
    let mut positions = loaded_state();
    let mut quotes = quotes_state();
    let mut help = loaded_state();
    command(&mut help, Command::ToggleHelp);
    command(&mut positions, Command::Bottom);
    command(&mut quotes, Command::Bottom);
    for width in (1..=130).step_by(7).chain([59, 60, 61, 80]) {
        for height in (1..=45).step_by(4).chain([19, 20, 21, 24]) {
            for state in [&mut positions, &mut quotes, &mut help] {
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
    assert!(lines[23].contains("loading…"));
    command(&mut state, Command::ShowQuotes);
    assert_eq!(screen(&state, 80, 24)[1], "Loading quotes…");

    let mut empty = State::new(&TuiOptions::default());
    command(&mut empty, Command::ShowQuotes);
    assert!(screen(&empty, 80, 24)[1].starts_with("The watchlist is empty"));
}

#[test]
fn snapshot_positions_80x24() {
    insta::assert_snapshot!(screen(&loaded_state(), 80, 24).join("\n"));
}

#[test]
fn snapshot_quotes_80x24() {
    insta::assert_snapshot!(screen(&quotes_state(), 80, 24).join("\n"));
}

#[test]
fn snapshot_quotes_120x40() {
    insta::assert_snapshot!(screen(&quotes_state(), 120, 40).join("\n"));
}

#[test]
fn snapshot_help_120x40() {
    let mut state = loaded_state();
    command(&mut state, Command::ToggleHelp);
    insta::assert_snapshot!(screen(&state, 120, 40).join("\n"));
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

    command(&mut state, Command::ShowQuotes);
    let buffer = render(&state, &Theme::plain(), 80, 24);
    assert!(reversed_at(&buffer, 0, "2 Quotes"));
    assert!(!reversed_at(&buffer, 0, "1 Positions"));

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
