package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The login probe (RFC 2577 §5, §7; RFC 1635): how a server answers wrong
// passwords, a name without an account, and the anonymous login. Wrong
// passwords cost time (RFC 2577 §5 asks for a delay of seconds before each
// 530, and a lockout after 3-5 failures), so ProbeLogins runs the three
// on parallel connections, each logged in the transcript it is given.

// MaxWrongPasswords bounds the wrong passwords sent on one connection.
const MaxWrongPasswords = 10

// AnonymousPassword is the e-mail address given as anonymous password.
const AnonymousPassword = "ftpconform@example.com"

// LoginAttempt is one USER and wrong PASS pair.
type LoginAttempt struct {
	User, Pass *Reply        // Pass is nil when the connection closed instead
	Took       time.Duration // from sending PASS to its reply (or to the close)
}

// FailedLogins is a series of wrong passwords on one connection, sent
// until the server closes it, at most MaxWrongPasswords:
//
//	USER conform      331 Password required
//	PASS <wrong>      530 Login incorrect        (after Took)
//	...
//	PASS <wrong>      421 Too many failures      (then the close)
type FailedLogins struct {
	Attempts    []LoginAttempt
	Closed      bool   // the server closed the connection
	Last        *Reply // the last reply before the close
	Unanswered  bool   // the last PASS got no reply: the connection closed instead
	Left421Open bool   // a 421 came but the connection stayed open
	SlowedDown  bool   // a PASS got no reply within the reply timeout
	Problem     string // why the series says nothing about failed logins
}

// Answered returns the attempts whose PASS got a reply.
func (f *FailedLogins) Answered() []LoginAttempt {
	var out []LoginAttempt
	for _, a := range f.Attempts {
		if a.Pass != nil {
			out = append(out, a)
		}
	}
	return out
}

// UnknownUserLogin is USER of a name without an account, then PASS.
type UnknownUserLogin struct {
	Name       string
	User, Pass *Reply
	Took       time.Duration // from sending PASS to its reply
	Problem    string
}

// AnonymousLogin is USER anonymous with an e-mail address as password.
type AnonymousLogin struct {
	Tried      bool
	User, Pass *Reply // Pass is nil when USER alone logged in or was refused
	Enabled    bool
	Problem    string
}

// LoginProbe is what ProbeLogins observed.
type LoginProbe struct {
	Failures FailedLogins
	Unknown  UnknownUserLogin
	Anon     AnonymousLogin // Tried is false when it was not asked for
}

// ProbeLogins runs ProbeWrongPasswords, ProbeUnknownUser and (when anon
// is set) ProbeAnonymous on parallel connections.
func ProbeLogins(ctx context.Context, t Target, tr *Transcript, anon bool) LoginProbe {
	var res LoginProbe
	var wg sync.WaitGroup
	wg.Go(func() { res.Failures = ProbeWrongPasswords(ctx, t, tr) })
	wg.Go(func() { res.Unknown = ProbeUnknownUser(ctx, t, tr) })
	if anon {
		wg.Go(func() { res.Anon = ProbeAnonymous(ctx, t, tr) })
	}
	wg.Wait()
	return res
}

// ProbeWrongPasswords sends USER and a wrong PASS until the server closes
// the connection, at most MaxWrongPasswords times.
func ProbeWrongPasswords(ctx context.Context, t Target, tr *Transcript) (f FailedLogins) {
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		f.Problem = fmt.Sprintf("cannot open a control connection: %v", err)
		return f
	}
	defer c.Close()
	t = c.Target()
	wrong := UniqueName("not-the-password")
	for range MaxWrongPasswords {
		u, err := c.Cmd(ctx, "USER "+t.User)
		if err != nil {
			if ConnClosed(err) {
				f.Closed = true
			} else {
				f.Problem = fmt.Sprintf("USER %s: %v", t.User, err)
			}
			return f
		}
		switch u.Code {
		case ReplyLoggedIn:
			f.Problem = fmt.Sprintf("USER %s alone logged in (%s): the account needs no password", t.User, u)
			return f
		case ReplyServiceUnavailable:
			f.Last = u
			f.Closed, _ = c.WaitClose(ctx, t.CloseGrace)
			f.Left421Open = !f.Closed
			return f
		}
		start := time.Now()
		p, err := c.Cmd(ctx, "PASS "+wrong)
		a := LoginAttempt{User: u, Pass: p, Took: time.Since(start)}
		if err != nil {
			var pe *ProtocolError
			switch {
			case ConnClosed(err):
				f.Attempts = append(f.Attempts, a)
				f.Closed, f.Unanswered = true, true
			case errors.As(err, &pe) && pe.Timeout() && ctx.Err() == nil && len(f.Attempts) > 0:
				// Delays that grow with every attempt (Pure-FTPd) end
				// the series: guessing is slowed down that much.
				f.SlowedDown = true
			default:
				f.Problem = fmt.Sprintf("PASS: %v", err)
			}
			return f
		}
		f.Attempts = append(f.Attempts, a)
		f.Last = p
		switch {
		case Class(p.Code) == 2:
			f.Problem = fmt.Sprintf("a wrong password was accepted: %s", p)
			return f
		case p.Code == ReplyServiceUnavailable:
			f.Closed, _ = c.WaitClose(ctx, t.CloseGrace)
			f.Left421Open = !f.Closed
			return f
		}
	}
	return f
}

// ProbeUnknownUser logs in with a name that has no account.
func ProbeUnknownUser(ctx context.Context, t Target, tr *Transcript) (u UnknownUserLogin) {
	u.Name = UniqueName("nosuchuser")
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		u.Problem = fmt.Sprintf("cannot open a control connection: %v", err)
		return u
	}
	defer c.Close()
	if u.User, err = c.Cmd(ctx, "USER "+u.Name); err != nil {
		u.Problem = fmt.Sprintf("USER %s: %v", u.Name, err)
		return u
	}
	if u.User.Code != ReplyNeedPassword {
		u.Problem = fmt.Sprintf("USER %s (no such account) was answered %s, so there is no PASS to compare", u.Name, u.User)
		return u
	}
	start := time.Now()
	u.Pass, err = c.Cmd(ctx, "PASS "+UniqueName("pw"))
	u.Took = time.Since(start)
	if err != nil {
		u.Problem = fmt.Sprintf("PASS after USER %s: %v", u.Name, err)
		u.Pass = nil
	}
	return u
}

// ProbeAnonymous tries the anonymous login of RFC 1635 on a connection of
// its own.
func ProbeAnonymous(ctx context.Context, t Target, tr *Transcript) AnonymousLogin {
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		return AnonymousLogin{Tried: true, Problem: fmt.Sprintf("cannot open a control connection: %v", err)}
	}
	defer c.Close()
	return c.TryAnonymous(ctx)
}

// TryAnonymous sends USER anonymous and, after 331, PASS with an e-mail
// address (RFC 1635); the login is enabled when either answers 2yz.
func (c *Conn) TryAnonymous(ctx context.Context) (a AnonymousLogin) {
	a.Tried = true
	var err error
	if a.User, err = c.Cmd(ctx, "USER anonymous"); err != nil {
		a.Problem = fmt.Sprintf("USER anonymous: %v", err)
		return a
	}
	switch a.User.Code {
	case ReplyLoggedIn:
		a.Enabled = true
	case ReplyNeedPassword:
		if a.Pass, err = c.Cmd(ctx, "PASS "+AnonymousPassword); err != nil {
			a.Problem = fmt.Sprintf("PASS after USER anonymous: %v", err)
			return a
		}
		a.Enabled = Class(a.Pass.Code) == 2
	}
	return a
}
