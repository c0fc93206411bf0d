package suites

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = Describe("Extended data commands EPSV and EPRT (RFC 2428)", Label("rfc2428", "data"), func() {
	Check("RFC2428-3-229-FORMAT", "answers EPSV with 229 and (|||port|)",
		Label("pasv"), func(ctx SpecContext) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "EPSV")
			must(err, "EPSV")
			if notImplemented(r) {
				Skip("EPSV is not implemented: " + r.String())
			}
			r = expectExactly("EPSV", r, nil, harness.ReplyEnteringEPSV)
			_, err = harness.ParseEPSV(r.Text())
			must(err, "EPSV reply %s", r)
		})

	Check("RFC2428-3-EPSV-SAME-ADDR", "serves RETR on the EPSV port at the control connection's address",
		Label("pasv", "write"), func(ctx SpecContext) {
			c, name, want := withFixture(ctx, 32<<10)
			d, err := c.OpenData(ctx, harness.EPSV, harness.DataOptions{})
			if err != nil {
				if d != nil && notImplemented(d.Setup) {
					Skip("EPSV is not implemented: " + d.Setup.String())
				}
				d.Close()
				failf("%s", diagnoseDataSetup(harness.EPSV, d, err))
			}
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			must(err, "RETR over EPSV")
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				failf("RETR over EPSV: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			if !bytes.Equal(t.Data, want) {
				failf("RETR over EPSV: %s", firstDiff(t.Data, want))
			}
		})

	Check("RFC2428-2-EPRT-200", "accepts EPRT naming the client and connects there for LIST",
		Label("port"), func(ctx SpecContext) {
			c := login(ctx)
			d, err := c.OpenData(ctx, harness.EPRT, harness.DataOptions{})
			if err != nil {
				if d != nil && notImplemented(d.Setup) {
					Skip("EPRT is not implemented: " + d.Setup.String())
				}
				d.Close()
				failf("EPRT: %v", err)
			}
			t, err := c.Retrieve(ctx, d, "LIST")
			must(err, "LIST over EPRT")
			if t.DataErr != nil {
				failf("LIST over EPRT %s: %v; the replies were %s", harness.FormatEPRT(d.Listen), t.DataErr, t.ReplyChain())
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
				failf("LIST over EPRT: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			checkSourceAddress(c, harness.EPRT, t.Source)
		})
})
