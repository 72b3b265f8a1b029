#!/usr/bin/env bash
# The server benchmarks (benches/bench.sh) on SQLite, on PostgreSQL with one instance and on
# PostgreSQL with two instances, one after the other in one run, side by side: each workload's
# rate, p99 and failed requests, and PostgreSQL's rate as a ratio to SQLite's (machines here are
# shared and noisy: only figures of one run are compared). With ROUNDS=n the three run n times
# in turn (SQLite, PG 1, PG 2, SQLite, …) and each figure is the median of its rounds (a slow
# minute of a shared machine then weighs on all three alike); every round's ratios are shown.
# Usage: ACHT_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres [ROUNDS=2] benches/backends.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${ACHT_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECS="${1:-10}"
cargo build --release -q
OUT="$(mktemp -d /tmp/acht-backends.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
ROUNDS="${ROUNDS:-1}"
for r in $(seq "$ROUNDS"); do
  # With BENCH_KEEP=dir, each run's wrk reports and server logs go to dir/<run>.<round>.
  keep() { if [ -n "${BENCH_KEEP:-}" ]; then echo "$(realpath -m "$BENCH_KEEP")/$1.$r"; fi; }
  BENCH_KEEP="$(keep sqlite)" BENCH_RESULTS="$OUT/sqlite.$r.tsv" DATABASE_URL=sqlite ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
  BENCH_KEEP="$(keep pg1)" BENCH_RESULTS="$OUT/pg1.$r.tsv" DATABASE_URL="$PG" ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
  BENCH_KEEP="$(keep pg2)" BENCH_RESULTS="$OUT/pg2.$r.tsv" DATABASE_URL="$PG" INSTANCES=2 ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def read(name, r):
    return {l.split("\t")[0]: [float(x) for x in l.rstrip("\n").split("\t")[1:]] for l in open(f"{out}/{name}.{r}.tsv")}
runs = {name: [read(name, r) for r in range(1, rounds + 1)] for name in ("sqlite", "pg1", "pg2")}
def median(name, key):
    rs = [run[key] for run in runs[name]]
    return [statistics.median(r[0] for r in rs), max(r[1] for r in rs), sum(r[2] for r in rs)]
names = {"score-links": "score links (one-click)", "form-posts": "form posts (counted at once)",
         "ingest-new": "batch ingest, new customers", "ingest-pool": "batch ingest, shared pool (4 clients)",
         "healthz": "GET /healthz (baseline)", "static": "GET /static/acht.css (baseline)"}
fmt = lambda r: f"{r[0]:,.0f}/s, p99 {r[1]:.0f} ms, {int(r[2])} failed"
print()
if rounds > 1:
    print(f"Each rate the median of {rounds} rounds; p99 the worst round's; failed summed over the rounds.")
    print()
print("| workload | SQLite | PostgreSQL, 1 instance | PostgreSQL, 2 instances | PG 1 / SQLite | PG 2 / SQLite | PG 2 / PG 1 |")
print("|---|---|---|---|---|---|---|")
for key, label in names.items():
    a, b, c = median("sqlite", key), median("pg1", key), median("pg2", key)
    print(f"| {label} | {fmt(a)} | {fmt(b)} | {fmt(c)} | {b[0] / a[0]:.2f} | {c[0] / a[0]:.2f} | {c[0] / b[0]:.2f} |")
print()
print("CPU per 1,000 requests (interactions for ingest), medians: acht + PostgreSQL + the rest (wrk, mostly), and the machine idle:")
print()
print("| workload | SQLite | PostgreSQL, 1 instance | PostgreSQL, 2 instances |")
print("|---|---|---|---|")
def cpu(name, key):
    rs = [run.get("cpu-" + key) for run in runs[name]]
    if None in rs:
        return "–"
    m = [statistics.median(r[i] for r in rs) for i in range(4)]
    return f"{m[0]:.0f} + {m[1]:.0f} + {m[2]:.0f} = {m[0] + m[1] + m[2]:.0f} ms, {m[3]:.0f}% idle"
for key in ("score-links", "form-posts", "ingest-new", "ingest-pool"):
    print(f"| {names[key]} | {cpu('sqlite', key)} | {cpu('pg1', key)} | {cpu('pg2', key)} |")
if rounds > 1:
    print()
    print("Per round, PG 1 / SQLite and PG 2 / SQLite:")
    for key, label in names.items():
        per = [f"{runs['pg1'][r][key][0] / runs['sqlite'][r][key][0]:.2f} and {runs['pg2'][r][key][0] / runs['sqlite'][r][key][0]:.2f}"
               for r in range(rounds)]
        print(f"- {label}: " + "; ".join(per))
PY
