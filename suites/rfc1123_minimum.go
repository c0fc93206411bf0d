package suites

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Transfer parameters (RFC 959 §5.1, RFC 1123 §4.1.2.13)", Label("params"), func(r *Run) {
	r.Check("RFC1123-4.1.2.13-MIN-TYPES", "accepts TYPE A N, TYPE I and TYPE L 8",
		func(ctx *Ctx) {
			c := login(ctx)
			for _, line := range []string{"TYPE A N", "TYPE I", "TYPE L 8"} {
				r, err := c.Cmd(ctx, line)
				expectCode(ctx, line+" (RFC 1123 minimum implementation)", r, err, harness.ReplyOK)
			}
		})

	r.Check("RFC959-5.1-ACCEPT-DEFAULTS", "accepts the default parameters TYPE A, MODE S and STRU F",
		func(ctx *Ctx) {
			c := login(ctx)
			for _, line := range []string{"TYPE A", "MODE S", "STRU F"} {
				r, err := c.Cmd(ctx, line)
				expectCode(ctx, line+" (a default value, always accepted)", r, err, harness.ReplyOK)
			}
		})
})
