package script

import (
	"fmt"
	"strconv"
)

// diffContext is how many bytes a difference shows from each side.
const diffContext = 16

// diff says how got differs from want, "" when they are equal:
//
//	got 60000 bytes, want 60000; first difference at offset 1234: got 3f 00 a1 ("?\x00\xa1"), want 3f 01 a1 ("?\x01\xa1")
//
// Each side shows up to 16 bytes from the offset, in hex and quoted.
func diff(got, want []byte) string {
	n := min(len(got), len(want))
	off := -1
	for i := range n {
		if got[i] != want[i] {
			off = i
			break
		}
	}
	if off < 0 {
		if len(got) == len(want) {
			return ""
		}
		off = n
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at offset %d: got %s, want %s",
		len(got), len(want), off, excerpt(got, off), excerpt(want, off))
}

// excerpt shows up to diffContext bytes of b from off, in hex and quoted,
// or says that b ends there.
func excerpt(b []byte, off int) string {
	if off >= len(b) {
		return "the end of the data"
	}
	end := min(off+diffContext, len(b))
	s := fmt.Sprintf("% x (%s)", b[off:end], strconv.Quote(string(b[off:end])))
	if end < len(b) {
		s += " ..."
	}
	return s
}

// clipQuote quotes s as a Go string, cut to about max bytes (at a rune
// boundary, "..." added after the closing quote).
func clipQuote(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && cut < len(s) && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
