package suites

import (
	"net/netip"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Connection greeting (RFC 959 §5.4)", Label("greeting"), func(r *Run) {
	r.Check("RFC959-5.4-GREETING", "greets a new connection with 220, or 120 followed by 220",
		func(ctx *Ctx) {
			c, err := harness.Dial(ctx, ctx.cfg.Target, ctx.transcript(), netip.Addr{})
			if err != nil {
				ctx.failf("cannot connect to %s: %v", ctx.cfg.Target.Addr(), err)
			}
			DeferCleanup(c.Close)
			r, err := c.ReadReply(ctx)
			if err != nil {
				ctx.failf("reading the greeting: %v", err)
			}
			switch r.Code {
			case harness.ReplyServiceReady:
				return
			case harness.ReplyServiceReadyIn:
				r2, err := c.ReadReply(ctx)
				if err != nil {
					ctx.failf("the greeting was 120 (ready in nnn minutes) but no 220 followed: %v", err)
				}
				if r2.Code != harness.ReplyServiceReady {
					ctx.failf("after a 120 greeting: expected 220; got %s", r2)
				}
			case harness.ReplyServiceUnavailable:
				if closed, _ := c.WaitClose(ctx, ctx.cfg.Target.ReplyTimeout); !closed {
					ctx.failf("the greeting was 421 (service not available) but the server kept the connection open")
				}
				Skip("the server greets with 421: service not available, nothing else can be checked")
			default:
				ctx.failf("greeting: expected one of 220, 120, 421; got %s (RFC 959 §5.4 allows nothing else as the greeting)", r)
			}
		})
})
