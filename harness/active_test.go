package harness

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestDeadPort: DeadPort names a port of the harness where a dial is
// refused.
func TestDeadPort(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	c := connect(t, testCtx(t), peerTarget(p))
	dp, err := c.DeadPort()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := net.DialTimeout("tcp", dp.String(), time.Second); err == nil {
		d.Close()
		t.Errorf("DeadPort %s accepts connections", dp)
	}
}

// TestActiveChosenPort: DataOptions.Port makes the harness listen on that
// port, the PORT argument names it, and the server's connection is
// accepted there.
func TestActiveChosenPort(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := addrPort(free.Addr()).Port()
	free.Close()
	data := []byte("on a chosen port\r\n")
	named := make(chan netip.AddrPort, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		ap, err := s.port()
		if err != nil {
			return err
		}
		named <- ap
		if err := s.exchange("LIST", "150 Here it comes."); err != nil {
			return err
		}
		dc, err := s.dial(ap)
		if err != nil {
			return err
		}
		return s.deliver(dc, data, "226 Done.")
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.Active(ctx, PORT, DataOptions{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	if d.Listen.Port() != port {
		t.Errorf("listening on %s, want port %d", d.Listen, port)
	}
	if got := recv(t, named); got != d.Listen {
		t.Errorf("PORT named %s, harness listens on %s", got, d.Listen)
	}
	tr, err := c.Retrieve(ctx, d, "LIST")
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 150, 226, data)
}

// TestActiveChosenPortTaken: a chosen port that is taken is an error that
// names it, and nothing is sent.
func TestActiveChosenPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := addrPort(taken.Addr()).Port()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.Active(ctx, PORT, DataOptions{Port: port})
	if err == nil || d != nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d", port)) {
		t.Fatalf("Active on a taken port: %v, %v", d, err)
	}
}
