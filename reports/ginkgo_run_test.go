package reports

import (
	"flag"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// The specs below run in-process once, through RunSpecs, so that
// FromGinkgo is tested on a report ginkgo really produced, label filter
// included, not only on hand-made ones. They are the package's only
// ginkgo specs; the other tests are plain Go tests.

var _ = Describe("a conformance area", Label("rfc959"), func() {
	It("[RFC959-4.2-MULTILINE] passes", Label("RFC959-4.2-MULTILINE", "rfc959:4.2", "MUST"), func() {
		AddReportEntry(checkmeta.EntryTranscript, "< 211-Features\n< 211 End")
		AddReportEntry(checkmeta.EntryInfo, "seen 2 lines")
	})
	It("[RFC959-5.4-STOR-CODES] warns", Label("RFC959-5.4-STOR-CODES", "rfc959:5.4", "SHOULD"), func() {
		AddReportEntry(checkmeta.EntryWarning, "550 is not listed for STOR", ReportEntryVisibilityNever)
	})
	It("[RFC959-5.4-PASS-CODES/wrong-password] fails", Label("RFC959-5.4-PASS-CODES", "rfc959:5.4", "MUST"), func() {
		AddReportEntry(checkmeta.EntryTranscript, "> PASS ****\n< 230 Welcome")
		Fail("expected one of 530; got 230 \"Welcome\"")
	})
	It("[RFC959-5.4-SITE] skips", Label("RFC959-5.4-SITE", "rfc959:5.4", "MAY"), func() {
		Skip("SITE not implemented (502)")
	})
	It("[RFC959-5.4-NOOP] times out", Label("RFC959-5.4-NOOP", "rfc959:5.4", "MUST"), func(ctx SpecContext) {
		<-ctx.Done()
	}, SpecTimeout(20*time.Millisecond))
	It("[RFC959-5.4-QUIT] panics", Label("RFC959-5.4-QUIT", "rfc959:5.4", "MUST"), func() {
		var lines []string
		_ = lines[3]
	})
	PIt("[RFC959-4.1.3-SMNT] is pending", Label("RFC959-4.1.3-SMNT", "rfc959:4.1.3", "MAY"), func() {})
	It("[RFC959-5.4-LIST-SLOW] is filtered out", Label("RFC959-5.4-LIST-SLOW", "rfc959:5.4", "SHOULD", "slow"), func() {
		Fail("a filtered spec ran")
	})
	Context("slow things", Label("slow"), func() {
		It("[RFC2577-5-BRUTE-FORCE] is filtered out by a container label", Label("RFC2577-5-BRUTE-FORCE", "rfc2577", "SHOULD"), func() {
			Fail("a filtered spec ran")
		})
	})
})

var _ = AfterSuite(func() {
	Fail("could not remove the scratch directory")
})

var (
	ginkgoRunOnce   sync.Once
	ginkgoReport    types.Report
	ginkgoSucceeded bool
)

var _ = ReportAfterSuite("capture for reports tests", func(r Report) {
	ginkgoReport = r
})

// failRecorder stands in for *testing.T: the suite fails on purpose.
type failRecorder struct{ failed bool }

func (f *failRecorder) Fail() { f.failed = true }

// realReport runs the specs above, once per process: ginkgo refuses a
// second RunSpecs, and exits at once under go test -count=N for N ≠ 1.
func realReport(t *testing.T) types.Report {
	t.Helper()
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		t.Skip("ginkgo does not run under go test -count=" + f.Value.String() + "; this test needs -count=1 (the default)")
	}
	ginkgoRunOnce.Do(func() {
		suiteConfig, reporterConfig := GinkgoConfiguration()
		suiteConfig.LabelFilter = "!slow"
		suiteConfig.FocusStrings, suiteConfig.SkipStrings = nil, nil
		reporterConfig.Succinct = true
		reporterConfig.NoColor = true
		var rec failRecorder
		ginkgoSucceeded = RunSpecs(&rec, "reports self-test", suiteConfig, reporterConfig)
	})
	if ginkgoReport.SuiteDescription == "" {
		t.Fatal("ReportAfterSuite did not capture a report")
	}
	return ginkgoReport
}

func TestRealGinkgoReport(t *testing.T) {
	rep := realReport(t)
	if ginkgoSucceeded {
		t.Error("the self-test suite succeeded; it has failing specs on purpose")
	}

	// What ginkgo v2.34 records for a spec its label filter excluded.
	for _, s := range rep.SpecReports {
		if strings.Contains(s.LeafNodeText, "filtered out") {
			if s.State != types.SpecStateSkipped || !s.Failure.IsZero() || s.NumAttempts != 0 || s.RunTime != 0 {
				t.Errorf("filtered spec recorded as state %v, failure %+v, attempts %d, run time %v",
					s.State, s.Failure, s.NumAttempts, s.RunTime)
			}
		}
	}
	if got, want := rep.PreRunStats, (types.PreRunStats{TotalSpecs: 9, SpecsThatWillRun: 6}); got != want {
		t.Errorf("PreRunStats %+v, want %+v (9 specs, 1 pending and 2 filtered)", got, want)
	}

	r := FromGinkgo(rep)
	want := map[string]Verdict{
		"SUITE":                                VerdictFailed,
		"RFC959-4.2-MULTILINE":                 VerdictPassed,
		"RFC959-5.4-STOR-CODES":                VerdictWarned,
		"RFC959-5.4-PASS-CODES/wrong-password": VerdictFailed,
		"RFC959-5.4-SITE":                      VerdictSkipped,
		"RFC959-5.4-NOOP":                      VerdictFailed,
		"RFC959-5.4-QUIT":                      VerdictFailed,
		"RFC959-4.1.3-SMNT":                    VerdictSkipped,
		"RFC959-5.4-LIST-SLOW":                 VerdictFiltered,
		"RFC2577-5-BRUTE-FORCE":                VerdictFiltered,
	}
	if len(r.Checks) != len(want) {
		for _, c := range r.Checks {
			t.Logf("check %q %q", c.Key, c.Verdict)
		}
		t.Fatalf("got %d checks, want %d", len(r.Checks), len(want))
	}
	for k, v := range want {
		if got := checkByKey(t, r, k).Verdict; got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if c := checkByKey(t, r, "RFC959-5.4-NOOP"); !strings.HasPrefix(c.Message, "timed out: ") {
		t.Errorf("timed-out message %q", c.Message)
	}
	if c := checkByKey(t, r, "RFC959-5.4-QUIT"); !strings.Contains(c.Message, "index out of range") ||
		!strings.Contains(c.Location, "ginkgo_run_test.go:") {
		t.Errorf("panic: message %q location %q", c.Message, c.Location)
	}
	if c := checkByKey(t, r, "RFC959-5.4-SITE"); c.Message != "SITE not implemented (502)" {
		t.Errorf("skip reason %q", c.Message)
	}
	if c := checkByKey(t, r, "RFC959-5.4-PASS-CODES/wrong-password"); c.Transcript != "> PASS ****\n< 230 Welcome" ||
		!strings.Contains(c.Location, "ginkgo_run_test.go:") || c.Level != "MUST" || c.Section != "5.4" {
		t.Errorf("failed check %+v", c)
	}
	if c := checkByKey(t, r, "RFC959-4.2-MULTILINE"); len(c.Info) != 1 || c.Transcript == "" {
		t.Errorf("passed check %+v", c)
	}
	if c := checkByKey(t, r, "SUITE"); c.Title != "AfterSuite" || !strings.Contains(c.Message, "scratch directory") {
		t.Errorf("suite check %+v", c)
	}
	if got, want := r.Counts.Tally, (Tally{Passed: 1, Failed: 4, Warned: 1, Skipped: 2}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	if r.Counts.Filtered != 2 {
		t.Errorf("filtered %d", r.Counts.Filtered)
	}

	// The real report through every writer, JUnit against the schema.
	validateJUnit(t, r)
}
