package harness

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DialError reports a TCP connection that could not be made, with a
// classification a human can act on.
type DialError struct {
	Addr string
	Kind DialFailure
	Err  error
}

// DialFailure classifies why a TCP connection failed.
type DialFailure string

// The ways a dial can fail.
const (
	DialRefused     DialFailure = "refused"     // RST: nothing listens there
	DialTimeout     DialFailure = "timeout"     // no answer: a firewall drops the packets, or the host is down
	DialUnreachable DialFailure = "unreachable" // ICMP unreachable / no route
	DialOther       DialFailure = "error"
)

func (e *DialError) Error() string {
	switch e.Kind {
	case DialRefused:
		return fmt.Sprintf("connect to %s: refused (nothing is listening on that port)", e.Addr)
	case DialTimeout:
		return fmt.Sprintf("connect to %s: timed out (packets dropped: a firewall, or the host is down)", e.Addr)
	case DialUnreachable:
		return fmt.Sprintf("connect to %s: unreachable (no route to the host)", e.Addr)
	}
	if e.Err == nil {
		return fmt.Sprintf("connect to %s: failed", e.Addr)
	}
	return fmt.Sprintf("connect to %s: %v", e.Addr, e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// ClassifyDialError tells refused from timed out from unreachable.
func ClassifyDialError(err error) DialFailure {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return DialRefused
	case IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return DialTimeout
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return DialUnreachable
	}
	return DialOther
}

// dialTCP connects to addr from local (zero: any) within timeout and ctx.
func dialTCP(ctx context.Context, local netip.Addr, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Kind: ClassifyDialError(err), Err: err}
	}
	return nc, nil
}

// Conn is an FTP control connection. Every operation takes a context and
// runs under a deadline: the earlier of the context's deadline and the
// target's per-reply timeout.
type Conn struct {
	nc net.Conn // what commands and replies travel on: raw, or TLS over it

	// Close closes nc once: a check may close a connection that a
	// deferred cleanup closes again.
	closeOnce sync.Once
	closeErr  error

	// reinPending: REIN got 120; its 220 is still to come, and then what
	// REIN clears (afterREIN).
	reinPending bool
	raw         net.Conn // the TCP connection
	rd          *Reader
	target      Target
	name        string

	// T records every line; it is shared by all connections of a check.
	T *Transcript

	mu      sync.Mutex
	replies []*Reply

	// TLS state (tls.go), guarded by tmu.
	tmu     sync.Mutex
	tlsConf *tls.Config // made on first use; its session cache serves every connection of this Conn
	tlsConn *tls.Conn   // the control connection's TLS, nil while plaintext
	rec     *recordConn // under tlsConn
	tlsInfo *TLSInfo
	prot    ProtLevel
}

// Dial opens a TCP control connection to the target without reading the
// greeting. local, if valid, is the source address to dial from. With
// implicit TLS (Target.TLS == TLSImplicit) it also performs the TLS
// handshake, within the reply timeout; a failure is a *TLSError with Stage
// TLSStageImplicit.
func Dial(ctx context.Context, t Target, tr *Transcript, local netip.Addr) (*Conn, error) {
	t = t.WithDefaults()
	if tr == nil {
		tr = NewTranscript()
	}
	tr.AddSecret(t.Password)
	nc, err := dialTCP(ctx, local, t.Addr(), t.ConnectTimeout)
	if err != nil {
		return nil, err
	}
	return newConn(ctx, nc, t, tr)
}

// newConn makes a control connection over the TCP connection nc and, for
// implicit TLS, performs the handshake (closing nc when it fails).
func newConn(ctx context.Context, nc net.Conn, t Target, tr *Transcript) (*Conn, error) {
	c := &Conn{nc: nc, raw: nc, target: t, T: tr, name: tr.nextConn()}
	c.rd = NewReader(nc, Limits{Settle: t.Settle})
	c.rd.OnLine = func(raw []byte) { c.T.Add(c.name, Received, strings.TrimRight(string(raw), "\r\n")) }
	c.T.Notef(c.name, "connected %s -> %s", nc.LocalAddr(), nc.RemoteAddr())
	if t.TLS == TLSImplicit {
		if err := c.handshake(ctx, TLSStageImplicit); err != nil {
			nc.Close()
			return nil, err
		}
	}
	return c, nil
}

// Connect dials and reads the greeting (after the TLS handshake for
// implicit TLS; explicit TLS is AuthTLS's or Secure's job). A 120 greeting
// is followed by reading the 220 that must come after it; both replies are
// returned.
func Connect(ctx context.Context, t Target, tr *Transcript) (*Conn, []*Reply, error) {
	c, greet, err := ConnectClear(ctx, t, tr)
	if err != nil {
		return nil, greet, err
	}
	if last := greet[len(greet)-1]; Class(last.Code) == 2 && t.TLS == TLSExplicit {
		// A session as the target is configured: with explicit TLS the
		// control connection is protected before anything else is sent.
		_, err := c.AuthTLS(ctx)
		if err == nil {
			return c, greet, nil
		}
		c.Close()
		if !RacedAuth(err) {
			return nil, greet, err
		}
		// The server read the ClientHello as a command: once more,
		// with a moment between its 234 and the handshake.
		c.T.Notef(c.name, "TLS: the server answered the ClientHello in plaintext (%v); a new session waits after the 234", err)
		return ConnectSecureRetry(ctx, t, c.T)
	}
	return c, greet, nil
}

// ConnectSecureRetry opens a control connection and runs AUTH TLS with
// a pause between the 234 and the handshake, for a server that reads a
// ClientHello sent at once as a command (RacedAuth).
func ConnectSecureRetry(ctx context.Context, t Target, tr *Transcript) (*Conn, []*Reply, error) {
	c, greet, err := ConnectClear(ctx, t, tr)
	if err != nil {
		return nil, greet, err
	}
	if _, err := c.authTLS(ctx, authRetryPause); err != nil {
		c.Close()
		return nil, greet, err
	}
	return c, greet, nil
}

// ConnectClear opens a control connection and reads the greeting, without
// AUTH TLS even when the target asks for explicit TLS (implicit TLS is the
// port's protocol: Dial performs it). For the checks of AUTH itself.
func ConnectClear(ctx context.Context, t Target, tr *Transcript) (*Conn, []*Reply, error) {
	c, err := Dial(ctx, t, tr, netip.Addr{})
	if err != nil {
		return nil, nil, err
	}
	greet, err := c.ReadGreeting(ctx)
	if err != nil {
		c.Close()
		return nil, greet, err
	}
	return c, greet, nil
}

// ReadGreeting reads the server's greeting (RFC 959 §5.4: 220, or 120
// followed by 220, or 421).
func (c *Conn) ReadGreeting(ctx context.Context) ([]*Reply, error) {
	r, err := c.ReadReply(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Reply{r}
	if r.Code == ReplyServiceReadyIn {
		r2, err := c.ReadReply(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, r2)
	}
	return out, nil
}

// Name is the connection's label in the transcript ("c1").
func (c *Conn) Name() string { return c.name }

// SetName changes the connection's label in the transcript, for a
// connection that serves many checks (their transcripts number their own
// connections c1, c2, ...).
func (c *Conn) SetName(name string) { c.name = name }

// Target returns the target this connection was made to.
func (c *Conn) Target() Target { return c.target }

// LocalAddr is the harness's end of the control connection.
func (c *Conn) LocalAddr() netip.AddrPort { return addrPort(c.nc.LocalAddr()) }

// RemoteAddr is the server's end of the control connection.
func (c *Conn) RemoteAddr() netip.AddrPort { return addrPort(c.nc.RemoteAddr()) }

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// Replies returns every reply read on this connection so far.
func (c *Conn) Replies() []*Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Reply(nil), c.replies...)
}

// deadline is the earlier of now+d and the context's deadline.
func deadline(ctx context.Context, d time.Duration) time.Time {
	dl := time.Now().Add(d)
	if cd, ok := ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	return dl
}

// guard makes a cancelled context interrupt blocked I/O on nc. The
// returned stop waits for a callback that already started, so it can never
// move the deadline of a later operation.
func guard(ctx context.Context, nc net.Conn) (stop func()) {
	done := make(chan struct{})
	stopAfter := context.AfterFunc(ctx, func() {
		_ = nc.SetDeadline(time.Unix(1, 0))
		close(done)
	})
	return func() {
		if !stopAfter() {
			<-done
		}
	}
}

// Send writes one command line; CRLF is appended.
func (c *Conn) Send(ctx context.Context, line string) error {
	return c.SendRaw(ctx, []byte(line+"\r\n"))
}

// SendRaw writes bytes as they are (for malformed-input checks).
func (c *Conn) SendRaw(ctx context.Context, b []byte) error {
	c.T.Add(c.name, Sent, string(b))
	if err := ctx.Err(); err != nil {
		return err
	}
	defer guard(ctx, c.nc)()
	_ = c.nc.SetWriteDeadline(deadline(ctx, c.target.ReplyTimeout))
	_, err := c.nc.Write(b)
	if err != nil {
		return &ProtocolError{Msg: "sending " + maskCommand(string(b)) + ": " + err.Error(), Err: err}
	}
	return nil
}

// ReadReply reads the next reply within the reply timeout.
func (c *Conn) ReadReply(ctx context.Context) (*Reply, error) {
	r, err := c.ReadReplyWithin(ctx, c.target.ReplyTimeout)
	if err == nil && c.reinPending && Class(r.Code) != 1 {
		// The 220 that follows REIN's 120 (RFC 959 §5.4).
		c.reinPending = false
		if Class(r.Code) == 2 {
			err = c.afterREIN(ctx)
		}
	}
	return r, err
}

// ReadReplyWithin reads the next reply within d.
func (c *Conn) ReadReplyWithin(ctx context.Context, d time.Duration) (*Reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer guard(ctx, c.nc)()
	dl := deadline(ctx, d)
	r, err := c.rd.ReadReply(dl)
	if cerr := interrupted(ctx, dl, err); cerr != nil {
		// The context, not the server, ended the read: the guard moved
		// the deadline, which may also have cut a settle wait short.
		pe := &ProtocolError{Msg: "reading a reply: interrupted: " + cerr.Error(), Partial: r, Err: cerr}
		var rpe *ProtocolError
		if errors.As(err, &rpe) {
			pe.Partial = rpe.Partial
		}
		c.T.Notef(c.name, "%v", pe)
		return nil, pe
	}
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) && pe.Timeout() && ctx.Err() == nil {
			pe.Msg = fmt.Sprintf("%s (waited %s)", pe.Msg, d)
		}
		c.T.Notef(c.name, "%v", err)
		return nil, err
	}
	c.mu.Lock()
	c.replies = append(c.replies, r)
	c.mu.Unlock()
	for _, v := range r.Violations {
		c.T.Notef(c.name, "format: %s", v)
	}
	return r, nil
}

// Cmd sends a command and reads one reply (for transfer commands that is
// the preliminary reply; see Retrieve and Store).
func (c *Conn) Cmd(ctx context.Context, line string) (*Reply, error) {
	if err := passGate(ctx, line, nil); err != nil {
		return nil, err
	}
	if err := stalled(ctx, line); err != nil {
		c.T.Notef(c.name, "%v", err)
		return nil, err
	}
	if err := c.Send(ctx, line); err != nil {
		return nil, err
	}
	r, err := c.ReadReply(ctx)
	if err != nil {
		c.noteSilence(ctx, line, err, c.target.ReplyTimeout)
		return r, err
	}
	if verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " "); verb == "REIN" {
		switch Class(r.Code) {
		case 2:
			err = c.afterREIN(ctx)
		case 1:
			c.reinPending = true // TLS is cleared after the 220 that follows
		}
	}
	return r, err
}

// Expect sends a command and returns a *ReplyError unless the reply code is
// one of codes.
func (c *Conn) Expect(ctx context.Context, line string, codes ...int) (*Reply, error) {
	r, err := c.Cmd(ctx, line)
	if err != nil {
		return nil, err
	}
	for _, code := range codes {
		if r.Code == code {
			return r, nil
		}
	}
	return r, &ReplyError{Cmd: maskCommand(line), Expected: codes, Reply: r}
}

// Login sends USER and, after 331, PASS (RFC 959 §4.1.1). It succeeds on
// a 2yz reply (230, or 202 to PASS, as RFC 959 §5.4 lists; another 2yz
// still says the login worked, and the checks of USER and PASS judge the
// code); anything else is a *ReplyError. An account (332) is not
// supported.
//
// On a target with TLS whose control connection is protected, Login then
// asks for protected data connections (PBSZ 0, PROT P; RFC 4217 §9), as
// an FTPS client does; a refusal is a *ReplyError for that command.
func (c *Conn) Login(ctx context.Context) error {
	if err := c.LoginUser(ctx); err != nil {
		return err
	}
	if c.target.TLS != TLSOff && c.TLS() != nil && c.DataProtection() != ProtPrivate {
		if _, err := c.Protect(ctx, ProtPrivate); err != nil {
			return err
		}
	}
	return nil
}

// LoginUser sends USER and, after 331, PASS, and nothing else: Login
// without the data protection a TLS target asks for.
func (c *Conn) LoginUser(ctx context.Context) error {
	r, err := c.Expect(ctx, "USER "+c.target.User, ReplyLoggedIn, ReplyNeedPassword)
	if err != nil {
		return err
	}
	if r.Code == ReplyLoggedIn {
		return nil
	}
	line := "PASS " + c.target.Password
	r, err = c.Cmd(ctx, line)
	if err != nil {
		return err
	}
	if Class(r.Code) != 2 {
		return &ReplyError{Cmd: maskCommand(line), Expected: []int{ReplyLoggedIn, ReplySuperfluous}, Reply: r}
	}
	return nil
}

// WaitClose waits up to d for the server to close the connection and
// reports whether it did. Replies that arrive meanwhile are returned.
func (c *Conn) WaitClose(ctx context.Context, d time.Duration) (bool, []*Reply) {
	defer guard(ctx, c.nc)()
	var extra []*Reply
	dl := deadline(ctx, d)
	for {
		r, err := c.rd.ReadReply(dl)
		if err == nil {
			extra = append(extra, r)
			continue
		}
		var pe *ProtocolError
		if errors.As(err, &pe) && (errors.Is(pe.Err, io.EOF) || errors.Is(pe.Err, syscall.ECONNRESET)) {
			c.T.Notef(c.name, "server closed the connection")
			return true, extra
		}
		c.T.Notef(c.name, "connection still open after %s", d)
		return false, extra
	}
}

// Close closes the control connection without QUIT (under TLS after a
// close_notify, which crypto/tls bounds by 5 s).
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.nc.Close()
		if c.nc != c.raw {
			// Under TLS the close_notify may find the server gone; the
			// TCP connection is closed all the same.
			c.closeErr = nil
		}
	})
	return c.closeErr
}

// Quit sends QUIT, reads the reply and closes the connection.
func (c *Conn) Quit(ctx context.Context) (*Reply, error) {
	defer c.Close()
	return c.Cmd(ctx, "QUIT")
}

// NetConn exposes the underlying connection (for checks that need raw
// socket options such as urgent data). Under TLS it is the *tls.Conn:
// bytes written to the TCP connection beneath would break the TLS stream.
func (c *Conn) NetConn() net.Conn { return c.nc }

// interrupted returns the context's error when the context ended an
// operation whose deadline was dl: it was cancelled, or its deadline (the
// earlier one) has passed and the operation failed.
func interrupted(ctx context.Context, dl time.Time, opErr error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cd, ok := ctx.Deadline(); ok && opErr != nil && !cd.After(dl) && !time.Now().Before(cd) {
		return context.DeadlineExceeded
	}
	return nil
}
