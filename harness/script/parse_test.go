package script

import (
	"errors"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// head is a valid header; the steps of a case start on line 3.
const head = "title: T\nid: X-1\n"

var testFixtures = fstest.MapFS{
	"a.bin":       {Data: []byte("abc\r\n")},
	"sub/b.bin":   {Data: []byte("0123456789")},
	"sub/nested":  {Mode: 0o755 | 1<<31}, // a directory
	"sub/dir/c.x": {Data: []byte("x")},
}

func regexpErr(re string) string {
	_, err := regexp.Compile(re)
	return err.Error()
}

// One case per kind of problem, each with the exact message.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line: msg"
	}{
		// The header.
		{"unknown header field", head + "foo: bar\nconnect\n",
			[]string{`3: unknown header field "foo" (want title, id, level, labels, needs or quote)`}},
		{"duplicate header field", "title: T\ntitle: U\nid: X-1\nconnect\n",
			[]string{`2: duplicate header field "title" (first at line 1)`}},
		{"missing title", "id: X-1\nconnect\n", []string{`1: missing header field "title"`}},
		{"missing id", "# comment\ntitle: T\nconnect\n", []string{`1: missing header field "id"`}},
		{"empty header value", head + "quote:\nconnect\n", []string{`3: header field "quote" is empty`}},
		{"header after the first step", head + "connect\nlevel: MUST\n",
			[]string{`4: header field "level" must come before the first step (line 3)`}},
		{"bad id", "title: T\nid: rfc959-x\nconnect\n",
			[]string{`2: id "rfc959-x": want a capital letter, then letters, digits, dots and dashes (RFC959-5.4-MKD-CODES, SITE-ACME-QUOTA)`}},
		{"id with a space", "title: T\nid: SITE ACME\nconnect\n",
			[]string{`2: id "SITE ACME": want a capital letter, then letters, digits, dots and dashes (RFC959-5.4-MKD-CODES, SITE-ACME-QUOTA)`}},
		{"bad slug", "title: T\nid: X-1/Missing\nconnect\n",
			[]string{`2: id "X-1/Missing": the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)`}},
		{"empty slug", "title: T\nid: X-1/\nconnect\n",
			[]string{`2: id "X-1/": the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)`}},
		{"two slashes", "title: T\nid: X-1/a/b\nconnect\n",
			[]string{`2: id "X-1/a/b": the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)`}},
		{"slug with a dot", "title: T\nid: X-1/a.b\nconnect\n",
			[]string{`2: id "X-1/a.b": the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)`}},
		{"bad id and slug", "title: T\nid: x-1/_a\nconnect\n", []string{
			`2: id "x-1": want a capital letter, then letters, digits, dots and dashes (RFC959-5.4-MKD-CODES, SITE-ACME-QUOTA)`,
			`2: id "x-1/_a": the slug after the / is a lower-case letter or digit, then lower-case letters, digits and dashes (RFC959-5.4-DELE-CODES/missing)`,
		}},
		{"bad id before a good slug", "title: T\nid: /missing\nconnect\n",
			[]string{`2: id "": want a capital letter, then letters, digits, dots and dashes (RFC959-5.4-MKD-CODES, SITE-ACME-QUOTA)`}},
		{"bad level", head + "level: must\nconnect\n", []string{`3: level "must": want MUST, SHOULD, MAY or POLICY`}},
		{"bad label", head + "labels: ok, Bad\nconnect\n",
			[]string{`3: label "Bad": want a lower-case letter or digit, then lower-case letters, digits and : . _ -`}},
		{"duplicate label", head + "labels: a, b, a\nconnect\n", []string{`3: label "a" is listed twice`}},
		{"empty list item", head + "labels: a,,b\nconnect\n", []string{`3: labels: empty item in "a,,b"`}},
		{"bad need", head + "needs: REST STREAM NOW\nconnect\n",
			[]string{`3: need "REST STREAM NOW": want a FEAT feature (MLST, SIZE, REST STREAM, UTF8) or TLS, write, active, passive, FEAT`}},
		{"pseudo-feature in the wrong case", head + "needs: Write, tls\nconnect\n",
			[]string{`3: need "Write": the pseudo-feature is spelled write`, `3: need "tls": the pseudo-feature is spelled TLS`}},
		{"duplicate need", head + "needs: SIZE, size\nconnect\n", []string{`3: need "SIZE" is listed twice`}},
		{"no steps", head + "# nothing\n", []string{`1: no steps`}},

		// Steps.
		{"unknown step", head + "conect\n",
			[]string{`3: unknown step "conect" (want connect, login, send, expect, capture, set, data, upload, write, close-data, download, compare, quit, sleep)`}},
		{"argument to a step without one", head + "connect now\n", []string{`3: connect: takes no argument (got "now")`}},
		{"bad connection name", head + "@Up connect\n",
			[]string{`3: bad connection name "@Up": want a lower-case letter, then lower-case letters, digits, _ and -`}},
		{"connection name without a step", head + "@up  \n", []string{`3: @up: missing step after the connection name`}},
		{"send without a line", head + "connect\nsend\nsend  \n",
			[]string{`4: send: missing command line`, `5: send: missing command line`}},
		{"unclosed brace", head + "connect\nsend X {a\n", []string{`4: send: unclosed { in "X {a" (write {{ for a literal brace)`}},
		{"lone closing brace", head + "connect\nsend X }\n", []string{`4: send: lone } in "X }" (write }} for a literal brace)`}},
		{"bad variable reference", head + "connect\nsend X {A}\n",
			[]string{`4: send: bad variable reference {A}: a name is a lower-case letter, then lower-case letters, digits and _ (write {{ and }} for literal braces)`}},
		{"missing reply spec", head + "connect\nexpect\n",
			[]string{`4: expect: missing reply spec (a code such as 250, a class such as 2xx, a prefix such as 25x)`}},
		{"bad reply spec", head + "connect\nexpect 2x5\nexpect 250|\nexpect 700\nexpect 2500\n", []string{
			`4: expect: bad reply spec "2x5": want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |`,
			`5: expect: bad reply spec "250|": want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |`,
			`6: expect: bad reply spec "700": want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |`,
			`7: expect: bad reply spec "2500": want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |`,
		}},
		{"bad regexp", head + "connect\nexpect 200 text /a(/\n", []string{`4: expect: text: bad regexp /a(/: ` + regexpErr("a(")}},
		{"regexp without closing slash", head + "connect\nexpect 200 text /abc\n", []string{`4: expect: text: regexp /abc has no closing /`}},
		{"text after a regexp", head + "connect\ncapture x /a/b\n",
			[]string{`4: capture: "b" follows the closing / of a regexp (write \/ for a slash inside it)`}},
		{"regexp without slashes", head + "connect\nexpect 200 text abc\n",
			[]string{`4: expect: text: "abc": a regexp is written between slashes, /like this/`}},
		{"unknown expect option", head + "connect\nexpect 200 txt /a/\n",
			[]string{`4: expect: unknown option "txt" (want text /RE/, multiline, lines N, lines >=N or port LO-HI)`}},
		{"option twice", head + "connect\nexpect 200 multiline multiline\n", []string{`4: expect: option multiline given twice`}},
		{"bad line count", head + "connect\nexpect 200 lines x\nexpect 200 lines >=0\n", []string{
			`4: expect: lines "x": want a number of lines from 1, as in "lines 3" or "lines >=3"`,
			`5: expect: lines ">=0": want a number of lines from 1, as in "lines 3" or "lines >=3"`,
		}},
		{"bad port range", head + "connect\nexpect 227 port\nexpect 227 port 1024\nexpect 227 port 0-10\nexpect 229 port 1-65536\n" +
			"expect 229 port 2000-1000\nexpect 229 port a-b\nexpect 229 port 1024-\nexpect 227 port -5\n", []string{
			`4: expect: port range missing: want LO-HI, as in "port 1024-65535"`,
			`5: expect: port "1024": want a range LO-HI, as in "port 30000-30099"`,
			`6: expect: port "0-10": both ends of the range are ports from 1 to 65535`,
			`7: expect: port "1-65536": both ends of the range are ports from 1 to 65535`,
			`8: expect: port "2000-1000": the low end 2000 is above the high end 1000`,
			`9: expect: port "a-b": both ends of the range are ports from 1 to 65535`,
			`10: expect: port "1024-": both ends of the range are ports from 1 to 65535`,
			`11: expect: port "-5": both ends of the range are ports from 1 to 65535`,
		}},
		{"port of a reply without one", head + "connect\nexpect 2xx port 1-2\nexpect 227|200 port 1-2\nexpect 22x port 1-2\n", []string{
			`4: expect: port: only 227 (PASV) and 229 (EPSV) replies carry a port, and 2xx accepts other codes`,
			`5: expect: port: only 227 (PASV) and 229 (EPSV) replies carry a port, and 227|200 accepts other codes`,
			`6: expect: port: only 227 (PASV) and 229 (EPSV) replies carry a port, and 22x accepts other codes`,
		}},
		{"capture without regexp", head + "connect\ncapture x\n", []string{`4: capture: missing /regexp/`}},
		{"bad variable name", head + "connect\ncapture X /a/\nset 1x y\n", []string{
			`4: capture: bad variable name "X": want a lower-case letter, then lower-case letters, digits and _`,
			`5: set: bad variable name "1x": want a lower-case letter, then lower-case letters, digits and _`,
		}},
		{"set without value", head + "set x\n", []string{`3: set: missing value for x`}},
		{"built-in variable defined", head + "connect\nset user bob\ncapture password /./\n", []string{
			`4: {user} is a built-in variable; choose another name`,
			`5: {password} is a built-in variable; choose another name`,
		}},
		{"unknown data mode", head + "connect\ndata pasive\ndata\n", []string{
			`4: data: unknown mode "pasive" (want pasv, epsv, port, eprt, passive or active)`,
			`5: data: missing mode (pasv, epsv, port, eprt, passive or active)`,
		}},
		{"missing source", head + "connect\ndata pasv\nupload\n",
			[]string{`5: upload: missing source (inline "...", fixture PATH, random N or buffer NAME)`}},
		{"unknown source", head + "connect\ndata pasv\nupload file x\n",
			[]string{`5: upload: unknown source "file" (want inline "...", fixture PATH, random N or buffer NAME)`}},
		{"bad inline string", head + "connect\ndata pasv\nupload inline \"\\q\"\nwrite inline \"abc\nwrite inline abc\n", []string{
			`5: upload: inline: bad quoted string "\q": invalid syntax`,
			`6: write: inline: quoted string "abc has no closing "`,
			`7: write: inline: "abc": want a Go quoted string, "like this\r\n"`,
		}},
		{"bad random size", head + "connect\ndata pasv\nupload random ten\nupload random 999999999999\n", []string{
			`5: upload: random: "ten" is not a decimal number`,
			`6: upload: random: 999999999999 is larger than 268435456`,
		}},
		{"offset past the end", head + "connect\ndata pasv\nupload random 10 from 11\n",
			[]string{`5: upload: from 11 is past the end of random 10 (10 bytes)`}},
		{"fixture problems", head + "connect\ndata pasv\nwrite fixture nope.bin\nwrite fixture ../a.bin\nwrite fixture sub/nested\nwrite fixture\n", []string{
			`5: write: fixture nope.bin: file does not exist`,
			`6: write: fixture ../a.bin: a fixture path is relative to the script's directory and stays inside it (no leading /, no ..)`,
			`7: write: fixture sub/nested: is a directory`,
			`8: write: fixture: missing path`,
		}},
		{"bad download", head + "connect\ndata pasv\ndownload to x\ndownload as\n", []string{
			`5: download: "to": want nothing or "as NAME"`,
			`6: download: missing buffer name`,
		}},
		{"bad compare", head + "connect\ndata pasv\ndownload\ncompare last sha256 abc\ncompare last size -1\ncompare\n", []string{
			`6: compare: sha256: want 64 hexadecimal digits, got "abc"`,
			`7: compare: size: "-1" is not a decimal number`,
			`8: compare: missing buffer name`,
		}},
		{"trailing words", head + "connect\ndata pasv now\n", []string{`4: data: unexpected "now" at the end`}},
		{"bad sleep", head + "sleep 5\nsleep 11s\nsleep\nsleep -1s\n", []string{
			`3: sleep: bad duration "5" (want a Go duration such as 500ms or 2s)`,
			`4: sleep: duration 11s: at most 10s`,
			`5: sleep: missing duration (such as 500ms or 2s)`,
			`6: sleep: duration -1s: want more than zero`,
		}},

		// Static checks.
		{"not connected", head + "login\n@up send NOOP\n", []string{
			`3: connection main is not connected: a connect step must come first (connect)`,
			`4: connection up is not connected: a connect step must come first (@up connect)`,
		}},
		{"used after quit", head + "connect\nquit\nsend NOOP\n",
			[]string{`5: connection main was closed by the quit at line 4; connect it again first`}},
		{"connected twice", head + "connect\nconnect\n", []string{`4: connection main is already connected (line 3)`}},
		{"undefined variable", head + "connect\nsend CWD {dir}\nset dir x\nset y {nope}{dir}\n", []string{
			`4: undefined variable {dir}`,
			`6: undefined variable {nope}`,
		}},
		{"capture never used", head + "connect\ncapture code /^(\\d+)/\nsend NOOP\n", []string{`4: capture code is never used`}},
		{"capture redefined before use", head + "connect\ncapture a /./\ncapture a /./\nsend X {a}\n",
			[]string{`4: capture a is never used`}},
		{"compare before download", head + "connect\ncompare last size 0\n",
			[]string{`4: buffer last is compared before any download defines it`}},
		{"buffer source before download", head + "connect\ndata pasv\nupload buffer up\n",
			[]string{`5: buffer up is used before any download defines it`}},
		{"transfer without data", head + "connect\nupload inline \"x\"\n@b connect\n@b download\n@b write random 1\n@b close-data\n", []string{
			`4: upload needs a data step before it on connection main`,
			`6: download needs a data step before it on connection b`,
			`7: write needs a data step before it on connection b`,
			`8: close-data needs a data step before it on connection b`,
		}},
		{"data step used twice", head + "connect\ndata pasv\nupload random 1\ndownload\n",
			[]string{`6: download: the data connection was already used by the upload at line 5; add a data step before this line`}},
		{"data of another connection", head + "connect\n@b connect\n@b data pasv\ndownload\n",
			[]string{`6: download needs a data step before it on connection main`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.ftp", []byte(tc.src), testFixtures)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse = %v, want an ErrorList", err)
			}
			var got []string
			for _, e := range list {
				if e.File != "t.ftp" {
					t.Errorf("File = %q", e.File)
				}
				got = append(got, strings.TrimPrefix(e.Error(), "t.ftp:"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// A fixture step with no fixture directory is an error.
func TestParseFixtureWithoutFS(t *testing.T) {
	_, err := Parse("t.ftp", []byte(head+"connect\ndata pasv\nupload fixture a.bin\n"), nil)
	want := "t.ftp:5: upload: fixture a.bin: no fixture directory is available to this script"
	if err == nil || err.Error() != want {
		t.Errorf("Parse = %v, want %s", err, want)
	}
}

// openCounter counts the files opened in its file system.
type openCounter struct {
	fs.FS
	opens map[string]int
}

func (o openCounter) Open(name string) (fs.File, error) {
	o.opens[name]++
	return o.FS.Open(name)
}

// A fixture that several steps use is read once.
func TestParseFixtureReadOnce(t *testing.T) {
	fsys := openCounter{testFixtures, map[string]int{}}
	src := head + "connect\ndata pasv\nupload fixture a.bin\ndata pasv\nwrite fixture a.bin from 1\nupload fixture sub/b.bin\n"
	s, err := Parse("t.ftp", []byte(src), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if fsys.opens["a.bin"] != 1 || fsys.opens["sub/b.bin"] != 1 {
		t.Errorf("fixtures opened %v times, want once each", fsys.opens)
	}
	if a, b := s.Steps[2].src, s.Steps[4].src; string(a.data) != "abc\r\n" || string(b.data) != "abc\r\n" || b.from != 1 {
		t.Errorf("fixture sources %+v, %+v", a, b)
	}
}

// Parse reports every problem of a file, in line order, one per line of
// its Error.
func TestParseCollectsEveryError(t *testing.T) {
	src := "title: T\nlevel: must\nconnect\nexpect 2x\nsend {u}\nfrobnicate\ncapture c /x/\n"
	_, err := Parse("dir/t.ftp", []byte(src), nil)
	want := strings.Join([]string{
		`dir/t.ftp:1: missing header field "id"`,
		`dir/t.ftp:2: level "must": want MUST, SHOULD, MAY or POLICY`,
		`dir/t.ftp:4: expect: bad reply spec "2x": want a code (250), a class (2xx) or a two-digit prefix (25x), alternatives separated by |`,
		`dir/t.ftp:5: undefined variable {u}`,
		`dir/t.ftp:6: unknown step "frobnicate" (want connect, login, send, expect, capture, set, data, upload, write, close-data, download, compare, quit, sleep)`,
		`dir/t.ftp:7: capture c is never used`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("Parse error:\n%v\nwant:\n%s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 {
		t.Errorf("errors.As(*Error) = %v", e)
	}
}

// A good scenario parses to the expected header and steps.
func TestParseGood(t *testing.T) {
	src := strings.Join([]string{
		"# A scenario with every kind of step.", // 1
		"title:   Every step  ",                 // 2
		"id: SITE-ACME-QUOTA",                   // 3
		"level: SHOULD",                         // 4
		"labels: quota, rfc959:4.1.3, a_b-c.d",  // 5
		"needs: SIZE, rest stream, TLS, active", // 6
		"quote: It says # so.",                  // 7
		"",                                      // 8
		"connect",                               // 9
		"  login\r",                             // 10
		"send  SITE QUOTA {user} {{x}} # not a comment ",          // 11
		"expect 2xx|25x|501 text /a\\/b \\d/ multiline lines >=2", // 12
		"capture q /(\\d+) bytes/",                                // 13
		"set path {scratch}/f{q}",                                 // 14
		"@up connect",                                             // 15
		"@up data active",                                         // 16
		"@up write inline \"a\\r\\n\"",                            // 17
		"@up upload fixture sub/b.bin from 4",                     // 18
		"data epsv",                                               // 19
		"download as got",                                         // 20
		"compare got random 100 from 40",                          // 21
		"compare got sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", // 22
		"compare got size 0",            // 23
		"compare got buffer got from 0", // 24
		"data pasv",                     // 25
		"close-data",                    // 26
		"expect 226 lines 1",            // 27
		"sleep 1.5s",                    // 28
		"@up quit",                      // 29
		"@up connect",                   // 30
		"send CWD {path}",               // 31
		"quit",                          // 32
	}, "\n")
	s, err := Parse("x/Every Step!.ftp", []byte(src), testFixtures)
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "Every step" || s.ID != "SITE-ACME-QUOTA" || s.Level != "SHOULD" || s.Quote != "It says # so." {
		t.Errorf("header: %q %q %q %q", s.Title, s.ID, s.Level, s.Quote)
	}
	if want := []string{"quota", "rfc959:4.1.3", "a_b-c.d"}; !slices.Equal(s.Labels, want) {
		t.Errorf("Labels = %q, want %q", s.Labels, want)
	}
	if want := []string{"SIZE", "REST STREAM", "TLS", "active", "write"}; !slices.Equal(s.Needs, want) {
		t.Errorf("Needs = %q, want %q", s.Needs, want)
	}
	if !s.Writes || !s.Scratch {
		t.Errorf("Writes %v, Scratch %v", s.Writes, s.Scratch)
	}
	if s.Slug() != "every-step" || s.Key() != "SITE-ACME-QUOTA/every-step" {
		t.Errorf("Slug %q, Key %q", s.Slug(), s.Key())
	}
	type short struct {
		Line int
		Conn string
		Kind Kind
		Arg  string
	}
	want := []short{
		{9, "main", Connect, ""},
		{10, "main", Login, ""},
		{11, "main", Send, " SITE QUOTA {user} {{x}} # not a comment "},
		{12, "main", Expect, `2xx|25x|501 text /a\/b \d/ multiline lines >=2`},
		{13, "main", Capture, `q /(\d+) bytes/`},
		{14, "main", Set, "path {scratch}/f{q}"},
		{15, "up", Connect, ""},
		{16, "up", Data, "active"},
		{17, "up", Write, `inline "a\r\n"`},
		{18, "up", Upload, "fixture sub/b.bin from 4"},
		{19, "main", Data, "epsv"},
		{20, "main", Download, "as got"},
		{21, "main", Compare, "got random 100 from 40"},
		{22, "main", Compare, "got sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
		{23, "main", Compare, "got size 0"},
		{24, "main", Compare, "got buffer got from 0"},
		{25, "main", Data, "pasv"},
		{26, "main", CloseData, ""},
		{27, "main", Expect, "226 lines 1"},
		{28, "main", Sleep, "1.5s"},
		{29, "up", Quit, ""},
		{30, "up", Connect, ""},
		{31, "main", Send, "CWD {path}"},
		{32, "main", Quit, ""},
	}
	var got []short
	for _, st := range s.Steps {
		got = append(got, short{st.Line, st.Conn, st.Kind, st.Arg})
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n%v\nwant:\n%v", got, want)
	}
	st := s.Steps
	if st[1].Text != "login" || st[6].Text != "@up connect" {
		t.Errorf("Text %q, %q", st[1].Text, st[6].Text)
	}
	// send keeps its line as written after "send ", braces and # included.
	if got := st[2].tmpl.text(); got != " SITE QUOTA {user} {x} # not a comment " {
		t.Errorf("send template %q", got)
	}
	if v, _ := st[2].tmpl.expand(map[string]string{"user": "bob"}); v != " SITE QUOTA bob {x} # not a comment " {
		t.Errorf("send expands to %q", v)
	}
	e := st[3]
	for code, ok := range map[int]bool{200: true, 299: true, 250: true, 259: true, 501: true, 300: false, 502: false, 199: false} {
		if e.spec.match(code) != ok {
			t.Errorf("spec %s matches %d: %v", e.spec.text, code, !ok)
		}
	}
	if e.re.String() != `a/b \d` || !e.re.MatchString("x a/b 7") || !e.multiline || e.lines != 2 || !e.atLeast {
		t.Errorf("expect options: %q %v %d %v", e.re, e.multiline, e.lines, e.atLeast)
	}
	if st[4].name != "q" || st[4].re.NumSubexp() != 1 {
		t.Errorf("capture: %q", st[4].name)
	}
	if src := st[8].src; src.kind != srcInline || string(src.data) != "a\r\n" || src.from != -1 {
		t.Errorf("inline source %+v", src)
	}
	if src := st[9].src; src.kind != srcFixture || string(src.data) != "0123456789" || src.from != 4 || src.String() != "fixture sub/b.bin from 4" {
		t.Errorf("fixture source %+v %q", src, src.String())
	}
	if st[10].mode != "epsv" || st[11].name != "got" {
		t.Errorf("data %q, download %q", st[10].mode, st[11].name)
	}
	if src := st[12].src; src.kind != srcRandom || src.n != 100 || src.from != 40 {
		t.Errorf("random source %+v", src)
	}
	if st[13].sha256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" || st[14].size != 0 || st[12].size != -1 {
		t.Errorf("compare forms: %q %d", st[13].sha256, st[14].size)
	}
	if src := st[15].src; src.kind != srcBuffer || src.name != "got" || src.from != 0 {
		t.Errorf("buffer source %+v", src)
	}
	if e := st[18]; e.lines != 1 || e.atLeast || e.re != nil {
		t.Errorf("expect lines 1: %+v", e)
	}
	if st[19].dur != 1500*time.Millisecond {
		t.Errorf("sleep %v", st[19].dur)
	}
}

// A scenario that reads only neither writes nor needs a scratch
// directory; "write" in needs: is enough to write.
func TestParseWrites(t *testing.T) {
	tests := []struct {
		steps  string
		needs  string
		writes bool
	}{
		{"connect\nsend LIST\n", "", false},
		{"connect\nsend SITE HELP\n", "", false},
		{"connect\nsend SITE FROBNICATE\n", "", false},
		{"connect\nsend stor x\n", "", true},
		{"connect\nsend DELE x\n", "", true},
		{"connect\nsend RNFR a\n", "", true},
		{"connect\nsend SITE chmod 600 x\n", "", true},
		{"connect\nset c SITE\nsend SITE {c} x\n", "", true},
		{"connect\nset c X\nsend {c} x\n", "", false},
		{"connect\nset c X\nsend STOR{c}\n", "", false},
		{"connect\nset c X\nsend MKD {c}\n", "", true},
		{"connect\nsend NOOP\n", "write", true},
		{"connect\ndata pasv\nwrite inline \"\"\n", "", true},
	}
	for _, tc := range tests {
		src := head
		if tc.needs != "" {
			src += "needs: " + tc.needs + "\n"
		}
		s, err := Parse("t.ftp", []byte(src+tc.steps), nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Writes != tc.writes || slices.Contains(s.Needs, "write") != tc.writes {
			t.Errorf("%q: Writes %v, Needs %q; want %v", tc.steps, s.Writes, s.Needs, tc.writes)
		}
		if s.Scratch {
			t.Errorf("%q: Scratch", tc.steps)
		}
	}
}

// An id: with "/slug" gives the slug; else the file's name does.
func TestSlugAndKey(t *testing.T) {
	tests := []struct {
		file, id     string
		wantID, slug string
		wantKey      string
	}{
		{"a/dele.ftp", "RFC959-5.4-DELE-CODES/missing", "RFC959-5.4-DELE-CODES", "missing", "RFC959-5.4-DELE-CODES/missing"},
		{"a/dele.ftp", "RFC959-5.4-DELE-CODES", "RFC959-5.4-DELE-CODES", "dele", "RFC959-5.4-DELE-CODES/dele"},
		{"Other Name.ftp", "SITE-X/0-a-", "SITE-X", "0-a-", "SITE-X/0-a-"},
		{"Other Name.ftp", "SITE-X", "SITE-X", "other-name", "SITE-X/other-name"},
		{"x.ftp", "A.1/x9", "A.1", "x9", "A.1/x9"},
	}
	for _, tc := range tests {
		s, err := Parse(tc.file, []byte("title: T\nid: "+tc.id+"\nconnect\n"), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.id, err)
			continue
		}
		if s.ID != tc.wantID || s.Slug() != tc.slug || s.Key() != tc.wantKey || s.IDLine != 2 {
			t.Errorf("%s in %s: ID %q, Slug %q, Key %q, IDLine %d; want %q, %q, %q", tc.id, tc.file, s.ID, s.Slug(), s.Key(), s.IDLine, tc.wantID, tc.slug, tc.wantKey)
		}
	}
}

func TestSlug(t *testing.T) {
	for file, want := range map[string]string{
		"examples/scripts/rest-resume.ftp": "rest-resume",
		"REST resume (v2).ftp":             "rest-resume-v2",
		"a/b/__x__y.ftp":                   "x-y",
		`c:\dir\Win Name.ftp`:              "win-name",
		"___.ftp":                          "scenario",
		"café.ftp":                         "caf",
		"x.ftp.ftp":                        "x-ftp",
	} {
		if got := (&Script{File: file}).Slug(); got != want {
			t.Errorf("Slug(%q) = %q, want %q", file, got, want)
		}
	}
}

// Each "random N" of a scenario is the same data; other IDs or sizes give
// other data.
func TestRandomBytes(t *testing.T) {
	a, b := randomBytes("X-1", 1000), randomBytes("X-1", 1000)
	if string(a) != string(b) || len(a) != 1000 {
		t.Fatal("random N differs between two calls")
	}
	if string(a) == string(randomBytes("X-2", 1000)) || string(a[:999]) == string(randomBytes("X-1", 999)) {
		t.Error("random N does not depend on the ID and N")
	}
}

func TestClipQuote(t *testing.T) {
	if got := clipQuote("abc", 5); got != `"abc"` {
		t.Error(got)
	}
	if got := clipQuote("abcdef", 3); got != `"abc"...` {
		t.Error(got)
	}
	if got := clipQuote("aé", 2); got != `"a"...` { // never half a rune
		t.Error(got)
	}
}

// port LO-HI takes any range of ports, one port included, on 227 and
// 229 replies, beside the other options.
func TestParsePortRange(t *testing.T) {
	s, err := Parse("t.ftp", []byte(head+"connect\nexpect 227 port 1024-65535\nexpect 229 port 1-1 text /x/\nexpect 227|229 multiline port 30000-30099 lines >=1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 0}, {1024, 65535}, {1, 1}, {30000, 30099}}
	for i, st := range s.Steps {
		if got := [2]int{st.ports.Min, st.ports.Max}; got != want[i] {
			t.Errorf("line %d: port range %v, want %v", st.Line, got, want[i])
		}
	}
}

// set and sleep use no connection: they may come before any connect.
func TestParseSetAndSleepNeedNoConnection(t *testing.T) {
	if _, err := Parse("t.ftp", []byte(head+"set x 1\nsleep 1ms\n@b set y {x}\nconnect\nsend NOOP {y}\n"), nil); err != nil {
		t.Error(err)
	}
}

// text renders the template with its references as written, {name}; a
// literal brace is shown once. The tests use it to see how a line was
// read.
func (t template) text() string {
	var b strings.Builder
	for _, p := range t {
		if p.ref != "" {
			b.WriteString("{" + p.ref + "}")
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}
