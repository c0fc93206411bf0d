package main

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/suites"
)

// TestListRegistryMatchesSpecs holds the registry that list and coverage
// read to ginkgo's own view of the specs: the same checks in the same
// order, each with the labels, place and text of its spec, and the level,
// RFC and section of its requirement. A preview runs no check and calls
// none of the hooks of a run.
func TestListRegistryMatchesSpecs(t *testing.T) {
	var hooks int
	run := suites.New(suites.Config{
		OnCheckDone: func(types.SpecReport) { hooks++ },
		OnSuiteDone: func(types.Report) { hooks++ },
	})

	checks, err := run.Checks()
	if err != nil {
		t.Fatal(err)
	}
	suiteConfig, _ := ginkgo.GinkgoConfiguration()
	suiteConfig.RandomSeed = 1
	report := ginkgo.PreviewSpecs("ftpconform", suiteConfig)
	if hooks != 0 {
		t.Errorf("a preview called the run's hooks %d times", hooks)
	}

	var specs []types.SpecReport
	for _, s := range report.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			specs = append(specs, s)
		}
	}
	if len(checks) != len(specs) || len(checks) < 200 {
		t.Fatalf("%d checks in the registry, %d specs", len(checks), len(specs))
	}
	for i, s := range specs {
		c := checks[i]
		if want := checkmeta.Heading(c.Key, c.Title); s.LeafNodeText != want {
			t.Errorf("spec %d is %q, the registry's check %d is %q", i, s.LeafNodeText, i, want)
			continue
		}
		if !slices.Equal(c.Labels, s.Labels()) {
			t.Errorf("%s: registry labels %q, spec labels %q", c.Key, c.Labels, s.Labels())
		}
		if c.Location.File != s.LeafNodeLocation.FileName || c.Location.Line != s.LeafNodeLocation.LineNumber {
			t.Errorf("%s: registered at %s, spec at %s", c.Key, c.Location, s.LeafNodeLocation)
		}
		req, ok := checkmeta.Lookup(c.ID)
		if !ok || c.Level != req.Level || c.RFC != req.RFC || c.Section != req.Section {
			t.Errorf("%s: level %q, RFC %q, section %q; the catalog has %+v", c.Key, c.Level, c.RFC, c.Section, req)
		}
	}
}

// TestListLabelFilter runs `list --json --label-filter`: the filter
// selects on every label of a check, the containers' included.
func TestListLabelFilter(t *testing.T) {
	list := func(args ...string) []listedCheck {
		t.Helper()
		out, err := exec.Command(binary(t), append([]string{"list", "--json"}, args...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		var checks []listedCheck
		if err := json.Unmarshal(out, &checks); err != nil {
			t.Fatal(err)
		}
		return checks
	}
	all := list()
	some := list("--label-filter", "SHOULD && pasv")
	if len(some) == 0 || len(some) >= len(all) {
		t.Fatalf("the filter selected %d of %d checks", len(some), len(all))
	}
	for _, c := range some {
		if c.Level != "SHOULD" || !slices.Contains(c.Labels, "pasv") {
			t.Errorf("%s (%s, %q) does not match SHOULD && pasv", c.Key, c.Level, c.Labels)
		}
	}
	var want int
	for _, c := range all {
		if c.Level == "SHOULD" && slices.Contains(c.Labels, "pasv") {
			want++
		}
	}
	if len(some) != want {
		t.Errorf("the filter selected %d checks, want %d", len(some), want)
	}
	if none := list("--label-filter", "no-such-label"); none != nil {
		t.Errorf("a filter that matches nothing listed %d checks", len(none))
	}
}

// TestListSectionTree: a section label selects the checks of its
// subsections too ("rfc959:4" takes §4.1.3 and §4.2).
func TestListSectionTree(t *testing.T) {
	list := func(filter string) []listedCheck {
		t.Helper()
		out, err := exec.Command(binary(t), "list", "--json", "--label-filter", filter).Output()
		if err != nil {
			t.Fatal(err)
		}
		var checks []listedCheck
		if err := json.Unmarshal(out, &checks); err != nil {
			t.Fatal(err)
		}
		return checks
	}
	tree, leaf := list("rfc959:4"), list("rfc959:4.1.3")
	if len(leaf) == 0 || len(tree) <= len(leaf) {
		t.Fatalf("rfc959:4 selects %d checks, rfc959:4.1.3 %d", len(tree), len(leaf))
	}
	for _, c := range tree {
		req, _ := checkmeta.Lookup(c.ID)
		if req.RFC != "rfc959" || (req.Section != "4" && !strings.HasPrefix(req.Section, "4.")) {
			t.Errorf("%s (%s §%s) is not in the tree of rfc959:4", c.Key, req.RFC, req.Section)
		}
	}
}
