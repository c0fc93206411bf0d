package fakeserver

// Faults and legal variations of the security area: the precautions of
// RFC 2577 (bounce, port stealing, password guessing, user enumeration,
// dangerous features) and the confinement of every path to Server.Root.
//
// Escapes from the root are emulated: the faulty server pretends that its
// root is the host directory /srv/ftp and maps every host path outside it
// onto a fake host tree in the hidden directory /.ftpconform-host of the
// root (with bin, etc, proc, usr, ... and an etc/passwd). The server never
// touches a file outside Server.Root, faulty or not.

import (
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault names of this area.
const (
	faultBounceAccepted     = "bounce-accepted"
	faultPortLowAccepted    = "port-low-accepted"
	faultEprtOtherFamily    = "eprt-other-family-accepted"
	faultPasvAnyPeer        = "pasv-any-peer"
	faultPasvSequential     = "pasv-sequential-ports"
	faultNoLoginDelay       = "no-login-delay"
	faultNoLoginLockout     = "no-login-lockout"
	faultLockoutWithout421  = "lockout-without-421"
	faultUnknownUser530     = "unknown-user-530"
	faultUnknownUserPass550 = "unknown-user-pass-550"
	faultUnknownUserFast    = "unknown-user-fast-fail"
	faultStatRevealsUser    = "stat-reveals-user"
	faultAnonymousWrite     = "anonymous-write"
	faultSiteExec           = "site-exec"
	faultDebugEnabled       = "debug-enabled"
	faultCwdEscape          = "cwd-escape"
	faultRetrEscape         = "retr-escape"
	faultWriteEscape        = "write-escape"
	faultNulTruncates       = "nul-truncates"
	faultSymlinkEscape      = "symlink-escape"
)

// Variation names of this area.
const (
	varPortRefusal500    = "port-refusal-500"
	varPathEscapeRefused = "path-escape-refused"
	varPasvForeign425    = "pasv-foreign-425"
)

const (
	// fakeHostDir is the hidden directory of the root that stands for the
	// host's file system under the escape faults.
	fakeHostDir = "/.ftpconform-host"
	// fakeRootHost is where the faulty server pretends its root lies on
	// the host.
	fakeRootHost = "/srv/ftp"
	// fakePasswd is the content of the fake host's /etc/passwd.
	fakePasswd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nftp:x:101:101:ftp daemon:/srv/ftp:/usr/sbin/nologin\n"
	// symlinkFixture is the link the symlink-escape fault puts in the root.
	symlinkFixture = "passwd-link"
)

// fakeHostDirs are the directories of the fake host's root.
var fakeHostDirs = []string{"bin", "boot", "dev", "etc", "home", "lib", "proc", "root", "sbin", "srv/ftp", "sys", "tmp", "usr", "var"}

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultBounceAccepted, Description: "PORT and EPRT naming an address other than the client's are accepted with 200, and the transfer dials that address (FTP bounce)",
			Breaks:   []string{"RFC2577-2-FOREIGN-ADDR-REFUSE/port", "RFC2577-2-FOREIGN-ADDR-REFUSE/eprt"},
			override: overrideBounce},
		Fault{Name: faultPortLowAccepted, Description: "PORT and EPRT naming the client's address with a port below 1024 are accepted with 200",
			Breaks:   []string{"RFC2577-3-LOWPORT-REFUSE/port", "RFC2577-3-LOWPORT-REFUSE/eprt"},
			override: overrideLowPort},
		Fault{Name: faultEprtOtherFamily, Description: "EPRT naming an address of the other network protocol (|2|::1| on an IPv4 connection, |1|127.0.0.1| on IPv6) is accepted with 200 and dialled",
			Breaks:   []string{"RFC2577-3-NONTCP"},
			override: overrideEprtOtherFamily},
		Fault{Name: faultPasvAnyPeer, Description: "the passive port takes the first connection from any address, not only from the client's (port stealing)",
			Breaks: []string{"RFC2577-4-CHECK-DATA-PEER", "RFC2577-4-UPLOAD-HIJACK"},
			install: func(h *hooks) {
				h.foreignPeer = func(*session, *passiveListener) bool { return true }
			}},
		Fault{Name: faultPasvSequential, Description: "passive ports are handed out in sequence (+1 each time) instead of at random",
			Breaks:  []string{"RFC2577-8-RANDOM-PORTS"},
			install: listenInSequence},
		Fault{Name: faultNoLoginDelay, Description: "a wrong password is answered 530 at once, without any delay",
			Breaks:  []string{"RFC2577-5-FAIL-DELAY", "RFC2577-5-DELAY"},
			install: func(h *hooks) { h.failDelay = func(*session, string) time.Duration { return 0 } }},
		Fault{Name: faultNoLoginLockout, Description: "wrong passwords never close the control connection, however many",
			Breaks:  []string{"RFC2577-5-ATTEMPT-LIMIT"},
			install: func(h *hooks) { h.lockout = func(*session) bool { return false } }},
		Fault{Name: faultLockoutWithout421, Description: "after too many wrong passwords the server answers the last one 530 and closes the connection, without 421",
			Breaks:  []string{"RFC2577-5-421-BEFORE-CLOSE"},
			install: answerAs("PASS", codeServiceClosing, "", codeNotLoggedIn, "")},
		Fault{Name: faultUnknownUser530, Description: "USER with a name that has no account is answered \"530 Unknown user\" instead of 331",
			Breaks:   []string{"RFC2577-7-USER-331", "RFC2577-7-SAME-USER-REPLY"},
			override: overrideUnknownUser530},
		Fault{Name: faultUnknownUserPass550, Description: "PASS after USER of a name without an account is answered \"550 No such user\" (a wrong password gets 530)",
			Breaks:   []string{"RFC2577-7-SAME-PASS-REPLY"},
			override: overrideUnknownUserPass},
		Fault{Name: faultUnknownUserFast, Description: "PASS after USER of a name without an account is refused at once, while a wrong password waits for the login delay",
			Breaks:  []string{"RFC2577-7-TIMING"},
			install: func(h *hooks) { h.failDelay = fastFailForUnknown }},
		Fault{Name: faultStatRevealsUser, Description: "before login, \"STAT ~NAME\" answers 550 for the configured user and 530 for other names",
			Breaks: []string{"RFC2577-7-NO-LEAK-OTHER"},
			override: replyInstead("STAT", codeFileUnavailable, "Permission denied.", func(s *session, r *request) bool {
				return !s.loggedIn && r.arg == "~"+s.srv.User
			})},
		Fault{Name: faultAnonymousWrite, Description: "USER anonymous with any password logs in (230) with full write access to the root",
			Breaks:   []string{"RFC2577-9-ANON-LIMITS"},
			override: overrideAnonymousWrite},
		Fault{Name: faultSiteExec, Description: "\"SITE EXEC cmd\" after login answers 200 with command output (emulated; nothing is run)",
			Breaks:   []string{"RFC2577-9-SITE-EXEC"},
			override: overrideSiteExec},
		Fault{Name: faultDebugEnabled, Description: "XDBG and \"SITE DEBUG\" switch on a debug mode (200)",
			Breaks: []string{"RFC2577-9-DEBUG"},
			override: replyInstead("XDBG SITE", codeOK, "Debug mode on.", func(s *session, r *request) bool {
				sub, _, _ := strings.Cut(r.arg, " ")
				return r.verb == "XDBG" || s.loggedIn && strings.EqualFold(sub, "DEBUG")
			})},
		Fault{Name: faultCwdEscape, Description: "CWD and CDUP let \"..\" climb above the root into the (fake) host file system",
			Breaks:  []string{"POLICY-PATH-CWD-ESCAPE"},
			install: withFakeHost(false, overrideCwdEscape)},
		Fault{Name: faultRetrEscape, Description: "RETR and SIZE resolve \"..\" above the root into the (fake) host file system, so ../../etc/passwd is served",
			Breaks: []string{"POLICY-PATH-RETR-ESCAPE"},
			install: escapeThrough(map[string]func(*session, *request){
				"RETR": (*session).cmdRETR,
				"SIZE": (*session).cmdSIZE,
			})},
		Fault{Name: faultWriteEscape, Description: "STOR, APPE, MKD and RNTO with a path that climbs above the root write into the (fake) host file system",
			Breaks: []string{"POLICY-PATH-WRITE-ESCAPE"},
			install: escapeThrough(map[string]func(*session, *request){
				"STOR": (*session).cmdSTOR,
				"APPE": (*session).cmdAPPE,
				"MKD":  (*session).cmdMKD,
				"XMKD": (*session).cmdMKD,
				"RNTO": (*session).cmdRNTO,
			})},
		Fault{Name: faultNulTruncates, Description: "a pathname is cut at its first NUL byte instead of being refused, so \"RETR name\\0.jpg\" serves name",
			Breaks:  []string{"POLICY-PATH-NUL"},
			install: func(h *hooks) { h.pathname = cutAtNUL }},
		Fault{Name: faultSymlinkEscape, Description: "the root holds a symbolic link passwd-link -> /etc/passwd and RETR follows it out of the root (into the fake host tree)",
			Breaks:  []string{"POLICY-PATH-SYMLINK"},
			install: withFakeHost(true, overrideSymlinkEscape)},
	)
	variationRegistry = append(variationRegistry,
		Variation{Name: varPortRefusal500, Description: "PORT and EPRT to another address or to a port below 1024 are refused with \"500 Illegal PORT command\" (vsftpd, ProFTPD)",
			install: func(h *hooks) {
				answerAs("PORT EPRT", codeBadArguments, textForeignAddress, codeUnknownCommand, "Illegal PORT command.")(h)
				answerAs("PORT EPRT", codeParamNotImpl, textLowPort, codeUnknownCommand, "Illegal PORT command.")(h)
			}},
		Variation{Name: varPathEscapeRefused, Description: "pathnames whose \"..\" would climb above the root are refused (501) instead of stopping at the root",
			install: func(h *hooks) { h.pathname = refuseEscape }},
		Variation{Name: varPasvForeign425, Description: "a connection to the passive port from another address fails the transfer with 425 (vsftpd)",
			install: func(h *hooks) { h.foreignPeer = failForeignPassive }},
	)
}

// fastFailForUnknown (unknown-user-fast-fail) answers a failed PASS for a
// user without an account at once.
func fastFailForUnknown(s *session, user string) time.Duration {
	if user != s.srv.User {
		return 0
	}
	return s.srv.LoginFailDelay
}

// listenInSequence (pasv-sequential-ports) makes the passive listeners of
// the server being started take the ports of the range in turn.
func listenInSequence(h *hooks) {
	var next atomic.Int64
	h.pasvListen = func(s *session, lo, hi int) (net.Listener, error) {
		return s.listenInRange(lo, hi, int(next.Add(1)-1)%(hi-lo+1))
	}
}

// failForeignPassive (pasv-foreign-425) lets a connection to the passive
// port from another address fail the transfer instead of waiting for the
// client: the listener closes and take finds no connection.
func failForeignPassive(s *session, pl *passiveListener) bool {
	pl.mu.Lock()
	if !pl.closed {
		pl.closed = true
		close(pl.ready)
	}
	pl.mu.Unlock()
	pl.ln.Close()
	return false
}

// cutAtNUL (nul-truncates) cuts a pathname argument at its first NUL.
func cutAtNUL(_ *session, arg string) (string, bool) {
	arg, _, _ = strings.Cut(arg, "\x00")
	return arg, true
}

// refuseEscape (path-escape-refused) refuses, besides a NUL byte, a
// pathname whose ".." would climb above "/" at some point, taken from the
// working directory.
func refuseEscape(s *session, arg string) (string, bool) {
	if strings.IndexByte(arg, 0) >= 0 {
		return "", false
	}
	depth := 0
	if !strings.HasPrefix(arg, "/") {
		depth = strings.Count(strings.Trim(s.cwd, "/"), "/") + 1
		if s.cwd == "/" {
			depth = 0
		}
	}
	for _, seg := range strings.Split(arg, "/") {
		switch seg {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return "", false
			}
		default:
			depth++
		}
	}
	return arg, true
}

// --- active mode -----------------------------------------------------------

// activeArg parses the argument of PORT or EPRT without any policy.
func activeArg(r *request) (ip net.IP, port int, proto string, ok bool) {
	if r.verb == "PORT" {
		ip, port, ok = parsePORT(r.arg)
		return ip, port, "1", ok
	}
	arg := r.arg
	if arg == "" || arg[0] < 33 || arg[0] > 126 {
		return nil, 0, "", false
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return nil, 0, "", false
	}
	ip = net.ParseIP(f[2])
	port, err := strconv.Atoi(f[3])
	if ip == nil || err != nil || !isDigits(f[3]) || port < 1 || port > 65535 {
		return nil, 0, "", false
	}
	return ip, port, f[1], true
}

// acceptActive records an active-mode target without the RFC 2577 checks.
func (s *session) acceptActive(ip net.IP, port int, verb string) {
	s.closeData()
	s.data = &dataSetting{active: &net.TCPAddr{IP: ip, Port: port}}
	s.reply(codeOK, verb+" command successful.")
}

func isActiveVerb(s *session, r *request) bool {
	return s.loggedIn && !s.epsvAll && (r.verb == "PORT" || r.verb == "EPRT")
}

func overrideBounce(s *session, r *request) bool {
	if !isActiveVerb(s, r) {
		return false
	}
	ip, port, proto, ok := activeArg(r)
	if !ok || proto != strconv.Itoa(s.family()) || ip.Equal(s.remote.IP) || port < 1024 {
		return false
	}
	s.acceptActive(ip, port, r.verb)
	return true
}

func overrideLowPort(s *session, r *request) bool {
	if !isActiveVerb(s, r) {
		return false
	}
	ip, port, proto, ok := activeArg(r)
	if !ok || proto != strconv.Itoa(s.family()) || !ip.Equal(s.remote.IP) || port >= 1024 {
		return false
	}
	s.acceptActive(ip, port, r.verb)
	return true
}

func overrideEprtOtherFamily(s *session, r *request) bool {
	if !isActiveVerb(s, r) || r.verb != "EPRT" {
		return false
	}
	ip, port, proto, ok := activeArg(r)
	if !ok || proto == strconv.Itoa(s.family()) || (proto == "1") != (ip.To4() != nil) {
		return false
	}
	s.acceptActive(ip, port, r.verb)
	return true
}

// --- login -----------------------------------------------------------------

func overrideUnknownUser530(s *session, r *request) bool {
	if r.verb != "USER" || r.arg == "" || r.arg == s.srv.User {
		return false
	}
	s.loggedIn = false
	s.user = ""
	s.reply(codeNotLoggedIn, "Unknown user "+printable(r.arg)+".")
	return true
}

func overrideUnknownUserPass(s *session, r *request) bool {
	if r.verb != "PASS" || s.loggedIn || r.prev.kind != seqUser || r.prev.user == s.srv.User || !r.hasArg {
		return false
	}
	if s.sleep(s.failDelay(r.prev.user)) {
		s.reply(codeFileUnavailable, "No such user.")
	}
	return true
}

func overrideAnonymousWrite(s *session, r *request) bool {
	if r.verb != "PASS" || s.loggedIn || r.prev.kind != seqUser || !strings.EqualFold(r.prev.user, "anonymous") {
		return false
	}
	s.loggedIn = true
	s.user = "anonymous"
	s.cwd = "/"
	s.reply(codeLoggedIn, "Anonymous user logged in.")
	return true
}

// --- dangerous features ----------------------------------------------------

func overrideSiteExec(s *session, r *request) bool {
	sub, rest, _ := strings.Cut(r.arg, " ")
	if r.verb != "SITE" || !s.loggedIn || !strings.EqualFold(sub, "EXEC") {
		return false
	}
	if strings.TrimSpace(rest) == "" {
		s.reply(codeBadArguments, "SITE EXEC needs a command.")
		return true
	}
	s.replyMulti(codeOK, "Output of "+printable(rest)+":", []string{" uid=101(ftp) gid=101(ftp) groups=101(ftp)"}, "End of output.", false)
	return true
}

// --- escapes from the root -------------------------------------------------

// fakeHost is the fake host file system of an escape fault, made in the
// root of the server being started on first use.
type fakeHost struct {
	once    sync.Once
	symlink bool // add the link fixture of symlink-escape
}

// withFakeHost returns an install function for the override fn of an
// escape fault, with a fake host of its own.
func withFakeHost(symlink bool, fn func(host *fakeHost, s *session, r *request) bool) func(*hooks) {
	return func(h *hooks) {
		host := &fakeHost{symlink: symlink}
		h.override = append(h.override, func(s *session, r *request) bool { return fn(host, s, r) })
	}
}

// ensure creates the fake host tree (and the link fixture) once.
func (h *fakeHost) ensure(s *session) {
	h.once.Do(func() {
		root := s.srv.root
		for _, d := range fakeHostDirs {
			if err := root.MkdirAll(rootRel(path.Join(fakeHostDir, d)), 0o755); err != nil {
				s.logf("fake host: %v", err)
			}
		}
		if err := root.WriteFile(rootRel(fakeHostDir+"/etc/passwd"), []byte(fakePasswd), 0o644); err != nil {
			s.logf("fake host: %v", err)
		}
		if h.symlink {
			// The link's target lies outside the root; os.Root never
			// follows it, only the fault does (into the fake tree).
			_ = root.Symlink("/etc/passwd", symlinkFixture)
		}
	})
}

// inFakeHost reports whether a virtual path lies in the fake host tree.
func inFakeHost(vpath string) bool {
	return vpath == fakeHostDir || strings.HasPrefix(vpath, fakeHostDir+"/")
}

// escapedPath is how a server that lets ".." climb above its root would
// resolve a relative arg: the root is fakeRootHost on the host, and host
// paths outside it are mapped onto the fake host tree. ok is false when the
// result is the same as the correct resolution.
func (h *fakeHost) escapedPath(s *session, arg string) (string, bool) {
	if arg == "" || strings.HasPrefix(arg, "/") || strings.IndexByte(arg, 0) >= 0 {
		return "", false
	}
	hostCwd, inFake := fakeRootHost+s.cwd, false
	if inFakeHost(s.cwd) {
		hostCwd, inFake = "/"+strings.TrimPrefix(strings.TrimPrefix(s.cwd, fakeHostDir), "/"), true
	}
	host := path.Join(hostCwd, arg)
	if host == fakeRootHost || strings.HasPrefix(host, fakeRootHost+"/") {
		if !inFake {
			return "", false
		}
		return path.Clean("/" + strings.TrimPrefix(host, fakeRootHost)), true
	}
	h.ensure(s)
	return path.Join(fakeHostDir, host), true
}

// withArg runs a command handler with another argument.
func (s *session) withArg(r *request, arg string, fn func(*session, *request)) bool {
	r2 := *r
	r2.arg, r2.hasArg = arg, true
	fn(s, &r2)
	return true
}

// escapeThrough returns an install function for an escape fault: a
// logged-in command of handlers whose pathname climbs out of the root runs
// its handler on the fake host tree.
func escapeThrough(handlers map[string]func(*session, *request)) func(*hooks) {
	return withFakeHost(false, func(host *fakeHost, s *session, r *request) bool {
		fn, ok := handlers[r.verb]
		if !ok || !s.loggedIn {
			return false
		}
		p, ok := host.escapedPath(s, r.arg)
		if !ok {
			return false
		}
		return s.withArg(r, p, fn)
	})
}

func overrideCwdEscape(host *fakeHost, s *session, r *request) bool {
	if !s.loggedIn {
		return false
	}
	arg := r.arg
	switch r.verb {
	case "CWD", "XCWD":
	case "CDUP", "XCUP":
		if r.hasArg {
			return false
		}
		arg = ".."
	default:
		return false
	}
	p, ok := host.escapedPath(s, arg)
	if !ok {
		return false
	}
	return s.withArg(r, p, (*session).cmdCWD)
}

func overrideSymlinkEscape(host *fakeHost, s *session, r *request) bool {
	host.ensure(s)
	if !s.loggedIn || r.verb != "RETR" {
		return false
	}
	p, err := s.resolve(r.arg)
	if err != nil {
		return false
	}
	target, err := s.srv.root.Readlink(rootRel(p))
	if err != nil || !strings.HasPrefix(target, "/") {
		return false
	}
	return s.withArg(r, path.Join(fakeHostDir, target), (*session).cmdRETR)
}
