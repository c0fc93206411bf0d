package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"
)

// Fault is a named, single deviation from the protocol that the server can
// be told to commit (Server.Faults). Everything the fault does not touch
// stays conformant, so a check that fails against a faulty server points at
// exactly one defect.
type Fault struct {
	// Name is the stable identifier used in Server.Faults and on the
	// command line (ftpconform serve --fault NAME).
	Name string
	// Description says what the server does wrong, in one sentence.
	Description string
	// Breaks lists the check keys (requirement IDs, optionally with a
	// "/variant" suffix) that must fail when the fault is active.
	Breaks []string
	// Exit, when not 0, is the exit code a run against the fault ends
	// with instead of 1: 2 when the preflight's one login is refused (the
	// run stops before any check; no check can fail).
	Exit int
	// Flags are the ftpconform run flags a run needs for the checks in
	// Breaks to meet the fault: the TLS mode, or the policy the fault
	// breaks ("--tls explicit", "--require-tls").
	Flags []string

	// settings, if set, adjusts the server's settings at Start: a fault
	// that breaks a policy (RequireTLS, ...) turns the policy on.
	settings func(s *Server)
	// override, if set, sees every command before the server handles it
	// and returns true when it has dealt with the command itself (the
	// override hook). Faults that replace one command's behaviour are
	// written this way, most with replyInstead.
	override func(s *session, r *request) bool
	// install, if set, puts the fault's other hooks in place when a server
	// with the fault starts (see hooks).
	install func(h *hooks)
}

// Variation is a named deviation from the most common server behaviour that
// the RFCs permit. A conformance harness must accept every variation.
type Variation struct {
	Name        string
	Description string

	// override and install work as for Fault.
	override func(s *session, r *request) bool
	install  func(h *hooks)
}

// Fault names (the tests refer to them); the registry below documents
// them.
const (
	faultGreetingWrongCode     = "greeting-wrong-code"
	faultMultilineBadEnd       = "multiline-bad-end"
	faultMultilineWrongEndCode = "multiline-wrong-end-code"
	faultBareLF                = "bare-lf"
	faultReplyNoSpace          = "reply-no-space"
	faultShortCode             = "short-code"
	faultBadFirstDigit         = "bad-first-digit"
	faultUserWrongClass        = "user-wrong-class"
	faultAcceptBadPassword     = "accept-bad-password"
	faultPassWithoutUser       = "pass-without-user"
	faultNoopNoReply           = "noop-no-reply"
	faultSystUnimplemented     = "syst-unimplemented"
	faultTypeL8Refused         = "type-l8-refused"
	faultModeSRefused          = "mode-s-refused"
	faultQuitNoClose           = "quit-no-close"
	faultQuitSilentClose       = "quit-silent-close"
	faultPasvUnimplemented     = "pasv-unimplemented"
	faultPasvNoListen          = "pasv-no-listen"
	faultPasvWrongAddress      = "pasv-wrong-address"
	faultPasvOutOfRange        = "pasv-out-of-range"
	faultCorruptBinary         = "corrupt-binary"
	faultStorTruncate          = "stor-truncate"
	faultNo150                 = "no-150"
	faultEarly226              = "early-226"
	faultListEmpty             = "list-empty"
	faultNlstLongFormat        = "nlst-long-format"
	faultPortRefused           = "port-refused"
	faultPortNoDial            = "port-no-dial"
	faultPortWrongSource       = "port-wrong-source"
	faultEpsvBadFormat         = "epsv-bad-format"
)

// Variation names.
const (
	varMultilineGreeting = "multiline-greeting"
	varUnknown502        = "unknown-502"
	varPasvNoParens      = "pasv-no-parens"
	varDigitLines        = "digit-lines"
	varSlowReplies       = "slow-replies"
	varPreliminary125    = "preliminary-125"
	varEpsvOtherDelim    = "epsv-other-delim"
	varCdup200           = "cdup-200"
)

// slowPause separates the chunks of a reply under the slow-replies
// variation.
const slowPause = 5 * time.Millisecond

// wrongPasvAddress is what the pasv-wrong-address fault advertises: a
// private address that no loopback client can reach.
const wrongPasvAddress = "10.0.0.5"

var faultRegistry = []Fault{
	{Name: faultGreetingWrongCode, Description: "greets with \"200 Ready\" instead of 220",
		Breaks:  []string{"RFC959-5.4-GREETING"},
		install: func(h *hooks) { h.greet = func(s *session) { s.sendLines("200 Ready") } }},
	{Name: faultMultilineBadEnd, Description: "multi-line replies (FEAT, HELP, STAT) end with a line \"xyz-End\" and the reply is never terminated",
		Breaks:  []string{"RFC959-4.2-ML-LAST"},
		install: func(h *hooks) { h.multiline = append(h.multiline, unterminatedEnd) }},
	{Name: faultMultilineWrongEndCode, Description: "multi-line replies end with a line that carries a different code than the first line",
		Breaks:  []string{"RFC959-4.2-ML-SAME-CODE"},
		install: func(h *hooks) { h.multiline = append(h.multiline, otherEndCode) }},
	{Name: faultBareLF, Description: "every reply line ends with LF instead of CRLF",
		Breaks:  []string{"RFC959-4.2-CRLF"},
		install: func(h *hooks) { h.appendLine = appendBareLF }},
	{Name: faultReplyNoSpace, Description: "the replies to NOOP and SYST have no space after the code (\"200OK\")",
		Breaks: []string{"RFC959-4.2-SINGLE-FORMAT"},
		install: func(h *hooks) {
			h.override = append(h.override,
				insteadOf("NOOP", nil, sendRaw("200OK")),
				insteadOf("SYST", noArg, sendRaw("215UNIX Type: L8")))
		}},
	{Name: faultShortCode, Description: "NOOP is answered with a two-digit code (\"20 OK\")",
		Breaks:   []string{"RFC959-4.2-THREE-DIGITS", "RFC959-4.1.3-NOOP"},
		override: insteadOf("NOOP", nil, sendRaw("20 OK"))},
	{Name: faultBadFirstDigit, Description: "NOOP is answered \"700 OK\"",
		Breaks:   []string{"RFC959-4.2-FIRST-DIGIT"},
		override: insteadOf("NOOP", nil, sendRaw("700 OK"))},
	{Name: faultUserWrongClass, Description: "USER is answered \"150 Send password\" (a preliminary reply where 331 belongs)",
		Breaks:  []string{"RFC959-5.4-USER-CODES"},
		install: answerAs("USER", codeNeedPassword, "", codeAboutToOpen, "Send password.")},
	{Name: faultAcceptBadPassword, Description: "any password is accepted with 230",
		Breaks: []string{"RFC959-5.4-PASS-CODES/wrong-password"},
		override: func(s *session, r *request) bool {
			if r.verb != "PASS" || s.loggedIn || r.prev.kind != seqUser || !r.hasArg {
				return false
			}
			s.logIn(r.prev.user)
			s.reply(codeLoggedIn, "User logged in.")
			return true
		}},
	{Name: "good-password-refused", Description: "the right password is refused with 530 (a broken authentication back end); a client cannot tell this from wrong credentials, so the run stops after its one login",
		Exit: 2,
		override: replyInstead("PASS", codeNotLoggedIn, "Login incorrect.", func(s *session, r *request) bool {
			return r.prev.kind == seqUser
		})},
	{Name: "good-password-200", Description: "the right password logs in, but is answered \"200 Password OK\" instead of 230",
		Breaks: []string{"RFC959-5.4-PASS-CODES/login"},
		override: func(s *session, r *request) bool {
			if r.verb != "PASS" || r.prev.kind != seqUser || r.prev.user != s.srv.User || r.arg != s.srv.Password || s.loggedIn {
				return false
			}
			s.logIn(r.prev.user)
			s.reply(codeOK, "Password OK")
			return true
		}},
	{Name: faultPassWithoutUser, Description: "PASS without a preceding USER logs in as the configured user when the password matches",
		Breaks: []string{"RFC959-4.1.1-PASS-AFTER-USER"},
		override: func(s *session, r *request) bool {
			if r.verb == "PASS" && !s.loggedIn && r.prev.kind != seqUser {
				r.prev = seqState{kind: seqUser, user: s.srv.User} // as if USER had come
			}
			return false
		}},
	{Name: faultNoopNoReply, Description: "NOOP is never answered",
		Breaks:   []string{"RFC959-4.1.3-NOOP"},
		override: insteadOf("NOOP", nil, func(*session, *request) {})},
	{Name: faultSystUnimplemented, Description: "SYST is answered \"502 Command not implemented\"",
		Breaks:  []string{"RFC959-4.1.3-SYST-NAME"},
		install: answerAs("SYST", codeSystemType, "", codeNotImplemented, "Command not implemented.")},
	{Name: faultTypeL8Refused, Description: "\"TYPE L 8\" is refused with 504",
		Breaks: []string{"RFC1123-4.1.2.13-MIN-TYPES"},
		override: replyInstead("TYPE", codeParamNotImpl, "Type not implemented.", func(s *session, r *request) bool {
			_, name, code := parseTYPE(r.arg)
			return s.loggedIn && code == codeOK && name == "Local byte size 8"
		})},
	{Name: faultModeSRefused, Description: "\"MODE S\" is refused with 504",
		Breaks:  []string{"RFC959-5.1-ACCEPT-DEFAULTS"},
		install: answerAs("MODE", codeOK, "", codeParamNotImpl, "Mode not implemented.")},
	{Name: faultQuitNoClose, Description: "QUIT is answered 221 but the control connection stays open until the idle timeout",
		Breaks: []string{"RFC959-5.2-QUIT-CLOSE"},
		install: func(h *hooks) {
			h.quit = func(s *session) { s.reply(codeClosingControl, "Goodbye.") }
		}},
	{Name: faultQuitSilentClose, Description: "QUIT closes the control connection without a reply",
		Breaks:  []string{"RFC959-5.4-QUIT-CODES/logged-in"},
		install: func(h *hooks) { h.quit = func(s *session) { s.closing = true } }},
	{Name: faultPasvUnimplemented, Description: "PASV is answered 502",
		Breaks:   []string{"RFC1123-4.1.2.6-PASV-MUST"},
		override: replyInstead("PASV", codeNotImplemented, "Command not implemented.", loggedInNoArg)},
	{Name: faultPasvNoListen, Description: "PASV and EPSV advertise a port on which nothing listens; transfers then fail with 425",
		Breaks: []string{"RFC959-4.1.2-PASV-LISTEN", "RFC2428-3-EPSV-SAME-ADDR"},
		install: func(h *hooks) {
			h.pasvData = func(s *session, ln net.Listener, port int) *dataSetting {
				ln.Close()
				return &dataSetting{port: port, dead: true}
			}
		}},
	{Name: faultPasvWrongAddress, Description: "the 227 reply advertises " + wrongPasvAddress + " while the listener stays on the control address",
		Breaks: []string{"RFC959-4.1.2-227-ADDRESS", "POLICY-PASV-ADDR"},
		install: func(h *hooks) {
			h.pasvText = func(_ net.IP, port int) string {
				return passiveModeText(net.ParseIP(wrongPasvAddress).To4(), port)
			}
		}},
	{Name: faultPasvOutOfRange, Description: "PASV and EPSV listen on a kernel-chosen port outside the configured passive range",
		Breaks:  []string{"POLICY-PASV-RANGE"},
		install: func(h *hooks) { h.pasvListen = listenOutsideRange }},
	{Name: faultCorruptBinary, Description: "RETR in TYPE I flips one byte in the middle of any file longer than 16 bytes",
		Breaks: []string{"RFC959-4.1.3-RETR-CONTENT/pasv", "RFC959-4.1.3-RETR-CONTENT/port"},
		install: func(h *hooks) {
			h.download = func(x *transfer, file io.Reader) io.Reader {
				if x.binary && x.fileSize > 16 {
					return &flipReader{r: file, pos: x.offset, at: x.fileSize / 2}
				}
				return represent(x, file)
			}
		}},
	{Name: faultStorTruncate, Description: "STOR in TYPE I stores all but the last byte",
		Breaks: []string{"RFC959-3.1.1.3-IMAGE-EXACT/pasv", "RFC959-3.1.1.3-IMAGE-EXACT/port"},
		install: func(h *hooks) {
			h.upload = func(x *transfer, f *os.File) (io.Writer, error) {
				if x.kind != xferSTOR || !x.binary {
					return storeInto(x, f)
				}
				if err := x.position(f); err != nil {
					return nil, err
				}
				return &allButLastWriter{w: f}, nil
			}
		}},
	{Name: faultNo150, Description: "downloads (RETR, LIST, NLST) send no 125/150 before the data",
		Breaks: []string{"RFC959-5.4-XFER-PRELIM"},
		install: func(h *hooks) {
			// Downloads only: an upload without 150 would leave every
			// client waiting for it, so each check that uploads a fixture
			// would pay a reply timeout.
			h.prelim = func(s *session, x *transfer, code int, text string) {
				if x.upload() {
					s.reply(code, text)
				}
			}
		}},
	{Name: faultEarly226, Description: "RETR of a file of 128 KiB or more sends 226 after half of the data, then the rest 2 s later, then closes",
		Breaks:  []string{"RFC959-5.2-CLOSE-THEN-226"},
		install: func(h *hooks) { h.send = sendWith226Halfway }},
	{Name: faultListEmpty, Description: "LIST sends an empty listing",
		Breaks: []string{"RFC959-4.1.3-LIST-DEFAULT-CWD/pasv", "RFC959-4.1.3-LIST-DEFAULT-CWD/port"},
		install: func(h *hooks) {
			h.listData = func(s *session, r *request, kind xferKind) ([]byte, bool) {
				content, ok := s.listing(r.arg, kind == xferLIST, "\r\n")
				if kind == xferLIST {
					content = nil
				}
				return content, ok
			}
		}},
	{Name: faultNlstLongFormat, Description: "NLST sends LIST-style long lines instead of names",
		Breaks: []string{"RFC959-4.1.3-NLST-NAMES/pasv"},
		install: func(h *hooks) {
			h.listData = func(s *session, r *request, kind xferKind) ([]byte, bool) {
				return s.listing(r.arg, true, "\r\n")
			}
		}},
	{Name: faultPortRefused, Description: "PORT is answered \"500 PORT disabled\"",
		Breaks:   []string{"RFC959-5.4-PORT-CODES"},
		override: replyInstead("PORT", codeUnknownCommand, "PORT disabled.", loggedIn)},
	{Name: faultPortNoDial, Description: "PORT and EPRT get 200, but the transfer never dials: 150, then 425 after 1 s",
		Breaks: []string{"RFC959-4.1.2-PORT-SEMANTICS/list", "RFC2428-2-EPRT-200", "POLICY-ACTIVE-EGRESS"},
		install: func(h *hooks) {
			h.dial = func(x *transfer, _ net.Dialer) (net.Conn, error) {
				if !x.wait(time.Second) {
					return nil, x.ctx.Err()
				}
				return nil, errors.New("not dialling (port-no-dial fault)")
			}
		}},
	{Name: faultPortWrongSource, Description: "active data connections come from 127.0.0.2 while the control connection is on 127.0.0.1",
		Breaks:  []string{"RFC959-4.1.2-PORT-SEMANTICS/list", "POLICY-ACTIVE-EGRESS/source-address"},
		install: func(h *hooks) { h.dial = dialFromOtherLoopback }},
	{Name: faultEpsvBadFormat, Description: "EPSV answers \"229 Entering Extended Passive Mode (port)\" without delimiters",
		Breaks: []string{"RFC2428-3-229-FORMAT"},
		install: func(h *hooks) {
			h.epsvText = func(port int) string { return fmt.Sprintf("Entering Extended Passive Mode (%d)", port) }
		}},
}

var variationRegistry = []Variation{
	{Name: varMultilineGreeting, Description: "the 220 greeting has three lines",
		install: func(h *hooks) { h.greet = greetInThreeLines }},
	{Name: varUnknown502, Description: "unknown commands get 502 instead of 500",
		override: replyInstead("", codeNotImplemented, "Command not implemented.", unknownVerb)},
	{Name: varPasvNoParens, Description: "the 227 reply has no parentheses around the six numbers",
		install: func(h *hooks) {
			h.pasvText = func(ip net.IP, port int) string { return "Entering Passive Mode " + passiveNumbers(ip, port) }
		}},
	{Name: varDigitLines, Description: "multi-line replies contain intermediate lines that begin with digits, a code and a dash, or nothing",
		install: func(h *hooks) { h.multiline = append(h.multiline, addDigitLines) }},
	{Name: varSlowReplies, Description: "every reply is written in three small chunks 5 ms apart, so that it arrives in several reads",
		install: func(h *hooks) { h.writeReply = writeSlowly }},
	{Name: varPreliminary125, Description: "transfers use 125 instead of 150 as the preliminary reply",
		install: func(h *hooks) {
			h.prelim = func(s *session, x *transfer, code int, text string) { s.reply(codeDataAlreadyOpen, text) }
		}},
	{Name: varEpsvOtherDelim, Description: "the 229 reply uses \"!\" as its delimiter",
		install: func(h *hooks) {
			h.epsvText = func(port int) string { return fmt.Sprintf("Entering Extended Passive Mode (!!!%d!)", port) }
		}},
	{Name: varCdup200, Description: "CDUP answers 200 instead of 250",
		install: answerAs("CDUP XCUP", codeFileActionOK, "", codeOK, "")},
}

// Faults returns the fault registry sorted by name. The slices are copies.
func Faults() []Fault {
	out := make([]Fault, len(faultRegistry))
	for i, f := range faultRegistry {
		f.Breaks = slices.Clone(f.Breaks)
		f.Flags = slices.Clone(f.Flags)
		out[i] = f
	}
	slices.SortFunc(out, func(a, b Fault) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Variations returns the legal-variation registry sorted by name.
func Variations() []Variation {
	out := make([]Variation, len(variationRegistry))
	for i, v := range variationRegistry {
		out[i] = Variation{Name: v.Name, Description: v.Description}
	}
	slices.SortFunc(out, func(a, b Variation) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// nameSet turns a list of registry names into a set, rejecting names that
// are not in the registry.
func nameSet(kind string, names []string, known func(string) bool) (map[string]bool, error) {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		if !known(n) {
			return nil, fmt.Errorf("fakeserver: unknown %s %q", kind, n)
		}
		set[n] = true
	}
	return set, nil
}

// applyFaultSettings lets the selected faults adjust the settings of the
// server being started.
func applyFaultSettings(s *Server, faults map[string]bool) {
	for _, f := range faultRegistry {
		if faults[f.Name] && f.settings != nil {
			f.settings(s)
		}
	}
}

func knownFault(name string) bool {
	return slices.ContainsFunc(faultRegistry, func(f Fault) bool { return f.Name == name })
}

func knownVariation(name string) bool {
	return slices.ContainsFunc(variationRegistry, func(v Variation) bool { return v.Name == name })
}

// greetInThreeLines is the greeting of the multiline-greeting variation.
func greetInThreeLines(s *session) {
	s.sendLines(
		"220-ftpconform reference server",
		"220-This server is for conformance tests only.",
		"220 Ready.")
}

// addDigitLines puts the legal oddities of the digit-lines variation after
// the first body line of a multi-line reply: RFC 959 §4.2 only forbids a
// line that starts with the code and a SP. A FEAT body keeps every line
// starting with a SP (RFC 2389 §3.2).
func addDigitLines(code int, lines []string, feat bool) []string {
	odd := []string{fmt.Sprintf(" %03d inner", code)}
	if !feat {
		odd = append(odd,
			fmt.Sprintf("%03d-still inside", code),
			"123 not the end",
			fmt.Sprintf("%03d0 nope", code),
			"")
	}
	at := 1 + min(1, len(lines)-2)
	return slices.Insert(lines, at, odd...)
}

// unterminatedEnd replaces the last line of a multi-line reply with
// "xyz-End" (multiline-bad-end): the reply never ends.
func unterminatedEnd(code int, lines []string, feat bool) []string {
	lines[len(lines)-1] = fmt.Sprintf("%03d-End", code)
	return lines
}

// otherEndCode gives the last line of a multi-line reply a neighbouring
// code (multiline-wrong-end-code).
func otherEndCode(code int, lines []string, feat bool) []string {
	other := code + 1
	if other%10 == 0 {
		other = code - 1
	}
	last := lines[len(lines)-1]
	lines[len(lines)-1] = fmt.Sprintf("%03d %s", other, last[4:])
	return lines
}

// appendBareLF ends a reply line with LF alone (bare-lf).
func appendBareLF(buf []byte, line string) []byte {
	return append(appendIACDoubled(buf, line), '\n')
}

// writeSlowly writes a reply in three pieces slowPause apart
// (slow-replies), holding the write lock throughout.
func writeSlowly(s *session, b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	size := max(1, (len(b)+2)/3)
	for i := 0; i < len(b); i += size {
		if i > 0 && !s.sleep(slowPause) {
			return net.ErrClosed
		}
		if err := s.writeLocked(b[i:min(i+size, len(b))]); err != nil {
			return err
		}
	}
	return nil
}

// listenOutsideRange (pasv-out-of-range) asks the kernel for ports until
// it offers one outside the passive range.
func listenOutsideRange(s *session, lo, hi int) (net.Listener, error) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 64 {
		ln, err := s.listenLocal(0)
		if err != nil {
			return nil, err
		}
		if p := ln.Addr().(*net.TCPAddr).Port; p < lo || p > hi {
			return ln, nil
		}
		held = append(held, ln)
	}
	return nil, errors.New("kernel offers only ports inside the passive range")
}

// otherLoopback returns another loopback address for a 127.x.y.z one:
// 127.0.0.2, or 127.0.0.3 when ip is 127.0.0.2; nil for any other ip.
func otherLoopback(ip net.IP) net.IP {
	ip4 := ip.To4()
	if ip4 == nil || ip4[0] != 127 {
		return nil
	}
	other := net.IPv4(127, 0, 0, 2)
	if ip4.Equal(other) {
		other = net.IPv4(127, 0, 0, 3)
	}
	return other
}

// dialFromOtherLoopback (port-wrong-source) dials active data connections
// from another loopback address than the control connection's.
func dialFromOtherLoopback(x *transfer, d net.Dialer) (net.Conn, error) {
	local := d.LocalAddr.(*net.TCPAddr)
	if other := otherLoopback(local.IP); other != nil {
		d.LocalAddr = &net.TCPAddr{IP: other, Port: local.Port}
	}
	return d.DialContext(x.ctx, "tcp", x.data.active.String())
}

// sendWith226Halfway (early-226) sends 226 after half of the data of a RETR
// of 128 KiB or more, and the rest 2 s later. Smaller transfers stay
// correct so that the fault costs only the checks that look for it.
func sendWith226Halfway(x *transfer, conn net.Conn, src io.Reader, length int64) (bool, error) {
	if x.kind != xferRETR || length < 128<<10 {
		return false, x.copyOut(conn, src)
	}
	if err := x.copyOut(conn, io.LimitReader(src, length/2)); err != nil {
		return false, err
	}
	x.s.reply(codeClosingData, "Transfer complete.")
	if !x.wait(2 * time.Second) {
		return true, netError{context.Canceled}
	}
	return true, x.copyOut(conn, src)
}

// flipReader inverts the byte at file position at (corrupt-binary).
type flipReader struct {
	r   io.Reader
	pos int64
	at  int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.at - f.pos; i >= 0 && i < int64(n) {
		p[i] ^= 0xff
	}
	f.pos += int64(n)
	return n, err
}

// allButLastWriter passes on every byte written to it but the last one
// (stor-truncate).
type allButLastWriter struct {
	w    io.Writer
	held bool
	last byte
}

func (a *allButLastWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if a.held {
		if _, err := a.w.Write([]byte{a.last}); err != nil {
			return 0, err
		}
	}
	if _, err := a.w.Write(p[:len(p)-1]); err != nil {
		return 0, err
	}
	a.held, a.last = true, p[len(p)-1]
	return len(p), nil
}
