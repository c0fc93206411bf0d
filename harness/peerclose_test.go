package harness

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestWaitPeerClose tells a peer that closes from one that keeps quiet.
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
}
