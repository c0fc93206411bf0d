#!/usr/bin/env python3
"""baseline.py REPORT.json [--filter] — did the run keep every verdict of its baseline?

The interop run passes the committed baseline to ftpconform itself
(`ftpconform run --baseline FILE`), which compares every verdict with it
and records the outcome in the JSON report's "baseline" object. This script
prints each difference (new failures, fixed checks, changed verdicts,
stale baseline lines) with the verdict expected and the verdict got, and
exits 1 when there is any; known deviations are no difference. The format
of a baseline is ftpconform's (docs/baselines.md). With --filter it prints
instead a label filter that selects the checks that differ (their
requirement IDs), for a second run of just those.
"""
import json
import sys


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--filter"):
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        rep = json.load(f)
    b = rep.get("baseline")
    if b is None:
        sys.exit(f"{argv[1]}: the run used no baseline")
    checks = {c["key"]: c for c in rep["checks"]}
    rows = []
    for kind in ("new", "fixed", "changed", "stale"):
        for key in b[kind]:
            c = checks.get(key, {})
            expected = c.get("baseline_verdict") or ("passed" if kind != "stale" else "?")
            got = c.get("verdict", "absent")
            reason = c.get("message") or (c.get("warnings") or [""])[0] or c.get("baseline", "")
            rows.append((kind, key, expected, got, " ".join(reason.split())))
    if len(argv) == 3:
        ids = sorted({key.split("/")[0] for _, key, _, _, _ in rows})
        print(" || ".join(ids))
        return 0
    if not rows:
        print(f"   same as the baseline ({b['known']} known deviations)")
        return 0
    width = max(len(r[1]) for r in rows)
    print(f"   {'':7}  {'KEY':{width}}  {'EXPECTED':14}  {'GOT':8}  WHAT THE RUN SAID")
    for kind, key, expected, got, reason in rows:
        print(f"   {kind:7}  {key:{width}}  {expected:14}  {got:8}  {reason[:140]}")
    print(f"   {len(rows)} changed verdict(s) against {b['file']}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
