#!/usr/bin/env python3
"""Reference values for src/analysis/trends.rs, from scipy/statsmodels/numpy.

Writes tests/fixtures/trends.json: deterministic score histograms (inputs)
with the expected metric, interval, comparison and Holm results. The Rust
unit test `analysis::trends::tests::matches_scipy_statsmodels_reference`
checks every number.

    python3 -m pip install scipy statsmodels numpy
    python3 scripts/reference_trends.py            # from the repository root

Conventions that are acht's, not a library's (mirrored here by hand):
  * no answers -> null; comparisons need >= 2 answers per side and a finite
    statistic (otherwise null);
  * mean interval clipped to the scale, the whole scale when n == 1;
  * NPS interval clipped to [-100, 100];
  * diff = current - previous; CSAT in percentage points, shares as 0..1.
"""
import json
import math
import os

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

SCALES = {"grade10": (1, 10), "ces7": (1, 7), "nps11": (0, 10), "csat5": (1, 5)}
KIND = {"grade10": "mean", "ces7": "mean", "nps11": "nps", "csat5": "csat"}
TEST = {"mean": "Welch's t-test", "nps": "z-test on the NPS difference", "csat": "two-proportion z-test"}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "trends.json")


def f(x):
    x = float(x)
    assert math.isfinite(x), x
    return x


def answers(scale, counts):
    """The histogram expanded back into one score per answer."""
    lo, _ = SCALES[scale]
    return np.repeat(np.arange(lo, lo + len(counts)), counts)


def estimate(n, value, low, high):
    return {"n": int(n), "value": f(value), "low": f(low), "high": f(high)}


def wilson(x, n):
    return proportion_confint(x, n, alpha=0.05, method="wilson")


def metric(scale, counts):
    s = answers(scale, counts)
    n = len(s)
    if n == 0:
        return None
    kind = KIND[scale]
    if kind == "mean":
        lo, hi = SCALES[scale]
        mean = s.mean()
        if n == 1:
            return estimate(n, mean, lo, hi)
        half = stats.t.ppf(0.975, n - 1) * s.std(ddof=1) / math.sqrt(n)
        return estimate(n, mean, max(mean - half, lo), min(mean + half, hi))
    if kind == "nps":
        d = np.where(s >= 9, 1.0, np.where(s <= 6, -1.0, 0.0))
        nps = 100 * d.mean()
        half = stats.norm.ppf(0.975) * 100 * math.sqrt(d.var(ddof=0) / n)
        return estimate(n, nps, max(nps - half, -100), min(nps + half, 100))
    x = int((s >= 4).sum())
    low, high = wilson(x, n)
    return estimate(n, 100 * x / n, 100 * low, 100 * high)


def share(scale, counts, threshold):
    s = answers(scale, counts)
    if len(s) == 0:
        return None
    x = int((s >= threshold).sum())
    low, high = wilson(x, len(s))
    return estimate(len(s), x / len(s), low, high)


def comparison(diff, stat, p, test):
    if not math.isfinite(stat):
        return None
    return {"diff": f(diff), "p_value": f(p), "test": test}


def two_proportions(prev, cur, threshold, scale_pp):
    x1, n1 = int((prev >= threshold).sum()), len(prev)
    x2, n2 = int((cur >= threshold).sum()), len(cur)
    # statsmodels' default: pooled variance under H0.
    with np.errstate(all="ignore"):
        z, p = proportions_ztest([x2, x1], [n2, n1])
    return comparison(scale_pp * (x2 / n2 - x1 / n1), z, p, TEST["csat"])


def compare_metric(scale, prev_counts, cur_counts):
    prev, cur = answers(scale, prev_counts), answers(scale, cur_counts)
    if len(prev) < 2 or len(cur) < 2:
        return None
    kind = KIND[scale]
    if kind == "mean":
        with np.errstate(all="ignore"):
            t, p = stats.ttest_ind_from_stats(
                cur.mean(), cur.std(ddof=1), len(cur),
                prev.mean(), prev.std(ddof=1), len(prev),
                equal_var=False,
            )
        return comparison(cur.mean() - prev.mean(), t, p, TEST["mean"])
    if kind == "nps":
        d1 = np.where(prev >= 9, 1.0, np.where(prev <= 6, -1.0, 0.0))
        d2 = np.where(cur >= 9, 1.0, np.where(cur <= 6, -1.0, 0.0))
        diff = 100 * (d2.mean() - d1.mean())
        se = 100 * math.sqrt(d1.var() / len(d1) + d2.var() / len(d2))
        if se == 0:
            return None
        z = diff / se
        return comparison(diff, z, 2 * stats.norm.sf(abs(z)), TEST["nps"])
    return two_proportions(prev, cur, 4, 100)


def compare_share(scale, prev_counts, cur_counts, threshold):
    prev, cur = answers(scale, prev_counts), answers(scale, cur_counts)
    if len(prev) < 2 or len(cur) < 2:
        return None
    return two_proportions(prev, cur, threshold, 1)


# ---------------------------------------------------------------- inputs


def shape(name, k):
    """Relative weights over k scores."""
    i = np.arange(k, dtype=float)
    return {
        "uniform": np.ones(k),
        "rising": i + 1,
        "falling": k - i,
        "top_heavy": np.exp(i - k + 1),  # most answers on the top score
        "bottom_heavy": np.exp(-i),
        "bimodal": np.where((i == 0) | (i == k - 1), 5.0, 1.0),
        "middle": np.exp(-((i - (k - 1) / 2) ** 2) / 2),
        # Slightly more top-heavy than "rising": a small shift that only a
        # very large n detects, with p between ~1e-300 and ~1e-80.
        "rising^1.2": (i + 1) ** 1.2,
        "rising^1.3": (i + 1) ** 1.3,
    }[name]


def draw(seed, k, name, n):
    """Deterministic multinomial draw (legacy RandomState is stable across numpy versions)."""
    w = shape(name, k)
    return [int(c) for c in np.random.RandomState(seed).multinomial(n, w / w.sum())]


def one_hot(k, i, n):
    c = [0] * k
    c[i] = n
    return c


def pairs(scale):
    """(name, prev, cur): ~14 comparisons per scale, from degenerate to huge."""
    lo, hi = SCALES[scale]
    k = hi - lo + 1
    seed = sum(map(ord, scale))
    return [
        ("empty prev", [0] * k, draw(seed, k, "uniform", 20)),
        ("one answer each", one_hot(k, k - 1, 1), one_hot(k, 0, 1)),
        ("two extreme answers vs small", one_hot(k, 0, 1)[:-1] + [1], draw(seed + 1, k, "rising", 8)),
        ("equal histograms", draw(seed + 2, k, "middle", 150), draw(seed + 2, k, "middle", 150)),
        ("same single score both", one_hot(k, k - 1, 12), one_hot(k, k - 1, 30)),
        ("opposite single scores", one_hot(k, 0, 12), one_hot(k, k - 1, 30)),
        ("zero variance one side", one_hot(k, k - 2, 25), draw(seed + 3, k, "rising", 40)),
        ("small n", draw(seed + 4, k, "uniform", 9), draw(seed + 5, k, "rising", 11)),
        ("moderate n", draw(seed + 6, k, "middle", 300), draw(seed + 7, k, "rising", 280)),
        ("skewed opposite ways", draw(seed + 8, k, "bottom_heavy", 120), draw(seed + 9, k, "top_heavy", 90)),
        ("bimodal vs uniform", draw(seed + 10, k, "bimodal", 500), draw(seed + 11, k, "uniform", 520)),
        ("one side tiny", draw(seed + 12, k, "falling", 2), draw(seed + 13, k, "rising", 5000)),
        ("large n small shift", draw(seed + 14, k, "rising", 60000), draw(seed + 15, k, "rising", 61000)),
        ("very large n, tiny p", draw(seed + 16, k, "rising", 200000), draw(seed + 17, k, "rising^1.2", 150000)),
        ("very large n, p near 1e-300", draw(seed + 16, k, "rising", 200000), draw(seed + 17, k, "rising^1.3", 150000)),
        ("huge shift, p underflows", draw(seed + 18, k, "bottom_heavy", 300000), draw(seed + 19, k, "top_heavy", 300000)),
    ]


def main():
    doc = {
        "generated_by": "scripts/reference_trends.py",
        "versions": {"numpy": np.__version__, "scipy": __import__("scipy").__version__,
                     "statsmodels": __import__("statsmodels").__version__},
        "metric": [], "share": [], "compare_metric": [], "compare_share": [],
        "response_rate": [], "clear_changes": [],
    }
    for scale in SCALES:
        lo, hi = SCALES[scale]
        seen = set()
        for name, prev, cur in pairs(scale):
            for side, counts in (("prev", prev), ("cur", cur)):
                if tuple(counts) not in seen:
                    seen.add(tuple(counts))
                    doc["metric"].append({"name": f"{scale} {name} ({side})", "scale": scale,
                                          "counts": counts, "expected": metric(scale, counts)})
            doc["compare_metric"].append({"name": f"{scale} {name}", "scale": scale, "prev": prev, "cur": cur,
                                          "expected": compare_metric(scale, prev, cur)})
        # Shares: thresholds inside the scale and at its ends, plus two past
        # them (everyone / no one qualifies: no variance, so no test).
        share_cases = [(name, prev, cur, [lo, lo + 1, (lo + hi) // 2, hi - 1, hi][i % 5])
                       for i, (name, prev, cur) in enumerate(pairs(scale))]
        share_cases += [(name, prev, cur, t) for name, prev, cur in pairs(scale)[8:9] for t in (lo - 1, hi + 1)]
        for name, prev, cur, threshold in share_cases:
            for side, counts in (("prev", prev), ("cur", cur)):
                doc["share"].append({"name": f"{scale} {name} ({side}) >= {threshold}", "scale": scale,
                                     "counts": counts, "threshold": threshold,
                                     "expected": share(scale, counts, threshold)})
            doc["compare_share"].append({"name": f"{scale} {name} >= {threshold}", "scale": scale,
                                         "prev": prev, "cur": cur, "threshold": threshold,
                                         "expected": compare_share(scale, prev, cur, threshold)})

    for responded, invited in [(0, 0), (5, 3), (0, 10), (10, 10), (1, 1), (37, 120), (1, 1_000_000),
                               (999_999, 1_000_000), (12_345, 67_890), (3, 7), (250, 1000), (0, 1)]:
        if invited == 0 or responded > invited:
            expected = None
        else:
            low, high = wilson(responded, invited)
            expected = estimate(invited, responded / invited, low, high)
        doc["response_rate"].append({"name": f"{responded}/{invited}", "responded": responded,
                                     "invited": invited, "expected": expected})

    # Holm series: the p-values of the compare_metric cases above (one weekly
    # series per scale) plus hand-made ones around the boundary.
    series = {f"{scale} series": [c["expected"] and c["expected"]["p_value"]
                                  for c in doc["compare_metric"] if c["scale"] == scale] for scale in SCALES}
    series.update({
        "textbook": [0.01, 0.04, 0.03],
        "with gaps": [0.03, None, 0.01, 0.2, 0.02],
        "all clear": [1e-10, 1e-8, 0.001, 0.004],
        "none clear": [0.06, 0.5, 0.9],
        "single": [0.049],
        "only gaps": [None, None],
        "empty": [],
        "ties": [0.01, 0.01, 0.01, 0.5, 0.0125],
        "tiny and huge": [1e-300, 1.0, 0.5, 1e-200, None, 0.02],
        "many weeks": list(np.round(np.random.RandomState(7).uniform(0, 0.2, 30) ** 2, 8)),
    })
    for name, p in series.items():
        tested = [float(x) for x in p if x is not None]
        if tested:
            reject, adjusted, _, _ = multipletests(tested, alpha=0.05, method="holm")
        else:
            reject, adjusted = [], []
        it = iter(reject)
        clear = [bool(next(it)) if x is not None else False for x in p]
        doc["clear_changes"].append({"name": name, "p_values": [None if x is None else float(x) for x in p],
                                     "alpha": 0.05, "adjusted": [f(a) for a in adjusted], "clear": clear})

    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    counts = {k: len(v) for k, v in doc.items() if isinstance(v, list)}
    print(f"wrote {os.path.normpath(OUT)}: {counts}")


if __name__ == "__main__":
    main()
