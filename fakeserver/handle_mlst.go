package fakeserver

import (
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// MLST and MLSD (RFC 3659 §7): listings for machines, with the facts
// type, size, modify, perm and unique (the set §7.5.10 asks for), all
// returned until OPTS MLST selects others (§7.9).

// factSet is a set of the MLST facts this server supports.
type factSet uint8

const (
	factType factSet = 1 << iota
	factSize
	factModify
	factPerm
	factUnique

	allFacts = factType | factSize | factModify | factPerm | factUnique
)

// mlstFactNames are the supported facts, in the order the server names
// them everywhere (FEAT, the OPTS MLST reply, entries).
var mlstFactNames = []struct {
	bit  factSet
	name string
}{{factType, "type"}, {factSize, "size"}, {factModify, "modify"}, {factPerm, "perm"}, {factUnique, "unique"}}

// mlstFacts returns the facts MLST and MLSD return now: all of them until
// OPTS MLST chooses (RFC 3659 §7.8: the "*" facts are the default).
func (s *session) mlstFacts() factSet { return allFacts &^ s.ext.factsOff }

// featFactList is the fact list of the MLST feature line: every supported
// fact, "*" after the selected ones ("type*;size*;modify;perm;unique*;").
func featFactList(selected factSet) string {
	var b strings.Builder
	for _, f := range mlstFactNames {
		b.WriteString(f.name)
		if selected&f.bit != 0 {
			b.WriteByte('*')
		}
		b.WriteByte(';')
	}
	return b.String()
}

// optsFactList names the facts of set for the reply to OPTS MLST
// ("type;size;"; "" for none).
func optsFactList(set factSet) string {
	var b strings.Builder
	for _, f := range mlstFactNames {
		if set&f.bit != 0 {
			b.WriteString(f.name + ";")
		}
	}
	return b.String()
}

// parseFactSelection reads the fact list of "OPTS MLST" (RFC 3659 §7.9):
// 1*( factname ";" ), fact names in any case. Facts this server does not
// support are dropped ("This is not an error"); a list that breaks the
// syntax (a SP, a name not followed by ";") is not ok.
func parseFactSelection(list string) (factSet, bool) {
	if list == "" || !strings.HasSuffix(list, ";") {
		return 0, false
	}
	var set factSet
	for _, name := range strings.Split(list[:len(list)-1], ";") {
		if name == "" || strings.ContainsAny(name, " \t=*") {
			return 0, false
		}
		for _, f := range mlstFactNames {
			if strings.EqualFold(name, f.name) {
				set |= f.bit
			}
		}
	}
	return set, true
}

// optsMLST answers "OPTS MLST [SP factlist]": 200 with the text
// "MLST OPTS" and the facts now selected (RFC 3659 §7.9.1), or 501 for a
// list that breaks the syntax, which leaves the selection as it was.
func (s *session) optsMLST(list string, hasList bool) {
	var set factSet
	if hasList {
		var ok bool
		if set, ok = parseFactSelection(list); !ok {
			s.reply(codeBadArguments, "Invalid MLST options.")
			return
		}
	}
	s.ext.factsOff = allFacts &^ set
	text := "MLST OPTS"
	if names := optsFactList(set); names != "" {
		text += " " + names
	}
	s.reply(codeOK, text)
}

// fact is one "name=value" of an MLSx entry.
type fact struct{ name, value string }

// mlsxEntry is an MLSx entry before it is written: its facts, in order,
// and its pathname.
type mlsxEntry struct {
	facts []fact
	name  string
}

// get returns the value of the fact name.
func (e mlsxEntry) get(name string) (string, bool) {
	for _, f := range e.facts {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

// with returns a copy of e with the fact name set to value (appended when
// e lacks it).
func (e mlsxEntry) with(name, value string) mlsxEntry {
	facts := make([]fact, 0, len(e.facts)+1)
	found := false
	for _, f := range e.facts {
		if f.name == name {
			f.value, found = value, true
		}
		facts = append(facts, f)
	}
	if !found {
		facts = append(facts, fact{name, value})
	}
	return mlsxEntry{facts: facts, name: e.name}
}

// mlsxRender writes an entry as its line: the fact set, one SP, the
// pathname (RFC 3659 §7.2), without the leading SP of an MLST line or a
// line end.
type mlsxRender func(e mlsxEntry) string

// renderEntry is the server's mlsxRender: "type=file;size=3; name".
func renderEntry(e mlsxEntry) string {
	var b strings.Builder
	for _, f := range e.facts {
		b.WriteString(f.name + "=" + f.value + ";")
	}
	b.WriteByte(' ')
	b.WriteString(e.name)
	return b.String()
}

// describe gives the entry of the object at virtual path p (fi follows
// symbolic links), named name, of type typ ("file", "dir" or "cdir"),
// with the facts the session has selected. parent describes the directory
// that holds p (nil for the root); it decides the perms to delete and
// rename.
func (s *session) describe(p string, fi, parent fs.FileInfo, typ, name string) mlsxEntry {
	sel := s.mlstFacts()
	e := mlsxEntry{name: name}
	add := func(bit factSet, fname, value string) {
		if sel&bit != 0 {
			e.facts = append(e.facts, fact{fname, value})
		}
	}
	add(factType, "type", typ)
	if !fi.IsDir() {
		// RFC 3659 §7.5.7: the size of non-directory objects.
		add(factSize, "size", strconv.FormatInt(fi.Size(), 10))
	}
	add(factModify, "modify", timeVal(fi.ModTime()))
	add(factPerm, "perm", perms(p, fi, parent))
	add(factUnique, "unique", fileID(p, fi))
	return e
}

// perms synthesises the perm fact (RFC 3659 §7.5.5) from the owner's
// permission bits, the server's user being the owner of what it serves:
// for a file a (APPE), d (DELE), f (RNFR), r (RETR), w (STOR); for a
// directory c (create files), d (RMD), e (CWD), f (RNFR), l (list), m
// (MKD), p (delete contents). d and f need a writable parent, and the
// root has neither.
func perms(p string, fi, parent fs.FileInfo) string {
	m := fi.Mode().Perm()
	removable := p != "/" && parent != nil && parent.Mode().Perm()&0o300 == 0o300
	var b []byte
	flag := func(set bool, letters ...byte) {
		if set {
			b = append(b, letters...)
		}
	}
	if fi.IsDir() {
		writable := m&0o300 == 0o300
		flag(writable, 'c')
		flag(removable, 'd')
		flag(m&0o100 != 0, 'e')
		flag(removable, 'f')
		flag(m&0o500 == 0o500, 'l')
		flag(writable, 'm', 'p')
		return string(b)
	}
	flag(m&0o200 != 0, 'a')
	flag(removable, 'd', 'f')
	flag(m&0o400 != 0, 'r')
	flag(m&0o200 != 0, 'w')
	return string(b)
}

// pathID is a unique fact derived from a virtual path, for systems
// without inode numbers.
func pathID(vpath string) string {
	h := fnv.New64a()
	h.Write([]byte(vpath))
	return fmt.Sprintf("p%x", h.Sum64())
}

// mlsxTarget resolves the argument of MLST or MLSD, the working directory
// when there is none, to a file or directory. It answers 501 for an
// unusable pathname and 550 for a missing object (RFC 3659 §7.2.1) itself
// and then returns false.
func (s *session) mlsxTarget(r *request) (string, fs.FileInfo, bool) {
	p := s.cwd
	if r.arg != "" {
		var err error
		if p, err = s.resolve(r.arg); err != nil {
			s.reply(codeBadArguments, "Invalid pathname.")
			return "", nil, false
		}
	}
	fi, err := s.stat(p)
	if err != nil || !fi.IsDir() && !fi.Mode().IsRegular() {
		s.reply(codeFileUnavailable, "No such file or directory.")
		return "", nil, false
	}
	return p, fi, true
}

// parentInfo returns what stat says of the directory that holds p, nil
// for the root.
func (s *session) parentInfo(p string) fs.FileInfo {
	if p == "/" {
		return nil
	}
	fi, _ := s.stat(path.Dir(p))
	return fi
}

// cmdMLST describes one object on the control connection (RFC 3659 §7.2):
//
//	250-Listing /dir/a.txt
//	 type=file;size=3;modify=20240102030405;perm=adfrw;unique=803g1c; /dir/a.txt
//	250 End
//
// The pathname is the object's full TVFS path (§7.3.1); without an
// argument the object is the working directory, of type dir (cdir is for
// MLSD alone, §7.5.1.2).
func (s *session) cmdMLST(r *request) { s.mlst(r, renderEntry) }

// mlst answers MLST with its entry written by render.
func (s *session) mlst(r *request, render mlsxRender) {
	if lines, ok := s.mlstLines(r, render); ok {
		s.sendLines(lines...)
	}
}

// mlstLines builds the lines of the reply to MLST. The reply is sent as
// it is: the reworks of multi-line replies (hooks.multiline) are made for
// free text, while every line between the first and the last of this one
// must be an entry (§7.2). On an error it has answered and returns false.
func (s *session) mlstLines(r *request, render mlsxRender) ([]string, bool) {
	p, fi, ok := s.mlsxTarget(r)
	if !ok {
		return nil, false
	}
	typ := "file"
	if fi.IsDir() {
		typ = "dir"
	}
	entry := render(s.describe(p, fi, s.parentInfo(p), typ, p))
	// RFC 2640 §3.1: a CR of the pathname travels as CR NUL.
	entry = strings.ReplaceAll(entry, "\r", "\r\x00")
	return []string{"250-Listing " + printable(p), " " + entry, "250 End"}, true
}

// cmdMLSD lists a directory over the data connection, one entry a line
// (RFC 3659 §7.2), the directory itself first as type cdir when the type
// fact is selected (§7.5.1.2). The data goes as if TYPE L 8, MODE S and
// STRU F were set, whatever is set. A pathname that is not a directory is
// 501, with no data connection.
func (s *session) cmdMLSD(r *request) { s.mlsd(r, renderEntry) }

// mlsd answers MLSD with its entries written by render.
func (s *session) mlsd(r *request, render mlsxRender) { s.mlsdChanged(r, render, nil) }

// mlsdChanged is mlsd with the listing passed through change, if set,
// before it is sent (a fault's hook into the data).
func (s *session) mlsdChanged(r *request, render mlsxRender, change func(p string, fi fs.FileInfo, data []byte) []byte) {
	p, fi, ok := s.mlsxTarget(r)
	if !ok {
		return
	}
	if !fi.IsDir() {
		s.reply(codeBadArguments, "MLSD lists directories; use MLST for a file.")
		return
	}
	content, ok := s.mlsdData(p, fi, render)
	if !ok {
		s.reply(codeFileUnavailable, "Cannot read directory.")
		return
	}
	if change != nil {
		content = change(p, fi, content)
	}
	s.sendListing(r, p, content)
}

// sendListing sends the MLSD data content for the directory vpath over
// the data connection, as a listing transfer: its content goes out
// unconverted whatever the TYPE, and in stream mode and file structure
// whatever MODE and STRU say (RFC 3659 §7.2), which stay as they are.
func (s *session) sendListing(r *request, vpath string, content []byte) {
	if s.data == nil && !s.defaultData() {
		s.replyNoData()
		return
	}
	block, record := s.block, s.record
	s.block, s.record = false, false
	s.startTransfer(&transfer{kind: xferNLST, verb: r.verb, vpath: vpath, content: content},
		"Here comes the listing.")
	s.block, s.record = block, record
}

// mlsdData builds the MLSD data of directory dir. Entries that are neither
// files nor directories, and links that lead nowhere, are left out.
func (s *session) mlsdData(dir string, fi fs.FileInfo, render mlsxRender) ([]byte, bool) {
	entries, err := s.readDir(dir)
	if err != nil {
		return nil, false
	}
	var b strings.Builder
	line := func(e mlsxEntry) {
		b.WriteString(render(e))
		b.WriteString("\r\n")
	}
	if s.mlstFacts()&factType != 0 {
		line(s.describe(dir, fi, s.parentInfo(dir), "cdir", dir))
	}
	for _, de := range entries {
		p := path.Join(dir, de.name)
		info := de.info
		if info.Mode()&fs.ModeSymlink != 0 {
			if info, err = s.stat(p); err != nil {
				continue
			}
		}
		switch {
		case info.IsDir():
			line(s.describe(p, info, fi, "dir", de.name))
		case info.Mode().IsRegular():
			line(s.describe(p, info, fi, "file", de.name))
		}
	}
	return []byte(b.String()), true
}
