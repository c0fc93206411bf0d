package suites

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Command-reply sequencing (RFC 959 §4.1.3, §4.2, §5.4)", Label("control", "sequencing"), func(r *Run) {
	r.Check("RFC959-5.4-ALTERNATING", "answers each command with exactly one reply, and a transfer with two", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			// STRU F first: a second reply to it would be read as SYST's.
			lines := []string{"STRU F", "SYST", "PWD", "MODE S", "HELP", "TYPE I", "STAT", "NOOP"}
			var prev string
			for _, line := range lines {
				r := cmd(ctx, c, line)
				if !ctrlPlausible(verbOf(line), r.Code) {
					ctx.failf("%s got %s, which is no reply to %s (RFC 959 §5.4 permits %s): most likely a second reply to %s; the dialogue must alternate, one reply per command",
						line, r, verbOf(line), harness.Codes(permitted[verbOf(line)]), prev)
				}
				prev = line
			}
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "LIST")
			ctx.must(err, "LIST")
			if t.Prelim == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("LIST: expected a 1yz reply, then 226 or 250; got %s", t.ReplyChain())
			}
			r := cmd(ctx, c, "NOOP")
			if r.Code != harness.ReplyOK {
				ctx.failf("NOOP after LIST (%s) got %s: most likely a third reply to LIST; a transfer gets one preliminary and one completion reply", t.ReplyChain(), r)
			}
			if r := cmd(ctx, c, "SYST"); !ctrlPlausible("SYST", r.Code) {
				ctx.failf("SYST after NOOP got %s: most likely a second reply to NOOP", r)
			}
		})

	r.Check("RFC959-4.2-EVERY-COMMAND-REPLY", "answers every command, valid or not", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			c := login(ctx)
			missing := harness.UniqueName("ftpconform-missing")
			lines := []string{"NOOP", "SYST", "PWD", "STAT", "HELP", "HELP NOOP", "FEAT", "TYPE I", "MODE S", "STRU F",
				"ALLO 100", "CWD " + missing}
			if !ctx.cfg.ReadOnly {
				// Commands that change files, on a name that does not
				// exist; a read-only run sends nothing that could change
				// the server.
				lines = append(lines, "DELE "+missing, "RNFR "+missing, "RMD "+missing)
			}
			lines = append(lines, "SITE FTPCONFORM-NOSUCH", "XYZZY", "PORT 1,2,3", "TYPE Q", "ACCT ftpconform", "NOOP")
			for i, line := range lines {
				_, err := c.Cmd(ctx, line)
				switch {
				case err == nil:
				case ctrlTimedOut(err):
					ctx.failf("%s (command %d of %d): no reply within %s; every command must get a reply (RFC 959 §4.2)", line, i+1, len(lines), ctx.cfg.Target.ReplyTimeout)
				default:
					ctx.failf("%s (command %d of %d): %v", line, i+1, len(lines), err)
				}
			}
		})

	r.Check("RFC959-4.2-QUEUE", "queues commands sent during a transfer and answers them after it", Needs(harness.CapNOOP),
		Label("data", "write"),
		func(ctx *Ctx) {
			c, name, data := withFixture(ctx, 1<<20)
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			ctrlSend(ctx, c, "RETR "+name+"\r\nNOOP\r\nNOOP\r\n")
			prelim := ctrlRead(ctx, c, "RETR "+name)
			if !harness.IsPreliminary(prelim.Code) {
				ctx.failf("RETR %s: expected 125 or 150; got %s", name, prelim)
			}
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				nc, err := d.Conn(ctx)
				if err != nil {
					done <- result{0, err}
					return
				}
				_ = nc.SetReadDeadline(time.Now().Add(ctx.cfg.Target.DataTimeout))
				b, err := io.ReadAll(nc)
				done <- result{len(b), err}
			}()
			var got []*harness.Reply
			for len(got) < 3 {
				var r *harness.Reply
				var err error
				if len(got) == 0 {
					r, err = c.Completion(ctx, prelim)
				} else {
					r, err = c.ReadReply(ctx)
				}
				if err != nil {
					ctx.failf("RETR, then two NOOPs during the transfer: after %s: %v; commands that arrive during a transfer should be queued and answered after it (RFC 959 §4.2)",
						harness.ReplyChain(append([]*harness.Reply{prelim}, got...)...), err)
				}
				got = append(got, r)
			}
			res := <-done
			if res.err != nil || res.n != len(data) {
				ctx.infof("data connection: %d of %d bytes%s", res.n, len(data), harness.ErrSuffix("; ", res.err))
			}
			var completion *harness.Reply
			noops := 0
			for _, r := range got {
				if r.Code == harness.ReplyOK {
					noops++
				} else if completion == nil {
					completion = r
				}
			}
			if noops != 2 || completion == nil || harness.Class(completion.Code) != 2 {
				ctx.failf("RETR, then two NOOPs during the transfer: expected the transfer's 226 or 250 and two 200s; got %s", harness.ReplyChain(append([]*harness.Reply{prelim}, got...)...))
			}
			if got[0].Code == harness.ReplyOK {
				ctx.warnf("a NOOP sent during the transfer was answered before the transfer's completion reply (%s): RFC 959 §4.2 wants such commands queued", harness.ReplyChain(got...))
			}
		})

	r.Check("RFC959-4.1.3-ORDER", "accepts TYPE after PASV and applies it to the following transfer",
		Label("data", "write"),
		func(ctx *Ctx) {
			c, name, data := withFixture(ctx, 64<<10)
			r, err := c.Cmd(ctx, "TYPE A")
			expectCode(ctx, "TYPE A", r, err, harness.ReplyOK)
			mode := ctx.defaultMode(c)
			d := openData(ctx, c, mode)
			DeferCleanup(d.Close)
			for _, line := range []string{"TYPE I", "MODE S", "STRU F"} {
				r, err := c.Cmd(ctx, line)
				expectCode(ctx, fmt.Sprintf("%s after %s (transfer parameters may come in any order before the transfer, RFC 959 §4.1.3)", line, mode), r, err, harness.ReplyOK)
			}
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR %s", name)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("RETR %s after %s and TYPE I: expected 125 or 150, then 226 or 250; got %s", name, mode, t.ReplyChain())
			}
			if !bytes.Equal(t.Data, data) {
				ctx.failf("RETR %s: the TYPE I sent after %s was not applied to the transfer: %s", name, mode, firstDiff(t.Data, data))
			}
		})
})

var _ = describe("Reply codes in use (RFC 959 §4.2, RFC 1123 §4.1.2.11)", Label("control", "format"), func(r *Run) {
	r.Check("RFC959-4.2-NO-NEW-CODES", "uses only reply codes the RFCs define", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			p := probeControl(ctx)
			order, first := ctrlCodes(p.replies)
			var odd []string
			for _, code := range order {
				if !ctrlDefinedCodes[code] {
					odd = append(odd, fmt.Sprintf("%d (first in %s)", code, first[code]))
				}
			}
			if len(odd) > 0 {
				ctx.failf("codes no RFC defines: %s; a server should use the defined code for a situation (RFC 1123 §4.1.2.11)", strings.Join(odd, ", "))
			}
		})

	r.Check("RFC959-4.2-SECOND-DIGIT", "uses a defined function group as the second digit of every reply code", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			p := probeControl(ctx)
			order, first := ctrlCodes(p.replies)
			var odd []string
			for _, code := range order {
				if d := code / 10 % 10; harness.Class(code) != 6 && (d == 4 || d > 5) {
					odd = append(odd, fmt.Sprintf("%d (first in %s)", code, first[code]))
				}
			}
			if len(odd) > 0 {
				ctx.failf("the second digit of a code names its function group: 0 syntax, 1 information, 2 connections, 3 authentication, 5 file system (RFC 959 §4.2.1); these use another: %s", strings.Join(odd, ", "))
			}
		})

	r.Check("RFC1123-4.1.2.11-CORRECT-FORMAT", "sends only correctly formatted replies", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			p := probeControl(ctx)
			var bad, noText []string
			for _, r := range p.replies {
				for _, v := range r.Violations {
					line := fmt.Sprintf("reply %q: %s", firstLine(r), v.Detail)
					if v.Kind == harness.NoText {
						noText = append(noText, line)
					} else {
						bad = append(bad, line)
					}
				}
			}
			exs := probeMultiline(ctx)
			bad = append(bad, mlFirstProblems(exs)...)
			bad = append(bad, mlIntermediateProblems(exs)...)
			if len(bad) > 0 {
				ctx.failf("replies that break the format of RFC 959 §4.2:\n  %s", strings.Join(bad, "\n  "))
			}
			if len(noText) > 0 {
				ctx.warnf("replies without SP and text after the code (RFC 959 asks for them; RFC 3659 and 2640 grammars make the text optional):\n  %s", strings.Join(noText, "\n  "))
			}
		})
})

var _ = describe("Multi-line replies (RFC 959 §4.2, RFC 2389 §2.2)", Label("control", "format"), func(r *Run) {
	r.Check("RFC959-4.2-ML-FIRST", "opens a multi-line reply with the code followed by a hyphen", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			if bad := mlFirstProblems(probeMultiline(ctx)); len(bad) > 0 {
				ctx.failf("%s", strings.Join(bad, "\n"))
			}
		})

	r.Check("RFC959-4.2-ML-INTERMEDIATE", "never begins an intermediate line of a multi-line reply with its code and a space", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			if bad := mlIntermediateProblems(probeMultiline(ctx)); len(bad) > 0 {
				ctx.failf("%s", strings.Join(bad, "\n"))
			}
		})

	r.Check("RFC959-4.2-ML-NO-NEST", "never nests a multi-line reply inside another", Needs(harness.CapNOOP),
		func(ctx *Ctx) {
			if bad := mlNestProblems(probeMultiline(ctx)); len(bad) > 0 {
				ctx.failf("%s", strings.Join(bad, "\n"))
			}
		})

	r.Check("RFC2389-2.2-ANY-MULTILINE", "keeps every reply complete and parseable, in single-line or multi-line form",
		func(ctx *Ctx) {
			c := login(ctx)
			multi := 0
			for _, line := range []string{"NOOP", "SYST", "PWD", "TYPE I", "MODE S", "STRU F", "HELP", "STAT", "FEAT", "QUIT"} {
				r, err := c.Cmd(ctx, line)
				if err != nil {
					var pe *harness.ProtocolError
					if errors.As(err, &pe) && pe.Partial != nil && len(pe.Partial.Lines) > 0 {
						ctx.failf("%s: the reply began %q but never ended: %v (any reply may be multi-line, RFC 2389 §2.2, but it must end with a line \"%.3s \")",
							line, pe.Partial.Lines[0], err, pe.Partial.Lines[0])
					}
					ctx.failf("%s: %v", line, err)
				}
				for _, v := range r.Violations {
					switch v.Kind {
					case harness.MLDashEnd, harness.MLWrongEndCode, harness.MLUnterminated:
						ctx.failf("%s: the multi-line reply %s is not framed correctly: %s", line, r, v)
					}
				}
				if r.Multiline() {
					multi++
				}
			}
			ctx.infof("%d of 10 replies were multi-line", multi)
		})
})
