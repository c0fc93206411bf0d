package fakeserver

import (
	"bytes"
	"strings"
	"testing"
)

// Unit checks of the representation, parameter and listing faults and
// variations (faults_repr.go).

// blockEncode builds a block-mode stream (RFC 959 §3.4.2) of data in
// blocks of at most size bytes, ending with an empty EOF block.
func blockEncode(data []byte, size int) []byte {
	var out []byte
	for len(data) > 0 {
		k := min(len(data), size)
		out = append(out, 0, byte(k>>8), byte(k))
		out = append(out, data[:k]...)
		data = data[k:]
	}
	return append(out, blockEOF, 0, 0)
}

// blockDecode parses a block-mode stream and reports whether it ended with
// an EOF block.
func blockDecode(t *testing.T, b []byte) ([]byte, bool) {
	t.Helper()
	var out []byte
	for len(b) >= 3 {
		desc, n := b[0], int(b[1])<<8|int(b[2])
		if len(b) < 3+n {
			t.Fatalf("short block: descriptor %d, count %d, %d bytes left", desc, n, len(b)-3)
		}
		out = append(out, b[3:3+n]...)
		b = b[3+n:]
		if desc&blockEOF != 0 {
			if len(b) != 0 {
				t.Errorf("%d bytes after the EOF block", len(b))
			}
			return out, true
		}
	}
	if len(b) != 0 {
		t.Errorf("%d stray bytes", len(b))
	}
	return out, false
}

func init() {
	variationChecks[varModeB] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		c.expect("MODE B", 200)
		got, eof := blockDecode(t, c.retrieve("pasv", "RETR bin.dat"))
		if !eof || !bytes.Equal(got, fx.bin) {
			t.Errorf("RETR in MODE B: EOF block %v, data equal %v", eof, bytes.Equal(got, fx.bin))
		}
		c.store("epsv", "STOR blocks.bin", blockEncode(fx.bin, 1000))
		if !bytes.Equal(fx.read(t, "blocks.bin"), fx.bin) {
			t.Error("STOR in MODE B stored other data")
		}
		c.expect("MODE S", 200)
		if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
			t.Error("RETR after MODE S is not stream mode")
		}
	}
	variationChecks[varStruR] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("STRU R", 200)
		c.expect("TYPE I", 200)
		stream := []byte("one\xff\x01two \xff\xff\xff\x01\xff\x02")
		c.store("pasv", "STOR rec.dat", stream)
		if got := c.retrieve("pasv", "RETR rec.dat"); !bytes.Equal(got, stream) {
			t.Errorf("STRU R round trip: %q", got)
		}
		c.expect("STRU F", 200)
		c.expect("STRU P", 504)
	}
	variationChecks[varNlstDotEntries] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		got := string(c.retrieve("pasv", "NLST"))
		if !strings.HasPrefix(got, ".\r\n..\r\n") || !strings.Contains(got, "\r\nhello.txt\r\n") {
			t.Errorf("NLST: %q", got)
		}
		if got := string(c.retrieve("pasv", "NLST sub")); got != "sub/a.txt\r\n" {
			t.Errorf("NLST sub: %q", got)
		}
	}
	variationChecks[varNlstAbsolutePaths] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("CWD sub", 250)
		if got := string(c.retrieve("pasv", "NLST")); got != "/sub/a.txt\r\n" {
			t.Errorf("NLST in /sub: %q", got)
		}
	}

	faultChecks[faultTypeANoConversion] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, fx.text) {
			t.Errorf("TYPE A RETR: %q", got)
		}
	}}
	faultChecks[faultTypeAStorVerbatim] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.store("pasv", "STOR up.txt", []byte("a\r\nb\r\n"))
		if got := fx.read(t, "up.txt"); string(got) != "a\r\nb\r\n" {
			t.Errorf("stored %q", got)
		}
		if got := c.retrieve("pasv", "RETR up.txt"); string(got) != "a\r\r\nb\r\r\n" {
			t.Errorf("RETR %q", got)
		}
	}}
	faultChecks[faultTypeAStrips8thBit] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		mustWrite(t, fx.root+"/hi.txt", []byte("caf\xc3\xa9\n"))
		c := login(t, srv)
		if got := c.retrieve("pasv", "RETR hi.txt"); string(got) != "cafC)\r\n" {
			t.Errorf("RETR %q", got)
		}
	}}
	faultChecks[faultTypeResetsAfterRetr] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, fx.text) {
			t.Errorf("first RETR %q", got)
		}
		if got := c.retrieve("pasv", "RETR hello.txt"); !bytes.Equal(got, crlf(fx.text)) {
			t.Errorf("second RETR %q", got)
		}
	}}
	faultChecks[faultStruR421] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("STRU R", 421)
		c.expectEOF()
	}}
	faultChecks[faultStruRNotInvertible] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("STRU R", 200)
		c.expect("TYPE I", 200)
		c.store("pasv", "STOR r.dat", []byte("x\ny\xff"))
		if got := c.retrieve("pasv", "RETR r.dat"); string(got) != "x\xff\x01y\xff\xff" {
			t.Errorf("RETR %q", got)
		}
	}}
	faultChecks[faultModeBStreamData] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		c.expect("MODE B", 200)
		if got := c.retrieve("pasv", "RETR bin.dat"); !bytes.Equal(got, fx.bin) {
			t.Error("RETR is not the plain file")
		}
	}}
	faultChecks[faultUnsupportedParam502] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		for _, line := range []string{"MODE B", "MODE C", "STRU R", "STRU P", "TYPE E", "TYPE L 36", "TYPE A C"} {
			c.expect(line, 502)
		}
		c.expect("TYPE L 8", 200)
		c.expect("MODE X", 501)
	}}
	faultChecks[faultListFileListsDir] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := string(c.retrieve("pasv", "LIST hello.txt")); !strings.Contains(got, "bin.dat") {
			t.Errorf("LIST hello.txt: %q", got)
		}
	}}
	faultChecks[faultNlstBareNamesForArg] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		if got := string(login(t, srv).retrieve("pasv", "NLST sub")); got != "a.txt\r\n" {
			t.Errorf("NLST sub: %q", got)
		}
	}}
	faultChecks[faultListingLFInImage] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		if got := string(c.retrieve("pasv", "NLST sub")); got != "sub/a.txt\r\n" {
			t.Errorf("NLST sub in TYPE A: %q", got)
		}
		c.expect("TYPE I", 200)
		if got := string(c.retrieve("pasv", "NLST sub")); got != "sub/a.txt\n" {
			t.Errorf("NLST sub in TYPE I: %q", got)
		}
	}}
	faultChecks[faultPathnameCutAtSpace] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.store("pasv", "STOR two words", []byte("x"))
		if got := fx.read(t, "two"); string(got) != "x" {
			t.Errorf("stored %q", got)
		}
	}}
}

// TestBlockConnRejectsStreamData: a STOR in MODE B whose sender just closes
// the connection (stream mode) fails instead of storing garbage.
func TestBlockConnRejectsStreamData(t *testing.T) {
	srv, _ := startServer(t, func(s *Server) { s.Variations = []string{varModeB} })
	c := login(t, srv)
	c.expect("MODE B", 200)
	accept := c.openData("pasv")
	c.send("STOR plain.bin")
	c.expectPrelim()
	d := accept()
	d.Write([]byte{0, 0, 5, 'a'}) // a block announcing 5 bytes, then EOF
	d.Close()
	if r := c.reply(); r.code != 426 {
		t.Errorf("STOR of a truncated block: %v, want 426", r)
	}
}
