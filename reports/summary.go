package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ANSI SGR sequences used when colour is on.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// WriteSummary writes the end-of-run summary for a terminal:
//
//	LEVEL   PASSED  FAILED  WARNED  SKIPPED
//	MUST        12       1       0        2
//	SHOULD       3       0       1        0
//	MAY          0       0       0        1
//	POLICY       0       0       0        0
//
//	RFC     PASSED  FAILED  WARNED  SKIPPED
//	rfc959      10       1       1        2
//	rfc1123      5       0       0        1
//	TOTAL       15       1       1        3
//
//	Failed:
//	FAIL [RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password
//	     expected one of 530; got 230 "Welcome"
//
//	Warnings:
//	WARN [RFC959-4.2-ML-FIRST] …
//	     …
//
//	40 checks excluded by the filter.
//	15 passed, 1 failed, 1 warned, 3 skipped
//
// The last line always has exactly that form. The level table always shows
// the four levels; the RFC table shows the groups that have checks. With
// color, verdict words and non-zero counts are coloured with ANSI escapes;
// the last line never is. Text from the server is escaped so that it
// cannot drive the terminal.
func WriteSummary(w io.Writer, r Run, color bool) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	counts := Count(r.Checks) // the checks are the truth, whatever r.Counts says

	levels := levelOrder(counts.ByLevel)
	rfcs := rfcOrder(mapKeys(counts.ByRFC))
	width := len("TOTAL")
	for _, name := range append(append([]string{}, levels...), rfcs...) {
		width = max(width, len(displayText(name)))
	}
	header := func(first string) {
		line := fmt.Sprintf("%-*s  %6s  %6s  %6s  %7s", width, first, "PASSED", "FAILED", "WARNED", "SKIPPED")
		fmt.Fprintln(bw, paint(ansiBold, line))
	}
	row := func(name string, t Tally) {
		num := func(code string, n, w int) string {
			s := fmt.Sprintf("%*d", w, n)
			if n == 0 {
				return s
			}
			return paint(code, s)
		}
		fmt.Fprintf(bw, "%-*s  %s  %s  %s  %s\n", width, displayText(name),
			num(ansiGreen, t.Passed, 6), num(ansiRed, t.Failed, 6),
			num(ansiYellow, t.Warned, 6), num(ansiCyan, t.Skipped, 7))
	}

	header("LEVEL")
	for _, l := range levels {
		name := levelName(l)
		row(name, counts.ByLevel[l])
	}
	fmt.Fprintln(bw)
	header("RFC")
	for _, g := range rfcs {
		row(g, counts.ByRFC[g])
	}
	row("TOTAL", counts.Tally)

	list := func(title string, v Verdict, word, code string, details func(Check) []string) {
		first := true
		for _, c := range r.Checks {
			if c.Verdict != v {
				continue
			}
			if first {
				fmt.Fprintf(bw, "\n%s\n", paint(ansiBold, title))
				first = false
			}
			fmt.Fprintf(bw, "%s %s\n", paint(code, word), displayText(c.heading()))
			for _, d := range details(c) {
				for line := range strings.Lines(strings.TrimRight(displayText(d), "\n")) {
					fmt.Fprintf(bw, "     %s\n", strings.TrimRight(line, "\n"))
				}
			}
		}
	}
	list("Failed:", VerdictFailed, "FAIL", ansiRed, func(c Check) []string {
		return append([]string{c.Message}, c.Warnings...)
	})
	list("Warnings:", VerdictWarned, "WARN", ansiYellow, func(c Check) []string {
		return c.Warnings
	})

	fmt.Fprintln(bw)
	if counts.Filtered > 0 {
		fmt.Fprintf(bw, "%d %s excluded by the filter.\n", counts.Filtered, plural(counts.Filtered, "check", "checks"))
	}
	fmt.Fprintf(bw, "%d passed, %d failed, %d warned, %d skipped\n",
		counts.Passed, counts.Failed, counts.Warned, counts.Skipped)
	return bw.Flush()
}

// ProgressLine returns one line for a live display of the run, without a
// trailing newline or colours:
//
//	PASS  [RFC959-4.2-ML-FIRST] starts a multi-line reply with "xyz-" (0.12s)
//	FAIL  [RFC959-5.4-PASS-CODES] answers 530 to a wrong password (0.30s) — expected one of 530; got 230 "Welcome"
//	WARN  [RFC959-5.4-STOR-CODES] answers STOR with a listed code (0.05s) — 550 is not listed for STOR
//	SKIP  [RFC2428-3-EPSV] opens a data connection with EPSV — EPSV not implemented (502)
//
// A failed check shows the first line of its message, a warned one its
// first warning, a skipped one its reason, cut to a reasonable length. A
// filtered check gives the empty string: there is nothing to show.
func ProgressLine(c Check) string {
	const maxDetail = 160
	var word, detail string
	timed := true
	switch c.Verdict {
	case VerdictPassed:
		word = "PASS"
	case VerdictFailed:
		word, detail = "FAIL", firstLine(c.Message)
	case VerdictWarned:
		word = "WARN"
		if len(c.Warnings) > 0 {
			detail = firstLine(c.Warnings[0])
		}
	case VerdictSkipped:
		word, detail, timed = "SKIP", firstLine(c.Message), false
	default:
		return ""
	}
	line := word + "  " + c.heading()
	if timed {
		line += fmt.Sprintf(" (%.2fs)", c.Duration.Seconds())
	}
	if detail != "" {
		line += " — " + shorten(detail, maxDetail)
	}
	return strings.ReplaceAll(displayText(line), "\n", " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
