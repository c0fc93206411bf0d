//go:build !linux

package fakeserver

import (
	"net"
)

// reservePort, off Linux, opens and closes a listener and returns its
// port: a connection to it is refused (unless another socket takes the
// port meanwhile).
func reservePort(local *net.TCPAddr, lo, hi int) (int, func(), error) {
	var last error
	for _, p := range pickPorts(lo, hi) {
		ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: local.IP, Port: p, Zone: local.Zone})
		if err != nil {
			last = err
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return port, func() {}, nil
	}
	return 0, nil, last
}

// blackHolePort, off Linux, cannot rely on a full accept queue dropping
// SYNs; it falls back to a refused port, so the pasv-port-dropped fault
// shows as refused rather than timed out there.
func blackHolePort(local *net.TCPAddr, lo, hi int) (int, func(), error) {
	return reservePort(local, lo, hi)
}
