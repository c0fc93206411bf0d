package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness/script"
	"github.com/ftpconform/ftpconform/suites"
)

// scenarios are the user's scripted scenarios of a run (--scripts DIR)
// and the catalog their checks name: loaded and validated once, before
// anything is sent.
type scenarios struct {
	scripts []*script.Script
	catalog checkmeta.Catalog // nil: the builtin catalog
}

// loadScenarios reads every *.ftp under the directories and validates
// them, alone and together (keys, titles, levels against the catalog).
// The error lists every problem as file:line: what is wrong.
func loadScenarios(dirs []string) (scenarios, error) {
	var all []*script.Script
	var problems script.ErrorList
	for _, d := range dirs {
		ss, err := script.LoadDir(d)
		var list script.ErrorList
		switch {
		case errors.As(err, &list):
			problems = append(problems, list...)
		case err != nil:
			return scenarios{}, fmt.Errorf("--scripts %s: %w", d, err)
		}
		all = append(all, ss...)
	}
	if len(problems) > 0 {
		return scenarios{}, problems
	}
	if len(all) == 0 {
		return scenarios{}, nil
	}
	cat, err := suites.ScenarioCatalog(all)
	if err != nil {
		return scenarios{}, err
	}
	return scenarios{scripts: all, catalog: cat}, nil
}

// cmdCheckScripts validates scripted scenarios without a target: exit 0
// and one line per scenario when all are good, 2 and every problem as
// file:line otherwise.
func cmdCheckScripts(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-scripts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ftpconform check-scripts DIR...\n\nValidate the scripted scenarios (*.ftp) under each DIR without a target: every problem is printed as file:line: what is wrong (exit 2).")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("check-scripts: %v", err)
	}
	if fs.NArg() == 0 {
		return usagef("check-scripts: name at least one directory of scenarios")
	}
	sc, err := loadScenarios(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return usagef("check-scripts: the scenarios have errors")
	}
	for _, s := range sc.scripts {
		req, _ := sc.catalog.Lookup(s.ID)
		fmt.Fprintf(stdout, "%-48s %-6s %s  (%s)\n", s.Key(), req.Level, s.Title, s.File)
	}
	fmt.Fprintf(stdout, "%d scenarios, no errors\n", len(sc.scripts))
	return nil
}
