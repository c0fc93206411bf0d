package suites

import (
	"bytes"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Restart in stream mode (RFC 3659 §5): REST n makes the next RETR or STOR
// skip the first n octets of the transfer's stream. REST is optional (RFC
// 1123 §4.1.5); a server that lists "REST STREAM" in FEAT must do it as
// specified. The RFC 959 checks of REST (rfc959_restart.go) judge its
// reply codes and one restarted RETR and STOR; these judge what RFC 3659
// adds: offsets at the edges, REST 0, the stream of TYPE A, a marker that
// applies once, the resumption of an upload, APPE after REST and the FEAT
// line.

func init() {
	// RFC 3659 §5.3: "The effect of issuing a REST command at any other
	// time is undefined. The server-PI may react to a badly positioned
	// REST command by issuing an error response to the following
	// command, not being a restartable data transfer command, or it may
	// save the restart value and apply it to the next data transfer
	// command, or it may silently ignore the inappropriate restart
	// attempt."
	NotCovered["RFC3659-5.3-REST-POSITION"] = "a permission: RFC 3659 §5.3 allows every reaction to a REST that no transfer follows (an error on the next command, the offset kept, the REST ignored), so there is nothing to fail"
}

var _ = describe("Restart in stream mode with REST (RFC 3659 §5)", Label("transfer", "rest"), func(r *Run) {

	// RFC 3659 §5.3: "The server-PI will respond to the REST command with
	// a 350 reply, indicating that the REST parameter has been saved";
	// "A value of zero effectively disables restart". A server that lists
	// REST STREAM must accept both.
	r.Check("RFC3659-5.3-REST-350", "answers 350 to REST 0 and REST n when FEAT lists REST STREAM",
		func(ctx *Ctx) {
			c := login(ctx)
			if !ctx.cfg.Facts.HasFeature("REST STREAM") {
				Skip("FEAT does not list REST STREAM (RFC959-5.4-REST-CODES judges the replies to REST of such servers)")
			}
			setType(ctx, c, "I")
			for _, line := range []string{"REST 1000", "REST 0"} {
				rp := extCmd(ctx, c, "REST STREAM", line)
				if rp.Code != harness.ReplyPendingInfo {
					ctx.failf("%s: FEAT lists REST STREAM, so REST with an offset in stream mode is answered 350; got %s (RFC 3659 §5.3: \"The server-PI will respond to the REST command with a 350 reply\")", line, rp)
				}
			}
		})

	// RFC 3659 §5.3: "An error response will follow a REST command only
	// when the server does not implement the command, or when the restart
	// marker value is syntactically invalid for the current transfer
	// mode ... Any other errors, including such problems as restart
	// marker out of range, should be reported when the following transfer
	// command is issued."
	r.Check("RFC3659-5.3-REST-SYNTAX", "accepts REST with an offset beyond 32 bits, leaving range errors to the transfer command",
		func(ctx *Ctx) {
			c := login(ctx)
			setType(ctx, c, "I")
			extCmd(ctx, c, "REST STREAM", "REST 0") // is REST there at all?
			const line = "REST 5000000000"
			rp := cmd(ctx, c, line)
			if cl := harness.Class(rp.Code); rp.Code != harness.ReplyPendingInfo && cl != 4 && cl != 5 {
				ctx.infof("%s answered %s, not 350 (judged by RFC3659-5.3-REST-350)", line, rp)
			} else if rp.Code != harness.ReplyPendingInfo {
				ctx.failf("%s answered %s: the offset is syntactically valid (1*DIGIT), and whether it lies beyond the end of a file is a range problem that RFC 3659 §5.3 reports on the transfer command that follows, not on REST", line, rp)
			}
			cmd(ctx, c, "REST 0")
		})

	// RFC 3659 §5.3: "The numeric value gives the number of octets of the
	// immediately-following transfer to not actually send"; §5.1: with
	// TYPE I "the file will be stored exactly in the same format as it is
	// sent", so the offset is an offset into the file.
	r.Check("RFC3659-5.1-REST-OFFSET", "restarts RETR in TYPE I exactly at octet n: after the first octet, at 64 KiB, before the last",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c, u := withUpload(ctx, 70000)
			for _, n := range []int64{1, 65536, int64(len(u.data) - 1)} {
				t := restart(ctx, c, n, "RETR "+u.name, nil)
				if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
					ctx.failf("REST %d, then RETR of the %d-octet %s: expected 125 or 150, then 226 or 250; got %s (data: %v)", n, len(u.data), u.name, t.ReplyChain(), t.DataErr)
				}
				if want := u.data[n:]; !bytes.Equal(t.Data, want) {
					ctx.failf("REST %d, then RETR of the %d-octet %s in TYPE I: expected the %d octets from offset %d; got %d octets%s: %s (RFC 3659 §5.3: the value is \"the number of octets of the immediately-following transfer to not actually send\")",
						n, len(u.data), u.name, len(want), n, len(t.Data), offsetHint(t.Data, u.data, n), firstDiff(t.Data, want))
				}
			}
		})

	// RFC 3659 §5.3: "With STOR, however, the server must insert the data
	// into the file named." §5.1 describes the use: a client resumes an
	// upload at the offset where what the server holds ends.
	r.Check("RFC3659-5.3-REST-STOR", "resumes an upload: STOR after REST n, n the octets the server holds, completes the file",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c := login(ctx)
			scratch(ctx, c)
			data := binaryFixture(5000)
			const k = 2000
			const name = "resume.bin"
			upload(ctx, c, ctx.fixtureMode(c), name, data[:k]) // the interrupted first part
			t := restart(ctx, c, k, "STOR "+name, data[k:])
			if t.Prelim == nil && t.Final != nil && (harness.Class(t.Final.Code) == 4 || harness.Class(t.Final.Code) == 5) {
				Skip("the server does not restart uploads: STOR after REST got " + t.Final.String())
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("REST %d, then STOR %s of the remaining %d octets: expected 125 or 150, then 226 or 250; got %s (data: %v)", k, name, len(data)-k, t.ReplyChain(), t.DataErr)
			}
			got := fetchWhole(ctx, c, name)
			if !bytes.Equal(got, data) {
				hint := ""
				if bytes.Equal(got, data[k:]) {
					hint = " (only the second part: STOR ignored the offset and replaced the file)"
				}
				ctx.failf("STOR of the first %d octets of a %d-octet file, REST %d, STOR of the rest: the file now holds %d octets%s; %s (RFC 3659 §5.3: \"With STOR, however, the server must insert the data into the file named\")",
					k, len(data), k, len(got), hint, firstDiff(got, data))
			}
		})

	// RFC 3659 §5.3: "A value of zero effectively disables restart,
	// causing the entire file to be transmitted", and: a user-PI whose
	// REST was not followed by a transfer "should send another REST
	// command before the next data transfer command. If that transfer is
	// not to be restarted, then "REST 0" should be issued."
	r.Check("RFC3659-5.3-REST-ZERO", "sends the whole file when REST n is followed by REST 0 and RETR",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c, u := withUpload(ctx, 3000)
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			rest(ctx, c, 1000)
			rp := extCmd(ctx, c, "REST STREAM", "REST 0")
			if cl := harness.Class(rp.Code); rp.Code != harness.ReplyPendingInfo && cl != 4 && cl != 5 {
				ctx.infof("REST 0 answered %s, not 350 (judged by RFC3659-5.3-REST-350)", rp)
			} else if rp.Code != harness.ReplyPendingInfo {
				// §5.3 lets a server answer a badly positioned REST (the
				// REST 1000 that no transfer followed) with an error to
				// the next command.
				Skip("REST 0 after REST 1000 was answered " + rp.String() + ", which RFC 3659 §5.3 allows after a REST that no transfer followed (RFC3659-5.3-REST-350 judges REST 0 on its own)")
			}
			t, err := c.Retrieve(ctx, d, "RETR "+u.name)
			ctx.must(err, "REST 1000, REST 0, RETR %s", u.name)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("REST 1000, REST 0, then RETR %s: expected 125 or 150, then 226 or 250; got %s (data: %v)", u.name, t.ReplyChain(), t.DataErr)
			}
			if !bytes.Equal(t.Data, u.data) {
				hint := ""
				if bytes.Equal(t.Data, u.data[1000:]) {
					hint = " (from offset 1000: REST 0 did not cancel the REST 1000 before it)"
				}
				ctx.failf("REST 1000, REST 0, then RETR of the %d-octet %s: got %d octets%s; %s (RFC 3659 §5.3: \"A value of zero effectively disables restart, causing the entire file to be transmitted\")",
					len(u.data), u.name, len(t.Data), hint, firstDiff(t.Data, u.data))
			}
		})

	// RFC 3659 §5.3: REST gives "the number of octets of the
	// immediately-following transfer to not actually send"; the transfer
	// after that one is not restarted.
	r.Check("RFC3659-5.3-REST-ONCE", "applies a REST offset to the next transfer only",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c, u := withUpload(ctx, 3000)
			t := restart(ctx, c, 1000, "RETR "+u.name, nil)
			if !bytes.Equal(t.Data, u.data[1000:]) {
				ctx.infof("REST 1000, then RETR %s did not send the octets from offset 1000 (%s; judged by RFC3659-5.1-REST-OFFSET)", u.name, t.ReplyChain())
				return
			}
			again := download(ctx, c, ctx.defaultMode(c), "RETR "+u.name)
			if !bytes.Equal(again.Data, u.data) {
				hint := ""
				if bytes.Equal(again.Data, u.data[1000:]) {
					hint = " (from offset 1000 again: the REST still applied)"
				}
				ctx.failf("REST 1000, RETR %s, then RETR %s once more without REST: the second transfer sent %d of the %d octets%s; a REST marker restarts \"the immediately-following transfer\" only (RFC 3659 §5.3)",
					u.name, u.name, len(again.Data), len(u.data), hint)
			}
		})

	// RFC 3659 §5.3: "Server-FTP processes may permit transfer commands
	// other than RETR and STOR, such as APPE and STOU, to complete a
	// restart; however, this is not recommended. ... If APPE (append) is
	// permitted, it MUST act identically to STOR when a restart marker
	// has been set. That is, in both cases, octets from the data
	// connection are placed into the file at the location indicated by
	// the restart marker value."
	r.Check("RFC3659-5.3-REST-RETR-STOR", "writes APPE after REST n at octet n, as STOR does, or refuses it",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c := login(ctx)
			scratch(ctx, c)
			const name = "appe.bin"
			upload(ctx, c, ctx.fixtureMode(c), name, []byte("01234"))
			t := restart(ctx, c, 5, "APPE "+name, []byte("56789"))
			if t.Prelim == nil && t.Final != nil && (harness.Class(t.Final.Code) == 4 || harness.Class(t.Final.Code) == 5) {
				ctx.infof("APPE after REST 5 was refused (%s): RFC 3659 §5.3 recommends RETR and STOR only to complete a restart", t.Final)
				return
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("REST 5, then APPE %s: expected 125 or 150, then 226 or 250, or a refusal; got %s (data: %v)", name, t.ReplyChain(), t.DataErr)
			}
			got := fetchWhole(ctx, c, name)
			if string(got) != "0123456789" {
				hint := ""
				if len(got) > 10 && string(got[:5]) == "01234" && string(got[len(got)-5:]) == "56789" {
					hint = " (the data went to the end of the file plus the offset, not to the offset)"
				}
				ctx.failf("STOR \"01234\", REST 5, APPE \"56789\": RETR returns %q%s; expected \"0123456789\" (RFC 3659 §5.3: if APPE is permitted after REST \"it MUST act identically to STOR\", the octets placed \"at the location indicated by the restart marker value\")", got, hint)
			}
		})

	// RFC 3659 §5.2: "With type ASCII, the SIZE would be the number of
	// octets in the file including any modifications required to satisfy
	// the TYPE ASCII CR-LF end-of-line convention", and §5.1: a restart
	// marker is "the octet offset into the data stream". In TYPE A the
	// offset counts octets of the stream that crosses the data
	// connection, line ends as CRLF.
	r.Check("RFC3659-5.2-REST-ASCII", "counts a TYPE A restart offset in octets of the TYPE A stream",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			c := login(ctx)
			scratch(ctx, c)
			u := timedUpload(ctx, c, "lines.txt", textFixture)
			n := int64(3*len("ftpconform text line\n") + 5) // past three line ends
			setType(ctx, c, "A")
			full := fetch(ctx, c, u.name)
			// The offset in TYPE I: a restart that is wrong there is
			// RFC3659-5.1-REST-OFFSET's finding.
			setType(ctx, c, "I")
			if t := restart(ctx, c, n, "RETR "+u.name, nil); !bytes.Equal(t.Data, u.data[n:]) {
				ctx.infof("REST %d, then RETR %s in TYPE I did not send the octets from offset %d (%s; judged by RFC3659-5.1-REST-OFFSET)", n, u.name, n, t.ReplyChain())
				return
			}
			setType(ctx, c, "A")
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			line := fmt.Sprintf("REST %d", n)
			rp := extCmd(ctx, c, "REST STREAM", line)
			switch cl := harness.Class(rp.Code); {
			case cl == 4 || cl == 5:
				Skip(fmt.Sprintf("%s in TYPE A was refused (%s): the server does not restart TYPE A transfers", line, rp))
			case rp.Code != harness.ReplyPendingInfo:
				ctx.infof("%s in TYPE A answered %s, not 350 (judged by RFC3659-5.3-REST-350)", line, rp)
			}
			t, err := c.Retrieve(ctx, d, "RETR "+u.name)
			ctx.must(err, "%s, then RETR %s in TYPE A", line, u.name)
			if t.Prelim == nil && t.Final != nil && (harness.Class(t.Final.Code) == 4 || harness.Class(t.Final.Code) == 5) {
				Skip(fmt.Sprintf("RETR after %s in TYPE A was refused (%s): the server does not restart TYPE A transfers", line, t.Final))
			}
			if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
				ctx.failf("%s, then RETR %s in TYPE A: expected 125 or 150, then 226 or 250; got %s (data: %v)", line, u.name, t.ReplyChain(), t.DataErr)
			}
			if want := full[n:]; !bytes.Equal(t.Data, want) {
				hint := ""
				if bytes.Equal(t.Data, toCRLF(u.data[n:])) && !bytes.Equal(full, u.data) {
					hint = ": the offset was counted in octets of the file as stored, not of the TYPE A stream (which has a CR before each LF)"
				}
				ctx.failf("%s, then RETR of %s in TYPE A: expected the %d octets from offset %d of what RETR in TYPE A sends; got %d octets%s; %s (RFC 3659 §5.1, §5.2: the marker is the octet offset into the data stream)",
					line, u.name, len(want), n, len(t.Data), hint, firstDiff(t.Data, want))
			}
		})

	// RFC 3659 §5.4: "Where a server-FTP process supports RESTart in
	// STREAM mode, as specified here, it MUST include, in the response to
	// the FEAT command, a line containing exactly the string "REST
	// STREAM"."
	r.Check("RFC3659-5.4-REST-FEAT", "lists REST STREAM in FEAT exactly when REST works in stream mode",
		func(ctx *Ctx) {
			c := login(ctx)
			f := sessionFeatures(ctx, c)
			setType(ctx, c, "I")
			rp := cmd(ctx, c, "REST 100")
			cmd(ctx, c, "REST 0")
			listed := f.Has("REST STREAM")
			const rule = "RFC 3659 §5.4: a server that supports restart in stream mode \"MUST include, in the response to the FEAT command, a line containing exactly the string \"REST STREAM\"\""
			switch {
			case rp.Code == harness.ReplyPendingInfo && !listed:
				ctx.failf("REST 100 in stream mode answered %s, but FEAT does not list REST STREAM: the listing holds %q (%s)", rp, f.Names(), rule)
			case notImplemented(rp) && listed:
				ctx.failf("FEAT lists REST STREAM, but REST 100 answered %s: a feature FEAT lists must be implemented (%s)", rp, rule)
			case listed && rp.Code != harness.ReplyPendingInfo:
				ctx.infof("FEAT lists REST STREAM and REST 100 answered %s (judged by RFC3659-5.3-REST-350)", rp)
			case !listed:
				Skip("REST in stream mode is not offered (REST 100 answered " + rp.String() + ") and FEAT does not list REST STREAM")
			}
		})
})

// offsetHint explains a restarted download that went wrong in a common
// way.
func offsetHint(got, file []byte, n int64) string {
	switch {
	case bytes.Equal(got, file):
		return " (the whole file: the offset was ignored)"
	case n > 0 && bytes.Equal(got, file[n-1:]):
		return " (from offset " + fmt.Sprint(n-1) + ": one octet early, as if offsets counted from 1)"
	case int(n) < len(file) && bytes.Equal(got, file[n+1:]):
		return " (from offset " + fmt.Sprint(n+1) + ": one octet late)"
	}
	return ""
}
