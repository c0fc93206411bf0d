package suites

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
)

// The report entries a check attaches, under the short names the spec
// files use; checkmeta defines them.
const (
	EntryWarning    = checkmeta.EntryWarning
	EntryTranscript = checkmeta.EntryTranscript
	EntryInfo       = checkmeta.EntryInfo
	EntryBlocked    = checkmeta.EntryBlocked
	EntryNotRun     = checkmeta.EntryNotRun
)

// Needs declares capabilities a check relies on beyond what its helpers
// declare for it (login, scratch directories, uploads, data connections
// and transfer commands declare themselves): typically a command it
// sends as raw bytes. A check whose prerequisite the preflight found
// broken is reported as blocked by the check that judges it.
func Needs(caps ...harness.Capability) needsDecorator { return needsDecorator(caps) }

type needsDecorator []harness.Capability

// Confirm marks a check judged by timing or by a race: a failure is
// confirmed by a second, independent attempt before it fails the server;
// when the attempts disagree the check warns "inconsistent" with both
// observations.
var Confirm = confirmDecorator{}

type confirmDecorator struct{}

// A check that must run alone, with no other check's sessions on the
// server at the same time, carries ginkgo's Serial decorator (run
// --parallel runs such checks after the others, one by one): it samples
// what the server hands out over many sessions, counts sessions, or is
// judged by timing or by a race (every Confirm check is Serial).

// Check registers one conformance check of the run: It("[KEY] title")
// with the labels derived from the catalog (requirement ID, RFC, level,
// section) plus any Label decorators in args, and the body, a func(*Ctx),
// also in args. Its metadata goes to the run's registry (Checks).
//
// Call it in the body of a describe container, which gets the run.
func (r *Run) Check(key, title string, args ...any) {
	r.check(types.NewCodeLocation(1), key, title, args...)
}

func (r *Run) check(loc types.CodeLocation, key, title string, args ...any) {
	var body func(*Ctx)
	var decorators []any
	var topics []string
	confirm := false
	var needs []harness.Capability
	for _, a := range args {
		if a == any(Serial) {
			// Ginkgo gives a Serial spec the label "Serial".
			topics = append(topics, "Serial")
			decorators = append(decorators, a)
			continue
		}
		switch v := a.(type) {
		case func(*Ctx):
			body = v
		case confirmDecorator:
			confirm = true
			topics = append(topics, "Serial")
			decorators = append(decorators, Serial)
		case needsDecorator:
			needs = append(needs, v...)
		case Labels:
			topics = append(topics, v...)
			decorators = append(decorators, v)
		default:
			decorators = append(decorators, v)
		}
	}
	if body == nil {
		r.reg.mu.Lock()
		r.reg.addError(fmt.Sprintf("%s: check %q has no body", loc, key))
		r.reg.mu.Unlock()
		return
	}
	meta, ok := r.reg.register(r.catalog, key, title, topics, loc)
	if !ok {
		return
	}
	level := meta.Level
	decorators = append(decorators, Label(catalogLabels(meta)...), SpecTimeout(r.cfg.CheckTimeout), loc)
	decorators = append(decorators, func(sctx SpecContext) {
		if r.cfg.Claim != nil {
			if mine, unit := r.cfg.Claim(key); !mine {
				AddReportEntry(checkmeta.EntryElsewhere, unit, ReportEntryVisibilityNever)
				Skip("run by another worker of this parallel run")
			}
		}
		if stop := r.health.stopped(); stop != nil {
			notRun(stop.Key, stop.Reason)
		}
		ctx := r.beginCheck(sctx, key, level)
		DeferCleanup(ctx.st.finish)
		// A failed check may have been the server's last: look before the
		// next check waits for it.
		DeferCleanup(func() {
			if CurrentSpecReport().Failed() {
				r.health.recordFindings(key, ctx.st.findings)
				r.checkServerAlive(key)
				switch stop := r.health.stopped(); {
				case stop == nil:
				case stop.Key == key:
					ctx.infof("%s: every later check is not run", stop.Reason)
				default:
					// The server went away during another check running
					// at the same time: the failure is that check's.
					AddReportEntry(EntryNotRun, stop.Key, ReportEntryVisibilityNever)
				}
			}
		})
		// Labels include those of the enclosing containers.
		if r.cfg.ReadOnly && hasLabel(CurrentSpecReport().Labels(), "write") {
			Skip("read-only mode: this check writes to the server")
		}
		ctx.need(needs...)
		values := harness.WithStalls(sctx, &r.health.stalls, key, judgesVerb(meta.ID), func(s harness.Stall) { ctx.st.stalled = &s })
		ctx.Context = checkContext{sctx, harness.WithGate(values, ctx.gateCommand)}
		run := func() { body(ctx) }
		if confirm {
			run = func() { ctx.confirmed(body) }
		}
		// The level is the RFC's keyword: a SHOULD that is not met warns,
		// a MAY informs; only --strict makes either fail.
		lenient := func(record func(string, ...any), format string) {
			if err := InterceptGomegaFailure(run); err != nil {
				// Not if the server died meanwhile: that is no finding of
				// this level.
				r.checkServerAlive(key)
				if stop := r.health.stopped(); stop != nil && stop.Key == key {
					Fail(stop.Reason + ": " + err.Error())
				}
				record(format, err)
			}
		}
		switch {
		case level == "SHOULD" && !r.cfg.Strict:
			lenient(ctx.warnf, "SHOULD-level requirement not met: %v")
		case level == "MAY" && !r.cfg.Strict:
			lenient(ctx.infof, "MAY-level behaviour not offered: %v")
		default:
			run()
		}
		// A command the gate held back leaves the check without its
		// observation, even when the check got over the error.
		if g := ctx.st.gated.Load(); g != nil {
			blocked(g.root, g.reason)
		}
	})
	It(checkmeta.Heading(key, title), decorators...)
}

// checkState is what the running check accumulates.
type checkState struct {
	key   string
	level string
	tr    *harness.Transcript
	// stalled is set when a command of this check was not sent because
	// the server is known not to answer it (harness.Stalls).
	stalled *harness.Stall
	// findings are the root causes the check is failing for (noteFinding).
	findings []string
	// gated is set (by any of the check's goroutines) when a command was
	// not sent because a prerequisite is broken: the check is blocked.
	gated atomic.Pointer[gatedBy]
}

// gatedBy is the check that blocks a command, and why.
type gatedBy struct{ root, reason string }

// gate records that a command of the check was blocked by root.
func (st *checkState) gate(root, reason string) {
	st.gated.CompareAndSwap(nil, &gatedBy{root, reason})
}

// Ctx is what a check body gets: the check's context (ginkgo's, with the
// run's values; it ends with the check), the run the check belongs to
// (configuration, server health, shared fixtures) and the check's own
// state (transcript, findings). Helpers take it as their first argument.
type Ctx struct {
	context.Context
	*Run
	st *checkState
}

// beginCheck starts the state of check key, of the given level.
func (r *Run) beginCheck(ctx context.Context, key, level string) *Ctx {
	st := &checkState{key: key, level: level, tr: harness.NewTranscript()}
	st.tr.AddSecret(r.cfg.Target.Password)
	return &Ctx{Context: ctx, Run: r, st: st}
}

func (st *checkState) finish() {
	if s := st.tr.String(); s != "" {
		AddReportEntry(EntryTranscript, s, ReportEntryVisibilityNever)
	}
}

// with returns the check's Ctx under another context (a shorter deadline,
// say): same run, same check.
func (c *Ctx) with(ctx context.Context) *Ctx {
	d := *c
	d.Context = ctx
	return &d
}

// key is the running check's key.
func (c *Ctx) key() string { return c.st.key }

// transcript returns the running check's transcript.
func (c *Ctx) transcript() *harness.Transcript { return c.st.tr }

// failure is a gomega matcher that always fails with a fixed message, so
// that check failures go through gomega (and can be intercepted for
// SHOULD-level checks) with a message that says exactly what was wrong.
// The failure's location is the caller of failf, warnf or must, and its
// stack trace runs outward from there: the reports pick the line of the
// check's own file from it.
type failure struct{ msg string }

func (f failure) Match(any) (bool, error)          { return false, nil }
func (f failure) FailureMessage(any) string        { return f.msg }
func (f failure) NegatedFailureMessage(any) string { return f.msg }

// failf fails the running check.
func (c *Ctx) failf(format string, args ...any) {
	c.blockedIfStalled()
	c.blockedByCause(args...)
	ExpectWithOffset(1, nil).To(failure{fmt.Sprintf(format, args...)})
}

// warnf records a tolerated deviation; with --strict it fails the check.
func (c *Ctx) warnf(format string, args ...any) {
	c.blockedIfStalled()
	msg := fmt.Sprintf(format, args...)
	if c.st.level == "MAY" && !c.cfg.Strict {
		// A MAY only informs, whatever the check found.
		c.infof("%s", msg)
		return
	}
	if c.cfg.Strict {
		ExpectWithOffset(1, nil).To(failure{msg + " (a warning, failed because of --strict)"})
		return
	}
	c.transcript().Notef("--", "WARNING: %s", msg)
	AddReportEntry(EntryWarning, msg, ReportEntryVisibilityNever)
}

// infof records an observation for the report.
func (c *Ctx) infof(format string, args ...any) {
	AddReportEntry(EntryInfo, fmt.Sprintf(format, args...), ReportEntryVisibilityNever)
}

// must fails the check if err is not nil, saying what was being done.
func (c *Ctx) must(err error, what string, args ...any) {
	if err != nil {
		c.blockedIfStalled()
		c.blockedByCause(err)
		ExpectWithOffset(1, nil).To(failure{fmt.Sprintf(what, args...) + ": " + err.Error()})
	}
}

// hasLabel reports whether labels contains l (case-insensitive).
func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if strings.EqualFold(x, l) {
			return true
		}
	}
	return false
}

// confirmed runs the body of a Confirm check: a failure is only a verdict
// when a second, independent attempt fails too. Attempts that disagree
// give a warning "inconsistent" with both observations, since nothing
// about the server is certain then.
func (ctx *Ctx) confirmed(body func(*Ctx)) {
	first := InterceptGomegaFailure(func() { body(ctx) })
	if first == nil {
		return
	}
	ctx.transcript().Notef("--", "first attempt failed (%v); a second, independent attempt follows", first)
	second := InterceptGomegaFailure(func() { body(ctx) })
	if second == nil {
		ctx.warnf("inconsistent: the first attempt found %v; a second, independent attempt found nothing wrong", first)
		return
	}
	if second.Error() == first.Error() {
		ctx.failf("%v (seen in two independent attempts)", first)
	}
	ctx.failf("%v; a second, independent attempt found: %v", first, second)
}

// checkContext is the context a check body runs under: ginkgo's, with the
// run's values (harness.WithStalls) added.
type checkContext struct {
	SpecContext
	values context.Context
}

func (c checkContext) Value(key any) any { return c.values.Value(key) }

// everyCommand are the requirements whose checks send many commands to
// judge each of them: a stalled command is their finding, not a
// prerequisite.
var everyCommand = []string{"RFC1123-4.1.2.13-MIN-COMMANDS", "RFC959-4.2-EVERY-COMMAND-REPLY", "RFC959-5.4-ALTERNATING"}

// judgesVerb tells which verbs a check exists to judge: those its
// requirement ID names ("RFC959-4.1.3-NOOP" judges NOOP), or all of them.
func judgesVerb(id string) func(string) bool {
	all := slices.Contains(everyCommand, id)
	words := strings.Split(id, "-")
	return func(verb string) bool { return all || slices.Contains(words, verb) }
}

// blockedIfStalled turns the failure the running check is about to report
// into "blocked" when a command of it was not sent because it stalled in
// an earlier check: that check failed for it already.
func (c *Ctx) blockedIfStalled() {
	if g := c.st.gated.Load(); g != nil {
		blocked(g.root, g.reason)
	}
	if c.st.stalled == nil || c.st.stalled.Check == c.st.key {
		return
	}
	s := c.st.stalled
	blocked(s.Check, fmt.Sprintf("%s got no reply during %s (also in a fresh session), so it was not sent again", s.Line, s.Check))
}
