package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/reports"
	"github.com/ftpconform/ftpconform/suites"
)

// runOptions are the flags of "run" and "firewall".
type runOptions struct {
	target        string
	pasvRange     string
	pasvAddress   string
	activeAddress string
	activeRange   string
	expectSrcPort string
	junit         string
	jsonOut       string
	htmlOut       string
	labelFilter   string
	timeout       time.Duration
	dataTimeout   time.Duration
	checkTimeout  time.Duration
	strict        bool
	readOnly      bool
	samples       int
	noColor       bool
	ipv6          bool
	faults        string
	variations    string
	baseline      string
	writeBaseline string
	parallel      int
	// TLS: the mode (off, explicit, implicit; "" means what the target's
	// scheme says), the roots, no verification, the operator's policy.
	junitWarningsAsFailures bool
	allowEmpty              bool
	summaryMD               string

	tlsMode    string
	caFile     string
	insecure   bool
	requireTLS bool
	// certUnverified (workers): the preflight found the certificate does
	// not verify; sessions go on without verification, and the check of
	// the certificate still judges it.
	certUnverified bool
	// A worker of a parallel run (see parallel.go): its plan (checks and
	// preflight facts) and where to write its ginkgo report.
	workerPlan   string
	workerReport string
	// comparePlain (firewall --tls explicit): run the checks in plain FTP
	// too and compare (firewall_compare.go); passReport: this process is
	// that plain pass, and writes its outcome there for the coordinator.
	comparePlain bool
	passReport   string
	// scriptDirs hold the user's scripted scenarios (--scripts), loaded
	// and validated into scen before anything is sent.
	scriptDirs multiFlag
	scen       scenarios
}

func runFlags(o *runOptions, stderr io.Writer, firewall bool) *flag.FlagSet {
	name := "run"
	if firewall {
		name = "firewall"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "", "server to check, ftp://USER:PASS@HOST:PORT (password also from $FTPCONFORM_PASSWORD); default: the embedded reference server")
	fs.StringVar(&o.pasvRange, "pasv-range", "", "expected passive port range MIN-MAX (policy: every advertised port must lie in it)")
	fs.StringVar(&o.pasvAddress, "pasv-address", "", "expected address in 227 replies (the server's public/masquerade address)")
	fs.StringVar(&o.activeAddress, "active-address", "", "local address to listen on for PORT/EPRT (default: the control connection's local address)")
	fs.StringVar(&o.activeRange, "active-range", "", "local port range MIN-MAX to listen on for PORT/EPRT")
	fs.StringVar(&o.expectSrcPort, "expect-active-source-port", "", "expected source `PORT` of the server's active-mode connections, or L-1 for the control port minus one (policy; default for the embedded server: L-1)")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to `FILE`")
	fs.StringVar(&o.summaryMD, "summary-md", "", "write a Markdown summary (totals, each failure and warning) to `FILE`; default: $GITHUB_STEP_SUMMARY when it is set")
	fs.BoolVar(&o.allowEmpty, "allow-empty", false, "a label filter that selects no check is no error (exit 0)")
	fs.BoolVar(&o.junitWarningsAsFailures, "junit-warnings-as-failures", false, "in the JUnit report, write a warned check as a failure of type WARNING (for pipelines that want warnings red; the exit code is --strict's)")
	fs.StringVar(&o.jsonOut, "json", "", "write a JSON report to `FILE`")
	fs.StringVar(&o.htmlOut, "html", "", "write an HTML report to `FILE`")
	fs.Var(&o.scriptDirs, "scripts", "add the scripted scenarios (*.ftp) under `DIR` as checks (docs/scripts.md); repeatable")
	fs.StringVar(&o.labelFilter, "label-filter", "", "run only checks matching this ginkgo label expression, e.g. 'MUST && !write'")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each reply")
	fs.DurationVar(&o.dataTimeout, "data-timeout", 15*time.Second, "how long to wait for a data connection and a transfer")
	fs.DurationVar(&o.checkTimeout, "check-timeout", 2*time.Minute, "upper bound for one check")
	fs.BoolVar(&o.strict, "strict", false, "fail on SHOULD-level findings and tolerated deviations too")
	fs.BoolVar(&o.readOnly, "read-only", false, "skip every check that writes to the server (label 'write')")
	fs.IntVar(&o.samples, "samples", 20, "passive replies to sample for the range checks")
	fs.BoolVar(&o.noColor, "no-color", false, "no ANSI colours (default when stdout is not a terminal)")
	fs.BoolVar(&o.ipv6, "ipv6", false, "embedded server only: listen on [::1] instead of 127.0.0.1")
	fs.StringVar(&o.baseline, "baseline", "", "compare with the expected verdicts in `FILE` (see docs/baselines.md): known deviations do not fail the run, new failures do; with --strict any difference fails")
	fs.StringVar(&o.writeBaseline, "write-baseline", "", "write this run's verdicts as a baseline to `FILE`")
	fs.StringVar(&o.faults, "fault", "", "embedded server only: inject the named fault (see 'ftpconform serve -list-faults')")
	fs.StringVar(&o.variations, "variation", "", "embedded server only: comma-separated legal variations to enable")
	fs.StringVar(&o.tlsMode, "tls", "", "FTPS for every session: off, explicit (AUTH TLS, then PBSZ 0 and PROT P after login) or implicit (TLS from the first byte; also the ftps:// scheme); default: what the target's scheme says")
	fs.StringVar(&o.caFile, "ca-file", "", "verify the server's certificate against the roots in PEM `FILE` instead of the system roots")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate (every report says so)")
	fs.BoolVar(&o.requireTLS, "require-tls", false, "policy: the server must refuse USER before AUTH TLS (530 or 534) and transfers under PROT C (521 or 534)")
	fs.BoolVar(&o.certUnverified, "cert-unverified", false, "internal: the preflight found the certificate does not verify")
	fs.IntVar(&o.parallel, "parallel", defaultParallel, "run checks in up to `N` sessions at once (worker processes); checks marked Serial run afterwards, alone; 1: one check at a time")
	fs.StringVar(&o.workerPlan, "worker-plan", "", "internal: run as a worker of a parallel run, with this plan `FILE`")
	fs.StringVar(&o.workerReport, "worker-report", "", "internal: where a worker writes its report")
	fs.StringVar(&o.passReport, "pass-report", "", "internal: run as the plain FTP pass of a compared firewall run and write its outcome to `FILE`")
	if firewall {
		fs.BoolVar(&o.comparePlain, "compare-plain", true, "with --tls explicit: run the checks in plain FTP first and compare the two passes, to diagnose firewall and NAT helpers that work for plain FTP only (that pass logs in without TLS: the password crosses the network in clear text); false: the TLS pass only")
	}
	// A usage error gets one line and this hint; -h gets the whole list
	// (cmdRun prints it with fullUsage).
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Run 'ftpconform %s -h' for its flags.\n", name)
	}
	return fs
}

// runDescriptions say what run and firewall do, above their flags.
var runDescriptions = map[string]string{
	"run": `usage: ftpconform run [flags]

Runs the conformance checks against --target, or against the embedded
reference server when no target is given, and writes the reports asked for.
Exit codes: 0 conformant, 1 a requirement violated, 2 usage or configuration
error, 3 target unreachable or not FTP; 130 interrupted.`,
	"firewall": `usage: ftpconform firewall [flags]

Runs only the data-connection and firewall checks (passive range and
address, reachability of each passive port, active mode back to the
client) and prints each problem with the fix it calls for. With
--tls explicit it runs them in plain FTP, then inside TLS, and diagnoses
firewall and NAT helpers that work for plain FTP only (docs/firewall.md).`,
}

// fullUsage prints what the command does and its flags, each as --name.
func fullUsage(fs *flag.FlagSet, stderr io.Writer) {
	fmt.Fprintf(stderr, "%s\n\nFlags:\n", runDescriptions[fs.Name()])
	{
		fs.VisitAll(func(f *flag.Flag) {
			if strings.HasPrefix(f.Usage, "internal:") {
				return
			}
			kind, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  --%s %s\n    \t%s", f.Name, kind, strings.ReplaceAll(usage, "\n", "\n    \t"))
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
}

// buildTarget turns the flags into a harness.Target.
func buildTarget(o *runOptions) (harness.Target, error) {
	var t harness.Target
	if o.target != "" {
		var err error
		t, err = harness.ParseTargetURL(o.target)
		if err != nil {
			return t, usageError{err.Error()}
		}
		if t.Password == "" {
			t.Password = os.Getenv("FTPCONFORM_PASSWORD")
		}
		if t.Password == "" {
			return t, usagef("no password: put it in the --target URL or in $FTPCONFORM_PASSWORD")
		}
	}
	if o.pasvRange != "" {
		r, err := harness.ParsePortRange(o.pasvRange)
		if err != nil {
			return t, usagef("--pasv-range: %v", err)
		}
		t.PasvRange = r
	}
	if o.pasvAddress != "" {
		a, err := netip.ParseAddr(o.pasvAddress)
		if err != nil || !a.Unmap().Is4() {
			return t, usagef("--pasv-address %q: want an IPv4 address (227 replies carry IPv4 only)", o.pasvAddress)
		}
		t.PasvAddress = a.Unmap()
	}
	if o.activeAddress != "" {
		a, err := netip.ParseAddr(o.activeAddress)
		if err != nil {
			return t, usagef("--active-address %q: not an IP address", o.activeAddress)
		}
		t.ActiveAddress = a.Unmap()
	}
	if o.activeRange != "" {
		r, err := harness.ParsePortRange(o.activeRange)
		if err != nil {
			return t, usagef("--active-range: %v", err)
		}
		t.ActiveRange = r
	}
	if err := tlsSettings(o, &t); err != nil {
		return t, err
	}
	if o.timeout <= 0 {
		return t, usagef("--timeout must be positive")
	}
	if o.samples < 1 || o.samples > 1000 {
		return t, usagef("--samples must be between 1 and 1000")
	}
	if o.dataTimeout <= 0 {
		return t, usagef("--data-timeout must be positive")
	}
	t.ReplyTimeout = o.timeout
	t.DataTimeout = o.dataTimeout
	return t, nil
}

// tlsSettings applies the TLS flags to t: --tls against the target's
// scheme (ftps:// is implicit TLS; explicit TLS has no scheme of its own),
// the roots and whether to verify.
func tlsSettings(o *runOptions, t *harness.Target) error {
	if o.tlsMode != "" {
		mode, err := harness.ParseTLSMode(o.tlsMode)
		if err != nil {
			return usagef("--tls: %v", err)
		}
		switch {
		case o.target != "" && t.TLS == harness.TLSImplicit && mode != harness.TLSImplicit:
			return usagef("--tls %s: the ftps:// scheme means implicit TLS; use ftp:// for %s", mode, mode)
		case o.target != "" && mode == harness.TLSImplicit && t.TLS != harness.TLSImplicit:
			return usagef("--tls implicit: use the ftps:// scheme (port 990 unless given) for implicit TLS")
		}
		t.TLS = mode
	}
	if o.requireTLS && t.TLS == harness.TLSOff {
		return usagef("--require-tls needs --tls explicit or implicit: the run's sessions must be able to use TLS")
	}
	if o.caFile != "" {
		if o.insecure {
			return usagef("--ca-file and --insecure exclude each other")
		}
		if _, err := os.Stat(o.caFile); err != nil {
			return usagef("--ca-file: %v", err)
		}
		t.CAFile = o.caFile
	}
	t.Insecure = o.insecure || o.certUnverified
	return nil
}

// selectsAny reports whether the run's label filter left any check in.
func selectsAny(run reports.Run) bool {
	for _, c := range run.Checks {
		if c.Verdict != reports.VerdictFiltered && c.Key != reports.SuiteKey && c.Key != "" {
			return true
		}
	}
	return false
}

// tlsNote says in the reports how the run used TLS: the mode and whether
// the certificate was verified (empty for a plain run).
func tlsNote(t harness.Target, o *runOptions) string {
	if t.TLS == harness.TLSOff {
		return ""
	}
	mode := "explicit (AUTH TLS, PROT P)"
	if t.TLS == harness.TLSImplicit {
		mode = "implicit (TLS from the first byte, PROT P)"
	}
	switch {
	case o.insecure:
		return mode + "; the server's certificate was NOT verified (--insecure)"
	case o.certUnverified:
		return mode + "; the server's certificate does not verify (POLICY-TLS-CERT): the checks went on without verification"
	case t.CAFile != "":
		return mode + "; certificate verified against " + t.CAFile
	}
	return mode + "; certificate verified against the system roots"
}

// startEmbedded starts the reference server for a run without --target and
// returns the target that points at it. adjust, if not nil, changes the
// server's settings before it starts (stress sets its own).
func startEmbedded(o *runOptions, t harness.Target, adjust func(*fakeserver.Server)) (harness.Target, func(), error) {
	root, err := os.MkdirTemp("", "ftpconform-root-")
	if err != nil {
		return t, nil, err
	}
	var pw [12]byte
	_, _ = rand.Read(pw[:])
	srv := fakeserver.New(root, hex.EncodeToString(pw[:]))
	host := "127.0.0.1"
	if o.ipv6 {
		host = "::1"
	}
	srv.Addr = netip.AddrPortFrom(netip.MustParseAddr(host), 0).String()
	if t.PasvRange.IsZero() {
		// Below Linux's ephemeral range, so the kernel does not hand these
		// ports to other sockets.
		base := 20000 + 100*mrand.IntN(90)
		t.PasvRange = harness.PortRange{Min: base, Max: base + 99}
	}
	srv.PasvMinPort, srv.PasvMaxPort = t.PasvRange.Min, t.PasvRange.Max
	if !o.ipv6 && !t.PasvAddress.IsValid() {
		t.PasvAddress = netip.MustParseAddr("127.0.0.1")
	}
	if t.PasvAddress.IsValid() {
		srv.PasvAddress = t.PasvAddress.AsSlice()
	}
	// Active connections from L-1, as RFC 959 §3.2 says the server's
	// default data port is.
	srv.ActiveSourcePort = -1
	srv.Faults = splitList(o.faults)
	srv.Variations = splitList(o.variations)
	srv.ImplicitTLS = t.TLS == harness.TLSImplicit
	srv.RequireTLS = o.requireTLS
	if adjust != nil {
		adjust(srv)
	}
	if err := startBelowEphemeral(srv, host); err != nil {
		os.RemoveAll(root)
		return t, nil, usagef("embedded server: %v", err)
	}
	if t.CAFile == "" && !t.Insecure {
		// Trust the embedded server's own certificate, as an operator
		// trusts a deployment's CA with --ca-file.
		ca := root + "-ca.pem"
		if err := os.WriteFile(ca, srv.CertificatePEM(), 0o600); err != nil {
			srv.Close()
			os.RemoveAll(root)
			return t, nil, err
		}
		t.CAFile = ca
	}
	ap, _ := netip.ParseAddrPort(srv.Address().String())
	t.Host, t.Port = ap.Addr().String(), int(ap.Port())
	t.User, t.Password = srv.User, srv.Password
	stop := func() {
		srv.Close()
		os.RemoveAll(root)
		os.Remove(root + "-ca.pem")
	}
	return t, stop, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// failer satisfies ginkgo's GinkgoTestingT for an in-process run.
type failer struct{ failed bool }

func (f *failer) Fail() { f.failed = true }

func cmdRun(args []string, stdout, stderr io.Writer, firewall bool) int {
	var o runOptions
	fs := runFlags(&o, stderr, firewall)
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fullUsage(fs, stderr)
			return exitOK
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fullUsage(fs, stderr)
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ftpconform %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if o.parallel < 1 || o.parallel > 64 {
		fmt.Fprintf(stderr, "ftpconform %s: --parallel must be between 1 and 64\n", fs.Name())
		return exitUsage
	}
	if (o.workerPlan == "") != (o.workerReport == "") {
		fmt.Fprintf(stderr, "ftpconform %s: --worker-plan and --worker-report go together\n", fs.Name())
		return exitUsage
	}
	if o.target != "" && (o.faults != "" || o.variations != "" || o.ipv6) {
		fmt.Fprintf(stderr, "ftpconform %s: --fault, --variation and --ipv6 apply to the embedded server only, not with --target\n", fs.Name())
		return exitUsage
	}
	var err error
	if o.scen, err = loadScenarios(o.scriptDirs); err != nil {
		fmt.Fprintf(stderr, "ftpconform %s: --scripts:\n%v\n", fs.Name(), err)
		return exitUsage
	}
	t, err := buildTarget(&o)
	if err != nil {
		fmt.Fprintf(stderr, "ftpconform %s: %v\n", fs.Name(), err)
		fs.Usage()
		return exitUsage
	}
	var baseline *reports.Baseline
	if o.baseline != "" {
		b, err := readBaseline(o.baseline)
		if err != nil {
			fmt.Fprintf(stderr, "ftpconform %s: --baseline: %v\n", fs.Name(), err)
			return exitUsage
		}
		baseline = &b
	}
	srcPort, err := parseSourcePort(o.expectSrcPort)
	if err != nil {
		fmt.Fprintf(stderr, "ftpconform %s: %v\n", fs.Name(), err)
		return exitUsage
	}
	embedded := o.target == ""
	if embedded && srcPort == 0 {
		srcPort = suites.ActiveSourceL1 // the embedded server dials from L-1
	}
	if embedded {
		var stop func()
		t, stop, err = startEmbedded(&o, t, nil)
		if err != nil {
			fmt.Fprintf(stderr, "ftpconform %s: %v\n", fs.Name(), err)
			return exitUsage
		}
		defer stop()
	}
	t = t.WithDefaults()
	color := !o.noColor && isTerminal(stdout)

	filter := o.labelFilter
	if firewall {
		filter = combineFilters("firewall", filter)
	}
	if filter != "" {
		if _, err := types.ParseLabelFilter(filter); err != nil {
			fmt.Fprintf(stderr, "ftpconform %s: --label-filter: %s\n", fs.Name(), withoutANSI(err.Error()))
			return exitUsage
		}
	}
	if o.workerPlan != "" {
		return runAsWorker(&o, t, srcPort, filter, baseline, stdout, stderr)
	}
	if firewall && o.passReport == "" && t.TLS != harness.TLSOff {
		return runCompared(&o, t, srcPort, filter, baseline, embedded, stdout, stderr)
	}
	if o.passReport == "" {
		fmt.Fprintf(stdout, "ftpconform %s: checking %s%s\n", version, t, map[bool]string{true: " (embedded reference server)", false: ""}[embedded])
	}
	res, abort := runPass(&o, t, srcPort, filter, baseline, stdout, stderr)
	if abort >= 0 {
		return abort
	}
	if o.passReport != "" {
		// One pass of a compared firewall run: the coordinator reports.
		if err := writePassFile(o.passReport, res); err != nil {
			fmt.Fprintf(stderr, "ftpconform: writing the pass report: %v\n", err)
			return exitFailures
		}
		return res.exitCode(&o)
	}
	writeReports(&o, res.run, t, stderr)
	if res.unreachable {
		return exitUnreachable
	}
	fmt.Fprintln(stdout)
	if firewall {
		_ = reports.WriteFirewall(stdout, res.run)
	} else {
		_ = reports.WriteSummary(stdout, res.run, color)
	}
	return res.exitCode(&o)
}

// passResult is one run of the checks against the target: the report's
// run, the preflight's facts and exit code (exitOK when it let the checks
// start), and whether a signal cut the run short.
type passResult struct {
	run         reports.Run
	facts       *harness.Facts
	code        int
	interrupted bool
	// refused is the command the preflight's login was refused at
	// ("USER", "PASS") when the credentials were refused.
	refused string
	// unreachable: nothing answered; run lists every check as not run.
	unreachable bool
}

// exitCode is the run's exit code: the preflight's when it stopped the
// run (usage, unreachable, not FTP), 1 when a check failed (in either pass
// of a compared run) or when --strict meets a baseline difference, 130
// when a signal cut the run short, 0 otherwise.
func (r passResult) exitCode(o *runOptions) int {
	switch {
	case r.code != exitOK:
		return r.code
	case r.interrupted:
		// Not every check ran: conformance is not shown either way.
		return exitInterrupted
	case r.run.Failed() || (o.strict && r.run.Baseline != nil && r.run.Baseline.Differs()):
		return exitFailures
	}
	return exitOK
}

// runPass runs the preflight and the checks the filter selects against t,
// in this process or in worker processes, and returns the outcome; abort
// is an exit code when the run broke down without a report (-1 otherwise).
// A target that cannot be reached gives a report of every check not run.
func runPass(o *runOptions, t harness.Target, srcPort int, filter string, baseline *reports.Baseline, stdout, stderr io.Writer) (res passResult, abort int) {
	started := time.Now()
	if o.workerPlan == "" && o.passReport == "" && isTerminal(stdout) {
		// A status line below the progress lines, gone before the summary.
		c := newConsole(stdout, time.Second)
		defer c.stop()
		stdout, stderr = c, c.other(stderr)
	}
	facts, halted, code, pe := preflight(t, o, stdout, stderr)
	res.facts, res.code = facts, code
	if pe != nil && pe.Kind == harness.PreflightCredentials {
		var re *harness.ReplyError
		if errors.As(pe.Err, &re) {
			res.refused, _, _ = strings.Cut(re.Cmd, " ")
		}
	}
	if facts != nil && facts.CertProblem != nil && !t.Insecure {
		// One finding, reported by the check of the certificate; the
		// other checks go on without verification.
		o.certUnverified, t.Insecure = true, true
	}
	if code == exitUnreachable && facts == nil && strings.HasPrefix(halted, "unreachable: ") {
		res.run = reports.Unreachable(t.String(), started, errors.New(strings.TrimPrefix(halted, "unreachable: ")))
		res.unreachable = true
		return res, -1
	}

	var report types.Report
	var registryErrs []string
	gotReport := false
	if o.parallel > 1 && halted == "" {
		// A run that cannot start (halted) reports every check as not run
		// in this process: nothing to share out.
		dry, ok, errs := dryRun(filter, o.scen.scripts)
		registryErrs = errs
		if !ok {
			fmt.Fprintln(stderr, "ftpconform: walking the checks (dry run) gave no report")
			return res, exitFailures
		}
		var err error
		report, err = runParallel(o, t, srcPort, filter, facts, dry, stdout, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "ftpconform: parallel run: %v\n", err)
			return res, exitFailures
		}
		gotReport = true
	} else {
		report, gotReport, registryErrs = runSpecs(specRun{o: o, t: t, srcPort: srcPort, filter: filter, facts: facts, halted: halted, baseline: baseline}, stdout)
	}
	if !gotReport {
		fmt.Fprintln(stderr, "ftpconform: the run ended without a report")
		return res, exitFailures
	}
	// The registry is complete once the spec tree is built: a malformed
	// key or an unknown requirement ID is an internal error, not a check
	// that silently drops out. (A ginkgo preview before RunSpecs in the
	// same process would tell earlier, but it silences the progress hooks
	// of the run that follows.)
	if len(registryErrs) > 0 {
		fmt.Fprintf(stderr, "ftpconform: internal error in the check registry:\n  %s\n", strings.Join(registryErrs, "\n  "))
		return res, exitUsage
	}
	run := reports.FromGinkgoWith(report, o.scen.catalog)
	if filter != "" && !selectsAny(run) && halted == "" && !o.allowEmpty {
		fmt.Fprintf(stderr, "ftpconform: --label-filter %q selects no check ('ftpconform list --label-filter EXPR' shows what an expression selects)\n", filter)
		return res, exitUsage
	}
	run.Tool, run.Version, run.Target = "ftpconform", version, t.String()
	run.TLS = tlsNote(t, o)
	run.Strict = o.strict
	if halted != "" {
		run.Stopped = halted
	}
	run.Redact(t.Password)
	if baseline != nil {
		baseline.Apply(&run)
	}
	run.Interrupted = interrupted(report) || code == exitInterrupted
	res.run, res.interrupted = run, run.Interrupted
	return res, -1
}

// specRun is what one in-process run of the specs needs.
type specRun struct {
	o        *runOptions
	t        harness.Target
	srcPort  int
	filter   string
	focus    string // a ginkgo focus expression (workers), or ""
	facts    *harness.Facts
	halted   string
	journal  *harness.Journal
	claim    func(key string) (mine bool, unit string)
	baseline *reports.Baseline
}

// runSpecs runs the checks in this process (ginkgo allows it once per
// process) and returns ginkgo's report, and the problems of the check
// registry; progress lines go to stdout.
func runSpecs(r specRun, stdout io.Writer) (types.Report, bool, []string) {
	var report types.Report
	gotReport := false
	var prog *progress
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = r.filter
	if r.focus != "" {
		suiteConfig.FocusStrings = []string{r.focus}
	}
	// A fixed seed: the same checks run in the same order every time.
	suiteConfig.RandomSeed = 1
	suiteConfig.Timeout = 24 * time.Hour
	run := suites.New(suites.Config{
		Target:       r.t,
		Strict:       r.o.strict,
		RequireTLS:   r.o.requireTLS,
		Insecure:     r.o.insecure,
		ReadOnly:     r.o.readOnly,
		CheckTimeout: r.o.checkTimeout,
		Samples:      r.o.samples,
		Scripts:      r.o.scen.scripts,

		ExpectActiveSourcePort: r.srcPort,
		Facts:                  r.facts,
		Halted:                 r.halted,
		Journal:                r.journal,
		Claim:                  r.claim,
		OnSuiteStart: func(willRun int) {
			if r.o.workerPlan == "" {
				// A worker's lines are numbered by its coordinator.
				prog = newProgress(willRun, stdout)
			}
		},
		OnCheckStart: func(key string) {
			if r.o.workerPlan != "" {
				fmt.Fprintln(stdout, markStart+key) // for the coordinator's status line
			}
			prog.begin(key)
		},
		OnCheckDone: func(s types.SpecReport) {
			if r.o.workerPlan != "" {
				fmt.Fprintln(stdout, markEnd+keyOf(s))
			}
			prog.end(keyOf(s))
			if elsewhere(s) {
				return // another worker of a parallel run reports it
			}
			ch := reports.CheckFromSpecWith(s, suiteConfig, r.o.scen.catalog)
			if r.baseline != nil {
				r.baseline.Annotate(&ch)
			}
			if line := reports.ProgressLine(ch); line != "" {
				fmt.Fprintln(stdout, prog.number(line))
			}
		},
		OnSuiteDone: func(rep types.Report) { report, gotReport = rep, true },
	})
	reporterConfig.NoColor = true
	reporterConfig.Succinct = true
	// The console output is ours (progress lines and the summary).
	formatter.ColorableStdOut = io.Discard
	ginkgo.RunSpecs(&failer{}, "ftpconform", suiteConfig, reporterConfig)
	return report, gotReport, run.RegistryErrors()
}

// runAsWorker runs the checks of a parallel run's plan (parallel.go) and
// writes ginkgo's report where the coordinator reads it. Its exit code
// means nothing: the coordinator judges the merged report.
func runAsWorker(o *runOptions, t harness.Target, srcPort int, filter string, baseline *reports.Baseline, stdout, stderr io.Writer) int {
	plan, err := readWorkerPlan(o.workerPlan)
	if err != nil {
		fmt.Fprintf(stderr, "ftpconform worker: %v\n", err)
		return exitUsage
	}
	var journal *harness.Journal
	if plan.Journal != "" {
		if journal, err = harness.OpenJournal(plan.Journal); err != nil {
			fmt.Fprintf(stderr, "ftpconform worker: %v\n", err)
			return exitUsage
		}
		defer journal.Close()
	}
	run := specRun{o: o, t: t, srcPort: srcPort, filter: filter, focus: focusOn(plan.Keys), facts: plan.Facts, journal: journal, baseline: baseline}
	if plan.Units != nil {
		// The first worker to claim a unit runs all its checks.
		run.claim = func(key string) (bool, string) {
			unit := plan.Units[key]
			if unit == "" {
				unit = key
			}
			return journal.Claim("unit/"+unit, plan.Worker) == plan.Worker, unit
		}
	}
	report, ok, _ := runSpecs(run, stdout)
	if !ok {
		fmt.Fprintln(stderr, "ftpconform worker: the run ended without a report")
		return exitFailures
	}
	if err := writeWorkerReport(o.workerReport, report); err != nil {
		fmt.Fprintf(stderr, "ftpconform worker: writing the report: %v\n", err)
		return exitFailures
	}
	return exitOK
}

// interrupted reports whether a signal cut the run short.
func interrupted(r types.Report) bool {
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(strings.ToLower(reason), "interrupt") {
			return true
		}
	}
	return false
}

// readBaseline reads a baseline file.
func readBaseline(path string) (reports.Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return reports.Baseline{}, err
	}
	defer f.Close()
	return reports.ReadBaseline(f, path)
}

func combineFilters(a, b string) string {
	if b == "" {
		return a
	}
	return "(" + a + ") && (" + b + ")"
}

// preflight runs the one session before any check (harness.Preflight).
// It returns the facts for the checks, or why the run cannot start and
// the exit code that says so: the target is unreachable or not FTP (3),
// the credentials were refused (2). In the last two cases the run still
// goes through every check, reporting each as not run, so the reports
// list the whole suite; nothing more is sent to the server.
func preflight(t harness.Target, o *runOptions, stdout, stderr io.Writer) (*harness.Facts, string, int, *harness.PreflightError) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Ginkgo handles Ctrl-C and SIGTERM once the checks run; before that,
	// a signal ends the preflight, and the run reports every check as not
	// run.
	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var b [4]byte
	_, _ = rand.Read(b[:])
	facts, err := harness.Preflight(sigCtx, t, nil, harness.PreflightOptions{
		Write:       !o.readOnly,
		ScratchName: "ftpconform-preflight-" + hex.EncodeToString(b[:]),
	})
	if sigCtx.Err() != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "ftpconform: interrupted during the preflight")
		return nil, "interrupted by a signal during the preflight", exitInterrupted, nil
	}
	var pe *harness.PreflightError
	if errors.As(err, &pe) {
		switch pe.Kind {
		case harness.PreflightUnreachable:
			fmt.Fprintf(stderr, "ftpconform: target %s unreachable: %v\n", t, pe)
			return nil, "unreachable: " + pe.Msg, exitUnreachable, pe
		case harness.PreflightCredentials:
			fmt.Fprintf(stderr, "ftpconform: %s\n", pe)
			return nil, pe.Msg, exitUsage, pe
		case harness.PreflightTLS:
			// The operator asked for TLS and the server does not do it:
			// not conformant with what the run requires.
			fmt.Fprintf(stderr, "ftpconform: target %s: %s\n", t, pe)
			return nil, pe.Msg, exitFailures, pe
		default:
			fmt.Fprintf(stderr, "ftpconform: target %s: %s\n", t, pe)
			return nil, pe.Msg, exitUnreachable, pe
		}
	}
	fmt.Fprintf(stdout, "preflight (%.1fs): %s\n", facts.Duration.Seconds(), describeFacts(facts))
	if facts.TLS != nil {
		fmt.Fprintf(stdout, "TLS: %s\n", facts.TLS)
	}
	if facts.CertProblem != nil {
		fmt.Fprintf(stdout, "TLS: the server's certificate does not verify: %v; the checks go on without verification (POLICY-TLS-CERT judges it)\n", facts.CertProblem)
	}
	return facts, "", exitOK, nil
}

// describeFacts is one line on what the preflight found.
func describeFacts(f *harness.Facts) string {
	var parts []string
	for _, c := range []harness.Capability{harness.CapTLS, harness.CapLogin, harness.CapPROT, harness.CapPWD, harness.CapTypeI, harness.CapPASV,
		harness.CapEPSV, harness.CapPORT, harness.CapEPRT, harness.CapMKD, harness.CapCWD, harness.CapSTOR,
		harness.CapRETR, harness.CapDELE, harness.CapRMD, harness.CapABOR} {
		switch fact := f.Cap(c); fact.State {
		case harness.CapWorks:
			parts = append(parts, string(c)+" ok")
		case harness.CapBroken:
			parts = append(parts, fmt.Sprintf("%s BROKEN (%s)", c, fact.Detail))
		case harness.CapUnsupported:
			parts = append(parts, string(c)+" not implemented")
		}
	}
	if len(parts) == 0 {
		return "nothing could be established"
	}
	return strings.Join(parts, ", ")
}

// writeReports writes every requested report file; failures to write are
// reported but do not change the verdict.
func writeReports(o *runOptions, run reports.Run, t harness.Target, stderr io.Writer) {
	write := func(path string, fn func(io.Writer, reports.Run) error) {
		if path == "" {
			return
		}
		if dir := filepath.Dir(path); dir != "" {
			_ = os.MkdirAll(dir, 0o755)
		}
		f, err := os.Create(path)
		if err == nil {
			err = fn(f, run)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "ftpconform: writing %s: %v\n", path, err)
		}
	}
	write(o.junit, func(w io.Writer, r reports.Run) error {
		return reports.WriteJUnitWith(w, r, reports.JUnitOptions{WarningsAsFailures: o.junitWarningsAsFailures})
	})
	write(o.jsonOut, reports.WriteJSON)
	if md := o.summaryMD; md != "" {
		write(md, reports.WriteMarkdown)
	} else if step := os.Getenv("GITHUB_STEP_SUMMARY"); step != "" && o.workerPlan == "" && o.passReport == "" {
		// GitHub's job summary: appended to, as other steps write there too.
		if f, err := os.OpenFile(step, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_ = reports.WriteMarkdown(f, run)
			f.Close()
		}
	}
	write(o.htmlOut, reports.WriteHTML)
	write(o.writeBaseline, reports.WriteBaseline)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
