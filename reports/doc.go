// Package reports turns the outcome of a conformance run into the forms
// people and machines read: JUnit XML for a CI test tab, JSON for tools,
// a self-contained HTML page, and a plain-text summary for the terminal.
//
// The input is the types.Report that ginkgo hands to a ReportAfterSuite
// node. FromGinkgo converts it once into a Run, a small model that knows
// nothing of ginkgo: one Check per spec, keyed by its requirement ID from
// the ftpconform catalogue (RFC 959, RFC 1123 §4.1, RFC 2228, RFC 2389,
// RFC 2428, RFC 2577, RFC 2640, RFC 3659, RFC 4217, RFC 7151 and the
// operator POLICY checks). Every writer works from a Run, so all formats
// agree on verdicts and counts.
//
// The specs follow a few conventions that FromGinkgo relies on, all
// defined in package checkmeta:
//
//	It("[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password",
//	    Label("RFC959-5.4-PASS-CODES", "rfc959", "rfc959:5.4", "MUST", "login"), ...)
//	                                             the heading "[KEY] title" (checkmeta.Heading);
//	                                             level, RFC and section come from the
//	                                             catalog entry of the key's ID, the
//	                                             labels are only reported
//
//	AddReportEntry("ftpconform.warning", "…")    a tolerated deviation
//	AddReportEntry("ftpconform.info", "…")       an observation worth showing
//	AddReportEntry("ftpconform.transcript", "…") the exchange, secrets redacted
//	AddReportEntry("ftpconform.blocked", "ROOT-KEY"); Skip("reason")
//	                                             blocked: a prerequisite failed in ROOT-KEY
//	AddReportEntry("ftpconform.notrun", "KEY");  Skip("the server stopped answering during KEY")
//	                                             not run: the run stopped (KEY or PREFLIGHT)
//
// Verdicts are passed, failed, warned, skipped, blocked, not-run and
// filtered. Only failed makes a run non-conformant (Run.Failed), and not
// when a baseline expects it: ReadBaseline reads a file of expected
// verdicts (format in baseline.go: KEY<TAB>VERDICT<TAB>REASON),
// Baseline.Apply marks known deviations and lists what is new, fixed,
// changed or stale, and WriteBaseline writes such a file from a run.
//
// Text that came from the server under test is never trusted: the writers
// escape characters that would break XML or play tricks on a terminal, and
// Run.Redact removes secrets once more before anything is written.
package reports
