package script_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

// testPassword is the reference server's password in these tests: a
// string that appears nowhere else, so that a leak is easy to find.
const testPassword = "Zq7-sekrit-Wv3"

// server is a running reference server and what a run against it needs.
type server struct {
	srv    *fakeserver.Server
	root   string
	target harness.Target
}

type serverOption func(*fakeserver.Server, *harness.Target)

// withTLS makes the target use explicit FTPS, trusting the server's own
// certificate.
func withTLS(t *testing.T) serverOption {
	return func(srv *fakeserver.Server, tg *harness.Target) {
		tg.TLS = harness.TLSExplicit
	}
}

// withFaults injects faults of the reference server's registry.
func withFaults(names ...string) serverOption {
	return func(srv *fakeserver.Server, tg *harness.Target) { srv.Faults = names }
}

// withAddr makes the server listen on addr ("[::1]:0").
func withAddr(addr string) serverOption {
	return func(srv *fakeserver.Server, tg *harness.Target) { srv.Addr = addr }
}

// startServer starts the reference server on loopback for the test.
func startServer(t *testing.T, opts ...serverOption) *server {
	t.Helper()
	root := t.TempDir()
	srv := fakeserver.New(root, testPassword)
	srv.LoginFailDelay = -1
	tg := harness.Target{User: fakeserver.DefaultUser, Password: testPassword,
		ReplyTimeout: 5 * time.Second, ConnectTimeout: 2 * time.Second, DataTimeout: 5 * time.Second}
	for _, o := range opts {
		o(srv, &tg)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ap, err := netipAddrPort(srv.Address().String())
	if err != nil {
		t.Fatal(err)
	}
	tg.Host, tg.Port = ap.host, ap.port
	if tg.TLS != harness.TLSOff {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, srv.CertificatePEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		tg.CAFile = ca
	}
	return &server{srv: srv, root: root, target: tg}
}

type hostPort struct {
	host string
	port int
}

func netipAddrPort(s string) (hostPort, error) {
	tg, err := harness.ParseTargetURL("ftp://u@" + s)
	if err != nil {
		return hostPort{}, err
	}
	return hostPort{tg.Host, tg.Port}, nil
}

var scratchSeq atomic.Int64

// env returns an Env for one run, with a fresh scratch directory in the
// server's root (as the integrator makes one per scenario).
func (s *server) env(t *testing.T) script.Env {
	t.Helper()
	name := fmt.Sprintf("scratch-%d", scratchSeq.Add(1))
	if err := os.Mkdir(filepath.Join(s.root, name), 0o755); err != nil {
		t.Fatal(err)
	}
	return script.Env{
		Target:     s.target,
		Transcript: harness.NewTranscript(),
		Vars:       map[string]string{"scratch": name},
	}
}

// run parses src as file and runs it against s; it returns the run's
// error and its transcript.
func (s *server) run(t *testing.T, file, src string) (error, *harness.Transcript) {
	t.Helper()
	sc, err := script.Parse(file, []byte(src), nil)
	if err != nil {
		t.Fatalf("parse %s:\n%v", file, err)
	}
	env := s.env(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	return sc.Run(ctx, env), env.Transcript
}
