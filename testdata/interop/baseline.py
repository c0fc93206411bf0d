#!/usr/bin/env python3
"""baseline.py — ftpconform verdict baselines for the interop runs.

  baseline.py from-json REPORT.json OUT.baseline
      Write the baseline of a JSON report, in the format of
      `ftpconform run --write-baseline` (for binaries that lack the flag).
  baseline.py compare EXPECTED.baseline GOT.baseline [--report REPORT.json]
      Print every check whose verdict differs; exit 1 when one does, 0 when
      none does. With --report, a key the run did not report at all is
      shown as "absent" instead of "passed".

Baseline format: UTF-8 text; '#' comments and blank lines are ignored; one
check per line, KEY<TAB>VERDICT<TAB>REASON, VERDICT being failed, warned,
skipped, blocked or not-run. A check that is not listed passed; filtered
checks are never listed. Only KEY and VERDICT are compared: REASON is for
the humans who review a baseline.
"""
import json
import re
import sys

# Verdicts that never appear in a baseline, and those that may.
UNLISTED = {"passed", "filtered"}
LISTED = {"failed", "warned", "skipped", "blocked", "not-run"}
# KEY, VERDICT, REASON: a TAB separates them; a run of spaces also separates
# the first two (hand-edited files), as ftpconform itself accepts.
LINE = re.compile(r"(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$")


def from_json(report_path, out_path):
    with open(report_path, encoding="utf-8") as f:
        rep = json.load(f)
    # Like `ftpconform run --write-baseline`: a line of OUT whose verdict is
    # unchanged keeps its reason, so hand-written reasons survive a rewrite.
    try:
        old = load(out_path)
    except (OSError, SystemExit):
        old = {}
    lines = [
        "# ftpconform verdict baseline (generated from a JSON report by baseline.py)",
        f"# target: {rep.get('target', '?')}",
        "# KEY<TAB>VERDICT<TAB>REASON; checks not listed passed",
    ]
    for chk in rep["checks"]:
        verdict = chk["verdict"]
        if verdict in UNLISTED:
            continue
        # One line per check: tabs and line breaks in the message become spaces.
        # A warned check usually has no message, only warnings.
        text = chk.get("message") or "; ".join(chk.get("warnings") or [])
        reason = " ".join(text.split())
        if old.get(chk["key"], ("", ""))[0] == verdict:
            reason = old[chk["key"]][1]
        lines.append(f"{chk['key']}\t{verdict}\t{reason}")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def load(path):
    """KEY -> (VERDICT, REASON) of a baseline file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = LINE.match(line.strip())
            if not m:
                sys.exit(f"{path}:{n}: not KEY<TAB>VERDICT<TAB>REASON: {line!r}")
            key, verdict, reason = m.group(1), m.group(2), m.group(3) or ""
            if verdict not in LISTED:
                sys.exit(f"{path}:{n}: verdict {verdict!r} is not one of {', '.join(sorted(LISTED))}")
            if key in out:
                sys.exit(f"{path}:{n}: {key} is listed twice")
            out[key] = (verdict, reason)
    return out


def compare(expected_path, got_path, report_path=None):
    expected, got = load(expected_path), load(got_path)
    reported = None
    if report_path:
        with open(report_path, encoding="utf-8") as f:
            reported = {c["key"] for c in json.load(f)["checks"]}

    def verdict(table, key, check_reported):
        if key in table:
            return table[key][0]
        if check_reported and reported is not None and key not in reported:
            return "absent"
        return "passed"

    diffs = []
    for key in sorted(set(expected) | set(got)):
        want = verdict(expected, key, False)
        have = verdict(got, key, True)
        if want != have:
            reason = got.get(key, expected.get(key, ("", "")))[1]
            diffs.append((key, want, have, reason))
    if not diffs:
        return 0
    width = max(len(d[0]) for d in diffs)
    print(f"  {'KEY':{width}}  {'EXPECTED':8}  {'GOT':8}  REASON (of the run, else of the baseline)")
    for key, want, have, reason in diffs:
        print(f"  {key:{width}}  {want:8}  {have:8}  {reason[:160]}")
    print(f"  {len(diffs)} changed verdict(s): {expected_path} vs {got_path}")
    return 1


def main(argv):
    if len(argv) == 3 and argv[0] == "from-json":
        from_json(argv[1], argv[2])
        return 0
    if len(argv) in (3, 5) and argv[0] == "compare":
        report = None
        if len(argv) == 5:
            if argv[3] != "--report":
                sys.exit(__doc__)
            report = argv[4]
        return compare(argv[1], argv[2], report)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
