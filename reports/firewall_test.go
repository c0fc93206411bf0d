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

func TestWriteFirewallCompared(t *testing.T) {
	plain := run(
		obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30002 connected", "EPSV :30004 connected"),
		obs(keyAct, VerdictPassed),
		obs(keyRange, VerdictFailed),
		obs(keyEPSV, VerdictPassed))
	plain.Checks[2].Message = "ports outside the range\nfix: set the range"
	tls := run(
		obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30002 timed-out", "EPSV :30004 timed-out"),
		obs(keyAct, VerdictFailed),
		obs(keyRange, VerdictPassed),
		obs(keyEPSV, VerdictSkipped))
	tls.Checks[0].Message = "2 of 2 sampled passive ports timed out\nfix: open TCP ports 30000-30099 inbound"
	tls.Checks[1].Message = "the server cannot reach the client\nfix: allow outbound"
	tls.Checks[3].Message = "EPSV is not implemented"
	cmp := Compare(plain, tls, CompareInput{PasvRange: "30000-30099"})
	cmp.Mode = "explicit TLS"
	cmp.Apply(&tls)
	var buf bytes.Buffer
	if err := WriteFirewall(&buf, tls); err != nil {
		t.Fatal(err)
	}
	want := `Plain FTP and explicit TLS compared:
DIAGNOSIS  passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open 30000-30099 explicitly
           plain FTP: 2 of 2 passive ports connected; TLS: 2 of 2 timed out (ports 30002, 30004)
           explains POLICY-PASV-RANGE-REACHABLE
DIFFERS    title of POLICY-ACTIVE-EGRESS: plain FTP passed, explicit TLS failed (no known cause: compare the two passes' transcripts in the JSON report)
DIFFERS    title of POLICY-PASV-RANGE: plain FTP failed, explicit TLS passed (no known cause: compare the two passes' transcripts in the JSON report)
DIFFERS    title of POLICY-EPSV-WORKS-NAT: plain FTP passed, explicit TLS skipped (no known cause: compare the two passes' transcripts in the JSON report)

PROBLEM  (TLS only) title of POLICY-PASV-RANGE-REACHABLE: 2 of 2 sampled passive ports timed out
PROBLEM  (TLS only) title of POLICY-ACTIVE-EGRESS: the server cannot reach the client
PROBLEM  (plain FTP only) title of POLICY-PASV-RANGE: ports outside the range
ok       title of POLICY-PASV-RANGE
         in plain FTP this check failed: ports outside the range
skipped  title of POLICY-EPSV-WORKS-NAT: EPSV is not implemented

What to fix:
  1. open 30000-30099 explicitly: allow inbound TCP to the server's passive ports in the firewall instead of relying on its FTP helper
  2. allow outbound
  3. set the range

1 diagnosis, 3 problems: explicit TLS: 1 passed, 2 failed, 0 warned, 1 skipped; plain FTP: 3 passed, 1 failed, 0 warned, 0 skipped
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// Implicit FTPS: no plain pass, and the report says why.
	tls = run(obs(keyAct, VerdictPassed))
	tls.Comparison = &Comparison{Mode: "implicit TLS", NotCompared: "implicit FTPS has no plain FTP on its port"}
	buf.Reset()
	if err := WriteFirewall(&buf, tls); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasPrefix(got, "Not compared with plain FTP: implicit FTPS has no plain FTP on its port\n\nok ") || !strings.Contains(got, "No problems found.") {
		t.Errorf("not compared:\n%s", got)
	}
}
