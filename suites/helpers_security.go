package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the RFC 2577 security checks and the path-confinement policy
// checks.

// requireSecondAddress returns the local address the server sees as another
// client (cfg.SecondAddress), or skips the check when there is none for
// this control connection's family.
func requireSecondAddress(c *harness.Conn) netip.Addr {
	a := cfg.SecondAddress
	local := c.LocalAddr().Addr()
	switch {
	case !a.IsValid() && local.Is6():
		Skip("no second local address for this IPv6 control connection: IPv6 loopback has only ::1, so the server cannot be shown another client")
	case !a.IsValid():
		Skip("no second local address that the server would see as another client (on loopback targets 127.0.0.2 is used)")
	case a.Unmap().Is4() != local.Is4():
		Skip(fmt.Sprintf("the second address %s is not of the control connection's family (%s)", a, local))
	}
	return a.Unmap()
}

// dialFrom opens a data connection to addr from local (zero: any); the
// connection is closed when the check ends.
func dialFrom(ctx context.Context, c *harness.Conn, local netip.Addr, addr netip.AddrPort) (net.Conn, error) {
	nc, err := c.DialDataFrom(ctx, local, addr)
	if err != nil {
		return nil, err
	}
	DeferCleanup(func() { nc.Close() })
	return nc, nil
}

// warnUnsolicited records replies the server sent of its own accord.
func warnUnsolicited(o harness.TransferOutcome) {
	for _, r := range o.Unsolicited {
		warnf("the server sent %s of its own accord, outside the replies to the transfer command (RFC 959 §5.4 lists no such reply; pyftpdlib does this for a refused foreign data connection)", r)
	}
}

// resync brings the control connection back in step (harness Resync):
// replies the server sent of its own accord are warned about, a broken
// exchange fails the check.
func resync(ctx context.Context, c *harness.Conn) {
	need(harness.CapNOOP)
	stray, err := c.Resync(ctx)
	for _, r := range stray {
		warnf("the server sent %s of its own accord after the transfer", r)
	}
	if err != nil {
		failf("%v", err)
	}
}

// connClosed reports whether err means the server closed the control
// connection.
func connClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// judgeRefusal judges the reply to a PORT or EPRT that RFC 2577 says to
// refuse. It returns true when the server accepted it (and the check must
// look at what happens next). A 5yz is a refusal; 504 is what RFC 2577 §3
// suggests for privileged ports, other 5yz codes are noted.
func judgeRefusal(what string, r *harness.Reply, ideal int) bool {
	switch harness.Class(r.Code) {
	case 5:
		if ideal != 0 && r.Code != ideal {
			infof("%s was refused with %s (RFC 2577 suggests %d; any 5yz refuses)", what, r, ideal)
		} else {
			infof("%s was refused with %s", what, r)
		}
		return false
	case 4:
		if r.Code == harness.ReplyCantOpenData {
			failf("%s: expected a 5yz refusal; got %s, which says the server tried to open that data connection", what, r)
		} else {
			warnf("%s: expected a 5yz refusal; got %s, a temporary failure rather than a refusal", what, r)
		}
		return false
	case 2:
		return true
	}
	failf("%s: expected a 5yz refusal; got %s", what, r)
	return false
}

// judgeActiveAcceptance follows up a PORT or EPRT that should have been
// refused and was accepted: LIST shows whether the server really connects
// to the address it was given.
func judgeActiveAcceptance(ctx context.Context, c *harness.Conn, what string, d *harness.DataChannel) {
	t, err := c.Retrieve(ctx, d, "LIST")
	switch {
	case t != nil && t.Source.IsValid():
		failf("%s was accepted with %s and the server connected there from %s for LIST: it can be used to bounce connections to other hosts (RFC 2577 §2-3)", what, d.Setup, t.Source)
	case err != nil:
		failf("%s was accepted with %s (a refusal was expected, RFC 2577 §3); LIST then broke: %v", what, d.Setup, err)
	default:
		failf("%s was accepted with %s (a refusal was expected, RFC 2577 §3); LIST then got %s and no connection arrived, but accepting the command is already the finding", what, d.Setup, replyList(t))
	}
}

// --- the shared login probe ------------------------------------------------

// Wrong passwords cost time: RFC 2577 §5 asks for a delay of seconds before
// each 530, and a lockout after 3-5 failures. The checks that judge failed
// logins therefore share one probe, which runs its connections in parallel
// and starts in the background before the first check of the run (only if
// one of those checks is selected), so its delays overlap the other checks.

// probeAttempt is one USER / wrong PASS pair.
type probeAttempt struct {
	User, Pass *harness.Reply // Pass is nil when the connection closed instead
	Took       time.Duration  // from sending PASS to its reply (or to the close)
}

// failureSeries is up to maxProbeAttempts wrong passwords on one connection.
type failureSeries struct {
	Attempts    []probeAttempt
	Closed      bool           // the server closed the connection
	Last        *harness.Reply // the last reply before the close
	Unanswered  bool           // the last PASS got no reply: the connection closed instead
	Left421Open bool           // a 421 came but the connection stayed open
	SlowedDown  bool           // a PASS got no reply within the reply timeout
	Problem     string         // why the series says nothing about failed logins
}

// Answered returns the attempts whose PASS got a reply.
func (f *failureSeries) Answered() []probeAttempt {
	var out []probeAttempt
	for _, a := range f.Attempts {
		if a.Pass != nil {
			out = append(out, a)
		}
	}
	return out
}

// unknownUserLogin is USER of a name without an account, then PASS.
type unknownUserLogin struct {
	Name       string
	User, Pass *harness.Reply
	Took       time.Duration
	Problem    string
}

// anonymousLogin is USER anonymous with an e-mail address as password.
type anonymousLogin struct {
	Tried      bool
	User, Pass *harness.Reply
	Enabled    bool
	Problem    string
}

type loginProbeResult struct {
	Failures failureSeries
	Unknown  unknownUserLogin
	Anon     anonymousLogin
	tr       *harness.Transcript
}

// maxProbeAttempts bounds the wrong passwords sent on one connection.
const maxProbeAttempts = 10

// anonPassword is the e-mail address given as anonymous password.
const anonPassword = "ftpconform@example.com"

var loginProbe struct {
	selectOnce sync.Once
	once       sync.Once
	done       chan struct{}
	res        loginProbeResult
	// consumers are the label sets of the checks that read the probe;
	// anonConsumers those that need the anonymous login.
	consumers, anonConsumers [][]string
}

// probeCheck registers a check that reads the shared login probe.
func probeCheck(key, title string, topics []string, anon bool, body func(SpecContext)) {
	id, _, _ := strings.Cut(key, "/")
	rfc, section := rfcAndSection(id)
	labels := append([]string{id, rfc, section, catalog[id].Level}, topics...)
	for _, l := range CurrentTreeConstructionNodeReport().ContainerHierarchyLabels {
		labels = append(labels, l...)
	}
	loginProbe.consumers = append(loginProbe.consumers, labels)
	if anon {
		loginProbe.anonConsumers = append(loginProbe.anonConsumers, labels)
	}
	Check(key, title, Label(topics...), body)
}

// The probe starts before the first check of the run, whatever its order.
var _ = BeforeEach(func() {
	if cfg.health.stopped() != nil {
		return // the run stopped (or never started): no more logins
	}
	loginProbe.selectOnce.Do(func() {
		match := func([]string) bool { return true }
		if f := GinkgoLabelFilter(); f != "" {
			if lf, err := types.ParseLabelFilter(f); err == nil {
				match = func(l []string) bool { return lf(l) }
			}
		}
		for _, l := range loginProbe.consumers {
			if match(l) {
				startLoginProbe(anonSelected(match))
				return
			}
		}
	})
})

func anonSelected(match func([]string) bool) bool {
	if cfg.ReadOnly {
		return false
	}
	for _, l := range loginProbe.anonConsumers {
		if match(l) {
			return true
		}
	}
	return false
}

func startLoginProbe(anon bool) {
	loginProbe.once.Do(func() {
		loginProbe.done = make(chan struct{})
		t := cfg.Target
		go func() {
			defer close(loginProbe.done)
			loginProbe.res = runLoginProbe(t, anon)
		}()
	})
}

// awaitLoginProbe waits for the shared probe (starting it if no earlier
// check did) and attaches its transcript to the running check.
func awaitLoginProbe(ctx context.Context) *loginProbeResult {
	startLoginProbe(!cfg.ReadOnly)
	select {
	case <-loginProbe.done:
	case <-ctx.Done():
		failf("interrupted while waiting for the login probe (wrong passwords on three parallel connections): %v", ctx.Err())
		return nil
	}
	res := &loginProbe.res
	AddReportEntry(EntryTranscript, "shared login probe, run once for every check of failed logins:\n"+res.tr.String(), ReportEntryVisibilityNever)
	return res
}

func runLoginProbe(t harness.Target, anon bool) loginProbeResult {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.CheckTimeout)
	defer cancel()
	res := loginProbeResult{tr: harness.NewTranscript()}
	res.tr.AddSecret(t.Password)
	var wg sync.WaitGroup
	wg.Go(func() { res.Failures = probeFailures(ctx, t, res.tr) })
	wg.Go(func() { res.Unknown = probeUnknownUser(ctx, t, res.tr) })
	if anon {
		wg.Go(func() { res.Anon = probeAnonymous(ctx, t, res.tr) })
	}
	wg.Wait()
	return res
}

// probeFailures sends USER and a wrong PASS until the server closes the
// connection, at most maxProbeAttempts times.
func probeFailures(ctx context.Context, t harness.Target, tr *harness.Transcript) (f failureSeries) {
	c, _, err := harness.Connect(ctx, t, tr)
	if err != nil {
		f.Problem = fmt.Sprintf("cannot open a control connection: %v", err)
		return f
	}
	defer c.Close()
	wrong := uniqueName("not-the-password")
	for range maxProbeAttempts {
		u, err := c.Cmd(ctx, "USER "+t.User)
		if err != nil {
			if connClosed(err) {
				f.Closed = true
			} else {
				f.Problem = fmt.Sprintf("USER %s: %v", t.User, err)
			}
			return f
		}
		switch {
		case u.Code == harness.ReplyLoggedIn:
			f.Problem = fmt.Sprintf("USER %s alone logged in (%s): the account needs no password", t.User, u)
			return f
		case u.Code == harness.ReplyServiceUnavailable:
			f.Last = u
			f.Closed, _ = c.WaitClose(ctx, t.CloseGrace)
			f.Left421Open = !f.Closed
			return f
		}
		start := time.Now()
		p, err := c.Cmd(ctx, "PASS "+wrong)
		a := probeAttempt{User: u, Pass: p, Took: time.Since(start)}
		if err != nil {
			var pe *harness.ProtocolError
			switch {
			case connClosed(err):
				f.Attempts = append(f.Attempts, a)
				f.Closed, f.Unanswered = true, true
			case errors.As(err, &pe) && pe.Timeout() && ctx.Err() == nil && len(f.Attempts) > 0:
				// Delays that grow with every attempt (Pure-FTPd) end
				// the series: guessing is slowed down that much.
				f.SlowedDown = true
			default:
				f.Problem = fmt.Sprintf("PASS: %v", err)
			}
			return f
		}
		f.Attempts = append(f.Attempts, a)
		f.Last = p
		switch {
		case harness.Class(p.Code) == 2:
			f.Problem = fmt.Sprintf("a wrong password was accepted: %s", p)
			return f
		case p.Code == harness.ReplyServiceUnavailable:
			f.Closed, _ = c.WaitClose(ctx, t.CloseGrace)
			f.Left421Open = !f.Closed
			return f
		}
	}
	return f
}

// probeUnknownUser logs in with a name that has no account.
func probeUnknownUser(ctx context.Context, t harness.Target, tr *harness.Transcript) (u unknownUserLogin) {
	u.Name = uniqueName("nosuchuser")
	c, _, err := harness.Connect(ctx, t, tr)
	if err != nil {
		u.Problem = fmt.Sprintf("cannot open a control connection: %v", err)
		return u
	}
	defer c.Close()
	if u.User, err = c.Cmd(ctx, "USER "+u.Name); err != nil {
		u.Problem = fmt.Sprintf("USER %s: %v", u.Name, err)
		return u
	}
	if u.User.Code != harness.ReplyNeedPassword {
		u.Problem = fmt.Sprintf("USER %s (no such account) was answered %s, so there is no PASS to compare", u.Name, u.User)
		return u
	}
	start := time.Now()
	u.Pass, err = c.Cmd(ctx, "PASS "+uniqueName("pw"))
	u.Took = time.Since(start)
	if err != nil {
		u.Problem = fmt.Sprintf("PASS after USER %s: %v", u.Name, err)
		u.Pass = nil
	}
	return u
}

// probeAnonymous tries the anonymous login of RFC 1635.
func probeAnonymous(ctx context.Context, t harness.Target, tr *harness.Transcript) (a anonymousLogin) {
	a.Tried = true
	c, _, err := harness.Connect(ctx, t, tr)
	if err != nil {
		a.Problem = fmt.Sprintf("cannot open a control connection: %v", err)
		return a
	}
	defer c.Close()
	if a.User, err = c.Cmd(ctx, "USER anonymous"); err != nil {
		a.Problem = fmt.Sprintf("USER anonymous: %v", err)
		return a
	}
	switch a.User.Code {
	case harness.ReplyLoggedIn:
		a.Enabled = true
	case harness.ReplyNeedPassword:
		if a.Pass, err = c.Cmd(ctx, "PASS "+anonPassword); err != nil {
			a.Problem = fmt.Sprintf("PASS after USER anonymous: %v", err)
			return a
		}
		a.Enabled = harness.Class(a.Pass.Code) == 2
	}
	return a
}

// sameText compares reply texts after replacing the names a server may
// echo with a placeholder.
func sameText(a, b *harness.Reply, names ...string) bool {
	norm := func(r *harness.Reply) string {
		s := r.Message()
		for _, n := range names {
			if n != "" {
				s = strings.ReplaceAll(s, n, "<name>")
			}
		}
		return s
	}
	return norm(a) == norm(b)
}

// median of durations.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// ms renders a duration for a message: milliseconds, finer below 10 ms.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// --- paths -----------------------------------------------------------------

// hostPasswd matches the root line of a Unix /etc/passwd.
var hostPasswd = regexp.MustCompile(`(?m)^root:[^:\n]*:0:0:`)

// hostWinIni matches a Windows win.ini.
var hostWinIni = regexp.MustCompile(`(?im)^(; for 16-bit app support|\[fonts\]|\[mci extensions\])`)

// hostRootDirs are names found at the top of a Unix host's file system. An
// FTP root may hold some of them (anonymous FTP areas have bin, etc, pub),
// but not proc or sys next to many others.
var hostRootDirs = []string{"bin", "boot", "dev", "etc", "lib", "proc", "root", "sbin", "sys", "usr", "var"}

// hostSignature returns the host directory names in a listing when the
// listing looks like a host's root: proc or sys with at least four others.
func hostSignature(listing []string) []string {
	have := map[string]bool{}
	for _, n := range listing {
		have[path.Base(strings.TrimRight(n, "/"))] = true
	}
	var found []string
	for _, d := range hostRootDirs {
		if have[d] {
			found = append(found, d)
		}
	}
	if len(found) >= 5 && (have["proc"] || have["sys"]) {
		return found
	}
	return nil
}

// workingDir asks PWD and fails the check when the answer is unusable.
func workingDir(ctx context.Context, c *harness.Conn) string {
	r := cmd(ctx, c, "PWD")
	if r.Code != harness.ReplyPathCreated {
		failf("PWD: expected 257; got %s", r)
		return ""
	}
	// Only the directory matters here; RFC959-AII-PWD-257 judges the
	// reply's form.
	d, problem := harness.Parse257(r.Text())
	if problem == harness.Problem257NoQuote || problem == harness.Problem257Unterminated {
		failf("PWD: no quoted directory in %s", r)
	}
	return d
}

// virtualRoot logs in and reports the login directory and whether the
// server presents a virtual root ("/").
func virtualRoot(ctx context.Context) (*harness.Conn, string, bool) {
	c := login(ctx)
	home := workingDir(ctx, c)
	if path.Clean(home) != "/" {
		infof("the server does not present a virtual root: PWD after login is %q; only \"no host file is readable\" is judged", home)
		return c, home, false
	}
	return c, home, true
}
