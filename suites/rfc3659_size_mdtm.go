package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// SIZE and MDTM (RFC 3659 §3, §4) and the time-val of §2.3. Both commands
// are optional: a server that does not implement them (500, 502) and does
// not list them in FEAT skips these checks; one that lists them must
// answer them exactly as specified. Each rule of a 213 reply is judged by
// one check (harness.ClassifyMDTM, ClassifySIZE); the others see the
// deviation as context.

func init() {
	// RFC 3659 §3.1: "Attempts to query the modification time of files
	// that exist but are unable to be retrieved may generate an error-
	// response, or can result in a positive response carrying a time-val
	// with an unspecified value, the choice being made by the server-PI."
	NotCovered["RFC3659-3.1-MDTM-RETRIEVABLE"] = "a permission: for an object that cannot be retrieved (a directory) the server may answer an error or a 213 with any time, so every answer is allowed; a 213 there is judged like any other by RFC3659-3.1-MDTM-213"
	NotCovered["RFC3659-4.1-SIZE-REST-COMPATIBLE"] = "judged through its two halves: RFC3659-4-SIZE-EXACT (SIZE is the number of octets a RETR sends in the current TYPE, in TYPE I and TYPE A) and the REST checks (RFC3659-5.1-REST-OFFSET, RFC3659-5.2-REST-ASCII: REST n skips n octets of that stream), so SIZE is a REST offset"
}

var _ = describe("File size and modification time: SIZE, MDTM (RFC 3659 §2.3, §3, §4)", Label("files"), func(r *Run) {

	// RFC 3659 §4.1: "size-response = "213" SP 1*DIGIT CRLF ... Note that
	// when the 213 response is issued, that is, when there is no error,
	// the format MUST be exactly as specified. Multi-line responses are
	// not permitted."
	r.Check("RFC3659-4.1-SIZE-213", "answers SIZE of a file with a single-line 213 reply",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := sizeOfUpload(ctx)
			if v.Rule == harness.RuleMultiline {
				ctx.failf("SIZE of a file: %s (RFC 3659 §4.1: \"Multi-line responses are not permitted\"); got %q", v.Detail, rp.Lines)
			}
		})

	// RFC 3659 §4.1, as above: "the format MUST be exactly as specified":
	// 213, one SP, the decimal number, and nothing else.
	r.Check("RFC3659-4.1-SIZE-EXACT-FORMAT", "sends nothing but the decimal size after \"213 \" in the reply to SIZE",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := sizeOfUpload(ctx)
			switch v.Rule {
			case harness.RuleForm:
				ctx.failf("SIZE of a file: got %s: %s (RFC 3659 §4.1: size-response = \"213\" SP 1*DIGIT CRLF, \"the format MUST be exactly as specified\")", rp, v.Detail)
			case harness.RuleMultiline:
				ctx.infof("SIZE of a file: %s (judged by RFC3659-4.1-SIZE-213)", v.Detail)
			}
		})

	// RFC 3659 §4: "The SIZE command returns how many octets would be
	// transferred if the file were to be transferred using the current
	// transfer structure, mode, and type. ... Estimates of the file
	// transfer size MUST NOT be returned; only precise information is
	// acceptable."
	r.Check("RFC3659-4-SIZE-EXACT/binary", "answers SIZE in TYPE I with the exact number of octets of the file",
		Label("write"), func(ctx *Ctx) {
			u, v, rp := sizeOfUpload(ctx)
			switch {
			case v.Size < 0:
				ctx.infof("SIZE of a file: %s holds no number (judged by RFC3659-4.1-SIZE-EXACT-FORMAT)", rp)
			case v.Size != int64(len(u.data)):
				ctx.failf("SIZE %s in TYPE I answered %d for the %d-octet file just uploaded (RFC 3659 §4: the exact number of octets a transfer would send; \"Estimates ... MUST NOT be returned\")", u.name, v.Size, len(u.data))
			}
		})

	// RFC 3659 §4, as above, and §4.4: "with TYPE=A the SIZE command
	// reports an extra 112 octets. Those are the extra octets that need to
	// be inserted, one at the end of each line". §4.2 lets a server refuse
	// (550) where the size is not available in the current TYPE.
	r.Check("RFC3659-4-SIZE-EXACT/ascii", "answers SIZE in TYPE A with the number of octets a RETR in TYPE A sends, or refuses it",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			u := timedUpload(ctx, c, "lines.txt", textFixture)
			setType(ctx, c, "A")
			rp := sizeOf(ctx, c, u.name)
			if cl := harness.Class(rp.Code); cl == 4 || cl == 5 {
				Skip(fmt.Sprintf("SIZE in TYPE A was refused (%s), which RFC 3659 §4.2 allows where the size is not available in the current TYPE", rp))
			}
			if rp.Code != harness.ReplyFileStatus {
				ctx.failf("SIZE %s in TYPE A: expected 213 with the size, or a refusal (550); got %s", u.name, rp)
			}
			v := harness.ClassifySIZE(rp)
			if v.Size < 0 {
				ctx.infof("SIZE in TYPE A: %s holds no number (judged by RFC3659-4.1-SIZE-EXACT-FORMAT)", rp)
				return
			}
			sent := fetch(ctx, c, u.name) // TYPE A is still in force
			if v.Size != int64(len(sent)) {
				hint := ""
				if v.Size == int64(len(u.data)) {
					hint = ": that is the size of the file as stored, not of the TYPE A stream"
				}
				ctx.failf("SIZE %s in TYPE A answered %d, but RETR in TYPE A sent %d octets (the file holds %d octets in %d LF-ended lines)%s (RFC 3659 §4: \"how many octets would be transferred if the file were to be transferred using the current ... type\")",
					u.name, v.Size, len(sent), len(u.data), countLF(u.data), hint)
			}
		})

	// RFC 3659 §4.2: "Where the command is correctly parsed but the size
	// is not available, perhaps because the pathname identifies no
	// existing entity or because the entity named cannot be transferred
	// in the current MODE and TYPE (or at all), then a 550 reply should be
	// sent."
	r.Check("RFC3659-4.2-SIZE-550", "answers 550 to SIZE of a directory and of a missing file",
		Label("write"), func(ctx *Ctx) {
			c := login(ctx)
			scratch(ctx, c)
			mkdir(ctx, c, "sub")
			for _, probe := range []struct{ name, what string }{
				{"sub", "a directory, which cannot be retrieved"},
				{harness.UniqueName("ftpconform-missing"), "no such file"},
			} {
				rp := sizeOf(ctx, c, probe.name)
				if rp.Code == harness.ReplyFileStatus {
					ctx.failf("SIZE %s (%s) answered %s; the size of something that cannot be transferred is not available: RFC 3659 §4.2 asks for 550", probe.name, probe.what, rp)
				}
				expectCode(ctx, fmt.Sprintf("SIZE %s (%s)", probe.name, probe.what), rp, nil, harness.ReplyActionNotTaken)
			}
		})

	// RFC 3659 §4.3: "a server-FTP process that supports the SIZE command
	// MUST include a line containing the single word "SIZE"."
	r.Check("RFC3659-4.3-SIZE-FEAT", "lists SIZE in FEAT exactly when it implements SIZE",
		func(ctx *Ctx) {
			judgeFeatureLine(ctx, "SIZE", "RFC 3659 §4.3: \"a server-FTP process that supports the SIZE command MUST include a line containing the single word \"SIZE\"\"",
				"SIZE "+harness.UniqueName("ftpconform-missing"))
		})

	// RFC 3659 §3.1: "mdtm-response = "213" SP time-val CRLF / error-
	// response. Note that when the 213 response is issued, that is, when
	// there is no error, the format MUST be exactly as specified."
	r.Check("RFC3659-3.1-MDTM-213", "answers MDTM of a file with 213 and a time-val of fourteen digits",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := mdtmOfUpload(ctx)
			if v.Rule == harness.RuleGrammar {
				ctx.failf("MDTM of a file: got %s: %s", rp, v.Detail)
			}
			otherRule(ctx, v)
		})

	// RFC 3659 §3.1, as above, and: "Multi-line responses are not
	// permitted."
	r.Check("RFC3659-3.1-MDTM-EXACT", "sends nothing but the time-val after \"213 \", on one line, in the reply to MDTM",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := mdtmOfUpload(ctx)
			if v.Rule == harness.RuleForm {
				ctx.failf("MDTM of a file: got %s: %s (RFC 3659 §3.1: \"the format MUST be exactly as specified. Multi-line responses are not permitted.\")", rp, v.Detail)
			}
			otherRule(ctx, v)
		})

	// RFC 3659 §2.3: "four digits giving the year, with a range of
	// 1000--9999, two digits giving the month of the year, with a range
	// of 01--12, ... two digits giving seconds past the minute, with a
	// range of 00--60 (with 60 being used only at a leap second)."
	r.Check("RFC3659-2.3-TIME-RANGES", "gives MDTM times whose fields are all within their ranges",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := mdtmOfUpload(ctx)
			if v.Rule == harness.RuleRange {
				ctx.failf("MDTM of a file: got %s: %s (RFC 3659 §2.3)", rp, v.Detail)
			}
			otherRule(ctx, v)
		})

	// RFC 3659 §2.3: "The "." and subsequent digits ("sss") are optional.
	// However the "." MUST NOT appear unless at least one following digit
	// also appears." Fractions themselves are legal.
	r.Check("RFC3659-2.3-TIME-FRACTION", "never ends an MDTM time with a \".\" that no digit follows",
		Label("write"), func(ctx *Ctx) {
			_, v, rp := mdtmOfUpload(ctx)
			if v.Rule == harness.RuleFraction {
				ctx.failf("MDTM of a file: got %s: %s", rp, v.Detail)
			}
			otherRule(ctx, v)
		})

	// RFC 3659 §2.3: "Time values are always represented in UTC (GMT)".
	// The time is judged against the upload: a whole number of half-hours
	// off is a local time zone; other differences are clock skew, which
	// is reported and never failed.
	r.Check("RFC3659-2.3-MDTM-UTC", "gives MDTM times in UTC",
		Label("write"), func(ctx *Ctx) {
			u, v, _ := mdtmOfUpload(ctx)
			if v.Time.IsZero() {
				otherRule(ctx, v)
				return
			}
			judgeTime(ctx, "MDTM "+u.name, v.Time, u)
		})

	// RFC 3659 §3.2: "Where the command is correctly parsed but the
	// modification time is not available, either because the pathname
	// identifies no existing entity or because the information is not
	// available for the entity named, then a 550 reply should be sent."
	r.Check("RFC3659-3.2-MDTM-550", "answers 550 to MDTM of a missing file",
		func(ctx *Ctx) {
			c := login(ctx)
			name := harness.UniqueName("ftpconform-missing")
			rp := mdtmOf(ctx, c, name)
			expectCode(ctx, "MDTM "+name+" (no such file)", rp, nil, harness.ReplyActionNotTaken)
		})

	// RFC 3659 §3.3: "a server-FTP process that supports the MDTM command
	// MUST include a line containing the single word "MDTM"."
	r.Check("RFC3659-3.3-MDTM-FEAT", "lists MDTM in FEAT exactly when it implements MDTM",
		func(ctx *Ctx) {
			judgeFeatureLine(ctx, "MDTM", "RFC 3659 §3.3: \"a server-FTP process that supports the MDTM command MUST include a line containing the single word \"MDTM\"\"",
				"MDTM "+harness.UniqueName("ftpconform-missing"))
		})

	// RFC 3659 §3.1: mdtm = "MdTm" SP pathname CRLF, the whole rest of the
	// line. §3.4 shows it: "MdTm 19990929043300 File6" is the time of the
	// file named "19990929043300 File6", and "MdTm 19990929043300 file6"
	// gets "550 19990929043300 file6: No such file or directory." Setting
	// the time with "MDTM time file" is a non-standard extension that
	// breaks this.
	r.Check("RFC3659-3.1-MDTM-ARG-LITERAL", "takes the whole rest of the MDTM line as the pathname, even when it starts with a time",
		Label("write"), func(ctx *Ctx) {
			c, u := withUpload(ctx, 3000)
			missing := harness.UniqueName("ftpconform-missing")
			if rp := mdtmOf(ctx, c, missing); harness.Class(rp.Code) == 2 {
				ctx.infof("MDTM %s (no such file) answered %s: a missing file is not refused at all (judged by RFC3659-3.2-MDTM-550), so the answer to a name that begins with a time shows nothing", missing, rp)
				return
			}
			before := harness.ClassifyMDTM(mdtm213(ctx, c, u.name))
			line := "MDTM 19990929043300 " + u.name
			rp := mdtmOf(ctx, c, "19990929043300 "+u.name)
			if harness.Class(rp.Code) == 2 {
				after := harness.ClassifyMDTM(mdtm213(ctx, c, u.name))
				changed := ""
				if !before.Time.IsZero() && !after.Time.Equal(before.Time) {
					changed = fmt.Sprintf(", and the file's time changed from %s to %s", before.Value, after.Value)
				}
				ctx.failf("%s answered %s: no file is named \"19990929043300 %s\", so the answer is 550 (RFC 3659 §3.1, §3.4: the pathname is the whole rest of the line); the server read a time and a file name instead (a non-standard \"MDTM time file\" that sets the time)%s",
					line, rp, u.name, changed)
			}
			expectCode(ctx, line+" (no file has that name)", rp, nil, harness.ReplyActionNotTaken)
		})
})

// sizeOfUpload uploads a binary fixture and asks its SIZE in TYPE I. A
// refusal skips the check: RFC 3659 §4.2 lets a server refuse SIZE "for
// other reasons -- for instance if the processing overhead is considered
// too great"; anything but 213 and an error fails it.
func sizeOfUpload(ctx *Ctx) (uploaded, harness.SIZEVerdict, *harness.Reply) {
	c, u := withUpload(ctx, 3000)
	rp := sizeOf(ctx, c, u.name)
	if cl := harness.Class(rp.Code); cl == 4 || cl == 5 {
		Skip(fmt.Sprintf("SIZE %s in TYPE I was refused (%s), which RFC 3659 §4.2 allows", u.name, rp))
	}
	if rp.Code != harness.ReplyFileStatus {
		ctx.failf("SIZE %s: expected 213 and the size, or an error reply; got %s (RFC 3659 §4.1)", u.name, rp)
	}
	return u, harness.ClassifySIZE(rp), rp
}

// mdtmOfUpload uploads a binary fixture and asks its MDTM, which must be a
// 213 reply; the verdict says which rule the reply breaks, if any.
func mdtmOfUpload(ctx *Ctx) (uploaded, harness.MDTMVerdict, *harness.Reply) {
	c, u := withUpload(ctx, 3000)
	rp := mdtm213(ctx, c, u.name)
	return u, harness.ClassifyMDTM(rp), rp
}

// mdtmJudges are the checks that judge each rule a 213 reply to MDTM can
// break.
var mdtmJudges = map[harness.TimeRule]string{
	harness.RuleForm:     "RFC3659-3.1-MDTM-EXACT",
	harness.RuleGrammar:  "RFC3659-3.1-MDTM-213",
	harness.RuleFraction: "RFC3659-2.3-TIME-FRACTION",
	harness.RuleRange:    "RFC3659-2.3-TIME-RANGES",
}

// otherRule notes a deviation of the MDTM reply that another check judges.
func otherRule(ctx *Ctx, v harness.MDTMVerdict) {
	if judge := mdtmJudges[v.Rule]; judge != "" && judge != ctx.key() {
		ctx.infof("the MDTM reply: %s (judged by %s)", v.Detail, judge)
	}
}

// judgeFeatureLine is the body of the FEAT checks of SIZE and MDTM: probe
// (a command of the feature for a missing file) tells whether the server
// implements the feature (anything but 500 or 502), and FEAT must list
// the feature exactly then.
func judgeFeatureLine(ctx *Ctx, feature, rule string, probes ...string) {
	c := login(ctx)
	f := sessionFeatures(ctx, c)
	listed := f.Has(feature)
	var implemented, refused []string
	for _, line := range probes {
		r := cmd(ctx, c, line)
		if notImplemented(r) {
			refused = append(refused, fmt.Sprintf("%s answered %s", line, r))
		} else {
			implemented = append(implemented, fmt.Sprintf("%s answered %s", line, r))
		}
	}
	switch {
	case len(implemented) > 0 && !listed:
		ctx.failf("%s is implemented (%s), but FEAT does not list it: the listing holds %q (%s)", feature, implemented[0], f.Names(), rule)
	case len(refused) > 0 && listed:
		// RFC 2389 §3.2 lists "the extensions supported"; a listed
		// feature that is not implemented misleads every client.
		ctx.failf("FEAT lists %s, but %s: a feature FEAT lists must be implemented (%s)", feature, refused[0], rule)
	case !listed:
		Skip(fmt.Sprintf("%s is not implemented (%s) and not listed", feature, refused[0]))
	}
}

// countLF counts the LF octets of data.
func countLF(data []byte) int {
	n := 0
	for _, b := range data {
		if b == '\n' {
			n++
		}
	}
	return n
}
