package suites

import (
	"bytes"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Data representation (RFC 959 §3.1) and the transfer parameter commands
// TYPE, STRU and MODE (RFC 959 §4.1.2, §5.1, §5.4; RFC 1123 §4.1.2.1-4).
//
// How TYPE A looks on the wire depends on the server's own end-of-line
// convention, which the harness cannot see. The checks therefore compare
// the server with itself (TYPE A against TYPE I, a round trip against what
// was sent) and use SYST only where a verdict needs the convention: a
// UNIX-type system ends its text lines with LF.

var _ = describe("Data representation types (RFC 959 §3.1.1, §5.1)", Label("params", "data"), func(r *Run) {
	r.Check("RFC959-5.1-DEFAULTS", "transfers in TYPE A on a session that has sent no TYPE command",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			dir := scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "lines.txt", textLF)
			fresh := loginAt(ctx, dir)
			d0 := download(ctx, fresh, ctx.defaultMode(fresh), "RETR lines.txt").Data
			dI := retrieveIn(ctx, fresh, "I", "lines.txt")
			dA := retrieveIn(ctx, fresh, "A", "lines.txt")
			if bytes.Equal(dA, dI) {
				Skip("the default TYPE cannot be observed: this server sends the LF text identically in TYPE A and TYPE I (see RFC959-3.1.1.1-ASCII-CRLF/retr)")
			}
			switch {
			case bytes.Equal(d0, dA):
				ctx.infof("a new session transfers like TYPE A (%d bytes for the %d-byte file); MODE S and STRU F in force (the transfer ended with the data connection's close)", len(d0), len(textLF))
			case bytes.Equal(d0, dI):
				ctx.failf("RETR on a session that sent no TYPE command delivered %d bytes, identical to TYPE I, while TYPE A delivers %d bytes with CRLF line ends: the default type is not ASCII Non-print (RFC 959 §5.1: TYPE A N is the default)", len(d0), len(dA))
			default:
				ctx.failf("RETR on a session that sent no TYPE command delivered %s, like neither TYPE A (%s) nor TYPE I; the default type must be ASCII Non-print (RFC 959 §5.1)", describeText(d0), describeText(dA))
			}
		})

	r.Check("RFC959-3.1.1.1-ASCII-CRLF/retr", "sends a text file with CRLF line ends in TYPE A",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "lines.txt", textLF)
			got := retrieveIn(ctx, c, "A", "lines.txt")
			want := toCRLF(textLF)
			switch {
			case bytes.Equal(got, want):
			case bytes.Equal(got, textLF):
				name, unix := systemType(ctx, c)
				if !unix {
					ctx.infof("TYPE A RETR sent the LF line ends unconverted; SYST says %q, so LF may not be this system's line end, and the harness cannot judge", name)
					return
				}
				ctx.failf("TYPE A RETR of a file whose lines end in LF (uploaded in TYPE I) sent the LF line ends unconverted: %d bytes, identical to TYPE I, instead of %d bytes with CRLF. "+
					"RFC 959 §3.1.1.1: in TYPE A the sender converts its own end-of-line convention to CRLF on the data connection; SYST says %q, a UNIX-type system whose convention is LF, so every LF must go out as CRLF. "+
					"The server sends TYPE A like TYPE I", len(got), len(want), name)
			default:
				ctx.failf("TYPE A RETR of a file with LF line ends: expected the file with every LF sent as CRLF (%d bytes); got %d bytes: %s; got %s", len(want), len(got), firstDiff(got, want), describeText(got))
			}
		})

	r.Check("RFC959-3.1.1.1-ASCII-CRLF/stor", "returns a text file stored in TYPE A unchanged when it is retrieved in TYPE A",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			sent := toCRLF(textLF)
			storeIn(ctx, c, "A", "crlf.txt", sent)
			got := retrieveIn(ctx, c, "A", "crlf.txt")
			stored := retrieveIn(ctx, c, "I", "crlf.txt")
			var form string
			switch {
			case bytes.Equal(stored, textLF):
				form = "with LF line ends (CRLF converted to the UNIX convention)"
			case bytes.Equal(stored, sent):
				form = "with the CRLF line ends as sent"
			default:
				form = fmt.Sprintf("as %s", describeText(stored))
			}
			ctx.infof("TYPE A STOR of %d bytes with CRLF line ends: the server stored %d bytes %s", len(sent), len(stored), form)
			if !bytes.Equal(got, sent) {
				hint := ""
				if bytes.Contains(got, []byte("\r\r\n")) && bytes.Equal(stored, sent) {
					hint = "; the server stored the CRLF line ends verbatim and converted them again on RETR (CR CR LF)"
				}
				ctx.failf("TYPE A STOR then TYPE A RETR does not return the text sent: %s%s; the receiver converts CRLF to its own convention and the sender converts it back (RFC 959 §3.1.1.1), so the round trip must be exact. Stored %s; got %s",
					firstDiff(got, sent), hint, form, describeText(got))
			}
		})

	r.Check("RFC959-3.1.1.1-ASCII-8BIT", "keeps bytes 0x80 to 0xFF unchanged in TYPE A",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "eight-bit.txt", text8bit)
			// Line ends are the business of ASCII-CRLF: compare without CRs
			// (the fixture has none).
			got := retrieveIn(ctx, c, "A", "eight-bit.txt")
			if !bytes.Equal(dropCR(got), text8bit) {
				ctx.failf("TYPE A RETR of UTF-8 text and bytes 0x80-0xFF changed bytes other than line ends (CRs removed before comparing): %s; RFC 959 §3.1.1.1 handles NVT-ASCII data as 8-bit bytes", firstDiff(dropCR(got), text8bit))
			}
			storeIn(ctx, c, "A", "eight-bit-stored.txt", toCRLF(text8bit))
			got = retrieveIn(ctx, c, "A", "eight-bit-stored.txt")
			if !bytes.Equal(dropCR(got), text8bit) {
				ctx.failf("TYPE A STOR then TYPE A RETR of UTF-8 text and bytes 0x80-0xFF changed bytes other than line ends (CRs removed before comparing): %s; RFC 959 §3.1.1.1 handles NVT-ASCII data as 8-bit bytes", firstDiff(dropCR(got), text8bit))
			}
		})

	r.Check("RFC959-3.1.1.3-IMAGE-RECOMMENDED", "accepts TYPE I with 200",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "TYPE I")
			expectCode(ctx, "TYPE I (image type: every implementation accepts it, RFC 959 §3.1.1.3, RFC 1123 §4.1.2.13)", r, err, harness.ReplyOK)
		})

	r.Check("RFC1123-4.1.2.1-L8-EQ-I", "delivers the same bytes in TYPE L 8 as in TYPE I",
		Label("write"), func(ctx *Ctx) {
			c, name, data := withFixture(ctx, 64<<10)
			if r, ok := acceptedParam(ctx, c, "TYPE L 8"); !ok {
				Skip(fmt.Sprintf("TYPE L 8 is not accepted (%s); RFC1123-4.1.2.13-MIN-TYPES judges that", r))
			}
			dI := retrieveIn(ctx, c, "I", name)
			dL := retrieveIn(ctx, c, "L 8", name)
			if !bytes.Equal(dL, dI) {
				ctx.failf("RETR in TYPE L 8 differs from RETR in TYPE I: %s; with a logical byte size of 8 on a host with 8-bit bytes, TYPE L 8 moves the bytes unchanged, like TYPE I (RFC 959 §3.1.1.4, RFC 1123 §4.1.2.1)", firstDiff(dL, dI))
			}
			if !bytes.Equal(dL, data) {
				ctx.failf("RETR in TYPE L 8 differs from the %d bytes stored: %s", len(data), firstDiff(dL, data))
			}
		})

	r.Check("RFC959-3.1.1.4-LOCAL-INVERTIBLE", "returns a file stored in TYPE L 8 byte for byte in TYPE L 8",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			if r, ok := acceptedParam(ctx, c, "TYPE L 8"); !ok {
				Skip(fmt.Sprintf("TYPE L 8 is not accepted (%s); RFC1123-4.1.2.13-MIN-TYPES judges that", r))
			}
			data := binaryFixture(48 << 10)
			storeIn(ctx, c, "L 8", "local8.bin", data)
			got := retrieveIn(ctx, c, "L 8", "local8.bin")
			if !bytes.Equal(got, data) {
				ctx.failf("STOR then RETR in TYPE L 8 does not return the %d bytes sent: %s; the storage transformation of TYPE L must be invertible (RFC 959 §3.1.1.4)", len(data), firstDiff(got, data))
			}
		})

	r.Check("RFC1123-4.1.2.2-TYPE-AT", "accepts TYPE A T and transfers as in TYPE A N",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "lines.txt", textLF)
			r := cmd(ctx, c, "TYPE A T")
			if judgeCode(r.Code, permitted["TYPE"]) == codeWrong {
				Skip(fmt.Sprintf("TYPE A T got %s, a reply RFC 959 §5.4 does not list for TYPE: judged by RFC959-5.4-TYPE-CODES", r))
			}
			if r.Code != harness.ReplyOK {
				expectCode(ctx, "TYPE A T (RFC 1123 §4.1.2.2: a host where the Telnet format is identical to Non-print should accept it)", r, nil, harness.ReplyOK)
				return
			}
			dT := download(ctx, c, ctx.defaultMode(c), "RETR lines.txt").Data
			dN := retrieveIn(ctx, c, "A N", "lines.txt")
			if !bytes.Equal(dT, dN) {
				ctx.failf("RETR in TYPE A T differs from RETR in TYPE A N: %s; RFC 1123 §4.1.2.2: a host that makes no distinction between the formats treats T as N", firstDiff(dT, dN))
			}
		})

	r.Check("RFC959-4.1.2-TYPE-PERSIST/consecutive-transfers", "keeps TYPE I for every transfer until TYPE changes",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "lines.txt", textLF)
			for i := 1; i <= 3; i++ {
				got := download(ctx, c, ctx.defaultMode(c), "RETR lines.txt").Data
				if !bytes.Equal(got, textLF) {
					ctx.failf("RETR number %d after a single TYPE I (with NOOP and PWD in between) did not deliver the file byte for byte: %s; the server must remember the type until it is changed (RFC 959 §4.1.2)", i, firstDiff(got, textLF))
				}
				cmd(ctx, c, "NOOP")
				cmd(ctx, c, "PWD")
			}
		})

	r.Check("RFC959-4.1.2-TYPE-PERSIST/other-session", "keeps a session's TYPE when another session changes its own",
		Label("write"), func(ctx *Ctx) {
			observer := login(ctx)
			setType(ctx, observer, "A")
			c := login(ctx)
			dir := scratch(ctx, c)
			upload(ctx, c, ctx.defaultMode(c), "lines.txt", textLF) // TYPE I on the other session
			if r := cmd(ctx, observer, "CWD "+dir); harness.Class(r.Code) != 2 {
				ctx.failf("the observing session cannot enter the scratch directory: CWD %s: %s", dir, r)
			}
			d1 := download(ctx, observer, ctx.defaultMode(observer), "RETR lines.txt").Data
			d2 := retrieveIn(ctx, observer, "A", "lines.txt")
			if bytes.Equal(d2, textLF) {
				ctx.infof("TYPE A sends this LF text unconverted, so a change of type is not observable here")
			}
			if !bytes.Equal(d1, d2) {
				ctx.failf("a session in TYPE A delivered %s after another session sent TYPE I, and %s once it sent TYPE A again: the other session's TYPE changed this one's; transfer parameters belong to the session and persist until it changes them (RFC 959 §4.1.2)", describeText(d1), describeText(d2))
			}
		})

	r.Check("RFC959-4.1.2-FORMAT-RESET", "resets the format to Non-print when TYPE A comes without a format",
		func(ctx *Ctx) {
			c := login(ctx)
			if r, ok := acceptedParam(ctx, c, "TYPE A T"); !ok {
				Skip(fmt.Sprintf("TYPE A T is not accepted (%s): there is no format to reset", r))
			}
			if r, ok := acceptedParam(ctx, c, "TYPE A N"); !ok {
				Skip(fmt.Sprintf("TYPE A N is not accepted (%s; RFC1123-4.1.2.13-MIN-TYPES reports that): the formats cannot be compared", r))
			}
			before := statLines(ctx, c)
			if r, ok := acceptedParam(ctx, c, "TYPE A T"); !ok {
				ctx.failf("TYPE A T was accepted once and then refused: %s", r)
			}
			telnet := statLines(ctx, c)
			setType(ctx, c, "A")
			reset := statLines(ctx, c)
			setType(ctx, c, "A N")
			after := statLines(ctx, c)
			if before == nil || telnet == nil || reset == nil || after == nil {
				ctx.infof("STAT gives no status: the format is not observable; TYPE A T and TYPE A were accepted")
				return
			}
			b, a, t := lineSet(before), lineSet(after), lineSet(telnet)
			var tOnly, nOnly []string
			for _, l := range telnet {
				if !b[l] && !a[l] {
					tOnly = append(tOnly, l)
				}
			}
			for _, l := range before {
				if a[l] && !t[l] {
					nOnly = append(nOnly, l)
				}
			}
			if len(tOnly) == 0 || len(nOnly) == 0 {
				ctx.infof("STAT shows no difference between the Telnet and Non-print formats: the reset is not observable; TYPE A T and TYPE A were accepted")
				return
			}
			r := lineSet(reset)
			keptT, gotN := false, false
			for _, l := range tOnly {
				keptT = keptT || r[l]
			}
			for _, l := range nOnly {
				gotN = gotN || r[l]
			}
			if keptT && !gotN {
				ctx.failf("after TYPE A T and then TYPE A, STAT still shows %q as after TYPE A T, not %q as after TYPE A N: a TYPE with only the first parameter resets the format to the default, Non-print (RFC 959 §4.1.2)", strings.Join(tOnly, " / "), strings.Join(nOnly, " / "))
			}
		})
})

var _ = describe("Transfer parameter commands (RFC 959 §4.1.2, §5.4)", Label("params"), func(r *Run) {
	r.Check("RFC959-5.4-STRU-CODES", "answers STRU F with 200 and an unknown structure code with 501 or 504",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "STRU F")
			expectCode(ctx, "STRU F (file structure, the default)", r, err, harness.ReplyOK)
			// STRU P is a valid structure code (RFC 1123 §4.1.2.3 only
			// says it should not be implemented): 200 or 504.
			r, err = c.Cmd(ctx, "STRU P")
			if r = expectCode(ctx, "STRU P (a valid structure: 200 if implemented, else 504)", r, err, harness.ReplyOK, harness.ReplyNotImplParam); r != nil && harness.Class(r.Code) == 2 {
				cmd(ctx, c, "STRU F")
			}
			r, err = c.Cmd(ctx, "STRU X")
			expectCode(ctx, "STRU X (no such structure code: 501, or 504)", r, err, harness.ReplySyntaxErrorParams, harness.ReplyNotImplParam)
		})

	r.Check("RFC959-5.4-MODE-CODES", "answers MODE with 200, 501 or 504 as the mode code calls for",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "MODE S")
			expectCode(ctx, "MODE S (stream mode, the default)", r, err, harness.ReplyOK)
			for _, line := range []string{"MODE B", "MODE C"} {
				r, err := c.Cmd(ctx, line)
				r = expectCode(ctx, line+" (a valid mode: 200 if implemented, else 504)", r, err, harness.ReplyOK, harness.ReplyNotImplParam)
				if r != nil && harness.Class(r.Code) == 2 {
					cmd(ctx, c, "MODE S")
				}
			}
			r, err = c.Cmd(ctx, "MODE X")
			expectCode(ctx, "MODE X (no such mode code: 501, or 504)", r, err, harness.ReplySyntaxErrorParams, harness.ReplyNotImplParam)
		})

	r.Check("RFC1123-4.1.2.3-NO-PAGE", "does not offer page structure (STRU P answered 504)",
		func(ctx *Ctx) {
			c := login(ctx)
			r := cmd(ctx, c, "STRU P")
			switch {
			case r.Code == harness.ReplyNotImplParam:
			case judgeCode(r.Code, permitted["STRU"]) == codeWrong:
				Skip(fmt.Sprintf("STRU P got %s, a reply RFC 959 §5.4 does not list for STRU: judged by RFC959-5.4-STRU-CODES", r))
			case harness.Class(r.Code) == 2:
				ctx.infof("STRU P is accepted (%s); RFC 1123 §4.1.2.3 says page structure should not be implemented, but it only matters to hosts with paged files", r)
				cmd(ctx, c, "STRU F")
			default:
				expectCode(ctx, "STRU P (page structure should not be implemented, RFC 1123 §4.1.2.3: 504)", r, nil, harness.ReplyNotImplParam)
			}
		})

	r.Check("RFC1123-4.1.2.13-STRU-R", "answers STRU R with 200 or 504",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "STRU R")
			r = expectCode(ctx, "STRU R (200 where the file system has records, else 200 or 504)", r, err, harness.ReplyOK, harness.ReplyNotImplParam)
			switch {
			case r == nil:
			case harness.Class(r.Code) == 2:
				ctx.infof("STRU R is accepted (%s); a host without records may store the byte stream as is (RFC 1123 §4.1.2.13)", r)
				r, err := c.Cmd(ctx, "STRU F")
				expectCode(ctx, "STRU F after STRU R", r, err, harness.ReplyOK)
			case r.Code == harness.ReplyNotImplParam:
				ctx.infof("STRU R is refused (%s): RFC 1123 §4.1.2.13 requires record structure only where the file system has records", r)
			}
		})

	r.Check("RFC959-3.1.2-STRU-R-959", "reports whether record structure is accepted, as RFC 959 asked of every implementation",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "STRU R")
			if err == nil && r.Code == harness.ReplyNotImplParam {
				ctx.infof("STRU R is refused (%s): RFC 959 §3.1.2 asked every implementation to accept record structure for text files; RFC 1123 §4.1.2.13 later limited that to file systems with records, so this is informational", r)
				return
			}
			expectCode(ctx, "STRU R (RFC 959 §3.1.2: record structure accepted for text files; 504 is informational)", r, err, harness.ReplyOK, harness.ReplyNotImplParam)
		})

	r.Check("RFC1123-4.1.2.4-INVERTIBLE", "returns records stored with STRU R unchanged when they are retrieved with STRU R",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			if r, ok := acceptedParam(ctx, c, "STRU R"); !ok {
				Skip(fmt.Sprintf("STRU R is not accepted (%s): record structure is only required where the file system has records (RFC 1123 §4.1.2.13)", r))
			}
			records := [][]byte{
				[]byte("first record"),
				[]byte("second record, caf\xc3\xa9"),
				{},
				[]byte("a record holding \xff, sent doubled"),
				[]byte("last record"),
			}
			stream := harness.EncodeRecords(records)
			storeIn(ctx, c, "I", "records.dat", stream)
			got := retrieveIn(ctx, c, "I", "records.dat")
			back, err := harness.DecodeRecords(got)
			if err != nil {
				ctx.failf("STOR then RETR with STRU R: the data is no record stream (RFC 959 §3.4.1): %v; got %s", err, describeText(got))
				return
			}
			if ok, diff := sameRecords(back, records); !ok {
				ctx.failf("STOR then RETR with STRU R does not return the %d records sent: %s; structure transformations should be invertible (RFC 1123 §4.1.2.4); got %s", len(records), diff, describeText(got))
			}
		})

	r.Check("RFC959-3.4.2-BLOCK-FORMAT", "sends blocks with headers and an EOF block in MODE B, when it accepts MODE B",
		Label("write"), func(ctx *Ctx) {
			c, name, data := withFixture(ctx, 100<<10)
			if r, ok := acceptedParam(ctx, c, "MODE B"); !ok {
				Skip(fmt.Sprintf("MODE B is optional (RFC 1123 §4.1.2.13) and not accepted here (%s)", r))
			}
			bt := retrieveBlocks(ctx, c, "RETR "+name)
			if bt.Final == nil || harness.Class(bt.Final.Code) != 2 {
				ctx.failf("RETR %s in MODE B: expected 125 or 150, then 226 or 250; got %v", name, bt.Replies())
				return
			}
			if bt.Err != nil {
				hint := ""
				if len(bt.Raw) >= 16 && bytes.HasPrefix(data, bt.Raw[:16]) {
					hint = "; the data connection carried the file itself, as in stream mode"
				}
				ctx.failf("RETR %s in MODE B: %v after %d bytes (first headers: %s)%s. RFC 959 §3.4.2: block mode sends blocks of a descriptor byte and a 16-bit count followed by that many bytes, the last block with the EOF flag (64)",
					name, bt.Err, len(bt.Raw), strings.Join(bt.Headers[:min(3, len(bt.Headers))], "; "), hint)
				return
			}
			if !bytes.Equal(bt.Data, data) {
				ctx.failf("RETR %s in MODE B: the data of the %d blocks differs from the %d-byte file: %s", name, len(bt.Headers), len(data), firstDiff(bt.Data, data))
			}
		})

	r.Check("RFC959-4.2-502-504", "answers 504, not 502, to valid parameters it does not implement",
		func(ctx *Ctx) {
			c := login(ctx)
			restore := map[string]string{"MODE": "MODE S", "STRU": "STRU F", "TYPE": "TYPE A"}
			var problems []string
			for _, line := range []string{"MODE B", "MODE C", "STRU R", "STRU P", "TYPE E", "TYPE L 36"} {
				verb := verbOf(line)
				r := cmd(ctx, c, line)
				switch {
				case harness.Class(r.Code) == 2:
					cmd(ctx, c, restore[verb])
				case r.Code == harness.ReplyNotImplParam:
				case judgeCode(r.Code, permitted[verb]) == codeWrong:
					// A reply §5.4 does not list for the verb is judged by
					// RFC959-5.4-TYPE-CODES, -MODE-CODES, -STRU-CODES
					// and RFC1123-4.1.2.13-STRU-R, which send the same
					// parameters; here it is only noted.
					ctx.infof("%s got %s, judged by the %s reply-code check", line, r, verb)
				default:
					problems = append(problems, fmt.Sprintf("%s got %s", line, r))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s; these are valid parameters of commands the server implements: RFC 959 §4.2 answers an unimplemented parameter with 504 (502 says the command itself is not implemented, 500/501 a syntax error)", strings.Join(problems, "; "))
			}
		})
})
