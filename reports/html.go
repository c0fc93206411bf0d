package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes the run as one self-contained HTML page: inline CSS
// and script, no external resources. It shows the run's facts, the tables
// of counts by level and by RFC, and a row per check (filtered ones left
// out) coloured by verdict, problems first, with its message, warnings and
// info; the transcript folds away in a <details> element, unfolded on
// failures and warnings, where the lines their findings are about are
// highlighted (offendingLines). Each row has the anchor "check-KEY"; a
// blocked check links to the row of the check that blocked it, and one
// not run to the check during which the run stopped. When the run stopped
// early the page says why at the top; with a baseline applied it shows the
// comparison, marks known failures as known deviations (they do not make
// the page say NOT CONFORMANT), and says "fixed: remove it from the
// baseline" on checks that now pass. html/template escapes everything, and
// server text is first stripped of characters HTML cannot show.
func WriteHTML(w io.Writer, r Run) error {
	counts := Count(r.Checks)
	page := htmlPage{
		Tool:     displayText(r.Tool),
		Version:  displayText(r.Version),
		Target:   displayText(r.Target),
		Duration: r.Duration.Round(time.Millisecond).String(),
		Failed:   r.Failed(),
		Stopped:  displayText(r.Stopped),
		TLS:      displayText(r.TLS),
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
	levels.Rows = append(levels.Rows, htmlRow{Name: "Total", Tally: counts.Tally, Total: true})
	rfcs := htmlTable{Title: "RFC"}
	for _, g := range rfcOrder(mapKeys(counts.ByRFC)) {
		rfcs.Rows = append(rfcs.Rows, htmlRow{Name: displayText(g), Tally: counts.ByRFC[g]})
		page.RFCs = append(page.RFCs, displayText(g))
	}
	rfcs.Rows = append(rfcs.Rows, htmlRow{Name: "Total", Tally: counts.Tally, Total: true})
	page.Tables = []htmlTable{levels, rfcs}
	if b := r.Baseline; b != nil {
		page.Baseline = &htmlBaseline{File: displayText(b.File), Known: len(b.Known)}
		for _, l := range []struct {
			name string
			l    []BaselineDiff
		}{{"New failures", b.New}, {"Fixed (remove them from the baseline)", b.Fixed}, {"Changed", b.Changed}, {"Stale (no such check)", b.Stale}} {
			if len(l.l) == 0 {
				continue
			}
			g := htmlDiffs{Name: l.name}
			for _, d := range l.l {
				g.Keys = append(g.Keys, displayText(d.Key))
			}
			page.Baseline.Groups = append(page.Baseline.Groups, g)
		}
	}
	shownIn := map[string]htmlCheck{} // transcript text -> the row that shows it
	for _, c := range r.reported() {
		hc := htmlCheck{
			Verdict:    string(c.Verdict),
			Anchor:     checkAnchor(c.Key),
			Known:      c.known() && c.Verdict == VerdictFailed,
			Note:       displayText(c.baselineNote()),
			BlockedBy:  displayText(c.BlockedBy),
			RootAnchor: checkAnchor(c.BlockedBy),
			Key:        displayText(c.Key),
			Title:      displayText(c.Title),
			Level:      displayText(c.Level),
			RFC:        displayText(c.RFC),
			Section:    displayText(c.Section),
			Message:    displayText(c.Message),
			Baseline:   displayText(c.knownText()),
			Location:   displayText(c.Location),
			Transcript: displayText(c.Transcript),
			Duration:   fmt.Sprintf("%.2fs", c.Duration.Seconds()),
		}
		if c.Transcript != "" {
			lines := strings.Split(c.Transcript, "\n")
			hot := offendingLines(c, lines)
			for i, l := range lines {
				hc.Lines = append(hc.Lines, htmlLine{Text: displayText(l), Hot: slices.Contains(hot, i)})
			}
			hc.hot = hot
		}
		for _, s := range c.Warnings {
			hc.Warnings = append(hc.Warnings, displayText(s))
		}
		for _, s := range c.Info {
			hc.Info = append(hc.Info, displayText(s))
		}
		hc.Open = c.Verdict == VerdictFailed && !hc.Known || c.Verdict == VerdictWarned
		hc.Search = strings.ToLower(hc.Key + " " + hc.Title)
		page.Checks = append(page.Checks, hc)
	}
	slices.SortStableFunc(page.Checks, func(a, b htmlCheck) int { return severity(a) - severity(b) })
	// A transcript is shown in the first row, in page order, that has it,
	// and the others refer to that row; a row that highlights other lines
	// than the row showing it shows it again.
	for i := range page.Checks {
		hc := &page.Checks[i]
		if hc.Transcript == "" {
			continue
		}
		first, seen := shownIn[hc.Transcript]
		switch {
		case !seen:
			shownIn[hc.Transcript] = *hc
		case len(hc.hot) == 0 || slices.Equal(hc.hot, first.hot):
			hc.Transcript, hc.Lines, hc.SameAs, hc.SameAnchor = "", nil, first.Key, first.Anchor
		}
	}
	return htmlTemplate.Execute(w, page)
}

// checkAnchor is the id of a check's row: "check-" and the key, with any
// character outside [A-Za-z0-9._-] replaced by "_".
func checkAnchor(key string) string {
	if key == "" {
		return ""
	}
	return "check-" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, key)
}

type htmlPage struct {
	Tool, Version, Target, Started, Duration string
	Stopped                                  string
	TLS                                      string
	Baseline                                 *htmlBaseline
	Failed                                   bool
	Total                                    Tally
	Filtered                                 int
	Tables                                   []htmlTable
	Checks                                   []htmlCheck
	RFCs                                     []string // for the RFC filter
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

type htmlBaseline struct {
	File   string
	Known  int
	Groups []htmlDiffs
}

type htmlDiffs struct {
	Name string
	Keys []string
}

type htmlCheck struct {
	Verdict, Key, Title, Level, RFC, Section string
	Anchor, BlockedBy, RootAnchor            string
	Known                                    bool
	Baseline, Note                           string
	Message, Location, Transcript, Duration  string
	Warnings, Info                           []string
	// Open: the transcript is shown unfolded (a failure or a warning).
	Open bool
	// SameAs, SameAnchor: the check whose row shows this check's
	// transcript, when it is the same text (the shared login probe's).
	SameAs, SameAnchor string
	// Search is what the page's search box matches: key and title.
	Search string
	// Lines is the transcript line by line; hot, the indexes of the lines
	// the check's findings are about (see offendingLines).
	Lines []htmlLine
	hot   []int
}

// htmlLine is one line of a transcript; Hot marks a line a finding of the
// check is about, which the page highlights.
type htmlLine struct {
	Text string
	Hot  bool
}

// severity orders the rows of the HTML report: what needs attention
// first (failures, warnings, blocked, not run, known deviations), then
// skipped and passed checks; run order within each.
func severity(h htmlCheck) int {
	switch {
	case h.Verdict == string(VerdictFailed) && !h.Known:
		return 0
	case h.Verdict == string(VerdictWarned):
		return 1
	case h.Verdict == string(VerdictBlocked):
		return 2
	case h.Verdict == string(VerdictNotRun):
		return 3
	case h.Known:
		return 4
	case h.Verdict == string(VerdictSkipped):
		return 5
	}
	return 6
}
