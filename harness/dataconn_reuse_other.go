//go:build !linux

package harness

import "syscall"

// Elsewhere the harness does not try to share the control connection's
// port; the default-data-port checks skip.
const reusePortSupported = false

func reuseControl(network, address string, c syscall.RawConn) error { return nil }
