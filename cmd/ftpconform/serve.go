package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:2121", "address to listen on (use [::1]:2121 for IPv6)")
	root := fs.String("root", "", "directory to serve (required)")
	password := fs.String("password", "", "password of the user 'conform' (default: generated and printed)")
	pasvRange := fs.String("pasv-range", "", "passive port range MIN-MAX (default: any free port)")
	pasvAddress := fs.String("pasv-address", "", "address to advertise in 227 replies (default: the control connection's local address)")
	activePort := fs.Int("active-source-port", 0, "local port for active-mode connections (default: ephemeral)")
	var faults, variations multiFlag
	fs.Var(&faults, "fault", "inject the named fault (repeatable; see -list-faults)")
	fs.Var(&variations, "variation", "enable the named legal variation (repeatable; see -list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the fault and variation names and exit")
	verbose := fs.Bool("v", false, "log sessions to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("serve: %v", err)
	}
	if *listFaults {
		fmt.Fprintln(stdout, "faults:")
		for _, f := range fakeserver.Faults() {
			fmt.Fprintf(stdout, "  %-26s %s\n", f.Name, f.Description)
		}
		fmt.Fprintln(stdout, "legal variations:")
		for _, v := range fakeserver.Variations() {
			fmt.Fprintf(stdout, "  %-26s %s\n", v.Name, v.Description)
		}
		return nil
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	if *root == "" {
		return usagef("serve: --root DIR is required")
	}
	if st, err := os.Stat(*root); err != nil || !st.IsDir() {
		return usagef("serve: --root %q is not a directory", *root)
	}
	pw := *password
	generated := pw == ""
	if generated {
		var b [9]byte
		_, _ = rand.Read(b[:])
		pw = hex.EncodeToString(b[:])
	}
	srv := fakeserver.New(*root, pw)
	srv.Addr = *listen
	srv.ActiveSourcePort = *activePort
	srv.Faults, srv.Variations = faults, variations
	if *pasvRange != "" {
		r, err := harness.ParsePortRange(*pasvRange)
		if err != nil {
			return usagef("serve: --pasv-range: %v", err)
		}
		srv.PasvMinPort, srv.PasvMaxPort = r.Min, r.Max
	}
	if *pasvAddress != "" {
		ip := net.ParseIP(*pasvAddress)
		if ip == nil || ip.To4() == nil {
			return usagef("serve: --pasv-address %q: want an IPv4 address", *pasvAddress)
		}
		srv.PasvAddress = ip.To4()
	}
	if *verbose {
		srv.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	if err := srv.Start(); err != nil {
		return usagef("serve: %v", err)
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "serving %s on %s (user %q)\n", *root, srv.Address(), srv.User)
	if generated {
		// The operator asked us to pick the password; they need to see it.
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	fmt.Fprintln(stdout, "press Ctrl-C to stop")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

// multiFlag collects a repeatable string flag (also comma-separated).
type multiFlag []string

func (m *multiFlag) String() string { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(s string) error {
	*m = append(*m, splitList(s)...)
	return nil
}
