package suites

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = Describe("Telnet escaping in replies (RFC 1123 §3.2.6)", Label("telnet", "write"), func() {
	Check("RFC1123-3.2.6-IAC-DOUBLE", "doubles a 0xFF byte of a pathname as IAC IAC in its reply",
		func(ctx SpecContext) {
			c := login(ctx)
			scratch(ctx, c)
			// On the wire IAC IAC is one data byte 0xFF (RFC 854).
			name := []byte("iac-\xff\xff-dir")
			must(c.SendRaw(ctx, append(append([]byte("MKD "), name...), "\r\n"...)), "MKD with a 0xFF byte")
			r, err := c.ReadReply(ctx)
			must(err, "MKD with a 0xFF byte")
			if r.Code != harness.ReplyPathCreated {
				Skip("the server does not create a directory whose name holds byte 0xFF: MKD got " + r.String())
			}
			DeferCleanup(func(ctx SpecContext) {
				_ = c.SendRaw(ctx, append(append([]byte("RMD "), name...), "\r\n"...))
				_, _ = c.ReadReply(ctx)
			})
			raw := r.Raw
			switch {
			case bytes.Contains(raw, []byte("iac-\xff\xff-dir")):
			case bytes.Contains(raw, []byte("iac-\xff-dir")):
				failf("the 257 reply carries the name's 0xFF byte once; on the Telnet control connection it must be sent as IAC IAC (0xFF 0xFF): %q", raw)
			default:
				warnf("the 257 reply does not echo the name, so the escaping cannot be judged: %q", raw)
			}
		})
})
