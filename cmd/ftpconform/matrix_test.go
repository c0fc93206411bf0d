package main

// The self-test matrix. It builds the ftpconform binary once and runs it
// as separate processes (ginkgo runs a suite only once per process):
//
//   - against the clean embedded reference server, over IPv4 and IPv6:
//     every check passes;
//   - against each fault of the fakeserver registry: the run exits 1 and
//     every check the fault names in Breaks fails;
//   - against each legal variation: nothing fails;
//   - and it proves that every check is broken by at least one fault.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds ftpconform once per test process.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ftpconform-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ftpconform")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// result is the part of the JSON report the matrix reads.
type result struct {
	Failed bool `json:"failed"`
	Checks []struct {
		Key      string   `json:"key"`
		Verdict  string   `json:"verdict"`
		Message  string   `json:"message"`
		Warnings []string `json:"warnings"`
	} `json:"checks"`
}

// runResult is one run of the binary.
type runResult struct {
	exit   int
	stdout string
	stderr string
	report result
	files  map[string][]byte
}

// runBinary runs ftpconform with args plus report files in a temp dir.
func runBinary(t *testing.T, args ...string) runResult {
	t.Helper()
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")
	junitPath := filepath.Join(dir, "junit.xml")
	all := append(append([]string(nil), args...), "--json", jsonPath, "--junit", junitPath)
	cmd := exec.Command(binary(t), all...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("ftpconform %v did not finish within 3 minutes\nstdout:\n%s", args, stdout.String())
	}
	res := runResult{exit: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), files: map[string][]byte{}}
	for _, p := range []string{jsonPath, junitPath} {
		if b, err := os.ReadFile(p); err == nil {
			res.files[filepath.Base(p)] = b
		}
	}
	if b := res.files["report.json"]; b != nil {
		if err := json.Unmarshal(b, &res.report); err != nil {
			t.Fatalf("report.json: %v", err)
		}
	}
	return res
}

func (r runResult) verdicts() map[string]string {
	m := map[string]string{}
	for _, c := range r.report.Checks {
		m[c.Key] = c.Verdict
	}
	return m
}

func (r runResult) failures() []string {
	var out []string
	for _, c := range r.report.Checks {
		if c.Verdict == "failed" {
			out = append(out, c.Key+": "+c.Message)
		}
	}
	return out
}

// fast keeps fault runs short: replies that never come cost 3 s, not 10.
var fast = []string{"--timeout", "3s", "--data-timeout", "3s", "--samples", "5"}

func TestCleanServerPassesEveryCheck(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		name := "ipv4"
		args := append([]string{"run"}, fast...)
		if v6 {
			name = "ipv6"
			if !haveIPv6() {
				t.Log("skipping IPv6: ::1 is not available")
				continue
			}
			args = append(args, "--ipv6")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, args...)
			if r.exit != 0 {
				t.Fatalf("exit %d, want 0; failures:\n%s\nstderr:\n%s", r.exit, strings.Join(r.failures(), "\n"), r.stderr)
			}
			if len(r.report.Checks) < 25 {
				t.Errorf("only %d checks in the report", len(r.report.Checks))
			}
			for _, c := range r.report.Checks {
				if c.Verdict == "warned" {
					t.Errorf("the reference server earns a warning in %s: %v", c.Key, c.Warnings)
				}
			}
			if !bytes.Contains(r.files["junit.xml"], []byte("<testsuites")) {
				t.Errorf("no JUnit file written")
			}
		})
	}
}

func haveIPv6() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestEveryFaultIsCaughtByTheChecksItBreaks(t *testing.T) {
	sem := make(chan struct{}, 10)
	for _, f := range fakeserver.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			// --strict: a fault must also make SHOULD-level checks fail,
			// which without it only warn.
			args := append([]string{"run", "--fault", f.Name, "--strict"}, fast...)
			r := runBinary(t, args...)
			// Two-session faults on a loaded machine can, rarely, be
			// missed once (seen twice in about 1,300 fault runs); a second
			// run must then catch them. A miss is logged, never hidden.
			if missed := missedBreaks(r, f.Breaks); len(missed) > 0 {
				t.Logf("fault %s: %v not failed in the first run; running it once more", f.Name, missed)
				r = runBinary(t, args...)
			}
			want := 1
			if f.Exit != 0 {
				want = f.Exit
			}
			if r.exit != want {
				t.Errorf("fault %s: exit %d, want %d (failures: %v)\nstderr: %s", f.Name, r.exit, want, r.failures(), r.stderr)
			}
			for _, c := range r.report.Checks {
				if c.Verdict == "failed" && strings.Contains(c.Message, "Panicked") {
					t.Errorf("fault %s: check %s panicked instead of failing with a diagnosis: %s", f.Name, c.Key, c.Message)
				}
			}
			v := r.verdicts()
			for _, key := range f.Breaks {
				if v[key] != "failed" {
					t.Errorf("fault %s should make %s fail; its verdict is %q", f.Name, key, v[key])
				}
			}
		})
	}
}

func TestLegalVariationsPass(t *testing.T) {
	sem := make(chan struct{}, 10)
	for _, v := range fakeserver.Variations() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := runBinary(t, append([]string{"run", "--variation", v.Name}, fast...)...)
			if r.exit != 0 {
				t.Errorf("legal variation %s flagged: exit %d, failures:\n%s", v.Name, r.exit, strings.Join(r.failures(), "\n"))
			}
		})
	}
}

// TestEveryCheckCanFail proves that each check is named by at least one
// fault, and that faults name only checks that exist.
func TestEveryCheckCanFail(t *testing.T) {
	out, err := exec.Command(binary(t), "list", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var checks []listedCheck
	if err := json.Unmarshal(out, &checks); err != nil {
		t.Fatal(err)
	}
	broken := map[string][]string{}
	for _, f := range fakeserver.Faults() {
		for _, k := range f.Breaks {
			broken[k] = append(broken[k], f.Name)
		}
	}
	exists := map[string]bool{}
	var orphans []string
	for _, c := range checks {
		exists[c.Key] = true
		if len(broken[c.Key]) == 0 {
			orphans = append(orphans, c.Key)
		}
	}
	sort.Strings(orphans)
	if len(orphans) > 0 {
		t.Errorf("%d checks have no fault that makes them fail:\n  %s", len(orphans), strings.Join(orphans, "\n  "))
	}
	for k, faults := range broken {
		if !exists[k] {
			t.Errorf("faults %v name check %s, which does not exist", faults, k)
		}
	}
}

// missedBreaks lists the checks of breaks that did not fail in r.
func missedBreaks(r runResult, breaks []string) []string {
	v := r.verdicts()
	var out []string
	for _, key := range breaks {
		if v[key] != "failed" {
			out = append(out, key)
		}
	}
	return out
}
