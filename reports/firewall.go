package reports

import (
	"fmt"
	"io"
	"strings"
)

// WriteFirewall writes the short report of "ftpconform firewall": one line
// per finding (failed or warned check), then the fixes the diagnoses name,
// then the usual closing count line. It is meant for an operator reading a
// terminal, not for CI.
func WriteFirewall(w io.Writer, r Run) error {
	var b strings.Builder
	var fixes []string
	seen := map[string]bool{}
	findings := 0
	for _, c := range r.Checks {
		var text string
		switch c.Verdict {
		case VerdictFailed:
			text = "PROBLEM  " + c.Title + ": " + firstLine(c.Message)
		case VerdictWarned:
			if len(c.Warnings) == 0 {
				continue
			}
			text = "WARNING  " + c.Title + ": " + firstLine(c.Warnings[0])
		case VerdictPassed:
			text = "ok       " + c.Title
			for _, i := range c.Info {
				text += "\n         " + displayText(i)
			}
		case VerdictSkipped:
			text = "skipped  " + c.Title + ": " + firstLine(c.Message)
		default:
			continue
		}
		if c.Verdict == VerdictFailed || c.Verdict == VerdictWarned {
			findings++
			msg := c.Message
			if c.Verdict == VerdictWarned {
				msg = c.Warnings[0]
			}
			if fix := fixOf(msg); fix != "" && !seen[fix] {
				seen[fix] = true
				fixes = append(fixes, fix)
			}
		}
		b.WriteString(displayText(text) + "\n")
	}
	if findings == 0 {
		b.WriteString("\nNo problems found.\n")
	} else if len(fixes) > 0 {
		b.WriteString("\nWhat to fix:\n")
		for _, f := range fixes {
			b.WriteString("  - " + displayText(f) + "\n")
		}
	}
	t := Count(r.Checks).Tally
	fmt.Fprintf(&b, "%d passed, %d failed, %d warned, %d skipped\n", t.Passed, t.Failed, t.Warned, t.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

// fixOf extracts the remedy a diagnosis names: the part after the last
// "; " that reads as an instruction.
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
