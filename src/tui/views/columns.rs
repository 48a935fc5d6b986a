//! Table columns that fit the width: measured from their content, dropped by priority.
//!
//! Numbers are never cut. When a table is too wide, text columns shrink to their minimum and
//! then whole columns go, least important first, so a narrow terminal shows fewer columns
//! rather than wrong numbers.

use std::borrow::Cow;

use ratatui::layout::{Alignment, Constraint};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};
use rust_decimal::Decimal;

use crate::tui::theme::Theme;

/// A text column never grows past this many columns, however long its longest cell.
const TEXT_MAX: u16 = 40;

/// The blank columns between two table columns.
pub const SPACING: u16 = 1;

/// How a cell's meaning is decorated; the theme turns it into a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Gain,
    Loss,
    Dim,
    Warn,
    Strong,
}

impl Tone {
    /// Gain for a positive value, loss for a negative one, plain for zero or none.
    pub fn of(value: Option<Decimal>) -> Tone {
        match value {
            Some(v) if v.is_sign_positive() && !v.is_zero() => Tone::Gain,
            Some(v) if v.is_sign_negative() && !v.is_zero() => Tone::Loss,
            _ => Tone::Plain,
        }
    }

    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Tone::Plain => Style::new(),
            Tone::Gain => theme.gain,
            Tone::Loss => theme.loss,
            Tone::Dim => theme.dim,
            Tone::Warn => theme.warn,
            Tone::Strong => theme.totals,
        }
    }
}

/// One cell's text and tone, before it becomes a ratatui cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub tone: Tone,
}

impl Field {
    pub fn new(text: impl Into<String>, tone: Tone) -> Field {
        Field {
            text: text.into(),
            tone,
        }
    }

    pub fn plain(text: impl Into<String>) -> Field {
        Field::new(text, Tone::Plain)
    }

    pub fn empty() -> Field {
        Field::plain("")
    }

    fn width(&self) -> u16 {
        u16::try_from(Line::raw(self.text.as_str()).width()).unwrap_or(u16::MAX)
    }
}

/// A column's heading and how it gives way when space is short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub title: Cow<'static, str>,
    pub align: Alignment,
    /// 0 is never dropped; among the rest the highest number goes first.
    pub priority: u8,
    /// A text column that may shrink to this width (and is cut with `…` by ratatui's
    /// truncation) before any column is dropped. `None` for numbers: they never shrink.
    pub shrink_to: Option<u16>,
}

impl Column {
    pub const fn text(title: &'static str, priority: u8) -> Column {
        Column {
            title: Cow::Borrowed(title),
            align: Alignment::Left,
            priority,
            shrink_to: None,
        }
    }

    pub const fn number(title: &'static str, priority: u8) -> Column {
        Column {
            title: Cow::Borrowed(title),
            align: Alignment::Right,
            priority,
            shrink_to: None,
        }
    }

    pub const fn flexible(title: &'static str, priority: u8, min: u16) -> Column {
        Column {
            title: Cow::Borrowed(title),
            align: Alignment::Left,
            priority,
            shrink_to: Some(min),
        }
    }
}

/// The width of each column for a table `width` wide, `None` for a dropped column.
///
/// Columns are measured from their title and every row (the footer included). Columns are
/// dropped, highest priority number first, until the rest fit with text columns at their
/// minimum; then text columns shrink only as much as needed.
pub fn fit(columns: &[Column], rows: &[&[Field]], width: u16) -> Vec<Option<u16>> {
    let mut natural: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let title = Field::plain(column.title.clone()).width();
            let widest = rows.iter().filter_map(|r| r.get(i)).map(Field::width).max();
            let w = title.max(widest.unwrap_or(0));
            if column.shrink_to.is_some() {
                w.min(TEXT_MAX)
            } else {
                w
            }
        })
        .collect();
    let mut shown = vec![true; columns.len()];

    let total = |widths: &[u16], shown: &[bool], at_min: bool| -> u32 {
        let mut sum = 0u32;
        let mut count = 0u32;
        for (i, column) in columns.iter().enumerate() {
            if shown.get(i) == Some(&true) {
                let w = widths.get(i).copied().unwrap_or(0);
                let w = match (at_min, column.shrink_to) {
                    (true, Some(min)) => w.min(min),
                    _ => w,
                };
                sum += u32::from(w);
                count += 1;
            }
        }
        sum + count.saturating_sub(1) * u32::from(SPACING)
    };

    while total(&natural, &shown, true) > u32::from(width) {
        let victim = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| c.priority > 0 && shown.get(*i) == Some(&true))
            .max_by_key(|(i, c)| (c.priority, *i))
            .map(|(i, _)| i);
        match victim.and_then(|i| shown.get_mut(i)) {
            Some(slot) => *slot = false,
            None => break,
        }
    }

    let mut over = total(&natural, &shown, false).saturating_sub(u32::from(width));
    for (i, column) in columns.iter().enumerate() {
        if over == 0 {
            break;
        }
        if let (Some(min), Some(true), Some(w)) =
            (column.shrink_to, shown.get(i), natural.get_mut(i))
        {
            let give = u32::from(w.saturating_sub(min)).min(over);
            *w -= u16::try_from(give).unwrap_or(0);
            over -= give;
        }
    }

    natural
        .into_iter()
        .zip(shown)
        .map(|(w, show)| show.then_some(w))
        .collect()
}

/// A ratatui table of the visible columns, with a header, optional footer and the theme's
/// reverse-video selection.
pub fn table<'a>(
    columns: &[Column],
    widths: &[Option<u16>],
    rows: &[Vec<Field>],
    footer: Option<&[Field]>,
    theme: &Theme,
) -> Table<'a> {
    let visible: Vec<usize> = (0..columns.len())
        .filter(|i| widths.get(*i).is_some_and(Option::is_some))
        .collect();

    let header = Row::new(visible.iter().filter_map(|&i| {
        columns
            .get(i)
            .map(|c| Cell::from(Line::raw(c.title.clone()).alignment(c.align)))
    }))
    .style(theme.table_header);

    let to_row = |fields: &[Field]| {
        Row::new(visible.iter().filter_map(|&i| {
            let column = columns.get(i)?;
            let field = fields.get(i)?;
            let line = Line::styled(field.text.clone(), field.tone.style(theme));
            Some(Cell::from(line.alignment(column.align)))
        }))
    };

    let body: Vec<Row> = rows.iter().map(|r| to_row(r)).collect();
    let constraints: Vec<Constraint> = visible
        .iter()
        .filter_map(|&i| widths.get(i).copied().flatten())
        .map(Constraint::Length)
        .collect();

    let mut table = Table::new(body, constraints)
        .header(header)
        .column_spacing(SPACING)
        .row_highlight_style(theme.selected);
    if let Some(footer) = footer {
        table = table.footer(to_row(footer).style(theme.totals));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 4] = [
        Column::text("Sym", 0),
        Column::flexible("Description", 3, 5),
        Column::number("Last", 0),
        Column::number("Volume", 2),
    ];

    fn row(cells: [&str; 4]) -> Vec<Field> {
        cells.iter().map(|c| Field::plain(*c)).collect()
    }

    #[test]
    fn everything_fits_when_wide() {
        let rows = [row(["AAPL", "Apple Inc", "187.20", "1.2M"])];
        let refs: Vec<&[Field]> = rows.iter().map(Vec::as_slice).collect();
        assert_eq!(
            fit(&COLUMNS, &refs, 80),
            vec![Some(4), Some(11), Some(6), Some(6)]
        );
    }

    #[test]
    fn text_shrinks_before_numbers_go() {
        let rows = [row(["AAPL", "Apple Inc Common Stock", "187.20", "1.2M"])];
        let refs: Vec<&[Field]> = rows.iter().map(Vec::as_slice).collect();
        // 4 + 22 + 6 + 6 + 3 spaces = 41; at 30 the description gives 11.
        assert_eq!(
            fit(&COLUMNS, &refs, 30),
            vec![Some(4), Some(11), Some(6), Some(6)]
        );
    }

    #[test]
    fn lowest_priority_goes_first_when_shrinking_is_not_enough() {
        let rows = [row(["AAPL", "Apple Inc", "187.20", "1.2M"])];
        let refs: Vec<&[Field]> = rows.iter().map(Vec::as_slice).collect();
        assert_eq!(
            fit(&COLUMNS, &refs, 20),
            vec![Some(4), None, Some(6), Some(6)]
        );
        assert_eq!(fit(&COLUMNS, &refs, 12), vec![Some(4), None, Some(6), None]);
        // Nothing left to drop: the must-keep columns stay and ratatui clips.
        assert_eq!(fit(&COLUMNS, &refs, 5), vec![Some(4), None, Some(6), None]);
    }

    #[test]
    fn tone_follows_the_sign() {
        assert_eq!(Tone::of(Some(Decimal::ONE)), Tone::Gain);
        assert_eq!(Tone::of(Some(Decimal::NEGATIVE_ONE)), Tone::Loss);
        assert_eq!(Tone::of(Some(Decimal::ZERO)), Tone::Plain);
        assert_eq!(Tone::of(None), Tone::Plain);
    }
}
