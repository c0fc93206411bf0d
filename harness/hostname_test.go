package harness

import (
	"net/netip"
	"testing"
)

func TestHostArgument(t *testing.T) {
	for _, tc := range []struct{ host, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "[::1]"},
		{"[::1]", "[::1]"},
		{"2001:DB8::C000:201", "[2001:db8::c000:201]"},
		{"fe80::1%eth0", "[fe80::1]"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"ftp.example.com", "ftp.example.com"},
		{"localhost", "localhost"},
	} {
		if got := HostArgument(tc.host); got != tc.want {
			t.Errorf("HostArgument(%q) = %q, want %q", tc.host, got, tc.want)
		}
		if !ValidHostname(HostArgument(tc.host)) {
			t.Errorf("HostArgument(%q) = %q is not a valid hostname", tc.host, HostArgument(tc.host))
		}
	}
}

func TestForeignLiteral(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1", "192.0.2.77"},
		{"192.0.2.77", "192.0.2.78"},
		{"::ffff:192.0.2.77", "192.0.2.78"},
		{"::1", "[2001:db8::77]"},
		{"2001:db8::77", "[2001:db8::78]"},
	} {
		if got := ForeignLiteral(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("ForeignLiteral(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestBareIPv6(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"::1", "::1"},
		{"fe80::1%lo", "fe80::1"},
		{"127.0.0.1", "2001:db8::c000:201"},
		{"::ffff:127.0.0.1", "2001:db8::c000:201"},
	} {
		got := BareIPv6(netip.MustParseAddr(tc.addr))
		if got != tc.want {
			t.Errorf("BareIPv6(%s) = %q, want %q", tc.addr, got, tc.want)
		}
		if ValidHostname(got) {
			t.Errorf("BareIPv6(%s) = %q passes as a hostname", tc.addr, got)
		}
	}
}

func TestValidHostname(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"ftp.example.com", true},
		{"Ftp.Example.Com", true},
		{"xn--e1afmkfd.com", true},
		{"localhost", true},
		{"a-b.c", true},
		{"192.0.2.1", true},
		{"[2001:db8::c000:201]", true},
		{"[::192.0.2.1]", true},
		{"", false},
		{"192.0.2.1:2112", false},
		{"[2001:db8::c000:201]:2112", false},
		{"ftp.example.com:21", false},
		{"::1", false},
		{"[192.0.2.1]", false},
		{"[::1", false},
		{"[fe80::1%eth0]", false},
		{"-a.example", false},
		{"a-.example", false},
		{"a..example", false},
		{"under_score.example", false},
		{"exa mple", false},
		{"h\u00e9.example", false},
	} {
		if got := ValidHostname(tc.s); got != tc.want {
			t.Errorf("ValidHostname(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, tc := range []struct {
		s   string
		at  int
		bad bool
	}{
		{"Command okay.", 0, false},
		{"Commande réussie.", 0, false},
		{"中文 ok", 0, false},
		{"Commande r\xe9ussie.", 10, true},
		{"\xc3", 0, true},
		{"ok \xed\xa0\x80", 3, true},  // a surrogate
		{"ok \xef\xbf\xbd", 0, false}, // U+FFFD itself is valid
	} {
		at, bad := InvalidUTF8(tc.s)
		if bad != tc.bad || bad && at != tc.at {
			t.Errorf("InvalidUTF8(%q) = %d, %v; want %d, %v", tc.s, at, bad, tc.at, tc.bad)
		}
	}
}
