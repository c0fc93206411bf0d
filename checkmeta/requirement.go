package checkmeta

import "strings"

// Requirement levels. MUST, SHOULD and MAY are the RFCs' keywords (a
// "MUST NOT" is a MUST phrased negatively); POLICY is an expectation the
// operator states on the command line, which binds like a MUST.
const (
	LevelMust   = "MUST"
	LevelShould = "SHOULD"
	LevelMay    = "MAY"
	LevelPolicy = "POLICY"
)

// RFCPolicy is the document of the operator policy requirements, whose
// IDs start with "POLICY-".
const RFCPolicy = "policy"

// Requirement is one entry of the requirement catalog.
type Requirement struct {
	ID        string // "RFC959-4.2.1-421-CLOSE"
	Level     string // LevelMust, LevelShould, LevelMay or LevelPolicy
	Qualifier string // "if implemented", "MUST NOT", ...; may be empty
	RFC       string // the document the ID names, lower case: "rfc959", "policy"
	Section   string // the section of an RFC the ID names: "4.2.1", "AII"; "" for others
	Text      string // what the requirement asks, in one sentence
}

// documentOf reads the document and section out of a requirement ID:
// RFC959-4.2.1-421-CLOSE names rfc959 §4.2.1; POLICY-PASV-RANGE names
// the policy document, which has no sections.
func documentOf(id string) (rfc, section string) {
	head, rest, _ := strings.Cut(id, "-")
	rfc = strings.ToLower(head)
	if !strings.HasPrefix(rfc, "rfc") {
		return rfc, ""
	}
	section, _, _ = strings.Cut(rest, "-")
	return rfc, section
}
