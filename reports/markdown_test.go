package reports

import (
	"bytes"
	"strings"
	"testing"
)

// TestMarkdownSummary: the verdict, the totals, and each failure and
// warning on a line of its own, with server text that cannot break the
// Markdown.
func TestMarkdownSummary(t *testing.T) {
	r := sampleRun(t)
	r.Checks = append(r.Checks, Check{Key: "RFC959-4.2-CRLF", ID: "RFC959-4.2-CRLF", Title: "ends lines with CRLF", Level: "MUST", RFC: "rfc959",
		Verdict: VerdictFailed, Message: "got *bold* | `code` <b>\nsecond line"})
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"NOT CONFORMANT", "| **total** |", "### Failures", `- **RFC959-4.2-CRLF** (MUST) ends lines with CRLF — got \*bold\* \| \` + "`code\\`" + ` &lt;b&gt;`} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "second line") {
		t.Error("a failure takes more than its first line")
	}
}
