package suites

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Operator policy for a deployment that uses TLS: the certificate, and
// TLS required (--require-tls). Judged only when the operator runs with
// TLS and states the policy.
var _ = describe("Operator policy for TLS (RFC 4217)", Label("policy", "tls"), func(r *Run) {
	// The certificate verifies as an HTTPS client would verify it (RFC
	// 4217 §15.1.1 asks that it identify the server as one for HTTPS
	// does): a chain to the trusted roots, within its validity, naming
	// the host the client connects to.
	r.Check("POLICY-TLS-CERT", "presents a certificate that verifies against the trusted roots and names the host",
		func(ctx *Ctx) {
			switch {
			case ctx.cfg.Target.TLS == harness.TLSOff:
				Skip("a plain run: the certificate is judged in a run with --tls explicit or implicit")
			case ctx.cfg.Insecure:
				Skip("--insecure: the operator asked not to verify the certificate")
			}
			t := ctx.cfg.Target
			t.Insecure = false
			c, _, err := harness.Connect(ctx, t, ctx.transcript())
			var te *harness.TLSError
			switch {
			case errors.As(err, &te) && te.Cert != nil:
				ctx.failf("the server's certificate does not verify: %v", te.Cert)
			case errors.As(err, &te) && te.Kind == harness.TLSCertificate:
				ctx.failf("the server's certificate does not verify: %v", te)
			case err != nil:
				ctx.failConnect(err)
				ctx.failf("a verifying TLS session to %s: %v", t.Addr(), err)
			}
			defer c.Close()
			if info := c.TLS(); info != nil {
				ctx.infof("certificate: %s", info.CertSummary())
			}
		})

	// With --require-tls the operator says logins happen inside TLS only:
	// RFC 4217 §10.1 lets a server refuse USER and PASS until TLS is
	// active, with 530 (RFC 959) or 534 (RFC 2228: denied for policy
	// reasons).
	r.Check("POLICY-TLS-REQUIRED-LOGIN", "refuses a login on a control connection without TLS",
		func(ctx *Ctx) {
			if !ctx.cfg.RequireTLS {
				Skip("no --require-tls: the operator states no such policy")
			}
			c := clearControl(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			ctx.must(err, "USER in clear")
			switch {
			case r.Code == harness.ReplyNotLoggedIn || r.Code == harness.ReplyPolicyRefused:
				return
			case r.Code == harness.ReplyLoggedIn:
				ctx.failf("USER in clear logged in at once (%s): with TLS required, a login outside TLS must be refused (530 or 534)", r)
			case harness.Class(r.Code) != 3:
				ctx.failf("USER in clear got %s; with TLS required the refusal is 530 or 534", r)
			}
			r, err = c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
			ctx.must(err, "PASS in clear")
			if harness.Class(r.Code) == 2 {
				ctx.failf("USER and PASS in clear logged in (%s): with TLS required (--require-tls), a login outside TLS must be refused with 530 or 534, and the password has now crossed the network in clear", r)
			}
		})

	// With --require-tls the operator says data moves inside TLS only:
	// RFC 4217 §10.2 "The reply to indicate that the PROT setting is
	// incorrect is '521 data connection cannot be opened with this PROT
	// setting'" (RFC 2228 §6: 534 for policy reasons), given to the
	// transfer command before any data connection is used.
	r.Check("POLICY-TLS-REQUIRED-DATA", "refuses a transfer under PROT C",
		func(ctx *Ctx) {
			if !ctx.cfg.RequireTLS {
				Skip("no --require-tls: the operator states no such policy")
			}
			c := tlsSession(ctx)
			r, err := c.Cmd(ctx, "PBSZ 0")
			ctx.must(err, "PBSZ 0")
			if r.Code != harness.ReplyOK {
				blocked("RFC4217-9-PBSZ-0", "PBSZ 0 got "+r.String())
			}
			r, err = c.Cmd(ctx, "PROT C")
			ctx.must(err, "PROT C")
			if r.Code != harness.ReplyOK {
				ctx.infof("PROT C got %s: the server refuses clear data connections outright", r)
				return
			}
			c.SetDataProtection(harness.ProtClear)
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "NLST")
			ctx.must(err, "NLST under PROT C")
			switch {
			case refusedInClear(t):
			case t.Final != nil && harness.Class(t.Final.Code) == 2:
				ctx.failf("NLST under PROT C completed (%s): with TLS required (--require-tls), data must not cross the network in clear; RFC 4217 §10.2 refuses such a transfer with 521", harness.ReplyChain(t.Replies()...))
			default:
				ctx.failf("NLST under PROT C got %s; with TLS required the transfer command is refused with 521 (RFC 4217 §10.2) or 534 before any data connection is used", harness.ReplyChain(t.Replies()...))
			}
		})
})
