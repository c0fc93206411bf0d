package harness

import (
	"fmt"
	"slices"
	"strings"
)

// The FEAT listing violations ParseFeatures detects (RFC 2389 §3.2 and the
// feature lines of RFC 2640 §4.3 and RFC 3659 §7.8). Line indexes the
// reply's lines.
const (
	// FeatBadCode: FEAT was answered with a code that is neither 211 nor
	// an error reply (4yz, 5yz).
	FeatBadCode ViolationKind = "feat-code"
	// FeatNoFeatures: a multi-line 211 without a feature line; a server
	// with nothing to list MUST answer with a single line.
	FeatNoFeatures ViolationKind = "feat-multiline-empty"
	// FeatLineSpace: a feature line that does not begin with exactly one
	// SP: none, two, or a tab ("That space is not optional, nor does it
	// indicate general white space").
	FeatLineSpace ViolationKind = "feat-line-sp"
	// FeatLineChars: a feature line with a byte outside VCHAR, SP and HTAB
	// (a control byte, or one above 0x7e), or nothing after its SP.
	FeatLineChars ViolationKind = "feat-line-chars"
	// FeatEnd: a listing whose last line is not "211 End" (the word End in
	// any case).
	FeatEnd ViolationKind = "feat-end"
	// FeatEndText: text after "211 End" ("211 End.", "211 End FEAT."):
	// the ABNF allows none, though RFC 3659's own examples show "211 End.".
	FeatEndText ViolationKind = "feat-end-text"
	// FeatLabelCase: a label that its RFC defines as case-insensitive, sent
	// with lower-case letters (RFC 2389 §3.2 recommends upper case).
	FeatLabelCase ViolationKind = "feat-label-case"
	// FeatListsItself: FEAT or OPTS listed as a feature (RFC 2389 §3.2:
	// "The FEAT command itself is not included").
	FeatListsItself ViolationKind = "feat-lists-itself"
	// FeatTwoPerLine: a line holding several features (" SIZE MDTM"):
	// "Each extension supported must be listed on a separate line".
	FeatTwoPerLine ViolationKind = "feat-two-per-line"
	// FeatMLSTParams: an MLST line whose fact list breaks RFC 3659 §7.8:
	// SP "MLST" [SP factlist], factlist = 1*( factname ["*"] ";" ).
	FeatMLSTParams ViolationKind = "feat-mlst-params"
	// FeatLANGParams: a LANG line whose tags break RFC 2640 §4.3:
	// SP "LANG" SP lang-tag ["*"] *(";" lang-tag ["*"]).
	FeatLANGParams ViolationKind = "feat-lang-params"
)

// Feature is one feature line of a FEAT listing (RFC 2389 §3.2), such as
// the middle line of
//
//	211-Features:
//	 MLST size*;modify*;type*;
//	211 End
//
// Name is the feature label in upper case ("MLST"), Label the label as
// sent, and Params everything after the SP that follows the label
// ("size*;modify*;type*;"; "" when nothing does). Line indexes the line in
// the reply. RFC 2389 §3.2 calls labels and parameters "nominally case
// sensitive" but leaves the rule to each feature's definition; every label
// the covered RFCs define is case-insensitive and SHOULD be sent in upper
// case (FeatLabelCase), hence the lookups by Name.
type Feature struct {
	Name   string
	Label  string
	Params string
	Line   int
}

// Features is the reply to FEAT, parsed once (RFC 2389 §3.2):
//
//	211-Extensions supported:
//	 MDTM
//	 MLST type*;size*;modify*;
//	 REST STREAM
//	211 End
//
// List holds the feature lines in order; Violations the ways the reply
// breaks the listing grammar. A reply other than 211 lists nothing; a
// single-line 211 is the "no-features" reply.
type Features struct {
	Reply      *Reply
	List       []Feature
	Violations []Violation
}

// knownLabels are the feature labels defined by the RFCs the catalog
// covers, all case-insensitive, with whether their line carries
// parameters. RFC 2428 defines no FEAT line, but servers list EPRT and
// EPSV as if it did.
var knownLabels = map[string]bool{
	"MDTM": false, "SIZE": false, "REST": true, "TVFS": false, "MLST": true, // RFC 3659
	"UTF8": false, "LANG": true, // RFC 2640
	"AUTH": true, "PBSZ": false, "PROT": false, "CCC": false, "ADAT": false, // RFC 2228, 4217
	"HOST": false,                               // RFC 7151
	"EPRT": false, "EPSV": false, "PASV": false, // RFC 2428, RFC 959
}

// ParseFeatures reads the reply to FEAT. It never fails: what it finds
// wrong is in Violations, and every line that holds a label is listed even
// when its framing is wrong (a line without its leading SP still names a
// feature), so that the checks of the features themselves can run.
func ParseFeatures(r *Reply) *Features {
	f := &Features{Reply: r}
	if r == nil || len(r.Lines) == 0 {
		return f
	}
	switch c := Class(r.Code); {
	case r.Code == ReplySystemStatus:
	case c == 4 || c == 5:
		return f
	default:
		f.add(FeatBadCode, 0, "FEAT answered %d: the reply is a 211 listing or an error (4yz, 5yz)", r.Code)
		return f
	}
	if !r.Multiline() {
		return f // no-features
	}
	last := len(r.Lines) - 1
	for i := 1; i < last; i++ {
		f.line(i, r.Lines[i])
	}
	if len(f.List) == 0 {
		f.add(FeatNoFeatures, 0, "a multi-line 211 without a feature line: a server with nothing to list answers one line")
	}
	switch end := lineText(r.Lines[last]); {
	case strings.EqualFold(end, "End"):
	case len(end) > 3 && strings.EqualFold(end[:3], "End"):
		f.add(FeatEndText, last, "%q follows \"End\" in the last line", Printable(end[3:]))
	default:
		f.add(FeatEnd, last, "the listing ends with %q instead of \"211 End\"", Printable(r.Lines[last]))
	}
	return f
}

// line parses the feature line at index i.
func (f *Features) line(i int, raw string) {
	body := strings.TrimLeft(raw, " \t")
	switch lead := raw[:len(raw)-len(body)]; {
	case lead == " ":
	case lead == "":
		f.add(FeatLineSpace, i, "feature line %q does not begin with a SP", Printable(raw))
	default:
		f.add(FeatLineSpace, i, "feature line %q begins with %q instead of one SP", Printable(raw), lead)
	}
	if body == "" {
		f.add(FeatLineChars, i, "a feature line with no feature")
		return
	}
	if j := strings.IndexFunc(body, func(c rune) bool { return c != ' ' && c != '\t' && (c < 0x21 || c > 0x7e) }); j >= 0 {
		f.add(FeatLineChars, i, "feature line %q holds %q, which is not a visible ASCII character", Printable(raw), Printable(body[j:j+1]))
	}
	label, params, _ := strings.Cut(body, " ")
	feat := Feature{Name: upperASCII(label), Label: label, Params: params, Line: i}
	f.List = append(f.List, feat)

	takesParams, known := knownLabels[feat.Name]
	if known && label != feat.Name {
		f.add(FeatLabelCase, i, "label %q should be sent in upper case (RFC 2389 §3.2)", label)
	}
	if feat.Name == "FEAT" || feat.Name == "OPTS" {
		f.add(FeatListsItself, i, "%s is listed as a feature; support for FEAT and OPTS is implied", feat.Name)
	}
	if known && !takesParams && params != "" {
		words := strings.Fields(params)
		if slices.ContainsFunc(words, func(w string) bool { _, k := knownLabels[upperASCII(w)]; return k }) {
			f.add(FeatTwoPerLine, i, "line %q holds more than one feature", Printable(raw))
		}
	}
	switch feat.Name {
	case "MLST":
		if _, problem := parseFactList(params); problem != "" {
			f.add(FeatMLSTParams, i, "MLST line %q: %s", Printable(raw), problem)
		}
	case "LANG":
		if _, problem := parseLangList(params); problem != "" {
			f.add(FeatLANGParams, i, "LANG line %q: %s", Printable(raw), problem)
		}
	}
}

func (f *Features) add(kind ViolationKind, line int, format string, args ...any) {
	f.Violations = append(f.Violations, Violation{Kind: kind, Line: line, Detail: fmt.Sprintf(format, args...)})
}

// Supported reports whether FEAT was answered 211 (RFC 2389 §3.2: a
// server without FEAT answers 500 or 502).
func (f *Features) Supported() bool {
	return f != nil && f.Reply != nil && f.Reply.Code == ReplySystemStatus
}

// HasViolation reports whether the listing carries a violation of kind.
func (f *Features) HasViolation(kind ViolationKind) bool {
	return f != nil && slices.ContainsFunc(f.Violations, func(v Violation) bool { return v.Kind == kind })
}

// Has reports whether the listing names a feature. A label alone ("MLST",
// "size") matches the label in any case; a label and a parameter ("REST
// STREAM", "AUTH TLS") also needs the parameter among the feature's
// parameters, which are separated by SP, ";" or "," and compared in any
// case, a trailing "*" aside: "AUTH TLS" matches " AUTH TLS" and
// " AUTH TLS;SSL", "LANG EN" matches " LANG EN*;FR".
func (f *Features) Has(name string) bool {
	label, param, _ := strings.Cut(strings.Trim(name, " "), " ")
	if f == nil || label == "" {
		return false
	}
	for _, ft := range f.List {
		if !strings.EqualFold(ft.Label, label) {
			continue
		}
		if param == "" || slices.ContainsFunc(paramWords(ft.Params), func(w string) bool { return strings.EqualFold(w, param) }) {
			return true
		}
	}
	return false
}

// Get returns the first feature whose label is label (in any case).
func (f *Features) Get(label string) (Feature, bool) {
	if f == nil {
		return Feature{}, false
	}
	for _, ft := range f.List {
		if strings.EqualFold(ft.Label, label) {
			return ft, true
		}
	}
	return Feature{}, false
}

// Params returns the parameters of the first feature whose label is label,
// "" when it has none or is not listed.
func (f *Features) Params(label string) string {
	ft, _ := f.Get(label)
	return ft.Params
}

// Names returns the upper-cased labels in the order listed.
func (f *Features) Names() []string {
	if f == nil {
		return nil
	}
	out := make([]string, len(f.List))
	for i, ft := range f.List {
		out[i] = ft.Name
	}
	return out
}

// upperASCII upper-cases the ASCII letters of s and leaves every other
// byte as it is (strings.ToUpper would replace invalid UTF-8).
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 0x20
		}
	}
	return string(b)
}

// lowerASCII lower-cases the ASCII letters of s and leaves every other
// byte as it is.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 0x20
		}
	}
	return string(b)
}

// paramWords splits feature parameters into words at SP, ";" and ",",
// each without a trailing "*".
func paramWords(params string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(params, func(c rune) bool { return c == ' ' || c == ';' || c == ',' }) {
		if w = strings.TrimSuffix(w, "*"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// FactOffer is one fact of the MLST feature line (RFC 3659 §7.8): a fact
// the server supports, and whether MLST and MLSD return it now (the "*",
// which marks the default set and, after OPTS MLST, the selected one).
// Name is lower-cased: fact names are case-insensitive (RFC 3659 §7.5).
type FactOffer struct {
	Name     string
	Selected bool
}

// MLSTFacts returns the facts of the MLST line, in the order listed; nil
// when MLST is not listed or lists no fact. A malformed list yields what
// can be read of it (the violation is FeatMLSTParams).
func (f *Features) MLSTFacts() []FactOffer {
	ft, ok := f.Get("MLST")
	if !ok {
		return nil
	}
	facts, _ := parseFactList(ft.Params)
	return facts
}

// SelectedFacts returns the names of the MLST facts marked "*", lower-cased.
func (f *Features) SelectedFacts() []string {
	var out []string
	for _, fo := range f.MLSTFacts() {
		if fo.Selected {
			out = append(out, fo.Name)
		}
	}
	return out
}

// parseFactList reads the parameters of an MLST feature line:
//
//	factlist = 1*( factname ["*"] ";" )      ; "type*;size*;modify;"
//
// problem is "" when they follow the grammar.
func parseFactList(params string) (facts []FactOffer, problem string) {
	if params == "" {
		return nil, ""
	}
	if params[0] == ' ' {
		problem = "more than one SP after MLST (\"two spaces are not permitted\")"
		params = strings.TrimLeft(params, " ")
	}
	parts := strings.Split(params, ";")
	if parts[len(parts)-1] != "" {
		setProblem(&problem, fmt.Sprintf("fact %q is not followed by \";\"", Printable(parts[len(parts)-1])))
	}
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, star := strings.CutSuffix(p, "*")
		if !isFactName(name) {
			setProblem(&problem, fmt.Sprintf("%q is not a fact name", Printable(p)))
			if name == "" {
				continue
			}
		}
		facts = append(facts, FactOffer{Name: lowerASCII(name), Selected: star})
	}
	if strings.Contains(params, ";;") || strings.HasPrefix(params, ";") {
		setProblem(&problem, "an empty fact name")
	}
	return facts, problem
}

// setProblem keeps the first problem found.
func setProblem(problem *string, p string) {
	if *problem == "" {
		*problem = p
	}
}

// LangOffer is one language of the LANG feature line (RFC 2640 §4.3), with
// whether it is the one in use (the "*").
type LangOffer struct {
	Tag     string
	Current bool
}

// Langs returns the languages of the LANG line in the order listed; nil
// when LANG is not listed.
func (f *Features) Langs() []LangOffer {
	ft, ok := f.Get("LANG")
	if !ok {
		return nil
	}
	langs, _ := parseLangList(ft.Params)
	return langs
}

// parseLangList reads the parameters of a LANG feature line:
//
//	lang-fact = lang-tag ["*"] *( ";" lang-tag ["*"] )     ; "EN*;FR"
//
// problem is "" when they follow the grammar.
func parseLangList(params string) (langs []LangOffer, problem string) {
	if params == "" {
		return nil, "no language tag (at least one is required)"
	}
	for _, p := range strings.Split(params, ";") {
		tag, star := strings.CutSuffix(p, "*")
		if !ValidLangTag(tag) {
			setProblem(&problem, fmt.Sprintf("%q is not a language tag (1*8ALPHA *(\"-\" 1*8ALPHA))", Printable(p)))
			if tag == "" {
				continue
			}
		}
		langs = append(langs, LangOffer{Tag: tag, Current: star})
	}
	return langs, problem
}

// ValidLangTag reports whether tag is a lang-tag of RFC 2640 §4.2:
//
//	lang-tag = Primary-tag *( "-" Sub-tag ), each 1*8ALPHA    ; "en", "en-US"
func ValidLangTag(tag string) bool {
	if tag == "" {
		return false
	}
	for _, part := range strings.Split(tag, "-") {
		if len(part) < 1 || len(part) > 8 {
			return false
		}
		for i := 0; i < len(part); i++ {
			if c := part[i] | 0x20; c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}
