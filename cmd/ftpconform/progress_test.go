package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProgressNumbersCheckLines(t *testing.T) {
	p := &progress{total: 120}
	for _, tc := range []struct{ in, want string }{
		{"PASS  [RFC959-5.4-NOOP] answers NOOP with 200 (0.00s)", "[  1/120] PASS  [RFC959-5.4-NOOP] answers NOOP with 200 (0.00s)"},
		{"preflight (0.1s): login ok", "preflight (0.1s): login ok"},
		{"NOT RUN  [X-1] y", "[  2/120] NOT RUN  [X-1] y"},
		{"workers: 4", "workers: 4"},
		{"FAIL  [RFC959-4.2-CRLF] ends every reply line with CRLF (0.01s) — bare LF", "[  3/120] FAIL  [RFC959-4.2-CRLF] ends every reply line with CRLF (0.01s) — bare LF"},
	} {
		if got := p.number(tc.in); got != tc.want {
			t.Errorf("number(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *progress
	if got := none.number("PASS  [A-1] b"); got != "PASS  [A-1] b" {
		t.Errorf("a nil progress changed the line: %q", got)
	}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestStatusText: the status line says how far the run is, the failures
// and warnings so far, and the check that has waited longest.
func TestStatusText(t *testing.T) {
	clock := &fakeClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := &progress{total: 359, now: clock.now}
	if got, want := p.status(200), "[  0/359] 0 failed, 0 warnings"; got != want {
		t.Errorf("at the start: %q, want %q", got, want)
	}
	for i := range 57 {
		line := "PASS  [A-1] a (0.00s)"
		switch {
		case i < 2:
			line = "FAIL  [A-1] a (0.00s) — no"
		case i == 2:
			line = "WARN  [A-1] a (0.00s) — hm"
		case i == 3:
			line = "KNOWN  [A-1] a (0.00s) — known deviation"
		}
		p.number(line)
	}
	p.begin("RFC959-4.1.3-ABOR-STOR")
	clock.advance(12*time.Second + 700*time.Millisecond)
	if got, want := p.status(200), "[ 57/359] 2 failed, 1 warning · RFC959-4.1.3-ABOR-STOR waiting 12s"; got != want {
		t.Errorf("one check under way:\n got %q\nwant %q", got, want)
	}
	// Workers of a parallel run: the one that waited longest is named.
	p.marked(markStart+"RFC959-5.4-NOOP", 2)
	p.marked(markStart+"RFC959-4.1.3-ABOR-STOR", 3) // another worker learns it is not its own
	clock.advance(65 * time.Second)
	if got, want := p.status(200), "[ 57/359] 2 failed, 1 warning · RFC959-4.1.3-ABOR-STOR waiting 1m17s (+2 running)"; got != want {
		t.Errorf("three under way:\n got %q\nwant %q", got, want)
	}
	p.marked(markEnd+"RFC959-4.1.3-ABOR-STOR", 3)
	p.end("RFC959-4.1.3-ABOR-STOR")
	if got, want := p.status(200), "[ 57/359] 2 failed, 1 warning · RFC959-5.4-NOOP waiting 1m5s"; got != want {
		t.Errorf("after the first ended:\n got %q\nwant %q", got, want)
	}
	// A narrow terminal: the key is cut, the counts and the wait stay.
	if got, want := p.status(50), "[ 57/359] 2 failed, 1 warning · RFC9… waiting 1m5s"; got != want {
		t.Errorf("narrow:\n got %q\nwant %q", got, want)
	}
	if got := p.status(10); len([]rune(got)) > 10 {
		t.Errorf("very narrow: %q is longer than 10", got)
	}
}

// TestConsoleRewritesStatusLine: on a terminal the status line follows
// the last line written, is erased (CR, erase to end of line) before the
// next line, redrawn with the time that passed, and gone after stop.
func TestConsoleRewritesStatusLine(t *testing.T) {
	clock := &fakeClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	c := newConsole(&out, 0)
	c.width = 200
	if _, err := c.Write([]byte("preflight (0.1s): login ok\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "preflight (0.1s): login ok\n" {
		t.Errorf("before the checks start there is no status line: %q", got)
	}
	out.Reset()
	p := newProgress(2, c)
	p.now = clock.now
	p.begin("A-1")
	clock.advance(3 * time.Second)
	c.redraw() // the tick
	if got, want := out.String(), "[0/2] 0 failed, 0 warnings · A-1 waiting 3s"; got != want {
		t.Errorf("tick: %q, want %q", got, want)
	}
	out.Reset()
	p.end("A-1")
	p.begin("B-2")
	_, _ = c.Write([]byte(p.number("FAIL  [A-1] a (3.00s) — no") + "\n"))
	if got, want := out.String(), clearLine+"[1/2] FAIL  [A-1] a (3.00s) — no\n[1/2] 1 failed, 0 warnings · B-2 waiting 0s"; got != want {
		t.Errorf("a finished check:\n got %q\nwant %q", got, want)
	}
	out.Reset()
	clock.advance(time.Second)
	c.redraw()
	if got, want := out.String(), clearLine+"[1/2] 1 failed, 0 warnings · B-2 waiting 1s"; got != want {
		t.Errorf("tick: %q, want %q", got, want)
	}
	out.Reset()
	_, _ = c.other(&out).Write([]byte("ftpconform: a message on stderr\n"))
	if got, want := out.String(), clearLine+"ftpconform: a message on stderr\n[1/2] 1 failed, 0 warnings · B-2 waiting 1s"; got != want {
		t.Errorf("stderr: %q, want %q", got, want)
	}
	out.Reset()
	c.stop()
	_, _ = c.Write([]byte("summary\n"))
	c.redraw()
	if got, want := out.String(), clearLine+"summary\n"; got != want {
		t.Errorf("after stop: %q, want %q", got, want)
	}
}

// TestNoStatusLineOffTerminal: a file or a pipe is no terminal, and the
// lines a parallel run's workers send pass without their markers.
func TestNoStatusLineOffTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, x := range []*os.File{f, w} {
		if isTerminal(x) {
			t.Errorf("%s is taken for a terminal", x.Name())
		}
	}
	var out bytes.Buffer
	l := &lockedLines{w: &out, prog: newProgress(1, &out)}
	l.copyFrom(strings.NewReader(markStart+"A-1\nPASS  [A-1] a (0.00s)\n"+markEnd+"A-1\n"), 1)
	if got, want := out.String(), "[1/1] PASS  [A-1] a (0.00s)\n"; got != want {
		t.Errorf("worker lines: %q, want %q", got, want)
	}
	if len(l.prog.running) != 0 {
		t.Errorf("still running: %v", l.prog.running)
	}
}
