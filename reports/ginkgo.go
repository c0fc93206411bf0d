package reports

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// requirements is the catalog a check's level, RFC and section come from.
var requirements = checkmeta.Builtin()

// FromGinkgo converts the report of a conformance run into a Run.
//
// Each It node becomes a Check; suite-level nodes (BeforeSuite,
// AfterSuite, ReportAfterSuite, ...) appear only when they failed, as a
// failed check with key SUITE, because then the run itself is broken.
//
// Ginkgo records a spec that a label filter (or focus, or -skip) excluded
// in the same way as a spec that never started because the run stopped
// early: state "skipped", no failure, no attempt. FromGinkgo tells them
// apart (see classifier) and gives the excluded ones VerdictFiltered.
//
// Checks come in spec order, not run order (ginkgo shuffles): SUITE checks
// first, then by source file and line of the It node, then by text.
// A skipped spec with a checkmeta.EntryBlocked entry becomes
// VerdictBlocked, one with a checkmeta.EntryNotRun entry VerdictNotRun
// (the skip message is the reason, the entry's value goes to BlockedBy),
// and so does a spec ginkgo itself
// left out when the run stopped (fail-fast, an interrupt, the suite
// timeout). Run.Stopped is set from the first check not run, in spec
// order: its reason (the suites write "the server stopped answering during
// KEY") or ginkgo's. The caller may overwrite it with better knowledge
// (the preflight's verdict, say).
//
// Tool is set to "ftpconform"; Version and Target are the caller's.
func FromGinkgo(r types.Report) Run { return FromGinkgoWith(r, nil) }

// FromGinkgoWith is FromGinkgo with the catalog the run's checks name
// (suites.Run.Catalog: the builtin one with the requirements of the
// user's scripted scenarios); nil means the builtin catalog.
func FromGinkgoWith(r types.Report, catalog checkmeta.Catalog) Run {
	cl := newClassifier(r.SuiteConfig)
	if catalog != nil {
		cl.catalog = catalog
	}
	cl.suiteLabels = r.SuiteLabels
	cl.description = r.SuiteDescription
	cl.programmaticFocus = r.SuiteHasProgrammaticFocus
	cl.stopReasons = r.SpecialSuiteFailureReasons

	// PreRunStats tell how many specs ginkgo meant to leave out before the
	// run began: filtered ones and pending ones. When that number matches
	// the specs that did not run, none of them was cut short, and the
	// filter need not be evaluated again.
	var notRun, pending int
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		switch {
		case s.State == types.SpecStatePending:
			pending++
		case NeverStarted(s):
			notRun++
		}
	}
	if excluded := r.PreRunStats.TotalSpecs - r.PreRunStats.SpecsThatWillRun - pending; r.PreRunStats.TotalSpecs > 0 && excluded == notRun {
		cl.allNotRunFiltered = true
	}

	type item struct {
		check Check
		suite bool
		loc   types.CodeLocation
		text  string
	}
	var items []item
	for _, s := range r.SpecReports {
		switch {
		case s.LeafNodeType == types.NodeTypeIt:
			items = append(items, item{check: cl.check(s), loc: s.LeafNodeLocation, text: s.FullText()})
		case s.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && s.State.Is(types.SpecStateFailureStates):
			items = append(items, item{check: suiteCheck(s), suite: true, loc: s.LeafNodeLocation})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if a.suite != b.suite {
			if a.suite {
				return -1
			}
			return 1
		}
		if a.suite { // keep the order in which suite nodes ran
			return 0
		}
		return cmp.Or(
			strings.Compare(a.loc.FileName, b.loc.FileName),
			cmp.Compare(a.loc.LineNumber, b.loc.LineNumber),
			strings.Compare(a.text, b.text),
		)
	})

	run := Run{
		Tool:     "ftpconform",
		Started:  r.StartTime,
		Duration: r.RunTime,
	}
	if run.Duration == 0 && !r.StartTime.IsZero() && r.EndTime.After(r.StartTime) {
		run.Duration = r.EndTime.Sub(r.StartTime)
	}
	for _, it := range items {
		run.Checks = append(run.Checks, it.check)
		if it.check.Verdict == VerdictNotRun && run.Stopped == "" {
			run.Stopped = it.check.Message
		}
	}
	run.Counts = Count(run.Checks)
	return run
}

// CheckFromSpec converts a single spec report, for live progress from a
// ReportAfterEach node: pass the configuration the suite runs with
// (GinkgoConfiguration()) so that a spec the label filter excluded comes
// out as VerdictFiltered (ProgressLine shows nothing for it). A suite-level
// node converts to a SUITE check.
func CheckFromSpec(s types.SpecReport, cfg types.SuiteConfig) Check {
	return CheckFromSpecWith(s, cfg, nil)
}

// CheckFromSpecWith is CheckFromSpec with the run's catalog (nil: the
// builtin one), as FromGinkgoWith.
func CheckFromSpecWith(s types.SpecReport, cfg types.SuiteConfig, catalog checkmeta.Catalog) Check {
	if s.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) {
		return suiteCheck(s)
	}
	cl := newClassifier(cfg)
	if catalog != nil {
		cl.catalog = catalog
	}
	return cl.check(s)
}

// NeverStarted reports whether ginkgo skipped the spec without running any
// of it and without saying why: the mark of a spec excluded by a filter,
// and also of one left out because the run stopped early (fail-fast, an
// abort, an interrupt, the suite timeout, a BeforeSuite that skipped).
// A spec that called Skip() has an attempt and, usually, a message; one
// skipped because an ordered container failed has a message.
func NeverStarted(s types.SpecReport) bool {
	return s.State == types.SpecStateSkipped && s.NumAttempts == 0 && s.Failure.Message == ""
}

// classifier holds what is needed to tell a filtered spec from one that
// was cut short: the suite's filters, evaluated the way ginkgo does
// before the run (internal/focus.go in ginkgo v2).
type classifier struct {
	cfg               types.SuiteConfig
	catalog           checkmeta.Catalog // where levels, RFCs and sections come from
	suiteLabels       []string
	description       string
	programmaticFocus bool
	stopReasons       []string
	allNotRunFiltered bool

	labelFilter  types.LabelFilter
	semVerFilter types.SemVerFilter
	focusFiles   types.FileFilters
	skipFiles    types.FileFilters
	focus, skip  *regexp.Regexp
}

func newClassifier(cfg types.SuiteConfig) *classifier {
	cl := &classifier{cfg: cfg, catalog: requirements}
	// Ginkgo validated these before the run; an error here means the
	// configuration did not come from a real run, and the filter is
	// simply not applied.
	if cfg.LabelFilter != "" {
		cl.labelFilter, _ = types.ParseLabelFilter(cfg.LabelFilter)
	}
	if cfg.SemVerFilter != "" {
		cl.semVerFilter, _ = types.ParseSemVerFilter(cfg.SemVerFilter)
	}
	if len(cfg.FocusFiles) > 0 {
		cl.focusFiles, _ = types.ParseFileFilters(cfg.FocusFiles)
	}
	if len(cfg.SkipFiles) > 0 {
		cl.skipFiles, _ = types.ParseFileFilters(cfg.SkipFiles)
	}
	if len(cfg.FocusStrings) > 0 {
		cl.focus, _ = regexp.Compile(strings.Join(cfg.FocusStrings, "|"))
	}
	if len(cfg.SkipStrings) > 0 {
		cl.skip, _ = regexp.Compile(strings.Join(cfg.SkipStrings, "|"))
	}
	return cl
}

// excluded reports whether the suite's filters leave the spec out.
func (cl *classifier) excluded(s types.SpecReport) bool {
	if cl.programmaticFocus {
		// Which specs carry FIt/FDescribe is not in the report; with a
		// programmatic focus every spec that never started is taken as
		// unfocused.
		return true
	}
	if cl.labelFilter != nil {
		labels := append(slices.Clone(cl.suiteLabels), s.Labels()...)
		if !cl.labelFilter(labels) {
			return true
		}
	}
	if cl.semVerFilter != nil {
		if c := s.SemVerConstraints(); len(c) > 0 && !cl.semVerFilter("", c) {
			return true
		}
		for component, c := range s.ComponentSemVerConstraints() {
			if !cl.semVerFilter(component, c) {
				return true
			}
		}
	}
	locations := append(slices.Clone(s.ContainerHierarchyLocations), s.LeafNodeLocation)
	if len(cl.focusFiles) > 0 && !cl.focusFiles.Matches(locations) {
		return true
	}
	if len(cl.skipFiles) > 0 && cl.skipFiles.Matches(locations) {
		return true
	}
	text := cl.description + " " + s.FullText()
	if cl.focus != nil && !cl.focus.MatchString(text) {
		return true
	}
	if cl.skip != nil && cl.skip.MatchString(text) {
		return true
	}
	return false
}

// notRunReason explains a spec that was neither filtered nor started.
func (cl *classifier) notRunReason() string {
	switch {
	case len(cl.stopReasons) > 0:
		return strings.Join(cl.stopReasons, "; ")
	case cl.cfg.FailFast:
		return "the run stopped at the first failure (fail-fast)"
	default:
		return "the run stopped early"
	}
}

// check converts an It node.
func (cl *classifier) check(s types.SpecReport) Check {
	c := Check{Duration: s.RunTime}
	describe(&c, cl.catalog, s.LeafNodeText, s.Labels())
	mark := collectEntries(&c, s.ReportEntries)

	switch {
	case s.State == types.SpecStatePassed:
		c.Verdict = VerdictPassed
		if len(c.Warnings) > 0 {
			c.Verdict = VerdictWarned
		}
	case s.State == types.SpecStatePending:
		c.Verdict, c.Message = VerdictSkipped, "pending"
	case NeverStarted(s):
		if cl.allNotRunFiltered || cl.excluded(s) {
			c.Verdict = VerdictFiltered
		} else {
			c.Verdict, c.Message = VerdictNotRun, cl.notRunReason()
		}
	case s.State == types.SpecStateSkipped:
		c.Verdict, c.Message = VerdictSkipped, s.Failure.Message
		if mark.verdict != "" {
			c.Verdict, c.BlockedBy = mark.verdict, mark.root
			if c.Message == "" && mark.verdict == VerdictNotRun && mark.root != "" {
				c.Message = "the run stopped during " + mark.root
			}
		}
	case s.State == types.SpecStateInterrupted:
		// Ctrl-C or SIGTERM ended it while it ran: no verdict either way.
		c.Verdict, c.Message = VerdictNotRun, "interrupted while it ran: "+failureMessage(s)
	case mark.verdict == VerdictNotRun && mark.root != "":
		// It failed because the server stopped answering during another
		// check that ran at the same time (a parallel run): that check
		// has the failure, this one is not run.
		c.Verdict, c.BlockedBy = VerdictNotRun, mark.root
		c.Message = "the server stopped answering during " + mark.root + "; here: " + failureMessage(s)
	default:
		// Every failure state, and any state this version of the package
		// does not know: a conformance tool must not let an unknown
		// outcome pass.
		c.Verdict = VerdictFailed
		c.Message = failureMessage(s)
		c.Location = failureLocation(s)
		if mark.location != "" {
			c.Location = mark.location
		}
	}
	return c
}

// suiteCheck converts a suite-level node into the SUITE pseudo-check.
func suiteCheck(s types.SpecReport) Check {
	c := Check{
		Key:      SuiteKey,
		ID:       SuiteKey,
		Title:    s.LeafNodeType.String(),
		RFC:      RFCSuite,
		Duration: s.RunTime,
		Labels:   []string{},
	}
	if s.LeafNodeText != "" {
		c.Title += " " + s.LeafNodeText
	}
	collectEntries(&c, s.ReportEntries)
	switch {
	case s.State.Is(types.SpecStateFailureStates) || s.State == types.SpecStateInvalid:
		c.Verdict = VerdictFailed
		c.Message = failureMessage(s)
		c.Location = failureLocation(s)
	case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		c.Verdict, c.Message = VerdictSkipped, s.Failure.Message
	default:
		c.Verdict = VerdictPassed
	}
	return c
}

func failureMessage(s types.SpecReport) string {
	msg := s.Failure.Message
	if s.State == types.SpecStatePanicked && s.Failure.ForwardedPanic != "" {
		msg = strings.TrimRight(msg, "\n") + "\n" + s.Failure.ForwardedPanic
	}
	if msg == "" {
		msg = s.State.String()
	}
	if s.State == types.SpecStateTimedout {
		msg = "timed out: " + msg
	}
	return msg
}

// failureLocation says where a spec failed, relative to the module
// ("suites/rfc959_login.go:88"): the innermost line of the check's own
// file in the failure's stack trace (the line of the check's body, not
// the shared helper that reported it), else the failure's own location
// (for a panic, the first frame of the already trimmed trace), else the
// check's registration.
func failureLocation(s types.SpecReport) string {
	own := s.LeafNodeLocation.FileName
	var first string
	for l := range strings.Lines(s.Failure.Location.FullStackTrace) {
		frame, ok := strings.CutPrefix(l, "\t")
		if !ok {
			continue
		}
		frame, _, _ = strings.Cut(strings.TrimSpace(frame), " +0x")
		if first == "" {
			first = frame
		}
		if own != "" && strings.HasPrefix(frame, own+":") {
			return moduleRelative(frame)
		}
	}
	if s.State == types.SpecStatePanicked && first != "" {
		return moduleRelative(first)
	}
	if l := location(s.Failure.Location); l != "" {
		return moduleRelative(l)
	}
	return moduleRelative(location(s.LeafNodeLocation))
}

// moduleTopDirs are the module's top-level directories, where a build
// path is cut so that a location does not show where it was built.
var moduleTopDirs = []string{"suites", "harness", "reports", "fakeserver", "cmd", "checkmeta"}

// moduleRelative cuts an absolute build path down to the module:
// "/home/ci/src/ftpconform/suites/check.go:122" -> "suites/check.go:122".
func moduleRelative(loc string) string {
	best := -1
	for _, d := range moduleTopDirs {
		if i := strings.LastIndex(loc, "/"+d+"/"); i > best {
			best = i
		}
	}
	if best < 0 {
		return loc
	}
	return loc[best+1:]
}

func location(l types.CodeLocation) string {
	if l.FileName == "" && l.CustomMessage == "" {
		return ""
	}
	return l.String()
}

// describe fills the descriptive fields of c from the spec's text and
// labels. The text is the check's heading, "[KEY] title"; the level, RFC
// and section are those the catalog gives the key's requirement. A spec
// whose text has no key is only a title, in the RFC group RFCOther; a key
// the catalog does not know has no level, RFC or section either.
func describe(c *Check, catalog checkmeta.Catalog, text string, labels []string) {
	c.Labels = slices.Clone(labels)
	if c.Labels == nil {
		c.Labels = []string{}
	}
	c.RFC = RFCOther
	key, title, ok := checkmeta.ParseHeading(text)
	if !ok {
		c.Title = strings.TrimSpace(text)
		return
	}
	meta, err := catalog.Describe(key, title)
	c.Key, c.ID, c.Title = meta.Key, meta.ID, meta.Title
	if err == nil {
		c.Level, c.RFC, c.Section = meta.Level, meta.RFC, meta.Section
	}
}

// skipMark is what a skipped spec's entries say about why it was skipped:
// blocked by, or not run because of, the check named root.
type skipMark struct {
	verdict Verdict // VerdictBlocked, VerdictNotRun or ""
	root    string
	// location is where the check says its failure is (EntryLocation),
	// when that is not a line of Go.
	location string
}

// collectEntries picks the ftpconform report entries out of a spec's and
// returns the mark of a blocked or not-run spec (the first one wins).
func collectEntries(c *Check, entries types.ReportEntries) skipMark {
	var transcripts []string
	var mark skipMark
	for _, e := range entries {
		switch e.Name {
		case checkmeta.EntryBlocked:
			if mark.verdict == "" {
				mark.verdict, mark.root = VerdictBlocked, strings.TrimSpace(entryText(e))
			}
		case checkmeta.EntryNotRun:
			if mark.verdict == "" {
				mark.verdict, mark.root = VerdictNotRun, strings.TrimSpace(entryText(e))
			}
		case checkmeta.EntryLocation:
			mark.location = strings.TrimSpace(entryText(e))
		case checkmeta.EntryWarning:
			c.Warnings = append(c.Warnings, entryText(e))
		case checkmeta.EntryInfo:
			c.Info = append(c.Info, entryText(e))
		case checkmeta.EntryPassive:
			o, err := checkmeta.DecodePassive(entryText(e))
			if err != nil {
				continue // written by package suites; nothing to show
			}
			if c.Passive == nil {
				c.Passive = &o
				continue
			}
			if c.Passive.Peer == "" {
				c.Passive.Peer = o.Peer
			}
			c.Passive.Replies = append(c.Passive.Replies, o.Replies...)
		case checkmeta.EntryTranscript:
			transcripts = append(transcripts, strings.TrimRight(entryText(e), "\n"))
		}
	}
	c.Transcript = strings.Join(transcripts, "\n")
	return mark
}

// entryText returns an entry's value as text. In process the raw value is
// the string the spec passed; from a report decoded from JSON it is the
// decoded value, and the recorded representation is the reliable form.
func entryText(e types.ReportEntry) string {
	switch v := e.GetRawValue().(type) {
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	case nil:
		return e.Value.Representation
	}
	return e.StringRepresentation()
}
