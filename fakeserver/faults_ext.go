package fakeserver

import (
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Faults of the extensions: FEAT and OPTS (RFC 2389), SIZE, MDTM, REST
// STREAM, MLST and MLSD (RFC 3659), UTF8 and LANG (RFC 2640), HOST
// (RFC 7151). The FEAT faults rework the listing with a multiline hook;
// the 213 faults change the reply with an answer hook; the MLSx faults are
// overrides that run the clean MLST or MLSD with an mlsxRender of their
// own; rest-stream-ignored-stor declares an upload hook; the rest replace
// one command through the override hook.

// Fault names (the tests refer to them).
const (
	faultFeatNoLeadingSpace    = "feat-no-leading-space"
	faultFeatMissingEnd        = "feat-missing-end"
	faultFeatLowerCase         = "feat-lower-case"
	faultFeatListsUnimpl       = "feat-lists-unimplemented"
	faultFeatOmitsSize         = "feat-omits-size"
	faultFeatOmitsMDTM         = "feat-omits-mdtm"
	faultFeatOmitsRestStream   = "feat-omits-rest-stream"
	faultFeatOmitsUTF8         = "feat-omits-utf8"
	faultFeatOmitsHost         = "feat-omits-host"
	faultOptsUnknown200        = "opts-unknown-200"
	faultOptsMLSTIgnored       = "opts-mlst-ignored"
	faultOptsMLSTReplyBare     = "opts-mlst-reply-bare"
	faultOptsMLSTLenient       = "opts-mlst-lenient"
	faultSizeWrong             = "size-wrong"
	faultSizeDir213            = "size-dir-213"
	faultMdtmLocalTime         = "mdtm-local-time"
	faultMdtmBadFormat         = "mdtm-bad-format"
	faultMdtmEmptyFraction     = "mdtm-empty-fraction"
	faultRestStreamIgnoredStor = "rest-stream-ignored-stor"
	faultMlstNoLeadingSpace    = "mlst-no-leading-space"
	faultMlstBadFact           = "mlst-bad-fact"
	faultMlstPermLetters       = "mlst-perm-letters"
	faultMlstModifyMismatch    = "mlst-modify-mismatch"
	faultMlstListsContents     = "mlst-lists-contents"
	faultMlstNoArg501          = "mlst-no-arg-501"
	faultMlsdSizeMismatch      = "mlsd-size-mismatch"
	faultMlsdTypeWrong         = "mlsd-type-wrong"
	faultMlsdLeadingSpace      = "mlsd-leading-space"
	faultMlsdFileListed        = "mlsd-file-listed"
	faultMlsdNoArgRoot         = "mlsd-no-arg-root"
	faultMlsdSetsTypeI         = "mlsd-sets-type-i"
	faultUTF8NameMangled       = "utf8-name-mangled"
	faultLangEnRefused         = "lang-en-refused"
	faultLangNoArg501          = "lang-no-arg-501"
	faultLangAny200            = "lang-any-200"
	faultHostAfterLogin        = "host-after-login-accepted"
	faultHostNot220            = "host-not-220"
	faultHostPortAccepted      = "host-port-accepted"
	faultHostAnyLiteral        = "host-any-literal-220"
)

// utcMinus5 is the local time zone of the faults that give local time
// instead of UTC: a whole number of hours away, with no daylight saving.
var utcMinus5 = time.FixedZone("UTC-5", -5*60*60)

func init() {
	faultRegistry = append(faultRegistry, extFaults...)
}

var extFaults = []Fault{
	// FEAT and OPTS (RFC 2389).
	{Name: faultFeatNoLeadingSpace, Description: "the FEAT line for SIZE has no leading SP (\"SIZE\" instead of \" SIZE\")",
		Breaks:  []string{"RFC2389-3.2-FEAT-LINE-SP"},
		install: featLines(func(l string) string { return strings.TrimPrefix(l, " ") }, " SIZE")},
	{Name: faultFeatMissingEnd, Description: "the FEAT listing closes with \"211 Features listed.\" instead of \"211 End\"",
		Breaks: []string{"RFC2389-3.2-FEAT-END"},
		install: func(h *hooks) {
			h.multiline = append(h.multiline, func(code int, lines []string, feat bool) []string {
				if feat {
					lines[len(lines)-1] = "211 Features listed."
				}
				return lines
			})
		}},
	{Name: faultFeatLowerCase, Description: "FEAT lists MDTM and SIZE in lower case (\" mdtm\", \" size\")",
		Breaks:  []string{"RFC2389-3.2-FEAT-UPPERCASE"},
		install: featLines(strings.ToLower, " MDTM", " SIZE")},
	{Name: faultFeatListsUnimpl, Description: "FEAT lists MLST, but MLST and MLSD answer 502",
		Breaks:   []string{"RFC3659-7.8-MLST-FEAT"},
		override: replyInstead("MLST MLSD", codeNotImplemented, "Command not implemented.", loggedIn)},
	{Name: faultFeatOmitsSize, Description: "SIZE works, but FEAT does not list it",
		Breaks:  []string{"RFC3659-4.3-SIZE-FEAT", "RFC2389-3.2-LIST-ALL-EXTENSIONS/unlisted"},
		install: featLines(nil, " SIZE")},
	{Name: faultFeatOmitsMDTM, Description: "MDTM works, but FEAT does not list it",
		Breaks:  []string{"RFC3659-3.3-MDTM-FEAT"},
		install: featLines(nil, " MDTM")},
	{Name: faultFeatOmitsRestStream, Description: "REST works in stream mode, but FEAT does not list \"REST STREAM\"",
		Breaks:  []string{"RFC3659-5.4-REST-FEAT"},
		install: featLines(nil, " REST STREAM")},
	{Name: faultFeatOmitsUTF8, Description: "pathnames are UTF-8, but FEAT does not list UTF8",
		Breaks:  []string{"RFC2640-3.2-UTF8-FEAT"},
		install: featLines(nil, " UTF8")},
	{Name: faultFeatOmitsHost, Description: "HOST works, but FEAT does not list it",
		Breaks:  []string{"RFC7151-3.4-HOST-FEAT"},
		install: featLines(nil, " HOST")},
	{Name: faultOptsUnknown200, Description: "OPTS for a command without options (OPTS NOSUCH, OPTS FEAT) answers 200 instead of 501",
		Breaks: []string{"RFC2389-4-OPTS-BAD"},
		override: replyInstead("OPTS", codeOK, "Options set.", func(s *session, r *request) bool {
			name, _, _ := strings.Cut(r.arg, " ")
			return name != "" && !strings.EqualFold(name, "MLST") && !strings.EqualFold(name, "UTF8")
		})},
	{Name: faultOptsMLSTIgnored, Description: "OPTS MLST answers \"200 MLST OPTS\" with the facts asked for, but MLST, MLSD and FEAT go on with the facts selected before",
		Breaks: []string{"RFC3659-7.9-OPTS-MLST-RESTRICTS"},
		override: func(s *session, r *request) bool {
			if !optsMLSTRequest(r) {
				return false
			}
			before := s.ext.factsOff
			s.cmdOPTS(r)
			s.ext.factsOff = before
			return true
		}},
	{Name: faultOptsMLSTReplyBare, Description: "a successful OPTS MLST answers \"200 Options set.\" without \"MLST OPTS\" and the selected facts",
		Breaks: []string{"RFC3659-7.9-OPTS-MLST-REPLY"},
		install: func(h *hooks) {
			h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
				if r.verb == "OPTS" && code == codeOK && strings.HasPrefix(text, "MLST OPTS") {
					return code, "Options set."
				}
				return code, text
			})
		}},
	{Name: faultOptsMLSTLenient, Description: "OPTS MLST with a syntax error (a SP inside the fact list) answers 200 and selects the facts it can read, instead of 501 and no change",
		Breaks: []string{"RFC3659-7.9-OPTS-MLST-SYNTAX-ERR"},
		override: func(s *session, r *request) bool {
			_, list, _ := strings.Cut(r.arg, " ")
			if !optsMLSTRequest(r) || !strings.Contains(list, " ") {
				return false
			}
			list = strings.ReplaceAll(list, " ", "")
			if !strings.HasSuffix(list, ";") {
				list += ";"
			}
			s.optsMLST(list, true)
			return true
		}},

	// SIZE, MDTM and REST STREAM (RFC 3659 §3-5).
	{Name: faultSizeWrong, Description: "SIZE in TYPE I answers one octet more than a RETR sends",
		Breaks: []string{"RFC3659-4-SIZE-EXACT/binary"},
		install: answer213("SIZE", func(s *session, text string) string {
			n, err := strconv.ParseInt(text, 10, 64)
			if !s.binary || err != nil {
				return text
			}
			return strconv.FormatInt(n+1, 10)
		})},
	{Name: faultSizeDir213, Description: "SIZE of a directory answers 213 with the size of the directory file (\"213 4096\", as ftp-srv does) instead of 550",
		Breaks: []string{"RFC3659-4.2-SIZE-550"},
		override: insteadOf("SIZE", targetIs(isDir), func(s *session, r *request) {
			_, fi, _ := argTarget(s, r, true)
			s.reply(codeFileStatus, strconv.FormatInt(fi.Size(), 10))
		})},
	{Name: faultMdtmLocalTime, Description: "MDTM answers in local time (UTC-5) instead of UTC",
		Breaks: []string{"RFC3659-2.3-MDTM-UTC"},
		install: answer213("MDTM", func(s *session, text string) string {
			return inZone(text, utcMinus5)
		})},
	{Name: faultMdtmBadFormat, Description: "MDTM writes the year as \"19\" and the years since 1900 (the Y2K bug of old servers: \"213 19126...\" in 2026)",
		Breaks: []string{"RFC3659-3.1-MDTM-213"},
		install: answer213("MDTM", func(s *session, text string) string {
			if len(text) < 4 {
				return text
			}
			year, err := strconv.Atoi(text[:4])
			if err != nil {
				return text
			}
			return "19" + strconv.Itoa(year-1900) + text[4:]
		})},
	{Name: faultMdtmEmptyFraction, Description: "MDTM ends its time-val with a \".\" and no digit after it (\"213 20260102030405.\")",
		Breaks:  []string{"RFC3659-2.3-TIME-FRACTION"},
		install: answer213("MDTM", func(s *session, text string) string { return text + "." })},
	{Name: faultRestStreamIgnoredStor, Description: "REST answers 350, and RETR honours it, but a STOR after it rewrites the file from the start",
		Breaks: []string{"RFC3659-5.3-REST-STOR"},
		install: func(h *hooks) {
			h.upload = func(x *transfer, f *os.File) (io.Writer, error) {
				if x.kind == xferSTOR {
					x.restart = false
				}
				return storeInto(x, f)
			}
		}},

	// MLST and MLSD (RFC 3659 §7).
	{Name: faultMlstNoLeadingSpace, Description: "the entry line of an MLST reply has no leading SP",
		Breaks: []string{"RFC3659-7.2-MLST-LINE-SP"},
		override: insteadOf("MLST", loggedIn, func(s *session, r *request) {
			if lines, ok := s.mlstLines(r, renderEntry); ok {
				lines[1] = strings.TrimPrefix(lines[1], " ")
				s.sendLines(lines...)
			}
		})},
	{Name: faultMlstBadFact, Description: "the last fact of MLST and MLSD entries has no \";\" before the SP and the pathname (\"...;unique=803g1c a.txt\", as in an example of RFC 3659 §7.7.4)",
		Breaks: []string{"RFC3659-7.4-FACT-SYNTAX"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			line := renderEntry(e)
			if i := strings.Index(line, "; "); i >= 0 && len(e.facts) > 0 {
				line = line[:i] + line[i+1:]
			}
			return line
		})},
	{Name: faultMlstPermLetters, Description: "the perm fact of MLST and MLSD entries holds the Unix letter x (\"perm=adfrwx\"), which is no FTP permission",
		Breaks: []string{"RFC3659-7.5.5-PERM-LETTERS"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if p, ok := e.get("perm"); ok {
				e = e.with("perm", p+"x")
			}
			return renderEntry(e)
		})},
	{Name: faultMlstModifyMismatch, Description: "the modify fact of MLST and MLSD gives local time (UTC-5) while MDTM gives UTC",
		Breaks: []string{"RFC3659-2.3-TIME-UTC"},
		override: mlsxRendered("MLST MLSD", func(e mlsxEntry) string {
			if m, ok := e.get("modify"); ok {
				e = e.with("modify", inZone(m, utcMinus5))
			}
			return renderEntry(e)
		})},
	{Name: faultMlstListsContents, Description: "MLST of a directory answers with an entry for the directory and one for each object in it, as if it were MLSD",
		Breaks: []string{"RFC3659-7.2-MLST-ONE-ENTRY"},
		override: insteadOf("MLST", loggedIn, func(s *session, r *request) {
			lines, ok := s.mlstLines(r, renderEntry)
			if !ok {
				return
			}
			p := s.cwd
			if r.arg != "" {
				p, _ = s.resolve(r.arg)
			}
			if fi, err := s.stat(p); err == nil && fi.IsDir() {
				data, _ := s.mlsdData(p, fi, renderEntry)
				last := lines[len(lines)-1]
				lines = lines[:len(lines)-1]
				for _, l := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
					lines = append(lines, " "+l)
				}
				lines = append(lines, last)
			}
			s.sendLines(lines...)
		})},
	{Name: faultMlstNoArg501, Description: "MLST without an argument answers 501 instead of describing the working directory",
		Breaks:   []string{"RFC3659-7.1-MLST-NO-ARG-CWD"},
		override: replyInstead("MLST", codeBadArguments, "MLST needs a pathname.", loggedInNoArg)},
	{Name: faultMlsdSizeMismatch, Description: "the size fact of MLSD counts KiB (blocks of 1024 octets, rounded up) instead of octets; MLST and SIZE are right",
		Breaks: []string{"RFC3659-7.5.7-SIZE-FACT"},
		override: mlsxRendered("MLSD", func(e mlsxEntry) string {
			if v, ok := e.get("size"); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					e = e.with("size", strconv.FormatInt((n+1023)/1024, 10))
				}
			}
			return renderEntry(e)
		})},
	{Name: faultMlsdTypeWrong, Description: "MLSD gives subdirectories the type file (\"type=file; sub\")",
		Breaks: []string{"RFC3659-7.5.1-TYPE-VALUES"},
		override: mlsxRendered("MLSD", func(e mlsxEntry) string {
			if t, _ := e.get("type"); t == "dir" {
				e = e.with("type", "file")
			}
			return renderEntry(e)
		})},
	{Name: faultMlsdLeadingSpace, Description: "every MLSD line starts with a SP, as MLST entry lines do",
		Breaks:   []string{"RFC3659-7.2-MLSD-NO-LEADING-SP"},
		override: mlsxRendered("MLSD", func(e mlsxEntry) string { return " " + renderEntry(e) })},
	{Name: faultMlsdFileListed, Description: "MLSD of a file sends the file's entry over a data connection (150, 226) instead of answering 501",
		Breaks: []string{"RFC3659-7.1-MLSD-DIR-ONLY"},
		override: insteadOf("MLSD", targetIs(func(_ string, fi fs.FileInfo) bool { return fi != nil && fi.Mode().IsRegular() }),
			func(s *session, r *request) {
				p, fi, ok := s.mlsxTarget(r)
				if !ok {
					return
				}
				entry := renderEntry(s.describe(p, fi, s.parentInfo(p), "file", r.arg))
				s.sendListing(r, p, []byte(entry+"\r\n"))
			})},
	{Name: faultMlsdNoArgRoot, Description: "MLSD without an argument lists the root directory instead of the working directory",
		Breaks: []string{"RFC3659-7.1-MLSD-NO-ARG"},
		override: func(s *session, r *request) bool {
			if r.verb == "MLSD" && loggedInNoArg(s, r) {
				r.arg = "/" // then the normal handler lists it
			}
			return false
		}},
	{Name: faultMlsdSetsTypeI, Description: "MLSD switches the session to TYPE I: a later RETR in what was TYPE A sends the file unconverted",
		Breaks: []string{"RFC3659-7.2-MLSD-TYPE-L8"},
		override: func(s *session, r *request) bool {
			if r.verb == "MLSD" && s.loggedIn {
				s.binary, s.typeName = true, "Image"
			}
			return false
		}},

	// UTF8 and LANG (RFC 2640).
	{Name: faultUTF8NameMangled, Description: "NLST and MLSD show non-ASCII names double-encoded, their UTF-8 bytes read as Latin-1 (\"é\" becomes \"Ã©\")",
		Breaks: []string{"RFC2640-3.1-UTF8-CHECK"},
		install: func(h *hooks) {
			h.nlstLines = func(s *session, arg, dir string, names []string) []string {
				out := make([]string, len(names))
				for i, n := range names {
					out[i] = latin1AsUTF8(n)
				}
				return namesUnder(arg, out)
			}
		},
		override: mlsxRendered("MLSD", func(e mlsxEntry) string {
			e.name = latin1AsUTF8(e.name)
			return renderEntry(e)
		})},
	{Name: faultLangEnRefused, Description: "FEAT lists \"LANG EN*\", but \"LANG EN\" (and any English variant) answers 504",
		Breaks: []string{"RFC2640-4.3-LANG-FEAT"},
		override: replyInstead("LANG", codeParamNotImpl, "Language not supported.", func(s *session, r *request) bool {
			primary, _, _ := strings.Cut(r.arg, "-")
			return strings.EqualFold(primary, "en")
		})},
	{Name: faultLangNoArg501, Description: "LANG without an argument answers 501 instead of selecting the default language",
		Breaks: []string{"RFC2640-4.2-LANG-NOARG"},
		override: replyInstead("LANG", codeBadArguments, "LANG needs a language tag.", func(s *session, r *request) bool {
			return !r.hasArg
		})},
	{Name: faultLangAny200, Description: "LANG answers 200 to every argument, malformed (\"LANG 123456789\") and unsupported (\"LANG xx-YY\") tags too",
		Breaks:   []string{"RFC2640-4.2-LANG-ERRORS"},
		override: replyInstead("LANG", codeOK, "Language set.", nil)},

	// HOST (RFC 7151).
	{Name: faultHostAfterLogin, Description: "HOST after login answers 220 (and the session stays logged in) instead of 503",
		Breaks:   []string{"RFC7151-3-HOST-PRE-AUTH"},
		override: replyInstead("HOST", codeServiceReady, "Virtual host ready.", loggedIn)},
	{Name: faultHostNot220, Description: "HOST accepts a host with \"200 Host accepted.\" instead of 220",
		Breaks:  []string{"RFC7151-3.1-HOST-220"},
		install: answerAs("HOST", codeServiceReady, "", codeOK, "Host accepted.")},
	{Name: faultHostPortAccepted, Description: "HOST with a port after the hostname (\"HOST 192.0.2.1:2112\") answers 220 instead of 501",
		Breaks: []string{"RFC7151-3.1-HOST-NO-PORT"},
		override: replyInstead("HOST", codeServiceReady, "Virtual host ready.", func(s *session, r *request) bool {
			i := strings.LastIndexByte(r.arg, ':')
			if s.loggedIn || i < 0 || !isDigits(r.arg[i+1:]) {
				return false
			}
			_, ok := parseHostname(r.arg[:i])
			return ok
		})},
	{Name: faultHostAnyLiteral, Description: "HOST with an address literal that is not the server's (\"HOST 192.0.2.77\") answers 220 instead of 504",
		Breaks: []string{"RFC7151-3.1-HOST-LITERAL-MISMATCH"},
		override: replyInstead("HOST", codeServiceReady, "Virtual host ready.", func(s *session, r *request) bool {
			ip, ok := parseHostname(r.arg)
			return !s.loggedIn && ok && ip != nil && !ip.Equal(s.local.IP)
		})},
}

// featLines returns an install function for a multiline hook that changes
// the FEAT lines equal to one of lines with change, or drops them when
// change is nil.
func featLines(change func(string) string, lines ...string) func(*hooks) {
	return func(h *hooks) {
		h.multiline = append(h.multiline, func(code int, all []string, feat bool) []string {
			if !feat {
				return all
			}
			out := all[:0:0]
			for _, l := range all {
				switch {
				case !slices.Contains(lines, l):
					out = append(out, l)
				case change != nil:
					out = append(out, change(l))
				}
			}
			return out
		})
	}
}

// answer213 returns an install function for an answer hook that changes
// the text of the 213 replies to verb.
func answer213(verb string, change func(s *session, text string) string) func(*hooks) {
	return func(h *hooks) {
		h.answer = append(h.answer, func(s *session, r *request, code int, text string) (int, string) {
			if r.verb != verb || code != codeFileStatus {
				return code, text
			}
			return code, change(s, text)
		})
	}
}

// inZone rewrites a time-val of whole seconds in UTC as the clock time of
// zone, which is what a server that forgets to convert sends.
func inZone(tv string, zone *time.Location) string {
	t, err := time.Parse("20060102150405", tv)
	if err != nil {
		return tv
	}
	return t.In(zone).Format("20060102150405")
}

// optsMLSTRequest reports whether r is "OPTS MLST ...".
func optsMLSTRequest(r *request) bool {
	name, _, _ := strings.Cut(r.arg, " ")
	return r.verb == "OPTS" && strings.EqualFold(name, "MLST")
}

// mlsxRendered returns an override that answers MLST and MLSD (those of
// verbs) of a logged-in session as the clean server does, with the
// entries written by render.
func mlsxRendered(verbs string, render mlsxRender) func(*session, *request) bool {
	return insteadOf(verbs, loggedIn, func(s *session, r *request) {
		if r.verb == "MLST" {
			s.mlst(r, render)
		} else {
			s.mlsd(r, render)
		}
	})
}

// latin1AsUTF8 reads each byte of s as a Latin-1 character and writes it
// in UTF-8: what a server that takes UTF-8 names for Latin-1 sends.
func latin1AsUTF8(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}
