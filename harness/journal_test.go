package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestJournalFirstClaimWins(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
	}{{"memory", false}, {"file", true}} {
		t.Run(tc.name, func(t *testing.T) {
			j := NewJournal()
			if tc.shared {
				var err error
				if j, err = OpenJournal(filepath.Join(t.TempDir(), "journal")); err != nil {
					t.Fatal(err)
				}
				defer j.Close()
			}
			if _, ok := j.Lookup("stop"); ok {
				t.Fatal("an empty journal knows a fact")
			}
			if got := j.Claim("stop", "during A"); got != "during A" {
				t.Errorf("first claim: %q", got)
			}
			if got := j.Claim("stop", "during B"); got != "during A" {
				t.Errorf("second claim: %q, want the first one's value", got)
			}
			if v, ok := j.Lookup("stop"); !ok || v != "during A" {
				t.Errorf("lookup: %q %v", v, ok)
			}
		})
	}
}

// Two processes are two Journals on one file: whichever line came first
// in the file holds in both, also when they claim at the same time.
func TestJournalSharedBetweenProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	a, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	a.Claim("lost/pasv", "A")
	if v, ok := b.Lookup("lost/pasv"); !ok || v != "A" {
		t.Errorf("b sees %q %v, want A's claim", v, ok)
	}
	if got := b.Claim("lost/pasv", "B"); got != "A" {
		t.Errorf("b's late claim got %q, want A", got)
	}

	for i := range 50 {
		name := fmt.Sprintf("race/%d", i)
		var wg sync.WaitGroup
		var va, vb string
		wg.Go(func() { va = a.Claim(name, "A") })
		wg.Go(func() { vb = b.Claim(name, "B") })
		wg.Wait()
		if va != vb {
			t.Fatalf("%s: a holds %q, b holds %q", name, va, vb)
		}
	}
}

// A line another process is still writing is read once it is whole.
func TestJournalPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(`not json` + "\n" + `{"name":"stop","va`)
	if _, ok := j.Lookup("stop"); ok {
		t.Fatal("a half-written line was taken")
	}
	f.WriteString(`lue":"X"}` + "\n")
	if v, ok := j.Lookup("stop"); !ok || v != "X" {
		t.Errorf("lookup after the line was completed: %q %v", v, ok)
	}
}

func TestNilJournal(t *testing.T) {
	var j *Journal
	if got := j.Claim("x", "v"); got != "v" {
		t.Errorf("claim on nil: %q", got)
	}
	if _, ok := j.Lookup("x"); ok {
		t.Errorf("nil journal knows a fact")
	}
	if err := j.Close(); err != nil {
		t.Error(err)
	}
}
