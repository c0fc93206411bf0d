package suites

import (
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// FEAT and OPTS (RFC 2389): the code of the reply to FEAT, the grammar of
// the listing (§3.2), whether it lists what the server implements and
// implements what it lists, FEAT before login (RFC 2640 §4.1), and OPTS
// (§4). Each grammar check judges one kind of violation that
// harness.ParseFeatures records, so that one defect fails one check.

var _ = describe("FEAT (RFC 2389 §3)", Label("feat"), func(r *Run) {
	// RFC 2389 §3.2: "Where a server-FTP process does not support the
	// FEAT command, it will respond to the FEAT command with a 500 or 502
	// reply", and "feat-response = error-response / no-features /
	// feature-listing", both of them 211.
	r.Check(keyFeatUnsupported, "answers FEAT with 211, or with 500 or 502 when it does not implement FEAT",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "FEAT")
			if err != nil {
				ctx.failForCause(causeFeatUnreadable, "FEAT: %v", err)
			}
			f := harness.ParseFeatures(r)
			switch {
			case f.Supported():
				ctx.infof("FEAT lists %d features: %s", len(f.List), strings.Join(f.Names(), ", "))
			case notImplemented(r):
				ctx.infof("FEAT is not implemented: %s", r)
			case harness.Class(r.Code) == 4:
				ctx.infof("FEAT got %s, a transient refusal", r)
			default:
				ctx.failf("FEAT: got %s; a server answers FEAT with 211 (a listing, or the single-line \"no-features\" reply) or, when it does not support FEAT, with 500 or 502 (RFC 2389 §3.2)", r)
			}
		})

	// RFC 2389 §3.1: "The FEAT command consists solely of the word
	// "FEAT". It has no parameters or arguments." §3.2: "Errors in the
	// command syntax, such as giving parameters, will result in a 501
	// reply." A server that ignores the argument and lists its features
	// is lenient rather than harmful: a warning, as the catalog says.
	r.Check("RFC2389-3.1-FEAT-NO-ARGS", "answers FEAT with an argument with 501",
		func(ctx *Ctx) {
			c, _ := featListing(ctx)
			r, err := c.Cmd(ctx, "FEAT x")
			if err == nil && r.Code == harness.ReplySystemStatus {
				ctx.warnf("FEAT x (an argument FEAT does not take): got %s; giving parameters \"will result in a 501 reply\" (RFC 2389 §3.2)", firstLine(r))
				return
			}
			expectCode(ctx, "FEAT x (an argument FEAT does not take)", r, err, harness.ReplySyntaxErrorParams)
		})

	// RFC 2389 §3.2: 'The "no-features" reply MUST NOT use the multi-line
	// response format, exactly one response line is required and
	// permitted.'
	r.Check("RFC2389-3.2-NO-FEATURES-SINGLE", "answers FEAT with a single-line 211 when it has nothing to list",
		func(ctx *Ctx) {
			_, f := featListing(ctx)
			switch {
			case f.HasViolation(harness.FeatNoFeatures):
				ctx.failf("FEAT answered a multi-line 211 with no feature line:\n  %s\nthe \"no-features\" reply \"MUST NOT use the multi-line response format, exactly one response line is required and permitted\" (RFC 2389 §3.2)",
					strings.Join(f.Reply.Lines, "\n  "))
			case len(f.List) > 0:
				Skip(fmt.Sprintf("FEAT lists %d features: the \"no-features\" reply does not apply", len(f.List)))
			default:
				ctx.infof("FEAT lists no feature: %s", f.Reply)
			}
		})

	// RFC 2389 §3.2: "Replies to the FEAT command MUST comply with the
	// following syntax. [...] feature-listing = "211-" *TCHAR CRLF
	// 1*( SP feature CRLF ) "211 End" CRLF". A first line that is not
	// "211-" ends the reply at once: the feature lines arrive as strays.
	r.Check(keyFeatFirstLine, "opens a FEAT listing with \"211-\"",
		func(ctx *Ctx) {
			c := login(ctx)
			r, err := c.Cmd(ctx, "FEAT")
			if err != nil {
				ctx.failForCause(causeFeatUnreadable, "FEAT: %v", err)
			}
			f := harness.ParseFeatures(r)
			switch {
			case notImplemented(r):
				Skip("FEAT is not implemented: " + r.String())
			case !f.Supported():
				blocked(keyFeatUnsupported, fmt.Sprintf("FEAT got %s, neither a listing (211) nor 500 or 502", r))
			}
			extras := readAfterSingle(ctx, c, "FEAT")
			switch {
			case len(extras) > 0 && !f.Reply.Multiline():
				ctx.failf("FEAT answered %q, a single-line reply, but %s followed before NOOP's 200: a feature listing opens with \"211-\" (feature-listing = \"211-\" *TCHAR CRLF ..., RFC 2389 §3.2)",
					firstLine(f.Reply), ctrlExtras(extras))
			case len(extras) > 0:
				ctx.infof("the FEAT listing ended early, at %q, and %s followed (RFC959-4.2-ML-INTERMEDIATE judges multi-line framing)",
					f.Reply.Lines[len(f.Reply.Lines)-1], ctrlExtras(extras))
			case f.Reply.Multiline():
				ctx.infof("FEAT opens with %q", firstLine(f.Reply))
			default:
				ctx.infof("FEAT answered the single-line \"no-features\" reply %s", f.Reply)
			}
		})

	// RFC 2389 §3.2: "Note that each feature line in the feature-listing
	// begins with a single space. That space is not optional, nor does it
	// indicate general white space."
	featViolationCheck(r, "RFC2389-3.2-FEAT-LINE-SP", "begins every FEAT feature line with exactly one space", featMultiline, harness.FeatLineSpace,
		"FEAT feature lines without their single leading SP:\n  %s\n(\"each feature line in the feature-listing begins with a single space. That space is not optional, nor does it indicate general white space\", RFC 2389 §3.2)")

	// RFC 2389 §3.2: feature-listing = ... "211 End" CRLF, which the reply
	// "MUST comply with". Text after "End" breaks the ABNF too, but RFC
	// 3659's own examples end with "211 End." and pyftpdlib sends "211 End
	// FEAT.": a warning.
	r.Check("RFC2389-3.2-FEAT-END", "ends a FEAT listing with \"211 End\"",
		func(ctx *Ctx) {
			_, f := featMultiline(ctx)
			if bad := violationsOf(f, harness.FeatEnd); bad != "" {
				ctx.failf("%s; the listing ends with the line \"211 End\" (feature-listing = ... \"211 End\" CRLF, RFC 2389 §3.2)", bad)
			}
			if bad := violationsOf(f, harness.FeatEndText); bad != "" {
				ctx.warnf("%s; the ABNF of RFC 2389 §3.2 allows no text after \"211 End\" (RFC 3659's examples show \"211 End.\", so clients must cope)", bad)
			}
		})

	// RFC 2389 §3.2: "Each extension supported must be listed on a separate
	// line to facilitate the possible inclusion of parameters supported by
	// each extension command."
	featViolationCheck(r, "RFC2389-3.2-FEAT-ONE-PER-LINE", "lists one feature per FEAT line", featMultiline, harness.FeatTwoPerLine,
		"%s\n(\"Each extension supported must be listed on a separate line\", RFC 2389 §3.2)")

	// RFC 2389 §3.2: "The syntax of other reply lines is precisely
	// defined, and if present, MUST be exactly as specified": feature =
	// feature-label [ SP feature-parms ], feature-label = 1*VCHAR,
	// feature-parms = 1*TCHAR. The leading SP, the end line and one
	// feature per line have checks of their own.
	featViolationCheck(r, "RFC2389-3.2-LISTING-GRAMMAR", "writes each FEAT feature line as a label of visible characters and its parameters", featMultiline, harness.FeatLineChars,
		"%s\n(feature = feature-label [ SP feature-parms ], feature-label = 1*VCHAR, feature-parms = 1*TCHAR: the lines \"MUST be exactly as specified\", RFC 2389 §3.2)")

	// RFC 2389 §3.2: "Where this is done [labels defined as case
	// independent], implementations are recommended to use upper case
	// letters when transmitting the feature response."
	featViolationCheck(r, "RFC2389-3.2-FEAT-UPPERCASE", "sends the case-insensitive FEAT labels in upper case", featListing, harness.FeatLabelCase,
		"%s\n(labels defined as case-insensitive: \"implementations are recommended to use upper case letters\", RFC 2389 §3.2)")

	// RFC 2389 §3.2: "The FEAT command itself is not included in the list
	// of features supported"; §4: "there is no indication in the list of
	// features returned by FEAT to indicate that the OPTS command itself
	// is supported".
	featViolationCheck(r, "RFC2389-3.2-FEAT-NOT-SELF", "does not list FEAT or OPTS among its features", featListing, harness.FeatListsItself,
		"%s\n(\"The FEAT command itself is not included in the list of features supported\", RFC 2389 §3.2; nor is OPTS, §4)")

	// RFC 2640 §4.1: "user-PI MUST send a HOST [MLST] and/or LANG command
	// prior to issuing any other command (other than FEAT [RFC2389])" and
	// "a user-PI SHOULD issue a FEAT command [RFC2389] prior to a LANG
	// command", which it SHOULD send "prior to authentication"; RFC 7151
	// §3.2.3: "Other commands (such as FEAT [RFC2389]) that require no
	// authentication may have intervened."
	r.Check("RFC2640-4.1-FEAT-PRE-AUTH", "answers FEAT before login",
		Label("login"),
		func(ctx *Ctx) {
			c := connect(ctx)
			r, err := c.Cmd(ctx, "FEAT")
			if err != nil {
				ctx.failForCause(causeFeatUnreadable, "FEAT before login: %v", err)
			}
			if r.Code == harness.ReplySystemStatus {
				ctx.infof("FEAT works before login: %s", firstLine(r))
				return
			}
			after := featOn(ctx, login(ctx))
			ctx.failf("FEAT before login: got %s, but after login it lists %d features; clients send FEAT before HOST, LANG and USER (RFC 2640 §4.1: HOST or LANG come \"prior to issuing any other command (other than FEAT)\"; RFC 7151 §3.2.3)", r, len(after.List))
		})

	// RFC 2389 §3.2: "FTP implementations which support FEAT MUST include
	// in the response to the FEAT command all properly documented FTP
	// extensions beyond those commands and mechanisms described in RFC959
	// [1], including any which existed before the existence of FEAT." Each
	// extension is listed "in the form specified in the document that
	// defines the extension" (§3): RFC 2428 defines no FEAT line for EPSV
	// and EPRT, so those are only noted.
	r.Check("RFC2389-3.2-LIST-ALL-EXTENSIONS/unlisted", "lists in FEAT every extension it implements",
		func(ctx *Ctx) {
			c, f := featListing(ctx)
			var missing, notes []string
			for _, e := range extensions {
				if f.Has(e.feature) {
					continue
				}
				switch {
				case e.listedBy != "":
					notes = append(notes, fmt.Sprintf("%s: not listed; %s judges it", e.feature, e.listedBy))
					continue
				case e.probe == nil:
					continue
				}
				found := e.probe(ctx, c)
				switch {
				case found.state != extImplemented:
					continue
				case listedInline(f, e.feature):
					notes = append(notes, fmt.Sprintf("%s is implemented (%s) and named on another feature's line; RFC2389-3.2-FEAT-ONE-PER-LINE judges that", e.feature, found.seen))
				case e.informOnly:
					notes = append(notes, fmt.Sprintf("%s is implemented (%s) but not listed; %s, so clients try it anyway", e.feature, found.seen, e.where))
				default:
					missing = append(missing, fmt.Sprintf("%s is implemented (%s), but FEAT has no %q line (%s)", e.feature, found.seen, e.feature, e.where))
				}
			}
			if len(notes) > 0 {
				ctx.infof("%s", strings.Join(notes, "\n"))
			}
			if len(missing) > 0 {
				ctx.failf("%s\nFEAT listed: %s\n(\"FTP implementations which support FEAT MUST include in the response to the FEAT command all properly documented FTP extensions beyond those commands and mechanisms described in RFC959\", RFC 2389 §3.2)",
					strings.Join(missing, "\n"), strings.Join(f.Names(), ", "))
			}
		})

	// RFC 2389 §3: FEAT "requests the server to list all extension
	// commands, or extended mechanisms, that it supports", and §3.2: "when
	// a client receives a FEAT response from an FTP server, it can assume
	// that the only extensions the server supports are those that are
	// listed" -- a listed extension the server does not implement misleads
	// every client that relies on FEAT. AUTH TLS is judged by 234 alone:
	// the probe closes the connection without a handshake. PBSZ and PROT
	// only work after AUTH (RFC 4217 §9), so here they are only noted.
	r.Check("RFC2389-3.2-LIST-ALL-EXTENSIONS/advertised", "implements every extension it lists in FEAT",
		func(ctx *Ctx) {
			c, f := featListing(ctx)
			var broken, notes []string
			for _, e := range extensions {
				if !f.Has(e.feature) {
					continue
				}
				switch {
				case e.worksBy != "":
					notes = append(notes, fmt.Sprintf("%s: %s judges it", e.feature, e.worksBy))
					continue
				case e.feature == "PBSZ" || e.feature == "PROT":
					notes = append(notes, featTLSNote(ctx, c, e.feature))
					continue
				case e.probe == nil:
					notes = append(notes, e.feature+": listed, not probed")
					continue
				}
				found := e.probe(ctx, c)
				switch found.state {
				case extNotImplemented:
					broken = append(broken, fmt.Sprintf("FEAT lists %q, but %s", e.feature, found.seen))
				case extImplemented:
					notes = append(notes, fmt.Sprintf("%s: %s", e.feature, found.seen))
				default:
					notes = append(notes, fmt.Sprintf("%s: %s (its own checks judge it)", e.feature, found.seen))
				}
			}
			for _, ft := range f.List {
				if !slices.ContainsFunc(extensions, func(e extension) bool { return strings.EqualFold(strings.Fields(e.feature)[0], ft.Name) }) {
					notes = append(notes, fmt.Sprintf("%s: not probed", strings.TrimSpace(ft.Label+" "+ft.Params)))
				}
			}
			if len(notes) > 0 {
				ctx.infof("%s", strings.Join(notes, "\n"))
			}
			if len(broken) > 0 {
				ctx.failf("%s\n(FEAT lists \"all extension commands, or extended mechanisms, that it supports\", RFC 2389 §3; \"the only extensions the server supports are those that are listed\", §3.2: a client relies on each of them)",
					strings.Join(broken, "\n"))
			}
		})
})

// listedInline reports whether a feature is named among the parameters of
// another feature's line (" SIZE MDTM"), the violation FeatTwoPerLine.
func listedInline(f *harness.Features, feature string) bool {
	for _, ft := range f.List {
		if slices.ContainsFunc(strings.Fields(ft.Params), func(w string) bool { return strings.EqualFold(w, feature) }) {
			return true
		}
	}
	return false
}

// featTLSNote sends PBSZ 0 or PROT P in clear text and says what came
// back. Before AUTH, RFC 2228 asks for 503; some servers that know PBSZ
// and PROT only under TLS answer 500 instead (proftpd), so nothing is
// judged here: the TLS checks judge both commands.
func featTLSNote(ctx *Ctx, c *harness.Conn, verb string) string {
	line := map[string]string{"PBSZ": "PBSZ 0", "PROT": "PROT P"}[verb]
	r := cmd(ctx, c, line)
	return fmt.Sprintf("%s: before AUTH, %s got %s (the TLS checks judge it)", verb, line, r)
}

var _ = describe("OPTS (RFC 2389 §4)", Label("feat"), func(r *Run) {
	// RFC 2389 §4: "The OPTS command MUST be implemented whenever the FEAT
	// command is implemented."
	r.Check("RFC2389-4-OPTS-WITH-FEAT", "implements OPTS, since it implements FEAT",
		func(ctx *Ctx) {
			c, f := featListing(ctx)
			probes := []string{"OPTS UTF8 ON"}
			if facts := f.MLSTFacts(); len(facts) > 0 {
				probes = append(probes, "OPTS MLST "+factSelection(facts))
			}
			probes = append(probes, "OPTS "+harness.UniqueName("XFTPCONFORM"))
			var seen []string
			for _, line := range probes {
				r := cmd(ctx, c, line)
				if !notImplemented(r) {
					ctx.infof("OPTS is implemented: %s got %s", line, r)
					return
				}
				seen = append(seen, fmt.Sprintf("%s got %s", line, r))
			}
			ctx.failf("FEAT is implemented, but OPTS is not: %s (\"The OPTS command MUST be implemented whenever the FEAT command is implemented\", RFC 2389 §4)", strings.Join(seen, "; "))
		})

	// RFC 2389 §4: 'An "opts-good" response (200 reply) MUST be sent when
	// the command-name specified in the OPTS command is recognized, and
	// the command-options, if any, are recognized, and appropriate.' The
	// OPTS an RFC defines for a listed feature is OPTS MLST (RFC 3659
	// §7.9) with facts the MLST line offers. OPTS UTF8 ON comes from an
	// expired draft, and UTF8 is no command: a 501 to it is what §4 asks
	// of a server that does not recognise it, so it is only noted.
	r.Check("RFC2389-4-OPTS-GOOD-200", "answers 200 to OPTS with a command and options it advertises",
		func(ctx *Ctx) {
			c, f := featListing(ctx)
			if f.Has("UTF8") {
				r := cmd(ctx, c, "OPTS UTF8 ON")
				ctx.infof("OPTS UTF8 ON (UTF8 is listed; the option is defined by no RFC) got %s", r)
			}
			facts := f.MLSTFacts()
			if len(facts) == 0 {
				Skip("FEAT lists no MLST line with facts, and no other OPTS that an RFC defines")
			}
			line := "OPTS MLST " + factSelection(facts)
			r, err := c.Cmd(ctx, line)
			if err == nil && notImplemented(r) {
				Skip(fmt.Sprintf("%s got %s: RFC2389-4-OPTS-WITH-FEAT judges an OPTS that is not implemented", line, r))
			}
			expectExactly(ctx, line+" (MLST and these facts are listed in FEAT: \"opts-good\" MUST be sent, RFC 2389 §4)", r, err, harness.ReplyOK)
		})

	// RFC 2389 §4: 'An "opts-bad" response is sent in other cases. A 501
	// reply is appropriate for any permanent error' ... "Neither the FEAT
	// command, nor the OPTS command, have any optional functionality, thus
	// there are no "OPTS FEAT" or "OPTS OPTS" commands." opts-bad is 451
	// or 501.
	r.Check("RFC2389-4-OPTS-BAD", "refuses OPTS for an unknown command, for FEAT and for OPTS with 501",
		func(ctx *Ctx) {
			c := login(ctx)
			lines := []string{"OPTS " + harness.UniqueName("XFTPCONFORM") + " x", "OPTS FEAT", "OPTS OPTS"}
			replies := make([]*harness.Reply, len(lines))
			implemented := false
			for i, line := range lines {
				replies[i] = cmd(ctx, c, line)
				implemented = implemented || !notImplemented(replies[i])
			}
			if !implemented {
				Skip("OPTS is not implemented: " + replies[0].String())
			}
			for i, line := range lines {
				expectCode(ctx, line+" (no such command, or one without options)", replies[i], nil, harness.ReplySyntaxErrorParams, harness.ReplyLocalError)
			}
		})
})

// factSelection writes the fact list of an OPTS MLST (RFC 3659 §7.9)
// that selects the facts the MLST line marks as selected ("*"), or all
// of them when none is marked: "type;size;modify;". Those are facts the
// server offers, and the ones "generally acceptable to retrieve".
func factSelection(facts []harness.FactOffer) string {
	var b strings.Builder
	starred := slices.ContainsFunc(facts, func(f harness.FactOffer) bool { return f.Selected })
	for _, f := range facts {
		if f.Selected || !starred {
			b.WriteString(f.Name + ";")
		}
	}
	return b.String()
}
