package harness

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// The arguments of HOST (RFC 7151 §3.1):
//
//	host-command = "HOST" SP hostname CRLF
//	hostname     = domain / IP-literal
//	domain       = sub-domain *("." sub-domain)
//	sub-domain   = let-dig [ldh-str]                ; "ftp", "xn--e1afmkfd"
//	IP-literal   = ( "[" IPv6address "]" ) / IPv4address
//
// "HOST 192.0.2.1", "HOST [2001:db8::c000:201]", "HOST ftp.example.com";
// never a port ("HOST 192.0.2.1:2112" is a 501) and never a bare IPv6
// address.

// HostArgument returns the hostname a client sends with HOST for the host
// it was told to connect to (RFC 7151 §3.1: "the same hostname that was
// used to obtain the IP address", or the literal "as specified to it"): a
// domain name as it is, an IPv4 literal as it is, an IPv6 literal in
// brackets (without a zone, which the grammar has no room for).
func HostArgument(host string) string {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return LiteralArgument(a)
	}
	return host
}

// LiteralArgument writes an address as an IP-literal of RFC 7151 §3.1:
// dotted decimal for IPv4 (an IPv4-mapped IPv6 address too), the RFC 5952
// text form in brackets for IPv6.
func LiteralArgument(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return a.String()
	}
	return "[" + a.String() + "]"
}

// ForeignLiteral returns an IP-literal of the same family as a that is not
// a: an address of the documentation ranges (RFC 5737 192.0.2.0/24,
// RFC 3849 2001:db8::/32), which no server is reached at. RFC 7151 §3.1
// asks for 504 when such a literal does not match the server.
func ForeignLiteral(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	candidates := []string{"192.0.2.77", "192.0.2.78"}
	if a.Is6() {
		candidates = []string{"2001:db8::77", "2001:db8::78"}
	}
	for _, s := range candidates {
		if c := netip.MustParseAddr(s); c != a {
			return LiteralArgument(c)
		}
	}
	return "" // unreachable: a equals at most one candidate
}

// BareIPv6 returns an IPv6 address in its text form without the brackets
// RFC 7151 §3.1 requires ("the IPv6 address is required to be enclosed in
// square brackets"): a itself when it is IPv6, else a documentation
// address.
func BareIPv6(a netip.Addr) string {
	a = a.WithZone("")
	if a.Is6() && !a.Is4In6() {
		return a.String()
	}
	return "2001:db8::c000:201"
}

// ValidHostname reports whether s is a hostname of RFC 7151 §3.1: a domain
// of letters, digits and inner hyphens (each label at most 63 octets, the
// whole at most 253), an IPv4 address, or an IPv6 address in brackets.
// A port, a bare IPv6 address, an underscore or an empty label are not.
func ValidHostname(s string) bool {
	if inner, ok := strings.CutPrefix(s, "["); ok {
		inner, closed := strings.CutSuffix(inner, "]")
		a, err := netip.ParseAddr(inner)
		return closed && err == nil && a.Is6() && a.Zone() == ""
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Is4()
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// InvalidUTF8 returns the offset of the first byte of s that is not part
// of a valid UTF-8 sequence, and false when s is valid UTF-8 (RFC 2640
// §4.1: after LANG, reply text is "encoded in UTF-8").
func InvalidUTF8(s string) (int, bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i, true
		}
		i += n
	}
	return 0, false
}
