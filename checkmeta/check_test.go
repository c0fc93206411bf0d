package checkmeta

import (
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	cat := Catalog{"RFC959-5.4-PASS-CODES": {ID: "RFC959-5.4-PASS-CODES", Level: LevelMust, RFC: "rfc959", Section: "5.4"}}

	c, err := cat.Describe("RFC959-5.4-PASS-CODES/wrong-password", "answers 530 to a wrong password")
	if err != nil {
		t.Fatal(err)
	}
	want := Check{Key: "RFC959-5.4-PASS-CODES/wrong-password", ID: "RFC959-5.4-PASS-CODES", Title: "answers 530 to a wrong password", Level: LevelMust, RFC: "rfc959", Section: "5.4"}
	if c.Key != want.Key || c.ID != want.ID || c.Title != want.Title || c.Level != want.Level || c.RFC != want.RFC || c.Section != want.Section {
		t.Errorf("got %+v, want %+v", c, want)
	}

	c, err = cat.Describe("RFC959-5.4-NO-SUCH/x", "t")
	if err == nil || !strings.Contains(err.Error(), `names requirement "RFC959-5.4-NO-SUCH", which is not in the catalog`) {
		t.Errorf("unknown ID: error %v", err)
	}
	if c.Key != "RFC959-5.4-NO-SUCH/x" || c.ID != "RFC959-5.4-NO-SUCH" || c.Title != "t" || c.Level != "" || c.RFC != "" {
		t.Errorf("unknown ID: got %+v", c)
	}

	c, err = cat.Describe("not a key", "t")
	if err == nil || !strings.Contains(err.Error(), `malformed check key "not a key"`) {
		t.Errorf("malformed key: error %v", err)
	}
	if c.Key != "not a key" || c.ID != "" || c.Title != "t" {
		t.Errorf("malformed key: got %+v", c)
	}
}

func TestLocation(t *testing.T) {
	if s := (Location{File: "/src/suites/rfc959_login.go", Line: 42}).String(); s != "/src/suites/rfc959_login.go:42" {
		t.Errorf("got %q", s)
	}
	if s := (Location{}).String(); s != "" {
		t.Errorf("empty location: %q", s)
	}
}
