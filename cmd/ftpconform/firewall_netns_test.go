//go:build linux

package main

// A real firewall between the harness and the reference server: two
// network namespaces joined by a veth pair, the server ("ftpconform
// serve") in one, "ftpconform firewall" in the other, and nftables rules in
// the server's namespace that drop part of the passive range, send part of
// it to a port where nothing listens, or block the server's dial-back in
// active mode. The firewall diagnoses must name exactly those problems.
//
// It needs root, iproute2 and nftables (.ci/run installs them) and skips
// with the reason otherwise. The addresses come from 198.18.0.0/15, the
// benchmarking range of RFC 2544, which exists nowhere outside the
// namespaces. The namespaces are deleted when the test ends, even when it
// fails; deleting them also removes the veth pair.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	nsServerAddr = "198.18.0.1"
	nsClientAddr = "198.18.0.2"
	nsPrefix     = "/30"
	nsCtrlPort   = 2121
	nsPasvMin    = 30000
	nsPasvMax    = 30019
)

// firewallKeys are the checks "ftpconform firewall" runs.
var firewallKeys = []string{
	"RFC959-4.1.2-227-ADDRESS",
	"POLICY-PASV-RANGE",
	"POLICY-PASV-ADDR",
	"POLICY-PASV-RANGE-REACHABLE",
	"POLICY-EPSV-WORKS-NAT",
	"POLICY-ACTIVE-EGRESS",
	"POLICY-ACTIVE-EGRESS/source-address",
	"POLICY-ACTIVE-EGRESS/source-port",
}

// netnsPair is a server and a client namespace joined by a veth pair.
type netnsPair struct {
	server, client string
}

// run runs a command (no shell) and fails the test on error.
func run(t *testing.T, stdin string, name string, args ...string) {
	t.Helper()
	if out, err := runCmd(stdin, name, args...); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func runCmd(stdin string, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// setupNetns creates the namespaces and the veth pair, or skips the test
// with the reason they cannot be made here.
func setupNetns(t *testing.T) netnsPair {
	t.Helper()
	return setupNetnsTagged(t, "")
}

// setupNetnsTagged is setupNetns with tag (a lower-case letter or two) in
// the names of the namespaces and links, for a test that needs a fresh
// pair while another one exists.
func setupNetnsTagged(t *testing.T, tag string) netnsPair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping the namespace firewall test: it needs root (to create network namespaces and nftables rules)")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping the namespace firewall test: %s is not installed (packages iproute2 and nftables)", tool)
		}
	}
	id := os.Getpid() % 1000000
	p := netnsPair{server: fmt.Sprintf("ftpconform-%d%s-srv", id, tag), client: fmt.Sprintf("ftpconform-%d%s-cli", id, tag)}
	vs, vc := fmt.Sprintf("fcs%d%s", id, tag), fmt.Sprintf("fcc%d%s", id, tag)

	if out, err := runCmd("", "ip", "netns", "add", p.server); err != nil {
		t.Skipf("skipping the namespace firewall test: no network namespace support here: ip netns add: %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { _, _ = runCmd("", "ip", "netns", "del", p.server) })
	run(t, "", "ip", "netns", "add", p.client)
	t.Cleanup(func() { _, _ = runCmd("", "ip", "netns", "del", p.client) })
	run(t, "", "ip", "link", "add", vs, "type", "veth", "peer", "name", vc)
	// Normally gone with the namespaces; this covers a failure in between.
	t.Cleanup(func() { _, _ = runCmd("", "ip", "link", "del", vs) })
	run(t, "", "ip", "link", "set", vs, "netns", p.server)
	run(t, "", "ip", "link", "set", vc, "netns", p.client)
	run(t, "", "ip", "-n", p.server, "addr", "add", nsServerAddr+nsPrefix, "dev", vs)
	run(t, "", "ip", "-n", p.client, "addr", "add", nsClientAddr+nsPrefix, "dev", vc)
	for _, l := range []struct{ ns, dev string }{{p.server, vs}, {p.client, vc}, {p.server, "lo"}, {p.client, "lo"}} {
		run(t, "", "ip", "-n", l.ns, "link", "set", l.dev, "up")
	}
	if out, err := runCmd("", "ip", "netns", "exec", p.server, "nft", "list", "ruleset"); err != nil {
		t.Skipf("skipping the namespace firewall test: nftables does not work here: %v: %s", err, bytes.TrimSpace(out))
	}
	return p
}

// nft loads a ruleset into the server's namespace; the rules go when the
// scenario ends.
func (p netnsPair) nft(t *testing.T, ruleset string) {
	t.Helper()
	run(t, ruleset, "ip", "netns", "exec", p.server, "nft", "-f", "-")
	t.Cleanup(func() { _, _ = runCmd("", "ip", "netns", "exec", p.server, "nft", "flush", "ruleset") })
}

// startServer runs "ftpconform serve" on port in the server namespace and
// waits until it listens. Its active connections come from port-1 (L-1).
// The process is killed when the test ends.
func (p netnsPair) startServer(t *testing.T, bin, password string, port int, extra ...string) {
	t.Helper()
	p.startServerAt(t, bin, password, nsServerAddr, port, extra...)
}

// startServerAt is startServer listening on host (an address of the
// server namespace).
func (p netnsPair) startServerAt(t *testing.T, bin, password, host string, port int, extra ...string) {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"netns", "exec", p.server, bin, "serve",
		"--listen", fmt.Sprintf("%s:%d", host, port),
		"--root", root, "--password", password,
		"--pasv-range", fmt.Sprintf("%d-%d", nsPasvMin, nsPasvMax),
		"--active-source-port", strconv.Itoa(port - 1)}, extra...)
	cmd := exec.Command("ip", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // "ip netns exec" execs the server: this is its process
		<-exited
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "serving ") {
				ready <- true
			}
		}
		ready <- false
	}()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("the server in %s exited before listening: %s", p.server, stderr.String())
		}
	case <-timer.C:
		t.Fatalf("the server in %s did not start within 20 s: %s", p.server, stderr.String())
	}
}

// fwResult is what a scenario reads from the JSON report.
type fwResult struct {
	exit   int
	stdout string
	checks map[string]fwCheck
	json   []byte // the whole report
}

type fwCheck struct {
	Key     string   `json:"key"`
	Verdict string   `json:"verdict"`
	Message string   `json:"message"`
	Info    []string `json:"info"`
}

// firewall runs "ftpconform firewall" in the client namespace against the
// server on port.
func (p netnsPair) firewall(t *testing.T, bin, password string, port int, extra ...string) fwResult {
	t.Helper()
	return p.firewallEnv(t, bin, nil, password, port, extra...)
}

// firewallEnv is firewall with env added to the environment of
// "ftpconform firewall".
func (p netnsPair) firewallEnv(t *testing.T, bin string, env []string, password string, port int, extra ...string) fwResult {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	args := append([]string{"netns", "exec", p.client, bin, "firewall",
		"--target", fmt.Sprintf("ftp://conform:%s@%s:%d", password, nsServerAddr, port),
		"--pasv-range", fmt.Sprintf("%d-%d", nsPasvMin, nsPasvMax),
		"--expect-active-source-port", "L-1",
		"--timeout", "3s", "--data-timeout", "2s", "--samples", "10", "--json", report}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := fwResult{exit: cmd.ProcessState.ExitCode(), stdout: stdout.String(), checks: map[string]fwCheck{}}
	if ctx.Err() != nil {
		t.Fatalf("ftpconform firewall did not finish within 3 minutes:\n%s", stdout.String())
	}
	b, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("ftpconform firewall: %v; no report: %v\nstdout:\n%s\nstderr:\n%s", err, rerr, stdout.String(), stderr.String())
	}
	var doc struct {
		Checks []fwCheck `json:"checks"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	res.json = b
	for _, c := range doc.Checks {
		if c.Verdict != "filtered" {
			res.checks[c.Key] = c
		}
	}
	t.Logf("ftpconform firewall output:\n%s", res.stdout)
	return res
}

// expectVerdicts requires the firewall checks to have exactly the given
// verdicts (keys not named must pass; "passed|failed" allows either) and
// the exit code that goes with them.
func (r fwResult) expectVerdicts(t *testing.T, want map[string]string) {
	t.Helper()
	failed := false
	for _, key := range firewallKeys {
		v := "passed"
		if w, ok := want[key]; ok {
			v = w
		}
		c, ok := r.checks[key]
		if !ok {
			t.Errorf("%s is missing from the report of ftpconform firewall", key)
			continue
		}
		if !slices.Contains(strings.Split(v, "|"), c.Verdict) {
			t.Errorf("%s: verdict %q, want %q; message: %s", key, c.Verdict, v, c.Message)
		}
		failed = failed || c.Verdict == "failed"
	}
	for key, c := range r.checks {
		if !slices.Contains(firewallKeys, key) {
			t.Errorf("ftpconform firewall ran %s, which is not a firewall check (verdict %s)", key, c.Verdict)
		}
	}
	if wantExit := map[bool]int{false: 0, true: 1}[failed]; r.exit != wantExit {
		t.Errorf("exit code %d, want %d", r.exit, wantExit)
	}
}

// probedPorts reads the ports of one outcome ("connected", "timed out",
// "refused") from the reachability check's observation.
func (r fwResult) probedPorts(t *testing.T, outcome string) []int {
	t.Helper()
	re := regexp.MustCompile(`\d+ ` + regexp.QuoteMeta(outcome) + ` \(ports ([0-9, ]+)\)`)
	for _, i := range r.checks["POLICY-PASV-RANGE-REACHABLE"].Info {
		if m := re.FindStringSubmatch(i); m != nil {
			var out []int
			for _, f := range strings.Split(m[1], ", ") {
				n, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("cannot read the port %q in %q", f, i)
				}
				out = append(out, n)
			}
			return out
		}
	}
	return nil
}

func between(ports []int, lo, hi int) (in, out []int) {
	for _, p := range ports {
		if p >= lo && p <= hi {
			in = append(in, p)
		} else {
			out = append(out, p)
		}
	}
	return in, out
}

func TestFirewallInNetworkNamespaces(t *testing.T) {
	// Mostly waiting (timeouts, a server's delays): it runs beside the
	// other slow tests of this package.
	t.Parallel()
	p := setupNetns(t)
	bin := binary(t)
	const password = "netns-secret"
	p.startServer(t, bin, password, nsCtrlPort)

	t.Run("no-rules", func(t *testing.T) {
		r := p.firewall(t, bin, password, nsCtrlPort, "--pasv-address", nsServerAddr)
		r.expectVerdicts(t, nil)
		if !strings.Contains(r.stdout, "No problems found.") {
			t.Errorf("the report does not say that there are no problems")
		}
	})

	t.Run("inbound-drop-of-part-of-the-range", func(t *testing.T) {
		const dropLo, dropHi = nsPasvMin + 10, nsPasvMax
		p.nft(t, fmt.Sprintf(`table inet ftpconform_test {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport %d-%d drop
	}
}
`, dropLo, dropHi))
		r := p.firewall(t, bin, password, nsCtrlPort, "--pasv-address", nsServerAddr)
		// The one EPSV transfer fails if its port is a dropped one.
		r.expectVerdicts(t, map[string]string{"POLICY-PASV-RANGE-REACHABLE": "failed", "POLICY-EPSV-WORKS-NAT": "passed|failed"})
		if c := r.checks["POLICY-EPSV-WORKS-NAT"]; c.Verdict == "failed" && !strings.Contains(c.Message, "timed out") {
			t.Errorf("the EPSV transfer failed for another reason than a dropped port: %s", c.Message)
		}
		msg := r.checks["POLICY-PASV-RANGE-REACHABLE"].Message
		if !strings.Contains(msg, "timed out") || !strings.Contains(msg, "firewall") || strings.Contains(msg, "refused") {
			t.Errorf("the diagnosis should name dropped (timed-out) ports and a firewall, and nothing refused; got: %s", msg)
		}
		timedOut, connected := r.probedPorts(t, "timed out"), r.probedPorts(t, "connected")
		if len(timedOut) == 0 {
			t.Fatalf("no port reported as timed out")
		}
		if _, out := between(timedOut, dropLo, dropHi); len(out) > 0 {
			t.Errorf("ports %v reported as timed out, but only %d-%d are dropped", out, dropLo, dropHi)
		}
		if in, _ := between(connected, dropLo, dropHi); len(in) > 0 {
			t.Errorf("ports %v reported as connected, but the firewall drops them", in)
		}
		if !strings.Contains(r.stdout, "What to fix:") || !strings.Contains(r.stdout, fmt.Sprintf("open TCP ports %d-%d", nsPasvMin, nsPasvMax)) {
			t.Errorf("the report does not tell to open the passive range")
		}
	})

	t.Run("part-of-the-range-forwarded-where-nothing-listens", func(t *testing.T) {
		const fwdLo, fwdHi = nsPasvMin, nsPasvMin + 9
		// Port 9 (discard) has no listener in the server's namespace.
		if out, err := runCmd(fmt.Sprintf(`table ip ftpconform_test_nat {
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		tcp dport %d-%d redirect to :9
	}
}
`, fwdLo, fwdHi), "ip", "netns", "exec", p.server, "nft", "-f", "-"); err != nil {
			t.Skipf("nftables NAT (redirect) is not available here: %v: %s", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() { _, _ = runCmd("", "ip", "netns", "exec", p.server, "nft", "flush", "ruleset") })
		r := p.firewall(t, bin, password, nsCtrlPort, "--pasv-address", nsServerAddr)
		r.expectVerdicts(t, map[string]string{"POLICY-PASV-RANGE-REACHABLE": "failed", "POLICY-EPSV-WORKS-NAT": "passed|failed"})
		if c := r.checks["POLICY-EPSV-WORKS-NAT"]; c.Verdict == "failed" && !strings.Contains(c.Message, "refused") {
			t.Errorf("the EPSV transfer failed for another reason than a port where nothing listens: %s", c.Message)
		}
		msg := r.checks["POLICY-PASV-RANGE-REACHABLE"].Message
		if !strings.Contains(msg, "refused") || !strings.Contains(msg, "nothing listens") || strings.Contains(msg, "timed out") {
			t.Errorf("the diagnosis should name refused ports where nothing listens, and nothing timed out; got: %s", msg)
		}
		refused, connected := r.probedPorts(t, "refused"), r.probedPorts(t, "connected")
		if len(refused) == 0 {
			t.Fatalf("no port reported as refused")
		}
		if _, out := between(refused, fwdLo, fwdHi); len(out) > 0 {
			t.Errorf("ports %v reported as refused, but only %d-%d are forwarded to a closed port", out, fwdLo, fwdHi)
		}
		if in, _ := between(connected, fwdLo, fwdHi); len(in) > 0 {
			t.Errorf("ports %v reported as connected, but they are forwarded to a closed port", in)
		}
	})

	t.Run("outbound-dial-back-blocked", func(t *testing.T) {
		// New outbound connections of the server (SYN without ACK):
		// its active-mode dial-back. Replies to the client's
		// connections (SYN+ACK) still pass.
		p.nft(t, `table inet ftpconform_test {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp flags & (syn | ack) == syn drop
	}
}
`)
		r := p.firewall(t, bin, password, nsCtrlPort, "--pasv-address", nsServerAddr)
		r.expectVerdicts(t, map[string]string{
			"POLICY-ACTIVE-EGRESS":                "failed",
			"POLICY-ACTIVE-EGRESS/source-address": "skipped",
			"POLICY-ACTIVE-EGRESS/source-port":    "skipped",
		})
		msg := r.checks["POLICY-ACTIVE-EGRESS"].Message
		if !strings.Contains(msg, "the server cannot reach the client") || !strings.Contains(msg, "outbound firewall") {
			t.Errorf("the diagnosis should say that the server cannot reach the client (outbound firewall); got: %s", msg)
		}
		if !strings.Contains(msg, "refuse PORT and EPRT") {
			t.Errorf("the fixes should say that PORT should be refused if active mode is not allowed; got: %s", msg)
		}
	})

	t.Run("private-address-advertised", func(t *testing.T) {
		// A second server advertises a private address, like a server
		// behind NAT that does not know its public address. (Its L-1
		// must not be the first server's control port.)
		const private, port = "10.0.0.5", nsCtrlPort + 10
		p.startServer(t, bin, password, port, "--pasv-address", private)
		r := p.firewall(t, bin, password, port)
		// No --pasv-address is stated: the policy check skips, and the
		// RFC 959 check of the 227 address gives the diagnosis.
		r.expectVerdicts(t, map[string]string{"RFC959-4.1.2-227-ADDRESS": "failed", "POLICY-PASV-ADDR": "skipped"})
		msg := r.checks["RFC959-4.1.2-227-ADDRESS"].Message
		want := fmt.Sprintf("the server advertises %s; set its passive/masquerade address to the public one, %s", private, nsServerAddr)
		if !strings.Contains(msg, want) {
			t.Errorf("the diagnosis should say %q; got: %s", want, msg)
		}
	})
}
