package harness

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestDialDefaultPort: the harness listens on its own control port U, and a
// server that dials U (RFC 959's default data port) is accepted there.
func TestDialDefaultPort(t *testing.T) {
	srv, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		c, err := srv.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "220 ready\r\n")
		if _, err := c.Read(make([]byte, 64)); err != nil { // LIST
			return
		}
		d, err := net.Dial("tcp", c.RemoteAddr().String()) // the client's port U
		if err != nil {
			return
		}
		io.WriteString(d, "listing\r\n")
		d.Close()
		io.Copy(io.Discard, c)
	}()
	ap := netip.MustParseAddrPort(srv.Addr().String())
	tg := Target{Host: ap.Addr().String(), Port: int(ap.Port()), ReplyTimeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, l, err := DialDefaultPort(ctx, tg, nil)
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

// TestWaitPeerClose tells a peer that closes from one that keeps quiet,
// and DeadPort names a port where a dial is refused.
func TestWaitPeerClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peers := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			peers <- c
		}
	}()
	ctx := context.Background()
	quiet, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	p1 := <-peers
	defer p1.Close()
	if pc := WaitPeerClose(ctx, quiet, 50*time.Millisecond); pc.Closed {
		t.Errorf("quiet peer reported closed: %+v", pc)
	}
	closing, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer closing.Close()
	p2 := <-peers
	io.WriteString(p2, "x")
	p2.Close()
	if pc := WaitPeerClose(ctx, closing, 5*time.Second); !pc.Closed || string(pc.Data) != "x" {
		t.Errorf("closing peer: %+v", pc)
	}

	c := &Conn{nc: quiet, target: Target{}.WithDefaults(), T: NewTranscript(), name: "c1"}
	dp, err := c.DeadPort()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := net.DialTimeout("tcp", net.JoinHostPort(dp.Addr().String(), strconv.Itoa(int(dp.Port()))), time.Second); err == nil {
		d.Close()
		t.Errorf("DeadPort %s accepts connections", dp)
	}
}
