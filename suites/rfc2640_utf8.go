package suites

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Internationalization (RFC 2640): the UTF8 feature and UTF-8 pathnames
// (§3), and the LANG command (§4).

// utf8Name is a pathname element in UTF-8 with two- and three-byte
// sequences, none of which Unicode normalization changes (a server on a
// file system that normalizes names keeps them byte for byte).
const utf8Name = "\u00df\u03a9\u0436\u4e2d\u6587" // ßΩж中文

// utf8Listed logs in and returns the session with its FEAT listing; the
// check is skipped unless FEAT lists UTF8.
func utf8Listed(ctx *Ctx) (*harness.Conn, *harness.Features) {
	c := login(ctx)
	f := featTry(ctx, c)
	if !f.Has("UTF8") {
		Skip("FEAT does not list UTF8: the server does not claim UTF-8 pathnames (RFC 2640 §3.2)")
	}
	return c, f
}

var _ = describe("UTF-8 pathnames (RFC 2640 §3)", Label("utf8"), func(r *Run) {
	// RFC 2640 §3.2: "Servers MUST support the UTF-8 feature in response
	// to the FEAT command [RFC2389]. The UTF-8 feature is a line containing
	// the exact string "UTF8"." The requirement binds servers that follow
	// RFC 2640: one that implements LANG, which only RFC 2640 defines,
	// claims it.
	r.Check("RFC2640-3.2-UTF8-FEAT", "lists UTF8 in FEAT when it implements RFC 2640",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			if f.Has("UTF8") {
				ctx.infof("FEAT lists UTF8")
				return
			}
			var claims []string
			if f.Has("LANG") {
				claims = append(claims, "FEAT lists LANG")
			}
			r := cmd(ctx, c, "LANG")
			if probeImplemented(r) {
				claims = append(claims, "LANG got "+r.String())
			}
			if len(claims) == 0 {
				Skip(fmt.Sprintf("no sign of RFC 2640: FEAT lists neither UTF8 nor LANG, and LANG got %s", r))
			}
			ctx.failf("the server implements LANG, which RFC 2640 §4 defines (%s), but FEAT (%s) has no UTF8 line: \"Servers MUST support the UTF-8 feature in response to the FEAT command\" (RFC 2640 §3.2)",
				strings.Join(claims, "; "), f.Reply)
		})

	// RFC 2640 §3.1: "Pathnames are sequences of bytes. The encoding of
	// names that are valid UTF-8 sequences is assumed to be UTF-8. [...]
	// Clients and servers, unless otherwise configured to support a
	// specific native character set, MUST check for a valid UTF-8 byte
	// sequence to determine if the pathname being presented is UTF-8." A
	// UTF-8 name stored is the name listed and retrieved, byte for byte.
	r.Check("RFC2640-3.1-UTF8-CHECK", "stores, lists and retrieves a file with a UTF-8 name byte for byte",
		Label("write"),
		func(ctx *Ctx) {
			c, _ := utf8Listed(ctx)
			// From an expired draft, not RFC 2640; some servers switch to
			// UTF-8 names only after it.
			if r := cmd(ctx, c, "OPTS UTF8 ON"); r.Code != harness.ReplyOK {
				ctx.infof("OPTS UTF8 ON got %s (no RFC defines it)", r)
			}
			scratch(ctx, c)
			name := utf8Name + ".txt"
			data := []byte("RFC 2640 round trip of the name " + name + "\r\n")
			upload(ctx, c, ctx.fixtureMode(c), name, data)

			if set := names(ctx, c, ""); !set[name] {
				ctx.failf("after STOR %q, NLST lists %s: the UTF-8 name did not come back byte for byte (RFC 2640 §3.1: a valid UTF-8 pathname \"is assumed to be UTF-8\")", name, listed(set))
			}
			t := download(ctx, c, ctx.defaultMode(c), "LIST")
			if !bytes.Contains(t.Data, []byte(name)) {
				ctx.failf("after STOR %q, LIST does not show the name byte for byte:\n%s(RFC 2640 §3.1)", name, harness.Printable(string(t.Data)))
			}
			if diff := sameBytes(fetch(ctx, c, name), data); diff != "" {
				ctx.failf("RETR %q: %s", name, diff)
			}
		})

	// RFC 2640 §3.1: 'the definition of pathname is changed [...] to
	// pathname = 1*(%x01..%xFF)', and "Conforming clients and servers MUST
	// support UTF-8 for the transfer and receipt of pathnames." A
	// directory with a UTF-8 name comes back in the 257 replies of MKD and
	// PWD byte for byte.
	r.Check("RFC2640-3.1-PATH-8BIT", "creates, enters and reports a directory with a UTF-8 name byte for byte",
		Label("write"),
		func(ctx *Ctx) {
			c, _ := utf8Listed(ctx)
			scratch(ctx, c)
			dir := "dir-" + utf8Name
			r := cmd(ctx, c, "MKD "+dir)
			if r.Code != harness.ReplyPathCreated {
				ctx.failf("MKD %s: got %s; a server that lists UTF8 \"MUST support UTF-8 for the transfer and receipt of pathnames\" (RFC 2640 §3.1)", dir, r)
			}
			if p, problem := harness.Parse257(r.Text()); problem == "" && !nameEndsWith(p, dir) {
				ctx.failf("MKD %s: the 257 reply names %q, not the directory's UTF-8 name byte for byte (pathname = 1*(%%x01..%%xFF), RFC 2640 §3.1)", dir, p)
			}
			if r := cmd(ctx, c, "CWD "+dir); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %s (just created): got %s (RFC 2640 §3.1)", dir, r)
			}
			if p := pwdPath(ctx, c); !nameEndsWith(p, dir) {
				ctx.failf("PWD in %s answers %q: the UTF-8 name did not come back byte for byte (pathname = 1*(%%x01..%%xFF), RFC 2640 §3.1)", dir, p)
			}
		})

	// RFC 2640 §3.1: "There MUST be only one <SP> between a ftp command
	// and the pathname. Implementations MUST assume <SP> characters
	// following the initial <SP> as part of the pathname."
	r.Check("RFC2640-3.1-ONE-SP", "takes the spaces after the first one as part of the pathname",
		Label("write"),
		func(ctx *Ctx) {
			c, _ := utf8Listed(ctx)
			scratch(ctx, c)
			name := " one-sp" // "MKD  one-sp": the pathname is " one-sp"
			r := cmd(ctx, c, "MKD "+name)
			if r.Code != harness.ReplyPathCreated {
				Skip(fmt.Sprintf("MKD %q (a name that begins with a SP) got %s: the server does not create such names", name, r))
			}
			if r := cmd(ctx, c, "CWD "+name); harness.Class(r.Code) != 2 {
				ctx.failf("CWD %q (the directory MKD just created): got %s (RFC 2640 §3.1: \"Implementations MUST assume <SP> characters following the initial <SP> as part of the pathname\")", name, r)
			}
			if p := pwdPath(ctx, c); !strings.HasSuffix(p, "/"+name) {
				ctx.failf("after \"MKD  one-sp\" and \"CWD  one-sp\" (two SPs each), PWD answers %q, not a directory named %q: \"Implementations MUST assume <SP> characters following the initial <SP> as part of the pathname\" (RFC 2640 §3.1)", p, name)
			}
		})
})

// langTags are the well-formed tags of the LANG line, the current one
// (marked "*") first.
func langTags(f *harness.Features) []harness.LangOffer {
	var out []harness.LangOffer
	for _, l := range f.Langs() {
		if harness.ValidLangTag(l.Tag) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b harness.LangOffer) int {
		switch {
		case a.Current == b.Current:
			return 0
		case a.Current:
			return -1
		}
		return 1
	})
	return out
}

// currentLang returns the tag the LANG line marks with "*", or "".
func currentLang(f *harness.Features) string {
	for _, l := range f.Langs() {
		if l.Current {
			return l.Tag
		}
	}
	return ""
}

// langImplemented sends LANG without an argument on c and skips the check
// when the server does not implement LANG; a listed LANG that is not
// implemented is RFC2640-4-LANG-MUST's to judge.
func langImplemented(ctx *Ctx, c *harness.Conn, f *harness.Features) *harness.Reply {
	r := cmd(ctx, c, "LANG")
	if notImplemented(r) {
		if f.Has("LANG") {
			Skip(fmt.Sprintf("FEAT lists LANG, but LANG got %s: RFC2640-4-LANG-MUST judges it", r))
		}
		Skip("LANG is not implemented: " + r.String())
	}
	return r
}

var _ = describe("LANG (RFC 2640 §4)", Label("lang"), func(r *Run) {
	// RFC 2640 §4: "Clients and servers that comply with this
	// specification MUST support the LANG command." A server that lists
	// LANG claims it; one that lists only UTF8 claims UTF-8 pathnames
	// (§3), and most such servers have no LANG (pyftpdlib, pure-ftpd), so
	// there it is only noted.
	r.Check("RFC2640-4-LANG-MUST", "implements LANG when it claims RFC 2640's language support",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			tag := "en"
			if tags := langTags(f); len(tags) > 0 {
				tag = tags[0].Tag
			}
			// Support shows in the bare LANG (the default language), which
			// every implementation takes; a tag the server lists but
			// refuses is RFC2640-4.3-LANG-FEAT's and -4.2-LANG-ERRORS'.
			if r := cmd(ctx, c, "LANG"); !notImplemented(r) {
				ctx.infof("LANG got %s", r)
				return
			}
			line := "LANG " + tag
			r := cmd(ctx, c, line)
			if notImplemented(r) {
				if f.Has("LANG") {
					ctx.failf("FEAT lists %q, but %s got %s: \"Clients and servers that comply with this specification MUST support the LANG command\" (RFC 2640 §4)",
						"LANG "+f.Params("LANG"), line, r)
				}
				if f.Has("UTF8") {
					Skip(fmt.Sprintf("%s got %s: FEAT lists UTF8 (UTF-8 pathnames, RFC 2640 §3) but not LANG, so the server does not claim the language support of RFC 2640 §4", line, r))
				}
				Skip(fmt.Sprintf("%s got %s, and FEAT lists neither LANG nor UTF8: no sign of RFC 2640", line, r))
			}
			expectCode(ctx, line, r, nil, harness.ReplyOK, harness.ReplyNotImplParam)
		})

	// RFC 2640 §4.2: "The OPTIONAL "Lang-tag" given as a parameter [...]
	// If omitted server-PI MUST use the server's default language", and
	// '"lang-ok" MUST be sent if Server-FTP supports the "Lang" command':
	// lang-ok = "200" [SP *(%x00..%xFF) ] CRLF.
	r.Check("RFC2640-4.2-LANG-NOARG", "answers LANG without an argument with 200",
		func(ctx *Ctx) {
			c := login(ctx)
			r := langImplemented(ctx, c, advertised(ctx))
			expectCode(ctx, "LANG (no argument: the server's default language, RFC 2640 §4.2)", r, nil, harness.ReplyOK)
		})

	// RFC 2640 §4.2: "A 501 response SHOULD be sent if the argument to the
	// "Lang" command is not syntactically correct. A 504 response SHOULD
	// be sent if the "Lang" argument, while syntactically correct, is not
	// implemented." lang-tag = Primary-tag *( "-" Sub-tag ), each 1*8ALPHA.
	r.Check("RFC2640-4.2-LANG-ERRORS", "answers LANG with a malformed tag with 501 and with an unsupported one with 504",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			langImplemented(ctx, c, f)
			r := cmd(ctx, c, "LANG 123456789")
			expectCode(ctx, "LANG 123456789 (not a language tag: 1*8ALPHA is required)", r, nil, harness.ReplySyntaxErrorParams)
			tag := "xx-YY"
			for _, t := range []string{"xx-YY", "qq-ZZ", "zz-QQ"} {
				if !slices.ContainsFunc(f.Langs(), func(l harness.LangOffer) bool { p, _, _ := strings.Cut(l.Tag, "-"); return strings.EqualFold(p, t[:2]) }) {
					tag = t
					break
				}
			}
			r = cmd(ctx, c, "LANG "+tag)
			expectCode(ctx, "LANG "+tag+" (a well-formed tag of no language)", r, nil, harness.ReplyNotImplParam)
		})

	// RFC 2640 §4.3: "A server-FTP process that supports the LANG command,
	// and language support for messages and command responses, MUST
	// include in the response to the FEAT command [RFC2389], a feature line
	// indicating that the LANG command is supported and a fact list of the
	// supported language tags." "At least one lang-tag MUST be included",
	// "The lang-tag SHALL be in the form described earlier", and §4.2:
	// '"lang-ok" MUST be sent if Server-FTP supports the "Lang" command and
	// can support some form of the "lang-tag"' -- every listed tag.
	r.Check("RFC2640-4.3-LANG-FEAT", "lists LANG in FEAT with well-formed tags, each of which LANG accepts",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			_, listed := f.Get("LANG")
			r := cmd(ctx, c, "LANG")
			switch implemented := !notImplemented(r); {
			case !listed && implemented && f.Supported():
				ctx.failf("LANG is implemented (LANG got %s), but FEAT has no LANG line: a server that supports LANG \"MUST include in the response to the FEAT command [RFC2389], a feature line indicating that the LANG command is supported\" (RFC 2640 §4.3)", r)
			case !listed:
				Skip("FEAT lists no LANG, and LANG is not implemented or FEAT is not: " + r.String())
			case !implemented:
				Skip(fmt.Sprintf("FEAT lists LANG, but LANG got %s: RFC2640-4-LANG-MUST judges it", r))
			}
			var problems []string
			if bad := violationsOf(f, harness.FeatLANGParams); bad != "" {
				problems = append(problems, bad+" (Lang-feat = SP \"LANG\" SP lang-fact, lang-fact = lang-tag [\"*\"] *(\";\" lang-tag [\"*\"]), lang-tag = 1*8ALPHA *(\"-\" 1*8ALPHA), RFC 2640 §4.3)")
			}
			if n := len(slices.DeleteFunc(f.Langs(), func(l harness.LangOffer) bool { return !l.Current })); n > 1 {
				problems = append(problems, fmt.Sprintf("%d tags are marked \"*\", the current language, in %q", n, "LANG "+f.Params("LANG")))
			}
			for _, l := range langTags(f) {
				line := "LANG " + l.Tag
				if r := cmd(ctx, c, line); r.Code != harness.ReplyOK {
					problems = append(problems, fmt.Sprintf("FEAT lists %s, but %s got %s: '\"lang-ok\" MUST be sent if Server-FTP supports the \"Lang\" command and can support some form of the \"lang-tag\"' (RFC 2640 §4.2)", l.Tag, line, r))
				}
			}
			if len(problems) > 0 {
				ctx.failf("%s", strings.Join(problems, "\n"))
			}
		})

	// RFC 2640 §4.1: "Once negotiated, server-PI MUST return server
	// messages and textual part of command responses in the negotiated
	// language and encoded in UTF-8", and "No attempt should be made by
	// the server to translate protocol elements (FTP commands and numeric
	// responses)".
	r.Check("RFC2640-4.1-LANG-EFFECT", "keeps its reply codes after LANG and sends the text in UTF-8",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			line := "LANG"
			if tags := langTags(f); len(tags) > 1 {
				line += " " + tags[1].Tag // a language other than the current one
			} else if len(tags) == 1 {
				line += " " + tags[0].Tag
			}
			probes := []string{"NOOP", "SYST", "PWD", "CWD " + harness.UniqueName("ftpconform-missing"), "XYZZ"}
			before := make([]*harness.Reply, len(probes))
			for i, p := range probes {
				before[i] = cmd(ctx, c, p)
			}
			r := cmd(ctx, c, line)
			switch {
			case notImplemented(r):
				Skip("LANG is not implemented: " + r.String())
			case r.Code != harness.ReplyOK:
				Skip(fmt.Sprintf("%s got %s: no language was negotiated (RFC2640-4.3-LANG-FEAT judges the listed tags)", line, r))
			}
			var problems []string
			check := func(what string, r *harness.Reply) {
				for _, l := range r.Lines {
					if at, bad := harness.InvalidUTF8(l); bad {
						problems = append(problems, fmt.Sprintf("%s: the reply line %q is not UTF-8 (byte %d, 0x%02x)", what, harness.Printable(l), at, l[at]))
						return
					}
				}
			}
			check(line, r)
			for i, p := range probes {
				after := cmd(ctx, c, p)
				if after.Code != before[i].Code {
					problems = append(problems, fmt.Sprintf("%s: got %s after %s, %s before: numeric replies are protocol elements, never translated", p, after, line, before[i]))
				}
				check(p+" after "+line, after)
			}
			if len(problems) > 0 {
				ctx.failf("%s\n(\"Once negotiated, server-PI MUST return server messages and textual part of command responses in the negotiated language and encoded in UTF-8\"; \"No attempt should be made by the server to translate protocol elements\", RFC 2640 §4.1)",
					strings.Join(problems, "\n"))
			}
		})

	// RFC 2640 §4.1: "Note that the issuance of a HOST or REIN command
	// [RFC959] will negate the affect of the LANG command." FEAT shows the
	// language in use with "*" (§4.3), so after LANG of another language
	// and REIN the "*" is back on the default.
	r.Check("RFC2640-4.1-REIN-RESETS-LANG", "returns to the default language after REIN",
		func(ctx *Ctx) {
			c := login(ctx)
			f := featTry(ctx, c)
			tags := langTags(f)
			def := currentLang(f)
			switch {
			case len(tags) < 2:
				Skip(fmt.Sprintf("FEAT lists %d language(s): there is no other language to leave with REIN", len(tags)))
			case def == "":
				Skip("no tag of the LANG line is marked \"*\": the language in use cannot be seen in FEAT")
			}
			other := tags[1].Tag
			if r := cmd(ctx, c, "LANG "+other); r.Code != harness.ReplyOK {
				Skip(fmt.Sprintf("LANG %s got %s: RFC2640-4.3-LANG-FEAT judges the listed tags", other, r))
			}
			if now := currentLang(featTry(ctx, c)); !strings.EqualFold(now, other) {
				Skip(fmt.Sprintf("after LANG %s, FEAT marks %q as the current language: the \"*\" does not follow LANG, so the effect of REIN cannot be seen", other, now))
			}
			reinSession(ctx, c)
			after := featTry(ctx, c)
			if !after.Supported() {
				ctx.must(c.Login(ctx), "logging in again after REIN")
				after = featTry(ctx, c)
			}
			if now := currentLang(after); strings.EqualFold(now, other) {
				ctx.failf("after LANG %s and REIN, FEAT still marks %s as the current language (LANG %s): \"the issuance of a HOST or REIN command [RFC959] will negate the affect of the LANG command\" (RFC 2640 §4.1); the default was %s",
					other, now, after.Params("LANG"), def)
			}
		})
})
