package fakeserver

import (
	"net"
	"strings"
	"testing"
)

func TestParseHostname(t *testing.T) {
	for arg, want := range map[string]bool{
		"ftp.example.com": true, "localhost": true, "xn--e1afmkfd.com": true, "a-b.c0": true, "A.EXAMPLE": true,
		"192.0.2.1": true, "[2001:db8::c000:201]": true, "[::192.0.2.1]": true,
		"": false, "192.0.2.1:2112": false, "[2001:db8::c000:201]:2112": false, "::1": false, "2001:db8::1": false,
		"[192.0.2.1]": false, "[::1": false, "-a.example": false, "a-.example": false, "a..example": false,
		"example.com.": false, ".example.com": false, "a_b.example": false, "a b": false, "caf\u00e9.example": false,
		"[fe80::1%eth0]": false, strings.Repeat("a", 64) + ".example": false, strings.Repeat("a.", 127) + "a": false,
	} {
		if _, ok := parseHostname(arg); ok != want {
			t.Errorf("parseHostname(%q) ok = %v", arg, ok)
		}
	}
	if ip, _ := parseHostname("[::1]"); ip == nil || ip.String() != "::1" {
		t.Errorf("[::1] = %v", ip)
	}
	if ip, _ := parseHostname("example.com"); ip != nil {
		t.Errorf("a domain has the address %v", ip)
	}
}

func TestHOST(t *testing.T) {
	srv, _ := startServer(t, nil)
	c := connect(t, srv)
	for line, code := range map[string]int{
		"HOST ftp.example.com":           220,
		"HOST 127.0.0.1":                 220, // the server's own address
		"host Other.Example":             220,
		"HOST 192.0.2.77":                504, // not this server
		"HOST [::1]":                     504, // the server listens on IPv4
		"HOST nosuch.invalid":            504, // RFC 6761 §6.4
		"HOST 192.0.2.1:2112":            501,
		"HOST [2001:db8::c000:201]:2112": 501,
		"HOST ::1":                       501,
		"HOST -bad.example":              501,
		"HOST":                           501,
		"HOST ":                          501,
	} {
		c.expect(line, code)
	}
	// The last HOST accepted counts; a refused one changes nothing.
	c.expect("HOST a.example", 220)
	c.expect("HOST nosuch.invalid", 504)
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), " Virtual host: a.example.") {
		t.Errorf("STAT after HOST: %v", r)
	}
	// HOST resets the authentication: a pending USER does not carry over.
	c.expect("USER conform", 331)
	c.expect("HOST b.example", 220)
	c.expect("PASS "+testPassword, 503)
	c.expect("USER conform", 331)
	c.expect("PASS "+testPassword, 230)
	// After login: a bad sequence, whatever the argument.
	c.expect("HOST b.example", 503)
	c.expect("HOST 192.0.2.1:21", 503)
	if r := c.expect("STAT", 211); !strings.Contains(r.text(), " Virtual host: b.example.") {
		t.Errorf("STAT after login: %v", r)
	}
	// REIN forgets the host (RFC 7151 §3.2.1).
	c.expect("REIN", 220)
	if r := c.expect("STAT", 211); strings.Contains(r.text(), "Virtual host") {
		t.Errorf("STAT after REIN: %v", r)
	}
	c.expect("HOST c.example", 220)

	// USER without HOST still works (RFC 7151 §3.3).
	login(t, srv).expect("PWD", 257)
}

func TestHOSTOverIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	srv, _ := startServer(t, func(s *Server) { s.Addr = "[::1]:0" })
	c := connect(t, srv)
	c.expect("HOST [::1]", 220)
	c.expect("HOST [0:0:0:0:0:0:0:1]", 220)
	c.expect("HOST ::1", 501)
	c.expect("HOST 127.0.0.1", 504)
	c.expect("HOST [2001:db8::1]", 504)
}
