package harness_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpconform/ftpconform/fakeserver"
	"github.com/ftpconform/ftpconform/harness"
)

// startServer runs the reference server with a passive range and faults.
func startServer(t *testing.T, faults ...string) (harness.Target, harness.PortRange) {
	t.Helper()
	srv := fakeserver.New(t.TempDir(), "pw")
	rng := harness.PortRange{Min: 21000 + int(time.Now().UnixNano()%80)*100, Max: 0}
	rng.Max = rng.Min + 99
	srv.PasvMinPort, srv.PasvMaxPort = rng.Min, rng.Max
	srv.Faults = faults
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tg, err := harness.ParseTargetURL("ftp://conform:pw@" + srv.Address().String())
	if err != nil {
		t.Fatal(err)
	}
	tg.ReplyTimeout, tg.ConnectTimeout = 5*time.Second, 2*time.Second
	return tg, rng
}

func TestSamplePassive(t *testing.T) {
	t.Parallel()
	tg, rng := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	samples, err := harness.SamplePassive(ctx, tg, nil, harness.SampleOptions{Sessions: 7, Probe: true, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 14 {
		t.Fatalf("%d samples, want 14 (PASV and EPSV in 7 sessions)", len(samples))
	}
	for i, s := range samples {
		if want := harness.DataMode([]string{"PASV", "EPSV"}[i%2]); s.Mode != want || s.Session != i/2+1 {
			t.Errorf("sample %d: session %d %s, want session %d %s", i, s.Session, s.Mode, i/2+1, want)
		}
		if s.Err != nil || !rng.Contains(int(s.Advertised.Port())) || s.Probe == nil || !s.Probe.OK() {
			t.Errorf("sample %d: %+v (probe %+v)", i, s, s.Probe)
		}
	}
}

// Without Probe, every port is still connected to once and closed: a
// firewall's FTP helper keeps a pinhole for each port of a 227/229 reply
// until a connection comes, and drops a later reply naming the same port.
func TestSamplePassiveReleasesPorts(t *testing.T) {
	t.Parallel()
	tg, _ := startServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tr := harness.NewTranscript()
	samples, err := harness.SamplePassive(ctx, tg, tr, harness.SampleOptions{Sessions: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if s.Probe != nil {
			t.Errorf("sample %d %s: a probe without SampleOptions.Probe: %+v", s.Session, s.Mode, s.Probe)
		}
		if want := fmt.Sprintf("data: released %s (connected and closed", s.Dialled); !strings.Contains(tr.String(), want) {
			t.Errorf("sample %d %s: the transcript has no %q:\n%s", s.Session, s.Mode, want, tr.String())
		}
	}
	if len(samples) != 6 {
		t.Errorf("%d samples, want 6", len(samples))
	}
}

func TestSamplePassiveRefusedPorts(t *testing.T) {
	t.Parallel()
	tg, _ := startServer(t, "pasv-port-mismatch")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	samples, err := harness.SamplePassive(ctx, tg, nil, harness.SampleOptions{Sessions: 4, Probe: true})
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, s := range samples {
		if s.Probe != nil && s.Probe.Kind() == harness.DialRefused {
			refused++
		}
	}
	// The fault affects every other session, PASV and EPSV alike.
	if refused != 4 {
		t.Errorf("%d of %d probes refused, want 4", refused, len(samples))
	}
}

func TestSamplePassiveLoginFails(t *testing.T) {
	t.Parallel()
	tg, _ := startServer(t)
	tg.Password = "wrong"
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := harness.SamplePassive(ctx, tg, nil, harness.SampleOptions{Sessions: 3}); err == nil {
		t.Error("sampling with a wrong password succeeded")
	}
}
