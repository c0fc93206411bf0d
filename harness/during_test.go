package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSendDuring: STAT during a RETR gets its reply before or after the
// transfer's, or none; the data is drained meanwhile.
func TestSendDuring(t *testing.T) {
	data := payload(64 << 10)
	tests := []struct {
		name    string
		before  []string // sent after STAT, before the data ends
		after   []string // sent after the data connection is closed
		codes   []int
		wantErr bool
	}{
		{"STAT answered during the transfer", []string{"213 Transferring."}, []string{"226 Done."}, []int{213, 226}, false},
		{"STAT answered after it", nil, []string{"226 Done.", "213 Idle."}, []int{226, 213}, false},
		{"STAT never answered", nil, []string{"226 Done."}, []int{226}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				ln, err := s.greetPASV()
				if err != nil {
					return err
				}
				if err := s.exchange("RETR f", "150 Opening."); err != nil {
					return err
				}
				dc, err := s.accept(ln)
				if err != nil {
					return err
				}
				if _, err := dc.Write(data[:1000]); err != nil {
					return err
				}
				line, err := s.read()
				if err != nil || !strings.HasPrefix(line, "\xff\xf4") || !strings.HasSuffix(line, "STAT") {
					return fmt.Errorf("got %q (%v), want IAC IP ... STAT", line, err)
				}
				if len(tc.before) > 0 {
					if err := s.send(tc.before...); err != nil {
						return err
					}
				}
				if err := sendData(dc, data[1000:]); err != nil {
					return err
				}
				if err := s.send(tc.after...); err != nil {
					return err
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.ReplyTimeout = 300 * time.Millisecond
			ctx := testCtx(t)
			c := loggedIn(t, ctx, tg)
			d := openData(t, ctx, c, PASV)
			run := start(t, ctx, c, d)
			if _, err := run.Read(ctx, 1000); err != nil {
				t.Fatal(err)
			}
			dt, err := run.SendDuring(ctx, "STAT")
			if err != nil {
				t.Fatal(err)
			}
			if got := replyCodes(dt.Replies...); !slices.Equal(got, tc.codes) || (dt.Err != nil) != tc.wantErr {
				t.Errorf("replies %v (%v), want %v (error %v)", got, dt.Err, tc.codes, tc.wantErr)
			}
			if !dt.Drained.Closed || run.Received != int64(len(data)) {
				t.Errorf("drained %+v, %d of %d bytes", dt.Drained, run.Received, len(data))
			}
		})
	}
}
