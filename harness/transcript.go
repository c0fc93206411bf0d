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
// for concurrent use. Secrets registered with AddSecret (as whole tokens),
// and the argument of every PASS command, never appear in it.
//
// Rendered, it reads:
//
//	+0.001s c1 < 220 ready
//	+0.001s c1 > USER conform
//	+0.002s c1 > PASS ****
//	+0.150s c1 # data: dialled 127.0.0.1:30007 from 127.0.0.1:41822
type Transcript struct {
	mu      sync.Mutex
	start   time.Time
	entries []Entry
	secrets []string
	forms   []string // the secrets and their escaped forms, longest first
	conns   int
}

// NewTranscript returns an empty transcript starting now.
func NewTranscript() *Transcript { return &Transcript{start: time.Now()} }

// AddSecret registers a string that must never appear in the transcript
// as a whole token, nor in its URL-escaped forms (see MaskSecrets for
// what counts as a token: the password "conform" is masked in
// "user:conform@host" but not in the directory name "ftpconform-1a2b").
func (t *Transcript) AddSecret(s string) {
	if s == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.Contains(t.secrets, s) {
		return
	}
	t.secrets = append(t.secrets, s)
	t.forms = secretForms(t.secrets)
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
	if len(t.forms) > 0 {
		text, _ = maskTokens(text, t.forms)
	}
	t.entries = append(t.entries, Entry{At: time.Since(t.start), Conn: conn, Dir: dir, Text: Printable(text)})
}

// Notef records an observation. Without a transcript (nil) nothing is
// formatted: sessions that keep none (stress) pay nothing for notes.
func (t *Transcript) Notef(conn, format string, args ...any) {
	if t == nil {
		return
	}
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
	verb, arg, _ := strings.Cut(line, " ")
	if secretVerb(verb) && strings.TrimSpace(arg) != "" {
		return verb + " " + Mask
	}
	return line
}
