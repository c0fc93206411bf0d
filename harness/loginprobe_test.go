package harness

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// wrongPasswords plays a server's side of a series of wrong passwords:
// replies[i] answers the i-th PASS ("" closes the connection instead,
// "-" sends nothing and waits); USER is answered user (331 if empty).
// After a 421 the connection is closed when closes is set.
func wrongPasswords(user string, replies []string, closes bool) func(s *peerSession) error {
	return func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		if user == "" {
			user = "331 Password required"
		}
		for _, r := range replies {
			if err := s.exchange("USER conform", user); err != nil {
				return err
			}
			if !strings.HasPrefix(user, "331") {
				return s.untilClosed()
			}
			if _, err := s.expect("PASS not-the-password-"); err != nil {
				return err
			}
			switch r {
			case "":
				return nil // the caller closes the connection
			case "-":
				return s.untilClosed()
			}
			if err := s.send(r); err != nil {
				return err
			}
			if strings.HasPrefix(r, "421") && closes {
				return nil // the peer closes the connection
			}
			if strings.HasPrefix(r, "421") || strings.HasPrefix(r, "230") {
				return s.untilClosed()
			}
		}
		return s.untilClosed()
	}
}

func TestProbeWrongPasswords(t *testing.T) {
	const no = "530 Login incorrect."
	tests := []struct {
		name     string
		user     string
		replies  []string
		closes   bool // the peer closes after the 421
		attempts int
		closed   bool
		unanswer bool
		open421  bool
		slowed   bool
		last     int
		problem  string
	}{
		{"421 and a close after three", "", []string{no, no, "421 Too many failures."}, true, 3, true, false, false, false, 421, ""},
		{"a close instead of an answer", "", []string{no, ""}, false, 2, true, true, false, false, 530, ""},
		{"never locked out", "", []string{no, no, no, no, no, no, no, no, no, no}, false, MaxWrongPasswords, false, false, false, false, 530, ""},
		{"421 but the connection stays", "", []string{no, "421 Too many failures."}, false, 2, false, false, true, false, 421, ""},
		{"slowed down", "", []string{no, "-"}, false, 1, false, false, false, true, 530, ""},
		{"USER alone logs in", "230 Welcome.", []string{no}, false, 0, false, false, false, false, 0, "needs no password"},
		{"a wrong password accepted", "", []string{"230 Welcome."}, false, 1, false, false, false, false, 230, "was accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startPeer(t, "", wrongPasswords(tc.user, tc.replies, tc.closes))
			tg := peerTarget(p)
			tg.CloseGrace = 100 * time.Millisecond
			if tc.slowed {
				tg.ReplyTimeout = 200 * time.Millisecond
			}
			f := ProbeWrongPasswords(testCtx(t), tg, nil)
			got := fmt.Sprintf("attempts %d closed %v unanswered %v open421 %v slowed %v", len(f.Attempts), f.Closed, f.Unanswered, f.Left421Open, f.SlowedDown)
			want := fmt.Sprintf("attempts %d closed %v unanswered %v open421 %v slowed %v", tc.attempts, tc.closed, tc.unanswer, tc.open421, tc.slowed)
			if got != want {
				t.Errorf("%s; want %s (problem %q)", got, want, f.Problem)
			}
			if tc.problem == "" && f.Problem != "" || !strings.Contains(f.Problem, tc.problem) {
				t.Errorf("Problem = %q, want %q", f.Problem, tc.problem)
			}
			if tc.last != 0 && (f.Last == nil || f.Last.Code != tc.last) {
				t.Errorf("Last = %v, want %d", f.Last, tc.last)
			}
			if n := len(f.Answered()); tc.unanswer && n != len(f.Attempts)-1 || !tc.unanswer && n != len(f.Attempts) {
				t.Errorf("%d answered of %d attempts", n, len(f.Attempts))
			}
		})
	}
}

func TestProbeUnknownUser(t *testing.T) {
	for _, tc := range []struct {
		user, pass string
		problem    string
	}{
		{"331 Password required", "530 Login incorrect.", ""},
		{"530 Unknown user.", "", "no such account"},
	} {
		p := startPeer(t, "", func(s *peerSession) error {
			if err := s.send("220 ready"); err != nil {
				return err
			}
			if err := s.exchange("USER nosuchuser-", tc.user); err != nil {
				return err
			}
			if tc.pass != "" {
				if err := s.exchange("PASS pw-", tc.pass); err != nil {
					return err
				}
			}
			return s.untilClosed()
		})
		u := ProbeUnknownUser(testCtx(t), peerTarget(p), nil)
		if !strings.Contains(u.Problem, tc.problem) || tc.problem == "" && u.Problem != "" {
			t.Errorf("%s: Problem = %q, want %q", tc.user, u.Problem, tc.problem)
		}
		if !strings.HasPrefix(u.Name, "nosuchuser-") {
			t.Errorf("Name = %q", u.Name)
		}
		if tc.pass != "" && (u.Pass == nil || u.Pass.Code != 530 || u.Took <= 0) {
			t.Errorf("%s: Pass = %v after %s", tc.user, u.Pass, u.Took)
		}
	}
}

func TestProbeAnonymous(t *testing.T) {
	for _, tc := range []struct {
		user, pass string
		enabled    bool
	}{
		{"331 Send your e-mail address.", "230 Welcome, anonymous.", true},
		{"230 Welcome, anonymous.", "", true},
		{"530 No anonymous access.", "", false},
		{"331 Send your e-mail address.", "530 No anonymous access.", false},
	} {
		p := startPeer(t, "", func(s *peerSession) error {
			if err := s.send("220 ready"); err != nil {
				return err
			}
			if err := s.exchange("USER anonymous", tc.user); err != nil {
				return err
			}
			if tc.pass != "" {
				if err := s.exchange("PASS "+AnonymousPassword, tc.pass); err != nil {
					return err
				}
			}
			return s.untilClosed()
		})
		a := ProbeAnonymous(testCtx(t), peerTarget(p), nil)
		if !a.Tried || a.Enabled != tc.enabled || a.Problem != "" || (a.Pass != nil) != (tc.pass != "") {
			t.Errorf("%s / %s: %+v", tc.user, tc.pass, a)
		}
	}
}

// TestProbeLogins: the three probes run on parallel connections of one
// server, each recorded in the shared transcript.
func TestProbeLogins(t *testing.T) {
	p := startPeers(t, "", 3, func(s *peerSession) error {
		if err := s.send("220 ready"); err != nil {
			return err
		}
		line, err := s.read()
		if err != nil {
			return err
		}
		switch {
		case line == "USER conform":
			if err := s.send("331 Password required"); err != nil {
				return err
			}
			if _, err := s.expect("PASS not-the-password-"); err != nil {
				return err
			}
			if err := s.send("421 Too many failures."); err != nil {
				return err
			}
			return nil // closes
		case strings.HasPrefix(line, "USER nosuchuser-"), line == "USER anonymous":
			if err := s.send("331 Password required"); err != nil {
				return err
			}
			if _, err := s.expect("PASS "); err != nil {
				return err
			}
			if err := s.send("530 Login incorrect."); err != nil {
				return err
			}
			return s.untilClosed()
		}
		return fmt.Errorf("unexpected %q", line)
	})
	tr := NewTranscript()
	res := ProbeLogins(testCtx(t), peerTarget(p), tr, true)
	if len(res.Failures.Attempts) != 1 || !res.Failures.Closed || res.Failures.Last.Code != 421 {
		t.Errorf("Failures = %+v", res.Failures)
	}
	if res.Unknown.Problem != "" || res.Unknown.Pass.Code != 530 {
		t.Errorf("Unknown = %+v", res.Unknown)
	}
	if !res.Anon.Tried || res.Anon.Enabled {
		t.Errorf("Anon = %+v", res.Anon)
	}
	for _, want := range []string{"c1", "c2", "c3", "USER anonymous", "USER nosuchuser-"} {
		if !strings.Contains(tr.String(), want) {
			t.Errorf("the transcript lacks %q:\n%s", want, tr)
		}
	}
}
