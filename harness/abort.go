package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// errNoUrgent says the connection cannot carry TCP urgent data (not TCP, or
// a platform without MSG_OOB).
var errNoUrgent = errors.New("urgent data not supported on this connection")

// SendWithSynch sends a command the way RFC 959 §4.1.3 tells a client to
// send ABOR (or STAT, QUIT) while a transfer may be running: Telnet IP, then
// the Telnet Synch, then the command. On the wire:
//
//	IAC IP          (in-band)
//	IAC             (TCP urgent data: the Synch's urgent byte)
//	DM ABOR CRLF    (in-band)
//
// This is the sequence BSD ftp sends; servers that block on the data
// connection learn of the command through the urgent notification
// (SIGURG). Where urgent data cannot be sent (not a plain TCP connection)
// every byte goes in-band, as RFC 4217 §14 prescribes under TLS; urgent
// reports which happened.
func (c *Conn) SendWithSynch(ctx context.Context, line string) (urgent bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	defer guard(ctx, c.nc)()
	_ = c.nc.SetWriteDeadline(deadline(ctx, c.target.ReplyTimeout))
	fail := func(err error) (bool, error) {
		return urgent, &ProtocolError{Msg: "sending Telnet IP and Synch before " + line + ": " + err.Error(), Err: err}
	}
	if _, err := c.nc.Write([]byte{TelnetIAC, TelnetIP}); err != nil {
		return fail(err)
	}
	urgent = true
	if err := sendUrgent(c.nc, []byte{TelnetIAC}); err != nil {
		if !errors.Is(err, errNoUrgent) {
			return fail(err)
		}
		urgent = false
		if _, err := c.nc.Write([]byte{TelnetIAC}); err != nil {
			return fail(err)
		}
	}
	if urgent {
		c.T.Notef(c.name, "sent Telnet IAC IP, then IAC as TCP urgent data and DM (Synch)")
	} else {
		c.T.Notef(c.name, "sent Telnet IAC IP and IAC DM in-band (no urgent data on this connection)")
	}
	c.T.Add(c.name, Sent, line)
	if _, err := c.nc.Write(append([]byte{TelnetDM}, line+"\r\n"...)); err != nil {
		return fail(err)
	}
	return urgent, nil
}

// Hangup ends the control connection without QUIT, as a client that went
// away would: the server reads EOF. Unlike Close it leaves the socket to
// be released by Close, so a check's cleanup can still call that.
func (c *Conn) Hangup() error {
	c.T.Notef(c.name, "closing the control connection without QUIT")
	// The TCP connection itself, also under TLS: what the server sees is
	// the connection ending, not a TLS close_notify.
	tc, ok := c.raw.(*net.TCPConn)
	if !ok {
		return c.Close()
	}
	err := tc.CloseWrite()
	_ = tc.CloseRead() // fails harmlessly once the server has closed too
	if errors.Is(err, syscall.ENOTCONN) {
		return nil // the server had already closed the connection
	}
	return err
}

// Running is a transfer command after its preliminary reply, whose data
// the caller moves at its own pace: read a little and stop, write without
// closing, reset the connection. Checks of ABOR, QUIT and lost connections
// need this; whole transfers use Retrieve and Store.
type Running struct {
	Cmd    string
	Prelim *Reply // the 1yz reply; nil when the command was refused at once
	Final  *Reply // the completion reply, once read (or the refusal)

	Received int64 // bytes read from the data connection so far
	Sent     int64 // bytes written to it so far

	c  *Conn
	d  *DataChannel
	nc net.Conn
}

// Start sends a transfer command on a prepared data channel and reads the
// first reply. When that reply is not preliminary the command is over:
// Final holds it and the data channel is closed. Otherwise the data
// connection is ready (in active mode Start waits for the server to
// connect). An error means the exchange broke.
func (c *Conn) Start(ctx context.Context, d *DataChannel, cmd string) (*Running, error) {
	run := &Running{Cmd: cmd, c: c, d: d}
	if err := c.sendTransfer(ctx, d, cmd); err != nil {
		return run, err
	}
	r, err := c.ReadReply(ctx)
	if err != nil {
		d.Close()
		return run, err
	}
	if !IsPreliminary(r.Code) {
		run.Final = r
		d.Close()
		return run, nil
	}
	run.Prelim = r
	nc, err := d.Conn(ctx)
	if err != nil {
		c.T.Notef(c.name, "data: %v", err)
		return run, fmt.Errorf("%s: data connection: %w", cmd, err)
	}
	run.nc = nc
	return run, nil
}

// Watch wraps a data connection that no transfer command uses (an open
// passive connection, say) so that a check can see the server close it.
// In active mode it waits for the server to connect.
func (c *Conn) Watch(ctx context.Context, d *DataChannel) (*Running, error) {
	nc, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &Running{c: c, d: d, nc: nc}, nil
}

// Read reads until n bytes have arrived, the server closed the data
// connection, or the data timeout passed; it returns what arrived.
func (r *Running) Read(ctx context.Context, n int) ([]byte, error) {
	if r.nc == nil {
		return nil, errors.New("no data connection")
	}
	defer guard(ctx, r.nc)()
	_ = r.nc.SetReadDeadline(deadline(ctx, r.c.target.DataTimeout))
	buf := make([]byte, n)
	got, err := io.ReadFull(r.nc, buf)
	r.Received += int64(got)
	if err != nil {
		err = r.dataError(ctx, "read", err)
	}
	return buf[:got], err
}

// Write sends b on the data connection within the data timeout, without
// closing it.
func (r *Running) Write(ctx context.Context, b []byte) error {
	if r.nc == nil {
		return errors.New("no data connection")
	}
	defer guard(ctx, r.nc)()
	_ = r.nc.SetWriteDeadline(deadline(ctx, r.c.target.DataTimeout))
	n, err := r.nc.Write(b)
	r.Sent += int64(n)
	if err != nil {
		return r.dataError(ctx, "write", err)
	}
	return nil
}

// CloseWrite half-closes the data connection: the server reads EOF (the end
// of an upload in stream mode, RFC 959 §3.4.1) while the harness can still
// see the server close its side.
func (r *Running) CloseWrite() error {
	cw, ok := r.nc.(interface{ CloseWrite() error })
	if !ok {
		return errors.New("the data connection cannot be half-closed")
	}
	return cw.CloseWrite()
}

// Reset aborts the data connection with a TCP reset instead of an orderly
// close.
func (r *Running) Reset() {
	switch nc := r.nc.(type) {
	case *dataConn:
		_ = nc.reset()
	case *net.TCPConn:
		_ = nc.SetLinger(0)
	}
	r.d.Close()
}

// Close releases the data connection.
func (r *Running) Close() { r.d.Close() }

// ReadFinal reads the completion reply (Completion: the transfer may
// still be running).
func (r *Running) ReadFinal(ctx context.Context) (*Reply, error) {
	reply, err := r.c.Completion(ctx, r.Prelim)
	if err == nil {
		r.Final = reply
	}
	return reply, err
}

// Drained is what Drain observed.
type Drained struct {
	Bytes  int64         // bytes read and discarded
	Closed bool          // the server ended the connection (EOF or reset)
	Reset  bool          // it ended with a reset
	Idle   bool          // nothing arrived for the idle period
	Took   time.Duration // from the call until the end or the idle timeout
	Err    error         // another failure (context, too much data)
}

// Drain reads and discards data until the server ends the data connection,
// nothing arrives for idle, or more than MaxDownload bytes arrived. The
// waiting restarts with every byte, so a slow link does not pass for an
// open connection; a server that never stops sending is bounded by the
// byte limit and ctx. When the server ends the connection the harness
// closes its end at once (a server may hold its completion reply until
// then); a connection whose end an earlier Read already saw reports
// Closed at once.
func (r *Running) Drain(ctx context.Context, idle time.Duration) Drained {
	var res Drained
	start := time.Now()
	defer func() { res.Took = time.Since(start) }()
	if r.nc == nil {
		res.Err = errors.New("no data connection")
		return res
	}
	defer guard(ctx, r.nc)()
	buf := make([]byte, 64<<10)
	for {
		_ = r.nc.SetReadDeadline(deadline(ctx, idle))
		n, err := r.nc.Read(buf)
		res.Bytes += int64(n)
		r.Received += int64(n)
		switch {
		case err == nil:
			if res.Bytes > MaxDownload {
				res.Err = fmt.Errorf("more than %d bytes on the data connection", MaxDownload)
				return res
			}
			continue
		case errors.Is(err, io.EOF):
			res.Closed = true
		case errors.Is(err, syscall.ECONNRESET):
			res.Closed, res.Reset = true, true
		case ctx.Err() != nil:
			res.Err = ctx.Err()
		case IsTimeout(err):
			res.Idle = true
		default:
			res.Err = err
		}
		if res.Err != nil {
			// The data connection itself notes EOF, resets and timeouts.
			r.c.T.Notef(r.c.name, "data: %s", res.describe(idle))
		}
		if res.Closed {
			_ = r.nc.Close() // a no-op when the connection closed itself at the end
		}
		return res
	}
}

func (d Drained) describe(idle time.Duration) string {
	switch {
	case d.Reset:
		return fmt.Sprintf("read %d more bytes, then the server reset the connection", d.Bytes)
	case d.Closed:
		return fmt.Sprintf("read %d more bytes, then EOF", d.Bytes)
	case d.Idle:
		return fmt.Sprintf("read %d more bytes, then nothing for %s; the connection is still open", d.Bytes, idle)
	}
	return fmt.Sprintf("read %d more bytes%s", d.Bytes, ErrSuffix(", then ", d.Err))
}

// dataError names a failed data-connection operation; a reset stays
// recognisable with errors.Is(err, syscall.ECONNRESET).
func (r *Running) dataError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		err = cerr
	}
	// The data connection has noted the failure itself.
	return fmt.Errorf("data connection %s after %d bytes: %w", op, max(r.Received, r.Sent), err)
}
