package suites

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// Prerequisites: one root cause, one failure.
//
// Many checks use a capability as a means to their end: they log in, make
// a scratch directory, upload a fixture, open a passive data connection.
// The preflight (harness.Preflight) establishes once, before any check,
// which of these capabilities work. A capability is judged only by the
// checks that exist to judge it (its owners); every other check that needs
// a broken capability is reported as blocked by the owner that judges the
// failing step, instead of failing again with a diagnosis that is not its
// own. A check declares what it relies on by calling need, which the
// shared helpers (login, scratch, upload, download, openData, ...) do for
// it.

// prerequisite describes how the checks rely on one capability.
type prerequisite struct {
	// what names the capability in a blocked check's reason.
	what string
	// judge is the key of the check that judges a failure at each stage;
	// the entry for StageCommand is the default.
	judge map[harness.CapStage]string
	// owners are the requirement IDs (or full keys) of the checks that
	// judge the capability: need never blocks them.
	owners []string
	// commandOwners, if set, replace owners when the command itself was
	// refused or answered wrongly: then only the checks of its replies
	// judge it, and those that use it to reach a data connection are
	// blocked.
	commandOwners []string
	// contentOwners, if set, replace owners when the bytes a transfer
	// delivered were wrong: then only the checks of the content judge it,
	// and those that compare bytes for another purpose are blocked.
	contentOwners []string
	// optional: a server may leave the capability out (500/502). Checks
	// that need it then run and skip with their own reason.
	optional bool
}

var prerequisites = map[harness.Capability]prerequisite{
	harness.CapPROT: {
		what:   "protected data connections (PBSZ 0, PROT P) in a run with TLS",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC4217-9-PROT-C-P", harness.StageData: "RFC4217-9-TLS-BEFORE-DATA"},
		owners: []string{"RFC4217-9-PROT-C-P", "RFC4217-9-PBSZ-0", "RFC2228-3-PROT-ORDER", "RFC4217-9-TLS-BEFORE-DATA", "RFC4217-9-PROT-PERSISTS"},
	},
	harness.CapLogin: {
		what:   "logging in with the target's credentials",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-5.4-PASS-CODES/login"},
		owners: []string{"RFC959-5.4-PASS-CODES", "RFC959-5.4-USER-CODES"},
	},
	harness.CapPWD: {
		what:   "PWD",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-AII-PWD-257/format"},
		owners: []string{"RFC959-AII-PWD-257", "RFC959-5.4-PWD-NO-530"},
	},
	harness.CapTypeI: {
		what:   "TYPE I",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-3.1.1.3-IMAGE-RECOMMENDED"},
		owners: []string{"RFC959-3.1.1.3-IMAGE-RECOMMENDED", "RFC959-5.4-TYPE-CODES", "RFC1123-4.1.2.13-MIN-TYPES"},
	},
	harness.CapPASV: {
		what: "passive mode (PASV and a listing over it)",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC1123-4.1.2.6-PASV-MUST",
			harness.StageData:    "RFC959-4.1.2-PASV-LISTEN",
		},
		owners: []string{"RFC1123-4.1.2.6-PASV-MUST", "RFC959-4.1.2-PASV-LISTEN", "RFC959-4.2.1-227-NUMBERS",
			"RFC959-4.1.2-227-ADDRESS", "RFC959-5.4-PASV-CODES", "POLICY-PASV-RANGE", "POLICY-PASV-ADDR",
			"POLICY-PASV-RANGE-REACHABLE"},
		commandOwners: []string{"RFC1123-4.1.2.6-PASV-MUST", "RFC959-4.2.1-227-NUMBERS", "RFC959-5.4-PASV-CODES",
			"RFC1123-4.1.2.13-MIN-COMMANDS", "POLICY-PASV-RANGE", "POLICY-PASV-ADDR", "POLICY-PASV-RANGE-REACHABLE"},
	},
	harness.CapEPSV: {
		what: "extended passive mode (EPSV and a listing over it)",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC2428-3-EPSV-229",
			harness.StageData:    "POLICY-EPSV-WORKS-NAT",
		},
		owners: []string{"RFC2428-3-EPSV-229", "RFC2428-3-229-FORMAT", "RFC2428-3-EPSV-SYNTAX",
			"POLICY-EPSV-WORKS-NAT", "RFC2428-3-EPSV-SAME-ADDR", "POLICY-PASV-RANGE", "POLICY-PASV-RANGE-REACHABLE"},
		optional: true,
	},
	harness.CapPORT: {
		what: "active mode (PORT and a listing over it)",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC959-5.4-PORT-CODES",
			harness.StageData:    "RFC959-4.1.2-PORT-SEMANTICS/list",
		},
		owners:        []string{"RFC959-5.4-PORT-CODES", "RFC959-4.1.2-PORT-SEMANTICS/list", "POLICY-ACTIVE-EGRESS"},
		commandOwners: []string{"RFC959-5.4-PORT-CODES", "RFC1123-4.1.2.13-MIN-COMMANDS", "POLICY-ACTIVE-EGRESS"},
	},
	harness.CapEPRT: {
		what: "extended active mode (EPRT and a listing over it)",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC2428-2-EPRT-200",
			harness.StageData:    "RFC2428-2-EPRT-200",
		},
		owners:   []string{"RFC2428-2-EPRT-200", "POLICY-ACTIVE-EGRESS"},
		optional: true,
	},
	harness.CapMKD: {
		what:   "MKD of a scratch directory",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-AII-MKD-257-FORMAT"},
		owners: []string{"RFC959-AII-MKD-257-FORMAT", "RFC959-AII-MKD-EXISTS", "RFC959-AII-REL-ABS", "RFC959-4.2-2YZ-MEANING"},
	},
	harness.CapCWD: {
		what:   "CWD into a directory",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-5.4-CWD-CODES/existing"},
		owners: []string{"RFC959-5.4-CWD-CODES", "RFC959-4.1.1-CWD-EFFECT"},
	},
	harness.CapSTOR: {
		what: "STOR in TYPE I",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC959-5.4-STOR-CODES/new",
			harness.StageData:    "RFC959-5.4-STOR-CODES/new",
			harness.StageContent: "RFC959-3.1.1.3-IMAGE-EXACT/pasv",
		},
		owners:        append([]string{"RFC959-5.4-STOR-CODES", "RFC959-4.1.3-STOR-EOF-BY-CLOSE"}, transferReplyChecks...),
		contentOwners: []string{"RFC959-3.1.1.3-IMAGE-EXACT"},
	},
	harness.CapRETR: {
		what: "RETR in TYPE I",
		judge: map[harness.CapStage]string{
			harness.StageCommand: "RFC959-5.4-RETR-CODES/success",
			harness.StageData:    "RFC959-5.4-RETR-CODES/success",
			harness.StageContent: "RFC959-4.1.3-RETR-CONTENT/pasv",
		},
		owners:        append([]string{"RFC959-5.4-RETR-CODES"}, transferReplyChecks...),
		contentOwners: []string{"RFC959-4.1.3-RETR-CONTENT"},
	},
	harness.CapNOOP: {
		what:  "NOOP",
		judge: map[harness.CapStage]string{harness.StageCommand: "RFC959-4.1.3-NOOP"},
		// The format checks judge what NOOP's reply looks like.
		owners: []string{"RFC959-4.1.3-NOOP", "RFC959-4.2-FIRST-DIGIT", "RFC959-4.2-THREE-DIGITS", "RFC959-4.2-SINGLE-FORMAT"},
	},
	harness.CapLIST: {
		what:   "LIST",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-4.1.3-LIST-DEFAULT-CWD/pasv"},
		owners: append([]string{"RFC959-4.1.3-LIST-DEFAULT-CWD/pasv"}, transferReplyChecks...),
	},
	harness.CapNLST: {
		what:   "NLST",
		judge:  map[harness.CapStage]string{harness.StageCommand: "RFC959-4.1.3-NLST-NAMES/pasv"},
		owners: append([]string{"RFC959-4.1.3-NLST-NAMES/pasv"}, transferReplyChecks...),
	},
}

// transferReplyChecks judge the replies of every transfer command: a
// preflight transfer that failed for its replies (two 1yz, no completion)
// is theirs to judge as much as the command's own checks'.
var transferReplyChecks = []string{"RFC959-4.2-1YZ-AT-MOST-ONE", "RFC959-4.2-1YZ-MEANING", "RFC959-5.4-XFER-COMPLETION",
	"RFC959-5.4-XFER-PRELIM", "RFC959-5.2-CLOSE-THEN-226"}

// dataCapability is the capability behind a data-connection mode.
func dataCapability(mode harness.DataMode) harness.Capability {
	switch mode {
	case harness.EPSV:
		return harness.CapEPSV
	case harness.PORT:
		return harness.CapPORT
	case harness.EPRT:
		return harness.CapEPRT
	}
	return harness.CapPASV
}

// need blocks the running check when the preflight found one of caps
// broken and the check is not one that judges it. Capabilities the
// preflight did not probe block nothing.
func (c *Ctx) need(caps ...harness.Capability) {
	if root, reason, ok := c.blockingPrerequisite(caps...); ok {
		blocked(root, reason)
	}
}

// blockingPrerequisite says which check blocks the running one, and why,
// when one of caps is broken and the check is not one that judges it.
func (ctx *Ctx) blockingPrerequisite(caps ...harness.Capability) (root, reason string, ok bool) {
	st := ctx.st
	for _, c := range caps {
		p, known := prerequisites[c]
		if !known {
			continue
		}
		if l, lost := ctx.health.lostCap(c); lost && l.Key != st.key && !p.ownedBy(st.key, harness.StageData) {
			return l.Key, fmt.Sprintf("%s stopped working during %s (%s)", p.what, l.Key, l.Detail), true
		}
		fact := ctx.cfg.Facts.Cap(c)
		switch {
		case fact.State == harness.CapBroken:
		case fact.State == harness.CapUnsupported && !p.optional:
		default:
			continue
		}
		if p.ownedBy(st.key, fact.Stage) {
			continue
		}
		root := p.judge[fact.Stage]
		if root == "" {
			root = p.judge[harness.StageCommand]
		}
		return root, fmt.Sprintf("%s does not work on this server (%s)", p.what, fact.Detail), true
	}
	return "", "", false
}

// ownedBy reports whether the check key judges the capability when it
// failed at stage.
func (p prerequisite) ownedBy(key string, stage harness.CapStage) bool {
	owners := p.owners
	switch {
	case stage == harness.StageContent && p.contentOwners != nil:
		owners = p.contentOwners
	case stage == harness.StageCommand && p.commandOwners != nil:
		owners = p.commandOwners
	}
	id, _, _ := strings.Cut(key, "/")
	return slices.Contains(owners, key) || slices.Contains(owners, id)
}

// blockedByCause blocks the running check when an error it is about to
// fail for carries a root cause that another check judges: plaintext on a
// data connection under PROT P is RFC4217-9-TLS-BEFORE-DATA's finding,
// whatever the check was doing when it met it.
func (c *Ctx) blockedByCause(args ...any) {
	p := prerequisites[harness.CapPROT]
	for _, a := range args {
		if err, ok := a.(error); ok && errors.Is(err, harness.ErrDataNotTLS) && !p.ownedBy(c.st.key, harness.StageData) {
			// Blocked only once the judge failed for it: data in clear
			// after something else (a new USER, say) is this check's.
			if owner, failed := c.health.findingOwner(findingClearUnderProt); failed && owner != c.st.key {
				blocked(owner, "the server sends data in clear under PROT P ("+err.Error()+")")
			}
		}
	}
}

// blocked ends the running check as blocked by the check root.
func blocked(root, reason string) {
	AddReportEntry(EntryBlocked, root, ReportEntryVisibilityNever)
	Skip("blocked by " + root + ": " + reason)
}

// notRun ends the running check as not run because the run stopped.
func notRun(root, reason string) {
	AddReportEntry(EntryNotRun, root, ReportEntryVisibilityNever)
	Skip("not run: " + reason)
}

// gatedVerbs are the commands the gate holds back, with the capability
// each relies on.
var gatedVerbs = map[string]harness.Capability{
	"NOOP": harness.CapNOOP, "PASV": harness.CapPASV, "PORT": harness.CapPORT,
	"EPSV": harness.CapEPSV, "EPRT": harness.CapEPRT, "RETR": harness.CapRETR,
	"STOR": harness.CapSTOR, "APPE": harness.CapSTOR, "STOU": harness.CapSTOR,
	"LIST": harness.CapLIST, "NLST": harness.CapNLST,
}

// gateCommand is the check's gate for commands (harness.WithGate): a
// command used while the preflight found it broken is not sent, unless the
// check is one that judges it; the check then ends as blocked when it
// reports the error (see blockedIfGated). The gate may run on any of the
// check's goroutines, so it only records.
func (c *Ctx) gateCommand(line string) error {
	verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " ")
	capability, gated := gatedVerbs[verb]
	if !gated {
		return nil
	}
	root, reason, ok := c.blockingPrerequisite(capability)
	if !ok {
		return nil
	}
	c.st.gate(root, reason)
	return fmt.Errorf("%s not sent: blocked by %s: %s", strings.Fields(line + " ?")[0], root, reason)
}
