package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// holdFor is how long the lingering peer below holds its completion reply
// for a client that does not close the data connection. ProFTPD holds it
// for about 10.8 s; 3 s is enough to tell "prompt" from "held".
const holdFor = 3 * time.Second

// promptly bounds how long after the command the completion reply may
// come when the client closes at EOF.
const promptly = holdFor / 2

// lingerThenReply plays ProFTPD at the end of a download: after the last
// byte it half-closes the data connection, waits (up to holdFor) for the
// client to close its end, and only then sends 226. It reports whether
// the client closed.
func lingerThenReply(s *peerSession, dc net.Conn, data []byte, clientClosed chan<- bool) error {
	if _, err := dc.Write(data); err != nil {
		return fmt.Errorf("writing data: %w", err)
	}
	if err := dc.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	_ = dc.SetReadDeadline(time.Now().Add(holdFor))
	_, err := io.Copy(io.Discard, dc)
	closed := err == nil // EOF: the client closed
	if !closed && !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("waiting for the client to close the data connection: %w", err)
	}
	clientClosed <- closed
	dc.Close()
	return s.send("226 Transfer complete.")
}

// TestDataClosedAtEOF: every way the harness reads a data connection to
// its end closes the connection at EOF, so a server that holds its
// completion reply until the client has closed (ProFTPD) answers at once
// instead of after its lingering timeout.
func TestDataClosedAtEOF(t *testing.T) {
	t.Parallel()
	data := payload(64 << 10)
	tests := []struct {
		name   string
		active bool
		// read consumes the download after the 150 (and, for those that do
		// not read the completion reply, leaves it to the test).
		read func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply
	}{
		{"Running.Drain", false, func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply {
			run := start(t, ctx, c, d)
			if dr := run.Drain(ctx, 2*holdFor); !dr.Closed || dr.Bytes != int64(len(data)) {
				t.Errorf("Drain = %+v, want closed after %d bytes", dr, len(data))
			}
			return final(t, ctx, run)
		}},
		{"Running.Read past the end", false, func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply {
			run := start(t, ctx, c, d)
			got, err := run.Read(ctx, 2*len(data))
			if len(got) != len(data) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("Read: %d bytes, %v; want %d bytes and unexpected EOF", len(got), err, len(data))
			}
			r := final(t, ctx, run)
			// The end stays observable after the connection closed itself.
			if dr := run.Drain(ctx, time.Second); !dr.Closed || dr.Bytes != 0 || dr.Took > 100*time.Millisecond {
				t.Errorf("Drain after EOF = %+v, want closed at once", dr)
			}
			return r
		}},
		{"io.ReadAll of DataChannel.Conn", true, func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply {
			run := start(t, ctx, c, d)
			nc, err := d.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_ = nc.SetReadDeadline(time.Now().Add(2 * holdFor))
			if got, err := io.ReadAll(nc); err != nil || len(got) != len(data) {
				t.Errorf("ReadAll: %d bytes, %v", len(got), err)
			}
			return final(t, ctx, run)
		}},
		{"WaitPeerClose", false, func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply {
			run := start(t, ctx, c, d)
			nc, err := d.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if pc := WaitPeerClose(ctx, nc, 2*holdFor); !pc.Closed || len(pc.Data) != len(data) {
				t.Errorf("WaitPeerClose: closed %v after %d bytes", pc.Closed, len(pc.Data))
			}
			return final(t, ctx, run)
		}},
		{"Retrieve", false, func(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Reply {
			tr, err := c.Retrieve(ctx, d, "RETR f")
			if err != nil {
				t.Fatal(err)
			}
			checkTransfer(t, tr, 150, 226, data)
			// RFC959-5.2-CLOSE-THEN-226 judges EOF at most CloseGrace after
			// the 226: here EOF came first, which always passes.
			if tr.EOFLag() > 0 {
				t.Errorf("EOFLag = %s, want EOF before the 226", tr.EOFLag())
			}
			return tr.Final
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clientClosed := make(chan bool, 1)
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				var dc net.Conn
				if tc.active {
					ap, err := s.port()
					if err != nil {
						return err
					}
					if err := s.exchange("RETR f", "150 Opening data connection."); err != nil {
						return err
					}
					if dc, err = s.dial(ap); err != nil {
						return err
					}
				} else {
					ln, err := s.pasv(netip.Addr{})
					if err != nil {
						return err
					}
					if err := s.exchange("RETR f", "150 Opening data connection."); err != nil {
						return err
					}
					if dc, err = s.accept(ln); err != nil {
						return err
					}
				}
				if err := lingerThenReply(s, dc, data, clientClosed); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			mode := PASV
			if tc.active {
				mode = PORT
			}
			d, err := c.OpenData(ctx, mode, DataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			begin := time.Now()
			r := tc.read(t, ctx, c, d)
			took := time.Since(begin)
			if r == nil || r.Code != 226 {
				t.Fatalf("completion reply %v, want 226", r)
			}
			if !recv(t, clientClosed) {
				t.Errorf("the harness left the data connection open after EOF")
			}
			if took > promptly {
				t.Errorf("the 226 came %s after the command; a server that waits for the client's close got it late", took.Round(time.Millisecond))
			}
			if s := c.T.String(); !strings.Contains(s, fmt.Sprintf("data: EOF after %d bytes received; closed by us", len(data))) {
				t.Errorf("transcript lacks the EOF and close:\n%s", s)
			}
		})
	}
}

// TestProbeActiveClosesAtEOF: ProbeActive's wait for the completion
// reply is not spent on a server that holds 226 until the client closes.
func TestProbeActiveClosesAtEOF(t *testing.T) {
	t.Parallel()
	clientClosed := make(chan bool, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		ap, err := s.port()
		if err != nil {
			return err
		}
		if err := s.exchange("LIST", "150 Here comes the listing."); err != nil {
			return err
		}
		dc, err := s.dial(ap)
		if err != nil {
			return err
		}
		if err := lingerThenReply(s, dc, []byte("a\r\nb\r\n"), clientClosed); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	begin := time.Now()
	pr, err := c.ProbeActive(ctx, PORT, "LIST", 2*holdFor)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	if pr.NoFinalReply || len(pr.Replies) != 2 || pr.Replies[1].Code != 226 || pr.Bytes != 6 || !pr.Connected() {
		t.Errorf("probe %+v, replies %v", pr, pr.Replies)
	}
	if !recv(t, clientClosed) {
		t.Error("ProbeActive left the data connection open after EOF")
	}
	if took > promptly {
		t.Errorf("ProbeActive took %s; the 226 was held for the client's close", took.Round(time.Millisecond))
	}
}

// start sends RETR f on d and expects a preliminary reply.
func start(t *testing.T, ctx context.Context, c *Conn, d *DataChannel) *Running {
	t.Helper()
	run, err := c.Start(ctx, d, "RETR f")
	if err != nil || run.Prelim == nil {
		t.Fatalf("Start: %v (final %v)", err, run.Final)
	}
	return run
}

// final reads the completion reply of run.
func final(t *testing.T, ctx context.Context, run *Running) *Reply {
	t.Helper()
	r, err := run.ReadFinal(ctx)
	if err != nil {
		t.Fatalf("ReadFinal: %v", err)
	}
	return r
}

// TestDataEventsInTranscript: the harness's own side of each data
// connection shows in the transcript, one line per event.
func TestDataEventsInTranscript(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		// An upload over PASV.
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if err := s.exchange("STOR up", "150 Ok to send data."); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		if _, err := recvData(dc); err != nil {
			return err
		}
		if err := s.send("226 Transfer complete."); err != nil {
			return err
		}
		// A download over PORT.
		ap, err := s.port()
		if err != nil {
			return err
		}
		if err := s.exchange("RETR f", "150 Opening data connection."); err != nil {
			return err
		}
		if dc, err = s.dial(ap); err != nil {
			return err
		}
		if err := sendData(dc, []byte("abc")); err != nil {
			return err
		}
		if err := s.send("226 Transfer complete."); err != nil {
			return err
		}
		// A download that stalls until the client resets it.
		if ln, err = s.pasv(netip.Addr{}); err != nil {
			return err
		}
		if err := s.exchange("RETR f", "150 Opening data connection."); err != nil {
			return err
		}
		if dc, err = s.accept(ln); err != nil {
			return err
		}
		if _, err := dc.Write([]byte("x")); err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, dc) // until the reset
		if err := s.send("426 Connection closed; transfer aborted."); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))

	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	local := d.conn.LocalAddr()
	if _, err := c.Store(ctx, d, "STOR up", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	d2, err := c.OpenData(ctx, PORT, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(ctx, d2, "RETR f"); err != nil {
		t.Fatal(err)
	}
	d3, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := start(t, ctx, c, d3)
	if dr := run.Drain(ctx, 200*time.Millisecond); !dr.Idle || dr.Bytes != 1 {
		t.Errorf("Drain = %+v, want idle after 1 byte", dr)
	}
	run.Reset()
	if r := final(t, ctx, run); r.Code != 426 {
		t.Errorf("final reply %v", r)
	}

	s := c.T.String()
	for _, want := range []string{
		fmt.Sprintf("c1 # data: dialled %s from %s\n", d.Dialled, local),
		"c1 # data: closed by us after 5 bytes sent\n",
		fmt.Sprintf("c1 # data: listening on %s\n", d2.Listen),
		fmt.Sprintf("c1 # data: accepted from %s on %s\n", d2.Source, d2.Listen),
		"c1 # data: EOF after 3 bytes received; closed by us\n",
		"c1 # data: nothing more for 200ms; read timed out after 1 bytes received\n",
		"c1 # data: reset by us after 1 bytes received\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.Contains(s, "<nil>") || strings.Count(s, "closed by us") != 2 {
		t.Errorf("transcript:\n%s", s)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("transcript:\n%s", s)
	}
}
