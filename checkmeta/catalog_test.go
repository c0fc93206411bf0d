package checkmeta

import (
	"strings"
	"testing"
)

func TestBuiltinCatalog(t *testing.T) {
	cat := Builtin()
	if len(cat) < 300 {
		t.Fatalf("builtin catalog has %d requirements", len(cat))
	}
	tests := []Requirement{
		{ID: "RFC959-4.2.1-421-CLOSE", Level: LevelMust, RFC: "rfc959", Section: "4.2.1"},
		{ID: "RFC959-AII-PWD-257", Level: LevelMust, RFC: "rfc959", Section: "AII"},
		{ID: "RFC1123-4.1.2.6-PASV-MUST", Level: LevelMust, RFC: "rfc1123", Section: "4.1.2.6"},
		{ID: "RFC959-8-PORT21", Level: LevelMust, RFC: "rfc959", Section: "8"},
		{ID: "POLICY-PASV-RANGE", Level: LevelPolicy, RFC: RFCPolicy, Section: ""},
	}
	for _, want := range tests {
		got, ok := cat.Lookup(want.ID)
		if !ok {
			t.Errorf("%s: not in the builtin catalog", want.ID)
			continue
		}
		if got.ID != want.ID || got.Level != want.Level || got.RFC != want.RFC || got.Section != want.Section || got.Text == "" {
			t.Errorf("%s: got %+v, want %+v with a text", want.ID, got, want)
		}
		if pkg, _ := Lookup(want.ID); pkg != got {
			t.Errorf("%s: Lookup and Builtin().Lookup disagree", want.ID)
		}
	}
	if _, ok := Lookup("RFC959-4.2-NO-SUCH"); ok {
		t.Error("an unknown ID was found")
	}
}

func TestBuiltinIsACopy(t *testing.T) {
	cat := Builtin()
	delete(cat, "POLICY-PASV-RANGE")
	if _, ok := Lookup("POLICY-PASV-RANGE"); !ok {
		t.Error("changing the map Builtin returned changed the builtin catalog")
	}
}

func TestSorted(t *testing.T) {
	s := Builtin().Sorted()
	for i := 1; i < len(s); i++ {
		if s[i-1].ID >= s[i].ID {
			t.Fatalf("not sorted at %d: %s before %s", i, s[i-1].ID, s[i].ID)
		}
	}
}

func TestParseCatalog(t *testing.T) {
	cat, err := ParseCatalog("# id\tlevel\tqualifier\tsummary\n\nRFC2428-3-EPSV\tMAY\tif implemented\tEPSV opens a passive port.\r\nPOLICY-X\tPOLICY\t\tx\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Requirement{ID: "RFC2428-3-EPSV", Level: LevelMay, Qualifier: "if implemented", RFC: "rfc2428", Section: "3", Text: "EPSV opens a passive port."}
	if got := cat["RFC2428-3-EPSV"]; got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if len(cat) != 2 {
		t.Errorf("%d requirements, want 2", len(cat))
	}
}

func TestParseCatalogErrors(t *testing.T) {
	tests := []struct{ name, tsv, want string }{
		{"too few fields", "RFC959-4.2-X\tMUST\tx\n", "line 1: 3 fields"},
		{"unknown level", "RFC959-4.2-X\tMUSTN'T\t\tx\n", "unknown level"},
		{"malformed ID", "\nrfc959-4.2-x\tMUST\t\tx\n", "line 2: malformed requirement ID"},
		{"a key is no ID", "RFC959-4.2-X/slug\tMUST\t\tx\n", "malformed requirement ID"},
		{"twice", "RFC959-4.2-X\tMUST\t\tx\nRFC959-4.2-X\tMAY\t\ty\n", "line 2: RFC959-4.2-X listed twice"},
	}
	for _, tt := range tests {
		_, err := ParseCatalog(tt.tsv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestDocumentOf(t *testing.T) {
	tests := []struct{ id, rfc, section string }{
		{"RFC959-4.2.1-421-CLOSE", "rfc959", "4.2.1"},
		{"RFC2577-5-BRUTE-FORCE", "rfc2577", "5"},
		{"RFC959-AII-MKD-257-FORMAT", "rfc959", "AII"},
		{"POLICY-PASV-RANGE", "policy", ""},
		{"DEFACTO-OPTS-UTF8-ON", "defacto", ""},
	}
	for _, tt := range tests {
		if rfc, section := documentOf(tt.id); rfc != tt.rfc || section != tt.section {
			t.Errorf("documentOf(%q) = %q, %q; want %q, %q", tt.id, rfc, section, tt.rfc, tt.section)
		}
	}
}

func TestWithLocal(t *testing.T) {
	base := Builtin()
	c, err := base.WithLocal(Requirement{ID: "SITE-ACME-QUOTA", Level: LevelPolicy, Text: "quota"})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := c.Lookup("SITE-ACME-QUOTA")
	if !ok || r.RFC != RFCLocal || r.Section != "" || r.Level != LevelPolicy {
		t.Errorf("local requirement = %+v, %v", r, ok)
	}
	if _, ok := base.Lookup("SITE-ACME-QUOTA"); ok {
		t.Error("WithLocal changed the catalog it was called on")
	}
	for _, tc := range []struct {
		req  Requirement
		want string
	}{
		{Requirement{ID: "RFC959-5.4-USER-CODES", Level: LevelMust}, "already in the catalog"},
		{Requirement{ID: "RFC959-5.4-NO-SUCH", Level: LevelMust}, "must not start with RFC or POLICY-"},
		{Requirement{ID: "POLICY-MINE", Level: LevelMust}, "must not start with RFC or POLICY-"},
		{Requirement{ID: "MINE", Level: "OFTEN"}, `level "OFTEN"`},
		{Requirement{ID: "mine", Level: LevelMust}, "malformed"},
	} {
		if _, err := base.WithLocal(tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WithLocal(%+v) = %v, want an error with %q", tc.req, err, tc.want)
		}
	}
}
