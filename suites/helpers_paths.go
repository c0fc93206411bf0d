package suites

import (
	"path"
	"regexp"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the path-confinement policy checks (policy_paths.go): what a
// host's own files look like, and the root the server presents.

// hostPasswd matches the root line of a Unix /etc/passwd.
var hostPasswd = regexp.MustCompile(`(?m)^root:[^:\n]*:0:0:`)

// hostWinIni matches a Windows win.ini.
var hostWinIni = regexp.MustCompile(`(?im)^(; for 16-bit app support|\[fonts\]|\[mci extensions\])`)

// hostRootDirs are names found at the top of a Unix host's file system. An
// FTP root may hold some of them (anonymous FTP areas have bin, etc, pub),
// but not proc or sys next to many others.
var hostRootDirs = []string{"bin", "boot", "dev", "etc", "lib", "proc", "root", "sbin", "sys", "usr", "var"}

// hostSignature returns the host directory names in a listing when the
// listing looks like a host's root: proc or sys with at least four others.
func hostSignature(listing []string) []string {
	have := map[string]bool{}
	for _, n := range listing {
		have[path.Base(strings.TrimRight(n, "/"))] = true
	}
	var found []string
	for _, d := range hostRootDirs {
		if have[d] {
			found = append(found, d)
		}
	}
	if len(found) >= 5 && (have["proc"] || have["sys"]) {
		return found
	}
	return nil
}

// workingDir asks PWD and fails the check when the answer is unusable.
func workingDir(ctx *Ctx, c *harness.Conn) string {
	r := cmd(ctx, c, "PWD")
	if r.Code != harness.ReplyPathCreated {
		ctx.failf("PWD: expected 257; got %s", r)
		return ""
	}
	// Only the directory matters here; RFC959-AII-PWD-257 judges the
	// reply's form.
	d, problem := harness.Parse257(r.Text())
	if problem == harness.Problem257NoQuote || problem == harness.Problem257Unterminated {
		ctx.failf("PWD: no quoted directory in %s", r)
	}
	return d
}

// virtualRoot logs in and reports the login directory and whether the
// server presents a virtual root ("/").
func virtualRoot(ctx *Ctx) (*harness.Conn, string, bool) {
	c := login(ctx)
	home := workingDir(ctx, c)
	if path.Clean(home) != "/" {
		ctx.infof("the server does not present a virtual root: PWD after login is %q; only \"no host file is readable\" is judged", home)
		return c, home, false
	}
	return c, home, true
}
