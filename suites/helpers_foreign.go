package suites

import (
	"fmt"
	"net"
	"net/netip"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the checks that show the server another host (RFC 2577
// §2-4): PORT and EPRT naming a third party (bounce), and connections to
// a passive port from another address (port stealing).

// requireSecondAddress returns the local address the server sees as another
// client (ctx.cfg.SecondAddress), or skips the check when there is none for
// this control connection's family.
func requireSecondAddress(ctx *Ctx, c *harness.Conn) netip.Addr {
	a := ctx.cfg.SecondAddress
	local := c.LocalAddr().Addr()
	switch {
	case !a.IsValid() && local.Is6():
		Skip("no second local address for this IPv6 control connection: IPv6 loopback has only ::1, so the server cannot be shown another client")
	case !a.IsValid():
		Skip("no second local address that the server would see as another client (on loopback targets 127.0.0.2 is used)")
	case a.Unmap().Is4() != local.Is4():
		Skip(fmt.Sprintf("the second address %s is not of the control connection's family (%s)", a, local))
	}
	return a.Unmap()
}

// dialFrom opens a data connection to addr from local (zero: any); the
// connection is closed when the check ends.
func dialFrom(ctx *Ctx, c *harness.Conn, local netip.Addr, addr netip.AddrPort) (net.Conn, error) {
	nc, err := c.DialDataFrom(ctx, local, addr)
	if err != nil {
		return nil, err
	}
	DeferCleanup(func() { nc.Close() })
	return nc, nil
}

// warnUnsolicited records replies the server sent of its own accord.
func warnUnsolicited(ctx *Ctx, o harness.TransferOutcome) {
	for _, r := range o.Unsolicited {
		ctx.warnf("the server sent %s of its own accord, outside the replies to the transfer command (RFC 959 §5.4 lists no such reply; pyftpdlib does this for a refused foreign data connection)", r)
	}
}

// resync brings the control connection back in step (harness Resync):
// replies the server sent of its own accord are warned about, a broken
// exchange fails the check.
func resync(ctx *Ctx, c *harness.Conn) {
	ctx.need(harness.CapNOOP)
	stray, err := c.Resync(ctx)
	for _, r := range stray {
		ctx.warnf("the server sent %s of its own accord after the transfer", r)
	}
	if err != nil {
		ctx.failf("%v", err)
	}
}

// judgeRefusal judges the reply to a PORT or EPRT that RFC 2577 says to
// refuse. It returns true when the server accepted it (and the check must
// look at what happens next). A 5yz is a refusal; 504 is what RFC 2577 §3
// suggests for privileged ports, other 5yz codes are noted.
func judgeRefusal(ctx *Ctx, what string, r *harness.Reply, ideal int) bool {
	switch harness.Class(r.Code) {
	case 5:
		if ideal != 0 && r.Code != ideal {
			ctx.infof("%s was refused with %s (RFC 2577 suggests %d; any 5yz refuses)", what, r, ideal)
		} else {
			ctx.infof("%s was refused with %s", what, r)
		}
		return false
	case 4:
		if r.Code == harness.ReplyCantOpenData {
			ctx.failf("%s: expected a 5yz refusal; got %s, which says the server tried to open that data connection", what, r)
		} else {
			ctx.warnf("%s: expected a 5yz refusal; got %s, a temporary failure rather than a refusal", what, r)
		}
		return false
	case 2:
		return true
	}
	ctx.failf("%s: expected a 5yz refusal; got %s", what, r)
	return false
}

// judgeActiveAcceptance follows up a PORT or EPRT that should have been
// refused and was accepted: LIST shows whether the server really connects
// to the address it was given.
func judgeActiveAcceptance(ctx *Ctx, c *harness.Conn, what string, d *harness.DataChannel) {
	t, err := c.Retrieve(ctx, d, "LIST")
	switch {
	case t != nil && t.Source.IsValid():
		ctx.failf("%s was accepted with %s and the server connected there from %s for LIST: it can be used to bounce connections to other hosts (RFC 2577 §2-3)", what, d.Setup, t.Source)
	case err != nil:
		ctx.failf("%s was accepted with %s (a refusal was expected, RFC 2577 §3); LIST then broke: %v", what, d.Setup, err)
	default:
		ctx.failf("%s was accepted with %s (a refusal was expected, RFC 2577 §3); LIST then got %s and no connection arrived, but accepting the command is already the finding", what, d.Setup, t.ReplyChain())
	}
}
