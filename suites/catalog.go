package suites

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// rfcAndSection gives the RFC label ("rfc959", "policy") and the section
// label ("rfc959:4.2.1"; "" when there is no section) of a requirement of
// the run's catalog.
func (r *Run) rfcAndSection(id string) (rfc, section string) {
	req := r.catalog[id]
	return req.RFC, sectionLabel(req.RFC, req.Section)
}

// Catalog is the requirements the run's checks may name: checkmeta's
// builtin catalog, with the own requirements of the run's scripted
// scenarios. The reports take levels, RFCs and sections from it.
func (r *Run) Catalog() checkmeta.Catalog { return maps.Clone(r.catalog) }

// sectionLabel is the label of a section of a document, "rfc959:4.2.1",
// or "" when there is no section.
func sectionLabel(rfc, section string) string {
	if section == "" {
		return ""
	}
	return rfc + ":" + section
}

// catalogLabels are the labels a check gets from its requirement: the
// ID, RFC, level and section, with every section above it ("rfc959:4",
// "rfc959:4.1" for a check of §4.1.3), so that a label filter on a section
// selects its whole tree.
func catalogLabels(c checkmeta.Check) []string {
	labels := []string{c.ID, c.RFC, c.Level}
	parts := strings.Split(c.Section, ".")
	for i := range parts {
		if s := sectionLabel(c.RFC, strings.Join(parts[:i+1], ".")); s != "" && !slices.Contains(labels, s) {
			labels = append(labels, s)
		}
	}
	return labels
}

// specLabels are the labels ginkgo gives a spec with the labels own,
// inside the container being built: the containers' labels first, then
// its own, each once.
func specLabels(own []string) []string {
	out := ginkgo.CurrentTreeConstructionNodeReport().Labels()
	for _, l := range own {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// registry holds the run's checks, filled by Check while ginkgo builds
// the spec tree (in RunSpecs or PreviewSpecs): byKey has every check's
// metadata by key, byTitle the key of every title (titles are unique
// too), errs the problems found on the way, order the keys in ginkgo's
// order once a preview took it.
type registry struct {
	mu      sync.Mutex
	byKey   map[string]checkmeta.Check
	byTitle map[string]string
	errs    []string

	orderOnce sync.Once
	order     []string
}

func (g *registry) init() {
	g.byKey = map[string]checkmeta.Check{}
	g.byTitle = map[string]string{}
}

// register records a check with its topic labels and returns its
// metadata; ok is false when the key is malformed or names no requirement
// of the catalog, and the check must not become a spec. It runs while
// ginkgo builds the container the check is in.
func (g *registry) register(catalog checkmeta.Catalog, key, title string, topics []string, loc types.CodeLocation) (c checkmeta.Check, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	where := loc.String()
	c, err := catalog.Describe(key, title)
	if err != nil {
		g.addError(where + ": " + err.Error())
		return c, false
	}
	c.Labels = specLabels(append(slices.Clone(topics), catalogLabels(c)...))
	c.Location = checkmeta.Location{File: loc.FileName, Line: loc.LineNumber}
	if prev, dup := g.byKey[key]; dup && prev.Location.String() != where {
		g.addError(fmt.Sprintf("%s: check key %q already used at %s", where, key, prev.Location))
	}
	g.byKey[key] = c
	if prev, dup := g.byTitle[title]; dup && prev != key {
		g.addError(fmt.Sprintf("%s: title %q already used by check %s", where, title, prev))
	}
	g.byTitle[title] = key
	return c, true
}

// addError records a problem once, however often the tree is built. The
// caller holds g.mu.
func (g *registry) addError(msg string) {
	if !slices.Contains(g.errs, msg) {
		g.errs = append(g.errs, msg)
	}
}

// RegistryErrors lists problems found while registering checks: unknown
// requirement IDs, malformed keys, duplicate keys or titles, checks
// without a body. Checks are registered when ginkgo builds the spec tree,
// so the list is empty before RunSpecs, PreviewSpecs or Checks.
func (r *Run) RegistryErrors() []string {
	r.reg.mu.Lock()
	defer r.reg.mu.Unlock()
	out := slices.Clone(r.reg.errs)
	sort.Strings(out)
	return out
}

// Checks returns the metadata of every registered check, in the order a
// run with random seed 1 takes them (ginkgo decides the order), which is
// the order `ftpconform list` shows. The error lists the registry's
// problems (RegistryErrors).
//
// The first call builds the spec tree with ginkgo.PreviewSpecs, a dry run
// that runs no check. Ginkgo keeps the configuration a preview is given
// (random seed 1): a RunSpecs after it must pass its own, as the CLI does.
func (r *Run) Checks() ([]checkmeta.Check, error) {
	order := r.specOrder()
	r.reg.mu.Lock()
	out := make([]checkmeta.Check, 0, len(order))
	for _, key := range order {
		if c, ok := r.reg.byKey[key]; ok {
			c.Labels = slices.Clone(c.Labels)
			out = append(out, c)
		}
	}
	r.reg.mu.Unlock()
	if errs := r.RegistryErrors(); len(errs) > 0 {
		return out, errors.New("check registry:\n  " + strings.Join(errs, "\n  "))
	}
	return out, nil
}

// specOrder returns the keys of the checks in the order of ginkgo's
// preview with random seed 1, building the spec tree on the first call.
func (r *Run) specOrder() []string {
	r.reg.orderOnce.Do(func() {
		suiteConfig, _ := ginkgo.GinkgoConfiguration()
		suiteConfig.LabelFilter = ""
		suiteConfig.RandomSeed = 1
		report := ginkgo.PreviewSpecs("ftpconform", suiteConfig)
		for _, s := range report.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt {
				continue
			}
			if key, _, ok := checkmeta.ParseHeading(s.LeafNodeText); ok {
				r.reg.order = append(r.reg.order, key)
			}
		}
	})
	return r.reg.order
}
