package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// sendData writes b on a data connection and closes it.
func sendData(dc net.Conn, b []byte) error {
	if _, err := dc.Write(b); err != nil {
		return fmt.Errorf("writing data: %w", err)
	}
	return dc.Close()
}

// recvData reads a data connection to EOF.
func recvData(dc net.Conn) ([]byte, error) {
	b, err := io.ReadAll(dc)
	if err != nil {
		return b, fmt.Errorf("reading data: %w", err)
	}
	return b, nil
}

func usable(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("%s is not usable here: %v", addr, err)
	}
	ln.Close()
}

func checkTransfer(t *testing.T, tr *Transfer, prelim, final int, data []byte) {
	t.Helper()
	if prelim == 0 && tr.Prelim != nil {
		t.Errorf("Prelim = %v, want none", tr.Prelim)
	}
	if prelim != 0 && (tr.Prelim == nil || tr.Prelim.Code != prelim) {
		t.Errorf("Prelim = %v, want %d", tr.Prelim, prelim)
	}
	if tr.Final == nil || tr.Final.Code != final {
		t.Fatalf("Final = %v, want %d", tr.Final, final)
	}
	if tr.FinalAt.IsZero() {
		t.Error("FinalAt not set")
	}
	if data != nil && !bytes.Equal(tr.Data, data) {
		t.Errorf("received %d bytes, want %d (equal: %v)", len(tr.Data), len(data), bytes.Equal(tr.Data, data))
	}
}

// TestPASVRetrieve: more data than the socket buffers hold without a
// reader (the client's receive window starts at 128 KiB and the sender's
// buffer grows to 4 MiB at most), sent before the 226: the harness must read
// the data while it waits for the reply, or both sides stall.
func TestPASVRetrieve(t *testing.T) {
	t.Parallel()
	data := payload(8 << 20)
	p := startPeer(t, "", func(s *peerSession) error {
		ln, err := s.greetPASV()
		if err != nil {
			return err
		}
		if err := s.exchange("RETR big.bin", "150 Opening BINARY mode data connection for big.bin (8388608 bytes)."); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		return s.deliver(dc, data, "226 Transfer complete.")
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatalf("OpenData: %v", err)
	}
	if d.Mode != PASV || d.Setup == nil || d.Setup.Code != 227 || !d.PASV.Parenthesized {
		t.Errorf("channel %+v", d)
	}
	if d.Advertised != d.Dialled || d.Dialled.Addr() != netip.MustParseAddr("127.0.0.1") || d.PASV.Addr != d.Advertised {
		t.Errorf("advertised %v, dialled %v", d.Advertised, d.Dialled)
	}
	tr, err := c.Retrieve(ctx, d, "RETR big.bin")
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	checkTransfer(t, tr, 150, 226, data)
	if tr.DataErr != nil {
		t.Errorf("DataErr = %v", tr.DataErr)
	}
	if tr.Cmd != "RETR big.bin" || len(tr.Replies()) != 2 {
		t.Errorf("Cmd %q, replies %v", tr.Cmd, tr.Replies())
	}
	// The server closed the data connection before it sent 226, but up to
	// a socket buffer's worth of data may still be unread when the 226 is
	// read: EOF comes at about the 226, a little after it at worst.
	if tr.DataEOF.IsZero() || tr.EOFLag() > 3*time.Second {
		t.Errorf("DataEOF %v, EOFLag %s; want EOF at about the 226", tr.DataEOF, tr.EOFLag())
	}
	if s := c.T.String(); !strings.Contains(s, "data: received 8388608 bytes; EOF") || !strings.Contains(s, "data: dialled ") {
		t.Errorf("transcript:\n%s", s)
	}
}

// TestPASVForeignAddress: a 227 naming another host (a NAT or
// misconfiguration) is never dialled; the harness connects to the control
// peer on the advertised port, and the peer's listener gets the connection.
// With 127.0.0.9 a wrong dial would be refused (nothing listens there), so
// even a regression keeps the test on loopback.
func TestPASVForeignAddress(t *testing.T) {
	t.Parallel()
	for _, foreign := range []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("127.0.0.9")} {
		t.Run(foreign.String(), func(t *testing.T) {
			t.Parallel()
			dataFrom := make(chan netip.AddrPort, 1)
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				ln, err := s.pasv(foreign)
				if err != nil {
					return err
				}
				if err := s.exchange("RETR f", "150 Here it comes."); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				dataFrom <- addrPort(dc.RemoteAddr())
				if err := sendData(dc, []byte("hello\r\n")); err != nil {
					return err
				}
				if err := s.send("226 Done."); err != nil {
					return err
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.ConnectTimeout = 500 * time.Millisecond
			ctx := testCtx(t)
			c := loggedIn(t, ctx, tg)
			d, err := c.OpenData(ctx, PASV, DataOptions{})
			if err != nil {
				t.Fatalf("OpenData: %v", err)
			}
			if d.Advertised.Addr() != foreign {
				t.Errorf("Advertised = %v, want %v", d.Advertised, foreign)
			}
			if want := netip.AddrPortFrom(p.Addr.Addr(), d.Advertised.Port()); d.Dialled != want {
				t.Errorf("Dialled = %v, want the control peer %v", d.Dialled, want)
			}
			tr, err := c.Retrieve(ctx, d, "RETR f")
			if err != nil {
				t.Fatal(err)
			}
			checkTransfer(t, tr, 150, 226, []byte("hello\r\n"))
			if from := recv(t, dataFrom); from.Addr() != c.LocalAddr().Addr() {
				t.Errorf("the peer's data listener got a connection from %v, want %v", from, c.LocalAddr().Addr())
			}
			want := fmt.Sprintf("data: PASV advertises %s; dialling the control peer 127.0.0.1 instead", foreign)
			if s := c.T.String(); !strings.Contains(s, want) {
				t.Errorf("transcript lacks %q:\n%s", want, s)
			}
		})
	}
}

// TestPASVExpectedPublicAddress: the operator's expected passive address is
// dialled as advertised.
func TestPASVExpectedPublicAddress(t *testing.T) {
	t.Parallel()
	usable(t, "127.0.0.2:0")
	public := netip.MustParseAddr("127.0.0.2")
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if _, err := s.expect("PASV"); err != nil {
			return err
		}
		ln, err := s.listen("127.0.0.2:0")
		if err != nil {
			return err
		}
		port := addrPort(ln.Addr()).Port()
		if err := s.send(fmt.Sprintf("227 Entering Passive Mode 127,0,0,2,%d,%d", port>>8, port&0xff)); err != nil {
			return err
		}
		if err := s.exchange("LIST", "150 Here comes the directory listing."); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		if err := sendData(dc, []byte("-rw-r--r-- 1 0 0 5 Jan 1 00:00 a\r\n")); err != nil {
			return err
		}
		if err := s.send("226-Options: -l", "226 1 matches total"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.PasvAddress = public
	ctx := testCtx(t)
	c := loggedIn(t, ctx, tg)
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dialled != d.Advertised || d.Dialled.Addr() != public || d.PASV.Parenthesized {
		t.Errorf("advertised %v dialled %v parenthesized %v", d.Advertised, d.Dialled, d.PASV.Parenthesized)
	}
	tr, err := c.Retrieve(ctx, d, "LIST")
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 150, 226, nil)
	if len(tr.Final.Lines) != 2 || tr.Final.Violations != nil {
		t.Errorf("multi-line 226: %q %v", tr.Final.Lines, tr.Final.Violations)
	}
}

func TestEPSVRetrieve(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			listen := netip.AddrPortFrom(netip.MustParseAddr(host), 0).String()
			usable(t, listen)
			data := payload(100000)
			p := startPeer(t, listen, func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				ln, err := s.epsv()
				if err != nil {
					return err
				}
				if err := s.exchange("MLSD", "125 Data connection already open. Transfer starting."); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				if err := sendData(dc, data); err != nil {
					return err
				}
				if err := s.send("226 Transfer complete."); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			d, err := c.OpenData(ctx, EPSV, DataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Setup.Code != 229 || d.Advertised.Addr() != p.Addr.Addr() || d.Dialled != d.Advertised {
				t.Errorf("setup %v advertised %v dialled %v", d.Setup, d.Advertised, d.Dialled)
			}
			tr, err := c.Retrieve(ctx, d, "MLSD")
			if err != nil {
				t.Fatal(err)
			}
			checkTransfer(t, tr, 125, 226, data)
		})
	}
}

func TestPassiveArg(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if _, err := s.expect("EPSV 1"); err != nil {
			return err
		}
		if err := s.send("229 Entering Extended Passive Mode (!!!6446!)"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, EPSV, DataOptions{Arg: "1", NoDial: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Advertised.Port() != 6446 {
		t.Errorf("Advertised = %v", d.Advertised)
	}
	if _, err := d.Conn(ctx); err == nil || !strings.Contains(err.Error(), "not dialled") {
		t.Errorf("Conn() on an undialled passive channel: %v", err)
	}
}

func TestActiveRetrieve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode DataMode
		host string
	}{
		{PORT, "127.0.0.1"},
		{EPRT, "127.0.0.1"},
		{EPRT, "::1"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %s", tc.mode, tc.host), func(t *testing.T) {
			t.Parallel()
			listen := netip.AddrPortFrom(netip.MustParseAddr(tc.host), 0).String()
			usable(t, listen)
			data := payload(300000)
			named := make(chan netip.AddrPort, 1)
			source := make(chan netip.AddrPort, 1)
			p := startPeer(t, listen, func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				ap, err := s.port()
				if err != nil {
					return err
				}
				named <- ap
				if err := s.exchange("RETR f", "150 Opening data connection."); err != nil {
					return err
				}
				dc, err := s.dial(ap)
				if err != nil {
					return err
				}
				source <- addrPort(dc.LocalAddr())
				if err := sendData(dc, data); err != nil {
					return err
				}
				if err := s.send("226 Transfer complete."); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			d, err := c.OpenData(ctx, tc.mode, DataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Setup.Code != 200 || d.Listen.Addr() != c.LocalAddr().Addr() {
				t.Errorf("setup %v, listening on %v", d.Setup, d.Listen)
			}
			if got := recv(t, named); got != d.Listen {
				t.Errorf("%s named %v, harness listens on %v", tc.mode, got, d.Listen)
			}
			tr, err := c.Retrieve(ctx, d, "RETR f")
			if err != nil {
				t.Fatal(err)
			}
			checkTransfer(t, tr, 150, 226, data)
			src := recv(t, source)
			if tr.Source != src || d.Source != src {
				t.Errorf("Source = %v (channel %v), want the peer's %v", tr.Source, d.Source, src)
			}
			if s := c.T.String(); !strings.Contains(s, fmt.Sprintf("data: accepted from %s on %s", src, d.Listen)) {
				t.Errorf("transcript:\n%s", s)
			}
		})
	}
}

// TestActiveServerDialsAtPORT: like pyftpdlib and ftp-srv, the server
// connects as soon as PORT arrives, before the transfer command.
func TestActiveServerDialsAtPORT(t *testing.T) {
	t.Parallel()
	data := []byte("early bird\r\n")
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		line, err := s.expect("PORT ")
		if err != nil {
			return err
		}
		ap, err := parsePortArg(strings.TrimPrefix(line, "PORT "))
		if err != nil {
			return err
		}
		dc, err := s.dial(ap)
		if err != nil {
			return err
		}
		if err := s.send("200 PORT command successful."); err != nil {
			return err
		}
		if err := s.exchange("RETR f", "150 ok"); err != nil {
			return err
		}
		if err := sendData(dc, data); err != nil {
			return err
		}
		if err := s.send("226 ok"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PORT, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Retrieve(ctx, d, "RETR f")
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 150, 226, data)
	if !tr.Source.IsValid() {
		t.Error("Source not recorded")
	}
}

func TestActiveRejected(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if err := s.exchange("PORT ", "500 Illegal PORT command."); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PORT, DataOptions{})
	var re *ReplyError
	if !errors.As(err, &re) || re.Code() != 500 {
		t.Fatalf("OpenData: %v, want a *ReplyError with 500", err)
	}
	if d == nil || d.Setup == nil || d.Setup.Code != 500 {
		t.Fatalf("channel %+v", d)
	}
	// The listener is closed: nothing accepts on it any more.
	conn, err := net.DialTimeout("tcp", d.Listen.String(), 2*time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("the active listener %v still accepts after the 500", d.Listen)
	} else if ClassifyDialError(err) != DialRefused {
		t.Errorf("dial to the closed listener: %v", err)
	}
	if _, err := d.Conn(ctx); err == nil {
		t.Error("Conn() on a closed channel succeeded")
	}
	d.Close() // idempotent
	var nilD *DataChannel
	nilD.Close()
}

func TestActiveRange(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := int(addrPort(busy.Addr()).Port())
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.ActiveRange = PortRange{port, port}
	ctx := testCtx(t)
	c := loggedIn(t, ctx, tg)
	d, err := c.OpenData(ctx, EPRT, DataOptions{})
	if err == nil {
		d.Close()
		t.Fatal("listened in a range whose only port is taken")
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("no free port in %d-%d", port, port)) {
		t.Errorf("error %v", err)
	}
}

func TestPassiveDialRefused(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if err := s.exchange("PASV", fmt.Sprintf("227 Entering Passive Mode (127,0,0,1,%d,%d).", closed.Port()>>8, closed.Port()&0xff)); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	var de *DialError
	if !errors.As(err, &de) || de.Kind != DialRefused {
		t.Fatalf("OpenData: %v, want a refused *DialError", err)
	}
	if d == nil || d.Advertised != closed {
		t.Errorf("channel %+v, want Advertised %v", d, closed)
	}
	if s := c.T.String(); !strings.Contains(s, "refused (nothing is listening on that port)") {
		t.Errorf("transcript:\n%s", s)
	}
}

func TestPassiveBadReplies(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if err := s.exchange("PASV", "227 Entering Passive Mode"); err != nil {
			return err
		}
		if err := s.exchange("EPSV", "229 Entering Extended Passive Mode (|1||6446|)"); err != nil {
			return err
		}
		if err := s.exchange("PASV", "425 Use EPSV"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err == nil || d == nil || d.Setup.Code != 227 {
		t.Errorf("227 without numbers: %v, %+v", err, d)
	}
	d, err = c.OpenData(ctx, EPSV, DataOptions{})
	if err == nil || d == nil || d.Setup.Code != 229 {
		t.Errorf("bad 229: %v, %+v", err, d)
	}
	d, err = c.OpenData(ctx, PASV, DataOptions{})
	var re *ReplyError
	if !errors.As(err, &re) || re.Code() != 425 || d != nil {
		t.Errorf("425: %v, %+v", err, d)
	}
	if err.Error() != `PASV: expected one of 227; got 425 "Use EPSV"` {
		t.Errorf("425: %v", err)
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	for _, mode := range []DataMode{PASV, EPRT} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			data := payload(2 << 20)
			got := make(chan []byte, 1)
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				var dc net.Conn
				if mode == PASV {
					ln, err := s.pasv(netip.Addr{})
					if err != nil {
						return err
					}
					if err := s.exchange("STOR up.bin", "150 Ok to send data."); err != nil {
						return err
					}
					if dc, err = s.accept(ln); err != nil {
						return err
					}
				} else {
					ap, err := s.port()
					if err != nil {
						return err
					}
					if err := s.exchange("STOR up.bin", "150 Ok to send data."); err != nil {
						return err
					}
					if dc, err = s.dial(ap); err != nil {
						return err
					}
				}
				b, err := recvData(dc)
				got <- b
				if err != nil {
					return err
				}
				if err := s.send(fmt.Sprintf("226 Received %d bytes.", len(b))); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			d, err := c.OpenData(ctx, mode, DataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tr, err := c.Store(ctx, d, "STOR up.bin", data)
			if err != nil {
				t.Fatalf("Store: %v", err)
			}
			checkTransfer(t, tr, 150, 226, nil)
			if tr.Sent != len(data) || tr.DataErr != nil {
				t.Errorf("Sent %d of %d, DataErr %v", tr.Sent, len(data), tr.DataErr)
			}
			if want := fmt.Sprintf("Received %d bytes.", len(data)); tr.Final.Text() != want {
				t.Errorf("final %v", tr.Final)
			}
			if b := recv(t, got); !bytes.Equal(b, data) {
				t.Errorf("peer received %d bytes, want exactly the %d sent", len(b), len(data))
			}
			if mode == EPRT && !tr.Source.IsValid() {
				t.Error("Source not recorded")
			}
		})
	}
}

// TestTransferRefusedPromptly: when the first reply to a transfer command
// is final and negative, no data is due and the harness must not wait for
// a data timeout.
func TestTransferRefusedPromptly(t *testing.T) {
	t.Parallel()
	for _, mode := range []DataMode{PASV, EPSV, PORT} {
		for _, verb := range []string{"RETR", "STOR"} {
			t.Run(string(mode)+" "+verb, func(t *testing.T) {
				t.Parallel()
				p := startPeer(t, "", func(s *peerSession) error {
					if err := s.greetLogin(); err != nil {
						return err
					}
					var err error
					switch mode {
					case PASV:
						_, err = s.pasv(netip.Addr{}) // never accepts
					case EPSV:
						_, err = s.epsv()
					case PORT:
						_, err = s.port() // never dials
					}
					if err != nil {
						return err
					}
					if err := s.exchange(verb+" missing.txt", "550 Failed to open file."); err != nil {
						return err
					}
					return s.untilClosed()
				})
				tg := peerTarget(p)
				tg.DataTimeout = 10 * time.Second
				tg.ReplyTimeout = 10 * time.Second
				ctx := testCtx(t)
				c := loggedIn(t, ctx, tg)
				d, err := c.OpenData(ctx, mode, DataOptions{})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				var tr *Transfer
				if verb == "RETR" {
					tr, err = c.Retrieve(ctx, d, verb+" missing.txt")
				} else {
					tr, err = c.Store(ctx, d, verb+" missing.txt", []byte("x"))
				}
				el := time.Since(start)
				if err != nil {
					t.Fatal(err)
				}
				checkTransfer(t, tr, 0, 550, nil)
				if len(tr.Data) != 0 || tr.Sent != 0 {
					t.Errorf("data %q, sent %d", tr.Data, tr.Sent)
				}
				if el > time.Second {
					t.Errorf("took %s after a 550", el)
				}
			})
		}
	}
}

// TestActivePrelimThenFailure: after "150" the server reports that it
// could not connect ("425"); it will never connect now, so waiting the
// whole data timeout for it only slows the check down.
func TestActivePrelimThenFailure(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		if _, err := s.port(); err != nil {
			return err
		}
		if err := s.exchange("RETR f", "150 Opening data connection.", "425 Unable to build data connection: Connection refused"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.DataTimeout = 3 * time.Second
	ctx := testCtx(t)
	c := loggedIn(t, ctx, tg)
	d, err := c.OpenData(ctx, PORT, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tr, err := c.Retrieve(ctx, d, "RETR f")
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 150, 425, nil)
	if limit := tg.CloseGrace + time.Second; el > limit {
		t.Errorf("Retrieve took %s after the final 425 (DataTimeout %s); want at most CloseGrace+1s = %s", el, tg.DataTimeout, limit)
	}
}

// TestRetrieveNoPreliminary: a server that answers 226 at once (no 150) is
// judged by the checks; the harness still reads the data connection.
func TestRetrieveNoPreliminary(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if _, err := s.expect("NLST"); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		if err := sendData(dc, []byte("a\r\nb\r\n")); err != nil {
			return err
		}
		if err := s.send("226 Done"); err != nil {
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
	tr, err := c.Retrieve(ctx, d, "NLST")
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 0, 226, []byte("a\r\nb\r\n"))
}

// Test226BeforeDataComplete: the server sends 226 while data is still to
// come and closes the data connection later; EOFLag measures the delay.
func Test226BeforeDataComplete(t *testing.T) {
	t.Parallel()
	const delay = 400 * time.Millisecond
	data := payload(64 << 10)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if err := s.exchange("RETR f", "150 Opening."); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		if _, err := dc.Write(data[:len(data)/2]); err != nil {
			return err
		}
		if err := s.send("226 Transfer complete."); err != nil {
			return err
		}
		<-time.After(delay) // the behaviour under test: a late close
		return errors.Join(sendData(dc, data[len(data)/2:]), s.untilClosed())
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Retrieve(ctx, d, "RETR f")
	if err != nil {
		t.Fatal(err)
	}
	checkTransfer(t, tr, 150, 226, data)
	if lag := tr.EOFLag(); lag < delay/2 || lag > delay+2*time.Second {
		t.Errorf("EOFLag = %s, want about %s", lag, delay)
	}
	if s := c.T.String(); !strings.Contains(s, "ms after the completion reply") {
		t.Errorf("transcript:\n%s", s)
	}
}

func TestEOFLag(t *testing.T) {
	now := time.Now()
	tests := []struct {
		tr   Transfer
		want time.Duration
	}{
		{Transfer{}, 0},
		{Transfer{FinalAt: now}, 0},
		{Transfer{DataEOF: now}, 0},
		{Transfer{FinalAt: now, DataEOF: now.Add(300 * time.Millisecond)}, 300 * time.Millisecond},
		{Transfer{FinalAt: now, DataEOF: now.Add(-5 * time.Millisecond)}, -5 * time.Millisecond},
	}
	for i, tc := range tests {
		if g := tc.tr.EOFLag(); g != tc.want {
			t.Errorf("%d: EOFLag = %s, want %s", i, g, tc.want)
		}
	}
	if lagWords(-time.Millisecond) != "before" || lagWords(0) != "before" || lagWords(1234*time.Microsecond) != "1ms after" {
		t.Error("lagWords")
	}
}

func TestDataModePassive(t *testing.T) {
	if !PASV.Passive() || !EPSV.Passive() || PORT.Passive() || EPRT.Passive() {
		t.Error("Passive() wrong")
	}
}

// TestActiveServerNeverConnects: the transfer is judged from what was
// observed; the missing connection is reported in DataErr after the data
// timeout, and the completion reply is still read.
func TestActiveServerNeverConnects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		verb    string
		replies []string
		final   int
	}{
		{"RETR", []string{"150 Opening.", "226 Transfer complete."}, 226},
		{"STOR", []string{"150 Ok to send data.", "425 Can't open data connection."}, 425},
	}
	for _, tc := range tests {
		t.Run(tc.verb, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.greetLogin(); err != nil {
					return err
				}
				if _, err := s.port(); err != nil {
					return err
				}
				if err := s.exchange(tc.verb+" f", tc.replies...); err != nil {
					return err
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.DataTimeout = 300 * time.Millisecond
			ctx := testCtx(t)
			c := loggedIn(t, ctx, tg)
			d, err := c.OpenData(ctx, EPRT, DataOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var tr *Transfer
			if tc.verb == "RETR" {
				tr, err = c.Retrieve(ctx, d, "RETR f")
			} else {
				tr, err = c.Store(ctx, d, "STOR f", []byte("data"))
			}
			if err != nil {
				t.Fatal(err)
			}
			checkTransfer(t, tr, 150, tc.final, nil)
			if tr.DataErr == nil || !strings.Contains(tr.DataErr.Error(), "the server never connected to "+d.Listen.String()) {
				t.Errorf("DataErr = %v", tr.DataErr)
			}
			if tr.Source.IsValid() || len(tr.Data) != 0 || tr.Sent != 0 {
				t.Errorf("source %v, data %q, sent %d", tr.Source, tr.Data, tr.Sent)
			}
		})
	}
}
