package script

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a scenario file before anything is sent:
//
//	examples/scripts/rest-resume.ftp:14: unknown step "expct"
//
// Line is 1-based; 0 means the problem concerns the file (or directory) as
// a whole, and Error then leaves the line out.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ErrorList is every problem found in one or more files, in file and line
// order. Its Error is one problem per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems one by one, for errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sort orders the list by file, then line; problems on one line keep the
// order in which they were found.
func (l ErrorList) sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

// err returns the list as an error, nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}

// Failure is an expectation of a scenario that did not hold when it ran,
// or an exchange that broke, at the step on Line:
//
//	examples/scripts/rest-resume.ftp:27: expected 350, got 502 "502 REST not implemented"
//
// Step is the step's source line; Err, when not nil, is the error beneath
// (a *harness.ReplyError, a *harness.ProtocolError, a *harness.TLSError,
// context.Canceled, ...), so that errors.Is and errors.As see through a
// Failure. Msg never contains the run's password.
type Failure struct {
	File string
	Line int
	Step string
	Msg  string
	Err  error
}

func (f *Failure) Error() string { return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg) }

// Unwrap returns the error beneath the failure, if any.
func (f *Failure) Unwrap() error { return f.Err }
