package fakeserver

// Faults and legal variations of FTPS (RFC 4217, RFC 2228): the AUTH,
// PBSZ, PROT, CCC and REIN sequence, TLS on the control and the data
// connections, and the TLS policies RequireTLS and RequireSessionReuse.

import (
	"bytes"
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"time"
)

// Fault and variation names of this area.
const (
	faultProtPPlaintext     = "prot-p-plaintext"
	faultAuthNoHandshake    = "auth-no-handshake"
	faultTLSReplyFraming    = "tls-reply-framing"
	faultPbszBeforeAuth     = "pbsz-before-auth-accepted"
	faultProtBeforePbsz     = "prot-before-pbsz-accepted"
	faultAuthUnknown        = "auth-unknown-accepted"
	faultProtCStillTLS      = "prot-c-still-tls"
	faultNoSessionReuse     = "session-reuse-425"
	faultCertExpired        = "cert-expired"
	faultPbszBeforeAuth500  = "pbsz-before-auth-500"
	faultPbsz0Refused       = "pbsz-0-refused"
	faultProtDefaultPrivate = "prot-default-private"
	faultRequireTLSUser     = "require-tls-user-accepted"
	faultRequireTLSData     = "require-tls-plain-data"
	faultCCCKeepsTLS        = "ccc-keeps-tls"
	faultFeatMissingAuth    = "feat-missing-auth"
	faultReinKeepsTLS       = "rein-keeps-tls"
	faultAuthKeepsLogin     = "auth-keeps-login"
	faultAuthTLSCRefused    = "auth-tls-c-refused"
	faultDataTLSFailure426  = "data-tls-failure-426"
	faultProtPOnce          = "prot-p-once"
	varTLSUnsupported       = "tls-unsupported"
	varCCCRefused           = "ccc-refused"
	varAuthSSLListed        = "auth-ssl-listed"
	varSessionReuseRequired = "session-reuse-required"
)

// Run flags of the TLS faults (Fault.Flags).
var (
	flagsTLS        = []string{"--tls", "explicit"}
	flagsRequireTLS = []string{"--tls", "explicit", "--require-tls"}
)

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultProtPPlaintext, Description: "PROT P is answered 200, but data connections stay in clear text",
			Breaks:  []string{"RFC4217-9-TLS-BEFORE-DATA"},
			install: func(h *hooks) { h.dataProtected = func(*session) bool { return false } }},
		Fault{Name: faultAuthNoHandshake, Description: "AUTH TLS is answered 234, but the server never takes the TLS handshake (it stops reading the control connection)",
			Breaks: []string{"RFC4217-4.2-AUTH-TLS-234"},
			install: func(h *hooks) {
				h.controlTLS = func(s *session) bool {
					s.resumeReader(ctrlSwitch{kind: stopReading})
					return true
				}
			}},
		Fault{Name: faultTLSReplyFraming, Description: "replies sent inside TLS end their lines with a bare LF (the clear-text replies before AUTH are correct)",
			Breaks: []string{"RFC959-4.2-CRLF"}, Flags: flagsTLS,
			install: func(h *hooks) { h.writeReply = bareLFInTLS }},
		Fault{Name: faultPbszBeforeAuth, Description: "PBSZ before AUTH TLS is answered 200 (nothing changes: PROT still needs AUTH and PBSZ)",
			Breaks: []string{"RFC4217-9-NO-PROT-WITHOUT-TLS"},
			override: replyInstead("PBSZ", codeOK, "PBSZ=0", func(s *session, r *request) bool {
				return !s.tls.exchanged() && isDigits(r.arg)
			})},
		Fault{Name: faultPbszBeforeAuth500, Description: "PBSZ before AUTH TLS is answered 500, as if the server did not know PBSZ (it does, after AUTH)",
			Breaks: []string{"RFC2228-3-PBSZ-ORDER"},
			override: replyInstead("PBSZ", codeUnknownCommand, "Unknown command.", func(s *session, r *request) bool {
				return !s.tls.exchanged()
			})},
		Fault{Name: faultPbsz0Refused, Description: "PBSZ 0 inside TLS is answered 501, as if 0 were no valid size",
			Breaks: []string{"RFC4217-9-PBSZ-0"},
			override: replyInstead("PBSZ", codeBadArguments, "Bad protection buffer size.", func(s *session, r *request) bool {
				return s.tls.exchanged() && r.arg == "0"
			})},
		Fault{Name: faultProtBeforePbsz, Description: "after AUTH TLS, PROT without a PBSZ first is accepted like one after PBSZ",
			Breaks: []string{"RFC2228-3-PROT-ORDER"},
			override: func(s *session, r *request) bool {
				if r.verb == "PROT" && s.tls.exchanged() && !s.tls.cleared {
					s.tls.pbsz = true // as if PBSZ had come
				}
				return false
			}},
		Fault{Name: faultAuthUnknown, Description: "AUTH with any mechanism name (\"AUTH XYZ\") is answered 234 and taken for TLS",
			Breaks: []string{"RFC2228-3-AUTH-MECH-CODES"},
			override: func(s *session, r *request) bool {
				if r.verb == "AUTH" && r.arg != "" {
					r.arg = "TLS"
				}
				return false
			}},
		Fault{Name: faultProtCStillTLS, Description: "after PROT P, PROT C is answered 200 but ignored: data connections stay TLS",
			Breaks: []string{"RFC4217-9-PROT-C-P"},
			override: replyInstead("PROT", codeOK, "Protection level set to Clear.", func(s *session, r *request) bool {
				return strings.EqualFold(r.arg, "C") && s.tls.private && s.tls.pbsz && !s.tls.cleared
			})},
		Fault{Name: faultNoSessionReuse, Description: "the server demands TLS session reuse on data connections (RequireSessionReuse) and refuses a data connection that does not resume with 425 instead of 522",
			Breaks:   []string{"RFC4217-10.2-SESSION-REUSE"},
			settings: func(s *Server) { s.RequireSessionReuse = true },
			install: func(h *hooks) {
				h.result = append(h.result, func(x *transfer, res xferResult, err error) xferResult {
					if errors.Is(err, errSessionNotReused) {
						return xferResult{code: codeCantOpenData, text: "Unable to build data connection: Operation not permitted."}
					}
					return res
				})
			}},
		Fault{Name: faultRequireTLSUser, Description: "the server requires TLS (RequireTLS) but accepts USER and PASS in clear text; clear data connections are still refused",
			Breaks: []string{"POLICY-TLS-REQUIRED-LOGIN"}, Flags: flagsRequireTLS,
			settings: func(s *Server) { s.RequireTLS = true },
			install:  func(h *hooks) { h.requireTLS = func(_ *session, data bool) bool { return data } }},
		Fault{Name: faultRequireTLSData, Description: "the server requires TLS (RequireTLS) but transfers over clear data connections (PROT C); USER in clear is still refused",
			Breaks: []string{"POLICY-TLS-REQUIRED-DATA"}, Flags: flagsRequireTLS,
			settings: func(s *Server) { s.RequireTLS = true },
			install:  func(h *hooks) { h.requireTLS = func(_ *session, data bool) bool { return !data } }},
		Fault{Name: faultCCCKeepsTLS, Description: "CCC is answered 200 but the control connection stays TLS",
			Breaks: []string{"RFC4217-5-CCC"},
			override: replyInstead("CCC", codeOK, "Control connection cleared; go on in clear text.", func(s *session, r *request) bool {
				return r.arg == "" && s.tls.conn != nil && s.loggedIn
			})},
		Fault{Name: faultFeatMissingAuth, Description: "FEAT lists PBSZ and PROT but not AUTH TLS, although AUTH TLS works",
			Breaks:  []string{"RFC4217-6-FEAT-TLS"},
			install: func(h *hooks) { h.multiline = append(h.multiline, withoutFeature(" AUTH TLS")) }},
		Fault{Name: faultReinKeepsTLS, Description: "REIN is answered 220 and logs out, but the control connection stays TLS",
			Breaks: []string{"RFC4217-13-REIN-CLEARS-TLS"},
			override: insteadOf("REIN", func(s *session, _ *request) bool { return s.tls.conn != nil }, func(s *session, _ *request) {
				s.loggedIn = false
				s.user = ""
				s.resetParameters()
				s.tls.pbsz, s.tls.private = false, false
				s.reply(codeServiceReady, "Service ready for new user.")
			})},
		Fault{Name: faultAuthKeepsLogin, Description: "an AUTH TLS after login keeps the user logged in, with the working directory and TYPE of before",
			Breaks: []string{"RFC4217-4.2-RESET-AFTER-AUTH"},
			override: func(s *session, r *request) bool {
				if r.verb != "AUTH" || !s.loggedIn {
					return false
				}
				loggedIn, user, cwd := s.loggedIn, s.user, s.cwd
				binary, typeName := s.binary, s.typeName
				s.cmdAUTH(r)
				if s.tls.conn != nil {
					s.loggedIn, s.user, s.cwd = loggedIn, user, cwd
					s.binary, s.typeName = binary, typeName
				}
				return true
			}},
		Fault{Name: faultAuthTLSCRefused, Description: "\"AUTH TLS-C\", the synonym of AUTH TLS, is refused with 504",
			Breaks: []string{"RFC4217-17-AUTH-TLS-C"},
			override: replyInstead("AUTH", codeParamNotImpl, "Unknown security mechanism; use TLS.", func(_ *session, r *request) bool {
				return strings.EqualFold(r.arg, "TLS-C")
			})},
		Fault{Name: faultDataTLSFailure426, Description: "a TLS handshake that fails on a data connection is answered 426 instead of 522",
			Breaks: []string{"RFC4217-10.2-522-HANDSHAKE-FAIL"},
			install: func(h *hooks) {
				h.result = append(h.result, func(x *transfer, res xferResult, err error) xferResult {
					if res.code == codeDataTLSFailed {
						return xferResult{code: codeTransferAborted, text: "Data connection closed; transfer aborted."}
					}
					return res
				})
			}},
		Fault{Name: faultCertExpired, Description: "the server's certificate expired a day ago (the client trusts it otherwise)",
			Breaks: []string{"POLICY-TLS-CERT"}, Flags: flagsTLS,
			settings: func(s *Server) {
				now := time.Now()
				cert, err := selfSigned(now.Add(-30*24*time.Hour), now.Add(-24*time.Hour), certificateHosts(s.Addr)...)
				if err == nil {
					s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
				}
			}},
		Fault{Name: faultProtDefaultPrivate, Description: "after PBSZ, data connections get TLS before any PROT P: the initial level is Private instead of Clear",
			Breaks: []string{"RFC4217-9-INITIAL-CLEAR"},
			override: func(s *session, r *request) bool {
				switch r.verb {
				case "PROT":
					s.faults.protSent = true
				case "PBSZ", "AUTH", "REIN":
					s.faults.protSent = false
				}
				return false
			},
			install: func(h *hooks) {
				h.dataProtected = func(s *session) bool { return s.tls.private || s.tls.pbsz && !s.faults.protSent }
			}},
		Fault{Name: faultProtPOnce, Description: "PROT P protects only the next data connection; later ones are in clear text until PROT P comes again",
			Breaks: []string{"RFC4217-9-PROT-PERSISTS"},
			install: func(h *hooks) {
				h.dataProtected = func(s *session) bool {
					p := s.tls.private
					s.tls.private = false
					return p
				}
			}},
	)
	variationRegistry = append(variationRegistry,
		Variation{Name: varTLSUnsupported, Description: "the server has no FTPS: AUTH is answered 502 and FEAT lists no AUTH, PBSZ or PROT",
			install: func(h *hooks) { h.noTLS = true }},
		Variation{Name: varCCCRefused, Description: "CCC is refused with 534 (RFC 4217 §15.3 lets a server refuse it)",
			override: replyInstead("CCC", codePolicyDenied, "CCC is not allowed on this server.", func(s *session, r *request) bool {
				return r.arg == "" && s.tls.conn != nil
			})},
		Variation{Name: varAuthSSLListed, Description: "FEAT lists \" AUTH SSL\" as well as \" AUTH TLS\", on a line of its own (vsftpd, pyftpdlib)",
			install: func(h *hooks) { h.multiline = append(h.multiline, addAuthSSL) }},
		Variation{Name: varSessionReuseRequired, Description: "PROT P data connections must resume the control connection's TLS session, else 522 (vsftpd's default require_ssl_reuse)",
			install: func(h *hooks) { h.sessionReuse = func(*session) bool { return true } }},
	)
}

// bareLFInTLS (tls-reply-framing) ends the reply lines with LF alone once
// the control connection speaks TLS.
func bareLFInTLS(s *session, b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, ok := s.w.(*tls.Conn); ok {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	}
	return s.writeLocked(b)
}

// addAuthSSL (auth-ssl-listed) adds " AUTH SSL" after " AUTH TLS" in the
// FEAT listing.
func addAuthSSL(code int, lines []string, feat bool) []string {
	if i := slices.Index(lines, " AUTH TLS"); feat && i >= 0 {
		return slices.Insert(lines, i+1, " AUTH SSL")
	}
	return lines
}
