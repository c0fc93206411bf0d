package suites

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the checks of FEAT and what it lists (rfc2389_feat.go,
// rfc2640_utf8.go, rfc7151_host.go).

// keyFeatUnsupported judges the code of the reply to FEAT: the other FEAT
// checks are blocked by it when FEAT gets neither a 211 nor 500/502.
const keyFeatUnsupported = "RFC2389-3.2-FEAT-UNSUPPORTED"

// causeFeatUnreadable: the reply to FEAT could not be read (its framing is
// broken, or it never came). Every FEAT check would fail for it; the first
// does, the others are blocked by it.
const causeFeatUnreadable = "the reply to FEAT cannot be read"

// keyFeatFirstLine judges a FEAT listing whose first line is not "211-":
// the reply ends there, and its feature lines arrive as stray replies.
const keyFeatFirstLine = "RFC2389-3.2-FEAT-FIRST-LINE"

// featTry sends FEAT on c and parses the reply. A Features whose
// Supported is false lists nothing; a reply that is neither 211 nor 500
// or 502 blocks the check (RFC2389-3.2-FEAT-UNSUPPORTED judges it), and a
// transient one (4yz) skips it. After a single-line 211 it reads on up to
// the reply to a NOOP: lines that arrive meanwhile are a listing whose
// first line lacked its "-", which blocks the check (RFC2389-3.2-FEAT-
// FIRST-LINE judges it) instead of leaving the session out of step. A
// reply that cannot be read fails the check (once for the run, see
// causeFeatUnreadable).
func featTry(ctx *Ctx, c *harness.Conn) *harness.Features {
	r, err := c.Cmd(ctx, "FEAT")
	if err != nil {
		ctx.failForCause(causeFeatUnreadable, "FEAT: %v", err)
	}
	f := harness.ParseFeatures(r)
	switch {
	case f.Supported() && !r.Multiline():
		if extras := readAfterSingle(ctx, c, "FEAT"); len(extras) > 0 {
			blocked(keyFeatFirstLine, fmt.Sprintf("FEAT answered %q, a single-line reply, and %s followed", firstLine(r), ctrlExtras(extras)))
		}
	case f.Supported(), notImplemented(r):
	case harness.Class(r.Code) == 4:
		Skip(fmt.Sprintf("FEAT got %s, a transient refusal", r))
	default:
		blocked(keyFeatUnsupported, fmt.Sprintf("FEAT got %s, neither a listing (211) nor 500 or 502", r))
	}
	return f
}

// featOn sends FEAT on c and returns the listing, as featTry; a server
// without FEAT (500, 502) skips the check.
func featOn(ctx *Ctx, c *harness.Conn) *harness.Features {
	f := featTry(ctx, c)
	if !f.Supported() {
		Skip("FEAT is not implemented: " + f.Reply.String())
	}
	return f
}

// featListing logs in and returns the session and its FEAT listing (see
// featOn).
func featListing(ctx *Ctx) (*harness.Conn, *harness.Features) {
	c := login(ctx)
	return c, featOn(ctx, c)
}

// featViolationCheck registers, at its caller's line, a check that fails
// when the FEAT listing (got by listing) has violations of kind; format
// holds one %s for them and quotes the rule they break.
func featViolationCheck(r *Run, key, title string, listing func(*Ctx) (*harness.Conn, *harness.Features), kind harness.ViolationKind, format string) {
	r.check(types.NewCodeLocation(1), key, title, func(ctx *Ctx) {
		_, f := listing(ctx)
		if bad := violationsOf(f, kind); bad != "" {
			ctx.failf(format, bad)
		}
	})
}

// featMultiline is featListing for the checks of the multi-line listing:
// a single-line 211 (the "no-features" reply) skips the check.
func featMultiline(ctx *Ctx) (*harness.Conn, *harness.Features) {
	c, f := featListing(ctx)
	if !f.Reply.Multiline() {
		Skip(fmt.Sprintf("FEAT answered %s, the single-line \"no-features\" reply: there is no listing", f.Reply))
	}
	return c, f
}

// violationsOf renders the violations of kind in f, one a line, or "".
func violationsOf(f *harness.Features, kinds ...harness.ViolationKind) string {
	var out []string
	for _, v := range f.Violations {
		for _, k := range kinds {
			if v.Kind == k {
				out = append(out, fmt.Sprintf("line %d: %s", v.Line+1, v.Detail))
			}
		}
	}
	return strings.Join(out, "\n  ")
}

// probeImplemented reports whether a reply to a probe shows that the
// server implements the command: anything but 500 and 502 (RFC 959
// §4.2.2: "Syntax error, command unrecognized", "Command not
// implemented") and 202 ("Command not implemented, superfluous at this
// site").
func probeImplemented(r *harness.Reply) bool {
	return r != nil && !notImplemented(r) && r.Code != harness.ReplySuperfluous
}

// extState is what a probe found out about an extension.
type extState int

const (
	extUnknown        extState = iota // not probed, or the reply does not tell
	extImplemented                    // the server implements it
	extNotImplemented                 // 500, 502 (or 202): the server does not
)

// extFinding is the outcome of one probe, with what was seen.
type extFinding struct {
	state extState
	seen  string
}

// extension is an extension the checks of RFC2389-3.2-LIST-ALL-EXTENSIONS
// know how to find.
type extension struct {
	feature string // the FEAT line that announces it: "SIZE", "REST STREAM"
	where   string // the document that defines that line
	// informOnly: not listing it is no failure (RFC 2428 defines no FEAT
	// line for EPSV and EPRT).
	informOnly bool
	// listedBy and worksBy are the checks that judge, instead of the
	// LIST-ALL-EXTENSIONS checks, that the extension is listed when
	// implemented and implemented when listed.
	listedBy, worksBy string
	// probe finds out whether the server implements it, on the logged-in
	// session c (nil: not probed).
	probe func(ctx *Ctx, c *harness.Conn) extFinding
}

// extensions are probed in this order: REST last, since what follows a
// REST other than a transfer command is up to the server.
var extensions = []extension{
	{feature: "SIZE", where: "RFC 3659 §4.3", probe: probeMissingFile("SIZE")},
	{feature: "MDTM", where: "RFC 3659 §3.3", probe: probeMissingFile("MDTM")},
	{feature: "MLST", where: "RFC 3659 §7.8", probe: probeCommand("MLST")},
	{feature: "EPSV", where: "no FEAT line is defined (RFC 2428)", informOnly: true, probe: probeDataMode(harness.EPSV)},
	{feature: "EPRT", where: "no FEAT line is defined (RFC 2428)", informOnly: true, probe: probeDataMode(harness.EPRT)},
	{feature: "AUTH TLS", where: "RFC 4217 §6", probe: probeAuthTLS},
	{feature: "PBSZ", where: "RFC 4217 §6"},
	{feature: "PROT", where: "RFC 4217 §6"},
	{feature: "HOST", where: "RFC 7151 §3.4", listedBy: "RFC7151-3.4-HOST-FEAT", worksBy: keyHost220},
	{feature: "LANG", where: "RFC 2640 §4.3", listedBy: "RFC2640-4.3-LANG-FEAT", worksBy: "RFC2640-4-LANG-MUST"},
	{feature: "UTF8", where: "RFC 2640 §3.2", listedBy: "RFC2640-3.2-UTF8-FEAT", worksBy: "RFC2640-3.1-UTF8-CHECK"},
	{feature: "TVFS", where: "RFC 3659 §6.3"},
	{feature: "REST STREAM", where: "RFC 3659 §5.4", probe: probeRestStream},
}

// probeMissingFile probes a command that takes a pathname with a name
// that does not exist: any reply but 500 and 502 (a 550, typically)
// shows that the command is implemented.
func probeMissingFile(verb string) func(*Ctx, *harness.Conn) extFinding {
	return func(ctx *Ctx, c *harness.Conn) extFinding {
		return probeLine(ctx, c, verb+" "+harness.UniqueName("ftpconform-missing"))
	}
}

// probeCommand probes a command without an argument.
func probeCommand(verb string) func(*Ctx, *harness.Conn) extFinding {
	return func(ctx *Ctx, c *harness.Conn) extFinding { return probeLine(ctx, c, verb) }
}

func probeLine(ctx *Ctx, c *harness.Conn, line string) extFinding {
	r := cmd(ctx, c, line)
	seen := fmt.Sprintf("%s got %s", line, r)
	if probeImplemented(r) {
		return extFinding{extImplemented, seen}
	}
	return extFinding{extNotImplemented, seen}
}

// probeRestStream sends REST 0 in stream mode (the session's default):
// 350 shows restart in stream mode (RFC 3659 §5), 500 or 502 no REST at
// all; another reply does not tell.
func probeRestStream(ctx *Ctx, c *harness.Conn) extFinding {
	r := cmd(ctx, c, "REST 0")
	seen := "REST 0 (in MODE S) got " + r.String()
	switch {
	case r.Code == harness.ReplyPendingInfo:
		return extFinding{extImplemented, seen}
	case !probeImplemented(r):
		return extFinding{extNotImplemented, seen}
	}
	return extFinding{extUnknown, seen}
}

// probeDataMode takes what the preflight found out about EPSV or EPRT,
// and probes the command when the preflight did not.
func probeDataMode(mode harness.DataMode) func(*Ctx, *harness.Conn) extFinding {
	return func(ctx *Ctx, c *harness.Conn) extFinding {
		switch f := ctx.cfg.Facts.Cap(dataCapability(mode)); f.State {
		case harness.CapWorks:
			return extFinding{extImplemented, fmt.Sprintf("%s works (preflight)", mode)}
		case harness.CapUnsupported:
			return extFinding{extNotImplemented, f.Detail + " (preflight)"}
		case harness.CapBroken:
			return extFinding{extUnknown, fmt.Sprintf("%s (preflight; its own checks judge it)", f.Detail)}
		}
		if mode == harness.EPSV {
			return probeLine(ctx, c, "EPSV")
		}
		d, err := c.OpenData(ctx, mode, harness.DataOptions{})
		d.Close()
		switch {
		case d != nil && d.Setup != nil && probeImplemented(d.Setup):
			return extFinding{extImplemented, fmt.Sprintf("%s got %s", mode, d.Setup)}
		case d != nil && d.Setup != nil:
			return extFinding{extNotImplemented, fmt.Sprintf("%s got %s", mode, d.Setup)}
		}
		return extFinding{extUnknown, fmt.Sprintf("%s: %v", mode, err)}
	}
}

// probeAuthTLS sends AUTH TLS on a connection of its own, before login,
// and closes it without a handshake: 234 shows explicit TLS (RFC 4217
// §4.2), 500, 502 or 504 its absence; another reply does not tell.
func probeAuthTLS(ctx *Ctx, _ *harness.Conn) extFinding {
	if ctx.cfg.Target.TLS != harness.TLSOff && ctx.cfg.Facts.Works(harness.CapTLS) {
		return extFinding{extImplemented, "the run's sessions are protected by TLS (" + ctx.cfg.Target.TLS.String() + ")"}
	}
	a, _, err := harness.ConnectClear(ctx, ctx.cfg.Target, ctx.transcript())
	if err != nil {
		ctx.failConnect(err)
		ctx.failf("cannot open a control connection to %s: %v", ctx.cfg.Target.Addr(), err)
	}
	r, err := a.Cmd(ctx, "AUTH TLS")
	// After 234 the server expects a TLS handshake: nothing more can be
	// said in clear text.
	a.Close()
	ctx.must(err, "AUTH TLS")
	seen := "AUTH TLS got " + r.String()
	switch {
	case r.Code == harness.ReplySecurityDataOK:
		return extFinding{extImplemented, seen}
	case !probeImplemented(r) || r.Code == harness.ReplyNotImplParam:
		return extFinding{extNotImplemented, seen}
	}
	return extFinding{extUnknown, seen}
}

// advertised returns what the server lists in FEAT: the preflight's
// listing, or, without one, the listing of a session of the check's own.
// It lists nothing when FEAT is not implemented.
func advertised(ctx *Ctx) *harness.Features {
	if f := ctx.cfg.Facts; f != nil && f.Features != nil {
		return f.Features
	}
	return featTry(ctx, login(ctx))
}

// readAfterSingle collects what arrives after a reply: it sends NOOP and
// reads replies up to NOOP's 200. A reply that ended too early leaves its
// remaining lines behind, which arrive first.
func readAfterSingle(ctx *Ctx, c *harness.Conn, what string) []*harness.Reply {
	ctx.need(harness.CapNOOP)
	ctx.must(c.Send(ctx, "NOOP"), "sending NOOP after %s", what)
	var extras []*harness.Reply
	for i := 0; ; i++ {
		r, err := c.ReadReply(ctx)
		if err != nil {
			ctx.failf("reading the replies after %s and NOOP: %v (%d stray replies so far)", what, err, len(extras))
		}
		if r.Code == harness.ReplyOK {
			return extras
		}
		extras = append(extras, r)
		if i > 200 {
			ctx.failf("more than 200 replies after %s and NOOP, none of them NOOP's 200", what)
		}
	}
}

// reinSession sends REIN and reads its reply (120 is followed by 220,
// RFC 959 §5.4). A server without REIN skips the check.
func reinSession(ctx *Ctx, c *harness.Conn) {
	r := cmd(ctx, c, "REIN")
	if notImplemented(r) {
		Skip("REIN is not implemented: " + r.String())
	}
	if r.Code == harness.ReplyServiceReadyIn {
		var err error
		r, err = c.ReadReply(ctx)
		ctx.must(err, "reading the 220 that follows REIN's 120")
	}
	if r.Code != harness.ReplyServiceReady {
		Skip(fmt.Sprintf("REIN got %s, not 220: RFC959-5.4-REIN-CODES judges it", r))
	}
}

// loginOrClosed logs in on c and reports whether the server closed the
// connection instead; any other refusal fails the check with what.
func loginOrClosed(ctx *Ctx, c *harness.Conn, what string) (closed bool) {
	err := c.Secure(ctx) // AUTH TLS first in a run with explicit TLS
	if err == nil {
		err = c.Login(ctx)
	}
	switch {
	case err == nil:
		return false
	case ctrlClosed(err):
		return true
	}
	ctx.failf("%s: %v", what, err)
	return false
}

func init() {
	// RFC 2389 §3.2: "The order in which the features are returned is of
	// no importance, server-FTP processes are not required to implement
	// any particular order".
	NotCovered["RFC2389-3.2-FEAT-ORDER-FREE"] = "a freedom of the server, not a duty: no order can be wrong; the harness looks features up by label (harness.Features.Has), never by position"
	NotCovered["RFC2389-3-FEAT-UNKNOWN-OK"] = "a rule for the client (\"User-FTP PIs must expect to see, in FEAT command responses, unknown features listed\", RFC 2389 §3): harness.ParseFeatures keeps unknown labels, and no check fails a server for listing one"
	NotCovered["RFC2389-5-FEAT-DISCLOSURE"] = "RFC 2389 §5 finds the disclosure \"not considered a serious enough threat to be worthy of any remedial action\": there is no server requirement to judge"
	// RFC 2640 §3.1: "When a <CR> character is encountered as part of a
	// pathname it MUST be padded with a <NUL> character prior to sending
	// the command. On receipt of a pathname containing a <CR><NUL>
	// sequence the <NUL> character MUST be stripped away."
	NotCovered["RFC2640-3.1-CR-NUL"] = "observable only on a server that creates names holding CR; servers, the reference server among them, refuse such names (a listing could not carry them, RFC 3659 §2.2), and a refused name says nothing about whether the NUL was stripped"
	NotCovered["RFC7151-4-SEGREGATION"] = "needs two virtual hosts with different accounts; a run knows one account on one host"
	NotCovered["RFC7151-4-HOST-RESET-AUTH"] = "the reset is observable only with HOST sent after USER and before PASS, a sequence RFC 7151 §3.2.2 forbids the client (\"MUST send the HOST command ... before attempting to authenticate the user\"); what a server does then is not a server requirement"
	NotCovered["RFC7151-4-HOST-BEFORE-TLS"] = "a rule for the client (\"the HOST command SHOULD precede the security handshake\", RFC 7151 §4)"
	NotCovered["RFC7151-3.3-USER-WITHOUT-HOST"] = "every session of a run logs in without HOST, the preflight's first: a server that rejects USER without HOST stops the run at the preflight (exit 2) with its refusal quoted"
}
