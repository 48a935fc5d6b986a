//! The shipped `config.example.toml` is a valid config whose values are the defaults, and its
//! key bindings pass the keymap's checks, so copying it can never break a user's start-up.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use palmtree::config::Config;

fn example() -> String {
    std::fs::read_to_string(format!(
        "{}/config.example.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn the_example_config_parses_to_the_defaults() {
    let parsed = Config::parse(&example(), Path::new("config.example.toml")).unwrap();
    assert_eq!(parsed, Config::default());
    assert!(parsed.api_urls().is_ok());
}

#[test]
fn the_example_keys_section_passes_the_keymap() {
    palmtree::tui::keymap::apply_overrides(&example()).unwrap();
    let rebound = format!("{}\nquit = \"ctrl-q\"\n", example());
    palmtree::tui::keymap::apply_overrides(&rebound).unwrap();
    let broken = format!("{}\nnot_an_action = \"x\"\n", example());
    let error = palmtree::tui::keymap::apply_overrides(&broken)
        .unwrap_err()
        .to_string();
    let line = example().lines().count() + 2;
    assert!(error.contains(&format!("line {line}")), "{error}");
}
