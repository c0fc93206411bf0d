package harness

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseTimeVal(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time // zero: an error whose reason contains reason
		reason   string
	}{
		{"RFC 3659 §3.4 example", "19980615100045.014", time.Date(1998, 6, 15, 10, 0, 45, 14e6, time.UTC), ""},
		{"whole seconds", "19990929043300", time.Date(1999, 9, 29, 4, 33, 0, 0, time.UTC), ""},
		{"ftp-srv milliseconds", "20261124012654.329", time.Date(2026, 11, 24, 1, 26, 54, 329e6, time.UTC), ""},
		{"one fraction digit", "20240229235959.5", time.Date(2024, 2, 29, 23, 59, 59, 5e8, time.UTC), ""},
		{"fraction beyond nanoseconds", "20000101000000.1234567891234", time.Date(2000, 1, 1, 0, 0, 0, 123456789, time.UTC), ""},
		{"leap second", "20161231235960", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"year 1000", "10000101000000", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"year 9999", "99991231235959", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), ""},

		{"empty", "", time.Time{}, "empty"},
		{"too short", "2024010203040", time.Time{}, "13 digits"},
		{"dashes", "2024-01-02 03:04:05", time.Time{}, `"-" at position 5`},
		{"Y2K bug", "191240102030405", time.Time{}, `"19" and the years since 1900`},
		{"15 digits", "202401020304050", time.Time{}, "15 digits"},
		{"year 0999", "09990101000000", time.Time{}, "before 1000"},
		{"month 00", "20240002030405", time.Time{}, "month 00"},
		{"month 13", "20241302030405", time.Time{}, "month 13"},
		{"day 00", "20240100030405", time.Time{}, "day 00"},
		{"day 32", "20240132030405", time.Time{}, "day 32"},
		{"February 30", "20240230030405", time.Time{}, "February 2024 has no day 30"},
		{"February 29 of a common year", "20230229030405", time.Time{}, "no day 29"},
		{"hour 24", "20240102240405", time.Time{}, "hour 24"},
		{"minute 60", "20240102036005", time.Time{}, "minute 60"},
		{"second 61", "20240102030461", time.Time{}, "second 61"},
		{"second 60 not at 23:59", "20240102030460", time.Time{}, "leap second"},
		{"dot alone", "20240102030405.", time.Time{}, `"." without a digit`},
		{"dot and letter", "20240102030405.x", time.Time{}, `"x" follows "."`},
		{"fraction and text", "20240102030405.5Z", time.Time{}, `"Z" follows the fraction`},
		{"zone after", "20240102030405 UTC", time.Time{}, `" UTC" follows the 14 digits`},
		{"comma fraction", "20240102030405,5", time.Time{}, `",5" follows the 14 digits`},
		{"leading space", " 20240102030405", time.Time{}, `" " at position 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTimeVal(tt.in)
			if tt.reason == "" {
				if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
					t.Fatalf("ParseTimeVal(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
				}
				return
			}
			var te *TimeValError
			if !errors.As(err, &te) || !strings.Contains(te.Reason, tt.reason) {
				t.Fatalf("ParseTimeVal(%q) = %v, %v; want a reason with %q", tt.in, got, err, tt.reason)
			}
			if !safeText(err.Error()) {
				t.Errorf("error %q is not printable", err)
			}
		})
	}
}

func TestFormatTimeVal(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(1998, 6, 15, 10, 0, 45, 14e6, time.UTC), "19980615100045.014"},
		{time.Date(1998, 6, 15, 12, 0, 45, 0, time.FixedZone("CEST", 7200)), "19980615100045"},
		{time.Date(2000, 1, 1, 0, 0, 0, 1, time.UTC), "20000101000000.000000001"},
	} {
		if got := formatTimeVal(tc.t); got != tc.want {
			t.Errorf("formatTimeVal(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// replyOf builds a reply from raw lines the way the reader would.
func replyOf(t *testing.T, raw string) *Reply {
	t.Helper()
	r, err := NewReader(&memReader{data: []byte(raw), chunk: 64}, Limits{Settle: time.Millisecond}).ReadReply(time.Now().Add(time.Second))
	if err != nil {
		t.Fatalf("reading %q: %v", raw, err)
	}
	return r
}

func TestParseMDTM(t *testing.T) {
	tests := []struct {
		raw     string
		want    time.Time
		errKind string // "reply", "grammar" or ""
	}{
		{"213 19980615100045.014\r\n", time.Date(1998, 6, 15, 10, 0, 45, 14e6, time.UTC), ""},
		{"213 20240102030405\r\n", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), ""},
		{"550 No such file.\r\n", time.Time{}, "reply"},
		{"213 20240102030405 UTC\r\n", time.Time{}, "grammar"},
		{"213 191240102030405\r\n", time.Time{}, "grammar"},
		{"213-Modified:\r\n 20240102030405\r\n213 End\r\n", time.Time{}, "grammar"},
		{"213\r\n", time.Time{}, "grammar"},
		{"213  20240102030405\r\n", time.Time{}, "grammar"},
	}
	for _, tt := range tests {
		got, err := ParseMDTM(replyOf(t, tt.raw))
		checkParse213(t, tt.raw, err, tt.errKind)
		if tt.errKind == "" && !got.Equal(tt.want) {
			t.Errorf("ParseMDTM(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
	var te *TimeValError
	if _, err := ParseMDTM(replyOf(t, "213 20240230000000\r\n")); !errors.As(err, &te) {
		t.Errorf("a bad date: %v does not wrap a *TimeValError", err)
	}
}

func TestParseSIZE(t *testing.T) {
	tests := []struct {
		raw     string
		want    int64
		errKind string
	}{
		{"213 1830\r\n", 1830, ""},
		{"213 0\r\n", 0, ""},
		{"213 007\r\n", 7, ""},
		{"213 9223372036854775807\r\n", 1<<63 - 1, ""},
		{"550 Could not get file size.\r\n", 0, "reply"},
		{"213 9223372036854775808\r\n", 0, "grammar"},
		{"213 1830 bytes\r\n", 0, "grammar"},
		{"213 -1\r\n", 0, "grammar"},
		{"213 \r\n", 0, "grammar"},
		{"213 1.8K\r\n", 0, "grammar"},
		{"213-Size:\r\n 1830\r\n213 End\r\n", 0, "grammar"},
	}
	for _, tt := range tests {
		got, err := ParseSIZE(replyOf(t, tt.raw))
		checkParse213(t, tt.raw, err, tt.errKind)
		if tt.errKind == "" && got != tt.want {
			t.Errorf("ParseSIZE(%q) = %d, want %d", tt.raw, got, tt.want)
		}
	}
}

func checkParse213(t *testing.T, raw string, err error, kind string) {
	t.Helper()
	var re *ReplyError
	var ge *GrammarError
	switch kind {
	case "":
		if err != nil {
			t.Errorf("%q: %v", raw, err)
		}
	case "reply":
		if !errors.As(err, &re) || re.Code() == ReplyFileStatus {
			t.Errorf("%q: %v, want a *ReplyError", raw, err)
		}
	case "grammar":
		if !errors.As(err, &ge) {
			t.Errorf("%q: %v, want a *GrammarError", raw, err)
		} else if !safeText(err.Error()) {
			t.Errorf("%q: error %q is not printable", raw, err)
		}
	}
}
