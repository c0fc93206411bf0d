package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// dataConn is the harness's end of one data connection. It counts the
// bytes that cross it, records its events in the transcript (one note
// each: EOF, reset, timeout, write failure, our close), and closes the
// socket as soon as a read sees the server end the connection.
//
// Closing at EOF matters: some servers (ProFTPD among them) shut down
// their side after the last byte and hold the completion reply until the
// client closes too. A client that reads to EOF and leaves the socket open
// waits out the server's lingering timeout (about 10 s for ProFTPD) for
// every 226. After EOF or a reset every further Read returns the same
// error, so a caller that reads again (Drain after Read, say) still learns
// how the connection ended.
type dataConn struct {
	net.Conn
	t    *Transcript
	name string // the control connection it belongs to

	mu       sync.Mutex
	received int64
	sent     int64
	ended    error         // io.EOF or the reset error, once the server ended it
	endedAt  time.Time     // when a read saw the end (before our close)
	readErr  bool          // a read error other than the end was already noted
	readWait time.Duration // the wait the last read deadline allowed
	closed   bool
}

// wrapData wraps nc for the control connection c, unless it already is a
// dataConn. Under PROT P the connection is a TLS client (tlsData) beneath
// the dataConn, so that the counts are of plaintext bytes.
func wrapData(c *Conn, nc net.Conn) net.Conn {
	if nc == nil {
		return nil
	}
	if _, ok := nc.(*dataConn); ok {
		return nc
	}
	if c.DataProtection() == ProtPrivate {
		nc = newTLSData(c, nc)
	}
	return &dataConn{Conn: nc, t: c.T, name: c.name}
}

// Read reads from the connection; at EOF or a reset it notes the event and
// closes the socket.
func (d *dataConn) Read(p []byte) (int, error) {
	d.mu.Lock()
	if d.ended != nil {
		err := d.ended
		d.mu.Unlock()
		return 0, err
	}
	d.mu.Unlock()
	n, err := d.Conn.Read(p)
	at := time.Now()
	d.mu.Lock()
	d.received += int64(n)
	if err == nil {
		d.mu.Unlock()
		return n, nil
	}
	got := d.received
	switch {
	case d.ended != nil:
		// A concurrent read already saw the end.
	case errors.Is(err, io.EOF), isReset(err):
		d.ended, d.endedAt = err, at
		what := "EOF"
		if isReset(err) {
			what = "reset by the server"
		}
		already := d.closed
		d.closed = true
		d.mu.Unlock()
		if already {
			d.t.Notef(d.name, "data: %s after %d bytes received", what, got)
		} else {
			d.t.Notef(d.name, "data: %s after %d bytes received; closed by us", what, got)
			_ = d.Conn.Close()
		}
		return n, err
	case d.closed:
		// Our own close interrupted the read: nothing new to report.
	case isTLSError(err):
		// The TLS layer noted its failed handshake.
	case IsTimeout(err) || !d.readErr:
		// Every timeout ends a wait of its own; other failures repeat.
		d.readErr = d.readErr || !IsTimeout(err)
		wait := d.readWait
		d.mu.Unlock()
		if IsTimeout(err) {
			if wait > 0 {
				d.t.Notef(d.name, "data: nothing more for %s; read timed out after %d bytes received", wait.Round(time.Millisecond), got)
			} else {
				d.t.Notef(d.name, "data: read interrupted after %d bytes received", got)
			}
		} else {
			d.t.Notef(d.name, "data: read failed after %d bytes received: %v", got, err)
		}
		return n, err
	}
	d.mu.Unlock()
	return n, err
}

// SetReadDeadline sets the read deadline and remembers the wait it allows,
// for the transcript.
func (d *dataConn) SetReadDeadline(t time.Time) error {
	d.mu.Lock()
	d.readWait = time.Until(t)
	d.mu.Unlock()
	return d.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines; a deadline in the past (a cancelled
// context, see guard) marks the next read failure as an interruption.
func (d *dataConn) SetDeadline(t time.Time) error {
	d.mu.Lock()
	d.readWait = time.Until(t)
	d.mu.Unlock()
	return d.Conn.SetDeadline(t)
}

// Write writes to the connection; a failure is noted once.
func (d *dataConn) Write(p []byte) (int, error) {
	n, err := d.Conn.Write(p)
	d.mu.Lock()
	d.sent += int64(n)
	sent, closed := d.sent, d.closed
	d.mu.Unlock()
	if err != nil && !closed && !isTLSError(err) {
		switch {
		case isReset(err):
			d.t.Notef(d.name, "data: reset by the server after %d bytes sent", sent)
		case IsTimeout(err):
			d.t.Notef(d.name, "data: write timed out after %d bytes sent", sent)
		default:
			d.t.Notef(d.name, "data: write failed after %d bytes sent: %v", sent, err)
		}
	}
	return n, err
}

// CloseWrite half-closes the connection: the server reads EOF.
func (d *dataConn) CloseWrite() error {
	cw, ok := d.Conn.(interface{ CloseWrite() error })
	if !ok {
		return errors.New("the data connection cannot be half-closed")
	}
	d.mu.Lock()
	sent := d.sent
	d.mu.Unlock()
	d.t.Notef(d.name, "data: %d bytes sent; half-closed by us (EOF to the server)", sent)
	return cw.CloseWrite()
}

// Close closes the connection once and notes it, unless it was already
// closed at EOF.
func (d *dataConn) Close() error {
	return d.close(false)
}

// reset closes the connection with a TCP reset instead of a FIN.
func (d *dataConn) reset() error {
	return d.close(true)
}

func (d *dataConn) close(reset bool) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	got, sent := d.received, d.sent
	d.mu.Unlock()
	if reset {
		d.t.Notef(d.name, "data: reset by us after %s", byteCounts(got, sent))
		if td, ok := d.Conn.(*tlsData); ok {
			return td.reset() // no close_notify before the reset
		}
		if tc, ok := d.Conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	} else {
		d.t.Notef(d.name, "data: closed by us after %s", byteCounts(got, sent))
	}
	return d.Conn.Close()
}

// endTime returns when a read saw the server end the connection (zero if
// none did). It is taken before the harness closes its end, so a reply
// the close releases cannot appear to precede the EOF.
func endTime(nc net.Conn) time.Time {
	d, ok := nc.(*dataConn)
	if !ok {
		return time.Time{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.endedAt
}

// byteCounts renders "12 bytes received", "3 bytes sent" or both.
func byteCounts(received, sent int64) string {
	switch {
	case sent == 0:
		return fmt.Sprintf("%d bytes received", received)
	case received == 0:
		return fmt.Sprintf("%d bytes sent", sent)
	}
	return fmt.Sprintf("%d bytes received and %d sent", received, sent)
}

// isTLSError reports whether err is a *TLSError (which its layer noted).
func isTLSError(err error) bool {
	var te *TLSError
	return errors.As(err, &te)
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET)
}
