package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testSettle keeps the quiet period short so malformed endings cost little.
const testSettle = 50 * time.Millisecond

// pipeReader returns a Reader on one end of a net.Pipe whose other end
// writes in with a single Write (so everything up to 4 KiB is in the
// reader's buffer after its first read) and then, if closeAfter, closes.
func pipeReader(t testing.TB, in []byte, closeAfter bool, lim Limits) *Reader {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if len(in) > 0 {
			if _, err := server.Write(in); err != nil {
				return // the test closed the pipe before reading everything
			}
		}
		if closeAfter {
			server.Close()
		}
	}()
	t.Cleanup(func() {
		client.Close()
		server.Close()
		<-done
	})
	return NewReader(client, lim)
}

// memReader is an in-memory DeadlineReader that hands out at most chunk
// bytes per Read and reports io.EOF at the end; it exercises lines split
// across reads.
type memReader struct {
	data  []byte
	chunk int
}

func (m *memReader) Read(p []byte) (int, error) {
	if len(m.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), m.chunk, len(m.data))
	copy(p, m.data[:n])
	m.data = m.data[n:]
	return n, nil
}

func (m *memReader) SetReadDeadline(time.Time) error { return nil }

// vk is a violation reduced to what the tests compare.
type vk struct {
	Kind ViolationKind
	Line int
}

func violations(r *Reply) []vk {
	if r == nil {
		return nil
	}
	var out []vk
	for _, v := range r.Violations {
		out = append(out, vk{v.Kind, v.Line})
	}
	return out
}

const sentinel = "200 sentinel\r\n"

type replyCase struct {
	name string
	in   string
	// settles: the reply ends only through the Settle quiet period (a
	// malformed last line); no sentinel reply is appended after it.
	settles    bool
	closeAfter bool
	code       int
	lines      []string
	viol       []vk
}

var replyCases = []replyCase{
	// Well-formed replies.
	{name: "single line", in: "220 Service ready for new user.\r\n",
		code: 220, lines: []string{"220 Service ready for new user."}},
	{name: "RFC 959 4.2 example with an inner line beginning with numbers",
		in:   "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n",
		code: 123, lines: []string{"123-First line", "Second line", "  234 A line beginning with numbers", "123 The last line"}},
	{name: "inner lines with other codes, xyz-, empty and four-digit lines",
		in:   "211-Status of server\r\n200 this looks like a reply\r\n211-looks like a dash end\r\n\r\n 211 indented\r\n2110 four digits\r\n211 End of status\r\n",
		code: 211, lines: []string{"211-Status of server", "200 this looks like a reply", "211-looks like a dash end", "", " 211 indented", "2110 four digits", "211 End of status"}},
	{name: "suspect lines followed by more lines are not violations",
		in:   "211-a\r\n211-b\r\n212 c\r\n211 d\r\n",
		code: 211, lines: []string{"211-a", "211-b", "212 c", "211 d"}},
	{name: "pure-ftpd four-line greeting",
		in:   "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 01:51. Server port: 2123.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
		code: 220, lines: []string{"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", "220-You are user number 1 of 50 allowed.", "220-Local time is now 01:51. Server port: 2123.", "220 You will be disconnected after 15 minutes of inactivity."}},
	{name: "bare 'xyz ' last line (SP and empty text)",
		in:   "214-The following commands are recognized:\r\n USER PASS QUIT\r\n214 \r\n",
		code: 214, lines: []string{"214-The following commands are recognized:", " USER PASS QUIT", "214 "}},
	{name: "vsftpd FEAT",
		in:   "211-Features:\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
		code: 211, lines: []string{"211-Features:", " AUTH TLS", " EPRT", " EPSV", " MDTM", " PASV", " PBSZ", " PROT", " REST STREAM", " SIZE", " TVFS", "211 End"}},
	{name: "pure-ftpd multi-line 504 to TYPE X",
		in:   "504-Unknown TYPE: X\r\n504 TYPE is now 8-bit binary\r\n",
		code: 504, lines: []string{"504-Unknown TYPE: X", "504 TYPE is now 8-bit binary"}},
	{name: "UTF-8 and NUL in the text are kept",
		in:   "257 \"/ü\x00\" created\r\n",
		code: 257, lines: []string{"257 \"/ü\x00\" created"}},
	{name: "6yz is only flagged, the reply still parses",
		in:   "631 protected\r\n",
		code: 631, lines: []string{"631 protected"}, viol: []vk{{BadFirstDigit, 0}}},

	// Violations that do not end the reply early.
	{name: "bare LF", in: "220 ready\n",
		code: 220, lines: []string{"220 ready"}, viol: []vk{{BareLF, 0}}},
	{name: "bare LF on some lines of a multi-line reply", in: "211-a\n b\r\n211 c\n",
		code: 211, lines: []string{"211-a", " b", "211 c"}, viol: []vk{{BareLF, 0}, {BareLF, 2}}},
	{name: "stray CR inside a line", in: "220 re\rady\r\n",
		code: 220, lines: []string{"220 re\rady"}, viol: []vk{{StrayCR, 0}}},
	{name: "CR CR LF", in: "220 ready\r\r\n",
		code: 220, lines: []string{"220 ready\r"}, viol: []vk{{StrayCR, 0}}},
	{name: "short code", in: "20 OK\r\n",
		code: 20, lines: []string{"20 OK"}, viol: []vk{{ShortCode, 0}}},
	{name: "non-numeric code", in: "OK ready\r\n",
		code: 0, lines: []string{"OK ready"}, viol: []vk{{NonNumericCode, 0}}},
	{name: "leading space before the code", in: " 220 ready\r\n",
		code: 0, lines: []string{" 220 ready"}, viol: []vk{{NonNumericCode, 0}}},
	{name: "empty line", in: "\r\n",
		code: 0, lines: []string{""}, viol: []vk{{NonNumericCode, 0}}},
	{name: "first digit 7", in: "700 odd\r\n",
		code: 700, lines: []string{"700 odd"}, viol: []vk{{BadFirstDigit, 0}}},
	{name: "first digit 0", in: "000 zero\r\n",
		code: 0, lines: []string{"000 zero"}, viol: []vk{{BadFirstDigit, 0}}},
	{name: "first digit 7 on a multi-line reply", in: "700-a\r\n700 b\r\n",
		code: 700, lines: []string{"700-a", "700 b"}, viol: []vk{{BadFirstDigit, 0}}},
	{name: "missing separator", in: "200OK\r\n",
		code: 200, lines: []string{"200OK"}, viol: []vk{{NoSeparator, 0}}},
	{name: "four-digit code", in: "2000 OK\r\n",
		code: 200, lines: []string{"2000 OK"}, viol: []vk{{NoSeparator, 0}}},
	{name: "no text", in: "200\r\n",
		code: 200, lines: []string{"200"}, viol: []vk{{NoText, 0}}},
	{name: "no text and bare LF", in: "200\n",
		code: 200, lines: []string{"200"}, viol: []vk{{BareLF, 0}, {NoText, 0}}},
	{name: "multi-line closing line without text", in: "211-Features:\r\n SIZE\r\n211\r\n",
		code: 211, lines: []string{"211-Features:", " SIZE", "211"}, viol: []vk{{NoText, 2}}},

	// Malformed endings: taken as the end after the quiet period.
	{name: "last line xyz- with nothing after", settles: true,
		in:   "211-Start\r\n x\r\n211-End\r\n",
		code: 211, lines: []string{"211-Start", " x", "211-End"}, viol: []vk{{MLDashEnd, 2}}},
	{name: "last line xyz- then the server closes", settles: true, closeAfter: true,
		in:   "211-Start\r\n x\r\n211-End\r\n",
		code: 211, lines: []string{"211-Start", " x", "211-End"}, viol: []vk{{MLDashEnd, 2}}},
	{name: "different end code", settles: true,
		in:   "211-Start\r\n x\r\n212 End\r\n",
		code: 211, lines: []string{"211-Start", " x", "212 End"}, viol: []vk{{MLWrongEndCode, 2}}},
	{name: "different end code with bare LF", settles: true,
		in:   "211-Start\n212 End\n",
		code: 211, lines: []string{"211-Start", "212 End"}, viol: []vk{{BareLF, 0}, {BareLF, 1}, {MLWrongEndCode, 1}}},
}

func checkReply(t *testing.T, got *Reply, code int, lines []string, viol []vk, raw string) {
	t.Helper()
	if got == nil {
		t.Fatal("nil reply")
	}
	if got.Code != code {
		t.Errorf("Code = %d, want %d", got.Code, code)
	}
	if !reflect.DeepEqual(got.Lines, lines) {
		t.Errorf("Lines = %q, want %q", got.Lines, lines)
	}
	if g := violations(got); !reflect.DeepEqual(g, viol) {
		t.Errorf("Violations = %v, want %v (%v)", g, viol, got.Violations)
	}
	if string(got.Raw) != raw {
		t.Errorf("Raw = %q, want %q", got.Raw, raw)
	}
	if got.Received.IsZero() {
		t.Error("Received not set")
	}
}

// TestReadReplyPipe feeds each case through a net.Pipe; when the reply is
// framed properly the next reply must be read intact as well.
func TestReadReplyPipe(t *testing.T) {
	for _, tc := range replyCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			// A long settle time shows that well-framed replies never
			// wait for it.
			settle := 3 * time.Second
			if !tc.settles {
				in += sentinel
			} else {
				settle = testSettle
			}
			rd := pipeReader(t, []byte(in), tc.closeAfter, Limits{Settle: settle})
			start := time.Now()
			got, err := rd.ReadReply(time.Now().Add(10 * time.Second))
			if err != nil {
				t.Fatalf("ReadReply: %v", err)
			}
			checkReply(t, got, tc.code, tc.lines, tc.viol, tc.in)
			if !tc.settles {
				if el := time.Since(start); el >= settle {
					t.Errorf("a well-framed reply took %s, as long as the settle time", el)
				}
				next, err := rd.ReadReply(time.Now().Add(5 * time.Second))
				if err != nil {
					t.Fatalf("reading the reply after it: %v", err)
				}
				checkReply(t, next, 200, []string{"200 sentinel"}, nil, sentinel)
			}
		})
	}
}

// TestReadReplyByteAtATime feeds the same cases one byte per Read (and in
// 3-byte chunks), so CR and LF, code and separator arrive in separate reads.
func TestReadReplyByteAtATime(t *testing.T) {
	for _, chunk := range []int{1, 3} {
		for _, tc := range replyCases {
			t.Run(fmt.Sprintf("%d/%s", chunk, tc.name), func(t *testing.T) {
				in := tc.in
				if !tc.settles {
					in += sentinel
				}
				rd := NewReader(&memReader{data: []byte(in), chunk: chunk}, Limits{Settle: testSettle})
				got, err := rd.ReadReply(time.Now().Add(5 * time.Second))
				if err != nil {
					t.Fatalf("ReadReply: %v", err)
				}
				checkReply(t, got, tc.code, tc.lines, tc.viol, tc.in)
				if !tc.settles {
					next, err := rd.ReadReply(time.Now().Add(5 * time.Second))
					if err != nil {
						t.Fatalf("reading the reply after it: %v", err)
					}
					checkReply(t, next, 200, []string{"200 sentinel"}, nil, sentinel)
				}
			})
		}
	}
}

func TestReadReplySettleWaitsOnlyOnSuspectLines(t *testing.T) {
	// A malformed end costs the settle time, not the reply timeout.
	rd := pipeReader(t, []byte("211-Start\r\n211-End\r\n"), false, Limits{Settle: testSettle})
	start := time.Now()
	r, err := rd.ReadReply(time.Now().Add(10 * time.Second))
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has(MLDashEnd) {
		t.Errorf("violations %v, want ml-dash-end", r.Violations)
	}
	if el < testSettle || el > 3*time.Second {
		t.Errorf("took %s, want about the settle time %s", el, testSettle)
	}
}

func TestReadReplySettleCappedByDeadline(t *testing.T) {
	rd := pipeReader(t, []byte("211-Start\r\n211-End\r\n"), false, Limits{Settle: time.Hour})
	start := time.Now()
	r, err := rd.ReadReply(time.Now().Add(100 * time.Millisecond))
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s with a 100ms deadline", el)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !r.Has(MLDashEnd) {
		t.Errorf("violations %v, want ml-dash-end", r.Violations)
	}
}

func TestReadReplyLongLineWithinLimit(t *testing.T) {
	// Longer than the 4 KiB read buffer, shorter than MaxLine.
	text := strings.Repeat("x", 10000)
	in := "211-" + text + "\r\n " + text + "\r\n211 end\r\n"
	rd := pipeReader(t, []byte(in+sentinel), false, Limits{Settle: testSettle})
	r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	checkReply(t, r, 211, []string{"211-" + text, " " + text, "211 end"}, nil, in)
	next, err := rd.ReadReply(time.Now().Add(5 * time.Second))
	if err != nil || next.Code != 200 {
		t.Fatalf("next reply: %v, %v", next, err)
	}
}

func asProtocolError(t *testing.T, err error) *ProtocolError {
	t.Helper()
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want *ProtocolError", err, err)
	}
	return pe
}

func TestReadReplyLimits(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name         string
		in           string
		lim          Limits
		msg          string
		partialLines []string
	}{
		{"first line too long", "220 " + long + "\r\n", Limits{MaxLine: 64},
			"reply line longer than 64 bytes", nil},
		{"first line too long and unterminated", "220 " + strings.Repeat("y", 20000), Limits{MaxLine: 4096},
			"reply line longer than 4096 bytes", nil},
		{"inner line too long", "211-ok\r\n " + long + "\r\n211 end\r\n", Limits{MaxLine: 64},
			"reply line longer than 64 bytes", []string{"211-ok"}},
		{"too many lines", "211-a\r\n b\r\n c\r\n d\r\n e\r\n f\r\n211 end\r\n", Limits{MaxLines: 4},
			"multi-line reply longer than 4 lines", []string{"211-a", " b", " c", " d"}},
		{"reply too big", "211-" + strings.Repeat("0123456789\r\n", 20) + "211 end\r\n", Limits{MaxReply: 64},
			"reply longer than 64 bytes", []string{"211-0123456789", "0123456789", "0123456789", "0123456789", "0123456789"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.lim.Settle = testSettle
			rd := pipeReader(t, []byte(tc.in), false, tc.lim)
			r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
			if r != nil {
				t.Errorf("got reply %v with the error", r)
			}
			pe := asProtocolError(t, err)
			if pe.Msg != tc.msg {
				t.Errorf("Msg = %q, want %q", pe.Msg, tc.msg)
			}
			if pe.Timeout() {
				t.Error("Timeout() = true for a limit")
			}
			if pe.Partial == nil {
				t.Fatal("Partial is nil")
			}
			if len(pe.Partial.Lines) != len(tc.partialLines) || (len(tc.partialLines) > 0 && !reflect.DeepEqual(pe.Partial.Lines, tc.partialLines)) {
				t.Errorf("Partial.Lines = %q, want %q", pe.Partial.Lines, tc.partialLines)
			}
			if !strings.HasPrefix(tc.in, string(pe.Partial.Raw)) {
				t.Errorf("Partial.Raw %q is not a prefix of the input", pe.Partial.Raw)
			}
			if tc.lim.MaxReply > 0 && len(pe.Partial.Raw) > tc.lim.MaxReply {
				t.Errorf("kept %d bytes, over MaxReply %d", len(pe.Partial.Raw), tc.lim.MaxReply)
			}
		})
	}
}

func TestReadReplyExactlyAtLimits(t *testing.T) {
	in := "211-a\r\n b\r\n c\r\n211 d\r\n" // 4 lines, 24 bytes; longest line 7 bytes
	rd := pipeReader(t, []byte(in), false, Limits{MaxLines: 4, MaxReply: len(in), MaxLine: 7, Settle: testSettle})
	r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lines) != 4 {
		t.Errorf("Lines = %q", r.Lines)
	}
}

func TestReadReplyTimeout(t *testing.T) {
	t.Run("nothing sent", func(t *testing.T) {
		rd := pipeReader(t, nil, false, Limits{Settle: testSettle})
		start := time.Now()
		r, err := rd.ReadReply(time.Now().Add(100 * time.Millisecond))
		el := time.Since(start)
		if r != nil {
			t.Errorf("reply %v", r)
		}
		pe := asProtocolError(t, err)
		if !pe.Timeout() {
			t.Errorf("Timeout() = false for %v", err)
		}
		if pe.Msg != "no complete reply before the deadline" {
			t.Errorf("Msg = %q", pe.Msg)
		}
		if pe.Partial != nil {
			t.Errorf("Partial = %v, want nil", pe.Partial)
		}
		if el < 100*time.Millisecond || el > 3*time.Second {
			t.Errorf("returned after %s, want about 100ms", el)
		}
	})
	t.Run("half a line", func(t *testing.T) {
		rd := pipeReader(t, []byte("220 hel"), false, Limits{Settle: testSettle})
		_, err := rd.ReadReply(time.Now().Add(100 * time.Millisecond))
		pe := asProtocolError(t, err)
		if !pe.Timeout() || pe.Msg != "reply not complete before the deadline" {
			t.Errorf("got %q, timeout %v", pe.Msg, pe.Timeout())
		}
		if pe.Partial == nil || !reflect.DeepEqual(pe.Partial.Lines, []string{"220 hel"}) {
			t.Errorf("Partial = %#v", pe.Partial)
		}
	})
	t.Run("unterminated multi-line reply", func(t *testing.T) {
		rd := pipeReader(t, []byte("211-Features:\r\n SIZE\r\n"), false, Limits{Settle: testSettle})
		_, err := rd.ReadReply(time.Now().Add(100 * time.Millisecond))
		pe := asProtocolError(t, err)
		if !pe.Timeout() {
			t.Errorf("Timeout() = false: %v", err)
		}
		if pe.Partial == nil || !pe.Partial.Has(MLUnterminated) {
			t.Fatalf("Partial %#v lacks ml-unterminated", pe.Partial)
		}
		if !reflect.DeepEqual(pe.Partial.Lines, []string{"211-Features:", " SIZE"}) {
			t.Errorf("Partial.Lines = %q", pe.Partial.Lines)
		}
		if want := `reply not complete before the deadline (after 2 line(s), last " SIZE")`; err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
	})
}

func TestReadReplyEOF(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		msg          string
		partialLines []string
		unterminated bool
	}{
		{"nothing", "", "connection closed by the server", nil, false},
		{"half a line", "220 hel", "connection closed by the server in the middle of a reply", []string{"220 hel"}, false},
		{"half a line ending in CR", "220 hello\r", "connection closed by the server in the middle of a reply", []string{"220 hello"}, false},
		{"mid multi-line reply", "211-a\r\n b\r\n", "connection closed by the server in the middle of a reply", []string{"211-a", " b"}, true},
		{"mid last line", "211-a\r\n b\r\n211 en", "connection closed by the server in the middle of a reply", []string{"211-a", " b", "211 en"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := pipeReader(t, []byte(tc.in), true, Limits{Settle: testSettle})
			r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
			if r != nil {
				t.Errorf("reply %v", r)
			}
			pe := asProtocolError(t, err)
			if pe.Msg != tc.msg {
				t.Errorf("Msg = %q, want %q", pe.Msg, tc.msg)
			}
			if !errors.Is(err, io.EOF) {
				t.Errorf("errors.Is(err, io.EOF) = false: %v", pe.Err)
			}
			if pe.Timeout() {
				t.Error("Timeout() = true at EOF")
			}
			if tc.partialLines == nil {
				if pe.Partial != nil {
					t.Errorf("Partial = %#v, want nil", pe.Partial)
				}
				return
			}
			if pe.Partial == nil || !reflect.DeepEqual(pe.Partial.Lines, tc.partialLines) {
				t.Fatalf("Partial = %#v, want lines %q", pe.Partial, tc.partialLines)
			}
			if string(pe.Partial.Raw) != tc.in {
				t.Errorf("Partial.Raw = %q, want %q", pe.Partial.Raw, tc.in)
			}
			if pe.Partial.Has(MLUnterminated) != tc.unterminated {
				t.Errorf("ml-unterminated = %v, want %v", pe.Partial.Has(MLUnterminated), tc.unterminated)
			}
		})
	}
}

func TestReaderOnLineAndBuffered(t *testing.T) {
	in := "211-a\r\n b\n211 c\r\n200 next\r\n"
	rd := pipeReader(t, []byte(in), false, Limits{Settle: testSettle})
	var got []string
	rd.OnLine = func(raw []byte) { got = append(got, string(raw)) }
	if _, err := rd.ReadReply(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"211-a\r\n", " b\n", "211 c\r\n"}; !reflect.DeepEqual(got, want) {
		t.Errorf("OnLine saw %q, want %q", got, want)
	}
	if n := rd.Buffered(); n != len("200 next\r\n") {
		t.Errorf("Buffered() = %d, want %d", n, len("200 next\r\n"))
	}
}

func TestReplyAccessors(t *testing.T) {
	rfc := &Reply{Code: 123, Lines: []string{"123-First line", "Second line", "  234 A line beginning with numbers", "123 The last line"}}
	two := &Reply{Code: 211, Lines: []string{"211-Features:", "211 End"}}
	one := &Reply{Code: 226, Lines: []string{"226 Transfer complete"}}
	bare := &Reply{Code: 211, Lines: []string{"211-x", "211 "}}
	tests := []struct {
		name      string
		r         *Reply
		text, msg string
		inner     []string
		str       string
		multi     bool
	}{
		{"RFC 959 example", rfc, "First line",
			"First line\nSecond line\n  234 A line beginning with numbers\nThe last line",
			[]string{"Second line", "  234 A line beginning with numbers"},
			`123 "First line" (+3 lines)`, true},
		{"two lines", two, "Features:", "Features:\nEnd", nil, `211 "Features:" (+1 lines)`, true},
		{"single", one, "Transfer complete", "Transfer complete", nil, `226 "Transfer complete"`, false},
		{"empty last text", bare, "x", "x\n", nil, `211 "x" (+1 lines)`, true},
		{"no text", &Reply{Code: 200, Lines: []string{"200"}}, "", "", nil, `200 ""`, false},
		{"short code", &Reply{Code: 20, Lines: []string{"20 OK"}}, "OK", "OK", nil, `20 "OK"`, false},
		{"missing separator", &Reply{Code: 200, Lines: []string{"200OK"}}, "OK", "OK", nil, `200 "OK"`, false},
		{"non-numeric", &Reply{Code: 0, Lines: []string{"hello"}}, "hello", "hello", nil, `0 "hello"`, false},
		{"no lines", &Reply{Code: 500}, "", "", nil, "500", false},
		{"nil", nil, "", "", nil, "no reply", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if g := tc.r.Text(); g != tc.text {
				t.Errorf("Text() = %q, want %q", g, tc.text)
			}
			if g := tc.r.Message(); g != tc.msg {
				t.Errorf("Message() = %q, want %q", g, tc.msg)
			}
			if g := tc.r.Inner(); !reflect.DeepEqual(g, tc.inner) {
				t.Errorf("Inner() = %q, want %q", g, tc.inner)
			}
			if g := tc.r.String(); g != tc.str {
				t.Errorf("String() = %q, want %q", g, tc.str)
			}
			if g := tc.r.Multiline(); g != tc.multi {
				t.Errorf("Multiline() = %v, want %v", g, tc.multi)
			}
		})
	}
}

// TestReplyStringEscapesOnce: String quotes hostile text so that it is
// safe to print, and each control byte shows as one Go escape (not as the
// doubly escaped `\\x07`).
func TestReplyStringEscapesOnce(t *testing.T) {
	tests := []struct{ line, want string }{
		{"200 a\x07b", `200 "a\ab"`},
		{"200 \x1b[2J", `200 "\x1b[2J"`},
		{"200 \xff\xfe", `200 "\xff\xfe"`},
		{"200 \u009b31m", `200 "\u009b31m"`},
		{"200 say \"hi\"", `200 "say \"hi\""`},
		{"200 ü", `200 "ü"`},
	}
	for _, tc := range tests {
		r := &Reply{Code: 200, Lines: []string{tc.line}}
		if g := r.String(); g != tc.want {
			t.Errorf("String() of %q = %s, want %s", tc.line, g, tc.want)
		}
	}
}

func TestReplyHas(t *testing.T) {
	r := &Reply{Violations: []Violation{{Kind: BareLF}, {Kind: NoText, Line: 2}}}
	if !r.Has(BareLF) || !r.Has(NoText) || r.Has(StrayCR) {
		t.Errorf("Has wrong for %v", r.Violations)
	}
	var nilReply *Reply
	if nilReply.Has(BareLF) {
		t.Error("nil reply has a violation")
	}
}

func TestViolationString(t *testing.T) {
	v := Violation{Kind: BareLF, Line: 0, Detail: "line ends with LF, not CRLF"}
	if g, want := v.String(), "bare-lf (line 1): line ends with LF, not CRLF"; g != want {
		t.Errorf("String() = %q, want %q", g, want)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"a\x00b", `a\x00b`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"tab\there", `tab\x09here`},
		{"\r\n", `\x0d\x0a`},
		{"del\x7f", `del\x7f`},
		{"\xff\xfe", `\xff\xfe`},
		{"trunc\xc3", `trunc\xc3`},
		{"\xc3\x28", `\xc3(`},
		{"ü €", "ü €"},
		{"日本", "日本"},
		// C1 controls are control characters too (U+009B is CSI in
		// terminals that honour 8-bit controls).
		{"\u009b2J", `\u009b2J`},
		{"\u0085", `\u0085`},
	}
	for _, tc := range tests {
		if g := Printable(tc.in); g != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

func TestProtocolErrorMessage(t *testing.T) {
	inner := errors.New("boom")
	pe := &ProtocolError{Msg: "oops", Err: inner}
	if pe.Error() != "oops" {
		t.Errorf("Error() = %q", pe.Error())
	}
	if !errors.Is(pe, inner) {
		t.Error("Unwrap does not reach Err")
	}
	pe.Partial = &Reply{Lines: []string{"211-a", "211-b\x1b"}}
	if g, want := pe.Error(), `oops (after 2 line(s), last "211-b\x1b")`; g != want {
		t.Errorf("Error() = %s, want %s", g, want)
	}
}

func TestReplyError(t *testing.T) {
	r := &Reply{Code: 226, Lines: []string{"226 Transfer complete"}}
	e := &ReplyError{Cmd: "RETR x", Expected: []int{150, 125}, Reply: r}
	if g, want := e.Error(), `RETR x: expected one of 150, 125; got 226 "Transfer complete"`; g != want {
		t.Errorf("Error() = %s, want %s", g, want)
	}
	if e.Code() != 226 {
		t.Errorf("Code() = %d", e.Code())
	}
	e.Cmd = ""
	if g, want := e.Error(), `expected one of 150, 125; got 226 "Transfer complete"`; g != want {
		t.Errorf("Error() = %s, want %s", g, want)
	}
}

func TestCodes(t *testing.T) {
	if g := Codes([]int{250, 550, 502}); g != "250, 550, 502" {
		t.Errorf("Codes = %q", g)
	}
	if g := Codes(nil); g != "" {
		t.Errorf("Codes(nil) = %q", g)
	}
	for code, class := range map[int]int{150: 1, 226: 2, 331: 3, 421: 4, 550: 5} {
		if Class(code) != class {
			t.Errorf("Class(%d) = %d", code, Class(code))
		}
		if IsPreliminary(code) != (class == 1) {
			t.Errorf("IsPreliminary(%d) wrong", code)
		}
	}
}

// TestReadReplyRawConcatenation: Raw of consecutive replies concatenates
// to the input.
func TestReadReplyRawConcatenation(t *testing.T) {
	in := "220-a\r\n220 b\r\n331 pw\n230-x\r\n 230 y\r\n230 z\r\n"
	rd := pipeReader(t, []byte(in), true, Limits{Settle: testSettle})
	var all bytes.Buffer
	for range 3 {
		r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(r.Raw)
	}
	if all.String() != in {
		t.Errorf("concatenated Raw = %q, want %q", all.String(), in)
	}
	_, err := rd.ReadReply(time.Now().Add(5 * time.Second))
	if pe := asProtocolError(t, err); pe.Partial != nil || !errors.Is(err, io.EOF) {
		t.Errorf("after the last reply: %v", err)
	}
}

func TestReplyChain(t *testing.T) {
	r150 := &Reply{Code: 150, Lines: []string{"150 Opening."}}
	r226 := &Reply{Code: 226, Lines: []string{"226 Done."}}
	for _, tc := range []struct {
		rs   []*Reply
		want string
	}{
		{nil, "no reply"},
		{[]*Reply{nil}, "no reply"},
		{[]*Reply{r226}, `226 "Done."`},
		{[]*Reply{r150, nil, r226}, `150 "Opening." then 226 "Done."`},
	} {
		if got := ReplyChain(tc.rs...); got != tc.want {
			t.Errorf("ReplyChain(%v) = %q, want %q", tc.rs, got, tc.want)
		}
	}
	if got := (&Transfer{Prelim: r150, Final: r226}).ReplyChain(); got != `150 "Opening." then 226 "Done."` {
		t.Errorf("Transfer.ReplyChain() = %q", got)
	}
}
