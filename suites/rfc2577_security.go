package suites

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

func init() {
	NotCovered["RFC2577-3-DISABLE-PORT"] = "a permission, not a duty; a server without PORT is judged by the active-mode checks (PORT is in RFC 1123's minimum implementation)"
	NotCovered["RFC2577-5-OS-MECHANISMS"] = "how the server uses the operating system's lockout (PAM and the like) cannot be seen over FTP; RFC2577-5-ATTEMPT-LIMIT judges the effect"
	NotCovered["RFC2577-5-PARALLEL"] = "a permission with denial-of-service trade-offs; judging it needs the site's per-address connection limit, which the harness is not given, and probing could lock the harness out"
}

// The precautions of RFC 2577 (FTP Security Considerations). RFC 2577 is
// informational: its suggestions are SHOULD-level, so a server that misses
// one earns a warning (a failure with --strict).

var _ = describe("Bounce attacks (RFC 2577 §2-3)", Label("security", "port"), func(r *Run) {
	foreign := func(ctx *Ctx, mode harness.DataMode) {
		c := login(ctx)
		requireFamily(c, mode)
		second := requireSecondAddress(ctx, c)
		what := fmt.Sprintf("%s naming %s, an address other than the client's %s,", mode, second, c.LocalAddr().Addr())
		d, err := c.OpenData(ctx, mode, harness.DataOptions{Listen: second})
		if err != nil {
			d.Close()
			if d == nil || d.Setup == nil {
				Skip(fmt.Sprintf("cannot try %s: %v", what, err))
			}
			judgeRefusal(ctx, what, d.Setup, 0)
			return
		}
		DeferCleanup(d.Close)
		judgeActiveAcceptance(ctx, c, what, d)
	}
	r.Check("RFC2577-2-FOREIGN-ADDR-REFUSE/port", "refuses PORT naming an address other than the client's",
		func(ctx *Ctx) { foreign(ctx, harness.PORT) })
	r.Check("RFC2577-2-FOREIGN-ADDR-REFUSE/eprt", "refuses EPRT naming an address other than the client's",
		func(ctx *Ctx) { foreign(ctx, harness.EPRT) })

	lowPort := func(ctx *Ctx, mode harness.DataMode) {
		c := login(ctx)
		requireFamily(c, mode)
		// Nothing listens there: the harness never binds a privileged port.
		target := netip.AddrPortFrom(c.LocalAddr().Addr(), 1023)
		arg := harness.FormatEPRT(target)
		if mode == harness.PORT {
			var err error
			arg, err = harness.FormatPORT(target)
			ctx.must(err, "PORT argument")
		}
		line := string(mode) + " " + arg
		r, err := c.Cmd(ctx, line)
		ctx.must(err, "%s", line)
		if judgeRefusal(ctx, line+" (port 1023, below 1024)", r, harness.ReplyNotImplParam) {
			ctx.failf("%s was accepted with %s: the server would connect to privileged port 1023 (RFC 2577 §3: refuse ports below 1024, suggested reply 504)", line, r)
		}
	}
	r.Check("RFC2577-3-LOWPORT-REFUSE/port", "refuses PORT naming a port below 1024",
		func(ctx *Ctx) { lowPort(ctx, harness.PORT) })
	r.Check("RFC2577-3-LOWPORT-REFUSE/eprt", "refuses EPRT naming a port below 1024",
		func(ctx *Ctx) { lowPort(ctx, harness.EPRT) })

	r.Check("RFC2577-3-NONTCP", "refuses EPRT naming an address of the other network protocol",
		func(ctx *Ctx) {
			c := login(ctx)
			local := c.LocalAddr().Addr()
			other := netip.MustParseAddr("::1")
			if local.Is6() {
				other = netip.MustParseAddr("127.0.0.1")
				// Another IPv6 address too; nothing can be observed there,
				// so only the acceptance is judged and no transfer follows.
				line := "EPRT " + harness.FormatEPRT(netip.MustParseAddrPort("[2001:db8::2]:2000"))
				r, err := c.Cmd(ctx, line)
				ctx.must(err, "%s", line)
				if judgeRefusal(ctx, line+" (another IPv6 host)", r, 0) {
					ctx.failf("%s was accepted with %s: the server would connect to another host (RFC 2577 §3 applies to EPRT as to PORT)", line, r)
				}
			}
			what := fmt.Sprintf("EPRT naming %s (the other network protocol; the control connection is from %s)", other, local)
			d, err := c.OpenData(ctx, harness.EPRT, harness.DataOptions{Listen: other})
			if err != nil {
				d.Close()
				if d == nil || d.Setup == nil {
					// No listener on the other family here: send the
					// command anyway and judge only the reply.
					line := "EPRT " + harness.FormatEPRT(netip.AddrPortFrom(other, 2000))
					r, err := c.Cmd(ctx, line)
					ctx.must(err, "%s", line)
					if judgeRefusal(ctx, line, r, 0) {
						ctx.failf("%s was accepted with %s: a data connection to another address (RFC 2577 §3)", line, r)
					}
					return
				}
				judgeRefusal(ctx, what, d.Setup, 0)
				return
			}
			DeferCleanup(d.Close)
			judgeActiveAcceptance(ctx, c, what, d)
		})
})

var _ = describe("Data connections from other hosts (RFC 2577 §4, §8)", Label("security", "pasv"), func(r *Run) {
	r.Check("RFC2577-4-CHECK-DATA-PEER", "serves a passive transfer only to the client's address, not to a connection from another host",
		Label("write"), Needs(harness.CapRETR),
		func(ctx *Ctx) {
			c := login(ctx)
			second := requireSecondAddress(ctx, c)
			scratch(ctx, c)
			mode := ctx.defaultMode(c)
			name, data := "fixture.bin", binaryFixture(64<<10)
			upload(ctx, c, mode, name, data)
			d, err := c.OpenData(ctx, mode, harness.DataOptions{NoDial: true})
			if err != nil {
				ctx.failf("%s", diagnoseDataSetup(mode, d, err))
			}
			thief, err := dialFrom(ctx, c, second, d.Dialled)
			var stolen, mine *harness.DataSink
			if err != nil {
				ctx.infof("the passive port refused a connection from %s: %v", second, err)
			} else {
				stolen = harness.SinkData(ctx, thief)
			}
			own, err := dialFrom(ctx, c, c.LocalAddr().Addr(), d.Dialled)
			if err != nil {
				ctx.infof("after the connection from %s the passive port refused the client: %v", second, err)
			} else {
				mine = harness.SinkData(ctx, own)
			}
			ctx.must(c.Send(ctx, "RETR "+name), "RETR %s", name)
			o, err := c.ReadOutcome(ctx, nil)
			ctx.must(err, "RETR %s after a connection from %s to the passive port", name, second)
			got := stolen.Finish(ctx, ctx.cfg.Target.CloseGrace)
			legit := mine.Finish(ctx, ctx.cfg.Target.CloseGrace)
			if len(got) > 0 {
				ctx.failf("a connection to the passive port from %s (not the client's address %s) received %d bytes of %s; replies %s: the server must check the data connection's peer (RFC 2577 §4, port stealing)", second, c.LocalAddr().Addr(), len(got), name, o)
			}
			warnUnsolicited(ctx, o)
			switch {
			case o.Final == nil:
				ctx.failf("RETR %s: no completion reply", name)
			case harness.Class(o.Final.Code) == 2:
				if string(legit) != string(data) {
					ctx.failf("RETR %s completed with %s, but the client's own connection received %d of %d bytes (%s)", name, o.Final, len(legit), len(data), firstDiff(legit, data))
				}
			case harness.Class(o.Final.Code) == 4 || harness.Class(o.Final.Code) == 5:
				// A refusal meets §4 ("the server should confirm that the
				// network address ... of both the control connection and
				// the data connection" match), whatever code it uses;
				// RFC2577-4-UPLOAD-HIJACK judges uploads the same way.
				ctx.infof("the server refused the transfer with %s after the connection from %s", o.Final, second)
			default:
				ctx.warnf("RETR %s after a connection from %s: expected the transfer to complete or to fail with 425; got %s", name, second, o)
			}
		})

	r.Check("RFC2577-4-UPLOAD-HIJACK", "stores only the client's data when another host connects to the passive port first",
		Label("write"), Needs(harness.CapSTOR),
		func(ctx *Ctx) {
			c := login(ctx)
			second := requireSecondAddress(ctx, c)
			home := pwdPath(ctx, c)
			dir := joinPath(home, scratch(ctx, c))
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			name, data := "upload.bin", binaryFixture(16<<10)
			evil := []byte(harness.UniqueName("INJECTED-BY-ANOTHER-HOST") + "\n")
			mode := ctx.defaultMode(c)
			d, err := c.OpenData(ctx, mode, harness.DataOptions{NoDial: true})
			if err != nil {
				ctx.failf("%s", diagnoseDataSetup(mode, d, err))
			}
			if thief, err := dialFrom(ctx, c, second, d.Dialled); err != nil {
				ctx.infof("the passive port refused a connection from %s: %v", second, err)
			} else {
				ctx.transcript().Notef(c.Name(), "data: the other client (%s) writes %d bytes", thief.LocalAddr(), len(evil))
				_ = thief.SetWriteDeadline(time.Now().Add(ctx.cfg.Target.ReplyTimeout))
				_, _ = thief.Write(evil)
				if tc, ok := thief.(interface{ CloseWrite() error }); ok {
					_ = tc.CloseWrite()
				}
			}
			own, ownErr := dialFrom(ctx, c, c.LocalAddr().Addr(), d.Dialled)
			if ownErr != nil {
				ctx.infof("after the connection from %s the passive port refused the client: %v", second, ownErr)
			}
			ctx.must(c.Send(ctx, "STOR "+name), "STOR %s", name)
			o, err := c.ReadOutcome(ctx, func() {
				// The preliminary reply came: send the file, end it with EOF.
				if ownErr == nil {
					_ = own.SetWriteDeadline(time.Now().Add(ctx.cfg.Target.DataTimeout))
					n, err := own.Write(data)
					ctx.transcript().Notef(c.Name(), "data: sent %d bytes%s, closing", n, harness.ErrSuffix("; ", err))
					own.Close()
				}
			})
			ctx.must(err, "STOR %s after a connection from %s to the passive port", name, second)
			if o.Final == nil {
				ctx.failf("STOR %s: no completion reply; replies %s", name, o)
			}
			warnUnsolicited(ctx, o)
			// RFC 2577 §4: "the server should confirm that the network
			// address of the remote hosts on both the control connection
			// and the data connection are within the organization". A
			// server that refuses the upload has done that, whatever it
			// does next (ftp-srv answers 550 and then ends the session
			// with 421): look at the file from a fresh session and judge
			// only whether foreign bytes were stored.
			if harness.Class(o.Final.Code) != 2 {
				c2 := login(ctx)
				t, err := transferIn(ctx, c2, ctx.defaultMode(c2), "RETR "+joinPath(dir, name))
				if err == nil && t.Final != nil && harness.Class(t.Final.Code) == 2 && strings.Contains(string(t.Data), strings.TrimSpace(string(evil))) {
					ctx.failf("STOR %s was refused (%s), yet the file holds the bytes another host (%s) sent to the passive port (RFC 2577 §4)", name, o, second)
				}
				ctx.infof("the server refused the upload after a connection from %s to the passive port: %s; nothing foreign was stored (RFC 2577 §4 met)", second, o)
				return
			}
			resync(ctx, c)
			// The upload completed: look at what the file holds now.
			t, err := transferIn(ctx, c, mode, "RETR "+name)
			ctx.must(err, "RETR %s after the upload", name)
			stored := t.Final != nil && harness.Class(t.Final.Code) == 2
			if stored && strings.Contains(string(t.Data), strings.TrimSpace(string(evil))) {
				ctx.failf("the stored %s contains the bytes another host (%s) sent to the passive port: a foreign host can inject data into an upload (RFC 2577 §4); STOR got %s", name, second, o)
			}
			switch {
			case !stored:
				ctx.failf("STOR %s completed with %s, but RETR %s then got %s", name, o.Final, name, t.ReplyChain())
			case string(t.Data) != string(data):
				ctx.failf("STOR %s completed with %s, but the stored file differs from what the client sent: %s", name, o.Final, firstDiff(t.Data, data))
			}
		})

	r.Check("RFC2577-8-RANDOM-PORTS", "hands out passive ports in no guessable sequence",
		Serial, func(ctx *Ctx) {
			c := login(ctx)
			mode := ctx.defaultMode(c)
			n := max(ctx.cfg.Samples, 10)
			var ports []int
			for range n {
				d, err := c.OpenData(ctx, mode, harness.DataOptions{NoDial: true})
				if err != nil {
					ctx.failf("%s", diagnoseDataSetup(mode, d, err))
				}
				ports = append(ports, int(d.Advertised.Port()))
				d.Close()
			}
			ctx.infof("%d %s replies advertised ports %v", n, mode, ports)
			steps := map[int]int{}
			for i := 1; i < len(ports); i++ {
				if s := ports[i] - ports[i-1]; s != 0 {
					steps[s]++
				}
			}
			best, count := 0, 0
			for s, k := range steps {
				if k > count {
					best, count = s, k
				}
			}
			if diffs := len(ports) - 1; diffs >= 3 && 4*count >= 3*diffs {
				ctx.failf("%d of %d successive %s ports differ by the same step %+d (%v): the next port can be guessed; RFC 2577 §8 suggests choosing passive ports at random", count, diffs, mode, best, ports)
			}
		})
})

// The checks of failed logins read the shared login probe (see
// helpers_logins.go); they run last, so that its delays overlap the other
// checks.
var _ = describe("Password guessing (RFC 2577 §5)", Label("security", "login"), SpecPriority(-1), func(r *Run) {
	r.probeCheck("RFC2577-5-FAIL-DELAY", "answers a wrong password noticeably later than a right one", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f := &res.Failures
			if f.Problem != "" || len(f.Answered()) == 0 {
				Skip("no wrong password could be timed: " + orNone(f.Problem))
			}
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			expectCode(ctx, "USER "+ctx.cfg.Target.User, r, err, harness.ReplyNeedPassword)
			start := time.Now()
			r, err = c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
			good := time.Since(start)
			expectCode(ctx, "PASS with the right password", r, err, harness.ReplyLoggedIn, harness.ReplySuperfluous)
			bad := f.Answered()[0].Took
			ctx.infof("the first wrong password was answered after %s (%s), the right one after %s", harness.Millis(bad), f.Answered()[0].Pass, harness.Millis(good))
			if bad < good+500*time.Millisecond {
				ctx.failf("a wrong password was answered after %s and the right one after %s: no deliberate delay before the 530 (RFC 2577 §5 suggests about 5 s)", harness.Millis(bad), harness.Millis(good))
			}
		})

	r.probeCheck("RFC2577-5-DELAY", "waits at least a second before answering a wrong password", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f := &res.Failures
			answered := f.Answered()
			if f.Problem != "" || len(answered) == 0 {
				Skip("no wrong password could be timed: " + orNone(f.Problem))
			}
			var ds []string
			var took []time.Duration
			for _, a := range answered {
				took = append(took, a.Took)
				ds = append(ds, harness.Millis(a.Took))
			}
			m := harness.Median(took)
			ctx.infof("wrong passwords were answered after %s (median %s)", strings.Join(ds, ", "), harness.Millis(m))
			if m < time.Second {
				ctx.failf("wrong passwords were answered after a median of %s (%s): below 1 s, password guessing is cheap (RFC 2577 §5 suggests about 5 s)", harness.Millis(m), strings.Join(ds, ", "))
			}
		})

	r.probeCheck("RFC2577-5-ATTEMPT-LIMIT", "closes the control connection after a few wrong passwords", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f := &res.Failures
			if f.Problem != "" {
				Skip("the series of wrong passwords says nothing: " + f.Problem)
			}
			n := len(f.Attempts)
			switch {
			case f.SlowedDown:
				Skip(fmt.Sprintf("wrong password %d got no reply within %s: the server slows guessing down so much that no lockout could be observed", n+1, ctx.cfg.Target.ReplyTimeout))
			case !f.Closed && f.Left421Open:
				ctx.warnf("after %d wrong passwords the server answered %s but left the connection open", n, f.Last)
			case !f.Closed:
				ctx.failf("after %d wrong passwords on one connection the server still answers (last %s): no limit on attempts (RFC 2577 §5 suggests closing after 3-5)", n, f.Last)
			case n > 5:
				ctx.failf("the server closed the connection only after %d wrong passwords (RFC 2577 §5 suggests 3-5)", n)
			default:
				ctx.infof("the server closed the connection after %d wrong passwords", n)
			}
		})

	r.probeCheck("RFC2577-5-421-BEFORE-CLOSE", "sends 421 before it closes the connection for too many wrong passwords", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f := &res.Failures
			if f.Problem != "" {
				Skip("the series of wrong passwords says nothing: " + f.Problem)
			}
			if !f.Closed && !f.Left421Open {
				Skip(fmt.Sprintf("the server did not close the connection after %d wrong passwords, so there is no lockout to judge", len(f.Attempts)))
			}
			n := len(f.Attempts)
			switch {
			case f.Unanswered:
				ctx.failf("the server closed the connection after wrong password %d without answering it; RFC 2577 §5: it must send 421 before closing", n)
			case f.Last == nil:
				ctx.failf("the server closed the connection without a reply; RFC 2577 §5: it must send 421 before closing")
			case f.Last.Code == harness.ReplyServiceUnavailable:
				ctx.infof("after %d wrong passwords: %s, then the connection closed", n, f.Last)
			case f.Last.Code == harness.ReplyNotLoggedIn:
				ctx.warnf("after %d wrong passwords the server answered %s and closed the connection; RFC 2577 §5 says to send 421 before closing (most servers send 530)", n, f.Last)
			default:
				ctx.failf("after %d wrong passwords the last reply before the close was %s; RFC 2577 §5: 421", n, f.Last)
			}
		})
})

var _ = describe("Account names (RFC 2577 §7)", Label("security", "login"), SpecPriority(-1), func(r *Run) {
	r.Check("RFC2577-7-USER-331", "answers USER of a name without an account with 331",
		func(ctx *Ctx) {
			c := connect(ctx)
			name := harness.UniqueName("nosuchuser")
			r, err := c.Cmd(ctx, "USER "+name)
			expectCode(ctx, "USER "+name+" (no such account; RFC 2577 §7: answer 331 for every name)", r, err, harness.ReplyNeedPassword)
		})

	r.Check("RFC2577-7-SAME-USER-REPLY", "answers USER the same for an existing and an unknown account",
		func(ctx *Ctx) {
			name := harness.UniqueName("nosuchuser")
			known, err := connect(ctx).Cmd(ctx, "USER "+ctx.cfg.Target.User)
			ctx.must(err, "USER %s", ctx.cfg.Target.User)
			unknown, err := connect(ctx).Cmd(ctx, "USER "+name)
			ctx.must(err, "USER %s", name)
			if known.Code == harness.ReplyLoggedIn {
				Skip(fmt.Sprintf("USER %s logs in without a password (%s), so its reply differs by nature", ctx.cfg.Target.User, known))
			}
			if known.Code != unknown.Code {
				ctx.failf("USER %s got %s but USER %s (no such account) got %s: the reply tells which accounts exist (RFC 2577 §7: 331 for every name, refuse after PASS)", ctx.cfg.Target.User, known, name, unknown)
			}
			if !sameText(known, unknown, ctx.cfg.Target.User, name) {
				ctx.warnf("USER %s got %s and USER %s (no such account) got %s: the same code, but the texts differ beyond the name", ctx.cfg.Target.User, known, name, unknown)
			}
		})

	r.probeCheck("RFC2577-7-SAME-PASS-REPLY", "refuses PASS the same way for an unknown account and a wrong password", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f, u := &res.Failures, &res.Unknown
			if f.Problem != "" || len(f.Answered()) == 0 {
				Skip("no wrong password for the real account could be sent: " + orNone(f.Problem))
			}
			if u.Problem != "" {
				Skip(u.Problem)
			}
			wrong := f.Answered()[0].Pass
			if wrong.Code != u.Pass.Code {
				ctx.failf("a wrong password for %s got %s, PASS for %s (no such account) got %s: the code tells which accounts exist (RFC 2577 §7)", ctx.cfg.Target.User, wrong, u.Name, u.Pass)
			}
			if !sameText(wrong, u.Pass, ctx.cfg.Target.User, u.Name) {
				ctx.warnf("a wrong password for %s got %s, PASS for %s (no such account) got %s: the texts differ", ctx.cfg.Target.User, wrong, u.Name, u.Pass)
			}
		})

	// RFC 2577 §7 asks only "that a server always return 331 to the USER
	// command and then reject the combination of username and password
	// for an invalid username" (RFC2577-7-USER-331, -SAME-PASS-REPLY).
	// Equal timing goes beyond that text: MAY (requirements.tsv), one
	// sample each, reported with the figures.
	r.probeCheck("RFC2577-7-TIMING", "takes as long to refuse an unknown account as a wrong password", nil, false,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			f, u := &res.Failures, &res.Unknown
			if f.Problem != "" || len(f.Answered()) == 0 {
				Skip("no wrong password for the real account could be timed: " + orNone(f.Problem))
			}
			if u.Problem != "" {
				Skip(u.Problem)
			}
			wrong := f.Answered()[0].Took
			ctx.infof("wrong password for %s: %s after %s; unknown account %s: %s after %s", ctx.cfg.Target.User, f.Answered()[0].Pass, harness.Millis(wrong), u.Name, u.Pass, harness.Millis(u.Took))
			lo, hi := min(wrong, u.Took), max(wrong, u.Took)
			// One sample each: only a gross difference is a finding (servers
			// randomise their delays).
			if hi-lo > 500*time.Millisecond && 3*lo < hi {
				ctx.failf("refusing a wrong password for %s took %s, refusing %s (no such account) took %s: the delay may tell which accounts exist (beyond RFC 2577 §7's text, which asks only for the same replies)", ctx.cfg.Target.User, harness.Millis(wrong), u.Name, harness.Millis(u.Took))
			}
		})

	r.Check("RFC2577-7-NO-LEAK-OTHER", "answers pathname commands before login the same for existing and unknown accounts",
		func(ctx *Ctx) {
			name := harness.UniqueName("nosuchuser")
			c := connect(ctx)
			for _, f := range []string{"STAT ~%s", "MLST /home/%s", "SIZE ~%s"} {
				lk, lu := fmt.Sprintf(f, ctx.cfg.Target.User), fmt.Sprintf(f, name)
				rk, err := c.Cmd(ctx, lk)
				ctx.must(err, "%s", lk)
				ru, err := c.Cmd(ctx, lu)
				ctx.must(err, "%s", lu)
				if harness.Class(rk.Code) == 2 || harness.Class(ru.Code) == 2 {
					ctx.infof("before login %s got %s and %s got %s", lk, rk, lu, ru)
				}
				if rk.Code != ru.Code {
					ctx.failf("before login %s got %s but %s (no such account) got %s: the reply tells which accounts exist (RFC 2577 §7)", lk, rk, lu, ru)
				} else if !sameText(rk, ru, ctx.cfg.Target.User, name) {
					ctx.warnf("before login %s got %s and %s (no such account) got %s: the texts differ beyond the name", lk, rk, lu, ru)
				}
			}
		})
})

var _ = describe("Anonymous access and dangerous features (RFC 2577 §9)", Label("security"), SpecPriority(-1), func(r *Run) {
	r.probeCheck("RFC2577-9-ANON-LIMITS", "refuses writes to anonymous users", []string{"write"}, true,
		func(ctx *Ctx) {
			res := ctx.awaitLoginProbe()
			a := res.Anon
			if !a.Tried {
				a = connect(ctx).TryAnonymous(ctx)
			}
			if a.Problem != "" {
				ctx.failf("trying the anonymous login: %s", a.Problem)
			}
			if !a.Enabled {
				ctx.infof("anonymous login is refused: USER anonymous got %s, PASS got %s", a.User, a.Pass)
				return
			}
			ctx.infof("anonymous login is enabled: USER anonymous got %s, PASS <e-mail address> got %s", a.User, a.Pass)
			c := connect(ctx)
			if again := c.TryAnonymous(ctx); again.Problem != "" {
				ctx.failf("logging in as anonymous again: %s", again.Problem)
			} else if !again.Enabled {
				last := again.User
				if again.Pass != nil {
					last = again.Pass
				}
				ctx.failf("the anonymous login worked once but not again: %s", last)
			}
			var allowed []string
			dir := harness.UniqueName("ftpconform-anon")
			if r := cmd(ctx, c, "MKD "+dir); harness.Class(r.Code) == 2 {
				allowed = append(allowed, fmt.Sprintf("MKD %s got %s", dir, r))
				if r := cmd(ctx, c, "RMD "+dir); harness.Class(r.Code) != 2 {
					ctx.removeAfter(dir)
				}
			}
			file := dir + ".txt"
			t, err := transferOut(ctx, c, ctx.defaultMode(c), "STOR "+file, []byte("written by ftpconform as anonymous\r\n"))
			if err == nil && t.Final != nil && harness.Class(t.Final.Code) == 2 {
				allowed = append(allowed, fmt.Sprintf("STOR %s got %s", file, t.ReplyChain()))
				if r := cmd(ctx, c, "DELE "+file); harness.Class(r.Code) == 2 {
					allowed = append(allowed, fmt.Sprintf("DELE %s got %s", file, r))
				} else {
					ctx.removeAfter(file)
				}
			}
			if len(allowed) > 0 {
				ctx.failf("anonymous users may write: %s (RFC 2577 §9: anonymous users must not create files unless explicitly allowed)", strings.Join(allowed, "; "))
			}
		})

	dangerous := func(ctx *Ctx, lines []string, finding string) {
		judge := func(c *harness.Conn, when string) {
			for _, line := range lines {
				r, err := c.Cmd(ctx, line)
				if err != nil {
					if harness.ConnClosed(err) {
						ctx.infof("%s %s: the server closed the connection", line, when)
						return
					}
					ctx.failf("%s %s: %v", line, when, err)
				}
				switch harness.Class(r.Code) {
				case 5:
				case 4:
					ctx.warnf("%s %s: expected a 5yz refusal; got %s", line, when, r)
				default:
					ctx.failf("%s %s got %s: %s (RFC 2577 §9)", line, when, r, finding)
				}
			}
		}
		judge(connect(ctx), "before login")
		judge(login(ctx), "after login")
	}
	// Both probes would run something on the server's host, or copy a
	// file, were the server to accept them: labelled "write", they are not
	// sent in a read-only run.
	r.Check("RFC2577-9-SITE-EXEC", "refuses SITE EXEC and SITE CPFR",
		Label("write"), func(ctx *Ctx) {
			dangerous(ctx, []string{"SITE EXEC id", "SITE CPFR /etc/passwd"}, "commands or file copies on the server's host are available to clients")
		})
	r.Check("RFC2577-9-DEBUG", "refuses the debug commands XDBG and SITE DEBUG",
		Label("write"), func(ctx *Ctx) {
			dangerous(ctx, []string{"XDBG", "SITE DEBUG"}, "a debug feature is enabled")
		})
})

// orNone returns s, or "no reason recorded".
func orNone(s string) string {
	if s == "" {
		return "no reply was timed"
	}
	return s
}
