package suites

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// The passive-mode policy checks sample ctx.cfg.Samples fresh sessions each
// (harness.SamplePassive): a server may hand out ports or addresses that
// differ between sessions (a random port per PASV, a cluster of nodes
// behind one address), and one reply proves little about the range.

var _ = describe("Operator policy for passive mode", Label("policy", "pasv", "firewall"), func(r *Run) {
	r.Check("POLICY-PASV-RANGE", "advertises passive ports inside the expected range",
		Serial, func(ctx *Ctx) {
			samples := requireSamples(ctx, samplePassive(ctx, false))
			rng := ctx.cfg.Target.PasvRange
			var ports, outside []int
			for _, s := range samples {
				p := int(s.Advertised.Port())
				ports = append(ports, p)
				if !rng.IsZero() && !rng.Contains(p) {
					outside = append(outside, p)
				}
			}
			modes := modesOf(samples)
			spread := describeSpread(ports, rng, modes, ctx.cfg.Samples)
			ctx.infof("%s", spread)
			if rng.IsZero() {
				Skip("no expected passive range given (--pasv-range); " + spread)
			}
			if len(outside) > 0 {
				lo, hi := minMax(ports)
				fixes := []string{fmt.Sprintf("set the server's passive port range to %s (it used ports from %d to %d), or open the ports it uses in the firewall and give them as --pasv-range", rng, lo, hi)}
				if len(outside) < len(ports) && allEphemeral(outside) {
					// Most ports inside, the others where the kernel
					// hands out ports: a server that falls back to any
					// free port when its range is busy.
					fixes = append(fixes, "the ports outside the range look kernel-chosen: if the server falls back to any free port when its range is busy, make the range larger than the number of concurrent passive transfers")
				}
				problem(ctx, fmt.Sprintf("%d of %d passive replies (%s) advertise ports outside %s: %s; clients behind a firewall that opens only %s cannot connect to them",
					len(outside), len(ports), modeList(modes), rng, portList(outside, 12), rng), fixes...)
			}
		})

	r.Check("POLICY-PASV-ADDR", "advertises the expected public address in the 227 reply",
		Serial, func(ctx *Ctx) {
			if !ctx.cfg.Target.PasvAddress.IsValid() {
				// A POLICY check judges only what the operator stated.
				Skip("no --pasv-address given; whether the 227 address is one this client can reach is judged by RFC959-4.1.2-227-ADDRESS")
			}
			samples := samplePassive(ctx, false, harness.PASV)
			if len(samples) == 0 {
				Skip("PASV carries IPv4 addresses only and this control connection is IPv6; EPSV advertises no address (RFC 2428 §3), clients dial the control connection's address")
			}
			samples = requireSamples(ctx, samples)
			peer := samples[0].Peer.Addr()
			want := expectedPasvAddr(ctx, peer)
			byAddr := map[netip.Addr]int{}
			var wrong []netip.Addr
			for _, s := range samples {
				a := s.Advertised.Addr()
				if byAddr[a] == 0 && a != want {
					wrong = append(wrong, a)
				}
				byAddr[a]++
			}
			if len(wrong) == 0 {
				ctx.infof("all %d sessions advertised %s in the 227 reply", len(samples), want)
				return
			}
			var findings, fixes []string
			for _, a := range wrong {
				f, fix := diagnosePasvAddress(ctx, a, peer, byAddr[a], len(samples))
				findings = append(findings, f)
				fixes = append(fixes, fix)
			}
			problem(ctx, strings.Join(findings, "; also, "), fixes...)
		})

	r.Check("POLICY-PASV-RANGE-REACHABLE", "accepts connections on every passive port it advertises",
		Serial, func(ctx *Ctx) {
			samples := samplePassive(ctx, true)
			ok, failed, _ := usableSamples(samples)
			samples = requireSamples(ctx, samples)
			byKind := map[harness.DialFailure][]int{}
			modesBy := map[harness.DialFailure][]harness.DataMode{}
			for _, s := range ok {
				k := s.Probe.Kind()
				byKind[k] = append(byKind[k], int(s.Probe.Addr.Port()))
				if !slices.Contains(modesBy[k], s.Mode) {
					modesBy[k] = append(modesBy[k], s.Mode)
				}
			}
			ctx.infof("%s", describeProbes(byKind, len(samples)))
			var findings, fixes []string
			if ports := byKind[harness.DialTimeout]; len(ports) > 0 {
				// Only EPSV ports dropped while PASV ports connect: a
				// firewall that opens the ports it reads in 227 replies.
				epsvOnly := slices.Equal(modesBy[harness.DialTimeout], []harness.DataMode{harness.EPSV}) &&
					slices.Contains(modesBy[""], harness.PASV)
				f, fix := diagnoseTimedOut(ctx, ports, len(samples), epsvOnly)
				findings, fixes = append(findings, f), append(fixes, fix...)
			}
			if ports := byKind[harness.DialRefused]; len(ports) > 0 {
				findings = append(findings, fmt.Sprintf("%d of %d sampled passive ports were refused (%s): a reset came back, so nothing listens there — the server did not open the port it advertised (its listener is on another port or address, or a port forward sends these ports where the server does not listen); a firewall rule that rejects with a TCP reset looks the same",
					len(ports), len(samples), portList(ports, 12)))
				fixes = append(fixes, "make the server listen on exactly the ports it advertises: check its passive listener address and that every port forward or NAT rule maps each port of the range to the same port on the server")
			}
			if ports := byKind[harness.DialUnreachable]; len(ports) > 0 {
				findings = append(findings, fmt.Sprintf("%d of %d sampled passive ports were unreachable (%s): an ICMP unreachable came back — a firewall rejects these ports, or there is no route to the address the server advertised",
					len(ports), len(samples), portList(ports, 12)))
				fixes = append(fixes, "allow inbound TCP to the server's passive port range in every firewall between the clients and the server (rules that reject with ICMP included)")
			}
			if ports := byKind[harness.DialOther]; len(ports) > 0 {
				findings = append(findings, fmt.Sprintf("connecting to %d sampled passive ports failed (%s)", len(ports), portList(ports, 12)))
			}
			if len(failed) > 0 {
				findings = append(findings, fmt.Sprintf("%d of %d passive commands got no usable reply (first: %s: %v), so clients got no data connection", len(failed), len(failed)+len(samples), failed[0].Mode, failed[0].Err))
				fixes = append(fixes, "check the server's log for why it could not open a passive port; a range smaller than the number of concurrent transfers runs out")
			}
			if len(findings) > 0 {
				problem(ctx, strings.Join(findings, "; also, "), fixes...)
			}
		})

	r.Check("POLICY-EPSV-WORKS-NAT", "serves a listing over EPSV at the address the client reached it at",
		func(ctx *Ctx) {
			c := login(ctx)
			d, err := c.OpenData(ctx, harness.EPSV, harness.DataOptions{})
			if _, dialFailed := isUnreachable(err); err == nil || dialFailed {
				ctx.observeChannel(c, d, true, err)
			}
			if err != nil {
				d.Close()
				var re *harness.ReplyError
				if errors.As(err, &re) && notImplemented(re.Reply) {
					Skip("EPSV is not implemented: " + re.Reply.String())
				}
				if de, ok := isUnreachable(err); ok && d != nil {
					finding, fixes := diagnoseEPSVDial(d, de)
					problem(ctx, finding, fixes...)
				}
				ctx.failf("%s", diagnoseDataSetup(harness.EPSV, d, err))
			}
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST over EPSV")
			if t.DataErr != nil || t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("LIST over EPSV (port %d at %s): expected 125 or 150, then 226 or 250, and the listing; got %s (data connection: %v)", d.Advertised.Port(), d.Dialled.Addr(), t.ReplyChain(), t.DataErr)
			}
			ctx.infof("LIST over EPSV: %d bytes on port %d at %s", len(t.Data), d.Dialled.Port(), d.Dialled.Addr())
		})
})

// diagnoseEPSVDial explains an EPSV port that could not be reached at the
// control connection's address.
func diagnoseEPSVDial(d *harness.DataChannel, de *harness.DialError) (string, []string) {
	finding := fmt.Sprintf("EPSV advertised port %d; a client connects to it at %s, the address it reached the server at: %v", d.Advertised.Port(), d.Dialled.Addr(), de)
	switch de.Kind {
	case harness.DialTimeout:
		return finding + "; packets to the port are dropped on the way (a firewall or NAT that does not let the passive range through, or one whose FTP helper opens only the ports of 227 replies)",
			[]string{"open the server's passive port range (TCP, inbound) in every firewall and port forward between the clients and the server"}
	case harness.DialRefused:
		return finding + "; nothing listens there at that address: the server, or the NAT in front of it, does not map the port to its listener",
			[]string{"make every port forward or NAT rule map each port of the passive range to the same port on the server"}
	}
	return finding, nil
}

// allEphemeral reports whether every port lies in the range from which
// operating systems pick ports for sockets that ask for none (the IANA
// dynamic range starts at 49152, Linux's default range at 32768).
func allEphemeral(ports []int) bool {
	for _, p := range ports {
		if p < 32768 {
			return false
		}
	}
	return true
}

// minMax returns the smallest and largest of ports (not empty).
func minMax(ports []int) (int, int) {
	lo, hi := ports[0], ports[0]
	for _, p := range ports {
		lo, hi = min(lo, p), max(hi, p)
	}
	return lo, hi
}

// describeProbes renders the probe outcomes for the report:
// "passive port probes (20): 14 connected (ports ...); 6 timed out (ports ...)".
func describeProbes(byKind map[harness.DialFailure][]int, total int) string {
	parts := []string{}
	for _, k := range []struct {
		kind harness.DialFailure
		word string
	}{{"", "connected"}, {harness.DialTimeout, "timed out"}, {harness.DialRefused, "refused"}, {harness.DialUnreachable, "unreachable"}, {harness.DialOther, "failed"}} {
		if ports := byKind[k.kind]; len(ports) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (ports %s)", len(ports), k.word, portList(ports, 40)))
		}
	}
	return fmt.Sprintf("passive port probes (%d): %s", total, strings.Join(parts, "; "))
}

// diagnoseTimedOut explains passive ports whose connection attempts went
// unanswered: packets dropped on the way. When the dropped ports lie
// outside the expected range and the ports inside it work, the server's
// range is what is wrong, not the firewall.
func diagnoseTimedOut(ctx *Ctx, ports []int, total int, epsvOnly bool) (string, []string) {
	rng := ctx.cfg.Target.PasvRange
	finding := fmt.Sprintf("%d of %d sampled passive ports timed out (%s): the connection attempts got no answer, so the packets are dropped on the way — a firewall (or cloud security group) between this client and the server does not let these ports through",
		len(ports), total, portList(ports, 12))
	if epsvOnly {
		return finding + "; only the ports of EPSV replies were dropped while those of PASV replies connected: a firewall or NAT whose FTP helper opens a pinhole for each port it reads in a 227 reply, but does not understand 229 replies (RFC 2428)",
			[]string{"open the server's passive port range (TCP, inbound) in the firewall instead of relying on its FTP helper, or update the helper so that it handles EPSV"}
	}
	if rng.IsZero() {
		return finding, []string{"open the server's passive port range (TCP, inbound) in every firewall between the clients and the server, and give the range as --pasv-range to check it"}
	}
	allOutside := true
	for _, p := range ports {
		allOutside = allOutside && !rng.Contains(p)
	}
	if allOutside {
		return finding + fmt.Sprintf("; all of them lie outside %s, the range the firewall is expected to open", rng),
			[]string{fmt.Sprintf("set the server's passive port range to %s, which the firewall lets through", rng)}
	}
	lo, hi := minMax(ports)
	return finding, []string{fmt.Sprintf("open TCP ports %s (the passive range) inbound to the server in every firewall between the clients and it; the sampled ports from %d to %d are blocked now", rng, lo, hi)}
}
