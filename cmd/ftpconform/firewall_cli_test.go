package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpconform/ftpconform/fakeserver"
)

// TestFirewallCommand: "ftpconform firewall" runs only the checks labelled
// firewall, and its short report lists each finding with its fix.
func TestFirewallCommand(t *testing.T) {
	t.Parallel()
	srv := fakeserver.New(t.TempDir(), "fw-secret")
	srv.PasvMinPort, srv.PasvMaxPort = 29000, 29099
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target := "ftp://conform:fw-secret@" + srv.Address().String()

	clean := runBinary(t, "firewall", "--target", target, "--pasv-range", "29000-29099", "--pasv-address", "127.0.0.1", "--samples", "5")
	if clean.exit != 0 || !strings.Contains(clean.stdout, "No problems found.") {
		t.Fatalf("matching range: exit %d, failures %v\n%s", clean.exit, clean.failures(), clean.stdout)
	}
	for _, c := range clean.report.Checks {
		if c.Verdict != "filtered" && !strings.HasPrefix(c.Key, "POLICY-PASV-") && !strings.HasPrefix(c.Key, "POLICY-ACTIVE-") && c.Key != "POLICY-EPSV-WORKS-NAT" && c.Key != "RFC959-4.1.2-227-ADDRESS" {
			t.Errorf("ftpconform firewall ran %s (%s)", c.Key, c.Verdict)
		}
	}

	// The server uses 29000-29099, the operator expects 29050-29149.
	off := runBinary(t, "firewall", "--target", target, "--pasv-range", "29050-29149", "--pasv-address", "127.0.0.1", "--samples", "10")
	if off.exit != 1 || off.verdicts()["POLICY-PASV-RANGE"] != "failed" {
		t.Fatalf("mismatching range: exit %d, verdicts %v\n%s", off.exit, off.verdicts(), off.stdout)
	}
	for _, want := range []string{"PROBLEM  advertises passive ports inside the expected range: ", "outside 29050-29149", "What to fix:\n  1. set the server's passive port range to 29050-29149"} {
		if !strings.Contains(off.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, off.stdout)
		}
	}
}

func TestExpectActiveSourcePortFlag(t *testing.T) {
	for _, arg := range []string{"0", "70000", "L-2", "twenty"} {
		cmd := exec.Command(binary(t), "firewall", "--expect-active-source-port", arg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(stderr.String(), "--expect-active-source-port") {
			t.Errorf("--expect-active-source-port %s: exit %d, want 2; stderr: %s", arg, code, stderr.String())
		}
	}
	for arg, want := range map[string]int{"": 0, "20": 20, "l-1": -1, " 2120 ": 2120} {
		if got, err := parseSourcePort(arg); err != nil || got != want {
			t.Errorf("parseSourcePort(%q) = %d, %v; want %d", arg, got, err, want)
		}
	}
}

// TestFirewallCommandTLS: "firewall --tls explicit" runs the checks in
// plain FTP, then inside TLS, and reports the comparison; the password
// never shows, and a server that refuses logins without TLS is checked
// with TLS alone.
func TestFirewallCommandTLS(t *testing.T) {
	t.Parallel()
	start := func(requireTLS bool) (target, ca string) {
		srv := fakeserver.New(t.TempDir(), "fw-tls-secret")
		srv.PasvMinPort, srv.PasvMaxPort = 29100, 29199
		srv.RequireTLS = requireTLS
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		ca = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, srv.CertificatePEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		return "ftp://conform:fw-tls-secret@" + srv.Address().String(), ca
	}
	type compared struct {
		Comparison *struct {
			TLS         string `json:"tls"`
			NotCompared string `json:"not_compared"`
			Plain       *struct {
				Checks []struct {
					Key, Verdict string
				} `json:"checks"`
			} `json:"plain"`
			Differences []any `json:"differences"`
			Diagnoses   []any `json:"diagnoses"`
		} `json:"comparison"`
		Checks []struct {
			Key     string `json:"key"`
			Passive *struct {
				Replies []struct{ Probe string } `json:"replies"`
			} `json:"passive"`
		} `json:"checks"`
	}
	read := func(r runResult) compared {
		var doc compared
		if err := json.Unmarshal(r.files["report.json"], &doc); err != nil || doc.Comparison == nil {
			t.Fatalf("report.json: %v, comparison %v\n%s", err, doc.Comparison, r.stdout)
		}
		return doc
	}

	target, ca := start(false)
	args := []string{"firewall", "--target", target, "--tls", "explicit", "--ca-file", ca, "--pasv-range", "29100-29199", "--pasv-address", "127.0.0.1", "--samples", "3"}
	r := runBinary(t, args...)
	if r.exit != 0 || !strings.Contains(r.stdout, "== plain FTP") || !strings.Contains(r.stdout, "Plain FTP and explicit TLS compared: every check has the same verdict in both.") {
		t.Fatalf("exit %d:\n%s\n%s", r.exit, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr+string(r.files["report.json"]), "fw-tls-secret") {
		t.Errorf("the password shows in the output or the report")
	}
	doc := read(r)
	if c := doc.Comparison; c.TLS != "explicit TLS" || c.Plain == nil || len(c.Differences) != 0 || len(c.Diagnoses) != 0 {
		t.Errorf("comparison: %+v", c)
	} else {
		ran := 0
		for _, ch := range c.Plain.Checks {
			switch ch.Verdict {
			case "filtered":
			case "passed", "skipped":
				ran++
			default:
				t.Errorf("plain FTP: %s %s", ch.Key, ch.Verdict)
			}
		}
		if ran != 8 {
			t.Errorf("the plain pass ran %d checks, want the 8 firewall checks", ran)
		}
	}
	for _, ch := range doc.Checks {
		if ch.Key != "POLICY-PASV-RANGE-REACHABLE" {
			continue
		}
		if ch.Passive == nil || len(ch.Passive.Replies) != 6 || ch.Passive.Replies[0].Probe != "connected" {
			t.Errorf("the reachability check's observation: %+v", ch.Passive)
		}
	}

	r = runBinary(t, append(args, "--compare-plain=false")...)
	if doc := read(r); r.exit != 0 || strings.Contains(r.stdout, "== plain FTP") || doc.Comparison.Plain != nil || doc.Comparison.NotCompared != "--compare-plain=false" {
		t.Errorf("--compare-plain=false: exit %d, comparison %+v\n%s", r.exit, doc.Comparison, r.stdout)
	}

	target, ca = start(true)
	r = runBinary(t, "firewall", "--target", target, "--tls", "explicit", "--ca-file", ca, "--samples", "3")
	if doc := read(r); r.exit != 0 || doc.Comparison.Plain != nil || !strings.Contains(doc.Comparison.NotCompared, "credentials refused: 530") ||
		!strings.Contains(r.stdout, "Not compared with plain FTP: the plain FTP pass could not start: credentials refused: 530") {
		t.Errorf("a server that requires TLS: exit %d, comparison %+v\n%s", r.exit, doc.Comparison, r.stdout)
	}
}
