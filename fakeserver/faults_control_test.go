package fakeserver

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Unit checks of the legal variations and of the hook-based faults of
// faults_control.go (the self-test matrix in cmd/ftpconform proves every
// fault against its checks).

// longCommand is a NOOP line longer than the default line limit.
func longCommand() string { return "NOOP " + strings.Repeat("A", DefaultMaxLineLength+100) }

// rawBytes reads exactly n bytes.
func (c *tclient) rawBytes(n int) []byte {
	c.t.Helper()
	b := make([]byte, n)
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.ReadFull(c.br, b); err != nil {
		c.t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

func init() {
	variationChecks[varLongLine421] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect(longCommand(), 421)
		c.expectEOF()
	}
	variationChecks[varAllMultiline] = func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if r := c.expect("NOOP", 200); len(r.lines) != 2 || r.lines[0] != "200-OK" || r.lines[1] != "200 OK" {
			t.Errorf("NOOP: %q", r.lines)
		}
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		if r := c.expect("SIZE bin.dat", 213); len(r.lines) != 1 {
			t.Errorf("SIZE must stay single-line: %q", r.lines)
		}
	}
	variationChecks[varTelnetSilent] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("\xff\xfb\x01NOOP\r\n"))
		if l := c.line(); l != "200 OK" {
			t.Errorf("IAC WILL ECHO NOOP: %q (no Telnet answer expected)", l)
		}
	}

	faultChecks[faultReadBoundary] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("NOOP"))
		c.expectReply(200)
		c.sendRaw([]byte("NO"))
		c.expectReply(500)
	}}
	faultChecks[faultEagerNoop] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("NOOP"))
		c.expectReply(200)
		c.sendRaw([]byte("\r\nNO"))
		c.sendRaw([]byte("OP\r\n"))
		c.expectReply(200)
		c.expect("SYST", 215)
	}}
	faultChecks[faultPipelinedDropped] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("NOOP\r\nSYST\r\n"))
		c.expectReply(200)
		c.expect("PWD", 257)
	}}
	faultChecks[faultTelnetKept] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("\xff\xf1NOOP\r\n"))
		c.expectReply(500)
	}}
	faultChecks[faultTelnetEcho] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.sendRaw([]byte("\xff\xfb\x01NOOP\r\n"))
		if b := string(c.rawBytes(3)); b != "\xff\xfb\x01" {
			t.Errorf("answer to IAC WILL ECHO: %q", b)
		}
		c.expectReply(200)
	}}
	faultChecks[faultLongLineSilent] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.send(longCommand())
		c.expect("NOOP", 200)
	}}
	faultChecks[faultLongLine421Open] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect(longCommand(), 421)
		c.expect("NOOP", 200)
	}}
	faultChecks[faultGreetingAfterCommand] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		connect(t, srv).expect("NOOP", 200) // same address: greeted at once
		c := dialFrom(t, srv, net.IPv4(127, 0, 0, 2))
		c.send("NOOP")
		c.expectReply(220)
		c.expectReply(200)
	}}
}
