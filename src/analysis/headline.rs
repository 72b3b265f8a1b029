//! The headline (docs/headline.md): whether a score is "good enough", decided on how the churn
//! rate depends on each customer's latest answer at the same tenure, on the rate-ratio scale, with
//! a Bonferroni-calibrated rule. Reference: `scripts/reference_headline.py` (statsmodels).
use super::dist::chi2_sf;
use super::logistic::invert;
use super::AnalysisInput;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::HashMap;

/// Tenure band edges in days: quarters for two years, then wider.
const BAND_EDGES: [i64; 13] = [0, 91, 182, 273, 365, 456, 547, 638, 730, 913, 1095, 1460, 1825];
/// Times are in milliseconds: the database keeps them so, and an answer a fraction of a second
/// before churn must stay before it.
const DAY: i64 = 86_400_000;
const YEAR: f64 = 365.25 * 86_400_000.0;
/// Churn events below which nothing is decided.
const MIN_EVENTS: u64 = 20;
/// How much of the step into a score the levels above may add, at most, for a threshold.
const BEND_SHARE: f64 = 0.5;
const ALPHA: f64 = 0.05;
const Z95: f64 = 1.959_963_984_540_054;
const Z90: f64 = 1.644_853_626_951_472_2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Threshold,
    StillRising,
    NoRelation,
    NotEnoughData,
}

/// A difference in retention points with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gain {
    pub gain: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub log_rate_ratio: f64,
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelRate {
    pub score: i32,
    pub events: u64,
    pub exposure_years: f64,
    /// Against the highest level, at the same tenure.
    pub adjusted: Ratio,
    /// Against the highest level, tenure ignored.
    pub raw: Ratio,
    /// Retained over the horizon at this level, at the customers' mix of tenure.
    pub retention: f64,
    pub retention_raw: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenureBand {
    pub from_days: i64,
    pub to_days: Option<i64>,
    pub events: u64,
    pub exposure_years: f64,
    pub log_rate_ratio: f64,
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wald {
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
}

/// The trend model: slope per score point, and what it makes of the whole scale in retention
/// points with a 90% interval (for the equivalence test of "no relation").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendGain {
    pub slope: f64,
    pub se: f64,
    pub range_gain: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRatio {
    pub log_ratio: f64,
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub score: i32,
    /// The step into the score from the level below (> 0: churn falls).
    pub below: LogRatio,
    /// What the levels above add together (> 0: they churn less).
    pub above: LogRatio,
    /// above − ½·below (< 0: a bend).
    pub bend: LogRatio,
    /// The Bonferroni critical value both tests use.
    pub z: f64,
    pub passes: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopContrast {
    pub score: i32,
    pub log_ratio: f64,
    pub se: f64,
}

/// The decision and every number behind it. `sentence` and `method` are words, filled in the
/// reader's language by the caller (src/domain/retention.rs); the analysis leaves them empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub verdict: Verdict,
    pub score: Option<i32>,
    pub above: Option<Gain>,
    pub below: Option<Gain>,
    pub customers_needed: Option<u64>,
    pub sentence: String,
    pub method: String,
    pub customers: u64,
    pub events: u64,
    pub exposure_years: f64,
    pub levels: Vec<LevelRate>,
    pub bands: Vec<TenureBand>,
    pub global: Option<Wald>,
    pub trend: Option<TrendGain>,
    pub candidates: Vec<Candidate>,
    pub top: Option<TopContrast>,
}

/// Events and exposure (seconds) per (level, band).
struct Cells {
    lo: i32,
    events: Vec<[u64; BAND_EDGES.len()]>,
    /// Exposure in milliseconds.
    ms: Vec<[f64; BAND_EDGES.len()]>,
    customers: u64,
}

fn band_of(tenure_ms: i64) -> usize {
    let days = tenure_ms.max(0) / DAY;
    BAND_EDGES.iter().rposition(|&e| e <= days).unwrap_or(0)
}

/// Splits every customer's time after each answer into (level, tenure band) person-time.
fn person_time(input: &AnalysisInput) -> Cells {
    let (lo, hi) = input.scale.range();
    let levels = (hi - lo + 1) as usize;
    let mut cells = Cells {
        lo,
        events: vec![[0; BAND_EDGES.len()]; levels],
        ms: vec![[0.0; BAND_EDGES.len()]; levels],
        customers: 0,
    };
    let index: HashMap<&str, usize> = input.customers.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let mut answers: Vec<Vec<(i64, i32)>> = vec![Vec::new(); input.customers.len()];
    let as_of = input.as_of.timestamp_millis();
    for r in &input.responses {
        let Some(&i) = index.get(r.customer_id.as_str()) else { continue };
        let t = r.answered_at.timestamp_millis();
        let churn = input.customers[i].churned_at.map(|c| c.timestamp_millis());
        if r.score < lo || r.score > hi || t >= as_of || churn.is_some_and(|c| t > c) {
            continue;
        }
        answers[i].push((t, r.score));
    }
    let horizon = input.horizon_days * DAY;
    for (c, list) in input.customers.iter().zip(answers.iter_mut()) {
        if list.is_empty() {
            continue;
        }
        cells.customers += 1;
        list.sort_by_key(|a| a.0); // stable: ties keep their order
        let first_seen = c.first_seen_at.timestamp_millis();
        let churn = c.churned_at.map(|t| t.timestamp_millis());
        let committed = c.committed_until.map(|t| t.timestamp_millis());
        for (k, &(t, score)) in list.iter().enumerate() {
            let next = list.get(k + 1).map_or(i64::MAX, |n| n.0);
            let start = committed.map_or(t, |u| t.max(u));
            let end = next.min(churn.unwrap_or(i64::MAX)).min(as_of).min(t + horizon);
            if end <= start {
                continue;
            }
            let churned = churn.is_some_and(|ch| start < ch && ch <= end && end == ch);
            cells.add(score, first_seen, start, end, churned);
        }
    }
    cells
}

impl Cells {
    /// Adds [start, end) at `score`, split at the tenure band edges; a churn at `end` goes to
    /// the last piece.
    fn add(&mut self, score: i32, first_seen: i64, start: i64, end: i64, churned: bool) {
        let level = (score - self.lo) as usize;
        let mut from = start;
        while from < end {
            let band = band_of(from - first_seen);
            let band_end = BAND_EDGES.get(band + 1).map_or(i64::MAX, |d| first_seen.saturating_add(d * DAY));
            let to = end.min(band_end.max(from + 1));
            self.ms[level][band] += (to - from) as f64;
            if to == end && churned {
                self.events[level][band] += 1;
            }
            from = to;
        }
    }
}

/// The cells as the models see them: kept levels and (merged) bands.
struct Table {
    scores: Vec<i32>,
    /// Per kept band: (from_days, to_days, original band indices).
    bands: Vec<(i64, Option<i64>, Vec<usize>)>,
    /// [level][band]
    events: Vec<Vec<f64>>,
    years: Vec<Vec<f64>>,
}

fn table(cells: &Cells) -> Table {
    let nb = BAND_EDGES.len();
    let kept: Vec<usize> = (0..cells.events.len()).filter(|&l| cells.events[l].iter().sum::<u64>() > 0).collect();
    let band_events = |b: usize| kept.iter().map(|&l| cells.events[l][b]).sum::<u64>();
    let band_ms = |b: usize| kept.iter().map(|&l| cells.ms[l][b]).sum::<f64>();
    // Bands with exposure, each merged with its neighbours until it has events.
    let mut groups: Vec<Vec<usize>> = (0..nb).filter(|&b| band_ms(b) > 0.0).map(|b| vec![b]).collect();
    let events_of = |g: &Vec<usize>| g.iter().map(|&b| band_events(b)).sum::<u64>();
    let mut i = 1;
    while i < groups.len() {
        if events_of(&groups[i]) == 0 {
            let g = groups.remove(i);
            groups[i - 1].extend(g);
        } else {
            i += 1;
        }
    }
    while groups.len() > 1 && events_of(&groups[0]) == 0 {
        let g = groups.remove(0);
        let mut merged = g;
        merged.extend(groups[0].iter().copied());
        groups[0] = merged;
    }
    let bands = groups
        .iter()
        .map(|g| {
            let first = *g.first().expect("a band");
            let last = *g.last().expect("a band");
            (BAND_EDGES[first], BAND_EDGES.get(last + 1).copied(), g.clone())
        })
        .collect::<Vec<_>>();
    let sum = |l: usize, g: &[usize], f: &dyn Fn(usize, usize) -> f64| g.iter().map(|&b| f(l, b)).sum::<f64>();
    let events = kept
        .iter()
        .map(|&l| bands.iter().map(|(_, _, g)| sum(l, g, &|l, b| cells.events[l][b] as f64)).collect())
        .collect();
    let years = kept
        .iter()
        .map(|&l| bands.iter().map(|(_, _, g)| sum(l, g, &|l, b| cells.ms[l][b] / YEAR)).collect())
        .collect();
    Table { scores: kept.iter().map(|&l| cells.lo + l as i32).collect(), bands, events, years }
}

/// A Poisson regression fit: coefficients and their covariance.
struct PoissonFit {
    beta: Vec<f64>,
    cov: Vec<Vec<f64>>,
}

/// Maximum likelihood of a Poisson regression with log exposure as offset (Newton–Raphson).
fn fit_poisson(rows: &[(Vec<f64>, f64, f64)]) -> Result<PoissonFit, String> {
    let k = rows[0].0.len();
    let (y, e): (f64, f64) = rows.iter().fold((0.0, 0.0), |(y, e), r| (y + r.1, e + r.2));
    let mut beta = vec![0.0; k];
    beta[0] = (y / e).ln();
    let loglik = |b: &[f64]| -> f64 {
        rows.iter()
            .map(|(x, y, e)| {
                let eta = x.iter().zip(b).map(|(a, c)| a * c).sum::<f64>() + e.ln();
                y * eta - eta.exp()
            })
            .sum()
    };
    let mut ll = loglik(&beta);
    for _ in 0..100 {
        let mut grad = vec![0.0; k];
        let mut info = vec![vec![0.0; k]; k];
        for (x, y, e) in rows {
            let mu = (x.iter().zip(&beta).map(|(a, c)| a * c).sum::<f64>() + e.ln()).exp();
            for i in 0..k {
                grad[i] += x[i] * (y - mu);
                for j in 0..k {
                    info[i][j] += mu * x[i] * x[j];
                }
            }
        }
        let inv = invert(&info).ok_or("the model cannot be fitted (a level or band carries no information)")?;
        let mut step: Vec<f64> = inv.iter().map(|row| row.iter().zip(&grad).map(|(a, g)| a * g).sum()).collect();
        // Halve a step that lowers the likelihood (or overflows): a level whose rate is far from
        // the start would otherwise overshoot and come back only slowly.
        let mut tried: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
        let mut new_ll = loglik(&tried);
        for _ in 0..40 {
            if new_ll.is_finite() && new_ll >= ll - 1e-9 * ll.abs().max(1.0) {
                break;
            }
            step.iter_mut().for_each(|s| *s /= 2.0);
            tried = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
            new_ll = loglik(&tried);
        }
        beta = tried;
        let done = (new_ll - ll).abs() <= 1e-12 * ll.abs().max(1.0) && step.iter().all(|s| s.abs() < 1e-9);
        ll = new_ll;
        if done {
            let mut info = vec![vec![0.0; k]; k];
            for (x, _, e) in rows {
                let mu = (x.iter().zip(&beta).map(|(a, c)| a * c).sum::<f64>() + e.ln()).exp();
                for i in 0..k {
                    for j in 0..k {
                        info[i][j] += mu * x[i] * x[j];
                    }
                }
            }
            let cov = invert(&info).ok_or("the model's information is singular")?;
            return Ok(PoissonFit { beta, cov });
        }
    }
    Err("the rate model did not converge".into())
}

/// Design rows per (level, band) cell with exposure: intercept, band dummies (all but the
/// first), then `level_columns(level index)`.
fn rows(t: &Table, bands: bool, level_columns: &dyn Fn(usize) -> Vec<f64>) -> Vec<(Vec<f64>, f64, f64)> {
    let mut out = Vec::new();
    for l in 0..t.scores.len() {
        for b in 0..t.bands.len() {
            if t.years[l][b] <= 0.0 {
                continue;
            }
            let mut x = vec![1.0];
            if bands {
                x.extend((1..t.bands.len()).map(|j| f64::from(u8::from(j == b))));
            }
            x.extend(level_columns(l));
            out.push((x, t.events[l][b], t.years[l][b]));
        }
    }
    out
}

/// Level dummies: every kept level but the highest.
fn dummies(n: usize) -> impl Fn(usize) -> Vec<f64> {
    move |l| (0..n - 1).map(|j| f64::from(u8::from(j == l))).collect()
}

fn quad(g: &[f64], v: &[Vec<f64>]) -> f64 {
    g.iter().enumerate().map(|(i, gi)| gi * v[i].iter().zip(g).map(|(a, b)| a * b).sum::<f64>()).sum()
}

/// The adjusted model's level coefficients (highest level 0) and their covariance.
struct Levels {
    beta: Vec<f64>,
    cov: Vec<Vec<f64>>,
    exposure: Vec<f64>,
}

impl Levels {
    /// log r_S over the levels `set` and its gradient in the level coefficients.
    fn pooled(&self, set: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let weights: Vec<f64> = set.clone().map(|s| self.exposure[s] * self.beta[s].exp()).collect();
        let total: f64 = weights.iter().sum();
        let exposure: f64 = set.clone().map(|s| self.exposure[s]).sum();
        let mut grad = vec![0.0; self.beta.len()];
        for (s, w) in set.zip(&weights) {
            grad[s] = w / total;
        }
        ((total / exposure).ln(), grad)
    }

    fn unit(&self, i: usize) -> Vec<f64> {
        (0..self.beta.len()).map(|j| f64::from(u8::from(j == i))).collect()
    }

    fn se(&self, g: &[f64]) -> f64 {
        quad(g, &self.cov).max(0.0).sqrt()
    }

    /// a_k: level k against all levels above it.
    fn above(&self, k: usize) -> (f64, Vec<f64>) {
        let (log_r, g) = self.pooled(k + 1..self.beta.len());
        let grad: Vec<f64> = self.unit(k).iter().zip(&g).map(|(u, p)| u - p).collect();
        (self.beta[k] - log_r, grad)
    }

    /// b_k: the level below k against k.
    fn below(&self, k: usize) -> (f64, Vec<f64>) {
        let grad: Vec<f64> = self.unit(k - 1).iter().zip(self.unit(k)).map(|(a, b)| a - b).collect();
        (self.beta[k - 1] - self.beta[k], grad)
    }
}

fn normal_quantile(p: f64) -> f64 {
    Normal::new(0.0, 1.0).expect("standard normal").inverse_cdf(p)
}

/// Rounds up to two significant digits.
fn round_up_2(x: f64) -> u64 {
    if x < 100.0 {
        return x.ceil() as u64;
    }
    let p = 10f64.powi(x.log10().floor() as i32 - 1);
    ((x / p).ceil() * p).round() as u64
}

pub fn headline(input: &AnalysisInput) -> Headline {
    let cells = person_time(input);
    let t = table(&cells);
    // Over the kept levels (a dropped level has no events, but exposure).
    let events = t.events.iter().flatten().sum::<f64>() as u64;
    let exposure_years = t.years.iter().flatten().sum::<f64>();
    let mut h = Headline {
        verdict: Verdict::NotEnoughData,
        score: None,
        above: None,
        below: None,
        customers_needed: None,
        sentence: String::new(),
        method: String::new(),
        customers: cells.customers,
        events,
        exposure_years,
        levels: Vec::new(),
        bands: Vec::new(),
        global: None,
        trend: None,
        candidates: Vec::new(),
        top: None,
    };
    if t.scores.is_empty() || !estimable(&t) {
        return h;
    }
    // A model that cannot be fitted leaves the verdict at "not enough data".
    let _ = decide(input, &t, &mut h);
    h
}

/// Whether the adjusted model has finite, unique estimates. Levels and bands joined by a cell
/// with events pin each other's effects (one component); a cell with exposure but no events
/// links its level's component to its band's. The estimates exist exactly when these links
/// make the components strongly connected; otherwise some rates could be pushed apart without
/// end. Only tiny data fail this; any real data set is one component.
fn estimable(t: &Table) -> bool {
    let (n, nb) = (t.scores.len(), t.bands.len());
    let mut parent: Vec<usize> = (0..n + nb).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let present = |l: usize, b: usize| t.years[l][b] > 0.0;
    for l in 0..n {
        for b in 0..nb {
            if present(l, b) && t.events[l][b] > 0.0 {
                let (a, c) = (find(&mut parent, l), find(&mut parent, n + b));
                parent[a] = c;
            }
        }
    }
    let mut fwd: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut back: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut components = std::collections::BTreeSet::new();
    for l in 0..n {
        for b in 0..nb {
            if !present(l, b) {
                continue;
            }
            let (cl, cb) = (find(&mut parent, l), find(&mut parent, n + b));
            components.insert(cl);
            components.insert(cb);
            if cl != cb {
                fwd.entry(cl).or_default().push(cb);
                back.entry(cb).or_default().push(cl);
            }
        }
    }
    let reach = |graph: &HashMap<usize, Vec<usize>>, start: usize| {
        let mut seen = std::collections::BTreeSet::from([start]);
        let mut todo = vec![start];
        while let Some(x) = todo.pop() {
            for &y in graph.get(&x).into_iter().flatten() {
                if seen.insert(y) {
                    todo.push(y);
                }
            }
        }
        seen
    };
    let Some(&first) = components.iter().next() else { return false };
    reach(&fwd, first) == components && reach(&back, first) == components
}

/// Fits the models and fills in every number that can be computed (levels and bands from one
/// kept level on; the global test and the trend from two; candidates and the top contrast from
/// three), then decides (from two levels and [`MIN_EVENTS`] events).
fn decide(input: &AnalysisInput, t: &Table, h: &mut Headline) -> Result<(), String> {
    let n = t.scores.len();
    let nb = t.bands.len();
    let horizon = input.horizon_days as f64 * DAY as f64 / YEAR;
    let adjusted = fit_poisson(&rows(t, true, &dummies(n)))?;
    let raw = fit_poisson(&rows(t, false, &dummies(n)))?;
    let scores: Vec<f64> = t.scores.iter().map(|&s| f64::from(s)).collect();

    let level_at = |fit: &PoissonFit, first: usize, l: usize| -> (f64, f64) {
        if l + 1 == n {
            (0.0, 0.0)
        } else {
            (fit.beta[first + l], fit.cov[first + l][first + l].max(0.0).sqrt())
        }
    };
    let exposure: Vec<f64> = t.years.iter().map(|row| row.iter().sum()).collect();
    let band_years: Vec<f64> = (0..nb).map(|b| t.years.iter().map(|row| row[b]).sum()).collect();
    let alpha = |fit: &PoissonFit, b: usize| fit.beta[0] + if b == 0 { 0.0 } else { fit.beta[b] };
    let total_years: f64 = band_years.iter().sum();
    let base: f64 = (0..nb).map(|b| band_years[b] * alpha(&adjusted, b).exp()).sum::<f64>() / total_years;
    let retention = |log_rate: f64| (-horizon * base * log_rate.exp()).exp();
    let levels = Levels {
        beta: (0..n).map(|l| level_at(&adjusted, nb, l).0).collect(),
        cov: (0..n)
            .map(|i| {
                (0..n).map(|j| if i + 1 == n || j + 1 == n { 0.0 } else { adjusted.cov[nb + i][nb + j] }).collect()
            })
            .collect(),
        exposure: exposure.clone(),
    };
    h.levels = (0..n)
        .map(|l| {
            let (a, a_se) = level_at(&adjusted, nb, l);
            let (r, r_se) = level_at(&raw, 1, l);
            LevelRate {
                score: t.scores[l],
                events: t.events[l].iter().sum::<f64>() as u64,
                exposure_years: exposure[l],
                adjusted: Ratio { log_rate_ratio: a, se: a_se },
                raw: Ratio { log_rate_ratio: r, se: r_se },
                retention: retention(a),
                retention_raw: (-horizon * (raw.beta[0] + r).exp()).exp(),
            }
        })
        .collect();
    h.bands = t
        .bands
        .iter()
        .enumerate()
        .map(|(b, (from, to, _))| TenureBand {
            from_days: *from,
            to_days: *to,
            events: t.events.iter().map(|row| row[b]).sum::<f64>() as u64,
            exposure_years: band_years[b],
            log_rate_ratio: if b == 0 { 0.0 } else { adjusted.beta[b] },
            se: if b == 0 { 0.0 } else { adjusted.cov[b][b].max(0.0).sqrt() },
        })
        .collect();

    if n < 2 {
        return Ok(());
    }
    // Global Wald test over the non-reference levels.
    let sub: Vec<Vec<f64>> = (0..n - 1).map(|i| (0..n - 1).map(|j| adjusted.cov[nb + i][nb + j]).collect()).collect();
    let inv = invert(&sub).ok_or("the level coefficients' covariance is singular")?;
    let b: Vec<f64> = (0..n - 1).map(|i| adjusted.beta[nb + i]).collect();
    let statistic = quad(&b, &inv);
    let df = (n - 1) as u64;
    let global = Wald { statistic, df, p_value: chi2_sf(statistic, df as f64) };

    // The trend model's whole-scale gain, 90%: its baseline at the exposure-weighted mean score
    // s̄ is held while the slope moves over its interval, so the gain is monotone in the slope.
    let trend = fit_poisson(&rows(t, true, &|l| vec![scores[l]]))?;
    let gamma = trend.beta[nb];
    let gamma_se = trend.cov[nb][nb].max(0.0).sqrt();
    let s_bar = scores.iter().zip(&exposure).map(|(s, e)| s * e).sum::<f64>() / exposure.iter().sum::<f64>();
    let base_t = (0..nb).map(|b| band_years[b] * (alpha(&trend, b) + gamma * s_bar).exp()).sum::<f64>() / total_years;
    let trend_r = |g: f64, s: f64| (-horizon * base_t * (g * (s - s_bar)).exp()).exp();
    let (s_min, s_max) = (scores[0], scores[n - 1]);
    let range = |g: f64| trend_r(g, s_max) - trend_r(g, s_min);
    let (e1, e2) = (range(gamma - Z90 * gamma_se), range(gamma + Z90 * gamma_se));
    let trend_gain =
        TrendGain { slope: gamma, se: gamma_se, range_gain: range(gamma), ci_low: e1.min(e2), ci_high: e1.max(e2) };
    h.global = Some(global.clone());
    h.trend = Some(trend_gain.clone());

    // Candidates, Bonferroni over them.
    let m = n.saturating_sub(2);
    // Two-sided: the intervals the sentence prints (95%) then agree with the decision.
    let z = if m > 0 { normal_quantile(1.0 - ALPHA / (2.0 * m as f64)) } else { f64::NAN };
    h.candidates = (1..n - 1)
        .map(|k| {
            let (b, gb) = levels.below(k);
            let (a, ga) = levels.above(k);
            let gc: Vec<f64> = ga.iter().zip(&gb).map(|(x, y)| x - BEND_SHARE * y).collect();
            let c = a - BEND_SHARE * b;
            let (se_b, se_a, se_c) = (levels.se(&gb), levels.se(&ga), levels.se(&gc));
            Candidate {
                score: t.scores[k],
                below: LogRatio { log_ratio: b, se: se_b },
                above: LogRatio { log_ratio: a, se: se_a },
                bend: LogRatio { log_ratio: c, se: se_c },
                z,
                passes: b - z * se_b > 0.0 && c + z * se_c < 0.0,
            }
        })
        .collect();
    let top = (n >= 3).then(|| {
        let k = n - 3;
        let (a, g) = levels.above(k);
        TopContrast { score: t.scores[k], log_ratio: a, se: levels.se(&g) }
    });
    let index_of = |score: i32| t.scores.iter().position(|&s| s == score).expect("a kept level");
    // Gains in retention points: level k against the pooled levels above, from a_k.
    let above_gain = |k: usize, a: f64, se: f64| {
        let at = |a: f64| retention(levels.beta[k] - a) - retention(levels.beta[k]);
        Gain { gain: at(a), ci_low: at(a - Z95 * se), ci_high: at(a + Z95 * se) }
    };
    let below_gain = |k: usize, b: f64, se: f64| {
        let at = |b: f64| retention(levels.beta[k]) - retention(levels.beta[k] + b);
        Gain { gain: at(b), ci_low: at(b - Z95 * se), ci_high: at(b + Z95 * se) }
    };
    let margin = |c: &Candidate| (c.below.log_ratio / c.below.se - c.z).min(-c.bend.log_ratio / c.bend.se - c.z);
    h.top = top.clone();
    if h.events < MIN_EVENTS {
        return Ok(());
    }
    if global.p_value >= ALPHA {
        let equivalent = trend_gain.ci_low > -input.delta && trend_gain.ci_high < input.delta;
        h.verdict = if equivalent { Verdict::NoRelation } else { Verdict::NotEnoughData };
    } else if let Some(best) = best_by(h.candidates.iter().filter(|c| c.passes), margin).cloned() {
        let k = index_of(best.score);
        h.verdict = Verdict::Threshold;
        h.score = Some(best.score);
        h.above = Some(above_gain(k, best.above.log_ratio, best.above.se));
        h.below = Some(below_gain(k, best.below.log_ratio, best.below.se));
    } else if let Some(tc) = top.as_ref().filter(|tc| tc.log_ratio - Z95 * tc.se > 0.0) {
        h.verdict = Verdict::StillRising;
        h.above = Some(above_gain(index_of(tc.score), tc.log_ratio, tc.se));
    } else {
        h.verdict = Verdict::NotEnoughData;
    }
    if h.verdict == Verdict::NotEnoughData {
        let f_global = chi2_quantile_95(df) / global.statistic;
        let equivalence = (trend_gain.range_gain.abs() < input.delta).then(|| {
            let half = (trend_gain.ci_high - trend_gain.ci_low) / 2.0;
            (half / (input.delta - trend_gain.range_gain.abs())).powi(2)
        });
        let paths = Paths { f_global, equivalence };
        h.customers_needed = customers_needed(h.customers as f64, &h.candidates, top.as_ref(), margin, paths);
    }
    Ok(())
}

/// The 95% quantile of χ² with `df` degrees of freedom (bisection on the survival function).
fn chi2_quantile_95(df: u64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1000.0 + 10.0 * df as f64);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if chi2_sf(mid, df as f64) > ALPHA {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// What the verdicts other than a bend need: the global test's factor (a threshold and
/// still_rising need it to reject) and, where the trend's gain is inside the margin, the factor
/// that would fit its interval inside too.
struct Paths {
    f_global: f64,
    equivalence: Option<f64>,
}

/// The candidate with the largest margin; on a tie the first (the lowest score).
fn best_by<'a>(
    candidates: impl Iterator<Item = &'a Candidate>,
    margin: impl Fn(&Candidate) -> f64,
) -> Option<&'a Candidate> {
    candidates.fold(None, |best: Option<&Candidate>, c| match best {
        Some(b) if margin(b) >= margin(c) => Some(b),
        _ => Some(c),
    })
}

/// About how many customers would make today's estimates decisive (docs/headline.md).
fn customers_needed(
    n: f64,
    candidates: &[Candidate],
    top: Option<&TopContrast>,
    margin: impl Fn(&Candidate) -> f64,
    paths: Paths,
) -> Option<u64> {
    let pointing = candidates.iter().filter(|c| c.below.log_ratio > 0.0 && c.bend.log_ratio < 0.0);
    let bend = best_by(pointing, &margin).map(|c| {
        let fb = (c.z * c.below.se / c.below.log_ratio).powi(2);
        let fc = (c.z * c.bend.se / c.bend.log_ratio).powi(2);
        fb.max(fc).max(paths.f_global)
    });
    let rise = top.filter(|t| t.log_ratio > 0.0).map(|t| (Z95 * t.se / t.log_ratio).powi(2).max(paths.f_global));
    let f = [bend, rise, paths.equivalence].into_iter().flatten().fold(f64::INFINITY, f64::min);
    // Today's data did not decide: at least a tenth more.
    let needed = n * f.max(1.1);
    (needed > 0.0 && needed.is_finite()).then(|| round_up_2(needed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_and_rounding() {
        assert_eq!(band_of(0), 0);
        assert_eq!(band_of(90 * DAY + DAY - 1), 0);
        assert_eq!(band_of(91 * DAY), 1);
        assert_eq!(band_of(-5), 0);
        assert_eq!(band_of(5000 * DAY), BAND_EDGES.len() - 1);
        assert_eq!(round_up_2(87.2), 88);
        assert_eq!(round_up_2(123_456.0), 130_000);
        assert_eq!(round_up_2(120_000.0), 120_000);
    }
}
