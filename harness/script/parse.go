package script

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// maxSleep is the longest sleep step.
const maxSleep = 10 * time.Second

// Levels a header may give.
var levels = []string{"MUST", "SHOULD", "MAY", "POLICY"}

// pseudoNeeds are the needs that are no FEAT feature: FEAT itself (the
// server answers FEAT with a feature list; FEAT never lists itself).
var pseudoNeeds = []string{"TLS", "write", "active", "passive", "FEAT"}

// builtins are the variables every run defines.
var builtins = []string{"user", "password", "scratch", "host"}

// headerKeys are the header fields, in the order the messages list them.
var headerKeys = []string{"title", "id", "level", "labels", "needs", "quote"}

var (
	idGrammar    = regexp.MustCompile(`^[A-Z][A-Za-z0-9.-]*$`)
	labelGrammar = regexp.MustCompile(`^[a-z0-9][a-z0-9:._-]*$`)
	// The slug an id: may give after a "/".
	slugGrammar = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// A variable or buffer name, and a connection name (@NAME).
	nameGrammar = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	connGrammar = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	// A FEAT feature: a label, optionally one parameter ("REST STREAM").
	featureGrammar = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*( [A-Za-z0-9][A-Za-z0-9._+*-]*)?$`)
)

// Parse reads one scenario. file is the name failures and errors show;
// fixtures is where "fixture PATH" sources are read from (the script's
// directory; nil makes every fixture step an error). Every problem of the
// file is reported, not just the first, as an ErrorList of
// "file:line: what is wrong".
func Parse(file string, src []byte, fixtures fs.FS) (*Script, error) {
	s, errs := parse(file, src, fixtures)
	return s, errs.err()
}

// parse is Parse with the problems as a list, in the order found: nil
// and the problems, or the script and none.
func parse(file string, src []byte, fixtures fs.FS) (*Script, ErrorList) {
	p := &parser{
		s:           &Script{File: file},
		fixtures:    fixtures,
		header:      map[string]int{},
		conns:       map[string]*connState{},
		vars:        map[string]bool{},
		pending:     map[string]int{},
		buffers:     map[string]bool{},
		fixtureData: map[string][]byte{},
	}
	for _, b := range builtins {
		p.vars[b] = true
	}
	for i, line := range strings.Split(string(src), "\n") {
		p.line(i+1, strings.TrimSuffix(line, "\r"))
	}
	p.finish()
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return p.s, nil
}

// parser holds what the static checks know at the current line.
type parser struct {
	s           *Script
	fixtures    fs.FS
	fixtureData map[string][]byte // the fixtures read so far, by path
	errs        ErrorList

	header     map[string]int // header field -> its line
	firstStep  int            // line of the first step, 0 before it
	conns      map[string]*connState
	vars       map[string]bool // defined so far
	pending    map[string]int  // captures not yet referenced -> their line
	buffers    map[string]bool // defined by a download so far
	writeNeed  bool            // "write" in needs:
	writeSteps bool            // an upload, write or writing send
}

// connState is what the static checks know of one control connection.
type connState struct {
	open     bool
	openLine int
	quitLine int  // the quit that closed it, 0 if none
	data     int  // line of the data step whose channel is unused, 0: none
	usedLine int  // the step that used the last data channel
	usedKind Kind // and its kind
}

func (p *parser) errf(line int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.s.File, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// line handles one line of the file.
func (p *parser) line(n int, raw string) {
	text := strings.TrimLeft(raw, " \t")
	if strings.TrimRight(text, " \t") == "" || text[0] == '#' {
		return
	}
	first, _, _ := cutBlank(text)
	if key, _, ok := strings.Cut(first, ":"); ok && isHeaderKey(key) {
		_, value, _ := strings.Cut(text, ":")
		p.headerField(n, key, strings.TrimSpace(value))
		return
	}
	if p.firstStep == 0 {
		p.firstStep = n
	}
	p.step(n, text)
}

// isHeaderKey reports whether s looks like a header key: a letter, then
// letters, digits, _ and -.
func isHeaderKey(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	return !strings.ContainsFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')
	})
}

// headerField handles "key: value".
func (p *parser) headerField(n int, key, value string) {
	if !slices.Contains(headerKeys, key) {
		p.errf(n, "unknown header field %q (want title, id, level, labels, needs or quote)", key)
		return
	}
	if p.firstStep != 0 {
		p.errf(n, "header field %q must come before the first step (line %d)", key, p.firstStep)
		return
	}
	if prev, dup := p.header[key]; dup {
		p.errf(n, "duplicate header field %q (first at line %d)", key, prev)
		return
	}
	p.header[key] = n
	if value == "" {
		p.errf(n, "header field %q is empty", key)
		return
	}
	s := p.s
	switch key {
	case "title":
		s.Title, s.TitleLine = value, n
	case "quote":
		s.Quote = value
	case "id":
		id, slug, hasSlug := strings.Cut(value, "/")
		ok := true
		if !idGrammar.MatchString(id) {
			p.errf(n, "id %q: want a capital letter, then letters, digits, dots and dashes (RFC959-5.4-MKD-CODES, SITE-ACME-QUOTA)", id)
			ok = false
		}
		if hasSlug && !slugGrammar.MatchString(slug) {
			p.errf(n, "id %q: the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)", value)
			ok = false
		}
		if ok {
			s.ID, s.slug, s.IDLine = id, slug, n
		}
	case "level":
		if !slices.Contains(levels, value) {
			p.errf(n, "level %q: want MUST, SHOULD, MAY or POLICY", value)
			return
		}
		s.Level, s.LevelLine = value, n
	case "labels":
		for _, l := range p.list(n, "labels", value) {
			switch {
			case !labelGrammar.MatchString(l):
				p.errf(n, "label %q: want a lower-case letter or digit, then lower-case letters, digits and : . _ -", l)
			case slices.Contains(s.Labels, l):
				p.errf(n, "label %q is listed twice", l)
			default:
				s.Labels = append(s.Labels, l)
			}
		}
	case "needs":
		for _, need := range p.list(n, "needs", value) {
			p.need(n, need)
		}
	}
}

// list splits a comma-separated header value; an empty item is an error.
func (p *parser) list(n int, key, value string) []string {
	var out []string
	for item := range strings.SplitSeq(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			p.errf(n, "%s: empty item in %q", key, value)
			continue
		}
		out = append(out, item)
	}
	return out
}

// need adds one item of needs:.
func (p *parser) need(n int, need string) {
	s := p.s
	pseudo := slices.IndexFunc(pseudoNeeds, func(ps string) bool { return strings.EqualFold(ps, need) })
	switch {
	case pseudo >= 0 && pseudoNeeds[pseudo] == need:
	case pseudo >= 0:
		p.errf(n, "need %q: the pseudo-feature is spelled %s", need, pseudoNeeds[pseudo])
		return
	case featureGrammar.MatchString(need):
		need = strings.ToUpper(need)
	default:
		p.errf(n, "need %q: want a FEAT feature (MLST, SIZE, REST STREAM, UTF8) or TLS, write, active, passive, FEAT", need)
		return
	}
	if slices.Contains(s.Needs, need) {
		p.errf(n, "need %q is listed twice", need)
		return
	}
	if need == "write" {
		p.writeNeed = true
	}
	s.Needs = append(s.Needs, need)
}

// step parses one step and runs the static checks on it.
func (p *parser) step(n int, text string) {
	st := Step{Line: n, Text: text, Conn: "main"}
	rest := text
	if rest[0] == '@' {
		name, after, _ := cutBlank(rest[1:])
		if !connGrammar.MatchString(name) {
			p.errf(n, "bad connection name %q: want a lower-case letter, then lower-case letters, digits, _ and -", "@"+name)
			return
		}
		after = strings.TrimLeft(after, " \t")
		if strings.TrimRight(after, " \t") == "" {
			p.errf(n, "@%s: missing step after the connection name", name)
			return
		}
		st.Conn, rest = name, after
	}
	word, after, _ := cutBlank(rest)
	st.Kind = Kind(word)
	if !slices.Contains(kinds, st.Kind) {
		p.errf(n, "unknown step %q (want %s)", word, kindList())
		return
	}
	if st.Kind == Send {
		st.Arg = after
	} else {
		st.Arg = strings.TrimSpace(after)
	}
	if err := p.args(&st, &scanner{s: after}); err != "" {
		p.errf(n, "%s: %s", st.Kind, err)
		return
	}
	p.check(&st)
	p.s.Steps = append(p.s.Steps, st)
}

// cutBlank splits s at its first blank: the word before it and the text
// after that one blank.
func cutBlank(s string) (word, after string, found bool) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func kindList() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// args parses the arguments of st; a non-empty result is what is wrong.
func (p *parser) args(st *Step, sc *scanner) string {
	st.lines, st.size = -1, -1
	switch st.Kind {
	case Connect, Login, CloseData, Quit:
		if !sc.done() {
			return fmt.Sprintf("takes no argument (got %q)", sc.rest())
		}
		return ""
	case Send:
		if strings.TrimSpace(st.Arg) == "" {
			return "missing command line"
		}
		t, err := parseTemplate(st.Arg)
		if err != nil {
			return err.Error()
		}
		st.tmpl = t
		return ""
	case Expect:
		return p.expectArgs(st, sc)
	case Capture:
		st.name = sc.word()
		if msg := nameProblem("variable", st.name); msg != "" {
			return msg
		}
		return p.regexpArg(st, sc)
	case Set:
		st.name = sc.word()
		if msg := nameProblem("variable", st.name); msg != "" {
			return msg
		}
		v := sc.rest()
		if v == "" {
			return fmt.Sprintf("missing value for %s", st.name)
		}
		t, err := parseTemplate(v)
		if err != nil {
			return err.Error()
		}
		st.tmpl = t
		return ""
	case Data:
		st.mode = sc.word()
		switch st.mode {
		case "pasv", "epsv", "port", "eprt", "passive", "active":
		case "":
			return "missing mode (pasv, epsv, port, eprt, passive or active)"
		default:
			return fmt.Sprintf("unknown mode %q (want pasv, epsv, port, eprt, passive or active)", st.mode)
		}
	case Upload, Write:
		src, err := parseSource(sc, p.fixture)
		if err != nil {
			return err.Error()
		}
		st.src = src
	case Download:
		st.name = "last"
		if w := sc.word(); w != "" {
			if w != "as" {
				return fmt.Sprintf("%q: want nothing or \"as NAME\"", w)
			}
			st.name = sc.word()
			if msg := nameProblem("buffer", st.name); msg != "" {
				return msg
			}
		}
	case Compare:
		st.name = sc.word()
		if msg := nameProblem("buffer", st.name); msg != "" {
			return msg
		}
		switch sc.peek() {
		case "sha256":
			sc.word()
			h := strings.ToLower(sc.word())
			if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
				return fmt.Sprintf("sha256: want 64 hexadecimal digits, got %q", h)
			}
			st.sha256 = h
		case "size":
			sc.word()
			n, err := parseCount(sc.word(), 1<<62)
			if err != nil {
				return "size: " + err.Error()
			}
			st.size = n
		default:
			src, err := parseSource(sc, p.fixture)
			if err != nil {
				return err.Error()
			}
			st.src = src
		}
	case Sleep:
		w := sc.word()
		if w == "" {
			return "missing duration (such as 500ms or 2s)"
		}
		d, err := time.ParseDuration(w)
		switch {
		case err != nil:
			return fmt.Sprintf("bad duration %q (want a Go duration such as 500ms or 2s)", w)
		case d <= 0:
			return fmt.Sprintf("duration %s: want more than zero", w)
		case d > maxSleep:
			return fmt.Sprintf("duration %s: at most %s", w, maxSleep)
		}
		st.dur = d
	}
	if !sc.done() {
		return fmt.Sprintf("unexpected %q at the end", sc.rest())
	}
	return ""
}

// fixture reads the fixture at path once, however many steps of the file
// use it: they share its bytes.
func (p *parser) fixture(path string) ([]byte, error) {
	if data, ok := p.fixtureData[path]; ok {
		return data, nil
	}
	data, err := readFixture(p.fixtures, path)
	if err == nil {
		p.fixtureData[path] = data
	}
	return data, err
}

// nameProblem says what is wrong with a variable or buffer name.
func nameProblem(what, name string) string {
	if name == "" {
		return "missing " + what + " name"
	}
	if !nameGrammar.MatchString(name) {
		return fmt.Sprintf("bad %s name %q: want a lower-case letter, then lower-case letters, digits and _", what, name)
	}
	return ""
}

// regexpArg reads /RE/ into st.re.
func (p *parser) regexpArg(st *Step, sc *scanner) string {
	src, err := sc.regexp()
	if err != nil {
		return err.Error()
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return fmt.Sprintf("bad regexp /%s/: %v", src, err)
	}
	st.re = re
	return ""
}

// expectArgs reads SPEC [text /RE/] [multiline] [lines N | lines >=N]
// [port LO-HI].
func (p *parser) expectArgs(st *Step, sc *scanner) string {
	spec, err := parseSpec(sc.word())
	if err != nil {
		return err.Error()
	}
	st.spec = spec
	seen := map[string]bool{}
	for !sc.done() {
		opt := sc.word()
		if seen[opt] {
			return fmt.Sprintf("option %s given twice", opt)
		}
		seen[opt] = true
		switch opt {
		case "text":
			if msg := p.regexpArg(st, sc); msg != "" {
				return "text: " + msg
			}
		case "multiline":
			st.multiline = true
		case "lines":
			w := sc.word()
			num, atLeast := strings.CutPrefix(w, ">=")
			n, err := parseCount(num, 1<<20)
			if err != nil || n == 0 {
				return fmt.Sprintf("lines %q: want a number of lines from 1, as in \"lines 3\" or \"lines >=3\"", w)
			}
			st.lines, st.atLeast = int(n), atLeast
		case "port":
			ports, msg := parsePortRange(sc.word())
			if msg != "" {
				return "port " + msg
			}
			st.ports = ports
		default:
			return fmt.Sprintf("unknown option %q (want text /RE/, multiline, lines N, lines >=N or port LO-HI)", opt)
		}
	}
	if !st.ports.IsZero() {
		for _, a := range spec.alts {
			if a.lo != a.hi || a.lo != harness.ReplyEnteringPassive && a.lo != harness.ReplyEnteringEPSV {
				return fmt.Sprintf("port: only 227 (PASV) and 229 (EPSV) replies carry a port, and %s accepts other codes", spec.text)
			}
		}
	}
	return ""
}

// parsePortRange reads LO-HI, two ports from 1 to 65535 with LO <= HI;
// the message says what is wrong with w ("" when nothing is). It is
// stricter than harness.ParsePortRange, which takes a single port and
// blanks, and says more precisely what is wrong.
func parsePortRange(w string) (harness.PortRange, string) {
	if w == "" {
		return harness.PortRange{}, `range missing: want LO-HI, as in "port 1024-65535"`
	}
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return harness.PortRange{}, fmt.Sprintf("%q: want a range LO-HI, as in \"port 30000-30099\"", w)
	}
	l, errL := parseCount(a, 65535)
	h, errH := parseCount(b, 65535)
	switch {
	case errL != nil || errH != nil || l == 0 || h == 0:
		return harness.PortRange{}, fmt.Sprintf("%q: both ends of the range are ports from 1 to 65535", w)
	case l > h:
		return harness.PortRange{}, fmt.Sprintf("%q: the low end %d is above the high end %d", w, l, h)
	}
	return harness.PortRange{Min: int(l), Max: int(h)}, ""
}

// check runs the static checks on a parsed step, in file order.
func (p *parser) check(st *Step) {
	n := st.Line
	cs := p.conns[st.Conn]
	if cs == nil {
		cs = &connState{}
		p.conns[st.Conn] = cs
	}
	// The connection (set and sleep use none).
	switch {
	case st.Kind == Set || st.Kind == Sleep:
	case st.Kind == Connect:
		if cs.open {
			p.errf(n, "connection %s is already connected (line %d)", st.Conn, cs.openLine)
		}
		*cs = connState{open: true, openLine: n}
	case cs.open:
	case cs.quitLine > 0:
		p.errf(n, "connection %s was closed by the quit at line %d; connect it again first", st.Conn, cs.quitLine)
	default:
		p.errf(n, "connection %s is not connected: a connect step must come first (%s)", st.Conn, connectLine(st.Conn))
	}
	// Variables used, then defined.
	for _, part := range st.tmpl {
		if part.ref == "" {
			continue
		}
		if !p.vars[part.ref] {
			p.errf(n, "undefined variable {%s}", part.ref)
			continue
		}
		delete(p.pending, part.ref)
		if part.ref == "scratch" {
			p.s.Scratch = true
		}
	}
	if st.Kind == Set || st.Kind == Capture {
		switch {
		case slices.Contains(builtins, st.name):
			p.errf(n, "{%s} is a built-in variable; choose another name", st.name)
		default:
			if line, ok := p.pending[st.name]; ok {
				p.errf(line, "capture %s is never used", st.name)
			}
			p.vars[st.name] = true
			delete(p.pending, st.name)
			if st.Kind == Capture {
				p.pending[st.name] = n
			}
		}
	}
	// Buffers.
	if st.Kind == Compare && !p.buffers[st.name] {
		p.errf(n, "buffer %s is compared before any download defines it", st.name)
	}
	if st.src != nil && st.src.kind == srcBuffer && !p.buffers[st.src.name] {
		p.errf(n, "buffer %s is used before any download defines it", st.src.name)
	}
	// The data connection.
	switch st.Kind {
	case Data:
		cs.data = n
	case Upload, Write, Download, CloseData:
		if cs.data == 0 {
			if cs.usedLine > 0 {
				p.errf(n, "%s: the data connection was already used by the %s at line %d; add a data step before this line", st.Kind, cs.usedKind, cs.usedLine)
			} else {
				p.errf(n, "%s needs a data step before it on connection %s", st.Kind, st.Conn)
			}
		}
		if st.Kind != Write && cs.data != 0 {
			cs.data, cs.usedLine, cs.usedKind = 0, n, st.Kind
		}
	case Quit:
		if cs.open {
			*cs = connState{quitLine: n}
		}
	}
	if st.Kind == Download {
		p.buffers[st.name] = true
	}
	if st.Kind == Upload || st.Kind == Write || st.Kind == Send && writingCommand(st.tmpl) {
		p.writeSteps = true
	}
}

// connectLine is the step that opens the connection name.
func connectLine(name string) string {
	if name == "main" {
		return "connect"
	}
	return "@" + name + " connect"
}

// finish runs the checks that need the whole file.
func (p *parser) finish() {
	s := p.s
	for name, line := range p.pending {
		p.errf(line, "capture %s is never used", name)
	}
	for _, key := range []string{"title", "id"} {
		if _, ok := p.header[key]; !ok {
			p.errf(1, "missing header field %q", key)
		}
	}
	if len(s.Steps) == 0 && p.firstStep == 0 {
		p.errf(1, "no steps")
	}
	if p.writeNeed || p.writeSteps {
		s.Writes = true
		if !p.writeNeed {
			s.Needs = append(s.Needs, "write")
		}
	}
}

// writeVerbs are the commands that change files on the server.
var writeVerbs = []string{"STOR", "STOU", "APPE", "DELE", "RMD", "XRMD", "MKD", "XMKD", "RNFR", "RNTO", "MFMT", "MFCT", "MFF"}

// writeSite are the SITE subcommands that change files or run something.
var writeSite = []string{"CHMOD", "CHOWN", "CHGRP", "UMASK", "UTIME", "SYMLINK", "MKDIR", "RMDIR", "RMTREE", "CPFR", "CPTO", "COPY", "EXEC", "DEBUG"}

// writingCommand reports whether a send line may change the server: a
// write verb, or a SITE subcommand that writes or runs something, or one
// a variable gives.
func writingCommand(t template) bool {
	prefix := t.literalPrefix()
	hasRef := slices.ContainsFunc(t, func(p part) bool { return p.ref != "" })
	fields := strings.Fields(strings.ToUpper(prefix))
	if len(fields) == 0 {
		return false
	}
	// complete reports whether field i is not continued by a variable.
	complete := func(i int) bool {
		return i < len(fields)-1 || !hasRef || strings.TrimRight(prefix, " \t") != prefix
	}
	switch verb := fields[0]; {
	case !complete(0):
		return false
	case slices.Contains(writeVerbs, verb):
		return true
	case verb == "SITE":
		if len(fields) < 2 || !complete(1) {
			return hasRef
		}
		return slices.Contains(writeSite, fields[1])
	}
	return false
}
