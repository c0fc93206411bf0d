package fakeserver

import (
	"fmt"
	"slices"
	"strings"
)

// features is the FEAT listing (RFC 2389 §3.2): exactly the extensions this
// server implements, one per line, each after a single SP. The MLST line
// shows the default facts; a session's own listing marks the facts it
// selected (featureLines).
var features = []string{
	" EPRT",                           // RFC 2428 (defines no FEAT line; listed as servers do)
	" EPSV",                           // RFC 2428
	" HOST",                           // RFC 7151 §3.4
	" LANG EN*",                       // RFC 2640 §4.3: English, the current language
	" MDTM",                           // RFC 3659 §3.3
	" MLST " + featFactList(allFacts), // RFC 3659 §7.8 (MLST and MLSD)
	" PASV",                           // RFC 959; listed as servers do
	" REST STREAM",                    // RFC 3659 §5.4
	" SIZE",                           // RFC 3659 §4.3
	" TVFS",                           // RFC 3659 §6.3
	" UTF8",                           // RFC 2640 §3.2
}

// extState is what a session's commands of RFC 3659 and RFC 7151 chose;
// it starts empty and REIN empties it.
type extState struct {
	factsOff factSet // MLST facts OPTS MLST deselected (RFC 3659 §7.9)
	host     string  // the virtual host HOST named (RFC 7151)
}

// featureLines is the session's FEAT listing: features, with the MLST
// line marking the facts selected now (RFC 3659 §7.8).
func (s *session) featureLines() []string {
	lines := slices.Clone(features)
	for i, l := range lines {
		if strings.HasPrefix(l, " MLST ") {
			lines[i] = " MLST " + featFactList(s.mlstFacts())
		}
	}
	if s.tlsOffered() {
		lines = append(lines, tlsFeatures...)
	}
	return lines
}

// cmdNOOP answers 200 and changes nothing (RFC 959 §4.1.3). An argument is
// ignored: NOOP's only error code is 500.
func (s *session) cmdNOOP(r *request) {
	s.reply(codeOK, "OK")
}

// cmdSYST names the system type from the Assigned Numbers list
// (RFC 959 §4.1.3); "UNIX Type: L8" is what clients expect.
func (s *session) cmdSYST(r *request) {
	if r.arg != "" {
		s.reply(codeBadArguments, "SYST takes no argument.")
		return
	}
	s.reply(codeSystemType, "UNIX Type: L8")
}

// cmdHELP lists the commands (multi-line 214) or shows the syntax of one.
func (s *session) cmdHELP(r *request) {
	topic := strings.ToUpper(strings.TrimSpace(r.arg))
	if topic == "" {
		names := commandNames()
		var lines []string
		for i := 0; i < len(names); i += 8 {
			row := names[i:min(i+8, len(names))]
			var b strings.Builder
			for _, n := range row {
				fmt.Fprintf(&b, " %-5s", n)
			}
			lines = append(lines, strings.TrimRight(b.String(), " "))
		}
		s.replyMulti(codeHelp, "The following commands are recognized:", lines, "Help OK.", false)
		return
	}
	cmd, ok := commands[topic]
	if !ok {
		s.reply(codeBadArguments, "No help for that topic.")
		return
	}
	s.reply(codeHelp, "Syntax: "+cmd.syntax)
}

// cmdSTAT without an argument reports the session's state (211); with a
// pathname it lists it over the control connection. STAT during a transfer
// is handled by serve (transferStatus).
func (s *session) cmdSTAT(r *request) {
	if r.arg != "" {
		s.statPathname(r.arg)
		return
	}
	login := " Not logged in."
	if s.loggedIn {
		login = " Logged in as " + printable(s.user) + "."
	}
	lines := []string{
		fmt.Sprintf(" Connected to %s from %s.", s.local, s.remote),
		login,
		" TYPE: " + s.typeName + "; STRUcture: File; transfer MODE: Stream.",
		" Data connection: " + s.data.describe() + ".",
	}
	if s.epsvAll {
		lines = append(lines, " EPSV ALL in effect.")
	}
	if s.ext.host != "" {
		lines = append(lines, " Virtual host: "+s.ext.host+".")
	}
	if s.tlsOffered() {
		lines = append(lines, s.tlsStatus())
	}
	s.replyMulti(codeSystemStatus, "ftpconform reference server status:", lines, "End of status.", false)
}

// cmdFEAT lists the extensions (RFC 2389 §3). It takes no argument.
func (s *session) cmdFEAT(r *request) {
	if r.hasArg {
		s.reply(codeBadArguments, "FEAT takes no argument.")
		return
	}
	s.replyMulti(codeSystemStatus, "Extensions supported:", s.featureLines(), "End", true)
}

// cmdOPTS sets the options of a command (RFC 2389 §4): "OPTS MLST
// [facts]" (RFC 3659 §7.9) and "OPTS UTF8 ON" (from a draft, not an RFC;
// UTF-8 is always on, so it is just acknowledged). Any other command or
// option is 501, the reply for a permanent error: there is no OPTS FEAT,
// OPTS OPTS or OPTS MLSD.
func (s *session) cmdOPTS(r *request) {
	name, opts, hasOpts := strings.Cut(r.arg, " ")
	switch {
	case strings.EqualFold(name, "MLST"):
		s.optsMLST(opts, hasOpts)
	case strings.EqualFold(name, "UTF8") && strings.EqualFold(opts, "ON"):
		s.reply(codeOK, "UTF8 is always on.")
	default:
		s.reply(codeBadArguments, "Option not understood.")
	}
}

// cmdLANG: "LANG [SP lang-tag]" (RFC 2640 §4.2). The server speaks English
// only. LANG without a tag selects it, as does any tag whose primary tag is
// "en" ("en-US": English is the closest variant): 200. Another well-formed
// tag is 504, a malformed one 501.
func (s *session) cmdLANG(r *request) {
	switch primary, _, _ := strings.Cut(r.arg, "-"); {
	case !r.hasArg:
		s.reply(codeOK, "Language set to the default, English.")
	case !validLangTag(r.arg):
		s.reply(codeBadArguments, "Syntax error in the language tag.")
	case strings.EqualFold(primary, "en"):
		s.reply(codeOK, "Language set to English.")
	default:
		s.reply(codeParamNotImpl, "Only English (EN) is supported.")
	}
}

// validLangTag reports whether tag is Primary-tag *( "-" Sub-tag ), each
// 1*8ALPHA (RFC 2640 §4.2).
func validLangTag(tag string) bool {
	for _, part := range strings.Split(tag, "-") {
		if len(part) < 1 || len(part) > 8 || strings.ContainsFunc(part, func(c rune) bool {
			return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z')
		}) {
			return false
		}
	}
	return true
}

// cmdSITE knows a single subcommand, HELP.
func (s *session) cmdSITE(r *request) {
	if r.arg == "" {
		s.reply(codeBadArguments, "SITE needs a subcommand.")
		return
	}
	sub, _, _ := strings.Cut(r.arg, " ")
	if strings.EqualFold(sub, "HELP") {
		s.reply(codeHelp, "The only SITE command is HELP.")
		return
	}
	s.reply(codeUnknownCommand, "Unknown SITE command.")
}

// cmdALLO: no space needs reserving, so ALLO is superfluous (202); the
// argument must still be "n" or "n R m" (RFC 959 §4.1.3).
func (s *session) cmdALLO(r *request) {
	f := strings.Split(r.arg, " ")
	ok := len(f) == 1 && isDigits(f[0]) ||
		len(f) == 3 && isDigits(f[0]) && strings.EqualFold(f[1], "R") && isDigits(f[2])
	if !ok {
		s.reply(codeBadArguments, "ALLO needs a decimal size.")
		return
	}
	s.reply(codeSuperfluous, "No storage allocation necessary.")
}

// cmdTYPE: A (N or T), I and L 8 are supported (RFC 1123 §4.1.2.13); E, A C
// and other byte sizes are valid but not implemented (504).
func (s *session) cmdTYPE(r *request) {
	binary, name, code := parseTYPE(r.arg)
	switch code {
	case codeBadArguments:
		s.reply(code, "Syntax error in TYPE argument.")
	case codeParamNotImpl:
		s.reply(code, "Type not implemented.")
	default:
		s.binary, s.typeName = binary, name
		s.reply(codeOK, "Type set to "+name+".")
	}
}

// parseTYPE reads a TYPE argument (RFC 959 §5.3.2). It returns codeOK with
// the type, codeBadArguments for a syntax error, or codeParamNotImpl for a
// valid type this server does not implement.
func parseTYPE(arg string) (binary bool, name string, code int) {
	f := strings.Split(strings.ToUpper(arg), " ")
	format := func(code string) bool { return code == "N" || code == "T" || code == "C" }
	switch f[0] {
	case "":
		return false, "", codeBadArguments
	case "A":
		switch {
		case len(f) == 1 || len(f) == 2 && f[1] == "N":
			return false, "ASCII Non-print", codeOK
		case len(f) == 2 && f[1] == "T":
			return false, "ASCII Telnet", codeOK
		case len(f) == 2 && f[1] == "C":
			return false, "", codeParamNotImpl
		}
		return false, "", codeBadArguments
	case "E":
		if len(f) == 1 || len(f) == 2 && format(f[1]) {
			return false, "", codeParamNotImpl
		}
		return false, "", codeBadArguments
	case "I":
		if len(f) != 1 {
			return false, "", codeBadArguments
		}
		return true, "Image", codeOK
	case "L", "L8":
		size := ""
		switch {
		case f[0] == "L8" && len(f) == 1:
			size = "8"
		case f[0] == "L" && len(f) == 2 && isDigits(f[1]):
			size = strings.TrimLeft(f[1], "0")
		default:
			return false, "", codeBadArguments
		}
		if size != "8" {
			return false, "", codeParamNotImpl
		}
		return true, "Local byte size 8", codeOK
	}
	return false, "", codeParamNotImpl
}

// cmdMODE: only stream mode (RFC 959 §5.1).
func (s *session) cmdMODE(r *request) {
	switch strings.ToUpper(r.arg) {
	case "S":
		s.block = false
		s.reply(codeOK, "Mode set to Stream.")
	case "B", "C":
		s.reply(codeParamNotImpl, "Mode not implemented.")
	default:
		s.reply(codeBadArguments, "Syntax error in MODE argument.")
	}
}

// cmdSTRU: only file structure; this file system has no records
// (RFC 1123 §4.1.2.13) and page structure should not be offered
// (RFC 1123 §4.1.2.3).
func (s *session) cmdSTRU(r *request) {
	switch strings.ToUpper(r.arg) {
	case "F":
		s.record = false
		s.reply(codeOK, "Structure set to File.")
	case "R", "P":
		s.reply(codeParamNotImpl, "Structure not implemented.")
	default:
		s.reply(codeBadArguments, "Syntax error in STRU argument.")
	}
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
