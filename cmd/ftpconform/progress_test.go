package main

import "testing"

func TestProgressNumbersCheckLines(t *testing.T) {
	p := &progress{total: 120}
	for _, tc := range []struct{ in, want string }{
		{"PASS  [RFC959-5.4-NOOP] answers NOOP with 200 (0.00s)", "[  1/120] PASS  [RFC959-5.4-NOOP] answers NOOP with 200 (0.00s)"},
		{"preflight (0.1s): login ok", "preflight (0.1s): login ok"},
		{"NOT RUN  [X-1] y", "[  2/120] NOT RUN  [X-1] y"},
		{"workers: 4", "workers: 4"},
		{"FAIL  [RFC959-4.2-CRLF] ends every reply line with CRLF (0.01s) — bare LF", "[  3/120] FAIL  [RFC959-4.2-CRLF] ends every reply line with CRLF (0.01s) — bare LF"},
	} {
		if got := p.number(tc.in); got != tc.want {
			t.Errorf("number(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *progress
	if got := none.number("PASS  [A-1] b"); got != "PASS  [A-1] b" {
		t.Errorf("a nil progress changed the line: %q", got)
	}
}
