package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
)

func TestShareChecks(t *testing.T) {
	checks := []plannedCheck{
		{key: "A-1", file: "x/a.go"}, {key: "A-2", file: "x/a.go", shares: []string{"shares:x"}},
		{key: "B-1", file: "x/b.go"}, {key: "B-2", file: "x/b.go", serial: true},
		{key: "C-1", file: "x/c.go", shares: []string{"shares:x"}},
		{key: "D-1", file: "x/d.go"}, {key: "P-1", file: "x/d.go", probe: true},
	}
	probe, pool, serial, units := shareChecks(checks)
	if !slices.Equal(probe, []string{"P-1"}) || !slices.Equal(serial, []string{"B-2"}) {
		t.Errorf("probe %v, serial %v", probe, serial)
	}
	if want := []string{"A-1", "A-2", "B-1", "C-1", "D-1"}; !slices.Equal(pool, want) {
		t.Errorf("pool %v, want %v", pool, want)
	}
	// C-1 shares an exchange with A-2: a.go and c.go are one unit.
	if units["A-1"] != units["A-2"] || units["A-1"] != units["C-1"] {
		t.Errorf("a.go and c.go should be one unit: %v", units)
	}
	if u := units["B-1"]; u == units["A-1"] || u == units["D-1"] || units["D-1"] == units["A-1"] {
		t.Errorf("b.go, d.go and a.go should be three units: %v", units)
	}
}

func TestFocusOn(t *testing.T) {
	f := focusOn([]string{"RFC959-4.2-MULTILINE", "RFC959-3.2-CLOSE-EOF/passive"})
	for text, want := range map[string]bool{
		"[RFC959-4.2-MULTILINE] parses":                 true,
		"[RFC959-3.2-CLOSE-EOF/passive] closes":         true,
		"[RFC959-3.2-CLOSE-EOF/active] closes":          false,
		"[RFC959-4x2-MULTILINE] the dot is not a joker": false,
		"[RFC959-4.2-MULTILINE-X] longer key":           false,
	} {
		if got := regexp.MustCompile(f).MatchString(text); got != want {
			t.Errorf("focus on %q: %v, want %v", text, got, want)
		}
	}
}

func TestSplitRange(t *testing.T) {
	r := harness.PortRange{Min: 40000, Max: 40099}
	var got []string
	for i := range 4 {
		p := splitRange(r, i, 4)
		got = append(got, fmt.Sprintf("%d-%d", p.Min, p.Max))
	}
	if want := "[40000-40024 40025-40049 40050-40074 40075-40099]"; fmt.Sprint(got) != want {
		t.Errorf("split: %v, want %s", got, want)
	}
	if small := (harness.PortRange{Min: 1000, Max: 1005}); splitRange(small, 1, 4) != small {
		t.Errorf("a range too small to share is not shared")
	}
	if splitRange(harness.PortRange{}, 0, 4) != (harness.PortRange{}) {
		t.Errorf("no range stays no range")
	}
}

func TestMergeReports(t *testing.T) {
	spec := func(key string, state types.SpecState, attempts int) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "[" + key + "] title", State: state, NumAttempts: attempts}
	}
	dry := types.Report{SpecReports: []types.SpecReport{
		spec("A", types.SpecStatePassed, 0),
		spec("B", types.SpecStatePassed, 0),
		spec("F", types.SpecStateSkipped, 0), // filtered out
		spec("C", types.SpecStatePassed, 0),
	}}
	w1 := &types.Report{SuiteSucceeded: false, SpecReports: []types.SpecReport{
		spec("A", types.SpecStateFailed, 1),
		spec("B", types.SpecStateSkipped, 0), // the other worker's
		spec("C", types.SpecStateSkipped, 0),
	}}
	w2 := &types.Report{SuiteSucceeded: true, SpecReports: []types.SpecReport{
		spec("A", types.SpecStateSkipped, 0),
		spec("B", types.SpecStatePassed, 1),
		spec("C", types.SpecStateSkipped, 0),
	}}
	m := mergeReports(dry, []*types.Report{w1, w2, nil}, time.Now(), false)
	var got []string
	for _, s := range m.SpecReports {
		got = append(got, fmt.Sprintf("%s:%s/%d", keyOf(s), s.State, s.NumAttempts))
	}
	// C was in the worker that left no report: never started.
	if want := "[A:failed/1 B:passed/1 F:skipped/0 C:skipped/0]"; fmt.Sprint(got) != want {
		t.Errorf("merged %v, want %s", got, want)
	}
	if m.SuiteSucceeded {
		t.Errorf("a failed worker's suite must fail the merged one")
	}
}

// TestParallelEqualsSerial: a parallel run reports what a serial run
// does, blocked checks included.
func TestParallelEqualsSerial(t *testing.T) {
	for _, fault := range []string{"corrupt-binary", "noop-no-reply"} {
		t.Run(fault, func(t *testing.T) {
			args := append([]string{"run", "--fault", fault}, fast...)
			serial := runBinary(t, append(args, "--parallel", "1")...).verdicts()
			parallel := runBinary(t, append(args, "--parallel", "4")...).verdicts()
			if len(serial) == 0 || len(serial) != len(parallel) {
				t.Fatalf("%d checks in the serial run, %d in the parallel one", len(serial), len(parallel))
			}
			blocked := 0
			for k, v := range serial {
				if parallel[k] != v {
					t.Errorf("%s: serial %s, parallel %s", k, v, parallel[k])
				}
				if v == "blocked" {
					blocked++
				}
			}
			t.Logf("%d checks, %d blocked", len(serial), blocked)
		})
	}
}

// TestServerStopsDuringParallelRun stops the server while four workers
// are running checks: one check fails, saying so, every other one still
// to come is not run, and the run ends quickly.
func TestServerStopsDuringParallelRun(t *testing.T) {
	srv := fakeserver.New(t.TempDir(), "stop-pw")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")
	cmd := exec.Command(binary(t), "run", "--target", "ftp://conform:stop-pw@"+srv.Address().String(),
		"--parallel", "4", "--timeout", "3s", "--data-timeout", "3s", "--json", jsonPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	progress := 0
	var stopped time.Time
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "] PASS ") {
			progress++ // "[ 12/348] PASS  [KEY] ..."
		}
		if progress == 40 && stopped.IsZero() {
			srv.Close()
			stopped = time.Now()
		}
	}
	_ = cmd.Wait()
	if stopped.IsZero() {
		t.Fatalf("the run ended before 40 checks passed; stdout:\n%s\nstderr: %s", strings.Join(lines, "\n"), stderr.String())
	}
	if d := time.Since(stopped); d > 30*time.Second {
		t.Errorf("the run went on for %v after the server stopped", d)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1; stderr: %s", code, stderr.String())
	}
	var rep struct {
		Stopped string `json:"stopped"`
		Checks  []struct {
			Key, Verdict, Message string
		} `json:"checks"`
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var failed []string
	notRun := 0
	for _, c := range rep.Checks {
		switch c.Verdict {
		case "failed":
			failed = append(failed, c.Key+": "+c.Message)
		case "not-run":
			notRun++
		}
	}
	if len(failed) != 1 {
		t.Errorf("%d failed checks, want exactly one (the one during which the server stopped):\n%s", len(failed), strings.Join(failed, "\n"))
	}
	if notRun == 0 || !strings.Contains(rep.Stopped, "stopped answering") {
		t.Errorf("%d checks not run, stopped %q", notRun, rep.Stopped)
	}
}
