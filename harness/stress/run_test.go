package stress

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
)

// serve starts a reference server for a test, adjusted by setup, and
// returns the target that points at it and its root.
func serve(t *testing.T, setup func(*fakeserver.Server)) (harness.Target, string) {
	t.Helper()
	root := t.TempDir()
	srv := fakeserver.New(root, "stress-pw")
	if setup != nil {
		setup(srv)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ap := netip.MustParseAddrPort(srv.Address().String())
	return harness.Target{
		Host: ap.Addr().String(), Port: int(ap.Port()), User: srv.User, Password: srv.Password,
		ReplyTimeout: 5 * time.Second, DataTimeout: 5 * time.Second,
	}, root
}

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = res.WriteText(&b)
	t.Logf("\n%s", b.String())
	return res
}

// emptyRoot fails unless the sessions removed everything they made.
func emptyRoot(t *testing.T, root string) {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the server's root: %s", e.Name())
	}
}

func TestRunClean(t *testing.T) {
	tg, root := serve(t, nil)
	all := Mix{{OpStor, 3}, {OpRetr, 3}, {OpList, 1}, {OpNlst, 1}, {OpSize, 1}, {OpMdtm, 1}, {OpCwd, 1}, {OpPwd, 1}, {OpNoop, 1}, {OpDele, 1}}
	res := run(t, Config{Target: tg, Clients: 50, Duration: 2 * time.Second, Ramp: 200 * time.Millisecond, Mix: all, ReconnectAfter: 40})
	if res.Errors.Total != 0 || len(res.Errors.ByKind) != 0 {
		t.Errorf("errors: %+v", res.Errors)
	}
	s := res.Sessions
	if s.Started != 50 || s.Completed != 50 || s.Refused != 0 || s.Failed != 0 {
		t.Errorf("sessions: %+v", s)
	}
	if s.Reconnects == 0 {
		t.Errorf("no session reconnected after 40 commands: %+v", s)
	}
	counts := map[string]int64{}
	for _, c := range res.Commands {
		counts[c.Name] = c.Count
		if c.Count > 0 && c.Latency.P50 <= 0 {
			t.Errorf("%s: no latency: %+v", c.Name, c)
		}
	}
	for _, op := range all {
		if counts[op.Op.String()] == 0 {
			t.Errorf("no %s done: %v", op.Op, counts)
		}
	}
	if counts["cleanup"] != 50 {
		t.Errorf("cleanup ran %d times, want 50", counts["cleanup"])
	}
	if res.Ops == 0 || res.OpsPerSecond <= 0 || res.BytesUp == 0 || res.BytesDown == 0 {
		t.Errorf("figures: ops %d (%.1f/s), up %d, down %d", res.Ops, res.OpsPerSecond, res.BytesUp, res.BytesDown)
	}
	if res.Failed(true) {
		t.Error("Failed = true for a clean run")
	}
	emptyRoot(t, root)
}

func TestRunSessionLimit(t *testing.T) {
	tg, root := serve(t, func(s *fakeserver.Server) { s.MaxSessions = 10 })
	res := run(t, Config{Target: tg, Clients: 30, Duration: 2 * time.Second, Ramp: 100 * time.Millisecond})
	if res.Sessions.Refused == 0 || res.Errors.ByKind["refused"] == 0 {
		t.Errorf("no session refused: %+v %+v", res.Sessions, res.Errors)
	}
	if res.Sessions.Refused+res.Sessions.Completed != 30 || res.Sessions.Completed < 10 {
		t.Errorf("sessions: %+v; want 10 or more completed and the others refused", res.Sessions)
	}
	if res.Errors.Total != 0 {
		t.Errorf("errors other than refused: %+v", res.Errors)
	}
	if res.Errors.ByCode["421"] == 0 {
		t.Errorf("no 421 counted: %v", res.Errors.ByCode)
	}
	if res.Failed(false) || !res.Failed(true) {
		t.Errorf("Failed(false) = %v, Failed(true) = %v; want false, true", res.Failed(false), res.Failed(true))
	}
	emptyRoot(t, root)
}

func TestRunCorruptDownloads(t *testing.T) {
	tg, root := serve(t, func(s *fakeserver.Server) { s.Faults = []string{"corrupt-binary"} })
	res := run(t, Config{Target: tg, Clients: 5, Duration: time.Second, Mix: Mix{{OpStor, 1}, {OpRetr, 1}}})
	if res.Errors.ByKind["corrupt"] == 0 {
		t.Errorf("no corrupt download found: %+v", res.Errors)
	}
	if res.Errors.Total != res.Errors.ByKind["corrupt"] {
		t.Errorf("errors other than corrupt: %+v", res.Errors.ByKind)
	}
	if !res.Failed(false) {
		t.Error("Failed = false")
	}
	emptyRoot(t, root)
}

func TestRunInterrupted(t *testing.T) {
	tg, root := serve(t, nil)
	stop := make(chan struct{})
	time.AfterFunc(700*time.Millisecond, func() { close(stop) })
	t0 := time.Now()
	res := run(t, Config{Target: tg, Clients: 20, Duration: time.Minute, Stop: stop})
	if took := time.Since(t0); took > 10*time.Second {
		t.Errorf("the run took %s after the interruption", took)
	}
	if !res.Interrupted {
		t.Error("Interrupted = false")
	}
	if res.Errors.Total != 0 {
		t.Errorf("errors: %+v", res.Errors)
	}
	emptyRoot(t, root)
}

func TestRunBadConfig(t *testing.T) {
	tg := harness.Target{Host: "127.0.0.1", Port: 1, User: "u", Password: "p"}
	for _, cfg := range []Config{
		{Target: tg, Clients: 0, Duration: time.Second},
		{Target: tg, Clients: MaxClients + 1, Duration: time.Second},
		{Target: tg, Clients: 1, Duration: 0},
		{Target: tg, Clients: 1, Duration: MaxDuration + time.Second},
		{Target: tg, Clients: 1, Duration: time.Second, Ramp: 2 * time.Second},
		{Target: tg, Clients: 1, Duration: time.Second, MinSize: 10, MaxSize: 5},
		{Target: tg, Clients: 1, Duration: time.Second, MaxSize: MaxFileSize + 1},
		{Target: tg, Clients: 1, Duration: time.Second, DataMode: "LPSV"},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) ran", cfg)
		}
	}
}

// TestRunServerGone: a server that dies in the middle of the run ends it
// early, with the sessions' resets as errors.
func TestRunServerGone(t *testing.T) {
	root := t.TempDir()
	srv := fakeserver.New(root, "pw")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(srv.Address().String())
	tg := harness.Target{Host: ap.Addr().String(), Port: int(ap.Port()), User: srv.User, Password: srv.Password,
		ReplyTimeout: 2 * time.Second, DataTimeout: 2 * time.Second}
	time.AfterFunc(time.Second, func() { srv.Close() })
	t0 := time.Now()
	res := run(t, Config{Target: tg, Clients: 10, Duration: time.Minute, CleanupTimeout: 2 * time.Second})
	if took := time.Since(t0); took > 15*time.Second {
		t.Errorf("the run took %s against a dead server", took)
	}
	if res.ServerGone < 1 || res.ServerGone > 10 || !res.Failed(false) {
		t.Errorf("ServerGone = %v, Failed = %v; want about 4 s, true", res.ServerGone, res.Failed(false))
	}
	if res.Errors.Total == 0 || res.Cleanup.Left != 10 {
		t.Errorf("errors %+v, cleanup %+v; want the resets and 10 directories left", res.Errors, res.Cleanup)
	}
}
