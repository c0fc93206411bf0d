package suites

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Informational commands of RFC 959 §4.1.3 (SITE, SYST, STAT, HELP, ALLO)
// and commands whose §5.4 row has no 530 (SYST, PWD) sent before login.

// judgeBeforeLogin judges the reply to a command sent before login whose
// RFC 959 §5.4 row lists no 530. want passes; a 5yz (a login requirement,
// common and allowed by the catalog) is only noted; a reply class the row
// never allows fails. It reports whether the reply was want.
func judgeBeforeLogin(ctx *Ctx, what, verb string, r *harness.Reply, err error, want int) bool {
	if err != nil {
		ctx.failf("%s: %v", what, err)
		return false
	}
	switch {
	case r.Code == want:
		ctx.infof("%s works before login: %s", verb, r)
		return true
	case harness.Class(r.Code) == 5:
		ctx.infof("%s before login is refused: %s (RFC 959 §5.4 lists no 530 for %s; requiring a login is common)", verb, r, verb)
	case !classAllowed(verb, r.Code):
		ctx.failf("%s: got %s; RFC 959 §5.4 permits %s for %s (and a server may ask for a login with 530), never a %dyz reply",
			what, r, harness.Codes(permitted[verb]), verb, harness.Class(r.Code))
	default:
		expectCode(ctx, what, r, nil, want)
	}
	return false
}

var _ = describe("Commands before login (RFC 959 §5.4)", Label("login"), func(r *Run) {
	r.Check("RFC959-5.4-SYST-NO-530", "answers SYST before login with 215 or a refusal, never another kind of reply",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "SYST")
			judgeBeforeLogin(ctx, "SYST before login", "SYST", r, err, harness.ReplySystemType)
		})

	r.Check("RFC959-5.4-PWD-NO-530", "answers PWD before login with 257 or a refusal, never another kind of reply",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "PWD")
			if judgeBeforeLogin(ctx, "PWD before login", "PWD", r, err, harness.ReplyPathCreated) {
				if _, problem := harness.Parse257(r.Text()); problem != "" {
					ctx.failf("PWD before login: %s: %s (RFC 959 Appendix II)", r, problem)
				}
			}
		})

	r.Check("RFC959-4.1.3-HELP-BEFORE-LOGIN", "answers HELP before login with 211 or 214",
		Label("info"),
		func(ctx *Ctx) {
			c := connect(ctx)
			r := hardReply(ctx, c, "HELP", "HELP before login")
			if r.Code == harness.ReplyNotLoggedIn {
				ctx.warnf("HELP before login: got %s; HELP should work before USER (RFC 959 §4.1.3), and §5.4 lists no 530 for it", r)
				return
			}
			expectCode(ctx, "HELP before login", r, nil, harness.ReplySystemStatus, harness.ReplyHelp)
		})
})

var _ = describe("Informational commands (RFC 959 §4.1.3, §5.4)", Label("info"), func(r *Run) {
	r.Check("RFC959-4.1.3-HELP-CODES/general", "answers HELP with 211 or 214",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "HELP")
			expectCode(ctx, "HELP (mandatory: RFC 1123 §4.1.2.13)", r, err, harness.ReplySystemStatus, harness.ReplyHelp)
		})

	r.Check("RFC959-4.1.3-HELP-CODES/topic", "answers HELP NOOP with 211 or 214",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "HELP NOOP")
			if err == nil && harness.Class(r.Code) == 5 {
				ctx.warnf("HELP NOOP: got %s; HELP with a command name should describe that command (211 or 214, RFC 959 §4.1.3)", r)
				return
			}
			expectCode(ctx, "HELP NOOP", r, err, harness.ReplySystemStatus, harness.ReplyHelp)
		})

	r.Check("RFC959-4.1.3-HELP-SITE", "describes the SITE subcommands with HELP SITE",
		func(ctx *Ctx) {
			c := login(ctx)
			r := cmd(ctx, c, "HELP SITE")
			switch {
			case r.Code == harness.ReplySystemStatus || r.Code == harness.ReplyHelp:
			case harness.Class(r.Code) == 5:
				Skip("the server gives no help on SITE (RFC 959 §4.1.3 makes it a MAY): " + r.String())
			case !classAllowed("HELP", r.Code):
				ctx.failf("HELP SITE: got %s; RFC 959 §5.4 permits %s for HELP", r, harness.Codes(permitted["HELP"]))
			default:
				expectCode(ctx, "HELP SITE", r, nil, harness.ReplySystemStatus, harness.ReplyHelp)
			}
		})

	r.Check("RFC959-5.4-SITE-CODES", "refuses an unknown SITE subcommand with 500, 501 or 502",
		func(ctx *Ctx) {
			c := login(ctx)
			line := "SITE " + strings.ToUpper(harness.UniqueName("FTPCONFORM"))
			r, err := c.Cmd(ctx, line)
			if err == nil && r.Code == harness.ReplySuperfluous {
				ctx.warnf("%s (an unknown subcommand): got %s; a refusal (500, 501 or 502) is expected", line, r)
				return
			}
			expectCode(ctx, line+" (an unknown subcommand)", r, err,
				harness.ReplySyntaxError, harness.ReplySyntaxErrorParams, harness.ReplyNotImplemented)
		})

	r.Check("RFC959-4.1.3-STAT-GENERAL", "answers STAT without an argument with 211",
		func(ctx *Ctx) {
			c := login(ctx)
			r := hardReply(ctx, c, "STAT", "STAT")
			if notImplemented(r) {
				// STAT is in RFC 1123's minimum set: that MUST is judged
				// once, by RFC1123-4.1.2.13-MIN-COMMANDS.
				Skip(fmt.Sprintf("STAT is answered as not implemented (%s): judged by RFC1123-4.1.2.13-MIN-COMMANDS", r))
			}
			if r.Multiline() {
				ctx.infof("STAT reports %d lines of status", len(r.Lines))
			}
			expectCode(ctx, "STAT without an argument (general status)", r, nil, harness.ReplySystemStatus)
		})

	r.Check("RFC959-4.1.3-STAT-PATH", "lists a directory over the control connection with STAT pathname",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			dir := pwdPath(ctx, c)
			want := []string{"stat-alpha", "stat-beta"}
			for _, n := range want {
				mkdir(ctx, c, n)
			}
			line := "STAT " + dir
			r := cmd(ctx, c, line)
			switch harness.Class(r.Code) {
			case 2:
				// 212 is the directory status; 213 (file status) is common.
				expectCode(ctx, line+" (a directory)", r, nil, harness.ReplyDirectoryStatus, harness.ReplyFileStatus)
				text := strings.Join(r.Lines, "\n")
				for _, n := range want {
					if !strings.Contains(text, n) {
						ctx.failf("%s answered %s, but the listing does not mention %q; STAT with a pathname lists it like LIST, over the control connection (RFC 959 §4.1.3)", line, r, n)
					}
				}
			case 4, 5:
				if r.Code == harness.ReplyServiceUnavailable {
					ctx.failf("%s: got %s", line, r)
				}
				Skip("the server does not list a directory with STAT (RFC 959 §4.1.3 makes it a MAY): " + r.String())
			default:
				ctx.failf("%s: got %s; RFC 959 §5.4 permits %s for STAT", line, r, harness.Codes(permitted["STAT"]))
			}
		})

	r.Check("RFC959-4.1.3-ALLO-NOOP", "treats ALLO as a no-op with 200 or 202",
		func(ctx *Ctx) {
			c := login(ctx)
			r := hardReply(ctx, c, "ALLO 1024", "ALLO 1024")
			if notImplemented(r) {
				Skip("ALLO is optional (RFC 1123 §4.1.5) and the server does not implement it: " + r.String())
			}
			expectCode(ctx, "ALLO 1024 (nothing to reserve)", r, nil, harness.ReplyOK, harness.ReplySuperfluous)
			r = hardReply(ctx, c, "ALLO 0 R 80", "ALLO 0 R 80")
			expectCode(ctx, "ALLO 0 R 80 (a dummy size and a record size)", r, nil, harness.ReplyOK, harness.ReplySuperfluous, harness.ReplyNotImplParam)
			r = hardReply(ctx, c, "ALLO x", "ALLO x")
			if harness.Class(r.Code) == 2 {
				// A server that treats ALLO as NOOP may ignore its argument.
				ctx.infof("ALLO x (not a decimal integer) was ignored: %s", r)
				return
			}
			expectCode(ctx, "ALLO x (not a decimal integer)", r, nil, harness.ReplySyntaxErrorParams)
		})

	r.Check("RFC959-4.2-200-202", "answers 200 to a plain success and 200 or 202 to a superfluous ALLO",
		func(ctx *Ctx) {
			c := login(ctx)
			r := hardReply(ctx, c, "TYPE I", "TYPE I")
			if harness.Class(r.Code) != 2 {
				// TYPE I is in RFC 1123's minimum set: judged by
				// RFC1123-4.1.2.13-MIN-TYPES.
				Skip(fmt.Sprintf("TYPE I got %s: judged by RFC1123-4.1.2.13-MIN-TYPES", r))
			}
			a := hardReply(ctx, c, "ALLO 1000", "ALLO 1000")
			expectCode(ctx, "TYPE I (a success with nothing to report)", r, nil, harness.ReplyOK)
			if notImplemented(a) {
				ctx.infof("ALLO is not implemented (%s): only TYPE I judged", a)
				return
			}
			expectCode(ctx, "ALLO 1000 (nothing to reserve on this site)", a, nil, harness.ReplyOK, harness.ReplySuperfluous)
		})
})
