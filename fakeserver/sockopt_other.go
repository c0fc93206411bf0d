//go:build !unix

package fakeserver

import "net"

// setOOBInline is a no-op here; the command reader copes with a missing
// IAC before DM anyway.
func setOOBInline(c *net.TCPConn) {}

// setReuseAddr is a no-op here: a fixed ActiveSourcePort then works only
// when no earlier connection from it lingers.
func setReuseAddr(fd uintptr) error { return nil }
