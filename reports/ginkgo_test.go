package reports

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
)

func TestFromGinkgoVerdicts(t *testing.T) {
	r := sampleRun(t)
	tests := []struct {
		key      string
		verdict  Verdict
		message  string // prefix
		location string
	}{
		{"SUITE", VerdictFailed, "could not remove scratch directory", "suites/suite.go:7"},
		{"RFC959-4.2-MULTILINE", VerdictPassed, "", ""},
		{"RFC959-5.4-PASS-CODES/wrong-password", VerdictFailed, "expected one of 530, 503; got 230 \"Welcome\"\n", "suites/rfc959.go:44"},
		{"RFC959-5.4-STOR-CODES", VerdictWarned, "", ""},
		{"RFC959-5.4-NOOP", VerdictFailed, "timed out: A suite timeout occurred", "suites/rfc959.go:91"},
		{"RFC959-5.4-QUIT", VerdictFailed, "Test Panicked\nruntime error: index out of range", "harness/reply.go:77"},
		{"RFC959-4.1.3-SMNT", VerdictSkipped, "pending", ""},
		{"RFC959-5.4-LIST-SLOW", VerdictFiltered, "", ""},
		{"RFC2428-3-EPSV", VerdictSkipped, "EPSV not implemented (502)", ""},
		{"RFC1123-4.1.2.6-PASV-MUST", VerdictPassed, "", ""},
		{"RFC2577-5-BRUTE-FORCE", VerdictFiltered, "", ""},
		{"POLICY-PASV-RANGE", VerdictFailed, "port 40001 is outside", "suites/policy.go:18"},
	}
	if len(r.Checks) != len(tests) {
		t.Errorf("got %d checks, want %d", len(r.Checks), len(tests))
	}
	for _, tt := range tests {
		c := checkByKey(t, r, tt.key)
		if c.Verdict != tt.verdict {
			t.Errorf("%s: verdict %q, want %q", tt.key, c.Verdict, tt.verdict)
		}
		if !strings.HasPrefix(c.Message, tt.message) || (tt.message == "" && c.Message != "") {
			t.Errorf("%s: message %q, want prefix %q", tt.key, c.Message, tt.message)
		}
		if c.Location != tt.location {
			t.Errorf("%s: location %q, want %q", tt.key, c.Location, tt.location)
		}
	}
	if !r.Failed() {
		t.Error("Failed() = false for a run with failed checks")
	}
}

func TestFromGinkgoDescribesChecks(t *testing.T) {
	r := sampleRun(t)

	c := checkByKey(t, r, "RFC959-5.4-PASS-CODES/wrong-password")
	want := Check{
		Key: "RFC959-5.4-PASS-CODES/wrong-password", ID: "RFC959-5.4-PASS-CODES",
		Title: "answers 530 to a wrong password", Level: "MUST", RFC: "rfc959", Section: "5.4",
		Labels: []string{"RFC959-5.4-PASS-CODES", "rfc959", "rfc959:5.4", "MUST", "login"},
	}
	if c.Key != want.Key || c.ID != want.ID || c.Title != want.Title || c.Level != want.Level ||
		c.RFC != want.RFC || c.Section != want.Section || !slices.Equal(c.Labels, want.Labels) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	if c.Transcript != loginTranscript {
		t.Errorf("transcript %q", c.Transcript)
	}
	if c.Duration != 300*time.Millisecond {
		t.Errorf("duration %v", c.Duration)
	}

	w := checkByKey(t, r, "RFC959-5.4-STOR-CODES")
	if len(w.Warnings) != 2 || !strings.HasPrefix(w.Warnings[0], "550 is not listed") {
		t.Errorf("warnings %q", w.Warnings)
	}
	p := checkByKey(t, r, "RFC1123-4.1.2.6-PASV-MUST")
	if !slices.Equal(p.Info, []string{"passive ports 30000-30019, 20 distinct of 20 samples"}) {
		t.Errorf("info %q", p.Info)
	}
	if p.RFC != "rfc1123" || p.Section != "4.1.2.6" {
		t.Errorf("rfc %q section %q", p.RFC, p.Section)
	}
	pol := checkByKey(t, r, "POLICY-PASV-RANGE")
	if pol.RFC != "policy" || pol.Level != "POLICY" || pol.Section != "" {
		t.Errorf("policy check: rfc %q level %q section %q", pol.RFC, pol.Level, pol.Section)
	}
	// Container labels count: the brute-force check carries "slow" from its container.
	bf := checkByKey(t, r, "RFC2577-5-BRUTE-FORCE")
	if !slices.Contains(bf.Labels, "slow") {
		t.Errorf("container label missing: %q", bf.Labels)
	}
	s := checkByKey(t, r, "SUITE")
	if s.Title != "AfterSuite" || s.RFC != "suite" || s.Level != "" {
		t.Errorf("suite check %+v", s)
	}
}

// TestDescribeFromCatalog: the key comes from the spec's text, the level,
// RFC and section from the catalog (testdata/requirements.tsv here), never
// from the labels.
func TestDescribeFromCatalog(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		labels []string
		want   Check
	}{
		{
			name:   "level, RFC and section of the requirement, whatever the labels say",
			text:   "[RFC2428-3-229-FORMAT/ipv6] formats 229 as (|||port|)",
			labels: []string{"MUST", "rfc959", "rfc959:4.2"},
			want:   Check{Key: "RFC2428-3-229-FORMAT/ipv6", ID: "RFC2428-3-229-FORMAT", Title: "formats 229 as (|||port|)", Level: "SHOULD", RFC: "rfc2428", Section: "3"},
		},
		{
			name:   "the RFC the ID names among other RFC labels",
			text:   "[RFC1123-4.1.2.6-227-LENIENT] x",
			labels: []string{"rfc959", "rfc1123", "rfc959:4.1", "rfc1123:4.1.2.6", "must"},
			want:   Check{Key: "RFC1123-4.1.2.6-227-LENIENT", ID: "RFC1123-4.1.2.6-227-LENIENT", Title: "x", Level: "MUST", RFC: "rfc1123", Section: "4.1.2.6"},
		},
		{
			name:   "policy",
			text:   "[POLICY-TLS-REQUIRED] refuses USER before AUTH TLS",
			labels: []string{"policy", "tls"},
			want:   Check{Key: "POLICY-TLS-REQUIRED", ID: "POLICY-TLS-REQUIRED", Title: "refuses USER before AUTH TLS", Level: "POLICY", RFC: "policy"},
		},
		{
			name:   "a key the catalog does not know",
			text:   "[RFC959-9-UNKNOWN/x] does something",
			labels: []string{"rfc959", "rfc959:9", "MUST"},
			want:   Check{Key: "RFC959-9-UNKNOWN/x", ID: "RFC959-9-UNKNOWN", Title: "does something", RFC: "other"},
		},
		{
			name:   "no key in the text, whatever the labels",
			text:   "answers 502 to an unknown command",
			labels: []string{"rfc959", "RFC959-5.4-NOOP", "MUST"},
			want:   Check{Title: "answers 502 to an unknown command", RFC: "other"},
		},
		{
			name:   "a malformed key is no key",
			text:   "[RFC959-4.2 MULTILINE] x",
			labels: []string{"rfc959", "MUST"},
			want:   Check{Title: "[RFC959-4.2 MULTILINE] x", RFC: "other"},
		},
		{
			name:   "nothing known",
			text:   "does something",
			labels: nil,
			want:   Check{Title: "does something", RFC: "other"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Check
			describe(&c, requirements, tt.text, tt.labels)
			if c.Key != tt.want.Key || c.ID != tt.want.ID || c.Title != tt.want.Title || c.Level != tt.want.Level || c.RFC != tt.want.RFC || c.Section != tt.want.Section {
				t.Errorf("got  %+v\nwant %+v", c, tt.want)
			}
			if c.Labels == nil {
				t.Error("labels nil, want empty")
			}
		})
	}
}

func TestFromGinkgoOrder(t *testing.T) {
	r := sampleRun(t)
	var keys []string
	for _, c := range r.Checks {
		keys = append(keys, c.Key)
	}
	want := []string{
		"SUITE",
		"POLICY-PASV-RANGE",         // /src/suites/policy.go
		"RFC1123-4.1.2.6-PASV-MUST", // /src/suites/rfc1123.go
		"RFC2428-3-EPSV",            // /src/suites/rfc2428.go
		"RFC2577-5-BRUTE-FORCE",     // /src/suites/rfc2577.go
		"RFC959-4.2-MULTILINE",      // /src/suites/rfc959.go:12
		"RFC959-5.4-PASS-CODES/wrong-password",
		"RFC959-5.4-STOR-CODES",
		"RFC959-5.4-NOOP",
		"RFC959-5.4-QUIT",
		"RFC959-4.1.3-SMNT",
		"RFC959-5.4-LIST-SLOW",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("order\n got %q\nwant %q", keys, want)
	}
}

func TestCounts(t *testing.T) {
	r := sampleRun(t)
	c := r.Counts
	if got, want := c.Tally, (Tally{Passed: 2, Failed: 5, Warned: 1, Skipped: 2}); got != want {
		t.Errorf("total %+v, want %+v", got, want)
	}
	if c.Filtered != 2 {
		t.Errorf("filtered %d, want 2", c.Filtered)
	}
	wantLevel := map[string]Tally{
		"MUST":   {Passed: 2, Failed: 3},
		"SHOULD": {Warned: 1},
		"MAY":    {Skipped: 2},
		"POLICY": {Failed: 1},
		"":       {Failed: 1},
	}
	if len(c.ByLevel) != len(wantLevel) {
		t.Errorf("by level %+v", c.ByLevel)
	}
	for k, v := range wantLevel {
		if c.ByLevel[k] != v {
			t.Errorf("level %q: %+v, want %+v", k, c.ByLevel[k], v)
		}
	}
	wantRFC := map[string]Tally{
		"rfc959":  {Passed: 1, Failed: 3, Warned: 1, Skipped: 1},
		"rfc1123": {Passed: 1},
		"rfc2428": {Skipped: 1},
		"policy":  {Failed: 1},
		"suite":   {Failed: 1},
	}
	if len(c.ByRFC) != len(wantRFC) {
		t.Errorf("by rfc %+v", c.ByRFC)
	}
	for k, v := range wantRFC {
		if c.ByRFC[k] != v {
			t.Errorf("rfc %q: %+v, want %+v", k, c.ByRFC[k], v)
		}
	}
	if c.Total() != 10 {
		t.Errorf("Total() = %d", c.Total())
	}
}

func TestPassingRunIsNotFailed(t *testing.T) {
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[RFC959-4.2-MULTILINE] a", types.SpecStatePassed, []string{"rfc959", "MUST"}),
		spec("[RFC959-4.2-OTHER] b", types.SpecStatePassed, []string{"rfc959", "SHOULD"}, warning("meh")),
		spec("[RFC959-4.2-SKIP] c", types.SpecStateSkipped, []string{"rfc959", "MAY"}, failure("not advertised", 3)),
		suiteNode(types.NodeTypeBeforeSuite, types.SpecStatePassed, ""),
	}})
	if r.Failed() {
		t.Error("Failed() = true for a run without failures")
	}
	if r.Tool != "ftpconform" {
		t.Errorf("tool %q", r.Tool)
	}
}

// A spec left out by the filter and one left out because the run stopped
// early look the same in ginkgo's report; these tests pin down how they
// are told apart.
func TestFilteredVersusNotRun(t *testing.T) {
	must := []string{"rfc959", "MUST"}
	should := []string{"rfc959", "SHOULD"}

	t.Run("PreRunStats account for every spec that did not start", func(t *testing.T) {
		// No filter recorded in SuiteConfig (e.g. a report assembled by a
		// caller), but ginkgo said before the run that 2 of 3 would not run.
		r := FromGinkgo(types.Report{
			PreRunStats: types.PreRunStats{TotalSpecs: 3, SpecsThatWillRun: 1},
			SpecReports: types.SpecReports{
				spec("[A] a", types.SpecStatePassed, must),
				spec("[B] b", 0, must, notRun),
				spec("[C] c", 0, should, notRun),
			},
		})
		for _, k := range []string{"B", "C"} {
			if v := checkByKey(t, r, k).Verdict; v != VerdictFiltered {
				t.Errorf("%s: %q, want filtered", k, v)
			}
		}
		if r.Counts.Total() != 1 || r.Counts.Filtered != 2 {
			t.Errorf("counts %+v", r.Counts)
		}
	})

	t.Run("fail-fast with a label filter", func(t *testing.T) {
		// Filter "MUST": C (SHOULD) was filtered; after A failed, fail-fast
		// left B (MUST) unrun.
		r := FromGinkgo(types.Report{
			SuiteConfig: types.SuiteConfig{LabelFilter: "MUST", FailFast: true},
			PreRunStats: types.PreRunStats{TotalSpecs: 3, SpecsThatWillRun: 2},
			SpecReports: types.SpecReports{
				spec("[A] a", types.SpecStateFailed, must, failure("boom", 1)),
				spec("[B] b", 0, must, notRun),
				spec("[C] c", 0, should, notRun),
			},
		})
		if b := checkByKey(t, r, "B"); b.Verdict != VerdictNotRun || !strings.Contains(b.Message, "fail-fast") {
			t.Errorf("B: %q %q, want not run (fail-fast)", b.Verdict, b.Message)
		}
		if !strings.Contains(r.Stopped, "fail-fast") {
			t.Errorf("stopped %q", r.Stopped)
		}
		if c := checkByKey(t, r, "C"); c.Verdict != VerdictFiltered {
			t.Errorf("C: %q, want filtered", c.Verdict)
		}
	})

	t.Run("interrupted run names the reason", func(t *testing.T) {
		r := FromGinkgo(types.Report{
			PreRunStats:                types.PreRunStats{TotalSpecs: 2, SpecsThatWillRun: 2},
			SpecialSuiteFailureReasons: []string{"Interrupted by User"},
			SpecReports: types.SpecReports{
				spec("[A] a", types.SpecStateInterrupted, must, failure("Interrupted by User", 1)),
				spec("[B] b", 0, must, notRun),
			},
		})
		// The check the signal cut short has no verdict either way.
		if a := checkByKey(t, r, "A"); a.Verdict != VerdictNotRun || !strings.Contains(a.Message, "interrupted while it ran") {
			t.Errorf("A: %q %q, want not run, interrupted", a.Verdict, a.Message)
		}
		if b := checkByKey(t, r, "B"); b.Verdict != VerdictNotRun || b.Message != "Interrupted by User" || !strings.Contains(r.Stopped, "Interrupted by User") {
			t.Errorf("B: %q %q; stopped %q", b.Verdict, b.Message, r.Stopped)
		}
	})

	t.Run("focus and skip strings", func(t *testing.T) {
		r := FromGinkgo(types.Report{
			SuiteDescription: "ftpconform",
			SuiteConfig:      types.SuiteConfig{FocusStrings: []string{`\[RFC959-`}, SkipStrings: []string{"slow"}, FailFast: true},
			PreRunStats:      types.PreRunStats{TotalSpecs: 5, SpecsThatWillRun: 2},
			SpecReports: types.SpecReports{
				spec("[RFC959-1] a", types.SpecStateFailed, must, failure("x", 1)),
				spec("[RFC959-2] b", 0, must, notRun),
				spec("[RFC959-3] c slow", 0, must, notRun),
				spec("[RFC2428-1] d", 0, must, notRun),
				spec("[RFC959-4] e", 0, must, notRun, inContainer("slow things")),
			},
		})
		want := map[string]Verdict{"RFC959-2": VerdictNotRun, "RFC959-3": VerdictFiltered, "RFC2428-1": VerdictFiltered, "RFC959-4": VerdictFiltered}
		for k, v := range want {
			if got := checkByKey(t, r, k).Verdict; got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
	})

	t.Run("Skip() without a message is a skip, not a filter", func(t *testing.T) {
		r := FromGinkgo(types.Report{
			PreRunStats: types.PreRunStats{TotalSpecs: 1, SpecsThatWillRun: 1},
			SpecReports: types.SpecReports{spec("[A] a", types.SpecStateSkipped, must)},
		})
		if a := checkByKey(t, r, "A"); a.Verdict != VerdictSkipped {
			t.Errorf("A: %q", a.Verdict)
		}
	})

	t.Run("CheckFromSpec uses the configuration", func(t *testing.T) {
		cfg := types.SuiteConfig{LabelFilter: "MUST"}
		if c := CheckFromSpec(spec("[C] c", 0, should, notRun), cfg); c.Verdict != VerdictFiltered || ProgressLine(c) != "" {
			t.Errorf("C: %q %q", c.Verdict, ProgressLine(c))
		}
		if c := CheckFromSpec(spec("[B] b", 0, must, notRun), cfg); c.Verdict != VerdictNotRun {
			t.Errorf("B: %q", c.Verdict)
		}
		if c := CheckFromSpec(spec("[A] a", types.SpecStatePassed, must), cfg); c.Verdict != VerdictPassed {
			t.Errorf("A: %q", c.Verdict)
		}
	})
}

func TestSuiteNodeFailures(t *testing.T) {
	r := FromGinkgo(types.Report{
		PreRunStats: types.PreRunStats{TotalSpecs: 40, SpecsThatWillRun: 40},
		SpecReports: types.SpecReports{
			// A failed BeforeSuite: ginkgo runs no spec and records none.
			suiteNode(types.NodeTypeBeforeSuite, types.SpecStateFailed, "cannot reach 127.0.0.1:2121: connection refused"),
			suiteNode(types.NodeTypeReportAfterSuite, types.SpecStatePanicked, "Test Panicked"),
			suiteNode(types.NodeTypeCleanupAfterSuite, types.SpecStatePassed, ""),
		},
	})
	if len(r.Checks) != 2 {
		t.Fatalf("got %d checks, want 2: %+v", len(r.Checks), r.Checks)
	}
	if c := r.Checks[0]; c.Key != SuiteKey || c.Verdict != VerdictFailed || !strings.Contains(c.Message, "connection refused") || c.Title != "BeforeSuite" {
		t.Errorf("first: %+v", c)
	}
	if c := r.Checks[1]; c.Title != "ReportAfterSuite" || c.Verdict != VerdictFailed {
		t.Errorf("second: %+v", c)
	}
	if !r.Failed() || r.Counts.Failed != 2 {
		t.Errorf("failed %v counts %+v", r.Failed(), r.Counts)
	}
}

func TestEntryTextFromDecodedReport(t *testing.T) {
	// A report read back from ginkgo's JSON has the raw value decoded and
	// the representation recorded.
	e := types.ReportEntry{Name: checkmeta.EntryWarning, Value: types.ReportEntryValue{Representation: "from json"}}
	if got := entryText(e); got != "from json" {
		t.Errorf("got %q", got)
	}
	e = types.ReportEntry{Name: checkmeta.EntryInfo, Value: types.WrapEntryValue(42)}
	if got := entryText(e); got != "42" {
		t.Errorf("got %q", got)
	}
}

// The suites mark a check whose prerequisite failed, and one the run
// stopped before, with a report entry on a skipped spec.
func TestBlockedAndNotRunEntries(t *testing.T) {
	must := []string{"rfc959", "MUST"}
	skipped := func(msg string) specOption { return failure(msg, 3) }
	r := FromGinkgo(types.Report{
		PreRunStats: types.PreRunStats{TotalSpecs: 6, SpecsThatWillRun: 6},
		SpecReports: types.SpecReports{
			spec("[RFC1123-4.1.2.6-PASV-MUST] accepts PASV", types.SpecStateFailed, must, line(1), failure("227 without numbers", 2)),
			spec("[A] lists", types.SpecStateSkipped, must, line(2), skipped("needs passive mode"),
				entry(checkmeta.EntryBlocked, "RFC1123-4.1.2.6-PASV-MUST")),
			spec("[B] stores", types.SpecStateSkipped, must, line(3),
				entry(checkmeta.EntryBlocked, " RFC1123-4.1.2.6-PASV-MUST\n")),
			spec("[C] noops", types.SpecStateSkipped, must, line(4), skipped("the server stopped answering during RFC959-4.1.3-NOOP"),
				entry(checkmeta.EntryNotRun, "RFC959-4.1.3-NOOP")),
			spec("[D] quits", types.SpecStateSkipped, must, line(5), entry(checkmeta.EntryNotRun, "RFC959-4.1.3-NOOP")),
			// An entry on a spec that went on to fail does not hide the failure.
			spec("[E] fails anyway", types.SpecStateFailed, must, line(6), failure("boom", 7), entry(checkmeta.EntryBlocked, "X")),
		},
	})
	tests := []struct {
		key                string
		verdict            Verdict
		blockedBy, message string
	}{
		{"A", VerdictBlocked, "RFC1123-4.1.2.6-PASV-MUST", "needs passive mode"},
		{"B", VerdictBlocked, "RFC1123-4.1.2.6-PASV-MUST", ""},
		{"C", VerdictNotRun, "RFC959-4.1.3-NOOP", "the server stopped answering during RFC959-4.1.3-NOOP"},
		{"D", VerdictNotRun, "RFC959-4.1.3-NOOP", "the run stopped during RFC959-4.1.3-NOOP"},
		{"E", VerdictFailed, "", "boom"},
	}
	for _, tt := range tests {
		c := checkByKey(t, r, tt.key)
		if c.Verdict != tt.verdict || c.BlockedBy != tt.blockedBy || c.Message != tt.message {
			t.Errorf("%s: %q by %q %q, want %q by %q %q", tt.key, c.Verdict, c.BlockedBy, c.Message, tt.verdict, tt.blockedBy, tt.message)
		}
	}
	if want := (Tally{Failed: 2, Blocked: 2, NotRun: 2}); r.Counts.Tally != want || r.Counts.Total() != 6 {
		t.Errorf("tally %+v, want %+v", r.Counts.Tally, want)
	}
	if r.Stopped != "the server stopped answering during RFC959-4.1.3-NOOP" {
		t.Errorf("stopped %q", r.Stopped)
	}
	// Only the two real failures fail the run.
	r.Checks = slices.DeleteFunc(r.Checks, func(c Check) bool { return c.Verdict == VerdictFailed })
	if r.Failed() {
		t.Error("blocked and not-run checks failed the run")
	}
}

// The passive observations of a check come out typed, merged when the
// check recorded several; a broken one is left out.
func TestPassiveEntries(t *testing.T) {
	a := checkmeta.PassiveObservation{Peer: "198.18.0.1", Replies: []checkmeta.PassiveReply{{Mode: "PASV", Address: "10.0.0.5", Port: 30001, Probe: checkmeta.ProbeConnected}}}
	b := checkmeta.PassiveObservation{Peer: "198.18.0.1", Replies: []checkmeta.PassiveReply{{Mode: "EPSV", Port: 30002, Probe: checkmeta.ProbeTimedOut}}}
	// From JSON, as a parallel run's worker report comes back.
	decoded := types.ReportEntry{Name: checkmeta.EntryPassive, Value: types.ReportEntryValue{Representation: b.Encode()}}
	r := FromGinkgo(types.Report{
		PreRunStats: types.PreRunStats{TotalSpecs: 2, SpecsThatWillRun: 2},
		SpecReports: types.SpecReports{
			spec("[POLICY-PASV-RANGE-REACHABLE] probes", types.SpecStatePassed, []string{"policy"}, line(1),
				entry(checkmeta.EntryPassive, a.Encode()), func(s *types.SpecReport) { s.ReportEntries = append(s.ReportEntries, decoded) },
				entry(checkmeta.EntryPassive, "{not json")),
			spec("[POLICY-PASV-RANGE] samples", types.SpecStatePassed, []string{"policy"}, line(2)),
		},
	})
	p := r.Checks[0].Passive
	if p == nil || p.Peer != "198.18.0.1" || len(p.Replies) != 2 || p.Replies[0] != a.Replies[0] || p.Replies[1] != b.Replies[0] {
		t.Errorf("merged observation: %+v", p)
	}
	if r.Checks[1].Passive != nil {
		t.Errorf("a check without observations has %+v", r.Checks[1].Passive)
	}
}

// A scripted scenario names a requirement of the user's own, known only
// to the run's catalog, and says where its failure is: the report takes
// the level from that catalog and the location from the entry.
func TestFromGinkgoWithLocalCatalog(t *testing.T) {
	cat, err := requirements.WithLocal(checkmeta.Requirement{ID: "SITE-ACME-QUOTA", Level: checkmeta.LevelPolicy, Text: "quota"})
	if err != nil {
		t.Fatal(err)
	}
	s := spec("[SITE-ACME-QUOTA/quota] SITE QUOTA answers 200", types.SpecStateFailed, nil,
		failure("examples/scripts/quota.ftp:7: expected 200, got 500", 12),
		entry(checkmeta.EntryLocation, "examples/scripts/quota.ftp:7"))
	r := FromGinkgoWith(types.Report{SpecReports: types.SpecReports{s}}, cat)
	c := checkByKey(t, r, "SITE-ACME-QUOTA/quota")
	if c.Level != checkmeta.LevelPolicy || c.RFC != checkmeta.RFCLocal || c.Verdict != VerdictFailed {
		t.Errorf("check = level %q, RFC %q, verdict %q; want POLICY, local, failed", c.Level, c.RFC, c.Verdict)
	}
	if c.Location != "examples/scripts/quota.ftp:7" {
		t.Errorf("location %q, want the scenario's line", c.Location)
	}
	// Without the run's catalog the requirement is unknown: no level.
	if c := checkByKey(t, FromGinkgo(types.Report{SpecReports: types.SpecReports{s}}), "SITE-ACME-QUOTA/quota"); c.Level != "" {
		t.Errorf("builtin catalog gave level %q to an unknown requirement", c.Level)
	}
}
