package suites

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Extended data commands EPSV and EPRT (RFC 2428)", Label("rfc2428", "data"), func(r *Run) {
	r.Check("RFC2428-3-229-FORMAT", "answers EPSV with 229 and (|||port|)",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "EPSV")
			ctx.must(err, "EPSV")
			if notImplemented(r) {
				Skip("EPSV is not implemented: " + r.String())
			}
			r = expectExactly(ctx, "EPSV", r, nil, harness.ReplyEnteringEPSV)
			_, err = harness.ParseEPSV(r.Text())
			ctx.must(err, "EPSV reply %s", r)
		})

	r.Check("RFC2428-3-EPSV-SAME-ADDR", "serves RETR on the EPSV port at the control connection's address",
		Label("pasv", "write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 32<<10)
			d, err := c.OpenData(ctx, harness.EPSV, harness.DataOptions{})
			if err != nil {
				if d != nil && notImplemented(d.Setup) {
					Skip("EPSV is not implemented: " + d.Setup.String())
				}
				d.Close()
				ctx.failf("%s", diagnoseDataSetup(harness.EPSV, d, err))
			}
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR over EPSV")
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("RETR over EPSV: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			if !bytes.Equal(t.Data, want) {
				ctx.failf("RETR over EPSV: %s", firstDiff(t.Data, want))
			}
		})

	r.Check("RFC2428-2-EPRT-200", "accepts EPRT naming the client and connects there for LIST",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			d, err := c.OpenData(ctx, harness.EPRT, harness.DataOptions{})
			if err != nil {
				if d != nil && notImplemented(d.Setup) {
					Skip("EPRT is not implemented: " + d.Setup.String())
				}
				d.Close()
				ctx.failf("EPRT: %v", err)
			}
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST over EPRT")
			if t.DataErr != nil {
				ctx.failf("LIST over EPRT %s: %v; the replies were %s", harness.FormatEPRT(d.Listen), t.DataErr, t.ReplyChain())
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
				ctx.failf("LIST over EPRT: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			checkSourceAddress(ctx, c, harness.EPRT, t.Source)
		})
})
