package checkmeta

import (
	"regexp"
	"strings"
)

// keyGrammar is KEY = ID ["/" SLUG]: an ID starts with a capital letter
// and goes on with letters, digits, dots and dashes; a slug is lower case.
var keyGrammar = regexp.MustCompile(`^([A-Z][A-Za-z0-9.-]*)(?:/([a-z0-9][a-z0-9-]*))?$`)

// ParseKey splits a check key into its requirement ID and its slug:
// "RFC959-5.4-PASS-CODES/wrong-password" gives "RFC959-5.4-PASS-CODES"
// and "wrong-password"; a key without "/" is the ID alone and has no
// slug. ok is false when key does not follow the grammar.
func ParseKey(key string) (id, slug string, ok bool) {
	m := keyGrammar.FindStringSubmatch(key)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Heading is the text of a check's spec, "[KEY] title". Without a key it
// is the title alone, without a title "[KEY]".
func Heading(key, title string) string {
	switch {
	case key == "":
		return title
	case title == "":
		return "[" + key + "]"
	}
	return "[" + key + "] " + title
}

// ParseHeading reads the key and title back from a spec's text,
// "[KEY] title" (spaces around the title do not count). ok is false when
// the text does not start with a well-formed key in brackets.
func ParseHeading(text string) (key, title string, ok bool) {
	rest, ok := strings.CutPrefix(text, "[")
	if !ok {
		return "", "", false
	}
	key, title, ok = strings.Cut(rest, "]")
	if !ok {
		return "", "", false
	}
	if _, _, valid := ParseKey(key); !valid {
		return "", "", false
	}
	return key, strings.TrimSpace(title), true
}
