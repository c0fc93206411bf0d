package suites

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// The variants of EPSV and EPRT (RFC 2428 §2-§4): protocol arguments, the
// 522 reply, EPSV ALL, ABOR after EPSV, EPRT syntax and errors. Every check
// follows the control connection's IP version, so all of them run on IPv4
// and on IPv6 except where PORT or PASV are involved.
var _ = describe("EPSV and EPRT variants (RFC 2428)", Label("rfc2428", "data"), func(r *Run) {
	r.Check("RFC2428-3-EPSV-229", "answers a plain EPSV with 229, the code RFC 2428 reserves for it",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			r := dcEpsvOrSkip(ctx, c, "EPSV")
			expectExactly(ctx, "EPSV (RFC 2428 §3: the response code MUST be 229)", r, nil, harness.ReplyEnteringEPSV)
		})

	r.Check("RFC2428-3-EPSV-PROTO-ARG/same-family", "accepts EPSV naming the control connection's own protocol and serves LIST on that port",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPSV(ctx, c)
			own, _ := dcFamilies(c)
			line := fmt.Sprintf("EPSV %d", own)
			d, err := c.OpenData(ctx, harness.EPSV, harness.DataOptions{Arg: strconv.Itoa(own)})
			if err != nil {
				d.Close()
				var re *harness.ReplyError
				if errors.As(err, &re) {
					expectExactly(ctx, line+" on an "+dcIPVersion(c)+" control connection (RFC 2428 §3: a supported protocol SHOULD be used; 522 would claim this very protocol is unsupported)", re.Reply, nil, harness.ReplyEnteringEPSV)
					return
				}
				ctx.failf("%s", diagnoseDataSetup(harness.EPSV, d, err))
			}
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST after %s", line)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil || t.DataErr != nil {
				ctx.failf("LIST after %s: expected 125 or 150, then 226 or 250, with the listing on port %d; got %s", line, d.Dialled.Port(), dcSummary(t))
			}
		})

	r.Check("RFC2428-3-EPSV-PROTO-ARG/other-family", "answers EPSV naming the other IP version with 522, or with 229 and a port that accepts connections",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPSV(ctx, c)
			_, other := dcFamilies(c)
			line := fmt.Sprintf("EPSV %d", other)
			r := cmd(ctx, c, line)
			if r.Code != harness.ReplyEnteringEPSV {
				expectCode(ctx, line+" on an "+dcIPVersion(c)+" control connection (RFC 2428 §3: an unsupported protocol MUST get 522)", r, nil, harness.ReplyBadProtocol)
				return
			}
			port, err := harness.ParseEPSV(r.Text())
			ctx.must(err, "%s: reply %s", line, r)
			peer := c.RemoteAddr().Addr()
			var tries []netip.AddrPort
			if alt, ok := dcOtherFamilyLoopback(peer); ok {
				tries = append(tries, netip.AddrPortFrom(alt, uint16(port)))
			}
			tries = append(tries, netip.AddrPortFrom(peer, uint16(port)))
			var errs []string
			for i, ap := range tries {
				nc, err := c.DialData(ctx, ap)
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				nc.Close()
				if i < len(tries)-1 {
					ctx.infof("%s: the server listens on %s, the other IP version's address", line, ap)
					return
				}
				if len(tries) > 1 {
					ctx.warnf("%s was answered %s, but port %d accepts connections only at %s, over %s, not over the protocol the command asked for", line, r, port, ap, dcIPVersion(c))
				}
				return
			}
			if len(tries) == 1 {
				Skip(fmt.Sprintf("%s was answered %s; the harness does not know the server's address of the other IP version, and %v", line, r, errs[0]))
			}
			ctx.failf("%s was answered %s, but nothing accepts connections on port %d: %v; a server that cannot use that protocol MUST answer 522 (RFC 2428 §3)", line, r, port, errs)
		})

	r.Check("RFC2428-3-EPSV-PROTO-ARG/unknown", "answers EPSV with an unknown protocol number with 522",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPSV(ctx, c)
			r := cmd(ctx, c, "EPSV 7")
			expectCode(ctx, "EPSV 7 (protocol 7 does not exist; RFC 2428 §3: an unsupported protocol MUST get 522)", r, nil, harness.ReplyBadProtocol)
		})

	r.Check("RFC2428-2-522-TEXT/epsv", "ends its 522 reply to EPSV with the supported protocols in parentheses",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPSV(ctx, c)
			own, other := dcFamilies(c)
			for _, arg := range []string{"7", strconv.Itoa(other)} {
				r := cmd(ctx, c, "EPSV "+arg)
				if r.Code == harness.ReplyBadProtocol {
					dcJudge522Text(ctx, "EPSV "+arg, r, own)
					return
				}
				if harness.Class(r.Code) == 2 {
					dcDropData(ctx, c)
				}
			}
			Skip("no EPSV variant drew a 522 reply whose text could be judged (see RFC2428-3-EPSV-PROTO-ARG)")
		})

	r.Check("RFC2428-2-522-TEXT/eprt", "ends its 522 reply to EPRT with the supported protocols in parentheses",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			own, other := dcFamilies(c)
			dp := dcDeadPort(ctx, c)
			otherAddr := "::1"
			if other == 1 {
				otherAddr = "127.0.0.1"
			}
			for _, arg := range []string{
				fmt.Sprintf("|3|%s|%d|", dp.Addr(), dp.Port()),
				fmt.Sprintf("|%d|%s|%d|", other, otherAddr, dp.Port()),
			} {
				r := cmd(ctx, c, "EPRT "+arg)
				if r.Code == harness.ReplyBadProtocol {
					dcJudge522Text(ctx, "EPRT "+arg, r, own)
					return
				}
			}
			Skip("no EPRT variant drew a 522 reply whose text could be judged (see RFC2428-2-EPRT-522)")
		})

	Context("after EPSV ALL (each check in a session of its own, RFC 2428 §4)", func() {
		r.Check("RFC2428-3-EPSV-ALL-REJECTS/port", "refuses PORT after EPSV ALL",
			Label("port"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PORT)
				dcEpsvAll(ctx, c)
				d, err := c.OpenData(ctx, harness.PORT, harness.DataOptions{})
				d.Close()
				dcJudgeAfterEpsvAll(ctx, "PORT", d, err)
			})

		r.Check("RFC2428-3-EPSV-ALL-REJECTS/pasv", "refuses PASV after EPSV ALL",
			Label("pasv"), func(ctx *Ctx) {
				c := login(ctx)
				requireFamily(c, harness.PASV)
				dcEpsvAll(ctx, c)
				r := cmd(ctx, c, "PASV")
				dcJudgeRefusal(ctx, "PASV after EPSV ALL", r)
			})

		r.Check("RFC2428-3-EPSV-ALL-REJECTS/eprt", "refuses EPRT after EPSV ALL",
			Label("port"), func(ctx *Ctx) {
				c := login(ctx)
				dcEpsvAll(ctx, c)
				d, err := c.OpenData(ctx, harness.EPRT, harness.DataOptions{})
				d.Close()
				dcJudgeAfterEpsvAll(ctx, "EPRT", d, err)
			})

		r.Check("RFC2428-3-EPSV-ALL-REJECTS/epsv", "still serves transfers over EPSV after EPSV ALL",
			Label("pasv"), func(ctx *Ctx) {
				c := login(ctx)
				dcEpsvAll(ctx, c)
				d, err := c.OpenData(ctx, harness.EPSV, harness.DataOptions{})
				if err != nil {
					d.Close()
					var re *harness.ReplyError
					if errors.As(err, &re) {
						ctx.failf("EPSV after EPSV ALL: expected 229; got %s (EPSV ALL disables every data command except EPSV, RFC 2428 §3)", re.Reply)
					}
					ctx.failf("%s", diagnoseDataSetup(harness.EPSV, d, err))
				}
				t, err := c.Retrieve(ctx, d, "LIST")
				ctx.must(err, "LIST over EPSV after EPSV ALL")
				if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil || t.DataErr != nil {
					ctx.failf("LIST over EPSV after EPSV ALL: expected 125 or 150, then 226 or 250; got %s", dcSummary(t))
				}
			})
	})

	r.Check("RFC2428-3-EPSV-SYNTAX", "accepts the three forms EPSV, EPSV with a protocol number and EPSV ALL",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			r := dcEpsvOrSkip(ctx, c, "EPSV")
			expectCode(ctx, "EPSV", r, nil, harness.ReplyEnteringEPSV)
			own, _ := dcFamilies(c)
			line := fmt.Sprintf("EPSV %d", own)
			r = cmd(ctx, c, line)
			expectCode(ctx, line+" (the control connection's own protocol)", r, nil, harness.ReplyEnteringEPSV)
			r = cmd(ctx, c, "EPSV ALL")
			if harness.Class(r.Code) != 2 {
				ctx.failf("EPSV ALL: expected a 2yz reply (RFC 2428 fixes no code; servers use 200 or 220); got %s", r)
			}
		})

	// RFC 2428 §3: "The standard negative error codes 500 and 501 are
	// sufficient to handle all errors involving the EPSV command (e.g.,
	// syntax errors)." That names the codes of a refusal; no sentence
	// requires refusing a meaningless argument, so accepting one (229) is
	// information, and a refusal with another code is what is judged.
	r.Check("RFC2428-3-EPSV-ERRORS", "answers EPSV with a meaningless argument with 229, or refuses it with 500 or 501",
		Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPSV(ctx, c)
			r := cmd(ctx, c, "EPSV foo")
			if harness.Class(r.Code) == 2 {
				ctx.infof("EPSV foo was accepted (%s); RFC 2428 §3 defines no argument \"foo\", but requires no refusal either", r)
				return
			}
			expectCode(ctx, "EPSV foo (RFC 2428 §3: 500 and 501 handle syntax errors; 522 is also acceptable)", r, nil,
				harness.ReplySyntaxErrorParams, harness.ReplySyntaxError, harness.ReplyBadProtocol)
		})

	r.Check("RFC2428-2-EPRT-SYNTAX/delimiter", "accepts EPRT with the delimiter ! instead of | and connects there",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			own, _ := dcFamilies(c)
			var sent string
			d, err := dcActiveWithArg(ctx, c, harness.EPRT, func(ap netip.AddrPort) string {
				sent = fmt.Sprintf("!%d!%s!%d!", own, ap.Addr(), ap.Port())
				return sent
			})
			if err != nil {
				d.Close()
				var re *harness.ReplyError
				if !errors.As(err, &re) {
					ctx.failf("EPRT with \"!\" as delimiter: %v", err)
				}
				if harness.Class(re.Reply.Code) == 5 {
					ctx.warnf("EPRT with \"!\" as delimiter was refused: %s; RFC 2428 §2 allows any delimiter in ASCII 33-126", re.Reply)
					return
				}
				expectCode(ctx, "EPRT with \"!\" as delimiter (RFC 2428 §2: any ASCII 33-126)", re.Reply, nil, harness.ReplyOK)
				return
			}
			t, err := c.Retrieve(ctx, d, "LIST")
			ctx.must(err, "LIST after EPRT with \"!\"")
			if t.DataErr != nil || t.Final == nil || harness.Class(t.Final.Code) != 2 || t.Prelim == nil {
				ctx.failf("LIST after EPRT %s (accepted with %s): expected 125 or 150, then 226 or 250, with the listing on %s; got %s", sent, d.Setup, d.Listen, dcSummary(t))
			}
			checkSourceAddress(ctx, c, harness.EPRT, t.Source)
		})

	r.Check("RFC2428-2-EPRT-SYNTAX/bad-address", "refuses EPRT with an impossible address with 501",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			own, _ := dcFamilies(c)
			dp := dcDeadPort(ctx, c)
			addr := "999.1.1.1"
			if own == 2 {
				addr = "12345::1"
			}
			line := fmt.Sprintf("EPRT |%d|%s|%d|", own, addr, dp.Port())
			r := cmd(ctx, c, line)
			expectCode(ctx, line+" (not an address)", r, nil, harness.ReplySyntaxErrorParams)
		})

	r.Check("RFC2428-2-EPRT-500-501", "answers malformed EPRT arguments with 500 or 501",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			own, _ := dcFamilies(c)
			dp := dcDeadPort(ctx, c)
			short := "1.2.3"
			if own == 2 {
				short = "1:2"
			}
			for _, arg := range []string{fmt.Sprintf("|%d|%s|%d|", own, short, dp.Port()), "1|2|3"} {
				r := cmd(ctx, c, "EPRT "+arg)
				expectCode(ctx, "EPRT "+arg+" (malformed)", r, nil, harness.ReplySyntaxErrorParams, harness.ReplySyntaxError)
			}
		})

	r.Check("RFC2428-2-EPRT-522", "answers EPRT with an unknown network protocol with 522",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			dp := dcDeadPort(ctx, c)
			line := fmt.Sprintf("EPRT |3|%s|%d|", dp.Addr(), dp.Port())
			r := cmd(ctx, c, line)
			expectCode(ctx, line+" (protocol 3 does not exist; RFC 2428 §2: 522 for an unsupported network protocol)", r, nil, harness.ReplyBadProtocol)
		})

	// RFC 2428 §2: "addresses MUST be in the following format: 1 dotted
	// decimal, 2 IPv6 string" -- a rule for the command, i.e. the client.
	// A server that understands "|2|127.0.0.1|" anyway is lenient in the
	// same way as one accepting "PASV extra" or "EPSV foo": information.
	// What fails is a refusal with a code §2 does not give EPRT ("200",
	// "500 and 501", "522").
	r.Check("RFC2428-2-EPRT-ADDR-FORMAT", "answers EPRT whose address does not match its protocol number with 200, 500, 501 or 522",
		Label("port"), func(ctx *Ctx) {
			c := login(ctx)
			dcRequireEPRT(ctx, c)
			dp := dcDeadPort(ctx, c)
			for _, arg := range []string{
				fmt.Sprintf("|1|::1|%d|", dp.Port()),
				fmt.Sprintf("|2|127.0.0.1|%d|", dp.Port()),
			} {
				r := cmd(ctx, c, "EPRT "+arg)
				if r.Code == harness.ReplyOK {
					ctx.infof("EPRT %s was accepted (%s): the address does not have the form RFC 2428 §2 gives its protocol number, but no text requires refusing it", arg, r)
					continue
				}
				expectCode(ctx, "EPRT "+arg+" (RFC 2428 §2: protocol 1 takes a dotted-decimal address, 2 an IPv6 address)", r, nil,
					harness.ReplySyntaxErrorParams, harness.ReplySyntaxError, harness.ReplyBadProtocol)
			}
		})

	r.Check("RFC2428-2-EPRT-200/retr", "connects to the address and port of the latest EPRT for RETR",
		Label("port", "write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 16<<10)
			dcRequireEPRT(ctx, c)
			download(ctx, c, harness.EPRT, "LIST")
			t := download(ctx, c, harness.EPRT, "RETR "+name)
			if !bytes.Equal(t.Data, want) {
				ctx.failf("RETR %s over a second EPRT: %s", name, firstDiff(t.Data, want))
			}
			checkSourceAddress(ctx, c, harness.EPRT, t.Source)
		})
})

// dcIPVersion names the control connection's IP version.
func dcIPVersion(c *harness.Conn) string {
	if c.RemoteAddr().Addr().Is6() {
		return "IPv6"
	}
	return "IPv4"
}

// dcOtherFamilyLoopback is the loopback address of the other IP version, for
// a loopback peer.
func dcOtherFamilyLoopback(peer netip.Addr) (netip.Addr, bool) {
	switch {
	case !peer.IsLoopback():
		return netip.Addr{}, false
	case peer.Is4():
		return netip.IPv6Loopback(), true
	default:
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), true
	}
}

// dcEpsvAll sends EPSV ALL and skips the check when the server refuses it
// (RFC2428-3-EPSV-SYNTAX judges that).
func dcEpsvAll(ctx *Ctx, c *harness.Conn) {
	r := cmd(ctx, c, "EPSV ALL")
	if harness.Class(r.Code) != 2 {
		Skip("EPSV ALL was not accepted (" + r.String() + "); RFC2428-3-EPSV-SYNTAX judges that")
	}
}

// dcJudgeAfterEpsvAll judges the reply to PORT or EPRT after EPSV ALL.
func dcJudgeAfterEpsvAll(ctx *Ctx, verb string, d *harness.DataChannel, err error) {
	if err == nil {
		ctx.failForCause(findingEpsvAllIgnored, "%s after EPSV ALL was accepted with %s; RFC 2428 §3: after EPSV ALL the server MUST reject every data connection set-up command other than EPSV", verb, d.Setup)
		return
	}
	var re *harness.ReplyError
	if !errors.As(err, &re) {
		ctx.failf("%s after EPSV ALL: %v", verb, err)
		return
	}
	dcJudgeRefusal(ctx, verb+" after EPSV ALL", re.Reply)
}

// dcJudgeRefusal wants a 5yz refusal: 2yz fails, 4yz is tolerated.
func dcJudgeRefusal(ctx *Ctx, what string, r *harness.Reply) {
	switch harness.Class(r.Code) {
	case 5:
	case 4:
		ctx.warnf("%s was refused with %s, a transient error; the refusal is permanent for the session (RFC 2428 §3), so 5yz fits", what, r)
	case 2:
		ctx.failForCause(findingEpsvAllIgnored, "%s was accepted with %s; RFC 2428 §3: after EPSV ALL the server MUST reject every data connection set-up command other than EPSV", what, r)
	default:
		ctx.failf("%s: expected a 5yz refusal; got %s", what, r)
	}
}

// dcActiveWithArg listens on a free local port and sends PORT or EPRT with
// the argument arg builds from the listener's address.
func dcActiveWithArg(ctx *Ctx, c *harness.Conn, mode harness.DataMode, arg func(netip.AddrPort) string) (*harness.DataChannel, error) {
	var last error
	for range 3 {
		ap, err := c.DeadPort()
		if err != nil {
			return nil, err
		}
		d, err := c.Active(ctx, mode, harness.DataOptions{Port: ap.Port(), Arg: arg(ap)})
		if d != nil || err == nil {
			return d, err
		}
		last = err // the port was taken in between: try another
	}
	return nil, last
}
