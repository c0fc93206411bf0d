package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"
)

// ProbeTimeout is how long a reachability probe waits for a TCP connection
// when the target's ConnectTimeout is longer: a port that has not answered
// within 3 s is treated as dropped.
const ProbeTimeout = 3 * time.Second

// ReleaseTimeout bounds the connection attempt with which the harness
// releases a passive port it asked for but does not use (Release): its
// SYN, sent at once, is what matters; the answer does not.
const ReleaseTimeout = time.Second

// Probe is the outcome of one TCP connection attempt made only to learn
// whether a port can be reached.
type Probe struct {
	Addr    netip.AddrPort
	Elapsed time.Duration
	// Err is nil when the connection was made; otherwise it says whether
	// the attempt was refused, timed out or found no route.
	Err *DialError
}

// OK reports whether the connection was made.
func (p Probe) OK() bool { return p.Err == nil }

// Kind is how the attempt failed ("" when it succeeded).
func (p Probe) Kind() DialFailure {
	if p.Err == nil {
		return ""
	}
	return p.Err.Kind
}

// ProbeTCP connects to addr from local (zero: any) within timeout and closes
// the connection at once. A context that ends first is returned as the
// error: an interrupted probe says nothing about the network.
func ProbeTCP(ctx context.Context, local netip.Addr, addr netip.AddrPort, timeout time.Duration) (Probe, error) {
	p := Probe{Addr: addr}
	start := time.Now()
	nc, err := dialTCP(ctx, local, addr.String(), timeout)
	p.Elapsed = time.Since(start)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return p, cerr
		}
		var de *DialError
		if !errors.As(err, &de) {
			de = &DialError{Addr: addr.String(), Kind: DialOther, Err: err}
		}
		p.Err = de
		return p, nil
	}
	nc.Close()
	return p, nil
}

// PassiveSample is one PASV or EPSV reply obtained in a fresh session.
type PassiveSample struct {
	Session int      // 1..Sessions
	Mode    DataMode // PASV or EPSV
	Peer    netip.AddrPort
	Local   netip.AddrPort
	// Reply is the 227/229, or the reply that refused the command.
	Reply *Reply
	// Advertised is the address and port the reply names (EPSV: the
	// control peer and the port); Dialled is where a client connects (see
	// Conn.Passive). Both are invalid when Err is set.
	Advertised netip.AddrPort
	Dialled    netip.AddrPort
	// Err is set when the command did not give a usable reply: a
	// *ReplyError for another code, or a parse error.
	Err error
	// Probe is the connection attempt to Dialled (SampleOptions.Probe).
	Probe *Probe
}

// SampleOptions say how SamplePassive samples.
type SampleOptions struct {
	// Sessions is how many sessions to open (default 20).
	Sessions int
	// Modes are sent in order in every session (default PASV, EPSV). PASV
	// is left out on an IPv6 control connection, which it cannot describe.
	Modes []DataMode
	// Probe dials every advertised port while its session holds it.
	// Without it each port is still released (DataChannel.Release): a
	// firewall's FTP helper keeps a pinhole for every port it reads in a
	// 227/229 reply until a connection to it comes, and drops a later
	// reply that names the same port while the pinhole is there.
	Probe bool
	// ProbeTimeout bounds each probe (default: the smaller of the target's
	// ConnectTimeout and ProbeTimeout).
	ProbeTimeout time.Duration
	// Concurrency is how many sessions run at once (default 5).
	Concurrency int
}

// SamplePassive opens opt.Sessions sessions to t, at most opt.Concurrency
// at a time, logs in, and in each sends every mode of opt.Modes, recording
// what the server advertised and, with opt.Probe, whether the port could
// be reached. The samples are ordered by session and mode. A session that
// cannot be opened or logged in to ends the sampling with an error (the
// samples gathered so far are returned with it).
func SamplePassive(ctx context.Context, t Target, tr *Transcript, opt SampleOptions) ([]PassiveSample, error) {
	t = t.WithDefaults()
	if opt.Sessions <= 0 {
		opt.Sessions = 20
	}
	if len(opt.Modes) == 0 {
		opt.Modes = []DataMode{PASV, EPSV}
	}
	if opt.ProbeTimeout <= 0 {
		opt.ProbeTimeout = min(t.ConnectTimeout, ProbeTimeout)
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 5
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	per := make([][]PassiveSample, opt.Sessions)
	errs := make([]error, opt.Sessions)
	sem := make(chan struct{}, opt.Concurrency)
	var wg sync.WaitGroup
	for i := range opt.Sessions {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			per[i], errs[i] = sampleSession(ctx, t, tr, i+1, opt)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	var out []PassiveSample
	for _, s := range per {
		out = append(out, s...)
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return out, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return out, err
		}
	}
	return out, ctx.Err()
}

// sampleSession is one session of SamplePassive.
func sampleSession(ctx context.Context, t Target, tr *Transcript, n int, opt SampleOptions) ([]PassiveSample, error) {
	c, _, err := Connect(ctx, t, tr)
	if err != nil {
		return nil, fmt.Errorf("session %d: connecting: %w", n, err)
	}
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		return nil, fmt.Errorf("session %d: logging in as %q: %w", n, t.User, err)
	}
	var out []PassiveSample
	for _, mode := range opt.Modes {
		if mode == PASV && c.RemoteAddr().Addr().Is6() {
			continue
		}
		s := PassiveSample{Session: n, Mode: mode, Peer: c.RemoteAddr(), Local: c.LocalAddr()}
		d, err := c.Passive(ctx, mode, DataOptions{NoDial: true})
		if d != nil {
			s.Reply = d.Setup
		}
		var re *ReplyError
		switch {
		case errors.As(err, &re):
			s.Reply, s.Err = re.Reply, err
		case err != nil && d == nil:
			// The exchange itself broke: no later command can work.
			return out, fmt.Errorf("session %d: %s: %w", n, mode, err)
		case err != nil:
			s.Err = err
		default:
			s.Advertised, s.Dialled = d.Advertised, d.Dialled
			if !opt.Probe {
				d.Release(ctx)
			}
			if opt.Probe {
				p, err := ProbeTCP(ctx, netip.Addr{}, d.Dialled, opt.ProbeTimeout)
				if err != nil {
					return out, err
				}
				s.Probe = &p
				if p.OK() {
					c.T.Notef(c.name, "probe: connected to %s in %s", p.Addr, p.Elapsed.Round(time.Millisecond))
				} else {
					c.T.Notef(c.name, "probe: %v (after %s)", p.Err, p.Elapsed.Round(time.Millisecond))
				}
			}
		}
		out = append(out, s)
	}
	qctx, qcancel := context.WithTimeout(ctx, t.CloseGrace)
	_, _ = c.Quit(qctx)
	qcancel()
	return out, nil
}

// ActiveProbe is what happened when the server was asked to connect back
// to the harness (PORT or EPRT) for one transfer command.
type ActiveProbe struct {
	Mode   DataMode
	Listen netip.AddrPort // where the harness listened
	Setup  *Reply         // the reply to PORT/EPRT; nil if none came
	Cmd    string         // the transfer command sent after a 2yz Setup
	// Replies are the replies to Cmd, in order.
	Replies []*Reply
	// NoFinalReply is set when Cmd got no completion reply within the
	// wait (the server may still be trying to connect).
	NoFinalReply bool
	// Source is where the server's connection came from; invalid when no
	// connection arrived within Waited.
	Source netip.AddrPort
	Waited time.Duration
	// Bytes is how much data arrived on the connection.
	Bytes int64
}

// Accepted reports whether the server accepted PORT/EPRT with 2yz.
func (p *ActiveProbe) Accepted() bool { return p.Setup != nil && Class(p.Setup.Code) == 2 }

// Connected reports whether the server's connection arrived.
func (p *ActiveProbe) Connected() bool { return p.Source.IsValid() }

// ProbeActive listens (on the target's ActiveAddress, else the control
// connection's local address, inside ActiveRange if set), sends PORT or
// EPRT, then cmd (a download such as LIST), and waits up to wait for the
// server's connection while it reads the replies. A refused PORT/EPRT is
// not an error: Setup holds the reply. An error means the exchange broke
// or ctx ended.
func (c *Conn) ProbeActive(ctx context.Context, mode DataMode, cmd string, wait time.Duration) (*ActiveProbe, error) {
	p := &ActiveProbe{Mode: mode}
	d, err := c.Active(ctx, mode, DataOptions{})
	if d != nil {
		p.Listen, p.Setup = d.Listen, d.Setup
	}
	var re *ReplyError
	if errors.As(err, &re) {
		p.Setup = re.Reply
		return p, nil
	}
	if err != nil {
		return p, err
	}
	defer d.Close()
	p.Cmd = cmd
	start := time.Now()
	if err := c.Send(ctx, cmd); err != nil {
		return p, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	type dialIn struct {
		source netip.AddrPort
		bytes  int64
	}
	arrived := make(chan dialIn, 1)
	go func() {
		var res dialIn
		defer func() { arrived <- res }()
		nc, err := d.Conn(wctx)
		if err != nil {
			return
		}
		res.source = d.Source
		defer guard(wctx, nc)()
		// The data connection closes itself at EOF: a server that holds
		// its completion reply until the client has closed answers now.
		res.bytes, _ = io.Copy(io.Discard, io.LimitReader(nc, MaxDownload))
	}()

	// The replies: a preliminary one, then the completion, each within
	// the wait (the completion at least CloseGrace after a dial-in).
	readErr := func() error {
		r, err := c.ReadReplyWithin(ctx, wait)
		if err != nil {
			return err
		}
		p.Replies = append(p.Replies, r)
		if !IsPreliminary(r.Code) {
			return nil
		}
		rest := max(time.Until(start.Add(wait)), c.target.CloseGrace)
		r, err = c.ReadReplyWithin(ctx, rest)
		if err != nil {
			return err
		}
		p.Replies = append(p.Replies, r)
		return nil
	}()
	if n := len(p.Replies); n == 0 || IsPreliminary(p.Replies[n-1].Code) {
		p.NoFinalReply = true
	}
	if n := len(p.Replies); n > 0 && !IsPreliminary(p.Replies[n-1].Code) && Class(p.Replies[n-1].Code) != 2 {
		// The transfer failed: the server will not connect any more.
		d.Close()
	}
	res := <-arrived
	p.Source, p.Bytes, p.Waited = res.source, res.bytes, time.Since(start)
	if readErr != nil {
		if cerr := ctx.Err(); cerr != nil {
			return p, cerr
		}
		var pe *ProtocolError
		if !errors.As(readErr, &pe) || !pe.Timeout() {
			return p, readErr
		}
	}
	return p, nil
}
