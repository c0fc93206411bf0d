package suites

import (
	"errors"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// probeReplies runs a session that draws replies of many shapes from the
// server: the greeting, login, single-line replies (SYST, PWD, TYPE, NOOP),
// the usual multi-line ones (FEAT, HELP, STAT), a passive LIST with its
// transfer replies, and QUIT. It returns every reply read, including a
// partial one if the exchange broke; the format checks judge them.
func probeReplies(ctx *Ctx) []*harness.Reply {
	c, greet, err := harness.Connect(ctx, ctx.cfg.Target, ctx.transcript())
	if err != nil {
		var pe *harness.ProtocolError
		if errors.As(err, &pe) && pe.Partial != nil {
			return append(greet, pe.Partial)
		}
		ctx.failf("cannot connect to read the greeting: %v", err)
	}
	DeferCleanup(c.Close)
	var partial []*harness.Reply
	stop := func(err error) bool {
		if err == nil {
			return false
		}
		var pe *harness.ProtocolError
		if errors.As(err, &pe) && pe.Partial != nil {
			partial = append(partial, pe.Partial)
		}
		return true
	}
	run := func() {
		if stop(c.Login(ctx)) {
			return
		}
		for _, line := range []string{"SYST", "FEAT", "HELP", "STAT", "PWD", "TYPE I", "NOOP"} {
			if _, err := c.Cmd(ctx, line); stop(err) {
				return
			}
		}
		if _, err := transferIn(ctx, c, ctx.defaultMode(c), "LIST"); stop(err) {
			return
		}
		_, _ = c.Cmd(ctx, "QUIT")
	}
	run()
	return append(c.Replies(), partial...)
}

// formatViolations returns, for every reply with a violation of one of
// kinds, a line describing it.
func formatViolations(replies []*harness.Reply, kinds ...harness.ViolationKind) []string {
	var out []string
	for _, r := range replies {
		for _, v := range r.Violations {
			for _, k := range kinds {
				if v.Kind == k {
					out = append(out, fmt.Sprintf("reply %q: %s", firstLine(r), v.Detail))
				}
			}
		}
	}
	return out
}

func firstLine(r *harness.Reply) string {
	if len(r.Lines) == 0 {
		return ""
	}
	return r.Lines[0]
}

// judgeFormat fails the check with every violation of the given kinds.
func judgeFormat(ctx *Ctx, rule string, kinds ...harness.ViolationKind) {
	replies := probeReplies(ctx)
	if bad := formatViolations(replies, kinds...); len(bad) > 0 {
		ctx.failf("%s; %d of %d replies break it:\n  %s", rule, countReplies(replies, kinds...), len(replies), strings.Join(bad, "\n  "))
	}
}

func countReplies(replies []*harness.Reply, kinds ...harness.ViolationKind) int {
	n := 0
	for _, r := range replies {
		for _, k := range kinds {
			if r.Has(k) {
				n++
				break
			}
		}
	}
	return n
}

var _ = describe("Reply format (RFC 959 §4.2)", Label("format"), func(r *Run) {
	r.Check("RFC959-4.2-CRLF", "ends every reply line with CRLF",
		func(ctx *Ctx) {
			judgeFormat(ctx, "reply lines must end with CRLF (Telnet end of line)", harness.BareLF, harness.StrayCR)
		})

	r.Check("RFC959-4.2-THREE-DIGITS", "starts every reply with a three-digit code",
		func(ctx *Ctx) {
			judgeFormat(ctx, "every reply starts with a code of exactly three digits", harness.ShortCode, harness.NonNumericCode)
		})

	r.Check("RFC959-4.2-FIRST-DIGIT", "uses 1 to 5 as the first digit of every reply code",
		func(ctx *Ctx) {
			judgeFormat(ctx, "the first digit of a reply code is 1-5 (6 only for RFC 2228 protected replies)", harness.BadFirstDigit)
		})

	r.Check("RFC959-4.2-SINGLE-FORMAT", "separates the code from the text with one space",
		func(ctx *Ctx) {
			replies := probeReplies(ctx)
			if bad := formatViolations(replies, harness.NoSeparator); len(bad) > 0 {
				ctx.failf("a reply line is the code, SP, text, CRLF (multi-line: code \"-\"):\n  %s", strings.Join(bad, "\n  "))
			}
			if bad := formatViolations(replies, harness.NoText); len(bad) > 0 {
				ctx.warnf("replies without SP and text after the code (RFC 959 asks for them; RFC 3659 and 2640 grammars make the text optional):\n  %s", strings.Join(bad, "\n  "))
			}
		})

	r.Check("RFC959-4.2-ML-LAST", "ends a multi-line reply with the code followed by a space",
		func(ctx *Ctx) {
			judgeFormat(ctx, "a multi-line reply ends with a line of the same code followed by SP", harness.MLDashEnd, harness.MLUnterminated)
		})

	r.Check("RFC959-4.2-ML-SAME-CODE", "ends a multi-line reply with the code it began with",
		func(ctx *Ctx) {
			judgeFormat(ctx, "the first and last line of a multi-line reply carry the same code", harness.MLWrongEndCode)
		})
})
