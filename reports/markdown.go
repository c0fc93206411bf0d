package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a run's summary in Markdown, for a CI job's summary
// page (GitHub's $GITHUB_STEP_SUMMARY, a merge request comment): the
// verdict, the totals by level, and every failure and warning with a
// one-line reason.
//
//	## ftpconform: NOT CONFORMANT — ftp://conform@host:21
//	| level | passed | failed | warned | skipped | blocked | not run |
//	...
//	### Failures
//	- **RFC959-4.2-CRLF** (MUST) ends every reply line with CRLF — bare LF after "200 OK"
func WriteMarkdown(w io.Writer, r Run) error {
	bw := bufio.NewWriter(w)
	counts := Count(r.Checks)
	status := "conformant"
	if r.Failed() {
		status = "NOT CONFORMANT"
	}
	if r.Interrupted {
		status += " (interrupted)"
	}
	fmt.Fprintf(bw, "## %s: %s", mdText(r.Tool), status)
	if r.Target != "" {
		fmt.Fprintf(bw, " — `%s`", mdCode(r.Target))
	}
	fmt.Fprintln(bw)
	fmt.Fprintln(bw)
	if r.TLS != "" {
		fmt.Fprintf(bw, "TLS: %s\n\n", mdText(r.TLS))
	}
	if r.Stopped != "" {
		fmt.Fprintf(bw, "**Run stopped early:** %s\n\n", mdText(firstLine(r.Stopped)))
	}
	fmt.Fprintln(bw, "| level | passed | failed | warned | skipped | blocked | not run |")
	fmt.Fprintln(bw, "|---|---:|---:|---:|---:|---:|---:|")
	row := func(name string, t Tally) {
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d | %d |\n", name, t.Passed, t.Failed, t.Warned, t.Skipped, t.Blocked, t.NotRun)
	}
	for _, l := range levelOrder(counts.ByLevel) {
		row(mdText(levelName(l)), counts.ByLevel[l])
	}
	row("**total**", counts.Tally)
	list := func(title string, keep func(Check) bool, reason func(Check) string) {
		var lines []string
		for _, c := range r.reported() {
			if keep(c) {
				lines = append(lines, fmt.Sprintf("- **%s** (%s) %s — %s", mdText(c.Key), mdText(c.Level), mdText(c.Title), mdText(shorten(firstLine(reason(c)), 200))))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(bw, "\n### %s (%d)\n\n%s\n", title, len(lines), strings.Join(lines, "\n"))
		}
	}
	list("Failures", func(c Check) bool { return c.Verdict == VerdictFailed && !c.known() }, func(c Check) string { return c.Message })
	list("Warnings", func(c Check) bool { return c.Verdict == VerdictWarned }, func(c Check) string {
		if len(c.Warnings) > 0 {
			return c.Warnings[0]
		}
		return c.Message
	})
	list("Known deviations (baseline)", func(c Check) bool { return c.Verdict == VerdictFailed && c.known() }, func(c Check) string { return c.knownText() })
	return bw.Flush()
}

// mdText makes server text safe in a Markdown line: no line breaks, and
// the characters Markdown would read as markup escaped.
func mdText(s string) string {
	s = displayText(strings.Join(strings.Fields(s), " "))
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "|", `\|`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// mdCode is text for inside a code span: no backquotes, no line breaks.
func mdCode(s string) string {
	return strings.ReplaceAll(displayText(strings.Join(strings.Fields(s), " ")), "`", "'")
}
