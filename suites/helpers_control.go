package suites

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the control-connection checks (rfc959_commands.go,
// rfc959_sequencing.go, rfc1123_control.go).

// ctrlSilence is how long a check waits to see that the server sends
// nothing: long enough for a reply on loopback or a LAN, short enough to
// keep the suite fast, and never longer than the target's CloseGrace.
func ctrlSilence(ctx *Ctx) time.Duration {
	return min(ctx.cfg.Target.CloseGrace, 200*time.Millisecond)
}

// ctrlSend writes bytes as they are and fails the check if it cannot.
func ctrlSend(ctx *Ctx, c *harness.Conn, b string) {
	ctx.must(c.SendRaw(ctx, []byte(b)), "sending %q", b)
}

// ctrlExpectSilence fails the check when the server sends anything, or closes
// the connection, within d. what says what the client has just done.
func ctrlExpectSilence(ctx *Ctx, c *harness.Conn, d time.Duration, what string) {
	silent, err := c.Silent(ctx, d)
	switch {
	case err != nil:
		ctx.failf("%s: %v", what, err)
	case !silent:
		r, rerr := c.ReadReply(ctx)
		if rerr != nil {
			ctx.failf("%s: the server sent something within %s, and reading it failed: %v", what, d, rerr)
		}
		ctx.failf("%s: the server answered %s within %s", what, r, d)
	}
}

// ctrlRead reads one reply and fails the check if none comes.
func ctrlRead(ctx *Ctx, c *harness.Conn, what string) *harness.Reply {
	r, err := c.ReadReply(ctx)
	if err != nil {
		ctx.failf("%s: %v", what, err)
	}
	return r
}

// ctrlClosed reports whether err says the server closed the connection.
func ctrlClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// ctrlTimedOut reports whether err is a reply that never came.
func ctrlTimedOut(err error) bool {
	var pe *harness.ProtocolError
	return errors.As(err, &pe) && pe.Timeout()
}

// ctrlPlausible reports whether code can be the reply to a command with this
// verb: a code RFC 959 §5.4 lists for it, or any refusal (4yz, 5yz). A
// code outside that set is most likely a reply to another command.
func ctrlPlausible(verb string, code int) bool {
	if c := harness.Class(code); c == 4 || c == 5 {
		return true
	}
	for _, p := range permitted[verb] {
		if p == code {
			return true
		}
	}
	return false
}

// ctrlDefinedCodes are the reply codes the RFCs covered by the catalog define:
// RFC 959 §4.2.2, RFC 1123 §4.1.3.4 (554, 555), RFC 2228 §3, RFC 2428
// (229, 522) and RFC 4217 (521, 522).
var ctrlDefinedCodes = map[int]bool{
	110: true, 120: true, 125: true, 150: true,
	200: true, 202: true, 211: true, 212: true, 213: true, 214: true, 215: true,
	220: true, 221: true, 225: true, 226: true, 227: true, 229: true, 230: true,
	232: true, 234: true, 235: true, 250: true, 257: true,
	331: true, 332: true, 334: true, 335: true, 336: true, 350: true,
	421: true, 425: true, 426: true, 431: true, 450: true, 451: true, 452: true,
	500: true, 501: true, 502: true, 503: true, 504: true, 521: true, 522: true,
	530: true, 532: true, 533: true, 534: true, 535: true, 536: true, 537: true,
	550: true, 551: true, 552: true, 553: true, 554: true, 555: true,
	631: true, 632: true, 633: true,
}

// controlProbe is what probeControl observed: every reply read on the
// connection (a partial one included) and every Telnet command the server
// sent.
type controlProbe struct {
	replies []*harness.Reply
	telnet  []harness.TelnetCommand
}

// probeControl runs a session that draws many kinds of replies from the
// server: the greeting, login, informational commands (SYST, FEAT, HELP,
// STAT, PWD), parameter commands, ALLO, NOOP, refusals (a missing
// directory, an unknown verb, a malformed PORT), a listing and QUIT. Every
// reply is read with the Telnet-aware reader, so Telnet commands the server
// slips in are collected instead of garbling the replies.
func probeControl(ctx *Ctx) *controlProbe {
	p := &controlProbe{}
	c, err := harness.Dial(ctx, ctx.cfg.Target, ctx.transcript(), netip.Addr{})
	if err != nil {
		ctx.failf("cannot connect to %s: %v", ctx.cfg.Target.Addr(), err)
	}
	DeferCleanup(c.Close)
	var partial *harness.Reply
	read := func(what string) (*harness.Reply, bool) {
		r, tc, err := c.ReadReplyTelnet(ctx)
		p.telnet = append(p.telnet, tc...)
		if err != nil {
			var pe *harness.ProtocolError
			if errors.As(err, &pe) && pe.Partial != nil {
				partial = pe.Partial
			}
			ctx.infof("probe session ended at %s: %v", what, err)
			return nil, false
		}
		return r, true
	}
	cmd := func(line string) (*harness.Reply, bool) {
		if err := c.Send(ctx, line); err != nil {
			return nil, false
		}
		return read(line)
	}
	run := func() {
		r, ok := read("the greeting")
		if !ok {
			return
		}
		if r.Code == harness.ReplyServiceReadyIn {
			if r, ok = read("the greeting after 120"); !ok {
				return
			}
		}
		if r.Code != harness.ReplyServiceReady {
			return
		}
		r, ok = cmd("USER " + ctx.cfg.Target.User)
		if !ok {
			return
		}
		if r.Code == harness.ReplyNeedPassword {
			if _, ok = cmd("PASS " + ctx.cfg.Target.Password); !ok {
				return
			}
		}
		for _, line := range []string{"SYST", "FEAT", "HELP", "STAT", "PWD", "TYPE I", "MODE S", "STRU F",
			"ALLO 100", "NOOP", "CWD " + harness.UniqueName("ftpconform-missing"), "XYZZY", "PORT 1,2,3"} {
			if _, ok := cmd(line); !ok {
				return
			}
		}
		if _, err := transferIn(ctx, c, ctx.defaultMode(c), "LIST"); err != nil {
			var pe *harness.ProtocolError
			if errors.As(err, &pe) && pe.Partial != nil {
				partial = pe.Partial
			}
			ctx.infof("probe session: LIST: %v", err)
			return
		}
		_, _ = cmd("QUIT")
	}
	run()
	p.replies = c.Replies()
	if partial != nil {
		p.replies = append(p.replies, partial)
	}
	for _, r := range p.replies {
		p.telnet = append(p.telnet, harness.TelnetCommandsIn(r.Raw)...)
	}
	return p
}

// mlExchange is one command of probeMultiline: its reply and the replies
// that arrived after it, before the reply to the NOOP that followed.
type mlExchange struct {
	cmd    string
	reply  *harness.Reply
	extras []*harness.Reply
}

// probeMultiline logs in and sends the commands that usually get
// multi-line replies (HELP, STAT, FEAT, STAT of a directory, HELP of a
// command), each followed by NOOP. A reply whose framing ends too early
// leaves lines behind, which then arrive before NOOP's 200: they are the
// extras of the exchange.
func probeMultiline(ctx *Ctx) []mlExchange {
	c := login(ctx)
	var out []mlExchange
	for _, line := range []string{"HELP", "STAT", "FEAT", "STAT .", "HELP HELP"} {
		ex := mlExchange{cmd: line, reply: cmd(ctx, c, line)}
		ctx.must(c.Send(ctx, "NOOP"), "sending NOOP after %s", line)
		for i := 0; ; i++ {
			r, err := c.ReadReply(ctx)
			if err != nil {
				ctx.failf("reading the replies after %s and NOOP: %v (%d stray replies so far)", line, err, len(ex.extras))
			}
			if r.Code == harness.ReplyOK {
				break
			}
			ex.extras = append(ex.extras, r)
			if i > 200 {
				ctx.failf("more than 200 replies after %s and NOOP, none of them NOOP's 200", line)
			}
		}
		out = append(out, ex)
	}
	return out
}

// ctrlExtras renders stray replies: `" EPRT", "211 End"`.
func ctrlExtras(rs []*harness.Reply) string {
	var lines []string
	for _, r := range rs {
		for _, l := range r.Lines {
			lines = append(lines, fmt.Sprintf("%q", l))
		}
	}
	if len(lines) > 6 {
		lines = append(lines[:6], fmt.Sprintf("... (%d lines in all)", len(lines)))
	}
	return strings.Join(lines, ", ")
}

// mlFirstProblems lists replies that were framed as single-line replies
// although more lines of them followed.
func mlFirstProblems(exs []mlExchange) []string {
	var out []string
	for _, ex := range exs {
		if len(ex.extras) > 0 && !ex.reply.Multiline() {
			out = append(out, fmt.Sprintf("%s: the reply began %q, a single-line reply, but %s followed before NOOP's 200: a multi-line reply must open with \"%03d-\"",
				ex.cmd, firstLine(ex.reply), ctrlExtras(ex.extras), ex.reply.Code))
		}
	}
	return out
}

// mlIntermediateProblems lists multi-line replies that ended early, at an
// intermediate line that starts with their code and a SP.
func mlIntermediateProblems(exs []mlExchange) []string {
	var out []string
	for _, ex := range exs {
		if len(ex.extras) > 0 && ex.reply.Multiline() {
			out = append(out, fmt.Sprintf("%s: the multi-line reply %d ended at the line %q, but %s followed: an intermediate line must not begin with \"%03d \"",
				ex.cmd, ex.reply.Code, ex.reply.Lines[len(ex.reply.Lines)-1], ctrlExtras(ex.extras), ex.reply.Code))
		}
	}
	return out
}

// mlNestProblems lists multi-line replies that opened a second reply of
// the same code inside themselves.
func mlNestProblems(exs []mlExchange) []string {
	var out []string
	for _, ex := range exs {
		if len(ex.extras) == 0 || !ex.reply.Multiline() {
			continue
		}
		opener := fmt.Sprintf("%03d-", ex.reply.Code)
		for _, l := range ex.reply.Inner() {
			if strings.HasPrefix(l, opener) {
				out = append(out, fmt.Sprintf("%s: inside the multi-line reply %d the line %q opened a nested reply, whose end %q ended the outer one; %s followed",
					ex.cmd, ex.reply.Code, l, ex.reply.Lines[len(ex.reply.Lines)-1], ctrlExtras(ex.extras)))
				break
			}
		}
	}
	return out
}

// ctrlCodes lists the distinct reply codes of replies, in order of first
// appearance, with the first reply that carried each.
func ctrlCodes(replies []*harness.Reply) ([]int, map[int]*harness.Reply) {
	var order []int
	first := map[int]*harness.Reply{}
	for _, r := range replies {
		if r == nil || r.Code < 100 || r.Code > 999 {
			continue
		}
		if _, seen := first[r.Code]; !seen {
			first[r.Code] = r
			order = append(order, r.Code)
		}
	}
	return order, first
}
