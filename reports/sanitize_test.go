package reports

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestXMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain 220 ready", "plain 220 ready"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"nul\x00bel\x07", `nul\x00bel\x07`},
		{"esc\x1b[0m", `esc\x1b[0m`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"truncated \xe2\x82", `truncated \xe2\x82`},
		{"surrogate \xed\xa0\x80", `surrogate \xed\xa0\x80`},
		{"nonchar \ufffe\uffff", `nonchar \uFFFE\uFFFF`},
		{"ok \u00e9\u20ac\U0001F600 \ufffd", "ok \u00e9\u20ac\U0001F600 \ufffd"},
		{"del \x7f and c1 \u0085 allowed", "del \x7f and c1 \u0085 allowed"},
	}
	for _, tt := range tests {
		got := xmlText(tt.in)
		if got != tt.want {
			t.Errorf("xmlText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Whatever went in, the result can be carried by XML.
		var v struct {
			XMLName xml.Name `xml:"x"`
			A       string   `xml:"a,attr"`
			B       string   `xml:",cdata"`
		}
		v.A, v.B = got, got
		doc, err := xml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(doc, &v); err != nil {
			t.Errorf("xmlText(%q) gave %q, which does not survive XML: %v", tt.in, got, err)
		} else if v.B != strings.ReplaceAll(got, "\r", "\n") {
			t.Errorf("round trip of %q gave %q", got, v.B)
		}
	}
}

func TestDisplayText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"line one\r\nline two\n\tindented", "line one\nline two\n\tindented"},
		{"lone\rcr", `lone\x0dcr`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"del\x7f c1\u009b", `del\x7f c1\x9b`},
		{"rtl \u202eoverride\u2066", `rtl \u202Eoverride\u2066`},
		{"\xff", `\xff`},
		{"§ é ✓", "§ é ✓"},
	}
	for _, tt := range tests {
		if got := displayText(tt.in); got != tt.want {
			t.Errorf("displayText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFirstLineAndShorten(t *testing.T) {
	if got := firstLine("\n  \n  first  \nsecond"); got != "first" {
		t.Errorf("firstLine = %q", got)
	}
	if got := shorten("ééééé", 3); got != "éé…" {
		t.Errorf("shorten = %q", got)
	}
	if got := shorten("abc", 3); got != "abc" {
		t.Errorf("shorten = %q", got)
	}
	if strings.Contains(firstLine(""), "\n") {
		t.Error("firstLine of empty")
	}
}
