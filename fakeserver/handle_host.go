package fakeserver

import (
	"net"
	"strings"
)

// cmdHOST: "HOST SP hostname" (RFC 7151 §3) names the virtual host before
// login. The server has one host and takes any domain name for it, except
// names under the top-level domain "invalid", which never exist (RFC 6761
// §6.4): those are unknown hosts (504, §3.2). An address literal must be
// the server's own address, IPv6 in brackets (§3.1; another address is
// 504). After login HOST is out of sequence (503, §3); a hostname that
// breaks the syntax, or carries a port, is 501 and changes nothing.
//
// A HOST replaces the one before it, and since it runs as a command of
// its own it cancels a USER waiting for its PASS: each host has its own
// authentication environment (§4). REIN forgets it (§3.2.1).
func (s *session) cmdHOST(r *request) {
	if s.loggedIn {
		s.reply(codeBadSequence, "HOST must come before login.")
		return
	}
	ip, ok := parseHostname(r.arg)
	switch {
	case !ok:
		s.reply(codeBadArguments, "Syntax error in the hostname (a domain name or address, without a port).")
		return
	case ip != nil && !ip.Equal(s.local.IP):
		s.reply(codeParamNotImpl, "That address is not this server's.")
		return
	case ip == nil && reservedInvalid(r.arg):
		s.reply(codeParamNotImpl, "Unknown virtual host.")
		return
	}
	s.ext.host = r.arg
	s.reply(codeServiceReady, "Virtual host "+r.arg+" ready.")
}

// parseHostname checks a HOST argument against RFC 7151 §3.1:
//
//	hostname   = domain / IP-literal
//	domain     = sub-domain *("." sub-domain)   ; letters, digits, "-" inside
//	IP-literal = ( "[" IPv6address "]" ) / IPv4address
//
// ip is the address of a literal, nil for a domain name.
func parseHostname(arg string) (ip net.IP, ok bool) {
	if inner, found := strings.CutPrefix(arg, "["); found {
		inner, closed := strings.CutSuffix(inner, "]")
		ip = net.ParseIP(inner)
		if !closed || ip == nil || !strings.Contains(inner, ":") {
			return nil, false
		}
		return ip, true
	}
	if ip = net.ParseIP(arg); ip != nil {
		// An IPv6 address needs its brackets.
		return ip, !strings.Contains(arg, ":")
	}
	if len(arg) == 0 || len(arg) > 253 {
		return nil, false
	}
	for _, label := range strings.Split(arg, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return nil, false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return nil, false
			}
		}
	}
	return nil, true
}

// reservedInvalid reports whether a domain name lies under the top-level
// domain "invalid" (RFC 6761 §6.4).
func reservedInvalid(domain string) bool {
	d := strings.ToLower(domain)
	return d == "invalid" || strings.HasSuffix(d, ".invalid")
}
