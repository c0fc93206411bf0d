//go:build !unix

package fakeserver

import "io/fs"

// fileID is the unique fact of an object (RFC 3659 §7.5.2). Without
// inode numbers it is derived from the pathname, which gives the names of
// one file different tokens.
func fileID(vpath string, _ fs.FileInfo) string { return pathID(vpath) }
