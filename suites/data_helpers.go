package suites

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// requireFamily skips a check whose data mode cannot work on this control
// connection: PASV and PORT carry IPv4 addresses only (RFC 2428 §1).
func requireFamily(c *harness.Conn, mode harness.DataMode) {
	if (mode == harness.PASV || mode == harness.PORT) && c.RemoteAddr().Addr().Is6() {
		Skip(fmt.Sprintf("%s carries IPv4 addresses only and this control connection is IPv6 (use EPSV/EPRT, RFC 2428)", mode))
	}
}

// openData sets up a data connection and fails the check with a diagnosis
// when it cannot be made.
func openData(ctx *Ctx, c *harness.Conn, mode harness.DataMode) *harness.DataChannel {
	ctx.need(dataCapability(mode))
	d, err := c.OpenData(ctx, mode, harness.DataOptions{})
	if err != nil {
		d.Close()
		diagnosis := diagnoseDataSetup(mode, d, err)
		ctx.dataModeLost(mode, diagnosis)
		ctx.failf("%s", diagnosis)
	}
	return d
}

// diagnoseDataSetup explains a failed data-connection set-up.
func diagnoseDataSetup(mode harness.DataMode, d *harness.DataChannel, err error) string {
	if de, ok := isUnreachable(err); ok {
		port := ""
		if d != nil {
			port = fmt.Sprintf(" advertised port %d:", d.Advertised.Port())
		}
		switch de.Kind {
		case harness.DialRefused:
			return fmt.Sprintf("%s:%s %v; the server did not open the port it advertised", mode, port, de)
		case harness.DialTimeout:
			return fmt.Sprintf("%s:%s %v; a firewall between here and the server drops the passive port range", mode, port, de)
		}
		return fmt.Sprintf("%s:%s %v", mode, port, de)
	}
	return fmt.Sprintf("setting up the %s data connection: %v", mode, err)
}

// withFixture logs in, makes a scratch directory, uploads a binary fixture
// there over the default passive mode and returns the session, the name
// and the bytes. The check will retrieve the fixture: it relies on RETR.
func withFixture(ctx *Ctx, size int) (*harness.Conn, string, []byte) {
	ctx.need(harness.CapRETR)
	c := login(ctx)
	scratch(ctx, c)
	data := binaryFixture(size)
	name := "fixture.bin"
	upload(ctx, c, ctx.fixtureMode(c), name, data)
	return c, name, data
}

// sourceAddressJudges are the checks that judge where an active-mode data
// connection comes from; the others that see it only note it (one root
// cause, one failure).
var sourceAddressJudges = []string{"RFC959-4.1.2-PORT-SEMANTICS/list", "RFC2428-2-EPRT-200"}

// checkSourceAddress fails (in the checks that judge it) when an
// active-mode data connection came from an address other than the
// server's control address.
func checkSourceAddress(ctx *Ctx, c *harness.Conn, mode harness.DataMode, src netip.AddrPort) {
	if !src.IsValid() {
		return
	}
	want := c.RemoteAddr().Addr()
	if src.Addr().Unmap() == want {
		return
	}
	if slices.Contains(sourceAddressJudges, ctx.key()) {
		ctx.failf("%s: the server's data connection came from %s, not from its control address %s", mode, src, want)
	}
	ctx.infof("%s: the server's data connection came from %s, not from its control address %s (judged by %s)", mode, src, want, strings.Join(sourceAddressJudges, " and "))
}

// splitLines splits listing data into lines and reports lines that do not
// end in CRLF.
func splitLines(data []byte) (lines []string, bareLF int) {
	s := string(data)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		line := s[:i]
		if strings.HasSuffix(line, "\r") {
			line = line[:len(line)-1]
		} else {
			bareLF++
		}
		lines = append(lines, line)
		s = s[i+1:]
	}
	return lines, bareLF
}
