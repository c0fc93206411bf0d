package fakeserver

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// Unit checks of the faults of faults_rfc3659.go: each shows the
// deviation, mostly as the harness's parsers see it, and that the rest
// still works.

func init() {
	for name, fc := range rfc3659FaultChecks {
		faultChecks[name] = fc
	}
}

// mlsdLines lists arg with MLSD and returns the data as it came.
func mlsdLines(c *tclient, arg string) string {
	c.t.Helper()
	return string(c.retrieve("pasv", strings.TrimSpace("MLSD "+arg)))
}

var rfc3659FaultChecks = map[string]faultCheck{
	faultSizeMultiline: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		r := asReply(t, c.expect("SIZE bin.dat", 213))
		if v := harness.ClassifySIZE(r); v.Rule != harness.RuleMultiline || v.Size != int64(len(fx.bin)) {
			t.Errorf("SIZE in TYPE I: %v %+v", r.Lines, v)
		}
		c.expect("TYPE A", 200)
		if r := c.expect("SIZE hello.txt", 213); len(r.lines) != 1 {
			t.Errorf("SIZE in TYPE A: %v", r)
		}
	}},
	faultSizeExtraText: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		r := asReply(t, c.expect("SIZE bin.dat", 213))
		if v := harness.ClassifySIZE(r); v.Rule != harness.RuleForm || v.Size != int64(len(fx.bin)) {
			t.Errorf("SIZE: %v %+v", r.Lines, v)
		}
	}},
	faultSizeASCIIRaw: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE A", 200)
		n, _ := harness.ParseSIZE(asReply(t, c.expect("SIZE hello.txt", 213)))
		if got := c.retrieve("pasv", "RETR hello.txt"); n != int64(len(fx.text)) || len(got) == len(fx.text) {
			t.Errorf("SIZE in TYPE A %d, file %d, RETR %d", n, len(fx.text), len(got))
		}
		c.expect("TYPE I", 200)
		if n, _ := harness.ParseSIZE(asReply(t, c.expect("SIZE bin.dat", 213))); n != int64(len(fx.bin)) {
			t.Errorf("SIZE in TYPE I %d", n)
		}
	}},
	faultMdtmExtraText: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		v := harness.ClassifyMDTM(asReply(t, c.expect("MDTM hello.txt", 213)))
		if v.Rule != harness.RuleForm || v.Time.IsZero() {
			t.Errorf("MDTM: %+v", v)
		}
	}},
	faultMdtmYearOffset: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		r := c.expect("MDTM hello.txt", 213)
		if v := harness.ClassifyMDTM(asReply(t, r)); v.Rule != harness.RuleRange || !strings.HasPrefix(r.lines[0], "213 01") {
			t.Errorf("MDTM: %v %+v", r, v)
		}
	}},
	faultMdtmMissingEpoch: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("MDTM nope", 213); r.lines[0] != "213 "+mdtmEpoch {
			t.Errorf("MDTM nope: %v", r)
		}
		if v := harness.ClassifyMDTM(asReply(t, c.expect("MDTM hello.txt", 213))); v.Rule != harness.RuleNone || v.Time.Year() < 2000 {
			t.Errorf("MDTM hello.txt: %+v", v)
		}
	}},
	faultMdtmSetForm: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("MDTM 19990929043300 hello.txt", 213)
		fi, err := os.Stat(filepath.Join(fx.root, "hello.txt"))
		if err != nil || !fi.ModTime().Equal(time.Date(1999, 9, 29, 4, 33, 0, 0, time.UTC)) {
			t.Errorf("hello.txt modified %v (%v)", fi.ModTime(), err)
		}
		mustWrite(t, filepath.Join(fx.root, "19990929043300 bin.dat"), []byte("x"))
		if r := c.expect("MDTM 19990929043300 bin.dat", 213); !strings.HasPrefix(r.lines[0], "213 2") {
			t.Errorf("MDTM of a file with that whole name: %v", r)
		}
		c.expect("MDTM 19990929043300 nope", 550)
	}},
	faultMlsxGlobbing: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		if n, _ := harness.ParseSIZE(asReply(t, c.expect("SIZE bin.d?t", 213))); n != int64(len(fx.bin)) {
			t.Errorf("SIZE bin.d?t: %d", n)
		}
		c.expect("MDTM hello.*", 213)
		if e := mlstRaw(c, "h*").Entries[0]; e.Pathname != "/hello.txt" {
			t.Errorf("MLST h*: %q", e.Pathname)
		}
		if l := mlsdRaw(c, "s*"); l.Find("a.txt") == nil {
			t.Errorf("MLSD s*: %q", l.Names())
		}
		c.expect("SIZE x*", 550)
	}},
	faultRestZeroRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("REST 0", 501)
		c.expect("REST 10", 350)
	}},
	faultRest32BitLimit: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("REST 2147483648", 501)
		c.expect("REST 99999999999999999999", 501)
		c.expect("REST 2147483647", 350)
	}},
	faultRestOffByOne: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		if got := c.retrieve("pasv", "RETR bin.dat", "REST 100"); !bytes.Equal(got, fx.bin[99:]) {
			t.Errorf("REST 100 + RETR: %d octets", len(got))
		}
		if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
			t.Error("RETR without REST differs")
		}
	}},
	faultRestZeroIgnored: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		if got := c.retrieve("pasv", "RETR bin.dat", "REST 100", "REST 0"); !bytes.Equal(got, fx.bin[100:]) {
			t.Errorf("REST 100, REST 0, RETR: %d octets", len(got))
		}
		if got := c.retrieve("pasv", "RETR bin.dat", "REST 0"); !bytes.Equal(got, fx.bin) {
			t.Errorf("REST 0, RETR: %d octets", len(got))
		}
	}},
	faultRestSticky: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		c.retrieve("pasv", "RETR bin.dat", "REST 100")
		if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin[100:]) {
			t.Errorf("RETR after REST 100 + RETR: %d octets", len(got))
		}
		if got := c.retrieve("pasv", "RETR bin.dat", "REST 0"); !bytes.Equal(got, fx.bin) {
			t.Errorf("REST 0, RETR: %d octets", len(got))
		}
	}},
	faultRestAppePastEnd: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		c.store("pasv", "STOR a.bin", []byte("01234"))
		c.store("pasv", "APPE a.bin", []byte("56789"), "REST 5")
		if got := string(fx.read(t, "a.bin")); got != "01234\x00\x00\x00\x00\x0056789" {
			t.Errorf("REST 5 + APPE: %q", got)
		}
		c.store("pasv", "STOR s.bin", []byte("01234"))
		c.store("pasv", "STOR s.bin", []byte("56789"), "REST 5")
		c.store("pasv", "APPE s.bin", []byte("ab"))
		if got := string(fx.read(t, "s.bin")); got != "0123456789ab" {
			t.Errorf("REST + STOR, APPE: %q", got)
		}
	}},
	faultRestASCIIFileOffset: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE A", 200)
		got := c.retrieve("pasv", "RETR hello.txt", "REST 8")
		if want := crlf(fx.text[8:]); !bytes.HasPrefix(want, got) || bytes.Equal(got, crlf(fx.text)[8:]) {
			t.Errorf("REST 8 + RETR in TYPE A: %q", got)
		}
		c.expect("TYPE I", 200)
		if got := c.retrieve("pasv", "RETR hello.txt", "REST 8"); !bytes.Equal(got, fx.text[8:]) {
			t.Errorf("REST 8 + RETR in TYPE I: %q", got)
		}
	}},
	faultFeatMLSTBadFactlist: {check: func(t *testing.T, srv *Server, fx *fixture) {
		f := featOf(login(t, srv))
		if !f.HasViolation(harness.FeatMLSTParams) || len(f.Violations) != 1 || len(f.MLSTFacts()) != 5 {
			t.Errorf("FEAT: %v", f.Violations)
		}
	}},
	faultFeatMLSTStarsStale: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("OPTS MLST size;", 200)
		if f := featOf(c); len(f.SelectedFacts()) != 5 {
			t.Errorf("FEAT after OPTS MLST size;: %q", f.SelectedFacts())
		}
		if e := mlstRaw(c, "hello.txt").Entries[0]; len(e.Facts) != 1 {
			t.Errorf("MLST: %v", e.Facts)
		}
	}},
	faultFeatMLSTFewFacts: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if f := featOf(c); !slices.Equal(f.SelectedFacts(), []string{"type", "size", "modify"}) || len(f.Violations) > 0 {
			t.Errorf("FEAT: %q %v", f.SelectedFacts(), f.Violations)
		}
		if e := mlstRaw(c, "hello.txt").Entries[0]; e.Has("perm") || e.Has("unique") || !e.Has("modify") {
			t.Errorf("MLST: %v", e.Facts)
		}
	}},
	faultMlstOverData: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := harness.ParseMLSD(c.retrieve("pasv", "MLST hello.txt"))
		if len(l.Entries) != 1 || l.Entries[0].Pathname != "/hello.txt" {
			t.Errorf("MLST over a data connection: %+v", l.Entries)
		}
		if e := mlstRaw(c, "hello.txt").Entries[0]; e.Type != "file" {
			t.Errorf("MLST without one: %+v", e)
		}
	}},
	faultMlsdMissingEmpty: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := mlsdLines(c, "nope"); got != "" {
			t.Errorf("MLSD nope: %q", got)
		}
		c.expect("MLST nope", 550)
	}},
	faultMlsdNoPrelim: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		accept := c.openData("pasv")
		c.send("MLSD")
		d := accept()
		if data := readAll(t, d); len(data) == 0 {
			t.Error("no listing")
		}
		c.expectReply(226)
		c.retrieve("pasv", "LIST")
	}},
	faultMlsdBareLF: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlsdRaw(c, ""); !l.HasViolation(harness.MLSDLineEnd) || l.Find("hello.txt") == nil {
			t.Errorf("MLSD: %v", l.Violations)
		}
	}},
	faultMlsdTotalLine: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := mlsdLines(c, ""); !strings.HasPrefix(got, "total 4\r\n") {
			t.Errorf("MLSD: %q", got)
		}
	}},
	faultMlsxPadded: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if e := mlstRaw(c, "hello.txt").Entries[0]; e.Pathname != "  /hello.txt" {
			t.Errorf("MLST: %q", e.Pathname)
		}
		if got := mlsdLines(c, ""); !strings.Contains(got, ";   hello.txt\r\n") {
			t.Errorf("MLSD: %q", got)
		}
	}},
	faultMlsxUnprefixedFact: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlstRaw(c, "hello.txt"); !l.HasViolation(harness.MLSxUnknownFact) {
			t.Errorf("MLST: %v", l.Violations)
		}
		if l := mlsdRaw(c, ""); !l.HasViolation(harness.MLSxUnknownFact) {
			t.Errorf("MLSD: %v", l.Violations)
		}
		c.expect("OPTS MLST type;", 200)
		if l := mlstRaw(c, "hello.txt"); len(l.Violations) > 0 || len(l.Entries[0].Facts) != 1 {
			t.Errorf("MLST after OPTS MLST type;: %v", l.Entries[0].Facts)
		}
	}},
	faultMlsdCdirWithoutType: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("OPTS MLST size;modify;", 200)
		if l := mlsdRaw(c, "sub"); len(l.Entries) != 2 || l.Entries[0].Pathname != "/sub" || l.Entries[0].Has("type") {
			t.Errorf("MLSD sub without type: %+v", l.Entries)
		}
		c.expect("OPTS MLST type;", 200)
		if l := mlsdRaw(c, "sub"); len(l.Entries) != 2 || l.Entries[0].Type != "cdir" {
			t.Errorf("MLSD sub with type: %+v", l.Entries)
		}
	}},
	faultMlsxUniqueShared: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if a, b := mlstRaw(c, "hello.txt").Entries[0], mlstRaw(c, "sub").Entries[0]; a.Unique != sharedUnique || b.Unique != sharedUnique {
			t.Errorf("unique: %q %q", a.Unique, b.Unique)
		}
	}},
	faultMlsxModifyOtherClock: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		tm, _ := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213)))
		for _, e := range []*harness.MLSxEntry{mlstRaw(c, "hello.txt").Entries[0], mlsdRaw(c, "").Find("hello.txt")} {
			if e.Modify.Sub(tm) != otherClock {
				t.Errorf("MDTM %v, modify %v", tm, e.Modify)
			}
		}
	}},
	faultMlsxModifyCached: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		first := mlstRaw(c, "hello.txt").Entries[0].Modify
		old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		if err := os.Chtimes(filepath.Join(fx.root, "hello.txt"), old, old); err != nil {
			t.Fatal(err)
		}
		if m := mlstRaw(c, "hello.txt").Entries[0].Modify; !m.Equal(first) {
			t.Errorf("modify %v, first %v", m, first)
		}
		if tm, _ := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213))); !tm.Equal(old) {
			t.Errorf("MDTM %v", tm)
		}
		if m := mlstRaw(login(t, srv), "hello.txt").Entries[0].Modify; !m.Equal(old) {
			t.Errorf("modify in a new session %v", m)
		}
	}},
	faultMlsxCreateAfterMod: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlstRaw(c, "hello.txt"); !l.HasViolation(harness.MLSxCreateAfterModify) {
			t.Errorf("MLST: %v", l.Violations)
		}
	}},
	faultMlsxPermReadOnly: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if e := mlstRaw(c, "hello.txt").Entries[0]; e.Perm != "dfr" {
			t.Errorf("perm of hello.txt: %q", e.Perm)
		}
		c.store("pasv", "STOR hello.txt", []byte("x"))
	}},
	faultMlsxName7Bit: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		name := "caf\u00e9.txt"
		c.store("pasv", "STOR "+name, []byte("x"))
		if e := mlstRaw(c, name).Entries[0]; e.Pathname != "/caf??.txt" {
			t.Errorf("MLST: %q", e.Pathname)
		}
		if l := mlsdRaw(c, ""); l.Find("caf??.txt") == nil {
			t.Errorf("MLSD: %q", l.Names())
		}
	}},
	faultMlstNameHostPath: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if e := mlstRaw(c, "hello.txt").Entries[0]; e.Pathname != filepath.ToSlash(filepath.Join(fx.root, "hello.txt")) {
			t.Errorf("MLST: %q", e.Pathname)
		}
		if l := mlsdRaw(c, ""); l.Find("hello.txt") == nil {
			t.Errorf("MLSD: %q", l.Names())
		}
	}},
	faultMlsdQualifiedNames: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlsdRaw(c, "sub"); !slices.Equal(l.Names(), []string{"sub/a.txt"}) {
			t.Errorf("MLSD sub: %q", l.Names())
		}
		if l := mlsdRaw(c, ""); !slices.Contains(l.Names(), "hello.txt") {
			t.Errorf("MLSD: %q", l.Names())
		}
	}},
	faultTVFSAbsoluteFromCwd: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CWD sub", 250)
		c.expect("SIZE /hello.txt", 550)
		c.expect("SIZE /a.txt", 213)
		c.expect("CWD /", 250)
		c.expect("SIZE hello.txt", 213)
	}},
	faultTVFSRelativeRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("SIZE sub/a.txt", 501)
		c.expect("SIZE /sub/a.txt", 213)
		c.expect("CWD sub", 250)
		c.expect("SIZE a.txt", 213)
	}},
}

// TestRFC3659FaultsChecked makes sure every fault of faults_rfc3659.go has
// a unit check here.
func TestRFC3659FaultsChecked(t *testing.T) {
	for _, f := range rfc3659Faults {
		if _, ok := rfc3659FaultChecks[f.Name]; !ok {
			t.Errorf("no unit check for %s", f.Name)
		}
		if len(f.Breaks) == 0 || f.Description == "" {
			t.Errorf("%s: no Breaks or no description", f.Name)
		}
	}
}
