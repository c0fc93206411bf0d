package harness

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// GoneReason says why a connection attempt means the server is gone.
type GoneReason string

// The ways a Dial or Connect can show that the server is gone.
const (
	GoneRefused    GoneReason = "connection refused"             // nothing listens on the control port any more
	GoneReset      GoneReason = "connection reset"               // accepted, then reset before or during the greeting
	GoneNoGreeting GoneReason = "closed without a greeting"      // accepted, then closed with no reply at all
	GoneSilent     GoneReason = "no greeting within the timeout" // accepted, and nothing came
)

// ServerGone classifies an error from Dial, Connect or ReadGreeting: ok
// is true when it shows a server that stopped serving (refused, reset on
// connect, closed or silent instead of greeting) rather than something
// else (a timeout while connecting, which a firewall or a network fault
// also gives, an unreachable host, a cancelled context, a greeting that
// is not 220). A context that ended is never the server's fault.
func ServerGone(err error) (reason GoneReason, ok bool) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "", false
	}
	var de *DialError
	if errors.As(err, &de) {
		if de.Kind == DialRefused {
			return GoneRefused, true
		}
		if errors.Is(err, syscall.ECONNRESET) {
			return GoneReset, true
		}
		return "", false
	}
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		return "", false
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return GoneReset, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return GoneNoGreeting, true
	case pe.Timeout():
		return GoneSilent, true
	}
	return "", false
}

// ConnClosed reports whether err means the connection was closed: by the
// server (EOF, a reset, a broken pipe) or already by us.
func ConnClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
