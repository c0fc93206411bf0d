package script_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

const head = "title: T\nid: X-1\n"

// Every kind of step, in every form, passes against the reference server.
func TestRunEveryStep(t *testing.T) {
	t.Parallel()
	hello := "hello, world\n"
	sum := sha256.Sum256([]byte(hello))
	src := head + strings.Join([]string{
		"connect",
		"login",
		"send TYPE I",
		"expect 200",
		"send FEAT",
		`expect 211|2xx multiline lines >=3 text /(?m)^ REST STREAM$/`,
		"send PWD",
		"expect 25x",
		`capture home /^257 "([^"]*)"/`,
		"send CWD {home}",
		"expect 250",
		"set file {scratch}/f.bin",
		// An upload in two writes, closed by close-data.
		"data pasv",
		"send STOR {file}",
		"expect 150|125",
		`write inline "hello, "`,
		"write fixture greeting.txt",
		"close-data",
		"expect 226",
		"data epsv",
		"send RETR {file}",
		"expect 1xx",
		"download as first",
		"expect 2xx",
		`compare first inline "hello, world\n"`,
		"compare first fixture all.txt",
		"compare first size 13",
		"compare first sha256 " + hex.EncodeToString(sum[:]),
		// Active modes, and a buffer as the source.
		"data port",
		"send STOR {scratch}/copy.bin",
		"expect 15x",
		"upload buffer first from 7",
		"expect 226",
		"data eprt",
		"send RETR {scratch}/copy.bin",
		"expect 150",
		"download",
		"expect 226",
		`compare last inline "world\n"`,
		"data active",
		"send APPE {scratch}/copy.bin",
		"expect 150",
		"upload random 5000",
		"expect 226",
		"data passive",
		"send RETR {scratch}/copy.bin",
		"expect 125|150",
		"download as whole",
		"expect 226",
		"compare whole size 5006",
		"compare whole random 5000 from 0", // differs: checked below
		"quit",
	}, "\n")
	fixtures := fstest.MapFS{"greeting.txt": {Data: []byte("world\n")}, "all.txt": {Data: []byte(hello)}}
	sc, err := script.Parse("every.ftp", []byte(src), fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, tls := range []bool{false, true} {
		var opts []serverOption
		if tls {
			opts = append(opts, withTLS(t)) // data connections under PROT P in all four modes
		}
		srv := startServer(t, opts...)
		env := srv.env(t)
		err = sc.Run(t.Context(), env)
		// The last compare fails on purpose: the file starts with "world\n".
		var f *script.Failure
		if !errors.As(err, &f) || f.Line != len(strings.Split(src, "\n"))-1 ||
			!strings.HasPrefix(f.Msg, "buffer whole differs from random 5000 from 0: got 5006 bytes, want 5000; first difference at offset 0: got 77 6f 72 6c 64 0a") {
			t.Fatalf("TLS %v: Run = %v\n%s", tls, err, env.Transcript)
		}
		if f.Step != "compare whole random 5000 from 0" || f.File != "every.ftp" {
			t.Errorf("Failure %+v", f)
		}
	}
	srv := startServer(t)

	// Named connections, set and sleep, and the end without quit.
	src = head + strings.Join([]string{
		"@one connect",
		"@one login",
		"@one send PWD",
		"@one expect 257",
		`@one capture home /^257 "([^"]*)"/`,
		"set dir {home}",
		"sleep 10ms",
		"@two connect",
		"@two login",
		"@two send CWD {dir}",
		"@two expect 250",
		"@two send NOOP",
	}, "\n")
	if err, tr := srv.run(t, "two.ftp", src); err != nil {
		t.Fatalf("%v\n%s", err, tr)
	} else if s := tr.String(); !strings.Contains(s, "one # end of the scenario: QUIT") || !strings.Contains(s, "two > QUIT") || !strings.Contains(s, "script # step 9: sleep 10ms") {
		t.Errorf("connections not quit at the end:\n%s", s)
	}
}

// Each kind of failure names the step's line and says what was expected
// and what came.
func TestRunFailures(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tests := []struct {
		name  string
		steps string // after the header; "connect\nlogin\n" is prepended
		line  int
		msg   string // a regexp for the whole message
	}{
		{"wrong code", "send NOOP\nexpect 250|3xx", 6, `^expected 250\|3xx, got 200 "200 OK"$`},
		{"not multi-line", "send NOOP\nexpect 200 multiline", 6, `^expected a multi-line reply, got one line: 200 "200 OK"$`},
		{"line count", "send FEAT\nexpect 211 lines 2", 6, `^expected 2 lines, got \d+: 211 "211-Extensions supported:" \(\+\d+ lines\)$`},
		{"at least", "send NOOP\nexpect 200 lines >=2", 6, `^expected at least 2 lines, got 1: 200 "200 OK"$`},
		{"text", "send NOOP\nexpect 2xx text /^200 Fine$/", 6, `^expected text matching /\^200 Fine\$/, got "200 OK"$`},
		{"capture", "send PWD\nexpect 257\ncapture d /^999 (.*)/\nsend CWD {d}", 7,
			`^capture d: /\^999 \(\.\*\)/ does not match the last reply, "257 \\"/\\" is the current directory\."$`},
		{"compare", "send TYPE I\nexpect 200\ndata pasv\nsend STOR {scratch}/c\nexpect 1xx\nupload inline \"abcdef\"\nexpect 226\n" +
			"data pasv\nsend RETR {scratch}/c\nexpect 1xx\ndownload\nexpect 226\ncompare last inline \"abXdefg\"", 17,
			`^buffer last differs from inline "abXdefg": got 6 bytes, want 7; first difference at offset 2: got 63 64 65 66 \("cdef"\), want 58 64 65 66 67 \("Xdefg"\)$`},
		{"size", "data pasv\nsend LIST {scratch}\nexpect 1xx\ndownload\nexpect 226\ncompare last size 3", 10, `^buffer last has 0 bytes, want 3$`},
		{"sha256", "data pasv\nsend LIST {scratch}\nexpect 1xx\ndownload\nexpect 226\ncompare last sha256 " + strings.Repeat("ab", 32), 10,
			`^buffer last \(0 bytes\) has sha256 e3b0c442\w+, want (ab)+$`},
		{"refused transfer", "data pasv\nsend RETR nope\nexpect 150", 7, `^expected 150, got 550 "550 No such file\."$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err, tr := srv.run(t, "fail.ftp", head+"connect\nlogin\n"+tc.steps)
			var f *script.Failure
			if !errors.As(err, &f) {
				t.Fatalf("Run = %v, want a *Failure\n%s", err, tr)
			}
			if f.File != "fail.ftp" || f.Line != tc.line || !regexp.MustCompile(tc.msg).MatchString(f.Msg) {
				t.Errorf("failure at %s:%d: %s\nwant line %d, message matching %s\n%s", f.File, f.Line, f.Msg, tc.line, tc.msg, tr)
			}
			if f.Error() != fmt.Sprintf("fail.ftp:%d: %s", f.Line, f.Msg) {
				t.Errorf("Error() = %q", f.Error())
			}
			if s := tr.String(); !strings.Contains(s, fmt.Sprintf("FAILED at fail.ftp:%d: ", tc.line)) {
				t.Errorf("the transcript does not say where the scenario failed:\n%s", s)
			}
		})
	}
}

// A failure keeps the error beneath it for errors.Is and errors.As.
func TestRunFailureUnwraps(t *testing.T) {
	t.Parallel()
	t.Run("plaintext data under PROT P", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, withTLS(t), withFaults("prot-p-plaintext"))
		err, tr := srv.run(t, "tls.ftp", head+"connect\nlogin\ndata passive\nsend LIST\nexpect 1xx\ndownload\nexpect 226\n")
		var f *script.Failure
		if !errors.As(err, &f) || f.Line != 8 || !errors.Is(err, harness.ErrDataNotTLS) {
			t.Fatalf("Run = %v, want a failure at line 8 that is ErrDataNotTLS\n%s", err, tr)
		}
	})
	t.Run("refused login", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		srv.target.Password = "Wrong-Pw-41"
		err, tr := srv.run(t, "login.ftp", head+"connect\nlogin\n")
		var re *harness.ReplyError
		if !errors.As(err, &re) || re.Code() != 530 {
			t.Fatalf("Run = %v, want a *harness.ReplyError with 530\n%s", err, tr)
		}
		want := `login.ftp:4: login failed: PASS ****: expected one of 230, 202; got 530 "Login incorrect."`
		if err.Error() != want {
			t.Errorf("Error() =\n%s\nwant\n%s", err, want)
		}
		if strings.Contains(tr.String(), "Wrong-Pw-41") {
			t.Errorf("the password is in the transcript:\n%s", tr)
		}
	})
	t.Run("nothing listens", func(t *testing.T) {
		t.Parallel()
		// Port 1 (tcpmux): a port of its own that a test server never
		// takes, unlike one just closed, which a parallel test may get.
		sc, err := script.Parse("c.ftp", []byte(head+"connect\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = sc.Run(t.Context(), script.Env{Target: harness.Target{Host: "127.0.0.1", Port: 1, User: "u"}})
		var de *harness.DialError
		if !errors.As(err, &de) || de.Kind != harness.DialRefused || !strings.HasPrefix(err.Error(), "c.ftp:3: connect: connect to 127.0.0.1:") {
			t.Fatalf("Run = %v, want a refused *harness.DialError", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		sc, err := script.Parse("c.ftp", []byte(head+"connect\nsleep 10s\nquit\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		env := srv.env(t)
		start := time.Now()
		err = sc.Run(ctx, env)
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "c.ftp:4: interrupted") || time.Since(start) > 5*time.Second {
			t.Fatalf("Run = %v after %s", err, time.Since(start))
		}
		// The connection is still quit at the end.
		if !strings.Contains(env.Transcript.String(), "main < 221") {
			t.Errorf("no QUIT after the interruption:\n%s", env.Transcript)
		}
	})
	t.Run("no scratch directory", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		sc, err := script.Parse("s.ftp", []byte(head+"connect\nsend CWD {scratch}\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = sc.Run(t.Context(), script.Env{Target: srv.target})
		if err == nil || err.Error() != "s.ftp:4: variable {scratch} has no value in this run" {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("the server never connects", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		srv.target.DataTimeout = 300 * time.Millisecond
		err, tr := srv.run(t, "a.ftp", head+"connect\nlogin\ndata port\ndownload\n")
		if err == nil || !strings.HasPrefix(err.Error(), "a.ftp:6: download: no data connection: the server never connected to 127.0.0.1:") {
			t.Fatalf("Run = %v\n%s", err, tr)
		}
	})
}

// peer is a scripted stand-in for a server: it greets, then answers each
// command line with answer(line) ("" for no answer), and closes after
// QUIT.
func startPeer(t *testing.T, greeting string, answer func(line string) string) harness.Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				fmt.Fprintf(nc, "%s\r\n", greeting)
				rd := bufio.NewScanner(nc)
				for rd.Scan() {
					line := strings.TrimSuffix(rd.Text(), "\r")
					if a := answer(line); a != "" {
						fmt.Fprintf(nc, "%s\r\n", a)
					}
					if line == "QUIT" {
						return
					}
				}
			}()
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return harness.Target{Host: "127.0.0.1", Port: a.Port, User: "conform", Password: testPassword,
		ReplyTimeout: 300 * time.Millisecond, ConnectTimeout: time.Second, DataTimeout: time.Second}
}

// echo answers every command with 500, quoting it.
func echo(line string) string { return "500 '" + line + "' not understood" }

func runPeer(t *testing.T, tg harness.Target, steps string) (error, *harness.Transcript) {
	t.Helper()
	sc, err := script.Parse("p.ftp", []byte(head+steps), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := harness.NewTranscript()
	return sc.Run(t.Context(), script.Env{Target: tg, Transcript: tr}), tr
}

func TestRunAgainstPeers(t *testing.T) {
	t.Parallel()
	// RFC 959 §5.4: the greeting is 220, or 120 and then 220.
	greetings := []struct {
		name, greeting, want string // want: the error, "" for none
	}{
		{"220", "220 hi", ""},
		{"multi-line 220", "220-hi\r\n there\r\n220 ready", ""},
		{"120 then 220", "120 Ready in 1 minute\r\n220 hi", ""},
		{"421", "421 Too busy", `p.ftp:3: expected a 220 greeting, got 421 "421 Too busy": the service is not available`},
		{"200", "200 Ready", `p.ftp:3: expected a 220 greeting, got 200 "200 Ready"`},
		{"230", "230 Logged in", `p.ftp:3: expected a 220 greeting, got 230 "230 Logged in"`},
		{"120 then 421", "120 Ready in 1 minute\r\n421 Gave up",
			`p.ftp:3: expected 220 after the greeting 120 "120 Ready in 1 minute", got 421 "421 Gave up"`},
		{"120 then 200", "120 Ready in 1 minute\r\n200 Ready",
			`p.ftp:3: expected 220 after the greeting 120 "120 Ready in 1 minute", got 200 "200 Ready"`},
		{"120 alone", "120 Ready in 1 minute",
			`p.ftp:3: expected 220 after the greeting 120 "120 Ready in 1 minute", got no reply: `},
	}
	for _, tc := range greetings {
		t.Run("greeting "+tc.name, func(t *testing.T) {
			t.Parallel()
			err, tr := runPeer(t, startPeer(t, tc.greeting, echo), "connect\nsend NOOP\nexpect 500\n")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Run = %v\n%s", err, tr)
			case tc.want == "":
			case err == nil || !strings.HasPrefix(err.Error(), tc.want) || !strings.HasSuffix(tc.want, ": ") && err.Error() != tc.want:
				t.Fatalf("Run = %v, want %s\n%s", err, tc.want, tr)
			}
		})
	}
	t.Run("port", func(t *testing.T) {
		t.Parallel()
		tg := startPeer(t, "220 hi", func(l string) string {
			switch l {
			case "PASV":
				return "227 Entering Passive Mode (127,0,0,1,117,48)." // port 30000
			case "EPSV":
				return "229 Entering Extended Passive Mode (|||40000|)"
			case "PASV 5":
				return "227 Entering Passive Mode (127,0,0,1,30000)"
			case "EPSV 0":
				return "229 Entering Extended Passive Mode (40000)"
			case "PASV 0":
				return "227 Entering Passive Mode (127,0,0,1,0,0)"
			}
			return echo(l)
		})
		ok := "connect\nsend PASV\nexpect 227 port 30000-30099\nsend EPSV\nexpect 229 port 40000-40000\n" +
			"send PASV\nexpect 227|229 port 1-30000\nsend EPSV\nexpect 227|229 port 40000-65535\n"
		if err, tr := runPeer(t, tg, ok); err != nil {
			t.Fatalf("Run = %v\n%s", err, tr)
		}
		for _, tc := range []struct{ steps, want string }{
			{"send PASV\nexpect 227 port 30001-30099\n",
				`p.ftp:5: expected a port in 30001-30099, got port 30000: 227 "227 Entering Passive Mode (127,0,0,1,117,48)."`},
			{"send EPSV\nexpect 229 port 1024-39999\n",
				`p.ftp:5: expected a port in 1024-39999, got port 40000: 229 "229 Entering Extended Passive Mode (|||40000|)"`},
			{"send PASV 5\nexpect 227 port 1024-65535\n",
				`p.ftp:5: expected a port in 1024-65535, but the reply gives none that can be read: 227 reply: found 5 comma-separated numbers "127,0,0,1,30000", want six (h1,h2,h3,h4,p1,p2)`},
			{"send PASV 0\nexpect 227 port 1024-65535\n",
				`p.ftp:5: expected a port in 1024-65535, but the reply gives none that can be read: 227 reply: port 0 advertised`},
			{"send EPSV 0\nexpect 229 port 1024-65535\n",
				`p.ftp:5: expected a port in 1024-65535, but the reply gives none that can be read: 229 reply: "40000" is not <d><d><d><port><d> with one delimiter`},
			// The code is checked first.
			{"send EPSV\nexpect 227 port 1024-65535\n",
				`p.ftp:5: expected 227, got 229 "229 Entering Extended Passive Mode (|||40000|)"`},
		} {
			err, tr := runPeer(t, tg, "connect\n"+tc.steps)
			if err == nil || err.Error() != tc.want {
				t.Errorf("%q: Run =\n%v\nwant\n%s\n%s", tc.steps, err, tc.want, tr)
			}
		}
	})
	t.Run("quit not 221", func(t *testing.T) {
		t.Parallel()
		err, _ := runPeer(t, startPeer(t, "220 hi", echo), "connect\nquit\n")
		if err == nil || err.Error() != `p.ftp:4: expected 221, got 500 "500 'QUIT' not understood"` {
			t.Fatalf("Run = %v", err)
		}
	})
	t.Run("no reply", func(t *testing.T) {
		t.Parallel()
		tg := startPeer(t, "220 hi", func(string) string { return "" })
		err, tr := runPeer(t, tg, "connect\nsend NOOP\nexpect 200\n")
		var pe *harness.ProtocolError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "p.ftp:5: expected 200, got no reply: ") {
			t.Fatalf("Run = %v\n%s", err, tr)
		}
	})
	t.Run("long and multi-line replies are clipped", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("x", 500)
		tg := startPeer(t, "220 hi", func(string) string { return "211-" + long + "\r\n more\r\n211 End" })
		err, _ := runPeer(t, tg, "connect\nsend STAT\nexpect 200\n")
		want := `p.ftp:5: expected 200, got 211 "211-` + strings.Repeat("x", 116) + `"... (+2 lines)`
		if err == nil || err.Error() != want {
			t.Fatalf("Run =\n%v\nwant\n%s", err, want)
		}
	})
	t.Run("custom Connect and Login", func(t *testing.T) {
		t.Parallel()
		tg := startPeer(t, "220 hi", func(l string) string {
			if l == "NOOP" {
				return "200 fine"
			}
			return echo(l)
		})
		sc, err := script.Parse("p.ftp", []byte(head+"connect\nlogin\n@b connect\n@b login\nsend NOOP\nexpect 200\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		var logins atomic.Int32
		tr := harness.NewTranscript()
		env := script.Env{Target: tg, Transcript: tr,
			Connect: func(ctx context.Context, name string) (*harness.Conn, []*harness.Reply, error) {
				names = append(names, name)
				c, greet, err := harness.ConnectClear(ctx, tg, tr)
				if c != nil {
					c.SetName("x-" + name)
				}
				return c, greet, err
			},
			Login: func(ctx context.Context, c *harness.Conn) error { logins.Add(1); return nil },
		}
		if err := sc.Run(t.Context(), env); err != nil {
			t.Fatalf("Run = %v\n%s", err, tr)
		}
		if strings.Join(names, " ") != "main b" || logins.Load() != 2 {
			t.Errorf("Connect for %q, %d logins", names, logins.Load())
		}
	})
}

// The password never appears in a failure, and the transcript masks it,
// whether it is sent, echoed by the server, captured or found inside a
// longer word.
func TestRunMasksPassword(t *testing.T) {
	t.Parallel()
	tg := startPeer(t, "220 hi", echo)
	tests := []struct {
		steps string
		line  int
	}{
		{"connect\nsend SITE {password}\nexpect 200\n", 5},
		{"connect\nsend SITE {password}\nexpect 5xx text /nothing/\n", 5},
		// Inside a longer word, sent and echoed.
		{"connect\nsend SITE x{password}\nexpect 200\n", 5},
		{"connect\nsend SITE {password}x y\nexpect 200\n", 5},
		{"connect\nsend SITE {password}\nexpect 500\ncapture p /SITE (\\S+)'/\nsend PASS {p}\nexpect 200\n", 8},
		{"connect\nsend SITE {password}\nexpect 500\ncapture p /SITE (\\S+)'/\nset q x{p}x\nsend SITE {q}\nexpect 200\n", 9},
	}
	for _, tc := range tests {
		err, tr := runPeer(t, tg, tc.steps)
		var f *script.Failure
		if !errors.As(err, &f) || f.Line != tc.line {
			t.Fatalf("%q: Run = %v, want a failure at line %d\n%s", tc.steps, err, tc.line, tr)
		}
		if strings.Contains(f.Msg, testPassword) || strings.Contains(f.Error(), testPassword) || !strings.Contains(f.Msg, harness.Mask) {
			t.Errorf("%q: failure %q", tc.steps, f.Msg)
		}
		if strings.Contains(tr.String(), testPassword) {
			t.Errorf("%q: the password is in the transcript:\n%s", tc.steps, tr)
		}
	}

	// A variable whose text holds the password by chance is left alone,
	// as the transcript leaves "ftpconform-1a2b" for the password
	// "conform".
	sc, err := script.Parse("p.ftp", []byte(head+"connect\nsend CWD {scratch}\nexpect 500\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := harness.NewTranscript()
	tg.Password = "sekrit"
	if err := sc.Run(t.Context(), script.Env{Target: tg, Transcript: tr, Vars: map[string]string{"scratch": "ftpsekrit-1a2b"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.String(), "main > CWD ftpsekrit-1a2b\n") {
		t.Errorf("the scratch directory is masked:\n%s", tr)
	}
}

// Env.CodeMismatch sees the expect steps whose code is none of their
// alternatives: the last line sent (masked), the alternatives as written
// and the reply. Accepting the code lets the step go on to its other
// conditions.
func TestRunCodeMismatch(t *testing.T) {
	t.Parallel()
	tg := startPeer(t, "220 hi", func(l string) string {
		switch {
		case l == "NOOP":
			return "200 OK"
		case l == "DELE missing":
			return "450 Busy"
		case l == "EPSV":
			return "200 Entering Extended Passive Mode (|||40000|)"
		case strings.HasPrefix(l, "PASS "):
			return "530 Login incorrect"
		}
		return echo(l)
	})
	type call struct {
		sent string
		want []string
		code int
	}
	tests := []struct {
		name   string
		steps  string
		accept bool
		calls  []call
		err    string // "" for none
	}{
		{"accepted", "connect\nsend DELE missing\nexpect 550|3xx|25x\nsend NOOP\nexpect 200\n", true,
			[]call{{"DELE missing", []string{"550", "3xx", "25x"}, 450}}, ""},
		{"refused", "connect\nsend DELE missing\nexpect 550|3xx|25x\n", false,
			[]call{{"DELE missing", []string{"550", "3xx", "25x"}, 450}}, `p.ftp:5: expected 550|3xx|25x, got 450 "450 Busy"`},
		{"not asked when the code is one of them", "connect\nsend NOOP\nexpect 2xx\nsend DELE missing\nexpect 450\n", false, nil, ""},
		{"the password is masked", "connect\nsend PASS {password}\nexpect 230\n", false,
			[]call{{"PASS ****", []string{"230"}, 530}}, `p.ftp:5: expected 230, got 530 "530 Login incorrect"`},
		{"text still checked", "connect\nsend DELE missing\nexpect 550 text /gone/\n", true,
			[]call{{"DELE missing", []string{"550"}, 450}}, `p.ftp:5: expected text matching /gone/, got "450 Busy"`},
		{"multiline still checked", "connect\nsend DELE missing\nexpect 550 multiline\n", true,
			[]call{{"DELE missing", []string{"550"}, 450}}, `p.ftp:5: expected a multi-line reply, got one line: 450 "450 Busy"`},
		{"port still checked", "connect\nsend EPSV\nexpect 229 port 1024-65535\n", true,
			[]call{{"EPSV", []string{"229"}, 200}},
			`p.ftp:5: expected a port in 1024-65535, but the reply gives none that can be read: a 200 reply carries no port (only 227 and 229 do)`},
		{"each connection its own line", "connect\n@b connect\nsend DELE missing\n@b send NOOP\nexpect 550\n@b expect 200\n@b send PASS {password}\n@b expect 230\n", true,
			[]call{{"DELE missing", []string{"550"}, 450}, {"PASS ****", []string{"230"}, 530}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, err := script.Parse("p.ftp", []byte(head+tc.steps), nil)
			if err != nil {
				t.Fatal(err)
			}
			var calls []call
			tr := harness.NewTranscript()
			env := script.Env{Target: tg, Transcript: tr,
				CodeMismatch: func(sent string, want []string, got *harness.Reply) bool {
					calls = append(calls, call{sent, want, got.Code})
					return tc.accept
				}}
			err = sc.Run(t.Context(), env)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Errorf("Run = %v, want %q\n%s", err, tc.err, tr)
			}
			if fmt.Sprint(calls) != fmt.Sprint(tc.calls) {
				t.Errorf("CodeMismatch called with %v, want %v", calls, tc.calls)
			}
			if s := tr.String(); tc.accept && len(tc.calls) > 0 && !strings.Contains(s, "the code is accepted by the run's own tolerance") {
				t.Errorf("the transcript does not say the code was accepted:\n%s", s)
			}
			if s := fmt.Sprint(calls) + tr.String(); strings.Contains(s, testPassword) {
				t.Errorf("the password leaked:\n%s", s)
			}
		})
	}

	// A Connect that records in a transcript of its own: the line of the
	// last send step, masked alike.
	t.Run("transcript elsewhere", func(t *testing.T) {
		t.Parallel()
		sc, err := script.Parse("p.ftp", []byte(head+"connect\nsend PASS {password}\nexpect 230\nsend SITE {password}x\nexpect 200\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var sent []string
		env := script.Env{Target: tg,
			Connect: func(ctx context.Context, name string) (*harness.Conn, []*harness.Reply, error) {
				return harness.ConnectClear(ctx, tg, harness.NewTranscript())
			},
			CodeMismatch: func(s string, _ []string, _ *harness.Reply) bool { sent = append(sent, s); return true },
		}
		if err := sc.Run(t.Context(), env); err != nil {
			t.Fatal(err)
		}
		// "{password}x" is a word that holds the password: masked whole.
		if want := []string{"PASS ****", "SITE ****"}; fmt.Sprint(sent) != fmt.Sprint(want) {
			t.Errorf("sent %q, want %q", sent, want)
		}
	})
}
