//go:build unix

package fakeserver

import (
	"net"
	"syscall"
)

// setOOBInline keeps TCP urgent data in the normal stream, so that the
// "IAC DM" a client sends as urgent data before ABOR (RFC 959 §4.1.3) is
// read like any other Telnet command instead of vanishing.
func setOOBInline(c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_OOBINLINE, 1)
	})
}

func setReuseAddr(fd uintptr) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
}
