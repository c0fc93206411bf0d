package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness/script"
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
	var scriptDirs multiFlag
	fs.Var(&scriptDirs, "scripts", "list the scripted scenarios (*.ftp) under `DIR` too (docs/scripts.md); repeatable")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("list: %v", err)
	}
	if fs.NArg() > 0 {
		return usagef("list: unexpected argument %q", fs.Arg(0))
	}
	sc, err := loadScenarios(scriptDirs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return usagef("list: --scripts: the scenarios have errors")
	}
	registered, err := registeredChecks(*filter, sc.scripts)
	if err != nil {
		return err
	}
	var checks []listedCheck
	for _, c := range registered {
		checks = append(checks, listed(c))
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

// registeredChecks lists the registered checks the label filter selects,
// in the order of suites.Run.Checks.
func registeredChecks(filter string, scripts []*script.Script) ([]checkmeta.Check, error) {
	selects := func([]string) bool { return true }
	if filter != "" {
		f, err := types.ParseLabelFilter(filter)
		if err != nil {
			return nil, usagef("list: --label-filter: %s", withoutANSI(err.Error()))
		}
		selects = f
	}
	checks, err := suites.New(suites.Config{Scripts: scripts}).Checks()
	if err != nil {
		return nil, err
	}
	var out []checkmeta.Check
	for _, c := range checks {
		if selects(c.Labels) {
			out = append(out, c)
		}
	}
	return out, nil
}

// listed is how "ftpconform list" shows a check: its labels without
// those that repeat the ID and level.
func listed(c checkmeta.Check) listedCheck {
	var topics []string
	for _, l := range c.Labels {
		if l != c.ID && l != c.Level {
			topics = append(topics, l)
		}
	}
	return listedCheck{Key: c.Key, ID: c.ID, Level: c.Level, Labels: topics, Title: c.Title}
}
