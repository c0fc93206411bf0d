package suites

import (
	"regexp"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// systName is a system name from the Assigned Numbers list: upper-case
// letters, digits, "-", "/" and "_" (RFC 959 §4.1.3 SYST).
var systName = regexp.MustCompile(`^[A-Z][A-Z0-9/_-]*[A-Z0-9]$`)

var _ = describe("Login and session commands (RFC 959 §4.1.1, §5.4)", Label("login"), func(r *Run) {
	r.Check("RFC959-5.4-USER-CODES", "answers USER for a valid account with 331 (or 230 or 332)",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			expectCode(ctx, "USER "+ctx.cfg.Target.User, r, err, harness.ReplyNeedPassword, harness.ReplyLoggedIn, harness.ReplyNeedAccount)
		})

	r.Check("RFC959-5.4-PASS-CODES/login", "logs in after USER and the right PASS",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			r = expectCode(ctx, "USER "+ctx.cfg.Target.User, r, err, harness.ReplyNeedPassword, harness.ReplyLoggedIn)
			if r.Code == harness.ReplyLoggedIn {
				ctx.infof("USER alone logged in: no password needed")
				return
			}
			r, err = c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
			expectCode(ctx, "PASS with the right password", r, err, harness.ReplyLoggedIn, harness.ReplySuperfluous)
		})

	r.Check("RFC959-5.4-PASS-CODES/wrong-password", "refuses a wrong password with 530",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			r = expectCode(ctx, "USER "+ctx.cfg.Target.User, r, err, harness.ReplyNeedPassword, harness.ReplyLoggedIn)
			if r.Code == harness.ReplyLoggedIn {
				Skip("the account needs no password (USER answered 230)")
			}
			r, err = c.Cmd(ctx, "PASS "+harness.UniqueName("wrong"))
			expectCode(ctx, "PASS with a wrong password", r, err, harness.ReplyNotLoggedIn)
			if r, err := c.Cmd(ctx, "PWD"); err == nil && harness.Class(r.Code) == 2 {
				ctx.failf("after a refused password the session still works: PWD got %s", r)
			}
		})

	r.Check("RFC959-4.1.1-PASS-AFTER-USER", "answers 503 to PASS without USER",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
			expectCode(ctx, "PASS without a preceding USER", r, err, harness.ReplyBadSequence)
		})

	r.Check("RFC959-5.2-QUIT-CLOSE", "closes the control connection after answering QUIT",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "QUIT")
			expectCode(ctx, "QUIT", r, err, harness.ReplyClosingControl)
			if closed, extra := c.WaitClose(ctx, 5*ctx.cfg.Target.CloseGrace); !closed {
				ctx.failf("the server answered QUIT with %s but left the connection open for %s", r, 5*ctx.cfg.Target.CloseGrace)
			} else if len(extra) > 0 {
				ctx.failf("after QUIT the server sent more replies: %s", extra[0])
			}
		})

	r.Check("RFC959-4.1.3-NOOP", "answers NOOP with 200",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "NOOP")
			expectCode(ctx, "NOOP", r, err, harness.ReplyOK)
		})

	r.Check("RFC959-4.1.3-SYST-NAME", "answers SYST with 215 and a system name",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "SYST")
			r = expectExactly(ctx, "SYST (mandatory: RFC 1123 §4.1.2.13)", r, err, harness.ReplySystemType)
			name := firstWord(r.Text())
			if name == "" {
				ctx.failf("SYST: the 215 reply names no system: %s", r)
			}
			if !systName.MatchString(name) {
				ctx.warnf("SYST: %q is not a system name in the Assigned Numbers style (e.g. UNIX, WINDOWS_NT, VMS)", name)
			}
		})
})

func firstWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}
