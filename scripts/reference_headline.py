#!/usr/bin/env python3
"""Reference implementation of docs/headline.md (the headline verdict) with numpy and statsmodels.

Prints {"headline": ...}, the `headline` part of `acht analyze --json`, to generate the golden
fixtures in tests/fixtures/headline/ and to cross-check the Rust implementation.

    pip install numpy pandas scipy statsmodels
    python3 scripts/reference_headline.py customers.csv responses.csv \
        --survey service --as-of 2026-06-30T00:00:00Z [--horizon-days 365] [--delta 0.02]

customers.csv: customer_id,email,locale,first_seen_at,churned_at[,committed_until]
responses.csv: customer_id,survey,score,answered_at,comment
Times are RFC 3339 UTC; an empty field is null.

Points docs/headline.md leaves open, as settled here:
- An answer exactly at churned_at is kept (only answers *after* churn are left out); its
  interval is empty, but it ends the previous one and its customer counts in `customers`.
- `events` and `exposure_years` at the top are sums over the kept levels (those of `levels`).
- A merged band runs from the lowest `from_days` to the highest `to_days` of its members
  (bands without exposure do not exist, so they are no members); null = no upper end.
- Fewer than two kept levels or 20 events: not_enough_data, but everything that can be
  computed is given: with one kept level, `levels` (the reference) and `bands`; with two,
  also `global` and `trend`; candidates and `top` need three.
- Tiny data can have no (unique) estimates: when the components of the graph of levels and
  bands joined by cells with events, linked by the cells without events (from the level's
  component to the band's), are not strongly connected, no model part is computed:
  not_enough_data with `levels` and `bands` empty (see estimable()). With one component (any
  real data set) the estimates always exist; if the adjusted model's exist, so do the trend's.
- A tie of z-margins between passing candidates goes to the lower score.
- "within ±δ" is strict: −δ < ci_low and ci_high < δ.
- The one-sided 95% quantile "1.645" is Φ⁻¹(0.95) = 1.6448536269514722 everywhere.
- Trend range gain: R(s) = exp(−H·r̄₀ᵀ·exp(γ·(s − s̄))) with r̄₀ᵀ computed once at γ̂ and held
  fixed; the 90% interval is D at γ ∓ 1.645·se(γ), sorted. (Holding the α_b fixed instead, i.e.
  pivoting at score 0, is the same at γ̂ but not over the interval: D is then not monotone in γ
  and the interval can miss the estimate.)
- Retention intervals map the contrast's 95% interval through R with r̄₀ fixed.
"""
import argparse
import json
import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

DAY = 86400
YEAR = 365.25 * DAY
BAND_DAYS = [0, 91, 182, 273, 365, 456, 547, 638, 730, 913, 1095, 1460, 1825]
Z975 = 1.959963984540054  # two-sided 95%
Z95 = 1.6448536269514722  # one-sided 95% (two-sided 90%)
ALPHA = 0.05
MIN_EVENTS = 20
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def secs(col):
    """RFC 3339 strings (empty = null) as float unix seconds (NaN = null)."""
    ts = pd.to_datetime(col.where(col != ""), utc=True, format="ISO8601")
    return ((ts - EPOCH) / pd.Timedelta(seconds=1)).to_numpy(float)


def clean(x):
    """JSON-ready copy: numpy scalars to Python, non-finite floats to null."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def person_time(cust, resp, as_of, horizon_days):
    """Cells of docs/headline.md "Data: person-time": DataFrame score, band (0..12), events,
    exposure (seconds), and the number of customers with a kept answer."""
    r = resp.merge(cust, on="customer_id", how="inner")
    churned = r.churned.to_numpy()
    answered = r.answered.to_numpy()
    keep = (answered < as_of) & ~(answered > churned)      # NaN churn compares False
    r = r[keep].sort_values(["customer_id", "answered", "order"], kind="mergesort")
    customers = int(r.customer_id.nunique())
    answered = r.answered.to_numpy()
    churned = r.churned.to_numpy()
    first = r.first_seen.to_numpy()
    nxt = r.groupby("customer_id", sort=False).answered.shift(-1).to_numpy()
    inf = np.inf
    start = np.fmax(answered, r.committed.to_numpy())     # fmax: NaN commitment = none
    end = np.minimum.reduce([np.where(np.isnan(nxt), inf, nxt), np.where(np.isnan(churned), inf, churned),
                             np.full_like(answered, as_of), answered + horizon_days * DAY])
    ok = end > start
    start, end, churned, first = start[ok], end[ok], churned[ok], first[ok]
    score = r.score.to_numpy()[ok]
    event = ~np.isnan(churned) & (end == churned)
    pieces = []
    for j in range(len(BAND_DAYS)):
        lo = first + BAND_DAYS[j] * DAY if j > 0 else np.full_like(first, -inf)
        hi = first + BAND_DAYS[j + 1] * DAY if j + 1 < len(BAND_DAYS) else np.full_like(first, inf)
        expo = np.minimum(end, hi) - np.maximum(start, lo)
        ev = event & (lo < end) & (end <= hi)
        m = expo > 0
        pieces.append(pd.DataFrame({"score": score[m], "band": j, "events": ev[m].astype(int),
                                    "exposure": expo[m]}))
    cells = pd.concat(pieces).groupby(["score", "band"], as_index=False)[["events", "exposure"]].sum()
    return cells, customers


def keep_cells(cells):
    """Drops levels without events, merges bands without events (docs/headline.md "Empty
    bands and levels"). Returns the cells with a `kept_band` index and the kept bands as
    (from_days, to_days) ranges."""
    ev = cells.groupby("score").events.sum()
    cells = cells[cells.score.isin(ev[ev > 0].index)].copy()
    by_band = cells.groupby("band").events.sum()          # bands with exposure among kept levels
    present = sorted(by_band.index)
    kept = [b for b in present if by_band[b] > 0]
    target = {}
    for b in present:
        lower = [k for k in kept if k <= b]
        target[b] = lower[-1] if lower else kept[0]
    cells["kept_band"] = cells.band.map(lambda b: kept.index(target[b]))
    ranges = []
    for k in kept:
        members = [b for b in present if target[b] == k]
        lo = min(BAND_DAYS[b] for b in members)
        top = max(members)
        ranges.append((lo, BAND_DAYS[top + 1] if top + 1 < len(BAND_DAYS) else None))
    cells = cells.groupby(["score", "kept_band"], as_index=False)[["events", "exposure"]].sum()
    return cells, ranges


class Unfit(Exception):
    """A model that cannot be fitted (its estimates do not exist or are not unique)."""


def estimable(li, bi, y):
    """Whether the adjusted model has finite, unique estimates. Levels and bands joined by a
    cell with events form components (in each, level and band effects are pinned to each
    other); a cell with exposure but no events links its level's component to its band's.
    The estimates exist iff these links make the components strongly connected: otherwise
    some components' rates can be pushed apart without end (or are not tied at all)."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for l, b, e in zip(li, bi, y):
        find(("l", l)), find(("b", b))
        if e > 0:
            parent[find(("l", l))] = find(("b", b))
    comps = {find(x) for x in list(parent)}
    fwd, back = {c: set() for c in comps}, {c: set() for c in comps}
    for l, b in zip(li, bi):
        cl, cb = find(("l", l)), find(("b", b))
        if cl != cb:
            fwd[cl].add(cb)
            back[cb].add(cl)

    def reach(graph, start):
        seen, todo = {start}, [start]
        while todo:
            for n in graph[todo.pop()] - seen:
                seen.add(n)
                todo.append(n)
        return seen

    c0 = next(iter(comps))
    return reach(fwd, c0) == comps and reach(back, c0) == comps


def poisson(y, X, expo):
    """Poisson GLM with log(exposure) offset, fitted to convergence: (params, covariance)."""
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise Unfit("rank-deficient design")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo)).fit(tol=1e-13, maxiter=300)
    params, cov = np.asarray(f.params), np.asarray(f.cov_params())
    # A last Newton step from the solution: IRLS stops on the deviance, this pins the score to ~0.
    mu = np.exp(X @ params + np.log(expo))
    info = X.T @ (mu[:, None] * X)
    params = params + np.linalg.solve(info, X.T @ (y - mu))
    mu = np.exp(X @ params + np.log(expo))
    cov = np.linalg.inv(X.T @ (mu[:, None] * X))
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
        raise Unfit("Poisson fit did not converge")
    return params, cov


def ceil2(x):
    """Rounded up to two significant digits (123456 -> 130000, 87 -> 87, 8.2 -> 9)."""
    if not (x > 0 and math.isfinite(x)):
        return None
    unit = 10 ** max(0, math.floor(math.log10(x)) - 1)
    return int(math.ceil(x / unit) * unit)


def headline(cust, resp, as_of, horizon_days, delta):
    cells, customers = person_time(cust, resp, as_of, horizon_days)
    cells, ranges = keep_cells(cells)
    H = horizon_days * DAY / YEAR
    scores = sorted(int(s) for s in cells.score.unique())
    nl, nb = len(scores), len(ranges)
    li = cells.score.map({s: i for i, s in enumerate(scores)}).to_numpy()
    bi = cells.kept_band.to_numpy()
    y = cells.events.to_numpy(float)
    expo = cells.exposure.to_numpy(float) / YEAR
    E_l = np.bincount(li, expo, nl) if nl else np.zeros(0)
    ev_l = np.bincount(li, y, nl) if nl else np.zeros(0)
    E_b = np.bincount(bi, expo, nb) if nb else np.zeros(0)
    ev_b = np.bincount(bi, y, nb) if nb else np.zeros(0)
    events = int(y.sum())
    out = {"verdict": "not_enough_data", "score": None, "above": None, "below": None,
           "customers_needed": None, "customers": customers, "events": events,
           "exposure_years": float(expo.sum()), "levels": [], "bands": [], "global": None,
           "trend": None, "candidates": [], "top": None}
    if nl == 0:
        return out

    one = np.ones(len(y))
    band_d = np.column_stack([(bi == j).astype(float) for j in range(1, nb)]) if nb > 1 else np.zeros((len(y), 0))
    level_d = np.column_stack([(li == i).astype(float) for i in range(nl - 1)]) if nl > 1 else np.zeros((len(y), 0))

    # adjusted: intercept, bands, levels (the highest level is the reference)
    if not estimable(li, bi, y):
        return out                                         # tiny data: no model can be fitted
    p, cov = poisson(y, np.column_stack([one, band_d, level_d]), expo)
    alpha = p[0] + np.concatenate([[0.0], p[1:nb]])
    band_se = np.concatenate([[0.0], np.sqrt(np.diag(cov)[1:nb])])
    beta = np.concatenate([p[nb:], [0.0]])
    V = cov[nb:, nb:]                                      # level coefficients, reference left out
    beta_se = np.concatenate([np.sqrt(np.diag(V)), [0.0]])
    r0 = float((E_b * np.exp(alpha)).sum() / E_b.sum())

    def R(log_rate):
        return math.exp(-H * r0 * math.exp(log_rate))

    # raw: intercept and levels
    pr, covr = poisson(y, np.column_stack([one, level_d]), expo)
    beta_raw = np.concatenate([pr[1:], [0.0]])
    raw_se = np.concatenate([np.sqrt(np.diag(covr)[1:]), [0.0]])

    out["levels"] = [{
        "score": s, "events": int(ev_l[i]), "exposure_years": float(E_l[i]),
        "adjusted": {"log_rate_ratio": float(beta[i]), "se": float(beta_se[i])},
        "raw": {"log_rate_ratio": float(beta_raw[i]), "se": float(raw_se[i])},
        "retention": R(beta[i]),
        "retention_raw": math.exp(-H * math.exp(pr[0] + beta_raw[i])),
    } for i, s in enumerate(scores)]
    out["bands"] = [{"from_days": lo, "to_days": hi, "events": int(ev_b[j]), "exposure_years": float(E_b[j]),
                     "log_rate_ratio": float(alpha[j] - alpha[0]), "se": float(band_se[j])}
                    for j, (lo, hi) in enumerate(ranges)]

    def se(g):
        g = g[:-1]                                         # the reference has no variance
        return math.sqrt(max(0.0, float(g @ V @ g)))

    def unit(i):
        g = np.zeros(nl)
        g[i] = 1.0
        return g

    def log_r(idx):
        """log r_S of the pooled levels idx and its gradient in beta."""
        w = E_l[idx] * np.exp(beta[idx])
        g = np.zeros(nl)
        g[idx] = w / w.sum()
        return math.log(w.sum() / E_l[idx].sum()), g

    if nl >= 2:
        stat = float(beta[:-1] @ np.linalg.solve(V, beta[:-1]))
        out["global"] = {"statistic": stat, "df": nl - 1, "p_value": float(stats.chi2.sf(stat, nl - 1))}

        # trend: intercept, bands, score as a number
        s_arr = np.array(scores, float)
        pt, covt = poisson(y, np.column_stack([one, band_d, s_arr[li]]), expo)
        alpha_t = pt[0] + np.concatenate([[0.0], pt[1:nb]])
        gamma, gamma_se = float(pt[-1]), math.sqrt(covt[-1, -1])

        # r0T: the trend model's exposure-averaged baseline at the exposure-weighted mean score,
        # held fixed while gamma moves over its interval (at gamma-hat this is
        # R(s) = exp(-H * sum_b E_b exp(alpha_b + gamma s) / sum_b E_b)).
        s_bar = float((E_l * s_arr).sum() / E_l.sum())
        r0t = float((E_b * np.exp(alpha_t + gamma * s_bar)).sum() / E_b.sum())

        def D(g):
            return (math.exp(-H * r0t * math.exp(g * (s_arr[-1] - s_bar)))
                    - math.exp(-H * r0t * math.exp(g * (s_arr[0] - s_bar))))

        lo, hi = sorted([D(gamma - Z95 * gamma_se), D(gamma + Z95 * gamma_se)])
        out["trend"] = {"slope": gamma, "se": gamma_se, "range_gain": D(gamma), "ci_low": lo, "ci_high": hi}

    cands = []
    for i in range(1, nl - 1):
        b, gb = beta[i - 1] - beta[i], unit(i - 1) - unit(i)
        lr, gl = log_r(np.arange(i + 1, nl))
        a, ga = beta[i] - lr, unit(i) - gl
        c, gc = a - b / 2, ga - gb / 2
        cands.append({"i": i, "b": b, "a": a, "c": c, "se_b": se(gb), "se_a": se(ga), "se_c": se(gc)})
    m = len(cands)
    z = float(stats.norm.isf(ALPHA / (2 * m))) if m else None
    for k in cands:
        k["passes"] = bool(k["b"] - z * k["se_b"] > 0 and k["c"] + z * k["se_c"] < 0)
        k["margin"] = min(k["b"] / k["se_b"] - z, -k["c"] / k["se_c"] - z)
    out["candidates"] = [{"score": scores[k["i"]],
                          "below": {"log_ratio": float(k["b"]), "se": k["se_b"]},
                          "above": {"log_ratio": float(k["a"]), "se": k["se_a"]},
                          "bend": {"log_ratio": float(k["c"]), "se": k["se_c"]},
                          "z": z, "passes": k["passes"]} for k in cands]
    top = None
    if nl >= 3:
        t = nl - 3
        lr, gl = log_r(np.arange(nl - 2, nl))
        top = {"i": t, "a": float(beta[t] - lr), "se": se(unit(t) - gl)}
        out["top"] = {"score": scores[t], "log_ratio": top["a"], "se": top["se"]}

    def gain_above(i, a, s):
        """R_{>k} - R_k with log r_{>k} = beta_k - a, at a and a -/+ 1.96 se."""
        f = lambda x: R(beta[i] - x) - R(beta[i])  # noqa: E731
        return {"gain": f(a), "ci_low": f(a - Z975 * s), "ci_high": f(a + Z975 * s)}

    def gain_below(i, b, s):
        """R_k - R_prev with log r_prev = beta_k + b, at b and b -/+ 1.96 se."""
        f = lambda x: R(beta[i]) - R(beta[i] + x)  # noqa: E731
        return {"gain": f(b), "ci_low": f(b - Z975 * s), "ci_high": f(b + Z975 * s)}

    # verdict
    if nl < 2 or events < MIN_EVENTS:
        return out
    if out["global"]["p_value"] >= ALPHA:
        tr = out["trend"]
        out["verdict"] = "no_relation" if -delta < tr["ci_low"] and tr["ci_high"] < delta else "not_enough_data"
    else:
        passing = [k for k in cands if k["passes"]]
        if passing:
            k = max(passing, key=lambda k: k["margin"])    # first (lowest score) on a tie
            out.update(verdict="threshold", score=scores[k["i"]],
                       above=gain_above(k["i"], k["a"], k["se_a"]),
                       below=gain_below(k["i"], k["b"], k["se_b"]))
            return out
        if top is not None and top["a"] - Z975 * top["se"] > 0:
            out.update(verdict="still_rising", above=gain_above(top["i"], top["a"], top["se"]))
            return out
    if out["verdict"] == "not_enough_data":
        # Each verdict's factor: how much more data today's estimates need to reach it.
        g = out["global"]
        crit = float(stats.chi2.isf(ALPHA, g["df"]))
        f_global = crit / g["statistic"] if g["statistic"] > 0 else math.inf
        fs = []
        pointing = [k for k in cands if k["b"] > 0 and k["c"] < 0]
        if pointing:
            k = max(pointing, key=lambda k: k["margin"])
            fs.append(max((z * k["se_b"] / k["b"]) ** 2, (z * k["se_c"] / k["c"]) ** 2, f_global))
        if top is not None and top["a"] > 0:
            fs.append(max((Z975 * top["se"] / top["a"]) ** 2, f_global))
        tr = out["trend"]
        if abs(tr["range_gain"]) < delta:
            half = (tr["ci_high"] - tr["ci_low"]) / 2
            fs.append((half / (delta - abs(tr["range_gain"]))) ** 2)
        if fs and math.isfinite(min(fs)):
            # Today's data did not decide: at least a tenth more.
            out["customers_needed"] = ceil2(customers * max(min(fs), 1.1))
    return out


def read(customers_csv, responses_csv, survey):
    cust = pd.read_csv(customers_csv, dtype=str, keep_default_na=False)
    resp = pd.read_csv(responses_csv, dtype=str, keep_default_na=False)
    committed = cust["committed_until"] if "committed_until" in cust.columns else pd.Series([""] * len(cust))
    cust = pd.DataFrame({"customer_id": cust.customer_id, "first_seen": secs(cust.first_seen_at),
                         "churned": secs(cust.churned_at), "committed": secs(committed.reset_index(drop=True))})
    resp = resp.assign(order=np.arange(len(resp)))
    resp = resp[resp.survey == survey]
    resp = pd.DataFrame({"customer_id": resp.customer_id, "score": resp.score.astype(int),
                         "answered": secs(resp.answered_at), "order": resp.order})
    return cust, resp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("customers")
    ap.add_argument("responses")
    ap.add_argument("--survey", required=True)
    ap.add_argument("--as-of", required=True, help="RFC3339 UTC, e.g. 2026-06-30T00:00:00Z")
    ap.add_argument("--horizon-days", type=int, default=365)
    ap.add_argument("--delta", type=float, default=0.02)
    a = ap.parse_args()
    cust, resp = read(a.customers, a.responses, a.survey)
    as_of = float(secs(pd.Series([a.as_of]))[0])
    doc = {"headline": headline(cust, resp, as_of, a.horizon_days, a.delta)}
    print(json.dumps(clean(doc), indent=2, allow_nan=False))


if __name__ == "__main__":
    main()
