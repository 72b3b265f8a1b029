//! Bars with error bars, Kaplan–Meier step curves and plain x–y lines.

use std::fmt::Write;

use super::{
    document, escape, fmt_tick, label_every, legend, legend_rows, nice_bounds, nice_step, text, ticks, Frame, ACCENT,
    INK, MUTED, PALETTE,
};

/// One bar with its 95% interval, e.g. retention among customers who gave one score.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Shown under the label, so small groups are visible without hovering.
    pub n: u64,
    /// Drawn in the accent colour (e.g. the good-enough score); the others are light.
    pub highlight: bool,
    /// Hover text; empty = "label: value (low–high), n = n".
    pub tooltip: String,
}

/// One curve; `low`/`high` (optional, both needed) draw a translucent band in the curve's colour.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    /// Legend text; curves with empty labels are left out of the legend.
    pub label: String,
    /// (x, y) sorted by x. For `lines` a non-finite y breaks the line.
    pub points: Vec<(f64, f64)>,
    pub low: Option<Vec<(f64, f64)>>,
    pub high: Option<Vec<(f64, f64)>>,
}

/// Vertical bars from `y_min` with 95% error bars, on a fixed y range.
#[allow(clippy::too_many_arguments)] // mirrors `steps`: plain values the caller already has
pub fn bars(
    title: &str,
    y_label: &str,
    y_min: f64,
    y_max: f64,
    bars: &[Bar],
    reference: Option<(f64, String)>,
    width: u32,
    height: u32,
) -> String {
    let (w, h) = (width as f64, height as f64);
    let f = Frame {
        left: 58.0,
        // Room above the plot for the reference line's label.
        top: if reference.is_some() { 30.0 } else { 20.0 },
        right: (w - 16.0).max(60.0),
        bottom: (h - 38.0).max(30.0),
        x0: 0.0,
        x1: bars.len().max(1) as f64,
        y0: y_min,
        y1: y_max,
    };
    let slot = (f.right - f.left) / bars.len().max(1) as f64;
    let bw = (slot * 0.62).min(56.0);
    let mut out = String::new();
    let step = nice_step(y_min, y_max);
    f.y_axis(&mut out, &ticks(y_min, y_max, step), &|v| fmt_tick(v, step), y_label);
    let per =
        label_every(bars.len(), f.right - f.left, bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(1));
    let mut desc = Vec::new();
    for (i, b) in bars.iter().enumerate() {
        let x = f.x(i as f64 + 0.5);
        let tip = if b.tooltip.is_empty() {
            format!("{}: {:.2} ({:.2}–{:.2}), n = {}", b.label, b.value, b.low, b.high, b.n)
        } else {
            b.tooltip.clone()
        };
        let top = f.y(b.value);
        let fill = if b.highlight { ACCENT } else { "#a9c0dc" };
        let (y_hi, y_lo) = (f.y(b.high), f.y(b.low));
        let _ = write!(
            out,
            r#"<g><title>{}</title><rect x="{:.1}" y="{top:.1}" width="{bw:.1}" height="{:.1}" fill="{fill}"/>"#,
            escape(&tip),
            x - bw / 2.0,
            f.bottom - top
        );
        // The error bar twice, wide white under narrow dark, so it reads on dark and light bars alike.
        let cap = bw * 0.16;
        for (stroke, sw) in [("#ffffff", 3.4), (INK, 1.3)] {
            let _ = write!(
                out,
                r#"<path d="M{x:.1},{y_hi:.1}V{y_lo:.1}M{:.1},{y_hi:.1}h{:.1}M{:.1},{y_lo:.1}h{:.1}" fill="none" stroke="{stroke}" stroke-width="{sw}"/>"#,
                x - cap,
                2.0 * cap,
                x - cap,
                2.0 * cap
            );
        }
        out.push_str("</g>");
        if (bars.len() - 1 - i).is_multiple_of(per) {
            text(&mut out, x, f.bottom + 15.0, "middle", INK, "", &b.label);
            // "n = 1,234" needs about 60 px; narrower slots (a phone) keep the count in the hover text.
            if slot >= 60.0 {
                text(&mut out, x, f.bottom + 28.0, "middle", MUTED, r#" font-size="9.5""#, &format!("n = {}", b.n));
            }
        }
        desc.push(tip);
    }
    f.baseline(&mut out, f.bottom);
    f.axis_break(&mut out);
    if let Some((v, label)) = &reference {
        f.reference(&mut out, *v, label, false);
    }
    document(width, height, title, &desc.join("; "), &out)
}

/// Kaplan–Meier style step curves over x ∈ [0, x_max]: each y holds until the next point's x (the
/// last point ends the curve: add a final point to extend it). A legend names the curves.
#[allow(clippy::too_many_arguments)] // plain values the caller already has
pub fn steps(
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[Curve],
    x_max: f64,
    y_min: f64,
    y_max: f64,
    width: u32,
    height: u32,
) -> String {
    let f = frame(width, height, curves, (0.0, x_max), (y_min, y_max));
    let mut out = String::new();
    let y_step = nice_step(y_min, y_max);
    f.y_axis(&mut out, &ticks(y_min, y_max, y_step), &|v| fmt_tick(v, y_step), y_label);
    let x_step = nice_step(0.0, x_max);
    f.x_axis(&mut out, &ticks(0.0, x_max, x_step), x_step, x_label);
    let stepped = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        let mut v = Vec::with_capacity(pts.len() * 2);
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i > 0 {
                v.push((f.x(x), f.y(pts[i - 1].1)));
            }
            v.push((f.x(x), f.y(y)));
        }
        v
    };
    draw_curves(&mut out, &f, curves, &stepped);
    f.axis_break(&mut out);
    document(width, height, title, &summary(curves), &out)
}

/// Plain x–y lines on auto-scaled axes with nice ticks; `marker` draws a labelled vertical line
/// (e.g. the chosen hinge).
pub fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[Curve],
    width: u32,
    height: u32,
    marker: Option<(f64, String)>,
) -> String {
    let all = curves.iter().flat_map(|c| c.points.iter().chain(c.low.iter().flatten()).chain(c.high.iter().flatten()));
    let (mut xr, mut yr) = ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY));
    for &(x, y) in all.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        xr = (xr.0.min(x), xr.1.max(x));
        yr = (yr.0.min(y), yr.1.max(y));
    }
    if let Some((m, _)) = marker.as_ref().filter(|(m, _)| m.is_finite()) {
        xr = (xr.0.min(*m), xr.1.max(*m));
    }
    let (x0, x1, x_step) = nice_bounds(xr.0, xr.1);
    let (y0, y1, y_step) = nice_bounds(yr.0, yr.1);
    let f = frame(width, height, curves, (x0, x1), (y0, y1));
    let mut out = String::new();
    f.y_axis(&mut out, &ticks(y0, y1, y_step), &|v| fmt_tick(v, y_step), y_label);
    f.x_axis(&mut out, &ticks(x0, x1, x_step), x_step, x_label);
    if let Some((m, label)) = &marker {
        f.reference(&mut out, *m, label, true);
    }
    let plain = |pts: &[(f64, f64)]| {
        pts.iter().map(|&(x, y)| (f.x(x), if y.is_finite() { f.y(y) } else { f64::NAN })).collect()
    };
    draw_curves(&mut out, &f, curves, &plain);
    f.axis_break(&mut out);
    document(width, height, title, &summary(curves), &out)
}

/// The plot area for `steps` and `lines`: room on top for the legend's rows when any curve is
/// named.
fn frame(width: u32, height: u32, curves: &[Curve], (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Frame {
    let (w, h) = (width as f64, height as f64);
    let (left, right) = (58.0, (w - 20.0).max(60.0));
    let labels: Vec<&str> = curves.iter().map(|c| c.label.as_str()).filter(|l| !l.is_empty()).collect();
    let top = 16.0 + 18.0 * legend_rows(&labels, left, right) as f64;
    Frame { left, top, right, bottom: (h - 44.0).max(top + 20.0), x0, x1, y0, y1 }
}

/// Maps a curve's data points to pixels (stepped for `steps`, as-is for `lines`).
type ToPx<'a> = &'a dyn Fn(&[(f64, f64)]) -> Vec<(f64, f64)>;

/// Bands first, then lines on top, then the legend; `to_px` maps a curve's points to pixels.
fn draw_curves(out: &mut String, f: &Frame, curves: &[Curve], to_px: ToPx) {
    let colour = |i: usize| PALETTE[i % PALETTE.len()];
    for (i, c) in curves.iter().enumerate() {
        if let (Some(low), Some(high)) = (&c.low, &c.high) {
            let mut poly = to_px(high);
            poly.extend(to_px(low).into_iter().rev());
            let pts: Vec<String> =
                poly.iter().filter(|p| p.1.is_finite()).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(out, r#"<polygon points="{}" fill="{}" fill-opacity="0.12"/>"#, pts.join(" "), colour(i));
        }
    }
    for (i, c) in curves.iter().enumerate() {
        let mut d = String::new();
        let mut pen_down = false;
        for (x, y) in to_px(&c.points) {
            if !y.is_finite() {
                pen_down = false;
                continue;
            }
            let _ = write!(d, "{}{x:.1},{y:.1}", if pen_down { 'L' } else { 'M' });
            pen_down = true;
        }
        if !d.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round"><title>{}</title></path>"#,
                colour(i),
                escape(&c.label)
            );
        }
    }
    // Curves of a few estimates get a marker at each, in the curve's colour with a white ring,
    // so overlapping curves stay visible and the estimates are not mistaken for a continuum.
    for (i, c) in curves.iter().enumerate().filter(|(_, c)| c.points.len() <= 16) {
        for (x, y) in to_px(&c.points).into_iter().filter(|p| p.1.is_finite()) {
            let _ = write!(
                out,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" fill="{}" stroke="#ffffff" stroke-width="1.2"/>"##,
                4.0 - 0.4 * (i % 3) as f64,
                colour(i)
            );
        }
    }
    let items: Vec<(&str, &str)> = curves
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.label.is_empty())
        .map(|(i, c)| (colour(i), c.label.as_str()))
        .collect();
    legend(out, &items, f.left, f.right, 16.0);
}

fn summary(curves: &[Curve]) -> String {
    curves.iter().map(|c| c.label.as_str()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
}
