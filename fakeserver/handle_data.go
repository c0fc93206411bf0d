package fakeserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dataSetting is what the last PORT, PASV, EPRT or EPSV arranged. It serves
// one transfer; a new data command replaces (and closes) it.
type dataSetting struct {
	passive *passiveListener // PASV/EPSV; nil for active mode
	dead    bool             // nothing listens on port: transfers fail at once
	active  *net.TCPAddr     // PORT/EPRT: where to dial
	port    int              // the advertised passive port
}

// close releases the listener and a connection nobody used.
func (d *dataSetting) close() {
	if d != nil && d.passive != nil {
		d.passive.close()
	}
}

func (d *dataSetting) describe() string {
	switch {
	case d == nil:
		return "none"
	case d.active != nil:
		return "active, to " + d.active.String()
	default:
		return "passive, port " + strconv.Itoa(d.port)
	}
}

func (s *session) closeData() {
	s.data.close()
	s.data = nil
}

// passiveListener accepts the one data connection of a PASV or EPSV. Only
// the client's own address may connect (RFC 2577 §4, port stealing): other
// connections are closed at once and the wait goes on.
type passiveListener struct {
	ln    net.Listener
	peer  net.IP
	ready chan struct{} // closed when conn is set

	mu     sync.Mutex
	conn   net.Conn // accepted and not yet taken
	closed bool
}

func (s *session) startPassive(ln net.Listener) *passiveListener {
	pl := &passiveListener{ln: ln, peer: s.remote.IP, ready: make(chan struct{})}
	s.srv.wg.Go(func() { pl.acceptLoop(s) })
	return pl
}

func (pl *passiveListener) acceptLoop(s *session) {
	for {
		c, err := pl.ln.Accept()
		if err != nil {
			return
		}
		ra, _ := c.RemoteAddr().(*net.TCPAddr)
		if ra == nil || !ra.IP.Equal(pl.peer) {
			if h := s.hooks.foreignPeer; h == nil || !h(s, pl) {
				s.logf("refused data connection from %v (control connection from %v)", c.RemoteAddr(), pl.peer)
				c.Close()
				continue
			}
		}
		pl.mu.Lock()
		if pl.closed {
			pl.mu.Unlock()
			c.Close()
			return
		}
		pl.conn = c
		close(pl.ready)
		pl.mu.Unlock()
		// One data connection per PASV (RFC 1123 §4.1.2.6).
		pl.ln.Close()
		return
	}
}

// connected reports whether the client has already connected.
func (pl *passiveListener) connected() bool {
	select {
	case <-pl.ready:
		return true
	default:
		return false
	}
}

// connectedWithin reports whether the client has connected, waiting up to
// d for a connection it may have made just before its latest command
// (the accept loop may not have picked it up yet).
func (pl *passiveListener) connectedWithin(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-pl.ready:
		return true
	case <-t.C:
		return false
	}
}

var (
	errDataTimeout    = errors.New("no data connection within the data timeout")
	errDataClosed     = errors.New("data listener closed")
	errNothingListens = errors.New("nothing listens on the advertised port")
)

// take waits for the client's connection and hands it over to the caller.
func (pl *passiveListener) take(ctx context.Context, timeout time.Duration) (net.Conn, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-pl.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errDataTimeout
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	c := pl.conn
	pl.conn = nil
	if c == nil || pl.closed {
		return nil, errDataClosed
	}
	return c, nil
}

func (pl *passiveListener) close() {
	pl.mu.Lock()
	pl.closed = true
	c := pl.conn
	pl.conn = nil
	pl.mu.Unlock()
	pl.ln.Close()
	if c != nil {
		c.Close()
	}
}

var errPassiveRangeExhausted = errors.New("every port of the passive range is in use")

// listenPassive opens the listener for PASV or EPSV on the local address of
// the control connection: on a random free port of the passive range, or on
// a kernel-chosen port when no range is set. It never leaves the range.
func (s *session) listenPassive() (net.Listener, error) {
	lo, hi := s.srv.PasvMinPort, s.srv.PasvMaxPort
	if lo == 0 && hi == 0 {
		return s.listenLocal(0)
	}
	if h := s.hooks.pasvListen; h != nil {
		return h(s, lo, hi)
	}
	// A random start makes the next port hard to guess (RFC 2577 §8).
	return s.listenInRange(lo, hi, mrand.IntN(hi-lo+1))
}

// listenLocal listens on port (0: the kernel's choice) of the control
// connection's local address.
func (s *session) listenLocal(port int) (net.Listener, error) {
	return net.ListenTCP("tcp", &net.TCPAddr{IP: s.local.IP, Port: port, Zone: s.local.Zone})
}

// listenInRange listens on the first free port of [lo, hi], trying from
// the start-th port on and wrapping around; busy ports are skipped.
func (s *session) listenInRange(lo, hi, start int) (net.Listener, error) {
	n := hi - lo + 1
	for i := range n {
		if ln, err := s.listenLocal(lo + (start+i)%n); err == nil {
			return ln, nil
		}
	}
	return nil, errPassiveRangeExhausted
}

// setupPassive replaces the data setting with a new passive listener and
// returns its port. On failure it has answered 425.
func (s *session) setupPassive() (int, bool) {
	s.closeData()
	ln, err := s.listenPassive()
	if err != nil {
		s.logf("passive listen: %v", err)
		s.reply(codeCantOpenData, "Cannot open a passive data port.")
		return 0, false
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if h := s.hooks.pasvData; h != nil {
		s.data = h(s, ln, port)
	} else {
		s.data = &dataSetting{port: port, passive: s.startPassive(ln)}
	}
	return port, true
}

// family is the RFC 2428 network protocol number of the control connection.
func (s *session) family() int {
	if s.ipv6() {
		return 2
	}
	return 1
}

// replyBadProtocol sends 522 with the protocols this connection supports in
// parentheses at the end of the text (RFC 2428 §2).
func (s *session) replyBadProtocol() {
	s.reply(codeBadProtocol, fmt.Sprintf("Network protocol not supported, use (%d)", s.family()))
}

// cmdPASV: "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)." (RFC 959
// §4.1.2). PASV can only describe IPv4; on IPv6 EPSV must be used.
func (s *session) cmdPASV(r *request) {
	switch {
	case r.arg != "":
		s.reply(codeBadArguments, "PASV takes no argument.")
		return
	case s.epsvAll:
		s.reply(codeBadArguments, "EPSV ALL in effect; use EPSV.")
		return
	case s.ipv6():
		s.reply(codeNotImplemented, "PASV is for IPv4 only; use EPSV.")
		return
	}
	port, ok := s.setupPassive()
	if !ok {
		return
	}
	ip := s.local.IP.To4()
	if s.srv.PasvAddress != nil {
		ip = s.srv.PasvAddress.To4()
	}
	text := passiveModeText
	if h := s.hooks.pasvText; h != nil {
		text = h
	}
	s.reply(codeEnteringPassive, text(ip, port))
}

// passiveModeText is the text of a 227 reply:
// "Entering Passive Mode (h1,h2,h3,h4,p1,p2)."
func passiveModeText(ip net.IP, port int) string {
	return "Entering Passive Mode (" + passiveNumbers(ip, port) + ")."
}

// passiveNumbers gives an IPv4 address and a port as six decimal bytes
// separated by commas.
func passiveNumbers(ip net.IP, port int) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", ip[0], ip[1], ip[2], ip[3], port>>8, port&0xff)
}

// extendedModeText is the text of a 229 reply:
// "Entering Extended Passive Mode (|||port|)".
func extendedModeText(port int) string {
	return fmt.Sprintf("Entering Extended Passive Mode (|||%d|)", port)
}

// cmdEPSV: "229 Entering Extended Passive Mode (|||port|)" (RFC 2428 §3).
// "EPSV 1" and "EPSV 2" must name the control connection's protocol;
// "EPSV ALL" makes every other data command fail for the rest of the
// session.
func (s *session) cmdEPSV(r *request) {
	switch {
	case r.arg == "":
	case strings.EqualFold(r.arg, "ALL"):
		s.epsvAll = true
		s.reply(codeOK, "EPSV ALL accepted; PORT, PASV and EPRT are now refused.")
		return
	case isDigits(r.arg):
		if n, err := strconv.Atoi(r.arg); err != nil || n != s.family() {
			s.replyBadProtocol()
			return
		}
	default:
		s.reply(codeBadArguments, "Syntax error in EPSV argument.")
		return
	}
	port, ok := s.setupPassive()
	if !ok {
		return
	}
	text := extendedModeText
	if h := s.hooks.epsvText; h != nil {
		text = h
	}
	s.reply(codeEnteringEPSV, text(port))
}

// cmdPORT: "PORT h1,h2,h3,h4,p1,p2" (RFC 959 §4.1.2). The server only dials
// the client's own address and ports from 1024 up (RFC 2577 §3).
func (s *session) cmdPORT(r *request) {
	if s.epsvAll {
		s.reply(codeBadArguments, "EPSV ALL in effect; use EPSV.")
		return
	}
	ip, port, ok := parsePORT(r.arg)
	if !ok {
		s.reply(codeBadArguments, "Syntax error in PORT argument.")
		return
	}
	s.setActive(ip, port, "PORT")
}

// parsePORT parses six comma-separated decimal bytes.
func parsePORT(arg string) (net.IP, int, bool) {
	f := strings.Split(arg, ",")
	if len(f) != 6 {
		return nil, 0, false
	}
	var b [6]byte
	for i, v := range f {
		if !isDigits(v) || len(v) > 3 {
			return nil, 0, false
		}
		n, _ := strconv.Atoi(v)
		if n > 255 {
			return nil, 0, false
		}
		b[i] = byte(n)
	}
	return net.IPv4(b[0], b[1], b[2], b[3]), int(b[4])<<8 | int(b[5]), true
}

// cmdEPRT: "EPRT d proto d addr d port d" with any delimiter d from ASCII
// 33-126 (RFC 2428 §2).
func (s *session) cmdEPRT(r *request) {
	if s.epsvAll {
		s.reply(codeBadArguments, "EPSV ALL in effect; use EPSV.")
		return
	}
	bad := func() { s.reply(codeBadArguments, "Syntax error in EPRT argument.") }
	arg := r.arg
	if arg == "" || arg[0] < 33 || arg[0] > 126 {
		bad()
		return
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" || !isDigits(f[1]) {
		bad()
		return
	}
	proto, addr, portText := f[1], f[2], f[3]
	ip := net.ParseIP(addr)
	switch proto {
	case "1":
		if ip == nil || ip.To4() == nil || strings.Contains(addr, ":") {
			bad()
			return
		}
	case "2":
		if ip == nil || !strings.Contains(addr, ":") {
			bad()
			return
		}
	default:
		s.replyBadProtocol()
		return
	}
	if proto != strconv.Itoa(s.family()) {
		s.replyBadProtocol()
		return
	}
	port, err := strconv.Atoi(portText)
	if !isDigits(portText) || err != nil || port < 1 || port > 65535 {
		bad()
		return
	}
	s.setActive(ip, port, "EPRT")
}

// The texts of the refusals of RFC 2577 §3.
const (
	textForeignAddress = "Data connections go only to the address of the control connection."
	textLowPort        = "Data connections to ports below 1024 are refused."
)

// setActive records an active-mode target after the bounce checks of
// RFC 2577 §3: the client's own address only, and no privileged port.
func (s *session) setActive(ip net.IP, port int, verb string) {
	if !ip.Equal(s.remote.IP) {
		s.reply(codeBadArguments, textForeignAddress)
		return
	}
	if port < 1024 {
		s.reply(codeParamNotImpl, textLowPort)
		return
	}
	s.closeData()
	s.data = &dataSetting{active: &net.TCPAddr{IP: ip, Port: port, Zone: s.remote.Zone}}
	s.reply(codeOK, verb+" command successful.")
}

// cmdREST: "REST SP offset" sets the byte offset, in the transferred stream,
// at which the immediately following RETR, STOR or APPE starts
// (RFC 3659 §5). Anything else in between cancels it.
func (s *session) cmdREST(r *request) {
	n, err := strconv.ParseInt(r.arg, 10, 64)
	if !isDigits(r.arg) || err != nil {
		s.reply(codeBadArguments, "REST needs a non-negative decimal offset.")
		return
	}
	s.seq = seqState{kind: seqRest, offset: n}
	s.reply(codePendingInfo, fmt.Sprintf("Restarting at %d. Send RETR or STOR.", n))
}

// restOffset returns the offset of a REST right before this command; 0
// means none (REST 0 cancels a restart, RFC 3659 §5.3).
func restOffset(r *request) int64 {
	if r.prev.kind == seqRest {
		return r.prev.offset
	}
	return 0
}

// cmdABOR without a running transfer closes an unused data listener or
// connection and answers 225 (RFC 959 §4.1.3, §5.4). ABOR during a transfer
// is handled by serve (abortTransfer).
func (s *session) cmdABOR(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, "ABOR takes no argument.")
		return
	}
	s.closeData()
	s.reply(codeNoTransfer, "No transfer to abort.")
}

// cmdRETR sends a file. A missing file (550) or a restart offset past the
// end (554) are refused before any preliminary reply.
func (s *session) cmdRETR(r *request) {
	p, fi, ok := s.regularFileArg(r)
	if !ok {
		return
	}
	f, err := s.srv.root.Open(rootRel(p))
	if err != nil {
		s.logf("open: %v", err)
		s.reply(codeFileUnavailable, "Cannot open file.")
		return
	}
	total := fi.Size()
	if !s.binary {
		total, err = asciiSize(f)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			s.logf("read: %v", err)
			s.reply(codeFileUnavailable, "Cannot read file.")
			return
		}
	}
	offset := restOffset(r)
	if offset > total {
		f.Close()
		s.reply(codeBadRestartMarker, "Restart position beyond the end of the file.")
		return
	}
	if s.data == nil && !s.defaultData() {
		f.Close()
		s.replyNoData()
		return
	}
	s.startTransfer(&transfer{
		kind: xferRETR, verb: r.verb, vpath: p,
		file: f, fileSize: fi.Size(), offset: offset, total: total,
	}, fmt.Sprintf("Opening data connection (%d bytes).", total-offset))
}

// defaultData arranges RFC 959's default data connection (§3.2, §3.3) for
// a transfer command that came without PORT, PASV, EPRT or EPSV: the server
// connects to the client's control connection address and port U, from its
// own default data port L-1 (Server.ActiveSourcePort decides, as for
// PORT). It reports false when the client's port is unknown.
func (s *session) defaultData() bool {
	if s.remote == nil || s.remote.Port == 0 {
		return false
	}
	if h := s.hooks.defaultData; h != nil {
		s.data = h(s)
		return true
	}
	s.data = s.defaultActive(s.remote.IP)
	return true
}

// defaultActive is the default data setting: active, to port U of ip.
func (s *session) defaultActive(ip net.IP) *dataSetting {
	s.logf("no data command: default data connection to %s port %d", ip, s.remote.Port)
	return &dataSetting{active: &net.TCPAddr{IP: ip, Port: s.remote.Port, Zone: s.remote.Zone}}
}

func (s *session) replyNoData() {
	s.reply(codeCantOpenData, "Use PORT or PASV first.")
}

// cmdSTOR stores a file, replacing its content; after "REST n" it keeps the
// first n bytes and writes from there.
func (s *session) cmdSTOR(r *request) { s.store(r) }

// cmdAPPE appends to a file, creating it if needed. After "REST n" it
// behaves like STOR at offset n (RFC 3659 §5.3).
func (s *session) cmdAPPE(r *request) { s.store(r) }

func (s *session) store(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if !nameAllowed(p) {
		s.reply(codeNameNotAllowed, "File name not allowed.")
		return
	}
	rel := rootRel(p)
	existed := true
	var size int64
	fi, err := s.srv.root.Stat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		existed = false
	case err != nil:
		s.reply(codeNameNotAllowed, "File name not allowed.")
		return
	case !fi.Mode().IsRegular():
		s.reply(codeNameNotAllowed, "Not a plain file.")
		return
	default:
		size = fi.Size()
	}
	if s.data == nil && !s.defaultData() {
		s.replyNoData()
		return
	}
	// Open (and perhaps create) the file now so that a refusal comes
	// before the preliminary reply; its content changes only once the
	// data connection is there.
	f, err := s.srv.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		s.logf("create: %v", err)
		s.reply(codeNameNotAllowed, "Cannot create file.")
		return
	}
	x := &transfer{kind: xferSTOR, verb: r.verb, vpath: p, file: f, rel: rel, created: !existed}
	if r.verb == "APPE" {
		x.kind = xferAPPE
	}
	if offset := restOffset(r); offset > 0 {
		// In TYPE A the offset counts bytes of the converted stream
		// (RFC 3659 §5.2).
		fileOff, ok := offset, offset <= size
		if !s.binary {
			fileOff, ok, err = s.asciiRestart(rel, offset)
		}
		if !ok || err != nil {
			x.discard(s)
			s.reply(codeBadRestartMarker, "Invalid restart position.")
			return
		}
		x.restart, x.fileOff = true, fileOff
	}
	s.startTransfer(x, "Ready to receive data.")
}

// asciiRestart maps a TYPE A restart offset to a file offset.
func (s *session) asciiRestart(rel string, offset int64) (int64, bool, error) {
	f, err := s.srv.root.Open(rel)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	return asciiFileOffset(f, offset)
}

// cmdSTOU stores under a new name in the working directory and reports it
// as "150 FILE: name" (RFC 1123 §4.1.2.9).
func (s *session) cmdSTOU(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, "STOU takes no argument.")
		return
	}
	if s.data == nil && !s.defaultData() {
		s.replyNoData()
		return
	}
	var (
		f    *os.File
		name string
		rel  string
		err  error
	)
	for range 16 {
		var b [8]byte
		rand.Read(b[:])
		name = "stou-" + hex.EncodeToString(b[:])
		rel = rootRel(path.Join(s.cwd, name))
		f, err = s.srv.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		s.logf("stou: %v", err)
		s.reply(codeNameNotAllowed, "Cannot create a unique file.")
		return
	}
	s.startTransfer(&transfer{
		kind: xferSTOU, verb: r.verb, vpath: path.Join(s.cwd, name),
		file: f, rel: rel, created: true,
	}, "FILE: "+name)
}

// cmdLIST sends an "ls -l"-style listing of a directory, or the line of one
// file.
func (s *session) cmdLIST(r *request) { s.list(r, xferLIST) }

// cmdNLST sends bare names, one per line.
func (s *session) cmdNLST(r *request) { s.list(r, xferNLST) }

func (s *session) list(r *request, kind xferKind) {
	content, ok := s.listData(r, kind)
	if !ok {
		return
	}
	if s.data == nil && !s.defaultData() {
		s.replyNoData()
		return
	}
	vpath, _ := s.resolve(s.dropListOptions(r.arg))
	s.startTransfer(&transfer{kind: kind, verb: r.verb, vpath: vpath, content: content},
		"Here comes the listing.")
}

// listData builds the data of a LIST or NLST (see listing).
func (s *session) listData(r *request, kind xferKind) ([]byte, bool) {
	if h := s.hooks.listData; h != nil {
		return h(s, r, kind)
	}
	return s.listing(r.arg, kind == xferLIST, "\r\n")
}

// startTransfer sends the preliminary reply (125 when the client has already
// connected to the passive port, else 150) and runs the transfer in its own
// goroutine. The transfer takes over the data setting. With RequireTLS a
// transfer on a clear data connection is refused first with 521
// (RFC 4217 §10.2), keeping the data setting.
func (s *session) startTransfer(x *transfer, text string) {
	if !s.tls.private && s.requireTLS(true) {
		if x.file != nil && x.kind == xferRETR {
			x.file.Close()
		}
		x.discard(s)
		s.reply(codeDataProtLevel, "Data connection cannot be opened with this PROT setting: use PROT P.")
		return
	}
	x.s = s
	if x.protect = s.dataProtected(); x.protect {
		x.tlsConfig, x.reuse = s.sessionTLSConfig(), s.sessionReuse()
	}
	x.data = s.data
	s.data = nil
	x.binary = s.binary
	x.typeName = s.typeName
	x.block, x.record = s.block, s.record
	x.ctx, x.cancel = context.WithCancel(context.Background())
	x.done = make(chan xferResult, 1)
	for _, h := range s.hooks.beforePrelim {
		if h(s, x, text) {
			return
		}
	}
	code := codeAboutToOpen
	if x.data.passive != nil && x.data.passive.connected() {
		code = codeDataAlreadyOpen
	}
	if h := s.hooks.prelim; h != nil {
		h(s, x, code, text)
	} else {
		s.reply(code, text)
	}
	s.xfer = x
	s.srv.wg.Go(x.run)
}

// finishTransfer sends the final reply of a transfer that ended by itself.
func (s *session) finishTransfer(res xferResult) {
	if h := s.hooks.finished; h != nil && h(s, res) {
		return
	}
	s.xfer = nil
	if !res.replied {
		s.reply(res.code, res.text)
	}
	if s.quitting {
		s.quitting = false
		s.doQuit()
	}
}

// abortTransfer handles ABOR during a transfer: 426 for the transfer, then
// 226 for the ABOR (RFC 959 §4.1.3). A transfer that had already finished
// gets its own reply and the ABOR a 225.
func (s *session) abortTransfer() {
	x := s.xfer
	x.abort()
	res := <-x.done
	s.xfer = nil
	if res.aborted {
		s.reply(codeTransferAborted, "Connection closed; transfer aborted.")
		s.reply(codeClosingData, "ABOR successful.")
	} else {
		if !res.replied {
			s.reply(res.code, res.text)
		}
		s.reply(codeNoTransfer, "No transfer to abort.")
	}
	if s.quitting {
		s.quitting = false
		s.doQuit()
	}
}

// transferStatus answers STAT during a transfer (RFC 959 §4.1.3).
func (s *session) transferStatus() {
	x := s.xfer
	lines := []string{
		fmt.Sprintf(" %s %s: %d bytes transferred.", x.verb, quotePath(x.vpath), x.bytes.Load()),
		" TYPE: " + x.typeName + "; STRUcture: File; transfer MODE: Stream.",
	}
	s.replyMulti(codeFileStatus, "Status of the running transfer:", lines, "End of status.", false)
}
