package reports

import (
	"bytes"
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
