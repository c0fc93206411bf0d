package harness

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask is what a secret is replaced with in transcripts and reports.
const Mask = "****"

// MaskSecret hides secret in text, together with the argument of every
// PASS (and ACCT, ADAT) command line; see MaskSecrets.
func MaskSecret(text, secret string) string { return MaskSecrets(text, secret) }

// MaskCommand hides the argument of a command line that carries a secret
// (PASS, ACCT, ADAT) as the transcript records it: "PASS ****", on every
// line of pipelined commands; a trailing line end is dropped. Unlike
// MaskSecrets it masks the whole argument, blanks and all.
func MaskCommand(line string) string { return maskCommand(line) }

// MaskSecrets returns text with two kinds of masking applied.
//
// Command lines: the argument of PASS, ACCT and ADAT is replaced with Mask
// on every line that is a command the harness sent, as a transcript
// renders it ("+0.002s c1 > PASS hunter2", "> PASS hunter2"), and on a
// line that is nothing but such a command ("PASS hunter2"). Prose that
// starts with the word ("PASS with a wrong password: expected 530") is
// left alone.
//
// Secrets: each secret, and its URL-escaped forms (as in
// ftp://user:pa%40ss@host), is replaced with Mask where it stands as a
// whole token. A match is not a whole token when a word character
// touches it on a side where the secret itself begins or ends with a word
// character. Word characters are Unicode letters and digits, '_' and '-'
// (the characters of identifiers and generated names such as
// "ftpconform-1a2b"). Everything else is a boundary: space, punctuation
// such as . , ; : ! ? ' " ( ) [ ] < > { }, and the URL delimiters @ / = & %
// + #. So with the secret "conform":
//
//	user:conform@host   -> user:****@host
//	"conform"           -> "****"
//	conform.            -> ****.
//	ftpconform-1a2b     -> unchanged
//	conforming          -> unchanged
//
// A match never cuts a UTF-8 character in two. Longer secrets are tried
// first, so a secret that contains another is masked whole. Empty secrets
// are ignored.
func MaskSecrets(text string, secrets ...string) string {
	text = maskCommandLines(text)
	forms := secretForms(secrets)
	if len(forms) == 0 {
		return text
	}
	out, _ := maskTokens(text, forms)
	return out
}

// secretForms lists every secret with its URL-escaped forms, longest
// first, without duplicates or empty strings.
func secretForms(secrets []string) []string {
	var all []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		all = append(all, s, url.PathEscape(s), url.QueryEscape(s), url.UserPassword("", s).String()[1:])
	}
	slices.SortFunc(all, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return slices.Compact(all)
}

// maskTokens replaces each whole-token occurrence of any of forms (longest
// first) with Mask, scanning text once from the left; n is how many were
// replaced.
func maskTokens(text string, forms []string) (out string, n int) {
	var b strings.Builder
	last := 0 // text[last:i] is still to be copied
	for i := 0; i < len(text); {
		matched := ""
		for _, f := range forms {
			if strings.HasPrefix(text[i:], f) && wholeToken(text, i, i+len(f)) {
				matched = f
				break
			}
		}
		if matched == "" {
			i++
			continue
		}
		if n == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(Mask)
		n++
		i += len(matched)
		last = i
	}
	if n == 0 {
		return text, 0
	}
	b.WriteString(text[last:])
	return b.String(), n
}

// wholeToken reports whether text[i:j] stands as a whole token: it does
// not cut a UTF-8 character in two, and no word character continues it on
// a side where it begins or ends with one.
func wholeToken(text string, i, j int) bool {
	if splitsRune(text, i) || splitsRune(text, j) {
		return false
	}
	if i > 0 {
		first, _ := utf8.DecodeRuneInString(text[i:])
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		if isWordRune(first) && isWordRune(before) {
			return false
		}
	}
	if j < len(text) {
		lastR, _ := utf8.DecodeLastRuneInString(text[:j])
		after, _ := utf8.DecodeRuneInString(text[j:])
		if isWordRune(lastR) && isWordRune(after) {
			return false
		}
	}
	return true
}

// splitsRune reports whether position p of text falls inside a valid
// multi-byte UTF-8 character.
func splitsRune(text string, p int) bool {
	if p <= 0 || p >= len(text) || utf8.RuneStart(text[p]) {
		return false
	}
	for s := p - 1; s >= 0 && s >= p-(utf8.UTFMax-1); s-- {
		if utf8.RuneStart(text[s]) {
			r, size := utf8.DecodeRuneInString(text[s:])
			return !(r == utf8.RuneError && size == 1) && s+size > p
		}
	}
	return false
}

// isWordRune reports whether r continues a token: a letter, a digit, '_'
// or '-'.
func isWordRune(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// maskCommandLines masks the argument of secret-carrying commands on the
// lines of text that are commands (see MaskSecrets).
func maskCommandLines(text string) string {
	if !containsFold(text, "PASS") && !containsFold(text, "ACCT") && !containsFold(text, "ADAT") {
		return text
	}
	lines := strings.SplitAfter(text, "\n")
	for k, l := range lines {
		body := strings.TrimRight(l, "\r\n")
		start, sent := commandStart(body)
		cmd := body[start:]
		if !sent {
			// A bare command line: the verb and one argument, nothing else.
			verb, arg, ok := strings.Cut(strings.TrimSpace(cmd), " ")
			if !ok || strings.ContainsAny(arg, " \t") || !secretVerb(verb) {
				continue
			}
		}
		if m := maskOne(cmd); m != cmd && !alreadyMasked(cmd) {
			lines[k] = body[:start] + m + l[len(body):]
		}
	}
	return strings.Join(lines, "")
}

// alreadyMasked reports whether a command's argument is Mask already (an
// error message such as "PASS ****: expected one of 230, 202; got 530").
func alreadyMasked(cmd string) bool {
	_, arg, _ := strings.Cut(cmd, " ")
	return strings.HasPrefix(strings.TrimLeft(arg, " "), Mask)
}

// secretVerb reports whether verb is a command whose argument is secret.
func secretVerb(verb string) bool {
	switch strings.ToUpper(verb) {
	case "PASS", "ACCT", "ADAT":
		return true
	}
	return false
}

// commandStart finds where a command begins on a transcript line
// "+0.002s c1 > PASS x" or "> PASS x" (sent is true), else returns the
// first non-blank byte.
func commandStart(line string) (start int, sent bool) {
	i := len(line) - len(strings.TrimLeft(line, " \t"))
	j := i
	if j < len(line) && line[j] == '+' { // "+0.002s "
		k := j + 1
		for k < len(line) && (isDigit(line[k]) || line[k] == '.') {
			k++
		}
		if k > j+1 && k+1 < len(line) && line[k] == 's' && line[k+1] == ' ' {
			j = k + 2
		}
	}
	if j < len(line) && line[j] == 'c' { // "c1 "
		k := j + 1
		for k < len(line) && isDigit(line[k]) {
			k++
		}
		if k > j+1 && k < len(line) && line[k] == ' ' {
			j = k + 1
		}
	}
	if strings.HasPrefix(line[j:], "> ") {
		return j + 2, true
	}
	return i, false
}

// containsFold reports whether s contains the ASCII word sub in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
