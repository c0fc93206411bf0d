package harness

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeValError says why a text is not an RFC 3659 time-val.
type TimeValError struct {
	Text   string
	Reason string
}

func (e *TimeValError) Error() string {
	return fmt.Sprintf("%q is not a time-val (YYYYMMDDHHMMSS[.sss], RFC 3659 §2.3): %s", Printable(e.Text), e.Reason)
}

// ParseTimeVal reads a time-val (RFC 3659 §2.3), the value of an MDTM
// reply and of the modify and create facts:
//
//	time-val = 14DIGIT [ "." 1*DIGIT ]     ; YYYYMMDDHHMMSS[.sss], UTC
//
//	19980615100045        1998-06-15 10:00:45 UTC
//	19980615100045.014    the same, 14 ms later
//
// It is strict: exactly fourteen digits, year 1000-9999, month 01-12,
// a day that exists in that month, hour 00-23, minute 00-59, second 00-59
// or 60 at 23:59 (a leap second; time.Time has none, so it reads as the
// next midnight), then either nothing or "." and at least one digit. The
// time is UTC (the RFC allows no other zone); digits of the fraction
// beyond nanoseconds are dropped. The error is a *TimeValError saying what
// is wrong.
func ParseTimeVal(s string) (time.Time, error) {
	fail := func(format string, args ...any) (time.Time, error) {
		return time.Time{}, &TimeValError{Text: s, Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return fail("empty")
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	switch {
	case n > 14 && strings.HasPrefix(s, "19"):
		return fail("%d digits where YYYYMMDDHHMMSS has 14 (a year written as \"19\" and the years since 1900?)", n)
	case n > 14:
		return fail("%d digits where YYYYMMDDHHMMSS has 14", n)
	case n < 14 && n < len(s):
		return fail("%q at position %d where YYYYMMDDHHMMSS has a digit", s[n:n+1], n+1)
	case n < 14:
		return fail("%d digits where YYYYMMDDHHMMSS has 14", n)
	}
	num := func(from, to int) int { v, _ := strconv.Atoi(s[from:to]); return v }
	year, month, day := num(0, 4), num(4, 6), num(6, 8)
	hour, minute, second := num(8, 10), num(10, 12), num(12, 14)
	switch {
	case year < 1000:
		return fail("year %04d is before 1000", year)
	case month < 1 || month > 12:
		return fail("month %02d is outside 01-12", month)
	case day < 1 || day > 31:
		return fail("day %02d is outside 01-31", day)
	case day > daysIn(time.Month(month), year):
		return fail("%s %d has no day %d", time.Month(month), year, day)
	case hour > 23:
		return fail("hour %02d is outside 00-23", hour)
	case minute > 59:
		return fail("minute %02d is outside 00-59", minute)
	case second > 60:
		return fail("second %02d is outside 00-60", second)
	case second == 60 && (hour != 23 || minute != 59):
		return fail("second 60 exists only as a leap second, at 23:59:60")
	}
	nanos := 0
	if rest := s[14:]; rest != "" {
		if rest[0] != '.' {
			return fail("%q follows the 14 digits", Printable(rest))
		}
		frac := rest[1:]
		m := 0
		for m < len(frac) && isDigit(frac[m]) {
			m++
		}
		switch {
		case m == 0 && frac == "":
			return fail("\".\" without a digit after it")
		case m == 0:
			return fail("%q follows \".\" where a digit belongs", Printable(frac[:1]))
		case m < len(frac):
			return fail("%q follows the fraction", Printable(frac[m:]))
		}
		digits := (frac + "000000000")[:9]
		nanos, _ = strconv.Atoi(digits)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC), nil
}

// daysIn returns the number of days of month in year (Gregorian).
func daysIn(month time.Month, year int) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// formatTimeVal writes t as a time-val in UTC, with as many fraction
// digits as t has (none for a whole second).
func formatTimeVal(t time.Time) string {
	t = t.UTC()
	s := t.Format("20060102150405")
	if ns := t.Nanosecond(); ns != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
	}
	return s
}

// GrammarError is a reply with the expected code whose text does not
// follow the grammar its RFC fixes, such as a 213 reply to MDTM whose
// value is not a time-val (RFC 3659 §3.1: "the format MUST be exactly as
// specified"). Err, when set, is the parser's own error.
type GrammarError struct {
	Reply  *Reply
	Reason string
	Err    error
}

func (e *GrammarError) Error() string { return fmt.Sprintf("%s: %s", e.Reply, e.Reason) }

func (e *GrammarError) Unwrap() error { return e.Err }

// ParseMDTM reads the reply to MDTM (RFC 3659 §3.1), which is exactly
//
//	213 SP time-val CRLF
//
// on a single line: "213 19980615100045.014". Another code is a
// *ReplyError; a 213 that is multi-line or whose text is anything but a
// time-val is a *GrammarError (wrapping the *TimeValError).
func ParseMDTM(r *Reply) (time.Time, error) {
	text, err := exact213(r)
	if err != nil {
		return time.Time{}, err
	}
	t, err := ParseTimeVal(text)
	if err != nil {
		return time.Time{}, &GrammarError{Reply: r, Reason: err.Error(), Err: err}
	}
	return t, nil
}

// ParseSIZE reads the reply to SIZE (RFC 3659 §4.1), which is exactly
//
//	213 SP 1*DIGIT CRLF
//
// on a single line: "213 1830". Another code is a *ReplyError; a 213 that
// is multi-line or whose text is anything but a decimal number is a
// *GrammarError.
func ParseSIZE(r *Reply) (int64, error) {
	text, err := exact213(r)
	if err != nil {
		return 0, err
	}
	n := 0
	for n < len(text) && isDigit(text[n]) {
		n++
	}
	switch {
	case n == 0:
		return 0, &GrammarError{Reply: r, Reason: fmt.Sprintf("%q is not a decimal size (RFC 3659 §4.1: 213 SP 1*DIGIT)", Printable(text))}
	case n < len(text):
		return 0, &GrammarError{Reply: r, Reason: fmt.Sprintf("%q follows the size (RFC 3659 §4.1: 213 SP 1*DIGIT and nothing else)", Printable(text[n:]))}
	}
	size, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, &GrammarError{Reply: r, Reason: fmt.Sprintf("size %s is too large to represent", text), Err: err}
	}
	return size, nil
}

// exact213 returns the text of a single-line 213 reply, or the error that
// says why the reply is something else.
func exact213(r *Reply) (string, error) {
	switch {
	case r == nil || len(r.Lines) == 0:
		return "", &GrammarError{Reply: r, Reason: "no reply"}
	case r.Code != ReplyFileStatus:
		return "", &ReplyError{Expected: []int{ReplyFileStatus}, Reply: r}
	case r.Multiline():
		return "", &GrammarError{Reply: r, Reason: "multi-line 213 reply (RFC 3659 §3.1, §4.1: multi-line responses are not permitted)"}
	case !strings.HasPrefix(r.Lines[0], "213 "):
		return "", &GrammarError{Reply: r, Reason: "no SP after 213"}
	}
	return r.Lines[0][4:], nil
}
