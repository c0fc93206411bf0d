package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// The default data port of RFC 959 §3.2: for a transfer that came without
// PORT or PASV the server connects to the client's control connection
// port U, from its own port L-1.

// DefaultPortListener listens on the local port U of a control connection,
// where RFC 959 §3.2 has the server connect for a transfer that came
// without PORT or PASV. Alt, when valid, is the same port on a second
// loopback address, to catch a server that dials an address other than the
// control connection's.
type DefaultPortListener struct {
	Addr netip.AddrPort // the control connection's local address and port
	Alt  netip.AddrPort // same port on another loopback address, if bound
	// Below is the port U-1 on the control connection's address, held
	// when U was chosen (unset if no free pair turned up): a server that
	// mixes up the user's default data port (U) with its own (L-1) dials
	// there, and the check can say so.
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
	// Some servers dial U-1 instead of U: pick U so that U-1 can be held
	// as well, so that no other socket of this machine (another session
	// of a parallel run) sits on U-1 when the server dials it. When no
	// such U turns up in a few tries, U-1 is left out (Below stays unset).
	var port int
	var belowLn net.Listener
	for range 20 {
		probe, err := lc.Listen(ctx, "tcp", wild)
		if err != nil {
			return nil, nil, fmt.Errorf("choosing a local port: %w", err)
		}
		port = probe.Addr().(*net.TCPAddr).Port
		probe.Close()
		if port <= 1 {
			continue
		}
		below := netip.AddrPortFrom(addrPort(probe.Addr()).Addr(), uint16(port-1))
		if belowLn, err = (&net.ListenConfig{}).Listen(ctx, "tcp", below.String()); err == nil {
			break
		}
	}
	closeBelow := func() {
		if belowLn != nil {
			belowLn.Close()
		}
	}
	dl := net.Dialer{Timeout: t.ConnectTimeout, Control: reuseControl, LocalAddr: &net.TCPAddr{Port: port}}
	nc, err := dl.DialContext(ctx, "tcp", ra.String())
	if err != nil {
		closeBelow()
		return nil, nil, &DialError{Addr: ra.String(), Kind: ClassifyDialError(err), Err: err}
	}
	c, err := newConn(ctx, nc, t, tr)
	if err != nil {
		closeBelow()
		return nil, nil, err
	}

	local := c.LocalAddr()
	l := &DefaultPortListener{Addr: local, c: c, got: make(chan arrival, 2)}
	ln, err := lc.Listen(ctx, "tcp", local.String())
	if err != nil {
		c.Close()
		closeBelow()
		return nil, nil, fmt.Errorf("listening on the control connection's own address %s: %w", local, err)
	}
	l.lns = append(l.lns, ln)
	if alt, ok := otherLoopback(local.Addr()); ok {
		if aln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(alt, local.Port()).String()); err == nil {
			l.Alt = addrPort(aln.Addr())
			l.lns = append(l.lns, aln)
		}
	}
	if belowLn != nil {
		l.Below = netip.AddrPortFrom(local.Addr(), local.Port()-1)
		l.lns = append(l.lns, belowLn)
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

// DefaultPortTransfer is what happened to a transfer command sent with
// neither PORT nor PASV before it, on a control connection whose own port U
// the harness listens on (RFC 959 §3.2):
//
//	LIST
//	150 Here comes the directory listing.   <- First
//	(the server connects to U, from L-1)    <- At, Source
//	226 Directory send OK.                  <- Final
type DefaultPortTransfer struct {
	Listener *DefaultPortListener
	Server   netip.AddrPort // the server's end of the control connection (port L)
	First    *Reply         // the first reply to the command
	Final    *Reply         // the completion reply (First when it was not 1yz); nil if none came in time

	Connected bool           // the server connected to one of the listener's addresses
	At        netip.AddrPort // where the connection arrived (Addr, Alt or Below)
	Source    netip.AddrPort // where it came from
	Data      []byte         // what it delivered (at most 1 MiB is kept)
	DataErr   error          // how reading it failed, if it did

	// Silent is set when, after a preliminary reply, neither a connection
	// nor the completion reply came within Waited.
	Silent bool
	Waited time.Duration
}

// Outcome renders the replies: `150 "..." then 226 "..."`, or the first
// reply and how long nothing followed.
func (o *DefaultPortTransfer) Outcome() string {
	switch {
	case o.First == nil:
		return "no reply"
	case o.Final == nil:
		return fmt.Sprintf("%s and then nothing for %s", o.First, o.Waited)
	case o.Final == o.First:
		return o.First.String()
	}
	return fmt.Sprintf("%s then %s", o.First, o.Final)
}

// maxDefaultPortData bounds what a default data connection may deliver.
const maxDefaultPortData = 1 << 20

// Transfer sends line (LIST, say) on the listener's control connection,
// which must be logged in, with no PORT or PASV before it, and watches
// where the server connects. It waits the reply timeout for the server's
// connection or the completion reply; a server that reports success must
// have connected already, so after a 2yz the connection is looked for
// during quiet only. An error means the command got no reply. After a
// Silent transfer the control connection is out of step: close it.
func (l *DefaultPortListener) Transfer(ctx context.Context, line string, quiet time.Duration) (*DefaultPortTransfer, error) {
	c := l.c
	o := &DefaultPortTransfer{Listener: l, Server: c.RemoteAddr(), Waited: c.target.ReplyTimeout}
	arrived := make(chan arrival)
	abandon := make(chan struct{})
	defer close(abandon)
	go func() {
		nc, at, err := l.Accept(ctx, c.target.ReplyTimeout)
		if err != nil {
			return
		}
		select {
		case arrived <- arrival{nc, at}:
		case <-abandon:
			nc.Close()
		}
	}()
	take := func(a arrival) {
		o.Connected, o.At, o.Source = true, a.at, addrPort(a.conn.RemoteAddr())
		_ = a.conn.SetReadDeadline(deadline(ctx, c.target.DataTimeout))
		o.Data, o.DataErr = io.ReadAll(io.LimitReader(a.conn, maxDefaultPortData))
		a.conn.Close()
	}
	lateArrival := func() {
		t := time.NewTimer(quiet)
		defer t.Stop()
		select {
		case a := <-arrived:
			take(a)
		case <-t.C:
		case <-ctx.Done():
		}
	}

	first, err := c.Cmd(ctx, line)
	if err != nil {
		return o, err
	}
	o.First = first
	if !IsPreliminary(first.Code) {
		o.Final = first
		if Class(first.Code) == 2 {
			lateArrival()
		}
		return o, nil
	}
	type finalReply struct {
		r   *Reply
		err error
	}
	fin := make(chan finalReply, 1)
	go func() {
		r, err := c.Completion(ctx, first)
		fin <- finalReply{r, err}
	}()
	bound := time.NewTimer(c.target.ReplyTimeout)
	defer bound.Stop()
	select {
	case a := <-arrived:
		take(a)
		o.Final = (<-fin).r
	case f := <-fin:
		o.Final = f.r
		if f.r != nil && Class(f.r.Code) == 2 {
			lateArrival()
		}
	case <-bound.C:
		o.Silent = true
	case <-ctx.Done():
	}
	return o, nil
}
