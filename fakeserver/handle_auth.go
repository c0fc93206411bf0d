package fakeserver

import (
	"crypto/subtle"
	"strconv"
	"strings"
	"time"
)

// cmdUSER: "USER SP username" (RFC 959 §4.1.1). Every name gets 331, so the
// reply does not tell whether the account exists (RFC 2577 §7). A new USER
// drops an existing login but keeps the transfer parameters. With
// RequireTLS, USER in clear is refused with 530 (RFC 4217 §10.1 lets a
// server deny USER before TLS; 530 is the refusal RFC 959 §5.4 gives USER).
func (s *session) cmdUSER(r *request) {
	if r.arg == "" {
		s.reply(codeBadArguments, "USER needs a user name.")
		return
	}
	if s.tls.conn == nil && s.requireTLS(false) {
		s.reply(codeNotLoggedIn, "TLS required: send AUTH TLS first.")
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
	if s.tls.conn == nil && s.requireTLS(false) {
		s.reply(codeNotLoggedIn, "TLS required: send AUTH TLS first.")
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
// connection (RFC 959 §4.1.1). Under explicit TLS the 220 goes out
// protected, then TLS is cleared and the session goes on in clear
// (RFC 4217 §13); implicit TLS stays. Either way PBSZ and PROT start
// over.
func (s *session) cmdREIN(r *request) {
	s.loggedIn = false
	s.user = ""
	s.resetParameters()
	s.reply(codeServiceReady, "Service ready for new user.")
	s.endSecurity()
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

// cmdAUTH: "AUTH TLS" (RFC 4217 §4; "TLS-C" as a synonym, §17, and the
// historic "SSL", all case-insensitive) is answered 234, then the server
// takes the TLS handshake as TLS server. An accepted AUTH resets the
// session as REIN would: the user logs in again (RFC 2228 §3, RFC 4217
// §4.2).
//
//	no FTPS (DisableTLS)               502 (RFC 2228 §3)
//	no mechanism                       501
//	unknown mechanism                  504 (RFC 2228 §3)
//	TLS already on (or cleared by CCC) 534: renegotiation is refused by
//	                                   policy (RFC 2228 §3 and its §8.2
//	                                   table, which has no 503 for AUTH)
func (s *session) cmdAUTH(r *request) {
	switch {
	case !s.tlsOffered():
		s.reply(codeNotImplemented, "Security extensions are not implemented.")
	case r.arg == "":
		s.reply(codeBadArguments, "AUTH needs a mechanism name.")
	case !tlsMechanism(r.arg):
		s.reply(codeParamNotImpl, "Unknown security mechanism; use TLS.")
	case s.tls.implicit:
		s.reply(codePolicyDenied, "Implicit TLS is already in force.")
	case s.tls.exchanged():
		s.reply(codePolicyDenied, "TLS has already been negotiated on this connection.")
	default:
		s.loggedIn = false
		s.user = ""
		s.resetParameters()
		s.reply(codeSecurityDone, "AUTH "+strings.ToUpper(r.arg)+" successful; start the TLS handshake.")
		s.startControlTLS()
	}
}

// tlsMechanism reports whether an AUTH argument names TLS.
func tlsMechanism(name string) bool {
	switch strings.ToUpper(name) {
	case "TLS", "TLS-C", "SSL":
		return true
	}
	return false
}

// cmdPBSZ: "PBSZ 0" after the TLS handshake (RFC 4217 §9). RFC 2228 §3:
// a number that does not fit 32 bits is 501; before the security exchange
// 503; any other size is accepted as "PBSZ=0", the only size of TLS. After
// CCC no PBSZ is accepted (RFC 4217 §5).
func (s *session) cmdPBSZ(r *request) {
	_, err := strconv.ParseUint(r.arg, 10, 32)
	switch {
	case !isDigits(r.arg) || err != nil:
		s.reply(codeBadArguments, "PBSZ needs a decimal size below 2^32.")
	case !s.tls.exchanged():
		s.reply(codeBadSequence, "No security exchange has taken place: send AUTH TLS first.")
	case s.tls.cleared:
		s.reply(codeBadSequence, "PBSZ is not accepted after CCC.")
	default:
		s.tls.pbsz = true
		s.reply(codeOK, "PBSZ=0")
	}
}

// cmdPROT: "PROT C" or "PROT P" after PBSZ (RFC 4217 §9, RFC 2228 §3).
//
//	no argument                   501
//	before PBSZ (or AUTH), after CCC 503
//	S or E                        536: TLS has only Clear and Private
//	anything else                 504
//
// With RequireTLS, PROT C is accepted here and refused at the transfer
// command (RFC 4217 §10.2).
func (s *session) cmdPROT(r *request) {
	switch {
	case r.arg == "":
		s.reply(codeBadArguments, "PROT needs a protection level.")
		return
	case !s.tls.exchanged():
		s.reply(codeBadSequence, "No security exchange has taken place: send AUTH TLS first.")
		return
	case s.tls.cleared:
		s.reply(codeBadSequence, "PROT is not accepted after CCC.")
		return
	case !s.tls.pbsz:
		s.reply(codeBadSequence, "Send PBSZ 0 first.")
		return
	}
	switch strings.ToUpper(r.arg) {
	case "C":
		s.tls.private = false
		s.reply(codeOK, "Protection level set to Clear.")
	case "P":
		s.tls.private = true
		s.reply(codeOK, "Protection level set to Private.")
	case "S", "E":
		s.reply(codeProtNotSupported, "Protection level not supported by TLS; use C or P.")
	default:
		s.reply(codeParamNotImpl, "Unknown protection level.")
	}
}

// cmdSecurityOrder answers ADAT, MIC, CONF and ENC. Before a security
// exchange they are out of sequence (503, RFC 2228 §3). TLS has no ADAT
// exchange (503) and protects commands itself, so MIC, CONF and ENC are
// not supported by the mechanism (537).
func (s *session) cmdSecurityOrder(r *request) {
	switch {
	case r.arg == "":
		s.reply(codeBadArguments, r.verb+" needs an argument.")
	case !s.tls.exchanged():
		s.reply(codeBadSequence, "No security exchange has taken place.")
	case r.verb == "ADAT":
		s.reply(codeBadSequence, "TLS needs no security data.")
	default:
		s.reply(codeCmdProtUnsupport, "TLS protects commands itself; send them as they are.")
	}
}

// cmdCCC clears the control connection (RFC 4217 §5, RFC 2228 §3): 200
// under TLS, then close_notify and clear text both ways; PBSZ and PROT are
// refused afterwards and the PROT level stays.
//
//	control connection not under TLS    533
//	implicit TLS, RequireTLS, no login  534: refused by policy (before
//	                                    login as RFC 4217 §15.3 advises)
func (s *session) cmdCCC(r *request) {
	switch {
	case r.arg != "":
		s.reply(codeBadArguments, "CCC takes no argument.")
	case s.tls.conn == nil:
		s.reply(codeNeedProtection, "Control connection is not protected.")
	case s.tls.implicit:
		s.reply(codePolicyDenied, "Implicit TLS cannot be cleared.")
	case s.requireTLS(false):
		s.reply(codePolicyDenied, "TLS is required on this server.")
	case !s.loggedIn:
		s.reply(codePolicyDenied, "CCC is accepted only after login.")
	default:
		s.reply(codeOK, "Control connection cleared; go on in clear text.")
		s.clearControlTLS()
		s.tls.cleared = true
	}
}
