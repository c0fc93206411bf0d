package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -run %s -update rewrites it)\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

func TestSummaryGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, sampleRun(t), false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("escape sequences without colour")
	}
	golden(t, "summary.golden", buf.Bytes())
}

func TestSummaryColour(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, sampleRun(t), true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{ansiRed + "FAIL" + ansiReset, ansiYellow + "WARN" + ansiReset, ansiBold + "LEVEL"} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured summary lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "2 passed, 5 failed, 1 warned, 2 skipped" {
		t.Errorf("last line %q", last)
	}
}

func TestSummaryLastLine(t *testing.T) {
	for _, r := range []Run{{}, FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[A] a", types.SpecStatePassed, []string{"rfc959", "MUST"}),
	}})} {
		var buf bytes.Buffer
		if err := WriteSummary(&buf, r, false); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		last := lines[len(lines)-1]
		want := "0 passed, 0 failed, 0 warned, 0 skipped"
		if len(r.Checks) == 1 {
			want = "1 passed, 0 failed, 0 warned, 0 skipped"
		}
		if last != want {
			t.Errorf("last line %q, want %q", last, want)
		}
		if strings.Contains(buf.String(), "Failed:") || strings.Contains(buf.String(), "Warnings:") {
			t.Errorf("empty sections shown:\n%s", buf.String())
		}
	}
}

func TestSummaryNeutralisesTerminalEscapes(t *testing.T) {
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[A] a", types.SpecStateFailed, []string{"MUST"},
			failure("got \x1b]0;pwned\x07\x1b[2J and \u202eevil\r\nnext \rline", 1)),
	}})
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\u202e") || strings.Contains(out, "\r") {
		t.Errorf("server text reached the terminal raw: %q", out)
	}
	want := `     got \x1b]0;pwned\x07\x1b[2J and \u202Eevil` + "\n" + `     next \x0dline` + "\n"
	if !strings.Contains(out, want) {
		t.Errorf("summary lacks %q:\n%s", want, out)
	}
}

func TestProgressLine(t *testing.T) {
	r := sampleRun(t)
	tests := map[string]string{
		"RFC959-4.2-MULTILINE":                 "PASS  [RFC959-4.2-MULTILINE] ends a multi-line reply with the same code (0.05s)",
		"RFC959-5.4-PASS-CODES/wrong-password": `FAIL  [RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password (0.30s) — expected one of 530, 503; got 230 "Welcome"`,
		"RFC959-5.4-STOR-CODES":                "WARN  [RFC959-5.4-STOR-CODES] answers STOR with a code the table lists (0.08s) — 550 is not listed for STOR in RFC 959 §5.4 (RFC 1123 allows it)",
		"RFC2428-3-EPSV":                       "SKIP  [RFC2428-3-EPSV] opens a data connection with EPSV — EPSV not implemented (502)",
		"RFC959-4.1.3-SMNT":                    "SKIP  [RFC959-4.1.3-SMNT] mounts a structure — pending",
		"SUITE":                                "FAIL  [SUITE] AfterSuite (0.00s) — could not remove scratch directory /ftpconform-1234: 550 Permission denied",
		"RFC959-5.4-LIST-SLOW":                 "",
	}
	for key, want := range tests {
		if got := ProgressLine(checkByKey(t, r, key)); got != want {
			t.Errorf("%s:\n got %q\nwant %q", key, got, want)
		}
	}

	long := Check{Key: "K", Title: "t", Verdict: VerdictFailed, Message: strings.Repeat("x", 500) + "\nsecond", Duration: time.Second}
	got := ProgressLine(long)
	if strings.Contains(got, "\n") || strings.Contains(got, "second") || !strings.HasSuffix(got, "x…") || len([]rune(got)) > 200 {
		t.Errorf("long message not cut to one short line: %q", got)
	}
	evil := Check{Key: "K", Title: "t\x1b[2J", Verdict: VerdictSkipped, Message: "\x07"}
	if got := ProgressLine(evil); got != `SKIP  [K] t\x1b[2J — \x07` {
		t.Errorf("got %q", got)
	}
}

func TestSummaryRunModelGolden(t *testing.T) {
	r := runModelRun(t)
	b := Baseline{File: "vsftpd.baseline", Entries: []BaselineEntry{
		{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "vendor bug #12"},
		{Key: "RFC959-4.2-MULTILINE", Verdict: VerdictFailed},
	}}
	b.Apply(&r)
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r, false); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-run-model.golden", buf.Bytes())
}

func TestProgressLineRunModel(t *testing.T) {
	r := runModelRun(t)
	b := Baseline{Entries: []BaselineEntry{
		{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "vendor bug #12"},
		{Key: "RFC959-4.2-MULTILINE", Verdict: VerdictWarned},
		{Key: "RFC2428-3-EPSV", Verdict: VerdictFailed},
	}}
	tests := map[string]string{
		"RFC959-4.1.3-LIST":         "BLOCKED  [RFC959-4.1.3-LIST] lists the working directory — blocked by RFC1123-4.1.2.6-PASV-MUST: needs passive mode",
		"RFC959-4.1.3-QUIT":         "NOT RUN  [RFC959-4.1.3-QUIT] answers QUIT with 221 — the server stopped answering during RFC959-4.1.3-NOOP",
		"RFC1123-4.1.2.6-PASV-MUST": `KNOWN  [RFC1123-4.1.2.6-PASV-MUST] accepts PASV (0.12s) — known deviation (baseline: vendor bug #12): 227 reply has no address: "227 Entering Passive Mode"`,
		"RFC959-4.2-MULTILINE":      "PASS  [RFC959-4.2-MULTILINE] ends a multi-line reply with the same code (0.12s) — fixed: remove it from the baseline (it expects warned)",
		"RFC2428-3-EPSV":            "SKIP  [RFC2428-3-EPSV] opens a data connection with EPSV — EPSV not implemented (502); the baseline expects failed",
	}
	for key, want := range tests {
		c := checkByKey(t, r, key)
		b.Annotate(&c)
		if got := ProgressLine(c); got != want {
			t.Errorf("%s:\n got %q\nwant %q", key, got, want)
		}
	}
}
