package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Preflight is the one session a run opens before any check. It connects,
// reads the greeting, logs in once and finds out what the checks can rely
// on: the capabilities many checks use as a means (a login, PWD, TYPE I,
// each data-connection mode, and with writing allowed MKD, CWD, STOR, RETR,
// DELE and RMD in a scratch directory). It judges nothing: the checks that
// exist to judge a capability do that; the facts let the others be
// reported as blocked instead of failing again for the same root cause.
//
// Preflight returns a *PreflightError when the run cannot start at all:
// nothing listens (PreflightUnreachable), what answers is not an FTP server
// (PreflightNotFTP), or the server refused the credentials
// (PreflightCredentials). In the last case exactly one login was attempted.
func Preflight(ctx context.Context, t Target, tr *Transcript, opt PreflightOptions) (*Facts, error) {
	t = t.WithDefaults()
	if tr == nil {
		tr = NewTranscript()
	}
	started := time.Now()
	f := &Facts{Caps: map[Capability]CapFact{}, Transcript: tr}
	defer func() { f.Duration = time.Since(started) }()

	c, err := f.open(ctx, &t, tr, opt.DialFrom)
	if err != nil {
		return f, err
	}
	defer c.Close()
	if err := f.login(ctx, c); err != nil {
		return f, err
	}
	if t.TLS != TLSOff && f.Works(CapLogin) {
		f.protect(ctx, c)
	}
	if !f.Works(CapLogin) {
		return f, nil
	}
	// From here on a broken exchange ends the probing: what was not
	// probed stays CapUnknown and blocks nothing.
	// FEAT comes last: a multi-line reply is the likeliest to be framed
	// badly, and a session whose replies are out of step can probe no more.
	steps := []func(context.Context, *Conn) bool{f.pwd, f.typeI, f.dataModes, f.nlst}
	if opt.Write {
		steps = append(steps, func(ctx context.Context, c *Conn) bool { return f.writes(ctx, c, opt.ScratchName) })
	}
	steps = append(steps, f.noop, f.abor, f.features)
	for _, step := range steps {
		if f.Cap(CapPROT).State == CapBroken && f.Cap(CapPROT).Stage == StageData {
			// Data in clear under PROT P: no transfer can be trusted,
			// and a server that waits for plaintext makes each one wait
			// out the data timeout. What was not probed blocks nothing.
			f.cleanUp(ctx, t, tr)
			return f, nil
		}
		if !step(ctx, c) {
			f.cleanUp(ctx, t, tr)
			return f, nil
		}
	}
	_, _ = c.Quit(ctx)
	return f, nil
}

// open opens the preflight's session: the connection, the greeting and,
// for a target with explicit TLS, AUTH TLS. When the server's certificate
// does not verify, the problem is kept in CertProblem and the session is
// opened again without verification, and t is changed so (Insecure): the
// check of the certificate reports it once, and the run goes on.
func (f *Facts) open(ctx context.Context, t *Target, tr *Transcript, from netip.Addr) (*Conn, error) {
	for {
		c, err := Dial(ctx, *t, tr, from)
		if err == nil {
			if err = f.greet(ctx, c); err != nil {
				c.Close()
				return nil, err
			}
			if last := f.Greeting[len(f.Greeting)-1]; t.TLS != TLSExplicit || Class(last.Code) != 2 {
				f.noteTLS(c)
				return c, nil
			}
			_, err = c.AuthTLS(ctx)
			if err == nil {
				f.noteTLS(c)
				return c, nil
			}
			c.Close()
		}
		var te *TLSError
		switch {
		case errors.As(err, &te) && te.Kind == TLSCertificate && !t.Insecure && f.CertProblem == nil:
			f.CertProblem = te.Cert
			t.Insecure = true
			tr.Notef("--", "the server's certificate does not verify (%v): the run goes on without verification, and the check of the certificate reports it", te)
			continue
		case errors.As(err, &te):
			return nil, &PreflightError{Kind: PreflightTLS, Msg: "TLS: " + te.Error(), Err: err}
		}
		var re *ReplyError
		if errors.As(err, &re) {
			return nil, &PreflightError{Kind: PreflightTLS, Msg: "the server does not start TLS: " + re.Error(), Reply: re.Reply, Err: err}
		}
		if _, ok := err.(*DialError); ok || c == nil {
			return nil, &PreflightError{Kind: PreflightUnreachable, Msg: err.Error(), Err: err}
		}
		return nil, &PreflightError{Kind: PreflightTLS, Msg: "TLS: " + err.Error(), Err: err}
	}
}

// noteTLS keeps the outcome of the control connection's TLS handshake.
func (f *Facts) noteTLS(c *Conn) {
	if info := c.TLS(); info != nil {
		f.TLS = info
		f.set(CapTLS, CapWorks, StageCommand, "")
	}
}

// protect asks for protected data connections (PBSZ 0, PROT P), as every
// session of a run with TLS does when it logs in.
func (f *Facts) protect(ctx context.Context, c *Conn) {
	if _, err := c.Protect(ctx, ProtPrivate); err != nil {
		var re *ReplyError
		if errors.As(err, &re) && (re.Reply.Code == ReplySyntaxError || re.Reply.Code == ReplyNotImplemented) {
			f.set(CapPROT, CapUnsupported, StageCommand, "%s got %s", re.Cmd, re.Reply)
			return
		}
		f.set(CapPROT, CapBroken, StageCommand, "protecting data connections: %v", err)
		return
	}
	f.set(CapPROT, CapWorks, StageCommand, "")
}

// preflightCleanupTimeout bounds the removal of the preflight's scratch
// directory after it stopped early.
const preflightCleanupTimeout = 10 * time.Second

// cleanUp removes, in a fresh session, the scratch directory a preflight
// left behind when it had to stop early: also when ctx was cancelled (an
// interrupt), under a deadline of its own.
func (f *Facts) cleanUp(ctx context.Context, t Target, tr *Transcript) {
	if f.scratch == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), preflightCleanupTimeout)
	defer cancel()
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		return
	}
	defer c.Close()
	if c.Login(ctx) != nil {
		return
	}
	_, _ = c.Cmd(ctx, "DELE "+f.scratch+"/"+preflightFile)
	if r, err := c.Cmd(ctx, "RMD "+f.scratch); err == nil && Class(r.Code) == 2 {
		f.scratch = ""
	}
	_, _ = c.Quit(ctx)
}

// preflightFile is the name of the file the write probe stores.
const preflightFile = "preflight.bin"

// PreflightOptions adjust what Preflight probes.
type PreflightOptions struct {
	// Write allows the write probes (MKD, CWD, STOR, RETR, DELE, RMD) in
	// a scratch directory named ScratchName, which Preflight removes.
	Write       bool
	ScratchName string
	// DialFrom is the local address of the control connection (default:
	// any).
	DialFrom netip.Addr
}

// PreflightFailure says why a run could not start.
type PreflightFailure string

// The ways a preflight can end a run before any check.
const (
	PreflightUnreachable PreflightFailure = "unreachable"
	PreflightNotFTP      PreflightFailure = "not-ftp"
	PreflightCredentials PreflightFailure = "credentials-refused"
	// PreflightTLS: the target asks for TLS, and the server does not
	// start it (AUTH TLS refused, a handshake that fails).
	PreflightTLS PreflightFailure = "tls"
)

// PreflightError ends a run before any check. Msg is one line a human can
// act on, e.g. `credentials refused: 530 "Login incorrect."`.
type PreflightError struct {
	Kind  PreflightFailure
	Msg   string
	Reply *Reply // the refusing reply (PreflightCredentials)
	Err   error
}

func (e *PreflightError) Error() string { return e.Msg }
func (e *PreflightError) Unwrap() error { return e.Err }

// Capability names something many checks use as a means to their end.
type Capability string

// The capabilities the preflight establishes.
const (
	CapLogin Capability = "login"  // USER/PASS with the target's credentials
	CapPWD   Capability = "pwd"    // PWD answers 257 with a quoted path
	CapTypeI Capability = "type-i" // TYPE I answers 200
	CapPASV  Capability = "pasv"   // PASV, then LIST over it
	CapEPSV  Capability = "epsv"   // EPSV, then LIST over it
	CapPORT  Capability = "port"   // PORT, then LIST over it
	CapEPRT  Capability = "eprt"   // EPRT, then LIST over it
	CapMKD   Capability = "mkd"    // MKD of a new directory: 257
	CapCWD   Capability = "cwd"    // CWD into it: 250
	CapSTOR  Capability = "stor"   // STOR in TYPE I: 1yz then 2yz
	CapRETR  Capability = "retr"   // RETR in TYPE I returns what was stored
	CapDELE  Capability = "dele"   // DELE of that file: 250
	CapRMD   Capability = "rmd"    // RMD of the empty directory: 250
	CapABOR  Capability = "abor"   // ABOR with no transfer: 225 or 226
	CapFEAT  Capability = "feat"   // FEAT answers 211
	CapNOOP  Capability = "noop"   // NOOP answers 200
	CapLIST  Capability = "list"   // LIST: 1yz, the listing, 2yz
	CapNLST  Capability = "nlst"   // NLST: 1yz, the names, 2yz
	CapTLS   Capability = "tls"    // the control connection is protected (AUTH TLS or implicit TLS)
	CapPROT  Capability = "prot"   // PBSZ 0 and PROT P answer 200 (a run with TLS)
)

// CapState is what the preflight found out about a capability.
type CapState int

// The states of a capability.
const (
	CapUnknown     CapState = iota // not probed (writes not allowed, or an earlier step broke)
	CapWorks                       // probed and usable
	CapBroken                      // probed and not usable; Stage and Detail say how
	CapUnsupported                 // answered 500, 502 or 504: not implemented
)

// CapStage says at which step a capability broke.
type CapStage string

// The stages of a capability probe.
const (
	StageCommand CapStage = "command" // the command's reply
	StageData    CapStage = "data"    // the data connection or the transfer
	StageContent CapStage = "content" // the bytes transferred
)

// CapFact is the preflight's finding on one capability.
type CapFact struct {
	State  CapState
	Stage  CapStage
	Detail string // what happened, for a broken or unsupported capability
}

// Facts is what the preflight found out.
type Facts struct {
	Greeting []*Reply
	// Features is the FEAT reply, parsed once (nil when FEAT did not
	// answer 211): what the server advertises.
	Features *Features
	Home     string // the login directory, from PWD
	// TLS is the outcome of the control connection's TLS handshake (nil
	// without TLS). CertProblem, when the server's certificate did not
	// verify, is why: the run then went on without verification.
	TLS         *TLSInfo     `json:"-"`
	CertProblem *CertProblem `json:"-"`
	Caps        map[Capability]CapFact
	// Transcript is the preflight session's exchange.
	Transcript *Transcript `json:"-"`
	Duration   time.Duration

	scratch string // the write probe's directory while it exists
}

// Cap returns the fact on c (CapUnknown when not probed).
func (f *Facts) Cap(c Capability) CapFact {
	if f == nil {
		return CapFact{}
	}
	return f.Caps[c]
}

// Works reports whether c was probed and usable.
func (f *Facts) Works(c Capability) bool { return f.Cap(c).State == CapWorks }

// HasFeature reports whether FEAT listed the feature name (as
// Features.Has: "MLST", "REST STREAM", "AUTH TLS").
func (f *Facts) HasFeature(name string) bool {
	return f != nil && f.Features != nil && f.Features.Has(name)
}

func (f *Facts) set(c Capability, st CapState, stage CapStage, format string, args ...any) {
	f.Caps[c] = CapFact{State: st, Stage: stage, Detail: fmt.Sprintf(format, args...)}
}

// greet reads the greeting. Anything with a reply code is FTP-like (the
// greeting checks judge it); bytes without one, or silence that a command
// does not break, are not FTP.
func (f *Facts) greet(ctx context.Context, c *Conn) error {
	r, err := c.ReadReply(ctx)
	if err == nil && !ftpLike(r) {
		return &PreflightError{Kind: PreflightNotFTP, Msg: "not an FTP server: it greeted with " + quoteRaw(r.Raw)}
	}
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) || !pe.Timeout() {
			if pe != nil && pe.Partial != nil && len(pe.Partial.Raw) > 0 && !ftpLike(pe.Partial) {
				return &PreflightError{Kind: PreflightNotFTP, Msg: "not an FTP server: it sent " + quoteRaw(pe.Partial.Raw), Err: err}
			}
			return &PreflightError{Kind: PreflightNotFTP, Msg: "no FTP greeting: " + err.Error(), Err: err}
		}
		// Silence. An FTP server that does not greet still answers a
		// command; an HTTP server answers with its own protocol.
		wait := min(c.target.ReplyTimeout, 3*time.Second)
		if serr := c.Send(ctx, "NOOP"); serr == nil {
			r2, err2 := c.ReadReplyWithin(ctx, wait)
			switch {
			case err2 == nil && ftpLike(r2):
				f.Greeting = []*Reply{r2}
				return nil // FTP after all; the greeting checks judge the silence
			case err2 == nil:
				return &PreflightError{Kind: PreflightNotFTP, Msg: fmt.Sprintf("not an FTP server: no greeting within %s, and to NOOP it answered %s", c.target.ReplyTimeout, quoteRaw(r2.Raw))}
			}
			if errors.As(err2, &pe) && pe.Partial != nil && len(pe.Partial.Raw) > 0 {
				return &PreflightError{Kind: PreflightNotFTP, Msg: fmt.Sprintf("not an FTP server: no greeting within %s, and to NOOP it answered %s", c.target.ReplyTimeout, quoteRaw(pe.Partial.Raw))}
			}
		}
		return &PreflightError{Kind: PreflightNotFTP, Msg: fmt.Sprintf("not an FTP server: it accepted the connection but sent nothing within %s, not even in answer to NOOP", c.target.ReplyTimeout), Err: err}
	}
	f.Greeting = []*Reply{r}
	if r.Code == ReplyServiceReadyIn {
		if r2, err := c.ReadReply(ctx); err == nil {
			f.Greeting = append(f.Greeting, r2)
		}
	}
	return nil
}

// ftpLike reports whether a reply starts with three digits, as every FTP
// reply does (RFC 959 §4.2); the format checks judge the rest.
func ftpLike(r *Reply) bool {
	raw := bytes.TrimLeft(r.Raw, "\r\n")
	return len(raw) >= 3 && isDigit(raw[0]) && isDigit(raw[1]) && isDigit(raw[2])
}

// quoteRaw shows the first line of what a server sent, quoted and short.
func quoteRaw(raw []byte) string {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) > 80 {
		line = append(line[:80:80], "..."...)
	}
	return fmt.Sprintf("%q", line)
}

// login attempts the one login of the preflight. A 530 (to USER or PASS)
// means the credentials were refused: the run stops there, so that no
// further login with them is sent.
func (f *Facts) login(ctx context.Context, c *Conn) error {
	last := f.Greeting[len(f.Greeting)-1]
	if last.Code == ReplyServiceUnavailable {
		return &PreflightError{Kind: PreflightNotFTP, Msg: "the server refused the session: " + last.String(), Reply: last}
	}
	err := c.LoginUser(ctx)
	if err == nil {
		f.set(CapLogin, CapWorks, StageCommand, "")
		return nil
	}
	var re *ReplyError
	if errors.As(err, &re) {
		switch {
		case re.Reply.Code == ReplyNotLoggedIn:
			return &PreflightError{Kind: PreflightCredentials, Msg: "credentials refused: " + re.Reply.String(), Reply: re.Reply, Err: err}
		case re.Reply.Code == ReplyServiceUnavailable:
			return &PreflightError{Kind: PreflightNotFTP, Msg: "the server refused the session: " + re.Reply.String(), Reply: re.Reply, Err: err}
		}
		f.set(CapLogin, CapBroken, StageCommand, "%s got %s", re.Cmd, re.Reply)
		return nil
	}
	f.set(CapLogin, CapBroken, StageCommand, "logging in: %v", err)
	return nil
}

// cmdFact sends line and records cap as working when the reply is one of
// ok, unsupported on 500/502/504, broken otherwise. It returns the reply
// and whether the exchange itself worked.
func (f *Facts) cmdFact(ctx context.Context, c *Conn, cap Capability, line string, ok ...int) (*Reply, bool) {
	r, err := c.Cmd(ctx, line)
	if err != nil {
		f.set(cap, CapBroken, StageCommand, "%s: %v", maskCommand(line), err)
		return nil, false
	}
	if !ftpLike(r) || Class(r.Code) == 1 {
		// No proper reply to this command (a malformed one, or one that
		// belongs to an earlier command): the command does not work, and
		// the session is out of step, so the probing ends here.
		f.set(cap, CapBroken, StageCommand, "%s got %s, which is no proper reply to it", maskCommand(line), quoteRaw(r.Raw))
		return nil, false
	}
	for _, code := range ok {
		if r.Code == code {
			f.set(cap, CapWorks, StageCommand, "")
			return r, true
		}
	}
	if r.Code == ReplySyntaxError || r.Code == ReplyNotImplemented || r.Code == ReplyNotImplParam {
		f.set(cap, CapUnsupported, StageCommand, "%s got %s", maskCommand(line), r)
	} else {
		f.set(cap, CapBroken, StageCommand, "%s got %s", maskCommand(line), r)
	}
	return r, true
}

func (f *Facts) features(ctx context.Context, c *Conn) bool {
	r, ok := f.cmdFact(ctx, c, CapFEAT, "FEAT", ReplySystemStatus)
	if !ok {
		return false
	}
	if r.Code == ReplySystemStatus {
		f.Features = ParseFeatures(r)
	}
	return true
}

func (f *Facts) pwd(ctx context.Context, c *Conn) bool {
	r, ok := f.cmdFact(ctx, c, CapPWD, "PWD", ReplyPathCreated)
	if ok && r.Code == ReplyPathCreated {
		if p, found := quotedPath(r.Text()); found {
			f.Home = p
		} else {
			f.set(CapPWD, CapBroken, StageCommand, "PWD got %s: no quoted pathname", r)
		}
	}
	return ok
}

// quotedPath extracts the first quoted pathname of a 257 reply, with
// doubled quotes undone (RFC 959 Appendix II).
func quotedPath(text string) (string, bool) {
	i := strings.IndexByte(text, '"')
	if i < 0 {
		return "", false
	}
	var b strings.Builder
	for j := i + 1; j < len(text); j++ {
		if text[j] != '"' {
			b.WriteByte(text[j])
			continue
		}
		if j+1 < len(text) && text[j+1] == '"' {
			b.WriteByte('"')
			j++
			continue
		}
		return b.String(), true
	}
	return "", false
}

func (f *Facts) typeI(ctx context.Context, c *Conn) bool {
	_, ok := f.cmdFact(ctx, c, CapTypeI, "TYPE I", ReplyOK)
	return ok
}

// dataModes lists the login directory over each of the four modes (the
// modes of the other address family are not probed).
func (f *Facts) dataModes(ctx context.Context, c *Conn) bool {
	v6 := c.RemoteAddr().Addr().Is6() && !c.RemoteAddr().Addr().Is4In6()
	modes := []struct {
		cap  Capability
		mode DataMode
	}{{CapPASV, PASV}, {CapEPSV, EPSV}, {CapPORT, PORT}, {CapEPRT, EPRT}}
	for _, m := range modes {
		if v6 && (m.mode == PASV || m.mode == PORT) {
			continue // IPv4-only commands
		}
		if !f.list(ctx, c, m.cap, m.mode) {
			return false
		}
	}
	return true
}

// list runs LIST over mode and records the outcome under cap. It returns
// false when the control connection is no longer usable.
func (f *Facts) list(ctx context.Context, c *Conn, cap Capability, mode DataMode) bool {
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		var re *ReplyError
		switch {
		case errors.As(err, &re):
			st := CapBroken
			if notImplemented(re.Reply.Code) {
				st = CapUnsupported
			}
			f.set(cap, st, StageCommand, "%s got %s", mode, re.Reply)
			return true
		case d != nil && d.Setup != nil:
			stage := StageCommand // the reply could not be used
			var de *DialError
			if errors.As(err, &de) {
				stage = StageData
			}
			f.set(cap, CapBroken, stage, "%s (%s): %v", mode, d.Setup, err)
			return true
		}
		f.set(cap, CapBroken, StageCommand, "%s: %v", mode, err)
		return false
	}
	t, err := c.Retrieve(ctx, d, "LIST")
	if err != nil {
		if errors.Is(err, ErrDataNotTLS) {
			// PROT's finding, not the mode's (see below); the session
			// may be out of step after it, so the probing ends.
			f.set(cap, CapWorks, StageData, "")
			f.set(CapPROT, CapBroken, StageData, "LIST over %s: %v", mode, err)
			return false
		}
		f.set(cap, CapBroken, StageData, "LIST over %s: %v", mode, err)
		return false
	}
	// The mode works when the data connection carried the listing; LIST
	// itself works when its replies say so (judged on the first mode).
	switch {
	case errors.Is(t.DataErr, ErrDataNotTLS):
		// The mode works; the protection does not: PROT P was accepted
		// and the data came in clear. That is PROT's finding, once.
		f.set(cap, CapWorks, StageData, "")
		if _, judged := f.Caps[CapPROT]; !judged || f.Caps[CapPROT].State == CapWorks {
			f.set(CapPROT, CapBroken, StageData, "LIST over %s: %v", mode, t.DataErr)
		}
	case t.DataErr != nil:
		f.set(cap, CapBroken, StageData, "LIST over %s: data connection: %v", mode, t.DataErr)
	case t.Final == nil || t.Final.Code == ReplyCantOpenData || t.Final.Code == ReplyTransferAborted:
		f.set(cap, CapBroken, StageData, "LIST over %s got %s", mode, t.ReplyChain())
	default:
		f.set(cap, CapWorks, StageData, "")
		if _, judged := f.Caps[CapLIST]; !judged {
			f.transferFact(CapLIST, t, "LIST over "+string(mode))
		}
	}
	return !outOfStep(t)
}

// transferFact records a transfer command's capability from its replies:
// a preliminary reply, then a 2yz.
func (f *Facts) transferFact(cap Capability, t *Transfer, what string) {
	switch {
	case t.Prelim != nil && t.Final != nil && Class(t.Final.Code) == 2:
		f.set(cap, CapWorks, StageCommand, "")
	case t.Final != nil && notImplemented(t.Final.Code):
		f.set(cap, CapUnsupported, StageCommand, "%s got %s", what, t.ReplyChain())
	default:
		f.set(cap, CapBroken, StageCommand, "%s got %s", what, t.ReplyChain())
	}
}

// outOfStep reports whether a transfer's replies leave the session out of
// step: a second preliminary reply read as the final one, or a line that
// is no reply at all.
func outOfStep(t *Transfer) bool {
	return t.Final != nil && (Class(t.Final.Code) == 1 || !ftpLike(t.Final))
}

// nlst runs NLST over the first mode that works.
func (f *Facts) nlst(ctx context.Context, c *Conn) bool {
	mode, ok := f.defaultDataMode(c.RemoteAddr().Addr().Is6() && !c.RemoteAddr().Addr().Is4In6())
	if !ok {
		return true
	}
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		return false // the mode worked a moment ago: the session is in trouble
	}
	t, err := c.Retrieve(ctx, d, "NLST")
	if err != nil {
		f.set(CapNLST, CapBroken, StageData, "NLST over %s: %v", mode, err)
		return false
	}
	f.transferFact(CapNLST, t, "NLST over "+string(mode))
	return !outOfStep(t)
}

func notImplemented(code int) bool {
	return code == ReplySyntaxError || code == ReplyNotImplemented || code == ReplyNotImplParam
}

// defaultDataMode is the mode the write probes use: PASV on IPv4 (EPSV on
// IPv6), or the first mode that worked.
func (f *Facts) defaultDataMode(v6 bool) (DataMode, bool) {
	order := []struct {
		cap  Capability
		mode DataMode
	}{{CapPASV, PASV}, {CapEPSV, EPSV}, {CapPORT, PORT}, {CapEPRT, EPRT}}
	if v6 {
		order = order[1:]
	}
	for _, m := range order {
		if f.Works(m.cap) {
			return m.mode, true
		}
	}
	return "", false
}

// preflightFixture is what the write probe stores and reads back: every
// byte value, and CR LF pairs that a text-mode transfer would change.
func preflightFixture() []byte {
	b := make([]byte, 0, 512+8)
	for i := 0; i < 512; i++ {
		b = append(b, byte(i*7+i/256))
	}
	return append(b, "\r\n\n\r\xff\x00\r\n"...)
}

// writes probes MKD, CWD, STOR, RETR, DELE and RMD in a scratch directory
// of its own, which it removes again.
func (f *Facts) writes(ctx context.Context, c *Conn, dir string) bool {
	if dir == "" {
		dir = "ftpconform-preflight"
	}
	// The directory may exist as soon as MKD is out, even when its
	// reply never comes (an interrupt): cleanUp removes it then.
	f.scratch = dir
	r, ok := f.cmdFact(ctx, c, CapMKD, "MKD "+dir, ReplyPathCreated)
	if !ok {
		return false
	}
	if r.Code != ReplyPathCreated {
		f.scratch = ""
		return true
	}
	if r, ok = f.cmdFact(ctx, c, CapCWD, "CWD "+dir, ReplyFileActionOK); !ok {
		return false
	}
	if Class(r.Code) == 2 && r.Code != ReplyFileActionOK {
		f.set(CapCWD, CapWorks, StageCommand, "") // another 2yz: the CWD checks judge the code
	}
	inside := Class(r.Code) == 2
	path := preflightFile
	if !inside {
		path = dir + "/" + path
	}
	mode, haveMode := f.defaultDataMode(c.RemoteAddr().Addr().Is6() && !c.RemoteAddr().Addr().Is4In6())
	if haveMode && f.Works(CapTypeI) {
		// Again, in the new directory: the transfer type must not depend
		// on what CWD does to it (the checks of CWD judge that).
		if _, err := c.Cmd(ctx, "TYPE I"); err != nil {
			return false
		}
		if !f.storeAndRetrieve(ctx, c, mode, path) {
			return false
		}
		if f.Works(CapSTOR) {
			if _, ok := f.cmdFact(ctx, c, CapDELE, "DELE "+path, ReplyFileActionOK); !ok {
				return false
			}
		}
	}
	up := "RMD " + dir
	if inside {
		if r, err := c.Cmd(ctx, "CDUP"); err != nil || Class(r.Code) != 2 {
			// Back to the login directory by its absolute path.
			if f.Home == "" {
				return err == nil
			}
			if r, err := c.Cmd(ctx, "CWD "+f.Home); err != nil || Class(r.Code) != 2 {
				return err == nil
			}
		}
	}
	r, ok = f.cmdFact(ctx, c, CapRMD, up, ReplyFileActionOK)
	if ok && Class(r.Code) == 2 {
		f.scratch = ""
	}
	return ok
}

// storeAndRetrieve stores the fixture under path and reads it back.
func (f *Facts) storeAndRetrieve(ctx context.Context, c *Conn, mode DataMode, path string) bool {
	data := preflightFixture()
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		f.set(CapSTOR, CapBroken, StageData, "%s for STOR: %v", mode, err)
		return false
	}
	t, err := c.Store(ctx, d, "STOR "+path, data)
	if err != nil {
		f.set(CapSTOR, CapBroken, StageData, "STOR %s over %s: %v", path, mode, err)
		return false
	}
	switch {
	case t.Final == nil || Class(t.Final.Code) != 2:
		st := CapBroken
		if t.Final != nil && notImplemented(t.Final.Code) {
			st = CapUnsupported
		}
		f.set(CapSTOR, st, StageCommand, "STOR %s over %s got %s", path, mode, t.ReplyChain())
		return !outOfStep(t)
	case t.DataErr != nil:
		f.set(CapSTOR, CapBroken, StageData, "STOR %s over %s: data connection: %v", path, mode, t.DataErr)
		return true
	}
	f.set(CapSTOR, CapWorks, StageCommand, "")
	d, err = c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		f.set(CapRETR, CapBroken, StageData, "%s for RETR: %v", mode, err)
		return false
	}
	t, err = c.Retrieve(ctx, d, "RETR "+path)
	if err != nil {
		f.set(CapRETR, CapBroken, StageData, "RETR %s over %s: %v", path, mode, err)
		return false
	}
	switch {
	case t.Final == nil || Class(t.Final.Code) != 2:
		f.set(CapRETR, CapBroken, StageCommand, "RETR %s over %s got %s", path, mode, t.ReplyChain())
		return !outOfStep(t)
	case t.DataErr != nil:
		f.set(CapRETR, CapBroken, StageData, "RETR %s over %s: data connection: %v", path, mode, t.DataErr)
	case !bytes.Equal(t.Data, data):
		// A round trip cannot tell which half changed the bytes; SIZE can
		// tell a short or long STOR.
		if r, err := c.Cmd(ctx, "SIZE "+path); err == nil && r.Code == ReplyFileStatus && strings.TrimSpace(r.Text()) != fmt.Sprint(len(data)) {
			f.set(CapSTOR, CapBroken, StageContent, "STOR %s in TYPE I of %d bytes stored a file of size %s", path, len(data), strings.TrimSpace(r.Text()))
			return true
		}
		f.set(CapRETR, CapBroken, StageContent, "RETR %s in TYPE I returned %d bytes that differ from the %d stored", path, len(t.Data), len(data))
	default:
		f.set(CapRETR, CapWorks, StageContent, "")
	}
	return true
}

// noop sends NOOP, the command many checks use to see that a session
// still answers.
func (f *Facts) noop(ctx context.Context, c *Conn) bool {
	_, ok := f.cmdFact(ctx, c, CapNOOP, "NOOP", ReplyOK)
	return ok
}

// abor sends ABOR with no transfer running; it is the last step, so that
// what ABOR changes in the session affects no other probe.
func (f *Facts) abor(ctx context.Context, c *Conn) bool {
	_, ok := f.cmdFact(ctx, c, CapABOR, "ABOR", ReplyDataOpenNoTransfer, ReplyClosingData)
	return ok
}

// ProbeDataMode finds out, in a fresh session of its own, whether a data
// connection in mode still works (the mode, then LIST over it). A check
// calls it when a data connection failed for a reason that may not be its
// own, to tell a server that has stopped serving the mode (it ran out of
// passive ports, say) from a failure of the check's own situation.
func ProbeDataMode(ctx context.Context, t Target, tr *Transcript, mode DataMode) CapFact {
	f := &Facts{Caps: map[Capability]CapFact{}}
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		return CapFact{State: CapBroken, Stage: StageCommand, Detail: err.Error()}
	}
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		return CapFact{State: CapBroken, Stage: StageCommand, Detail: "logging in: " + err.Error()}
	}
	cap := map[DataMode]Capability{PASV: CapPASV, EPSV: CapEPSV, PORT: CapPORT, EPRT: CapEPRT}[mode]
	f.list(ctx, c, cap, mode)
	_, _ = c.Quit(ctx)
	return f.Cap(cap)
}
