package harness

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// block writes one block header and its data.
func block(desc byte, data string) string {
	return string([]byte{desc, byte(len(data) >> 8), byte(len(data))}) + data
}

func TestReadBlocks(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		data    string
		headers int
		eof     bool
		err     string // substring; "" for none
	}{
		{"one EOF block", block(BlockEOF, "hello"), "hello", 1, true, ""},
		{"three blocks", block(0, "ab") + block(BlockEOR, "cd") + block(BlockEOF, "ef"), "abcdef", 3, true, ""},
		{"an empty EOF block", block(0, "data") + block(BlockEOF, ""), "data", 2, true, ""},
		{"a restart marker is no data", block(BlockRestart, "marker") + block(BlockEOF|BlockEOR, "x"), "x", 2, true, ""},
		{"what follows the EOF block is not read", block(BlockEOF, "a") + "garbage", "a", 1, true, ""},
		{"no EOF block", block(0, "ab"), "ab", 1, false, "closed before a block with the EOF flag"},
		{"nothing", "", "", 0, false, "closed before a block with the EOF flag"},
		{"a cut header", "\x40\x00", "", 0, false, "reading a block header"},
		{"a cut block", "\x40\x00\x05abc", "", 1, false, "got 3 bytes"},
		{"stream-mode data", "plain file data", "", 1, false, "got 12 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs := ReadBlocks(strings.NewReader(tc.in))
			if string(bs.Data) != tc.data || len(bs.Headers) != tc.headers || bs.EOF != tc.eof {
				t.Errorf("ReadBlocks = data %q, %d headers %q, EOF %v; want %q, %d, %v", bs.Data, len(bs.Headers), bs.Headers, bs.EOF, tc.data, tc.headers, tc.eof)
			}
			switch {
			case tc.err == "" && bs.Err != nil:
				t.Errorf("Err = %v", bs.Err)
			case tc.err != "" && (bs.Err == nil || !strings.Contains(bs.Err.Error(), tc.err)):
				t.Errorf("Err = %v, want %q", bs.Err, tc.err)
			}
		})
	}
	if bs := ReadBlocks(strings.NewReader("\x40\x00\x05abc")); !errors.Is(bs.Err, ErrShortBlock) {
		t.Errorf("a cut block: %v is not ErrShortBlock", bs.Err)
	}
	if h := ReadBlocks(strings.NewReader(block(BlockEOF, "abc"))).Headers; len(h) != 1 || h[0] != "descriptor 64, count 3" {
		t.Errorf("Headers = %q", h)
	}
}

func TestEncodeBlocks(t *testing.T) {
	for _, tc := range []struct {
		data string
		size int
		want string
	}{
		{"", 10, block(BlockEOF, "")},
		{"abc", 10, block(BlockEOF, "abc")},
		{"abcdef", 4, block(0, "abcd") + block(BlockEOF, "ef")},
		{"abcd", 2, block(0, "ab") + block(BlockEOF, "cd")},
		{"ab", 0, block(0, "a") + block(BlockEOF, "b")},
	} {
		if got := string(EncodeBlocks([]byte(tc.data), tc.size)); got != tc.want {
			t.Errorf("EncodeBlocks(%q, %d) = %q, want %q", tc.data, tc.size, got, tc.want)
		}
	}
	big := payload(200 << 10)
	if bs := ReadBlocks(bytes.NewReader(EncodeBlocks(big, 1<<20))); bs.Err != nil || !bytes.Equal(bs.Data, big) || len(bs.Headers) != 4 {
		t.Errorf("200 KiB in blocks of at most 65535 bytes: %d headers, %v", len(bs.Headers), bs.Err)
	}
}

// TestRetrieveBlocks: RETR in MODE B over PASV, against servers that close
// the data connection after the EOF block, keep it open, send stream-mode
// data instead, or refuse.
func TestRetrieveBlocks(t *testing.T) {
	file := payload(70 << 10)
	tests := []struct {
		name    string
		prelim  string // "" for a refusal
		send    []byte
		close   bool
		final   string
		data    []byte
		errPart string
	}{
		{"closes after the EOF block", "150 Opening.", EncodeBlocks(file, 32<<10), true, "226 Done.", file, ""},
		{"keeps the connection open", "150 Opening.", EncodeBlocks(file, 32<<10), false, "226 Done.", file, ""},
		{"stream-mode data", "150 Opening.", file[:1000], false, "226 Done.", nil, "closed in the middle of a block"},
		{"no EOF block", "150 Opening.", EncodeBlocks(file, 32<<10)[:32<<10+3], false, "226 Done.", nil, "reading a block header"},
		{"refused", "", nil, false, "550 No such file.", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				ln, err := s.greetPASV()
				if err != nil {
					return err
				}
				if _, err := s.expect("RETR f"); err != nil {
					return err
				}
				if tc.prelim == "" {
					if err := s.send(tc.final); err != nil {
						return err
					}
					return s.untilClosed()
				}
				if err := s.send(tc.prelim); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				if _, err := dc.Write(tc.send); err != nil {
					return err
				}
				if tc.close {
					dc.Close()
				}
				if err := s.send(tc.final); err != nil {
					return err
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.CloseGrace = 200 * time.Millisecond
			ctx := testCtx(t)
			c := loggedIn(t, ctx, tg)
			d := openData(t, ctx, c, PASV)
			bt, err := c.RetrieveBlocks(ctx, d, "RETR f")
			if err != nil {
				t.Fatal(err)
			}
			if bt.Final == nil || bt.Final.String() != (&Reply{Code: bt.Final.Code, Lines: []string{tc.final}}).String() {
				t.Errorf("replies %v, want %q last", bt.Replies(), tc.final)
			}
			if (tc.prelim != "") != (bt.Prelim != nil) {
				t.Errorf("Prelim = %v, want %q", bt.Prelim, tc.prelim)
			}
			if tc.data != nil && (!bytes.Equal(bt.Data, tc.data) || bt.Err != nil || !bt.EOF) {
				t.Errorf("got %d bytes (EOF %v, %v), want %d", len(bt.Data), bt.EOF, bt.Err, len(tc.data))
			}
			if tc.errPart != "" && (bt.Err == nil || !strings.Contains(bt.Err.Error(), tc.errPart)) {
				t.Errorf("Err = %v, want %q", bt.Err, tc.errPart)
			}
			if tc.prelim != "" && !bytes.Equal(bt.Raw, tc.send) && tc.close {
				t.Errorf("Raw holds %d bytes, want the %d sent", len(bt.Raw), len(tc.send))
			}
		})
	}
}
