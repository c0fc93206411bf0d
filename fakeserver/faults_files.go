package fakeserver

import (
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// Faults of the file-system commands (PWD, MKD, RMD, DELE, RNFR, RNTO).

func init() {
	faultRegistry = append(faultRegistry, fileFaults...)
}

// argTarget resolves the pathname argument of a logged-in command for a
// fault and looks it up, following a symbolic link when follow is set; fi
// is nil when nothing is there, and ok false when the fault should leave
// the command alone: another verb than those given (if any), no login, no
// argument, or one that does not resolve.
func argTarget(s *session, r *request, follow bool, verbs ...string) (p string, fi fs.FileInfo, ok bool) {
	if len(verbs) > 0 && !verbIn(r, verbs...) || !s.loggedIn || r.arg == "" {
		return "", nil, false
	}
	p, err := s.resolve(r.arg)
	if err != nil {
		return "", nil, false
	}
	if follow {
		fi, _ = s.stat(p)
	} else {
		fi, _ = s.lstat(p)
	}
	return p, fi, true
}

// targetIs returns a when-condition on what the pathname argument of a
// logged-in command names (fi nil: nothing).
func targetIs(test func(p string, fi fs.FileInfo) bool) func(*session, *request) bool {
	return func(s *session, r *request) bool {
		p, fi, ok := argTarget(s, r, false)
		return ok && test(p, fi)
	}
}

func missing(_ string, fi fs.FileInfo) bool  { return fi == nil }
func isDir(_ string, fi fs.FileInfo) bool    { return fi != nil && fi.IsDir() }
func isNonDir(_ string, fi fs.FileInfo) bool { return fi != nil && !fi.IsDir() }

// mkdirNamed creates the directory p for a fault and answers 257 with the
// name shown, which the fault has already quoted. It reports false when
// the directory could not be made (the normal handler then answers).
func mkdirNamed(s *session, p, shown string) bool {
	if !nameAllowed(p) || s.srv.root.Mkdir(rootRel(p), 0o755) != nil {
		return false
	}
	s.reply(codePathCreated, `"`+shown+`" created.`)
	return true
}

var fileFaults = []Fault{
	{Name: "pwd-unquoted", Description: "PWD answers 257 with the pathname not in quotes",
		Breaks: []string{"RFC959-AII-PWD-257/format"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "PWD", "XPWD") || !s.loggedIn || r.arg != "" {
				return false
			}
			s.reply(codePathCreated, s.cwd+" is the current directory.")
			return true
		}},
	{Name: "pwd-no-quote-doubling", Description: "PWD does not double a quote inside the pathname",
		Breaks: []string{"RFC959-AII-QUOTE-DOUBLING"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "PWD", "XPWD") || !s.loggedIn || r.arg != "" {
				return false
			}
			s.reply(codePathCreated, `"`+s.cwd+`" is the current directory.`)
			return true
		}},
	{Name: "mkd-no-quote-doubling", Description: "MKD does not double a quote inside the pathname of its 257 reply",
		Breaks: []string{"RFC959-AII-QUOTE-DOUBLING"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "MKD", "XMKD")
			return ok && fi == nil && mkdirNamed(s, p, p)
		}},
	{Name: "mkd-unquoted", Description: "MKD answers 257 with the pathname of the new directory not in quotes",
		Breaks: []string{"RFC959-AII-MKD-257-FORMAT"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "MKD", "XMKD")
			if !ok || fi != nil || !nameAllowed(p) || s.srv.root.Mkdir(rootRel(p), 0o755) != nil {
				return false
			}
			s.reply(codePathCreated, p+" created.")
			return true
		}},
	{Name: "mkd-host-path", Description: "MKD's 257 reply names the new directory by its path on the host, not by its FTP pathname",
		Breaks: []string{"RFC959-AII-MKD-ABSOLUTE"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "MKD", "XMKD")
			return ok && fi == nil && mkdirNamed(s, p, quotePath(filepath.Join(s.srv.Root, filepath.FromSlash(p))))
		}},
	{Name: "mkd-existing-257", Description: "MKD of an existing directory answers 257 as if it had created it",
		Breaks: []string{"RFC959-AII-MKD-EXISTS"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "MKD", "XMKD")
			if !ok || fi == nil || !fi.IsDir() {
				return false
			}
			s.reply(codePathCreated, `"`+quotePath(p)+`" created.`)
			return true
		}},
	{Name: "mkd-relative-to-root", Description: "MKD resolves a relative pathname against the root, not the working directory",
		Breaks: []string{"RFC959-AII-REL-ABS"},
		override: func(s *session, r *request) bool {
			if !verbIn(r, "MKD", "XMKD") || !s.loggedIn || r.arg == "" || strings.HasPrefix(r.arg, "/") || s.cwd == "/" {
				return false
			}
			p := path.Clean("/" + r.arg)
			return mkdirNamed(s, p, quotePath(p))
		}},
	{Name: "rmd-no-remove", Description: "RMD answers 250 but leaves the directory in place",
		Breaks:   []string{"RFC959-5.4-RMD-CODES/empty", "RFC959-4.2-2YZ-MEANING"},
		override: replyInstead("RMD XRMD", codeFileActionOK, "Directory removed.", targetIs(isDir))},
	{Name: "rmd-missing-250", Description: "RMD of a missing directory answers 250",
		Breaks:   []string{"RFC959-5.4-RMD-CODES/missing"},
		override: replyInstead("RMD XRMD", codeFileActionOK, "Directory removed.", targetIs(missing))},
	{Name: "rmd-recursive", Description: "RMD removes a directory that is not empty, with everything in it",
		Breaks: []string{"RFC959-5.4-RMD-CODES/not-empty"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "RMD", "XRMD")
			if !ok || fi == nil || !fi.IsDir() || p == "/" || s.srv.root.RemoveAll(rootRel(p)) != nil {
				return false
			}
			s.reply(codeFileActionOK, "Directory removed.")
			return true
		}},
	{Name: "dele-no-delete", Description: "DELE answers 250 but does not delete the file",
		Breaks:   []string{"RFC959-5.4-DELE-CODES/existing", "RFC959-4.2-2YZ-MEANING"},
		override: replyInstead("DELE", codeFileActionOK, "File deleted.", targetIs(isNonDir))},
	{Name: "dele-missing-250", Description: "DELE of a missing file answers 250",
		Breaks:   []string{"RFC959-5.4-DELE-CODES/missing"},
		override: replyInstead("DELE", codeFileActionOK, "File deleted.", targetIs(missing))},
	{Name: "rnfr-completes-200", Description: "RNFR of an existing file answers 200 (a completion reply where 350 must ask for RNTO); RNTO still works",
		Breaks: []string{"RFC959-5.4-RNFR-CODES/existing", "RFC959-4.2-3YZ-MEANING"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "RNFR")
			if !ok || fi == nil || p == "/" {
				return false
			}
			s.seq = seqState{kind: seqRename, path: p}
			s.reply(codeOK, "OK.")
			return true
		}},
	{Name: "rnfr-missing-350", Description: "RNFR of a missing file answers 350; the error comes only with RNTO",
		Breaks: []string{"RFC959-5.4-RNFR-CODES/missing"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, false, "RNFR")
			if !ok || fi != nil {
				return false
			}
			s.seq = seqState{kind: seqRename, path: p}
			s.reply(codePendingInfo, "Ready for RNTO.")
			return true
		}},
	{Name: "rnfr-forgotten", Description: "RNFR answers 350 but does not remember the name, so the RNTO right after it gets 503",
		Breaks: []string{"RFC959-4.2-3YZ-MEANING", "RFC959-4.1.3-RENAME-EFFECT"},
		override: replyInstead("RNFR", codePendingInfo, "Ready for RNTO.", targetIs(func(p string, fi fs.FileInfo) bool {
			return fi != nil && p != "/"
		}))},
	{Name: "rnto-out-of-sequence-250", Description: "RNTO that does not directly follow RNFR answers 250 but renames nothing",
		Breaks: []string{"RFC959-4.1.3-RNFR-RNTO-SEQUENCE/rnto-alone", "RFC959-4.1.3-RNFR-RNTO-SEQUENCE/interrupted",
			"RFC959-4.1.3-RNFR-RNTO-SEQUENCE/rnto-twice"},
		override: replyInstead("RNTO", codeFileActionOK, "Renamed.", func(s *session, r *request) bool {
			return s.loggedIn && r.prev.kind != seqRename
		})},
	{Name: "rnto-stale-source", Description: "RNTO without RNFR renames from the name of the last RNFR of the session, even after that rename is done",
		Breaks: []string{"RFC959-4.1.3-RNFR-RNTO-SEQUENCE/rnto-twice"},
		override: func(s *session, r *request) bool {
			if p, fi, ok := argTarget(s, r, false, "RNFR"); ok && fi != nil {
				s.faults.lastRNFR = p
				return false
			}
			if r.verb != "RNTO" || !s.loggedIn || r.prev.kind == seqRename || r.arg == "" {
				return false
			}
			from := s.faults.lastRNFR
			if from == "" {
				return false
			}
			to, err := s.resolve(r.arg)
			if err != nil || !nameAllowed(to) || s.srv.root.Rename(rootRel(from), rootRel(to)) != nil {
				return false
			}
			s.reply(codeFileActionOK, "Renamed.")
			return true
		}},
	{Name: "rnto-no-effect", Description: "RNTO after RNFR answers 250 but renames nothing",
		Breaks: []string{"RFC959-4.1.3-RENAME-EFFECT", "RFC959-4.2-2YZ-MEANING"},
		override: replyInstead("RNTO", codeFileActionOK, "Renamed.", func(s *session, r *request) bool {
			return s.loggedIn && r.prev.kind == seqRename && r.arg != ""
		})},
	{Name: "rnto-fail-loses-source", Description: "when RNTO names a missing directory it answers 553, but the source file is gone (deleted before the move failed)",
		Breaks: []string{"RFC959-4.2-4YZ-5YZ"},
		override: func(s *session, r *request) bool {
			if r.verb != "RNTO" || !s.loggedIn || r.prev.kind != seqRename || r.arg == "" {
				return false
			}
			to, err := s.resolve(r.arg)
			if err != nil {
				return false
			}
			if _, err := s.stat(path.Dir(to)); err == nil {
				return false
			}
			_ = s.srv.root.Remove(rootRel(r.prev.path))
			s.reply(codeNameNotAllowed, "Rename failed.")
			return true
		}},
}
