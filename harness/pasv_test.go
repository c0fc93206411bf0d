package harness

import (
	"net/netip"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// safeText reports whether s can be printed as it is: valid UTF-8 without
// control characters.
func safeText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func TestParsePASV(t *testing.T) {
	tests := []struct {
		name  string
		text  string // the text after "227 "
		addr  string // "" means an error is expected
		paren bool
	}{
		{"vsftpd canonical with trailing dot", "Entering Passive Mode (127,0,0,1,117,72).", "127.0.0.1:30024", true},
		{"canonical", "Entering Passive Mode (127,0,0,1,117,239)", "127.0.0.1:30191", true},
		{"pure-ftpd, no dot", "Entering Passive Mode (127,0,0,1,118,57)", "127.0.0.1:30265", true},
		{"pyftpdlib lower-case wording", "Entering passive mode (127,0,0,1,118,113).", "127.0.0.1:30321", true},
		{"ftp-srv wording", "PASV OK (127,0,0,1,118,197)", "127.0.0.1:30405", true},
		{"no parentheses", "Entering Passive Mode 127,0,0,1,4,1", "127.0.0.1:1025", false},
		{"bare numbers", "127,0,0,1,4,1", "127.0.0.1:1025", false},
		{"equals sign, no wording", "=127,0,0,1,4,1", "127.0.0.1:1025", false},
		{"other lone numbers before", "Entering Passive Mode v2 at 10:30 (10,0,0,5,4,1)", "10.0.0.5:1025", true},
		{"a version number before", "Mode 1.2 (127,0,0,1,4,1)", "127.0.0.1:1025", true},
		{"numbers after the six", "Entering Passive Mode (127,0,0,1,4,1). Port range 1,2,3", "127.0.0.1:1025", true},
		{"spaces around", "   (127,0,0,1,4,1)   ", "127.0.0.1:1025", true},
		{"spaces inside the parentheses", "Entering Passive Mode ( 127,0,0,1,4,1 )", "127.0.0.1:1025", false},
		{"missing closing parenthesis", "Entering Passive Mode (127,0,0,1,4,1", "127.0.0.1:1025", false},
		{"missing opening parenthesis", "Entering Passive Mode 127,0,0,1,4,1)", "127.0.0.1:1025", false},
		{"trailing comma", "(127,0,0,1,4,1,)", "127.0.0.1:1025", false},
		{"leading zeros", "(127,000,000,001,004,001)", "127.0.0.1:1025", true},
		{"all 255", "(255,255,255,255,255,255)", "255.255.255.255:65535", true},
		{"0.0.0.0 parses; the checks judge it", "(0,0,0,0,4,1)", "0.0.0.0:1025", true},
		{"control bytes around", "\x00\x1b(127,0,0,1,4,1)\x7f", "127.0.0.1:1025", true},

		{"octet 256 in the port", "Entering Passive Mode (127,0,0,1,4,256)", "", false},
		{"octet 256 in the address", "Entering Passive Mode (256,0,0,1,4,1)", "", false},
		{"five numbers", "Entering Passive Mode (127,0,0,1,4)", "", false},
		{"seven numbers", "Entering Passive Mode (127,0,0,1,4,1,5)", "", false},
		{"no numbers", "Entering Passive Mode", "", false},
		{"empty", "", "", false},
		{"4-digit first number is not chopped to 127", "(1127,0,0,1,4,1)", "", false},
		{"4-digit last number is not chopped to 100", "(127,0,0,1,4,1001)", "", false},
		{"4-digit with leading zero", "(0127,0,0,1,4,1)", "", false},
		{"huge number", "(99999999999999999999,0,0,1,4,1)", "", false},
		{"double comma", "(127,,0,0,1,4,1)", "", false},
		// The catalog's pattern (Appendix C) has no blanks between the
		// numbers; "h1, h2, ..." is not the RFC 959 form.
		{"spaces after the commas", "(127, 0, 0, 1, 4, 1)", "", false},
		{"dots instead of commas", "(127.0.0.1.4.1)", "", false},
		{"port 0", "(127,0,0,1,0,0)", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := ParsePASV(tc.text)
			if tc.addr == "" {
				if err == nil {
					t.Fatalf("ParsePASV(%q) = %v, want an error", tc.text, info.Addr)
				}
				if !safeText(err.Error()) {
					t.Errorf("error %q contains control bytes or invalid UTF-8", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePASV(%q): %v", tc.text, err)
			}
			if want := netip.MustParseAddrPort(tc.addr); info.Addr != want {
				t.Errorf("Addr = %v, want %v", info.Addr, want)
			}
			if !info.Addr.Addr().Is4() {
				t.Errorf("Addr %v is not a 4-byte IPv4 address", info.Addr)
			}
			if info.Parenthesized != tc.paren {
				t.Errorf("Parenthesized = %v, want %v", info.Parenthesized, tc.paren)
			}
		})
	}
}

func TestParsePASVPortZeroKeepsAddress(t *testing.T) {
	info, err := ParsePASV("Entering Passive Mode (10,0,0,5,0,0)")
	if err == nil {
		t.Fatal("no error for port 0")
	}
	if info.Addr.Addr() != netip.MustParseAddr("10.0.0.5") {
		t.Errorf("Addr = %v, want the advertised 10.0.0.5 for the diagnosis", info.Addr)
	}
}

func TestParsePASVErrorMessages(t *testing.T) {
	_, err := ParsePASV("Entering Passive Mode (127,0,0,1,4)")
	if err == nil || !strings.Contains(err.Error(), `found 5 comma-separated numbers "127,0,0,1,4"`) {
		t.Errorf("five numbers: %v", err)
	}
	_, err = ParsePASV("Entering Passive Mode (127,0,0,1,4,300)")
	if err == nil || !strings.Contains(err.Error(), `"300"`) {
		t.Errorf("octet 300: %v", err)
	}
}

func TestParseEPSV(t *testing.T) {
	tests := []struct {
		name string
		text string
		port int // 0 means an error is expected
	}{
		{"RFC 2428 example", "Entering Extended Passive Mode (|||6446|)", 6446},
		{"vsftpd", "Entering Extended Passive Mode (|||30045|)", 30045},
		{"pyftpdlib with trailing dot", "Entering extended passive mode (|||30323|).", 30323},
		{"pure-ftpd", "Extended Passive mode OK (|||30282|)", 30282},
		{"ftp-srv", "EPSV OK (|||30407|)", 30407},
		{"other delimiter !", "Entering Extended Passive Mode (!!!6446!)", 6446},
		{"delimiter #, port 65535", "(###65535#)", 65535},
		{"delimiter ~ (126)", "(~~~6446~)", 6446},
		{"port 1", "(|||1|)", 1},
		{"leading zeros", "(|||06446|)", 6446},
		{"text after", "(|||6446|) ok", 6446},

		{"missing parentheses", "Entering Extended Passive Mode |||6446|", 0},
		{"missing closing parenthesis", "Entering Extended Passive Mode (|||6446|", 0},
		{"empty parentheses", "()", 0},
		{"empty", "", 0},
		{"mixed delimiters in the last place", "(|||6446!)", 0},
		{"mixed delimiters in the first place", "(!||6446|)", 0},
		{"protocol field not empty", "(|1||6446|)", 0},
		{"address field not empty", "(||127.0.0.1|6446|)", 0},
		{"both fields filled, EPRT style", "(|1|127.0.0.1|6446|)", 0},
		{"port 0", "(|||0|)", 0},
		{"port 65536", "(|||65536|)", 0},
		{"port non-numeric", "(|||abc|)", 0},
		{"port empty", "(||||)", 0},
		{"port with plus sign", "(|||+80|)", 0},
		{"port negative", "(|||-1|)", 0},
		{"port with a blank", "(||| 6446|)", 0},
		{"extra delimiter", "(|||6446||)", 0},
		{"too few delimiters", "(||6446|)", 0},
		{"delimiter space", "(   6446 )", 0},
		{"delimiter DEL", "(\x7f\x7f\x7f6446\x7f)", 0},
		{"delimiter NUL", "(\x00\x00\x006446\x00)", 0},
		{"delimiter non-ASCII", "(\xc3\xc3\xc36446\xc3)", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port, err := ParseEPSV(tc.text)
			if tc.port == 0 {
				if err == nil {
					t.Fatalf("ParseEPSV(%q) = %d, want an error", tc.text, port)
				}
				if !safeText(err.Error()) {
					t.Errorf("error %q contains control bytes or invalid UTF-8", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEPSV(%q): %v", tc.text, err)
			}
			if port != tc.port {
				t.Errorf("port = %d, want %d", port, tc.port)
			}
		})
	}
}

func TestFormatPORT(t *testing.T) {
	tests := []struct {
		ap   netip.AddrPort
		want string // "" means an error
	}{
		{netip.MustParseAddrPort("127.0.0.1:30024"), "127,0,0,1,117,72"},
		{netip.MustParseAddrPort("10.0.0.5:1"), "10,0,0,5,0,1"},
		{netip.MustParseAddrPort("192.0.2.1:256"), "192,0,2,1,1,0"},
		{netip.MustParseAddrPort("255.255.255.255:65535"), "255,255,255,255,255,255"},
		{netip.MustParseAddrPort("[::ffff:127.0.0.1]:21"), "127,0,0,1,0,21"},
		{netip.MustParseAddrPort("[::1]:21"), ""},
		{netip.MustParseAddrPort("[2001:db8::1]:21"), ""},
		{netip.AddrPort{}, ""},
	}
	for _, tc := range tests {
		got, err := FormatPORT(tc.ap)
		if tc.want == "" {
			if err == nil {
				t.Errorf("FormatPORT(%v) = %q, want an error", tc.ap, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FormatPORT(%v) = %q, %v; want %q", tc.ap, got, err, tc.want)
			continue
		}
		// Round trip through the 227 parser.
		info, err := ParsePASV("Entering Passive Mode (" + got + ")")
		if err != nil || info.Addr != netip.AddrPortFrom(tc.ap.Addr().Unmap(), tc.ap.Port()) {
			t.Errorf("ParsePASV(FormatPORT(%v)) = %v, %v", tc.ap, info.Addr, err)
		}
	}
}

func TestFormatEPRT(t *testing.T) {
	tests := []struct {
		ap   netip.AddrPort
		want string
	}{
		{netip.MustParseAddrPort("127.0.0.1:6446"), "|1|127.0.0.1|6446|"},
		{netip.MustParseAddrPort("198.18.0.1:1"), "|1|198.18.0.1|1|"},
		{netip.MustParseAddrPort("[::1]:6446"), "|2|::1|6446|"},
		{netip.MustParseAddrPort("[2001:db8::1]:65535"), "|2|2001:db8::1|65535|"},
		{netip.MustParseAddrPort("[::ffff:192.0.2.1]:21"), "|1|192.0.2.1|21|"},
		// A zone is local to this host; RFC 2428 §2 wants the plain
		// textual IPv6 address.
		{netip.MustParseAddrPort("[fe80::1%eth0]:2121"), "|2|fe80::1|2121|"},
	}
	for _, tc := range tests {
		if got := FormatEPRT(tc.ap); got != tc.want {
			t.Errorf("FormatEPRT(%v) = %q, want %q", tc.ap, got, tc.want)
		}
	}
}
