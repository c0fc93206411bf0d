package fakeserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type xferKind int

const (
	xferRETR xferKind = iota
	xferSTOR
	xferAPPE
	xferSTOU
	xferLIST
	xferNLST
)

// transfer is one RETR, STOR, APPE, STOU, LIST or NLST after its
// preliminary reply. It runs in its own goroutine so that the session can
// still read ABOR, STAT and QUIT; its result goes back on done.
type transfer struct {
	s        *session
	kind     xferKind
	verb     string
	vpath    string
	data     *dataSetting
	binary   bool
	typeName string
	block    bool // MODE B
	record   bool // STRU R

	file *os.File

	// RETR
	fileSize int64 // size on disk
	offset   int64 // REST offset into the transferred stream
	total    int64 // length of the whole transferred stream

	// STOR, APPE, STOU
	rel     string
	created bool  // the file did not exist before this command
	restart bool  // REST n>0 came first
	fileOff int64 // where the data goes after REST

	// LIST, NLST
	content []byte

	// PROT P: TLS on the data connection with tlsConfig; reuse demands a
	// resumed session.
	protect   bool
	reuse     bool
	tlsConfig *tls.Config

	ctx    context.Context
	cancel context.CancelFunc
	done   chan xferResult
	bytes  atomic.Int64 // bytes moved on the data connection, for STAT

	mu      sync.Mutex
	conn    net.Conn
	aborted bool
}

// xferResult is the completion reply of a transfer.
type xferResult struct {
	code    int
	text    string
	replied bool // already sent by the transfer (a send hook may do that)
	aborted bool // stopped by ABOR or the end of the session
}

// netError and localError tell a failing data connection (426) from a
// failing file (451).
type netError struct{ error }
type localError struct{ error }

func (x *transfer) run() {
	res := x.execute()
	x.cancel()
	x.data.close()
	if x.file != nil {
		x.file.Close()
	}
	x.done <- res
}

// abort stops the transfer from the session goroutine.
func (x *transfer) abort() {
	if h := x.s.hooks.abort; h != nil && h(x) {
		return
	}
	x.stop()
}

// stop closes the data connection and listener, which unblocks any
// pending I/O.
func (x *transfer) stop() {
	x.mu.Lock()
	x.aborted = true
	c := x.conn
	x.mu.Unlock()
	x.cancel()
	if c != nil {
		c.Close()
	}
	x.data.close()
}

func (x *transfer) wasAborted() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.aborted
}

// setConn records the data connection so that abort can close it.
func (x *transfer) setConn(c net.Conn) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.aborted {
		c.Close()
		return false
	}
	x.conn = c
	return true
}

var resultAborted = xferResult{code: codeTransferAborted, text: "Connection closed; transfer aborted.", aborted: true}

func (x *transfer) execute() xferResult {
	conn, err := x.openConn()
	if err == nil && !x.setConn(conn) {
		err = context.Canceled
	}
	if err != nil {
		x.discard(x.s)
		if x.wasAborted() {
			return resultAborted
		}
		x.s.logf("data connection: %v", err)
		return xferResult{code: codeCantOpenData, text: "Cannot open data connection."}
	}
	if x.protect {
		raw := conn
		if conn, err = x.secureData(raw); err != nil {
			raw.Close()
			x.discard(x.s)
			if x.wasAborted() {
				return resultAborted
			}
			x.s.logf("data connection TLS: %v", err)
			res := tlsFailure(err)
			for _, h := range x.s.hooks.result {
				res = h(x, res, err)
			}
			return res
		}
	}
	if h := x.s.hooks.dataConn; h != nil {
		conn = h(x, conn)
	}
	if x.block {
		conn = &blockConn{Conn: conn, sending: !x.upload()}
	}

	var early bool
	switch x.kind {
	case xferRETR:
		early, err = x.sendFile(conn)
	case xferLIST, xferNLST:
		early, err = x.sendContent(conn)
	default:
		err = x.receive(conn)
	}
	// The data connection is closed before the completion reply
	// (RFC 959 §5.2).
	if h := x.s.hooks.closeConn; h != nil {
		h(x, conn)
	} else {
		conn.Close()
	}
	if err == nil && x.file != nil && x.kind != xferRETR {
		f := x.file
		x.file = nil
		if cerr := f.Close(); cerr != nil {
			err = localError{cerr}
		}
	}
	var res xferResult
	switch {
	case err == nil:
		res = xferResult{code: codeClosingData, text: "Transfer complete."}
	case x.wasAborted():
		res = resultAborted
	case errors.As(err, new(localError)):
		x.s.logf("transfer: %v", err)
		res = xferResult{code: codeLocalError, text: "Local error in processing; transfer aborted."}
	default:
		x.s.logf("transfer: %v", err)
		res = xferResult{code: codeTransferAborted, text: "Data connection closed; transfer aborted."}
	}
	if !res.aborted {
		for _, h := range x.s.hooks.result {
			res = h(x, res, err)
		}
	}
	res.replied = early && !res.aborted
	return res
}

// discard undoes the opening of an upload that never received data: the
// file system is left as it was before the command.
func (x *transfer) discard(s *session) {
	if x.file == nil || x.kind == xferRETR {
		return
	}
	x.file.Close()
	x.file = nil
	if x.created {
		s.srv.root.Remove(x.rel)
	}
}

// openConn accepts the passive connection or dials the active one. Active
// connections come from the control connection's local address, from
// Server.ActiveSourcePort if set.
func (x *transfer) openConn() (net.Conn, error) {
	srv := x.s.srv
	d := x.data
	switch {
	case d.dead:
		return nil, errNothingListens
	case d.passive != nil:
		return d.passive.take(x.ctx, srv.DataTimeout)
	}
	port := srv.ActiveSourcePort
	if port < 0 {
		port = max(x.s.local.Port-1, 0) // L-1
	}
	local := &net.TCPAddr{IP: x.s.local.IP, Port: port, Zone: x.s.local.Zone}
	dialer := net.Dialer{Timeout: srv.DataTimeout, LocalAddr: local}
	if port != 0 {
		dialer.Control = reuseAddr
	}
	if h := x.s.hooks.dial; h != nil {
		return h(x, dialer)
	}
	return dialer.DialContext(x.ctx, "tcp", d.active.String())
}

// upload reports whether the transfer stores data.
func (x *transfer) upload() bool {
	return x.kind == xferSTOR || x.kind == xferAPPE || x.kind == xferSTOU
}

// wait pauses for d unless the transfer is aborted first.
func (x *transfer) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.ctx.Done():
		return false
	}
}

// sendFile copies the file from the restart offset, converting LF to CRLF
// in TYPE A (RFC 959 §3.1.1.1). It reports whether the completion reply
// has already been sent.
func (x *transfer) sendFile(conn net.Conn) (bool, error) {
	if x.binary {
		if _, err := x.file.Seek(x.offset, io.SeekStart); err != nil {
			return false, localError{err}
		}
	}
	src := x.download(x.file)
	if !x.binary {
		// The offset counts bytes of the converted stream (RFC 3659 §5.2).
		if _, err := io.CopyN(io.Discard, src, x.offset); err != nil {
			return false, localError{err}
		}
	}
	return x.send(conn, src, x.total-x.offset)
}

// download gives the stream a RETR sends for file.
func (x *transfer) download(file io.Reader) io.Reader {
	if h := x.s.hooks.download; h != nil {
		return h(x, file)
	}
	return represent(x, file)
}

// represent is file as the transfer type sends it: unchanged in TYPE I,
// with every LF as CRLF in TYPE A.
func represent(x *transfer, file io.Reader) io.Reader {
	if x.binary {
		return file
	}
	return &crlfReader{r: file}
}

// sendContent sends a prepared LIST or NLST listing.
func (x *transfer) sendContent(conn net.Conn) (bool, error) {
	return x.send(conn, bytes.NewReader(x.content), int64(len(x.content)))
}

// send copies length bytes of src to the data connection. It reports
// whether the completion reply has already been sent.
func (x *transfer) send(conn net.Conn, src io.Reader, length int64) (bool, error) {
	if h := x.s.hooks.send; h != nil {
		return h(x, conn, src, length)
	}
	return false, x.copyOut(conn, src)
}

// copyOut writes src to conn; a stalled client fails the transfer after
// the idle timeout.
func (x *transfer) copyOut(conn net.Conn, src io.Reader) error {
	buf := make([]byte, 32*1024)
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			conn.SetWriteDeadline(time.Now().Add(x.s.srv.IdleTimeout))
			if _, err := conn.Write(buf[:n]); err != nil {
				return netError{err}
			}
			x.bytes.Add(int64(n))
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return localError{rerr}
		}
	}
}

// receive stores what arrives on the data connection until the client
// closes it (RFC 959 §3.4.1), converting CRLF to LF in TYPE A.
func (x *transfer) receive(conn net.Conn) error {
	w, err := x.uploadTo(x.file)
	if err != nil {
		return localError{err}
	}
	buf := make([]byte, 32*1024)
	for {
		conn.SetReadDeadline(time.Now().Add(x.s.srv.IdleTimeout))
		n, rerr := conn.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return localError{err}
			}
			x.bytes.Add(int64(n))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return netError{rerr}
		}
	}
	if fw, ok := w.(interface{ flush() error }); ok {
		if err := fw.flush(); err != nil {
			return localError{err}
		}
	}
	return nil
}

// uploadTo positions f for an upload and returns what the received stream
// is written to.
func (x *transfer) uploadTo(f *os.File) (io.Writer, error) {
	if h := x.s.hooks.upload; h != nil {
		return h(x, f)
	}
	return storeInto(x, f)
}

// storeInto positions f (see position) and returns the writer that stores
// the stream as the transfer type asks.
func storeInto(x *transfer, f *os.File) (io.Writer, error) {
	if err := x.position(f); err != nil {
		return nil, err
	}
	return x.unrepresent(f), nil
}

// position prepares f for the upload: after REST n it keeps the first n
// bytes and writes from there, APPE writes at the end, and STOR and STOU
// replace the content.
func (x *transfer) position(f *os.File) error {
	switch {
	case x.restart:
		if err := f.Truncate(x.fileOff); err != nil {
			return err
		}
		_, err := f.Seek(x.fileOff, io.SeekStart)
		return err
	case x.kind == xferAPPE:
		_, err := f.Seek(0, io.SeekEnd)
		return err
	}
	return f.Truncate(0)
}

// unrepresent returns the writer that stores a received stream into w:
// unchanged in TYPE I, every CRLF as LF in TYPE A.
func (x *transfer) unrepresent(w io.Writer) io.Writer {
	if x.binary {
		return w
	}
	return &lfWriter{w: w}
}

// crlfReader turns every LF of r into CRLF.
type crlfReader struct {
	r   io.Reader
	buf []byte
	lf  bool  // an LF is owed after a CR that filled p
	err error // error from r, returned once the data before it is out
}

func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.lf {
			p[n] = '\n'
			n++
			c.lf = false
			continue
		}
		if c.err != nil {
			break
		}
		// Each input byte needs at most two output bytes.
		chunk := max(1, (len(p)-n)/2)
		if len(c.buf) < chunk {
			c.buf = make([]byte, chunk)
		}
		m, err := c.r.Read(c.buf[:chunk])
		c.err = err
		for _, b := range c.buf[:m] {
			if b != '\n' {
				p[n] = b
				n++
				continue
			}
			p[n] = '\r'
			n++
			if n < len(p) {
				p[n] = '\n'
				n++
			} else {
				c.lf = true
			}
		}
		if m > 0 || err != nil {
			break
		}
	}
	if n > 0 {
		return n, nil
	}
	return 0, c.err
}

// lfWriter turns every CRLF written to it into LF; a CR followed by
// anything else is kept.
type lfWriter struct {
	w   io.Writer
	cr  bool // the last byte written was a CR, held back
	out []byte
}

func (l *lfWriter) Write(p []byte) (int, error) {
	out := l.out[:0]
	for _, b := range p {
		if l.cr {
			l.cr = false
			if b == '\n' {
				out = append(out, '\n')
				continue
			}
			out = append(out, '\r')
		}
		if b == '\r' {
			l.cr = true
			continue
		}
		out = append(out, b)
	}
	l.out = out
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (l *lfWriter) flush() error {
	if !l.cr {
		return nil
	}
	l.cr = false
	_, err := l.w.Write([]byte{'\r'})
	return err
}

// reuseAddr sets SO_REUSEADDR so that active connections can come from the
// fixed ActiveSourcePort while older ones linger in TIME_WAIT.
func reuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) { serr = setReuseAddr(fd) }); err != nil {
		return err
	}
	return serr
}
