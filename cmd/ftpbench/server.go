package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// servePassword is the password of the reference servers ftpbench starts.
const servePassword = "bench-secret"

// refServer is an `ftpconform serve` process ftpbench started.
type refServer struct {
	cmd  *exec.Cmd
	root string
	addr string
}

// startRef starts the reference server in a process of its own, so that
// its memory can be read apart from the clients'.
func (b *bench) startRef(pasvRange string) (*refServer, error) {
	root, err := os.MkdirTemp("", "ftpbench-root-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(b.bin, "serve", "-listen", addr, "-root", root, "-password", servePassword, "-pasv-range", pasvRange)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	s := &refServer{cmd: cmd, root: root, addr: addr}
	for range 100 {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("the reference server did not start listening")
}

func (s *refServer) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	os.RemoveAll(s.root)
}

// rssKiB is the resident memory of the server process.
func (s *refServer) rssKiB() (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return 0, errors.New("no VmRSS")
}

func (s *refServer) target() harness.Target {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return harness.Target{Host: host, Port: p, User: "conform", Password: servePassword}.WithDefaults()
}

// writeFile writes size random bytes to path.
func writeFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// raiseFileLimit lifts the soft limit on open files to the hard one and
// returns the soft limit now in force.
func raiseFileLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return l.Cur
}

func (b *bench) serverRows() []row {
	return []row{b.capacityRow(), b.idleMemoryRow(), b.retrThroughputRow()}
}

// capacitySessions is how many sessions the capacity row runs at once.
const capacitySessions = 1000

// capacityRow: 1,000 sessions at once, each logging in, fetching 64 KiB
// over PASV and quitting.
func (b *bench) capacityRow() row {
	r := row{name: "server/capacity", goal: ">= 1"}
	limit := raiseFileLimit()
	// Each session needs a control and a data connection on both sides.
	if need := uint64(4*capacitySessions + 100); limit < need {
		r.met = fmt.Sprintf("skipped: the open-file limit is %d, %d are needed (raise it with ulimit -n)", limit, need)
		return r
	}
	srv, err := b.startRef("20000-21999")
	if err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	defer srv.stop()
	if err := writeFile(filepath.Join(srv.root, "64k.bin"), 64<<10); err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	t := srv.target()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var ok, failed atomic.Int32
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range capacitySessions {
		wg.Go(func() {
			if err := fetchOnce(ctx, t, "64k.bin", 64<<10); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			ok.Add(1)
		})
	}
	wg.Wait()
	wall := time.Since(start)
	r.measured = fmt.Sprintf("%d of %d sessions completed in %.1fs", ok.Load(), capacitySessions, wall.Seconds())
	r.reference = fmt.Sprintf("%d sessions started", capacitySessions)
	r.ratio = float64(ok.Load()) / capacitySessions
	r.met = verdict(r.ratio, r.goal)
	r.note = fmt.Sprintf("open-file soft limit raised to %d", limit)
	if e, _ := firstErr.Load().(string); e != "" {
		r.note += fmt.Sprintf("; %d failed, the first: %s", failed.Load(), e)
	}
	return r
}

// fetchOnce logs in, fetches name over PASV, checks its size and quits.
func fetchOnce(ctx context.Context, t harness.Target, name string, size int) error {
	c, _, err := harness.Connect(ctx, t, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		return err
	}
	if r, err := c.Cmd(ctx, "TYPE I"); err != nil || r.Code != harness.ReplyOK {
		return fmt.Errorf("TYPE I: %v %v", r, err)
	}
	d, err := c.OpenData(ctx, harness.PASV, harness.DataOptions{})
	if err != nil {
		return err
	}
	tr, err := c.Retrieve(ctx, d, "RETR "+name)
	if err != nil {
		return err
	}
	if tr.Final == nil || harness.Class(tr.Final.Code) != 2 || len(tr.Data) != size {
		return fmt.Errorf("RETR %s: %d bytes, %v", name, len(tr.Data), tr.Final)
	}
	_, err = c.Quit(ctx)
	return err
}

// idleMemoryRow: the server's memory per logged-in idle session.
func (b *bench) idleMemoryRow() row {
	r := row{name: "server/idle-session", goal: "-", met: "reported"}
	raiseFileLimit()
	srv, err := b.startRef("22000-22099")
	if err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	defer srv.stop()
	before, err := srv.rssKiB()
	if err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var conns []*harness.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range capacitySessions {
		c, _, err := harness.Connect(ctx, srv.target(), nil)
		if err != nil {
			r.met, r.note = "error", err.Error()
			return r
		}
		conns = append(conns, c)
		if err := c.Login(ctx); err != nil {
			r.met, r.note = "error", err.Error()
			return r
		}
	}
	time.Sleep(200 * time.Millisecond)
	after, err := srv.rssKiB()
	if err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	per := float64(after-before) / capacitySessions
	r.measured = fmt.Sprintf("%.1f KiB per idle session (%d sessions)", per, capacitySessions)
	r.reference = fmt.Sprintf("server at rest %d KiB", before)
	r.ratio = per / float64(before)
	return r
}

// curlSpeed fetches url with curl into nowhere and returns bytes/s.
func curlSpeed(url string) (float64, error) {
	out, err := exec.Command("curl", "-s", "-S", "-o", "/dev/null", "-w", "%{speed_download}", url).Output()
	if err != nil {
		return 0, fmt.Errorf("curl: %v", err)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}

// retrFileSize is the file both servers send in server/retr.
const retrFileSize = 512 << 20

// retrThroughputRow: the reference server's RETR against pure-ftpd's, both
// fetched with curl (median of the runs, alternating).
func (b *bench) retrThroughputRow() row {
	r := row{name: "server/retr", goal: ">= 1"}
	if _, err := exec.LookPath("curl"); err != nil {
		r.met = "skipped: no curl"
		return r
	}
	if os.Geteuid() != 0 {
		r.met = "skipped: pure-ftpd needs root (make interop's servers)"
		return r
	}
	pure := realServers[2]
	script := filepath.Join("testdata", "interop", pure.script)
	if out, err := exec.Command(script, "start").CombinedOutput(); err != nil {
		r.met, r.note = "skipped: pure-ftpd did not start (make interop installs it)", lastLine(out)
		return r
	}
	defer exec.Command(script, "stop").Run()
	home := filepath.Join(interopDir(), "pureftpd", "home")
	pureFile := filepath.Join(home, "ftpbench-retr.bin")
	if err := writeFile(pureFile, retrFileSize); err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	defer os.Remove(pureFile)
	srv, err := b.startRef("22100-22199")
	if err != nil {
		r.met, r.note = "error", err.Error()
		return r
	}
	defer srv.stop()
	if err := os.Link(pureFile, filepath.Join(srv.root, "ftpbench-retr.bin")); err != nil {
		if err := writeFile(filepath.Join(srv.root, "ftpbench-retr.bin"), retrFileSize); err != nil {
			r.met, r.note = "error", err.Error()
			return r
		}
	}
	pw := os.Getenv("FTPCONFORM_PASSWORD")
	if pw == "" {
		pw = interopPassword
	}
	refURL := fmt.Sprintf("ftp://conform:%s@%s/ftpbench-retr.bin", servePassword, srv.addr)
	pureURL := fmt.Sprintf("ftp://conform:%s@127.0.0.1:%d/ftpbench-retr.bin", pw, pure.port)
	var refs, pures []float64
	for range b.runs {
		a, err := curlSpeed(refURL)
		if err != nil {
			r.met, r.note = "error", err.Error()
			return r
		}
		p, err := curlSpeed(pureURL)
		if err != nil {
			r.met, r.note = "error", err.Error()
			return r
		}
		refs, pures = append(refs, a), append(pures, p)
	}
	r.compareSpeeds("reference server", refs, "pure-ftpd", pures)
	r.note = fmt.Sprintf("a %d MiB file fetched with curl, %d runs each, alternating", retrFileSize>>20, b.runs)
	return r
}

// compareSpeeds fills in a row that compares the medians of two series of
// speeds (bytes/s), ours against the reference's.
func (r *row) compareSpeeds(ourName string, ours []float64, refName string, refs []float64) {
	o, c := median(ours), median(refs)
	r.measured = fmt.Sprintf("%s %.0f MiB/s", ourName, o/(1<<20))
	r.reference = fmt.Sprintf("%s %.0f MiB/s", refName, c/(1<<20))
	r.ratio = o / c
	r.met = verdict(r.ratio, r.goal)
}

// interopDir is where testdata/interop's servers keep their state.
func interopDir() string {
	if d := os.Getenv("FTPCONFORM_INTEROP_DIR"); d != "" {
		return d
	}
	return "/tmp/ftpconform-interop"
}
