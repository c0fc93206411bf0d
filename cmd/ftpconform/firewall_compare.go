package main

// "ftpconform firewall --tls explicit" runs the firewall checks twice, in
// plain FTP and then inside TLS, and compares the two passes
// (reports.Compare): a firewall or NAT helper (Linux nf_conntrack_ftp, a
// router's FTP ALG) reads and rewrites the 227/229 replies of plain FTP,
// and cannot inside TLS, so a deployment that works for plain FTP only
// thanks to a helper shows up as a difference with its diagnosis.
//
// Ginkgo runs the specs once per process, so the plain pass runs in a
// child process of this binary ("firewall --pass-report FILE", the target
// on its command line, the password in its environment), which writes its
// outcome to FILE; the TLS pass runs here, as a firewall run without the
// comparison would. docs/firewall.md says what the diagnoses mean.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/reports"
)

// passFile is what the plain pass hands the coordinator.
type passFile struct {
	Run         reports.Run `json:"run"`
	Code        int         `json:"code"`
	Interrupted bool        `json:"interrupted"`
	Refused     string      `json:"refused"`
	Unreachable bool        `json:"unreachable"`
}

func writePassFile(path string, r passResult) error {
	b, err := json.Marshal(passFile{Run: r.run, Code: r.code, Interrupted: r.interrupted, Refused: r.refused, Unreachable: r.unreachable})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func readPassFile(path string) (passResult, error) {
	var f passFile
	b, err := os.ReadFile(path)
	if err != nil {
		return passResult{}, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return passResult{}, fmt.Errorf("%s: %w", path, err)
	}
	return passResult{run: f.Run, code: f.Code, interrupted: f.Interrupted, refused: f.Refused, unreachable: f.Unreachable}, nil
}

// runCompared is "firewall" with TLS: the plain pass first (explicit TLS
// only, unless the operator said no), then the TLS pass, then one report
// of both.
func runCompared(o *runOptions, t harness.Target, srcPort int, filter string, baseline *reports.Baseline, embedded bool, stdout, stderr io.Writer) int {
	mode := t.TLS.String() + " TLS"
	cmp := reports.Comparison{Mode: mode}
	switch {
	case t.TLS == harness.TLSImplicit:
		cmp.NotCompared = "implicit FTPS speaks TLS from the first byte, so its port has no plain FTP to compare with"
	case o.requireTLS:
		cmp.NotCompared = "--require-tls: the server is to refuse logins without TLS"
	case !o.comparePlain:
		cmp.NotCompared = "--compare-plain=false"
	}
	where := map[bool]string{true: " (embedded reference server)", false: ""}[embedded]
	if cmp.NotCompared != "" {
		fmt.Fprintf(stdout, "ftpconform %s: checking %s%s with %s\n", version, t, where, mode)
	} else {
		fmt.Fprintf(stdout, "ftpconform %s: checking %s%s in plain FTP, then with %s\n", version, t, where, mode)
		fmt.Fprintln(stdout, "\n== plain FTP (this pass logs in without TLS) ==")
		plain, err := runPlainPass(o, t, srcPort, filter, stdout, stderr)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "ftpconform: the plain FTP pass: %v\n", err)
			cmp.NotCompared = "the plain FTP pass gave no report: " + err.Error()
		case plain.code == exitUsage && plain.refused == "PASS":
			// Wrong credentials: no second login with them.
			fmt.Fprintf(stderr, "ftpconform: the plain FTP pass: %s; no login is tried with TLS\n", plain.run.Stopped)
			writeReports(o, plain.run, t, stderr)
			return exitUsage
		case plain.unreachable:
			writeReports(o, plain.run, t, stderr)
			return exitUnreachable
		case plain.code != exitOK:
			// USER refused without TLS (RFC 4217 §10: 530 or 534 when
			// the policy requires TLS), or no plain FTP at all.
			cmp.NotCompared = "the plain FTP pass could not start: " + plain.run.Stopped
		default:
			cmp.Plain = &plain.run
		}
		fmt.Fprintf(stdout, "\n== %s ==\n", mode)
	}
	res, abort := runPass(o, t, srcPort, filter, baseline, stdout, stderr)
	if abort >= 0 {
		return abort
	}
	if cmp.Plain != nil && !res.unreachable {
		in := reports.CompareInput{Greeting: greetingText(res.facts)}
		if !t.PasvRange.IsZero() {
			in.PasvRange = t.PasvRange.String()
		}
		if t.PasvAddress.IsValid() {
			in.PasvAddress = t.PasvAddress.String()
		}
		plain := *cmp.Plain
		cmp = compareFunc(plain, res.run, in)
		cmp.Mode = mode
	}
	cmp.Apply(&res.run)
	writeReports(o, res.run, t, stderr)
	if res.unreachable {
		return exitUnreachable
	}
	fmt.Fprintln(stdout)
	_ = reports.WriteFirewall(stdout, res.run)
	return res.exitCode(o)
}

// compareFunc is reports.Compare, but for a binary built with the tag
// ftpconform_breakcompare (firewall_compare_break.go), in which the
// namespace test breaks it on purpose to prove that it notices.
var compareFunc = reports.Compare

// greetingText is the server's greeting as one line, for the diagnoses'
// server-specific hints.
func greetingText(f *harness.Facts) string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, r := range f.Greeting {
		if r != nil {
			parts = append(parts, r.Text())
		}
	}
	return strings.Join(parts, " ")
}

// runPlainPass runs the plain FTP pass in a child process and reads its
// outcome. Its progress lines come through as they are written.
func runPlainPass(o *runOptions, t harness.Target, srcPort int, filter string, stdout, stderr io.Writer) (passResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return passResult{}, err
	}
	dir, err := os.MkdirTemp("", "ftpconform-plain-")
	if err != nil {
		return passResult{}, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pass.json")

	plain := t
	plain.TLS = harness.TLSOff
	args := append([]string{"firewall"}, workerArgs(o, plain, srcPort, filter)...)
	args = append(args, "--parallel", strconv.Itoa(o.parallel), "--pass-report", path)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "FTPCONFORM_PASSWORD="+t.Password)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return passResult{}, err
	}
	if err := cmd.Start(); err != nil {
		return passResult{}, err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fmt.Fprintln(stdout, sc.Text())
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	res, err := readPassFile(path)
	if err != nil {
		if werr != nil {
			err = errors.Join(werr, err)
		}
		return passResult{}, err
	}
	return res, nil
}
