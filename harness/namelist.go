package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// NameList is what NLST returned (RFC 959 §4.1.3): the names of a
// directory's entries, one a line.
//
//	NLST sub
//	150 Here comes the list.
//	(data) sub/a.txt CRLF sub/b.bin CRLF
//	226 Done.
type NameList struct {
	Transfer *Transfer
	Lines    []string // the non-empty lines as sent, without their line ends
	// NoFiles is set when the server answered 450 or 550 ("No files
	// found"), which some servers send for an empty directory: the
	// listing is then empty.
	NoFiles bool
}

// Names returns the last pathname element of every line ("sub/a.txt" →
// "a.txt", "dir/" → "dir"), without "." and "..".
func (l *NameList) Names() []string {
	var out []string
	for _, line := range l.Lines {
		line = strings.TrimRight(line, "/")
		base := line[strings.LastIndex(line, "/")+1:]
		if base != "" && base != "." && base != ".." {
			out = append(out, base)
		}
	}
	return out
}

// Has reports whether name is the last pathname element of a line.
func (l *NameList) Has(name string) bool { return slices.Contains(l.Names(), name) }

// ListNames lists dir (the working directory when dir is "") with NLST
// over a data connection set up in mode. 450 and 550 count as an empty
// listing (NoFiles). Any other failure is an error: a data connection
// that could not be set up or broke (the names may be incomplete), or
// another reply (a *ReplyError).
func (c *Conn) ListNames(ctx context.Context, mode DataMode, dir string) (*NameList, error) {
	line := "NLST"
	if dir != "" {
		line += " " + dir
	}
	d, err := c.OpenData(ctx, mode, DataOptions{})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("%s: setting up the %s data connection: %w", line, mode, err)
	}
	t, err := c.Retrieve(ctx, d, line)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", line, err)
	}
	l := &NameList{Transfer: t}
	switch {
	case Class(t.Final.Code) == 2:
	case t.Final.Code == ReplyFileUnavailable || t.Final.Code == ReplyActionNotTaken:
		c.T.Notef(c.name, "%s answered %s: taken as an empty directory", line, t.Final)
		l.NoFiles = true
		return l, nil
	default:
		return nil, &ReplyError{Cmd: line, Expected: []int{ReplyClosingData, ReplyFileActionOK}, Reply: t.Final}
	}
	if t.DataErr != nil {
		return nil, fmt.Errorf("%s: data connection: %w", line, t.DataErr)
	}
	l.Lines = nameLines(t.Data)
	return l, nil
}

// nameLines splits NLST data into its non-empty lines, each without its
// CRLF (or bare LF).
func nameLines(data []byte) []string {
	var out []string
	for _, s := range strings.Split(string(data), "\n") {
		if s = strings.TrimSuffix(s, "\r"); s != "" {
			out = append(out, s)
		}
	}
	return out
}
