package harness

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RFC 3659 judgements that the parsers of mdtm.go leave to the checks:
// which rule a 213 reply to MDTM or SIZE breaks, so that each rule is
// judged by one check (one root cause, one failure), and whether a time
// the server reports is UTC, told apart from a server clock that is
// merely wrong.

// TimeRule names the rule of RFC 3659 that a 213 reply to MDTM or SIZE,
// or a time-val, breaks.
type TimeRule string

// The rules a 213 reply to MDTM or SIZE can break; RuleNone when it
// breaks none.
const (
	RuleNone TimeRule = ""
	// RuleForm: a multi-line 213, or text after the value ("213
	// 20260102030405 GMT", "213 1234 bytes"): §3.1 and §4.1, "when the
	// 213 response is issued ... the format MUST be exactly as specified.
	// Multi-line responses are not permitted."
	RuleForm TimeRule = "form"
	// RuleMultiline: the multi-line part of RuleForm, for the checks that
	// judge it apart from the text (ClassifySIZE).
	RuleMultiline TimeRule = "multiline"
	// RuleGrammar: the value is not 14DIGIT ["." 1*DIGIT] (MDTM) or
	// 1*DIGIT (SIZE): "213 19126010203040" (a year written "19" and the
	// years since 1900), "213 2026-01-02", no value at all.
	RuleGrammar TimeRule = "grammar"
	// RuleFraction: a "." that no digit follows (§2.3: 'the "." MUST NOT
	// appear unless at least one following digit also appears').
	RuleFraction TimeRule = "fraction"
	// RuleRange: fourteen digits with a field out of range: year before
	// 1000, month 00 or 13, day 32, hour 24 ... (§2.3).
	RuleRange TimeRule = "range"
)

// MDTMVerdict is what ClassifyMDTM found in a 213 reply to MDTM.
type MDTMVerdict struct {
	Time   time.Time // the time, when Rule is RuleNone or RuleForm with a good value
	Value  string    // the time-val as sent (the first word of the text)
	Rule   TimeRule
	Detail string // why, for messages; "" when Rule is RuleNone
}

// ClassifyMDTM reads a 213 reply to MDTM (RFC 3659 §3.1):
//
//	213 SP time-val CRLF          "213 19980615100045.014"
//
// and says which single rule it breaks, the first of: the reply's form
// (multi-line, text after the value: RuleForm), the value's grammar
// (RuleGrammar), its fraction (RuleFraction), the ranges of its fields
// (RuleRange). A value that is good but followed by text is RuleForm with
// Time set. r must be a 213 reply.
func ClassifyMDTM(r *Reply) MDTMVerdict {
	text, form := value213(r)
	v := MDTMVerdict{}
	word, rest, extra := strings.Cut(text, " ")
	v.Value = word
	v.Rule, v.Detail = classifyTimeVal(word)
	if v.Rule == RuleNone {
		v.Time, _ = ParseTimeVal(word)
	}
	switch {
	case form != "":
		v.Rule, v.Detail = RuleForm, form
	case extra && v.Rule == RuleNone:
		v.Rule, v.Detail = RuleForm, fmt.Sprintf("%q follows the time-val (RFC 3659 §3.1: 213 SP time-val CRLF, exactly)", Printable(" "+rest))
	case extra:
		v.Detail += fmt.Sprintf(" (and %q follows it)", Printable(" "+rest))
	}
	return v
}

// classifyTimeVal says which rule a would-be time-val breaks.
func classifyTimeVal(s string) (TimeRule, string) {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	tail := s[n:]
	switch {
	case s == "":
		return RuleGrammar, "no time-val after 213"
	case n != 14:
		_, err := ParseTimeVal(s)
		return RuleGrammar, err.Error()
	case tail == "":
	case tail[0] != '.':
		return RuleGrammar, fmt.Sprintf("%q follows the 14 digits of %q (time-val = 14DIGIT [\".\" 1*DIGIT])", Printable(tail), Printable(s))
	case len(tail) == 1 || !isDigit(tail[1]):
		return RuleFraction, fmt.Sprintf("%q has a \".\" without a digit after it (RFC 3659 §2.3: the \".\" MUST NOT appear unless at least one following digit also appears)", Printable(s))
	default:
		m := 1
		for m < len(tail) && isDigit(tail[m]) {
			m++
		}
		if m < len(tail) {
			return RuleGrammar, fmt.Sprintf("%q follows the fraction of %q", Printable(tail[m:]), Printable(s))
		}
	}
	if _, err := ParseTimeVal(s); err != nil {
		return RuleRange, err.Error()
	}
	return RuleNone, ""
}

// SIZEVerdict is what ClassifySIZE found in a 213 reply to SIZE.
type SIZEVerdict struct {
	Size   int64 // the size, -1 when the value is no number
	Rule   TimeRule
	Detail string
}

// ClassifySIZE reads a 213 reply to SIZE (RFC 3659 §4.1):
//
//	213 SP 1*DIGIT CRLF           "213 1830"
//
// and says which rule it breaks, the first of: multi-line (RuleMultiline),
// text after the number or no number (RuleForm: "213 1830 bytes",
// "213 size 1830"). Size is the number that could be read from the first
// word of the text (or, for a multi-line reply, from its last line),
// -1 when none. r must be a 213 reply.
func ClassifySIZE(r *Reply) SIZEVerdict {
	text := r.Text()
	if r.Multiline() {
		text = lineText(r.Lines[len(r.Lines)-1])
	}
	v := SIZEVerdict{Size: -1}
	word, _, _ := strings.Cut(strings.TrimLeft(text, " "), " ")
	if isDigits(word) {
		if n, err := strconv.ParseInt(word, 10, 64); err == nil {
			v.Size = n
		}
	}
	switch {
	case r.Multiline():
		v.Rule, v.Detail = RuleMultiline, fmt.Sprintf("a multi-line 213 reply of %d lines (RFC 3659 §4.1: multi-line responses are not permitted)", len(r.Lines))
	case len(r.Lines[0]) < 4 || r.Lines[0][3] != ' ':
		v.Rule, v.Detail = RuleForm, "no SP and size after 213"
	default:
		if _, err := ParseSIZE(r); err != nil {
			v.Rule, v.Detail = RuleForm, err.Error()
		}
	}
	return v
}

// value213 returns the text of a 213 reply that comes after "213 ", and,
// when the reply's form is wrong (multi-line, no SP), why.
func value213(r *Reply) (text, form string) {
	switch {
	case r.Multiline():
		return lineText(r.Lines[len(r.Lines)-1]), fmt.Sprintf("a multi-line 213 reply of %d lines (RFC 3659 §3.1: multi-line responses are not permitted)", len(r.Lines))
	case len(r.Lines[0]) < 4:
		return "", ""
	case r.Lines[0][3] != ' ':
		return r.Lines[0][4:], "no SP after 213"
	}
	return r.Lines[0][4:], ""
}

// ClockKind says how a time the server reported relates to when the
// client saw the event happen.
type ClockKind string

// The outcomes of JudgeClock.
const (
	// ClockClose: within the slack of the event.
	ClockClose ClockKind = "close"
	// ClockZone: off by a whole number of half-hours (at most 14 hours),
	// and otherwise within the slack: a local time zone where RFC 3659
	// §2.3 wants UTC ("Time values are always represented in UTC").
	ClockZone ClockKind = "zone"
	// ClockSkew: off by something else: the clocks differ. RFC 3659 §2.3:
	// "Clients are not expected to be time synchronized with the server".
	ClockSkew ClockKind = "skew"
)

// ClockVerdict is JudgeClock's finding: the kind, and how far the
// reported time lies from the event's window (0 inside it; for ClockZone
// the whole number of half-hours).
type ClockVerdict struct {
	Kind   ClockKind
	Offset time.Duration
}

// maxZoneOffset is the largest offset of a civil time zone from UTC
// (UTC+14, Kiribati; UTC-12 the other way).
const maxZoneOffset = 14 * time.Hour

// JudgeClock compares got, a time the server reports for an event (a
// file's modification by an upload), with the window [before, after] in
// which the client saw the event, by the client's clock. Inside the
// window widened by slack on both sides it is ClockClose; a whole number
// of half-hours away and otherwise within the slack, ClockZone; anything
// else is ClockSkew. The slack covers clock skew, rounding to whole
// seconds, and a server that stamps the start of the upload.
func JudgeClock(got, before, after time.Time, slack time.Duration) ClockVerdict {
	var d time.Duration
	switch {
	case got.Before(before):
		d = got.Sub(before)
	case got.After(after):
		d = got.Sub(after)
	}
	if d >= -slack && d <= slack {
		return ClockVerdict{Kind: ClockClose}
	}
	q := d.Round(30 * time.Minute)
	if q != 0 && q.Abs() <= maxZoneOffset && (d-q).Abs() <= slack {
		return ClockVerdict{Kind: ClockZone, Offset: q}
	}
	return ClockVerdict{Kind: ClockSkew, Offset: d}
}

// Describe says how far and which way an offset from UTC goes, for
// messages: "5h0m0s behind", "30m0s ahead".
func (v ClockVerdict) Describe() string {
	if v.Offset < 0 {
		return (-v.Offset).String() + " behind"
	}
	return v.Offset.String() + " ahead"
}
