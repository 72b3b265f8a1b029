"""The one rule of acht's API that its schema cannot state.

A reported time (`occurred_at`) must lie between 2000-01-01 and a day after the server's clock
(`ACHT_TIME_AHEAD_HOURS`). The schema's pattern states the years 2000 to 2099; a bound relative
to "now" cannot be written in JSON Schema. Schemathesis draws schema-valid times up to 2099 and
then expects them to be accepted, so this hook moves a drawn time that lies more than a day
ahead back to now, just before the request is sent. Every other value schemathesis draws, and
every time it draws that is not schema-valid, goes out unchanged, so the contract check still
holds the server to everything else. The rule itself is tested in tests/it/survey_loop.rs
(`times_outside_2000_to_a_day_ahead_are_refused`).

Loaded by scripts/api_contract.sh through SCHEMATHESIS_HOOKS.
"""

import datetime

import schemathesis

TIME_FIELDS = {"occurred_at"}
# A little under the server's day, so that a time drawn close to the edge cannot cross it
# between this hook and the server's check.
AHEAD = datetime.timedelta(hours=23)


def _too_far_ahead(value):
    if not isinstance(value, str):
        return False
    try:
        t = datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    if t.tzinfo is None:
        return False
    return t > datetime.datetime.now(datetime.timezone.utc) + AHEAD


def _bring_back(value):
    if isinstance(value, dict):
        return {
            k: datetime.datetime.now(datetime.timezone.utc).isoformat()
            if k in TIME_FIELDS and _too_far_ahead(v)
            else _bring_back(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_bring_back(v) for v in value]
    return value


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if isinstance(case.body, (dict, list)):
        case.body = _bring_back(case.body)
