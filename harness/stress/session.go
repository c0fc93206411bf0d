package stress

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// fileRec is what a session knows of a file it uploaded.
type fileRec struct {
	name string
	seq  uint64
	size int64
	sum  [sha256.Size]byte
}

// session is one simulated client. Only its own goroutine touches it.
type session struct {
	r   *runner
	st  *stats
	id  int // 1-based
	rng *rand.Rand

	conn   *harness.Conn
	cmds   int  // commands sent on conn
	logged bool // conn is logged in (counted as active)

	home, dir string // the login directory and the scratch directory (absolute)
	dirMade   bool

	files []fileRec       // the files it uploaded and did not delete
	stale map[string]bool // files in an unknown state (a STOR that failed): removed at the end
	seq   uint64

	refused  bool // the first connection was turned away
	hadError bool
}

func newSession(r *runner, id int) *session {
	return &session{
		r: r, st: r.st, id: id,
		rng:   rand.New(rand.NewPCG(r.seed, uint64(id))),
		stale: map[string]bool{},
	}
}

// scratchName is the name of the session's scratch directory.
func (s *session) scratchName() string {
	return s.r.scratch + "-" + strconv.Itoa(s.id)
}

func (s *session) run() {
	s.st.started.Add(1)
	defer func() {
		switch {
		case s.refused:
			s.st.refused.Add(1)
		case s.hadError:
			s.st.failed.Add(1)
		default:
			s.st.completed.Add(1)
		}
	}()
	first := true
	backoff := 100 * time.Millisecond
	for s.r.running() {
		if s.conn == nil {
			kind, err := s.establish()
			switch {
			case errors.Is(err, errCancelled):
			case err != nil && first && kind == KindRefused:
				// Turned away: the session ends here, and counts as
				// refused rather than failed.
				s.refused, s.hadError = true, false
				s.endLoop()
				return
			case err != nil && (kind == KindLost || !s.dirMade && !breaksSession(kind, 0)):
				// No scratch directory (it cannot be made, or it is
				// gone): nothing more this session does would be safe.
				s.endLoop()
				s.cleanup()
				return
			case err != nil:
				s.sleep(backoff)
				backoff = min(2*backoff, 2*time.Second)
			default:
				first = false
				backoff = 100 * time.Millisecond
			}
			continue
		}
		if s.cmds >= s.r.cfg.ReconnectAfter {
			s.reconnect()
			continue
		}
		s.do(s.r.cfg.Mix.pick(s.rng))
	}
	s.endLoop()
	s.cleanup()
}

// endLoop notes when the session stopped its operations.
func (s *session) endLoop() {
	raise(&s.r.loopEnd, time.Now().UnixNano())
}

// sleep waits d, or less when the run ends.
func (s *session) sleep(d time.Duration) {
	d = min(d, time.Until(s.r.stopAt))
	if d <= 0 {
		return
	}
	d = d/2 + time.Duration(s.rng.Int64N(int64(d/2)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.r.opsCtx.Done():
	}
}

// fail counts an error of the session; it returns the kind, or ok false
// when the run's interruption caused it.
func (s *session) fail(r row, phase Phase, err error) (Kind, int, bool) {
	if s.r.opsCtx.Err() != nil && r != rowCleanup {
		s.st.cut.Add(1)
		return 0, 0, false
	}
	kind, code, ok := s.st.fail(r, s.id, phase, err)
	if ok && kind != KindRefused {
		// A refused reconnection is counted as such, not as a failure
		// of the session.
		s.hadError = true
	}
	return kind, code, ok
}

// phaseError carries the phase an error of establish happened in.
type phaseError struct {
	phase Phase
	row   row
	err   error
}

// establish opens a control connection, logs in and goes to the scratch
// directory, making it the first time. It counts its error and returns
// its kind; errCancelled when the run's interruption cut it short.
func (s *session) establish() (Kind, error) {
	ctx, cancel := context.WithTimeout(s.r.opsCtx, s.r.opTimeout)
	defer cancel()
	perr := s.open(ctx)
	if perr == nil {
		perr = s.enter(ctx)
	}
	if perr == nil {
		s.r.ok()
		return 0, nil
	}
	s.drop()
	kind, _, ok := s.fail(perr.row, perr.phase, perr.err)
	if !ok {
		return 0, errCancelled
	}
	if de := (*harness.DialError)(nil); errors.As(perr.err, &de) && de.Kind == harness.DialRefused {
		s.r.refusedConnect()
	}
	return kind, perr.err
}

// open connects and logs in, timing both.
func (s *session) open(ctx context.Context) *phaseError {
	t := s.r.cfg.Target
	t0 := time.Now()
	s.st.rows[rowConnect].count.Add(1)
	c, greet, err := harness.Connect(ctx, t, nil)
	if err != nil {
		return &phaseError{PhaseConnect, rowConnect, err}
	}
	// Transcripts grow with every line: the sessions keep none (a nil
	// Transcript records nothing).
	c.T = nil
	s.conn, s.cmds = c, 0
	if last := greet[len(greet)-1]; harness.Class(last.Code) != 2 {
		return &phaseError{PhaseConnect, rowConnect, &harness.ReplyError{Cmd: "(greeting)", Expected: []int{harness.ReplyServiceReady}, Reply: last}}
	}
	t1 := time.Now()
	s.st.rows[rowConnect].lat.Record(t1.Sub(t0))
	s.st.rows[rowLogin].count.Add(1)
	if err := c.Login(ctx); err != nil {
		return &phaseError{PhaseLogin, rowLogin, err}
	}
	if _, err := s.expect(ctx, "TYPE I", 2); err != nil {
		return &phaseError{PhaseCommand, rowLogin, err}
	}
	s.st.rows[rowLogin].lat.Record(time.Since(t1))
	s.logged = true
	s.st.setActive(1)
	return nil
}

// enter goes to the scratch directory; the first time it learns the
// login directory (PWD) and makes the scratch directory (MKD).
func (s *session) enter(ctx context.Context) *phaseError {
	t0 := time.Now()
	s.st.rows[rowSetup].count.Add(1)
	if !s.dirMade {
		r, err := s.expect(ctx, "PWD", harness.ReplyPathCreated)
		if err != nil {
			return &phaseError{PhaseCommand, rowSetup, err}
		}
		home, problem := harness.Parse257(r.Text())
		if home == "" {
			return &phaseError{PhaseCommand, rowSetup, fmt.Errorf("PWD: %s: %s", r, problem)}
		}
		s.home = home
		s.dir = joinPath(home, s.scratchName())
		if _, err := s.expect(ctx, "MKD "+s.dir, 2); err != nil {
			return &phaseError{PhaseCommand, rowSetup, err}
		}
		s.dirMade = true
	}
	if _, err := s.expect(ctx, "CWD "+s.dir, 2); err != nil {
		return &phaseError{PhaseCommand, rowSetup, s.lostDir("CWD", err)}
	}
	s.st.rows[rowSetup].lat.Record(time.Since(t0))
	return nil
}

// joinPath appends name to the directory dir as the server wrote it.
func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// lostDir turns a 550 to a command on the scratch directory into a lost
// error: the directory the session made is gone.
func (s *session) lostDir(cmd string, err error) error {
	var re *harness.ReplyError
	if errors.As(err, &re) && re.Reply.Code == harness.ReplyActionNotTaken {
		return lostf(re.Reply.Code, "%s %s: the session's scratch directory is gone: %s", cmd, s.dir, re.Reply)
	}
	return err
}

// expect sends a command and wants a reply of the given code, or of the
// given class when want is 1 to 5 (RFC 1123 §4.1.2.11 lets a client go by
// the first digit).
func (s *session) expect(ctx context.Context, line string, want int) (*harness.Reply, error) {
	s.cmds++
	r, err := s.conn.Cmd(ctx, line)
	if err != nil {
		return nil, err
	}
	if want <= 5 && harness.Class(r.Code) == want || r.Code == want {
		return r, nil
	}
	expected := []int{want}
	if want <= 5 {
		expected = []int{want * 100}
	}
	verb, _, _ := strings.Cut(line, " ")
	return r, &harness.ReplyError{Cmd: verb, Expected: expected, Reply: r}
}

// drop closes the control connection without a word.
func (s *session) drop() {
	if s.conn == nil {
		return
	}
	s.conn.Close()
	s.conn = nil
	if s.logged {
		s.logged = false
		s.st.setActive(-1)
	}
}

// quit ends the control connection with QUIT.
func (s *session) quit() {
	if s.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.r.ctx, s.r.cfg.Target.ReplyTimeout)
	defer cancel()
	_, _ = s.conn.Quit(ctx)
	s.drop()
}

// reconnect ends the control connection with QUIT and waits for the
// server to close it, so that a server with a session limit has let the
// session go (mostly: it may count it a moment longer) before the next
// connection.
func (s *session) reconnect() {
	ctx, cancel := context.WithTimeout(s.r.opsCtx, s.r.cfg.Target.ReplyTimeout)
	defer cancel()
	if _, err := s.conn.Cmd(ctx, "QUIT"); err == nil {
		s.conn.WaitClose(ctx, time.Second)
	}
	s.drop()
	s.st.reconnects.Add(1)
}

// do performs one operation of the mix and counts it.
func (s *session) do(op Op) {
	if op.needsFile() && len(s.files) == 0 {
		op = OpStor // something to work on first
	}
	ctx, cancel := context.WithTimeout(s.r.opsCtx, s.r.opTimeout)
	t0 := time.Now()
	err := s.exec(ctx, op)
	elapsed := time.Since(t0)
	cancel()
	if err != nil && s.r.opsCtx.Err() != nil {
		// The run was interrupted in the middle of it.
		s.st.cut.Add(1)
		s.drop()
		return
	}
	rs := &s.st.rows[op]
	rs.count.Add(1)
	if err == nil {
		rs.lat.Record(elapsed)
		s.r.ok()
		return
	}
	if kind, code, ok := s.fail(row(op), PhaseCommand, err); ok && breaksSession(kind, code) {
		s.drop()
	}
}

func (s *session) exec(ctx context.Context, op Op) error {
	switch op {
	case OpStor:
		return s.stor(ctx)
	case OpRetr:
		return s.retr(ctx)
	case OpList:
		return s.list(ctx, "LIST")
	case OpNlst:
		return s.list(ctx, "NLST")
	case OpSize:
		return s.size(ctx)
	case OpMdtm:
		return s.mdtm(ctx)
	case OpCwd:
		_, err := s.expect(ctx, "CWD "+s.dir, 2)
		return s.lostDir("CWD", err)
	case OpPwd:
		r, err := s.expect(ctx, "PWD", harness.ReplyPathCreated)
		if err != nil {
			return err
		}
		if name, problem := harness.Parse257(r.Text()); name != s.dir {
			if name == "" {
				return fmt.Errorf("PWD: %s: %s", r, problem)
			}
			return &harness.ReplyError{Cmd: "PWD (in " + s.dir + ")", Expected: []int{harness.ReplyPathCreated}, Reply: r}
		}
		return nil
	case OpNoop:
		_, err := s.expect(ctx, "NOOP", 2)
		return err
	case OpDele:
		return s.dele(ctx)
	}
	return fmt.Errorf("unknown operation %v", op)
}

// pick returns the index in files of one of the session's files, at
// random.
func (s *session) pick() int { return s.rng.IntN(len(s.files)) }

// forget drops files[i].
func (s *session) forget(i int) {
	last := len(s.files) - 1
	s.files[i] = s.files[last]
	s.files = s.files[:last]
}

// content returns the bytes of the file with sequence number seq in buf
// (a function of the run, the session and seq alone).
func (s *session) content(seq uint64, buf []byte) []byte {
	g := rand.NewPCG(s.r.seed^uint64(s.id)<<32, seq)
	lo, hi := s.r.cfg.MinSize, s.r.cfg.MaxSize
	size := lo + int(g.Uint64()%uint64(hi-lo+1))
	b := buf[:size]
	for i := 0; i < size; i += 8 {
		v := g.Uint64()
		for j := i; j < min(i+8, size); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

func (s *session) stor(ctx context.Context) error {
	s.seq++
	seq := s.seq
	name := fmt.Sprintf("f%06d.dat", seq)
	if len(s.files) >= s.r.cfg.MaxFiles {
		// Replace one: whatever happens from here, its old content is no
		// longer known.
		i := s.pick()
		name = s.files[i].name
		s.forget(i)
	}
	s.stale[name] = true
	bp := s.r.bufs.Get().(*[]byte)
	defer s.r.bufs.Put(bp)
	data := s.content(seq, *bp)
	rec := fileRec{name: name, seq: seq, size: int64(len(data)), sum: sha256.Sum256(data)}
	cmd := "STOR " + name
	s.cmds += 2
	d, err := s.conn.OpenData(ctx, s.r.cfg.DataMode, harness.DataOptions{})
	if err != nil {
		d.Close()
		return err
	}
	t, err := s.conn.Store(ctx, d, cmd, data)
	if err != nil {
		return err
	}
	if harness.Class(t.Final.Code) != 2 {
		return &harness.ReplyError{Cmd: cmd, Expected: []int{harness.ReplyClosingData}, Reply: t.Final}
	}
	if t.DataErr != nil {
		return &dataError{t.DataErr}
	}
	s.st.up.Add(int64(t.Sent))
	if t.Sent != len(data) {
		return &dataError{fmt.Errorf("%s: sent %d of %d bytes", cmd, t.Sent, len(data))}
	}
	delete(s.stale, name)
	s.files = append(s.files, rec)
	return nil
}

// download runs a command that sends data (RETR, LIST, NLST) over a new
// data connection into w. A 2yz completion with a broken data connection
// is a *dataError.
func (s *session) download(ctx context.Context, cmd string, w io.Writer) (*harness.Transfer, error) {
	s.cmds += 2
	d, err := s.conn.OpenData(ctx, s.r.cfg.DataMode, harness.DataOptions{})
	if err != nil {
		d.Close()
		return nil, err
	}
	t, err := s.conn.RetrieveTo(ctx, d, cmd, w)
	if err != nil {
		return t, err
	}
	s.st.down.Add(t.Received)
	if harness.Class(t.Final.Code) == 2 && t.DataErr != nil {
		return t, &dataError{t.DataErr}
	}
	return t, nil
}

// hashCounter hashes what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (hc *hashCounter) Write(p []byte) (int, error) {
	hc.n += int64(len(p))
	return hc.h.Write(p)
}

func (s *session) retr(ctx context.Context) error {
	i := s.pick()
	rec := s.files[i]
	cmd := "RETR " + rec.name
	hc := &hashCounter{h: sha256.New()}
	t, err := s.download(ctx, cmd, hc)
	if err != nil {
		return err
	}
	switch code := t.Final.Code; {
	case code == harness.ReplyActionNotTaken:
		s.forget(i)
		return lostf(code, "%s: %s; the session uploaded it (%d bytes, #%d) and did not delete it", cmd, t.Final, rec.size, rec.seq)
	case harness.Class(code) != 2:
		return &harness.ReplyError{Cmd: cmd, Expected: []int{harness.ReplyClosingData}, Reply: t.Final}
	}
	if hc.n != rec.size {
		return corruptf("%s: %d bytes downloaded, %d uploaded (#%d)", cmd, hc.n, rec.size, rec.seq)
	}
	var sum [sha256.Size]byte
	if hc.h.Sum(sum[:0]); sum != rec.sum {
		return corruptf("%s: the %d bytes downloaded differ from those uploaded (#%d): SHA-256 %x, want %x", cmd, hc.n, rec.seq, sum[:8], rec.sum[:8])
	}
	return nil
}

// maxListing bounds what a LIST or NLST may deliver.
const maxListing = 1 << 20

// capBuffer keeps at most maxListing bytes; more is an error.
type capBuffer struct{ bytes.Buffer }

func (b *capBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxListing {
		return 0, fmt.Errorf("listing longer than %d bytes", maxListing)
	}
	return b.Buffer.Write(p)
}

// listedNames yields the name each line of a listing ends with: the last
// word of a LIST line (long), the last element of an NLST pathname; "",
// "." and ".." are left out.
func listedNames(listing string, long bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		for line := range strings.SplitSeq(listing, "\n") {
			line = strings.TrimRight(line, "\r")
			if long {
				line = line[strings.LastIndexByte(line, ' ')+1:]
			}
			line = strings.TrimRight(line, "/")
			name := line[strings.LastIndexByte(line, '/')+1:]
			if name != "" && name != "." && name != ".." && !yield(name) {
				return
			}
		}
	}
}

// list runs LIST or NLST in the scratch directory: every file the session
// has must be named. LIST lines end with the name; NLST lines are names
// (or pathnames, whose last element counts).
func (s *session) list(ctx context.Context, cmd string) error {
	var buf capBuffer
	t, err := s.download(ctx, cmd, &buf)
	if err != nil {
		return err
	}
	empty := false
	switch code := t.Final.Code; {
	case harness.Class(code) == 2:
	case code == harness.ReplyFileUnavailable || code == harness.ReplyActionNotTaken:
		empty = true // "no files", as some servers say of an empty directory
	default:
		return &harness.ReplyError{Cmd: cmd, Expected: []int{harness.ReplyClosingData}, Reply: t.Final}
	}
	listed := map[string]bool{}
	if !empty {
		for name := range listedNames(buf.String(), cmd == "LIST") {
			listed[name] = true
		}
	}
	var missing []string
	had := len(s.files)
	kept := s.files[:0]
	for _, f := range s.files {
		if listed[f.name] {
			kept = append(kept, f)
			continue
		}
		missing = append(missing, f.name)
		s.stale[f.name] = true
	}
	s.files = kept
	if len(missing) > 0 {
		return lostf(0, "%s: %d of the session's %d files missing (%s): %s", cmd, len(missing), had, t.Final, strings.Join(missing[:min(len(missing), 5)], ", "))
	}
	return nil
}

func (s *session) size(ctx context.Context) error {
	i := s.pick()
	rec := s.files[i]
	r, err := s.expect(ctx, "SIZE "+rec.name, harness.ReplyFileStatus)
	if err != nil {
		if r != nil && r.Code == harness.ReplyActionNotTaken {
			s.forget(i)
			return lostf(r.Code, "SIZE %s: %s; the session uploaded it (%d bytes, #%d) and did not delete it", rec.name, r, rec.size, rec.seq)
		}
		return err
	}
	n, err := harness.ParseSIZE(r)
	if err != nil {
		return err
	}
	if n != rec.size {
		return corruptf("SIZE %s: %d; the session uploaded %d bytes (#%d)", rec.name, n, rec.size, rec.seq)
	}
	return nil
}

func (s *session) mdtm(ctx context.Context) error {
	i := s.pick()
	rec := s.files[i]
	r, err := s.expect(ctx, "MDTM "+rec.name, harness.ReplyFileStatus)
	if err != nil {
		if r != nil && r.Code == harness.ReplyActionNotTaken {
			s.forget(i)
			return lostf(r.Code, "MDTM %s: %s; the session uploaded it (#%d) and did not delete it", rec.name, r, rec.seq)
		}
		return err
	}
	_, err = harness.ParseMDTM(r)
	return err
}

func (s *session) dele(ctx context.Context) error {
	i := s.pick()
	rec := s.files[i]
	r, err := s.expect(ctx, "DELE "+rec.name, 2)
	if err == nil {
		s.forget(i)
		return nil
	}
	if r != nil {
		s.forget(i)
		if r.Code == harness.ReplyActionNotTaken {
			return lostf(r.Code, "DELE %s: %s; the session uploaded it (#%d) and did not delete it", rec.name, r, rec.seq)
		}
		s.stale[rec.name] = true // in an unknown state
	}
	return err
}

// cleanup removes the scratch directory and the session's files in it,
// within CleanupTimeout (a new control connection if need be), then
// quits. A file that is gone counts as lost; a directory that cannot be
// removed is noted in the result.
func (s *session) cleanup() {
	if !s.dirMade {
		s.quit()
		return
	}
	ctx, cancel := context.WithTimeout(s.r.ctx, s.r.cfg.CleanupTimeout)
	defer cancel()
	t0 := time.Now()
	s.st.rows[rowCleanup].count.Add(1)
	err := s.removeScratch(ctx)
	if err == nil {
		s.st.rows[rowCleanup].lat.Record(time.Since(t0))
	} else {
		s.st.leftBehind(s.dir)
		s.st.rows[rowCleanup].errors.Add(1)
	}
	s.quit()
}

func (s *session) removeScratch(ctx context.Context) error {
	if s.conn != nil {
		// A connection the last operation left out of step (its
		// deadline passed as the run ended, say) is replaced.
		if _, err := s.expect(ctx, "NOOP", 2); err != nil {
			s.drop()
		}
	}
	if s.conn == nil {
		if perr := s.open(ctx); perr != nil {
			s.drop()
			return perr.err
		}
	}
	for _, rec := range s.files {
		r, err := s.expect(ctx, "DELE "+joinPath(s.dir, rec.name), 2)
		if r != nil && r.Code == harness.ReplyActionNotTaken {
			s.fail(rowCleanup, PhaseCommand, lostf(r.Code, "DELE %s at the end: %s; the session uploaded it (#%d) and did not delete it", rec.name, r, rec.seq))
			continue
		}
		if err != nil && (r == nil || r.Code == harness.ReplyServiceUnavailable) {
			return err // the connection is gone
		}
	}
	for name := range s.stale {
		if _, err := s.expect(ctx, "DELE "+joinPath(s.dir, name), 2); err != nil {
			var re *harness.ReplyError
			if !errors.As(err, &re) {
				return err
			}
		}
	}
	if _, err := s.expect(ctx, "RMD "+s.dir, 2); err == nil {
		return nil
	}
	// Something is left in it (a partial upload the session does not
	// know of): empty it by its listing, then once more.
	var buf capBuffer
	t, err := s.download(ctx, "NLST "+s.dir, &buf)
	if err != nil {
		return err
	}
	if harness.Class(t.Final.Code) == 2 {
		for name := range listedNames(buf.String(), false) {
			_, _ = s.expect(ctx, "DELE "+joinPath(s.dir, name), 2)
		}
	}
	_, err = s.expect(ctx, "RMD "+s.dir, 2)
	return err
}
