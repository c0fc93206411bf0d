package stress

import (
	"context"
	"errors"
	"fmt"

	"github.com/ftpconform/ftpconform/harness"
)

// Kind classifies an error of a stress run.
type Kind int

// The kinds of error. Refused is the server turning a session away; it is
// reported apart from the others, which are all failures of the server
// under load.
const (
	// KindRefused: the server would not take the session: the connection
	// was refused, closed or reset before or during the greeting or the
	// login (or the implicit TLS handshake), or the server answered 421
	// there (a session limit; pure-ftpd resets sessions beyond its
	// maximum), or 530 to a login whose credentials worked for the
	// run's first session (ProFTPD's MaxClients).
	KindRefused Kind = iota
	// KindReset: the server closed or reset an established control
	// connection, or a data connection in the middle of a transfer.
	KindReset
	// KindTimeout: no reply, connection or data within the deadline.
	KindTimeout
	// KindProtocol: a reply that breaks the grammar (broken framing, a
	// malformed 227, 229, 213 or 257).
	KindProtocol
	// KindReply: a well-formed reply with a code other than the one the
	// operation needs (counted by code as well).
	KindReply
	// KindTLS: a TLS handshake or certificate failure after the session
	// was established.
	KindTLS
	// KindData: a data connection that could not be made (its port
	// refused the connection, the server never connected in active mode)
	// or that carried fewer bytes than were sent.
	KindData
	// KindCorrupt: a download, a size or a listing that differs from what
	// the session uploaded.
	KindCorrupt
	// KindLost: a file the session uploaded and did not delete is gone
	// (550 to RETR, SIZE, MDTM or DELE, missing from LIST or NLST), or its
	// scratch directory is.
	KindLost
	numKinds
)

var kindNames = [numKinds]string{
	KindRefused: "refused", KindReset: "reset", KindTimeout: "timeout", KindProtocol: "protocol",
	KindReply: "reply", KindTLS: "tls", KindData: "data", KindCorrupt: "corrupt", KindLost: "lost",
}

func (k Kind) String() string {
	if k >= 0 && k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind%d", int(k))
}

// Phase is where in a session an error happened; the same failure means
// different things before and after the session is established.
type Phase int

// The phases of a session.
const (
	PhaseConnect Phase = iota // TCP connect, implicit TLS, greeting, AUTH TLS
	PhaseLogin                // USER, PASS, PBSZ, PROT
	PhaseCommand              // everything after the login
)

// checkError is a finding of the session's own verification: a download
// that differs, a file that is gone.
type checkError struct {
	kind Kind
	code int // the reply that showed it, if one did
	msg  string
}

func (e *checkError) Error() string { return e.msg }

func corruptf(format string, args ...any) error {
	return &checkError{kind: KindCorrupt, msg: fmt.Sprintf(format, args...)}
}

func lostf(code int, format string, args ...any) error {
	return &checkError{kind: KindLost, code: code, msg: fmt.Sprintf(format, args...)}
}

// dataError is a failure on a data connection whose command was answered
// (Transfer.DataErr), so the control connection is still in step.
type dataError struct{ err error }

func (e *dataError) Error() string { return "data connection: " + e.err.Error() }
func (e *dataError) Unwrap() error { return e.err }

// errCancelled says an error came from the run's own interruption; it is
// never counted.
var errCancelled = errors.New("cancelled by the run")

// Classify says what kind of error err is, in the given phase, and the
// reply code that carried it (0 when no reply did). A cancelled context
// is errCancelled's business, not the server's: Classify returns ok false
// for it.
func Classify(err error, phase Phase) (kind Kind, code int, ok bool) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, errCancelled) {
		return 0, 0, false
	}
	var ce *checkError
	if errors.As(err, &ce) {
		return ce.kind, ce.code, true
	}
	var re *harness.ReplyError
	if errors.As(err, &re) && re.Reply != nil {
		code = re.Reply.Code
		switch {
		case phase != PhaseCommand && code == harness.ReplyServiceUnavailable:
			return KindRefused, code, true
		case phase == PhaseLogin && code == harness.ReplyNotLoggedIn:
			return KindRefused, code, true
		}
		return KindReply, code, true
	}
	var te *harness.TLSError
	if errors.As(err, &te) {
		switch {
		case te.Kind == harness.TLSTimeout:
			return KindTimeout, 0, true
		case te.Kind == harness.TLSClosed && phase != PhaseCommand:
			return KindRefused, 0, true
		case te.Kind == harness.TLSClosed:
			return KindReset, 0, true
		}
		return KindTLS, 0, true
	}
	var de *harness.DialError
	if errors.As(err, &de) {
		switch {
		case de.Kind == harness.DialTimeout:
			return KindTimeout, 0, true
		case phase == PhaseConnect:
			return KindRefused, 0, true
		}
		return KindData, 0, true // a data port
	}
	if harness.IsTimeout(err) {
		return KindTimeout, 0, true
	}
	if harness.ConnClosed(err) {
		if phase != PhaseCommand {
			return KindRefused, 0, true
		}
		return KindReset, 0, true
	}
	var dataErr *dataError
	if errors.As(err, &dataErr) {
		return KindData, 0, true
	}
	// A ProtocolError, a malformed 227 or 229, a grammar error.
	return KindProtocol, 0, true
}

// breaksSession reports whether an error of this kind leaves the control
// connection in an unknown state (a reply may still be on its way, or
// the connection is gone): the session then opens a new one.
func breaksSession(kind Kind, code int) bool {
	switch kind {
	case KindReset, KindTimeout, KindProtocol, KindTLS, KindRefused:
		return true
	case KindReply:
		return code == harness.ReplyServiceUnavailable
	}
	return false
}
