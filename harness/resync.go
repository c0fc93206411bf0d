package harness

import (
	"context"
	"errors"
	"fmt"
)

// maxResyncReplies bounds the replies Resync reads before NOOP's 200.
const maxResyncReplies = 4

// Resync brings a control connection back in step after the server may
// have sent replies of its own accord (pyftpdlib's 425 for a refused
// foreign data connection), so that they cannot be taken for answers to
// later commands. It sends NOOP and reads until its 200:
//
//	NOOP
//	425 Rejected data connection from foreign address.   <- returned
//	200 I successfully did nothing.
//
// The 425 replies read on the way are returned. Any other reply is a
// *ReplyError; four replies without a 200 are an error too.
func (c *Conn) Resync(ctx context.Context) (unsolicited []*Reply, err error) {
	if err := c.Send(ctx, "NOOP"); err != nil {
		return nil, fmt.Errorf("NOOP: %w", err)
	}
	for range maxResyncReplies {
		r, err := c.ReadReply(ctx)
		if err != nil {
			return unsolicited, fmt.Errorf("NOOP: %w", err)
		}
		switch r.Code {
		case ReplyOK:
			return unsolicited, nil
		case ReplyCantOpenData:
			unsolicited = append(unsolicited, r)
		default:
			return unsolicited, &ReplyError{Cmd: "NOOP", Expected: []int{ReplyOK}, Reply: r}
		}
	}
	return unsolicited, errors.New("NOOP: no 200 among four replies")
}
