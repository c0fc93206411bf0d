// Package suites holds ftpconform's conformance checks as ginkgo specs, one
// file per RFC area. Specs only orchestrate: the work is done by package
// harness. Every check is registered with Check, which gives it a key from
// the requirement catalog (requirements.tsv, generated from the product's
// ftp-requirements.md), the labels users filter on (requirement ID, RFC,
// section, level, topic) and the verdict rules:
//
//   - a MUST or POLICY check that fails fails the run;
//   - a SHOULD check that fails is a warning, unless Config.Strict;
//   - a tolerated deviation inside any check (a code outside the RFC's list
//     but of the right class, RFC 1123 §4.1.2.11) is a warning;
//   - an optional feature the server does not implement is skipped with the
//     reason.
//
// The CLI creates the run with New (its configuration, the spec tree)
// before it runs the specs; each check body gets the run and its own
// state through the Ctx it is given.
package suites
