package fakeserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Unit checks of the faults and variations of faults_security.go, added to
// the tables of faults_test.go.

const shortDelay = 50 * time.Millisecond

func fastLogin(s *Server) { s.LoginFailDelay = shortDelay }

func portArg(ip net.IP, port int) string {
	ip4 := ip.To4()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", ip4[0], ip4[1], ip4[2], ip4[3], port>>8, port&255)
}

// dialFromSecond connects to a passive port from 127.0.0.2.
func dialFromSecond(t *testing.T, c *tclient, port int) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: ioTimeout}
	nc, err := d.Dial("tcp", net.JoinHostPort(c.serverHost(), strconv.Itoa(port)))
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

func init() {
	checks := map[string]faultCheck{
		faultBounceAccepted: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)})
			if err != nil {
				t.Skipf("cannot listen on 127.0.0.2: %v", err)
			}
			defer ln.Close()
			c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 2), ln.Addr().(*net.TCPAddr).Port), 200)
			c.send("NLST")
			c.expectPrelim()
			readAll(t, acceptData(t, ln))
			c.expectReply(226)
			c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 1), 1023), 504) // low ports still refused
		}},
		faultPortLowAccepted: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 1), 1023), 200)
			c.expect("EPRT |1|127.0.0.1|1023|", 200)
			c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 2), 2000), 501)
		}},
		faultEprtOtherFamily: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("EPRT |2|::1|2000|", 200)
			c.expect("EPRT |1|127.0.0.2|2000|", 501)
		}},
		faultPasvAnyPeer: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("TYPE I", 200)
			_, port := parse227(t, c.expect("PASV", 227))
			thief := dialFromSecond(t, c, port)
			c.send("RETR bin.dat")
			c.expectPrelim()
			if got := readAll(t, thief); !bytes.Equal(got, fx.bin) {
				t.Errorf("the connection from 127.0.0.2 got %d bytes", len(got))
			}
			c.expectReply(226)
		}},
		faultNoLoginDelay: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER conform", 331)
			start := time.Now()
			c.expect("PASS wrong", 530)
			if d := time.Since(start); d > DefaultLoginFailDelay/2 {
				t.Errorf("wrong password answered after %v", d)
			}
		}},
		faultNoLoginLockout: {configure: fastLogin, check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			for range maxLoginFailures + 2 {
				c.expect("USER conform", 331)
				c.expect("PASS wrong", 530)
			}
		}},
		faultLockoutWithout421: {configure: fastLogin, check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			for range maxLoginFailures {
				c.expect("USER conform", 331)
				c.expect("PASS wrong", 530)
			}
			c.expectEOF()
		}},
		faultUnknownUser530: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER nobody-here", 530)
			c.expect("USER conform", 331)
		}},
		faultUnknownUserPass550: {configure: fastLogin, check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER nobody-here", 331)
			c.expect("PASS x", 550)
			c.expect("USER conform", 331)
			c.expect("PASS wrong", 530)
		}},
		faultUnknownUserFast: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER nobody-here", 331)
			start := time.Now()
			c.expect("PASS x", 530)
			if d := time.Since(start); d > DefaultLoginFailDelay/2 {
				t.Errorf("unknown user refused after %v", d)
			}
		}},
		faultStatRevealsUser: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("STAT ~conform", 550)
			c.expect("STAT ~nobody-here", 530)
		}},
		faultAnonymousWrite: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER anonymous", 331)
			c.expect("PASS guest@example.com", 230)
			c.expect("MKD anon-dir", 257)
		}},
		faultSiteExec: {check: func(t *testing.T, srv *Server, fx *fixture) {
			connect(t, srv).expect("SITE EXEC id", 530)
			c := login(t, srv)
			if r := c.expect("SITE EXEC id", 200); !strings.Contains(r.text(), "uid=") {
				t.Errorf("SITE EXEC: %v", r)
			}
			c.expect("SITE CPFR /etc/passwd", 500)
		}},
		faultDebugEnabled: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("XDBG", 200)
			c.expect("SITE DEBUG", 200)
		}},
		faultCwdEscape: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("CWD ..", 250)
			if r := c.expect("PWD", 257); !strings.Contains(r.text(), fakeHostDir) {
				t.Errorf("PWD after CWD ..: %v", r)
			}
			c.expect("CWD /", 250)
			c.expect("CDUP", 250)
			c.expect("CWD /", 250)
			c.expect("CWD ../..", 250)
			c.expect("CWD etc", 250)
			c.expect("CWD ../../srv/ftp/sub", 250)
			if r := c.expect("PWD", 257); !strings.Contains(r.text(), `"/sub"`) {
				t.Errorf("PWD after coming back: %v", r)
			}
			c.expect("CWD /..", 250) // absolute paths stay in the root
			if r := c.expect("PWD", 257); !strings.Contains(r.text(), `"/"`) {
				t.Errorf("PWD after CWD /..: %v", r)
			}
		}},
		faultRetrEscape: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			if got := c.retrieve("pasv", "RETR ../../etc/passwd"); string(got) != strings.ReplaceAll(fakePasswd, "\n", "\r\n") {
				t.Errorf("RETR ../../etc/passwd: %q", got)
			}
			c.expect("SIZE /etc/passwd", 550) // absolute paths stay in the root
			c.expect("CWD sub", 250)
			c.expect("SIZE ../hello.txt", 213)
		}},
		faultWriteEscape: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("CWD sub", 250)
			c.store("pasv", "STOR ../../../x.txt", []byte("x"))
			if _, err := os.Stat(filepath.Join(fx.root, "x.txt")); err == nil {
				t.Error("x.txt landed in the root")
			}
			if _, err := os.Stat(filepath.Join(fx.root, filepath.FromSlash(fakeHostDir), "x.txt")); err != nil {
				t.Errorf("x.txt not in the fake host tree: %v", err)
			}
			c.expect("MKD /../y", 257) // absolute paths stay in the root
		}},
		faultNulTruncates: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("SIZE hello.txt\x00.jpg", 213)
		}},
		faultSymlinkEscape: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			list := c.retrieve("pasv", "LIST")
			if !bytes.Contains(list, []byte(symlinkFixture+" -> /etc/passwd")) {
				t.Errorf("LIST: %q", list)
			}
			if got := c.retrieve("pasv", "RETR "+symlinkFixture); !bytes.Contains(got, []byte("root:x:0:0:")) {
				t.Errorf("RETR %s: %q", symlinkFixture, got)
			}
		}},
	}
	checks[faultPasvSequential] = faultCheck{
		configure: func(s *Server) { s.PasvMinPort, s.PasvMaxPort = 23400, 23499 },
		check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			prev := 0
			for i := range 4 {
				_, p := parse227(t, c.expect("PASV", 227))
				if i > 0 && p != prev+1 && !(p == 23400 && prev == 23499) {
					t.Errorf("port %d after %d", p, prev)
				}
				prev = p
			}
		},
	}
	for name, fc := range checks {
		faultChecks[name] = fc
	}

	variationChecks[varPortRefusal500] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 1), 1023), 500)
		c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 2), 2000), 500)
		c.expect("EPRT |1|127.0.0.2|2000|", 500)
	}
	variationChecks[varPathEscapeRefused] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CWD ..", 501)
		c.expect("CWD /..", 501)
		c.expect("RETR ../../etc/passwd", 501)
		c.expect("CWD sub", 250)
		c.expect("CWD ..", 250)
		c.expect("CWD sub/../sub", 250)
		c.expect("SIZE ../hello.txt", 213)
	}
	variationChecks[varPasvForeign425] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		_, port := parse227(t, c.expect("PASV", 227))
		thief := dialFromSecond(t, c, port)
		readAll(t, thief)
		c.send("RETR hello.txt")
		c.expectPrelim()
		c.expectReply(425)
	}
}

func TestSecurityCleanServer(t *testing.T) {
	srv, fx := startServer(t, func(s *Server) { s.LoginFailDelay = shortDelay })
	if err := os.Symlink("/etc/passwd", filepath.Join(fx.root, "passwd-link")); err != nil {
		t.Fatal(err)
	}
	c := login(t, srv)
	c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 1), 1023), 504)
	c.expect("EPRT |1|127.0.0.1|1023|", 504)
	c.expect("PORT "+portArg(net.IPv4(127, 0, 0, 2), 2000), 501)
	c.expect("EPRT |2|::1|2000|", 522)
	c.expect("CWD ../../..", 250)
	if r := c.expect("PWD", 257); !strings.HasPrefix(r.lines[0], `257 "/" `) {
		t.Errorf("PWD after CWD ../../..: %v", r)
	}
	c.expect("RETR ../../etc/passwd", 550)
	c.expect("RETR passwd-link", 550)
	c.expect("SIZE hello.txt\x00.jpg", 501)
	c.expect("SITE EXEC id", 500)
	c.expect("XDBG", 500)

	a := connect(t, srv)
	a.expect("USER anonymous", 331)
	a.expect("PASS guest@example.com", 530)
	a.expect("STAT ~conform", 530)
}

func TestLoginFailDelaySetting(t *testing.T) {
	srv, _ := startServer(t, func(s *Server) { s.LoginFailDelay = 150 * time.Millisecond })
	c := connect(t, srv)
	c.expect("USER conform", 331)
	start := time.Now()
	c.expect("PASS wrong", 530)
	if d := time.Since(start); d < 150*time.Millisecond || d > DefaultLoginFailDelay {
		t.Errorf("wrong password answered after %v, want about 150ms", d)
	}
}
