package harness

import (
	"bytes"
	"fmt"
)

// Record structure in stream mode (STRU R, RFC 959 §3.4.1): a two-byte
// control code starting with 0xFF marks the end of a record or of the
// file, and a data byte 0xFF is sent doubled:
//
//	0xFF 0x01   end of record
//	0xFF 0x02   end of file
//	0xFF 0x03   end of record and end of file
//	0xFF 0xFF   the data byte 0xFF

// EncodeRecords builds a record stream: every record followed by an end
// of record, then an end of file.
func EncodeRecords(records [][]byte) []byte {
	var out []byte
	for _, r := range records {
		out = append(out, bytes.ReplaceAll(r, []byte{0xff}, []byte{0xff, 0xff})...)
		out = append(out, 0xff, 0x01)
	}
	return append(out, 0xff, 0x02)
}

// DecodeRecords parses a record stream. A trailing record without an end
// of record is returned as a record too; an end of file is optional
// (closing the connection also ends the file), and what follows it is
// ignored. A lone 0xFF at the end, or 0xFF before a byte that is no
// control code, is an error; the records before it are returned.
func DecodeRecords(b []byte) ([][]byte, error) {
	var out [][]byte
	var cur []byte
	open := false
	for i := 0; i < len(b); i++ {
		if b[i] != 0xff {
			cur = append(cur, b[i])
			open = true
			continue
		}
		if i+1 == len(b) {
			return out, fmt.Errorf("the data ends with a lone 0xFF at byte %d", i)
		}
		i++
		switch b[i] {
		case 0xff:
			cur = append(cur, 0xff)
			open = true
		case 0x01, 0x03:
			out = append(out, cur)
			cur, open = nil, false
			if b[i] == 0x03 {
				return out, nil
			}
		case 0x02:
			if open {
				out = append(out, cur)
			}
			return out, nil
		default:
			return out, fmt.Errorf("0xFF followed by 0x%02x at byte %d is no record-structure control code", b[i], i-1)
		}
	}
	if open {
		out = append(out, cur)
	}
	return out, nil
}
