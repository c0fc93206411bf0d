package reports

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpconform/ftpconform/checkmeta"
)

const (
	keyReach = "POLICY-PASV-RANGE-REACHABLE"
	keyEPSV  = "POLICY-EPSV-WORKS-NAT"
	key227   = "RFC959-4.1.2-227-ADDRESS"
	keyAddr  = "POLICY-PASV-ADDR"
	keyRange = "POLICY-PASV-RANGE"
	keyAct   = "POLICY-ACTIVE-EGRESS"
)

// obs builds a check with a passive observation: each reply is
// "MODE address:port probe" ("EPSV :30001 timed-out", "PASV 10.0.0.5:30001").
func obs(key string, v Verdict, replies ...string) Check {
	c := Check{Key: key, Title: "title of " + key, Verdict: v}
	if v == VerdictFailed {
		c.Message = "the check's own finding"
	}
	if len(replies) == 0 {
		return c
	}
	o := &checkmeta.PassiveObservation{Peer: "198.18.0.1"}
	for _, r := range replies {
		f := strings.Fields(r)
		addr, port, _ := strings.Cut(f[1], ":")
		rp := checkmeta.PassiveReply{Mode: f[0], Address: addr}
		for _, d := range port {
			rp.Port = rp.Port*10 + int(d-'0')
		}
		if len(f) > 2 {
			rp.Probe = f[2]
		}
		o.Replies = append(o.Replies, rp)
	}
	c.Passive = o
	return c
}

func run(checks ...Check) Run { return Run{Checks: checks} }

func TestCompare(t *testing.T) {
	const peer = "198.18.0.1"
	tests := []struct {
		name      string
		plain     Run
		tls       Run
		in        CompareInput
		diagnoses []Diagnosis // Kind, Message and Keys compared; Fix and Evidence when set
		diffs     []Difference
	}{
		{
			name:  "same verdicts, same observations",
			plain: run(obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30001 connected", "EPSV :30002 connected"), obs(keyAct, VerdictPassed)),
			tls:   run(obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30003 connected", "EPSV :30004 connected"), obs(keyAct, VerdictPassed)),
		},
		{
			name: "a helper opens the passive ports in plain FTP only",
			plain: run(
				obs(keyRange, VerdictPassed, "PASV 198.18.0.1:30001", "EPSV :30002"),
				obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30001 connected", "EPSV :30002 connected"),
				obs(keyEPSV, VerdictPassed, "EPSV :30005 connected"),
				obs(keyAct, VerdictPassed)),
			tls: run(
				obs(keyRange, VerdictPassed, "PASV 198.18.0.1:30001", "EPSV :30002"),
				obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30007 timed-out", "EPSV :30009 timed-out"),
				obs(keyEPSV, VerdictFailed, "EPSV :30003 timed-out"),
				obs(keyAct, VerdictPassed)),
			in: CompareInput{PasvRange: "30000-30099"},
			diagnoses: []Diagnosis{{
				Kind:     DiagHelperOpensPorts,
				Message:  "passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open 30000-30099 explicitly",
				Fix:      "open 30000-30099 explicitly: allow inbound TCP to the server's passive ports in the firewall instead of relying on its FTP helper",
				Evidence: "plain FTP: 3 of 3 passive ports connected; TLS: 3 of 3 timed out (ports 30003, 30007, 30009)",
				Keys:     []string{keyReach, keyEPSV},
			}},
			diffs: []Difference{
				{Key: keyReach, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperOpensPorts},
				{Key: keyEPSV, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperOpensPorts},
			},
		},
		{
			name:  "without --pasv-range the ports seen are named",
			plain: run(obs(keyReach, VerdictPassed, "PASV 198.18.0.1:40010 connected", "EPSV :40090 connected")),
			tls:   run(obs(keyReach, VerdictFailed, "PASV 198.18.0.1:40020 timed-out", "EPSV :40030 connected")),
			diagnoses: []Diagnosis{{
				Kind:    DiagHelperOpensPorts,
				Message: "passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open 40010-40090 (the lowest and highest port the server advertised; better, give the server a fixed passive range and open that) explicitly",
				Keys:    []string{keyReach},
			}},
			diffs: []Difference{{Key: keyReach, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperOpensPorts}},
		},
		{
			name:  "ports dropped in plain FTP too: a firewall, not a helper",
			plain: run(obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30001 connected", "EPSV :30002 timed-out")),
			tls:   run(obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30003 timed-out", "EPSV :30004 timed-out")),
		},
		{
			name:  "ports refused under TLS: no helper would do that",
			plain: run(obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30001 connected")),
			tls:   run(obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30003 refused")),
			diffs: []Difference{{Key: keyReach, Plain: VerdictPassed, TLS: VerdictFailed}},
		},
		{
			name:  "no probes in plain FTP: nothing to compare",
			plain: run(obs(keyRange, VerdictPassed, "PASV 198.18.0.1:30001"), obs(keyReach, VerdictBlocked)),
			tls:   run(obs(keyRange, VerdictPassed, "PASV 198.18.0.1:30001"), obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30003 timed-out")),
			diffs: []Difference{{Key: keyReach, Plain: VerdictBlocked, TLS: VerdictFailed}},
		},
		{
			name: "a NAT helper rewrites the 227 address in plain FTP only",
			plain: run(
				obs(key227, VerdictPassed, "PASV 198.18.0.1:30001"),
				obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30002 connected", "EPSV :30003 connected")),
			tls: run(
				obs(key227, VerdictFailed, "PASV 10.0.0.5:30001"),
				obs(keyReach, VerdictPassed, "PASV 10.0.0.5:30002 connected", "EPSV :30003 connected")),
			in: CompareInput{Greeting: "(vsFTPd 3.0.3)"},
			diagnoses: []Diagnosis{{
				Kind:     DiagHelperRewritesAddress,
				Message:  "the 227 reply carries 10.0.0.5 under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (vsftpd: pasv_address=198.18.0.1)",
				Fix:      "set the server's public passive address to 198.18.0.1 (vsftpd: pasv_address=198.18.0.1), so that its 227 replies carry it without a NAT helper's rewriting",
				Evidence: "227 replies: plain FTP 198.18.0.1 (2 of 2); TLS 10.0.0.5 (2 of 2), a private address that clients outside the site cannot reach; the client reached the server at 198.18.0.1",
				Keys:     []string{key227},
			}},
			diffs: []Difference{{Key: key227, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperRewritesAddress}},
		},
		{
			name:  "the operator's public address is what plain FTP shows",
			plain: run(obs(keyAddr, VerdictPassed, "PASV 203.0.113.7:30001"), obs(key227, VerdictPassed, "PASV 203.0.113.7:30001")),
			tls:   run(obs(keyAddr, VerdictFailed, "PASV 10.0.0.5:30001"), obs(key227, VerdictFailed, "PASV 10.0.0.5:30001")),
			in:    CompareInput{PasvAddress: "203.0.113.7", Greeting: "ftpconform reference server ready."},
			diagnoses: []Diagnosis{{
				Kind:    DiagHelperRewritesAddress,
				Message: "the 227 reply carries 10.0.0.5 under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (ftpconform serve: --pasv-address 203.0.113.7)",
				Keys:    []string{keyAddr, key227},
			}},
			diffs: []Difference{
				{Key: keyAddr, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperRewritesAddress},
				{Key: key227, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperRewritesAddress},
			},
		},
		{
			name:  "an unknown server gets the common settings",
			plain: run(obs(key227, VerdictPassed, "PASV 198.18.0.1:30001")),
			tls:   run(obs(key227, VerdictFailed, "PASV 10.0.0.5:30001")),
			in:    CompareInput{Greeting: "Service ready"},
			diagnoses: []Diagnosis{{
				Kind:    DiagHelperRewritesAddress,
				Message: "the 227 reply carries 10.0.0.5 under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (vsftpd: pasv_address=198.18.0.1; proftpd: MasqueradeAddress 198.18.0.1; pure-ftpd: -P 198.18.0.1)",
				Keys:    []string{key227},
			}},
			diffs: []Difference{{Key: key227, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperRewritesAddress}},
		},
		{
			name:  "the same wrong address in both passes: the server's own setting",
			plain: run(obs(key227, VerdictFailed, "PASV 10.0.0.5:30001")),
			tls:   run(obs(key227, VerdictFailed, "PASV 10.0.0.5:30001")),
		},
		{
			name:  "a helper breaks the address in plain FTP",
			plain: run(obs(key227, VerdictFailed, "PASV 192.0.2.9:30001")),
			tls:   run(obs(key227, VerdictPassed, "PASV 198.18.0.1:30001")),
			diagnoses: []Diagnosis{{
				Kind:    DiagHelperBreaksAddress,
				Message: "the 227 reply carries 192.0.2.9 in plain FTP but 198.18.0.1 under TLS: a NAT helper or FTP ALG rewrites plain 227 replies, to an address clients cannot use; turn off its FTP rewriting, or give it the right public address",
				Keys:    []string{key227},
			}},
			diffs: []Difference{{Key: key227, Plain: VerdictFailed, TLS: VerdictPassed, Diagnosis: DiagHelperBreaksAddress}},
		},
		{
			name: "both at once",
			plain: run(
				obs(key227, VerdictPassed, "PASV 198.18.0.1:30001"),
				obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30002 connected")),
			tls: run(
				obs(key227, VerdictFailed, "PASV 10.0.0.5:30001"),
				obs(keyReach, VerdictFailed, "PASV 10.0.0.5:30002 timed-out")),
			in: CompareInput{PasvRange: "30000-30099"},
			diagnoses: []Diagnosis{
				{Kind: DiagHelperOpensPorts, Message: "passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open 30000-30099 explicitly",
					Keys: []string{keyReach}},
				{Kind: DiagHelperRewritesAddress, Message: "the 227 reply carries 10.0.0.5 under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (vsftpd: pasv_address=198.18.0.1; proftpd: MasqueradeAddress 198.18.0.1; pure-ftpd: -P 198.18.0.1)",
					Keys: []string{key227}},
			},
			diffs: []Difference{
				{Key: key227, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperRewritesAddress},
				{Key: keyReach, Plain: VerdictPassed, TLS: VerdictFailed, Diagnosis: DiagHelperOpensPorts},
			},
		},
		{
			name:  "a difference without a known cause",
			plain: run(obs(keyAct, VerdictPassed), obs(keyRange, VerdictSkipped)),
			tls:   run(obs(keyAct, VerdictFailed), obs(keyRange, VerdictSkipped)),
			diffs: []Difference{{Key: keyAct, Plain: VerdictPassed, TLS: VerdictFailed}},
		},
		{
			name:  "filtered checks and checks of one pass only are not compared",
			plain: run(obs(keyAct, VerdictFiltered), obs(keyRange, VerdictPassed)),
			tls:   run(obs(keyAct, VerdictFailed), obs(keyEPSV, VerdictFailed)),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmp := Compare(tc.plain, tc.tls, tc.in)
			if cmp.Plain == nil || len(cmp.Plain.Checks) != len(tc.plain.Checks) {
				t.Errorf("the comparison does not carry the plain pass")
			}
			if len(cmp.Diagnoses) != len(tc.diagnoses) {
				t.Fatalf("%d diagnoses, want %d: %+v", len(cmp.Diagnoses), len(tc.diagnoses), cmp.Diagnoses)
			}
			for i, want := range tc.diagnoses {
				got := cmp.Diagnoses[i]
				if got.Kind != want.Kind || got.Message != want.Message || !slices.Equal(got.Keys, want.Keys) {
					t.Errorf("diagnosis %d:\n got %s %q keys %v\nwant %s %q keys %v", i, got.Kind, got.Message, got.Keys, want.Kind, want.Message, want.Keys)
				}
				if want.Fix != "" && got.Fix != want.Fix {
					t.Errorf("diagnosis %d: fix\n got %q\nwant %q", i, got.Fix, want.Fix)
				}
				if want.Evidence != "" && got.Evidence != want.Evidence {
					t.Errorf("diagnosis %d: evidence\n got %q\nwant %q", i, got.Evidence, want.Evidence)
				}
			}
			if len(cmp.Differences) != len(tc.diffs) {
				t.Fatalf("differences %+v, want %+v", cmp.Differences, tc.diffs)
			}
			for i, want := range tc.diffs {
				got := cmp.Differences[i]
				got.Title = ""
				if got != want {
					t.Errorf("difference %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

func TestComparisonApply(t *testing.T) {
	plain := run(
		obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30002 connected"),
		obs(keyAct, VerdictFailed),
		obs(keyRange, VerdictPassed))
	tls := run(
		obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30002 timed-out"),
		obs(keyAct, VerdictPassed),
		obs(keyRange, VerdictPassed))
	cmp := Compare(plain, tls, CompareInput{PasvRange: "30000-30099"})
	cmp.Apply(&tls)
	if tls.Comparison == nil {
		t.Fatal("no comparison on the run")
	}
	msg := tls.Checks[0].Message
	if !strings.HasPrefix(msg, "the check's own finding\nin plain FTP this check passed: passive ports are reachable in plain FTP but dropped under TLS") ||
		!strings.HasSuffix(msg, "\n"+FixPrefix+cmp.Diagnoses[0].Fix) {
		t.Errorf("the explained check's message: %q", msg)
	}
	if got := tls.Checks[1].Info; len(got) != 1 || got[0] != "in plain FTP this check failed: the check's own finding" {
		t.Errorf("a plain-only failure on the TLS check: %q", got)
	}
	if tls.Checks[2].Message != "" || len(tls.Checks[2].Info) != 0 {
		t.Errorf("a check with the same verdict changed: %+v", tls.Checks[2])
	}
	// The plain pass failed: the run fails, though every failure of the
	// TLS pass were gone.
	tls.Checks[0].Verdict = VerdictPassed
	if !tls.Failed() {
		t.Errorf("a run whose plain pass failed does not fail")
	}
	tls.Comparison.Plain = nil
	if tls.Failed() {
		t.Errorf("a run without failures fails")
	}
}
