package suites

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ftpconform/ftpconform/harness"
)

// permitted lists the replies RFC 959 §5.4 (with the additions of RFC 1123,
// 2228, 2428 and 3659 noted in the catalog, §2.12) allows for each command.
// Failure messages quote it so a reader sees the whole contract.
var permitted = map[string][]int{
	"greeting": {120, 220, 421},
	"USER":     {230, 232, 331, 332, 336, 421, 500, 501, 530},
	"PASS":     {230, 202, 332, 421, 500, 501, 503, 530},
	"ACCT":     {230, 202, 421, 500, 501, 503, 530},
	"CWD":      {250, 421, 500, 501, 502, 530, 550},
	"CDUP":     {200, 250, 421, 500, 501, 502, 530, 550},
	"SMNT":     {202, 250, 421, 500, 501, 502, 530, 550},
	"REIN":     {120, 220, 421, 500, 502},
	"QUIT":     {221, 500},
	"PORT":     {200, 421, 500, 501, 504, 530},
	"PASV":     {227, 421, 500, 501, 502, 530},
	"EPRT":     {200, 421, 500, 501, 522},
	"EPSV":     {229, 421, 500, 501, 522},
	"MODE":     {200, 421, 500, 501, 504, 530},
	"TYPE":     {200, 421, 500, 501, 504, 530},
	"STRU":     {200, 421, 500, 501, 504, 530},
	"ALLO":     {200, 202, 421, 500, 501, 504, 530},
	"REST":     {350, 421, 500, 501, 502, 530},
	"STOR":     {125, 150, 226, 250, 425, 426, 451, 551, 552, 450, 452, 421, 532, 553, 500, 501, 530},
	"RETR":     {125, 150, 226, 250, 425, 426, 451, 450, 421, 550, 500, 501, 530, 554},
	"LIST":     {125, 150, 226, 250, 425, 426, 451, 450, 421, 500, 501, 502, 530},
	"NLST":     {125, 150, 226, 250, 425, 426, 451, 450, 421, 500, 501, 502, 530},
	"APPE":     {125, 150, 226, 250, 425, 426, 451, 551, 552, 450, 452, 421, 532, 550, 553, 500, 501, 502, 530},
	"RNFR":     {350, 450, 421, 550, 500, 501, 502, 530},
	"RNTO":     {250, 421, 532, 553, 500, 501, 502, 503, 530},
	"ABOR":     {225, 226, 421, 500, 501, 502},
	"DELE":     {250, 450, 421, 550, 500, 501, 502, 530},
	"RMD":      {250, 421, 500, 501, 502, 530, 550},
	"MKD":      {257, 421, 500, 501, 502, 530, 550},
	"PWD":      {257, 421, 500, 501, 502, 550},
	"SYST":     {215, 421, 500, 501, 502},
	"STAT":     {211, 212, 213, 450, 421, 500, 501, 502, 530},
	"HELP":     {211, 214, 421, 500, 501, 502},
	"SITE":     {200, 202, 500, 501, 530},
	"NOOP":     {200, 421, 500},
	"FEAT":     {211, 500, 501, 502},
	"OPTS":     {200, 451, 500, 501, 502},
	"SIZE":     {213, 450, 451, 550, 500, 501},
	"MDTM":     {213, 450, 451, 550, 500, 501},
}

// Verdict of comparing a reply code with the codes a situation calls for.
type codeVerdict int

const (
	codeOK        codeVerdict = iota
	codeTolerated             // same class as an expected code (RFC 1123 §4.1.2.11)
	codeWrong
)

// judgeCode compares code with want. A code outside want but of the same
// first digit as one of them is tolerated: RFC 1123 §4.1.2.11 lets a server
// use another code that respects the §4.2 digit rules.
func judgeCode(code int, want []int) codeVerdict {
	for _, w := range want {
		if code == w {
			return codeOK
		}
	}
	for _, w := range want {
		if code >= 100 && code <= 599 && harness.Class(code) == harness.Class(w) {
			return codeTolerated
		}
	}
	return codeWrong
}

// expectation builds the standard message "CMD: expected one of A, B; got
// 226 "text" (RFC 959 §5.4 permits ...)".
func expectation(what string, want []int, r *harness.Reply) string {
	msg := fmt.Sprintf("%s: expected one of %s; got %s", what, harness.Codes(want), r)
	if p, ok := permitted[verbOf(what)]; ok && !sameSet(p, want) {
		msg += fmt.Sprintf(" (RFC 959 §5.4 permits %s for %s)", harness.Codes(p), verbOf(what))
	}
	return msg
}

func verbOf(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == ':' {
			return s[:i]
		}
	}
	return s
}

func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// expectCode judges a reply: wanted code passes, same class warns, any
// other class fails. A broken exchange (err) fails.
func expectCode(ctx *Ctx, what string, r *harness.Reply, err error, want ...int) *harness.Reply {
	if err != nil {
		var re *harness.ReplyError
		if !errors.As(err, &re) {
			ctx.failf("%s: %v", what, err)
			return nil
		}
		r = re.Reply
	}
	switch judgeCode(r.Code, want) {
	case codeTolerated:
		tolerateCode(ctx, what, r, want)
	case codeWrong:
		ctx.failf("%s", expectation(what, want, r))
	}
	return r
}

// tolerateCode records a reply whose code is not one of want but of the
// same class (judgeCode's codeTolerated): an observation when RFC 959
// §5.4 lists the code for the command, or when another check judges the
// command's codes; else a warning.
func tolerateCode(ctx *Ctx, what string, r *harness.Reply, want []int) {
	verb := verbOf(what)
	if listedFor(verb, r.Code) {
		// A code RFC 959 §5.4 lists for the command, of the expected
		// class: a legitimate choice, only less specific.
		ctx.infof("%s: got %s; %s would be more specific, but RFC 959 §5.4 lists %d for %s", what, r, harness.Codes(want), r.Code, verb)
		return
	}
	if judge := ctx.codesJudge(verb); judge != "" && !strings.HasPrefix(ctx.key(), judge) {
		// One root cause, one warning: the check that judges the
		// command's reply codes warns about it; here it is context.
		ctx.infof("%s (a code of the same class that RFC 959 §5.4 does not list for %s; %s judges it)", expectation(what, want, r), verb, judge)
		return
	}
	ctx.warnf("%s (a code of the same class that RFC 959 §5.4 does not list for %s: tolerated per RFC 1123 §4.1.2.11)", expectation(what, want, r), verb)
}

// codesJudge is the requirement whose checks judge verb's reply codes
// (RFC959-5.4-VERB-CODES) when verb is a step that every session takes
// (USER, PASS) and the run has a check for it, else "". For those verbs
// an unlisted reply of the right class would otherwise be warned about
// in every check that logs in its own way; for any other verb the check
// that sends it may be the only one that sends that form of it (STRU P,
// say), so it judges the reply itself.
func (r *Run) codesJudge(verb string) string {
	if verb != "USER" && verb != "PASS" {
		return ""
	}
	id := "RFC959-5.4-" + verb + "-CODES"
	r.reg.mu.Lock()
	defer r.reg.mu.Unlock()
	for k := range r.reg.byKey {
		if k == id || strings.HasPrefix(k, id+"/") {
			return id
		}
	}
	return ""
}

// listedFor reports whether RFC 959 §5.4 (with the catalog's additions)
// lists code among the replies of verb.
func listedFor(verb string, code int) bool {
	for _, c := range permitted[verb] {
		if c == code {
			return true
		}
	}
	return false
}

// expectExactly fails unless the reply code is one of want.
func expectExactly(ctx *Ctx, what string, r *harness.Reply, err error, want ...int) *harness.Reply {
	if err != nil {
		var re *harness.ReplyError
		if !errors.As(err, &re) {
			ctx.failf("%s: %v", what, err)
			return nil
		}
		r = re.Reply
	}
	if judgeCode(r.Code, want) != codeOK {
		ctx.failf("%s", expectation(what, want, r))
	}
	return r
}

// notImplemented reports whether a reply says the command is not
// implemented (500 or 502).
func notImplemented(r *harness.Reply) bool {
	return r != nil && (r.Code == harness.ReplySyntaxError || r.Code == harness.ReplyNotImplemented)
}
