package fakeserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults and legal variations of the transfer commands (RETR, STOR, STOU,
// APPE, REST) and of what happens around a running transfer (ABOR, QUIT,
// a lost control connection). Most replace one command through the
// override hook; the rest declare the transfer hooks (prelim, upload,
// result, finished, abort), duringTransfer or an answer.

// Fault names (the tests refer to them).
const (
	faultRetrTwo150       = "retr-two-150"
	faultRetrTruncates    = "retr-truncates"
	faultStorEOF426       = "stor-eof-426"
	faultStorNoTruncate   = "stor-no-truncate"
	faultStorDropsTail    = "stor-drops-tail"
	faultStouNoFilePrefix = "stou-no-file-prefix"
	faultStou250First     = "stou-250-first"
	faultAppePrelim250    = "appe-prelim-250"
	faultAppeDouble226    = "appe-double-226"
	faultListFinal550     = "list-final-550"
	faultReset226         = "reset-226"
	faultAbor226Only      = "abor-226-only"
	faultAborClosesCtrl   = "abor-closes-control"
	faultAborStorIgnored  = "abor-stor-ignored"
	faultAborDataLeftOpen = "abor-data-left-open"
	faultQuitDropsReply   = "quit-drops-xfer-reply"
	faultCtrlLossKeeps    = "ctrl-loss-keeps-transfer"
	faultStatXferDropped  = "stat-during-xfer-dropped"
	faultStatXfer500      = "stat-during-xfer-500"
)

// Variation names.
const (
	varAborIdle226  = "abor-idle-226"
	varStouPathName = "stou-path-name"
)

// tailThreshold is the upload size from which stor-drops-tail loses data,
// and tailLost how much it loses.
const (
	tailThreshold = 1 << 20
	tailLost      = 1000
)

func init() {
	faultRegistry = append(faultRegistry, transferFaults...)
	variationRegistry = append(variationRegistry,
		Variation{Name: varAborIdle226, Description: "ABOR without a transfer answers 226 (RFC 959 §4.1.3's wording) instead of 225",
			install: answerAs("ABOR", codeNoTransfer, "", codeClosingData, "ABOR command successful.")},
		Variation{Name: varStouPathName, Description: "STOU names the file with its absolute path: \"150 FILE: /dir/stou-...\"",
			install: prelimOf(xferSTOU, func(x *transfer, code int, text string) (int, string) {
				return code, "FILE: " + x.vpath
			})},
	)
}

// inMissingDir is the when-condition of uploads into a directory that
// does not exist.
func inMissingDir(s *session, r *request) bool {
	p, _, ok := argTarget(s, r, true)
	if !ok {
		return false
	}
	fi, err := s.stat(path.Dir(p))
	return err != nil || !fi.IsDir()
}

// restOverride answers REST for the rest-200 and rest-ignored faults;
// keep says whether the offset is stored.
func restOverride(s *session, r *request, code int, text string, keep bool) bool {
	if r.verb != "REST" || !s.loggedIn {
		return false
	}
	n, err := strconv.ParseInt(r.arg, 10, 64)
	if !isDigits(r.arg) || err != nil {
		return false
	}
	if keep {
		s.seq = seqState{kind: seqRest, offset: n}
	}
	s.reply(code, text)
	return true
}

// sendBytes starts a RETR whose data is content rather than the file.
func (s *session) sendBytes(r *request, vpath string, content []byte) {
	s.startTransfer(&transfer{kind: xferNLST, verb: r.verb, vpath: vpath, content: content},
		"Opening data connection ("+strconv.Itoa(len(content))+" bytes).")
}

var transferFaults = []Fault{
	{Name: "retr-missing-150", Description: "RETR of a missing file answers 150 before it looks for the file, then 550",
		Breaks: []string{"RFC959-5.4-RETR-CODES/missing"},
		override: insteadOf("RETR", func(s *session, r *request) bool {
			_, fi, ok := argTarget(s, r, true)
			return ok && (fi == nil || !fi.Mode().IsRegular())
		}, func(s *session, r *request) {
			s.reply(codeAboutToOpen, "Opening data connection.")
			s.reply(codeFileUnavailable, "No such file.")
		})},
	{Name: "no-argument-150", Description: "RETR and STOR without an argument answer 150, then 501",
		Breaks: []string{"RFC959-5.4-RETR-CODES/no-argument", "RFC959-5.4-STOR-CODES/no-argument"},
		override: insteadOf("RETR STOR", loggedInNoArg, func(s *session, r *request) {
			s.reply(codeAboutToOpen, "Opening data connection.")
			s.reply(codeBadArguments, r.verb+" needs a pathname.")
		})},
	{Name: faultRetrTwo150, Description: "RETR sends its 150 reply twice before the data",
		Breaks: []string{"RFC959-5.4-RETR-CODES/success", "RFC959-4.2-1YZ-AT-MOST-ONE"},
		install: func(h *hooks) {
			h.prelim = func(s *session, x *transfer, code int, text string) {
				if x.kind == xferRETR {
					s.reply(code, text)
				}
				s.reply(code, text)
			}
		}},
	{Name: faultRetrTruncates, Description: "RETR in TYPE I empties the file once it has sent it",
		Breaks: []string{"RFC959-4.1.3-RETR-NONDESTRUCTIVE"},
		install: resultOf(func(x *transfer, res xferResult) xferResult {
			if x.binary {
				if f, err := x.s.srv.root.OpenFile(rootRel(x.vpath), os.O_WRONLY|os.O_TRUNC, 0); err == nil {
					f.Close()
				}
			}
			return res
		}, xferRETR)},
	{Name: "retr-ff-doubled", Description: "RETR in TYPE I of a file of 128 KiB or more doubles every 0xFF byte, as if escaping it for record structure",
		Breaks: []string{"RFC959-3.4.1-STREAM-EOF"},
		override: func(s *session, r *request) bool {
			p, fi, ok := argTarget(s, r, true, "RETR")
			if !ok || fi == nil || !fi.Mode().IsRegular() || !s.binary || restOffset(r) != 0 || s.data == nil {
				return false
			}
			b, err := s.srv.root.ReadFile(rootRel(p))
			if err != nil || len(b) < 128<<10 {
				return false
			}
			s.sendBytes(r, p, bytes.ReplaceAll(b, []byte{0xff}, []byte{0xff, 0xff}))
			return true
		}},
	{Name: faultStorEOF426, Description: "STOR takes the client's close of the data connection for an aborted transfer: it stores the data but answers 426",
		Breaks: []string{"RFC959-5.4-STOR-CODES/new", "RFC959-4.1.3-STOR-EOF-BY-CLOSE"},
		install: resultOf(func(*transfer, xferResult) xferResult {
			return xferResult{code: codeTransferAborted, text: "Connection closed; transfer aborted."}
		}, xferSTOR)},
	{Name: "upload-missing-dir-226", Description: "STOR and APPE into a directory that does not exist answer 226 at once and store nothing",
		Breaks:   []string{"RFC959-5.4-STOR-CODES/missing-dir", "RFC959-5.4-APPE-CODES/missing-dir"},
		override: replyInstead("STOR APPE", codeClosingData, "Transfer complete.", inMissingDir)},
	{Name: faultStorNoTruncate, Description: "STOR over an existing file writes from its start but keeps the old bytes beyond the new end",
		Breaks: []string{"RFC959-4.1.3-STOR-CREATE-REPLACE"},
		install: func(h *hooks) {
			h.upload = func(x *transfer, f *os.File) (io.Writer, error) {
				if x.kind == xferSTOR && !x.restart {
					return x.unrepresent(f), nil // over the old content
				}
				return storeInto(x, f)
			}
		}},
	{Name: faultStorDropsTail, Description: "an upload of 1 MiB or more loses its last 1000 bytes (the server stops reading when it sees the client's close) yet answers 226",
		Breaks:  []string{"RFC959-5.2-READ-ON-CLOSE"},
		install: resultOf(dropTail, xferSTOR, xferAPPE, xferSTOU)},
	{Name: faultStouNoFilePrefix, Description: "STOU names the file in its 150 reply without the \"FILE: \" form (\"150 Opening data connection for stou-...\")",
		Breaks: []string{"RFC1123-4.1.2.9-STOU-FILE-REPLY"},
		install: prelimOf(xferSTOU, func(x *transfer, code int, text string) (int, string) {
			return code, "Opening data connection for " + strings.TrimPrefix(text, "FILE: ") + "."
		})},
	{Name: faultStou250First, Description: "STOU announces its transfer with \"250 FILE: name\" (RFC 959's wording) instead of a 125/150 reply",
		Breaks: []string{"RFC1123-4.1.2.9-STOU-PRELIM-ONLY"},
		install: prelimOf(xferSTOU, func(x *transfer, code int, text string) (int, string) {
			return codeFileActionOK, text
		})},
	{Name: "stou-fixed-name", Description: "STOU always stores under the name stou.out, replacing an earlier upload there",
		Breaks: []string{"RFC959-4.1.3-STOU-UNIQUE"},
		override: func(s *session, r *request) bool {
			if r.verb != "STOU" || !s.loggedIn || r.arg != "" || s.data == nil {
				return false
			}
			vp := path.Join(s.cwd, "stou.out")
			f, err := s.srv.root.OpenFile(rootRel(vp), os.O_WRONLY|os.O_CREATE, 0o644)
			if err != nil {
				return false
			}
			s.startTransfer(&transfer{kind: xferSTOU, verb: r.verb, vpath: vp, file: f, rel: rootRel(vp)}, "FILE: stou.out")
			return true
		}},
	{Name: "appe-overwrites", Description: "APPE replaces the content of an existing file instead of appending to it",
		Breaks: []string{"RFC959-4.1.3-APPE-APPEND"},
		override: func(s *session, r *request) bool {
			if r.verb != "APPE" || !s.loggedIn {
				return false
			}
			r.verb = "STOR"
			s.store(r)
			return true
		}},
	{Name: "appe-needs-existing", Description: "APPE to a file that does not exist answers 550 instead of creating it",
		Breaks: []string{"RFC959-4.1.3-APPE-CREATE"},
		override: replyInstead("APPE", codeFileUnavailable, "No such file.", func(s *session, r *request) bool {
			_, fi, ok := argTarget(s, r, true)
			return ok && fi == nil && !inMissingDir(s, r)
		})},
	{Name: faultAppePrelim250, Description: "APPE announces its transfer with 250 (a completion code) instead of 125 or 150",
		Breaks: []string{"RFC959-5.4-APPE-CODES/existing"},
		install: prelimOf(xferAPPE, func(x *transfer, code int, text string) (int, string) {
			return codeFileActionOK, text
		})},
	{Name: faultAppeDouble226, Description: "APPE sends its completion reply twice",
		Breaks: []string{"RFC959-4.2-1YZ-MEANING"},
		install: resultOf(func(x *transfer, res xferResult) xferResult {
			x.s.reply(codeClosingData, "Transfer complete.")
			return res
		}, xferAPPE)},
	{Name: faultListFinal550, Description: "LIST and NLST send the whole listing, then answer 550 instead of 226",
		Breaks: []string{"RFC959-5.4-XFER-COMPLETION"},
		install: resultOf(func(*transfer, xferResult) xferResult {
			return xferResult{code: codeFileUnavailable, text: "Listing failed."}
		}, xferLIST, xferNLST)},
	{Name: faultReset226, Description: "a RETR whose data connection the client resets is answered 226",
		Breaks: []string{"RFC959-4.2.1-425-426-451/reset"},
		install: func(h *hooks) {
			h.result = append(h.result, func(x *transfer, res xferResult, err error) xferResult {
				if x.kind == xferRETR && errors.As(err, new(netError)) {
					return xferResult{code: codeClosingData, text: "Transfer complete."}
				}
				return res
			})
		}},
	{Name: "rest-200", Description: "REST answers 200 instead of 350 (the offset is still applied)",
		Breaks: []string{"RFC959-5.4-REST-CODES"},
		override: func(s *session, r *request) bool {
			return restOverride(s, r, codeOK, "Restart position accepted.", true)
		}},
	{Name: "rest-ignored", Description: "REST answers 350 but the following RETR or STOR starts at offset 0",
		Breaks: []string{"RFC959-4.1.3-REST-NEXT-CMD/retr", "RFC959-4.1.3-REST-NEXT-CMD/stor"},
		override: func(s *session, r *request) bool {
			return restOverride(s, r, codePendingInfo, "Restarting. Send RETR or STOR.", false)
		}},
	{Name: "rest-beyond-eof-from-start", Description: "RETR in TYPE I after a REST beyond the end of the file sends the whole file, as if the offset were 0",
		Breaks: []string{"RFC1123-4.1.3.4-554-555"},
		override: func(s *session, r *request) bool {
			_, fi, ok := argTarget(s, r, true, "RETR")
			if ok && fi != nil && fi.Mode().IsRegular() && s.binary && restOffset(r) > fi.Size() {
				r.prev = seqState{} // then the normal handler sends from the start
			}
			return false
		}},
	{Name: "abor-idle-503", Description: "ABOR without a transfer answers 503 instead of 225/226",
		Breaks: []string{"RFC959-5.4-ABOR-CODES"},
		override: replyInstead("ABOR", codeBadSequence, "No transfer to abort.", func(s *session, r *request) bool {
			return r.arg == ""
		})},
	{Name: "abor-idle-keeps-connection", Description: "ABOR without a transfer closes the passive listener but keeps a data connection the client already made",
		Breaks: []string{"RFC959-4.1.3-ABOR-IDLE"},
		override: func(s *session, r *request) bool {
			if r.verb != "ABOR" || r.arg != "" || s.data == nil || s.data.passive == nil {
				return false
			}
			pl := s.data.passive
			// Without the wait the fault would depend on whether the
			// client's connection was accepted before ABOR arrived.
			pl.connectedWithin(time.Second)
			pl.mu.Lock()
			c := pl.conn
			pl.conn = nil
			pl.mu.Unlock()
			if c != nil {
				s.faults.keep(func() { c.Close() })
			}
			s.closeData()
			s.reply(codeNoTransfer, "No transfer to abort.")
			return true
		}},
	{Name: faultAbor226Only, Description: "ABOR during a transfer answers only 226 and the transfer goes on",
		Breaks:  []string{"RFC959-4.1.3-ABOR-INPROGRESS"},
		install: whileTransferring("ABOR", func(s *session) { s.reply(codeClosingData, "ABOR successful.") })},
	{Name: faultAborClosesCtrl, Description: "ABOR during a transfer answers 426 and 226, then closes the control connection",
		Breaks: []string{"RFC959-4.1.3-ABOR-KEEP-CONTROL"},
		install: func(h *hooks) {
			h.duringTransfer = append(h.duringTransfer, func(s *session, verb, arg string) bool {
				if verb == "ABOR" {
					s.closing = true // after the normal 426 and 226
				}
				return false
			})
		}},
	{Name: faultAborStorIgnored, Description: "ABOR during an upload waits, like any other command, until the upload has ended",
		Breaks:  []string{"RFC959-4.1.3-ABOR-STOR"},
		install: func(h *hooks) { h.duringTransfer = append(h.duringTransfer, queueABORAfterUpload) }},
	{Name: faultAborDataLeftOpen, Description: "ABOR during a transfer answers 426 and 226 but leaves the data connection open (the transfer stops)",
		Breaks:  []string{"RFC959-3.2-CLOSE-ABOR"},
		install: func(h *hooks) { h.abort = keepDuplicateOfData }},
	{Name: faultQuitDropsReply, Description: "QUIT during a transfer answers 221 and closes once the transfer ends, without the transfer's own reply",
		Breaks: []string{"RFC959-4.1.1-QUIT-DURING-XFER"},
		install: func(h *hooks) {
			h.finished = func(s *session, res xferResult) bool {
				if !s.quitting {
					return false
				}
				s.xfer = nil
				s.quitting = false
				s.doQuit()
				return true
			}
		}},
	{Name: faultStatXferDropped, Description: "STAT during a transfer gets no reply at all",
		Breaks:  []string{"RFC959-4.1.3-STAT-DURING-XFER"},
		install: whileTransferring("STAT", func(*session) {})},
	{Name: faultStatXfer500, Description: "STAT during a transfer is answered \"500 Unknown command\" (STAT between transfers works)",
		Breaks:  []string{"RFC1123-4.1.2.13-MIN-COMMANDS/stat-during-transfer"},
		install: whileTransferring("STAT", func(s *session) { s.reply(codeUnknownCommand, "Unknown command.") })},
	{Name: faultCtrlLossKeeps, Description: "when the control connection drops during a transfer, the transfer goes on (an upload keeps waiting for data)",
		Breaks:  []string{"RFC959-4.1.1-UNEXPECTED-CLOSE", "RFC959-3.2-CLOSE-CTRL-LOSS"},
		install: func(h *hooks) { h.abort = runOnWithoutControl }},
}

// queueABORAfterUpload (abor-stor-ignored) lets ABOR wait, like any other
// command, until an upload has ended.
func queueABORAfterUpload(s *session, verb, arg string) bool {
	if verb != "ABOR" || !s.xfer.upload() {
		return false
	}
	s.queue = append(s.queue, ctrlEvent{line: "ABOR"})
	return true
}

// whileTransferring returns a hook for commands during a transfer that
// applies fn to verb (and, for STAT, only without an argument).
func whileTransferring(verb string, fn func(s *session)) func(*hooks) {
	return func(h *hooks) {
		h.duringTransfer = append(h.duringTransfer, func(s *session, v, arg string) bool {
			if v != verb || v == "STAT" && arg != "" {
				return false
			}
			fn(s)
			return true
		})
	}
}

// prelimOf returns an install function for a prelim hook that changes the
// preliminary reply of the transfers of kind.
func prelimOf(kind xferKind, change func(x *transfer, code int, text string) (int, string)) func(*hooks) {
	return func(h *hooks) {
		h.prelim = func(s *session, x *transfer, code int, text string) {
			if x.kind == kind {
				code, text = change(x, code, text)
			}
			s.reply(code, text)
		}
	}
}

// resultOf returns an install function for a result hook that applies
// change to the completion of the transfers of the given kinds that ended
// without an error.
func resultOf(change func(x *transfer, res xferResult) xferResult, kinds ...xferKind) func(*hooks) {
	return func(h *hooks) {
		h.result = append(h.result, func(x *transfer, res xferResult, err error) xferResult {
			if err != nil || !slices.Contains(kinds, x.kind) {
				return res
			}
			return change(x, res)
		})
	}
}

// keepDuplicateOfData (abor-data-left-open) keeps a duplicate of the data
// socket until the session ends, so that closing the connection on ABOR
// sends no FIN.
func keepDuplicateOfData(x *transfer) bool {
	x.mu.Lock()
	c := x.conn
	x.mu.Unlock()
	if tc, ok := c.(*net.TCPConn); ok {
		if f, err := tc.File(); err == nil {
			x.s.faults.keep(func() { f.Close() })
		}
	}
	return false
}

// runOnWithoutControl (ctrl-loss-keeps-transfer) lets a transfer run on
// when its session has ended, for at most a minute; ABOR still stops it.
func runOnWithoutControl(x *transfer) bool {
	select {
	case <-x.s.done:
	default:
		return false
	}
	time.AfterFunc(time.Minute, x.stop)
	return true
}

// dropTail (stor-drops-tail) cuts tailLost bytes off an upload of
// tailThreshold bytes or more.
func dropTail(x *transfer, res xferResult) xferResult {
	if f, err := x.s.srv.root.OpenFile(x.rel, os.O_WRONLY, 0); err == nil {
		if end, err := f.Seek(0, io.SeekEnd); err == nil && end >= tailThreshold {
			f.Truncate(end - tailLost)
		}
		f.Close()
	}
	return res
}
