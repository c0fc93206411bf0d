package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Active mode (RFC 959 §3.2, §4.1.2)", Label("port", "data"), func(r *Run) {
	r.Check("RFC959-5.4-PORT-CODES", "answers PORT naming the client with 200",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PORT)
			d, err := c.OpenData(ctx, harness.PORT, harness.DataOptions{})
			d.Close()
			if err != nil {
				if d != nil && d.Setup != nil {
					expectCode(ctx, "PORT "+d.Listen.String()+" (mandatory: RFC 1123 §4.1.2.13)", d.Setup, nil, harness.ReplyOK)
					return
				}
				ctx.failf("PORT: %v", err)
			}
		})

	r.Check("RFC959-4.1.2-PORT-SEMANTICS/list", "connects to the address and port given by PORT for LIST",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PORT)
			d := openData(ctx, c, harness.PORT)
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST over PORT")
			if t.DataErr != nil {
				ctx.failf("LIST over PORT %s: %v; the replies were %s", d.Listen, t.DataErr, t.ReplyChain())
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
				ctx.failf("LIST over PORT: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			checkSourceAddress(ctx, c, harness.PORT, t.Source)
		})

	// RFC 959 §3.2: "The server-process default data port is the port
	// adjacent to the control connection port (i.e., L-1)." What is judged
	// here is the source port; the source address is judged by
	// RFC959-4.1.2-PORT-SEMANTICS/list (checkSourceAddress).
	r.Check("RFC959-5.2-SERVER-FROM-L-1", "dials active data connections from RFC 959's default data port L-1",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PORT)
			d := openData(ctx, c, harness.PORT)
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST over PORT")
			if !t.Source.IsValid() {
				ctx.failf("LIST over PORT: the server never connected (%v); replies %s", t.DataErr, t.ReplyChain())
			}
			l := c.RemoteAddr().Port()
			ctx.infof("active data connections come from port %d (control port %d; RFC 959's default is L-1 = %d)", t.Source.Port(), l, l-1)
			if t.Source.Port() != l-1 {
				ctx.warnf("the active data connection came from port %d, not from L-1 = %d, the server's default data port in RFC 959 §3.2 (servers that do not run as root use an ephemeral port)", t.Source.Port(), l-1)
			}
		})
})
