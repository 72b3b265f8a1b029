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
# A world of 200,000 customers whose latest grade drives churn (about 1M answers), imported
# into SQLite as a company would.
"$PY" scripts/simulate_headline.py write "$WORK" --type latest --customers 200000 --seed 1
"$A" survey create --slug service --scale grade10 --question-nl "Cijfer?" --question-en "Grade?" >/dev/null
"$A" import customers "$WORK/customers.csv"
"$A" import responses "$WORK/responses.csv"
echo "service survey: $(($(wc -l < "$WORK/responses.csv") - 1)) responses"
hyperfine --warmup 1 --runs 3 --export-markdown "$WORK/result.md" \
  "$A analyze --survey service --as-of 2026-06-30T00:00:00Z --json" \
  "$PY scripts/reference_analysis.py $WORK/customers.csv $WORK/responses.csv --survey service --scale grade10 --as-of 2026-06-30T00:00:00Z && $PY scripts/reference_headline.py $WORK/customers.csv $WORK/responses.csv --survey service --as-of 2026-06-30T00:00:00Z"
cat "$WORK/result.md"
