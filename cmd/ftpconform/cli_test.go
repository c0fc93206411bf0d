package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
)

func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run", "--no-such-flag"},
		{"run", "--pasv-range", "9-1"},
		{"run", "--target", "http://x"},
		{"run", "--target", "ftp://127.0.0.1:21"},
		{"run", "--label-filter", "((("},
		{"run", "--label-filter", "no-such-label"}, // selects no check
		{"run", "--tls", "sometimes"},
		{"run", "--tls", "implicit", "--target", "ftp://u:p@127.0.0.1:21"},
		{"run", "--require-tls"},
		{"report"},
		{"report", "/no/such/report.json"},
		{"run", "--ca-file", "/no/such/file.pem", "--tls", "explicit"},
		{"run", "--fault", "no-such-fault"},
		{"serve"},
	} {
		cmd := exec.Command(binary(t), args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("ftpconform %v: exit %d, want 2; stderr: %s", args, code, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("ftpconform %v: no error message", args)
		}
	}
}

func TestUnreachableTargetExit3WithReport(t *testing.T) {
	r := runBinary(t, "run", "--target", "ftp://conform:s3cret-unreach@127.0.0.1:1")
	if r.exit != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", r.exit, r.stderr)
	}
	if !bytes.Contains(r.files["junit.xml"], []byte("unreachable")) {
		t.Errorf("the JUnit report does not say the target was unreachable:\n%s", r.files["junit.xml"])
	}
	for name, b := range r.files {
		if bytes.Contains(b, []byte("s3cret-unreach")) {
			t.Errorf("%s contains the password", name)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret-unreach") {
		t.Errorf("the output contains the password")
	}
}

// TestPasswordNeverShown runs against a faulty server (so failures and
// transcripts are reported) and looks for the password everywhere.
func TestPasswordNeverShown(t *testing.T) {
	const pw = "Pa55-never-shown"
	srv := fakeserver.New(t.TempDir(), pw)
	srv.Faults = []string{"accept-bad-password"}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := runBinary(t, "run", "--target", "ftp://conform:"+pw+"@"+srv.Address().String(), "--timeout", "3s")
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", r.exit, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, pw) {
		t.Errorf("the console output contains the password")
	}
	for name, b := range r.files {
		if bytes.Contains(b, []byte(pw)) {
			t.Errorf("%s contains the password", name)
		}
	}
	if !bytes.Contains(r.files["junit.xml"], []byte("PASS ****")) {
		t.Errorf("the JUnit transcript should show the PASS command masked")
	}
}

// TestInterruptWritesReport: Ctrl-C during the preflight or during the
// checks, serial or parallel, ends the run quickly with exit 1 and a
// report in which what did not finish is not run, never failed.
func TestInterruptWritesReport(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    string // noop-no-reply holds the preflight, site-no-reply a check
		parallel string
	}{
		{"preflight", "noop-no-reply", "4"},
		{"serial", "site-no-reply", "1"},
		{"parallel", "site-no-reply", "4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			cmd := exec.Command(binary(t), "run", "--fault", tc.fault, "--timeout", "30s", "--parallel", tc.parallel, "--json", jsonPath)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Second)
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("the run went on for 20 s after Ctrl-C")
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("exit %d, want 130 (interrupted)", code)
			}
			b, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatalf("no report: %v", err)
			}
			var rep struct {
				Stopped     string
				Interrupted bool
				Checks      []struct{ Key, Verdict, Message string }
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			notRun := 0
			for _, c := range rep.Checks {
				if c.Verdict == "not-run" {
					notRun++
				}
				if c.Verdict == "failed" && strings.Contains(strings.ToLower(c.Message), "interrupt") {
					t.Errorf("%s failed for the interrupt: %s", c.Key, c.Message)
				}
			}
			if !rep.Interrupted {
				t.Error("the JSON report does not say the run was interrupted")
			}
			if notRun == 0 || !strings.Contains(strings.ToLower(rep.Stopped), "interrupt") {
				t.Errorf("%d checks not run; stopped %q", notRun, rep.Stopped)
			}
		})
	}
}

// TestVersionFlags: the version answers to the command and the usual
// flags.
func TestVersionFlags(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version", "-v"} {
		out, err := exec.Command(binary(t), arg).Output()
		if err != nil || !bytes.HasPrefix(out, []byte("ftpconform ")) {
			t.Errorf("ftpconform %s: %q, %v", arg, out, err)
		}
	}
}

// TestReadOnlySendsNothingThatChanges: a run with --read-only sends no
// command that could change the server or run something on it, not even
// on names that do not exist.
func TestReadOnlySendsNothingThatChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(binary(t), "run", "--read-only", "--json", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run --read-only: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Checks []struct{ Key, Transcript string }
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	changing := regexp.MustCompile(`(?i)> "?(DELE|RNFR|RNTO|RMD|XRMD|MKD|XMKD|STOR|STOU|APPE|MFMT|XDBG|SITE (EXEC|CPFR|CPTO|DEBUG|CHMOD))\b`)
	for _, c := range rep.Checks {
		for _, line := range strings.Split(c.Transcript, "\n") {
			if changing.MatchString(line) {
				t.Errorf("%s sent %q in a read-only run", c.Key, line)
				break
			}
		}
	}
}

// TestSummaryAndEmptySelection: --summary-md writes the Markdown summary,
// $GITHUB_STEP_SUMMARY gets it appended when no file is named, and
// --allow-empty lets a filter select nothing.
func TestSummaryAndEmptySelection(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "summary.md")
	if out, err := exec.Command(binary(t), "run", "--label-filter", "rfc7151", "--summary-md", md).CombinedOutput(); err != nil {
		t.Fatalf("run --summary-md: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(md); err != nil || !bytes.Contains(b, []byte("| **total** |")) {
		t.Errorf("summary %q, %v", b, err)
	}
	step := filepath.Join(dir, "step.md")
	if err := os.WriteFile(step, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "run", "--label-filter", "rfc7151")
	cmd.Env = append(os.Environ(), "GITHUB_STEP_SUMMARY="+step)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run with GITHUB_STEP_SUMMARY: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(step); !bytes.HasPrefix(b, []byte("earlier step\n")) || !bytes.Contains(b, []byte("## ftpconform: conformant")) {
		t.Errorf("step summary %q: not appended", b)
	}
	if out, err := exec.Command(binary(t), "run", "--label-filter", "no-such-label", "--allow-empty").CombinedOutput(); err != nil {
		t.Errorf("--allow-empty with an empty selection: %v\n%s", err, out)
	}
}

// TestReportSideBySide: report reads JSON reports into one matrix.
func TestReportSideBySide(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"a", "b"} {
		j := filepath.Join(dir, name+".json")
		args := []string{"run", "--label-filter", "rfc7151", "--json", j}
		if name == "b" {
			args = append(args, "--fault", "host-not-220")
		}
		_ = exec.Command(binary(t), args...).Run()
		files = append(files, j)
	}
	out, err := exec.Command(binary(t), append([]string{"report", "--labels", "clean,faulty"}, files...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("| check | level | clean | faulty |")) || !bytes.Contains(out, []byte("| RFC7151-3.1-HOST-220 | MUST | passed | **failed** |")) {
		t.Errorf("matrix:\n%s", out)
	}

	// --json: the same matrix for tools.
	matrix := filepath.Join(dir, "matrix.json")
	if out, err := exec.Command(binary(t), append([]string{"report", "--labels", "clean,faulty", "--json", matrix}, files...)...).CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("report --json: %v %s", err, out)
	}
	b, err := os.ReadFile(matrix)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format string
		Runs   []struct {
			Label  string
			Failed bool
			Counts struct{ Total int }
		}
		Checks []struct {
			Key   string
			Cells []struct{ Verdict, Reason string }
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "ftpconform-matrix" || len(doc.Runs) != 2 || doc.Runs[0].Label != "clean" || doc.Runs[0].Failed || !doc.Runs[1].Failed || doc.Runs[0].Counts.Total == 0 {
		t.Errorf("matrix runs: %+v", doc)
	}
	found := false
	for _, c := range doc.Checks {
		if c.Key == "RFC7151-3.1-HOST-220" {
			found = len(c.Cells) == 2 && c.Cells[0].Verdict == "passed" && c.Cells[1].Verdict == "failed" && strings.Contains(c.Cells[1].Reason, "HOST")
			if !found {
				t.Errorf("RFC7151-3.1-HOST-220: %+v", c.Cells)
			}
		}
	}
	if !found && !t.Failed() {
		t.Error("the matrix has no row RFC7151-3.1-HOST-220")
	}
}

// TestInterruptRemovesScratch: Ctrl-C at any moment of a run of the
// write checks leaves nothing of the run on the server. The signal goes
// to the run's whole process group, as a terminal sends it (the workers
// of a parallel run get it too), at seven moments from the preflight's
// write probe on; the server answers in small pieces (the legal variation
// slow-replies), so that a signal often comes while a reply is on its
// way. Each run exits 130, its JSON says it was interrupted, the checks
// under way are not run (never failed), and the server's root holds no
// ftpconform-* file or directory afterwards.
func TestInterruptRemovesScratch(t *testing.T) {
	if workerProcAttr() == nil {
		t.Skip("needs process groups")
	}
	kill, err := exec.LookPath("kill")
	if err != nil {
		t.Skip("no kill command to signal a process group")
	}
	delays := []time.Duration{250, 600, 1000, 1400, 1800, 2300, 2900}
	for _, parallel := range []string{"1", "4"} {
		t.Run("parallel="+parallel, func(t *testing.T) {
			t.Parallel()
			for _, d := range delays {
				delay := d * time.Millisecond
				root := t.TempDir()
				srv := fakeserver.New(root, "Scr4tch-pw")
				srv.Variations = []string{"slow-replies"}
				if err := srv.Start(); err != nil {
					t.Fatal(err)
				}
				jsonPath := filepath.Join(t.TempDir(), "r.json")
				cmd := exec.Command(binary(t), "run", "--target", "ftp://conform:Scr4tch-pw@"+srv.Address().String(),
					"--label-filter", "write", "--parallel", parallel, "--json", jsonPath)
				cmd.SysProcAttr = workerProcAttr() // a group of its own, which the signal goes to
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(delay)
				if b, err := exec.Command(kill, "-INT", "--", "-"+strconv.Itoa(cmd.Process.Pid)).CombinedOutput(); err != nil {
					t.Fatalf("kill: %v %s", err, b)
				}
				done := make(chan struct{})
				go func() { _ = cmd.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(60 * time.Second):
					_ = cmd.Process.Kill()
					<-done
					t.Fatalf("after %v: the run went on for 60 s after Ctrl-C", delay)
				}
				srv.Close()

				if code := cmd.ProcessState.ExitCode(); code != 130 {
					t.Errorf("after %v: exit %d, want 130\n%s", delay, code, out.String())
				}
				var rep struct {
					Interrupted bool
					Checks      []struct{ Key, Verdict, Message string }
				}
				if b, err := os.ReadFile(jsonPath); err != nil {
					t.Errorf("after %v: no report: %v", delay, err)
				} else if err := json.Unmarshal(b, &rep); err != nil {
					t.Errorf("after %v: %v", delay, err)
				}
				if !rep.Interrupted {
					t.Errorf("after %v: the JSON report does not say the run was interrupted", delay)
				}
				for _, c := range rep.Checks {
					if c.Verdict == "failed" {
						t.Errorf("after %v: %s failed: %s", delay, c.Key, c.Message)
					}
				}
				_ = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
					if err == nil && strings.HasPrefix(e.Name(), "ftpconform-") {
						t.Errorf("after %v: %s is left on the server", delay, strings.TrimPrefix(p, root))
					}
					return err
				})
			}
		})
	}
}
