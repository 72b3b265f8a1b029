use super::*;

/// Tags balance (a tiny XML check: every open tag closes in order) and nothing is NaN.
fn well_formed(svg: &str) -> bool {
    let mut stack = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else { return false };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        let name = |t: &str| t.split([' ', '/']).next().unwrap_or("").to_string();
        if let Some(closing) = tag.strip_prefix('/') {
            if stack.pop() != Some(name(closing)) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(name(tag));
        }
    }
    stack.is_empty() && svg.starts_with("<svg") && !svg.contains("NaN") && !svg.contains("inf")
}

fn point(label: &str, value: Option<f64>) -> Point {
    Point {
        label: label.into(),
        value,
        low: value.map(|v| v - 0.1),
        high: value.map(|v| v + 0.1),
        count: 40,
        thin: false,
        change: None,
        tooltip: String::new(),
    }
}

fn chart(points: Vec<Point>) -> SeriesChart {
    SeriesChart {
        title: "Satisfied".into(),
        y_label: "share satisfied".into(),
        y_min: 0.0,
        y_max: 1.0,
        reference: Some((0.8, "good enough".into())),
        points,
        show_volume: true,
        format: super::Format::new(|v| format!("{:.0}%", v * 100.0)),
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn every_chart_is_well_formed_and_self_contained() {
    let curve = Curve { label: "all".into(), points: vec![(0.0, 1.0), (10.0, 0.8), (30.0, 0.6)], ..Default::default() };
    let bar =
        Bar { label: "7".into(), value: 0.6, low: 0.5, high: 0.7, n: 12, highlight: true, tooltip: String::new() };
    let svgs = [
        series(&chart((0..20).map(|i| point(&format!("W{i}"), Some(0.5))).collect()), 600, 300),
        series(&chart(Vec::new()), 600, 300),
        bars("b", "y", 0.0, 1.0, &[bar], Some((0.5, "ref".into())), 400, 300),
        bars("b", "y", 0.0, 1.0, &[], None, 400, 300),
        steps("s", "days", "retained", std::slice::from_ref(&curve), 30.0, 0.0, 1.0, 500, 300),
        lines("l", "x", "y", &[curve], 500, 300, Some((10.0, "hinge".into()))),
        lines("l", "x", "y", &[], 500, 300, None),
    ];
    for svg in svgs {
        assert!(well_formed(&svg), "{svg}");
        assert!(svg.contains(r#"role="img""#) && svg.contains("viewBox=") && svg.contains("<desc id="), "{svg}");
        assert_eq!(count(&svg, "<svg"), 1);
        assert!(!svg.contains("class=") && !svg.contains("<script") && !svg.contains("<style"));
    }
}

#[test]
fn text_is_escaped() {
    assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    let mut c = chart(vec![point("<script>", Some(0.4)), point("b", Some(0.5))]);
    c.title = "<script>alert(1)</script>".into();
    c.points[1].tooltip = "\"quoted\" & <b>".into();
    let svg = series(&c, 600, 300);
    assert!(!svg.contains("<script") && !svg.contains("<b>"), "{svg}");
    assert!(
        svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && svg.contains("&quot;quoted&quot; &amp; &lt;b&gt;")
    );
    assert!(well_formed(&svg));
    let curve = Curve { label: "a<b".into(), points: vec![(0.0, 1.0), (1.0, 0.5)], ..Default::default() };
    let svg = steps("<t>", "<x>", "<y>", &[curve], 1.0, 0.0, 1.0, 400, 300);
    assert!(!svg.contains("<t>") && !svg.contains("<x>") && !svg.contains("a<b") && well_formed(&svg));
}

#[test]
fn a_missing_value_breaks_line_and_band() {
    let pts = vec![
        point("a", Some(0.3)),
        point("b", Some(0.4)),
        point("c", None),
        point("d", Some(0.5)),
        point("e", Some(0.6)),
    ];
    let svg = series(&chart(pts), 600, 300);
    let line = svg.split(r#"data-series="line" d=""#).nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(count(line, "M"), 2, "{line}");
    assert_eq!(count(line, "L"), 2, "{line}");
    assert_eq!(count(&svg, "<polygon"), 2);
}

#[test]
fn thin_points_are_drawn_differently() {
    let mut pts: Vec<Point> = (0..5).map(|i| point(&i.to_string(), Some(0.5))).collect();
    pts[1].thin = true;
    pts[3].thin = true;
    let svg = series(&chart(pts), 600, 300);
    assert_eq!(count(&svg, r#"<circle cx"#), 5);
    assert_eq!(count(&svg, r##"fill="#ffffff" stroke="#8a8a8a""##), 2);
    assert_eq!(count(&svg, "n&lt;30"), 2);
    // Every segment touches a thin point, so the whole line is dashed.
    assert!(!svg.contains(r#"data-series="line""#) && svg.contains(r#"stroke-dasharray="4 3""#));
}

#[test]
fn one_marker_per_clear_change() {
    let mut pts: Vec<Point> = (0..6).map(|i| point(&i.to_string(), Some(0.5))).collect();
    pts[1].change = Some(Change::Up);
    pts[2].change = Some(Change::Down);
    pts[4].change = Some(Change::Up);
    let svg = series(&chart(pts), 600, 300);
    assert_eq!(count(&svg, "data-change="), 3);
    assert_eq!(count(&svg, r#"data-change="up""#), 2);
}

#[test]
fn ticks_are_nice() {
    assert_eq!(nice_ticks(0.0, 1.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(nice_ticks(1.0, 10.0), [2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(nice_ticks(1.0, 5.0), [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(nice_ticks(-100.0, 100.0), [-100.0, -50.0, 0.0, 50.0, 100.0]);
    for (lo, hi) in [(0.0, 12.0), (0.03, 0.97), (3.0, 7.0), (0.0, 365.0), (-1.0, 1.0), (0.5, 0.55)] {
        let t = nice_ticks(lo, hi);
        assert!((4..=6).contains(&t.len()), "{lo}..{hi}: {t:?}");
    }
    assert_eq!(nice_bounds(0.03, 0.97), (0.0, 1.0, 0.2));
    assert_eq!(fmt_tick(0.6000000000000001, 0.2), "0.6");
    assert_eq!(fmt_tick(7.5, 2.5), "7.5");
    assert_eq!(fmt_tick(-0.0, 1.0), "0");
    assert_eq!(fmt_tick(-50.0, 50.0), "\u{2212}50");
}

#[test]
fn x_labels_are_thinned_to_what_fits() {
    for n in 1..120 {
        for width in [120.0, 300.0, 526.0, 900.0] {
            let every = label_every(n, width, 8);
            let fit = (width / (8.0 * CHAR_W + 10.0)).floor().max(1.0) as usize;
            assert!(n.div_ceil(every) <= fit, "n={n} width={width}");
        }
    }
    assert_eq!(label_every(10, 900.0, 8), 1);
    let pts: Vec<Point> = (0..52).map(|i| point(&format!("2026-W{i:02}"), Some(0.5))).collect();
    let svg = series(&chart(pts), 600, 300);
    let shown = (0..52).filter(|i| svg.contains(&format!(">2026-W{i:02}</text>"))).count();
    assert!((2..=9).contains(&shown), "{shown}");
    assert!(svg.contains(">2026-W51</text>"), "the newest label is always shown");
}

/// `cargo test --lib charts -- --ignored` writes examples to /tmp/charts to look at.
#[test]
#[ignore]
fn write_examples() {
    std::fs::create_dir_all("/tmp/charts").unwrap();
    let mut pts: Vec<Point> = (0..26)
        .map(|i| {
            let v = 0.62 + 0.08 * (i as f64 / 3.0).sin() + 0.004 * i as f64;
            let n = 35 + (i * 37 % 90) as u64;
            let half = 0.9 / (n as f64).sqrt();
            Point {
                label: format!("2026-W{:02}", i + 1),
                value: Some(v),
                low: Some(v - half),
                high: Some(v + half),
                count: n,
                thin: false,
                change: None,
                tooltip: String::new(),
            }
        })
        .collect();
    for i in [4, 5, 17] {
        pts[i].thin = true;
        pts[i].count = 12 + i as u64;
    }
    pts[11] = Point { value: None, low: None, high: None, count: 0, ..pts[11].clone() };
    pts[8].change = Some(Change::Up);
    pts[15].change = Some(Change::Down);
    std::fs::write("/tmp/charts/series_small.svg", series(&chart(pts.clone()), 420, 240)).unwrap();
    std::fs::write("/tmp/charts/series.svg", series(&chart(pts), 900, 500)).unwrap();

    let bs: Vec<Bar> = (1..=10)
        .map(|s| {
            let v = (0.35 + 0.06 * s as f64).min(0.82);
            let n = 20 + 15 * s as u64;
            let half = 1.0 / (n as f64).sqrt();
            Bar {
                label: s.to_string(),
                value: v,
                low: v - half,
                high: (v + half).min(1.0),
                n,
                highlight: s == 8,
                tooltip: String::new(),
            }
        })
        .collect();
    let svg =
        bars("Retention by score", "retained after 90 days", 0.0, 1.0, &bs, Some((0.82, "plateau".into())), 900, 500);
    std::fs::write("/tmp/charts/bars.svg", svg).unwrap();

    let km = |label: &str, rate: f64| {
        let pts: Vec<(f64, f64)> = (0..=24).map(|k| (k as f64 * 15.0, (-rate * k as f64 * 15.0).exp())).collect();
        let low = Some(pts.iter().map(|&(x, y)| (x, (y - 0.05 - x / 4000.0).max(0.0))).collect());
        let high = Some(pts.iter().map(|&(x, y)| (x, (y + 0.05 + x / 4000.0).min(1.0))).collect());
        Curve { label: label.into(), points: pts, low, high }
    };
    let curves = [km("score ≥ 8", 0.0012), km("score 5–7", 0.0025), km("score ≤ 4", 0.004)];
    let svg = steps(
        "Retention by score group",
        "days since first answer",
        "still a customer",
        &curves,
        365.0,
        0.0,
        1.0,
        900,
        500,
    );
    std::fs::write("/tmp/charts/steps.svg", svg).unwrap();

    let profile = Curve {
        label: "log-likelihood".into(),
        points: (0..=10).map(|k| (k as f64, -420.0 - 3.0 * (k as f64 - 7.0).powi(2))).collect(),
        ..Default::default()
    };
    let svg = lines(
        "Hinge profile",
        "hinge score",
        "log-likelihood",
        &[profile],
        900,
        500,
        Some((7.0, "chosen hinge: 7".into())),
    );
    std::fs::write("/tmp/charts/lines.svg", svg).unwrap();
}
