package fakeserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpconform/ftpconform/harness"
)

// Unit checks of the faults of faults_feat.go: each shows the deviation
// and that the rest of the exchange still works.

func init() {
	for name, fc := range featFaultChecks {
		faultChecks[name] = fc
	}
}

var featFaultChecks = map[string]faultCheck{
	faultFeatAnswers202: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if f := harness.ParseFeatures(asReply(t, c.expect("FEAT", 202))); f.Supported() || !f.HasViolation(harness.FeatBadCode) {
			t.Errorf("FEAT: %v", f.Violations)
		}
		c.expect("FEAT x", 501)
	}},
	faultFeatArgIgnored: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if f := harness.ParseFeatures(asReply(t, c.expect("FEAT x", 211))); !f.Has("MLST") || len(f.Violations) > 0 {
			t.Errorf("FEAT x: %q %v", f.Names(), f.Violations)
		}
		featOf(c)
	}},
	faultFeatEmptyListing: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		f := featOf(c)
		if len(f.List) > 0 || !f.HasViolation(harness.FeatNoFeatures) || len(f.Reply.Lines) != 2 {
			t.Errorf("FEAT: %q %v", f.Reply.Lines, f.Violations)
		}
		c.expect("SIZE hello.txt", 530) // SIZE itself is unchanged
	}},
	faultFeatEmptyLine: {check: func(t *testing.T, srv *Server, fx *fixture) {
		f := featOf(connect(t, srv))
		if !f.HasViolation(harness.FeatLineChars) || len(f.Violations) != 1 || !f.Has("SIZE") {
			t.Errorf("FEAT: %v", f.Violations)
		}
	}},
	faultFeatTwoPerLine: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		f := featOf(c)
		if !f.HasViolation(harness.FeatTwoPerLine) || len(f.Violations) != 1 || f.Has("MDTM") {
			t.Errorf("FEAT: %q %v", f.Names(), f.Violations)
		}
		c.expect("MDTM hello.txt", 213)
	}},
	faultFeatListsItself: {check: func(t *testing.T, srv *Server, fx *fixture) {
		f := featOf(connect(t, srv))
		if !f.HasViolation(harness.FeatListsItself) || len(f.Violations) != 1 || !f.Has("FEAT") {
			t.Errorf("FEAT: %v", f.Violations)
		}
	}},
	faultFeatNeedsLogin: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("FEAT", 530)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		if !featOf(c).Has("UTF8") {
			t.Error("FEAT after login does not list UTF8")
		}
	}},
	faultFeatListsAuthUnimpl: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if f := featOf(c); !f.Has("AUTH TLS") || len(f.Violations) > 0 {
			t.Errorf("FEAT: %q %v", f.Names(), f.Violations)
		}
		c.expect("AUTH TLS", 502)
	}},
	faultOptsUnimplemented: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		featOf(c)
		for _, line := range []string{"OPTS UTF8 ON", "OPTS MLST type;", "OPTS NOSUCH"} {
			c.expect(line, 502)
		}
	}},
	faultOptsMLSTRefused: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if !featOf(c).Has("MLST") {
			t.Error("FEAT does not list MLST")
		}
		c.expect("OPTS MLST type;size;", 501)
		c.expect("OPTS UTF8 ON", 200)
		c.expect("OPTS MLST", 200) // no facts: the clean server's answer
	}},
	faultLangUnimplementedListd: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		if !featOf(c).Has("LANG EN") {
			t.Error("FEAT does not list LANG EN")
		}
		c.expect("LANG", 502)
		c.expect("LANG EN", 502)
	}},
	faultLangLatin1Text: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if r := c.expect("NOOP", 200); !utf8.ValidString(r.text()) {
			t.Errorf("NOOP before LANG: %v", r)
		}
		c.expect("LANG EN", 200)
		if r := c.expect("NOOP", 200); utf8.ValidString(r.text()) {
			t.Errorf("NOOP after LANG is valid UTF-8: %v", r)
		}
		c.expect("SYST", 215)
	}},
	faultLangSurvivesRein: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if l := featOf(c).Params("LANG"); l != "EN*;FR" {
			t.Errorf("LANG line %q", l)
		}
		c.expect("LANG fr", 200)
		if l := featOf(c).Params("LANG"); l != "EN;FR*" {
			t.Errorf("LANG line after LANG fr: %q", l)
		}
		c.expect("REIN", 220)
		if l := featOf(c).Params("LANG"); l != "EN;FR*" {
			t.Errorf("LANG line after REIN: %q", l)
		}
		c.expect("LANG en", 200)
		if l := featOf(c).Params("LANG"); l != "EN*;FR" {
			t.Errorf("LANG line after LANG en: %q", l)
		}
	}},
	faultUTF8PwdMangled: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		dir := "d\u00df"
		r := c.expect("MKD "+dir, 257)
		if strings.Contains(r.text(), dir) || !strings.Contains(r.text(), latin1AsUTF8(dir)) {
			t.Errorf("MKD: %v", r)
		}
		c.expect("CWD "+dir, 250)
		if r := c.expect("PWD", 257); strings.Contains(r.text(), dir) || !strings.Contains(r.text(), latin1AsUTF8(dir)) {
			t.Errorf("PWD: %v", r)
		}
		if _, err := os.Stat(filepath.Join(fx.root, dir)); err != nil {
			t.Errorf("the directory has the wrong name: %v", err)
		}
		c.expect("CDUP", 250)
		c.expect("MKD ascii", 257) // ASCII names are unchanged
		if r := c.expect("PWD", 257); !strings.HasPrefix(r.lines[0], `257 "/"`) {
			t.Errorf("PWD: %v", r)
		}
	}},
	faultPathSpacesTrimmed: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("MKD  one-sp", 257)
		if _, err := os.Stat(filepath.Join(fx.root, "one-sp")); err != nil {
			t.Errorf("MKD  one-sp: %v", err)
		}
		if _, err := os.Stat(filepath.Join(fx.root, " one-sp")); err == nil {
			t.Error("MKD  one-sp created \" one-sp\"")
		}
		c.expect("SIZE hello.txt\x00", 501) // NUL still refused
	}},
	faultHostBareIPv6: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST ::1", 220)
		c.expect("HOST 2001:db8::1", 220)
		c.expect("HOST [2001:db8::1]", 504)
		c.expect("HOST 192.0.2.1:21", 501)
	}},
	faultHostUnknown550: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST nosuch.invalid", 550)
		c.expect("HOST ftp.example.com", 220)
	}},
	faultHostErrorSticks: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST nosuch.invalid", 504)
		c.expect("USER conform", 530)
		c.expect("HOST 192.0.2.1:21", 501)
		c.expect("USER conform", 530)
		c.expect("HOST ftp.example.com", 220)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		login(t, srv) // without HOST nothing changes
	}},
	faultHostOnceOnly: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST nosuch.invalid", 504)
		c.expect("HOST ftp.example.com", 220)
		c.expect("HOST ftp.example.com", 503)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
	}},
	faultHostRefusedAfterRein: {check: func(t *testing.T, srv *Server, fx *fixture) {
		c := connect(t, srv)
		c.expect("HOST ftp.example.com", 220)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
		c.expect("REIN", 220)
		c.expect("HOST ftp.example.com", 503)
		c.expect("USER conform", 331)
		c.expect("PASS "+testPassword, 230)
	}},
}

// TestFeatFaultsChecked makes sure every fault of faults_feat.go has a
// unit check here, and that the clean server has none of their
// deviations.
func TestFeatFaultsChecked(t *testing.T) {
	for _, f := range featFaults {
		if _, ok := featFaultChecks[f.Name]; !ok {
			t.Errorf("no unit check for %s", f.Name)
		}
		if len(f.Breaks) == 0 || f.Description == "" {
			t.Errorf("%s: no Breaks or no description", f.Name)
		}
	}
	srv, fx := startServer(t, nil)
	c := connect(t, srv)
	if f := featOf(c); len(f.Violations) > 0 || !f.Has("LANG EN") || !f.Has("AUTH TLS") {
		t.Errorf("FEAT: %q %v", f.Names(), f.Violations)
	}
	c.expect("FEAT x", 501)
	c.expect("HOST ::1", 501)
	c.expect("HOST nosuch.invalid", 504)
	c.expect("HOST ftp.example.com", 220)
	c.expect("HOST ftp.example.com", 220)
	c.expect("USER conform", 331)
	c.expect("HOST ftp.example.com", 220)
	c.expect("PASS "+testPassword, 503)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	c.expect("OPTS MLST type;size;", 200)
	c.expect("LANG EN", 200)
	if r := c.expect("NOOP", 200); !utf8.ValidString(r.text()) {
		t.Errorf("NOOP after LANG: %v", r)
	}
	dir := "d\u00df"
	if r := c.expect("MKD "+dir, 257); !strings.Contains(r.text(), `"/`+dir+`"`) {
		t.Errorf("MKD: %v", r)
	}
	c.expect("MKD  one-sp", 257)
	if _, err := os.Stat(filepath.Join(fx.root, " one-sp")); err != nil {
		t.Errorf("MKD  one-sp: %v", err)
	}
	c.expect("REIN", 220)
	c.expect("HOST ftp.example.com", 220)
}
