package suites

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Confinement of pathnames to the user's root. No RFC defines a chroot;
// RFC 959 §2.2 leaves access control to the server and RFC 2577 §9 warns
// about users reaching files they should not. The expectation is fixed:
// nothing outside the root the server presents is reachable. For a server
// whose login directory is not "/" (no virtual root) only "no host file is
// readable" is judged.

var _ = describe("Confinement to the root (operator policy, RFC 2577 §9)", Label("security", "policy", "paths"), func(r *Run) {
	r.Check("POLICY-PATH-CWD-ESCAPE", "keeps the working directory inside the root whatever CWD .. is given",
		func(ctx *Ctx) {
			c, home, virtual := virtualRoot(ctx)
			if !virtual {
				Skip(fmt.Sprintf("the server does not present a virtual root (PWD after login is %q), so CWD .. may leave the login directory; POLICY-PATH-RETR-ESCAPE judges whether host files are readable", home))
			}
			var problems []string
			for _, line := range []string{"CWD ..", "CWD ..", "CWD ..", "CDUP", "CWD ../../..", "CWD ../../../../../../../../..", "CWD /..", "CWD /../..", "CWD //", `CWD \..\..`} {
				r := cmd(ctx, c, line)
				pwd := workingDir(ctx, c)
				if path.Clean(pwd) != "/" {
					problems = append(problems, fmt.Sprintf("after %s (%s) PWD is %q, not the root", line, r, pwd))
				}
				l, err := listNames(ctx, c, "")
				if err != nil {
					ctx.infof("NLST after %s: %v", line, err)
				} else if sig := hostSignature(l.Names()); sig != nil {
					problems = append(problems, fmt.Sprintf("after %s NLST lists the host directories %s", line, strings.Join(sig, ", ")))
				}
				if path.Clean(pwd) != "/" {
					if r := cmd(ctx, c, "CWD /"); harness.Class(r.Code) != 2 {
						ctx.failf("%s; then CWD / got %s", strings.Join(problems, "; "), r)
					}
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s: the client got above the root the server presents", strings.Join(slices.Compact(problems), "; "))
			}
		})

	r.Check("POLICY-PATH-RETR-ESCAPE", "serves no host file to RETR or SIZE of a path with .. or an absolute path",
		func(ctx *Ctx) {
			c, _, virtual := virtualRoot(ctx)
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			mode := ctx.defaultMode(c)
			// What the root itself holds under these names: relative paths
			// without "..", which cannot leave the login directory.
			base := map[string]*harness.Transfer{}
			baseSize := map[string]*harness.Reply{}
			for _, b := range []string{"etc/passwd", "windows/win.ini"} {
				base[b] = retrieveQuietly(ctx, c, mode, b)
				baseSize[b] = cmd(ctx, c, "SIZE "+b)
			}
			sizeWorks := !notImplemented(baseSize["etc/passwd"])
			var problems []string
			for _, a := range []struct {
				arg, base string
				host      *regexp.Regexp
			}{
				{"../../etc/passwd", "etc/passwd", hostPasswd},
				{"../../../../../../../../../etc/passwd", "etc/passwd", hostPasswd},
				{"/etc/passwd", "etc/passwd", hostPasswd},
				{"/../etc/passwd", "etc/passwd", hostPasswd},
				{"/../../../../etc/passwd", "etc/passwd", hostPasswd},
				{"..%2f..%2f..%2fetc%2fpasswd", "etc/passwd", hostPasswd},
				{"....//....//....//etc/passwd", "etc/passwd", hostPasswd},
				{`..\..\..\windows\win.ini`, "windows/win.ini", hostWinIni},
			} {
				t := retrieveQuietly(ctx, c, mode, a.arg)
				if t.Final != nil && harness.Class(t.Final.Code) == 2 {
					b := base[a.base]
					inRoot := b.Final != nil && harness.Class(b.Final.Code) == 2 && bytes.Equal(b.Data, t.Data)
					switch {
					case a.host.Match(t.Data) && !inRoot:
						problems = append(problems, fmt.Sprintf("RETR %s got %s and a host file: %q", a.arg, t.Final, firstLineOf(t.Data)))
					case inRoot:
						ctx.infof("RETR %s got the root's own %s", a.arg, a.base)
					default:
						ctx.infof("RETR %s got %s with %d bytes that are not a host file", a.arg, t.Final, len(t.Data))
					}
				}
				if !virtual || !sizeWorks {
					continue
				}
				// The root has no such file, but the escaping path names one.
				if s := cmd(ctx, c, "SIZE "+a.arg); s.Code == harness.ReplyFileStatus && baseSize[a.base].Code != harness.ReplyFileStatus {
					problems = append(problems, fmt.Sprintf("SIZE %s got %s while SIZE %s got %s: the path reaches a file outside the root", a.arg, s, a.base, baseSize[a.base]))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s: files outside the server's root are reachable", strings.Join(problems, "; "))
			}
		})

	r.Check("POLICY-PATH-WRITE-ESCAPE", "creates nothing outside the root through STOR, MKD or RNTO with .. paths",
		Label("write"),
		func(ctx *Ctx) {
			c, home, virtual := virtualRoot(ctx)
			if !virtual {
				Skip(fmt.Sprintf("the server does not present a virtual root (PWD after login is %q): writing through paths with .. could create files outside the login directory", home))
			}
			dir := scratch(ctx, c)
			mode := ctx.defaultMode(c)
			up := "../../../" // from the scratch directory: two levels above the root
			stor, mkd, mkdAbs, rnto := harness.UniqueName("escape-stor"), harness.UniqueName("escape-mkd"), harness.UniqueName("escape-mkd"), harness.UniqueName("escape-rnto")
			ctx.removeAfter("/"+stor, "/"+mkd, "/"+mkdAbs, "/"+rnto)
			var problems []string
			// found says where a name shows up: in the root or in the
			// working directory (a server may drop the leading "..").
			found := func(name string) string {
				for _, d := range []string{"/", ""} {
					l, err := listNames(ctx, c, d)
					ctx.must(err, "NLST %s", d)
					if l.Has(name) {
						if d == "" {
							return "/" + dir + "/" + name
						}
						return "/" + name
					}
				}
				return ""
			}
			judge := func(what, name string, r *harness.Reply) {
				if harness.Class(r.Code) != 2 {
					ctx.infof("%s was refused with %s", what, r)
					return
				}
				if where := found(name); where != "" {
					ctx.infof("%s got %s and created %s, inside the root", what, r, where)
					return
				}
				problems = append(problems, fmt.Sprintf("%s got %s, but %s is neither in the root nor in the working directory: it was created outside the root", what, r, name))
			}

			t, err := transferOut(ctx, c, mode, "STOR "+up+stor, []byte("ftpconform\r\n"))
			ctx.must(err, "STOR %s%s", up, stor)
			if t.Final == nil {
				ctx.failf("STOR %s%s: no completion reply", up, stor)
			}
			judge("STOR "+up+stor, stor, t.Final)
			judge("MKD "+up+mkd, mkd, cmd(ctx, c, "MKD "+up+mkd))
			judge("MKD /../"+mkdAbs, mkdAbs, cmd(ctx, c, "MKD /../"+mkdAbs))
			upload(ctx, c, mode, "rename-me.txt", []byte("ftpconform\r\n"))
			if r := cmd(ctx, c, "RNFR rename-me.txt"); r.Code == harness.ReplyPendingInfo {
				judge("RNFR rename-me.txt, RNTO "+up+rnto, rnto, cmd(ctx, c, "RNTO "+up+rnto))
			} else {
				ctx.infof("RNFR rename-me.txt got %s; RNTO not tried", r)
			}
			if len(problems) > 0 {
				ctx.failf("%s", strings.Join(problems, "; "))
			}
		})

	r.Check("POLICY-PATH-NUL", "does not cut a pathname at a NUL byte",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			mode := ctx.defaultMode(c)
			name, data := "nul-test.txt", []byte("ftpconform NUL test\r\n")
			upload(ctx, c, mode, name, data)
			var problems []string
			t, err := transferIn(ctx, c, mode, "RETR "+name+"\x00.jpg")
			if err != nil {
				ctx.failf("RETR %s<NUL>.jpg: %v; the server must answer a pathname with a NUL byte (a refusal such as 501 or 550 is fine), not drop the session (RFC 959 §4.2: every command gets a reply)", name, err)
			}
			if t.Final != nil && harness.Class(t.Final.Code) == 2 && bytes.Equal(t.Data, data) {
				problems = append(problems, fmt.Sprintf("RETR %s<NUL>.jpg got %s and the content of %s", name, t.Final, name))
			}
			if r := cmd(ctx, c, "SIZE "+name+"\x00.jpg"); r.Code == harness.ReplyFileStatus {
				problems = append(problems, fmt.Sprintf("SIZE %s<NUL>.jpg got %s", name, r))
			}
			if r := cmd(ctx, c, "DELE "+name+"\x00.jpg"); harness.Class(r.Code) == 2 {
				if l, err := listNames(ctx, c, ""); err == nil && !l.Has(name) {
					problems = append(problems, fmt.Sprintf("DELE %s<NUL>.jpg got %s and deleted %s", name, r, name))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s: the server cuts pathnames at a NUL byte, so a check of the whole name (its extension, a deny list) can be bypassed", strings.Join(problems, "; "))
			}
		})

	r.Check("POLICY-PATH-SYMLINK", "gives no access outside the root through a symbolic link in it",
		func(ctx *Ctx) {
			c, home, _ := virtualRoot(ctx)
			mode := ctx.defaultMode(c)
			listing := download(ctx, c, mode, "LIST")
			links := escapingLinks(listing.Data)
			if len(links) == 0 {
				Skip(fmt.Sprintf("no symbolic link pointing outside the login directory (absolute or with ..) in its listing; to test this, put one there, e.g. ln -s /etc/passwd passwd-link in %s", home))
			}
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			base := retrieveQuietly(ctx, c, mode, "etc/passwd")
			var problems []string
			for i, l := range links {
				if i == 5 {
					break
				}
				t := retrieveQuietly(ctx, c, mode, l.name)
				if t.Final != nil && harness.Class(t.Final.Code) == 2 {
					inRoot := base.Final != nil && harness.Class(base.Final.Code) == 2 && bytes.Equal(base.Data, t.Data)
					if (hostPasswd.Match(t.Data) || hostWinIni.Match(t.Data)) && !inRoot {
						problems = append(problems, fmt.Sprintf("RETR %s (a link to %s) got %s and a host file: %q", l.name, l.target, t.Final, firstLineOf(t.Data)))
					} else {
						ctx.infof("RETR %s (a link to %s) got %s with %d bytes that are not a host file", l.name, l.target, t.Final, len(t.Data))
					}
				}
				if r := cmd(ctx, c, "CWD "+l.name); harness.Class(r.Code) == 2 {
					list, err := listNames(ctx, c, "")
					if err == nil {
						if sig := hostSignature(list.Names()); sig != nil {
							problems = append(problems, fmt.Sprintf("CWD %s (a link to %s) got %s and NLST there lists the host directories %s", l.name, l.target, r, strings.Join(sig, ", ")))
						}
					}
					if r := cmd(ctx, c, "CWD "+home); harness.Class(r.Code) != 2 {
						ctx.failf("CWD %s back to the login directory: %s", home, r)
					}
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s: a symbolic link leads out of the root", strings.Join(problems, "; "))
			}
		})
})

// retrieveQuietly runs RETR arg over a fresh data connection and returns
// what happened; a refusal is a normal outcome here.
func retrieveQuietly(ctx *Ctx, c *harness.Conn, mode harness.DataMode, arg string) *harness.Transfer {
	t, err := transferIn(ctx, c, mode, "RETR "+arg)
	ctx.must(err, "RETR %s", arg)
	return t
}

// firstLineOf returns the first line of data, shortened for a message.
func firstLineOf(data []byte) string {
	s, _, _ := strings.Cut(string(data), "\n")
	s = strings.TrimRight(s, "\r")
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

type linkEntry struct{ name, target string }

// escapingLinks finds, in LIST output, the symbolic links whose target is
// absolute or climbs with "..":
//
//	lrwxrwxrwx 1 ftp ftp 11 Nov 24 02:53 passwd-link -> /etc/passwd
func escapingLinks(listing []byte) []linkEntry {
	var out []linkEntry
	lines, _ := splitLines(listing)
	for _, l := range lines {
		if !strings.HasPrefix(l, "l") {
			continue
		}
		left, target, ok := strings.Cut(l, " -> ")
		if !ok {
			continue
		}
		f := strings.Fields(left)
		if len(f) < 2 {
			continue
		}
		name := f[len(f)-1]
		if len(f) >= 9 {
			name = strings.Join(f[8:], " ")
		}
		if strings.HasPrefix(target, "/") || target == ".." || strings.HasPrefix(target, "../") || strings.Contains(target, "/../") {
			out = append(out, linkEntry{name, target})
		}
	}
	return out
}
