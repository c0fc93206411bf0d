package suites

import (
	_ "embed"
	"sort"
	"strings"
)

// Requirement is one entry of the requirement catalog.
type Requirement struct {
	ID        string
	Level     string // MUST, SHOULD, MAY or POLICY
	Qualifier string // e.g. "if implemented", "MUST NOT"
	Summary   string
}

//go:embed requirements.tsv
var requirementsTSV string

var catalog = parseCatalog(requirementsTSV)

func parseCatalog(tsv string) map[string]Requirement {
	out := map[string]Requirement{}
	for _, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			continue
		}
		out[f[0]] = Requirement{ID: f[0], Level: f[1], Qualifier: f[2], Summary: f[3]}
	}
	return out
}

// LookupRequirement returns the catalog entry for id.
func LookupRequirement(id string) (Requirement, bool) {
	r, ok := catalog[id]
	return r, ok
}

// Requirements returns the whole catalog sorted by ID.
func Requirements() []Requirement {
	out := make([]Requirement, 0, len(catalog))
	for _, r := range catalog {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// rfcAndSection derives the RFC label ("rfc959", "policy") and section
// label ("rfc959:4.2.1") from a requirement ID like RFC959-4.2.1-421-CLOSE.
func rfcAndSection(id string) (rfc, section string) {
	head, rest, _ := strings.Cut(id, "-")
	rfc = strings.ToLower(head)
	if !strings.HasPrefix(rfc, "rfc") {
		return rfc, ""
	}
	sec, _, _ := strings.Cut(rest, "-")
	return rfc, rfc + ":" + sec
}
