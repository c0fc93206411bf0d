package harness

import (
	"strings"
	"testing"
)

// quote257 writes name as Appendix II wants it: quoted, inner quotes
// doubled.
func quote257(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func TestParse257(t *testing.T) {
	tests := []struct {
		text    string
		name    string
		problem string // "" none; "*" any other problem
	}{
		// Appendix II's own examples and legal forms.
		{`"/usr/dm/pathname" directory created`, "/usr/dm/pathname", ""},
		{`"/usr/dm" is current directory.`, "/usr/dm", ""},
		{`"/"`, "/", ""},
		{`""`, "", ""},
		{`"/a ""quoted"" name" is current directory`, `/a "quoted" name`, ""},
		{`"""q""t"""`, `"q"t"`, ""},
		{`"/with space/x" created`, "/with space/x", ""},
		{`"caf` + "\xc3\xa9" + `"`, "caf\xc3\xa9", ""},
		// Deviations: the name still reads, with a problem.
		{`Current directory is "/home/x".`, "/home/x", Problem257NotFirst},
		{` "/x"`, "/x", Problem257NotFirst},
		{`"/a"b" is current directory`, "/a", "*"},
		{`"/x".`, "/x", "*"},
		// No pathname at all.
		{`/home/x is current directory`, "", Problem257NoQuote},
		{``, "", Problem257NoQuote},
		{`"/never closed`, "", Problem257Unterminated},
		{`"/doubled at the end""`, "", Problem257Unterminated},
		{`leading "/never closed`, "", Problem257Unterminated},
	}
	for _, tc := range tests {
		name, problem := Parse257(tc.text)
		if name != tc.name {
			t.Errorf("Parse257(%q) name = %q, want %q", tc.text, name, tc.name)
		}
		switch {
		case tc.problem == "*" && problem == "":
			t.Errorf("Parse257(%q): no problem reported", tc.text)
		case tc.problem != "*" && problem != tc.problem:
			t.Errorf("Parse257(%q) problem = %q, want %q", tc.text, problem, tc.problem)
		}
	}
	if _, p := Parse257(`"/a"b" x`); !strings.Contains(p, "not doubled") {
		t.Errorf("an undoubled quote is reported as %q", p)
	}
}
