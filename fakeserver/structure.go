package fakeserver

// Record structure in stream mode (STRU R, RFC 959 §3.4.1): a byte 0xFF
// escapes a control code, 0xFF 0x01 ends a record and 0xFF 0xFF stands for
// a data byte 0xFF. This server's files have no records, so the clean
// server refuses STRU R with 504 (RFC 1123 §4.1.2.13); recordConn is the
// encoding for the sessions where a hook has accepted it.

import "net"

// Record-structure escapes in stream mode (RFC 959 §3.4.1).
const (
	recordEscape = 0xFF
	recordEOR    = 0x01
)

// recordConn writes a file as a stream-mode record stream (RFC 959
// §3.4.1): LF ends a record (0xFF 0x01), a data byte 0xFF is doubled.
type recordConn struct {
	net.Conn
	buf []byte
}

func (r *recordConn) Write(p []byte) (int, error) {
	out := r.buf[:0]
	for _, b := range p {
		switch b {
		case '\n':
			out = append(out, recordEscape, recordEOR)
		case recordEscape:
			out = append(out, recordEscape, recordEscape)
		default:
			out = append(out, b)
		}
	}
	r.buf = out
	if _, err := r.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
