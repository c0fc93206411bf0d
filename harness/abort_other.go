//go:build !unix

package harness

import "net"

// sendUrgent is not available here; the caller sends the bytes in-band.
func sendUrgent(nc net.Conn, b []byte) error { return errNoUrgent }
