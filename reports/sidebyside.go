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
	Label   string
	Target  string
	Failed  bool
	Verdict map[string]sideCell // by check key
}

type sideCell struct {
	Verdict Verdict
	Message string
}

// ReadSideRun reads a JSON report (WriteJSON) as a column labelled label
// (the report's target when label is empty).
func ReadSideRun(r io.Reader, label string) (SideRun, []SideCheck, error) {
	var doc struct {
		Format string `json:"format"`
		Target string `json:"target"`
		Failed bool   `json:"failed"`
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
	run := SideRun{Label: label, Target: doc.Target, Failed: doc.Failed, Verdict: map[string]sideCell{}}
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
	"cell": func(r SideRun, key string) sideCell {
		if c, ok := r.Verdict[key]; ok {
			return c
		}
		return sideCell{Verdict: "absent"}
	},
}).Parse(sideTemplateText))

// WriteSideBySide writes the runs as one HTML page: a row per check (in
// the order the runs first name them), a column per run, each cell the
// check's verdict there with its message on hover. Rows where the runs
// disagree are marked.
func WriteSideBySide(w io.Writer, runs []SideRun, checks []SideCheck) error {
	type row struct {
		SideCheck
		Differ bool
	}
	var rows []row
	seen := map[string]bool{}
	for _, c := range checks {
		if seen[c.Key] {
			continue
		}
		seen[c.Key] = true
		r := row{SideCheck: SideCheck{Key: displayText(c.Key), Title: displayText(c.Title), Level: displayText(c.Level), RFC: displayText(c.RFC)}}
		var first Verdict
		for i, run := range runs {
			v := run.Verdict[c.Key].Verdict
			if i == 0 {
				first = v
			} else if v != first {
				r.Differ = true
			}
		}
		rows = append(rows, r)
	}
	for i := range runs {
		runs[i].Label = displayText(runs[i].Label)
		for k, c := range runs[i].Verdict {
			c.Message = displayText(c.Message)
			runs[i].Verdict[k] = c
		}
	}
	differ := 0
	for _, r := range rows {
		if r.Differ {
			differ++
		}
	}
	return sideTemplate.Execute(w, struct {
		Runs   []SideRun
		Rows   []row
		Differ int
		Note   string
	}{runs, rows, differ, strings.TrimSpace(fmt.Sprintf("%d checks, %d runs", len(rows), len(runs)))})
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
	seen := map[string]bool{}
	same := 0
	for _, c := range checks {
		if seen[c.Key] {
			continue
		}
		seen[c.Key] = true
		interesting := false
		var first Verdict
		for i, r := range runs {
			v := r.Verdict[c.Key].Verdict
			if i == 0 {
				first = v
			}
			if v != first || v == VerdictFailed || v == VerdictWarned {
				interesting = true
			}
		}
		if !interesting {
			same++
			continue
		}
		fmt.Fprintf(&b, "| %s | %s |", mdText(c.Key), mdText(c.Level))
		for _, r := range runs {
			v := r.Verdict[c.Key].Verdict
			if v == "" {
				v = "absent"
			}
			cell := string(v)
			if v == VerdictFailed {
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
