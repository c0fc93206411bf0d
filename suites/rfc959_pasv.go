package suites

import (
	"net/netip"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = describe("Passive mode (RFC 959 §4.1.2, RFC 1123 §4.1.2.6)", Label("pasv", "data"), func(r *Run) {
	r.Check("RFC1123-4.1.2.6-PASV-MUST", "implements PASV and answers 227 with six numbers",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PASV)
			r, err := c.Cmd(ctx, "PASV")
			r = expectExactly(ctx, "PASV (mandatory: RFC 1123 §4.1.2.6)", r, err, harness.ReplyEnteringPassive)
			info, err := harness.ParsePASV(r.Text())
			ctx.must(err, "parsing the 227 reply %s", r)
			if !info.Parenthesized {
				ctx.infof("the 227 reply has no parentheses around h1,...,p2 (legal: RFC 1123 §4.1.2.6)")
			}
		})

	r.Check("RFC959-4.2.1-227-NUMBERS", "gives the address and port in the 227 reply as six numbers from 0 to 255",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PASV)
			r, err := c.Cmd(ctx, "PASV")
			r = expectExactly(ctx, "PASV", r, err, harness.ReplyEnteringPassive)
			if _, err := harness.ParsePASV(r.Text()); err != nil {
				ctx.failf("%v; RFC 959 §4.1.2 and §4.2.2 give the listening address as h1,h2,h3,h4,p1,p2, each an octet", err)
			}
		})

	// RFC 959 §4.1.2, PASV: "The response to this command includes the
	// host and port address this server is listening on." An address the
	// client cannot reach is not where the server listens for it.
	r.Check("RFC959-4.1.2-227-ADDRESS", "advertises an address the client can reach in the 227 reply",
		Label("firewall"), func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PASV)
			d := openDataNoDial(ctx, c, harness.PASV)
			d.Release(ctx) // the port is not used (DataChannel.Release says why)
			ctx.observeChannel(c, d, false, nil)
			adv := d.Advertised.Addr()
			peer := c.RemoteAddr().Addr()
			if adv == peer || adv == expectedPasvAddr(ctx, peer) {
				return
			}
			finding, fix := diagnosePasvAddress(ctx, adv, peer, 1, 1)
			problem(ctx, finding, fix)
		})

	r.Check("RFC959-4.1.2-PASV-LISTEN", "listens on the port it advertises and serves LIST there",
		func(ctx *Ctx) {
			c := login(ctx)
			requireFamily(c, harness.PASV)
			d := openData(ctx, c, harness.PASV)
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST over PASV")
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
				ctx.failf("LIST over PASV: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
		})
})

// openDataNoDial sends PASV/EPSV and parses the reply without dialling.
func openDataNoDial(ctx *Ctx, c *harness.Conn, mode harness.DataMode) *harness.DataChannel {
	d, err := c.OpenData(ctx, mode, harness.DataOptions{NoDial: true})
	if err != nil {
		ctx.failf("%s", diagnoseDataSetup(mode, d, err))
	}
	return d
}

// expectedPasvAddr is the address a passive reply should carry: the
// operator's expected public address, else the control connection's peer.
func expectedPasvAddr(ctx *Ctx, peer netip.Addr) netip.Addr {
	if ctx.cfg.Target.PasvAddress.IsValid() {
		return ctx.cfg.Target.PasvAddress.Unmap()
	}
	return peer
}
