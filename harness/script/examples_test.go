package script_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

const examplesDir = "../../examples/scripts"

// Every example parses.
func TestExamplesLoad(t *testing.T) {
	scripts, err := script.LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"login-policy", "passive-range", "rest-resume", "site-command", "two-sessions"}
	var got []string
	for _, s := range scripts {
		got = append(got, s.Slug())
		if want := filepath.Join(examplesDir, s.Slug()+".ftp"); s.File != want {
			t.Errorf("File = %q, want %q", s.File, want)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("examples %v, want %v", got, want)
	}
}

// Every example passes against the reference server: in plain FTP, with
// explicit FTPS (data under PROT P), and over IPv6 where there is one.
func TestExamplesPass(t *testing.T) {
	scripts, err := script.LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name string
		opts func(t *testing.T) []serverOption
	}{
		{"plain", func(*testing.T) []serverOption { return nil }},
		{"tls", func(t *testing.T) []serverOption { return []serverOption{withTLS(t)} }},
		// As "ftpconform run" without --target sets up its embedded
		// server.
		{"embedded", func(t *testing.T) []serverOption {
			return []serverOption{func(s *fakeserver.Server, _ *harness.Target) {
				base := 20000 + 100*int(time.Now().UnixNano()%90)
				s.PasvMinPort, s.PasvMaxPort = base, base+99
				s.PasvAddress = net.IPv4(127, 0, 0, 1)
				s.ActiveSourcePort = -1
			}}
		}},
		{"ipv6", func(t *testing.T) []serverOption {
			ln, err := net.Listen("tcp", "[::1]:0")
			if err != nil {
				t.Skip("no IPv6 loopback:", err)
			}
			ln.Close()
			return []serverOption{withAddr("[::1]:0")}
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, v.opts(t)...)
			for _, s := range scripts {
				t.Run(s.Slug(), func(t *testing.T) {
					if v.name == "ipv6" && s.Slug() == "passive-range" {
						// PASV is for IPv4 (RFC 2428 §1); the scenario
						// sends it by name.
						t.Skip("PASV on IPv6")
					}
					env := srv.env(t)
					ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
					defer cancel()
					if err := s.Run(ctx, env); err != nil {
						t.Errorf("%v\n%s", err, env.Transcript)
					}
				})
			}
		})
	}
}

// The examples fail where they should against a server with the fault
// they look for.
func TestRunExampleAgainstFaults(t *testing.T) {
	t.Parallel()
	// One fault at least for each kind of step the examples use (send
	// and set excepted: send only writes a line, set talks to no server).
	tests := []struct {
		kind        string // the step kind (and option) the fault proves
		fault, file string
		line        int
		msg         string
		opt         serverOption // besides the fault
	}{
		{"connect", "greeting-wrong-code", "login-policy", 14, `^expected a 220 greeting, got 200 "200 Ready"$`, nil},
		{"login", "good-password-refused", "site-command", 15,
			`^login failed: PASS \*\*\*\*: expected one of 230, 202; got 530 "`, nil},
		{"expect", "rest-200", "rest-resume", 27, `^expected 350, got 200 "200 `, nil},
		{"expect", "prelogin-332", "login-policy", 18, `^expected 530, got 332 "332 Need account for login\.?"$`, nil},
		{"expect", "site-unknown-200", "site-command", 29, `^expected 500\|501\|502\|504, got 200 "200 OK\."$`, nil},
		{"expect multiline", "feat-first-line-space", "site-command", 20,
			`^expected a multi-line reply, got one line: 211 "211 Extensions supported:"$`, nil},
		{"expect text", "feat-missing-end", "site-command", 20,
			`^expected text matching /\(\?mi\)\^211 End/, got "211-Extensions supported:\\n .*\\n211 Features listed\."$`, nil},
		{"expect port", "pasv-port-one-number", "passive-range", 28,
			`^expected a port in 1024-65535, but the reply gives none that can be read: 227 reply: found 5 comma-separated numbers "127,0,0,1,\d+", want six`, nil},
		{"capture", "pwd-unquoted", "two-sessions", 23, `^capture dir: /\^257 "\(\[\^"\]\*\)"/ does not match the last reply, "257 /`, nil},
		{"data", "pasv-unimplemented", "rest-resume", 18, `^data passive \(PASV\): .*502`, nil},
		{"upload (its completion)", "stor-eof-426", "rest-resume", 22, `^expected 226\|250, got 426 "426 `, nil},
		// The listing's data connection stays open 3 s, longer than the
		// data timeout.
		{"download", "list-data-left-open", "passive-range", 37, `^download: \d+ bytes, then nothing more within the data timeout \(1s\), and the data connection still open$`,
			func(_ *fakeserver.Server, tg *harness.Target) { tg.DataTimeout = time.Second }},
		{"compare", "rest-ignored", "rest-resume", 32, `^buffer last has 100000 bytes, want 60000$`, nil},
		{"compare", "retr-ff-doubled", "two-sessions", 48,
			`^buffer seen differs from random 250000: got \d+ bytes, want 250000; first difference at offset \d+: got ff `, nil},
		{"quit", "quit-silent-close", "site-command", 31, `^expected 221, got no reply: `, nil},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			opts := []serverOption{withFaults(tc.fault)}
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			srv := startServer(t, opts...)
			src, err := os.ReadFile(examplesDir + "/" + tc.file + ".ftp")
			if err != nil {
				t.Fatal(err)
			}
			file := "examples/scripts/" + tc.file + ".ftp"
			err, tr := srv.run(t, file, string(src))
			var f *script.Failure
			if !errors.As(err, &f) || f.Line != tc.line || !regexp.MustCompile(tc.msg).MatchString(f.Msg) {
				t.Fatalf("Run = %v, want a failure of the %s step at line %d matching %s\n%s", err, tc.kind, tc.line, tc.msg, tr)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", file, tc.line)) {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

// passive-range.ftp edited as its comment tells the operator, for the
// range 30000-30099: it passes against a server with that range and fails
// on the 227 against one that listens outside it.
func TestPassiveRangeEdited(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(examplesDir + "/passive-range.ftp")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	edited, pasvLine := 0, 0
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "expect ") && strings.HasSuffix(line, " port 1024-65535") {
			line = strings.TrimSuffix(line, "1024-65535") + "30000-30099"
			edited++
			if strings.HasPrefix(line, "expect 227 ") {
				pasvLine = i + 1
			}
		}
		lines = append(lines, line)
	}
	if edited != 2 || pasvLine == 0 {
		t.Fatalf("%d expect lines with port 1024-65535, want 2 (227 and 229)", edited)
	}
	file := strings.Join(lines, "\n")
	if !strings.Contains(file, "#   expect 227 port 30000-30099\n#   expect 229 port 30000-30099\n") {
		t.Errorf("the comment does not show the edited lines for 30000-30099")
	}
	for _, fault := range []string{"", "pasv-out-of-range"} {
		srv := startServer(t, func(s *fakeserver.Server, _ *harness.Target) {
			s.PasvMinPort, s.PasvMaxPort = 30000, 30099
			if fault != "" {
				s.Faults = []string{fault}
			}
		})
		err, tr := srv.run(t, "passive-range.ftp", file)
		if fault == "" && err != nil {
			t.Errorf("range 30000-30099: %v\n%s", err, tr)
		}
		want := regexp.MustCompile(fmt.Sprintf(`^passive-range\.ftp:%d: expected a port in 30000-30099, got port \d+: 227 "227 `, pasvLine))
		if fault != "" && (err == nil || !want.MatchString(err.Error())) {
			t.Errorf("%s: Run = %v, want a failure matching %s\n%s", fault, err, want, tr)
		}
	}
}
