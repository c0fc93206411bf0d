package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestHTML(t *testing.T) {
	r := sampleRun(t)
	r.Checks = append(r.Checks, Check{
		Key: "RFC959-4.2-EVIL", Title: `<img src=x onerror=alert(1)>`, Level: "MUST", RFC: "rfc959",
		Verdict: VerdictFailed, Message: "got \x00\x1b[31m\xff </pre><script>alert(2)</script>",
		Transcript: "< 500 \"quoted\" & <b>bold</b>",
	})
	r.Counts = Count(r.Checks)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()

	for _, bad := range []string{"<script>alert", "<img", "</pre><script", "<b>bold", "\x00", "\x1b", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(2)&lt;/script&gt;",
		`got \x00\x1b[31m\xff`,
		"&lt;img src=x onerror=alert(1)&gt;",
		"<summary>transcript</summary><pre>&lt; 500 &#34;quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt;</pre></details>",
		`<tr class="v-failed" id="check-RFC959-5.4-PASS-CODES_wrong-password" data-verdict="failed"`, `<tr class="v-warned" id=`, `<tr class="v-skipped" id=`, `<tr class="v-passed" id=`,
		"NOT CONFORMANT",
		"2 passed, 6 failed, 1 warned, 2 skipped; 2 excluded by the filter.",
		"ftp://conform@127.0.0.1:2121",
		"warning: 550 is not listed for STOR",
		"passive ports 30000-30019",
		"<style>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "LIST-SLOW") {
		t.Error("filtered check shown")
	}
	for _, external := range []string{"<script src", "<link", "src=\"http", "href=\"http"} {
		if strings.Contains(out, external) {
			t.Errorf("page is not self-contained: has %q", external)
		}
	}
	wellFormed(t, out)
}

func TestHTMLRunModelAndBaseline(t *testing.T) {
	r := runModelRun(t)
	b := Baseline{File: "vsftpd.baseline", Entries: []BaselineEntry{
		{Key: "RFC1123-4.1.2.6-PASV-MUST", Verdict: VerdictFailed, Reason: "vendor <bug>"},
		{Key: "RFC959-4.2-MULTILINE", Verdict: VerdictFailed},
		{Key: "RFC959-4.1.3-NOOP", Verdict: VerdictFailed},
	}}
	b.Apply(&r)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`<p class="stopped"><strong>Run stopped early:</strong> the server stopped answering during RFC959-4.1.3-NOOP</p>`,
		"1 passed, 2 failed, 1 warned, 1 skipped, 2 blocked, 2 not run.",
		`<tr class="v-failed known" id="check-RFC1123-4.1.2.6-PASV-MUST" data-verdict`,
		`failed (known)`,
		"known deviation (baseline: vendor &lt;bug&gt;)",
		`<tr class="v-blocked" id="check-RFC959-4.1.3-LIST" data-verdict`,
		`blocked by <a href="#check-RFC1123-4.1.2.6-PASV-MUST"><code>RFC1123-4.1.2.6-PASV-MUST</code></a>`,
		`<tr class="v-not-run" id="check-RFC959-4.1.3-QUIT" data-verdict`,
		`the run stopped during <a href="#check-RFC959-4.1.3-NOOP">`,
		"fixed: remove it from the baseline (it expects failed)",
		"Baseline <code>vsftpd.baseline</code>:</strong> 2 known failures",
		"Fixed (remove them from the baseline): <code>RFC959-4.2-MULTILINE</code>",
		`class="status ok">CONFORMANT`,
		"<th>Blocked</th><th>Not run</th>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	wellFormed(t, out)
}

func TestHTMLConformant(t *testing.T) {
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[A] a", types.SpecStatePassed, []string{"rfc959", "MUST"}),
	}})
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `class="status ok">CONFORMANT`) {
		t.Error("a passing run is not shown as conformant")
	}
	wellFormed(t, buf.String())
}

// wellFormed checks that every element the page opens is closed, using
// the XML tokenizer in its lenient mode (void HTML elements allowed).
func wellFormed(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(page, "<!DOCTYPE html>")))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page does not tokenize: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Name.Local {
				t.Fatalf("</%s> closes %v", tok.Name.Local, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements %v", stack)
	}
}

// TestHTMLProblemsFirstAndSharedTranscripts: failures come before passed
// checks whatever the run order, a transcript several checks share is
// shown once and referred to from the other rows, and a failure's
// transcript is unfolded.
func TestHTMLProblemsFirstAndSharedTranscripts(t *testing.T) {
	shared := "> USER nobody\n< 530 Login incorrect."
	r := Run{Tool: "ftpconform", Checks: []Check{
		{Key: "RFC959-5.4-NOOP", ID: "RFC959-5.4-NOOP", Title: "answers NOOP", Verdict: VerdictPassed, RFC: "rfc959", Level: "MUST", Transcript: shared},
		{Key: "RFC2577-5-DELAY", ID: "RFC2577-5-DELAY", Title: "delays", Verdict: VerdictPassed, RFC: "rfc2577", Level: "SHOULD", Transcript: shared},
		{Key: "RFC959-4.2-CRLF", ID: "RFC959-4.2-CRLF", Title: "ends lines with CRLF", Verdict: VerdictFailed, RFC: "rfc959", Level: "MUST", Message: "bare LF", Transcript: "< 200 OK\n"},
	}}
	r.Counts = Count(r.Checks)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Index(out, `id="check-RFC959-4.2-CRLF"`) > strings.Index(out, `id="check-RFC959-5.4-NOOP"`) {
		t.Error("the failure is not listed before the passed checks")
	}
	if strings.Count(out, "530 Login incorrect.") != 1 {
		t.Errorf("the shared transcript appears %d times, want once", strings.Count(out, "530 Login incorrect."))
	}
	if !strings.Contains(out, `the same as <a href="#check-RFC959-5.4-NOOP">`) {
		t.Error("the second row does not refer to the row that shows the shared transcript")
	}
	if !strings.Contains(out, "<details open><summary>transcript</summary><pre>&lt; 200 OK") {
		t.Error("the failure's transcript is not unfolded")
	}
	wellFormed(t, out)
}

// TestHTMLHighlightsOffendingLine: the transcript of a failure shows the
// reply its message quotes in a highlighted element, and the same
// transcript on a passed check has none; when both share it, the failure
// (listed first) is the row that shows it.
func TestHTMLHighlightsOffendingLine(t *testing.T) {
	r := Run{Tool: "ftpconform", Checks: []Check{
		{Key: "RFC959-4.1.3-NOOP", Title: "answers NOOP", Verdict: VerdictPassed, RFC: "rfc959", Level: "MUST", Transcript: stor},
		{Key: "RFC959-5.4-STOR-CODES", Title: "answers STOR", Verdict: VerdictFailed, RFC: "rfc959", Level: "MUST",
			Message: `STOR new.bin: expected 125 or 150; got 553 "Not allowed: \"new.bin\"."`, Transcript: stor},
	}}
	r.Counts = Count(r.Checks)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := `<mark class="offending" title="the line this finding is about">&#43;0.005s c1 &lt; 553 Not allowed: &#34;new.bin&#34;.</mark>`
	if strings.Count(out, `<mark class="offending"`) != 1 || !strings.Contains(out, want) {
		t.Errorf("the page does not highlight the refused STOR's reply, and only it:\n%s", out)
	}
	failed, passed := strings.Index(out, `id="check-RFC959-5.4-STOR-CODES"`), strings.Index(out, `id="check-RFC959-4.1.3-NOOP"`)
	if m := strings.Index(out, "<mark"); !(failed < m && m < passed) {
		t.Error("the highlighted line is not in the failure's row")
	}
	if !strings.Contains(out, `the same as <a href="#check-RFC959-5.4-STOR-CODES">`) {
		t.Error("the passed check does not refer to the failure's row for the transcript they share")
	}
	wellFormed(t, out)

	// A passing run has nothing highlighted.
	r.Checks = r.Checks[:1]
	r.Counts = Count(r.Checks)
	buf.Reset()
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<mark") {
		t.Error("a passed check's transcript has a highlighted line")
	}
	if !strings.Contains(buf.String(), "0.005s c1 &lt; 553 Not allowed") {
		t.Error("the passed check's transcript is not shown")
	}
}
