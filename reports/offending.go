package reports

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpconform/ftpconform/checkmeta"
	"github.com/ftpconform/ftpconform/harness"
)

// The HTML report highlights, in the transcript of a failed or warned
// check, the line the finding is about. The checks do not mark that line
// themselves; what they do, and what the search below relies on:
//
//   - a failure message quotes the server's reply the way harness.Reply
//     shows it, `got 502 "Command not implemented."`, or a whole reply
//     line, `reply "226 Transfer complete.": line ends with LF`;
//   - a warning is written into the transcript as a note,
//     "+0.012s -- # WARNING: ...", right after the exchange it is about;
//   - what the harness does once the check's body is over comes last: the
//     scratch directory removed over the "cleanup" session, QUIT on the
//     check's own sessions.
//
// A transcript line reads "+0.001s c1 < 220 ready" (see
// harness.Transcript).

// quotedReply finds what a message quotes: an optional reply code, then a
// Go-quoted string.
var quotedReply = regexp.MustCompile(`(?:\b([1-9][0-9][0-9]) )?"((?:[^"\\]|\\.)*)"`)

// transcriptLine is one parsed line of a rendered transcript.
type transcriptLine struct {
	conn string
	dir  harness.Direction
	text string
}

// parseTranscriptLine splits "+0.001s c1 < 220 ready"; ok is false for a
// line of another shape.
func parseTranscriptLine(s string) (l transcriptLine, ok bool) {
	at, rest, ok1 := strings.Cut(s, " ")
	conn, rest, ok2 := strings.Cut(rest, " ")
	dir, text, _ := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !strings.HasPrefix(at, "+") || len(dir) != 1 {
		return transcriptLine{}, false
	}
	return transcriptLine{conn: conn, dir: harness.Direction(dir[0]), text: text}, true
}

// quotes returns the reply lines a message quotes, in the form the
// transcript shows them: "502 Command not implemented." for
// `502 "Command not implemented."` (and its multi-line form
// "502-Command..." with it), and each quoted string as a whole line too.
func quotes(msg string) []string {
	var out []string
	for _, m := range quotedReply.FindAllStringSubmatch(msg, -1) {
		text, err := strconv.Unquote(`"` + m[2] + `"`)
		if err != nil {
			continue
		}
		text = harness.Printable(text)
		if m[1] != "" {
			out = append(out, m[1]+" "+text, m[1]+"-"+text)
		}
		if text != "" {
			out = append(out, text)
		}
	}
	return out
}

// offendingLines returns the indexes, in ascending order, of the lines of
// the check's transcript (split at "\n") that its findings are about:
// for a failure, the last reply the message quotes, else the last reply
// the check's own sessions received before they were closed; for each
// warning, the same search over the lines before its WARNING note. Checks
// that neither failed nor warned have none.
func offendingLines(c Check, lines []string) []int {
	if c.Verdict != VerdictFailed && c.Verdict != VerdictWarned {
		return nil
	}
	parsed := make([]transcriptLine, len(lines))
	valid := make([]bool, len(lines))
	for i, s := range lines {
		parsed[i], valid[i] = parseTranscriptLine(s)
	}
	var out []int
	add := func(i int) {
		if i >= 0 && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	// Each warning: its note ends the search.
	end := 0
	for _, w := range c.Warnings {
		note := -1
		for i := end; i < len(lines); i++ {
			if valid[i] && parsed[i].dir == harness.Note && parsed[i].text == "WARNING: "+harness.Printable(w) {
				note = i
				break
			}
		}
		if note < 0 {
			continue
		}
		add(findReply(parsed, valid, note, w))
		end = note + 1
	}
	if c.Verdict == VerdictFailed {
		add(findReply(parsed, valid, len(lines), c.Message))
	}
	slices.Sort(out)
	return out
}

// findReply returns the index of the line before end that msg is about:
// the last reply msg quotes, else the last reply received before end that
// is not a reply to QUIT or an exchange of the cleanup session; -1 when
// there is none.
func findReply(parsed []transcriptLine, valid []bool, end int, msg string) int {
	isReply := func(i int) bool {
		return valid[i] && parsed[i].dir == harness.Received && parsed[i].conn != checkmeta.CleanupConn
	}
	if qs := quotes(msg); len(qs) > 0 {
		for i := end - 1; i >= 0; i-- {
			if isReply(i) && slices.Contains(qs, parsed[i].text) {
				return i
			}
		}
	}
	quit := map[string]bool{} // connections that have sent QUIT
	last := -1
	for i := range end {
		if !valid[i] {
			continue
		}
		l := parsed[i]
		switch {
		case l.dir == harness.Sent && strings.EqualFold(strings.TrimSpace(l.text), "QUIT"):
			quit[l.conn] = true
		case isReply(i) && !quit[l.conn]:
			last = i
		}
	}
	return last
}
