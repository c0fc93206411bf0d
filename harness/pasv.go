package harness

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PASVInfo is what a 227 reply advertises.
type PASVInfo struct {
	Addr netip.AddrPort
	// Parenthesized reports whether the six numbers appear in the canonical
	// "(h1,h2,h3,h4,p1,p2)" form RFC 959 shows. RFC 1123 §4.1.2.6 tells
	// clients not to depend on it, so its absence is legal.
	Parenthesized bool
}

// ParsePASV extracts the address and port from the text of a 227 reply
//
//	227 Entering Passive Mode (127,0,0,1,117,72).
//
// leniently, as RFC 1123 §4.1.2.6 asks: it scans for the first run of
// comma-separated decimal numbers and requires exactly six, each 0-255.
// Wording and parentheses do not matter.
func ParsePASV(text string) (PASVInfo, error) {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || (i > 0 && isDigit(text[i-1])) {
			continue
		}
		nums, end := scanNumberList(text[i:])
		if len(nums) < 2 {
			continue
		}
		if len(nums) != 6 {
			return PASVInfo{}, fmt.Errorf("227 reply: found %d comma-separated numbers %q, want six (h1,h2,h3,h4,p1,p2)", len(nums), text[i:i+end])
		}
		var b [6]byte
		for k, s := range nums {
			n, err := strconv.Atoi(s)
			if err != nil || n > 255 || len(s) > 3 {
				return PASVInfo{}, fmt.Errorf("227 reply: number %q in %q is not an octet (0-255)", s, text[i:i+end])
			}
			b[k] = byte(n)
		}
		port := int(b[4])<<8 | int(b[5])
		info := PASVInfo{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]}), uint16(port))}
		info.Parenthesized = i > 0 && text[i-1] == '(' && i+end < len(text) && text[i+end] == ')'
		if port == 0 {
			return info, errors.New("227 reply: port 0 advertised")
		}
		return info, nil
	}
	return PASVInfo{}, fmt.Errorf("227 reply %q: no h1,h2,h3,h4,p1,p2 numbers found", Printable(text))
}

// scanNumberList reads "n,n,...,n" from the start of s and returns the
// numbers and how many bytes they span.
func scanNumberList(s string) ([]string, int) {
	var nums []string
	i := 0
	for {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			if len(nums) > 0 {
				i-- // give back the trailing comma
			}
			return nums, i
		}
		nums = append(nums, s[i:j])
		if j < len(s) && s[j] == ',' {
			i = j + 1
			continue
		}
		return nums, j
	}
}

// ParseEPSV extracts the port from the text of a 229 reply (RFC 2428 §3)
//
//	229 Entering Extended Passive Mode (|||6446|)
//
// The delimiter may be any printable ASCII character (33-126) but must be
// the same four times; the protocol and address fields must be empty.
func ParseEPSV(text string) (int, error) {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return 0, fmt.Errorf("229 reply %q: no \"(<d><d><d><port><d>)\" part", Printable(text))
	}
	rest := text[open+1:]
	close := strings.IndexByte(rest, ')')
	if close < 0 {
		return 0, fmt.Errorf("229 reply %q: no closing parenthesis", Printable(text))
	}
	inner := rest[:close]
	if len(inner) < 5 {
		return 0, fmt.Errorf("229 reply: %q is not <d><d><d><port><d>", Printable(inner))
	}
	d := inner[0]
	if d < 33 || d > 126 {
		return 0, fmt.Errorf("229 reply: delimiter %q is not printable ASCII", d)
	}
	fields := strings.Split(inner, string(d))
	if len(fields) != 5 || fields[0] != "" || fields[4] != "" {
		return 0, fmt.Errorf("229 reply: %q is not <d><d><d><port><d> with one delimiter", Printable(inner))
	}
	if fields[1] != "" || fields[2] != "" {
		return 0, fmt.Errorf("229 reply: %q: the protocol and address fields must be empty", Printable(inner))
	}
	port, err := strconv.Atoi(fields[3])
	if err != nil || port < 1 || port > 65535 || strings.HasPrefix(fields[3], "+") {
		return 0, fmt.Errorf("229 reply: port %q is not 1-65535", Printable(fields[3]))
	}
	return port, nil
}

// FormatPORT renders an IPv4 address and port as PORT's argument
// "h1,h2,h3,h4,p1,p2" (RFC 959 §4.1.2).
func FormatPORT(ap netip.AddrPort) (string, error) {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return "", fmt.Errorf("PORT needs an IPv4 address, not %s", a)
	}
	b := a.As4()
	p := ap.Port()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], p>>8, p&0xff), nil
}

// FormatEPRT renders an address and port as EPRT's argument "|1|ip|port|"
// or "|2|ip6|port|" (RFC 2428 §2).
func FormatEPRT(ap netip.AddrPort) string {
	a := ap.Addr().Unmap().WithZone("") // a zone means nothing to the server
	proto := 1
	if a.Is6() {
		proto = 2
	}
	return fmt.Sprintf("|%d|%s|%d|", proto, a, ap.Port())
}
