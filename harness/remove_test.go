package harness

import (
	"fmt"
	"net/netip"
	"testing"
)

// TestRemove: a file goes with DELE; a directory that is not empty is
// listed, its entries removed by their names inside it (whatever form
// NLST gives them), and then itself.
func TestRemove(t *testing.T) {
	p := startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		for _, x := range [][2]string{
			{"DELE file.txt", "250 Deleted."},
			{"DELE dir", "550 Is a directory."},
			{"RMD dir", "550 Directory not empty."},
		} {
			if err := s.exchange(x[0], x[1]); err != nil {
				return err
			}
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if err := s.exchange("NLST dir", "150 Here it comes."); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		// One bare name, one relative path, one absolute path from
		// elsewhere: all are removed inside dir.
		if err := sendData(dc, []byte("a\r\ndir/b\r\n/elsewhere/c\r\n.\r\n")); err != nil {
			return err
		}
		if err := s.send("226 Done."); err != nil {
			return err
		}
		for _, x := range [][2]string{
			{"DELE dir/a", "250 Deleted."},
			{"DELE dir/b", "250 Deleted."},
			{"DELE dir/c", "250 Deleted."},
			{"RMD dir", "250 Removed."},
		} {
			line, err := s.read()
			if err != nil || line != x[0] {
				return fmt.Errorf("got %q (%v), want %q", line, err, x[0])
			}
			if err := s.send(x[1]); err != nil {
				return err
			}
		}
		return s.untilClosed()
	})
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	for _, path := range []string{"file.txt", "dir/"} {
		if err := c.Remove(ctx, PASV, path, 3); err != nil {
			t.Fatalf("Remove(%q): %v", path, err)
		}
	}
	for _, path := range []string{"", ".", "..", "/", "//"} {
		if err := c.Remove(ctx, PASV, path, 3); err == nil {
			t.Errorf("Remove(%q) was not refused", path)
		}
	}
}
