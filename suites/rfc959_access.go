package suites

import (
	"fmt"
	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Access-control commands of RFC 959 §4.1.1 (USER, ACCT, CWD, CDUP, SMNT,
// REIN) with their §5.4 replies, and NOOP before login.

func init() {
	NotCovered["RFC959-4.1.1-ACCT-FOR-LOGIN"] = "needs an account that requires ACCT to log in (332 after PASS); the target profile has none"
	NotCovered["RFC959-4.1.1-ACCT-332-532"] = "needs an account for which a later command requires ACCT; the target profile has none"
	NotCovered["RFC959-4.1.1-USER-FIRST"] = "a permission, not a duty; what the server allows before USER is recorded by the SYST, PWD, HELP, NOOP and CWD before-login checks"
}

// reinit sends REIN and returns its completion reply: after "120 ready in
// nnn minutes" the 220 must follow (RFC 959 §5.4). REIN is optional
// (RFC 1123 §4.1.5), so 500 or 502 skips the check.
func reinit(c *harness.Conn, ctx *Ctx) *harness.Reply {
	r := cmd(ctx, c, "REIN")
	if notImplemented(r) {
		Skip("REIN is optional (RFC 1123 §4.1.5) and the server does not implement it: " + r.String())
	}
	if r.Code == harness.ReplyServiceReadyIn {
		next, err := c.ReadReply(ctx)
		if err != nil {
			ctx.failf("REIN answered %s, but the 220 that must follow it never came: %v", r, err)
		}
		r = next
	}
	return r
}

var _ = describe("Login commands (RFC 959 §4.1.1, §5.4)", Label("login"), func(r *Run) {
	// RFC 959 §5.4 lists for USER: "230 / 530 / 500, 501, 421 / 331, 332".
	// Without an argument, 501 is the specific reply; 331 (RFC 2577 §7's
	// "331 for any name") and 500 are in the same list, so they are noted
	// as information; only a reply the list does not contain fails.
	r.Check("RFC959-5.4-USER-CODES/no-argument", "answers USER without a user name with a reply RFC 959 §5.4 lists for USER",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER")
			if err != nil {
				ctx.failf("USER without an argument: %v", err)
			}
			switch {
			case r.Code == harness.ReplySyntaxErrorParams:
			case listedFor("USER", r.Code):
				ctx.infof("USER without an argument: got %s, a reply §5.4 lists for USER; 501 (syntax error in parameters) would be the specific one", r)
			default:
				ctx.failf("%s", expectation("USER without an argument", permitted["USER"], r))
			}
		})

	// The one check of ACCT (RFC1123-4.1.2.13-MIN-COMMANDS leaves it out).
	// ACCT is in RFC 1123 §4.1.2.13's minimum set, which applies "unless
	// the OS/file system cannot support it" (the catalog's summary of
	// §4.1.2.13): a system without accounts may answer 500 or 502, which is
	// information. A reply claiming the logged-in session is not logged in
	// (530) or any other code outside 202/230 fails.
	r.Check("RFC959-5.4-ACCT-CODES", "answers ACCT after login with 202 or 230, or as not implemented on a system without accounts",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "ACCT ftpconform")
			if err == nil && notImplemented(r) {
				ctx.infof("ACCT after login: got %s; a system without accounts need not implement ACCT (RFC 1123 §4.1.2.13)", r)
				return
			}
			expectCode(ctx, "ACCT after login (no account needed: superfluous)", r, err, harness.ReplySuperfluous, harness.ReplyLoggedIn)
		})

	r.Check("RFC959-4.1.1-USER-AGAIN", "keeps the transfer type when USER and PASS come again during a session",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			dir := joinPath(home, scratch(ctx, c))
			data := []byte("alpha\nbeta\n")
			upload(ctx, c, ctx.defaultMode(c), "again.txt", data) // leaves TYPE I
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			if err != nil {
				ctx.failf("USER during a session: %v", err)
			}
			switch {
			case r.Code == harness.ReplyNeedPassword:
				r, err = c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
				expectCode(ctx, "PASS after the second USER", r, err, harness.ReplyLoggedIn, harness.ReplySuperfluous)
			case r.Code == harness.ReplyLoggedIn:
			case harness.Class(r.Code) == 5:
				Skip("the server does not accept a new USER during a session (RFC 959 §4.1.1 makes that a MAY): " + r.String())
			default:
				expectCode(ctx, "USER during a session", r, nil, harness.ReplyNeedPassword, harness.ReplyLoggedIn)
				return
			}
			got := fetch(ctx, c, joinPath(dir, "again.txt"))
			if d := sameBytes(got, data); d != "" {
				ctx.failf("after a new USER and PASS, RETR (TYPE I was set before) delivered other bytes: %s; a new USER must leave the transfer parameters unchanged (RFC 959 §4.1.1)", d)
			}
		})

	r.Check("RFC959-5.4-REIN-CODES", "answers REIN with 220",
		func(ctx *Ctx) {
			c := login(ctx)
			r := reinit(c, ctx)
			expectCode(ctx, "REIN", r, nil, harness.ReplyServiceReady)
		})

	r.Check("RFC959-4.1.1-REIN-RESET", "logs the user out with REIN and restores the default transfer type",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			dir := joinPath(home, scratch(ctx, c))
			upload(ctx, c, ctx.defaultMode(c), "rein.txt", []byte("first\nsecond\n")) // leaves TYPE I
			r := reinit(c, ctx)
			if harness.Class(r.Code) != 2 {
				ctx.failf("REIN: expected 220; got %s", r)
			}
			if p, err := c.Cmd(ctx, "PWD"); err == nil && harness.Class(p.Code) == 2 {
				ctx.failf("after REIN (%s) the user is still logged in: PWD got %s; REIN must flush the login (RFC 959 §4.1.1)", r, p)
			}
			// REIN cleared TLS too (RFC 4217 §13): a run with TLS starts
			// it again before it logs in.
			if err := c.Secure(ctx); err != nil {
				blocked("RFC4217-13-REIN-CLEARS-TLS", fmt.Sprintf("the session does not go on in clear after REIN inside TLS (AUTH TLS again: %v)", err))
			}
			ctx.must(c.Login(ctx), "logging in again after REIN")
			got := fetch(ctx, c, joinPath(dir, "rein.txt"))
			if d := sameBytes(got, []byte("first\r\nsecond\r\n")); d != "" {
				ctx.failf("after REIN and a new login, RETR without a TYPE command must use the default TYPE A (CRLF line ends): %s; REIN must restore the default transfer parameters (RFC 959 §4.1.1)", d)
			}
		})

	r.Check("RFC959-4.1.3-NOOP/before-login", "answers NOOP before login with 200",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "NOOP")
			if err == nil && r.Code == harness.ReplyNotLoggedIn {
				// RFC 959 §4.1.1 lets a server require USER first; 530 is
				// how it says so.
				ctx.infof("NOOP before login: got %s; the server requires a login first, which RFC 959 §4.1.1 allows", r)
				return
			}
			expectCode(ctx, "NOOP before login", r, err, harness.ReplyOK)
		})
})

var _ = describe("Working directory commands (RFC 959 §4.1.1, §5.4)", Label("access"), func(r *Run) {
	r.Check("RFC959-5.4-CWD-CODES/existing", "answers CWD to an existing directory with 250",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			name := scratch(ctx, c)
			r, err := c.Cmd(ctx, "CWD "+home)
			expectCode(ctx, "CWD "+home+" (the login directory, absolute)", r, err, harness.ReplyFileActionOK)
			r, err = c.Cmd(ctx, "CWD "+name)
			expectCode(ctx, "CWD "+name+" (a directory in the working directory)", r, err, harness.ReplyFileActionOK)
		})

	r.Check("RFC959-5.4-CWD-CODES/missing", "answers CWD to a missing directory with 550 and stays where it was",
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			missing := harness.UniqueName("ftpconform-missing")
			r, err := c.Cmd(ctx, "CWD "+missing)
			expectCode(ctx, "CWD to a missing directory", r, err, harness.ReplyActionNotTaken)
			if got := pwdPath(ctx, c); got != home {
				ctx.failf("after CWD %s (%s) the working directory is %q, no longer %q", missing, r, got, home)
			}
		})

	r.Check("RFC959-4.1.1-CWD-EFFECT", "changes the working directory with CWD and keeps the transfer type",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			name := scratch(ctx, c)
			dir := pwdPath(ctx, c)
			data := []byte("line one\nline two\n")
			upload(ctx, c, ctx.defaultMode(c), "effect.txt", data)
			if r := cmd(ctx, c, "CWD "+home); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s (back to the login directory): %s", home, r)
			}
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			r, err = c.Cmd(ctx, "CWD "+name)
			expectCode(ctx, "CWD "+name, r, err, harness.ReplyFileActionOK)
			if got := pwdPath(ctx, c); got != dir {
				ctx.failf("after CWD %s (%s), PWD names %q, not %q", name, r, got, dir)
			}
			got := fetch(ctx, c, "effect.txt")
			if d := sameBytes(got, data); d != "" {
				ctx.failf("RETR effect.txt (a relative name, TYPE I set before the CWD) after CWD: %s; CWD must change only the working directory (RFC 959 §4.1.1)", d)
			}
		})

	r.Check("RFC959-5.4-CDUP-CODES", "answers CDUP with 200 or 250 and moves to the parent directory",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			name := scratch(ctx, c)
			r, err := c.Cmd(ctx, "CDUP")
			// §5.4 lists 200; §4.1.1 and Appendix II give CDUP CWD's 250.
			expectCode(ctx, "CDUP", r, err, harness.ReplyOK, harness.ReplyFileActionOK)
			if got := pwdPath(ctx, c); got != home {
				ctx.failf("after CDUP from %s (%s), PWD names %q; the parent is %q", joinPath(home, name), r, got, home)
			}
		})

	r.Check("RFC959-4.1.1-CDUP-AT-ROOT", "stays at the top directory or refuses CDUP there",
		func(ctx *Ctx) {
			c := login(ctx)
			if r := cmd(ctx, c, "CWD /"); harness.Class(r.Code) != 2 {
				Skip("the server has no directory \"/\" to start from: CWD / got " + r.String())
			}
			top := pwdPath(ctx, c)
			r := cmd(ctx, c, "CDUP")
			switch harness.Class(r.Code) {
			case 2:
				if got := pwdPath(ctx, c); got != top {
					ctx.failf("CDUP at the top directory %q answered %s and moved to %q; at the top it must stay there or fail with 550", top, r, got)
				}
			case 5:
				ctx.infof("CDUP at the top directory refused: %s", r)
			default:
				expectCode(ctx, "CDUP at the top directory", r, nil, harness.ReplyOK, harness.ReplyFileActionOK, harness.ReplyActionNotTaken)
			}
		})

	r.Check("RFC959-5.4-SMNT-CODES", "answers SMNT with 202, 250 or 550 and refuses a missing pathname",
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			r := cmd(ctx, c, "SMNT "+home)
			if notImplemented(r) {
				Skip("SMNT is optional (RFC 1123 §4.1.5) and the server does not implement it: " + r.String())
			}
			expectCode(ctx, "SMNT "+home+" (an existing directory)", r, nil, harness.ReplySuperfluous, harness.ReplyFileActionOK, harness.ReplyActionNotTaken)
			missing := harness.UniqueName("/ftpconform-missing")
			r2, err := c.Cmd(ctx, "SMNT "+missing)
			expectCode(ctx, "SMNT of a missing pathname", r2, err, harness.ReplyActionNotTaken)
		})
})
