package fakeserver

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// The reference server's MLST, MLSD, OPTS MLST, FEAT, LANG, SIZE and MDTM
// (RFC 2389, RFC 2640, RFC 3659), read back with the harness's parsers.

// asReply turns a test reply into a harness reply.
func asReply(t testing.TB, r treply) *harness.Reply {
	t.Helper()
	return &harness.Reply{Code: r.code, Lines: r.lines}
}

// mlst sends MLST arg and parses the reply, which must follow the grammar.
func (c *tclient) mlst(arg string) *harness.MLSxEntry {
	c.t.Helper()
	line := "MLST"
	if arg != "" {
		line += " " + arg
	}
	l, err := harness.ParseMLST(asReply(c.t, c.expect(line, 250)))
	if err != nil || len(l.Violations) > 0 || len(l.Entries) != 1 {
		c.t.Fatalf("%s: %v, %v", line, err, l.Violations)
	}
	return l.Entries[0]
}

// mlsd lists arg with MLSD over a passive connection and parses the data,
// which must follow the grammar.
func (c *tclient) mlsd(arg string) *harness.MLSxListing {
	c.t.Helper()
	line := "MLSD"
	if arg != "" {
		line += " " + arg
	}
	l := harness.ParseMLSD(c.retrieve("pasv", line))
	if len(l.Violations) > 0 {
		c.t.Fatalf("%s: %v", line, l.Violations)
	}
	return l
}

func TestMLST(t *testing.T) {
	srv, fx := startServer(t, nil)
	connect(t, srv).expect("MLST hello.txt", 530)
	c := login(t, srv)

	e := c.mlst("hello.txt")
	fi, err := os.Stat(filepath.Join(fx.root, "hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Pathname != "/hello.txt" || e.Type != "file" || e.Size != int64(len(fx.text)) || e.Perm != "adfrw" || e.Unique == "" {
		t.Errorf("MLST hello.txt: %+v", e)
	}
	if !e.Modify.Equal(fi.ModTime().UTC().Truncate(time.Second)) {
		t.Errorf("modify %v, file %v", e.Modify, fi.ModTime())
	}
	mdtm, err := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213)))
	if err != nil || !mdtm.Equal(e.Modify) {
		t.Errorf("MDTM %v, %v; modify %v", mdtm, err, e.Modify)
	}
	if again := c.mlst("/hello.txt"); again.Unique != e.Unique {
		t.Errorf("unique %q then %q", e.Unique, again.Unique)
	}
	if other := c.mlst("bin.dat"); other.Unique == e.Unique {
		t.Errorf("bin.dat and hello.txt share unique %q", e.Unique)
	}
	if err := os.Link(filepath.Join(fx.root, "hello.txt"), filepath.Join(fx.root, "sub", "link.txt")); err == nil {
		if l := c.mlst("sub/link.txt"); l.Unique != e.Unique {
			t.Errorf("a hard link has unique %q, the file %q", l.Unique, e.Unique)
		}
	}

	// Directories: dir (cdir is for MLSD), no size; without argument the
	// working directory, by its full path.
	if d := c.mlst("sub"); d.Pathname != "/sub" || d.Type != "dir" || d.Has("size") || d.Perm != "cdeflmp" {
		t.Errorf("MLST sub: %+v", d)
	}
	if d := c.mlst(""); d.Pathname != "/" || d.Type != "dir" || d.Perm != "celmp" {
		t.Errorf("MLST of the root: %+v", d)
	}
	c.expect("CWD sub", 250)
	if d := c.mlst(""); d.Pathname != "/sub" || d.Type != "dir" {
		t.Errorf("MLST in /sub: %+v", d)
	}
	if f := c.mlst("a.txt"); f.Pathname != "/sub/a.txt" || f.Size != 2 {
		t.Errorf("MLST a.txt in /sub: %+v", f)
	}
	if f := c.mlst("../hello.txt"); f.Pathname != "/hello.txt" {
		t.Errorf("MLST ../hello.txt: %+v", f)
	}

	c.expect("MLST nope", 550)
	c.expect("MLST bad\x00name", 501)
	// MLST opens no data connection: a PASV stays for the next transfer.
	d := c.pasv()
	c.mlst("a.txt")
	c.send("RETR a.txt")
	c.expectPrelim()
	if got := readAll(t, d); string(got) != "a\r\n" {
		t.Errorf("RETR after MLST: %q", got)
	}
	c.expectReply(226)
}

func TestMLSD(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	mustWrite(t, filepath.Join(fx.root, "two words.txt"), []byte("xy"))
	mustWrite(t, filepath.Join(fx.root, " lead"), nil)

	l := c.mlsd("")
	first := l.Entries[0]
	if first.Type != "cdir" || first.Pathname != "/" {
		t.Errorf("first entry %+v", first)
	}
	if got, want := l.Names(), []string{" lead", "bin.dat", "hello.txt", "sub", "two words.txt"}; !slices.Equal(got, want) {
		t.Errorf("names %q, want %q", got, want)
	}
	for name, size := range map[string]int64{"bin.dat": int64(len(fx.bin)), "hello.txt": int64(len(fx.text)), "two words.txt": 2, " lead": 0} {
		if e := l.Find(name); e == nil || e.Type != "file" || e.Size != size || e.Perm != "adfrw" {
			t.Errorf("%q: %+v", name, e)
		}
	}
	if e := l.Find("sub"); e == nil || e.Type != "dir" || e.Has("size") || e.Unique != c.mlst("sub").Unique {
		t.Errorf("sub: %+v", e)
	}
	if e := l.Find("hello.txt"); e.Unique != c.mlst("hello.txt").Unique || !e.Modify.Equal(c.mlst("hello.txt").Modify) {
		t.Errorf("MLSD and MLST disagree on hello.txt: %+v", e)
	}

	// A named directory, and the working directory.
	if got := c.mlsd("sub").Names(); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("MLSD sub: %q", got)
	}
	c.expect("CWD sub", 250)
	l = c.mlsd("")
	if l.Entries[0].Pathname != "/sub" || !slices.Equal(l.Names(), []string{"a.txt"}) {
		t.Errorf("MLSD in /sub: %+v", l.Entries)
	}
	c.expect("CWD /", 250)

	// Not a directory: 501 before any data connection; missing: 550.
	d := c.pasv()
	c.expect("MLSD hello.txt", 501)
	c.expect("MLSD nope", 550)
	c.send("NLST sub")
	c.expectPrelim()
	if got := readAll(t, d); string(got) != "sub/a.txt\r\n" {
		t.Errorf("NLST on the PASV of a refused MLSD: %q", got)
	}
	c.expectReply(226)

	// TYPE L 8 for the listing only: TYPE A stays in force.
	c.expect("TYPE A", 200)
	mustWrite(t, filepath.Join(fx.root, "lf.txt"), []byte("a\nb\n"))
	if e := c.mlsd("").Find("lf.txt"); e == nil || e.Size != 4 {
		t.Errorf("MLSD in TYPE A: %+v", e)
	}
	if got := c.retrieve("pasv", "RETR lf.txt"); string(got) != "a\r\nb\r\n" {
		t.Errorf("RETR after MLSD in TYPE A: %q", got)
	}
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), "TYPE: ASCII") {
		t.Errorf("STAT after MLSD: %v", r)
	}

	// A link into the root is listed as its target; one leading nowhere
	// is left out.
	if err := os.Symlink("hello.txt", filepath.Join(fx.root, "ln")); err == nil {
		os.Symlink("nowhere", filepath.Join(fx.root, "dangling"))
		l = c.mlsd("")
		if e := l.Find("ln"); e == nil || e.Type != "file" || e.Size != int64(len(fx.text)) {
			t.Errorf("link: %+v", e)
		}
		if l.Find("dangling") != nil {
			t.Error("a dangling link is listed")
		}
	}
}

func TestOptsMLST(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	c.expect("OPTS MLST type;", 200) // before login too (RFC 3659 §7.9 allows it)
	c.expect("REIN", 220)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)

	feat := func() *harness.Features {
		t.Helper()
		f := harness.ParseFeatures(asReply(t, c.expect("FEAT", 211)))
		if len(f.Violations) > 0 {
			t.Fatalf("FEAT: %v", f.Violations)
		}
		return f
	}
	if got := feat().SelectedFacts(); !slices.Equal(got, []string{"type", "size", "modify", "perm", "unique"}) {
		t.Errorf("default facts %q (REIN must reset OPTS MLST)", got)
	}
	for _, tc := range []struct{ opts, reply string }{
		{"OPTS MLST type;size;frogs;", "200 MLST OPTS type;size;"},
		{"OptS mLsT SIZE;Unique;", "200 MLST OPTS size;unique;"},
		{"OPTS MLST lang;charset;", "200 MLST OPTS"},
	} {
		if r := c.expect(tc.opts, 200); r.lines[0] != tc.reply {
			t.Errorf("%s: %v, want %q", tc.opts, r, tc.reply)
		}
	}
	c.expect("OPTS MLST type;size;", 200)
	if got := feat().SelectedFacts(); !slices.Equal(got, []string{"type", "size"}) {
		t.Errorf("selected %q", got)
	}
	e := c.mlst("hello.txt")
	if len(e.Facts) != 2 || e.Type != "file" || e.Size < 0 {
		t.Errorf("MLST after OPTS MLST type;size;: %+v", e)
	}
	// Syntax errors: 501, and the selection stays.
	for _, bad := range []string{"OPTS MLST type; size;", "OPTS MLST type;size", "OPTS MLST fish cakes;", "OPTS MLST ", "OPTS MLST ;", "OPTS MLST type*;"} {
		c.expect(bad, 501)
	}
	if got := feat().SelectedFacts(); !slices.Equal(got, []string{"type", "size"}) {
		t.Errorf("after the syntax errors: %q", got)
	}

	// No facts: two SPs before the name in MLST, one in MLSD, and no cdir
	// entry (RFC 3659 §7.5.1.2: only with the type fact).
	if r := c.expect("OPTS MLST", 200); r.lines[0] != "200 MLST OPTS" {
		t.Errorf("OPTS MLST: %v", r)
	}
	if r := c.expect("MLST hello.txt", 250); r.lines[1] != "  /hello.txt" {
		t.Errorf("MLST without facts: %v", r)
	}
	if got := string(c.retrieve("pasv", "MLSD sub")); got != " a.txt\r\n" {
		t.Errorf("MLSD without facts: %q", got)
	}
	c.expect("OPTS MLST size;", 200)
	if got := string(c.retrieve("pasv", "MLSD sub")); got != "size=2; a.txt\r\n" {
		t.Errorf("MLSD with size only: %q", got)
	}

	// Other targets (RFC 2389 §4: no OPTS FEAT, OPTS OPTS; RFC 3659 §7.9:
	// no OPTS MLSD).
	for _, line := range []string{"OPTS", "OPTS FEAT", "OPTS OPTS", "OPTS MLSD type;", "OPTS NOSUCH x", "OPTS UTF8 OFF", "OPTS UTF8"} {
		c.expect(line, 501)
	}
	c.expect("OPTS UTF8 ON", 200)
	c.expect("opts utf8 on", 200)
}

func TestLANG(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	for line, code := range map[string]int{
		"LANG": 200, "LANG en": 200, "LANG EN": 200, "LANG en-US": 200, "lang En-gb": 200,
		"LANG fr": 504, "LANG xx-YY": 504, "LANG i-klingon": 504,
		"LANG 123456789": 501, "LANG english12": 501, "LANG ": 501, "LANG en_US": 501, "LANG en-": 501, "LANG C.UTF-8": 501,
	} {
		c.expect(line, code)
	}
	f := harness.ParseFeatures(asReply(t, c.expect("FEAT", 211)))
	if langs := f.Langs(); len(langs) != 1 || langs[0] != (harness.LangOffer{Tag: "EN", Current: true}) {
		t.Errorf("FEAT LANG: %+v", langs)
	}
}

func TestFeatureListing(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	f := harness.ParseFeatures(asReply(t, c.expect("FEAT", 211)))
	if len(f.Violations) > 0 {
		t.Errorf("FEAT: %v", f.Violations)
	}
	for _, name := range []string{"EPRT", "EPSV", "HOST", "LANG EN", "MDTM", "MLST", "REST STREAM", "SIZE", "TVFS", "UTF8"} {
		if !f.Has(name) {
			t.Errorf("FEAT does not list %s", name)
		}
	}
	// Every listed feature's command is in the table.
	for _, ft := range f.List {
		if _, ok := commands[ft.Name]; !ok && ft.Name != "TVFS" && ft.Name != "UTF8" {
			t.Errorf("FEAT lists %s, which no command implements", ft.Name)
		}
	}
}

func TestSizeAndMDTM(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	size := func(arg string) int64 {
		t.Helper()
		n, err := harness.ParseSIZE(asReply(t, c.expect("SIZE "+arg, 213)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := size("bin.dat"); n != int64(len(fx.bin)) {
		t.Errorf("SIZE bin.dat = %d", n)
	}
	c.expect("TYPE A", 200)
	if n, want := size("hello.txt"), len(crlf(fx.text)); n != int64(want) {
		t.Errorf("SIZE hello.txt in TYPE A = %d, want %d", n, want)
	}
	for _, line := range []string{"SIZE sub", "SIZE nope", "MDTM sub", "MDTM nope"} {
		c.expect(line, 550)
	}
	c.expect("SIZE", 501)
	c.expect("MDTM", 501)

	// A fresh upload: MDTM is now, in UTC, in whole seconds.
	c.expect("TYPE I", 200)
	c.store("pasv", "STOR fresh.bin", fx.bin[:10])
	tm, err := harness.ParseMDTM(asReply(t, c.expect("MDTM fresh.bin", 213)))
	if d := time.Since(tm); err != nil || d < -2*time.Second || d > time.Minute || tm.Nanosecond() != 0 {
		t.Errorf("MDTM of a fresh file: %v, %v (%v ago)", tm, err, d)
	}
	// The SIZE of a partial upload is a REST STREAM offset (RFC 3659 §4.1).
	n := size("fresh.bin")
	c.store("pasv", "STOR fresh.bin", fx.bin[n:], "REST "+strconv.FormatInt(n, 10))
	if got := fx.read(t, "fresh.bin"); !bytes.Equal(got, fx.bin) {
		t.Errorf("REST %d + STOR: %d bytes", n, len(got))
	}
}

func TestNonASCIINames(t *testing.T) {
	srv, fx := startServer(t, nil)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.expect("OPTS UTF8 ON", 200)
	names := []string{"caf\u00e9 \u65e5\u672c.txt", "\xe9t\xe9.bin"} // UTF-8, and raw Latin-1 bytes
	for i, name := range names {
		content := bytes.Repeat([]byte{byte('a' + i)}, 10+i)
		c.store("pasv", "STOR "+name, content)
		if got := fx.read(t, name); !bytes.Equal(got, content) {
			t.Errorf("%q stored as %q", name, got)
		}
		if got := c.retrieve("pasv", "RETR "+name); !bytes.Equal(got, content) {
			t.Errorf("RETR %q: %q", name, got)
		}
		if e := c.mlst(name); e.Pathname != "/"+name || e.Size != int64(len(content)) {
			t.Errorf("MLST %q: %+v", name, e)
		}
		if l := c.mlsd(""); l.Find(name) == nil {
			t.Errorf("MLSD lacks %q: %q", name, l.Names())
		}
		if got := string(c.retrieve("pasv", "NLST")); !strings.Contains(got, "\r\n"+name+"\r\n") && !strings.HasPrefix(got, name+"\r\n") {
			t.Errorf("NLST lacks %q: %q", name, got)
		}
		c.expect("DELE "+name, 250)
	}
}

// TestMLSDInBlockMode: MLSD data goes in stream mode whatever MODE says,
// and MODE stays (RFC 3659 §7.2); SIZE has no stream count to give.
func TestMLSDInBlockMode(t *testing.T) {
	srv, fx := startServer(t, func(s *Server) { s.Variations = []string{varModeB, varStruR} })
	c := login(t, srv)
	c.expect("TYPE I", 200)
	c.expect("MODE B", 200)
	if got := c.mlsd("sub").Names(); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("MLSD in MODE B: %q", got)
	}
	if got, eof := blockDecode(t, c.retrieve("pasv", "RETR bin.dat")); !eof || !bytes.Equal(got, fx.bin) {
		t.Error("MODE B did not survive MLSD")
	}
	c.expect("SIZE bin.dat", 550)
	c.expect("MODE S", 200)
	c.expect("STRU R", 200)
	c.mlsd("sub")
	c.expect("SIZE bin.dat", 550)
	c.expect("STRU F", 200)
	c.expect("SIZE bin.dat", 213)
}
