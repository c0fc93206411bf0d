package suites

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// File-system commands of RFC 959 §4.1.3 (PWD, MKD, RMD, DELE, RNFR, RNTO)
// with their §5.4 replies and Appendix II's 257 format, and what the reply
// classes of §4.2 promise about the file system.

// quoteName is a directory name with quotes in every awkward place: first,
// doubled in the middle, last.
const quoteName = `"q""t"`

// expectNamed parses a 257 reply and fails unless its pathname ends with
// the element name (whether the pathname is absolute is judged by
// RFC959-AII-MKD-ABSOLUTE).
func expectNamed(ctx *Ctx, what string, r *harness.Reply, name string) string {
	p, problem := harness.Parse257(r.Text())
	if problem != "" {
		ctx.failf("%s: %s: %s (RFC 959 Appendix II: 257 \"pathname\" text, a quote inside the name doubled)", what, r, problem)
	}
	if !nameEndsWith(p, name) {
		note := ""
		if strings.Contains(name, `"`) {
			note = " (a quote inside the name is written twice, RFC 959 Appendix II)"
		}
		ctx.failf("%s: the reply %s names %q, which does not end with the new directory's name %q%s", what, r, p, name, note)
	}
	return p
}

// mkdirOrSkip creates a directory whose name the file system may refuse
// (quotes): a 5yz skips the check.
func mkdirOrSkip(ctx *Ctx, c *harness.Conn, name string) *harness.Reply {
	r := cmd(ctx, c, "MKD "+name)
	if harness.Class(r.Code) == 5 {
		Skip(fmt.Sprintf("the server refuses the directory name %q: %s", name, r))
	}
	expectCode(ctx, "MKD "+name, r, nil, harness.ReplyPathCreated)
	return r
}

// expectListed fails unless dir (the working directory when "") lists every
// name in want (present true) or none of them (present false); when says
// after what.
func expectListed(ctx *Ctx, c *harness.Conn, dir, when string, present bool, want ...string) {
	got := names(ctx, c, dir)
	where := "the working directory"
	if dir != "" {
		where = dir
	}
	for _, n := range want {
		if got[n] != present {
			verb := "lacks"
			if !present {
				verb = "still holds"
			}
			ctx.failf("%s: %s %s %q (it lists %s)", when, where, verb, n, listed(got))
		}
	}
}

var _ = describe("PWD and the 257 reply (RFC 959 Appendix II)", Label("files"), func(r *Run) {
	r.Check("RFC959-AII-PWD-257/format", "answers PWD with 257 and a quoted pathname that CWD accepts",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "PWD")
			r = expectCode(ctx, "PWD", r, err, harness.ReplyPathCreated)
			if r.Code != harness.ReplyPathCreated {
				return
			}
			p, problem := harness.Parse257(r.Text())
			if problem != "" {
				ctx.failf("PWD: %s: %s (RFC 959 Appendix II: 257 \"pathname\" text)", r, problem)
			}
			if r2 := cmd(ctx, c, "CWD "+p); harness.Class(r2.Code) != 2 {
				ctx.failf("PWD named %q (%s), but CWD to it got %s", p, r, r2)
			}
		})

	// RFC 959 Appendix II: "embedded double-quotes should be escaped by
	// double-quotes (the "quote-doubling" convention)" -- a SHOULD, judged
	// once for MKD and PWD together (the catalog's MUST is corrected in
	// requirements.tsv).
	r.Check("RFC959-AII-QUOTE-DOUBLING", "doubles every quote of a pathname in the 257 replies to MKD and PWD",
		Label("write"),
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			dir := pwdPath(ctx, c)
			r := mkdirOrSkip(ctx, c, quoteName)
			expectNamed(ctx, "MKD "+quoteName, r, quoteName)
			if r := cmd(ctx, c, "CWD "+quoteName); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s (just created): %s", quoteName, r)
			}
			r, err := c.Cmd(ctx, "PWD")
			r = expectCode(ctx, "PWD", r, err, harness.ReplyPathCreated)
			if p := expectNamed(ctx, "PWD in "+quoteName, r, quoteName); p != joinPath(dir, quoteName) {
				ctx.failf("PWD in %s: the reply %s names %q; expected %q", quoteName, r, p, joinPath(dir, quoteName))
			}
		})
})

var _ = describe("Directories (RFC 959 §4.1.3, Appendix II)", Label("files", "write"), func(r *Run) {
	r.Check("RFC959-AII-MKD-257-FORMAT", "answers MKD with 257 and the quoted name of the new directory",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			r, err := c.Cmd(ctx, "MKD plain")
			r = expectCode(ctx, "MKD plain", r, err, harness.ReplyPathCreated)
			expectNamed(ctx, "MKD plain", r, "plain")
			// Quotes inside the name: RFC959-AII-QUOTE-DOUBLING.
		})

	r.Check("RFC959-AII-MKD-ABSOLUTE", "names the new directory by a pathname that CWD accepts from anywhere",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			dir := pwdPath(ctx, c)
			r, err := c.Cmd(ctx, "MKD sub")
			r = expectCode(ctx, "MKD sub", r, err, harness.ReplyPathCreated)
			p, problem := harness.Parse257(r.Text())
			if problem != "" {
				ctx.failf("MKD sub: %s: %s", r, problem)
			}
			want := joinPath(dir, "sub")
			// RFC 959 Appendix II: "The 257 reply to the MKD command must
			// always contain the absolute pathname of the created
			// directory." Where the server's own PWD names directories
			// with a leading "/", an absolute pathname starts with one.
			if strings.HasPrefix(dir, "/") && !strings.HasPrefix(p, "/") {
				ctx.failf("MKD sub: the reply %s names %q, a relative pathname; RFC 959 Appendix II: \"The 257 reply to the MKD command must always contain the absolute pathname of the created directory\" (here %q)", r, p, want)
			}
			if r2 := cmd(ctx, c, "CWD "+p); harness.Class(r2.Code) != 2 {
				ctx.failf("the 257 reply to MKD sub named %q, but CWD to that pathname got %s; the reply must name the new directory so that CWD reaches it", p, r2)
			}
			if got := pwdPath(ctx, c); got != want {
				ctx.failf("the 257 reply to MKD sub named %q; CWD there leads to %q, not to the new directory %q", p, got, want)
			}
		})

	r.Check("RFC959-AII-MKD-EXISTS", "refuses MKD of an existing directory with 550",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			mkdir(ctx, c, "twice")
			r, err := c.Cmd(ctx, "MKD twice")
			expectCode(ctx, "MKD of a directory that exists", r, err, harness.ReplyActionNotTaken)
		})

	r.Check("RFC959-5.4-RMD-CODES/empty", "removes an empty directory with RMD and answers 250",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			mkdir(ctx, c, "gone")
			r, err := c.Cmd(ctx, "RMD gone")
			expectCode(ctx, "RMD of an empty directory", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("after RMD gone (%s)", r), false, "gone")
		})

	r.Check("RFC959-5.4-RMD-CODES/not-empty", "refuses RMD of a directory that is not empty",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			mkdir(ctx, c, "full")
			mkdir(ctx, c, "full/inner")
			r, err := c.Cmd(ctx, "RMD full")
			expectCode(ctx, "RMD of a directory that is not empty", r, err, harness.ReplyActionNotTaken, harness.ReplyFileUnavailable)
			expectListed(ctx, c, "full", fmt.Sprintf("after RMD full (%s)", r), true, "inner")
		})

	r.Check("RFC959-AII-REL-ABS", "resolves MKD and RMD pathnames against the working directory unless they are absolute",
		func(ctx *Ctx) {
			c := login(ctx)
			home := pwdPath(ctx, c)
			scratch(ctx, c)
			dir := pwdPath(ctx, c)
			r, err := c.Cmd(ctx, "MKD rel")
			expectCode(ctx, "MKD rel (relative, in "+dir+")", r, err, harness.ReplyPathCreated)
			if r := cmd(ctx, c, "CWD "+home); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s: %s", home, r)
			}
			expectListed(ctx, c, dir, "after MKD rel in "+dir, true, "rel")
			abs := joinPath(dir, "abs")
			r, err = c.Cmd(ctx, "MKD "+abs)
			expectCode(ctx, "MKD "+abs+" (absolute, from "+home+")", r, err, harness.ReplyPathCreated)
			expectListed(ctx, c, dir, "after MKD "+abs, true, "abs")
			r, err = c.Cmd(ctx, "RMD "+joinPath(dir, "rel"))
			expectCode(ctx, "RMD "+joinPath(dir, "rel")+" (absolute, from "+home+")", r, err, harness.ReplyFileActionOK)
			if r := cmd(ctx, c, "CWD "+dir); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s: %s", dir, r)
			}
			r, err = c.Cmd(ctx, "RMD abs")
			expectCode(ctx, "RMD abs (relative, in "+dir+")", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", "after both RMDs", false, "rel", "abs")
		})
})

var _ = describe("Deleting and renaming (RFC 959 §4.1.3)", Label("files", "write"), func(r *Run) {
	r.Check("RFC959-5.4-DELE-CODES/existing", "deletes a file with DELE and answers 250",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "doomed.bin", binaryFixture(100))
			r, err := c.Cmd(ctx, "DELE doomed.bin")
			expectCode(ctx, "DELE of an existing file", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("after DELE doomed.bin (%s)", r), false, "doomed.bin")
		})

	r.Check("RFC959-5.4-RNFR-CODES/existing", "answers RNFR of an existing file with 350",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "from.bin", binaryFixture(100))
			r, err := c.Cmd(ctx, "RNFR from.bin")
			expectCode(ctx, "RNFR of an existing file", r, err, harness.ReplyPendingInfo)
		})

	r.Check("RFC959-4.1.3-RNFR-RNTO-SEQUENCE/rnto-alone", "answers 503 to RNTO without RNFR",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			r, err := c.Cmd(ctx, "RNTO target")
			expectCode(ctx, "RNTO without RNFR", r, err, harness.ReplyBadSequence)
		})

	r.Check("RFC959-4.1.3-RNFR-RNTO-SEQUENCE/interrupted", "answers 503 to RNTO when another command came after RNFR",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "a.bin", binaryFixture(100))
			r, err := c.Cmd(ctx, "RNFR a.bin")
			expectExactly(ctx, "RNFR a.bin", r, err, harness.ReplyPendingInfo)
			r, err = c.Cmd(ctx, "NOOP")
			// A server may also refuse anything but RNTO after RNFR.
			expectCode(ctx, "NOOP between RNFR and RNTO", r, err, harness.ReplyOK, harness.ReplyBadSequence)
			r, err = c.Cmd(ctx, "RNTO b.bin")
			if err == nil && harness.Class(r.Code) == 2 {
				got := names(ctx, c, "")
				if !got["b.bin"] || got["a.bin"] {
					ctx.failf("RNTO b.bin after RNFR a.bin and NOOP answered %s, but nothing was renamed (the directory lists %s)", r, listed(got))
				}
				ctx.warnf("RNTO b.bin after RNFR a.bin and NOOP: got %s and the file was renamed; RNTO must immediately follow RNFR (RFC 959 §4.1.3), so 503 is expected", r)
				return
			}
			r = expectCode(ctx, "RNTO after RNFR and NOOP", r, err, harness.ReplyBadSequence)
			expectListed(ctx, c, "", fmt.Sprintf("after the refused RNTO (%s)", r), true, "a.bin")
			expectListed(ctx, c, "", fmt.Sprintf("after the refused RNTO (%s)", r), false, "b.bin")
		})

	r.Check("RFC959-4.1.3-RNFR-RNTO-SEQUENCE/rnto-twice", "answers 503 to a second RNTO after a completed rename",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "a.bin", binaryFixture(100))
			r, err := c.Cmd(ctx, "RNFR a.bin")
			expectExactly(ctx, "RNFR a.bin", r, err, harness.ReplyPendingInfo)
			r, err = c.Cmd(ctx, "RNTO b.bin")
			expectCode(ctx, "RNTO b.bin", r, err, harness.ReplyFileActionOK)
			upload(ctx, c, ctx.defaultMode(c), "a.bin", binaryFixture(50))
			r, err = c.Cmd(ctx, "RNTO c.bin")
			r = expectCode(ctx, "RNTO c.bin (the RNFR was already used)", r, err, harness.ReplyBadSequence)
			expectListed(ctx, c, "", fmt.Sprintf("after the second RNTO (%s)", r), true, "a.bin", "b.bin")
			expectListed(ctx, c, "", fmt.Sprintf("after the second RNTO (%s)", r), false, "c.bin")
		})

	r.Check("RFC959-4.1.3-RENAME-EFFECT", "renames a file and a directory with RNFR and RNTO",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(1000)
			upload(ctx, c, ctx.defaultMode(c), "before.bin", data)
			mkdir(ctx, c, "dir-before")
			for _, p := range [][2]string{{"before.bin", "after.bin"}, {"dir-before", "dir-after"}} {
				r, err := c.Cmd(ctx, "RNFR "+p[0])
				expectCode(ctx, "RNFR "+p[0], r, err, harness.ReplyPendingInfo)
				r, err = c.Cmd(ctx, "RNTO "+p[1])
				r = expectCode(ctx, "RNTO "+p[1], r, err, harness.ReplyFileActionOK)
				what := fmt.Sprintf("after RNFR %s, RNTO %s (%s)", p[0], p[1], r)
				expectListed(ctx, c, "", what, true, p[1])
				expectListed(ctx, c, "", what, false, p[0])
			}
			if d := sameBytes(fetch(ctx, c, "after.bin"), data); d != "" {
				ctx.failf("the renamed file after.bin has other contents: %s", d)
			}
		})
})

var _ = describe("What reply classes promise (RFC 959 §4.2)", Label("files", "write"), func(r *Run) {
	r.Check("RFC959-4.2-2YZ-MEANING", "has done what MKD, DELE, RNTO and RMD report with a 2yz reply",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			r, err := c.Cmd(ctx, "MKD made")
			r = expectCode(ctx, "MKD made", r, err, harness.ReplyPathCreated)
			expectListed(ctx, c, "", fmt.Sprintf("MKD made answered %s, but", r), true, "made")
			upload(ctx, c, ctx.defaultMode(c), "f.bin", binaryFixture(100))
			upload(ctx, c, ctx.defaultMode(c), "g.bin", binaryFixture(100))
			r, err = c.Cmd(ctx, "DELE f.bin")
			r = expectCode(ctx, "DELE f.bin", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("DELE f.bin answered %s, but", r), false, "f.bin")
			r, err = c.Cmd(ctx, "RNFR g.bin")
			expectCode(ctx, "RNFR g.bin", r, err, harness.ReplyPendingInfo)
			r, err = c.Cmd(ctx, "RNTO h.bin")
			r = expectCode(ctx, "RNTO h.bin", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("RNTO h.bin answered %s, but", r), true, "h.bin")
			expectListed(ctx, c, "", fmt.Sprintf("RNTO h.bin answered %s, but", r), false, "g.bin")
			r, err = c.Cmd(ctx, "RMD made")
			r = expectCode(ctx, "RMD made", r, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("RMD made answered %s, but", r), false, "made")
		})

	r.Check("RFC959-4.2-4YZ-5YZ", "changes nothing when DELE, RMD, MKD or RNTO is refused",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(300)
			upload(ctx, c, ctx.defaultMode(c), "keep.bin", data)
			mkdir(ctx, c, "full")
			mkdir(ctx, c, "full/inner")
			snapshot := func() string {
				return listed(names(ctx, c, "")) + " / full: " + listed(names(ctx, c, "full"))
			}
			before := snapshot()
			judged := 0
			try := func(line string) *harness.Reply {
				r := cmd(ctx, c, line)
				switch harness.Class(r.Code) {
				case 4, 5:
					judged++
					if after := snapshot(); after != before {
						ctx.failf("%s was refused (%s), but the file system changed: before %s; after %s (a 4yz or 5yz reply means the action did not happen, RFC 959 §4.2.1)", line, r, before, after)
					}
				case 2:
					ctx.infof("%s was accepted (%s); not judged here", line, r)
					before = snapshot()
				}
				return r
			}
			try("DELE full")
			try("RMD full")
			try("MKD full")
			try("MKD keep.bin")
			try("DELE " + harness.UniqueName("missing"))
			if r := try("RNFR keep.bin"); r.Code == harness.ReplyPendingInfo {
				try("RNTO " + harness.UniqueName("no-such-dir") + "/keep.bin")
			}
			if judged == 0 {
				ctx.infof("the server refused none of the impossible requests")
			}
			if names(ctx, c, "")["keep.bin"] {
				if d := sameBytes(fetch(ctx, c, "keep.bin"), data); d != "" {
					ctx.failf("after the refused commands keep.bin has other contents: %s", d)
				}
			}
		})

	r.Check("RFC959-4.2-3YZ-MEANING", "completes USER with PASS and RNFR with RNTO after a 3yz reply",
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "USER "+ctx.cfg.Target.User)
			r = expectCode(ctx, "USER", r, err, harness.ReplyNeedPassword, harness.ReplyLoggedIn)
			if r.Code == harness.ReplyNeedPassword {
				r, err = c.Cmd(ctx, "PASS "+ctx.cfg.Target.Password)
				expectCode(ctx, "PASS after 331", r, err, harness.ReplyLoggedIn, harness.ReplySuperfluous)
			}
			protectAsLoginDoes(ctx, c)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "three.bin", binaryFixture(100))
			r, err = c.Cmd(ctx, "RNFR three.bin")
			r = expectExactly(ctx, "RNFR three.bin", r, err, harness.ReplyPendingInfo)
			r2, err := c.Cmd(ctx, "RNTO four.bin")
			r2 = expectCode(ctx, fmt.Sprintf("RNTO four.bin right after %s", r), r2, err, harness.ReplyFileActionOK)
			expectListed(ctx, c, "", fmt.Sprintf("after RNFR (%s) and RNTO (%s)", r, r2), true, "four.bin")
		})
})
