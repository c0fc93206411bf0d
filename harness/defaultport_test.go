package harness

import (
	"io"
	"testing"
	"time"
)

// TestDialDefaultPort: the harness listens on its own control port U, and a
// server that dials U (RFC 959's default data port) is accepted there.
func TestDialDefaultPort(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if _, err := s.expect("LIST"); err != nil {
			return err
		}
		dc, err := s.dial(addrPort(s.c.RemoteAddr())) // the client's port U
		if err != nil {
			return err
		}
		if _, err := io.WriteString(dc, "listing\r\n"); err != nil {
			return err
		}
		dc.Close()
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c, l, err := DialDefaultPort(ctx, peerTarget(p), nil)
	if err == ErrDefaultPortUnsupported {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer l.Close()
	if l.Addr != c.LocalAddr() {
		t.Errorf("listening on %s, control connection from %s", l.Addr, c.LocalAddr())
	}
	if _, err := c.ReadGreeting(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, "LIST"); err != nil {
		t.Fatal(err)
	}
	nc, at, err := l.Accept(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if at != l.Addr {
		t.Errorf("connection arrived at %s, want %s", at, l.Addr)
	}
	b, _ := io.ReadAll(nc)
	if string(b) != "listing\r\n" {
		t.Errorf("data %q", b)
	}
}
