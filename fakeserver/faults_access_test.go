package fakeserver

import (
	"strings"
	"testing"
)

// Unit checks of the legal variations of faults_access.go and of a few
// faults of faults_access.go and faults_files.go (the self-test matrix in
// cmd/ftpconform proves every fault against its checks).

func init() {
	variationChecks[varRein120] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.send("REIN")
		c.expectReply(120)
		c.expectReply(220)
		c.expect("PWD", 530)
	}
	variationChecks[varSmntSupported] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("SMNT /sub", 202)
		c.expect("SMNT /no-such-dir", 550)
		c.expect("SMNT", 501)
	}
	variationChecks[varAllo200] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("ALLO 1024", 200)
		c.expect("ALLO x", 501)
	}
	variationChecks[varCdupAtRoot550] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CDUP", 550)
		c.expect("CWD sub", 250)
		c.expect("CDUP", 250)
		if r := c.expect("PWD", 257); !strings.HasPrefix(r.text(), `257 "/" `) {
			t.Errorf("PWD after CDUP from /sub: %v", r)
		}
	}
	variationChecks[varRmdNotEmpty450] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("RMD sub", 450)
		c.expect("MKD empty", 257)
		c.expect("RMD empty", 250)
	}

	faultChecks["cdup-above-root"] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CDUP", 250)
		if r := c.expect("PWD", 257); !strings.HasPrefix(r.text(), `257 "/.." `) {
			t.Errorf("PWD after CDUP at the root: %v", r)
		}
		c.expect("CWD sub", 250) // "/../sub" is "/sub"
	}}
	faultChecks["prelogin-332"] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		for _, cmd := range []string{"SYST", "PWD", "HELP", "NOOP", "CWD /"} {
			c.expect(cmd, 332)
		}
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		c.expect("NOOP", 200)
	}}
	faultChecks["rnto-stale-source"] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("RNFR bin.dat", 350)
		c.expect("RNTO moved.dat", 250)
		c.store("pasv", "STOR bin.dat", []byte("new"))
		c.expect("RNTO again.dat", 250)
		if got := string(fx.read(t, "again.dat")); got != "new" {
			t.Errorf("again.dat = %q", got)
		}
	}}
	faultChecks["rnto-fail-loses-source"] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("RNFR bin.dat", 350)
		c.expect("RNTO no-such-dir/bin.dat", 553)
		c.expect("SIZE bin.dat", 550)
	}}
}
