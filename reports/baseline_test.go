package reports

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestReadBaseline(t *testing.T) {
	tests := []struct {
		name, in string
		want     []BaselineEntry
	}{
		{"empty", "", nil},
		{"comments and blanks", "# header\n\n   \n\t# indented comment\n", nil},
		{"tabs", "RFC959-4.2-A\tfailed\tanswers 500\n", []BaselineEntry{{"RFC959-4.2-A", VerdictFailed, "answers 500", 1}}},
		{"no reason", "A\twarned\nB\tskipped\t\n", []BaselineEntry{{"A", VerdictWarned, "", 1}, {"B", VerdictSkipped, "", 2}}},
		{"spaces for hand editing", "A    blocked   blocked by PASV  \n", []BaselineEntry{{"A", VerdictBlocked, "blocked by PASV", 1}}},
		{"reason keeps tabs, # and spaces inside", "A\tnot-run\tstopped\tduring # NOOP  now\n", []BaselineEntry{{"A", VerdictNotRun, "stopped\tduring # NOOP  now", 1}}},
		{"CRLF and a BOM", "\ufeff# c\r\nA\tFailed\tx\r\n", []BaselineEntry{{"A", VerdictFailed, "x", 2}}},
		{"no final newline", "# c\nK/slug\tfailed", []BaselineEntry{{"K/slug", VerdictFailed, "", 2}}},
		{"UTF-8 reason", "A\tfailed\tgot 550 « refusé »\n", []BaselineEntry{{"A", VerdictFailed, "got 550 « refusé »", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ReadBaseline(strings.NewReader(tt.in), "x.baseline")
			if err != nil {
				t.Fatal(err)
			}
			if b.File != "x.baseline" || !slices.Equal(b.Entries, tt.want) {
				t.Errorf("got %q %+v, want %+v", b.File, b.Entries, tt.want)
			}
		})
	}
}

func TestReadBaselineErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# c\nA\n", `b.txt:2: A has no verdict`},
		{"A\t\t\n", `b.txt:1: A has no verdict`},
		{"A\tbroken\n", `b.txt:1: A: unknown verdict "broken"`},
		{"A\tpassed\tok\n", `b.txt:1: A: "passed" is not listed`},
		{"A\tfiltered\n", `b.txt:1: A: "filtered" is not listed`},
		{"A\tfailed\n\nB\twarned\nA\tskipped\n", `b.txt:4: A is listed twice (first on line 1)`},
		{"SUITE\tfailed\n", `b.txt:1: SUITE cannot be listed`},
		{"A\tfailed\t\xff\n", `b.txt:1: not UTF-8`},
		{"A\tfailed\tx\x1b[2J\n", `b.txt:1: control character U+001B in column 11`},
		{"A\tfailed\tx\ry\n", `b.txt:1: control character U+000D`},
		{"# ok\n" + strings.Repeat("x", maxBaselineLine+1) + "\n", `b.txt:2: line longer than`},
	}
	for _, tt := range tests {
		_, err := ReadBaseline(strings.NewReader(tt.in), "b.txt")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%.40q: error %v, want prefix %q", tt.in, err, tt.want)
		}
	}
	_, err := ReadBaseline(io.MultiReader(strings.NewReader("A\tfailed\n"), errReader{}), "b.txt")
	if !errors.Is(err, errBroken) {
		t.Errorf("read error not wrapped: %v", err)
	}
}

var errBroken = errors.New("disk on fire")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

func writeBaseline(t *testing.T, r Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBaseline(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteBaseline(t *testing.T) {
	r := runModelRun(t)
	r.Checks = append(r.Checks, Check{Key: "RFC959-4.2-LONG", Verdict: VerdictFailed, Message: "one\ttab " + strings.Repeat("y", 300) + "\nsecond line"},
		Check{Key: "RFC959-4.2-FILTERED", Verdict: VerdictFiltered}, Check{Key: SuiteKey, Verdict: VerdictFailed, Message: "broken"})
	out := writeBaseline(t, r)
	header, body := out, out
	if !strings.Contains(header, "# One check per line") {
		t.Fatalf("no usage in the header:\n%s", out)
	}
	for _, want := range []string{
		"ftp://conform@127.0.0.1:2121", "ftpconform v0.1.0-test", "2026-01-02T15:04:05Z",
		"--baseline FILE", "the server stopped answering during RFC959-4.1.3-NOOP",
	} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}
	var lines []string
	for l := range strings.Lines(body) {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	want := []string{
		"RFC1123-4.1.2.6-PASV-MUST\tfailed\t227 reply has no address: \"227 Entering Passive Mode\"",
		"RFC2428-3-EPSV\tskipped\tEPSV not implemented (502)",
		"RFC959-4.1.3-LIST\tblocked\tblocked by RFC1123-4.1.2.6-PASV-MUST",
		"RFC959-4.1.3-NOOP\tfailed\tthe server stopped answering: connection refused",
		"RFC959-4.1.3-QUIT\tnot-run\tthe server stopped answering during RFC959-4.1.3-NOOP",
		"RFC959-4.1.3-RETR\tblocked\tblocked by RFC1123-4.1.2.6-PASV-MUST",
		"RFC959-4.1.3-STAT\tnot-run\tthe server stopped answering during RFC959-4.1.3-NOOP",
		"RFC959-4.2-LONG\tfailed\tone tab " + strings.Repeat("y", 191) + "…",
		"RFC959-5.4-STOR-CODES\twarned\t550 is not listed for STOR",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	// A baseline of a clean run says so, and has no entries.
	clean := writeBaseline(t, Run{Tool: "ftpconform"})
	b, err := ReadBaseline(strings.NewReader(clean), "clean")
	if err != nil || len(b.Entries) != 0 || !strings.Contains(clean, "Every check passed") {
		t.Errorf("clean baseline %v %+v:\n%s", err, b, clean)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	for name, r := range map[string]Run{"sample": sampleRun(t), "run model": runModelRun(t)} {
		t.Run(name, func(t *testing.T) {
			first := writeBaseline(t, r)
			b, err := ReadBaseline(strings.NewReader(first), "round-trip")
			if err != nil {
				t.Fatal(err)
			}
			// A failed SUITE pseudo-check (a broken run) is never written,
			// and stays a new failure.
			r.Checks = slices.DeleteFunc(r.Checks, func(c Check) bool { return c.Key == SuiteKey })
			r.Counts = Count(r.Checks)
			res := b.Apply(&r)
			if res.Differs() || res.Regressed() {
				t.Errorf("a run differs from its own baseline: %+v", res)
			}
			if r.Failed() {
				t.Error("known failures still fail the run")
			}
			if len(res.Known) != r.Counts.Failed {
				t.Errorf("%d known, %d failed", len(res.Known), r.Counts.Failed)
			}
			// Rewriting keeps the baseline's reasons and gives the same file.
			if again := writeBaseline(t, r); again != first {
				t.Errorf("rewritten:\n%s\nfirst:\n%s", again, first)
			}
		})
	}
}

func TestBaselineKeepsHandWrittenReasons(t *testing.T) {
	r := runModelRun(t)
	b := Baseline{File: "b", Entries: []BaselineEntry{
		{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "vendor bug #123, fixed in 2.1"},
		{Key: "RFC2428-3-EPSV", Verdict: VerdictWarned, Reason: "used to warn"},
	}}
	b.Apply(&r)
	out := writeBaseline(t, r)
	if !strings.Contains(out, "RFC1123-4.1.2.6-PASV-MUST\tfailed\tvendor bug #123, fixed in 2.1\n") {
		t.Errorf("hand-written reason lost:\n%s", out)
	}
	if !strings.Contains(out, "RFC2428-3-EPSV\tskipped\tEPSV not implemented (502)\n") {
		t.Errorf("a changed verdict should get the run's reason:\n%s", out)
	}
}

func TestBaselineApply(t *testing.T) {
	check := func(key string, v Verdict) Check {
		return Check{Key: key, ID: key, Verdict: v, Message: string(v) + " now"}
	}
	run := Run{Checks: []Check{
		check("KNOWN", VerdictFailed),
		check("NEW", VerdictFailed),
		check("NEW-WAS-WARNED", VerdictFailed),
		check("FIXED", VerdictPassed),
		check("FIXED-WARNING", VerdictPassed),
		check("SAME-WARNING", VerdictWarned),
		check("NEW-WARNING", VerdictWarned),
		check("WARNED-NOW-SKIPPED", VerdictSkipped),
		check("FAILED-NOW-BLOCKED", VerdictBlocked),
		check("SKIPPED-NOW-PASSES", VerdictPassed),
		check("FILTERED", VerdictFiltered),
		check("PASSES", VerdictPassed),
		check(SuiteKey, VerdictFailed),
	}}
	b := Baseline{File: "server.baseline", Entries: []BaselineEntry{
		{Key: "KNOWN", Verdict: VerdictFailed, Reason: "known bug"},
		{Key: "NEW-WAS-WARNED", Verdict: VerdictWarned},
		{Key: "FIXED", Verdict: VerdictFailed, Reason: "was broken"},
		{Key: "FIXED-WARNING", Verdict: VerdictWarned},
		{Key: "SAME-WARNING", Verdict: VerdictWarned, Reason: "tolerated"},
		{Key: "WARNED-NOW-SKIPPED", Verdict: VerdictWarned},
		{Key: "FAILED-NOW-BLOCKED", Verdict: VerdictFailed},
		{Key: "SKIPPED-NOW-PASSES", Verdict: VerdictSkipped},
		{Key: "FILTERED", Verdict: VerdictFailed},
		{Key: "GONE", Verdict: VerdictFailed, Reason: "renamed"},
	}}
	if !run.Failed() {
		t.Fatal("setup: the run should fail without a baseline")
	}
	res := b.Apply(&run)
	keys := func(l []BaselineDiff) string {
		var k []string
		for _, d := range l {
			k = append(k, d.Key)
		}
		return strings.Join(k, " ")
	}
	for name, got := range map[string][2]string{
		"known":   {keys(res.Known), "KNOWN"},
		"new":     {keys(res.New), "NEW NEW-WAS-WARNED SUITE"},
		"fixed":   {keys(res.Fixed), "FIXED FIXED-WARNING"},
		"changed": {keys(res.Changed), "FAILED-NOW-BLOCKED NEW-WARNING SKIPPED-NOW-PASSES WARNED-NOW-SKIPPED"},
		"stale":   {keys(res.Stale), "GONE"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s: %q, want %q", name, got[0], got[1])
		}
	}
	if !res.Regressed() || !res.Differs() || res.File != "server.baseline" || run.Baseline == nil || run.Baseline.File != "server.baseline" {
		t.Errorf("result %+v; run.Baseline %v", res, run.Baseline)
	}
	if d := res.Changed[0]; d.Expected != VerdictFailed || d.Got != VerdictBlocked {
		t.Errorf("changed diff %+v", d)
	}
	if d := res.New[1]; d.Expected != VerdictWarned || d.Got != VerdictFailed {
		t.Errorf("new diff %+v", d)
	}
	if c := checkByKey(t, run, "KNOWN"); c.Verdict != VerdictFailed || c.Baseline != "known bug" || c.BaselineVerdict != VerdictFailed || !c.known() {
		t.Errorf("known check %+v", c)
	}
	if c := checkByKey(t, run, "FILTERED"); c.BaselineVerdict != "" {
		t.Errorf("filtered check compared: %+v", c)
	}
	if c := checkByKey(t, run, SuiteKey); c.known() {
		t.Error("SUITE is never a known failure")
	}

	// Without the new failures, the known one does not fail the run.
	run.Checks = slices.DeleteFunc(run.Checks, func(c Check) bool { return strings.HasPrefix(c.Key, "NEW") || c.Key == SuiteKey })
	if run.Failed() {
		t.Error("a known failure fails the run")
	}
	res = b.Apply(&run)
	if res.Regressed() || !res.Differs() {
		t.Errorf("after removing new failures: %+v", res)
	}
	// Applying an empty baseline undoes the first.
	res = Baseline{}.Apply(&run)
	if !run.Failed() || !res.Regressed() || checkByKey(t, run, "KNOWN").Baseline != "" {
		t.Errorf("re-applying did not reset: %+v", res)
	}

	var only Run
	only.Checks = []Check{check("KNOWN", VerdictFailed), check("SAME-WARNING", VerdictWarned)}
	res = Baseline{Entries: b.Entries[:1:1]}.Apply(&only)
	res2 := Baseline{Entries: []BaselineEntry{b.Entries[0], b.Entries[4]}}.Apply(&only)
	if !res.Differs() || res2.Differs() || res2.Regressed() {
		t.Errorf("differs: %+v / %+v", res, res2)
	}
}

func TestWriteBaselineSummary(t *testing.T) {
	res := BaselineResult{
		File:    "interop/vsftpd.baseline",
		Known:   []BaselineDiff{{Key: "K1", Expected: VerdictFailed, Got: VerdictFailed}, {Key: "K2", Expected: VerdictFailed, Got: VerdictFailed}},
		New:     []BaselineDiff{{Key: "RFC959-5.4-NOOP", Expected: VerdictPassed, Got: VerdictFailed}, {Key: "W", Expected: VerdictWarned, Got: VerdictFailed}},
		Fixed:   []BaselineDiff{{Key: "RFC959-4.1.3-STAT-CODES", Expected: VerdictFailed, Got: VerdictPassed}},
		Changed: []BaselineDiff{{Key: "RFC2428-3-EPSV", Expected: VerdictSkipped, Got: VerdictWarned}},
		Stale:   []BaselineDiff{{Key: "RFC959-9.9-TYPO\x1b[2J", Expected: VerdictFailed}},
	}
	var buf bytes.Buffer
	if err := WriteBaselineSummary(&buf, res); err != nil {
		t.Fatal(err)
	}
	want := `Baseline interop/vsftpd.baseline: 2 known failures, 2 new, 1 fixed, 1 changed, 1 stale
New failures (not in the baseline):
  RFC959-5.4-NOOP
  W  expected warned
Fixed (remove them from the baseline):
  RFC959-4.1.3-STAT-CODES  expected failed, now passes
Changed:
  RFC2428-3-EPSV  expected skipped, now warned
Stale (in the baseline, not in this run):
  RFC959-9.9-TYPO\x1b[2J  no such check (renamed, or a typo?)
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := WriteBaselineSummary(&buf, BaselineResult{File: "b", Known: res.Known[:1]}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "Baseline b: 1 known failure, as expected\n" {
		t.Errorf("got %q", got)
	}
}

// FuzzReadBaseline checks that the parser never panics, that what it
// accepts has the documented shape, and that writing the entries back
// reads the same.
func FuzzReadBaseline(f *testing.F) {
	for _, s := range []string{
		"", "# c\n", "A\tfailed\treason\n", "A  warned  x  y \r\n", "\ufeffA\tnot-run\n",
		"A\tpassed\n", "A\tfailed\nA\tfailed\n", "A\n", "SUITE\tfailed\n", "A\tfailed\t\xff\n",
		"RFC959-4.2-A/slug\tBLOCKED\tblocked by B\t# not a comment\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ReadBaseline(strings.NewReader(in), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range b.Entries {
			if e.Key == "" || strings.ContainsAny(e.Key, " \t\n") || e.Key[0] == '#' || seen[e.Key] || e.Key == SuiteKey {
				t.Fatalf("bad key %q", e.Key)
			}
			seen[e.Key] = true
			if !slices.Contains(baselineVerdicts, e.Verdict) {
				t.Fatalf("bad verdict %q", e.Verdict)
			}
			if strings.ContainsAny(e.Reason, "\n\r") || strings.TrimRight(e.Reason, " \t") != e.Reason {
				t.Fatalf("bad reason %q", e.Reason)
			}
		}
		var buf bytes.Buffer
		writeBaselineEntries(&buf, b.Entries)
		again, err := ReadBaseline(&buf, "fuzz")
		if err != nil {
			t.Fatalf("written entries do not read back: %v\n%q", err, buf.String())
		}
		if len(again.Entries) != len(b.Entries) {
			t.Fatalf("%d entries, then %d", len(b.Entries), len(again.Entries))
		}
		for i, e := range again.Entries {
			o := b.Entries[i]
			if e.Key != o.Key || e.Verdict != o.Verdict || e.Reason != o.Reason {
				t.Fatalf("entry %d: %+v, then %+v", i, o, e)
			}
		}
	})
}

// TestBaselineAlternatives: a check known to be inconsistent on a server
// is listed with alternatives; any of them is as expected, and a rewrite
// keeps the line.
func TestBaselineAlternatives(t *testing.T) {
	b, err := ReadBaseline(strings.NewReader("A\tpassed|warned\tmisses ABOR now and then\nB\tfailed|warned\t\n"), "alt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a, b      Verdict
		regressed bool
		differs   bool
	}{
		{VerdictPassed, VerdictFailed, false, false},
		{VerdictWarned, VerdictWarned, false, false},
		{VerdictFailed, VerdictFailed, true, true},
		{VerdictPassed, VerdictPassed, false, true}, // B fixed
	} {
		run := Run{Checks: []Check{{Key: "A", Verdict: tc.a}, {Key: "B", Verdict: tc.b}}}
		res := b.Apply(&run)
		if res.Regressed() != tc.regressed || res.Differs() != tc.differs {
			t.Errorf("A %s, B %s: regressed %v differs %v; want %v %v (%+v)", tc.a, tc.b, res.Regressed(), res.Differs(), tc.regressed, tc.differs, res)
		}
		if tc.a != VerdictFailed && tc.b == VerdictFailed && run.Failed() {
			t.Errorf("A %s, B failed (expected): the run must not fail", tc.a)
		}
	}
	run := Run{Checks: []Check{{Key: "A", Verdict: VerdictPassed}, {Key: "B", Verdict: VerdictWarned}}}
	b.Apply(&run)
	var out bytes.Buffer
	if err := WriteBaseline(&out, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "A\tpassed|warned\tmisses ABOR now and then\n") || !strings.Contains(out.String(), "B\tfailed|warned") {
		t.Errorf("a rewrite lost the alternatives:\n%s", out.String())
	}
	for _, bad := range []string{"A\tpassed\n", "A\tpassed|filtered\n", "A\twarned|warned\n", "A\tpassed|nope\n"} {
		if _, err := ReadBaseline(strings.NewReader(bad), "bad"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
