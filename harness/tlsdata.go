package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// tlsData is a data connection under PROT P: the harness is the TLS client
// whichever side connected (RFC 4217 §7). The handshake is lazy: it starts
// when the transfer command has gone out (sendTransfer starts it on a
// passive connection, so that a server that wants it before its 150 gets
// it) or at the first Read or Write, and runs at most the data timeout.
// Starting it only after the command suits servers that reset a data
// connection whose handshake comes first (pyftpdlib).
//
// It sits under dataConn, which counts the plaintext bytes and notes EOF,
// resets and timeouts as for any data connection.
type tlsData struct {
	*tls.Conn
	raw     *recordConn
	ctrl    *Conn
	server  string // the name the certificate is checked against
	t       *Transcript
	name    string
	timeout time.Duration

	once sync.Once
	done chan struct{}
	err  error // the handshake's outcome, once done is closed

	mu       sync.Mutex
	info     *TLSInfo
	closed   bool
	wrote    bool // an upload: Close ends it gracefully
	endNoted bool
}

// newTLSData wraps the TCP data connection nc in TLS for c. A
// configuration error fails the handshake at once.
func newTLSData(c *Conn, nc net.Conn) *tlsData {
	raw := &recordConn{Conn: nc}
	d := &tlsData{raw: raw, ctrl: c, t: c.T, name: c.name, timeout: c.target.DataTimeout, done: make(chan struct{})}
	cfg, err := c.tlsConfig()
	if err != nil {
		d.err = err
		d.once.Do(func() { close(d.done) })
		cfg = &tls.Config{InsecureSkipVerify: true} // never used: the handshake has failed
	}
	d.server = cfg.ServerName
	d.Conn = tls.Client(raw, cfg)
	return d
}

// start begins the handshake in the background, once.
func (d *tlsData) start() {
	d.once.Do(func() { go d.run() })
}

func (d *tlsData) run() {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	start := time.Now()
	err := d.Conn.HandshakeContext(ctx)
	took := time.Since(start)
	d.mu.Lock()
	closed := d.closed
	if err != nil {
		d.err = classifyTLSError(TLSStageData, err, d.raw, took)
	} else {
		d.info = newTLSInfo(d.Conn.ConnectionState(), d.server)
		d.info.Took = took
		d.info.Verified = !d.ctrl.target.Insecure
		ctrl := d.ctrl.controlLeaf()
		d.info.SameCertificate = ctrl != nil && d.info.Leaf() != nil && ctrl.Equal(d.info.Leaf())
	}
	info := d.info
	d.mu.Unlock()
	// Note the outcome before anyone waiting on it goes on, so that the
	// transcript keeps the order of events.
	switch {
	case err != nil && !closed:
		d.t.Notef(d.name, "data: %v", d.err)
	case err == nil:
		resumed := "new session (no session of this control connection resumed)"
		if info.Resumed {
			resumed = "resumed a session of this control connection"
		}
		d.t.Notef(d.name, "data: TLS handshake done in %s: %s, %s, %s", took.Round(time.Millisecond), info.VersionName(), info.CipherSuiteName(), resumed)
		if d.ctrl.controlLeaf() != nil && !info.SameCertificate {
			d.t.Notef(d.name, "data: the server presented another certificate than on the control connection: %s", info.CertSummary())
		}
	}
	close(d.done)
}

// controlLeaf returns the certificate the server presented on the
// control connection (also after CCC), or nil.
func (c *Conn) controlLeaf() *x509.Certificate {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	return c.tlsInfo.Leaf()
}

// handshake starts the handshake if need be and waits for its outcome.
func (d *tlsData) handshake() error {
	d.start()
	<-d.done
	return d.err
}

// Read completes the handshake, then reads plaintext. At the end it
// records whether the server sent close_notify first.
func (d *tlsData) Read(p []byte) (int, error) {
	if err := d.handshake(); err != nil {
		return 0, err
	}
	n, err := d.Conn.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) && d.raw.sawEOF() {
		// The server closed the TCP connection without a close_notify:
		// the end of the data as far as FTP goes (byte counts and the
		// transfer's reply judge completeness), noted as such.
		err = io.EOF
	}
	if errors.Is(err, io.EOF) {
		d.noteEnd()
	}
	return n, err
}

// noteEnd records how the server ended TLS: a close_notify alert, or a
// bare TCP close (noted in the transcript, once).
func (d *tlsData) noteEnd() {
	notify := !d.raw.sawEOF()
	d.mu.Lock()
	already := d.endNoted
	d.endNoted = true
	if d.info != nil {
		d.info.PeerCloseNotify = notify
	}
	d.mu.Unlock()
	if !already && !notify {
		d.t.Notef(d.name, "data: %s", describeTLSDataEnd(notify))
	}
}

// Write completes the handshake, then writes.
func (d *tlsData) Write(p []byte) (int, error) {
	if err := d.handshake(); err != nil {
		return 0, err
	}
	d.mu.Lock()
	d.wrote = true
	d.mu.Unlock()
	return d.Conn.Write(p)
}

// CloseWrite ends an upload the TLS way: close_notify, then a TCP
// half-close, so that the server reads the end of the data. A handshake
// not yet done is completed first.
func (d *tlsData) CloseWrite() error {
	var errs []error
	// An empty upload still shakes hands before its close_notify.
	if d.handshake() == nil {
		errs = append(errs, d.Conn.CloseWrite())
	}
	if tc, ok := d.raw.tcp(); ok {
		errs = append(errs, tc.CloseWrite())
	}
	return errors.Join(errs...)
}

// Close sends close_notify (after a completed handshake; crypto/tls
// bounds the write by 5 s) and closes the connection. A handshake in
// progress fails without a note.
//
// After an upload the end is graceful: close_notify, a TCP half-close,
// and the socket is closed only once the server has closed its side (at
// most the data timeout later, in the background). Under TLS 1.3 the
// server's session ticket usually sits unread on an upload connection,
// and closing a socket with unread bytes sends a TCP reset, which may
// destroy the end of the upload before the server has read it.
func (d *tlsData) Close() error {
	d.mu.Lock()
	already := d.closed
	d.closed = true
	graceful := d.wrote && !d.endNoted && !already
	d.mu.Unlock()
	if !graceful || !d.handshakeDone() {
		return d.Conn.Close()
	}
	err := d.CloseWrite()
	_ = d.raw.SetReadDeadline(time.Now().Add(d.timeout))
	go func() {
		_, _ = io.Copy(io.Discard, d.Conn)
		_ = d.raw.Close()
	}()
	return err
}

// reset closes the connection with a TCP reset and no close_notify.
func (d *tlsData) reset() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	if tc, ok := d.raw.tcp(); ok {
		_ = tc.SetLinger(0)
	}
	return d.raw.Close()
}

func (d *tlsData) handshakeDone() bool {
	select {
	case <-d.done:
		return d.err == nil
	default:
		return false
	}
}

// snapshot returns a copy of the handshake's outcome (nil before it
// completed or when it failed).
func (d *tlsData) snapshot() *TLSInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.info == nil {
		return nil
	}
	cp := *d.info
	return &cp
}

// tlsDataOf returns the TLS layer of a data connection the harness made,
// if it has one.
func tlsDataOf(nc net.Conn) *tlsData {
	if dc, ok := nc.(*dataConn); ok {
		nc = dc.Conn
	}
	td, _ := nc.(*tlsData)
	return td
}

// DataTLS returns the outcome of the TLS handshake on a data connection the
// harness opened (from DataChannel.Conn, DialData, or a default-port
// accept): nil when the connection is plaintext or its handshake has not
// completed.
func DataTLS(nc net.Conn) *TLSInfo {
	if td := tlsDataOf(nc); td != nil {
		return td.snapshot()
	}
	return nil
}

// TLS returns the outcome of the data connection's TLS handshake: nil when
// the connection is plaintext (PROT C), has not been made, or its
// handshake has not completed.
func (d *DataChannel) TLS() *TLSInfo {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	nc := d.conn
	d.mu.Unlock()
	return DataTLS(nc)
}

// Handshake completes the data connection's TLS handshake now (in active
// mode after waiting for the server to connect) and returns its outcome,
// for checks that shake hands before or without a transfer. On a
// plaintext data connection it returns nil and no error.
func (d *DataChannel) Handshake(ctx context.Context) (*TLSInfo, error) {
	nc, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	td := tlsDataOf(nc)
	if td == nil {
		return nil, nil
	}
	td.start()
	select {
	case <-td.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if td.err != nil {
		return nil, td.err
	}
	return td.snapshot(), nil
}

// StartTLS begins the TLS handshake of a dialled data connection under
// PROT P in the background, as Retrieve and Store do once the transfer
// command is out, for a caller that sends the command itself: some
// servers wait for the handshake before their preliminary reply. It does
// nothing on a plaintext connection or one not made yet (active mode);
// the first Read or Write completes the handshake.
func (d *DataChannel) StartTLS() { d.startTLS() }

// startTLS begins the handshake of a dialled data connection under PROT P
// as soon as the transfer command is out.
func (d *DataChannel) startTLS() {
	if d == nil {
		return
	}
	d.mu.Lock()
	nc := d.conn
	d.mu.Unlock()
	if td := tlsDataOf(nc); td != nil {
		td.start()
	}
}
