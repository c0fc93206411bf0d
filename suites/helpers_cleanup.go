package suites

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
)

// Cleaning up after the checks that write: what a check created is
// removed when it ends, even when it failed, with harness Remove, over a
// session other than the check's and with a deadline of its own (the
// check's may be over). Scratch directories go through the run's cleanup
// session; the rare paths outside them through a session of their own.

// cleanupTimeout bounds one cleanup.
const cleanupTimeout = 30 * time.Second

// removeScratchAfter removes the directory dir (relative to the login
// directory) and what it holds when the check ends, through the run's
// cleanup session.
func (c *Ctx) removeScratchAfter(dir string) {
	DeferCleanup(func() {
		if c.health.stopped() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		c.cleaner.remove(ctx, c.Run, c.transcript(), dir)
	})
}

// removeAfter removes paths a check may have left outside its scratch
// directory (files, or empty directories; relative to the login directory,
// or absolute) when the check ends, over a fresh session.
func (cc *Ctx) removeAfter(paths ...string) {
	DeferCleanup(func() {
		if cc.health.stopped() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		c, _, err := harness.Connect(ctx, cc.cfg.Target, cc.transcript())
		if err != nil {
			return
		}
		defer c.Close()
		if c.Login(ctx) != nil {
			return
		}
		for _, p := range paths {
			if c.Remove(ctx, cc.defaultMode(c), p, 0) != nil {
				return
			}
		}
		_, _ = c.Quit(ctx)
	})
}

// janitor is the run's cleanup session: one login, kept for the whole
// run, that removes what the checks left behind, instead of a new login
// after every check that wrote something.
type janitor struct {
	mu sync.Mutex
	c  *harness.Conn
}

// remove deletes paths, three directory levels deep, logging the exchange
// in tr. A session that broke is replaced once.
func (j *janitor) remove(ctx context.Context, r *Run, tr *harness.Transcript, paths ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if j.c == nil {
			c, _, err := harness.Connect(ctx, r.cfg.Target, tr)
			if err != nil {
				return
			}
			c.SetName(checkmeta.CleanupConn)
			if c.Login(ctx) != nil {
				c.Close()
				return
			}
			j.c = c
		}
		j.c.T = tr
		var err error
		for len(paths) > 0 && err == nil {
			if err = j.c.Remove(ctx, r.defaultMode(j.c), paths[0], 3); err == nil {
				paths = paths[1:]
			}
		}
		j.c.T = harness.NewTranscript()
		if err == nil {
			return
		}
		j.c.Close()
		j.c = nil
	}
}

// close ends the cleanup session.
func (j *janitor) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	j.c.T = harness.NewTranscript()
	_, _ = j.c.Quit(ctx)
	j.c.Close()
	j.c = nil
}
