package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNameListNames(t *testing.T) {
	for _, tc := range []struct {
		data  string
		lines []string
		names []string
	}{
		{"a.txt\r\nb.bin\r\n", []string{"a.txt", "b.bin"}, []string{"a.txt", "b.bin"}},
		{"a.txt\nb.bin", []string{"a.txt", "b.bin"}, []string{"a.txt", "b.bin"}},
		{".\r\n..\r\na\r\n", []string{".", "..", "a"}, []string{"a"}},
		{"sub/a.txt\r\n/abs/sub/b\r\ndir/\r\n", []string{"sub/a.txt", "/abs/sub/b", "dir/"}, []string{"a.txt", "b", "dir"}},
		{"\r\n\r\nx\r\n\n", []string{"x"}, []string{"x"}},
		{"/\r\n", []string{"/"}, nil},
		{"", nil, nil},
	} {
		l := &NameList{Lines: nameLines([]byte(tc.data))}
		if !slices.Equal(l.Lines, tc.lines) || !slices.Equal(l.Names(), tc.names) {
			t.Errorf("%q: lines %q, names %q; want %q, %q", tc.data, l.Lines, l.Names(), tc.lines, tc.names)
		}
		for _, n := range tc.names {
			if !l.Has(n) {
				t.Errorf("%q: Has(%q) is false", tc.data, n)
			}
		}
	}
	if (&NameList{Lines: []string{"sub/a.txt"}}).Has("sub") {
		t.Error(`Has("sub") matched a directory element of the path`)
	}
}

// TestListNames: NLST over PASV; 450/550 is an empty listing; another
// reply is a *ReplyError.
func TestListNames(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		data    string // "" with a refusal: none
		final   string
		names   []string
		noFiles bool
		errCode int
	}{
		{"working directory", "", "a.txt\r\nb.bin\r\n", "226 Done.", []string{"a.txt", "b.bin"}, false, 0},
		{"a directory argument", "sub", "sub/x\r\nsub/y\r\n", "226 Done.", []string{"x", "y"}, false, 0},
		{"empty directory as 550", "", "", "550 No files found.", nil, true, 0},
		{"empty directory as 450", "", "", "450 No files found.", nil, true, 0},
		{"refused", "", "", "530 Not logged in.", nil, false, 530},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				ln, err := s.greetPASV()
				if err != nil {
					return err
				}
				want := strings.TrimSpace("NLST " + tc.dir)
				line, err := s.read()
				if err != nil || line != want {
					return fmt.Errorf("got %q (%v), want %q", line, err, want)
				}
				if tc.data == "" {
					if err := s.send(tc.final); err != nil {
						return err
					}
					return s.untilClosed()
				}
				if err := s.send("150 Here it comes."); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				return s.deliver(dc, []byte(tc.data), tc.final)
			})
			ctx := testCtx(t)
			c := loggedIn(t, ctx, peerTarget(p))
			l, err := c.ListNames(ctx, PASV, tc.dir)
			if tc.errCode != 0 {
				var re *ReplyError
				if !errors.As(err, &re) || re.Code() != tc.errCode {
					t.Fatalf("ListNames: %v, %v; want a *ReplyError %d", l, err, tc.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Names(), tc.names) || l.NoFiles != tc.noFiles {
				t.Errorf("names %q (NoFiles %v), want %q (%v)", l.Names(), l.NoFiles, tc.names, tc.noFiles)
			}
		})
	}
}
