package harness

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestDataSink: a passive port dialled from a chosen local address is read
// in the background; Finish returns everything when the server closes, and
// what arrived when it keeps the connection open past the grace period.
func TestDataSink(t *testing.T) {
	second := netip.MustParseAddr("127.0.0.2")
	usable(t, netip.AddrPortFrom(second, 0).String())
	tests := []struct {
		name        string
		closeIt     bool
		grace       time.Duration
		wantAllData bool
	}{
		{"server closes", true, peerIOTimeout, true},
		{"server keeps it open", false, 50 * time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := payload(100 << 10)
			source := make(chan netip.AddrPort, 1)
			p := startPeer(t, "", func(s *peerSession) error {
				ln, err := s.greetPASV()
				if err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				source <- addrPort(dc.RemoteAddr())
				if tc.closeIt {
					if err := sendData(dc, data); err != nil {
						return err
					}
				} else if _, err := dc.Write(data); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			d, err := c.Passive(ctx, PASV, DataOptions{NoDial: true})
			if err != nil {
				t.Fatal(err)
			}
			nc, err := c.DialDataFrom(ctx, second, d.Dialled)
			if err != nil {
				t.Fatal(err)
			}
			if src := recv(t, source); src.Addr() != second {
				t.Errorf("the data connection came from %s, want %s", src, second)
			}
			start := time.Now()
			got := SinkData(ctx, nc).Finish(ctx, tc.grace)
			if took := time.Since(start); took > tc.grace+time.Second {
				t.Errorf("Finish took %s with a grace of %s", took, tc.grace)
			}
			if tc.wantAllData && !bytes.Equal(got, data) {
				t.Errorf("got %d bytes, want all %d", len(got), len(data))
			}
			if !bytes.HasPrefix(data, got) {
				t.Errorf("got %d bytes that are not what the server sent", len(got))
			}
			if _, err := nc.Write([]byte("x")); err == nil {
				t.Error("the connection is still open after Finish")
			}
		})
	}
	var none *DataSink
	if got := none.Finish(t.Context(), time.Second); got != nil {
		t.Errorf("nil sink returned %q", got)
	}
}

// TestDialDataFromRefused: a port where nothing listens is a *DialError
// saying so.
func TestDialDataFromRefused(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	dead := closedPort(t)
	nc, err := c.DialDataFrom(ctx, netip.Addr{}, dead)
	if nc != nil {
		nc.Close()
	}
	var de *DialError
	if !errors.As(err, &de) || de.Kind != DialRefused {
		t.Fatalf("DialDataFrom(%s) = %v, want a refused *DialError", dead, err)
	}
}
