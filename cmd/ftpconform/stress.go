package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/stress"
)

// stressOptions are the flags of "stress".
type stressOptions struct {
	target         string
	clients        int
	duration       time.Duration
	ramp           time.Duration
	mix            string
	data           string
	size           string
	files          int
	reconnectAfter int
	tlsMode        string
	caFile         string
	insecure       bool
	timeout        time.Duration
	dataTimeout    time.Duration
	cleanupTimeout time.Duration
	jsonOut        string
	failOnRefused  bool
	maxSessions    int
	faults         string
}

const stressDescription = `usage: ftpconform stress [flags]

Runs --clients sessions at once against --target (default: the embedded
reference server) for --duration: each logs in, works in a scratch
directory of its own and loops over the --mix of operations; every download
is compared with what the session uploaded. Prints a progress line on
stderr, then a table per command (count, errors, rate, latency p50, p90,
p99, max) and the errors by kind and reply code (docs/stress.md).
Exit codes: 0 no errors (refused sessions are reported but are no error
unless --fail-on-refused), 1 errors, 2 usage error or credentials refused,
3 target unreachable or refusing even one session, 130 interrupted.`

func init() {
	// fullUsage (run.go) prints this above the flags of stress.
	runDescriptions["stress"] = stressDescription
}

func stressFlags(o *stressOptions, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "", "server to load, ftp://USER:PASS@HOST:PORT (password also from $FTPCONFORM_PASSWORD); default: the embedded reference server on 127.0.0.1")
	fs.IntVar(&o.clients, "clients", 10, fmt.Sprintf("sessions at once (`N`, at most %d)", stress.MaxClients))
	fs.DurationVar(&o.duration, "duration", 10*time.Second, fmt.Sprintf("how long the sessions work (at most %s); operations in flight are finished, then each session cleans up", stress.MaxDuration))
	fs.DurationVar(&o.ramp, "ramp", time.Second, "spread the sessions' first connections over this long, so that they do not overflow the server's listen backlog (0: all at once)")
	fs.StringVar(&o.mix, "mix", stress.DefaultMix.String(), "operations, colon-separated, each with an optional weight: stor=2:retr=3:list (list, nlst, retr, stor, size, mdtm, cwd, pwd, noop, dele)")
	fs.StringVar(&o.data, "data", "pasv", "data connections: pasv, epsv, port or eprt")
	fs.StringVar(&o.size, "size", "1K-16K", "size of the uploaded files, `MIN-MAX` or one size, in bytes or with K or M (KiB, MiB; at most 64M)")
	fs.IntVar(&o.files, "files", stress.DefaultMaxFiles, "files a session keeps at most; then STOR replaces one")
	fs.IntVar(&o.reconnectAfter, "reconnect-after", stress.DefaultReconnectAfter, "commands per control connection; then the session logs in anew (bounds its memory)")
	fs.StringVar(&o.tlsMode, "tls", "", "FTPS for every session: off, explicit (AUTH TLS, PBSZ 0, PROT P) or implicit (TLS from the first byte; also the ftps:// scheme)")
	fs.StringVar(&o.caFile, "ca-file", "", "verify the server's certificate against the roots in PEM `FILE` instead of the system roots")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each reply")
	fs.DurationVar(&o.dataTimeout, "data-timeout", 15*time.Second, "how long to wait for a data connection and each read of a transfer")
	fs.DurationVar(&o.cleanupTimeout, "cleanup-timeout", stress.DefaultCleanupTimeout, "how long the sessions may take to remove their scratch directories at the end")
	fs.StringVar(&o.jsonOut, "json", "", "write the full result as JSON to `FILE` (docs/stress.md)")
	fs.BoolVar(&o.failOnRefused, "fail-on-refused", false, "exit 1 when the server refused any session (421, or a close, at the greeting or login)")
	fs.IntVar(&o.maxSessions, "max-sessions", 0, "embedded server only: let it accept at most `N` sessions at once and answer 421 beyond (to see refused sessions)")
	fs.StringVar(&o.faults, "fault", "", "embedded server only: inject the named fault (see 'ftpconform serve -list-faults'), e.g. corrupt-binary")
	fs.Usage = func() { fmt.Fprintln(stderr, "Run 'ftpconform stress -h' for its flags.") }
	return fs
}

// parseSize reads "16K", "1M", "4096".
func parseSize(size string) (int, error) {
	s := strings.TrimSpace(size)
	mult := 1
	switch {
	case strings.HasSuffix(strings.ToUpper(s), "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(strings.ToUpper(s), "M"):
		mult, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > stress.MaxFileSize/mult {
		return 0, fmt.Errorf("size %q: want bytes, or a number with K or M, at most 64M", size)
	}
	return n * mult, nil
}

// parseSizeRange reads "1K-16K" or a single size.
func parseSizeRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if lo, err = parseSize(a); err != nil {
		return 0, 0, err
	}
	if !ok {
		return lo, lo, nil
	}
	if hi, err = parseSize(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("size %q: MIN is larger than MAX", s)
	}
	return lo, hi, nil
}

// stressConfig checks the flags and turns them into a stress.Config
// (without its target's address when the embedded server is to be
// started).
func stressConfig(o *stressOptions) (stress.Config, error) {
	var cfg stress.Config
	switch {
	case o.clients < 1 || o.clients > stress.MaxClients:
		return cfg, usagef("--clients %d: want 1 to %d", o.clients, stress.MaxClients)
	case o.duration <= 0 || o.duration > stress.MaxDuration:
		return cfg, usagef("--duration %s: want more than 0 and at most %s", o.duration, stress.MaxDuration)
	case o.ramp < 0:
		return cfg, usagef("--ramp must not be negative")
	case o.files < 1 || o.files > stress.MaxFilesPerSession:
		return cfg, usagef("--files %d: want 1 to %d", o.files, stress.MaxFilesPerSession)
	case o.reconnectAfter < stress.MinReconnectAfter:
		return cfg, usagef("--reconnect-after %d: want %d or more", o.reconnectAfter, stress.MinReconnectAfter)
	case o.cleanupTimeout <= 0 || o.cleanupTimeout > 10*time.Minute:
		return cfg, usagef("--cleanup-timeout: want more than 0 and at most 10m")
	case o.maxSessions < 0:
		return cfg, usagef("--max-sessions must not be negative")
	case o.target != "" && (o.maxSessions > 0 || o.faults != ""):
		return cfg, usagef("--max-sessions and --fault apply to the embedded server only, not with --target")
	}
	mix, err := stress.ParseMix(o.mix)
	if err != nil {
		return cfg, usagef("--mix: %v", err)
	}
	mode := harness.DataMode(strings.ToUpper(o.data))
	switch mode {
	case harness.PASV, harness.EPSV, harness.PORT, harness.EPRT:
	default:
		return cfg, usagef("--data %q: want pasv, epsv, port or eprt", o.data)
	}
	lo, hi, err := parseSizeRange(o.size)
	if err != nil {
		return cfg, usagef("--size: %v", err)
	}
	ro := runOptions{target: o.target, tlsMode: o.tlsMode, caFile: o.caFile, insecure: o.insecure,
		timeout: o.timeout, dataTimeout: o.dataTimeout, samples: 1}
	t, err := buildTarget(&ro)
	if err != nil {
		return cfg, err
	}
	return stress.Config{
		Target: t, Clients: o.clients, Duration: o.duration, Ramp: min(o.ramp, o.duration),
		Mix: mix, DataMode: mode, MinSize: lo, MaxSize: hi, MaxFiles: o.files,
		ReconnectAfter: o.reconnectAfter, CleanupTimeout: o.cleanupTimeout,
	}, nil
}

// stressPasvRange is the embedded server's passive range in a stress run:
// thousands of ports (run's range of 100 is too few for hundreds of
// sessions in passive transfers at once), below Linux's ephemeral range
// (32768-60999) and away from run's embedded ranges (20000-28999) and
// control ports (15001-19999). Kernel-chosen passive ports would come
// from the ephemeral range, where the sessions' own connections and the
// TIME_WAIT of every closed data connection fill it: each bind then
// searches longer and longer for a free port.
var stressPasvRange = harness.PortRange{Min: 10000, Max: 14999}

// startStressServer starts the reference server for a stress run without
// --target: the embedded server of run, with stressPasvRange, the session
// limit and the faults of the flags, and active connections from
// ephemeral ports (hundreds of them at once, rather than all from L-1).
func startStressServer(o *stressOptions, t harness.Target) (harness.Target, func(), error) {
	t.PasvRange = stressPasvRange
	return startEmbedded(&runOptions{faults: o.faults}, t, func(srv *fakeserver.Server) {
		srv.MaxSessions = o.maxSessions
		srv.ActiveSourcePort = 0
	})
}

func cmdStress(args []string, stdout, stderr io.Writer) int {
	var o stressOptions
	fs := stressFlags(&o, stderr)
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fullUsage(fs, stderr)
			return exitOK
		}
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ftpconform stress: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	cfg, err := stressConfig(&o)
	if err != nil {
		fmt.Fprintf(stderr, "ftpconform stress: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	embedded := o.target == ""
	if embedded {
		t, stop, err := startStressServer(&o, cfg.Target)
		if err != nil {
			fmt.Fprintf(stderr, "ftpconform stress: %v\n", err)
			return exitUsage
		}
		defer stop()
		cfg.Target = t
	}
	cfg.Target = cfg.Target.WithDefaults()
	if limit, err := stress.RaiseFileLimit(); err == nil && limit > 0 {
		// A control and a data connection per session, and as many on
		// the embedded server's side.
		need := uint64(cfg.Clients)*2 + 64
		if embedded {
			need *= 2
		}
		if limit < need {
			fmt.Fprintf(stderr, "ftpconform stress: warning: the open-file limit is %d; %d sessions need about %d descriptors\n", limit, cfg.Clients, need)
		}
	}

	// The first signal stops the sessions, which then clean up; a second
	// one abandons the cleanup.
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		stop()
		fmt.Fprintln(stderr, "\nftpconform stress: interrupted; the sessions clean up (again to abandon the cleanup)")
		select {
		case <-sigs:
			abort()
		case <-ctx.Done():
		}
	}()
	cfg.Stop = stopCtx.Done()

	where := ""
	if embedded {
		where = " (embedded reference server)"
	}
	fmt.Fprintf(stdout, "ftpconform %s: stress %s%s\n", version, cfg.Target, where)
	pctx, cancel := context.WithTimeout(stopCtx, cfg.Target.ConnectTimeout+3*cfg.Target.ReplyTimeout)
	err = stress.Probe(pctx, cfg.Target)
	cancel()
	if stopCtx.Err() != nil {
		fmt.Fprintln(stderr, "ftpconform stress: interrupted before the sessions started")
		return exitInterrupted
	}
	var pe *stress.ProbeError
	if errors.As(err, &pe) {
		switch pe.Kind {
		case stress.ProbeCredentials:
			fmt.Fprintf(stderr, "ftpconform stress: %s: %v\n", cfg.Target, pe)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "ftpconform stress: target %s %s: %v\n", cfg.Target, probeWords[pe.Kind], pe)
			return exitUnreachable
		}
	}

	pr := newStressProgress(stderr, isTerminal(stderr), cfg.Clients)
	cfg.Progress = pr.show
	res, err := stress.Run(ctx, cfg)
	pr.end()
	if err != nil {
		fmt.Fprintf(stderr, "ftpconform stress: %v\n", err)
		return exitUsage
	}
	res.Embedded = embedded
	code := exitOK
	res.Verdict = "pass"
	switch {
	case res.Interrupted:
		code, res.Verdict = exitInterrupted, "interrupted"
	case res.Failed(o.failOnRefused):
		code, res.Verdict = exitFailures, "fail"
	}
	res.ExitCode = code
	fmt.Fprintln(stdout)
	_ = res.WriteText(stdout)
	fmt.Fprintf(stdout, "verdict:    %s (exit %d)\n", strings.ToUpper(res.Verdict), code)
	if o.jsonOut != "" {
		if err := writeStressJSON(o.jsonOut, res); err != nil {
			fmt.Fprintf(stderr, "ftpconform stress: writing %s: %v\n", o.jsonOut, err)
		}
	}
	return code
}

// probeWords say what a failed probe found.
var probeWords = map[stress.ProbeFailure]string{
	stress.ProbeUnreachable: "unreachable or not FTP",
	stress.ProbeRefused:     "refuses sessions",
	stress.ProbeTLS:         "cannot set up TLS",
	stress.ProbeOther:       "cannot run a session",
}

func writeStressJSON(path string, res *stress.Result) error {
	if dir := filepath.Dir(path); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// stressProgress shows how a run goes on stderr: on a terminal one line
// rewritten every second, elsewhere a line every few seconds.
type stressProgress struct {
	w        io.Writer
	terminal bool
	clients  int
	last     time.Time
	wrote    bool
}

// stressLogEvery is how often the progress is logged when stderr is not a
// terminal.
const stressLogEvery = 5 * time.Second

func newStressProgress(w io.Writer, terminal bool, clients int) *stressProgress {
	return &stressProgress{w: w, terminal: terminal, clients: clients}
}

func (p *stressProgress) show(s stress.Progress) {
	line := fmt.Sprintf("stress %4.0fs: %d/%d sessions logged in, %d ops (%.0f/s), %d errors, %d refused",
		s.Elapsed.Seconds(), s.Active, p.clients, s.Ops, s.OpsPerSec, s.Errors, s.Refused)
	if s.Ending {
		line += "; finishing and cleaning up"
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r%-100s", line)
		p.wrote = true
		return
	}
	if p.last.IsZero() || time.Since(p.last) >= stressLogEvery {
		fmt.Fprintln(p.w, line)
		p.last = time.Now()
	}
}

// end finishes the rewritten line.
func (p *stressProgress) end() {
	if p.terminal && p.wrote {
		fmt.Fprintln(p.w)
	}
}
