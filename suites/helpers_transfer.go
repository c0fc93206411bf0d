package suites

import (
	"errors"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the transfer-command, REST and ABOR checks.

func init() {
	NotCovered["RFC959-4.1.3-IP-SYNCH"] = "exercised by every check that aborts a running transfer (RFC959-4.1.3-ABOR-INPROGRESS, -ABOR-STOR, -ABOR-KEEP-CONTROL, RFC959-3.2-CLOSE-ABOR) and by RFC959-4.1.3-STAT-DURING-XFER: each sends Telnet IP, then the Synch with its IAC as TCP urgent data, before the command"
	NotCovered["RFC959-5.3.1-STOU-NO-ARG"] = "a permission for servers; the harness never sends STOU an argument, since RFC 959 gives it none"
}

const (
	// largeSize is the size of the file the ABOR, QUIT and lost-connection
	// checks download. A client that stops reading stalls the server long
	// before the end: the socket buffers of both ends hold a few MiB at
	// most, and a receive window that is not read from does not grow.
	largeSize = 8 << 20
	// largeRead is how much of it those checks read before they stop.
	largeRead = 64 << 10
)

var (
	largeOnce sync.Once
	largeData []byte
)

// largeFixture returns the large fixture's bytes (computed once).
func largeFixture() []byte {
	largeOnce.Do(func() { largeData = binaryFixture(largeSize) })
	return largeData
}

// withLargeFixture logs in, makes a scratch directory and uploads the
// large fixture there in TYPE I (which stays in force). The check will
// retrieve it: it relies on RETR.
func withLargeFixture(ctx *Ctx) (*harness.Conn, string, []byte) {
	ctx.need(harness.CapRETR)
	c := login(ctx)
	scratch(ctx, c)
	data := largeFixture()
	name := "large.bin"
	upload(ctx, c, ctx.fixtureMode(c), name, data)
	return c, name, data
}

// xferStart opens a data connection in the default mode and sends line,
// a transfer command; the check fails unless the server answers 125 or
// 150. The data connection is closed when the check ends.
func xferStart(ctx *Ctx, c *harness.Conn, line string) *harness.Running {
	d := openData(ctx, c, ctx.defaultMode(c))
	run, err := c.Start(ctx, d, line)
	DeferCleanup(run.Close)
	ctx.must(err, "%s", line)
	if run.Prelim == nil {
		ctx.failf("%s: expected 125 or 150 to start the transfer; got %s", line, run.Final)
	}
	return run
}

// xferStall starts RETR name, reads the first largeRead bytes and stops
// reading, so that the server soon blocks on the data connection.
func xferStall(ctx *Ctx, c *harness.Conn, name string) *harness.Running {
	run := xferStart(ctx, c, "RETR "+name)
	_, err := run.Read(ctx, largeRead)
	ctx.must(err, "RETR %s: reading the first %d bytes", name, largeRead)
	return run
}

// xferPut sets TYPE I and runs an upload command (STOR, APPE, STOU) with
// data, ending it by closing the data connection. The check judges the
// replies; only a broken exchange fails here.
func xferPut(ctx *Ctx, c *harness.Conn, line string, data []byte) *harness.Transfer {
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	t, err := transferOut(ctx, c, ctx.defaultMode(c), line, data)
	ctx.must(err, "%s", line)
	return t
}

// xferFetch retrieves name in TYPE I and fails unless the transfer
// completes.
func xferFetch(ctx *Ctx, c *harness.Conn, name string) []byte {
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	return download(ctx, c, ctx.defaultMode(c), "RETR "+name).Data
}

// xferHalfClose starts an upload, writes data, half-closes the data
// connection (the end of the file in stream mode, RFC 959 §3.4.1) and
// reads the completion reply; a missing reply fails the check.
func xferHalfClose(ctx *Ctx, c *harness.Conn, line string, data []byte) (*harness.Running, *harness.Reply) {
	ctx.need(harness.CapSTOR)
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	run := xferStart(ctx, c, line)
	ctx.must(run.Write(ctx, data), "%s: sending %d bytes", line, len(data))
	ctx.must(run.CloseWrite(), "%s: half-closing the data connection", line)
	final, err := run.ReadFinal(ctx)
	if err != nil {
		// At MUST level RFC959-4.1.3-STOR-EOF-BY-CLOSE judges this; the
		// SHOULD check that also half-closes only warns.
		ctx.failf("%s: after %d bytes and the end of the data (the harness half-closed the data connection), no completion reply: %v", line, len(data), err)
	}
	return run, final
}

// abortResult is what came back after ABOR during a transfer.
type abortResult struct {
	urgent  bool
	replies []*harness.Reply
	err     error // why the second reply (or the first) is missing
	// late is set when nothing came back within abortWait while the
	// download was stalled (the client had stopped reading), so the
	// harness read the data connection on to its end before it waited
	// for the replies; drained is what it read then.
	late    bool
	drained harness.Drained
}

// abortWait is how long a server blocked on a download the client no
// longer reads gets to answer ABOR before the client reads on. Telnet IP
// and Synch exist to get a busy server's attention (RFC 959 §4.1.3), so a
// conformant server answers at once; the wait only has to outlast a slow
// machine.
func abortWait(ctx *Ctx) time.Duration { return min(ctx.cfg.Target.ReplyTimeout, 3*time.Second) }

// abortTransfer sends ABOR with Telnet IP and Synch (RFC 959 §4.1.3) and
// reads two replies, each within the reply timeout. For a stalled transfer
// (stalled is its data connection; upload says which way it goes) the
// first reply is awaited abortWait only; then the client reads the
// download to its end, or ends the upload (see abortResult.late), and the
// replies get the whole reply timeout.
func abortTransfer(ctx *Ctx, c *harness.Conn, stalled *harness.Running, upload bool) abortResult {
	var res abortResult
	urgent, err := c.SendWithSynch(ctx, "ABOR")
	ctx.must(err, "sending ABOR")
	res.urgent = urgent
	for i := range 2 {
		wait := ctx.cfg.Target.ReplyTimeout
		if i == 0 && stalled != nil {
			wait = abortWait(ctx)
		}
		r, err := c.ReadReplyWithin(ctx, wait)
		if err != nil && i == 0 && stalled != nil && replyTimedOut(err) {
			res.late = true
			if upload {
				// A server blocked reading the upload sees its end.
				ctx.transcript().Notef(c.Name(), "no reply to ABOR within %s while the upload was stalled: ending the upload (half-close)", wait)
				_ = stalled.CloseWrite()
			} else {
				ctx.transcript().Notef(c.Name(), "no reply to ABOR within %s while the download was stalled: reading the data connection on to its end", wait)
				res.drained = stalled.Drain(ctx, ctx.cfg.Target.CloseGrace)
			}
			r, err = c.ReadReply(ctx)
		}
		if err != nil {
			res.err = err
			return res
		}
		res.replies = append(res.replies, r)
		if cl := harness.Class(r.Code); cl != 2 && cl != 4 {
			return res // no second reply is due
		}
	}
	return res
}

// replyTimedOut reports whether err is a reply that did not come in time
// (and not a closed connection or an interrupted check).
func replyTimedOut(err error) bool {
	var pe *harness.ProtocolError
	return errors.As(err, &pe) && pe.Timeout() && pe.Partial == nil
}

// abortWant is what RFC 959 §4.1.3 allows after ABOR during a transfer.
const abortWant = "426 (transfer aborted) then 226 (ABOR done), or, if the transfer had already finished, 226/250 then 225/226"

// judgeAbort fails unless the replies to ABOR during verb follow RFC 959
// §4.1.3. It reports whether the transfer had finished first.
func judgeAbort(ctx *Ctx, verb string, res abortResult, size int64) (finished bool) {
	what := "ABOR during " + verb
	if res.late && size > 0 && res.drained.Bytes+largeRead >= size {
		// RFC 959 §4.1.3: ABOR "tells the server to abort the previous FTP
		// service command and any associated transfer of data".
		ctx.noteFinding(findingAborIgnored)
		ctx.failf("%s: no reply within %s while the download was stalled (the client had stopped reading); once the client read on, the server sent the rest of the %d-byte file and then %s: it did not abort the transfer (RFC 959 §4.1.3)", what, abortWait(ctx), size, harness.ReplyChain(res.replies...))
	}
	if res.late && len(res.replies) == 0 {
		ctx.noteFinding(findingAborIgnored)
	}
	if res.late && size == 0 && len(res.replies) > 0 && harness.Class(res.replies[0].Code) == 2 && res.replies[0].Code != harness.ReplyDataOpenNoTransfer {
		ctx.failf("%s: no reply within %s while the upload was stalled; once the client ended the upload, the server completed it with %s: it did not abort the transfer (RFC 959 §4.1.3)", what, abortWait(ctx), harness.ReplyChain(res.replies...))
	}
	if res.err != nil && len(res.replies) == 0 {
		ctx.failf("%s: expected %s; got no reply: %v", what, abortWant, res.err)
	}
	if res.err != nil {
		ctx.failf("%s: expected %s; got %s, then no further reply: %v", what, abortWant, harness.ReplyChain(res.replies...), res.err)
	}
	first := res.replies[0]
	if len(res.replies) < 2 {
		ctx.failf("%s: expected %s; got %s", what, abortWant, first)
	}
	second := res.replies[1]
	switch {
	case harness.Class(first.Code) == 2 && harness.Class(second.Code) == 4:
		// RFC 959 §4.1.3, ABOR: "the server aborts the FTP service in
		// progress and closes the data connection, returning a 426 reply
		// ... The server then sends a 226 reply".
		ctx.failf("%s: expected %s; got %s: the aborted transfer's 4yz reply must come first, then the ABOR's 226 (RFC 959 §4.1.3)", what, abortWant, harness.ReplyChain(res.replies...))
	case harness.Class(first.Code) == 4:
		expectCode(ctx, verb+": its reply after ABOR interrupted it (expected "+abortWant+")", first, nil, harness.ReplyTransferAborted)
		expectCode(ctx, what+": reply to ABOR after "+first.String(), second, nil, harness.ReplyClosingData)
		return false
	case harness.Class(first.Code) == 2 && first.Code != harness.ReplyDataOpenNoTransfer:
		expectCode(ctx, verb+": its reply when ABOR came (expected "+abortWant+")", first, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
		expectCode(ctx, what+": reply to ABOR after the transfer's "+first.String(), second, nil, harness.ReplyDataOpenNoTransfer, harness.ReplyClosingData)
		return true
	}
	ctx.failf("%s: expected %s; got %s", what, abortWant, harness.ReplyChain(res.replies...))
	return false
}

// requireAbor skips the check when the server does not implement ABOR
// (500 or 502): RFC 1123 §4.1.5 makes it optional. What ABOR does is
// known from the preflight, which sent it in a session of its own, so the
// check's session is not changed by a probe; without a preflight fact the
// check finds out in its own session.
func requireAbor(ctx *Ctx, c *harness.Conn) {
	switch f := ctx.cfg.Facts.Cap(harness.CapABOR); f.State {
	case harness.CapUnsupported:
		Skip("ABOR is not implemented (" + f.Detail + "); RFC 1123 §4.1.5 makes it optional")
	case harness.CapBroken:
		if !strings.HasPrefix(ctx.key(), "RFC959-5.4-ABOR-CODES") {
			blocked("RFC959-5.4-ABOR-CODES", "ABOR with no transfer running does not work ("+f.Detail+")")
		}
	case harness.CapWorks:
	default:
		r, err := c.Cmd(ctx, "ABOR")
		ctx.must(err, "ABOR")
		if notImplemented(r) {
			Skip("ABOR is not implemented (" + r.String() + "); RFC 1123 §4.1.5 makes it optional")
		}
	}
}
