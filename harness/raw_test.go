package harness

import (
	"reflect"
	"testing"
	"time"
)

func TestTelnetCommandsIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []TelnetCommand
	}{
		{"none", "200 OK\r\n", nil},
		{"escaped data byte", "257 \"a\xff\xffb\"\r\n", nil},
		{"negotiation", "\xff\xfe\x01200 OK\r\n", []TelnetCommand{{Cmd: TelnetDONT, Opt: TelnetOptEcho}}},
		{"two and a NOP", "\xff\xfb\x01\xff\xf1\xff\xfd\x03", []TelnetCommand{{Cmd: TelnetWILL, Opt: 1}, {Cmd: TelnetNOP}, {Cmd: TelnetDO, Opt: 3}}},
		{"inside a line", "200 O\xff\xfc\x18K\r\n", []TelnetCommand{{Cmd: TelnetWONT, Opt: 24}}},
		{"truncated", "\xff", nil},
	}
	for _, tc := range tests {
		if got := TelnetCommandsIn([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if s := (TelnetCommand{Cmd: TelnetDONT, Opt: TelnetOptEcho}).String(); s != "IAC DONT ECHO(1)" {
		t.Errorf("String() = %q", s)
	}
}

func TestReadReplyTelnet(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		// IAC WILL ECHO NOOP: refuse the option, then answer NOOP, in
		// two writes.
		if _, err := s.expect("\xff\xfb\x01NOOP"); err != nil {
			return err
		}
		if err := s.raw("\xff\xfe\x01"); err != nil {
			return err
		}
		if err := s.send("200 OK"); err != nil {
			return err
		}
		// A reply without Telnet commands, then one that starts with an
		// escaped 0xFF data byte, which belongs to the reply.
		if err := s.exchange("NOOP", "200 OK"); err != nil {
			return err
		}
		if err := s.exchange("NOOP", "\xff\xff"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	if err := c.SendRaw(ctx, []byte("\xff\xfb\x01NOOP\r\n")); err != nil {
		t.Fatal(err)
	}
	r, tc, err := c.ReadReplyTelnet(ctx)
	if err != nil || r.Code != 200 || !reflect.DeepEqual(tc, []TelnetCommand{{Cmd: TelnetDONT, Opt: TelnetOptEcho}}) {
		t.Fatalf("got %v %v %v, want 200 and IAC DONT ECHO", r, tc, err)
	}
	if err := c.Send(ctx, "NOOP"); err != nil {
		t.Fatal(err)
	}
	if r, tc, err = c.ReadReplyTelnet(ctx); err != nil || r.Code != 200 || tc != nil {
		t.Fatalf("got %v %v %v, want a plain 200", r, tc, err)
	}
	if err := c.Send(ctx, "NOOP"); err != nil {
		t.Fatal(err)
	}
	if r, tc, err = c.ReadReplyTelnet(ctx); err != nil || tc != nil || len(r.Raw) != 4 || !r.Has(NonNumericCode) {
		t.Fatalf("got %v (raw %q) %v %v, want the escaped byte kept in a malformed reply", r, r.Raw, tc, err)
	}
}

func TestReadReplyTelnetTimeout(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.ReplyTimeout = 150 * time.Millisecond
	ctx := testCtx(t)
	c := connect(t, ctx, tg)
	start := time.Now()
	_, _, err := c.ReadReplyTelnet(ctx)
	if pe := asProtocolError(t, err); !pe.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the timeout took %s, want about 150ms", d)
	}
}

func TestSilent(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if err := s.exchange("NOOP", "200 OK"); err != nil {
			return err
		}
		_, err := s.expect("QUIT")
		return err // the peer closes the connection
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	if silent, err := c.Silent(ctx, 100*time.Millisecond); !silent || err != nil {
		t.Fatalf("Silent before any command = %v, %v; want true", silent, err)
	}
	if err := c.Send(ctx, "NOOP"); err != nil {
		t.Fatal(err)
	}
	if silent, err := c.Silent(ctx, 5*time.Second); silent || err != nil {
		t.Fatalf("Silent after NOOP = %v, %v; want false (a reply is coming)", silent, err)
	}
	if r, err := c.ReadReply(ctx); err != nil || r.Code != 200 {
		t.Fatalf("reply %v %v", r, err)
	}
	if err := c.Send(ctx, "QUIT"); err != nil {
		t.Fatal(err)
	}
	if silent, err := c.Silent(ctx, 5*time.Second); silent || err == nil {
		t.Fatalf("Silent after the peer closed = %v, %v; want an error", silent, err)
	}
}
