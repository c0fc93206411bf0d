package harness

import (
	"strings"
	"testing"
	"time"
)

// TestCompletion: a reply that is not preliminary completes the command
// without a read; after a 1yz (or with the 1yz read elsewhere) the next
// reply is read, and a silent server is waited for CompletionTimeout.
func TestCompletion(t *testing.T) {
	tests := []struct {
		name   string
		first  *Reply
		script []string // what the peer sends after the greeting
		want   int      // code returned, 0 for an error
	}{
		{"not preliminary", &Reply{Code: 550}, nil, 550},
		{"after 150", &Reply{Code: 150}, []string{"226 Transfer complete."}, 226},
		{"after 125, a failure", &Reply{Code: 125}, []string{"426 Connection closed; transfer aborted."}, 426},
		{"first read elsewhere", nil, []string{"250 Done."}, 250},
		{"silent after 150", &Reply{Code: 150}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.send(append([]string{"220 ready"}, tc.script...)...); err != nil {
					return err
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.ReplyTimeout, tg.DataTimeout = 60*time.Millisecond, 90*time.Millisecond
			ctx := testCtx(t)
			c := connect(t, ctx, tg)
			if got := tg.CompletionTimeout(); got != 150*time.Millisecond {
				t.Fatalf("CompletionTimeout = %s, want 150ms", got)
			}
			r, err := c.Completion(ctx, tc.first)
			switch {
			case tc.want == 0:
				if err == nil || !strings.Contains(err.Error(), "waited 150ms") {
					t.Fatalf("Completion = %v, %v; want a timeout after 150ms", r, err)
				}
			case err != nil:
				t.Fatalf("Completion: %v", err)
			case r.Code != tc.want:
				t.Fatalf("Completion = %s, want %d", r, tc.want)
			case tc.first != nil && r != tc.first && !IsPreliminary(tc.first.Code):
				t.Fatalf("Completion read a reply after %s, which completes the command", tc.first)
			}
		})
	}
}
