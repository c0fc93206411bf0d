package reports

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestSideBySide: two JSON reports read back become two columns, a row per
// check, the rows whose verdicts differ marked, a check one run lacks
// shown as absent.
func TestSideBySide(t *testing.T) {
	a, b := sampleRun(t), sampleRun(t)
	a.Target, b.Target = "ftp://a:21", "ftp://b:21"
	for i := len(b.Checks) - 1; i >= 0; i-- {
		if c := b.Checks[i]; c.Verdict != VerdictFiltered && c.Key != SuiteKey && c.Key != "" {
			b.Checks = append(b.Checks[:i:i], b.Checks[i+1:]...)
			break
		}
	}
	for i, c := range b.Checks {
		if c.Verdict == VerdictPassed {
			b.Checks[i].Verdict, b.Checks[i].Message = VerdictFailed, "differs here"
			break
		}
	}
	var runs []SideRun
	var checks []SideCheck
	for _, r := range []Run{a, b} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		run, cs, err := ReadSideRun(&buf, "")
		if err != nil {
			t.Fatal(err)
		}
		runs, checks = append(runs, run), append(checks, cs...)
	}
	var out bytes.Buffer
	if err := WriteSideBySide(&out, runs, checks); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	for _, want := range []string{"<th>ftp://a:21", "<th>ftp://b:21", `class="differ"`, `title="differs here"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(html, ">absent<") {
		t.Error("a check the second run lacks is not shown as absent")
	}
	if _, _, err := ReadSideRun(strings.NewReader(`{"format":"other"}`), ""); err == nil {
		t.Error("a JSON file of another format was read as a report")
	}
	wellFormed(t, html)
}

// TestSideBySideJSON: the matrix as JSON has the runs with their labels,
// targets and totals, and a row per check (each once, in the order the
// runs first name them, neither filtered checks nor SUITE) whose cells
// give each run's verdict and one-line reason, "absent" where a run lacks
// the check.
func TestSideBySideJSON(t *testing.T) {
	a := Run{Tool: "ftpconform", Target: "ftp://conform@a:21", Checks: []Check{
		{Key: "RFC959-4.1.3-NOOP", Title: "answers NOOP with 200", Level: "MUST", RFC: "rfc959", Verdict: VerdictPassed},
		{Key: "RFC959-4.2-CRLF", Title: "ends lines with CRLF", Level: "MUST", RFC: "rfc959", Verdict: VerdictPassed},
		{Key: "RFC2389-3-FEAT", Title: "answers FEAT", Level: "SHOULD", RFC: "rfc2389", Verdict: VerdictFiltered},
		{Key: SuiteKey, Title: "the suite", RFC: RFCSuite, Verdict: VerdictFailed, Message: "broken"},
	}}
	b := Run{Tool: "ftpconform", Target: "ftp://conform@b:21", Interrupted: true, Stopped: "interrupted by a signal", Checks: []Check{
		{Key: "RFC959-4.1.3-NOOP", Title: "answers NOOP with 200", Level: "MUST", RFC: "rfc959", Verdict: VerdictFailed,
			Message: "NOOP: expected one of 200; got 500 \"Unknown\"\nsecond line"},
		{Key: "RFC959-5.4-STOR-CODES", Title: "answers STOR", Level: "SHOULD", RFC: "rfc959", Verdict: VerdictWarned,
			Warnings: []string{"550 is not listed for STOR", "another"}},
	}}
	var runs []SideRun
	var checks []SideCheck
	for i, r := range []Run{a, b} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		run, cs, err := ReadSideRun(&buf, []string{"clean", ""}[i])
		if err != nil {
			t.Fatal(err)
		}
		runs, checks = append(runs, run), append(checks, cs...)
	}
	var out bytes.Buffer
	if err := WriteSideBySideJSON(&out, runs, checks); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format        string `json:"format"`
		FormatVersion int    `json:"format_version"`
		Runs          []struct {
			Label, Target, Stopped string
			Failed, Interrupted    bool
			Counts                 map[string]int
		} `json:"runs"`
		Checks []struct {
			Key, Title, Level, RFC string
			Differ                 bool
			Cells                  []struct{ Verdict, Reason string }
		} `json:"checks"`
		Differ int `json:"differ"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if doc.Format != SideJSONFormat || doc.FormatVersion != SideJSONVersion {
		t.Errorf("format %q version %d", doc.Format, doc.FormatVersion)
	}
	if len(doc.Runs) != 2 {
		t.Fatalf("%d runs, want 2:\n%s", len(doc.Runs), out.String())
	}
	if r := doc.Runs[0]; r.Label != "clean" || r.Target != "ftp://conform@a:21" || !r.Failed || r.Counts["passed"] != 2 || r.Counts["failed"] != 1 || r.Counts["total"] != 3 {
		t.Errorf("first run: %+v", r)
	}
	if r := doc.Runs[1]; r.Label != "ftp://conform@b:21" || !r.Interrupted || r.Stopped != "interrupted by a signal" || r.Counts["warned"] != 1 || r.Counts["total"] != 2 {
		t.Errorf("second run: %+v", r)
	}
	type cell = struct{ Verdict, Reason string }
	want := []struct {
		key    string
		differ bool
		cells  []cell
	}{
		{"RFC959-4.1.3-NOOP", true, []cell{{"passed", ""}, {"failed", `NOOP: expected one of 200; got 500 "Unknown"`}}},
		{"RFC959-4.2-CRLF", true, []cell{{"passed", ""}, {"absent", ""}}},
		{"RFC959-5.4-STOR-CODES", true, []cell{{"absent", ""}, {"warned", "550 is not listed for STOR"}}},
	}
	if len(doc.Checks) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(doc.Checks), len(want), out.String())
	}
	for i, w := range want {
		got := doc.Checks[i]
		if got.Key != w.key || got.Differ != w.differ || !slices.Equal(got.Cells, w.cells) {
			t.Errorf("row %d: %+v, want %s differ=%v %v", i, got, w.key, w.differ, w.cells)
		}
	}
	if c := doc.Checks[0]; c.Title != "answers NOOP with 200" || c.Level != "MUST" || c.RFC != "rfc959" {
		t.Errorf("row 0 describes the check as %+v", c)
	}
	if doc.Differ != 3 {
		t.Errorf("differ %d, want 3", doc.Differ)
	}

	// No runs at all: still a document with empty lists.
	out.Reset()
	if err := WriteSideBySideJSON(&out, nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"runs": []`) || !strings.Contains(out.String(), `"checks": []`) {
		t.Errorf("empty matrix: %s", out.String())
	}
}
