package script

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; a rejected file gets an ErrorList of
// problems on lines of the file, in order; an accepted one has a valid
// header, and the file rebuilt from its fields and step lines parses to
// the same steps.
func FuzzParse(f *testing.F) {
	examples, _ := filepath.Glob("../../examples/scripts/*.ftp")
	for _, p := range examples {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(string(src))
		}
	}
	f.Add(head + "connect\nsend {{x}}\nexpect 2xx text /a\\/b/\ncapture c /(.)/\nset d {c}\n")
	f.Add(head + "@a connect\n@a data port\n@a upload inline \"\\x00\\r\\n\" \n@a quit\n")
	f.Add(head + "connect\ndata passive\ndownload as b\ncompare b fixture a.bin from 2\n")
	f.Add(head + "labels: a,b\nneeds: REST STREAM, write\nlevel: MAY\nconnect\nsleep 1ms\n")
	f.Add("title:\nid:\n@\n@x\nexpect 2|\ncapture /\nsend {\n")
	f.Add("\r\n\t#\n  title : x\nid: A\nconnect\r\n")
	f.Add("title: T\nid: RFC959-5.4-DELE-CODES/missing-2\nconnect\nsend PASV\nexpect 227|229 port 1-65535\n")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse("f.ftp", []byte(src), testFixtures)
		lines := strings.Count(src, "\n") + 1
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v, want a non-empty ErrorList", err, err)
			}
			for i, e := range list {
				if e.File != "f.ftp" || e.Line < 1 || e.Line > lines || e.Msg == "" {
					t.Fatalf("problem %+v", e)
				}
				if i > 0 && list[i-1].Line > e.Line {
					t.Fatalf("problems out of order: %v", err)
				}
			}
			return
		}
		if s.Title == "" || !idGrammar.MatchString(s.ID) || !slugGrammar.MatchString(s.Slug()) || len(s.Steps) == 0 {
			t.Fatalf("accepted script with header %q %q, slug %q, %d steps", s.Title, s.ID, s.Slug(), len(s.Steps))
		}
		if s.Level != "" && !slices.Contains(levels, s.Level) {
			t.Fatalf("level %q", s.Level)
		}
		if s.Writes != slices.Contains(s.Needs, "write") {
			t.Fatalf("Writes %v, Needs %q", s.Writes, s.Needs)
		}
		again, err := Parse("f.ftp", []byte(rebuild(s)), testFixtures)
		if err != nil {
			t.Fatalf("the rebuilt file does not parse: %v\n%s", err, rebuild(s))
		}
		if again.Key() != s.Key() {
			t.Fatalf("key %s after rebuilding, want %s", again.Key(), s.Key())
		}
		if len(again.Steps) != len(s.Steps) {
			t.Fatalf("%d steps after rebuilding, want %d", len(again.Steps), len(s.Steps))
		}
		for i := range s.Steps {
			a, b := s.Steps[i], again.Steps[i]
			if a.Kind != b.Kind || a.Conn != b.Conn {
				t.Fatalf("step %d: %s %s, then %s %s", i, a.Conn, a.Kind, b.Conn, b.Kind)
			}
		}
	})
}

// rebuild writes a parsed scenario back as a file.
func rebuild(s *Script) string {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	field("title", s.Title)
	if s.slug != "" {
		field("id", s.ID+"/"+s.slug)
	} else {
		field("id", s.ID)
	}
	field("level", s.Level)
	field("labels", strings.Join(s.Labels, ", "))
	field("needs", strings.Join(s.Needs, ", "))
	field("quote", s.Quote)
	for _, st := range s.Steps {
		b.WriteString(st.Text + "\n")
	}
	return b.String()
}
