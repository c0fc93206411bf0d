package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

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
