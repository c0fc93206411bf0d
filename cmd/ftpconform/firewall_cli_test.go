package main

import (
	"bytes"
	"os/exec"
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
