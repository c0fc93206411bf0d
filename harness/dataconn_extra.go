package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Data-connection tools for the checks of RFC 959 §3.2-§3.3 and RFC 2428
// that need more than one ordinary transfer: a port where nothing listens,
// an active listener on a chosen port, a second dial to a passive port, an
// early look at an active listener, and the default data port of RFC 959
// §3.2 (the server dials the client's control connection port U).

// ActiveHost is the address the harness listens on in active mode: the
// target's ActiveAddress, else the control connection's local address.
func (c *Conn) ActiveHost() netip.Addr {
	if c.target.ActiveAddress.IsValid() {
		return c.target.ActiveAddress
	}
	return c.LocalAddr().Addr()
}

// DeadPort returns an address of the harness on which nothing listens: a
// port it listened on a moment ago (inside the active range if one is
// configured) and closed again. A server that dials it is refused.
func (c *Conn) DeadPort() (netip.AddrPort, error) {
	ln, err := c.listen(c.ActiveHost())
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("cannot find a free local port: %w", err)
	}
	ap := addrPort(ln.Addr())
	ln.Close()
	c.T.Notef(c.name, "data: %s is closed (nothing listens there)", ap)
	return ap, nil
}

// ActiveAt is Active with the harness listening on a chosen local port of
// the active host (for arguments such as "PORT h1,h2,h3,h4,p1,0").
func (c *Conn) ActiveAt(ctx context.Context, mode DataMode, port uint16, opt DataOptions) (*DataChannel, error) {
	host := opt.Listen
	if !host.IsValid() {
		host = c.ActiveHost()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host.String(), strconv.Itoa(int(port))))
	if err != nil {
		return nil, fmt.Errorf("active mode: cannot listen on port %d of %s: %w", port, host, err)
	}
	d := &DataChannel{Mode: mode, c: c, ln: ln, Listen: addrPort(ln.Addr()), accepted: make(chan acceptResult, 1), done: make(chan struct{})}
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(c.target.ReplyTimeout + c.target.DataTimeout))
	go func() {
		nc, err := ln.Accept()
		ln.Close()
		d.mu.Lock()
		if d.closed && nc != nil {
			nc.Close()
			nc, err = nil, net.ErrClosed
		}
		d.mu.Unlock()
		d.accepted <- acceptResult{nc, err}
	}()
	arg := opt.Arg
	if arg == "" {
		if mode == PORT {
			if arg, err = FormatPORT(d.Listen); err != nil {
				d.Close()
				return nil, err
			}
		} else {
			arg = FormatEPRT(d.Listen)
		}
	}
	c.T.Notef(c.name, "data: listening on %s", d.Listen)
	r, err := c.Expect(ctx, string(mode)+" "+arg, ReplyOK)
	d.Setup = r
	if err != nil {
		d.Close()
		return d, err
	}
	return d, nil
}

// ConnectedWithin reports whether the server has connected to an
// active-mode listener, waiting at most window for it. The connection, if
// any, becomes the channel's data connection (Conn returns it). In passive
// mode it reports whether the harness has dialled.
func (d *DataChannel) ConnectedWithin(ctx context.Context, window time.Duration) bool {
	if d == nil {
		return false
	}
	if d.conn != nil || d.Mode.Passive() || d.accepted == nil {
		return d.conn != nil
	}
	t := time.NewTimer(window)
	defer t.Stop()
	select {
	case a := <-d.accepted:
		if a.err != nil {
			d.accepted <- a // Conn reports it later
			return false
		}
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			a.conn.Close()
			return false
		}
		d.conn = wrapData(d.c, a.conn)
		d.Source = addrPort(a.conn.RemoteAddr())
		d.mu.Unlock()
		d.c.T.Notef(d.c.name, "data: accepted from %s on %s before any transfer command", d.Source, d.Listen)
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// DialData opens a TCP connection from the harness to ap (for instance a
// passive port, again) within the connect timeout.
func (c *Conn) DialData(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	nc, err := dialTCP(ctx, netip.Addr{}, ap.String(), c.target.ConnectTimeout)
	if err != nil {
		c.T.Notef(c.name, "data: %v", err)
		return nil, err
	}
	c.T.Notef(c.name, "data: dialled %s from %s", nc.RemoteAddr(), nc.LocalAddr())
	return wrapData(c, nc), nil
}

// PeerClosed is what WaitPeerClose observed.
type PeerClosed struct {
	Closed bool   // the peer ended the connection (FIN or RST)
	Reset  bool   // ... with a reset
	Data   []byte // bytes that arrived first (at most 64 KiB are kept)
}

// WaitPeerClose reads nc for up to d (or until ctx ends) and reports
// whether the peer closed it, and what arrived before. When the peer
// closed it, nc is closed too.
func WaitPeerClose(ctx context.Context, nc net.Conn, d time.Duration) PeerClosed {
	var pc PeerClosed
	defer guard(ctx, nc)()
	_ = nc.SetReadDeadline(deadline(ctx, d))
	buf := make([]byte, 32<<10)
	for {
		n, err := nc.Read(buf)
		if n > 0 && len(pc.Data) < 64<<10 {
			pc.Data = append(pc.Data, buf[:n]...)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			pc.Closed = true
		case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
			pc.Closed, pc.Reset = true, true
		}
		if pc.Closed {
			// Close our end at once: a server may hold its reply until the
			// client has closed too.
			_ = nc.Close()
		}
		return pc
	}
}

// DefaultPortListener listens on the local port U of a control connection,
// where RFC 959 §3.2 has the server connect for a transfer that came
// without PORT or PASV. Alt, when valid, is the same port on a second
// loopback address, to catch a server that dials an address other than the
// control connection's.
type DefaultPortListener struct {
	Addr netip.AddrPort // the control connection's local address and port
	Alt  netip.AddrPort // same port on another loopback address, if bound
	// Below is the port U-1 on the control connection's address, if it
	// could be bound: a server that mixes up the user's default data port
	// (U) with its own (L-1) dials there, and the check can say so.
	Below netip.AddrPort

	c   *Conn
	lns []net.Listener
	got chan arrival
}

type arrival struct {
	conn net.Conn
	at   netip.AddrPort // the local address the server connected to
}

// ErrDefaultPortUnsupported means this platform cannot listen on a port
// that a connected socket already uses.
var ErrDefaultPortUnsupported = errors.New("listening on the control connection's own port needs SO_REUSEADDR semantics this platform does not offer")

// DialDefaultPort opens a control connection (without reading the
// greeting) and listens on its local address and port U, so that the
// server's default data connection can be accepted.
func DialDefaultPort(ctx context.Context, t Target, tr *Transcript) (*Conn, *DefaultPortListener, error) {
	if !reusePortSupported {
		return nil, nil, ErrDefaultPortUnsupported
	}
	t = t.WithDefaults()
	if tr == nil {
		tr = NewTranscript()
	}
	tr.AddSecret(t.Password)
	ra, err := net.ResolveTCPAddr("tcp", t.Addr())
	if err != nil {
		return nil, nil, &DialError{Addr: t.Addr(), Kind: ClassifyDialError(err), Err: err}
	}
	// The control connection binds a port of its own choosing: a port
	// the kernel hands out implicitly at connect time may be shared with
	// other connections, and then nobody can listen on it.
	var last error
	for range 5 {
		c, l, err := dialDefaultPortOnce(ctx, t, tr, ra)
		if err == nil {
			return c, l, nil
		}
		var de *DialError
		if errors.As(err, &de) && !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
		last = err
	}
	return nil, nil, last
}

func dialDefaultPortOnce(ctx context.Context, t Target, tr *Transcript, ra *net.TCPAddr) (*Conn, *DefaultPortListener, error) {
	lc := net.ListenConfig{Control: reuseControl}
	wild := "0.0.0.0:0"
	if ra.IP.To4() == nil {
		wild = "[::]:0"
	}
	probe, err := lc.Listen(ctx, "tcp", wild)
	if err != nil {
		return nil, nil, fmt.Errorf("choosing a local port: %w", err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	dl := net.Dialer{Timeout: t.ConnectTimeout, Control: reuseControl, LocalAddr: &net.TCPAddr{Port: port}}
	nc, err := dl.DialContext(ctx, "tcp", ra.String())
	if err != nil {
		return nil, nil, &DialError{Addr: ra.String(), Kind: ClassifyDialError(err), Err: err}
	}
	c := &Conn{nc: nc, target: t, T: tr, name: tr.nextConn()}
	c.rd = NewReader(nc, Limits{Settle: t.Settle})
	c.rd.OnLine = func(raw []byte) { c.T.Add(c.name, Received, strings.TrimRight(string(raw), "\r\n")) }
	c.T.Notef(c.name, "connected %s -> %s", nc.LocalAddr(), nc.RemoteAddr())

	local := c.LocalAddr()
	l := &DefaultPortListener{Addr: local, c: c, got: make(chan arrival, 2)}
	ln, err := lc.Listen(ctx, "tcp", local.String())
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("listening on the control connection's own address %s: %w", local, err)
	}
	l.lns = append(l.lns, ln)
	if alt, ok := otherLoopback(local.Addr()); ok {
		if aln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(alt, local.Port()).String()); err == nil {
			l.Alt = addrPort(aln.Addr())
			l.lns = append(l.lns, aln)
		}
	}
	if local.Port() > 1 {
		below := netip.AddrPortFrom(local.Addr(), local.Port()-1)
		if bln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", below.String()); err == nil {
			l.Below = below
			l.lns = append(l.lns, bln)
		}
	}
	for _, ln := range l.lns {
		go func() {
			for {
				a, err := ln.Accept()
				if err != nil {
					return
				}
				select {
				case l.got <- arrival{a, addrPort(a.LocalAddr())}:
				default:
					a.Close()
				}
			}
		}()
	}
	c.T.Notef(c.name, "data: listening on the control connection's own port %s (RFC 959 default data port)", local)
	return c, l, nil
}

// otherLoopback returns a second IPv4 loopback address next to a.
func otherLoopback(a netip.Addr) (netip.Addr, bool) {
	if !a.Is4() || !a.IsLoopback() {
		return netip.Addr{}, false
	}
	if a == netip.AddrFrom4([4]byte{127, 0, 0, 2}) {
		return netip.AddrFrom4([4]byte{127, 0, 0, 3}), true
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 2}), true
}

// Accept waits up to d for the server's connection and returns it with
// the local address it reached (Addr or Alt).
func (l *DefaultPortListener) Accept(ctx context.Context, d time.Duration) (net.Conn, netip.AddrPort, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case a := <-l.got:
		l.c.T.Notef(l.c.name, "data: accepted from %s on %s", a.conn.RemoteAddr(), a.at)
		return wrapData(l.c, a.conn), a.at, nil
	case <-t.C:
		return nil, netip.AddrPort{}, fmt.Errorf("the server did not connect to %s within %s", l.Addr, d)
	case <-ctx.Done():
		return nil, netip.AddrPort{}, ctx.Err()
	}
}

// Close stops listening and closes a connection nobody took.
func (l *DefaultPortListener) Close() {
	for _, ln := range l.lns {
		ln.Close()
	}
	for {
		select {
		case a := <-l.got:
			a.conn.Close()
		default:
			return
		}
	}
}
