package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// DataMode is the command that sets up a data connection.
type DataMode string

// The four ways to set up a data connection.
const (
	PASV DataMode = "PASV" // RFC 959: server listens, 227 h1,h2,h3,h4,p1,p2
	EPSV DataMode = "EPSV" // RFC 2428 §3: server listens, 229 (|||port|)
	PORT DataMode = "PORT" // RFC 959: harness listens, server dials
	EPRT DataMode = "EPRT" // RFC 2428 §2: harness listens, server dials
)

// Passive reports whether the server listens in this mode.
func (m DataMode) Passive() bool { return m == PASV || m == EPSV }

// DataOptions adjust how a data connection is set up.
type DataOptions struct {
	// DialFrom is the local address to dial a passive port from
	// (default: any).
	DialFrom netip.Addr
	// Listen is where to listen in active mode (default: the target's
	// ActiveAddress, else the control connection's local address).
	Listen netip.Addr
	// Port is the local port to listen on in active mode (default: any
	// free port, inside the target's ActiveRange if one is set), for
	// arguments such as "PORT h1,h2,h3,h4,p1,0".
	Port uint16
	// Arg replaces the argument of PASV/EPSV/PORT/EPRT (e.g. "2" for
	// "EPSV 2"); for PORT/EPRT the harness still listens as usual.
	Arg string
	// NoDial leaves a passive port undialled (the check dials itself).
	NoDial bool
}

// DataChannel is a data connection being set up for one transfer.
type DataChannel struct {
	Mode  DataMode
	Setup *Reply // the 227, 229 or 200 reply

	// Passive modes.
	PASV       PASVInfo       // PASV only: what the 227 said
	Advertised netip.AddrPort // address and port the server advertised (EPSV: control peer + port)
	Dialled    netip.AddrPort // where the harness actually connected

	// Active modes.
	Listen netip.AddrPort // where the harness listened
	Source netip.AddrPort // where the server's connection came from (after Conn)

	c        *Conn
	conn     net.Conn
	ln       net.Listener
	accepted chan acceptResult
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	closed   bool
}

type acceptResult struct {
	conn net.Conn
	err  error
}

// OpenData sets up a data connection in the given mode.
func (c *Conn) OpenData(ctx context.Context, mode DataMode, opt DataOptions) (*DataChannel, error) {
	if mode.Passive() {
		return c.Passive(ctx, mode, opt)
	}
	return c.Active(ctx, mode, opt)
}

// Passive sends PASV or EPSV, parses the reply and dials the advertised
// port. The advertised address is dialled when it is the control
// connection's peer or the operator's expected passive address; otherwise
// the harness dials the control peer on the advertised port (as curl does),
// so a wrong address in the 227 never sends traffic elsewhere. The checks
// judge the advertised address separately.
func (c *Conn) Passive(ctx context.Context, mode DataMode, opt DataOptions) (*DataChannel, error) {
	line := string(mode)
	if opt.Arg != "" {
		line += " " + opt.Arg
	}
	want := ReplyEnteringPassive
	if mode == EPSV {
		want = ReplyEnteringEPSV
	}
	r, err := c.Expect(ctx, line, want)
	if err != nil {
		return nil, err
	}
	d := &DataChannel{Mode: mode, Setup: r, c: c, done: make(chan struct{})}
	peer := c.RemoteAddr().Addr()
	if mode == PASV {
		info, err := ParsePASV(r.Text())
		if err != nil {
			return d, err
		}
		d.PASV = info
		d.Advertised = info.Addr
	} else {
		port, err := ParseEPSV(r.Text())
		if err != nil {
			return d, err
		}
		d.Advertised = netip.AddrPortFrom(peer, uint16(port))
	}
	dialAddr := d.Advertised.Addr()
	exp := c.target.PasvAddress
	if dialAddr != peer && !(exp.IsValid() && dialAddr == exp.Unmap()) {
		c.T.Notef(c.name, "data: %s advertises %s; dialling the control peer %s instead", mode, dialAddr, peer)
		dialAddr = peer
	}
	d.Dialled = netip.AddrPortFrom(dialAddr, d.Advertised.Port())
	if opt.NoDial {
		return d, nil
	}
	nc, err := dialTCP(ctx, opt.DialFrom, d.Dialled.String(), c.target.ConnectTimeout)
	if err != nil {
		c.T.Notef(c.name, "data: %v", err)
		return d, err
	}
	c.T.Notef(c.name, "data: dialled %s from %s", nc.RemoteAddr(), nc.LocalAddr())
	d.conn = wrapData(c, nc)
	return d, nil
}

// DialData opens a TCP connection from the harness to ap (for instance a
// passive port, again) within the connect timeout.
func (c *Conn) DialData(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	return c.DialDataFrom(ctx, netip.Addr{}, ap)
}

// DialDataFrom is DialData from the local address local (zero: any): from
// a second loopback address the server sees another client (RFC 2577 §4,
// port stealing).
func (c *Conn) DialDataFrom(ctx context.Context, local netip.Addr, ap netip.AddrPort) (net.Conn, error) {
	nc, err := dialTCP(ctx, local, ap.String(), c.target.ConnectTimeout)
	if err != nil {
		c.T.Notef(c.name, "data: %v", err)
		return nil, err
	}
	c.T.Notef(c.name, "data: dialled %s from %s", nc.RemoteAddr(), nc.LocalAddr())
	return wrapData(c, nc), nil
}

// Conn returns the data connection: the dialled one in passive mode, the
// server's incoming one in active mode (waiting up to the data timeout).
func (d *DataChannel) Conn(ctx context.Context) (net.Conn, error) {
	if d.conn != nil || d.Mode.Passive() {
		if d.conn == nil {
			return nil, errors.New("passive data port was not dialled")
		}
		return d.conn, nil
	}
	timer := time.NewTimer(d.c.target.DataTimeout)
	defer timer.Stop()
	select {
	case a := <-d.accepted:
		if a.err != nil {
			if IsTimeout(a.err) {
				return nil, fmt.Errorf("the server never connected to %s (%s mode): %w", d.Listen, d.Mode, a.err)
			}
			return nil, a.err
		}
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			a.conn.Close()
			return nil, errors.New("data channel closed before the server connected")
		}
		d.conn = wrapData(d.c, a.conn)
		d.Source = addrPort(a.conn.RemoteAddr())
		d.mu.Unlock()
		d.c.T.Notef(d.c.name, "data: accepted from %s on %s", d.Source, d.Listen)
		return d.conn, nil
	case <-timer.C:
		d.Close()
		return nil, fmt.Errorf("the server never connected to %s (%s mode) within %s", d.Listen, d.Mode, d.c.target.DataTimeout)
	case <-d.done:
		return nil, fmt.Errorf("the server never connected to %s (%s mode) before the transfer ended", d.Listen, d.Mode)
	case <-ctx.Done():
		d.Close()
		return nil, ctx.Err()
	}
}

// Release connects to a passive port that was set up with NoDial and is
// not going to be used, and closes the connection at once, as a client
// that asked for the port would have connected to it. A firewall's FTP
// helper (Linux nf_conntrack_ftp, a router's FTP ALG) opens a pinhole for
// each port it reads in a 227 or 229 reply and keeps it until a
// connection to the port comes or the control connection's tracking ends
// (minutes after QUIT); while it is there, a reply of another session that
// names the same port cannot get its own pinhole, and nf_conntrack_ftp
// drops that reply: the client waits for a reply that never comes. The
// attempt waits at most ReleaseTimeout: its SYN, sent at once, is what
// closes the pinhole, whatever comes back. Release does nothing for a
// dialled channel or an active one.
func (d *DataChannel) Release(ctx context.Context) {
	if d == nil || !d.Mode.Passive() || d.conn != nil || !d.Dialled.IsValid() {
		return
	}
	timeout := ReleaseTimeout
	if t := d.c.target.ConnectTimeout; t > 0 {
		timeout = min(timeout, t)
	}
	p, err := ProbeTCP(ctx, netip.Addr{}, d.Dialled, timeout)
	switch {
	case err != nil:
	case p.OK():
		d.c.T.Notef(d.c.name, "data: released %s (connected and closed; the port was not going to be used)", d.Dialled)
	default:
		d.c.T.Notef(d.c.name, "data: released %s (a connection attempt that got no connection: %v)", d.Dialled, p.Err)
	}
}

// Close releases the data connection and any listener.
func (d *DataChannel) Close() {
	if d == nil {
		return
	}
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		conn := d.conn
		d.mu.Unlock()
		close(d.done)
		if d.ln != nil {
			d.ln.Close()
		}
		if conn != nil {
			conn.Close()
		}
		if d.accepted != nil {
			select {
			case a := <-d.accepted:
				if a.conn != nil {
					d.c.T.Notef(d.c.name, "data: the server's connection from %s was never used; closed by us", a.conn.RemoteAddr())
					a.conn.Close()
				}
			default:
			}
		}
		if d.ln != nil && conn == nil {
			d.c.T.Notef(d.c.name, "data: stopped listening on %s", d.Listen)
		}
	})
}

// Transfer is everything observed during one transfer command.
type Transfer struct {
	Cmd     string
	Prelim  *Reply // the 1yz reply, nil if none came
	Final   *Reply // the completion (or only) reply
	FinalAt time.Time

	Data     []byte    // downloaded bytes (Retrieve)
	Received int64     // how many bytes were downloaded
	Sent     int       // uploaded bytes
	DataErr  error     // what went wrong on the data connection, if anything
	DataEOF  time.Time // when the server closed the data connection (downloads)
	Source   netip.AddrPort
}

// EOFLag is how long after the completion reply the data connection's EOF
// arrived (negative: before it). It is meaningful only when both happened.
func (t *Transfer) EOFLag() time.Duration {
	if t.DataEOF.IsZero() || t.FinalAt.IsZero() {
		return 0
	}
	return t.DataEOF.Sub(t.FinalAt)
}

// Replies lists the replies of the transfer in order.
func (t *Transfer) Replies() []*Reply {
	var out []*Reply
	if t.Prelim != nil {
		out = append(out, t.Prelim)
	}
	if t.Final != nil {
		out = append(out, t.Final)
	}
	return out
}

// ReplyChain renders the transfer's replies: `150 "..." then 226 "..."`.
func (t *Transfer) ReplyChain() string { return ReplyChain(t.Replies()...) }

// MaxDownload bounds how many bytes one transfer may deliver.
const MaxDownload = 256 << 20

// sendTransfer sends a transfer command for the data channel d, if the
// context's gate lets it pass; when it is not sent, d is closed.
func (c *Conn) sendTransfer(ctx context.Context, d *DataChannel, cmd string) error {
	if err := passGate(ctx, cmd, d); err != nil {
		return err
	}
	if err := c.Send(ctx, cmd); err != nil {
		d.Close()
		return err
	}
	// Under PROT P a dialled data connection shakes hands now, while the
	// server reads the command: some servers wait for the handshake
	// before their 150 (ftp-srv), others reset a handshake that comes
	// before the command (pyftpdlib).
	d.startTLS()
	return nil
}

// Retrieve sends a command that sends data to the harness (RETR, LIST,
// NLST), reads the data concurrently with the replies, and returns what
// happened; at most MaxDownload bytes are kept (Transfer.Data), and the
// whole transfer gets Target.CompletionTimeout. Unexpected reply codes are
// not errors here: the checks judge them. An error means the exchange
// itself broke (no reply in time, the connection closed).
func (c *Conn) Retrieve(ctx context.Context, d *DataChannel, cmd string) (*Transfer, error) {
	return c.retrieve(ctx, d, cmd, nil, c.target.CompletionTimeout())
}

// RetrieveTo is Retrieve for data of any size: the bytes go to w as they
// arrive (a hash, a file, io.Discard) and are never all held; Transfer.Data
// stays nil and Transfer.Received counts them. The data connection may be
// silent for at most CompletionTimeout at a time, however long the
// transfer takes as a whole (ctx bounds it). An error writing to w ends the
// transfer with a data error.
func (c *Conn) RetrieveTo(ctx context.Context, d *DataChannel, cmd string, w io.Writer) (*Transfer, error) {
	return c.retrieve(ctx, d, cmd, w, 0)
}

func lagWords(lag time.Duration) string {
	if lag <= 0 {
		return "before"
	}
	return fmt.Sprintf("%s after", lag.Round(time.Millisecond))
}

// readTransferReplies reads the preliminary and completion replies of a
// transfer command into t.
func (c *Conn) readTransferReplies(ctx context.Context, t *Transfer) error {
	r, err := c.ReadReply(ctx)
	if err != nil {
		return err
	}
	if IsPreliminary(r.Code) {
		t.Prelim = r
	}
	if r, err = c.Completion(ctx, r); err != nil {
		return err
	}
	t.Final, t.FinalAt = r, time.Now()
	return nil
}

// Store sends a command that sends data to the server (STOR, APPE, STOU),
// writes data after the preliminary reply, ends it by closing the data
// connection (stream mode EOF, RFC 959 §3.4.1) and reads the completion.
func (c *Conn) Store(ctx context.Context, d *DataChannel, cmd string, data []byte) (*Transfer, error) {
	t := &Transfer{Cmd: cmd}
	if err := c.sendTransfer(ctx, d, cmd); err != nil {
		return t, err
	}
	r, err := c.ReadReply(ctx)
	if err != nil {
		d.Close()
		return t, err
	}
	if !IsPreliminary(r.Code) {
		t.Final, t.FinalAt = r, time.Now()
		d.Close()
		return t, nil
	}
	t.Prelim = r
	// Read the completion reply concurrently: a server that cannot open
	// the data connection says so (425) instead of connecting, and the
	// harness must not wait out the data timeout for nothing.
	type replyResult struct {
		r   *Reply
		err error
	}
	replies := make(chan replyResult, 1)
	go func() {
		r, err := c.Completion(ctx, t.Prelim)
		replies <- replyResult{r, err}
	}()
	type connResult struct {
		nc  net.Conn
		err error
	}
	conns := make(chan connResult, 1)
	go func() {
		nc, err := d.Conn(ctx)
		conns <- connResult{nc, err}
	}()
	var rr replyResult
	gotReply := false
	select {
	case cr := <-conns:
		if cr.err != nil {
			t.DataErr = cr.err
			c.T.Notef(c.name, "data: %v", cr.err)
		}
		if nc := cr.nc; nc != nil {
			t.Source = d.Source
			_ = nc.SetWriteDeadline(deadline(ctx, c.target.DataTimeout))
			n, werr := nc.Write(data)
			t.Sent = n
			if werr != nil {
				// The data connection noted the failure.
				t.DataErr = werr
			}
		}
	case rr = <-replies:
		gotReply = true
		if d.Mode.Passive() {
			t.DataErr = errors.New("the server replied before it accepted the data connection")
		} else {
			t.DataErr = fmt.Errorf("the server never connected to %s (%s mode) before its reply", d.Listen, d.Mode)
		}
		c.T.Notef(c.name, "data: %v", t.DataErr)
	}
	d.Close()
	if !gotReply {
		rr = <-replies
	} else {
		<-conns
	}
	if rr.err != nil {
		return t, rr.err
	}
	r = rr.r
	t.Final, t.FinalAt = r, time.Now()
	return t, nil
}
