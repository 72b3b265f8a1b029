//! Server-side SVG charts for the analyst pages and, rasterized, for email reports.
//!
//! Pure string building (the PNG step uses resvg). Every chart is one self-contained `<svg>`: explicit
//! width/height/viewBox, a white background, inline presentation attributes and a generic font,
//! so the same string can be inlined in HTML or turned into a PNG without CSS, fonts or scripts.
//! Every piece of caller text goes through [`escape`]. The only words the charts add are
//! language-neutral ("n = 12", "n<30"), so localisation stays with the caller.

mod png;
mod series;
#[cfg(test)]
mod tests;
mod xy;

use std::fmt::Write;

pub use png::png;
pub use series::{series, Change, Format, Point, SeriesChart};
pub use xy::{bars, lines, steps, Bar, Curve};

const ACCENT: &str = "#1f5fa8";
const INK: &str = "#1f2933";
const MUTED: &str = "#5f6b7a";
const GRID: &str = "#e3e7ec";
const AXIS: &str = "#9aa5b1";
const THIN: &str = "#8a8a8a";
/// Okabe–Ito without its yellow (too faint on white): distinguishable with the common colour-vision deficiencies.
const PALETTE: [&str; 7] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
/// Average glyph width at the 11px tick font (generous: DejaVu Sans, a common fallback, is wide),
/// to decide what fits without measuring text.
const CHAR_W: f64 = 7.0;

/// Escapes text for SVG content and attribute values; drops control characters XML forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Wraps a chart body in the root element. The ids come from a hash of the content, so output is
/// deterministic and several different charts on one page do not share `aria-labelledby` targets.
fn document(width: u32, height: u32, title: &str, desc: &str, body: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5; // FNV-1a
    for b in title.bytes().chain(desc.bytes()).chain(body.bytes()) {
        hash = (hash ^ b as u32).wrapping_mul(0x0100_0193);
    }
    let id = format!("chart-{hash:08x}");
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-t {id}-d" font-family="system-ui, sans-serif" font-size="11"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><rect width="{width}" height="{height}" fill="#ffffff"/>{body}</svg>"##,
        escape(title),
        escape(desc)
    )
}

/// Appends `<text>`; `extra` carries further attributes (already safe).
fn text(out: &mut String, x: f64, y: f64, anchor: &str, fill: &str, extra: &str, s: &str) {
    let _ =
        write!(out, r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{fill}"{extra}>{}</text>"#, escape(s));
}

/// The plot area in pixels and the data domain it shows.
struct Frame {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    /// Data x to pixels, clamped to the plot area so out-of-range data never spills.
    fn x(&self, v: f64) -> f64 {
        let t = if self.x1 > self.x0 { (v - self.x0) / (self.x1 - self.x0) } else { 0.5 };
        self.left + t.clamp(0.0, 1.0) * (self.right - self.left)
    }

    fn y(&self, v: f64) -> f64 {
        let t = if self.y1 > self.y0 { (v - self.y0) / (self.y1 - self.y0) } else { 0.5 };
        self.bottom - t.clamp(0.0, 1.0) * (self.bottom - self.top)
    }

    /// Horizontal gridlines with tick labels, the rotated axis title and the x baseline.
    fn y_axis(&self, out: &mut String, ticks: &[f64], fmt: &dyn Fn(f64) -> String, label: &str) {
        for &t in ticks {
            let y = self.y(t);
            let _ = write!(
                out,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{GRID}" stroke-width="1"/>"#,
                self.left, self.right
            );
            text(out, self.left - 6.0, y + 3.5, "end", MUTED, "", &fmt(t));
        }
        let mid = (self.top + self.bottom) / 2.0;
        let rot = format!(r#" transform="rotate(-90 14 {mid:.1})""#);
        text(out, 14.0, mid, "middle", INK, &rot, label);
        self.baseline(out, self.bottom);
    }

    /// A break (two short slanted strokes across the bottom of the y axis) when the axis does
    /// not start at 0, so bars and lines are not read as if it did.
    fn axis_break(&self, out: &mut String) {
        if self.y0 <= 0.0 {
            return;
        }
        let (x, y) = (self.left, self.bottom - 8.0);
        let _ = write!(
            out,
            r##"<g stroke="{AXIS}" stroke-width="1.4"><path d="M{:.1},{:.1}l10,-4M{:.1},{:.1}l10,-4" fill="none"/></g>"##,
            x - 5.0,
            y + 2.0,
            x - 5.0,
            y + 6.0
        );
    }

    fn baseline(&self, out: &mut String, y: f64) {
        let _ = write!(
            out,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{AXIS}" stroke-width="1"/>"#,
            self.left, self.right
        );
    }

    /// Numeric x ticks below the plot and the axis title under them.
    fn x_axis(&self, out: &mut String, ticks: &[f64], step: f64, label: &str) {
        for &t in ticks {
            let x = self.x(t);
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{AXIS}"/>"#,
                self.bottom,
                self.bottom + 4.0
            );
            text(out, x, self.bottom + 16.0, "middle", MUTED, "", &fmt_tick(t, step));
        }
        text(out, (self.left + self.right) / 2.0, self.bottom + 32.0, "middle", INK, "", label);
    }

    /// A dashed horizontal or vertical reference line with its label.
    fn reference(&self, out: &mut String, value: f64, label: &str, vertical: bool) {
        let (x1, y1, x2, y2) = if vertical {
            let x = self.x(value);
            (x, self.top, x, self.bottom)
        } else {
            let y = self.y(value);
            (self.left, y, self.right, y)
        };
        let _ = write!(
            out,
            r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#4b5563" stroke-width="1.2" stroke-dasharray="5 4"/>"##
        );
        // A vertical line's label goes to its right, or to its left when it would run off the
        // plot (about 6 px per character at this size). A horizontal line's label stands above
        // the plot as a legend entry with a dashed swatch: on the line it would cross the bars
        // and error bars it is drawn over.
        let fits_right = x1 + 8.0 + 6.0 * label.chars().count() as f64 <= self.right + 16.0;
        let (x, y, anchor) = match (vertical, fits_right) {
            (true, true) => (x1 + 4.0, self.top + 11.0, "start"),
            (true, false) => (x1 - 4.0, self.top + 11.0, "end"),
            (false, _) => {
                let y = (self.top - 6.0).max(10.0);
                let _ = write!(
                    out,
                    r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#4b5563" stroke-width="1.2" stroke-dasharray="5 4"/>"##,
                    self.left,
                    y - 3.5,
                    self.left + 18.0,
                    y - 3.5
                );
                (self.left + 23.0, y, "start")
            }
        };
        // A white halo keeps the label readable where it crosses a band, bar or line.
        let halo = r##" font-size="10.5" stroke="#ffffff" stroke-width="3" paint-order="stroke""##;
        text(out, x, y, anchor, "#4b5563", halo, label);
    }
}

/// A legend's rows between `left` and `right`: where each item goes (row, x). An item that
/// would run past `right` starts a new row, so a phone's narrow chart keeps every label inside.
fn legend_layout(labels: &[&str], left: f64, right: f64) -> Vec<(usize, f64)> {
    let (mut row, mut x) = (0, left);
    let mut out = Vec::with_capacity(labels.len());
    for label in labels {
        let width = 21.0 + label.chars().count() as f64 * CHAR_W;
        if x > left && x + width > right {
            row += 1;
            x = left;
        }
        out.push((row, x));
        x += width + 16.0;
    }
    out
}

/// Rows a legend takes (0 without items).
fn legend_rows(labels: &[&str], left: f64, right: f64) -> usize {
    legend_layout(labels, left, right).last().map_or(0, |(row, _)| row + 1)
}

/// Legend rows of `LEGEND_ROW` px from `y` down.
const LEGEND_ROW: f64 = 18.0;

fn legend(out: &mut String, items: &[(&str, &str)], left: f64, right: f64, y: f64) {
    let labels: Vec<&str> = items.iter().map(|i| i.1).collect();
    for ((colour, label), (row, x)) in items.iter().zip(legend_layout(&labels, left, right)) {
        let y = y + row as f64 * LEGEND_ROW;
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2.5"/>"#,
            y - 4.0,
            x + 16.0,
            y - 4.0
        );
        text(out, x + 21.0, y, "start", INK, "", label);
    }
}

/// Multiples of `step` inside [min, max], cleaned of float noise (0.6, not 0.6000000000000001).
fn ticks(min: f64, max: f64, step: f64) -> Vec<f64> {
    if !step.is_finite() || step <= 0.0 || !min.is_finite() || !max.is_finite() || max < min {
        return Vec::new();
    }
    let (first, last) = ((min / step - 1e-9).ceil() as i64, (max / step + 1e-9).floor() as i64);
    (first..=last).map(|k| (k as f64 * step * 1e10).round() / 1e10 + 0.0).collect()
}

/// The smallest step of 1, 2, 2.5 or 5 × 10^k that puts at most six ticks in [min, max]; with
/// these multiples a range always gets four to six ticks.
fn nice_step(min: f64, max: f64) -> f64 {
    let span = max - min;
    if !span.is_finite() || span <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf((span / 10.0).log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| ticks(min, max, s).len() <= 6)
        .unwrap_or(100.0 * mag)
}

/// Nice ticks inside a fixed range (the series and bar charts keep the caller's y range).
pub fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    ticks(min, max, nice_step(min, max))
}

/// Widens [min, max] to tick multiples for auto-scaled axes; returns (lo, hi, step).
fn nice_bounds(mut min: f64, mut max: f64) -> (f64, f64, f64) {
    if max.is_nan() || max <= min {
        let pad = if min.is_finite() && min != 0.0 { min.abs() * 0.1 } else { 1.0 };
        (min, max) = if min.is_finite() { (min - pad, min + pad) } else { (0.0, 1.0) };
    }
    let mut step = nice_step(min, max);
    // Widening can add ticks, so choose the step again for the widened range (settles in two rounds).
    for _ in 0..2 {
        (min, max) = ((min / step).floor() * step, (max / step).ceil() * step);
        step = nice_step(min, max);
    }
    (min, max, step)
}

/// A tick label with just the decimals the step needs (0.2 → "0.4", 2.5 → "7.5", 2 → "4").
fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = (0..6).find(|&d| {
        let scaled = step * 10f64.powi(d);
        (scaled - scaled.round()).abs() < 1e-6
    });
    // A real minus sign: the hyphen looks too short next to digits.
    format!("{:.*}", decimals.unwrap_or(6) as usize, v + 0.0).replace('-', "\u{2212}")
}

/// Show every k-th of `n` category labels so that labels of up to `max_chars` characters do not
/// overlap in `plot_width` pixels (callers count from the newest label, which matters most).
fn label_every(n: usize, plot_width: f64, max_chars: usize) -> usize {
    let fit = (plot_width / (max_chars.max(1) as f64 * CHAR_W + 10.0)).floor().max(1.0) as usize;
    n.div_ceil(fit).max(1)
}
