package fakeserver

// Faults and legal variations of the control connection: how command lines
// are read (CRLF, TCP read boundaries, Telnet commands, over-long lines),
// how commands are parsed (case, verb length), how replies are framed and
// sequenced (RFC 959 §4.2, §5.3, §5.4; RFC 1123 §4.1.2.10-13), and the
// hooks they declare.

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// Fault names (the tests refer to them).
const (
	faultReadBoundary         = "act-on-read-boundary"
	faultEagerNoop            = "eager-noop"
	faultPipelinedDropped     = "pipelined-dropped"
	faultTelnetKept           = "telnet-iac-kept"
	faultTelnetEcho           = "telnet-echo-negotiation"
	faultLongLineSilent       = "long-line-no-reply"
	faultLongLine421Open      = "long-line-421-open"
	faultQueueDropped         = "queue-dropped"
	faultGreetingAfterCommand = "greeting-after-command"
)

// Variation names.
const (
	varLongLine421  = "long-line-421"
	varAllMultiline = "all-multiline"
	varTelnetSilent = "telnet-silent"
)

func init() {
	variationRegistry = append(variationRegistry,
		Variation{Name: varLongLine421, Description: "an over-long command line is answered 421 and the control connection closed",
			install: func(h *hooks) { h.longLine = closeOnLongLine }},
		Variation{Name: varAllMultiline, Description: "every reply is sent in multi-line form, \"xyz-text\" then \"xyz text\", except SIZE/MDTM 213 and STOU's \"FILE:\" reply, whose form is fixed",
			install: func(h *hooks) { h.frame = multilineFrame }},
		Variation{Name: varTelnetSilent, Description: "Telnet option negotiation from the client is stripped without an answer",
			install: func(h *hooks) { h.negotiate = func(*session, byte, byte) bool { return true } }},
	)
	faultRegistry = append(faultRegistry, controlFaults...)
}

// endAtReadBoundary (act-on-read-boundary) takes whatever one read
// returned for a command.
func endAtReadBoundary(line []byte, buffered int) bool {
	return len(line) > 0 && buffered == 0
}

// endAtNOOP (eager-noop) takes "NOOP" for a command before its CRLF.
func endAtNOOP(line []byte, buffered int) bool {
	return strings.EqualFold(string(line), "NOOP")
}

// dropRestOfSegment (pipelined-dropped) throws away what arrived behind
// the line just handed on.
func dropRestOfSegment(br *bufio.Reader) {
	_, _ = br.Discard(br.Buffered())
}

// echoNegotiation (telnet-echo-negotiation) echoes an option request back.
// That is not an answer: it opens a negotiation of the server's own (and,
// with some peers, a loop).
func echoNegotiation(s *session, cmd, opt byte) bool {
	_ = s.writeWire([]byte{telnetIAC, cmd, opt})
	return true
}

// multilineFrame (all-multiline) frames a reply as "xyz-text" and
// "xyz text". Replies whose form an RFC fixes stay single-line: SIZE and
// MDTM (213, RFC 3659 §4.2 and §3.2) and STOU's "125 FILE: name"
// (RFC 1123 §4.1.2.9).
func multilineFrame(code int, text string) []string {
	if code == codeFileStatus || strings.HasPrefix(text, "FILE: ") {
		return []string{fmt.Sprintf("%03d %s", code, text)}
	}
	return []string{fmt.Sprintf("%03d-%s", code, text), fmt.Sprintf("%03d %s", code, text)}
}

// holdGreeting (greeting-after-command) greets a client on the server's
// own address at once and holds the greeting back for any other until it
// sends a command.
func holdGreeting(s *session) {
	if s.remote.IP.Equal(s.local.IP) {
		s.sendGreeting()
		return
	}
	s.faults.greetingHeld = true
}

// closeOnLongLine (long-line-421) answers an over-long line with 421 and
// closes the control connection.
func closeOnLongLine(s *session) {
	s.reply(codeServiceClosing, "Command line too long; closing control connection.")
	s.closing = true
}

// dropQueued (queue-dropped) discards a command that would wait for the
// running transfer.
func dropQueued(s *session, verb, arg string) bool {
	return verb != "ABOR" && verb != "QUIT" && (verb != "STAT" || arg != "")
}

// spontaneousPause is how long after SYST the spontaneous-reply fault
// speaks up unasked.
const spontaneousPause = 100 * time.Millisecond

var controlFaults = []Fault{
	{Name: faultReadBoundary, Description: "a command ends where a TCP read ends: bytes that arrive without CRLF are executed as a command",
		Breaks:  []string{"RFC1123-4.1.2.10-NO-READ-BOUNDARIES/split"},
		install: func(h *hooks) { h.endLine = endAtReadBoundary }},
	{Name: faultEagerNoop, Description: "NOOP is executed as soon as its four letters arrive, before the CRLF",
		Breaks:  []string{"RFC959-5.3-CRLF-TERMINATED"},
		install: func(h *hooks) { h.endLine = endAtNOOP }},
	{Name: faultPipelinedDropped, Description: "commands that arrive in the same TCP segment as an earlier command are discarded unanswered",
		Breaks:  []string{"RFC1123-4.1.2.10-NO-READ-BOUNDARIES/pipelined", "RFC1123-4.1.2.10-NO-READ-BOUNDARIES/pipelined-login"},
		install: func(h *hooks) { h.afterLine = dropRestOfSegment }},
	{Name: faultTelnetKept, Description: "Telnet commands (IAC WILL ECHO, IAC NOP, ...) are not stripped from command lines: their bytes end up in the verb",
		Breaks:  []string{"RFC1123-4.1.2.12-TELNET-OPTIONS", "RFC959-5.2-TELNET"},
		install: func(h *hooks) { h.rawIAC = true }},
	{Name: faultTelnetEcho, Description: "Telnet option requests are echoed back (IAC WILL ECHO is answered IAC WILL ECHO) instead of being refused",
		Breaks:  []string{"RFC1123-4.1.2.12-TELNET-OPTIONS"},
		install: func(h *hooks) { h.negotiate = echoNegotiation }},
	{Name: "telnet-negotiates", Description: "the server opens a Telnet negotiation of its own (IAC WILL ECHO) before it answers ALLO",
		Breaks: []string{"RFC3659-2.2-NO-TELNET-NEGOTIATION"},
		override: func(s *session, r *request) bool {
			if r.verb == "ALLO" {
				_ = s.writeWire([]byte{telnetIAC, telnetWILL, 1})
			}
			return false
		}},
	{Name: faultLongLineSilent, Description: "a command line longer than the limit is discarded without a reply",
		Breaks:  []string{"RFC959-4.2.1-500-TOO-LONG"},
		install: func(h *hooks) { h.longLine = func(*session) {} }},
	{Name: faultLongLine421Open, Description: "a command line longer than the limit is answered 421, but the control connection stays open",
		Breaks: []string{"RFC959-4.2.1-500-TOO-LONG", "RFC959-4.2.1-421-CLOSE"},
		install: func(h *hooks) {
			h.longLine = func(s *session) { s.reply(codeServiceClosing, "Command line too long.") }
		}},
	{Name: faultQueueDropped, Description: "commands that arrive during a transfer (other than ABOR, STAT and QUIT) are discarded unanswered",
		Breaks:  []string{"RFC959-4.2-QUEUE"},
		install: func(h *hooks) { h.duringTransfer = append(h.duringTransfer, dropQueued) }},
	{Name: faultGreetingAfterCommand, Description: "a client on another address than the server's (127.0.0.2) gets no greeting until it sends a command",
		Breaks:  []string{"RFC959-5.4-GREETING-BEFORE-CMD"},
		install: func(h *hooks) { h.greet = holdGreeting },
		override: func(s *session, r *request) bool {
			if s.faults.greetingHeld {
				s.faults.greetingHeld = false
				s.sendGreeting()
			}
			return false
		}},
	{Name: "verbs-case-sensitive", Description: "command verbs are recognised in upper case only: \"noop\" is answered 500",
		Breaks: []string{"RFC959-5.3-CASE/verbs"},
		override: replyInstead("", codeUnknownCommand, "Unknown command.", func(s *session, r *request) bool {
			verb, _, _ := parseLine(r.line)
			return verb != r.verb
		})},
	{Name: "params-case-sensitive", Description: "TYPE, MODE and STRU accept their parameter letters in upper case only (\"type i\" is answered 501)",
		Breaks: []string{"RFC959-5.3-CASE/params"},
		override: replyInstead("TYPE MODE STRU", codeBadArguments, "Unknown parameter.", func(s *session, r *request) bool {
			return r.arg != strings.ToUpper(r.arg)
		})},
	{Name: "three-letter-verb-offset", Description: "for three-letter verbs the argument starts one byte late, as if every verb had four letters (\"MKD abc\" creates \"bc\")",
		Breaks: []string{"RFC959-5.3-VERB-LEN"},
		override: func(s *session, r *request) bool {
			if len(r.verb) == 3 && r.arg != "" {
				r.arg = r.arg[1:]
			}
			return false
		}},
	{Name: "stru-double-reply", Description: "\"STRU F\" is answered twice: two 200 replies for one command",
		Breaks: []string{"RFC959-5.4-ALTERNATING"},
		override: func(s *session, r *request) bool {
			if r.verb != "STRU" || !strings.EqualFold(r.arg, "F") {
				return false
			}
			s.reply(codeOK, "Structure set to File.")
			s.reply(codeOK, "Structure set to File.")
			return true
		}},
	{Name: "site-no-reply", Description: "SITE with an unknown subcommand is never answered",
		Breaks: []string{"RFC959-4.2-EVERY-COMMAND-REPLY"},
		override: insteadOf("SITE", func(s *session, r *request) bool {
			sub, _, _ := strings.Cut(r.arg, " ")
			return s.loggedIn && sub != "" && !strings.EqualFold(sub, "HELP")
		}, func(*session, *request) {})},
	{Name: "spontaneous-reply", Description: "100 ms after answering SYST the server sends an unsolicited \"200 Still here.\"",
		Breaks: []string{"RFC959-5.4-NO-SPONTANEOUS"},
		override: func(s *session, r *request) bool {
			if r.verb != "SYST" || r.arg != "" {
				return false
			}
			s.cmdSYST(r)
			s.srv.wg.Go(func() {
				t := time.NewTimer(spontaneousPause)
				defer t.Stop()
				select {
				case <-s.done:
				case <-t.C:
					s.logf("< %q (unsolicited)", "200 Still here.")
					_ = s.writeWire([]byte("200 Still here.\r\n"))
				}
			})
			return true
		}},
	{Name: "unknown-command-200", Description: "unknown command verbs are answered \"200 OK\"",
		Breaks:   []string{"RFC959-4.2.1-500-501/unknown"},
		override: replyInstead("", codeOK, "OK.", unknownVerb)},
	{Name: "port-short-accepted", Description: "PORT with fewer than six numbers (\"PORT 1,2,3\") is answered 200",
		Breaks: []string{"RFC959-5.4-PORT-CODES/malformed"},
		override: replyInstead("PORT", codeOK, "PORT command successful.", func(s *session, r *request) bool {
			return strings.Count(r.arg, ",") < 5
		})},
	{Name: "allo-new-code", Description: "ALLO is answered 209, a code no RFC defines, instead of 202",
		Breaks:   []string{"RFC959-4.2-NO-NEW-CODES"},
		override: replyInstead("ALLO", 209, "No storage allocation necessary.", loggedIn)},
	{Name: "allo-second-digit", Description: "ALLO is answered 242: the second digit 4 names no function group",
		Breaks:   []string{"RFC959-4.2-SECOND-DIGIT", "RFC959-4.2-NO-NEW-CODES"},
		override: replyInstead("ALLO", 242, "No storage allocation necessary.", loggedIn)},
	{Name: "help-inner-code-line", Description: "the HELP listing has an intermediate line that begins with \"214 \", which ends the reply early",
		Breaks: []string{"RFC959-4.2-ML-INTERMEDIATE", "RFC1123-4.1.2.11-CORRECT-FORMAT"},
		override: func(s *session, r *request) bool {
			if r.verb != "HELP" || r.arg != "" {
				return false
			}
			names := commandNames()
			half := len(names) / 2
			s.sendLines(
				"214-The following commands are recognized:",
				" "+strings.Join(names[:half], " "),
				"214 Use HELP <command> for the syntax of one of them.",
				" "+strings.Join(names[half:], " "),
				"214 Help OK.")
			return true
		}},
	{Name: "stat-nested-reply", Description: "the STAT reply nests a second 211 multi-line reply inside itself",
		Breaks: []string{"RFC959-4.2-ML-NO-NEST", "RFC959-4.2-ML-INTERMEDIATE", "RFC1123-4.1.2.11-CORRECT-FORMAT"},
		override: func(s *session, r *request) bool {
			if r.verb != "STAT" || r.arg != "" {
				return false
			}
			s.sendLines(
				"211-ftpconform reference server status:",
				" TYPE: "+s.typeName+"; STRUcture: File; transfer MODE: Stream.",
				"211-Data connection status:",
				" "+s.data.describe()+".",
				"211 End of data connection status.",
				fmt.Sprintf(" Logged in: %t.", s.loggedIn),
				"211 End of status.")
			return true
		}},
	{Name: "feat-first-line-space", Description: "the FEAT reply opens with \"211 Extensions supported:\" (a SP where the \"-\" of a multi-line reply belongs)",
		Breaks: []string{"RFC959-4.2-ML-FIRST", "RFC1123-4.1.2.11-CORRECT-FORMAT", "RFC2389-3.2-FEAT-FIRST-LINE"},
		override: func(s *session, r *request) bool {
			if r.verb != "FEAT" || r.hasArg {
				return false
			}
			lines := append([]string{"211 Extensions supported:"}, features...)
			s.sendLines(append(lines, "211 End")...)
			return true
		}},
	{Name: "quit-multiline-unterminated", Description: "QUIT is answered \"221-Goodbye.\" and the connection closed without the closing \"221 \" line",
		Breaks: []string{"RFC2389-2.2-ANY-MULTILINE"},
		override: func(s *session, r *request) bool {
			if r.verb != "QUIT" {
				return false
			}
			s.sendLines("221-Goodbye.")
			s.closing = true
			return true
		}},
	{Name: "appe-unimplemented", Description: "APPE is answered 502 (APPE is in RFC 1123's minimum set)",
		Breaks:   []string{"RFC1123-4.1.2.13-MIN-COMMANDS"},
		override: replyInstead("APPE", codeNotImplemented, "Command not implemented.", nil)},
	{Name: "xverbs-unimplemented", Description: "XPWD, XCWD, XCUP, XMKD and XRMD are answered 500",
		Breaks:   []string{"RFC1123-4.1.3.1-XVERBS"},
		override: replyInstead("XPWD XCWD XCUP XMKD XRMD", codeUnknownCommand, "Unknown command.", nil)},
	{Name: "mkd-before-login", Description: "MKD works before login: the directory is created and 257 answered",
		Breaks: []string{"RFC959-4.2-4YZ-5YZ/before-login"},
		override: func(s *session, r *request) bool {
			if r.verb != "MKD" || s.loggedIn {
				return false
			}
			s.cmdMKD(r)
			return true
		}},
	{Name: "type-after-pasv-refused", Description: "TYPE sent after PASV, EPSV, PORT or EPRT is refused with 503 until the transfer",
		Breaks: []string{"RFC959-4.1.3-ORDER"},
		override: replyInstead("TYPE", codeBadSequence, "Send TYPE before PASV or PORT.", func(s *session, r *request) bool {
			return s.data != nil
		})},
}
