package suites

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// ctrlLongLineSize is the length of the over-long command line: longer than
// the line buffers of common servers (pyftpdlib 2048, vsftpd 4096 bytes).
const ctrlLongLineSize = 10 * 1024

// ctrlLongLine is "NOOP " followed by A's: ctrlLongLineSize bytes before the CRLF.
func ctrlLongLine() []byte {
	return []byte("NOOP " + strings.Repeat("A", ctrlLongLineSize-5) + "\r\n")
}

var _ = describe("Command syntax (RFC 959 §5.3, RFC 1123 §4.1.2.10)", Label("control", "syntax"), func(r *Run) {
	r.Check("RFC959-5.3-CRLF-TERMINATED", "takes no action on a command before its CRLF arrives", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			ctrlSend(ctx, c, "NOOP")
			if silent, err := c.Silent(ctx, ctrlSilence(ctx)); err == nil && !silent && actsOnFragments(ctx) {
				// The server takes whatever one read returns as a command:
				// one root cause, judged by the read-boundary check.
				blocked("RFC1123-4.1.2.10-NO-READ-BOUNDARIES/split", `the server answered "NOOP" before its CRLF because it takes any TCP segment as a command line`)
			}
			ctrlExpectSilence(ctx, c, ctrlSilence(ctx), `after "NOOP" without CRLF (a command is complete only at its CRLF, RFC 959 §5.3)`)
			ctrlSend(ctx, c, "\r\n")
			r, err := c.ReadReply(ctx)
			expectCode(ctx, "NOOP, once its CRLF arrived", r, err, harness.ReplyOK)
		})

	r.Check("RFC1123-4.1.2.10-NO-READ-BOUNDARIES/split", "answers a command that arrives in two TCP segments once", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			ctrlSend(ctx, c, "NO")
			ctrlExpectSilence(ctx, c, ctrlSilence(ctx), `after the first segment "NO" of "NOOP" (a TCP segment is not a command line)`)
			ctrlSend(ctx, c, "OP\r\n")
			r, err := c.ReadReply(ctx)
			expectCode(ctx, `NOOP sent as "NO" and "OP\r\n"`, r, err, harness.ReplyOK)
			r, err = c.Cmd(ctx, "SYST")
			if err == nil && !ctrlPlausible("SYST", r.Code) {
				ctx.failf("SYST after the split NOOP got %s: most likely a second reply caused by the split command", r)
			}
			expectCode(ctx, "SYST after the split NOOP", r, err, harness.ReplySystemType)
		})

	r.Check("RFC1123-4.1.2.10-NO-READ-BOUNDARIES/pipelined", "answers three commands sent in one TCP segment in order", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			ctrlSend(ctx, c, "NOOP\r\nNOOP\r\nSYST\r\n")
			for i, want := range []int{harness.ReplyOK, harness.ReplyOK, harness.ReplySystemType} {
				r, err := c.ReadReply(ctx)
				if err != nil {
					ctx.failf("NOOP, NOOP and SYST in one segment: reply %d of 3: %v (every command of a segment must be answered, in order)", i+1, err)
				}
				expectCode(ctx, fmt.Sprintf("NOOP, NOOP and SYST in one segment: reply %d", i+1), r, err, want)
			}
		})

	r.Check("RFC1123-4.1.2.10-NO-READ-BOUNDARIES/pipelined-login", "logs in with USER, PASS and PWD sent in one TCP segment",
		func(ctx *Ctx) {
			c := connect(ctx)
			ctrlSend(ctx, c, "USER "+ctx.cfg.Target.User+"\r\nPASS "+ctx.cfg.Target.Password+"\r\nPWD\r\n")
			what := "USER, PASS and PWD in one segment"
			r1 := ctrlRead(ctx, c, what+": the reply to USER")
			r2 := ctrlRead(ctx, c, what+": the reply to PASS")
			r3 := ctrlRead(ctx, c, what+": the reply to PWD")
			switch r1.Code {
			case harness.ReplyNeedPassword:
				expectCode(ctx, "PASS ("+what+")", r2, nil, harness.ReplyLoggedIn, harness.ReplySuperfluous)
			case harness.ReplyLoggedIn:
				// No password needed: PASS is out of sequence or superfluous.
				if c := harness.Class(r2.Code); c != 2 && c != 5 {
					ctx.failf("%s: after USER got 230, PASS got %s (expected 202 or a 5yz refusal)", what, r2)
				}
			default:
				ctx.failf("%s: USER: expected 331 or 230; got %s", what, r1)
			}
			expectCode(ctx, "PWD ("+what+")", r3, nil, harness.ReplyPathCreated)
		})

	r.Check("RFC959-5.3-CASE/verbs", "accepts command verbs in lower and mixed case",
		func(ctx *Ctx) {
			c := login(ctx)
			var bad []string
			for _, pair := range [][2]string{{"NOOP", "noop"}, {"NOOP", "NoOp"}, {"SYST", "syst"}, {"PWD", "pwd"}, {"TYPE I", "type I"}, {"MODE S", "Mode S"}} {
				up := cmd(ctx, c, pair[0])
				low := cmd(ctx, c, pair[1])
				if low.Code != up.Code {
					bad = append(bad, fmt.Sprintf("%q got %s, but %q got %s", pair[1], low, pair[0], up))
				}
			}
			if len(bad) > 0 {
				ctx.failf("command verbs are case-insensitive (RFC 959 §5.3):\n  %s", strings.Join(bad, "\n  "))
			}
		})

	r.Check("RFC959-5.3-CASE/params", "accepts the parameter letters of TYPE, MODE and STRU in lower case",
		func(ctx *Ctx) {
			c := login(ctx)
			var bad []string
			for _, pair := range [][2]string{{"TYPE I", "TYPE i"}, {"TYPE A", "TYPE a"}, {"TYPE A N", "TYPE a n"}, {"TYPE L 8", "TYPE l 8"}, {"MODE S", "MODE s"}, {"STRU F", "STRU f"}} {
				up := cmd(ctx, c, pair[0])
				low := cmd(ctx, c, pair[1])
				if low.Code != up.Code {
					bad = append(bad, fmt.Sprintf("%q got %s, but %q got %s", pair[1], low, pair[0], up))
				}
			}
			if len(bad) > 0 {
				ctx.failf("single-letter parameters are case-insensitive (RFC 959 §5.3):\n  %s", strings.Join(bad, "\n  "))
			}
		})

	r.Check("RFC959-5.3-VERB-LEN", "parses three-letter verbs followed by an argument (MKD, CWD, RMD)",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			name := harness.UniqueName("vl")
			r, err := c.Cmd(ctx, "MKD "+name)
			expectCode(ctx, "MKD "+name, r, err, harness.ReplyPathCreated)
			l, err := listNames(ctx, c, "")
			ctx.must(err, "listing the scratch directory with NLST")
			if !l.Has(name) {
				ctx.failf("after MKD %s the directory lists %q: the argument of a three-letter verb starts right after its single SP", name, l.Lines)
			}
			r, err = c.Cmd(ctx, "CWD "+name)
			expectCode(ctx, "CWD "+name, r, err, harness.ReplyFileActionOK)
			r, err = c.Cmd(ctx, "PWD")
			expectCode(ctx, "PWD", r, err, harness.ReplyPathCreated)
			if !strings.Contains(r.Text(), name+`"`) {
				ctx.failf("after CWD %s, PWD shows %s: the argument of CWD was not taken as %q", name, r, name)
			}
			r, err = c.Cmd(ctx, "CDUP")
			expectCode(ctx, "CDUP", r, err, harness.ReplyFileActionOK, harness.ReplyOK)
			r, err = c.Cmd(ctx, "RMD "+name)
			expectCode(ctx, "RMD "+name, r, err, harness.ReplyFileActionOK)
			l, err = listNames(ctx, c, "")
			ctx.must(err, "listing the scratch directory with NLST")
			if l.Has(name) {
				ctx.failf("after RMD %s answered %s the directory still lists %q", name, r, name)
			}
		})

	r.Check("RFC959-4.2.1-500-TOO-LONG", "answers a 10 KiB command line with 500 or 501, or with 421 and a close, and runs no part of it", Needs(harness.CapNOOP), Shares(exchangeLongLine),
		func(ctx *Ctx) {
			if seen, ok := ctx.silenceSeen(exchangeLongLine); ok {
				ctx.failf("%s (the server must answer it, e.g. 500 \"line too long\")", seen)
			}
			c := login(ctx)
			shown := fmt.Sprintf("NOOP AAA...A (%d bytes in all) CRLF", ctrlLongLineSize)
			sendErr := c.SendLong(ctx, ctrlLongLine(), shown)
			r, err := c.ReadReply(ctx)
			if err != nil && replyTimedOut(err) {
				ctx.noteSilence(exchangeLongLine, "")
			}
			switch {
			case err != nil && ctrlClosed(err):
				more := ""
				if sendErr != nil {
					more = fmt.Sprintf("; sending the line: %v", sendErr)
				}
				ctx.failf("the server closed the control connection without a reply to a %d-byte command line: a server that closes must say so with 421%s", ctrlLongLineSize, more)
			case err != nil:
				ctx.failf("a %d-byte command line: %v (the server must answer it, e.g. 500 \"line too long\")", ctrlLongLineSize, err)
			case r.Code == harness.ReplyServiceUnavailable:
				if closed, _ := c.WaitClose(ctx, ctx.cfg.Target.ReplyTimeout); !closed {
					ctx.failf("a %d-byte command line was answered %s, but the connection stayed open for %s: 421 means the server closes the control connection", ctrlLongLineSize, r, ctx.cfg.Target.ReplyTimeout)
				}
				return
			case r.Code == harness.ReplyOK:
				ctx.infof("the server accepted a %d-byte NOOP line (no line limit below that size)", ctrlLongLineSize)
			default:
				expectCode(ctx, fmt.Sprintf("a %d-byte command line", ctrlLongLineSize), r, nil, harness.ReplySyntaxError, harness.ReplySyntaxErrorParams)
			}
			// The rest of the line must not be taken for further commands.
			first := r
			if err := c.Send(ctx, "NOOP"); err != nil {
				ctx.warnf("after answering the %d-byte line with %s the server closed the connection without a 421 (RFC 959 announces a close with 421): %v", ctrlLongLineSize, first, err)
				return
			}
			var extra []*harness.Reply
			for {
				r, err := c.ReadReply(ctx)
				if err != nil {
					if ctrlClosed(err) {
						ctx.warnf("after answering the %d-byte line with %s the server closed the connection without a 421 (RFC 959 announces a close with 421)", ctrlLongLineSize, first)
						return
					}
					ctx.failf("NOOP after the %d-byte line: %v", ctrlLongLineSize, err)
				}
				if r.Code == harness.ReplyOK {
					break
				}
				extra = append(extra, r)
				if len(extra) > 50 {
					ctx.failf("more than 50 replies after the %d-byte line, none of them NOOP's 200", ctrlLongLineSize)
				}
			}
			var executed, refused []string
			for _, x := range extra {
				if harness.Class(x.Code) == 5 {
					refused = append(refused, x.String())
				} else {
					executed = append(executed, x.String())
				}
			}
			if len(executed) > 0 {
				ctx.failf("after the %d-byte line, replies arrived that no command of the client asked for: %s; the tail of the line was executed as a command", ctrlLongLineSize, strings.Join(executed, ", "))
			}
			if len(refused) > 0 {
				ctx.warnf("after the %d-byte line the server sent %d more refusal(s) (%s) before answering NOOP: it parsed the tail of the line as further commands", ctrlLongLineSize, len(refused), strings.Join(refused, ", "))
			}
		})
})

var _ = describe("Reply codes for errors (RFC 959 §4.2.1)", Label("control", "errors"), func(r *Run) {
	r.Check("RFC959-4.2.1-500-501/unknown", "answers an unknown command with 500",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "XYZZY")
			if err == nil && r.Code == harness.ReplyNotLoggedIn {
				ctx.infof("XYZZY before login: got %s; the server requires a login before anything else, which RFC 959 §4.1.1 allows", r)
			} else if err != nil || r.Code != harness.ReplyNotImplemented {
				expectCode(ctx, "XYZZY (unknown) before login", r, err, harness.ReplySyntaxError)
			}
			ctx.must(c.Login(ctx), "logging in")
			r, err = c.Cmd(ctx, "XYZZY")
			if err == nil && r.Code == harness.ReplyNotImplemented {
				return // "not implemented" fits an unknown command too
			}
			expectCode(ctx, "XYZZY (unknown) after login", r, err, harness.ReplySyntaxError)
		})
	// A syntax error in parameters (501) is judged by the reply-code
	// checks of each command; "PORT 1,2,3" by RFC959-5.4-PORT-CODES/malformed.
})

var _ = describe("Minimum implementation (RFC 1123 §4.1.2.13, §4.1.3.1)", Label("control", "commands"), func(r *Run) {
	r.Check("RFC1123-4.1.2.13-MIN-COMMANDS", "implements every command of the RFC 1123 minimum set",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			var missing []string
			probe := func(line string, r *harness.Reply) {
				if notImplemented(r) {
					missing = append(missing, fmt.Sprintf("%s: %s", maskForMessage(line), r))
				}
			}
			try := func(line string) *harness.Reply {
				r := cmd(ctx, c, line)
				probe(line, r)
				return r
			}
			for _, line := range []string{"NOOP", "SYST", "STAT", "HELP", "PWD", "TYPE A", "TYPE I", "MODE S", "STRU F"} {
				try(line)
			}
			// ACCT is judged once, by RFC959-5.4-ACCT-CODES.
			dir := harness.UniqueName("min")
			try("MKD " + dir)
			try("CWD " + dir)
			try("CDUP")
			try("RMD " + dir)

			v6 := c.RemoteAddr().Addr().Is6()
			storMode, retrMode := harness.PORT, harness.PASV
			if v6 {
				ctx.infof("PORT and PASV carry IPv4 addresses only; on this IPv6 connection they are not probed and the transfers use EPSV")
				storMode, retrMode = harness.EPSV, harness.EPSV
			}
			data := binaryFixture(4096)
			transfer := func(mode harness.DataMode, line string, out []byte) {
				d, err := c.OpenData(ctx, mode, harness.DataOptions{})
				if err != nil {
					d.Close()
					var re *harness.ReplyError
					if errors.As(err, &re) {
						probe(string(mode), re.Reply)
						if notImplemented(re.Reply) {
							return
						}
					}
					ctx.failf("%s", diagnoseDataSetup(mode, d, err))
				}
				var t *harness.Transfer
				if out != nil {
					t, err = c.Store(ctx, d, line, out)
				} else {
					t, err = c.Retrieve(ctx, d, line)
				}
				ctx.must(err, "%s", line)
				for _, r := range t.Replies() {
					probe(line, r)
				}
			}
			transfer(storMode, "STOR min.bin", data)
			transfer(retrMode, "APPE min.bin", data)
			transfer(retrMode, "RETR min.bin", nil)
			transfer(retrMode, "LIST", nil)
			transfer(retrMode, "NLST", nil)
			try("RNFR min.bin")
			try("RNTO min2.bin")
			try("DELE min2.bin")
			if r := try("USER " + ctx.cfg.Target.User); r.Code == harness.ReplyNeedPassword {
				try("PASS " + ctx.cfg.Target.Password)
			}
			try("QUIT")
			if len(missing) > 0 {
				ctx.failf("commands of RFC 1123's minimum implementation answered as not implemented:\n  %s", strings.Join(missing, "\n  "))
			}
		})

	// STAT is in RFC 1123 §4.1.2.13's minimum set, and RFC 959 §4.1.3 says
	// "The command may be sent during a file transfer ... in which case the
	// server will respond with the status of the operation in progress".
	// A server that implements STAT between transfers but answers it as an
	// unknown or unimplemented command (500, 502) during one does not
	// implement the minimum set; what the status report contains is
	// RFC959-4.1.3-STAT-DURING-XFER's (MAY) business. A STAT that is not
	// implemented at all is judged by RFC1123-4.1.2.13-MIN-COMMANDS alone.
	r.Check("RFC1123-4.1.2.13-MIN-COMMANDS/stat-during-transfer", "answers STAT during a transfer, not as an unknown or unimplemented command",
		Label("write"),
		func(ctx *Ctx) {
			c, name, _ := withLargeFixture(ctx)
			if r := cmd(ctx, c, "STAT"); notImplemented(r) {
				Skip(fmt.Sprintf("STAT is not implemented at all (%s): judged by RFC1123-4.1.2.13-MIN-COMMANDS", r))
			}
			run := xferStall(ctx, c, name)
			during, err := run.SendDuring(ctx, "STAT")
			ctx.must(err, "sending STAT during RETR %s", name)
			got := during.Replies
			for _, r := range got {
				if notImplemented(r) && bytes.ContainsFunc(r.Raw, func(b rune) bool { return b >= 0x80 || b == utf8.RuneError }) {
					// The reply quotes bytes of the Telnet IP and Synch that
					// came before STAT: the server took them for part of the
					// command, a root cause judged by RFC959-5.2-TELNET.
					blocked("RFC959-5.2-TELNET", fmt.Sprintf("STAT during RETR %s was answered %s: the server did not strip the Telnet IP and Synch sent before it", name, r))
				}
				if notImplemented(r) {
					ctx.failf("STAT during RETR %s was answered %s (replies: %s), though STAT works between transfers; STAT is in RFC 1123's minimum set (§4.1.2.13) and RFC 959 §4.1.3 has the server \"respond with the status of the operation in progress\"", name, r, harness.ReplyChain(got...))
				}
			}
			// Missing or late replies are RFC959-4.1.3-STAT-DURING-XFER's.
		})

	r.Check("RFC1123-4.1.3.1-XVERBS", "accepts XPWD, XMKD, XCWD, XCUP and XRMD like their standard twins",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			dir := harness.UniqueName("x")
			steps := []struct {
				line string
				want []int
			}{
				{"XPWD", []int{harness.ReplyPathCreated}},
				{"XMKD " + dir, []int{harness.ReplyPathCreated}},
				{"XCWD " + dir, []int{harness.ReplyFileActionOK}},
				{"XCUP", []int{harness.ReplyOK, harness.ReplyFileActionOK}},
				{"XRMD " + dir, []int{harness.ReplyFileActionOK}},
			}
			var missing []string
			for _, st := range steps {
				r := cmd(ctx, c, st.line)
				if notImplemented(r) {
					missing = append(missing, fmt.Sprintf("%s: %s", st.line, r))
					continue
				}
				expectCode(ctx, st.line+" (like "+st.line[1:]+")", r, nil, st.want...)
			}
			if len(missing) > 0 {
				ctx.failf("RFC 1123 §4.1.3.1 asks servers to accept the X-verbs of old clients; not implemented:\n  %s", strings.Join(missing, "\n  "))
			}
		})
})

var _ = describe("Commands before login (RFC 959 §4.2, §5.4)", Label("control", "login"), func(r *Run) {
	r.Check("RFC959-4.2-4YZ-5YZ/before-login", "refuses MKD, DELE and RNFR before login with 530 and creates nothing",
		Label("write"),
		func(ctx *Ctx) {
			c := connect(ctx)
			dir := harness.UniqueName("ftpconform-prelogin")
			for _, line := range []string{"MKD " + dir, "DELE " + dir, "RNFR " + dir} {
				r, err := c.Cmd(ctx, line)
				if err == nil && r.Code == harness.ReplyPathCreated {
					ctx.removeScratchAfter(dir)
				}
				expectCode(ctx, line+" before login", r, err, harness.ReplyNotLoggedIn)
			}
			c2 := login(ctx)
			r, err := c2.Cmd(ctx, "CWD "+dir)
			if err == nil && harness.Class(r.Code) == 2 {
				ctx.removeScratchAfter(dir)
				ctx.failf("MKD %s before login was refused, yet after login CWD %s got %s: a 4yz/5yz reply means the action did not happen", dir, dir, r)
			}
		})
})

// actsOnFragments reports whether the server answers a fragment of a
// command ("NO") that no verb could be complete with, in a session of its
// own: then it acts on TCP read boundaries, not on CRLF.
func actsOnFragments(ctx *Ctx) bool {
	c := login(ctx)
	if c.SendRaw(ctx, []byte("NO")) != nil {
		return false
	}
	silent, err := c.Silent(ctx, ctrlSilence(ctx))
	return err == nil && !silent
}
