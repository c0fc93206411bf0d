package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ftpconform/ftpconform/harness"
)

// retrieveFileSize is the file of the retrieve rows.
const retrieveFileSize = 1 << 30

// retrieveRows: the harness's streaming download (Conn.RetrieveTo) against
// curl, the same file from the same reference server, and the memory it
// needs against the file's size.
func (b *bench) retrieveRows() []row {
	speed := row{name: "retrieve/speed", goal: ">= 1"}
	mem := row{name: "retrieve/memory", goal: "<= 0.01"}
	fail := func(err error) []row {
		speed.met, speed.note = "error", err.Error()
		mem.met = "error"
		return []row{speed, mem}
	}
	srv, err := b.startRef("22200-22299")
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	if err := writeFile(filepath.Join(srv.root, "1g.bin"), retrieveFileSize); err != nil {
		return fail(err)
	}
	url := fmt.Sprintf("ftp://conform:%s@%s/1g.bin", servePassword, srv.addr)
	var ours, curls []float64
	var peak int64
	for range b.runs {
		bps, grown, err := retrieveOnce(srv.target(), "1g.bin")
		if err != nil {
			return fail(err)
		}
		c, err := curlSpeed(url)
		if err != nil {
			return fail(err)
		}
		ours, curls = append(ours, bps), append(curls, c)
		peak = max(peak, grown)
	}
	speed.compareSpeeds("Conn.RetrieveTo", ours, "curl", curls)
	speed.note = fmt.Sprintf("a %d MiB file from the reference server, %d runs each, alternating", retrieveFileSize>>20, b.runs)
	mem.measured = fmt.Sprintf("peak resident memory grew %.1f MiB", float64(peak)/(1<<20))
	mem.reference = fmt.Sprintf("file %d MiB", retrieveFileSize>>20)
	mem.ratio = float64(peak) / retrieveFileSize
	if mem.ratio == 0 {
		mem.ratio = 1e-9 // print as 0.00 rather than "-"
	}
	mem.met = verdict(mem.ratio, mem.goal)
	return []row{speed, mem}
}

// retrieveOnce downloads name with Conn.RetrieveTo into nowhere and
// returns the speed and how much this process's peak resident memory grew
// meanwhile.
func retrieveOnce(t harness.Target, name string) (bytesPerSec float64, grown int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, _, err := harness.Connect(ctx, t, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if err := c.Login(ctx); err != nil {
		return 0, 0, err
	}
	if r, err := c.Cmd(ctx, "TYPE I"); err != nil || r.Code != harness.ReplyOK {
		return 0, 0, fmt.Errorf("TYPE I: %v %v", r, err)
	}
	d, err := c.OpenData(ctx, harness.PASV, harness.DataOptions{})
	if err != nil {
		return 0, 0, err
	}
	resetPeak()
	before := procStatus("VmRSS")
	start := time.Now()
	tr, err := c.RetrieveTo(ctx, d, "RETR "+name, io.Discard)
	d2 := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if tr.DataErr != nil || tr.Received != retrieveFileSize {
		return 0, 0, fmt.Errorf("RETR %s: %d bytes, %v", name, tr.Received, tr.DataErr)
	}
	return float64(tr.Received) / d2.Seconds(), (procStatus("VmHWM") - before) << 10, nil
}

// resetPeak resets this process's peak resident memory (VmHWM), where the
// kernel allows it.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatus reads a KiB figure of /proc/self/status.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
