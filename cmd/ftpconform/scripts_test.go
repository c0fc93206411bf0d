package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const examplesDir = "../../examples/scripts"

// copyExamples copies the example scenarios into a directory of the test,
// with edit applied to the named file.
func copyExamples(t *testing.T, file string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(examplesDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if e.Name() == file {
			s = edit(s)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The acceptance of issue 11: the examples pass against the embedded
// server; one changed expected code fails the run, and the failure names
// the scenario's file and line in the console, JUnit and JSON.
func TestRunScriptsExamples(t *testing.T) {
	t.Parallel()
	res := runBinary(t, "run", "--scripts", examplesDir, "--label-filter", "script")
	if res.exit != 0 || !strings.Contains(res.stdout, "5 passed, 0 failed") {
		t.Fatalf("run --scripts examples/scripts: exit %d, want 0 with the five examples passed\n%s%s", res.exit, res.stdout, res.stderr)
	}

	dir := copyExamples(t, "rest-resume.ftp", func(s string) string {
		return strings.Replace(s, "send REST 40000\nexpect 350\n", "send REST 40000\nexpect 200\n", 1)
	})
	res = runBinary(t, "run", "--scripts", dir, "--label-filter", "script")
	if res.exit != 1 {
		t.Fatalf("a changed expected code: exit %d, want 1\n%s%s", res.exit, res.stdout, res.stderr)
	}
	where := filepath.Join(dir, "rest-resume.ftp") + ":27"
	if !strings.Contains(res.stdout, where+": expected 200, got 350") {
		t.Errorf("the console does not name %s:\n%s", where, res.stdout)
	}
	if x := string(res.files["junit.xml"]); !strings.Contains(x, where+": expected 200, got 350") {
		t.Errorf("the JUnit report does not name %s:\n%s", where, x)
	}
	var rep struct {
		Checks []struct {
			Key, Verdict, Location, Level string
		}
	}
	if err := json.Unmarshal(res.files["report.json"], &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Checks {
		if c.Key == "RFC3659-5.1-REST-OFFSET/rest-resume" {
			found = true
			if c.Verdict != "failed" || c.Location != where || c.Level != "MUST" {
				t.Errorf("JSON: %+v, want failed, MUST, at %s", c, where)
			}
		}
	}
	if !found {
		t.Error("JSON: the scenario's check is missing")
	}
}

// Bad scenarios are refused before anything is sent, each problem as
// file:line: what is wrong; check-scripts validates without a target.
func TestCheckScripts(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "check-scripts", examplesDir)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(string(out), "5 scenarios, no errors") {
		t.Fatalf("check-scripts examples: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"unknown step", "login-policy.ftp", "send PWD\n", "frobnicate\n", ": unknown step"},
		{"undefined variable", "login-policy.ftp", "send USER {user}\n", "send USER {nobody}\n", "undefined variable"},
		{"own id without level", "login-policy.ftp", "level: POLICY\n", "", "needs a level"},
		{"catalog id with another level", "rest-resume.ftp", "id: RFC3659-5.1-REST-OFFSET\n", "id: RFC3659-5.1-REST-OFFSET\nlevel: MAY\n", "the catalog gives RFC3659-5.1-REST-OFFSET level MUST"},
		{"own id like the catalog's", "login-policy.ftp", "id: SITE-LOGIN-RETRY\n", "id: RFC959-5.4-NO-SUCH\n", "must not start with RFC or POLICY-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyExamples(t, tc.file, func(s string) string {
				if !strings.Contains(s, tc.old) {
					t.Fatalf("%s has no %q", tc.file, tc.old)
				}
				return strings.Replace(s, tc.old, tc.new, 1)
			})
			for _, args := range [][]string{{"check-scripts", dir}, {"run", "--scripts", dir}} {
				cmd := exec.Command(binary(t), args...)
				out, _ := cmd.CombinedOutput()
				if code := cmd.ProcessState.ExitCode(); code != 2 {
					t.Errorf("%s: exit %d, want 2\n%s", args[0], code, out)
				}
				if !strings.Contains(string(out), filepath.Join(dir, tc.file)+":") || !strings.Contains(string(out), tc.want) {
					t.Errorf("%s: output does not name %s:LINE with %q:\n%s", args[0], tc.file, tc.want, out)
				}
			}
		})
	}
}
