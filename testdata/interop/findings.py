#!/usr/bin/env python3
"""findings.py REPORT.json [--transcripts] [--all]

Prints every failed, warned (and, with --all, skipped) check of an
ftpconform JSON report: key, verdict, level, message, warnings and, with
--transcripts, the transcript (so that the server's exact replies can be
quoted when a finding is classified).
"""
import json
import sys


def main(argv):
    paths = [a for a in argv if not a.startswith("--")]
    show_tx = "--transcripts" in argv
    show_all = "--all" in argv
    for path in paths:
        with open(path) as f:
            rep = json.load(f)
        c = rep["counts"]
        print(f"== {path}: {rep['target']}  {rep['duration_seconds']:.1f}s  "
              f"passed {c['passed']} failed {c['failed']} warned {c['warned']} "
              f"skipped {c['skipped']} total {c['total']}")
        for chk in rep["checks"]:
            v = chk["verdict"]
            if v == "passed" and not chk.get("warnings"):
                continue
            if v == "skipped" and not show_all:
                continue
            print(f"\n-- {v.upper():8} {chk['key']}  [{chk['level']}] {chk['title']}")
            if chk.get("message"):
                print("   message:", chk["message"])
            for w in chk.get("warnings") or []:
                print("   warning:", w)
            if show_tx and chk.get("transcript"):
                for line in chk["transcript"].splitlines():
                    print("   |", line)


if __name__ == "__main__":
    main(sys.argv[1:])
