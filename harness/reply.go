package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reply is one server reply, parsed once from the wire (RFC 959 §4.2).
//
// A single-line reply is
//
//	226 Transfer complete\r\n
//
// and a multi-line reply is
//
//	211-Features:\r\n
//	 SIZE\r\n
//	211 End\r\n
//
// Lines holds every line as received, without its line terminator; Raw holds
// the exact bytes. Deviations from the grammar are listed in Violations.
type Reply struct {
	Code       int
	Lines      []string
	Raw        []byte
	Violations []Violation
	Received   time.Time
}

// ViolationKind names one way a reply can deviate from RFC 959 §4.2.
type ViolationKind string

// The reply-format violations the reader detects.
const (
	// BareLF: a line ended with LF alone instead of CRLF (RFC 959 §4.2).
	BareLF ViolationKind = "bare-lf"
	// StrayCR: a CR inside a line, not followed by LF.
	StrayCR ViolationKind = "stray-cr"
	// ShortCode: fewer than three digits before the separator.
	ShortCode ViolationKind = "short-code"
	// NonNumericCode: the line does not start with a digit at all.
	NonNumericCode ViolationKind = "non-numeric-code"
	// BadFirstDigit: the first digit is not 1-5 (6 is legal only for RFC
	// 2228 protected replies, which the checks judge themselves).
	BadFirstDigit ViolationKind = "first-digit"
	// NoSeparator: the code is followed by something other than SP or "-".
	NoSeparator ViolationKind = "no-separator"
	// NoText: the code is followed directly by the line end. RFC 959 wants
	// "SP text"; RFC 3659 and 2640 grammars make the text optional.
	NoText ViolationKind = "no-text"
	// MLDashEnd: a multi-line reply whose last line is "xyz-..." instead of
	// "xyz ..." (detected when nothing follows it).
	MLDashEnd ViolationKind = "ml-dash-end"
	// MLWrongEndCode: a multi-line reply that ends with a line carrying
	// another code than its first line (detected when nothing follows it).
	MLWrongEndCode ViolationKind = "ml-end-code"
	// MLUnterminated: a multi-line reply without its closing line before
	// the connection closed or the reply timed out.
	MLUnterminated ViolationKind = "ml-unterminated"
)

// Violation is one reply-format deviation.
type Violation struct {
	Kind   ViolationKind
	Line   int // index into Reply.Lines
	Detail string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (line %d): %s", v.Kind, v.Line+1, v.Detail)
}

// Text returns the text of the first line after the code and its separator.
func (r *Reply) Text() string {
	if r == nil || len(r.Lines) == 0 {
		return ""
	}
	return lineText(r.Lines[0])
}

// Message returns every line's text joined with "\n", with the codes of
// the first and last lines removed. Intermediate lines are kept verbatim.
func (r *Reply) Message() string {
	if r == nil || len(r.Lines) == 0 {
		return ""
	}
	parts := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		if i == 0 || i == len(r.Lines)-1 {
			parts[i] = lineText(l)
		} else {
			parts[i] = l
		}
	}
	return strings.Join(parts, "\n")
}

// Multiline reports whether the reply spans more than one line.
func (r *Reply) Multiline() bool { return r != nil && len(r.Lines) > 1 }

// Has reports whether the reply carries a violation of the given kind.
func (r *Reply) Has(kind ViolationKind) bool {
	if r == nil {
		return false
	}
	for _, v := range r.Violations {
		if v.Kind == kind {
			return true
		}
	}
	return false
}

// Inner returns the intermediate lines of a multi-line reply: everything
// between the first and the last line.
func (r *Reply) Inner() []string {
	if r == nil || len(r.Lines) < 3 {
		return nil
	}
	return r.Lines[1 : len(r.Lines)-1]
}

// String shows the reply the way failure messages quote it:
// `226 "Transfer complete"`, with " (+N lines)" for multi-line replies.
func (r *Reply) String() string {
	if r == nil {
		return "no reply"
	}
	if len(r.Lines) == 0 {
		return fmt.Sprintf("%d", r.Code)
	}
	// %q alone escapes control bytes, C1 controls and invalid UTF-8;
	// quoting Printable's output would escape its backslashes a second time.
	s := fmt.Sprintf("%d %q", r.Code, lineText(r.Lines[0]))
	if n := len(r.Lines) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d lines)", n)
	}
	return s
}

// ReplyChain renders the replies of one exchange in order, nil ones left
// out: `150 "Opening." then 226 "Done."`, or "no reply".
func ReplyChain(rs ...*Reply) string {
	var parts []string
	for _, r := range rs {
		if r != nil {
			parts = append(parts, r.String())
		}
	}
	if len(parts) == 0 {
		return "no reply"
	}
	return strings.Join(parts, " then ")
}

// lineText strips the code and separator from a reply line.
func lineText(line string) string {
	i := 0
	for i < len(line) && i < 3 && isDigit(line[i]) {
		i++
	}
	if i < len(line) && (line[i] == ' ' || line[i] == '-') {
		i++
	}
	return line[i:]
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Printable replaces control bytes (C0, DEL and C1) and invalid UTF-8 with
// Go escapes so a hostile reply cannot garble a terminal or a report.
func Printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, c)
			i++
			continue
		}
		if r >= 0x80 && r <= 0x9f { // C1 controls (U+009B is CSI)
			fmt.Fprintf(&b, `\u%04x`, r)
			i += size
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// ProtocolError reports framing that could not be recovered: no reply in
// time, the connection closed, an endless line or reply. Partial holds
// whatever was read before the failure (it may be nil).
type ProtocolError struct {
	Msg     string
	Partial *Reply
	Err     error
}

func (e *ProtocolError) Error() string {
	s := e.Msg
	if e.Partial != nil && len(e.Partial.Lines) > 0 {
		s += fmt.Sprintf(" (after %d line(s), last %q)", len(e.Partial.Lines), e.Partial.Lines[len(e.Partial.Lines)-1])
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a deadline expiry.
func (e *ProtocolError) Timeout() bool { return IsTimeout(e.Err) }

// ReplyError is a well-formed reply whose code the caller did not expect.
// It keeps the code, like net/textproto.Error.
type ReplyError struct {
	Cmd      string // the command, with secrets masked
	Expected []int
	Reply    *Reply
}

func (e *ReplyError) Error() string {
	prefix := ""
	if e.Cmd != "" {
		prefix = e.Cmd + ": "
	}
	return fmt.Sprintf("%sexpected one of %s; got %s", prefix, Codes(e.Expected), e.Reply)
}

// Code returns the unexpected reply code.
func (e *ReplyError) Code() int { return e.Reply.Code }

// IsTimeout reports whether err is a deadline that passed: a network
// deadline (os.ErrDeadlineExceeded) or any net.Error that timed out,
// context.DeadlineExceeded included, however deeply wrapped.
func IsTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Limits bound what the reader accepts from a server.
type Limits struct {
	MaxLine  int           // bytes in one line, terminator included (default 16 KiB)
	MaxLines int           // lines in one reply (default 10000)
	MaxReply int           // bytes in one reply (default 1 MiB)
	Settle   time.Duration // quiet time after a line that looks like a malformed terminator before the reply is taken as ended (default 500ms)
}

func (l Limits) withDefaults() Limits {
	if l.MaxLine <= 0 {
		l.MaxLine = 16 << 10
	}
	if l.MaxLines <= 0 {
		l.MaxLines = 10000
	}
	if l.MaxReply <= 0 {
		l.MaxReply = 1 << 20
	}
	if l.Settle <= 0 {
		l.Settle = 500 * time.Millisecond
	}
	return l
}

// DeadlineReader is the part of net.Conn the reply reader needs.
type DeadlineReader interface {
	io.Reader
	SetReadDeadline(time.Time) error
}

// Reader reads replies from a control connection.
type Reader struct {
	src    DeadlineReader
	br     *bufio.Reader
	limits Limits
	// OnLine, if set, is called with every raw line received (terminator
	// included), for the transcript.
	OnLine func(raw []byte)
}

// NewReader returns a reply reader on src.
func NewReader(src DeadlineReader, limits Limits) *Reader {
	return &Reader{src: src, br: bufio.NewReaderSize(src, 4096), limits: limits.withDefaults()}
}

// Buffered reports how many received bytes wait in the reader.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadReply reads one complete reply; every read ends by deadline.
//
// The reader follows RFC 959 §4.2: a line "xyz SP" (or "xyz" alone, noted
// as NoText) ends a single-line reply; "xyz-" opens a multi-line reply that
// ends at the first later line starting with the same "xyz" followed by SP
// or the line end. Intermediate lines are opaque: they may start with other
// digits or with "xyz-". When an intermediate line looks like a botched
// terminator (another code followed by SP, or "xyz-") and nothing follows
// within Limits.Settle, the reply is taken as ended and the deviation
// recorded, so a malformed end costs a short pause rather than a timeout.
func (r *Reader) ReadReply(deadline time.Time) (*Reply, error) {
	rep := &Reply{}
	first, err := r.readLine(rep, deadline)
	if err != nil {
		if len(rep.Raw) == 0 {
			rep = nil
		}
		return nil, r.fail(err, rep, "reading reply")
	}
	code, sep := parseFirstLine(rep, first)
	rep.Code = code
	if sep != '-' {
		rep.Received = time.Now()
		return rep, nil
	}
	prefix := first[:3]
	for {
		if len(rep.Lines) >= r.limits.MaxLines {
			return nil, &ProtocolError{Msg: fmt.Sprintf("multi-line reply longer than %d lines", r.limits.MaxLines), Partial: rep}
		}
		line, err := r.readLine(rep, deadline)
		if err != nil {
			rep.Violations = append(rep.Violations, Violation{Kind: MLUnterminated, Line: len(rep.Lines) - 1,
				Detail: fmt.Sprintf("multi-line reply %s never reached a closing %q line", prefix, prefix+" ")})
			return nil, r.fail(err, rep, "reading multi-line reply")
		}
		idx := len(rep.Lines) - 1
		if strings.HasPrefix(line, prefix) && (len(line) == 3 || line[3] == ' ') {
			if len(line) == 3 {
				rep.Violations = append(rep.Violations, Violation{Kind: NoText, Line: idx, Detail: "closing line has no SP and text after the code"})
			}
			rep.Received = time.Now()
			return rep, nil
		}
		suspect := ViolationKind("")
		switch {
		case strings.HasPrefix(line, prefix+"-"):
			suspect = MLDashEnd
		case len(line) >= 4 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) && line[3] == ' ':
			suspect = MLWrongEndCode
		}
		if suspect != "" && r.quiet(deadline) {
			detail := fmt.Sprintf("reply opened with %q but its last line is %q", prefix+"-", Printable(line))
			rep.Violations = append(rep.Violations, Violation{Kind: suspect, Line: idx, Detail: detail})
			rep.Received = time.Now()
			return rep, nil
		}
	}
}

// quiet reports whether no byte arrives within the settle time.
func (r *Reader) quiet(deadline time.Time) bool {
	if r.br.Buffered() > 0 {
		return false
	}
	d := time.Now().Add(r.limits.Settle)
	if !deadline.IsZero() && deadline.Before(d) {
		d = deadline
	}
	_ = r.src.SetReadDeadline(d)
	_, err := r.br.Peek(1)
	_ = r.src.SetReadDeadline(deadline)
	return err != nil
}

func (r *Reader) fail(err error, partial *Reply, what string) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		if pe.Partial == nil {
			pe.Partial = partial
		}
		return pe
	}
	msg := what + ": " + err.Error()
	switch {
	case IsTimeout(err):
		msg = "no complete reply before the deadline"
		if partial != nil {
			msg = "reply not complete before the deadline"
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "connection closed by the server"
		if partial != nil {
			msg = "connection closed by the server in the middle of a reply"
		}
	}
	return &ProtocolError{Msg: msg, Partial: partial, Err: err}
}

// readLine reads one line, records it in rep and returns it without its
// terminator. A line ending in bare LF is accepted and noted.
func (r *Reader) readLine(rep *Reply, deadline time.Time) (string, error) {
	_ = r.src.SetReadDeadline(deadline)
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > r.limits.MaxLine {
			return "", &ProtocolError{Msg: fmt.Sprintf("reply line longer than %d bytes", r.limits.MaxLine), Partial: rep}
		}
		if len(rep.Raw)+len(buf) > r.limits.MaxReply {
			return "", &ProtocolError{Msg: fmt.Sprintf("reply longer than %d bytes", r.limits.MaxReply), Partial: rep}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(buf) > 0 {
				rep.Raw = append(rep.Raw, buf...)
				rep.Lines = append(rep.Lines, strings.TrimRight(string(buf), "\r\n"))
				if r.OnLine != nil {
					r.OnLine(buf)
				}
			}
			return "", err
		}
		break
	}
	if r.OnLine != nil {
		r.OnLine(buf)
	}
	rep.Raw = append(rep.Raw, buf...)
	idx := len(rep.Lines)
	line := buf[:len(buf)-1]
	if bytes.HasSuffix(line, []byte("\r")) {
		line = line[:len(line)-1]
	} else {
		rep.Violations = append(rep.Violations, Violation{Kind: BareLF, Line: idx, Detail: "line ends with LF, not CRLF"})
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		rep.Violations = append(rep.Violations, Violation{Kind: StrayCR, Line: idx, Detail: "CR inside the line"})
	}
	s := string(line)
	rep.Lines = append(rep.Lines, s)
	return s, nil
}

// parseFirstLine reads the code and separator of a reply's first line and
// records what is wrong with them. It returns the separator byte ('-' opens
// a multi-line reply; anything else ends the reply).
func parseFirstLine(rep *Reply, line string) (int, byte) {
	n := 0
	for n < len(line) && n < 3 && isDigit(line[n]) {
		n++
	}
	code, _ := strconv.Atoi(line[:n])
	switch {
	case n == 0:
		rep.Violations = append(rep.Violations, Violation{Kind: NonNumericCode, Detail: fmt.Sprintf("line %q does not start with a reply code", Printable(line))})
		return 0, 0
	case n < 3:
		rep.Violations = append(rep.Violations, Violation{Kind: ShortCode, Detail: fmt.Sprintf("code %q has %d digit(s), not 3", line[:n], n)})
		return code, 0
	}
	if d := line[0]; d < '1' || d > '5' {
		rep.Violations = append(rep.Violations, Violation{Kind: BadFirstDigit, Detail: fmt.Sprintf("code %d: the first digit must be 1-5", code)})
	}
	if len(line) == 3 {
		rep.Violations = append(rep.Violations, Violation{Kind: NoText, Detail: "no SP and text after the code"})
		return code, 0
	}
	switch sep := line[3]; sep {
	case ' ', '-':
		return code, sep
	default:
		rep.Violations = append(rep.Violations, Violation{Kind: NoSeparator, Detail: fmt.Sprintf("code %d is followed by %q instead of SP or \"-\"", code, string(sep))})
		return code, 0
	}
}
