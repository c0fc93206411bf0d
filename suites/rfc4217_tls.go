package suites

import (
	"bytes"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

func init() {
	for id, why := range map[string]string{
		"RFC2228-3-AUTH-RESETS":               "the same rule as RFC 4217 §4.2 applies it to AUTH TLS, which RFC4217-4.2-RESET-AFTER-AUTH judges",
		"RFC2228-3-AUTH-UNKNOWN-CMD":          "binds only a server that does not know AUTH, whose 500 cannot be told from the 502 of one that knows it without security support; the FTPS checks skip with either reply",
		"RFC2228-3-CCC-RULES":                 "the rules as RFC 4217 §5 applies them to TLS are RFC4217-5-CCC's; CCC in clear (533) is not sent, since a server that does not list CCC need not know it",
		"RFC2228-3-PROT-DEFAULT-CLEAR":        "the same rule as RFC 4217 §9 applies it to TLS, which RFC4217-9-INITIAL-CLEAR judges",
		"RFC2228-3-REPLY-DIGIT-RULE":          "a substitution to hide policy is judged per command by the checks of its reply codes, which flag a code of another class",
		"RFC2228-5.2-6YZ-ONLY-AFTER-EXCHANGE": "6yz replies belong to mechanisms with protected commands (MIC, CONF, ENC); TLS protects the whole connection and has none",
		"RFC4217-4.2-USER-REQUIRED":           "every FTPS check logs in with USER after AUTH TLS; a server that takes a client certificate for the login answers 232, which the RFC allows",
		"RFC4217-7-TLS-ROLES":                 "judged by RFC4217-9-TLS-BEFORE-DATA, whose PORT and EPRT transfers run with the harness as TLS client on the connection the server opens",
		"RFC7151-3.2.2-HOST-SNI-MATCH":        "needs a TLS session whose SNI names one virtual host and a HOST naming another; the harness sends SNI only as the target's host name",
		"POLICY-PASV-EXHAUSTION":              "exhausting a passive range means holding every port of it open at once (hundreds of connections), which a conformance run does not do to the server it checks",
	} {
		NotCovered[id] = why
	}
}

// The checks of FTPS: RFC 4217 (FTP over TLS) and the parts of RFC 2228
// it relies on. They run in every run of a server that offers FTPS
// (FEAT lists AUTH TLS, or AUTH TLS gets 234), on connections of their
// own; a run with --tls also runs every other check inside TLS.
var _ = describe("Securing FTP with TLS (RFC 4217, RFC 2228)", Label("tls", "rfc4217"), func(r *Run) {
	// RFC 4217 §4.2: "If the server is willing to accept the named
	// security mechanism, and does not require any security data, it
	// must respond with reply code 234", after which the TLS negotiation
	// takes place on the control connection.
	// A server that reads a ClientHello sent at once as a command does so
	// by a race: the failure is confirmed by a second attempt.
	r.Check(checkAuthTLS, "answers AUTH TLS with 234 and then takes the TLS handshake",
		Confirm, func(ctx *Ctx) {
			c := startTLS(ctx, clearControl(ctx))
			info := c.TLS()
			ctx.infof("TLS on the control connection: %s", info)
			// Any well-formed reply shows the session goes on inside TLS
			// (a server may want a login before NOOP: 530).
			_, err := c.Cmd(ctx, "NOOP")
			ctx.must(err, "NOOP inside TLS: the session does not go on after the handshake")
		})

	// RFC 4217 §17 (the TLS-C synonym): "the server MUST ... accept
	// 'TLS-C' as a synonym" is the catalog's SHOULD: AUTH TLS-C works as
	// AUTH TLS does.
	r.Check("RFC4217-17-AUTH-TLS-C", "accepts AUTH TLS-C as a synonym of AUTH TLS",
		func(ctx *Ctx) {
			c := clearControlOfFTPS(ctx, "the synonym")
			r, err := c.Cmd(ctx, "AUTH TLS-C")
			ctx.must(err, "AUTH TLS-C")
			if r.Code != harness.ReplySecurityDataOK {
				ctx.failf("AUTH TLS-C got %s; RFC 4217 §17 makes TLS-C a synonym of TLS, answered 234 like it", r)
			}
		})

	// RFC 2228 §3 (AUTH): "If the server does not understand the named
	// security mechanism, it should respond with reply code 504."
	r.Check("RFC2228-3-AUTH-MECH-CODES", "answers AUTH with an unknown mechanism with 504",
		func(ctx *Ctx) {
			c := clearControl(ctx)
			r, err := c.Cmd(ctx, "AUTH FTPCONFORM-NO-SUCH-MECHANISM")
			ctx.must(err, "AUTH with an unknown mechanism")
			switch {
			case r.Code == harness.ReplyNotImplParam:
			case r.Code == harness.ReplySyntaxError || r.Code == harness.ReplyNotImplemented:
				Skip("the server implements no security mechanism: AUTH got " + r.String())
			case r.Code == harness.ReplySecurityDataOK:
				ctx.failf("AUTH FTPCONFORM-NO-SUCH-MECHANISM got %s: the server accepted a mechanism nobody defined; RFC 2228 §3 asks for 504", r)
			default:
				ctx.failf("AUTH FTPCONFORM-NO-SUCH-MECHANISM got %s; RFC 2228 §3 asks for 504 for a mechanism the server does not understand", r)
			}
		})

	// RFC 4217 §9: "PBSZ needs completed TLS": RFC 2228 §3 "The PBSZ
	// command must be preceded by a successful security data exchange",
	// and "the client must issue a PBSZ command before it can issue the
	// first PROT command". A server that accepts PBSZ or PROT in clear
	// promises a protection it has no means to give.
	r.Check("RFC4217-9-NO-PROT-WITHOUT-TLS", "refuses PBSZ and PROT before AUTH TLS",
		func(ctx *Ctx) {
			c := clearControlOfFTPS(ctx, "the order of the security commands")
			for _, line := range []string{"PBSZ 0", "PROT P"} {
				r, err := c.Cmd(ctx, line)
				ctx.must(err, "%s before AUTH", line)
				if harness.Class(r.Code) == 2 && r.Code != harness.ReplySuperfluous {
					ctx.failf("%s before AUTH TLS got %s: no data protection is possible without a protected control connection (RFC 4217 §9, RFC 2228 §3)", line, r)
				}
			}
		})

	// RFC 2228 §3 (PBSZ): "If the server has not completed a security
	// data exchange with the client, it should respond with a 503 reply
	// code." Any refusal protects; only the code is judged here.
	r.Check("RFC2228-3-PBSZ-ORDER", "answers PBSZ before AUTH TLS with 503",
		func(ctx *Ctx) {
			c := clearControlOfFTPS(ctx, "the order of the security commands")
			r, err := c.Cmd(ctx, "PBSZ 0")
			ctx.must(err, "PBSZ before AUTH")
			switch {
			case r.Code == harness.ReplyBadSequence:
			case harness.Class(r.Code) == 2:
				ctx.infof("PBSZ before AUTH TLS got %s (RFC4217-9-NO-PROT-WITHOUT-TLS judges it)", r)
			default:
				ctx.failf("PBSZ before AUTH TLS got %s; RFC 2228 §3 asks for 503 before a completed security exchange", r)
			}
		})

	// RFC 2228 §3 (PROT): "The PROT command will be rejected and the
	// server should reply 503 if no previous PBSZ command was issued";
	// RFC 4217 §9 makes PBSZ compulsory before PROT, a duty of the client;
	// the server's is the RFC 2228 "should" (SHOULD).
	r.Check("RFC2228-3-PROT-ORDER", "answers PROT before PBSZ with 503",
		func(ctx *Ctx) {
			c := tlsSession(ctx)
			r, err := c.Cmd(ctx, "PROT P")
			ctx.must(err, "PROT P before PBSZ")
			if r.Code != harness.ReplyBadSequence {
				ctx.failf("PROT P without a PBSZ before it got %s; RFC 2228 §3: PROT is rejected with 503 when no PBSZ was issued", r)
			}
		})

	// RFC 4217 §9: "the PBSZ command MUST still be issued, but must have a
	// parameter of '0'"; RFC 2228 §3: "Otherwise, the server must reply
	// with a 200 reply code."
	r.Check("RFC4217-9-PBSZ-0", "answers PBSZ 0 inside TLS with 200",
		func(ctx *Ctx) {
			c := tlsSession(ctx)
			r, err := c.Cmd(ctx, "PBSZ 0")
			ctx.must(err, "PBSZ 0")
			if r.Code != harness.ReplyOK {
				ctx.failf("PBSZ 0 inside TLS got %s; RFC 2228 §3: after a completed security exchange the server must reply 200", r)
			}
		})

	// RFC 4217 §9: "If the data connection security level is 'Private',
	// then a TLS negotiation must take place on the data connection ...
	// prior to any data being transmitted"; with 'Clear' "the data
	// connection is made without TLS". PROT P, then PROT C, each judged by
	// a transfer.
	r.Check("RFC4217-9-PROT-C-P", "moves data inside TLS after PROT P and in clear after PROT C",
		Label("write"), func(ctx *Ctx) {
			c, name, data := tlsFixture(ctx, 4096)
			got, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+name)
			ctx.must(err, "RETR %s under PROT P", name)
			if plaintextUnderProt(got.DataErr) {
				ctx.failForCause(findingClearUnderProt, "RETR %s under PROT P: %v; RFC 4217 §9: under PROT P a TLS negotiation must take place before any data", name, got.DataErr)
			}
			if got.DataErr != nil || !bytes.Equal(got.Data, data) {
				ctx.failf("RETR %s under PROT P: %v %s", name, got.DataErr, firstDiff(got.Data, data))
			}
			r, err := c.Cmd(ctx, "PROT C")
			ctx.must(err, "PROT C")
			switch {
			case r.Code == harness.ReplyPolicyRefused || r.Code == harness.ReplyProtNotSupported:
				ctx.infof("PROT C got %s: the server insists on protected data connections (RFC 4217 §10.2 lets it)", r)
				return
			case r.Code != harness.ReplyOK:
				ctx.failf("PROT C after PROT P got %s; RFC 4217 §9 defines Clear as one of the two levels, and RFC 2228 §3 answers a level the server will not take with 534 or 536", r)
			}
			c.SetDataProtection(harness.ProtClear)
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+name)
			ctx.must(err, "RETR %s under PROT C", name)
			switch {
			case refusedInClear(t):
				ctx.infof("RETR under PROT C got %s: the server refuses data in clear (a policy RFC 4217 §10.2 allows)", t.Final)
			case t.DataErr != nil:
				ctx.failf("RETR %s under PROT C: the data connection did not carry the file in clear (%v): PROT C answered 200 but did not clear the data protection", name, t.DataErr)
			case !bytes.Equal(t.Data, data):
				ctx.failf("RETR %s under PROT C: %s (a TLS record instead of the file starts 0x16 0x03: %v)", name, firstDiff(t.Data, data), bytes.HasPrefix(t.Data, []byte{0x16, 0x03}))
			}
		})

	// RFC 4217 §9: with PROT P "a TLS negotiation must take place on the
	// data connection ... prior to any data being transmitted", and §7:
	// on every data connection, whoever connects, the FTP client is the
	// TLS client. Judged in each data mode the server offers: a server
	// that accepts PROT P and sends plaintext fails.
	r.Check("RFC4217-9-TLS-BEFORE-DATA", "sends data only inside TLS under PROT P, in PASV, EPSV, PORT and EPRT",
		Label("write", "data"), func(ctx *Ctx) {
			c, name, data := tlsFixture(ctx, 4096)
			var plain, ok []string
			for _, mode := range []harness.DataMode{harness.PASV, harness.EPSV, harness.PORT, harness.EPRT} {
				if f := ctx.cfg.Facts.Cap(dataCapability(mode)); f.State == harness.CapBroken || f.State == harness.CapUnsupported || (mode == harness.PORT || mode == harness.PASV) && c.RemoteAddr().Addr().Is6() {
					continue // the mode's own checks judge it
				}
				// PROT P before each transfer: this judges the data
				// connection, RFC4217-9-PROT-PERSISTS how long PROT lasts.
				protectData(ctx, c)
				t, err := transferIn(ctx, c, mode, "RETR "+name)
				switch {
				case err == nil && plaintextUnderProt(t.DataErr):
					plain = append(plain, fmt.Sprintf("%s (%v)", mode, t.DataErr))
				case err != nil:
					ctx.failf("RETR %s over %s under PROT P: %v", name, mode, err)
				case t.DataErr != nil:
					ctx.failf("RETR %s over %s under PROT P: data connection: %v", name, mode, t.DataErr)
				case !bytes.Equal(t.Data, data):
					ctx.failf("RETR %s over %s under PROT P: %s", name, mode, firstDiff(t.Data, data))
				default:
					ok = append(ok, string(mode))
				}
			}
			if len(plain) > 0 {
				ctx.failForCause(findingClearUnderProt, "the server answered 200 to PROT P and sent the data in plaintext over %s; RFC 4217 §9: under PROT P a TLS negotiation must take place on the data connection before any data", strings.Join(plain, ", "))
			}
			if len(ok) == 0 {
				Skip("no data mode works on this server (the checks of each mode judge why)")
			}
			ctx.infof("data connections inside TLS in %s", strings.Join(ok, ", "))
		})

	// RFC 4217 §9 and RFC 2228 §3: the initial data protection is Clear
	// ("The default protection level if no other level is specified is
	// Clear", RFC 2228): after AUTH TLS and PBSZ, with no PROT, a data
	// connection carries plaintext.
	r.Check("RFC4217-9-INITIAL-CLEAR", "moves data in clear after AUTH TLS and PBSZ until PROT P",
		func(ctx *Ctx) {
			c := tlsSession(ctx)
			r, err := c.Cmd(ctx, "PBSZ 0")
			ctx.must(err, "PBSZ 0")
			if r.Code != harness.ReplyOK {
				blocked("RFC4217-9-PBSZ-0", "PBSZ 0 got "+r.String())
			}
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "NLST")
			ctx.must(err, "NLST with no PROT")
			switch {
			case refusedInClear(t):
				ctx.infof("NLST with no PROT got %s: the server refuses data in clear (a policy RFC 4217 §10.2 allows), which leaves the default level unobserved", t.Final)
			case t.DataErr != nil || t.Final == nil || harness.Class(t.Final.Code) != 2:
				ctx.failf("NLST with no PROT, in clear: %s %v; the initial protection level is Clear (RFC 2228 §3, RFC 4217 §9), so the data connection carries plaintext", harness.ReplyChain(t.Replies()...), t.DataErr)
			case bytes.HasPrefix(t.Data, []byte{0x16, 0x03}):
				ctx.failf("NLST with no PROT: the data connection started a TLS handshake; the initial protection level is Clear (RFC 2228 §3, RFC 4217 §9)")
			}
		})

	// RFC 4217 §9: after PROT P "every later data connection is TLS until
	// another PROT, REIN, new AUTH or end of session" (catalog MUST).
	r.Check("RFC4217-9-PROT-PERSISTS", "keeps PROT P in force for every later data connection",
		Label("write"), func(ctx *Ctx) {
			c, name, data := tlsFixture(ctx, 2048)
			for i := 1; i <= 3; i++ {
				t, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+name)
				ctx.must(err, "RETR %s, transfer %d after PROT P", name, i)
				if plaintextUnderProt(t.DataErr) && i == 1 {
					ctx.failForCause(findingClearUnderProt, "the first transfer after PROT P came in plaintext (%v); RFC 4217 §9", t.DataErr)
				}
				if plaintextUnderProt(t.DataErr) {
					ctx.failf("transfer %d after one PROT P came in plaintext (%v): RFC 4217 §9 keeps the level in force until another PROT, REIN or AUTH", i, t.DataErr)
				}
				if t.DataErr != nil || !bytes.Equal(t.Data, data) {
					ctx.failf("transfer %d after one PROT P: %v %s", i, t.DataErr, firstDiff(t.Data, data))
				}
			}
		})

	// RFC 4217 §6: "If a server supports the FEAT command, then it MUST
	// advertise supported AUTH, PBSZ, and PROT commands in the reply."
	r.Check("RFC4217-6-FEAT-TLS", "lists AUTH TLS, PBSZ and PROT in FEAT when it offers FTPS",
		func(ctx *Ctx) {
			feats := ctx.cfg.Facts.Features
			if feats == nil || !feats.Supported() {
				Skip("FEAT does not answer 211: nothing is advertised")
			}
			if ctx.cfg.Target.TLS == harness.TLSOff {
				startTLS(ctx, clearControl(ctx)) // FTPS offered: AUTH TLS works
			}
			var missing []string
			if !feats.Has("AUTH TLS") && !feats.Has("AUTH TLS-C") {
				missing = append(missing, "AUTH TLS")
			}
			for _, f := range []string{"PBSZ", "PROT"} {
				if !feats.Has(f) {
					missing = append(missing, f)
				}
			}
			if len(missing) > 0 {
				ctx.failf("FEAT does not list %s although the server offers FTPS; RFC 4217 §6: a server that supports FEAT MUST advertise the AUTH, PBSZ and PROT it supports (FEAT listed %s)", strings.Join(missing, ", "), strings.Join(feats.Names(), ", "))
			}
		})

	// RFC 4217 §4.2: after AUTH "the user identity and transfer
	// parameters are reset as if REIN" — the catalog's MUST; RFC 2228 §3:
	// an accepted AUTH requires the user to log in again.
	r.Check("RFC4217-4.2-RESET-AFTER-AUTH", "requires a new login after AUTH TLS on a logged-in session",
		func(ctx *Ctx) {
			if ctx.cfg.RequireTLS {
				Skip("--require-tls: the server refuses a login in clear, so there is no login for AUTH to reset")
			}
			c := clearControl(ctx)
			ctx.must(c.LoginUser(ctx), "logging in as %q in clear", ctx.cfg.Target.User)
			r, err := c.AuthTLS(ctx)
			if harness.RacedAuth(err) {
				// The ClientHello was read as a command (the check of
				// AUTH TLS judges that): a new session waits after 234.
				c = clearControl(ctx)
				ctx.must(c.LoginUser(ctx), "logging in as %q in clear", ctx.cfg.Target.User)
				r, err = c.AuthTLSPaused(ctx)
			}
			if err != nil {
				if r != nil && harness.Class(r.Code) != 2 {
					Skip("AUTH TLS after login got " + r.String() + ": the server does not let a logged-in session start TLS")
				}
				blocked(checkAuthTLS, fmt.Sprintf("AUTH TLS does not work (%v)", err))
			}
			r, err = c.Cmd(ctx, "PWD")
			ctx.must(err, "PWD after AUTH TLS")
			if harness.Class(r.Code) == 2 {
				ctx.failf("after AUTH TLS on a logged-in session, PWD got %s: the user is still logged in; RFC 4217 §4.2 and RFC 2228 §3 reset the user identity, so USER is needed again", r)
			}
		})

	// RFC 4217 §13: "When this command is processed by the server, the
	// TLS session(s) MUST be cleared and the control and data connections
	// revert to unprotected, clear communications."
	r.Check("RFC4217-13-REIN-CLEARS-TLS", "clears TLS on the control connection after its reply to REIN",
		func(ctx *Ctx) {
			if ctx.cfg.Target.TLS == harness.TLSImplicit {
				Skip("implicit TLS: the port's protocol is TLS, and REIN cannot clear it")
			}
			c := tlsSession(ctx)
			r, err := c.Cmd(ctx, "REIN")
			if err != nil {
				ctx.failf("REIN inside TLS: %v (RFC 4217 §13: the reply comes protected, then TLS is cleared on both sides)", err)
			}
			if r.Code == harness.ReplySyntaxError || r.Code == harness.ReplyNotImplemented {
				Skip("REIN is not implemented: " + r.String())
			}
			if harness.Class(r.Code) == 1 {
				// 120, then 220 (RFC 959 §5.4); TLS is cleared after it.
				r, err = c.ReadReply(ctx)
				if err != nil {
					ctx.failf("REIN inside TLS, after its 120: %v", err)
				}
			}
			if c.TLS() != nil {
				ctx.failf("REIN got %s, and TLS was not cleared", r)
			}
			r, err = c.Cmd(ctx, "NOOP")
			ctx.must(err, "NOOP in clear after REIN")
			if harness.Class(r.Code) != 2 {
				ctx.failf("NOOP in clear after REIN got %s", r)
			}
		})

	// RFC 4217 §5 (CCC): accepted → 200, TLS shut down on the control
	// connection, then plaintext commands; a server may refuse it (534,
	// §15.3), and one that does not know it answers 500/502.
	r.Check("RFC4217-5-CCC", "clears TLS on the control connection after 200 to CCC",
		func(ctx *Ctx) {
			if !ctx.cfg.Facts.HasFeature("CCC") {
				Skip("FEAT does not list CCC")
			}
			c := tlsSession(ctx)
			r, err := c.CCC(ctx)
			if r != nil && r.Code != harness.ReplyOK {
				ctx.infof("CCC got %s (RFC 4217 §15.3 lets a server refuse it)", r)
				return
			}
			if err != nil {
				ctx.failf("CCC: %v; RFC 4217 §5: after 200 the server shuts TLS down on the control connection and goes on in clear", err)
			}
			r, err = c.Cmd(ctx, "NOOP")
			ctx.must(err, "NOOP in clear after CCC")
			if harness.Class(r.Code) != 2 {
				ctx.failf("NOOP in clear after CCC got %s", r)
			}
		})

	// RFC 4217 §10.2: "Should the server not like the TLS negotiation,
	// then it will close the data port immediately and follow the '150'
	// command with a '522' reply." A client that writes plaintext on a
	// data connection under PROT P gets 522.
	r.Check("RFC4217-10.2-522-HANDSHAKE-FAIL", "answers 522 when the TLS negotiation on a data connection fails",
		func(ctx *Ctx) {
			c := tlsSession(ctx)
			protectData(ctx, c)
			// First a transfer as it should go: a server that ignores
			// PROT P fails RFC4217-9-TLS-BEFORE-DATA, not this check.
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "NLST")
			ctx.must(err, "NLST under PROT P")
			ctx.must(t.DataErr, "NLST under PROT P: the data connection")
			protectData(ctx, c)                    // in force now, whatever PROT P's lifetime
			c.SetDataProtection(harness.ProtClear) // the harness talks plaintext on the data connection
			run := xferStart(ctx, c, "NLST")
			_ = run.Write(ctx, []byte("this is not a TLS ClientHello\r\n"))
			_ = run.CloseWrite()
			final, err := run.ReadFinal(ctx)
			ctx.must(err, "NLST after a failed TLS negotiation on its data connection")
			switch {
			case final.Code == harness.ReplyTLSFailed:
			case harness.Class(final.Code) == 2:
				ctx.failf("NLST completed with %s although the data connection never negotiated TLS under PROT P", final)
			default:
				ctx.failf("NLST got %s after a failed TLS negotiation on its data connection; RFC 4217 §10.2 asks for 522", final)
			}
		})

	// RFC 4217 §10.2: "It is reasonable for the server to insist that the
	// data connection uses a TLS cached session ... If this is the reason
	// for the refusal to allow the data transfer, then the '522' reply
	// should indicate this." Reported: whether data connections resume
	// the control connection's session, and whether one that does not is
	// refused, and how.
	r.Check("RFC4217-10.2-SESSION-REUSE", "answers 522 when it refuses a data connection that does not resume the TLS session",
		func(ctx *Ctx) {
			c := tlsSession(ctx)
			protectData(ctx, c)
			d := openData(ctx, c, ctx.defaultMode(c))
			t, err := c.Retrieve(ctx, d, "NLST")
			ctx.must(err, "NLST under PROT P")
			ctx.must(t.DataErr, "NLST under PROT P: the data connection")
			resumed := "did not resume"
			if info := d.TLS(); info != nil && info.Resumed {
				resumed = "resumed"
			}
			ctx.must(c.ForgetTLSSessions(), "a TLS configuration without the control connection's session")
			t2, err := transferIn(ctx, c, ctx.defaultMode(c), "NLST")
			ctx.must(err, "NLST under PROT P with a full TLS handshake")
			switch {
			case t2.Final != nil && harness.Class(t2.Final.Code) == 2:
				ctx.infof("data connections %s the control connection's TLS session; one with a full handshake was accepted too", resumed)
			case t2.Final != nil && t2.Final.Code == harness.ReplyTLSFailed:
				ctx.infof("data connections %s the control connection's TLS session; one with a full handshake was refused with %s: the server demands session reuse (RFC 4217 §10.2 allows it)", resumed, t2.Final)
			default:
				ctx.failf("a data connection with a full TLS handshake (no session reuse) got %s; RFC 4217 §10.2: a server that insists on a cached session refuses with 522", harness.ReplyChain(t2.Replies()...))
			}
		})
})
