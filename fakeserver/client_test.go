package fakeserver

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A small raw FTP client for the tests. Every read has a deadline.

const (
	testPassword = "secret"
	ioTimeout    = 5 * time.Second
)

type tclient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

type treply struct {
	code  int
	lines []string // without line ends
}

func (r treply) text() string { return strings.Join(r.lines, "\n") }

func (r treply) String() string { return strings.Join(r.lines, " | ") }

// fixture describes the files startServer puts into the root.
type fixture struct {
	root string
	bin  []byte // content of bin.dat
	text []byte // content of hello.txt
}

// startServer starts a server on a fresh root with hello.txt, bin.dat and
// sub/a.txt; configure may adjust it before Start.
func startServer(t testing.TB, configure func(*Server)) (*Server, *fixture) {
	t.Helper()
	fx := &fixture{root: t.TempDir(), text: []byte("hello\nworld\n\nlast line without end")}
	fx.bin = make([]byte, 100*1024+7)
	rand.Read(fx.bin)
	mustWrite(t, filepath.Join(fx.root, "hello.txt"), fx.text)
	mustWrite(t, filepath.Join(fx.root, "bin.dat"), fx.bin)
	if err := os.Mkdir(filepath.Join(fx.root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(fx.root, "sub", "a.txt"), []byte("a\n"))
	srv := New(fx.root, testPassword)
	srv.Logf = func(format string, args ...any) { t.Logf(format, args...) }
	if configure != nil {
		configure(srv)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv, fx
}

func mustWrite(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func dialServer(t testing.TB, srv *Server) *tclient {
	t.Helper()
	return dialFrom(t, srv, nil)
}

func dialFrom(t testing.TB, srv *Server, local net.IP) *tclient {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	c, err := d.Dial("tcp", srv.Address().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &tclient{t: t, conn: c, br: bufio.NewReader(c)}
}

// connect dials and reads the greeting, which must be 220.
func connect(t testing.TB, srv *Server) *tclient {
	t.Helper()
	c := dialServer(t, srv)
	c.expectReply(220)
	return c
}

// login connects and logs in.
func login(t testing.TB, srv *Server) *tclient {
	t.Helper()
	c := connect(t, srv)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	return c
}

func (c *tclient) send(line string) {
	c.t.Helper()
	c.sendRaw([]byte(line + "\r\n"))
}

func (c *tclient) sendRaw(b []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// rawLine reads one line including its end.
func (c *tclient) rawLine() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	return c.br.ReadString('\n')
}

// line reads one CRLF-terminated line and fails on anything else.
func (c *tclient) line() string {
	c.t.Helper()
	l, err := c.rawLine()
	if err != nil {
		c.t.Fatalf("read: %v (partial %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		c.t.Fatalf("line %q does not end with CRLF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

var replyStart = regexp.MustCompile(`^([1-5]\d\d)([ -])`)

// reply reads one complete reply (RFC 959 §4.2).
func (c *tclient) reply() treply {
	c.t.Helper()
	first := c.line()
	m := replyStart.FindStringSubmatch(first)
	if m == nil {
		c.t.Fatalf("malformed reply line %q", first)
	}
	code, _ := strconv.Atoi(m[1])
	r := treply{code: code, lines: []string{first}}
	if m[2] == " " {
		return r
	}
	for {
		l := c.line()
		r.lines = append(r.lines, l)
		if strings.HasPrefix(l, m[1]+" ") {
			return r
		}
	}
}

func (c *tclient) expectReply(code int) treply {
	c.t.Helper()
	r := c.reply()
	if r.code != code {
		c.t.Fatalf("got %v, want %d", r, code)
	}
	return r
}

// expectPrelim reads a preliminary reply of a transfer: 125 or 150 (which
// one depends on whether the server has accepted the passive connection
// yet).
func (c *tclient) expectPrelim() treply {
	c.t.Helper()
	r := c.reply()
	if r.code != 125 && r.code != 150 {
		c.t.Fatalf("got %v, want 125 or 150", r)
	}
	return r
}

func (c *tclient) cmd(line string) treply {
	c.t.Helper()
	c.send(line)
	return c.reply()
}

func (c *tclient) expect(line string, code int) treply {
	c.t.Helper()
	c.send(line)
	r := c.reply()
	if r.code != code {
		c.t.Fatalf("%s: got %v, want %d", line, r, code)
	}
	return r
}

// expectEOF checks that the server closed the control connection without
// sending anything more.
func (c *tclient) expectEOF() {
	c.t.Helper()
	l, err := c.rawLine()
	if err == nil || l != "" {
		c.t.Fatalf("want EOF, got %q, %v", l, err)
	}
	if !errors.Is(err, io.EOF) && !isReset(err) {
		c.t.Fatalf("want EOF, got %v", err)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

var pasvNumbers = regexp.MustCompile(`(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)`)

// parse227 extracts address and port from a PASV reply.
func parse227(t testing.TB, r treply) (net.IP, int) {
	t.Helper()
	m := pasvNumbers.FindStringSubmatch(r.lines[0])
	if r.code != 227 || m == nil {
		t.Fatalf("bad PASV reply %v", r)
	}
	var n [6]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return net.IPv4(byte(n[0]), byte(n[1]), byte(n[2]), byte(n[3])), n[4]<<8 | n[5]
}

var epsvPort = regexp.MustCompile(`\(([!-~])([!-~])([!-~])(\d+)([!-~])\)`)

func parse229(t testing.TB, r treply) int {
	t.Helper()
	m := epsvPort.FindStringSubmatch(r.lines[0])
	if r.code != 229 || m == nil || m[1] != m[2] || m[2] != m[3] || m[3] != m[5] {
		t.Fatalf("bad EPSV reply %v", r)
	}
	p, _ := strconv.Atoi(m[4])
	return p
}

// serverHost is the address of the control connection's server side.
func (c *tclient) serverHost() string {
	h, _, _ := net.SplitHostPort(c.conn.RemoteAddr().String())
	return h
}

func dialData(t testing.TB, host string, port int) net.Conn {
	t.Helper()
	d, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), ioTimeout)
	if err != nil {
		t.Fatalf("data dial: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// pasv sends PASV and connects to the advertised port on the server's
// control address.
func (c *tclient) pasv() net.Conn {
	c.t.Helper()
	_, port := parse227(c.t, c.expect("PASV", 227))
	return dialData(c.t, c.serverHost(), port)
}

func (c *tclient) epsv() net.Conn {
	c.t.Helper()
	return dialData(c.t, c.serverHost(), parse229(c.t, c.expect("EPSV", 229)))
}

// openData opens a data connection the named way: "pasv", "epsv", "port"
// or "eprt". For the active ways it returns a function that accepts the
// server's connection after the transfer command has been sent.
func (c *tclient) openData(mode string) func() net.Conn {
	c.t.Helper()
	switch mode {
	case "pasv":
		d := c.pasv()
		return func() net.Conn { return d }
	case "epsv":
		d := c.epsv()
		return func() net.Conn { return d }
	}
	ln := c.listenActive()
	a := ln.Addr().(*net.TCPAddr)
	if mode == "port" {
		ip := a.IP.To4()
		c.expect(fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d", ip[0], ip[1], ip[2], ip[3], a.Port>>8, a.Port&255), 200)
	} else {
		proto := 1
		if a.IP.To4() == nil {
			proto = 2
		}
		c.expect(fmt.Sprintf("EPRT |%d|%s|%d|", proto, a.IP, a.Port), 200)
	}
	return func() net.Conn { return acceptData(c.t, ln) }
}

// listenActive listens on the client's control address for an active data
// connection.
func (c *tclient) listenActive() *net.TCPListener {
	c.t.Helper()
	local := c.conn.LocalAddr().(*net.TCPAddr)
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: local.IP})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { ln.Close() })
	return ln
}

func acceptData(t testing.TB, ln *net.TCPListener) net.Conn {
	t.Helper()
	ln.SetDeadline(time.Now().Add(ioTimeout))
	d, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept data: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// readAll reads a data connection to EOF.
func readAll(t testing.TB, d net.Conn) []byte {
	t.Helper()
	d.SetReadDeadline(time.Now().Add(ioTimeout))
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("data read: %v", err)
	}
	return b
}

// retrieve runs a download command ("RETR x", "LIST") over the named data
// mode and returns the data. The pre commands (REST) are sent right before
// it, after the data connection has been arranged.
func (c *tclient) retrieve(mode, command string, pre ...string) []byte {
	c.t.Helper()
	accept := c.openData(mode)
	c.sendPre(pre)
	c.send(command)
	if r := c.reply(); r.code != 150 && r.code != 125 {
		c.t.Fatalf("%s: got %v, want 125 or 150", command, r)
	}
	data := readAll(c.t, accept())
	c.expectReply(226)
	return data
}

// store runs an upload command ("STOR x") and returns the preliminary reply.
func (c *tclient) store(mode, command string, data []byte, pre ...string) treply {
	c.t.Helper()
	accept := c.openData(mode)
	c.sendPre(pre)
	c.send(command)
	prelim := c.reply()
	if prelim.code != 150 && prelim.code != 125 {
		c.t.Fatalf("%s: got %v, want 125 or 150", command, prelim)
	}
	d := accept()
	d.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := d.Write(data); err != nil {
		c.t.Fatalf("data write: %v", err)
	}
	d.Close()
	c.expectReply(226)
	return prelim
}

func (c *tclient) sendPre(pre []string) {
	c.t.Helper()
	for _, p := range pre {
		if r := c.cmd(p); r.code >= 400 {
			c.t.Fatalf("%s: %v", p, r)
		}
	}
}

func (fx *fixture) read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fx.root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }
