package harness

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The MLST and MLSD violations ParseMLST, ParseMLSD and ParseMLSxEntry
// detect (RFC 3659 §7). Line indexes the reply's lines for MLST and the
// data's lines for MLSD.
const (
	// MLSTLineSpace: an entry line of an MLST reply that does not begin
	// with a SP (§7.2: "required even when that would not be possible").
	MLSTLineSpace ViolationKind = "mlst-line-sp"
	// MLSTNoEntry: a 250 reply to MLST without an entry line.
	MLSTNoEntry ViolationKind = "mlst-no-entry"
	// MLSTEntriesDiffer: an MLST reply with several entries whose
	// pathnames differ (§7.2: several entries only for several types of
	// one object, "the pathname component of every response MUST be
	// identical").
	MLSTEntriesDiffer ViolationKind = "mlst-entries-differ"
	// MLSDLineEnd: an MLSD line ended by LF alone, or a last line without
	// CRLF (data-response = *( entry CRLF )).
	MLSDLineEnd ViolationKind = "mlsd-line-end"
	// MLSDBlankLine: an empty MLSD line (§7.2: implementations MUST NOT
	// insert blank lines).
	MLSDBlankLine ViolationKind = "mlsd-blank-line"
	// MLSxNoSeparator: an entry without the SP between facts and pathname.
	MLSxNoSeparator ViolationKind = "mlsx-no-sp"
	// MLSxLeadingSpace: an entry whose facts come after a SP: an MLSD line
	// that starts with a SP, or an MLST line with two before its facts.
	// (A line with no facts starts with that SP, so a file named like a
	// fact set, "a=b; c", listed without facts reads the same way.)
	MLSxLeadingSpace ViolationKind = "mlsx-leading-sp"
	// MLSxNoPathname: an MLSD entry without a pathname.
	MLSxNoPathname ViolationKind = "mlsx-no-pathname"
	// MLSxFactSyntax: facts that break §7.4: a fact set that does not end
	// with ";", a fact without "=", an empty or malformed fact name, a
	// value character outside SCHAR, the same fact twice.
	MLSxFactSyntax ViolationKind = "mlsx-fact-syntax"
	// MLSxUnknownFact: a fact name that is neither standard nor
	// OS-specific ("OS-name.token") nor local ("X.token") (§7.5).
	MLSxUnknownFact ViolationKind = "mlsx-unknown-fact"
	// MLSxType: a type that is not file, cdir, pdir, dir or OS.name=kind
	// (§7.5.1).
	MLSxType ViolationKind = "mlsx-type"
	// MLSxSize: a size that is not 1*DIGIT (§7.5.7).
	MLSxSize ViolationKind = "mlsx-size"
	// MLSxTime: a modify or create fact that is not a time-val (§7.5.3,
	// §7.5.4, §2.3).
	MLSxTime ViolationKind = "mlsx-time"
	// MLSxPerm: a perm letter outside a c d e f l m p r w (§7.5.5).
	MLSxPerm ViolationKind = "mlsx-perm"
	// MLSxUnique: an empty unique fact (unique-fact = "Unique" "=" token,
	// §7.5.2).
	MLSxUnique ViolationKind = "mlsx-unique"
	// MLSxCreateAfterModify: a create time later than the modify time
	// (§7.5.4: it "can never indicate a later time than the modify fact").
	MLSxCreateAfterModify ViolationKind = "mlsx-create-after-modify"
)

// Fact is one "name=value" of an MLSx entry (RFC 3659 §7.4), as sent.
type Fact struct {
	Name  string
	Value string
}

// MLSxEntry is one entry of an MLST reply or of MLSD data (RFC 3659 §7.2):
//
//	type=file;size=1024990;modify=19980130010322;perm=r; cap60.pl198.tar.gz
//
// a fact set ("name=value;" for each fact, no SP anywhere), exactly one SP,
// and the pathname, which may hold further spaces. Facts holds the facts
// in the order sent; the fields after Pathname hold the standard facts
// that parsed, by their lower-cased names (fact names are
// case-insensitive, §7.5). Use Has to tell a missing fact from an empty
// one. Violations lists what breaks the grammar.
type MLSxEntry struct {
	Line     string // the entry as received, without a leading SP (MLST) or line end
	Facts    []Fact
	Pathname string

	Type   string    // lower-cased: "file", "dir", "cdir", "pdir" or "os.name=kind"; "" when absent
	Size   int64     // -1 when absent or malformed
	Modify time.Time // zero when absent or malformed
	Create time.Time // zero when absent or malformed
	Perm   string    // lower-cased letters
	Unique string

	Violations []Violation
}

// standardFacts are the facts of RFC 3659 §7.5, lower-cased.
var standardFacts = []string{"size", "modify", "create", "type", "unique", "perm", "lang", "media-type", "charset"}

// ParseMLSxEntry reads one entry, an MLST line without its leading SP or
// an MLSD line without its CRLF. It never fails: what it finds wrong is in
// Violations (with Line 0; ParseMLST and ParseMLSD set it). A line without
// a SP is taken as facts when it holds "=" and ";", else as a pathname.
func ParseMLSxEntry(line string) *MLSxEntry {
	e := &MLSxEntry{Line: line, Size: -1}
	set, name, found := strings.Cut(line, " ")
	if !found {
		e.add(MLSxNoSeparator, "no SP between the facts and the pathname in %q", Printable(line))
		if !looksLikeFacts(line) {
			set, name = "", line
		}
	}
	if set == "" && found {
		if w, rest, ok := strings.Cut(name, " "); ok && looksLikeFacts(w) {
			e.add(MLSxLeadingSpace, "the facts %q come after a SP that belongs between them and the pathname", Printable(w))
			set, name = w, rest
		}
	}
	e.Pathname = name
	e.parseFacts(set)
	return e
}

// looksLikeFacts reports whether s has the shape of a fact set: something
// with "=" that ends with ";".
func looksLikeFacts(s string) bool {
	return strings.Contains(s, "=") && strings.HasSuffix(s, ";")
}

func (e *MLSxEntry) add(kind ViolationKind, format string, args ...any) {
	e.Violations = append(e.Violations, Violation{Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// parseFacts reads a fact set: 1*( factname "=" value ";" ).
func (e *MLSxEntry) parseFacts(set string) {
	if set == "" {
		return
	}
	if !strings.HasSuffix(set, ";") {
		e.add(MLSxFactSyntax, "the fact set %q does not end with \";\"", Printable(set))
	} else {
		set = set[:len(set)-1]
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(set, ";") {
		name, value, ok := strings.Cut(part, "=")
		switch {
		case part == "":
			e.add(MLSxFactSyntax, "an empty fact (\";;\" or a leading \";\")")
			continue
		case !ok:
			e.add(MLSxFactSyntax, "fact %q has no \"=\"", Printable(part))
			continue
		case !isFactName(name):
			e.add(MLSxFactSyntax, "%q is not a fact name (1*RCHAR)", Printable(name))
		}
		if i := strings.IndexFunc(value, func(c rune) bool { return !isSCHAR(c) }); i >= 0 {
			e.add(MLSxFactSyntax, "the value of %s holds %q, which is not allowed in a fact (SCHAR)", Printable(name), Printable(value[i:i+1]))
		}
		key := lowerASCII(name)
		if seen[key] {
			e.add(MLSxFactSyntax, "fact %s is given twice", Printable(name))
			continue
		}
		seen[key] = true
		e.Facts = append(e.Facts, Fact{Name: name, Value: value})
		e.fact(key, name, value)
	}
	if !e.Create.IsZero() && !e.Modify.IsZero() && e.Create.After(e.Modify) {
		e.add(MLSxCreateAfterModify, "create %s is later than modify %s", formatTimeVal(e.Create), formatTimeVal(e.Modify))
	}
}

// fact checks and stores one fact whose lower-cased name is key.
func (e *MLSxEntry) fact(key, name, value string) {
	switch key {
	case "type":
		e.Type = lowerASCII(value)
		if !validType(e.Type) {
			e.add(MLSxType, "type %q is none of file, cdir, pdir, dir, OS.name=kind", Printable(value))
		}
	case "size":
		n, err := strconv.ParseInt(value, 10, 64)
		if !isDigits(value) || err != nil {
			e.add(MLSxSize, "size %q is not a decimal number of octets", Printable(value))
			return
		}
		e.Size = n
	case "modify", "create":
		t, err := ParseTimeVal(value)
		if err != nil {
			e.add(MLSxTime, "%s: %v", name, err)
			return
		}
		if key == "modify" {
			e.Modify = t
		} else {
			e.Create = t
		}
	case "perm":
		e.Perm = lowerASCII(value)
		var bad []byte
		for i := 0; i < len(value); i++ {
			if c := value[i]; !strings.ContainsRune("acdeflmprwACDEFLMPRW", rune(c)) {
				bad = append(bad, c)
			}
		}
		if len(bad) > 0 {
			e.add(MLSxPerm, "perm %q holds %q, which are not among a c d e f l m p r w", Printable(value), Printable(string(bad)))
		}
	case "unique":
		e.Unique = value
		if value == "" {
			e.add(MLSxUnique, "unique is empty")
		}
	default:
		if !slices.Contains(standardFacts, key) && !privateFact(key) {
			e.add(MLSxUnknownFact, "fact %s is not standard and names no OS (\"os.fact\") nor a local fact (\"x.fact\")", Printable(name))
		}
	}
}

// validType reports whether a lower-cased type value is file, cdir, pdir,
// dir or "os.name=kind" (RFC 3659 §7.5.1).
func validType(t string) bool {
	switch t {
	case "file", "cdir", "pdir", "dir":
		return true
	}
	rest, ok := strings.CutPrefix(t, "os.")
	if !ok {
		return false
	}
	name, kind, ok := strings.Cut(rest, "=")
	return ok && name != "" && kind != ""
}

// privateFact reports whether a lower-cased fact name has the shape of an
// OS-specific fact ("unix.mode") or a local one ("x.desc").
func privateFact(name string) bool {
	prefix, rest, ok := strings.Cut(name, ".")
	return ok && prefix != "" && rest != ""
}

// isRCHAR reports whether c is an RCHAR of RFC 3659 §2.1: a letter, a
// digit, or one of , . : ! @ # $ % ^ & ( ) - _ + ? / \ ' ".
func isRCHAR(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.ContainsRune(`,.:!@#$%^&()-_+?/\'"`, c)
}

// isSCHAR reports whether c is an SCHAR (an RCHAR or "=").
func isSCHAR(c rune) bool { return c == '=' || isRCHAR(c) }

// isFactName reports whether s is a fact name: 1*RCHAR.
func isFactName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(c rune) bool { return !isRCHAR(c) })
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// Fact returns the value of the fact name (in any case) and whether the
// entry has it.
func (e *MLSxEntry) Fact(name string) (string, bool) {
	for _, f := range e.Facts {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Has reports whether the entry has the fact name (in any case).
func (e *MLSxEntry) Has(name string) bool {
	_, ok := e.Fact(name)
	return ok
}

// IsDir reports whether the type fact names a directory: dir, cdir or
// pdir.
func (e *MLSxEntry) IsDir() bool { return e.Type == "dir" || e.Type == "cdir" || e.Type == "pdir" }

// MLSxListing is the entries of an MLST reply or of MLSD data, with what
// breaks their grammar. Violations holds the listing's own and those of
// every entry, each with the index of its line.
type MLSxListing struct {
	Entries    []*MLSxEntry
	Violations []Violation
}

// ParseMLST reads the reply to MLST (RFC 3659 §7.2):
//
//	250- Listing tmp
//	 type=dir;modify=19981107085215;perm=el; /tmp
//	250 End
//
// the entry on its own line after exactly one SP (two when the fact set is
// empty). A reply other than 250 is a *ReplyError. The listing is returned
// whatever it breaks; a line without its SP is still read as an entry.
func ParseMLST(r *Reply) (*MLSxListing, error) {
	if r == nil || len(r.Lines) == 0 {
		return nil, &GrammarError{Reply: r, Reason: "no reply"}
	}
	if r.Code != ReplyFileActionOK {
		return nil, &ReplyError{Expected: []int{ReplyFileActionOK}, Reply: r}
	}
	l := &MLSxListing{}
	for i := 1; i < len(r.Lines)-1; i++ {
		line := r.Lines[i]
		body, ok := strings.CutPrefix(line, " ")
		if !ok {
			l.Violations = append(l.Violations, Violation{Kind: MLSTLineSpace, Line: i,
				Detail: fmt.Sprintf("entry line %q does not begin with a SP", Printable(line))})
		}
		l.addEntry(i, ParseMLSxEntry(body))
	}
	switch {
	case len(l.Entries) == 0:
		l.Violations = append(l.Violations, Violation{Kind: MLSTNoEntry,
			Detail: "the 250 reply holds no entry line (250- text, SP entry, 250 text)"})
	case slices.ContainsFunc(l.Entries, func(e *MLSxEntry) bool { return e.Pathname != l.Entries[0].Pathname }):
		l.Violations = append(l.Violations, Violation{Kind: MLSTEntriesDiffer, Line: 1,
			Detail: fmt.Sprintf("%d entries with different pathnames; MLST describes one object", len(l.Entries))})
	}
	return l, nil
}

// ParseMLSD reads the data of MLSD (RFC 3659 §7.2):
//
//	type=cdir;modify=19981107085215;perm=el; /tmp CRLF
//	type=file;size=1830;modify=19940916055648;perm=r; hatch.c CRLF
//
// one entry a line, without a leading SP unless the fact set is empty.
func ParseMLSD(data []byte) *MLSxListing {
	l := &MLSxListing{}
	for i, raw := range strings.SplitAfter(string(data), "\n") {
		if raw == "" {
			continue // after the last LF
		}
		line, crlf := strings.CutSuffix(raw, "\r\n")
		if !crlf {
			detail := "the last line has no CRLF"
			if s, lf := strings.CutSuffix(raw, "\n"); lf {
				line, detail = s, "the line ends with LF, not CRLF"
			}
			l.Violations = append(l.Violations, Violation{Kind: MLSDLineEnd, Line: i, Detail: detail})
		}
		if line == "" {
			l.Violations = append(l.Violations, Violation{Kind: MLSDBlankLine, Line: i, Detail: "an empty line"})
			continue
		}
		e := ParseMLSxEntry(line)
		if e.Pathname == "" {
			e.add(MLSxNoPathname, "entry %q has no pathname", Printable(line))
		}
		l.addEntry(i, e)
	}
	return l
}

// addEntry appends e, read from line i, and its violations.
func (l *MLSxListing) addEntry(i int, e *MLSxEntry) {
	for j := range e.Violations {
		e.Violations[j].Line = i
	}
	l.Entries = append(l.Entries, e)
	l.Violations = append(l.Violations, e.Violations...)
}

// HasViolation reports whether the listing carries a violation of kind.
func (l *MLSxListing) HasViolation(kind ViolationKind) bool {
	return l != nil && slices.ContainsFunc(l.Violations, func(v Violation) bool { return v.Kind == kind })
}

// Find returns the first entry whose pathname is name or, for a qualified
// pathname ("/tmp/a.txt"), whose last element is name; nil if there is
// none.
func (l *MLSxListing) Find(name string) *MLSxEntry {
	if l == nil {
		return nil
	}
	for _, e := range l.Entries {
		if e.Pathname == name {
			return e
		}
	}
	for _, e := range l.Entries {
		if strings.Contains(e.Pathname, "/") && path.Base(e.Pathname) == name {
			return e
		}
	}
	return nil
}

// Names returns the pathnames of the entries that are not the listed
// directory or a parent (type cdir or pdir), in the order listed.
func (l *MLSxListing) Names() []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, e := range l.Entries {
		if e.Type != "cdir" && e.Type != "pdir" {
			out = append(out, e.Pathname)
		}
	}
	return out
}

// ListMLSD lists dir (the working directory when dir is "") with MLSD over
// a data connection set up in mode, and parses the data:
//
//	MLSD sub
//	150 Here comes the listing.
//	(data) type=cdir;...; /sub CRLF type=file;size=2;...; a.txt CRLF
//	226 Done.
//
// The transfer comes back whenever the command was sent, so that a check
// can judge its replies. A reply other than a 2yz completion (501 for a
// file, 550 for a missing directory, RFC 3659 §7.2.1) is a *ReplyError; a
// data connection that could not be set up or broke is an error too (the
// listing may be incomplete).
func (c *Conn) ListMLSD(ctx context.Context, mode DataMode, dir string) (*MLSxListing, *Transfer, error) {
	line := "MLSD"
	if dir != "" {
		line += " " + dir
	}
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("%s: setting up the %s data connection: %w", line, mode, err)
	}
	t, err := c.Retrieve(ctx, d, line)
	if err != nil {
		return nil, t, fmt.Errorf("%s: %w", line, err)
	}
	if Class(t.Final.Code) != 2 {
		return nil, t, &ReplyError{Cmd: line, Expected: []int{ReplyClosingData, ReplyFileActionOK}, Reply: t.Final}
	}
	if t.DataErr != nil {
		return nil, t, fmt.Errorf("%s: data connection: %w", line, t.DataErr)
	}
	return ParseMLSD(t.Data), t, nil
}
