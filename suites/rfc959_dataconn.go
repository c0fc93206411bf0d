package suites

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

func init() {
	NotCovered["RFC959-3.2-CLOSE-PORTCHANGE"] = "the same rule as RFC959-3.2-PORT-CHANGE-CLOSES, whose checks test it"
	NotCovered["RFC2428-4-EPSV-ALL-NEW-SESSION"] = "a rule for clients: the harness never reuses a session that sent EPSV ALL"
	NotCovered["RFC959-3.2-PORT-ONE-TRANSFER"] = "latitude, not a requirement: whether a PORT outlives one transfer is unspecified, so the harness sends PORT before every transfer"
}

// The life cycle of data connections (RFC 959 §3.2, §3.3, §5.4; RFC 1123
// §4.1.2.6, §4.1.2.12): PORT and PASV replies, the default data port, what
// happens to a data connection when the port changes or the transfer ends,
// and the order of events in active mode.
var _ = describe("Data connection life cycle (RFC 959 §3.2-§3.3, RFC 1123 §4.1.2)", Label("data"), func(r *Run) {
	r.Check("RFC959-3.2-425-ON-FAIL", "answers 425 when the data connection cannot be opened",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			mode := dcActiveMode(c)
			if mode == harness.EPRT {
				dcRequireEPRT(ctx, c)
			}
			dp := dcDeadPort(ctx, c)
			arg := harness.FormatEPRT(dp)
			if mode == harness.PORT {
				var err error
				arg, err = harness.FormatPORT(dp)
				ctx.must(err, "formatting PORT")
			}
			line := string(mode) + " " + arg
			r := cmd(ctx, c, line)
			switch {
			case r.Code == harness.ReplyCantOpenData:
				ctx.infof("%s: the server tried to connect at %s time and reported 425 at once", line, mode)
				return
			case harness.Class(r.Code) != 2:
				Skip(fmt.Sprintf("%s was refused (%s); RFC959-5.4-PORT-CODES judges that", line, r))
			}
			first, final := dcTransferNoData(ctx, c, "LIST")
			what := fmt.Sprintf("LIST after %s, where nothing listens", line)
			if final == nil {
				ctx.failf("%s: no completion reply (after %s)", what, first)
			}
			if harness.Class(final.Code) == 2 {
				ctx.failf("%s: the server reported success (%s) although it cannot have connected; RFC 959 §3.2 wants 425", what, final)
			}
			expectCode(ctx, what, final, nil, harness.ReplyCantOpenData)
		})

	Context("changing the port specification (RFC 959 §3.2: the server MUST close the data connection)", func() {
		r.Check("RFC959-3.2-PORT-CHANGE-CLOSES/connected", "closes a connected passive data connection when a new passive command replaces it",
			Label("pasv"), func(ctx *Ctx) {
				c := login(ctx)
				mode := ctx.defaultMode(c)
				d := openData(ctx, c, mode)
				defer d.Close()
				nc, err := d.Conn(ctx)
				ctx.must(err, "the %s data connection", mode)
				r := cmd(ctx, c, string(mode))
				expectCode(ctx, string(mode)+" (the second one)", r, nil, dcPassiveCode(mode))
				dcExpectClosed(ctx, nc, fmt.Sprintf("after a second %s (%s), the data connection to port %d of the first one", mode, r, d.Dialled.Port()))
			})

		r.Check("RFC959-3.2-PORT-CHANGE-CLOSES/listener", "stops listening on the old passive port when a new passive command replaces it",
			Label("pasv"), func(ctx *Ctx) {
				c := login(ctx)
				mode := ctx.defaultMode(c)
				d1 := openDataNoDial(ctx, c, mode)
				d2 := openDataNoDial(ctx, c, mode)
				if d1.Dialled.Port() == d2.Dialled.Port() {
					ctx.infof("the second %s reused port %d, so the old listener cannot be told from the new one", mode, d1.Dialled.Port())
					return
				}
				nc, err := c.DialData(ctx, d1.Dialled)
				if err != nil {
					return // refused: the old listener is gone
				}
				defer nc.Close()
				dcExpectClosed(ctx, nc, fmt.Sprintf("port %d of the replaced %s still accepted a connection, and it", d1.Dialled.Port(), mode))
			})

		r.Check("RFC959-3.2-PORT-CHANGE-CLOSES/to-active", "closes a connected passive data connection when PORT or EPRT replaces it",
			Label("pasv", "port"), func(ctx *Ctx) {
				c := login(ctx)
				am := dcActiveMode(c)
				if am == harness.EPRT {
					dcRequireEPRT(ctx, c)
				}
				mode := ctx.defaultMode(c)
				d := openData(ctx, c, mode)
				defer d.Close()
				nc, err := d.Conn(ctx)
				ctx.must(err, "the %s data connection", mode)
				d2, err := c.OpenData(ctx, am, harness.DataOptions{})
				defer d2.Close()
				if err != nil {
					ctx.failf("%s after %s: %v", am, mode, err)
				}
				dcExpectClosed(ctx, nc, fmt.Sprintf("after %s (%s), the data connection to port %d of the earlier %s", am, d2.Setup, d.Dialled.Port(), mode))
			})
	})

	for _, m := range []struct {
		slug    string
		passive bool
	}{{"passive", true}, {"active", false}} {
		r.Check("RFC959-3.2-CLOSE-EOF/"+m.slug, "closes the data connection after each stream-mode listing ("+m.slug+" mode)",
			Label(map[bool]string{true: "pasv", false: "port"}[m.passive]), func(ctx *Ctx) {
				c := login(ctx)
				mode := ctx.defaultMode(c)
				if !m.passive {
					mode = dcActiveMode(c)
					if mode == harness.EPRT {
						dcRequireEPRT(ctx, c)
					}
				}
				for _, line := range []string{"LIST", "NLST"} {
					t, err := transferIn(ctx, c, mode, line)
					ctx.must(err, "%s over %s", line, mode)
					if t.Final == nil || harness.Class(t.Final.Code) != 2 {
						ctx.failf("%s over %s: expected 125 or 150, then 226 or 250; got %s", line, mode, dcSummary(t))
					}
					if t.DataErr != nil || t.DataEOF.IsZero() {
						ctx.failf("%s over %s: the data connection did not end with the server closing it (%v); in stream mode the server MUST close it after the data (RFC 959 §3.2)", line, mode, t.DataErr)
					}
					if lag := t.EOFLag(); lag > ctx.cfg.Target.CloseGrace {
						ctx.failf("%s over %s: the server closed the data connection %s after its %s; in stream mode it MUST close it as soon as the data is sent (RFC 959 §3.2), and %s is the allowed lag", line, mode, lag.Round(time.Millisecond), t.Final, ctx.cfg.Target.CloseGrace)
					}
				}
			})
	}

	Context("the default data port: a transfer without PORT or PASV (RFC 959 §3.2)", func() {
		r.Check("RFC959-3.2-DEFAULT-PORTS", "connects to the client's control port for a transfer without PORT or PASV",
			Label("port"), func(ctx *Ctx) {
				if seen, ok := ctx.silenceSeen(exchangeDefaultPort); ok {
					ctx.warnf("the server does not support the default data port: %s; RFC 959 §3.2 says every implementation must support it (most servers no longer do)", seen)
					return
				}
				o := dcDefaultPortTransfer(ctx)
				l := o.Listener
				switch {
				case o.Connected && l.Below.IsValid() && o.At == l.Below:
					// RFC 959 §3.2: "The user-process default data port is
					// the same as the control connection port (i.e., U)."
					ctx.warnf("LIST without PORT or PASV: the server dialled port U-1 = %d instead of the client's control port U = %d, the user's default data port (RFC 959 §3.2); the replies were %s then %s", o.At.Port(), l.Addr.Port(), o.First, o.Final)
				case o.Connected:
					if o.DataErr != nil {
						ctx.failf("LIST without PORT or PASV: the server connected to %s, but the data connection failed: %v", o.At, o.DataErr)
					}
					if o.Final == nil || harness.Class(o.Final.Code) != 2 {
						ctx.failf("LIST without PORT or PASV: the server connected to %s, but the replies were %s then %s", o.At, o.First, o.Final)
					}
					ctx.infof("the default data connection came from %s (control port L = %d)", o.Source, o.Server.Port())
					if want := o.Server.Port() - 1; o.Source.Port() != want {
						ctx.warnf("the default data connection came from port %d, not from the server's default data port L-1 = %d (RFC 959 §3.2)", o.Source.Port(), want)
					}
				case o.Final != nil && harness.Class(o.Final.Code) == 2:
					ctx.failf("LIST without PORT or PASV: the server answered %s then %s, reporting success, but never connected to %s, the client's default data port (RFC 959 §3.2)", o.First, o.Final, l.Addr)
				default:
					ctx.warnf("the server does not support the default data port: LIST without PORT or PASV got %s; RFC 959 §3.2 says every implementation must support it (most servers no longer do)", o.Outcome())
				}
			})

		r.Check("RFC1123-4.1.2.12-DEFAULT-SAME-IP", "sends the default data connection to the control connection's address",
			Label("port"), func(ctx *Ctx) {
				if seen, ok := ctx.silenceSeen(exchangeDefaultPort); ok {
					Skip("no default data connection to judge: " + seen + " (RFC959-3.2-DEFAULT-PORTS reports it)")
				}
				o := dcDefaultPortTransfer(ctx)
				switch {
				case o.Connected && o.At.Addr() != o.Listener.Addr.Addr():
					ctx.failf("LIST without PORT or PASV: the server connected to %s, not to the control connection's address %s (RFC 1123 §4.1.2.12)", o.At, o.Listener.Addr.Addr())
				case o.Connected:
				default:
					Skip("no default data connection to judge: LIST without PORT or PASV got " + o.Outcome() + " (RFC959-3.2-DEFAULT-PORTS reports it)")
				}
			})
	})

	Context("PORT and PASV replies (RFC 959 §5.4)", func() {
		r.Check("RFC959-5.4-PORT-CODES/malformed", "answers malformed PORT arguments with 501",
			Label("port"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PORT)
				for _, arg := range []string{"1,2,3", "1,2,3,4", "300,1,1,1,1,1"} {
					r := cmd(ctx, c, "PORT "+arg)
					expectCode(ctx, "PORT "+arg+" (malformed)", r, nil, harness.ReplySyntaxErrorParams)
				}
			})

		r.Check("RFC959-5.4-PORT-CODES/before-login", "answers PORT before login with 530",
			Label("port"), func(ctx *Ctx) {
				c := connect(ctx)
				requireFamily(c, harness.PORT)
				arg, err := harness.FormatPORT(dcDeadPort(ctx, c))
				ctx.must(err, "formatting PORT")
				r := cmd(ctx, c, "PORT "+arg)
				expectCode(ctx, "PORT "+arg+" before login", r, nil, harness.ReplyNotLoggedIn)
			})

		r.Check("RFC959-5.3.2-PORT-ZERO-OCTETS", "accepts PORT arguments that contain zeros, as in h1,h2,h3,h4,p1,0",
			Label("port"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PORT)
				var d *harness.DataChannel
				var err error
				for i := range 8 {
					port := dcZeroBytePort(ctx, c, i)
					if port == 0 {
						break
					}
					d, err = c.Active(ctx, harness.PORT, harness.DataOptions{Port: port})
					if d != nil || err == nil {
						break
					}
				}
				if d == nil {
					Skip(fmt.Sprintf("no free local port whose low byte is 0 (%v)", err))
				}
				arg, _ := harness.FormatPORT(d.Listen)
				if err != nil {
					d.Close()
					var re *harness.ReplyError
					if errors.As(err, &re) {
						expectCode(ctx, "PORT "+arg+" (RFC 959's BNF says 1-255, but 0 is a valid octet of addresses and ports)", re.Reply, nil, harness.ReplyOK)
						return
					}
					ctx.failf("PORT %s: %v", arg, err)
				}
				t, err := c.Retrieve(ctx, d, "LIST")
				ctx.must(err, "LIST over PORT %s", arg)
				if t.DataErr != nil || t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
					ctx.failf("LIST over PORT %s: expected 125 or 150, then 226 or 250, with the listing on %s; got %s", arg, d.Listen, dcSummary(t))
				}
			})

		// RFC 959 gives PASV no argument ("PASV <CRLF>"), but no sentence
		// requires a server to refuse one: accepting it is information.
		// What fails is a reply §5.4 does not list for PASV ("227 / 500,
		// 501, 502, 421, 530").
		r.Check("RFC959-5.4-PASV-CODES/argument", "answers PASV with an argument with a reply RFC 959 §5.4 lists for PASV",
			Label("pasv"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PASV)
				r := cmd(ctx, c, "PASV extra")
				switch {
				case r.Code == harness.ReplyEnteringPassive:
					ctx.infof("PASV with an argument was accepted (%s); PASV takes none, and no text requires refusing it (501 would be the syntax-error reply)", r)
				case listedFor("PASV", r.Code):
				default:
					ctx.failf("%s", expectation("PASV extra (PASV takes no argument)", permitted["PASV"], r))
				}
			})

		r.Check("RFC959-5.4-PASV-CODES/before-login", "answers PASV before login with 530",
			Label("pasv"), func(ctx *Ctx) {
				c := connect(ctx)
				requireFamily(c, harness.PASV)
				r := cmd(ctx, c, "PASV")
				expectCode(ctx, "PASV before login", r, nil, harness.ReplyNotLoggedIn)
			})
	})

	Context("PORT is a promise for the next transfer (RFC 959 §4.1.2)", func() {
		r.Check("RFC959-4.1.2-PORT-SEMANTICS/retr", "connects to the address and port of the latest PORT for RETR",
			Label("port", "write"), func(ctx *Ctx) {
				c, name, want := withFixture(ctx, 16<<10)
				requireFamily(c, harness.PORT)
				download(ctx, c, harness.PORT, "LIST")
				t := download(ctx, c, harness.PORT, "RETR "+name)
				if !bytes.Equal(t.Data, want) {
					ctx.failf("RETR %s over a second PORT: %s", name, firstDiff(t.Data, want))
				}
				checkSourceAddress(ctx, c, harness.PORT, t.Source)
			})

		r.Check("RFC959-4.1.2-PORT-SEMANTICS/stor", "connects to the address and port of the latest PORT for STOR",
			Label("port", "write"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PORT)
				scratch(ctx, c)
				download(ctx, c, harness.PORT, "LIST")
				data := binaryFixture(24 << 10)
				upload(ctx, c, harness.PORT, "port.bin", data)
				t := download(ctx, c, ctx.defaultMode(c), "RETR port.bin")
				if !bytes.Equal(t.Data, data) {
					ctx.failf("STOR over a second PORT, then RETR: the file differs from the %d bytes sent: %s", len(data), firstDiff(t.Data, data))
				}
			})
	})

	r.Check("RFC959-5.4-XFER-PRELIM/active-order", "in active mode, connects for the transfer command and sends the data after its preliminary reply",
		Label("port", "write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 16<<10)
			mode := dcActiveMode(c)
			if mode == harness.EPRT {
				dcRequireEPRT(ctx, c)
			}
			d, err := c.OpenData(ctx, mode, harness.DataOptions{})
			if err != nil {
				d.Close()
				ctx.failf("%s: %v", mode, err)
			}
			early := d.ConnectedWithin(ctx, dcQuietWindow(ctx))
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR over %s", mode)
			if t.Prelim == nil {
				ctx.failf("RETR over %s: expected 125 or 150 before the data, then 226 or 250; got %s with no preliminary reply", mode, dcSummary(t))
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("RETR over %s: expected 125 or 150, then 226 or 250; got %s", mode, dcSummary(t))
			}
			if !bytes.Equal(t.Data, want) {
				ctx.failf("RETR over %s: %s", mode, firstDiff(t.Data, want))
			}
			if !t.DataEOF.IsZero() {
				if lead := t.Prelim.Received.Sub(t.DataEOF); lead > ctx.cfg.Target.CloseGrace {
					ctx.failf("RETR over %s: all %d bytes had arrived and the server had closed the data connection %s before its preliminary reply %s; the data moves only after the 1yz reply (RFC 959 §5.4)", mode, len(t.Data), lead.Round(time.Millisecond), t.Prelim)
				}
			}
			if early {
				ctx.warnf("the server connected to %s right after %s, before any transfer command; RFC 959 §3.2 has the server initiate the data connection upon receiving the transfer request (its preliminary reply was %s)", d.Listen, mode, t.Prelim)
			}
		})
})

// dcPassiveCode is the success code of a passive-mode command.
func dcPassiveCode(mode harness.DataMode) int {
	if mode == harness.EPSV {
		return harness.ReplyEnteringEPSV
	}
	return harness.ReplyEnteringPassive
}

// dcExpectClosed fails unless the server closes nc within CloseGrace, with
// no data on it. what describes the connection ("... was still open").
func dcExpectClosed(ctx *Ctx, nc net.Conn, what string) {
	pc := harness.WaitPeerClose(ctx, nc, ctx.cfg.Target.CloseGrace)
	switch {
	case len(pc.Data) > 0:
		ctx.failf("%s delivered %d bytes, although no transfer was under way", what, len(pc.Data))
	case !pc.Closed:
		ctx.failForCause(findingPortChangeKeeps, "%s was still open %s later; RFC 959 §3.2: the server MUST close the data connection when the port specification changes", what, ctx.cfg.Target.CloseGrace)
	}
}

// dcTransferNoData sends a transfer command whose data connection
// cannot be made and returns its replies: the first and, after a 1yz, the
// completion reply (nil if none came in time).
func dcTransferNoData(ctx *Ctx, c *harness.Conn, line string) (first, final *harness.Reply) {
	first = cmd(ctx, c, line)
	final, _ = c.Completion(ctx, first)
	return first, final
}

// dcDefaultPortTransfer logs in on a control connection whose local port U
// the harness also listens on and sends LIST without any data command
// (RFC 959 §3.2); harness.DefaultPortListener.Transfer observes it.
func dcDefaultPortTransfer(ctx *Ctx) *harness.DefaultPortTransfer {
	c, l, err := harness.DialDefaultPort(ctx, ctx.cfg.Target, ctx.transcript())
	if errors.Is(err, harness.ErrDefaultPortUnsupported) {
		Skip(err.Error())
	}
	if _, isDial := isUnreachable(err); err != nil && !isDial {
		// A local socket problem (the port already taken here) says
		// nothing about the server: the check is inconclusive.
		Skip("inconclusive: the harness could not listen on its own control port: " + err.Error())
	}
	ctx.must(err, "opening a control connection that also listens on its own port")
	DeferCleanup(c.Close)
	DeferCleanup(l.Close)
	_, err = c.ReadGreeting(ctx)
	ctx.must(err, "reading the greeting")
	if err := c.Secure(ctx); harness.RacedAuth(err) {
		blocked(checkAuthTLS, fmt.Sprintf("AUTH TLS raced (%v)", err))
	} else {
		ctx.must(err, "AUTH TLS")
	}
	ctx.must(c.Login(ctx), "logging in as %q", ctx.cfg.Target.User)
	o, err := l.Transfer(ctx, "LIST", dcQuietWindow(ctx))
	ctx.must(err, "LIST")
	if o.Silent {
		// Nothing connected and no completion reply: the other check of
		// the default port need not wait for it again.
		ctx.noteSilence(exchangeDefaultPort, o.Outcome())
	}
	return o
}
