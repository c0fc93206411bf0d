package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Stalls remembers the commands a server never answers, so that a run
// waits out the reply timeout for each such command once, not again in
// every later check that happens to send it. A command joins only after a
// fresh session confirmed the silence (the same line, after a login): a
// command left unanswered in one session because of what that session did
// before (an ABOR, a transfer) says nothing about the command itself.
//
// Stalls is safe for concurrent use; the zero value is ready. It reaches
// Conn.Cmd through the context (WithStalls), together with the name of the
// check the context belongs to.
type Stalls struct {
	// Journal, when set before first use, is where stalls are kept: a
	// parallel run's workers share one (see Journal). Nil: in memory.
	Journal *Journal

	once sync.Once
}

// journal returns where the stalls are kept.
func (s *Stalls) journal() *Journal {
	s.once.Do(func() {
		if s.Journal == nil {
			s.Journal = NewJournal()
		}
	})
	return s.Journal
}

// Stall is a command the server did not answer, twice.
type Stall struct {
	Verb   string        // upper case, e.g. "NOOP"
	Line   string        // the command line as sent (masked)
	Check  string        // the check during which it was seen
	Waited time.Duration // how long each attempt waited
}

// StalledError is returned by Conn.Cmd instead of sending a command that
// the server is known not to answer.
type StalledError struct{ Stall }

func (e *StalledError) Error() string {
	return fmt.Sprintf("%s got no reply within %s during %s, and none in a fresh session either; not sent again", e.Line, e.Waited, e.Check)
}

// untracked are the verbs whose silence depends on the session's state
// (logins, transfers, aborts, reinitialisation), never remembered.
var untracked = []string{"USER", "PASS", "ACCT", "REIN", "QUIT", "ABOR", "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}

// Lookup returns the stall recorded for verb.
func (s *Stalls) Lookup(verb string) (Stall, bool) {
	if s == nil {
		return Stall{}, false
	}
	v, ok := s.journal().Lookup("stall/" + strings.ToUpper(verb))
	if !ok {
		return Stall{}, false
	}
	var st Stall
	if json.Unmarshal([]byte(v), &st) != nil {
		return Stall{}, false
	}
	return st, true
}

// record keeps st unless the verb's stall was recorded first.
func (s *Stalls) record(st Stall) {
	if b, err := json.Marshal(st); err == nil {
		s.journal().Claim("stall/"+st.Verb, string(b))
	}
}

type stallsKey struct{}

type stallsValue struct {
	s      *Stalls
	check  string
	judges func(verb string) bool
	seen   func(Stall)
}

// WithStalls returns a context under which Conn.Cmd consults and feeds s,
// attributing what it sees to check. judges, if set, names the verbs the
// check exists to judge: those are always sent and waited for. seen, if
// set, is called whenever a command is not sent because of a stall.
func WithStalls(ctx context.Context, s *Stalls, check string, judges func(verb string) bool, seen func(Stall)) context.Context {
	return context.WithValue(ctx, stallsKey{}, stallsValue{s, check, judges, seen})
}

func stallsFrom(ctx context.Context) (stallsValue, bool) {
	v, ok := ctx.Value(stallsKey{}).(stallsValue)
	return v, ok && v.s != nil
}

// commandVerb is the upper-case first word of a command line.
func commandVerb(line string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return strings.ToUpper(w)
}

// stalled returns the error for a command known not to be answered, or
// nil.
func stalled(ctx context.Context, line string) error {
	v, ok := stallsFrom(ctx)
	if !ok {
		return nil
	}
	verb := commandVerb(line)
	if v.judges != nil && v.judges(verb) {
		return nil
	}
	if st, known := v.s.Lookup(verb); known {
		if v.seen != nil {
			v.seen(st)
		}
		return &StalledError{st}
	}
	return nil
}

// noteSilence is called when line got no reply within d on c: it confirms
// the silence in a fresh session and records the command when it is
// confirmed.
func (c *Conn) noteSilence(ctx context.Context, line string, err error, d time.Duration) {
	v, ok := stallsFrom(ctx)
	verb := commandVerb(line)
	if !ok || verb == "" || slices.Contains(untracked, verb) || ctx.Err() != nil {
		return
	}
	var pe *ProtocolError
	if !errors.As(err, &pe) || !pe.Timeout() || pe.Partial != nil {
		return
	}
	if _, known := v.s.Lookup(verb); known {
		return
	}
	c.T.Notef(c.name, "%s got no reply within %s; trying it once in a fresh session", maskCommand(line), d)
	fresh, _, err := Connect(ctx, c.target, c.T)
	if err != nil {
		return
	}
	defer fresh.Close()
	if fresh.Login(ctx) != nil {
		return
	}
	if err := fresh.Send(ctx, line); err != nil {
		return
	}
	_, err = fresh.ReadReplyWithin(ctx, d)
	if errors.As(err, &pe) && pe.Timeout() && pe.Partial == nil && ctx.Err() == nil {
		v.s.record(Stall{Verb: verb, Line: maskCommand(line), Check: v.check, Waited: d})
	}
}
