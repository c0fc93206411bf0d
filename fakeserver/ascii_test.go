package fakeserver

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// FuzzASCIIConversion checks the TYPE A helpers against each other: the
// CRLF stream has the length asciiSize predicts, lfWriter undoes
// crlfReader, and asciiFileOffset finds every offset of the stream.
func FuzzASCIIConversion(f *testing.F) {
	for _, s := range []string{"", "a", "\n", "a\nb\n", "\r\n", "x\r\r\n\r", "\n\n\nabc"} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, file []byte, chunk uint8) {
		n := int(chunk%7) + 1
		var stream bytes.Buffer
		// Small reads exercise the LF that does not fit any more.
		buf := make([]byte, n)
		cr := &crlfReader{r: iotest.HalfReader(bytes.NewReader(file))}
		for {
			m, err := cr.Read(buf)
			stream.Write(buf[:m])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		want := bytes.ReplaceAll(file, []byte("\n"), []byte("\r\n"))
		if !bytes.Equal(stream.Bytes(), want) {
			t.Fatalf("crlfReader(%q) = %q", file, stream.Bytes())
		}
		if size, _ := asciiSize(bytes.NewReader(file)); size != int64(len(want)) {
			t.Fatalf("asciiSize = %d, want %d", size, len(want))
		}
		var back bytes.Buffer
		lw := &lfWriter{w: &back}
		for p := want; len(p) > 0; p = p[min(n, len(p)):] {
			lw.Write(p[:min(n, len(p))])
		}
		lw.flush()
		if !bytes.Equal(back.Bytes(), file) {
			t.Fatalf("lfWriter(%q) = %q, want %q", want, back.Bytes(), file)
		}
		for k := 0; k <= len(want)+1; k++ {
			off, ok, err := asciiFileOffset(bytes.NewReader(file), int64(k))
			if err != nil {
				t.Fatal(err)
			}
			if inside := k <= len(want) && !isExpandedLF(file, k); ok != inside {
				t.Fatalf("asciiFileOffset(%q, %d) ok = %v", file, k, ok)
			}
			if ok && !bytes.Equal(bytes.ReplaceAll(file[off:], []byte("\n"), []byte("\r\n")), want[k:]) {
				t.Fatalf("asciiFileOffset(%q, %d) = %d", file, k, off)
			}
		}
	})
}

// isExpandedLF reports whether stream offset k falls between the CR and
// the LF that a file LF turns into.
func isExpandedLF(file []byte, k int) bool {
	s := 0 // stream offset of the current file byte
	for _, b := range file {
		if b == '\n' {
			if s+1 == k {
				return true
			}
			s += 2
		} else {
			s++
		}
		if s >= k {
			return false
		}
	}
	return false
}
