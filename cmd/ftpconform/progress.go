package main

import (
	"fmt"
	"regexp"
	"sync"
)

// progress numbers the progress lines of a run, "[ 12/348] PASS ...", so
// that a reader sees how far the run is; the total is the number of checks
// the run will run (the label filter applied). Safe for several writers
// (the workers of a parallel run).
type progress struct {
	mu    sync.Mutex
	done  int
	total int
}

// checkLine matches a progress line of one check (reports.ProgressLine).
var checkLine = regexp.MustCompile(`^(PASS|FAIL|KNOWN|WARN|SKIP|BLOCKED|NOT RUN) +\[`)

// number prefixes line with the count when it is a check's progress line;
// other lines pass unchanged. A nil progress numbers nothing.
func (p *progress) number(line string) string {
	if p == nil || p.total <= 0 || !checkLine.MatchString(line) {
		return line
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	width := len(fmt.Sprint(p.total))
	return fmt.Sprintf("[%*d/%d] %s", width, p.done, p.total, line)
}
