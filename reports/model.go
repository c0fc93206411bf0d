package reports

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// Verdict is the outcome of one check. In a baseline it may list
// alternatives, "passed|warned": a check known to give either verdict on
// that server (see Allows).
type Verdict string

// Allows reports whether v, a verdict or alternatives separated by "|",
// admits got.
func (v Verdict) Allows(got Verdict) bool {
	for _, alt := range strings.Split(string(v), "|") {
		if Verdict(alt) == got {
			return true
		}
	}
	return false
}

const (
	// VerdictPassed means the server behaved as the requirement asks.
	VerdictPassed Verdict = "passed"
	// VerdictFailed means the server violated the requirement (or the check
	// could not complete). A run with a failed check is not conformant.
	VerdictFailed Verdict = "failed"
	// VerdictWarned means the check passed, with at least one tolerated
	// deviation recorded as a warning.
	VerdictWarned Verdict = "warned"
	// VerdictSkipped means the check did not apply (a feature the server does
	// not advertise, an optional command answered with 502, ...) or did not
	// apply; Check.Message says why.
	VerdictSkipped Verdict = "skipped"
	// VerdictBlocked means the check did not run because a capability it
	// relies on (login, passive mode, STOR, a scratch directory, ...) was
	// judged broken by another check, named in Check.BlockedBy: one root
	// cause, one failure. A blocked check never fails the run.
	VerdictBlocked Verdict = "blocked"
	// VerdictNotRun means the check did not run because the run stopped
	// early: the server stopped answering, the preflight refused the
	// credentials, the user interrupted, fail-fast. Check.Message says why
	// and Check.BlockedBy names the check during which the run stopped (or
	// "PREFLIGHT"), when known. A check not run never fails the run.
	VerdictNotRun Verdict = "not-run"
	// VerdictFiltered means the user's label filter (or focus) excluded the
	// check. Filtered checks stay in Run.Checks so that the JSON report lists
	// the whole catalogue, but they are left out of every count, of JUnit,
	// of the HTML table and of the summary's lists.
	VerdictFiltered Verdict = "filtered"
)

// Keys used for checks that are not conformance requirements.
const (
	// SuiteKey is the Key and ID of the pseudo-check that reports a failing
	// suite-level node (BeforeSuite, AfterSuite, ReportAfterSuite...): such
	// a failure means the run itself is broken.
	SuiteKey = "SUITE"
	// RFCSuite is the RFC group of the SUITE pseudo-check.
	RFCSuite = "suite"
	// RFCOther is the RFC group of a check whose key names no requirement
	// of the catalog.
	RFCOther = "other"
)

// Run is the outcome of one conformance run against one target.
type Run struct {
	Tool     string // "ftpconform"
	Version  string // version of the tool, set by the caller
	Target   string // what was tested, set by the caller (no password)
	Started  time.Time
	Duration time.Duration
	Checks   []Check // in spec order; see FromGinkgo
	Counts   Counts
	// Stopped says why the run ended early, in words for the reader:
	// `credentials refused: 530 "Login incorrect."`, "the server stopped
	// answering during RFC959-4.1.3-NOOP". It is empty when the run went
	// to its end.
	Stopped string
	// TLS says how the run used TLS, for the reader: "explicit (AUTH TLS),
	// certificate NOT verified (--insecure)"; empty for a plain run.
	TLS string
	// Interrupted is set when a signal cut the run short: the checks not
	// run are listed as such, and conformance is not shown either way.
	Interrupted bool
	// Strict says the run was made with --strict (warnings fail).
	Strict bool
	// Baseline is the comparison with the baseline, nil when none was
	// applied (see Baseline.Apply).
	Baseline *BaselineResult
	// Comparison is set on the TLS pass of "ftpconform firewall --tls":
	// the plain FTP pass of the same checks and how the two differ (see
	// Compare); nil in any other run.
	Comparison *Comparison
}

// Check is the outcome of one spec, that is one requirement checked one way.
type Check struct {
	Key     string // "RFC959-5.4-PASS-CODES/wrong-password": the ID, optionally "/slug"
	ID      string // "RFC959-5.4-PASS-CODES": the requirement ID, Key up to the first "/"
	Title   string // "answers 530 to a wrong password"
	Level   string // MUST, SHOULD, MAY or POLICY, from the catalog; empty for the SUITE pseudo-check
	RFC     string // "rfc959", "rfc1123", ..., "policy", from the catalog
	Section string // "5.4", from the catalog; may be empty
	Labels  []string

	Verdict Verdict
	// Message is the failure message of a failed check and the reason of a
	// skipped, blocked or not-run one; empty otherwise.
	Message string
	// BlockedBy is the key of the check that judged the root cause of a
	// blocked check ("RFC1123-4.1.2.6-PASV-MUST"), or of the check during
	// which the run stopped for a check not run (checkmeta.PreflightKey,
	// "PREFLIGHT", when it stopped before any check). Empty for other verdicts.
	BlockedBy string
	// Location is where in the specs a failed check failed ("file.go:42").
	Location string
	Warnings []string
	Info     []string
	// Passive is what the check saw of passive replies (addresses, ports,
	// connection outcomes), nil when it recorded nothing: the typed input
	// of the comparison of a plain and a TLS pass (Compare).
	Passive    *checkmeta.PassiveObservation
	Transcript string
	Duration   time.Duration

	// Baseline is the reason the applied baseline gives for this check,
	// and BaselineVerdict the verdict it expects; both are empty when no
	// baseline lists the check (see Baseline.Apply). A check whose Verdict
	// is its BaselineVerdict is a known deviation; a known failure does not
	// fail the run.
	Baseline        string
	BaselineVerdict Verdict
}

// Tally counts checks by verdict. Filtered checks are never counted.
type Tally struct {
	Passed, Failed, Warned, Skipped, Blocked, NotRun int
}

// Total is the number of counted checks.
func (t Tally) Total() int {
	return t.Passed + t.Failed + t.Warned + t.Skipped + t.Blocked + t.NotRun
}

func (t *Tally) add(v Verdict) {
	switch v {
	case VerdictPassed:
		t.Passed++
	case VerdictFailed:
		t.Failed++
	case VerdictWarned:
		t.Warned++
	case VerdictSkipped:
		t.Skipped++
	case VerdictBlocked:
		t.Blocked++
	case VerdictNotRun:
		t.NotRun++
	}
}

// Counts summarises a run: the embedded Tally is over all checks, ByLevel
// and ByRFC break it down by Check.Level and Check.RFC. Filtered is the
// number of checks the filter excluded, which are in no tally.
type Counts struct {
	Tally
	Filtered int
	ByLevel  map[string]Tally
	ByRFC    map[string]Tally
}

// Count computes the counts of checks.
func Count(checks []Check) Counts {
	c := Counts{ByLevel: map[string]Tally{}, ByRFC: map[string]Tally{}}
	for _, ch := range checks {
		if ch.Verdict == VerdictFiltered {
			c.Filtered++
			continue
		}
		c.Tally.add(ch.Verdict)
		l := c.ByLevel[ch.Level]
		l.add(ch.Verdict)
		c.ByLevel[ch.Level] = l
		r := c.ByRFC[ch.RFC]
		r.add(ch.Verdict)
		c.ByRFC[ch.RFC] = r
	}
	return c
}

// Failed reports whether any check failed, which makes the run
// non-conformant (exit code 1). Blocked checks and checks not run never
// count: their root cause is a failed check of its own.
// A failure the applied baseline expects (a known deviation) does not
// count either.
//
// A run compared with a plain FTP pass (Comparison) fails when either
// pass does: a failure under TLS is real for FTPS clients, one in plain
// FTP for plain ones.
func (r Run) Failed() bool {
	if c := r.Comparison; c != nil && c.Plain != nil && c.Plain.Failed() {
		return true
	}
	return slices.ContainsFunc(r.Checks, func(c Check) bool { return c.Verdict == VerdictFailed && !c.known() })
}

// known reports whether the check has the verdict the applied baseline
// expects of it, other than passing: a known deviation.
func (c Check) known() bool {
	return c.BaselineVerdict != "" && c.Verdict != VerdictPassed && c.BaselineVerdict.Allows(c.Verdict)
}

// fixed reports whether the applied baseline expects the check to fail or
// warn, and it passed: its baseline line should go.
func (c Check) fixed() bool {
	return c.Verdict == VerdictPassed && c.BaselineVerdict != "" && !c.BaselineVerdict.Allows(VerdictPassed) &&
		(c.BaselineVerdict.Allows(VerdictFailed) || c.BaselineVerdict.Allows(VerdictWarned))
}

// reported returns the checks that appear in reports: all but the filtered.
func (r Run) reported() []Check {
	out := make([]Check, 0, len(r.Checks))
	for _, c := range r.Checks {
		if c.Verdict != VerdictFiltered {
			out = append(out, c)
		}
	}
	return out
}

// heading is "[KEY] title", or just the title when there is no key.
func (c Check) heading() string { return checkmeta.Heading(c.Key, c.Title) }

// levelOrder lists the levels in the order tables show them; the four
// known levels always appear, others (and "", for the SUITE pseudo-check)
// follow when present.
func levelOrder(byLevel map[string]Tally) []string {
	known := []string{checkmeta.LevelMust, checkmeta.LevelShould, checkmeta.LevelMay, checkmeta.LevelPolicy}
	var extra []string
	for l := range byLevel {
		if !slices.Contains(known, l) {
			extra = append(extra, l)
		}
	}
	slices.SortFunc(extra, func(a, b string) int {
		// The empty level sorts last.
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return append(known, extra...)
}

// levelName is how tables show a level; the SUITE pseudo-check has none.
func levelName(l string) string {
	if l == "" {
		return "(none)"
	}
	return l
}

// rfcOrder sorts RFC groups: the SUITE pseudo-group first, then RFCs by
// number, then policy, then anything else by name.
func rfcOrder(names []string) []string {
	rank := func(s string) (int, int) {
		switch {
		case s == RFCSuite:
			return 0, 0
		case rfcNumber(s) >= 0:
			return 1, rfcNumber(s)
		case s == checkmeta.RFCPolicy:
			return 2, 0
		default:
			return 3, 0
		}
	}
	out := slices.Clone(names)
	slices.SortFunc(out, func(a, b string) int {
		ra, na := rank(a)
		rb, nb := rank(b)
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(na, nb), strings.Compare(a, b))
	})
	return out
}

// rfcNumber returns 959 for "rfc959", or -1 when s is not of that form.
func rfcNumber(s string) int {
	digits, ok := strings.CutPrefix(s, "rfc")
	if !ok || digits == "" {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || strconv.Itoa(n) != digits {
		return -1
	}
	return n
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// blockedText is how reports explain a blocked check: "blocked by ROOT",
// followed by the skip reason when there is one.
func (c Check) blockedText() string {
	s := "blocked by " + cmp.Or(c.BlockedBy, "a failed prerequisite")
	if m := firstLine(c.Message); m != "" {
		s += ": " + m
	}
	return s
}

// notRunText is how reports explain a check not run: "not run: reason".
func (c Check) notRunText() string {
	if m := firstLine(c.Message); m != "" {
		return "not run: " + m
	}
	if c.BlockedBy != "" {
		return "not run: the run stopped during " + c.BlockedBy
	}
	return "not run"
}

// knownText is how reports introduce a known failure:
// "known deviation (baseline: REASON)".
func (c Check) knownText() string {
	if r := firstLine(c.Baseline); r != "" {
		return "known deviation (baseline: " + r + ")"
	}
	return "known deviation (baseline)"
}

// baselineNote says how the check differs from the applied baseline, when
// the check itself shows it: "fixed: remove it from the baseline", or
// "the baseline expects skipped". Empty otherwise.
func (c Check) baselineNote() string {
	switch {
	case c.BaselineVerdict == "" || c.known():
		return ""
	case c.fixed():
		return "fixed: remove it from the baseline (it expects " + string(c.BaselineVerdict) + ")"
	default:
		return "the baseline expects " + string(c.BaselineVerdict)
	}
}
