package harness

import (
	"context"
	"fmt"
	"time"
)

// Telnet command and option codes (RFC 854, RFC 857, RFC 858) that checks of
// the control connection send or recognise.
const (
	TelnetSE   = 240 // end of subnegotiation
	TelnetNOP  = 241 // no operation
	TelnetDM   = 242 // data mark (Synch)
	TelnetIP   = 244 // interrupt process
	TelnetGA   = 249 // go ahead
	TelnetSB   = 250 // subnegotiation begins
	TelnetWILL = 251
	TelnetWONT = 252
	TelnetDO   = 253
	TelnetDONT = 254
	TelnetIAC  = 255 // interpret as command

	TelnetOptEcho = 1 // RFC 857
	TelnetOptSGA  = 3 // suppress go ahead, RFC 858
)

// TelnetCommand is one Telnet command seen on the control connection:
//
//	IAC cmd          (NOP, GA, DM, ...)
//	IAC cmd option   (WILL, WONT, DO, DONT)
type TelnetCommand struct {
	Cmd byte
	Opt byte // the option code; meaningful only when Negotiation() is true
}

// Negotiation reports whether the command is option negotiation (WILL,
// WONT, DO or DONT), which carries an option byte.
func (t TelnetCommand) Negotiation() bool { return isNegotiation(t.Cmd) }

func isNegotiation(cmd byte) bool { return cmd >= TelnetWILL && cmd <= TelnetDONT }

var telnetNames = map[byte]string{
	TelnetSE: "SE", TelnetNOP: "NOP", TelnetDM: "DM", 243: "BRK", TelnetIP: "IP",
	245: "AO", 246: "AYT", 247: "EC", 248: "EL", TelnetGA: "GA", TelnetSB: "SB",
	TelnetWILL: "WILL", TelnetWONT: "WONT", TelnetDO: "DO", TelnetDONT: "DONT",
}

var telnetOptions = map[byte]string{0: "BINARY", TelnetOptEcho: "ECHO", TelnetOptSGA: "SUPPRESS-GO-AHEAD", 24: "TERMINAL-TYPE", 34: "LINEMODE"}

// String renders the command as "IAC DONT ECHO(1)".
func (t TelnetCommand) String() string {
	name, ok := telnetNames[t.Cmd]
	if !ok {
		name = fmt.Sprintf("0x%02x", t.Cmd)
	}
	if !t.Negotiation() {
		return "IAC " + name
	}
	opt := telnetOptions[t.Opt]
	return fmt.Sprintf("IAC %s %s(%d)", name, opt, t.Opt)
}

// TelnetCommandsIn lists the Telnet commands in raw control-connection
// bytes. IAC IAC is an escaped 0xFF data byte (RFC 854), not a command.
func TelnetCommandsIn(b []byte) []TelnetCommand {
	var out []TelnetCommand
	for i := 0; i < len(b); i++ {
		if b[i] != TelnetIAC || i+1 >= len(b) {
			continue
		}
		cmd := b[i+1]
		i++
		if cmd == TelnetIAC {
			continue
		}
		tc := TelnetCommand{Cmd: cmd}
		if isNegotiation(cmd) && i+1 < len(b) {
			tc.Opt = b[i+1]
			i++
		}
		out = append(out, tc)
	}
	return out
}

// ReadReplyTelnet reads the next reply like ReadReply, but first takes any
// Telnet commands that precede it off the stream and returns them. A
// server answers option negotiation from the client (IAC WILL ECHO) with
// IAC DONT or IAC WONT ahead of its next reply (RFC 1123 §4.1.2.12); the
// plain reply reader would take those bytes for the start of a reply line.
func (c *Conn) ReadReplyTelnet(ctx context.Context) (*Reply, []TelnetCommand, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var cmds []TelnetCommand
	stop := guard(ctx, c.nc)
	dl := deadline(ctx, c.target.ReplyTimeout)
	_ = c.nc.SetReadDeadline(dl)
	var peekErr error
	for {
		b, err := c.rd.br.Peek(1)
		if err != nil {
			peekErr = err
			break
		}
		if b[0] != TelnetIAC {
			break
		}
		if b, err = c.rd.br.Peek(2); err != nil {
			peekErr = err
			break
		}
		if b[1] == TelnetIAC {
			break // an escaped 0xFF data byte: the reply starts with it
		}
		n := 2
		if isNegotiation(b[1]) {
			n = 3
		}
		if b, err = c.rd.br.Peek(n); err != nil {
			peekErr = err
			break
		}
		tc := TelnetCommand{Cmd: b[1]}
		if n == 3 {
			tc.Opt = b[2]
		}
		_, _ = c.rd.br.Discard(n)
		c.T.Add(c.name, Received, "(telnet) "+tc.String())
		cmds = append(cmds, tc)
	}
	stop()
	if peekErr != nil {
		if cerr := interrupted(ctx, dl, peekErr); cerr != nil {
			pe := &ProtocolError{Msg: "reading a reply: interrupted: " + cerr.Error(), Err: cerr}
			c.T.Notef(c.name, "%v", pe)
			return nil, cmds, pe
		}
		if IsTimeout(peekErr) {
			pe := &ProtocolError{Msg: fmt.Sprintf("no complete reply before the deadline (waited %s)", c.target.ReplyTimeout), Err: peekErr}
			c.T.Notef(c.name, "%v", pe)
			return nil, cmds, pe
		}
		// A closed connection: the reply reader reports it the usual way.
	}
	r, err := c.ReadReply(ctx)
	return r, cmds, err
}

// Silent waits up to d for the server to send anything. It returns true
// when nothing arrived; false with a nil error when bytes are waiting (read
// them with ReadReply); and an error when the connection was closed or
// failed, or the context ended first.
func (c *Conn) Silent(ctx context.Context, d time.Duration) (bool, error) {
	if c.rd.br.Buffered() > 0 {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	defer guard(ctx, c.nc)()
	dl := deadline(ctx, d)
	_ = c.nc.SetReadDeadline(dl)
	_, err := c.rd.br.Peek(1)
	if err == nil {
		return false, nil
	}
	if cerr := interrupted(ctx, dl, err); cerr != nil {
		return false, cerr
	}
	if IsTimeout(err) {
		c.T.Notef(c.name, "nothing received for %s", d)
		return true, nil
	}
	pe := c.rd.fail(err, nil, "waiting for the server")
	c.T.Notef(c.name, "%v", pe)
	return false, pe
}

// SendLong writes b as it is, like SendRaw, but records only shown in the
// transcript (for lines of many kilobytes).
func (c *Conn) SendLong(ctx context.Context, b []byte, shown string) error {
	c.T.Add(c.name, Sent, shown)
	if err := ctx.Err(); err != nil {
		return err
	}
	defer guard(ctx, c.nc)()
	_ = c.nc.SetWriteDeadline(deadline(ctx, c.target.ReplyTimeout))
	if _, err := c.nc.Write(b); err != nil {
		return &ProtocolError{Msg: "sending " + shown + ": " + err.Error(), Err: err}
	}
	return nil
}
