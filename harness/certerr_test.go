package harness

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Certificates made in the test, so that no file or clock outside it
// matters.

// certSpec describes a certificate to make.
type certSpec struct {
	CN        string
	DNS       []string
	IPs       []net.IP
	NotBefore time.Time
	NotAfter  time.Time
	CA        bool
}

// testCert is a certificate with its key.
type testCert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// makeCert creates a certificate for spec, signed by parent (self-signed
// when parent is nil).
func makeCert(t testing.TB, spec certSpec, parent *testCert) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if spec.NotBefore.IsZero() {
		spec.NotBefore = time.Now().Add(-time.Hour)
	}
	if spec.NotAfter.IsZero() {
		spec.NotAfter = time.Now().Add(24 * time.Hour)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.CN, Organization: []string{"ftpconform test"}},
		DNSNames:              spec.DNS,
		IPAddresses:           spec.IPs,
		NotBefore:             spec.NotBefore,
		NotAfter:              spec.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if spec.CA {
		tmpl.IsCA = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
	}
	signer, signerCert := crypto.Signer(key), tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: c, key: key}
}

// tlsCert is the server-side form: this certificate, then chain.
func (c *testCert) tlsCert(chain ...*testCert) tls.Certificate {
	tc := tls.Certificate{Certificate: [][]byte{c.cert.Raw}, PrivateKey: c.key, Leaf: c.cert}
	for _, x := range chain {
		tc.Certificate = append(tc.Certificate, x.cert.Raw)
	}
	return tc
}

func (c *testCert) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

// writePEM writes the certificate to a file in a temporary directory (the
// CA file a target names).
func (c *testCert) writePEM(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestVerifyServerCert: every kind of certificate problem, built in the
// test and checked as of a fixed time, comes out in plain words.
func TestVerifyServerCert(t *testing.T) {
	now := time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	valid := certSpec{NotBefore: now.Add(-30 * day), NotAfter: now.Add(300 * day)}
	with := func(s certSpec, f func(*certSpec)) certSpec { f(&s); return s }

	root := makeCert(t, with(valid, func(s *certSpec) { s.CN, s.CA = "Root CA", true }), nil)
	inter := makeCert(t, with(valid, func(s *certSpec) { s.CN, s.CA = "Issuing CA", true }), root)
	oldInter := makeCert(t, with(valid, func(s *certSpec) {
		s.CN, s.CA, s.NotAfter = "Lapsed CA", true, now.Add(-2*day)
	}), root)
	stranger := makeCert(t, with(valid, func(s *certSpec) { s.CN, s.CA = "Stranger CA", true }), nil)
	leaf := func(f func(*certSpec), parent *testCert) *testCert {
		return makeCert(t, with(valid, func(s *certSpec) {
			s.CN, s.DNS = "ftp.example.org", []string{"ftp.example.org"}
			if f != nil {
				f(s)
			}
		}), parent)
	}
	chain := func(cs ...*testCert) []*x509.Certificate {
		var out []*x509.Certificate
		for _, c := range cs {
			out = append(out, c.cert)
		}
		return out
	}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		ask   string
		kind  CertKind // "" means it verifies
		leaf  bool
		words []string
	}{
		{"good via an intermediate", chain(leaf(nil, inter), inter), "ftp.example.org", "", false, nil},
		{"good for an IP address", chain(leaf(func(s *certSpec) { s.IPs = []net.IP{net.IPv4(192, 0, 2, 7)} }, root)), "192.0.2.7", "", false, nil},
		{"expired", chain(leaf(func(s *certSpec) { s.NotAfter = now.Add(-3 * day) }, root)), "ftp.example.org", CertExpired, true,
			[]string{`the server's certificate "CN=ftp.example.org,O=ftpconform test" expired on 2030-06-12 12:00 UTC, 3 days ago`}},
		{"expired hours ago", chain(leaf(func(s *certSpec) { s.NotAfter = now.Add(-3 * time.Hour) }, root)), "ftp.example.org", CertExpired, true,
			[]string{"expired on 2030-06-15 09:00 UTC, 3 hours ago"}},
		{"not yet valid", chain(leaf(func(s *certSpec) { s.NotBefore = now.Add(5 * day) }, root)), "ftp.example.org", CertNotYetValid, true,
			[]string{"is not valid until 2030-06-20 12:00 UTC, 5 days from now (is a clock wrong?)"}},
		{"expired intermediate", chain(leaf(nil, oldInter), oldInter), "ftp.example.org", CertExpired, false,
			[]string{`the certificate "CN=Lapsed CA,O=ftpconform test" in the server's chain expired on 2030-06-13 12:00 UTC, 2 days ago`}},
		{"name mismatch", chain(leaf(func(s *certSpec) { s.DNS = []string{"www.example.org", "example.org", "mail.example.org"} }, root)), "ftp.example.org",
			CertNameMismatch, true, []string{`is for "www.example.org", "example.org" and "mail.example.org", not for "ftp.example.org"`}},
		{"IP address mismatch", chain(leaf(func(s *certSpec) { s.IPs = []net.IP{net.IPv4(192, 0, 2, 7)} }, root)), "192.0.2.8",
			CertNameMismatch, true, []string{`is for "ftp.example.org" and "192.0.2.7", not for "192.0.2.8"`}},
		{"name only in the Common Name", chain(leaf(func(s *certSpec) { s.DNS = nil }, root)), "ftp.example.org",
			CertNameMismatch, true, []string{`names "ftp.example.org" only in its Common Name, which verifiers ignore (it needs a subjectAltName)`}},
		{"no name at all", chain(leaf(func(s *certSpec) { s.DNS, s.CN = nil, "" }, root)), "ftp.example.org",
			CertNameMismatch, true, []string{`names no host at all, so it is not valid for "ftp.example.org"`}},
		{"self-signed", chain(leaf(nil, nil)), "ftp.example.org", CertSelfSigned, true,
			[]string{"is self-signed (its issuer is itself) and is not among the trusted roots"}},
		{"chain ending in an untrusted self-signed root", chain(leaf(nil, stranger), stranger), "ftp.example.org", CertSelfSigned, false,
			[]string{`the server's chain ends in the self-signed certificate "CN=Stranger CA,O=ftpconform test"`}},
		{"unknown authority", chain(leaf(nil, stranger)), "ftp.example.org", CertUnknownAuthority, true,
			[]string{`was issued by "CN=Stranger CA,O=ftpconform test", an authority not among the trusted roots`}},
		{"missing intermediate", chain(leaf(nil, inter)), "ftp.example.org", CertUnknownAuthority, true,
			[]string{`issued by "CN=Issuing CA,O=ftpconform test"`, "did not send the intermediate certificates"}},
		{"no certificate", nil, "ftp.example.org", CertOther, false, []string{"the server presented no certificate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := VerifyServerCert(tc.chain, root.pool(), tc.ask, now)
			if tc.kind == "" {
				if p != nil {
					t.Fatalf("problem %v", p)
				}
				return
			}
			if p == nil {
				t.Fatalf("verified; want %q", tc.kind)
			}
			if p.Kind != tc.kind || p.Leaf != tc.leaf {
				t.Errorf("kind %q leaf %v, want %q %v: %v", p.Kind, p.Leaf, tc.kind, tc.leaf, p)
			}
			for _, w := range tc.words {
				if !strings.Contains(p.Error(), w) {
					t.Errorf("%q\nlacks %q", p, w)
				}
			}
			if tc.kind != CertOther && (p.Err == nil || errors.Unwrap(p) == nil) {
				t.Errorf("the x509 error is lost: %#v", p)
			}
		})
	}
}

func TestClassifyCertError(t *testing.T) {
	now := time.Now()
	if p := ClassifyCertError(nil, now); p != nil {
		t.Errorf("nil error: %v", p)
	}
	if p := ClassifyCertError(io.EOF, now); p != nil {
		t.Errorf("EOF: %v", p)
	}
	self := makeCert(t, certSpec{CN: "me"}, nil)
	wrapped := fmt.Errorf("handshake: %w", x509.UnknownAuthorityError{Cert: self.cert})
	p := ClassifyCertError(wrapped, now)
	if p == nil || p.Kind != CertSelfSigned || !p.Leaf {
		t.Errorf("wrapped UnknownAuthorityError: %+v", p)
	}
	p = ClassifyCertError(&tls.CertificateVerificationError{Err: x509.SystemRootsError{}}, now)
	if p == nil || p.Kind != CertOther || !strings.Contains(p.Error(), "did not verify") {
		t.Errorf("SystemRootsError: %+v", p)
	}
	p = ClassifyCertError(x509.CertificateInvalidError{Cert: self.cert, Reason: x509.IncompatibleUsage}, now)
	if p == nil || p.Kind != CertOther || !strings.Contains(p.Error(), `"CN=me,O=ftpconform test" did not verify: x509:`) {
		t.Errorf("IncompatibleUsage: %v", p)
	}
}

func TestCertWords(t *testing.T) {
	spans := map[time.Duration]string{
		time.Second: "1 second", 90 * time.Second: "90 seconds", 3 * time.Minute: "3 minutes",
		-5 * time.Hour: "5 hours", 47 * time.Hour: "47 hours", 49 * time.Hour: "2 days",
	}
	for d, want := range spans {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
	lists := map[string]string{"": "", "a": `"a"`, "a b": `"a" and "b"`, "a b c": `"a", "b" and "c"`}
	for in, want := range lists {
		if got := quoteList(strings.Fields(in)); got != want {
			t.Errorf("quoteList(%q) = %q, want %q", in, got, want)
		}
	}
}
