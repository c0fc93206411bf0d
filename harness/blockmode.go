package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Block mode (MODE B, RFC 959 §3.4.2): the data moves in blocks, each a
// header of three bytes, a descriptor and a 16-bit count, followed by count
// bytes; the last block carries the EOF flag:
//
//	+------------+------------+------------+----- ... -----+
//	| descriptor |  count hi  |  count lo  |  count bytes  |
//	+------------+------------+------------+----- ... -----+

// Descriptor flags of a block header (RFC 959 §3.4.2).
const (
	BlockEOR     byte = 128 // the block ends a record
	BlockEOF     byte = 64  // the block ends the file
	BlockSuspect byte = 32  // the data may hold errors
	BlockRestart byte = 16  // the block is a restart marker, not file data
)

// maxBlockData is the most a block can hold.
const maxBlockData = 1<<16 - 1

// ErrShortBlock means the data connection ended in the middle of a block.
var ErrShortBlock = errors.New("the data connection closed in the middle of a block")

// BlockStream is block-mode data as it arrived.
type BlockStream struct {
	Data    []byte   // the payload of the data blocks (restart markers excluded)
	Headers []string // each block's header, as "descriptor 64, count 5"
	EOF     bool     // the block with the EOF flag arrived
	Err     error    // what broke the block format, if anything
}

// ReadBlocks reads blocks from r up to the one with the EOF flag. A
// stream that ends before it, or in the middle of a block, sets Err.
func ReadBlocks(r io.Reader) BlockStream {
	var bs BlockStream
	var hdr [3]byte
	for !bs.EOF {
		_, err := io.ReadFull(r, hdr[:])
		if err == io.EOF {
			bs.Err = errors.New("the data connection closed before a block with the EOF flag (64)")
			return bs
		}
		if err != nil {
			bs.Err = fmt.Errorf("reading a block header: %w", err)
			return bs
		}
		desc, count := hdr[0], int(hdr[1])<<8|int(hdr[2])
		bs.Headers = append(bs.Headers, fmt.Sprintf("descriptor %d, count %d", desc, count))
		buf := make([]byte, count)
		n, err := io.ReadFull(r, buf)
		if err != nil {
			bs.Err = fmt.Errorf("block %d (descriptor %d, count %d): got %d bytes: %w", len(bs.Headers), desc, count, n, ErrShortBlock)
			return bs
		}
		if desc&BlockRestart == 0 {
			bs.Data = append(bs.Data, buf...)
		}
		bs.EOF = desc&BlockEOF != 0
	}
	return bs
}

// EncodeBlocks writes data as blocks of at most size bytes (at most
// 65535), the last one with the EOF flag; empty data is one empty EOF
// block.
func EncodeBlocks(data []byte, size int) []byte {
	size = min(max(size, 1), maxBlockData)
	var out []byte
	for {
		n := min(len(data), size)
		desc := byte(0)
		if n == len(data) {
			desc = BlockEOF
		}
		out = append(out, desc, byte(n>>8), byte(n))
		out = append(out, data[:n]...)
		data = data[n:]
		if desc == BlockEOF {
			return out
		}
	}
}

// BlockTransfer is what a download command in block mode delivered.
type BlockTransfer struct {
	Cmd           string
	Prelim, Final *Reply // the 1yz reply (nil if none came) and the completion
	BlockStream
	Raw []byte // everything read from the data connection
}

// Replies lists the replies of the transfer in order.
func (t *BlockTransfer) Replies() []*Reply {
	var out []*Reply
	for _, r := range []*Reply{t.Prelim, t.Final} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// RetrieveBlocks sends a download command (RETR, LIST, NLST) on d in block
// mode and reads the blocks while it waits for the replies. The server
// need not close the data connection after the EOF block; all blocks were
// sent before the completion reply, so what has not arrived CloseGrace
// after it never will. Unexpected reply codes are not errors here: an
// error means the exchange itself broke.
func (c *Conn) RetrieveBlocks(ctx context.Context, d *DataChannel, cmd string) (*BlockTransfer, error) {
	t := &BlockTransfer{Cmd: cmd}
	if err := c.sendTransfer(ctx, d, cmd); err != nil {
		return t, err
	}
	defer d.Close()
	dctx, cancel := context.WithTimeout(ctx, c.target.CompletionTimeout())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := d.Conn(dctx)
		if err != nil {
			t.Err = err
			return
		}
		stop := guard(dctx, nc)
		defer stop()
		if dl, ok := dctx.Deadline(); ok {
			_ = nc.SetReadDeadline(dl)
		}
		var raw bytes.Buffer
		t.BlockStream = ReadBlocks(io.TeeReader(nc, &raw))
		t.Raw = raw.Bytes()
	}()
	first, err := c.ReadReply(ctx)
	if err == nil {
		if IsPreliminary(first.Code) {
			t.Prelim = first
		}
		t.Final, err = c.Completion(ctx, first)
	}
	if err != nil {
		d.Close()
		<-done
		return t, err
	}
	grace := time.NewTimer(c.target.CloseGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		d.Close()
		<-done
		if t.Err == nil && !t.EOF {
			t.Err = fmt.Errorf("no block with the EOF flag arrived within %s of the %d reply", c.target.CloseGrace, t.Final.Code)
		}
	}
	return t, nil
}
