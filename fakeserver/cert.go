package fakeserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// SelfSignedCertificate makes a self-signed ECDSA P-256 certificate, with
// its key, for hosts: each is put in the certificate as an IP address or,
// if it is not one, as a DNS name. It is valid from an hour ago for a
// year, for TLS servers, and marked as a CA so that it can be trusted on
// its own (a client adds it to its roots). Leaf is set.
//
// Start makes one like it when Server.TLSConfig is nil; use this to share
// one certificate among several servers.
func SelfSignedCertificate(hosts ...string) (tls.Certificate, error) {
	now := time.Now()
	return selfSigned(now.Add(-time.Hour), now.Add(365*24*time.Hour), hosts...)
}

// selfSigned makes a self-signed certificate valid from notBefore to
// notAfter for hosts.
func selfSigned(notBefore, notAfter time.Time, hosts ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakeserver: certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakeserver: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"ftpconform"}, CommonName: "ftpconform reference server"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" && !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakeserver: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakeserver: parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// certificateHosts are the names a generated certificate is made for:
// localhost, the loopback addresses and the host part of addr unless it
// is empty or unspecified.
func certificateHosts(addr string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// setupTLS prepares the TLS configuration of a server being started: a
// clone of TLSConfig, or one with a generated certificate.
func (s *Server) setupTLS() error {
	if s.DisableTLS {
		if s.ImplicitTLS {
			return errors.New("fakeserver: ImplicitTLS and DisableTLS exclude each other")
		}
		return nil
	}
	if s.TLSConfig != nil {
		s.tlsConfig = s.TLSConfig.Clone()
	} else {
		cert, err := SelfSignedCertificate(certificateHosts(s.Addr)...)
		if err != nil {
			return err
		}
		s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if len(s.tlsConfig.Certificates) > 0 {
		c := s.tlsConfig.Certificates[0]
		s.cert = c.Leaf
		if s.cert == nil && len(c.Certificate) > 0 {
			s.cert, _ = x509.ParseCertificate(c.Certificate[0])
		}
	}
	if s.cert == nil && s.tlsConfig.GetCertificate == nil && s.tlsConfig.GetConfigForClient == nil {
		return errors.New("fakeserver: TLSConfig has no certificate")
	}
	return nil
}

// Certificate returns the certificate the server presents in TLS (the
// first of TLSConfig.Certificates, or the generated one). It is nil
// before Start, with DisableTLS, and when TLSConfig picks certificates
// with a callback.
func (s *Server) Certificate() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert
}

// CertificatePEM returns Certificate in PEM form, for a client's CA file;
// nil when there is no Certificate.
func (s *Server) CertificatePEM() []byte {
	c := s.Certificate()
	if c == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// ClientTLSConfig returns a TLS client configuration that trusts
// Certificate, names the listening host as ServerName and has a session
// cache of its own. Use the same configuration for the control connection
// and its data connections: the data connections then resume the control
// connection's TLS session, as RequireSessionReuse demands. It is nil when
// there is no Certificate.
func (s *Server) ClientTLSConfig() *tls.Config {
	c := s.Certificate()
	a := s.Address()
	if c == nil || a == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	host, _, _ := net.SplitHostPort(a.String())
	return &tls.Config{
		RootCAs:            pool,
		ServerName:         host,
		ClientSessionCache: tls.NewLRUClientSessionCache(0),
		MinVersion:         tls.VersionTLS12,
	}
}
