package script

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// quitGrace bounds the QUIT sent to each connection still open when a run
// ends (after a failure, or when the scenario did not quit).
const quitGrace = 2 * time.Second

// Env is what a run needs from its caller.
type Env struct {
	Target     harness.Target
	Transcript *harness.Transcript // nil: a new one
	// Vars gives the built-in variables: user, password, scratch, host.
	// user, password and host default to the target's; scratch has no
	// default (a scenario that refers to it fails at that step without
	// it).
	Vars map[string]string
	// Fixtures is where the scenario's fixtures are; Parse has read them
	// already, so a run does not need it.
	Fixtures fs.FS
	// Connect opens the control connection name and reads the greeting
	// (the 120 and the 220 after it when the server sends a 120 first);
	// nil: harness.Connect with Target and Transcript (AUTH TLS first when
	// the target asks for explicit TLS), then SetName(name).
	Connect func(ctx context.Context, name string) (*harness.Conn, []*harness.Reply, error)
	// Login logs in on c; nil: c.Login.
	Login func(ctx context.Context, c *harness.Conn) error
	// CodeMismatch, when set, is asked about every expect step whose
	// reply code is none of its alternatives, before the step fails.
	// sent is the line of the last send step on the step's connection
	// (the argument of PASS, ACCT and ADAT, and the run's secrets,
	// masked: "PASS ****"; "" when none was sent); want is the
	// alternatives as written ("550", "4xx", "25x"); got is the reply.
	// When it returns true the code is accepted and the step goes on to
	// its other conditions (text, multiline, lines, port), which still
	// hold or fail as usual; the hook records the warning, if any,
	// itself. For built-in scenarios whose checks tolerate codes other
	// than the ones they name; leave it nil for scenarios written by
	// users, whose codes are what the file says.
	CodeMismatch func(sent string, want []string, got *harness.Reply) (accept bool)
}

// Run runs the scenario's steps in order against env's target. It returns
// nil when every expectation held, else a *Failure naming the step's line.
// Every connection still open at the end is closed (QUIT sent, at most
// 2 s each, also after a failure or when ctx is done). The run's
// password is registered with the transcript as a secret and never appears
// in a failure.
func (s *Script) Run(ctx context.Context, env Env) error {
	r := newRunner(s, env)
	defer r.closeAll(ctx)
	for i := range s.Steps {
		st := &s.Steps[i]
		if err := ctx.Err(); err != nil {
			return r.fail(st, err, "interrupted before this step: %v", err)
		}
		conn := st.Conn
		if st.Kind == Set || st.Kind == Sleep {
			conn = "script" // no connection of its own
		}
		r.tr.Notef(conn, "step %d: %s", st.Line, stepNote(st))
		if f := r.step(ctx, st); f != nil {
			r.tr.Notef(conn, "FAILED at %s:%d: %s", s.File, st.Line, f.Msg)
			return f
		}
	}
	return nil
}

// stepNote is the step as the transcript shows it, without its @NAME
// (the transcript's connection column names it).
func stepNote(st *Step) string {
	if st.Arg == "" {
		return string(st.Kind)
	}
	return string(st.Kind) + " " + st.Arg
}

// runner is the state of one run.
type runner struct {
	s       *Script
	env     Env
	tr      *harness.Transcript
	vars    map[string]string
	secrets []string
	conns   map[string]*session
	buffers map[string][]byte
	random  map[int64][]byte
}

// session is one open control connection of the run.
type session struct {
	c    *harness.Conn
	data *harness.DataChannel // set up by data, not yet used up
	// prot is the level of a PROT just sent, applied when its reply is
	// 200; 0 when none is pending.
	prot harness.ProtLevel
	// sent is the line of the last send step, masked, for CodeMismatch.
	sent string
}

// closeData closes the data connection set up by the last data step, if
// it is still there.
func (s *session) closeData() {
	s.data.Close()
	s.data = nil
}

func newRunner(s *Script, env Env) *runner {
	r := &runner{s: s, env: env, tr: env.Transcript, vars: map[string]string{},
		conns: map[string]*session{}, buffers: map[string][]byte{}, random: map[int64][]byte{}}
	if r.tr == nil {
		r.tr = harness.NewTranscript()
	}
	r.vars["user"] = env.Target.User
	r.vars["password"] = env.Target.Password
	r.vars["host"] = env.Target.Host
	for k, v := range env.Vars {
		r.vars[k] = v
	}
	for _, p := range []string{env.Target.Password, r.vars["password"]} {
		if p != "" && !slices.Contains(r.secrets, p) {
			r.secrets = append(r.secrets, p)
			r.tr.AddSecret(p)
		}
	}
	return r
}

// define sets a variable. A value that holds a secret becomes a secret
// itself: the transcript masks secrets only where they stand as whole
// words, and "x{password}x" would show the password otherwise.
func (r *runner) define(name, v string) {
	r.vars[name] = v
	for _, s := range r.secrets {
		if strings.Contains(v, s) && v != s {
			r.secrets = append(r.secrets, v)
			r.tr.AddSecret(v)
			break
		}
	}
}

// hideComposedSecrets makes a secret of each word of line, the expansion
// of t, that t composes from a secret and other text ("SITE x{password}"),
// as define does for a variable: the transcript masks secrets only where
// they stand as whole words, and would show the password otherwise, as
// sent and as a server echoes it. A word runs from the blank before the
// secret to the blank after it. A secret that the text of a variable
// holds by chance ({scratch} "ftpconform-1a2b" and the password
// "conform") is left alone, as the transcript leaves it.
func (r *runner) hideComposedSecrets(t template, line string) {
	off := 0
	for _, p := range t {
		v := p.lit
		if p.ref != "" {
			v = r.vars[p.ref]
		}
		start, end := off, off+len(v)
		off = end
		if p.ref == "" || !slices.Contains(r.secrets, v) {
			continue
		}
		start = strings.LastIndexAny(line[:start], " \t") + 1
		if k := strings.IndexAny(line[end:], " \t"); k >= 0 {
			end += k
		} else {
			end = len(line)
		}
		if w := line[start:end]; !slices.Contains(r.secrets, w) {
			r.secrets = append(r.secrets, w)
			r.tr.AddSecret(w)
		}
	}
}

// fail makes the Failure of st; the message is masked.
func (r *runner) fail(st *Step, err error, format string, args ...any) *Failure {
	return &Failure{File: r.s.File, Line: st.Line, Step: st.Text, Msg: r.mask(fmt.Sprintf(format, args...)), Err: err}
}

// mask removes the run's secrets from a message: as whole tokens, as the
// transcript does, and then anywhere, even inside a longer word.
func (r *runner) mask(msg string) string {
	msg = harness.MaskSecrets(msg, r.secrets...)
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, harness.Mask)
	}
	return msg
}

// step runs one step.
func (r *runner) step(ctx context.Context, st *Step) *Failure {
	if st.Kind == Connect {
		return r.connect(ctx, st)
	}
	sess := r.conns[st.Conn]
	if sess == nil && st.Kind != Set && st.Kind != Sleep {
		// Parse makes sure this does not happen.
		return r.fail(st, nil, "connection %s is not connected", st.Conn)
	}
	switch st.Kind {
	case Login:
		login := r.env.Login
		if login == nil {
			login = func(ctx context.Context, c *harness.Conn) error { return c.Login(ctx) }
		}
		if err := login(ctx, sess.c); err != nil {
			return r.fail(st, err, "login failed: %v", err)
		}
	case Send:
		return r.send(ctx, st, sess)
	case Expect:
		return r.expect(ctx, st, sess)
	case Capture:
		return r.capture(st, sess)
	case Set:
		v, err := st.tmpl.expand(r.vars)
		if err != nil {
			return r.fail(st, err, "%v", err)
		}
		r.define(st.name, v)
	case Data:
		return r.data(ctx, st, sess)
	case Upload, Write:
		return r.write(ctx, st, sess)
	case CloseData:
		sess.closeData()
	case Download:
		return r.download(ctx, st, sess)
	case Compare:
		return r.compare(st)
	case Quit:
		return r.quit(ctx, st, sess)
	case Sleep:
		t := time.NewTimer(st.dur)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return r.fail(st, ctx.Err(), "interrupted: %v", ctx.Err())
		}
	}
	return nil
}

func (r *runner) connect(ctx context.Context, st *Step) *Failure {
	connect := r.env.Connect
	if connect == nil {
		connect = func(ctx context.Context, name string) (*harness.Conn, []*harness.Reply, error) {
			c, greet, err := harness.Connect(ctx, r.env.Target, r.tr)
			if c != nil {
				// The transcript numbers a new connection (c1, c2, ...)
				// until it has its scenario name.
				old := c.Name()
				c.SetName(name)
				r.tr.Notef(name, "connection %s: the lines above marked %s are its own", name, old)
			}
			return c, greet, err
		}
	}
	c, greet, err := connect(ctx, st.Conn)
	if err != nil {
		if c != nil {
			c.Close()
		}
		if len(greet) == 1 && greet[0].Code == harness.ReplyServiceReadyIn {
			// harness.Connect read a 120 and then nothing it could use.
			return r.fail(st, err, "expected 220 after the greeting %s, got no reply: %v", quoteReply(greet[0]), err)
		}
		return r.fail(st, err, "connect: %v", err)
	}
	if msg := greetingProblem(greet); msg != "" {
		c.Close()
		return r.fail(st, nil, "%s", msg)
	}
	r.conns[st.Conn] = &session{c: c}
	return nil
}

// greetingProblem says what is wrong with the greeting replies of a
// connection, "" when nothing is: RFC 959 §5.4 greets with 220, or with
// 120 followed by 220 (harness.Connect reads both); 421 means the service
// is not available.
func greetingProblem(greet []*harness.Reply) string {
	if len(greet) == 0 {
		return "expected a 220 greeting, got none"
	}
	first := greet[0]
	switch {
	case first.Code == harness.ReplyServiceReadyIn:
		if len(greet) < 2 {
			return fmt.Sprintf("expected 220 after the greeting %s, got none", quoteReply(first))
		}
		if next := greet[1]; next.Code != harness.ReplyServiceReady {
			return fmt.Sprintf("expected 220 after the greeting %s, got %s", quoteReply(first), quoteReply(next))
		}
	case first.Code == harness.ReplyServiceUnavailable:
		return fmt.Sprintf("expected a 220 greeting, got %s: the service is not available", quoteReply(first))
	case first.Code != harness.ReplyServiceReady:
		return fmt.Sprintf("expected a 220 greeting, got %s", quoteReply(first))
	}
	return ""
}

// transferVerbs are the commands that use the data connection.
var transferVerbs = []string{"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}

func (r *runner) send(ctx context.Context, st *Step, sess *session) *Failure {
	line, err := st.tmpl.expand(r.vars)
	if err != nil {
		return r.fail(st, err, "%v", err)
	}
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	sess.prot = 0
	if verb == "PROT" && len(strings.TrimSpace(arg)) == 1 {
		sess.prot = harness.ProtLevel(strings.ToUpper(strings.TrimSpace(arg))[0])
	}
	// The check running the scenario may hold a command back (its
	// prerequisite is broken): then the step is not sent.
	if err := harness.PassGate(ctx, line); err != nil {
		return r.fail(st, err, "%s not sent: %v", verb, err)
	}
	r.hideComposedSecrets(st.tmpl, line)
	if err := sess.c.Send(ctx, line); err != nil {
		return r.fail(st, err, "sending %s: %v", line, err)
	}
	sess.sent = r.mask(harness.MaskCommand(line))
	if slices.Contains(transferVerbs, verb) {
		// Under PROT P the harness shakes hands on a passive data
		// connection as soon as the transfer command is out, as the
		// harness's own transfers do.
		sess.data.StartTLS()
	}
	return nil
}

func (r *runner) expect(ctx context.Context, st *Step, sess *session) *Failure {
	rep, err := sess.c.ReadReply(ctx)
	prot := sess.prot
	sess.prot = 0
	if err != nil {
		return r.fail(st, err, "expected %s, got no reply: %v", st.spec.text, err)
	}
	if prot != 0 && rep.Code == harness.ReplyOK {
		sess.c.SetDataProtection(prot)
	}
	if !st.spec.match(rep.Code) {
		accept := r.env.CodeMismatch
		if accept == nil || !accept(sess.sent, strings.Split(st.spec.text, "|"), rep) {
			return r.fail(st, nil, "expected %s, got %s", st.spec.text, quoteReply(rep))
		}
		r.tr.Notef(st.Conn, "expected %s, got %d: the code is accepted by the run's own tolerance", st.spec.text, rep.Code)
	}
	if st.multiline && !rep.Multiline() {
		return r.fail(st, nil, "expected a multi-line reply, got one line: %s", quoteReply(rep))
	}
	if st.lines > 0 {
		n := len(rep.Lines)
		if st.atLeast && n < st.lines {
			return r.fail(st, nil, "expected at least %d lines, got %d: %s", st.lines, n, quoteReply(rep))
		}
		if !st.atLeast && n != st.lines {
			return r.fail(st, nil, "expected %d lines, got %d: %s", st.lines, n, quoteReply(rep))
		}
	}
	if st.re != nil {
		text := replyText(rep)
		if !st.re.MatchString(text) {
			return r.fail(st, nil, "expected text matching /%s/, got %s", st.re, clipQuote(text, 300))
		}
	}
	if !st.ports.IsZero() {
		port, err := advertisedPort(rep)
		if err != nil {
			return r.fail(st, err, "expected a port in %s, but the reply gives none that can be read: %v", st.ports, err)
		}
		if !st.ports.Contains(port) {
			return r.fail(st, nil, "expected a port in %s, got port %d: %s", st.ports, port, quoteReply(rep))
		}
	}
	return nil
}

// advertisedPort reads the port of a 227 (PASV) or 229 (EPSV) reply, as
// the harness reads it to dial a data connection.
func advertisedPort(rep *harness.Reply) (int, error) {
	switch rep.Code {
	case harness.ReplyEnteringPassive:
		info, err := harness.ParsePASV(rep.Text())
		if err != nil {
			return 0, err
		}
		return int(info.Addr.Port()), nil
	case harness.ReplyEnteringEPSV:
		return harness.ParseEPSV(rep.Text())
	}
	return 0, fmt.Errorf("a %d reply carries no port (only 227 and 229 do)", rep.Code)
}

func (r *runner) capture(st *Step, sess *session) *Failure {
	replies := sess.c.Replies()
	if len(replies) == 0 {
		return r.fail(st, nil, "capture %s: no reply has been read on connection %s", st.name, st.Conn)
	}
	text := replyText(replies[len(replies)-1])
	m := st.re.FindStringSubmatch(text)
	if m == nil {
		return r.fail(st, nil, "capture %s: /%s/ does not match the last reply, %s", st.name, st.re, clipQuote(text, 300))
	}
	v := m[0]
	if len(m) > 1 {
		v = m[1]
	}
	r.define(st.name, v)
	r.tr.Notef(st.Conn, "captured %s = %q", st.name, v)
	return nil
}

func (r *runner) data(ctx context.Context, st *Step, sess *session) *Failure {
	sess.closeData()
	v6 := sess.c.RemoteAddr().Addr().Is6()
	var mode harness.DataMode
	switch st.mode {
	case "pasv":
		mode = harness.PASV
	case "epsv":
		mode = harness.EPSV
	case "port":
		mode = harness.PORT
	case "eprt":
		mode = harness.EPRT
	case "passive":
		mode = harness.PASV
		if v6 {
			mode = harness.EPSV
		}
	case "active":
		mode = harness.PORT
		if v6 {
			mode = harness.EPRT
		}
	}
	d, err := sess.c.OpenData(ctx, mode, harness.DataOptions{})
	if err != nil {
		d.Close()
		return r.fail(st, err, "data %s (%s): %v", st.mode, mode, err)
	}
	sess.data = d
	return nil
}

// bytesOf returns the bytes of a source.
func (r *runner) bytesOf(src *source) ([]byte, error) {
	var b []byte
	switch src.kind {
	case srcInline, srcFixture:
		b = src.data
	case srcRandom:
		if b = r.random[src.n]; b == nil {
			b = randomBytes(r.s.ID, src.n)
			r.random[src.n] = b
		}
	case srcBuffer:
		var ok bool
		if b, ok = r.buffers[src.name]; !ok {
			return nil, fmt.Errorf("buffer %s holds nothing: its download did not run", src.name)
		}
	}
	if src.from > int64(len(b)) {
		return nil, fmt.Errorf("%s: from %d is past the end (%d bytes)", src.kindWord(), src.from, len(b))
	}
	if src.from > 0 {
		b = b[src.from:]
	}
	return b, nil
}

// dataFailure closes the session's data connection, which could not be
// had, and makes st's failure.
func (r *runner) dataFailure(st *Step, sess *session, err error) *Failure {
	sess.closeData()
	return r.fail(st, err, "%s: no data connection: %v", st.Kind, err)
}

func (r *runner) write(ctx context.Context, st *Step, sess *session) *Failure {
	data, err := r.bytesOf(st.src)
	if err != nil {
		return r.fail(st, err, "%s: %v", st.Kind, err)
	}
	// In active mode Watch waits for the server to connect.
	run, err := sess.c.Watch(ctx, sess.data)
	if err != nil {
		return r.dataFailure(st, sess, err)
	}
	if err := run.Write(ctx, data); err != nil {
		sess.closeData()
		return r.fail(st, err, "%s of %d bytes: %v", st.Kind, len(data), err)
	}
	if st.Kind == Upload {
		// Closing the data connection ends the file (RFC 959 §3.4.1,
		// stream mode).
		sess.closeData()
	}
	return nil
}

// download reads the data connection to its end. harness has no reader
// for this: Retrieve sends the command and reads the replies, which are
// steps of their own here, and Running.Drain keeps no bytes.
func (r *runner) download(ctx context.Context, st *Step, sess *session) *Failure {
	nc, err := sess.data.Conn(ctx)
	if err != nil {
		return r.dataFailure(st, sess, err)
	}
	defer sess.closeData()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	timeout := sess.c.Target().DataTimeout
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		// The deadline bounds each wait for more data, not the whole
		// transfer.
		_ = nc.SetReadDeadline(time.Now().Add(timeout))
		n, err := nc.Read(chunk)
		buf.Write(chunk[:n])
		if buf.Len() > harness.MaxDownload {
			return r.fail(st, nil, "download: more than %d bytes", harness.MaxDownload)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			} else if errors.Is(err, os.ErrDeadlineExceeded) {
				return r.fail(st, err, "download: %d bytes, then nothing more within the data timeout (%s), and the data connection still open", buf.Len(), timeout)
			}
			return r.fail(st, err, "download: %v after %d bytes", err, buf.Len())
		}
	}
	r.buffers[st.name] = buf.Bytes()
	r.tr.Notef(st.Conn, "downloaded %d bytes into buffer %s", buf.Len(), st.name)
	return nil
}

func (r *runner) compare(st *Step) *Failure {
	got, ok := r.buffers[st.name]
	if !ok {
		return r.fail(st, nil, "buffer %s holds nothing: its download did not run", st.name)
	}
	switch {
	case st.sha256 != "":
		sum := sha256.Sum256(got)
		if h := hex.EncodeToString(sum[:]); h != st.sha256 {
			return r.fail(st, nil, "buffer %s (%d bytes) has sha256 %s, want %s", st.name, len(got), h, st.sha256)
		}
	case st.size >= 0:
		if int64(len(got)) != st.size {
			return r.fail(st, nil, "buffer %s has %d bytes, want %d", st.name, len(got), st.size)
		}
	default:
		want, err := r.bytesOf(st.src)
		if err != nil {
			return r.fail(st, err, "compare: %v", err)
		}
		if msg := harness.DiffBytes(got, want); msg != "" {
			return r.fail(st, nil, "buffer %s differs from %s: %s", st.name, st.src, msg)
		}
	}
	return nil
}

func (r *runner) quit(ctx context.Context, st *Step, sess *session) *Failure {
	sess.closeData()
	delete(r.conns, st.Conn)
	rep, err := sess.c.Quit(ctx)
	if err != nil {
		return r.fail(st, err, "expected 221, got no reply: %v", err)
	}
	if rep.Code != harness.ReplyClosingControl {
		return r.fail(st, nil, "expected 221, got %s", quoteReply(rep))
	}
	return nil
}

// closeAll ends every connection still open: data connections closed,
// QUIT sent (at most quitGrace each, all at once), control connections
// closed.
func (r *runner) closeAll(ctx context.Context) {
	var wg sync.WaitGroup
	for name, sess := range r.conns {
		sess.closeData()
		wg.Go(func() {
			qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), quitGrace)
			defer cancel()
			r.tr.Notef(name, "end of the scenario: QUIT")
			_, _ = sess.c.Quit(qctx)
		})
	}
	wg.Wait()
	clear(r.conns)
}

// replyText is what text /RE/ and capture match: every line of the reply,
// codes included, joined with "\n".
func replyText(rep *harness.Reply) string { return strings.Join(rep.Lines, "\n") }

// quoteReply shows a reply in a failure: its code and its first line,
// quoted and clipped, with the number of further lines:
// 502 "502 REST not implemented", 211 "211-Features:" (+4 lines).
func quoteReply(rep *harness.Reply) string {
	first := ""
	if len(rep.Lines) > 0 {
		first = rep.Lines[0]
	}
	s := fmt.Sprintf("%d %s", rep.Code, clipQuote(first, 120))
	if n := len(rep.Lines) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d lines)", n)
	}
	return s
}

// clipQuote quotes s as a Go string, cut to about max bytes (at a rune
// boundary, "..." added after the closing quote).
func clipQuote(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && cut < len(s) && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
