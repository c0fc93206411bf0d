package fakeserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStartValidates(t *testing.T) {
	root := t.TempDir()
	cases := map[string]*Server{
		"no password":     {Root: root},
		"no root":         {Password: "x"},
		"unknown fault":   {Root: root, Password: "x", Faults: []string{"no-such-fault"}},
		"unknown variant": {Root: root, Password: "x", Variations: []string{"no-such-variation"}},
		"bad range":       {Root: root, Password: "x", PasvMinPort: 2000, PasvMaxPort: 1000},
		"ipv6 pasv addr":  {Root: root, Password: "x", PasvAddress: net.ParseIP("::1")},
		"missing root":    {Root: filepath.Join(root, "nope"), Password: "x"},
	}
	for name, srv := range cases {
		if err := srv.Start(); err == nil {
			srv.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func TestURLAndAddress(t *testing.T) {
	srv, _ := startServer(t, nil)
	a := srv.Address().(*net.TCPAddr)
	want := "ftp://conform@127.0.0.1:" + strconv.Itoa(a.Port)
	if got := srv.URL(); got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

func TestGreetingAndPreLogin(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := dialServer(t, srv)
	g := c.expectReply(220)
	if len(g.lines) != 1 {
		t.Errorf("greeting %v", g)
	}
	c.expect("NOOP", 200)
	c.expect("noop", 200)
	if r := c.expect("SYST", 215); r.lines[0] != "215 UNIX Type: L8" {
		t.Errorf("SYST: %v", r)
	}
	c.expect("HELP", 214)
	c.expect("STAT", 211)
	c.expect("FEAT", 211)
	c.expect("OPTS UTF8 ON", 200)
	c.expect("AUTH X-NOSUCH", 504)
	c.expect("PBSZ 0", 503)
	c.expect("PWD", 530)
	c.expect("CWD /", 530)
	c.expect("PASV", 530)
	c.expect("STAT /", 530)
	c.expect("LIST", 530)
	c.expect("XYZZ", 500)
	c.expect("ACCT x", 503)
	c.expect("QUIT", 221)
	c.expectEOF()
}

func TestLogin(t *testing.T) {
	srv, _ := startServer(t, nil)

	c := connect(t, srv)
	c.expect("PASS "+testPassword, 503) // no USER
	c.expect("USER nobody-here", 331)   // never reveals unknown users
	c.expect("PASS "+testPassword, 530)
	c.expect("USER conform", 331)
	start := time.Now()
	c.expect("PASS wrong", 530)
	if d := time.Since(start); d < loginFailDelay/2 {
		t.Errorf("failed login answered after %v, want a delay", d)
	}
	c.expect("PWD", 530)
	c.expect("USER conform", 331)
	c.expect("NOOP", 200)
	c.expect("PASS "+testPassword, 503) // not right after USER
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("PASS "+testPassword, 503) // already logged in
	c.expect("ACCT x", 202)
	c.expect("PWD", 257)
	c.expect("XYZZ", 500)
	c.expect("SMNT /", 502)

	// REIN logs out and restores defaults.
	c.expect("TYPE I", 200)
	c.expect("CWD sub", 250)
	c.expect("REIN", 220)
	c.expect("PWD", 530)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	if r := c.expect("PWD", 257); !strings.HasPrefix(r.lines[0], `257 "/" `) {
		t.Errorf("PWD after REIN: %v", r)
	}
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), "ASCII") {
		t.Errorf("TYPE not reset by REIN: %v", r)
	}
}

func TestCommandSyntax(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := login(t, srv)
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"TYPE A", 200}, {"TYPE A N", 200}, {"TYPE A T", 200}, {"type i", 200}, {"TYPE L 8", 200},
		{"TYPE E", 504}, {"TYPE L 7", 504}, {"TYPE A C", 504}, {"TYPE Q", 504}, {"TYPE", 501},
		{"TYPE A X", 501}, {"TYPE I X", 501},
		{"MODE S", 200}, {"mode s", 200}, {"MODE B", 504}, {"MODE C", 504}, {"MODE X", 501},
		{"STRU F", 200}, {"STRU R", 504}, {"STRU P", 504}, {"STRU X", 501},
		{"ALLO 1000", 202}, {"ALLO 0 R 80", 202}, {"ALLO x", 501}, {"ALLO", 501},
		{"FEAT x", 501}, {"OPTS NOSUCH x", 501}, {"OPTS", 501},
		{"HELP NOOP", 214}, {"HELP SITE", 214}, {"HELP XYZZY", 501},
		{"SITE HELP", 214}, {"SITE XYZZY", 500}, {"SITE", 501},
		{"REST abc", 501}, {"REST -1", 501}, {"REST", 501},
		{"ABOR", 225}, {"PASV x", 501}, {"CDUP x", 501},
		{"RETR", 501}, {"CWD", 501}, {"MKD", 501}, {"DELE", 501},
		{"PORT 1,2,3", 501}, {"PORT 300,1,1,1,1,1", 501},
		{"EPSV foo", 501}, {"EPSV 7", 522}, {"EPSV 2", 522},
		{"EPRT |1|1.2.3|5000|", 501}, {"EPRT 1|2|3", 501},
		{"RETR nope", 550}, {"LIST nope", 550}, {"NLST nope", 550},
		{"PASS x", 503}, {"AUTH X-NOSUCH", 504}, {"CCC", 533},
	} {
		if r := c.cmd(tc.cmd); r.code != tc.code {
			t.Errorf("%s: got %v, want %d", tc.cmd, r, tc.code)
		}
	}
	// Without PORT or PASV the server dials the default data port, the
	// client's control port (RFC 959 §3.2), where nothing listens here.
	for _, line := range []string{"RETR hello.txt", "STOR x", "STOU", "LIST"} {
		c.expect(line, 150)
		c.expectReply(425)
	}
	r := c.expect("FEAT", 211)
	want := []string{"211-Extensions supported:", " EPRT", " EPSV", " HOST", " LANG EN*", " MDTM",
		" MLST type*;size*;modify*;perm*;unique*;", " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End"}
	want = slices.Insert(want, len(want)-1, tlsFeatures...)
	if strings.Join(r.lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("FEAT = %q", r.lines)
	}
	if r := c.expect("EPSV 3", 522); !strings.HasSuffix(r.lines[0], "(1)") || strings.Count(r.lines[0], "(") != 1 {
		t.Errorf("522 text: %v", r)
	}
}

func TestLineHandling(t *testing.T) {
	srv, _ := startServer(t, func(s *Server) { s.MaxLineLength = 64 })
	c := login(t, srv)

	// Split and pipelined commands.
	c.sendRaw([]byte("NO"))
	c.sendRaw([]byte("OP\r\nNOOP\r\nSYST\r\n"))
	c.expectReply(200)
	c.expectReply(200)
	c.expectReply(215)

	// Empty lines get no reply.
	c.sendRaw([]byte("\r\n\r\nNOOP\r\n"))
	c.expectReply(200)

	// Too long: 500, the rest of the line is dropped, the session goes on.
	c.send("NOOP " + strings.Repeat("x", 200))
	if r := c.expectReply(500); !strings.Contains(r.lines[0], "too long") {
		t.Errorf("long line: %v", r)
	}
	c.expect("NOOP", 200)
	c.send("NOOP " + strings.Repeat("y", 64-5)) // exactly at the limit
	c.expectReply(200)

	// Telnet: WILL is refused with DONT, DO with WONT; IAC IAC is 0xFF.
	c.sendRaw([]byte{telnetIAC, telnetWILL, 1})
	c.sendRaw([]byte("NOOP\r\n"))
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	got := make([]byte, 3)
	if _, err := c.br.Read(got[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.br.Read(got[1:]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{telnetIAC, telnetDONT, 1}) {
		t.Errorf("answer to IAC WILL: % x", got)
	}
	c.expectReply(200)
	c.sendRaw([]byte{telnetIAC, telnetDO, 3})
	want := []byte{telnetIAC, telnetWONT, 3}
	for i := range want {
		b, err := c.br.ReadByte()
		if err != nil || b != want[i] {
			t.Fatalf("answer to IAC DO: byte %d = %x, %v", i, b, err)
		}
	}
	c.sendRaw([]byte{telnetIAC, telnetIP, telnetIAC, telnetDM})
	c.sendRaw([]byte("NOOP\r\n"))
	c.expectReply(200)
	c.sendRaw([]byte{'N', telnetIAC, 241, 'O', 'O', 'P', '\r', '\n'}) // IAC NOP inside a verb
	c.expectReply(200)
	c.sendRaw([]byte{telnetIAC, telnetSB, 24, 0, 'x', telnetIAC, telnetSE}) // subnegotiation
	c.sendRaw([]byte("SYST\r\n"))
	c.expectReply(215)

	// A 0xFF byte in a name: sent as IAC IAC, echoed doubled in 257.
	c.sendRaw(append([]byte("MKD x"), telnetIAC, telnetIAC, 'y', '\r', '\n'))
	r := c.expectReply(257)
	if r.lines[0] != "257 \"/x\xff\xffy\" created." {
		t.Errorf("MKD with 0xFF: %q", r.lines[0])
	}
	if _, err := os.Stat(filepath.Join(srv.Root, "x\xffy")); err != nil {
		t.Errorf("directory with 0xFF: %v", err)
	}
}

func TestIdleTimeout(t *testing.T) {
	srv, _ := startServer(t, func(s *Server) { s.IdleTimeout = 300 * time.Millisecond })
	c := login(t, srv)
	c.expectReply(421)
	c.expectEOF()
}

func TestDirectories(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)

	c.expect("CWD sub", 250)
	if r := c.expect("PWD", 257); r.lines[0] != `257 "/sub" is the current directory.` {
		t.Errorf("PWD: %v", r)
	}
	c.expect("CDUP", 250)
	c.expect("CDUP", 250) // stays at the root
	if r := c.expect("XPWD", 257); !strings.HasPrefix(r.lines[0], `257 "/" `) {
		t.Errorf("XPWD: %v", r)
	}
	c.expect("CWD nope", 550)
	c.expect("CWD hello.txt", 550)
	c.expect("XCWD /sub", 250)
	c.expect("XCUP", 250)

	// MKD answers the absolute path, quotes doubled.
	c.expect("CWD sub", 250)
	if r := c.expect(`MKD q"d`, 257); r.lines[0] != `257 "/sub/q""d" created.` {
		t.Errorf("MKD: %v", r)
	}
	c.expect(`MKD q"d`, 550) // exists
	c.expect("MKD no/such/parent", 550)
	c.expect(`CWD /sub/q"d`, 250)
	if r := c.expect("PWD", 257); r.lines[0] != `257 "/sub/q""d" is the current directory.` {
		t.Errorf("PWD: %v", r)
	}
	c.expect("CWD /", 250)
	c.expect("XMKD two words", 257)
	c.expect("XRMD two words", 250)
	c.expect("RMD sub", 550) // not empty
	c.expect("RMD nope", 550)
	c.expect("RMD hello.txt", 550)
	c.expect("DELE sub", 550)
	c.expect("DELE nope", 550)
	c.expect(`RMD /sub/q"d`, 250)

	// Escapes are clamped at the root.
	c.expect("CWD ../../..", 250)
	if r := c.expect("PWD", 257); !strings.HasPrefix(r.lines[0], `257 "/" `) {
		t.Errorf("PWD after ..: %v", r)
	}
	c.expect("SIZE ../../../hello.txt", 213)
	c.expect("SIZE /etc/passwd", 550)
	c.expect("SIZE hello.txt\x00.jpg", 501)
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "secret"), []byte("x"))
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(fx.root, "link")); err != nil {
		t.Fatal(err)
	}
	c.expect("SIZE link", 550)
	c.expect("RETR link", 550)

	// RNFR/RNTO.
	c.expect("RNTO x", 503)
	c.expect("RNFR nope", 550)
	c.expect("RNFR hello.txt", 350)
	c.expect("NOOP", 200)
	c.expect("RNTO moved.txt", 503)
	c.expect("RNFR hello.txt", 350)
	c.expect("RNTO moved.txt", 250)
	c.expect("SIZE hello.txt", 550)
	c.expect("RNFR moved.txt", 350)
	c.expect("RNTO no/such/dir/x", 553)
	c.expect("RNFR moved.txt", 350)
	c.expect("RNTO /sub/moved.txt", 250)
	if got := fx.read(t, "sub/moved.txt"); !bytes.Equal(got, fx.text) {
		t.Errorf("renamed file content %q", got)
	}
	c.expect("DELE /sub/moved.txt", 250)
	c.expect("DELE /sub/moved.txt", 550)

	// SIZE and MDTM.
	c.expect("TYPE I", 200)
	if r := c.expect("SIZE bin.dat", 213); r.lines[0] != fmt.Sprintf("213 %d", len(fx.bin)) {
		t.Errorf("SIZE: %v", r)
	}
	c.expect("SIZE sub", 550)
	mtime := time.Date(2020, 2, 29, 13, 14, 15, 0, time.UTC)
	os.Chtimes(filepath.Join(fx.root, "bin.dat"), mtime, mtime)
	if r := c.expect("MDTM bin.dat", 213); r.lines[0] != "213 20200229131415" {
		t.Errorf("MDTM: %v", r)
	}
	c.expect("MDTM nope", 550)

	// STAT with a path.
	if r := c.expect("STAT /", 212); !strings.Contains(r.text(), "bin.dat") {
		t.Errorf("STAT /: %v", r)
	}
	if r := c.expect("STAT bin.dat", 213); !strings.Contains(r.text(), "bin.dat") {
		t.Errorf("STAT file: %v", r)
	}
	c.expect("STAT nope", 550)
}

func TestTransfers(t *testing.T) {
	srv, fx := startServer(t, nil)
	for _, mode := range []string{"pasv", "epsv", "port", "eprt"} {
		t.Run(mode, func(t *testing.T) {
			c := login(t, srv)
			c.expect("TYPE I", 200)
			if got := c.retrieve(mode, "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
				t.Errorf("RETR: %d bytes differ from the file", len(got))
			}
			name := "up-" + mode
			c.store(mode, "STOR "+name, fx.bin)
			if got := fx.read(t, name); !bytes.Equal(got, fx.bin) {
				t.Errorf("STOR: stored %d bytes differ", len(got))
			}
			list := string(c.retrieve(mode, "LIST"))
			if !strings.Contains(list, " bin.dat\r\n") || !strings.Contains(list, "\r\nd") || strings.Contains(strings.ReplaceAll(list, "\r\n", ""), "\n") {
				t.Errorf("LIST: %q", list)
			}
			if got := string(c.retrieve(mode, "LIST hello.txt")); !strings.HasSuffix(got, " hello.txt\r\n") || strings.Count(got, "\n") != 1 {
				t.Errorf("LIST file: %q", got)
			}
			if got := string(c.retrieve(mode, "NLST sub")); got != "sub/a.txt\r\n" {
				t.Errorf("NLST sub: %q", got)
			}
			if got := string(c.retrieve(mode, "NLST")); !strings.HasPrefix(got, "bin.dat\r\nhello.txt\r\nsub\r\n") {
				t.Errorf("NLST: %q", got)
			}
			if got := string(c.retrieve(mode, "LIST -la sub")); !strings.HasSuffix(got, " a.txt\r\n") {
				t.Errorf("LIST -la sub: %q", got)
			}
			c.expect("DELE "+name, 250)
		})
	}
}

func TestTypeAConversion(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	want := crlf(fx.text)
	if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, want) {
		t.Errorf("TYPE A RETR = %q, want %q", got, want)
	}
	if r := c.expect("SIZE hello.txt", 213); r.lines[0] != "213 "+strconv.Itoa(len(want)) {
		t.Errorf("TYPE A SIZE: %v", r)
	}
	c.store("pasv", "STOR up.txt", []byte("x\r\ny\r\nbare\rcr\r\r\n\r"))
	if got := string(fx.read(t, "up.txt")); got != "x\ny\nbare\rcr\r\n\r" {
		t.Errorf("TYPE A STOR stored %q", got)
	}
	// The conversion is invertible.
	if got := string(c.retrieve("pasv", "RETR up.txt")); got != "x\r\ny\r\nbare\rcr\r\r\n\r" {
		t.Errorf("TYPE A round trip: %q", got)
	}
	// Listings use CRLF whatever the TYPE.
	c.expect("TYPE I", 200)
	if got := string(c.retrieve("pasv", "NLST sub")); got != "sub/a.txt\r\n" {
		t.Errorf("NLST in TYPE I: %q", got)
	}
	if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, fx.text) {
		t.Errorf("TYPE I RETR = %q", got)
	}
	c.expect("TYPE L 8", 200)
	if got := c.retrieve("epsv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
		t.Error("TYPE L 8 RETR differs")
	}
}

func TestRest(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	for _, n := range []int{0, 1, 5000, len(fx.bin)} {
		if got := c.retrieve("pasv", "RETR bin.dat", "REST "+strconv.Itoa(n)); !bytes.Equal(got, fx.bin[n:]) {
			t.Errorf("REST %d: got %d bytes", n, len(got))
		}
	}
	// Applies once.
	c.retrieve("pasv", "RETR bin.dat", "REST 10")
	if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
		t.Error("REST applied twice")
	}
	// Cleared by any other command.
	if got := c.retrieve("pasv", "RETR bin.dat", "REST 10", "NOOP"); !bytes.Equal(got, fx.bin) {
		t.Error("REST survived NOOP")
	}
	// Beyond the end: 554, no preliminary reply, the PASV stays usable.
	d := c.pasv()
	c.expect("REST "+strconv.Itoa(len(fx.bin)+1), 350)
	c.expect("RETR bin.dat", 554)
	c.send("RETR bin.dat")
	c.expectPrelim()
	if got := readAll(t, d); !bytes.Equal(got, fx.bin) {
		t.Error("RETR after 554 differs")
	}
	c.expectReply(226)

	// REST + STOR writes at the offset; APPE honours it the same way.
	c.store("pasv", "STOR r.bin", []byte("01234"))
	c.store("pasv", "STOR r.bin", []byte("56789"), "REST 5")
	if got := string(fx.read(t, "r.bin")); got != "0123456789" {
		t.Errorf("REST+STOR: %q", got)
	}
	c.store("pasv", "APPE r.bin", []byte("abc"), "REST 3")
	if got := string(fx.read(t, "r.bin")); got != "012abc" {
		t.Errorf("REST+APPE: %q", got)
	}
	c.pasv()
	c.expect("REST 100", 350)
	c.expect("STOR r.bin", 554)

	// TYPE A: offsets count the converted stream.
	c.expect("TYPE A", 200)
	conv := crlf(fx.text)
	for _, n := range []int{3, 6, 7, len(conv)} {
		if got := c.retrieve("pasv", "RETR hello.txt", "REST "+strconv.Itoa(n)); !bytes.Equal(got, conv[n:]) {
			t.Errorf("TYPE A REST %d: got %q, want %q", n, got, conv[n:])
		}
	}
	c.store("pasv", "STOR t.txt", []byte("ab\r\ncd\r\n"))
	c.store("pasv", "STOR t.txt", []byte("XY\r\n"), "REST 4") // after "ab\r\n"
	if got := string(fx.read(t, "t.txt")); got != "ab\nXY\n" {
		t.Errorf("TYPE A REST+STOR: %q", got)
	}
	c.pasv()
	c.expect("REST 3", 350) // between CR and LF
	c.expect("STOR t.txt", 554)
}

func TestStouAppe(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.expect("CWD sub", 250)
	pre := c.store("pasv", "STOU", []byte("12345"))
	name, ok := strings.CutPrefix(pre.lines[0][3:], " FILE: ")
	if !ok {
		t.Fatalf("STOU reply %v", pre)
	}
	if got := string(fx.read(t, "sub/"+name)); got != "12345" {
		t.Errorf("STOU content %q", got)
	}
	pre2 := c.store("epsv", "STOU", nil)
	if pre2.lines[0] == pre.lines[0] {
		t.Error("STOU reused a name")
	}
	c.expect("SIZE "+name, 213)
	c.expect("STOU x", 501)

	c.store("pasv", "STOR ap.txt", []byte("abc"))
	c.store("pasv", "APPE ap.txt", []byte("def"))
	if got := string(c.retrieve("pasv", "RETR ap.txt")); got != "abcdef" {
		t.Errorf("APPE: %q", got)
	}
	c.store("pasv", "APPE new.txt", []byte("new"))
	if got := string(fx.read(t, "sub/new.txt")); got != "new" {
		t.Errorf("APPE new: %q", got)
	}
	c.expect("STOR", 501)
	c.pasv()
	c.expect("STOR /sub", 553)
	c.expect("STOR /no/such/dir/x", 553)
	// A failed data connection leaves no file behind.
	port := freePort(t) // closed again: the dial is refused
	c.expect(fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&255), 200)
	c.send("STOR ghost.txt")
	c.expectReply(150)
	c.expectReply(425)
	if _, err := os.Stat(filepath.Join(fx.root, "sub", "ghost.txt")); err == nil {
		t.Error("failed STOR left a file")
	}
}

func TestActiveRefusals(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := login(t, srv)
	c.expect("PORT 127,0,0,2,200,10", 501)   // bounce to a third party
	c.expect("PORT 127,0,0,1,3,255", 504)    // port 1023
	c.expect("PORT 127,0,0,1,0,0", 504)      // port 0
	c.expect("EPRT |1|127.0.0.2|5000|", 501) // third party
	c.expect("EPRT |1|127.0.0.1|25|", 504)
	c.expect("EPRT |1|127.0.0.1|0|", 501)
	c.expect("EPRT |1|::1|5000|", 501)
	if r := c.expect("EPRT |2|::1|5000|", 522); !strings.HasSuffix(r.lines[0], "(1)") {
		t.Errorf("EPRT |2| on IPv4: %v", r)
	}
	c.expect("EPRT |3|1.2.3.4|5000|", 522)
	c.expect("EPRT !1!127.0.0.1!5000!", 200)
	c.expect("EPRT |1|127.0.0.1|5000", 501)

	// EPSV ALL refuses the other data commands for the rest of the session.
	c.expect("EPSV ALL", 200)
	c.expect("PORT 127,0,0,1,200,10", 501)
	c.expect("PASV", 501)
	c.expect("EPRT |1|127.0.0.1|5000|", 501)
	if got := c.retrieve("epsv", "NLST sub"); string(got) != "sub/a.txt\r\n" {
		t.Errorf("NLST after EPSV ALL: %q", got)
	}
	c.expect("REIN", 220)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("PASV", 227)
}

func TestActiveSource(t *testing.T) {
	src := freePort(t)
	srv, _ := startServer(t, func(s *Server) { s.ActiveSourcePort = src })
	c := login(t, srv)
	for range 2 {
		accept := c.openData("port")
		c.send("NLST sub")
		c.expectReply(150)
		d := accept()
		if a := d.RemoteAddr().(*net.TCPAddr); !a.IP.Equal(net.IPv4(127, 0, 0, 1)) || a.Port != src {
			t.Errorf("active connection from %v, want port %d", a, src)
		}
		readAll(t, d)
		c.expectReply(226)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestPassiveRange(t *testing.T) {
	p := freePort(t)
	srv, _ := startServer(t, func(s *Server) { s.PasvMinPort, s.PasvMaxPort = p, p })
	c := login(t, srv)
	_, port := parse227(t, c.expect("PASV", 227))
	if port != p {
		t.Fatalf("PASV port %d, want %d", port, p)
	}
	// The only port is taken by the first session's listener.
	c2 := login(t, srv)
	c2.expect("PASV", 425)
	c2.expect("EPSV", 425)
	c.expect("ABOR", 225) // releases it
	if got := parse229(t, c2.expect("EPSV", 229)); got != p {
		t.Errorf("EPSV port %d, want %d", got, p)
	}
}

func TestPasvAddress(t *testing.T) {
	srv, _ := startServer(t, func(s *Server) { s.PasvAddress = net.ParseIP("198.18.0.7") })
	c := login(t, srv)
	ip, port := parse227(t, c.expect("PASV", 227))
	if !ip.Equal(net.ParseIP("198.18.0.7")) {
		t.Errorf("advertised %v", ip)
	}
	d := dialData(t, c.serverHost(), port)
	c.send("NLST sub")
	c.expectPrelim()
	readAll(t, d)
	c.expectReply(226)
}

func TestPassiveStealingRefused(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	_, port := parse227(t, c.expect("PASV", 227))
	thief, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: ioTimeout}).
		Dial("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)))
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2: %v", err)
	}
	defer thief.Close()
	thief.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := thief.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("connection from 127.0.0.2 was not closed: %d, %v", n, err)
	}
	d := dialData(t, c.serverHost(), port)
	c.send("RETR bin.dat")
	c.expectPrelim()
	if got := readAll(t, d); !bytes.Equal(got, fx.bin) {
		t.Error("RETR after stealing attempt differs")
	}
	c.expectReply(226)
}

func TestPortChangeClosesData(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := login(t, srv)
	d := c.pasv()
	c.expect("PASV", 227)
	d.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := d.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("old data connection still open: %d %v", n, err)
	}
	// ABOR closes an unused listener.
	_, port := parse227(t, c.expect("PASV", 227))
	c.expect("ABOR", 225)
	if d, err := net.DialTimeout("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)), ioTimeout); err == nil {
		d.Close()
		t.Error("listener still open after ABOR")
	}
	// After one transfer the passive port is closed.
	_, port = parse227(t, c.expect("PASV", 227))
	d = dialData(t, c.serverHost(), port)
	c.send("NLST")
	c.expectPrelim()
	readAll(t, d)
	c.expectReply(226)
	if d, err := net.DialTimeout("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)), ioTimeout); err == nil {
		d.Close()
		t.Error("passive port still open after the transfer")
	}
	c.expect("LIST", 150) // the default data port, where nothing listens
	c.expectReply(425)
}

// bigFile adds a sparse 64 MiB file, more than the socket buffers of a
// loopback connection hold, so that a transfer stalls when nobody reads.
func bigFile(t testing.TB, fx *fixture) string {
	t.Helper()
	f, err := os.Create(filepath.Join(fx.root, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	return "big.bin"
}

func TestAbortDuringRetr(t *testing.T) {
	srv, fx := startServer(t, nil)
	big := bigFile(t, fx)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	d := c.pasv()
	c.send("RETR " + big)
	c.expectPrelim()
	d.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := d.Read(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	// NOOP waits for the transfer; STAT is answered at once.
	c.send("NOOP")
	if r := c.expect("STAT", 213); !strings.Contains(r.text(), "bytes transferred") {
		t.Errorf("STAT during transfer: %v", r)
	}
	// Urgent-style ABOR: IAC IP IAC DM ABOR.
	c.sendRaw([]byte{telnetIAC, telnetIP, telnetIAC, telnetDM})
	c.send("ABOR")
	c.expectReply(426)
	c.expectReply(226)
	c.expectReply(200) // the queued NOOP
	c.expect("NOOP", 200)
}

func TestAbortDuringStor(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := login(t, srv)
	d := c.pasv()
	c.send("STOR slow.bin")
	c.expectPrelim()
	d.Write([]byte("some data"))
	c.send("ABOR")
	c.expectReply(426)
	c.expectReply(226)
	c.expect("NOOP", 200)
}

func TestQuitDuringTransfer(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	d := c.pasv()
	c.send("RETR bin.dat")
	c.expectPrelim()
	c.send("QUIT")
	c.send("NOOP") // dropped: nothing runs after QUIT
	if got := readAll(t, d); !bytes.Equal(got, fx.bin) {
		t.Error("data differs")
	}
	c.expectReply(226)
	c.expectReply(221)
	c.expectEOF()
}

func TestClientResetMidTransfer(t *testing.T) {
	srv, fx := startServer(t, nil)
	big := bigFile(t, fx)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	d := c.pasv()
	c.send("RETR " + big)
	c.expectPrelim()
	d.(*net.TCPConn).SetLinger(0)
	d.Close()
	c.expectReply(426)
	c.expect("NOOP", 200)
}

func TestCloseDuringTransfer(t *testing.T) {
	srv, fx := startServer(t, nil)
	big := bigFile(t, fx)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.pasv()
	c.send("RETR " + big)
	c.expectPrelim()
	c2 := login(t, srv)
	c2.expect("STOR up.bin", 150) // no data setting: the default data port, where nothing listens
	c2.expectReply(425)
	c2.pasv()
	c2.send("STOR up.bin")
	c2.expectPrelim()

	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
	c.expectEOF()
}

func TestIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	srv, fx := startServer(t, func(s *Server) { s.Addr = "[::1]:0" })
	if !strings.HasPrefix(srv.URL(), "ftp://conform@[::1]:") {
		t.Errorf("URL %q", srv.URL())
	}
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.expect("PASV", 502)
	c.expect("PORT 127,0,0,1,200,10", 501)
	if r := c.expect("EPSV 1", 522); !strings.HasSuffix(r.lines[0], "(2)") {
		t.Errorf("EPSV 1 on IPv6: %v", r)
	}
	c.expect("EPRT |1|127.0.0.1|5000|", 522)
	c.expect("EPRT |2|::2|5000|", 501)
	c.expect("EPSV 2", 229)
	for _, mode := range []string{"epsv", "eprt"} {
		if got := c.retrieve(mode, "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
			t.Errorf("%s RETR differs", mode)
		}
		c.store(mode, "STOR v6-"+mode, fx.text)
		if got := fx.read(t, "v6-"+mode); !bytes.Equal(got, fx.text) {
			t.Errorf("%s STOR differs", mode)
		}
	}
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), "[::1]") {
		t.Errorf("STAT: %v", r)
	}
}

func TestRegistries(t *testing.T) {
	faults := Faults()
	if len(faults) < 30 {
		t.Errorf("only %d faults", len(faults))
	}
	for i, f := range faults {
		if i > 0 && faults[i-1].Name >= f.Name {
			t.Errorf("faults not sorted at %q", f.Name)
		}
		// A fault that ends the run at the preflight (Exit) breaks no
		// check; every other fault must name what it breaks.
		if f.Description == "" || (len(f.Breaks) == 0) == (f.Exit == 0) {
			t.Errorf("fault %q incomplete: it needs a description, and either checks it breaks or the exit code of a run that stops at the preflight", f.Name)
		}
	}
	faults[0].Breaks[0] = "changed"
	if Faults()[0].Breaks[0] == "changed" {
		t.Error("Faults returns shared slices")
	}
	vars := Variations()
	if len(vars) < 8 {
		t.Errorf("%d variations", len(vars))
	}
	for i, v := range vars {
		if i > 0 && vars[i-1].Name >= v.Name {
			t.Errorf("variations not sorted at %q", v.Name)
		}
	}
}

func TestLoginLockout(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	for range maxLoginFailures - 1 {
		c.expect("USER conform", 331)
		c.expect("PASS wrong", 530)
	}
	c.expect("USER conform", 331)
	c.expect("PASS wrong", 421)
	c.expectEOF()
	login(t, srv) // other connections are not affected
}

func TestActiveSourceLMinus1(t *testing.T) {
	// L-1 of a kernel-chosen control port may be held by another socket:
	// listen below the ephemeral range, where the kernel does not hand out
	// ports, so L-1 is free.
	port := 29101 + int(time.Now().UnixNano()%3000)
	for ; port < 32700; port += 7 {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port-1)))
		if err != nil {
			continue
		}
		ln.Close()
		if ln2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			ln2.Close()
			break
		}
	}
	srv, _ := startServer(t, func(s *Server) {
		s.ActiveSourcePort = -1
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	})
	c := login(t, srv)
	accept := c.openData("eprt")
	c.send("NLST")
	c.expectReply(150)
	d := accept()
	want := srv.Address().(*net.TCPAddr).Port - 1
	if a := d.RemoteAddr().(*net.TCPAddr); a.Port != want {
		t.Errorf("active connection from port %d, want %d", a.Port, want)
	}
	readAll(t, d)
	c.expectReply(226)
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, fx := startServer(t, nil)
	big := bigFile(t, fx)
	c := login(t, srv)
	c.retrieve("pasv", "NLST")
	c.expect("PASV", 227) // an idle passive listener
	c2 := login(t, srv)
	c2.expect("TYPE I", 200)
	c2.pasv()
	c2.send("RETR " + big) // a stalled transfer
	c2.expectPrelim()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A goroutine started with WaitGroup.Go signals Done just before it
	// exits, so Close can return while one is still unwinding: give the
	// count a bounded moment to settle.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
