package suites

import (
	"fmt"
	"net/netip"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

func init() {
	NotCovered["RFC1123-4.1.3.2-IDLE-TIMEOUT"] = "needs minutes of silence and the target's configured idle timeout, which the harness is not given"
	NotCovered["RFC959-5.3-SPACES"] = "a latitude for servers, not a duty: the harness always sends exactly one SP (RFC 2640 §3.1 makes further spaces part of the pathname)"
	NotCovered["RFC959-4.2.1-421-ANY"] = "a permission, not a duty: every reader in the harness accepts 421 wherever it comes; RFC959-4.2.1-421-CLOSE judges the close that must follow"
}

// ctrlTelnetAnswers judges the Telnet commands a server sent in answer to the
// requests the harness made (RFC 854: WILL is answered DO or DONT, DO is
// answered WILL or WONT). It returns what is wrong.
func ctrlTelnetAnswers(sent, got []harness.TelnetCommand) []string {
	valid := map[harness.TelnetCommand]bool{}
	for _, s := range sent {
		switch s.Cmd {
		case harness.TelnetWILL:
			valid[harness.TelnetCommand{Cmd: harness.TelnetDO, Opt: s.Opt}] = true
			valid[harness.TelnetCommand{Cmd: harness.TelnetDONT, Opt: s.Opt}] = true
		case harness.TelnetDO:
			valid[harness.TelnetCommand{Cmd: harness.TelnetWILL, Opt: s.Opt}] = true
			valid[harness.TelnetCommand{Cmd: harness.TelnetWONT, Opt: s.Opt}] = true
		}
	}
	var bad []string
	for _, g := range got {
		if g.Negotiation() && !valid[g] {
			bad = append(bad, g.String())
		}
	}
	return bad
}

var _ = describe("Telnet on the control connection (RFC 959 §5.2, RFC 1123 §4.1.2.12)", Label("control", "telnet"), func(r *Run) {
	r.Check("RFC1123-4.1.2.12-TELNET-OPTIONS", "copes with Telnet option negotiation sent ahead of a command", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			willEcho := harness.TelnetCommand{Cmd: harness.TelnetWILL, Opt: harness.TelnetOptEcho}
			doSGA := harness.TelnetCommand{Cmd: harness.TelnetDO, Opt: harness.TelnetOptSGA}
			var got []harness.TelnetCommand
			for _, req := range []harness.TelnetCommand{willEcho, doSGA} {
				ctrlSend(ctx, c, string([]byte{harness.TelnetIAC, req.Cmd, req.Opt})+"NOOP\r\n")
				r, tc, err := c.ReadReplyTelnet(ctx)
				got = append(got, tc...)
				expectCode(ctx, req.String()+" followed by NOOP", r, err, harness.ReplyOK)
			}
			// An answer may also come late, ahead of a later reply.
			ctx.must(c.Send(ctx, "NOOP"), "sending NOOP")
			r, tc, err := c.ReadReplyTelnet(ctx)
			got = append(got, tc...)
			expectCode(ctx, "NOOP after the negotiation", r, err, harness.ReplyOK)
			if bad := ctrlTelnetAnswers([]harness.TelnetCommand{willEcho, doSGA}, got); len(bad) > 0 {
				ctx.failf("the server answered %s and %s with %s: a request is answered by accepting or refusing it (WILL with DO/DONT, DO with WILL/WONT, RFC 854), never by a request of its own",
					willEcho, doSGA, strings.Join(bad, ", "))
			}
			if len(got) == 0 {
				ctx.infof("the server stripped the Telnet requests without answering them")
			}
		})

	r.Check("RFC3659-2.2-NO-TELNET-NEGOTIATION", "never starts Telnet option negotiation", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			p := probeControl(ctx)
			var neg []string
			for _, tc := range p.telnet {
				if tc.Negotiation() {
					neg = append(neg, tc.String())
				}
			}
			if len(neg) > 0 {
				ctx.failf("in a session where the client sent no Telnet command, the server sent %s: an FTP server must not start option negotiation (RFC 3659 §2.2, RFC 1123 §4.1.2.12)", strings.Join(neg, ", "))
			}
		})

	r.Check("RFC959-5.2-TELNET", "strips Telnet commands such as IAC NOP from a command line", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			nop := string([]byte{harness.TelnetIAC, harness.TelnetNOP})
			for _, line := range []string{"NO" + nop + "OP\r\n", nop + "NOOP\r\n"} {
				ctrlSend(ctx, c, line)
				r, _, err := c.ReadReplyTelnet(ctx)
				expectCode(ctx, fmt.Sprintf("%q (NOOP with Telnet IAC NOP, which carries no data)", harness.Printable(strings.TrimSuffix(line, "\r\n"))), r, err, harness.ReplyOK)
			}
		})
})

var _ = describe("Control connection life cycle (RFC 959 §4.2, §5.4)", Label("control"), func(r *Run) {
	r.Check("RFC959-5.4-GREETING-BEFORE-CMD", "sends its greeting without waiting for the client to speak",
		Label("greeting"),
		func(ctx *Ctx) {
			// From a second loopback address when there is one: a server
			// may treat clients on its own address differently.
			c, err := harness.Dial(ctx, ctx.cfg.Target, ctx.transcript(), ctx.cfg.SecondAddress)
			if err != nil && ctx.cfg.SecondAddress.IsValid() {
				c, err = harness.Dial(ctx, ctx.cfg.Target, ctx.transcript(), netip.Addr{})
			}
			if err != nil {
				ctx.failf("cannot connect to %s: %v", ctx.cfg.Target.Addr(), err)
			}
			DeferCleanup(c.Close)
			greet, err := c.ReadGreeting(ctx)
			if err != nil {
				ctx.failf("the client sent nothing and waited %s, but no complete greeting came: %v (the server must not wait for a command before its 220)", ctx.cfg.Target.ReplyTimeout, err)
			}
			last := greet[len(greet)-1]
			if last.Code != harness.ReplyServiceReady && last.Code != harness.ReplyServiceUnavailable {
				ctx.failf("greeting: expected 220 (or 120 then 220, or 421); got %s", last)
			}
		})

	r.Check("RFC959-4.2.1-421-CLOSE", "closes the control connection after a 421 reply", Shares(exchangeLongLine),
		func(ctx *Ctx) {
			if seen, ok := ctx.silenceSeen(exchangeLongLine); ok {
				Skip("no 421 could be provoked: " + seen + "; other ways (idle timeout, connection limits, failed logins) are too slow or disturb the server")
			}
			c := login(ctx)
			shown := fmt.Sprintf("NOOP AAA...A (%d bytes in all) CRLF", ctrlLongLineSize)
			_ = c.SendLong(ctx, ctrlLongLine(), shown)
			r, err := c.ReadReply(ctx)
			if err != nil && replyTimedOut(err) {
				ctx.noteSilence(exchangeLongLine, "")
			}
			if err != nil || r.Code != harness.ReplyServiceUnavailable {
				got := "no reply"
				if err == nil {
					got = r.String()
				}
				Skip(fmt.Sprintf("no 421 could be provoked: an over-long command line got %s; other ways (idle timeout, connection limits, failed logins) are too slow or disturb the server", got))
			}
			if closed, extra := c.WaitClose(ctx, ctx.cfg.Target.ReplyTimeout); !closed {
				more := ""
				if len(extra) > 0 {
					more = fmt.Sprintf(" (and sent %d more replies)", len(extra))
				}
				ctx.failf("the server answered %s but kept the control connection open for %s%s: 421 means it is closing the control connection", r, ctx.cfg.Target.ReplyTimeout, more)
			}
		})

	r.Check("RFC959-5.4-NO-SPONTANEOUS", "sends nothing while the logged-in client is silent",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "SYST")
			if err != nil {
				ctx.failf("SYST: %v", err)
			}
			silent, err := c.Silent(ctx, ctrlSilence(ctx))
			if err != nil {
				ctx.failf("after SYST (%s), while the client was silent: %v", r, err)
			}
			if silent {
				return
			}
			x, err := c.ReadReply(ctx)
			if err != nil {
				ctx.failf("after SYST (%s) the server sent something unasked, and reading it failed: %v", r, err)
			}
			if x.Code == harness.ReplyServiceUnavailable {
				ctx.infof("the server sent %s unasked: a 421 before closing is the one spontaneous reply FTP allows", x)
				return
			}
			ctx.failf("after SYST (%s) the server sent %s while the client was silent: FTP replies only answer commands (RFC 959 §5.4)", r, x)
		})
})
