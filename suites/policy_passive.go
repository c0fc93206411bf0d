package suites

import (
	"fmt"
	"sort"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

var _ = Describe("Operator policy for passive mode", Label("policy", "pasv", "firewall"), func() {
	Check("POLICY-PASV-RANGE", "advertises passive ports inside the expected range",
		func(ctx SpecContext) {
			rng := cfg.Target.PasvRange
			if rng.IsZero() {
				Skip("no expected passive range given (--pasv-range)")
			}
			c := login(ctx)
			mode := defaultMode(c)
			var ports []int
			var outside []string
			for i := 0; i < cfg.Samples; i++ {
				d := openDataNoDial(ctx, c, mode)
				p := int(d.Advertised.Port())
				ports = append(ports, p)
				if !rng.Contains(p) {
					outside = append(outside, fmt.Sprintf("%d", p))
				}
			}
			infof("%s", describeSpread(ports, rng))
			if len(outside) > 0 {
				failf("%d of %d %s replies advertise ports outside %s: %v; the server's passive port range is not set to %s (or it falls back to other ports when the range is busy)", len(outside), len(ports), mode, rng, outside, rng)
			}
		})

	Check("POLICY-PASV-ADDR", "advertises the expected public address in the 227 reply",
		func(ctx SpecContext) {
			exp := cfg.Target.PasvAddress
			if !exp.IsValid() {
				Skip("no expected passive address given (--pasv-address)")
			}
			c := login(ctx)
			requireFamily(c, harness.PASV)
			d := openDataNoDial(ctx, c, harness.PASV)
			if adv := d.Advertised.Addr(); adv != exp.Unmap() {
				failf("%s", diagnoseAddress(adv, c.RemoteAddr().Addr()))
			}
		})
})

// describeSpread summarises sampled passive ports.
func describeSpread(ports []int, rng harness.PortRange) string {
	if len(ports) == 0 {
		return "no passive ports sampled"
	}
	s := append([]int(nil), ports...)
	sort.Ints(s)
	distinct := map[int]bool{}
	for _, p := range s {
		distinct[p] = true
	}
	return fmt.Sprintf("passive ports: %d samples, %d distinct, lowest %d, highest %d (range %s, %d ports)", len(s), len(distinct), s[0], s[len(s)-1], rng, rng.Size())
}
