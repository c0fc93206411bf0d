package reports

import (
	"strings"
	"testing"
)

// stor is the transcript of a check that uploads into its scratch
// directory, is refused, and whose scratch directory is removed over the
// cleanup session after the body ended.
const stor = `+0.000s c1 # connected 127.0.0.1:50418 -> 127.0.0.1:2121
+0.001s c1 < 220 ready.
+0.001s c1 > USER conform
+0.002s c1 < 331 Password required.
+0.002s c1 > PASS ****
+0.003s c1 < 230 User logged in.
+0.004s c1 > STOR new.bin
+0.005s c1 < 553 Not allowed: "new.bin".
+0.006s c1 > QUIT
+0.007s c1 < 221 Goodbye.
+0.008s cleanup > RMD ftpconform-1a2b
+0.009s cleanup < 250 Directory removed.`

func TestOffendingLines(t *testing.T) {
	warned := `+0.000s c1 < 220 ready.
+0.001s c1 > MODE B
+0.002s c1 < 502 Command not implemented.
+0.002s -- # WARNING: MODE B: got 502 "Command not implemented."
+0.003s c1 > MODE C
+0.004s c1 < 502 Command not implemented.
+0.004s -- # WARNING: MODE C: got 502 "Command not implemented."
+0.005s c1 > MODE X
+0.006s c1 < 501 Syntax error.`
	for _, tc := range []struct {
		name string
		c    Check
		tr   string
		want []string // the highlighted lines, in order
	}{
		{"quoted reply", Check{Verdict: VerdictFailed, Message: `STOR new.bin: expected 125 or 150; got 553 "Not allowed: \"new.bin\"."`}, stor,
			[]string{`+0.005s c1 < 553 Not allowed: "new.bin".`}},
		{"quoted whole line", Check{Verdict: VerdictFailed, Message: "replies break CRLF:\n  reply \"230 User logged in.\": line ends with LF"}, stor,
			[]string{"+0.003s c1 < 230 User logged in."}},
		{"the last of several quoted replies", Check{Verdict: VerdictFailed, Message: `got 331 "Password required." then 230 "User logged in."`}, stor,
			[]string{"+0.003s c1 < 230 User logged in."}},
		{"no quote: the last reply before QUIT and the cleanup", Check{Verdict: VerdictFailed, Message: "the file was not stored"}, stor,
			[]string{`+0.005s c1 < 553 Not allowed: "new.bin".`}},
		{"a quote the cleanup session matches is not taken", Check{Verdict: VerdictFailed, Message: `after RMD: got 250 "Directory removed."`}, stor,
			[]string{`+0.005s c1 < 553 Not allowed: "new.bin".`}},
		{"each warning: the reply before its note", Check{Verdict: VerdictWarned, Warnings: []string{
			`MODE B: got 502 "Command not implemented."`, `MODE C: got 502 "Command not implemented."`}}, warned,
			[]string{"+0.002s c1 < 502 Command not implemented.", "+0.004s c1 < 502 Command not implemented."}},
		{"a pass has none", Check{Verdict: VerdictPassed}, stor, nil},
		{"a skip has none", Check{Verdict: VerdictSkipped, Message: `got 502 "Command not implemented."`}, warned, nil},
		{"not a transcript", Check{Verdict: VerdictFailed, Message: `got 200 "OK"`}, "< 200 OK", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := strings.Split(tc.tr, "\n")
			var got []string
			for _, i := range offendingLines(tc.c, lines) {
				got = append(got, lines[i])
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("highlighted\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestQuotesControlBytes: a reply with a control byte is quoted with Go
// escapes in messages (\r) and shown with harness.Printable's in
// transcripts (\x0d); both name the same line.
func TestQuotesControlBytes(t *testing.T) {
	c := Check{Verdict: VerdictFailed, Message: `got 200 "OK\r"`}
	lines := []string{`+0.001s c1 < 200 OK\x0d`, `+0.002s c1 < 200 OK`}
	if got := offendingLines(c, lines); len(got) != 1 || got[0] != 0 {
		t.Errorf("highlighted %v, want [0]", got)
	}
}
