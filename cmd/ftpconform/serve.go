package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:2121", "address to listen on (use [::1]:2121 for IPv6)")
	root := fs.String("root", "", "directory to serve (required)")
	password := fs.String("password", "", "password of the user 'conform' (default: generated and printed)")
	pasvRange := fs.String("pasv-range", "", "passive port range MIN-MAX (default: any free port)")
	pasvAddress := fs.String("pasv-address", "", "address to advertise in 227 replies (default: the control connection's local address)")
	activePort := fs.Int("active-source-port", 0, "local port for active-mode connections (default: ephemeral)")
	maxSessions := fs.Int("max-sessions", 0, "accept at most `N` sessions at once; more are answered 421 and closed (0: no limit)")
	tlsMode := fs.String("tls", "explicit", "FTPS: off (plain FTP only), explicit (AUTH TLS on --listen) or implicit (explicit, plus TLS from the first byte on --implicit-listen)")
	implicitListen := fs.String("implicit-listen", "127.0.0.1:2990", "address of the implicit FTPS listener (with --tls implicit)")
	requireTLS := fs.Bool("require-tls", false, "refuse USER/PASS in clear text (530) and transfers over clear data connections (521)")
	requireReuse := fs.Bool("require-session-reuse", false, "refuse PROT P data connections that do not resume the control connection's TLS session (522, like vsftpd's require_ssl_reuse)")
	certFile := fs.String("cert", "", "PEM certificate (chain) to present (default: a generated self-signed one)")
	keyFile := fs.String("key", "", "PEM private key of --cert")
	certOut := fs.String("cert-out", "", "write the certificate in PEM to this file for clients to trust (default: a file in the temporary directory, removed on exit)")
	var faults, variations multiFlag
	fs.Var(&faults, "fault", "inject the named fault (repeatable; see -list-faults)")
	fs.Var(&variations, "variation", "enable the named legal variation (repeatable; see -list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the fault and variation names and exit")
	verbose := fs.Bool("v", false, "log sessions to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("serve: %v", err)
	}
	if *listFaults {
		fmt.Fprintln(stdout, "faults:")
		for _, f := range fakeserver.Faults() {
			flags := ""
			if len(f.Flags) > 0 {
				flags = " [check with: " + strings.Join(f.Flags, " ") + "]"
			}
			fmt.Fprintf(stdout, "  %-26s %s%s\n", f.Name, f.Description, flags)
		}
		fmt.Fprintln(stdout, "legal variations:")
		for _, v := range fakeserver.Variations() {
			fmt.Fprintf(stdout, "  %-26s %s\n", v.Name, v.Description)
		}
		return nil
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	if *root == "" {
		return usagef("serve: --root DIR is required")
	}
	switch *tlsMode {
	case "off", "explicit", "implicit":
	default:
		return usagef("serve: --tls %q: want off, explicit or implicit", *tlsMode)
	}
	if *tlsMode == "off" && (*requireTLS || *requireReuse || *certFile != "") {
		return usagef("serve: --require-tls, --require-session-reuse and --cert need --tls explicit or implicit")
	}
	if (*certFile == "") != (*keyFile == "") {
		return usagef("serve: --cert and --key go together")
	}
	if *maxSessions < 0 {
		return usagef("serve: --max-sessions must be 0 (no limit) or more")
	}
	if st, err := os.Stat(*root); err != nil || !st.IsDir() {
		return usagef("serve: --root %q is not a directory", *root)
	}
	pw := *password
	generated := pw == ""
	if generated {
		var b [9]byte
		_, _ = rand.Read(b[:])
		pw = hex.EncodeToString(b[:])
	}
	var tlsConfig *tls.Config
	if *tlsMode != "off" {
		var cert tls.Certificate
		var err error
		if *certFile != "" {
			cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
		} else {
			// One certificate for both listeners.
			cert, err = fakeserver.SelfSignedCertificate(certHosts(*listen, *implicitListen)...)
		}
		if err != nil {
			return usagef("serve: certificate: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	newServer := func(addr string, implicit bool) (*fakeserver.Server, error) {
		srv := fakeserver.New(*root, pw)
		srv.Addr = addr
		srv.ActiveSourcePort = *activePort
		srv.MaxSessions = *maxSessions
		srv.Faults, srv.Variations = faults, variations
		srv.TLSConfig, srv.DisableTLS, srv.ImplicitTLS = tlsConfig, *tlsMode == "off", implicit
		srv.RequireTLS, srv.RequireSessionReuse = *requireTLS, *requireReuse
		if *pasvRange != "" {
			r, err := harness.ParsePortRange(*pasvRange)
			if err != nil {
				return nil, fmt.Errorf("--pasv-range: %v", err)
			}
			srv.PasvMinPort, srv.PasvMaxPort = r.Min, r.Max
		}
		if *pasvAddress != "" {
			ip := net.ParseIP(*pasvAddress)
			if ip == nil || ip.To4() == nil {
				return nil, fmt.Errorf("--pasv-address %q: want an IPv4 address", *pasvAddress)
			}
			srv.PasvAddress = ip.To4()
		}
		if *verbose {
			prefix := ""
			if implicit {
				prefix = "implicit "
			}
			srv.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, prefix+format+"\n", args...) }
		}
		if err := srv.Start(); err != nil {
			return nil, err
		}
		return srv, nil
	}
	srv, err := newServer(*listen, false)
	if err != nil {
		return usagef("serve: %v", err)
	}
	defer srv.Close()
	servers := []*fakeserver.Server{srv}
	if *tlsMode == "implicit" {
		isrv, err := newServer(*implicitListen, true)
		if err != nil {
			return usagef("serve: implicit listener: %v", err)
		}
		defer isrv.Close()
		servers = append(servers, isrv)
	}
	for _, s := range servers {
		fmt.Fprintf(stdout, "serving %s at %s\n", *root, s.URL())
	}
	if generated {
		// The operator asked us to pick the password; they need to see it.
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	if *tlsMode != "off" {
		path, cleanup, err := writeCertificate(srv, *certOut)
		if err != nil {
			return err
		}
		defer cleanup()
		fmt.Fprint(stdout, describeTLS(srv, path))
	}
	fmt.Fprintln(stdout, "press Ctrl-C to stop")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

// multiFlag collects a repeatable string flag (also comma-separated).
type multiFlag []string

func (m *multiFlag) String() string { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(s string) error {
	*m = append(*m, splitList(s)...)
	return nil
}

// certHosts are the names the generated certificate is made for: the
// loopback names and the hosts of the listen addresses.
func certHosts(addrs ...string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	for _, a := range addrs {
		if h, _, err := net.SplitHostPort(a); err == nil && h != "" {
			if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts
}

// writeCertificate writes the server's certificate in PEM to path, or to
// a new file in the temporary directory (removed by cleanup).
func writeCertificate(srv *fakeserver.Server, path string) (string, func(), error) {
	pemBytes := srv.CertificatePEM()
	if pemBytes == nil {
		return "", func() {}, errors.New("serve: the server has no certificate to write")
	}
	if path != "" {
		if err := os.WriteFile(path, pemBytes, 0o644); err != nil {
			return "", nil, fmt.Errorf("serve: --cert-out: %w", err)
		}
		return path, func() {}, nil
	}
	f, err := os.CreateTemp("", "ftpconform-serve-*.pem")
	if err != nil {
		return "", nil, fmt.Errorf("serve: certificate file: %w", err)
	}
	_, werr := f.Write(pemBytes)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("serve: certificate file: %w", err)
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// describeTLS tells the operator how FTPS is set up and how a client can
// trust the certificate.
func describeTLS(srv *fakeserver.Server, certPath string) string {
	var b strings.Builder
	cert := srv.Certificate()
	sum := sha256.Sum256(cert.Raw)
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))
	var pairs []string
	for i := 0; i < len(hexSum); i += 2 {
		pairs = append(pairs, hexSum[i:i+2])
	}
	names := append(append([]string(nil), cert.DNSNames...), ipStrings(cert)...)
	fmt.Fprintf(&b, "TLS certificate for %s, valid until %s\n", strings.Join(names, ", "), cert.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "  SHA-256 fingerprint %s\n", strings.Join(pairs, ":"))
	fmt.Fprintf(&b, "  CA file %s (trust it: curl --cacert FILE, lftp -e 'set ssl:ca-file FILE')\n", certPath)
	var policy []string
	if srv.RequireTLS {
		policy = append(policy, "TLS required (USER in clear 530, clear data 521)")
	}
	if srv.RequireSessionReuse {
		policy = append(policy, "data connections must resume the control TLS session (522)")
	}
	if len(policy) > 0 {
		fmt.Fprintf(&b, "  policy: %s\n", strings.Join(policy, "; "))
	}
	return b.String()
}

// ipStrings lists the IP addresses of a certificate.
func ipStrings(cert *x509.Certificate) []string {
	var out []string
	for _, ip := range cert.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}
