package suites

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the checks of FTPS (RFC 4217, RFC 2228). They run whatever
// the run's TLS mode: in a plain run they negotiate TLS on connections of
// their own when the server offers it, and skip with the reason when it
// does not.

// checkAuthTLS is the check that judges AUTH TLS itself: the others are
// blocked by it when AUTH TLS does not work on a server that lists it.
const checkAuthTLS = "RFC4217-4.2-AUTH-TLS-234"

// tlsTarget is the target of the checks of FTPS itself: the run's, with
// explicit TLS when the run is plain. A plain run does not judge the
// certificate (POLICY-TLS-CERT does, in a run with TLS), so without roots
// of the operator's it does not verify it either; the transcript says so.
func tlsTarget(ctx *Ctx) harness.Target {
	t := ctx.cfg.Target
	if t.TLS == harness.TLSOff {
		t.TLS = harness.TLSExplicit
		if t.CAFile == "" {
			t.Insecure = true
		}
	}
	return t
}

// clearControl opens a control connection on which AUTH has not been
// sent; with implicit TLS there is none, and the check is skipped.
func clearControl(ctx *Ctx) *harness.Conn {
	if ctx.cfg.Target.TLS == harness.TLSImplicit {
		Skip("implicit TLS: the control connection is protected from its first byte, and AUTH is not used")
	}
	c, _, err := harness.ConnectClear(ctx, tlsTarget(ctx), ctx.transcript())
	if err != nil {
		ctx.failConnect(err)
		ctx.failf("cannot open a control connection to %s: %v", ctx.cfg.Target.Addr(), err)
	}
	DeferCleanup(c.Close)
	return c
}

// clearControlOfFTPS is clearControl for a check of what a server that
// offers FTPS must do (what: the thing judged); one that does not (FEAT
// lists no AUTH TLS in a plain run) skips it.
func clearControlOfFTPS(ctx *Ctx, what string) *harness.Conn {
	c := clearControl(ctx)
	if !offersTLS(ctx) {
		Skip("FEAT lists no AUTH TLS: " + what + " is judged on servers that offer FTPS")
	}
	return c
}

// offersTLS reports whether the run knows the server offers explicit
// FTPS: the run's sessions use it, or FEAT lists AUTH TLS.
func offersTLS(ctx *Ctx) bool {
	return ctx.cfg.Target.TLS != harness.TLSOff || ctx.cfg.Facts.HasFeature("AUTH TLS")
}

// startTLS sends AUTH TLS on c and takes the handshake, and returns the
// protected connection. A server that does not offer FTPS (AUTH refused
// and not in FEAT) skips the check; one that offers it and fails blocks
// it (unless it is the check of AUTH TLS). A server that read the
// ClientHello as a command (harness.RacedAuth) gets a second session
// that waits after the 234, except in the check of AUTH TLS, whose
// finding that is.
func startTLS(ctx *Ctx, c *harness.Conn) *harness.Conn {
	r, err := c.AuthTLS(ctx)
	if err == nil {
		return c
	}
	if harness.RacedAuth(err) && ctx.key() != checkAuthTLS {
		c2, _, err2 := harness.ConnectSecureRetry(ctx, tlsTarget(ctx), ctx.transcript())
		if err2 == nil {
			DeferCleanup(c2.Close)
			return c2
		}
		err = err2
	}
	var re *harness.ReplyError
	if errors.As(err, &re) && !offersTLS(ctx) && slices.Contains([]int{harness.ReplySyntaxError, harness.ReplyNotImplemented, harness.ReplyNotImplParam}, re.Reply.Code) {
		Skip("the server offers no FTPS: FEAT lists no AUTH TLS, and AUTH TLS got " + re.Reply.String())
	}
	if ctx.key() != checkAuthTLS {
		blocked(checkAuthTLS, fmt.Sprintf("AUTH TLS does not work (%v)", err))
	}
	if re != nil {
		ctx.failf("AUTH TLS got %s; RFC 4217 §4.2: a server that will take TLS answers 234 and then the handshake", r)
	}
	if harness.RacedAuth(err) {
		ctx.failf("AUTH TLS: the server answered 234 and then read the TLS ClientHello as an FTP command (%v); RFC 4217 §4.2: after the 234 the TLS negotiation takes place on the control connection", err)
	}
	ctx.failf("AUTH TLS: %v", err)
	return nil
}

// tlsSession is a logged-in session whose control connection is
// protected, with data still in clear (no PBSZ, no PROT): the run's own
// kind of session in a run with implicit TLS, else AUTH TLS on a
// connection of the check's own.
func tlsSession(ctx *Ctx) *harness.Conn {
	ctx.need(harness.CapLogin)
	var c *harness.Conn
	if ctx.cfg.Target.TLS == harness.TLSImplicit {
		c = connect(ctx)
	} else {
		c = startTLS(ctx, clearControl(ctx))
	}
	ctx.must(c.LoginUser(ctx), "logging in as %q inside TLS", ctx.cfg.Target.User)
	return c
}

// protectData sends PBSZ 0 and PROT P; a refusal blocks the check (its
// own checks judge PBSZ and PROT).
func protectData(ctx *Ctx, c *harness.Conn) { protectLevel(ctx, c, harness.ProtPrivate) }

// protectLevel sends PBSZ 0 and PROT level. A refused PBSZ blocks the
// check by RFC4217-9-PBSZ-0, a refused PROT by RFC4217-9-PROT-C-P (each
// fails when it is that check).
func protectLevel(ctx *Ctx, c *harness.Conn, level harness.ProtLevel) {
	_, err := c.Protect(ctx, level)
	if err == nil {
		return
	}
	judge := "RFC4217-9-PROT-C-P"
	var re *harness.ReplyError
	if errors.As(err, &re) && strings.HasPrefix(re.Cmd, "PBSZ") {
		judge = "RFC4217-9-PBSZ-0"
	}
	if ctx.key() != judge {
		blocked(judge, fmt.Sprintf("PBSZ 0 and PROT %s do not work (%v)", level, err))
	}
	ctx.failf("PBSZ 0, PROT %s: %v", level, err)
}

// tlsFixture is a protected session (PROT P) in a scratch directory that
// holds a binary fixture of n bytes; TYPE I is in force. The fixture goes
// up in clear (PROT C) where the server allows it, so that a server that
// ignores PROT P shows it on the downloads the checks judge (a plaintext
// server sends at once) rather than by waiting out an upload's handshake.
func tlsFixture(ctx *Ctx, n int) (*harness.Conn, string, []byte) {
	c := tlsSession(ctx)
	name, data := "tls-fixture.bin", binaryFixture(n)
	_, protErr := c.Protect(ctx, harness.ProtClear)
	scratch(ctx, c)
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	if protErr == nil {
		t, err := transferOut(ctx, c, ctx.fixtureMode(c), "STOR "+name, data)
		ctx.must(err, "uploading the fixture %s in clear", name)
		if !refusedInClear(t) {
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("uploading the fixture %s in clear: %s %v", name, harness.ReplyChain(t.Replies()...), t.DataErr)
			}
			protectLevel(ctx, c, harness.ProtPrivate)
			return c, name, data
		}
	}
	// PROT C or clear data refused: a server may insist on protected
	// data (RFC 4217 §10.2), so the fixture goes up inside TLS.
	protectLevel(ctx, c, harness.ProtPrivate)
	upload(ctx, c, ctx.fixtureMode(c), name, data)
	return c, name, data
}

// refusedInClear reports whether a transfer was refused, before any data
// connection was used, because it was to go in clear: 521 (RFC 4217
// §10.2) or 534 (RFC 2228 §6, policy).
func refusedInClear(t *harness.Transfer) bool {
	return t != nil && t.Prelim == nil && t.Final != nil &&
		(t.Final.Code == harness.ReplyProtLevelRefused || t.Final.Code == harness.ReplyPolicyRefused)
}

// findingClearUnderProt: PROT P was accepted, and data came in clear.
const findingClearUnderProt = "the server sends data in clear under PROT P"

// plaintextUnderProt reports whether err says the server sent plaintext
// on a data connection under PROT P.
func plaintextUnderProt(err error) bool {
	return errors.Is(err, harness.ErrDataNotTLS)
}
