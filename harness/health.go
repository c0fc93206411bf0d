package harness

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"
)

// Health is what a run has learnt about the server's health, shared by
// all its checks so that later checks need not wait out the same failure
// again: the server stopped accepting connections (it crashed), or a
// command never got a reply. It is safe for concurrent use; the zero value
// is ready. The first report of each fact wins, so the key names where it
// happened first.
type Health struct {
	mu      sync.Mutex
	deadKey string
	deadErr error
	dead    bool
	hung    map[string]string // verb -> check key
}

// Dead records that the server stopped accepting connections during the
// check key; err is what the connection attempt returned.
func (h *Health) Dead(key string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dead {
		return
	}
	h.dead, h.deadKey, h.deadErr = true, key, err
}

// DeadDuring reports whether the server was found dead, and during which
// check.
func (h *Health) DeadDuring() (key string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deadKey, h.dead
}

// DeadErr is the error recorded with Dead (nil if none).
func (h *Health) DeadErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deadErr
}

// Hung records that the command verb (case does not matter; only the
// verb, never its argument) got no reply within the timeout during the
// check key.
func (h *Health) Hung(verb, key string) {
	verb = normVerb(verb)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hung == nil {
		h.hung = make(map[string]string)
	}
	if _, seen := h.hung[verb]; !seen {
		h.hung[verb] = key
	}
}

// HungFor reports whether the command verb got no reply before, and
// during which check.
func (h *Health) HungFor(verb string) (key string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key, ok = h.hung[normVerb(verb)]
	return key, ok
}

// normVerb reduces "retr file.txt" to "RETR".
func normVerb(s string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return strings.ToUpper(verb)
}

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
