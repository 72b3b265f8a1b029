#!/usr/bin/env bash
# The server's throughput benchmarks, each reported with a baseline measured in the same run:
#  1. interactions through the batch API (wrk + benches/ingest.lua, 1,000 per request, fatigue
#     decisions included), for new customers and for customers drawn from a shared pool (the
#     clients' batches name the same customers: the concurrency that deadlocked on PostgreSQL)
#  2. one-click answers (wrk, 64 connections): score links (unverified until the page shows a
#     person) and form posts (counted at once, so rollup changes are written); each wrk thread
#     takes its own slice of the links, so no invitation is answered twice at once (until
#     2026-12-06 both threads sent the same links in step: half the requests were a second
#     answer to an invitation, in the same instant as its first), and there are enough links
#     that every request answers a new invitation (before, its 50,000 links ran out
#     after a few seconds and most of a fast backend's requests were second answers)
#  3. (SQLite only) CSV import of ../shared/data/responses.csv vs Python's sqlite3 executemany
# After the run, `acht rollups check`: every figure must equal a rebuild from the answers.
# Baselines: GET /healthz (no database) and GET /static/acht.css (the HTTP stack and middleware
# alone, the same work in every version, for comparing versions and backends).
#
# Usage: benches/bench.sh [seconds]
#   DATABASE_URL=postgres://user@host/db   run on PostgreSQL: a fresh database is made on that
#                                          server for the run and dropped after (default: SQLite)
#   INSTANCES=2                            two `acht serve` on the one database, each fed half
#                                          of every workload by its own wrk (PostgreSQL only)
#   BENCH_KEEP=dir                         keep wrk's reports and the servers' logs there
#   BENCH_RESULTS=file                     also write `name<TAB>rate<TAB>p99_ms<TAB>failed` lines
#                                          (benches/backends.sh puts runs side by side with them)
#   ACHT_BIN=path/to/acht                  measure another build (e.g. an older commit's)
#   LINKS_PER_SEC=35000                    invitation links made per second of each answer run
#                                          (raise it if wrk reports second answers)
# Needs wrk (apt-get install wrk), psql for PostgreSQL, and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
# BENCH_KEEP as given from where the script was called, before the cd above moved on.
if [ -n "${BENCH_KEEP:-}" ]; then BENCH_KEEP="$(cd "$OLDPWD" && realpath -m "$BENCH_KEEP")"; fi
DATA="${ACHT_DATA:-../shared/data}"
INSTANCES="${INSTANCES:-1}"
if [ -z "${ACHT_BIN:-}" ]; then cargo build --release -q; fi
A="${ACHT_BIN:-$PWD/target/release/acht}"
WORK="$(mktemp -d /tmp/acht-bench.XXXXXX)"
RESULTS="${BENCH_RESULTS:-$WORK/results.tsv}"
: > "$RESULTS"
SERVERS=()
PG_ADMIN=""
PG_DB=""
cleanup() {
  for s in "${SERVERS[@]}"; do kill "$s" 2>/dev/null || true; wait "$s" 2>/dev/null || true; done
  if [ -n "$PG_DB" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
  if [ -n "${BENCH_KEEP:-}" ]; then mkdir -p "$BENCH_KEEP" && cp "$WORK"/*.[0-9].txt "$WORK"/*.log "$BENCH_KEEP"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

case "${DATABASE_URL:-sqlite}" in
  postgres://*|postgresql://*)
    PG_ADMIN="$DATABASE_URL"
    PG_DB="acht_bench_$$"
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    # The run's database on the same server, with the URL's parameters (…?sslmode=disable, say).
    query=""; [[ "$PG_ADMIN" == *\?* ]] && query="?${PG_ADMIN#*\?}"
    # libpq lets a dbname= parameter override the path: the run would then write to that database.
    if [[ "$query" =~ [?\&]dbname= ]]; then echo "bench: name the database in the URL's path, not as dbname="; exit 2; fi
    base="${PG_ADMIN%%\?*}"
    export DATABASE_URL="${base%/*}/$PG_DB$query"
    BACKEND=postgres ;;
  *)
    [ "$INSTANCES" = 1 ] || { echo "bench: two instances need PostgreSQL (DATABASE_URL=postgres://…)"; exit 2; }
    export DATABASE_URL="sqlite://$WORK/bench.db"
    BACKEND=sqlite ;;
esac
export ACHT_LOG="${ACHT_LOG:-warn}"
# The database's answer writers in all are instances × ACHT_DB_ANSWER_WRITERS; kept at the
# default's 4 in all, as the README's PostgreSQL settings advise for a 2-core database (eight
# writers on two instances split the answers into smaller batches: 0.55–0.6× the answers/s).
if [ "$INSTANCES" -gt 1 ] && [ -z "${ACHT_DB_ANSWER_WRITERS:-}" ]; then
  export ACHT_DB_ANSWER_WRITERS=$(( (4 + INSTANCES - 1) / INSTANCES ))
fi
echo "== acht on $BACKEND, $INSTANCES instance(s)"

"$A" survey create --slug service --scale grade10 --question-nl "Cijfer?" --question-en "Grade?" --touchpoint support >/dev/null
KEY=$("$A" apikey create bench 2>/dev/null)
BASES=()
for _ in $(seq "$INSTANCES"); do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$A" serve --bind "127.0.0.1:$PORT" >/dev/null 2>"$WORK/server.${#SERVERS[@]}.log" & SERVERS+=($!)
  BASES+=("http://127.0.0.1:$PORT")
done
for base in "${BASES[@]}"; do until curl -sf "$base/healthz" >/dev/null; do sleep 0.2; done; done
BASE="${BASES[0]}"

# Where a workload's CPU went (benches/cpu.py): counters before and after its wrk, then per
# 1,000 requests (the rate just written to RESULTS times the seconds) acht's, PostgreSQL's and
# the rest's CPU, and how idle the machine was.
cpu_snap() { python3 benches/cpu.py snap "$1" "${SERVERS[@]}"; }
cpu_report() {
  local rate; rate=$(tail -n1 "$RESULTS" | cut -f2)
  python3 benches/cpu.py report "$WORK/cpu.before" "$WORK/cpu.after" "$1" "$(python3 -c "print($rate * $2)")" "$RESULTS"
}

# wrk against every instance at once, CONNS connections split between them, GET PATH or a wrk
# SCRIPT with its one argument; prints one line: requests/s (summed), p99 in ms (the worst
# instance's), failed requests (non-2xx and socket errors).
load() {
  local name="$1" conns="$2" path="$3" script="${4:-}" arg="${5:-}"
  local k=0 pids=()
  cpu_snap "$WORK/cpu.before"
  for base in "${BASES[@]}"; do
    if [ -n "$script" ]; then
      wrk -t2 -c"$((conns / INSTANCES))" -d"${SECS}s" --latency -s "$script" "$base" -- "$arg" "$((2 * INSTANCES))" "$k" > "$WORK/$name.$k.txt" &
    else
      wrk -t2 -c"$((conns / INSTANCES))" -d"${SECS}s" --latency "$base$path" > "$WORK/$name.$k.txt" &
    fi
    pids+=($!); k=$((k + 1))
  done
  for p in "${pids[@]}"; do wait "$p"; done
  cpu_snap "$WORK/cpu.after"
  python3 - "$WORK" "$name" "$INSTANCES" "$RESULTS" <<'PY'
import re, sys
work, name, n, results = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rate, p99, failed, again = 0.0, 0.0, 0, 0
for k in range(n):
    t = open(f"{work}/{name}.{k}.txt").read()
    rate += float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    v, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M).groups()
    p99 = max(p99, float(v) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit])
    failed += int((re.search(r"Non-2xx or 3xx responses: (\d+)", t) or [0, 0])[1])
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    failed += sum(int(x) for x in errors.groups()) if errors else 0
    again += int((re.search(r"second answers: (\d+) of", t) or [0, 0])[1])
print(f"{name}: {rate:,.0f} requests/s, p99 {p99:.1f} ms, {failed} failed" + (f", {again} answered an invitation again" if again else ""))
open(results, "a").write(f"{name}\t{rate:.1f}\t{p99:.2f}\t{failed}\n")
PY
  cpu_report "$name" "$SECS"
}

# The same for the ingest script, each instance's wrk posting its own share of the batches.
ingest() {
  local workload="$1" conns="${INGEST_CONNS:-4}" k=0 pids=()
  cpu_snap "$WORK/cpu.before"
  for base in "${BASES[@]}"; do
    wrk -t2 -c"$((conns / INSTANCES))" -d"${INGEST_SECS:-5}s" --latency -s benches/ingest.lua "$base" \
      -- "$WORK/$workload" "$KEY" "$((2 * INSTANCES))" "$((2 * k))" > "$WORK/ingest-$workload.$k.txt" &
    pids+=($!); k=$((k + 1))
  done
  for p in "${pids[@]}"; do wait "$p"; done
  cpu_snap "$WORK/cpu.after"
  python3 - "$WORK" "$workload" "$INSTANCES" "$RESULTS" <<'PY'
import re, sys
work, workload, n, results = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rate, p99, failed, total = 0.0, 0.0, 0, 0
for k in range(n):
    t = open(f"{work}/ingest-{workload}.{k}.txt").read()
    m = re.search(r"= (\d+) interactions/s; batch p50 [\d.]+ ms, p99 ([\d.]+) ms; (\d+) of (\d+) requests failed", t)
    if not m:
        sys.exit(f"ingest ({workload}): no result from wrk:\n{t}")
    rate += float(m.group(1)); p99 = max(p99, float(m.group(2))); failed += int(m.group(3)); total += int(m.group(4))
print(f"ingest ({workload} customers): {rate:,.0f} interactions/s, batch p99 {p99:.0f} ms, {failed} of {total} requests failed")
open(results, "a").write(f"ingest-{workload}\t{rate:.1f}\t{p99:.2f}\t{failed}\n")
PY
  cpu_report "ingest-$workload" "${INGEST_SECS:-5}"
}

# One invitation link per line: one set for the score-link run, another for answers posted
# with the page's form (counted at once), and two for the warm-up. Enough that every request
# of a run answers a new invitation (LINKS_PER_SEC, default 35,000, times the seconds: the
# fastest backend's rate with room); wrk says how many answered one again. Made first, by four
# clients at once: their batches are the ingest's warm-up too.
LINK_BATCHES=$(( (SECS * ${LINKS_PER_SEC:-35000} + 999) / 1000 ))
WARM_BATCHES=$(( (3 * ${LINKS_PER_SEC:-35000} / 4 + 999) / 1000 ))
python3 - "$WORK" "$BASE" "$KEY" "$LINK_BATCHES" "$WARM_BATCHES" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
work, base, key, batches, warm = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def links(prefix, b):
    items = [{"id": f"{prefix}{b}-{k}", "touchpoint": "support",
              "customer": {"id": f"{prefix}{b}-{k}", "email": f"{prefix}{b}-{k}@example.test"}} for k in range(1000)]
    req = urllib.request.Request(f"{base}/api/v1/interactions/batch", json.dumps({"interactions": items}).encode(),
                                 {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return [r["invitation"]["score_urls"][7]["url"].replace(base, "") for r in json.load(urllib.request.urlopen(req))["results"]]
with ThreadPoolExecutor(4) as pool:
    for prefix, name, n in (("answer", "paths.txt", batches), ("form", "form_paths.txt", batches),
                            ("warm", "warm_paths.txt", warm), ("warmform", "warm_form_paths.txt", warm)):
        with open(f"{work}/{name}", "w") as f:
            for made in pool.map(lambda b: links(prefix, b), range(n)):
                f.write("".join(p + "\n" for p in made))
PY
# Measured is the steady state: PostgreSQL's tables analyzed after loading, as pgbench does and
# as autovacuum keeps a live database. A never-analyzed database plans the first statements
# for empty tables, and a connection keeps such a plan (a sequential scan of the customers or
# the answers, hashed for a join) until the next ANALYZE; on a live server autovacuum runs one
# within a minute or two, but a whole benchmark run is over by then.
analyze() { if [ "$BACKEND" = postgres ]; then psql "$DATABASE_URL" -qc "ANALYZE"; fi; }
analyze
# Every PostgreSQL workload starts from a checkpoint: the server's WAL from the workload (or the
# run) before would otherwise be written out during whichever came next. backends.sh runs two
# instances right after one, so that run alone paid for the one-instance run's writes (over a
# gigabyte of WAL: a checkpoint mid-run). A checkpoint right before makes the run pay its own
# first writes of every page (full-page images) instead, the same for every run.
settle() { if [ "$BACKEND" = postgres ]; then psql "$DATABASE_URL" -qc "CHECKPOINT"; fi; }

echo "== interactions through the batch API (wrk, ${INGEST_CONNS:-4} clients, 1,000 per request, ${INGEST_SECS:-5}s per workload)"
# Two workloads, each batch posted once so every interaction is new: all customers new, and
# customers drawn from a pool of 200,000 (known ones too, so fatigue throttles some; a pool
# customer's address changes now and then, so known customers are updated as well).
python3 - "$WORK" <<'PY'
import json, os, random, sys
work = sys.argv[1]
rng = random.Random(8)
for workload in ("new", "pool"):
    os.makedirs(f"{work}/{workload}")
    for b in range(700):
        items = []
        for k in range(1000):
            c = f"{workload}{b}-{k}" if workload == "new" else f"c{rng.randrange(200_000)}"
            email = f"{c}@example.test" if workload == "new" or rng.random() < 0.9 else f"{c}.{b}@example.test"
            items.append({"id": f"{workload}{b}-{k}", "touchpoint": "support", "customer": {"id": c, "email": email}})
        open(f"{work}/{workload}/batch{b}.json", "w").write(json.dumps({"interactions": items}))
PY
settle
ingest new
settle
ingest pool
rm -rf "$WORK/new" "$WORK/pool"

# The answers' warm-up, on links of their own, then ANALYZE again (the answers' tables were
# empty until now).
k=0
for base in "${BASES[@]}"; do
  wrk -t2 -c16 -d3s -s benches/answers.lua "$base" -- "$WORK/warm_paths.txt" "$((2 * INSTANCES))" "$k" >/dev/null
  wrk -t2 -c16 -d3s -s benches/answers_form.lua "$base" -- "$WORK/warm_form_paths.txt" "$((2 * INSTANCES))" "$k" >/dev/null
  k=$((k + 1))
done
analyze

echo "== one-click answers vs /healthz (64 connections, ${SECS}s each)"
load healthz 64 /healthz
load static 64 /static/acht.css
settle
load score-links 64 "" benches/answers.lua "$WORK/paths.txt"
settle
load form-posts 64 "" benches/answers_form.lua "$WORK/form_paths.txt"
python3 - "$RESULTS" <<'PY'
import sys
r = {l.split("\t")[0]: float(l.split("\t")[1]) for l in open(sys.argv[1])}
for name in ("score-links", "form-posts", "ingest-new", "ingest-pool"):
    print(f"{name} per healthz request/s: {r[name] / r['healthz']:.2f}; per static request/s: {r[name] / r['static']:.2f}")
PY
for s in "${SERVERS[@]}"; do kill "$s"; wait "$s" 2>/dev/null || true; done
SERVERS=()

# What the servers logged at warn or above (a failed request says why there).
cat "$WORK"/server.*.log | grep -E "WARN|ERROR|status=(4|5)[0-9][0-9]" | sed -E 's/^[^ ]+ +//; s/request\{id="[0-9a-f]+"\}: //; s/ ms=[0-9.]+//' \
  | cut -c1-220 | sort | uniq -c | sort -rn | head -5 || true
echo "== rollups after the run"
"$A" rollups check

[ "$BACKEND" = sqlite ] || exit 0
echo "== CSV import of $DATA/responses.csv"
export DATABASE_URL="sqlite://$WORK/import.db"
"$A" survey create --slug service --scale grade10 --question-nl a --question-en b >/dev/null
"$A" survey create --slug effort --scale ces7 --question-nl a --question-en b >/dev/null
"$A" import customers "$DATA/customers.csv" >/dev/null
# The CLI has exited, so SQLite folded its WAL into import.db: a copy of the file is complete.
cp "$WORK/import.db" "$WORK/baseline.db"
start=$(date +%s.%N); "$A" import responses "$DATA/responses.csv"; end=$(date +%s.%N)
python3 - "$WORK/baseline.db" "$DATA/responses.csv" "$start" "$end" <<'PY'
import csv, sqlite3, sys, time, datetime
db, path, s, e = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
t0 = time.time()
c = sqlite3.connect(db)
ids = dict(c.execute("select external_id, id from customers"))
surveys = dict(c.execute("select slug, id from surveys"))
ms = lambda t: int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
rows = [(n + 1, surveys[r["survey"]], ids[r["customer_id"]], int(r["score"]), r["comment"] or None, ms(r["answered_at"]))
        for n, r in enumerate(csv.DictReader(open(path)))]
c.executemany("insert into responses (id, invitation_id, survey_id, customer_id, score, comment, provenance, state,"
              " state_reason, counts_from, answered_at, updated_at, rolled_score)"
              " values (?, null, ?, ?, ?, ?, 'import', 'counted', 'imported', ?, ?, ?, ?)",
              [r + (r[-1], r[-1], r[3]) for r in rows])
c.commit()
base = time.time() - t0
print(f"import: acht {len(rows) / (e - s):,.0f} rows/s ({e - s:.2f}s); python sqlite3 executemany baseline {base:.2f}s; acht/baseline speed ratio {base / (e - s):.2f}")
PY
