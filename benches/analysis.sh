#!/usr/bin/env bash
# The whole analysis of one survey (Part A/B and the headline) with ~1,000,000 responses from
# 200,000 customers, loading from SQLite included, against the Python references doing the same
# (scripts/reference_analysis.py and scripts/reference_headline.py) on the same data in the same
# run. Needs hyperfine and a Python with scipy, statsmodels, lifelines and pandas: set PYTHON
# (default python3). Usage: benches/analysis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
cargo build --release -q
A="$PWD/target/release/acht"
WORK="$(mktemp -d /tmp/acht-analysis-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite://$WORK/big.db" ACHT_LOG=warn
"$A" demo --customers 200000
"$PY" - "$WORK" <<'PYEOF'
import csv, datetime, sqlite3, sys
w = sys.argv[1]
c = sqlite3.connect(f"{w}/big.db")
iso = lambda ms: "" if ms is None else datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(f"{w}/customers.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["customer_id", "email", "locale", "first_seen_at", "churned_at", "committed_until"])
    for r in c.execute("select external_id, email, locale, first_seen_at, churned_at, committed_until from customers"):
        out.writerow([r[0], r[1] or "", r[2], iso(r[3]), iso(r[4]), iso(r[5])])
with open(f"{w}/responses.csv", "w", newline="") as f:
    out = csv.writer(f); out.writerow(["customer_id", "survey", "score", "answered_at", "comment"])
    for r in c.execute("select c.external_id, s.slug, r.score, r.answered_at from responses r join customers c on c.id = r.customer_id "
                       "join surveys s on s.id = r.survey_id where s.slug = 'service' order by r.id"):
        out.writerow([r[0], r[1], r[2], iso(r[3]), ""])
n = c.execute("select count(*) from responses r join surveys s on s.id = r.survey_id where s.slug = 'service'").fetchone()[0]
print(f"service survey: {n} responses")
PYEOF
hyperfine --warmup 1 --runs 3 --export-markdown "$WORK/result.md" \
  "$A analyze --survey service --as-of 2026-06-30T00:00:00Z --json" \
  "$PY scripts/reference_analysis.py $WORK/customers.csv $WORK/responses.csv --survey service --scale grade10 --as-of 2026-06-30T00:00:00Z && $PY scripts/reference_headline.py $WORK/customers.csv $WORK/responses.csv --survey service --as-of 2026-06-30T00:00:00Z"
cat "$WORK/result.md"
