// Command ftpconform drives an FTP server through the conformance checks
// of package suites and reports, per requirement of the FTP RFCs, whether
// it conforms.
//
//	ftpconform run      [--target ftp://USER:PASS@HOST:PORT] [flags]   run the checks (default: against the embedded reference server)
//	ftpconform firewall [--target URL] [--tls explicit] [flags]        the firewall checks; with TLS, in plain FTP and TLS compared (docs/firewall.md)
//	ftpconform serve    --listen ADDR --root DIR [flags]              run the reference server
//	ftpconform stress   [--target URL] --clients N --duration D       load a server with N sessions (docs/stress.md)
//	ftpconform list     [--label-filter EXPR] [--json] [--scripts DIR] list the checks
//	ftpconform check-scripts DIR...                                   validate scripted scenarios (docs/scripts.md)
//
// Exit codes: 0 conformant, 1 conformance failures, 2 usage or
// configuration error, 3 target unreachable.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailures    = 1
	exitUsage       = 2
	exitUnreachable = 3
	// exitInterrupted: a signal (Ctrl-C) cut the run short; the reports
	// are written and say so. 128 + SIGINT, as shells report it.
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError is a bad flag or argument: exit 2 with a one-line message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// ansiEscape matches the colour codes ginkgo puts in its messages (a
// label filter's syntax error).
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// withoutANSI removes colour codes from a message: errors go to logs and
// pipes, where they are noise.
func withoutANSI(s string) string { return ansiEscape.ReplaceAllString(s, "") }

const mainUsage = `usage: ftpconform <command> [flags]

commands:
  run       run the conformance checks against --target, or against the
            embedded reference server when no target is given
  firewall  run only the data-connection and firewall checks, with a short report;
            with --tls explicit in plain FTP, then inside TLS, compared
  serve     run the reference FTP server
  stress    run many sessions at once against --target (or the embedded
            server), verify every transfer and report rates and latencies
  list      list the checks (ID, level, labels, title)
  check-scripts
            validate scripted scenarios (*.ftp, docs/scripts.md) without a target
  coverage  print the requirement coverage document (docs/coverage.md)
  report    put the JSON reports of several runs side by side (HTML, Markdown, JSON)
  version   print the version

Run 'ftpconform <command> -h' for the flags of a command.
Exit codes: 0 conformant, 1 conformance failures, 2 usage error, 3 target unreachable, 130 interrupted.
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr, false)
	case "firewall":
		return cmdRun(args[1:], stdout, stderr, true)
	case "stress":
		return cmdStress(args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(args[1:], stdout, stderr)
	case "list":
		err = cmdList(args[1:], stdout, stderr)
	case "coverage":
		err = cmdCoverage(args[1:], stdout, stderr)
	case "check-scripts":
		err = cmdCheckScripts(args[1:], stdout, stderr)
	case "report":
		err = cmdReport(args[1:], stdout, stderr)
	case "version", "--version", "-version", "-v":
		fmt.Fprintln(stdout, "ftpconform", version)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, mainUsage)
	default:
		err = usagef("unknown command %q", args[0])
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "ftpconform: %v\n\n%s", err, mainUsage)
			return exitUsage
		}
		fmt.Fprintf(stderr, "ftpconform: %v\n", err)
		return exitFailures
	}
	return exitOK
}
