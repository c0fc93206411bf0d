package checkmeta

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Catalog is a requirement catalog, by requirement ID.
type Catalog map[string]Requirement

// requirementsTSV is the product's catalog, generated from
// ftp-requirements.md by suites/internal/gencatalog (make catalog).
//
//go:embed requirements.tsv
var requirementsTSV string

var builtin = mustParseCatalog(requirementsTSV)

// Builtin returns the requirement catalog compiled into ftpconform: every
// ID a check may name. The map is the caller's own copy.
func Builtin() Catalog { return maps.Clone(builtin) }

// Lookup returns the builtin catalog's entry for id.
func Lookup(id string) (Requirement, bool) {
	r, ok := builtin[id]
	return r, ok
}

// Lookup returns the catalog's entry for id.
func (c Catalog) Lookup(id string) (Requirement, bool) {
	r, ok := c[id]
	return r, ok
}

// Sorted returns the catalog's requirements ordered by ID.
func (c Catalog) Sorted() []Requirement {
	out := slices.Collect(maps.Values(c))
	slices.SortFunc(out, func(a, b Requirement) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ParseCatalog reads a catalog in the form of requirements.tsv: one
// requirement a line, "ID<TAB>LEVEL<TAB>QUALIFIER<TAB>TEXT"; empty lines
// and lines starting with "#" are skipped. The RFC and section of each
// requirement come from its ID.
func ParseCatalog(tsv string) (Catalog, error) {
	out := Catalog{}
	for i, line := range strings.Split(tsv, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: %d fields, want 4 (ID, level, qualifier, text)", i+1, len(f))
		}
		id, level := f[0], f[1]
		if _, slug, ok := ParseKey(id); !ok || slug != "" {
			return nil, fmt.Errorf("line %d: malformed requirement ID %q", i+1, id)
		}
		switch level {
		case LevelMust, LevelShould, LevelMay, LevelPolicy:
		default:
			return nil, fmt.Errorf("line %d: %s: unknown level %q", i+1, id, level)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", i+1, id)
		}
		rfc, section := documentOf(id)
		out[id] = Requirement{ID: id, Level: level, Qualifier: f[2], RFC: rfc, Section: section, Text: f[3]}
	}
	return out, nil
}

func mustParseCatalog(tsv string) Catalog {
	c, err := ParseCatalog(tsv)
	if err != nil {
		panic("checkmeta: requirements.tsv: " + err.Error())
	}
	return c
}

// RFCLocal is the document of the requirements a user's scripted
// scenarios name with IDs of their own (SITE-ACME-QUOTA): they belong to
// no RFC.
const RFCLocal = "local"

// WithLocal returns a copy of the catalog with the user's own
// requirements added, under RFCLocal: each keeps its ID, level and text.
// Each must pass CheckLocal.
func (c Catalog) WithLocal(reqs ...Requirement) (Catalog, error) {
	out := maps.Clone(c)
	for _, r := range reqs {
		if err := out.CheckLocal(r); err != nil {
			return nil, err
		}
		r.RFC, r.Section = RFCLocal, ""
		out[r.ID] = r
	}
	return out, nil
}

// CheckLocal says why r cannot be added to the catalog as a requirement
// of the user's own: its ID is already in the catalog (a scenario that
// names a catalog ID takes the catalog's entry), or looks like one of the
// catalog's, "RFC…" or "POLICY-…" (most likely a typo of a catalog ID),
// or breaks the ID grammar; or its level is not one of the four.
func (c Catalog) CheckLocal(r Requirement) error {
	if _, dup := c[r.ID]; dup {
		return fmt.Errorf("requirement %s is already in the catalog", r.ID)
	}
	if doc, _ := documentOf(r.ID); strings.HasPrefix(doc, "rfc") || doc == RFCPolicy {
		return fmt.Errorf("requirement %s is not in the catalog (an ID of your own must not start with RFC or POLICY-)", r.ID)
	}
	if _, slug, ok := ParseKey(r.ID); !ok || slug != "" {
		return fmt.Errorf("malformed requirement ID %q", r.ID)
	}
	switch r.Level {
	case LevelMust, LevelShould, LevelMay, LevelPolicy:
	default:
		return fmt.Errorf("requirement %s: level %q is not MUST, SHOULD, MAY or POLICY", r.ID, r.Level)
	}
	return nil
}
