package main

// Parallel runs. Ginkgo runs the specs of one process serially, and only
// once per process; a run with --parallel N > 1 therefore runs its checks
// in worker processes of this same binary, and this process coordinates:
//
//  1. it runs the preflight once and walks the spec tree without running
//     anything (a ginkgo dry run), which gives every check that the label
//     filter selects, in order, with its source file and whether it is
//     Serial;
//  2. it starts, at once, a worker for the checks that judge the shared
//     login probe (label login-probe: they mostly wait, for seconds, while
//     one session tries wrong passwords) and a worker for the Serial checks
//     (passive-port sampling, timing and race judgements), which run
//     without other checks' sessions beside them;
//  3. when the Serial checks are done, it starts N workers that share the
//     other checks out as they go: each walks the same list in the same
//     order, and before a check it claims the check's unit in the journal;
//     the first claim wins, and the others skip the unit. A unit is a
//     source file, joined with the files of checks that share an exchange
//     with it (the checks of one file share root causes and exchanges, see
//     suites/health.go, and so keep their order and their "blocked by"
//     links). A slow unit holds up one worker, not a share of the list;
//  4. it merges the workers' ginkgo reports into one, in the dry run's
//     order, and goes on as a serial run would: reports, baseline, summary.
//
// A worker gets the target on its command line (the password in its
// environment, never in its arguments), the preflight's facts and its
// checks in a plan file, and writes its ginkgo report as JSON. Its stdout
// (one progress line per check) is passed through line by line. The
// workers share one journal file (harness.Journal) in which the first
// claim settles each health fact, so that a server that dies or a command
// that never gets a reply is charged to one check, as in a serial run.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
	"github.com/ftpconform/ftpconform/reports"
	"github.com/ftpconform/ftpconform/suites"
)

// defaultParallel is --parallel's default: enough sessions at once to hide
// a remote server's round trips and a forking server's slow session
// start-up (proftpd: 0.2-0.4 s per connection while earlier sessions end),
// few enough that a server with a per-address session limit of 5-10
// (common defaults) still serves every check.
const defaultParallel = 4

// workerPlan is what the coordinator hands a worker.
type workerPlan struct {
	// Keys are the checks the worker runs, in any order (ginkgo's order
	// applies).
	Keys []string `json:"keys"`
	// Facts are the preflight's findings.
	Facts *harness.Facts `json:"facts"`
	// Journal is the file where the workers settle the run's health facts
	// together (harness.Journal): a server that stopped answering, a
	// command it never answers, a lost capability, a root cause.
	Journal string `json:"journal"`
	// Units, when set, makes the worker one of several that share Keys
	// out as they go: before each check, the first worker to claim the
	// check's unit in the journal runs it (and the rest of the unit); the
	// others skip it. Worker names the worker in those claims.
	Units  map[string]string `json:"units,omitempty"`
	Worker string            `json:"worker,omitempty"`
}

// plannedCheck is one check the dry run selected.
type plannedCheck struct {
	key    string
	file   string
	serial bool
	probe  bool     // it judges the login probe (suites.LabelLoginProbe)
	shares []string // exchanges it shares with other checks (suites.Shares)
}

// keyOf returns the check key of a spec report ("" for other nodes).
func keyOf(s types.SpecReport) string {
	key, _, _ := checkmeta.ParseHeading(s.LeafNodeText)
	return key
}

// planChecks lists the checks a dry run would run.
func planChecks(dry types.Report) []plannedCheck {
	var out []plannedCheck
	for _, s := range dry.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt || s.State != types.SpecStatePassed {
			continue // filtered out, pending, or not a check
		}
		if k := keyOf(s); k != "" {
			c := plannedCheck{key: k, file: s.LeafNodeLocation.FileName, serial: s.IsSerial,
				probe: slices.Contains(s.Labels(), suites.LabelLoginProbe)}
			for _, l := range s.Labels() {
				if strings.HasPrefix(l, suites.LabelSharesPrefix) {
					c.shares = append(c.shares, l)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// shareChecks splits the checks into those that judge the login probe,
// the Serial ones, and the pool the other workers share out as they go,
// with each pooled check's unit: a source file, joined with every file
// that has a check sharing an exchange with one of its checks. A unit runs
// in one worker, in order, so that its checks' shared root causes ("blocked
// by" a sibling) and shared exchanges come out as in a serial run.
func shareChecks(checks []plannedCheck) (probe, pool, serial []string, units map[string]string) {
	// Units: union-find over file names and shared-exchange labels.
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	var rest []plannedCheck
	for _, c := range checks {
		switch {
		case c.serial:
			serial = append(serial, c.key)
		case c.probe:
			probe = append(probe, c.key)
		default:
			rest = append(rest, c)
			find(c.file)
			for _, sh := range c.shares {
				parent[find(sh)] = find(c.file)
			}
		}
	}
	units = map[string]string{}
	for _, c := range rest {
		pool = append(pool, c.key)
		units[c.key] = filepath.Base(find(c.file))
	}
	return probe, pool, serial, units
}

// focusOn is the ginkgo focus expression that selects exactly keys.
func focusOn(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = regexp.QuoteMeta(k)
	}
	return `\[(` + strings.Join(quoted, "|") + `)\] `
}

// workerArgs are the flags that give a worker the same run as this one,
// against the target t (without its password).
func workerArgs(o *runOptions, t harness.Target, srcPort int, filter string) []string {
	scheme := "ftp"
	if t.TLS == harness.TLSImplicit {
		scheme = "ftps"
	}
	u := url.URL{Scheme: scheme, User: url.User(t.User), Host: net.JoinHostPort(t.Host, strconv.Itoa(t.Port))}
	args := []string{
		"--target", u.String(),
		"--timeout", t.ReplyTimeout.String(),
		"--data-timeout", t.DataTimeout.String(),
		"--check-timeout", o.checkTimeout.String(),
		"--samples", strconv.Itoa(o.samples),
		"--parallel", "1",
		"--no-color",
	}
	if filter != "" {
		args = append(args, "--label-filter", filter)
	}
	for _, d := range o.scriptDirs {
		args = append(args, "--scripts", d)
	}
	if t.TLS != harness.TLSOff {
		args = append(args, "--tls", t.TLS.String())
	}
	switch {
	case o.insecure:
		args = append(args, "--insecure")
	case t.CAFile != "":
		args = append(args, "--ca-file", t.CAFile)
	}
	if o.certUnverified {
		args = append(args, "--cert-unverified")
	}
	if o.requireTLS {
		args = append(args, "--require-tls")
	}
	if o.strict {
		args = append(args, "--strict")
	}
	if o.readOnly {
		args = append(args, "--read-only")
	}
	if o.baseline != "" {
		args = append(args, "--baseline", o.baseline) // for the progress lines
	}
	if !t.PasvRange.IsZero() {
		args = append(args, "--pasv-range", fmt.Sprintf("%d-%d", t.PasvRange.Min, t.PasvRange.Max))
	}
	if t.PasvAddress.IsValid() {
		args = append(args, "--pasv-address", t.PasvAddress.String())
	}
	if t.ActiveAddress.IsValid() {
		args = append(args, "--active-address", t.ActiveAddress.String())
	}
	if !t.ActiveRange.IsZero() {
		args = append(args, "--active-range", fmt.Sprintf("%d-%d", t.ActiveRange.Min, t.ActiveRange.Max))
	}
	switch {
	case srcPort == suites.ActiveSourceL1:
		args = append(args, "--expect-active-source-port", "L-1")
	case srcPort > 0:
		args = append(args, "--expect-active-source-port", strconv.Itoa(srcPort))
	}
	return args
}

// splitRange gives worker i of n its own part of an active port range, so
// that the listeners of two workers never compete for a port.
func splitRange(r harness.PortRange, i, n int) harness.PortRange {
	size := (r.Max - r.Min + 1) / n
	if r.IsZero() || size < 4 {
		return r
	}
	lo := r.Min + i*size
	return harness.PortRange{Min: lo, Max: lo + size - 1}
}

// lockedLines passes whole lines from several workers to one writer.
type lockedLines struct {
	mu   sync.Mutex
	w    io.Writer
	prog *progress // numbers the check lines, if set
}

func (l *lockedLines) println(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, l.prog.number(s))
}

// copyFrom passes on the lines of worker n.
func (l *lockedLines) copyFrom(r io.Reader, n int) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if l.prog.marked(sc.Text(), n) {
			continue // a worker's note of the check it runs
		}
		l.mu.Lock()
		fmt.Fprintln(l.w, l.prog.number(sc.Text()))
		l.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// coordinator runs workers for one parallel run.
type coordinator struct {
	exe     string
	dir     string
	base    []string // workerArgs
	target  harness.Target
	facts   *harness.Facts
	out     *lockedLines
	stderr  io.Writer
	started atomic.Int32 // workers started, to name their files
	begin   time.Time

	mu          sync.Mutex
	timings     []workerTiming
	running     map[*exec.Cmd]bool // worker processes under way
	interrupted bool               // a signal came: start no more workers
}

// interrupt passes a signal on to the workers under way (they stop and
// write what they have) and keeps new ones from starting.
func (c *coordinator) interrupt(sig os.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupted = true
	for cmd := range c.running {
		_ = cmd.Process.Signal(sig)
	}
}

// wasInterrupted reports whether a signal came.
func (c *coordinator) wasInterrupted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.interrupted
}

// workerTiming is when one worker ran, for the line that tells where a
// parallel run spent its time.
type workerTiming struct {
	what       string
	checks     int
	start, end time.Duration // since the run began
}

// timeline describes the workers' timings in one line.
func (c *coordinator) timeline() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	slices.SortStableFunc(c.timings, func(a, b workerTiming) int { return int(a.start - b.start) })
	var parts []string
	for _, t := range c.timings {
		parts = append(parts, fmt.Sprintf("%s: %d checks %.1f-%.1fs", t.what, t.checks, t.start.Seconds(), t.end.Seconds()))
	}
	return "workers: " + strings.Join(parts, "; ")
}

// runWorkers runs one worker per shard, all at once, and returns their
// reports (nil for a worker that left none).
func (c *coordinator) runWorkers(what string, shards [][]string) []*types.Report {
	return c.runPlans(what, len(shards), func(i int) workerPlan { return workerPlan{Keys: shards[i]} })
}

// runSharing runs n workers at once that share keys out unit by unit as
// they go (workerPlan.Units).
func (c *coordinator) runSharing(n int, keys []string, units map[string]string) []*types.Report {
	return c.runPlans("worker", n, func(i int) workerPlan {
		return workerPlan{Keys: keys, Units: units, Worker: strconv.Itoa(i + 1)}
	})
}

// runPlans runs n workers at once, worker i with plan(i).
func (c *coordinator) runPlans(what string, n int, plan func(i int) workerPlan) []*types.Report {
	shards := make([]workerPlan, n)
	for i := range shards {
		shards[i] = plan(i)
	}
	got := make([]*types.Report, len(shards))
	var wg sync.WaitGroup
	for i, p := range shards {
		n := int(c.started.Add(1))
		wg.Go(func() {
			name := what
			if len(shards) > 1 {
				name = fmt.Sprintf("%s %d/%d", what, i+1, len(shards))
			}
			start := time.Since(c.begin)
			r, ran, err := c.runWorker(n, i, len(shards), p)
			c.mu.Lock()
			c.timings = append(c.timings, workerTiming{name, ran, start, time.Since(c.begin)})
			c.mu.Unlock()
			if err != nil {
				fmt.Fprintf(c.stderr, "ftpconform: worker %d: %v\n", n, err)
			}
			got[i] = r
		})
	}
	wg.Wait()
	return got
}

// runWorker runs plan in worker process n, the i-th of the phase's count,
// and reads its report; ran is how many checks it ran itself.
func (c *coordinator) runWorker(n, i, count int, plan workerPlan) (rep *types.Report, ran int, err error) {
	planPath := filepath.Join(c.dir, fmt.Sprintf("plan-%d.json", n))
	reportPath := filepath.Join(c.dir, fmt.Sprintf("report-%d.json", n))
	plan.Facts, plan.Journal = c.facts, filepath.Join(c.dir, "journal")
	b, err := json.Marshal(plan)
	if err != nil {
		return nil, 0, err
	}
	if err := os.WriteFile(planPath, b, 0o600); err != nil {
		return nil, 0, err
	}
	args := append([]string{"run"}, c.base...)
	if r := splitRange(c.target.ActiveRange, i, count); r != c.target.ActiveRange {
		args = append(args, "--active-range", fmt.Sprintf("%d-%d", r.Min, r.Max))
	}
	args = append(args, "--worker-plan", planPath, "--worker-report", reportPath)
	cmd := exec.Command(c.exe, args...)
	cmd.SysProcAttr = workerProcAttr()
	cmd.Env = append(os.Environ(), "FTPCONFORM_PASSWORD="+c.target.Password)
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	if c.interrupted {
		c.mu.Unlock()
		return nil, 0, errors.New("not started: interrupted")
	}
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		return nil, 0, err
	}
	c.running[cmd] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.running, cmd)
		c.mu.Unlock()
	}()
	c.out.copyFrom(out, n)
	werr := cmd.Wait()
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		return nil, 0, fmt.Errorf("no report (%v): %s", werr, strings.TrimSpace(errBuf.String()))
	}
	rep = &types.Report{}
	if err := json.Unmarshal(raw, rep); err != nil {
		return nil, 0, fmt.Errorf("its report: %w", err)
	}
	for _, s := range rep.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && !reports.NeverStarted(s) && !elsewhere(s) {
			ran++
		}
	}
	return rep, ran, nil
}

// runParallel runs the checks dry selected in worker processes, n at a
// time, and returns the merged report. An interrupt (Ctrl-C reaches the
// workers too: they stop and write what they have) skips what has not
// started; those checks are reported as not run.
func runParallel(o *runOptions, t harness.Target, srcPort int, filter string, facts *harness.Facts, dry types.Report, stdout, stderr io.Writer) (types.Report, error) {
	exe, err := os.Executable()
	if err != nil {
		return types.Report{}, err
	}
	dir, err := os.MkdirTemp("", "ftpconform-workers-")
	if err != nil {
		return types.Report{}, err
	}
	defer os.RemoveAll(dir)

	c := &coordinator{exe: exe, dir: dir, base: workerArgs(o, t, srcPort, filter), target: t, facts: facts,
		out: &lockedLines{w: stdout}, stderr: stderr, begin: time.Now(), running: map[*exec.Cmd]bool{}}
	// A signal goes on to the workers, which stop, remove what their
	// running checks made and write their reports; the checks no worker
	// ran are reported as not run. The workers are in a process group of
	// their own (workerProcAttr), so each signal reaches them once: a
	// second one still tells them to skip the cleanup.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sig:
				c.interrupt(s)
			case <-done:
				return
			}
		}
	}()

	planned := planChecks(dry)
	c.out.prog = newProgress(len(planned), stdout)
	probe, pool, serial, units := shareChecks(planned)
	started := time.Now()
	var probeDone sync.WaitGroup
	var probeReports []*types.Report
	if len(probe) > 0 {
		probeDone.Go(func() { probeReports = c.runWorkers("login-probe", [][]string{probe}) })
	}
	var got []*types.Report
	if len(serial) > 0 {
		got = c.runWorkers("serial", [][]string{serial})
	}
	if !c.wasInterrupted() {
		got = append(got, c.runSharing(min(o.parallel, len(pool)), pool, units)...)
	}
	probeDone.Wait()
	got = append(got, probeReports...)
	c.out.println(c.timeline())
	interrupted := c.wasInterrupted()
	return mergeReports(dry, got, started, interrupted), nil
}

// mergeReports puts the workers' results into the dry run's report: each
// check the dry run selected takes the spec report of the worker that ran
// it; one no worker reported is left as never started (not run), with
// the reason. Failures of a worker's suite-level nodes are kept.
func mergeReports(dry types.Report, workers []*types.Report, started time.Time, interrupted bool) types.Report {
	ran := map[string]types.SpecReport{}
	var suiteNodes []types.SpecReport
	merged := dry
	merged.SuiteSucceeded = true
	merged.StartTime, merged.EndTime = started, time.Now()
	merged.RunTime = merged.EndTime.Sub(started)
	merged.SuiteConfig.DryRun = false
	var reasons []string
	for _, w := range workers {
		if w == nil {
			merged.SuiteSucceeded = false
			continue
		}
		for _, s := range w.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt {
				if s.State.Is(types.SpecStateFailureStates) {
					suiteNodes = append(suiteNodes, s)
				}
				continue
			}
			if k := keyOf(s); k != "" && !reports.NeverStarted(s) && !elsewhere(s) {
				ran[k] = s
			}
		}
		if !w.SuiteSucceeded {
			merged.SuiteSucceeded = false
		}
		for _, r := range w.SpecialSuiteFailureReasons {
			if !slices.Contains(reasons, r) {
				reasons = append(reasons, r)
			}
		}
	}
	if interrupted {
		reasons = append(reasons, "interrupted by signal")
	}
	merged.SpecialSuiteFailureReasons = reasons
	specs := make([]types.SpecReport, 0, len(dry.SpecReports)+len(suiteNodes))
	for _, s := range dry.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if s.State != types.SpecStatePassed {
			specs = append(specs, s) // filtered out or pending, as in the dry run
			continue
		}
		if r, ok := ran[keyOf(s)]; ok {
			specs = append(specs, r)
			continue
		}
		// Selected but not reported by any worker: never started.
		s.State, s.NumAttempts = types.SpecStateSkipped, 0
		s.RunTime = 0
		merged.SuiteSucceeded = false
		specs = append(specs, s)
	}
	merged.SpecReports = append(specs, suiteNodes...)
	return merged
}

// elsewhere reports whether a worker skipped s because another one ran it.
func elsewhere(s types.SpecReport) bool {
	for _, e := range s.ReportEntries {
		if e.Name == checkmeta.EntryElsewhere {
			return true
		}
	}
	return false
}

// readWorkerPlan reads the plan a coordinator wrote for this worker.
func readWorkerPlan(path string) (workerPlan, error) {
	var p workerPlan
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	if len(p.Keys) == 0 {
		return p, errors.New(path + ": no checks")
	}
	return p, nil
}

// writeWorkerReport writes a worker's ginkgo report for its coordinator.
func writeWorkerReport(path string, r types.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// dryRun walks the spec tree with filter and runs nothing (ginkgo's
// preview): every check, those the filter selects in state "passed". It
// returns the problems of the check registry too.
func dryRun(filter string, scripts []*script.Script) (types.Report, bool, []string) {
	run := suites.New(suites.Config{Scripts: scripts})
	suiteConfig, _ := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = filter
	suiteConfig.RandomSeed = 1
	r := ginkgo.PreviewSpecs("ftpconform", suiteConfig)
	return r, len(r.SpecReports) > 0, run.RegistryErrors()
}
