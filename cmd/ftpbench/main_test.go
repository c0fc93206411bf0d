package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		ratio float64
		goal  string
		want  string
	}{
		{1.0, "<= 1.05", "yes"}, {1.06, "<= 1.05", "no"},
		{1.0, ">= 1", "yes"}, {0.99, ">= 1", "no"},
		{1, "-", "?"},
	} {
		if got := verdict(tc.ratio, tc.goal); got != tc.want {
			t.Errorf("verdict(%v, %q) = %q, want %q", tc.ratio, tc.goal, got, tc.want)
		}
	}
}

func TestMedians(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
	if m := median([]time.Duration{5, 1, 9, 7, 3}); m != 5 {
		t.Errorf("median = %v", m)
	}
}

func TestCompareSpeeds(t *testing.T) {
	r := row{goal: ">= 1"}
	r.compareSpeeds("ours", []float64{2 << 20, 4 << 20, 3 << 20}, "theirs", []float64{1 << 20, 2 << 20, 9 << 20})
	if r.ratio != 1.5 || r.met != "yes" || r.measured != "ours 3 MiB/s" || r.reference != "theirs 2 MiB/s" {
		t.Errorf("row %+v", r)
	}
}

func TestPrintTable(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "table")
	if err != nil {
		t.Fatal(err)
	}
	printTable(f, []row{{name: "a", measured: "m", reference: "r", ratio: 0.5, goal: ">= 1", met: "no", note: "why"}, {name: "b", met: "skipped: needs root"}})
	f.Close()
	b, _ := os.ReadFile(f.Name())
	for _, want := range []string{"ROW", "0.50", "skipped: needs root", "a: why"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("table lacks %q:\n%s", want, b)
		}
	}
	if strings.Count(string(b), "\n") != 4 {
		t.Errorf("want a header, two rows and a note:\n%s", b)
	}
}
