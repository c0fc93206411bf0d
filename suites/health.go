package suites

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Server health: a server that stops accepting connections (it crashed,
// or was stopped) ends the run at once. The check during which it
// happened fails with that diagnosis; every later check is "not run",
// naming that check, instead of failing with "nothing is listening".

// runHealth is the run-wide view of the server's health. Checks run one
// at a time in a process, but cleanups and the shared login probe run
// beside them, and the worker processes of a parallel run share it: each
// fact is settled by the first claim in the run's journal.
type runHealth struct {
	journal *harness.Journal
	// stalls are the commands the server does not answer at all.
	stalls harness.Stalls
}

// newRunHealth keeps the run's facts in j (a fresh in-memory journal when
// nil).
func newRunHealth(j *harness.Journal) *runHealth {
	if j == nil {
		j = harness.NewJournal()
	}
	return &runHealth{journal: j, stalls: harness.Stalls{Journal: j}}
}

// The names of the facts runHealth keeps in its journal.
const (
	// factStop: the run stopped (a runStop); every later check is not run.
	factStop = "stop"
	// factLost + capability: a capability the preflight found working
	// stopped working during the run (a lostCapability).
	factLost = "lost/"
	// factFinding + name: the check that established a root cause.
	factFinding = "finding/"
	// factSilent + exchange: an exchange the server left unanswered for a
	// whole reply timeout, with what was seen; a check that would send the
	// same thing only to wait again uses the observation instead.
	factSilent = "silent/"
)

// lostCapability is a capability that stopped working during check key.
type lostCapability struct {
	Key    string `json:"key"`
	Detail string `json:"detail"`
}

func (h *runHealth) lostCap(c harness.Capability) (lostCapability, bool) {
	var l lostCapability
	if h == nil {
		return l, false
	}
	v, ok := h.journal.Lookup(factLost + string(c))
	return l, ok && json.Unmarshal([]byte(v), &l) == nil
}

func (h *runHealth) setLost(c harness.Capability, l lostCapability) {
	if b, err := json.Marshal(l); err == nil {
		h.journal.Claim(factLost+string(c), string(b))
	}
}

// runStop says why the run stopped and during which check ("PREFLIGHT"
// when it never started).
type runStop struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

func (h *runHealth) stopped() *runStop {
	if h == nil {
		return nil
	}
	v, ok := h.journal.Lookup(factStop)
	var st runStop
	if !ok || json.Unmarshal([]byte(v), &st) != nil {
		return nil
	}
	return &st
}

func (h *runHealth) setStop(key, reason string) {
	if b, err := json.Marshal(runStop{Key: key, Reason: reason}); err == nil {
		h.journal.Claim(factStop, string(b))
	}
}

// serverGone tells whether the server still accepts connections: one TCP
// connection and its greeting's first byte, each within the connect
// timeout. It returns the error when the server is gone.
func serverGone(t harness.Target) error {
	ctx, cancel := context.WithTimeout(context.Background(), t.ConnectTimeout+time.Second)
	defer cancel()
	c, err := harness.Dial(ctx, t, nil, netip.Addr{})
	if err != nil {
		var de *harness.DialError
		if errors.As(err, &de) && (de.Kind == harness.DialRefused || de.Kind == harness.DialUnreachable || de.Kind == harness.DialTimeout) {
			return err
		}
		return nil
	}
	defer c.Close()
	// A server that accepts but closes at once without a word is gone too
	// (a dying process, a supervisor's port with nothing behind it).
	if _, err := c.ReadReplyWithin(ctx, t.ConnectTimeout); err != nil {
		var pe *harness.ProtocolError
		if errors.As(err, &pe) && !pe.Timeout() && pe.Partial == nil {
			return fmt.Errorf("the server accepted a connection and closed it without a greeting: %w", err)
		}
	}
	return nil
}

// checkServerAlive is called when a check failed: when the server no
// longer accepts connections, the run stops with this check as the one
// during which it happened.
func (r *Run) checkServerAlive(key string) {
	if r.health.stopped() != nil {
		return
	}
	if err := serverGone(r.cfg.Target); err != nil {
		r.health.setStop(key, fmt.Sprintf("the server stopped answering during %s (%v)", key, err))
	}
}

// failConnect is called when a check cannot open a control connection:
// when the server no longer accepts any, the check fails with that
// diagnosis whatever its level (a dead server is no SHOULD finding), and
// the run stops.
func (c *Ctx) failConnect(err error) {
	c.checkServerAlive(c.st.key)
	if stop := c.health.stopped(); stop != nil && stop.Key == c.st.key {
		Fail(fmt.Sprintf("the server stopped accepting connections during this check: %v", err), 2)
	}
}

// dataModeLost is called when a check could not set up a data connection
// in mode. Unless the check is one that judges the mode, a fresh session
// finds out whether the mode still works at all: when it does not (the
// server ran out of passive ports, say), the mode is lost for the rest of
// the run, this check fails with that diagnosis, and every later check
// that needs the mode is blocked by it.
func (ctx *Ctx) dataModeLost(mode harness.DataMode, diagnosis string) {
	capability := dataCapability(mode)
	p := prerequisites[capability]
	if p.ownedBy(ctx.st.key, harness.StageData) {
		return
	}
	fact := harness.ProbeDataMode(ctx, ctx.cfg.Target, ctx.transcript(), mode)
	if fact.State == harness.CapWorks || fact.State == harness.CapUnknown {
		return
	}
	ctx.health.setLost(capability, lostCapability{Key: ctx.st.key, Detail: fact.Detail})
	ctx.failf("%s; a fresh session cannot use %s either (%s): the server stopped serving %s during this check", diagnosis, mode, fact.Detail, mode)
}

// Named findings: a check that fails for a root cause other checks would
// run into as well notes it (noteFinding); when the check has failed, the
// later checks that would only fail again for it are blocked by it
// (blockedByFinding).
const (
	// findingAborIgnored: ABOR during a stalled RETR got no reply, or the
	// server sent the whole file before answering it.
	findingAborIgnored = "ABOR during a download is not acted upon"
	// findingEpsvAllIgnored: after EPSV ALL a data-connection set-up
	// command other than EPSV was accepted.
	findingEpsvAllIgnored = "EPSV ALL does not lock out the other data-connection commands"
	// findingPortChangeKeeps: a new port specification left what the old
	// one opened (a data connection or a listener) open.
	findingPortChangeKeeps = "a new port specification leaves the old data connection or listener open"
)

// noteFinding records that the running check is failing for the named
// root cause; it counts once the check has failed.
func (c *Ctx) noteFinding(name string) {
	if !slices.Contains(c.st.findings, name) {
		c.st.findings = append(c.st.findings, name)
	}
}

// recordFindings makes the findings of a failed check known to the run.
func (h *runHealth) recordFindings(key string, names []string) {
	for _, n := range names {
		h.journal.Claim(factFinding+n, key)
	}
}

// findingOwner is the check that established the named root cause.
func (h *runHealth) findingOwner(name string) (string, bool) {
	return h.journal.Lookup(factFinding + name)
}

// blockedByFinding blocks the running check when an earlier check failed
// for the named root cause.
func (c *Ctx) blockedByFinding(name string) {
	key, ok := c.health.findingOwner(name)
	if ok && key != c.st.key {
		blocked(key, name+" (this check would fail for the same reason)")
	}
}

// failForCause fails the running check for a root cause that sibling
// checks share: the first check to fail for it fails, and a later one that
// observes the same cause is blocked by that first one, with its own
// observation in the reason. Unlike blockedByFinding, the check has run and
// seen the cause itself, so a sibling that passes still passes.
func (c *Ctx) failForCause(cause, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key, ok := c.health.findingOwner(cause)
	if ok && key != c.st.key {
		blocked(key, cause+"; here too: "+msg)
	}
	c.noteFinding(cause)
	c.failf("%s", msg)
}

// LabelSharesPrefix starts the label of checks that start the same
// exchange (Shares): a parallel run keeps them in one worker, so that the
// first one's observation spares the others the wait.
const LabelSharesPrefix = "shares:"

// Shares labels a check that starts the named exchange (one of the
// exchange constants) and uses what an earlier check saw of it.
func Shares(exchange string) Labels {
	return Label(LabelSharesPrefix + strings.ReplaceAll(exchange, " ", "-"))
}

// Exchanges that more than one check starts the same way.
const (
	// exchangeLongLine: a 10 KiB command line.
	exchangeLongLine = "a 10 KiB command line"
	// exchangeDefaultPort: LIST with neither PORT nor PASV before it.
	exchangeDefaultPort = "LIST without PORT or PASV"
)

// noteSilence records that the exchange got no reply within the reply
// timeout during the running check; detail, if any, says more about what
// was sent.
func (c *Ctx) noteSilence(exchange, detail string) {
	what := exchange
	if detail != "" {
		what += " (" + detail + ")"
	}
	c.health.journal.Claim(factSilent+exchange, fmt.Sprintf("%s got no reply within %s during %s", what, c.cfg.Target.ReplyTimeout, c.st.key))
}

// silenceSeen returns what an earlier check saw when the exchange got no
// reply, if it did.
func (r *Run) silenceSeen(exchange string) (string, bool) {
	return r.health.journal.Lookup(factSilent + exchange)
}
