package script

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
)

// sourceKind is where the bytes of a SOURCE come from.
type sourceKind string

const (
	srcInline  sourceKind = "inline"
	srcFixture sourceKind = "fixture"
	srcRandom  sourceKind = "random"
	srcBuffer  sourceKind = "buffer"
)

// source is SOURCE: inline "...", fixture PATH, random N or buffer NAME,
// with an optional "from OFFSET".
type source struct {
	kind sourceKind
	data []byte // inline, fixture: read at parse time
	path string // fixture
	n    int64  // random
	name string // buffer
	from int64  // -1: the whole of it
}

// String shows the source the way the file writes it, for messages.
func (s *source) String() string {
	var b strings.Builder
	b.WriteString(string(s.kind))
	b.WriteByte(' ')
	switch s.kind {
	case srcInline:
		b.WriteString(clipQuote(string(s.data), 40))
	case srcFixture:
		b.WriteString(s.path)
	case srcRandom:
		b.WriteString(strconv.FormatInt(s.n, 10))
	case srcBuffer:
		b.WriteString(s.name)
	}
	if s.from >= 0 {
		fmt.Fprintf(&b, " from %d", s.from)
	}
	return b.String()
}

// parseSource reads SOURCE [from OFFSET]; fixture reads the bytes of a
// fixture path.
func parseSource(sc *scanner, fixture func(path string) ([]byte, error)) (*source, error) {
	kind := sc.word()
	src := &source{kind: sourceKind(kind), from: -1}
	switch src.kind {
	case "":
		return nil, errors.New(`missing source (inline "...", fixture PATH, random N or buffer NAME)`)
	case srcInline:
		v, err := sc.quoted()
		if err != nil {
			return nil, fmt.Errorf("inline: %v", err)
		}
		src.data = []byte(v)
	case srcFixture:
		p := sc.word()
		if p == "" {
			return nil, errors.New("fixture: missing path")
		}
		data, err := fixture(p)
		if err != nil {
			return nil, err
		}
		src.path, src.data = p, data
	case srcRandom:
		w := sc.word()
		n, err := parseCount(w, harness.MaxDownload)
		if err != nil {
			return nil, fmt.Errorf("random: %v", err)
		}
		src.n = n
	case srcBuffer:
		name := sc.word()
		if !nameGrammar.MatchString(name) {
			return nil, fmt.Errorf("buffer: bad buffer name %q (a lower-case letter, then lower-case letters, digits and _)", name)
		}
		src.name = name
	default:
		return nil, fmt.Errorf(`unknown source %q (want inline "...", fixture PATH, random N or buffer NAME)`, kind)
	}
	if sc.peek() == "from" {
		sc.word()
		off, err := parseCount(sc.word(), harness.MaxDownload)
		if err != nil {
			return nil, fmt.Errorf("from: %v", err)
		}
		if n := src.staticLen(); n >= 0 && off > n {
			return nil, fmt.Errorf("from %d is past the end of %s (%d bytes)", off, src.kindWord(), n)
		}
		src.from = off
	}
	return src, nil
}

// kindWord names the source without its offset.
func (s *source) kindWord() string {
	c := *s
	c.from = -1
	return c.String()
}

// staticLen is the length of the whole source when it is known before the
// run, else -1 (a buffer).
func (s *source) staticLen() int64 {
	switch s.kind {
	case srcInline, srcFixture:
		return int64(len(s.data))
	case srcRandom:
		return s.n
	}
	return -1
}

// readFixture reads p from fixtures, at most harness.MaxDownload bytes
// (256 MiB), the bound of every source and download.
func readFixture(fixtures fs.FS, p string) ([]byte, error) {
	if fixtures == nil {
		return nil, fmt.Errorf("fixture %s: no fixture directory is available to this script", p)
	}
	if !fs.ValidPath(p) || p == "." {
		return nil, fmt.Errorf("fixture %s: a fixture path is relative to the script's directory and stays inside it (no leading /, no ..)", p)
	}
	f, err := fixtures.Open(p)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %v", p, fsErrText(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("fixture %s: is a directory", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, harness.MaxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %v", p, fsErrText(err))
	}
	if len(data) > harness.MaxDownload {
		return nil, fmt.Errorf("fixture %s: larger than %d bytes", p, harness.MaxDownload)
	}
	return data, nil
}

// fsErrText says what went wrong without repeating the path.
func fsErrText(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fs.ErrNotExist.Error() // the same words on every system
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseCount parses a non-negative decimal number no larger than max.
func parseCount(w string, max int64) (int64, error) {
	if w == "" {
		return 0, errors.New("missing number")
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", w)
		}
	}
	n, err := strconv.ParseInt(w, 10, 64)
	if err != nil || n > max {
		return 0, fmt.Errorf("%s is larger than %d", w, max)
	}
	return n, nil
}

// randomBytes returns n pseudo-random bytes determined by the scenario's
// ID and n alone: every "random N" of one scenario is the same data, in
// every run and on every machine, so what one step uploads another can
// compare.
func randomBytes(id string, n int64) []byte {
	seed := sha256.Sum256([]byte("ftpconform script random\x00" + id + "\x00" + strconv.FormatInt(n, 10)))
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(seed).Read(b)
	return b
}
