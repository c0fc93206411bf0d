package fakeserver

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// faultCheck shows the deviation of one fault on a server started with it.
type faultCheck struct {
	configure func(*Server)
	check     func(t *testing.T, srv *Server, fx *fixture)
}

// readUntilEnd reads raw lines of a multi-line reply until a line that looks
// like the end of any reply ("xyz " with any code), or the "xyz-End" of the
// multiline-bad-end fault.
func readUntilEnd(c *tclient) []string {
	c.t.Helper()
	var lines []string
	for {
		l := c.line()
		lines = append(lines, l)
		if regexp.MustCompile(`^\d{3} `).MatchString(l) || strings.HasSuffix(l, "-End") {
			return lines
		}
	}
}

var faultChecks = map[string]faultCheck{
	faultGreetingWrongCode: {check: func(t *testing.T, srv *Server, fx *fixture) {
		if l := dialServer(t, srv).line(); l != "200 Ready" {
			t.Errorf("greeting %q", l)
		}
	}},
	faultMultilineBadEnd: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		for _, cmd := range []string{"FEAT", "HELP", "STAT"} {
			c.send(cmd)
			lines := readUntilEnd(c)
			if last := lines[len(lines)-1]; !regexp.MustCompile(`^\d{3}-End$`).MatchString(last) {
				t.Errorf("%s ends with %q", cmd, last)
			}
		}
		// Nothing else followed: the next line answers NOOP.
		if l := c.cmd("NOOP"); l.lines[0] != "200 OK" {
			t.Errorf("after the unterminated replies: %v", l)
		}
	}},
	faultMultilineWrongEndCode: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("FEAT")
		lines := readUntilEnd(c)
		if !strings.HasPrefix(lines[0], "211-") || lines[len(lines)-1] != "212 End" {
			t.Errorf("FEAT = %q", lines)
		}
		c.send("HELP")
		lines = readUntilEnd(c)
		if !strings.HasPrefix(lines[0], "214-") || !strings.HasPrefix(lines[len(lines)-1], "215 ") {
			t.Errorf("HELP = %q", lines)
		}
	}},
	faultBareLF: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := dialServer(t, srv)
		l, err := c.rawLine()
		if err != nil || !strings.HasPrefix(l, "220 ") || strings.HasSuffix(l, "\r\n") {
			t.Errorf("greeting %q, %v", l, err)
		}
	}},
	faultReplyNoSpace: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("NOOP")
		if l := c.line(); l != "200OK" {
			t.Errorf("NOOP: %q", l)
		}
		c.send("SYST")
		if l := c.line(); l != "215UNIX Type: L8" {
			t.Errorf("SYST: %q", l)
		}
		c.expect("FEAT", 211)
	}},
	faultShortCode: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("NOOP")
		if l := c.line(); l != "20 OK" {
			t.Errorf("NOOP: %q", l)
		}
	}},
	faultBadFirstDigit: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("NOOP")
		if l := c.line(); l != "700 OK" {
			t.Errorf("NOOP: %q", l)
		}
	}},
	faultUserWrongClass: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("USER conform", 150)
		c.expect("PASS "+testPassword, 230)
	}},
	faultAcceptBadPassword: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("USER conform", 331)
		c.expect("PASS wrong", 230)
	}},
	faultPassWithoutUser: {check: func(t *testing.T, srv *Server, fx *fixture) {
		connect(t, srv).expect("PASS wrong", 530)
		c := connect(t, srv)
		c.expect("PASS "+testPassword, 230)
		c.expect("PWD", 257)
	}},
	faultNoopNoReply: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("NOOP")
		c.expect("SYST", 215)
	}},
	faultSystUnimplemented: {check: func(t *testing.T, srv *Server, fx *fixture) {
		connect(t, srv).expect("SYST", 502)
	}},
	faultTypeL8Refused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE L 8", 504)
		c.expect("TYPE I", 200)
	}},
	faultModeSRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		login(t, srv).expect("MODE S", 504)
	}},
	faultQuitNoClose: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("QUIT", 221)
		c.expect("NOOP", 200)
	}},
	faultQuitSilentClose: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.send("QUIT")
		c.expectEOF()
	}},
	faultPasvUnimplemented: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("PASV", 502)
		c.expect("EPSV", 229)
	}},
	faultPasvNoListen: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		_, port := parse227(t, c.expect("PASV", 227))
		if d, err := net.DialTimeout("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)), ioTimeout); err == nil {
			d.Close()
			t.Error("something listens on the PASV port")
		}
		c.send("LIST")
		c.expectReply(150)
		c.expectReply(425)
		port = parse229(t, c.expect("EPSV", 229))
		if d, err := net.DialTimeout("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)), ioTimeout); err == nil {
			d.Close()
			t.Error("something listens on the EPSV port")
		}
	}},
	faultPasvWrongAddress: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		ip, port := parse227(t, c.expect("PASV", 227))
		if !ip.Equal(net.ParseIP(wrongPasvAddress)) {
			t.Errorf("advertised %v", ip)
		}
		d := dialData(t, c.serverHost(), port)
		c.send("NLST sub")
		c.expectPrelim()
		if got := string(readAll(t, d)); got != "sub/a.txt\r\n" {
			t.Errorf("NLST: %q", got)
		}
		c.expectReply(226)
	}},
	faultPasvOutOfRange: {
		configure: func(s *Server) {
			p := freePortNoTB()
			s.PasvMinPort, s.PasvMaxPort = p, p
		},
		check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			_, port := parse227(t, c.expect("PASV", 227))
			if port == srv.PasvMinPort {
				t.Errorf("PASV port %d is inside the range", port)
			}
			d := dialData(t, c.serverHost(), port)
			c.send("NLST sub")
			c.expectPrelim()
			readAll(t, d)
			c.expectReply(226)
			if p := parse229(t, c.expect("EPSV", 229)); p == srv.PasvMinPort {
				t.Errorf("EPSV port %d is inside the range", p)
			}
		}},
	faultCorruptBinary: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		for _, mode := range []string{"pasv", "port"} {
			got := c.retrieve(mode, "RETR bin.dat")
			if len(got) != len(fx.bin) || countDiff(got, fx.bin) != 1 || got[len(got)/2] == fx.bin[len(got)/2] {
				t.Errorf("%s: want exactly the middle byte changed", mode)
			}
		}
		if got := c.retrieve("pasv", "RETR hello.txt", "TYPE A"); !bytes.Equal(got, crlf(fx.text)) {
			t.Error("TYPE A RETR changed too")
		}
	}},
	faultStorTruncate: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		for _, mode := range []string{"pasv", "port"} {
			c.store(mode, "STOR t.bin", fx.bin)
			if got := fx.read(t, "t.bin"); !bytes.Equal(got, fx.bin[:len(fx.bin)-1]) {
				t.Errorf("%s: stored %d of %d bytes", mode, len(got), len(fx.bin))
			}
		}
	}},
	faultNo150: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		d := c.pasv()
		c.send("RETR hello.txt")
		readAll(t, d)
		c.expectReply(226)
	}},
	faultEarly226: {check: func(t *testing.T, srv *Server, fx *fixture) {
		// The fault only touches files of 128 KiB and more.
		big := bytes.Repeat(fx.bin, 2)
		if err := os.WriteFile(filepath.Join(fx.root, "big.dat"), big, 0o644); err != nil {
			t.Fatal(err)
		}
		fx.bin = big
		c := login(t, srv)
		c.expect("TYPE I", 200)
		d := c.pasv()
		c.send("RETR big.dat")
		c.expectPrelim()
		c.expectReply(226) // before the data connection has been read at all
		got226 := time.Now()
		if got := readAll(t, d); !bytes.Equal(got, fx.bin) {
			t.Error("data differs")
		}
		if lag := time.Since(got226); lag < time.Second {
			t.Errorf("EOF %v after the 226, want the 2 s delay", lag)
		}
	}},
	faultListEmpty: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := c.retrieve("pasv", "LIST"); len(got) != 0 {
			t.Errorf("LIST: %q", got)
		}
		if got := c.retrieve("pasv", "NLST sub"); string(got) != "sub/a.txt\r\n" {
			t.Errorf("NLST: %q", got)
		}
	}},
	faultNlstLongFormat: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		got := string(c.retrieve("pasv", "NLST"))
		if !strings.HasPrefix(got, "-rw") || !strings.Contains(got, "\r\nd") {
			t.Errorf("NLST: %q", got)
		}
	}},
	faultPortRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("PORT 127,0,0,1,200,10", 500); r.lines[0] != "500 PORT disabled." {
			t.Errorf("PORT: %v", r)
		}
		c.retrieve("eprt", "NLST")
	}},
	faultPortNoDial: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		for _, mode := range []string{"port", "eprt"} {
			c.openData(mode)
			start := time.Now()
			c.send("LIST")
			c.expectReply(150)
			c.expectReply(425)
			if d := time.Since(start); d < 500*time.Millisecond {
				t.Errorf("425 after %v, want about 1 s", d)
			}
		}
	}},
	faultPortWrongSource: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		accept := c.openData("port")
		c.send("NLST")
		c.expectReply(150)
		r := c.reply()
		if r.code == 425 {
			t.Skip("cannot bind 127.0.0.2 here")
		}
		d := accept()
		if a := d.RemoteAddr().(*net.TCPAddr); !a.IP.Equal(net.IPv4(127, 0, 0, 2)) {
			t.Errorf("active connection from %v", a)
		}
		if r.code != 226 {
			t.Errorf("NLST: %v", r)
		}
	}},
	faultEpsvBadFormat: {check: func(t *testing.T, srv *Server, fx *fixture) {
		r := login(t, srv).expect("EPSV", 229)
		if !regexp.MustCompile(`^229 Entering Extended Passive Mode \(\d+\)$`).MatchString(r.lines[0]) {
			t.Errorf("EPSV: %v", r)
		}
	}},
}

func countDiff(a, b []byte) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func freePortNoTB() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestFaults(t *testing.T) {
	for _, f := range Faults() {
		fc, ok := faultChecks[f.Name]
		if !ok {
			// The self-test matrix (cmd/ftpconform) proves every fault
			// against the checks it breaks; a unit check here is extra.
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			srv, fx := startServer(t, func(s *Server) {
				s.Faults = []string{f.Name}
				if fc.configure != nil {
					fc.configure(s)
				}
			})
			fc.check(t, srv, fx)
		})
	}
	for name := range faultChecks {
		if !knownFault(name) {
			t.Errorf("unit check for unknown fault %q", name)
		}
	}
}

// basicSession runs a short conformant session; every variation must pass
// it unchanged.
func basicSession(t *testing.T, srv *Server, fx *fixture) {
	c := dialServer(t, srv)
	c.expectReply(220)
	c.expect("FEAT", 211)
	c.expect("HELP", 214)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("STAT", 211)
	c.expect("STAT /", 212)
	c.expect("TYPE I", 200)
	if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
		t.Error("PASV RETR differs")
	}
	if got := c.retrieve("epsv", "NLST sub"); string(got) != "sub/a.txt\r\n" {
		t.Errorf("EPSV NLST: %q", got)
	}
	c.store("port", "STOR up.bin", fx.bin[:1000])
	c.expect("CWD sub", 250)
	if r := c.cmd("CDUP"); r.code != 200 && r.code != 250 {
		t.Errorf("CDUP: %v", r)
	}
	c.expect("QUIT", 221)
	c.expectEOF()
}

var variationChecks = map[string]func(t *testing.T, srv *Server, fx *fixture){
	varMultilineGreeting: func(t *testing.T, srv *Server, fx *fixture) {
		if r := dialServer(t, srv).expectReply(220); len(r.lines) != 3 {
			t.Errorf("greeting %v", r)
		}
	},
	varUnknown502: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("XYZZ", 502)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		c.expect("XYZZ", 502)
	},
	varPasvNoParens: func(t *testing.T, srv *Server, fx *fixture) {
		r := login(t, srv).expect("PASV", 227)
		if !regexp.MustCompile(`^227 Entering Passive Mode \d+,\d+,\d+,\d+,\d+,\d+$`).MatchString(r.lines[0]) {
			t.Errorf("PASV: %v", r)
		}
	},
	varDigitLines: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		r := c.expect("HELP", 214)
		for _, want := range []string{" 214 inner", "214-still inside", "123 not the end", "2140 nope", ""} {
			if !containsLine(r.lines[1:len(r.lines)-1], want) {
				t.Errorf("HELP lacks %q: %q", want, r.lines)
			}
		}
		r = c.expect("FEAT", 211)
		for _, l := range r.lines[1 : len(r.lines)-1] {
			if !strings.HasPrefix(l, " ") {
				t.Errorf("FEAT line %q does not start with SP", l)
			}
		}
		if !containsLine(r.lines, " 211 inner") {
			t.Errorf("FEAT: %q", r.lines)
		}
	},
	varSlowReplies: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		start := time.Now()
		c.expect("NOOP", 200)
		if d := time.Since(start); d < 2*slowPause {
			t.Errorf("NOOP answered in %v", d)
		}
	},
	varPreliminary125: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		accept := c.openData("port")
		c.send("NLST")
		c.expectReply(125)
		readAll(t, accept())
		c.expectReply(226)
	},
	varEpsvOtherDelim: func(t *testing.T, srv *Server, fx *fixture) {
		r := login(t, srv).expect("EPSV", 229)
		if !regexp.MustCompile(`\(!!!\d+!\)$`).MatchString(r.lines[0]) {
			t.Errorf("EPSV: %v", r)
		}
	},
	varCdup200: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CWD sub", 250)
		c.expect("CDUP", 200)
		c.expect("XCUP", 200)
	},
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func TestVariations(t *testing.T) {
	for _, v := range Variations() {
		check, ok := variationChecks[v.Name]
		if !ok {
			t.Errorf("no check for variation %q", v.Name)
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			srv, fx := startServer(t, func(s *Server) { s.Variations = []string{v.Name} })
			check(t, srv, fx)
			basicSession(t, srv, fx)
		})
	}
}

func TestCleanServerBasicSession(t *testing.T) {
	srv, fx := startServer(t, nil)
	basicSession(t, srv, fx)
}
