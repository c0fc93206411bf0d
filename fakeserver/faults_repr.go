package fakeserver

// Faults and legal variations for representation types, transfer
// parameters (TYPE, MODE, STRU) and directory listings, with the helpers
// their hooks call.

import (
	"io"
	"net"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
)

// Fault names (representation, parameters, listings).
const (
	faultDefaultTypeImage    = "default-type-image"
	faultTypeSharedSessions  = "type-shared-between-sessions"
	faultTypeResetsAfterRetr = "type-resets-after-retr"
	faultTypeANoConversion   = "type-a-no-conversion"
	faultTypeAStorVerbatim   = "type-a-stor-verbatim"
	faultTypeAStrips8thBit   = "type-a-strips-8th-bit"
	faultTypeIRefused        = "type-i-refused"
	faultTypeL8AsASCII       = "type-l8-as-ascii"
	faultTypeATRefused       = "type-at-refused"
	faultTypeFormatSticky    = "type-format-sticky"
	faultTypeAnyAccepted     = "type-any-accepted"
	faultStruFRefused        = "stru-f-refused"
	faultStruR421            = "stru-r-421"
	faultStruRNotInvertible  = "stru-r-not-invertible"
	faultUnsupportedParam502 = "unsupported-param-502"
	faultModeAnyAccepted     = "mode-any-accepted"
	faultModeBStreamData     = "mode-b-stream-data"
	faultListDirArgIgnored   = "list-dir-argument-ignored"
	faultListFileListsDir    = "list-file-argument-lists-directory"
	faultNlstDirArgIgnored   = "nlst-dir-argument-ignored"
	faultNlstBareNamesForArg = "nlst-bare-names-for-argument"
	faultListingBareLF       = "listing-bare-lf"
	faultListingLFInImage    = "listing-lf-in-image"
	faultPathnameCutAtSpace  = "pathname-cut-at-space"
)

// Variation names (representation, parameters, listings).
const (
	varModeB             = "mode-b"
	varStruR             = "stru-r"
	varNlstDotEntries    = "nlst-dot-entries"
	varNlstAbsolutePaths = "nlst-absolute-paths"
)

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultDefaultTypeImage,
			Description: "a new session starts in TYPE I instead of the default TYPE A N",
			Breaks:      []string{"RFC959-5.1-DEFAULTS"},
			override: func(s *session, r *request) bool {
				if r.verb == "USER" {
					s.binary, s.typeName = true, "Image"
				}
				return false
			}},
		Fault{Name: faultTypeSharedSessions,
			Description: "TYPE is a server-wide setting: a TYPE command in one session changes the type of every session",
			Breaks:      []string{"RFC959-4.1.2-TYPE-PERSIST/other-session"},
			install:     shareTYPE},
		Fault{Name: faultTypeResetsAfterRetr,
			Description: "after a RETR the session falls back to TYPE A, so the next RETR is converted although no TYPE command came",
			Breaks:      []string{"RFC959-4.1.2-TYPE-PERSIST/consecutive-transfers"},
			override: func(s *session, r *request) bool {
				switch {
				case !s.loggedIn:
				case r.verb == "TYPE":
					s.faults.retrSinceType = false
				case r.verb == "RETR":
					if s.faults.retrSinceType {
						s.binary, s.typeName = false, "ASCII Non-print"
					}
					s.faults.retrSinceType = true
				}
				return false
			}},
		Fault{Name: faultTypeANoConversion,
			Description: "RETR in TYPE A sends the file's LF line ends unconverted, as in TYPE I",
			Breaks:      []string{"RFC959-3.1.1.1-ASCII-CRLF/retr"},
			install: func(h *hooks) {
				h.download = func(x *transfer, file io.Reader) io.Reader { return file }
			}},
		Fault{Name: faultTypeAStorVerbatim,
			Description: "STOR in TYPE A stores the CRLF line ends verbatim, so a TYPE A RETR (which converts LF) sends CR CR LF",
			Breaks:      []string{"RFC959-3.1.1.1-ASCII-CRLF/stor"},
			install: func(h *hooks) {
				h.upload = func(x *transfer, f *os.File) (io.Writer, error) {
					if x.binary {
						return storeInto(x, f)
					}
					if err := x.position(f); err != nil {
						return nil, err
					}
					return f, nil
				}
			}},
		Fault{Name: faultTypeAStrips8thBit,
			Description: "RETR in TYPE A clears the high bit of every byte (7-bit ASCII only)",
			Breaks:      []string{"RFC959-3.1.1.1-ASCII-8BIT"},
			install: func(h *hooks) {
				h.download = func(x *transfer, file io.Reader) io.Reader {
					if x.binary {
						return file
					}
					return &crlfReader{r: &maskReader{r: file}}
				}
			}},
		Fault{Name: faultTypeIRefused,
			Description: "\"TYPE I\" is refused with 504",
			Breaks:      []string{"RFC959-3.1.1.3-IMAGE-RECOMMENDED", "RFC1123-4.1.2.13-MIN-TYPES"},
			override:    replyInstead("", codeParamNotImpl, "Type not implemented.", typeArgIs("I"))},
		Fault{Name: faultTypeL8AsASCII,
			Description: "\"TYPE L 8\" is accepted but transfers convert line ends as in TYPE A",
			Breaks:      []string{"RFC1123-4.1.2.1-L8-EQ-I", "RFC959-3.1.1.4-LOCAL-INVERTIBLE"},
			override: func(s *session, r *request) bool {
				if f := typeFields(r.arg); !s.loggedIn || f != "L 8" && f != "L8" {
					return false
				}
				s.binary, s.typeName = false, "Local byte size 8"
				s.reply(codeOK, "Type set to Local byte size 8.")
				return true
			}},
		Fault{Name: faultTypeATRefused,
			Description: "\"TYPE A T\" is refused with 504 although it would be identical to A N",
			Breaks:      []string{"RFC1123-4.1.2.2-TYPE-AT"},
			override:    replyInstead("", codeParamNotImpl, "Type not implemented.", typeArgIs("A T"))},
		Fault{Name: faultTypeFormatSticky,
			Description: "\"TYPE A\" after \"TYPE A T\" keeps the Telnet format instead of resetting it to Non-print (STAT shows it)",
			Breaks:      []string{"RFC959-4.1.2-FORMAT-RESET"},
			override: func(s *session, r *request) bool {
				if !s.loggedIn || typeFields(r.arg) != "A" || s.typeName != "ASCII Telnet" {
					return false
				}
				s.binary = false
				s.reply(codeOK, "Type set to ASCII Telnet.")
				return true
			}},
		Fault{Name: faultTypeAnyAccepted,
			Description: "TYPE with an unknown or missing type code (\"TYPE Q\", \"TYPE\") is answered 200 and ignored",
			Breaks:      []string{"RFC959-5.4-TYPE-CODES/each-code"},
			override: replyInstead("TYPE", codeOK, "Type set.", func(s *session, r *request) bool {
				code, _, _ := strings.Cut(typeFields(r.arg), " ")
				return s.loggedIn && !slices.Contains([]string{"A", "E", "I", "L", "L8"}, code)
			})},
		Fault{Name: faultStruFRefused,
			Description: "\"STRU F\" is refused with 504",
			Breaks:      []string{"RFC959-5.4-STRU-CODES", "RFC959-5.1-ACCEPT-DEFAULTS"},
			override:    replyInstead("STRU", codeParamNotImpl, "Structure not implemented.", argIs("F"))},
		Fault{Name: faultStruR421,
			Description: "\"STRU R\" makes the session give up: 421 and the control connection closes",
			Breaks:      []string{"RFC1123-4.1.2.13-STRU-R", "RFC959-3.1.2-STRU-R-959"},
			override: func(s *session, r *request) bool {
				if !s.loggedIn || r.verb != "STRU" || !strings.EqualFold(r.arg, "R") {
					return false
				}
				s.reply(codeServiceClosing, "Service not available, closing control connection.")
				s.closing = true
				return true
			}},
		Fault{Name: faultStruRNotInvertible,
			Description: "\"STRU R\" is accepted; STOR then stores the record stream verbatim while RETR encodes the file as records (LF as end of record, 0xFF doubled)",
			Breaks:      []string{"RFC1123-4.1.2.4-INVERTIBLE"},
			override: func(s *session, r *request) bool {
				if !s.loggedIn || r.verb != "STRU" || !strings.EqualFold(r.arg, "R") {
					return false
				}
				s.record = true
				s.reply(codeOK, "Structure set to Record.")
				return true
			},
			install: func(h *hooks) { h.dataConn = sendRecords }},
		Fault{Name: faultUnsupportedParam502,
			Description: "valid but unsupported parameters (MODE B/C, STRU R/P, TYPE E, TYPE L 36) are answered 502 instead of 504",
			Breaks:      []string{"RFC959-4.2-502-504", "RFC1123-4.1.2.3-NO-PAGE"},
			override: replyInstead("MODE STRU TYPE", codeNotImplemented, "Command not implemented.", func(s *session, r *request) bool {
				return s.loggedIn && unsupportedParam(r)
			})},
		Fault{Name: faultModeAnyAccepted,
			Description: "MODE with an unknown mode code (\"MODE X\") is answered 200 and ignored",
			Breaks:      []string{"RFC959-5.4-MODE-CODES"},
			override: replyInstead("MODE", codeOK, "Mode set.", func(s *session, r *request) bool {
				return s.loggedIn && !slices.Contains([]string{"S", "B", "C"}, strings.ToUpper(r.arg))
			})},
		Fault{Name: faultModeBStreamData,
			Description: "\"MODE B\" is answered 200 but data keeps being sent in stream mode",
			Breaks:      []string{"RFC959-3.4.2-BLOCK-FORMAT"},
			override:    replyInstead("MODE", codeOK, "Mode set to Block.", argIs("B"))},
		Fault{Name: faultListDirArgIgnored,
			Description: "LIST with a directory argument lists the working directory instead",
			Breaks:      []string{"RFC959-4.1.3-LIST-DEFAULT-CWD/directory-argument"},
			override: func(s *session, r *request) bool {
				if s.loggedIn && r.verb == "LIST" && s.listArgIs(r.arg, true) {
					r.arg = ""
				}
				return false
			}},
		Fault{Name: faultListFileListsDir,
			Description: "LIST with a file argument lists the whole directory that holds the file",
			Breaks:      []string{"RFC959-4.1.3-LIST-DEFAULT-CWD/file-argument"},
			override: func(s *session, r *request) bool {
				if s.loggedIn && r.verb == "LIST" && s.listArgIs(r.arg, false) {
					if dir := path.Dir(r.arg); dir != "." {
						r.arg = dir
					} else {
						r.arg = ""
					}
				}
				return false
			}},
		Fault{Name: faultNlstDirArgIgnored,
			Description: "NLST with a directory argument lists the working directory instead",
			Breaks:      []string{"RFC959-4.1.3-NLST-NAMES/directory-argument"},
			override: func(s *session, r *request) bool {
				if s.loggedIn && r.verb == "NLST" && s.listArgIs(r.arg, true) {
					r.arg = ""
				}
				return false
			}},
		Fault{Name: faultNlstBareNamesForArg,
			Description: "NLST of a directory argument returns bare names, which do not name the files from the working directory",
			Breaks:      []string{"RFC1123-4.1.2.7-NLST-USABLE"},
			install: func(h *hooks) {
				h.nlstLines = func(s *session, arg, dir string, names []string) []string { return names }
			}},
		Fault{Name: faultListingBareLF,
			Description: "LIST and NLST lines end in a bare LF instead of CRLF",
			Breaks:      []string{"RFC959-4.1.3-LIST-ASCII", "RFC959-4.1.3-NLST-CRLF"},
			install:     func(h *hooks) { h.listData = lfListing }},
		Fault{Name: faultListingLFInImage,
			Description: "in TYPE I, LIST and NLST lines end in a bare LF (CRLF only in TYPE A)",
			Breaks:      []string{"RFC1123-4.1.2.7-IMPLIED-TYPE/list", "RFC1123-4.1.2.7-IMPLIED-TYPE/nlst"},
			install:     func(h *hooks) { h.listData = lfListingInImage }},
		Fault{Name: faultPathnameCutAtSpace,
			Description: "pathname arguments end at the first space (\"STOR my file\" stores \"my\")",
			Breaks:      []string{"RFC959-5.3.2-ARG-CHARSET/pathname"},
			override: func(s *session, r *request) bool {
				switch r.verb {
				case "STOR", "APPE", "RETR", "DELE", "SIZE", "MDTM", "RNFR", "RNTO",
					"MKD", "XMKD", "RMD", "XRMD", "CWD", "XCWD", "LIST", "NLST":
					r.arg, _, _ = strings.Cut(r.arg, " ")
				}
				return false
			}},
	)
	variationRegistry = append(variationRegistry,
		Variation{Name: varModeB, Description: "MODE B is accepted and implemented: RETR, LIST and NLST send blocks ending with an EOF block, STOR reads blocks",
			override: insteadOf("MODE", argIs("B"), func(s *session, r *request) {
				s.block = true
				s.reply(codeOK, "Mode set to Block.")
			})},
		Variation{Name: varStruR, Description: "STRU R is accepted and files are stored as the byte stream received (RFC 1123 §4.1.2.13 allows this on hosts without records)",
			override: insteadOf("STRU", argIs("R"), func(s *session, r *request) {
				s.record = true
				s.reply(codeOK, "Structure set to Record; records are stored as the byte stream received.")
			})},
		Variation{Name: varNlstDotEntries, Description: "NLST of the working directory lists \".\" and \"..\" as well",
			install: func(h *hooks) { h.nlstLines = dotsFirst }},
		Variation{Name: varNlstAbsolutePaths, Description: "NLST of the working directory answers with absolute pathnames",
			install: func(h *hooks) { h.nlstLines = absoluteNames }},
	)
}

// shareTYPE (type-shared-between-sessions) makes TYPE a setting of the
// server being started: each TYPE is kept, and every logged-in session
// takes the last one kept before its next command.
func shareTYPE(h *hooks) {
	var (
		mu     sync.Mutex
		set    bool
		binary bool
		name   string
	)
	h.override = append(h.override, func(s *session, r *request) bool {
		if !s.loggedIn {
			return false
		}
		if r.verb == "TYPE" {
			s.cmdTYPE(r)
			mu.Lock()
			set, binary, name = true, s.binary, s.typeName
			mu.Unlock()
			return true
		}
		mu.Lock()
		if set {
			s.binary, s.typeName = binary, name
		}
		mu.Unlock()
		return false
	})
}

// typeFields normalises a TYPE argument for comparisons: upper case,
// single spaces.
func typeFields(arg string) string {
	return strings.Join(strings.Fields(strings.ToUpper(arg)), " ")
}

// typeArgIs is the when-condition of a logged-in command whose argument,
// read as a TYPE argument, is want. (The verb is not looked at.)
func typeArgIs(want string) func(*session, *request) bool {
	return func(s *session, r *request) bool { return s.loggedIn && typeFields(r.arg) == want }
}

// argIs is the when-condition of a logged-in command whose argument is
// want, in any case.
func argIs(want string) func(*session, *request) bool {
	return func(s *session, r *request) bool { return s.loggedIn && strings.EqualFold(r.arg, want) }
}

// unsupportedParam reports whether r is a valid MODE, STRU or TYPE that
// this server does not implement (and answers 504).
func unsupportedParam(r *request) bool {
	arg := typeFields(r.arg)
	switch r.verb {
	case "MODE":
		return arg == "B" || arg == "C"
	case "STRU":
		return arg == "R" || arg == "P"
	case "TYPE":
		f := strings.Fields(arg)
		switch {
		case len(f) == 0:
			return false
		case f[0] == "E":
			return true
		case f[0] == "A":
			return len(f) == 2 && f[1] == "C"
		case f[0] == "L":
			return len(f) == 2 && isDigits(f[1]) && strings.TrimLeft(f[1], "0") != "8"
		}
	}
	return false
}

// listArgIs reports whether the LIST/NLST argument names an existing
// directory (dir true) or regular file (dir false).
func (s *session) listArgIs(arg string, dir bool) bool {
	arg = s.dropListOptions(arg)
	if arg == "" {
		return false
	}
	p, err := s.resolve(arg)
	if err != nil {
		return false
	}
	fi, err := s.stat(p)
	if err != nil {
		return false
	}
	if dir {
		return fi.IsDir()
	}
	return fi.Mode().IsRegular()
}

// lfListing (listing-bare-lf) ends every listing line with a bare LF.
func lfListing(s *session, r *request, kind xferKind) ([]byte, bool) {
	return s.listing(r.arg, kind == xferLIST, "\n")
}

// lfListingInImage (listing-lf-in-image) ends listing lines with a bare LF
// in TYPE I.
func lfListingInImage(s *session, r *request, kind xferKind) ([]byte, bool) {
	eol := "\r\n"
	if s.binary {
		eol = "\n"
	}
	return s.listing(r.arg, kind == xferLIST, eol)
}

// dotsFirst (nlst-dot-entries) lists "." and ".." first in an NLST of the
// working directory.
func dotsFirst(s *session, arg, dir string, names []string) []string {
	if arg == "" {
		names = append([]string{".", ".."}, names...)
	}
	return namesUnder(arg, names)
}

// absoluteNames (nlst-absolute-paths) names the entries of the working
// directory by their absolute paths.
func absoluteNames(s *session, arg, dir string, names []string) []string {
	if arg == "" {
		return namesUnder(dir, names)
	}
	return namesUnder(arg, names)
}

// sendRecords (stru-r-not-invertible) sends a RETR under STRU R as records,
// one per line, although STOR stored the record stream as it came.
func sendRecords(x *transfer, c net.Conn) net.Conn {
	if x.record && x.kind == xferRETR {
		return &recordConn{Conn: c}
	}
	return c
}

// maskReader clears the high bit of every byte (type-a-strips-8th-bit).
type maskReader struct{ r io.Reader }

func (m *maskReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	for i := range p[:n] {
		p[i] &= 0x7f
	}
	return n, err
}
