package harness

import (
	"context"
	"io"
	"net"
	"time"
)

// DataSink reads a data connection in the background into a bounded
// buffer (at most MaxDownload bytes are kept), for a check that must send
// a command before it can read: a passive port dialled early, or several
// connections to one port.
type DataSink struct {
	nc   net.Conn
	done chan struct{}
	data []byte
}

// SinkData starts reading nc until the server closes it, Finish is
// called, or ctx ends. The sink closes nc at its end, as any client would:
// some servers hold their completion reply until the client closes.
func SinkData(ctx context.Context, nc net.Conn) *DataSink {
	s := &DataSink{nc: nc, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		stop := guard(ctx, nc)
		defer stop()
		s.data, _ = io.ReadAll(io.LimitReader(nc, MaxDownload))
		nc.Close()
	}()
	return s
}

// Finish waits up to grace (or until ctx ends) for the server to close the
// connection, closes it and returns what arrived. A nil sink (no
// connection was made) returns nil.
func (s *DataSink) Finish(ctx context.Context, grace time.Duration) []byte {
	if s == nil {
		return nil
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
	case <-ctx.Done():
	}
	s.nc.Close()
	<-s.done
	return s.data
}
