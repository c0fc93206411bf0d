//go:build unix

package harness

import (
	"net"
	"syscall"
)

// sendUrgent writes b as TCP urgent data (MSG_OOB): the urgent pointer
// marks its last byte.
func sendUrgent(nc net.Conn, b []byte) error {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return errNoUrgent
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return errNoUrgent
	}
	var serr error
	werr := rc.Write(func(fd uintptr) bool {
		serr = syscall.Sendto(int(fd), b, syscall.MSG_OOB, nil)
		return serr != syscall.EAGAIN
	})
	if werr != nil {
		return werr
	}
	return serr
}
