package suites

import (
	"context"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the checks of failed logins and account names (RFC 2577 §5,
// §7, §9). Wrong passwords cost time, so the checks that judge them share
// one harness.ProbeLogins, which starts in the background before the
// first check of the run (only if one of those checks is selected), so
// that its delays overlap the other checks.

// loginProbeResult is the shared probe with the transcript of its
// connections.
type loginProbeResult struct {
	harness.LoginProbe
	tr *harness.Transcript
}

// loginProbe is the run's shared probe of failed logins, a fixture of
// the checks that read it.
type loginProbe struct {
	selectOnce sync.Once
	once       sync.Once
	done       chan struct{}
	res        loginProbeResult
	// consumers are the label sets of the checks that read the probe;
	// anonConsumers those that need the anonymous login.
	consumers, anonConsumers [][]string
}

// probeCheck registers a check that reads the shared login probe.
func (r *Run) probeCheck(key, title string, topics []string, anon bool, body func(*Ctx)) {
	id, _, _ := strings.Cut(key, "/")
	rfc, section := r.rfcAndSection(id)
	labels := append([]string{id, rfc, section, r.catalog[id].Level}, topics...)
	for _, l := range CurrentTreeConstructionNodeReport().ContainerHierarchyLabels {
		labels = append(labels, l...)
	}
	r.probe.consumers = append(r.probe.consumers, labels)
	if anon {
		r.probe.anonConsumers = append(r.probe.anonConsumers, labels)
	}
	// The label lets a parallel run start these checks first, beside the
	// Serial ones: they wait for the probe, which takes seconds.
	r.check(types.NewCodeLocation(1), key, title, Label(append(topics, LabelLoginProbe)...), body)
}

// LabelLoginProbe marks the checks that judge the shared login probe.
const LabelLoginProbe = "login-probe"

// startProbeIfSelected starts the probe, before the first check of the
// run, when a check that reads it is selected.
func (r *Run) startProbeIfSelected() {
	if r.health.stopped() != nil {
		return // the run stopped (or never started): no more logins
	}
	r.probe.selectOnce.Do(func() {
		match := func([]string) bool { return true }
		if f := GinkgoLabelFilter(); f != "" {
			if lf, err := types.ParseLabelFilter(f); err == nil {
				match = func(l []string) bool { return lf(l) }
			}
		}
		for _, l := range r.probe.consumers {
			if match(l) {
				r.startLoginProbe(r.anonSelected(match))
				return
			}
		}
	})
}

func (r *Run) anonSelected(match func([]string) bool) bool {
	if r.cfg.ReadOnly {
		return false
	}
	for _, l := range r.probe.anonConsumers {
		if match(l) {
			return true
		}
	}
	return false
}

func (r *Run) startLoginProbe(anon bool) {
	r.probe.once.Do(func() {
		r.probe.done = make(chan struct{})
		go func() {
			defer close(r.probe.done)
			r.probe.res = runLoginProbe(r.cfg.Target, r.cfg.CheckTimeout, anon)
		}()
	})
}

// awaitLoginProbe waits for the shared probe (starting it if no earlier
// check did) and attaches its transcript to the running check.
func (ctx *Ctx) awaitLoginProbe() *loginProbeResult {
	ctx.startLoginProbe(!ctx.cfg.ReadOnly)
	select {
	case <-ctx.probe.done:
	case <-ctx.Done():
		ctx.failf("interrupted while waiting for the login probe (wrong passwords on three parallel connections): %v", ctx.Err())
		return nil
	}
	res := &ctx.probe.res
	AddReportEntry(EntryTranscript, "shared login probe, run once for every check of failed logins:\n"+res.tr.String(), ReportEntryVisibilityNever)
	return res
}

func runLoginProbe(t harness.Target, timeout time.Duration, anon bool) loginProbeResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := loginProbeResult{tr: harness.NewTranscript()}
	res.tr.AddSecret(t.Password)
	res.LoginProbe = harness.ProbeLogins(ctx, t, res.tr, anon)
	return res
}

// sameText compares reply texts after replacing the names a server may
// echo with a placeholder.
func sameText(a, b *harness.Reply, names ...string) bool {
	norm := func(r *harness.Reply) string {
		s := r.Message()
		for _, n := range names {
			if n != "" {
				s = strings.ReplaceAll(s, n, "<name>")
			}
		}
		return s
	}
	return norm(a) == norm(b)
}
