package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestRedact(t *testing.T) {
	const secret = "s3cr3t/p@ss"
	r := FromGinkgo(types.Report{SpecReports: types.SpecReports{
		spec("[RFC959-5.4-PASS-CODES] answers 530 to PASS "+secret, types.SpecStateFailed,
			[]string{"rfc959", "MUST", "user:" + secret},
			failure("server echoed: 530 bad password "+secret+" (escaped s3cr3t%2Fp%40ss)", 1),
			warning("warned about "+secret),
			info("info "+secret),
			transcript("> PASS "+secret+"\n< 530 no")),
	}})
	r.Target = "ftp://conform:s3cr3t%2Fp%40ss@127.0.0.1:2121"
	r.Version = "v1"
	r.Stopped = "credentials refused: 530 bad password " + secret
	r.Checks[0].Baseline = "known: echoes " + secret

	r.Redact("", secret)

	var all bytes.Buffer
	for _, write := range []func() error{
		func() error { return WriteJSON(&all, r) },
		func() error { return WriteJUnit(&all, r) },
		func() error { return WriteSummary(&all, r, false) },
		func() error { return WriteHTML(&all, r) },
	} {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	for _, leak := range []string{"s3cr3t", "p@ss", "p%40ss"} {
		if strings.Contains(all.String(), leak) {
			t.Errorf("%q leaked into a report", leak)
		}
	}

	c := r.Checks[0]
	if c.Message != "server echoed: 530 bad password **** (escaped ****)" {
		t.Errorf("message %q", c.Message)
	}
	if c.Transcript != "> PASS ****\n< 530 no" || c.Warnings[0] != "warned about ****" || c.Info[0] != "info ****" ||
		c.Labels[2] != "user:****" || !strings.HasSuffix(c.Title, "PASS ****") {
		t.Errorf("not redacted everywhere: %+v", c)
	}
	if r.Target != "ftp://conform:****@127.0.0.1:2121" {
		t.Errorf("target %q", r.Target)
	}
	if r.Stopped != "credentials refused: 530 bad password ****" || c.Baseline != "known: echoes ****" {
		t.Errorf("stopped %q, baseline reason %q", r.Stopped, c.Baseline)
	}
	if r.Version != "v1" {
		t.Errorf("empty secret must change nothing: version %q", r.Version)
	}
}

func TestRedactTargetPasswordWithoutSecrets(t *testing.T) {
	r := Run{Target: "ftp://u:hunter2@host:21", Checks: []Check{{Message: "PASS hunter2", Verdict: VerdictFailed}}}
	r.Redact()
	if r.Target != "ftp://u:****@host:21" || r.Checks[0].Message != "PASS ****" {
		t.Errorf("target %q message %q", r.Target, r.Checks[0].Message)
	}
	if r.Counts.Failed != 1 {
		t.Errorf("counts not kept: %+v", r.Counts)
	}
}

func TestRedactLongestFirst(t *testing.T) {
	r := Run{Checks: []Check{{Message: "abcdef and abc"}}}
	r.Redact("abc", "abcdef")
	if got := r.Checks[0].Message; got != "**** and ****" {
		t.Errorf("got %q", got)
	}
}

// TestRedactWholeTokens: a secret is masked where it stands as a token of
// its own, never inside a longer word such as the scratch directory's
// name, and a PASS command line is masked whatever its argument.
func TestRedactWholeTokens(t *testing.T) {
	r := Run{
		Target: "ftp://conform:conform@127.0.0.1:2121",
		Checks: []Check{{
			Title:      "answers 530 to PASS without USER",
			Message:    `MKD ftpconform-1a2b: 550 "conform" conforming, user conform.`,
			Warnings:   []string{"PASS with a wrong password: expected one of 530; got 230"},
			Transcript: "+0.001s c1 > USER conform\n+0.002s c1 > PASS other-pw\n+0.003s c1 < 230 ok\n",
		}},
	}
	r.Redact("conform")
	c := r.Checks[0]
	if r.Target != "ftp://****:****@127.0.0.1:2121" {
		t.Errorf("target %q", r.Target)
	}
	if want := `MKD ftpconform-1a2b: 550 "****" conforming, user ****.`; c.Message != want {
		t.Errorf("message %q, want %q", c.Message, want)
	}
	if c.Title != "answers 530 to PASS without USER" || c.Warnings[0] != "PASS with a wrong password: expected one of 530; got 230" {
		t.Errorf("prose about PASS was changed: %q, %q", c.Title, c.Warnings[0])
	}
	if want := "+0.001s c1 > USER ****\n+0.002s c1 > PASS ****\n+0.003s c1 < 230 ok\n"; c.Transcript != want {
		t.Errorf("transcript %q, want %q", c.Transcript, want)
	}
}
