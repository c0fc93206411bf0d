package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestConnectGreeting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		send  []string // written one element at a time
		codes []int
		lines []int
	}{
		{"220", []string{"220 ready\r\n"}, []int{220}, []int{1}},
		{"120 then 220", []string{"120 Service ready in 1 minute\r\n", "220 ready now\r\n"}, []int{120, 220}, []int{1, 1}},
		{"120 then 220 in one segment", []string{"120 wait\r\n220 ready\r\n"}, []int{120, 220}, []int{1, 1}},
		{"pure-ftpd multi-line 220", []string{"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 01:51. Server port: 2123.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n"}, []int{220}, []int{4}},
		{"421", []string{"421 Too many users\r\n"}, []int{421}, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, "", func(s *peerSession) error {
				for _, b := range tc.send {
					if err := s.raw(b); err != nil {
						return err
					}
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c, greet, err := Connect(ctx, peerTarget(p), nil)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			defer c.Close()
			var codes, lines []int
			for _, r := range greet {
				codes = append(codes, r.Code)
				lines = append(lines, len(r.Lines))
			}
			if !reflect.DeepEqual(codes, tc.codes) || !reflect.DeepEqual(lines, tc.lines) {
				t.Errorf("greeting codes %v lines %v, want %v %v", codes, lines, tc.codes, tc.lines)
			}
			if got := c.Replies(); len(got) != len(greet) {
				t.Errorf("Replies() has %d replies, want %d", len(got), len(greet))
			}
			if c.RemoteAddr() != p.Addr {
				t.Errorf("RemoteAddr() = %v, want %v", c.RemoteAddr(), p.Addr)
			}
			e := c.T.Entries()
			if len(e) < 2 || e[0].Dir != Note || !strings.HasPrefix(e[0].Text, "connected 127.0.0.1:") || e[1].Dir != Received {
				t.Errorf("transcript starts %+v", e)
			}
		})
	}
}

func TestConnectGreetingTimeout(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error { return s.untilClosed() })
	tg := peerTarget(p)
	tg.ReplyTimeout = 200 * time.Millisecond
	start := time.Now()
	c, greet, err := Connect(testCtx(t), tg, nil)
	if c != nil || greet != nil {
		t.Errorf("got conn %v greeting %v", c, greet)
	}
	if pe := asProtocolError(t, err); !pe.Timeout() {
		t.Errorf("Timeout() = false: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s", el)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  func(s *peerSession) error
		errMsg  string // "" means success
		errCode int
	}{
		{"331 then 230", func(s *peerSession) error {
			if err := s.exchange("USER conform", "331 Please specify the password."); err != nil {
				return err
			}
			line, err := s.read()
			if err != nil {
				return err
			}
			if line != "PASS "+testPassword {
				return fmt.Errorf("got %q, want the password verbatim", line)
			}
			return s.send("230 Login successful.")
		}, "", 0},
		{"230 to USER, no PASS sent", func(s *peerSession) error {
			return s.exchange("USER conform", "230 Anonymous user logged in")
		}, "", 0},
		{"202 to PASS", func(s *peerSession) error {
			if err := s.exchange("USER conform", "331 pw"); err != nil {
				return err
			}
			return s.exchange("PASS ", "202 Already logged in")
		}, "", 0},
		{"multi-line 230", func(s *peerSession) error {
			if err := s.exchange("USER conform", "331 pw"); err != nil {
				return err
			}
			return s.exchange("PASS ", "230-Welcome", " 230 padded", "230 Logged in")
		}, "", 0},
		{"530 to PASS", func(s *peerSession) error {
			if err := s.exchange("USER conform", "331 pw"); err != nil {
				return err
			}
			return s.exchange("PASS ", "530 Login incorrect.")
		}, `PASS ****: expected one of 230, 202; got 530 "Login incorrect."`, 530},
		{"530 to USER", func(s *peerSession) error {
			return s.exchange("USER conform", "530 Username already set")
		}, `USER conform: expected one of 230, 331; got 530 "Username already set"`, 530},
		{"332 account needed", func(s *peerSession) error {
			if err := s.exchange("USER conform", "331 pw"); err != nil {
				return err
			}
			return s.exchange("PASS ", "332 Need account for login.")
		}, `PASS ****: expected one of 230, 202; got 332 "Need account for login."`, 332},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := tc.script(s); err != nil {
					return err
				}
				// Login must not send anything more: the next command is QUIT.
				return s.exchange("QUIT", "221 Goodbye.")
			})
			ctx := testCtx(t)
			c := connect(t, ctx, peerTarget(p))
			err := c.Login(ctx)
			if tc.errMsg == "" {
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
			} else {
				var re *ReplyError
				if !errors.As(err, &re) {
					t.Fatalf("Login error %v (%T), want *ReplyError", err, err)
				}
				if re.Code() != tc.errCode {
					t.Errorf("Code() = %d, want %d", re.Code(), tc.errCode)
				}
				if err.Error() != tc.errMsg {
					t.Errorf("error %q, want %q", err, tc.errMsg)
				}
			}
			if err != nil && strings.Contains(err.Error(), testPassword) {
				t.Errorf("error %q shows the password", err)
			}
			r, err := c.Quit(ctx)
			if err != nil || r.Code != 221 {
				t.Errorf("Quit: %v, %v", r, err)
			}
			if s := c.T.String(); strings.Contains(s, testPassword) {
				t.Errorf("transcript shows the password:\n%s", s)
			}
		})
	}
}

func TestTranscriptRedaction(t *testing.T) {
	t.Parallel()
	const token = "tok-XYZ-123"
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 hello " + token); err != nil {
			return err
		}
		if err := s.exchange("USER conform", "331 pw"); err != nil {
			return err
		}
		if err := s.exchange("PASS "+testPassword, "230 Welcome, your password "+testPassword+" is weak"); err != nil {
			return err
		}
		if err := s.exchange("SITE TOKEN "+token, "200 ok"); err != nil {
			return err
		}
		if err := s.exchange("pass other-pw", "503 Already logged in"); err != nil {
			return err
		}
		if err := s.exchange("ACCT acct-pw", "202 ok"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	tr := NewTranscript()
	tr.AddSecret(token)
	tr.AddSecret("")
	c, _, err := Connect(ctx, peerTarget(p), tr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"SITE TOKEN " + token, "pass other-pw", "ACCT acct-pw"} {
		if _, err := c.Cmd(ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
	tr.Notef(c.Name(), "note mentioning %s and %s", token, testPassword)

	s := tr.String()
	for _, secret := range []string{testPassword, token, "other-pw", "acct-pw"} {
		if strings.Contains(s, secret) {
			t.Errorf("transcript shows %q:\n%s", secret, s)
		}
	}
	for _, want := range []string{
		"c1 < 220 hello ****\n",
		"c1 > USER conform\n",
		"c1 > PASS ****\n",
		"c1 < 230 Welcome, your password **** is weak\n",
		"c1 > SITE TOKEN ****\n",
		"c1 > pass ****\n",
		"c1 > ACCT ****\n",
		"c1 # note mentioning **** and ****\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("transcript lacks %q:\n%s", want, s)
		}
	}
}

// TestTranscriptMasksPipelinedPASS: a PASS that is not the first command
// of a SendRaw (pipelined commands) must be masked too.
func TestTranscriptMasksPipelinedPASS(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if _, err := s.expect("USER conform"); err != nil {
			return err
		}
		if _, err := s.expect("PASS other-pw"); err != nil {
			return err
		}
		if err := s.send("331 pw", "530 Login incorrect."); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	if err := c.SendRaw(ctx, []byte("USER conform\r\nPASS other-pw\r\n")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.ReadReply(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s := c.T.String(); strings.Contains(s, "other-pw") {
		t.Errorf("transcript shows a pipelined PASS argument:\n%s", s)
	}
}

func TestMaskCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PASS secret\r\n", "PASS ****"},
		{"PASS secret", "PASS ****"},
		{"pass secret", "pass ****"},
		{"PASS  two spaces", "PASS ****"},
		{"PASS", "PASS"},
		{"PASS\r\n", "PASS"},
		{"PASS ", "PASS "},
		{"ACCT money", "ACCT ****"},
		{"ADAT Zm9vYmFy", "ADAT ****"},
		{"PASSX y", "PASSX y"},
		{"USER conform\r\n", "USER conform"},
		{"NOOP\n", "NOOP"},
		{"USER conform\r\nPASS secret\r\n", "USER conform\r\nPASS ****"},
		{"NOOP\nPASS secret\nACCT x\r\nNOOP", "NOOP\nPASS ****\nACCT ****\r\nNOOP"},
	}
	for _, tc := range tests {
		if g := MaskCommand(tc.in); g != tc.want {
			t.Errorf("MaskCommand(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

func TestTranscriptUnit(t *testing.T) {
	tr := NewTranscript()
	tr.AddSecret("hunter2")
	if n := tr.nextConn(); n != "c1" {
		t.Errorf("first connection %q", n)
	}
	if n := tr.nextConn(); n != "c2" {
		t.Errorf("second connection %q", n)
	}
	tr.Add("c1", Received, "220 hunter2 \x1b[2J\xff")
	tr.Add("c2", Sent, "PASS hunter3\r\n")
	tr.Notef("c1", "data: %d bytes", 5)
	e := tr.Entries()
	want := []struct {
		conn string
		dir  Direction
		text string
	}{
		{"c1", Received, `220 **** \x1b[2J\xff`},
		{"c2", Sent, "PASS ****"},
		{"c1", Note, "data: 5 bytes"},
	}
	if len(e) != len(want) {
		t.Fatalf("entries %+v", e)
	}
	for i, w := range want {
		if e[i].Conn != w.conn || e[i].Dir != w.dir || e[i].Text != w.text {
			t.Errorf("entry %d = %+v, want %+v", i, e[i], w)
		}
		if i > 0 && e[i].At < e[i-1].At {
			t.Errorf("entry %d goes back in time", i)
		}
	}
	lines := strings.Split(strings.TrimSuffix(tr.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "+0.0") || !strings.HasSuffix(lines[1], "s c2 > PASS ****") {
		t.Errorf("String() = %q", tr.String())
	}
	// Entries is a copy.
	e[0].Text = "changed"
	if tr.Entries()[0].Text == "changed" {
		t.Error("Entries() shares its slice")
	}
	var nilT *Transcript
	nilT.Add("c1", Note, "x")
	if nilT.String() != "" {
		t.Error("nil transcript renders")
	}
}

// TestTranscriptOverlappingSecrets: when one secret contains another, the
// longer one is masked whole, not as "****" plus its tail.
func TestTranscriptOverlappingSecrets(t *testing.T) {
	tr := NewTranscript()
	tr.AddSecret("hunter")
	tr.AddSecret("hunter2-long")
	tr.Add("c1", Received, "530 bad password hunter2-long; hunter")
	if g, want := tr.Entries()[0].Text, "530 bad password ****; ****"; g != want {
		t.Errorf("masked %q, want %q", g, want)
	}
}

func TestExpectErrorFormat(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if err := s.exchange("RETR x", "226 Transfer complete"); err != nil {
			return err
		}
		if err := s.exchange("STAT", "211-Status", " a", "211 End"); err != nil {
			return err
		}
		if err := s.exchange("NOOP", "200 \x1b[2Jcleared"); err != nil {
			return err
		}
		if err := s.exchange("MKD d", "257 \"/d\" created"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	tests := []struct {
		cmd   string
		codes []int
		want  string
	}{
		{"RETR x", []int{150, 125}, `RETR x: expected one of 150, 125; got 226 "Transfer complete"`},
		{"STAT", []int{213}, `STAT: expected one of 213; got 211 "Status" (+2 lines)`},
		{"NOOP", []int{250, 550, 502}, `NOOP: expected one of 250, 550, 502; got 200 "\x1b[2Jcleared"`},
	}
	for _, tc := range tests {
		r, err := c.Expect(ctx, tc.cmd, tc.codes...)
		var re *ReplyError
		if !errors.As(err, &re) {
			t.Fatalf("%s: error %v (%T), want *ReplyError", tc.cmd, err, err)
		}
		if err.Error() != tc.want {
			t.Errorf("%s: error\n  %s\nwant\n  %s", tc.cmd, err, tc.want)
		}
		if r == nil || re.Reply != r || re.Code() != r.Code {
			t.Errorf("%s: reply %v not kept in the error", tc.cmd, r)
		}
	}
	r, err := c.Expect(ctx, "MKD d", 257, 550)
	if err != nil || r.Code != 257 {
		t.Errorf("MKD: %v, %v", r, err)
	}
}

// TestReadReplyContextCancel: cancelling the context interrupts a blocked
// read at once, long before the reply timeout.
func TestReadReplyContextCancel(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.ReplyTimeout = 30 * time.Second
	c := connect(t, testCtx(t), tg)

	ctx, cancel := context.WithCancel(testCtx(t))
	timer := time.AfterFunc(100*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	r, err := c.ReadReply(ctx)
	el := time.Since(start)
	if err == nil {
		t.Fatalf("got reply %v after cancellation", r)
	}
	if el > 3*time.Second {
		t.Errorf("returned %s after the read started; cancellation was at 100ms", el)
	}

	// An already cancelled context does not touch the connection.
	r, err = c.ReadReply(ctx)
	if r != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("ReadReply with a cancelled context: %v, %v", r, err)
	}
	if err := c.Send(ctx, "NOOP"); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

// TestReadReplyCancellationIsNotAServerTimeout: when the check's own
// context ends a read, the error must say so (errors.Is the context's
// error) and must not look like the server's timeout, or an interrupted
// run reports "no complete reply before the deadline" findings.
func TestReadReplyCancellationIsNotAServerTimeout(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.ReplyTimeout = 30 * time.Second
	c := connect(t, testCtx(t), tg)

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testCtx(t))
		timer := time.AfterFunc(100*time.Millisecond, cancel)
		defer timer.Stop()
		_, err := c.ReadReply(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false for %q", err)
		}
		var pe *ProtocolError
		if errors.As(err, &pe) && pe.Timeout() {
			t.Errorf("ProtocolError.Timeout() = true for %q", err)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		dctx, dcancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
		defer dcancel()
		_, err := c.ReadReply(dctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(err, context.DeadlineExceeded) = false for %q", err)
		}
	})
}

// TestCancelDuringSettleIsNotAReply: a cancellation that lands while the
// reader waits out the settle time after a suspect line must not turn the
// partial reply into a complete one with a made-up ml-dash-end violation.
func TestCancelDuringSettleIsNotAReply(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		// The reply continues after a pause the client never waits for.
		if err := s.send("220 ready", "211-Status", "211-more to come"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.Settle = 300 * time.Millisecond
	c := connect(t, testCtx(t), tg)

	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	onLine := c.rd.OnLine
	c.rd.OnLine = func(raw []byte) {
		onLine(raw)
		if strings.HasPrefix(string(raw), "211-more") {
			cancel() // the reader now enters its settle wait
		}
	}
	r, err := c.ReadReply(ctx)
	if err == nil {
		t.Errorf("cancelled read returned reply %v with violations %v; want an error", r, r.Violations)
	}
}

func TestReadReplyServerNeverAnswers(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if _, err := s.expect("NOOP"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	tg := peerTarget(p)
	tg.ReplyTimeout = 300 * time.Millisecond
	ctx := testCtx(t)
	c := connect(t, ctx, tg)
	start := time.Now()
	r, err := c.Cmd(ctx, "NOOP")
	el := time.Since(start)
	if r != nil {
		t.Errorf("reply %v", r)
	}
	pe := asProtocolError(t, err)
	if !pe.Timeout() {
		t.Errorf("Timeout() = false: %v", err)
	}
	if want := "no complete reply before the deadline (waited 300ms)"; pe.Error() != want {
		t.Errorf("error %q, want %q", pe.Error(), want)
	}
	if el < 300*time.Millisecond || el > 3*time.Second {
		t.Errorf("returned after %s, want about 300ms", el)
	}
	if s := c.T.String(); !strings.Contains(s, "c1 # no complete reply before the deadline") {
		t.Errorf("transcript lacks the timeout:\n%s", s)
	}
}

func TestConnAccessors(t *testing.T) {
	t.Parallel()
	p1 := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 one"); err != nil {
			return err
		}
		return s.exchange("NOOP", "200 ok")
	})
	p2 := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 two"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	tr := NewTranscript()
	c1, _, err := Connect(ctx, peerTarget(p1), tr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, _, err := Connect(ctx, peerTarget(p2), tr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c1.Name() != "c1" || c2.Name() != "c2" || c1.T != tr || c2.T != tr {
		t.Errorf("names %q %q", c1.Name(), c2.Name())
	}
	if c1.Target().Port != int(p1.Addr.Port()) || c1.Target().DataTimeout != 5*time.Second {
		t.Errorf("Target() = %+v", c1.Target())
	}
	if !c1.LocalAddr().Addr().IsLoopback() || c1.LocalAddr().Port() == 0 {
		t.Errorf("LocalAddr() = %v", c1.LocalAddr())
	}
	if c1.NetConn() == nil {
		t.Error("NetConn() is nil")
	}
	if _, err := c1.Expect(ctx, "NOOP", 200); err != nil {
		t.Fatal(err)
	}
	if got := c1.Replies(); len(got) != 2 || got[0].Code != 220 || got[1].Code != 200 {
		t.Errorf("Replies() = %v", got)
	}
	s := tr.String()
	if !strings.Contains(s, "c1 < 220 one") || !strings.Contains(s, "c2 < 220 two") {
		t.Errorf("shared transcript:\n%s", s)
	}
}

func TestFormatViolationsInTranscript(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.raw("220 ready\n"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	c := connect(t, testCtx(t), peerTarget(p))
	r := c.Replies()[0]
	if !r.Has(BareLF) {
		t.Errorf("violations %v", r.Violations)
	}
	if s := c.T.String(); !strings.Contains(s, "c1 # format: bare-lf (line 1)") {
		t.Errorf("transcript lacks the violation:\n%s", s)
	}
}

func TestWaitClose(t *testing.T) {
	t.Parallel()
	t.Run("server closes after 221", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, "", func(s *peerSession) error {
			if err := s.send("220 ready"); err != nil {
				return err
			}
			return s.exchange("QUIT", "221 Goodbye.")
			// returning closes the connection
		})
		ctx := testCtx(t)
		c := connect(t, ctx, peerTarget(p))
		if err := c.Send(ctx, "QUIT"); err != nil {
			t.Fatal(err)
		}
		closed, extra := c.WaitClose(ctx, 3*time.Second)
		if !closed {
			t.Error("WaitClose = false after the server closed")
		}
		if len(extra) != 1 || extra[0].Code != 221 {
			t.Errorf("extra replies %v, want the 221", extra)
		}
		if s := c.T.String(); !strings.Contains(s, "server closed the connection") {
			t.Errorf("transcript:\n%s", s)
		}
	})
	t.Run("server closes after 421 in the middle of a line", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, "", func(s *peerSession) error {
			return s.raw("220 ready\r\n421 Timeout\r\n421 and a half")
		})
		ctx := testCtx(t)
		c := connect(t, ctx, peerTarget(p))
		closed, extra := c.WaitClose(ctx, 3*time.Second)
		if !closed || len(extra) != 1 || extra[0].Code != 421 {
			t.Errorf("WaitClose = %v, %v", closed, extra)
		}
	})
	t.Run("server stays open", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, "", func(s *peerSession) error {
			if err := s.send("220 ready"); err != nil {
				return err
			}
			return s.untilClosed()
		})
		ctx := testCtx(t)
		c := connect(t, ctx, peerTarget(p))
		start := time.Now()
		closed, extra := c.WaitClose(ctx, 200*time.Millisecond)
		el := time.Since(start)
		if closed || len(extra) != 0 {
			t.Errorf("WaitClose = %v, %v; want false", closed, extra)
		}
		if el < 200*time.Millisecond || el > 3*time.Second {
			t.Errorf("waited %s, want about 200ms", el)
		}
		if s := c.T.String(); !strings.Contains(s, "connection still open after 200ms") {
			t.Errorf("transcript:\n%s", s)
		}
	})
}

func TestQuit(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if err := s.exchange("QUIT", "221 Goodbye."); err != nil {
			return err
		}
		return s.untilClosed() // the client closes
	})
	ctx := testCtx(t)
	c := connect(t, ctx, peerTarget(p))
	r, err := c.Quit(ctx)
	if err != nil || r.Code != 221 {
		t.Fatalf("Quit: %v, %v", r, err)
	}
	if err := c.Send(ctx, "NOOP"); err == nil {
		t.Error("Send after Quit succeeded")
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := addrPort(ln.Addr())
	ln.Close()
	return ap
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	ap := closedPort(t)
	tg := Target{Host: "127.0.0.1", Port: int(ap.Port()), ConnectTimeout: 2 * time.Second}
	start := time.Now()
	c, greet, err := Connect(testCtx(t), tg, nil)
	if c != nil || greet != nil {
		t.Fatalf("connected to a closed port")
	}
	var de *DialError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want *DialError", err, err)
	}
	if de.Kind != DialRefused || de.Addr != ap.String() {
		t.Errorf("DialError %+v, want refused at %s", de, ap)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("errors.Is(err, ECONNREFUSED) = false")
	}
	if want := "connect to " + ap.String() + ": refused (nothing is listening on that port)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("refusal took %s", el)
	}
}

func TestDialContextExpired(t *testing.T) {
	t.Parallel()
	p := startPeer(t, "", func(s *peerSession) error { return nil })
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := Dial(ctx, peerTarget(p), nil, netip.Addr{})
	var de *DialError
	if !errors.As(err, &de) || de.Kind != DialTimeout {
		t.Fatalf("Dial with an expired context: %v, want a DialError of kind timeout", err)
	}
	p.ln.Close() // the peer never gets a connection
}

func TestDialFromLocalAddress(t *testing.T) {
	t.Parallel()
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	} else {
		ln.Close()
	}
	from := make(chan netip.AddrPort, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		from <- addrPort(s.c.RemoteAddr())
		return s.send("220 ready")
	})
	c, err := Dial(testCtx(t), peerTarget(p), nil, netip.MustParseAddr("127.0.0.2"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := recv(t, from).Addr(); got != netip.MustParseAddr("127.0.0.2") || c.LocalAddr().Addr() != got {
		t.Errorf("server saw %v, LocalAddr %v; want 127.0.0.2", got, c.LocalAddr())
	}
}

func TestClassifyDialError(t *testing.T) {
	sys := func(e syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", e)}
	}
	tests := []struct {
		err  error
		want DialFailure
	}{
		{sys(syscall.ECONNREFUSED), DialRefused},
		{sys(syscall.EHOSTUNREACH), DialUnreachable},
		{sys(syscall.ENETUNREACH), DialUnreachable},
		{&net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, DialTimeout},
		{context.DeadlineExceeded, DialTimeout},
		{fmt.Errorf("dial: %w", context.DeadlineExceeded), DialTimeout},
		{sys(syscall.EACCES), DialOther},
		{errors.New("something else"), DialOther},
		{context.Canceled, DialOther},
	}
	for _, tc := range tests {
		if g := ClassifyDialError(tc.err); g != tc.want {
			t.Errorf("ClassifyDialError(%v) = %q, want %q", tc.err, g, tc.want)
		}
	}
}

func TestDialErrorMessages(t *testing.T) {
	inner := errors.New("boom")
	tests := []struct {
		kind DialFailure
		want string
	}{
		{DialRefused, "connect to 127.0.0.1:21: refused (nothing is listening on that port)"},
		{DialTimeout, "connect to 127.0.0.1:21: timed out (packets dropped: a firewall, or the host is down)"},
		{DialUnreachable, "connect to 127.0.0.1:21: unreachable (no route to the host)"},
		{DialOther, "connect to 127.0.0.1:21: boom"},
	}
	for _, tc := range tests {
		e := &DialError{Addr: "127.0.0.1:21", Kind: tc.kind, Err: inner}
		if e.Error() != tc.want {
			t.Errorf("%s: Error() = %q, want %q", tc.kind, e.Error(), tc.want)
		}
		if !errors.Is(e, inner) {
			t.Errorf("%s: Unwrap lost the cause", tc.kind)
		}
	}
}
