package checkmeta

// Names of the report entries a check attaches to its ginkgo spec with
// AddReportEntry. The suites write them; the reports read them.
const (
	// EntryWarning is a tolerated deviation, in words; it may repeat.
	EntryWarning = "ftpconform.warning"
	// EntryInfo is an observation worth showing; it may repeat.
	EntryInfo = "ftpconform.info"
	// EntryTranscript is the check's exchange with the server, secrets
	// already masked.
	EntryTranscript = "ftpconform.transcript"
	// EntryBlocked marks a skipped check whose prerequisite failed; its
	// value is the key of the check that judged the root cause.
	EntryBlocked = "ftpconform.blocked"
	// EntryNotRun marks a check that did not run because the run stopped
	// (the server stopped answering, the preflight failed); its value is
	// the key of the check during which that happened, or PreflightKey.
	EntryNotRun = "ftpconform.notrun"
	// EntryElsewhere marks, in a worker of a parallel run, a check that
	// another worker ran: the coordinator takes that worker's report of
	// it. Its value is the unit of checks the other worker claimed.
	EntryElsewhere = "ftpconform.elsewhere"
	// EntryLocation is where a failed check's failure is, when that is
	// not a line of Go: a scripted scenario's "file:line". The reports
	// show it instead of the stack's location.
	EntryLocation = "ftpconform.location"
)

// PreflightKey stands for the preflight (connect, greeting, login before
// any check) where a check's key is expected: the value of an EntryNotRun
// when the run stopped before any check.
const PreflightKey = "PREFLIGHT"

// CleanupConn is the name, in a check's transcript, of the session that
// removes what the check left on the server after its body: the reports
// never take its lines for the check's findings.
const CleanupConn = "cleanup"
