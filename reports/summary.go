package reports

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"strings"
)

// ANSI SGR sequences used when colour is on.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
	ansiMagenta = "\x1b[35m"
)

// WriteSummary writes the end-of-run summary for a terminal:
//
//	Run stopped early: the server stopped answering during RFC959-4.1.3-NOOP
//
//	LEVEL   PASSED  FAILED  WARNED  SKIPPED  BLOCKED  NOT-RUN
//	MUST        12       1       0        2        2        1
//	…
//
//	RFC     PASSED  FAILED  WARNED  SKIPPED  BLOCKED  NOT-RUN
//	rfc959      10       1       1        2        2        1
//	TOTAL       15       1       1        3        2        1
//
//	Failed:
//	FAIL [RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password
//	     expected one of 530; got 230 "Welcome"
//
//	Known deviations (baseline):
//	KNOWN [RFC959-4.1.3-STAT-CODES] answers STAT with a listed code
//	     known deviation (baseline: vendor bug #12)
//	     expected one of 211, 212, 213; got 500 "Unknown command"
//
//	Warnings:
//	WARN [RFC959-4.2-ML-FIRST] …
//	     …
//
//	Blocked:
//	RFC1123-4.1.2.6-PASV-MUST blocked 2 checks:
//	     [RFC959-4.1.3-LIST] lists the working directory
//	     [RFC959-4.1.3-RETR] retrieves a file
//
//	Not run: 1 check (the server stopped answering during RFC959-4.1.3-NOOP)
//
//	Baseline vsftpd.baseline: 1 known failure, 0 new, …  (see WriteBaselineSummary)
//
//	40 checks excluded by the filter.
//	15 passed, 1 failed, 1 warned, 3 skipped, 2 blocked, 1 not run
//
// The first line says why the run stopped, when it did. Failures come
// first (those the baseline does not expect, then the known ones), then
// warnings, then blocked checks grouped by the root check that blocked
// them, then checks not run, counted by reason. With a baseline applied
// (Run.Baseline), its comparison follows. The last line always starts
// with the four counts in that form; ", N blocked, M not run" is added
// when either is non-zero. The level table always shows
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
	if r.TLS != "" {
		fmt.Fprintf(bw, "TLS: %s\n\n", displayText(r.TLS))
	}
	if r.Stopped != "" {
		fmt.Fprintf(bw, "%s %s\n\n", paint(ansiBold+ansiRed, "Run stopped early:"), displayText(firstLine(r.Stopped)))
	}
	header := func(first string) {
		line := fmt.Sprintf("%-*s  %6s  %6s  %6s  %7s  %7s  %7s", width, first, "PASSED", "FAILED", "WARNED", "SKIPPED", "BLOCKED", "NOT-RUN")
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
		fmt.Fprintf(bw, "%-*s  %s  %s  %s  %s  %s  %s\n", width, displayText(name),
			num(ansiGreen, t.Passed, 6), num(ansiRed, t.Failed, 6),
			num(ansiYellow, t.Warned, 6), num(ansiCyan, t.Skipped, 7),
			num(ansiMagenta, t.Blocked, 7), num(ansiCyan, t.NotRun, 7))
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

	list := func(title string, want func(Check) bool, word, code string, details func(Check) []string) {
		first := true
		for _, c := range r.Checks {
			if !want(c) {
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
	is := func(v Verdict) func(Check) bool { return func(c Check) bool { return c.Verdict == v } }
	list("Failed:", func(c Check) bool { return c.Verdict == VerdictFailed && !c.known() }, "FAIL", ansiRed, func(c Check) []string {
		return append([]string{c.Message}, c.Warnings...)
	})
	list("Known deviations (baseline):", func(c Check) bool { return c.Verdict == VerdictFailed && c.known() }, "KNOWN", ansiYellow, func(c Check) []string {
		return append([]string{c.knownText(), c.Message}, c.Warnings...)
	})
	list("Warnings:", is(VerdictWarned), "WARN", ansiYellow, func(c Check) []string {
		return c.Warnings
	})
	writeBlocked(bw, r.Checks, paint)
	writeNotRun(bw, r.Checks, paint)
	if r.Baseline != nil {
		fmt.Fprintln(bw)
		if err := WriteBaselineSummary(bw, *r.Baseline); err != nil {
			return err
		}
	}

	fmt.Fprintln(bw)
	if counts.Filtered > 0 {
		fmt.Fprintf(bw, "%d %s excluded by the filter.\n", counts.Filtered, plural(counts.Filtered, "check", "checks"))
	}
	fmt.Fprintf(bw, "%d passed, %d failed, %d warned, %d skipped",
		counts.Passed, counts.Failed, counts.Warned, counts.Skipped)
	if counts.Blocked > 0 || counts.NotRun > 0 {
		fmt.Fprintf(bw, ", %d blocked, %d not run", counts.Blocked, counts.NotRun)
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

// maxBlockedListed is how many blocked checks the summary names per root.
const maxBlockedListed = 10

// writeBlocked lists blocked checks grouped by the check that blocked
// them, roots in the order their first dependent appears.
func writeBlocked(w io.Writer, checks []Check, paint func(code, s string) string) {
	var roots []string
	byRoot := map[string][]Check{}
	for _, c := range checks {
		if c.Verdict != VerdictBlocked {
			continue
		}
		root := cmp.Or(c.BlockedBy, "(unknown)")
		if _, ok := byRoot[root]; !ok {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], c)
	}
	if len(roots) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", paint(ansiBold, "Blocked:"))
	for _, root := range roots {
		l := byRoot[root]
		fmt.Fprintf(w, "%s blocked %d %s:\n", paint(ansiMagenta, displayText(root)), len(l), plural(len(l), "check", "checks"))
		for i, c := range l {
			if i == maxBlockedListed {
				fmt.Fprintf(w, "     … and %d more\n", len(l)-i)
				break
			}
			fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(displayText(c.heading()), "\n", " "))
		}
	}
}

// writeNotRun counts the checks not run, by reason.
func writeNotRun(w io.Writer, checks []Check, paint func(code, s string) string) {
	var reasons []string
	count := map[string]int{}
	for _, c := range checks {
		if c.Verdict != VerdictNotRun {
			continue
		}
		reason := strings.TrimPrefix(c.notRunText(), "not run: ")
		if count[reason] == 0 {
			reasons = append(reasons, reason)
		}
		count[reason]++
	}
	if len(reasons) > 0 {
		fmt.Fprintln(w)
	}
	for _, reason := range reasons {
		n := count[reason]
		fmt.Fprintf(w, "%s %d %s (%s)\n", paint(ansiBold, "Not run:"), n, plural(n, "check", "checks"), displayText(reason))
	}
}

// ProgressLine returns one line for a live display of the run, without a
// trailing newline or colours:
//
//	PASS  [RFC959-4.2-ML-FIRST] starts a multi-line reply with "xyz-" (0.12s)
//	FAIL  [RFC959-5.4-PASS-CODES] answers 530 to a wrong password (0.30s) — expected one of 530; got 230 "Welcome"
//	WARN  [RFC959-5.4-STOR-CODES] answers STOR with a listed code (0.05s) — 550 is not listed for STOR
//	SKIP  [RFC2428-3-EPSV] opens a data connection with EPSV — EPSV not implemented (502)
//	BLOCKED  [RFC959-4.1.3-LIST] lists the working directory — blocked by RFC1123-4.1.2.6-PASV-MUST: needs passive mode
//	NOT RUN  [RFC959-4.1.3-QUIT] answers QUIT with 221 — the server stopped answering during RFC959-4.1.3-NOOP
//	KNOWN  [RFC959-4.1.3-STAT] answers STAT (0.10s) — known deviation (baseline: vendor bug): got 500
//
// A check with baseline information (see Baseline.Apply and
// Baseline.Annotate) shows a known failure as KNOWN, and a passing check
// the baseline expected to fail as "fixed: remove it from the baseline".
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
		if c.known() {
			word = "KNOWN"
			detail = c.knownText() + ": " + detail
		}
	case VerdictWarned:
		word = "WARN"
		if len(c.Warnings) > 0 {
			detail = firstLine(c.Warnings[0])
		}
	case VerdictSkipped:
		word, detail, timed = "SKIP", firstLine(c.Message), false
	case VerdictBlocked:
		word, detail, timed = "BLOCKED", c.blockedText(), false
	case VerdictNotRun:
		word, detail, timed = "NOT RUN", strings.TrimPrefix(c.notRunText(), "not run: "), false
	default:
		return ""
	}
	if note := c.baselineNote(); note != "" {
		detail = strings.TrimPrefix(detail+"; "+note, "; ")
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
