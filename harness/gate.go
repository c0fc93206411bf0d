package harness

import "context"

// A gate lets the code that runs a check see every command before it is
// sent (NOOP, RETR, STOR, LIST, ...), so that a check that uses a command
// as a means, when that command is known to be broken, can stop there
// (as blocked) instead of failing for a cause that is not its subject.
// Conn.Cmd, Conn.Retrieve, Conn.Store and Conn.Start ask the gate of their
// context; when it returns an error the command is not sent, the data
// channel set up for it is closed, and the call returns that error. The
// gate may run on any goroutine the check uses.

type gateKey struct{}

// WithGate returns a context whose commands pass through gate.
func WithGate(ctx context.Context, gate func(line string) error) context.Context {
	return context.WithValue(ctx, gateKey{}, gate)
}

// passGate asks the context's gate, if any, about line; on refusal it
// closes d (which may be nil).
func passGate(ctx context.Context, line string, d *DataChannel) error {
	g, ok := ctx.Value(gateKey{}).(func(string) error)
	if !ok || g == nil {
		return nil
	}
	if err := g(line); err != nil {
		d.Close()
		return err
	}
	return nil
}

// PassGate asks the context's gate, if any, about a command line that is
// about to be sent by other means than Cmd (a scripted scenario's raw
// send): nil means send it.
func PassGate(ctx context.Context, line string) error { return passGate(ctx, line, nil) }
