package stress

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the human summary of a run: what ran, a table of the
// commands (count, errors, rate, latency quantiles), the totals, the
// sessions, the errors with a few examples, refused sessions and what the
// cleanup left.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	tls := "plain FTP"
	if r.TLS != "off" {
		tls = "TLS " + r.TLS
		if r.Insecure {
			tls += " (certificate NOT verified)"
		}
	}
	fmt.Fprintf(&b, "%d sessions for %s against %s (%s, %s)\n", r.Clients, seconds(r.Duration), r.Target, r.DataMode, tls)
	fmt.Fprintf(&b, "mix %s; files of %s to %s, at most %d per session\n", r.Mix, bytesIEC(int64(r.FileSizeMin)), bytesIEC(int64(r.FileSizeMax)), r.MaxFiles)
	if r.Interrupted {
		fmt.Fprintf(&b, "INTERRUPTED after %s\n", seconds(r.Measured))
	}
	if r.ServerGone > 0 {
		fmt.Fprintf(&b, "SERVER GONE at +%s: nothing listens on its control port and nothing had worked for %s; the run ended early\n", seconds(r.ServerGone), goneAfter)
	}
	b.WriteByte('\n')
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "command\tcount\terrors\tper s\tp50\tp90\tp99\tmax\t")
	for _, c := range r.Commands {
		rate := "-"
		if c.PerSec > 0 {
			rate = fmt.Sprintf("%.1f", c.PerSec)
		}
		lat := []string{"-", "-", "-", "-"}
		if c.Count > c.Errors {
			lat = []string{millis(c.Latency.P50), millis(c.Latency.P90), millis(c.Latency.P99), millis(c.Latency.Max)}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t", c.Name, c.Count, c.Errors, rate, strings.Join(lat, "\t"))
		fmt.Fprintln(tw)
	}
	tw.Flush()
	b.WriteByte('\n')
	fmt.Fprintf(&b, "operations: %d in %s (%.1f/s); data up %s, down %s\n", r.Ops, seconds(r.Measured), r.OpsPerSecond, bytesIEC(r.BytesUp), bytesIEC(r.BytesDown))
	s := r.Sessions
	fmt.Fprintf(&b, "sessions:   %d started, %d completed without error, %d with errors, %d refused; %d reconnections; at most %d logged in at once\n",
		s.Started, s.Completed, s.Failed, s.Refused, s.Reconnects, s.PeakActive)
	if r.Errors.Total == 0 {
		fmt.Fprintln(&b, "errors:     none; every download matched its upload")
	} else {
		others := map[string]int64{}
		for k, n := range r.Errors.ByKind {
			if k != KindRefused.String() {
				others[k] = n
			}
		}
		fmt.Fprintf(&b, "errors:     %d (%s)", r.Errors.Total, sortedCounts(others, " "))
		if len(r.Errors.ByCode) > 0 {
			fmt.Fprintf(&b, "; by reply code: %s", sortedCounts(r.Errors.ByCode, ": "))
		}
		b.WriteByte('\n')
	}
	if refused := r.Errors.ByKind[KindRefused.String()]; refused > 0 {
		fmt.Fprintf(&b, "REFUSED:    the server turned away %d connection(s); %d of %d sessions never got in", refused, s.Refused, s.Started)
		if r.ServerGone == 0 {
			b.WriteString(". Its session limit? Not counted as errors (--fail-on-refused counts them)")
		}
		b.WriteByte('\n')
	}
	for _, e := range r.Errors.Samples {
		code := ""
		if e.Code != 0 {
			code = fmt.Sprintf(" %d", e.Code)
		}
		fmt.Fprintf(&b, "  +%.1fs session %d %s: %s%s: %s\n", e.At, e.Session, e.Command, e.Kind, code, e.Message)
	}
	if r.Errors.CutAtEnd > 0 {
		fmt.Fprintf(&b, "interrupted operations (not counted): %d\n", r.Errors.CutAtEnd)
	}
	if r.Cleanup.Left > 0 {
		fmt.Fprintf(&b, "cleanup:    %d scratch directories left on the server: %s\n", r.Cleanup.Left, strings.Join(r.Cleanup.Dirs, " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// millis renders a latency given in milliseconds with about three
// significant digits.
func millis(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}

func seconds(s float64) string { return fmt.Sprintf("%.1fs", s) }

// bytesIEC renders n bytes in KiB, MiB or GiB.
func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
