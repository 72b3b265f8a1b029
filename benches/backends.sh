#!/usr/bin/env bash
# The server benchmarks (benches/bench.sh) on SQLite, on PostgreSQL with one instance and on
# PostgreSQL with two instances, one after the other in one run, side by side: each workload's
# rate, p99 and failed requests, and PostgreSQL's rate as a ratio to SQLite's (machines here are
# shared and noisy: only figures of one run are compared).
# Usage: ACHT_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres benches/backends.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${ACHT_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECS="${1:-10}"
cargo build --release -q
OUT="$(mktemp -d /tmp/acht-backends.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
BENCH_RESULTS="$OUT/sqlite.tsv" DATABASE_URL=sqlite ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
BENCH_RESULTS="$OUT/pg1.tsv" DATABASE_URL="$PG" ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
BENCH_RESULTS="$OUT/pg2.tsv" DATABASE_URL="$PG" INSTANCES=2 ACHT_BIN=target/release/acht benches/bench.sh "$SECS"
python3 - "$OUT" <<'PY'
import sys
out = sys.argv[1]
def read(name):
    return {l.split("\t")[0]: [float(x) for x in l.rstrip("\n").split("\t")[1:]] for l in open(f"{out}/{name}.tsv")}
s, p1, p2 = read("sqlite"), read("pg1"), read("pg2")
names = {"score-links": "score links (one-click)", "form-posts": "form posts (counted at once)",
         "ingest-new": "batch ingest, new customers", "ingest-pool": "batch ingest, shared pool (4 clients)",
         "healthz": "GET /healthz (baseline)", "static": "GET /static/acht.css (baseline)"}
fmt = lambda r: f"{r[0]:,.0f}/s, p99 {r[1]:.0f} ms, {int(r[2])} failed"
print()
print("| workload | SQLite | PostgreSQL, 1 instance | PostgreSQL, 2 instances | PG 1 / SQLite | PG 2 / SQLite | PG 2 / PG 1 |")
print("|---|---|---|---|---|---|---|")
for key, label in names.items():
    a, b, c = s[key], p1[key], p2[key]
    print(f"| {label} | {fmt(a)} | {fmt(b)} | {fmt(c)} | {b[0] / a[0]:.2f} | {c[0] / a[0]:.2f} | {c[0] / b[0]:.2f} |")
PY
