package script

import (
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// Script is one scenario, parsed and statically checked: its header and
// its steps in file order.
type Script struct {
	// File is the path as given to Parse, LoadDir or LoadFS; failures
	// name it.
	File string

	Title string // title: (required)
	// ID is the requirement of id: (required), a catalog requirement ID
	// or the user's own, without the slug that may follow it after a "/".
	ID    string
	Level string // level: MUST, SHOULD, MAY or POLICY; "" when absent
	Quote string // quote: the sentence the scenario relies on; "" when absent

	Labels []string // labels:, in the order written
	// Needs lists the features the scenario relies on (needs:): FEAT
	// feature names as written ("REST STREAM"), and the pseudo-features
	// TLS, write, active and passive. "write" is added when the scenario
	// writes without saying so.
	Needs []string
	// Writes is true when the scenario may change the server: "write" in
	// needs:, an upload or write step, or a send whose command changes
	// files or runs something (STOR, DELE, MKD, RNFR, SITE CHMOD, ...).
	Writes bool
	// Scratch is true when a step refers to {scratch}: the run must
	// provide a scratch directory.
	Scratch bool

	Steps []Step

	// The lines of the header fields title:, id: and level: (0 when
	// absent), for problems found later, against the catalog.
	TitleLine, IDLine, LevelLine int

	// slug is the slug id: gives after its "/" ("" when it gives none).
	slug string
}

// Kind is what a step does: its name in the file.
type Kind string

// The step kinds.
const (
	Connect   Kind = "connect"    // open the control connection, expect a 220 greeting
	Login     Kind = "login"      // log in with the run's credentials
	Send      Kind = "send"       // send a command line, read nothing
	Expect    Kind = "expect"     // read the next reply and check it
	Capture   Kind = "capture"    // take a variable from the last reply
	Set       Kind = "set"        // define a variable
	Data      Kind = "data"       // set up a data connection
	Upload    Kind = "upload"     // write to the data connection and close it
	Write     Kind = "write"      // write to the data connection, keep it open
	CloseData Kind = "close-data" // close the data connection
	Download  Kind = "download"   // read the data connection to its end
	Compare   Kind = "compare"    // compare a downloaded buffer
	Quit      Kind = "quit"       // QUIT, expect 221, close
	Sleep     Kind = "sleep"      // wait
)

// kinds lists every step kind, for the unknown-step message.
var kinds = []Kind{Connect, Login, Send, Expect, Capture, Set, Data, Upload, Write, CloseData, Download, Compare, Quit, Sleep}

// Step is one line of a scenario that does something.
type Step struct {
	Line int    // 1-based line in the file
	Conn string // the control connection it addresses ("main" without @NAME)
	Text string // the source line, without leading blanks
	Kind Kind
	// Arg is the text after the step's name: the command line of send,
	// the spec and options of expect, and so on ("" when there is none).
	Arg string

	name      string            // variable (capture, set) or buffer (download, compare)
	tmpl      template          // send: the line; set: the value
	spec      replySpec         // expect
	multiline bool              // expect: multiline
	lines     int               // expect: lines N, lines >=N (-1: no condition)
	atLeast   bool              // expect: lines >=N
	ports     harness.PortRange // expect: port LO-HI (zero: no condition)
	re        *regexp.Regexp    // expect: text /RE/; capture (its String is RE, \/ read as /)
	mode      string            // data: pasv, epsv, port, eprt, passive, active
	src       *source           // upload, write, compare NAME SOURCE
	sha256    string            // compare NAME sha256 HEX (lower case)
	size      int64             // compare NAME size N (-1: not this form)
	dur       time.Duration     // sleep
}

// Slug is the scenario's name in a check key (ID/slug). An id: that
// carries one after a "/" gives it ("id: RFC959-5.4-DELE-CODES/missing"
// gives "missing"), so that several scenarios of one file name, or files
// renamed, keep their keys. Else it is the file's base name without
// ".ftp", in lower case, every run of characters other than a-z and 0-9
// replaced by one "-", without a leading or trailing "-" ("REST resume
// (v2).ftp" gives "rest-resume-v2"); a name with nothing left gives
// "scenario".
func (s *Script) Slug() string {
	if s.slug != "" {
		return s.slug
	}
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(s.File, `\`, "/")), ".ftp")
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(base) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "scenario"
	}
	return b.String()
}

// Key is the scenario's check key, ID/slug.
func (s *Script) Key() string { return s.ID + "/" + s.Slug() }
