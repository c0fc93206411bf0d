package suites

// NotCovered gives, for catalog requirements that no check covers, the
// reason they cannot be tested black-box (or are covered elsewhere). The
// coverage document (docs/coverage.md) is generated from the checks and
// this table; a requirement with neither is listed as a gap.
var NotCovered = map[string]string{
	"RFC959-8-PORT21":                   "the control port is the operator's choice; the harness connects wherever --target points",
	"RFC959-3.3-ONLY-USER-CHANGES-PORT": "a server never proposes ports of its own accord; there is no exchange in which it could, so nothing to observe",
	"RFC959-3.2-BYTE-SIZE-8":            "implied by every byte-exact transfer check (TYPE I and L 8 round trips)",
	"RFC959-4.2-TEXT-FREE":              "a rule for the harness itself: no check compares reply text outside the fields RFC 959 fixes",
	"RFC959-3.2-CLOSE-ERROR":            "an unrecoverable server error (disk full) cannot be provoked from outside",
	"RFC959-3.2-CLOSE-OPTION-226-250":   "only observable in block or compressed mode, which the reference profile does not require",
}

func init() {
	NotCovered["RFC959-4.2.1-110-MARK"] = "110 restart markers exist only in block and compressed modes, which servers need not offer; the reader accepts a 110 if one comes"
	NotCovered["RFC1123-4.1.2.6-227-LENIENT"] = "a rule for the harness: harness.ParsePASV scans for six numbers without relying on wording or parentheses (tested in harness/pasv_test.go), and the pasv-no-parens variation proves the checks accept such replies"
	// RFC 1123 §4.1.2.6: "a new PASV command MUST be issued before each
	// transfer command" -- a duty of the user-FTP. No sentence obliges the
	// server to refuse a second transfer on an old passive port (pure-ftpd
	// serves it), and a fresh port per PASV is not required either, so a
	// check could only ever inform; the requirement is judged by no check.
	NotCovered["RFC1123-4.1.2.6-PASV-PER-TRANSFER"] = "the MUST (\"a new PASV command MUST be issued before each transfer command\", RFC 1123 §4.1.2.6) is the client's; a server that serves a second transfer on an old passive port breaks no server requirement, so there is nothing to fail"
	// RFC 2428 §3: "the client MUST issue an ABOR (abort) command to
	// allow the server to close down the listening connection" -- the MUST
	// is the client's; the server's closing of the listener is only
	// implied, so a check could inform at most. Closing the data
	// connection on ABOR without a transfer is RFC959-4.1.3-ABOR-IDLE.
	NotCovered["RFC2428-3-EPSV-ABOR"] = "the MUST is the client's (\"the client MUST issue an ABOR (abort) command to allow the server to close down the listening connection\", RFC 2428 §3); the server's side is only implied, and what RFC 959 requires of ABOR with an open data connection is judged by RFC959-4.1.3-ABOR-IDLE"
	NotCovered["RFC1123-4.1.2.8-SITE-FOR-NONSTANDARD"] = "HELP text is free-form (RFC 959 §4.1.3), so which non-standard verbs a server offers outside SITE cannot be read from it reliably"
}
