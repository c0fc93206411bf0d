package fakeserver

import (
	"bufio"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Reply codes used by the server, with the section that defines them.
const (
	codeDataAlreadyOpen  = 125 // RFC 959 §4.2.2: data connection already open; transfer starting
	codeAboutToOpen      = 150 // RFC 959 §4.2.2: file status okay; about to open data connection
	codeOK               = 200 // RFC 959 §4.2.2
	codeSuperfluous      = 202 // RFC 959 §4.2.2: command not implemented, superfluous at this site
	codeSystemStatus     = 211 // RFC 959 §4.2.2; also the FEAT reply, RFC 2389 §3.2
	codeDirStatus        = 212 // RFC 959 §4.2.2
	codeFileStatus       = 213 // RFC 959 §4.2.2; SIZE and MDTM, RFC 3659 §3.1, §4.1
	codeHelp             = 214 // RFC 959 §4.2.2
	codeSystemType       = 215 // RFC 959 §4.2.2
	codeServiceReady     = 220 // RFC 959 §4.2.2
	codeClosingControl   = 221 // RFC 959 §4.2.2
	codeNoTransfer       = 225 // RFC 959 §4.2.2: data connection open; no transfer in progress
	codeClosingData      = 226 // RFC 959 §4.2.2
	codeEnteringPassive  = 227 // RFC 959 §4.2.2
	codeEnteringEPSV     = 229 // RFC 2428 §3
	codeLoggedIn         = 230 // RFC 959 §4.2.2
	codeSecurityDone     = 234 // RFC 2228 §3: security data exchange complete (AUTH TLS, RFC 4217 §4.2)
	codeFileActionOK     = 250 // RFC 959 §4.2.2
	codePathCreated      = 257 // RFC 959 §4.2.2, Appendix II
	codeNeedPassword     = 331 // RFC 959 §4.2.2
	codePendingInfo      = 350 // RFC 959 §4.2.2
	codeServiceClosing   = 421 // RFC 959 §4.2.2
	codeCantOpenData     = 425 // RFC 959 §4.2.2
	codeTransferAborted  = 426 // RFC 959 §4.2.2
	codeLocalError       = 451 // RFC 959 §4.2.2
	codeUnknownCommand   = 500 // RFC 959 §4.2.2
	codeBadArguments     = 501 // RFC 959 §4.2.2
	codeNotImplemented   = 502 // RFC 959 §4.2.2
	codeBadSequence      = 503 // RFC 959 §4.2.2
	codeParamNotImpl     = 504 // RFC 959 §4.2.2; RFC 2577 §3 for low ports
	codeDataProtLevel    = 521 // RFC 4217 §10.2: data connection cannot be opened with this PROT setting
	codeBadProtocol      = 522 // RFC 2428 §2
	codeDataTLSFailed    = 522 // RFC 4217 §10.2: TLS negotiation on the data connection failed
	codeNotLoggedIn      = 530 // RFC 959 §4.2.2
	codeNeedProtection   = 533 // RFC 2228 §3: command protection level denied
	codePolicyDenied     = 534 // RFC 2228 §3: request denied for policy reasons
	codeProtNotSupported = 536 // RFC 2228 §3: PROT level not supported by mechanism
	codeCmdProtUnsupport = 537 // RFC 2228 §3: command protection level not supported by mechanism
	codeFileUnavailable  = 550 // RFC 959 §4.2.2
	codeNameNotAllowed   = 553 // RFC 959 §4.2.2
	codeBadRestartMarker = 554 // RFC 1123 §4.1.3.4 (as used by servers): invalid REST position
)

// Telnet command bytes (RFC 854) that the command reader understands.
const (
	telnetSE   = 240
	telnetDM   = 242
	telnetIP   = 244
	telnetSB   = 250
	telnetWILL = 251
	telnetWONT = 252
	telnetDO   = 253
	telnetDONT = 254
	telnetIAC  = 255
)

const (
	// writeTimeout bounds every write of a reply.
	writeTimeout = 30 * time.Second
	// maxQueued is how many commands may wait behind a running transfer
	// before the server stops reading the control connection.
	maxQueued = 64
	// loginFailDelay is the default pause before a 530 for a wrong
	// password (RFC 2577 §5); Server.LoginFailDelay sets it.
	loginFailDelay = DefaultLoginFailDelay
	// maxLoginFailures is how many wrong passwords one control connection
	// may send; the last one is answered 421 and the connection closed
	// (RFC 2577 §5 suggests 3 to 5).
	maxLoginFailures = 3
)

// seqKind names the state a command leaves behind for the one immediately
// after it (RFC 959 §4.1: USER→PASS, RNFR→RNTO, REST→transfer).
type seqKind int

const (
	seqNone seqKind = iota
	seqUser
	seqRename
	seqRest
)

type seqState struct {
	kind   seqKind
	user   string // seqUser
	path   string // seqRename: virtual path of the source
	offset int64  // seqRest
}

// ctrlEvent is what the command reader hands to the session: a complete
// command line, a line that was too long, or the end of the connection.
// For a line that may switch TLS on or off (switchVerb) the reader waits
// for the session's word on resume before it reads on.
type ctrlEvent struct {
	line    string
	tooLong bool
	err     error
	resume  chan ctrlSwitch
}

// request is one parsed command.
type request struct {
	verb   string // upper case
	arg    string // everything after the single SP that follows the verb
	hasArg bool   // whether a SP followed the verb
	prev   seqState
	line   string // the command line as received
}

// command is an entry of the dispatch table.
type command struct {
	fn       func(*session, *request)
	preLogin bool   // allowed before the user has logged in
	syntax   string // for "HELP <command>"
}

var commands map[string]*command

func init() {
	commands = map[string]*command{
		// Access control (handle_auth.go).
		"USER": {fn: (*session).cmdUSER, preLogin: true, syntax: "USER <sp> username"},
		"PASS": {fn: (*session).cmdPASS, preLogin: true, syntax: "PASS <sp> password"},
		"ACCT": {fn: (*session).cmdACCT, preLogin: true, syntax: "ACCT <sp> account-information"},
		"REIN": {fn: (*session).cmdREIN, preLogin: true, syntax: "REIN (reinitialize)"},
		"QUIT": {fn: (*session).cmdQUIT, preLogin: true, syntax: "QUIT (end the session)"},
		"AUTH": {fn: (*session).cmdAUTH, preLogin: true, syntax: "AUTH <sp> TLS"},
		"ADAT": {fn: (*session).cmdSecurityOrder, preLogin: true, syntax: "ADAT <sp> data (not supported)"},
		"PBSZ": {fn: (*session).cmdPBSZ, preLogin: true, syntax: "PBSZ <sp> 0"},
		"PROT": {fn: (*session).cmdPROT, preLogin: true, syntax: "PROT <sp> C | P"},
		"MIC":  {fn: (*session).cmdSecurityOrder, preLogin: true, syntax: "MIC <sp> data (not supported)"},
		"CONF": {fn: (*session).cmdSecurityOrder, preLogin: true, syntax: "CONF <sp> data (not supported)"},
		"ENC":  {fn: (*session).cmdSecurityOrder, preLogin: true, syntax: "ENC <sp> data (not supported)"},
		"CCC":  {fn: (*session).cmdCCC, preLogin: true, syntax: "CCC (clear the control connection)"},

		// Files and directories (handle_files.go).
		"CWD":  {fn: (*session).cmdCWD, syntax: "CWD <sp> pathname"},
		"XCWD": {fn: (*session).cmdCWD, syntax: "XCWD <sp> pathname"},
		"CDUP": {fn: (*session).cmdCDUP, syntax: "CDUP (change to parent directory)"},
		"XCUP": {fn: (*session).cmdCDUP, syntax: "XCUP (change to parent directory)"},
		"PWD":  {fn: (*session).cmdPWD, syntax: "PWD (print working directory)"},
		"XPWD": {fn: (*session).cmdPWD, syntax: "XPWD (print working directory)"},
		"MKD":  {fn: (*session).cmdMKD, syntax: "MKD <sp> pathname"},
		"XMKD": {fn: (*session).cmdMKD, syntax: "XMKD <sp> pathname"},
		"RMD":  {fn: (*session).cmdRMD, syntax: "RMD <sp> pathname"},
		"XRMD": {fn: (*session).cmdRMD, syntax: "XRMD <sp> pathname"},
		"DELE": {fn: (*session).cmdDELE, syntax: "DELE <sp> pathname"},
		"RNFR": {fn: (*session).cmdRNFR, syntax: "RNFR <sp> pathname"},
		"RNTO": {fn: (*session).cmdRNTO, syntax: "RNTO <sp> pathname"},
		"SIZE": {fn: (*session).cmdSIZE, syntax: "SIZE <sp> pathname"},
		"MDTM": {fn: (*session).cmdMDTM, syntax: "MDTM <sp> pathname"},
		"MLST": {fn: (*session).cmdMLST, syntax: "MLST [<sp> pathname]"}, // handle_mlst.go
		"SMNT": {fn: (*session).cmdSMNT, syntax: "SMNT <sp> pathname (not implemented)"},

		// Data connections and transfers (handle_data.go).
		"PORT": {fn: (*session).cmdPORT, syntax: "PORT <sp> h1,h2,h3,h4,p1,p2"},
		"PASV": {fn: (*session).cmdPASV, syntax: "PASV (enter passive mode)"},
		"EPRT": {fn: (*session).cmdEPRT, syntax: "EPRT <sp> |proto|address|port|"},
		"EPSV": {fn: (*session).cmdEPSV, syntax: "EPSV [<sp> proto | ALL]"},
		"RETR": {fn: (*session).cmdRETR, syntax: "RETR <sp> pathname"},
		"STOR": {fn: (*session).cmdSTOR, syntax: "STOR <sp> pathname"},
		"STOU": {fn: (*session).cmdSTOU, syntax: "STOU (store under a unique name)"},
		"APPE": {fn: (*session).cmdAPPE, syntax: "APPE <sp> pathname"},
		"LIST": {fn: (*session).cmdLIST, syntax: "LIST [<sp> pathname]"},
		"MLSD": {fn: (*session).cmdMLSD, syntax: "MLSD [<sp> pathname]"}, // handle_mlst.go
		"NLST": {fn: (*session).cmdNLST, syntax: "NLST [<sp> pathname]"},
		"REST": {fn: (*session).cmdREST, syntax: "REST <sp> offset"},
		"ABOR": {fn: (*session).cmdABOR, preLogin: true, syntax: "ABOR (abort transfer)"},

		// Everything else (handle_misc.go).
		"NOOP": {fn: (*session).cmdNOOP, preLogin: true, syntax: "NOOP"},
		"SYST": {fn: (*session).cmdSYST, preLogin: true, syntax: "SYST (get operating system type)"},
		"HELP": {fn: (*session).cmdHELP, preLogin: true, syntax: "HELP [<sp> command]"},
		"STAT": {fn: (*session).cmdSTAT, preLogin: true, syntax: "STAT [<sp> pathname]"},
		"FEAT": {fn: (*session).cmdFEAT, preLogin: true, syntax: "FEAT (list extensions)"},
		"OPTS": {fn: (*session).cmdOPTS, preLogin: true, syntax: "OPTS <sp> command [<sp> options]"},
		"LANG": {fn: (*session).cmdLANG, preLogin: true, syntax: "LANG [<sp> language-tag]"},
		"HOST": {fn: (*session).cmdHOST, preLogin: true, syntax: "HOST <sp> hostname"}, // handle_host.go
		"SITE": {fn: (*session).cmdSITE, syntax: "SITE <sp> HELP"},
		"ALLO": {fn: (*session).cmdALLO, syntax: "ALLO <sp> size [<sp> R <sp> record-size]"},
		"TYPE": {fn: (*session).cmdTYPE, syntax: "TYPE <sp> A [N|T] | I | L 8"},
		"MODE": {fn: (*session).cmdMODE, syntax: "MODE <sp> S"},
		"STRU": {fn: (*session).cmdSTRU, syntax: "STRU <sp> F"},
	}
}

// commandNames returns the verbs of the dispatch table, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// session is one control connection. The serve goroutine owns all state
// below the "owned by serve" line; the reader goroutine only reads lines and
// answers Telnet negotiation; a transfer runs in a goroutine of its own and
// reports back through transfer.done.
type session struct {
	srv    *Server
	hooks  *hooks   // the server's, for short
	conn   net.Conn // the TCP connection
	raw    *bufio.Reader
	id     uint64
	local  *net.TCPAddr // server side of the control connection
	remote *net.TCPAddr // client side

	wmu sync.Mutex // serialises writes on conn
	w   net.Conn   // where replies go: conn, or its TLS layer; under wmu

	done     chan struct{} // closed by shutdown
	doneOnce sync.Once

	events chan ctrlEvent

	// req is the command being handled, for the answer hooks; a transfer
	// goroutine may reply meanwhile, hence atomic.
	req atomic.Pointer[request]

	// owned by serve
	loggedIn     bool
	user         string
	failedLogins int
	seq          seqState
	binary       bool   // TYPE I or L 8 (false: TYPE A)
	typeName     string // as shown by STAT
	cwd          string // virtual path, always absolute and clean
	epsvAll      bool
	data         *dataSetting
	xfer         *transfer
	queue        []ctrlEvent
	quitting     bool // QUIT arrived during a transfer
	closing      bool // end the session after the current command
	tls          tlsState
	resume       chan ctrlSwitch // the reader waits behind the current line

	block  bool // MODE B in force (only where a hook accepts it)
	record bool // STRU R in force (only where a hook accepts it)

	faults faultState // what the selected faults remember
	ext    extState   // what OPTS MLST and HOST chose (handle_misc.go)
}

func newSession(srv *Server, c net.Conn, id uint64) *session {
	s := &session{
		srv:    srv,
		hooks:  srv.hooks,
		conn:   c,
		raw:    bufio.NewReader(c),
		w:      c,
		id:     id,
		done:   make(chan struct{}),
		events: make(chan ctrlEvent),
	}
	s.local, _ = c.LocalAddr().(*net.TCPAddr)
	s.remote, _ = c.RemoteAddr().(*net.TCPAddr)
	if s.local == nil {
		s.local = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
	}
	if s.remote == nil {
		s.remote = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
	}
	if tc, ok := c.(*net.TCPConn); ok {
		setOOBInline(tc)
	}
	s.resetParameters()
	if srv.ImplicitTLS {
		s.tls.implicit = true
		s.newControlTLS()
	}
	return s
}

// resetParameters restores the defaults of RFC 959 §5.1, the initial
// working directory, and what the extensions chose (REIN resets HOST,
// RFC 7151 §3.2.1, and the MLST facts).
func (s *session) resetParameters() {
	s.binary = false
	s.typeName = "ASCII Non-print"
	s.block, s.record = false, false
	s.cwd = "/"
	s.epsvAll = false
	s.seq = seqState{}
	s.ext = extState{}
	s.closeData()
}

func (s *session) logf(format string, args ...any) {
	if s.srv.Logf != nil {
		s.srv.Logf("[%d] "+format, append([]any{s.id}, args...)...)
	}
}

// shutdown ends the session from any goroutine: it unblocks the reader and
// every pending write and tells the serve loop to stop.
func (s *session) shutdown() {
	s.doneOnce.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

// ipv6 reports whether the control connection runs over IPv6.
func (s *session) ipv6() bool { return s.local.IP.To4() == nil }

func (s *session) serve() {
	defer s.finish()
	s.logf("connected from %s", s.remote)
	br := s.raw
	if s.tls.implicit {
		if err := s.handshakeControl(s.tls.conn); err != nil {
			s.logf("TLS handshake: %v", err)
			return
		}
		br = bufio.NewReader(s.tls.conn)
	}
	s.greet()
	s.srv.wg.Go(func() { s.readLoop(br) })

	idle := time.NewTimer(s.srv.IdleTimeout)
	defer idle.Stop()
	for !s.closing {
		select {
		case <-s.done:
			return
		default:
		}
		// Commands that waited for a transfer run once it is over.
		if s.xfer == nil && len(s.queue) > 0 {
			ev := s.queue[0]
			s.queue = s.queue[1:]
			s.handle(ev)
			continue
		}
		events := s.events
		if len(s.queue) >= maxQueued {
			events = nil
		}
		var xferDone chan xferResult
		if s.xfer != nil {
			xferDone = s.xfer.done
		}
		select {
		case <-s.done:
			return
		case ev := <-events:
			idle.Reset(s.srv.IdleTimeout)
			if ev.err != nil {
				// The client went away: behave as for ABOR and QUIT
				// (RFC 959 §4.1.1); finish aborts a running transfer.
				s.logf("control connection: %v", ev.err)
				return
			}
			if s.xfer != nil {
				s.handleDuringTransfer(ev)
			} else {
				s.handle(ev)
			}
		case res := <-xferDone:
			s.finishTransfer(res)
			idle.Reset(s.srv.IdleTimeout)
		case <-idle.C:
			if s.xfer != nil {
				idle.Reset(s.srv.IdleTimeout)
				continue
			}
			s.reply(codeServiceClosing, "Idle timeout; closing control connection.")
			return
		}
	}
}

// finish tears the session down once serve returns.
func (s *session) finish() {
	s.closeNotify()
	s.shutdown()
	s.faults.release()
	if s.xfer != nil {
		s.xfer.abort()
		<-s.xfer.done
		s.xfer = nil
	}
	s.closeData()
	s.srv.removeSession(s)
	s.logf("session closed")
}

// greet sends the greeting, or lets the greet hook do it.
func (s *session) greet() {
	if h := s.hooks.greet; h != nil {
		h(s)
		return
	}
	s.sendGreeting()
}

// sendGreeting sends the clean server's greeting (RFC 959 §5.4: 220).
func (s *session) sendGreeting() {
	s.reply(codeServiceReady, "ftpconform reference server ready.")
}

// readLoop reads command lines and hands them to serve. It answers Telnet
// option negotiation itself (RFC 1123 §4.1.2.12: refuse every option) and
// strips the other Telnet commands (RFC 959 §4.1.3: IP and Synch before
// ABOR, STAT or QUIT). br is where it starts reading: the connection, or
// its TLS layer.
func (s *session) readLoop(br *bufio.Reader) {
	limit := s.srv.MaxLineLength
	var line []byte
	overflow := false
	afterIP := false // the last Telnet command was IP: drop a following DM byte
	add := func(b byte) {
		if overflow {
			return
		}
		// One byte beyond the limit is room for the CR of CRLF.
		if len(line) > limit {
			overflow = true
			line = line[:0]
			return
		}
		line = append(line, b)
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			s.deliver(ctrlEvent{err: err})
			return
		}
		if b == telnetIAC && !s.hooks.rawIAC {
			cmd, err := br.ReadByte()
			if err != nil {
				s.deliver(ctrlEvent{err: err})
				return
			}
			afterIP = false
			switch cmd {
			case telnetIAC:
				add(telnetIAC) // an escaped 0xFF data byte
			case telnetWILL, telnetWONT, telnetDO, telnetDONT:
				opt, err := br.ReadByte()
				if err != nil {
					s.deliver(ctrlEvent{err: err})
					return
				}
				if h := s.hooks.negotiate; h != nil && h(s, cmd, opt) {
					continue
				}
				switch cmd {
				case telnetWILL:
					s.writeWire([]byte{telnetIAC, telnetDONT, opt})
				case telnetDO:
					s.writeWire([]byte{telnetIAC, telnetWONT, opt})
				}
				// WONT and DONT confirm what we already assume; answering
				// them could start a negotiation loop.
			case telnetSB:
				if err := skipSubnegotiation(br); err != nil {
					s.deliver(ctrlEvent{err: err})
					return
				}
			case telnetIP:
				afterIP = true
			default:
				// DM, NOP, AYT, EC, EL, GA, ...: nothing to do.
			}
			continue
		}
		if afterIP {
			afterIP = false
			// Without SO_OOBINLINE the IAC of "IAC DM" sent as urgent
			// data never shows up in the stream, leaving a bare DM byte.
			if b == telnetDM {
				continue
			}
		}
		if b != '\n' {
			add(b)
			if h := s.hooks.endLine; h == nil || !h(line, br.Buffered()) {
				continue
			}
		}
		text := line
		line = line[:0]
		wasOverflow := overflow
		overflow = false
		text = trimCR(text)
		if wasOverflow || len(text) > limit {
			if !s.deliver(ctrlEvent{tooLong: true}) {
				return
			}
			continue
		}
		if len(text) == 0 {
			continue // empty lines are not commands
		}
		// RFC 2640 §3.1: a CR that belongs to the text travels as CR NUL.
		str := strings.ReplaceAll(string(text), "\r\x00", "\r")
		ev := ctrlEvent{line: str}
		if switchVerb(str) {
			ev.resume = make(chan ctrlSwitch, 1)
		}
		if !s.deliver(ev) {
			return
		}
		if h := s.hooks.afterLine; h != nil {
			h(br)
		}
		if ev.resume != nil {
			var sw ctrlSwitch
			select {
			case sw = <-ev.resume:
			case <-s.done:
				return
			}
			var ok bool
			if br, ok = s.switchReader(sw, br); !ok {
				return
			}
		}
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// skipSubnegotiation consumes "... IAC SE" after an IAC SB.
func skipSubnegotiation(br *bufio.Reader) error {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		if b != telnetIAC {
			continue
		}
		b, err = br.ReadByte()
		if err != nil {
			return err
		}
		if b == telnetSE {
			return nil
		}
	}
}

// deliver passes an event to serve; false means the session is over.
func (s *session) deliver(ev ctrlEvent) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.done:
		return false
	}
}

// parseLine splits a command line at the first SP (RFC 959 §5.3: exactly one
// SP separates the verb from its argument; RFC 2640 §3.1: the rest of the
// line, further spaces included, is the argument).
func parseLine(line string) (verb, arg string, hasArg bool) {
	if i := strings.IndexByte(line, ' '); i >= 0 {
		return line[:i], line[i+1:], true
	}
	return line, "", false
}

func (s *session) handle(ev ctrlEvent) {
	prev := s.seq
	s.seq = seqState{}
	if ev.tooLong {
		s.logf("> (line longer than %d bytes)", s.srv.MaxLineLength)
		if h := s.hooks.longLine; h != nil {
			h(s)
			return
		}
		s.reply(codeUnknownCommand, "Command line too long.")
		return
	}
	s.resume = ev.resume
	defer s.resumeReader(ctrlSwitch{})
	verb, arg, hasArg := parseLine(ev.line)
	r := &request{verb: strings.ToUpper(verb), arg: arg, hasArg: hasArg, prev: prev}
	r.line = ev.line
	if r.verb == "PASS" {
		s.logf("> PASS ****")
	} else {
		s.logf("> %q", ev.line)
	}
	s.req.Store(r)
	defer s.req.Store(nil)
	for _, o := range s.hooks.override {
		if o(s, r) {
			return
		}
	}
	cmd, ok := commands[r.verb]
	if !ok {
		s.reply(codeUnknownCommand, "Unknown command.")
		return
	}
	if !s.loggedIn && !cmd.preLogin {
		s.reply(codeNotLoggedIn, "Please log in with USER and PASS.")
		return
	}
	if r.verb == "STAT" && !s.loggedIn && r.arg != "" {
		// STAT with a pathname needs a login (RFC 2577 §7: nothing about
		// accounts or files before login).
		s.reply(codeNotLoggedIn, "Please log in with USER and PASS.")
		return
	}
	cmd.fn(s, r)
}

// handleDuringTransfer deals with a command that arrives while a transfer
// runs: ABOR, STAT and QUIT act at once (RFC 959 §4.1.3), everything else
// waits until the transfer's reply has been sent (RFC 959 §4.2).
func (s *session) handleDuringTransfer(ev ctrlEvent) {
	var verb, arg string
	if !ev.tooLong {
		v, a, _ := parseLine(ev.line)
		verb, arg = strings.ToUpper(v), a
	}
	if verb == "ABOR" || verb == "QUIT" || verb == "STAT" && arg == "" {
		s.logf("> %q (during transfer)", ev.line)
	}
	queued := len(s.queue)
	defer func() {
		if len(s.queue) == queued && ev.resume != nil {
			ev.resume <- ctrlSwitch{} // not queued: the reader goes on
		}
	}()
	for _, h := range s.hooks.duringTransfer {
		if h(s, verb, arg) {
			return
		}
	}
	switch {
	case verb == "ABOR":
		s.abortTransfer()
	case verb == "STAT" && arg == "":
		s.transferStatus()
	case verb == "QUIT":
		s.quitting = true
	case s.quitting:
		// Nothing runs after QUIT.
	default:
		s.queue = append(s.queue, ev)
	}
}

// reply sends a single-line reply "code SP text".
func (s *session) reply(code int, text string) {
	if r := s.req.Load(); r != nil {
		for _, h := range s.hooks.answer {
			code, text = h(s, r, code, text)
		}
	}
	if h := s.hooks.frame; h != nil {
		s.sendLines(h(code, text)...)
		return
	}
	s.sendLines(fmt.Sprintf("%03d %s", code, text))
}

// replyMulti sends a multi-line reply (RFC 959 §4.2):
//
//	code-first
//	body...
//	code SP last
//
// Body lines are sent as given; callers start them with a SP so that none
// can be taken for the end. feat marks a FEAT listing, whose body lines
// must all start with a SP (RFC 2389 §3.2).
func (s *session) replyMulti(code int, first string, body []string, last string, feat bool) {
	lines := make([]string, 0, len(body)+2)
	lines = append(lines, fmt.Sprintf("%03d-%s", code, first))
	lines = append(lines, body...)
	lines = append(lines, fmt.Sprintf("%03d %s", code, last))
	for _, h := range s.hooks.multiline {
		lines = h(code, lines, feat)
	}
	s.sendLines(lines...)
}

// sendLines writes reply lines, each ended by CRLF, as one write. A 0xFF
// byte in the text is doubled (RFC 1123 §3.2.6, RFC 3659 §2.2). A failed
// write ends the session.
func (s *session) sendLines(lines ...string) {
	appendLine, write := appendReplyLine, (*session).writeWire
	if h := s.hooks.appendLine; h != nil {
		appendLine = h
	}
	if h := s.hooks.writeReply; h != nil {
		write = h
	}
	var buf []byte
	for _, l := range lines {
		s.logf("< %q", l)
		buf = appendLine(buf, l)
	}
	if err := write(s, buf); err != nil {
		s.logf("write: %v", err)
		s.shutdown()
	}
}

// appendReplyLine appends one reply line and its CRLF to buf.
func appendReplyLine(buf []byte, line string) []byte {
	return append(appendIACDoubled(buf, line), '\r', '\n')
}

// appendIACDoubled appends text to buf with every 0xFF (Telnet IAC) byte
// sent twice.
func appendIACDoubled(buf []byte, text string) []byte {
	for i := 0; i < len(text); i++ {
		buf = append(buf, text[i])
		if text[i] == telnetIAC {
			buf = append(buf, telnetIAC)
		}
	}
	return buf
}

// writeWire writes raw bytes on the control connection under the write
// lock.
func (s *session) writeWire(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writeLocked(b)
}

// writeLocked writes b with a deadline; the caller holds wmu. Nothing is
// written for an empty b.
func (s *session) writeLocked(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := s.w.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err := s.w.Write(b)
	return err
}

// sleep waits for d unless the session ends first; it reports whether the
// full time passed.
func (s *session) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}
