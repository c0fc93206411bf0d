package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FTP over TLS (RFC 4217, on the security extensions of RFC 2228): the
// control connection is protected with AUTH TLS after the greeting
// (explicit) or from its first byte (implicit, ftps://); PBSZ 0 and PROT P
// protect the data connections, on which the harness is always the TLS
// client (RFC 4217 §7), in passive and active mode alike; CCC returns the
// control connection to plaintext.
//
//	> AUTH TLS
//	< 234 Proceed with negotiation.
//	  (TLS handshake; every later line travels inside TLS)
//	> PBSZ 0
//	< 200 PBSZ=0
//	> PROT P
//	< 200 Protection set to Private
//
// Every handshake is recorded in the transcript with its version, cipher
// suite, whether it resumed an earlier session, and, on the control
// connection, the server's certificate.

// Reply codes of the security extensions.
const (
	ReplySecurityDataOK   = 234 // RFC 2228 §5.1: AUTH accepted, no ADAT exchange follows (RFC 4217 §4.2)
	ReplyProtLevelRefused = 521 // RFC 4217 §10.2: data connection cannot be opened with this PROT setting
	ReplyTLSFailed        = 522 // RFC 4217 §10.2: the data connection's TLS negotiation failed or was unacceptable
	ReplyCommandProtected = 533 // RFC 2228 §5.1: command protection level denied (CCC on a clear connection, RFC 4217 §5)
	ReplyPolicyRefused    = 534 // RFC 2228 §5.1: request denied for policy reasons
	ReplyProtNotSupported = 536 // RFC 2228 §5.1: requested PROT level not supported by mechanism
)

// ProtLevel is a data channel protection level, the argument of PROT
// (RFC 2228 §3). Under TLS only Clear and Private are meaningful (RFC 4217
// §9).
type ProtLevel byte

// The PROT levels.
const (
	ProtClear        ProtLevel = 'C' // no TLS on data connections (the initial level)
	ProtSafe         ProtLevel = 'S' // integrity only; not used with TLS
	ProtConfidential ProtLevel = 'E' // privacy only; not used with TLS
	ProtPrivate      ProtLevel = 'P' // TLS on every data connection
)

func (l ProtLevel) String() string { return string(rune(l)) }

// TLSStage names the step at which TLS failed.
type TLSStage string

// The stages of a TLS failure.
const (
	TLSStageHandshake TLSStage = "handshake"          // the control connection's handshake after 234 to AUTH TLS
	TLSStageImplicit  TLSStage = "implicit handshake" // the control connection's handshake before the greeting (ftps://)
	TLSStageData      TLSStage = "data handshake"     // a data connection's handshake under PROT P
	TLSStageCCC       TLSStage = "ccc"                // ending TLS on the control connection after 200 to CCC
	TLSStageConfig    TLSStage = "config"             // the harness's own TLS settings (an unreadable CA file)
)

// TLSFailure classifies a TLS failure.
type TLSFailure string

// The kinds of TLS failure.
const (
	TLSTimeout     TLSFailure = "timeout"     // the server never answered within the deadline
	TLSClosed      TLSFailure = "closed"      // the server closed or reset the connection
	TLSPlaintext   TLSFailure = "plaintext"   // the server sent bytes that are not TLS records
	TLSCertificate TLSFailure = "certificate" // the server's certificate did not verify (see Cert)
	TLSProtocol    TLSFailure = "protocol"    // a TLS alert or a malformed or unacceptable handshake
	TLSSettings    TLSFailure = "settings"    // the harness's TLS settings are unusable
)

// ErrNotTLS matches (errors.Is) a *TLSError whose peer sent plaintext where
// TLS was due, on any connection; ErrDataNotTLS only one on a data
// connection under PROT P.
var (
	ErrNotTLS     = errors.New("the server did not speak TLS")
	ErrDataNotTLS = errors.New("the server sent plaintext on a data connection under PROT P")
)

// TLSError is a TLS failure on a control or data connection. It keeps the
// underlying error (a *CertProblem for certificate failures) and, when the
// server sent plaintext, the first bytes it sent.
type TLSError struct {
	Stage  TLSStage
	Kind   TLSFailure
	Cert   *CertProblem  // Kind TLSCertificate
	First  []byte        // the first bytes the server sent (at most 16), when it sent any
	Waited time.Duration // how long the handshake ran before it failed
	Err    error
}

func (e *TLSError) Error() string {
	var where string
	switch e.Stage {
	case TLSStageHandshake:
		where = "TLS handshake on the control connection after 234 to AUTH TLS"
	case TLSStageImplicit:
		where = "TLS handshake on the control connection (implicit TLS)"
	case TLSStageData:
		where = "TLS handshake on the data connection under PROT P"
	case TLSStageCCC:
		where = "ending TLS on the control connection after 200 to CCC"
	case TLSStageConfig:
		where = "TLS settings"
	default:
		where = "TLS " + string(e.Stage)
	}
	var what string
	switch e.Kind {
	case TLSTimeout:
		what = fmt.Sprintf("no answer from the server within %s", e.Waited.Round(time.Millisecond))
		switch e.Stage {
		case TLSStageHandshake:
			what += " (it accepted AUTH TLS but never completed the handshake)"
		case TLSStageImplicit:
			what += " (is this an implicit FTPS port? a plain FTP server waits for nothing but commands)"
		case TLSStageData:
			what += " (a server that expects plaintext waits for data instead)"
		case TLSStageCCC:
			what = fmt.Sprintf("the server sent no TLS close_notify within %s", e.Waited.Round(time.Millisecond))
		}
	case TLSClosed:
		what = "the server closed the connection"
		if e.Stage != TLSStageCCC {
			what += " before the handshake completed"
		} else {
			what += " instead of ending TLS with close_notify"
		}
	case TLSPlaintext:
		what = fmt.Sprintf("the server sent plaintext instead of TLS: %s", quoteFirst(e.First))
	case TLSCertificate:
		if e.Cert != nil {
			return where + ": " + e.Cert.Error()
		}
		what = "the certificate did not verify"
	}
	if what == "" {
		if e.Err != nil {
			what = e.Err.Error()
		} else {
			what = string(e.Kind)
		}
	}
	return where + ": " + what
}

func (e *TLSError) Unwrap() error { return e.Err }

// Is matches ErrNotTLS for plaintext on any connection and ErrDataNotTLS
// for plaintext on a data connection.
func (e *TLSError) Is(target error) bool {
	switch target {
	case ErrNotTLS:
		return e.Kind == TLSPlaintext
	case ErrDataNotTLS:
		return e.Kind == TLSPlaintext && e.Stage == TLSStageData
	}
	return false
}

// clearCompletion turns the failed TLS handshake of a data connection the
// server closed unanswered into a plaintext finding when the server then
// reported the transfer complete: it moved the data (nothing, here) in
// clear under PROT P, which is what ErrDataNotTLS stands for.
func clearCompletion(err error, final *Reply) error {
	var te *TLSError
	if final == nil || Class(final.Code) != 2 || !errors.As(err, &te) || te.Stage != TLSStageData || te.Kind != TLSClosed {
		return err
	}
	return &TLSError{Stage: TLSStageData, Kind: TLSPlaintext, Waited: te.Waited,
		Err: fmt.Errorf("the server closed the data connection without a TLS handshake and answered %s: the transfer went in clear under PROT P", final)}
}

// Timeout reports whether the server did not answer in time.
func (e *TLSError) Timeout() bool { return e.Kind == TLSTimeout }

// quoteFirst renders the first bytes a server sent, quoted, with "..."
// when there were more.
func quoteFirst(b []byte) string {
	if len(b) == 0 {
		return "(nothing)"
	}
	s := fmt.Sprintf("%q", b)
	if len(b) >= firstBytes {
		s += "..."
	}
	return s
}

// TLSInfo is the outcome of one TLS handshake.
type TLSInfo struct {
	Version     uint16 // tls.VersionTLS13, ...
	CipherSuite uint16
	Resumed     bool   // the handshake resumed an earlier session of the same control connection
	ServerName  string // the name the certificate was checked against
	// PeerCertificates is the chain the server presented, its own
	// certificate first.
	PeerCertificates []*x509.Certificate
	// Verified reports whether the certificate was verified (false when
	// the target is Insecure).
	Verified bool
	// Problem is what verification found or would have found (with
	// Insecure); nil when the certificate is fine.
	Problem *CertProblem
	Took    time.Duration
	// On a data connection: SameCertificate reports whether the server
	// presented the certificate of the control connection (RFC 4217
	// §10.2 asks servers to cross-check the two; a client may too), and
	// PeerCloseNotify whether the server ended TLS with close_notify
	// before it closed the connection (set once the harness read the
	// end).
	SameCertificate bool
	PeerCloseNotify bool
}

// VersionName returns "TLS 1.3" and the like.
func (i *TLSInfo) VersionName() string { return tls.VersionName(i.Version) }

// CipherSuiteName returns the IANA name of the cipher suite.
func (i *TLSInfo) CipherSuiteName() string { return tls.CipherSuiteName(i.CipherSuite) }

// String renders "TLS 1.3, TLS_AES_128_GCM_SHA256, new session".
func (i *TLSInfo) String() string {
	if i == nil {
		return "no TLS"
	}
	s := "new session"
	if i.Resumed {
		s = "resumed session"
	}
	return fmt.Sprintf("%s, %s, %s", i.VersionName(), i.CipherSuiteName(), s)
}

// Leaf returns the server's own certificate (nil if none was presented).
func (i *TLSInfo) Leaf() *x509.Certificate {
	if i == nil || len(i.PeerCertificates) == 0 {
		return nil
	}
	return i.PeerCertificates[0]
}

// CertSummary renders the server's certificate: subject, issuer and the
// validity period.
func (i *TLSInfo) CertSummary() string {
	leaf := i.Leaf()
	if leaf == nil {
		return "no certificate"
	}
	s := fmt.Sprintf("certificate subject %q, issuer %q, valid %s to %s", leaf.Subject.String(), leaf.Issuer.String(),
		certTime(leaf.NotBefore), certTime(leaf.NotAfter))
	if isSelfSigned(leaf) {
		s += " (self-signed)"
	}
	return s
}

func newTLSInfo(cs tls.ConnectionState, name string) *TLSInfo {
	return &TLSInfo{
		Version:          cs.Version,
		CipherSuite:      cs.CipherSuite,
		Resumed:          cs.DidResume,
		ServerName:       name,
		PeerCertificates: cs.PeerCertificates,
	}
}

// TLSConfig returns a client configuration for the target: verification
// against CAFile (or the system roots) for TLSServerName, unless Insecure,
// and a session cache of its own. A Conn makes one and uses it for its
// control connection and every data connection, so that data connections
// can resume the control connection's session (RFC 4217 §10.2 lets a
// server insist on that; vsftpd does by default). Go's client keys cached
// sessions by ServerName, which is therefore always set (to Host when it
// is an address: Go then verifies the certificate's IP addresses and sends
// no SNI).
func (t Target) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         t.TLSServerName(),
		ClientSessionCache: tls.NewLRUClientSessionCache(8),
		InsecureSkipVerify: t.Insecure,
	}
	if t.CAFile != "" {
		roots, err := loadRoots(t.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = roots
	}
	return cfg, nil
}

// loadRoots reads a PEM file of root certificates.
func loadRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// rootsName says which roots verify certificates, for the transcript.
func (t Target) rootsName() string {
	if t.CAFile != "" {
		return "the CA file " + t.CAFile
	}
	return "the system roots"
}

// tlsConfig returns the connection's TLS configuration, made on first use.
func (c *Conn) tlsConfig() (*tls.Config, error) {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if c.tlsConf == nil {
		cfg, err := c.target.TLSConfig()
		if err != nil {
			return nil, &TLSError{Stage: TLSStageConfig, Kind: TLSSettings, Err: err}
		}
		c.tlsConf = cfg
	}
	return c.tlsConf, nil
}

// ForgetTLSSessions makes the data connections that follow take a full
// TLS handshake: they no longer resume the control connection's session
// (or an earlier data connection's). For the check of a server that
// demands session reuse (RFC 4217 §10.2).
func (c *Conn) ForgetTLSSessions() error {
	cfg, err := c.tlsConfig()
	if err != nil {
		return err
	}
	fresh := cfg.Clone()
	fresh.ClientSessionCache = tls.NewLRUClientSessionCache(16)
	c.tmu.Lock()
	c.tlsConf = fresh
	c.tmu.Unlock()
	c.T.Notef(c.name, "TLS: the data connections that follow take a full handshake (no session to resume)")
	return nil
}

// TLS returns the outcome of the control connection's handshake, or nil
// while the control connection is plaintext (never protected, or cleared
// by CCC).
func (c *Conn) TLS() *TLSInfo {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if c.tlsConn == nil {
		return nil
	}
	cp := *c.tlsInfo
	return &cp
}

// AuthTLS sends AUTH TLS and, on 234, performs the TLS handshake on the
// control connection (RFC 4217 §4); from then on every command and reply
// travels inside TLS:
//
//	> AUTH TLS
//	< 234 AUTH TLS successful
//	  (ClientHello ... Finished)
//
// Another reply is returned with a *ReplyError (the checks judge 502, 504,
// 534 and the like; the connection stays plaintext). A failed handshake is
// a *TLSError with Stage TLSStageHandshake: a server that answers 234 and
// never completes the handshake fails it within the reply timeout
// (TLSTimeout), one that sends plaintext instead fails it at once
// (TLSPlaintext, also after bytes that followed the 234 in the same
// plaintext stream), and a certificate that does not verify is
// TLSCertificate with its problem in plain words. After a failed handshake
// the connection is unusable: close it (RFC 4217 §10.3).
func (c *Conn) AuthTLS(ctx context.Context) (*Reply, error) { return c.authTLS(ctx, 0) }

// authTLS is AuthTLS with a pause between the 234 and the ClientHello.
func (c *Conn) authTLS(ctx context.Context, pause time.Duration) (*Reply, error) {
	r, err := c.Cmd(ctx, "AUTH TLS")
	if err != nil {
		return nil, err
	}
	if r.Code != ReplySecurityDataOK {
		return r, &ReplyError{Cmd: "AUTH TLS", Expected: []int{ReplySecurityDataOK}, Reply: r}
	}
	if c.TLS() != nil {
		err := errors.New("AUTH TLS inside TLS: the server answered 234 to a second AUTH TLS; the harness does not nest TLS")
		c.T.Notef(c.name, "TLS: %v", err)
		return r, err
	}
	if pause > 0 {
		c.T.Notef(c.name, "TLS: waiting %s after the 234 before the handshake", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return r, ctx.Err()
		}
	}
	return r, c.handshake(ctx, TLSStageHandshake)
}

// AuthTLSPaused is AuthTLS with a moment between the 234 and the
// handshake: the second attempt on a server that raced the first
// (RacedAuth), on a connection where starting over is not possible.
func (c *Conn) AuthTLSPaused(ctx context.Context) (*Reply, error) {
	return c.authTLS(ctx, authRetryPause)
}

// RacedAuth reports whether err, from AUTH TLS, shows a server that read
// the ClientHello as a command: it answered with an FTP reply in
// plaintext, so it had not switched to TLS when the handshake began. A
// second session that waits a moment after the 234 (ConnectSecureRetry)
// gets past such a server; the check of AUTH TLS judges the race itself.
func RacedAuth(err error) bool {
	var te *TLSError
	if !errors.As(err, &te) || te.Kind != TLSPlaintext || len(te.First) < 4 {
		return false
	}
	f := te.First
	return f[0] >= '1' && f[0] <= '5' && f[1] >= '0' && f[1] <= '9' && f[2] >= '0' && f[2] <= '9' && (f[3] == ' ' || f[3] == '-')
}

// authRetryPause is how long a second session waits between the 234 and
// the ClientHello for a server that raced the first (RacedAuth).
const authRetryPause = 100 * time.Millisecond

// Secure protects the control connection as the target asks: with
// TLSExplicit it runs AuthTLS unless the connection is already protected;
// with TLSImplicit Dial has done the handshake; with TLSOff it does
// nothing. Data connections stay clear until Protect.
func (c *Conn) Secure(ctx context.Context) error {
	if c.target.TLS != TLSExplicit || c.TLS() != nil {
		return nil
	}
	_, err := c.AuthTLS(ctx)
	return err
}

// handshake runs the TLS client handshake on the control connection within
// the reply timeout, then moves the connection's reader and writer onto
// TLS.
func (c *Conn) handshake(ctx context.Context, stage TLSStage) error {
	if n := c.rd.Buffered(); n > 0 {
		// The server wrote on after its 234 in plaintext: what it sent
		// is not TLS (a TLS server waits for the ClientHello).
		b, _ := c.rd.br.Peek(n)
		e := &TLSError{Stage: stage, Kind: TLSPlaintext, First: clip(b), Err: fmt.Errorf("%d bytes followed the 234 reply in plaintext", n)}
		c.T.Notef(c.name, "TLS: %v", e)
		return e
	}
	cfg, err := c.tlsConfig()
	if err != nil {
		c.T.Notef(c.name, "TLS: %v", err)
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rec := &recordConn{Conn: c.raw}
	tc := tls.Client(rec, cfg)
	stop := guard(ctx, c.raw)
	dl := deadline(ctx, c.target.ReplyTimeout)
	_ = c.raw.SetDeadline(dl)
	start := time.Now()
	err = tc.Handshake()
	took := time.Since(start)
	stop()
	if err != nil {
		if cerr := interrupted(ctx, dl, err); cerr != nil {
			e := fmt.Errorf("TLS handshake interrupted: %w", cerr)
			c.T.Notef(c.name, "TLS: %v", e)
			return e
		}
		e := classifyTLSError(stage, err, rec, took)
		if e.Cert != nil {
			e.Cert.Roots = c.target.rootsName()
		}
		c.T.Notef(c.name, "TLS: %v", e)
		return e
	}
	rec.exact.Store(true)
	info := newTLSInfo(tc.ConnectionState(), cfg.ServerName)
	info.Took = took
	c.verifyNote(info)
	c.tmu.Lock()
	c.tlsConn, c.rec, c.tlsInfo = tc, rec, info
	c.prot = 0 // a new security exchange starts data protection at Clear again (RFC 4217 §9)
	c.tmu.Unlock()
	c.setStream(tc)
	c.T.Notef(c.name, "TLS: handshake done in %s: %s; %s; %s", took.Round(time.Millisecond), info, info.CertSummary(), c.verifyWords(info))
	return nil
}

// verifyNote fills in Verified and Problem: a verified handshake passed
// crypto/tls's checks; with Insecure the harness verifies the chain itself
// so that the transcript can say what would have failed.
func (c *Conn) verifyNote(info *TLSInfo) {
	if !c.target.Insecure {
		info.Verified = true
		return
	}
	var roots *x509.CertPool
	if c.target.CAFile != "" {
		roots, _ = loadRoots(c.target.CAFile) // tlsConfig read it already
	}
	info.Problem = VerifyServerCert(info.PeerCertificates, roots, info.ServerName, time.Now())
	if info.Problem != nil {
		info.Problem.Roots = c.target.rootsName()
	}
}

func (c *Conn) verifyWords(info *TLSInfo) string {
	switch {
	case info.Verified:
		return fmt.Sprintf("verified for %q against %s", info.ServerName, c.target.rootsName())
	case info.Problem != nil:
		return "NOT verified (insecure); verification would fail: " + info.Problem.Error()
	}
	return fmt.Sprintf("NOT verified (insecure); it would verify for %q against %s", info.ServerName, c.target.rootsName())
}

// setStream makes nc the connection commands and replies travel on, with
// a fresh reply reader over it.
func (c *Conn) setStream(nc net.Conn) {
	onLine := c.rd.OnLine
	limits := c.rd.limits
	c.nc = nc
	c.rd = NewReader(nc, limits)
	c.rd.OnLine = onLine
}

// classifyTLSError turns a handshake error into a *TLSError.
func classifyTLSError(stage TLSStage, err error, rec *recordConn, took time.Duration) *TLSError {
	e := &TLSError{Stage: stage, Waited: took, Err: err}
	if rec != nil {
		e.First = rec.first()
	}
	var cp *CertProblem
	if errors.As(err, &cp) {
		e.Kind, e.Cert = TLSCertificate, cp
		return e
	}
	if p := ClassifyCertError(err, time.Now()); p != nil {
		e.Kind, e.Cert, e.Err = TLSCertificate, p, p
		return e
	}
	var rh tls.RecordHeaderError
	switch {
	case len(e.First) > 0 && !looksLikeTLS(e.First):
		e.Kind = TLSPlaintext
	case errors.As(err, &rh):
		e.Kind = TLSPlaintext
		if len(e.First) == 0 {
			e.First = rh.RecordHeader[:]
		}
	case IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		e.Kind = TLSTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isReset(err), errors.Is(err, syscall.EPIPE):
		e.Kind = TLSClosed
	default:
		e.Kind = TLSProtocol
	}
	return e
}

// looksLikeTLS reports whether b can start a TLS record: a content type
// of 20-23 (change_cipher_spec, alert, handshake, application_data) and
// major version 3.
func looksLikeTLS(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] < 20 || b[0] > 23 {
		return false
	}
	return len(b) < 2 || b[1] == 3
}

// firstBytes is how many of the first received bytes a recordConn keeps.
const firstBytes = 16

func clip(b []byte) []byte {
	return bytes.Clone(b[:min(len(b), firstBytes)])
}

// Protect sets the protection of the data connections (RFC 4217 §9, RFC
// 2228 §3): PBSZ 0, then PROT with level, each expecting 200.
//
//	> PBSZ 0
//	< 200 PBSZ=0
//	> PROT P
//	< 200 Protection level set to P
//
// After 200 to PROT P every data connection the connection opens (PASV,
// EPSV, PORT, EPRT, the default data port) is a TLS client connection
// sharing the control connection's session cache; after PROT C they are
// plaintext again. Another reply is returned with a *ReplyError and leaves
// the level as it was.
func (c *Conn) Protect(ctx context.Context, level ProtLevel) (*Reply, error) {
	r, err := c.Expect(ctx, "PBSZ 0", ReplyOK)
	if err != nil {
		return r, err
	}
	r, err = c.Expect(ctx, "PROT "+level.String(), ReplyOK)
	if err != nil {
		return r, err
	}
	c.SetDataProtection(level)
	return r, nil
}

// SetDataProtection tells the connection which PROT level the server
// accepted, for a check that sent PROT itself: at ProtPrivate data
// connections use TLS, at any other level they are plaintext.
func (c *Conn) SetDataProtection(level ProtLevel) {
	c.tmu.Lock()
	old := c.prot
	c.prot = level
	c.tmu.Unlock()
	if old != level {
		if level == ProtPrivate {
			c.T.Notef(c.name, "data: PROT P in force: data connections use TLS")
		} else {
			c.T.Notef(c.name, "data: PROT %s in force: data connections are plaintext", level)
		}
	}
}

// DataProtection returns the PROT level in force (ProtClear until
// Protect or SetDataProtection).
func (c *Conn) DataProtection() ProtLevel {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if c.prot == 0 {
		return ProtClear
	}
	return c.prot
}

// CCC clears the command channel (RFC 4217 §5, §12.3; RFC 2228 §3): it
// sends CCC inside TLS and, on 200, ends TLS on the control connection
// without closing it. The harness sends its close_notify, reads up to the
// server's, and continues in plaintext on the same TCP connection:
//
//	> CCC
//	< 200 Clearing control channel
//	  (close_notify both ways)
//	> PWD                (plaintext from here on)
//
// The data protection level is unchanged (RFC 4217 §5). Another reply
// comes back with a *ReplyError and TLS stays in force. A server that
// sends no close_notify within the reply timeout, closes the connection,
// or sends more inside TLS first, is a *TLSError with Stage TLSStageCCC; the
// connection is switched to plaintext all the same. A server that writes
// plaintext right after 200 without close_notify is a TLSProtocol error
// too, and its bytes are kept for the next reply. CCC on a connection
// without TLS is an error without anything sent (send "CCC" with Cmd to
// see the server's answer there, RFC 2228's 533).
func (c *Conn) CCC(ctx context.Context) (*Reply, error) {
	c.tmu.Lock()
	tc, rec := c.tlsConn, c.rec
	c.tmu.Unlock()
	if tc == nil {
		return nil, errors.New("CCC: the control connection is not protected by TLS")
	}
	r, err := c.Cmd(ctx, "CCC")
	if err != nil {
		return nil, err
	}
	if r.Code != ReplyOK {
		return r, &ReplyError{Cmd: "CCC", Expected: []int{ReplyOK}, Reply: r}
	}
	return r, c.clearTLS(ctx, tc, rec)
}

// afterREIN follows a successful REIN (RFC 4217 §13): the data protection
// is Clear again, and with explicit TLS the server clears TLS on the
// control connection after its reply, as after CCC. Implicit TLS stays:
// it is the port's protocol.
func (c *Conn) afterREIN(ctx context.Context) error {
	c.tmu.Lock()
	tc, rec, prot := c.tlsConn, c.rec, c.prot
	c.tmu.Unlock()
	if prot != ProtClear {
		c.SetDataProtection(ProtClear)
	}
	if tc == nil || c.target.TLS == TLSImplicit {
		return nil
	}
	return c.clearTLS(ctx, tc, rec)
}

// clearTLS ends TLS on the control connection: our close_notify, then the
// server's. The record-exact reader under TLS never reads past the
// server's close_notify record, so what the server sends next in
// plaintext is intact.
func (c *Conn) clearTLS(ctx context.Context, tc *tls.Conn, rec *recordConn) error {
	var extra []byte
	if n := c.rd.Buffered(); n > 0 {
		extra, _ = c.rd.br.Peek(n)
		extra = bytes.Clone(extra)
	}
	stop := guard(ctx, c.raw)
	dl := deadline(ctx, c.target.ReplyTimeout)
	_ = c.raw.SetDeadline(dl)
	start := time.Now()
	werr := tc.CloseWrite()
	var rerr error
	buf := make([]byte, 512)
	for {
		n, err := tc.Read(buf)
		if len(extra) < 4096 {
			extra = append(extra, buf[:n]...)
		}
		if err != nil {
			rerr = err
			break
		}
	}
	stop()
	took := time.Since(start)
	_ = c.raw.SetDeadline(time.Time{})
	next := net.Conn(c.raw)
	var e *TLSError
	var rh tls.RecordHeaderError
	switch {
	case rerr == io.EOF && !rec.sawEOF():
		// The server's close_notify.
	case rerr == io.EOF:
		e = &TLSError{Stage: TLSStageCCC, Kind: TLSClosed, Waited: took, Err: rerr}
	case errors.As(rerr, &rh):
		// Plaintext without close_notify: keep the five bytes TLS took
		// for a record header.
		e = &TLSError{Stage: TLSStageCCC, Kind: TLSProtocol, First: rh.RecordHeader[:], Waited: took,
			Err: fmt.Errorf("the server switched to plaintext without a TLS close_notify (next bytes %q)", rh.RecordHeader[:])}
		next = &prefixConn{Conn: c.raw, prefix: bytes.Clone(rh.RecordHeader[:])}
	default:
		if cerr := interrupted(ctx, dl, rerr); cerr != nil {
			rerr = cerr
		}
		e = classifyTLSError(TLSStageCCC, rerr, nil, took)
	}
	if e == nil && len(extra) > 0 {
		e = &TLSError{Stage: TLSStageCCC, Kind: TLSProtocol, First: clip(extra), Waited: took,
			Err: fmt.Errorf("the server sent %d more bytes inside TLS before its close_notify: %s", len(extra), quoteFirst(clip(extra)))}
	}
	c.tmu.Lock()
	c.tlsConn, c.rec = nil, nil
	c.tmu.Unlock()
	c.setStream(next)
	if werr != nil {
		c.T.Notef(c.name, "TLS: sending close_notify failed: %v", werr)
	}
	if e != nil {
		c.T.Notef(c.name, "TLS: %v; continuing in plaintext", e)
		return e
	}
	c.T.Notef(c.name, "TLS: cleared after CCC (close_notify sent and received in %s); the control connection continues in plaintext", took.Round(time.Millisecond))
	return nil
}

// prefixConn reads prefix before the connection's own bytes.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// recordConn is the TCP connection under a TLS client. It keeps the first
// bytes the server sent (to tell plaintext from TLS when a handshake
// fails), whether the server closed the TCP connection, and where the TLS
// records begin and end. In exact mode each Read returns bytes of at most
// one record, so crypto/tls never buffers bytes beyond the record it asked
// for: after the server's close_notify the plaintext that follows is still
// unread (CCC). The control connection turns exact mode on once its
// handshake is done (until then the first bytes are worth more).
type recordConn struct {
	net.Conn
	exact atomic.Bool

	mu   sync.Mutex
	head []byte // the first bytes received, at most firstBytes
	eof  bool

	// The record framing, followed over every byte read (by one reader
	// at a time): the header being read and the body bytes still due.
	hdr  [5]byte
	hdrN int
	left int
}

func (r *recordConn) Read(p []byte) (int, error) {
	if r.exact.Load() {
		if r.left == 0 {
			if want := len(r.hdr) - r.hdrN; len(p) > want {
				p = p[:want]
			}
		} else if len(p) > r.left {
			p = p[:r.left]
		}
	}
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.mu.Lock()
		if len(r.head) < firstBytes {
			r.head = append(r.head, p[:min(n, firstBytes-len(r.head))]...)
		}
		r.mu.Unlock()
		r.advance(p[:n])
	}
	if errors.Is(err, io.EOF) {
		r.mu.Lock()
		r.eof = true
		r.mu.Unlock()
	}
	return n, err
}

// advance follows the record framing over b, which was just read.
func (r *recordConn) advance(b []byte) {
	for len(b) > 0 {
		if r.left > 0 {
			k := min(r.left, len(b))
			r.left -= k
			b = b[k:]
			continue
		}
		k := copy(r.hdr[r.hdrN:], b)
		r.hdrN += k
		b = b[k:]
		if r.hdrN == len(r.hdr) {
			r.left = int(r.hdr[3])<<8 | int(r.hdr[4])
			r.hdrN = 0
		}
	}
}

func (r *recordConn) first() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.head)
}

func (r *recordConn) sawEOF() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.eof
}

// tcp returns the TCP connection under TLS.
func (r *recordConn) tcp() (*net.TCPConn, bool) {
	tc, ok := r.Conn.(*net.TCPConn)
	return tc, ok
}

// describeTLSDataEnd words how the server ended a protected data
// connection.
func describeTLSDataEnd(notify bool) string {
	if notify {
		return "the server ended TLS with close_notify"
	}
	return "the server closed the connection without a TLS close_notify"
}
