package fakeserver

import (
	"bufio"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"
)

// hooks are the declared points at which the selected faults and
// variations change the server. Start builds them once from the
// registries; the handlers call them where the comment of each field says,
// and a nil or zero hook means the clean behaviour. Each fault and
// variation puts its hooks in place in its own file (Fault.override,
// Fault.install). Where two selected faults set the same single hook, the
// later in the registry wins; the hooks that are lists run in registry
// order.
type hooks struct {
	// Reading command lines (session.readLoop).

	// rawIAC makes 0xFF an ordinary byte of the line: no Telnet command is
	// recognised or stripped.
	rawIAC bool
	// negotiate sees a Telnet option request (WILL, WONT, DO, DONT) and
	// reports whether it dealt with it; the clean answer refuses it.
	negotiate func(s *session, cmd, opt byte) bool
	// endLine reports whether the bytes read so far, no LF yet, are to be
	// taken as a complete line; buffered bytes wait behind them.
	endLine func(line []byte, buffered int) bool
	// afterLine runs once a line has been handed on.
	afterLine func(br *bufio.Reader)

	// The greeting and commands (session.go, handle_auth.go).

	// greet sends the greeting instead of the clean 220.
	greet func(s *session)
	// override sees every command before the dispatch table (and before
	// the login check) and reports whether it dealt with the command.
	override []func(s *session, r *request) bool
	// answer sees each reply that reply sends while a command is handled
	// (by its handler or an override) and may change its code and text.
	answer []func(s *session, r *request, code int, text string) (int, string)
	// longLine answers a line longer than MaxLineLength instead of 500.
	longLine func(s *session)
	// duringTransfer sees each command that arrives while a transfer runs
	// (verb in upper case; "" for an over-long line) and reports whether
	// it dealt with it.
	duringTransfer []func(s *session, verb, arg string) bool
	// quit ends the session on QUIT instead of 221 and a close.
	quit func(s *session)

	// Replies (session.reply, replyMulti, sendLines).

	// frame gives the lines of a single-line reply.
	frame func(code int, text string) []string
	// multiline reworks the lines of a multi-line reply, first and last
	// included; feat marks the FEAT listing.
	multiline []func(code int, lines []string, feat bool) []string
	// appendLine encodes one reply line with its line end.
	appendLine func(buf []byte, line string) []byte
	// writeReply puts the encoded lines of a reply on the wire.
	writeReply func(s *session, b []byte) error

	// Login (handle_auth.go).

	// failDelay is the pause before the reply to a wrong password for
	// user, instead of Server.LoginFailDelay.
	failDelay func(s *session, user string) time.Duration
	// lockout reports whether the failed logins so far end the session,
	// instead of maxLoginFailures of them.
	lockout func(s *session) bool

	// FTPS (tls.go, handle_auth.go).

	// noTLS makes the server one without FTPS, as Server.DisableTLS does.
	noTLS bool
	// requireTLS reports whether the RequireTLS policy refuses login
	// commands in clear (data false) or a transfer on a clear data
	// connection (data true), instead of Server.RequireTLS.
	requireTLS func(s *session, data bool) bool
	// controlTLS follows the 234 to AUTH instead of the server side of the
	// TLS handshake, and reports whether it did; it must resume the reader.
	controlTLS func(s *session) bool
	// dataProtected reports whether the next data connection gets TLS,
	// instead of whether PROT P is in force.
	dataProtected func(s *session) bool
	// sessionReuse reports whether a PROT P data connection must resume a
	// TLS session of its control connection, instead of
	// Server.RequireSessionReuse.
	sessionReuse func(s *session) bool

	// Pathnames and listings (fs.go, handle_files.go, handle_data.go).

	// pathname checks, and may change, a pathname argument before it is
	// resolved; ok false refuses it. Without it a NUL byte is refused.
	pathname func(s *session, arg string) (string, bool)
	// listData builds the data of LIST and NLST instead of the clean
	// listing (which it may call with other settings).
	listData func(s *session, r *request, kind xferKind) ([]byte, bool)
	// nlstLines renders the NLST lines for the entries of directory dir
	// listed as arg.
	nlstLines func(s *session, arg, dir string, names []string) []string

	// Data connections (handle_data.go, transfer.go).

	// pasvListen opens the passive listener when a passive range is set,
	// instead of a random free port of the range.
	pasvListen func(s *session, lo, hi int) (net.Listener, error)
	// pasvData makes the data setting of a new passive listener on port.
	pasvData func(s *session, ln net.Listener, port int) *dataSetting
	// pasvText and epsvText give the text of the 227 and 229 replies.
	pasvText func(ip net.IP, port int) string
	epsvText func(port int) string
	// foreignPeer sees a connection to a passive port from an address
	// other than the client's and reports whether it is taken anyway; the
	// clean server closes it and goes on waiting.
	foreignPeer func(s *session, pl *passiveListener) bool
	// defaultData makes the data setting of a transfer without a data
	// command, instead of RFC 959's default (defaultData).
	defaultData func(s *session) *dataSetting
	// dial makes an active data connection with the dialer the clean
	// server would use.
	dial func(x *transfer, d net.Dialer) (net.Conn, error)

	// Transfers (handle_data.go, transfer.go).

	// beforePrelim sees a transfer before its preliminary reply and
	// reports whether it dealt with the whole transfer.
	beforePrelim []func(s *session, x *transfer, text string) bool
	// prelim sends the preliminary reply of a transfer instead of code
	// and text.
	prelim func(s *session, x *transfer, code int, text string)
	// dataConn wraps the data connection of a transfer, inside block mode.
	dataConn func(x *transfer, c net.Conn) net.Conn
	// download gives the stream a RETR sends for the file, positioned at
	// the restart offset in TYPE I, instead of represent.
	download func(x *transfer, file io.Reader) io.Reader
	// send puts length bytes of src on the data connection of a RETR,
	// LIST or NLST and reports whether it sent the completion reply.
	send func(x *transfer, conn net.Conn, src io.Reader, length int64) (bool, error)
	// upload positions the file of an upload and gives what the received
	// stream is written to, instead of storeInto.
	upload func(x *transfer, f *os.File) (io.Writer, error)
	// closeConn closes the data connection once the data has gone.
	closeConn func(x *transfer, conn net.Conn)
	// result changes the completion reply of a transfer that was not
	// aborted; err is what the data connection or the file reported.
	result []func(x *transfer, res xferResult, err error) xferResult
	// finished sees the end of a transfer before its completion reply and
	// reports whether it dealt with the end.
	finished func(s *session, res xferResult) bool
	// abort reports whether it puts off the abort of a transfer.
	abort func(x *transfer) bool
}

// buildHooks collects the hooks of the selected faults, then of the
// selected variations.
func buildHooks(faults, variations map[string]bool) *hooks {
	h := &hooks{}
	for _, f := range faultRegistry {
		if faults[f.Name] {
			h.add(f.override, f.install)
		}
	}
	for _, v := range variationRegistry {
		if variations[v.Name] {
			h.add(v.override, v.install)
		}
	}
	return h
}

func (h *hooks) add(override func(*session, *request) bool, install func(*hooks)) {
	if override != nil {
		h.override = append(h.override, override)
	}
	if install != nil {
		install(h)
	}
}

// insteadOf returns an override that lets answer deal with the commands
// named in verbs (one verb, or several separated by spaces; "" stands for
// every command) whenever when holds (nil: always), so that the server
// does not handle them.
func insteadOf(verbs string, when func(*session, *request) bool, answer func(s *session, r *request)) func(*session, *request) bool {
	names := strings.Fields(verbs)
	return func(s *session, r *request) bool {
		if len(names) > 0 && !slices.Contains(names, r.verb) || when != nil && !when(s, r) {
			return false
		}
		answer(s, r)
		return true
	}
}

// replyInstead returns an override that answers "code text" to the
// commands named in verbs whenever when holds, as insteadOf does.
func replyInstead(verbs string, code int, text string, when func(*session, *request) bool) func(*session, *request) bool {
	return insteadOf(verbs, when, func(s *session, _ *request) { s.reply(code, text) })
}

// sendRaw is an answer for insteadOf that sends lines as they are.
func sendRaw(lines ...string) func(*session, *request) {
	return func(s *session, _ *request) { s.sendLines(lines...) }
}

// answerAs returns an install function for an answer hook: where the
// server answers one of verbs (as for insteadOf) with code and, unless
// text is "", with that text, the reply becomes newCode and newText (""
// keeps the text).
func answerAs(verbs string, code int, text string, newCode int, newText string) func(*hooks) {
	names := strings.Fields(verbs)
	return func(h *hooks) {
		h.answer = append(h.answer, func(s *session, r *request, c int, t string) (int, string) {
			if c != code || text != "" && t != text || len(names) > 0 && !slices.Contains(names, r.verb) {
				return c, t
			}
			if newText != "" {
				t = newText
			}
			return newCode, t
		})
	}
}

// beforePrelim returns an install function for a beforePrelim hook.
func beforePrelim(h func(s *session, x *transfer, text string) bool) func(*hooks) {
	return func(hs *hooks) { hs.beforePrelim = append(hs.beforePrelim, h) }
}

// noArg is the when-condition of commands without an argument.
func noArg(_ *session, r *request) bool { return r.arg == "" }

// loggedIn is the when-condition of overrides that leave the commands of
// a session before login alone.
func loggedIn(s *session, _ *request) bool { return s.loggedIn }

// loggedInNoArg is the when-condition of overrides for commands without
// an argument of a logged-in session.
func loggedInNoArg(s *session, r *request) bool { return s.loggedIn && r.arg == "" }

// unknownVerb is the when-condition of overrides for verbs the dispatch
// table does not know.
func unknownVerb(_ *session, r *request) bool {
	_, known := commands[r.verb]
	return !known
}
