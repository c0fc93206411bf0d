//go:build linux

package harness

import "syscall"

// On Linux a listener may share the port of a connected socket when both
// set SO_REUSEADDR (and the other socket does not listen).
const reusePortSupported = true

func reuseControl(network, address string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return serr
}
