package harness

import (
	"io"
	"net/netip"
	"slices"
	"sync/atomic"
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

// TestDefaultPortTransfer: LIST with neither PORT nor PASV, and where the
// server connects (the client's port U, U-1, nowhere) and what it replies.
func TestDefaultPortTransfer(t *testing.T) {
	listing := []byte("listing\r\n")
	tests := []struct {
		name      string
		replies   []string // before the connection
		dial      int      // 0: no connection; 1: to U; -1: to U-1
		after     []string // after the connection
		final     int      // 0: none
		connected bool
		below     bool
		silent    bool
	}{
		{"to U, between 150 and 226", []string{"150 Here it comes."}, 1, []string{"226 Done."}, 226, true, false, false},
		{"to U, then 226 alone", nil, 1, []string{"226 Done."}, 226, true, false, false},
		{"to U-1", []string{"150 Here it comes."}, -1, []string{"226 Done."}, 226, true, true, false},
		{"refused", []string{"425 Use PORT or PASV first."}, 0, nil, 425, false, false, false},
		{"success without a connection", []string{"150 Here it comes.", "226 Done."}, 0, nil, 226, false, false, false},
		{"silence after 150", []string{"150 Here it comes."}, 0, nil, 0, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			script := func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				if _, err := s.expect("LIST"); err != nil {
					return err
				}
				if len(tc.replies) > 0 {
					if err := s.send(tc.replies...); err != nil {
						return err
					}
				}
				if tc.dial != 0 {
					u := addrPort(s.c.RemoteAddr())
					to := netip.AddrPortFrom(u.Addr(), uint16(int(u.Port())+min(tc.dial, 0)))
					dc, err := s.dial(to)
					if err != nil {
						return err
					}
					if err := sendData(dc, listing); err != nil {
						return err
					}
				}
				if len(tc.after) > 0 {
					if err := s.send(tc.after...); err != nil {
						return err
					}
				}
				return s.untilClosed()
			}
			ctx := testCtx(t)
			// Port U-1 may be taken here: try a few control ports.
			var c *Conn
			var l *DefaultPortListener
			for attempt := 0; c == nil; attempt++ {
				var abandoned atomic.Bool
				p := startPeer(t, "", func(s *peerSession) error {
					if err := script(s); err != nil && !abandoned.Load() {
						return err
					}
					return nil
				})
				tg := peerTarget(p)
				if tc.silent {
					tg.ReplyTimeout = 200 * time.Millisecond
				}
				cc, ll, err := DialDefaultPort(ctx, tg, nil)
				if err == ErrDefaultPortUnsupported {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				if tc.below && !ll.Below.IsValid() {
					abandoned.Store(true)
					ll.Close()
					cc.Close()
					if attempt == 4 {
						t.Skip("port U-1 could not be bound for five control ports")
					}
					continue
				}
				c, l = cc, ll
			}
			defer c.Close()
			defer l.Close()
			if _, err := c.ReadGreeting(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Login(ctx); err != nil {
				t.Fatal(err)
			}
			o, err := l.Transfer(ctx, "LIST", 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if got := replyCodes(o.Final); !slices.Equal(got, replyCodes(codeReply(tc.final))) {
				t.Errorf("Final = %v, want %d (%s)", o.Final, tc.final, o.Outcome())
			}
			if o.Connected != tc.connected || o.Silent != tc.silent {
				t.Errorf("Connected %v, Silent %v; want %v, %v", o.Connected, o.Silent, tc.connected, tc.silent)
			}
			if o.Server != c.RemoteAddr() {
				t.Errorf("Server = %s, want %s", o.Server, c.RemoteAddr())
			}
			if !tc.connected {
				return
			}
			want := l.Addr
			if tc.below {
				want = l.Below
			}
			if o.At != want || o.Source.Addr() != c.RemoteAddr().Addr() || string(o.Data) != string(listing) || o.DataErr != nil {
				t.Errorf("arrived at %s from %s with %q (%v); want %s, %q", o.At, o.Source, o.Data, o.DataErr, want, listing)
			}
		})
	}
}

// TestDefaultPortTransferOutcome renders the replies.
func TestDefaultPortTransferOutcome(t *testing.T) {
	r150 := &Reply{Code: 150, Lines: []string{"150 Here."}}
	r226 := &Reply{Code: 226, Lines: []string{"226 Done."}}
	for _, tc := range []struct {
		o    DefaultPortTransfer
		want string
	}{
		{DefaultPortTransfer{}, "no reply"},
		{DefaultPortTransfer{First: r150, Waited: time.Second}, r150.String() + " and then nothing for 1s"},
		{DefaultPortTransfer{First: r226, Final: r226}, r226.String()},
		{DefaultPortTransfer{First: r150, Final: r226}, r150.String() + " then " + r226.String()},
	} {
		if got := tc.o.Outcome(); got != tc.want {
			t.Errorf("Outcome() = %q, want %q", got, tc.want)
		}
	}
}
