package stress

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBucketsTileTheRange(t *testing.T) {
	var next uint64
	for i := range histBuckets {
		lo, hi := bucketRange(i)
		if lo != next || hi <= lo {
			t.Fatalf("bucket %d is [%d, %d), want it to start at %d", i, lo, hi, next)
		}
		if i >= histExact && float64(hi-lo) > float64(lo)/histSub {
			t.Errorf("bucket %d [%d, %d) is wider than 1/%d of its values", i, lo, hi, histSub)
		}
		for _, v := range []uint64{lo, hi - 1} {
			if got := bucketOf(v); got != i {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, got, i)
			}
		}
		next = hi
	}
	if next != 1<<histTop {
		t.Errorf("the buckets end at %d, want %d", next, uint64(1)<<histTop)
	}
	if got := bucketOf(math.MaxUint64); got != histBuckets-1 {
		t.Errorf("bucketOf(max) = %d, want the last bucket", got)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	us := time.Microsecond
	seq := func(from, to, step time.Duration) []time.Duration {
		var out []time.Duration
		for d := from; d <= to; d += step {
			out = append(out, d)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		values []time.Duration
		// want: p50, p90, p99, max, mean (exact values; the histogram
		// may be off by half a bucket)
		want [5]time.Duration
	}{
		{"empty", nil, [5]time.Duration{}},
		{"one value", []time.Duration{1234 * us}, [5]time.Duration{1234 * us, 1234 * us, 1234 * us, 1234 * us, 1234 * us}},
		{"exact range", seq(0, 63*us, us), [5]time.Duration{31 * us, 57 * us, 63 * us, 63 * us, 31 * us}},
		{"1..1000 ms", seq(time.Millisecond, time.Second, time.Millisecond), [5]time.Duration{500 * time.Millisecond, 900 * time.Millisecond, 990 * time.Millisecond, time.Second, 500500 * us}},
		{"outlier", append(slices.Repeat([]time.Duration{100 * us}, 999), 5*time.Second), [5]time.Duration{100 * us, 100 * us, 100 * us, 5 * time.Second, 5099 * us}},
		{"beyond the top", []time.Duration{2 * time.Hour}, [5]time.Duration{2 * time.Hour, 2 * time.Hour, 2 * time.Hour, 2 * time.Hour, 2 * time.Hour}},
		{"negative", []time.Duration{-time.Second}, [5]time.Duration{}},
		{"sub-microsecond", []time.Duration{999}, [5]time.Duration{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			for _, v := range tc.values {
				h.Record(v)
			}
			if got := h.Count(); got != uint64(len(tc.values)) {
				t.Errorf("Count = %d, want %d", got, len(tc.values))
			}
			got := [5]time.Duration{h.Quantile(0.5), h.Quantile(0.9), h.Quantile(0.99), h.Max(), h.Mean()}
			for i, name := range []string{"p50", "p90", "p99", "max", "mean"} {
				// Half a bucket: 1/64 of the value, at least 1 µs.
				slack := max(tc.want[i]/64, us)
				if name == "max" || name == "mean" {
					slack = us // kept exactly (to the microsecond)
				}
				if d := got[i] - tc.want[i]; d > slack || d < -slack {
					t.Errorf("%s = %v, want %v ± %v", name, got[i], tc.want[i], slack)
				}
			}
		})
	}
}

func TestHistogramNeverAboveMax(t *testing.T) {
	var h Histogram
	h.Record(1000 * time.Microsecond) // bucket [992, 1024) µs: its middle is above 1000
	if q := h.Quantile(1); q != 1000*time.Microsecond {
		t.Errorf("p100 = %v, want the maximum 1ms", q)
	}
}

func TestHistogramConcurrent(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Record(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	if h.Count() != 8000 {
		t.Errorf("Count = %d, want 8000", h.Count())
	}
	if h.Max() != 7999*time.Microsecond {
		t.Errorf("Max = %v, want 7.999ms", h.Max())
	}
	if p := h.Quantile(0.5); p < 3900*time.Microsecond || p > 4100*time.Microsecond {
		t.Errorf("p50 = %v, want about 4ms", p)
	}
}

func TestHistogramSummary(t *testing.T) {
	var h Histogram
	h.Record(1500 * time.Microsecond)
	s := h.Summary()
	if s.Max != 1.5 || s.Mean != 1.5 {
		t.Errorf("Summary = %+v, want max and mean 1.5 ms", s)
	}
	if s.P50 < 1.47 || s.P50 > 1.53 {
		t.Errorf("Summary p50 = %v ms, want about 1.5", s.P50)
	}
}
