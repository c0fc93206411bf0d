package suites

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Telnet escaping in replies (RFC 1123 §3.2.6)", Label("telnet", "write"), func(r *Run) {
	r.Check("RFC1123-3.2.6-IAC-DOUBLE", "doubles a 0xFF byte of a pathname as IAC IAC in its reply",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			// On the wire IAC IAC is one data byte 0xFF (RFC 854).
			name := []byte("iac-\xff\xff-dir")
			ctx.must(c.SendRaw(ctx, append(append([]byte("MKD "), name...), "\r\n"...)), "MKD with a 0xFF byte")
			r, err := c.ReadReply(ctx)
			ctx.must(err, "MKD with a 0xFF byte")
			if r.Code != harness.ReplyPathCreated {
				Skip("the server does not create a directory whose name holds byte 0xFF: MKD got " + r.String())
			}
			DeferCleanup(func(ctx SpecContext) {
				_ = c.SendRaw(ctx, append(append([]byte("RMD "), name...), "\r\n"...))
				_, _ = c.ReadReply(ctx)
			})
			// Count the 0xFF bytes the reply carries between the two
			// halves of the name: one data byte must travel as two.
			i := bytes.Index(r.Raw, []byte("iac-"))
			j := bytes.Index(r.Raw, []byte("-dir"))
			if i < 0 || j < i {
				ctx.warnf("the 257 reply does not echo the name, so the escaping cannot be judged: %q", r.Raw)
				return
			}
			n := j - (i + len("iac-"))
			run := r.Raw[i+len("iac-") : j]
			if bytes.Count(run, []byte{0xff}) != n {
				ctx.warnf("the 257 reply changed the 0xFF byte of the name into %q, so the escaping cannot be judged", run)
				return
			}
			switch {
			case n%2 == 1:
				ctx.failf("the 257 reply carries %d 0xFF byte(s) in a row; on the Telnet control connection every data byte 0xFF must be sent as IAC IAC: %q", n, r.Raw)
			case n > 2:
				ctx.warnf("the reply doubles 0xFF correctly, but the name holds %d 0xFF bytes where the command sent one (as IAC IAC): the server does not decode Telnet escapes in commands (RFC 854)", n/2)
			}
		})
})
