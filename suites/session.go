package suites

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ftpconform/ftpconform/harness"
)

// connect opens a control connection and reads the greeting; the
// connection is closed when the check ends.
func connect(ctx *Ctx) *harness.Conn {
	c, _ := connectGreeting(ctx)
	return c
}

func connectGreeting(ctx *Ctx) (*harness.Conn, []*harness.Reply) {
	c, greet, err := harness.Connect(ctx, ctx.cfg.Target, ctx.transcript())
	if err != nil {
		ctx.failConnect(err)
		ctx.failf("cannot open a control connection to %s: %v", ctx.cfg.Target.Addr(), err)
		return nil, nil
	}
	DeferCleanup(c.Close)
	return c, greet
}

// connectFrom opens a control connection from a chosen local address.
func connectFrom(ctx *Ctx, local netip.Addr) *harness.Conn {
	c, err := harness.Dial(ctx, ctx.cfg.Target, ctx.transcript(), local)
	if err != nil {
		ctx.failConnect(err)
		ctx.failf("cannot open a control connection from %s: %v", local, err)
		return nil
	}
	DeferCleanup(c.Close)
	if _, err := c.ReadGreeting(ctx); err != nil {
		ctx.failf("reading the greeting: %v", err)
	}
	return c
}

// login connects and logs in with the target's credentials.
func login(ctx *Ctx) *harness.Conn {
	ctx.need(harness.CapLogin)
	if ctx.cfg.Target.TLS != harness.TLSOff {
		ctx.need(harness.CapPROT) // Login asks for PROT P in a run with TLS
	}
	c := connect(ctx)
	ctx.must(c.Login(ctx), "logging in as %q", ctx.cfg.Target.User)
	return c
}

// protectAsLoginDoes asks for protected data connections on a session
// that logged in with USER and PASS of its own, as harness Login does in
// a run with TLS.
func protectAsLoginDoes(ctx *Ctx, c *harness.Conn) {
	if ctx.cfg.Target.TLS != harness.TLSOff && c.TLS() != nil {
		ctx.need(harness.CapPROT)
		_, err := c.Protect(ctx, harness.ProtPrivate)
		ctx.must(err, "PBSZ 0, PROT P")
	}
}

// cmd sends a command and returns its reply; a broken exchange fails the
// check.
func cmd(ctx *Ctx, c *harness.Conn, line string) *harness.Reply {
	r, err := c.Cmd(ctx, line)
	if err != nil {
		ctx.failf("%s: %v", maskForMessage(line), err)
	}
	return r
}

func maskForMessage(line string) string {
	if strings.HasPrefix(strings.ToUpper(line), "PASS ") {
		return "PASS ****"
	}
	return line
}

// scratch creates a fresh directory in the login directory, makes it the
// working directory of c, and removes it (and what the check put in it)
// when the check ends, even if it failed. It returns the directory's name.
func scratch(ctx *Ctx, c *harness.Conn) string {
	ctx.need(harness.CapMKD, harness.CapCWD)
	name := harness.UniqueName("ftpconform")
	// Arranged before MKD goes out: a check interrupted while it waits
	// for the reply leaves no directory behind.
	ctx.removeScratchAfter(name)
	r := cmd(ctx, c, "MKD "+name)
	if r.Code != harness.ReplyPathCreated {
		ctx.failf("cannot create the scratch directory: MKD %s: %s", name, r)
	}
	if r := cmd(ctx, c, "CWD "+name); harness.Class(r.Code) != 2 {
		ctx.failf("cannot enter the scratch directory: CWD %s: %s", name, r)
	}
	return name
}

// defaultMode is the data mode helpers use when the check is not about the
// mode: PASV on IPv4, EPSV on IPv6, or the other passive mode when the
// preflight found that one broken. Checks rely on a passive connection
// (the harness dials, the server listens) whatever its command.
func (r *Run) defaultMode(c *harness.Conn) harness.DataMode {
	first, other := harness.PASV, harness.EPSV
	if c.RemoteAddr().Addr().Is6() {
		return harness.EPSV
	}
	if f := r.cfg.Facts.Cap(dataCapability(first)); (f.State == harness.CapBroken || f.State == harness.CapUnsupported) && r.cfg.Facts.Works(dataCapability(other)) {
		return other
	}
	return first
}

// fixtureMode is the mode for moving a fixture to or from the server:
// defaultMode, or any mode the preflight found working when the passive
// modes are broken, so that a check of something else is not blocked by
// them.
func (r *Run) fixtureMode(c *harness.Conn) harness.DataMode {
	mode := r.defaultMode(c)
	if f := r.cfg.Facts.Cap(dataCapability(mode)); f.State != harness.CapBroken && f.State != harness.CapUnsupported {
		return mode
	}
	for _, m := range []harness.DataMode{harness.PORT, harness.EPRT} {
		if m == harness.PORT && c.RemoteAddr().Addr().Is6() {
			continue
		}
		if r.cfg.Facts.Works(dataCapability(m)) {
			return m
		}
	}
	return mode
}

// transferIn sets up a data connection in mode and runs a download command.
func transferIn(ctx *Ctx, c *harness.Conn, mode harness.DataMode, line string) (*harness.Transfer, error) {
	ctx.need(dataCapability(mode))
	d, err := c.OpenData(ctx, mode, harness.DataOptions{})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("setting up the %s data connection: %w", mode, err)
	}
	return c.Retrieve(ctx, d, line)
}

// transferOut sets up a data connection in mode and runs an upload command.
func transferOut(ctx *Ctx, c *harness.Conn, mode harness.DataMode, line string, data []byte) (*harness.Transfer, error) {
	ctx.need(dataCapability(mode))
	d, err := c.OpenData(ctx, mode, harness.DataOptions{})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("setting up the %s data connection: %w", mode, err)
	}
	return c.Store(ctx, d, line, data)
}

// upload stores data under name in TYPE I and fails the check unless the
// server confirms it (1yz then 2yz).
func upload(ctx *Ctx, c *harness.Conn, mode harness.DataMode, name string, data []byte) {
	ctx.need(harness.CapTypeI, harness.CapSTOR, dataCapability(mode))
	r, err := c.Cmd(ctx, "TYPE I")
	expectCode(ctx, "TYPE I", r, err, harness.ReplyOK)
	t, err := transferOut(ctx, c, mode, "STOR "+name, data)
	ctx.must(err, "uploading the fixture %s", name)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 {
		ctx.failf("uploading the fixture %s: STOR got %s", name, t.Final)
	}
	if t.DataErr != nil {
		ctx.failf("uploading the fixture %s: data connection: %v", name, t.DataErr)
	}
}

// download retrieves name in the current TYPE and fails unless the
// transfer completes.
func download(ctx *Ctx, c *harness.Conn, mode harness.DataMode, line string) *harness.Transfer {
	t, err := transferIn(ctx, c, mode, line)
	ctx.must(err, "%s", line)
	if t.Final == nil || harness.Class(t.Final.Code) != 2 {
		ctx.failf("%s over %s: expected 125 or 150, then 226 or 250; got %s", line, mode, t.ReplyChain())
	}
	if t.DataErr != nil {
		ctx.failf("%s over %s: data connection: %v", line, mode, t.DataErr)
	}
	return t
}

// binaryFixture returns n deterministic bytes that contain every byte
// value, CR and LF in all combinations, and runs of 0xFF.
func binaryFixture(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n && i < 256; i++ {
		b[i] = byte(i)
	}
	r := rand.New(rand.NewPCG(959, 1123))
	for i := 256; i < n; i++ {
		b[i] = byte(r.UintN(256))
	}
	copy(b[min(n, 256):], "\r\n\n\r\r\r\n\xff\xff\xff\x00")
	return b
}

// firstDiff describes where two byte slices first differ.
func firstDiff(got, want []byte) string {
	if d := harness.DiffBytes(got, want); d != "" {
		return d
	}
	return "identical"
}

// isUnreachable reports whether err is a failed TCP connection.
func isUnreachable(err error) (*harness.DialError, bool) {
	var de *harness.DialError
	ok := errors.As(err, &de)
	return de, ok
}
