package suites

import (
	"bytes"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// The Trivial Virtual File Store (RFC 3659 §6): pathnames of names joined
// by "/", relative to the working directory or, starting with "/", to the
// root. TVFS adds no command; a server that lists TVFS in FEAT must name
// files this way in every command. The checks run only then.

func init() {
	NotCovered["RFC3659-6.3-TVFS-ONLY-IF-TRUE"] = "judged by RFC3659-6.2-ABSOLUTE-PATHS and RFC3659-6.2-RELATIVE-PATHS, which run exactly when FEAT lists TVFS and fail when its pathnames do not work as §6.2 defines them"
	NotCovered["RFC3659-6.1-NO-SLASH-IN-NAMES"] = "a file whose name holds \"/\" cannot be made through FTP, where \"/\" separates the names of a TVFS pathname; whether the server encodes such names can only be seen on a server whose file system already holds one"
	NotCovered["RFC3659-6.2.1-NO-MAGIC"] = "a permission: \"Servers may implement such names [\".\", \"..\"], with any semantics they choose, but are not required to do so\"; every answer is allowed"
}

var _ = describe("Pathnames of the Trivial Virtual File Store (RFC 3659 §6)", Label("files", "tvfs"), func(r *Run) {

	// RFC 3659 §6.2: "A fully qualified pathname is valid to reference
	// the named file or directory from any location (that is, regardless
	// of what the current working directory may be) in the virtual file
	// store." "the pathname "/" is defined to be a fully qualified
	// pathname referring to the root directory."
	r.Check("RFC3659-6.2-ABSOLUTE-PATHS", "resolves a pathname that starts with \"/\" from the root, whatever the working directory",
		Label("write"), func(ctx *Ctx) {
			c := requireTVFS(ctx)
			scratch(ctx, c)
			dir := pwdPath(ctx, c)
			data := binaryFixture(1000)
			upload(ctx, c, ctx.fixtureMode(c), "tvfs.bin", data)
			mkdir(ctx, c, "sub")
			enter(ctx, c, "sub")
			abs := joinPath(dir, "tvfs.bin")
			got := tvfsFetch(ctx, c, abs, fmt.Sprintf("from the directory %s, by its fully qualified pathname", joinPath(dir, "sub")),
				"a fully qualified pathname \"is valid to reference the named file ... regardless of what the current working directory may be\"")
			if !bytes.Equal(got, data) {
				ctx.failf("RETR %s from the directory %s/sub: %s (RFC 3659 §6.2: a fully qualified pathname \"is valid to reference the named file ... regardless of what the current working directory may be\")", abs, dir, sameBytes(got, data))
			}
			enter(ctx, c, dir)
			if p := pwdPath(ctx, c); p != dir {
				ctx.failf("CWD %s from %s/sub, then PWD: %q; expected %q (RFC 3659 §6.2)", dir, dir, p, dir)
			}
			enter(ctx, c, "/")
			if p := pwdPath(ctx, c); p != "/" {
				ctx.failf("CWD /, then PWD: %q; \"the pathname \"/\" is defined to be a fully qualified pathname referring to the root directory\" (RFC 3659 §6.2)", p)
			}
		})

	// RFC 3659 §6.2: "Other TVFS pathnames are constructed by prefixing a
	// pathname by a name of a directory from which the path is valid, and
	// separating the two with the "/" character."
	r.Check("RFC3659-6.2-RELATIVE-PATHS", "resolves dir/name from the working directory",
		Label("write"), func(ctx *Ctx) {
			c := requireTVFS(ctx)
			scratch(ctx, c)
			mkdir(ctx, c, "sub")
			data := binaryFixture(1000)
			const rel = "sub/inner.bin"
			ctx.need(harness.CapTypeI, harness.CapSTOR)
			setType(ctx, c, "I")
			t, err := transferOut(ctx, c, ctx.fixtureMode(c), "STOR "+rel, data)
			ctx.must(err, "STOR %s", rel)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("STOR %s (the directory sub exists in the working directory): expected 125 or 150, then 226 or 250; got %s (RFC 3659 §6.2: \"a/b\" names b in the directory a of the working directory)", rel, t.ReplyChain())
			}
			got := tvfsFetch(ctx, c, rel, "from the directory that holds sub", "\"a/b\" names b in the directory a of the working directory")
			if !bytes.Equal(got, data) {
				ctx.failf("RETR %s: %s (RFC 3659 §6.2)", rel, sameBytes(got, data))
			}
			enter(ctx, c, "sub")
			if got := download(ctx, c, ctx.defaultMode(c), "RETR inner.bin").Data; !bytes.Equal(got, data) {
				ctx.failf("STOR %s, then CWD sub and RETR inner.bin: %s; the file did not go into sub (RFC 3659 §6.2)", rel, sameBytes(got, data))
			}
		})
})

// requireTVFS logs in, and skips the check unless FEAT lists TVFS.
func requireTVFS(ctx *Ctx) *harness.Conn {
	if !ctx.cfg.Facts.HasFeature("TVFS") {
		Skip("FEAT does not list TVFS: the server defines no pathname syntax (RFC 3659 §2.2.1)")
	}
	return login(ctx)
}

// tvfsFetch retrieves the file at pathname p (in TYPE I, already in
// force) and fails the check, saying where from and by what rule, unless
// the transfer completes.
func tvfsFetch(ctx *Ctx, c *harness.Conn, p, where, rule string) []byte {
	t, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+p)
	ctx.must(err, "RETR %s", p)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
		ctx.failf("RETR %s %s: expected 125 or 150, then 226 or 250; got %s (data: %v); FEAT lists TVFS, where %s (RFC 3659 §6.2)", p, where, t.ReplyChain(), t.DataErr, rule)
	}
	return t.Data
}
