package suites

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the data-connection checks (rfc2428_variants.go,
// rfc959_dataconn.go).

// dcActiveMode is the active-mode command for this control connection: PORT
// on IPv4, EPRT on IPv6 (PORT cannot carry an IPv6 address).
func dcActiveMode(c *harness.Conn) harness.DataMode {
	if c.RemoteAddr().Addr().Is6() {
		return harness.EPRT
	}
	return harness.PORT
}

// dcFamilies returns the RFC 2428 network protocol number of the control
// connection (1 IPv4, 2 IPv6) and that of the other IP version.
func dcFamilies(c *harness.Conn) (own, other int) {
	if c.RemoteAddr().Addr().Is6() {
		return 2, 1
	}
	return 1, 2
}

// dcQuietWindow bounds the waits for something that must not happen (a
// connection, data, an EOF that a correct server sends at once).
func dcQuietWindow(ctx *Ctx) time.Duration {
	return min(ctx.cfg.Target.CloseGrace, 150*time.Millisecond)
}

// dcEpsvOrSkip sends an EPSV command and skips the check when the server
// does not implement EPSV at all (500/502 to a plain EPSV).
func dcEpsvOrSkip(ctx *Ctx, c *harness.Conn, line string) *harness.Reply {
	r := cmd(ctx, c, line)
	if notImplemented(r) && line == "EPSV" {
		Skip("EPSV is not implemented: " + r.String())
	}
	return r
}

// dcRequireEPSV skips the check unless the server implements EPSV. The
// preflight knows; without its fact a probe finds out, and the listener
// it opened is closed again with ABOR.
func dcRequireEPSV(ctx *Ctx, c *harness.Conn) {
	switch f := ctx.cfg.Facts.Cap(harness.CapEPSV); f.State {
	case harness.CapUnsupported:
		Skip("EPSV is not implemented: " + f.Detail)
	case harness.CapWorks, harness.CapBroken:
		return // implemented; what it does is the check's to judge
	}
	r := dcEpsvOrSkip(ctx, c, "EPSV")
	if harness.Class(r.Code) == 2 {
		dcDropData(ctx, c)
	}
}

// dcRequireEPRT skips the check unless the server implements EPRT: a valid
// EPRT naming a harness listener is answered with something other than
// 500/502. The preflight knows; without its fact a probe finds out, and
// the data setting is dropped again with ABOR.
func dcRequireEPRT(ctx *Ctx, c *harness.Conn) {
	switch f := ctx.cfg.Facts.Cap(harness.CapEPRT); f.State {
	case harness.CapUnsupported:
		Skip("EPRT is not implemented: " + f.Detail)
	case harness.CapWorks, harness.CapBroken:
		return // implemented; what it does is the check's to judge
	}
	d, err := c.OpenData(ctx, harness.EPRT, harness.DataOptions{})
	d.Close()
	if err != nil && d != nil && notImplemented(d.Setup) {
		Skip("EPRT is not implemented: " + d.Setup.String())
	}
	if err == nil {
		dcDropData(ctx, c)
	}
}

// dcDropData sends ABOR to drop a data setting nobody will use, as RFC 2428
// §3 tells clients to, before the check goes on on the same connection;
// the reply is not judged. (At the end of a check there is no need: the
// control connection closes.)
func dcDropData(ctx *Ctx, c *harness.Conn) {
	_, _ = c.Cmd(ctx, "ABOR")
}

// dcDeadPort is an address and port of the harness on which nothing listens,
// for error-path commands a faulty server might act on.
func dcDeadPort(ctx *Ctx, c *harness.Conn) netip.AddrPort {
	ap, err := c.DeadPort()
	ctx.must(err, "choosing a closed local port")
	return ap
}

// dcProtoList matches the end of a 522 text: "(1)", "(1,2)", spaces allowed
// around the numbers (RFC 2428 §2).
var dcProtoList = regexp.MustCompile(`\(\s*(\d+(?:\s*,\s*\d+)*)\s*\)(.*)$`)

// dcJudge522Text checks the text of a 522 reply against RFC 2428 §2: human
// text without parentheses, then the supported protocol numbers in
// parentheses, comma separated, at the end. own is the control
// connection's protocol, which the list should contain.
func dcJudge522Text(ctx *Ctx, what string, r *harness.Reply, own int) {
	msg := r.Message()
	last := msg
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		last = msg[i+1:]
	}
	m := dcProtoList.FindStringSubmatchIndex(last)
	if m == nil {
		ctx.failf("%s: the 522 text %q does not end with the supported network protocols in parentheses, e.g. \"(1)\" or \"(1,2)\" (RFC 2428 §2: the text MUST indicate them in that format)", what, last)
		return
	}
	human := last[:m[0]]
	if strings.ContainsAny(human, "()") {
		ctx.failf("%s: the human text %q before the protocol list contains a parenthesis, which RFC 2428 §2 forbids (software reads the list between '(' and ')')", what, human)
	}
	if tail := strings.TrimSpace(last[m[4]:m[5]]); tail != "" {
		if tail == "." {
			ctx.warnf("%s: the 522 text %q has a \".\" after the protocol list; RFC 2428 §2 ends the text with the list", what, last)
		} else {
			ctx.failf("%s: the 522 text %q continues after the protocol list with %q; RFC 2428 §2 ends the text with the list", what, last, tail)
		}
	}
	var nums []string
	for _, f := range strings.Split(last[m[2]:m[3]], ",") {
		nums = append(nums, strings.TrimSpace(f))
	}
	if !contains(nums, strconv.Itoa(own)) {
		ctx.warnf("%s: the 522 text lists protocols (%s) but not %d, the protocol of this very control connection", what, strings.Join(nums, ","), own)
	}
}

// dcSummary renders replies and data-connection outcome for messages.
func dcSummary(t *harness.Transfer) string {
	s := t.ReplyChain()
	if t.DataErr != nil {
		s += fmt.Sprintf("; data connection: %v", t.DataErr)
	}
	return s
}

// dcZeroBytePort picks a free local port whose low byte is 0 (so that the
// PORT argument ends in ",0"), inside the active range if one is set.
func dcZeroBytePort(ctx *Ctx, c *harness.Conn, attempt int) uint16 {
	rng := ctx.cfg.Target.ActiveRange
	lo, hi := 4, 255 // ports 1024-65280
	if !rng.IsZero() {
		lo, hi = (rng.Min+255)/256, rng.Max/256
	}
	if lo > hi || lo < 1 {
		return 0
	}
	n := hi - lo + 1
	k := lo + (attempt*97+int(c.LocalAddr().Port()))%n
	return uint16(k * 256)
}
