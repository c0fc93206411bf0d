package reports

import (
	"encoding/json"
	"io"
	"time"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// JSONFormat and JSONVersion identify the JSON report; JSONVersion changes
// only when a field is removed or changes meaning.
const (
	JSONFormat  = "ftpconform-report"
	JSONVersion = 1
)

// WriteJSON writes the run as an indented JSON document. Its fields are
// part of the tool's interface and keep their names:
//
//	{
//	  "format": "ftpconform-report",   // JSONFormat
//	  "format_version": 1,             // JSONVersion
//	  "tool": "ftpconform",
//	  "version": "v0.1.0",
//	  "target": "ftp://conform@127.0.0.1:2121",
//	  "started": "2026-01-02T15:04:05Z", // RFC 3339, UTC; omitted if unknown
//	  "duration_seconds": 1.25,
//	  "failed": true,                  // a check failed that no baseline expects: not conformant
//	  "stopped": "",                   // why the run ended early; "" when it ran to its end
//	  "counts": {
//	    "passed": 10, "failed": 1, "warned": 2, "skipped": 3, "blocked": 4, "not_run": 0,
//	    "total": 20,                   // the six above (known failures count as failed)
//	    "filtered": 40,                // excluded by the filter, in no other count
//	    "by_level": {"MUST": {"passed": 8, "failed": 1, "warned": 0, "skipped": 1, "blocked": 4, "not_run": 0, "total": 14}, …},
//	    "by_rfc":   {"rfc959": {…}, "policy": {…}, …}
//	    // level "" and RFC "suite" count the SUITE pseudo-check
//	  },
//	  "baseline": {                    // null when no baseline was applied
//	    "file": "interop/vsftpd.baseline",
//	    "known": 3,                    // failures the baseline expects
//	    "new": ["RFC959-5.4-NOOP"],    // failures it does not expect: these fail the run
//	    "fixed": [],                   // listed as failed or warned, now passed
//	    "changed": [],                 // any other verdict than the one listed
//	    "stale": []                    // listed, but no such check in the run
//	  },
//	  "checks": [
//	    {
//	      "key": "RFC959-5.4-PASS-CODES/wrong-password",
//	      "id": "RFC959-5.4-PASS-CODES",
//	      "title": "answers 530 to a wrong password",
//	      "level": "MUST",             // MUST, SHOULD, MAY, POLICY; "" for SUITE
//	      "rfc": "rfc959",
//	      "section": "5.4",
//	      "labels": ["RFC959-5.4-PASS-CODES", "rfc959", "rfc959:5.4", "MUST", "login"],
//	      "verdict": "failed",         // passed, failed, warned, skipped, blocked, not-run, filtered
//	      "message": "expected one of 530; got 230 \"Welcome\"",
//	      "blocked_by": "",            // blocked: the root check's key; not-run: the check the run stopped during
//	      "baseline": "",              // the reason the applied baseline gives for this check
//	      "baseline_verdict": "",      // the verdict it expects; "" when it does not list the check
//	      "location": "suites/rfc959_login.go:42",
//	      "warnings": [],
//	      "info": [],
//	      "passive": null,             // what it saw of 227/229 replies: {"peer": "198.18.0.1",
//	                                   //   "replies": [{"mode": "PASV", "address": "10.0.0.5", "port": 30007, "probe": "timed-out"}]}
//	      "transcript": "…",
//	      "duration_seconds": 0.12
//	    }
//	  ],
//	  "comparison": null               // "firewall --tls explicit": the plain FTP pass, compared:
//	  // {"tls": "explicit TLS", "not_compared": "",   // why no plain pass ran, when none did
//	  //  "plain": {"failed": false, "stopped": "", "counts": {…}, "checks": [… as above …]},  // null when none ran
//	  //  "differences": [{"key": "POLICY-PASV-RANGE-REACHABLE", "title": "…", "plain": "passed", "tls": "failed",
//	  //                   "diagnosis": "helper-opens-ports"}],   // "" when no diagnosis explains it
//	  //  "diagnoses": [{"kind": "helper-opens-ports", "message": "…", "fix": "…", "evidence": "…", "keys": ["…"]}]}
//	}
//
// Every field is always present (lists as [], text as ""), except
// "started"; "baseline" is null without a baseline, "comparison" in any
// run but "firewall --tls explicit", and "passive" on a check that saw no
// passive reply. "failed" is true when either pass of a compared run
// failed. A check whose
// "verdict" equals its "baseline_verdict" is a known deviation; a known
// failure does not make "failed" true. Checks are in spec order and include filtered ones, so the
// report also lists what was not run. Bytes from a server that are not
// UTF-8 come out as visible \xNN escapes rather than being lost to U+FFFD;
// control characters keep their JSON \u escapes.
func WriteJSON(w io.Writer, r Run) error {
	counts := Count(r.Checks) // the checks are the truth, whatever r.Counts says
	doc := jsonRun{
		Format:        JSONFormat,
		FormatVersion: JSONVersion,
		Tool:          utf8Text(r.Tool),
		Version:       utf8Text(r.Version),
		Target:        utf8Text(r.Target),
		Duration:      r.Duration.Seconds(),
		Failed:        r.Failed(),
		Stopped:       utf8Text(r.Stopped),
		TLS:           utf8Text(r.TLS),
		Interrupted:   r.Interrupted,
		Counts: jsonCounts{
			jsonTally: tallyJSON(counts.Tally),
			Filtered:  counts.Filtered,
			ByLevel:   map[string]jsonTally{},
			ByRFC:     map[string]jsonTally{},
		},
	}
	if !r.Started.IsZero() {
		doc.Started = r.Started.UTC().Format(time.RFC3339Nano)
	}
	if b := r.Baseline; b != nil {
		doc.Baseline = &jsonBaseline{
			File:    utf8Text(b.File),
			Known:   len(b.Known),
			New:     diffKeys(b.New),
			Fixed:   diffKeys(b.Fixed),
			Changed: diffKeys(b.Changed),
			Stale:   diffKeys(b.Stale),
		}
	}
	for k, t := range counts.ByLevel {
		doc.Counts.ByLevel[k] = tallyJSON(t)
	}
	for k, t := range counts.ByRFC {
		doc.Counts.ByRFC[k] = tallyJSON(t)
	}
	doc.Checks = jsonChecks(r.Checks)
	if c := r.Comparison; c != nil {
		doc.Comparison = jsonComparisonOf(*c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // transcripts are full of < and >; keep them readable
	return enc.Encode(doc)
}

type jsonRun struct {
	Format        string        `json:"format"`
	FormatVersion int           `json:"format_version"`
	Tool          string        `json:"tool"`
	Version       string        `json:"version"`
	Target        string        `json:"target"`
	Started       string        `json:"started,omitempty"`
	Duration      float64       `json:"duration_seconds"`
	Failed        bool          `json:"failed"`
	Stopped       string        `json:"stopped"`
	TLS           string        `json:"tls,omitempty"`
	Interrupted   bool          `json:"interrupted"`
	Counts        jsonCounts    `json:"counts"`
	Baseline      *jsonBaseline `json:"baseline"`
	Checks        []jsonCheck   `json:"checks"`
	Comparison    *jsonCompared `json:"comparison"`
}

// jsonChecks converts checks, never returning nil.
func jsonChecks(checks []Check) []jsonCheck {
	out := make([]jsonCheck, 0, len(checks))
	for _, c := range checks {
		out = append(out, jsonCheck{
			Key:        c.Key,
			ID:         c.ID,
			Title:      utf8Text(c.Title),
			Level:      c.Level,
			RFC:        c.RFC,
			Section:    c.Section,
			Labels:     utf8List(c.Labels),
			Verdict:    c.Verdict,
			Message:    utf8Text(c.Message),
			BlockedBy:  utf8Text(c.BlockedBy),
			Baseline:   utf8Text(c.Baseline),
			BaselineV:  c.BaselineVerdict,
			Location:   utf8Text(c.Location),
			Warnings:   utf8List(c.Warnings),
			Info:       utf8List(c.Info),
			Passive:    c.Passive,
			Transcript: utf8Text(c.Transcript),
			Duration:   c.Duration.Seconds(),
		})
	}
	return out
}

// jsonCompared is a Comparison.
type jsonCompared struct {
	Mode        string           `json:"tls"`
	NotCompared string           `json:"not_compared"`
	Plain       *jsonPlain       `json:"plain"`
	Differences []jsonDifference `json:"differences"`
	Diagnoses   []jsonDiagnosis  `json:"diagnoses"`
}

type jsonPlain struct {
	Failed  bool        `json:"failed"`
	Stopped string      `json:"stopped"`
	Counts  jsonTally   `json:"counts"`
	Checks  []jsonCheck `json:"checks"`
}

type jsonDifference struct {
	Key       string  `json:"key"`
	Title     string  `json:"title"`
	Plain     Verdict `json:"plain"`
	TLS       Verdict `json:"tls"`
	Diagnosis string  `json:"diagnosis"`
}

type jsonDiagnosis struct {
	Kind     string   `json:"kind"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	Evidence string   `json:"evidence"`
	Keys     []string `json:"keys"`
}

func jsonComparisonOf(c Comparison) *jsonCompared {
	out := &jsonCompared{Mode: c.Mode, NotCompared: utf8Text(c.NotCompared),
		Differences: []jsonDifference{}, Diagnoses: []jsonDiagnosis{}}
	if p := c.Plain; p != nil {
		out.Plain = &jsonPlain{Failed: p.Failed(), Stopped: utf8Text(p.Stopped), Counts: tallyJSON(Count(p.Checks).Tally), Checks: jsonChecks(p.Checks)}
	}
	for _, d := range c.Differences {
		out.Differences = append(out.Differences, jsonDifference{Key: d.Key, Title: utf8Text(d.Title), Plain: d.Plain, TLS: d.TLS, Diagnosis: d.Diagnosis})
	}
	for _, d := range c.Diagnoses {
		keys := d.Keys
		if keys == nil {
			keys = []string{}
		}
		out.Diagnoses = append(out.Diagnoses, jsonDiagnosis{Kind: d.Kind, Message: utf8Text(d.Message), Fix: utf8Text(d.Fix), Evidence: utf8Text(d.Evidence), Keys: keys})
	}
	return out
}

type jsonBaseline struct {
	File    string   `json:"file"`
	Known   int      `json:"known"`
	New     []string `json:"new"`
	Fixed   []string `json:"fixed"`
	Changed []string `json:"changed"`
	Stale   []string `json:"stale"`
}

// diffKeys lists the keys of the differences, never returning nil.
func diffKeys(l []BaselineDiff) []string {
	out := make([]string, len(l))
	for i, d := range l {
		out[i] = utf8Text(d.Key)
	}
	return out
}

type jsonTally struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Warned  int `json:"warned"`
	Skipped int `json:"skipped"`
	Blocked int `json:"blocked"`
	NotRun  int `json:"not_run"`
	Total   int `json:"total"`
}

func tallyJSON(t Tally) jsonTally {
	return jsonTally{Passed: t.Passed, Failed: t.Failed, Warned: t.Warned, Skipped: t.Skipped,
		Blocked: t.Blocked, NotRun: t.NotRun, Total: t.Total()}
}

type jsonCounts struct {
	jsonTally
	Filtered int                  `json:"filtered"`
	ByLevel  map[string]jsonTally `json:"by_level"`
	ByRFC    map[string]jsonTally `json:"by_rfc"`
}

type jsonCheck struct {
	Key       string   `json:"key"`
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Level     string   `json:"level"`
	RFC       string   `json:"rfc"`
	Section   string   `json:"section"`
	Labels    []string `json:"labels"`
	Verdict   Verdict  `json:"verdict"`
	Message   string   `json:"message"`
	BlockedBy string   `json:"blocked_by"`
	Baseline  string   `json:"baseline"`
	BaselineV Verdict  `json:"baseline_verdict"`
	Location  string   `json:"location"`
	Warnings  []string `json:"warnings"`
	Info      []string `json:"info"`
	// Passive is null when the check recorded no passive replies.
	Passive    *checkmeta.PassiveObservation `json:"passive"`
	Transcript string                        `json:"transcript"`
	Duration   float64                       `json:"duration_seconds"`
}

// utf8Text escapes the bytes of s that are not UTF-8.
func utf8Text(s string) string {
	return escapeRunes(s, func(rune) bool { return false })
}

// utf8List applies utf8Text to each string, never returning nil.
func utf8List(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = utf8Text(s)
	}
	return out
}
