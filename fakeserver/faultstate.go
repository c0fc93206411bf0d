package fakeserver

import (
	"net"
	"sync"
)

// faultState is what the selected faults remember about one session. The
// clean server never reads it; it belongs to the session and ends with it.
// Only the serve goroutine touches the plain fields; keep may be called
// from any goroutine.
type faultState struct {
	greetingHeld  bool         // greeting-after-command: the greeting waits for a command
	retrSinceType bool         // type-resets-after-retr: a RETR ran since the last TYPE
	lastRNFR      string       // rnto-stale-source: the source named by the last RNFR
	firstActive   *net.TCPAddr // port-first-only: where the first PORT or EPRT pointed
	langChosen    bool         // lang-latin1-text: a LANG succeeded
	protSent      bool         // prot-default-private: a PROT came since PBSZ
	lang          string       // lang-survives-rein: the language LANG chose ("" the default)
	hostRefused   bool         // host-error-sticks: the last HOST was refused
	reinSeen      bool         // host-refused-after-rein: a REIN succeeded

	lastRest   int64             // rest-sticky: the offset of the last REST
	modifySeen map[string]string // mlsx-modify-cached: the modify fact first sent for each name

	mu    sync.Mutex
	ended bool
	held  []func() // releases of what faults keep open on purpose
}

// keep holds a resource open until the session ends, when release is
// called; after the end it is released at once.
func (st *faultState) keep(release func()) {
	st.mu.Lock()
	if !st.ended {
		st.held = append(st.held, release)
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()
	release()
}

// release frees everything keep holds. The session calls it as it ends.
func (st *faultState) release() {
	st.mu.Lock()
	held := st.held
	st.held, st.ended = nil, true
	st.mu.Unlock()
	for _, f := range held {
		f()
	}
}
