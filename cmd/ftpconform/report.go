package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftpconform/ftpconform/reports"
)

// cmdReport puts the JSON reports of several runs side by side (several
// servers, or several builds of one): one row per check, one column per
// run, as an HTML page, a Markdown table and a JSON document
// (reports.WriteSideBySideJSON).
func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	htmlOut := fs.String("html", "", "write the side-by-side page to `FILE`")
	mdOut := fs.String("md", "", "write the matrix as a Markdown table to `FILE` (default, when none of --html, --md and --json is given: Markdown on standard output)")
	jsonOut := fs.String("json", "", "write the matrix as JSON to `FILE`: the runs (label, target, totals) and, per check, each run's verdict and one-line reason")
	labels := fs.String("labels", "", "comma-separated column labels, one per report (default: each report's target)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: ftpconform report [--html FILE] [--md FILE] [--json FILE] [--labels A,B,...] REPORT.json REPORT.json ...

Puts the JSON reports of several runs (written with run --json) side by side
in one matrix: a row per check, a column per run, the checks whose verdicts
differ marked; as an HTML page, a Markdown table or a JSON document.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("report: %v", err)
	}
	files := fs.Args()
	if len(files) == 0 {
		return usagef("report: name at least one JSON report")
	}
	var names []string
	if *labels != "" {
		names = strings.Split(*labels, ",")
		if len(names) != len(files) {
			return usagef("report: --labels has %d labels for %d reports", len(names), len(files))
		}
	}
	var runs []reports.SideRun
	var checks []reports.SideCheck
	for i, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return usagef("report: %v", err)
		}
		label := ""
		if names != nil {
			label = strings.TrimSpace(names[i])
		}
		run, cs, err := reports.ReadSideRun(f, label)
		f.Close()
		if err != nil {
			return usagef("report: %s: %v", path, err)
		}
		runs, checks = append(runs, run), append(checks, cs...)
	}
	write := func(path string, fn func(io.Writer, []reports.SideRun, []reports.SideCheck) error) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := fn(f, runs, checks); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if *htmlOut == "" && *mdOut == "" && *jsonOut == "" {
		return reports.WriteSideBySideMarkdown(stdout, runs, checks)
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, []reports.SideRun, []reports.SideCheck) error
	}{{*htmlOut, reports.WriteSideBySide}, {*mdOut, reports.WriteSideBySideMarkdown}, {*jsonOut, reports.WriteSideBySideJSON}} {
		if out.path == "" {
			continue
		}
		if err := write(out.path, out.write); err != nil {
			return err
		}
	}
	return nil
}
