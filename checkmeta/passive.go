package checkmeta

import (
	"encoding/json"
	"fmt"
)

// EntryPassive is what a check saw of the server's passive replies: a
// PassiveObservation, as JSON text (so that it reads back the same from a
// ginkgo report decoded from JSON). It may repeat; the reports merge the
// replies. "ftpconform firewall --tls" compares these between its plain
// and its TLS pass instead of reading the checks' messages.
const EntryPassive = "ftpconform.passive"

// The outcomes of a connection attempt to a passive port
// (PassiveReply.Probe).
const (
	ProbeConnected   = "connected"
	ProbeTimedOut    = "timed-out"   // no answer: the packets are dropped
	ProbeRefused     = "refused"     // a reset: nothing listens there
	ProbeUnreachable = "unreachable" // ICMP unreachable, no route
	ProbeFailed      = "failed"      // any other error
)

// PassiveObservation is what a check observed of passive mode:
//
//	{"peer":"198.18.0.1","replies":[
//	  {"mode":"PASV","address":"10.0.0.5","port":30007,"probe":"connected"},
//	  {"mode":"EPSV","port":30012,"probe":"timed-out"}]}
type PassiveObservation struct {
	// Peer is the address the client reached the server at: the control
	// connection's remote address.
	Peer string `json:"peer"`
	// Replies are the 227 and 229 replies the check got, in order.
	Replies []PassiveReply `json:"replies"`
}

// PassiveReply is one 227 or 229 reply and, when the check connected to
// its port, what that gave.
type PassiveReply struct {
	Mode string `json:"mode"` // "PASV" or "EPSV"
	// Address is the address of a 227 reply; EPSV replies carry none
	// (RFC 2428 §3: the client uses the control connection's).
	Address string `json:"address,omitempty"`
	Port    int    `json:"port"`
	// Probe is the outcome of a connection to the port (the Probe
	// constants); "" when the check did not judge one.
	Probe string `json:"probe,omitempty"`
}

// Encode is the entry's value: the observation as JSON text.
func (o PassiveObservation) Encode() string {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err) // strings and ints only
	}
	return string(b)
}

// DecodePassive reads the value of an EntryPassive.
func DecodePassive(s string) (PassiveObservation, error) {
	var o PassiveObservation
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		return o, fmt.Errorf("%s entry: %w", EntryPassive, err)
	}
	return o, nil
}
