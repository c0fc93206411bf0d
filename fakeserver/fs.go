package fakeserver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// The virtual file system: clients see Server.Root as "/" (RFC 3659 §6,
// TVFS). Virtual paths are absolute, slash-separated and clean; every access
// goes through the server's os.Root, which refuses names (and symbolic links)
// that lead outside the root.

var errBadPath = errors.New("pathname contains a NUL byte")

// resolve turns a pathname argument into a virtual path: absolute names
// start at the root, others at the working directory. ".." never climbs
// above "/" (path.Clean drops it there).
func (s *session) resolve(arg string) (string, error) {
	ok := strings.IndexByte(arg, 0) < 0
	if h := s.hooks.pathname; h != nil {
		arg, ok = h(s, arg)
	}
	if !ok {
		return "", errBadPath
	}
	p := arg
	if !strings.HasPrefix(p, "/") {
		p = s.cwd + "/" + p
	}
	return path.Clean(p), nil
}

// rootRel converts a virtual path into a name for os.Root.
func rootRel(vpath string) string {
	if vpath == "/" {
		return "."
	}
	return strings.TrimPrefix(vpath, "/")
}

// nameAllowed reports whether a new file or directory may get this virtual
// path. CR and LF are refused: such names could not be sent on a data
// connection (RFC 3659 §2.2).
func nameAllowed(vpath string) bool {
	return vpath != "/" && !strings.ContainsAny(vpath, "\r\n")
}

// quotePath renders a virtual path for the quoted part of a 257 reply:
// '"' is doubled (RFC 959 Appendix II) and CR is sent as CR NUL
// (RFC 2640 §3.1). sendLines doubles 0xFF bytes.
func quotePath(p string) string {
	p = strings.ReplaceAll(p, `"`, `""`)
	return strings.ReplaceAll(p, "\r", "\r\x00")
}

// printable replaces control characters in text the client supplied, for
// echoing it in a reply.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

func (s *session) stat(vpath string) (fs.FileInfo, error) {
	return s.srv.root.Stat(rootRel(vpath))
}

func (s *session) lstat(vpath string) (fs.FileInfo, error) {
	return s.srv.root.Lstat(rootRel(vpath))
}

// dirEntry is one line of a listing.
type dirEntry struct {
	name string
	info fs.FileInfo // from lstat
	link string      // target of a symbolic link
}

// readDir lists a directory, sorted by name. Names that cannot travel on a
// data connection (CR, LF) are left out.
func (s *session) readDir(vpath string) ([]dirEntry, error) {
	rel := rootRel(vpath)
	f, err := s.srv.root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if strings.ContainsAny(name, "\r\n") {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		e := dirEntry{name: name, info: info}
		if info.Mode()&fs.ModeSymlink != 0 {
			e.link, _ = s.srv.root.Readlink(path.Join(rel, name))
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// lsLine formats an entry like "ls -l" does:
//
//	-rw-r--r-- 1 ftp ftp          1234 Nov 24 02:53 name
func lsLine(e dirEntry, now time.Time) string {
	t := e.info.ModTime().UTC()
	stamp := t.Format("Jan _2 15:04")
	if now.Sub(t) > 182*24*time.Hour || t.Sub(now) > time.Hour {
		stamp = t.Format("Jan _2  2006")
	}
	name := e.name
	if e.link != "" {
		name += " -> " + e.link
	}
	return fmt.Sprintf("%s 1 ftp ftp %13d %s %s", lsMode(e.info.Mode()), e.info.Size(), stamp, name)
}

// lsMode renders a file mode as the ten characters of "ls -l".
func lsMode(m fs.FileMode) string {
	b := []byte("----------")
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if m&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	special := func(pos int, set bool, lower, upper byte) {
		if !set {
			return
		}
		if b[pos] == '-' {
			b[pos] = upper
		} else {
			b[pos] = lower
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b)
}

// asciiSize counts the bytes of r as a TYPE A transfer sends them: each LF
// becomes CRLF (RFC 959 §3.1.1.1, RFC 3659 §4).
func asciiSize(r io.Reader) (int64, error) {
	buf := make([]byte, 64*1024)
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		for _, b := range buf[:m] {
			if b == '\n' {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// asciiFileOffset maps an offset into the TYPE A stream of r to the offset
// into the file that produces it. ok is false when the offset lies beyond
// the end of the stream or between the CR and the LF that a file LF turns
// into.
func asciiFileOffset(r io.Reader, want int64) (off int64, ok bool, err error) {
	buf := make([]byte, 64*1024)
	var stream int64
	for {
		m, rerr := r.Read(buf)
		for _, b := range buf[:m] {
			if stream == want {
				return off, true, nil
			}
			if b == '\n' {
				if stream+1 == want {
					return 0, false, nil
				}
				stream += 2
			} else {
				stream++
			}
			off++
		}
		if rerr == io.EOF {
			return off, stream == want, nil
		}
		if rerr != nil {
			return 0, false, rerr
		}
	}
}
