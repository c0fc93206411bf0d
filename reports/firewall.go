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
func WriteFirewall(w io.Writer, r Run) error {
	var findings, passed, skipped strings.Builder
	var fixes []string
	seen := map[string]bool{}
	addFixes := func(msg string) {
		for _, f := range fixesOf(msg) {
			if !seen[f] {
				seen[f] = true
				fixes = append(fixes, f)
			}
		}
	}
	problems := 0
	var warned []Check
	for _, c := range r.Checks {
		switch c.Verdict {
		case VerdictFailed:
			problems++
			findings.WriteString(displayText("PROBLEM  "+c.Title+": "+firstLine(c.Message)) + "\n")
			addFixes(c.Message)
		case VerdictWarned:
			warned = append(warned, c)
		case VerdictPassed:
			passed.WriteString(displayText("ok       "+c.Title) + "\n")
			for _, i := range c.Info {
				passed.WriteString(displayText("         "+firstLine(i)) + "\n")
			}
		case VerdictSkipped:
			skipped.WriteString(displayText("skipped  "+c.Title+": "+firstLine(c.Message)) + "\n")
		case VerdictBlocked:
			skipped.WriteString(displayText("blocked  "+c.Title+": "+c.blockedText()) + "\n")
		case VerdictNotRun:
			skipped.WriteString(displayText("not run  "+c.Title+": "+strings.TrimPrefix(c.notRunText(), "not run: ")) + "\n")
		}
	}
	for _, c := range warned {
		for _, wmsg := range c.Warnings {
			problems++
			findings.WriteString(displayText("WARNING  "+c.Title+": "+firstLine(wmsg)) + "\n")
			addFixes(wmsg)
		}
	}
	var b strings.Builder
	b.WriteString(findings.String())
	b.WriteString(passed.String())
	b.WriteString(skipped.String())
	switch {
	case problems == 0:
		b.WriteString("\nNo problems found.\n")
	case len(fixes) > 0:
		b.WriteString("\nWhat to fix:\n")
		for i, f := range fixes {
			b.WriteString(displayText(fmt.Sprintf("  %d. %s", i+1, f)) + "\n")
		}
	}
	t := Count(r.Checks).Tally
	b.WriteString("\n")
	if problems > 0 {
		fmt.Fprintf(&b, "%d %s: ", problems, plural(problems, "problem", "problems"))
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d warned, %d skipped", t.Passed, t.Failed, t.Warned, t.Skipped)
	if t.Blocked > 0 || t.NotRun > 0 {
		fmt.Fprintf(&b, ", %d blocked, %d not run", t.Blocked, t.NotRun)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
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
