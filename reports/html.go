package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes the run as one self-contained HTML page: inline CSS, no
// scripts, no external resources. It shows the run's facts, the tables of
// counts by level and by RFC, and a row per check (filtered ones left out)
// coloured by verdict, with its message, warnings and info; the transcript
// folds away in a <details> element. html/template escapes everything, and
// server text is first stripped of characters HTML cannot show.
func WriteHTML(w io.Writer, r Run) error {
	counts := Count(r.Checks)
	page := htmlPage{
		Tool:     displayText(r.Tool),
		Version:  displayText(r.Version),
		Target:   displayText(r.Target),
		Duration: r.Duration.Round(time.Millisecond).String(),
		Failed:   r.Failed(),
		Total:    counts.Tally,
		Filtered: counts.Filtered,
	}
	if !r.Started.IsZero() {
		page.Started = r.Started.UTC().Format(time.RFC3339)
	}
	levels := htmlTable{Title: "Level"}
	for _, l := range levelOrder(counts.ByLevel) {
		name := levelName(l)
		levels.Rows = append(levels.Rows, htmlRow{Name: displayText(name), Tally: counts.ByLevel[l]})
	}
	rfcs := htmlTable{Title: "RFC"}
	for _, g := range rfcOrder(mapKeys(counts.ByRFC)) {
		rfcs.Rows = append(rfcs.Rows, htmlRow{Name: displayText(g), Tally: counts.ByRFC[g]})
	}
	rfcs.Rows = append(rfcs.Rows, htmlRow{Name: "Total", Tally: counts.Tally, Total: true})
	page.Tables = []htmlTable{levels, rfcs}
	for _, c := range r.reported() {
		hc := htmlCheck{
			Verdict:    string(c.Verdict),
			Key:        displayText(c.Key),
			Title:      displayText(c.Title),
			Level:      displayText(c.Level),
			RFC:        displayText(c.RFC),
			Section:    displayText(c.Section),
			Message:    displayText(c.Message),
			Location:   displayText(c.Location),
			Transcript: displayText(c.Transcript),
			Duration:   fmt.Sprintf("%.2fs", c.Duration.Seconds()),
		}
		for _, s := range c.Warnings {
			hc.Warnings = append(hc.Warnings, displayText(s))
		}
		for _, s := range c.Info {
			hc.Info = append(hc.Info, displayText(s))
		}
		page.Checks = append(page.Checks, hc)
	}
	return htmlTemplate.Execute(w, page)
}

type htmlPage struct {
	Tool, Version, Target, Started, Duration string
	Failed                                   bool
	Total                                    Tally
	Filtered                                 int
	Tables                                   []htmlTable
	Checks                                   []htmlCheck
}

type htmlTable struct {
	Title string
	Rows  []htmlRow
}

type htmlRow struct {
	Name  string
	Tally Tally
	Total bool
}

type htmlCheck struct {
	Verdict, Key, Title, Level, RFC, Section string
	Message, Location, Transcript, Duration  string
	Warnings, Info                           []string
}
