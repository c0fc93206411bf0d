package harness

import (
	"context"
	"errors"
)

// TransferOutcome is what the control connection said about one transfer
// command, with the 425 replies the server sent of its own accord set
// apart:
//
//	RETR f
//	425 Rejected data connection from foreign address.   <- Unsolicited
//	150 Opening BINARY mode data connection.             <- Prelim
//	226 Transfer complete.                               <- Final
type TransferOutcome struct {
	Prelim, Final *Reply
	Unsolicited   []*Reply
}

// String renders the replies that belong to the command: `150 "..." then
// 226 "..."`, or "no reply".
func (o TransferOutcome) String() string { return ReplyChain(o.Prelim, o.Final) }

// maxOutcomeReplies bounds the replies ReadOutcome reads for one command.
const maxOutcomeReplies = 8

// ReadOutcome reads the replies to a transfer command that has just been
// sent: the first within the reply timeout, the completion after a 1yz
// within CompletionTimeout. afterPrelim, if set, runs once the preliminary
// reply is in (an upload sends its data then).
//
// pyftpdlib reports a refused foreign data connection with a 425 of its
// own accord, before or in the middle of the replies that belong to the
// command: a 425 that another reply follows within CloseGrace is such a
// reply, and ReadOutcome reads on so that it stays in step.
func (c *Conn) ReadOutcome(ctx context.Context, afterPrelim func()) (TransferOutcome, error) {
	var o TransferOutcome
	var pending *Reply
	for range maxOutcomeReplies {
		r := pending
		pending = nil
		if r == nil {
			d := c.target.ReplyTimeout
			if o.Prelim != nil {
				d = c.target.CompletionTimeout()
			}
			var err error
			if r, err = c.ReadReplyWithin(ctx, d); err != nil {
				return o, err
			}
		}
		if r.Code == ReplyCantOpenData {
			if next, err := c.ReadReplyWithin(ctx, c.target.CloseGrace); err == nil {
				o.Unsolicited = append(o.Unsolicited, r)
				pending = next
				continue
			}
		}
		if IsPreliminary(r.Code) && o.Prelim == nil {
			o.Prelim = r
			if afterPrelim != nil {
				afterPrelim()
			}
			continue
		}
		o.Final = r
		return o, nil
	}
	return o, errors.New("more than eight replies to one transfer command")
}
