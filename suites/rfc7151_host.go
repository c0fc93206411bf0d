package suites

import (
	"fmt"
	"net/netip"
	"strconv"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Virtual hosts: the HOST command (RFC 7151). Every check but the one
// that judges the 220 first finds out, on a connection of its own, whether
// the server implements HOST; a server without it skips them.

// keyHost220 judges the reply to HOST with the server's own name, and a
// HOST that FEAT lists but the server does not implement.
const keyHost220 = "RFC7151-3.1-HOST-220"

// selfHost is the hostname of the server as the run was told it: what a
// client sends with HOST (RFC 7151 §3.1).
func selfHost(ctx *Ctx) string { return harness.HostArgument(ctx.cfg.Target.Host) }

// serverAddr is the address of the server's end of c.
func serverAddr(c *harness.Conn) netip.Addr { return c.RemoteAddr().Addr().Unmap() }

// requireHost opens a connection and sends HOST with the server's own
// name before login. A server that does not implement HOST (500, 502)
// skips the check. It returns the connection and the reply; a check that
// judges another HOST sends it on a connection of its own, so that it is
// no second HOST (RFC7151-3-HOST-REPEAT judges those).
func requireHost(ctx *Ctx) (*harness.Conn, *harness.Reply) {
	c := hostConnect(ctx)
	line := "HOST " + selfHost(ctx)
	r := cmd(ctx, c, line)
	if hostAbsent(r) {
		if advertised(ctx).Has("HOST") {
			Skip(fmt.Sprintf("FEAT lists HOST, but %s got %s: %s judges it", line, r, keyHost220))
		}
		Skip(fmt.Sprintf("HOST is not implemented: %s got %s", line, r))
	}
	return c, r
}

// hostConnect opens a connection for HOST: before AUTH TLS in a run with
// explicit TLS, since HOST comes first so that the server can present the
// virtual host's certificate (RFC 7151 §3.2.2 and §4); a server may
// refuse HOST inside TLS with 503.
func hostConnect(ctx *Ctx) *harness.Conn {
	if ctx.cfg.Target.TLS != harness.TLSExplicit {
		return connect(ctx)
	}
	c, _, err := harness.ConnectClear(ctx, ctx.cfg.Target, ctx.transcript())
	if err != nil {
		ctx.failConnect(err)
		ctx.failf("cannot open a control connection to %s: %v", ctx.cfg.Target.Addr(), err)
	}
	DeferCleanup(c.Close)
	return c
}

// hostLogin logs in on a connection from hostConnect: AUTH TLS first in a
// run with explicit TLS, then Login.
func hostLogin(ctx *Ctx, c *harness.Conn) error {
	if err := c.Secure(ctx); err != nil {
		return err
	}
	return c.Login(ctx)
}

// hostAbsent reports whether r, the reply to HOST before login, says the
// server does not implement HOST: 500, 502, 202, or 530, the answer of a
// server that wants a login before any command it does not know (HOST
// exists to come before the login, so no implementation asks for one).
func hostAbsent(r *harness.Reply) bool {
	return notImplemented(r) || r.Code == harness.ReplySuperfluous || r.Code == harness.ReplyNotLoggedIn
}

// requireHost220 is requireHost for the checks that need the HOST with
// the server's own name to succeed.
func requireHost220(ctx *Ctx) *harness.Conn {
	c, r := requireHost(ctx)
	if r.Code != harness.ReplyServiceReady {
		Skip(fmt.Sprintf("HOST %s got %s, not 220: %s judges it", selfHost(ctx), r, keyHost220))
	}
	return c
}

var _ = describe("HOST (RFC 7151)", Label("host"), func(r *Run) {
	// RFC 7151 §3.1: host-ok = "220" [ SP *TCHAR ] CRLF; §3.2: "The 220
	// reply code for the HOST command is the same as the code that is used
	// in the initial "welcome" message". The hostname sent is the one the
	// run connected with (§3.1: "This SHOULD be the same hostname that was
	// used to obtain the IP address", or the literal "as specified"). A
	// server that lists HOST in FEAT supports it (RFC 7151 §3.4), so 500
	// or 502 there is a failure too.
	r.Check(keyHost220, "answers HOST with its own name before login with 220",
		func(ctx *Ctx) {
			c := hostConnect(ctx)
			arg := selfHost(ctx)
			line := "HOST " + arg
			r := cmd(ctx, c, line)
			switch {
			case r.Code == harness.ReplyServiceReady:
				ctx.infof("%s got %s", line, r)
			case hostAbsent(r):
				if advertised(ctx).Has("HOST") {
					ctx.failf("FEAT lists HOST, but %s got %s: a server \"that supports the HOST command MUST include a line containing the single word \"HOST\"\" (RFC 7151 §3.4), and its success reply is 220 (host-ok, §3.1)", line, r)
				}
				Skip(fmt.Sprintf("HOST is not implemented: %s got %s", line, r))
			case r.Code == harness.ReplyNotImplParam:
				Skip(fmt.Sprintf("%s got %s: the server does not take the name the run connected with as one of its hosts (behind NAT, say), so no HOST can be seen to succeed", line, r))
			case r.Code == harness.ReplyServiceUnavailable:
				Skip(fmt.Sprintf("%s got %s: the host is temporarily unavailable (RFC 7151 §3.2)", line, r))
			case r.Code == harness.ReplySyntaxErrorParams && !harness.ValidHostname(arg):
				Skip(fmt.Sprintf("%s got %s: the target's host %q is not a hostname of RFC 7151 §3.1", line, r, arg))
			default:
				expectExactly(ctx, line+" (the name the run connected with; host-ok = \"220\", RFC 7151 §3.1)", r, nil, harness.ReplyServiceReady)
			}
		})

	// RFC 7151 §3: "Server-FTP processes MUST treat a situation in which
	// the HOST command is issued after the user has been authenticated as
	// an erroneous sequence of commands and return a 503 reply."
	r.Check("RFC7151-3-HOST-PRE-AUTH", "answers HOST after login with 503",
		Label("login"),
		func(ctx *Ctx) {
			requireHost(ctx)
			c := login(ctx)
			line := "HOST " + selfHost(ctx)
			r, err := c.Cmd(ctx, line)
			expectExactly(ctx, line+" (after login: \"an erroneous sequence of commands\", RFC 7151 §3)", r, err, harness.ReplyBadSequence)
		})

	// RFC 7151 §3.1: "The client MUST NOT send the port number as part of
	// the HOST command [...] the server-PI MUST respond with a 501 reply
	// if the client sends a HOST command with syntax like either of the
	// following examples: HOST 192.0.2.1:2112".
	r.Check("RFC7151-3.1-HOST-NO-PORT", "answers HOST with a port after the hostname with 501",
		func(ctx *Ctx) {
			requireHost(ctx)
			c := hostConnect(ctx) // a HOST of its own, not a second one
			line := "HOST " + harness.LiteralArgument(serverAddr(c)) + ":" + strconv.Itoa(ctx.cfg.Target.Port)
			r, err := c.Cmd(ctx, line)
			expectCode(ctx, line+" (a port after the hostname: \"the server-PI MUST respond with a 501 reply\", RFC 7151 §3.1)", r, err, harness.ReplySyntaxErrorParams)
		})

	// RFC 7151 §3.1: "if the IPv4 or IPv6 literal address specified by the
	// client does not match the literal address for the server, the server
	// MUST respond with a 504 reply to indicate that the IPv4 or IPv6
	// literal address is not valid."
	r.Check("RFC7151-3.1-HOST-LITERAL-MISMATCH", "answers HOST with an address that is not the server's with 504",
		func(ctx *Ctx) {
			requireHost(ctx)
			c := hostConnect(ctx) // a HOST of its own, not a second one
			line := "HOST " + harness.ForeignLiteral(serverAddr(c))
			r, err := c.Cmd(ctx, line)
			expectCode(ctx, line+" (a documentation address, not the server's: \"the server MUST respond with a 504 reply\", RFC 7151 §3.1)", r, err, harness.ReplyNotImplParam)
		})

	// RFC 7151 §3.1: IP-literal = ( "[" IPv6address "]" ) / IPv4address;
	// "if the literal address is an IPv6 address, the IPv6 address is
	// required to be enclosed in square brackets", and §3.3: "A 501 reply
	// SHOULD be sent if the hostname given is syntactically invalid".
	r.Check("RFC7151-3.1-HOST-IPV6-BRACKETS", "refuses HOST with an IPv6 address without brackets",
		func(ctx *Ctx) {
			requireHost(ctx)
			c := hostConnect(ctx) // a HOST of its own, not a second one
			line := "HOST " + harness.BareIPv6(serverAddr(c))
			r, err := c.Cmd(ctx, line)
			if err == nil && harness.Class(r.Code) == 2 {
				ctx.failf("%s (an IPv6 address without brackets): got %s; \"the IPv6 address is required to be enclosed in square brackets\" (RFC 7151 §3.1), so the hostname is invalid (501, §3.3)", line, r)
			}
			expectCode(ctx, line+" (an IPv6 address without brackets: syntactically invalid, RFC 7151 §3.1, §3.3)", r, err, harness.ReplySyntaxErrorParams)
		})

	// RFC 7151 §3.2: "If the hostname specified is unknown at the server,
	// or if the server is otherwise unwilling to treat the particular
	// connection as a connection to the hostname specified, the server
	// SHOULD respond with a 504 reply." It may instead "route all
	// connections with unknown hostnames to a different virtual host"
	// (220). The name is under "invalid", which never exists (RFC 6761).
	r.Check("RFC7151-3.2-HOST-UNKNOWN-504", "answers HOST with an unknown name with 504, or takes it for a default host",
		func(ctx *Ctx) {
			requireHost(ctx)
			c := hostConnect(ctx) // a HOST of its own, not a second one
			line := "HOST " + harness.UniqueName("ftpconform") + ".invalid"
			r, err := c.Cmd(ctx, line)
			if err == nil && r.Code == harness.ReplyServiceReady {
				ctx.infof("%s got %s: the server routes unknown names to a default host, as RFC 7151 §3.2 allows", line, r)
				return
			}
			expectCode(ctx, line+" (a name that does not exist: \"the server SHOULD respond with a 504 reply\", RFC 7151 §3.2)", r, err, harness.ReplyNotImplParam)
		})

	// RFC 7151 §3.3: after a 501 or 504 to HOST "the server-FTP process
	// MUST do one of the following: a. Ignore the HOST command and act as
	// if a HOST command had not been sent. [...] b. Close the connection."
	// Acting as if no HOST had been sent, the server lets the run's user
	// log in as without HOST.
	r.Check("RFC7151-3.3-HOST-ERR-IGNORE-OR-CLOSE", "ignores a HOST it refused, or closes the connection",
		Label("login"),
		func(ctx *Ctx) {
			requireHost(ctx)
			c := hostConnect(ctx)
			var refused *harness.Reply
			for _, line := range []string{
				"HOST " + harness.UniqueName("ftpconform") + ".invalid",
				"HOST " + harness.LiteralArgument(serverAddr(c)) + ":" + strconv.Itoa(ctx.cfg.Target.Port),
			} {
				r, err := c.Cmd(ctx, line)
				if err != nil && ctrlClosed(err) {
					ctx.infof("%s: the server closed the connection, as RFC 7151 §3.3 b. allows", line)
					return
				}
				ctx.must(err, "%s", line)
				if c := harness.Class(r.Code); c == 4 || c == 5 {
					refused = r
					break
				}
			}
			if refused == nil {
				Skip("the server accepted both an unknown name and a name with a port: no refused HOST to follow")
			}
			what := fmt.Sprintf("after HOST was refused with %s, logging in as without HOST (RFC 7151 §3.3: \"Ignore the HOST command and act as if a HOST command had not been sent\", or close the connection)", refused)
			if loginOrClosed(ctx, c, what) {
				ctx.infof("after %s the server closed the connection, as RFC 7151 §3.3 b. allows", refused)
			}
		})

	// RFC 7151 §3: "Server-FTP processes MUST treat a situation in which
	// the HOST command is issued more than once before the user has been
	// authenticated as though only the last HOST command had been sent, and
	// return the appropriate reply for the last HOST command."
	r.Check("RFC7151-3-HOST-REPEAT", "answers a second HOST before login like the first, then lets the user log in",
		Label("login"),
		func(ctx *Ctx) {
			c := requireHost220(ctx)
			line := "HOST " + selfHost(ctx)
			r, err := c.Cmd(ctx, line)
			expectExactly(ctx, line+" (again, before login: \"return the appropriate reply for the last HOST command\", RFC 7151 §3)", r, err, harness.ReplyServiceReady)
			ctx.must(hostLogin(ctx, c), "logging in after two HOST commands")
		})

	// RFC 7151 §3.2.1: "The effect of a HOST command MUST be reset if a
	// REIN command is performed, and a new HOST command MUST be issued
	// afterwards in order to connect to a virtual host": after REIN the
	// session is before login again, where HOST is in sequence.
	r.Check("RFC7151-3.2.1-REIN-RESETS-HOST", "accepts HOST again after REIN",
		Label("login"),
		func(ctx *Ctx) {
			c := requireHost220(ctx)
			ctx.must(hostLogin(ctx, c), "logging in after HOST")
			reinSession(ctx, c)
			line := "HOST " + selfHost(ctx)
			r, err := c.Cmd(ctx, line)
			expectExactly(ctx, line+" (after REIN: \"a new HOST command MUST be issued afterwards\", RFC 7151 §3.2.1)", r, err, harness.ReplyServiceReady)
		})

	// RFC 7151 §3.4: "When replying to the FEAT command [RFC2389], a
	// server-FTP process that supports the HOST command MUST include a
	// line containing the single word "HOST"."
	r.Check("RFC7151-3.4-HOST-FEAT", "lists HOST in FEAT when it implements HOST",
		Label("feat"),
		func(ctx *Ctx) {
			_, hr := requireHost(ctx)
			f := featTry(ctx, login(ctx))
			switch {
			case !f.Supported():
				Skip("FEAT is not implemented: " + f.Reply.String())
			case !f.Has("HOST"):
				ctx.failf("HOST is implemented (HOST %s got %s), but FEAT lists %q without HOST: a server \"that supports the HOST command MUST include a line containing the single word \"HOST\"\" (RFC 7151 §3.4)",
					selfHost(ctx), hr, f.Names())
			}
		})
})
