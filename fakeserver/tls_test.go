package fakeserver

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TLS helpers of the raw test client: the test is always the TLS client,
// on control and data connections (RFC 4217 §7).

// authTLS sends AUTH TLS, takes the handshake with the server's client
// configuration and returns that configuration for the data connections.
func (c *tclient) authTLS(srv *Server) *tls.Config {
	c.t.Helper()
	cfg := srv.ClientTLSConfig()
	c.expect("AUTH TLS", 234)
	c.startTLS(cfg)
	return cfg
}

// startTLS puts a TLS client layer over the control connection.
func (c *tclient) startTLS(cfg *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	c.conn = tc
	c.br = bufio.NewReader(tc)
}

// loginTLS connects, secures the session with AUTH TLS, PBSZ 0 and PROT P
// and logs in.
func loginTLS(t testing.TB, srv *Server) (*tclient, *tls.Config) {
	t.Helper()
	c := connect(t, srv)
	cfg := c.authTLS(srv)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("PBSZ 0", 200)
	c.expect("PROT P", 200)
	return c, cfg
}

// secure takes the client side of the TLS handshake on a data connection.
func secure(t testing.TB, d net.Conn, cfg *tls.Config) *tls.Conn {
	t.Helper()
	tc := tls.Client(d, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("data TLS handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	return tc
}

// retrieveTLS runs a download over a TLS data connection of the named
// mode. early starts the handshake right after connecting to a passive
// port, before the transfer command (curl, ftp-srv); otherwise it follows
// the preliminary reply (ftplib, lftp). It reports whether the TLS session
// was resumed.
func (c *tclient) retrieveTLS(mode, command string, cfg *tls.Config, early bool) ([]byte, bool) {
	c.t.Helper()
	accept := c.openData(mode)
	var hs chan *tls.Conn
	if early && (mode == "pasv" || mode == "epsv") {
		d := accept()
		hs = make(chan *tls.Conn, 1)
		go func() {
			tc := tls.Client(d, cfg)
			tc.SetDeadline(time.Now().Add(ioTimeout))
			tc.Handshake() // failures show in the read below
			hs <- tc
		}()
		accept = nil
	}
	c.send(command)
	c.expectPrelim()
	var tc *tls.Conn
	if accept != nil {
		tc = secure(c.t, accept(), cfg)
	} else {
		tc = <-hs
	}
	data := readAll(c.t, tc)
	c.expectReply(226)
	return data, tc.ConnectionState().DidResume
}

// storeTLS runs an upload over a TLS data connection of the named mode.
func (c *tclient) storeTLS(mode, command string, data []byte, cfg *tls.Config) {
	c.t.Helper()
	accept := c.openData(mode)
	c.send(command)
	c.expectPrelim()
	tc := secure(c.t, accept(), cfg)
	tc.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := tc.Write(data); err != nil {
		c.t.Fatalf("data write: %v", err)
	}
	tc.Close()
	c.expectReply(226)
}

// clearTLS follows a 200 to CCC or a 220 to REIN: close_notify both ways,
// then clear text.
func (c *tclient) clearTLS() {
	c.t.Helper()
	tc := c.conn.(*tls.Conn)
	if err := tc.CloseWrite(); err != nil {
		c.t.Fatalf("close_notify: %v", err)
	}
	tc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.Copy(io.Discard, c.br); err != nil {
		c.t.Fatalf("waiting for the server's close_notify: %v", err)
	}
	tc.SetReadDeadline(time.Time{})
	c.conn = tc.NetConn()
	c.br = bufio.NewReader(c.conn)
}

func TestCertificate(t *testing.T) {
	srv, _ := startServer(t, nil)
	cert := srv.Certificate()
	if cert == nil {
		t.Fatal("no certificate")
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := cert.VerifyHostname(h); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key %T, want ECDSA", cert.PublicKey)
	}
	block, _ := pem.Decode(srv.CertificatePEM())
	if block == nil || !bytes.Equal(block.Bytes, cert.Raw) {
		t.Error("CertificatePEM does not hold the certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
		t.Errorf("the certificate does not verify against itself: %v", err)
	}

	plain, _ := startServer(t, func(s *Server) { s.DisableTLS = true })
	if plain.Certificate() != nil || plain.ClientTLSConfig() != nil {
		t.Error("DisableTLS server has a certificate")
	}
	c := connect(t, plain)
	c.expect("AUTH TLS", 502)
	if r := c.expect("FEAT", 211); strings.Contains(r.text(), "AUTH") {
		t.Errorf("FEAT: %v", r)
	}

	implicit, _ := startServer(t, func(s *Server) { s.ImplicitTLS = true })
	if u := implicit.URL(); !strings.HasPrefix(u, "ftps://conform@127.0.0.1:") {
		t.Errorf("URL %q", u)
	}

	// A given TLSConfig is used as it is.
	given, err := SelfSignedCertificate("example.test")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := startServer(t, func(s *Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{given}} })
	if !own.Certificate().Equal(given.Leaf) {
		t.Error("Certificate is not the configured one")
	}
	c = connect(t, own)
	cfg := own.ClientTLSConfig()
	cfg.ServerName = "example.test"
	c.expect("AUTH TLS", 234)
	c.startTLS(cfg)
	c.expect("NOOP", 200)
}

func TestStartValidatesTLS(t *testing.T) {
	root := t.TempDir()
	for name, srv := range map[string]*Server{
		"implicit without TLS": {Root: root, Password: "x", DisableTLS: true, ImplicitTLS: true},
		"no certificate":       {Root: root, Password: "x", TLSConfig: &tls.Config{}},
	} {
		if err := srv.Start(); err == nil {
			srv.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func TestAuthTLS(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := connect(t, srv)
	r := c.expect("FEAT", 211)
	for _, f := range []string{" AUTH TLS", " PBSZ", " PROT", " CCC"} {
		if !containsLine(r.lines, f) {
			t.Errorf("FEAT lacks %q: %q", f, r.lines)
		}
	}
	c.authTLS(srv)
	c.expect("PWD", 530)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), "Control connection: TLS 1.3") || !strings.Contains(r.text(), "data protection: Clear") {
		t.Errorf("STAT: %v", r)
	}
	// The data protection is Clear until PROT P (RFC 4217 §9).
	c.expect("PBSZ 0", 200)
	if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, crlf(fx.text)) {
		t.Errorf("clear RETR: %q", got)
	}
	c.expect("QUIT", 221)
	c.expectEOF()
}

func TestAuthSynonyms(t *testing.T) {
	srv, _ := startServer(t, nil)
	for _, mech := range []string{"TLS", "tls", "TLS-C", "SSL"} {
		c := connect(t, srv)
		c.expect("AUTH "+mech, 234)
		c.startTLS(srv.ClientTLSConfig())
		c.expect("NOOP", 200)
	}
}

func TestSecuritySequence(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"PBSZ 0", 503}, {"PROT P", 503}, {"PROT C", 503}, {"CCC", 533},
		{"ADAT AAAA", 503}, {"MIC AAAA", 503}, {"ENC AAAA", 503},
		{"AUTH", 501}, {"AUTH XYZ", 504}, {"AUTH X-NOSUCH", 504},
		{"PBSZ", 501}, {"PBSZ abc", 501}, {"PROT", 501},
	} {
		if r := c.cmd(tc.cmd); r.code != tc.code {
			t.Errorf("before AUTH, %s: got %v, want %d", tc.cmd, r, tc.code)
		}
	}
	c.authTLS(srv)
	for _, tc := range []struct {
		cmd  string
		code int
		text string
	}{
		{"PROT P", 503, ""}, // PBSZ first
		{"PBSZ 99999999999", 501, ""},
		{"PBSZ -1", 501, ""},
		{"PBSZ 0", 200, "200 PBSZ=0"},
		{"PBSZ 1024", 200, "200 PBSZ=0"},
		{"PROT S", 536, ""}, {"PROT E", 536, ""}, {"PROT Z", 504, ""}, {"PROT", 501, ""},
		{"PROT P", 200, ""}, {"PROT c", 200, ""}, {"PROT p", 200, ""},
		{"AUTH TLS", 534, ""}, {"AUTH XYZ", 504, ""},
		{"ADAT AAAA", 503, ""}, {"MIC AAAA", 537, ""}, {"CONF AAAA", 537, ""},
		{"CCC", 534, ""}, // not before login
		{"CCC x", 501, ""},
	} {
		r := c.cmd(tc.cmd)
		if r.code != tc.code || tc.text != "" && r.lines[0] != tc.text {
			t.Errorf("after AUTH, %s: got %v, want %d %s", tc.cmd, r, tc.code, tc.text)
		}
	}
}

// TestAuthResets: an accepted AUTH resets the session as REIN would
// (RFC 2228 §3, RFC 4217 §4.2).
func TestAuthResets(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.expect("CWD sub", 250)
	c.authTLS(srv)
	c.expect("PWD", 530)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	if r := c.expect("PWD", 257); !strings.HasPrefix(r.lines[0], `257 "/"`) {
		t.Errorf("PWD: %v", r)
	}
	if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, crlf(fx.text)) {
		t.Error("TYPE is not back to A")
	}
}

// TestAuthDiscardsInjectedBytes: commands sent in clear behind AUTH TLS,
// before the 234, are not executed inside the TLS session.
func TestAuthDiscardsInjectedBytes(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	c.sendRaw([]byte("AUTH TLS\r\nUSER conform\r\n"))
	c.expectReply(234)
	c.startTLS(srv.ClientTLSConfig())
	// Had the USER been taken, PASS would log in.
	c.expect("PASS "+testPassword, 503)
}

func TestControlHandshakeFailure(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	c.expect("AUTH TLS", 234)
	c.send("NOOP")
	if l, err := c.rawLine(); err == nil && strings.HasPrefix(l, "200") {
		t.Fatalf("NOOP in clear answered after AUTH TLS: %q", l)
	}
}

func TestProtPTransfers(t *testing.T) {
	srv, fx := startServer(t, nil)
	c, cfg := loginTLS(t, srv)
	c.expect("TYPE I", 200)
	for _, mode := range []string{"pasv", "epsv", "port", "eprt"} {
		for _, early := range []bool{false, true} {
			got, resumed := c.retrieveTLS(mode, "RETR bin.dat", cfg, early)
			if !bytes.Equal(got, fx.bin) {
				t.Errorf("%s (early %v): RETR got %d bytes", mode, early, len(got))
			}
			if !resumed {
				t.Errorf("%s (early %v): the data connection did not resume the session", mode, early)
			}
		}
		name := "up-" + mode + ".bin"
		c.storeTLS(mode, "STOR "+name, fx.bin, cfg)
		if got := fx.read(t, name); !bytes.Equal(got, fx.bin) {
			t.Errorf("%s: STOR stored %d bytes", mode, len(got))
		}
		if got, _ := c.retrieveTLS(mode, "NLST sub", cfg, false); string(got) != "sub/a.txt\r\n" {
			t.Errorf("%s: NLST %q", mode, got)
		}
	}
	// PROT C: clear data connections again.
	c.expect("PROT C", 200)
	if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
		t.Error("clear RETR after PROT C differs")
	}
}

// TestProtPRefusesClearData: under PROT P a data connection that does not
// start TLS fails after the 150 with 522 (RFC 4217 §10.2).
func TestProtPRefusesClearData(t *testing.T) {
	srv, _ := startServer(t, nil)
	c, _ := loginTLS(t, srv)
	d := c.pasv()
	c.send("LIST")
	c.expectPrelim()
	d.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	c.expectReply(522)
	// A clear upload leaves no file behind.
	d = c.pasv()
	c.send("STOR clear.txt")
	c.expectPrelim()
	d.Write([]byte("plain text\r\n"))
	d.Close()
	c.expectReply(522)
	if _, err := os.Stat(filepath.Join(srv.Root, "clear.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("clear.txt: %v", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv, fx := startServer(t, func(s *Server) { s.ImplicitTLS = true })
	cfg := srv.ClientTLSConfig()
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", srv.Address().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	c := &tclient{t: t, conn: tc, br: bufio.NewReader(tc)}
	c.expectReply(220)
	c.expect("AUTH TLS", 534)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("CCC", 534)
	c.expect("TYPE I", 200)
	if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
		t.Error("clear data under implicit TLS differs")
	}
	c.expect("PBSZ 0", 200)
	c.expect("PROT P", 200)
	for _, mode := range []string{"epsv", "port"} {
		if got, _ := c.retrieveTLS(mode, "RETR bin.dat", cfg, false); !bytes.Equal(got, fx.bin) {
			t.Errorf("%s: RETR differs", mode)
		}
	}
	// REIN keeps implicit TLS but drops PBSZ and PROT.
	c.expect("REIN", 220)
	c.expect("PROT P", 503)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("QUIT", 221)

	// A client that speaks clear text to the implicit port gets nothing.
	p := dialServer(t, srv)
	p.send("USER conform")
	if l, err := p.rawLine(); err == nil {
		t.Errorf("clear text on the implicit port answered %q", l)
	}
}

func TestRequireTLS(t *testing.T) {
	srv, fx := startServer(t, func(s *Server) { s.RequireTLS = true })
	c := connect(t, srv)
	c.expect("USER conform", 530)
	c.expect("PASS "+testPassword, 503)
	cfg := c.authTLS(srv)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("CCC", 534)
	// Clear data (PROT C, the default) is refused at the transfer command
	// with 521, before any 150; the data setting stays.
	c.expect("PBSZ 0", 200)
	c.expect("PASV", 227)
	c.expect("LIST", 521)
	c.expect("STOR new.txt", 521)
	if _, err := os.Stat(filepath.Join(fx.root, "new.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.txt after a refused STOR: %v", err)
	}
	c.expect("RETR hello.txt", 521)
	c.expect("PROT P", 200)
	if got, _ := c.retrieveTLS("pasv", "RETR hello.txt", cfg, false); !bytes.Equal(got, crlf(fx.text)) {
		t.Errorf("RETR under PROT P: %q", got)
	}
}

func TestRequireSessionReuse(t *testing.T) {
	srv, fx := startServer(t, func(s *Server) { s.RequireSessionReuse = true })
	c, cfg := loginTLS(t, srv)
	c.expect("TYPE I", 200)
	if got, resumed := c.retrieveTLS("pasv", "RETR bin.dat", cfg, false); !bytes.Equal(got, fx.bin) || !resumed {
		t.Errorf("resumed data connection: %d bytes, resumed %v", len(got), resumed)
	}

	// A data connection with a full handshake is refused after the 150.
	fresh := srv.ClientTLSConfig()
	d := c.pasv()
	c.send("RETR bin.dat")
	c.expectPrelim()
	tc := tls.Client(d, fresh)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	tc.Handshake()
	if n, _ := io.Copy(io.Discard, tc); n != 0 {
		t.Errorf("%d bytes over a data connection without reuse", n)
	}
	if r := c.expectReply(522); !strings.Contains(r.text(), "session reuse required") {
		t.Errorf("reply %v", r)
	}

	// Nor does a session of another control connection count.
	stranger := srv.ClientTLSConfig()
	other := connect(t, srv)
	other.expect("AUTH TLS", 234)
	other.startTLS(stranger)
	other.expect("NOOP", 200) // takes the session tickets
	d = c.pasv()
	c.send("NLST")
	c.expectPrelim()
	tc = tls.Client(d, stranger)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	tc.Handshake()
	io.Copy(io.Discard, tc)
	if tc.ConnectionState().DidResume {
		t.Error("resumed a session of another control connection")
	}
	c.expectReply(522)
}

func TestCCC(t *testing.T) {
	srv, fx := startServer(t, nil)
	c, cfg := loginTLS(t, srv)
	c.expect("CCC", 200)
	c.clearTLS()
	c.expect("NOOP", 200)
	c.expect("PBSZ 0", 503)
	c.expect("PROT C", 503)
	c.expect("AUTH TLS", 534)
	c.expect("CCC", 533)
	// PROT P stays in force (RFC 4217 §5).
	if got, _ := c.retrieveTLS("pasv", "RETR hello.txt", cfg, false); !bytes.Equal(got, crlf(fx.text)) {
		t.Errorf("RETR: %q", got)
	}

	// A client that goes on in clear text without a close_notify.
	c, _ = loginTLS(t, srv)
	c.expect("CCC", 200)
	raw := c.conn.(*tls.Conn).NetConn()
	c.conn, c.br = raw, bufio.NewReader(raw)
	c.send("NOOP")
	for { // skip the server's close_notify
		l, err := c.rawLine()
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(l, "200 OK"); i >= 0 {
			break
		}
	}
	c.expect("SYST", 215)
}

// TestREINClearsTLS: RFC 4217 §13.
func TestREINClearsTLS(t *testing.T) {
	srv, _ := startServer(t, nil)
	c, _ := loginTLS(t, srv)
	c.expect("REIN", 220)
	c.clearTLS()
	c.expect("PWD", 530)
	c.expect("PBSZ 0", 503)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.authTLS(srv)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("PBSZ 0", 200)
}

func TestTLSIPv6(t *testing.T) {
	if !hasIPv6Loopback() {
		t.Skip("no ::1")
	}
	srv, fx := startServer(t, func(s *Server) { s.Addr = "[::1]:0" })
	c, cfg := loginTLS(t, srv)
	for _, mode := range []string{"epsv", "eprt"} {
		if got, _ := c.retrieveTLS(mode, "RETR hello.txt", cfg, false); !bytes.Equal(got, crlf(fx.text)) {
			t.Errorf("%s: %q", mode, got)
		}
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestTLSAbortDuringTransfer: STAT and ABOR during a transfer travel
// inside TLS, the Telnet IP and DM in-band (RFC 4217 §14).
func TestTLSAbortDuringTransfer(t *testing.T) {
	srv, _ := startServer(t, nil)
	c, cfg := loginTLS(t, srv)
	d := c.pasv()
	c.send("STOR slow.bin")
	c.expectPrelim()
	tc := secure(t, d, cfg)
	tc.Write([]byte("some data"))
	c.send("NOOP") // waits for the transfer
	if r := c.expect("STAT", 213); !strings.Contains(r.text(), "STOR") {
		t.Errorf("STAT: %v", r)
	}
	c.sendRaw([]byte{telnetIAC, telnetIP, telnetIAC, telnetDM})
	c.send("ABOR")
	c.expectReply(426)
	c.expectReply(226)
	c.expectReply(200)
	c.expect("NOOP", 200)
}
