package fakeserver

import (
	"bytes"
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"
)

// Unit checks of the faults and variations of faults_tls.go, added to the
// tables of faults_test.go.

// retrieveClear runs a download over a clear data connection of a TLS
// session and returns the bytes that arrived.
func (c *tclient) retrieveClear(command string) []byte {
	c.t.Helper()
	d := c.pasv()
	c.send(command)
	c.expectPrelim()
	got := readAll(c.t, d)
	c.expectReply(226)
	return got
}

// retrieveExpectingTLS runs a download on a passive data connection whose
// first bytes must be a TLS record from the server (a ServerHello).
func (c *tclient) retrieveExpectingTLS(command string, cfg *tls.Config) []byte {
	c.t.Helper()
	got, _ := c.retrieveTLS("pasv", command, cfg, false)
	return got
}

func init() {
	checks := map[string]faultCheck{
		faultProtPPlaintext: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, _ := loginTLS(t, srv)
			if got := c.retrieveClear("RETR hello.txt"); !bytes.Equal(got, crlf(fx.text)) {
				t.Errorf("data under PROT P: %q", got)
			}
		}},
		faultAuthNoHandshake: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("AUTH TLS", 234)
			tc := tls.Client(c.conn, srv.ClientTLSConfig())
			tc.SetDeadline(time.Now().Add(300 * time.Millisecond))
			if err := tc.Handshake(); err == nil || !strings.Contains(err.Error(), "timeout") {
				t.Errorf("handshake: %v, want a timeout", err)
			}
		}},
		faultTLSReplyFraming: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv) // the greeting ended in CRLF
			c.expect("AUTH TLS", 234)
			c.startTLS(srv.ClientTLSConfig())
			c.send("NOOP")
			if l, err := c.rawLine(); err != nil || l != "200 OK\n" {
				t.Errorf("NOOP inside TLS: %q, %v", l, err)
			}
		}},
		faultPbszBeforeAuth: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("PBSZ 0", 200)
			c.expect("PROT P", 503)
			c.authTLS(srv)
			c.expect("PROT P", 503)
		}},
		faultProtBeforePbsz: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("PROT P", 503)
			c.authTLS(srv)
			c.expect("PROT P", 200)
		}},
		faultAuthUnknown: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("AUTH XYZ", 234)
			c.startTLS(srv.ClientTLSConfig())
			c.expect("NOOP", 200)
		}},
		faultProtCStillTLS: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, cfg := loginTLS(t, srv)
			c.expect("PROT C", 200)
			if got := c.retrieveExpectingTLS("RETR hello.txt", cfg); !bytes.Equal(got, crlf(fx.text)) {
				t.Errorf("RETR: %q", got)
			}
			// Without an earlier PROT P, PROT C works.
			c2 := connect(t, srv)
			c2.authTLS(srv)
			c2.expect("USER conform", 331)
			c2.expect("PASS "+testPassword, 230)
			c2.expect("PBSZ 0", 200)
			c2.expect("PROT C", 200)
			c2.retrieveClear("NLST")
		}},
		faultNoSessionReuse: {check: func(t *testing.T, srv *Server, fx *fixture) {
			if !srv.RequireSessionReuse {
				t.Error("the fault does not turn RequireSessionReuse on")
			}
			c, _ := loginTLS(t, srv)
			d := c.pasv()
			c.send("RETR hello.txt")
			c.expectPrelim()
			tc := tls.Client(d, srv.ClientTLSConfig())
			tc.SetDeadline(time.Now().Add(ioTimeout))
			tc.Handshake()
			if n, _ := io.Copy(io.Discard, tc); n != 0 {
				t.Errorf("%d bytes over a data connection without reuse", n)
			}
			c.expectReply(425)
		}},
		faultRequireTLSUser: {check: func(t *testing.T, srv *Server, fx *fixture) {
			if !srv.RequireTLS {
				t.Error("the fault does not turn RequireTLS on")
			}
			c := login(t, srv)
			c.expect("PASV", 227)
			c.expect("LIST", 521)
		}},
		faultRequireTLSData: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("USER conform", 530)
			c.authTLS(srv)
			c.expect("USER conform", 331)
			c.expect("PASS "+testPassword, 230)
			if got := c.retrieveClear("NLST sub"); string(got) != "sub/a.txt\r\n" {
				t.Errorf("NLST: %q", got)
			}
		}},
		faultCCCKeepsTLS: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, _ := loginTLS(t, srv)
			c.expect("CCC", 200)
			c.expect("NOOP", 200) // still inside TLS
		}},
		faultFeatMissingAuth: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			r := c.expect("FEAT", 211)
			if containsLine(r.lines, " AUTH TLS") || !containsLine(r.lines, " PBSZ") {
				t.Errorf("FEAT: %q", r.lines)
			}
			c.authTLS(srv)
		}},
		faultReinKeepsTLS: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, _ := loginTLS(t, srv)
			c.expect("REIN", 220)
			c.expect("PWD", 530) // inside TLS
			c.expect("USER conform", 331)
		}},
		faultAuthKeepsLogin: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := login(t, srv)
			c.expect("CWD sub", 250)
			c.authTLS(srv)
			if r := c.expect("PWD", 257); !strings.Contains(r.lines[0], `"/sub"`) {
				t.Errorf("PWD: %v", r)
			}
			connect(t, srv).authTLS(srv) // before login: as clean
		}},
		faultAuthTLSCRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c := connect(t, srv)
			c.expect("AUTH TLS-C", 504)
			c.authTLS(srv)
		}},
		faultDataTLSFailure426: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, _ := loginTLS(t, srv)
			d := c.pasv()
			c.send("LIST")
			c.expectPrelim()
			d.Write([]byte("not TLS\r\n\r\n"))
			c.expectReply(426)
		}},
		faultProtDefaultPrivate: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, cfg := loginTLS(t, srv)
			c.expect("PBSZ 0", 200)
			c.retrieveExpectingTLS("NLST", cfg)
		}},
		faultProtPOnce: {check: func(t *testing.T, srv *Server, fx *fixture) {
			c, cfg := loginTLS(t, srv)
			c.retrieveExpectingTLS("NLST", cfg)
			if got := c.retrieveClear("NLST sub"); string(got) != "sub/a.txt\r\n" {
				t.Errorf("second NLST: %q", got)
			}
			c.expect("PROT P", 200)
			c.retrieveExpectingTLS("NLST", cfg)
		}},
	}
	for name, fc := range checks {
		faultChecks[name] = fc
	}

	variationChecks[varTLSUnsupported] = func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if r := c.expect("FEAT", 211); strings.Contains(r.text(), "AUTH") || strings.Contains(r.text(), "PBSZ") {
			t.Errorf("FEAT: %v", r)
		}
		c.expect("AUTH TLS", 502)
		c.expect("PBSZ 0", 503)
		c.expect("CCC", 533)
	}
	variationChecks[varCCCRefused] = func(t *testing.T, srv *Server, fx *fixture) {
		c, _ := loginTLS(t, srv)
		c.expect("CCC", 534)
		c.expect("NOOP", 200)
	}
	variationChecks[varAuthSSLListed] = func(t *testing.T, srv *Server, fx *fixture) {
		r := connect(t, srv).expect("FEAT", 211)
		if !containsLine(r.lines, " AUTH TLS") || !containsLine(r.lines, " AUTH SSL") {
			t.Errorf("FEAT: %q", r.lines)
		}
	}
	variationChecks[varSessionReuseRequired] = func(t *testing.T, srv *Server, fx *fixture) {
		c, cfg := loginTLS(t, srv)
		if _, resumed := c.retrieveTLS("pasv", "NLST", cfg, true); !resumed {
			t.Error("not resumed")
		}
		d := c.pasv()
		c.send("NLST")
		c.expectPrelim()
		tc := tls.Client(d, srv.ClientTLSConfig())
		tc.SetDeadline(time.Now().Add(ioTimeout))
		tc.Handshake()
		io.Copy(io.Discard, tc)
		c.expectReply(522)
	}
}
