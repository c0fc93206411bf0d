package fakeserver

import (
	"bytes"
	"context"
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
	replied bool // already sent by the transfer (early-226 fault)
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

// abort stops the transfer from the session goroutine: it closes the data
// connection and listener, which unblocks any pending I/O.
func (x *transfer) abort() {
	if x.deferAbort() { // faults_transfer.go
		return
	}
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
	if !x.leaveOpen(conn) { // faults_dataconn.go
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
	res = x.resultFault(res, err) // faults_transfer.go
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
// in TYPE A (RFC 959 §3.1.1.1). It reports whether it sent the completion
// reply itself (early-226 fault).
func (x *transfer) sendFile(conn net.Conn) (bool, error) {
	var src io.Reader
	if x.binary {
		if _, err := x.file.Seek(x.offset, io.SeekStart); err != nil {
			return false, localError{err}
		}
		src = x.file
		if x.s.srv.fault(faultCorruptBinary) && x.fileSize > 16 {
			src = &flipReader{r: x.file, pos: x.offset, at: x.fileSize / 2}
		}
	} else {
		cr := x.asciiReader() // LF to CRLF (faults_repr.go)
		if _, err := io.CopyN(io.Discard, cr, x.offset); err != nil {
			return false, localError{err}
		}
		src = cr
	}
	return x.send(conn, src, x.total-x.offset)
}

// sendContent sends a prepared LIST or NLST listing.
func (x *transfer) sendContent(conn net.Conn) (bool, error) {
	return x.send(conn, bytes.NewReader(x.content), int64(len(x.content)))
}

// send copies src to the data connection. Under the early-226 fault (RETR
// of files of 128 KiB and more) it sends 226 after half of the data and the
// rest 2 s later. Smaller transfers stay correct so that the fault costs
// only the checks that look for it.
func (x *transfer) send(conn net.Conn, src io.Reader, length int64) (bool, error) {
	early := x.s.srv.fault(faultEarly226) && x.kind == xferRETR && length >= 128<<10
	if !early {
		return false, x.copyOut(conn, src)
	}
	if err := x.copyOut(conn, io.LimitReader(src, length/2)); err != nil {
		return false, err
	}
	x.s.reply(codeClosingData, "Transfer complete.")
	if !x.wait(2 * time.Second) {
		return true, netError{context.Canceled}
	}
	return true, x.copyOut(conn, src)
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
	f := x.file
	var start int64
	var err error
	switch {
	case x.restart:
		// Keep the first fileOff bytes and write from there.
		if err = f.Truncate(x.fileOff); err == nil {
			start, err = f.Seek(x.fileOff, io.SeekStart)
		}
	case x.kind == xferAPPE:
		start, err = f.Seek(0, io.SeekEnd)
	case x.keepOldContent(): // stor-no-truncate (faults_transfer.go)
	default:
		err = f.Truncate(0)
	}
	if err != nil {
		return localError{err}
	}
	var w io.Writer = f
	var lw *lfWriter
	if x.asciiStore() { // TYPE A (faults_repr.go)
		lw = &lfWriter{w: f}
		w = lw
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
	if lw != nil {
		if err := lw.flush(); err != nil {
			return localError{err}
		}
	}
	if x.kind == xferSTOR && x.binary && x.s.srv.fault(faultStorTruncate) {
		if end, err := f.Seek(0, io.SeekCurrent); err == nil && end > start {
			f.Truncate(end - 1)
		}
	}
	return nil
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

// flipReader inverts the byte at file position at (corrupt-binary fault).
type flipReader struct {
	r   io.Reader
	pos int64
	at  int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.at - f.pos; i >= 0 && i < int64(n) {
		p[i] ^= 0xff
	}
	f.pos += int64(n)
	return n, err
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
