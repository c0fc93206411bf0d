package suites

import (
	"net/netip"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/harness"
	"github.com/ftpconform/ftpconform/harness/script"
)

// Config is what the checks need to know about the run.
type Config struct {
	Target harness.Target

	// Strict turns SHOULD-level findings and tolerated deviations into
	// failures.
	Strict bool
	// ReadOnly skips every check labelled "write".
	ReadOnly bool
	// RequireTLS is the operator's policy that the server refuses logins
	// and data in clear (POLICY-TLS-REQUIRED-*).
	RequireTLS bool
	// Insecure says the operator asked not to verify the server's
	// certificate: its check only informs. (Target.Insecure is also set
	// when the preflight found that the certificate does not verify: the
	// run goes on without verification, and the check reports it.)
	Insecure bool
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

	// Scripts are the user's scripted scenarios (run --scripts): each is
	// a check of the run. Validate them with ScenarioCatalog first.
	Scripts []*script.Script

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

	// OnSuiteStart, if set, is called before the first check with the
	// number of checks the run will run (progress display).
	OnSuiteStart func(willRun int)
	// OnCheckStart, if set, is called with a check's key when it starts
	// (not for checks the filter left out; progress display).
	OnCheckStart func(key string)
	// OnCheckDone, if set, is called after every check (progress display).
	OnCheckDone func(types.SpecReport)
	// OnSuiteDone, if set, receives the whole report at the end of the
	// run, also when the run failed or was interrupted.
	OnSuiteDone func(types.Report)
}
