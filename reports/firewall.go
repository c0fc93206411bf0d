package reports

import (
	"fmt"
	"io"
	"strings"
)

// FixPrefix starts a remedy line in a failure or warning message: the first
// line of the message is the finding, each later line that starts with
// FixPrefix is a fix (package suites writes them this way).
const FixPrefix = "fix: "

// WriteFirewall writes the short report of "ftpconform firewall" for an
// operator at a terminal: one line per finding (failed checks, then warned
// ones), then what passed with its observations (the sampled port spread,
// the active source port) and what was skipped, then the fixes the
// findings name, numbered and without repeats, then a count line:
//
//	PROBLEM  accepts connections on every passive port it advertises: 6 of 20 sampled passive ports timed out (30010, ...): ...
//	ok       advertises passive ports inside the expected range
//	         passive ports: 40 replies (PASV and EPSV) from 20 sessions, ...
//	skipped  dials active data connections from the expected source port: no expected active source port given ...
//
//	What to fix:
//	  1. open TCP ports 30000-30099 (the passive range) inbound to the server ...
//
//	1 problem: 3 passed, 1 failed, 0 warned, 1 skipped
//
// A run compared with a plain FTP pass (Run.Comparison) starts with the
// diagnoses of the differences, and each check appears once: a finding
// of one pass only says which ("(TLS only)", "(plain FTP only)"). The
// fixes of the diagnoses come first and replace those of the checks they
// explain:
//
//	Plain FTP and explicit TLS compared:
//	DIAGNOSIS  passive ports are reachable in plain FTP but dropped under TLS: ...; open 30000-30099 explicitly
//	           plain FTP: 20 of 20 passive ports connected; TLS: 20 of 20 timed out (ports 30000, ...)
//	           explains POLICY-PASV-RANGE-REACHABLE, POLICY-EPSV-WORKS-NAT
//	DIFFERS    connects back to the client in active mode: plain FTP passed, explicit TLS failed (no known cause: ...)
//
//	PROBLEM  (TLS only) accepts connections on every passive port it advertises: 20 of 20 ...
func WriteFirewall(w io.Writer, r Run) error {
	var head, findings, passed, skipped strings.Builder
	var fixes []string
	seen := map[string]bool{}
	addFix := func(f string) {
		if !seen[f] {
			seen[f] = true
			fixes = append(fixes, f)
		}
	}
	addFixes := func(msg string) {
		for _, f := range fixesOf(msg) {
			addFix(f)
		}
	}
	line := func(b *strings.Builder, s string) { b.WriteString(displayText(s) + "\n") }

	cmp := r.Comparison
	plain := map[string]Check{}
	explained := map[string]bool{}
	diagnoses := 0
	if cmp != nil {
		mode := cmp.Mode
		if mode == "" {
			mode = "TLS"
		}
		if cmp.Plain == nil {
			line(&head, "Not compared with plain FTP: "+cmp.NotCompared)
		} else {
			for _, c := range cmp.Plain.Checks {
				plain[c.Key] = c
			}
			if len(cmp.Diagnoses) == 0 && len(cmp.Differences) == 0 {
				line(&head, "Plain FTP and "+mode+" compared: every check has the same verdict in both.")
			} else {
				line(&head, "Plain FTP and "+mode+" compared:")
			}
			for _, d := range cmp.Diagnoses {
				diagnoses++
				line(&head, "DIAGNOSIS  "+d.Message)
				if d.Evidence != "" {
					line(&head, "           "+d.Evidence)
				}
				if len(d.Keys) > 0 {
					line(&head, "           explains "+strings.Join(d.Keys, ", "))
				}
				addFix(d.Fix)
			}
			for _, d := range cmp.Differences {
				if d.Diagnosis != "" {
					explained[d.Key] = true
					continue
				}
				line(&head, fmt.Sprintf("DIFFERS    %s: plain FTP %s, %s %s (no known cause: compare the two passes' transcripts in the JSON report)", d.Title, d.Plain, mode, d.TLS))
			}
		}
		head.WriteString("\n")
	}
	// only says which pass alone has the finding, in a compared run.
	only := func(c Check, bad func(Verdict) bool) string {
		pc, ok := plain[c.Key]
		switch {
		case !ok:
			return ""
		case bad(c.Verdict) && !bad(pc.Verdict):
			return "(TLS only) "
		case !bad(c.Verdict) && bad(pc.Verdict):
			return "(plain FTP only) "
		}
		return ""
	}
	isFailed := func(v Verdict) bool { return v == VerdictFailed }
	isWarned := func(v Verdict) bool { return v == VerdictWarned }
	problems := 0
	var warned, plainOnly []Check
	for _, c := range r.Checks {
		if pc, ok := plain[c.Key]; ok && c.Verdict != VerdictFailed && (pc.Verdict == VerdictFailed || pc.Verdict == VerdictWarned) {
			plainOnly = append(plainOnly, pc)
		}
		switch c.Verdict {
		case VerdictFailed:
			problems++
			line(&findings, "PROBLEM  "+only(c, isFailed)+c.Title+": "+firstLine(c.Message))
			if !explained[c.Key] {
				addFixes(c.Message)
			}
		case VerdictWarned:
			warned = append(warned, c)
		case VerdictPassed:
			line(&passed, "ok       "+c.Title)
			for _, i := range c.Info {
				line(&passed, "         "+firstLine(i))
			}
		case VerdictSkipped:
			line(&skipped, "skipped  "+c.Title+": "+firstLine(c.Message))
		case VerdictBlocked:
			line(&skipped, "blocked  "+c.Title+": "+c.blockedText())
		case VerdictNotRun:
			line(&skipped, "not run  "+c.Title+": "+strings.TrimPrefix(c.notRunText(), "not run: "))
		}
	}
	for _, c := range warned {
		for _, wmsg := range c.Warnings {
			problems++
			line(&findings, "WARNING  "+only(c, isWarned)+c.Title+": "+firstLine(wmsg))
			addFixes(wmsg)
		}
	}
	for _, pc := range plainOnly {
		problems++
		if pc.Verdict == VerdictFailed {
			line(&findings, "PROBLEM  (plain FTP only) "+pc.Title+": "+firstLine(pc.Message))
			if !explained[pc.Key] {
				addFixes(pc.Message)
			}
			continue
		}
		line(&findings, "WARNING  (plain FTP only) "+pc.Title+": "+firstLine(strings.Join(pc.Warnings, "; ")))
		for _, wmsg := range pc.Warnings {
			addFixes(wmsg)
		}
	}
	var b strings.Builder
	b.WriteString(head.String())
	b.WriteString(findings.String())
	b.WriteString(passed.String())
	b.WriteString(skipped.String())
	switch {
	case problems == 0 && diagnoses == 0:
		b.WriteString("\nNo problems found.\n")
	case len(fixes) > 0:
		b.WriteString("\nWhat to fix:\n")
		for i, f := range fixes {
			line(&b, fmt.Sprintf("  %d. %s", i+1, f))
		}
	}
	b.WriteString("\n")
	if diagnoses > 0 {
		fmt.Fprintf(&b, "%d %s, ", diagnoses, plural(diagnoses, "diagnosis", "diagnoses"))
	}
	if problems > 0 || diagnoses > 0 {
		fmt.Fprintf(&b, "%d %s: ", problems, plural(problems, "problem", "problems"))
	}
	if cmp != nil && cmp.Plain != nil {
		mode := cmp.Mode
		if mode == "" {
			mode = "TLS"
		}
		b.WriteString(mode + ": ")
		writeTally(&b, Count(r.Checks).Tally)
		b.WriteString("; plain FTP: ")
		writeTally(&b, Count(cmp.Plain.Checks).Tally)
	} else {
		writeTally(&b, Count(r.Checks).Tally)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTally(b *strings.Builder, t Tally) {
	fmt.Fprintf(b, "%d passed, %d failed, %d warned, %d skipped", t.Passed, t.Failed, t.Warned, t.Skipped)
	if t.Blocked > 0 || t.NotRun > 0 {
		fmt.Fprintf(b, ", %d blocked, %d not run", t.Blocked, t.NotRun)
	}
}

// fixesOf extracts the remedies of a message: its FixPrefix lines, or,
// for messages written as one sentence, the part after the last "; "
// when it reads as an instruction.
func fixesOf(msg string) []string {
	var out []string
	for line := range strings.Lines(msg) {
		if f, ok := strings.CutPrefix(strings.TrimSpace(line), FixPrefix); ok && f != "" {
			out = append(out, f)
		}
	}
	if len(out) > 0 {
		return out
	}
	if f := fixOf(msg); f != "" {
		return []string{f}
	}
	return nil
}

// fixOf extracts the remedy a one-line diagnosis names: the part after the
// last "; " that reads as an instruction.
func fixOf(msg string) string {
	msg = firstLine(msg)
	i := strings.LastIndex(msg, "; ")
	if i < 0 {
		return ""
	}
	fix := strings.TrimSpace(msg[i+2:])
	for _, verb := range []string{"set ", "open ", "allow ", "check ", "configure ", "make ", "use ", "a firewall", "the server"} {
		if strings.HasPrefix(fix, verb) {
			return fix
		}
	}
	return ""
}
