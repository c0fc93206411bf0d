package suites

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers for the access-control, file-system and informational checks
// (rfc959_access.go, rfc959_files.go, rfc959_info.go).

// classAllowed reports whether RFC 959 §5.4 (table permitted) allows a
// reply of code's class for verb. 421 is always allowed; it does not make
// other 4yz replies acceptable.
func classAllowed(verb string, code int) bool {
	if code == harness.ReplyServiceUnavailable {
		return true
	}
	for _, p := range permitted[verb] {
		if p != harness.ReplyServiceUnavailable && harness.Class(p) == harness.Class(code) {
			return true
		}
	}
	return false
}

// classes lists the reply classes of permitted codes, as "2yz, 5yz".
func classes(verb string) string {
	seen := map[int]bool{}
	var out []string
	for _, p := range permitted[verb] {
		if p == harness.ReplyServiceUnavailable || seen[harness.Class(p)] {
			continue
		}
		seen[harness.Class(p)] = true
		out = append(out, fmt.Sprintf("%dyz", harness.Class(p)))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// hardReply sends line and returns the reply. A broken exchange, or a
// reply of a class RFC 959 §5.4 never allows for the verb, fails the check
// at its own level; for the commands of RFC 1123's minimum set the MUST
// judgement of those classes is RFC1123-4.1.2.13-MIN-COMMANDS.
func hardReply(ctx *Ctx, c *harness.Conn, line, what string) *harness.Reply {
	r, err := c.Cmd(ctx, line)
	if err != nil {
		ctx.failf("%s: %v (every command must get a reply, RFC 959 §4.2)", what, err)
		return nil
	}
	verb := verbOf(strings.ToUpper(line))
	if !classAllowed(verb, r.Code) {
		ctx.failf("%s: got %s; RFC 959 §5.4 permits only %s replies (%s) for %s", what, r, classes(verb), harness.Codes(permitted[verb]), verb)
	}
	return r
}

// pwdPath sends PWD and returns the pathname of the 257 reply; anything
// else fails the check.
func pwdPath(ctx *Ctx, c *harness.Conn) string {
	r := cmd(ctx, c, "PWD")
	if r.Code != harness.ReplyPathCreated {
		ctx.failf("PWD: expected 257; got %s", r)
	}
	p, problem := harness.Parse257(r.Text())
	if problem != "" {
		ctx.failf("PWD: %s: %s (RFC 959 Appendix II)", r, problem)
	}
	return p
}

// joinPath appends a name to a directory pathname.
func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// mkdir creates a directory and fails the check unless MKD answers 257.
func mkdir(ctx *Ctx, c *harness.Conn, name string) {
	r := cmd(ctx, c, "MKD "+name)
	if r.Code != harness.ReplyPathCreated {
		ctx.failf("cannot create the directory %q for the check: MKD got %s", name, r)
	}
}

// listNames lists dir (the working directory when dir is "") with NLST
// over the default mode (harness ListNames: "450/550 No files found",
// which some servers answer for an empty directory, is an empty listing).
// It checks no prerequisite, so that cleanups can use it too.
func listNames(ctx *Ctx, c *harness.Conn, dir string) (*harness.NameList, error) {
	return c.ListNames(ctx, ctx.defaultMode(c), dir)
}

// names is listNames for a check that looks at the effect of a command:
// the set of the entries' last pathname elements; a failed listing fails
// the check.
func names(ctx *Ctx, c *harness.Conn, dir string) map[string]bool {
	ctx.need(dataCapability(ctx.defaultMode(c)))
	l, err := listNames(ctx, c, dir)
	ctx.must(err, "listing the directory to see the effect")
	set := map[string]bool{}
	for _, n := range l.Names() {
		set[n] = true
	}
	return set
}

// listed renders a name set for messages.
func listed(set map[string]bool) string {
	if len(set) == 0 {
		return "nothing"
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, fmt.Sprintf("%q", n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// fetch downloads name in the current TYPE and returns its bytes.
func fetch(ctx *Ctx, c *harness.Conn, name string) []byte {
	return download(ctx, c, ctx.defaultMode(c), "RETR "+name).Data
}

// sameBytes describes how got differs from want, or returns "".
func sameBytes(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	if len(got) <= 64 && len(want) <= 64 {
		return fmt.Sprintf("got %q, want %q", got, want)
	}
	return firstDiff(got, want)
}

// nameEndsWith reports whether the pathname p names name: p is name
// itself or ends with "/" + name.
func nameEndsWith(p, name string) bool {
	return p == name || strings.HasSuffix(p, "/"+name)
}
