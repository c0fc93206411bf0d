package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// Journal is a run's record of facts that the first claim settles: the
// check during which the server stopped answering, a command it never
// answers, a capability it lost, a root cause a check established. Later
// claims of the same name get the first one's value back, so that every
// part of the run names the same check.
//
// A Journal from NewJournal lives in memory. One from OpenJournal is also
// a file that the worker processes of a parallel run share: a claim is one
// line appended to it (a single write, which O_APPEND keeps whole), and a
// lookup first reads the lines other processes appended since the last
// one. The first line for a name wins, in every process.
//
// Each line is a JSON object: {"name":"stop","value":"..."}.
type Journal struct {
	mu      sync.Mutex
	f       *os.File // nil: in memory only
	off     int64    // how much of f has been read
	partial []byte   // an incomplete last line (a write under way)
	buf     []byte   // reused for reading f
	facts   map[string]string
}

// journalLine is one line of a journal file.
type journalLine struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NewJournal returns a journal kept in memory.
func NewJournal() *Journal { return &Journal{facts: map[string]string{}} }

// OpenJournal opens (creating it if need be) a journal file shared with
// other processes.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{f: f, facts: map[string]string{}}, nil
}

// Close closes the journal's file, if it has one.
func (j *Journal) Close() error {
	if j == nil || j.f == nil {
		return nil
	}
	return j.f.Close()
}

// Lookup returns the value the first claim of name settled.
func (j *Journal) Lookup(name string) (string, bool) {
	if j == nil {
		return "", false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.refresh()
	v, ok := j.facts[name]
	return v, ok
}

// Claim settles name to value unless a claim came first, and returns the
// value that holds. An error writing the file leaves the claim known to
// this process only.
func (j *Journal) Claim(name, value string) string {
	if j == nil {
		return value
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.refresh()
	if v, ok := j.facts[name]; ok {
		return v
	}
	if j.f != nil {
		b, err := json.Marshal(journalLine{Name: name, Value: value})
		if err == nil {
			if _, err = j.f.Write(append(b, '\n')); err == nil {
				// Another process may have claimed name just before us:
				// its line comes first in the file, and wins.
				j.refresh()
				if v, ok := j.facts[name]; ok {
					return v
				}
			}
		}
	}
	j.facts[name] = value
	return value
}

// refresh reads the lines appended since the last read. j.mu is held.
// It is called before every lookup (Stalls looks one up per command), so
// it reads only when the file has grown.
func (j *Journal) refresh() {
	if j.f == nil {
		return
	}
	if st, err := j.f.Stat(); err != nil || st.Size() <= j.off {
		return
	}
	if j.buf == nil {
		j.buf = make([]byte, 32*1024)
	}
	for {
		n, err := j.f.ReadAt(j.buf, j.off)
		j.off += int64(n)
		j.partial = append(j.partial, j.buf[:n]...)
		if err != nil || n == 0 {
			if err != nil && err != io.EOF {
				return
			}
			break
		}
	}
	for {
		i := bytes.IndexByte(j.partial, '\n')
		if i < 0 {
			return
		}
		var l journalLine
		if json.Unmarshal(j.partial[:i], &l) == nil && l.Name != "" {
			if _, ok := j.facts[l.Name]; !ok {
				j.facts[l.Name] = l.Value
			}
		}
		j.partial = j.partial[i+1:]
	}
}
