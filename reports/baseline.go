package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A baseline is a file of the verdicts expected of one server, so that a
// server with known deviations gates CI on regressions only
// ("ftpconform run --baseline FILE"; "--write-baseline FILE" writes one
// from a run). The format is UTF-8 text, one check per line:
//
//	# ftpconform baseline for ftp://conform@192.0.2.7:21
//	RFC959-4.1.3-STAT-CODES<TAB>failed<TAB>answers STAT with 500
//	RFC2428-3-EPSV<TAB>skipped<TAB>EPSV not implemented (502)
//	RFC959-5.4-STOR-CODES    warned    550 is not listed for STOR
//	RFC959-4.1.3-LIST-DIR<TAB>blocked<TAB>blocked by RFC1123-4.1.2.6-PASV-MUST
//
// Each line is KEY, VERDICT and REASON, separated by a TAB; a run of
// spaces or tabs also separates them, for hand editing. KEY is the check's
// key as every report shows it; VERDICT is one of failed, warned, skipped,
// blocked or not-run (passed is what a check not listed is expected to
// do, so it is not written; filtered checks are never listed); REASON is
// the rest of the line, for the people who read the file, and may be
// empty. VERDICT may also list alternatives separated by "|", passed among
// them ("passed|warned"): a check known to be inconsistent on that server
// (a timing or race check whose two attempts sometimes disagree); any of
// them is as expected. Lines that are blank or whose first non-blank character is "#"
// are comments. A line may end in CRLF; a byte order mark at the start is
// ignored.
//
// Baseline.Apply compares a run with the baseline: a check that fails as
// the baseline expects is a known deviation and does not fail the run; a
// failure the baseline does not expect is new and does; see
// BaselineResult for the other outcomes.

// Baseline is a parsed baseline file.
type Baseline struct {
	// File names the baseline in messages and reports (usually its path).
	File    string
	Entries []BaselineEntry // in file order; keys are unique
}

// BaselineEntry is one line of a baseline: the verdict expected of a check.
type BaselineEntry struct {
	Key     string
	Verdict Verdict // never VerdictPassed or VerdictFiltered
	Reason  string
	Line    int // line number in the file, 1-based; 0 when not read from a file
}

// baselineVerdicts are the verdicts a baseline may list.
var baselineVerdicts = []Verdict{VerdictFailed, VerdictWarned, VerdictSkipped, VerdictBlocked, VerdictNotRun}

// maxBaselineLine bounds a baseline line; longer lines are an error.
const maxBaselineLine = 64 << 10

// maxBaselineReason is the length at which WriteBaseline cuts a reason.
const maxBaselineReason = 200

// ReadBaseline parses a baseline (see the format above). name is used in
// errors, which have the form "name:line: what is wrong": an unknown or
// missing verdict, "passed" or "filtered" listed, a duplicate key, a line
// that is not UTF-8 or holds control characters.
func ReadBaseline(r io.Reader, name string) (Baseline, error) {
	b := Baseline{File: name}
	first := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxBaselineLine)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		e, err := parseBaselineLine(text)
		if err != nil {
			return Baseline{}, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if e.Key == "" {
			continue
		}
		if prev, dup := first[e.Key]; dup {
			return Baseline{}, fmt.Errorf("%s:%d: %s is listed twice (first on line %d)", name, n, e.Key, prev)
		}
		first[e.Key] = n
		e.Line = n
		b.Entries = append(b.Entries, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Baseline{}, fmt.Errorf("%s:%d: line longer than %d bytes: %w", name, n+1, maxBaselineLine, err)
		}
		return Baseline{}, fmt.Errorf("reading baseline %s: %w", name, err)
	}
	return b, nil
}

// parseBaselineLine parses one line; a comment or blank line gives an
// entry with an empty key.
func parseBaselineLine(line string) (BaselineEntry, error) {
	if !utf8.ValidString(line) {
		return BaselineEntry{}, errors.New("not UTF-8")
	}
	if i := strings.IndexFunc(line, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(line[i:])
		return BaselineEntry{}, fmt.Errorf("control character %U in column %d", r, utf8.RuneCountInString(line[:i])+1)
	}
	rest := strings.TrimLeft(line, " \t")
	if rest == "" || rest[0] == '#' {
		return BaselineEntry{}, nil
	}
	key, rest := cutField(rest)
	word, rest := cutField(rest)
	if word == "" {
		return BaselineEntry{}, fmt.Errorf("%s has no verdict (want KEY<TAB>VERDICT<TAB>REASON)", key)
	}
	v, err := baselineVerdict(word)
	if err != nil {
		return BaselineEntry{}, fmt.Errorf("%s: %w", key, err)
	}
	if key == SuiteKey {
		return BaselineEntry{}, fmt.Errorf("%s cannot be listed: a broken run is never expected", SuiteKey)
	}
	return BaselineEntry{Key: key, Verdict: v, Reason: strings.TrimRight(rest, " \t")}, nil
}

// cutField splits s at its first run of spaces and tabs.
func cutField(s string) (field, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

func baselineVerdict(word string) (Verdict, error) {
	alts := strings.Split(strings.ToLower(word), "|")
	for i, a := range alts {
		v := Verdict(a)
		switch {
		case slices.Contains(baselineVerdicts, v):
		case v == VerdictPassed && len(alts) > 1:
			// "passed|warned": a check known to be inconsistent
		case v == VerdictPassed:
			return "", errors.New(`"passed" is not listed: a check the baseline does not list is expected to pass`)
		case v == VerdictFiltered:
			return "", errors.New(`"filtered" is not listed: leave filtered checks out`)
		default:
			return "", fmt.Errorf("unknown verdict %q (want failed, warned, skipped, blocked or not-run, or alternatives such as passed|warned)", a)
		}
		if slices.Contains(alts[:i], a) {
			return "", fmt.Errorf("verdict %q is listed twice in %q", a, word)
		}
	}
	return Verdict(strings.Join(alts, "|")), nil
}

// WriteBaseline writes a baseline of the run: a header of comments (the
// tool, its version, the target, the date the run started, how to use the
// file), then one line per check that neither passed nor was filtered, by
// key, with the check's reason:
//
//	KEY<TAB>VERDICT<TAB>REASON
//
// REASON is the first line of the failure message or skip reason, the
// first warning of a warned check, "blocked by ROOT" for a blocked one,
// flattened to one line and cut to about 200 characters. When a baseline
// was applied to the run and a check still has the verdict it lists, the
// baseline's own reason is kept, so that hand-written reasons survive a
// rewrite. The SUITE pseudo-check is never written: a broken run is not a
// deviation to expect. The run should be redacted before: what the run
// holds is what the file gets.
func WriteBaseline(w io.Writer, run Run) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s baseline: the verdicts expected of %s\n", cmp.Or(displayText(run.Tool), "ftpconform"), cmp.Or(flatten(run.Target), "the target"))
	written := cmp.Or(flatten(run.Tool), "ftpconform")
	if run.Version != "" {
		written += " " + flatten(run.Version)
	}
	if !run.Started.IsZero() {
		written += " from the run of " + run.Started.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(&b, "# Written by %s.\n", written)
	if run.Stopped != "" {
		fmt.Fprintf(&b, "# That run stopped early (%s): checks not run are listed as not-run.\n", shorten(flatten(run.Stopped), maxBaselineReason))
	}
	b.WriteString(`#
# Use it with: ftpconform run --baseline FILE ...
# A failure listed here is a known deviation and does not fail the run; a
# failure not listed does. A check listed here that now passes is reported
# as fixed (remove its line). Checks not listed are expected to pass.
# One check per line: KEY<TAB>VERDICT<TAB>REASON, where VERDICT is failed,
# warned, skipped, blocked or not-run, or alternatives for a check known to
# be inconsistent (passed|warned); lines starting with # are comments.
`)
	var entries []BaselineEntry
	for _, c := range run.Checks {
		if c.Verdict == VerdictFiltered || c.Key == SuiteKey || c.Key == "" {
			continue
		}
		if strings.Contains(string(c.BaselineVerdict), "|") && c.BaselineVerdict.Allows(c.Verdict) {
			// Alternatives the run stayed within are kept as written.
			entries = append(entries, BaselineEntry{Key: c.Key, Verdict: c.BaselineVerdict, Reason: c.Baseline})
			continue
		}
		if c.Verdict == VerdictPassed {
			continue
		}
		entries = append(entries, BaselineEntry{Key: c.Key, Verdict: c.Verdict, Reason: baselineReason(c)})
	}
	slices.SortStableFunc(entries, func(a, b BaselineEntry) int { return strings.Compare(a.Key, b.Key) })
	entries = slices.CompactFunc(entries, func(a, b BaselineEntry) bool { return a.Key == b.Key })
	if len(entries) == 0 {
		b.WriteString("#\n# Every check passed: nothing is expected to deviate.\n")
	}
	writeBaselineEntries(&b, entries)
	_, err := w.Write(b.Bytes())
	return err
}

// writeBaselineEntries writes the lines of the entries, as they are.
func writeBaselineEntries(b *bytes.Buffer, entries []BaselineEntry) {
	for _, e := range entries {
		b.WriteString(e.Key + "\t" + string(e.Verdict))
		if e.Reason != "" {
			b.WriteString("\t" + e.Reason)
		}
		b.WriteString("\n")
	}
}

// baselineReason is the REASON WriteBaseline writes for a check.
func baselineReason(c Check) string {
	if c.BaselineVerdict == c.Verdict && c.Baseline != "" {
		return c.Baseline
	}
	var r string
	switch c.Verdict {
	case VerdictWarned:
		if len(c.Warnings) > 0 {
			r = c.Warnings[0]
		}
	case VerdictBlocked:
		r = "blocked by " + c.BlockedBy
	default:
		r = c.Message
	}
	return shorten(flatten(firstLine(r)), maxBaselineReason)
}

// flatten makes s one line of plain text: what a terminal or an editor
// would misread is escaped, and tabs and newlines become spaces.
func flatten(s string) string {
	s = strings.NewReplacer("\t", " ", "\n", " ").Replace(displayText(s))
	return strings.TrimSpace(s)
}

// Apply compares the run with the baseline and records the outcome: on
// each check, Check.Baseline and Check.BaselineVerdict when the baseline
// lists it (so that a known failure no longer makes Run.Failed true), and
// run.Baseline for the reports. Applying again replaces an earlier
// outcome. Filtered checks are not compared (their baseline lines are not
// stale either); the SUITE pseudo-check is never a known failure.
func (b Baseline) Apply(run *Run) BaselineResult {
	res := BaselineResult{File: b.File}
	want := make(map[string]BaselineEntry, len(b.Entries))
	for _, e := range b.Entries {
		want[e.Key] = e
	}
	inRun := map[string]bool{}
	for i := range run.Checks {
		c := &run.Checks[i]
		inRun[c.Key] = true
		e, listed := want[c.Key]
		annotate(c, e, listed)
		if c.Verdict == VerdictFiltered || c.Key == "" {
			continue
		}
		expected := cmp.Or(c.BaselineVerdict, VerdictPassed)
		d := BaselineDiff{Key: c.Key, Expected: expected, Got: c.Verdict, Reason: c.Baseline}
		switch {
		case c.Verdict == VerdictFailed && expected.Allows(VerdictFailed):
			res.Known = append(res.Known, d)
		case c.Verdict == VerdictFailed:
			res.New = append(res.New, d)
		case expected.Allows(c.Verdict):
			// as expected
		case c.Verdict == VerdictPassed && (expected.Allows(VerdictFailed) || expected.Allows(VerdictWarned)):
			res.Fixed = append(res.Fixed, d)
		default:
			res.Changed = append(res.Changed, d)
		}
	}
	for _, e := range b.Entries {
		if !inRun[e.Key] {
			res.Stale = append(res.Stale, BaselineDiff{Key: e.Key, Expected: e.Verdict, Reason: e.Reason})
		}
	}
	for _, l := range []*[]BaselineDiff{&res.Known, &res.New, &res.Fixed, &res.Changed, &res.Stale} {
		slices.SortStableFunc(*l, func(a, b BaselineDiff) int { return strings.Compare(a.Key, b.Key) })
	}
	run.Baseline = &res
	return res
}

// Annotate sets c.Baseline and c.BaselineVerdict the way Apply does, for
// a single check: for a live progress line (ProgressLine then shows a
// known failure as KNOWN and a fixed one as fixed).
func (b Baseline) Annotate(c *Check) {
	i := slices.IndexFunc(b.Entries, func(e BaselineEntry) bool { return e.Key == c.Key })
	if i < 0 {
		annotate(c, BaselineEntry{}, false)
		return
	}
	annotate(c, b.Entries[i], true)
}

// annotate records on c what the baseline entry e (when listed) expects.
// Filtered checks and the SUITE pseudo-check are never annotated.
func annotate(c *Check, e BaselineEntry, listed bool) {
	c.Baseline, c.BaselineVerdict = "", ""
	if listed && c.Key != "" && c.Key != SuiteKey && c.Verdict != VerdictFiltered {
		c.Baseline, c.BaselineVerdict = e.Reason, e.Verdict
	}
}

// BaselineResult is the outcome of comparing a run with a baseline. Each
// list is sorted by key.
type BaselineResult struct {
	File string // Baseline.File
	// Known are failures the baseline expects: reported as failed, with
	// the baseline's reason, but they do not fail the run.
	Known []BaselineDiff
	// New are failures the baseline does not expect: they fail the run.
	New []BaselineDiff
	// Fixed are checks the baseline lists as failed or warned that now
	// pass: their lines should be removed from the baseline.
	Fixed []BaselineDiff
	// Changed are the other checks whose verdict is not the expected one
	// (warned where the baseline says skipped, a new warning, blocked
	// where it says failed, ...).
	Changed []BaselineDiff
	// Stale are baseline lines whose key is in no check of the run (a
	// renamed check, a typo). Got is empty.
	Stale []BaselineDiff
}

// BaselineDiff is one check in a BaselineResult: the verdict the baseline
// expected (VerdictPassed when it does not list the check), the verdict
// the run gave, and the baseline's reason.
type BaselineDiff struct {
	Key           string
	Expected, Got Verdict
	Reason        string
}

// Regressed reports whether a check failed that the baseline does not
// expect to fail: the run is not conformant (exit code 1).
func (r BaselineResult) Regressed() bool { return len(r.New) > 0 }

// Differs reports whether the run differs from the baseline in any way
// other than known failures: a new failure, a fixed, changed or stale
// entry. Under --strict this fails the run too.
func (r BaselineResult) Differs() bool {
	return len(r.New)+len(r.Fixed)+len(r.Changed)+len(r.Stale) > 0
}

// WriteBaselineSummary writes the comparison with the baseline for a
// terminal, one section per kind of difference, empty sections left out:
//
//	Baseline interop/vsftpd.baseline: 3 known failures, 1 new, 1 fixed, 1 changed, 1 stale
//	New failures (not in the baseline):
//	  RFC959-5.4-NOOP
//	Fixed (remove them from the baseline):
//	  RFC959-4.1.3-STAT-CODES  expected failed, now passes
//	Changed:
//	  RFC2428-3-EPSV  expected skipped, now warned
//	Stale (in the baseline, not in this run):
//	  RFC959-9.9-TYPO  no such check (renamed, or a typo?)
//
// When nothing differs, the single line ends in "as expected".
func WriteBaselineSummary(w io.Writer, res BaselineResult) error {
	var b strings.Builder
	name := cmp.Or(displayText(res.File), "(unnamed)")
	fmt.Fprintf(&b, "Baseline %s: %d known %s", name, len(res.Known), plural(len(res.Known), "failure", "failures"))
	if !res.Differs() {
		b.WriteString(", as expected\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, ", %d new, %d fixed, %d changed, %d stale\n", len(res.New), len(res.Fixed), len(res.Changed), len(res.Stale))
	section := func(title string, l []BaselineDiff, detail func(BaselineDiff) string) {
		if len(l) == 0 {
			return
		}
		b.WriteString(title + "\n")
		for _, d := range l {
			line := "  " + displayText(d.Key)
			if s := detail(d); s != "" {
				line += "  " + s
			}
			b.WriteString(line + "\n")
		}
	}
	section("New failures (not in the baseline):", res.New, func(d BaselineDiff) string {
		if d.Expected == VerdictPassed {
			return ""
		}
		return "expected " + string(d.Expected)
	})
	section("Fixed (remove them from the baseline):", res.Fixed, func(d BaselineDiff) string {
		return "expected " + string(d.Expected) + ", now passes"
	})
	section("Changed:", res.Changed, func(d BaselineDiff) string {
		return "expected " + string(d.Expected) + ", now " + string(d.Got)
	})
	section("Stale (in the baseline, not in this run):", res.Stale, func(d BaselineDiff) string {
		return "no such check (renamed, or a typo?)"
	})
	_, err := io.WriteString(w, b.String())
	return err
}
