package suites

import (
	"context"
	"strings"
	"sync"

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

var loginProbe struct {
	selectOnce sync.Once
	once       sync.Once
	done       chan struct{}
	res        loginProbeResult
	// consumers are the label sets of the checks that read the probe;
	// anonConsumers those that need the anonymous login.
	consumers, anonConsumers [][]string
}

// probeCheck registers a check that reads the shared login probe.
func probeCheck(key, title string, topics []string, anon bool, body func(SpecContext)) {
	id, _, _ := strings.Cut(key, "/")
	rfc, section := rfcAndSection(id)
	labels := append([]string{id, rfc, section, catalog[id].Level}, topics...)
	for _, l := range CurrentTreeConstructionNodeReport().ContainerHierarchyLabels {
		labels = append(labels, l...)
	}
	loginProbe.consumers = append(loginProbe.consumers, labels)
	if anon {
		loginProbe.anonConsumers = append(loginProbe.anonConsumers, labels)
	}
	// The label lets a parallel run start these checks first, beside the
	// Serial ones: they wait for the probe, which takes seconds.
	Check(key, title, Label(append(topics, LabelLoginProbe)...), body)
}

// LabelLoginProbe marks the checks that judge the shared login probe.
const LabelLoginProbe = "login-probe"

// The probe starts before the first check of the run, whatever its order.
var _ = BeforeEach(func() {
	if cfg.health.stopped() != nil {
		return // the run stopped (or never started): no more logins
	}
	loginProbe.selectOnce.Do(func() {
		match := func([]string) bool { return true }
		if f := GinkgoLabelFilter(); f != "" {
			if lf, err := types.ParseLabelFilter(f); err == nil {
				match = func(l []string) bool { return lf(l) }
			}
		}
		for _, l := range loginProbe.consumers {
			if match(l) {
				startLoginProbe(anonSelected(match))
				return
			}
		}
	})
})

func anonSelected(match func([]string) bool) bool {
	if cfg.ReadOnly {
		return false
	}
	for _, l := range loginProbe.anonConsumers {
		if match(l) {
			return true
		}
	}
	return false
}

func startLoginProbe(anon bool) {
	loginProbe.once.Do(func() {
		loginProbe.done = make(chan struct{})
		t := cfg.Target
		go func() {
			defer close(loginProbe.done)
			loginProbe.res = runLoginProbe(t, anon)
		}()
	})
}

// awaitLoginProbe waits for the shared probe (starting it if no earlier
// check did) and attaches its transcript to the running check.
func awaitLoginProbe(ctx context.Context) *loginProbeResult {
	startLoginProbe(!cfg.ReadOnly)
	select {
	case <-loginProbe.done:
	case <-ctx.Done():
		failf("interrupted while waiting for the login probe (wrong passwords on three parallel connections): %v", ctx.Err())
		return nil
	}
	res := &loginProbe.res
	AddReportEntry(EntryTranscript, "shared login probe, run once for every check of failed logins:\n"+res.tr.String(), ReportEntryVisibilityNever)
	return res
}

func runLoginProbe(t harness.Target, anon bool) loginProbeResult {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.CheckTimeout)
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
