package fakeserver

import "strings"

// Faults and legal variations of the access-control commands (USER, ACCT,
// CWD, CDUP, SMNT, REIN), of commands before login, and of the
// informational commands (HELP, STAT, SITE, ALLO).

// Variation names.
const (
	varRein120        = "rein-120"
	varSmntSupported  = "smnt-supported"
	varAllo200        = "allo-200"
	varCdupAtRoot550  = "cdup-at-root-550"
	varRmdNotEmpty450 = "rmd-not-empty-450"
)

func init() {
	variationRegistry = append(variationRegistry,
		Variation{Name: varRein120, Description: "REIN answers \"120 Service ready in 0 minutes\" before its 220",
			override: insteadOf("REIN", nil, func(s *session, r *request) {
				s.reply(120, "Service ready in 0 minutes.")
				s.cmdREIN(r)
			})},
		Variation{Name: varSmntSupported, Description: "SMNT is implemented: 202 for an existing directory (one file system: nothing to mount), 550 for a missing one",
			override: insteadOf("SMNT", loggedIn, (*session).smntSupported)},
		Variation{Name: varAllo200, Description: "ALLO answers 200 instead of 202",
			install: answerAs("ALLO", codeSuperfluous, "", codeOK, "")},
		Variation{Name: varCdupAtRoot550, Description: "CDUP at the root directory is refused with 550",
			override: replyInstead("CDUP XCUP", codeFileUnavailable, "Already at the top directory.", func(s *session, r *request) bool {
				return loggedInNoArg(s, r) && s.cwd == "/"
			})},
		Variation{Name: varRmdNotEmpty450, Description: "RMD of a directory that is not empty answers 450 instead of 550",
			install: answerAs("RMD XRMD", codeFileUnavailable, textRmdFailed, 450, "Directory not empty.")},
	)
	faultRegistry = append(faultRegistry, accessFaults...)
}

// verbIn reports whether the request's verb is one of verbs.
func verbIn(r *request, verbs ...string) bool {
	for _, v := range verbs {
		if r.verb == v {
			return true
		}
	}
	return false
}

// typeBackToASCII restores TYPE A N, the default of RFC 959 §5.1.
func (s *session) typeBackToASCII() {
	s.binary, s.typeName = false, "ASCII Non-print"
}

// smntSupported answers SMNT under the smnt-supported variation: this
// server has a single file system, so mounting an existing directory is
// superfluous (202).
func (s *session) smntSupported(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if fi, err := s.stat(p); err != nil || !fi.IsDir() {
		s.reply(codeFileUnavailable, "No such directory.")
		return
	}
	s.reply(codeSuperfluous, "One file system: nothing to mount.")
}

var accessFaults = []Fault{
	{Name: "user-no-argument-200", Description: "USER without a user name is answered 200, a code RFC 959 §5.4 does not list for USER",
		Breaks: []string{"RFC959-5.4-USER-CODES/no-argument"},
		override: replyInstead("USER", codeOK, "OK.", func(s *session, r *request) bool {
			return strings.TrimSpace(r.arg) == ""
		})},
	{Name: "acct-530-after-login", Description: "ACCT after login is answered 530 as if the session were not logged in",
		Breaks:   []string{"RFC959-5.4-ACCT-CODES"},
		override: replyInstead("ACCT", codeNotLoggedIn, "Not logged in.", loggedIn)},
	{Name: "cwd-absolute-451", Description: "CWD to an absolute pathname changes the directory but answers 451 instead of 250",
		Breaks: []string{"RFC959-5.4-CWD-CODES/existing"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, true, "CWD", "XCWD")
			if !ok || !strings.HasPrefix(r.arg, "/") || fi == nil || !fi.IsDir() {
				return false
			}
			s.cwd = p
			s.reply(codeLocalError, "Local error in processing.")
			return true
		}},
	{Name: "cwd-missing-250", Description: "CWD to a missing directory answers 250 (and stays where it was)",
		Breaks: []string{"RFC959-5.4-CWD-CODES/missing"},
		override: replyInstead("CWD XCWD", codeFileActionOK, "Directory changed.", func(s *session, r *request) bool {
			_, fi, ok := argTarget(s, r, true)
			return ok && fi == nil
		})},
	{Name: "prelogin-cwd-allowed", Description: "CWD works before login (the login check forgets CWD)",
		Breaks: []string{"RFC959-5.4-CWD-CODES/before-login"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "CWD", "XCWD") || s.loggedIn {
				return false
			}
			s.cmdCWD(r)
			return true
		}},
	{Name: "cwd-resets-type", Description: "CWD sets the transfer type back to ASCII",
		Breaks: []string{"RFC959-4.1.1-CWD-EFFECT"},
		override: func(s *session, r *request) bool {
			if verbIn(r, "CWD", "XCWD") && s.loggedIn {
				s.typeBackToASCII()
			}
			return false
		}},
	{Name: "cdup-no-effect", Description: "CDUP answers 250 but stays in the same directory",
		Breaks:   []string{"RFC959-5.4-CDUP-CODES"},
		override: replyInstead("CDUP XCUP", codeFileActionOK, "Directory changed.", loggedInNoArg)},
	{Name: "cdup-above-root", Description: "CDUP at the root answers 250 and PWD then shows \"/..\" (a naive path join)",
		Breaks: []string{"RFC959-4.1.1-CDUP-AT-ROOT"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "CDUP", "XCUP") || !s.loggedIn || r.arg != "" || s.cwd != "/" {
				return false
			}
			s.cwd = "/.."
			s.reply(codeFileActionOK, "Directory changed.")
			return true
		}},
	{Name: "smnt-accepts-missing", Description: "SMNT is implemented but answers 250 to any pathname, even a missing one",
		Breaks: []string{"RFC959-5.4-SMNT-CODES"},
		override: replyInstead("SMNT", codeFileActionOK, "Structure mounted.", func(s *session, r *request) bool {
			return s.loggedIn && r.arg != ""
		})},
	{Name: "rein-no-220", Description: "REIN answers \"120 Service ready in 1 minute\" but the 220 never follows",
		Breaks: []string{"RFC959-5.4-REIN-CODES", "RFC959-4.1.1-REIN-RESET"},
		override: func(s *session, r *request) bool {
			if r.verb != "REIN" {
				return false
			}
			s.loggedIn, s.user = false, ""
			s.resetParameters()
			s.reply(120, "Service ready in 1 minute.")
			return true
		}},
	{Name: "rein-keeps-login", Description: "REIN answers 220 and resets the parameters but leaves the user logged in",
		Breaks: []string{"RFC959-4.1.1-REIN-RESET"},
		override: func(s *session, r *request) bool {
			if r.verb != "REIN" {
				return false
			}
			s.resetParameters()
			s.reply(codeServiceReady, "Service ready for new user.")
			return true
		}},
	{Name: "rein-keeps-type", Description: "REIN logs the user out but keeps the transfer type",
		Breaks: []string{"RFC959-4.1.1-REIN-RESET"},
		override: func(s *session, r *request) bool {
			if r.verb != "REIN" {
				return false
			}
			binary, name := s.binary, s.typeName
			s.loggedIn, s.user = false, ""
			s.resetParameters()
			s.binary, s.typeName = binary, name
			s.reply(codeServiceReady, "Service ready for new user.")
			return true
		}},
	{Name: "user-again-resets-type", Description: "a new USER during a session sets the transfer type back to ASCII",
		Breaks: []string{"RFC959-4.1.1-USER-AGAIN"},
		override: func(s *session, r *request) bool {
			if r.verb == "USER" && s.loggedIn {
				s.typeBackToASCII()
			}
			return false
		}},
	{Name: "noop-before-login-unknown", Description: "before login NOOP is answered \"500 Unknown command\" (the pre-login command table lacks it)",
		Breaks: []string{"RFC959-4.1.3-NOOP/before-login"},
		override: replyInstead("NOOP", codeUnknownCommand, "Unknown command.", func(s *session, r *request) bool {
			return !s.loggedIn
		})},
	{Name: "prelogin-332", Description: "before login every command except USER, PASS, ACCT and QUIT is answered \"332 Need account for login\" instead of being served or refused with 530",
		Breaks: []string{"RFC959-5.4-SYST-NO-530", "RFC959-5.4-PWD-NO-530", "RFC959-4.1.3-HELP-BEFORE-LOGIN",
			"RFC959-4.1.3-NOOP/before-login", "RFC959-5.4-CWD-CODES/before-login"},
		override: replyInstead("", 332, "Need account for login.", func(s *session, r *request) bool {
			return !s.loggedIn && !verbIn(r, "USER", "PASS", "ACCT", "QUIT")
		})},
	{Name: "site-unknown-200", Description: "SITE with an unknown subcommand answers 200",
		Breaks: []string{"RFC959-5.4-SITE-CODES"},
		override: replyInstead("SITE", codeOK, "OK.", func(s *session, r *request) bool {
			sub, _, _ := strings.Cut(r.arg, " ")
			return s.loggedIn && r.arg != "" && !strings.EqualFold(sub, "HELP")
		})},
	{Name: "help-topic-331", Description: "HELP with an argument answers \"331 Which command?\" (a 3yz reply no command follows)",
		Breaks: []string{"RFC959-4.1.3-HELP-CODES/topic", "RFC959-4.1.3-HELP-SITE"},
		override: replyInstead("HELP", codeNeedPassword, "Which command?", func(s *session, r *request) bool {
			return strings.TrimSpace(r.arg) != ""
		})},
	{Name: "help-unimplemented", Description: "HELP is answered 502 (HELP is in RFC 1123's minimum set)",
		Breaks:   []string{"RFC959-4.1.3-HELP-CODES/general"},
		override: replyInstead("HELP", codeNotImplemented, "HELP not implemented.", nil)},
	{Name: "stat-unimplemented", Description: "STAT is answered 502 (STAT is in RFC 1123's minimum set)",
		Breaks:   []string{"RFC1123-4.1.2.13-MIN-COMMANDS"},
		override: replyInstead("STAT", codeNotImplemented, "STAT not implemented.", nil)},
	{Name: "stat-general-200", Description: "STAT without an argument is answered \"200 OK\" instead of 211 with the status",
		Breaks:   []string{"RFC959-4.1.3-STAT-GENERAL"},
		override: replyInstead("STAT", codeOK, "OK.", loggedInNoArg)},
	{Name: "stat-path-empty", Description: "STAT of a directory answers 212 with no entries",
		Breaks: []string{"RFC959-4.1.3-STAT-PATH"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, true, "STAT")
			if !ok || fi == nil || !fi.IsDir() {
				return false
			}
			s.replyMulti(codeDirStatus, `Status of "`+quotePath(p)+`":`, nil, "End of status.", false)
			return true
		}},
	{Name: "allo-350", Description: "ALLO is answered \"350 Requested file action pending further information\" (a 3yz reply no command follows)",
		Breaks:   []string{"RFC959-4.1.3-ALLO-NOOP", "RFC959-4.2-200-202"},
		override: replyInstead("ALLO", codePendingInfo, "Requested file action pending further information.", loggedIn)},
}
