package reports

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Several runs side by side: one row per check, one column per run (a
// server, or a build of one), as Autobahn's agent matrix shows its
// agents. The runs are read back from their JSON reports.

// SideRun is one column: a run read from its JSON report, and the label
// its column carries.
type SideRun struct {
	Label       string
	Target      string
	Failed      bool
	Interrupted bool
	Stopped     string
	Counts      Tally               // the report's totals
	Verdict     map[string]sideCell // by check key
}

type sideCell struct {
	Verdict Verdict
	Message string
}

// ReadSideRun reads a JSON report (WriteJSON) as a column labelled label
// (the report's target when label is empty).
func ReadSideRun(r io.Reader, label string) (SideRun, []SideCheck, error) {
	var doc struct {
		Format      string `json:"format"`
		Target      string `json:"target"`
		Failed      bool   `json:"failed"`
		Interrupted bool   `json:"interrupted"`
		Stopped     string `json:"stopped"`
		Counts      struct {
			Passed, Failed, Warned, Skipped, Blocked int
			NotRun                                   int `json:"not_run"`
		} `json:"counts"`
		Checks []struct {
			Key, Title, Level, RFC, Message string
			Verdict                         Verdict
			Warnings                        []string
		} `json:"checks"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return SideRun{}, nil, fmt.Errorf("not a JSON report: %w", err)
	}
	if doc.Format != JSONFormat {
		return SideRun{}, nil, fmt.Errorf("not an ftpconform JSON report (format %q)", doc.Format)
	}
	if label == "" {
		label = doc.Target
	}
	n := doc.Counts
	run := SideRun{Label: label, Target: doc.Target, Failed: doc.Failed, Interrupted: doc.Interrupted, Stopped: doc.Stopped,
		Counts:  Tally{Passed: n.Passed, Failed: n.Failed, Warned: n.Warned, Skipped: n.Skipped, Blocked: n.Blocked, NotRun: n.NotRun},
		Verdict: map[string]sideCell{}}
	var checks []SideCheck
	for _, c := range doc.Checks {
		if c.Verdict == VerdictFiltered || c.Key == "" || c.Key == SuiteKey {
			continue
		}
		msg := c.Message
		if c.Verdict == VerdictWarned && len(c.Warnings) > 0 {
			msg = c.Warnings[0]
		}
		run.Verdict[c.Key] = sideCell{Verdict: c.Verdict, Message: firstLine(msg)}
		checks = append(checks, SideCheck{Key: c.Key, Title: c.Title, Level: c.Level, RFC: c.RFC})
	}
	return run, checks, nil
}

// SideCheck is a row: a check any of the runs has.
type SideCheck struct{ Key, Title, Level, RFC string }

//go:embed sidebyside.html.tmpl
var sideTemplateText string

var sideTemplate = template.Must(template.New("side").Funcs(template.FuncMap{
	"cell": func(r SideRun, key string) sideCell { return r.cell(key) },
}).Parse(sideTemplateText))

// sideRow is a row of the matrix: a check, and whether the runs give it
// different verdicts.
type sideRow struct {
	SideCheck
	Differ bool
}

// sideRows are the rows of the matrix: each check once, in the order the
// runs first name it.
func sideRows(runs []SideRun, checks []SideCheck) []sideRow {
	var rows []sideRow
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.Key] {
			continue
		}
		seen[c.Key] = true
		r := sideRow{SideCheck: c}
		for _, run := range runs[min(1, len(runs)):] {
			if run.cell(c.Key).Verdict != runs[0].cell(c.Key).Verdict {
				r.Differ = true
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// cell is the run's verdict on the check key: "absent" when the run does
// not have it.
func (r SideRun) cell(key string) sideCell {
	if c, ok := r.Verdict[key]; ok {
		return c
	}
	return sideCell{Verdict: verdictAbsent}
}

// verdictAbsent is the cell of a check a run does not have.
const verdictAbsent Verdict = "absent"

// WriteSideBySide writes the runs as one HTML page: a row per check (in
// the order the runs first name them), a column per run, each cell the
// check's verdict there with its message on hover. Rows where the runs
// disagree are marked.
func WriteSideBySide(w io.Writer, runs []SideRun, checks []SideCheck) error {
	rows := sideRows(runs, checks)
	differ := 0
	for i, r := range rows {
		rows[i].SideCheck = SideCheck{Key: displayText(r.Key), Title: displayText(r.Title), Level: displayText(r.Level), RFC: displayText(r.RFC)}
		if r.Differ {
			differ++
		}
	}
	shown := make([]SideRun, len(runs))
	for i, run := range runs {
		shown[i] = run
		shown[i].Label = displayText(run.Label)
		shown[i].Verdict = map[string]sideCell{}
		for _, r := range rows {
			c := run.cell(r.Key)
			c.Message = displayText(c.Message)
			shown[i].Verdict[r.Key] = c
		}
	}
	return sideTemplate.Execute(w, struct {
		Runs   []SideRun
		Rows   []sideRow
		Differ int
		Note   string
	}{shown, rows, differ, strings.TrimSpace(fmt.Sprintf("%d checks, %d runs", len(rows), len(runs)))})
}

// WriteSideBySideJSON writes the matrix as a JSON document, for tools:
//
//	{
//	  "format": "ftpconform-matrix",    // SideJSONFormat
//	  "format_version": 1,              // SideJSONVersion
//	  "runs": [                         // the columns, in the order given
//	    {"label": "vsftpd", "target": "ftp://conform@127.0.0.1:2121",
//	     "failed": true,                // the run was not conformant
//	     "interrupted": false, "stopped": "",
//	     "counts": {"passed": 300, "failed": 3, "warned": 5, "skipped": 40, "blocked": 2, "not_run": 0, "total": 350}}
//	  ],
//	  "checks": [                       // the rows: each check once, in the order the runs first name it
//	    {"key": "RFC959-4.1.3-NOOP", "title": "answers NOOP with 200", "level": "MUST", "rfc": "rfc959",
//	     "differ": true,                // the runs give it different verdicts
//	     "cells": [                     // one per run, in the order of "runs"
//	       {"verdict": "passed", "reason": ""},
//	       {"verdict": "failed", "reason": "NOOP: expected one of 200; got 500 \"?\""}
//	     ]}
//	  ],
//	  "differ": 12                      // how many checks have "differ": true
//	}
//
// A cell's verdict is one of the JSON report's (passed, failed, warned,
// skipped, blocked, not-run) or "absent" when that run does not have the
// check; its reason is the first line of the check's message (for a
// warned check, of its first warning), "" for a pass. Filtered checks and
// the SUITE pseudo-check are no rows. Every field is always present.
func WriteSideBySideJSON(w io.Writer, runs []SideRun, checks []SideCheck) error {
	doc := sideJSON{Format: SideJSONFormat, FormatVersion: SideJSONVersion, Runs: []sideJSONRun{}, Checks: []sideJSONCheck{}}
	for _, r := range runs {
		doc.Runs = append(doc.Runs, sideJSONRun{Label: utf8Text(r.Label), Target: utf8Text(r.Target), Failed: r.Failed,
			Interrupted: r.Interrupted, Stopped: utf8Text(r.Stopped), Counts: tallyJSON(r.Counts)})
	}
	for _, row := range sideRows(runs, checks) {
		c := sideJSONCheck{Key: utf8Text(row.Key), Title: utf8Text(row.Title), Level: utf8Text(row.Level), RFC: utf8Text(row.RFC),
			Differ: row.Differ, Cells: []sideJSONCell{}}
		for _, r := range runs {
			cell := r.cell(row.Key)
			c.Cells = append(c.Cells, sideJSONCell{Verdict: cell.Verdict, Reason: utf8Text(cell.Message)})
		}
		if row.Differ {
			doc.Differ++
		}
		doc.Checks = append(doc.Checks, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// SideJSONFormat and SideJSONVersion identify the matrix's JSON document
// (WriteSideBySideJSON); the version changes only when a field is removed
// or changes meaning.
const (
	SideJSONFormat  = "ftpconform-matrix"
	SideJSONVersion = 1
)

type sideJSON struct {
	Format        string          `json:"format"`
	FormatVersion int             `json:"format_version"`
	Runs          []sideJSONRun   `json:"runs"`
	Checks        []sideJSONCheck `json:"checks"`
	Differ        int             `json:"differ"`
}

type sideJSONRun struct {
	Label       string    `json:"label"`
	Target      string    `json:"target"`
	Failed      bool      `json:"failed"`
	Interrupted bool      `json:"interrupted"`
	Stopped     string    `json:"stopped"`
	Counts      jsonTally `json:"counts"`
}

type sideJSONCheck struct {
	Key    string         `json:"key"`
	Title  string         `json:"title"`
	Level  string         `json:"level"`
	RFC    string         `json:"rfc"`
	Differ bool           `json:"differ"`
	Cells  []sideJSONCell `json:"cells"`
}

type sideJSONCell struct {
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason"`
}

// WriteSideBySideMarkdown writes the same matrix as a Markdown table: a
// row per check whose verdicts differ between the runs or that failed or
// warned in any of them, then how many checks agree everywhere.
func WriteSideBySideMarkdown(w io.Writer, runs []SideRun, checks []SideCheck) error {
	var b strings.Builder
	b.WriteString("| check | level |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %s |", mdText(r.Label))
	}
	b.WriteString("\n|---|---|")
	for range runs {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	same := 0
	for _, row := range sideRows(runs, checks) {
		interesting := row.Differ
		for _, r := range runs {
			if v := r.cell(row.Key).Verdict; v == VerdictFailed || v == VerdictWarned {
				interesting = true
			}
		}
		if !interesting {
			same++
			continue
		}
		fmt.Fprintf(&b, "| %s | %s |", mdText(row.Key), mdText(row.Level))
		for _, r := range runs {
			cell := string(r.cell(row.Key).Verdict)
			if cell == string(VerdictFailed) {
				cell = "**failed**"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%d more checks have the same verdict in every run, none failed or warned.\n", same)
	_, err := io.WriteString(w, b.String())
	return err
}
