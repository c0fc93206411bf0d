package fakeserver

// Interop of the explicit FTPS server with real clients: Python's
// ftplib.FTP_TLS with prot_p() (passive and active), lftp (passive and
// active) and curl --ssl-reqd (passive only: curl 7.88 cannot do active
// FTPS, curl/curl#10666). Each client is skipped when it is not
// installed.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// interopTimeout bounds one client run.
const interopTimeout = 60 * time.Second

// ftplibScript downloads bin.dat, uploads its first 50,000 bytes and
// lists sub over PROT P, printing what it saw. Stock FTP_TLS starts every
// data connection with a full handshake; with "reuse" it resumes the
// control connection's session, the usual subclass for vsftpd.
const ftplibScript = `
import ftplib, hashlib, io, ssl, sys
host, port, user, pw, ca, mode, up, reuse = sys.argv[1:9]
class ReusingFTP_TLS(ftplib.FTP_TLS):
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size
ctx = ssl.create_default_context(cafile=ca)
cls = ReusingFTP_TLS if reuse == "reuse" else ftplib.FTP_TLS
ftp = cls(context=ctx, timeout=15)
ftp.connect(host, int(port))
ftp.login(user, pw)
ftp.prot_p()
ftp.set_pasv(mode == "passive")
buf = io.BytesIO()
ftp.retrbinary("RETR bin.dat", buf.write)
print("retr", hashlib.sha256(buf.getvalue()).hexdigest())
ftp.storbinary("STOR " + up, io.BytesIO(buf.getvalue()[:50000]))
print("nlst", " ".join(sorted(ftp.nlst("sub"))))
ftp.quit()
`

// interopServer starts an explicit FTPS server and writes its certificate
// to a CA file.
func interopServer(t *testing.T, configure func(*Server)) (*Server, *fixture, string) {
	t.Helper()
	srv, fx := startServer(t, configure)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	mustWrite(t, ca, srv.CertificatePEM())
	return srv, fx, ca
}

// runClient runs a client program and returns its standard output.
func runClient(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestInteropFtplibTLS(t *testing.T) {
	needTool(t, "python3")
	for _, reuse := range []bool{false, true} {
		srv, fx, ca := interopServer(t, func(s *Server) { s.RequireSessionReuse = reuse })
		host, port, _ := net.SplitHostPort(srv.Address().String())
		client := "stock"
		if reuse {
			client = "reuse"
		}
		for _, mode := range []string{"passive", "active"} {
			name := mode
			if reuse {
				name += "/session-reuse-required"
			}
			t.Run(name, func(t *testing.T) {
				up := "up-ftplib-" + mode + ".bin"
				out := runClient(t, nil, "python3", "-c", ftplibScript, host, port, srv.User, testPassword, ca, mode, up, client)
				if !strings.Contains(out, "retr "+sha256Hex(fx.bin)) {
					t.Errorf("RETR: %s", out)
				}
				if got := fx.read(t, up); !bytes.Equal(got, fx.bin[:50000]) {
					t.Errorf("STOR stored %d bytes", len(got))
				}
				if !strings.Contains(out, "nlst sub/a.txt") {
					t.Errorf("NLST: %s", out)
				}
			})
		}
		if reuse {
			// Stock FTP_TLS does not resume: the server closes its data
			// connection after the handshake and answers 522, as vsftpd
			// does; ftplib fails (in unwrap, before it reads the 522).
			t.Run("stock-ftplib-refused", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
				defer cancel()
				out, err := exec.CommandContext(ctx, "python3", "-c", ftplibScript, host, port, srv.User, testPassword, ca, "passive", "x.bin", "stock").CombinedOutput()
				if err == nil || !strings.Contains(string(out), "522") && !strings.Contains(string(out), "SSLError") {
					t.Errorf("stock ftplib against RequireSessionReuse: %v\n%s", err, out)
				}
			})
		}
	}
}

func TestInteropLftpTLS(t *testing.T) {
	needTool(t, "lftp")
	srv, fx, _ := interopServer(t, nil)
	local := t.TempDir()
	upload := filepath.Join(local, "upload.bin")
	mustWrite(t, upload, fx.bin[:70000])
	for _, mode := range []string{"passive", "active"} {
		t.Run(mode, func(t *testing.T) {
			got := filepath.Join(local, "got-"+mode+".bin")
			up := "up-lftp-" + mode + ".bin"
			script := strings.Join([]string{
				"set cmd:fail-exit yes",
				"set net:max-retries 1",
				"set net:timeout 15",
				"set ftp:ssl-force true",
				"set ftp:ssl-protect-data true",
				"set ssl:verify-certificate no",
				"set ftp:passive-mode " + map[string]string{"passive": "on", "active": "off"}[mode],
				"open -u " + srv.User + "," + testPassword + " ftp://" + srv.Address().String(),
				"get bin.dat -o " + got,
				"put " + upload + " -o " + up,
				"cls -1 sub",
				"bye",
			}, "; ")
			out := runClient(t, []string{"HOME=" + local}, "lftp", "-c", script)
			if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, fx.bin) {
				t.Errorf("get: %d bytes, %v", len(b), err)
			}
			if b := fx.read(t, up); !bytes.Equal(b, fx.bin[:70000]) {
				t.Errorf("put stored %d bytes", len(b))
			}
			if !strings.Contains(out, "a.txt") {
				t.Errorf("cls: %q", out)
			}
		})
	}
}

func TestInteropCurlTLS(t *testing.T) {
	needTool(t, "curl")
	srv, fx, ca := interopServer(t, nil)
	local := t.TempDir()
	upload := filepath.Join(local, "upload.bin")
	mustWrite(t, upload, fx.bin[:30000])
	base := "ftp://" + srv.Address().String() + "/"
	common := []string{"--ssl-reqd", "-k", "-sS", "--max-time", "30", "--user", srv.User + ":" + testPassword}
	for _, epsv := range []bool{true, false} {
		name := "epsv"
		extra := []string{}
		if !epsv {
			name, extra = "pasv", []string{"--disable-epsv"}
		}
		t.Run(name, func(t *testing.T) {
			got := filepath.Join(local, "got-"+name+".bin")
			runClient(t, nil, "curl", append(append(common, extra...), "-o", got, base+"bin.dat")...)
			if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, fx.bin) {
				t.Errorf("download: %d bytes, %v", len(b), err)
			}
			up := "up-curl-" + name + ".bin"
			runClient(t, nil, "curl", append(append(common, extra...), "-T", upload, base+up)...)
			if b := fx.read(t, up); !bytes.Equal(b, fx.bin[:30000]) {
				t.Errorf("upload stored %d bytes", len(b))
			}
			if out := runClient(t, nil, "curl", append(append(common, extra...), base+"sub/")...); !strings.Contains(out, "a.txt") {
				t.Errorf("listing: %q", out)
			}
		})
	}
	// The CA file verifies the generated certificate (no -k).
	t.Run("verified", func(t *testing.T) {
		out := runClient(t, nil, "curl", "--ssl-reqd", "--cacert", ca, "-sS", "--max-time", "30",
			"--user", srv.User+":"+testPassword, "--list-only", base)
		if !strings.Contains(out, "bin.dat") {
			t.Errorf("NLST: %q", out)
		}
	})
}
