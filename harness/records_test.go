package harness

import (
	"slices"
	"strings"
	"testing"
)

func TestDecodeRecords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  string
	}{
		{"two records and EOF", "ab\xff\x01cd\xff\x01\xff\x02", []string{"ab", "cd"}, ""},
		{"EOR and EOF together", "ab\xff\x01cd\xff\x03", []string{"ab", "cd"}, ""},
		{"a doubled 0xFF is data", "a\xff\xffb\xff\x01\xff\x02", []string{"a\xffb"}, ""},
		{"an empty record", "\xff\x01\xff\x02", []string{""}, ""},
		{"no EOF: the close ends the file", "ab\xff\x01cd\xff\x01", []string{"ab", "cd"}, ""},
		{"a last record without EOR", "ab\xff\x01cd", []string{"ab", "cd"}, ""},
		{"a last record ended by EOF", "ab\xff\x01cd\xff\x02", []string{"ab", "cd"}, ""},
		{"what follows EOF is ignored", "ab\xff\x02junk", []string{"ab"}, ""},
		{"nothing", "", nil, ""},
		{"a lone 0xFF at the end", "ab\xff\x01c\xff", []string{"ab"}, "lone 0xFF at byte 5"},
		{"no control code", "ab\xff\x07", nil, "0xFF followed by 0x07 at byte 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeRecords([]byte(tc.in))
			var gs []string
			for _, r := range got {
				gs = append(gs, string(r))
			}
			if !slices.Equal(gs, tc.want) {
				t.Errorf("DecodeRecords(%q) = %q, want %q", tc.in, gs, tc.want)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("DecodeRecords(%q): %v", tc.in, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("DecodeRecords(%q): %v, want %q", tc.in, err, tc.err)
			}
		})
	}
}

func TestEncodeRecords(t *testing.T) {
	for _, tc := range []struct {
		records []string
		want    string
	}{
		{nil, "\xff\x02"},
		{[]string{""}, "\xff\x01\xff\x02"},
		{[]string{"ab", "c\xffd"}, "ab\xff\x01c\xff\xffd\xff\x01\xff\x02"},
	} {
		var rs [][]byte
		for _, r := range tc.records {
			rs = append(rs, []byte(r))
		}
		if got := string(EncodeRecords(rs)); got != tc.want {
			t.Errorf("EncodeRecords(%q) = %q, want %q", tc.records, got, tc.want)
		}
	}
}
