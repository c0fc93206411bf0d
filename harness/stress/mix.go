package stress

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Op is one operation a session can perform.
type Op int

// The operations of a mix. Each is one command, or for the transfers the
// data connection set-up (PASV, EPSV, PORT or EPRT) and the transfer.
const (
	OpStor Op = iota // STOR a new file, or over one of the session's files once it has MaxFiles
	OpRetr           // RETR one of the session's files and compare it with what was uploaded
	OpList           // LIST the scratch directory: every file the session has must be in it
	OpNlst           // NLST the scratch directory: every file the session has must be in it
	OpSize           // SIZE of one of the session's files, compared with its size
	OpMdtm           // MDTM of one of the session's files
	OpCwd            // CWD to the scratch directory
	OpPwd            // PWD: the scratch directory
	OpNoop           // NOOP
	OpDele           // DELE one of the session's files
	numOps
)

var opNames = [numOps]string{
	OpStor: "stor", OpRetr: "retr", OpList: "list", OpNlst: "nlst", OpSize: "size",
	OpMdtm: "mdtm", OpCwd: "cwd", OpPwd: "pwd", OpNoop: "noop", OpDele: "dele",
}

// String is the operation's name in a mix: "stor", "retr", ...
func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return "op" + strconv.Itoa(int(o))
}

// needsFile reports whether the operation works on one of the session's
// files; without one, the session uploads a file instead.
func (o Op) needsFile() bool {
	switch o {
	case OpRetr, OpSize, OpMdtm, OpDele:
		return true
	}
	return false
}

// MixEntry is one operation of a mix with its weight.
type MixEntry struct {
	Op     Op
	Weight int
}

// Mix is what a session chooses its operations from: each operation in
// proportion to its weight.
type Mix []MixEntry

// DefaultMix is stor:retr:list:noop.
var DefaultMix = Mix{{OpStor, 1}, {OpRetr, 1}, {OpList, 1}, {OpNoop, 1}}

// MaxWeight bounds the weight of one operation.
const MaxWeight = 1000

// ParseMix parses a colon-separated list of operations, each with an
// optional weight (default 1): "stor=2:retr=3:list". Names are those of
// Op.String, in any case; an operation may appear only once, with a
// weight from 1 to MaxWeight.
func ParseMix(s string) (Mix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("mix: empty; want operations separated by ':', e.g. stor=2:retr=3:list (operations: %s)", strings.Join(opNames[:], ", "))
	}
	var m Mix
	seen := map[Op]bool{}
	for item := range strings.SplitSeq(s, ":") {
		item = strings.TrimSpace(item)
		name, weight, hasWeight := strings.Cut(item, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			return nil, fmt.Errorf("mix %q: an empty entry; want operations separated by single ':'", s)
		}
		op := Op(-1)
		for i, n := range opNames {
			if n == name {
				op = Op(i)
			}
		}
		if op < 0 {
			return nil, fmt.Errorf("mix: unknown operation %q; want one of %s", name, strings.Join(opNames[:], ", "))
		}
		if seen[op] {
			return nil, fmt.Errorf("mix: %s appears twice; give it one weight (%s=N)", name, name)
		}
		seen[op] = true
		w := 1
		if hasWeight {
			var err error
			w, err = strconv.Atoi(strings.TrimSpace(weight))
			if err != nil || w < 1 || w > MaxWeight {
				return nil, fmt.Errorf("mix: weight of %s %q: want a whole number from 1 to %d", name, weight, MaxWeight)
			}
		}
		m = append(m, MixEntry{op, w})
	}
	return m, nil
}

// String renders the mix as ParseMix reads it, weights of 1 left out.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Op.String()
		if e.Weight != 1 {
			parts[i] += "=" + strconv.Itoa(e.Weight)
		}
	}
	return strings.Join(parts, ":")
}

// Has reports whether the mix contains op.
func (m Mix) Has(op Op) bool {
	for _, e := range m {
		if e.Op == op {
			return true
		}
	}
	return false
}

// pick chooses an operation in proportion to the weights.
func (m Mix) pick(r *rand.Rand) Op {
	total := 0
	for _, e := range m {
		total += e.Weight
	}
	n := r.IntN(total)
	for _, e := range m {
		if n < e.Weight {
			return e.Op
		}
		n -= e.Weight
	}
	return m[len(m)-1].Op
}
