"""Generates small edge-case worlds for the golden tests and their reference analysis.

Usage: python scripts/make_worlds.py [OUT_DIR]   (default tests/fixtures)
Each world gets customers.csv, responses.csv (survey 'service', grade10) and
expected-service.json from scripts/reference_analysis.py (scipy, statsmodels, lifelines).
"""
import csv
import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc)
START = AS_OF - dt.timedelta(days=4 * 365)


def iso(t):
    return "" if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def world(name, n, yearly_churn, seed, whole_days=False):
    """Customers answer every 60-200 days; churn after an answer with a grade-driven hazard."""
    rng = random.Random(seed)
    customers, responses = [], []
    for i in range(n):
        cid = f"{name[:2].upper()}{i:05d}"
        first = START + dt.timedelta(days=rng.uniform(0, 4 * 365 - 30))
        if whole_days:
            first = first.replace(hour=0, minute=0, second=0, microsecond=0)
        mood = rng.uniform(-1.5, 1.5)
        t = first + dt.timedelta(days=rng.randint(1, 59))
        churned = None
        while t < AS_OF:
            grade = int(min(10, max(1, round(7.3 + mood + rng.uniform(-1.6, 1.6)))))
            responses.append((cid, "service", grade, iso(t), ""))
            gap = rng.randint(60, 199)
            p = 1 - (1 - min(0.95, yearly_churn(grade))) ** (gap / 365)
            if rng.random() < p:
                at = t + dt.timedelta(days=rng.randint(1, gap - 1))
                if whole_days:
                    at = at.replace(hour=0, minute=0, second=0, microsecond=0)
                churned = at if at < AS_OF else None
                break
            t += dt.timedelta(days=gap)
        customers.append((cid, f"{cid.lower()}@example.test", "nl", iso(first), iso(churned)))
    return customers, responses


WORLDS = {
    # Every step up keeps paying: no good-enough score.
    "noplateau": dict(n=3000, yearly_churn=lambda g: 0.05 + 0.05 * (10 - g), seed=11),
    # Nobody ever churns: survival parts cannot be computed.
    "nochurn": dict(n=300, yearly_churn=lambda g: 0.0, seed=12),
    # Answers and churn at midnight, so durations tie often.
    "ties": dict(n=800, yearly_churn=lambda g: 0.10 + 0.06 * max(0, 8 - g), seed=13, whole_days=True),
}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
    script = Path(__file__).with_name("reference_analysis.py")
    for name, spec in WORLDS.items():
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        customers, responses = world(name, **spec)
        with open(d / "customers.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["customer_id", "email", "locale", "first_seen_at", "churned_at"])
            w.writerows(customers)
        with open(d / "responses.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["customer_id", "survey", "score", "answered_at", "comment"])
            w.writerows(responses)
        with open(d / "expected-service.json", "w") as f:
            subprocess.run([sys.executable, str(script), str(d / "customers.csv"), str(d / "responses.csv"),
                            "--survey", "service", "--scale", "grade10", "--as-of", iso(AS_OF)], stdout=f, check=True)
        print(f"{name}: {len(customers)} customers, {len(responses)} responses")


if __name__ == "__main__":
    main()
