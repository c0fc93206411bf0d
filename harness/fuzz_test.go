package harness

import (
	"bytes"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replies captured from real servers (shared/real-servers.md) and the
// legal and illegal variations the reader must survive.
var replySeeds = []string{
	// vsftpd 3.0.3
	"220 (vsFTPd 3.0.3)\r\n",
	"211-Features:\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n",
	"227 Entering Passive Mode (127,0,0,1,117,72).\r\n",
	"229 Entering Extended Passive Mode (|||30045|)\r\n",
	"200 PORT command successful. Consider using PASV.\r\n",
	"500 OOPS: vsf_sysutil_bind\r\n",
	// ProFTPD 1.3.8
	"220 ProFTPD Server (ProFTPD lab) [127.0.0.1]\r\n",
	"211-Features:\r\n AUTH TLS\r\n CCC\r\n LANG C.UTF-8*\r\n MFF modify;UNIX.group;UNIX.mode;\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;\r\n RANG STREAM\r\n211 End\r\n",
	"227 Entering Passive Mode (127,0,0,1,117,239).\r\n",
	"425 Unable to build data connection: Address already in use\r\n",
	// Pure-FTPd 1.0.50
	"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 01:51. Server port: 2123.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
	"211-Extensions supported:\r\n UTF8\r\n EPRT\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n211 End.\r\n",
	"227 Entering Passive Mode (127,0,0,1,118,57)\r\n",
	"229 Extended Passive mode OK (|||30282|)\r\n",
	"504-Unknown TYPE: X\r\n504 TYPE is now 8-bit binary\r\n",
	"226-Options: -l\r\n226 4 matches total\r\n",
	// pyftpdlib 1.5.7
	"220 pyftpdlib 1.5.7 ready.\r\n",
	"211-Features supported:\r\n AUTH SSL\r\n EPRT\r\n MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;\r\n211 End FEAT.\r\n",
	"227 Entering passive mode (127,0,0,1,118,113).\r\n",
	"229 Entering extended passive mode (|||30323|).\r\n",
	"200 I successfully did nothing'.\r\n",
	// ftp-srv 4.6.3
	"220 Features: a .\r\n",
	"211-Extensions supported\r\n AUTH TLS\r\n TYPE A,I,L\r\n211 End\r\n",
	"227 PASV OK (127,0,0,1,118,197)\r\n",
	"229 EPSV OK (|||30407|)\r\n",
	"213 20261124012654.329\r\n",
	// RFC 959 §4.2 example and variations.
	"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n",
	"120 Service ready in 1 minute\r\n220 ready\r\n",
	"214-help\r\n214 \r\n",
	"211-a\r\n211\r\n",
	// Malformed.
	"220 ready\n",
	"220 re\rady\r\n",
	"20 OK\r\n",
	"OK\r\n",
	"700 odd\r\n",
	"200OK\r\n",
	"200\r\n",
	"211-Start\r\n x\r\n211-End\r\n",
	"211-Start\r\n x\r\n212 End\r\n",
	"211-a\r\n211-b\r\n212 c\r\n211 d\r\n",
	"211-unterminated\r\n",
	"220 half",
	"",
	"\r\n",
	"\n\n\n",
	"220 \xff\xfe\x00\x1b[2J\r\n",
	"2",
	"21",
	"211-",
	"211-\n211",
}

// fuzzLimits keeps inputs small enough to reach every limit.
var fuzzLimits = Limits{MaxLine: 512, MaxLines: 32, MaxReply: 4096, Settle: 10 * time.Millisecond}

// checkReplyInvariants checks what holds for any input.
func checkReplyInvariants(t *testing.T, in []byte, r *Reply, err error) {
	t.Helper()
	if err != nil {
		if r != nil {
			t.Fatalf("reply %v returned with error %v", r, err)
		}
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ProtocolError", err, err)
		}
		if pe.Timeout() {
			t.Fatalf("timeout on input that ends with EOF: %v", err)
		}
		if pe.Partial != nil && !bytes.HasPrefix(in, pe.Partial.Raw) {
			t.Fatalf("Partial.Raw %q is not a prefix of the input", pe.Partial.Raw)
		}
		_ = pe.Error()
		return
	}
	if r == nil {
		t.Fatal("nil reply without error")
	}
	if r.Code < 0 || r.Code > 999 {
		t.Fatalf("Code %d out of 0..999", r.Code)
	}
	if !bytes.HasPrefix(in, r.Raw) {
		t.Fatalf("Raw %q is not a prefix of the input", r.Raw)
	}
	if len(r.Lines) == 0 || len(r.Raw) == 0 || r.Raw[len(r.Raw)-1] != '\n' {
		t.Fatalf("reply without complete lines: %q / %q", r.Lines, r.Raw)
	}
	// Lines are Raw split at LF, each without LF and one CR before it.
	raw := strings.SplitAfter(string(r.Raw), "\n")
	raw = raw[:len(raw)-1] // the empty rest after the last LF
	if len(raw) != len(r.Lines) {
		t.Fatalf("%d lines in Raw, %d in Lines", len(raw), len(r.Lines))
	}
	for i, l := range raw {
		want := strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if r.Lines[i] != want {
			t.Fatalf("line %d = %q, want %q", i, r.Lines[i], want)
		}
	}
	if len(r.Raw) > fuzzLimits.MaxReply || len(r.Lines) > fuzzLimits.MaxLines {
		t.Fatalf("reply of %d bytes, %d lines exceeds the limits", len(r.Raw), len(r.Lines))
	}
	first := r.Lines[0]
	if len(r.Lines) > 1 && !(len(first) >= 4 && first[3] == '-') {
		t.Fatalf("multi-line reply whose first line %q does not open one", first)
	}
	if len(first) >= 3 && isDigit(first[0]) && isDigit(first[1]) && isDigit(first[2]) {
		if n, _ := strconv.Atoi(first[:3]); n != r.Code {
			t.Fatalf("Code %d, first line %q", r.Code, first)
		}
	}
	for _, v := range r.Violations {
		if v.Line < 0 || v.Line >= len(r.Lines) {
			t.Fatalf("violation %v points outside the %d lines", v, len(r.Lines))
		}
	}
	if !safeText(r.String()) {
		t.Fatalf("String() %q is not printable", r.String())
	}
	_, _, _ = r.Text(), r.Message(), r.Inner()
}

func FuzzReadReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Through a pipe, with deadlines, as on a real connection.
		client, server := net.Pipe()
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			if len(in) > 0 {
				if _, err := server.Write(in); err != nil {
					return
				}
			}
			server.Close()
		}()
		defer func() {
			client.Close()
			server.Close()
			<-wrote
		}()
		type result struct {
			r   *Reply
			err error
		}
		res := make(chan result, 1)
		go func() {
			rd := NewReader(client, fuzzLimits)
			r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
			res <- result{r, err}
		}()
		select {
		case got := <-res:
			checkReplyInvariants(t, in, got.r, got.err)
		case <-time.After(10 * time.Second):
			t.Fatal("ReadReply did not return within twice its deadline")
		}

		// In memory, one byte per read: deterministic, every split point.
		rd := NewReader(&memReader{data: in, chunk: 1}, fuzzLimits)
		r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
		checkReplyInvariants(t, in, r, err)
	})
}

var pasvSeeds = []string{
	"Entering Passive Mode (127,0,0,1,117,72).",
	"Entering Passive Mode (127,0,0,1,117,239).",
	"Entering Passive Mode (127,0,0,1,118,57)",
	"Entering passive mode (127,0,0,1,118,113).",
	"PASV OK (127,0,0,1,118,197)",
	"=127,0,0,1,4,1",
	"Entering Passive Mode 127,0,0,1,4,1",
	"(127,0,0,1,4,256)",
	"(127,0,0,1,4)",
	"(127,0,0,1,4,1,5)",
	"(1127,0,0,1,4,1)",
	"(127,0,0,1,0,0)",
	"(127, 0, 0, 1, 4, 1)",
	"(127,0,0,1,4,1,)",
	"",
}

func FuzzParsePASV(f *testing.F) {
	for _, s := range pasvSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		info, err := ParsePASV(text)
		if err != nil {
			if !safeText(err.Error()) {
				t.Fatalf("error %q is not printable", err)
			}
			return
		}
		if !info.Addr.Addr().Is4() || info.Addr.Port() == 0 {
			t.Fatalf("ParsePASV(%q) = %v", text, info.Addr)
		}
		arg, err := FormatPORT(info.Addr)
		if err != nil {
			t.Fatalf("FormatPORT(%v): %v", info.Addr, err)
		}
		for _, form := range []struct {
			text  string
			paren bool
		}{
			{arg, false},
			{"Entering Passive Mode (" + arg + ").", true},
		} {
			again, err := ParsePASV(form.text)
			if err != nil || again.Addr != info.Addr || again.Parenthesized != form.paren {
				t.Fatalf("ParsePASV(%q) = %+v, %v; want %v parenthesized %v", form.text, again, err, info.Addr, form.paren)
			}
		}
	})
}

var epsvSeeds = []string{
	"Entering Extended Passive Mode (|||6446|)",
	"Entering Extended Passive Mode (|||30045|)",
	"Extended Passive mode OK (|||30282|)",
	"Entering extended passive mode (|||30323|).",
	"EPSV OK (|||30407|)",
	"(!!!6446!)",
	"(|||6446!)",
	"(|1||6446|)",
	"(|||0|)",
	"(|||65536|)",
	"(   6446 )",
	"(\x7f\x7f\x7f6446\x7f)",
	"(|||+80|)",
	"",
}

func FuzzParseEPSV(f *testing.F) {
	for _, s := range epsvSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		port, err := ParseEPSV(text)
		if err != nil {
			if port != 0 {
				t.Fatalf("port %d with error %v", port, err)
			}
			if !safeText(err.Error()) {
				t.Fatalf("error %q is not printable", err)
			}
			return
		}
		if port < 1 || port > 65535 {
			t.Fatalf("ParseEPSV(%q) = %d, outside 1..65535", text, port)
		}
		if again, err := ParseEPSV("Entering Extended Passive Mode (|||" + strconv.Itoa(port) + "|)"); err != nil || again != port {
			t.Fatalf("round trip of %d: %d, %v", port, again, err)
		}
	})
}

func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"30000-30099", "30000", " 1 - 65535 ", "0-1", "5-4", "-", "+5-+6", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParsePortRange(s)
		if err != nil {
			return
		}
		if r.Min < 1 || r.Max > 65535 || r.Min > r.Max || r.Size() < 1 || !r.Contains(r.Min) || !r.Contains(r.Max) {
			t.Fatalf("ParsePortRange(%q) = %v", s, r)
		}
		if again, err := ParsePortRange(r.String()); err != nil || again != r {
			t.Fatalf("round trip of %v: %v, %v", r, again, err)
		}
	})
}

// FuzzParseTargetURL: the password never shows in an error or in String().
func FuzzParseTargetURL(f *testing.F) {
	f.Add("conform", "secretpassword", "127.0.0.1", "2121")
	f.Add("conform", "Sup3rS3cret", "[::1]", "21")
	f.Add("", "Sup3rS3cret", "host", "")
	f.Add("u", "Sup3rS3cretPw", "", "99999")
	f.Add("u", "Sup3rS3cretPw", "h st", "21")
	f.Fuzz(func(t *testing.T, user, pass, host, port string) {
		scheme := "ftp"
		if len(user)%2 == 1 {
			scheme = "ftps"
		}
		s := scheme + "://" + url.UserPassword(user, pass).String() + "@" + host
		if port != "" {
			s += ":" + port
		}
		tg, err := ParseTargetURL(s)
		if err == nil && (tg.TLS == TLSImplicit) != (scheme == "ftps") {
			t.Fatalf("ParseTargetURL(%q): TLS mode %v", s, tg.TLS)
		}
		if err == nil && port == "" && tg.Port != tg.TLS.defaultPort() {
			t.Fatalf("ParseTargetURL(%q): port %d without a port in the URL", s, tg.Port)
		}
		// Only a password that cannot occur by chance in the fixed
		// message texts is checked.
		distinct := len(pass) >= 8 && strings.Count(s, pass) <= 1 && !strings.Contains(host+port+user, pass)
		if err != nil {
			if distinct && strings.Contains(err.Error(), pass) {
				t.Fatalf("error %q shows the password", err)
			}
			return
		}
		if tg.Port < 1 || tg.Port > 65535 || tg.Host == "" || tg.User == "" {
			t.Fatalf("ParseTargetURL(%q) = %+v", s, tg)
		}
		if distinct && strings.Contains(tg.String(), pass) {
			t.Fatalf("String() %q shows the password", tg.String())
		}
	})
}

// FuzzReadReplyWellFormed builds a well-formed multi-line reply around
// arbitrary inner lines (padded where RFC 959 §4.2 requires it) and checks
// that it is read back exactly, without violations, and that the reply
// after it is intact.
func FuzzReadReplyWellFormed(f *testing.F) {
	f.Add(uint16(211), "Features", " SIZE\n MDTM\n211-x\n212 y\n\n  234 A line", "End")
	f.Add(uint16(220), "", "220---- banner\n220-second", "")
	f.Add(uint16(123), "First line", "Second line\n  234 A line beginning with numbers", "The last line")
	f.Fuzz(func(t *testing.T, code uint16, first, inner, last string) {
		code = 100 + code%500
		xyz := strconv.Itoa(int(code))
		clean := func(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }
		var b strings.Builder
		lines := []string{xyz + "-" + clean(first)}
		for _, l := range strings.Split(inner, "\n") {
			l = clean(l)
			if l == xyz || strings.HasPrefix(l, xyz+" ") {
				l = " " + l // RFC 959: pad an inner line that would end the reply
			}
			lines = append(lines, l)
		}
		lines = append(lines, xyz+" "+clean(last))
		for _, l := range lines {
			b.WriteString(l + "\r\n")
		}
		in := b.String()
		rd := NewReader(&memReader{data: []byte(in + sentinel), chunk: 7}, Limits{Settle: time.Millisecond})
		r, err := rd.ReadReply(time.Now().Add(5 * time.Second))
		if err != nil {
			t.Fatalf("ReadReply(%q): %v", in, err)
		}
		if r.Code != int(code) || string(r.Raw) != in || len(r.Violations) != 0 {
			t.Fatalf("ReadReply(%q) = code %d raw %q violations %v", in, r.Code, r.Raw, r.Violations)
		}
		if strings.Join(r.Lines, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("Lines = %q, want %q", r.Lines, lines)
		}
		next, err := rd.ReadReply(time.Now().Add(5 * time.Second))
		if err != nil || string(next.Raw) != sentinel {
			t.Fatalf("reply after it: %v, %v", next, err)
		}
	})
}

var pathname257Seeds = []string{
	`"/usr/dm/pathname" directory created`,
	`"/a ""quoted"" name" is current directory`,
	`""`,
	`"""`,
	`""""`,
	`"/a"b" x`,
	`Current directory is "/home/x".`,
	`"/never closed`,
	`/no quote`,
	"\"\xff\x00\"",
	``,
}

// FuzzParse257: a clean parse writes back to the text it came from, any
// name round-trips, and a name is never more than the text holds.
func FuzzParse257(f *testing.F) {
	for _, s := range pathname257Seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		name, problem := Parse257(text)
		if len(name) > len(text) {
			t.Fatalf("Parse257(%q) name %q is longer than the text", text, name)
		}
		if problem == "" {
			q := quote257(name)
			if !strings.HasPrefix(text, q) {
				t.Fatalf("Parse257(%q) = %q without a problem, but the text does not begin with %s", text, name, q)
			}
			if rest := text[len(q):]; rest != "" && rest[0] != ' ' {
				t.Fatalf("Parse257(%q) = %q without a problem, but %q follows the pathname", text, name, rest)
			}
		}
		if problem == Problem257NoQuote && strings.Contains(text, `"`) {
			t.Fatalf("Parse257(%q): %s", text, problem)
		}
		again, p := Parse257(quote257(text) + " is current directory")
		if again != text || p != "" {
			t.Fatalf("round trip of %q: %q, %q", text, again, p)
		}
	})
}

// FuzzReadBlocks: whatever arrives, the payload is never more than the
// input; a complete stream re-encodes to blocks that read back the same.
func FuzzReadBlocks(f *testing.F) {
	for _, s := range []string{
		"\x40\x00\x05hello",
		"\x00\x00\x02ab\x80\x00\x02cd\x40\x00\x00",
		"\x10\x00\x03mrk\xc0\x00\x01x",
		"\x40\x00",
		"\x40\x00\x05abc",
		"plain file data",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		bs := ReadBlocks(bytes.NewReader(in))
		if len(bs.Data) > len(in) || 3*len(bs.Headers) > len(in)+3 {
			t.Fatalf("ReadBlocks(%q): %d bytes and %d headers from %d bytes", in, len(bs.Data), len(bs.Headers), len(in))
		}
		if (bs.Err == nil) != bs.EOF {
			t.Fatalf("ReadBlocks(%q): EOF %v with error %v", in, bs.EOF, bs.Err)
		}
		if bs.Err != nil {
			return
		}
		again := ReadBlocks(bytes.NewReader(EncodeBlocks(bs.Data, 1+len(in)%7)))
		if again.Err != nil || !bytes.Equal(again.Data, bs.Data) {
			t.Fatalf("round trip of %q: %q, %v", bs.Data, again.Data, again.Err)
		}
	})
}

// FuzzDecodeRecords: the records never hold more bytes than the input,
// and any records decoded re-encode to a stream that decodes the same.
func FuzzDecodeRecords(f *testing.F) {
	for _, s := range []string{
		"ab\xff\x01cd\xff\x01\xff\x02",
		"ab\xff\x01cd\xff\x03",
		"a\xff\xffb\xff\x01\xff\x02",
		"\xff\x01\xff\x02",
		"ab\xff\x01cd",
		"ab\xff",
		"ab\xff\x07",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		records, err := DecodeRecords(in)
		n := 0
		for _, r := range records {
			n += len(r)
		}
		if n > len(in) {
			t.Fatalf("DecodeRecords(%q): %d bytes of records from %d", in, n, len(in))
		}
		if err != nil && !safeText(err.Error()) {
			t.Fatalf("error %q is not printable", err)
		}
		again, err := DecodeRecords(EncodeRecords(records))
		if err != nil || len(again) != len(records) {
			t.Fatalf("round trip of %q: %q, %v", records, again, err)
		}
		for i := range again {
			if !bytes.Equal(again[i], records[i]) {
				t.Fatalf("round trip of %q: record %d is %q", records, i, again[i])
			}
		}
	})
}

// FuzzNameList: NLST data splits into non-empty lines without their LF
// (and one CR before it), and written back with CRLF it splits the same; no name is ".", ".."
// or holds a slash.
func FuzzNameList(f *testing.F) {
	for _, s := range []string{"a.txt\r\nb.bin\r\n", "a\nb", ".\r\n..\r\nx\r\n", "sub/a\r\n/abs/b/\r\n", "\r\r\n\n", "/", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &NameList{Lines: nameLines(data)}
		for _, line := range l.Lines {
			if line == "" || strings.Contains(line, "\n") {
				t.Fatalf("nameLines(%q) gave the line %q", data, line)
			}
		}
		if again := nameLines([]byte(strings.Join(l.Lines, "\r\n") + "\r\n")); strings.Join(again, "\n") != strings.Join(l.Lines, "\n") {
			t.Fatalf("nameLines(%q) = %q, again %q", data, l.Lines, again)
		}
		for _, n := range l.Names() {
			if n == "" || n == "." || n == ".." || strings.Contains(n, "/") || !l.Has(n) {
				t.Fatalf("nameLines(%q): name %q", data, n)
			}
		}
	})
}

// readFuzzReply reads one reply from in, or nil when in holds none.
func readFuzzReply(in []byte) *Reply {
	r, err := NewReader(&memReader{data: in, chunk: 64}, fuzzLimits).ReadReply(time.Now().Add(5 * time.Second))
	if err != nil {
		return nil
	}
	return r
}

// FuzzParseFeatures: a feature names its label in upper case and is found
// by Has; every violation points at a line of the reply and reads as text;
// only a 211 lists features.
func FuzzParseFeatures(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"211-x\r\n LANG EN*;FR;en-US\r\n MLST Type*;Size;Modify*;\r\n211 End\r\n",
		"211-x\r\n MLST  type*;; size\r\n LANG\r\n LANG C.UTF-8*\r\n211 end.\r\n",
		"211-x\r\nSIZE\r\n\tMDTM\r\n \r\n\r\n FEAT\r\n SIZE MDTM\r\n211 Done\r\n",
		"211-x\r\n211\r\n",
		"500 no\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := readFuzzReply(in)
		ft := ParseFeatures(r)
		if r == nil {
			if len(ft.List)+len(ft.Violations) > 0 {
				t.Fatalf("features from no reply: %+v", ft)
			}
			return
		}
		if !ft.Supported() && len(ft.List) > 0 {
			t.Fatalf("reply %d lists features", r.Code)
		}
		for _, feat := range ft.List {
			if feat.Label == "" || strings.Contains(feat.Label, " ") || feat.Name != upperASCII(feat.Label) {
				t.Fatalf("feature %+v", feat)
			}
			if feat.Line <= 0 || feat.Line >= len(r.Lines)-1 || !strings.Contains(r.Lines[feat.Line], feat.Label) {
				t.Fatalf("feature %+v does not point at its line in %q", feat, r.Lines)
			}
			if !ft.Has(feat.Label) || !ft.Has(feat.Name) {
				t.Fatalf("Has(%q) = false", feat.Label)
			}
		}
		for _, v := range ft.Violations {
			if v.Line < 0 || v.Line >= len(r.Lines) || !safeText(v.Detail) {
				t.Fatalf("violation %+v of %q", v, r.Lines)
			}
		}
		for _, fo := range ft.MLSTFacts() {
			if fo.Name == "" || fo.Name != lowerASCII(fo.Name) {
				t.Fatalf("fact offer %+v", fo)
			}
		}
		for _, l := range ft.Langs() {
			if l.Tag == "" {
				t.Fatalf("empty language in %+v", ft.Langs())
			}
		}
		_ = ft.SelectedFacts()
	})
}

// mlsxSeeds are MLSx entries from RFC 3659 §7.7, real servers, and broken
// ones.
var mlsxSeeds = []string{
	"Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz",
	"Type=cdir;Modify=19981107085215;Perm=el; tmp",
	"Type=OS.unix=slink:/foobar;Perm=;Unique=keVO1+4G4; foobar",
	"Type=file;Perm=r;Unique=keVO1+IH4;  leading space",
	"Type=dir;Perm=el;Unique=keVO1+ZF4 test",
	"type=file;perm=radfwMT;size=3;modify=20240102030405.5;unix.mode=0644;unique=803g2e; f",
	"type=file;size=5;sizd=4096;UNIX.uid=0; f",
	" /tmp",
	" type=file;size=2; b",
	"total 12",
	"type=file;;size=; \xe9",
	"create=20250101000000;modify=20240102030405; x",
	"",
	" ",
	";",
	"=;",
}

// FuzzParseMLSxEntry: the pathname ends the line; a clean entry writes
// back to its line; the typed facts agree with the violations.
func FuzzParseMLSxEntry(f *testing.F) {
	for _, s := range mlsxSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e := ParseMLSxEntry(line)
		if !strings.HasSuffix(line, e.Pathname) {
			t.Fatalf("pathname %q does not end %q", e.Pathname, line)
		}
		for _, v := range e.Violations {
			if !safeText(v.Detail) {
				t.Fatalf("detail %q is not printable", v.Detail)
			}
		}
		if len(e.Violations) == 0 {
			var b strings.Builder
			for _, fact := range e.Facts {
				b.WriteString(fact.Name + "=" + fact.Value + ";")
			}
			if again := b.String() + " " + e.Pathname; again != line {
				t.Fatalf("clean entry %q writes back as %q", line, again)
			}
		}
		if e.Size < -1 || e.Has("size") && e.Size < 0 && !hasKind(e.Violations, MLSxSize) {
			t.Fatalf("size %d of %q", e.Size, line)
		}
		if !hasKind(e.Violations, MLSxPerm) && strings.Trim(e.Perm, "acdeflmprw") != "" {
			t.Fatalf("perm %q without a violation", e.Perm)
		}
		if e.Type != lowerASCII(e.Type) || e.Has("type") && !validType(e.Type) && !hasKind(e.Violations, MLSxType) {
			t.Fatalf("type %q of %q", e.Type, line)
		}
		if !e.Modify.IsZero() && e.Modify.Location() != time.UTC {
			t.Fatalf("modify %v is not UTC", e.Modify)
		}
	})
}

func hasKind(vs []Violation, kind ViolationKind) bool {
	for _, v := range vs {
		if v.Kind == kind {
			return true
		}
	}
	return false
}

// FuzzParseMLSD: every entry and violation points at a line of the data.
func FuzzParseMLSD(f *testing.F) {
	f.Add([]byte(strings.Join(mlsxSeeds, "\r\n")))
	f.Add([]byte("type=file;size=1; a\n\r\n type=file; b\r\ntype=file; c"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := ParseMLSD(data)
		lines := strings.Count(string(data), "\n") + 1
		if len(l.Entries) > lines {
			t.Fatalf("%d entries from %d lines", len(l.Entries), lines)
		}
		for _, e := range l.Entries {
			if e.Line == "" || !strings.Contains(string(data), e.Line) {
				t.Fatalf("entry line %q is not in the data", e.Line)
			}
		}
		for _, v := range l.Violations {
			if v.Line < 0 || v.Line >= lines || !safeText(v.Detail) {
				t.Fatalf("violation %+v with %d lines", v, lines)
			}
		}
		_ = l.Names()
	})
}

// FuzzParseMLST: a 250 yields one entry per line between the first and
// the last; any other reply an error and no listing.
func FuzzParseMLST(f *testing.F) {
	for _, s := range []string{
		"250- Listing tmp\r\n Type=dir;Modify=19981107085215;Perm=el; /tmp\r\n250 End\r\n",
		"250-x\r\n  /tmp\r\n250\r\n",
		"250-x\r\ntype=file; /a\r\n type=dir; /b\r\n250 End\r\n",
		"250 one line\r\n",
		"550 no\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := readFuzzReply(in)
		l, err := ParseMLST(r)
		if (err == nil) != (l != nil) {
			t.Fatalf("listing %v with error %v", l, err)
		}
		if err != nil {
			if r != nil && r.Code == ReplyFileActionOK {
				t.Fatalf("250 reply refused: %v", err)
			}
			return
		}
		if want := max(0, len(r.Lines)-2); len(l.Entries) != want {
			t.Fatalf("%d entries from %d lines", len(l.Entries), len(r.Lines))
		}
		if len(l.Entries) == 0 && !l.HasViolation(MLSTNoEntry) {
			t.Fatal("no entry and no violation")
		}
	})
}

// FuzzParseTimeVal: a time-val parses to a UTC time in range that writes
// back to the same instant; anything else is a *TimeValError that reads
// as text.
func FuzzParseTimeVal(f *testing.F) {
	for _, s := range []string{"19980615100045.014", "20161231235960", "191240102030405", "20240230030405", "20240102030405.", "10000101000000", "99991231235959.999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTimeVal(s)
		if err != nil {
			var te *TimeValError
			if !errors.As(err, &te) || !safeText(err.Error()) {
				t.Fatalf("ParseTimeVal(%q): %v", s, err)
			}
			return
		}
		if tm.Location() != time.UTC || tm.Year() < 1000 || tm.Year() > 10000 {
			t.Fatalf("ParseTimeVal(%q) = %v", s, tm)
		}
		leap := s[12:14] == "60"
		if !leap && s[:14] != tm.Format("20060102150405") {
			t.Fatalf("ParseTimeVal(%q) = %v", s, tm)
		}
		again, err := ParseTimeVal(formatTimeVal(tm))
		if (err != nil || !again.Equal(tm)) && tm.Year() < 10000 {
			t.Fatalf("%q → %v → %q → %v, %v", s, tm, formatTimeVal(tm), again, err)
		}
	})
}

// FuzzParse213: SIZE and MDTM values come only from single-line 213
// replies, and a size is never negative.
func FuzzParse213(f *testing.F) {
	for _, s := range []string{"213 1830\r\n", "213 19980615100045.014\r\n", "213 007\r\n", "213-x\r\n 1\r\n213 End\r\n", "213 \r\n", "550 x\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := readFuzzReply(in)
		n, err := ParseSIZE(r)
		if err == nil && (n < 0 || r.Code != ReplyFileStatus || r.Multiline()) {
			t.Fatalf("ParseSIZE(%v) = %d", r, n)
		}
		if err != nil && !safeText(err.Error()) {
			t.Fatalf("error %q is not printable", err)
		}
		tm, err := ParseMDTM(r)
		if err == nil && (tm.IsZero() || r.Code != ReplyFileStatus || r.Multiline()) {
			t.Fatalf("ParseMDTM(%v) = %v", r, tm)
		}
		if err != nil && !safeText(err.Error()) {
			t.Fatalf("error %q is not printable", err)
		}
	})
}

// FuzzRecordConnExact: whatever bytes arrive, in whatever pieces, an exact
// recordConn passes them on unchanged and no read crosses the boundary of
// a TLS record, as the record headers in the stream itself define them.
func FuzzRecordConnExact(f *testing.F) {
	f.Add([]byte("\x16\x03\x03\x00\x02ab\x15\x03\x03\x00\x00220 ok\r\n"), uint8(7))
	f.Add([]byte("220 plain\r\n"), uint8(1))
	f.Add([]byte{23, 3, 3, 0xff, 0xff, 1, 2, 3}, uint8(200))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		if len(stream) > 1<<16 {
			return
		}
		got, ends := readExact(t, stream, int(chunk)%64+1)
		if !bytes.Equal(got, stream) {
			t.Fatalf("stream %q came out as %q", stream, got)
		}
		// The boundaries: after each 5-byte header and after each body.
		var bounds []int
		for at := 0; at < len(stream); {
			at += 5
			bounds = append(bounds, at)
			if at > len(stream) {
				break
			}
			at += int(stream[at-2])<<8 | int(stream[at-1])
			bounds = append(bounds, at)
		}
		start := 0
		for _, end := range ends {
			for _, b := range bounds {
				if start < b && b < end {
					t.Fatalf("a read of [%d,%d) crosses the record boundary %d", start, end, b)
				}
			}
			start = end
		}
	})
}
