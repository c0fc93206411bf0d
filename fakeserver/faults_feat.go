package fakeserver

import (
	"net"
	"slices"
	"strings"
)

// Faults of FEAT and OPTS (RFC 2389), of UTF-8 pathnames and LANG
// (RFC 2640) and of HOST (RFC 7151) that faults_ext.go does not have:
// each breaks one check of suites/rfc2389_feat.go, rfc2640_utf8.go or
// rfc7151_host.go. The listing faults rework FEAT with a multiline hook;
// the faults that need to remember something keep it in faultState; the
// others replace one command through the override hook.

// Fault names (the tests refer to them).
const (
	faultFeatAnswers202         = "feat-answers-202"
	faultFeatArgIgnored         = "feat-arg-ignored"
	faultFeatEmptyListing       = "feat-empty-listing"
	faultFeatEmptyLine          = "feat-empty-line"
	faultFeatTwoPerLine         = "feat-two-per-line"
	faultFeatListsItself        = "feat-lists-itself"
	faultFeatNeedsLogin         = "feat-needs-login"
	faultFeatListsAuthUnimpl    = "feat-lists-auth-unimplemented"
	faultOptsUnimplemented      = "opts-unimplemented"
	faultOptsMLSTRefused        = "opts-mlst-refused"
	faultLangUnimplementedListd = "lang-unimplemented-listed"
	faultLangLatin1Text         = "lang-latin1-text"
	faultLangSurvivesRein       = "lang-survives-rein"
	faultUTF8PwdMangled         = "utf8-pwd-mangled"
	faultPathSpacesTrimmed      = "path-spaces-trimmed"
	faultHostBareIPv6           = "host-bare-ipv6-accepted"
	faultHostUnknown550         = "host-unknown-550"
	faultHostErrorSticks        = "host-error-sticks"
	faultHostOnceOnly           = "host-once-only"
	faultHostRefusedAfterRein   = "host-refused-after-rein"
)

func init() {
	faultRegistry = append(faultRegistry, featFaults...)
}

var featFaults = []Fault{
	// FEAT and OPTS (RFC 2389).
	{Name: faultFeatAnswers202, Description: "FEAT is answered \"202 Command not implemented, superfluous at this site.\" instead of 211 (or 500/502)",
		Breaks:   []string{"RFC2389-3.2-FEAT-UNSUPPORTED"},
		override: replyInstead("FEAT", codeSuperfluous, "Command not implemented, superfluous at this site.", func(_ *session, r *request) bool { return !r.hasArg })},
	{Name: faultFeatArgIgnored, Description: "FEAT with an argument (\"FEAT x\") ignores it and lists the features instead of answering 501",
		Breaks: []string{"RFC2389-3.1-FEAT-NO-ARGS"},
		override: insteadOf("FEAT", func(_ *session, r *request) bool { return r.hasArg }, func(s *session, _ *request) {
			s.replyMulti(codeSystemStatus, "Extensions supported:", s.featureLines(), "End", true)
		})},
	{Name: faultFeatEmptyListing, Description: "FEAT answers a multi-line 211 with no feature line (\"211-Extensions supported:\", \"211 End\")",
		Breaks: []string{"RFC2389-3.2-NO-FEATURES-SINGLE"},
		install: featRework(func(lines []string) []string {
			return []string{lines[0], lines[len(lines)-1]}
		})},
	{Name: faultFeatEmptyLine, Description: "the FEAT listing holds a feature line with nothing after its SP (\" \")",
		Breaks: []string{"RFC2389-3.2-LISTING-GRAMMAR"},
		install: featRework(func(lines []string) []string {
			return slices.Insert(lines, 1, " ")
		})},
	{Name: faultFeatTwoPerLine, Description: "FEAT lists SIZE and MDTM on one line (\" SIZE MDTM\")",
		Breaks: []string{"RFC2389-3.2-FEAT-ONE-PER-LINE"},
		install: featRework(func(lines []string) []string {
			lines = slices.DeleteFunc(lines, func(l string) bool { return l == " MDTM" })
			if i := slices.Index(lines, " SIZE"); i >= 0 {
				lines[i] = " SIZE MDTM"
			}
			return lines
		})},
	{Name: faultFeatListsItself, Description: "FEAT lists FEAT among the features (\" FEAT\")",
		Breaks: []string{"RFC2389-3.2-FEAT-NOT-SELF"},
		install: featRework(func(lines []string) []string {
			return slices.Insert(lines, len(lines)-1, " FEAT")
		})},
	{Name: faultFeatNeedsLogin, Description: "FEAT before login is answered 530; after login it lists the features",
		Breaks:   []string{"RFC2640-4.1-FEAT-PRE-AUTH"},
		override: replyInstead("FEAT", codeNotLoggedIn, "Please log in with USER and PASS.", func(s *session, _ *request) bool { return !s.loggedIn })},
	{Name: faultFeatListsAuthUnimpl, Description: "FEAT lists \"AUTH TLS\", but AUTH is answered 502",
		Breaks: []string{"RFC2389-3.2-LIST-ALL-EXTENSIONS/advertised"},
		install: featRework(func(lines []string) []string {
			if slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(strings.ToUpper(l), " AUTH ") }) {
				return lines
			}
			return slices.Insert(lines, 1, " AUTH TLS")
		}),
		override: replyInstead("AUTH", codeNotImplemented, "Command not implemented.", nil)},
	{Name: faultOptsUnimplemented, Description: "OPTS is answered 502 although FEAT is implemented",
		Breaks:   []string{"RFC2389-4-OPTS-WITH-FEAT"},
		override: replyInstead("OPTS", codeNotImplemented, "Command not implemented.", nil)},
	{Name: faultOptsMLSTRefused, Description: "OPTS MLST with facts that FEAT's MLST line offers is answered 501 instead of 200",
		Breaks: []string{"RFC2389-4-OPTS-GOOD-200"},
		override: replyInstead("OPTS", codeBadArguments, "Option not understood.", func(_ *session, r *request) bool {
			_, facts, _ := strings.Cut(r.arg, " ")
			return optsMLSTRequest(r) && facts != ""
		})},

	// UTF-8 pathnames and LANG (RFC 2640).
	{Name: faultLangUnimplementedListd, Description: "FEAT lists \"LANG EN*\", but LANG is answered 502",
		Breaks:   []string{"RFC2640-4-LANG-MUST"},
		override: replyInstead("LANG", codeNotImplemented, "Command not implemented.", nil)},
	{Name: faultLangLatin1Text, Description: "after a LANG that succeeds, NOOP is answered in French encoded in ISO 8859-1 (\"200 Commande r\\xe9ussie.\"), not in UTF-8",
		Breaks: []string{"RFC2640-4.1-LANG-EFFECT"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				switch {
				case r.verb == "LANG" && code == codeOK:
					s.faults.langChosen = true
				case r.verb == "NOOP" && code == codeOK && s.faults.langChosen:
					return code, "Commande r\xe9ussie."
				}
				return code, text
			})
		}},
	{Name: faultLangSurvivesRein, Description: "FEAT lists \"LANG EN*;FR\" and LANG FR marks French current (\"LANG EN;FR*\"), but REIN does not return to English",
		Breaks: []string{"RFC2640-4.1-REIN-RESETS-LANG"},
		override: func(s *session, r *request) bool {
			switch {
			case r.verb == "FEAT" && !r.hasArg:
				lines := s.featureLines()
				for i, l := range lines {
					if strings.HasPrefix(l, " LANG ") {
						lines[i] = " LANG EN*;FR"
						if s.faults.lang == "fr" {
							lines[i] = " LANG EN;FR*"
						}
					}
				}
				s.replyMulti(codeSystemStatus, "Extensions supported:", lines, "End", true)
				return true
			case r.verb == "LANG":
				primary, _, _ := strings.Cut(r.arg, "-")
				if strings.EqualFold(primary, "fr") {
					s.faults.lang = "fr"
					s.reply(codeOK, "Langue : fran\u00e7ais.")
					return true
				}
				s.faults.lang = "" // the clean LANG selects English, or refuses
			}
			return false
		}},
	{Name: faultUTF8PwdMangled, Description: "the 257 replies of MKD and PWD give a UTF-8 pathname double-encoded, its bytes read as Latin-1 (\"ß\" becomes \"Ã\\u009f\")",
		Breaks: []string{"RFC2640-3.1-PATH-8BIT"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				if code == codePathCreated && slices.Contains([]string{"PWD", "XPWD", "MKD", "XMKD"}, r.verb) {
					return code, latin1AsUTF8(text)
				}
				return code, text
			})
		}},
	{Name: faultPathSpacesTrimmed, Description: "pathname arguments lose their leading spaces (\"MKD  one-sp\" creates \"one-sp\", not \" one-sp\")",
		Breaks: []string{"RFC2640-3.1-ONE-SP"},
		install: func(h *hooks) {
			h.pathname = func(_ *session, arg string) (string, bool) {
				arg = strings.TrimLeft(arg, " ")
				return arg, strings.IndexByte(arg, 0) < 0
			}
		}},

	// HOST (RFC 7151).
	{Name: faultHostBareIPv6, Description: "HOST with an IPv6 address without brackets (\"HOST ::1\") answers 220 instead of 501",
		Breaks: []string{"RFC7151-3.1-HOST-IPV6-BRACKETS"},
		override: replyInstead("HOST", codeServiceReady, "Virtual host ready.", func(s *session, r *request) bool {
			return !s.loggedIn && net.ParseIP(r.arg) != nil && strings.Contains(r.arg, ":")
		})},
	{Name: faultHostUnknown550, Description: "HOST with an unknown name (\"HOST nosuch.invalid\") answers 550 instead of 504",
		Breaks: []string{"RFC7151-3.2-HOST-UNKNOWN-504"},
		override: replyInstead("HOST", codeFileUnavailable, "No such virtual host.", func(s *session, r *request) bool {
			_, ok := parseHostname(r.arg)
			return !s.loggedIn && ok && reservedInvalid(r.arg)
		})},
	{Name: faultHostErrorSticks, Description: "after a HOST refused with 501 or 504, USER is answered 530 until a HOST succeeds, instead of the HOST being ignored",
		Breaks: []string{"RFC7151-3.3-HOST-ERR-IGNORE-OR-CLOSE"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				if r.verb == "HOST" {
					s.faults.hostRefused = code == codeBadArguments || code == codeParamNotImpl
				}
				return code, text
			})
		},
		override: replyInstead("USER", codeNotLoggedIn, "Unknown virtual host: send a valid HOST first.", func(s *session, _ *request) bool {
			return s.faults.hostRefused
		})},
	{Name: faultHostOnceOnly, Description: "a second HOST before login, after one that succeeded, is answered 503 instead of replacing the first",
		Breaks: []string{"RFC7151-3-HOST-REPEAT"},
		override: replyInstead("HOST", codeBadSequence, "HOST was given already.", func(s *session, _ *request) bool {
			return !s.loggedIn && s.ext.host != ""
		})},
	{Name: faultHostRefusedAfterRein, Description: "after REIN, HOST is answered 503 as if the user were still logged in",
		Breaks: []string{"RFC7151-3.2.1-REIN-RESETS-HOST"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				if r.verb == "REIN" && code == codeServiceReady {
					s.faults.reinSeen = true
				}
				return code, text
			})
		},
		override: replyInstead("HOST", codeBadSequence, "HOST must come before login.", func(s *session, _ *request) bool {
			return s.faults.reinSeen
		})},
}

// featRework returns an install function for a multiline hook that
// changes the lines of the FEAT listing, first and last included.
func featRework(change func(lines []string) []string) func(*hooks) {
	return func(h *hooks) {
		h.multiline = append(h.multiline, func(code int, lines []string, feat bool) []string {
			if !feat {
				return lines
			}
			return change(slices.Clone(lines))
		})
	}
}
