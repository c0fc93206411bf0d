//go:build linux

package fakeserver

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// rawSocket opens a TCP socket bound to ip:port without SO_REUSEADDR, so
// that no other socket can take the port while it is held.
func rawSocket(local *net.TCPAddr, port int) (int, error) {
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip4 := local.IP.To4(); ip4 != nil {
		sa = &syscall.SockaddrInet4{Port: port, Addr: [4]byte(ip4)}
	} else {
		family = syscall.AF_INET6
		sa6 := &syscall.SockaddrInet6{Port: port, Addr: [16]byte(local.IP.To16())}
		if local.Zone != "" {
			if ifi, err := net.InterfaceByName(local.Zone); err == nil {
				sa6.ZoneId = uint32(ifi.Index)
			}
		}
		sa = sa6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func boundPort(fd int) int {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0
	}
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return a.Port
	case *syscall.SockaddrInet6:
		return a.Port
	}
	return 0
}

// reservePort binds a socket to a free port of [lo, hi] (any port when
// both are 0) without listening: a connection to it is refused with a
// reset, and no listener can take it until release.
func reservePort(local *net.TCPAddr, lo, hi int) (int, func(), error) {
	var last error
	for _, p := range pickPorts(lo, hi) {
		fd, err := rawSocket(local, p)
		if err != nil {
			last = err
			continue
		}
		return boundPort(fd), func() { syscall.Close(fd) }, nil
	}
	return 0, nil, fmt.Errorf("no port to reserve: %w", last)
}

// blackHolePort listens on a free port of [lo, hi] with an accept queue of
// one and fills the queue with a connection of its own. Linux drops the
// SYN of every further connection while the queue is full, so a client's
// connection attempt goes unanswered and times out, exactly as behind a
// firewall that drops the port.
func blackHolePort(local *net.TCPAddr, lo, hi int) (int, func(), error) {
	var last error
	for _, p := range pickPorts(lo, hi) {
		fd, err := rawSocket(local, p)
		if err != nil {
			last = err
			continue
		}
		if err := syscall.Listen(fd, 0); err != nil {
			syscall.Close(fd)
			return 0, nil, err
		}
		port := boundPort(fd)
		addr := &net.TCPAddr{IP: local.IP, Port: port, Zone: local.Zone}
		filler, err := net.DialTimeout("tcp", addr.String(), time.Second)
		if err != nil {
			syscall.Close(fd)
			return 0, nil, fmt.Errorf("filling the accept queue of %s: %w", addr, err)
		}
		return port, func() {
			filler.Close()
			syscall.Close(fd)
		}, nil
	}
	return 0, nil, fmt.Errorf("no port for a black-hole listener: %w", last)
}
