package fakeserver

import (
	"bufio"
	"bytes"
	"net"
	"testing"
	"time"
)

// Unit checks of the legal variations, the default data port and some
// hook-based faults of faults_dataconn.go (the self-test matrix in
// cmd/ftpconform proves every fault against its checks).

func init() {
	variationChecks[varPrelim150Always] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		d := c.pasv()
		c.send("NLST")
		c.expectReply(150)
		readAll(t, d)
		c.expectReply(226)
	}
	variationChecks[varActiveConnectFirst] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		accept := c.openData("port")
		c.send("RETR hello.txt")
		c.expectReply(125)
		readAll(t, accept())
		c.expectReply(226)
	}

	variationChecks[varDataOpenLate] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		for _, mode := range []string{"pasv", "port"} {
			accept := c.openData(mode)
			c.send("RETR hello.txt")
			c.expectReply(150)
			prelim := time.Now()
			if got := readAll(t, accept()); !bytes.Equal(got, crlf(fx.text)) {
				t.Errorf("%s: data %q", mode, got)
			}
			if lag := time.Since(prelim); lag < lateOpen/2 {
				t.Errorf("%s: data complete %v after the 150, want about %v", mode, lag, lateOpen)
			}
			c.expectReply(226)
		}
	}

	faultChecks[faultListDataLeftOpen] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		d := c.pasv()
		c.send("LIST")
		c.expectPrelim()
		c.expectReply(226)
		got226 := time.Now()
		readAll(t, d)
		if lag := time.Since(got226); lag < leftOpenFor/2 {
			t.Errorf("LIST data connection closed %v after the 226, want about %v", lag, leftOpenFor)
		}
	}}
	faultChecks[faultActiveDataBeforePrelim] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		accept := c.openData("port")
		c.send("RETR hello.txt")
		data := readAll(t, accept())
		eof := time.Now()
		c.expectReply(150)
		if lag := time.Since(eof); lag < prelimDelay/2 {
			t.Errorf("150 came %v after the data's EOF, want about %v", lag, prelimDelay)
		}
		c.expectReply(226)
		if !bytes.Equal(data, crlf(fx.text)) {
			t.Errorf("data %q", data)
		}
	}}
	faultChecks[faultDefaultPortPhantom] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.send("LIST")
		c.expectReply(125)
		c.expectReply(226)
	}}
}

// TestDefaultDataPort: a transfer without PORT or PASV makes the server
// dial the client's control connection address and port (RFC 959 §3.2).
func TestDefaultDataPort(t *testing.T) {
	srv, fx := startServer(t, nil)
	lc := net.ListenConfig{Control: reuseAddr}
	probe, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	dialer := net.Dialer{Control: reuseAddr, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: u}, Timeout: ioTimeout}
	conn, err := dialer.Dial("tcp", srv.Address().String())
	if err != nil {
		t.Skipf("cannot bind the control connection to port %d: %v", u, err)
	}
	ln, err := lc.Listen(t.Context(), "tcp", conn.LocalAddr().String())
	if err != nil {
		conn.Close()
		t.Skipf("cannot listen on the control connection's port: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	t.Cleanup(func() { conn.Close() })
	c := &tclient{t: t, conn: conn, br: bufio.NewReader(conn)}
	c.expectReply(220)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.send("RETR hello.txt")
	c.expectReply(150)
	d := acceptData(t, ln.(*net.TCPListener))
	if got := readAll(t, d); !bytes.Equal(got, crlf(fx.text)) {
		t.Errorf("data %q", got)
	}
	c.expectReply(226)
}
