package suites

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// MLST and MLSD (RFC 3659 §7): listings for machines, their facts, the
// FEAT line that announces them and OPTS MLST. MLST and MLSD are optional:
// a server that neither lists MLST in FEAT nor implements MLST skips these
// checks; one that lists it must implement both commands exactly as
// specified. The checks look at a scratch directory that holds the binary
// file fixture.bin and the empty directory sub (withMLSxTree). Each rule of
// the entry grammar is judged by one check; a line that breaks the rigid
// format (a header, a blank line, a tab) is RFC3659-7.2-RIGID-FORMAT's and
// the other grammar checks pass over it.

func init() {
	NotCovered["RFC3659-7.5-FACT-NAMES-CI"] = "a rule for clients (\"Fact names are case-insensitive\"): the harness reads fact names in any case (harness.MLSxEntry, harness.Features.MLSTFacts), and the OPTS MLST checks compare fact names in any case"
	NotCovered["RFC3659-7.5.6-LANG-NO-GUESS"] = "whether a lang or media-type value was guessed or determined \"in an unambiguous way such as file system tagging\" depends on how the server's file system is configured, which cannot be seen from outside"
	NotCovered["RFC3659-2.2-NO-CRLF-NAMES"] = "a file whose name holds CR LF cannot be made through FTP (the CRLF would end the command line), so whether the server encodes or omits such names can only be seen on a server whose file system already holds one"
	NotCovered["RFC3659-7.5.1.4-PDIR"] = "a permission: pdir entries may appear in MLSD; that a CWD to a pdir name reaches a parent is a SHOULD that applies only to servers that choose to send them, and which directory is meant is left open (\"it is not required that all entities with type=pdir refer to the same directory\")"
	NotCovered["RFC3659-7.5.9-CHARSET"] = "the charset fact is due only for pathnames that are not UTF-8; which names a server holds in another character set cannot be made or learnt through FTP, where the names the harness creates are UTF-8"
	NotCovered["RFC3659-7.9-OPTS-PRE-AUTH"] = "a permission: \"Servers are not required to accept OPTS MLST commands before authentication of the user-PI, but may choose to permit them\"; every answer is allowed"
}

var _ = describe("Listings for machines: MLST and MLSD (RFC 3659 §7)", Label("listing", "mlst"), func(r *Run) {

	// RFC 3659 §7.8: "a server-FTP process that supports MLST, and MLSD,
	// plus internationalization of pathnames, MUST indicate that this
	// support exists. It does this by including a MLST feature line";
	// "Note that there is no distinct FEAT output for MLSD. The presence
	// of the MLST feature indicates that both MLST and MLSD are
	// supported."
	r.Check("RFC3659-7.8-MLST-FEAT", "lists MLST in FEAT exactly when it implements MLST and MLSD",
		func(ctx *Ctx) {
			c := login(ctx)
			f := sessionFeatures(ctx, c)
			listed := f.Has("MLST")
			mlst := cmd(ctx, c, "MLST")
			mode := ctx.defaultMode(c)
			ctx.need(dataCapability(mode))
			_, t, err := c.ListMLSD(ctx, mode, "")
			if t == nil {
				ctx.must(err, "MLSD")
			}
			mlsd := t.Final
			mlstImpl := !notImplemented(mlst)
			mlsdImpl := !(t.Prelim == nil && notImplemented(mlsd))
			const rule = "RFC 3659 §7.8: a server that supports MLST and MLSD \"MUST indicate that this support exists ... by including a MLST feature line\", and \"The presence of the MLST feature indicates that both MLST and MLSD are supported\""
			switch {
			case listed && !mlstImpl:
				ctx.failf("FEAT lists MLST, but MLST answered %s (%s)", mlst, rule)
			case listed && !mlsdImpl:
				ctx.failf("FEAT lists MLST, but MLSD answered %s (%s)", mlsd, rule)
			case !listed && mlstImpl:
				ctx.failf("MLST is implemented (MLST answered %s), but FEAT does not list it: the listing holds %q (%s)", mlst, f.Names(), rule)
			case !listed && mlsdImpl:
				ctx.infof("MLSD is implemented (%s) but MLST is not (%s) and FEAT lists no MLST line", t.ReplyChain(), mlst)
			case !listed:
				Skip(fmt.Sprintf("MLST and MLSD are not implemented (%s, %s) and FEAT does not list MLST", mlst, mlsd))
			}
		})

	// RFC 3659 §7.8: "mlst-feat = SP "MLST" [SP factlist] CRLF; factlist
	// = 1*( factname ["*"] ";" ). The initial space shown in the
	// mlst-feat response is that required by the FEAT command, two spaces
	// are not permitted."
	r.Check("RFC3659-7.8-MLST-FEAT-GRAMMAR", "writes the MLST feature line as SP \"MLST\" [SP factlist], each fact followed by \";\"",
		func(ctx *Ctx) {
			c := login(ctx)
			f := sessionFeatures(ctx, c)
			ft, ok := f.Get("MLST")
			if !ok {
				Skip("FEAT does not list MLST")
			}
			var problems []string
			for _, v := range f.Violations {
				if v.Kind == harness.FeatMLSTParams {
					problems = append(problems, v.Detail)
				}
			}
			if len(problems) > 0 {
				ctx.failf("the MLST feature line %q breaks mlst-feat = SP \"MLST\" [SP factlist], factlist = 1*( factname [\"*\"] \";\" ) (RFC 3659 §7.8): %s", f.Reply.Lines[ft.Line], strings.Join(problems, "; "))
			}
		})

	// RFC 3659 §7.8: "Where the optional asterisk appears after a
	// factname, that fact will be included in MLST format responses,
	// until an "OPTS MLST" is given to alter the list of facts returned.
	// After that, subsequent FEAT commands will return the asterisk to
	// show the facts selected by the most recent "OPTS MLST"." §7.9.1:
	// "the list of facts returned will be the same as those marked by a
	// trailing asterisk ("*") in a subsequent FEAT command response."
	r.Check("RFC3659-7.8-MLST-FEAT-STARS", "marks with \"*\" in FEAT the facts MLST returns, and after OPTS MLST the facts it selected",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			f := sessionFeatures(ctx, c)
			if !f.Has("MLST") {
				Skip("FEAT does not list MLST (RFC3659-7.8-MLST-FEAT judges that)")
			}
			offered, selected := offeredFacts(f)
			if len(offered) == 0 {
				Skip("the MLST feature line names no facts")
			}
			_, e := mlstEntry(ctx, c, tree.file.name)
			for _, name := range factNames(e) {
				if slices.Contains(offered, name) && !slices.Contains(selected, name) {
					ctx.failf("MLST %s returned the fact %s, which the MLST feature line %q offers without \"*\": the \"*\" marks the facts MLST returns before any OPTS MLST (RFC 3659 §7.8)", tree.file.name, name, "MLST "+f.Params("MLST"))
				}
			}
			pick := pickFacts(offered, 2, "size", "modify", "type", "perm", "unique")
			if len(pick) == 0 {
				pick = offered[:1]
			}
			rp := optsMLST(ctx, c, factList(pick))
			// The selection is what MLST returns now (whether the server
			// honours OPTS MLST is RFC3659-7.9-OPTS-MLST-RESTRICTS'
			// finding, what it answers RFC3659-7.9-OPTS-MLST-REPLY's).
			_, e = mlstEntry(ctx, c, tree.file.name)
			var now []string
			for _, name := range factNames(e) {
				if slices.Contains(offered, name) {
					now = append(now, name)
				}
			}
			after := sessionFeatures(ctx, c)
			if _, stars := offeredFacts(after); !sameSetFold(stars, now) {
				ctx.failf("after OPTS MLST %s (answered %s) MLST returns the facts %q, but FEAT marks %q with \"*\": \"subsequent FEAT commands will return the asterisk to show the facts selected by the most recent OPTS MLST\" (RFC 3659 §7.8)",
					factList(pick), rp, now, stars)
			}
		})

	// RFC 3659 §7.1: "In all cases for MLST, a single set of fact lines
	// (usually a single fact line) containing the information about the
	// named file or directory shall be returned over the control
	// connection, without opening a data connection."
	r.Check("RFC3659-7.1-MLST-CONTROL", "answers MLST on the control connection, with no data connection, even when one is ready",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			d := openData(ctx, c, ctx.defaultMode(c))
			DeferCleanup(d.Close)
			rp, l := mlstOf(ctx, c, tree.file.name)
			if harness.Class(rp.Code) == 1 {
				ctx.failf("MLST %s (after %s set up a data connection) answered %s: it started a transfer; MLST describes the object \"over the control connection, without opening a data connection\" (RFC 3659 §7.1)", tree.file.name, ctx.defaultMode(c), rp)
			}
			expectCode(ctx, "MLST "+tree.file.name, rp, nil, harness.ReplyFileActionOK)
			if l != nil && len(l.Entries) == 0 {
				ctx.failf("MLST %s answered %q: no entry on the control connection (RFC 3659 §7.1, §7.2)", tree.file.name, rp.Lines)
			}
		})

	// RFC 3659 §7.2: "Note that for MLST the fact set is preceded by a
	// space. That is provided to guarantee that the fact set cannot be
	// accidentally interpreted as the terminating line of the control
	// response, but is required even when that would not be possible."
	r.Check("RFC3659-7.2-MLST-LINE-SP", "starts the entry line of an MLST reply with one SP",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			for _, arg := range []string{tree.file.name, tree.sub} {
				l, _ := mlstEntry(ctx, tree.c, arg)
				if v := listingViolations(l, harness.MLSTLineSpace, harness.MLSxLeadingSpace); len(v) > 0 {
					ctx.failf("MLST %s: %s (RFC 3659 §7.2: control-response = \"250-\" [ response-message ] CRLF 1*( SP entry CRLF ) ..., the SP \"required even when that would not be possible\")", arg, strings.Join(v, "; "))
				}
			}
		})

	// RFC 3659 §7.2: "Normally exactly one entry would be returned, more
	// entries are permitted only when required to represent a file that
	// is to have multiple "Type" facts returned. In this case, the
	// pathname component of every response MUST be identical." §7:
	// "MLST provides data about exactly the object named on its command
	// line, and no others."
	r.Check("RFC3659-7.2-MLST-ONE-ENTRY", "describes a directory with MLST in one entry, not its contents",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := withInner(ctx, tree)
			l, _ := mlstEntry(ctx, c, tree.sub)
			if len(l.Entries) > 1 && l.HasViolation(harness.MLSTEntriesDiffer) {
				var names []string
				for _, e := range l.Entries {
					names = append(names, e.Pathname)
				}
				ctx.failf("MLST %s (a directory holding %s) answered %d entries for %q: MLST \"provides data about exactly the object named on its command line, and no others\"; several entries are allowed only for several types of one object, with identical pathnames (RFC 3659 §7, §7.2)",
					tree.sub, innerName, len(l.Entries), names)
			}
		})

	// RFC 3659 §7.1: "If no argument is given then ... MLST must return a
	// listing giving information about the current working directory
	// itself."
	r.Check("RFC3659-7.1-MLST-NO-ARG-CWD", "describes the working directory itself with MLST without an argument",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			_, sub := mlstEntry(ctx, c, tree.sub)
			if r := cmd(ctx, c, "CWD "+tree.sub); harness.Class(r.Code) != 2 {
				ctx.failf("cannot enter the directory %s: CWD got %s", tree.sub, r)
			}
			rp, l := mlstOf(ctx, c, "")
			if l == nil || len(l.Entries) == 0 {
				ctx.failf("MLST without an argument in the directory %s: expected 250 and an entry for the working directory; got %s (RFC 3659 §7.1: \"MLST must return a listing giving information about the current working directory itself\")", tree.sub, rp)
			}
			e := l.Entries[0]
			switch {
			case e.Type != "" && !e.IsDir():
				ctx.failf("MLST without an argument in the directory %s describes %q of type %s: the working directory is a directory (RFC 3659 §7.1)", tree.sub, e.Pathname, e.Type)
			case sub.Unique != "" && e.Unique != "" && e.Unique != sub.Unique:
				ctx.failf("MLST without an argument in the directory %s describes %q with unique=%s, but %s has unique=%s: it describes another object than the working directory (RFC 3659 §7.1)", tree.sub, e.Pathname, e.Unique, tree.sub, sub.Unique)
			case e.Pathname != "" && e.Pathname != "." && !nameEndsWith(e.Pathname, tree.sub):
				ctx.failf("MLST without an argument in the directory %s describes %q, which does not name the working directory (RFC 3659 §7.1, §7.3.1: an empty name, or one that refers to the current directory)", tree.sub, e.Pathname)
			}
		})

	// RFC 3659 §7.1: "If the Client-FTP sends an invalid argument, the
	// server-FTP MUST reply with an error code of 501." §7.2.1: "Giving a
	// name that does not exist, or for which access permission ... is
	// not granted will elicit a 550 reply."
	r.Check("RFC3659-7.1-MLSX-501-INVALID", "refuses MLST and MLSD of a pathname that does not exist, with no listing",
		func(ctx *Ctx) {
			c := login(ctx)
			requireMLST(ctx, c)
			missing := harness.UniqueName("ftpconform-missing")
			rp, l := mlstOf(ctx, c, missing)
			if l != nil {
				ctx.failf("MLST %s (no such file) answered %s: nothing exists to describe; RFC 3659 §7.2.1: a name that does not exist \"will elicit a 550 reply\"", missing, rp)
			}
			expectCode(ctx, "MLST "+missing+" (no such file)", rp, nil, harness.ReplyActionNotTaken, harness.ReplySyntaxErrorParams)
			_, t, err := mlsdOf(ctx, c, missing)
			if t == nil {
				ctx.must(err, "MLSD %s", missing)
			}
			if t.Prelim != nil || harness.Class(t.Final.Code) == 2 {
				ctx.failf("MLSD %s (no such directory) answered %s with %d octets of listing: nothing exists to list; RFC 3659 §7.2.1: a name that does not exist \"will elicit a 550 reply\"", missing, t.ReplyChain(), len(t.Data))
			}
			expectCode(ctx, "MLSD "+missing+" (no such directory)", t.Final, nil, harness.ReplyActionNotTaken, harness.ReplySyntaxErrorParams)
		})

	// RFC 3659 §7.1: "If a directory name is given then MLSD must return
	// a listing of the contents of the named directory, otherwise it
	// issues a 501 reply, and does not open a data connection."
	r.Check("RFC3659-7.1-MLSD-DIR-ONLY", "answers MLSD of a file with 501 and no transfer",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, t, err := mlsdOf(ctx, tree.c, tree.file.name)
			if t == nil {
				ctx.must(err, "MLSD %s", tree.file.name)
			}
			if t.Prelim != nil || harness.Class(t.Final.Code) == 2 {
				ctx.failf("MLSD %s (a file) answered %s and sent %d octets: MLSD lists directories; for anything else it \"issues a 501 reply, and does not open a data connection\" (RFC 3659 §7.1)", tree.file.name, t.ReplyChain(), len(t.Data))
			}
			expectCode(ctx, "MLSD "+tree.file.name+" (a file)", t.Final, nil, harness.ReplySyntaxErrorParams)
		})

	// RFC 3659 §7.1: "If no argument is given then MLSD must return a
	// listing of the contents of the current working directory".
	r.Check("RFC3659-7.1-MLSD-NO-ARG", "lists the working directory with MLSD without an argument",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			l, _ := mlsdList(ctx, tree.c, "")
			var got []string
			for _, e := range entriesOf(l) {
				if b := baseOf(pathOf(e)); e.Type != "cdir" && e.Type != "pdir" && b != "." && b != ".." {
					got = append(got, b)
				}
			}
			want := []string{tree.file.name, tree.sub}
			if !sameSetFold(got, want) {
				ctx.failf("MLSD without an argument in the scratch directory, which holds %q: the listing names %q (RFC 3659 §7.1: \"MLSD must return a listing of the contents of the current working directory\")", want, got)
			}
		})

	// RFC 3659 §7.2: "If all is OK, the server will return the
	// initial-response, send the appropriate data-response over the new
	// data connection, close that connection, and then send the
	// final-response over the control connection." initial-response =
	// "150" ...; final-response = "226" ...
	r.Check("RFC3659-7.2-MLSD-SEQUENCE", "answers MLSD with 150, the listing on the data connection, then 226",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, t := mlsdList(ctx, tree.c, "")
			if t.Prelim == nil {
				ctx.failf("MLSD: got %s with no preliminary reply: the sequence is 150, the listing on the data connection, then 226 (RFC 3659 §7.2)", t.ReplyChain())
			}
			if t.Prelim.Code != harness.ReplyDataAlreadyOpen {
				expectCode(ctx, "MLSD: the preliminary reply", t.Prelim, nil, harness.ReplyFileStatusOK, harness.ReplyDataAlreadyOpen)
			}
			expectCode(ctx, "MLSD: the reply after the listing", t.Final, nil, harness.ReplyClosingData)
		})

	// RFC 3659 §7.2: "The data connection opened for a MLSD response
	// shall be a connection as if the "TYPE L 8", "MODE S", and "STRU F"
	// commands had been given, whatever FTP transfer type, mode and
	// structure had actually been set, and without causing those
	// settings to be altered for future commands."
	r.Check("RFC3659-7.2-MLSD-TYPE-L8", "sends MLSD unconverted in TYPE A and leaves TYPE A in force",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			u := timedUpload(ctx, c, "lines.txt", textFixture)
			setType(ctx, c, "A")
			before := fetch(ctx, c, u.name)
			_, t := mlsdList(ctx, c, "")
			if bytes.Contains(t.Data, []byte("\r\r\n")) {
				ctx.failf("MLSD in TYPE A sent lines ending in CR CR LF: the listing was converted as TYPE A text, but MLSD data goes \"as if the TYPE L 8 ... commands had been given, whatever FTP transfer type ... had actually been set\" (RFC 3659 §7.2)")
			}
			after := fetch(ctx, c, u.name)
			if !bytes.Equal(before, after) {
				ctx.failf("RETR %s in TYPE A sent %d octets before MLSD and %d after it, with no TYPE command between: MLSD changed the session's representation type (RFC 3659 §7.2: \"without causing those settings to be altered for future commands\")", u.name, len(before), len(after))
			}
		})

	// RFC 3659 §7.2: data-response = *( entry CRLF ); entry = [ facts ]
	// SP pathname.
	r.Check("RFC3659-7.2-MLSD-DATA-GRAMMAR", "sends MLSD data as entries of facts, SP and pathname, each ended by CRLF",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			data := rawMLSD(ctx, tree.c, "")
			var problems []string
			for i, line := range dataLines(data) {
				if rigidProblem(line.text) != "" {
					continue
				}
				if !line.crlf {
					problems = append(problems, fmt.Sprintf("line %d %q does not end with CRLF", i+1, line.text))
				}
				e := harness.ParseMLSxEntry(line.text)
				for _, v := range e.Violations {
					if v.Kind == harness.MLSxNoSeparator {
						problems = append(problems, fmt.Sprintf("line %d: %s", i+1, v.Detail))
					}
				}
				if e.Pathname == "" {
					problems = append(problems, fmt.Sprintf("line %d %q has no pathname", i+1, line.text))
				}
			}
			if len(problems) > 0 {
				ctx.failf("MLSD data breaks data-response = *( entry CRLF ), entry = [ facts ] SP pathname (RFC 3659 §7.2): %s", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.2: "Implementations MUST NOT vary the format by, for
	// example, inserting extra spaces for readability, replacing spaces
	// by tabs, including header or title lines, or inserting blank lines,
	// or in any other way alter this format." §7.1: "No title, header,
	// or summary, lines, or any other formatting, other than as is
	// specified below, is ever returned in the output of an MLST or MLSD
	// command."
	r.Check("RFC3659-7.2-RIGID-FORMAT", "adds no header, summary or blank line and no tab to MLST and MLSD output",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			var problems []string
			for i, line := range dataLines(rawMLSD(ctx, tree.c, "")) {
				if p := rigidProblem(line.text); p != "" {
					problems = append(problems, fmt.Sprintf("MLSD line %d: %s", i+1, p))
				}
			}
			rp, _ := mlstOf(ctx, tree.c, tree.file.name)
			for i, line := range rp.Inner() {
				if p := rigidProblem(strings.TrimPrefix(line, " ")); p != "" {
					problems = append(problems, fmt.Sprintf("MLST reply line %d: %s", i+2, p))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.2: implementations \"MUST NOT vary the format by, for example, inserting extra spaces for readability, replacing spaces by tabs, including header or title lines, or inserting blank lines\")", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.2: "Exactly one space exists between the set of facts
	// and the pathname. ... No spaces are permitted in the facts, any
	// other spaces in the response are to be treated as being a part of
	// the pathname."
	r.Check("RFC3659-7.2-ONE-SP-BEFORE-NAME", "puts exactly one SP between the facts and the pathname, and none inside the facts",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			names := []string{tree.file.name, tree.sub}
			var lines []string
			for _, arg := range names {
				_, e := mlstEntry(ctx, tree.c, arg)
				lines = append(lines, e.Line)
			}
			l := cwdListing(ctx, tree)
			for _, e := range l.Entries {
				lines = append(lines, e.Line)
			}
			var problems []string
			for _, line := range lines {
				if p := separatorProblem(line, names); p != "" {
					problems = append(problems, p)
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.2: \"Exactly one space exists between the set of facts and the pathname\"; \"No spaces are permitted in the facts\")", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.2: MLSD data is entry CRLF with entry = [ facts ] SP
	// pathname: a line starts with its facts. "the first character of the
	// output line will be a space" only when no facts are included
	// (§7.9).
	r.Check("RFC3659-7.2-MLSD-NO-LEADING-SP", "starts MLSD lines with their facts, not with a SP",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			l := cwdListing(ctx, tree)
			if v := listingViolations(l, harness.MLSxLeadingSpace); len(v) > 0 {
				ctx.failf("MLSD data: %s (RFC 3659 §7.2: data-response = *( entry CRLF ), entry = [ facts ] SP pathname: the SP that begins MLST lines is not part of MLSD lines)", strings.Join(limit(v, 5), "; "))
			}
		})

	// RFC 3659 §7.4: "The facts are a series of keyword=value pairs each
	// followed by semi-colon (";") characters. An individual fact may not
	// contain a semi-colon in its name or value. The complete series of
	// facts may not contain the space character."
	r.Check("RFC3659-7.4-FACT-SYNTAX", "writes every fact as name=value followed by \";\", with values of the standard facts' grammar",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			problems := entryProblems(mlsxEntries(ctx, tree), harness.MLSxFactSyntax, harness.MLSxSize, harness.MLSxTime, harness.MLSxUnique)
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.4: facts = 1*( fact \";\" ), fact = factname \"=\" value, value = *SCHAR; §7.5: size-fact = \"Size\" \"=\" 1*DIGIT, modify-fact = \"Modify\" \"=\" time-val, unique-fact = \"Unique\" \"=\" token)", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.5: "Implementations may define keywords for
	// experimental, or private use. All such keywords MUST begin with the
	// two character sequence "x."." OS-specific facts carry an IANA OS
	// name and "." (UNIX.mode).
	r.Check("RFC3659-7.5-LOCAL-FACTS-X", "names every non-standard fact with \"x.\" or an OS name and \".\"",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			problems := entryProblems(mlsxEntries(ctx, tree), harness.MLSxUnknownFact)
			if f := ctx.cfg.Facts; f != nil && f.Features != nil {
				for _, fo := range f.Features.MLSTFacts() {
					if !knownFactName(fo.Name) {
						problems = append(problems, fmt.Sprintf("the MLST feature line offers %q, which is neither a standard fact nor \"x.\" or \"OS.\" plus a name", fo.Name))
					}
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5: private facts \"MUST begin with the two character sequence \"x.\"\"; OS-specific facts are prefixed with an IANA OS name and \".\")", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.5.1: "Five values are possible for the type fact: file
	// -- a file entry, cdir -- the listed directory, pdir -- a parent
	// directory, dir -- a directory or sub-directory, OS.name=type -- an
	// OS or file system dependent file type".
	r.Check("RFC3659-7.5.1-TYPE-VALUES", "gives files the type file and directories the type dir",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, ef := mlstEntry(ctx, tree.c, tree.file.name)
			_, ed := mlstEntry(ctx, tree.c, tree.sub)
			l := cwdListing(ctx, tree)
			type seen struct {
				what string
				e    *harness.MLSxEntry
				dir  bool
			}
			all := []seen{{"MLST " + tree.file.name, ef, false}, {"MLST " + tree.sub, ed, true},
				{"MLSD: " + tree.file.name, entryNamed(l, tree.file.name), false}, {"MLSD: " + tree.sub, entryNamed(l, tree.sub), true}}
			var problems []string
			typed := false
			for _, s := range all {
				if s.e == nil || !s.e.Has("type") {
					continue
				}
				typed = true
				switch {
				case slices.ContainsFunc(s.e.Violations, func(v harness.Violation) bool { return v.Kind == harness.MLSxType }):
					problems = append(problems, fmt.Sprintf("%s: type=%s is none of file, cdir, pdir, dir, OS.name=type", s.what, s.e.Type))
				case s.dir && !s.e.IsDir():
					problems = append(problems, fmt.Sprintf("%s, a directory: type=%s", s.what, s.e.Type))
				case !s.dir && s.e.Type != "file" && !strings.HasPrefix(s.e.Type, "os."):
					problems = append(problems, fmt.Sprintf("%s, a plain file: type=%s", s.what, s.e.Type))
				}
			}
			if !typed {
				Skip("the server returns no type fact")
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.1: file -- a file entry, dir -- a directory or sub-directory)", strings.Join(problems, "; "))
			}
		})

	// RFC 3659 §7.5.1.2: "An entry of this type will only be returned as
	// a part of the result of an MLSD command when the type fact is
	// included ... It MUST NOT be included if the type fact is not
	// included, or there would be no way for the user-PI to distinguish
	// the name of the directory from an entry in the directory."
	r.Check("RFC3659-7.5.1.2-CDIR-ONLY-WITH-TYPE", "lists no entry for the listed directory itself in MLSD when the type fact is not selected",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			f := sessionFeatures(ctx, c)
			offered, _ := offeredFacts(f)
			var without []string
			for _, o := range offered {
				if o != "type" {
					without = append(without, o)
				}
			}
			optsMLST(ctx, c, factList(pickFacts(without, 2, "size", "modify", "perm", "unique")))
			l := cwdListing(ctx, tree)
			var foreign []string
			for _, e := range entriesOf(l) {
				// A typed cdir entry is legal; that the type fact came
				// although it was deselected is RFC3659-7.9-OPTS-MLST-
				// RESTRICTS' finding.
				if b := baseOf(pathOf(e)); b != tree.file.name && b != tree.sub && !e.Has("type") {
					foreign = append(foreign, e.Line)
				}
			}
			if len(foreign) > 0 {
				ctx.failf("with the type fact deselected (OPTS MLST %s), MLSD of the scratch directory, which holds only %s and %s, also lists %q: an entry for the listed (or a parent) directory that the client cannot tell from the directory's contents (RFC 3659 §7.5.1.2: a cdir entry \"MUST NOT be included if the type fact is not included\")",
					factList(pickFacts(without, 2, "size", "modify", "perm", "unique")), tree.file.name, tree.sub, foreign)
			}
		})

	// RFC 3659 §7.5.2: "The value of this fact should be the same for any
	// number of pathnames that refer to the same underlying file. The fact
	// should have different values for names that reference distinct
	// files."
	r.Check("RFC3659-7.5.2-UNIQUE", "gives one object the same unique fact in MLST and MLSD, and distinct objects distinct ones",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, ef := mlstEntry(ctx, tree.c, tree.file.name)
			_, ed := mlstEntry(ctx, tree.c, tree.sub)
			if !ef.Has("unique") && !ed.Has("unique") {
				Skip("the server returns no unique fact")
			}
			l := cwdListing(ctx, tree)
			var problems []string
			if ef.Unique != "" && ef.Unique == ed.Unique {
				problems = append(problems, fmt.Sprintf("the file %s and the directory %s share unique=%s", tree.file.name, tree.sub, ef.Unique))
			}
			for _, p := range []struct {
				name string
				e    *harness.MLSxEntry
			}{{tree.file.name, ef}, {tree.sub, ed}} {
				if m := entryNamed(l, p.name); m != nil && m.Has("unique") && p.e.Has("unique") && m.Unique != p.e.Unique {
					problems = append(problems, fmt.Sprintf("%s has unique=%s in MLST but unique=%s in MLSD", p.name, p.e.Unique, m.Unique))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.2: the unique fact \"should be the same for any number of pathnames that refer to the same underlying file\" and \"should have different values for names that reference distinct files\")", strings.Join(problems, "; "))
			}
		})

	// RFC 3659 §7.5.3: "The modify fact is used to determine the last
	// time the content of the file (or directory) indicated was modified.
	// Any change of substance to the file should cause this value to
	// alter. That is, if a change is made to a file such that the results
	// of a RETR command would differ, then the value of the modify fact
	// should alter."
	r.Check("RFC3659-7.5.3-MODIFY", "changes the modify fact of a file when its content changes",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			_, before := mlstEntry(ctx, c, tree.file.name)
			if before.Modify.IsZero() {
				Skip("the server returns no modify fact that is a time-val")
			}
			// Time-vals often have whole seconds: the new content comes
			// in a later second than the old.
			select {
			case <-time.After(1100 * time.Millisecond):
			case <-ctx.Done():
				ctx.must(ctx.Err(), "waiting for the next second")
			}
			upload(ctx, c, ctx.fixtureMode(c), tree.file.name, []byte("new content"))
			_, after := mlstEntry(ctx, c, tree.file.name)
			if !after.Modify.After(before.Modify) {
				b, _ := before.Fact("modify")
				a, _ := after.Fact("modify")
				ctx.failf("MLST %s gave modify=%s; 1.1 s later the file's content was replaced by STOR, and MLST still gives modify=%s (RFC 3659 §7.5.3: \"if a change is made to a file such that the results of a RETR command would differ, then the value of the modify fact should alter\")", tree.file.name, b, a)
			}
		})

	// RFC 3659 §7.5.4: "About all that can be said about the value
	// returned is that it can never indicate a later time than the
	// modify fact."
	r.Check("RFC3659-7.5.4-CREATE", "never gives a create time later than the modify time",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			entries := mlsxEntries(ctx, tree)
			if !slices.ContainsFunc(entries, func(e sourcedEntry) bool { return e.e.Has("create") }) {
				Skip("the server returns no create fact (RFC 3659 §7.5.4: Unix servers normally omit it)")
			}
			if problems := entryProblems(entries, harness.MLSxCreateAfterModify); len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.4: create \"can never indicate a later time than the modify fact\")", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.5.5: "perm-fact = "Perm" "=" *pvals; pvals = "a" / "c" /
	// "d" / "e" / "f" / "l" / "m" / "p" / "r" / "w""
	r.Check("RFC3659-7.5.5-PERM-LETTERS", "uses only the letters a c d e f l m p r w in the perm fact",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			entries := mlsxEntries(ctx, tree)
			if !slices.ContainsFunc(entries, func(e sourcedEntry) bool { return e.e.Has("perm") }) {
				Skip("the server returns no perm fact")
			}
			if problems := entryProblems(entries, harness.MLSxPerm); len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.5: pvals = \"a\" / \"c\" / \"d\" / \"e\" / \"f\" / \"l\" / \"m\" / \"p\" / \"r\" / \"w\")", strings.Join(limit(problems, 5), "; "))
			}
		})

	// RFC 3659 §7.5.5: "The perm fact is used to indicate access rights
	// the current FTP user has over the object listed." "r" for RETR,
	// "w" for STOR, "e" for CWD, "l" for the listing commands; "Servers
	// are expected to synthesize these permission bits from the
	// permission information available from operating system."
	r.Check("RFC3659-7.5.5-PERM-MEANING", "sets the perm letters of what the session has just done: r and w on its file, e and l on its directory",
		Label("write"), func(ctx *Ctx) {
			ctx.need(harness.CapRETR)
			tree := withMLSxTree(ctx)
			c := tree.c
			_, ef := mlstEntry(ctx, c, tree.file.name)
			_, ed := mlstEntry(ctx, c, tree.sub)
			if !ef.Has("perm") && !ed.Has("perm") {
				Skip("the server returns no perm fact")
			}
			got := xferFetch(ctx, c, tree.file.name)
			if !bytes.Equal(got, tree.file.data) {
				ctx.failf("RETR %s: %s", tree.file.name, firstDiff(got, tree.file.data))
			}
			mlsdList(ctx, c, tree.sub)
			if r := cmd(ctx, c, "CWD "+tree.sub); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s: %s", tree.sub, r)
			}
			var missing []string
			for _, p := range []struct {
				e       *harness.MLSxEntry
				what    string
				letters string
			}{{ef, tree.file.name + " (stored and retrieved by this session)", "rw"}, {ed, tree.sub + " (entered with CWD and listed by this session)", "el"}} {
				if !p.e.Has("perm") {
					continue
				}
				for _, l := range p.letters {
					if !strings.ContainsRune(p.e.Perm, l) {
						missing = append(missing, fmt.Sprintf("%s has perm=%s, without %c", p.what, p.e.Perm, l))
					}
				}
			}
			if len(missing) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.5: perm indicates \"access rights the current FTP user has over the object listed\": r for RETR, w for STOR, e for CWD, l for listings)", strings.Join(missing, "; "))
			}
		})

	// RFC 3659 §7.5.7: "The size fact applies to non-directory file types
	// and should always reflect the approximate size of the file. This
	// should be as accurate as the server can make it, without going to
	// extraordinary lengths, such as reading the entire file. The size
	// is expressed in units of octets of data in the file."
	r.Check("RFC3659-7.5.7-SIZE-FACT", "gives a file's size in octets in the size fact of MLST and MLSD",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, ef := mlstEntry(ctx, tree.c, tree.file.name)
			l := cwdListing(ctx, tree)
			var problems []string
			sized := false
			for _, p := range []struct {
				what string
				e    *harness.MLSxEntry
			}{{"MLST " + tree.file.name, ef}, {"MLSD", entryNamed(l, tree.file.name)}} {
				if p.e == nil || !p.e.Has("size") {
					continue
				}
				sized = true
				if p.e.Size != int64(len(tree.file.data)) {
					v, _ := p.e.Fact("size")
					problems = append(problems, fmt.Sprintf("%s: size=%s for the %d-octet file just uploaded", p.what, v, len(tree.file.data)))
				}
			}
			if !sized {
				Skip("the server returns no size fact for files")
			}
			if len(problems) > 0 {
				ctx.failf("%s (RFC 3659 §7.5.7: \"The size is expressed in units of octets of data in the file\", as accurate as the server can make it)", strings.Join(problems, "; "))
			}
		})

	// RFC 3659 §7.5.10: "servers SHOULD, if conceivably possible, support
	// at least the type, perm, size, unique, and modify facts."
	r.Check("RFC3659-7.5.10-REQUIRED-SET", "offers at least the facts type, perm, size, unique and modify",
		func(ctx *Ctx) {
			c := login(ctx)
			f := sessionFeatures(ctx, c)
			if !f.Has("MLST") {
				Skip("FEAT does not list MLST")
			}
			offered, _ := offeredFacts(f)
			var missing []string
			for _, want := range []string{"type", "perm", "size", "unique", "modify"} {
				if !slices.Contains(offered, want) {
					missing = append(missing, want)
				}
			}
			if len(missing) > 0 {
				ctx.failf("the MLST feature line offers %q, without %s (RFC 3659 §7.5.10: servers \"SHOULD, if conceivably possible, support at least the type, perm, size, unique, and modify facts\")", offered, strings.Join(missing, ", "))
			}
		})

	// RFC 3659 §2.3: "Time values are always represented in UTC (GMT)",
	// the modify fact included (§7.5.3: modify-fact = "Modify" "="
	// time-val). Judged against the upload: a whole number of half-hours
	// off is a local zone; other differences are clock skew, reported and
	// never failed.
	r.Check("RFC3659-2.3-TIME-UTC", "gives the modify fact in UTC",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, ef := mlstEntry(ctx, tree.c, tree.file.name)
			if ef.Modify.IsZero() {
				if ef.Has("modify") {
					ctx.infof("the modify fact of %s is no time-val (judged by RFC3659-7.4-FACT-SYNTAX)", tree.file.name)
					return
				}
				Skip("the server returns no modify fact")
			}
			judgeTime(ctx, "the modify fact of MLST "+tree.file.name, ef.Modify, tree.file)
		})

	// RFC 3659 §2.3: "A server-FTP process should always use the same
	// time reference, so the times it returns will be consistent." MDTM
	// and the modify fact both give "the last modification time".
	r.Check("RFC3659-2.3-TIME-CONSISTENT", "gives a file the same modification time in MDTM and in the modify fact",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			_, ef := mlstEntry(ctx, tree.c, tree.file.name)
			if ef.Modify.IsZero() {
				Skip("the server returns no modify fact that is a time-val")
			}
			v := harness.ClassifyMDTM(mdtm213(ctx, tree.c, tree.file.name))
			if v.Time.IsZero() {
				ctx.infof("the MDTM reply: %s (judged by %s)", v.Detail, mdtmJudges[v.Rule])
				return
			}
			// A time in a local zone is judged by the UTC checks; the two
			// times disagree then for that reason alone.
			for _, z := range []struct {
				what, judge string
				t           time.Time
			}{{"MDTM", "RFC3659-2.3-MDTM-UTC", v.Time}, {"the modify fact", "RFC3659-2.3-TIME-UTC", ef.Modify}} {
				if j := harness.JudgeClock(z.t, tree.file.before, tree.file.after, clockSlack); j.Kind == harness.ClockZone {
					ctx.infof("%s is %s: not UTC (judged by %s)", z.what, j.Describe(), z.judge)
					return
				}
			}
			if d := v.Time.Sub(ef.Modify); d.Abs() > time.Second {
				mod, _ := ef.Fact("modify")
				ctx.failf("MDTM %s gives %s, the modify fact of MLST gives %s: %s apart for the same file (RFC 3659 §2.3: \"A server-FTP process should always use the same time reference\")", tree.file.name, v.Value, mod, d.Abs())
			}
		})

	// RFC 3659 §7: "FTP implementations are to specifically allow the
	// transmission and reception of 8-bit bytes, with all bits
	// significant, over the control connection." §7.3: "An FTP
	// implementation supporting the MLSx commands must be 8-bit clean."
	r.Check("RFC3659-7.3-8BIT-CLEAN", "keeps every octet of a UTF-8 pathname in MLST and MLSD",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			name := "ftpconform-\u00e9t\u00e9-\u4e2d.bin"
			t, err := transferOut(ctx, c, ctx.fixtureMode(c), "STOR "+name, []byte("8-bit"))
			ctx.must(err, "STOR %s", name)
			if t.Final == nil || harness.Class(t.Final.Code) != 2 {
				Skip(fmt.Sprintf("STOR of a file with a UTF-8 name was refused (%s): the name cannot be tried", t.ReplyChain()))
			}
			_, e := mlstEntry(ctx, c, name)
			if !nameEndsWith(pathOf(e), name) {
				ctx.failf("MLST %q names it %q: the octets of the name changed (RFC 3659 §7.3: an implementation supporting the MLSx commands \"must be 8-bit clean\")", name, e.Pathname)
			}
			l := cwdListing(ctx, tree)
			if entryNamed(l, name) == nil {
				ctx.failf("MLSD does not list %q; it lists %q: the octets of the name changed (RFC 3659 §7.3: \"must be 8-bit clean\")", name, l.Names())
			}
		})

	// RFC 3659 §7.3.1: "The file name returned in the MLST response
	// should be the same name as was specified in the MLST command, or,
	// where TVFS is supported, a fully qualified TVFS path naming the same
	// file."
	r.Check("RFC3659-7.3.1-MLST-NAME", "names the object in the MLST reply as the command did, or by its full pathname",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			dir := pwdPath(ctx, tree.c)
			for _, arg := range []string{tree.file.name, tree.sub} {
				_, e := mlstEntry(ctx, tree.c, arg)
				if p := pathOf(e); p != arg && p != joinPath(dir, arg) {
					ctx.failf("MLST %s names the object %q: neither the name given nor its full pathname %q (RFC 3659 §7.3.1: \"the same name as was specified in the MLST command, or, where TVFS is supported, a fully qualified TVFS path naming the same file\")", arg, e.Pathname, joinPath(dir, arg))
				}
			}
		})

	// RFC 3659 §7.3.1: "File names returned in the output from an MLSD
	// command SHOULD be unqualified names within the directory named, or
	// the current directory if no argument was given. That is, the
	// directory named in the MLSD command SHOULD NOT appear as a
	// component of the file names returned."
	r.Check("RFC3659-7.3.1-MLSD-UNQUALIFIED", "names the entries of MLSD pathname by their bare names",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := withInner(ctx, tree)
			l, _ := mlsdList(ctx, c, tree.sub)
			var qualified []string
			for _, e := range entriesOf(l) {
				if e.Type != "cdir" && e.Type != "pdir" && strings.Contains(e.Pathname, "/") {
					qualified = append(qualified, e.Pathname)
				}
			}
			if len(qualified) > 0 {
				ctx.failf("MLSD %s names its entry %s %q (RFC 3659 §7.3.1: \"the directory named in the MLSD command SHOULD NOT appear as a component of the file names returned\")", tree.sub, innerName, qualified)
			}
		})

	// RFC 3659 §7.9.1: "mlst-opt-resp = "MLST OPTS" [ SP 1*( factname
	// ";" ) ]"; "The facts named in the response are those that the
	// server will now include in MLST (and MLSD) response ... Any facts
	// from the request not supported by the server will be omitted from
	// this response message."
	r.Check("RFC3659-7.9-OPTS-MLST-REPLY", "answers OPTS MLST with 200 MLST OPTS and the facts now selected",
		func(ctx *Ctx) {
			c := login(ctx)
			requireMLST(ctx, c)
			f := sessionFeatures(ctx, c)
			offered, _ := offeredFacts(f)
			if len(offered) == 0 {
				Skip("the MLST feature line offers no facts to select")
			}
			pick := pickFacts(offered, 2, "size", "type", "modify", "perm", "unique")
			if len(pick) == 0 {
				pick = offered[:1]
			}
			line := factList(pick) + "x.ftpconformnosuch;"
			rp := optsMLST(ctx, c, line)
			expectExactly(ctx, "OPTS MLST "+line, rp, nil, harness.ReplyOK)
			facts, ok := optsMLSTFacts(rp)
			if !ok {
				ctx.failf("OPTS MLST %s answered %s: a successful OPTS MLST answers \"200 MLST OPTS\" and the facts now selected (RFC 3659 §7.9.1: mlst-opt-resp = \"MLST OPTS\" [ SP 1*( factname \";\" ) ])", line, rp)
			}
			var unsupported, omitted, extra []string
			for _, fact := range facts {
				switch {
				case !slices.Contains(offered, fact):
					unsupported = append(unsupported, fact)
				case !slices.Contains(pick, fact):
					extra = append(extra, fact)
				}
			}
			for _, fact := range pick {
				if !slices.Contains(facts, fact) {
					omitted = append(omitted, fact)
				}
			}
			switch {
			case len(unsupported) > 0:
				ctx.failf("OPTS MLST %s answered %s, naming %q, which the server does not support (its MLST feature line offers %q): \"Any facts from the request not supported by the server will be omitted from this response message\" (RFC 3659 §7.9.1)", line, rp, unsupported, offered)
			case len(omitted) > 0:
				ctx.failf("OPTS MLST %s answered %s, without %q, which the server offers and the request asked for: \"The facts named in the response are those that the server will now include\" (RFC 3659 §7.9.1)", line, rp, omitted)
			case len(extra) > 0:
				ctx.infof("OPTS MLST %s answered %s: the server keeps %q selected, which were not asked for (what MLST then returns is judged by RFC3659-7.9-OPTS-MLST-RESTRICTS)", line, rp, extra)
			}
		})

	// RFC 3659 §7.9: "By sending the "OPTS MLST" command, the client
	// requests the server to include only the facts listed as arguments
	// to the command in subsequent output from MLSx commands. Facts not
	// included in the "OPTS MLST" command MUST NOT be returned by the
	// server." "where no factname arguments are present, the client is
	// requesting that only the file names be returned."
	r.Check("RFC3659-7.9-OPTS-MLST-RESTRICTS", "returns only the facts OPTS MLST selected, and none after an empty OPTS MLST",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			f := sessionFeatures(ctx, c)
			offered, _ := offeredFacts(f)
			if len(offered) == 0 {
				Skip("the MLST feature line offers no facts to select")
			}
			pick := pickFacts(offered, 1, "type", "size", "modify", "perm", "unique")
			if len(pick) == 0 {
				pick = offered[:1]
			}
			for _, sel := range [][]string{pick, nil} {
				optsMLST(ctx, c, factList(sel))
				what := fmt.Sprintf("after OPTS MLST %s", factList(sel))
				if len(sel) == 0 {
					what = "after OPTS MLST without facts"
				}
				_, e := mlstEntry(ctx, c, tree.file.name)
				l := cwdListing(ctx, tree)
				entries := append([]*harness.MLSxEntry{e}, l.Entries...)
				for _, x := range entries {
					for _, name := range factNames(x) {
						if !slices.Contains(sel, name) {
							ctx.failf("%s, an entry carries the fact %s: %q (RFC 3659 §7.9: \"Facts not included in the OPTS MLST command MUST NOT be returned by the server\")", what, name, x.Line)
						}
					}
				}
			}
		})

	// RFC 3659 §7.9.2: "the client sends a request containing a syntax
	// error (spaces cannot appear in the factlist.) The server-FTP sends
	// an error response and completely ignores the request, leaving the
	// fact set selected as it had been previously." (C> opts MLst unique
	// type; S> 501 Invalid MLST options)
	r.Check("RFC3659-7.9-OPTS-MLST-SYNTAX-ERR", "answers OPTS MLST with a SP in the fact list with 501 and keeps the selection",
		Label("write"), func(ctx *Ctx) {
			tree := withMLSxTree(ctx)
			c := tree.c
			f := sessionFeatures(ctx, c)
			offered, _ := offeredFacts(f)
			first := pickFacts(offered, 1, "type", "size", "modify", "perm", "unique")
			var rest []string
			for _, o := range offered {
				if !slices.Contains(first, o) {
					rest = append(rest, o)
				}
			}
			if len(first) == 0 || len(rest) < 2 {
				Skip(fmt.Sprintf("the MLST feature line offers %d facts; the check needs three", len(offered)))
			}
			optsMLST(ctx, c, factList(first))
			if _, e := mlstEntry(ctx, c, tree.file.name); slices.ContainsFunc(factNames(e), func(n string) bool { return !slices.Contains(first, n) }) {
				ctx.infof("after OPTS MLST %s, MLST returns %q: the selection does not take (judged by RFC3659-7.9-OPTS-MLST-RESTRICTS)", factList(first), e.Line)
				return
			}
			bad := "OPTS MLST " + rest[0] + "; " + rest[1] + ";"
			rp := cmd(ctx, c, bad)
			if harness.Class(rp.Code) == 2 {
				ctx.failf("%s (a SP in the fact list) answered %s: a syntax error gets an error response and changes nothing (RFC 3659 §7.9.2: \"opts MLst unique type;\" answered \"501 Invalid MLST options\")", bad, rp)
			}
			expectCode(ctx, bad+" (a SP in the fact list)", rp, nil, harness.ReplySyntaxErrorParams)
			_, e := mlstEntry(ctx, c, tree.file.name)
			for _, name := range factNames(e) {
				if !slices.Contains(first, name) {
					ctx.failf("after OPTS MLST %s and the invalid %q, MLST returns the fact %s: %q; the invalid request must leave \"the fact set selected as it had been previously\" (RFC 3659 §7.9.2)", factList(first), bad, name, e.Line)
				}
			}
		})

	// RFC 3659 §2.2.2: "For the commands defined in this specification,
	// all pathnames are to be treated literally. ... no pattern matching
	// (other than for exact equality) between the pathname given and the
	// files present in the NVFS of the server-FTP is permitted."
	r.Check("RFC3659-2.2.2-NO-WILDCARDS-MLSX", "takes the pathnames of SIZE, MDTM, MLST and MLSD literally, without wildcards",
		Label("write"), func(ctx *Ctx) {
			c, u := withUpload(ctx, 3000)
			mkdir(ctx, c, "sub")
			missing := harness.UniqueName("ftpconform-missing")
			var tried, problems []string
			for _, p := range []struct{ line, verb, target string }{
				{"SIZE fixture.b?n", "SIZE", u.name}, {"MDTM fixture.*", "MDTM", u.name}, {"MLST fixture.*", "MLST", u.name},
			} {
				// A control: a name that matches nothing. A server that
				// answers it with 2yz does not refuse missing names at all
				// (the checks of its missing-file replies judge that), and
				// its answer to a pattern shows nothing.
				if rc := cmd(ctx, c, p.verb+" "+missing); notImplemented(rc) || harness.Class(rc.Code) == 2 {
					continue
				}
				rp := cmd(ctx, c, p.line)
				tried = append(tried, p.verb)
				if harness.Class(rp.Code) == 2 {
					problems = append(problems, fmt.Sprintf("%s answered %s, as if it named %s", p.line, rp, p.target))
				}
			}
			mode := ctx.defaultMode(c)
			ctx.need(dataCapability(mode))
			listed := func(arg string) (*harness.Transfer, bool) {
				_, t, err := c.ListMLSD(ctx, mode, arg)
				if t == nil {
					ctx.must(err, "MLSD %s", arg)
				}
				return t, t.Prelim != nil || harness.Class(t.Final.Code) == 2
			}
			if t, ok := listed(missing); !ok && !notImplemented(t.Final) {
				tried = append(tried, "MLSD")
				if t, ok := listed("s*"); ok {
					problems = append(problems, fmt.Sprintf("MLSD s* answered %s with %d octets of listing, as if it named sub", t.ReplyChain(), len(t.Data)))
				}
			}
			if len(tried) == 0 {
				Skip("none of SIZE, MDTM, MLST and MLSD is both implemented and refuses a name that matches nothing")
			}
			if len(problems) > 0 {
				ctx.failf("no file is named \"fixture.b?n\", \"fixture.*\" or \"s*\", yet %s (RFC 3659 §2.2.2: \"all pathnames are to be treated literally\"; \"no pattern matching ... is permitted\")", strings.Join(problems, "; "))
			}
		})
})

// sourcedEntry is an MLSx entry and where it came from, for messages.
type sourcedEntry struct {
	what string
	e    *harness.MLSxEntry
}

// mlsxEntries collects the entries the grammar checks judge: MLST of the
// tree's file and directory, and every MLSD line of the tree that is an
// entry (not a header, blank line or tab-laden line, which
// RFC3659-7.2-RIGID-FORMAT judges).
func mlsxEntries(ctx *Ctx, tree *mlsxTree) []sourcedEntry {
	var out []sourcedEntry
	for _, arg := range []string{tree.file.name, tree.sub} {
		l, _ := mlstEntry(ctx, tree.c, arg)
		for _, e := range l.Entries {
			out = append(out, sourcedEntry{"MLST " + arg, e})
		}
	}
	l := cwdListing(ctx, tree)
	for _, e := range l.Entries {
		if rigidProblem(e.Line) == "" {
			out = append(out, sourcedEntry{"MLSD", e})
		}
	}
	return out
}

// entryProblems lists the violations of kinds in entries, with the entry.
func entryProblems(entries []sourcedEntry, kinds ...harness.ViolationKind) []string {
	var out []string
	for _, s := range entries {
		for _, v := range s.e.Violations {
			if slices.Contains(kinds, v.Kind) {
				out = append(out, fmt.Sprintf("%s: %q: %s", s.what, s.e.Line, v.Detail))
			}
		}
	}
	return out
}

// dataLine is one line of MLSD data and whether CRLF ended it.
type dataLine struct {
	text string
	crlf bool
}

// dataLines splits MLSD data into lines at LF.
func dataLines(data []byte) []dataLine {
	var out []dataLine
	for _, raw := range strings.SplitAfter(string(data), "\n") {
		if raw == "" {
			continue
		}
		text, crlf := strings.CutSuffix(raw, "\r\n")
		if !crlf {
			text = strings.TrimSuffix(raw, "\n")
		}
		out = append(out, dataLine{text, crlf})
	}
	return out
}

// separatorProblem says how an entry naming one of names breaks "exactly
// one SP between the facts and the pathname", "" when it does not (or
// names none of them).
func separatorProblem(line string, names []string) string {
	i := strings.IndexByte(line, ' ')
	if i < 0 {
		return ""
	}
	facts, rest := line[:i], line[i+1:]
	if first, _, _ := strings.Cut(rest, " "); facts == "" && strings.Contains(first, "=") && strings.HasSuffix(first, ";") {
		return "" // facts after a leading SP: MLST-LINE-SP's or MLSD-NO-LEADING-SP's finding
	}
	for _, n := range names {
		trimmed := strings.TrimLeft(rest, " ")
		switch {
		case !nameEndsWith(trimmed, n) && !strings.HasSuffix(trimmed, " "+n):
			continue
		case trimmed != rest:
			return fmt.Sprintf("%q has %d spaces between the facts %q and the pathname", line, len(rest)-len(trimmed)+1, facts)
		case strings.Contains(rest, "=") && strings.Contains(rest, "; "):
			return fmt.Sprintf("%q has a SP inside its facts", line)
		}
	}
	return ""
}

// knownFactName reports whether a lower-cased fact name is standard or
// has the form of an OS-specific or local fact (prefix "." name).
func knownFactName(name string) bool {
	switch name {
	case "size", "modify", "create", "type", "unique", "perm", "lang", "media-type", "charset":
		return true
	}
	prefix, rest, ok := strings.Cut(name, ".")
	return ok && prefix != "" && rest != ""
}

// limit keeps the first n items and says how many more there were.
func limit(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(items[:n:n], fmt.Sprintf("... (%d in all)", len(items)))
}
