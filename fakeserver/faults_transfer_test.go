package fakeserver

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Unit checks of the legal variations of faults_transfer.go and of the
// faults that act inside a running transfer (the self-test matrix in
// cmd/ftpconform proves every fault against its checks).

func init() {
	variationChecks[varAborIdle226] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("ABOR", 226)
	}
	variationChecks[varStouPathName] = func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("MKD stoudir", 257)
		c.expect("CWD stoudir", 250)
		prelim := c.store("pasv", "STOU", []byte("x"))
		name, ok := strings.CutPrefix(prelim.lines[0][4:], "FILE: /stoudir/stou-")
		if !ok || name == "" {
			t.Fatalf("STOU: %v", prelim)
		}
	}
	faultChecks[faultAborDataLeftOpen] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		big := bigFile(t, fx)
		c.expect("TYPE I", 200)
		d := c.pasv()
		c.send("RETR " + big)
		c.expectPrelim()
		// Wait until data flows, so ABOR meets a running transfer.
		d.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := io.ReadFull(d, make([]byte, 1)); err != nil {
			t.Fatalf("no data before ABOR: %v", err)
		}
		c.send("ABOR")
		c.expectReply(426)
		c.expectReply(226)
		if open, n := stillOpen(d, 300*time.Millisecond); !open {
			t.Errorf("the data connection ended after %d bytes", n)
		}
		c.expect("NOOP", 200)
	}}
	faultChecks[faultCtrlLossKeeps] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		d := c.pasv()
		c.send("STOR lost.bin")
		c.expectPrelim()
		c.conn.Close()
		if open, _ := stillOpen(d, 300*time.Millisecond); !open {
			t.Error("the upload's data connection closed with the control connection")
		}
		d.Close() // lets the upload, and so the session, end
	}}
	faultChecks[faultAborStorIgnored] = faultCheck{check: func(t *testing.T, srv *Server, fx *fixture) {
		c := login(t, srv)
		c.expect("TYPE I", 200)
		d := c.pasv()
		c.send("STOR slow.bin")
		c.expectPrelim()
		c.send("ABOR")
		c.send("STAT")
		c.expectReply(213) // STAT comes after ABOR: the ABOR was seen during the upload
		d.Write([]byte("rest"))
		d.Close()
		c.expectReply(226) // the upload's own
		c.expectReply(225) // the ABOR, once the upload is over
		if got := fx.read(t, "slow.bin"); string(got) != "rest" {
			t.Errorf("slow.bin: %q", got)
		}
	}}
}

// stillOpen reads d until it has been quiet for quiet and reports whether
// it is still open then, and how many bytes came.
func stillOpen(d net.Conn, quiet time.Duration) (bool, int) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		d.SetReadDeadline(time.Now().Add(quiet))
		m, err := d.Read(buf)
		n += m
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			return true, n
		case errors.Is(err, io.EOF) || isReset(err):
			return false, n
		default:
			return false, n
		}
	}
}
