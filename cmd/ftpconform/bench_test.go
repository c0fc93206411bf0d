package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkFullSuite measures a whole `ftpconform run` against the embedded
// reference server (process start, server start, every check, reports)
// and, as the reference measured in the same run, a run of one trivial
// check with the same start-up costs. It reports both wall times and their
// ratio:
//
//	go test -run '^$' -bench FullSuite -benchtime 5x ./cmd/ftpconform
func BenchmarkFullSuite(b *testing.B) {
	bin := binaryB(b)
	var full, one time.Duration
	for i := 0; i < b.N; i++ {
		full += timeRun(b, bin, "run", "--json", b.TempDir()+"/r.json")
		one += timeRun(b, bin, "run", "--label-filter", "RFC959-4.1.3-NOOP && !write")
	}
	b.ReportMetric(full.Seconds()/float64(b.N), "s/full-run")
	b.ReportMetric(one.Seconds()/float64(b.N), "s/one-check-run")
	b.ReportMetric(float64(full)/float64(one), "full/one")
}

func timeRun(b *testing.B, bin string, args ...string) time.Duration {
	b.Helper()
	start := time.Now()
	out, err := exec.Command(bin, args...).CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("ftpconform %v: %v\n%s", args, err, out)
	}
	return d
}

// binaryB builds the binary for a benchmark (binary() takes a *testing.T).
func binaryB(b *testing.B) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ftpconform-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = dir + "/ftpconform"
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = err
			b.Logf("%s", out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}
