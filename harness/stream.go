package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"
)

// streamBuffer is the size of the reads on a data connection: large
// enough that a fast server is not held back by the number of reads.
const streamBuffer = 256 << 10

// dataResult is what the reader of a download's data connection saw.
type dataResult struct {
	data   []byte
	n      int64
	eof    time.Time
	err    error
	source netip.AddrPort
}

// retrieve sends cmd and reads the data connection concurrently with the
// replies (some servers block on a full socket before they send 226).
// With w nil the bytes are kept in Transfer.Data, at most MaxDownload of
// them; otherwise they go to w. total, if positive, bounds the reading of
// the data as a whole; each read may wait CompletionTimeout (the reply and
// data timeouts together, what a whole transfer of Retrieve may take).
func (c *Conn) retrieve(ctx context.Context, d *DataChannel, cmd string, w io.Writer, total time.Duration) (*Transfer, error) {
	t := &Transfer{Cmd: cmd}
	if err := c.sendTransfer(ctx, d, cmd); err != nil {
		return t, err
	}
	dctx, cancel := context.WithCancel(ctx)
	if total > 0 {
		dctx, cancel = context.WithTimeout(ctx, total)
	}
	defer cancel()
	results := make(chan dataResult, 1)
	go func() { results <- c.readData(dctx, d, w) }()
	err := c.readTransferReplies(ctx, t)
	if err != nil || (t.Prelim == nil && Class(t.Final.Code) != 2) {
		// No data is due: the command failed before a preliminary reply.
		d.Close()
		res := <-results
		t.Data, t.Received = res.data, res.n
		if res.n > 0 {
			t.DataErr = res.err
		}
		return t, err
	}
	var res dataResult
	if Class(t.Final.Code) != 2 {
		// The transfer failed after it started: the server will not
		// connect or send more. Allow CloseGrace for what is in flight.
		grace := time.NewTimer(c.target.CloseGrace)
		select {
		case res = <-results:
		case <-grace.C:
			d.Close()
			res = <-results
		}
		grace.Stop()
	} else {
		res = <-results
	}
	t.Data, t.Received, t.DataEOF, t.Source = res.data, res.n, res.eof, res.source
	if res.err != nil {
		t.DataErr = clearCompletion(res.err, t.Final)
		c.T.Notef(c.name, "data: %v", t.DataErr)
	}
	c.T.Notef(c.name, "data: received %d bytes; EOF %s the completion reply", res.n, lagWords(t.EOFLag()))
	d.Close()
	return t, nil
}

// readData reads d's connection to its end, into w or (w nil) into
// memory, at most MaxDownload bytes. ctx bounds the whole; each read may
// wait CompletionTimeout.
func (c *Conn) readData(ctx context.Context, d *DataChannel, w io.Writer) dataResult {
	var res dataResult
	nc, err := d.Conn(ctx)
	if err != nil {
		res.err = err
		return res
	}
	res.source = d.Source
	stop := guard(ctx, nc)
	defer stop()
	var mem *memorySink
	if w == nil {
		mem = &memorySink{limit: MaxDownload}
		w = mem
	}
	// The plain Writer hides a ReadFrom (io.Discard has one, with small
	// reads), so that the reads are streamBuffer large.
	res.n, res.err = io.CopyBuffer(struct{ io.Writer }{w}, idleReader{nc, c.target.CompletionTimeout()}, make([]byte, streamBuffer))
	res.eof = time.Now()
	if at := endTime(nc); !at.IsZero() {
		res.eof = at // before the close that may release the reply
	}
	if mem != nil {
		res.data = mem.b
		if mem.over {
			res.err = fmt.Errorf("more than %d bytes on the data connection", MaxDownload)
		}
	}
	nc.Close()
	return res
}

// idleReader reads a connection with a deadline per read: it may be
// silent for at most idle at a time.
type idleReader struct {
	nc   net.Conn
	idle time.Duration
}

func (r idleReader) Read(p []byte) (int, error) {
	_ = r.nc.SetReadDeadline(time.Now().Add(r.idle))
	n, err := r.nc.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("nothing for %s: %w", r.idle, err)
	}
	return n, err
}

// memorySink keeps what is written, up to limit bytes; more ends the copy.
type memorySink struct {
	b     []byte
	limit int
	over  bool
}

func (m *memorySink) Write(p []byte) (int, error) {
	if len(m.b)+len(p) > m.limit {
		m.over = true
		return 0, errors.New("download limit reached")
	}
	m.b = append(m.b, p...)
	return len(p), nil
}
