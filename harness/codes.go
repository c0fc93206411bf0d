package harness

import (
	"fmt"
	"strings"
)

// Reply codes used by the checks, each with the document that defines it.
const (
	ReplyRestartMarker      = 110 // RFC 959 §4.2.2
	ReplyServiceReadyIn     = 120 // RFC 959 §4.2.2: ready in nnn minutes, 220 follows
	ReplyDataAlreadyOpen    = 125 // RFC 959 §4.2.2
	ReplyFileStatusOK       = 150 // RFC 959 §4.2.2: about to open data connection
	ReplyOK                 = 200 // RFC 959 §4.2.2
	ReplySuperfluous        = 202 // RFC 959 §4.2.2: command not implemented, superfluous here
	ReplySystemStatus       = 211 // RFC 959 §4.2.2
	ReplyDirectoryStatus    = 212 // RFC 959 §4.2.2
	ReplyFileStatus         = 213 // RFC 959 §4.2.2; also SIZE and MDTM (RFC 3659 §3, §4)
	ReplyHelp               = 214 // RFC 959 §4.2.2
	ReplySystemType         = 215 // RFC 959 §4.2.2
	ReplyServiceReady       = 220 // RFC 959 §4.2.2
	ReplyClosingControl     = 221 // RFC 959 §4.2.2
	ReplyDataOpenNoTransfer = 225 // RFC 959 §4.2.2
	ReplyClosingData        = 226 // RFC 959 §4.2.2
	ReplyEnteringPassive    = 227 // RFC 959 §4.2.2
	ReplyEnteringEPSV       = 229 // RFC 2428 §3
	ReplyLoggedIn           = 230 // RFC 959 §4.2.2
	ReplyFileActionOK       = 250 // RFC 959 §4.2.2
	ReplyPathCreated        = 257 // RFC 959 §4.2.2
	ReplyNeedPassword       = 331 // RFC 959 §4.2.2
	ReplyNeedAccount        = 332 // RFC 959 §4.2.2
	ReplyPendingInfo        = 350 // RFC 959 §4.2.2
	ReplyServiceUnavailable = 421 // RFC 959 §4.2.2: the server closes the control connection
	ReplyCantOpenData       = 425 // RFC 959 §4.2.2
	ReplyTransferAborted    = 426 // RFC 959 §4.2.2
	ReplyFileUnavailable    = 450 // RFC 959 §4.2.2
	ReplyLocalError         = 451 // RFC 959 §4.2.2
	ReplyInsufficientSpace  = 452 // RFC 959 §4.2.2
	ReplySyntaxError        = 500 // RFC 959 §4.2.2
	ReplySyntaxErrorParams  = 501 // RFC 959 §4.2.2
	ReplyNotImplemented     = 502 // RFC 959 §4.2.2
	ReplyBadSequence        = 503 // RFC 959 §4.2.2
	ReplyNotImplParam       = 504 // RFC 959 §4.2.2
	ReplyBadProtocol        = 522 // RFC 2428 §2: network protocol not supported
	ReplyNotLoggedIn        = 530 // RFC 959 §4.2.2
	ReplyNeedAccountStore   = 532 // RFC 959 §4.2.2
	ReplyActionNotTaken     = 550 // RFC 959 §4.2.2
	ReplyPageTypeUnknown    = 551 // RFC 959 §4.2.2
	ReplyExceededStorage    = 552 // RFC 959 §4.2.2
	ReplyBadFileName        = 553 // RFC 959 §4.2.2
	ReplyBadRestart         = 554 // RFC 1123 §4.1.3.4 (restart marker unusable)
)

// Class returns the first digit of a reply code (1 positive preliminary,
// 2 positive completion, 3 positive intermediate, 4 transient negative,
// 5 permanent negative; RFC 959 §4.2.1).
func Class(code int) int { return code / 100 }

// IsPreliminary reports whether code is a 1yz reply: another reply follows.
func IsPreliminary(code int) bool { return Class(code) == 1 }

// Codes formats a list of codes as "150, 125".
func Codes(codes []int) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = fmt.Sprint(c)
	}
	return strings.Join(s, ", ")
}
