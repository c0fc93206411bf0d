package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func scenario(title, id, steps string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("title: " + title + "\nid: " + id + "\n" + steps)}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"s/b.ftp":          scenario("B", "X-1", "connect\ndata pasv\nupload fixture data/x.bin\n"),
		"s/a.ftp":          scenario("A", "X-1", "connect\n"),
		"s/sub/c.ftp":      scenario("C", "X-2", "connect\ndata pasv\nupload fixture y.bin\n"),
		"s/sub/y.bin":      {Data: []byte("y")},
		"s/data/x.bin":     {Data: []byte("x")},
		"s/notes.txt":      {Data: []byte("not a scenario")},
		"elsewhere/z.ftp":  scenario("Z", "X-9", "bogus\n"),
		"s/data/d.ftp.bak": {Data: []byte("bogus")},
		// One file name, one ID: the slugs in id: tell them apart.
		"s/x/same.ftp": scenario("Same 1", "X-3/first", "connect\n"),
		"s/y/same.ftp": scenario("Same 2", "X-3/second", "connect\n"),
	}
	scripts, err := LoadFS(fsys, "s")
	if err != nil {
		t.Fatal(err)
	}
	var files, keys []string
	for _, s := range scripts {
		files = append(files, s.File)
		keys = append(keys, s.Key())
	}
	if got := strings.Join(files, " "); got != "s/a.ftp s/b.ftp s/sub/c.ftp s/x/same.ftp s/y/same.ftp" {
		t.Errorf("files %s", got)
	}
	if got := strings.Join(keys, " "); got != "X-1/a X-1/b X-2/c X-3/first X-3/second" {
		t.Errorf("keys %s", got)
	}
	if got := string(scripts[2].Steps[2].src.data); got != "y" {
		t.Errorf("the fixture of s/sub/c.ftp holds %q, want it read from s/sub", got)
	}
}

// LoadFS reports the problems of every file, and duplicate titles and
// keys across files.
func TestLoadFSErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"a.ftp":       scenario("Same", "X-0", "connect\n"),
		"b.ftp":       scenario("Same", "X-2", "connect\n"),
		"c.ftp":       scenario("C", "X-3", "conect\n"),
		"d.ftp":       scenario("D", "X-3", "# comment\nlogin\n"),
		"sub/a.ftp":   scenario("Other", "X-1", "connect\n"),
		"sub/A!.ftp":  scenario("Yet another", "X-1", "connect\n"),
		"e.ftp":       {Data: []byte("quote: q\nid: X-5\nconnect\n")},
		"f.ftp":       scenario("F", "X-7/shared", "connect\n"),
		"g.ftp":       scenario("G", "X-7/shared", "connect\n"),
		"shared.ftp":  scenario("H", "X-7", "connect\n"),
		"fixtures.ok": {Data: []byte("")},
	}
	scripts, err := LoadFS(fsys, ".")
	want := strings.Join([]string{
		`b.ftp:1: duplicate title "Same" (also in a.ftp)`,
		`c.ftp:3: unknown step "conect" (want connect, login, send, expect, capture, set, data, upload, write, close-data, download, compare, quit, sleep)`,
		`d.ftp:4: connection main is not connected: a connect step must come first (connect)`,
		`e.ftp:1: missing header field "title"`,
		`g.ftp:2: duplicate key X-7/shared (also f.ftp): rename the file or change the id`,
		`shared.ftp:2: duplicate key X-7/shared (also f.ftp): rename the file or change the id`,
		`sub/a.ftp:2: duplicate key X-1/a (also sub/A!.ftp): rename the file or change the id`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("LoadFS error:\n%v\nwant:\n%s", err, want)
	}
	if _, ok := err.(ErrorList); !ok {
		t.Errorf("error is a %T, want ErrorList", err)
	}
	if len(scripts) != 3 {
		t.Errorf("%d scripts loaded beside the errors, want 3 (a.ftp, f.ftp, sub/A!.ftp)", len(scripts))
	}
}

func TestLoadDirEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDir(dir); err == nil || err.Error() != dir+": no scenario files (*.ftp) here" {
		t.Errorf("empty directory: %v", err)
	}
	missing := filepath.Join(dir, "nope")
	if _, err := LoadDir(missing); err == nil || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("missing directory: %v", err)
	}
}

// LoadDir names files by the directory as given, and reads fixtures next
// to each script.
func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("one/x.ftp", "title: X\nid: X-1\nconnect\ndata pasv\nupload fixture f.txt\n")
	write("one/f.txt", "hello")
	write("two/y.ftp", "title: Y\nid: X-1\nconnect\ndata pasv\nupload fixture f.txt\n")
	scripts, err := LoadDir(dir)
	want := filepath.Join(dir, "two", "y.ftp") + ":5: upload: fixture f.txt: file does not exist"
	if err == nil || err.Error() != want {
		t.Fatalf("LoadDir error %v, want %s", err, want)
	}
	if len(scripts) != 1 || scripts[0].File != filepath.Join(dir, "one", "x.ftp") || string(scripts[0].Steps[2].src.data) != "hello" {
		t.Errorf("scripts %+v", scripts)
	}
}
