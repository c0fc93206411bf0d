package harness

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// streamPeer serves RETR over PASV: size bytes of a repeating pattern in
// chunks, pausing pause after the first chunk, then 226.
func streamPeer(t *testing.T, size int, pause time.Duration) *ftpPeer {
	return startPeer(t, "", func(s *peerSession) error {
		if err := s.greetLogin(); err != nil {
			return err
		}
		ln, err := s.pasv(netip.Addr{})
		if err != nil {
			return err
		}
		if _, err := s.expect("RETR big"); err != nil {
			return err
		}
		if err := s.send("150 Here it comes"); err != nil {
			return err
		}
		dc, err := s.accept(ln)
		if err != nil {
			return err
		}
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := dc.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
				// The client stopped reading (the test's point): tell it,
				// if it still listens.
				dc.Close()
				if s.send("426 Connection closed; transfer aborted") != nil {
					return nil
				}
				_ = s.untilClosed()
				return nil
			}
			if sent == 0 && pause > 0 {
				time.Sleep(pause)
			}
		}
		dc.Close()
		if s.send("226 Done") != nil && pause > 0 {
			return nil // the client gave up during the pause
		}
		_ = s.untilClosed()
		return nil
	})
}

// RetrieveTo streams: what it hands the writer is the whole file, and
// nothing is kept in the Transfer.
func TestRetrieveToStreams(t *testing.T) {
	t.Parallel()
	const size = 40 << 20
	p := streamPeer(t, size, 0)
	ctx := testCtx(t)
	c := loggedIn(t, ctx, peerTarget(p))
	d, err := c.OpenData(ctx, PASV, DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	tr, err := c.RetrieveTo(ctx, d, "RETR big", h)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.New()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for range size / len(chunk) {
		want.Write(chunk)
	}
	if tr.Received != size || tr.Data != nil || tr.DataErr != nil || tr.Final == nil || tr.Final.Code != 226 {
		t.Fatalf("received %d, data %d bytes, error %v, final %v", tr.Received, len(tr.Data), tr.DataErr, tr.Final)
	}
	if !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Errorf("the bytes handed to the writer differ from those sent")
	}
}

// A data connection silent for longer than DataTimeout ends the read with
// a data error that says so; a writer's error ends it too.
func TestRetrieveToLimits(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		p := streamPeer(t, 1<<20, 1500*time.Millisecond)
		ctx := testCtx(t)
		tg := peerTarget(p)
		tg.ReplyTimeout, tg.DataTimeout = 250*time.Millisecond, 250*time.Millisecond
		c := loggedIn(t, ctx, tg)
		d, err := c.OpenData(ctx, PASV, DataOptions{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		tr, err := c.RetrieveTo(ctx, d, "RETR big", io.Discard)
		// The data read and the wait for the completion reply both give up
		// after CompletionTimeout (500ms): either may tell first.
		if took := time.Since(start); took > 1200*time.Millisecond {
			t.Errorf("RetrieveTo took %v over a silence of 1.5s; the limit is 500ms", took)
		}
		if err == nil && (tr.DataErr == nil || !strings.Contains(tr.DataErr.Error(), "nothing for 500ms")) {
			t.Errorf("error %v, data error %v: want the silence named", err, tr.DataErr)
		}
	})
	t.Run("writer", func(t *testing.T) {
		p := streamPeer(t, 4<<20, 0)
		ctx := testCtx(t)
		c := loggedIn(t, ctx, peerTarget(p))
		d, err := c.OpenData(ctx, PASV, DataOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tr, _ := c.RetrieveTo(ctx, d, "RETR big", failingWriter{after: 1 << 20})
		if tr.DataErr == nil || !strings.Contains(tr.DataErr.Error(), "disk full") {
			t.Errorf("data error %v, want the writer's", tr.DataErr)
		}
	})
}

type failingWriter struct{ after int }

func (w failingWriter) Write(p []byte) (int, error) {
	return 0, errors.New("disk full")
}
