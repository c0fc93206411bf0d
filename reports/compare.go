package reports

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpconform/ftpconform/checkmeta"
)

// The kinds of diagnosis Compare gives.
const (
	// DiagHelperOpensPorts: the passive ports connect in plain FTP and
	// are dropped under TLS. A firewall's FTP helper (Linux
	// nf_conntrack_ftp, a router's FTP ALG) reads the port of each
	// 227/229 reply on the control connection and lets a connection to
	// it in; inside TLS it cannot read the replies, so nothing opens the
	// ports.
	DiagHelperOpensPorts = "helper-opens-ports"
	// DiagHelperRewritesAddress: the 227 reply carries a wrong (usually
	// private) address under TLS and the expected one in plain FTP: a NAT
	// helper rewrites the address of plain 227 replies, which it cannot
	// do inside TLS. The server does not know its public address.
	DiagHelperRewritesAddress = "helper-rewrites-address"
	// DiagHelperBreaksAddress: the reverse: under TLS the 227 reply
	// carries the expected address, in plain FTP another one. A helper
	// rewrites plain 227 replies, wrongly.
	DiagHelperBreaksAddress = "helper-breaks-address"
)

// Comparison is what "ftpconform firewall --tls explicit" adds to its run
// (the TLS pass): the same checks in plain FTP, and how the two passes
// differ, with a diagnosis for each difference it can explain.
type Comparison struct {
	// Plain is the plain FTP pass; nil when none ran, and NotCompared
	// says why (implicit FTPS has no plain FTP on its port, the operator
	// requires TLS, the plain pass could not start, ...).
	Plain       *Run
	NotCompared string
	// Mode names the TLS pass: "explicit TLS".
	Mode        string
	Differences []Difference
	Diagnoses   []Diagnosis
}

// Difference is a check whose verdict differs between the passes.
type Difference struct {
	Key, Title string
	Plain, TLS Verdict
	// Diagnosis is the Kind of the diagnosis that explains it; "" when
	// none does.
	Diagnosis string
}

// Diagnosis names the likely cause of differences between the passes.
type Diagnosis struct {
	Kind string // DiagHelperOpensPorts, ...
	// Message is the diagnosis in one sentence, with its fix:
	// "passive ports are reachable in plain FTP but dropped under TLS:
	// ...; open 30000-30099 explicitly".
	Message string
	// Fix is what to change, for the list of fixes.
	Fix string
	// Evidence is what the passes observed, in words.
	Evidence string
	// Keys are the checks of the TLS pass whose findings it explains.
	Keys []string
}

// CompareInput is what Compare needs besides the two passes.
type CompareInput struct {
	// PasvRange is the operator's passive range, "30000-30099"; "" when
	// none was given (the ports seen are named instead).
	PasvRange string
	// PasvAddress is the operator's expected passive address; "" when
	// none was given (the address the client reached the server at is
	// expected then).
	PasvAddress string
	// Greeting is the text of the server's 220 greeting, which often
	// names the server: the hint of where to set its passive address.
	Greeting string
}

// passView is what one pass observed of passive mode, from the checks'
// typed observations (Check.Passive).
type passView struct {
	peer string
	// addrs counts the 227 addresses seen; addrKeys lists the checks that
	// saw each.
	addrs    map[string]int
	addrKeys map[string][]string
	// probes counts connection outcomes; probePorts lists their ports,
	// probeKeys the checks that saw each outcome.
	probes     map[string]int
	probePorts map[string][]int
	probeKeys  map[string][]string
	ports      []int
	replies    int
	verdicts   map[string]Verdict
}

func viewOf(r Run) passView {
	v := passView{addrs: map[string]int{}, addrKeys: map[string][]string{}, probes: map[string]int{},
		probePorts: map[string][]int{}, probeKeys: map[string][]string{}, verdicts: map[string]Verdict{}}
	for _, c := range r.Checks {
		v.verdicts[c.Key] = c.Verdict
		if c.Passive == nil {
			continue
		}
		if v.peer == "" {
			v.peer = c.Passive.Peer
		}
		for _, rp := range c.Passive.Replies {
			v.replies++
			v.ports = append(v.ports, rp.Port)
			if rp.Address != "" {
				v.addrs[rp.Address]++
				if !slices.Contains(v.addrKeys[rp.Address], c.Key) {
					v.addrKeys[rp.Address] = append(v.addrKeys[rp.Address], c.Key)
				}
			}
			if rp.Probe != "" {
				v.probes[rp.Probe]++
				v.probePorts[rp.Probe] = append(v.probePorts[rp.Probe], rp.Port)
				if !slices.Contains(v.probeKeys[rp.Probe], c.Key) {
					v.probeKeys[rp.Probe] = append(v.probeKeys[rp.Probe], c.Key)
				}
			}
		}
	}
	return v
}

func (v passView) probed() int {
	n := 0
	for _, c := range v.probes {
		n += c
	}
	return n
}

func (v passView) addrTotal() int {
	n := 0
	for _, c := range v.addrs {
		n += c
	}
	return n
}

// Compare compares the plain FTP pass and the TLS pass of the same checks
// against the same server. Checks with the same verdict in both are
// reported once (the TLS pass's); a verdict that differs is a
// Difference, explained where the passes' observations show the cause:
//
//   - passive ports that connected in plain FTP (every probe) time out
//     under TLS: DiagHelperOpensPorts;
//   - the 227 reply carries the expected address in plain FTP (every
//     reply) and another under TLS: DiagHelperRewritesAddress;
//   - the 227 reply carries the expected address under TLS and another
//     in plain FTP: DiagHelperBreaksAddress.
func Compare(plain, tls Run, in CompareInput) Comparison {
	p, t := viewOf(plain), viewOf(tls)
	cmp := Comparison{Plain: &plain}
	failedHere := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if t.verdicts[k] == VerdictFailed || t.verdicts[k] == VerdictWarned {
				out = append(out, k)
			}
		}
		return out
	}

	// Ports: every plain probe connected, some TLS probes timed out.
	if timedOut := t.probes[checkmeta.ProbeTimedOut]; timedOut > 0 && p.probed() > 0 && p.probes[checkmeta.ProbeConnected] == p.probed() {
		rng := in.PasvRange
		if rng == "" {
			lo, hi := minMax(append(slices.Clone(p.ports), t.ports...))
			rng = fmt.Sprintf("%d-%d (the lowest and highest port the server advertised; better, give the server a fixed passive range and open that)", lo, hi)
		}
		d := Diagnosis{
			Kind: DiagHelperOpensPorts,
			Message: "passive ports are reachable in plain FTP but dropped under TLS: a firewall helper (nf_conntrack_ftp or an FTP ALG) opens them for plain FTP only: under TLS it cannot read the 227/229 replies; open " +
				rng + " explicitly",
			Fix: "open " + rng + " explicitly: allow inbound TCP to the server's passive ports in the firewall instead of relying on its FTP helper",
			Evidence: fmt.Sprintf("plain FTP: %d of %d passive ports connected; TLS: %d of %d timed out (%s)",
				p.probes[checkmeta.ProbeConnected], p.probed(), timedOut, t.probed(), portText(t.probePorts[checkmeta.ProbeTimedOut], 12)),
			Keys: failedHere(t.probeKeys[checkmeta.ProbeTimedOut]),
		}
		cmp.Diagnoses = append(cmp.Diagnoses, d)
	}

	// A check whose ports timed out is explained by that, whatever
	// address it saw.
	portsExplain := func(key string) bool {
		return slices.ContainsFunc(cmp.Diagnoses, func(d Diagnosis) bool {
			return d.Kind == DiagHelperOpensPorts && slices.Contains(d.Keys, key)
		})
	}

	// Addresses: judged against the operator's address, else the address
	// the client reached the server at.
	expected := in.PasvAddress
	if expected == "" {
		expected = t.peer
	}
	if expected != "" {
		wrongIn := func(v passView) []string {
			var out []string
			for a := range v.addrs {
				if a != expected {
					out = append(out, a)
				}
			}
			slices.Sort(out)
			return out
		}
		pw, tw := wrongIn(p), wrongIn(t)
		switch {
		case len(tw) > 0 && len(pw) == 0 && p.addrTotal() > 0:
			for _, a := range tw {
				what := ""
				if privateAddr(a) {
					what = ", a private address that clients outside the site cannot reach"
				}
				cmp.Diagnoses = append(cmp.Diagnoses, Diagnosis{
					Kind: DiagHelperRewritesAddress,
					Message: fmt.Sprintf("the 227 reply carries %s under TLS; in plain FTP a NAT helper rewrote it: set the server's public passive address (%s)",
						a, passiveAddressHint(in.Greeting, expected)),
					Fix: fmt.Sprintf("set the server's public passive address to %s (%s), so that its 227 replies carry it without a NAT helper's rewriting",
						expected, passiveAddressHint(in.Greeting, expected)),
					Evidence: fmt.Sprintf("227 replies: plain FTP %s (%d of %d); TLS %s (%d of %d)%s; the client reached the server at %s",
						expected, p.addrs[expected], p.addrTotal(), a, t.addrs[a], t.addrTotal(), what, t.peer),
					Keys: slices.DeleteFunc(failedHere(t.addrKeys[a]), portsExplain),
				})
			}
		case len(pw) > 0 && len(tw) == 0 && t.addrTotal() > 0:
			for _, a := range pw {
				cmp.Diagnoses = append(cmp.Diagnoses, Diagnosis{
					Kind: DiagHelperBreaksAddress,
					Message: fmt.Sprintf("the 227 reply carries %s in plain FTP but %s under TLS: a NAT helper or FTP ALG rewrites plain 227 replies, to an address clients cannot use; turn off its FTP rewriting, or give it the right public address",
						a, expected),
					Fix: fmt.Sprintf("turn off the address rewriting of the firewall's FTP helper or ALG (the server itself advertises %s), or make it rewrite to %s", expected, expected),
					Evidence: fmt.Sprintf("227 replies: plain FTP %s (%d of %d); TLS %s (%d of %d); the client reached the server at %s",
						a, p.addrs[a], p.addrTotal(), expected, t.addrs[expected], t.addrTotal(), t.peer),
					Keys: plainKeys(p.addrKeys[a], p.verdicts),
				})
			}
		}
	}

	explained := map[string]string{}
	for _, d := range cmp.Diagnoses {
		for _, k := range d.Keys {
			if explained[k] == "" {
				explained[k] = d.Kind
			}
		}
	}
	for _, c := range tls.Checks {
		pv, ok := p.verdicts[c.Key]
		if !ok || c.Verdict == VerdictFiltered || pv == VerdictFiltered || pv == c.Verdict {
			continue
		}
		cmp.Differences = append(cmp.Differences, Difference{Key: c.Key, Title: c.Title, Plain: pv, TLS: c.Verdict, Diagnosis: explained[c.Key]})
	}
	return cmp
}

// plainKeys are the keys that failed or warned in the plain pass.
func plainKeys(keys []string, verdicts map[string]Verdict) []string {
	var out []string
	for _, k := range keys {
		if verdicts[k] == VerdictFailed || verdicts[k] == VerdictWarned {
			out = append(out, k)
		}
	}
	return out
}

// Apply attaches the comparison to the TLS pass's run: it notes each
// explained difference on the check (the diagnosis at the end of its
// message, so JUnit and HTML show it), and a plain-only finding as
// information on a check that passed under TLS.
func (cmp Comparison) Apply(run *Run) {
	run.Comparison = &cmp
	byKind := map[string]Diagnosis{}
	for _, d := range cmp.Diagnoses {
		byKind[d.Kind] = d
	}
	plain := map[string]Check{}
	if cmp.Plain != nil {
		for _, c := range cmp.Plain.Checks {
			plain[c.Key] = c
		}
	}
	for _, diff := range cmp.Differences {
		i := slices.IndexFunc(run.Checks, func(c Check) bool { return c.Key == diff.Key })
		if i < 0 {
			continue
		}
		c := &run.Checks[i]
		if d, ok := byKind[diff.Diagnosis]; ok && diff.Diagnosis != DiagHelperBreaksAddress {
			c.Message = strings.TrimRight(c.Message, "\n") + fmt.Sprintf("\nin plain FTP this check %s: %s\n%s%s", diff.Plain, d.Message, FixPrefix, d.Fix)
			continue
		}
		if pc, ok := plain[diff.Key]; ok && (diff.Plain == VerdictFailed || diff.Plain == VerdictWarned) {
			c.Info = append(c.Info, fmt.Sprintf("in plain FTP this check %s: %s", diff.Plain, firstLine(pc.Message+strings.Join(pc.Warnings, "; "))))
		}
	}
}

// passiveAddressHint says where common servers set the address of their
// 227 replies, for the server the greeting names (all of them when it
// names none).
func passiveAddressHint(greeting, addr string) string {
	g := strings.ToLower(greeting)
	hints := []struct{ mark, hint string }{
		{"vsftpd", "vsftpd: pasv_address=%s"},
		{"proftpd", "proftpd: MasqueradeAddress %s"},
		{"pure-ftpd", "pure-ftpd: -P %s (ForcePassiveIP)"},
		{"pyftpdlib", "pyftpdlib: handler.masquerade_address = '%s'"},
		{"filezilla", "FileZilla Server: passive mode, public IPv4 address %s"},
		{"microsoft ftp", "IIS: FTP Firewall Support, external IP address %s"},
		{"ftpconform reference server", "ftpconform serve: --pasv-address %s"},
	}
	for _, h := range hints {
		if strings.Contains(g, h.mark) {
			return fmt.Sprintf(h.hint, addr)
		}
	}
	return fmt.Sprintf("vsftpd: pasv_address=%s; proftpd: MasqueradeAddress %s; pure-ftpd: -P %s", addr, addr, addr)
}

// privateAddr reports whether a is an address clients outside the site
// cannot reach: private (RFC 1918, ULA), loopback, link-local.
func privateAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && (a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified())
}

func minMax(ports []int) (int, int) {
	if len(ports) == 0 {
		return 0, 0
	}
	return slices.Min(ports), slices.Max(ports)
}

// portText renders up to max ports, sorted and without repeats.
func portText(ports []int, max int) string {
	s := slices.Clone(ports)
	slices.Sort(s)
	s = slices.Compact(s)
	var parts []string
	for i, p := range s {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(s)-max))
			break
		}
		parts = append(parts, fmt.Sprint(p))
	}
	return "ports " + strings.Join(parts, ", ")
}
