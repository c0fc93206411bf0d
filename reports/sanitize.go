package reports

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Messages and transcripts quote what the server sent, and a server may
// send anything: NUL, BEL, escape sequences, bytes that are not UTF-8.
// Before text goes into a document it is passed through one of the
// functions below, which replace what the medium cannot carry by a visible
// escape: \x07 for a byte or a rune below U+0100, \uFFFE above. A backslash
// already in the text is left alone, so the escapes are for people, not
// for decoding.

// xmlText makes s safe for XML 1.0 character data and attribute values:
// it escapes invalid UTF-8 and every character outside the Char
// production (§2.2), which no parser accepts even as a character reference.
func xmlText(s string) string {
	return escapeRunes(s, func(r rune) bool { return !xmlChar(r) })
}

// displayText makes s safe to show on a terminal or in HTML: besides what
// XML forbids it escapes every control character but tab and newline (so
// no escape sequence reaches the terminal), DEL, the C1 controls and the
// bidirectional formatting characters (which can reorder what is shown).
// CRLF becomes LF first; a lone CR is escaped.
func displayText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return escapeRunes(s, func(r rune) bool {
		switch {
		case r == '\t' || r == '\n':
			return false
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return true
		case unicode.Is(unicode.Bidi_Control, r):
			return true
		}
		return !xmlChar(r)
	})
}

// xmlChar reports whether r is allowed in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0a || r == 0x0d ||
		(r >= 0x20 && r <= 0xd7ff) ||
		(r >= 0xe000 && r <= 0xfffd) ||
		(r >= 0x10000 && r <= 0x10ffff)
}

// escapeRunes replaces each invalid UTF-8 byte, and each rune for which
// bad is true, by its escape.
func escapeRunes(s string, bad func(rune) bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || bad(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case bad(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case bad(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
