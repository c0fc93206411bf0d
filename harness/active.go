package harness

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Active mode (RFC 959 §3.2, RFC 2428 §2): the harness listens, names the
// listener with PORT or EPRT, and the server connects to it.

// ActiveHost is the address the harness listens on in active mode: the
// target's ActiveAddress, else the control connection's local address.
func (c *Conn) ActiveHost() netip.Addr {
	if c.target.ActiveAddress.IsValid() {
		return c.target.ActiveAddress
	}
	return c.LocalAddr().Addr()
}

// Active listens locally (on opt.Listen, else ActiveHost; on opt.Port if
// set, else a free port inside the target's active range if one is
// configured), sends PORT or EPRT naming the listener, and expects 200.
// The server's connection is accepted in the background; Conn waits for
// it.
func (c *Conn) Active(ctx context.Context, mode DataMode, opt DataOptions) (*DataChannel, error) {
	host := opt.Listen
	if !host.IsValid() {
		host = c.ActiveHost()
	}
	var ln net.Listener
	var err error
	if opt.Port != 0 {
		ln, err = net.Listen("tcp", net.JoinHostPort(host.String(), strconv.Itoa(int(opt.Port))))
		if err != nil {
			return nil, fmt.Errorf("active mode: cannot listen on port %d of %s: %w", opt.Port, host, err)
		}
	} else if ln, err = c.listen(host); err != nil {
		return nil, fmt.Errorf("active mode: cannot listen on %s: %w", host, err)
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

// listen opens a listener on host, inside the target's active range if
// one is configured.
func (c *Conn) listen(host netip.Addr) (net.Listener, error) {
	rng := c.target.ActiveRange
	if rng.IsZero() {
		return net.Listen("tcp", netip.AddrPortFrom(host, 0).String())
	}
	var last error
	for p := rng.Min; p <= rng.Max; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host.String(), strconv.Itoa(p)))
		if err == nil {
			return ln, nil
		}
		last = err
	}
	if last == nil {
		return nil, fmt.Errorf("no port in the active range %s", rng)
	}
	return nil, fmt.Errorf("no free port in %s: %w", rng, last)
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
