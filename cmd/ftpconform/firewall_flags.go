package main

import (
	"errors"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/suites"
)

// parseSourcePort reads --expect-active-source-port: a port number, or
// "L-1" for the control port minus one; empty means no expectation (0).
func parseSourcePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, nil
	case strings.EqualFold(s, "L-1"):
		return suites.ActiveSourceL1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, usagef("--expect-active-source-port %q: want a port 1-65535 or L-1", s)
	}
	return n, nil
}

// startBelowEphemeral starts srv on host with a control port L between
// 15001 and 19999: below the embedded passive ranges (20000-28999), below
// Linux's ephemeral range (32768-60999), and away from the passive ranges
// operators commonly configure (30000 and up). A kernel-chosen port (port
// 0) would be ephemeral, and then the kernel could hand L-1, the port the
// server's active connections come from, to another socket (a harness
// connection or listener there made every dial-back fail with "address
// already in use"). A port taken by another process is retried.
func startBelowEphemeral(srv *fakeserver.Server, host string) error {
	var err error
	for range 20 {
		port := 15001 + mrand.IntN(19999-15001)
		srv.Addr = net.JoinHostPort(host, strconv.Itoa(port))
		if err = srv.Start(); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
	}
	return err
}
