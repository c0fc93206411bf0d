package stress

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// row is a line of the per-command table: an operation of the mix, or a
// step around them.
type row int

const (
	rowConnect row = row(numOps) + iota // TCP connect, greeting, TLS
	rowLogin                            // USER, PASS (PBSZ, PROT), TYPE I
	rowSetup                            // PWD, MKD and CWD of the scratch directory (CWD alone after a reconnection)
	rowCleanup                          // DELE of the session's files, RMD, QUIT
	numRows
)

func (r row) String() string {
	switch r {
	case rowConnect:
		return "connect"
	case rowLogin:
		return "login"
	case rowSetup:
		return "setup"
	case rowCleanup:
		return "cleanup"
	}
	return Op(r).String()
}

type rowStats struct {
	count  atomic.Int64 // attempts
	errors atomic.Int64
	lat    Histogram // successful attempts only
}

// Bounds on what a run keeps of its errors and leftovers.
const (
	maxSamples        = 40 // error messages kept in all
	maxSamplesPerKind = 8
	maxLeftListed     = 50 // scratch directories named in the result
)

// stats is what the sessions of a run count, concurrently.
type stats struct {
	rows     [numRows]rowStats
	kinds    [numKinds]atomic.Int64
	up, down atomic.Int64

	started, refused, completed, failed atomic.Int64 // sessions
	active, peak, reconnects, cut       atomic.Int64

	start time.Time

	mu          sync.Mutex
	codes       map[int]int64
	samples     []ErrorSample
	kindSamples [numKinds]int
	left        []string
	leftCount   int
}

func newStats(start time.Time) *stats {
	return &stats{start: start, codes: map[int]int64{}}
}

// ErrorSample is one error as it happened.
type ErrorSample struct {
	At      float64 `json:"at_s"`    // seconds since the run started
	Session int     `json:"session"` // 1-based
	Command string  `json:"command"` // row of the table: stor, connect, ...
	Kind    string  `json:"kind"`
	Code    int     `json:"code,omitempty"`
	Message string  `json:"message"`
}

// fail counts err of session id in row r; ok is false for an error the
// run's interruption caused (not counted).
func (st *stats) fail(r row, id int, phase Phase, err error) (kind Kind, code int, ok bool) {
	kind, code, ok = Classify(err, phase)
	if !ok {
		return kind, code, false
	}
	st.rows[r].errors.Add(1)
	st.kinds[kind].Add(1)
	st.mu.Lock()
	defer st.mu.Unlock()
	if code != 0 {
		st.codes[code]++
	}
	if len(st.samples) < maxSamples && st.kindSamples[kind] < maxSamplesPerKind {
		st.kindSamples[kind]++
		st.samples = append(st.samples, ErrorSample{
			At: time.Since(st.start).Seconds(), Session: id, Command: r.String(),
			Kind: kind.String(), Code: code, Message: err.Error(),
		})
	}
	return kind, code, true
}

// ops is how many operations of the mix were attempted: the counts of
// their rows.
func (st *stats) ops() int64 {
	var n int64
	for i := range row(numOps) {
		n += st.rows[i].count.Load()
	}
	return n
}

// failures is how many errors other than refused were counted.
func (st *stats) failures() int64 {
	var n int64
	for k := range numKinds {
		if k != KindRefused {
			n += st.kinds[k].Load()
		}
	}
	return n
}

// leftBehind notes a scratch directory the cleanup could not remove.
func (st *stats) leftBehind(dir string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.leftCount++
	if len(st.left) < maxLeftListed {
		st.left = append(st.left, dir)
	}
}

func (st *stats) setActive(delta int64) {
	raise(&st.peak, st.active.Add(delta))
}

// raise stores v in a unless a holds as much already.
func raise(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// Result is the outcome of a run; its JSON form is documented in
// docs/stress.md.
type Result struct {
	Target         string  `json:"target"` // without the password
	Embedded       bool    `json:"embedded"`
	TLS            string  `json:"tls"`
	Insecure       bool    `json:"insecure,omitempty"`
	DataMode       string  `json:"data_mode"`
	Clients        int     `json:"clients"`
	Duration       float64 `json:"duration_s"`
	Ramp           float64 `json:"ramp_s"`
	Mix            string  `json:"mix"`
	FileSizeMin    int     `json:"file_size_min"`
	FileSizeMax    int     `json:"file_size_max"`
	MaxFiles       int     `json:"max_files"`
	ReconnectAfter int     `json:"reconnect_after"`

	Started     time.Time `json:"started"`
	Elapsed     float64   `json:"elapsed_s"`  // the whole run, cleanup included
	Measured    float64   `json:"measured_s"` // from the start to the end of the last operation
	Interrupted bool      `json:"interrupted"`
	// ServerGone, when not 0, is when (seconds since the start) the run
	// ended early because nothing listened on the control port any more
	// and nothing had worked for 3 s.
	ServerGone float64 `json:"server_gone_at_s,omitempty"`

	Sessions     Sessions        `json:"sessions"`
	Ops          int64           `json:"ops"`
	OpsPerSecond float64         `json:"ops_per_s"`
	BytesUp      int64           `json:"bytes_up"`
	BytesDown    int64           `json:"bytes_down"`
	Commands     []CommandResult `json:"commands"`
	Errors       Errors          `json:"errors"`
	Cleanup      Cleanup         `json:"cleanup"`

	// Set by the caller that judges the run (the CLI).
	Verdict  string `json:"verdict,omitempty"`
	ExitCode int    `json:"exit_code"`
}

// Sessions says what became of the sessions: Started = Refused +
// Completed + Failed.
type Sessions struct {
	Started    int64 `json:"started"`
	Refused    int64 `json:"refused"`   // the first connection was turned away; no retry
	Completed  int64 `json:"completed"` // ran to the end without an error (a refused reconnection is none)
	Failed     int64 `json:"failed"`    // had at least one error other than refused
	Reconnects int64 `json:"reconnects"`
	PeakActive int64 `json:"peak_active"` // most sessions logged in at once
}

// CommandResult is a line of the per-command table.
type CommandResult struct {
	Name    string  `json:"name"`
	Count   int64   `json:"count"`
	Errors  int64   `json:"errors"`
	PerSec  float64 `json:"per_s"`
	Latency Latency `json:"latency"`
}

// Errors counts the errors of a run. Total leaves out refused sessions.
type Errors struct {
	Total    int64            `json:"total"`
	ByKind   map[string]int64 `json:"by_kind"`
	ByCode   map[string]int64 `json:"by_code"`
	Samples  []ErrorSample    `json:"samples"`
	CutAtEnd int64            `json:"cut_at_end"` // operations an interruption stopped (not errors)
}

// Cleanup says which scratch directories are left on the server.
type Cleanup struct {
	Left int      `json:"left"`
	Dirs []string `json:"dirs,omitempty"`
}

// Failed reports whether the run found errors: any other than refused
// sessions, or refused sessions too when failOnRefused; a server that went
// away during the run has failed too.
func (r *Result) Failed(failOnRefused bool) bool {
	return r.Errors.Total > 0 || r.ServerGone > 0 || (failOnRefused && (r.Sessions.Refused > 0 || r.Errors.ByKind[KindRefused.String()] > 0))
}

// result turns the counters into a Result.
func (st *stats) result(measured time.Duration) Result {
	var r Result
	r.Sessions = Sessions{
		Started: st.started.Load(), Refused: st.refused.Load(), Completed: st.completed.Load(),
		Failed: st.failed.Load(), Reconnects: st.reconnects.Load(), PeakActive: st.peak.Load(),
	}
	r.Ops = st.ops()
	secs := measured.Seconds()
	if secs > 0 {
		r.OpsPerSecond = float64(r.Ops) / secs
	}
	r.Measured = secs
	r.BytesUp, r.BytesDown = st.up.Load(), st.down.Load()
	for i := range numRows {
		rs := &st.rows[i]
		n := rs.count.Load()
		if n == 0 {
			continue
		}
		c := CommandResult{Name: i.String(), Count: n, Errors: rs.errors.Load(), Latency: rs.lat.Summary()}
		if secs > 0 && i < row(numOps) {
			c.PerSec = float64(n) / secs
		}
		r.Commands = append(r.Commands, c)
	}
	r.Errors = Errors{Total: st.failures(), ByKind: map[string]int64{}, ByCode: map[string]int64{}, CutAtEnd: st.cut.Load()}
	for k := range numKinds {
		if n := st.kinds[k].Load(); n > 0 {
			r.Errors.ByKind[k.String()] = n
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for code, n := range st.codes {
		r.Errors.ByCode[strconv.Itoa(code)] = n
	}
	r.Errors.Samples = append([]ErrorSample{}, st.samples...)
	sort.SliceStable(r.Errors.Samples, func(i, j int) bool { return r.Errors.Samples[i].At < r.Errors.Samples[j].At })
	r.Cleanup = Cleanup{Left: st.leftCount, Dirs: append([]string(nil), st.left...)}
	return r
}

// sortedCounts renders a count map as "k1 3, k2 1", largest first.
func sortedCounts(m map[string]int64, sep string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s%s%d", k, sep, m[k])
	}
	return out
}
