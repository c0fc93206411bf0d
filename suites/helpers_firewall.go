package suites

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
)

// ActiveSourceL1 as Config.ExpectActiveSourcePort means "the control port
// minus one" (RFC 959 §3.2's default data port L-1).
const ActiveSourceL1 = -1

// FixPrefix starts each remedy line of a firewall finding: the first line
// of a failure message says what is wrong, every following line that
// starts with FixPrefix says what to change ("ftpconform firewall" lists
// them under "What to fix").
const FixPrefix = "fix: "

// problem fails the running check with a finding and its remedies.
func problem(ctx *Ctx, finding string, fixes ...string) {
	var b strings.Builder
	b.WriteString(finding)
	for _, f := range fixes {
		b.WriteString("\n" + FixPrefix + f)
	}
	ctx.failf("%s", b.String())
}

// observePassive records what the check saw of passive replies, typed, for
// the comparison of a plain and a TLS pass (checkmeta.EntryPassive).
// Samples without a usable reply are left out.
func (c *Ctx) observePassive(samples []harness.PassiveSample) {
	var o checkmeta.PassiveObservation
	for _, s := range samples {
		if s.Err != nil || !s.Advertised.IsValid() {
			continue
		}
		if o.Peer == "" {
			o.Peer = s.Peer.Addr().Unmap().String()
		}
		r := checkmeta.PassiveReply{Mode: string(s.Mode), Port: int(s.Advertised.Port())}
		if s.Mode == harness.PASV {
			r.Address = s.Advertised.Addr().Unmap().String()
		}
		if s.Probe != nil {
			r.Probe = probeOutcome(s.Probe.Kind())
		}
		o.Replies = append(o.Replies, r)
	}
	if len(o.Replies) > 0 {
		AddReportEntry(checkmeta.EntryPassive, o.Encode(), ReportEntryVisibilityNever)
	}
}

// observeChannel records one passive data channel, and the outcome of
// dialling it when dialErr says (nil: connected; nil and !dialled: no
// outcome).
func (c *Ctx) observeChannel(conn *harness.Conn, d *harness.DataChannel, dialled bool, dialErr error) {
	if d == nil || !d.Advertised.IsValid() {
		return
	}
	s := harness.PassiveSample{Mode: d.Mode, Peer: conn.RemoteAddr(), Advertised: d.Advertised, Dialled: d.Dialled}
	if dialled {
		p := &harness.Probe{Addr: d.Dialled}
		var de *harness.DialError
		switch {
		case dialErr == nil:
		case errors.As(dialErr, &de):
			p.Err = de
		default:
			p.Err = &harness.DialError{Kind: harness.DialOther, Err: dialErr}
		}
		s.Probe = p
	}
	c.observePassive([]harness.PassiveSample{s})
}

// probeOutcome names a connection attempt's outcome for an observation.
func probeOutcome(k harness.DialFailure) string {
	switch k {
	case "":
		return checkmeta.ProbeConnected
	case harness.DialTimeout:
		return checkmeta.ProbeTimedOut
	case harness.DialRefused:
		return checkmeta.ProbeRefused
	case harness.DialUnreachable:
		return checkmeta.ProbeUnreachable
	}
	return checkmeta.ProbeFailed
}

// samplePassive runs ctx.cfg.Samples fresh sessions and collects their PASV
// and EPSV replies (modes, if given, instead), probing each port when
// probe is set. A session that cannot be opened fails the check.
func samplePassive(ctx *Ctx, probe bool, modes ...harness.DataMode) []harness.PassiveSample {
	samples, err := harness.SamplePassive(ctx, ctx.cfg.Target, ctx.transcript(), harness.SampleOptions{
		Sessions: ctx.cfg.Samples,
		Modes:    modes,
		Probe:    probe,
	})
	ctx.observePassive(samples)
	if err != nil {
		ctx.failf("sampling passive replies over %d sessions: %v", ctx.cfg.Samples, err)
	}
	return samples
}

// usableSamples splits samples into those with a usable reply and those
// without. Replies of 500/502 (the mode is not implemented) are left out
// of both and their modes returned.
func usableSamples(samples []harness.PassiveSample) (ok, failed []harness.PassiveSample, unimplemented []harness.DataMode) {
	for _, s := range samples {
		switch {
		case s.Err == nil:
			ok = append(ok, s)
		case notImplemented(s.Reply):
			if !slices.Contains(unimplemented, s.Mode) {
				unimplemented = append(unimplemented, s.Mode)
			}
		default:
			failed = append(failed, s)
		}
	}
	return ok, failed, unimplemented
}

// requireSamples skips the check when no mode was implemented and fails it
// when no reply was usable; it returns the usable samples.
func requireSamples(ctx *Ctx, samples []harness.PassiveSample) []harness.PassiveSample {
	ok, failed, unimpl := usableSamples(samples)
	if len(ok) > 0 {
		if len(unimpl) > 0 {
			ctx.infof("%s not implemented (500/502): sampled %s only", modeList(unimpl), modeList(modesOf(ok)))
		}
		return ok
	}
	if len(failed) == 0 {
		Skip(fmt.Sprintf("no passive mode to sample: %s not implemented", modeList(unimpl)))
	}
	s := failed[0]
	ctx.failf("no usable passive reply in %d sessions; %s: %v", ctx.cfg.Samples, s.Mode, s.Err)
	return nil
}

func modesOf(samples []harness.PassiveSample) []harness.DataMode {
	var out []harness.DataMode
	for _, s := range samples {
		if !slices.Contains(out, s.Mode) {
			out = append(out, s.Mode)
		}
	}
	return out
}

func modeList(modes []harness.DataMode) string {
	var s []string
	for _, m := range modes {
		s = append(s, string(m))
	}
	return strings.Join(s, " and ")
}

// portList renders up to max ports, sorted, with a count of the rest.
func portList(ports []int, max int) string {
	s := slices.Clone(ports)
	slices.Sort(s)
	s = slices.Compact(s)
	var parts []string
	for i, p := range s {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(s)-max))
			break
		}
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ", ")
}

// describeSpread summarises sampled passive ports: how many, how many
// distinct, the lowest and highest, and how much of the expected range
// (if any) they cover.
func describeSpread(ports []int, rng harness.PortRange, modes []harness.DataMode, sessions int) string {
	if len(ports) == 0 {
		return "no passive ports sampled"
	}
	s := slices.Clone(ports)
	slices.Sort(s)
	distinct := len(slices.Compact(slices.Clone(s)))
	lo, hi := s[0], s[len(s)-1]
	msg := fmt.Sprintf("passive ports: %d replies (%s) from %d sessions, %d distinct, lowest %d, highest %d",
		len(s), modeList(modes), sessions, distinct, lo, hi)
	if rng.IsZero() {
		return msg
	}
	inside := 0
	for _, p := range slices.Compact(s) {
		if rng.Contains(p) {
			inside++
		}
	}
	span := min(hi, rng.Max) - max(lo, rng.Min) + 1
	if span < 0 {
		span = 0
	}
	return msg + fmt.Sprintf("; %d of the %d ports of %s seen (%d%%), spanning %d%% of the range",
		inside, rng.Size(), rng, 100*inside/rng.Size(), 100*span/rng.Size())
}

// internal reports whether a is an address a client outside the site
// cannot reach: private (RFC 1918, ULA), loopback, link-local or
// unspecified.
func internal(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified()
}

// diagnosePasvAddress explains an advertised passive address that is not
// the expected one (the operator's --pasv-address, else the control peer).
// It returns the finding and the fix.
func diagnosePasvAddress(ctx *Ctx, adv, peer netip.Addr, n, total int) (string, string) {
	want := expectedPasvAddr(ctx, peer)
	in := ""
	if total > 1 {
		in = fmt.Sprintf(" (in %d of %d sessions)", n, total)
	}
	var finding string
	switch {
	case adv == peer:
		finding = fmt.Sprintf("the server advertises %s in its 227 reply%s, the address this client reached it at, but the expected passive address is %s (--pasv-address)", adv, in, want)
	case want != peer:
		finding = fmt.Sprintf("the server advertises %s in its 227 reply%s, but this client reached it at %s and the expected passive address is %s (--pasv-address)", adv, in, peer, want)
	default:
		finding = fmt.Sprintf("the server advertises %s in its 227 reply%s, but this client reached it at %s", adv, in, peer)
	}
	switch {
	case adv.IsUnspecified():
		return finding + "; no client can connect to " + adv.String(),
			fmt.Sprintf("set the server's passive/masquerade address to %s", want)
	case internal(adv) && !internal(want):
		return finding + fmt.Sprintf("; %s is an internal address that clients outside the site cannot reach (a server behind NAT that does not know its public address)", adv),
			fmt.Sprintf("the server advertises %s; set its passive/masquerade address to the public one, %s", adv, want)
	}
	return finding + "; clients that use the address of the 227 reply connect to the wrong host",
		fmt.Sprintf("set the server's passive/masquerade address to %s", want)
}

// activeMode is the active-mode command the control connection's family
// allows: PORT on IPv4, EPRT on IPv6 (RFC 2428 §2).
func activeMode(c *harness.Conn) harness.DataMode {
	if c.RemoteAddr().Addr().Is6() {
		return harness.EPRT
	}
	return harness.PORT
}

// probeActive asks the server to connect back for a LIST and waits up to
// the reply timeout for its connection.
func probeActive(ctx *Ctx, c *harness.Conn) *harness.ActiveProbe {
	mode := activeMode(c)
	p, err := c.ProbeActive(ctx, mode, "LIST", ctx.cfg.Target.ReplyTimeout)
	if err != nil {
		var re *harness.ReplyError
		if errors.As(err, &re) {
			ctx.failf("%s: %v", mode, err)
		}
		ctx.failf("%s and LIST: %v", mode, err)
	}
	return p
}

// activeRefused reports whether the server refused active mode with 5yz,
// which is how a server that does not allow it should answer.
func activeRefused(p *harness.ActiveProbe) bool {
	return p.Setup != nil && harness.Class(p.Setup.Code) == 5
}

// activeSetupText renders "PORT 127,0,0,1,4,1 (listening on 127.0.0.1:1025)".
func activeSetupText(p *harness.ActiveProbe) string {
	return fmt.Sprintf("%s naming %s", p.Mode, p.Listen)
}

// activeReplies renders the replies a probe saw after its setup.
func activeReplies(p *harness.ActiveProbe) string {
	var parts []string
	for _, r := range p.Replies {
		parts = append(parts, r.String())
	}
	if p.NoFinalReply {
		parts = append(parts, fmt.Sprintf("no completion reply within %s", p.Waited.Round(100*time.Millisecond)))
	}
	if len(parts) == 0 {
		return "no reply"
	}
	return strings.Join(parts, " then ")
}

// noDialIn is the finding and fixes when the server accepted active mode
// but its connection never arrived.
func noDialIn(p *harness.ActiveProbe) (string, []string) {
	var finding string
	if p.Accepted() {
		when := fmt.Sprintf("within %s", p.Waited.Round(100*time.Millisecond))
		if !p.NoFinalReply {
			when = fmt.Sprintf("before the transfer ended after %s", p.Waited.Round(100*time.Millisecond))
		}
		finding = fmt.Sprintf("%s was accepted (%s), but the server never connected to %s %s (%s %s): the server cannot reach the client",
			activeSetupText(p), p.Setup, p.Listen, when, p.Cmd, activeReplies(p))
	} else {
		finding = fmt.Sprintf("%s got %s: the server could not connect to the client at %s (it dials when PORT arrives), so it cannot reach the client",
			activeSetupText(p), p.Setup, p.Listen)
	}
	finding += " — an outbound firewall on the server's side drops its connections to clients, or a NAT or firewall in front of the client does not let them in"
	return finding, []string{
		fmt.Sprintf("allow the server's outbound TCP connections to clients (to %s here) in its firewall, and admit them on the client's side", p.Listen),
		"if active mode is not meant to be allowed, make the server refuse PORT and EPRT with 5yz, so that clients fall back to passive mode at once instead of waiting",
	}
}

func init() {
	NotCovered["POLICY-CONTROL-FIREWALL"] = "needs a port scan of the server's address outside the control port and passive range; ftpconform does not scan hosts (run a port scanner from outside the firewall)"
	NotCovered["POLICY-DATA-TIMEOUT"] = "the server's data-connection timeout is its own setting, often minutes, and unknown to the harness; waiting it out does not fit a run meant to take seconds"
}
