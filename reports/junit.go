package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// WriteJUnit writes the run as JUnit XML, the format CI systems show in
// their test tabs:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<testsuites name="ftpconform" tests="3" failures="1" time="1.250">
//		<testsuite name="rfc959" tests="3" failures="1" errors="0" id="0" skipped="1" time="0.750" timestamp="…">
//			<properties>
//				<property name="target" value="ftp://127.0.0.1:2121"></property>
//				…
//			</properties>
//			<testcase name="[RFC959-5.4-PASS-CODES/wrong-password] answers 530 to a wrong password (MUST)"
//			          classname="ftpconform.rfc959.5.4" time="0.120">
//				<failure message="expected one of 530; got 230 &#34;Welcome&#34;" type="MUST"><![CDATA[…]]></failure>
//				<system-out><![CDATA[…transcript…]]></system-out>
//			</testcase>
//			…
//
// There is one testsuite per RFC group (rfc959, rfc1123, …, policy, and
// "suite" for a broken run), and one testcase per check. A failed check
// has a <failure> whose type is the requirement level, never an <error>:
// errors in JUnit mean the test itself broke, and a non-conformant server
// is a test result. A skipped check has <skipped message="reason">; so
// do a blocked check (message "blocked by ROOT: reason") and a check not
// run ("not run: reason"), and the testsuite's skipped count includes
// them. A failure the applied baseline expects is skipped as well, so that
// the CI's test tab shows known deviations as such and stays green:
// <skipped message="known deviation (baseline: REASON): MESSAGE"> with the
// full message inside. A check the baseline lists that now passes says
// "BASELINE: fixed: remove it from the baseline" in <system-out>, and one
// with another verdict than the listed one says what the baseline expects.
// A warned check passes, with its warnings at the top of <system-out>.
// When the run stopped early, each testsuite has a property "stopped"
// whose value says why (and a run stopped before any check has one empty
// testsuite "suite" to carry it).
// System-out holds, in order: the "BASELINE: " line, "WARNING: " lines,
// "INFO: " lines, and the transcript of a check that failed, warned or was skipped (a passing
// check's transcript is left to the JSON and HTML reports to keep the file
// small). Filtered checks are left out.
//
// All text is passed through an XML sanitiser first (server replies may
// contain bytes XML cannot carry), and the document validates against the
// Jenkins xUnit JUnit schema (testdata/junit-10.xsd).
func WriteJUnit(w io.Writer, r Run) error { return WriteJUnitWith(w, r, JUnitOptions{}) }

// JUnitOptions adjust the JUnit report.
type JUnitOptions struct {
	// WarningsAsFailures writes a warned check as a <failure> of type
	// WARNING, for pipelines that want warnings red; the exit code is not
	// changed by it (that is --strict's).
	WarningsAsFailures bool
}

// WriteJUnitWith is WriteJUnit with options. Either way a warned check
// shows its warnings in <system-err> as well, which CI test views show
// beside the test, and each testsuite has a property "warnings" naming
// its warned checks.
func WriteJUnitWith(w io.Writer, r Run, opt JUnitOptions) error {
	suites := junitSuites(r, opt)
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"); err != nil {
		return err
	}
	return suites.WriteXML(w)
}

func junitSuites(r Run, opt JUnitOptions) junit.Testsuites {
	checks := r.reported()
	byRFC := map[string][]Check{}
	for _, c := range checks {
		byRFC[c.RFC] = append(byRFC[c.RFC], c)
	}
	if len(checks) == 0 && r.Stopped != "" {
		byRFC[RFCSuite] = nil // an empty testsuite carries the reason
	}

	out := junit.Testsuites{Name: "ftpconform"}
	var total time.Duration
	for i, rfc := range rfcOrder(mapKeys(byRFC)) {
		s := junit.Testsuite{
			Name: xmlText(rfc),
			ID:   i,
		}
		if !r.Started.IsZero() {
			s.Timestamp = r.Started.UTC().Format(time.RFC3339)
		}
		started := ""
		if !r.Started.IsZero() {
			started = r.Started.UTC().Format(time.RFC3339)
		}
		for _, p := range [][2]string{{"tool", r.Tool}, {"version", r.Version}, {"target", r.Target}, {"tls", r.TLS},
			{"started", started}, {"duration", seconds(r.Duration)}, {"strict", fmt.Sprint(r.Strict)}, {"stopped", r.Stopped}} {
			if p[1] != "" {
				s.AddProperty(p[0], xmlText(p[1]))
			}
		}
		var warned []string
		for _, c := range byRFC[rfc] {
			if c.Verdict == VerdictWarned {
				warned = append(warned, c.Key)
			}
		}
		if len(warned) > 0 {
			s.AddProperty("warnings", xmlText(fmt.Sprintf("%d warned: %s", len(warned), strings.Join(warned, ", "))))
		}
		var d time.Duration
		for _, c := range byRFC[rfc] {
			s.AddTestcase(junitCase(c, opt))
			d += c.Duration
		}
		s.Time = seconds(d)
		total += d

		// AddSuite would also total skipped tests on <testsuites>, an
		// attribute the schema does not allow there.
		out.Suites = append(out.Suites, s)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
	}
	if r.Duration > 0 {
		total = r.Duration
	}
	out.Time = seconds(total)
	return out
}

func junitCase(c Check, opt JUnitOptions) junit.Testcase {
	name := c.heading()
	if c.Level != "" {
		name += " (" + c.Level + ")"
	}
	class := junitClass(c)
	tc := junit.Testcase{
		Name:      xmlText(name),
		Classname: xmlText(class),
		Time:      seconds(c.Duration),
	}

	var out strings.Builder
	if note := c.baselineNote(); note != "" {
		fmt.Fprintf(&out, "BASELINE: %s\n", note)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&out, "WARNING: %s\n", w)
	}
	for _, i := range c.Info {
		fmt.Fprintf(&out, "INFO: %s\n", i)
	}

	switch c.Verdict {
	case VerdictFailed:
		if c.known() {
			msg := c.knownText()
			if m := firstLine(c.Message); m != "" {
				msg += ": " + m
			}
			tc.Skipped = &junit.Result{Message: xmlText(msg), Data: xmlText(failureBody(c))}
			break
		}
		kind := c.Level
		if kind == "" {
			kind = c.Key
		}
		msg := firstLine(c.Message)
		if msg == "" {
			msg = "failed"
		}
		res := &junit.Result{Message: xmlText(msg), Type: xmlText(kind), Data: xmlText(failureBody(c))}
		if c.Key == SuiteKey {
			// A problem on the tester's side (the run could not reach
			// or finish with the server), not a finding about it.
			tc.Error = res
			break
		}
		tc.Failure = res
	case VerdictWarned:
		if opt.WarningsAsFailures && len(c.Warnings) > 0 {
			tc.Failure = &junit.Result{Message: xmlText("WARNING: " + firstLine(c.Warnings[0])), Type: "WARNING", Data: xmlText(strings.Join(c.Warnings, "\n"))}
		}
	case VerdictSkipped:
		tc.Skipped = &junit.Result{Message: xmlText(c.Message)}
	case VerdictBlocked:
		tc.Skipped = &junit.Result{Message: xmlText(c.blockedText())}
	case VerdictNotRun:
		tc.Skipped = &junit.Result{Message: xmlText(c.notRunText())}
	}
	if c.Verdict != VerdictPassed && c.Transcript != "" {
		if out.Len() > 0 {
			out.WriteString("\n")
		}
		out.WriteString(c.Transcript)
	}
	if out.Len() > 0 {
		tc.SystemOut = &junit.Output{Data: xmlText(out.String())}
	}
	if len(c.Warnings) > 0 {
		var errOut strings.Builder
		for _, w := range c.Warnings {
			fmt.Fprintf(&errOut, "WARNING: %s\n", w)
		}
		tc.SystemErr = &junit.Output{Data: xmlText(errOut.String())}
	}
	return tc
}

// failureBody is the full message of a failed check, with where it failed.
// junitClass is a check's classname: "ftpconform.<document>.<section>",
// with the section's dots turned into dashes ("section-4-1-3"), so that a
// CI that splits the classname at its last dot (Jenkins) shows the
// package "ftpconform.rfc959" and the class "section-4-1-3", and one that
// groups by classname (GitLab) one group per section (docs/ci.md).
func junitClass(c Check) string {
	class := "ftpconform." + c.RFC
	switch {
	case c.Section != "":
		class += ".section-" + strings.ReplaceAll(c.Section, ".", "-")
	case c.RFC != "suite" && c.RFC != "":
		class += ".general"
	}
	return class
}

func failureBody(c Check) string {
	body := c.Message
	if c.Location != "" {
		body = strings.TrimRight(body, "\n") + "\n\nat " + c.Location
	}
	return body
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
