package harness

import "context"

// DuringTransfer is what a command sent during a transfer got (RFC 959
// §4.1.3: STAT "while a transfer is in progress" reports on it):
//
//	RETR big.bin      150 Opening.
//	<IP><Synch>STAT   (the data keeps coming, and is drained)
//	                  213 Status: 1048576 of 8388608 bytes.   } in either
//	                  226 Transfer complete.                   } order
type DuringTransfer struct {
	Replies []*Reply // the replies due (the transfer's completion and the command's own), as far as they came, in order
	Err     error    // why fewer than two came
	Drained Drained  // what the data connection did meanwhile
}

// SendDuring sends line with the Telnet Synch (SendWithSynch) while the
// transfer runs and drains the data meanwhile (a server may keep the
// command waiting until the transfer is over). Of the two replies due,
// the first may wait for the whole transfer (CompletionTimeout), the
// second is due right after it (the reply timeout). An error means line
// could not be sent.
func (r *Running) SendDuring(ctx context.Context, line string) (DuringTransfer, error) {
	var dt DuringTransfer
	if _, err := r.c.SendWithSynch(ctx, line); err != nil {
		return dt, err
	}
	drained := make(chan Drained, 1)
	go func() { drained <- r.Drain(ctx, r.c.target.ReplyTimeout) }()
	first, err := r.c.Completion(ctx, r.Prelim)
	dt.Drained = <-drained
	if err != nil {
		dt.Err = err
		return dt, nil
	}
	dt.Replies = append(dt.Replies, first)
	second, err := r.c.ReadReply(ctx)
	if err != nil {
		dt.Err = err
		return dt, nil
	}
	dt.Replies = append(dt.Replies, second)
	return dt, nil
}
