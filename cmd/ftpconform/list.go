package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/reports"
	"github.com/ftpconform/ftpconform/suites"
)

// listedCheck is one line of "ftpconform list".
type listedCheck struct {
	Key    string   `json:"key"`
	ID     string   `json:"id"`
	Level  string   `json:"level"`
	Labels []string `json:"labels"`
	Title  string   `json:"title"`
}

func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	filter := fs.String("label-filter", "", "list only checks matching this ginkgo label expression")
	asJSON := fs.Bool("json", false, "print JSON instead of one line per check")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("list: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("list: unexpected argument %q", fs.Arg(0))
	}
	if *filter != "" {
		if _, err := types.ParseLabelFilter(*filter); err != nil {
			return usagef("list: --label-filter: %v", err)
		}
	}
	checks, err := previewChecks(*filter)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(checks)
	}
	for _, c := range checks {
		fmt.Fprintf(stdout, "%-48s %-6s %-40s %s\n", c.Key, c.Level, strings.Join(c.Labels, ","), c.Title)
	}
	fmt.Fprintf(stdout, "%d checks\n", len(checks))
	return nil
}

// previewChecks lists the registered checks without running them.
func previewChecks(filter string) ([]listedCheck, error) {
	suiteConfig, _ := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = filter
	// A fixed seed: the same checks run in the same order every time.
	suiteConfig.RandomSeed = 1
	report := ginkgo.PreviewSpecs("ftpconform", suiteConfig)
	if errs := suites.RegistryErrors(); len(errs) > 0 {
		return nil, fmt.Errorf("check registry:\n  %s", strings.Join(errs, "\n  "))
	}
	var out []listedCheck
	for _, s := range report.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		c := reports.CheckFromSpec(s, suiteConfig)
		if c.Verdict == reports.VerdictFiltered || c.Key == reports.SuiteKey {
			continue
		}
		out = append(out, listedCheck{Key: c.Key, ID: c.ID, Level: c.Level, Labels: topicLabels(c), Title: c.Title})
	}
	return out, nil
}

// topicLabels drops the labels that repeat the ID and level.
func topicLabels(c reports.Check) []string {
	var out []string
	for _, l := range c.Labels {
		if l != c.ID && l != c.Level {
			out = append(out, l)
		}
	}
	return out
}
