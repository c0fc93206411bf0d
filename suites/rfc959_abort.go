package suites

import (
	. "github.com/onsi/ginkgo/v2"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// ABOR, QUIT during a transfer and a lost control connection (RFC 959
// §3.2, §4.1.1, §4.1.3). The transfers are downloads of an 8 MiB file that
// the harness stops reading after 64 KiB, so that the server is stuck in
// the middle of it, or uploads the harness never finishes. Every wait is
// bounded by the reply timeout or the close grace.
var _ = describe("Aborting and interrupting transfers (RFC 959 §3.2, §4.1.1, §4.1.3)", Label("transfer", "abort"), func(r *Run) {

	r.Check("RFC959-5.4-ABOR-CODES", "answers ABOR with 225 or 226 when no transfer is running",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "ABOR")
			if err == nil && notImplemented(r) {
				Skip("ABOR is not implemented (" + r.String() + "); RFC 1123 §4.1.5 makes it optional")
			}
			expectCode(ctx, "ABOR with no transfer", r, err, harness.ReplyDataOpenNoTransfer, harness.ReplyClosingData)
		})

	r.Check("RFC959-4.1.3-ABOR-IDLE", "closes an open passive data connection on ABOR when no transfer is running",
		Confirm, Label("pasv"), func(ctx *Ctx) {
			c := login(ctx)
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			run, err := c.Watch(ctx, d)
			ctx.must(err, "the passive data connection")
			r, err := c.Cmd(ctx, "ABOR")
			if err == nil && notImplemented(r) {
				Skip("ABOR is not implemented (" + r.String() + "); RFC 1123 §4.1.5 makes it optional")
			}
			expectCode(ctx, "ABOR with a connected but unused passive data connection", r, err, harness.ReplyDataOpenNoTransfer, harness.ReplyClosingData)
			if dr := run.Drain(ctx, ctx.cfg.Target.CloseGrace); !dr.Closed {
				ctx.failf("ABOR (%s) with a connected passive data connection and no transfer: the data connection was still open %s later; ABOR closes any open data connection (RFC 959 §4.1.3)", r, ctx.cfg.Target.CloseGrace)
			}
		})

	r.Check("RFC959-4.1.3-ABOR-INPROGRESS", "stops a running RETR on ABOR and answers 426, then 226",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, _ := withLargeFixture(ctx)
			requireAbor(ctx, c)
			run := xferStall(ctx, c, name)
			res := abortTransfer(ctx, c, run, false)
			if judgeAbort(ctx, "RETR "+name, res, largeSize) {
				ctx.infof("the RETR had finished before ABOR arrived: %s", harness.ReplyChain(res.replies...))
			}
			if !res.urgent {
				ctx.infof("TCP urgent data was not available; Telnet IP and Synch went in-band")
			}
		})

	r.Check("RFC959-4.1.3-ABOR-KEEP-CONTROL", "keeps the control connection open after ABOR during a transfer",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, _ := withLargeFixture(ctx)
			requireAbor(ctx, c)
			ctx.blockedByFinding(findingAborIgnored)
			run := xferStall(ctx, c, name)
			res := abortTransfer(ctx, c, run, false)
			if len(res.replies) == 0 {
				ctx.failf("ABOR during RETR %s: no reply: %v", name, res.err)
			}
			r, err := c.Cmd(ctx, "NOOP")
			if err != nil {
				ctx.failf("after ABOR during RETR %s (%s), NOOP got no reply: %v; after ABOR the control connection stays open and usable (RFC 959 §4.1.3)", name, harness.ReplyChain(res.replies...), err)
			}
			expectCode(ctx, "NOOP after ABOR", r, nil, harness.ReplyOK)
		})

	r.Check("RFC959-4.1.3-ABOR-STOR", "stops a running STOR on ABOR and no longer waits for its data",
		Confirm, Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			requireAbor(ctx, c)
			run := xferStart(ctx, c, "STOR aborted.bin")
			ctx.must(run.Write(ctx, binaryFixture(largeRead)), "STOR aborted.bin: sending %d bytes", largeRead)
			judgeAbort(ctx, "STOR aborted.bin", abortTransfer(ctx, c, run, true), 0)
			if dr := run.Drain(ctx, ctx.cfg.Target.CloseGrace); !dr.Closed {
				ctx.failf("after ABOR during STOR, the server kept the data connection open for %s: it must stop the upload and close the data connection (RFC 959 §4.1.3)", ctx.cfg.Target.CloseGrace)
			}
		})

	r.Check("RFC959-3.2-CLOSE-ABOR", "closes the data connection when ABOR interrupts a RETR",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, data := withLargeFixture(ctx)
			requireAbor(ctx, c)
			ctx.blockedByFinding(findingAborIgnored)
			run := xferStall(ctx, c, name)
			res := abortTransfer(ctx, c, run, false)
			dr := run.Drain(ctx, ctx.cfg.Target.CloseGrace)
			finished := len(res.replies) > 0 && harness.Class(res.replies[0].Code) == 2 && res.replies[0].Code != harness.ReplyDataOpenNoTransfer
			switch {
			case dr.Idle:
				ctx.failf("ABOR during RETR %s (%s): after %d bytes the data connection was still open %s later; the server must close it on ABOR (RFC 959 §3.2, §4.1.3)", name, harness.ReplyChain(res.replies...), run.Received, ctx.cfg.Target.CloseGrace)
			case !dr.Closed:
				ctx.failf("ABOR during RETR %s: reading the data connection: %v", name, dr.Err)
			case run.Received >= int64(len(data)) && !finished:
				ctx.failf("ABOR during RETR %s was answered %s, yet all %d bytes of the file arrived afterwards: the server did not stop the transfer (RFC 959 §4.1.3)", name, harness.ReplyChain(res.replies...), len(data))
			}
		})

	r.Check("RFC959-4.1.3-STAT-DURING-XFER", "answers STAT sent during a RETR and lets the transfer finish",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, data := withLargeFixture(ctx)
			run := xferStall(ctx, c, name)
			during, err := run.SendDuring(ctx, "STAT")
			ctx.must(err, "sending STAT during RETR %s", name)
			got, rerr, dr := during.Replies, during.Err, during.Drained
			xfer, stat := -1, -1
			for i, r := range got {
				switch {
				case xfer < 0 && (r.Code == harness.ReplyClosingData || r.Code == harness.ReplyFileActionOK || harness.Class(r.Code) == 4):
					xfer = i
				case stat < 0:
					stat = i
				}
			}
			switch {
			case xfer < 0:
				ctx.failf("STAT during RETR %s: expected the transfer's completion reply and a reply to STAT; got %s%s", name, harness.ReplyChain(got...), harness.ErrSuffix("; then: ", rerr))
			case stat < 0:
				ctx.failf("STAT during RETR %s: the transfer ended with %s, but STAT got no reply (%v); every command gets a reply (RFC 959 §4.2)", name, got[xfer], rerr)
			case harness.Class(got[xfer].Code) != 2:
				ctx.warnf("STAT during RETR %s: the transfer ended with %s; STAT asks for the status of the transfer, it does not stop it (RFC 959 §4.1.3)", name, got[xfer])
			case !dr.Closed || run.Received != int64(len(data)):
				ctx.failf("STAT during RETR %s: the transfer was answered %s, but %d of %d bytes arrived", name, got[xfer], run.Received, len(data))
			}
			if harness.Class(got[stat].Code) != 2 {
				ctx.infof("STAT during a transfer was refused: %s", got[stat])
			} else if stat < xfer {
				ctx.infof("STAT answered during the transfer: %s", got[stat])
			}
		})

	r.Check("RFC959-4.1.1-QUIT-DURING-XFER", "sends the transfer's reply, then 221, when QUIT arrives during a RETR, and then closes",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, data := withLargeFixture(ctx)
			run := xferStall(ctx, c, name)
			ctx.must(c.Send(ctx, "QUIT"), "sending QUIT")
			run.Drain(ctx, ctx.cfg.Target.ReplyTimeout) // the transfer goes on to its end
			var got []*harness.Reply
			var rerr error
			for len(got) < 2 {
				r, err := c.ReadReply(ctx)
				if err != nil {
					rerr = err
					break
				}
				got = append(got, r)
			}
			xfer, quit := -1, -1
			for i, r := range got {
				if r.Code == harness.ReplyClosingControl && quit < 0 {
					quit = i
				} else if xfer < 0 {
					xfer = i
				}
			}
			if xfer < 0 || quit < 0 {
				ctx.failf("QUIT during RETR %s: expected the transfer's reply (226 or 250; 426 or 451 if the server aborted it) and 221, then the close; got %s%s", name, harness.ReplyChain(got...), harness.ErrSuffix("; then: ", rerr))
			}
			expectCode(ctx, "RETR "+name+": completion reply when QUIT came during the transfer", got[xfer], nil,
				harness.ReplyClosingData, harness.ReplyFileActionOK, harness.ReplyTransferAborted, harness.ReplyLocalError)
			if harness.Class(got[xfer].Code) == 2 && run.Received != int64(len(data)) {
				ctx.failf("QUIT during RETR %s: the transfer was answered %s, but %d of %d bytes arrived", name, got[xfer], run.Received, len(data))
			}
			if quit < xfer {
				ctx.warnf("QUIT during RETR %s: 221 came before the transfer's reply %s; RFC 959 §4.1.1 keeps the connection open for the transfer's result and closes it afterwards", name, got[xfer])
			}
			if closed, _ := c.WaitClose(ctx, ctx.cfg.Target.ReplyTimeout); !closed {
				ctx.failf("QUIT during RETR %s: after %s the control connection was still open %s later", name, harness.ReplyChain(got...), ctx.cfg.Target.ReplyTimeout)
			}
		})

	r.Check("RFC959-4.1.1-UNEXPECTED-CLOSE", "closes an upload's data connection when the control connection drops",
		Confirm, Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
			run := xferStart(ctx, c, "STOR lost.bin")
			ctx.must(run.Write(ctx, binaryFixture(largeRead)), "STOR lost.bin: sending %d bytes", largeRead)
			ctx.must(c.Hangup(), "closing the control connection")
			if dr := run.Drain(ctx, ctrlLossWait(ctx)); !dr.Closed {
				ctx.failf("STOR in progress and the control connection closed by the client: the server kept the data connection open for %s; an unexpected close of the control connection acts as ABOR and QUIT (RFC 959 §4.1.1)", ctrlLossWait(ctx))
			}
		})

	r.Check("RFC959-3.2-CLOSE-CTRL-LOSS", "closes a download's data connection when the control connection drops",
		Confirm, Label("write"), func(ctx *Ctx) {
			c, name, data := withLargeFixture(ctx)
			run := xferStall(ctx, c, name)
			ctx.must(c.Hangup(), "closing the control connection")
			// The server is blocked writing to the unread data connection;
			// give it a moment to see the closed control connection before
			// reading on frees it to send more, so that a server that stops
			// promptly is not overtaken by a fast reader.
			pause(ctx, min(ctx.cfg.Target.CloseGrace, 500*time.Millisecond))
			dr := run.Drain(ctx, ctrlLossWait(ctx))
			switch {
			case dr.Idle:
				ctx.failf("RETR %s in progress and the control connection closed by the client: the data connection was still open %s later; the server must close it (RFC 959 §3.2, §4.1.1)", name, ctrlLossWait(ctx))
			case !dr.Closed:
				ctx.failf("RETR %s, control connection closed: reading the data connection: %v", name, dr.Err)
			case run.Received >= int64(len(data)):
				ctx.failf("RETR %s: after the client closed the control connection (having read %d bytes) the server sent the rest of the %d-byte file; it must abort the transfer and close the data connection (RFC 959 §3.2, §4.1.1)", name, largeRead, len(data))
			}
		})
})

// ctrlLossWait is how long the server gets to notice a dropped control
// connection and close the data connection: a few close graces ("within a
// few seconds"), never longer than a reply timeout.
func ctrlLossWait(ctx *Ctx) time.Duration {
	return min(3*ctx.cfg.Target.CloseGrace, ctx.cfg.Target.ReplyTimeout)
}

// pause waits d, or until the check ends.
func pause(ctx *Ctx, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
