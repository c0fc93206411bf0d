package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness/stress"
)

// stressRun runs "ftpconform stress" in the test's process with a JSON
// result, and returns the exit code, the output and the result.
func stressRun(t *testing.T, args ...string) (int, string, string, stress.Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stress.json")
	var stdout, stderr bytes.Buffer
	code := realMain(append(append([]string{"stress"}, args...), "--json", path), &stdout, &stderr)
	var res stress.Result
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("the JSON result does not parse: %v\n%s", err, b)
		}
	}
	t.Logf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String(), res
}

func TestStressUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--clients", "0"},
		{"--clients", "5001"},
		{"--duration", "0s"},
		{"--duration", "61m"},
		{"--ramp", "-1s"},
		{"--mix", "stor:mkd"},
		{"--mix", "stor=0"},
		{"--mix", ""},
		{"--data", "lpsv"},
		{"--size", "16K-1K"},
		{"--size", "65M"},
		{"--size", "lots"},
		{"--files", "0"},
		{"--reconnect-after", "5"},
		{"--tls", "sometimes"},
		{"--target", "http://x"},
		{"--target", "ftp://127.0.0.1:21"},
		{"--target", "ftp://u:p@127.0.0.1:21", "--max-sessions", "3"},
		{"--target", "ftp://u:p@127.0.0.1:21", "--fault", "corrupt-binary"},
		{"--fault", "no-such-fault"},
		{"--ca-file", "/no/such/file.pem", "--tls", "explicit"},
		{"--no-such-flag"},
		{"extra-argument"},
	} {
		var stdout, stderr bytes.Buffer
		if code := realMain(append([]string{"stress"}, args...), &stdout, &stderr); code != exitUsage {
			t.Errorf("stress %v: exit %d, want 2; stderr: %s", args, code, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("stress %v: no message", args)
		}
	}
}

func TestStressHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"stress", "-h"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"usage: ftpconform stress", "--clients", "--mix", "--fail-on-refused"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestStressEmbedded: 50 sessions of every operation against the embedded
// server, every one verified, no error.
func TestStressEmbedded(t *testing.T) {
	code, stdout, _, res := stressRun(t, "--clients", "50", "--duration", "2s", "--ramp", "200ms",
		"--mix", "stor=3:retr=3:list:nlst:size:mdtm:cwd:pwd:noop:dele", "--reconnect-after", "50")
	if code != exitOK || res.ExitCode != exitOK || res.Verdict != "pass" {
		t.Fatalf("exit %d, result %d %q; want 0, pass", code, res.ExitCode, res.Verdict)
	}
	if res.Errors.Total != 0 || len(res.Errors.ByKind) != 0 || res.Sessions.Completed != 50 || !res.Embedded {
		t.Errorf("errors %+v, sessions %+v, embedded %v", res.Errors, res.Sessions, res.Embedded)
	}
	for _, name := range []string{"stor", "retr", "list", "nlst", "size", "mdtm", "cwd", "pwd", "noop", "dele", "connect", "login", "setup", "cleanup"} {
		found := false
		for _, c := range res.Commands {
			found = found || c.Name == name && c.Count > 0
		}
		if !found {
			t.Errorf("no %s in the result: %+v", name, res.Commands)
		}
	}
	for _, want := range []string{"command", "p50", "p99", "stor", "errors:     none", "PASS (exit 0)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
}

// TestStressRefusedSessions: a server that takes 10 sessions, 30 clients:
// the others are refused, which is no error unless --fail-on-refused.
func TestStressRefusedSessions(t *testing.T) {
	code, stdout, _, res := stressRun(t, "--clients", "30", "--max-sessions", "10", "--duration", "2s", "--ramp", "100ms")
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	if res.Sessions.Refused == 0 || res.Errors.ByCode["421"] == 0 || res.Errors.Total != 0 {
		t.Errorf("sessions %+v, errors %+v; want refused sessions and no other error", res.Sessions, res.Errors)
	}
	if !strings.Contains(stdout, "REFUSED") {
		t.Errorf("the summary does not say sessions were refused")
	}
	code, _, _, res = stressRun(t, "--clients", "30", "--max-sessions", "10", "--duration", "1s", "--ramp", "100ms", "--fail-on-refused")
	if code != exitFailures || res.Verdict != "fail" {
		t.Errorf("with --fail-on-refused: exit %d, verdict %q; want 1, fail", code, res.Verdict)
	}
}

// TestStressCorrupt: a server that corrupts downloads fails the run.
func TestStressCorrupt(t *testing.T) {
	code, _, _, res := stressRun(t, "--clients", "5", "--duration", "1s", "--fault", "corrupt-binary", "--mix", "stor:retr")
	if code != exitFailures {
		t.Errorf("exit %d, want 1", code)
	}
	if res.Errors.ByKind["corrupt"] == 0 || len(res.Errors.Samples) == 0 {
		t.Errorf("errors %+v; want corrupt downloads with examples", res.Errors)
	}
}

func TestStressTLS(t *testing.T) {
	for _, mode := range []string{"explicit", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			code, _, _, res := stressRun(t, "--clients", "10", "--duration", "1s", "--tls", mode, "--mix", "stor:retr:nlst")
			if code != exitOK || res.Errors.Total != 0 || res.TLS != mode {
				t.Errorf("exit %d, TLS %q, errors %+v", code, res.TLS, res.Errors)
			}
		})
	}
}

func TestStressUnreachable(t *testing.T) {
	code, stdout, stderr, _ := stressRun(t, "--target", "ftp://u:secret-x@127.0.0.1:1", "--clients", "2", "--duration", "1s")
	if code != exitUnreachable {
		t.Errorf("exit %d, want 3", code)
	}
	if out := stdout + stderr; strings.Contains(out, "secret-x") {
		t.Errorf("the password is shown: %s", out)
	}
}

func TestStressBadCredentials(t *testing.T) {
	srv := fakeserver.New(t.TempDir(), "right")
	srv.LoginFailDelay = -1
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, _, _, _ := stressRun(t, "--target", "ftp://conform:wrong@"+srv.Address().String(), "--clients", "2", "--duration", "1s")
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
}

// TestStressAgainstTarget: an explicit target, here a reference server
// that takes three sessions at once.
func TestStressAgainstTarget(t *testing.T) {
	root := t.TempDir()
	srv := fakeserver.New(root, "pw")
	srv.MaxSessions = 3
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, _, _, res := stressRun(t, "--target", "ftp://conform:pw@"+srv.Address().String(), "--clients", "6", "--duration", "1s", "--ramp", "0s")
	if code != exitOK || res.Embedded || res.Sessions.Refused == 0 || res.Errors.Total != 0 {
		t.Errorf("exit %d, embedded %v, sessions %+v, errors %+v", code, res.Embedded, res.Sessions, res.Errors)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("left on the server: %v", entries)
	}
}

// TestStressInterrupted: Ctrl-C ends the run with 130, the summary and
// the JSON written, the scratch directories removed.
func TestStressInterrupted(t *testing.T) {
	root := t.TempDir()
	srv := fakeserver.New(root, "pw")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "stress.json")
	cmd := exec.Command(binary(t), "stress", "--target", "ftp://conform:pw@"+srv.Address().String(),
		"--clients", "20", "--duration", "1m", "--json", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	t0 := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	if took := time.Since(t0); took > 15*time.Second {
		t.Errorf("took %s after Ctrl-C", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit %d, want 130\n%s%s", code, stdout.String(), stderr.String())
	}
	var res stress.Result
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &res)
	}
	if err != nil || !res.Interrupted || res.Verdict != "interrupted" || res.Errors.Total != 0 {
		t.Errorf("JSON: %v, interrupted %v, verdict %q, errors %+v", err, res.Interrupted, res.Verdict, res.Errors)
	}
	if !strings.Contains(stdout.String(), "INTERRUPTED") {
		t.Errorf("the summary does not say the run was interrupted:\n%s", stdout.String())
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("left on the server: %v", entries)
	}
}

func TestParseSizeRange(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi int
		ok     bool
	}{
		{"1K-16K", 1024, 16384, true},
		{"4096", 4096, 4096, true},
		{"0-1m", 0, 1 << 20, true},
		{"64M", 64 << 20, 64 << 20, true},
		{"65M", 0, 0, false},
		{"16K-65M", 0, 0, false},
		{"2K-1K", 0, 0, false},
		{"-1", 0, 0, false},
		{"1G", 0, 0, false},
		{"", 0, 0, false},
	} {
		lo, hi, err := parseSizeRange(tc.in)
		if (err == nil) != tc.ok || lo != tc.lo || hi != tc.hi {
			t.Errorf("parseSizeRange(%q) = %d, %d, %v", tc.in, lo, hi, err)
		}
		// The message quotes the size as given, K or M included.
		if err != nil && strings.HasSuffix(tc.in, "M") && !strings.Contains(err.Error(), `"65M"`) {
			t.Errorf("parseSizeRange(%q): %v; want the size quoted as given", tc.in, err)
		}
	}
}

func TestStressProgress(t *testing.T) {
	snap := stress.Progress{Elapsed: 3 * time.Second, Active: 7, Ops: 1200, OpsPerSec: 400, Errors: 1, Refused: 2}
	var term bytes.Buffer
	p := newStressProgress(&term, true, 10)
	p.show(snap)
	p.show(snap)
	p.end()
	if got := term.String(); strings.Count(got, "\r") != 2 || !strings.HasSuffix(got, "\n") || !strings.Contains(got, "7/10 sessions logged in, 1200 ops (400/s), 1 errors, 2 refused") {
		t.Errorf("terminal progress: %q", got)
	}
	var log bytes.Buffer
	p = newStressProgress(&log, false, 10)
	p.show(snap)
	p.show(snap) // within stressLogEvery: not logged
	p.end()
	if got := log.String(); strings.Count(got, "\n") != 1 || strings.Contains(got, "\r") {
		t.Errorf("logged progress: %q", got)
	}
}
