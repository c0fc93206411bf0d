package harness

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func entryKinds(e *MLSxEntry) []ViolationKind {
	var out []ViolationKind
	for _, v := range e.Violations {
		out = append(out, v.Kind)
	}
	return out
}

func TestParseMLSxEntry(t *testing.T) {
	tests := []struct {
		name string
		line string
		path string
		typ  string
		size int64
		perm string
		viol []ViolationKind
	}{
		// RFC 3659 §7.7 examples and real servers.
		{name: "RFC 3659 7.7.1", line: "Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz",
			path: "/tmp/cap60.pl198.tar.gz", typ: "file", size: 1024990, perm: "r"},
		{name: "empty perm", line: "Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z",
			path: "capmux.tar.z", typ: "file", size: 25730},
		{name: "two words", line: "Type=file;Perm=r;Unique=keVO1+EG4; two words", path: "two words", typ: "file", size: -1, perm: "r"},
		{name: "leading space in the name", line: "Type=file;Perm=r;Unique=keVO1+IH4;  leading space",
			path: " leading space", typ: "file", size: -1, perm: "r"},
		{name: "OS-specific type", line: "Type=OS.unix=slink:/foobar;Perm=;Unique=keVO1+4G4; foobar",
			path: "foobar", typ: "os.unix=slink:/foobar", size: -1},
		{name: "cdir with a path", line: "Type=cdir;Modify=19981107085215;Perm=el; /tmp", path: "/tmp", typ: "cdir", size: -1, perm: "el"},
		{name: "pdir", line: "type=pdir;perm=el; ..", path: "..", typ: "pdir", size: -1, perm: "el"},
		{name: "names in any case", line: "TYPE=FILE;sIzE=4096;MODIFY=19990929011440;PERM=R;UNIQUE=keVO1+Bd8; FILE2",
			path: "FILE2", typ: "file", size: 4096, perm: "r"},
		{name: "proftpd with OS facts", line: "modify=20240102030405;perm=adfr;size=5;type=file;unique=FD01U1234;UNIX.group=0;UNIX.mode=0644;UNIX.ownername=root; a.txt",
			path: "a.txt", typ: "file", size: 5, perm: "adfr"},
		{name: "local fact", line: "type=file;x.myfact=foo,bar; f", path: "f", typ: "file", size: -1},
		{name: "no facts (OPTS MLST with nothing)", line: " /tmp", path: "/tmp", size: -1},
		{name: "no facts, a name with a space", line: " two words", path: "two words", size: -1},
		{name: "fraction in modify", line: "modify=19980615100045.014; f", path: "f", size: -1},
		{name: "UTF-8 name", line: "type=file;size=3; caf\u00e9 \u65e5\u672c.txt", path: "caf\u00e9 \u65e5\u672c.txt", typ: "file", size: 3},
		{name: "raw 8-bit name", line: "type=file; \xe9t\xe9", path: "\xe9t\xe9", typ: "file", size: -1},
		{name: "empty name (MLST of the working directory)", line: "type=dir; ", path: "", typ: "dir", size: -1},

		// Violations.
		{name: "pure-ftpd sizd", line: "type=file;size=5;sizd=4096;modify=20240102030405; f", path: "f", typ: "file", size: 5,
			viol: []ViolationKind{MLSxUnknownFact}},
		{name: "pyftpdlib perm letters", line: "type=file;perm=radfwMT;size=3; f", path: "f", typ: "file", size: 3, perm: "radfwmt",
			viol: []ViolationKind{MLSxPerm}},
		{name: "RFC 3659 7.7.4: no ; before the name", line: "Type=dir;Perm=el;Unique=keVO1+ZF4 test", path: "test", typ: "dir", size: -1, perm: "el",
			viol: []ViolationKind{MLSxFactSyntax}},
		{name: "no SP at all, facts", line: "type=file;size=3;", typ: "file", size: 3, viol: []ViolationKind{MLSxNoSeparator}},
		{name: "no SP at all, a name", line: "readme.txt", path: "readme.txt", size: -1, viol: []ViolationKind{MLSxNoSeparator}},
		{name: "leading SP before facts", line: " type=file;size=3; f", path: "f", typ: "file", size: 3, viol: []ViolationKind{MLSxLeadingSpace}},
		{name: "fact without =", line: "type=file;size; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxFactSyntax}},
		{name: "empty fact", line: "type=file;;size=1; f", path: "f", typ: "file", size: 1, viol: []ViolationKind{MLSxFactSyntax}},
		{name: "tab in a value", line: "type=file;x.a=b\tc; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxFactSyntax}},
		{name: "bad fact name", line: "type=file;b*d=1; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxFactSyntax, MLSxUnknownFact}},
		{name: "fact twice", line: "type=file;Type=dir; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxFactSyntax}},
		{name: "unknown type", line: "type=directory; d", path: "d", typ: "directory", size: -1, viol: []ViolationKind{MLSxType}},
		{name: "OS type without kind", line: "type=OS.unix; d", path: "d", typ: "os.unix", size: -1, viol: []ViolationKind{MLSxType}},
		{name: "size with a unit", line: "type=file;size=12K; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxSize}},
		{name: "negative size", line: "type=file;size=-1; f", path: "f", typ: "file", size: -1, viol: []ViolationKind{MLSxSize}},
		{name: "modify with a dot", line: "modify=20240102030405.; f", path: "f", size: -1, viol: []ViolationKind{MLSxTime}},
		{name: "modify in ISO form", line: "modify=2024-01-02T03:04:05Z; f", path: "f", size: -1, viol: []ViolationKind{MLSxTime}},
		{name: "empty unique", line: "unique=; f", path: "f", size: -1, viol: []ViolationKind{MLSxUnique}},
		{name: "create after modify", line: "modify=20240102030405;create=20250101000000; f", path: "f", size: -1,
			viol: []ViolationKind{MLSxCreateAfterModify}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseMLSxEntry(tt.line)
			if e.Pathname != tt.path || e.Type != tt.typ || e.Size != tt.size || e.Perm != tt.perm {
				t.Errorf("got path %q type %q size %d perm %q; want %q %q %d %q", e.Pathname, e.Type, e.Size, e.Perm, tt.path, tt.typ, tt.size, tt.perm)
			}
			if got := entryKinds(e); !slices.Equal(got, tt.viol) {
				t.Errorf("violations %v, want %v\n%v", got, tt.viol, e.Violations)
			}
			for _, v := range e.Violations {
				if !safeText(v.Detail) {
					t.Errorf("detail %q is not printable", v.Detail)
				}
			}
		})
	}
}

func TestMLSxEntryFacts(t *testing.T) {
	e := ParseMLSxEntry("Type=file;Size=1830;Modify=19940916055648;Create=19940101000000;Perm=;Unique=keVO1+bD8;UNIX.mode=0644; hatch.c")
	if want := time.Date(1994, 9, 16, 5, 56, 48, 0, time.UTC); !e.Modify.Equal(want) {
		t.Errorf("Modify = %v", e.Modify)
	}
	if want := time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC); !e.Create.Equal(want) {
		t.Errorf("Create = %v", e.Create)
	}
	if e.Unique != "keVO1+bD8" || e.IsDir() {
		t.Errorf("Unique %q, IsDir %v", e.Unique, e.IsDir())
	}
	if v, ok := e.Fact("unix.MODE"); !ok || v != "0644" {
		t.Errorf("Fact(unix.MODE) = %q, %v", v, ok)
	}
	if !e.Has("perm") || e.Perm != "" || e.Has("lang") {
		t.Errorf("perm %q / lang present", e.Perm)
	}
	wantFacts := []Fact{{"Type", "file"}, {"Size", "1830"}, {"Modify", "19940916055648"}, {"Create", "19940101000000"}, {"Perm", ""}, {"Unique", "keVO1+bD8"}, {"UNIX.mode", "0644"}}
	if !reflect.DeepEqual(e.Facts, wantFacts) {
		t.Errorf("Facts = %v", e.Facts)
	}
	if d := ParseMLSxEntry("type=CDir; /x"); !d.IsDir() {
		t.Errorf("cdir is not a directory")
	}
}

func TestParseMLST(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		paths []string
		viol  []vk
	}{
		{name: "RFC 3659 7.7.1", raw: "250- Listing cap60.pl198.tar.gz\r\n Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz\r\n250 End\r\n",
			paths: []string{"/tmp/cap60.pl198.tar.gz"}},
		{name: "no facts: two spaces", raw: "250- Listing tmp\r\n  /tmp\r\n250 End\r\n", paths: []string{"/tmp"}},
		{name: "closing 250 without text", raw: "250-Listing\r\n type=dir; /\r\n250\r\n", paths: []string{"/"}},
		{name: "several types, one pathname", raw: "250-x\r\n type=file; /a.zip\r\n type=dir; /a.zip\r\n250 End\r\n",
			paths: []string{"/a.zip", "/a.zip"}},
		{name: "no leading SP", raw: "250-Listing\r\ntype=file;size=3; /f\r\n250 End\r\n", paths: []string{"/f"},
			viol: []vk{{MLSTLineSpace, 1}}},
		{name: "two SPs before the facts", raw: "250-Listing\r\n  type=file;size=3; /f\r\n250 End\r\n", paths: []string{"/f"},
			viol: []vk{{MLSxLeadingSpace, 1}}},
		{name: "single-line 250", raw: "250 type=file;size=3; /f\r\n", viol: []vk{{MLSTNoEntry, 0}}},
		{name: "no entry line", raw: "250-Listing\r\n250 End\r\n", viol: []vk{{MLSTNoEntry, 0}}},
		{name: "two objects", raw: "250-x\r\n type=file; /a\r\n type=file; /b\r\n250 End\r\n", paths: []string{"/a", "/b"},
			viol: []vk{{MLSTEntriesDiffer, 1}}},
		{name: "bad perm on line 1", raw: "250-x\r\n type=file;perm=rx; /a\r\n250 End\r\n", paths: []string{"/a"},
			viol: []vk{{MLSxPerm, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseMLST(replyOf(t, tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, e := range l.Entries {
				paths = append(paths, e.Pathname)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Errorf("paths %q, want %q", paths, tt.paths)
			}
			var got []vk
			for _, v := range l.Violations {
				got = append(got, vk{v.Kind, v.Line})
			}
			if !reflect.DeepEqual(got, tt.viol) {
				t.Errorf("violations %v, want %v\n%v", got, tt.viol, l.Violations)
			}
		})
	}
	if _, err := ParseMLST(replyOf(t, "550 No such file.\r\n")); err == nil {
		t.Error("550: no error")
	}
	if _, err := ParseMLST(nil); err == nil {
		t.Error("nil: no error")
	}
}

func TestParseMLSD(t *testing.T) {
	data := "Type=cdir;Modify=19981107085215;Perm=el; tmp\r\n" +
		"Type=cdir;Modify=19981107085215;Perm=el; /tmp\r\n" +
		"Type=pdir;Modify=19990112030508;Perm=el; ..\r\n" +
		"Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z\r\n" +
		"Type=file;Perm=r;Unique=keVO1+IH4;  leading space\r\n" +
		"Type=dir;Perm=cpmel;Unique=keVO1+7G4; incoming\r\n"
	l := ParseMLSD([]byte(data))
	if len(l.Violations) > 0 {
		t.Errorf("violations %v", l.Violations)
	}
	if got := l.Names(); !slices.Equal(got, []string{"capmux.tar.z", " leading space", "incoming"}) {
		t.Errorf("Names = %q", got)
	}
	if e := l.Find("capmux.tar.z"); e == nil || e.Size != 25730 {
		t.Errorf("Find(capmux.tar.z) = %+v", e)
	}
	if e := l.Find("tmp"); e == nil || e.Pathname != "tmp" {
		t.Errorf("Find(tmp) = %+v", e)
	}
	if l.Find("nope") != nil {
		t.Error("Find(nope) found something")
	}

	bad := "type=file;size=1; a\n" + // bare LF
		"\r\n" + // blank line
		" type=file;size=2; b\r\n" + // leading SP
		"total 12\r\n" + // an ls header
		"type=file;size=3; \r\n" + // no pathname
		"type=file;size=4; c" // no CRLF at the end
	l = ParseMLSD([]byte(bad))
	var got []vk
	for _, v := range l.Violations {
		got = append(got, vk{v.Kind, v.Line})
	}
	want := []vk{{MLSDLineEnd, 0}, {MLSDBlankLine, 1}, {MLSxLeadingSpace, 2}, {MLSxFactSyntax, 3}, {MLSxFactSyntax, 3}, {MLSxNoPathname, 4}, {MLSDLineEnd, 5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations %v, want %v\n%v", got, want, l.Violations)
	}
	if got := l.Names(); !slices.Equal(got, []string{"a", "b", "12", "", "c"}) {
		t.Errorf("Names = %q", got)
	}
	if !l.HasViolation(MLSDBlankLine) || l.HasViolation(MLSxPerm) {
		t.Error("HasViolation")
	}
	if l := ParseMLSD(nil); len(l.Entries)+len(l.Violations) != 0 {
		t.Errorf("empty data: %+v", l)
	}
}

// TestListMLSD: MLSD over PASV, parsed; a refusal is a *ReplyError with
// the transfer still returned.
func TestListMLSD(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		data    string // "": the server refuses with final
		final   string
		names   []string
		errCode int
	}{
		{"working directory", "", "type=cdir; /\r\ntype=file;size=2; a.txt\r\ntype=dir; sub\r\n", "226 Done.", []string{"a.txt", "sub"}, 0},
		{"a directory argument", "sub dir", "type=file; x\r\n", "226 Done.", []string{"x"}, 0},
		{"a file", "a.txt", "", "501 Not a directory.", nil, 501},
		{"missing", "nope", "", "550 No such directory.", nil, 550},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				ln, err := s.greetPASV()
				if err != nil {
					return err
				}
				want := strings.TrimSpace("MLSD " + tc.dir)
				if line, err := s.read(); err != nil || line != want {
					return fmt.Errorf("got %q (%v), want %q", line, err, want)
				}
				if tc.data == "" {
					if err := s.send(tc.final); err != nil {
						return err
					}
					return s.untilClosed()
				}
				if err := s.send("150 Here it comes."); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				return s.deliver(dc, []byte(tc.data), tc.final)
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			l, tr, err := c.ListMLSD(ctx, PASV, tc.dir)
			if tc.errCode != 0 {
				var re *ReplyError
				if !errors.As(err, &re) || re.Code() != tc.errCode || tr == nil || tr.Prelim != nil {
					t.Fatalf("ListMLSD: %v, %v, %v; want a *ReplyError %d", l, tr, err, tc.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Names(), tc.names) || len(l.Violations) > 0 || tr.Prelim == nil || tr.Prelim.Code != 150 {
				t.Errorf("names %q, violations %v, transfer %s", l.Names(), l.Violations, tr.ReplyChain())
			}
		})
	}
}
