package reports

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// The tests' specs name requirements of their own, listed with their
// levels in testdata/requirements.tsv: FromGinkgo describes them from
// that catalog instead of the builtin one.
func init() {
	tsv, err := os.ReadFile("testdata/requirements.tsv")
	if err != nil {
		panic(err)
	}
	requirements, err = checkmeta.ParseCatalog(string(tsv))
	if err != nil {
		panic("testdata/requirements.tsv: " + err.Error())
	}
}

// The tests build ginkgo reports by hand, the way ginkgo v2.34 fills them
// in (internal/group.go): a spec that ran has NumAttempts ≥ 1 and a
// RunTime; a spec excluded by a filter, or left out when the run stopped
// early, is SpecStateSkipped with a zero Failure and NumAttempts 0.

type specOption func(*types.SpecReport)

// spec returns the report of an It node that ran to the given state.
// The labels go on the leaf; use inContainer for container labels.
func spec(text string, state types.SpecState, labels []string, opts ...specOption) types.SpecReport {
	s := types.SpecReport{
		LeafNodeType:     types.NodeTypeIt,
		LeafNodeText:     text,
		LeafNodeLabels:   labels,
		LeafNodeLocation: types.CodeLocation{FileName: "/src/suites/rfc959.go", LineNumber: 10},
		State:            state,
		NumAttempts:      1,
		RunTime:          120 * time.Millisecond,
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// notRun marks the spec as never started: what ginkgo records for a spec
// a filter excluded and for one left out because the run stopped early.
func notRun(s *types.SpecReport) {
	s.State = types.SpecStateSkipped
	s.NumAttempts = 0
	s.RunTime = 0
	s.Failure = types.Failure{}
}

func line(n int) specOption {
	return func(s *types.SpecReport) { s.LeafNodeLocation.LineNumber = n }
}

func file(name string) specOption {
	return func(s *types.SpecReport) { s.LeafNodeLocation.FileName = name }
}

func took(d time.Duration) specOption {
	return func(s *types.SpecReport) { s.RunTime = d }
}

func inContainer(text string, labels ...string) specOption {
	return func(s *types.SpecReport) {
		s.ContainerHierarchyTexts = append(s.ContainerHierarchyTexts, text)
		s.ContainerHierarchyLabels = append(s.ContainerHierarchyLabels, labels)
		s.ContainerHierarchyLocations = append(s.ContainerHierarchyLocations, types.CodeLocation{FileName: s.LeafNodeLocation.FileName, LineNumber: 1})
	}
}

func failure(msg string, lineNo int) specOption {
	return func(s *types.SpecReport) {
		s.Failure = types.Failure{
			Message:  msg,
			Location: types.CodeLocation{FileName: s.LeafNodeLocation.FileName, LineNumber: lineNo},
		}
	}
}

func entry(name, value string) specOption {
	return func(s *types.SpecReport) {
		s.ReportEntries = append(s.ReportEntries, types.ReportEntry{
			Name:  name,
			Value: types.WrapEntryValue(value),
		})
	}
}

func warning(s string) specOption    { return entry(checkmeta.EntryWarning, s) }
func info(s string) specOption       { return entry(checkmeta.EntryInfo, s) }
func transcript(s string) specOption { return entry(checkmeta.EntryTranscript, s) }

// suiteNode returns the report of a suite-level node.
func suiteNode(t types.NodeType, state types.SpecState, msg string) types.SpecReport {
	s := types.SpecReport{
		LeafNodeType:     t,
		LeafNodeLocation: types.CodeLocation{FileName: "/src/suites/suite.go", LineNumber: 5},
		State:            state,
		RunTime:          time.Millisecond,
	}
	if msg != "" {
		s.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/src/suites/suite.go", LineNumber: 7}}
	}
	return s
}

var (
	sampleStart = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

	loginTranscript = strings.Join([]string{
		"15:04:05.100 < 220 ready",
		"15:04:05.101 > USER conform",
		"15:04:05.102 < 331 password please",
		"15:04:05.103 > PASS ****",
		"15:04:05.104 < 230 Welcome <script>alert(1)</script>",
	}, "\n")
)

// sampleReport is a run with one check of every kind, in shuffled order,
// as ginkgo would produce it with the label filter "!slow".
func sampleReport() types.Report {
	rfc959 := func(id, section, level string, topics ...string) []string {
		return append([]string{id, "rfc959", "rfc959:" + section, level}, topics...)
	}
	specs := types.SpecReports{
		suiteNode(types.NodeTypeBeforeSuite, types.SpecStatePassed, ""),
		spec("[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password", types.SpecStateFailed,
			rfc959("RFC959-5.4-PASS-CODES", "5.4", "MUST", "login"), line(40), took(300*time.Millisecond),
			failure("expected one of 530, 503; got 230 \"Welcome\"\nthe server accepted a wrong password", 44),
			transcript(loginTranscript)),
		spec("[RFC959-4.2-MULTILINE] ends a multi-line reply with the same code", types.SpecStatePassed,
			rfc959("RFC959-4.2-MULTILINE", "4.2", "MUST", "format"), line(12), took(50*time.Millisecond),
			transcript("< 211-Features\n< 211 End")),
		spec("[RFC959-5.4-STOR-CODES] answers STOR with a code the table lists", types.SpecStatePassed,
			rfc959("RFC959-5.4-STOR-CODES", "5.4", "SHOULD", "write"), line(70), took(80*time.Millisecond),
			warning("550 is not listed for STOR in RFC 959 §5.4 (RFC 1123 allows it)"),
			warning("second deviation"),
			transcript("> STOR x\n< 550 denied")),
		spec("[RFC2428-3-EPSV] opens a data connection with EPSV", types.SpecStateSkipped,
			[]string{"RFC2428-3-EPSV", "rfc2428", "rfc2428:3", "MAY", "pasv"}, file("/src/suites/rfc2428.go"), line(20),
			failure("EPSV not implemented (502)", 25)),
		spec("[RFC1123-4.1.2.6-PASV-MUST] accepts PASV", types.SpecStatePassed,
			[]string{"RFC1123-4.1.2.6-PASV-MUST", "rfc1123", "rfc1123:4.1.2.6", "MUST", "pasv"}, file("/src/suites/rfc1123.go"), line(30),
			info("passive ports 30000-30019, 20 distinct of 20 samples")),
		spec("[POLICY-PASV-RANGE] advertises passive ports inside the expected range", types.SpecStateFailed,
			[]string{"POLICY-PASV-RANGE", "policy", "POLICY", "firewall", "pasv"}, file("/src/suites/policy.go"), line(15),
			failure("port 40001 is outside 30000-30099: is the server's passive range configured?", 18)),
		spec("[RFC959-5.4-NOOP] answers NOOP with 200", types.SpecStateTimedout,
			rfc959("RFC959-5.4-NOOP", "5.4", "MUST"), line(90), took(2*time.Second),
			failure("A suite timeout occurred", 91)),
		spec("[RFC959-5.4-QUIT] answers QUIT with 221", types.SpecStatePanicked,
			rfc959("RFC959-5.4-QUIT", "5.4", "MUST"), line(95),
			func(s *types.SpecReport) {
				s.Failure = types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: index out of range [3] with length 3",
					Location: types.CodeLocation{FileName: "/src/harness/reply.go", LineNumber: 77}}
			}),
		spec("[RFC959-4.1.3-SMNT] mounts a structure", types.SpecStatePending,
			rfc959("RFC959-4.1.3-SMNT", "4.1.3", "MAY"), line(100), func(s *types.SpecReport) { s.NumAttempts, s.RunTime = 0, 0 }),
		spec("[RFC959-5.4-LIST-SLOW] lists a large directory", types.SpecStateSkipped,
			rfc959("RFC959-5.4-LIST-SLOW", "5.4", "SHOULD", "slow"), line(110), notRun),
		spec("[RFC2577-5-BRUTE-FORCE] delays after failed logins", types.SpecStateSkipped,
			[]string{"RFC2577-5-BRUTE-FORCE", "rfc2577", "rfc2577:5", "SHOULD", "security"}, file("/src/suites/rfc2577.go"), line(8), notRun,
			inContainer("brute force", "slow")),
		suiteNode(types.NodeTypeAfterSuite, types.SpecStateFailed, "could not remove scratch directory /ftpconform-1234: 550 Permission denied"),
		suiteNode(types.NodeTypeReportAfterSuite, types.SpecStatePassed, ""),
	}
	return types.Report{
		SuiteDescription: "ftpconform",
		SuiteSucceeded:   false,
		SuiteConfig:      types.SuiteConfig{LabelFilter: "!slow"},
		PreRunStats:      types.PreRunStats{TotalSpecs: 11, SpecsThatWillRun: 8},
		StartTime:        sampleStart,
		EndTime:          sampleStart.Add(3 * time.Second),
		RunTime:          3 * time.Second,
		SpecReports:      specs,
	}
}

// sampleRun is sampleReport converted, with the caller's fields filled in.
func sampleRun(t *testing.T) Run {
	t.Helper()
	r := FromGinkgo(sampleReport())
	r.Version = "v0.1.0-test"
	r.Target = "ftp://conform@127.0.0.1:2121"
	return r
}

func checkByKey(t *testing.T, r Run, key string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no check with key %q", key)
	return Check{}
}

// runModelReport is a run the run model cut short: PASV failed and blocked
// two checks, a warning, a skip, then the server stopped answering during
// NOOP and the last checks were not run.
func runModelReport() types.Report {
	must := func(id, section string) []string {
		return []string{id, "rfc959", "rfc959:" + section, "MUST"}
	}
	pasv := "RFC1123-4.1.2.6-PASV-MUST"
	stop := "the server stopped answering during RFC959-4.1.3-NOOP"
	specs := types.SpecReports{
		spec("["+pasv+"] accepts PASV", types.SpecStateFailed,
			[]string{pasv, "rfc1123", "rfc1123:4.1.2.6", "MUST", "pasv"}, file("/src/suites/rfc1123.go"), line(30),
			failure("227 reply has no address: \"227 Entering Passive Mode\"", 31)),
		spec("[RFC959-4.1.3-LIST] lists the working directory", types.SpecStateSkipped, must("RFC959-4.1.3-LIST", "4.1.3"), line(20),
			failure("needs passive mode", 21), entry(checkmeta.EntryBlocked, pasv)),
		spec("[RFC959-4.1.3-RETR] retrieves a file", types.SpecStateSkipped, must("RFC959-4.1.3-RETR", "4.1.3"), line(22),
			failure("needs passive mode", 23), entry(checkmeta.EntryBlocked, pasv)),
		spec("[RFC959-5.4-STOR-CODES] answers STOR with a code the table lists", types.SpecStatePassed,
			[]string{"RFC959-5.4-STOR-CODES", "rfc959", "rfc959:5.4", "SHOULD"}, line(24), warning("550 is not listed for STOR")),
		spec("[RFC2428-3-EPSV] opens a data connection with EPSV", types.SpecStateSkipped,
			[]string{"RFC2428-3-EPSV", "rfc2428", "rfc2428:3", "MAY"}, file("/src/suites/rfc2428.go"), line(20),
			failure("EPSV not implemented (502)", 25)),
		spec("[RFC959-4.2-MULTILINE] ends a multi-line reply with the same code", types.SpecStatePassed, must("RFC959-4.2-MULTILINE", "4.2"), line(26)),
		spec("[RFC959-4.1.3-NOOP] answers NOOP with 200", types.SpecStateFailed, must("RFC959-4.1.3-NOOP", "4.1.3"), line(28),
			failure("the server stopped answering: connection refused", 29)),
		spec("[RFC959-4.1.3-QUIT] answers QUIT with 221", types.SpecStateSkipped, must("RFC959-4.1.3-QUIT", "4.1.3"), line(40),
			failure(stop, 41), entry(checkmeta.EntryNotRun, "RFC959-4.1.3-NOOP")),
		spec("[RFC959-4.1.3-STAT] answers STAT", types.SpecStateSkipped, must("RFC959-4.1.3-STAT", "4.1.3"), line(42),
			failure(stop, 43), entry(checkmeta.EntryNotRun, "RFC959-4.1.3-NOOP")),
	}
	return types.Report{
		SuiteDescription: "ftpconform",
		PreRunStats:      types.PreRunStats{TotalSpecs: len(specs), SpecsThatWillRun: len(specs)},
		StartTime:        sampleStart,
		EndTime:          sampleStart.Add(2 * time.Second),
		RunTime:          2 * time.Second,
		SpecReports:      specs,
	}
}

func runModelRun(t *testing.T) Run {
	t.Helper()
	r := FromGinkgo(runModelReport())
	r.Version = "v0.1.0-test"
	r.Target = "ftp://conform@127.0.0.1:2121"
	return r
}
