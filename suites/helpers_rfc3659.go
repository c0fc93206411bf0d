package suites

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Helpers of the RFC 3659 checks (rfc3659_*.go): capability awareness for
// the optional commands, fixtures whose upload time is known, MLST and
// MLSD exchanges.

// featJudges are the checks that judge whether FEAT lists a feature
// exactly when the server implements it. Every other check of the feature
// that meets a command answered 500/502 while FEAT lists the feature is
// blocked by its judge: one root cause, one failure.
var featJudges = map[string]string{
	"SIZE":        "RFC3659-4.3-SIZE-FEAT",
	"MDTM":        "RFC3659-3.3-MDTM-FEAT",
	"REST STREAM": "RFC3659-5.4-REST-FEAT",
	"MLST":        "RFC3659-7.8-MLST-FEAT",
}

// clockSlack is how far a time the server reports for an upload may lie
// outside the span in which the client saw the upload happen: clock
// skew, whole seconds, a server that stamps the start of the upload. A
// larger difference that is not a whole number of half-hours is a clock
// difference, reported and never failed (RFC 3659 §2.3: "Clients are not
// expected to be time synchronized with the server").
const clockSlack = 3 * time.Minute

// notOffered ends a check whose command the server does not implement
// (r is its 500 or 502): skipped when FEAT does not list the feature,
// blocked by the feature's FEAT check when it does (what FEAT advertises
// must work).
func notOffered(ctx *Ctx, feature, line string, r *harness.Reply) {
	verb := verbOf(line)
	judge := featJudges[feature]
	if ctx.cfg.Facts.HasFeature(feature) && !strings.HasPrefix(ctx.key(), judge) {
		blocked(judge, fmt.Sprintf("FEAT lists %s, but %s answered %s", feature, verb, r))
	}
	Skip(fmt.Sprintf("%s is not implemented (%s) and FEAT does not list %s: RFC 3659 extensions are optional", verb, r, feature))
}

// extCmd sends line, a command of the optional feature, and returns the
// reply; a 500 or 502 ends the check (notOffered).
func extCmd(ctx *Ctx, c *harness.Conn, feature, line string) *harness.Reply {
	r := cmd(ctx, c, line)
	if notImplemented(r) {
		notOffered(ctx, feature, line, r)
	}
	return r
}

// sessionFeatures sends FEAT in the check's own session (so that the
// transcript shows the listing judged) and parses it; a server without
// FEAT (no 211) skips the check.
func sessionFeatures(ctx *Ctx, c *harness.Conn) *harness.Features {
	r := cmd(ctx, c, "FEAT")
	f := harness.ParseFeatures(r)
	if !f.Supported() {
		Skip("FEAT is not supported (" + r.String() + "): the server lists no features to judge")
	}
	return f
}

// uploaded is a file a check put on the server, with the span of the
// client's clock in which the upload happened.
type uploaded struct {
	name          string
	data          []byte
	before, after time.Time
}

// timedUpload stores data under name in TYPE I (which stays in force) and
// records when.
func timedUpload(ctx *Ctx, c *harness.Conn, name string, data []byte) uploaded {
	u := uploaded{name: name, data: data, before: time.Now()}
	upload(ctx, c, ctx.fixtureMode(c), name, data)
	u.after = time.Now()
	return u
}

// withUpload logs in, makes a scratch directory and uploads a binary
// fixture of size bytes there (TYPE I stays in force).
func withUpload(ctx *Ctx, size int) (*harness.Conn, uploaded) {
	c := login(ctx)
	scratch(ctx, c)
	return c, timedUpload(ctx, c, "fixture.bin", binaryFixture(size))
}

// textFixture is a text file with LF line ends (the Unix convention), so
// that TYPE A sends more octets than the file holds; no CR anywhere.
var textFixture = []byte(strings.Repeat("ftpconform text line\n", 40) + "last line\n")

// sizeOf sends SIZE name; a server without SIZE ends the check.
func sizeOf(ctx *Ctx, c *harness.Conn, name string) *harness.Reply {
	return extCmd(ctx, c, "SIZE", "SIZE "+name)
}

// mdtmOf sends MDTM name; a server without MDTM ends the check.
func mdtmOf(ctx *Ctx, c *harness.Conn, name string) *harness.Reply {
	return extCmd(ctx, c, "MDTM", "MDTM "+name)
}

// mdtm213 is mdtmOf for an existing file: anything but a 213 fails the
// check (a 213 of any form comes back to be judged).
func mdtm213(ctx *Ctx, c *harness.Conn, name string) *harness.Reply {
	r := mdtmOf(ctx, c, name)
	if r.Code != harness.ReplyFileStatus {
		ctx.failf("MDTM %s of the file just uploaded: expected 213 and its modification time; got %s (RFC 3659 §3.1: \"The server-PI will respond to the MDTM command with a 213 reply giving the last modification time\")", name, r)
	}
	return r
}

// rest sends "REST n" for a restart; a server without REST ends the
// check. RFC3659-5.3-REST-350 judges the reply: another code that is no
// refusal is noted and the restart goes on; a refusal blocks the check
// when FEAT lists REST STREAM (REST-350 fails then) and skips it when it
// does not.
func rest(ctx *Ctx, c *harness.Conn, n int64) {
	line := fmt.Sprintf("REST %d", n)
	r := extCmd(ctx, c, "REST STREAM", line)
	switch cl := harness.Class(r.Code); {
	case r.Code == harness.ReplyPendingInfo:
	case cl != 4 && cl != 5:
		ctx.infof("%s answered %s, not 350 (judged by RFC3659-5.3-REST-350)", line, r)
	case ctx.cfg.Facts.HasFeature("REST STREAM"):
		blocked("RFC3659-5.3-REST-350", fmt.Sprintf("%s was refused (%s) though FEAT lists REST STREAM", line, r))
	default:
		Skip(fmt.Sprintf("%s was refused (%s): the server does not restart transfers in stream mode", line, r))
	}
}

// fetchWhole retrieves name in TYPE I after "REST 0", so that no earlier
// REST of the check can still apply (RFC3659-5.3-REST-ONCE judges that),
// and fails unless the transfer completes.
func fetchWhole(ctx *Ctx, c *harness.Conn, name string) []byte {
	setType(ctx, c, "I")
	d := openData(ctx, c, ctx.defaultMode(c))
	DeferCleanup(d.Close)
	cmd(ctx, c, "REST 0")
	t, err := c.Retrieve(ctx, d, "RETR "+name)
	ctx.must(err, "REST 0, then RETR %s", name)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 || t.DataErr != nil {
		ctx.failf("REST 0, then RETR %s: expected 125 or 150, then 226 or 250; got %s (data: %v)", name, t.ReplyChain(), t.DataErr)
	}
	return t.Data
}

// restart sends "REST n" and then line (a RETR, STOR or APPE) over a data
// connection that was set up before the REST, since REST must be the last
// command before the transfer (RFC 3659 §5.3). For an upload, data is
// sent.
func restart(ctx *Ctx, c *harness.Conn, n int64, line string, data []byte) *harness.Transfer {
	d := openData(ctx, c, ctx.defaultMode(c))
	DeferCleanup(d.Close)
	rest(ctx, c, n)
	var t *harness.Transfer
	var err error
	if data != nil {
		t, err = c.Store(ctx, d, line, data)
	} else {
		t, err = c.Retrieve(ctx, d, line)
	}
	ctx.must(err, "REST %d, then %s", n, line)
	return t
}

// mlsxTree is the tree the MLST and MLSD checks look at: a scratch
// directory holding the binary file fixture.bin and the empty directory
// sub, made in one session, which is also the working directory.
type mlsxTree struct {
	c    *harness.Conn
	dir  string // the scratch directory's name in the login directory
	file uploaded
	sub  string
}

// withMLSxTree makes the tree of the MLST and MLSD checks. A server that
// neither lists MLST in FEAT nor knows MLST skips the check before
// anything is written.
func withMLSxTree(ctx *Ctx) *mlsxTree {
	c := login(ctx)
	requireMLST(ctx, c)
	t := &mlsxTree{c: c, dir: scratch(ctx, c), sub: "sub"}
	t.file = timedUpload(ctx, c, "fixture.bin", binaryFixture(3000))
	mkdir(ctx, c, t.sub)
	return t
}

// innerName is the file withInner puts into the tree's directory sub.
const innerName = "inner.bin"

// withInner puts the file inner.bin into the tree's directory sub (its
// session enters sub to do it, by a plain name) and returns a second
// session whose working directory is the tree's: there sub is a directory
// with content that has a plain name, so that no check of a directory
// with content depends on how the server reads absolute or multi-element
// pathnames (RFC 3659 §6 for TVFS servers only).
func withInner(ctx *Ctx, tree *mlsxTree) *harness.Conn {
	enter(ctx, tree.c, tree.sub)
	upload(ctx, tree.c, ctx.fixtureMode(tree.c), innerName, binaryFixture(100))
	return loginAt(ctx, tree.dir)
}

// requireMLST ends the check when the server does not offer MLST: FEAT
// does not list it and MLST (without argument) answers 500 or 502.
func requireMLST(ctx *Ctx, c *harness.Conn) {
	if ctx.cfg.Facts.HasFeature("MLST") {
		return
	}
	extCmd(ctx, c, "MLST", "MLST")
}

// mlstOf sends MLST with arg ("" for none) and returns the reply and, for
// a 250, the listing. A server without MLST ends the check.
func mlstOf(ctx *Ctx, c *harness.Conn, arg string) (*harness.Reply, *harness.MLSxListing) {
	line := "MLST"
	if arg != "" {
		line += " " + arg
	}
	r := extCmd(ctx, c, "MLST", line)
	if r.Code != harness.ReplyFileActionOK {
		return r, nil
	}
	l, err := harness.ParseMLST(r)
	ctx.must(err, "%s", line)
	return r, l
}

// mlstEntry is mlstOf for an object that exists: anything but a 250 with
// an entry fails the check. It returns the (first) entry.
func mlstEntry(ctx *Ctx, c *harness.Conn, arg string) (*harness.MLSxListing, *harness.MLSxEntry) {
	r, l := mlstOf(ctx, c, arg)
	what := strings.TrimSpace("MLST " + arg)
	if l == nil {
		ctx.failf("%s: expected a 250 reply describing it; got %s (RFC 3659 §7.2)", what, r)
	}
	if len(l.Entries) == 0 {
		ctx.failf("%s: the 250 reply holds no entry line; got %q (RFC 3659 §7.2: 250- text, SP entry, 250 text)", what, r.Lines)
	}
	return l, l.Entries[0]
}

// mlsdOf lists arg ("" for the working directory) with MLSD over the
// default data mode. A server without MLSD ends the check; any other
// outcome comes back to be judged (err as harness.ListMLSD gives it).
func mlsdOf(ctx *Ctx, c *harness.Conn, arg string) (*harness.MLSxListing, *harness.Transfer, error) {
	mode := ctx.defaultMode(c)
	ctx.need(dataCapability(mode))
	l, t, err := c.ListMLSD(ctx, mode, arg)
	if t != nil && t.Prelim == nil && notImplemented(t.Final) {
		notOffered(ctx, "MLST", strings.TrimSpace("MLSD "+arg), t.Final)
	}
	return l, t, err
}

// mlsdList is mlsdOf for a directory that exists: a refusal or a broken
// transfer fails the check.
func mlsdList(ctx *Ctx, c *harness.Conn, arg string) (*harness.MLSxListing, *harness.Transfer) {
	l, t, err := mlsdOf(ctx, c, arg)
	what := strings.TrimSpace("MLSD " + arg)
	var re *harness.ReplyError
	switch {
	case errors.As(err, &re):
		ctx.failf("%s: expected 150, the listing, then 226; got %s (RFC 3659 §7.2)", what, t.ReplyChain())
	case err != nil:
		ctx.failf("%s: %v", what, err)
	}
	return l, t
}

// rawMLSD lists arg with MLSD and returns the data as it came, for the
// checks of its line structure.
func rawMLSD(ctx *Ctx, c *harness.Conn, arg string) []byte {
	_, t := mlsdList(ctx, c, arg)
	return t.Data
}

// listingViolations returns the details of the listing's violations of kinds,
// each with the line it was found on, as "line 2: ...".
func listingViolations(l *harness.MLSxListing, kinds ...harness.ViolationKind) []string {
	var out []string
	if l == nil {
		return nil
	}
	for _, v := range l.Violations {
		if slices.Contains(kinds, v.Kind) {
			out = append(out, fmt.Sprintf("line %d: %s", v.Line+1, v.Detail))
		}
	}
	return out
}

// entryNamed returns the entry of the listing that names name (bare or as
// the last element of a pathname), nil when none does. Spaces before the
// pathname are passed over: the names the checks make have none, and
// padding is RFC3659-7.2-ONE-SP-BEFORE-NAME's to judge.
func entryNamed(l *harness.MLSxListing, name string) *harness.MLSxEntry {
	for _, e := range l.Entries {
		if e.Type != "cdir" && e.Type != "pdir" && nameEndsWith(pathOf(e), name) {
			return e
		}
	}
	return nil
}

// pathOf is an entry's pathname without the spaces that may precede it.
func pathOf(e *harness.MLSxEntry) string { return strings.TrimLeft(e.Pathname, " ") }

// entriesOf returns the entries of a listing that are entries at all:
// not a header, summary or blank line (RFC3659-7.2-RIGID-FORMAT judges
// those).
func entriesOf(l *harness.MLSxListing) []*harness.MLSxEntry {
	var out []*harness.MLSxEntry
	for _, e := range l.Entries {
		if rigidProblem(e.Line) == "" {
			out = append(out, e)
		}
	}
	return out
}

// cwdListing lists the tree's directory, the working directory, with MLSD
// without an argument. When the listing holds neither of the tree's
// entries, MLSD lists something else, and the check is blocked by the one
// that judges that.
func cwdListing(ctx *Ctx, tree *mlsxTree) *harness.MLSxListing {
	l, _ := mlsdList(ctx, tree.c, "")
	if entryNamed(l, tree.file.name) == nil && entryNamed(l, tree.sub) == nil {
		blocked("RFC3659-7.1-MLSD-NO-ARG", fmt.Sprintf("MLSD without an argument in the scratch directory does not list its entries %s and %s", tree.file.name, tree.sub))
	}
	return l
}

// factNames lists the lower-cased names of an entry's facts.
func factNames(e *harness.MLSxEntry) []string {
	out := make([]string, len(e.Facts))
	for i, f := range e.Facts {
		out[i] = strings.ToLower(f.Name)
	}
	return out
}

// optsMLST sends "OPTS MLST facts" (facts "" selects none) and returns
// the reply. A server that refuses OPTS MLST (any 4yz or 5yz) does not let
// the client choose facts: the check skips, since RFC 3659 §7.9 fixes
// only what a successful OPTS MLST does.
func optsMLST(ctx *Ctx, c *harness.Conn, facts string) *harness.Reply {
	line := strings.TrimSpace("OPTS MLST " + facts)
	r := cmd(ctx, c, line)
	if cl := harness.Class(r.Code); cl == 4 || cl == 5 {
		Skip(fmt.Sprintf("%s was refused (%s): the server offers no fact selection", line, r))
	}
	return r
}

// optsMLSTFacts reads the facts of a successful reply to OPTS MLST:
// "200 MLST OPTS type;size;" (RFC 3659 §7.9.1). ok is false when the text
// does not start with "MLST OPTS" (in any case).
func optsMLSTFacts(r *harness.Reply) (facts []string, ok bool) {
	text := strings.TrimLeft(r.Text(), " ")
	if len(text) < 9 || !strings.EqualFold(text[:9], "MLST OPTS") {
		return nil, false
	}
	rest := text[9:]
	if rest != "" && rest[0] != ' ' {
		return nil, false
	}
	for _, f := range strings.Split(strings.TrimSpace(rest), ";") {
		if f != "" {
			facts = append(facts, strings.ToLower(f))
		}
	}
	return facts, true
}

// offeredFacts returns the facts the MLST feature line offers, lower-cased,
// and those marked selected ("*").
func offeredFacts(f *harness.Features) (offered, selected []string) {
	for _, fo := range f.MLSTFacts() {
		offered = append(offered, fo.Name)
		if fo.Selected {
			selected = append(selected, fo.Name)
		}
	}
	return offered, selected
}

// pickFacts chooses up to n facts of want that the server offers, in the
// order of want.
func pickFacts(offered []string, n int, want ...string) []string {
	var out []string
	for _, w := range want {
		if len(out) < n && slices.Contains(offered, w) {
			out = append(out, w)
		}
	}
	return out
}

// factList writes facts as an OPTS MLST argument: "type;size;".
func factList(facts []string) string {
	if len(facts) == 0 {
		return ""
	}
	return strings.Join(facts, ";") + ";"
}

// sameSetFold reports whether a and b hold the same names, in any case
// and order.
func sameSetFold(a, b []string) bool {
	norm := func(s []string) []string {
		out := make([]string, 0, len(s))
		for _, x := range s {
			x = strings.ToLower(x)
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

// judgeTime compares t, which the server reports as an upload's time, with
// when the upload happened: a local time zone instead of UTC fails the
// check; a clock difference is only reported. what names the value.
func judgeTime(ctx *Ctx, what string, t time.Time, u uploaded) {
	v := harness.JudgeClock(t, u.before, u.after, clockSlack)
	switch v.Kind {
	case harness.ClockZone:
		// RFC 3659 §2.3: "Time values are always represented in UTC
		// (GMT), and in the Gregorian calendar regardless of what
		// calendar may have been in use at the date and time indicated
		// at the location of the server-PI."
		ctx.failf("%s gives %s for the file uploaded between %s and %s (UTC): %s, a whole number of half-hours, so the time is not UTC but a local time zone's (RFC 3659 §2.3: \"Time values are always represented in UTC\")",
			what, t.Format(time.DateTime), u.before.UTC().Format(time.TimeOnly), u.after.UTC().Format(time.TimeOnly), v.Describe())
	case harness.ClockSkew:
		ctx.infof("%s gives %s for the file uploaded at %s UTC by this machine's clock: the clocks differ by %s (not judged: RFC 3659 §2.3, \"Clients are not expected to be time synchronized with the server\")",
			what, t.Format(time.DateTime), u.after.UTC().Format(time.DateTime), v.Describe())
	}
}

// rigidProblem says how a line of MLSx output breaks the rigid format
// (RFC 3659 §7.2): blank, holding a tab, or not an entry at all (a header
// or summary such as "total 2": text before the first SP that is not a
// fact set); "" for a line shaped like an entry.
func rigidProblem(line string) string {
	switch {
	case line == "":
		return "a blank line"
	case strings.Contains(line, "\t"):
		return fmt.Sprintf("%q holds a tab", line)
	}
	first, _, found := strings.Cut(line, " ")
	if found && first != "" && !strings.Contains(first, "=") {
		return fmt.Sprintf("%q is no entry (no fact set before its first SP): a header or summary line", line)
	}
	return ""
}

// enter changes the working directory and fails the check unless CWD
// succeeds.
func enter(ctx *Ctx, c *harness.Conn, dir string) {
	if r := cmd(ctx, c, "CWD "+dir); harness.Class(r.Code) != 2 {
		ctx.failf("CWD %s: expected 250; got %s", dir, r)
	}
}
