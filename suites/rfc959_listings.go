package suites

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Directory listings on the data connection: LIST and NLST with and
// without arguments, their line ends, and whether NLST lines can be used
// as arguments (RFC 959 §4.1.3, RFC 1123 §4.1.2.7). The formats of LIST
// lines are free and never parsed; only names are looked for.

var _ = describe("Directory listings (RFC 959 §4.1.3, RFC 1123 §4.1.2.7)", Label("listing", "data", "write"), func(r *Run) {
	r.Check("RFC959-4.1.3-LIST-DEFAULT-CWD/directory-argument", "lists the named directory with LIST pathname",
		func(ctx *Ctx) {
			c, _ := makeListingTree(ctx)
			data := listIn(ctx, c, "A", "LIST "+treeSub)
			var missing, foreign []string
			for _, n := range []string{treeInner, treeSecond} {
				if !mentions(data, n) {
					missing = append(missing, n)
				}
			}
			for _, n := range []string{treeOuter, treeOther} {
				if mentions(data, n) {
					foreign = append(foreign, n)
				}
			}
			switch {
			case len(missing) > 0 && len(foreign) > 0:
				ctx.failf("LIST %s lists the working directory instead of %s: it names %s (in the working directory) but not %s (in %s); a directory argument lists that directory (RFC 959 §4.1.3); got %s",
					treeSub, treeSub, strings.Join(foreign, ", "), strings.Join(missing, ", "), treeSub, describeText(data))
			case len(missing) > 0:
				ctx.failf("LIST %s does not mention %s, which is in %s; got %s", treeSub, strings.Join(missing, ", "), treeSub, describeText(data))
			case len(foreign) > 0:
				ctx.failf("LIST %s also names %s, which is not in %s but in the working directory; got %s", treeSub, strings.Join(foreign, ", "), treeSub, describeText(data))
			}
		})

	r.Check("RFC959-4.1.3-LIST-DEFAULT-CWD/file-argument", "gives information on that one file with LIST of a file",
		func(ctx *Ctx) {
			c, _ := makeListingTree(ctx)
			setType(ctx, c, "A")
			line := "LIST " + treeOuter
			t, err := transferIn(ctx, c, ctx.defaultMode(c), line)
			ctx.must(err, "%s", line)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				if t.Final != nil && (harness.Class(t.Final.Code) == 4 || harness.Class(t.Final.Code) == 5) {
					ctx.warnf("%s was refused: %s; with a file argument the server should send current information on the file (RFC 959 §4.1.3)", line, t.ReplyChain())
					return
				}
				ctx.failf("%s: expected 125 or 150, then 226 or 250; got %s", line, t.ReplyChain())
			}
			if !mentions(t.Data, treeOuter) {
				ctx.failf("%s: the listing does not mention the file; got %s", line, describeText(t.Data))
			}
			var others []string
			for _, n := range []string{treeOther, treeSub} {
				if mentions(t.Data, n) {
					others = append(others, n)
				}
			}
			if len(others) > 0 {
				ctx.failf("%s also lists %s: a file argument gives information on that file only, not on the directory holding it (RFC 959 §4.1.3); got %s", line, strings.Join(others, ", "), describeText(t.Data))
			}
		})

	r.Check("RFC959-4.1.3-LIST-ASCII", "ends every LIST line with CRLF in TYPE A",
		func(ctx *Ctx) {
			c, _ := makeListingTree(ctx)
			data := listIn(ctx, c, "A", "LIST")
			judgeListingLines(ctx, "LIST in TYPE A", data, false,
				"LIST data is sent in ASCII type (RFC 959 §4.1.3), whose lines end in CRLF (§3.1.1.1)")
		})

	for _, verb := range []string{"LIST", "NLST"} {
		r.Check("RFC1123-4.1.2.7-IMPLIED-TYPE/"+strings.ToLower(verb), "ends "+verb+" lines with CRLF also in TYPE I",
			func(ctx *Ctx) {
				c, _ := makeListingTree(ctx)
				data := listIn(ctx, c, "I", verb)
				judgeListingLines(ctx, verb+" in TYPE I", data, false,
					"RFC 1123 §4.1.2.7: LIST and NLST should use an implied TYPE A N (CRLF line ends) whatever TYPE is in force")
			})
	}

	r.Check("RFC959-4.1.3-NLST-NAMES/directory-argument", "lists the names in the named directory with NLST pathname",
		func(ctx *Ctx) {
			c, _ := makeListingTree(ctx)
			data := listIn(ctx, c, "A", "NLST "+treeSub)
			want := []string{treeInner, treeSecond}
			lines, _ := splitLines(data)
			got := map[string]bool{}
			var foreign []string
			for _, l := range lines {
				if l == "" || isDotEntry(l) {
					continue
				}
				got[baseOf(l)] = true
				if !contains(want, baseOf(l)) {
					foreign = append(foreign, l)
				}
			}
			var missing []string
			for _, n := range want {
				if !got[n] {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 || len(foreign) > 0 {
				hint := ""
				if contains(foreign, treeOuter) || contains(foreign, treeOther) {
					hint = " (these are the names of the working directory: the argument was ignored)"
				}
				ctx.failf("NLST %s: expected the names %s (bare or with a path prefix); missing %q, unexpected %q%s; got %s",
					treeSub, strings.Join(want, ", "), missing, foreign, hint, describeText(data))
			}
		})

	r.Check("RFC1123-4.1.2.7-NLST-USABLE", "returns NLST lines that work as RETR arguments from the same directory",
		func(ctx *Ctx) {
			c, tr := makeListingTree(ctx)
			tried := 0
			for _, arg := range []string{"", treeSub} {
				line := strings.TrimSpace("NLST " + arg)
				data := listIn(ctx, c, "A", line)
				lines, _ := splitLines(data)
				for _, entry := range lines {
					if entry == "" || isDotEntry(entry) {
						continue
					}
					rel := baseOf(entry)
					if arg != "" {
						rel = arg + "/" + rel
					}
					content, ok := tr.files[rel]
					if !ok {
						continue // a directory, or a name NLST-NAMES judges
					}
					tried++
					setType(ctx, c, "I")
					t, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+entry)
					ctx.must(err, "RETR %s", entry)
					if t.Final == nil || harness.Class(t.Final.Code) != 2 {
						ctx.failf("%s returned the line %q, but RETR %s from the same working directory got %s: every NLST line must be usable as the argument of a transfer command (RFC 1123 §4.1.2.7), e.g. %q",
							line, entry, entry, t.ReplyChain(), rel)
					}
					if !bytes.Equal(t.Data, content) {
						ctx.failf("%s returned the line %q, and RETR %s delivered another file: %s", line, entry, entry, firstDiff(t.Data, content))
					}
				}
			}
			if tried == 0 {
				ctx.failf("NLST and NLST %s named none of the files %s; nothing could be retrieved", treeSub, strings.Join(sortedKeys(tr.files), ", "))
			}
		})

	r.Check("RFC959-4.1.3-NLST-CRLF", "separates NLST entries with CRLF in TYPE A",
		func(ctx *Ctx) {
			c, _ := makeListingTree(ctx)
			data := listIn(ctx, c, "A", "NLST")
			judgeListingLines(ctx, "NLST in TYPE A", data, true,
				"NLST returns pathnames separated by CRLF in ASCII type (RFC 959 §4.1.3)")
		})
})

var _ = describe("Pathname arguments (RFC 959 §5.3.2)", Label("files", "write"), func(r *Run) {
	r.Check("RFC959-5.3.2-ARG-CHARSET/pathname", "keeps spaces and UTF-8 in a file name through STOR, NLST, RETR and DELE",
		func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			name := "name with spaces, caf\u00e9 \u4e2d\u6587.txt"
			content := []byte("a file whose name has spaces and UTF-8\n")
			setType(ctx, c, "I")
			t, err := transferOut(ctx, c, ctx.defaultMode(c), "STOR "+name, content)
			ctx.must(err, "STOR %q", name)
			if t.Final != nil && harness.Class(t.Final.Code) == 5 && t.Prelim == nil {
				ctx.warnf("STOR %q was refused: %s; RFC 959 §5.3.2 allows any character but CR and LF in a pathname, but the server's file system may not", name, t.Final)
				return
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("STOR %q: expected 125 or 150, then 226 or 250; got %s", name, t.ReplyChain())
			}
			if entries := nlstBases(ctx, c); !contains(entries, name) {
				ctx.failf("after STOR %q the directory does not hold that name: NLST lists %q; a pathname argument is every character up to CRLF, spaces and 8-bit bytes included (RFC 959 §5.3.2)", name, entries)
			}
			if got := retrieveIn(ctx, c, "I", name); !bytes.Equal(got, content) {
				ctx.failf("RETR %q delivered other data than was stored: %s", name, firstDiff(got, content))
			}
			r, err := c.Cmd(ctx, "DELE "+name)
			expectCode(ctx, fmt.Sprintf("DELE %q", name), r, err, harness.ReplyFileActionOK)
			if entries := nlstBases(ctx, c); contains(entries, name) {
				ctx.failf("DELE %q was answered %s, but NLST still lists the file", name, r)
			}
		})
})

// judgeListingLines fails when listing data has lines ending in a bare LF
// or (for NLST) empty entries, and warns when the last line has no CRLF.
func judgeListingLines(ctx *Ctx, what string, data []byte, names bool, rule string) {
	if len(data) == 0 {
		ctx.failf("%s: the listing of a directory holding files is empty", what)
		return
	}
	sh := shapeOf(data)
	if sh.bareLF > 0 {
		ctx.failf("%s: %d of %d lines end in a bare LF, not CRLF; %s; got %s", what, sh.bareLF, len(sh.lines), rule, describeText(data))
	}
	if names && sh.emptyInside > 0 {
		ctx.failf("%s: %d empty entries between the names (CRLF CRLF); entries are pathnames separated by CRLF (RFC 959 §4.1.3); got %s", what, sh.emptyInside, describeText(data))
	}
	if sh.unterminated {
		ctx.warnf("%s: the last line has no CRLF; got %s", what, describeText(data))
	}
}

// nlstBases lists the working directory with NLST in TYPE A and returns the
// last element of each entry, "." and ".." left out.
func nlstBases(ctx *Ctx, c *harness.Conn) []string {
	data := listIn(ctx, c, "A", "NLST")
	lines, _ := splitLines(data)
	var out []string
	for _, l := range lines {
		if l != "" && !isDotEntry(l) {
			out = append(out, baseOf(l))
		}
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
