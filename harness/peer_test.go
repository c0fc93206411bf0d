package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// peerIOTimeout bounds every read, write, accept and dial the scripted
// peer makes, so a broken test fails instead of hanging.
const peerIOTimeout = 10 * time.Second

const testPassword = "s3cret-Pw!"

// ftpPeer is a scripted FTP server for exactly one control connection,
// in the spirit of net/http/httptest: the script reads commands and writes
// canned replies, and may open data listeners or dial back.
type ftpPeer struct {
	Addr netip.AddrPort
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	conns []io.Closer // closed in Cleanup so a blocked script returns
}

// peerSession is the script's view of the control connection.
type peerSession struct {
	p  *ftpPeer
	c  net.Conn
	br *bufio.Reader
}

// startPeer listens on addr ("127.0.0.1:0" if empty) and runs script on
// the first connection. A script error fails the test.
func startPeer(t *testing.T, addr string, script func(s *peerSession) error) *ftpPeer {
	t.Helper()
	return startPeers(t, addr, 1, script)
}

// startPeers is startPeer for n connections, each with its own run of
// script, concurrently (for code that opens several sessions at once).
func startPeers(t *testing.T, addr string, n int, script func(s *peerSession) error) *ftpPeer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("peer listen: %v", err)
	}
	p := &ftpPeer{Addr: addrPort(ln.Addr()), ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer p.closeAll()
		_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(peerIOTimeout))
		var wg sync.WaitGroup
		defer wg.Wait()
		for range n {
			c, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("ftp peer: accept: %v", err)
				}
				break
			}
			p.track(c)
			wg.Go(func() {
				s := &peerSession{p: p, c: c, br: bufio.NewReader(c)}
				if err := script(s); err != nil {
					t.Errorf("ftp peer: %v", err)
				}
				c.Close()
			})
		}
		ln.Close()
	}()
	t.Cleanup(func() {
		ln.Close()
		p.closeAll()
		<-p.done
	})
	return p
}

func (p *ftpPeer) track(c io.Closer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
}

func (p *ftpPeer) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// read returns the next command line without its CRLF.
func (s *peerSession) read() (string, error) {
	_ = s.c.SetReadDeadline(time.Now().Add(peerIOTimeout))
	line, err := s.br.ReadString('\n')
	if err != nil {
		return line, err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return line, fmt.Errorf("command %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

// expect reads a command and checks that it starts with prefix.
func (s *peerSession) expect(prefix string) (string, error) {
	line, err := s.read()
	if err != nil {
		return "", fmt.Errorf("waiting for %q: %w", prefix, err)
	}
	if !strings.HasPrefix(line, prefix) {
		return line, fmt.Errorf("got command %q, want %q", line, prefix)
	}
	return line, nil
}

// send writes reply lines, each followed by CRLF, in one write.
func (s *peerSession) send(lines ...string) error {
	return s.raw(strings.Join(lines, "\r\n") + "\r\n")
}

func (s *peerSession) raw(b string) error {
	_ = s.c.SetWriteDeadline(time.Now().Add(peerIOTimeout))
	_, err := io.WriteString(s.c, b)
	return err
}

// exchange expects a command and answers it.
func (s *peerSession) exchange(prefix string, reply ...string) error {
	if _, err := s.expect(prefix); err != nil {
		return err
	}
	return s.send(reply...)
}

// untilClosed reads and discards until the client closes the connection
// (or the test ends).
func (s *peerSession) untilClosed() error {
	_ = s.c.SetReadDeadline(time.Now().Add(peerIOTimeout))
	_, err := io.Copy(io.Discard, s.br)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("waiting for the client to close: %w", err)
	}
	return nil
}

// greetLogin sends 220 and answers USER/PASS with 331/230.
func (s *peerSession) greetLogin() error {
	if err := s.send("220 scripted peer ready"); err != nil {
		return err
	}
	if err := s.exchange("USER conform", "331 Password required"); err != nil {
		return err
	}
	return s.exchange("PASS "+testPassword, "230 Logged in")
}

// greetPASV greets, logs the client in and answers its PASV.
func (s *peerSession) greetPASV() (net.Listener, error) {
	if err := s.greetLogin(); err != nil {
		return nil, err
	}
	return s.pasv(netip.Addr{})
}

// deliver sends data on the data connection dc and closes it, then sends
// the reply lines (the completion) and waits for the client to close.
func (s *peerSession) deliver(dc net.Conn, data []byte, replies ...string) error {
	if _, err := dc.Write(data); err != nil {
		return fmt.Errorf("writing data: %w", err)
	}
	if err := dc.Close(); err != nil {
		return err
	}
	if err := s.send(replies...); err != nil {
		return err
	}
	return s.untilClosed()
}

// listen opens a data listener on addr (host:0).
func (s *peerSession) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.p.track(ln)
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(peerIOTimeout))
	return ln, nil
}

// accept takes the client's data connection.
func (s *peerSession) accept(ln net.Listener) (net.Conn, error) {
	c, err := ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("accepting the data connection: %w", err)
	}
	s.p.track(c)
	_ = c.SetDeadline(time.Now().Add(peerIOTimeout))
	return c, nil
}

// dial connects to the client's active-mode listener from 127.0.0.1.
func (s *peerSession) dial(to netip.AddrPort) (net.Conn, error) {
	d := net.Dialer{Timeout: peerIOTimeout}
	c, err := d.Dial("tcp", to.String())
	if err != nil {
		return nil, fmt.Errorf("dialling back to %s: %w", to, err)
	}
	s.p.track(c)
	_ = c.SetDeadline(time.Now().Add(peerIOTimeout))
	return c, nil
}

// pasv answers PASV with a fresh listener on 127.0.0.1, advertising adv
// (the listener's own address if adv is invalid).
func (s *peerSession) pasv(adv netip.Addr) (net.Listener, error) {
	if _, err := s.expect("PASV"); err != nil {
		return nil, err
	}
	ln, err := s.listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ap := addrPort(ln.Addr())
	if !adv.IsValid() {
		adv = ap.Addr()
	}
	b := adv.As4()
	return ln, s.send(fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", b[0], b[1], b[2], b[3], ap.Port()>>8, ap.Port()&0xff))
}

// epsv answers EPSV with a fresh listener on the control connection's
// local address.
func (s *peerSession) epsv() (net.Listener, error) {
	if _, err := s.expect("EPSV"); err != nil {
		return nil, err
	}
	host := addrPort(s.c.LocalAddr()).Addr()
	ln, err := s.listen(netip.AddrPortFrom(host, 0).String())
	if err != nil {
		return nil, err
	}
	return ln, s.send(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", addrPort(ln.Addr()).Port()))
}

// port answers PORT or EPRT with 200 and returns the address it names,
// parsed independently of the code under test.
func (s *peerSession) port() (netip.AddrPort, error) {
	line, err := s.read()
	if err != nil {
		return netip.AddrPort{}, err
	}
	verb, arg, _ := strings.Cut(line, " ")
	var ap netip.AddrPort
	switch verb {
	case "PORT":
		ap, err = parsePortArg(arg)
	case "EPRT":
		ap, err = parseEprtArg(arg)
	default:
		err = fmt.Errorf("got %q, want PORT or EPRT", line)
	}
	if err != nil {
		_ = s.send("501 Bad argument")
		return ap, err
	}
	return ap, s.send("200 " + verb + " command successful.")
}

func parsePortArg(arg string) (netip.AddrPort, error) {
	f := strings.Split(arg, ",")
	if len(f) != 6 {
		return netip.AddrPort{}, fmt.Errorf("PORT %q: want six numbers", arg)
	}
	var n [6]byte
	for i, s := range f {
		v, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("PORT %q: %v", arg, err)
		}
		n[i] = byte(v)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{n[0], n[1], n[2], n[3]}), uint16(n[4])<<8|uint16(n[5])), nil
}

func parseEprtArg(arg string) (netip.AddrPort, error) {
	if len(arg) < 2 {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q too short", arg)
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: want <d>proto<d>addr<d>port<d>", arg)
	}
	a, err := netip.ParseAddr(f[2])
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: %v", arg, err)
	}
	if (f[1] == "1") != a.Is4() || (f[1] != "1" && f[1] != "2") {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: protocol %s does not match the address", arg, f[1])
	}
	p, err := strconv.ParseUint(f[3], 10, 16)
	if err != nil || p == 0 {
		return netip.AddrPort{}, fmt.Errorf("EPRT %q: bad port", arg)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// peerTarget is a Target for p with short timeouts.
func peerTarget(p *ftpPeer) Target {
	return Target{
		Host:           p.Addr.Addr().String(),
		Port:           int(p.Addr.Port()),
		User:           "conform",
		Password:       testPassword,
		ReplyTimeout:   5 * time.Second,
		ConnectTimeout: 2 * time.Second,
		DataTimeout:    5 * time.Second,
		CloseGrace:     500 * time.Millisecond,
		Settle:         testSettle,
	}
}

// testCtx bounds a test's network calls.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connect dials the peer, reads the greeting and registers Close.
func connect(t *testing.T, ctx context.Context, tg Target) *Conn {
	t.Helper()
	c, _, err := ConnectClear(ctx, tg, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// loggedIn connects and logs in.
func loggedIn(t *testing.T, ctx context.Context, tg Target) *Conn {
	t.Helper()
	c := connect(t, ctx, tg)
	if err := c.Login(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c
}

// openData sets up a data channel in mode, failing the test if it cannot.
func openData(t *testing.T, ctx context.Context, c *Conn, mode DataMode) *DataChannel {
	t.Helper()
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		t.Fatalf("%s: %v", mode, err)
	}
	return d
}

// recv takes a value the peer reports, failing instead of hanging when the
// peer never gets that far.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(peerIOTimeout):
		t.Fatal("the scripted peer never reported")
		panic("unreachable")
	}
}

// payload returns n deterministic, non-repeating-looking bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
