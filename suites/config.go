package suites

import (
	"net/netip"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
)

// Config is what the checks need to know about the run.
type Config struct {
	Target harness.Target

	// Strict turns SHOULD-level findings and tolerated deviations into
	// failures.
	Strict bool
	// ReadOnly skips every check labelled "write".
	ReadOnly bool
	// CheckTimeout bounds each check (default 2 minutes).
	CheckTimeout time.Duration
	// Samples is how many passive ports the range checks sample (default 20).
	Samples int
	// SecondAddress is a local address the server sees as a different
	// client (for bounce and port-stealing checks). Default: 127.0.0.2
	// when the target is on IPv4 loopback.
	SecondAddress netip.Addr
	// ExpectActiveSourcePort is the source port the operator expects the
	// server's active-mode connections to come from (policy); 0 means no
	// expectation, ActiveSourceL1 the control port minus one.
	ExpectActiveSourcePort int

	// Facts are the preflight's findings: what the checks can rely on.
	// Nil means no preflight ran; then nothing is blocked.
	Facts *harness.Facts
	// Halted, if set, is why the run cannot start (the preflight failed:
	// not FTP, credentials refused): every check is reported as not run
	// with this reason, and nothing is sent to the server.
	Halted string

	// Journal, if set, is where the run's health facts are settled (the
	// check during which the server stopped answering, the commands it
	// never answers, ...): the worker processes of a parallel run share
	// one. Nil: a journal of this run only.
	Journal *harness.Journal

	// Claim, if set, is asked before each check whether this process runs
	// it: the workers of a parallel run share their checks out as they go
	// (a worker that says no reports the check as run elsewhere).
	Claim func(key string) (mine bool, unit string)

	// OnCheckDone, if set, is called after every check (progress display).
	OnCheckDone func(types.SpecReport)
	// OnSuiteDone, if set, receives the whole report at the end of the
	// run, also when the run failed or was interrupted.
	OnSuiteDone func(types.Report)

	health *runHealth
}

var cfg = Config{}

// Configure sets the run's configuration; call it before running the specs.
func Configure(c Config) {
	// Checks fail through gomega (so SHOULD-level failures can be turned
	// into warnings); route its failures to ginkgo.
	gomega.RegisterFailHandler(ginkgo.Fail)
	c.Target = c.Target.WithDefaults()
	if c.CheckTimeout <= 0 {
		c.CheckTimeout = 2 * time.Minute
	}
	if c.Samples <= 0 {
		c.Samples = 20
	}
	if !c.SecondAddress.IsValid() {
		if a, err := netip.ParseAddr(c.Target.Host); err == nil && a.Unmap().Is4() && a.IsLoopback() {
			c.SecondAddress = netip.AddrFrom4([4]byte{127, 0, 0, 2})
			if a.Unmap() == c.SecondAddress {
				c.SecondAddress = netip.AddrFrom4([4]byte{127, 0, 0, 3})
			}
		}
	}
	c.health = newRunHealth(c.Journal)
	if c.Halted != "" {
		c.health.setStop(checkmeta.PreflightKey, c.Halted)
	}
	cfg = c
}

// CurrentConfig returns the configuration in force.
func CurrentConfig() Config { return cfg }
