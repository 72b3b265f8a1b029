#!/usr/bin/env bash
# Benchmarks of issue 2, each reported with a baseline measured in the same run:
#  1. one-click answers on SQLite (wrk, 64 connections) vs GET /healthz: score links (unverified
#     until the page shows a person) and form posts (counted at once, so the rollups are written)
#  2. interactions through the batch API (wrk + benches/ingest.lua, 1,000 per request, fatigue
#     decisions included), for new customers and for customers drawn from a pool
#  3. CSV import of ../shared/data/responses.csv vs Python's sqlite3 executemany of the same rows
# Baselines: GET /healthz (liveness; since the foundation issue it no longer touches the
# database, so it is faster than before) and GET /static/acht.css (the HTTP stack and
# middleware alone, the same work in every version, for comparing versions).
# Needs wrk (apt-get install wrk) and a release build. Usage: benches/bench.sh [seconds]
# ACHT_BIN=path/to/acht measures another build (e.g. an older commit's) with this script.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
DATA="${ACHT_DATA:-../shared/data}"
if [ -z "${ACHT_BIN:-}" ]; then cargo build --release -q; fi
A="${ACHT_BIN:-$PWD/target/release/acht}"
WORK="$(mktemp -d /tmp/acht-bench.XXXXXX)"
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite://$WORK/bench.db" ACHT_LOG=warn
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

"$A" survey create --slug service --scale grade10 --question-nl "Cijfer?" --question-en "Grade?" --touchpoint support >/dev/null
KEY=$("$A" apikey create bench 2>/dev/null)
"$A" serve --bind "127.0.0.1:$PORT" >/dev/null 2>&1 & SERVER=$!
until curl -sf "$BASE/healthz" >/dev/null; do sleep 0.2; done

echo "== interactions through the batch API (wrk, ${INGEST_CONNS:-4} clients, 1,000 per request, ${INGEST_SECS:-5}s per workload)"
# Two workloads, each batch posted once so every interaction is new: all customers new, and
# customers drawn from a pool of 200,000 (known ones too, so fatigue throttles some).
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
            items.append({"id": f"{workload}{b}-{k}", "touchpoint": "support",
                          "customer": {"id": c, "email": f"{c}@example.test"}})
        open(f"{work}/{workload}/batch{b}.json", "w").write(json.dumps({"interactions": items}))
PY
for workload in new pool; do
  wrk -t2 -c"${INGEST_CONNS:-4}" -d"${INGEST_SECS:-5}s" --latency -s benches/ingest.lua "$BASE" -- "$WORK/$workload" "$KEY" 2 \
    | grep '^ingest' | sed "s/^ingest:/ingest ($workload customers):/" | tee -a "$WORK/ingest.txt"
done
rm -rf "$WORK/new" "$WORK/pool"

# One invitation link per line: one set for the score-link run, another for answers posted
# with the page's form (counted at once).
python3 - "$WORK" "$BASE" "$KEY" <<'PY'
import json, sys, urllib.request
work, base, key = sys.argv[1:4]
for prefix, name in (("answer", "paths.txt"), ("form", "form_paths.txt")):
    with open(f"{work}/{name}", "w") as f:
        for b in range(50):
            items = [{"id": f"{prefix}{b}-{k}", "touchpoint": "support",
                      "customer": {"id": f"{prefix}{b}-{k}", "email": f"{prefix}{b}-{k}@example.test"}} for k in range(1000)]
            req = urllib.request.Request(f"{base}/api/v1/interactions/batch", json.dumps({"interactions": items}).encode(),
                                         {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            for r in json.load(urllib.request.urlopen(req))["results"]:
                f.write(r["invitation"]["score_urls"][7]["url"].replace(base, "") + "\n")
PY

echo "== one-click answers vs /healthz (64 connections, ${SECS}s each)"
wrk -t2 -c64 -d"${SECS}s" --latency "$BASE/healthz" > "$WORK/health.txt"
wrk -t2 -c64 -d"${SECS}s" --latency "$BASE/static/acht.css" > "$WORK/static.txt"
wrk -t2 -c64 -d"${SECS}s" --latency -s benches/answers.lua "$BASE" -- "$WORK/paths.txt" > "$WORK/answers.txt"
wrk -t2 -c64 -d"${SECS}s" --latency -s benches/answers_form.lua "$BASE" -- "$WORK/form_paths.txt" > "$WORK/form.txt"
for f in health static answers form; do
  echo "$f: $(grep 'Requests/sec' "$WORK/$f.txt")  p99 $(grep ' 99%' "$WORK/$f.txt" | awk '{print $2}')  $(grep -E 'Non-2xx|Socket errors' "$WORK/$f.txt" || true)"
done
python3 - "$WORK" <<'PY'
import sys, re
w = sys.argv[1]
rps = lambda f: float(re.search(r"Requests/sec:\s+([\d.]+)", open(f"{w}/{f}.txt").read()).group(1))
print(f"answers/healthz throughput ratio: {rps('answers') / rps('health'):.2f}")
print(f"answers/static throughput ratio: {rps('answers') / rps('static'):.2f}")
print(f"form answers (counted at once)/healthz throughput ratio: {rps('form') / rps('health'):.2f}")
print(f"form answers (counted at once)/static throughput ratio: {rps('form') / rps('static'):.2f}")
for line in open(f"{w}/ingest.txt"):
    rate = float(re.search(r"= (\d+) interactions/s", line).group(1))
    print(f"{line.split(':')[0]}: interactions/s per healthz request/s: {rate / rps('health'):.2f}, per static request/s: {rate / rps('static'):.2f}")
PY
kill $SERVER; wait $SERVER 2>/dev/null || true

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
