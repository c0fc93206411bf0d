package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestServerGone(t *testing.T) {
	reset := &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		name string
		err  error
		want GoneReason
		ok   bool
	}{
		{"nil", nil, "", false},
		{"refused", &DialError{Addr: "h:21", Kind: DialRefused, Err: syscall.ECONNREFUSED}, GoneRefused, true},
		{"reset while connecting", &DialError{Addr: "h:21", Kind: DialOther, Err: reset}, GoneReset, true},
		{"connect timeout", &DialError{Addr: "h:21", Kind: DialTimeout, Err: os.ErrDeadlineExceeded}, "", false},
		{"unreachable", &DialError{Addr: "h:21", Kind: DialUnreachable, Err: syscall.EHOSTUNREACH}, "", false},
		{"closed before the greeting", &ProtocolError{Msg: "connection closed by the server", Err: io.EOF}, GoneNoGreeting, true},
		{"reset before the greeting", &ProtocolError{Msg: "reading", Err: reset}, GoneReset, true},
		{"silent", &ProtocolError{Msg: "no reply", Err: os.ErrDeadlineExceeded}, GoneSilent, true},
		{"wrapped", fmt.Errorf("session 3: connecting: %w", &ProtocolError{Msg: "closed", Err: io.EOF}), GoneNoGreeting, true},
		{"cancelled", &ProtocolError{Msg: "interrupted", Err: context.Canceled}, "", false},
		{"malformed greeting", &ProtocolError{Msg: "not a reply"}, "", false},
		{"421 greeting", &ReplyError{Reply: &Reply{Code: 421}}, "", false},
		{"other", errors.New("x"), "", false},
	}
	for _, tc := range tests {
		if got, ok := ServerGone(tc.err); got != tc.want || ok != tc.ok {
			t.Errorf("%s: ServerGone = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestServerGoneLoopback classifies what Connect really returns.
func TestServerGoneLoopback(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	tg := Target{User: "u", ReplyTimeout: 300 * time.Millisecond, ConnectTimeout: time.Second}

	dead := closedPort(t)
	tg.Host, tg.Port = dead.Addr().String(), int(dead.Port())
	_, _, err := Connect(ctx, tg, nil)
	if r, ok := ServerGone(err); !ok || r != GoneRefused {
		t.Errorf("closed port: %v: %q, %v", err, r, ok)
	}

	for _, tc := range []struct {
		name  string
		serve func(net.Conn)
		want  GoneReason
	}{
		{"closes at once", func(c net.Conn) { c.Close() }, GoneNoGreeting},
		{"resets at once", func(c net.Conn) { _ = c.(*net.TCPConn).SetLinger(0); c.Close() }, GoneReset},
		{"says nothing", func(c net.Conn) { _, _ = io.Copy(io.Discard, c); c.Close() }, GoneSilent},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err == nil {
				tc.serve(c)
			}
		}()
		ap := addrPort(ln.Addr())
		tg.Host, tg.Port = ap.Addr().String(), int(ap.Port())
		_, _, err = Connect(ctx, tg, nil)
		ln.Close()
		if r, ok := ServerGone(err); !ok || r != tc.want {
			t.Errorf("%s: %v: %q, %v; want %q", tc.name, err, r, ok, tc.want)
		}
	}
}

func TestConnClosed(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{io.EOF, true},
		{&ProtocolError{Msg: "reading a reply", Err: io.ErrUnexpectedEOF}, true},
		{&ProtocolError{Msg: "sending", Err: syscall.EPIPE}, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{net.ErrClosed, true},
		{&ProtocolError{Msg: "timeout", Err: os.ErrDeadlineExceeded}, false},
		{errors.New("other"), false},
		{nil, false},
	} {
		if got := ConnClosed(tc.err); got != tc.want {
			t.Errorf("ConnClosed(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
