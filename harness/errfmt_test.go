package harness

import (
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func TestErrSuffix(t *testing.T) {
	tests := []struct {
		sep  string
		err  error
		want string
	}{
		{"; then: ", nil, ""},
		{"; then: ", io.EOF, "; then: EOF"},
		{" ", errors.New("x"), " x"},
	}
	for _, tc := range tests {
		if got := ErrSuffix(tc.sep, tc.err); got != tc.want {
			t.Errorf("ErrSuffix(%q, %v) = %q, want %q", tc.sep, tc.err, got, tc.want)
		}
	}
}

// TestNoNilInMessages: messages built from an optional error never show
// Go's "<nil>".
func TestNoNilInMessages(t *testing.T) {
	for _, s := range []string{
		Drained{}.describe(0),
		Drained{Bytes: 3}.describe(0),
		(&DialError{Addr: "127.0.0.1:21", Kind: DialOther}).Error(),
		(&ReplyError{Cmd: "NOOP", Expected: []int{200}}).Error(),
	} {
		if strings.Contains(s, "<nil>") || strings.Contains(s, "%!") {
			t.Errorf("message %q shows a nil error", s)
		}
	}
	c := &Conn{target: Target{ActiveRange: PortRange{Min: 2, Max: 1}}, T: NewTranscript()}
	if _, err := c.listen(netip.MustParseAddr("127.0.0.1")); err == nil || strings.Contains(err.Error(), "%!") {
		t.Errorf("listen on an empty range: %v", err)
	}
}
