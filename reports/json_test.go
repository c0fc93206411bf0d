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
	topLevel := []string{"format", "format_version", "tool", "version", "target", "started", "duration_seconds", "failed", "stopped", "interrupted", "counts", "baseline", "checks", "comparison"}
	if got := mapKeys(doc); !sameSet(got, topLevel) {
		t.Errorf("top-level fields %q, want %q", got, topLevel)
	}
	if doc["stopped"] != "" || doc["baseline"] != nil || doc["comparison"] != nil {
		t.Errorf("stopped %q baseline %v", doc["stopped"], doc["baseline"])
	}
	if doc["started"] != "2026-01-02T15:04:05Z" || doc["duration_seconds"] != 3.0 || doc["failed"] != true || doc["target"] != "ftp://conform@127.0.0.1:2121" {
		t.Errorf("run fields: %v %v %v %v", doc["started"], doc["duration_seconds"], doc["failed"], doc["target"])
	}

	counts := doc["counts"].(map[string]any)
	wantCounts := map[string]float64{"passed": 2, "failed": 5, "warned": 1, "skipped": 2, "blocked": 0, "not_run": 0, "total": 10, "filtered": 2}
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
	checkFields := []string{"key", "id", "title", "level", "rfc", "section", "labels", "verdict", "message", "blocked_by", "baseline", "baseline_verdict", "location", "warnings", "info", "passive", "transcript", "duration_seconds"}
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

func TestJSONRunModelAndBaseline(t *testing.T) {
	r := runModelRun(t)
	b, err := ReadBaseline(strings.NewReader("RFC1123-4.1.2.6-PASV-MUST\tfailed\tvendor bug\nRFC959-9-GONE\tfailed\n"), "vsftpd.baseline")
	if err != nil {
		t.Fatal(err)
	}
	b.Apply(&r)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Failed   bool
		Stopped  string
		Counts   map[string]any
		Baseline map[string]any
		Checks   []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Stopped != "the server stopped answering during RFC959-4.1.3-NOOP" || !doc.Failed {
		t.Errorf("stopped %q failed %v", doc.Stopped, doc.Failed)
	}
	for k, v := range map[string]float64{"blocked": 2, "not_run": 2, "failed": 2, "total": 9} {
		if doc.Counts[k] != v {
			t.Errorf("counts.%s = %v, want %v", k, doc.Counts[k], v)
		}
	}
	if rfc := doc.Counts["by_rfc"].(map[string]any)["rfc959"].(map[string]any); rfc["blocked"] != 2.0 || rfc["not_run"] != 2.0 {
		t.Errorf("by_rfc.rfc959 %v", rfc)
	}
	wantBaseline := `{"changed":["RFC2428-3-EPSV","RFC959-4.1.3-LIST","RFC959-4.1.3-QUIT","RFC959-4.1.3-RETR","RFC959-4.1.3-STAT","RFC959-5.4-STOR-CODES"],` +
		`"file":"vsftpd.baseline","fixed":[],"known":1,"new":["RFC959-4.1.3-NOOP"],"stale":["RFC959-9-GONE"]}`
	if got, _ := json.Marshal(doc.Baseline); string(got) != wantBaseline {
		t.Errorf("baseline %s\nwant     %s", got, wantBaseline)
	}
	byKey := map[string]map[string]any{}
	for _, c := range doc.Checks {
		byKey[c["key"].(string)] = c
	}
	if c := byKey["RFC959-4.1.3-LIST"]; c["verdict"] != "blocked" || c["blocked_by"] != "RFC1123-4.1.2.6-PASV-MUST" || c["baseline"] != "" {
		t.Errorf("blocked check %v", c)
	}
	if c := byKey["RFC959-4.1.3-QUIT"]; c["verdict"] != "not-run" || c["blocked_by"] != "RFC959-4.1.3-NOOP" {
		t.Errorf("not-run check %v", c)
	}
	if c := byKey["RFC1123-4.1.2.6-PASV-MUST"]; c["verdict"] != "failed" || c["baseline"] != "vendor bug" || c["baseline_verdict"] != "failed" {
		t.Errorf("known failure %v", c)
	}
}

// A compared firewall run carries the plain pass, the differences and the
// diagnoses; its observations come out typed.
func TestJSONComparison(t *testing.T) {
	plain := run(obs(keyReach, VerdictPassed, "PASV 198.18.0.1:30002 connected"), obs(keyAct, VerdictPassed))
	tls := run(obs(keyReach, VerdictFailed, "PASV 198.18.0.1:30002 timed-out"), obs(keyAct, VerdictPassed))
	cmp := Compare(plain, tls, CompareInput{PasvRange: "30000-30099"})
	cmp.Mode = "explicit TLS"
	cmp.Apply(&tls)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, tls); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Failed bool `json:"failed"`
		Checks []struct {
			Key     string `json:"key"`
			Passive *struct {
				Peer    string `json:"peer"`
				Replies []struct {
					Mode, Address, Probe string
					Port                 int
				} `json:"replies"`
			} `json:"passive"`
		} `json:"checks"`
		Comparison *struct {
			TLS   string `json:"tls"`
			Plain *struct {
				Failed bool `json:"failed"`
				Checks []struct {
					Key, Verdict string
				} `json:"checks"`
			} `json:"plain"`
			Differences []map[string]string `json:"differences"`
			Diagnoses   []struct {
				Kind, Message, Fix, Evidence string
				Keys                         []string
			} `json:"diagnoses"`
		} `json:"comparison"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Failed || len(doc.Checks) != 2 || doc.Checks[0].Passive == nil || doc.Checks[1].Passive != nil {
		t.Fatalf("run: %+v", doc)
	}
	if p := doc.Checks[0].Passive; p.Peer != "198.18.0.1" || len(p.Replies) != 1 || p.Replies[0].Probe != "timed-out" || p.Replies[0].Port != 30002 || p.Replies[0].Address != "198.18.0.1" {
		t.Errorf("passive observation: %+v", p)
	}
	c := doc.Comparison
	if c == nil || c.TLS != "explicit TLS" || c.Plain == nil || c.Plain.Failed || len(c.Plain.Checks) != 2 || c.Plain.Checks[0].Verdict != "passed" {
		t.Fatalf("comparison: %+v", c)
	}
	if len(c.Differences) != 1 || c.Differences[0]["key"] != keyReach || c.Differences[0]["plain"] != "passed" || c.Differences[0]["tls"] != "failed" || c.Differences[0]["diagnosis"] != DiagHelperOpensPorts {
		t.Errorf("differences: %v", c.Differences)
	}
	if len(c.Diagnoses) != 1 || c.Diagnoses[0].Kind != DiagHelperOpensPorts || c.Diagnoses[0].Message != cmp.Diagnoses[0].Message || !slices.Equal(c.Diagnoses[0].Keys, []string{keyReach}) {
		t.Errorf("diagnoses: %+v", c.Diagnoses)
	}
}
