package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestFixesOf(t *testing.T) {
	tests := []struct {
		msg  string
		want []string
	}{
		{"5 of 20 ports timed out: dropped\nfix: open TCP ports 30000-30099\nfix: check the NAT rules", []string{"open TCP ports 30000-30099", "check the NAT rules"}},
		{"the server advertises 10.0.0.5; set its passive/masquerade address to 203.0.113.7", []string{"set its passive/masquerade address to 203.0.113.7"}},
		{"expected one of 227; got 502 \"no\"", nil},
		{"PASV: 425; nothing to do here", nil},
	}
	for _, tc := range tests {
		if got := fixesOf(tc.msg); !slices.Equal(got, tc.want) {
			t.Errorf("fixesOf(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}

func TestWriteFirewall(t *testing.T) {
	run := Run{Checks: []Check{
		{Key: "POLICY-PASV-RANGE", Title: "advertises passive ports inside the expected range", Verdict: VerdictPassed,
			Info: []string{"passive ports: 40 replies"}},
		{Key: "POLICY-PASV-RANGE-REACHABLE", Title: "accepts connections on every passive port it advertises", Verdict: VerdictFailed,
			Message: "3 of 20 sampled passive ports timed out (30010, 30011, 30012)\nfix: open TCP ports 30000-30099 inbound\nfix: check the NAT"},
		{Key: "POLICY-ACTIVE-EGRESS", Title: "connects back to the client", Verdict: VerdictFailed,
			Message: "the server cannot reach the client\nfix: check the NAT"},
		{Key: "POLICY-ACTIVE-EGRESS/source-port", Title: "dials from the expected port", Verdict: VerdictSkipped,
			Message: "no expected active source port given"},
		{Key: "RFC959-X", Title: "something else", Verdict: VerdictWarned, Warnings: []string{"odd code; set the code to 250"}},
		{Key: "RFC959-Y", Title: "filtered out", Verdict: VerdictFiltered},
	}}
	var buf bytes.Buffer
	if err := WriteFirewall(&buf, run); err != nil {
		t.Fatal(err)
	}
	want := `PROBLEM  accepts connections on every passive port it advertises: 3 of 20 sampled passive ports timed out (30010, 30011, 30012)
PROBLEM  connects back to the client: the server cannot reach the client
WARNING  something else: odd code; set the code to 250
ok       advertises passive ports inside the expected range
         passive ports: 40 replies
skipped  dials from the expected port: no expected active source port given

What to fix:
  1. open TCP ports 30000-30099 inbound
  2. check the NAT
  3. set the code to 250

3 problems: 1 passed, 2 failed, 1 warned, 1 skipped
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	buf.Reset()
	run.Checks = run.Checks[:1]
	if err := WriteFirewall(&buf, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No problems found.") || strings.Contains(buf.String(), "What to fix") {
		t.Errorf("a clean run:\n%s", buf.String())
	}
}
