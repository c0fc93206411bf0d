package harness

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Direction tells who produced a transcript entry.
type Direction byte

// Transcript directions.
const (
	Sent     Direction = '>' // harness to server, control connection
	Received Direction = '<' // server to harness, control connection
	Note     Direction = '#' // an event the harness observed (data connection, timing)
)

// Entry is one line of a transcript.
type Entry struct {
	At   time.Duration // since the transcript started
	Conn string        // which control connection ("c1", "c2", ...)
	Dir  Direction
	Text string
}

// Transcript records every line sent and received by the control
// connections of one check, and notable data-connection events. It is safe
// for concurrent use. Secrets registered with AddSecret, and the argument of
// every PASS command, never appear in it.
//
// Rendered, it reads:
//
//	+0.001s c1 < 220 ready
//	+0.001s c1 > USER conform
//	+0.002s c1 > PASS ****
//	+0.150s c1 # data: dialled 127.0.0.1:30007
type Transcript struct {
	mu      sync.Mutex
	start   time.Time
	entries []Entry
	secrets []string
	conns   int
}

// NewTranscript returns an empty transcript starting now.
func NewTranscript() *Transcript { return &Transcript{start: time.Now()} }

// AddSecret registers a string that must never appear in the transcript.
func (t *Transcript) AddSecret(s string) {
	if s == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.secrets = append(t.secrets, s)
	// Longest first, so a secret that contains another is masked whole.
	slices.SortStableFunc(t.secrets, func(a, b string) int { return len(b) - len(a) })
}

// nextConn names the next control connection recorded here.
func (t *Transcript) nextConn() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.conns++
	return fmt.Sprintf("c%d", t.conns)
}

// Add records one entry; text is redacted and made printable.
func (t *Transcript) Add(conn string, dir Direction, text string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if dir == Sent {
		text = maskCommand(text)
	}
	for _, s := range t.secrets {
		text = strings.ReplaceAll(text, s, "****")
	}
	t.entries = append(t.entries, Entry{At: time.Since(t.start), Conn: conn, Dir: dir, Text: Printable(text)})
}

// Notef records an observation.
func (t *Transcript) Notef(conn, format string, args ...any) {
	t.Add(conn, Note, fmt.Sprintf(format, args...))
}

// Entries returns a copy of the recorded entries.
func (t *Transcript) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.entries...)
}

// String renders the transcript, one entry per line.
func (t *Transcript) String() string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	for _, e := range t.Entries() {
		fmt.Fprintf(&b, "+%.3fs %s %c %s\n", e.At.Seconds(), e.Conn, e.Dir, e.Text)
	}
	return b.String()
}

// maskCommand hides the argument of commands that carry secrets, in every
// line of pipelined commands sent at once.
func maskCommand(line string) string {
	line = strings.TrimRight(line, "\r\n")
	if !strings.Contains(line, "\n") {
		return maskOne(line)
	}
	parts := strings.SplitAfter(line, "\n")
	for i, p := range parts {
		body := strings.TrimRight(p, "\r\n")
		parts[i] = maskOne(body) + p[len(body):]
	}
	return strings.Join(parts, "")
}

func maskOne(line string) string {
	verb, _, hasArg := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "PASS", "ACCT", "ADAT":
		if hasArg {
			return verb + " ****"
		}
	}
	return line
}
