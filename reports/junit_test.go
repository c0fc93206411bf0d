package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/onsi/ginkgo/v2/types"
)

// schemaPath is the JUnit schema of the Jenkins xUnit plugin, which most
// CI systems accept.
const schemaPath = "../testdata/junit-10.xsd"

func writeJUnit(t *testing.T, r Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	return buf.Bytes()
}

func parseJUnit(t *testing.T, doc []byte) junit.Testsuites {
	t.Helper()
	var suites junit.Testsuites
	if err := xml.Unmarshal(doc, &suites); err != nil {
		t.Fatalf("output does not parse as XML: %v\n%s", err, doc)
	}
	return suites
}

// validateJUnit parses r's JUnit output and, when xmllint is installed,
// validates it against the schema. It reports whether xmllint ran.
func validateJUnit(t *testing.T, r Run) bool {
	t.Helper()
	doc := writeJUnit(t, r)
	parseJUnit(t, doc)
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return false
	}
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", schemaPath, path).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint --schema %s: %v\n%s\ndocument:\n%s", schemaPath, err, out, doc)
	}
	return true
}

func TestJUnitStructure(t *testing.T) {
	r := sampleRun(t)
	doc := writeJUnit(t, r)
	if !bytes.HasPrefix(doc, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<testsuites")) {
		t.Errorf("header: %.80q", doc)
	}
	if n := bytes.Count(doc, []byte("<error")); n != 1 {
		t.Errorf("%d <error> elements: only the SUITE problem (the tester's side) is one; conformance failures are <failure>", n)
	}
	if bytes.Contains(doc, []byte("LIST-SLOW")) || bytes.Contains(doc, []byte("BRUTE-FORCE")) {
		t.Error("filtered checks must not appear in JUnit")
	}
	s := parseJUnit(t, doc)

	if s.Name != "ftpconform" || s.Tests != 10 || s.Failures != 4 || s.Errors != 1 || s.Time != "3.000" {
		t.Errorf("testsuites: name %q tests %d failures %d errors %d time %q", s.Name, s.Tests, s.Failures, s.Errors, s.Time)
	}
	var names []string
	for _, ts := range s.Suites {
		names = append(names, ts.Name)
	}
	if got, want := strings.Join(names, " "), "suite rfc959 rfc1123 rfc2428 policy"; got != want {
		t.Errorf("suites %q, want %q", got, want)
	}

	byName := map[string]junit.Testsuite{}
	for _, ts := range s.Suites {
		byName[ts.Name] = ts
		if len(ts.Testcases) != ts.Tests {
			t.Errorf("%s: tests=%d but %d testcases", ts.Name, ts.Tests, len(ts.Testcases))
		}
		if ts.Timestamp != "2026-01-02T15:04:05Z" {
			t.Errorf("%s: timestamp %q", ts.Name, ts.Timestamp)
		}
		props := map[string]string{}
		if ts.Properties != nil {
			for _, p := range *ts.Properties {
				props[p.Name] = p.Value
			}
		}
		if props["target"] != "ftp://conform@127.0.0.1:2121" || props["version"] != "v0.1.0-test" || props["tool"] != "ftpconform" {
			t.Errorf("%s: properties %v", ts.Name, props)
		}
	}
	rfc959 := byName["rfc959"]
	if rfc959.Tests != 6 || rfc959.Failures != 3 || rfc959.Skipped != 1 || rfc959.Errors != 0 {
		t.Errorf("rfc959: tests %d failures %d skipped %d errors %d", rfc959.Tests, rfc959.Failures, rfc959.Skipped, rfc959.Errors)
	}
	// 50+300+80+2000+120+0 ms (pending has no run time)
	if rfc959.Time != "2.550" {
		t.Errorf("rfc959 time %q", rfc959.Time)
	}

	cases := map[string]junit.Testcase{}
	for _, ts := range s.Suites {
		for _, tc := range ts.Testcases {
			cases[tc.Name] = tc
		}
	}
	failed, ok := cases[`[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password (MUST)`]
	if !ok {
		t.Fatalf("failed case missing; have %v", mapKeys(cases))
	}
	if failed.Classname != "ftpconform.rfc959.section-5-4" || failed.Time != "0.300" {
		t.Errorf("classname %q time %q", failed.Classname, failed.Time)
	}
	if f := failed.Failure; f == nil || f.Message != `expected one of 530, 503; got 230 "Welcome"` || f.Type != "MUST" ||
		!strings.Contains(f.Data, "the server accepted a wrong password") || !strings.HasSuffix(f.Data, "at suites/rfc959.go:44") {
		t.Errorf("failure %+v", failed.Failure)
	}
	if failed.SystemOut == nil || failed.SystemOut.Data != loginTranscript {
		t.Errorf("system-out %+v", failed.SystemOut)
	}

	warned := cases[`[RFC959-5.4-STOR-CODES] answers STOR with a code the table lists (SHOULD)`]
	if warned.Failure != nil || warned.Skipped != nil || warned.SystemOut == nil {
		t.Fatalf("warned case %+v", warned)
	}
	if want := "WARNING: 550 is not listed for STOR in RFC 959 §5.4 (RFC 1123 allows it)\nWARNING: second deviation\n\n> STOR x\n< 550 denied"; warned.SystemOut.Data != want {
		t.Errorf("warned system-out %q, want %q", warned.SystemOut.Data, want)
	}

	skipped := cases[`[RFC2428-3-EPSV] opens a data connection with EPSV (MAY)`]
	if skipped.Skipped == nil || skipped.Skipped.Message != "EPSV not implemented (502)" || skipped.Classname != "ftpconform.rfc2428.section-3" {
		t.Errorf("skipped case %+v", skipped)
	}
	pending := cases[`[RFC959-4.1.3-SMNT] mounts a structure (MAY)`]
	if pending.Skipped == nil || pending.Skipped.Message != "pending" {
		t.Errorf("pending case %+v", pending)
	}

	passed := cases[`[RFC1123-4.1.2.6-PASV-MUST] accepts PASV (MUST)`]
	if passed.Failure != nil || passed.SystemOut == nil || passed.SystemOut.Data != "INFO: passive ports 30000-30019, 20 distinct of 20 samples\n" {
		t.Errorf("passed case %+v %+v", passed, passed.SystemOut)
	}
	plain := cases[`[RFC959-4.2-MULTILINE] ends a multi-line reply with the same code (MUST)`]
	if plain.SystemOut != nil {
		t.Errorf("a passed check's transcript stays out of JUnit: %+v", plain.SystemOut)
	}

	policy := cases[`[POLICY-PASV-RANGE] advertises passive ports inside the expected range (POLICY)`]
	if policy.Classname != "ftpconform.policy.general" || policy.Failure == nil || policy.Failure.Type != "POLICY" {
		t.Errorf("policy case %+v", policy)
	}
	suite := cases["[SUITE] AfterSuite"]
	if suite.Classname != "ftpconform.suite" || suite.Error == nil || suite.Failure != nil || suite.Error.Type != "SUITE" {
		t.Errorf("suite case %+v: a problem on the tester's side is an <error>", suite)
	}
}

// TestJUnitWarnings: a warned check passes, with its warnings in
// system-err and in the testsuite's "warnings" property; with
// WarningsAsFailures it is a failure of type WARNING.
func TestJUnitWarnings(t *testing.T) {
	r := sampleRun(t)
	var warnedKey string
	for i, c := range r.Checks {
		if c.Verdict == VerdictPassed && c.Key != SuiteKey {
			r.Checks[i].Verdict, r.Checks[i].Warnings = VerdictWarned, []string{"227 without parentheses"}
			warnedKey = c.Key
			break
		}
	}
	if warnedKey == "" {
		t.Fatal("no passing check in the sample run")
	}
	for _, asFailures := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteJUnitWith(&buf, r, JUnitOptions{WarningsAsFailures: asFailures}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if i := strings.Index(out, "<system-err>"); i < 0 || !strings.Contains(out[i:], "WARNING: 227 without parentheses") {
			t.Errorf("as failures %v: no warning in system-err", asFailures)
		}
		if !strings.Contains(out, `name="warnings" value="1 warned: `+warnedKey) {
			t.Errorf("as failures %v: no warnings property", asFailures)
		}
		if got := strings.Contains(out, `type="WARNING"`); got != asFailures {
			t.Errorf("as failures %v: a failure of type WARNING: %v", asFailures, got)
		}
	}
}

func TestJUnitSanitisesServerText(t *testing.T) {
	garbage := "got \x00\x07 and \xff\xfe then \x1b[31mred\x1b[0m \ufffe ]]> end"
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[RFC959-4.2-MULTILINE] title \x01\x02", types.SpecStateFailed, []string{"rfc959", "rfc959:4.2", "MUST"},
			failure("first \x07line\nsecond "+garbage, 1),
			warning("warn "+garbage),
			info("info \xc3\x28"),
			transcript("< 220 "+garbage)),
		spec("[RFC959-4.2-SKIP] skipped", types.SpecStateSkipped, []string{"rfc959", "MAY"},
			failure("reason \x00", 1)),
	}})
	r.Target = "ftp://h\x7f\x00st"
	doc := writeJUnit(t, r)
	s := parseJUnit(t, doc) // the point: it parses

	tc := s.Suites[0].Testcases[0]
	if tc.Name != `[RFC959-4.2-MULTILINE] title \x01\x02 (MUST)` {
		t.Errorf("name %q", tc.Name)
	}
	if tc.Failure.Message != `first \x07line` {
		t.Errorf("message %q", tc.Failure.Message)
	}
	wantGarbage := `got \x00\x07 and \xff\xfe then \x1b[31mred\x1b[0m \uFFFE ]]> end`
	if !strings.Contains(tc.Failure.Data, wantGarbage) {
		t.Errorf("failure data %q lacks %q", tc.Failure.Data, wantGarbage)
	}
	for _, want := range []string{"WARNING: warn " + wantGarbage, `INFO: info \xc3(`, "< 220 " + wantGarbage} {
		if !strings.Contains(tc.SystemOut.Data, want) {
			t.Errorf("system-out %q lacks %q", tc.SystemOut.Data, want)
		}
	}
	if got := s.Suites[0].Testcases[1].Skipped.Message; got != `reason \x00` {
		t.Errorf("skip message %q", got)
	}
	if v := junitProperty(s.Suites[0], "target"); v != "ftp://h\x7f\\x00st" {
		t.Errorf("target property %q", v)
	}
	validateJUnit(t, r)
}

func TestJUnitSchema(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint is not on PATH: install libxml2-utils to validate the JUnit output against testdata/junit-10.xsd")
	}
	empty := Run{Tool: "ftpconform"}
	suiteOnly := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		suiteNode(types.NodeTypeBeforeSuite, types.SpecStateFailed, "cannot connect"),
	}})
	allPassed := FromGinkgo(types.Report{
		StartTime: time.Now(),
		SpecReports: types.SpecReports{
			spec("[RFC959-4.2-A] a", types.SpecStatePassed, []string{"rfc959", "MUST"}),
		},
	})
	stoppedAtPreflight := Run{Tool: "ftpconform", Stopped: `credentials refused: 530 "Login incorrect."`}
	withBaseline := runModelRun(t)
	Baseline{Entries: []BaselineEntry{{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "bug"}}}.Apply(&withBaseline)
	for name, r := range map[string]Run{"sample": sampleRun(t), "empty": empty, "suite only": suiteOnly, "all passed": allPassed,
		"run model": runModelRun(t), "stopped at preflight": stoppedAtPreflight, "baseline": withBaseline} {
		t.Run(name, func(t *testing.T) {
			if !validateJUnit(t, r) {
				t.Fatal("xmllint did not run")
			}
		})
	}
}

func TestJUnitRunModelAndBaseline(t *testing.T) {
	r := runModelRun(t)
	b := Baseline{File: "b", Entries: []BaselineEntry{
		{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "vendor bug #12"},
		{Key: "RFC959-4.2-MULTILINE", Verdict: VerdictFailed},
		{Key: "RFC2428-3-EPSV", Verdict: VerdictWarned},
	}}
	b.Apply(&r)
	s := parseJUnit(t, writeJUnit(t, r))
	cases := map[string]junit.Testcase{}
	for _, ts := range s.Suites {
		props := map[string]string{}
		for _, p := range *ts.Properties {
			props[p.Name] = p.Value
		}
		if props["stopped"] != "the server stopped answering during RFC959-4.1.3-NOOP" {
			t.Errorf("%s: properties %v", ts.Name, props)
		}
		for _, tc := range ts.Testcases {
			key, _, _ := strings.Cut(strings.TrimPrefix(tc.Name, "["), "]")
			cases[key] = tc
		}
		if ts.Name == "rfc959" && (ts.Skipped != 4 || ts.Failures != 1 || ts.Tests != 7) {
			t.Errorf("rfc959: tests %d failures %d skipped %d", ts.Tests, ts.Failures, ts.Skipped)
		}
	}
	// Known failure: skipped, green.
	if tc := cases["RFC1123-4.1.2.6-PASV-MUST"]; tc.Failure != nil || tc.Skipped == nil ||
		tc.Skipped.Message != `known deviation (baseline: vendor bug #12): 227 reply has no address: "227 Entering Passive Mode"` ||
		!strings.HasSuffix(tc.Skipped.Data, "at suites/rfc1123.go:31") {
		t.Errorf("known failure %+v %+v", tc, tc.Skipped)
	}
	if tc := cases["RFC959-4.1.3-LIST"]; tc.Skipped == nil || tc.Skipped.Message != "blocked by RFC1123-4.1.2.6-PASV-MUST: needs passive mode" {
		t.Errorf("blocked %+v", tc.Skipped)
	}
	if tc := cases["RFC959-4.1.3-QUIT"]; tc.Skipped == nil || tc.Skipped.Message != "not run: the server stopped answering during RFC959-4.1.3-NOOP" {
		t.Errorf("not run %+v", tc.Skipped)
	}
	if tc := cases["RFC959-4.1.3-NOOP"]; tc.Failure == nil {
		t.Errorf("new failure %+v", tc)
	}
	if tc := cases["RFC959-4.2-MULTILINE"]; tc.SystemOut == nil || !strings.HasPrefix(tc.SystemOut.Data, "BASELINE: fixed: remove it from the baseline") {
		t.Errorf("fixed %+v", tc.SystemOut)
	}
	if tc := cases["RFC2428-3-EPSV"]; tc.Skipped == nil || tc.SystemOut == nil || !strings.HasPrefix(tc.SystemOut.Data, "BASELINE: the baseline expects warned\n") {
		t.Errorf("changed %+v", tc.SystemOut)
	}
	if s.Failures != 1 {
		t.Errorf("testsuites failures %d", s.Failures)
	}

	stopped := parseJUnit(t, writeJUnit(t, Run{Stopped: "credentials refused"}))
	if len(stopped.Suites) != 1 || stopped.Suites[0].Tests != 0 || junitProperty(stopped.Suites[0], "stopped") != "credentials refused" {
		t.Errorf("a run stopped before any check: %+v", stopped)
	}
}

// junitProperty is the value of the testsuite's property name, or "".
func junitProperty(s junit.Testsuite, name string) string {
	if s.Properties == nil {
		return ""
	}
	for _, p := range *s.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}
