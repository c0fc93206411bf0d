package stress

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mix
		err  string // part of the error message; "" for none
	}{
		{"stor:retr:list:noop", DefaultMix, ""},
		{"stor=2:retr=3:list", Mix{{OpStor, 2}, {OpRetr, 3}, {OpList, 1}}, ""},
		{"STOR=2: Retr = 3 ", Mix{{OpStor, 2}, {OpRetr, 3}}, ""},
		{"list:nlst:retr:stor:size:mdtm:cwd:pwd:noop:dele", Mix{{OpList, 1}, {OpNlst, 1}, {OpRetr, 1}, {OpStor, 1},
			{OpSize, 1}, {OpMdtm, 1}, {OpCwd, 1}, {OpPwd, 1}, {OpNoop, 1}, {OpDele, 1}}, ""},
		{"noop=1000", Mix{{OpNoop, 1000}}, ""},
		{"", nil, "empty"},
		{"  ", nil, "empty"},
		{"stor::retr", nil, "empty entry"},
		{"stor:", nil, "empty entry"},
		{":stor", nil, "empty entry"},
		{"=3", nil, "empty entry"},
		{"stor:mkd", nil, `unknown operation "mkd"`},
		{"stor,retr", nil, "unknown operation"},
		{"stor:retr:stor=2", nil, "stor appears twice"},
		{"stor=0", nil, "weight of stor"},
		{"stor=-1", nil, "weight of stor"},
		{"stor=1001", nil, "from 1 to 1000"},
		{"stor=", nil, "weight of stor"},
		{"stor=2.5", nil, "weight of stor"},
		{"stor=x", nil, "weight of stor"},
		{"stor=1=2", nil, "weight of stor"},
	} {
		got, err := ParseMix(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseMix(%q): %v", tc.in, err)
		case tc.err != "" && err == nil:
			t.Errorf("ParseMix(%q) = %v, want an error with %q", tc.in, got, tc.err)
		case tc.err != "" && !strings.Contains(err.Error(), tc.err):
			t.Errorf("ParseMix(%q): error %q, want it to contain %q", tc.in, err, tc.err)
		case tc.err == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("ParseMix(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestMixString(t *testing.T) {
	m := Mix{{OpStor, 2}, {OpRetr, 1}, {OpNlst, 7}}
	if got := m.String(); got != "stor=2:retr:nlst=7" {
		t.Errorf("String = %q", got)
	}
	if DefaultMix.String() != "stor:retr:list:noop" {
		t.Errorf("DefaultMix = %q", DefaultMix)
	}
}

func TestMixPickFollowsWeights(t *testing.T) {
	m := Mix{{OpStor, 1}, {OpRetr, 3}, {OpNoop, 6}}
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[Op]int{}
	const n = 100000
	for range n {
		counts[m.pick(r)]++
	}
	for _, e := range m {
		want := float64(n) * float64(e.Weight) / 10
		if got := float64(counts[e.Op]); got < want*0.95 || got > want*1.05 {
			t.Errorf("%s picked %v times, want about %v", e.Op, got, want)
		}
	}
	if len(counts) != 3 {
		t.Errorf("picked %v, want only the mix's operations", counts)
	}
}

// FuzzParseMix: the parser never panics, and what it accepts it renders
// in a form it reads back to the same mix.
func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"stor:retr:list:noop", "stor=2:retr=3:list", "", ":", "stor=", "=", "STOR = 9 : dele", "noop=1000", "noop=01", "stor=+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMix(s)
		if err != nil {
			return
		}
		if len(m) == 0 || len(m) > int(numOps) {
			t.Fatalf("ParseMix(%q) = %v: %d entries", s, m, len(m))
		}
		for _, e := range m {
			if e.Op < 0 || e.Op >= numOps || e.Weight < 1 || e.Weight > MaxWeight {
				t.Fatalf("ParseMix(%q) = %v: bad entry %+v", s, m, e)
			}
		}
		back, err := ParseMix(m.String())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("ParseMix(%q) = %v, rendered %q, read back %v, %v", s, m, m.String(), back, err)
		}
		m.pick(rand.New(rand.NewPCG(1, 1)))
	})
}
