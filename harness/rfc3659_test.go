package harness

import (
	"strings"
	"testing"
	"time"
)

// reply213 builds a reply from raw lines (CRLF added).
func reply213(t *testing.T, lines ...string) *Reply {
	t.Helper()
	r, err := NewReader(&memReader{data: []byte(strings.Join(lines, "\r\n") + "\r\n"), chunk: 64}, fuzzLimits).ReadReply(time.Now().Add(5 * time.Second))
	if err != nil {
		t.Fatalf("%q: %v", lines, err)
	}
	return r
}

func TestClassifyMDTM(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		rule  TimeRule
		time  string // RFC 3339, "" for none
	}{
		{[]string{"213 19980615100045"}, RuleNone, "1998-06-15T10:00:45Z"},
		{[]string{"213 19980615100045.014"}, RuleNone, "1998-06-15T10:00:45.014Z"},
		{[]string{"213 19981231235960"}, RuleNone, "1999-01-01T00:00:00Z"}, // a leap second
		{[]string{"213 20260102030405 GMT"}, RuleForm, "2026-01-02T03:04:05Z"},
		{[]string{"213-Modification time:", "213 20260102030405"}, RuleForm, "2026-01-02T03:04:05Z"},
		{[]string{"213-Modification time:", "213 2026"}, RuleForm, ""},
		{[]string{"213 191260102030405"}, RuleGrammar, ""},  // the Y2K bug: 15 digits
		{[]string{"213 2026-01-02 03:04"}, RuleGrammar, ""}, // another format
		{[]string{"213 20260102030405Z"}, RuleGrammar, ""},
		{[]string{"213 20260102030405.5Z"}, RuleGrammar, ""},
		{[]string{"213 "}, RuleGrammar, ""},
		{[]string{"213 Jan 2 2026"}, RuleGrammar, ""},
		{[]string{"213 20260102030405."}, RuleFraction, ""},
		{[]string{"213 20260102030405.x"}, RuleFraction, ""},
		{[]string{"213 01260102030405"}, RuleRange, ""}, // year 0126
		{[]string{"213 20260002030405"}, RuleRange, ""}, // month 00
		{[]string{"213 20260231030405"}, RuleRange, ""}, // 31 February
		{[]string{"213 20260102240000"}, RuleRange, ""}, // hour 24
		{[]string{"213 20260102120060"}, RuleRange, ""}, // second 60 outside 23:59
	} {
		v := ClassifyMDTM(reply213(t, tc.lines...))
		if v.Rule != tc.rule {
			t.Errorf("%q: rule %q (%s), want %q", tc.lines, v.Rule, v.Detail, tc.rule)
		}
		if v.Rule != RuleNone && v.Detail == "" {
			t.Errorf("%q: no detail", tc.lines)
		}
		switch {
		case tc.time == "" && !v.Time.IsZero():
			t.Errorf("%q: time %v, want none", tc.lines, v.Time)
		case tc.time != "":
			want, _ := time.Parse(time.RFC3339Nano, tc.time)
			if !v.Time.Equal(want) {
				t.Errorf("%q: time %v, want %v", tc.lines, v.Time, want)
			}
		}
	}
}

func TestClassifySIZE(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		rule  TimeRule
		size  int64
	}{
		{[]string{"213 1830"}, RuleNone, 1830},
		{[]string{"213 0"}, RuleNone, 0},
		{[]string{"213 1830 bytes"}, RuleForm, 1830},
		{[]string{"213 size 1830"}, RuleForm, -1},
		{[]string{"213 "}, RuleForm, -1},
		{[]string{"213 99999999999999999999"}, RuleForm, -1},
		{[]string{"213-File size:", "213 1830"}, RuleMultiline, 1830},
	} {
		v := ClassifySIZE(reply213(t, tc.lines...))
		if v.Rule != tc.rule || v.Size != tc.size {
			t.Errorf("%q: rule %q size %d (%s), want %q and %d", tc.lines, v.Rule, v.Size, v.Detail, tc.rule, tc.size)
		}
	}
}

func TestJudgeClock(t *testing.T) {
	before := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	after := before.Add(2 * time.Second)
	const slack = 3 * time.Minute
	for _, tc := range []struct {
		got    time.Time
		kind   ClockKind
		offset time.Duration
	}{
		{before.Add(time.Second), ClockClose, 0},
		{before.Add(-time.Second), ClockClose, 0},   // whole seconds, rounded down
		{after.Add(2 * time.Minute), ClockClose, 0}, // a clock 2 minutes fast
		{before.Add(-5 * time.Hour), ClockZone, -5 * time.Hour},
		{after.Add(5*time.Hour + time.Minute), ClockZone, 5 * time.Hour},
		{before.Add(-5*time.Hour - 30*time.Minute), ClockZone, -5*time.Hour - 30*time.Minute}, // India
		{after.Add(13 * time.Hour), ClockZone, 13 * time.Hour},
		{after.Add(20 * time.Hour), ClockSkew, 20 * time.Hour},                                // no zone is that far
		{after.Add(17 * time.Minute), ClockSkew, 17 * time.Minute},                            // a clock that is just wrong
		{before.Add(-2*time.Hour - 15*time.Minute), ClockSkew, -2*time.Hour - 15*time.Minute}, // between half-hours
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), ClockSkew, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Sub(before)},
	} {
		v := JudgeClock(tc.got, before, after, slack)
		if v.Kind != tc.kind || v.Offset != tc.offset {
			t.Errorf("%v: %s %v, want %s %v", tc.got, v.Kind, v.Offset, tc.kind, tc.offset)
		}
	}
	if d := (ClockVerdict{Kind: ClockZone, Offset: -5 * time.Hour}).Describe(); d != "5h0m0s behind" {
		t.Errorf("Describe: %q", d)
	}
}

// FuzzClassifyTimeVal: the classifier accepts exactly what ParseTimeVal
// accepts, and says why when it does not.
func FuzzClassifyTimeVal(f *testing.F) {
	for _, s := range []string{"19980615100045", "19980615100045.014", "20260102030405.", "191260102030405", "01260102030405", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rule, detail := classifyTimeVal(s)
		_, err := ParseTimeVal(s)
		if (rule == RuleNone) != (err == nil) {
			t.Fatalf("%q: rule %q, ParseTimeVal error %v", s, rule, err)
		}
		if rule != RuleNone && detail == "" {
			t.Fatalf("%q: rule %q without detail", s, rule)
		}
	})
}
