package checkmeta

import "testing"

func TestParseKey(t *testing.T) {
	tests := []struct {
		key, id, slug string
		ok            bool
	}{
		{"RFC959-4.2-MULTILINE", "RFC959-4.2-MULTILINE", "", true},
		{"RFC959-5.4-PASS-CODES/wrong-password", "RFC959-5.4-PASS-CODES", "wrong-password", true},
		{"POLICY-PASV-RANGE", "POLICY-PASV-RANGE", "", true},
		{"RFC959-AII-PWD-257/ipv6", "RFC959-AII-PWD-257", "ipv6", true},
		{"A", "A", "", true},
		{"", "", "", false},
		{"rfc959-4.2-MULTILINE", "", "", false},   // an ID starts with a capital
		{"RFC959-4.2-X/Slug", "", "", false},      // a slug is lower case
		{"RFC959-4.2-X/", "", "", false},          // an empty slug
		{"RFC959-4.2-X/a/b", "", "", false},       // one slug at most
		{"RFC959-4.2-X/-a", "", "", false},        // a slug starts with a letter or digit
		{"RFC959 4.2", "", "", false},             // no spaces
		{"[RFC959-4.2-MULTILINE]", "", "", false}, // the brackets belong to the heading
		{"RFC959-4.2-MULTILINE\n", "", "", false}, // nothing after the key
		{"RFC959-4.2_MULTILINE", "", "", false},   // no underscores
		{"RFC959-4.2-X/slug-2", "RFC959-4.2-X", "slug-2", true},
	}
	for _, tt := range tests {
		id, slug, ok := ParseKey(tt.key)
		if id != tt.id || slug != tt.slug || ok != tt.ok {
			t.Errorf("ParseKey(%q) = %q, %q, %v; want %q, %q, %v", tt.key, id, slug, ok, tt.id, tt.slug, tt.ok)
		}
	}
}

func TestHeading(t *testing.T) {
	tests := []struct{ key, title, want string }{
		{"RFC959-4.2-MULTILINE", "ends a multi-line reply with the same code", "[RFC959-4.2-MULTILINE] ends a multi-line reply with the same code"},
		{"", "does something", "does something"},
		{"RFC959-4.2-MULTILINE", "", "[RFC959-4.2-MULTILINE]"},
	}
	for _, tt := range tests {
		if got := Heading(tt.key, tt.title); got != tt.want {
			t.Errorf("Heading(%q, %q) = %q, want %q", tt.key, tt.title, got, tt.want)
		}
	}
}

func TestParseHeading(t *testing.T) {
	tests := []struct {
		text, key, title string
		ok               bool
	}{
		{"[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password", "RFC959-5.4-PASS-CODES/wrong-password", "answers 530 to a wrong password", true},
		{"[RFC959-4.2-MULTILINE]", "RFC959-4.2-MULTILINE", "", true},
		{"[RFC959-4.2-MULTILINE]  spaced out  ", "RFC959-4.2-MULTILINE", "spaced out", true},
		{"[RFC959-4.2-MULTILINE] a [bracket] inside", "RFC959-4.2-MULTILINE", "a [bracket] inside", true},
		{"answers 502 to an unknown command", "", "", false},
		{"[] empty key", "", "", false},
		{"[not a key] title", "", "", false},
		{"[RFC959-4.2-MULTILINE title", "", "", false},
		{" [RFC959-4.2-MULTILINE] leading space", "", "", false},
	}
	for _, tt := range tests {
		key, title, ok := ParseHeading(tt.text)
		if key != tt.key || title != tt.title || ok != tt.ok {
			t.Errorf("ParseHeading(%q) = %q, %q, %v; want %q, %q, %v", tt.text, key, title, ok, tt.key, tt.title, tt.ok)
		}
	}
}

// FuzzParseHeading: whatever ParseHeading accepts has a well-formed key
// and comes back from Heading unchanged but for spaces around the title.
func FuzzParseHeading(f *testing.F) {
	f.Add("[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password")
	f.Add("[RFC959-4.2-MULTILINE]")
	f.Add("[] x")
	f.Add("no key")
	f.Fuzz(func(t *testing.T, text string) {
		key, title, ok := ParseHeading(text)
		if !ok {
			return
		}
		if _, _, valid := ParseKey(key); !valid {
			t.Fatalf("ParseHeading(%q) gave the malformed key %q", text, key)
		}
		k2, t2, ok2 := ParseHeading(Heading(key, title))
		if !ok2 || k2 != key || t2 != title {
			t.Fatalf("round trip of %q: got %q, %q, %v", text, k2, t2, ok2)
		}
	})
}
