package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeTLS starts "serve --tls implicit" and speaks explicit and
// implicit FTPS to it, trusting the certificate file it writes.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	cmd := exec.Command(binary(t), "serve", "--root", dir, "--password", "pw",
		"--listen", "127.0.0.1:0", "--tls", "implicit", "--implicit-listen", "127.0.0.1:0",
		"--require-tls", "--cert-out", caFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	lines := make(chan string, 32)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var urls, out []string
	timeout := time.After(20 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited early: %q", out)
			}
			out = append(out, l)
			if strings.HasPrefix(l, "serving ") {
				urls = append(urls, l[strings.LastIndex(l, " ")+1:])
			}
			if strings.HasPrefix(l, "press Ctrl-C") {
				break wait
			}
		case <-timeout:
			t.Fatalf("serve did not start: %q", out)
		}
	}
	text := strings.Join(out, "\n")
	for _, want := range []string{"SHA-256 fingerprint ", "CA file " + caFile, "policy: TLS required"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if len(urls) != 2 || !strings.HasPrefix(urls[0], "ftp://") || !strings.HasPrefix(urls[1], "ftps://") {
		t.Fatalf("URLs %q", urls)
	}
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the CA file holds no certificate")
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}

	explicit, _ := url.Parse(urls[0])
	c, err := net.DialTimeout("tcp", explicit.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	expect := func(br *bufio.Reader, prefix string) {
		t.Helper()
		l, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(l, prefix) {
			t.Fatalf("got %q, %v; want %s", l, err, prefix)
		}
	}
	expect(br, "220 ")
	c.Write([]byte("USER conform\r\n"))
	expect(br, "530 ") // --require-tls
	c.Write([]byte("AUTH TLS\r\n"))
	expect(br, "234 ")
	tc := tls.Client(c, cfg)
	br = bufio.NewReader(tc)
	tc.Write([]byte("USER conform\r\n"))
	expect(br, "331 ")
	tc.Write([]byte("PASS pw\r\n"))
	expect(br, "230 ")

	implicit, _ := url.Parse(urls[1])
	ic, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", implicit.Host, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	ic.SetDeadline(time.Now().Add(10 * time.Second))
	expect(bufio.NewReader(ic), "220 ")

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("serve did not stop on SIGTERM")
	}
}

func TestServeTLSUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--tls", "sometimes"},
		{"--tls", "off", "--require-tls"},
		{"--cert", filepath.Join(dir, "c.pem")},
		{"--cert", filepath.Join(dir, "c.pem"), "--key", filepath.Join(dir, "k.pem")},
	} {
		cmd := exec.Command(binary(t), append([]string{"serve", "--root", dir, "--listen", "127.0.0.1:0"}, args...)...)
		_ = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 2 {
			t.Errorf("serve %v: exit %d, want 2", args, code)
		}
	}
}
