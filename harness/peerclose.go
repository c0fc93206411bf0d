package harness

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// PeerClosed is what WaitPeerClose observed.
type PeerClosed struct {
	Closed bool   // the peer ended the connection (FIN or RST)
	Reset  bool   // ... with a reset
	Data   []byte // bytes that arrived first (at most 64 KiB are kept)
}

// WaitPeerClose reads nc for up to d (or until ctx ends) and reports
// whether the peer closed it, and what arrived before. When the peer
// closed it, nc is closed too.
func WaitPeerClose(ctx context.Context, nc net.Conn, d time.Duration) PeerClosed {
	var pc PeerClosed
	defer guard(ctx, nc)()
	_ = nc.SetReadDeadline(deadline(ctx, d))
	buf := make([]byte, 32<<10)
	for {
		n, err := nc.Read(buf)
		if n > 0 && len(pc.Data) < 64<<10 {
			pc.Data = append(pc.Data, buf[:n]...)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			pc.Closed = true
		case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
			pc.Closed, pc.Reset = true, true
		}
		if pc.Closed {
			// Close our end at once: a server may hold its reply until the
			// client has closed too.
			_ = nc.Close()
		}
		return pc
	}
}
