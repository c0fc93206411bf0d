package fakeserver

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// Unit checks of the faults of faults_ext.go: each shows the deviation,
// mostly as the harness's parsers see it, and that the rest still works.

func init() {
	for name, fc := range extFaultChecks {
		faultChecks[name] = fc
	}
}

// featOf sends FEAT and parses the listing.
func featOf(c *tclient) *harness.Features {
	c.t.Helper()
	return harness.ParseFeatures(asReply(c.t, c.expect("FEAT", 211)))
}

// mlsdRaw lists arg with MLSD and parses the data without judging it.
func mlsdRaw(c *tclient, arg string) *harness.MLSxListing {
	c.t.Helper()
	line := "MLSD"
	if arg != "" {
		line += " " + arg
	}
	return harness.ParseMLSD(c.retrieve("pasv", line))
}

// mlstRaw sends MLST arg and parses the reply without judging it.
func mlstRaw(c *tclient, arg string) *harness.MLSxListing {
	c.t.Helper()
	l, err := harness.ParseMLST(asReply(c.t, c.expect("MLST "+arg, 250)))
	if err != nil {
		c.t.Fatal(err)
	}
	return l
}

// featOmits is the check of a fault that leaves label out of FEAT while
// line still works.
func featOmits(label, line string, code int) faultCheck {
	return faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		f := featOf(c)
		if f.Has(label) || len(f.Violations) > 0 {
			t.Errorf("FEAT lists %s: %q, %v", label, f.Names(), f.Violations)
		}
		c.expect(line, code)
	}}
}

var extFaultChecks = map[string]faultCheck{
	faultFeatNoLeadingSpace: {check: func(t *testing.T, srv *Server, fx *fixture) {
		f := featOf(connect(t, srv))
		if !f.HasViolation(harness.FeatLineSpace) || !f.Has("SIZE") || len(f.Violations) != 1 {
			t.Errorf("FEAT: %v", f.Violations)
		}
	}},
	faultFeatMissingEnd: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		f := featOf(c)
		if !f.HasViolation(harness.FeatEnd) || len(f.Violations) != 1 {
			t.Errorf("FEAT: %v", f.Violations)
		}
		c.expect("HELP", 214) // other multi-line replies end as they should
	}},
	faultFeatLowerCase: {check: func(t *testing.T, srv *Server, fx *fixture) {
		f := featOf(connect(t, srv))
		if !f.HasViolation(harness.FeatLabelCase) || !f.Has("MDTM") || !f.Has("SIZE") {
			t.Errorf("FEAT: %v", f.Violations)
		}
	}},
	faultFeatListsUnimpl: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if !featOf(c).Has("MLST") {
			t.Error("FEAT does not list MLST")
		}
		c.expect("MLST hello.txt", 502)
		c.pasv()
		c.expect("MLSD", 502)
	}},
	faultFeatOmitsSize:       featOmits("SIZE", "SIZE hello.txt", 213),
	faultFeatOmitsMDTM:       featOmits("MDTM", "MDTM hello.txt", 213),
	faultFeatOmitsRestStream: featOmits("REST STREAM", "REST 10", 350),
	faultFeatOmitsUTF8:       featOmits("UTF8", "OPTS UTF8 ON", 200),
	faultFeatOmitsHost:       featOmits("HOST", "HOST ftp.example.com", 503),
	faultOptsUnknown200: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		for _, line := range []string{"OPTS NOSUCH x", "OPTS FEAT", "OPTS OPTS"} {
			c.expect(line, 200)
		}
		if r := c.expect("OPTS MLST type;", 200); r.lines[0] != "200 MLST OPTS type;" {
			t.Errorf("OPTS MLST: %v", r)
		}
		c.expect("OPTS MLST type; size;", 501)
	}},
	faultOptsMLSTIgnored: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("OPTS MLST size;", 200); r.lines[0] != "200 MLST OPTS size;" {
			t.Errorf("OPTS MLST: %v", r)
		}
		if e := mlstRaw(c, "hello.txt").Entries[0]; len(e.Facts) != 5 {
			t.Errorf("MLST after OPTS MLST size;: %v", e.Facts)
		}
	}},
	faultOptsMLSTReplyBare: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("OPTS MLST size;", 200); r.lines[0] != "200 Options set." {
			t.Errorf("OPTS MLST: %v", r)
		}
		if e := mlstRaw(c, "hello.txt").Entries[0]; len(e.Facts) != 1 || e.Size < 0 {
			t.Errorf("the selection did not take: %v", e.Facts)
		}
		c.expect("OPTS UTF8 ON", 200)
	}},
	faultOptsMLSTLenient: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("OPTS MLST type; size;", 200); r.lines[0] != "200 MLST OPTS type;size;" {
			t.Errorf("OPTS MLST with a SP: %v", r)
		}
		if r := c.expect("OPTS MLST fish cakes", 200); r.lines[0] != "200 MLST OPTS" {
			t.Errorf("OPTS MLST fish cakes: %v", r)
		}
		c.expect("OPTS MLST type;size", 501) // no SP: the clean server's answer
	}},
	faultSizeWrong: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		if n, _ := harness.ParseSIZE(asReply(t, c.expect("SIZE bin.dat", 213))); n != int64(len(fx.bin))+1 {
			t.Errorf("SIZE bin.dat = %d, file %d", n, len(fx.bin))
		}
		if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
			t.Error("RETR differs")
		}
		c.expect("TYPE A", 200)
		if n, _ := harness.ParseSIZE(asReply(t, c.expect("SIZE hello.txt", 213))); n != int64(len(crlf(fx.text))) {
			t.Errorf("SIZE in TYPE A = %d", n)
		}
	}},
	faultSizeDir213: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("SIZE sub", 213)
		c.expect("SIZE nope", 550)
		c.expect("SIZE hello.txt", 213)
	}},
	faultMdtmLocalTime: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		tm, err := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213)))
		modify := mlstRaw(c, "hello.txt").Entries[0].Modify
		if err != nil || modify.Sub(tm) != 5*time.Hour {
			t.Errorf("MDTM %v (%v), modify %v: not 5 hours apart", tm, err, modify)
		}
	}},
	faultMdtmBadFormat: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		r := c.expect("MDTM hello.txt", 213)
		var te *harness.TimeValError
		if _, err := harness.ParseMDTM(asReply(t, r)); !errors.As(err, &te) || !strings.HasPrefix(r.lines[0], "213 191") {
			t.Errorf("MDTM: %v, %v", r, err)
		}
	}},
	faultMdtmEmptyFraction: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		r := c.expect("MDTM hello.txt", 213)
		if _, err := harness.ParseMDTM(asReply(t, r)); err == nil || !strings.HasSuffix(r.lines[0], ".") {
			t.Errorf("MDTM: %v, %v", r, err)
		}
	}},
	faultRestStreamIgnoredStor: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		c.store("pasv", "STOR r.bin", []byte("01234"))
		c.store("pasv", "STOR r.bin", []byte("56789"), "REST 5")
		if got := string(fx.read(t, "r.bin")); got != "56789" {
			t.Errorf("REST 5 + STOR: %q", got)
		}
		if got := c.retrieve("pasv", "RETR bin.dat", "REST 100"); !bytes.Equal(got, fx.bin[100:]) {
			t.Error("REST + RETR is broken too")
		}
	}},
	faultMlstNoLeadingSpace: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlstRaw(c, "hello.txt"); !l.HasViolation(harness.MLSTLineSpace) || len(l.Violations) != 1 {
			t.Errorf("MLST: %v", l.Violations)
		}
		if l := mlsdRaw(c, ""); len(l.Violations) > 0 {
			t.Errorf("MLSD: %v", l.Violations)
		}
	}},
	faultMlstBadFact: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := mlstRaw(c, "hello.txt")
		if !l.HasViolation(harness.MLSxFactSyntax) || l.Entries[0].Pathname != "/hello.txt" {
			t.Errorf("MLST: %v", l.Violations)
		}
		if l := mlsdRaw(c, ""); !l.HasViolation(harness.MLSxFactSyntax) || l.Find("hello.txt") == nil {
			t.Errorf("MLSD: %v", l.Violations)
		}
	}},
	faultMlstPermLetters: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlstRaw(c, "hello.txt"); !l.HasViolation(harness.MLSxPerm) || l.Entries[0].Perm != "adfrwx" {
			t.Errorf("MLST: %v", l.Violations)
		}
		if l := mlsdRaw(c, ""); !l.HasViolation(harness.MLSxPerm) {
			t.Errorf("MLSD: %v", l.Violations)
		}
	}},
	faultMlstModifyMismatch: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		tm, _ := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213)))
		for _, e := range []*harness.MLSxEntry{mlstRaw(c, "hello.txt").Entries[0], mlsdRaw(c, "").Find("hello.txt")} {
			if tm.Sub(e.Modify) != 5*time.Hour {
				t.Errorf("MDTM %v, modify %v", tm, e.Modify)
			}
		}
	}},
	faultMlstListsContents: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := mlstRaw(c, "sub")
		if !l.HasViolation(harness.MLSTEntriesDiffer) || len(l.Entries) != 3 || l.Find("a.txt") == nil {
			t.Errorf("MLST sub: %v %v", l.Entries, l.Violations)
		}
		if l := mlstRaw(c, "hello.txt"); len(l.Entries) != 1 || len(l.Violations) > 0 {
			t.Errorf("MLST of a file: %v", l.Violations)
		}
	}},
	faultMlstNoArg501: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("MLST", 501)
		c.expect("MLST sub", 250)
	}},
	faultMlsdSizeMismatch: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := mlsdRaw(c, "")
		if e := l.Find("bin.dat"); e == nil || e.Size != int64(len(fx.bin)+1023)/1024 || len(l.Violations) > 0 {
			t.Errorf("MLSD bin.dat: %+v", e)
		}
		if e := mlstRaw(c, "bin.dat").Entries[0]; e.Size != int64(len(fx.bin)) {
			t.Errorf("MLST bin.dat size %d", e.Size)
		}
	}},
	faultMlsdTypeWrong: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := mlsdRaw(c, "")
		if e := l.Find("sub"); e == nil || e.Type != "file" || l.Entries[0].Type != "cdir" {
			t.Errorf("MLSD: %+v", l.Entries)
		}
		if e := mlstRaw(c, "sub").Entries[0]; e.Type != "dir" {
			t.Errorf("MLST sub: type %q", e.Type)
		}
	}},
	faultMlsdLeadingSpace: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := mlsdRaw(c, ""); !l.HasViolation(harness.MLSxLeadingSpace) || l.Find("hello.txt") == nil {
			t.Errorf("MLSD: %v", l.Violations)
		}
	}},
	faultMlsdFileListed: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		l := mlsdRaw(c, "hello.txt")
		if len(l.Entries) != 1 || l.Entries[0].Pathname != "hello.txt" || l.Entries[0].Type != "file" {
			t.Errorf("MLSD hello.txt: %+v", l.Entries)
		}
		c.expect("MLSD nope", 550)
	}},
	faultMlsdNoArgRoot: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CWD sub", 250)
		if l := mlsdRaw(c, ""); l.Find("hello.txt") == nil || l.Find("a.txt") != nil {
			t.Errorf("MLSD in /sub: %q", l.Names())
		}
		if l := mlsdRaw(c, "/sub"); l.Find("a.txt") == nil {
			t.Errorf("MLSD /sub: %q", l.Names())
		}
	}},
	faultMlsdSetsTypeI: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE A", 200)
		mlsdRaw(c, "")
		if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, fx.text) {
			t.Errorf("RETR after MLSD in TYPE A: %q", got)
		}
	}},
	faultUTF8NameMangled: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		name := "caf\u00e9.txt"
		c.store("pasv", "STOR "+name, []byte("x"))
		if got := string(c.retrieve("pasv", "NLST")); !strings.Contains(got, "caf\u00c3\u00a9.txt\r\n") || strings.Contains(got, name) {
			t.Errorf("NLST: %q", got)
		}
		if l := mlsdRaw(c, ""); l.Find(name) != nil || l.Find("caf\u00c3\u00a9.txt") == nil {
			t.Errorf("MLSD: %q", l.Names())
		}
		if got := c.retrieve("pasv", "RETR "+name); string(got) != "x" {
			t.Errorf("RETR: %q", got)
		}
		if got := string(c.retrieve("pasv", "NLST sub")); got != "sub/a.txt\r\n" {
			t.Errorf("NLST of ASCII names: %q", got)
		}
	}},
	faultLangEnRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if !featOf(c).Has("LANG EN") {
			t.Error("FEAT does not list LANG EN")
		}
		c.expect("LANG EN", 504)
		c.expect("LANG en-US", 504)
		c.expect("LANG", 200)
	}},
	faultLangNoArg501: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("LANG", 501)
		c.expect("LANG en", 200)
	}},
	faultLangAny200: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		for _, line := range []string{"LANG 123456789", "LANG xx-YY", "LANG en"} {
			c.expect(line, 200)
		}
	}},
	faultHostAfterLogin: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("HOST ftp.example.com", 220)
		c.expect("PWD", 257)
		connect(t, srv).expect("HOST ftp.example.com", 220)
	}},
	faultHostNot220: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST ftp.example.com", 200)
		c.expect("HOST 192.0.2.1:21", 501)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		c.expect("HOST ftp.example.com", 503)
	}},
	faultHostPortAccepted: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST 192.0.2.1:2112", 220)
		c.expect("HOST [2001:db8::c000:201]:2112", 220)
		c.expect("HOST ftp.example.com:21", 220)
		c.expect("HOST ::1", 501)
	}},
	faultHostAnyLiteral: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST 192.0.2.77", 220)
		c.expect("HOST [2001:db8::1]", 220)
		c.expect("HOST nosuch.invalid", 504)
	}},
}

// TestExtFaultsChecked makes sure every fault of faults_ext.go has a unit
// check here, and that the clean server has none of their deviations.
func TestExtFaultsChecked(t *testing.T) {
	for _, f := range extFaults {
		if _, ok := extFaultChecks[f.Name]; !ok {
			t.Errorf("no unit check for %s", f.Name)
		}
		if len(f.Breaks) == 0 || f.Description == "" {
			t.Errorf("%s: no Breaks or no description", f.Name)
		}
	}
	srv, _ := startServer(t, nil)
	c := login(t, srv)
	if f := featOf(c); len(f.Violations) > 0 {
		t.Errorf("FEAT: %v", f.Violations)
	}
	if l := mlstRaw(c, "hello.txt"); len(l.Violations) > 0 {
		t.Errorf("MLST: %v", l.Violations)
	}
	if l := mlsdRaw(c, ""); len(l.Violations) > 0 || !slices.Equal(l.Names(), []string{"bin.dat", "hello.txt", "sub"}) {
		t.Errorf("MLSD: %v %q", l.Violations, l.Names())
	}
	if _, err := harness.ParseMDTM(asReply(t, c.expect("MDTM hello.txt", 213))); err != nil {
		t.Error(err)
	}
}
