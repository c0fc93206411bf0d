package stress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/ftpconform/ftpconform/harness"
)

func TestClassify(t *testing.T) {
	reply := func(code int) error {
		return &harness.ReplyError{Cmd: "X", Expected: []int{200}, Reply: &harness.Reply{Code: code, Lines: []string{fmt.Sprint(code, " text")}}}
	}
	closed := &harness.ProtocolError{Msg: "connection closed by the server", Err: io.EOF}
	reset := &harness.ProtocolError{Msg: "reading reply: reset", Err: fmt.Errorf("read: %w", syscall.ECONNRESET)}
	silent := &harness.ProtocolError{Msg: "no complete reply before the deadline", Err: os.ErrDeadlineExceeded}
	framing := &harness.ProtocolError{Msg: "reply line longer than 4096 bytes"}
	dialRefused := &harness.DialError{Addr: "127.0.0.1:1", Kind: harness.DialRefused, Err: syscall.ECONNREFUSED}
	dialTimeout := &harness.DialError{Addr: "127.0.0.1:1", Kind: harness.DialTimeout, Err: os.ErrDeadlineExceeded}
	tlsClosed := &harness.TLSError{Stage: harness.TLSStageImplicit, Kind: harness.TLSClosed, Err: io.EOF}
	tlsCert := &harness.TLSError{Stage: harness.TLSStageHandshake, Kind: harness.TLSCertificate}
	tlsTimeout := &harness.TLSError{Stage: harness.TLSStageData, Kind: harness.TLSTimeout}

	type want struct {
		kind Kind
		code int
	}
	for _, tc := range []struct {
		name  string
		err   error
		phase Phase
		want  want
	}{
		// The server turning the session away.
		{"421 greeting", reply(421), PhaseConnect, want{KindRefused, 421}},
		{"421 to USER", reply(421), PhaseLogin, want{KindRefused, 421}},
		{"530 to PASS", reply(530), PhaseLogin, want{KindRefused, 530}},
		{"refused connect", dialRefused, PhaseConnect, want{KindRefused, 0}},
		{"closed before greeting", closed, PhaseConnect, want{KindRefused, 0}},
		{"reset before greeting", reset, PhaseConnect, want{KindRefused, 0}},
		{"closed in login", closed, PhaseLogin, want{KindRefused, 0}},
		{"implicit TLS closed", tlsClosed, PhaseConnect, want{KindRefused, 0}},
		// The same after the session was established.
		{"421 to a command", reply(421), PhaseCommand, want{KindReply, 421}},
		{"530 to a command", reply(530), PhaseCommand, want{KindReply, 530}},
		{"closed after login", closed, PhaseCommand, want{KindReset, 0}},
		{"reset after login", reset, PhaseCommand, want{KindReset, 0}},
		{"TLS closed on data", &harness.TLSError{Stage: harness.TLSStageData, Kind: harness.TLSClosed}, PhaseCommand, want{KindReset, 0}},
		{"data port refused", dialRefused, PhaseCommand, want{KindData, 0}},
		// Timeouts, wherever they happen.
		{"connect timeout", dialTimeout, PhaseConnect, want{KindTimeout, 0}},
		{"silent greeting", silent, PhaseConnect, want{KindTimeout, 0}},
		{"silent reply", silent, PhaseCommand, want{KindTimeout, 0}},
		{"TLS timeout", tlsTimeout, PhaseCommand, want{KindTimeout, 0}},
		{"operation deadline", fmt.Errorf("RETR: %w", context.DeadlineExceeded), PhaseCommand, want{KindTimeout, 0}},
		{"data read timeout", &dataError{fmt.Errorf("nothing for 25s: %w", os.ErrDeadlineExceeded)}, PhaseCommand, want{KindTimeout, 0}},
		// Replies and the grammar.
		{"550", reply(550), PhaseCommand, want{KindReply, 550}},
		{"wrapped 425", fmt.Errorf("NLST: setting up: %w", reply(425)), PhaseCommand, want{KindReply, 425}},
		{"greeting 500", reply(500), PhaseConnect, want{KindReply, 500}},
		{"broken framing", framing, PhaseCommand, want{KindProtocol, 0}},
		{"bad 227", errors.New("227 reply: port 0 advertised"), PhaseCommand, want{KindProtocol, 0}},
		{"bad 213", &harness.GrammarError{Reply: &harness.Reply{Code: 213}, Reason: "not a number"}, PhaseCommand, want{KindProtocol, 0}},
		{"certificate", tlsCert, PhaseConnect, want{KindTLS, 0}},
		// The session's own checks, and data connections.
		{"corrupt", corruptf("RETR f: differs"), PhaseCommand, want{KindCorrupt, 0}},
		{"lost", lostf(550, "RETR f: gone"), PhaseCommand, want{KindLost, 550}},
		{"data early reply", &dataError{errors.New("the server replied before it accepted the data connection")}, PhaseCommand, want{KindData, 0}},
		{"data reset", &dataError{syscall.ECONNRESET}, PhaseCommand, want{KindReset, 0}},
	} {
		kind, code, ok := Classify(tc.err, tc.phase)
		if !ok || kind != tc.want.kind || code != tc.want.code {
			t.Errorf("%s: Classify(%v) = %v, %d, %v; want %v, %d", tc.name, tc.err, kind, code, ok, tc.want.kind, tc.want.code)
		}
	}
}

func TestClassifyNotCounted(t *testing.T) {
	for _, err := range []error{nil, context.Canceled, fmt.Errorf("RETR: %w", context.Canceled), errCancelled,
		&harness.ProtocolError{Msg: "reading a reply: interrupted", Err: context.Canceled}} {
		if kind, _, ok := Classify(err, PhaseCommand); ok {
			t.Errorf("Classify(%v) = %v, want it not counted", err, kind)
		}
	}
}

func TestBreaksSession(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		code int
		want bool
	}{
		{KindReset, 0, true}, {KindTimeout, 0, true}, {KindProtocol, 0, true}, {KindTLS, 0, true},
		{KindReply, 421, true}, {KindReply, 550, false}, {KindReply, 425, false},
		{KindData, 0, false}, {KindCorrupt, 0, false}, {KindLost, 550, false},
	} {
		if got := breaksSession(tc.kind, tc.code); got != tc.want {
			t.Errorf("breaksSession(%v, %d) = %v, want %v", tc.kind, tc.code, got, tc.want)
		}
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := range numKinds {
		s := k.String()
		if s == "" || seen[s] {
			t.Errorf("kind %d: name %q", k, s)
		}
		seen[s] = true
	}
}
