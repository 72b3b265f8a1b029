#!/usr/bin/env python3
"""Worlds with a known truth for the headline (docs/headline.md), and how often acht finds it.

Generation uses the standard library only (random.Random is reproducible across Python
versions), so the Rust tests can regenerate a world without numpy.

    # one world: DIR/customers.csv, DIR/responses.csv; prints the truth as one JSON line
    python3 scripts/simulate_headline.py write DIR --type plateau8 --customers 10000 --seed 1

    # verdict rates over many worlds, as a Markdown table
    python3 scripts/simulate_headline.py table --acht target/release/acht --seeds 20 \
        --sizes 10000,100000 [--types plateau8,none] [--jobs 2]
    python3 scripts/simulate_headline.py table --reference --seeds 3   # reference_headline.py

    # the golden worlds of tests/fixtures/headline/ and their expected-headline.json
    python3 scripts/simulate_headline.py fixtures [OUT_DIR]

Every world: as-of 2026-06-30T00:00:00Z; customers arrive uniformly over the four years
before; each answers the `service` survey (grade10) after contacts 30-200 days apart (uniform;
the first contact 30-200 days after arrival) until churn or as-of; a grade is
round(mood + noise) clamped to 1..10. Churn is a continuous-time hazard per year that depends
on the latest grade (and for some types on tenure or a contract), drawn afresh at each answer;
there is no churn before the first answer. The types:

  plateau8      rate 0.12*exp(0.25*max(0, 8-g)): falls up to 8, flat from 8.     threshold 8
  rise1, rise2  1-year retention R(g) = 0.92 - step*(10-g), step 0.01 / 0.02.     still_rising
  lockin        70% cannot leave until 2 years after arrival (not reported); the
                others: R(g) = 0.92 - 0.015*(10-g) from 6 up, 0.04 per grade below. still_rising
  lockin_known  lockin with committed_until = arrival + 2 years for the locked.   still_rising
  confounded    mood drifts +0.5 per year of tenure; rate 0.20*exp(0.3*max(0, 7-g))
                * exp(-0.35*tenure in years).                                     threshold 7
  none          rate 0.15, whatever the grade.                                    no_relation
  latest        plateau8's hazard, but mood ~ N(7.3, 0.6) and noise ~ N(0, 1.6): the
                latest answer drives churn, the first predicts it weakly.        threshold 8
  edges         (fixtures only) plateau8 plus the person-time corner cases: see edges_world().

`table` exits 1 when the required rates do not hold: a false threshold (a threshold where the
truth has none, or at another score) in at most 5% of the worlds of every type and size; the
true threshold in at least 80% for plateau8, latest and confounded at 100,000 customers; and
no_relation in at least 80% for none at 100,000.
"""
import argparse
import concurrent.futures
import csv
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF_TEXT = "2026-06-30T00:00:00Z"
AS_OF = 1782777600  # 2026-06-30T00:00:00Z in unix seconds
DAY = 86400
YEAR = 365.25 * DAY
SURVEY = "service"
BAND_DAYS = [0, 91, 182, 273, 365, 456, 547, 638, 730, 913, 1095, 1460, 1825]
TYPES = ["plateau8", "rise1", "rise2", "lockin", "lockin_known", "confounded", "none", "latest"]
TRUTH = {
    "plateau8": ("threshold", 8), "rise1": ("still_rising", None), "rise2": ("still_rising", None),
    "lockin": ("still_rising", None), "lockin_known": ("still_rising", None),
    "confounded": ("threshold", 7), "none": ("no_relation", None), "latest": ("threshold", 8),
}
FIXTURES = [("plateau8", "plateau8", 2000, 1), ("rise2", "rise2", 2000, 1), ("none", "none", 2000, 1),
            ("lockin_known", "lockin_known", 2000, 1), ("confounded", "confounded", 2000, 1),
            ("tiny", "plateau8", 40, 2), ("edges", "edges", 400, 3),
            # degenerate: one kept level; two levels whose estimates do not exist; no churn at all
            ("one_level", "plateau8", 6, 2), ("unfit", "plateau8", 4, 1), ("no_churn", "plateau8", 4, 2)]
# Worlds the tests regenerate (python3 scripts/simulate_headline.py write DIR --type T --customers N
# --seed S); the seeds are the first ones whose reference verdict is the truth, so that the
# threshold and no_relation paths have a golden test too.
REGENERATED = [("plateau8_10k", "plateau8", 10000, 13), ("none_30k", "none", 30000, 3)]
VERDICTS = ["threshold", "still_rising", "no_relation", "not_enough_data"]


def retention_rates(r10, step_hi, step_lo=None, knee=1):
    """Yearly hazard per grade 1..10 from a 1-year retention R(g) = r10 - step_hi*(10-g) down to
    the knee, and step_lo per grade below it."""
    rates = {}
    for g in range(1, 11):
        r = r10 - step_hi * (10 - max(g, knee)) - (step_lo or 0) * max(0, knee - g)
        rates[g] = -math.log(r)
    return rates


PLATEAU8 = {g: 0.12 * math.exp(0.25 * max(0, 8 - g)) for g in range(1, 11)}
RISE1 = retention_rates(0.92, 0.01)
RISE2 = retention_rates(0.92, 0.02)
LOCKIN = retention_rates(0.92, 0.015, 0.04, knee=6)
CONFOUNDED = {g: 0.20 * math.exp(0.3 * max(0, 7 - g)) for g in range(1, 11)}
NONE = {g: 0.15 for g in range(1, 11)}


def iso(t):
    return "" if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def world(kind, n, seed):
    """(customers, responses) rows of one world; times in unix seconds (None = null)."""
    if kind not in TRUTH:
        raise SystemExit(f"unknown type {kind!r}: one of {', '.join(TYPES)}")
    rng = random.Random(seed)
    rand, gauss, uniform = rng.random, rng.gauss, rng.uniform
    mood_mu, mood_sd, noise_sd = 7.3, 1.2, 1.0
    if kind == "latest":
        mood_sd, noise_sd = 0.6, 1.6
    rates = {"plateau8": PLATEAU8, "latest": PLATEAU8, "rise1": RISE1, "rise2": RISE2,
             "lockin": LOCKIN, "lockin_known": LOCKIN, "confounded": CONFOUNDED, "none": NONE}[kind]
    drift = 0.5 if kind == "confounded" else 0.0            # mood per year of tenure
    decay = 0.35 if kind == "confounded" else 0.0           # log hazard per year of tenure
    lock_share = 0.7 if kind in ("lockin", "lockin_known") else 0.0
    span = 4 * 365 * DAY
    customers, responses = [], []
    for i in range(n):
        cid = f"C{i:06d}"
        first = AS_OF - int(uniform(0, span))
        mood = gauss(mood_mu, mood_sd)
        lock_end = first + 2 * 365 * DAY if rand() < lock_share else None
        t = first + int(uniform(30, 200) * DAY)
        churned = None
        while t < AS_OF:
            tenure = (t - first) / YEAR
            grade = min(10, max(1, round(mood + drift * tenure + gauss(0, noise_sd))))
            responses.append((cid, grade, t))
            nxt = t + int(uniform(30, 200) * DAY)
            stop = min(nxt, AS_OF)
            at_risk = t if lock_end is None else max(t, lock_end)
            if at_risk < stop:
                e = -math.log(1.0 - rand())          # unit exponential: the cumulative hazard to churn
                rate = rates[grade]
                if decay:
                    # rate(s) = rate * exp(-decay * (tenure at at_risk + s / YEAR))
                    r0 = rate * math.exp(-decay * (at_risk - first) / YEAR)
                    x = 1.0 - decay * e / r0
                    wait = -math.log(x) / decay * YEAR if x > 0 else math.inf
                else:
                    wait = e / rate * YEAR
                if at_risk + wait < stop:
                    churned = max(at_risk + int(wait), t + 1)
                    break
            t = nxt
        committed = lock_end if kind == "lockin_known" else None
        customers.append((cid, first, churned, committed))
    return customers, responses


def edges_world(n, seed):
    """A plateau8 world with the person-time rules' corner cases added (the `edges` fixture):
    answers tied in time (the file order decides), answers exactly at churn, after churn, at
    and after as-of and before first_seen_at, contracts (some ending after as-of), churn exactly
    on a tenure band boundary, another survey, unknown customers, quoted comments with commas
    and line breaks, and the responses in shuffled order."""
    rng = random.Random(seed)
    customers, responses = world("plateau8", n, seed)
    by = {}
    for r in responses:
        by.setdefault(r[0], []).append(r)
    out_c, out_r = [], []
    comments = ["", "", "", "Snel, \"goed\" geholpen", "Niemand belde terug.\nTwee keer gemaild", "ok, prima"]
    for i, (cid, first, churned, committed) in enumerate(customers):
        rs = [(c, SURVEY, g, t, rng.choice(comments)) for c, g, t in by.get(cid, [])]
        if i % 17 == 0 and churned is not None and rs:
            # churn moved back onto the first tenure band boundary after the first answer
            tenure_days = (rs[0][3] - first) / DAY
            b = next(d for d in BAND_DAYS + [10**6] if d > tenure_days)
            if first + b * DAY < churned:
                churned = first + b * DAY
        if i % 5 == 0:
            committed = first + 400 * DAY
        if rs:
            if i % 10 == 0:
                c, sv, g, t, cm = rs[-1]
                rs.insert(len(rs) - 1, (c, sv, g % 10 + 1, t, "tie"))
            if i % 7 == 0 and churned is not None:
                rs.append((cid, SURVEY, rng.randint(1, 10), churned, "at churn"))
            if i % 11 == 0 and churned is not None:
                rs.append((cid, SURVEY, rng.randint(1, 10), churned + 5 * DAY, "after churn"))
            if i % 13 == 0:
                rs.append((cid, SURVEY, rng.randint(1, 10), AS_OF, "at as-of"))
                rs.append((cid, SURVEY, rng.randint(1, 10), AS_OF + 3 * DAY, "after as-of"))
            if i % 19 == 0:
                rs.append((cid, SURVEY, rng.randint(1, 10), first - 10 * DAY, "before first seen"))
            if i % 3 == 0:
                rs.append((cid, "effort", rng.randint(1, 7), rs[0][3] + 60, ""))
        out_c.append((cid, first, churned, committed))
        out_r.extend(rs)
    for j in range(5):
        out_r.append((f"X{j:06d}", SURVEY, rng.randint(1, 10), AS_OF - (j + 1) * 30 * DAY, "unknown customer"))
    rng.shuffle(out_r)
    return out_c, out_r


def write_csv(d, customers, responses):
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "customers.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "email", "locale", "first_seen_at", "churned_at", "committed_until"])
        for cid, first, churned, committed in customers:
            w.writerow([cid, f"{cid.lower()}@example.test", "nl", iso(first), iso(churned), iso(committed)])
    with open(d / "responses.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "survey", "score", "answered_at", "comment"])
        for cid, survey, grade, t, comment in responses:
            w.writerow([cid, survey, grade, iso(t), comment])


def write(d, kind, n, seed):
    """Writes DIR/customers.csv and DIR/responses.csv of one world; returns its truth."""
    if kind == "edges":
        write_csv(d, *edges_world(n, seed))
        return {"type": kind, "truth": None, "score": None}
    customers, responses = world(kind, n, seed)
    write_csv(d, customers, [(cid, SURVEY, g, t, "") for cid, g, t in responses])
    verdict, score = TRUTH[kind]
    return {"type": kind, "truth": verdict, "score": score}


def world_seed(kind, size, i):
    return int.from_bytes(hashlib.sha256(f"{kind}:{size}:{i}".encode()).digest()[:8], "big")


def run_one(job):
    """Generates one world in a temporary directory and returns (kind, size, verdict, score)."""
    kind, size, i, acht, reference = job
    with tempfile.TemporaryDirectory(prefix="headline-") as d:
        write(d, kind, size, world_seed(kind, size, i))
        cust, resp = os.path.join(d, "customers.csv"), os.path.join(d, "responses.csv")
        if reference:
            cmd = [sys.executable, str(Path(__file__).with_name("reference_headline.py")), cust, resp,
                   "--survey", SURVEY, "--as-of", AS_OF_TEXT]
        else:
            cmd = [acht, "analyze", "--survey", SURVEY, "--scale", "grade10", "--customers-csv", cust,
                   "--responses-csv", resp, "--as-of", AS_OF_TEXT, "--json"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return kind, size, i, "error", p.stderr.strip().splitlines()[-1:] or [f"exit {p.returncode}"]
        h = json.loads(p.stdout)["headline"]
        return kind, size, i, h["verdict"], h["score"]


def pct(k, n):
    return f"{100 * k / n:.0f}%" if n else "-"


def table(args):
    kinds = args.types.split(",")
    for k in kinds:
        if k not in TRUTH:
            raise SystemExit(f"unknown type {k!r}: one of {', '.join(TYPES)}")
    sizes = [int(s) for s in args.sizes.split(",")]
    if not args.reference and not args.acht:
        raise SystemExit("--acht PATH or --reference")
    jobs = [(k, s, i, args.acht, args.reference) for k in kinds for s in sizes for i in range(args.seeds)]
    results = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as ex:
        for kind, size, i, verdict, score in ex.map(run_one, jobs):
            results.setdefault((kind, size), []).append((verdict, score))
            if verdict == "error":
                print(f"error: {kind} {size} seed {i}: {score}", file=sys.stderr)
            elif args.verbose:
                print(f"{kind} {size} #{i}: {verdict} {score}", file=sys.stderr)
    engine = "scripts/reference_headline.py" if args.reference else args.acht
    print(f"Verdicts of `{engine}` on {args.seeds} worlds per row (as-of {AS_OF_TEXT}, horizon 365 days, "
          f"delta 0.02).\n")
    print("| type | customers | truth | n worlds | threshold at the true score | any false threshold "
          "| still_rising | no_relation | not_enough_data | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    failures = []
    for kind in kinds:
        truth, tscore = TRUTH[kind]
        for size in sizes:
            rs = results[(kind, size)]
            n = len(rs)
            count = {v: sum(1 for r in rs if r[0] == v) for v in VERDICTS + ["error"]}
            true_thr = sum(1 for v, s in rs if v == "threshold" and truth == "threshold" and s == tscore)
            false_thr = count["threshold"] - true_thr
            label = f"threshold {tscore}" if truth == "threshold" else truth
            print(f"| {kind} | {size:,} | {label} | {n} | {pct(true_thr, n) if truth == 'threshold' else '-'} "
                  f"| {pct(false_thr, n)} | {pct(count['still_rising'], n)} | {pct(count['no_relation'], n)} "
                  f"| {pct(count['not_enough_data'], n)} | {count['error']} |")
            if false_thr > 0.05 * n:
                failures.append(f"{kind} at {size:,}: false threshold {pct(false_thr, n)} > 5%")
            if size == 100000 and kind in ("plateau8", "latest", "confounded") and true_thr < 0.8 * n:
                failures.append(f"{kind} at {size:,}: true threshold {pct(true_thr, n)} < 80%")
            if size == 100000 and kind == "none" and count["no_relation"] < 0.8 * n:
                failures.append(f"none at {size:,}: no_relation {pct(count['no_relation'], n)} < 80%")
            if count["error"]:
                failures.append(f"{kind} at {size:,}: {count['error']} runs failed")
    print()
    if failures:
        print("Required rates do NOT hold: " + "; ".join(failures) + ".")
    else:
        print("Required rates hold (false threshold <= 5% for every type and size; true threshold >= 80% for "
              "plateau8, latest and confounded at 100,000 where run; no_relation >= 80% for none at 100,000 "
              "where run).")
    return 1 if failures else 0


def reference(d, out):
    """Runs reference_headline.py on DIR's CSV files into OUT/expected-headline.json."""
    script = Path(__file__).with_name("reference_headline.py")
    with open(Path(out) / "expected-headline.json", "w") as f:
        subprocess.run([sys.executable, str(script), str(Path(d) / "customers.csv"), str(Path(d) / "responses.csv"),
                        "--survey", SURVEY, "--as-of", AS_OF_TEXT, "--horizon-days", "365", "--delta", "0.02"],
                       stdout=f, check=True)
    return json.loads((Path(out) / "expected-headline.json").read_text())["headline"]


def fixtures(args):
    """Kept worlds: CSV files and expected-headline.json. Regenerated worlds (too large to keep):
    world.json (how to make it), world.sha256 (of the CSV files) and expected-headline.json."""
    out = Path(args.out)
    for name, kind, n, seed in FIXTURES:
        d = out / name
        truth = write(d, kind, n, seed)
        got = reference(d, d)
        print(f"{name}: {kind}, {n} customers, seed {seed}; truth {truth['truth']} {truth['score']}; "
              f"reference {got['verdict']} {got['score']}")
    for name, kind, n, seed in REGENERATED:
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="headline-") as tmp:
            truth = write(tmp, kind, n, seed)
            got = reference(tmp, d)
            with open(d / "world.sha256", "w") as f:
                for file in ("customers.csv", "responses.csv"):
                    digest = hashlib.sha256((Path(tmp) / file).read_bytes()).hexdigest()
                    f.write(f"{digest}  {file}\n")
        (d / "world.json").write_text(json.dumps({"type": kind, "customers": n, "seed": seed}) + "\n")
        print(f"{name}: {kind}, {n} customers, seed {seed} (regenerated by the tests); truth {truth['truth']} "
              f"{truth['score']}; reference {got['verdict']} {got['score']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="write one world and print its truth")
    w.add_argument("dir")
    w.add_argument("--type", required=True, choices=TYPES + ["edges"])
    w.add_argument("--customers", type=int, required=True)
    w.add_argument("--seed", type=int, required=True)
    t = sub.add_parser("table", help="verdict rates over many worlds")
    t.add_argument("--acht", help="path of the acht binary")
    t.add_argument("--reference", action="store_true", help="run scripts/reference_headline.py instead")
    t.add_argument("--seeds", type=int, default=20)
    t.add_argument("--sizes", default="10000,100000")
    t.add_argument("--types", default=",".join(TYPES))
    t.add_argument("--jobs", type=int, default=2)
    t.add_argument("--verbose", action="store_true", help="each world's verdict on stderr")
    fx = sub.add_parser("fixtures", help="regenerate tests/fixtures/headline/")
    fx.add_argument("out", nargs="?", default="tests/fixtures/headline")
    a = ap.parse_args()
    if a.cmd == "write":
        print(json.dumps(write(a.dir, a.type, a.customers, a.seed)))
    elif a.cmd == "table":
        sys.exit(table(a))
    else:
        fixtures(a)


if __name__ == "__main__":
    main()
