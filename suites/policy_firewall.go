package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Active mode through the network: the server connects back to the
// harness, which listens on --active-address (default: its end of the
// control connection), inside --active-range if given. PORT is used on
// IPv4, EPRT on IPv6.

var _ = describe("Operator policy for active mode", Label("policy", "port", "data", "firewall"), func(r *Run) {
	r.Check("POLICY-ACTIVE-EGRESS", "connects back to the client in active mode, or refuses PORT outright",
		func(ctx *Ctx) {
			c := login(ctx)
			p := probeActive(ctx, c)
			switch {
			case p.Setup == nil:
				ctx.failf("%s: no reply", activeSetupText(p))
			case activeRefused(p):
				ctx.infof("active mode is refused: %s got %s; clients must use passive mode", activeSetupText(p), p.Setup)
			case !p.Accepted() && harness.Class(p.Setup.Code) != 4:
				ctx.failf("%s: expected 200 (or 5yz if active mode is not allowed); got %s", activeSetupText(p), p.Setup)
			case !p.Connected():
				finding, fixes := noDialIn(p)
				problem(ctx, finding, fixes...)
			default:
				ctx.infof("the server connected from %s to %s (%s %s)", p.Source, p.Listen, p.Cmd, activeReplies(p))
			}
		})

	r.Check("POLICY-ACTIVE-EGRESS/source-address", "connects back from the address the client reached it at",
		func(ctx *Ctx) {
			c := login(ctx)
			p := requireDialIn(probeActive(ctx, c))
			want := c.RemoteAddr().Addr()
			if p.Source.Addr().Unmap() != want {
				problem(ctx, fmt.Sprintf("the server's %s data connection came from %s, not from %s, the address this client reached it at: a client-side firewall that admits data connections only from the server's address drops it, and clients that check the source (RFC 2577 §4) refuse it",
					p.Mode, p.Source, want),
					fmt.Sprintf("make the server dial active data connections from its control address %s (on a multi-homed host or behind source NAT, use one address for both)", want))
			}
			ctx.infof("the server connected from %s", p.Source)
		})

	r.Check("POLICY-ACTIVE-EGRESS/source-port", "dials active data connections from the expected source port",
		func(ctx *Ctx) {
			c := login(ctx)
			first := requireDialIn(probeActive(ctx, c))
			ports := []int{int(first.Source.Port())}
			// A second connection tells a fixed source port from an
			// ephemeral one.
			if second := probeActive(ctx, c); second.Connected() {
				ports = append(ports, int(second.Source.Port()))
			}
			l := int(c.RemoteAddr().Port())
			desc := describeSourcePorts(ports, l)
			ctx.infof("%s", desc)
			exp := ctx.cfg.ExpectActiveSourcePort
			if exp == 0 {
				Skip("no expected active source port given (--expect-active-source-port); " + desc)
			}
			want, wantText := exp, fmt.Sprint(exp)
			if exp == ActiveSourceL1 {
				want, wantText = l-1, fmt.Sprintf("L-1 = %d", l-1)
			}
			for _, p := range ports {
				if p != want {
					problem(ctx, fmt.Sprintf("the server's active data connections came from port %s, but the expected source port is %s (--expect-active-source-port): a firewall that admits active-mode data only from that source port drops them",
						portList(ports, 4), wantText),
						fmt.Sprintf("set the server's active-mode source port to %d (its data-port or connect-from-port-20 setting), or correct the firewall rule and --expect-active-source-port to what the server uses", want))
				}
			}
		})
})

// requireDialIn skips a check that needs the server's connection when
// active mode is refused or the connection never came (POLICY-ACTIVE-EGRESS
// reports that).
func requireDialIn(p *harness.ActiveProbe) *harness.ActiveProbe {
	switch {
	case activeRefused(p):
		Skip(fmt.Sprintf("active mode is refused: %s got %s", activeSetupText(p), p.Setup))
	case !p.Connected():
		Skip(fmt.Sprintf("the server never connected back (%s: %s, %s %s); see POLICY-ACTIVE-EGRESS", activeSetupText(p), p.Setup, p.Cmd, activeReplies(p)))
	}
	return p
}

// describeSourcePorts says where active connections come from: L-1 (RFC
// 959 §3.2's default data port), port 20, another fixed port, or
// ephemeral ports.
func describeSourcePorts(ports []int, control int) string {
	msg := fmt.Sprintf("active data connections came from port %s", portList(ports, 4))
	if len(ports) > 1 && ports[0] != ports[1] {
		return msg + " (ephemeral ports: a different one each time)"
	}
	switch p := ports[0]; {
	case p == control-1:
		return msg + fmt.Sprintf(" (L-1: the control port %d minus one, RFC 959's default data port)", control)
	case p == 20:
		return msg + " (port 20, the standard FTP data port)"
	case len(ports) > 1:
		return msg + " (the same port each time)"
	}
	return msg
}
