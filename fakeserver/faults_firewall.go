package fakeserver

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"slices"
	"sync"
)

// Faults of the passive range, the advertised address and active mode as
// an operator behind a firewall sees them. The passive faults replace a
// plain PASV or EPSV through the override hook; of the active faults, one
// answers PORT and EPRT, the other dials from another port.
const (
	faultPasvRangeOverflow     = "pasv-range-overflow"
	faultPasvPortMismatch      = "pasv-port-mismatch"
	faultEpsvPortDropped       = "epsv-port-dropped"
	faultPasvAddressSomeNodes  = "pasv-address-some-sessions"
	faultActiveSourceEphemeral = "active-source-ephemeral"
	faultActiveBlockedAtPort   = "active-blocked-at-port"
)

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultPasvRangeOverflow,
			Description: "in every other session, PASV and EPSV listen on a port just above the configured passive range (the server's range is wider than the firewall's)",
			Breaks:      []string{"POLICY-PASV-RANGE"},
			override: passiveOverride(func(s *session) bool { return s.id%2 == 0 }, func(s *session) (net.Listener, int, error) {
				lo, hi := s.srv.PasvMinPort, s.srv.PasvMaxPort
				if lo == 0 && hi == 0 {
					return nil, 0, errNoRange
				}
				var last error
				for p := hi + 1; p <= min(hi+200, 65535); p++ {
					ln, err := s.listenLocal(p)
					if err == nil {
						return ln, p, nil
					}
					last = err
				}
				return nil, 0, fmt.Errorf("no free port above the range: %w", last)
			})},
		Fault{Name: faultPasvPortMismatch,
			Description: "in every other session, PASV and EPSV advertise a port of the range on which nothing listens, while the listener is on another port (connections to the advertised port are refused)",
			Breaks:      []string{"POLICY-PASV-RANGE-REACHABLE"},
			override: passiveOverride(func(s *session) bool { return s.id%2 == 0 }, func(s *session) (net.Listener, int, error) {
				port, release, err := reservePort(s.local, s.srv.PasvMinPort, s.srv.PasvMaxPort)
				if err != nil {
					return nil, 0, err
				}
				ln, err := s.listenPassive()
				if err != nil {
					release()
					return nil, 0, err
				}
				return &extraCloser{Listener: ln, release: release}, port, nil
			})},
		Fault{Name: faultEpsvPortDropped,
			Description: "EPSV advertises a port whose listener never accepts and has a full queue, so connection attempts go unanswered and time out, as behind a firewall whose FTP helper opens only the ports it reads in 227 replies; PASV works",
			Breaks:      []string{"POLICY-PASV-RANGE-REACHABLE", "POLICY-EPSV-WORKS-NAT"},
			override: passiveOverride(func(s *session) bool { return true }, func(s *session) (net.Listener, int, error) {
				port, release, err := blackHolePort(s.local, s.srv.PasvMinPort, s.srv.PasvMaxPort)
				if err != nil {
					return nil, 0, err
				}
				return newHeldListener(&net.TCPAddr{IP: s.local.IP, Port: port, Zone: s.local.Zone}, release), port, nil
			}, "EPSV")},
		Fault{Name: faultPasvAddressSomeNodes,
			Description: "in every other session, the 227 reply advertises " + wrongPasvAddress + " (one node of a cluster without the masquerade address); the listener stays on the control address",
			Breaks:      []string{"POLICY-PASV-ADDR"},
			override: func(s *session, r *request) bool {
				if r.verb != "PASV" || r.arg != "" || !s.loggedIn || s.epsvAll || s.ipv6() || s.id%2 != 0 {
					return false
				}
				port, ok := s.setupPassive()
				if ok {
					s.reply(codeEnteringPassive, passiveModeText(net.ParseIP(wrongPasvAddress).To4(), port))
				}
				return true
			}},
		Fault{Name: faultActiveSourceEphemeral,
			Description: "active data connections come from an ephemeral port instead of the configured source port (L-1 in the embedded run)",
			Breaks:      []string{"RFC959-5.2-SERVER-FROM-L-1", "POLICY-ACTIVE-EGRESS/source-port"},
			install:     func(h *hooks) { h.dial = dialFromEphemeralPort }},
		Fault{Name: faultActiveBlockedAtPort,
			Description: "PORT and EPRT are answered \"425 Cannot connect to the client\": the server dials when PORT arrives (as pyftpdlib does) and an outbound firewall blocks it",
			Breaks:      []string{"POLICY-ACTIVE-EGRESS"},
			override: func(s *session, r *request) bool {
				if (r.verb != "PORT" && r.verb != "EPRT") || !s.loggedIn || s.epsvAll {
					return false
				}
				s.closeData()
				s.reply(codeCantOpenData, "Cannot connect to the client.")
				return true
			}},
	)
}

var errNoRange = errors.New("no passive range configured")

// passiveOverride answers a plain PASV or EPSV (no argument; only the
// given verbs if any) of a logged-in session that affects selects, with a listener and advertised port from
// open; anything else goes to the normal handler. When open fails for want
// of a range, the normal handler answers too.
func passiveOverride(affects func(*session) bool, open func(*session) (net.Listener, int, error), verbs ...string) func(*session, *request) bool {
	if len(verbs) == 0 {
		verbs = []string{"PASV", "EPSV"}
	}
	return func(s *session, r *request) bool {
		if !slices.Contains(verbs, r.verb) || r.arg != "" || !s.loggedIn || s.epsvAll || !affects(s) {
			return false
		}
		if r.verb == "PASV" && s.ipv6() {
			return false
		}
		s.closeData()
		ln, port, err := open(s)
		if errors.Is(err, errNoRange) {
			return false
		}
		if err != nil {
			s.logf("passive listen: %v", err)
			s.reply(codeCantOpenData, "Cannot open a passive data port.")
			return true
		}
		s.data = &dataSetting{port: port, passive: s.startPassive(ln)}
		if r.verb == "EPSV" {
			s.reply(codeEnteringEPSV, extendedModeText(port))
			return true
		}
		ip := s.local.IP.To4()
		if s.srv.PasvAddress != nil {
			ip = s.srv.PasvAddress.To4()
		}
		s.reply(codeEnteringPassive, passiveModeText(ip, port))
		return true
	}
}

// extraCloser is a listener whose Close also releases something else.
type extraCloser struct {
	net.Listener
	release func()
	once    sync.Once
}

func (l *extraCloser) Close() error {
	err := l.Listener.Close()
	l.once.Do(l.release)
	return err
}

// heldListener stands for a port the server holds but never accepts on:
// Accept blocks until Close, which releases the port.
type heldListener struct {
	addr    net.Addr
	release func()
	done    chan struct{}
	once    sync.Once
}

func newHeldListener(addr net.Addr, release func()) *heldListener {
	return &heldListener{addr: addr, release: release, done: make(chan struct{})}
}

func (l *heldListener) Accept() (net.Conn, error) {
	<-l.done
	return nil, net.ErrClosed
}

func (l *heldListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.release()
	})
	return nil
}

func (l *heldListener) Addr() net.Addr { return l.addr }

// pickPorts returns the ports to try for a socket of a fault: the passive
// range from a random start, or just 0 (kernel's choice) without a range.
func pickPorts(lo, hi int) []int {
	if lo == 0 && hi == 0 {
		return []int{0}
	}
	n := hi - lo + 1
	start := mrand.IntN(n)
	out := make([]int, n)
	for i := range n {
		out[i] = lo + (start+i)%n
	}
	return out
}

// dialFromEphemeralPort (active-source-ephemeral) dials active data
// connections from a port of the kernel's choice.
func dialFromEphemeralPort(x *transfer, d net.Dialer) (net.Conn, error) {
	d.LocalAddr = &net.TCPAddr{IP: x.s.local.IP, Zone: x.s.local.Zone}
	d.Control = nil
	return d.DialContext(x.ctx, "tcp", x.data.active.String())
}
