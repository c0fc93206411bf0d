//go:build unix

package fakeserver

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileID is the unique fact of an object (RFC 3659 §7.5.2): its device
// and inode, so that every name of one file (a hard link, a symbolic link
// followed) gets the same token. Only hex digits and "g" appear in it.
func fileID(vpath string, fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%xg%x", uint64(st.Dev), uint64(st.Ino))
	}
	return pathID(vpath)
}
