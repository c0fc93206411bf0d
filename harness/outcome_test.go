package harness

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// replyCodes lists the codes of replies (nil ones left out).
func replyCodes(rs ...*Reply) []int {
	var out []int
	for _, r := range rs {
		if r != nil {
			out = append(out, r.Code)
		}
	}
	return out
}

// TestReadOutcome: the replies to a transfer command, with pyftpdlib's
// 425 of its own accord set apart; afterPrelim runs between the 1yz and
// the completion (the peer sends the completion only once it has seen
// afterPrelim's MARK).
func TestReadOutcome(t *testing.T) {
	tests := []struct {
		name        string
		before      []string // sent right after the command
		after       []string // sent after MARK (nil: no MARK is awaited)
		prelim      int
		final       int
		unsolicited []int
		err         string
	}{
		{"150 then 226", []string{"150 Opening."}, []string{"226 Done."}, 150, 226, nil, ""},
		{"refused at once", []string{"550 No such file."}, nil, 0, 550, nil, ""},
		{"425 of its own accord first", []string{"425 Rejected data connection from foreign address.", "150 Opening."}, []string{"226 Done."}, 150, 226, []int{425}, ""},
		{"425 of its own accord in the middle", []string{"150 Opening.", "425 Rejected data connection from foreign address."}, []string{"226 Done."}, 150, 226, []int{425}, ""},
		{"a genuine 425", []string{"425 Can't open data connection."}, nil, 0, 425, nil, ""},
		{"a genuine 425 after 150", []string{"150 Opening."}, []string{"425 Can't open data connection."}, 150, 425, nil, ""},
		{"two 1yz", []string{"150 Opening."}, []string{"125 Again."}, 150, 125, nil, ""},
		{"endless 425", slices.Repeat([]string{"425 Rejected."}, 10), nil, 0, 0, slices.Repeat([]int{425}, 8), "more than eight replies"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", func(s *peerSession) error {
				if err := s.send("220 ready"); err != nil {
					return err
				}
				if err := s.exchange("RETR f", tc.before...); err != nil {
					return err
				}
				if tc.after != nil {
					if err := s.exchange("MARK", tc.after...); err != nil {
						return err
					}
				}
				return s.untilClosed()
			})
			tg := peerTarget(p)
			tg.CloseGrace = 100 * time.Millisecond
			ctx := testCtx(t)
			c := connect(t, ctx, tg)
			if err := c.Send(ctx, "RETR f"); err != nil {
				t.Fatal(err)
			}
			marks := 0
			o, err := c.ReadOutcome(ctx, func() {
				marks++
				if err := c.Send(ctx, "MARK"); err != nil {
					t.Error(err)
				}
			})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ReadOutcome: %v, want an error with %q", err, tc.err)
				}
			} else if err != nil {
				t.Fatalf("ReadOutcome: %v", err)
			}
			if got := replyCodes(o.Prelim); !slices.Equal(got, replyCodes(codeReply(tc.prelim))) {
				t.Errorf("Prelim = %v, want %d", o.Prelim, tc.prelim)
			}
			if got := replyCodes(o.Final); !slices.Equal(got, replyCodes(codeReply(tc.final))) {
				t.Errorf("Final = %v, want %d", o.Final, tc.final)
			}
			if got := replyCodes(o.Unsolicited...); !slices.Equal(got, tc.unsolicited) {
				t.Errorf("Unsolicited = %v, want %v", got, tc.unsolicited)
			}
			if want := len(replyCodes(o.Prelim)); marks != want {
				t.Errorf("afterPrelim ran %d times, want %d", marks, want)
			}
		})
	}
}

// codeReply is a reply with code, or nil for 0.
func codeReply(code int) *Reply {
	if code == 0 {
		return nil
	}
	return &Reply{Code: code}
}

// TestTransferOutcomeString renders the replies that belong to the
// command.
func TestTransferOutcomeString(t *testing.T) {
	prelim := &Reply{Code: 150, Lines: []string{"150 Opening."}}
	final := &Reply{Code: 226, Lines: []string{"226 Done."}}
	for _, tc := range []struct {
		o    TransferOutcome
		want string
	}{
		{TransferOutcome{}, "no reply"},
		{TransferOutcome{Final: final}, final.String()},
		{TransferOutcome{Prelim: prelim, Final: final, Unsolicited: []*Reply{{Code: 425}}}, prelim.String() + " then " + final.String()},
	} {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
