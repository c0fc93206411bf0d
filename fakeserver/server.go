// Package fakeserver is a strict reference FTP server for tests, modelled on
// net/http/httptest.Server: configure a Server, Start it, point a client at
// Address or URL, and Close it when done.
//
// The server implements the protocol as written, choosing the code the RFC
// tables name wherever there is a choice:
//
//   - RFC 959: the base protocol: login sequence, transfer parameters
//     (TYPE A N/T, I, L 8; MODE S; STRU F), directory and file commands,
//     PORT/PASV, ABOR/STAT/QUIT during transfers, multi-line replies.
//   - RFC 1123 §4.1: PASV, STOU's "FILE:" preliminary reply, the X-verbs
//     (XPWD XCWD XCUP XMKD XRMD), NLST entries usable as pathnames,
//     554 for a bad restart position.
//   - RFC 2228 and RFC 4217: explicit FTPS (AUTH TLS, PBSZ, PROT C and
//     P, CCC, REIN clearing TLS) and implicit FTPS, with TLS on the data
//     connections of every mode under PROT P.
//   - RFC 2389: FEAT and OPTS.
//   - RFC 2428: EPRT, EPSV, EPSV ALL, 522 with the supported protocol list.
//   - RFC 2577: PORT/EPRT only to the client's own address and to ports
//     from 1024 up; passive connections only from the client's address;
//     random passive ports; 331 for every user name; a delayed 530, and
//     421 and close after three failed logins on one connection.
//   - RFC 2640: UTF-8 pathnames (8-bit clean, CR NUL for CR), one SP after
//     the verb.
//   - RFC 3659: SIZE, MDTM, REST STREAM (offsets of the transferred
//     stream, also in TYPE A), TVFS.
//
// File access is confined to Server.Root with os.Root. Telnet commands on
// the control connection are answered (WILL → DONT, DO → WONT) or stripped.
//
// Faults (Server.Faults) make the server commit one named deviation each,
// so that a conformance harness can prove that its checks detect it;
// variations (Server.Variations) are legal oddities a harness must accept.
// See Faults and Variations for the registries.
package fakeserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"
)

// Defaults for the knobs of Server.
const (
	DefaultUser          = "conform"
	DefaultAddr          = "127.0.0.1:0"
	DefaultIdleTimeout   = 5 * time.Minute
	DefaultDataTimeout   = 10 * time.Second
	DefaultMaxLineLength = 4096

	// DefaultLoginFailDelay is the default of Server.LoginFailDelay.
	DefaultLoginFailDelay = time.Second
)

// Server is an FTP server listening on a loopback address. The exported
// fields are settings; set them before Start and do not change them after.
type Server struct {
	// Addr is the listen address; default "127.0.0.1:0". Use "[::1]:0" for
	// IPv6.
	Addr string
	// Root is the directory served; required. Every file operation is
	// confined to it with os.Root.
	Root string
	// User is the only account; default "conform".
	User string
	// Password of User; required and non-empty.
	Password string
	// PasvMinPort and PasvMaxPort bound the ports PASV and EPSV listen on.
	// Both zero means a kernel-chosen port.
	PasvMinPort, PasvMaxPort int
	// PasvAddress is the IPv4 address advertised in the 227 reply; nil
	// means the local address of the control connection.
	PasvAddress net.IP
	// ActiveSourcePort is the local port active (PORT/EPRT) data
	// connections are dialled from; 0 means an ephemeral port and -1 the
	// port of the control connection minus one (RFC 959 §5.2's L-1, which
	// also works with a kernel-chosen Addr port).
	ActiveSourcePort int
	// IdleTimeout closes a control connection that sends nothing for this
	// long (after "421 ..."); default 5 minutes. It also bounds how long a
	// data connection may stall in the middle of a transfer.
	IdleTimeout time.Duration
	// DataTimeout bounds the wait for a data connection (passive accept or
	// active dial); default 10 seconds.
	DataTimeout time.Duration
	// MaxLineLength is the longest command line accepted, in bytes without
	// the CRLF; default 4096.
	MaxLineLength int
	// LoginFailDelay is the pause before the reply to a wrong password
	// (RFC 2577 §5 suggests about 5 s); default 1 second, a negative value
	// means none.
	LoginFailDelay time.Duration
	// TLSConfig configures FTPS, on the control and the data connections.
	// nil means a self-signed ECDSA certificate made at Start for
	// localhost, 127.0.0.1, ::1 and the host of Addr (see Certificate,
	// CertificatePEM and ClientTLSConfig). The server uses a clone; its
	// session ticket keys are replaced by keys of each control connection
	// (see RequireSessionReuse).
	TLSConfig *tls.Config
	// DisableTLS turns FTPS off: AUTH is answered 502 (RFC 2228 §3) and
	// FEAT lists no AUTH, PBSZ or PROT.
	DisableTLS bool
	// ImplicitTLS makes the listener speak TLS from the first byte
	// (implicit FTPS, the ftps:// scheme): each control connection starts
	// with a TLS handshake, then the 220 greeting. AUTH is then refused
	// (534), CCC too (534), and REIN keeps TLS. Without it the listener is
	// plain and clients secure a session with AUTH TLS (explicit FTPS).
	ImplicitTLS bool
	// RequireTLS is the policy of RFC 4217 §10.1 and §10.2: USER and PASS
	// in clear are refused with 530, and a transfer over a clear data
	// connection (PROT C, the default) with 521 before any preliminary
	// reply.
	RequireTLS bool
	// RequireSessionReuse refuses a PROT P data connection whose TLS
	// session is not resumed from its control connection (or an earlier
	// data connection of it): the data connection is closed after the
	// handshake and the 150 followed by "522 SSL connection failed:
	// session reuse required" (RFC 4217 §10.2; vsftpd's require_ssl_reuse
	// and its reply). Sessions resume only within one control connection:
	// each has ticket keys of its own.
	RequireSessionReuse bool
	// MaxSessions is how many control connections may be open at once;
	// 0 means no limit. A connection beyond it is answered
	//
	//	421 Too many sessions; try again later.
	//
	// instead of the greeting and closed (RFC 959 §5.4 allows 421 as the
	// first reply). With ImplicitTLS, where nothing can be said before the
	// handshake, it is closed without a word, as some servers reset the
	// sessions beyond their limit.
	MaxSessions int
	// Faults are names from the fault registry (see Faults).
	Faults []string
	// Variations are names from the legal-variation registry (see
	// Variations).
	Variations []string
	// Logf, if set, receives a debug log of sessions. Passwords are never
	// logged.
	Logf func(format string, args ...any)

	hooks     *hooks // what the selected faults and variations change
	root      *os.Root
	ln        net.Listener
	tlsConfig *tls.Config       // nil with DisableTLS
	cert      *x509.Certificate // the certificate presented, if known

	mu       sync.Mutex
	started  bool
	closed   bool
	sessions map[*session]struct{}
	nextID   uint64

	wg sync.WaitGroup
}

// New returns an unstarted Server for root with the default user and the
// given password. Adjust its fields, then call Start.
func New(root, password string) *Server {
	return &Server{Root: root, Password: password}
}

// Start validates the settings, opens Root, starts listening and serves
// connections in the background. It fails for unknown fault or variation
// names.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("fakeserver: already started")
	}
	if err := s.configure(); err != nil {
		return err
	}
	root, err := os.OpenRoot(s.Root)
	if err != nil {
		return fmt.Errorf("fakeserver: open root: %w", err)
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		root.Close()
		return fmt.Errorf("fakeserver: listen: %w", err)
	}
	s.root, s.ln = root, ln
	s.sessions = make(map[*session]struct{})
	s.started = true
	s.wg.Go(s.acceptLoop)
	s.logf("listening on %s, serving %s", ln.Addr(), s.Root)
	return nil
}

// configure fills in defaults and checks the settings.
func (s *Server) configure() error {
	if s.Root == "" {
		return errors.New("fakeserver: Root is required")
	}
	if s.Password == "" {
		return errors.New("fakeserver: Password is required")
	}
	if s.Addr == "" {
		s.Addr = DefaultAddr
	}
	if s.User == "" {
		s.User = DefaultUser
	}
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = DefaultIdleTimeout
	}
	if s.DataTimeout <= 0 {
		s.DataTimeout = DefaultDataTimeout
	}
	if s.MaxLineLength <= 0 {
		s.MaxLineLength = DefaultMaxLineLength
	}
	if s.LoginFailDelay == 0 {
		s.LoginFailDelay = DefaultLoginFailDelay
	}
	if s.PasvMinPort != 0 || s.PasvMaxPort != 0 {
		if s.PasvMinPort < 1 || s.PasvMaxPort > 65535 || s.PasvMinPort > s.PasvMaxPort {
			return fmt.Errorf("fakeserver: bad passive range %d-%d", s.PasvMinPort, s.PasvMaxPort)
		}
	}
	if s.MaxSessions < 0 {
		return fmt.Errorf("fakeserver: bad MaxSessions %d", s.MaxSessions)
	}
	if s.ActiveSourcePort < -1 || s.ActiveSourcePort > 65535 {
		return fmt.Errorf("fakeserver: bad ActiveSourcePort %d", s.ActiveSourcePort)
	}
	if s.PasvAddress != nil && s.PasvAddress.To4() == nil {
		return fmt.Errorf("fakeserver: PasvAddress %v is not an IPv4 address", s.PasvAddress)
	}
	faults, err := nameSet("fault", s.Faults, knownFault)
	if err != nil {
		return err
	}
	applyFaultSettings(s, faults)
	if err := s.setupTLS(); err != nil {
		return err
	}
	variations, err := nameSet("variation", s.Variations, knownVariation)
	if err != nil {
		return err
	}
	s.hooks = buildHooks(faults, variations)
	return nil
}

// Address returns the listening address. It is nil before Start.
func (s *Server) Address() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL returns "ftp://USER@HOST:PORT" for the running server, or
// "ftps://USER@HOST:PORT" with ImplicitTLS. The password is not part of
// it.
func (s *Server) URL() string {
	a := s.Address()
	if a == nil {
		return ""
	}
	scheme := "ftp"
	if s.ImplicitTLS {
		scheme = "ftps"
	}
	u := url.URL{Scheme: scheme, User: url.User(s.User), Host: a.String()}
	return u.String()
}

// Close stops listening, ends every session (aborting running transfers and
// closing data listeners) and waits until all goroutines of the server have
// returned.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.started || s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for sess := range s.sessions {
		sess.shutdown()
	}
	s.mu.Unlock()

	s.wg.Wait()
	return errors.Join(err, s.root.Close())
}

func (s *Server) acceptLoop() {
	var delay time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.logf("accept: %v; retrying in %v", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		if s.MaxSessions > 0 && len(s.sessions) >= s.MaxSessions {
			s.mu.Unlock()
			s.refuse(c)
			continue
		}
		s.nextID++
		sess := newSession(s, c, s.nextID)
		s.sessions[sess] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(sess.serve)
	}
}

// refuse turns away a connection beyond MaxSessions: 421 and close, or
// (implicit TLS) close alone. The write goes to a socket nobody wrote to
// yet, so it does not block; the deadline is a safeguard.
func (s *Server) refuse(c net.Conn) {
	s.logf("refused a session from %s: %d sessions open (MaxSessions)", c.RemoteAddr(), s.MaxSessions)
	if !s.ImplicitTLS {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write([]byte("421 Too many sessions; try again later.\r\n"))
	}
	c.Close()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) removeSession(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}
