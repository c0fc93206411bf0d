// Command ftpbench measures ftpconform's speed and memory goals and prints
// them as a table of ratios, each against a reference measured in the same
// run (`make bench`):
//
//   - suite/embedded: a full run against the embedded reference server,
//     against a run of only the checks that judge the RFC 2577 login probe
//     (the probe's protocol floor: its wrong passwords and the server's
//     delays, plus the same process start and preflight);
//   - suite/SERVER for proftpd, vsftpd and pure-ftpd (started with
//     testdata/interop's scripts; skipped with the reason when they cannot
//     start): the default run against --parallel 1 and, for pure-ftpd,
//     against its own login-probe run;
//   - retrieve: the harness's streaming download (Conn.RetrieveTo) against
//     curl, same server and file, and its memory against the file's size;
//   - server/retr: the reference server's RETR throughput against
//     pure-ftpd's, both measured with curl;
//   - server/capacity: 1,000 concurrent sessions against the reference
//     server (login, PASV, RETR 64 KiB, QUIT), and its memory per idle
//     session.
//
// Usage: ftpbench [-bin bin/ftpconform] [-rows suite,retrieve,server] [-runs 3]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// row is one line of the table.
type row struct {
	name      string
	measured  string // what was measured, with its figure
	reference string // what it is compared with, with its figure
	ratio     float64
	goal      string // e.g. "<= 1.05"
	met       string // "yes", "no", or why there is no verdict
	note      string
}

func main() {
	bin := flag.String("bin", "bin/ftpconform", "the ftpconform binary to measure")
	rows := flag.String("rows", "suite,retrieve,server", "which groups of rows to measure: suite, retrieve, server")
	runs := flag.Int("runs", 3, "runs per figure; the median is reported")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ftpbench: %v (build it first: make build)\n", err)
		os.Exit(2)
	}
	b := &bench{bin: abs, runs: max(1, *runs)}
	var table []row
	for _, g := range strings.Split(*rows, ",") {
		switch strings.TrimSpace(g) {
		case "suite":
			table = append(table, b.suiteRows()...)
		case "retrieve":
			table = append(table, b.retrieveRows()...)
		case "server":
			table = append(table, b.serverRows()...)
		case "":
		default:
			fmt.Fprintf(os.Stderr, "ftpbench: unknown row group %q\n", g)
			os.Exit(2)
		}
	}
	printTable(os.Stdout, table)
}

func printTable(w *os.File, table []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tMEASURED\tREFERENCE (same run)\tRATIO\tGOAL\tMET")
	for _, r := range table {
		ratio := "-"
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.name, r.measured, r.reference, ratio, r.goal, r.met)
	}
	tw.Flush()
	for _, r := range table {
		if r.note != "" {
			fmt.Fprintf(w, "%s: %s\n", r.name, r.note)
		}
	}
}

// verdict says whether ratio meets goal ("<= x" or ">= x").
func verdict(ratio float64, goal string) string {
	var op string
	var x float64
	if _, err := fmt.Sscanf(goal, "%s %g", &op, &x); err != nil {
		return "?"
	}
	ok := (op == "<=" && ratio <= x) || (op == ">=" && ratio >= x)
	if ok {
		return "yes"
	}
	return "no"
}

// bench holds what the rows share.
type bench struct {
	bin  string
	runs int
}
