package harness

import (
	"context"
	"time"
)

// The completion reply (RFC 959 §4.2): a preliminary reply (1yz) says
// another reply follows, once the transfer it started is over. Every wait
// for that reply follows one rule: the reply timeout plus the data
// timeout, since the data moves in between.

// CompletionTimeout is how long the reply that completes a transfer may
// take after its preliminary reply: ReplyTimeout plus DataTimeout.
func (t Target) CompletionTimeout() time.Duration { return t.ReplyTimeout + t.DataTimeout }

// Completion returns the reply that completes a command whose first reply
// was first. A first reply that is not preliminary is the completion
// itself. After a preliminary reply, or when first is nil because the
// caller already read it, Completion reads the next reply within the
// target's CompletionTimeout:
//
//	RETR f
//	150 Opening BINARY mode data connection.   <- first
//	226 Transfer complete.                     <- returned
func (c *Conn) Completion(ctx context.Context, first *Reply) (*Reply, error) {
	if first != nil && !IsPreliminary(first.Code) {
		return first, nil
	}
	return c.ReadReplyWithin(ctx, c.target.CompletionTimeout())
}
