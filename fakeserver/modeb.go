package fakeserver

// Block mode (MODE B, RFC 959 §3.4.2): every block is a descriptor byte,
// a 16-bit byte count and the data. The clean server refuses MODE B with
// 504, as RFC 1123 §4.1.2.13 allows; a transfer runs in block mode in the
// sessions where a hook has accepted MODE B.

import (
	"errors"
	"io"
	"net"
)

// Block-mode descriptor bits (RFC 959 §3.4.2).
const (
	blockEOR     = 0x80
	blockEOF     = 0x40
	blockSuspect = 0x20
	blockRestart = 0x10
)

// blockConn speaks block mode (RFC 959 §3.4.2) on a data connection: every
// Write becomes one or more blocks, Close sends the EOF block first; Read
// returns the data of the blocks received and io.EOF after the block
// carrying the EOF flag. Restart-marker blocks are skipped.
type blockConn struct {
	net.Conn
	sending bool
	failed  bool // a write failed: no EOF block, the file is incomplete

	left int  // data bytes left in the current block
	eof  bool // the current block is the last one
	hdr  [3]byte
}

// errNoEOFBlock: the sender closed the connection before the EOF block.
var errNoEOFBlock = errors.New("block mode: connection closed before the EOF block")

func (b *blockConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 0xffff)
		blk := make([]byte, 0, 3+k)
		blk = append(blk, 0, byte(k>>8), byte(k))
		blk = append(blk, p[:k]...)
		if _, err := b.Conn.Write(blk); err != nil {
			b.failed = true
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

func (b *blockConn) Close() error {
	var err error
	if b.sending && !b.failed {
		_, err = b.Conn.Write([]byte{blockEOF, 0, 0})
	}
	return errors.Join(err, b.Conn.Close())
}

func (b *blockConn) Read(p []byte) (int, error) {
	for b.left == 0 {
		if b.eof {
			return 0, io.EOF
		}
		if _, err := io.ReadFull(b.Conn, b.hdr[:]); err != nil {
			if err == io.EOF {
				err = errNoEOFBlock
			}
			return 0, err
		}
		count := int(b.hdr[1])<<8 | int(b.hdr[2])
		if b.hdr[0]&blockRestart != 0 {
			// A restart marker, not file data.
			if _, err := io.CopyN(io.Discard, b.Conn, int64(count)); err != nil {
				return 0, err
			}
			continue
		}
		b.left = count
		b.eof = b.hdr[0]&blockEOF != 0
	}
	n, err := b.Conn.Read(p[:min(len(p), b.left)])
	b.left -= n
	if err == io.EOF {
		err = errNoEOFBlock
	}
	return n, err
}
