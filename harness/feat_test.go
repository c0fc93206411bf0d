package harness

import (
	"reflect"
	"slices"
	"testing"
)

// featViolations reduces a listing's violations to what the tests compare.
func featViolations(f *Features) []vk {
	var out []vk
	for _, v := range f.Violations {
		out = append(out, vk{v.Kind, v.Line})
	}
	return out
}

func TestParseFeatures(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		names []string
		viol  []vk
	}{
		// Real servers (shared/real-servers.md).
		{name: "vsftpd", raw: "211-Features:\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
			names: []string{"AUTH", "EPRT", "EPSV", "MDTM", "PASV", "PBSZ", "PROT", "REST", "SIZE", "TVFS"}},
		{name: "proftpd: LANG C.UTF-8 is no language tag",
			raw:   "211-Features:\r\n HOST\r\n LANG C.UTF-8*\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;\r\n RANG STREAM\r\n UTF8\r\n211 End\r\n",
			names: []string{"HOST", "LANG", "MLST", "RANG", "UTF8"}, viol: []vk{{FeatLANGParams, 2}}},
		{name: "pure-ftpd: 211 End. (legal oddity, noted)",
			raw:   "211-Extensions supported:\r\n UTF8\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;unique*;\r\n MLSD\r\n211 End.\r\n",
			names: []string{"UTF8", "MLST", "MLSD"}, viol: []vk{{FeatEndText, 4}}},
		{name: "pyftpdlib: 211 End FEAT.",
			raw:   "211-Features supported:\r\n AUTH SSL\r\n AUTH TLS\r\n MLST type*;perm*;size*;modify*;unique*;unix.mode;\r\n211 End FEAT.\r\n",
			names: []string{"AUTH", "AUTH", "MLST"}, viol: []vk{{FeatEndText, 4}}},
		{name: "ftp-srv: unknown feature with parameters",
			raw:   "211-Extensions supported\r\n AUTH TLS\r\n TYPE A,I,L\r\n211 End\r\n",
			names: []string{"AUTH", "TYPE"}},
		// RFC examples and legal variations.
		{name: "RFC 2389 example: 211 END, parameters without a final ;",
			raw:   "211-Extensions supported:\r\n MLST size*;create;modify*;perm;media-type\r\n SIZE\r\n COMPRESSION\r\n MDTM\r\n211 END\r\n",
			names: []string{"MLST", "SIZE", "COMPRESSION", "MDTM"}, viol: []vk{{FeatMLSTParams, 1}}},
		{name: "211 end in lower case, free first-line text",
			raw:   "211- <any descriptive text>\r\n UTF8\r\n211 end\r\n",
			names: []string{"UTF8"}},
		{name: "no-features single line", raw: "211 No features.\r\n"},
		{name: "FEAT unsupported", raw: "500 Unknown command.\r\n"},
		{name: "FEAT not implemented", raw: "502 Command not implemented.\r\n"},
		{name: "digit-looking feature line", raw: "211-Features\r\n 211 inner\r\n SIZE\r\n211 End\r\n",
			names: []string{"211", "SIZE"}},
		{name: "LANG with current tag and variants", raw: "211-x\r\n LANG EN*;FR;en-US\r\n211 End\r\n",
			names: []string{"LANG"}},
		{name: "MLST without facts", raw: "211-x\r\n MLST\r\n211 End\r\n", names: []string{"MLST"}},
		// Violations.
		{name: "200 to FEAT", raw: "200 OK\r\n", viol: []vk{{FeatBadCode, 0}}},
		{name: "multi-line without features", raw: "211-Features:\r\n211 End\r\n", viol: []vk{{FeatNoFeatures, 0}}},
		{name: "feature line without SP", raw: "211-Features:\r\n MDTM\r\nSIZE\r\n211 End\r\n",
			names: []string{"MDTM", "SIZE"}, viol: []vk{{FeatLineSpace, 2}}},
		{name: "two spaces and a tab", raw: "211-Features:\r\n  MDTM\r\n\tSIZE\r\n211 End\r\n",
			names: []string{"MDTM", "SIZE"}, viol: []vk{{FeatLineSpace, 1}, {FeatLineSpace, 2}}},
		{name: "empty line and SP alone", raw: "211-Features:\r\n\r\n \r\n SIZE\r\n211 End\r\n",
			names: []string{"SIZE"}, viol: []vk{{FeatLineSpace, 1}, {FeatLineChars, 1}, {FeatLineChars, 2}}},
		{name: "non-ASCII in a feature line", raw: "211-Features:\r\n SIZE\xe9\r\n211 End\r\n",
			names: []string{"SIZE\xe9"}, viol: []vk{{FeatLineChars, 1}}},
		{name: "last line without End", raw: "211-Features:\r\n SIZE\r\n211 Complete.\r\n",
			names: []string{"SIZE"}, viol: []vk{{FeatEnd, 2}}},
		{name: "last line without text", raw: "211-Features:\r\n SIZE\r\n211\r\n",
			names: []string{"SIZE"}, viol: []vk{{FeatEnd, 2}}},
		{name: "lower-case labels", raw: "211-Features:\r\n mdtm\r\n Size\r\n x-custom\r\n211 End\r\n",
			names: []string{"MDTM", "SIZE", "X-CUSTOM"}, viol: []vk{{FeatLabelCase, 1}, {FeatLabelCase, 2}}},
		{name: "FEAT and OPTS listed", raw: "211-Features:\r\n FEAT\r\n OPTS\r\n211 End\r\n",
			names: []string{"FEAT", "OPTS"}, viol: []vk{{FeatListsItself, 1}, {FeatListsItself, 2}}},
		{name: "two features on one line", raw: "211-Features:\r\n SIZE MDTM\r\n REST STREAM\r\n211 End\r\n",
			names: []string{"SIZE", "REST"}, viol: []vk{{FeatTwoPerLine, 1}}},
		{name: "MLST with two spaces", raw: "211-Features:\r\n MLST  type*;size*;\r\n211 End\r\n",
			names: []string{"MLST"}, viol: []vk{{FeatMLSTParams, 1}}},
		{name: "MLST fact with a space", raw: "211-Features:\r\n MLST type*; size*;\r\n211 End\r\n",
			names: []string{"MLST"}, viol: []vk{{FeatMLSTParams, 1}}},
		{name: "MLST empty fact", raw: "211-Features:\r\n MLST type*;;size;\r\n211 End\r\n",
			names: []string{"MLST"}, viol: []vk{{FeatMLSTParams, 1}}},
		{name: "LANG without a tag", raw: "211-Features:\r\n LANG\r\n211 End\r\n",
			names: []string{"LANG"}, viol: []vk{{FeatLANGParams, 1}}},
		{name: "LANG tag too long", raw: "211-Features:\r\n LANG english1*\r\n211 End\r\n",
			names: []string{"LANG"}, viol: []vk{{FeatLANGParams, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ParseFeatures(replyOf(t, tt.raw))
			if got := f.Names(); !reflect.DeepEqual(got, tt.names) && len(got)+len(tt.names) > 0 {
				t.Errorf("names %q, want %q", got, tt.names)
			}
			if got := featViolations(f); !reflect.DeepEqual(got, tt.viol) {
				t.Errorf("violations %v, want %v\n%v", got, tt.viol, f.Violations)
			}
			for _, v := range f.Violations {
				if !safeText(v.Detail) {
					t.Errorf("detail %q is not printable", v.Detail)
				}
			}
		})
	}
}

func TestFeaturesLookups(t *testing.T) {
	raw := "211-Extensions supported:\r\n AUTH TLS;TLS-C\r\n AUTH SSL\r\n EPSV\r\n LANG EN*;fr\r\n MLST Type*;Size*;Modify;UNIX.mode;\r\n REST STREAM\r\n utf8\r\n211 End\r\n"
	f := ParseFeatures(replyOf(t, raw))
	if !f.Supported() {
		t.Fatal("not supported")
	}
	for _, name := range []string{"MLST", "mlst", "REST STREAM", "rest stream", "AUTH TLS", "AUTH tls-c", "AUTH SSL", "UTF8", "LANG EN", "LANG FR", "MLST size"} {
		if !f.Has(name) {
			t.Errorf("Has(%q) = false", name)
		}
	}
	for _, name := range []string{"SIZE", "REST", "REST BLOCK", "AUTH KERBEROS", "LANG DE", "", " ", "STREAM"} {
		if name == "REST" {
			continue // REST alone is listed (with STREAM)
		}
		if f.Has(name) {
			t.Errorf("Has(%q) = true", name)
		}
	}
	if !f.Has("REST") {
		t.Error(`Has("REST") = false`)
	}
	if p := f.Params("rest"); p != "STREAM" {
		t.Errorf("Params(rest) = %q", p)
	}
	if p := f.Params("SIZE"); p != "" {
		t.Errorf("Params(SIZE) = %q", p)
	}
	wantFacts := []FactOffer{{"type", true}, {"size", true}, {"modify", false}, {"unix.mode", false}}
	if got := f.MLSTFacts(); !reflect.DeepEqual(got, wantFacts) {
		t.Errorf("MLSTFacts = %v, want %v", got, wantFacts)
	}
	if got := f.SelectedFacts(); !slices.Equal(got, []string{"type", "size"}) {
		t.Errorf("SelectedFacts = %q", got)
	}
	if got := f.Langs(); !reflect.DeepEqual(got, []LangOffer{{"EN", true}, {"fr", false}}) {
		t.Errorf("Langs = %v", got)
	}
	if ft, ok := f.Get("Utf8"); !ok || ft.Label != "utf8" || ft.Name != "UTF8" || ft.Line != 7 {
		t.Errorf("Get(Utf8) = %+v, %v", ft, ok)
	}
	if !f.HasViolation(FeatLabelCase) || f.HasViolation(FeatEnd) {
		t.Errorf("violations %v", f.Violations)
	}

	var none *Features
	if none.Has("MLST") || none.Supported() || none.Names() != nil || none.MLSTFacts() != nil {
		t.Error("a nil *Features claims something")
	}
	unsupported := ParseFeatures(replyOf(t, "502 Not implemented.\r\n"))
	if unsupported.Supported() || unsupported.Has("SIZE") || len(unsupported.Violations) > 0 {
		t.Errorf("502: %+v", unsupported)
	}
}

func TestValidLangTag(t *testing.T) {
	for tag, want := range map[string]bool{
		"en": true, "EN": true, "en-US": true, "i-klingon": true, "zh-Hant-TW": true, "abcdefgh": true,
		"": false, "abcdefghi": false, "en_US": false, "en-": false, "-en": false, "C.UTF-8": false, "en1": false, "é": false,
	} {
		if got := ValidLangTag(tag); got != want {
			t.Errorf("ValidLangTag(%q) = %v", tag, got)
		}
	}
}
