package reports

import "time"

// Unreachable returns the report of a run that could not start because the
// target did not accept a connection: one failed SUITE pseudo-check that
// carries the reason, so a CI still gets a report that says why.
func Unreachable(target string, started time.Time, err error) Run {
	c := Check{
		Key:     SuiteKey,
		ID:      SuiteKey,
		Title:   "connect to the target",
		RFC:     RFCSuite,
		Labels:  []string{},
		Verdict: VerdictFailed,
		Message: "target unreachable: " + err.Error(),
	}
	r := Run{Tool: "ftpconform", Target: target, Started: started, Duration: time.Since(started), Checks: []Check{c}}
	r.Counts = Count(r.Checks)
	return r
}
