package harness

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestProbeTCP(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	open := addrPort(ln.Addr())
	p, err := ProbeTCP(ctx, netip.Addr{}, open, time.Second)
	if err != nil || !p.OK() || p.Kind() != "" {
		t.Errorf("probe of a listening port: %+v, %v", p, err)
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	shut := addrPort(closed.Addr())
	closed.Close()
	p, err = ProbeTCP(ctx, netip.Addr{}, shut, time.Second)
	if err != nil || p.OK() || p.Kind() != DialRefused {
		t.Errorf("probe of a closed port: %+v, %v; want refused", p, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ProbeTCP(cancelled, netip.Addr{}, open, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("probe with a cancelled context: %v; want the context's error, not a finding", err)
	}
}

func TestProbeActive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     string   // reply to PORT ("" = 200)
		replies   []string // replies to LIST
		dial      bool     // the peer connects back after the first reply
		connected bool
		noFinal   bool
	}{
		{name: "connects", replies: []string{"150 Here it comes.", "226 Done."}, dial: true, connected: true},
		{name: "refused", setup: "500 PORT disabled."},
		{name: "cannot-connect-at-port", setup: "425 Can't connect to specified address."},
		{name: "425-after-150", replies: []string{"150 Here it comes.", "425 Can't open data connection."}},
		{name: "silent", replies: []string{"150 Here it comes."}, noFinal: true},
		{name: "no-reply-at-all", noFinal: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			source := make(chan netip.AddrPort, 1)
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				if tc.setup != "" {
					if _, err := s.expect("PORT"); err != nil {
						return err
					}
					if err := s.send(tc.setup); err != nil {
						return err
					}
					return s.untilClosed()
				}
				ap, err := s.port()
				if err != nil {
					return err
				}
				if _, err := s.expect("LIST"); err != nil {
					return err
				}
				for i, r := range tc.replies {
					if err := s.send(r); err != nil {
						return err
					}
					if i == 0 && tc.dial {
						dc, err := s.dial(ap)
						if err != nil {
							return err
						}
						source <- addrPort(dc.LocalAddr())
						if err := sendData(dc, []byte("a\r\nb\r\n")); err != nil {
							return err
						}
					}
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			const wait = 400 * time.Millisecond
			start := time.Now()
			pr, err := c.ProbeActive(ctx, PORT, "LIST", wait)
			if err != nil {
				t.Fatalf("ProbeActive: %v", err)
			}
			if took := time.Since(start); took > wait+time.Second {
				t.Errorf("ProbeActive took %s, with a wait of %s", took, wait)
			}
			if pr.Connected() != tc.connected || pr.NoFinalReply != tc.noFinal {
				t.Errorf("connected %v, no final reply %v; want %v, %v (%+v)", pr.Connected(), pr.NoFinalReply, tc.connected, tc.noFinal, pr)
			}
			if tc.setup != "" {
				if pr.Accepted() || pr.Setup == nil || pr.Setup.String() == "" || pr.Cmd != "" {
					t.Errorf("setup %v, accepted %v, cmd %q", pr.Setup, pr.Accepted(), pr.Cmd)
				}
				return
			}
			if !pr.Accepted() || len(pr.Replies) != len(tc.replies) {
				t.Errorf("accepted %v, replies %v; want %d replies", pr.Accepted(), pr.Replies, len(tc.replies))
			}
			if tc.connected {
				if src := recv(t, source); pr.Source != src || pr.Bytes != 6 {
					t.Errorf("source %v (peer dialled from %v), %d bytes", pr.Source, src, pr.Bytes)
				}
			}
		})
	}
}
