package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var loopback4 = net.IPv4(127, 0, 0, 1)

// serverPKI is a CA and a leaf for 127.0.0.1 and "ftp.test" that it
// signed, the usual fixture of these tests.
type serverPKI struct {
	ca, leaf *testCert
	caFile   string
}

func newServerPKI(t *testing.T) *serverPKI {
	ca := makeCert(t, certSpec{CN: "ftpconform test CA", CA: true}, nil)
	leaf := makeCert(t, certSpec{CN: "ftp.test", DNS: []string{"ftp.test"}, IPs: []net.IP{loopback4}}, ca)
	return &serverPKI{ca: ca, leaf: leaf, caFile: ca.writePEM(t)}
}

// serverConfig is the peer's TLS configuration: one certificate, at most
// version maxVers (0: the default). One configuration serves control and
// data connections, so its session tickets let data connections resume.
func serverConfig(cert tls.Certificate, maxVers uint16) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVers}
}

// serveTLS performs the server side of the handshake on the control
// connection; later lines travel inside TLS.
func (s *peerSession) serveTLS(cfg *tls.Config) error {
	if s.br.Buffered() > 0 {
		return fmt.Errorf("%d plaintext bytes arrived before the handshake", s.br.Buffered())
	}
	rc := &recordConn{Conn: s.c}
	rc.exact.Store(true) // after CCC, plaintext must stay unread
	tc := tls.Server(rc, cfg)
	_ = tc.SetDeadline(time.Now().Add(peerIOTimeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("control handshake: %w", err)
	}
	s.c, s.br = tc, bufio.NewReader(tc)
	return nil
}

// authTLS greets, answers AUTH TLS with 234 and shakes hands.
func (s *peerSession) authTLS(cfg *tls.Config) error {
	if err := s.send("220 scripted TLS peer"); err != nil {
		return err
	}
	if err := s.exchange("AUTH TLS", "234 Proceed with negotiation."); err != nil {
		return err
	}
	return s.serveTLS(cfg)
}

// login answers USER/PASS with 331/230 (the greeting has been sent).
// passiveCommand takes PASV, then the transfer command cmd (a prefix),
// answers it with prelim and accepts the client's data connection.
func (s *peerSession) passiveCommand(cmd, prelim string) (net.Conn, error) {
	ln, err := s.pasv(netip.Addr{})
	if err != nil {
		return nil, err
	}
	if _, err := s.expect(cmd); err != nil {
		return nil, err
	}
	if err := s.send(prelim); err != nil {
		return nil, err
	}
	return s.accept(ln)
}

func (s *peerSession) login() error {
	if err := s.exchange("USER conform", "331 Password required"); err != nil {
		return err
	}
	return s.exchange("PASS "+testPassword, "230 Logged in")
}

// protP answers PBSZ 0 and PROT P with 200.
func (s *peerSession) protP() error {
	if err := s.exchange("PBSZ 0", "200 PBSZ=0"); err != nil {
		return err
	}
	return s.exchange("PROT P", "200 Protection level set to P")
}

// serverData is the server's end of a protected data connection: the TLS
// connection and the TCP connection under it (which tells close_notify
// from a bare TCP close).
type serverData struct {
	*tls.Conn
	raw *recordConn
}

// tlsAccept shakes hands as the TLS server on a data connection.
func tlsAccept(raw net.Conn, cfg *tls.Config) (*serverData, error) {
	rc := &recordConn{Conn: raw}
	tc := tls.Server(rc, cfg)
	_ = tc.SetDeadline(time.Now().Add(peerIOTimeout))
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("data handshake: %w", err)
	}
	return &serverData{Conn: tc, raw: rc}, nil
}

// tlsTarget is a Target for p with TLS settings.
func tlsTarget(p *ftpPeer, mode TLSMode, caFile string) Target {
	tg := peerTarget(p)
	tg.TLS, tg.CAFile = mode, caFile
	return tg
}

func noteWith(tr *Transcript, sub string) bool {
	return strings.Contains(tr.String(), sub)
}

func TestAuthTLSExplicit(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.authTLS(cfg); err != nil {
			return err
		}
		if err := s.login(); err != nil {
			return err
		}
		if err := s.exchange("PWD", `257 "/" is the current directory`); err != nil {
			return err
		}
		return s.exchange("QUIT", "221 Bye")
	})
	ctx := testCtx(t)
	c := connect(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	if c.TLS() != nil {
		t.Fatal("TLS() is set before AUTH TLS")
	}
	r, err := c.AuthTLS(ctx)
	if err != nil {
		t.Fatalf("AuthTLS: %v\n%s", err, c.T)
	}
	if r.Code != 234 {
		t.Errorf("reply %v", r)
	}
	info := c.TLS()
	if info == nil || info.Version < tls.VersionTLS12 || !info.Verified || info.Resumed || info.Leaf() == nil {
		t.Fatalf("TLS() = %+v", info)
	}
	if err := c.LoginUser(ctx); err != nil {
		t.Fatalf("Login inside TLS: %v", err)
	}
	if r, err := c.Expect(ctx, "PWD", 257); err != nil {
		t.Fatalf("PWD: %v %v", r, err)
	}
	if _, err := c.Quit(ctx); err != nil {
		t.Fatalf("QUIT: %v", err)
	}
	tr := c.T.String()
	for _, want := range []string{"> AUTH TLS", "< 234 ", "TLS: handshake done", info.VersionName(), info.CipherSuiteName(),
		`subject "CN=ftp.test,O=ftpconform test"`, `issuer "CN=ftpconform test CA,O=ftpconform test"`, "valid ", "new session",
		`verified for "127.0.0.1" against the CA file`, "> PASS ****", "< 230 Logged in"} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, testPassword) {
		t.Errorf("the password shows in the transcript:\n%s", tr)
	}
}

func TestImplicitTLS(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.serveTLS(cfg); err != nil {
			return err
		}
		if err := s.send("220-implicit", "220 TLS from the first byte"); err != nil {
			return err
		}
		if err := s.login(); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	tg := tlsTarget(p, TLSImplicit, pki.caFile)
	c, greet, err := Connect(ctx, tg, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer c.Close()
	if len(greet) != 1 || greet[0].Code != 220 || len(greet[0].Lines) != 2 {
		t.Fatalf("greeting %v", greet)
	}
	if c.TLS() == nil {
		t.Fatal("no TLS after an implicit connect")
	}
	if err := c.Secure(ctx); err != nil {
		t.Fatalf("Secure on an implicit connection: %v", err)
	}
	if err := c.LoginUser(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if !noteWith(c.T, "TLS: handshake done") || !strings.Contains(c.T.String(), "< 220-implicit") {
		t.Errorf("transcript:\n%s", c.T)
	}
}

// TestTLSHandshakeFailures: every way a control handshake goes wrong
// ends in a typed error within the reply timeout.
func TestTLSHandshakeFailures(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	tests := []struct {
		name   string
		mode   TLSMode
		script func(s *peerSession) error
		kind   TLSFailure
		stage  TLSStage
		first  string // expected start of TLSError.First
		words  string
	}{
		{
			name: "234 and no handshake",
			mode: TLSExplicit,
			script: func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("AUTH TLS", "234 Proceed"); err != nil {
					return err
				}
				return s.untilClosed() // reads the ClientHello, answers nothing
			},
			kind: TLSTimeout, stage: TLSStageHandshake, first: "", words: "never completed the handshake",
		},
		{
			name: "234 then plaintext in the same write",
			mode: TLSExplicit,
			script: func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("AUTH TLS", "234 Proceed", "500 but not really"); err != nil {
					return err
				}
				return s.untilClosed()
			},
			kind: TLSPlaintext, stage: TLSStageHandshake, first: "500 but not real", words: `plaintext instead of TLS: "500 but not real"...`,
		},
		{
			name: "234 then a plaintext reply to the ClientHello",
			mode: TLSExplicit,
			script: func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("AUTH TLS", "234 Proceed"); err != nil {
					return err
				}
				if _, err := s.br.ReadByte(); err != nil {
					return err
				}
				if err := s.send("500 Syntax error"); err != nil {
					return err
				}
				return s.untilClosed()
			},
			kind: TLSPlaintext, stage: TLSStageHandshake, first: "500 Syntax error", words: "plaintext instead of TLS",
		},
		{
			name: "234 then close",
			mode: TLSExplicit,
			script: func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("AUTH TLS", "234 Proceed"); err != nil {
					return err
				}
				_, err := s.br.ReadByte()
				return err
			},
			kind: TLSClosed, stage: TLSStageHandshake, words: "closed the connection before the handshake completed",
		},
		{
			name: "implicit target, plain server",
			mode: TLSImplicit,
			script: func(s *peerSession) error {
				if err := s.send("220 plain FTP here"); err != nil {
					return err
				}
				return s.untilClosed()
			},
			kind: TLSPlaintext, stage: TLSStageImplicit, first: "220 plain FTP he", words: "(implicit TLS): the server sent plaintext",
		},
		{
			name: "implicit target, silent server",
			mode: TLSImplicit,
			script: func(s *peerSession) error {
				return s.untilClosed()
			},
			kind: TLSTimeout, stage: TLSStageImplicit, words: "is this an implicit FTPS port?",
		},
		{
			name: "server accepts only an old TLS version",
			mode: TLSImplicit,
			script: func(s *peerSession) error {
				old := cfg.Clone()
				old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
				err := s.serveTLS(old)
				if err == nil {
					return errors.New("the handshake succeeded with TLS 1.1")
				}
				return nil
			},
			kind: TLSProtocol, stage: TLSStageImplicit, words: "version",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", tc.script)
			tg := tlsTarget(p, tc.mode, pki.caFile)
			tg.ReplyTimeout = 300 * time.Millisecond
			ctx := testCtx(t)
			tr := NewTranscript()
			start := time.Now()
			var err error
			if tc.mode == TLSImplicit {
				var c *Conn
				c, _, err = Connect(ctx, tg, tr)
				if err == nil {
					c.Close()
				}
			} else {
				c := connect(t, ctx, tg)
				tr = c.T
				_, err = c.AuthTLS(ctx)
			}
			took := time.Since(start)
			var te *TLSError
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T), want a *TLSError\n%s", err, err, tr)
			}
			if te.Kind != tc.kind || te.Stage != tc.stage {
				t.Errorf("kind %q stage %q, want %q %q: %v", te.Kind, te.Stage, tc.kind, tc.stage, te)
			}
			if !strings.HasPrefix(string(te.First), tc.first) {
				t.Errorf("First = %q, want it to start with %q", te.First, tc.first)
			}
			if !strings.Contains(te.Error(), tc.words) {
				t.Errorf("error %q lacks %q", te, tc.words)
			}
			if errors.Is(err, ErrNotTLS) != (tc.kind == TLSPlaintext) || errors.Is(err, ErrDataNotTLS) {
				t.Errorf("errors.Is ErrNotTLS=%v ErrDataNotTLS=%v for %v", errors.Is(err, ErrNotTLS), errors.Is(err, ErrDataNotTLS), te)
			}
			if took > 3*time.Second {
				t.Errorf("took %s with a 300ms reply timeout", took)
			}
			if !noteWith(tr, "TLS: ") {
				t.Errorf("no TLS note in the transcript:\n%s", tr)
			}
		})
	}
}

func TestAuthTLSRefused(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if err := s.exchange("AUTH TLS", "504 Security mechanism not understood"); err != nil {
			return err
		}
		if err := s.login(); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, tlsTarget(p, TLSExplicit, ""))
	r, err := c.AuthTLS(ctx)
	var re *ReplyError
	if !errors.As(err, &re) || re.Code() != 504 || r == nil || r.Code != 504 {
		t.Fatalf("AuthTLS = %v, %v; want the 504 reply with a *ReplyError", r, err)
	}
	var te *TLSError
	if errors.As(err, &te) {
		t.Errorf("a refusal is a *TLSError: %v", err)
	}
	if c.TLS() != nil {
		t.Error("TLS() set after a refusal")
	}
	if err := c.LoginUser(ctx); err != nil {
		t.Fatalf("the connection is not usable in plaintext after the refusal: %v", err)
	}
}

// TestCertificateKinds: the control handshake against servers with bad
// certificates fails with the problem in plain words; with Insecure it
// succeeds and the transcript says what verification would have found.
func TestCertificateKinds(t *testing.T) {
	ca := makeCert(t, certSpec{CN: "Trusted CA", CA: true}, nil)
	caFile := ca.writePEM(t)
	other := makeCert(t, certSpec{CN: "Stranger CA", CA: true}, nil)
	now := time.Now()
	tests := []struct {
		name  string
		cert  tls.Certificate
		kind  CertKind
		words []string
	}{
		{"good", makeCert(t, certSpec{CN: "ok", IPs: []net.IP{loopback4}}, ca).tlsCert(), "", nil},
		{"expired", makeCert(t, certSpec{CN: "old", IPs: []net.IP{loopback4}, NotBefore: now.AddDate(0, 0, -30), NotAfter: now.AddDate(0, 0, -3)}, ca).tlsCert(),
			CertExpired, []string{`"CN=old,O=ftpconform test" expired on ` + certTime(now.AddDate(0, 0, -3))[:10], "3 days ago"}},
		{"not yet valid", makeCert(t, certSpec{CN: "future", IPs: []net.IP{loopback4}, NotBefore: now.AddDate(0, 0, 10), NotAfter: now.AddDate(0, 0, 40)}, ca).tlsCert(),
			CertNotYetValid, []string{"not valid until " + certTime(now.AddDate(0, 0, 10))[:10], "days from now"}},
		{"name mismatch", makeCert(t, certSpec{CN: "elsewhere", DNS: []string{"www.example.org", "example.org"}}, ca).tlsCert(),
			CertNameMismatch, []string{`is for "www.example.org" and "example.org", not for "127.0.0.1"`}},
		{"self-signed", makeCert(t, certSpec{CN: "selfie", IPs: []net.IP{loopback4}}, nil).tlsCert(),
			CertSelfSigned, []string{"is self-signed", "the CA file"}},
		{"unknown authority", makeCert(t, certSpec{CN: "stranger's", IPs: []net.IP{loopback4}}, other).tlsCert(),
			CertUnknownAuthority, []string{`issued by "CN=Stranger CA,O=ftpconform test", an authority not among the CA file`}},
		{"chain to an untrusted self-signed root", makeCert(t, certSpec{CN: "chained", IPs: []net.IP{loopback4}}, other).tlsCert(other),
			CertSelfSigned, []string{`ends in the self-signed certificate "CN=Stranger CA,O=ftpconform test"`}},
	}
	for _, tc := range tests {
		for _, insecure := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/insecure=%v", tc.name, insecure), func(t *testing.T) {
				cfg := serverConfig(tc.cert, 0)
				p := startPeer(t, "", func(s *peerSession) error {
					if err := s.send("220 ready"); err != nil {
						return err
					}
					if err := s.exchange("AUTH TLS", "234 Proceed"); err != nil {
						return err
					}
					if err := s.serveTLS(cfg); err != nil {
						if insecure || tc.kind == "" {
							return err
						}
						return nil // the client refused the certificate
					}
					return s.exchange("QUIT", "221 Bye")
				})
				ctx := testCtx(t)
				tg := tlsTarget(p, TLSExplicit, caFile)
				tg.Insecure = insecure
				c := connect(t, ctx, tg)
				_, err := c.AuthTLS(ctx)
				if tc.kind == "" || insecure {
					if err != nil {
						t.Fatalf("AuthTLS: %v", err)
					}
					if _, err := c.Quit(ctx); err != nil {
						t.Fatalf("QUIT: %v", err)
					}
					info := c.TLS()
					if info.Verified == insecure {
						t.Errorf("Verified = %v with insecure %v", info.Verified, insecure)
					}
					switch {
					case insecure && tc.kind == "":
						if info.Problem != nil || !noteWith(c.T, "NOT verified (insecure); it would verify") {
							t.Errorf("problem %v; transcript:\n%s", info.Problem, c.T)
						}
					case insecure:
						if info.Problem == nil || info.Problem.Kind != tc.kind {
							t.Fatalf("Problem = %v, want kind %q", info.Problem, tc.kind)
						}
						if !noteWith(c.T, "NOT verified (insecure); verification would fail: "+info.Problem.Error()) {
							t.Errorf("transcript:\n%s", c.T)
						}
					}
					return
				}
				var te *TLSError
				if !errors.As(err, &te) || te.Kind != TLSCertificate || te.Cert == nil {
					t.Fatalf("AuthTLS error %v, want a certificate *TLSError", err)
				}
				var cp *CertProblem
				if !errors.As(err, &cp) || cp.Kind != tc.kind {
					t.Fatalf("certificate problem %v, want kind %q", cp, tc.kind)
				}
				for _, w := range tc.words {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if !noteWith(c.T, cp.Error()) {
					t.Errorf("the transcript lacks the problem:\n%s", c.T)
				}
			})
		}
	}
}

func TestTargetTLSConfig(t *testing.T) {
	ca := makeCert(t, certSpec{CN: "CA", CA: true}, nil)
	cfg, err := Target{Host: "192.0.2.1", CAFile: ca.writePEM(t)}.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServerName != "192.0.2.1" || cfg.InsecureSkipVerify || cfg.ClientSessionCache == nil || cfg.RootCAs == nil {
		t.Errorf("config %+v", cfg)
	}
	cfg, err = Target{Host: "192.0.2.1", ServerName: "ftp.example.org", Insecure: true}.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServerName != "ftp.example.org" || !cfg.InsecureSkipVerify || cfg.RootCAs != nil {
		t.Errorf("config %+v", cfg)
	}
	bad := filepath.Join(t.TempDir(), "not.pem")
	_ = os.WriteFile(bad, []byte("hello"), 0o600)
	if _, err := (Target{Host: "h", CAFile: bad}).TLSConfig(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad CA file: %v", err)
	}
	if _, err := (Target{Host: "h", CAFile: bad + ".missing"}).TLSConfig(); err == nil {
		t.Error("missing CA file: no error")
	}
}

func TestCAFileUnreadable(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if err := s.exchange("AUTH TLS", "234 Proceed"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := connect(t, ctx, tlsTarget(p, TLSExplicit, filepath.Join(t.TempDir(), "missing.pem")))
	_, err := c.AuthTLS(ctx)
	var te *TLSError
	if !errors.As(err, &te) || te.Stage != TLSStageConfig || te.Kind != TLSSettings {
		t.Fatalf("AuthTLS = %v, want a settings *TLSError", err)
	}
}

// protectedPeer greets, shakes hands, logs in and answers PBSZ/PROT P.
func protectedPeer(cfg *tls.Config) func(s *peerSession) error {
	return func(s *peerSession) error {
		if err := s.authTLS(cfg); err != nil {
			return err
		}
		if err := s.login(); err != nil {
			return err
		}
		return s.protP()
	}
}

// protectedConn connects to p, shakes hands, logs in and sets PROT P.
func protectedConn(t *testing.T, ctx context.Context, tg Target) *Conn {
	t.Helper()
	c := connect(t, ctx, tg)
	if _, err := c.AuthTLS(ctx); err != nil {
		t.Fatalf("AuthTLS: %v", err)
	}
	if err := c.LoginUser(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if r, err := c.Protect(ctx, ProtPrivate); err != nil {
		t.Fatalf("Protect: %v %v", r, err)
	}
	if c.DataProtection() != ProtPrivate {
		t.Fatalf("DataProtection() = %v", c.DataProtection())
	}
	return c
}

// serverDataEnd is what the peer saw on a protected data connection.
type serverDataEnd struct {
	resumed     bool
	version     uint16
	data        []byte
	closeNotify bool // the upload ended with close_notify, not a bare TCP close
	err         error
}

// TestProtectedTransfers: under PROT P downloads and uploads work in all
// four modes with TLS 1.2 and 1.3, the data connections resume the control
// connection's session, the bytes are exact, and an upload ends with
// close_notify.
func TestProtectedTransfers(t *testing.T) {
	pki := newServerPKI(t)
	data := payload(300 << 10)
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, mode := range []DataMode{PASV, EPSV, PORT, EPRT} {
			for _, upload := range []bool{false, true} {
				dir := "RETR"
				if upload {
					dir = "STOR"
				}
				t.Run(fmt.Sprintf("%s/%s/%s", tls.VersionName(vers), mode, dir), func(t *testing.T) {
					cfg := serverConfig(pki.leaf.tlsCert(), vers)
					ends := make(chan serverDataEnd, 1)
					p := startPeer(t, "", func(s *peerSession) error {
						if err := protectedPeer(cfg)(s); err != nil {
							return err
						}
						var ln net.Listener
						var ap netip.AddrPort
						var err error
						switch mode {
						case PASV:
							ln, err = s.pasv(netip.Addr{})
						case EPSV:
							ln, err = s.epsv()
						default:
							ap, err = s.port()
						}
						if err != nil {
							return err
						}
						if _, err := s.expect(dir + " f"); err != nil {
							return err
						}
						if err := s.send("150 Opening data connection"); err != nil {
							return err
						}
						var raw net.Conn
						if ln != nil {
							raw, err = s.accept(ln)
						} else {
							raw, err = s.dial(ap)
						}
						if err != nil {
							return err
						}
						sd, err := tlsAccept(raw, cfg)
						if err != nil {
							ends <- serverDataEnd{err: err}
							return err
						}
						end := serverDataEnd{resumed: sd.ConnectionState().DidResume, version: sd.ConnectionState().Version}
						if upload {
							end.data, end.err = io.ReadAll(sd)
							end.closeNotify = end.err == nil && !sd.raw.sawEOF()
						} else {
							if _, err := sd.Write(data); err != nil {
								return err
							}
							if err := sd.Close(); err != nil {
								return err
							}
						}
						ends <- end
						if err := s.send("226 Transfer complete"); err != nil {
							return err
						}
						return s.untilClosed()
					})
					ctx := testCtx(t)
					c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
					d := openData(t, ctx, c, mode)
					var tr *Transfer
					var err error
					if upload {
						tr, err = c.Store(ctx, d, "STOR f", data)
					} else {
						tr, err = c.Retrieve(ctx, d, "RETR f")
					}
					if err != nil {
						t.Fatalf("%s: %v\n%s", dir, err, c.T)
					}
					if tr.DataErr != nil || tr.Final == nil || tr.Final.Code != 226 {
						t.Fatalf("transfer %s, data error %v\n%s", tr.ReplyChain(), tr.DataErr, c.T)
					}
					end := recv(t, ends)
					if end.err != nil {
						t.Fatalf("server side: %v", end.err)
					}
					if upload {
						if !bytes.Equal(end.data, data) || tr.Sent != len(data) {
							t.Errorf("server got %d bytes, harness sent %d, want %d", len(end.data), tr.Sent, len(data))
						}
						if !end.closeNotify {
							t.Error("the upload ended without close_notify")
						}
					} else if !bytes.Equal(tr.Data, data) {
						t.Errorf("got %d bytes, want %d", len(tr.Data), len(data))
					}
					if !end.resumed {
						t.Errorf("the server saw no resumption on the data connection\n%s", c.T)
					}
					info := d.TLS()
					if info == nil || !info.Resumed || info.Version != vers {
						t.Fatalf("DataChannel.TLS() = %+v", info)
					}
					if !info.SameCertificate || !info.Verified {
						t.Errorf("SameCertificate %v, Verified %v", info.SameCertificate, info.Verified)
					}
					if !upload && !info.PeerCloseNotify {
						t.Error("PeerCloseNotify false after the server's close_notify")
					}
					if !noteWith(c.T, "data: TLS handshake done") || !noteWith(c.T, "resumed a session of this control connection") {
						t.Errorf("transcript:\n%s", c.T)
					}
				})
			}
		}
	}
}

// TestDataHandshakeBeforePrelim: a server that completes the data
// connection's handshake before it sends 150 (ftp-srv in passive mode)
// gets it, for uploads too, because the handshake starts as soon as the
// transfer command is out.
func TestDataHandshakeBeforePrelim(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	data := payload(4096)
	got := make(chan []byte, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if _, err := s.expect("STOR f"); err != nil {
			return err
		}
		raw, err := s.accept(ln)
		if err != nil {
			return err
		}
		sd, err := tlsAccept(raw, cfg)
		if err != nil {
			return err
		}
		if err := s.send("150 Ok to send data"); err != nil {
			return err
		}
		b, err := io.ReadAll(sd)
		if err != nil {
			return err
		}
		got <- b
		if err := s.send("226 Done"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	d := openData(t, ctx, c, PASV)
	tr, err := c.Store(ctx, d, "STOR f", data)
	if err != nil || tr.DataErr != nil || tr.Final == nil || tr.Final.Code != 226 {
		t.Fatalf("Store: %v %v %v\n%s", tr.ReplyChain(), tr.DataErr, err, c.T)
	}
	if b := recv(t, got); !bytes.Equal(b, data) {
		t.Errorf("server got %d bytes", len(b))
	}
}

// TestDataHandshakeAfterCommand: nothing reaches a passive data connection
// before the transfer command (pyftpdlib resets a connection whose
// handshake comes first).
func TestDataHandshakeAfterCommand(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	quiet := make(chan error, 1)
	goOn := make(chan struct{})
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		raw, err := s.accept(ln)
		if err != nil {
			return err
		}
		_ = raw.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		var one [1]byte
		n, rerr := raw.Read(one[:])
		if n > 0 || !IsTimeout(rerr) {
			quiet <- fmt.Errorf("before the command the data connection delivered %d bytes (%v)", n, rerr)
		} else {
			quiet <- nil
		}
		<-goOn
		if _, err := s.expect("RETR f"); err != nil {
			return err
		}
		if err := s.send("150 Here it comes"); err != nil {
			return err
		}
		sd, err := tlsAccept(raw, cfg)
		if err != nil {
			return err
		}
		if _, err := sd.Write([]byte("hello")); err != nil {
			return err
		}
		sd.Close()
		if err := s.send("226 Done"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	d := openData(t, ctx, c, PASV)
	if err := recv(t, quiet); err != nil {
		t.Error(err)
	}
	close(goOn)
	tr, err := c.Retrieve(ctx, d, "RETR f")
	if err != nil || string(tr.Data) != "hello" {
		t.Fatalf("Retrieve: %q %v %v", tr.Data, tr.DataErr, err)
	}
}

// TestPlaintextUnderProtP: a server that accepted PROT P and sends
// plaintext on the data connection is caught, with what it sent.
func TestPlaintextUnderProtP(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	for _, mode := range []DataMode{PASV, PORT} {
		t.Run(string(mode), func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				if err := protectedPeer(cfg)(s); err != nil {
					return err
				}
				var ln net.Listener
				var ap netip.AddrPort
				var err error
				if mode == PASV {
					ln, err = s.pasv(netip.Addr{})
				} else {
					ap, err = s.port()
				}
				if err != nil {
					return err
				}
				if _, err := s.expect("LIST"); err != nil {
					return err
				}
				if err := s.send("150 Here comes the listing"); err != nil {
					return err
				}
				var dc net.Conn
				if ln != nil {
					dc, err = s.accept(ln)
				} else {
					dc, err = s.dial(ap)
				}
				if err != nil {
					return err
				}
				return s.deliver(dc, []byte("-rw-r--r-- 1 ftp ftp 5 Jan 1 00:00 a.txt\r\n"), "226 Done")
			})
			ctx := testCtx(t)
			c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
			d := openData(t, ctx, c, mode)
			tr, err := c.Retrieve(ctx, d, "LIST")
			if err != nil {
				t.Fatalf("Retrieve: %v", err)
			}
			if !errors.Is(tr.DataErr, ErrDataNotTLS) || !errors.Is(tr.DataErr, ErrNotTLS) {
				t.Fatalf("DataErr = %v, want ErrDataNotTLS\n%s", tr.DataErr, c.T)
			}
			var te *TLSError
			errors.As(tr.DataErr, &te)
			if string(te.First) != "-rw-r--r-- 1 ftp" || te.Stage != TLSStageData {
				t.Errorf("TLSError %+v", te)
			}
			want := `TLS handshake on the data connection under PROT P: the server sent plaintext instead of TLS: "-rw-r--r-- 1 ftp"...`
			if te.Error() != want {
				t.Errorf("error %q\nwant  %q", te, want)
			}
			if !noteWith(c.T, "data: "+want) {
				t.Errorf("transcript:\n%s", c.T)
			}
			if d.TLS() != nil {
				t.Error("DataChannel.TLS() set after a failed handshake")
			}
		})
	}
}

// TestPlaintextUploadUnderProtP: a plaintext server never answers the
// ClientHello of an upload; the handshake ends with a timeout after the
// data timeout, not a hang.
func TestPlaintextUploadUnderProtP(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		dc, err := s.passiveCommand("STOR f", "150 Ok")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, dc)
		if err := s.send("226 Stored"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	tg := tlsTarget(p, TLSExplicit, pki.caFile)
	tg.DataTimeout = 300 * time.Millisecond
	c := protectedConn(t, ctx, tg)
	d := openData(t, ctx, c, PASV)
	tr, err := c.Store(ctx, d, "STOR f", []byte("data"))
	if err != nil {
		t.Fatalf("Store: %v", err)
	}
	var te *TLSError
	if !errors.As(tr.DataErr, &te) || te.Kind != TLSTimeout || te.Stage != TLSStageData {
		t.Fatalf("DataErr = %v, want a data handshake timeout\n%s", tr.DataErr, c.T)
	}
	if !strings.Contains(te.Error(), "expects plaintext") {
		t.Errorf("error %q", te)
	}
}

// TestProtClearAgain: after PROT C data connections are plaintext again.
func TestProtClearAgain(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		if err := s.exchange("PBSZ 0", "200 PBSZ=0"); err != nil {
			return err
		}
		if err := s.exchange("PROT C", "200 Protection level set to C"); err != nil {
			return err
		}
		if err := s.exchange("PBSZ 0", "200 PBSZ=0"); err != nil {
			return err
		}
		if err := s.exchange("PROT E", "536 PROT E not supported"); err != nil {
			return err
		}
		dc, err := s.passiveCommand("RETR f", "150 Here")
		if err != nil {
			return err
		}
		return s.deliver(dc, []byte("plain"), "226 Done")
	})
	ctx := testCtx(t)
	c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	if _, err := c.Protect(ctx, ProtClear); err != nil {
		t.Fatal(err)
	}
	r, err := c.Protect(ctx, ProtConfidential)
	var re *ReplyError
	if !errors.As(err, &re) || r.Code != 536 || c.DataProtection() != ProtClear {
		t.Fatalf("PROT E: %v %v, level %v", r, err, c.DataProtection())
	}
	d := openData(t, ctx, c, PASV)
	tr, err := c.Retrieve(ctx, d, "RETR f")
	if err != nil || tr.DataErr != nil || string(tr.Data) != "plain" || d.TLS() != nil {
		t.Fatalf("Retrieve: %q %v %v", tr.Data, tr.DataErr, err)
	}
	if !noteWith(c.T, "PROT C in force: data connections are plaintext") {
		t.Errorf("transcript:\n%s", c.T)
	}
}

// TestDataChannelHandshake: a check can shake hands on a data connection
// without a transfer, and reset it without close_notify.
func TestDataChannelHandshake(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	ended := make(chan error, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		raw, err := s.accept(ln)
		if err != nil {
			return err
		}
		sd, err := tlsAccept(raw, cfg)
		if err != nil {
			return err
		}
		_, err = sd.Read(make([]byte, 1))
		ended <- err
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	d := openData(t, ctx, c, PASV)
	info, err := d.Handshake(ctx)
	if err != nil || info == nil || !info.Resumed {
		t.Fatalf("Handshake: %+v %v", info, err)
	}
	run, err := c.Watch(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	run.Reset()
	if err := recv(t, ended); !isReset(err) {
		t.Errorf("the server read %v, want a reset (no close_notify)", err)
	}
}

// TestEmptyProtectedUpload: an upload that writes nothing and half-closes
// still shakes hands and ends with close_notify.
func TestEmptyProtectedUpload(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	ends := make(chan serverDataEnd, 1)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		ap, err := s.port()
		if err != nil {
			return err
		}
		if _, err := s.expect("STOR empty"); err != nil {
			return err
		}
		if err := s.send("150 Ok"); err != nil {
			return err
		}
		raw, err := s.dial(ap)
		if err != nil {
			return err
		}
		sd, err := tlsAccept(raw, cfg)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(sd)
		ends <- serverDataEnd{data: b, err: err, closeNotify: err == nil && !sd.raw.sawEOF()}
		if err := s.send("226 Stored 0 bytes"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := protectedConn(t, ctx, tlsTarget(p, TLSExplicit, pki.caFile))
	d := openData(t, ctx, c, PORT)
	run, err := c.Start(ctx, d, "STOR empty")
	if err != nil || run.Prelim == nil {
		t.Fatalf("Start: %v %v", run, err)
	}
	if err := run.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	end := recv(t, ends)
	if end.err != nil || len(end.data) != 0 || !end.closeNotify {
		t.Errorf("server saw %d bytes, err %v, close_notify %v", len(end.data), end.err, end.closeNotify)
	}
	if r, err := run.ReadFinal(ctx); err != nil || r.Code != 226 {
		t.Errorf("final %v %v", r, err)
	}
	run.Close()
	if info := d.TLS(); info == nil || !info.Resumed {
		t.Errorf("DataChannel.TLS() = %+v", info)
	}
}

// TestDataOtherCertificate: a data connection with another certificate
// than the control connection's (and so no resumption) is noted.
func TestDataOtherCertificate(t *testing.T) {
	pki := newServerPKI(t)
	other := makeCert(t, certSpec{CN: "data.test", IPs: []net.IP{loopback4}}, pki.ca)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	dataCfg := serverConfig(other.tlsCert(), 0)
	p := startPeer(t, "", func(s *peerSession) error {
		if err := protectedPeer(cfg)(s); err != nil {
			return err
		}
		raw, err := s.passiveCommand("RETR f", "150 Here")
		if err != nil {
			return err
		}
		sd, err := tlsAccept(raw, dataCfg)
		if err != nil {
			return err
		}
		if _, err := sd.Write([]byte("x")); err != nil {
			return err
		}
		sd.Close()
		if err := s.send("226 Done"); err != nil {
			return err
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c, _, err := Connect(ctx, tlsTarget(p, TLSExplicit, pki.caFile), nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer c.Close()
	if c.TLS() == nil {
		t.Fatal("Connect left the connection plaintext")
	}
	if err := c.LoginUser(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Protect(ctx, ProtPrivate); err != nil {
		t.Fatal(err)
	}
	d := openData(t, ctx, c, PASV)
	tr, err := c.Retrieve(ctx, d, "RETR f")
	if err != nil || tr.DataErr != nil || string(tr.Data) != "x" {
		t.Fatalf("Retrieve: %q %v %v", tr.Data, tr.DataErr, err)
	}
	info := d.TLS()
	if info == nil || info.Resumed || info.SameCertificate || info.ServerName != "127.0.0.1" {
		t.Fatalf("DataChannel.TLS() = %+v", info)
	}
	for _, want := range []string{"new session (no session of this control connection resumed)",
		`another certificate than on the control connection: certificate subject "CN=data.test,O=ftpconform test"`} {
		if !noteWith(c.T, want) {
			t.Errorf("transcript lacks %q:\n%s", want, c.T)
		}
	}
}

// TestCCC: after 200 to CCC both sides end TLS with close_notify and the
// session goes on in plaintext; a server that sends no close_notify is
// reported.
func TestCCC(t *testing.T) {
	pki := newServerPKI(t)
	cfg := serverConfig(pki.leaf.tlsCert(), 0)
	tests := []struct {
		name string
		// after runs on the server once it has sent 200 to CCC; it
		// returns the connection to go on with in plaintext.
		after func(s *peerSession, tc *tls.Conn, raw net.Conn) error
		kind  TLSFailure // "" for success
		words string
	}{
		{
			name: "close_notify both ways",
			after: func(s *peerSession, tc *tls.Conn, raw net.Conn) error {
				if err := tc.CloseWrite(); err != nil {
					return err
				}
				if _, err := tc.Read(make([]byte, 1)); err != io.EOF {
					return fmt.Errorf("waiting for the client's close_notify: %v", err)
				}
				s.c, s.br = raw, bufio.NewReader(raw)
				return s.exchange("PWD", `257 "/"`)
			},
		},
		{
			name: "close_notify and an unsolicited plaintext reply right behind it",
			after: func(s *peerSession, tc *tls.Conn, raw net.Conn) error {
				if err := tc.CloseWrite(); err != nil {
					return err
				}
				s.c = raw
				if err := s.send("211 plaintext already"); err != nil {
					return err
				}
				if _, err := tc.Read(make([]byte, 1)); err != io.EOF {
					return fmt.Errorf("waiting for the client's close_notify: %v", err)
				}
				s.br = bufio.NewReader(raw)
				return s.exchange("PWD", `257 "/"`)
			},
		},
		{
			name: "no close_notify",
			after: func(s *peerSession, tc *tls.Conn, raw net.Conn) error {
				s.c, s.br = raw, bufio.NewReader(raw)
				return s.untilClosed()
			},
			kind: TLSTimeout, words: "sent no TLS close_notify within",
		},
		{
			name: "plaintext at once, without close_notify",
			after: func(s *peerSession, tc *tls.Conn, raw net.Conn) error {
				s.c, s.br = raw, bufio.NewReader(raw)
				if err := s.send("211 plaintext already"); err != nil {
					return err
				}
				// The client's close_notify reaches a server that
				// ended TLS without one as a stray record.
				if err := discardRecord(s.br); err != nil {
					return err
				}
				return s.exchange("PWD", `257 "/"`)
			},
			kind: TLSProtocol, words: "switched to plaintext without a TLS close_notify",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				raw := s.c
				if err := s.authTLS(cfg); err != nil {
					return err
				}
				if err := s.login(); err != nil {
					return err
				}
				if err := s.exchange("CCC", "200 Clearing control channel"); err != nil {
					return err
				}
				return tc.after(s, s.c.(*tls.Conn), raw)
			})
			ctx := testCtx(t)
			tg := tlsTarget(p, TLSExplicit, pki.caFile)
			tg.ReplyTimeout = time.Second
			c := connect(t, ctx, tg)
			if _, err := c.CCC(ctx); err == nil {
				t.Fatal("CCC on a plaintext connection: no error")
			}
			if _, err := c.AuthTLS(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.LoginUser(ctx); err != nil {
				t.Fatal(err)
			}
			r, err := c.CCC(ctx)
			if r == nil || r.Code != 200 {
				t.Fatalf("CCC reply %v (%v)", r, err)
			}
			if c.TLS() != nil {
				t.Error("TLS() still set after CCC")
			}
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("CCC: %v\n%s", err, c.T)
				}
			} else {
				var te *TLSError
				if !errors.As(err, &te) || te.Kind != tc.kind || te.Stage != TLSStageCCC || !strings.Contains(te.Error(), tc.words) {
					t.Fatalf("CCC error %v, want kind %q with %q", err, tc.kind, tc.words)
				}
				if tc.kind == TLSTimeout {
					return
				}
			}
			if strings.Contains(tc.name, "plaintext") {
				r, err := c.ReadReply(ctx)
				if err != nil || r.Code != 211 {
					t.Fatalf("the plaintext reply after CCC: %v %v\n%s", r, err, c.T)
				}
			}
			if r, err := c.Expect(ctx, "PWD", 257); err != nil {
				t.Fatalf("PWD in plaintext after CCC: %v %v\n%s", r, err, c.T)
			}
		})
	}
}

// discardRecord reads one TLS record off br.
func discardRecord(br *bufio.Reader) error {
	var hdr [5]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return err
	}
	if !looksLikeTLS(hdr[:]) {
		return fmt.Errorf("%q is not a TLS record header", hdr)
	}
	_, err := br.Discard(int(hdr[3])<<8 | int(hdr[4]))
	return err
}

// TestRecordConnExact: in exact mode no read crosses a record boundary,
// and the stream comes through unchanged.
func TestRecordConnExact(t *testing.T) {
	stream := append(tlsRecord(22, 300), tlsRecord(21, 2)...)
	stream = append(stream, []byte("220 plaintext after the records\r\n")...)
	for _, chunk := range []int{1, 3, 7, 1000} {
		got, ends := readExact(t, stream, chunk)
		if !bytes.Equal(got, stream) {
			t.Fatalf("chunk %d: stream changed", chunk)
		}
		start := 0
		for _, end := range ends {
			for _, b := range []int{5, 305, 310, 312} {
				if start < b && b < end {
					t.Errorf("chunk %d: a read of [%d,%d) crosses the record boundary %d", chunk, start, end, b)
				}
			}
			start = end
		}
	}
}

// tlsRecord returns a record header of type typ and n body bytes.
func tlsRecord(typ byte, n int) []byte {
	b := []byte{typ, 3, 3, byte(n >> 8), byte(n)}
	return append(b, bytes.Repeat([]byte{0xab}, n)...)
}

// readExact feeds stream through an exact recordConn in reads of at most
// chunk bytes and returns what came out and where each read ended.
func readExact(t testing.TB, stream []byte, chunk int) ([]byte, []int) {
	a, b := net.Pipe()
	go func() {
		_, _ = a.Write(stream)
		a.Close()
	}()
	rc := &recordConn{Conn: b}
	rc.exact.Store(true)
	var out []byte
	var ends []int
	buf := make([]byte, chunk)
	for {
		_ = b.SetReadDeadline(time.Now().Add(peerIOTimeout))
		n, err := rc.Read(buf)
		out = append(out, buf[:n]...)
		if n > 0 {
			ends = append(ends, len(out))
		}
		if err != nil {
			if err != io.EOF {
				t.Fatalf("read: %v", err)
			}
			break
		}
	}
	if string(rc.first()) != string(stream[:min(len(stream), firstBytes)]) {
		t.Fatalf("first() = %q", rc.first())
	}
	if !rc.sawEOF() {
		t.Fatal("sawEOF false at the end")
	}
	return out, ends
}

func TestLooksLikeTLS(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"\x16\x03\x03\x00\x10", true},
		{"\x15\x03\x01", true},
		{"\x17", true},
		{"220 ready", false},
		{"\x16\x02\x00", false},
		{"", false},
		{"\x80\x2e\x01", false},
	}
	for _, tc := range tests {
		if got := looksLikeTLS([]byte(tc.in)); got != tc.want {
			t.Errorf("looksLikeTLS(%q) = %v", tc.in, got)
		}
	}
}
