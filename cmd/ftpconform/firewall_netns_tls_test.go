//go:build linux

package main

// TLS through a firewall and through NAT that work for plain FTP only
// thanks to a real nf_conntrack_ftp helper in nftables, in the network
// namespaces of firewall_netns_test.go (same skip conditions, addresses
// from 198.18.0.0/15, the namespaces deleted at the end even on failure):
//
//   - helper-opens-passive-ports: input policy drop; the control port is
//     accepted with the ct helper "ftp" assigned, the passive ports only
//     as RELATED, that is when the helper read them in a 227/229 reply.
//     The plain pass of "firewall --tls explicit" passes; the TLS pass
//     gets exactly the diagnosis that a helper opens the ports for plain
//     FTP only.
//   - nat-helper-rewrites-227: the server listens on 10.0.0.5 (an address
//     of its namespace's loopback, reached nowhere else) and advertises
//     it; nftables forwards the control port and the passive range of
//     198.18.0.1 to it (DNAT), with the helper on the control port, so
//     nf_nat_ftp rewrites the 227 of plain FTP to 198.18.0.1. The plain
//     pass passes; the TLS pass gets exactly the diagnosis that a NAT
//     helper rewrote the 227 address in plain FTP.
//
// Each case then runs a binary whose comparison drops the diagnoses
// (built with the tag ftpconform_breakcompare, FTPCONFORM_TEST_BREAK_COMPARE)
// and requires the same assertions to fail: the test cannot pass with a
// diagnosis code that does not deliver.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	nsFTPPort       = 21
	nsPrivateAddr   = "10.0.0.5"
	tlsPassword     = "netns-tls-secret"
	keyReachable    = "POLICY-PASV-RANGE-REACHABLE"
	keyEPSVNAT      = "POLICY-EPSV-WORKS-NAT"
	key227Address   = "RFC959-4.1.2-227-ADDRESS"
	keyPasvAddress  = "POLICY-PASV-ADDR"
	kindHelperPorts = "helper-opens-ports"
	kindHelperNAT   = "helper-rewrites-address"
)

// helperRuleset is a firewall that relies on nf_conntrack_ftp: only the
// control port is open; a passive port gets in only as RELATED, when the
// helper has read it in a 227 or 229 reply.
const helperRuleset = `table inet ftpconform_test {
	ct helper ftp-standard {
		type "ftp" protocol tcp;
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 21 ct helper set "ftp-standard" accept
	}
}
`

// natRuleset forwards 198.18.0.1's control port and passive range to the
// server on 10.0.0.5, like a router in front of a private network, with
// the FTP helper on the control port (nf_nat_ftp then rewrites the address
// of plain 227 replies to 198.18.0.1), and translates the server's own
// connections (active mode) to 198.18.0.1.
var natRuleset = fmt.Sprintf(`table ip ftpconform_test_nat {
	ct helper ftp-standard {
		type "ftp" protocol tcp;
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr %[1]s tcp dport { 21, %[3]d-%[4]d } dnat to %[2]s
	}
	chain helpers {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp-standard"
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[2]s ip daddr %[5]s snat to %[1]s
	}
}
`, nsServerAddr, nsPrivateAddr, nsPasvMin, nsPasvMax, nsClientAddr)

// tlsReport is the part of a compared firewall run's JSON report the test
// reads.
type tlsReport struct {
	Failed bool        `json:"failed"`
	Checks []tlsCheck  `json:"checks"`
	Cmp    *tlsCompare `json:"comparison"`
}

type tlsCheck struct {
	Key     string `json:"key"`
	Verdict string `json:"verdict"`
	Message string `json:"message"`
	Passive *struct {
		Peer    string `json:"peer"`
		Replies []struct {
			Mode    string `json:"mode"`
			Address string `json:"address"`
			Port    int    `json:"port"`
			Probe   string `json:"probe"`
		} `json:"replies"`
	} `json:"passive"`
}

type tlsCompare struct {
	TLS         string `json:"tls"`
	NotCompared string `json:"not_compared"`
	Plain       *struct {
		Failed bool       `json:"failed"`
		Checks []tlsCheck `json:"checks"`
	} `json:"plain"`
	Differences []struct {
		Key       string `json:"key"`
		Plain     string `json:"plain"`
		TLS       string `json:"tls"`
		Diagnosis string `json:"diagnosis"`
	} `json:"differences"`
	Diagnoses []struct {
		Kind     string   `json:"kind"`
		Message  string   `json:"message"`
		Fix      string   `json:"fix"`
		Evidence string   `json:"evidence"`
		Keys     []string `json:"keys"`
	} `json:"diagnoses"`
}

// tlsCase is what one scenario must give: the checks that fail under TLS
// (every other firewall check passes in both passes), the one diagnosis,
// and what the observations of each pass must show.
type tlsCase struct {
	failTLS   []string
	kind      string
	message   string
	fix       string // the first line under "What to fix:"
	plainObs  func(tlsCheck) string
	tlsObs    func(tlsCheck) string
	observers []string // the checks whose observations are judged
}

// problems lists where a compared run's outcome differs from the case;
// none means the case holds.
func (c tlsCase) problems(r fwResult) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var doc tlsReport
	if err := json.Unmarshal(r.json, &doc); err != nil {
		return []string{"report.json: " + err.Error()}
	}
	if r.exit != 1 || !doc.Failed {
		add("exit code %d (failed %v), want 1: the TLS pass's failures fail the run", r.exit, doc.Failed)
	}
	if doc.Cmp == nil || doc.Cmp.Plain == nil {
		add("the report has no plain FTP pass to compare with (comparison %+v)", doc.Cmp)
		return out
	}
	byKey := func(checks []tlsCheck) map[string]tlsCheck {
		m := map[string]tlsCheck{}
		for _, ch := range checks {
			if ch.Verdict != "filtered" {
				m[ch.Key] = ch
			}
		}
		return m
	}
	plain, tls := byKey(doc.Cmp.Plain.Checks), byKey(doc.Checks)
	for _, key := range firewallKeys {
		if v := plain[key].Verdict; v != "passed" {
			add("plain FTP: %s %q, want passed (%s)", key, v, plain[key].Message)
		}
		want := "passed"
		if slices.Contains(c.failTLS, key) {
			want = "failed"
		}
		if v := tls[key].Verdict; v != want {
			add("TLS: %s %q, want %s (%s)", key, v, want, tls[key].Message)
		}
	}
	if doc.Cmp.Plain.Failed {
		add("the plain FTP pass failed")
	}
	for _, key := range c.observers {
		if msg := c.plainObs(plain[key]); msg != "" {
			add("plain FTP: %s observed %s", key, msg)
		}
		if msg := c.tlsObs(tls[key]); msg != "" {
			add("TLS: %s observed %s", key, msg)
		}
	}
	if len(doc.Cmp.Diagnoses) != 1 {
		add("%d diagnoses, want exactly one (%s): %+v", len(doc.Cmp.Diagnoses), c.kind, doc.Cmp.Diagnoses)
	} else {
		d := doc.Cmp.Diagnoses[0]
		if d.Kind != c.kind || d.Message != c.message {
			add("diagnosis %s %q,\nwant %s %q", d.Kind, d.Message, c.kind, c.message)
		}
		if got, want := slices.Sorted(slices.Values(d.Keys)), slices.Sorted(slices.Values(c.failTLS)); !slices.Equal(got, want) {
			add("the diagnosis explains %v, want %v", got, want)
		}
	}
	var diffs []string
	for _, d := range doc.Cmp.Differences {
		diffs = append(diffs, d.Key)
		if d.Plain != "passed" || d.TLS != "failed" || d.Diagnosis != c.kind {
			add("difference %s: plain %s, TLS %s, explained by %q; want passed, failed, %s", d.Key, d.Plain, d.TLS, d.Diagnosis, c.kind)
		}
	}
	if got, want := slices.Sorted(slices.Values(diffs)), slices.Sorted(slices.Values(c.failTLS)); !slices.Equal(got, want) {
		add("differences %v, want %v", got, want)
	}
	if !strings.Contains(r.stdout, "\nDIAGNOSIS  "+c.message+"\n") {
		add("the printed report does not give the diagnosis %q", c.message)
	}
	if !strings.Contains(r.stdout, "\nWhat to fix:\n  1. "+c.fix+"\n") {
		add("the printed report's first fix is not %q", c.fix)
	}
	return out
}

// everyReply judges each passive reply a check recorded.
func everyReply(what string, ok func(mode, addr string, probe string) bool) func(tlsCheck) string {
	return func(ch tlsCheck) string {
		if ch.Passive == nil || len(ch.Passive.Replies) == 0 {
			return "no passive replies"
		}
		for _, r := range ch.Passive.Replies {
			if !ok(r.Mode, r.Address, r.Probe) {
				return fmt.Sprintf("%s %s:%d %q, want %s", r.Mode, r.Address, r.Port, r.Probe, what)
			}
		}
		return ""
	}
}

var (
	tagBuildOnce sync.Once
	tagBinPath   string
	tagBuildErr  error
)

// brokenCompareBinary builds ftpconform with the tag ftpconform_breakcompare
// (firewall_compare_break.go): with FTPCONFORM_TEST_BREAK_COMPARE set, its
// comparison drops diagnoses.
func brokenCompareBinary(t *testing.T) string {
	t.Helper()
	tagBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ftpconform-breakcompare-")
		if err != nil {
			tagBuildErr = err
			return
		}
		tagBinPath = filepath.Join(dir, "ftpconform")
		if out, err := exec.Command("go", "build", "-tags", "ftpconform_breakcompare", "-o", tagBinPath, ".").CombinedOutput(); err != nil {
			tagBuildErr = fmt.Errorf("go build -tags ftpconform_breakcompare: %v\n%s", err, out)
		}
	})
	if tagBuildErr != nil {
		t.Fatal(tagBuildErr)
	}
	return tagBinPath
}

// nftOrSkip loads a ruleset that needs kernel support (the ftp conntrack
// helper, NAT) into the server's namespace, or skips with the reason.
func (p netnsPair) nftOrSkip(t *testing.T, what, ruleset string) {
	t.Helper()
	if out, err := runCmd(ruleset, "ip", "netns", "exec", p.server, "nft", "-f", "-"); err != nil {
		t.Skipf("skipping: %s is not available in this kernel's nftables: %v: %s", what, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _, _ = runCmd("", "ip", "netns", "exec", p.server, "nft", "flush", "ruleset") })
}

// firewallTLS runs "ftpconform firewall --tls explicit" (plain FTP, then
// TLS) against the server on port 21 of 198.18.0.1.
func (p netnsPair) firewallTLS(t *testing.T, bin string, env []string) fwResult {
	t.Helper()
	return p.firewallEnv(t, bin, env, tlsPassword, nsFTPPort, "--tls", "explicit", "--insecure", "--pasv-address", nsServerAddr)
}

// checkCase runs the scenario with the real binary (the case must hold)
// and with one whose comparison drops the diagnoses (the case's
// assertions must fail).
func (p netnsPair) checkCase(t *testing.T, bin string, c tlsCase) {
	t.Helper()
	r := p.firewallTLS(t, bin, nil)
	for _, problem := range c.problems(r) {
		t.Error(problem)
	}
	if t.Failed() {
		return
	}
	t.Run("broken-diagnosis-fails-the-test", func(t *testing.T) {
		r := p.firewallTLS(t, brokenCompareBinary(t), []string{"FTPCONFORM_TEST_BREAK_COMPARE=" + c.kind})
		problems := c.problems(r)
		if len(problems) == 0 {
			t.Fatalf("with the %s diagnosis dropped, the assertions still pass: they do not prove the diagnosis", c.kind)
		}
		if !slices.ContainsFunc(problems, func(s string) bool { return strings.Contains(s, "want exactly one ("+c.kind+")") }) {
			t.Errorf("the assertions failed, but not for the missing diagnosis: %q", problems)
		}
		t.Logf("with the diagnosis dropped the assertions fail, as they must:\n  %s", strings.Join(problems, "\n  "))
	})
}

func TestFirewallTLSInNetworkNamespaces(t *testing.T) {
	// Mostly waiting (timeouts, a server's delays): it runs beside the
	// other slow tests of this package.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("skipping the namespace firewall test: it needs root (to create network namespaces and nftables rules)")
	}
	bin := binary(t)
	reachable := func(want string) func(tlsCheck) string {
		return everyReply(want, func(_, _, probe string) bool { return probe == want })
	}
	address := func(want string) func(tlsCheck) string {
		return everyReply("address "+want, func(mode, addr, _ string) bool { return mode != "PASV" || addr == want })
	}

	t.Run("helper-opens-passive-ports", func(t *testing.T) {
		p := setupNetnsTagged(t, "h")
		p.nftOrSkip(t, `the ct helper "ftp" (nf_conntrack_ftp)`, helperRuleset)
		p.startServerAt(t, bin, tlsPassword, nsServerAddr, nsFTPPort)
		p.checkCase(t, bin, tlsCase{
			failTLS: []string{keyReachable, keyEPSVNAT},
			kind:    kindHelperPorts,
			message: fmt.Sprintf("passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open %d-%d explicitly", nsPasvMin, nsPasvMax),
			fix:     fmt.Sprintf("open %d-%d explicitly: allow inbound TCP to the server's passive ports in the firewall instead of relying on its FTP helper", nsPasvMin, nsPasvMax),
			// Every probe connects in plain FTP and times out under TLS.
			observers: []string{keyReachable, keyEPSVNAT},
			plainObs:  reachable("connected"),
			tlsObs:    reachable("timed-out"),
		})
	})

	t.Run("nat-helper-rewrites-227", func(t *testing.T) {
		p := setupNetnsTagged(t, "n")
		run(t, "", "ip", "-n", p.server, "addr", "add", nsPrivateAddr+"/32", "dev", "lo")
		p.nftOrSkip(t, `NAT with the ct helper "ftp" (nf_conntrack_ftp, nf_nat_ftp)`, natRuleset)
		// The server knows only its private address, and advertises it.
		p.startServerAt(t, bin, tlsPassword, nsPrivateAddr, nsFTPPort)
		p.checkCase(t, bin, tlsCase{
			failTLS: []string{key227Address, keyPasvAddress},
			kind:    kindHelperNAT,
			message: fmt.Sprintf("the 227 reply carries %s under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (ftpconform serve: --pasv-address %s)", nsPrivateAddr, nsServerAddr),
			fix:     fmt.Sprintf("set the server's public passive address to %s (ftpconform serve: --pasv-address %s), so that its 227 replies carry it without a NAT helper's rewriting", nsServerAddr, nsServerAddr),
			// Plain 227 replies carry the public address (rewritten),
			// TLS ones the private address (as sent).
			observers: []string{key227Address, keyPasvAddress, keyReachable},
			plainObs:  address(nsServerAddr),
			tlsObs:    address(nsPrivateAddr),
		})
	})
}
