// Package checkmeta describes ftpconform's checks in one place, for every
// package that needs to know what a check is: the suites that register
// the checks, the reports that present their outcome, and the CLI that
// lists them.
//
// It holds the requirement catalog (requirements.tsv, generated from the
// product's ftp-requirements.md), the grammar of check keys, the record
// that describes one registered check, and the names of the report
// entries a check attaches to its ginkgo spec. It imports only the
// standard library.
//
// The grammar, by example:
//
//	ID       RFC959-4.2-MULTILINE       document, section, name
//	         POLICY-PASV-RANGE          an operator policy has no section
//	KEY      RFC959-5.4-PASS-CODES/wrong-password
//	         an ID, then "/slug" when one requirement has several checks
//	HEADING  [RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password
//	         the text of the check's ginkgo spec: the key, then the title
//
// The key is all a report needs to carry: the level, RFC and section of a
// check are those of its requirement in the catalog.
package checkmeta
