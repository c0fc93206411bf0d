package main

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// interopPassword is the password testdata/interop's servers use unless
// $FTPCONFORM_PASSWORD says otherwise.
const interopPassword = "conform-interop"

// realServer is one of testdata/interop's servers.
type realServer struct {
	name, script string
	port         int
	pasvRange    string
	// goalSeconds is the goal for a full default run (0: none);
	// probeGoal, when set, is the goal as a ratio to the server's own
	// login-probe run instead.
	goalSeconds float64
	probeGoal   string
}

var realServers = []realServer{
	{name: "proftpd", script: "proftpd.sh", port: 2124, pasvRange: "30200-30299", goalSeconds: 15},
	{name: "vsftpd", script: "vsftpd.sh", port: 2121, pasvRange: "30000-30099", goalSeconds: 10},
	{name: "pure-ftpd", script: "pureftpd.sh", port: 2125, pasvRange: "30300-30399", probeGoal: "<= 1.1"},
}

func (b *bench) suiteRows() []row {
	rows := []row{b.embeddedRow()}
	for _, s := range realServers {
		rows = append(rows, b.realServerRow(s))
	}
	return rows
}

// timeRun runs the binary with args and returns its wall time; an exit
// code above 1 (usage, unreachable) is an error.
func (b *bench) timeRun(env []string, args ...string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "ftpbench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(b.bin, append(args, "--json", filepath.Join(dir, "r.json"))...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() > 1 {
		return d, fmt.Errorf("ftpconform %v: exit %d: %s", args, cmd.ProcessState.ExitCode(), lastLine(out))
	}
	return d, nil
}

// medianPair runs a and r alternately n times each and returns their
// median wall times: alternating keeps a drift of the machine's load from
// favouring one of them.
func (b *bench) medianPair(n int, a, r func() (time.Duration, error)) (time.Duration, time.Duration, error) {
	var as, rs []time.Duration
	for range n {
		da, err := a()
		if err != nil {
			return 0, 0, err
		}
		dr, err := r()
		if err != nil {
			return 0, 0, err
		}
		as, rs = append(as, da), append(rs, dr)
	}
	return median(as), median(rs), nil
}

// median is the middle value of v (the upper one of an even count).
func median[T cmp.Ordered](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// embeddedRow: the full suite against the embedded server, against the
// run of only the login-probe checks, which cannot end before the probe.
func (b *bench) embeddedRow() row {
	r := row{name: "suite/embedded", goal: "<= 1.05"}
	full, probe, err := b.medianPair(b.runs,
		func() (time.Duration, error) { return b.timeRun(nil, "run") },
		func() (time.Duration, error) { return b.timeRun(nil, "run", "--label-filter", "login-probe") })
	if err != nil {
		r.met = "error"
		r.note = err.Error()
		return r
	}
	r.measured = fmt.Sprintf("full run %.2fs", full.Seconds())
	r.reference = fmt.Sprintf("login-probe checks only %.2fs", probe.Seconds())
	r.ratio = full.Seconds() / probe.Seconds()
	r.met = verdict(r.ratio, r.goal)
	return r
}

// realServerRow starts one of testdata/interop's servers and times a
// default run against a --parallel 1 run (and, where that is the goal,
// against the server's login-probe run).
func (b *bench) realServerRow(s realServer) row {
	r := row{name: "suite/" + s.name}
	script := filepath.Join("testdata", "interop", s.script)
	if os.Geteuid() != 0 {
		r.met = "skipped: needs root (make interop's servers)"
		return r
	}
	if out, err := exec.Command(script, "start").CombinedOutput(); err != nil {
		r.met = "skipped: the server did not start (make interop installs it)"
		r.note = lastLine(out)
		return r
	}
	defer exec.Command(script, "stop").Run()
	pw := os.Getenv("FTPCONFORM_PASSWORD")
	if pw == "" {
		pw = interopPassword
	}
	env := []string{"FTPCONFORM_PASSWORD=" + pw}
	target := []string{"run", "--target", fmt.Sprintf("ftp://conform@127.0.0.1:%d", s.port),
		"--pasv-range", s.pasvRange, "--pasv-address", "127.0.0.1"}
	runOnce := func(extra ...string) func() (time.Duration, error) {
		return func() (time.Duration, error) { return b.timeRun(env, append(slices.Clone(target), extra...)...) }
	}
	// One run each: a serial run against a real server takes a minute.
	full, serial, err := b.medianPair(1, runOnce(), runOnce("--parallel", "1"))
	if err != nil {
		r.met = "error"
		r.note = err.Error()
		return r
	}
	r.measured = fmt.Sprintf("default run %.1fs", full.Seconds())
	if s.probeGoal != "" {
		probe, err := runOnce("--label-filter", "login-probe")()
		if err != nil {
			r.met = "error"
			r.note = err.Error()
			return r
		}
		r.reference = fmt.Sprintf("login-probe checks only %.1fs", probe.Seconds())
		r.ratio = full.Seconds() / probe.Seconds()
		r.goal = s.probeGoal
		r.met = verdict(r.ratio, r.goal)
		r.note = fmt.Sprintf("--parallel 1: %.1fs", serial.Seconds())
		return r
	}
	r.reference = fmt.Sprintf("--parallel 1 %.1fs", serial.Seconds())
	r.ratio = full.Seconds() / serial.Seconds()
	r.goal = fmt.Sprintf("<= %.0fs", s.goalSeconds)
	r.met = map[bool]string{true: "yes", false: "no"}[full.Seconds() <= s.goalSeconds]
	return r
}

func lastLine(b []byte) string {
	s := string(b)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
