package fakeserver

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// pathArg resolves the argument of a command that needs a pathname. It
// answers 501 itself and returns ok false when the argument is missing or
// unusable.
func (s *session) pathArg(r *request) (string, bool) {
	if r.arg == "" {
		s.reply(codeBadArguments, r.verb+" needs a pathname.")
		return "", false
	}
	p, err := s.resolve(r.arg)
	if err != nil {
		s.reply(codeBadArguments, "Invalid pathname.")
		return "", false
	}
	return p, true
}

// cmdCWD: "CWD SP pathname" (RFC 959 §4.1.1), also XCWD (RFC 1123 §4.1.3.1).
func (s *session) cmdCWD(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	fi, err := s.stat(p)
	if err != nil || !fi.IsDir() {
		s.reply(codeFileUnavailable, "No such directory.")
		return
	}
	s.cwd = p
	s.reply(codeFileActionOK, "Directory changed.")
}

// cmdCDUP changes to the parent directory; at the root it stays there.
// RFC 959 §4.1.1 and Appendix II give it CWD's codes (250); §5.4 lists 200.
func (s *session) cmdCDUP(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, r.verb+" takes no argument.")
		return
	}
	s.cwd = path.Dir(s.cwd)
	s.reply(codeFileActionOK, "Directory changed.")
}

// cmdPWD: `257 "/path" is the current directory` (RFC 959 Appendix II).
func (s *session) cmdPWD(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, r.verb+" takes no argument.")
		return
	}
	s.reply(codePathCreated, `"`+quotePath(s.cwd)+`" is the current directory.`)
}

// cmdMKD creates a directory and names it by its absolute path
// (RFC 959 Appendix II).
func (s *session) cmdMKD(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if !nameAllowed(p) {
		s.reply(codeFileUnavailable, "Cannot create a directory with that name.")
		return
	}
	if err := s.srv.root.Mkdir(rootRel(p), 0o755); err != nil {
		s.logf("mkdir: %v", err)
		s.reply(codeFileUnavailable, "Cannot create directory.")
		return
	}
	s.reply(codePathCreated, `"`+quotePath(p)+`" created.`)
}

// cmdRMD removes an empty directory.
func (s *session) cmdRMD(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if p == "/" {
		s.reply(codeFileUnavailable, "Cannot remove the root directory.")
		return
	}
	fi, err := s.lstat(p)
	if err != nil || !fi.IsDir() {
		s.reply(codeFileUnavailable, "No such directory.")
		return
	}
	if err := s.srv.root.Remove(rootRel(p)); err != nil {
		s.logf("rmdir: %v", err)
		s.reply(codeFileUnavailable, textRmdFailed)
		return
	}
	s.reply(codeFileActionOK, "Directory removed.")
}

// textRmdFailed is the text of the 550 for a directory that could not be
// removed.
const textRmdFailed = "Cannot remove directory (not empty?)."

// cmdDELE deletes a file (never a directory).
func (s *session) cmdDELE(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	fi, err := s.lstat(p)
	if err != nil || fi.IsDir() {
		s.reply(codeFileUnavailable, "No such file.")
		return
	}
	if err := s.srv.root.Remove(rootRel(p)); err != nil {
		s.logf("remove: %v", err)
		s.reply(codeFileUnavailable, "Cannot delete file.")
		return
	}
	s.reply(codeFileActionOK, "File deleted.")
}

// cmdRNFR names the object to rename; RNTO must follow at once
// (RFC 959 §4.1.3).
func (s *session) cmdRNFR(r *request) {
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if p == "/" {
		s.reply(codeFileUnavailable, "Cannot rename the root directory.")
		return
	}
	if _, err := s.lstat(p); err != nil {
		s.reply(codeFileUnavailable, "No such file or directory.")
		return
	}
	s.seq = seqState{kind: seqRename, path: p}
	s.reply(codePendingInfo, "Ready for RNTO.")
}

// cmdRNTO completes a rename started by the RNFR right before it.
func (s *session) cmdRNTO(r *request) {
	if r.prev.kind != seqRename {
		s.reply(codeBadSequence, "RNTO must follow RNFR.")
		return
	}
	p, ok := s.pathArg(r)
	if !ok {
		return
	}
	if !nameAllowed(p) {
		s.reply(codeNameNotAllowed, "File name not allowed.")
		return
	}
	if err := s.srv.root.Rename(rootRel(r.prev.path), rootRel(p)); err != nil {
		s.logf("rename: %v", err)
		s.reply(codeNameNotAllowed, "Rename failed.")
		return
	}
	s.reply(codeFileActionOK, "Renamed.")
}

// regularFileArg resolves the command's pathname and requires an existing
// regular file; otherwise it answers 550 (or the pathArg error) and
// returns false.
func (s *session) regularFileArg(r *request) (string, fs.FileInfo, bool) {
	p, ok := s.pathArg(r)
	if !ok {
		return "", nil, false
	}
	fi, err := s.stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		s.reply(codeFileUnavailable, "No such file.")
		return "", nil, false
	}
	return p, fi, true
}

// cmdSIZE: "213 SP size" in octets of the transfer in the current TYPE
// (RFC 3659 §4): in TYPE A every LF counts twice. In block mode or record
// structure (only where a hook accepts them) the count is not available:
// 550, which "MUST NOT be taken ... as an indication that the file cannot
// be transferred" (§4.2).
func (s *session) cmdSIZE(r *request) {
	p, fi, ok := s.regularFileArg(r)
	if !ok {
		return
	}
	if s.block || s.record {
		s.reply(codeFileUnavailable, "SIZE is not available in block mode or record structure.")
		return
	}
	size := fi.Size()
	if !s.binary {
		f, err := s.srv.root.Open(rootRel(p))
		if err != nil {
			s.reply(codeFileUnavailable, "Cannot open file.")
			return
		}
		size, err = asciiSize(f)
		f.Close()
		if err != nil {
			s.logf("size: %v", err)
			s.reply(codeLocalError, "Cannot read file.")
			return
		}
	}
	s.reply(codeFileStatus, strconv.FormatInt(size, 10))
}

// cmdMDTM: "213 SP YYYYMMDDHHMMSS", modification time in UTC (RFC 3659 §3),
// the same value as the modify fact of MLST. A directory is 550: it cannot
// be retrieved (§3.1 leaves the choice).
func (s *session) cmdMDTM(r *request) {
	_, fi, ok := s.regularFileArg(r)
	if !ok {
		return
	}
	s.reply(codeFileStatus, timeVal(fi.ModTime()))
}

// timeVal writes t as a time-val of whole seconds in UTC (RFC 3659 §2.3):
// "YYYYMMDDHHMMSS". Sub-second precision is left out, as the RFC allows.
func timeVal(t time.Time) string { return t.UTC().Format("20060102150405") }

// cmdSMNT: structure mounts make no sense for a virtual root.
func (s *session) cmdSMNT(r *request) {
	s.reply(codeNotImplemented, "SMNT not implemented.")
}

// statPathname answers "STAT pathname" like LIST, over the control
// connection: 212 for a directory, 213 for a file (RFC 959 §4.1.3).
func (s *session) statPathname(arg string) {
	p, err := s.resolve(arg)
	if err != nil {
		s.reply(codeBadArguments, "Invalid pathname.")
		return
	}
	fi, err := s.stat(p)
	if err != nil {
		s.reply(codeFileUnavailable, "No such file or directory.")
		return
	}
	now := time.Now()
	first := `Status of "` + quotePath(p) + `":`
	if !fi.IsDir() {
		// The name comes from the client and may hold a CR (RFC 2640 §3.1).
		line := " " + strings.ReplaceAll(lsLine(dirEntry{name: path.Base(p), info: fi}, now), "\r", "\r\x00")
		s.replyMulti(codeFileStatus, first, []string{line}, "End of status.", false)
		return
	}
	entries, err := s.readDir(p)
	if err != nil {
		s.reply(codeFileUnavailable, "Cannot read directory.")
		return
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = " " + lsLine(e, now)
	}
	s.replyMulti(codeDirStatus, first, lines, "End of status.", false)
}

// listing builds the data of LIST (long) or NLST for arg, each line ended
// by eol (CRLF: RFC 1123 §4.1.2.7 implies TYPE A for listings). It answers
// the command itself (550, 501) and returns ok false when there is nothing
// to send.
func (s *session) listing(arg string, long bool, eol string) ([]byte, bool) {
	arg = s.dropListOptions(arg)
	p, err := s.resolve(arg)
	if err != nil {
		s.reply(codeBadArguments, "Invalid pathname.")
		return nil, false
	}
	fi, err := s.stat(p)
	if err != nil {
		s.reply(codeFileUnavailable, "No such file or directory.")
		return nil, false
	}
	now := time.Now()
	var lines []string
	switch {
	case !fi.IsDir() && long:
		lines = []string{lsLine(dirEntry{name: path.Base(p), info: fi}, now)}
	case !fi.IsDir():
		lines = []string{arg}
	default:
		entries, err := s.readDir(p)
		if err != nil {
			s.reply(codeFileUnavailable, "Cannot read directory.")
			return nil, false
		}
		if long {
			for _, e := range entries {
				lines = append(lines, lsLine(e, now))
			}
			break
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.name
		}
		lines = s.nlstLines(arg, p, names)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString(eol)
	}
	return []byte(b.String()), true
}

// nlstLines renders the NLST lines for the entries names of directory dir,
// listed as arg. With an argument each line is "arg/name", so that it
// works as the argument of RETR or SIZE (RFC 1123 §4.1.2.7); without one
// the names are bare.
func (s *session) nlstLines(arg, dir string, names []string) []string {
	if h := s.hooks.nlstLines; h != nil {
		return h(s, arg, dir, names)
	}
	return namesUnder(arg, names)
}

// namesUnder prefixes each name with the directory argument arg, if any.
func namesUnder(arg string, names []string) []string {
	if arg == "" {
		return names
	}
	lines := make([]string, len(names))
	for i, n := range names {
		lines[i] = joinListArg(arg, n)
	}
	return lines
}

// dropListOptions removes "ls"-style options ("-l", "-la") that many
// clients put in front of the LIST/NLST argument, unless a file of that
// name exists.
func (s *session) dropListOptions(arg string) string {
	if !strings.HasPrefix(arg, "-") {
		return arg
	}
	if p, err := s.resolve(arg); err == nil {
		if _, err := s.stat(p); err == nil {
			return arg
		}
	}
	for strings.HasPrefix(arg, "-") {
		_, rest, found := strings.Cut(arg, " ")
		if !found {
			return ""
		}
		arg = rest
	}
	return arg
}

// joinListArg prefixes an NLST entry with the directory argument.
func joinListArg(arg, name string) string {
	base := strings.TrimRight(arg, "/")
	if base == "" {
		return "/" + name // the argument was "/" (or "//")
	}
	return base + "/" + name
}
