package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// progress numbers the progress lines of a run, "[ 12/348] PASS ...", so
// that a reader sees how far the run is; the total is the number of checks
// the run will run (the label filter applied). It also keeps what the
// status line of a terminal shows (see console): the failures and
// warnings so far and the checks under way. Safe for several writers
// (the workers of a parallel run).
type progress struct {
	mu     sync.Mutex
	done   int
	total  int
	failed int
	warned int
	// running are the checks under way and when each started.
	running map[runningCheck]time.Time
	now     func() time.Time // time.Now; a test's clock
}

// newProgress returns the progress of a run of total checks, shown on
// stdout's status line when stdout is a console.
func newProgress(total int, stdout io.Writer) *progress {
	p := &progress{total: total}
	if c, ok := stdout.(*console); ok {
		c.follow(p)
	}
	return p
}

// checkLine matches a progress line of one check (reports.ProgressLine).
var checkLine = regexp.MustCompile(`^(PASS|FAIL|KNOWN|WARN|SKIP|BLOCKED|NOT RUN) +\[`)

// number prefixes line with the count when it is a check's progress line;
// other lines pass unchanged. A nil progress numbers nothing.
func (p *progress) number(line string) string {
	if p == nil || p.total <= 0 {
		return line
	}
	m := checkLine.FindStringSubmatch(line)
	if m == nil {
		return line
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	switch m[1] {
	case "FAIL":
		p.failed++
	case "WARN":
		p.warned++
	}
	width := len(fmt.Sprint(p.total))
	return fmt.Sprintf("[%*d/%d] %s", width, p.done, p.total, line)
}

// A worker of a parallel run tells its coordinator which checks it is
// running with lines of its stdout that start with these marks (followed
// by the check's key); the coordinator keeps them out of the output.
const (
	markStart = "\x1estart "
	markEnd   = "\x1eend "
)

// runningCheck is a check under way in a worker (0: this process). Every
// worker of a parallel run starts each check of the list it shares with
// the others, and only then learns whether another worker runs it.
type runningCheck struct {
	worker int
	key    string
}

// marked takes in a marker line of worker n and reports whether line was
// one.
func (p *progress) marked(line string, n int) bool {
	if key, ok := strings.CutPrefix(line, markStart); ok {
		p.beginIn(n, key)
		return true
	}
	if key, ok := strings.CutPrefix(line, markEnd); ok {
		p.endIn(n, key)
		return true
	}
	return false
}

// begin records that the check key started.
func (p *progress) begin(key string) { p.beginIn(0, key) }

// end records that the check key is over.
func (p *progress) end(key string) { p.endIn(0, key) }

func (p *progress) beginIn(worker int, key string) {
	if p == nil || key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running == nil {
		p.running = map[runningCheck]time.Time{}
	}
	p.running[runningCheck{worker, key}] = p.clock()
}

func (p *progress) endIn(worker int, key string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, runningCheck{worker, key})
}

func (p *progress) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// status is the text of the status line, at most width runes:
//
//	[ 57/359] 2 failed, 1 warning · RFC959-4.1.3-ABOR-STOR waiting 12s (+2 running)
//
// the checks done of the total, the failures and warnings so far, and the
// check that has been under way the longest, with how long it has waited
// and how many others run beside it.
func (p *progress) status(width int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := len(fmt.Sprint(p.total))
	s := fmt.Sprintf("[%*d/%d] %d failed, %d %s", w, p.done, p.total, p.failed, p.warned, plural(p.warned, "warning", "warnings"))
	var oldest string
	var since time.Time
	for r, t := range p.running {
		if oldest == "" || t.Before(since) || t.Equal(since) && r.key < oldest {
			oldest, since = r.key, t
		}
	}
	if oldest != "" {
		waited := max(p.clock().Sub(since), 0).Truncate(time.Second)
		tail := " waiting " + waited.String()
		if n := len(p.running) - 1; n > 0 {
			tail += fmt.Sprintf(" (+%d running)", n)
		}
		s += " · " + oldest + tail
		if n := utf8.RuneCountInString(s); n > width {
			// The key gives way first: the counts and the wait matter more.
			keep := utf8.RuneCountInString(oldest) - (n - width) - 1
			if keep > 0 {
				s = strings.TrimSuffix(s, oldest+tail) + string([]rune(oldest)[:keep]) + "…" + tail
			}
		}
	}
	if utf8.RuneCountInString(s) > width {
		s = string([]rune(s)[:max(width-1, 0)]) + "…"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Control sequences of the status line.
const (
	// clearLine returns to the start of the line and erases it (ECMA-48
	// CR, then EL: erase to the end of the line).
	clearLine = "\r\x1b[K"
)

// console is the run's standard output when it is a terminal: the lines
// written to it scroll as usual, and below them one status line (the
// followed progress's status) is rewritten in place, every second and
// after each line, until stop. When stdout is not a terminal there is no
// console: the output is the lines alone.
type console struct {
	mu      sync.Mutex
	w       io.Writer
	prog    *progress
	width   int  // the status line's length at most
	shown   bool // the status line is on the screen
	stopped bool
	quit    chan struct{}
	done    chan struct{}
}

// newConsole returns a console writing to w (a terminal) that redraws its
// status line every interval once it follows a progress (0: only after
// each line).
func newConsole(w io.Writer, interval time.Duration) *console {
	c := &console{w: w, width: terminalWidth() - 1, quit: make(chan struct{}), done: make(chan struct{})}
	if interval <= 0 {
		close(c.done)
		return c
	}
	go func() {
		defer close(c.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.redraw()
			case <-c.quit:
				return
			}
		}
	}()
	return c
}

// terminalWidth is the terminal's width as $COLUMNS says, else 80.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}

// follow shows p's status from now on.
func (c *console) follow(p *progress) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prog = p
}

// Write writes b above the status line: the status line is erased, b
// written, and the status line drawn again when b ends a line.
func (c *console) Write(b []byte) (int, error) { return c.writeAbove(c.w, b) }

// writeAbove writes b to w (c's terminal, through stdout or stderr) above
// the status line.
func (c *console) writeAbove(w io.Writer, b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	n, err := w.Write(b)
	if len(b) > 0 && b[len(b)-1] == '\n' {
		c.draw()
	}
	return n, err
}

// redraw rewrites the status line, with the time that passed.
func (c *console) redraw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.draw()
}

// stop erases the status line for good: what follows (the summary) is
// written where it stood.
func (c *console) stop() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.clear()
	c.mu.Unlock()
	close(c.quit)
	<-c.done
}

// other returns a writer for another stream to the same terminal (stderr):
// what it writes goes above the status line too.
func (c *console) other(w io.Writer) io.Writer { return consoleStream{c, w} }

type consoleStream struct {
	c *console
	w io.Writer
}

func (s consoleStream) Write(b []byte) (int, error) { return s.c.writeAbove(s.w, b) }

func (c *console) clear() {
	if c.shown {
		_, _ = io.WriteString(c.w, clearLine)
		c.shown = false
	}
}

func (c *console) draw() {
	if c.stopped || c.prog == nil || c.prog.total <= 0 {
		return
	}
	_, _ = io.WriteString(c.w, c.prog.status(c.width))
	c.shown = true
}
