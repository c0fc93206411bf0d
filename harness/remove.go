package harness

import (
	"context"
	"fmt"
	"strings"
)

// Remove deletes path on the server, whatever it is: a file (DELE) or a
// directory (RMD) with what it holds, depth levels deep (NLST over a data
// connection in mode, then each entry removed the same way). It is for
// cleaning up after checks: what the server refuses to delete stays, and
// the error says only that the session broke (no reply, closed). It
// refuses to touch "", ".", ".." and "/", and removes a directory's
// entries by their names inside it only.
func (c *Conn) Remove(ctx context.Context, mode DataMode, p string, depth int) error {
	p = strings.TrimRight(p, "/")
	switch p {
	case "", ".", "..":
		return fmt.Errorf("refusing to remove %q", p)
	}
	for _, verb := range []string{"DELE", "RMD"} {
		r, err := c.Cmd(ctx, verb+" "+p)
		if err != nil {
			return err
		}
		if Class(r.Code) == 2 {
			return nil
		}
	}
	if depth <= 0 {
		return nil
	}
	// An entry is removed as p/name whatever form the line has ("name",
	// "p/name", "/abs/p/name"), so that nothing outside p is touched.
	if l, err := c.ListNames(ctx, mode, p); err == nil {
		for _, name := range l.Names() {
			if err := c.Remove(ctx, mode, p+"/"+name, depth-1); err != nil {
				return err
			}
		}
	}
	_, err := c.Cmd(ctx, "RMD "+p)
	return err
}
