//go:build ftpconform_breakcompare

package main

// A test-only fault, compiled only with the build tag
// ftpconform_breakcompare: when FTPCONFORM_TEST_BREAK_COMPARE names a
// diagnosis kind (or "all"), the comparison of "firewall --tls" drops the
// diagnoses of that kind and leaves the differences they explained
// unexplained. The namespace test (firewall_netns_tls_test.go) runs such a
// binary and requires its own assertions to fail: a diagnosis code that
// does not deliver cannot pass the test.

import (
	"os"

	"github.com/ftpconform/ftpconform/reports"
)

func init() {
	kind := os.Getenv("FTPCONFORM_TEST_BREAK_COMPARE")
	if kind == "" {
		return
	}
	compare := compareFunc
	compareFunc = func(plain, tls reports.Run, in reports.CompareInput) reports.Comparison {
		cmp := compare(plain, tls, in)
		var kept []reports.Diagnosis
		for _, d := range cmp.Diagnoses {
			if kind != "all" && d.Kind != kind {
				kept = append(kept, d)
			}
		}
		cmp.Diagnoses = kept
		for i := range cmp.Differences {
			if d := &cmp.Differences[i]; kind == "all" || d.Diagnosis == kind {
				d.Diagnosis = ""
			}
		}
		return cmp
	}
}
