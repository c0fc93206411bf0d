package fakeserver

import (
	"crypto/subtle"
	"time"
)

// cmdUSER: "USER SP username" (RFC 959 §4.1.1). Every name gets 331, so the
// reply does not tell whether the account exists (RFC 2577 §7). A new USER
// drops an existing login but keeps the transfer parameters.
func (s *session) cmdUSER(r *request) {
	if r.arg == "" {
		s.reply(codeBadArguments, "USER needs a user name.")
		return
	}
	s.loggedIn = false
	s.user = ""
	s.seq = seqState{kind: seqUser, user: r.arg}
	s.reply(codeNeedPassword, "Password required.")
}

// cmdPASS: "PASS SP password", valid only right after USER (RFC 959 §4.1.1).
func (s *session) cmdPASS(r *request) {
	if s.loggedIn {
		s.reply(codeBadSequence, "Already logged in.")
		return
	}
	if r.prev.kind != seqUser {
		s.reply(codeBadSequence, "Log in with USER first.")
		return
	}
	if !r.hasArg {
		s.reply(codeBadArguments, "PASS needs a password.")
		return
	}
	user := r.prev.user
	ok := subtle.ConstantTimeCompare([]byte(user), []byte(s.srv.User)) == 1
	ok = subtle.ConstantTimeCompare([]byte(r.arg), []byte(s.srv.Password)) == 1 && ok
	if !ok {
		s.failedLogins++
		s.logf("login failed (%d)", s.failedLogins)
		if s.lockedOut() {
			// RFC 2577 §5: close after a few failures, with 421 first. No
			// delay: the session ends, so waiting would slow down nobody
			// but the client that is leaving.
			s.reply(codeServiceClosing, "Too many failed logins; closing control connection.")
			s.closing = true
			return
		}
		// The same delay and text for unknown users and wrong passwords
		// (RFC 2577 §5, §7).
		if !s.sleep(s.failDelay(user)) {
			return
		}
		s.reply(codeNotLoggedIn, "Login incorrect.")
		return
	}
	s.logIn(user)
	s.reply(codeLoggedIn, "User logged in.")
}

// logIn starts the session of user in the root directory.
func (s *session) logIn(user string) {
	s.loggedIn = true
	s.user = user
	s.cwd = "/"
	s.logf("logged in as %q", user)
}

// failDelay is the pause before the reply to a wrong password for user:
// Server.LoginFailDelay.
func (s *session) failDelay(user string) time.Duration {
	if h := s.hooks.failDelay; h != nil {
		return h(s, user)
	}
	return s.srv.LoginFailDelay
}

// lockedOut reports whether the failed logins so far end the session
// (RFC 2577 §5).
func (s *session) lockedOut() bool {
	if h := s.hooks.lockout; h != nil {
		return h(s)
	}
	return s.failedLogins >= maxLoginFailures
}

// cmdACCT: no account is ever needed, so after login ACCT is superfluous
// (202); before login it is out of sequence.
func (s *session) cmdACCT(r *request) {
	switch {
	case !s.loggedIn:
		s.reply(codeBadSequence, "Log in with USER and PASS first.")
	case r.arg == "":
		s.reply(codeBadArguments, "ACCT needs account information.")
	default:
		s.reply(codeSuperfluous, "No account needed.")
	}
}

// cmdREIN logs the user out and restores every default, keeping the control
// connection (RFC 959 §4.1.1).
func (s *session) cmdREIN(r *request) {
	s.loggedIn = false
	s.user = ""
	s.resetParameters()
	s.reply(codeServiceReady, "Service ready for new user.")
}

// cmdQUIT answers 221 and closes the control connection (RFC 959 §4.1.1).
// During a transfer serve defers it until the transfer reply is out.
func (s *session) cmdQUIT(r *request) {
	s.doQuit()
}

// doQuit ends the session: 221, then the control connection closes.
func (s *session) doQuit() {
	if h := s.hooks.quit; h != nil {
		h(s)
		return
	}
	s.reply(codeClosingControl, "Goodbye.")
	s.closing = true
}

// cmdAUTH: the server knows the security extensions of RFC 2228 but offers
// no mechanism, which RFC 2228 §3 answers with 502.
func (s *session) cmdAUTH(r *request) {
	if r.arg == "" {
		s.reply(codeBadArguments, "AUTH needs a mechanism name.")
		return
	}
	s.reply(codeNotImplemented, "Security extensions are not implemented.")
}

// cmdSecurityOrder answers ADAT, PBSZ, PROT, MIC, CONF and ENC: they need a
// completed security exchange, which never happens here (RFC 2228 §3 → 503).
func (s *session) cmdSecurityOrder(r *request) {
	if r.arg == "" {
		s.reply(codeBadArguments, r.verb+" needs an argument.")
		return
	}
	s.reply(codeBadSequence, "No security exchange has taken place.")
}

// cmdCCC: the control connection is never protected (RFC 2228 §3,
// RFC 4217 §5 → 533).
func (s *session) cmdCCC(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, "CCC takes no argument.")
		return
	}
	s.reply(codeNeedProtection, "Control connection is not protected.")
}
