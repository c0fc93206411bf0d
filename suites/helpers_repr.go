package suites

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

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
func setType(ctx context.Context, c *harness.Conn, arg string) {
	r, err := c.Cmd(ctx, "TYPE "+arg)
	expectCode("TYPE "+arg, r, err, harness.ReplyOK)
}

// storeIn stores data under name in the representation type typ and fails
// the check unless the server confirms it (1yz then 2yz).
func storeIn(ctx context.Context, c *harness.Conn, typ, name string, data []byte) {
	setType(ctx, c, typ)
	t, err := transferOut(ctx, c, defaultMode(c), "STOR "+name, data)
	must(err, "STOR %s in TYPE %s", name, typ)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 {
		failf("STOR %s in TYPE %s: expected 125 or 150, then 226 or 250; got %s", name, typ, replyList(t))
	}
	if t.DataErr != nil {
		failf("STOR %s in TYPE %s: data connection: %v", name, typ, t.DataErr)
	}
}

// retrieveIn retrieves name in the representation type typ.
func retrieveIn(ctx context.Context, c *harness.Conn, typ, name string) []byte {
	setType(ctx, c, typ)
	return download(ctx, c, defaultMode(c), "RETR "+name).Data
}

// systemType asks SYST and reports the system name and whether it is a
// UNIX-type system (whose text files end their lines with LF).
func systemType(ctx context.Context, c *harness.Conn) (name string, unix bool) {
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
func loginAt(ctx context.Context, dir string) *harness.Conn {
	c := login(ctx)
	if r := cmd(ctx, c, "CWD "+dir); harness.Class(r.Code) != 2 {
		failf("a second session cannot enter the scratch directory: CWD %s: %s", dir, r)
	}
	return c
}

// acceptedParam sends a TYPE, MODE or STRU command and reports whether the
// server accepted it (2yz). A broken exchange fails the check.
func acceptedParam(ctx context.Context, c *harness.Conn, line string) (*harness.Reply, bool) {
	r := cmd(ctx, c, line)
	return r, harness.Class(r.Code) == 2
}

// statLines returns the lines of a STAT reply without argument, or nil if
// the server gives no status (not 2yz).
func statLines(ctx context.Context, c *harness.Conn) []string {
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

// blockTransfer is what a RETR in block mode delivered.
type blockTransfer struct {
	replies []*harness.Reply
	final   *harness.Reply
	data    []byte // payload of the data blocks (restart markers excluded)
	headers []string
	eofSeen bool
	err     error  // what broke the block format, if anything
	raw     []byte // everything read from the data connection
}

// retrieveBlocks runs a download command in MODE B (RFC 959 §3.4.2): it
// reads blocks (3-byte header: descriptor, 16-bit count) until the block
// with the EOF flag (64), while reading the replies. The server need not
// close the data connection after that block.
func retrieveBlocks(ctx context.Context, c *harness.Conn, line string) *blockTransfer {
	mode := defaultMode(c)
	d := openData(ctx, c, mode)
	defer d.Close()
	bt := &blockTransfer{}
	if err := c.Send(ctx, line); err != nil {
		failf("%s: %v", line, err)
		return bt
	}
	tgt := cfg.Target
	dctx, cancel := context.WithTimeout(ctx, tgt.ReplyTimeout+tgt.DataTimeout)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := d.Conn(dctx)
		if err != nil {
			bt.err = err
			return
		}
		if dl, ok := dctx.Deadline(); ok {
			_ = nc.SetReadDeadline(dl)
		}
		var raw bytes.Buffer
		readBlocks(io.TeeReader(nc, &raw), bt)
		bt.raw = raw.Bytes()
	}()
	r, err := c.ReadReply(ctx)
	if err == nil && harness.IsPreliminary(r.Code) {
		bt.replies = append(bt.replies, r)
		r, err = c.ReadReplyWithin(ctx, tgt.ReplyTimeout+tgt.DataTimeout)
	}
	if err != nil {
		d.Close()
		<-done
		failf("%s in MODE B: %v", line, err)
		return bt
	}
	bt.replies = append(bt.replies, r)
	bt.final = r
	// The blocks were all sent before the completion reply; allow the
	// usual grace for what is still in flight.
	grace := time.NewTimer(tgt.CloseGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		d.Close()
		<-done
		if bt.err == nil && !bt.eofSeen {
			bt.err = fmt.Errorf("no block with the EOF flag arrived within %s of the %d reply", tgt.CloseGrace, r.Code)
		}
	}
	return bt
}

// errShortBlock: the connection ended in the middle of a block.
var errShortBlock = errors.New("the data connection closed in the middle of a block")

// readBlocks parses block-mode data from r into bt.
func readBlocks(r io.Reader, bt *blockTransfer) {
	var hdr [3]byte
	for !bt.eofSeen {
		_, err := io.ReadFull(r, hdr[:])
		if err == io.EOF {
			bt.err = errors.New("the data connection closed before a block with the EOF flag (64)")
			return
		}
		if err != nil {
			bt.err = fmt.Errorf("reading a block header: %w", err)
			return
		}
		desc, count := hdr[0], int(hdr[1])<<8|int(hdr[2])
		bt.headers = append(bt.headers, fmt.Sprintf("descriptor %d, count %d", desc, count))
		buf := make([]byte, count)
		n, err := io.ReadFull(r, buf)
		if err != nil {
			bt.err = fmt.Errorf("block %d (descriptor %d, count %d): got %d bytes: %w", len(bt.headers), desc, count, n, errShortBlock)
			return
		}
		if desc&16 == 0 { // 16: a restart marker, not file data
			bt.data = append(bt.data, buf...)
		}
		bt.eofSeen = desc&64 != 0
	}
}

// Record structure in stream mode (RFC 959 §3.4.1): 0xFF 0x01 ends a
// record, 0xFF 0x02 ends the file, 0xFF 0x03 both; a data byte 0xFF is
// sent as 0xFF 0xFF.

// encodeRecords builds a record stream ending with end of file.
func encodeRecords(records [][]byte) []byte {
	var out []byte
	for _, r := range records {
		out = append(out, bytes.ReplaceAll(r, []byte{0xff}, []byte{0xff, 0xff})...)
		out = append(out, 0xff, 0x01)
	}
	return append(out, 0xff, 0x02)
}

// decodeRecords parses a record stream. A trailing record without an end
// of record marker is returned as a record too; an end of file marker is
// optional (closing the connection also ends the file).
func decodeRecords(b []byte) ([][]byte, error) {
	var out [][]byte
	var cur []byte
	open := false
	for i := 0; i < len(b); i++ {
		if b[i] != 0xff {
			cur = append(cur, b[i])
			open = true
			continue
		}
		if i+1 == len(b) {
			return out, fmt.Errorf("the data ends with a lone 0xFF at byte %d", i)
		}
		i++
		switch b[i] {
		case 0xff:
			cur = append(cur, 0xff)
			open = true
		case 0x01, 0x03:
			out = append(out, cur)
			cur, open = nil, false
			if b[i] == 0x03 {
				return out, nil
			}
		case 0x02:
			if open {
				out = append(out, cur)
			}
			return out, nil
		default:
			return out, fmt.Errorf("0xFF followed by 0x%02x at byte %d is no record-structure control code", b[i], i-1)
		}
	}
	if open {
		out = append(out, cur)
	}
	return out, nil
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
func makeListingTree(ctx context.Context) (*harness.Conn, listingTree) {
	c := login(ctx)
	tr := listingTree{dir: scratch(ctx, c), files: map[string][]byte{
		treeOuter:                  []byte("outer file\n"),
		treeOther:                  []byte("other file, in the working directory\n"),
		treeSub + "/" + treeInner:  []byte("inner file, in the subdirectory\n"),
		treeSub + "/" + treeSecond: binaryFixture(300),
	}}
	if r := cmd(ctx, c, "MKD "+treeSub); r.Code != harness.ReplyPathCreated {
		failf("cannot create a subdirectory in the scratch directory: MKD %s: %s", treeSub, r)
	}
	for _, name := range []string{treeOuter, treeOther, treeSub + "/" + treeInner, treeSub + "/" + treeSecond} {
		upload(ctx, c, defaultMode(c), name, tr.files[name])
	}
	return c, tr
}

// listIn runs LIST or NLST (line) in the representation type typ and
// returns the data; the transfer must succeed.
func listIn(ctx context.Context, c *harness.Conn, typ, line string) []byte {
	setType(ctx, c, typ)
	return download(ctx, c, defaultMode(c), line).Data
}

// mentions reports whether listing data contains name.
func mentions(data []byte, name string) bool {
	return bytes.Contains(data, []byte(name))
}
