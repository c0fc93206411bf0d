package harness

import (
	"fmt"
	"strconv"
)

// diffContext is how many bytes DiffBytes shows from each side.
const diffContext = 16

// DiffBytes says how got differs from want, "" when they are equal: both
// lengths, the offset of the first byte that differs, and up to 16 bytes
// of each side from there, in hex and quoted:
//
//	got 60000 bytes, want 60000; first difference at offset 1234: got 3f 00 a1 ("?\x00\xa1"), want 3f 01 a1 ("?\x01\xa1")
//
// A side that ends at the offset shows "the end of the data".
func DiffBytes(got, want []byte) string {
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
		len(got), len(want), off, diffExcerpt(got, off), diffExcerpt(want, off))
}

// diffExcerpt shows up to diffContext bytes of b from off, in hex and
// quoted, or says that b ends there.
func diffExcerpt(b []byte, off int) string {
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
