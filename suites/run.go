package suites

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// Run is one run of the checks against one target: its configuration,
// the server's health as the run sees it, the fixtures its checks share
// (the cleanup session, the RFC 2577 login probe) and the registry of its
// checks. Every check body reaches it through the Ctx it is given; the
// package keeps no state of its own.
type Run struct {
	cfg     Config
	health  *runHealth
	cleaner janitor
	probe   loginProbe
	reg     registry
	// catalog is the requirements the run's checks may name.
	catalog checkmeta.Catalog
}

// New prepares a run with c (defaults filled in) and builds ginkgo's spec
// tree for it: every check of the package, bound to this run, and the
// hooks that hand results to c's callbacks. Ginkgo keeps one spec tree per
// process, so a process has one Run: New panics when called again. Call
// it before ginkgo.RunSpecs or PreviewSpecs (Checks previews).
func New(c Config) *Run {
	if !built.CompareAndSwap(false, true) {
		panic("suites.New called twice: ginkgo keeps one spec tree per process")
	}
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
	r := &Run{cfg: c, health: newRunHealth(c.Journal), catalog: checkmeta.Builtin()}
	r.reg.init()
	if len(c.Scripts) > 0 {
		cat, err := ScenarioCatalog(c.Scripts)
		if err != nil {
			// The caller should have validated them: every scenario
			// then fails to register, with the reason.
			r.reg.addError("scripted scenarios: " + err.Error())
		} else {
			r.catalog = cat
		}
	}
	if c.Halted != "" {
		r.health.setStop(checkmeta.PreflightKey, c.Halted)
	}
	r.buildTree()
	return r
}

// built guards New: ginkgo's spec tree is the process's, not the run's.
var built atomic.Bool

// Config returns the run's configuration, defaults filled in.
func (r *Run) Config() Config { return r.cfg }

// An area is a top-level container of checks, declared by a spec file
// with describe while the package initialises; its body runs when a Run
// builds its spec tree, with that run.
type area struct {
	text       string
	decorators []any
	body       func(*Run)
}

// areas are the spec files' containers, in declaration order. describe
// appends to it during package initialisation only: afterwards it is a
// constant table, like a command table.
var areas []area

// describe declares a top-level container of checks: ginkgo's Describe
// with a body that gets the run it is built for. Call it in a package
// level var declaration of a spec file.
func describe(text string, args ...any) bool {
	a := area{text: text}
	for _, x := range args {
		if f, ok := x.(func(*Run)); ok {
			a.body = f
			continue
		}
		a.decorators = append(a.decorators, x)
	}
	a.decorators = append(a.decorators, types.NewCodeLocation(1))
	areas = append(areas, a)
	return true
}

// buildTree declares the run's containers and hooks to ginkgo.
func (r *Run) buildTree() {
	for _, a := range areas {
		body := a.body
		Describe(a.text, append(a.decorators, func() { body(r) })...)
	}
	r.scenarioChecks()
	// The login probe starts before the first check of the run, whatever
	// its order, so that its delays overlap the other checks.
	BeforeEach(r.startProbeIfSelected)
	// Hand results to the CLI while the run goes on and at its end. A
	// preview (Checks) runs the hooks too, as a dry run: it has no
	// results.
	ReportBeforeSuite(func(rep Report) {
		if !rep.SuiteConfig.DryRun && r.cfg.OnSuiteStart != nil {
			r.cfg.OnSuiteStart(rep.PreRunStats.SpecsThatWillRun)
		}
	})
	ReportBeforeEach(func(s SpecReport) {
		if suiteConfig, _ := GinkgoConfiguration(); suiteConfig.DryRun || s.State == types.SpecStateSkipped {
			return
		}
		if key, _, ok := checkmeta.ParseHeading(s.LeafNodeText); ok && r.cfg.OnCheckStart != nil {
			r.cfg.OnCheckStart(key)
		}
	})
	ReportAfterEach(func(s SpecReport) {
		if suiteConfig, _ := GinkgoConfiguration(); suiteConfig.DryRun {
			return
		}
		if r.cfg.OnCheckDone != nil {
			r.cfg.OnCheckDone(s)
		}
	})
	ReportAfterSuite("ftpconform report", func(rep Report) {
		r.cleaner.close()
		if rep.SuiteConfig.DryRun {
			return
		}
		if r.cfg.OnSuiteDone != nil {
			r.cfg.OnSuiteDone(rep)
		}
	})
}
