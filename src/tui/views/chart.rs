//! The price chart of the detail pane: candles (a canvas) or a line (a chart), a volume strip
//! (a sparkline), price labels on the left and local times along the bottom.
//!
//! Prices become `f64` here only to place dots; every label is formatted from the `Decimal`.
//! Without colour a rising candle is hollow and a falling one filled, so the direction reads.

use chrono::Local;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::canvas::{Canvas, Line as Stroke};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Sparkline, Widget};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::broker::model::{Candle, ChartRange};
use crate::format;
use crate::tui::app::ChartStyle;
use crate::tui::theme::Theme;

/// Candles merged so that they fit the columns: each bucket spans consecutive candles.
#[derive(Clone, Debug, PartialEq)]
struct Bucket {
    time: chrono::DateTime<chrono::Utc>,
    open: Decimal,
    high: Decimal,
    low: Decimal,
    close: Decimal,
    volume: Decimal,
}

/// Merges candles into at most `n` buckets of consecutive candles.
fn buckets(candles: &[Candle], n: usize) -> Vec<Bucket> {
    if candles.is_empty() || n == 0 {
        return Vec::new();
    }
    let len = candles.len();
    let n = n.min(len);
    // Bucket i takes candles [i·len/n, (i+1)·len/n), so exactly n buckets fill the width.
    (0..n)
        .filter_map(|i| {
            let chunk = candles.get(i * len / n..(i + 1) * len / n)?;
            let first = chunk.first()?;
            let last = chunk.last()?;
            Some(Bucket {
                time: first.time,
                open: first.open,
                high: chunk.iter().map(|c| c.high).max()?,
                low: chunk.iter().map(|c| c.low).min()?,
                close: last.close,
                volume: chunk.iter().map(|c| c.volume).sum(),
            })
        })
        .collect()
}

fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

fn colour(style: Style) -> Color {
    style.fg.unwrap_or(Color::Reset)
}

/// How the bottom labels write a time for a range: intraday times, then dates.
fn time_label(time: chrono::DateTime<chrono::Utc>, range: ChartRange) -> String {
    let local = time.with_timezone(&Local);
    match range {
        ChartRange::Day => local.format("%H:%M").to_string(),
        ChartRange::Week => local.format("%a %H:%M").to_string(),
        ChartRange::Month => local.format("%b %d").to_string(),
        ChartRange::Year => local.format("%b %Y").to_string(),
    }
}

/// Draws the chart of `candles` into `area`, or a note saying why there is none.
pub fn render(
    area: Rect,
    buf: &mut Buffer,
    candles: &[Candle],
    range: ChartRange,
    style: ChartStyle,
    empty_note: &str,
    theme: &Theme,
) {
    if area.height < 3 || area.width < 20 {
        return;
    }
    if candles.is_empty() {
        let [_, middle, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        Paragraph::new(Line::styled(empty_note.to_string(), theme.dim))
            .alignment(Alignment::Center)
            .render(middle, buf);
        return;
    }

    let high = candles.iter().map(|c| c.high).max().unwrap_or_default();
    let low = candles.iter().map(|c| c.low).min().unwrap_or_default();
    let labels = [
        format::price(high),
        format::price((high + low) / Decimal::TWO),
        format::price(low),
    ];
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 1;
    let label_width = u16::try_from(label_width).unwrap_or(12);

    let volume_rows = if area.height >= 10 { 2 } else { 1 };
    let [plot_rows, volume_area, times] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(volume_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    let [axis, plot] =
        Layout::horizontal([Constraint::Length(label_width), Constraint::Min(1)]).areas(plot_rows);
    let [_, volume] = Layout::horizontal([Constraint::Length(label_width), Constraint::Min(1)])
        .areas(volume_area);
    let [_, times] =
        Layout::horizontal([Constraint::Length(label_width), Constraint::Min(1)]).areas(times);

    price_labels(axis, buf, &labels, theme);
    let cells = usize::from(plot.width);
    let volumes = match style {
        ChartStyle::Candles => {
            let bars = buckets(candles, (cells / 2).max(1));
            draw_candles(plot, buf, &bars, f(low), f(high), theme);
            time_labels(times, buf, &bars, range, theme);
            bars.iter()
                .flat_map(|b| {
                    let v = b.volume.to_u64().unwrap_or(0);
                    [v, v]
                })
                .collect::<Vec<u64>>()
        }
        ChartStyle::Line => {
            let points = buckets(candles, cells.saturating_mul(2).max(1));
            draw_line(plot, buf, &points, f(low), f(high), theme);
            time_labels(times, buf, &points, range, theme);
            points
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|b| b.volume)
                        .sum::<Decimal>()
                        .to_u64()
                        .unwrap_or(0)
                })
                .collect::<Vec<u64>>()
        }
    };
    Sparkline::default()
        .data(volumes)
        .style(theme.volume)
        .render(volume, buf);
}

fn price_labels(area: Rect, buf: &mut Buffer, labels: &[String; 3], theme: &Theme) {
    let rows = [
        area.y,
        area.y + area.height.saturating_sub(1) / 2,
        area.bottom().saturating_sub(1),
    ];
    for (label, y) in labels.iter().zip(rows) {
        if area.height < 3 && y != area.y {
            continue;
        }
        let row = Rect::new(area.x, y, area.width.saturating_sub(1), 1);
        Paragraph::new(Line::styled(label.clone(), theme.axis))
            .alignment(Alignment::Right)
            .render(row, buf);
    }
}

fn time_labels(area: Rect, buf: &mut Buffer, bars: &[Bucket], range: ChartRange, theme: &Theme) {
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        return;
    };
    let left = time_label(first.time, range);
    let right = time_label(last.time, range);
    Paragraph::new(Line::styled(left.clone(), theme.axis)).render(area, buf);
    Paragraph::new(Line::styled(right.clone(), theme.axis))
        .alignment(Alignment::Right)
        .render(area, buf);
    let middle = bars.get(bars.len() / 2).map(|b| time_label(b.time, range));
    let room = usize::from(area.width).saturating_sub(left.len() + right.len());
    if let Some(middle) = middle.filter(|m| m.len() + 4 <= room) {
        Paragraph::new(Line::styled(middle, theme.axis))
            .alignment(Alignment::Center)
            .render(area, buf);
    }
}

/// The y range with a little room above and below, never empty.
fn padded(low: f64, high: f64) -> [f64; 2] {
    let span = (high - low).abs();
    let pad = if span > 0.0 {
        span * 0.02
    } else {
        high.abs().max(1.0) * 0.01
    };
    [low - pad, high + pad]
}

/// Candles on a braille canvas, two columns each: a wick in the middle dot column and a body
/// three dots wide, hollow when the close is above the open and filled when below.
fn draw_candles(area: Rect, buf: &mut Buffer, bars: &[Bucket], low: f64, high: f64, theme: &Theme) {
    let dots_x = f64::from(area.width) * 2.0 - 1.0;
    let up = colour(theme.chart_up);
    let down = colour(theme.chart_down);
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, dots_x.max(1.0)])
        .y_bounds(padded(low, high))
        .paint(|ctx| {
            for (i, bar) in bars.iter().enumerate() {
                let x = (i * 4) as f64;
                let (open, close) = (f(bar.open), f(bar.close));
                let (top, bottom) = (open.max(close), open.min(close));
                let rising = close >= open;
                let c = if rising { up } else { down };
                ctx.draw(&Stroke::new(x + 1.0, f(bar.high), x + 1.0, top, c));
                ctx.draw(&Stroke::new(x + 1.0, bottom, x + 1.0, f(bar.low), c));
                if rising {
                    ctx.draw(&Stroke::new(x, bottom, x, top, c));
                    ctx.draw(&Stroke::new(x + 2.0, bottom, x + 2.0, top, c));
                    ctx.draw(&Stroke::new(x, top, x + 2.0, top, c));
                    ctx.draw(&Stroke::new(x, bottom, x + 2.0, bottom, c));
                } else {
                    for dx in [0.0, 1.0, 2.0] {
                        ctx.draw(&Stroke::new(x + dx, bottom, x + dx, top, c));
                    }
                }
            }
        });
    canvas.render(area, buf);
}

/// Closing prices as a braille line.
fn draw_line(area: Rect, buf: &mut Buffer, points: &[Bucket], low: f64, high: f64, theme: &Theme) {
    let data: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, f(p.close)))
        .collect();
    let last = (data.len().saturating_sub(1)).max(1) as f64;
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme.chart_line)
        .data(&data);
    Chart::new(vec![dataset])
        .x_axis(Axis::default().bounds([0.0, last]))
        .y_axis(Axis::default().bounds(padded(low, high)))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    use super::*;

    fn candle(minute: u32, close: Decimal) -> Candle {
        Candle {
            time: Utc
                .with_ymd_and_hms(2025, 3, 14, 15, minute, 0)
                .single()
                .unwrap_or_default(),
            open: dec!(10),
            high: close.max(dec!(10)) + dec!(1),
            low: close.min(dec!(10)) - dec!(1),
            close,
            volume: dec!(100),
        }
    }

    #[test]
    fn buckets_merge_consecutive_candles() {
        let candles: Vec<Candle> = (0..5).map(|m| candle(m, dec!(11))).collect();
        let merged = buckets(&candles, 2);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].volume, dec!(200));
        assert_eq!(merged[1].volume, dec!(300));
        assert_eq!(merged[0].time, candles[0].time);
        assert!(buckets(&candles, 0).is_empty());
        assert_eq!(buckets(&candles, 10).len(), 5);
    }

    #[test]
    fn a_flat_range_still_has_height() {
        let [lo, hi] = padded(5.0, 5.0);
        assert!(lo < 5.0 && hi > 5.0);
    }
}
