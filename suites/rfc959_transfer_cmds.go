package suites

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// The transfer commands RETR, STOR, STOU and APPE: their reply sequences
// (RFC 959 §4.2, §5.4; RFC 1123 §4.1.2.9), their effect on files
// (RFC 959 §4.1.3) and how stream mode ends a transfer (RFC 959 §3.4.1,
// §5.2).
var _ = describe("Transfer commands (RFC 959 §4.1.3, §5.4; RFC 1123 §4.1.2.9)", Label("transfer"), func(r *Run) {

	r.Check("RFC959-5.4-RETR-CODES/success", "answers RETR of an existing file with 125 or 150, then 226 or 250",
		Label("write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 4096)
			t, err := transferIn(ctx, c, ctx.defaultMode(c), "RETR "+name)
			ctx.must(err, "RETR %s", name)
			if t.Prelim == nil {
				ctx.failf("RETR %s: expected 125 or 150, then 226 or 250; got %s with no preliminary reply", name, t.ReplyChain())
			}
			expectCode(ctx, "RETR preliminary reply", t.Prelim, nil, harness.ReplyFileStatusOK, harness.ReplyDataAlreadyOpen)
			expectCode(ctx, "RETR completion reply after "+t.Prelim.String(), t.Final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
			if !bytes.Equal(t.Data, want) {
				ctx.failf("RETR %s: %s", name, firstDiff(t.Data, want))
			}
		})

	r.Check("RFC959-5.4-RETR-CODES/missing", "answers RETR of a missing file with 550 or 450 and no preliminary reply",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			name := harness.UniqueName("missing")
			d := openData(ctx, c, ctx.defaultMode(c))
			t, err := c.Retrieve(ctx, d, "RETR "+name)
			ctx.must(err, "RETR %s", name)
			if t.Prelim != nil {
				ctx.failf("RETR of the missing file %s: expected 550 or 450 with no preliminary reply (the transfer cannot start); got %s", name, t.ReplyChain())
			}
			expectCode(ctx, "RETR of a missing file", t.Final, nil, harness.ReplyActionNotTaken, harness.ReplyFileUnavailable)
		})

	r.Check("RFC959-5.4-RETR-CODES/no-argument", "answers RETR without an argument with 501",
		func(ctx *Ctx) {
			c := login(ctx)
			d := openData(ctx, c, ctx.defaultMode(c))
			t, err := c.Retrieve(ctx, d, "RETR")
			ctx.must(err, "RETR")
			if t.Prelim != nil {
				ctx.failf("RETR without an argument: expected 501 with no preliminary reply; got %s", t.ReplyChain())
			}
			expectCode(ctx, "RETR without an argument", t.Final, nil, harness.ReplySyntaxErrorParams)
		})

	r.Check("RFC959-5.4-STOR-CODES/no-argument", "answers STOR without an argument with 501",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			d := openData(ctx, c, ctx.defaultMode(c))
			t, err := c.Store(ctx, d, "STOR", nil)
			ctx.must(err, "STOR")
			if t.Prelim != nil {
				ctx.failf("STOR without an argument: expected 501 with no preliminary reply; got %s", t.ReplyChain())
			}
			expectCode(ctx, "STOR without an argument", t.Final, nil, harness.ReplySyntaxErrorParams)
		})

	r.Check("RFC959-4.1.3-RETR-NONDESTRUCTIVE", "leaves a file unchanged when it is retrieved",
		Label("write"), func(ctx *Ctx) {
			c, name, want := withFixture(ctx, 64<<10)
			for i := 1; i <= 2; i++ {
				got := download(ctx, c, ctx.defaultMode(c), "RETR "+name).Data
				if !bytes.Equal(got, want) {
					ctx.failf("RETR %s, retrieval %d of 2: %s from the %d-byte file; RETR must leave the file unchanged (RFC 959 §4.1.3)", name, i, firstDiff(got, want), len(want))
				}
			}
		})

	r.Check("RFC959-5.4-STOR-CODES/new", "answers STOR of a new file with 125 or 150, then 226 or 250",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			t := xferPut(ctx, c, "STOR new.bin", binaryFixture(10000))
			if t.Prelim == nil {
				ctx.failf("STOR new.bin: expected 125 or 150, then 226 or 250; got %s with no preliminary reply", t.ReplyChain())
			}
			expectCode(ctx, "STOR preliminary reply", t.Prelim, nil, harness.ReplyFileStatusOK, harness.ReplyDataAlreadyOpen)
			expectCode(ctx, "STOR completion reply after "+t.Prelim.String(), t.Final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
			if t.DataErr != nil {
				ctx.failf("STOR new.bin: data connection: %v", t.DataErr)
			}
		})

	for _, verb := range []string{"STOR", "APPE"} {
		key := "RFC959-5.4-STOR-CODES/missing-dir"
		if verb == "APPE" {
			key = "RFC959-5.4-APPE-CODES/missing-dir"
		}
		r.Check(key, "refuses "+verb+" into a missing directory, with or without a preliminary reply",
			Label("write"), func(ctx *Ctx) {
				c := login(ctx)
				scratch(ctx, c)
				line := verb + " " + harness.UniqueName("no-such-dir") + "/x.bin"
				t := xferPut(ctx, c, line, []byte("data"))
				if t.Prelim != nil {
					// RFC 959 §5.4 lists, after STOR's (and APPE's)
					// "125, 150", the failures "425, 426, 451, 551,
					// 552": a 1yz followed by a failure is a legal
					// sequence (ftp-srv: 150 then 550). Only a
					// completion reply claims what cannot be true.
					if t.Final == nil || harness.Class(t.Final.Code) == 2 {
						ctx.failf("%s: the directory does not exist, so nothing can be stored there, yet the server answered %s", line, t.ReplyChain())
					}
					ctx.infof("%s: the refusal came after a preliminary reply (%s); 553, 550, 450 or 452 without one would be more direct", line, t.ReplyChain())
					return
				}
				expectCode(ctx, line, t.Final, nil, harness.ReplyBadFileName, harness.ReplyActionNotTaken, harness.ReplyFileUnavailable, harness.ReplyInsufficientSpace)
			})
	}

	r.Check("RFC959-4.1.3-STOR-CREATE-REPLACE", "creates a file with STOR and replaces its whole content with a second STOR",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			first, second := []byte("0123456789"), []byte("abc")
			upload(ctx, c, ctx.defaultMode(c), "replace.bin", first)
			if got := xferFetch(ctx, c, "replace.bin"); !bytes.Equal(got, first) {
				ctx.failf("STOR of a new file replace.bin with %q: RETR returns %q", first, got)
			}
			upload(ctx, c, ctx.defaultMode(c), "replace.bin", second)
			if got := xferFetch(ctx, c, "replace.bin"); !bytes.Equal(got, second) {
				ctx.failf("STOR of %q over the %d-byte file replace.bin: RETR returns %q; expected exactly %q (STOR replaces the content of an existing file, RFC 959 §4.1.3)", second, len(first), got, second)
			}
		})

	r.Check("RFC959-4.1.3-STOR-EOF-BY-CLOSE", "ends an upload when the client closes the data connection and answers 226 or 250",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(40000)
			_, final := xferHalfClose(ctx, c, "STOR eof.bin", data)
			expectCode(ctx, "STOR completion reply after the end of the data (the harness half-closed the data connection)", final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
			if got := xferFetch(ctx, c, "eof.bin"); !bytes.Equal(got, data) {
				ctx.failf("STOR eof.bin of %d bytes ended by closing the data connection: RETR returns a different file: %s", len(data), firstDiff(got, data))
			}
		})

	r.Check("RFC1123-4.1.2.9-STOU-FILE-REPLY", "names the file STOU creates in a reply \"125 FILE: name\" or \"150 FILE: name\"",
		Label("stou", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			run := stouStart(ctx, c, false)
			name, ok := stouName(run.Prelim)
			if !ok {
				ctx.failf("STOU: the preliminary reply must read \"125 FILE: name\" or \"150 FILE: name\" (RFC 1123 §4.1.2.9); got %s", run.Prelim)
			}
			data := []byte("stou!")
			final := stouFinish(ctx, run, data)
			stouCompleted(run, final)
			if got := xferFetch(ctx, c, name); !bytes.Equal(got, data) {
				ctx.failf("STOU reported the name %q, but RETR %s returns %q instead of the %q uploaded", name, name, got, data)
			}
		})

	r.Check("RFC1123-4.1.2.9-STOU-PRELIM-ONLY", "starts STOU with a 125 or 150 reply and completes it with 226 or 250",
		Label("stou", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			run := stouStart(ctx, c, true)
			final := stouFinish(ctx, run, []byte("prelim"))
			if harness.IsPreliminary(final.Code) {
				ctx.failf("STOU: a second preliminary reply %s after %s; one command gets one 1yz reply", final, run.Prelim)
			}
			expectCode(ctx, "STOU completion reply after "+run.Prelim.String(), final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
		})

	r.Check("RFC959-4.1.3-STOU-UNIQUE", "stores each STOU upload under a new name and overwrites nothing",
		Label("stou", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			keep := []byte("keep me")
			upload(ctx, c, ctx.defaultMode(c), "keep.txt", keep)
			before := baseNames(ctx, c)
			var reported []string
			for _, payload := range []string{"first upload", "second upload"} {
				run := stouStart(ctx, c, false)
				if n, ok := stouName(run.Prelim); ok {
					reported = append(reported, path.Base(n))
				}
				final := stouFinish(ctx, run, []byte(payload))
				stouCompleted(run, final)
			}
			after := baseNames(ctx, c)
			var added []string
			for n := range after {
				if !before[n] {
					added = append(added, n)
				}
			}
			sort.Strings(added)
			if len(added) != 2 {
				ctx.failf("after two STOU uploads the directory's new names are [%s]; expected two new, distinct names (RFC 959 §4.1.3)", strings.Join(added, ", "))
			}
			if len(reported) == 2 && reported[0] == reported[1] {
				ctx.failf("both STOU uploads were reported under the same name %q", reported[0])
			}
			if !after["keep.txt"] {
				ctx.failf("after two STOU uploads the existing file keep.txt is gone")
			}
			if got := xferFetch(ctx, c, "keep.txt"); !bytes.Equal(got, keep) {
				ctx.failf("after two STOU uploads the existing file keep.txt holds %q instead of %q: STOU overwrote it", got, keep)
			}
		})

	r.Check("RFC959-4.1.3-APPE-APPEND", "appends to an existing file with APPE",
		Label("appe", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "log.txt", []byte("abc"))
			t := xferPut(ctx, c, "APPE log.txt", []byte("def"))
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("APPE log.txt: expected 125 or 150, then 226 or 250; got %s", t.ReplyChain())
			}
			if got := xferFetch(ctx, c, "log.txt"); string(got) != "abcdef" {
				ctx.failf("STOR \"abc\" then APPE \"def\": RETR returns %q; expected \"abcdef\" (APPE appends, RFC 959 §4.1.3)", got)
			}
		})

	r.Check("RFC959-4.1.3-APPE-CREATE", "creates a missing file with APPE",
		Label("appe", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(3000)
			t := xferPut(ctx, c, "APPE created.bin", data)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				ctx.failf("APPE of a file that does not exist: expected 125 or 150, then 226 or 250 (APPE creates the file, RFC 959 §4.1.3); got %s", t.ReplyChain())
			}
			if got := xferFetch(ctx, c, "created.bin"); !bytes.Equal(got, data) {
				ctx.failf("APPE created.bin: the new file differs from the %d bytes sent: %s", len(data), firstDiff(got, data))
			}
		})

	r.Check("RFC959-5.4-APPE-CODES/existing", "answers APPE to an existing file with 125 or 150, then 226 or 250",
		Label("appe", "write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "grow.bin", []byte("start"))
			t := xferPut(ctx, c, "APPE grow.bin", []byte("more"))
			if t.Prelim == nil {
				ctx.failf("APPE grow.bin: expected 125 or 150, then 226 or 250 (APPE is in RFC 1123 §4.1.2.13's minimum set); got %s with no preliminary reply", t.ReplyChain())
			}
			expectCode(ctx, "APPE preliminary reply", t.Prelim, nil, harness.ReplyFileStatusOK, harness.ReplyDataAlreadyOpen)
			expectCode(ctx, "APPE completion reply after "+t.Prelim.String(), t.Final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
		})

	r.Check("RFC959-5.4-XFER-COMPLETION", "completes RETR, LIST, NLST and STOR with 226 or 250 after the preliminary reply",
		Label("write"), func(ctx *Ctx) {
			c, name, _ := withFixture(ctx, 4096)
			for _, line := range []string{"RETR " + name, "LIST", "NLST"} {
				t, err := transferIn(ctx, c, ctx.defaultMode(c), line)
				ctx.must(err, "%s", line)
				judgeCompletion(ctx, line, t)
			}
			judgeCompletion(ctx, "STOR done.bin", xferPut(ctx, c, "STOR done.bin", []byte("done")))
		})

	r.Check("RFC959-4.2-1YZ-AT-MOST-ONE", "sends at most one preliminary reply per transfer command",
		Label("write"), func(ctx *Ctx) {
			c, name, _ := withFixture(ctx, 4096)
			for _, line := range []string{"RETR " + name, "LIST", "NLST"} {
				t, err := transferIn(ctx, c, ctx.defaultMode(c), line)
				ctx.must(err, "%s", line)
				judgeOnePrelim(ctx, line, t)
			}
			judgeOnePrelim(ctx, "STOR once.bin", xferPut(ctx, c, "STOR once.bin", []byte("once")))
			judgeOnePrelim(ctx, "APPE once.bin", xferPut(ctx, c, "APPE once.bin", []byte("again")))
		})

	r.Check("RFC959-4.2-1YZ-MEANING", "follows each preliminary reply with exactly one more reply for the same command",
		Label("write"), func(ctx *Ctx) {
			c, name, _ := withFixture(ctx, 4096)
			steps := []struct {
				line string
				run  func(string) *harness.Transfer
			}{
				{"RETR " + name, func(l string) *harness.Transfer { return mustTransferIn(ctx, c, l) }},
				{"LIST", func(l string) *harness.Transfer { return mustTransferIn(ctx, c, l) }},
				{"STOR one.bin", func(l string) *harness.Transfer { return xferPut(ctx, c, l, []byte("one")) }},
				{"APPE one.bin", func(l string) *harness.Transfer { return xferPut(ctx, c, l, []byte("two")) }},
			}
			for _, st := range steps {
				t := st.run(st.line)
				if t.Prelim == nil {
					continue
				}
				r, err := c.Cmd(ctx, "NOOP")
				if err != nil {
					ctx.failf("%s: after %s, NOOP got no reply: %v", st.line, t.ReplyChain(), err)
				}
				if r.Code != harness.ReplyOK {
					ctx.failf("%s: after %s, the next reply, read for a NOOP, was %s: a 1yz reply is followed by exactly one more reply for its command (RFC 959 §4.2), and this one had another", st.line, t.ReplyChain(), r)
				}
			}
		})

	r.Check("RFC959-3.4.1-STREAM-EOF", "ends stream-mode data by closing the data connection and keeps every byte as data",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			// Every byte value, runs of 0xFF and CR/LF pairs: nothing in
			// stream mode with file structure is an escape or a marker.
			data := binaryFixture(256 << 10)
			_, final := xferHalfClose(ctx, c, "STOR stream.bin", data)
			expectCode(ctx, "STOR completion reply after the end of the data", final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
			t := download(ctx, c, ctx.defaultMode(c), "RETR stream.bin")
			if !bytes.Equal(t.Data, data) {
				ctx.failf("STOR then RETR in TYPE I, MODE S: %s; in stream mode every byte is data and only the close of the data connection ends the file (RFC 959 §3.4.1)", firstDiff(t.Data, data))
			}
		})

	r.Check("RFC959-5.2-READ-ON-CLOSE", "reads an upload to its end when the client closes, then closes its own end",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(2 << 20)
			run, final := xferHalfClose(ctx, c, "STOR close.bin", data)
			if harness.Class(final.Code) != 2 {
				ctx.failf("STOR close.bin of %d bytes ended by a half-close: expected 226 or 250; got %s", len(data), final)
			}
			if got := xferFetch(ctx, c, "close.bin"); !bytes.Equal(got, data) {
				ctx.failf("STOR close.bin of %d bytes was answered %s, yet RETR returns another file (%s): the server did not read all the data that remained when the client closed the data connection (RFC 959 §5.2)", len(data), final, firstDiff(got, data))
			}
			if dr := run.Drain(ctx, ctx.cfg.Target.CloseGrace); !dr.Closed {
				ctx.failf("after the upload ended and %s, the server kept its end of the data connection open for %s: it should close it promptly once the client closed (RFC 959 §5.2)", final, ctx.cfg.Target.CloseGrace)
			}
		})

	r.Check("RFC959-4.2.1-425-426-451/reset", "answers 426 (or 451) when the client resets the data connection during RETR",
		Label("write"), func(ctx *Ctx) {
			c, name, data := withLargeFixture(ctx)
			run := xferStall(ctx, c, name)
			got := run.Received
			run.Reset()
			final, err := run.ReadFinal(ctx)
			if err != nil {
				ctx.failf("RETR %s: the client reset the data connection after %d of %d bytes; no completion reply followed: %v", name, got, len(data), err)
			}
			what := fmt.Sprintf("RETR %s, data connection reset by the client after %d of %d bytes", name, got, len(data))
			switch cl := harness.Class(final.Code); {
			case final.Code == harness.ReplyTransferAborted || final.Code == harness.ReplyLocalError:
			case cl == 4:
				ctx.failf("%s: expected 426 (connection closed; transfer aborted) or 451; got %s", what, final)
			case cl == 2:
				ctx.failf("%s: the server answered %s, which reports a completed transfer; expected 426 (or 451)", what, final)
			default:
				ctx.failf("%s: expected 426 (or 451); got %s, a reply of a class RFC 959 §5.4 does not allow after 1yz for RETR", what, final)
			}
		})
})

// stouFilePattern is RFC 1123 §4.1.2.9's form of the STOU preliminary reply
// ("125 FILE: pppp"), also as the first line of a multi-line reply, whose
// text starts the same way (RFC 959 §4.2).
var stouFilePattern = regexp.MustCompile(`^1(25|50)[ -]FILE: (.+)$`)

// stouName extracts the name from "125 FILE: name" or "150 FILE: name".
func stouName(r *harness.Reply) (string, bool) {
	if r == nil || len(r.Lines) == 0 {
		return "", false
	}
	m := stouFilePattern.FindStringSubmatch(r.Lines[0])
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[2]), true
}

// stouStart sets TYPE I and starts STOU (no argument: RFC 959 gives it
// none); a server that does not implement it (500, 502) skips the check,
// since RFC 1123 §4.1.5 makes STOU optional. Any other reply that does not
// start the transfer fails.
//
// The reply sequence (a 1yz first, then 226 or 250) is judged once, by
// RFC1123-4.1.2.9-STOU-PRELIM-ONLY (judge true); the other STOU checks
// skip when it is broken, so that one STOU defect is one failure.
func stouStart(ctx *Ctx, c *harness.Conn, judge bool) *harness.Running {
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	d := openData(ctx, c, ctx.defaultMode(c))
	run, err := c.Start(ctx, d, "STOU")
	DeferCleanup(run.Close)
	ctx.must(err, "STOU")
	if run.Prelim == nil {
		if notImplemented(run.Final) {
			Skip("STOU is not implemented (" + run.Final.String() + "); RFC 1123 §4.1.5 makes it optional")
		}
		if !judge {
			Skip(fmt.Sprintf("STOU got %s and no preliminary reply: judged by RFC1123-4.1.2.9-STOU-PRELIM-ONLY", run.Final))
		}
		ctx.failf("STOU: expected \"125 FILE: name\" or \"150 FILE: name\" before the data (RFC 1123 §4.1.2.9 replaces RFC 959's 250); got %s", run.Final)
	}
	return run
}

// stouCompleted skips the check when STOU did not complete with 2yz
// (judged by RFC1123-4.1.2.9-STOU-PRELIM-ONLY).
func stouCompleted(run *harness.Running, final *harness.Reply) {
	if harness.Class(final.Code) != 2 {
		Skip(fmt.Sprintf("STOU got %s, then %s: the completion is judged by RFC1123-4.1.2.9-STOU-PRELIM-ONLY", run.Prelim, final))
	}
}

// stouFinish sends data, closes the data connection and reads the
// completion reply.
func stouFinish(ctx *Ctx, run *harness.Running, data []byte) *harness.Reply {
	ctx.must(run.Write(ctx, data), "STOU: sending %d bytes", len(data))
	run.Close()
	final, err := run.ReadFinal(ctx)
	ctx.must(err, "STOU: reading the completion reply after %s", run.Prelim)
	return final
}

// baseNames lists the working directory's names (last path element).
func baseNames(ctx *Ctx, c *harness.Conn) map[string]bool {
	l, err := listNames(ctx, c, "")
	ctx.must(err, "NLST of the scratch directory")
	out := map[string]bool{}
	for _, n := range l.Names() {
		out[n] = true
	}
	return out
}

// mustTransferIn runs a download command in the default mode.
func mustTransferIn(ctx *Ctx, c *harness.Conn, line string) *harness.Transfer {
	t, err := transferIn(ctx, c, ctx.defaultMode(c), line)
	ctx.must(err, "%s", line)
	return t
}

// judgeCompletion fails unless a transfer that started ended with 226 or
// 250.
func judgeCompletion(ctx *Ctx, line string, t *harness.Transfer) {
	if t.Prelim == nil {
		ctx.failf("%s: expected 125 or 150, then 226 or 250; got %s with no preliminary reply", line, t.ReplyChain())
	}
	expectCode(ctx, line+": completion reply after "+t.Prelim.String()+" for a transfer that moved all its data", t.Final, nil, harness.ReplyClosingData, harness.ReplyFileActionOK)
}

// judgeOnePrelim fails when a transfer's second reply is preliminary too.
func judgeOnePrelim(ctx *Ctx, line string, t *harness.Transfer) {
	if t.Final != nil && harness.IsPreliminary(t.Final.Code) {
		ctx.failf("%s: two preliminary replies, %s then %s; a command gets at most one 1yz reply (RFC 959 §4.2)", line, t.Prelim, t.Final)
	}
}
