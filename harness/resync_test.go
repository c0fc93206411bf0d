package harness

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestResync: NOOP's 200 ends the resynchronisation; 425 replies on the
// way are returned; another reply, or no 200 among four, is an error.
func TestResync(t *testing.T) {
	tests := []struct {
		name    string
		replies []string
		stray   []int
		err     string // "" for none; "reply" for a *ReplyError
	}{
		{"in step", []string{"200 NOOP ok."}, nil, ""},
		{"one stray 425", []string{"425 Rejected data connection from foreign address.", "200 NOOP ok."}, []int{425}, ""},
		{"another reply", []string{"500 What?"}, nil, "reply"},
		{"no 200 among four", slices.Repeat([]string{"425 Rejected."}, 4), []int{425, 425, 425, 425}, "no 200 among four replies"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("NOOP", tc.replies...); err != nil {
					return err
				}
				return s.untilClosed()
			})
			ctx := testCtx(t)
			c := connect(t, ctx, peerTarget(p))
			stray, err := c.Resync(ctx)
			if got := replyCodes(stray...); !slices.Equal(got, tc.stray) {
				t.Errorf("stray replies %v, want %v", got, tc.stray)
			}
			var re *ReplyError
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("Resync: %v", err)
			case tc.err == "reply" && (!errors.As(err, &re) || re.Code() != 500):
				t.Fatalf("Resync: %v, want a *ReplyError for 500", err)
			case tc.err != "" && tc.err != "reply" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("Resync: %v, want %q", err, tc.err)
			}
		})
	}
}
