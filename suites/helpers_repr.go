package suites

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers for the checks of representation types, transfer parameters and
// directory listings (rfc959_representation.go, rfc959_listings.go).

// textLF is a text fixture with LF line ends and no CR, as a file on a
// UNIX-type server stores text.
var textLF = []byte("ftpconform text fixture\nsecond line\n\nafter an empty line\n    indented line\nlast line\n")

// text8bit is text with LF line ends whose other bytes include UTF-8 and
// every value from 0x80 to 0xFF, and no CR.
var text8bit = func() []byte {
	b := []byte("caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x93\x81\n")
	for i := 0x80; i <= 0xff; i++ {
		b = append(b, byte(i))
		if i%32 == 31 {
			b = append(b, '\n')
		}
	}
	return append(b, "end\n"...)
}()

// toCRLF turns every LF into CRLF (for data that holds no CR).
func toCRLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// dropCR removes every CR byte.
func dropCR(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r"), nil) }

// setType sends TYPE arg and fails the check unless it is accepted (200;
// another 2yz is tolerated with a warning).
func setType(ctx *Ctx, c *harness.Conn, arg string) {
	r, err := c.Cmd(ctx, "TYPE "+arg)
	expectCode(ctx, "TYPE "+arg, r, err, harness.ReplyOK)
}

// storeIn stores data under name in the representation type typ and fails
// the check unless the server confirms it (1yz then 2yz).
func storeIn(ctx *Ctx, c *harness.Conn, typ, name string, data []byte) {
	setType(ctx, c, typ)
	t, err := transferOut(ctx, c, ctx.defaultMode(c), "STOR "+name, data)
	ctx.must(err, "STOR %s in TYPE %s", name, typ)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 {
		ctx.failf("STOR %s in TYPE %s: expected 125 or 150, then 226 or 250; got %s", name, typ, t.ReplyChain())
	}
	if t.DataErr != nil {
		ctx.failf("STOR %s in TYPE %s: data connection: %v", name, typ, t.DataErr)
	}
}

// retrieveIn retrieves name in the representation type typ.
func retrieveIn(ctx *Ctx, c *harness.Conn, typ, name string) []byte {
	setType(ctx, c, typ)
	return download(ctx, c, ctx.defaultMode(c), "RETR "+name).Data
}

// systemType asks SYST and reports the system name and whether it is a
// UNIX-type system (whose text files end their lines with LF).
func systemType(ctx *Ctx, c *harness.Conn) (name string, unix bool) {
	r, err := c.Cmd(ctx, "SYST")
	if err != nil || r.Code != harness.ReplySystemType {
		return "", false
	}
	name = firstWord(r.Text())
	return name, strings.EqualFold(name, "UNIX") || strings.HasPrefix(strings.ToUpper(name), "UNIX")
}

// describeText shows a short piece of data for a message: all of it when
// short, else the head.
func describeText(b []byte) string {
	const limit = 96
	if len(b) <= limit {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:limit], len(b))
}

// loginAt logs a second session in and enters dir (relative to the login
// directory).
func loginAt(ctx *Ctx, dir string) *harness.Conn {
	c := login(ctx)
	if r := cmd(ctx, c, "CWD "+dir); harness.Class(r.Code) != 2 {
		ctx.failf("a second session cannot enter the scratch directory: CWD %s: %s", dir, r)
	}
	return c
}

// acceptedParam sends a TYPE, MODE or STRU command and reports whether the
// server accepted it (2yz). A broken exchange fails the check.
func acceptedParam(ctx *Ctx, c *harness.Conn, line string) (*harness.Reply, bool) {
	r := cmd(ctx, c, line)
	return r, harness.Class(r.Code) == 2
}

// statLines returns the lines of a STAT reply without argument, or nil if
// the server gives no status (not 2yz).
func statLines(ctx *Ctx, c *harness.Conn) []string {
	r := cmd(ctx, c, "STAT")
	if harness.Class(r.Code) != 2 {
		return nil
	}
	return r.Lines
}

// lineSet builds a set of lines.
func lineSet(lines []string) map[string]bool {
	m := make(map[string]bool, len(lines))
	for _, l := range lines {
		m[l] = true
	}
	return m
}

// retrieveBlocks runs a download command in MODE B (harness
// RetrieveBlocks) over the default mode; a broken exchange fails the check.
func retrieveBlocks(ctx *Ctx, c *harness.Conn, line string) *harness.BlockTransfer {
	d := openData(ctx, c, ctx.defaultMode(c))
	bt, err := c.RetrieveBlocks(ctx, d, line)
	ctx.must(err, "%s in MODE B", line)
	return bt
}

// sameRecords compares two record lists and describes the first difference.
func sameRecords(got, want [][]byte) (bool, string) {
	for i := 0; i < min(len(got), len(want)); i++ {
		if !bytes.Equal(got[i], want[i]) {
			return false, fmt.Sprintf("record %d is %q, want %q", i+1, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return false, fmt.Sprintf("got %d records, want %d", len(got), len(want))
	}
	return true, ""
}

// listingLines splits listing data into lines and counts the lines that end
// in a bare LF, the CRs inside lines, and whether the last line lacks its
// CRLF.
type listingShape struct {
	lines        []string
	bareLF       int
	unterminated bool
	emptyInside  int
}

func shapeOf(data []byte) listingShape {
	var sh listingShape
	sh.lines, sh.bareLF = splitLines(data)
	sh.unterminated = len(data) > 0 && !bytes.HasSuffix(data, []byte("\n"))
	for i, l := range sh.lines {
		if l == "" && i < len(sh.lines)-1 {
			sh.emptyInside++
		}
	}
	return sh
}

// baseOf returns the last element of an NLST entry ("dir/name" → "name").
func baseOf(entry string) string {
	return entry[strings.LastIndex(entry, "/")+1:]
}

// isDotEntry reports whether an NLST entry names "." or "..".
func isDotEntry(entry string) bool {
	b := baseOf(entry)
	return b == "." || b == ".."
}

// listingTree is the scratch layout of the listing checks: two files in
// the working directory and a subdirectory with two more.
type listingTree struct {
	dir   string            // the scratch directory (working directory)
	files map[string][]byte // path relative to dir -> content
}

const (
	treeOuter  = "outer-file.txt"
	treeOther  = "other-file.dat"
	treeSub    = "subdir"
	treeInner  = "inner-file.txt"
	treeSecond = "second-inner.bin"
)

// makeListingTree logs in, makes a scratch directory with the listing
// layout and returns the session (in TYPE I) and the tree.
func makeListingTree(ctx *Ctx) (*harness.Conn, listingTree) {
	c := login(ctx)
	tr := listingTree{dir: scratch(ctx, c), files: map[string][]byte{
		treeOuter:                  []byte("outer file\n"),
		treeOther:                  []byte("other file, in the working directory\n"),
		treeSub + "/" + treeInner:  []byte("inner file, in the subdirectory\n"),
		treeSub + "/" + treeSecond: binaryFixture(300),
	}}
	if r := cmd(ctx, c, "MKD "+treeSub); r.Code != harness.ReplyPathCreated {
		ctx.failf("cannot create a subdirectory in the scratch directory: MKD %s: %s", treeSub, r)
	}
	for _, name := range []string{treeOuter, treeOther, treeSub + "/" + treeInner, treeSub + "/" + treeSecond} {
		upload(ctx, c, ctx.defaultMode(c), name, tr.files[name])
	}
	return c, tr
}

// listIn runs LIST or NLST (line) in the representation type typ and
// returns the data; the transfer must succeed.
func listIn(ctx *Ctx, c *harness.Conn, typ, line string) []byte {
	setType(ctx, c, typ)
	return download(ctx, c, ctx.defaultMode(c), line).Data
}

// mentions reports whether listing data contains name.
func mentions(data []byte, name string) bool {
	return bytes.Contains(data, []byte(name))
}
