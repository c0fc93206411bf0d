package stress

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// ProbeFailure classifies why the first session of a run failed.
type ProbeFailure string

// The ways a probe fails.
const (
	ProbeUnreachable ProbeFailure = "unreachable" // no connection, or no FTP greeting
	ProbeRefused     ProbeFailure = "refused"     // 421 (or a close) instead of a session
	ProbeCredentials ProbeFailure = "credentials" // the login was refused (530)
	ProbeTLS         ProbeFailure = "tls"         // TLS could not be set up (certificate, handshake)
	ProbeOther       ProbeFailure = "other"       // TYPE I, PWD or another step failed
)

// ProbeError is why Probe failed.
type ProbeError struct {
	Kind ProbeFailure
	Err  error
}

func (e *ProbeError) Error() string { return e.Err.Error() }
func (e *ProbeError) Unwrap() error { return e.Err }

// Probe opens one session as the run's sessions do (connect, TLS as the
// target asks, login, TYPE I, PWD) and quits, so that a target that
// cannot be stressed at all is told apart before any load: unreachable,
// refusing, or refusing the credentials (after this one attempt, so that
// no account gets locked by a burst of bad logins).
func Probe(ctx context.Context, t harness.Target) error {
	t = t.WithDefaults()
	c, greet, err := harness.Connect(ctx, t, nil)
	if err != nil {
		var te *harness.TLSError
		var de *harness.DialError
		switch {
		case errors.As(err, &de):
			return &ProbeError{ProbeUnreachable, err}
		case errors.As(err, &te) && te.Kind != harness.TLSClosed && te.Kind != harness.TLSTimeout:
			return &ProbeError{ProbeTLS, err}
		case len(greet) > 0 && greet[len(greet)-1].Code == harness.ReplyServiceUnavailable:
			return &ProbeError{ProbeRefused, fmt.Errorf("the server refused the session: %s", greet[len(greet)-1])}
		case len(greet) > 0 && errors.As(err, &te):
			return &ProbeError{ProbeTLS, err}
		case harness.ConnClosed(err) && len(greet) == 0:
			return &ProbeError{ProbeRefused, fmt.Errorf("the server closed the connection before its greeting: %w", err)}
		}
		return &ProbeError{ProbeUnreachable, fmt.Errorf("no FTP greeting: %w", err)}
	}
	c.T = nil
	defer c.Close()
	switch last := greet[len(greet)-1]; {
	case last.Code == harness.ReplyServiceUnavailable:
		return &ProbeError{ProbeRefused, fmt.Errorf("the server refused the session: %s", last)}
	case harness.Class(last.Code) != 2:
		return &ProbeError{ProbeUnreachable, fmt.Errorf("greeting %s, not 220: not an FTP server ready for a session", last)}
	}
	if err := c.Login(ctx); err != nil {
		var re *harness.ReplyError
		var te *harness.TLSError
		switch {
		case errors.As(err, &re) && re.Reply.Code == harness.ReplyServiceUnavailable:
			return &ProbeError{ProbeRefused, err}
		case errors.As(err, &re) && re.Reply.Code == harness.ReplyNotLoggedIn:
			return &ProbeError{ProbeCredentials, fmt.Errorf("login refused: %w", err)}
		case errors.As(err, &te):
			return &ProbeError{ProbeTLS, err}
		case errors.As(err, &re):
			return &ProbeError{ProbeOther, fmt.Errorf("login: %w", err)}
		}
		return &ProbeError{ProbeUnreachable, fmt.Errorf("login: %w", err)}
	}
	for _, step := range []struct {
		cmd  string
		code int
	}{{"TYPE I", harness.ReplyOK}, {"PWD", harness.ReplyPathCreated}} {
		r, err := c.Cmd(ctx, step.cmd)
		if err != nil {
			return &ProbeError{ProbeOther, fmt.Errorf("%s: %w", step.cmd, err)}
		}
		if harness.Class(r.Code) != 2 {
			return &ProbeError{ProbeOther, &harness.ReplyError{Cmd: step.cmd, Expected: []int{step.code}, Reply: r}}
		}
	}
	// QUIT, and wait for the server to close: a server with a session
	// limit counts the probe no longer when the sessions start.
	if _, err := c.Cmd(ctx, "QUIT"); err == nil {
		c.WaitClose(ctx, time.Second)
	}
	return nil
}
