package checkmeta

import (
	"fmt"
	"strconv"
)

// Check describes one registered check, whatever its outcome: what
// `ftpconform list` prints and what every report says about it.
type Check struct {
	Key     string // "RFC959-5.4-PASS-CODES/wrong-password"
	ID      string // "RFC959-5.4-PASS-CODES": the key up to the "/"
	Title   string // "answers 530 to a wrong password"
	Level   string // the requirement's level in the catalog
	RFC     string // the requirement's document: "rfc959", "policy"
	Section string // the requirement's section: "5.4"; "" for policy
	// Labels are all the labels of the check's spec, those of its
	// containers first, as ginkgo's label filters see them.
	Labels []string
	// Location is where the check is registered in the source.
	Location Location
}

// Location is a place in the source: file and line.
type Location struct {
	File string
	Line int
}

// String is "file:line", or "" for no place.
func (l Location) String() string {
	if l.File == "" {
		return ""
	}
	return l.File + ":" + strconv.Itoa(l.Line)
}

// Describe returns the metadata a check with this key and title gets from
// the catalog: the ID from the key, the level, RFC and section from the
// ID's requirement. Labels and Location are the registrar's to fill in.
//
// An error says that the key breaks the grammar or that its ID is not in
// the catalog; the Check then has what could be read: the key and title,
// and the ID when the key is well formed.
func (c Catalog) Describe(key, title string) (Check, error) {
	ch := Check{Key: key, Title: title}
	id, _, ok := ParseKey(key)
	if !ok {
		return ch, fmt.Errorf("malformed check key %q", key)
	}
	ch.ID = id
	req, ok := c[id]
	if !ok {
		return ch, fmt.Errorf("check %q names requirement %q, which is not in the catalog", key, id)
	}
	ch.Level, ch.RFC, ch.Section = req.Level, req.RFC, req.Section
	return ch, nil
}
