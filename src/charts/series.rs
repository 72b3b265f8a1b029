//! A score over time: values with a 95% band, thin and changed buckets marked, optional volume.

use std::fmt::Write;

use super::{document, escape, label_every, nice_ticks, text, Frame, ACCENT, MUTED, THIN};

const UP: &str = "#117a37";
const DOWN: &str = "#b3261e";

/// One time bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// x label, e.g. "2026-W14".
    pub label: String,
    /// `None` = no data: the line and the band break here.
    pub value: Option<f64>,
    /// 95% interval; the band is drawn where both ends are known.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Answers in the bucket, for the volume bars.
    pub count: u64,
    /// Fewer than 30 answers: drawn hollow, dashed and grey, with an "n<30" marker.
    pub thin: bool,
    /// A statistically clear change against the previous bucket.
    pub change: Option<Change>,
    /// Full text for the hover `<title>`; empty = "label: value (low–high), n = count".
    pub tooltip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Up,
    Down,
}

#[derive(Debug, Clone)]
pub struct SeriesChart {
    /// Accessible name (the page shows its own heading, so it is not drawn).
    pub title: String,
    pub y_label: String,
    /// The y range is fixed by the caller (e.g. 0–1 or the scale) so charts compare at a glance.
    pub y_min: f64,
    pub y_max: f64,
    /// A dashed horizontal line with its label, e.g. the good-enough level.
    pub reference: Option<(f64, String)>,
    pub points: Vec<Point>,
    /// Answer counts as bars in a lower strip (about 22% of the height).
    pub show_volume: bool,
    /// Formats values in tooltips and the y tick labels, in the reader's language.
    pub format: Format,
}

/// How a chart's values read (`7,5` in Dutch, `7.5` in English): a closure, so the caller's
/// language goes in.
#[derive(Clone)]
pub struct Format(std::sync::Arc<dyn Fn(f64) -> String + Send + Sync>);

impl Format {
    pub fn new(f: impl Fn(f64) -> String + Send + Sync + 'static) -> Format {
        Format(std::sync::Arc::new(f))
    }
    pub fn apply(&self, v: f64) -> String {
        (self.0)(v)
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Format")
    }
}

/// Renders the series as a self-contained SVG of `width` × `height` pixels.
pub fn series(chart: &SeriesChart, width: u32, height: u32) -> String {
    let (w, h) = (width as f64, height as f64);
    let pts = &chart.points;
    let n = pts.len();
    let fmt = |v: f64| chart.format.apply(v);
    let thin_row = if pts.iter().any(|p| p.thin) { 14.0 } else { 0.0 };
    let strip_bottom = h - 24.0;
    let strip_top = strip_bottom - (h * 0.22 - 8.0).max(12.0);
    let plot_bottom = if chart.show_volume { strip_top - 8.0 } else { strip_bottom } - thin_row;
    // Room on the right for half of the newest label, which is always shown.
    let max_chars = pts.iter().map(|p| p.label.chars().count()).max().unwrap_or(1);
    let overhang = max_chars as f64 * super::CHAR_W / 2.0 - (w - 74.0) / n.max(1) as f64 / 2.0;
    let f = Frame {
        left: 58.0,
        top: 24.0,
        right: (w - overhang.max(12.0) - 4.0).max(60.0),
        bottom: plot_bottom.max(30.0),
        x0: 0.0,
        x1: n.max(1) as f64,
        y0: chart.y_min,
        y1: chart.y_max,
    };
    let slot = (f.right - f.left) / n.max(1) as f64;
    let cx = |i: usize| f.x(i as f64 + 0.5);
    let mut out = String::new();
    f.y_axis(&mut out, &nice_ticks(chart.y_min, chart.y_max), &fmt, &chart.y_label);
    if let Some((v, label)) = &chart.reference {
        f.reference(&mut out, *v, label, false);
    }

    // The band: one polygon per run of known intervals (high forwards, low backwards).
    let mut i = 0;
    while i < n {
        let interval = |p: &Point| p.low.zip(p.high);
        if interval(&pts[i]).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && interval(&pts[i]).is_some() {
            i += 1;
        }
        let run: Vec<(f64, (f64, f64))> = (start..i).map(|j| (cx(j), interval(&pts[j]).unwrap())).collect();
        let band = r##"fill="#1f5fa8" fill-opacity="0.18""##;
        if let [(x, (lo, hi))] = run[..] {
            let (y_hi, y_lo) = (f.y(hi), f.y(lo));
            let _ =
                write!(out, r#"<rect x="{:.1}" y="{y_hi:.1}" width="8" height="{:.1}" {band}/>"#, x - 4.0, y_lo - y_hi);
        } else {
            let high = run.iter().map(|&(x, (_, hi))| format!("{x:.1},{:.1}", f.y(hi)));
            let low = run.iter().rev().map(|&(x, (lo, _))| format!("{x:.1},{:.1}", f.y(lo)));
            let _ = write!(out, r#"<polygon points="{}" {band}/>"#, high.chain(low).collect::<Vec<_>>().join(" "));
        }
    }

    // The line: segments between neighbours with values; dashed grey where either end is thin.
    let (mut solid, mut dashed) = (String::new(), String::new());
    let (mut solid_end, mut dashed_end) = (usize::MAX, usize::MAX);
    for j in 1..n {
        let (Some(a), Some(b)) = (pts[j - 1].value, pts[j].value) else { continue };
        let (d, end) =
            if pts[j - 1].thin || pts[j].thin { (&mut dashed, &mut dashed_end) } else { (&mut solid, &mut solid_end) };
        if *end != j - 1 {
            let _ = write!(d, "M{:.1},{:.1}", cx(j - 1), f.y(a));
        }
        let _ = write!(d, "L{:.1},{:.1}", cx(j), f.y(b));
        *end = j;
    }
    if !dashed.is_empty() {
        let _ = write!(
            out,
            r#"<path d="{dashed}" fill="none" stroke="{THIN}" stroke-width="1.6" stroke-dasharray="4 3"/>"#
        );
    }
    if !solid.is_empty() {
        let _ = write!(
            out,
            r#"<path data-series="line" d="{solid}" fill="none" stroke="{ACCENT}" stroke-width="2" stroke-linejoin="round"/>"#
        );
    }

    // Points, markers and hover targets: the whole column shows the tooltip, not just the dot.
    let per = label_every(n, f.right - f.left, max_chars);
    let tips: Vec<String> =
        pts.iter().map(|p| if p.tooltip.is_empty() { default_tooltip(p, &fmt) } else { p.tooltip.clone() }).collect();
    for (j, p) in pts.iter().enumerate() {
        let x = cx(j);
        let _ = write!(
            out,
            r##"<g><title>{}</title><rect x="{:.1}" y="{:.1}" width="{slot:.1}" height="{:.1}" fill="#000000" fill-opacity="0"/>"##,
            escape(&tips[j]),
            x - slot / 2.0,
            f.top,
            f.bottom - f.top
        );
        if let Some(v) = p.value {
            let y = f.y(v);
            if p.thin {
                let _ = write!(
                    out,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#ffffff" stroke="{THIN}" stroke-width="1.5" stroke-dasharray="2 1.5"/>"##
                );
            } else {
                let _ = write!(
                    out,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{ACCENT}" stroke="#ffffff" stroke-width="1.5"/>"##
                );
            }
            if let Some(change) = p.change {
                // Above the interval when known, so the marker never hides the band's top.
                let top = (p.high.map_or(y, |hi| f.y(hi)).min(y) - 9.0).max(8.0);
                let (name, colour, d) = match change {
                    Change::Up => ("up", UP, format!("M{:.1},{:.1}l10,0l-5,-8z", x - 5.0, top + 4.0)),
                    Change::Down => ("down", DOWN, format!("M{:.1},{:.1}l10,0l-5,8z", x - 5.0, top - 4.0)),
                };
                let _ = write!(out, r#"<path data-change="{name}" d="{d}" fill="{colour}"/>"#);
            }
        }
        if p.thin {
            let marker_y = f.bottom + 11.0;
            if slot >= 26.0 {
                text(&mut out, x, marker_y, "middle", THIN, r#" font-size="9.5" font-style="italic""#, "n<30");
            } else {
                let _ = write!(
                    out,
                    r##"<circle cx="{x:.1}" cy="{:.1}" r="2" fill="none" stroke="{THIN}"/>"##,
                    marker_y - 3.0
                );
            }
        }
        out.push_str("</g>");
        if (n - 1 - j).is_multiple_of(per) {
            text(&mut out, x, h - 8.0, "middle", MUTED, "", &p.label);
        }
    }

    if chart.show_volume {
        let max = pts.iter().map(|p| p.count).max().unwrap_or(0).max(1) as f64;
        let bar_w = (slot * 0.6).min(28.0);
        for (j, p) in pts.iter().enumerate() {
            let bh = p.count as f64 / max * (strip_bottom - strip_top);
            let fill = if p.thin { "#d9d9d9" } else { "#b8c7da" };
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{bar_w:.1}" height="{bh:.1}" fill="{fill}"><title>{}: n = {}</title></rect>"#,
                cx(j) - bar_w / 2.0,
                strip_bottom - bh,
                escape(&p.label),
                p.count
            );
        }
        f.baseline(&mut out, strip_bottom);
        text(
            &mut out,
            f.left - 6.0,
            strip_top + 8.0,
            "end",
            MUTED,
            r#" font-size="10""#,
            &format!("n = {}", max as u64),
        );
    }
    document(width, height, &chart.title, &tips.join("; "), &out)
}

fn default_tooltip(p: &Point, fmt: &dyn Fn(f64) -> String) -> String {
    match (p.value, p.low, p.high) {
        (Some(v), Some(lo), Some(hi)) => format!("{}: {} ({}–{}), n = {}", p.label, fmt(v), fmt(lo), fmt(hi), p.count),
        (Some(v), _, _) => format!("{}: {}, n = {}", p.label, fmt(v), p.count),
        _ => format!("{}: n = {}", p.label, p.count),
    }
}
