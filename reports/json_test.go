package reports

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestJSON(t *testing.T) {
	r := sampleRun(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"format\": \"ftpconform-report\",\n  \"format_version\": 1,") {
		t.Errorf("not indented or fields out of order:\n%.200s", buf.String())
	}

	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	topLevel := []string{"format", "format_version", "tool", "version", "target", "started", "duration_seconds", "failed", "counts", "checks"}
	if got := mapKeys(doc); !sameSet(got, topLevel) {
		t.Errorf("top-level fields %q, want %q", got, topLevel)
	}
	if doc["started"] != "2026-01-02T15:04:05Z" || doc["duration_seconds"] != 3.0 || doc["failed"] != true || doc["target"] != "ftp://conform@127.0.0.1:2121" {
		t.Errorf("run fields: %v %v %v %v", doc["started"], doc["duration_seconds"], doc["failed"], doc["target"])
	}

	counts := doc["counts"].(map[string]any)
	wantCounts := map[string]float64{"passed": 2, "failed": 5, "warned": 1, "skipped": 2, "total": 10, "filtered": 2}
	for k, v := range wantCounts {
		if counts[k] != v {
			t.Errorf("counts.%s = %v, want %v", k, counts[k], v)
		}
	}
	must := counts["by_level"].(map[string]any)["MUST"].(map[string]any)
	if must["passed"] != 2.0 || must["failed"] != 3.0 || must["total"] != 5.0 {
		t.Errorf("by_level.MUST %v", must)
	}
	if rfc := counts["by_rfc"].(map[string]any)["rfc2428"].(map[string]any); rfc["skipped"] != 1.0 {
		t.Errorf("by_rfc.rfc2428 %v", rfc)
	}

	checks := doc["checks"].([]any)
	if len(checks) != len(r.Checks) {
		t.Fatalf("%d checks, want %d (filtered ones included)", len(checks), len(r.Checks))
	}
	checkFields := []string{"key", "id", "title", "level", "rfc", "section", "labels", "verdict", "message", "location", "warnings", "info", "transcript", "duration_seconds"}
	verdicts := map[string]string{}
	for _, c := range checks {
		m := c.(map[string]any)
		if got := mapKeys(m); !sameSet(got, checkFields) {
			t.Errorf("check fields %q, want %q", got, checkFields)
		}
		if m["warnings"] == nil || m["info"] == nil || m["labels"] == nil {
			t.Errorf("lists must be [] not null: %v", m)
		}
		verdicts[m["key"].(string)] = m["verdict"].(string)
	}
	for k, v := range map[string]string{
		"RFC959-5.4-PASS-CODES/wrong-password": "failed", "RFC959-5.4-STOR-CODES": "warned",
		"RFC2428-3-EPSV": "skipped", "RFC959-4.2-MULTILINE": "passed", "RFC959-5.4-LIST-SLOW": "filtered",
	} {
		if verdicts[k] != v {
			t.Errorf("%s: verdict %q, want %q", k, verdicts[k], v)
		}
	}
	first := checks[1].(map[string]any) // checks[0] is SUITE
	if first["key"] != "POLICY-PASV-RANGE" || first["section"] != "" || first["level"] != "POLICY" {
		t.Errorf("second check %v", first)
	}
}

func TestJSONKeepsServerBytesVisible(t *testing.T) {
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[A] a", types.SpecStateFailed, nil, failure("got \xff\x07 <tag>", 1)),
	}})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("invalid JSON")
	}
	var doc struct {
		Checks []struct{ Message string }
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Checks[0].Message, "got \\xff\x07 <tag>"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if !strings.Contains(buf.String(), `<tag>`) {
		t.Error("HTML characters should not be escaped in JSON")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
