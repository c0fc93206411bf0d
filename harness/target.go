package harness

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PortRange is an inclusive range of TCP ports, written "MIN-MAX".
type PortRange struct{ Min, Max int }

// ParsePortRange parses "30000-30099" (or a single port "30000").
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		hi = lo
	}
	min, err1 := strconv.Atoi(strings.TrimSpace(lo))
	max, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return PortRange{}, fmt.Errorf("port range %q: want MIN-MAX, e.g. 30000-30099", s)
	}
	r := PortRange{min, max}
	if min < 1 || max > 65535 || min > max {
		return PortRange{}, fmt.Errorf("port range %q: ports must satisfy 1 <= MIN <= MAX <= 65535", s)
	}
	return r, nil
}

// Contains reports whether port lies in the range.
func (r PortRange) Contains(port int) bool { return port >= r.Min && port <= r.Max }

// Size is the number of ports in the range.
func (r PortRange) Size() int { return r.Max - r.Min + 1 }

// IsZero reports whether the range is unset.
func (r PortRange) IsZero() bool { return r.Min == 0 && r.Max == 0 }

func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// Target describes the server under test and what the operator expects of
// it. Zero values mean "not configured"; timeouts have defaults.
type Target struct {
	Host     string
	Port     int
	User     string
	Password string

	// PasvRange and PasvAddress are the operator's expectations for
	// passive mode (policy checks fail when they are not met).
	PasvRange   PortRange
	PasvAddress netip.Addr

	// ActiveAddress is the local address the harness listens on for
	// PORT/EPRT (default: the control connection's local address);
	// ActiveRange, if set, the local ports it may use.
	ActiveAddress netip.Addr
	ActiveRange   PortRange

	// TLS is how the control connection is protected: not at all, with
	// AUTH TLS after the greeting (RFC 4217), or from the first byte
	// (implicit FTPS, port 990 by default).
	TLS TLSMode
	// CAFile names a PEM file of the roots that may sign the server's
	// certificate (default: the system roots).
	CAFile string
	// Insecure skips certificate verification; the transcript still says
	// what verification would have found.
	Insecure bool
	// ServerName is the name the certificate must carry and the SNI the
	// harness sends (default: Host).
	ServerName string

	ReplyTimeout   time.Duration // per reply (default 10s)
	ConnectTimeout time.Duration // TCP connect (default 5s)
	DataTimeout    time.Duration // data connection set-up and transfer (default 15s)
	CloseGrace     time.Duration // how long after 226 the data EOF may lag (default 1s)
	Settle         time.Duration // see Limits.Settle
}

// DefaultPort is the well-known FTP control port, also used by explicit
// FTPS; DefaultImplicitPort is the port IANA assigns to implicit FTPS
// ("ftps").
const (
	DefaultPort         = 21
	DefaultImplicitPort = 990
)

// WithDefaults fills in unset timeouts and the port: 990 for implicit TLS,
// else 21.
func (t Target) WithDefaults() Target {
	if t.ReplyTimeout <= 0 {
		t.ReplyTimeout = 10 * time.Second
	}
	if t.ConnectTimeout <= 0 {
		t.ConnectTimeout = 5 * time.Second
	}
	if t.DataTimeout <= 0 {
		t.DataTimeout = 15 * time.Second
	}
	if t.CloseGrace <= 0 {
		t.CloseGrace = time.Second
	}
	if t.Port == 0 {
		t.Port = t.TLS.defaultPort()
	}
	return t
}

// Addr returns "host:port" (IPv6 literals bracketed).
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String returns the target as a URL without the password: ftps:// for
// implicit TLS, else ftp://.
func (t Target) String() string {
	scheme := "ftp"
	if t.TLS == TLSImplicit {
		scheme = "ftps"
	}
	u := url.URL{Scheme: scheme, Host: t.Addr()}
	if t.User != "" {
		u.User = url.User(t.User)
	}
	return u.String()
}

// ParseTargetURL parses ftp://USER:PASS@HOST:PORT, or ftps://... for
// implicit TLS (Target.TLS is TLSImplicit). The password may be missing
// (supply it separately); the port defaults to 21, or 990 for ftps://.
// Explicit TLS (AUTH TLS) has no scheme of its own: set Target.TLS.
func ParseTargetURL(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes the input, which may hold a password.
		return Target{}, errors.New("target: not a valid URL; want ftp://USER:PASS@HOST:PORT")
	}
	mode := TLSOff
	switch u.Scheme {
	case "ftp":
	case "ftps":
		mode = TLSImplicit
	default:
		return Target{}, fmt.Errorf("target: scheme %q not supported; want ftp://USER:PASS@HOST:PORT (or ftps:// for implicit TLS)", u.Scheme)
	}
	if u.Hostname() == "" {
		return Target{}, errors.New("target: no host; want ftp://USER:PASS@HOST:PORT")
	}
	if u.Path != "" && u.Path != "/" {
		return Target{}, errors.New("target: a path is not supported; the checks work in the login directory")
	}
	t := Target{Host: u.Hostname(), TLS: mode, Port: mode.defaultPort()}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("target: bad port %q", p)
		}
		t.Port = n
	}
	if u.User != nil {
		t.User = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	if t.User == "" {
		return Target{}, errors.New("target: no user; want ftp://USER:PASS@HOST:PORT")
	}
	return t, nil
}

// TLSMode says how a target's control connection is protected.
type TLSMode int

// The TLS modes.
const (
	TLSOff      TLSMode = iota // plain FTP
	TLSExplicit                // AUTH TLS after the greeting (RFC 4217 §4)
	TLSImplicit                // TLS from the first byte (ftps://, port 990)
)

var tlsModeNames = [...]string{TLSOff: "off", TLSExplicit: "explicit", TLSImplicit: "implicit"}

// String returns "off", "explicit" or "implicit".
func (m TLSMode) String() string {
	if m >= 0 && int(m) < len(tlsModeNames) {
		return tlsModeNames[m]
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// ParseTLSMode parses "off", "explicit" or "implicit" (any case).
func ParseTLSMode(s string) (TLSMode, error) {
	for m, name := range tlsModeNames {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return TLSMode(m), nil
		}
	}
	return TLSOff, fmt.Errorf("TLS mode %q: want off, explicit or implicit", s)
}

func (m TLSMode) defaultPort() int {
	if m == TLSImplicit {
		return DefaultImplicitPort
	}
	return DefaultPort
}

// TLSServerName is the name the server's certificate is verified against
// and sent as SNI: ServerName, else Host.
func (t Target) TLSServerName() string {
	if t.ServerName != "" {
		return t.ServerName
	}
	return t.Host
}
