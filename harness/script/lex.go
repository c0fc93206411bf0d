package script

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// scanner reads the arguments of one step: words separated by blanks,
// /regexps/ and quoted strings, each asked for by the parser that knows
// what comes next.
type scanner struct {
	s string
	i int
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func (sc *scanner) skipBlanks() {
	for sc.i < len(sc.s) && isBlank(sc.s[sc.i]) {
		sc.i++
	}
}

// done reports whether nothing but blanks is left.
func (sc *scanner) done() bool {
	sc.skipBlanks()
	return sc.i >= len(sc.s)
}

// word returns the next run of non-blank characters ("" at the end).
func (sc *scanner) word() string {
	sc.skipBlanks()
	start := sc.i
	for sc.i < len(sc.s) && !isBlank(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i]
}

// peek returns the next word without consuming it.
func (sc *scanner) peek() string {
	save := sc.i
	w := sc.word()
	sc.i = save
	return w
}

// rest returns everything left, without blanks around it.
func (sc *scanner) rest() string {
	sc.skipBlanks()
	r := strings.TrimRight(sc.s[sc.i:], " \t")
	sc.i = len(sc.s)
	return r
}

// regexp reads /RE/ and returns RE with every \/ turned into /; other
// backslash sequences stay as they are, for the regexp package. The
// closing slash must end the word.
func (sc *scanner) regexp() (string, error) {
	sc.skipBlanks()
	if sc.i >= len(sc.s) {
		return "", errors.New("missing /regexp/")
	}
	if sc.s[sc.i] != '/' {
		return "", fmt.Errorf("%q: a regexp is written between slashes, /like this/", sc.peek())
	}
	var b strings.Builder
	for j := sc.i + 1; j < len(sc.s); j++ {
		switch c := sc.s[j]; {
		case c == '\\' && j+1 < len(sc.s):
			if sc.s[j+1] != '/' {
				b.WriteByte('\\')
			}
			b.WriteByte(sc.s[j+1])
			j++
		case c == '/':
			if j+1 < len(sc.s) && !isBlank(sc.s[j+1]) {
				return "", fmt.Errorf("%q follows the closing / of a regexp (write \\/ for a slash inside it)", sc.s[j+1:])
			}
			sc.i = j + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("regexp %s has no closing /", sc.s[sc.i:])
}

// quoted reads a Go string literal, "..." or `...`, and returns its value.
func (sc *scanner) quoted() (string, error) {
	sc.skipBlanks()
	if sc.i >= len(sc.s) {
		return "", errors.New(`missing quoted string ("...")`)
	}
	q := sc.s[sc.i]
	if q != '"' && q != '`' {
		return "", fmt.Errorf("%q: want a Go quoted string, \"like this\\r\\n\"", sc.peek())
	}
	end := -1
	for j := sc.i + 1; j < len(sc.s); j++ {
		if c := sc.s[j]; c == '\\' && q == '"' {
			j++
		} else if c == q {
			end = j
			break
		}
	}
	if end < 0 {
		return "", fmt.Errorf("quoted string %s has no closing %c", sc.s[sc.i:], q)
	}
	lit := sc.s[sc.i : end+1]
	v, err := strconv.Unquote(lit)
	if err != nil {
		return "", fmt.Errorf("bad quoted string %s: %v", lit, err)
	}
	if end+1 < len(sc.s) && !isBlank(sc.s[end+1]) {
		return "", fmt.Errorf("%q follows the closing %c of a quoted string", sc.s[end+1:], q)
	}
	sc.i = end + 1
	return v, nil
}

// template is text with {name} references: send lines and set values.
type template []part

// part is literal text, or a reference when ref is set.
type part struct {
	lit string
	ref string
}

// parseTemplate splits s into literal text and {name} references; {{ and
// }} stand for literal braces.
func parseTemplate(s string) (template, error) {
	var t template
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && strings.HasPrefix(s[i:], "{{"), c == '}' && strings.HasPrefix(s[i:], "}}"):
			lit.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed { in %q (write {{ for a literal brace)", s)
			}
			name := s[i+1 : i+end]
			if !nameGrammar.MatchString(name) {
				return nil, fmt.Errorf("bad variable reference {%s}: a name is a lower-case letter, then lower-case letters, digits and _ (write {{ and }} for literal braces)", name)
			}
			flush()
			t = append(t, part{ref: name})
			i += end
		case c == '}':
			return nil, fmt.Errorf("lone } in %q (write }} for a literal brace)", s)
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return t, nil
}

// literalPrefix returns the text before the first reference.
func (t template) literalPrefix() string {
	var b strings.Builder
	for _, p := range t {
		if p.ref != "" {
			break
		}
		b.WriteString(p.lit)
	}
	return b.String()
}

// expand substitutes the variables; a missing one is an error.
func (t template) expand(vars map[string]string) (string, error) {
	var b strings.Builder
	for _, p := range t {
		if p.ref == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := vars[p.ref]
		if !ok {
			return "", fmt.Errorf("variable {%s} has no value in this run", p.ref)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// replySpec is the codes an expect step accepts: alternatives, each a
// closed range of codes.
type replySpec struct {
	text string // as written: "250", "2xx", "500|501|502"
	alts []codeRange
}

type codeRange struct{ lo, hi int }

// parseSpec reads SPEC: alternatives separated by |, each an exact code
// (250), a class (2xx) or a two-digit prefix (25x).
func parseSpec(s string) (replySpec, error) {
	bad := fmt.Errorf("bad reply spec %q: want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |", s)
	if s == "" {
		return replySpec{}, errors.New("missing reply spec (a code such as 250, a class such as 2xx, a prefix such as 25x)")
	}
	spec := replySpec{text: s}
	for alt := range strings.SplitSeq(s, "|") {
		if len(alt) != 3 || alt[0] < '1' || alt[0] > '6' {
			return replySpec{}, bad
		}
		d := func(c byte) bool { return c >= '0' && c <= '9' }
		x := func(c byte) bool { return c == 'x' || c == 'X' }
		first := int(alt[0]-'0') * 100
		switch {
		case d(alt[1]) && d(alt[2]):
			n := first + int(alt[1]-'0')*10 + int(alt[2]-'0')
			spec.alts = append(spec.alts, codeRange{n, n})
		case d(alt[1]) && x(alt[2]):
			n := first + int(alt[1]-'0')*10
			spec.alts = append(spec.alts, codeRange{n, n + 9})
		case x(alt[1]) && x(alt[2]):
			spec.alts = append(spec.alts, codeRange{first, first + 99})
		default:
			return replySpec{}, bad
		}
	}
	return spec, nil
}

// match reports whether code is one of the alternatives.
func (s replySpec) match(code int) bool {
	for _, a := range s.alts {
		if code >= a.lo && code <= a.hi {
			return true
		}
	}
	return false
}
