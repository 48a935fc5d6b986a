//! Untrusted text made safe to show: no terminal controls, no bidi reordering, bounded length.
//!
//! Every string that came from the API (symbols, descriptions, error text) passes through
//! [`clean`] before it is drawn, printed or logged, so a hostile description cannot set the
//! window title, clear the screen, write the clipboard or reorder what the user reads.

/// The mark a removed character leaves behind, so tampering stays visible.
pub const REPLACEMENT: char = '\u{FFFD}';

/// The mark at the end of text that was cut to fit.
pub const ELLIPSIS: char = '…';

/// Returns `s` with every control character replaced by U+FFFD and at most `max_chars` chars.
///
/// Replaced: C0 controls (U+0000–U+001F, newline and tab included, since a table cell has no
/// use for them), DEL, C1 controls (U+0080–U+009F, which include the 8-bit CSI U+009B), the
/// bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the bidi marks
/// (U+200E, U+200F, U+061C). Replacing rather than dropping keeps the damage visible.
///
/// Text longer than `max_chars` chars is cut to `max_chars - 1` chars plus `…`, so the result
/// never exceeds `max_chars` chars. The cap counts chars, not screen columns: a wide character
/// still takes two columns when drawn.
pub fn clean(s: &str, max_chars: usize) -> String {
    let over = s.chars().nth(max_chars).is_some();
    let keep = if over {
        max_chars.saturating_sub(1)
    } else {
        max_chars
    };

    let mut out = String::with_capacity(s.len().min(keep.saturating_mul(4)) + 3);
    for ch in s.chars().take(keep) {
        out.push(if is_unsafe(ch) { REPLACEMENT } else { ch });
    }
    if over && max_chars > 0 {
        out.push(ELLIPSIS);
    }
    out
}

/// Returns `s` with every unsafe character (as for [`clean`]) dropped, at most `max_chars` kept.
///
/// For text the user pastes or types into a field: a pasted line break or escape is noise to
/// remove, not damage to show.
pub fn strip(s: &str, max_chars: usize) -> String {
    s.chars()
        .filter(|c| !is_unsafe(*c))
        .take(max_chars)
        .collect()
}

/// Whether a char could move the cursor, change terminal state, or reorder displayed text.
fn is_unsafe(ch: char) -> bool {
    matches!(
        ch,
        '\u{0}'..='\u{1F}'
            | '\u{7F}'
            | '\u{80}'..='\u{9F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc_title_sequence_loses_its_escape_and_bell() {
        assert_eq!(clean("\x1b]0;owned\x07", 64), "\u{FFFD}]0;owned\u{FFFD}");
    }

    #[test]
    fn csi_clear_screen_loses_its_escape() {
        assert_eq!(clean("\x1b[2J", 64), "\u{FFFD}[2J");
    }

    #[test]
    fn bidi_override_is_replaced() {
        assert_eq!(clean("abc\u{202E}fed", 64), "abc\u{FFFD}fed");
        assert_eq!(clean("\u{2066}x\u{2069}", 64), "\u{FFFD}x\u{FFFD}");
        assert_eq!(
            clean("\u{202A}\u{202B}\u{202C}\u{202D}", 64),
            "\u{FFFD}".repeat(4)
        );
    }

    #[test]
    fn eight_bit_csi_and_other_c1_are_replaced() {
        assert_eq!(clean("\u{9B}31mred", 64), "\u{FFFD}31mred");
        assert_eq!(clean("\u{80}\u{9F}", 64), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn del_newline_and_tab_are_replaced() {
        assert_eq!(
            clean("a\x7fb\nc\td\re", 64),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e"
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        assert_eq!(
            clean("Apple Inc — Common Stock", 64),
            "Apple Inc — Common Stock"
        );
        assert_eq!(clean("株式会社 🚀 Émoji", 64), "株式会社 🚀 Émoji");
        assert_eq!(clean("/ESZ25", 64), "/ESZ25");
    }

    #[test]
    fn strip_drops_what_clean_replaces() {
        assert_eq!(strip("AA\x1b[2JPL\n", 64), "AA[2JPL");
        assert_eq!(strip("abcdef", 3), "abc");
    }

    #[test]
    fn long_text_is_capped_with_an_ellipsis() {
        assert_eq!(clean("abcdef", 6), "abcdef");
        assert_eq!(clean("abcdefg", 6), "abcde…");
        assert_eq!(clean("株式会社株式会社", 4), "株式会…");
        assert_eq!(clean("abc", 0), "");
        assert_eq!(clean("abc", 1), "…");
    }
}
