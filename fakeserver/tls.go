package fakeserver

// FTPS (RFC 4217 on top of RFC 2228): the TLS layer of the control
// connection and how it is switched on (AUTH TLS, implicit TLS) and off
// (CCC, REIN), and TLS on the data connections of PROT P. The commands
// themselves are in handle_auth.go.

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"
)

// tlsFeatures are the FEAT lines of FTPS (RFC 4217 §6: AUTH with TLS
// among its parameters, PBSZ and PROT; CCC as servers list it).
var tlsFeatures = []string{" AUTH TLS", " CCC", " PBSZ", " PROT"}

// tlsHandshakeTimeout bounds a TLS handshake on the control connection
// (and is itself bounded by Server.IdleTimeout).
const tlsHandshakeTimeout = 30 * time.Second

// TLS record content types (RFC 8446 §5.1). Under TLS 1.3 every
// encrypted record, close_notify included, travels as application data.
const (
	recordAlert           = 0x15
	recordApplicationData = 0x17
)

// tlsState is the security state of a control connection (RFC 2228 §3).
// Only the serve goroutine touches it.
type tlsState struct {
	conn     *tls.Conn   // the control connection's TLS layer; nil in clear
	config   *tls.Config // this control connection's (see sessionTLSConfig)
	implicit bool        // TLS from the first byte (Server.ImplicitTLS)
	cleared  bool        // CCC put the control connection back in clear
	pbsz     bool        // PBSZ accepted since the security exchange
	private  bool        // PROT P in force; the default is Clear (RFC 4217 §9)
}

// exchanged reports whether a security exchange has completed: TLS is
// on, or was until CCC.
func (t *tlsState) exchanged() bool { return t.conn != nil || t.cleared }

// ctrlSwitch tells the command reader how to go on after a line that may
// change the protocol of the control connection (AUTH, CCC, REIN; see
// switchVerb).
type ctrlSwitch struct {
	kind switchKind
	conn *tls.Conn // the TLS layer for startTLS and clearTLS
}

type switchKind int

const (
	keepReading switchKind = iota // as before
	startTLS                      // handshake, then read through conn
	clearTLS                      // take the client's close_notify, then read in clear
	stopReading                   // read nothing more (auth-no-handshake)
)

// switchVerb reports whether the command line may switch the control
// connection into or out of TLS, so that the reader must not read beyond
// it before the session has decided.
func switchVerb(line string) bool {
	verb, _, _ := strings.Cut(line, " ")
	return strings.EqualFold(verb, "AUTH") || strings.EqualFold(verb, "CCC") || strings.EqualFold(verb, "REIN")
}

// resumeReader tells the command reader, waiting behind the line being
// handled, how to go on. Only the first call for a line counts.
func (s *session) resumeReader(sw ctrlSwitch) {
	if s.resume != nil {
		s.resume <- sw
		s.resume = nil
	}
}

// tlsOffered reports whether the session offers FTPS.
func (s *session) tlsOffered() bool {
	return s.srv.tlsConfig != nil && !s.hooks.noTLS
}

// sessionTLSConfig is the TLS configuration of this control connection
// and its data connections: the server's with session ticket keys of its
// own, so that a data connection can resume only a TLS session of this
// control connection (Server.RequireSessionReuse).
func (s *session) sessionTLSConfig() *tls.Config {
	if s.tls.config == nil {
		c := s.srv.tlsConfig.Clone()
		var key [32]byte
		rand.Read(key[:])
		c.SetSessionTicketKeys([][32]byte{key})
		s.tls.config = c
	}
	return s.tls.config
}

// newControlTLS puts a server-side TLS layer over the control connection;
// the handshake happens on first use.
func (s *session) newControlTLS() *tls.Conn {
	c := tls.Server(&tlsRecordReader{Conn: s.conn, r: s.raw}, s.sessionTLSConfig())
	s.wmu.Lock()
	s.w = c
	s.wmu.Unlock()
	s.tls.conn = c
	return c
}

// startControlTLS follows a 234 reply to AUTH: from here on the control
// connection speaks TLS, with the server as TLS server (RFC 4217 §4.2).
func (s *session) startControlTLS() {
	if h := s.hooks.controlTLS; h != nil && h(s) {
		return
	}
	s.tls.cleared = false
	s.resumeReader(ctrlSwitch{kind: startTLS, conn: s.newControlTLS()})
}

// clearControlTLS ends TLS on the control connection after the reply to
// CCC or REIN has gone out protected (RFC 4217 §5, §13): close_notify,
// then clear text both ways.
func (s *session) clearControlTLS() {
	c := s.tls.conn
	s.wmu.Lock()
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.CloseWrite(); err != nil {
		s.logf("TLS close_notify: %v", err)
	}
	s.w = s.conn
	s.wmu.Unlock()
	s.tls.conn = nil
	s.resumeReader(ctrlSwitch{kind: clearTLS, conn: c})
	s.logf("control connection in clear")
}

// endSecurity drops the security state for REIN (RFC 4217 §13): an
// explicit TLS layer is cleared after the reply, and the data protection
// is back to Clear without PBSZ. Implicit TLS belongs to the port and
// stays.
func (s *session) endSecurity() {
	if s.tls.conn != nil && !s.tls.implicit {
		s.clearControlTLS()
	}
	s.tls.cleared, s.tls.pbsz, s.tls.private = false, false, false
}

// requireTLS reports whether Server.RequireTLS refuses login commands in
// clear (data false) or transfers on a clear data connection (data true).
func (s *session) requireTLS(data bool) bool {
	if h := s.hooks.requireTLS; h != nil {
		return h(s, data)
	}
	return s.srv.RequireTLS
}

// dataProtected reports whether the next data connection gets TLS.
func (s *session) dataProtected() bool {
	if h := s.hooks.dataProtected; h != nil {
		return h(s)
	}
	return s.tls.private
}

// sessionReuse reports whether PROT P data connections must resume a TLS
// session of the control connection.
func (s *session) sessionReuse() bool {
	if h := s.hooks.sessionReuse; h != nil {
		return h(s)
	}
	return s.srv.RequireSessionReuse
}

// tlsStatus is the line of STAT about FTPS.
func (s *session) tlsStatus() string {
	ctrl := "in clear"
	if c := s.tls.conn; c != nil {
		st := c.ConnectionState()
		ctrl = "TLS"
		if st.HandshakeComplete {
			ctrl = tls.VersionName(st.Version) + " " + tls.CipherSuiteName(st.CipherSuite)
		}
	}
	prot := "Clear"
	if s.tls.private {
		prot = "Private"
	}
	return fmt.Sprintf(" Control connection: %s; data protection: %s.", ctrl, prot)
}

// handshakeControl runs the server side of the TLS handshake on the
// control connection within tlsHandshakeTimeout.
func (s *session) handshakeControl(c *tls.Conn) error {
	s.conn.SetReadDeadline(time.Now().Add(min(s.srv.IdleTimeout, tlsHandshakeTimeout)))
	defer s.conn.SetReadDeadline(time.Time{})
	if err := c.Handshake(); err != nil {
		return err
	}
	st := c.ConnectionState()
	s.logf("control connection: %s, %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	return nil
}

// switchReader carries out sw for the command reader, which has read up
// to the end of the line that sw answers with br. It returns the reader
// to go on with, or false when the session is over.
func (s *session) switchReader(sw ctrlSwitch, br *bufio.Reader) (*bufio.Reader, bool) {
	switch sw.kind {
	case startTLS:
		// Bytes behind AUTH came in clear before the 234: they must not
		// pass for part of the protected session (command injection).
		if n := br.Buffered(); n > 0 {
			s.logf("discarding %d bytes sent in clear behind AUTH", n)
			br.Discard(n)
		}
		if err := s.handshakeControl(sw.conn); err != nil {
			// RFC 4217 §10.1: a handshake that fails midway leaves the
			// connection in an unknown state; drop it.
			s.logf("TLS handshake on the control connection: %v", err)
			s.deliver(ctrlEvent{err: err})
			return nil, false
		}
		return bufio.NewReader(sw.conn), true
	case clearTLS:
		if n := br.Buffered(); n > 0 {
			s.logf("discarding %d bytes sent behind CCC or REIN before its reply", n)
		}
		if err := s.readCloseNotify(sw.conn); err != nil {
			s.logf("clearing TLS: %v", err)
			s.deliver(ctrlEvent{err: err})
			return nil, false
		}
		return s.raw, true
	case stopReading:
		<-s.done
		return nil, false
	}
	return br, true
}

// readCloseNotify takes the client's close_notify after CCC or REIN, if
// it sends one (RFC 4217 §12.3 shows both sides shutting TLS down): the
// next byte decides whether a TLS record or clear text follows. Records
// before the close_notify are discarded.
func (s *session) readCloseNotify(c *tls.Conn) error {
	b, err := s.raw.Peek(1)
	if err != nil {
		return err
	}
	if b[0] != recordAlert && b[0] != recordApplicationData {
		return nil
	}
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// tlsRecordReader is the transport under the control connection's TLS layer.
// It reads from the buffered reader of the connection one TLS record at
// most at a time, so that the TLS layer never holds bytes that follow its
// last record: the clear text after CCC and REIN stays in r.
type tlsRecordReader struct {
	net.Conn
	r    *bufio.Reader
	left int // bytes of the current record not yet read
}

func (c *tlsRecordReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		hdr, err := c.r.Peek(5)
		switch {
		case err == nil:
			c.left = 5 + int(binary.BigEndian.Uint16(hdr[3:5]))
		case len(hdr) > 0:
			c.left = len(hdr) // a truncated header: hand it on, then the error
		default:
			return 0, err
		}
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	return n, err
}

// errSessionNotReused refuses a data connection under RequireSessionReuse.
var errSessionNotReused = errors.New("the data connection did not resume the control connection's TLS session")

// secureData runs the server side of the TLS handshake on the data
// connection of a PROT P transfer, as TLS server whoever connected
// (RFC 4217 §7), within the data timeout. The client may have sent its
// ClientHello before or after the preliminary reply.
func (x *transfer) secureData(conn net.Conn) (net.Conn, error) {
	c := tls.Server(conn, x.tlsConfig)
	conn.SetDeadline(time.Now().Add(x.s.srv.DataTimeout))
	err := c.HandshakeContext(x.ctx)
	conn.SetDeadline(time.Time{})
	if err != nil {
		return nil, err
	}
	st := c.ConnectionState()
	x.s.logf("data connection: %s, %s, resumed %v", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.DidResume)
	if x.reuse && !st.DidResume {
		return nil, errSessionNotReused
	}
	return c, nil
}

// tlsFailure is the completion reply of a transfer whose data connection
// did not get the TLS it needs: 522 after the 150 (RFC 4217 §10.2).
func tlsFailure(err error) xferResult {
	if errors.Is(err, errSessionNotReused) {
		return xferResult{code: codeDataTLSFailed, text: "SSL connection failed: session reuse required."}
	}
	return xferResult{code: codeDataTLSFailed, text: "TLS negotiation on the data connection failed."}
}

// closeNotify ends TLS on the control connection politely before the
// session closes it.
func (s *session) closeNotify() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if c, ok := s.w.(*tls.Conn); ok {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		c.CloseWrite()
	}
}

// withoutFeature removes a line from a FEAT listing.
func withoutFeature(line string) func(code int, lines []string, feat bool) []string {
	return func(code int, lines []string, feat bool) []string {
		if !feat {
			return lines
		}
		return slices.DeleteFunc(lines, func(l string) bool { return l == line })
	}
}
