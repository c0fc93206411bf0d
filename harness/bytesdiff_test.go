package harness

import (
	"strings"
	"testing"
)

func TestDiffBytes(t *testing.T) {
	tests := []struct{ got, want, msg string }{
		{"abc", "abc", ""},
		{"", "", ""},
		{"abXd", "abcd", `got 4 bytes, want 4; first difference at offset 2: got 58 64 ("Xd"), want 63 64 ("cd")`},
		{"ab", "abcd", `got 2 bytes, want 4; first difference at offset 2: got the end of the data, want 63 64 ("cd")`},
		{"0123456789abcdefghij\x00", "0123456789abcdefghij",
			`got 21 bytes, want 20; first difference at offset 20: got 00 ("\x00"), want the end of the data`},
		{"\x00" + strings.Repeat("a", 20), "\x01" + strings.Repeat("a", 20),
			`got 21 bytes, want 21; first difference at offset 0: got 00 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 ("\x00aaaaaaaaaaaaaaa") ..., want 01 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 ("\x01aaaaaaaaaaaaaaa") ...`},
	}
	for _, tc := range tests {
		if got := DiffBytes([]byte(tc.got), []byte(tc.want)); got != tc.msg {
			t.Errorf("DiffBytes(%q, %q) =\n%s\nwant\n%s", tc.got, tc.want, got, tc.msg)
		}
	}
}
