package harness

import "context"

// A gate lets the code that runs a check see every command before it is
// sent (NOOP, RETR, STOR, LIST, ...), so that a check that uses a command
// as a means, when that command is known to be broken, can stop there
// (as blocked) instead of failing for a cause that is not its subject.
// Conn.Cmd, Conn.Retrieve, Conn.Store and Conn.Start call the gate of their
// context with the command line; the gate returns normally to let it
// through. It runs on the caller's goroutine.

type gateKey struct{}

// WithGate returns a context whose transfer commands pass through gate.
func WithGate(ctx context.Context, gate func(line string)) context.Context {
	return context.WithValue(ctx, gateKey{}, gate)
}

// passGate calls the context's gate, if any, with line. When the gate
// stops the check (it panics, as ginkgo's Skip does), the data channel
// set up for the command is closed first.
func passGate(ctx context.Context, line string, d *DataChannel) {
	g, ok := ctx.Value(gateKey{}).(func(string))
	if !ok || g == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			d.Close()
			panic(r)
		}
	}()
	g(line)
}
