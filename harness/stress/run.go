package stress

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// Limits of a run.
const (
	MaxClients         = 5000
	MaxDuration        = time.Hour
	MaxFileSize        = 64 << 20
	MaxFilesPerSession = 10000 // Config.MaxFiles
	MinReconnectAfter  = 10    // Config.ReconnectAfter
)

// Defaults of Config.
const (
	DefaultMinSize        = 1 << 10
	DefaultMaxSize        = 16 << 10
	DefaultMaxFiles       = 16
	DefaultReconnectAfter = 200
	DefaultCleanupTimeout = 15 * time.Second
	DefaultProgressEvery  = time.Second
)

// Config describes a run. Target, Clients and Duration are required.
type Config struct {
	// Target is the server, with its credentials, TLS mode and timeouts
	// (ReplyTimeout, ConnectTimeout and DataTimeout bound every network
	// operation).
	Target harness.Target
	// Clients is how many sessions run at once (1 to MaxClients).
	Clients int
	// Duration is how long the sessions loop over the mix (at most
	// MaxDuration); operations in flight when it ends are finished.
	Duration time.Duration
	// Ramp spreads the sessions' first connections evenly over this long
	// (0: all at once), so that they do not overflow the server's listen
	// backlog.
	Ramp time.Duration
	// Mix is what the sessions do; default DefaultMix.
	Mix Mix
	// DataMode sets up the data connections; default PASV.
	DataMode harness.DataMode
	// MinSize and MaxSize bound the size of the files the sessions
	// upload (each size drawn between them); default 1 KiB to 16 KiB.
	MinSize, MaxSize int
	// MaxFiles is how many files a session keeps in its scratch directory
	// at most: once it has that many, STOR replaces one; default 16.
	MaxFiles int
	// ReconnectAfter is how many commands a session sends on one control
	// connection before it logs out and in again; default 200. The
	// engine keeps every reply of a control connection (harness.Conn's
	// Replies, some 370 bytes each), so this bounds the memory of a
	// session however long the run: about 75 KB.
	ReconnectAfter int
	// CleanupTimeout bounds the removal of the scratch directories at
	// the end; default 15 s.
	CleanupTimeout time.Duration
	// RunID names the run's scratch directories
	// (ftpconform-stress-RUNID-N); default random (harness.UniqueName).
	RunID string
	// Stop, when closed, interrupts the run: operations in flight are
	// cancelled (and not counted), then the sessions clean up. The
	// context given to Run ends everything, cleanup included.
	Stop <-chan struct{}
	// Progress, if set, receives a snapshot about every ProgressEvery
	// (default 1 s) while the run lasts, from one goroutine.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running run.
type Progress struct {
	Elapsed   time.Duration
	Started   int64   // sessions started so far
	Active    int64   // sessions logged in now
	Ops       int64   // operations done
	OpsPerSec float64 // over the last interval
	Errors    int64   // errors other than refused
	Refused   int64   // connections the server turned away
	Ending    bool    // the duration is over: finishing and cleaning up
}

func (c *Config) check() error {
	switch {
	case c.Clients < 1 || c.Clients > MaxClients:
		return fmt.Errorf("clients: %d; want 1 to %d", c.Clients, MaxClients)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration: %s; want more than 0 and at most %s", c.Duration, MaxDuration)
	case c.Ramp < 0 || c.Ramp > c.Duration:
		return fmt.Errorf("ramp: %s; want 0 to the duration (%s)", c.Ramp, c.Duration)
	case c.MinSize < 0 || c.MaxSize < c.MinSize || c.MaxSize > MaxFileSize:
		return fmt.Errorf("file sizes %d-%d: want 0 <= MIN <= MAX <= %d", c.MinSize, c.MaxSize, MaxFileSize)
	case c.MaxFiles < 1 || c.MaxFiles > MaxFilesPerSession:
		return fmt.Errorf("files per session: %d; want 1 to %d", c.MaxFiles, MaxFilesPerSession)
	case c.ReconnectAfter < MinReconnectAfter:
		return fmt.Errorf("reconnect after %d commands: want at least %d", c.ReconnectAfter, MinReconnectAfter)
	}
	for _, e := range c.Mix {
		if e.Op < 0 || e.Op >= numOps || e.Weight < 1 || e.Weight > MaxWeight {
			return fmt.Errorf("mix: bad entry %+v", e)
		}
	}
	switch c.DataMode {
	case harness.PASV, harness.EPSV, harness.PORT, harness.EPRT:
	default:
		return fmt.Errorf("data mode %q: want PASV, EPSV, PORT or EPRT", c.DataMode)
	}
	return nil
}

func (c *Config) defaults() {
	c.Target = c.Target.WithDefaults()
	if len(c.Mix) == 0 {
		c.Mix = DefaultMix
	}
	if c.DataMode == "" {
		c.DataMode = harness.PASV
	}
	if c.MinSize == 0 && c.MaxSize == 0 {
		c.MinSize, c.MaxSize = DefaultMinSize, DefaultMaxSize
	}
	if c.MaxFiles == 0 {
		c.MaxFiles = DefaultMaxFiles
	}
	if c.ReconnectAfter == 0 {
		c.ReconnectAfter = DefaultReconnectAfter
	}
	if c.CleanupTimeout <= 0 {
		c.CleanupTimeout = DefaultCleanupTimeout
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
}

// runner is one run in progress.
type runner struct {
	cfg       Config
	st        *stats
	seed      uint64
	scratch   string // the scratch directories' names but for "-N"
	opTimeout time.Duration
	stopAt    time.Time
	ctx       context.Context // the caller's: ends everything
	opsCtx    context.Context // ends at Stop: cancels operations in flight
	bufs      sync.Pool       // upload buffers of MaxSize bytes
	loopEnd   atomic.Int64    // UnixNano of the end of the last operation loop
	lastOK    atomic.Int64    // UnixNano of the last connection or operation that worked
	gone      atomic.Int64    // UnixNano of when the server was found gone (0: it was not)
	cancelOps context.CancelFunc
}

// goneAfter is how long no connection and no operation may have worked
// before a refused connection (nothing listens on the control port) ends
// the run: the server is gone.
const goneAfter = 3 * time.Second

// ok notes that a connection or an operation worked.
func (r *runner) ok() { r.lastOK.Store(time.Now().UnixNano()) }

// refusedConnect notes a control connection that nothing accepted; when
// nothing has worked for goneAfter either, the server is gone and the run
// ends now rather than with the duration.
func (r *runner) refusedConnect() {
	now := time.Now()
	if now.Sub(time.Unix(0, r.lastOK.Load())) < goneAfter {
		return
	}
	if r.gone.CompareAndSwap(0, now.UnixNano()) {
		r.cancelOps()
	}
}

// running reports whether the sessions should go on with their mix.
func (r *runner) running() bool {
	return r.opsCtx.Err() == nil && time.Now().Before(r.stopAt)
}

// Run runs the sessions of cfg against its target and returns the
// figures. Its error is for a Config it cannot run; what the server did
// is in the Result. Run returns within about Duration plus the longest
// operation (bounded by the target's timeouts) plus CleanupTimeout.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	r := &runner{
		cfg:    cfg,
		st:     newStats(start),
		stopAt: start.Add(cfg.Duration),
		ctx:    ctx,
		// A transfer: the data connection, the command's replies and the
		// data, each within its own deadline.
		opTimeout: 2*cfg.Target.ReplyTimeout + 2*cfg.Target.DataTimeout,
	}
	r.scratch = "ftpconform-stress-" + cfg.RunID
	if cfg.RunID == "" {
		r.scratch = harness.UniqueName("ftpconform-stress")
	}
	h := fnv.New64a()
	h.Write([]byte(r.scratch))
	r.seed = h.Sum64()
	r.bufs.New = func() any { b := make([]byte, cfg.MaxSize); return &b }
	opsCtx, cancelOps := context.WithCancel(ctx)
	defer cancelOps()
	r.opsCtx, r.cancelOps = opsCtx, cancelOps
	r.ok()
	var interrupted atomic.Bool
	done := make(chan struct{})
	go func() {
		select {
		case <-cfg.Stop:
			interrupted.Store(true)
			cancelOps()
		case <-done:
		}
	}()

	var wg sync.WaitGroup
	progressDone := make(chan struct{})
	if cfg.Progress != nil {
		go r.progress(done, progressDone)
	} else {
		close(progressDone)
	}
	r.launch(&wg)
	wg.Wait()
	close(done)
	<-progressDone

	end := time.Now()
	measured := end.Sub(start)
	if le := r.loopEnd.Load(); le != 0 {
		measured = time.Unix(0, le).Sub(start)
	}
	res := r.st.result(measured)
	res.Target = cfg.Target.String()
	res.TLS = cfg.Target.TLS.String()
	res.Insecure = cfg.Target.Insecure
	res.DataMode = string(cfg.DataMode)
	res.Clients = cfg.Clients
	res.Duration = cfg.Duration.Seconds()
	res.Ramp = cfg.Ramp.Seconds()
	res.Mix = cfg.Mix.String()
	res.FileSizeMin, res.FileSizeMax = cfg.MinSize, cfg.MaxSize
	res.MaxFiles = cfg.MaxFiles
	res.ReconnectAfter = cfg.ReconnectAfter
	res.Started = start
	res.Elapsed = end.Sub(start).Seconds()
	res.Interrupted = interrupted.Load() || (ctx.Err() != nil && time.Now().Before(r.stopAt))
	if g := r.gone.Load(); g != 0 {
		res.ServerGone = time.Unix(0, g).Sub(start).Seconds()
	}
	return &res, nil
}

// launch starts the sessions, spread over the ramp.
func (r *runner) launch(wg *sync.WaitGroup) {
	n := r.cfg.Clients
	start := r.st.start
	for i := range n {
		at := start.Add(time.Duration(int64(r.cfg.Ramp) * int64(i) / int64(n)))
		if d := time.Until(at); d > 0 {
			select {
			case <-time.After(d):
			case <-r.opsCtx.Done():
				return
			}
		}
		if !r.running() {
			return
		}
		s := newSession(r, i+1)
		wg.Go(s.run)
	}
}

// progress calls cfg.Progress every ProgressEvery until done.
func (r *runner) progress(done <-chan struct{}, finished chan<- struct{}) {
	defer close(finished)
	tick := time.NewTicker(r.cfg.ProgressEvery)
	defer tick.Stop()
	lastOps, lastAt := int64(0), r.st.start
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			ops := r.st.ops()
			p := Progress{
				Elapsed: now.Sub(r.st.start), Started: r.st.started.Load(), Active: r.st.active.Load(),
				Ops: ops, Errors: r.st.failures(), Refused: r.st.kinds[KindRefused].Load(),
				Ending: !r.running(),
			}
			if dt := now.Sub(lastAt).Seconds(); dt > 0 {
				p.OpsPerSec = float64(ops-lastOps) / dt
			}
			lastOps, lastAt = ops, now
			r.cfg.Progress(p)
		}
	}
}
