package harness

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Certificate problems in plain words. crypto/x509 reports why a chain
// did not verify in terms a PKI engineer reads ("x509: certificate signed
// by unknown authority"); an FTP server's operator needs to hear which
// certificate is wrong and what to change: it expired on a date, it names
// other hosts, it is self-signed.

// CertKind classifies a certificate problem.
type CertKind string

// The kinds of certificate problem.
const (
	CertExpired          CertKind = "expired"           // NotAfter has passed
	CertNotYetValid      CertKind = "not yet valid"     // NotBefore is still to come
	CertNameMismatch     CertKind = "name mismatch"     // the certificate is for other names
	CertSelfSigned       CertKind = "self-signed"       // signed by itself (or the chain ends in such a root) and not trusted
	CertUnknownAuthority CertKind = "unknown authority" // issued by a CA that is not trusted
	CertOther            CertKind = "other"             // anything else; Err says what
)

// CertProblem is why a server's certificate did not verify, with the
// facts a human needs to fix it.
type CertProblem struct {
	Kind CertKind
	// Cert is the certificate at fault: the server's own (Leaf), an
	// intermediate, or the self-signed root the chain ends in.
	Cert *x509.Certificate
	Leaf bool
	Now  time.Time // when the certificate was checked

	// Name mismatch: the name the harness asked for and the names the
	// certificate holds (DNS names and IP addresses; the Common Name
	// when it has neither, flagged by CommonNameOnly, which verifiers
	// ignore).
	Asked          string
	Names          []string
	CommonNameOnly bool

	// Roots says which roots were trusted ("the system roots", "the CA
	// file ca.pem"), when known.
	Roots string

	Err error // the error crypto/x509 or crypto/tls reported
}

func (p *CertProblem) Error() string {
	which := "the server's certificate"
	if p.Cert != nil {
		which = fmt.Sprintf("the server's certificate %q", p.Cert.Subject.String())
		if !p.Leaf {
			which = fmt.Sprintf("the certificate %q in the server's chain", p.Cert.Subject.String())
		}
	}
	roots := p.Roots
	if roots == "" {
		roots = "the trusted roots"
	}
	switch p.Kind {
	case CertExpired:
		if p.Cert != nil {
			return fmt.Sprintf("%s expired on %s, %s ago", which, certTime(p.Cert.NotAfter), span(p.Now.Sub(p.Cert.NotAfter)))
		}
		return which + " has expired"
	case CertNotYetValid:
		if p.Cert != nil {
			return fmt.Sprintf("%s is not valid until %s, %s from now (is a clock wrong?)", which, certTime(p.Cert.NotBefore), span(p.Cert.NotBefore.Sub(p.Now)))
		}
		return which + " is not valid yet"
	case CertNameMismatch:
		switch {
		case len(p.Names) == 0:
			return fmt.Sprintf("%s names no host at all, so it is not valid for %q", which, p.Asked)
		case p.CommonNameOnly:
			return fmt.Sprintf("%s names %s only in its Common Name, which verifiers ignore (it needs a subjectAltName), so it is not valid for %q",
				which, quoteList(p.Names), p.Asked)
		}
		return fmt.Sprintf("%s is for %s, not for %q", which, quoteList(p.Names), p.Asked)
	case CertSelfSigned:
		if p.Leaf || p.Cert == nil {
			return fmt.Sprintf("%s is self-signed (its issuer is itself) and is not among %s", which, roots)
		}
		return fmt.Sprintf("the server's chain ends in the self-signed certificate %q, which is not among %s", p.Cert.Subject.String(), roots)
	case CertUnknownAuthority:
		if p.Cert != nil {
			return fmt.Sprintf("%s was issued by %q, an authority not among %s (or the server did not send the intermediate certificates)",
				which, p.Cert.Issuer.String(), roots)
		}
		return fmt.Sprintf("%s was issued by an authority not among %s", which, roots)
	}
	if p.Err != nil {
		return which + " did not verify: " + p.Err.Error()
	}
	return which + " did not verify"
}

func (p *CertProblem) Unwrap() error { return p.Err }

// ClassifyCertError explains a certificate verification error from
// crypto/tls (*tls.CertificateVerificationError) or crypto/x509, as of
// now. It returns nil when err holds no certificate error.
func ClassifyCertError(err error, now time.Time) *CertProblem {
	if err == nil {
		return nil
	}
	var chain []*x509.Certificate
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		chain = cve.UnverifiedCertificates
	}
	p := &CertProblem{Kind: CertOther, Now: now, Err: err}
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var noRoots x509.SystemRootsError
	switch {
	case errors.As(err, &invalid):
		p.Cert = invalid.Cert
		if invalid.Reason == x509.Expired {
			p.Kind = CertExpired
			if p.Cert != nil && now.Before(p.Cert.NotBefore) {
				p.Kind = CertNotYetValid
			}
		}
	case errors.As(err, &host):
		p.Kind, p.Cert, p.Asked = CertNameMismatch, host.Certificate, host.Host
		p.Names, p.CommonNameOnly = certNames(host.Certificate)
	case errors.As(err, &unknown):
		p.Kind, p.Cert = CertUnknownAuthority, unknown.Cert
		if p.Cert != nil && isSelfSigned(p.Cert) {
			p.Kind = CertSelfSigned
			break
		}
		for _, c := range chain {
			if isSelfSigned(c) {
				p.Kind, p.Cert = CertSelfSigned, c
				break
			}
		}
	case errors.As(err, &noRoots), cve != nil:
	default:
		return nil
	}
	if p.Cert == nil && len(chain) > 0 {
		p.Cert = chain[0]
	}
	p.Leaf = p.Cert != nil && (len(chain) == 0 || chain[0].Equal(p.Cert))
	return p
}

// VerifyServerCert verifies a server's chain (its own certificate first)
// for name against roots (nil: the system roots) as of now, the way
// crypto/tls does, and explains what is wrong; nil means it verifies.
func VerifyServerCert(chain []*x509.Certificate, roots *x509.CertPool, name string, now time.Time) *CertProblem {
	if len(chain) == 0 {
		return &CertProblem{Kind: CertOther, Now: now, Err: errors.New("the server presented no certificate")}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, DNSName: name, Intermediates: inter})
	if err == nil {
		return nil
	}
	return ClassifyCertError(&tls.CertificateVerificationError{UnverifiedCertificates: chain, Err: err}, now)
}

// isSelfSigned reports whether c names itself as its issuer and its
// signature checks with its own key.
func isSelfSigned(c *x509.Certificate) bool {
	if c == nil || !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// certNames lists the names a certificate is valid for: its DNS names and
// IP addresses, else its Common Name (cnOnly).
func certNames(c *x509.Certificate) (names []string, cnOnly bool) {
	if c == nil {
		return nil, false
	}
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}, true
	}
	return names, false
}

// quoteList renders names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// certTime renders a certificate date in UTC.
func certTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// span renders a duration in the largest whole unit that fits: days,
// hours, minutes or seconds.
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d >= 48*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d >= 2*time.Minute:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}
