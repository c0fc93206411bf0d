package suites

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Round trips in each classic data mode. Keys end in the mode's name.
var _ = describe("Transfers in both data-connection modes (RFC 959 §3.2, §4.1.3)", Label("data", "write"), func(r *Run) {
	for _, m := range []struct {
		mode harness.DataMode
		slug string
		lbl  string
	}{{harness.PASV, "pasv", "pasv"}, {harness.PORT, "port", "port"}} {
		mode := m.mode

		r.Check("RFC959-4.1.3-RETR-CONTENT/"+m.slug, "delivers a file byte for byte with RETR in TYPE I over "+string(mode),
			Label(m.lbl), func(ctx *Ctx) {
				c, name, want := withFixture(ctx, 64<<10)
				requireFamily(c, mode)
				t := download(ctx, c, mode, "RETR "+name)
				if !bytes.Equal(t.Data, want) {
					ctx.failf("RETR %s over %s in TYPE I: the data differs from the %d-byte file: %s", name, mode, len(want), firstDiff(t.Data, want))
				}
				if mode == harness.PORT {
					checkSourceAddress(ctx, c, mode, t.Source)
				}
			})

		r.Check("RFC959-3.1.1.3-IMAGE-EXACT/"+m.slug, "stores a file byte for byte with STOR in TYPE I over "+string(mode),
			Label(m.lbl), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, mode)
				scratch(ctx, c)
				data := binaryFixture(48 << 10)
				upload(ctx, c, mode, "stored.bin", data)
				t := download(ctx, c, ctx.defaultMode(c), "RETR stored.bin")
				if !bytes.Equal(t.Data, data) {
					ctx.failf("STOR over %s then RETR in TYPE I: the file differs from the %d bytes sent: %s", mode, len(data), firstDiff(t.Data, data))
				}
			})

		r.Check("RFC959-4.1.3-LIST-DEFAULT-CWD/"+m.slug, "lists the working directory with LIST over "+string(mode),
			Label(m.lbl), func(ctx *Ctx) {
				c, name, _ := withFixture(ctx, 100)
				requireFamily(c, mode)
				t := download(ctx, c, mode, "LIST")
				if !strings.Contains(string(t.Data), name) {
					ctx.failf("LIST over %s of a directory holding %q: the listing does not mention it; got %d bytes: %q", mode, name, len(t.Data), string(t.Data))
				}
			})
	}

	r.Check("RFC959-4.1.3-NLST-NAMES/pasv", "lists bare names with NLST, one per line",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			want := []string{"alpha.txt", "beta.bin", "gamma"}
			for _, n := range want {
				upload(ctx, c, ctx.defaultMode(c), n, []byte(n))
			}
			t := download(ctx, c, ctx.defaultMode(c), "NLST")
			lines, _ := splitLines(t.Data)
			got := map[string]bool{}
			for _, l := range lines {
				base := l[strings.LastIndex(l, "/")+1:]
				if base == "." || base == ".." {
					continue
				}
				got[base] = true
				if !contains(want, base) {
					ctx.failf("NLST returned %q, which is not a name in the directory (NLST returns names only, RFC 959 §4.1.3); whole listing: %q", l, string(t.Data))
				}
			}
			for _, n := range want {
				if !got[n] {
					ctx.failf("NLST did not list %q; got %q", n, string(t.Data))
				}
			}
		})

	r.Check("RFC959-5.4-XFER-PRELIM", "sends 125 or 150 before the data of RETR and LIST",
		func(ctx *Ctx) {
			c, name, _ := withFixture(ctx, 4096)
			for _, line := range []string{"RETR " + name, "LIST"} {
				t, err := transferIn(ctx, c, ctx.defaultMode(c), line)
				ctx.must(err, "%s", line)
				if t.Prelim == nil {
					ctx.failf("%s: expected 125 or 150 before the data, then 226 or 250; got %s with no preliminary reply", line, t.ReplyChain())
				}
				expectCode(ctx, line+" preliminary reply", t.Prelim, nil, harness.ReplyFileStatusOK, harness.ReplyDataAlreadyOpen)
			}
		})

	r.Check("RFC959-5.2-CLOSE-THEN-226", "closes the data connection by the time it sends 226",
		func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 256<<10)
			t := download(ctx, c, ctx.defaultMode(c), "RETR "+name)
			if lag := t.EOFLag(); lag > ctx.cfg.Target.CloseGrace {
				ctx.failf("RETR %s: the data connection's EOF came %s after the %s reply (allowed: %s); the server must close the data connection before it reports the transfer complete (RFC 959 §5.2)", name, lag.Round(1e6), t.Final, ctx.cfg.Target.CloseGrace)
			}
			if !bytes.Equal(t.Data, want) {
				ctx.failf("RETR %s: %s", name, firstDiff(t.Data, want))
			}
		})
})

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
