#!/usr/bin/env python3
"""Reference implementation of ANALYSIS.md with scipy/statsmodels/lifelines.

Prints the `acht analyze --json` document for one survey, to generate golden
fixtures for the Rust `analysis` module.

    pip install scipy statsmodels lifelines pandas
    python3 scripts/reference_analysis.py customers.csv responses.csv \
        --survey service --scale grade10 --as-of 2026-06-30T00:00:00Z
"""
import argparse
import json
import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

DAY = 86400
SCALES = {"grade10": (1, 10), "ces7": (1, 7), "nps11": (0, 10), "csat5": (1, 5)}
BANDS = {
    "grade10": [("1-5", 1, 5), ("6", 6, 6), ("7", 7, 7), ("8", 8, 8), ("9-10", 9, 10)],
    "ces7": [("1-3", 1, 3), ("4", 4, 4), ("5", 5, 5), ("6-7", 6, 7)],
    "nps11": [("0-6", 0, 6), ("7-8", 7, 8), ("9-10", 9, 10)],
    "csat5": [("1-2", 1, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5)],
}
NPS_GROUPS = [("detractor", -(10**9), 6), ("passive", 7, 8), ("promoter", 9, 10**9)]
Z975 = stats.norm.ppf(0.975)
Z80 = stats.norm.ppf(0.8)


def secs(col):
    """Timestamps (RFC3339 strings, empty = null) as float unix seconds."""
    ts = pd.to_datetime(col.replace("", np.nan), utc=True)
    return (ts - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(seconds=1)


def num(x):
    """Plain float for JSON; non-finite becomes null."""
    x = float(x)
    return x if math.isfinite(x) else None


def part(doc, key, fn):
    """doc[key] = fn(), or null plus a `<key>_note` when it cannot be computed."""
    try:
        doc[key] = fn()
    except Exception as e:  # noqa: BLE001 - the note is the point
        doc[key] = None
        doc[key + "_note"] = str(e) or type(e).__name__


def baselines(resp, cust, max_answered):
    """Earliest response per customer answered before churn and by max_answered
    (stable sort: the first stored wins ties)."""
    r = resp.merge(cust[["customer_id", "churned"]], on="customer_id")
    r = r[(r.answered <= max_answered) & (r.churned.isna() | (r.churned > r.answered))]
    r = r.sort_values("answered", kind="mergesort")
    return r.groupby("customer_id", sort=False).head(1)


def wilson(x, n):
    lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
    return num(lo), num(hi)


def newcombe(x1, n1, x2, n2):
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    return num(lo), num(hi)


def logit_fit(y, X):
    if y.min() == y.max():
        raise ValueError("all customers have the same outcome")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = sm.Logit(y, X).fit(method="newton", disp=0, maxiter=100)
    if not f.mle_retvals["converged"] or not np.all(np.isfinite(f.bse)):
        raise ValueError("logistic fit did not converge (the outcome is perfectly separated by score)")
    return f


def analyze(cust, resp, survey, scale, as_of, horizon, delta):
    lo_s, hi_s = SCALES[scale]
    resp = resp[(resp.score >= lo_s) & (resp.score <= hi_s)]
    h = horizon * DAY
    base = baselines(resp, cust, as_of - h)
    base = base.assign(retained=~(base.churned <= base.answered + h)).astype({"retained": int})
    counts = base.groupby("score").retained.agg(["sum", "count"]).sort_index()
    levels = [(int(s), int(r["sum"]), int(r["count"])) for s, r in counts.iterrows()]

    doc = {
        "survey": survey,
        "scale": scale,
        "as_of": pd.Timestamp(as_of, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "horizon_days": horizon,
        "delta": delta,
        "customers": int(len(base)),
        "levels": [
            dict(zip(["score", "n", "retained", "rate", "ci_low", "ci_high"],
                     [s, n, x, x / n, *wilson(x, n)]))
            for s, x, n in levels
        ],
    }

    def chi_square():
        if len(levels) < 2:
            raise ValueError("fewer than two score levels present")
        table = np.array([[x, n - x] for _, x, n in levels])
        stat, p, df, _ = stats.chi2_contingency(table, correction=False)
        if not math.isfinite(stat):
            raise ValueError("all customers have the same outcome")
        return {"statistic": num(stat), "df": int(df), "p_value": num(p)}

    def trend():
        if len(levels) < 2:
            raise ValueError("fewer than two score levels present")
        s = np.array([l[0] for l in levels], float)
        x = np.array([l[1] for l in levels], float)
        n = np.array([l[2] for l in levels], float)
        N = n.sum()
        pbar = x.sum() / N
        t = (s * (x - n * pbar)).sum()
        var = pbar * (1 - pbar) * ((s * s * n).sum() - (s * n).sum() ** 2 / N)
        if var <= 0:
            raise ValueError("all customers have the same outcome")
        z = t / math.sqrt(var)
        return {"z": z, "p_value": num(2 * stats.norm.sf(abs(z)))}

    part(doc, "chi_square", chi_square)
    part(doc, "trend", trend)

    steps = []
    for (a, xa, na), (b, xb, nb) in zip(levels, levels[1:]):
        pooled = (xa + xb) / (na + nb)
        z = p = None
        if 0 < pooled < 1:
            z, p = proportions_ztest([xb, xa], [nb, na])
        steps.append({
            "from": a, "to": b, "diff": xb / nb - xa / na,
            "ci_low": newcombe(xb, nb, xa, na)[0], "ci_high": newcombe(xb, nb, xa, na)[1],
            "z": None if z is None else num(z), "p_value": None if p is None else num(p),
            "fisher_p": num(stats.fisher_exact([[xb, nb - xb], [xa, na - xa]])[1]),
            "mde": (Z975 + Z80) * math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb)),
        })
    if steps:
        holm = multipletests([s["fisher_p"] for s in steps], method="holm")[1]
        for s, hp in zip(steps, holm):
            s["holm_p"] = num(hp)
    doc["steps"] = steps

    y = base.retained.to_numpy(float)
    score = base.score.to_numpy(float)

    def logistic():
        if len(levels) < 2:
            raise ValueError("fewer than two score levels present")
        f = logit_fit(y, sm.add_constant(score, has_constant="add"))
        b0, b1 = f.params
        se0, se1 = f.bse
        return {
            "intercept": b0, "slope": b1, "se_intercept": se0, "se_slope": se1,
            "z_slope": b1 / se1, "p_slope": num(2 * stats.norm.sf(abs(b1 / se1))),
            "odds_ratio": math.exp(b1), "log_likelihood": f.llf,
            "lr_statistic": f.llr, "lr_p_value": num(stats.chi2.sf(f.llr, 1)),
        }

    def hinge():
        if len(levels) < 3:
            raise ValueError("fewer than three score levels present")
        fits, err = [], None
        for psi in range(levels[0][0] + 1, levels[-1][0]):
            X = np.column_stack([np.ones_like(score), np.minimum(score, psi),
                                 np.maximum(score - psi, 0)])
            try:  # break points whose fit fails are left out of the profile
                fits.append((psi, logit_fit(y, X)))
            except ValueError as e:
                err = e
        if not fits:
            raise err
        psi, f = max(fits, key=lambda pf: (pf[1].llf, -pf[0]))
        return {
            "psi": psi, "intercept": f.params[0], "slope_before": f.params[1],
            "slope_after": f.params[2], "se_slope_before": f.bse[1], "se_slope_after": f.bse[2],
            "p_slope_after": num(2 * stats.norm.sf(abs(f.params[2] / f.bse[2]))),
            "log_likelihood": f.llf,
            "profile": [{"psi": p, "log_likelihood": g.llf} for p, g in fits],
        }

    def good_enough():
        if len(levels) < 2:
            raise ValueError("fewer than two score levels present")
        checks, best, ax, an = [], None, 0, 0
        for i in range(len(levels) - 2, -1, -1):
            ax += levels[i + 1][1]
            an += levels[i + 1][2]
            s, x, n = levels[i]
            lo, hi = newcombe(ax, an, x, n)
            ok = hi < delta
            checks.append({"score": s, "gain_above": ax / an - x / n,
                           "ci_low": lo, "ci_high": hi, "passes": bool(ok)})
            if not ok:
                break
            best = s
        return {"score": best, "delta": delta, "checks": checks}

    part(doc, "logistic", logistic)
    part(doc, "hinge", hinge)
    part(doc, "good_enough", good_enough)

    if scale in ("grade10", "nps11"):
        groups = []
        for g, lo, hi in NPS_GROUPS:
            x = sum(l[1] for l in levels if lo <= l[0] <= hi)
            n = sum(l[2] for l in levels if lo <= l[0] <= hi)
            if n:
                groups.append({"group": g, "n": n, "retained": x, "rate": x / n,
                               "ci_low": wilson(x, n)[0], "ci_high": wilson(x, n)[1]})
        doc["nps_groups"] = groups

    doc["survival"] = survival(cust, resp, scale, as_of)
    return doc


def survival(cust, resp, scale, as_of):
    base = baselines(resp, cust, as_of)
    event = base.churned <= as_of
    end = np.where(event, base.churned, as_of)
    df = pd.DataFrame({"T": (end - base.answered) / DAY, "E": event.astype(int),
                       "score": base.score.astype(float), "band": ""})
    bands, present = [], []
    for label, lo, hi in BANDS[scale]:
        d = df[(df.score >= lo) & (df.score <= hi)]
        if d.empty:
            continue
        df.loc[d.index, "band"] = label
        present.append(label)
        kmf = KaplanMeierFitter().fit(d["T"], d["E"])
        sf, ci = kmf.survival_function_.iloc[:, 0], kmf.confidence_interval_
        at = []
        for days in (90, 180, 365, 730):
            if days > d["T"].max():
                at.append({"days": days, "survival": None, "ci_low": None, "ci_high": None})
                continue
            row = ci.loc[:days].iloc[-1]
            s = sf.loc[:days].iloc[-1]
            lo, hi = (1.0, 1.0) if s >= 1 else (num(row.iloc[0]), num(row.iloc[1]))
            at.append({"days": days, "survival": num(s), "ci_low": lo, "ci_high": hi})
        med = kmf.median_survival_time_
        bands.append({"label": label, "customers": int(len(d)), "events": int(d["E"].sum()),
                      "median_days": num(med), "at": at})
    out = {"bands": bands}

    def logrank():
        if len(present) < 2:
            raise ValueError("fewer than two survival bands present")
        if df["E"].sum() == 0:
            raise ValueError("no churn events")
        r = multivariate_logrank_test(df["T"], df["band"], df["E"])
        return {"statistic": num(r.test_statistic), "df": len(present) - 1,
                "p_value": num(r.p_value)}

    def cox():
        if df.empty:
            raise ValueError("no customers with a response")
        if df["E"].sum() == 0:
            raise ValueError("no churn events")
        if df.score.nunique() < 2:
            raise ValueError("all customers gave the same score")
        # Tight precision: lifelines stops ~1e-5 short of the MLE by default.
        c = CoxPHFitter().fit(df[["T", "E", "score"]], "T", "E",
                              fit_options={"precision": 1e-12, "max_steps": 200})
        s = c.summary.loc["score"]
        coef, se = float(s["coef"]), float(s["se(coef)"])
        return {"coef": coef, "se": se, "hazard_ratio": math.exp(coef),
                "ci_low": math.exp(coef - Z975 * se), "ci_high": math.exp(coef + Z975 * se),
                "p_value": num(s["p"]), "log_partial_likelihood": num(c.log_likelihood_)}

    part(out, "logrank", logrank)
    part(out, "cox", cox)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("customers")
    ap.add_argument("responses")
    ap.add_argument("--survey", required=True)
    ap.add_argument("--scale", required=True, choices=sorted(SCALES))
    ap.add_argument("--as-of", required=True, help="RFC3339 UTC, e.g. 2026-06-30T00:00:00Z")
    ap.add_argument("--horizon-days", type=int, default=365)
    ap.add_argument("--delta", type=float, default=0.02)
    a = ap.parse_args()
    cust = pd.read_csv(a.customers, dtype=str, keep_default_na=False)
    resp = pd.read_csv(a.responses, dtype=str, keep_default_na=False)
    cust = pd.DataFrame({"customer_id": cust.customer_id, "churned": secs(cust.churned_at)})
    resp = resp[resp.survey == a.survey]
    resp = pd.DataFrame({"customer_id": resp.customer_id, "score": resp.score.astype(int),
                         "answered": secs(resp.answered_at)})
    as_of = float(secs(pd.Series([a.as_of])).iloc[0])
    doc = analyze(cust, resp, a.survey, a.scale, as_of, a.horizon_days, a.delta)
    print(json.dumps(doc, indent=1, allow_nan=False))


if __name__ == "__main__":
    main()
