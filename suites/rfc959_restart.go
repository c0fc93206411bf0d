package suites

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// REST in stream mode (RFC 959 §4.1.3, §5.4; RFC 3659 §5; RFC 1123
// §4.1.3.4). REST must be the last command before the transfer it
// restarts, so the checks set up the data connection first.
var _ = describe("Restarting transfers with REST (RFC 959 §4.1.3, RFC 3659 §5)", Label("transfer", "rest"), func(r *Run) {

	r.Check("RFC959-5.4-REST-CODES", "answers REST with 350",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			for _, line := range []string{"REST 0", "REST 100"} {
				r := restOrSkip(ctx, c, line)
				expectCode(ctx, line, r, nil, harness.ReplyPendingInfo)
			}
		})

	r.Check("RFC959-4.1.3-REST-NEXT-CMD/retr", "starts the RETR that follows REST n at byte n",
		Label("write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 64<<10) // TYPE I is in force
			const off = 12345
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			r := restOrSkip(ctx, c, "REST 12345")
			expectCode(ctx, "REST 12345", r, nil, harness.ReplyPendingInfo)
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR %s after REST %d", name, off)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("REST %d then RETR %s: expected 125 or 150, then 226 or 250; got %s (data: %v)", off, name, t.ReplyChain(), t.DataErr)
			}
			if !bytes.Equal(t.Data, want[off:]) {
				hint := ""
				if bytes.Equal(t.Data, want) {
					hint = " (the whole file: the offset was ignored)"
				}
				ctx.failf("REST %d then RETR %s in TYPE I: expected the %d bytes from offset %d; got %d bytes%s: %s", off, name, len(want)-off, off, len(t.Data), hint, firstDiff(t.Data, want[off:]))
			}
		})

	r.Check("RFC959-4.1.3-REST-NEXT-CMD/stor", "writes the STOR that follows REST n from byte n of the file",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "rest.bin", []byte("01234"))
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			r := restOrSkip(ctx, c, "REST 5")
			expectCode(ctx, "REST 5", r, nil, harness.ReplyPendingInfo)
			t, err := c.Store(ctx, d, "STOR rest.bin", []byte("56789"))
			ctx.must(err, "STOR rest.bin after REST 5")
			if t.Prelim == nil && (harness.Class(t.Final.Code) == 4 || harness.Class(t.Final.Code) == 5) {
				Skip("the server does not restart uploads: STOR after REST 5 got " + t.Final.String())
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("REST 5 then STOR rest.bin: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			got := xferFetch(ctx, c, "rest.bin")
			if string(got) != "0123456789" {
				hint := ""
				if string(got) == "56789" {
					hint = " (the offset was ignored: STOR replaced the file)"
				}
				ctx.failf("STOR \"01234\", REST 5, STOR \"56789\": RETR returns %q%s; expected \"0123456789\": the data goes to the file from the REST offset (RFC 3659 §5.3)", got, hint)
			}
		})

	r.Check("RFC1123-4.1.3.4-554-555", "refuses RETR after a REST beyond the end of the file and sends no data",
		Label("write"), func(ctx *Ctx) {
			c, name, _ := withFixture(ctx, 1000) // TYPE I is in force
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			r := restOrSkip(ctx, c, "REST 1100")
			if cl := harness.Class(r.Code); cl == 4 || cl == 5 {
				ctx.warnf("REST 1100 (100 bytes beyond the end of %s) was refused at once with %s; RFC 3659 §5.3 reports an offset out of range on the transfer command that follows", name, r)
				return
			}
			expectCode(ctx, "REST 1100", r, nil, harness.ReplyPendingInfo)
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR %s after REST 1100", name)
			if len(t.Data) > 0 {
				ctx.failf("REST 1100 then RETR of the 1000-byte %s (%s): %d bytes arrived on the data connection; there is nothing beyond the end of the file", name, t.ReplyChain(), len(t.Data))
			}
			switch cl := harness.Class(t.Final.Code); {
			case cl == 2:
				ctx.warnf("REST 1100 then RETR of the 1000-byte %s: an empty transfer answered %s; RFC 3659 §5.3 rejects the transfer with an error (554, RFC 1123 §4.1.3.4) when the offset lies beyond the end", name, t.ReplyChain())
			case cl != 4 && cl != 5:
				ctx.failf("REST 1100 then RETR of the 1000-byte %s: expected a 4yz or 5yz reply (554 per RFC 1123 §4.1.3.4; 550 or 451 also seen); got %s", name, t.ReplyChain())
			}
			ctx.infof("REST beyond the end of the file, then RETR: %s", t.ReplyChain())
		})
})

// restOrSkip sends a REST command; a server that does not implement REST
// (500, 502) skips the check, since RFC 1123 §4.1.5 makes it optional.
func restOrSkip(ctx *Ctx, c *harness.Conn, line string) *harness.Reply {
	r, err := c.Cmd(ctx, line)
	ctx.must(err, "%s", line)
	if notImplemented(r) {
		Skip("REST is not implemented (" + r.String() + "); RFC 1123 §4.1.5 makes it optional")
	}
	return r
}
