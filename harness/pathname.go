package harness

import (
	"fmt"
	"strings"
)

// Problems Parse257 reports.
const (
	Problem257NoQuote       = "the text holds no quoted pathname"
	Problem257NotFirst      = "the text does not begin with a quoted pathname"
	Problem257Unterminated  = "the quoted pathname has no closing quote"
	problem257NotDoubledFmt = "the quote after %q is followed by %q instead of a space: a quote inside the name was not doubled"
)

// Parse257 reads the pathname of a 257 reply's text (RFC 959 Appendix
// II), the reply to PWD and MKD:
//
//	257 "/usr/dm/pathname" directory created
//	257 "/a ""quoted"" name" is current directory   (pathname /a "quoted" name)
//
// The rule is Appendix II's: the text begins with a quote, a quote inside
// the name is written twice, and the closing quote ends the text or is
// followed by a space. problem is empty when the text follows it, else it
// says what is wrong. name is what a lenient client reads even so: the
// text from the first quote to the next single quote, doubled quotes
// undone. When no pathname can be read at all (no quote, no closing
// quote) name is empty and problem is Problem257NoQuote or
// Problem257Unterminated.
func Parse257(text string) (name, problem string) {
	open := strings.IndexByte(text, '"')
	if open < 0 {
		return "", Problem257NoQuote
	}
	var b strings.Builder
	for i := open + 1; i < len(text); i++ {
		if text[i] != '"' {
			b.WriteByte(text[i])
			continue
		}
		if i+1 < len(text) && text[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		name = b.String()
		switch rest := text[i+1:]; {
		case open > 0:
			return name, Problem257NotFirst
		case rest != "" && rest[0] != ' ':
			return name, fmt.Sprintf(problem257NotDoubledFmt, name, rest[:1])
		}
		return name, ""
	}
	return "", Problem257Unterminated
}
