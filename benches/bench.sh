#!/usr/bin/env bash
# Benchmarks of issue 2, each reported with a baseline measured in the same run:
#  1. one-click answers on SQLite (wrk, 64 connections) vs GET /healthz
#  2. interactions through the batch API (1,000 per request, fatigue decisions included)
#  3. CSV import of ../shared/data/responses.csv vs Python's sqlite3 executemany of the same rows
# Needs wrk (apt-get install wrk) and a release build. Usage: benches/bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
DATA="${ACHT_DATA:-../shared/data}"
cargo build --release -q
A="$PWD/target/release/acht"
WORK="$(mktemp -d /tmp/acht-bench.XXXXXX)"
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite://$WORK/bench.db" ACHT_LOG=warn
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

"$A" survey create --slug service --scale grade10 --question-nl "Cijfer?" --question-en "Grade?" --touchpoint support >/dev/null
KEY=$("$A" apikey create bench 2>/dev/null)
"$A" serve --bind "127.0.0.1:$PORT" >/dev/null 2>&1 & SERVER=$!
until curl -sf "$BASE/healthz" >/dev/null; do sleep 0.2; done

echo "== interactions through the batch API"
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
for b in range(50):
    items = [{"id": f"i{b}-{k}", "touchpoint": "support",
              "customer": {"id": f"c{b}-{k}", "email": f"c{b}-{k}@example.test"}} for k in range(1000)]
    open(f"{work}/batch{b}.json", "w").write(json.dumps({"interactions": items}))
PY
start=$(date +%s.%N)
# Four clients at once, as several company systems would report.
seq 0 49 | xargs -P4 -I{} curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data-binary "@$WORK/batch{}.json" -o "$WORK/out{}.json" "$BASE/api/v1/interactions/batch"
end=$(date +%s.%N)
INGEST_RATE=$(python3 -c "print(50000/($end-$start))")
python3 -c "print(f'ingest: 50000 interactions in {$end-$start:.2f}s = {50000/($end-$start):,.0f} interactions/s')"
python3 - "$WORK" "$BASE" <<'PY'
import json, sys
work, base = sys.argv[1], sys.argv[2]
with open(f"{work}/paths.txt", "w") as f:
    for b in range(50):
        for r in json.load(open(f"{work}/out{b}.json"))["results"]:
            inv = r["invitation"]
            f.write(inv["score_urls"][7]["url"].replace(base, "") + "\n")
PY

echo "== one-click answers vs /healthz (64 connections, ${SECS}s each)"
wrk -t2 -c64 -d"${SECS}s" --latency "$BASE/healthz" > "$WORK/health.txt"
wrk -t2 -c64 -d"${SECS}s" --latency -s benches/answers.lua "$BASE" -- "$WORK/paths.txt" > "$WORK/answers.txt"
for f in health answers; do
  echo "$f: $(grep 'Requests/sec' "$WORK/$f.txt")  p99 $(grep ' 99%' "$WORK/$f.txt" | awk '{print $2}')  $(grep -E 'Non-2xx|Socket errors' "$WORK/$f.txt" || true)"
done
python3 - "$WORK" "$INGEST_RATE" <<'PY'
import sys, re
w = sys.argv[1]
rps = lambda f: float(re.search(r"Requests/sec:\s+([\d.]+)", open(f"{w}/{f}.txt").read()).group(1))
print(f"answers/healthz throughput ratio: {rps('answers') / rps('health'):.2f}")
print(f"ingest interactions/s per healthz request/s: {float(sys.argv[2]) / rps('health'):.2f}")
PY
kill $SERVER; wait $SERVER 2>/dev/null || true

echo "== CSV import of $DATA/responses.csv"
export DATABASE_URL="sqlite://$WORK/import.db"
"$A" survey create --slug service --scale grade10 --question-nl a --question-en b >/dev/null
"$A" survey create --slug effort --scale ces7 --question-nl a --question-en b >/dev/null
"$A" import customers "$DATA/customers.csv" >/dev/null
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
c.executemany("insert into responses (id, invitation_id, survey_id, customer_id, score, comment, provenance, confirmed,"
              " suspect_scanner, answered_at, updated_at) values (?, null, ?, ?, ?, ?, 'import', 1, 0, ?, ?)",
              [r + (r[-1],) for r in rows])
c.commit()
base = time.time() - t0
print(f"import: acht {len(rows) / (e - s):,.0f} rows/s ({e - s:.2f}s); python sqlite3 executemany baseline {base:.2f}s; acht/baseline speed ratio {base / (e - s):.2f}")
PY
