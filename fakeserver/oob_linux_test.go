package fakeserver

import (
	"net"
	"syscall"
	"testing"
)

// TestAbortWithUrgentData sends ABOR the way RFC 959 §4.1.3 describes it:
// IAC IP in-band, IAC as TCP urgent data, then DM ABOR.
func TestAbortWithUrgentData(t *testing.T) {
	srv, fx := startServer(t, nil)
	big := bigFile(t, fx)
	c := login(t, srv)
	c.expect("TYPE I", 200)
	d := c.pasv()
	c.send("RETR " + big)
	c.expectPrelim()
	if _, err := d.Read(make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	c.sendRaw([]byte{telnetIAC, telnetIP})
	rc, err := c.conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	rc.Write(func(fd uintptr) bool {
		serr = syscall.Sendto(int(fd), []byte{telnetIAC}, syscall.MSG_OOB, nil)
		return true
	})
	if serr != nil {
		t.Fatalf("send urgent: %v", serr)
	}
	c.sendRaw([]byte{telnetDM})
	c.send("ABOR")
	c.expectReply(426)
	c.expectReply(226)
	c.expect("NOOP", 200)
}
