#!/usr/bin/env python3
"""Where a benchmark workload's CPU went, for benches/bench.sh.

  cpu.py snap FILE PID...           the machine's CPU counters and acht's (the PIDs) into FILE
  cpu.py report BEFORE AFTER NAME REQUESTS RESULTS
                                    CPU ms per 1,000 requests: acht, PostgreSQL, the rest (the
                                    load generator, mostly), and the share of the machine idle;
                                    appended to RESULTS as `cpu-NAME<TAB>acht<TAB>pg<TAB>rest<TAB>idle%`

On a machine where every process shares the same cores, requests/s is the cores divided by the
CPU one request costs in all; these figures say whose CPU that is, and whether the cores were
busy at all (a second instance can only add throughput where they were not).
PostgreSQL's share is every `postgres` process's time plus what its exited children left to
the postmaster (cutime), so connections opened and closed during the run count too. Only a
PostgreSQL on this machine, in this PID namespace, is seen: a remote one's CPU is in no column
(and one in a container's namespace lands in "the rest"). The interval is a little longer than
the run (wrk's start and exit), and this script's own run counts as "the rest".
"""
import json
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def proc_times(pid):
    """(comm, own ticks, reaped children's ticks) of a process, or None once it is gone."""
    try:
        raw = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    f = raw[raw.rindex(")") + 2 :].split()
    # fields 14-17 of proc(5), counted from `state` (field 3) here
    return comm, int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def snap(path, pids):
    cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = cpu[:7]
    steal = cpu[7] if len(cpu) > 7 else 0
    acht = sum((proc_times(p) or ("", 0, 0))[1] for p in pids)
    pg = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            t = proc_times(d)
            if t and t[0] == "postgres":
                pg += t[1] + t[2]
    json.dump({"busy": user + nice + system + irq + softirq, "idle": idle + iowait, "steal": steal,
               "acht": acht, "pg": pg}, open(path, "w"))


def report(before, after, name, requests, results):
    if requests <= 0:
        print("  CPU per 1,000: no request completed")
        return
    a, b = json.load(open(before)), json.load(open(after))
    d = {k: b[k] - a[k] for k in a}
    ms = lambda ticks: ticks * 1000 / TICK / (requests / 1000)
    rest = d["busy"] - d["acht"] - d["pg"]
    total = d["busy"] + d["idle"] + d["steal"]
    idle = 100 * d["idle"] / total if total else 0
    print(f"  CPU per 1,000: acht {ms(d['acht']):.0f} ms, PostgreSQL {ms(d['pg']):.0f} ms, "
          f"load generator and the rest {ms(rest):.0f} ms; machine idle {idle:.0f}%"
          + (f", stolen {100 * d['steal'] / total:.0f}%" if d["steal"] else ""))
    with open(results, "a") as out:
        out.write(f"cpu-{name}\t{ms(d['acht']):.1f}\t{ms(d['pg']):.1f}\t{ms(rest):.1f}\t{idle:.1f}\n")


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2], sys.argv[3:])
    else:
        report(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6])
